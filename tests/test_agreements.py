"""Cooperation agreements: drafting, each party's own decision, activation, sharing, withdrawal,
versions, evaluations, the matrix and the exports."""

from __future__ import annotations

import gc
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.agreements import operations as ops
from portal.agreements.models import Agreement, AgreementApproval, Evaluation
from portal.dashboard.models import Announcement
from portal.extensions import db
from tasks.agreements import daily
from tenants.context import tenant_context
from tenants.models import ShareGrant
from tenants.sharing import set_audience
from tests import clock
from tests.conftest import login
from tests.matrix import announce, approve, make_agreement, secret, third_party, token_headers

FORM = {
    "title": "Gedeelde hoogtewerker",
    "legal_form": "overeenkomst",
    "domains": ["materieel", "communicatie"],
    "start_date": "2026-01-01",
    "end_date": "2029-12-31",
    "notice_months": "6",
    "evaluation_months": "12",
    "renewal_rule": "stilzwijgend met 3 jaar",
    "cost_key": "volgens inwonersaantal",
    "text_html": "<p>Artikel 1</p><script>alert(1)</script>",
}


def _get(agreement_id: int, tenant) -> Agreement:
    """Load an agreement as ``tenant`` sees it, with its parties and versions (read inside the context:
    on PostgreSQL row-level security hides them outside it)."""
    with tenant_context(tenant.id):
        db.session.expire_all()
        found = db.session.get(Agreement, agreement_id)
        assert found is not None
        _ = [(p.tenant, p.withdrawn_on) for p in found.parties], list(found.versions)
        return found


def _count(model) -> int:
    with tenant_context(None, is_platform=True):
        return len(db.session.scalars(select(model.id)).all())


# -- drafting ----------------------------------------------------------------------------------


def test_ad_drafts_an_agreement_through_the_form(client, world):
    login(client, world.user("owner", "ad"))
    form = {**FORM, "partner_ids": [str(world.tenants["partner"].id)]}
    response = client.post("/owner/overeenkomsten/nieuw", data=form)
    assert response.status_code == 302
    agreement_id = int(response.headers["Location"].rsplit("/", 1)[1])
    agreement = _get(agreement_id, world.tenants["owner"])
    assert agreement.status == "ontwerp" and agreement.proposed_version == 1 and agreement.current_version is None
    assert {(p.tenant.slug, p.role) for p in agreement.parties} == {("owner", "trekker"), ("partner", "partner")}
    assert agreement.versions[0].text_html == "<p>Artikel 1</p>"  # sanitised
    page = client.get(f"/owner/overeenkomsten/{agreement_id}").text
    assert "Gedeelde hoogtewerker" in page and "Ontwerp" in page and "Gemeente Partner" in page


def test_end_before_start_is_refused_in_dutch_and_keeps_the_input(client, world):
    login(client, world.user("owner", "ad"))
    before = _count(Agreement)
    form = {**FORM, "end_date": "2025-06-30", "partner_ids": [str(world.tenants["partner"].id)]}
    response = client.post("/owner/overeenkomsten/nieuw", data=form)
    assert response.status_code == 422
    assert "De einddatum moet na de begindatum liggen." in response.text
    assert 'value="Gedeelde hoogtewerker"' in response.text
    assert _count(Agreement) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"domains": []}, "Kies minstens één domein."),
        ({"domains": ["ruimtevaart"]}, "Kies een domein uit de lijst."),
        ({"legal_form": "nv"}, "Kies een rechtsvorm uit de lijst."),
        ({"notice_months": "99"}, "Kies een opzegtermijn van 0 tot 60 maanden."),
        ({"start_date": "31/02/2026"}, "Geef een geldige datum (JJJJ-MM-DD)."),
        ({"title": "x"}, "De titel moet tussen 3 en 200 tekens lang zijn."),
    ],
)
def test_bad_drafts_are_refused(client, world, change, message):
    login(client, world.user("owner", "ad"))
    before = _count(Agreement)
    form = {**FORM, "partner_ids": [str(world.tenants["partner"].id)], **change}
    response = client.post("/owner/overeenkomsten/nieuw", data=form)
    assert response.status_code == 422
    assert message in response.text
    assert _count(Agreement) == before


def test_parties_must_be_current_partners(client, world):
    login(client, world.user("owner", "ad"))
    for foreign in ("outsider", "former"):
        form = {**FORM, "partner_ids": [str(world.tenants[foreign].id)]}
        response = client.post("/owner/overeenkomsten/nieuw", data=form)
        assert response.status_code == 422
        assert "Partijen moeten partnerbesturen uit je samenwerkingsverbanden zijn." in response.text


@pytest.mark.parametrize("role", ["dienst", "raadslid", "hr", "expert"])
def test_only_ad_or_beheerder_drafts(client, world, role):
    login(client, world.user("owner", role))
    assert client.get("/owner/overeenkomsten/nieuw").status_code == 403
    form = {**FORM, "partner_ids": [str(world.tenants["partner"].id)]}
    assert client.post("/owner/overeenkomsten/nieuw", data=form).status_code == 403


# -- approval by each party --------------------------------------------------------------------


