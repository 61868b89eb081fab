"""Meerjarenplan operations: versions, the tree, budgets, indicators, links, money and deviations.

Every plan row is the acting municipality's own (TenantOwned): the scoped session never shows
another municipality's plan. Linked objects are read through their own modules' visibility.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from portal.core.errors import DomainError
from portal.extensions import db
from portal.plans.models import (
    PARENT_LEVEL,
    ActionStatus,
    Level,
    PlanBudget,
    PlanIndicator,
    PlanLink,
    PlanNode,
    PlanVersion,
)
from tenants.context import acting_user_id, current_tenant_id
from tenants.sharing import today

CENT = Decimal("0.01")
DONE = (ActionStatus.AFGEROND, ActionStatus.STOPGEZET)

# -- versions ----------------------------------------------------------------------------------


def _tenant() -> int:
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise DomainError(_("Kies eerst een bestuur."))
    return tenant_id


def versions() -> list[PlanVersion]:
    """Return the acting municipality's plan versions, newest first."""
    return list(db.session.scalars(select(PlanVersion).order_by(PlanVersion.number.desc())))


def current_version() -> PlanVersion | None:
    """Return the newest version of the own plan (the one in force), if any."""
    return db.session.scalar(select(PlanVersion).order_by(PlanVersion.number.desc()).limit(1))


def is_in_force(version: PlanVersion) -> bool:
    """Tell whether the version is the one in force (the newest): only that one can be changed."""
    newest = db.session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.tenant_id == version.tenant_id))
    return newest is None or version.number >= newest


def ensure_in_force(version: PlanVersion) -> None:
    """Refuse a change to an older version: it stays readable as it was (409)."""
    if not is_in_force(version):
        raise DomainError(
            _(
                "Versie %(n)s is niet meer van kracht en kan niet meer gewijzigd worden. "
                "Werk in de versie die van kracht is.",
                n=version.number,
            ),
            status_code=409,
        )


def node_version_in_force(node: PlanNode) -> None:
    """Refuse a change to a node of an older version."""
    ensure_in_force(node.version)


def _next_number() -> int:
    return int(db.session.scalar(select(func.coalesce(func.max(PlanVersion.number), 0))) or 0) + 1


def create_version(data: dict[str, Any]) -> PlanVersion:
    """Start an empty plan version (the first plan or a new one from scratch)."""
    _tenant()
    if data["last_year"] < data["first_year"]:
        raise DomainError(_("Het laatste jaar ligt voor het eerste jaar."), field="last_year", status_code=422)
    version = PlanVersion(
        number=_next_number(),
        title=data["title"],
        first_year=data["first_year"],
        last_year=data["last_year"],
        adopted_on=data.get("adopted_on"),
        reason=data.get("reason") or "",
        created_by_id=acting_user_id(),
    )
    db.session.add(version)
    db.session.flush()
    return version


def update_version(version: PlanVersion, data: dict[str, Any]) -> PlanVersion:
    """Change a version's title, years, adoption date or reason (only the version in force)."""
    ensure_in_force(version)
    first, last = data.get("first_year", version.first_year), data.get("last_year", version.last_year)
    if last < first:
        raise DomainError(_("Het laatste jaar ligt voor het eerste jaar."), field="last_year", status_code=422)
    for name in ("title", "first_year", "last_year", "adopted_on", "reason"):
        if name in data:
            setattr(version, name, data[name] if data[name] is not None or name == "adopted_on" else "")
    db.session.flush()
    return version


