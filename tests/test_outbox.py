"""The transactional outbox: notifications and mails commit together, are sent once, survive outages."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask import Blueprint, Flask, abort, request
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from structlog.testing import capture_logs

from portal import create_app
from portal.auth.models import User
from portal.core import outbox
from portal.core.access import PUBLIC, allow
from portal.core.models import utcnow
from portal.core.notifications import Notification, OutboxMessage
from portal.extensions import db
from tasks.mail import relay_outbox, send_outbox_message
from tests import conftest
from tests.conftest import body_of


def closed_port() -> int:
    """Return a local TCP port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def second_app(
    app: Flask, smtp_port: int, tmp_dir: str, blueprints: tuple[Blueprint, ...] = (), **overrides: Any
) -> Iterator[Flask]:
    """Build another app on the same test database with some settings changed."""
    config = {
        **conftest.test_config(tmp_dir, smtp_port),
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        **overrides,
    }
    other = create_app(config, mode="test")
    for bp in blueprints:
        other.register_blueprint(bp)
    other.test_client_class = conftest.FreshGlobalsClient
    try:
        yield other
    finally:
        # create_app makes its Celery app the process default; give it back to the session app.
        main = app.extensions["celery"]
        main.set_current()
        main.set_default()
        other.extensions["celery"].close()
        with other.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _session_celery(app: Flask) -> None:
    # Another test module may have built a second app that became Celery's default.
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()


def outbox_rows() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def pending_row(to: str = "iemand@owner.test", key: str = "test:1", **values: Any) -> OutboxMessage:
    """Commit an outbox row without handing it to the worker (as after a broker outage)."""
    msg = OutboxMessage(dedupe_key=key, to_email=to, subject="Onderwerp", body_text="Inhoud van de mail", **values)
    db.session.add(msg)
    db.session.commit()
    return msg


def backdate(message_id: int, seconds: int = 120) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(created_at=utcnow() - timedelta(seconds=seconds))
    )
    db.session.commit()


# -- notify: one transaction, mail after commit ---------------------------------------------


def test_notify_commits_notification_and_mail_together_and_sends_after_commit(world, mailbox):
    user = world.user("owner", "dienst")
    note = outbox.notify(
        user,
        category="general",
        title="Nieuwe mededeling van Partner",
        body="Gemeente Partner deelde een mededeling.",
        link="/owner/mededelingen",
    )
    assert note is not None
    msg = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"notification:{note.id}"))
    assert msg is not None and msg.status == "pending"
    # Nothing leaves the building before the transaction commits.
    assert mailbox.wait(1, timeout=0.3) == []

    db.session.commit()

    mails = mailbox.wait(1)
    assert len(mails) == 1
    mail = mails[0]
    assert mail["To"] == user.email
    assert mail["Subject"] == "Nieuwe mededeling van Partner"
    text = body_of(mail)
    assert "Gemeente Partner deelde een mededeling." in text
    assert "http://portal.test/owner/mededelingen" in text
    db.session.expire_all()
    sent = db.session.get(OutboxMessage, msg.id)
    assert sent is not None
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None)
    assert sent.sent_at is not None
    # An immediate mail counts as delivered: the daily digest will not repeat it.
    assert db.session.get(Notification, note.id).digested_at is not None  # type: ignore[union-attr]


def test_rollback_discards_notification_outbox_row_and_mail(world, mailbox):
    user = world.user("owner", "dienst")
    before = (count(Notification), count(OutboxMessage))
    outbox.notify(user, category="general", title="Wordt teruggedraaid")
    outbox.queue_mail(
        to="extern@example.test",
        subject="Ook weg",
        template="digest",
        dedupe_key="x:1",
        user=user,
        notifications=[],
        base_url="http://portal.test",
    )
    db.session.rollback()

    assert (count(Notification), count(OutboxMessage)) == before
    # A later, unrelated commit must not dispatch the ids of the rolled-back rows either.
    user.job_title = "Jurist"
    db.session.commit()
    assert mailbox.wait(1, timeout=0.5) == []


def test_savepoint_released_inside_the_transaction_does_not_send_early(world, mailbox):
    user = world.user("owner", "dienst")
    outbox.notify(user, category="general", title="Pas na de echte commit")
    with db.session.begin_nested():
        user.job_title = "Planner"
    assert mailbox.wait(1, timeout=0.3) == []
    db.session.commit()
    assert [m["Subject"] for m in mailbox.wait(1)] == ["Pas na de echte commit"]