def test_each_party_approves_for_itself_and_the_agreement_becomes_active(client, world, mailbox):
    third = third_party(world)
    agreement_id = make_agreement(
        world, "Drie partijen", parties=(world.tenants["partner"], third), domains=("materieel", "ict")
    )
    login(client, world.user("owner", "ad"))
    assert client.post(f"/owner/overeenkomsten/{agreement_id}/voorleggen").status_code == 303
    assert _get(agreement_id, world.tenants["owner"]).status == "ter_goedkeuring"
    # The ADs of the parties are asked for their council's decision, by e-mail too.
    mailbox.wait(3)
    asked = {m["To"] for m in mailbox.messages if "Goedkeuring gevraagd" in (m["Subject"] or "")}
    assert {"ad@owner.test", "ad@partner.test", f"ad@{third.slug}.test"} <= asked

    decision = {"body": "gemeenteraad", "decision": "goedgekeurd", "decided_on": "2026-02-01", "reference": "GR-1"}
    # The link to the published decision is optional: the empty field of the form is fine.
    response = client.post(f"/owner/overeenkomsten/{agreement_id}/beslissing", data={**decision, "url": ""})
    assert response.status_code == 303
    bad_link = {**decision, "url": "javascript:alert(1)"}
    partner = client.application.test_client()
    login(partner, world.user("partner", "ad"))
    refused = partner.post(f"/partner/overeenkomsten/{agreement_id}/beslissing", data=bad_link)
    assert refused.status_code == 422 and "Geef een geldige URL." in refused.text
    assert partner.post(f"/partner/overeenkomsten/{agreement_id}/beslissing", data=decision).status_code == 303
    assert _get(agreement_id, world.tenants["owner"]).status == "ter_goedkeuring"  # the third has not decided
    page = client.get(f"/owner/overeenkomsten/{agreement_id}").text
    assert "Beslissing afwachten" in page

    # The third party decides through the API with a personal token.
    with tenant_context(third.id):
        from portal.auth.models import User

        third_ad = db.session.scalar(select(User).where(User.email == f"ad@{third.slug}.test"))
    response = client.application.test_client().post(
        f"/api/v1/agreements/{agreement_id}/approvals", json=decision, headers=token_headers(third_ad)
    )
    assert response.status_code == 201, response.json
    agreement = _get(agreement_id, world.tenants["owner"])
    assert agreement.status == "actief" and agreement.current_version == 1 and agreement.proposed_version is None
    assert agreement.activated_on is not None
    # Sharing follows the agreement: every party shares both domains with every other party.
    with tenant_context(None, is_platform=True):
        pass
    for party in (world.tenants["owner"], world.tenants["partner"], third):
        with tenant_context(party.id):
            grants = db.session.scalars(
                select(ShareGrant).where(
                    ShareGrant.tenant_id == party.id, ShareGrant.source == f"agreement:{agreement_id}"
                )
            ).all()
            assert {(g.domain, g.revoked_at) for g in grants} == {("materieel", None), ("ict", None)}
            assert len(grants) == 4


def test_no_municipality_decides_for_another(client, world):
    third = third_party(world)
    agreement_id = make_agreement(world, "Niet voor een ander", parties=(third,), status="ter_goedkeuring")
    decision = {"body": "college", "decision": "goedgekeurd", "decided_on": "2026-02-01", "reference": "CBS-7"}
    # The partner is no party: the agreement does not exist for it.
    login(client, world.user("partner", "ad"))
    assert client.post(f"/partner/overeenkomsten/{agreement_id}/beslissing", data=decision).status_code == 404
    # The owner's AD records only the owner's decision, never the third's.
    owner = client.application.test_client()
    login(owner, world.user("owner", "ad"))
    assert owner.post(f"/owner/overeenkomsten/{agreement_id}/beslissing", data=decision).status_code == 303
    with tenant_context(world.tenants["owner"].id):
        rows = db.session.execute(
            select(AgreementApproval.party_tenant_id).where(AgreementApproval.agreement_id == agreement_id)
        ).all()
    assert rows == [(world.tenants["owner"].id,)]


def test_duplicate_decision_is_a_conflict_and_changes_nothing(client, world):
    agreement_id = make_agreement(world, "Dubbel", status="ter_goedkeuring")
    login(client, world.user("owner", "ad"))
    decision = {"body": "gemeenteraad", "decision": "goedgekeurd", "decided_on": "2026-02-01", "reference": "GR-1"}
    assert client.post(f"/owner/overeenkomsten/{agreement_id}/beslissing", data=decision).status_code == 303
    again = client.post(f"/owner/overeenkomsten/{agreement_id}/beslissing", data={**decision, "reference": "GR-2"})
    assert again.status_code in (303, 409)
    api = client.application.test_client().post(
        f"/api/v1/agreements/{agreement_id}/approvals", json=decision, headers=token_headers(world.user("owner", "ad"))
    )
    assert api.status_code == 409
    assert "al een beslissing" in api.json["detail"]
    with tenant_context(world.tenants["owner"].id):
        refs = db.session.scalars(
            select(AgreementApproval.reference).where(AgreementApproval.agreement_id == agreement_id)
        ).all()
    assert refs == ["GR-1"]


def test_decision_needs_the_ad_and_a_real_date(client, world):
    agreement_id = make_agreement(world, "Enkel de AD", status="ter_goedkeuring")
    decision = {"body": "gemeenteraad", "decision": "goedgekeurd", "decided_on": "2026-02-01", "reference": "GR-1"}
    login(client, world.user("owner", "beheerder"))
    assert client.post(f"/owner/overeenkomsten/{agreement_id}/beslissing", data=decision).status_code == 403
    ad = client.application.test_client()
    login(ad, world.user("owner", "ad"))
    future = (clock.today() + timedelta(days=30)).isoformat()
    response = ad.post(f"/owner/overeenkomsten/{agreement_id}/beslissing", data={**decision, "decided_on": future})
    assert response.status_code == 422
    assert "De beslissingsdatum ligt in de toekomst." in response.text
    response = ad.post(f"/owner/overeenkomsten/{agreement_id}/beslissing", data={**decision, "reference": ""})
    assert response.status_code == 422 and "Geef de referentie van de beslissing." in response.text


def test_a_rejection_keeps_the_agreement_pending_and_tells_the_trekker(client, world, mailbox):
    agreement_id = make_agreement(world, "Afgekeurd", status="ter_goedkeuring")
    approve(agreement_id, world.tenants["partner"], decision="afgekeurd")
    assert _get(agreement_id, world.tenants["owner"]).status == "ter_goedkeuring"
    subjects = [m["Subject"] for m in mailbox.wait(3) if m["To"] == "ad@owner.test"]
    assert any("afgekeurd door Gemeente Partner" in (s or "") for s in subjects)


# -- sharing follows agreements ----------------------------------------------------------------


def test_active_agreement_opens_the_domain_and_withdrawal_closes_it(client, world):
    """End to end with the foundation's shareable test model (announcements, domain "algemeen")."""
    third = third_party(world)
    title = secret("Gedeelde mededeling")
    # Owner shares an announcement with chosen partners (the partner only).
    announce(world, title, audience="partners", partners=("partner",))
    with tenant_context(None, is_platform=True):
        from portal.auth.models import User

        third_ad = db.session.scalar(select(User).where(User.email == f"ad@{third.slug}.test"))
    third_client = client.application.test_client()
    login(third_client, third_ad)
    assert title not in third_client.get(f"/{third.slug}/mededelingen").text

    agreement_id = make_agreement(
        world, "Communicatie", parties=(third,), status="actief", domains=("communicatie",), notice_months=0
    )
    assert _get(agreement_id, world.tenants["owner"]).status == "actief"
    assert title in third_client.get(f"/{third.slug}/mededelingen").text

    # The third withdraws (no notice period): its access ends at once, both ways.
    assert third_client.post(f"/{third.slug}/overeenkomsten/{agreement_id}/terugtrekken").status_code == 303
    assert title not in third_client.get(f"/{third.slug}/mededelingen").text
    agreement = _get(agreement_id, world.tenants["owner"])
    assert agreement.status == "beeindigd"  # one party left
    assert agreement.party(third.id).withdrawn_on == clock.today()


