"""Test fixtures: the app on SQLite (default) or PostgreSQL + Redis, a rollback per test,
an SMTP sink, factories and a small world of tenants for cross-tenant tests."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal import create_app
from portal.extensions import db, limiter
from tests import clock

#: "gw0", "gw1", ... in a pytest-xdist worker, None in a serial run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _per_worker(url: str | None) -> str | None:
    """Return ``url`` with the worker id appended to the database name: one database per worker."""
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


PG_URL = _per_worker(os.environ.get("PORTAL_TEST_DATABASE_URL"))
PG_OWNER_URL = _per_worker(os.environ.get("PORTAL_TEST_OWNER_DATABASE_URL"))
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")
PASSWORD = "Correct-paard-batterij-12"
RUN_ID = uuid.uuid4().hex[:8]


# -- SMTP sink ----------------------------------------------------------------------------


class _Sink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        # Crash tests: a recipient in ``held`` waits at RCPT TO (the sender is mid-delivery, the
        # mail not yet accepted) until removed; ``waiting`` tells the test it got that far.
        self.held: set[str] = set()
        self.waiting: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        while address in self.held:
            self.waiting.add(address)
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@dataclass
class Mailbox:
    """Mails received by the SMTP sink during one test."""

    sink: _Sink
    start: int = 0

    @property
    def messages(self) -> list[Message]:
        return self.sink.messages[self.start :]

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[Message]:
        """Wait until ``count`` mails arrived; return them."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def to(self, address: str) -> list[Message]:
        """Return the mails sent to ``address``."""
        return [m for m in self.messages if address in (m["To"] or "")]


def body_of(msg: Message) -> str:
    """Return the text part of a mail."""
    if msg.is_multipart():
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                return payload.decode() if isinstance(payload, bytes) else str(payload)
    payload = msg.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(payload)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[tuple[_Sink, int]]:
    sink = _Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_sink: tuple[_Sink, int]) -> Mailbox:
    sink, _port = smtp_sink
    return Mailbox(sink=sink, start=len(sink.messages))


# -- the clock -------------------------------------------------------------------------------


def pytest_report_header(config: pytest.Config) -> str:
    return f"clock: frozen at {clock.configured_instant().isoformat()} ({clock.ENV_VAR} overrides)"


_SESSION_TRAVEL = pytest.StashKey[time_machine.travel]()


def pytest_configure(config: pytest.Config) -> None:
    """Freeze the clock from the start: module constants, session fixtures (the app) see it too."""
    travel = time_machine.travel(clock.configured_instant(), tick=True)
    travel.start()
    config.stash[_SESSION_TRAVEL] = travel


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION_TRAVEL in config.stash:
        config.stash[_SESSION_TRAVEL].stop()


@pytest.fixture(autouse=True)
def frozen_clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller]:
    """Start every test at the configured instant, or at the one its ``frozen_at`` marker names.

    The clock ticks from there, so timeouts and durations still pass; ``frozen_clock.shift()``
    moves it on. Only this process is frozen: a test that compares dates with a server or worker
    it starts says ``@pytest.mark.real_clock``.
    """
    marker = request.node.get_closest_marker("frozen_at")
    if request.node.get_closest_marker("real_clock"):
        # The test compares its dates with another process's (a browser, a server): both read the host.
        instant = datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC)
    else:
        instant = clock.parse_instant(marker.args[0]) if marker else clock.configured_instant()
    with time_machine.travel(instant, tick=True) as traveller:
        yield traveller


# -- application and database --------------------------------------------------------------


def test_config(tmp_dir: str, smtp_port: int) -> dict[str, Any]:
    """Return the settings of the app under test."""
    database_url = PG_URL or f"sqlite:///{tmp_dir}/test.sqlite3"
    celery: dict[str, Any] = {
        "broker_url": REDIS_URL or "memory://",
        "result_backend": None,
        "task_always_eager": True,
        "task_eager_propagates": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "timezone": "Europe/Brussels",
    }
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production-use",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_MIGRATION_DATABASE_URL": PG_OWNER_URL if PG_URL else None,
        "PORTAL_RLS": bool(PG_URL),
        "PORTAL_REDIS_URL": REDIS_URL,
        "PORTAL_UPLOAD_DIR": f"{tmp_dir}/uploads",
        "RATELIMIT_STORAGE_URI": REDIS_URL or "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{RUN_ID}",
        # limiter.reset() deletes every key under the storage's prefix: per process, so one
        # xdist worker's reset between tests does not wipe another's counts mid-test.
        **({"RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"LIMITS-{RUN_ID}"}} if REDIS_URL else {}),
        "WTF_CSRF_ENABLED": False,
        "PORTAL_ARGON2_FAST": True,
        "PORTAL_MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "PORTAL_BASE_URL": "http://portal.test",
        "CELERY": celery,
    }


def _ensure_worker_database() -> None:
    """Create this xdist worker's PostgreSQL database, owned by the owner role, if it is missing.

    `.ci/run` creates them beforehand; otherwise this needs ``PORTAL_TEST_ADMIN_DATABASE_URL`` or
    an owner role with CREATEDB (it connects to the database the suite was given).
    """
    if not (PG_URL and WORKER):
        return
    from tenants.rls import quote_ident

    name = make_url(PG_URL).database or ""
    owner = make_url(PG_OWNER_URL or PG_URL).username or ""
    admin_url = (
        os.environ.get("PORTAL_TEST_ADMIN_DATABASE_URL")
        or os.environ.get("PORTAL_TEST_OWNER_DATABASE_URL")
        or os.environ["PORTAL_TEST_DATABASE_URL"]
    )
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
                conn.execute(text(f"CREATE DATABASE {quote_ident(name)} OWNER {quote_ident(owner)}"))
    finally:
        admin.dispose()


def _reset_schema(app: Flask) -> None:
    """Rebuild the schema from the migrations; on PostgreSQL as the owner, for the runtime role."""
    from flask_migrate import upgrade

    with app.app_context():
        x_arg: list[str] = []
        if PG_URL:
            from tenants.rls import quote_ident

            runtime = make_url(PG_URL).username or ""
            owner = create_engine(PG_OWNER_URL or PG_URL)
            with owner.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
                conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {quote_ident(runtime)}"))
            owner.dispose()
            # Migration 0002 grants the runtime role DML on every table (it owns none).
            x_arg = [f"app_role={runtime}"]
        # app.config["PORTAL_MIGRATION_DATABASE_URL"] is the owner URL on PostgreSQL.
        upgrade(x_arg=x_arg)
        db.engine.dispose()


class FreshGlobalsClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``.

    The per-test app context is reused by requests, so without this the user flask-login
    cached, Babel's locale and ``g.token_auth`` would leak from one request into the next;
    in production every request has its own app context. It also closes the request bodies
    it built: werkzeug spools a large multipart body to a temporary file and leaves it open.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            g.__dict__.clear()
        response = super().open(*args, **kwargs)
        for each in (*getattr(response, "history", ()), response):
            body = getattr(each, "request", None) and each.request.environ.get("wsgi.input")
            if body is not None and hasattr(body, "close"):
                body.close()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, smtp_sink: tuple[_Sink, int]) -> Iterator[Flask]:
    tmp_dir = str(tmp_path_factory.mktemp("portal"))
    _ensure_worker_database()
    application = create_app(test_config(tmp_dir, smtp_sink[1]), mode="test")
    application.test_client_class = FreshGlobalsClient
    _reset_schema(application)
    yield application
    # Close pooled connections: an app garbage-collected with open ones warns (an error here).
    with application.app_context():
        db.engine.dispose()


