"""``make bench``: the portal under gunicorn against PostgreSQL and Redis, loaded by wrk.

For every scale factor (default 1 and 10): a fresh database migrated as the owner role, the
Flanders-scale data set (``bench.data``), gunicorn in production mode as the runtime role (RLS in
force), one user's session, then for each page: the SQL statements it runs (``X-SQL-Statements``),
the CPU time per request of the gunicorn workers and their PostgreSQL backends (read from
``/proc``, the main figure: it hardly depends on what else the machine runs), single-client
latency (wrk ``-c1``: server time without queueing) and wrk's throughput and p50/p95 latency at
16 concurrent connections. Two ceilings are measured the same way, interleaved with the pages
(every ``BENCH_CEILING_EVERY`` pages): ``/livez`` without a session (the bare route) and
``/livez`` with the user's session (cookie, session read and user loader). Each page is compared
with the ceilings measured nearest to it. Results go to stdout as tables and to
``bench/results/<time>.json``.

Environment: BENCH_SCALES ("1 10"), BENCH_SECONDS (10, per page at 16 connections),
BENCH_LATENCY_SECONDS (5, per page at one connection), BENCH_CONNECTIONS (16),
BENCH_CEILING_EVERY (6), BENCH_PG_ADMIN_URL (postgresql+psycopg://postgres@127.0.0.1:5432/postgres),
BENCH_DATABASE (portal_bench), BENCH_REDIS_URL (redis://127.0.0.1:6379/11), BENCH_WORKERS
(gunicorn workers), BENCH_PAGES (only pages whose name contains one of these comma-separated
words), BENCH_REUSE_DATA (scales, e.g. "10", whose database of a previous run is kept and only
migrated; with ``{scale}`` in BENCH_DATABASE each scale has its own database).
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

#: Targets of the performance issue, per key page at scale 1: at most 10 ms of CPU (web and
#: database) per request, at most 10 SQL statements, single-client p95 at most 25 ms; the median
#: page at most 3x the bare ceiling's CPU; at scale 10 at most 1.2x the page's scale-1 CPU.
TARGET_CPU_MS = 10.0
TARGET_SQL = 10
TARGET_C1_P95_MS = 25.0
TARGET_MEDIAN_RATIO = 3.0
TARGET_GROWTH = 1.2
CEILINGS = ("bare", "session")


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
            # No recycling while measuring: a worker replaced mid-run would lose its CPU time and
            # charge the new one's imports to a page.
            [gunicorn, "-c", "gunicorn.conf.py", "--max-requests", "0", "portal:create_app()"],
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


def targets_for(conn: Any, tenant: str) -> list[tuple[str, str]]:
    """Return the measured pages (``pages``; each module names its own targets), the ceilings apart."""
    return [t for t in pages(conn, tenant) if t[1] != "/livez"]


def _ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU time of the gunicorn workers and their PostgreSQL backends, from ``/proc``."""

    def __init__(self, master_pid: int, admin_url: str, database: str) -> None:
        self.master_pid = master_pid
        self.database = database
        self.engine = create_engine(admin_url, pool_size=1)

    def pids(self) -> list[int]:
        workers: list[int] = []
        try:
            for task in os.listdir(f"/proc/{self.master_pid}/task"):
                with open(f"/proc/{self.master_pid}/task/{task}/children", encoding="ascii") as f:
                    workers.extend(int(x) for x in f.read().split())
        except OSError:
            pass
        with self.engine.connect() as conn:
            backends = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND usename = :u"),
                {"d": self.database, "u": APP_ROLE},
            ).scalars()
            return workers + list(backends)

    def sample(self) -> dict[int, int]:
        return {pid: t for pid in self.pids() if (t := _ticks(pid)) is not None}

    @staticmethod
    def seconds(before: dict[int, int], after: dict[int, int]) -> float:
        """CPU seconds between two samples; a backend that appeared in between counts from zero."""
        return sum(t - before.get(pid, 0) for pid, t in after.items()) / CLOCK_TICKS

    def close(self) -> None:
        self.engine.dispose()


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
            *(["-H", f"Cookie: {cookie}"] if cookie else []),
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def load_page(meter: CpuMeter, port: int, path: str, cookie: str, seconds: int, connections: int) -> dict[str, Any]:
    """Run wrk once; return its figures with the CPU ms per request of workers and backends."""
    before = meter.sample()
    load = run_wrk(port, path, cookie, seconds, connections)
    cpu = meter.seconds(before, meter.sample())
    load["cpu_ms"] = 1000 * cpu / max(load["requests"], 1)
    return load