def test_withdrawal_with_notice_ends_sharing_when_it_takes_effect(world):
    third = third_party(world)
    agreement_id = make_agreement(world, "Met opzeg", parties=(world.tenants["partner"], third), status="actief")
    with tenant_context(third.id):
        agreement = db.session.get(Agreement, agreement_id)
        party = ops.withdraw(agreement)
        db.session.commit()
        effective = party.withdrawal_effective_on
    assert effective == ops.add_months(clock.today(), 6)
    with tenant_context(world.tenants["owner"].id):
        grants = db.session.scalars(
            select(ShareGrant).where(
                ShareGrant.source == f"agreement:{agreement_id}", ShareGrant.grantee_tenant_id == third.id
            )
        ).all()
        assert grants and all(g.revoked_at is None and g.expires_at is not None for g in grants)
        assert {g.expires_at.date() for g in grants} <= {
            party.withdrawal_effective_on,
            party.withdrawal_effective_on - timedelta(days=1),
        }
    # Owner and partner keep sharing with each other.
    assert _get(agreement_id, world.tenants["owner"]).status == "actief"


def test_two_party_agreement_runs_through_the_notice_period_and_ends_when_it_takes_effect(world, mailbox):
    agreement_id = make_agreement(world, secret("Met z'n tweeën"), status="actief")
    with tenant_context(world.tenants["partner"].id):
        party = ops.withdraw(db.session.get(Agreement, agreement_id))
        db.session.commit()
        assert party.withdrawal_effective_on == ops.add_months(clock.today(), 6)
    # One party is left, but the notice period runs: the agreement and its sharing go on.
    assert _get(agreement_id, world.tenants["owner"]).status == "actief"
    assert daily.apply().get()["ended"] == 0
    assert _get(agreement_id, world.tenants["owner"]).status == "actief"
    # Six months later (moved back here), the daily task ends it on the day the withdrawal took effect.
    effective = clock.today() - timedelta(days=2)
    with tenant_context(world.tenants["partner"].id):
        row = _get(agreement_id, world.tenants["partner"]).party(world.tenants["partner"].id)
        row.withdrawn_on = effective - timedelta(days=180)
        row.withdrawal_effective_on = effective
        db.session.commit()
    assert daily.apply().get()["ended"] == 1
    assert daily.apply().get()["ended"] == 0
    agreement = _get(agreement_id, world.tenants["owner"])
    assert (agreement.status, agreement.ended_on) == ("beeindigd", effective)


def test_withdrawing_from_a_draft_is_refused(client, world):
    agreement_id = make_agreement(world, "Nog ontwerp")
    login(client, world.user("partner", "ad"))
    response = client.post(f"/partner/overeenkomsten/{agreement_id}/terugtrekken", follow_redirects=True)
    assert "Terugtrekken kan alleen uit een overeenkomst die ter goedkeuring ligt of actief is." in response.text
    assert _get(agreement_id, world.tenants["owner"]).party(world.tenants["partner"].id).withdrawn_on is None


def test_ending_revokes_every_grant(world):
    agreement_id = make_agreement(world, "Einde", status="actief")
    with tenant_context(world.tenants["owner"].id):
        ops.end_agreement(db.session.get(Agreement, agreement_id))
        db.session.commit()
    for slug in ("owner", "partner"):
        with tenant_context(world.tenants[slug].id):
            grants = db.session.scalars(
                select(ShareGrant).where(
                    ShareGrant.source == f"agreement:{agreement_id}", ShareGrant.tenant_id == world.tenants[slug].id
                )
            ).all()
            assert grants and all(g.revoked_at is not None for g in grants)


# -- versions ----------------------------------------------------------------------------------


def test_a_new_version_needs_every_approval_again_while_the_old_stays_in_force(client, world):
    agreement_id = make_agreement(world, "Versies", status="actief")
    login(client, world.user("owner", "ad"))
    response = client.post(
        f"/owner/overeenkomsten/{agreement_id}/versies",
        data={"text_html": "<p>Nieuwe kostenverdeling</p>", "change_note": "Kostenverdeling per inwoner"},
    )
    assert response.status_code == 303
    agreement = _get(agreement_id, world.tenants["owner"])
    assert (agreement.status, agreement.current_version, agreement.proposed_version) == ("actief", 1, 2)
    approve(agreement_id, world.tenants["owner"])
    assert _get(agreement_id, world.tenants["owner"]).current_version == 1
    approve(agreement_id, world.tenants["partner"])
    agreement = _get(agreement_id, world.tenants["owner"])
    assert (agreement.current_version, agreement.proposed_version) == (2, None)
    assert "Nieuwe kostenverdeling" in client.get(f"/owner/overeenkomsten/{agreement_id}/versies/2").text
    assert "Tekst van Versies" in client.get(f"/owner/overeenkomsten/{agreement_id}/versies/1").text


def test_a_draft_cannot_be_edited_after_submission(client, world):
    agreement_id = make_agreement(world, "Vast", status="ter_goedkeuring")
    login(client, world.user("owner", "ad"))
    form = {**FORM, "partner_ids": [str(world.tenants["partner"].id)]}
    response = client.post(f"/owner/overeenkomsten/{agreement_id}/bewerken", data=form)
    assert response.status_code == 422
    assert "Alleen een ontwerp kan je nog wijzigen" in response.text
    assert _get(agreement_id, world.tenants["owner"]).title == "Vast"


# -- evaluations -------------------------------------------------------------------------------


