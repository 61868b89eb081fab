"""Side-by-side comparisons across chosen partners: tariffs, applications, risks, SWOT, any item."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.alignment.models import QUADRANT_LABELS, AlignmentItem, ItemKind, ItemStatus, Quadrant
from portal.alignment.operations.common import chosen_tenants, normalise_subject, spelling
from portal.extensions import db
from tenants.context import current_tenant_id
from tenants.models import Tenant
from tenants.sharing import readable_prefilter, today

#: Two or more municipalities whose contracts for the same application end within this window: a rollout opportunity.
ROLLOUT_WINDOW = timedelta(days=730)

#: Risk levels by score (likelihood x impact): the highest score of each, a stable key and a word,
#: so the heatmap reads without colour.
LEVELS: tuple[tuple[int, str, Any], ...] = (
    (4, "laag", _l("laag")),
    (9, "middel", _l("middel")),
    (16, "hoog", _l("hoog")),
    (25, "zeer-hoog", _l("zeer hoog")),
)


def risk_key(score: int) -> str:
    """Return the stable key of a risk score's level (for a CSS class; the same in every language)."""
    return next(key for limit, key, _label in LEVELS if score <= limit)


@lru_cache(maxsize=16)
def _level_words(locale: str) -> tuple[str, ...]:
    # Translated once per locale: a heatmap page asks for ~900 level words (25 cells per partner).
    return tuple(str(next(label for limit, _key, label in LEVELS if score <= limit)) for score in range(26))


def risk_level(score: int) -> str:
    """Return the level word of a risk score (1-25) in the current language."""
    return _level_words(str(get_locale()))[max(0, min(score, 25))]


def _items(kind: str, tenants: Iterable[Tenant], subject: str | None = None) -> list[AlignmentItem]:
    ids = [t.id for t in tenants]
    stmt = select(AlignmentItem).where(
        readable_prefilter(AlignmentItem, current_tenant_id()),
        AlignmentItem.kind == kind,
        AlignmentItem.tenant_id.in_(ids),
        AlignmentItem.status != ItemStatus.ONTWERP,
    )
    if subject:
        stmt = stmt.where(AlignmentItem.subject_key == normalise_subject(subject))
    return list(db.session.scalars(stmt.order_by(AlignmentItem.tenant_id, AlignmentItem.id)))


def shown_subject(items: Iterable[Any], fallback: str = "") -> str:
    """Return the spelling to show for items that share one key: the own municipality's, else the most common.

    ``items`` are register items or proposals (anything with ``subject`` and ``tenant_id``);
    ties go alphabetically; ``fallback`` (e.g. what the user asked for) when there is none.
    """
    own_id = current_tenant_id()
    return spelling((i.subject, i.tenant_id == own_id) for i in items) or fallback


def _spellings(rows: Iterable[Any]) -> dict[str, str]:
    """Return per key its shown spelling, from rows of (key, subject, tenant id, count)."""
    own_id = current_tenant_id()
    per: dict[str, list[tuple[str, bool]]] = {}
    for key, subject, tenant_id, count in rows:
        per.setdefault(key, []).extend([(subject, tenant_id == own_id)] * count)
    return {key: spelling(pairs) for key, pairs in per.items()}


def subjects(kind: str, tenants: Iterable[Tenant]) -> list[str]:
    """Return the subjects of ``kind`` that at least one of the tenants has: one spelling per key, alphabetically."""
    ids = [t.id for t in tenants]
    stmt = (
        select(AlignmentItem.subject_key, AlignmentItem.subject, AlignmentItem.tenant_id, func.count())
        .where(
            readable_prefilter(AlignmentItem, current_tenant_id()),
            AlignmentItem.kind == kind,
            AlignmentItem.tenant_id.in_(ids),
            AlignmentItem.status != ItemStatus.ONTWERP,
        )
        .group_by(AlignmentItem.subject_key, AlignmentItem.subject, AlignmentItem.tenant_id)
    )
    return sorted(_spellings(db.session.execute(stmt)).values(), key=str.casefold)


def _suggested(kind: str | None, limit: int) -> list[tuple[str, list[str]]]:
    """Return (shown spelling, kinds) per key, alphabetically, at most ``limit`` keys."""
    own_id = current_tenant_id()
    ids = [t.id for t in chosen_tenants([])]
    columns = (AlignmentItem.subject_key, AlignmentItem.subject, AlignmentItem.tenant_id, AlignmentItem.kind)
    stmt = select(*columns, func.count()).where(
        readable_prefilter(AlignmentItem, own_id),
        AlignmentItem.tenant_id.in_(ids),
        # The own drafts are suggestions too; a partner's draft is not published yet.
        (AlignmentItem.tenant_id == own_id) | (AlignmentItem.status != ItemStatus.ONTWERP),
    )
    if kind is not None:
        stmt = stmt.where(AlignmentItem.kind == kind)
    rows = db.session.execute(stmt.group_by(*columns)).all()
    shown = _spellings((key, subject, tenant_id, count) for key, subject, tenant_id, _kind, count in rows)
    kinds: dict[str, set[str]] = {}
    for key, _subject, _tenant_id, item_kind, _count in rows:
        kinds.setdefault(key, set()).add(item_kind)
    order: dict[str, int] = {str(k): n for n, k in enumerate(ItemKind)}
    found = [
        (shown[key], sorted(found_kinds, key=lambda k: order.get(k, len(order)))) for key, found_kinds in kinds.items()
    ]
    return sorted(found, key=lambda pair: (pair[0].casefold(), pair[0]))[:limit]


