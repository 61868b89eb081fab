"""Gedeelde HR: vacancies, public job pages, applications, pipeline, retention and export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.core.audit import AuditEntry
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr.models import Application, ApplicationReceipt, Vacancy
from tenants.context import tenant_context
from tests import clock
from tests.conftest import body_of, login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_vacancy(world: Any, title: str, *, tenant: str = "owner", kind: str = "extern", audience: str = "own",
                 publish: bool = True, **extra: Any) -> int:  # fmt: skip
    """Create (and publish) a vacancy of ``tenant`` through the operations; return its id."""
    hr = world.user(tenant, "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        data: dict[str, Any] = {
            "title": title,
            "grade": "B1",
            "deadline_on": clock.today() + timedelta(days=30),
            "kind": kind,
            "audience": audience,
            **extra,
        }
        if audience == "region":
            data["region_id"] = world.regions["a"].id
        obj = ops.create_vacancy(data, author_id=hr.id)
        if publish:
            ops.change_vacancy_status(obj, "gepubliceerd")
        db.session.commit()
        return obj.id


def count(model: Any, tenant_id: int) -> int:
    with tenant_context(tenant_id):
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def form(**values: Any) -> dict[str, Any]:
    base = {
        "title": "Deskundige personeel",
        "grade": "B1",
        "employment": "contractueel",
        "percentage": "100",
        "deadline_on": (clock.today() + timedelta(days=20)).isoformat(),
        "kind": "extern",
        "audience": "own",
    }
    base.update(values)
    return base


# -- vacancies ---------------------------------------------------------------------------------------


def test_hr_creates_and_publishes_a_vacancy_with_sanitised_text(client, world):
    login(client, world.user("owner", "hr"))
    response = client.post(
        "/owner/hr/vacatures/nieuw",
        data=form(description_html='<p>Fijn team<script>alert(1)</script></p><a href="javascript:x">x</a>'),
    )
    assert response.status_code == 302
    vacancy_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with tenant_context(world.tenants["owner"].id):
        obj = db.session.get(Vacancy, vacancy_id)
        assert obj.status == "concept"
        assert "<script>" not in obj.description_html and "javascript:" not in obj.description_html
        assert "Fijn team" in obj.description_html
    assert client.post(f"/owner/hr/vacatures/{vacancy_id}/status", data={"status": "gepubliceerd"}).status_code == 302
    page = client.get(f"/owner/hr/vacatures/{vacancy_id}")
    assert "Gepubliceerd" in page.text


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"grade": "Z9"}, "Kies een geldige weddeschaal"),
        ({"deadline_on": (clock.today() - timedelta(days=1)).isoformat()}, "niet in het verleden"),
        ({"percentage": "0"}, "tussen 1 en 100"),
        ({"salary_min": "4000", "salary_max": "3000"}, "niet hoger zijn dan het maximum"),
        ({"title": ""}, "tussen 3 en 200 tekens"),
    ],
)
def test_bad_vacancy_input_is_422_in_dutch_and_stores_nothing(client, world, values, message):
    login(client, world.user("owner", "hr"))
    response = client.post("/owner/hr/vacatures/nieuw", data=form(**values))
    assert response.status_code == 422
    assert message in response.text
    assert count(Vacancy, world.tenants["owner"].id) == 0


def test_shared_post_time_shares_must_sum_to_100(client, world):
    login(client, world.user("owner", "hr"))
    owner, partner = world.tenants["owner"].id, world.tenants["partner"].id
    bad = form(kind="gedeeld", **{f"share-{owner}": "60", f"share-{partner}": "30"})
    response = client.post("/owner/hr/vacatures/nieuw", data=bad)
    assert response.status_code == 422
    assert "samen 100%" in response.text
    assert count(Vacancy, owner) == 0
    good = form(kind="gedeeld", **{f"share-{owner}": "60", f"share-{partner}": "40"})
    assert client.post("/owner/hr/vacatures/nieuw", data=good).status_code == 302
    with tenant_context(owner):
        obj = db.session.scalar(select(Vacancy))
        assert sorted(s.share_percent for s in obj.shares) == [40, 60]


def test_shared_post_cannot_include_a_foreign_municipality(client, world):
    login(client, world.user("owner", "hr"))
    owner, outsider = world.tenants["owner"].id, world.tenants["outsider"].id
    response = client.post(
        "/owner/hr/vacatures/nieuw", data=form(kind="gedeeld", **{f"share-{owner}": "50", f"share-{outsider}": "50"})
    )
    # The outsider is no partner: its field is not even read, so the shares do not sum to 100.
    assert response.status_code == 422
    assert count(Vacancy, owner) == 0


def test_status_flow_is_enforced(world):
    vacancy_id = make_vacancy(world, "Flow")
    with tenant_context(world.tenants["owner"].id):
        obj = db.session.get(Vacancy, vacancy_id)
        with pytest.raises(ops.DomainError):
            ops.change_vacancy_status(obj, "concept")
        ops.change_vacancy_status(obj, "afgesloten")
        ops.change_vacancy_status(obj, "ingevuld")
        assert obj.closed_at is not None
        with pytest.raises(ops.DomainError):
            ops.change_vacancy_status(obj, "gepubliceerd")
        db.session.rollback()


@pytest.mark.parametrize("role", ["dienst", "raadslid", "expert", "aankoper"])
def test_only_hr_and_the_ad_post_vacancies(client, world, role):
    login(client, world.user("owner", role))
    assert client.get("/owner/hr/vacatures/nieuw").status_code == 403
    assert client.post("/owner/hr/vacatures/nieuw", data=form()).status_code == 403
    assert count(Vacancy, world.tenants["owner"].id) == 0


def test_partner_sees_published_shared_vacancy_but_not_concepts_or_own_only(client, world):
    shared = make_vacancy(world, "Gedeeld gepubliceerd", kind="intern", audience="region")
    concept = make_vacancy(world, "Gedeeld concept", kind="intern", audience="region", publish=False)
    private = make_vacancy(world, "Enkel eigen", audience="own")
    login(client, world.user("partner", "dienst"))
    listing = client.get("/partner/hr/").text
    assert "Gedeeld gepubliceerd" in listing
    assert "Gedeeld concept" not in listing and "Enkel eigen" not in listing
    assert client.get(f"/partner/hr/vacatures/{shared}").status_code == 200
    assert client.get(f"/partner/hr/vacatures/{concept}").status_code == 404
    assert client.get(f"/partner/hr/vacatures/{private}").status_code == 404
    outsider = client.application.test_client()
    login(outsider, world.user("outsider", "hr"))
    assert "Gedeeld gepubliceerd" not in outsider.get("/outsider/hr/").text
    assert outsider.get(f"/outsider/hr/vacatures/{shared}").status_code == 404


# -- public job page -----------------------------------------------------------------------------


def test_public_page_lists_only_published_external_vacancies_of_that_municipality(client, world):
    make_vacancy(world, "Extern open")
    make_vacancy(world, "Extern concept", publish=False)
    make_vacancy(world, "Intern open", kind="intern", audience="region")
    make_vacancy(world, "Van de partner", tenant="partner")
    page = client.get("/werken-bij/owner")
    assert page.status_code == 200
    assert "Extern open" in page.text
    for hidden in ("Extern concept", "Intern open", "Van de partner"):
        assert hidden not in page.text
    feed = client.get("/werken-bij/owner/feed.atom")
    assert feed.mimetype == "application/atom+xml"
    assert "Extern open" in feed.text and "Van de partner" not in feed.text and "Extern concept" not in feed.text
    assert client.get("/werken-bij/bestaat-niet").status_code == 404


def test_public_vacancy_of_another_municipality_or_concept_is_404(client, world):
    mine = make_vacancy(world, "Publiek zichtbaar")
    concept = make_vacancy(world, "Geheim concept", publish=False)
    internal = make_vacancy(world, "Geheim intern", kind="intern", audience="region")
    assert "Publiek zichtbaar" in client.get(f"/werken-bij/owner/{mine}").text
    response = client.get(f"/werken-bij/partner/{mine}")
    assert response.status_code == 404 and "Publiek zichtbaar" not in response.text
    for vacancy_id, secret in ((concept, "Geheim concept"), (internal, "Geheim intern")):
        response = client.get(f"/werken-bij/owner/{vacancy_id}")
        assert response.status_code == 404 and secret not in response.text
        assert client.post(f"/werken-bij/owner/{vacancy_id}/solliciteren", data={}).status_code == 404


def test_logged_in_user_of_another_tenant_sees_public_pages_too(client, world):
    mine = make_vacancy(world, "Publiek voor iedereen")
    login(client, world.user("outsider", "dienst"))
    assert "Publiek voor iedereen" in client.get(f"/werken-bij/owner/{mine}").text


def _public_apply(client, vacancy_id, **overrides):
    data = {"full_name": "An Kandidaat", "email": "an@example.org", "motivation": "Graag!", "consent": "1"}
    data.update(overrides)
    if "cv" not in data:
        data["cv"] = (__import__("io").BytesIO(PDF), "cv.pdf")
    return client.post(f"/werken-bij/owner/{vacancy_id}/solliciteren", data=data, content_type="multipart/form-data")


def test_public_application_is_stored_for_the_owner_and_mailed(client, world, mailbox):
    vacancy_id = make_vacancy(world, "Boekhouder")
    response = _public_apply(client, vacancy_id)
    assert response.status_code == 302
    with tenant_context(world.tenants["owner"].id):
        app = db.session.scalar(select(Application))
        assert app.full_name == "An Kandidaat" and app.cv_data == PDF and app.consent_at is not None
        assert app.source == "extern" and app.status == "ontvangen"
        # Personal data stays out of the append-only audit log.
        changes = [e.changes for e in db.session.scalars(select(AuditEntry))]
        assert all("An Kandidaat" not in str(c) and "%PDF" not in str(c) for c in changes)
    assert count(Application, world.tenants["partner"].id) == 0
    mails = mailbox.wait(1)
    assert mailbox.to("an@example.org")
    assert "Boekhouder" in body_of(mails[-1])


@pytest.mark.parametrize(
    ("cv", "status", "message"),
    [
        ((b"MZ\x90\x00 not a pdf", "cv.pdf"), 422, "PDF-bestand"),
        ((PDF, "cv.exe"), 422, "PDF-bestand"),
        ((b"%PDF-" + b"x" * 5000, "groot.pdf"), 413, "te groot"),
    ],
)
def test_bad_cv_is_refused_in_dutch_and_nothing_stored(client, world, cv, status, message, monkeypatch):
    import io

    from portal.hr.operations import applications

    # A small limit keeps the test body in memory (the real limit is 2 MB); patched where check_cv reads it.
    monkeypatch.setattr(applications, "CV_MAX_BYTES", 4096)
    vacancy_id = make_vacancy(world, "Cv-test")
    response = _public_apply(client, vacancy_id, cv=(io.BytesIO(cv[0]), cv[1]))
    assert response.status_code == status
    assert message in response.text
    assert count(Application, world.tenants["owner"].id) == 0


def test_public_application_needs_consent_and_valid_fields(client, world):
    vacancy_id = make_vacancy(world, "Toestemming")
    response = _public_apply(client, vacancy_id, consent="")
    assert response.status_code == 422 and "toestemming" in response.text
    response = _public_apply(client, vacancy_id, email="geen-adres")
    assert response.status_code == 422 and "geldig e-mailadres" in response.text
    assert count(Application, world.tenants["owner"].id) == 0


def test_public_application_is_rate_limited(client, world):
    vacancy_id = make_vacancy(world, "Spam")
    statuses = [_public_apply(client, vacancy_id, consent="").status_code for _ in range(6)]
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429
    assert "Te veel pogingen" in _public_apply(client, vacancy_id).text
    assert count(Application, world.tenants["owner"].id) == 0


# -- internal applications and the pipeline --------------------------------------------------------


def _apply_internal(client, world, vacancy_id):
    login(client, world.user("partner", "dienst"))
    return client.post(
        f"/partner/hr/vacatures/{vacancy_id}/solliciteren", data={"motivation": "Ik wil", "consent": "1"}
    )


def test_journey_internal_mobility(app, client, world, mailbox):
    vacancy_id = make_vacancy(world, "Mobiliteit", kind="intern", audience="region")
    response = _apply_internal(client, world, vacancy_id)
    assert response.status_code == 200
    with tenant_context(world.tenants["partner"].id):
        receipt_url = f"/partner/hr/mijn-sollicitaties/{db.session.scalar(select(ApplicationReceipt.id))}"
    assert "Ontvangen" in client.get(receipt_url).text
    # The application belongs to the recruiting municipality; the candidate keeps a receipt at home.
    assert count(Application, world.tenants["owner"].id) == 1
    assert count(Application, world.tenants["partner"].id) == 0
    assert count(ApplicationReceipt, world.tenants["partner"].id) == 1
    # Applying twice is refused.
    again = client.post(f"/partner/hr/vacatures/{vacancy_id}/solliciteren", data={"consent": "1"})
    assert again.status_code in (403, 409, 422)
    assert count(Application, world.tenants["owner"].id) == 1

    hr = app.test_client()
    login(hr, world.user("owner", "hr"))
    with tenant_context(world.tenants["owner"].id):
        application_id = db.session.scalar(select(Application.id))
    page = hr.get(f"/owner/hr/vacatures/{vacancy_id}")
    assert "dienst partner" in page.text
    for status in ("screening", "gesprek", "aanbod", "aangeworven"):
        moved = hr.post(f"/owner/hr/sollicitaties/{application_id}", data={"status": status, "note": "ok"})
        assert moved.status_code == 302
    assert hr.post(f"/owner/hr/sollicitaties/{application_id}", data={"status": "test"}).status_code == 409
    hr.post(f"/owner/hr/sollicitaties/{application_id}", data={"action": "note", "note": "Sterke kandidaat"})
    assert "Sterke kandidaat" in hr.get(f"/owner/hr/sollicitaties/{application_id}").text
    assert "Aangeworven" in client.get(receipt_url).text
    mails = mailbox.wait(5)
    assert len(mailbox.to("dienst@partner.test")) == 5
    assert any("Aangeworven" in body_of(m) for m in mails)
    export = client.get(receipt_url + "/export")
    assert export.mimetype == "application/json" and export.json["status"] == "aangeworven"
    assert "Sterke kandidaat" not in export.text


def test_applications_visible_only_to_owner_hr_and_candidate(app, client, world):
    vacancy_id = make_vacancy(world, "Zichtbaarheid", kind="intern", audience="region")
    _apply_internal(client, world, vacancy_id)
    with tenant_context(world.tenants["owner"].id):
        application_id = db.session.scalar(select(Application.id))
    with tenant_context(world.tenants["partner"].id):
        receipt_id = db.session.scalar(select(ApplicationReceipt.id))
    for tenant, role in (("owner", "dienst"), ("owner", "raadslid"), ("partner", "hr"), ("outsider", "hr")):
        other = app.test_client()
        login(other, world.user(tenant, role))
        assert other.get(f"/{tenant}/hr/sollicitaties/{application_id}").status_code == 404
        assert other.get(f"/{tenant}/hr/mijn-sollicitaties/{receipt_id}").status_code == 404
        assert "dienst partner" not in other.get(f"/{tenant}/hr/vacatures/{vacancy_id}").text
    owner_ad = app.test_client()
    login(owner_ad, world.user("owner", "ad"))
    assert owner_ad.get(f"/owner/hr/sollicitaties/{application_id}").status_code == 200


def test_external_vacancy_is_not_open_for_internal_applications(client, world):
    vacancy_id = make_vacancy(world, "Alleen extern", audience="region")
    response = _apply_internal(client, world, vacancy_id)
    assert response.status_code == 403
    assert count(Application, world.tenants["owner"].id) == 0


def test_internal_application_needs_consent(client, world):
    vacancy_id = make_vacancy(world, "Toestemming intern", kind="intern", audience="region")
    login(client, world.user("partner", "dienst"))
    response = client.post(f"/partner/hr/vacatures/{vacancy_id}/solliciteren", data={"motivation": "x"})
    assert response.status_code == 422 and "toestemming" in response.text
    assert count(Application, world.tenants["owner"].id) == 0
    assert count(ApplicationReceipt, world.tenants["partner"].id) == 0


# -- retention and export ----------------------------------------------------------------------------


def test_retention_task_anonymises_after_the_period_and_is_idempotent(client, world):
    from tasks.hr import anonymise_applications

    vacancy_id = make_vacancy(world, "Bewaren")
    _public_apply(client, vacancy_id)
    recent = make_vacancy(world, "Recent gesloten")
    _public_apply(client, recent, email="b@example.org")
    owner = world.tenants["owner"].id
    with tenant_context(owner):
        ops.set_retention_months(owner, 6)
        for vid, days in ((vacancy_id, 200), (recent, 10)):
            obj = db.session.get(Vacancy, vid)
            ops.change_vacancy_status(obj, "afgesloten")
            obj.closed_at = ops.utcnow() - timedelta(days=days)
        db.session.commit()
    assert anonymise_applications.delay().get() == 1
    assert anonymise_applications.delay().get() == 0
    with tenant_context(owner):
        db.session.expire_all()
        rows = {a.vacancy_id: a for a in db.session.scalars(select(Application))}
        assert rows[vacancy_id].anonymised_at is not None
        assert rows[vacancy_id].cv_data is None and "An Kandidaat" not in rows[vacancy_id].full_name
        assert rows[recent].anonymised_at is None and rows[recent].email == "b@example.org"


def test_retention_setting_is_validated(client, world):
    login(client, world.user("owner", "hr"))
    assert client.post("/owner/hr/instellingen", data={"retention_months": "0"}).status_code == 422
    assert client.post("/owner/hr/instellingen", data={"retention_months": "abc"}).status_code == 422
    assert client.post("/owner/hr/instellingen", data={"retention_months": "24"}).status_code == 302
    with tenant_context(world.tenants["owner"].id):
        assert ops.retention_months(world.tenants["owner"].id) == 24


def test_hr_exports_a_candidates_data_as_json(client, world):
    vacancy_id = make_vacancy(world, "Export")
    _public_apply(client, vacancy_id)
    login(client, world.user("owner", "hr"))
    with tenant_context(world.tenants["owner"].id):
        application_id = db.session.scalar(select(Application.id))
    data = client.get(f"/owner/hr/sollicitaties/{application_id}/export").json
    assert data["naam"] == "An Kandidaat" and data["e-mail"] == "an@example.org"
    cv = client.get(f"/owner/hr/sollicitaties/{application_id}/cv")
    assert cv.data == PDF and cv.mimetype == "application/pdf"


# -- API -------------------------------------------------------------------------------------------------


def test_api_vacancies_and_applications(client, world):
    from tests.matrix import token_headers

    headers = token_headers(world.user("owner", "hr"))
    body = {"title": "API-vacature", "grade": "A1a", "deadline_on": (clock.today() + timedelta(days=9)).isoformat()}
    created = client.post("/api/v1/vacancies", json=body, headers=headers)
    assert created.status_code == 201
    vacancy_id = created.json["id"]
    bad = client.post("/api/v1/vacancies", json={**body, "grade": "X1"}, headers=headers)
    assert bad.status_code == 422 and "grade" in bad.json["errors"]["json"]
    published = client.post(f"/api/v1/vacancies/{vacancy_id}/status", json={"status": "gepubliceerd"}, headers=headers)
    assert published.json["status"] == "gepubliceerd"
    _public_apply(client.application.test_client(), vacancy_id)
    listing = client.get(f"/api/v1/vacancies/{vacancy_id}/applications", headers=headers)
    assert listing.json["pagination"]["total"] == 1
    application_id = listing.json["items"][0]["id"]
    moved = client.patch(f"/api/v1/applications/{application_id}", json={"status": "screening"}, headers=headers)
    assert moved.status_code == 200 and moved.json["status"] == "screening"
    partner = token_headers(world.user("partner", "hr"))
    assert client.get(f"/api/v1/applications/{application_id}", headers=partner).status_code == 404
    assert client.get(f"/api/v1/vacancies/{vacancy_id}/applications", headers=partner).status_code == 404


def test_demo_fills_the_module(app):
    from portal.demo import load_demo
    from tenants.models import Tenant

    load_demo()
    ranst = db.session.scalar(select(Tenant).where(Tenant.slug == "ranst"))
    with tenant_context(ranst.id):
        titles = set(db.session.scalars(select(Vacancy.title)))
        assert "Deskundige personeel en organisatie" in titles
        # The shared post of Zandhoven is visible to its regional partner Ranst.
        assert "Omgevingsambtenaar (gedeeld Zandhoven-Ranst)" in titles
        assert db.session.scalar(select(func.count()).select_from(Application)) >= 1


def test_new_vacancy_matching_interest_is_notified_to_those_who_can_see_it(app, world):
    from portal.core.notifications import Notification

    for tenant in ("partner", "outsider", "owner"):
        c = app.test_client()
        login(c, world.user(tenant, "dienst"))
        assert (
            c.post(f"/{tenant}/hr/vacaturemeldingen", data={"keywords": " groendienst , preventie"}).status_code == 302
        )
    page = c.get("/owner/hr/mijn-sollicitaties")
    assert 'value="groendienst, preventie"' in page.text
    make_vacancy(world, "Technisch assistent groendienst", kind="intern", audience="region")
    make_vacancy(world, "Boekhouder", kind="intern", audience="region")
    told = {n.user_id: n.title for n in db.session.scalars(select(Notification).where(Notification.category == "hr"))}
    assert told.get(world.user("partner", "dienst").id) == "Nieuwe vacature: Technisch assistent groendienst"
    assert world.user("owner", "dienst").id in told
    # The outsider cannot see the vacancy, so hears nothing; nor does anyone about the non-matching one.
    assert world.user("outsider", "dienst").id not in told
    assert not any("Boekhouder" in t for t in told.values())
    too_long = c.post("/owner/hr/vacaturemeldingen", data={"keywords": "x" * 301})
    assert too_long.status_code == 422 and "hoogstens 300 tekens" in too_long.text
    assert c.post("/owner/hr/vacaturemeldingen", data={"keywords": ""}).status_code == 302
    assert 'value=""' in c.get("/owner/hr/mijn-sollicitaties").text


def test_regional_job_page_and_json_feeds_list_only_published_external_vacancies(client, world):
    make_vacancy(world, "Extern bij Owner")
    make_vacancy(world, "Extern bij Partner", tenant="partner")
    make_vacancy(world, "Concept bij Owner", publish=False)
    make_vacancy(world, "Intern bij Owner", kind="intern", audience="region")
    make_vacancy(world, "Extern bij Outsider", tenant="outsider")
    page = client.get("/werken-in-de-regio/regio-a")
    assert page.status_code == 200
    assert "Extern bij Owner" in page.text and "Extern bij Partner" in page.text
    for hidden in ("Concept bij Owner", "Intern bij Owner", "Extern bij Outsider"):
        assert hidden not in page.text
    feed = client.get("/werken-in-de-regio/regio-a/feed.json")
    assert feed.mimetype == "application/feed+json"
    assert sorted(i["title"] for i in feed.json["items"]) == ["Extern bij Owner", "Extern bij Partner"]
    own = client.get("/werken-bij/owner/feed.json").json
    assert [i["title"] for i in own["items"]] == ["Extern bij Owner"]
    assert own["items"][0]["url"].endswith("/werken-bij/owner/" + own["items"][0]["url"].rsplit("/", 1)[1])
    assert client.get("/werken-in-de-regio/bestaat-niet").status_code == 404
