"""The production shape, checked statically (no Docker engine runs here).

docker-compose.yml, the Dockerfile, gunicorn.conf.py and docker/ must describe: PostgreSQL
with a runtime role bound by row-level security, Redis, gunicorn web, Celery worker and beat,
each with a healthcheck; migrations as the owner before the app starts; no committed secret.
"""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import conftest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("postgres", "redis", "web", "worker", "beat")
APP_SERVICES = ("web", "worker", "beat")
SECRETS = ("PORTAL_SECRET_KEY", "POSTGRES_PASSWORD", "PORTAL_OWNER_DB_PASSWORD", "PORTAL_APP_DB_PASSWORD")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def services(compose: dict[str, Any]) -> dict[str, Any]:
    return dict(compose["services"])


def command(service: dict[str, Any]) -> str:
    value = service.get("command", "")
    return " ".join(value) if isinstance(value, list) else str(value)


def test_the_five_services_exist_each_with_a_healthcheck(compose):
    found = services(compose)
    assert set(SERVICES) <= set(found)
    for name in SERVICES:
        check = found[name].get("healthcheck")
        assert isinstance(check, dict), f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} disables its healthcheck"
        assert check.get("test"), f"{name} healthcheck has no test"
        assert check.get("interval") and check.get("retries"), f"{name} healthcheck has no interval/retries"


def test_images_and_commands(compose):
    found = services(compose)
    assert found["postgres"]["image"].startswith("postgres:16")
    assert found["redis"]["image"].startswith("redis:7")
    web = command(found["web"])
    assert web.startswith("gunicorn") and "gunicorn.conf.py" in web and "portal:create_app()" in web
    assert command(found["worker"]).startswith("celery -A tasks.worker worker")
    beat = command(found["beat"])
    assert beat.startswith("celery -A tasks.worker beat") and "-S redbeat.RedBeatScheduler" in beat
    for name in APP_SERVICES:
        assert found[name].get("build") or found[name].get("image"), f"{name} has no image"
    assert found["web"].get("ports"), "web publishes no port"


def test_app_services_are_wired_to_postgres_redis_secret_and_mail(compose):
    found = services(compose)
    for name in (*APP_SERVICES, "migrate"):
        env = found[name]["environment"]
        assert env["PORTAL_ENV"] == "production"
        assert env["PORTAL_DATABASE_URL"].startswith("postgresql+psycopg://portal_app:")
        assert "@postgres:5432/" in env["PORTAL_DATABASE_URL"]
        assert env["PORTAL_MIGRATION_DATABASE_URL"].startswith("postgresql+psycopg://portal_owner:")
        assert env["PORTAL_DB_APP_ROLE"] == "portal_app"
        assert env["PORTAL_REDIS_URL"].startswith("redis://redis:6379/")
        assert "PORTAL_SECRET_KEY" in env
        for mail in ("PORTAL_MAIL_SERVER", "PORTAL_MAIL_PORT", "PORTAL_MAIL_USE_TLS", "PORTAL_MAIL_SENDER"):
            assert mail in env, f"{name} lacks {mail}"


def test_secrets_come_from_the_environment_not_the_file(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in SECRETS:
        # Every mention is a required interpolation, never a literal value.
        assert re.search(rf"\$\{{{secret}:\?", text), f"{secret} is not required from the environment"
    env = services(compose)["web"]["environment"]
    assert env["PORTAL_SECRET_KEY"].startswith("${PORTAL_SECRET_KEY:?")
    for url in ("PORTAL_DATABASE_URL", "PORTAL_MIGRATION_DATABASE_URL"):
        password = env[url].split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        assert password.startswith("${") and password.endswith("}"), f"{url} has a literal password"
    example = (ROOT / "docker" / "portal.env.example").read_text()
    for secret in SECRETS:
        assert re.search(rf"^{secret}=$", example, re.M), f"the example env file fills in {secret}"


def test_app_services_wait_for_healthy_postgres_and_redis_and_the_migrations(compose):
    found = services(compose)
    for name in APP_SERVICES:
        depends = found[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    migrate = found["migrate"]
    assert command(migrate) == "flask --app portal db upgrade"
    assert migrate.get("restart") == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_postgres_creates_the_roles_on_first_start(compose):
    postgres = services(compose)["postgres"]
    assert "./docker/initdb:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    script = (ROOT / "docker" / "initdb" / "10-portal-roles.sh").read_text()
    owner = re.search(r"CREATE ROLE portal_owner ([^;]*);", script)
    app = re.search(r"CREATE ROLE portal_app ([^;]*);", script)
    assert owner and app
    for attribute in ("LOGIN", "NOSUPERUSER", "NOBYPASSRLS"):
        assert attribute in app.group(1).split()
        assert attribute in owner.group(1).split()
    assert "OWNER portal_owner" in script
    assert "PASSWORD :'app_password'" in script  # from the container's environment
    bash = shutil.which("bash")
    if bash:
        result = subprocess.run([bash, "-n", str(ROOT / "docker" / "initdb" / "10-portal-roles.sh")], check=False)
        assert result.returncode == 0


def test_dockerfile_builds_a_slim_non_root_image_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    lines = [line.strip() for line in dockerfile.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    assert re.search(r"pip install .*-r requirements\.lock", dockerfile)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert "gunicorn.conf.py" in dockerfile
    # The PDFs (WeasyPrint) need Pango, HarfBuzz's subsetter and fonts inside the image too.
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"):
        assert package in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "instance", ".env"} <= set(ignored)


def test_gunicorn_config_loads(monkeypatch):
    for name in ("PORTAL_BIND", "PORTAL_WEB_WORKERS", "PORTAL_WEB_THREADS", "PORTAL_WEB_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == "0.0.0.0:8000"
    assert 1 <= settings["workers"] <= 8
    assert settings["timeout"] >= 30
    assert settings["accesslog"] == "-"
    monkeypatch.setenv("PORTAL_WEB_WORKERS", "3")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 3


def test_healthcheck_script_covers_web_worker_and_beat():
    settings = runpy.run_path(str(ROOT / "docker" / "healthcheck.py"))
    assert set(settings["CHECKS"]) == {"web", "worker", "beat"}


def _healthcheck(kind: str, **env: str) -> int:
    result = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "healthcheck.py"), kind],
        env={**os.environ, **env},
        capture_output=True,
        timeout=30,
        check=False,
    )
    return result.returncode


def test_web_healthcheck_follows_healthz():
    status = {"code": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status["code"] if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        bind = f"127.0.0.1:{server.server_address[1]}"
        assert _healthcheck("web", PORTAL_BIND=bind) == 0
        status["code"] = 503
        assert _healthcheck("web", PORTAL_BIND=bind) == 1
    finally:
        server.shutdown()
        server.server_close()
    assert _healthcheck("web", PORTAL_BIND=bind) == 1


@pytest.mark.redis
@pytest.mark.skipif(not conftest.REDIS_URL, reason="needs Redis (PORTAL_TEST_REDIS_URL)")
def test_beat_healthcheck_follows_the_redbeat_lock():
    import redis

    key = f"test:{conftest.RUN_ID}:redbeat::lock"
    client = redis.from_url(conftest.REDIS_URL or "")
    env = {"PORTAL_REDIS_URL": conftest.REDIS_URL or "", "PORTAL_REDBEAT_LOCK_KEY": key}
    try:
        assert _healthcheck("beat", **env) == 1
        client.set(key, "beat", px=30_000)
        assert _healthcheck("beat", **env) == 0
    finally:
        client.delete(key)
        client.close()
