"""The meerjarenplan section of the council report: per beleidsdoelstelling, what the cooperation does.

It can serve as an annex to the opvolgingsrapportering and the jaarrekening: per goal the actions
linked to the cooperation, their budget, the money the cooperation brings and the deviations.

It runs for every municipality in one batch (the 285 reports), so its reads are set-based: the
tree with every budget in two statements, then per linked type one statement for the visible
objects and one for the training enrolments, whatever the number of goals, actions and links.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.core.report import ReportPeriod, Section, figure, table
from portal.plans import links
from portal.plans import operations as ops
from portal.plans.models import Level


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
    nodes = ops.nodes_of(version)
    link_map = links.links_of(nodes)
    reader = links.MoneyReader(period.end.year, (link for ls in link_map.values() for link in ls))
    rows = []
    chart_labels: list[str] = []
    chart_values: list[float] = []
    touched = late = 0
    total = links.Money()
    for root in ops.tree(version, nodes):
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
