"""Import a meerjarenplan from CSV or XLSX in the flat layout of the BBC digital reporting.

One row is one action in one boekjaar; the domain, goal and action plan repeat on every row.
Every row is checked first, with a Dutch message per line number: one bad row keeps the whole
file out. A good file becomes a new plan version (an aanpassing when a plan exists); the links
of the previous version are carried to the actions with the same code, and stay on the old one.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.core.tables import read_table
from portal.extensions import db
from portal.plans.models import ACTION_STATUSES, Level, PlanLink, PlanNode, PlanVersion
from portal.plans.operations import create_node, create_version, current_version, nodes_of, set_budgets

MAX_ROWS = 5000

#: The columns, in BBC order: code and title per level, then the action's details and one budget year.
HEADER = [
    "beleidsdomein_code",
    "beleidsdomein",
    "beleidsdoelstelling_code",
    "beleidsdoelstelling",
    "actieplan_code",
    "actieplan",
    "actie_code",
    "actie",
    "verantwoordelijke",
    "boekjaar",
    "uitgaven",
    "ontvangsten",
    "einddatum",
    "status",
]
REQUIRED = HEADER[:10]
_LEVELS = (
    (Level.DOMEIN, "beleidsdomein"),
    (Level.DOELSTELLING, "beleidsdoelstelling"),
    (Level.ACTIEPLAN, "actieplan"),
    (Level.ACTIE, "actie"),
)


def _amount(text: str) -> Decimal:
    cleaned = text.replace("€", "").replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    value = Decimal(cleaned or "0")
    if value < 0 or value.is_nan() or value > Decimal("999999999999"):
        raise InvalidOperation
    return value.quantize(Decimal("0.01"))


def _check_row(line: int, row: dict[str, str]) -> tuple[dict[str, Any] | None, list[str]]:
    errors: list[str] = []

    def fail(column: str, message: str) -> None:
        errors.append(_("Regel %(line)s, %(column)s: %(message)s", line=line, column=column, message=message))

    out: dict[str, Any] = {}
    for _level, name in _LEVELS:
        code, title = row.get(f"{name}_code", ""), row.get(name, "")
        if not code:
            fail(f"{name}_code", _("vul de code in."))
        elif len(code) > 40:
            fail(f"{name}_code", _("hoogstens 40 tekens."))
        if not title:
            fail(name, _("vul de omschrijving in."))
        elif len(title) > 300:
            fail(name, _("hoogstens 300 tekens."))
        out[name] = (code, title)
    if len(row.get("verantwoordelijke", "")) > 200:
        fail("verantwoordelijke", _("hoogstens 200 tekens."))
    try:
        year = int(row.get("boekjaar", ""))
        if not 2000 <= year <= 2100:
            raise ValueError
        out["year"] = year
    except ValueError:
        fail("boekjaar", _("geef een jaar tussen 2000 en 2100."))
    for column in ("uitgaven", "ontvangsten"):
        try:
            out[column] = _amount(row.get(column, ""))
        except (InvalidOperation, ValueError):
            fail(column, _("geef een positief bedrag, bv. 12500,00."))
    due = row.get("einddatum", "")
    if due:
        from datetime import date

        try:
            out["due_on"] = date.fromisoformat(due)
        except ValueError:
            fail("einddatum", _("geef een datum als JJJJ-MM-DD."))
    status = row.get("status", "")
    if status and status not in ACTION_STATUSES:
        fail("status", _("kies niet_gestart, lopend, vertraagd, afgerond of stopgezet."))
    out["status"] = status or None
    out["responsible"] = row.get("verantwoordelijke", "")
    return (None if errors else out), errors


def import_plan(upload: Any, data: dict[str, Any]) -> tuple[PlanVersion | None, list[str]]:
    """Check every row, then create the new version with its tree and budgets, or nothing."""
    rows = read_table(upload, max_rows=MAX_ROWS, required=REQUIRED)
    checked: list[dict[str, Any]] = []
    errors: list[str] = []
    titles: dict[tuple[str, str], tuple[str, int]] = {}
    seen_years: set[tuple[str, int]] = set()
    for line, row in rows:
        out, row_errors = _check_row(line, row)
        errors.extend(row_errors)
        if out is None:
            continue
        # A code names one thing: the same code with another title, or another parent, is a mistake.
        parent_code = ""
        for level, name in _LEVELS:
            code, title = out[name]
            known = titles.get((level, code))
            if known is not None and known[0] != f"{parent_code}|{title}":
                errors.append(
                    _(
                        "Regel %(line)s, %(column)s: de code %(code)s heeft op regel %(first)s een andere "
                        "omschrijving of een ander bovenliggend niveau.",
                        line=line,
                        column=f"{name}_code",
                        code=code,
                        first=known[1],
                    )
                )
            titles.setdefault((level, code), (f"{parent_code}|{title}", line))
            parent_code = code
        key = (out["actie"][0], out.get("year", 0))
        if key in seen_years:
            errors.append(
                _("Regel %(line)s, boekjaar: de actie %(code)s staat al met dit boekjaar.", line=line, code=key[0])
            )
        seen_years.add(key)
        checked.append(out)
    if not checked and not errors:
        errors.append(_("Het bestand bevat geen rijen."))
    codes: dict[str, str] = {}
    for (code_level, code), (_text, line) in titles.items():
        if code in codes and codes[code] != code_level:
            errors.append(_("Regel %(line)s: de code %(code)s wordt voor twee niveaus gebruikt.", line=line, code=code))
        codes[code] = code_level
    if errors:
        return None, errors
    years = [r["year"] for r in checked]
    previous = current_version()
    version = create_version(
        {
            "title": data.get("title") or _("Meerjarenplan %(first)s-%(last)s", first=min(years), last=max(years)),
            "first_year": data.get("first_year") or min(years),
            "last_year": data.get("last_year") or max(years),
            "adopted_on": data.get("adopted_on"),
            "reason": data.get("reason") or "",
        }
    )
    if not version.first_year <= min(years) <= max(years) <= version.last_year:
        raise DomainError(_("De boekjaren vallen buiten de jaren van het plan."), status_code=422)
    made: dict[str, PlanNode] = {}
    budgets: dict[str, list[dict[str, Any]]] = {}
    for position, out in enumerate(checked):
        parent: PlanNode | None = None
        for level, name in _LEVELS:
            code, title = out[name]
            node = made.get(code)
            if node is None:
                extra: dict[str, Any] = {}
                if level == Level.ACTIE:
                    extra = {"responsible": out["responsible"], "due_on": out.get("due_on"), "status": out["status"]}
                node = create_node(
                    version,
                    {
                        "level": level,
                        "code": code,
                        "title": title,
                        "parent_id": parent.id if parent else None,
                        "position": position,
                        **extra,
                    },
                )
                made[code] = node
            parent = node
        budgets.setdefault(out["actie"][0], []).append(
            {"year": out["year"], "expense": out["uitgaven"], "income": out["ontvangsten"]}
        )
    for code, rows_of_action in budgets.items():
        set_budgets(made[code], rows_of_action)
    if previous is not None:
        _carry_links(previous, version, made)
    return version, []


def _carry_links(previous: PlanVersion, version: PlanVersion, made: dict[str, PlanNode]) -> None:
    """Copy the previous version's links to the nodes with the same code (the old links stay too)."""
    old = db.session.execute(
        select(PlanNode.code, PlanLink)
        .join(PlanLink, PlanLink.node_id == PlanNode.id)
        .where(PlanNode.version_id == previous.id)
    ).all()
    for code, link in old:
        node = made.get(code)
        if node is not None:
            db.session.add(
                PlanLink(
                    node_id=node.id,
                    object_type=link.object_type,
                    object_id=link.object_id,
                    note=link.note,
                    created_by_id=link.created_by_id,
                )
            )
    db.session.flush()


def export_rows(version: PlanVersion) -> tuple[list[str], list[list[Any]]]:
    """Return the version as rows in the import layout (one row per action and year)."""
    nodes = {n.id: n for n in nodes_of(version)}
    rows = []
    for node in sorted(nodes.values(), key=lambda n: (n.position, n.code)):
        if node.level != Level.ACTIE:
            continue
        chain = [node]
        while chain[-1].parent_id in nodes:
            chain.append(nodes[chain[-1].parent_id])  # type: ignore[index]
        chain.reverse()
        if len(chain) != 4:
            continue
        prefix = [v for n in chain for v in (n.code, n.title)]
        budget_rows: list[Any] = list(node.budgets) or [None]
        for budget in budget_rows:
            rows.append(
                [
                    *prefix,
                    node.responsible,
                    budget.year if budget else "",
                    budget.expense if budget else "",
                    budget.income if budget else "",
                    node.due_on or "",
                    node.status,
                ]
            )
    return list(HEADER), rows