def subject_suggestions(kind: str, limit: int = 500) -> list[str]:
    """Return the subjects of ``kind`` used in the acting tenant's regions: its own and its current partners'.

    One typed spelling per key (the own municipality's, else the most common). Only items the
    tenant may read count (a partner's unshared item says nothing), and never those of a former
    partner or of another region's municipality, even one that shares by grant.
    """
    return [subject for subject, _kinds in _suggested(kind, limit)]


def subject_suggestions_by_kind(limit: int = 500) -> dict[str, list[str]]:
    """Return the subjects of every kind used in the acting tenant's regions, each with its kinds.

    The same items count as for ``subject_suggestions``; for a form whose kind can still
    change (a proposal), so one list serves every kind. One spelling per key, alphabetically;
    kinds in register order.
    """
    return dict(_suggested(None, limit))


@dataclass
class UnitStats:
    """The amounts of one unit across the compared municipalities."""

    unit: str
    values: dict[int, Decimal] = field(default_factory=dict)  # tenant id -> amount
    minimum: Decimal | None = None
    median: Decimal | None = None
    maximum: Decimal | None = None
    outliers: set[int] = field(default_factory=set)


def _stats(unit: str, values: dict[int, Decimal]) -> UnitStats:
    out = UnitStats(unit, values)
    if not values:
        return out
    amounts = sorted(values.values())
    out.minimum, out.maximum = amounts[0], amounts[-1]
    out.median = Decimal(statistics.median(amounts)).quantize(Decimal("0.01"))
    if len(amounts) >= 3:
        # Tukey's fences (1.5 x the interquartile range); with few values also far from the median.
        q1, _q2, q3 = statistics.quantiles(amounts, n=4, method="inclusive")
        spread = q3 - q1
        low, high = q1 - Decimal("1.5") * spread, q3 + Decimal("1.5") * spread
        half = out.median / 2
        for tenant_id, amount in values.items():
            beyond = amount < low or amount > high
            if beyond and (spread > 0 or abs(amount - out.median) > half):
                out.outliers.add(tenant_id)
    return out


def compare_tariffs(subject: str, tenants: list[Tenant]) -> dict[str, Any]:
    """Compare the tariffs of one belasting or retributie across the tenants, per unit.

    A municipality without a readable reglement for the subject shows as "niet gedeeld of
    niet in het register"; its lines count in no figure.
    """
    items = _items(ItemKind.REGLEMENT, tenants, subject) if subject else []
    day = today()
    by_tenant: dict[int, AlignmentItem] = {}
    for item in items:
        # Prefer the reglement in force today over an expired one.
        current = by_tenant.get(item.tenant_id)
        if current is None or (not _in_force(current, day) and _in_force(item, day)):
            by_tenant[item.tenant_id] = item
    units: dict[str, dict[int, Decimal]] = {}
    for tenant_id, item in by_tenant.items():
        for line in item.tariff_lines:
            # One amount per unit and municipality: the first line with that unit.
            units.setdefault(line.unit.strip().lower(), {}).setdefault(tenant_id, Decimal(line.amount))
    return {
        # Shown as the own municipality spells it (else the most common spelling); compared by key.
        "subject": shown_subject(by_tenant.values(), subject.strip()) if subject else "",
        "subject_key": normalise_subject(subject) if subject else "",
        "tenants": tenants,
        "items": by_tenant,
        "units": [_stats(unit, values) for unit, values in sorted(units.items())],
    }


def _in_force(item: AlignmentItem, day: date) -> bool:
    return (item.valid_from_on is None or item.valid_from_on <= day) and (
        item.valid_until_on is None or item.valid_until_on >= day
    )