def measure_one(
    server: Server,
    meter: CpuMeter,
    name: str,
    path: str,
    cookie: str,
    seconds: int,
    latency_seconds: int,
    connections: int,
) -> dict[str, Any]:
    """Measure one page: SQL statements, then one client (CPU, latency), then ``connections``."""
    status, headers, _ = server.get(path, cookie)
    assert status == 200, f"{path} answered {status}"
    sql = int(headers.get("X-SQL-Statements", "-1"))
    server.get(path, cookie)  # warm the worker's caches once more
    single = load_page(meter, server.port, path, cookie, latency_seconds, 1)
    loaded = load_page(meter, server.port, path, cookie, seconds, connections)
    return {
        "name": name,
        "path": path,
        "sql": sql,
        "cpu_ms": single["cpu_ms"],
        "c1_p50_us": single["p50_us"],
        "c1_p95_us": single["p95_us"],
        "c1_requests": single["requests"],
        "cpu_ms_loaded": loaded["cpu_ms"],
        **{k: v for k, v in loaded.items() if k != "cpu_ms"},
    }


def _loadavg() -> float:
    with open("/proc/loadavg", encoding="ascii") as f:
        return float(f.read().split()[0])


def measure(scale: int, seconds: int, connections: int) -> dict[str, Any]:
    database = _env("BENCH_DATABASE", "portal_bench").format(scale=scale)
    redis_url = _env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    latency_seconds = int(_env("BENCH_LATENCY_SECONDS", "5"))
    every = max(1, int(_env("BENCH_CEILING_EVERY", "6")))
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
        from portal import create_app

        create_app(mode="testing")  # registers every model: counts() reads the tables from the metadata
        with create_engine(urls["admin"]).connect() as conn:
            rows = counts(conn)
    else:
        urls = prepare_database(database)
        env = _portal_env(urls, redis_url)
        rows = load_data(urls, env, scale)
    tenant = "ranst"
    engine = create_engine(urls["admin"])
    with engine.connect() as conn:
        targets = targets_for(conn, tenant)
    engine.dispose()
    if os.environ.get("BENCH_PAGES"):
        wanted = [w.strip() for w in os.environ["BENCH_PAGES"].split(",") if w.strip()]
        targets = [t for t in targets if any(w in t[0] for w in wanted)]
    results: list[dict[str, Any]] = []
    ceilings: list[dict[str, Any]] = []
    loads: list[float] = []
    with Server(env) as server:
        assert server.process is not None
        meter = CpuMeter(server.process.pid, urls["admin"], database)
        cookie = server.log_in(f"algemeen_directeur.{tenant}@bench.samenwerkingsportaal.be", "Bench-wachtwoord-2026")

        def ceiling(before_page: int) -> None:
            item: dict[str, Any] = {"before_page": before_page}
            for kind, with_cookie in (("bare", ""), ("session", cookie)):
                item[kind] = measure_one(
                    server, meter, f"ceiling {kind}", "/livez", with_cookie, seconds, latency_seconds, connections
                )
            ceilings.append(item)
            loads.append(_loadavg())
            print(
                f"  {'(ceilings)':32} bare {item['bare']['cpu_ms']:5.2f} ms"
                f"  session {item['session']['cpu_ms']:5.2f} ms  load {loads[-1]:.1f}",
                flush=True,
            )

        for index, (name, path) in enumerate(targets):
            if index % every == 0:
                ceiling(index)
            item = measure_one(server, meter, name, path, cookie, seconds, latency_seconds, connections)
            item["index"] = index
            results.append(item)
            print(
                f"  {name:32} cpu {item['cpu_ms']:6.2f} ms  c1 p95 {item['c1_p95_us'] / 1000:6.1f} ms"
                f"  {item['rps']:7.1f} req/s  sql {item['sql']}",
                flush=True,
            )
        ceiling(len(targets))
        meter.close()
    for item in results:
        # The ceilings measured just before and just after the page.
        first = item["index"] // every * every
        near = [c for c in ceilings if c["before_page"] in (first, min(first + every, len(targets)))]
        for kind in CEILINGS:
            cpu = sum(c[kind]["cpu_ms"] for c in near) / len(near)
            rps = sum(c[kind]["rps"] for c in near) / len(near)
            item[f"cpu_x_{kind}"] = item["cpu_ms"] / cpu if cpu else 0.0
            item[f"rps_ratio_{kind}"] = item["rps"] / rps if rps else 0.0
    return {"scale": scale, "rows": rows, "ceilings": ceilings, "pages": results, "loadavg": loads}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _ceiling_summary(run: dict[str, Any], kind: str) -> dict[str, float]:
    cs = [c[kind] for c in run["ceilings"]]
    return {
        "cpu_ms": _median([c["cpu_ms"] for c in cs]),
        "cpu_min": min(c["cpu_ms"] for c in cs),
        "cpu_max": max(c["cpu_ms"] for c in cs),
        "c1_p95_ms": _median([c["c1_p95_us"] / 1000 for c in cs]),
        "rps": _median([c["rps"] for c in cs]),
        "sql": max(c["sql"] for c in cs),
    }