def copy_version(source: PlanVersion, data: dict[str, Any]) -> PlanVersion:
    """Make an aanpassing: a new version with a copy of the tree, budgets, indicators and links.

    The old version keeps its own nodes and links, so what was linked then stays visible there.
    Only the version in force is the base of an aanpassing.
    """
    ensure_in_force(source)
    version = create_version(
        {
            "title": data.get("title") or source.title,
            "first_year": data.get("first_year") or source.first_year,
            "last_year": data.get("last_year") or source.last_year,
            "adopted_on": data.get("adopted_on"),
            "reason": data.get("reason") or "",
        }
    )
    mapping: dict[int, PlanNode] = {}
    for node in nodes_of(source):
        copy = PlanNode(
            version_id=version.id,
            parent_id=mapping[node.parent_id].id if node.parent_id else None,
            **{name: getattr(node, name) for name in _NODE_FIELDS},
        )
        db.session.add(copy)
        db.session.flush()
        mapping[node.id] = copy
        for budget in node.budgets:
            copy.budgets.append(
                PlanBudget(
                    year=budget.year,
                    expense=budget.expense,
                    income=budget.income,
                    actual_expense=budget.actual_expense,
                )
            )
        for ind in node.indicators:
            copy.indicators.append(
                PlanIndicator(
                    name=ind.name,
                    unit=ind.unit,
                    target_value=ind.target_value,
                    measured_value=ind.measured_value,
                    measured_on=ind.measured_on,
                )
            )
    for link in db.session.scalars(select(PlanLink).where(PlanLink.node_id.in_(list(mapping)))):
        db.session.add(
            PlanLink(
                node_id=mapping[link.node_id].id,
                object_type=link.object_type,
                object_id=link.object_id,
                note=link.note,
                created_by_id=link.created_by_id,
            )
        )
    db.session.flush()
    return version


_NODE_FIELDS = (
    "level",
    "code",
    "title",
    "responsible",
    "description",
    "status",
    "progress_percent",
    "starts_on",
    "due_on",
    "position",
)

# -- the tree ----------------------------------------------------------------------------------


def nodes_of(
    version: PlanVersion, level: str | None = None, *, indicators: bool = False, budgets: bool = True
) -> list[PlanNode]:
    """Return the nodes of a version with their budgets, parents before children, in code order.

    The budgets come in one more statement (exports and reports read them per year), the
    indicators in another when asked for. Pages that only show totals pass ``budgets=False``
    and read :func:`budget_summary` instead.
    """
    loads = [
        *([selectinload(PlanNode.budgets)] if budgets else []),
        *([selectinload(PlanNode.indicators)] if indicators else []),
    ]
    query = select(PlanNode).where(PlanNode.version_id == version.id).options(*loads)
    if level:
        query = query.where(PlanNode.level == level)
    rows = list(db.session.scalars(query.order_by(PlanNode.position, PlanNode.code)))
    order: dict[str, int] = {str(lvl): i for i, lvl in enumerate(Level)}
    return sorted(rows, key=lambda n: order[n.level]) if level is None else rows


@dataclass
class TreeNode:
    """A node with its children, for the tree page and the reports."""

    node: PlanNode
    children: list[TreeNode] = field(default_factory=list)

    def walk(self) -> Iterable[PlanNode]:
        """Yield the node and every descendant."""
        yield self.node
        for child in self.children:
            yield from child.walk()


def tree(version: PlanVersion, nodes: Iterable[PlanNode] | None = None) -> list[TreeNode]:
    """Return the version's domains with their descendants, each level in position and code order.

    ``nodes`` are the version's nodes as :func:`nodes_of` returned them (saves reading them again).
    """
    rows = (
        list(nodes)
        if nodes is not None
        else list(
            db.session.scalars(
                select(PlanNode).where(PlanNode.version_id == version.id).order_by(PlanNode.position, PlanNode.code)
            )
        )
    )
    by_id = {n.id: TreeNode(n) for n in rows}
    roots = []
    for item in by_id.values():
        if item.node.parent_id is None:
            roots.append(item)
        elif item.node.parent_id in by_id:
            by_id[item.node.parent_id].children.append(item)
    return roots


def subtree(node: PlanNode) -> TreeNode:
    """Return one node with its descendants."""
    for root in tree(node.version):
        for item in _items(root):
            if item.node.id == node.id:
                return item
    return TreeNode(node)


def _items(item: TreeNode) -> Iterable[TreeNode]:
    yield item
    for child in item.children:
        yield from _items(child)


