"""Each module's section of the council report holds the figures the module itself shows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.core.report import ReportPeriod
from portal.extensions import db
from portal.features import report_sections
from portal.reports import operations as ops
from tenants.context import tenant_context
from tests.rentals_helpers import accept, approve, make_reservation, make_resource, next_weekday
from tests.test_reports import load, make_report


def _as(world: Any, tenant: str, role: str = "dienst") -> Any:
    user = world.user(tenant, role)
    return tenant_context(user.tenant_id, user_id=user.id)


def _section(world: Any, report_id: int, key: str, tenant: str = "owner") -> dict[str, Any]:
    report = load(world, report_id, tenant)
    assert report is not None and report.content is not None
    return next(s for s in report.content["sections"] if s["key"] == key)


def _money(cell: dict[str, Any]) -> Decimal:
    return Decimal(str(cell["money"])).quantize(Decimal("0.01"))


def test_sections_are_found_by_convention_in_navigation_order():
    keys = [key for key, _build in report_sections()]
    assert keys == ["policy_tables", "hr", "rentals", "procurement", "agreements", "matrix", "plans"]


# The loans are requested ahead and reported in the semester they fall in, which must have begun:
# on New Year's Eve the next working day is in a semester still to come, so the date is fixed.
@pytest.mark.frozen_at("2026-06-10T10:00:00+02:00")
def test_rentals_saldo_per_partner_is_the_settlement(world):
    from portal.rentals import operations as rentals
    from portal.rentals.models import Booking, Resource

    # Near today, so the report's period (the semester of that day) has begun.
    start = next_weekday(1)
    delivered = make_resource(world, "Podium met levering", delivery_available=True, delivery_cost=Decimal("60"))
    plain = make_resource(world, "Tent zonder levering")
    partner = world.user("partner", "dienst")
    with tenant_context(partner.tenant_id, user_id=partner.id):
        resource = db.session.get(Resource, delivered)
        reservation = rentals.request_reservation(
            resource,
            {"starts_at": start, "ends_at": start + timedelta(hours=24), "handover_mode": "levering"},
            user=partner,
        )
        db.session.commit()
        picked_up, picked_up_booking = reservation.id, reservation.booking_id
    approve(world, picked_up_booking)
    accept(world, picked_up)
    with _as(world, "owner"):
        rentals.decide_booking(db.session.get(Booking, picked_up_booking), "afhalen", report={"condition": "ok"})
        db.session.commit()
    # Approved but not picked up: the settlement does not count it yet (the old report did).
    _approved, approved_booking = make_reservation(world, plain, start=start, hours=24)
    approve(world, approved_booking)

    period = ops.period_code("semester", start.date())
    _kind, first, last = ops.period_bounds(period)
    owner_rows = _section(world, make_report(world, period=period), "rentals")["tables"][0]["rows"]
    partner_rows = _section(world, make_report(world, "partner", period=period), "rentals", "partner")["tables"][0][
        "rows"
    ]
    with _as(world, "owner"):
        [lent] = rentals.settlement(first, last + timedelta(days=1))
    with _as(world, "partner"):
        [borrowed] = rentals.settlement(first, last + timedelta(days=1))

    [row] = owner_rows
    assert row[0] == lent["partner"].name == "Gemeente Partner"
    # Old report: 2 lent, 151.00 (two tariffs of 75.50, no delivery). Settlement: 1 lent, 75.50 + 60.
    assert (row[1], row[2]) == (lent["lent_count"], lent["borrowed_count"]) == (1, 0)
    assert [_money(c) for c in row[3:]] == [lent["lent_amount"], lent["borrowed_amount"], lent["balance"]]
    assert lent["balance"] == Decimal("135.50")
    [mirror] = partner_rows
    assert (mirror[1], mirror[2]) == (borrowed["lent_count"], borrowed["borrowed_count"]) == (0, 1)
    assert [_money(c) for c in mirror[3:]] == [Decimal("0.00"), Decimal("135.50"), Decimal("-135.50")]


def _awarded_procurement(world: Any, needs: tuple[tuple[str, str, str], ...]) -> Decimal:
    """Join the matrix dossier (lot estimate 50000) with ``needs``, award 40000; return its savings."""
    from portal.procurement import operations as proc
    from portal.procurement.models import Dossier, Lot
    from tests.matrix import _proc_dossier_id

    dossier_id = _proc_dossier_id(world, title="Stroom voor de raad")
    today = ops.today()
    for tenant, quantity, amount in needs:
        with _as(world, tenant, "aankoper"):
            dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
            lot_id = db.session.scalar(select(Lot.id).where(Lot.dossier_id == dossier_id))
            proc.join(
                dossier,
                {
                    "lines": [{"lot_id": lot_id, "quantity": Decimal(quantity), "amount": Decimal(amount)}],
                    "mandate_body": "college",
                    "mandate_on": today,
                    "mandate_reference": f"CBS-{tenant}",
                },
            )
            db.session.commit()
    with _as(world, "owner", "aankoper"):
        lot = db.session.scalar(select(Lot).where(Lot.dossier_id == dossier_id))
        assert lot is not None and lot.estimated_value == Decimal("50000")
        proc.award_lot(
            lot,
            {
                "supplier_name": "Energie nv",
                "supplier_kbo": "BE0207437468",
                "awarded_value": Decimal("40000"),
                "contract_end_on": today + timedelta(days=700),
            },
        )
        db.session.commit()
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        return sum((s.saving for s in proc.savings(dossier)), Decimal(0))


def _procurement_savings(section: dict[str, Any]) -> tuple[Decimal, Decimal]:
    figures = {f["label"]: f["value"] for f in section["figures"]}
    keys = {f["label"]: f["value"] for f in section["key_figures"]}
    return (
        Decimal(str(figures["Geraamde besparing (raming min gunning)"])),
        Decimal(str(keys["Geraamde besparing"])),
    )


def test_procurement_savings_are_the_dossiers_savings(world):
    # Needs that add up to the lot's estimate (50000): then both ways of counting agree.
    saved = _awarded_procurement(world, (("partner", "300", "30000"), ("owner", "200", "20000")))
    section = _section(world, make_report(world), "procurement")
    assert _procurement_savings(section) == (saved, saved) == (Decimal("10000"), Decimal("10000"))
    figures = {f["label"]: f["value"] for f in section["figures"]}
    assert figures["Percelen gegund in de periode"] == 1
    assert [r[1] for r in section["tables"][0]["rows"]] == ["Perceel groene stroom"]


def test_procurement_savings_follow_the_needs_not_the_lot_estimate(world):
    # Needs of 45000 on a lot estimated at 50000, awarded at 40000 (split 300:200 by quantity):
    # the partner saves 30000 - 24000, the owner 15000 - 16000. The old report took the lot's
    # estimate minus the award (10000), a figure the dossier's savings page never shows.
    saved = _awarded_procurement(world, (("partner", "300", "30000"), ("owner", "200", "15000")))
    assert saved == Decimal("5000")
    section = _section(world, make_report(world), "procurement")
    assert _procurement_savings(section) == (saved, saved)


def test_every_section_in_the_report_is_what_its_module_gives(world):
    from tests.matrix import make_agreement
    from tests.test_reports import vacancy

    make_agreement(world, "Overeenkomst voor de raad", status="actief", domains=("ict",))
    vacancy(world, "owner", "Diensthoofd")
    report_id = make_report(world)
    report = load(world, report_id)
    assert report is not None and report.content is not None
    stored = {s["key"]: s for s in report.content["sections"]}
    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id), force_locale(ops.LOCALE):
        period = ReportPeriod(tenant_id=ad.tenant_id, start=report.starts_on, end=report.ends_on)
        for key, build in report_sections():
            assert stored[key] == ops._plain(dict(build(period))), key
    assert stored["hr"]["key_figures"][0]["value"] >= 1
    assert stored["matrix"]["levels"]["ict"] == 2


def test_a_failing_module_section_is_marked_and_the_others_appear(world, monkeypatch):
    import portal.hr.report

    def broken(period: ReportPeriod) -> Any:
        raise AttributeError("Vacancy has no attribute 'gone'")

    monkeypatch.setattr(portal.hr.report, "section", broken)
    report = load(world, make_report(world))
    assert report is not None and report.content is not None
    sections = {s["key"]: s for s in report.content["sections"]}
    assert list(sections) == ["agreements", "policy_tables", "hr", "rentals", "procurement", "plans", "matrix"]
    assert sections["hr"] == {"key": "hr", "title": "Gedeelde HR", "unavailable": ops.SECTION_UNAVAILABLE}
    assert "unavailable" not in sections["agreements"] and "tables" in sections["matrix"]
