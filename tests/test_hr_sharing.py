"""Gedeelde HR: staff sharing (terbeschikkingstelling) with a decision of both ADs and the FTE overview."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from portal.core.notifications import Notification
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr.models import StaffSharing, StaffSharingApproval
from tenants.context import tenant_context
from tests import clock
from tests.conftest import login
from tests.matrix import token_headers


def make_sharing(world: Any, name: str = "Jan Peeters", *, share: int = 40, **extra: Any) -> tuple[int, int]:
    """Create a sharing of an "owner" employee with "partner"; return (sharing id, approval id)."""
    hr = world.user("owner", "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        data: dict[str, Any] = {
            "host_tenant_id": world.tenants["partner"].id,
            "employee_name": name,
            "job_title": "Preventieadviseur",
            "share_percent": share,
            "starts_on": clock.today() - timedelta(days=1),
            "ends_on": clock.today() + timedelta(days=180),
            "host_cost_percent": 75,
            "note": "",
            **extra,
        }
        row = ops.create_staff_sharing(data, user=hr)
        db.session.commit()
        assert row.approval_id is not None
        return row.id, row.approval_id


def form(world: Any, **values: Any) -> dict[str, Any]:
    base = {
        "host_tenant_id": str(world.tenants["partner"].id),
        "employee_name": "Els Maes",
        "job_title": "Omgevingsambtenaar",
        "share_percent": "50",
        "starts_on": clock.today().isoformat(),
        "ends_on": (clock.today() + timedelta(days=90)).isoformat(),
        "host_cost_percent": "60",
    }
    base.update(values)
    return base


def count(model: Any, tenant: Any) -> int:
    with tenant_context(tenant.id):
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def client_for(app: Any, world: Any, tenant: str, role: str) -> Any:
    c = app.test_client()
    login(c, world.user(tenant, role))
    return c


def test_request_creates_one_row_per_municipality_and_asks_both_ads(app, client, world):
    hr = client_for(app, world, "owner", "hr")
    response = hr.post("/owner/hr/terbeschikkingstellingen/nieuw", data=form(world))
    assert response.status_code == 302
    # The home municipality owns the request, the host its approval row; neither sees the other's row.
    assert count(StaffSharing, world.tenants["owner"]) == 1
    assert count(StaffSharingApproval, world.tenants["owner"]) == 0
    assert count(StaffSharingApproval, world.tenants["partner"]) == 1
    assert count(StaffSharing, world.tenants["partner"]) == 0
    with tenant_context(world.tenants["partner"].id):
        approval = db.session.scalar(select(StaffSharingApproval))
        assert approval is not None
        assert (approval.employee_name, approval.share_percent, approval.host_cost_percent) == ("Els Maes", 50, 60)
    asked = db.session.scalars(
        select(Notification.user_id).where(Notification.title.contains("Goedkeuring gevraagd"))
    ).all()
    assert sorted(asked) == sorted([world.user("owner", "ad").id, world.user("partner", "ad").id])
    assert world.user("outsider", "ad").id not in asked
    page = hr.get(response.headers["Location"])
    assert "Els Maes" in page.text and "Aangevraagd" in page.text and "draagt 60%" in page.text


def test_each_ad_approves_only_for_its_own_municipality(app, world):
    sharing_id, approval_id = make_sharing(world)
    home_ad = client_for(app, world, "owner", "ad")
    host_ad = client_for(app, world, "partner", "ad")
    # The home AD cannot reach the host's row, nor the host AD the home's.
    assert home_ad.post(f"/owner/hr/terbeschikkingstellingen/ontvangen/{approval_id}",
                        data={"decision": "goedgekeurd"}).status_code == 404  # fmt: skip
    assert host_ad.post(f"/partner/hr/terbeschikkingstellingen/{sharing_id}",
                        data={"decision": "goedgekeurd"}).status_code == 404  # fmt: skip
    # HR may read but not decide.
    hr = client_for(app, world, "owner", "hr")
    assert (
        hr.post(f"/owner/hr/terbeschikkingstellingen/{sharing_id}", data={"decision": "goedgekeurd"}).status_code == 403
    )

    assert home_ad.post(f"/owner/hr/terbeschikkingstellingen/{sharing_id}",
                        data={"decision": "goedgekeurd"}).status_code == 302  # fmt: skip
    with tenant_context(world.tenants["partner"].id):
        approval = db.session.get(StaffSharingApproval, approval_id)
        assert approval is not None
        assert (approval.home_decision, approval.host_decision, approval.status) == (
            "goedgekeurd",
            "open",
            "aangevraagd",
        )
    # Deciding twice is refused with a Dutch message and changes nothing.
    again = home_ad.post(f"/owner/hr/terbeschikkingstellingen/{sharing_id}", data={"decision": "geweigerd"})
    assert again.status_code == 409 and "al beslist" in again.text

    page = host_ad.get(f"/partner/hr/terbeschikkingstellingen/ontvangen/{approval_id}")
    assert "Goedkeuren voor mijn bestuur" in page.text
    assert host_ad.post(f"/partner/hr/terbeschikkingstellingen/ontvangen/{approval_id}",
                        data={"decision": "goedgekeurd"}).status_code == 302  # fmt: skip
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        row = db.session.get(StaffSharing, sharing_id)
        assert row is not None and (row.host_decision, row.status) == ("goedgekeurd", "goedgekeurd")
    told = db.session.scalars(select(Notification.user_id).where(Notification.title.contains("goedgekeurd"))).all()
    assert world.user("owner", "hr").id in told


def test_one_refusal_refuses_the_sharing(app, world):
    sharing_id, approval_id = make_sharing(world)
    host_ad = client_for(app, world, "partner", "ad")
    assert host_ad.post(f"/partner/hr/terbeschikkingstellingen/ontvangen/{approval_id}",
                        data={"decision": "geweigerd"}).status_code == 302  # fmt: skip
    with tenant_context(world.tenants["owner"].id):
        row = db.session.get(StaffSharing, sharing_id)
        assert row is not None and row.status == "geweigerd"
    home_ad = client_for(app, world, "owner", "ad")
    late = home_ad.post(f"/owner/hr/terbeschikkingstellingen/{sharing_id}", data={"decision": "goedgekeurd"})
    assert late.status_code == 409


def test_fte_overview_counts_approved_active_sharings_on_both_sides(app, world):
    first, first_approval = make_sharing(world, "Jan Peeters", share=40)
    make_sharing(world, "Griet Claes", share=50)  # still waiting: not counted
    for tenant, model, row_id in (("owner", StaffSharing, first), ("partner", StaffSharingApproval, first_approval)):
        ad = world.user(tenant, "ad")
        with tenant_context(ad.tenant_id, user_id=ad.id):
            row = db.session.get(model, row_id)
            ops.decide_staff_sharing(row, "goedgekeurd", user=ad)
            db.session.commit()
    with tenant_context(world.tenants["owner"].id):
        given = ops.staff_sharing_overview(world.tenants["owner"].id)
    with tenant_context(world.tenants["partner"].id):
        received = ops.staff_sharing_overview(world.tenants["partner"].id)
    assert (given["given"], given["received"]) == (Decimal("0.4"), Decimal(0))
    assert (received["given"], received["received"]) == (Decimal(0), Decimal("0.4"))
    assert [r["tenant"].slug for r in given["partners"]] == ["partner"]
    page = client_for(app, world, "partner", "hr").get("/partner/hr/terbeschikkingstellingen")
    assert "Jan Peeters" in page.text and "Griet Claes" in page.text
    outsider = client_for(app, world, "outsider", "hr").get("/outsider/hr/terbeschikkingstellingen")
    assert "Jan Peeters" not in outsider.text
    # Only HR and the AD see personal staffing data.
    staff = client_for(app, world, "partner", "dienst").get("/partner/hr/terbeschikkingstellingen")
    assert staff.status_code == 403 and "Jan Peeters" not in staff.text and 'id="enkel-hr"' in staff.text


def test_withdrawal_is_mirrored_to_the_host(app, world):
    sharing_id, approval_id = make_sharing(world)
    hr = client_for(app, world, "owner", "hr")
    assert (
        hr.post(f"/owner/hr/terbeschikkingstellingen/{sharing_id}", data={"decision": "ingetrokken"}).status_code == 302
    )
    with tenant_context(world.tenants["partner"].id):
        approval = db.session.get(StaffSharingApproval, approval_id)
        assert approval is not None and approval.status == "ingetrokken"
    host_ad = client_for(app, world, "partner", "ad")
    assert host_ad.post(f"/partner/hr/terbeschikkingstellingen/ontvangen/{approval_id}",
                        data={"decision": "geweigerd"}).status_code == 409  # fmt: skip
    # The host cannot withdraw the home's request through its own row.
    assert host_ad.post(f"/partner/hr/terbeschikkingstellingen/ontvangen/{approval_id}",
                        data={"decision": "ingetrokken"}).status_code == 403  # fmt: skip


def test_bad_input_gives_dutch_messages_and_changes_nothing(app, world):
    hr = client_for(app, world, "owner", "hr")
    cases = [
        ({"share_percent": "120"}, "tussen 1 en 100%"),
        ({"share_percent": ""}, "tussen 1 en 100%"),
        ({"ends_on": (clock.today() - timedelta(days=5)).isoformat()}, "einddatum ligt voor de begindatum"),
        ({"host_tenant_id": str(world.tenants["outsider"].id)}, "partnerbestuur"),
        ({"host_tenant_id": str(world.tenants["owner"].id)}, "partnerbestuur"),
        ({"host_cost_percent": "-1"}, "kostenaandeel"),
        ({"employee_name": ""}, "naam van de medewerker"),
        ({"starts_on": "morgen"}, "geldige datum"),
    ]
    for values, message in cases:
        response = hr.post("/owner/hr/terbeschikkingstellingen/nieuw", data=form(world, **values))
        assert response.status_code == 422, values
        assert message in response.text, values
        # What the user typed stays in the form.
        assert 'value="Omgevingsambtenaar"' in response.text
    assert count(StaffSharing, world.tenants["owner"]) == 0
    assert count(StaffSharingApproval, world.tenants["partner"]) == 0
    # More than 100% of one employee in overlapping periods is refused.
    make_sharing(world, "Els Maes", share=70)
    over = hr.post("/owner/hr/terbeschikkingstellingen/nieuw", data=form(world, share_percent="40"))
    assert over.status_code == 422 and "meer dan 100%" in over.text
    assert count(StaffSharing, world.tenants["owner"]) == 1


def test_api_staff_sharing(client, world):
    headers = token_headers(world.user("owner", "hr"))
    body = {
        "host_tenant_id": world.tenants["partner"].id,
        "employee_name": "Luc Wouters",
        "share_percent": 20,
        "starts_on": clock.today().isoformat(),
        "ends_on": (clock.today() + timedelta(days=30)).isoformat(),
    }
    created = client.post("/api/v1/staff-sharings", json=body, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["status"] == "aangevraagd" and created.json["host"]["slug"] == "partner"
    sharing_id = created.json["id"]
    bad = client.post("/api/v1/staff-sharings", json={**body, "share_percent": 0}, headers=headers)
    assert bad.status_code == 422
    listing = client.get("/api/v1/staff-sharings", headers=headers)
    assert [i["id"] for i in listing.json["items"]] == [sharing_id]

    home_ad = token_headers(world.user("owner", "ad"))
    decided = client.post(f"/api/v1/staff-sharings/{sharing_id}/decision", json={"decision": "goedgekeurd"},
                          headers=home_ad)  # fmt: skip
    assert decided.status_code == 200 and decided.json["home_decision"] == "goedgekeurd"
    host_ad = token_headers(world.user("partner", "ad"))
    received = client.get("/api/v1/staff-sharing-approvals", headers=host_ad).json["items"]
    assert len(received) == 1 and received[0]["home"]["slug"] == "owner"
    approval_id = received[0]["id"]
    assert client.get(f"/api/v1/staff-sharings/{sharing_id}", headers=host_ad).status_code == 404
    done = client.post(f"/api/v1/staff-sharing-approvals/{approval_id}/decision", json={"decision": "goedgekeurd"},
                       headers=host_ad)  # fmt: skip
    assert done.status_code == 200 and done.json["status"] == "goedgekeurd"
    overview = client.get("/api/v1/staff-sharings/overview", headers=host_ad).json
    assert overview["received"] == "0.2"
    outsider = token_headers(world.user("outsider", "ad"))
    assert client.get(f"/api/v1/staff-sharing-approvals/{approval_id}", headers=outsider).status_code == 404
    assert client.get("/api/v1/staff-sharing-approvals", headers=outsider).json["items"] == []
