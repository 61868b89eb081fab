"""The embedded shape (SQLite file, threaded server) answers concurrent clients without a 5xx."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests import conftest

pytestmark = pytest.mark.skipif(bool(conftest.PG_URL), reason="the embedded shape is SQLite")

CLIENTS = 6
ROUNDS = 25

SERVER = """
import sys
from werkzeug.serving import make_server
from flask_migrate import upgrade
from portal import create_app
from portal.extensions import db

path, port = sys.argv[1], int(sys.argv[2])
app = create_app({
    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}/portal.sqlite3",
    "SECRET_KEY": "concurrency-test", "WTF_CSRF_ENABLED": False, "PORTAL_ARGON2_FAST": True,
    "PORTAL_MAIL_BACKEND": "file", "PORTAL_UPLOAD_DIR": f"{path}/uploads", "RATELIMIT_ENABLED": False,
    "PORTAL_REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://",
    "CELERY": {"broker_url": "memory://", "task_always_eager": True, "result_backend": None},
}, mode="test")
with app.app_context():
    upgrade()
    from portal.auth.operations import create_user
    from tenants.context import tenant_context
    from tenants.operations import create_tenant
    with tenant_context(None, is_platform=True):
        tenant = create_tenant("Gemeente Druk", slug="druk")
        for i in range(int(sys.argv[3])):
            create_user(tenant, email=f"u{i}@druk.test", full_name=f"Gebruiker {i}",
                        roles=["algemeen_directeur"], password="Een-lang-wachtwoord-2026")
        db.session.commit()
server = make_server("127.0.0.1", port, app, threaded=True)
print("ready", flush=True)
server.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(base: str, index: int, statuses: list[int], errors: list[str]) -> None:
    http = requests.Session()
    response = http.post(f"{base}/login", data={"email": f"u{index}@druk.test", "password": "Een-lang-wachtwoord-2026"})
    statuses.append(response.status_code)
    for round_ in range(ROUNDS):
        for method, path, kwargs in (
            ("GET", "/druk/", {}),
            ("GET", "/druk/mededelingen/", {}),
            ("POST", "/api/v1/announcements", {"json": {"title": f"Druk {index}-{round_}", "body_html": "<p>x</p>"}}),
            ("GET", "/api/v1/announcements", {}),
            ("GET", "/druk/meldingen/", {}),
        ):
            response = http.request(method, base + path, allow_redirects=False, **kwargs)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                errors.append(f"{method} {path}: {response.status_code} {response.text[:200]}")


@pytest.mark.real_clock  # the server process reads the host's clock
def test_concurrent_clients_on_a_sqlite_file_get_no_5xx(tmp_path: Path):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(tmp_path), str(port), str(CLIENTS)],
        stdout=subprocess.PIPE,
        stderr=log,
        env=env,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready"
        base = f"http://127.0.0.1:{port}"
        statuses: list[int] = []
        errors: list[str] = []
        threads = [threading.Thread(target=_client, args=(base, i, statuses, errors)) for i in range(CLIENTS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
        elapsed = time.monotonic() - started
        assert len(statuses) == CLIENTS * (1 + ROUNDS * 5), "a client did not finish"
        assert errors == [], errors[:5]
        assert statuses.count(201) == CLIENTS * ROUNDS  # every write landed
        print(f"{len(statuses)} requests from {CLIENTS} clients in {elapsed:.1f} s, 0 x 5xx")
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
        log.close()