def _check_parent(version: PlanVersion, level: str, parent: PlanNode | None) -> None:
    wanted = PARENT_LEVEL[level]
    if wanted is None and parent is not None:
        raise DomainError(
            _("Een beleidsdomein staat bovenaan: het heeft geen bovenliggend niveau."),
            field="parent_id",
            status_code=422,
        )
    if wanted is not None and (parent is None or parent.level != wanted or parent.version_id != version.id):
        raise DomainError(
            _("Kies als bovenliggend niveau een %(level)s van deze versie.", level=_level_name(wanted)),
            field="parent_id",
            status_code=422,
        )


def _level_name(level: str) -> str:
    from portal.plans.models import LEVEL_LABELS

    return str(LEVEL_LABELS[level]).lower()


def _check_code(version: PlanVersion, code: str, node: PlanNode | None = None) -> None:
    query = select(PlanNode.id).where(PlanNode.version_id == version.id, PlanNode.code == code)
    if node is not None:
        query = query.where(PlanNode.id != node.id)
    if db.session.scalar(query) is not None:
        raise DomainError(_("De code %(code)s bestaat al in deze versie.", code=code), field="code", status_code=422)


def create_node(version: PlanVersion, data: dict[str, Any]) -> PlanNode:
    """Add a domain, goal, action plan or action to a version (only the version in force)."""
    ensure_in_force(version)
    parent = None
    if data.get("parent_id"):
        parent = db.session.scalar(select(PlanNode).where(PlanNode.id == data["parent_id"]))
    _check_parent(version, data["level"], parent)
    _check_code(version, data["code"])
    node = PlanNode(
        version_id=version.id,
        parent_id=parent.id if parent else None,
        level=data["level"],
        code=data["code"],
        title=data["title"],
        responsible=data.get("responsible") or "",
        description=data.get("description") or "",
        status=data.get("status") or ActionStatus.NIET_GESTART,
        progress_percent=data.get("progress_percent") or 0,
        starts_on=data.get("starts_on"),
        due_on=data.get("due_on"),
        position=data.get("position") or 0,
    )
    _check_dates(node)
    db.session.add(node)
    db.session.flush()
    if data.get("budgets"):
        set_budgets(node, data["budgets"])
    return node


def _check_dates(node: PlanNode) -> None:
    if node.starts_on and node.due_on and node.due_on < node.starts_on:
        raise DomainError(_("De einddatum ligt voor de startdatum."), field="due_on", status_code=422)


def update_node(node: PlanNode, data: dict[str, Any]) -> PlanNode:
    """Change a node's texts, status, progress and dates (its level and place stay)."""
    node_version_in_force(node)
    if "code" in data and data["code"] != node.code:
        _check_code(node.version, data["code"], node)
    for name in ("code", "title", "responsible", "description", "status", "progress_percent", "starts_on", "due_on"):
        if name in data:
            value = data[name]
            setattr(node, name, value if value is not None or name in ("starts_on", "due_on") else "")
    if node.status == ActionStatus.AFGEROND and "progress_percent" not in data:
        node.progress_percent = 100
    _check_dates(node)
    if "budgets" in data:
        set_budgets(node, data["budgets"])
    db.session.flush()
    return node


def delete_node(node: PlanNode) -> None:
    """Remove a node with its descendants, budgets, indicators and links."""
    node_version_in_force(node)
    db.session.delete(node)
    db.session.flush()


def set_budgets(node: PlanNode, rows: list[dict[str, Any]]) -> None:
    """Replace the node's budget per year (one row per year)."""
    version = node.version
    ensure_in_force(version)
    seen: set[int] = set()
    for row in rows:
        year = row["year"]
        if year in seen:
            raise DomainError(
                _("Het jaar %(year)s staat twee keer in het budget.", year=year), field="budgets", status_code=422
            )
        if not version.first_year <= year <= version.last_year:
            raise DomainError(
                _(
                    "Het jaar %(year)s valt buiten het meerjarenplan (%(first)s-%(last)s).",
                    year=year,
                    first=version.first_year,
                    last=version.last_year,
                ),
                field="budgets",
                status_code=422,
            )
        seen.add(year)
    existing = {b.year: b for b in node.budgets}
    for year, budget in existing.items():
        if year not in seen:
            node.budgets.remove(budget)
    for row in rows:
        kept = existing.get(row["year"])
        if kept is None:
            kept = PlanBudget(year=row["year"])
            node.budgets.append(kept)
        kept.expense = row.get("expense") or Decimal(0)
        kept.income = row.get("income") or Decimal(0)
        kept.actual_expense = row.get("actual_expense")
    db.session.flush()


