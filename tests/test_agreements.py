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
    future = (date.today() + timedelta(days=30)).isoformat()
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
    assert agreement.party(third.id).withdrawn_on == date.today()


def test_withdrawal_with_notice_ends_sharing_when_it_takes_effect(world):
    third = third_party(world)
    agreement_id = make_agreement(world, "Met opzeg", parties=(world.tenants["partner"], third), status="actief")
    with tenant_context(third.id):
        agreement = db.session.get(Agreement, agreement_id)
        party = ops.withdraw(agreement)
        db.session.commit()
        effective = party.withdrawal_effective_on
    assert effective == ops.add_months(date.today(), 6)
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
        agreement.activated_on = date.today() - timedelta(days=200)
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
    assert client.get(f"/partner/overeenkomsten/{agreement_id}/versies/1").status_code == 404
    api = client.get(f"/api/v1/agreements/{agreement_id}", headers=token_headers(world.user("partner", "ad")))
    assert api.status_code == 200 and "cost_key" not in api.json and api.json["title"] == title
    for foreign in ("outsider", "former"):
        other = client.application.test_client()
        login(other, world.user(foreign, "ad"))
        assert other.get(f"/{foreign}/overeenkomsten/{agreement_id}").status_code == 404
        assert title not in other.get(f"/{foreign}/overeenkomsten").text
        assert title not in other.get(f"/{foreign}/overeenkomsten/register.csv").get_data(as_text=True)


def test_register_export_lists_the_visible_agreements(client, world):
    title = secret("Register")
    make_agreement(world, title, status="actief")
    login(client, world.user("partner", "ad"))
    response = client.get("/partner/overeenkomsten/register.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffid;titel;status")
    assert title in text and "Gemeente Owner" in text


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
