"""The settlement (afrekening) of a period: the page and its CSV/XLSX export."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, allow
from portal.core.errors import DomainError
from portal.core.exports import table_response
from portal.core.forms import load_form
from portal.rentals import operations as ops
from portal.rentals.schemas import RentalSettlementArgsSchema
from portal.rentals.views._blueprint import bp


def _settlement_period() -> tuple[date, date, dict[str, Any]]:
    data, errors = load_form(RentalSettlementArgsSchema(), request.args)
    if data is None:
        return *ops.settlement_period(None, None), errors
    return data["van"], data["tot"], {}


@bp.route("/afrekening")
@allow(MEMBERS)
def settlement() -> Any:
    """Show per partner municipality what the own tenant lent and borrowed in a period, and the balance."""
    start, end, errors = _settlement_period()
    rows = ops.settlement(start, end) if not errors else []
    return render_template(
        "rentals/settlement.html",
        rows=rows,
        starts_on=start,
        ends_on=end,
        errors=errors,
        values=request.args.to_dict(),
        totals={
            key: sum((r[key] for r in rows), Decimal("0.00")) for key in ("lent_amount", "borrowed_amount", "balance")
        },
    ), (422 if errors else 200)


@bp.route("/afrekening.csv", defaults={"fmt": "csv"})
@bp.route("/afrekening.xlsx", defaults={"fmt": "xlsx"})
@allow(MEMBERS)
def settlement_export(fmt: str) -> Any:
    """Download the settlement of a period as CSV or XLSX for the financial service."""
    start, end, errors = _settlement_period()
    if errors:
        raise DomainError(" ".join(str(m) for v in errors.values() for m in v), status_code=422)
    header, rows = ops.settlement_table(current_user.tenant.name, ops.settlement(start, end))
    stem = f"afrekening-verhuur-{current_user.tenant.slug}-{start.isoformat()}-{end.isoformat()}"
    return table_response(fmt, stem, header, rows, _("Afrekening"))