def _table(run: dict[str, Any]) -> str:
    bare, with_session = (_ceiling_summary(run, k) for k in CEILINGS)
    loads = run.get("loadavg") or [0.0]
    lines = [
        f"scale {run['scale']}: {run['rows'].get('users', 0)} users, {run['rows'].get('tenants', 0)} tenants;"
        f" load average {min(loads):.1f}-{max(loads):.1f}",
        f"ceiling bare /livez: cpu {bare['cpu_ms']:.2f} ms ({bare['cpu_min']:.2f}-{bare['cpu_max']:.2f}),"
        f" c1 p95 {bare['c1_p95_ms']:.1f} ms, {bare['rps']:.0f} req/s, sql {bare['sql']}",
        f"ceiling /livez with session: cpu {with_session['cpu_ms']:.2f} ms"
        f" ({with_session['cpu_min']:.2f}-{with_session['cpu_max']:.2f}),"
        f" c1 p95 {with_session['c1_p95_ms']:.1f} ms, {with_session['rps']:.0f} req/s, sql {with_session['sql']}",
        f"{'page':32} {'cpu ms':>7} {'x bare':>6} {'SQL':>4} {'c1 p50':>7} {'c1 p95':>7} {'req/s':>7}"
        f" {'p95 ms':>7}  targets",
    ]
    for p in run["pages"]:
        misses = []
        if p["cpu_ms"] > TARGET_CPU_MS:
            misses.append("cpu")
        if p["sql"] > TARGET_SQL:
            misses.append("SQL")
        if p["c1_p95_us"] / 1000 > TARGET_C1_P95_MS:
            misses.append("c1 p95")
        if p["non_2xx_3xx"] or p["socket_errors"]:
            misses.append(f"{p['non_2xx_3xx'] + p['socket_errors']} errors")
        lines.append(
            f"{p['name']:32} {p['cpu_ms']:7.2f} {p['cpu_x_bare']:6.1f} {p['sql']:>4} {p['c1_p50_us'] / 1000:7.1f}"
            f" {p['c1_p95_us'] / 1000:7.1f} {p['rps']:7.1f} {p['p95_us'] / 1000:7.1f}"
            f"  {'ok' if not misses else 'MISSED: ' + ', '.join(misses)}"
        )
    if run["pages"]:
        median_cpu = _median([p["cpu_ms"] for p in run["pages"]])
        median_x = _median([p["cpu_x_bare"] for p in run["pages"]])
        ok = sum(1 for p in run["pages"] if p["cpu_ms"] <= TARGET_CPU_MS)
        lines.append(
            f"median page: cpu {median_cpu:.2f} ms = {median_x:.1f}x the bare ceiling"
            f" ({'ok' if median_x <= TARGET_MEDIAN_RATIO else 'MISSED'}: <= {TARGET_MEDIAN_RATIO:g}x);"
            f" {ok} of {len(run['pages'])} pages <= {TARGET_CPU_MS:g} ms"
        )
    return "\n".join(lines)


def _growth(first: dict[str, Any], last: dict[str, Any]) -> str:
    lines = [
        f"growth from scale {first['scale']} to {last['scale']}",
        f"{'page':32} {'cpu x':>6} {'c1 p95 x':>8} {'req/s x':>8} {'SQL':>9}  target",
    ]
    for a, b in zip(first["pages"], last["pages"], strict=True):
        same = "same" if a["sql"] == b["sql"] else f"{a['sql']}->{b['sql']}"
        growth = b["cpu_ms"] / a["cpu_ms"] if a["cpu_ms"] else 0.0
        lines.append(
            f"{a['name']:32} {growth:6.2f} {b['c1_p95_us'] / max(a['c1_p95_us'], 1):8.2f}"
            f" {b['rps'] / max(a['rps'], 0.01):8.2f} {same:>9}  {'ok' if growth <= TARGET_GROWTH else 'MISSED'}"
        )
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
    meta = {
        "cpus": os.cpu_count(),
        "seconds": seconds,
        "latency_seconds": int(_env("BENCH_LATENCY_SECONDS", "5")),
        "connections": connections,
    }
    out.write_text(json.dumps({"meta": meta, "runs": runs}, indent=2), encoding="utf-8")
    print(f"results: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