def test_daily_task_schedules_evaluations_once_and_the_trekker_completes_them(client, world, mailbox):
    agreement_id = make_agreement(world, "Evalueren", status="actief", evaluation_months=6)
    with tenant_context(world.tenants["owner"].id):
        agreement = db.session.get(Agreement, agreement_id)
        agreement.activated_on = clock.today() - timedelta(days=200)
        db.session.commit()
    first = daily.apply().get()
    assert first["evaluations"] == 1
    assert daily.apply().get()["evaluations"] == 0  # idempotent
    agreement = _get(agreement_id, world.tenants["owner"])
    assert agreement.status == "te_evalueren"
    with tenant_context(world.tenants["owner"].id):
        evaluation = db.session.scalar(select(Evaluation).where(Evaluation.agreement_id == agreement_id))
        evaluation_id = evaluation.id
    assert any("Evaluatie te doen" in (m["Subject"] or "") for m in mailbox.wait(2))

    login(client, world.user("owner", "ad"))
    url = f"/owner/overeenkomsten/{agreement_id}/evaluaties/{evaluation_id}"
    bad = client.post(url, data={"score-doelen": "9", "outcome": "voortzetten", "recommendation": "Blijven doen"})
    assert bad.status_code == 422 and "Geef elk criterium een score van 1 tot 5." in bad.text
    assert "Blijven doen" in bad.text
    good = {f"score-{k}": "4" for k in ("doelen", "kosten", "werking", "burger")}
    response = client.post(url, data={**good, "outcome": "voortzetten", "recommendation": "Blijven doen"})
    assert response.status_code == 303
    assert _get(agreement_id, world.tenants["owner"]).status == "actief"
    partner = client.application.test_client()
    login(partner, world.user("partner", "raadslid"))
    page = partner.get(f"/partner/overeenkomsten/{agreement_id}/evaluaties/{evaluation_id}").text
    assert "Blijven doen" in page and "Voortzetten" in page


def test_due_dates_follow_the_cycle():
    agreement = Agreement(activated_on=date(2025, 1, 31), evaluation_months=12)
    assert ops.due_dates(agreement, date(2027, 2, 1)) == [date(2026, 1, 31), date(2027, 1, 31)]
    assert ops.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


# -- matrix, register, visibility ---------------------------------------------------------------


def test_matrix_shows_formal_and_informal_levels(client, world):
    make_agreement(world, "Materiaal", status="actief", domains=("materieel",))
    login(client, world.user("owner", "ad"))
    response = client.post(
        "/owner/overeenkomsten/matrix/informeel",
        data={"partner_tenant_id": str(world.tenants["partner"].id), "domain": "ict", "note": "Samen een DPO"},
    )
    assert response.status_code == 303
    page = client.get("/owner/overeenkomsten/matrix").text
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<th scope="row"[^>]*>([^<]+)</th>(.*?)</tr>', page, re.S)}
    levels = {name: re.findall(r'data-level="(\d)"', cells) for name, cells in rows.items()}
    # Domains in order: financieel, personeel, facility, ict, communicatie, aankoop, andere.
    assert levels["Gemeente Owner"] == ["0", "0", "2", "1", "0", "0", "0"]
    assert levels["Gemeente Partner"] == ["0", "0", "2", "1", "0", "0", "0"]
    assert "Gemeente Outsider" not in rows and "Gemeente Former" not in rows
    csv_text = client.get("/owner/overeenkomsten/matrix.csv").get_data(as_text=True)
    assert "Gemeente Owner;91001;0;0;2;1;0;0;0" in csv_text


def test_matrix_api_only_for_current_members(client, world):
    make_agreement(world, "API-matrix", status="actief", domains=("ict",))
    region = world.regions["a"].id
    owner = client.get(f"/api/v1/agreements/matrix/{region}", headers=token_headers(world.user("owner", "ad")))
    assert owner.status_code == 200
    rows = {r["tenant"]["slug"]: r["levels"] for r in owner.json["rows"]}
    assert rows["owner"]["ict"] == 2 and rows["partner"]["ict"] == 2
    for foreign in ("outsider", "former"):
        response = client.get(f"/api/v1/agreements/matrix/{region}", headers=token_headers(world.user(foreign, "ad")))
        assert response.status_code == 404


def test_region_members_see_only_the_summary_and_others_nothing(client, world):
    third = third_party(world)
    title = secret("Regiozicht")
    agreement_id = make_agreement(world, title, parties=(third,), status="actief", region_visible=True)
    login(client, world.user("partner", "ad"))  # region member, no party
    page = client.get(f"/partner/overeenkomsten/{agreement_id}")
    assert page.status_code == 200 and title in page.text
    assert "enkel zichtbaar voor de partijen" in page.text and f"Tekst van {title}" not in page.text
    # Title, parties and status only: no domains, legal form or term.
    assert "Samenwerkingsovereenkomst zonder rechtspersoonlijkheid" not in page.text
    assert "Looptijd" not in page.text and "Materieel en zalen</dd>" not in page.text
    listing = client.get("/partner/overeenkomsten").text
    assert title in listing and "<td>Materieel en zalen</td>" not in listing
    owner = client.application.test_client()
    login(owner, world.user("owner", "ad"))
    assert "<td>Materieel en zalen</td>" in owner.get("/owner/overeenkomsten").text
    assert client.get(f"/partner/overeenkomsten/{agreement_id}/versies/1").status_code == 404
    api = client.get(f"/api/v1/agreements/{agreement_id}", headers=token_headers(world.user("partner", "ad")))
    assert api.status_code == 200 and "cost_key" not in api.json and api.json["title"] == title
    assert set(api.json) == {"id", "title", "status", "trekker", "parties"}
    party_view = client.application.test_client().get(
        f"/api/v1/agreements/{agreement_id}", headers=token_headers(world.user("owner", "ad"))
    )
    assert party_view.json["legal_form"] == "overeenkomst" and party_view.json["domains"] == ["materieel"]
    for foreign in ("outsider", "former"):
        other = client.application.test_client()
        login(other, world.user(foreign, "ad"))
        assert other.get(f"/{foreign}/overeenkomsten/{agreement_id}").status_code == 404
        assert title not in other.get(f"/{foreign}/overeenkomsten").text
        assert title not in other.get(f"/{foreign}/overeenkomsten/register.csv").get_data(as_text=True)


def test_list_filters_by_status_and_counts(client, world):
    make_agreement(world, "Actief een", status="actief")
    make_agreement(world, "Nog een ontwerp")
    login(client, world.user("owner", "ad"))
    page = client.get("/owner/overeenkomsten?status=actief").text
    assert "Actief een" in page and "Nog een ontwerp" not in page
    assert "Actief (1)" in page and "Ontwerp (1)" in page


def test_announcement_unaffected_by_other_tenants_agreements(world):
    """An agreement between owner and partner opens nothing to the outsider."""
    title = secret("Niet voor buiten")
    announce(world, title, audience="partners", partners=("partner",))
    make_agreement(world, "Samen", status="actief", domains=("communicatie",))
    with tenant_context(world.tenants["outsider"].id):
        assert db.session.scalar(select(Announcement).where(Announcement.title == title)) is None