def add_indicator(node: PlanNode, data: dict[str, Any]) -> PlanIndicator:
    """Add an indicator with its target to a node."""
    node_version_in_force(node)
    if any(i.name.lower() == data["name"].lower() for i in node.indicators):
        raise DomainError(_("Deze indicator bestaat al bij dit item."), field="name", status_code=422)
    _check_measured_on(data.get("measured_on"))
    indicator = PlanIndicator(
        node_id=node.id,
        name=data["name"],
        unit=data.get("unit") or "",
        target_value=data["target_value"],
        measured_value=data.get("measured_value"),
        measured_on=data.get("measured_on"),
    )
    db.session.add(indicator)
    db.session.flush()
    return indicator


def _check_measured_on(day: date | None) -> None:
    if day is not None and day > today():
        raise DomainError(
            _("De meting ligt in de toekomst: geef de dag van de meting."), field="measured_on", status_code=422
        )


def indicator_node(indicator: PlanIndicator) -> PlanNode:
    """Return the node an indicator belongs to."""
    node = db.session.get(PlanNode, indicator.node_id)
    assert node is not None  # the foreign key cascades: an indicator always has its node
    return node


def update_indicator(indicator: PlanIndicator, data: dict[str, Any]) -> PlanIndicator:
    """Change an indicator's name, unit, target and measurement."""
    node = indicator_node(indicator)
    node_version_in_force(node)
    name = data.get("name", indicator.name)
    if any(i.id != indicator.id and i.name.lower() == name.lower() for i in node.indicators):
        raise DomainError(_("Deze indicator bestaat al bij dit item."), field="name", status_code=422)
    _check_measured_on(data.get("measured_on"))
    indicator.name = name
    for key in ("unit", "target_value", "measured_value", "measured_on"):
        if key in data:
            value = data[key]
            if key == "unit":
                value = value or ""
            elif key == "target_value" and value is None:
                continue
            setattr(indicator, key, value)
    db.session.flush()
    return indicator


def measure(indicator: PlanIndicator, data: dict[str, Any]) -> PlanIndicator:
    """Record the measured value of an indicator (and optionally a new target)."""
    node_version_in_force(indicator_node(indicator))
    _check_measured_on(data.get("measured_on"))
    indicator.measured_value = data.get("measured_value")
    indicator.measured_on = data.get("measured_on") or today()
    if data.get("target_value") is not None:
        indicator.target_value = data["target_value"]
    db.session.flush()
    return indicator


def delete_indicator(indicator: PlanIndicator) -> None:
    """Remove an indicator."""
    node_version_in_force(indicator_node(indicator))
    db.session.delete(indicator)
    db.session.flush()


# -- budgets and deviations --------------------------------------------------------------------


def with_ancestors(nodes: Iterable[PlanNode], chosen: Iterable[PlanNode]) -> set[int]:
    """Return the ids of the chosen nodes and of every node above them (their branches in the tree)."""
    parent_of = {n.id: n.parent_id for n in nodes}
    kept: set[int] = set()
    for node in chosen:
        node_id: int | None = node.id
        while node_id is not None and node_id not in kept:
            kept.add(node_id)
            node_id = parent_of.get(node_id)
    return kept


def budget_totals(nodes: Iterable[PlanNode]) -> dict[str, Decimal]:
    """Return the summed planned expense, income and realised expense of the nodes' own budgets."""
    totals = {"expense": Decimal(0), "income": Decimal(0), "actual_expense": Decimal(0)}
    for node in nodes:
        for budget in node.budgets:
            totals["expense"] += Decimal(budget.expense)
            totals["income"] += Decimal(budget.income)
            totals["actual_expense"] += Decimal(budget.actual_expense or 0)
    return totals


