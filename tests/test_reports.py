"""Council reports: generation, workflow, immutability, roles, delivery and the non-partner canary."""

from __future__ import annotations

import hashlib
import re
import uuid
import zlib
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import undefer

from portal.core.notifications import Notification, OutboxMessage
from portal.extensions import db
from portal.reports import operations as ops
from portal.reports.models import CouncilReport, ImmutableReportError
from tasks.reports import generate as generate_report
from tenants.context import tenant_context
from tests import clock
from tests.conftest import body_of

TODAY = clock.today()
PERIOD = ops.period_code("semester", TODAY)


# -- helpers ----------------------------------------------------------------------------------


def vacancy(world: Any, tenant: str, title: str, *, region: str | None = None) -> int:
    """Publish a vacancy of ``tenant`` (shared with its region when given)."""
    from portal.hr.operations import change_vacancy_status, create_vacancy

    hr = world.user(tenant, "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        data: dict[str, Any] = {"title": title, "grade": "B1", "deadline_on": TODAY + timedelta(days=30)}
        if region:
            data.update(kind="intern", audience="region", region_id=world.regions[region].id)
        obj = create_vacancy(data, author_id=hr.id)
        change_vacancy_status(obj, "gepubliceerd")
        db.session.commit()
        return obj.id


def make_report(world: Any, tenant: str = "owner", *, period: str = PERIOD, approve: bool = False) -> int:
    """Generate a report of ``tenant`` through the operations (and approve it); return its id."""
    ad = world.user(tenant, "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        report = ops.request_report(period)
        assert report is not None
        db.session.commit()
        report_id = report.id
    assert generate_report(ad.tenant_id, report_id) == "concept"
    if approve:
        with tenant_context(ad.tenant_id, user_id=ad.id):
            report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
            assert report is not None
            ops.approve(report, b"%PDF-1.7 test " + uuid.uuid4().hex.encode())
            ops.deliver(report)
            db.session.commit()
    return report_id


def load(world: Any, report_id: int, tenant: str = "owner") -> CouncilReport | None:
    with tenant_context(world.tenants[tenant].id):
        db.session.expire_all()
        # Loaded in full here: outside the tenant context row-level security hides the row.
        return db.session.scalar(
            select(CouncilReport).where(CouncilReport.id == report_id).options(undefer(CouncilReport.pdf_data))
        )


def pdf_text(data: bytes) -> str:
    """Return the text of a WeasyPrint PDF (Flate streams, hex glyph strings, ToUnicode maps)."""
    streams = []
    for match in re.finditer(rb"stream\r?\n", data):
        start = match.end()
        end = data.find(b"endstream", start)
        raw = data[start:end]
        try:
            streams.append(zlib.decompress(raw))
        except zlib.error:
            streams.append(raw)
    maps: list[dict[str, str]] = []
    for stream in streams:
        if b"begincmap" not in stream:
            continue
        mapping: dict[str, str] = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                mapping[src.decode().upper()] = bytes.fromhex(dst.decode()).decode("utf-16-be", "replace")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
            for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                width = len(lo)
                base = int(dst, 16)
                for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    mapping[f"{code:0{width}X}"] = chr(base + offset)
        maps.append(mapping)
    texts = []
    for stream in streams:
        if b"TJ" not in stream and b"Tj" not in stream:
            continue
        hexes = b"".join(re.findall(rb"<([0-9A-Fa-f]+)>", stream)).decode().upper()
        for mapping in maps:
            width = len(next(iter(mapping), "0000")) or 4
            texts.append("".join(mapping.get(hexes[i : i + width], "") for i in range(0, len(hexes), width)))
    return "\n".join(texts)


# -- periods ----------------------------------------------------------------------------------


def test_period_codes_and_bounds(app):
    with app.test_request_context():
        assert ops.period_bounds("2026-S2") == ("semester", date(2026, 7, 1), date(2026, 12, 31))
        assert ops.period_bounds("2026-Q1") == ("kwartaal", date(2026, 1, 1), date(2026, 3, 31))
        assert ops.period_bounds("2026-Q4")[2] == date(2026, 12, 31)
        assert ops.period_bounds("2025") == ("jaar", date(2025, 1, 1), date(2025, 12, 31))
        assert ops.last_completed_period("semester", date(2027, 1, 1)) == "2026-S2"
        assert ops.last_completed_period("kwartaal", date(2026, 4, 1)) == "2026-Q1"
        assert ops.last_completed_period("jaar", date(2026, 6, 1)) == "2025"
        for bad in ("2026-S3", "2026-Q5", "26-S1", "x", "2026-"):
            with pytest.raises(Exception, match="Ongeldige periode"):
                ops.period_bounds(bad)


# -- workflow ---------------------------------------------------------------------------------


def test_ad_generates_reviews_and_approves_and_council_gets_mail_with_pdf(app, world, login_as, mailbox):
    title = f"Vacature eigen {uuid.uuid4().hex[:8]}"
    vacancy(world, "owner", title)
    client = login_as(world.user("owner", "ad"))
    response = client.post("/owner/rapporten/genereren", data={"period": PERIOD})
    assert response.status_code == 303
    report_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/owner/rapporten/{report_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Concept" in html and title in html and "Kerncijfers" in html
    assert 'alt="' in html and "data:image/svg+xml;base64," in html
    # The htmx status block: done, so htmx reloads the page.
    status = client.get(f"/owner/rapporten/{report_id}/status", headers={"HX-Request": "true"})
    assert status.headers.get("HX-Refresh") == "true"

    response = client.post(
        f"/owner/rapporten/{report_id}/bewerken", data={"foreword": "Beste raadsleden, dit is ons voorwoord."}
    )
    assert response.status_code == 303
    response = client.post(f"/owner/rapporten/{report_id}/goedkeuren")
    assert response.status_code == 303
    report = load(world, report_id)
    assert report is not None and report.status == "verzonden"
    assert report.pdf_data is not None and report.pdf_data.startswith(b"%PDF")
    assert report.pdf_sha256 == hashlib.sha256(report.pdf_data).hexdigest()
    assert "Beste raadsleden" in pdf_text(report.pdf_data)
    assert title in pdf_text(report.pdf_data)

    mails = mailbox.wait(1)
    council = mailbox.to(world.user("owner", "raadslid").email)
    assert len(council) == 1, [m["To"] for m in mails]
    assert f"/owner/rapporten/{report_id}" in body_of(council[0])
    attachments = [p for p in council[0].walk() if p.get_content_type() == "application/pdf"]
    assert attachments and attachments[0].get_payload(decode=True) == report.pdf_data
    assert not mailbox.to(world.user("owner", "ad").email)
    assert not mailbox.to(world.user("partner", "raadslid").email)

    pdf = client.get(f"/owner/rapporten/{report_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data == report.pdf_data
    again = client.post(f"/owner/rapporten/{report_id}/goedkeuren")
    assert again.status_code == 409 and "Enkel een afgewerkt concept" in again.get_data(as_text=True)
    assert len(mailbox.to(world.user("owner", "raadslid").email)) == 1


def test_delivery_is_idempotent(app, world):
    report_id = make_report(world, approve=True)
    member = world.user("owner", "raadslid")
    with tenant_context(world.tenants["owner"].id):
        report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
        assert report is not None
        assert ops.deliver(report) == 0
        db.session.commit()
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"council-report:{report_id}:%"))
    )
    assert [m.to_email for m in mails] == [member.email]
    notes = list(db.session.scalars(select(Notification).where(Notification.user_id == member.id)))
    assert len(notes) == 1 and notes[0].link == f"/owner/rapporten/{report_id}"


def test_generation_twice_makes_one_report(app, world):
    report_id = make_report(world)
    assert generate_report(world.tenants["owner"].id, report_id) == "concept"
    with tenant_context(world.tenants["owner"].id):
        again = ops.request_report(PERIOD)
        assert again is not None and again.id == report_id  # the draft is reused, not duplicated
        db.session.rollback()
        count = db.session.scalar(
            select(text("count(*)")).select_from(CouncilReport).where(CouncilReport.period == PERIOD)
        )
    assert count == 1


def test_schedule_makes_one_report_per_tenant_and_period_even_when_run_twice(app, world):
    from tasks.reports import schedule_reports

    first = schedule_reports.apply().get()
    second = schedule_reports.apply().get()
    assert first >= 4 and second == 0
    previous = ops.last_completed_period("semester", TODAY)
    for slug in ("owner", "partner", "outsider"):
        with tenant_context(world.tenants[slug].id):
            rows = list(db.session.scalars(select(CouncilReport).where(CouncilReport.period == previous)))
        assert [(r.version, r.status) for r in rows] == [(1, "concept")]


def test_failed_generation_shows_error_and_can_be_retried(app, world, login_as, monkeypatch):
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("databank even weg")

    monkeypatch.setattr(ops, "gather", boom)
    client = login_as(world.user("owner", "ad"))
    response = client.post("/owner/rapporten/genereren", data={"period": PERIOD})
    report_id = int(response.headers["Location"].split("/")[-1])
    page = client.get(f"/owner/rapporten/{report_id}").get_data(as_text=True)
    assert "Mislukt" in page and "databank even weg" in page and "Opnieuw proberen" in page
    monkeypatch.undo()
    assert client.post(f"/owner/rapporten/{report_id}/opnieuw").status_code == 303
    report = load(world, report_id)
    assert report is not None and report.status == "concept" and report.error == ""


def test_a_failing_section_does_not_break_the_others(app, world, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise AttributeError("Vacancy has no attribute 'gone'")

    import portal.hr.report

    monkeypatch.setattr(portal.hr.report, "section", broken)
    report_id = make_report(world)
    report = load(world, report_id)
    assert report is not None and report.content is not None
    sections = {s["key"]: s for s in report.content["sections"]}
    assert sections["hr"]["unavailable"] == ops.SECTION_UNAVAILABLE
    assert "unavailable" not in sections["agreements"] and "tables" in sections["matrix"]


def test_bad_period_is_a_dutch_422_and_nothing_is_made(app, world, login_as):
    client = login_as(world.user("owner", "ad"))
    response = client.post("/owner/rapporten/genereren", data={"period": "2026-S9"})
    assert response.status_code == 422
    assert "2026-S2 (semester)" in response.get_data(as_text=True)
    assert 'value="2026-S9"' in response.get_data(as_text=True)
    future = client.post("/owner/rapporten/genereren", data={"period": f"{TODAY.year + 1}-S2"})
    assert future.status_code == 422 and "nog niet begonnen" in future.get_data(as_text=True)
    with tenant_context(world.tenants["owner"].id):
        assert db.session.scalar(select(CouncilReport.id)) is None


def test_period_kind_is_a_tenant_setting(app, world, login_as):
    client = login_as(world.user("owner", "ad"))
    assert client.post("/owner/rapporten/instellingen", data={"period_kind": "kwartaal"}).status_code == 303
    db.session.expire_all()
    assert world.tenants["owner"].settings["report_period"] == "kwartaal"
    assert client.post("/owner/rapporten/instellingen", data={"period_kind": "maand"}).status_code == 422
    with tenant_context(world.tenants["owner"].id):
        report = ops.request_report()
        assert report is not None and report.period_kind == "kwartaal" and "-Q" in report.period


# -- immutability -----------------------------------------------------------------------------


def test_approved_version_cannot_change_in_the_orm(app, world):
    report_id = make_report(world, approve=True)
    with tenant_context(world.tenants["owner"].id):
        report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
        assert report is not None
        report.foreword = "Achteraf gewijzigd"
        with pytest.raises(ImmutableReportError):
            db.session.flush()
        db.session.rollback()
        report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
        assert report is not None
        db.session.delete(report)
        with pytest.raises(ImmutableReportError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE council_reports SET foreword = 'gewijzigd' WHERE id = :id",
        "UPDATE council_reports SET pdf_data = :blob WHERE id = :id",
        "UPDATE council_reports SET status = 'concept' WHERE id = :id",
        "DELETE FROM council_reports WHERE id = :id",
    ],
)
def test_approved_version_cannot_change_in_the_database(app, world, statement):
    report_id = make_report(world, approve=True)
    with tenant_context(world.tenants["owner"].id):
        db.session.execute(text("SELECT 1"))
        with pytest.raises(DBAPIError, match="immutable"), db.session.begin_nested():
            db.session.execute(text(statement), {"id": report_id, "blob": b"%PDF-fake"})
    report = load(world, report_id)
    assert report is not None and report.status == "verzonden"


def test_correction_is_a_new_version(app, world, login_as):
    report_id = make_report(world, approve=True)
    client = login_as(world.user("owner", "ad"))
    response = client.post(f"/owner/rapporten/{report_id}/correctie")
    assert response.status_code == 303
    new_id = int(response.headers["Location"].split("/")[-1])
    assert new_id != report_id
    new = load(world, new_id)
    assert new is not None
    new_row = (new.period, new.version, new.status)
    old = load(world, report_id)
    assert old is not None
    assert new_row == (old.period, 2, "concept")
    assert old.status == "verzonden"
    foreword = old.foreword
    # Editing the approved one is refused with a Dutch 409, nothing changes.
    response = client.post(f"/owner/rapporten/{report_id}/bewerken", data={"foreword": "x"})
    assert response.status_code == 409
    assert load(world, report_id).foreword == foreword  # type: ignore[union-attr]


# -- roles ------------------------------------------------------------------------------------


def test_raadslid_reads_only_approved_reports_of_own_municipality(app, world, login_as):
    draft_id = make_report(world, period=ops.last_completed_period("semester", TODAY))
    approved_id = make_report(world, approve=True)
    partner_id = make_report(world, "partner", approve=True)
    client = login_as(world.user("owner", "raadslid"))
    listing = client.get("/owner/rapporten").get_data(as_text=True)
    assert f"/owner/rapporten/{approved_id}" in listing
    assert f'/owner/rapporten/{draft_id}"' not in listing
    assert client.get(f"/owner/rapporten/{approved_id}").status_code == 200
    assert client.get(f"/owner/rapporten/{approved_id}/pdf").status_code == 200
    assert client.get(f"/owner/rapporten/{draft_id}").status_code == 404
    assert client.get(f"/owner/rapporten/{partner_id}").status_code == 404
    # Report writes are the AD's: the role gate answers alike for every id, so it reveals no draft.
    assert client.post(f"/owner/rapporten/{draft_id}/goedkeuren").status_code == 403
    assert client.post("/owner/rapporten/999999/goedkeuren").status_code == 403
    assert client.post("/owner/rapporten/genereren", data={"period": PERIOD}).status_code == 403
    api = client.get("/api/v1/reports").json
    assert [item["id"] for item in api["items"]] == [approved_id]


def test_expert_has_no_access(app, world, login_as):
    client = login_as(world.user("owner", "expert"))
    assert client.get("/owner/rapporten").status_code == 403


def test_api_list_fetch_pdf_and_trigger(app, world):
    from tests.matrix import token_headers

    client = app.test_client()
    ad = token_headers(world.user("owner", "ad"))
    response = client.post("/api/v1/reports", json={"period": PERIOD}, headers=ad)
    assert response.status_code == 202, response.json
    report_id = response.json["id"]
    assert response.json["status"] == "concept"
    item = client.get(f"/api/v1/reports/{report_id}", headers=ad).json
    assert item["content"]["period"]["code"] == PERIOD and item["content"]["sections"]
    pdf = client.get(f"/api/v1/reports/{report_id}/pdf", headers=ad)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    listing = client.get("/api/v1/reports", headers=ad).json
    assert [i["id"] for i in listing["items"]] == [report_id]
    raadslid = token_headers(world.user("owner", "raadslid"))
    assert client.post("/api/v1/reports", json={}, headers=raadslid).status_code == 403
    bad = client.post("/api/v1/reports", json={"period": "morgen"}, headers=ad)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"


def test_missing_weasyprint_gives_a_dutch_message_not_a_500(app, world, login_as, monkeypatch):
    import builtins

    report_id = make_report(world)
    real_import = builtins.__import__

    def no_weasyprint(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("weasyprint"):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    client = login_as(world.user("owner", "ad"))
    response = client.post(f"/owner/rapporten/{report_id}/goedkeuren")
    assert response.status_code == 503
    assert "WeasyPrint" in response.get_data(as_text=True)
    assert client.get(f"/owner/rapporten/{report_id}/pdf").status_code == 503
    report = load(world, report_id)
    assert report is not None and report.status == "concept"


# -- the canary -------------------------------------------------------------------------------


def test_non_partner_canary_appears_in_no_report_pdf_or_mail(app, world, login_as, mailbox):
    canary = f"Kanarie{uuid.uuid4().hex[:10]}"
    own = f"Eigenvacature{uuid.uuid4().hex[:10]}"
    vacancy(world, "outsider", canary, region="b")
    vacancy(world, "owner", own, region="a")
    from tests.matrix import make_agreement

    make_agreement(world, f"Overeenkomst {uuid.uuid4().hex[:6]}", status="actief")
    report_id = make_report(world)
    client = login_as(world.user("owner", "ad"))
    html = client.get(f"/owner/rapporten/{report_id}").get_data(as_text=True)
    assert own in html and canary not in html
    assert client.post(f"/owner/rapporten/{report_id}/goedkeuren").status_code == 303
    report = load(world, report_id)
    assert report is not None and report.pdf_data is not None
    text_of_pdf = pdf_text(report.pdf_data)
    assert own in text_of_pdf  # the extraction works...
    assert canary not in text_of_pdf and canary.encode() not in report.pdf_data  # ...and finds no canary
    assert canary not in str(report.content)
    api = client.get(f"/api/v1/reports/{report_id}").get_data(as_text=True)
    assert own in api and canary not in api
    mailbox.wait(1)
    assert mailbox.messages
    for message in mailbox.messages:
        assert canary not in message.as_string()
    # The partner's report (a current member of region A) sees the owner's shared vacancy, never the outsider's.
    partner_id = make_report(world, "partner")
    partner = load(world, partner_id, "partner")
    assert partner is not None and canary not in str(partner.content)


def test_content_has_key_figures_and_every_module_section(app, world):
    from tests.matrix import make_agreement

    title = f"Overeenkomst {uuid.uuid4().hex[:6]}"
    make_agreement(world, title, status="actief", domains=("materieel", "personeel"))
    report_id = make_report(world)
    report = load(world, report_id)
    assert report is not None and report.content is not None
    content = report.content
    assert content["tenant"]["slug"] == "owner" and content["period"]["code"] == PERIOD
    sections = {s["key"]: s for s in content["sections"]}
    assert list(sections) == ["agreements", "policy_tables", "hr", "rentals", "procurement", "plans", "matrix"]
    assert [k for k, s in sections.items() if "unavailable" in s] == []
    labels = {f["label"] for f in content["key_figures"]}
    assert {"Actieve samenwerkingsovereenkomsten", "Geraamde besparing", "Vacatures gepubliceerd"} <= labels
    hr_labels = {f["label"] for f in sections["hr"]["figures"]}
    assert {"VTE ter beschikking gesteld aan partners", "Vormingen georganiseerd"} <= hr_labels
    rows = sections["agreements"]["tables"][0]["rows"]
    assert [r[0] for r in rows] == [title]
    assert sections["matrix"]["levels"]["facility"] == 2 and sections["matrix"]["levels"]["personeel"] == 2
    assert report.content_sha256 == ops.content_checksum(content)


def test_matrix_change_since_previous_report(app, world):
    from tests.matrix import make_agreement

    earlier = ops.last_completed_period("semester", TODAY)
    make_report(world, period=earlier, approve=True)
    make_agreement(world, f"Overeenkomst {uuid.uuid4().hex[:6]}", status="actief", domains=("ict",))
    report = load(world, make_report(world))
    assert report is not None and report.content is not None
    assert report.content["previous"]["period"] == earlier
    matrix = next(s for s in report.content["sections"] if s["key"] == "matrix")
    ict = next(row for row in matrix["tables"][0]["rows"] if row[0] == "ICT-management")
    assert ict[1:] == ["formeel", "geen", "gestegen"]


def test_report_pages_are_accessible_and_csp_safe(app, world, login_as):
    from tests.test_ui_shell import check_page, unexpected

    approved_id = make_report(world, approve=True)
    draft_id = make_report(world, period=ops.last_completed_period("semester", TODAY))
    client = login_as(world.user("owner", "ad"))
    problems = []
    for url in ("/owner/rapporten", f"/owner/rapporten/{approved_id}", f"/owner/rapporten/{draft_id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        problems += check_page(response.text, url)
    for url, data in (
        ("/owner/rapporten/genereren", {"period": "ooit"}),
        (f"/owner/rapporten/{draft_id}/bewerken", {"foreword": "x" * 10001}),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 422, url
        problems += check_page(response.text, url)
        assert 'aria-invalid="true"' in response.text
    assert unexpected(problems) == []


def test_cli_generates_a_draft_and_refuses_a_bad_period(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "generate", "--tenant", "owner", "--period", PERIOD])
    assert result.exit_code == 0, result.output
    assert f"Rapport {PERIOD} versie 1 van Gemeente Owner staat klaar als concept." in result.output
    bad = runner.invoke(args=["reports", "generate", "--tenant", "owner", "--period", "2026-S7"])
    assert bad.exit_code != 0 and "Ongeldige periode" in bad.output
    unknown = runner.invoke(args=["reports", "generate", "--tenant", "bestaat-niet"])
    assert unknown.exit_code != 0 and "Onbekend bestuur" in unknown.output


def test_tasks_have_explicit_names_and_the_schedule_is_registered(app):
    celery = app.extensions["celery"]
    assert {"portal.reports.generate", "portal.reports.schedule"} <= set(celery.tasks)
    assert celery.conf.beat_schedule["reports-due"]["task"] == "portal.reports.schedule"
    assert celery.tasks["portal.reports.generate"].acks_late is True


def test_pdf_renderer_fetches_nothing_external(app, world, monkeypatch):
    import urllib.request

    from portal.reports import rendering

    report_id = make_report(world)
    opened: list[str] = []
    real_open = urllib.request.OpenerDirector.open

    def spy(self: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(getattr(url, "full_url", url))
        return real_open(self, url, *args, **kwargs)

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", spy)
    document = rendering.report_document
    hostile = (
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
        '<img src="file:///etc/passwd" alt="x"><img src="https://example.org/track.png" alt="y">'
    )
    monkeypatch.setattr(rendering, "report_document", lambda r: document(r).replace("<main>", "<main>" + hostile))
    with tenant_context(world.tenants["owner"].id):
        report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
        assert report is not None
        pdf = rendering.render_pdf(report)
    assert pdf.startswith(b"%PDF")
    assert opened and all(str(url).startswith("data:") for url in opened), opened


def test_scheduled_draft_notifies_the_ad_once(app, world):
    from tasks.reports import schedule_reports

    schedule_reports.apply()
    schedule_reports.apply()
    ad = world.user("owner", "ad")
    notes = list(db.session.scalars(select(Notification).where(Notification.user_id == ad.id)))
    assert len(notes) == 1 and "staat klaar om na te lezen" in notes[0].title
    assert not db.session.scalars(
        select(Notification).where(Notification.user_id == world.user("owner", "hr").id)
    ).all()


def test_worker_killed_mid_report_then_redelivered_makes_one_report(app, world, monkeypatch):
    """acks_late: a worker dying mid-generation leaves the version in wordt_gemaakt; the redelivery finishes it."""
    real_gather = ops.gather

    def killed(report: Any, progress: Any = None) -> Any:
        if progress is not None:
            progress(40)  # committed: the page showed 40 %
        raise KeyboardInterrupt  # the process dies; not an Exception, so not recorded as mislukt

    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        report = ops.request_report(PERIOD)
        assert report is not None
        db.session.commit()
        report_id = report.id
    monkeypatch.setattr(ops, "gather", killed)
    with pytest.raises(KeyboardInterrupt):
        generate_report(ad.tenant_id, report_id)
    db.session.rollback()
    half = load(world, report_id)
    assert half is not None and (half.status, half.progress) == ("wordt_gemaakt", 40)
    monkeypatch.setattr(ops, "gather", real_gather)
    assert generate_report(ad.tenant_id, report_id) == "concept"
    assert generate_report(ad.tenant_id, report_id) == "concept"  # a third delivery changes nothing
    with tenant_context(ad.tenant_id):
        rows = list(db.session.scalars(select(CouncilReport).where(CouncilReport.period == PERIOD)))
    assert [(r.id, r.version, r.status) for r in rows] == [(report_id, 1, "concept")]


# -- always in Dutch ----------------------------------------------------------------------------


ENGLISH = ("Key figures", "Report to the municipal council", "Cooperation agreements")


def test_report_pdf_and_mail_are_dutch_when_an_english_speaking_ad_triggers_them(app, world, login_as, mailbox):
    ad, member = world.user("owner", "ad"), world.user("owner", "raadslid")
    ad.locale = member.locale = "en"
    db.session.commit()
    client = login_as(ad)
    assert "Reports" in client.get("/owner/rapporten").get_data(as_text=True)  # the AD's UI is English
    response = client.post("/owner/rapporten/genereren", data={"period": PERIOD})
    assert response.status_code == 303
    report_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/owner/rapporten/{report_id}").get_data(as_text=True)
    assert "Kerncijfers" in page and "Key figures" not in page
    assert client.post(f"/owner/rapporten/{report_id}/goedkeuren").status_code == 303

    report = load(world, report_id)
    assert report is not None and report.pdf_data is not None
    text = pdf_text(report.pdf_data)
    for dutch in ("Rapport aan de gemeenteraad", "Kerncijfers", "Samenwerkingsovereenkomsten", "semester"):
        assert dutch in text
    assert not any(english in text for english in ENGLISH)
    mails = mailbox.wait(1)
    [mail] = mailbox.to(member.email) or mails
    assert (mail["Subject"] or "").startswith("Rapport aan de gemeenteraad")
    assert "Het rapport aan de gemeenteraad" in body_of(mail) and "semester" in body_of(mail)
    assert not any(english in body_of(mail) for english in ENGLISH)


def test_generation_in_an_english_context_still_gathers_dutch_content(app, world):
    from flask_babel import force_locale

    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        report = ops.request_report(PERIOD)
        assert report is not None
        db.session.commit()
        report_id = report.id
    # As a worker whose language (or a request's) is English: the snapshot is Dutch all the same.
    with app.test_request_context(headers={"Accept-Language": "en"}), force_locale("en"):
        assert generate_report(ad.tenant_id, report_id) == "concept"
    found = load(world, report_id)
    assert found is not None and found.content is not None
    titles = [section["title"] for section in found.content["sections"]]
    assert "Samenwerkingsovereenkomsten" in titles and "Cooperation agreements" not in titles
    assert "semester" in found.content["period"]["label"]


def test_schedule_hands_on_a_version_left_waiting_by_a_dead_worker(app, world):
    from tasks.reports import schedule_reports

    previous = ops.last_completed_period("semester", TODAY)
    owner = world.tenants["owner"].id
    with tenant_context(owner):
        # Created by an earlier run whose worker died before handing it to the generator.
        waiting = ops.request_report(previous)
        assert waiting is not None and waiting.status == "wordt_gemaakt"
        db.session.commit()
        waiting_id = waiting.id
    assert schedule_reports.apply().get() >= 1
    found = load(world, waiting_id)
    assert found is not None and found.status == "concept"
    with tenant_context(owner):
        assert (
            db.session.scalar(
                select(text("count(*)")).select_from(CouncilReport).where(CouncilReport.period == previous)
            )
            == 1
        )
