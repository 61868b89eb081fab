"""Links from the own plan to the cooperation: resolve, suggest, and the money each link brings.

A link holds only an object type and id. Every read goes through the linked module's own
visibility (the scoped session, or its operations' read functions), so an object the plan's
owner can no longer see resolves to nothing: the link shows only that it is no longer visible.
Money comes from the modules' operations (procurement savings, rentals settlement); staff
sharing and trainings are read from the owner's own rows of that module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.core.errors import DomainError
from portal.extensions import db
from portal.plans.models import LINK_LABELS, LINK_TYPES, Level, LinkType, PlanLink, PlanNode, PlanVersion
from portal.plans.operations import _strip_html, node_words, words
from tenants.context import acting_user_id, current_tenant_id
from tenants.sharing import partner_tenants, today

CANDIDATE_LIMIT = 200


@dataclass
class Linked:
    """What the plan's owner may see of a linked object."""

    link: PlanLink
    visible: bool
    title: str = ""
    owner: str = ""
    url: str | None = None
    detail: str = ""
    owner_tenant: Any = None  # the municipality behind the object, for the API's owner reference


@dataclass
class Money:
    """What the cooperation brings to one node, from the modules' own figures."""

    procurement_saving: Decimal = Decimal(0)
    rental_income: Decimal = Decimal(0)
    rental_cost: Decimal = Decimal(0)
    training_cost: Decimal = Decimal(0)
    staff_fte_given: Decimal = Decimal(0)
    staff_fte_received: Decimal = Decimal(0)
    staff_cost_recovered_fte: Decimal = Decimal(0)  # FTE whose cost the partner bears
    staff_cost_borne_fte: Decimal = Decimal(0)  # FTE of a partner whose cost we bear
    sources: list[str] = field(default_factory=list)

    def add(self, other: Money) -> None:
        """Add another node's figures."""
        for name in (
            "procurement_saving",
            "rental_income",
            "rental_cost",
            "training_cost",
            "staff_fte_given",
            "staff_fte_received",
            "staff_cost_recovered_fte",
            "staff_cost_borne_fte",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def net(self) -> Decimal:
        """Return savings plus rental income minus rental and training costs."""
        return self.procurement_saving + self.rental_income - self.rental_cost - self.training_cost


# -- the linkable types ------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How one link type is read: its candidates, one object, its title and page."""

    query: Callable[[], Any]  # select() of the visible objects, the scope applies
    title: Callable[[Any], str]
    owner: Callable[[Any], str]
    url: Callable[[Any], str | None]
    text: Callable[[Any], str]  # what a suggestion matches on


def _tenant_name(obj: Any) -> str:
    tenant = getattr(obj, "tenant", None)
    return tenant.name if tenant is not None else ""


def _kinds() -> dict[str, Kind]:
    # Imported here: the modules are optional features, and they import nothing of ours.
    from portal.agreements.models import Agreement
    from portal.hr.models import StaffSharing, StaffSharingApproval, Training
    from portal.policy_tables.models import ActionItem, Decision
    from portal.procurement.models import Dossier

    def decision_title(d: Any) -> str:
        text = _strip_html(d.text_html)
        return text[:120] + ("…" if len(text) > 120 else "")

    return {
        LinkType.AGREEMENT: Kind(
            lambda: select(Agreement).order_by(Agreement.title),
            lambda a: a.title,
            _tenant_name,
            lambda a: url_for("agreements.detail", agreement_id=a.id),
            lambda a: f"{a.title} {' '.join(a.domains or [])}",
        ),
        LinkType.POLICY_DECISION: Kind(
            lambda: select(Decision).order_by(Decision.id.desc()),
            decision_title,
            _tenant_name,
            lambda d: url_for("policy_tables.meeting", meeting_id=d.meeting_id),
            lambda d: _strip_html(d.text_html),
        ),
        LinkType.POLICY_ACTION: Kind(
            lambda: select(ActionItem).order_by(ActionItem.id.desc()),
            lambda a: a.title,
            _tenant_name,
            lambda a: url_for("policy_tables.meeting", meeting_id=a.meeting_id),
            lambda a: a.title,
        ),
        LinkType.PROCUREMENT_DOSSIER: Kind(
            lambda: select(Dossier).order_by(Dossier.title),
            lambda d: d.title,
            _tenant_name,
            lambda d: url_for("procurement.dossier", dossier_id=d.id),
            lambda d: f"{d.title} {d.description}",
        ),
        LinkType.STAFF_SHARING: Kind(
            lambda: select(StaffSharing).where(StaffSharing.tenant_id == current_tenant_id()),
            lambda s: _("%(job)s bij %(host)s", job=s.job_title or s.employee_name, host=s.host_tenant.name),
            _tenant_name,
            lambda s: url_for("hr.sharings"),
            lambda s: s.job_title,
        ),
        LinkType.STAFF_HOSTING: Kind(
            lambda: select(StaffSharingApproval).where(StaffSharingApproval.tenant_id == current_tenant_id()),
            lambda s: _("%(job)s van %(home)s", job=s.job_title or s.employee_name, home=s.home_tenant.name),
            lambda s: s.home_tenant.name,
            lambda s: url_for("hr.sharings"),
            lambda s: s.job_title,
        ),
        LinkType.TRAINING: Kind(
            lambda: select(Training).order_by(Training.starts_at.desc()),
            lambda t: t.title,
            _tenant_name,
            lambda t: url_for("hr.training", training_id=t.id),
            lambda t: f"{t.title} {t.description}",
        ),
    }


def _partner(object_id: int) -> Any:
    """Return the partner municipality of a rentals link while it is a current partner."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return None
    return next((t for t in partner_tenants(tenant_id) if t.id == object_id), None)


def _find(object_type: str, object_id: int) -> Any:
    """Return the object if the acting municipality may read it, else None."""
    if object_type == LinkType.RENTAL_PARTNER:
        return _partner(object_id)
    kind = _kinds()[object_type]
    query = kind.query()
    model = query.column_descriptions[0]["entity"]
    return db.session.scalar(query.where(model.id == object_id).limit(1))


def candidates(object_type: str, q: str | None = None) -> list[tuple[int, str]]:
    """Return ``(id, title)`` of the objects of this type the acting municipality may link.

    ``q`` keeps only the titles that contain every word of it (case-insensitive).
    """
    if object_type not in LINK_TYPES:
        return []
    if object_type == LinkType.RENTAL_PARTNER:
        tenant_id = current_tenant_id()
        found = [(t.id, t.name) for t in partner_tenants(tenant_id)] if tenant_id else []
    else:
        kind = _kinds()[object_type]
        found = [(obj.id, kind.title(obj)) for obj in db.session.scalars(kind.query().limit(CANDIDATE_LIMIT))]
    wanted = (q or "").lower().split()
    if wanted:
        found = [(i, title) for i, title in found if all(w in title.lower() for w in wanted)]
    return found


def resolve(link: PlanLink, reader: MoneyReader | None = None) -> Linked:
    """Return what the owner may see of the linked object (nothing when it is no longer visible).

    With ``reader``, the object comes from what it read (see :class:`MoneyReader`).
    """
    obj = reader.object_of(link) if reader is not None else _find(link.object_type, link.object_id)
    if obj is None:
        return Linked(link, False)
    page = has_request_context()  # a report or a task has no page to link to
    if link.object_type == LinkType.RENTAL_PARTNER:
        url = url_for("rentals.settlement") if page else None
        return Linked(link, True, _("Uitleen met %(name)s", name=obj.name), obj.name, url, owner_tenant=obj)
    kind = _kinds()[link.object_type]
    return Linked(
        link,
        True,
        kind.title(obj),
        kind.owner(obj),
        kind.url(obj) if page else None,
        owner_tenant=_owner_tenant(link.object_type, obj),
    )


def _owner_tenant(object_type: str, obj: Any) -> Any:
    if object_type == LinkType.STAFF_HOSTING:
        return obj.home_tenant
    return getattr(obj, "tenant", None)


def describe(object_type: str, object_id: int) -> Linked | None:
    """Return what the acting municipality may see of one object, or None when it may not see it."""
    if object_type not in LINK_TYPES:
        return None
    probe = PlanLink(object_type=object_type, object_id=object_id)
    linked = resolve(probe)
    return linked if linked.visible else None


def links_of(nodes: Iterable[PlanNode]) -> dict[int, list[PlanLink]]:
    """Return the links of the nodes, by node id."""
    ids = [n.id for n in nodes]
    found: dict[int, list[PlanLink]] = {i: [] for i in ids}
    if not ids:
        return found
    for link in db.session.scalars(select(PlanLink).where(PlanLink.node_id.in_(ids)).order_by(PlanLink.id)):
        found[link.node_id].append(link)
    return found


def in_force(node: PlanNode) -> bool:
    """Tell whether the node belongs to the plan version in force (the only one that takes changes)."""
    newest = db.session.scalar(select(PlanVersion.id).order_by(PlanVersion.number.desc()).limit(1))
    return newest == node.version_id


def _ensure_in_force(node: PlanNode) -> None:
    if not in_force(node):
        raise DomainError(
            _(
                "Dit item hoort bij een oudere versie van het meerjarenplan: koppelingen veranderen alleen "
                "in de versie die van kracht is."
            ),
            status_code=409,
        )


def link_object(node: PlanNode, data: dict[str, Any]) -> PlanLink:
    """Link one of the own plan's nodes (of the version in force) to an object the municipality may see."""
    object_type, object_id = data["object_type"], data["object_id"]
    if object_type not in LINK_TYPES:
        raise DomainError(_("Kies een soort uit de lijst."), field="object_type", status_code=422)
    if _find(object_type, object_id) is None:
        # 404 like any object the municipality may not see: the answer never tells that it exists.
        raise DomainError(
            _("Dit object bestaat niet of je bestuur mag het niet zien."), field="object_id", status_code=404
        )
    _ensure_in_force(node)
    exists = db.session.scalar(
        select(PlanLink.id).where(
            PlanLink.node_id == node.id, PlanLink.object_type == object_type, PlanLink.object_id == object_id
        )
    )
    if exists is not None:
        raise _duplicate()
    link = PlanLink(
        node_id=node.id,
        object_type=object_type,
        object_id=object_id,
        note=data.get("note") or "",
        created_by_id=acting_user_id(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(link)
    except IntegrityError:
        # A concurrent request linked the same object first: the unique constraint caught it.
        raise _duplicate() from None
    return link


def _duplicate() -> DomainError:
    return DomainError(_("Dit object is al aan dit item gekoppeld."), status_code=409)


def unlink(link: PlanLink) -> None:
    """Remove a link of the version in force (the object itself does not change)."""
    _ensure_in_force(link.node)
    db.session.delete(link)
    db.session.flush()


def link_rows(found: Iterable[PlanLink], reader: MoneyReader | None = None) -> list[dict[str, Any]]:
    """Return each link with what the owner may see of its object and the money it brings.

    A link whose object is no longer visible keeps only its own fields: no title, no owner, no money.
    """
    found = list(found)
    reader = reader or MoneyReader(linked=found)
    rows = []
    for link in found:
        linked = resolve(link, reader)
        rows.append(
            {
                "id": link.id,
                "node_id": link.node_id,
                "object_type": link.object_type,
                "object_label": str(LINK_LABELS[link.object_type]),
                "object_id": link.object_id,
                "note": link.note,
                "created_at": link.created_at,
                "visible": linked.visible,
                "title": linked.title if linked.visible else None,
                "url": linked.url if linked.visible else None,
                "owner_name": linked.owner if linked.visible else None,
                "owner_tenant": linked.owner_tenant if linked.visible else None,
                "money": reader.of_link(link) if linked.visible else None,
                "link": link,
            }
        )
    return rows


def links_to(object_type: str, object_id: int) -> list[PlanLink]:
    """Return the own plan's links to one object (for a "linked to my plan" hint on its page)."""
    return list(
        db.session.scalars(select(PlanLink).where(PlanLink.object_type == object_type, PlanLink.object_id == object_id))
    )


@dataclass(frozen=True)
class Suggestion:
    """An object whose title shares words with a node."""

    object_type: str
    object_id: int
    title: str
    label: str
    score: int


def suggestions(node: PlanNode, limit: int = 8) -> list[Suggestion]:
    """Return visible objects whose titles or domains share words with the node (and its parents)."""
    wanted = node_words(node)
    if not wanted:
        return []
    linked = {(link.object_type, link.object_id) for link in links_of([node])[node.id]}
    found: list[Suggestion] = []
    for object_type, kind in _kinds().items():
        for obj in db.session.scalars(kind.query().limit(CANDIDATE_LIMIT)):
            if (object_type, obj.id) in linked:
                continue
            score = len(wanted & words(kind.text(obj)))
            if score:
                found.append(Suggestion(object_type, obj.id, kind.title(obj), str(LINK_LABELS[object_type]), score))
    found.sort(key=lambda s: (-s.score, s.title))
    return found[:limit]


# -- money -------------------------------------------------------------------------------------


class MoneyReader:
    """Read the objects and the money of links, caching the module figures that several links share.

    Given the links up front (``linked``), it reads their objects per link type in one statement
    each and the partners' training enrolments in one: a page, an export or a report then costs
    the same number of statements whatever the number of actions and links. Without them, each
    object is read when it is asked for (one link's page).
    """

    def __init__(self, year: int | None = None, linked: Iterable[PlanLink] | None = None) -> None:
        self.year = year or today().year
        self._settlement: dict[int, dict[str, Any]] | None = None
        self._objects: dict[tuple[str, int], Any] | None = None
        self._enrolled: dict[int, int] = {}
        self._money: dict[tuple[str, int], Money] = {}
        if linked is not None:
            self._preload(linked)

    def _preload(self, linked: Iterable[PlanLink]) -> None:
        from portal.hr.models import Enrolment, EnrolmentStatus

        wanted: dict[str, set[int]] = defaultdict(set)
        for link in linked:
            wanted[link.object_type].add(link.object_id)
        tenant_id = current_tenant_id()
        objects: dict[tuple[str, int], Any] = {}
        kinds = _kinds()
        for object_type, ids in wanted.items():
            if object_type == LinkType.RENTAL_PARTNER:
                partners = {t.id: t for t in partner_tenants(tenant_id)} if tenant_id is not None else {}
                found = {i: partners[i] for i in ids if i in partners}
            else:
                query = kinds[object_type].query()
                model = query.column_descriptions[0]["entity"]
                found = {obj.id: obj for obj in db.session.scalars(query.where(model.id.in_(ids)))}
            objects.update(((object_type, i), obj) for i, obj in found.items())
        self._objects = objects
        trainings = [i for (t, i), obj in objects.items() if t == LinkType.TRAINING and obj.tenant_id != tenant_id]
        if trainings:
            rows = db.session.execute(
                select(Enrolment.training_id, func.count(Enrolment.id))
                .where(Enrolment.training_id.in_(trainings), Enrolment.status == EnrolmentStatus.INGESCHREVEN)
                .group_by(Enrolment.training_id)
            )
            self._enrolled = {int(training_id): int(count) for training_id, count in rows}

    def object_of(self, link: PlanLink) -> Any:
        """Return the linked object if the acting municipality may read it, else None."""
        if self._objects is None:
            return _find(link.object_type, link.object_id)
        return self._objects.get((link.object_type, link.object_id))

    def _settlement_rows(self) -> dict[int, dict[str, Any]]:
        if self._settlement is None:
            from datetime import date

            from portal.rentals.operations import settlement

            rows = settlement(date(self.year, 1, 1), date(self.year + 1, 1, 1))
            self._settlement = {row["partner_id"]: row for row in rows}
        return self._settlement

    def of_link(self, link: PlanLink) -> Money:
        """Return the money one link brings to the plan's owner (nothing for an invisible object).

        Computed once per object: a page asks for it per node and again for the totals.
        """
        key = (link.object_type, link.object_id)
        if key not in self._money:
            self._money[key] = self._compute(link)
        return self._money[key]

    def _compute(self, link: PlanLink) -> Money:
        money = Money()
        obj = self.object_of(link)
        if obj is None:
            return money
        tenant_id = current_tenant_id()
        if link.object_type == LinkType.PROCUREMENT_DOSSIER:
            from portal.procurement.operations import savings

            for row in savings(obj):
                if row.tenant.id == tenant_id:
                    money.procurement_saving += max(row.saving, Decimal(0))
        elif link.object_type == LinkType.RENTAL_PARTNER:
            pair = self._settlement_rows().get(obj.id)
            if pair:
                money.rental_income += Decimal(pair["lent_amount"])
                money.rental_cost += Decimal(pair["borrowed_amount"])
        elif link.object_type == LinkType.TRAINING:
            money.training_cost += self._training_cost(obj)
        elif link.object_type in (LinkType.STAFF_SHARING, LinkType.STAFF_HOSTING):
            self._staff(obj, link.object_type, money)
        return money

    def _training_cost(self, training: Any) -> Decimal:
        """Return what the own enrolled staff cost at a partner's training (its partner price per place)."""
        from portal.hr.models import Enrolment, EnrolmentStatus

        if training.tenant_id == current_tenant_id():
            return Decimal(0)
        if self._objects is not None:
            return (Decimal(training.price_partner) * self._enrolled.get(training.id, 0)).quantize(Decimal("0.01"))
        count = len(
            list(
                db.session.scalars(
                    select(Enrolment.id).where(
                        Enrolment.training_id == training.id, Enrolment.status == EnrolmentStatus.INGESCHREVEN
                    )
                )
            )
        )
        return (Decimal(training.price_partner) * count).quantize(Decimal("0.01"))

    def _staff(self, row: Any, object_type: str, money: Money) -> None:
        from portal.hr.models import SharingStatus

        if row.status != SharingStatus.GOEDGEKEURD:
            return
        fte = Decimal(row.share_percent) / 100
        host_part = fte * Decimal(row.host_cost_percent) / 100
        if object_type == LinkType.STAFF_SHARING:
            money.staff_fte_given += fte
            money.staff_cost_recovered_fte += host_part
        else:
            money.staff_fte_received += fte
            money.staff_cost_borne_fte += host_part

    def of_nodes(self, nodes: Iterable[PlanNode], links: dict[int, list[PlanLink]]) -> Money:
        """Return the summed money of the links of the nodes (each link counted once)."""
        total = Money()
        seen: set[tuple[str, int]] = set()
        for node in nodes:
            for link in links.get(node.id, []):
                key = (link.object_type, link.object_id)
                if key in seen:
                    continue
                seen.add(key)
                total.add(self.of_link(link))
        return total


def action_nodes(nodes: Iterable[PlanNode]) -> list[PlanNode]:
    """Return only the actions."""
    return [n for n in nodes if n.level == Level.ACTIE]
