"""The meerjarenplan section of the council report: per beleidsdoelstelling, what the cooperation does.

It can serve as an annex to the opvolgingsrapportering and the jaarrekening: per goal the actions
linked to the cooperation, their budget, the money the cooperation brings and the deviations.

It runs for every municipality in one batch (the 285 reports), so its reads are set-based: the
tree with every budget in two statements, then per linked type one statement for the visible
objects and one for the training enrolments, whatever the number of goals, actions and links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.core.report import ReportPeriod, Section, figure, table
from portal.extensions import db
from portal.plans import links
from portal.plans import operations as ops
from portal.plans.models import Level, LinkType, PlanLink, PlanNode
from tenants.context import current_tenant_id
from tenants.sharing import partner_tenants


class _BatchReader(links.MoneyReader):
    """The money of links as ``links.MoneyReader`` reads it, with the linked objects read per type at once."""

    def __init__(self, year: int, linked: Iterable[PlanLink]) -> None:
        super().__init__(year)
        self._objects: dict[tuple[str, int], Any] = {}
        self._enrolled: dict[int, int] = {}
        wanted: dict[str, set[int]] = defaultdict(set)
        for link in linked:
            wanted[link.object_type].add(link.object_id)
        kinds = links._kinds()
        for object_type, ids in wanted.items():
            if object_type == LinkType.RENTAL_PARTNER:
                tenant_id = current_tenant_id()
                partners = {t.id: t for t in partner_tenants(tenant_id)} if tenant_id is not None else {}
                found = {i: partners[i] for i in ids if i in partners}
            else:
                query = kinds[object_type].query()
                model = query.column_descriptions[0]["entity"]
                found = {obj.id: obj for obj in db.session.scalars(query.where(model.id.in_(ids)))}
            self._objects.update(((object_type, i), obj) for i, obj in found.items())
        trainings = [
            i
            for (t, i), obj in self._objects.items()
            if t == LinkType.TRAINING and obj.tenant_id != current_tenant_id()
        ]
        if trainings:
            from portal.hr.models import Enrolment, EnrolmentStatus

            rows = db.session.execute(
                select(Enrolment.training_id, func.count(Enrolment.id))
                .where(Enrolment.training_id.in_(trainings), Enrolment.status == EnrolmentStatus.INGESCHREVEN)
                .group_by(Enrolment.training_id)
            )
            self._enrolled = {int(training_id): int(count) for training_id, count in rows}

    def of_link(self, link: PlanLink) -> links.Money:
        """Return the money one link brings (nothing for an object the owner may not see)."""
        money = links.Money()
        obj = self._objects.get((link.object_type, link.object_id))
        if obj is None:
            return money
        if link.object_type == LinkType.PROCUREMENT_DOSSIER:
            from portal.procurement.operations import savings

            for row in savings(obj):
                if row.tenant.id == current_tenant_id():
                    money.procurement_saving += max(row.saving, Decimal(0))
        elif link.object_type == LinkType.RENTAL_PARTNER:
            pair = self._settlement_rows().get(obj.id)
            if pair:
                money.rental_income += Decimal(pair["lent_amount"])
                money.rental_cost += Decimal(pair["borrowed_amount"])
        elif link.object_type == LinkType.TRAINING:
            if obj.tenant_id != current_tenant_id():
                count = self._enrolled.get(obj.id, 0)
                money.training_cost += (Decimal(obj.price_partner) * count).quantize(Decimal("0.01"))
        elif link.object_type in (LinkType.STAFF_SHARING, LinkType.STAFF_HOSTING):
            self._staff(obj, link.object_type, money)
        return money


def section(period: ReportPeriod) -> Section:
    """Return per beleidsdoelstelling of the plan in force its linked actions, money and deviations."""
    version = ops.current_version()
    title = _("Meerjarenplan: wat de samenwerking bijdraagt")
    if version is None:
        return {
            "key": "plans",
            "title": title,
            "key_figures": [],
            "tables": [table(_("Beleidsdoelstellingen"), [_("Beleidsdoelstelling")], [], _("Geen meerjarenplan."))],
        }
    # Every node with its budgets in two statements; the tree below reuses the loaded nodes.
    nodes = list(
        db.session.scalars(
            select(PlanNode).where(PlanNode.version_id == version.id).options(selectinload(PlanNode.budgets))
        )
    )
    link_map = links.links_of(nodes)
    reader = _BatchReader(period.end.year, (link for ls in link_map.values() for link in ls))
    rows = []
    chart_labels: list[str] = []
    chart_values: list[float] = []
    touched = late = 0
    total = links.Money()
    for root in ops.tree(version):
        for goal in (item for item in ops._items(root) if item.node.level == Level.DOELSTELLING):
            actions = [n for n in goal.walk() if n.level == Level.ACTIE]
            linked = [n for n in actions if link_map.get(n.id)]
            if not linked:
                continue
            money = reader.of_nodes(actions, link_map)
            total.add(money)
            budget = ops.budget_totals(actions)
            flagged = [
                f"{n.code}: {', '.join(ops.deviations(n, period.end))}"
                for n in actions
                if ops.deviations(n, period.end)
            ]
            touched += len(linked)
            late += sum(1 for n in actions if ops.is_late(n, period.end))
            rows.append(
                [
                    f"{goal.node.code} {goal.node.title}",
                    len(linked),
                    {"money": budget["expense"]},
                    {"money": money.procurement_saving},
                    {"money": money.rental_income - money.rental_cost},
                    {"money": money.training_cost},
                    "; ".join(flagged) or _("geen"),
                ]
            )
            chart_labels.append(goal.node.code)
            chart_values.append(float(money.net))
    return {
        "key": "plans",
        "title": title,
        "key_figures": [
            figure(_("Acties van ons plan met samenwerking"), touched),
            figure(_("Netto opbrengst samenwerking voor ons plan"), total.net, "money"),
        ],
        "figures": [
            figure(_("Besparing gezamenlijke aankoop"), total.procurement_saving, "money"),
            figure(_("Saldo uitleen materieel en zalen"), total.rental_income - total.rental_cost, "money"),
            figure(_("Kosten vormingen bij partners"), total.training_cost, "money"),
            figure(_("Gekoppelde acties te laat"), late),
        ],
        "chart": {
            "title": _("Netto opbrengst van de samenwerking per beleidsdoelstelling (euro)"),
            "labels": chart_labels,
            "values": chart_values,
        },
        "tables": [
            table(
                _("Per beleidsdoelstelling (%(plan)s, versie %(n)s)", plan=version.title, n=version.number),
                [
                    _("Beleidsdoelstelling"),
                    _("Gekoppelde acties"),
                    _("Budget uitgaven"),
                    _("Besparing aankoop"),
                    _("Saldo uitleen"),
                    _("Kosten vorming"),
                    _("Afwijkingen"),
                ],
                rows,
                _("Nog geen acties van het plan gekoppeld aan de samenwerking."),
            )
        ],
    }
