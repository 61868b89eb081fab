"""Council reports under failure, on real processes: PostgreSQL, Redis servers, Celery workers and beats.

- a worker SIGKILLed in the middle of a report, or in the middle of mailing it, leaves exactly one
  report version and one e-mail per raadslid once another worker took over;
- with Redis stopped, the production web process (gunicorn) still signs people in (sessions live
  in the database), throttles a wrong password in memory and approves (which queues the mails);
  the mails go out once Redis is back;
- two beat processes on one Redis enqueue a periodic job once per interval (redbeat's lock).

Each test starts its own ``redis-server`` on a free port (never the machine's shared one) and
stops everything it started, also on failure. Workers are other processes: the data they must
see is committed for real, in a tenant of its own; approved reports are immutable even for the
database owner, so that tenant is deactivated afterwards rather than deleted (as in
``test_rentals_concurrency``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from flask import Flask
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import scoped_session, sessionmaker

from portal.auth.models import User
from portal.core.notifications import Notification, OutboxMessage
from portal.extensions import db
from portal.reports import operations as ops
from portal.reports.models import CouncilReport
from tasks.reports import generate as generate_report
from tenants.context import tenant_context
from tenants.models import Tenant
from tests import clock
from tests.conftest import PASSWORD, PG_URL, REDIS_URL, RUN_ID, Mailbox, _free_port, body_of
from tests.test_outbox import second_app

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

pytestmark = [
    pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="needs PORTAL_TEST_DATABASE_URL and PORTAL_TEST_REDIS_URL"),
    pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason="needs redis-server to start a Redis of its own"),
    # One xdist worker runs every test that starts Celery processes (see tests/test_worker.py).
    pytest.mark.xdist_group("processes"),
]

ROOT = Path(__file__).resolve().parent.parent
PERIOD = ops.period_code("semester", clock.today())
#: Generous: two cores shared with other test runs; every wait polls and ends as soon as it can.
TIMEOUT = 60.0
VISIBILITY_TIMEOUT = 4  # seconds a killed worker's unacked task waits before another worker gets it


def wait_until(condition: Callable[[], Any], what: str, timeout: float = TIMEOUT, logs: tuple[Any, ...] = ()) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with the process logs otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name} (exit {p.process.poll()}):\n{p.log()[-3000:]}" for p in logs)
            pytest.fail(f"timed out waiting for {what}\n{tails}")
        time.sleep(0.1)


# -- processes -----------------------------------------------------------------------------------


@dataclass
class Proc:
    """A process this module started, with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no ack, no reject, exactly like a crash or the OOM killer."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class RedisServer:
    """A ``redis-server`` of this test on a free port, without persistence; can be stopped and restarted."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _ping(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        log_path = self.folder / f"redis-{self.port}.log"
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=self.folder,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self.proc = Proc("redis", process, log_path)
        wait_until(self._ping, f"redis-server on port {self.port}", timeout=20, logs=(self.proc,))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@dataclass
class Processes:
    """Start workers and beats against one Redis; everything started is stopped at the end."""

    folder: Path
    redis_url: str
    smtp_port: int
    started: list[Proc] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        env.update(
            {
                "PORTAL_ENV": "production",
                "PORTAL_DATABASE_URL": str(PG_URL),
                "PORTAL_REDIS_URL": self.redis_url,
                "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
                "PORTAL_MAIL_BACKEND": "smtp",
                "PORTAL_MAIL_SERVER": "127.0.0.1",
                "PORTAL_MAIL_PORT": str(self.smtp_port),
                "PORTAL_BASE_URL": "http://portal.test",
                "PORTAL_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
                # Shorter than the visibility timeout: the redelivered sender may take over its dead claim.
                "PORTAL_OUTBOX_CLAIM_SECONDS": "2",
                "PYTHONUNBUFFERED": "1",
                **extra,
            }
        )
        return env

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> Proc:
        return self._start(name, [sys.executable, "-m", "celery", "-A", "tasks.worker", *args], env)

    def _start(self, name: str, argv: list[str], env: dict[str, str]) -> Proc:
        log_path = self.folder / f"{name}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        proc = Proc(name, process, log_path)
        self.started.append(proc)
        return proc

    def worker(self, name: str) -> Proc:
        return self._spawn(
            name,
            [
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                f"--hostname={name}-{RUN_ID}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            self.env(),
        )

    def beat(self, name: str, **extra: str) -> Proc:
        return self._spawn(
            name,
            [
                "beat",
                "-S",
                "redbeat.RedBeatScheduler",
                "--loglevel=INFO",
                "--max-interval=1",
                f"--pidfile={self.folder / name}.pid",
            ],
            self.env(**extra),
        )

    def web(self, name: str) -> tuple[Proc, str]:
        """Start the production web process (gunicorn, one worker) and return it with its base URL."""
        port = _free_port()
        env = self.env(PORTAL_BIND=f"127.0.0.1:{port}", PORTAL_WEB_WORKERS="1", PORTAL_SECURE_COOKIES="0")
        proc = self._start(
            name, [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal:create_app()"], env
        )
        base = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            try:
                return requests.get(f"{base}/livez", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(ready, "the web process", logs=(proc,))
        return proc, base

    def stop_all(self) -> None:
        for proc in self.started:
            proc.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def processes(own_redis: RedisServer, smtp_sink: Any, tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path, own_redis.url, smtp_sink[1])
    try:
        yield procs
    finally:
        procs.stop_all()


@pytest.fixture
def producer(app: Flask, smtp_sink: Any, own_redis: RedisServer, tmp_path: Path) -> Iterator[Flask]:
    """An app like the web process, enqueueing through this test's own Redis.

    Sessions and rate limits stay on the suite's Redis: the limiter extension is process-wide,
    and the login throttle reads its counters from Redis directly.
    """
    celery = {
        **app.config["CELERY"],
        "broker_url": own_redis.url,
        "result_backend": None,
        "task_always_eager": False,
        "task_default_queue": "portal",  # as in production: what the worker consumes
        # Fail fast while Redis is down: the request must not hang on the broker.
        "broker_connection_timeout": 1,
        "broker_transport_options": {"max_retries": 1, "socket_connect_timeout": 1},
    }
    with second_app(
        app,
        smtp_sink[1],
        str(tmp_path),
        CELERY=celery,
        PORTAL_UPLOAD_DIR=app.config["PORTAL_UPLOAD_DIR"],
    ) as other:
        yield other


# -- committed data ------------------------------------------------------------------------------


@dataclass
class Council:
    """A committed municipality with an AD and three raadsleden."""

    tenant_id: int
    slug: str
    ad_id: int
    members: list[str]


@pytest.fixture
def council(app: Flask) -> Iterator[Council]:
    """Commit a tenant for real (the worker must see it); deactivate it and its users afterwards."""
    from portal.auth.operations import create_user
    from tenants.operations import create_tenant

    fixture_session = db.session
    db.session = scoped_session(sessionmaker(bind=db.engine))
    slug = f"betrouwbaar-{RUN_ID}-{uuid.uuid4().hex[:6]}"
    tenant_id = 0
    try:
        with tenant_context(None, is_platform=True):
            tenant = create_tenant(f"Gemeente {slug}", slug=slug)
            ad = create_user(
                tenant, email=f"ad@{slug}.test", full_name="AD", roles=["algemeen_directeur"], password=PASSWORD
            )
            members = [
                create_user(tenant, email=f"raadslid{n}@{slug}.test", full_name=f"Raadslid {n}", roles=["raadslid"])
                for n in (1, 2, 3)
            ]
            db.session.commit()
            tenant_id = tenant.id
            council = Council(tenant.id, slug, ad.id, [m.email for m in members])
        yield council
    finally:
        db.session.rollback()
        if tenant_id:
            with tenant_context(None, is_platform=True):
                db.session.execute(update(User).where(User.tenant_id == tenant_id).values(is_active=False))
                db.session.execute(update(Tenant).where(Tenant.id == tenant_id).values(is_active=False))
                db.session.execute(
                    OutboxMessage.__table__.delete().where(OutboxMessage.to_email.like(f"%@{slug}.test"))
                )
                db.session.commit()
        db.session.remove()
        db.session = fixture_session


def request_report(council: Council) -> int:
    with tenant_context(council.tenant_id, user_id=council.ad_id):
        report = ops.request_report(PERIOD)
        assert report is not None
        db.session.commit()
        return report.id


def report_rows(council: Council) -> list[tuple[int, int, str]]:
    db.session.rollback()  # a fresh snapshot: the worker commits on its own connection
    with tenant_context(council.tenant_id):
        rows = db.session.execute(
            select(CouncilReport.id, CouncilReport.version, CouncilReport.status).where(CouncilReport.period == PERIOD)
        ).all()
        db.session.rollback()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def approve_and_deliver(council: Council, report_id: int) -> list[int]:
    """Approve the draft with its real PDF and queue the mails (as the approve view does); return outbox ids."""
    from portal.reports.rendering import render_pdf

    db.session.rollback()
    with tenant_context(council.tenant_id, user_id=council.ad_id):
        report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
        assert report is not None and report.status == "concept"
        ops.approve(report, render_pdf(report))
        assert ops.deliver(report) == 3
        db.session.commit()
    return outbox_ids(report_id)


def outbox_ids(report_id: int) -> list[int]:
    db.session.rollback()
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.dedupe_key.like(f"council-report:{report_id}:%:mail"))
        .order_by(OutboxMessage.id)
    )
    return list(ids)


def outbox_status(ids: list[int]) -> dict[int, tuple[str, int]]:
    db.session.rollback()
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts).where(OutboxMessage.id.in_(ids))
    ).all()
    db.session.rollback()
    return {row[0]: (row[1], row[2]) for row in rows}


def enqueue_all(producer: Flask, name: str, *calls: tuple[Any, ...]) -> None:
    from portal.core.taskqueue import enqueue

    with producer.app_context():
        for args in calls:
            enqueue(name, *args)


def assert_one_mail_each(mailbox: Mailbox, council: Council) -> None:
    """Exactly one report mail per raadslid, nothing else for this municipality."""
    ours = [m for m in mailbox.messages if f"@{council.slug}.test" in (m["To"] or "")]
    assert sorted(m["To"] for m in ours) == sorted(council.members)
    for message in ours:
        assert "Rapport aan de gemeenteraad" in (message["Subject"] or "")
        assert f"/{council.slug}/rapporten/" in body_of(message)


def settle(mailbox: Mailbox, seconds: float = 3.0) -> None:
    """Give a duplicate (a second delivery of a redelivered task) the chance to arrive."""
    count = len(mailbox.messages)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(mailbox.messages) == count:
        time.sleep(0.1)


# -- a worker killed mid-task --------------------------------------------------------------------


def test_worker_killed_while_generating_leaves_one_report_and_one_mail_each(council, processes, producer, mailbox, app):
    report_id = request_report(council)
    # The known point: the worker has loaded the version, gathered the first section and is
    # committing its progress, which waits for this row lock. Then it is killed.
    with db.engine.connect() as holder, db.engine.connect() as watcher:
        holder.begin()
        holder.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(council.tenant_id)})
        assert holder.execute(
            text("SELECT id FROM council_reports WHERE id = :id FOR UPDATE"), {"id": report_id}
        ).scalar_one()
        first = processes.worker("worker-1")
        enqueue_all(producer, ops.TASK, (council.tenant_id, report_id))

        def blocked() -> bool:
            watcher.rollback()
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query ILIKE '%council_reports%' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
            return bool(waiting)

        wait_until(blocked, "the worker to be mid-generation", logs=(first,))
        first.kill()
        holder.rollback()
    assert report_rows(council) == [(report_id, 1, "wordt_gemaakt")]

    second = processes.worker("worker-2")
    wait_until(
        lambda: report_rows(council) == [(report_id, 1, "concept")], "the redelivered generation", logs=(second,)
    )
    assert "portal.reports.generate" in second.log()

    ids = approve_and_deliver(council, report_id)
    enqueue_all(producer, "portal.outbox.send", *((i,) for i in ids))
    wait_until(lambda: len(mailbox.messages) >= 3, "three report mails", logs=(second,))
    settle(mailbox)
    assert_one_mail_each(mailbox, council)
    assert report_rows(council) == [(report_id, 1, "verzonden")]
    assert {status for status, _attempts in outbox_status(ids).values()} == {"sent"}


def test_worker_killed_while_mailing_the_report_sends_one_mail_each(
    council, processes, producer, mailbox, smtp_sink, app
):
    report_id = request_report(council)
    assert generate_report(council.tenant_id, report_id) == "concept"
    ids = approve_and_deliver(council, report_id)
    first_address = council.members[0]
    sink = smtp_sink[0]
    sink.held.add(first_address)
    try:
        first = processes.worker("worker-1")
        enqueue_all(producer, "portal.outbox.send", *((i,) for i in ids))
        # The known point: the first mail is claimed and its SMTP transaction is under way.
        wait_until(lambda: first_address in sink.waiting, "the worker to be mid-delivery", logs=(first,))
        assert outbox_status(ids)[ids[0]] == ("sending", 1)
        first.kill()
    finally:
        sink.held.discard(first_address)
        sink.waiting.discard(first_address)
    assert [m["To"] for m in mailbox.messages] == []

    second = processes.worker("worker-2")
    wait_until(lambda: len(mailbox.messages) >= 3, "three report mails", logs=(second,))
    settle(mailbox)
    assert_one_mail_each(mailbox, council)
    statuses = outbox_status(ids)
    assert {status for status, _attempts in statuses.values()} == {"sent"}
    # The first mail was claimed twice: by the killed worker, then by the redelivered task.
    assert statuses[ids[0]] == ("sent", 2)
    assert all(statuses[i] == ("sent", 1) for i in ids[1:])


# -- Redis stopped ---------------------------------------------------------------------------------


CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(page: requests.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


@pytest.mark.real_clock  # PostgreSQL's now() (row-level security, relay age) reads the host
def test_with_redis_stopped_people_sign_in_and_approve_and_the_mail_goes_out_once_it_is_back(
    council, own_redis, processes, producer, mailbox, app
):
    """The production web process on the one Redis of production (broker, rate limits), then stopped."""
    from portal.core import outbox

    report_id = request_report(council)
    assert generate_report(council.tenant_id, report_id) == "concept"
    web, base = processes.web("web")
    with tenant_context(None, is_platform=True):
        ad = db.session.get(User, council.ad_id)
        assert ad is not None
        email = ad.email
        db.session.rollback()
    own_redis.stop()

    # A wrong password is counted in the process's memory: a Dutch 401, not a 500.
    stranger = requests.Session()
    page = stranger.get(f"{base}/login", timeout=30)
    wrong = {"csrf_token": csrf_token(page), "email": email, "password": "Helemaal-fout-wachtwoord"}
    assert stranger.post(f"{base}/login", data=wrong, timeout=30).status_code == 401
    # Signing in, reading and approving work: sessions live in the database.
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=30)
    assert page.status_code == 200 and 'lang="nl-BE"' in page.text
    signed_in = browser.post(
        f"{base}/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    page = browser.get(f"{base}/{council.slug}/rapporten/{report_id}", timeout=30)
    assert page.status_code == 200, web.log()[-3000:]
    started = time.monotonic()
    response = browser.post(
        f"{base}/{council.slug}/rapporten/{report_id}/goedkeuren",
        data={"csrf_token": csrf_token(page)},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 303, response.text[:500]
    assert time.monotonic() - started < 30  # the broker outage costs a retry, not a hang
    assert browser.get(f"{base}/{council.slug}/rapporten/{report_id}", timeout=30).status_code == 200
    assert report_rows(council) == [(report_id, 1, "verzonden")]
    ids = outbox_ids(report_id)
    assert len(ids) == 3
    assert {status for status, _attempts in outbox_status(ids).values()} == {"pending"}
    assert mailbox.messages == []
    assert "Traceback" not in web.log()

    own_redis.start()
    worker = processes.worker("worker")
    with producer.app_context():
        # What beat's relay does every minute (without its 30 s grace), twice: sent once anyway.
        assert outbox.relay(older_than=timedelta(0)) >= 3
        outbox.relay(older_than=timedelta(0))
    wait_until(lambda: len(mailbox.messages) >= 3, "the queued mails after Redis came back", logs=(worker,))
    settle(mailbox)
    assert_one_mail_each(mailbox, council)
    assert {status for status, _attempts in outbox_status(ids).values()} == {"sent"}
    with tenant_context(None, is_platform=True):
        db.session.rollback()
        notes = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.dedupe_key.like(f"council-report:{report_id}:%"))
        )
    assert notes == 3
    # Once Redis is back the same browser session simply goes on.
    assert browser.get(f"{base}/{council.slug}/", timeout=30).status_code == 200


# -- two beats -------------------------------------------------------------------------------------


def queued(client: redis.Redis, task: str) -> int:
    """Count the messages of ``task`` waiting in the worker's queue (no worker consumes them here)."""
    return sum(1 for raw in client.lrange("portal", 0, -1) if json.loads(raw)["headers"]["task"] == task)


def test_two_beat_processes_enqueue_a_periodic_job_once_per_interval(own_redis, processes):
    interval = 2
    beats = [processes.beat(f"beat-{n}", PORTAL_OUTBOX_RELAY_SECONDS=str(interval)) for n in (1, 2)]
    client = own_redis.client()
    try:
        wait_until(lambda: queued(client, "portal.outbox.relay") >= 1, "beat's first relay", logs=tuple(beats))
        window = 5 * interval
        before, started = queued(client, "portal.outbox.relay"), time.monotonic()
        time.sleep(window)  # the observation window itself, not an assertion on timing
        sent = queued(client, "portal.outbox.relay") - before
        elapsed = time.monotonic() - started
        assert all(beat.process.poll() is None for beat in beats), [beat.log()[-2000:] for beat in beats]
        # One beat holds redbeat's lock and sends once per interval; the other waits for the lock.
        assert 1 <= sent <= elapsed / interval + 1, (sent, elapsed)
        senders = [beat for beat in beats if "Sending due task outbox-relay" in beat.log()]
        assert len(senders) == 1, [beat.log()[-2000:] for beat in beats]
    finally:
        client.close()
