"""A real Celery worker process on PostgreSQL and Redis sends outbox mail once.

The worker is another process, so it cannot see the rolled-back test transaction: this test
commits its outbox rows for real (on a connection of its own) and deletes them afterwards.
It uses an empty Redis database of its own and removes the broker's keys at the end.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.core.models import utcnow
from portal.core.notifications import OutboxMessage
from portal.core.taskqueue import enqueue
from portal.extensions import db
from tests.conftest import PG_URL, REDIS_URL, RUN_ID, Mailbox, body_of
from tests.test_outbox import second_app

pytestmark = [
    pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="needs PORTAL_TEST_DATABASE_URL and PORTAL_TEST_REDIS_URL"),
    # One xdist worker runs every test that starts Celery processes: they pick free Redis databases.
    pytest.mark.xdist_group("processes"),
]

ROOT = Path(__file__).resolve().parent.parent


# This run's own queue: another process's worker that happens to share the Redis database (a
# benchmark, a second checkout's suite) cannot take the tasks sent here, nor this worker theirs.
QUEUE = f"portal-test-{RUN_ID}"

# Celery's and kombu's keys on the broker; only these are removed afterwards.
BROKER_KEYS = ("portal*", "_kombu.*", "unacked*", "celery-task-meta-*")


@pytest.fixture
def worker_redis_url() -> Iterator[str]:
    """Return the URL of an empty Redis database (not the suite's own); remove Celery's keys after."""
    assert REDIS_URL
    suite = redis.Redis.from_url(REDIS_URL)
    kwargs = suite.connection_pool.connection_kwargs
    suite_db = int(kwargs.get("db", 0))
    suite.close()
    for number in range(12, 3, -1):
        if number == suite_db:
            continue
        candidate = redis.Redis(host=kwargs["host"], port=kwargs["port"], db=number)
        if candidate.dbsize() == 0:
            break
        candidate.close()
    else:
        pytest.skip("no empty Redis database for the worker")
    try:
        yield f"redis://{kwargs['host']}:{kwargs['port']}/{number}"
    finally:
        # Not FLUSHDB: someone else may have started using this database meanwhile.
        for pattern in BROKER_KEYS:
            for key in candidate.scan_iter(pattern):
                candidate.delete(key)
        candidate.close()


@pytest.fixture
def worker(app: Flask, smtp_sink: Any, worker_redis_url: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start `celery -A tasks.worker worker` in production mode; stop it at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        {
            "PORTAL_ENV": "production",
            "PORTAL_DATABASE_URL": str(PG_URL),
            "PORTAL_REDIS_URL": worker_redis_url,
            "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
            "PORTAL_MAIL_BACKEND": "smtp",
            "PORTAL_MAIL_SERVER": "127.0.0.1",
            "PORTAL_MAIL_PORT": str(smtp_sink[1]),
            "PORTAL_BASE_URL": "http://portal.test",
            "PORTAL_CELERY_QUEUE": QUEUE,
        }
    )
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tasks.worker",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                f"--hostname=test-{RUN_ID}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    process.log_path = log_path  # type: ignore[attr-defined]
    try:
        # Consuming starts only after "ready"; a task sent before may find no queue bound yet
        # on a loaded machine, and kombu routes it nowhere.
        deadline = time.monotonic() + 90
        while b" ready." not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker not ready: exit {process.poll()}:\n{log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def producer(app: Flask, smtp_sink: Any, worker_redis_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app that enqueues through the worker's broker (not eagerly)."""
    celery = {
        **app.config["CELERY"],
        "broker_url": worker_redis_url,
        "result_backend": worker_redis_url,
        "task_always_eager": False,
        "task_default_queue": QUEUE,  # what the worker consumes
    }
    with second_app(app, smtp_sink[1], str(tmp_path), CELERY=celery) as other:
        yield other


@pytest.fixture
def committed_rows(app: Flask) -> Iterator[list[int]]:
    """Ids of outbox rows this test committed for real; deleted afterwards."""
    ids: list[int] = []
    yield ids
    with Session(db.engine) as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        session.commit()


def commit_row(ids: list[int], key: str, to: str, **values: Any) -> int:
    with Session(db.engine) as session:
        msg = OutboxMessage(
            dedupe_key=f"worker-test:{RUN_ID}:{key}",
            to_email=to,
            subject=f"Via de worker ({key})",
            body_text=f"Verstuurd door een echte worker: {key}",
            **values,
        )
        session.add(msg)
        session.commit()
        ids.append(msg.id)
        return msg.id


def status(message_id: int) -> tuple[str, int]:
    with Session(db.engine) as session:
        row = session.execute(
            select(OutboxMessage.status, OutboxMessage.attempts).where(OutboxMessage.id == message_id)
        ).one()
        return row[0], row[1]


def wait_for_mail(mailbox: Mailbox, count: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(mailbox.messages) < count:
        if process.poll() is not None or time.monotonic() > deadline:
            log = process.log_path.read_text(errors="replace")  # type: ignore[attr-defined]
            with Session(db.engine) as session:
                rows = session.execute(select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts)).all()
            pytest.fail(
                f"{len(mailbox.messages)}/{count} mails; outbox {rows}; worker exit {process.poll()}:\n{log[-4000:]}"
            )
        time.sleep(0.1)


def test_worker_sends_an_enqueued_mail_once(worker, producer, committed_rows, mailbox):
    message_id = commit_row(committed_rows, "een", "worker@owner.test")
    with producer.app_context():
        # Delivered twice (a redelivery after a lost ack looks the same): sent once.
        enqueue("portal.outbox.send", message_id)
        enqueue("portal.outbox.send", message_id)
    wait_for_mail(mailbox, 1, worker)
    time.sleep(2)  # give a duplicate the chance to arrive
    assert [m["To"] for m in mailbox.messages] == ["worker@owner.test"]
    assert "Verstuurd door een echte worker: een" in body_of(mailbox.messages[0])
    assert status(message_id) == ("sent", 1)


@pytest.mark.real_clock  # PostgreSQL's now() (row-level security, relay age) reads the host
def test_worker_relay_sends_what_the_broker_never_got(worker, producer, committed_rows, mailbox):
    stale = utcnow() - timedelta(hours=1)
    lost = commit_row(committed_rows, "verloren", "relay@owner.test", created_at=stale)
    crashed = commit_row(
        committed_rows, "gecrasht", "crash@owner.test", created_at=stale, status="sending", claimed_at=stale, attempts=1
    )
    with producer.app_context():
        enqueue("portal.outbox.relay")
    wait_for_mail(mailbox, 2, worker)
    time.sleep(2)
    assert sorted(m["To"] for m in mailbox.messages) == ["crash@owner.test", "relay@owner.test"]
    assert status(lost) == ("sent", 1)
    assert status(crashed) == ("sent", 2)