def test_rolled_back_savepoint_keeps_the_outer_notification(world, mailbox):
    user = world.user("owner", "dienst")
    outbox.notify(user, category="general", title="Blijft staan")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        outbox.notify(user, category="general", title="Teruggedraaid in een savepoint")
        raise RuntimeError("operation fails halfway")
    db.session.commit()
    assert [m["Subject"] for m in mailbox.wait(2, timeout=1.0)] == ["Blijft staan"]
    assert db.session.scalar(select(func.count()).where(Notification.title == "Teruggedraaid in een savepoint")) == 0


def test_inactive_user_gets_the_notification_but_no_mail(world, mailbox):
    user = world.user("owner", "dienst")
    user.is_active = False
    note = outbox.notify(user, category="general", title="Stil")
    db.session.commit()
    assert note is not None and count(OutboxMessage) == 0
    assert mailbox.wait(1, timeout=0.3) == []


# -- inside a request: dispatch waits for after_request -------------------------------------


def _notify_blueprint(seen: dict[str, Any]) -> Blueprint:
    bp = Blueprint("outbox_test", __name__)

    @bp.post("/_test/notify")
    @allow(PUBLIC)  # a test route: the guard refuses any route that declares nothing
    def notify_view() -> Any:
        user = db.session.get(User, int(request.form["user_id"]))
        assert user is not None
        note = outbox.notify(user, category="general", title=request.form["title"], link="/owner/")
        assert note is not None
        if request.form.get("fail"):
            abort(409)  # the view gives up: no commit
        db.session.commit()
        # After commit but before the response: queued for after_request, not sent yet.
        seen["status_after_commit"] = db.session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.dedupe_key == f"notification:{note.id}")
        )
        return {"notification_id": note.id}

    return bp


@pytest.fixture
def request_app(app, smtp_sink, tmp_path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    seen: dict[str, Any] = {}
    with second_app(app, smtp_sink[1], str(tmp_path), (_notify_blueprint(seen),)) as other:
        yield other, seen


def test_request_sends_the_mail_in_after_request(world, request_app, mailbox):
    other, seen = request_app
    user = world.user("owner", "dienst")
    response = other.test_client().post("/_test/notify", data={"user_id": user.id, "title": "Via een verzoek"})
    assert response.status_code == 200, response.text
    assert seen["status_after_commit"] == "pending"
    mails = mailbox.wait(1)
    assert [m["Subject"] for m in mails] == ["Via een verzoek"]
    assert mails[0]["To"] == user.email
    note_id = response.json["notification_id"]
    status = db.session.scalar(
        select(OutboxMessage.status).where(OutboxMessage.dedupe_key == f"notification:{note_id}")
    )
    assert status == "sent"


def test_request_that_fails_before_commit_leaves_nothing(world, request_app, mailbox):
    other, _seen = request_app
    user = world.user("owner", "dienst")
    before = (count(Notification), count(OutboxMessage))
    response = other.test_client().post("/_test/notify", data={"user_id": user.id, "title": "Mislukt", "fail": "1"})
    assert response.status_code == 409
    assert (count(Notification), count(OutboxMessage)) == before
    assert mailbox.wait(1, timeout=0.5) == []


def test_request_succeeds_while_smtp_is_down(world, app, smtp_sink, tmp_path, mailbox):
    seen: dict[str, Any] = {}
    user = world.user("owner", "dienst")
    with second_app(app, smtp_sink[1], str(tmp_path), (_notify_blueprint(seen),), MAIL_PORT=closed_port()) as other:
        response = other.test_client().post("/_test/notify", data={"user_id": user.id, "title": "SMTP ligt plat"})
    assert response.status_code == 200, response.text
    msg = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject == "SMTP ligt plat"))
    assert msg is not None
    assert msg.status == "pending"
    assert msg.attempts == 1
    assert msg.last_error
    assert mailbox.messages == []


# -- idempotent sender ----------------------------------------------------------------------