# -- attachments -------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _upload(client, agreement_id: int, name: str, data: bytes, slug: str = "owner"):
    from io import BytesIO

    return client.post(
        f"/{slug}/overeenkomsten/{agreement_id}/bijlagen",
        data={"file": (BytesIO(data), name), "version": "1"},
        content_type="multipart/form-data",
    )


def test_trekker_attaches_a_pdf_that_parties_download(client, world):
    agreement_id = make_agreement(world, "Met bijlage", status="ter_goedkeuring")
    login(client, world.user("owner", "ad"))
    assert _upload(client, agreement_id, "../../Bijlage 1 ontwerp.pdf", PDF).status_code == 303
    page = client.get(f"/owner/overeenkomsten/{agreement_id}").text
    link = re.search(r'href="(/owner/overeenkomsten/\d+/bijlagen/\d+)">([^<]+)<', page)
    assert link and link.group(2) == "Bijlage 1 ontwerp.pdf"  # no path from the upload's name
    download = client.get(link.group(1))
    assert download.data == PDF and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    partner = client.application.test_client()
    login(partner, world.user("partner", "raadslid"))
    assert partner.get(link.group(1).replace("/owner/", "/partner/")).data == PDF
    # The same file twice on one version is a conflict.
    assert _upload(client, agreement_id, "nogmaals.pdf", PDF).status_code == 409


