"""The rentals section of the council report: the settlement (afrekening) of the period."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _

from portal.core.report import ReportPeriod, Section, figure, table
from portal.rentals import operations as ops


def section(period: ReportPeriod) -> Section:
    """Return lent, borrowed and the balance per partner, as the settlement page and CSV count them."""
    # The settlement's end is exclusive, the report's last day inclusive.
    rows = ops.settlement(period.start, period.end + timedelta(days=1))
    lent = sum(r["lent_count"] for r in rows)
    borrowed = sum(r["borrowed_count"] for r in rows)
    cells = [
        [
            r["partner"].name,
            r["lent_count"],
            r["borrowed_count"],
            {"money": r["lent_amount"]},
            {"money": r["borrowed_amount"]},
            {"money": r["balance"]},
        ]
        for r in rows
    ]
    return {
        "key": "rentals",
        "title": _("Materieel en zalen"),
        "key_figures": [figure(_("Ontleningen van materieel en zalen"), lent + borrowed)],
        "figures": [
            figure(_("Uitgeleend aan partners"), lent),
            figure(_("Ontleend bij partners"), borrowed),
        ],
        "tables": [
            table(
                _("Saldo per partner"),
                [_("Partner"), _("Uitgeleend"), _("Ontleend"), _("Te ontvangen"), _("Te betalen"), _("Saldo")],
                cells,
                _("Geen ontleningen met partners in deze periode."),
            ),
        ],
        "chart": {
            "kind": "pair",
            "title": _("Ontleningen per partner"),
            "labels": [c[0] for c in cells],
            "values": [c[1] for c in cells],
            "values2": [c[2] for c in cells],
            "legend": [_("Uitgeleend"), _("Ontleend")],
        },
    }