def test_send_message_twice_sends_one_mail(mailbox):
    msg = pending_row(to="een@owner.test")
    assert outbox.send_message(msg.id) == "sent"
    assert outbox.send_message(msg.id) == "sent"
    assert len(mailbox.wait(2, timeout=0.5)) == 1
    assert mailbox.to("een@owner.test")[0]["Subject"] == "Onderwerp"


def test_sender_task_delivered_twice_sends_one_mail(mailbox):
    msg = pending_row(to="twee@owner.test")
    first = send_outbox_message.apply(args=[msg.id])
    second = send_outbox_message.apply(args=[msg.id])
    assert (first.get(), second.get()) == ("sent", "sent")
    assert len(mailbox.wait(2, timeout=0.5)) == 1
    db.session.expire_all()
    assert db.session.get(OutboxMessage, msg.id).attempts == 1  # type: ignore[union-attr]


def test_sender_of_unknown_message_does_nothing(mailbox):
    assert outbox.send_message(987654) == "missing"
    assert mailbox.wait(1, timeout=0.3) == []


def test_same_dedupe_key_queued_twice_creates_one_row(world, mailbox):
    user = world.user("owner", "dienst")
    ctx = {"user": user, "notification": None, "base_url": "http://portal.test"}
    first = outbox.queue_mail(to=user.email, subject="Eén keer", template="notification", dedupe_key="k:1", **ctx)
    again = outbox.queue_mail(to=user.email, subject="Eén keer", template="notification", dedupe_key="k:1", **ctx)
    assert first is not None and again is None
    db.session.commit()
    # Also once the first is committed (and sent).
    later = outbox.queue_mail(to=user.email, subject="Eén keer", template="notification", dedupe_key="k:1", **ctx)
    db.session.commit()
    assert later is None
    assert db.session.scalar(select(func.count()).where(OutboxMessage.dedupe_key == "k:1")) == 1
    assert len(mailbox.wait(2, timeout=0.5)) == 1


def test_notify_with_the_same_dedupe_key_notifies_once(world, mailbox):
    user = world.user("owner", "dienst")
    first = outbox.notify(user, category="general", title="Eenmalig", dedupe_key="evt:42")
    db.session.commit()
    second = outbox.notify(user, category="general", title="Eenmalig", dedupe_key="evt:42")
    db.session.commit()
    assert first is not None and second is None
    assert db.session.scalar(select(func.count()).where(Notification.dedupe_key == "evt:42")) == 1
    assert len(mailbox.wait(2, timeout=0.5)) == 1


@pytest.mark.skipif(not conftest.PG_URL, reason="needs PostgreSQL: two concurrent writers")
def test_concurrent_queue_with_the_same_key_keeps_one_row_and_the_transaction(world, mailbox):
    user = world.user("owner", "dienst")
    key = f"race:{conftest.RUN_ID}"
    rival = Session(db.engine)
    rival.add(OutboxMessage(dedupe_key=key, to_email="rivaal@owner.test", subject="Eerst", body_text="Eerst"))
    rival.flush()  # holds the key, uncommitted: our insert waits for it
    timer = threading.Timer(0.5, rival.commit)
    timer.start()
    try:
        user.job_title = "Blijft bewaard"
        queued = outbox.queue_mail(
            to=user.email,
            subject="Tweede",
            template="digest",
            dedupe_key=key,
            user=user,
            notifications=[],
            base_url="http://portal.test",
        )
        assert queued is None
        db.session.commit()  # the rest of the transaction is unharmed
        assert db.session.scalar(select(func.count()).where(OutboxMessage.dedupe_key == key)) == 1
        db.session.expire_all()
        assert user.job_title == "Blijft bewaard"
    finally:
        timer.join()
        rival.close()
        with Session(db.engine) as cleanup:
            cleanup.execute(delete(OutboxMessage).where(OutboxMessage.dedupe_key == key))
            cleanup.commit()


def test_relay_resends_a_message_claimed_by_a_crashed_worker(mailbox):
    stale = utcnow() - outbox.CLAIM_TIMEOUT - timedelta(minutes=1)
    msg = pending_row(to="crash@owner.test", status="sending", claimed_at=stale, attempts=1)
    backdate(msg.id, 3600)
    assert relay_outbox.apply().get() == 1
    assert len(mailbox.wait(1)) == 1
    db.session.expire_all()
    row = db.session.get(OutboxMessage, msg.id)
    assert row is not None and (row.status, row.attempts) == ("sent", 2)
    # Nothing left to relay: a second run sends nothing.
    assert relay_outbox.apply().get() == 0
    assert len(mailbox.wait(2, timeout=0.5)) == 1


