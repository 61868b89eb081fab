"""Input no field can hold is refused centrally: lone surrogates, deep JSON, control characters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.dashboard.models import Announcement
from portal.extensions import db
from portal.hr.models import Vacancy
from tenants.context import tenant_context
from tests.test_hr import form as vacancy_form

PROBLEM = "application/problem+json"
SURROGATE_BODY = b'{"title": "abc\\ud800", "body_html": "<p>x</p>"}'
DEEP = "[" * 5000 + "]" * 5000


def _count(model: Any, tenant_id: int) -> int:
    with tenant_context(tenant_id):
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def _post_json(client: Any, path: str, body: bytes | str, method: str = "POST") -> Any:
    return client.open(path, method=method, data=body, content_type="application/json")


@pytest.mark.parametrize("field", ["title", "body_html"])
def test_lone_surrogate_in_json_is_a_dutch_400_problem(world, login_as, field):
    client = login_as(world.user("owner"))
    payload = {"title": "Mededeling", "body_html": "<p>x</p>", field: "abc\ud800"}
    body = json.dumps(payload)  # ensure_ascii writes the surrogate as the escape \ud800
    assert "\\ud800" in body
    response = _post_json(client, "/api/v1/announcements", body)
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert response.get_json()["detail"] == "De aanvraag bevat ongeldige tekens."
    assert _count(Announcement, world.tenants["owner"].id) == 0


def test_lone_surrogate_in_a_json_key_or_list_is_refused(world, login_as):
    client = login_as(world.user("owner"))
    for body in ('{"ti\\udc00tle": "x"}', '{"title": "x", "partner_ids": ["\\ud83d"]}'):
        assert _post_json(client, "/api/v1/announcements", body).status_code == 400


def test_paired_surrogates_are_ordinary_text(world, login_as):
    client = login_as(world.user("owner"))
    response = _post_json(client, "/api/v1/announcements", '{"title": "Feest \\ud83d\\ude42", "body_html": "<p>x</p>"}')
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["title"] == "Feest 🙂"


def test_surrogate_in_query_string_is_refused(world, login_as):
    client = login_as(world.user("owner"))
    # werkzeug decodes an invalid UTF-8 escape to U+FFFD: an ordinary character, not a 500.
    assert client.get("/api/v1/announcements?q=%ED%A0%80").status_code < 500


@pytest.mark.parametrize("body", [DEEP, '{"title": ' + DEEP + "}", '{"a":' * 40 + "1" + "}" * 40])
def test_deep_json_is_a_dutch_400_problem(world, login_as, body):
    client = login_as(world.user("owner"))
    response = _post_json(client, "/api/v1/announcements", body)
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert "te diep genest" in response.get_json()["detail"]
    assert _count(Announcement, world.tenants["owner"].id) == 0


def test_json_at_the_depth_limit_is_parsed_normally(world, login_as):
    from portal.core.inputguard import MAX_JSON_DEPTH

    client = login_as(world.user("owner"))
    nested = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    body = '{"title": "Net diep genoeg", "body_html": "<p>x</p>", "partner_ids": ' + nested + "}"
    response = _post_json(client, "/api/v1/announcements", body)
    assert response.status_code == 422  # the schema refuses the nested lists, the guard did not
    assert "te diep" not in response.get_data(as_text=True)


def test_deep_json_and_surrogates_are_refused_on_every_json_write_endpoint(app, world, login_as):
    client = login_as(world.user("owner", "beheerder"))
    paths = sorted(
        {
            (rule.rule, method)
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/")
            for method in rule.methods or ()
            if method in ("POST", "PUT", "PATCH")
        }
    )
    assert len(paths) > 30
    for path, method in paths:
        concrete = path
        for name in ("<int:", "<"):
            while name in concrete:
                start = concrete.index(name)
                concrete = concrete[:start] + "1" + concrete[concrete.index(">", start) + 1 :]
        response = _post_json(client, concrete, DEEP, method=method)
        assert response.status_code == 400, (method, concrete, response.status_code)
        assert "te diep genest" in response.get_json()["detail"]
        # Surrogates in every field the issue names (policy-table name, decision text, vacancy text).
        surrogate = b'{"name": "x\\ud800", "title": "x", "text_html": "\\udc00", "description_html": "\\ud800"}'
        response = _post_json(client, concrete, surrogate, method=method)
        assert response.status_code == 400, (method, concrete, response.status_code)
        assert response.get_json()["detail"] == "De aanvraag bevat ongeldige tekens."


# -- control characters in one-line fields -----------------------------------------------------


@pytest.mark.parametrize(
    "title", ["Deskundige\r\nBcc: iedereen@example.org", "Deskundige\tpersoneel", "Desk\x07undige"]
)
def test_vacancy_title_with_control_characters_is_422_and_the_form_keeps_the_input(client, world, login_as, title):
    login_as(world.user("owner", "hr"))
    response = client.post(
        "/owner/hr/vacatures/nieuw", data=vacancy_form(title=title, description_html="<p>Mijn tekst</p>")
    )
    assert response.status_code == 422
    assert ("op één regel" in response.text) or ("ongeldige tekens" in response.text)
    assert "Mijn tekst" in response.text  # nothing the user typed is lost
    assert _count(Vacancy, world.tenants["owner"].id) == 0


def test_multiline_fields_keep_their_line_breaks(client, world, login_as):
    login_as(world.user("owner", "hr"))
    response = client.post(
        "/owner/hr/vacatures/nieuw",
        data=vacancy_form(
            description_html="<p>Regel een</p>\r\n<p>Regel twee</p>", selection_steps="1. cv\r\n2. gesprek"
        ),
    )
    assert response.status_code == 302
    assert _count(Vacancy, world.tenants["owner"].id) == 1


def test_api_title_with_line_break_is_422_problem(world, login_as):
    client = login_as(world.user("owner"))
    response = client.post("/api/v1/announcements", json={"title": "Eén\nBcc: x@example.org", "body_html": "<p>x</p>"})
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert "op één regel" in response.get_json()["errors"]["json"]["title"][0]
    body = client.post("/api/v1/announcements", json={"title": "Eén regel", "body_html": "<p>a</p>\n<p>b</p>"})
    assert body.status_code == 201


def test_every_control_character_but_line_breaks_is_refused_in_multiline_text(world, login_as):
    client = login_as(world.user("owner"))
    for char in ("\x01", "\x0b", "\x1b", "\x7f", "\x85"):
        response = client.post("/api/v1/announcements", json={"title": "Titel", "body_html": f"<p>a{char}b</p>"})
        assert response.status_code in (400, 422), repr(char)
    assert _count(Announcement, world.tenants["owner"].id) == 0


# -- mails that cannot be sent are visible, never lost silently -----------------------------------


def _row(key: str, to: str, subject: str) -> Any:
    from portal.core.notifications import OutboxMessage

    msg = OutboxMessage(dedupe_key=key, to_email=to, subject=subject, body_text="Inhoud")
    db.session.add(msg)
    db.session.commit()
    return msg


def test_subject_with_line_breaks_from_older_data_is_sent_on_one_line(mailbox):
    from portal.core import outbox

    msg = _row("hardening:subject", "kandidaat@owner.test", "Vacature Deskundige\r\nBcc: iedereen@example.org")
    assert outbox.send_message(msg.id) == "sent"
    [mail] = mailbox.wait(1)
    assert mail["Subject"] == "Vacature Deskundige Bcc: iedereen@example.org"
    assert mail["Bcc"] is None
    assert mail["To"] == "kandidaat@owner.test"


def test_mail_that_cannot_be_built_fails_at_once_logged_as_error_and_counted(client, mailbox):
    from structlog.testing import capture_logs

    from portal.core import outbox
    from portal.core.notifications import OutboxMessage
    from tasks.mail import relay_outbox

    assert client.get("/healthz").get_json()["outbox_failed"] == 0
    msg = _row("hardening:to", "kandidaat@owner.test\r\nBcc: x@example.org", "Ontvangstbevestiging")
    good = _row("hardening:good", "ander@owner.test", "Ontvangstbevestiging")
    with capture_logs() as logs:
        assert outbox.send_message(msg.id) == "failed"
        assert outbox.send_message(good.id) == "sent"
    given_up = [e for e in logs if e["event"] == "outbox.delivery_given_up"]
    assert len(given_up) == 1 and given_up[0]["log_level"] == "error"
    assert given_up[0]["message_id"] == msg.id and given_up[0]["permanent"] is True
    db.session.expire_all()
    row = db.session.get(OutboxMessage, msg.id)
    assert row.status == "failed" and row.attempts == 1
    assert row.last_error.startswith("ValueError")
    assert client.get("/healthz").get_json()["outbox_failed"] == 1
    # The relay does not pick a given-up row again; the other mail arrived, this one did not.
    relay_outbox.apply().get()
    assert [m["To"] for m in mailbox.wait(2, timeout=0.5)] == ["ander@owner.test"]


def test_transient_failure_is_retried_then_given_up_with_an_error_log(app, mailbox):
    import socket

    from structlog.testing import capture_logs

    from portal.core import outbox
    from portal.core.notifications import OutboxMessage

    msg = _row("hardening:smtp", "kandidaat@owner.test", "Ontvangstbevestiging")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed
    levels = []
    try:
        for _attempt in range(outbox.MAX_ATTEMPTS):
            with capture_logs() as logs, pytest.raises(OSError):
                outbox.send_message(msg.id)
            levels += [e["log_level"] for e in logs if e["event"].startswith("outbox.delivery")]
    finally:
        app.config["MAIL_PORT"] = port
    assert levels == ["warning"] * (outbox.MAX_ATTEMPTS - 1) + ["error"]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, msg.id).status == "failed"
    assert mailbox.wait(1, timeout=0.3) == []