def _overspent_year() -> Any:
    """Return SQL true for a budget year whose realised expense exceeds it (the rule of ``deviations``)."""
    return PlanBudget.actual_expense.is_not(None) & (PlanBudget.actual_expense > PlanBudget.expense)


@dataclass(frozen=True)
class BudgetSummary:
    """A node's own budgets summed over the years, and whether any year is overspent."""

    expense: Decimal = Decimal(0)
    income: Decimal = Decimal(0)
    actual_expense: Decimal = Decimal(0)
    over_budget: bool = False


def budget_summary(version: PlanVersion) -> dict[int, BudgetSummary]:
    """Return every node's :class:`BudgetSummary` (as :func:`budget_totals` and :func:`deviations`), in one statement.

    Summed in SQL, so a tree page does not load every budget row of the plan; a node without
    budgets has the zero summary.
    """
    overspent = case((_overspent_year(), 1), else_=0)
    rows = db.session.execute(
        select(
            PlanNode.id,
            func.sum(PlanBudget.expense),
            func.sum(PlanBudget.income),
            func.sum(func.coalesce(PlanBudget.actual_expense, 0)),
            func.max(overspent),
        )
        .join(PlanBudget, PlanBudget.node_id == PlanNode.id)
        .where(PlanNode.version_id == version.id)
        .group_by(PlanNode.id)
    ).all()
    found = {
        node_id: BudgetSummary(Decimal(expense), Decimal(income), Decimal(actual), bool(over))
        for node_id, expense, income, actual, over in rows
    }
    return defaultdict(BudgetSummary, found)


def deviations(node: Any, day: date | None = None, *, over_budget: bool | None = None) -> list[str]:
    """Return the node's deviations from the plan: late, over budget, stopped (Dutch labels).

    ``node`` needs ``status`` and ``due_on`` (a row of those columns will do); ``over_budget``
    answered by the caller (e.g. an ``EXISTS`` in its query) spares reading ``node.budgets``.
    """
    day = day or today()
    found = []
    if node.status == ActionStatus.STOPGEZET:
        found.append(_("stopgezet"))
    elif is_late(node, day):
        found.append(_("te laat"))
    if over_budget is None:
        over_budget = any(b.actual_expense is not None and b.actual_expense > b.expense for b in node.budgets)
    if over_budget:
        found.append(_("over budget"))
    return found


def is_late(node: Any, day: date | None = None) -> bool:
    """Tell whether the node is behind schedule."""
    day = day or today()
    return node.status == ActionStatus.VERTRAAGD or (
        node.due_on is not None and node.due_on < day and node.status not in DONE
    )


def needs_decision(node: Any, day: date | None = None, *, over_budget: bool | None = None) -> bool:
    """Tell whether the college has to decide: late, over budget, or past its end without being closed."""
    return bool(deviations(node, day, over_budget=over_budget)) and node.status != ActionStatus.STOPGEZET


def over_budget_clause() -> Any:
    """Return SQL true for an action with a year whose realised expense exceeds its budget (``deviations``)."""
    return select(PlanBudget.id).where(PlanBudget.node_id == PlanNode.id, _overspent_year()).exists()


# -- suggestions -------------------------------------------------------------------------------

_WORD = re.compile(r"[a-zà-ÿ0-9]{4,}")
_STOP = frozenset(
    {"voor", "van", "met", "een", "het", "door", "naar", "over", "onze", "alle", "meer", "beter", "gemeente"}
)


def words(text: str) -> set[str]:
    """Return the meaningful lower-case words of a text (4+ letters, without common filler words)."""
    return {w for w in _WORD.findall((text or "").lower()) if w not in _STOP}


def _strip_html(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html or "").strip()


def node_words(node: PlanNode) -> set[str]:
    """Return the words of a node and its ancestors (the domain's name helps the match)."""
    found = words(node.title) | words(node.description)
    parent_id = node.parent_id
    while parent_id:
        parent = db.session.get(PlanNode, parent_id)
        if parent is None:
            break
        found |= words(parent.title)
        parent_id = parent.parent_id
    return found