def test_message_held_by_a_live_worker_is_left_alone(mailbox):
    msg = pending_row(to="bezig@owner.test", status="sending", claimed_at=utcnow(), attempts=1)
    backdate(msg.id, 3600)
    assert relay_outbox.apply().get() == 0
    assert outbox.send_message(msg.id) == "sending"
    assert mailbox.wait(1, timeout=0.5) == []


def test_relay_leaves_fresh_messages_to_their_own_dispatch(mailbox):
    pending_row(to="vers@owner.test")
    assert relay_outbox.apply().get() == 0
    assert mailbox.wait(1, timeout=0.3) == []


# -- outages ------------------------------------------------------------------------------


def test_smtp_down_keeps_message_pending_then_relay_sends_it_once(world, app, mailbox):
    user = world.user("owner", "dienst")
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()
    try:
        note = outbox.notify(user, category="general", title="Tijdens de storing")
        db.session.commit()  # the operation succeeds although the mail cannot go out
    finally:
        app.config["MAIL_PORT"] = port
    assert note is not None
    db.session.expire_all()
    msg = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"notification:{note.id}"))
    assert msg is not None
    assert (msg.status, msg.attempts) == ("pending", 1)
    assert "refused" in (msg.last_error or "").lower()
    assert db.session.get(Notification, note.id) is not None
    assert mailbox.messages == []

    backdate(msg.id)
    assert relay_outbox.apply().get() == 1
    assert [m["Subject"] for m in mailbox.wait(1)] == ["Tijdens de storing"]
    assert relay_outbox.apply().get() == 0
    assert len(mailbox.wait(2, timeout=0.5)) == 1
    db.session.expire_all()
    row = db.session.get(OutboxMessage, msg.id)
    assert row is not None and (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_message_fails_for_good_after_max_attempts(app, mailbox):
    msg = pending_row(to="nooit@owner.test", attempts=outbox.MAX_ATTEMPTS - 1)
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()
    try:
        assert send_outbox_message.apply(args=[msg.id]).get() == "failed"
    finally:
        app.config["MAIL_PORT"] = port
    backdate(msg.id)
    assert relay_outbox.apply().get() == 0
    assert mailbox.wait(1, timeout=0.3) == []


def broken_broker() -> dict[str, Any]:
    """Celery settings for a worker setup whose Redis is down."""
    return {
        "broker_url": f"redis://127.0.0.1:{closed_port()}/0",
        "result_backend": None,
        "task_always_eager": False,
        "task_default_queue": "portal",
        "broker_connection_retry_on_startup": False,
    }


def test_broker_down_commit_still_succeeds_and_relay_sends_later(world, app, smtp_sink, tmp_path, mailbox):
    user = world.user("owner", "dienst")
    broken = broken_broker()
    with second_app(app, smtp_sink[1], str(tmp_path), CELERY=broken) as other, other.app_context():
        assert not other.extensions["celery"].conf.task_always_eager
        with capture_logs() as logs:
            note = outbox.notify(user, category="general", title="Broker ligt plat")
            assert note is not None
            note_id = note.id
            db.session.commit()
    assert any(e["event"] == "outbox.enqueue_failed" and e["log_level"] == "warning" for e in logs), logs
    db.session.expire_all()
    msg = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"notification:{note_id}"))
    assert msg is not None and (msg.status, msg.attempts) == ("pending", 0)
    assert db.session.get(Notification, note_id) is not None
    assert mailbox.wait(1, timeout=0.3) == []

    # The broker is back (the session app): the relay hands it over once.
    backdate(msg.id)
    assert relay_outbox.apply().get() == 1
    assert [m["Subject"] for m in mailbox.wait(1)] == ["Broker ligt plat"]
    assert relay_outbox.apply().get() == 0
    assert len(mailbox.wait(2, timeout=0.5)) == 1


