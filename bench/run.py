"""``make bench``: the portal under gunicorn against PostgreSQL and Redis, loaded by wrk.

For every scale factor (default 1 and 10): a fresh database migrated as the owner role, the
Flanders-scale data set (``bench.data``), gunicorn in production mode as the runtime role (RLS in
force), one user's session, then for each page: the SQL statements it runs (``X-SQL-Statements``)
and wrk's throughput and p50/p95 latency at 16 concurrent connections. ``/livez`` is the
ceiling (same server, no database). Results go to stdout as tables and to
``bench/results/<time>.json``.

Environment: BENCH_SCALES ("1 10"), BENCH_SECONDS (10), BENCH_CONNECTIONS (16),
BENCH_PG_ADMIN_URL (postgresql+psycopg://postgres@127.0.0.1:5432/postgres), BENCH_DATABASE
(portal_bench), BENCH_REDIS_URL (redis://127.0.0.1:6379/11), BENCH_WORKERS (gunicorn workers),
BENCH_PAGES (only pages whose name contains one of these comma-separated words), BENCH_REUSE_DATA
(scales, e.g. "10", whose database of a previous run is kept and only migrated; with ``{scale}``
in BENCH_DATABASE each scale has its own database).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
OWNER, APP_ROLE = "portal_owner", "portal_app"

#: Targets from the quality issue: p95 under 100 ms at 16 clients, at most 15 statements (the
#: same at 10x data), each page at least 25% of the ceiling's throughput.
TARGET_P95_MS = 100
TARGET_SQL = 15
TARGET_RATIO = 0.25


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin_engine() -> Any:
    return create_engine(_env("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))


def prepare_database(name: str) -> dict[str, str]:
    """Create the roles if missing and a fresh database; return the URLs of admin, owner and app."""
    admin = _admin_engine()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for role, extra in ((OWNER, ""), (APP_ROLE, " NOSUPERUSER NOBYPASSRLS")):
            if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
                conn.execute(text(f"CREATE ROLE {role} LOGIN{extra}"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER {OWNER}'))
    admin.dispose()
    return database_urls(name)


def database_urls(name: str) -> dict[str, str]:
    """Return the URLs of admin, owner and app for database ``name``."""
    base = make_url(_env("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    return {
        "admin": base.set(database=name).render_as_string(hide_password=False),
        "owner": base.set(database=name, username=OWNER, password=None).render_as_string(hide_password=False),
        "app": base.set(database=name, username=APP_ROLE, password=None).render_as_string(hide_password=False),
    }


def _portal_env(urls: dict[str, str], redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY=secrets.token_urlsafe(48),
        PORTAL_DATABASE_URL=urls["app"],
        PORTAL_MIGRATION_DATABASE_URL=urls["owner"],
        PORTAL_REDIS_URL=redis_url,
        PORTAL_COUNT_SQL="1",
        PORTAL_MAIL_BACKEND="log",
    )
    return env


def load_data(urls: dict[str, str], env: dict[str, str], scale: int) -> dict[str, int]:
    """Migrate as the owner, generate the data set as admin, analyse; return the row counts."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"], env=env, cwd=ROOT, check=True)
    from bench.data import counts, generate
    from portal import create_app

    create_app(mode="testing")  # registers every model, feature modules included
    engine = create_engine(urls["admin"])
    started = time.monotonic()
    with engine.begin() as conn:
        # A restore-style load (no row-by-row foreign-key triggers); the generators' test checks them.
        generate(conn, scale, check_foreign_keys=False)
    print(f"  data generated in {time.monotonic() - started:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        result = counts(conn)
    engine.dispose()
    return result


class Server:
    """gunicorn serving the portal on a free port."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.env = {**env, "PORTAL_BIND": f"127.0.0.1:{self.port}"}
        if os.environ.get("BENCH_WORKERS"):
            self.env["PORTAL_WEB_WORKERS"] = os.environ["BENCH_WORKERS"]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py", "portal:create_app()"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # A minute: on a loaded machine five workers importing the app take a while.
        for _ in range(300):
            try:
                if self.get("/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)

    def request(self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, response.headers, data

    def get(self, path: str, cookie: str = "") -> Any:
        return self.request("GET", path, headers={"Cookie": cookie} if cookie else {})

    def log_in(self, email: str, password: str) -> str:
        """Log in through the form; return the Cookie header of the session."""
        status, headers, page = self.get("/login")
        cookie = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        body = urlencode({"email": email, "password": password, "csrf_token": token.group(1).decode()})
        status, headers, _ = self.request(
            "POST",
            "/login",
            body,
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 302, f"login failed ({status})"
        return "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])


def pages(conn: Any, tenant: str) -> list[tuple[str, str]]:
    """Return (name, path) of the key pages and API calls for a user of ``tenant``."""
    announcement = conn.execute(
        text(
            "SELECT a.id FROM announcements a JOIN tenants t ON t.id = a.tenant_id "
            "WHERE t.slug = :slug ORDER BY a.id LIMIT 1"
        ),
        {"slug": tenant},
    ).scalar_one()
    found = [
        ("ceiling /livez", "/livez"),
        ("dashboard", f"/{tenant}/"),
        ("mededelingen (lijst)", f"/{tenant}/mededelingen"),
        ("mededelingen (zoeken)", f"/{tenant}/mededelingen?q=infoavond"),
        ("mededeling (detail)", f"/{tenant}/mededelingen/{announcement}"),
        ("meldingen", f"/{tenant}/meldingen/"),
        ("API /tenants", "/api/v1/tenants"),
        ("API /announcements", "/api/v1/announcements"),
    ]
    import importlib
    import importlib.util

    from portal.features import installed

    for name in installed():
        if importlib.util.find_spec(f"portal.{name}.bench") is not None:
            found.extend(importlib.import_module(f"portal.{name}.bench").pages(conn, tenant))
    return found


def run_wrk(port: int, path: str, cookie: str, seconds: int, connections: int) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    assert wrk, "wrk is missing: sudo apt install wrk"
    result = subprocess.run(
        [
            wrk,
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "report.lua"),
            "-H",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(scale: int, seconds: int, connections: int) -> dict[str, Any]:
    database = _env("BENCH_DATABASE", "portal_bench").format(scale=scale)
    redis_url = _env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    import redis

    redis.from_url(redis_url).flushdb()
    print(f"\n== scale {scale}: database {database}", flush=True)
    if str(scale) in _env("BENCH_REUSE_DATA", "").split():
        # Iterating on a fix: keep the data set of the previous run, only apply new migrations.
        urls = database_urls(database)
        env = _portal_env(urls, redis_url)
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"], env=env, cwd=ROOT, check=True
        )
        from bench.data import counts

        with create_engine(urls["admin"]).connect() as conn:
            rows = counts(conn)
    else:
        urls = prepare_database(database)
        env = _portal_env(urls, redis_url)
        rows = load_data(urls, env, scale)
    tenant = "ranst"
    engine = create_engine(urls["admin"])
    with engine.connect() as conn:
        targets = pages(conn, tenant)
    engine.dispose()
    if os.environ.get("BENCH_PAGES"):
        wanted = [w.strip() for w in os.environ["BENCH_PAGES"].split(",") if w.strip()]
        targets = [t for i, t in enumerate(targets) if i == 0 or any(w in t[0] for w in wanted)]
    results = []
    with Server(env) as server:
        cookie = server.log_in(f"algemeen_directeur.{tenant}@bench.samenwerkingsportaal.be", "Bench-wachtwoord-2026")
        for name, path in targets:
            status, headers, _ = server.get(path, cookie)
            assert status == 200, f"{path} answered {status}"
            sql = int(headers.get("X-SQL-Statements", "-1"))
            server.get(path, cookie)  # warm the worker's caches once more
            load = run_wrk(server.port, path, cookie, seconds, connections)
            results.append({"name": name, "path": path, "sql": sql, **load})
            print(f"  {name:28} {load['rps']:8.1f} req/s  p95 {load['p95_us'] / 1000:6.1f} ms  sql {sql}", flush=True)
    ceiling = results[0]["rps"]
    for item in results:
        item["ratio"] = item["rps"] / ceiling if ceiling else 0.0
    return {"scale": scale, "rows": rows, "pages": results}


def _table(run: dict[str, Any]) -> str:
    lines = [
        f"scale {run['scale']}: {run['rows'].get('users', 0)} users, {run['rows'].get('tenants', 0)} tenants",
        f"{'page':28} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p95 ms':>7} {'SQL':>4}  targets",
    ]
    for p in run["pages"]:
        misses = []
        if p["p95_us"] / 1000 >= TARGET_P95_MS:
            misses.append("p95")
        if p["sql"] > TARGET_SQL:
            misses.append("SQL")
        if p["ratio"] < TARGET_RATIO:
            misses.append("ratio")
        if p["non_2xx_3xx"] or p["socket_errors"]:
            misses.append(f"{p['non_2xx_3xx'] + p['socket_errors']} errors")
        lines.append(
            f"{p['name']:28} {p['rps']:8.1f} {p['ratio']:6.2f} {p['p50_us'] / 1000:7.1f} {p['p95_us'] / 1000:7.1f} "
            f"{p['sql']:>4}  {'ok' if not misses else 'MISSED: ' + ', '.join(misses)}"
        )
    return "\n".join(lines)


def _growth(first: dict[str, Any], last: dict[str, Any]) -> str:
    lines = [
        f"growth from scale {first['scale']} to {last['scale']}",
        f"{'page':28} {'req/s x':>8} {'p95 x':>7} {'SQL':>9}",
    ]
    for a, b in zip(first["pages"], last["pages"], strict=True):
        same = "same" if a["sql"] == b["sql"] else f"{a['sql']}->{b['sql']}"
        lines.append(f"{a['name']:28} {b['rps'] / a['rps']:8.2f} {b['p95_us'] / max(a['p95_us'], 1):7.2f} {same:>9}")
    return "\n".join(lines)


def main() -> None:
    if "--data-only" in sys.argv:
        # make bench-data: a database at one scale, left in place for manual runs.
        scale = int(_env("BENCH_SCALE", "1"))
        urls = prepare_database(_env("BENCH_DATABASE", "portal_bench").format(scale=scale))
        for table, count in load_data(urls, _portal_env(urls, "redis://"), scale).items():
            print(f"{table:32} {count:>9}")
        return
    scales = [int(s) for s in _env("BENCH_SCALES", "1 10").split()]
    seconds = int(_env("BENCH_SECONDS", "10"))
    connections = int(_env("BENCH_CONNECTIONS", "16"))
    runs = [measure(scale, seconds, connections) for scale in scales]
    print()
    for run in runs:
        print(_table(run), end="\n\n")
    if len(runs) > 1:
        print(_growth(runs[0], runs[-1]), end="\n\n")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    meta = {"cpus": os.cpu_count(), "seconds": seconds, "connections": connections}
    out.write_text(json.dumps({"meta": meta, "runs": runs}, indent=2), encoding="utf-8")
    print(f"results: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