@pytest.mark.parametrize(
    ("name", "data", "status", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00 not a pdf", 422, "Enkel PDF-, DOCX- of ODT-bestanden zijn toegelaten."),
        ("tekst.exe", PDF, 422, "Enkel PDF-, DOCX- of ODT-bestanden zijn toegelaten."),
        ("leeg.pdf", b"", 422, "Het bestand is leeg."),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_stored(client, world, name, data, status, message):
    from portal.agreements.models import AgreementAttachment

    agreement_id = make_agreement(world, "Geen rommel", status="ter_goedkeuring")
    login(client, world.user("owner", "ad"))
    response = _upload(client, agreement_id, name, data)
    assert response.status_code == status
    assert message in response.text
    assert _count(AgreementAttachment) == 0


def test_oversized_attachment_is_413_in_dutch(client, world):
    from portal.agreements.models import AgreementAttachment

    agreement_id = make_agreement(world, "Te groot", status="ter_goedkeuring")
    login(client, world.user("owner", "ad"))
    response = _upload(client, agreement_id, "groot.pdf", PDF + b"0" * (10 * 1024 * 1024))
    assert response.status_code == 413
    assert "De aanvraag of het bestand is te groot." in response.text
    assert _count(AgreementAttachment) == 0
    gc.collect()  # an unclosed spool file would warn here, under filterwarnings = error


def test_only_the_trekker_attaches(client, world):
    agreement_id = make_agreement(world, "Enkel trekker", status="ter_goedkeuring")
    login(client, world.user("partner", "ad"))
    assert _upload(client, agreement_id, "a.pdf", PDF, slug="partner").status_code == 404
    other = client.application.test_client()
    login(other, world.user("owner", "dienst"))
    assert _upload(other, agreement_id, "a.pdf", PDF).status_code == 403


# -- register exports (CSV and XLSX) -------------------------------------------------------------

REGISTER_HEADER = ["Nummer", "Titel", "Status", "Trekker", "Partijen", "Inzage", "Domeinen", "Rechtsvorm"]


def _xlsx_rows(response) -> list[list]:
    from io import BytesIO

    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(BytesIO(response.data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _cells(rows: list[list]) -> str:
    return "\n".join(" | ".join("" if v is None else str(v) for v in row) for row in rows)


def _register_world(world):
    """Three agreements of the owner: with the partner, shared with region A without the partner, private."""
    third = third_party(world)
    joint = secret("Samen met partner")
    make_agreement(world, joint, status="actief", cost_key=secret("Kostensleutel partner"))
    summary = secret("Enkel samenvatting")
    canary = secret("Kanarie kostensleutel")
    make_agreement(world, summary, parties=(third,), status="actief", region_visible=True, cost_key=canary)
    private = secret("Niet zichtbaar")
    make_agreement(world, private, parties=(third,), status="actief", cost_key=secret("Geheime sleutel"))
    return third, joint, summary, canary, private


def test_municipality_register_lists_the_agreements_it_is_party_to_as_csv_and_xlsx(client, world):
    _third, joint, summary, canary, private = _register_world(world)
    login(client, world.user("partner", "ad"))
    response = client.get("/partner/overeenkomsten/register.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="overeenkomsten-partner.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff" + ";".join(REGISTER_HEADER))
    assert joint in text and "Samenwerkingsovereenkomst zonder rechtspersoonlijkheid" in text
    # Only the agreements the partner is party to: not the region's summary, never the private one.
    assert summary not in text and private not in text and canary not in text

    rows = _xlsx_rows(client.get("/partner/overeenkomsten/register.xlsx"))
    assert rows[0][: len(REGISTER_HEADER)] == REGISTER_HEADER
    (row,) = [r for r in rows[1:] if r[1] == joint]
    assert row[2] == "Actief" and row[3] == "Gemeente Owner" and row[5] == "partij"
    assert row[6] == "Materieel en zalen" and row[8] is not None  # the start date, as a date cell
    assert [r[1] for r in rows[1:]] == [joint]


def test_region_register_gives_non_parties_only_the_summary(client, world):
    third, joint, summary, canary, private = _register_world(world)
    region = world.regions["a"].id
    login(client, world.user("partner", "ad"))
    rows = _xlsx_rows(client.get(f"/partner/overeenkomsten/register.xlsx?regio={region}"))
    titles = {r[1]: r for r in rows[1:]}
    assert set(titles) == {joint, summary}
    # The partner is no party of the region-visible agreement: title, status and parties only.
    row = titles[summary]
    assert row[2] == "Actief" and row[5] == "samenvatting"
    assert third.name in row[4] and "Gemeente Owner" in row[4]
    assert all(v is None for v in row[6:])
    assert titles[joint][5] == "partij"
    assert canary not in _cells(rows) and private not in _cells(rows)
    text = client.get(f"/partner/overeenkomsten/register.csv?regio={region}").get_data(as_text=True)
    assert summary in text and canary not in text and private not in text

    # A party sees its terms in the same register.
    with tenant_context(third.id):
        from portal.auth.models import User

        third_ad = db.session.scalar(select(User).where(User.email == f"ad@{third.slug}.test"))
    party = client.application.test_client()
    login(party, third_ad)
    text = party.get(f"/{third.slug}/overeenkomsten/register.csv?regio={region}").get_data(as_text=True)
    assert canary in text and private in text and joint not in text


@pytest.mark.parametrize("foreign", ["outsider", "former"])
def test_region_register_is_404_for_non_members_and_their_own_register_is_clean(client, world, foreign):
    _third, joint, summary, canary, private = _register_world(world)
    login(client, world.user(foreign, "ad"))
    region = world.regions["a"].id
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/{foreign}/overeenkomsten/register.{fmt}?regio={region}")
        assert response.status_code == 404
        assert summary not in response.get_data(as_text=True)
    assert client.get(f"/{foreign}/overeenkomsten/register.csv?regio=abc").status_code == 404
    rows = _xlsx_rows(client.get(f"/{foreign}/overeenkomsten/register.xlsx"))
    for text in (joint, summary, canary, private):
        assert text not in _cells(rows)
    assert client.get(f"/{foreign}/overeenkomsten/register.ods").status_code == 404


def test_matrix_export_as_xlsx(client, world):
    make_agreement(world, "Matrix in Excel", status="actief", domains=("ict",))
    login(client, world.user("owner", "ad"))
    rows = _xlsx_rows(client.get("/owner/overeenkomsten/matrix.xlsx"))
    assert rows[0][:3] == ["Bestuur", "NIS-code", "Financieel management"]
    levels = {r[0]: r[2:] for r in rows[1:]}
    assert levels["Gemeente Owner"] == [0, 0, 0, 2, 0, 0, 0]
    assert "Gemeente Outsider" not in levels and "Gemeente Former" not in levels
    outsider = client.application.test_client()
    login(outsider, world.user("outsider", "ad"))
    assert outsider.get(f"/outsider/overeenkomsten/matrix.xlsx?regio={world.regions['a'].id}").status_code == 404


def test_index_links_to_the_exports(client, world):
    login(client, world.user("owner", "ad"))
    page = client.get("/owner/overeenkomsten").text
    assert 'href="/owner/overeenkomsten/register.xlsx"' in page
    assert f'href="/owner/overeenkomsten/register.csv?regio={world.regions["a"].id}"' in page
    matrix_page = client.get("/owner/overeenkomsten/matrix").text
    assert f'href="/owner/overeenkomsten/matrix.xlsx?regio={world.regions["a"].id}"' in matrix_page


# -- notifications through the outbox (SMTP sink) ------------------------------------------------


def _subjects(mailbox, address: str) -> list[str]:
    from email.header import decode_header, make_header

    return [str(make_header(decode_header(m["Subject"] or ""))) for m in mailbox.to(address)]


def test_activation_mails_every_party_and_nobody_else(world, mailbox):
    third = third_party(world)
    title = secret("Actief")
    make_agreement(world, title, parties=(world.tenants["partner"], third), status="actief")
    mailbox.wait(6)  # three approval requests, three activations
    for address in ("ad@owner.test", "ad@partner.test", f"ad@{third.slug}.test"):
        assert any(f"Overeenkomst actief: {title}" in s for s in _subjects(mailbox, address))
    assert not any(title in (m["Subject"] or "") for m in mailbox.to("@outsider.test") + mailbox.to("@former.test"))


def test_withdrawal_mails_the_remaining_parties(client, world, mailbox):
    third = third_party(world)
    title = secret("Opzeg")
    agreement_id = make_agreement(world, title, parties=(world.tenants["partner"], third), status="actief")
    start = len(mailbox.messages)
    login(client, world.user("partner", "ad"))
    assert client.post(f"/partner/overeenkomsten/{agreement_id}/terugtrekken").status_code == 303
    mailbox.wait(start + 2)
    wanted = f"Gemeente Partner trekt zich terug uit {title}"
    assert any(wanted in s for s in _subjects(mailbox, "ad@owner.test"))
    assert any(wanted in s for s in _subjects(mailbox, f"ad@{third.slug}.test"))
    assert not any(wanted in s for s in _subjects(mailbox, "ad@partner.test"))
    assert not any(title in (m["Subject"] or "") for m in mailbox.to("@outsider.test"))


def test_daily_task_warns_once_when_the_end_approaches(world, mailbox):
    title = secret("Loopt af")
    end = clock.today() + timedelta(days=30)
    agreement_id = make_agreement(world, title, status="actief", end_date=end, notice_months=0)
    first = daily.apply().get()
    assert first["reminders"] >= 2  # the ADs of owner and partner
    assert daily.apply().get()["reminders"] == 0  # the outbox key makes it once
    mailbox.wait(4)
    for address in ("ad@owner.test", "ad@partner.test"):
        warned = [s for s in _subjects(mailbox, address) if f"Einde nadert: {title}" in s]
        assert len(warned) == 1
    # An agreement far from its end is not announced.
    far = secret("Nog lang")
    make_agreement(world, far, status="actief", end_date=clock.today() + timedelta(days=2000), notice_months=6)
    daily.apply().get()
    assert not any(far in (m["Subject"] or "") and "Einde" in (m["Subject"] or "") for m in mailbox.messages)
    assert _get(agreement_id, world.tenants["owner"]).status == "actief"


def test_renewal_deadline_is_announced_before_the_notice_period_starts(world, mailbox):
    title = secret("Verlengen")
    # The end lies a year away, but the notice deadline (end minus 12 months) is in three weeks.
    end = ops.add_months(clock.today() + timedelta(days=21), 12)
    make_agreement(world, title, status="actief", end_date=end, notice_months=12, renewal_rule="stilzwijgend")
    daily.apply().get()
    mailbox.wait(4)
    assert any(f"Einde nadert: {title}" in s for s in _subjects(mailbox, "ad@owner.test"))


# -- bad input through the API --------------------------------------------------------------------


API_DRAFT = {
    "title": "Via de API",
    "legal_form": "interlokale_vereniging",
    "domains": ["ict"],
    "start_date": "2026-03-01",
}


def test_api_drafts_submits_and_refuses_end_before_start(client, world):
    headers = token_headers(world.user("owner", "ad"))
    before = _count(Agreement)
    bad = {**API_DRAFT, "end_date": "2026-01-01", "partner_ids": [world.tenants["partner"].id]}
    response = client.post("/api/v1/agreements", json=bad, headers=headers)
    assert response.status_code == 422
    assert "De einddatum moet na de begindatum liggen." in str(response.json)
    foreign = {**API_DRAFT, "partner_ids": [world.tenants["outsider"].id]}
    response = client.post("/api/v1/agreements", json=foreign, headers=headers)
    assert response.status_code == 422
    assert "Partijen moeten partnerbesturen uit je samenwerkingsverbanden zijn." in str(response.json)
    assert _count(Agreement) == before

    good = {**API_DRAFT, "partner_ids": [world.tenants["partner"].id]}
    created = client.post("/api/v1/agreements", json=good, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["status"] == "ontwerp" and created.json["legal_form"] == "interlokale_vereniging"
    agreement_id = created.json["id"]
    # Withdrawing from a draft is refused in Dutch and changes nothing.
    partner_headers = token_headers(world.user("partner", "ad"))
    refused = client.post(f"/api/v1/agreements/{agreement_id}/withdrawal", headers=partner_headers)
    assert refused.status_code == 409
    assert (
        "Terugtrekken kan alleen uit een overeenkomst die ter goedkeuring ligt of actief is." in refused.json["detail"]
    )
    assert _get(agreement_id, world.tenants["owner"]).party(world.tenants["partner"].id).withdrawn_on is None
    # Only the trekker submits; the partner (a party) gets 404 like any foreign writer.
    assert client.post(f"/api/v1/agreements/{agreement_id}/submission", headers=partner_headers).status_code == 404
    submitted = client.post(f"/api/v1/agreements/{agreement_id}/submission", headers=headers)
    assert submitted.status_code == 200 and submitted.json["status"] == "ter_goedkeuring"
    again = client.post(f"/api/v1/agreements/{agreement_id}/submission", headers=headers)
    assert again.status_code == 409 and "al ter goedkeuring voorgelegd" in again.json["detail"]


def test_api_withdrawal_once_and_only_by_the_ad(client, world):
    third = third_party(world)
    agreement_id = make_agreement(world, "Twee keer weg", parties=(world.tenants["partner"], third), status="actief")
    assert (
        client.post(
            f"/api/v1/agreements/{agreement_id}/withdrawal", headers=token_headers(world.user("partner", "beheerder"))
        ).status_code
        == 403
    )
    headers = token_headers(world.user("partner", "ad"))
    first = client.post(f"/api/v1/agreements/{agreement_id}/withdrawal", headers=headers)
    assert first.status_code == 200 and first.json["withdrawn_on"] == clock.today().isoformat()
    second = client.post(f"/api/v1/agreements/{agreement_id}/withdrawal", headers=headers)
    assert second.status_code == 409 and "Je bestuur heeft zich al teruggetrokken." in second.json["detail"]


def test_approval_by_a_region_member_that_is_no_party_is_404_and_changes_nothing(client, world):
    third = third_party(world)
    agreement_id = make_agreement(
        world, secret("Niet jouw"), parties=(third,), status="ter_goedkeuring", region_visible=True
    )
    decision = {"body": "gemeenteraad", "decision": "goedgekeurd", "decided_on": "2026-02-01", "reference": "GR-9"}
    login(client, world.user("partner", "ad"))
    assert client.get(f"/partner/overeenkomsten/{agreement_id}").status_code == 200  # the summary
    assert client.post(f"/partner/overeenkomsten/{agreement_id}/beslissing", data=decision).status_code == 404
    api = client.post(
        f"/api/v1/agreements/{agreement_id}/approvals",
        json=decision,
        headers=token_headers(world.user("partner", "ad")),
    )
    assert api.status_code == 404
    assert _count(AgreementApproval) == 0
    assert _get(agreement_id, world.tenants["owner"]).status == "ter_goedkeuring"


def test_approval_of_a_draft_is_a_conflict_in_dutch(client, world):
    agreement_id = make_agreement(world, "Nog geen stemming")
    login(client, world.user("owner", "ad"))
    decision = {"body": "gemeenteraad", "decision": "goedgekeurd", "decided_on": "2026-02-01", "reference": "GR-1"}
    response = client.post(f"/owner/overeenkomsten/{agreement_id}/beslissing", data=decision)
    assert response.status_code == 409 and "Er is geen versie ter goedkeuring." in response.text
    api = client.post(
        f"/api/v1/agreements/{agreement_id}/approvals", json=decision, headers=token_headers(world.user("owner", "ad"))
    )
    assert api.status_code == 409 and api.json["detail"] == "Er is geen versie ter goedkeuring."
    assert _count(AgreementApproval) == 0


def test_duplicate_decision_in_the_form_is_409_with_the_message(client, world):
    agreement_id = make_agreement(world, "Twee keer", status="ter_goedkeuring", parties=(third_party(world),))
    login(client, world.user("owner", "ad"))
    decision = {"body": "gemeenteraad", "decision": "goedgekeurd", "decided_on": "2026-02-01", "reference": "GR-1"}
    assert client.post(f"/owner/overeenkomsten/{agreement_id}/beslissing", data=decision).status_code == 303
    again = client.post(f"/owner/overeenkomsten/{agreement_id}/beslissing", data={**decision, "reference": "GR-2"})
    assert again.status_code == 409
    assert "Je bestuur heeft al een beslissing over deze versie geregistreerd." in again.text


def test_withdrawing_twice_in_the_form_says_so(client, world):
    third = third_party(world)
    agreement_id = make_agreement(world, "Weg is weg", parties=(world.tenants["partner"], third), status="actief")
    login(client, world.user("partner", "ad"))
    assert client.post(f"/partner/overeenkomsten/{agreement_id}/terugtrekken").status_code == 303
    again = client.post(f"/partner/overeenkomsten/{agreement_id}/terugtrekken", follow_redirects=True)
    assert "Je bestuur heeft zich al teruggetrokken." in again.text


# -- evaluations linked to a beleidstafel meeting -------------------------------------------------


def _meeting(world, tenant: str, region: str, name: str) -> int:
    from datetime import time

    from portal.policy_tables import operations as pt_ops

    tid = world.tenants[tenant].id
    with tenant_context(tid, user_id=world.user(tenant, "ad").id):
        table = pt_ops.create_table(
            {"name": name, "theme": "vrije_tijd", "region_id": world.regions[region].id}, tenant_id=tid
        )
        meeting = pt_ops.create_meeting(
            table,
            {
                "day": clock.today() - timedelta(days=3),
                "start_time": time(14),
                "end_time": time(16),
                "location": "Zaal 1",
            },
        )
        db.session.commit()
        return meeting.id


def _open_evaluation(world) -> tuple[int, int]:
    agreement_id = make_agreement(world, "Met vergadering", status="actief")
    with tenant_context(world.tenants["owner"].id):
        evaluation = Evaluation(agreement_id=agreement_id, due_on=clock.today())
        db.session.add(evaluation)
        db.session.commit()
        return agreement_id, evaluation.id


SCORES = {f"score-{k}": "4" for k in ("doelen", "kosten", "werking", "burger")}


def test_evaluation_links_a_visible_meeting_and_refuses_a_foreign_one(client, world):
    table = secret("Tafel Vrije Tijd")
    mine = _meeting(world, "owner", "a", table)
    foreign_table = secret("Tafel van regio B")
    foreign = _meeting(world, "outsider", "b", foreign_table)
    agreement_id, evaluation_id = _open_evaluation(world)
    login(client, world.user("owner", "ad"))
    url = f"/owner/overeenkomsten/{agreement_id}/evaluaties/{evaluation_id}"
    form_page = client.get(url).text
    select_box = re.search(r'<select[^>]*name="meeting_id".*?</select>', form_page, re.S).group(0)
    assert f'<option value="{mine}"' in select_box and table in select_box
    assert f'<option value="{foreign}"' not in select_box and foreign_table not in form_page

    form = {**SCORES, "outcome": "bijsturen", "recommendation": "Meer overleg"}
    for wrong in (str(foreign), "999999"):
        refused = client.post(url, data={**form, "meeting_id": wrong})
        assert refused.status_code == 422
        assert "Kies een vergadering uit de lijst." in refused.text
        assert "Meer overleg" in refused.text and foreign_table not in refused.text
    garbled = client.post(url, data={**form, "meeting_id": "abc"})
    assert garbled.status_code == 422 and "Geef een geheel getal." in garbled.text
    with tenant_context(world.tenants["owner"].id):
        found = db.session.get(Evaluation, evaluation_id)
        assert (found.status, found.meeting_id) == ("te_doen", None)

    done = client.post(url, data={**form, "meeting_id": str(mine), "meeting_reference": "punt 4"})
    assert done.status_code == 303
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        found = db.session.get(Evaluation, evaluation_id)
        assert (found.status, found.meeting_id, found.meeting_reference) == ("afgerond", mine, "punt 4")
    partner = client.application.test_client()
    login(partner, world.user("partner", "raadslid"))
    page = partner.get(f"/partner/overeenkomsten/{agreement_id}/evaluaties/{evaluation_id}").text
    assert f'href="/partner/beleidstafels/vergaderingen/{mine}"' in page and table in page and "punt 4" in page


def test_a_party_that_cannot_see_the_meeting_sees_only_the_free_text(client, world):
    table = secret("Eigen tafel")
    mine = _meeting(world, "owner", "a", table)
    from portal.policy_tables.models import Meeting

    with tenant_context(world.tenants["owner"].id):
        set_audience(db.session.get(Meeting, mine), "own")
        db.session.commit()
    agreement_id, evaluation_id = _open_evaluation(world)
    login(client, world.user("owner", "ad"))
    url = f"/owner/overeenkomsten/{agreement_id}/evaluaties/{evaluation_id}"
    data = {**SCORES, "outcome": "voortzetten", "meeting_id": str(mine), "meeting_reference": "college"}
    assert client.post(url, data=data).status_code == 303
    assert table in client.get(url).text
    partner = client.application.test_client()
    login(partner, world.user("partner", "raadslid"))
    page = partner.get(f"/partner/overeenkomsten/{agreement_id}/evaluaties/{evaluation_id}").text
    assert table not in page and "vergaderingen/" not in page and "college" in page


def test_evaluation_without_meeting_keeps_the_free_text(client, world):
    agreement_id, evaluation_id = _open_evaluation(world)
    login(client, world.user("owner", "ad"))
    url = f"/owner/overeenkomsten/{agreement_id}/evaluaties/{evaluation_id}"
    data = {**SCORES, "outcome": "voortzetten", "meeting_id": "", "meeting_reference": "Beleidstafel van 12 maart"}
    assert client.post(url, data=data).status_code == 303
    page = client.get(url).text
    assert "Beleidstafel van 12 maart" in page and 'id="vergadering"' not in page


def test_api_completes_an_evaluation_and_refuses_bad_scores(client, world):
    agreement_id, evaluation_id = _open_evaluation(world)
    headers = token_headers(world.user("owner", "ad"))
    url = f"/api/v1/agreements/{agreement_id}/evaluations/{evaluation_id}"
    bad = client.post(url, json={"scores": {"doelen": 9}, "outcome": "voortzetten"}, headers=headers)
    assert bad.status_code == 422 and "Geef elk criterium een score van 1 tot 5." in str(bad.json)
    scores = {"doelen": 4, "kosten": 3, "werking": 5, "burger": 4}
    foreign = _meeting(world, "outsider", "b", secret("Tafel elders"))
    refused = client.post(url, json={"scores": scores, "outcome": "bijsturen", "meeting_id": foreign}, headers=headers)
    assert refused.status_code == 422 and "Kies een vergadering uit de lijst." in str(refused.json)
    done = client.post(url, json={"scores": scores, "outcome": "bijsturen", "meeting_reference": "GR"}, headers=headers)
    assert done.status_code == 200 and done.json["status"] == "afgerond" and done.json["outcome"] == "bijsturen"
    again = client.post(url, json={"scores": scores, "outcome": "voortzetten"}, headers=headers)
    assert again.status_code == 409 and again.json["detail"] == "Deze evaluatie is al afgerond."
    partner = client.get(url, headers=token_headers(world.user("partner", "ad")))
    assert partner.status_code == 200 and partner.json["meeting_reference"] == "GR"


def test_daily_task_ends_an_expired_agreement_without_renewal_and_its_sharing(world, mailbox):
    title = secret("Verlopen")
    expired = make_agreement(world, title, status="actief", end_date=clock.today() - timedelta(days=1))
    renewed = make_agreement(
        world,
        secret("Stilzwijgend"),
        status="actief",
        end_date=clock.today() - timedelta(days=1),
        renewal_rule="3 jaar",
    )
    assert daily.apply().get()["ended"] == 1
    assert daily.apply().get()["ended"] == 0
    agreement = _get(expired, world.tenants["owner"])
    assert (agreement.status, agreement.ended_on) == ("beeindigd", clock.today() - timedelta(days=1))
    assert _get(renewed, world.tenants["owner"]).status == "actief"
    with tenant_context(world.tenants["partner"].id):
        grants = db.session.scalars(select(ShareGrant).where(ShareGrant.source == f"agreement:{expired}")).all()
        assert grants and all(g.revoked_at is not None for g in grants if g.tenant_id == world.tenants["partner"].id)
    mailbox.wait(8)
    assert any(f"Overeenkomst beëindigd: {title}" in s for s in _subjects(mailbox, "ad@partner.test"))