def test_request_succeeds_while_the_broker_is_down(world, app, smtp_sink, tmp_path, mailbox):
    seen: dict[str, Any] = {}
    user = world.user("owner", "dienst")
    bp = _notify_blueprint(seen)
    with second_app(app, smtp_sink[1], str(tmp_path), (bp,), CELERY=broken_broker()) as other, capture_logs() as logs:
        response = other.test_client().post("/_test/notify", data={"user_id": user.id, "title": "Zonder broker"})
    assert response.status_code == 200, response.text
    assert any(e["event"] == "outbox.enqueue_failed" for e in logs), logs
    msg = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject == "Zonder broker"))
    assert msg is not None and (msg.status, msg.attempts) == ("pending", 0)
    assert mailbox.wait(1, timeout=0.3) == []


def test_eager_task_runs_like_in_a_worker_without_the_callers_tenant(world, app):
    from tenants.context import current_context, tenant_context

    celery = app.extensions["celery"]

    def probe() -> list[Any]:
        ctx = current_context()
        assert ctx is not None
        return [ctx.tenant_id, ctx.user_id, ctx.task_id]

    task = celery.tasks.get("tests.probe_context") or celery.task(name="tests.probe_context")(probe)
    owner = world.tenants["owner"]
    with tenant_context(owner.id, user_id=world.user("owner").id):
        result = task.apply()
        assert current_context().tenant_id == owner.id  # type: ignore[union-attr]  # restored after
    assert result.get() == [None, None, result.id]


# -- command line -------------------------------------------------------------------------


def test_cli_relay_sends_pending_messages_once(app, mailbox):
    pending_row(to="cli@owner.test", key="cli:1")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "relay"])
    assert result.exit_code == 0, result.output
    assert "1 berichten doorgegeven." in result.output
    assert len(mailbox.wait(1)) == 1
    again = runner.invoke(args=["outbox", "relay"])
    assert again.exit_code == 0, again.output
    assert "0 berichten doorgegeven." in again.output
    assert len(mailbox.wait(2, timeout=0.5)) == 1


def test_cli_digest_sends_one_digest(world, app, mailbox):
    from portal.core.notifications import NotificationPreference

    user = world.user("partner", "hr")
    db.session.add(NotificationPreference(user_id=user.id, category="general", mode="daily"))
    outbox.notify(user, category="general", title="Eerste voor de samenvatting")
    outbox.notify(user, category="general", title="Tweede voor de samenvatting")
    db.session.commit()
    assert mailbox.wait(1, timeout=0.3) == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "digest"])
    assert result.exit_code == 0, result.output
    assert "1 samenvattingen verstuurd." in result.output
    mails = mailbox.wait(1)
    assert len(mails) == 1 and mails[0]["To"] == user.email
    again = runner.invoke(args=["outbox", "digest"])
    assert "0 samenvattingen verstuurd." in again.output
    assert len(mailbox.wait(2, timeout=0.5)) == 1


def test_a_sender_that_died_after_smtp_accepted_resends_with_the_same_message_id(mailbox, monkeypatch):
    msg = pending_row(to="dubbel@owner.test", key="test:dubbel")
    real_commit = db.session.commit
    calls = {"n": 0}

    def die_on_the_sent_mark() -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # 1: the claim; 2: marking it sent, after the SMTP server said yes
            raise SystemExit("worker killed")
        real_commit()

    monkeypatch.setattr(db.session, "commit", die_on_the_sent_mark)
    with pytest.raises(SystemExit):
        outbox.send_message(msg.id)
    monkeypatch.undo()
    db.session.rollback()
    assert len(mailbox.wait(1)) == 1
    # The claim expires; the relay hands the row out again and it is sent a second time.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == msg.id)
        .values(claimed_at=utcnow() - outbox.CLAIM_TIMEOUT - timedelta(minutes=1))
    )
    db.session.commit()
    assert outbox.send_message(msg.id) == "sent"
    copies = mailbox.to("dubbel@owner.test")
    assert len(copies) == 2
    ids = {copy["Message-ID"] for copy in copies}
    assert len(ids) == 1 and ids.pop().startswith(f"<outbox.{msg.id}.")
    # Another row gets another id, even with the same recipient and subject.
    other = pending_row(to="dubbel@owner.test", key="test:dubbel-2")
    assert outbox.send_message(other.id) == "sent"
    assert len({copy["Message-ID"] for copy in mailbox.to("dubbel@owner.test")}) == 2
