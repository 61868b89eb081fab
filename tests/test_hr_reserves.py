"""Gedeelde HR: werfreserve with ranked laureates; consenting candidates offered to partners on approval."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from portal.core.notifications import Notification
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr.models import Reserve, ReserveCandidate, ReserveRequest, ReserveRequestDecision
from tenants.context import tenant_context
from tests import clock
from tests.conftest import login
from tests.matrix import token_headers


def make_reserve(world: Any, title: str = "Werfreserve deskundige HR", *, audience: str = "region") -> int:
    hr = world.user("owner", "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        data: dict[str, Any] = {"title": title, "grade": "B1", "selected_on": clock.today() - timedelta(days=7),
                                "valid_until": clock.today() + timedelta(days=365), "audience": audience}  # fmt: skip
        if audience == "region":
            data["region_id"] = world.regions["a"].id
        obj = ops.create_reserve(data, author_id=hr.id)
        for rank, name, share in ((1, "Eerste Laureaat", True), (2, "Tweede Laureaat", False), (3, "Derde", True)):
            ops.add_candidate(
                obj, {"rank": rank, "full_name": name, "email": f"l{rank}@example.org", "may_share": share}
            )
        db.session.commit()
        return obj.id


def candidate_id(world: Any, rank: int) -> int:
    with tenant_context(world.tenants["owner"].id):
        return db.session.scalar(select(ReserveCandidate.id).where(ReserveCandidate.rank == rank)) or 0


def client_for(app: Any, world: Any, tenant: str, role: str = "hr") -> Any:
    c = app.test_client()
    login(c, world.user(tenant, role))
    return c


def test_partner_sees_only_consenting_ranks_and_gets_the_contact_after_approval(app, world):
    reserve_id = make_reserve(world)
    partner = client_for(app, world, "partner")
    page = partner.get(f"/partner/hr/werfreserves/{reserve_id}")
    assert page.status_code == 200
    assert "Kandidaat 1" in page.text and "Kandidaat 3" in page.text and "Kandidaat 2" not in page.text
    # No names or e-mail addresses leave the owner before approval.
    assert "Laureaat" not in page.text and "example.org" not in page.text

    first = candidate_id(world, 1)
    response = partner.post(
        "/partner/hr/werfreserve-aanvragen/nieuw", data={"reserve_id": reserve_id, "candidate_id": first}
    )
    assert response.status_code == 200 and "Aangevraagd" in response.text and "Laureaat" not in response.text
    with tenant_context(world.tenants["partner"].id):
        request = db.session.scalar(select(ReserveRequest))
        assert request is not None and request.candidate_name is None
        request_id = request.id
    with tenant_context(world.tenants["owner"].id):
        decision_id = db.session.scalar(select(ReserveRequestDecision.id))
    asked = db.session.scalars(select(Notification.user_id).where(Notification.title.contains("werfreserve gevraagd")))
    assert world.user("owner", "hr").id in list(asked)
    # The partner cannot decide on the owner's row; the owner's HR can.
    assert partner.post(f"/partner/hr/werfreserve-beslissingen/{decision_id}",
                        data={"decision": "goedgekeurd"}).status_code == 404  # fmt: skip
    owner = client_for(app, world, "owner")
    decided = owner.post(f"/owner/hr/werfreserve-beslissingen/{decision_id}", data={"decision": "goedgekeurd"})
    assert decided.status_code == 302
    detail = partner.get(f"/partner/hr/werfreserve-aanvragen/{request_id}")
    assert "Eerste Laureaat" in detail.text and "l1@example.org" in detail.text and "Goedgekeurd" in detail.text
    # Asking again for the same candidate is refused.
    again = partner.post(
        "/partner/hr/werfreserve-aanvragen/nieuw", data={"reserve_id": reserve_id, "candidate_id": first}
    )
    assert again.status_code == 409
    with tenant_context(world.tenants["partner"].id):
        assert db.session.scalar(select(func.count()).select_from(ReserveRequest)) == 1


def test_non_consenting_or_unknown_candidates_cannot_be_requested(app, world):
    reserve_id = make_reserve(world)
    partner = client_for(app, world, "partner")
    for cid in (candidate_id(world, 2), 999999):
        response = partner.post(
            "/partner/hr/werfreserve-aanvragen/nieuw", data={"reserve_id": reserve_id, "candidate_id": cid}
        )
        assert response.status_code == 409 and "niet (meer) aangeboden" in response.text
    bad = partner.post("/partner/hr/werfreserve-aanvragen/nieuw", data={"reserve_id": reserve_id, "candidate_id": "x"})
    assert bad.status_code == 422
    # The owner does not ask for its own candidates; outsiders do not see the reserve at all.
    ask = {"reserve_id": reserve_id, "candidate_id": candidate_id(world, 1)}
    own = client_for(app, world, "owner").post("/owner/hr/werfreserve-aanvragen/nieuw", data=ask)
    assert own.status_code == 403
    outsider = client_for(app, world, "outsider")
    assert outsider.get(f"/outsider/hr/werfreserves/{reserve_id}").status_code == 404
    foreign = outsider.post("/outsider/hr/werfreserve-aanvragen/nieuw",
                            data={"reserve_id": reserve_id, "candidate_id": candidate_id(world, 1)})  # fmt: skip
    assert foreign.status_code == 404 and "Werfreserve deskundige HR" not in foreign.text
    with tenant_context(world.tenants["partner"].id):
        assert db.session.scalar(select(func.count()).select_from(ReserveRequest)) == 0


def test_expired_reserve_offers_nobody(app, world):
    reserve_id = make_reserve(world)
    with tenant_context(world.tenants["owner"].id):
        db.session.get_one(Reserve, reserve_id).valid_until = clock.today() - timedelta(days=1)
        db.session.commit()
    partner = client_for(app, world, "partner")
    page = partner.get(f"/partner/hr/werfreserves/{reserve_id}")
    assert "verlopen" in page.text and "Kandidaat 1" not in page.text
    late = partner.post(
        "/partner/hr/werfreserve-aanvragen/nieuw",
        data={"reserve_id": reserve_id, "candidate_id": candidate_id(world, 1)},
    )
    assert late.status_code == 409


def test_refusal_and_withdrawal_are_mirrored(app, world):
    reserve_id = make_reserve(world)
    partner = client_for(app, world, "partner")
    partner.post(
        "/partner/hr/werfreserve-aanvragen/nieuw",
        data={"reserve_id": reserve_id, "candidate_id": candidate_id(world, 1)},
    )
    partner.post(
        "/partner/hr/werfreserve-aanvragen/nieuw",
        data={"reserve_id": reserve_id, "candidate_id": candidate_id(world, 3)},
    )
    with tenant_context(world.tenants["partner"].id):
        first, third = db.session.scalars(select(ReserveRequest.id).order_by(ReserveRequest.rank)).all()
    with tenant_context(world.tenants["owner"].id):
        first_decision = db.session.scalar(select(ReserveRequestDecision.id).order_by(ReserveRequestDecision.id))
    owner = client_for(app, world, "owner")
    owner.post(f"/owner/hr/werfreserve-beslissingen/{first_decision}", data={"decision": "geweigerd"})
    assert (
        partner.post(f"/partner/hr/werfreserve-aanvragen/{third}", data={"decision": "ingetrokken"}).status_code == 302
    )
    with tenant_context(world.tenants["partner"].id):
        db.session.expire_all()
        statuses = dict(db.session.execute(select(ReserveRequest.id, ReserveRequest.status)).all())
        assert statuses == {first: "geweigerd", third: "ingetrokken"}
        assert db.session.get_one(ReserveRequest, first).candidate_name is None
    with tenant_context(world.tenants["owner"].id):
        assert sorted(db.session.scalars(select(ReserveRequestDecision.status))) == ["geweigerd", "ingetrokken"]


def test_bad_reserve_and_candidate_input(app, world):
    hr = client_for(app, world, "owner")
    form = {"title": "Werfreserve jurist", "grade": "A1a", "selected_on": clock.today().isoformat(),
            "valid_until": (clock.today() - timedelta(days=1)).isoformat(), "audience": "own"}  # fmt: skip
    bad = hr.post("/owner/hr/werfreserves/nieuw", data=form)
    assert (
        bad.status_code == 422
        and "eindigt voor de selectiedatum" in bad.text
        and 'value="Werfreserve jurist"' in bad.text
    )
    reserve_id = make_reserve(world)
    taken = hr.post(f"/owner/hr/werfreserves/{reserve_id}/kandidaten",
                    data={"rank": "1", "full_name": "Nog Iemand", "email": "n@example.org"})  # fmt: skip
    assert taken.status_code == 422 and "al ingenomen" in taken.text and 'value="Nog Iemand"' in taken.text
    mail = hr.post(f"/owner/hr/werfreserves/{reserve_id}/kandidaten",
                   data={"rank": "4", "full_name": "Nog Iemand", "email": "geen-adres"})  # fmt: skip
    assert mail.status_code == 422 and "geldig e-mailadres" in mail.text
    with tenant_context(world.tenants["owner"].id):
        assert db.session.scalar(select(func.count()).select_from(ReserveCandidate)) == 3
    # Only HR handles reserves.
    assert client_for(app, world, "owner", "dienst").get(f"/owner/hr/werfreserves/{reserve_id}").status_code == 403


def test_api_reserve(client, world):
    reserve_id = make_reserve(world)
    owner = token_headers(world.user("owner", "hr"))
    detail = client.get(f"/api/v1/reserves/{reserve_id}", headers=owner).json
    assert [c["rank"] for c in detail["candidates"]] == [1, 2, 3] and detail["offered"] == []
    partner = token_headers(world.user("partner", "hr"))
    seen = client.get(f"/api/v1/reserves/{reserve_id}", headers=partner).json
    assert seen["candidates"] == [] and [c["rank"] for c in seen["offered"]] == [1, 3]
    body = {"reserve_id": reserve_id, "candidate_id": seen["offered"][0]["id"]}
    made = client.post("/api/v1/reserve-requests", json=body, headers=partner)
    assert made.status_code == 201 and made.json["candidate_name"] is None
    decisions = client.get("/api/v1/reserve-decisions", headers=owner).json
    assert [d["requester"]["slug"] for d in decisions] == ["partner"]
    done = client.post(
        f"/api/v1/reserve-decisions/{decisions[0]['id']}", json={"decision": "goedgekeurd"}, headers=owner
    )
    assert done.status_code == 200
    mine = client.get(f"/api/v1/reserve-requests/{made.json['id']}", headers=partner).json
    assert mine["candidate_name"] == "Eerste Laureaat"
    outsider = token_headers(world.user("outsider", "hr"))
    assert client.get(f"/api/v1/reserves/{reserve_id}", headers=outsider).status_code == 404
    assert client.post("/api/v1/reserve-requests", json={"reserve_id": reserve_id, "candidate_id": 1},
                       headers=outsider).status_code == 404  # fmt: skip
    laureate = {"rank": 9, "full_name": "Via API", "email": "api@example.org"}
    created = client.post(f"/api/v1/reserves/{reserve_id}/candidates", json=laureate, headers=owner)
    assert created.status_code == 201
    other = client.post(f"/api/v1/reserves/{reserve_id}/candidates", json={**laureate, "rank": 10}, headers=partner)
    assert other.status_code == 404


def test_laureates_of_a_long_expired_reserve_are_anonymised(app, world):
    reserve_id = make_reserve(world)
    keep_id = make_reserve(world, "Werfreserve die nog loopt")
    owner_id = world.tenants["owner"].id
    with tenant_context(owner_id):
        db.session.get_one(Reserve, reserve_id).valid_until = clock.today() - timedelta(days=400)
        db.session.commit()
        assert ops.anonymise_expired(owner_id) == 3
        db.session.commit()
        names = dict(db.session.execute(select(ReserveCandidate.full_name, ReserveCandidate.reserve_id)).all())
        assert "Eerste Laureaat" in names and names["Eerste Laureaat"] == keep_id
        erased = db.session.scalars(select(ReserveCandidate).where(ReserveCandidate.reserve_id == reserve_id)).all()
        assert {c.full_name for c in erased} == {"Geanonimiseerd"} and not any(c.may_share for c in erased)
        # Running it again changes nothing.
        assert ops.anonymise_expired(owner_id) == 0


def test_hired_laureate_is_no_longer_offered(app, world):
    reserve_id = make_reserve(world)
    owner = client_for(app, world, "owner")
    first = candidate_id(world, 1)
    assert owner.post(f"/owner/hr/werfreserves/kandidaten/{first}", data={"status": "aangeworven"}).status_code == 302
    assert "Aangeworven" in owner.get(f"/owner/hr/werfreserves/{reserve_id}").text
    page = client_for(app, world, "partner").get(f"/partner/hr/werfreserves/{reserve_id}")
    assert "Kandidaat 1" not in page.text and "Kandidaat 3" in page.text
    bad = owner.post(f"/owner/hr/werfreserves/kandidaten/{first}", data={"status": "weg"})
    assert bad.status_code == 422
    # A partner cannot change the owner's laureates.
    partner = client_for(app, world, "partner")
    assert partner.post(f"/partner/hr/werfreserves/kandidaten/{first}", data={"status": "actief"}).status_code == 404