def tariff_table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Return the tariff comparison as a table: one row per unit and municipality, with the figures."""
    header = [
        _("Eenheid"),
        _("Bestuur"),
        _("Bedrag (EUR)"),
        _("Minimum"),
        _("Mediaan"),
        _("Maximum"),
        _("Uitschieter"),
    ]
    rows: list[list[Any]] = []
    for stats in result["units"]:
        for tenant in result["tenants"]:
            amount = stats.values.get(tenant.id)
            rows.append(
                [
                    stats.unit,
                    tenant.name,
                    amount,
                    stats.minimum,
                    stats.median,
                    stats.maximum,
                    _("ja") if tenant.id in stats.outliers else "",
                ]
            )
    return header, rows


@dataclass
class ApplicationGroup:
    """Who runs one application, and when their contracts end."""

    subject: str
    rows: list[AlignmentItem]
    opportunity: str = ""
    subject_key: str = ""


def compare_applications(tenants: list[Tenant]) -> list[ApplicationGroup]:
    """Group the applications of the tenants by subject, flagging joint rollout opportunities."""
    items = _items(ItemKind.TOEPASSING, tenants)
    groups: dict[str, list[AlignmentItem]] = {}
    for item in items:
        groups.setdefault(item.subject_key, []).append(item)
    day = today()
    result = []
    for key, rows in sorted(groups.items()):
        rows.sort(key=lambda i: (i.contract_end_on or date.max, i.tenant.name))
        group = ApplicationGroup(shown_subject(rows), rows, subject_key=key)
        ending = [i.contract_end_on for i in rows if i.contract_end_on is not None and i.contract_end_on >= day]
        municipalities = {i.tenant_id for i in rows}
        if len(municipalities) >= 2 and len(ending) >= 2 and max(ending) - min(ending) <= ROLLOUT_WINDOW:
            group.opportunity = _(
                "Kans op gezamenlijke uitrol of aankoop: %(count)s contracten lopen af tussen %(first)s en %(last)s.",
                count=len(ending),
                first=min(ending).isoformat(),
                last=max(ending).isoformat(),
            )
        elif len(municipalities) >= 2:
            group.opportunity = _("%(count)s besturen gebruiken deze toepassing.", count=len(municipalities))
        result.append(group)
    # Opportunities first: they are what the table is for.
    return sorted(result, key=lambda g: (not g.opportunity.startswith(_("Kans")), g.subject.casefold(), g.subject))


def application_table(groups: list[ApplicationGroup]) -> tuple[list[str], list[list[Any]]]:
    """Return the application comparison as a table."""
    header = [
        _("Toepassing"),
        _("Bestuur"),
        _("Leverancier"),
        _("Einde contract"),
        _("Gebruikers"),
        _("Verwerkte gegevens"),
        _("Opportuniteit"),
    ]
    rows = [
        [g.subject, i.tenant.name, i.supplier, i.contract_end_on, i.users_count, i.data_processed, g.opportunity]
        for g in groups
        for i in g.rows
    ]
    return header, rows


@dataclass
class Heatmap:
    """One municipality's risks on a 5 x 5 grid: counts per likelihood and impact."""

    tenant: Tenant
    cells: dict[tuple[int, int], int] = field(default_factory=dict)
    risks: list[Any] = field(default_factory=list)

    def count(self, likelihood: int, impact: int) -> int:
        """Return how many risks sit in one cell."""
        return self.cells.get((likelihood, impact), 0)


def risk_heatmaps(tenants: list[Tenant]) -> list[Heatmap]:
    """Return a heatmap per tenant of the risks in its readable organisatiebeheersing items."""
    maps = {t.id: Heatmap(t) for t in tenants}
    for item in _items(ItemKind.BEHEERSING, tenants):
        heatmap = maps[item.tenant_id]
        for risk in item.risks:
            key = (risk.likelihood, risk.impact)
            heatmap.cells[key] = heatmap.cells.get(key, 0) + 1
            heatmap.risks.append((item, risk))
    for heatmap in maps.values():
        heatmap.risks.sort(key=lambda pair: -pair[1].score)
    return [maps[t.id] for t in tenants]


def risk_table(maps: list[Heatmap]) -> tuple[list[str], list[list[Any]]]:
    """Return the risks of the heatmaps as a table."""
    header = [_("Bestuur"), _("Proces"), _("Risico"), _("Kans"), _("Impact"), _("Score"), _("Niveau"), _("Maatregel")]
    rows = [
        [m.tenant.name, item.title, r.title, r.likelihood, r.impact, r.score, risk_level(r.score), r.control]
        for m in maps
        for item, r in m.risks
    ]
    return header, rows


def swot_overview(tenants: list[Tenant]) -> list[dict[str, Any]]:
    """Return per tenant its SWOT points by quadrant, from its readable service-model items."""
    per: dict[int, dict[str, Any]] = {
        t.id: {"tenant": t, "quadrants": {q: [] for q in Quadrant}, "items": []} for t in tenants
    }
    for item in _items(ItemKind.DIENSTVERLENING, tenants):
        entry = per[item.tenant_id]
        entry["items"].append(item)
        for point in item.swot:
            entry["quadrants"][point.quadrant].append(point.text)
    return [per[t.id] for t in tenants]


def swot_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Return the SWOT overview as a table."""
    header = [_("Bestuur"), _("Kwadrant"), _("Punt")]
    out = [
        [r["tenant"].name, str(QUADRANT_LABELS[q]), text]
        for r in rows
        for q, texts in r["quadrants"].items()
        for text in texts
    ]
    return header, out


def compare_items(kind: str, subject: str, tenants: list[Tenant]) -> dict[int, list[AlignmentItem]]:
    """Return the readable items of one kind and subject per tenant (financial processes, policies)."""
    per: dict[int, list[AlignmentItem]] = {t.id: [] for t in tenants}
    for item in _items(kind, tenants, subject):
        per[item.tenant_id].append(item)
    return per