class _BoundSession(Session):
    """A plain SQLAlchemy session that accepts Flask-SQLAlchemy's `db` argument."""

    def __init__(self, db: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)


@pytest.fixture(autouse=True)
def _db(app: Flask) -> Iterator[None]:
    """Run each test in a transaction that is rolled back afterwards."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain Session honours `bind`; Flask-SQLAlchemy's would pick the engine and commit for real.
        db.session = db._make_scoped_session(
            {"class_": _BoundSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        limiter.reset()
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# -- a small world of tenants ---------------------------------------------------------------


@dataclass
class World:
    """Region A (owner, partner, former member), region B (outsider), users per tenant."""

    tenants: dict[str, Any] = field(default_factory=dict)
    regions: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    def user(self, tenant: str, role: str = "ad") -> Any:
        return self.users[f"{role}@{tenant}"]


ROLE_SET = {
    "ad": ["algemeen_directeur"],
    "beheerder": ["beheerder"],
    "dienst": ["dienstmedewerker"],
    "raadslid": ["raadslid"],
    "expert": ["expert"],
    "hr": ["hr_medewerker"],
    "aankoper": ["aankoper"],
    "schepen": ["beleidsverantwoordelijke"],
}


_PASSWORD_HASHES: dict[str, str] = {}


def _password_hash() -> str:
    """Hash the test password once per process (argon2 salts it; one hash serves every user)."""
    from portal.auth.operations import hash_password

    if PASSWORD not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[PASSWORD] = hash_password(PASSWORD)
    return _PASSWORD_HASHES[PASSWORD]


def build_world() -> World:
    """Create the cross-tenant test world (committed to the test transaction).

    Tenants, regions and memberships go through their operations; the 32 users are added in one
    flush with one password hash: what ``create_user`` would store, at a fraction of the cost
    (the world is built for most of the ~2,000 tests).
    """
    from portal.auth.models import User, UserRole
    from tenants.context import acting_for
    from tenants.operations import add_member, create_region, create_tenant, remove_member

    world = World()
    today = clock.today()
    password_hash = _password_hash()
    with acting_for(None, is_platform=True):
        for slug, nis in [("owner", "91001"), ("partner", "91002"), ("former", "91003"), ("outsider", "91004")]:
            world.tenants[slug] = create_tenant(f"Gemeente {slug.capitalize()}", nis_code=nis, slug=slug)
        world.regions["a"] = create_region("Regio A", slug="regio-a")
        world.regions["b"] = create_region("Regio B", slug="regio-b")
        start = today - timedelta(days=400)
        add_member(world.regions["a"], world.tenants["owner"], start)
        add_member(world.regions["a"], world.tenants["partner"], start)
        add_member(world.regions["a"], world.tenants["former"], start)
        remove_member(world.regions["a"], world.tenants["former"], today - timedelta(days=10))
        add_member(world.regions["b"], world.tenants["outsider"], start)
        for slug, tenant in world.tenants.items():
            for role, codes in ROLE_SET.items():
                user = User(
                    tenant_id=tenant.id,
                    email=f"{role}@{slug}.test",
                    full_name=f"{role} {slug}",
                    password_hash=password_hash,
                )
                user.role_rows = [UserRole(role=code) for code in codes]
                world.users[f"{role}@{slug}"] = user
        db.session.add_all(world.users.values())
        db.session.commit()
    return world


@pytest.fixture
def world() -> World:
    return build_world()


def login(client: FlaskClient, user: Any, password: str = PASSWORD) -> Any:
    """Sign ``user`` in through the login form."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


@pytest.fixture
def login_as(client: FlaskClient) -> Any:
    def _login(user: Any, password: str = PASSWORD) -> FlaskClient:
        login(client, user, password)
        return client

    return _login
