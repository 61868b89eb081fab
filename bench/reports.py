"""Benchmark one council report: the whole generation against WeasyPrint alone on the same HTML.

A fresh SQLite portal (like ``make run``) with the demo data, grown ``--scale`` times for the
region around Ranst (copies of the demo's agreements and vacancies through the real operations),
then for Ranst's semester report: gathering + charts + HTML + PDF in one run, and WeasyPrint
alone rendering the very same HTML. The issue asks the whole to cost at most twice the PDF.

    python -m bench.reports --scale 10

With ``--all``: every one of the 285 Flemish municipalities' semester reports on the Flanders-scale
data set (``bench.data``) in a fresh PostgreSQL database, through real Celery: a Redis server of
its own and two worker processes (``bench.report_worker``: the generation task plus the PDF).
Prints the wall time and the per-report p50/p95. Needs a PostgreSQL superuser URL like
``make bench`` (BENCH_PG_ADMIN_URL; database BENCH_REPORTS_DATABASE, default
portal_bench_reports) and ``redis-server`` on the PATH.

    python -m bench.reports --all
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select


def _grow(scale: int) -> int:
    """Add (scale - 1) copies of the demo agreements and vacancies of the Ranst region."""
    from portal.agreements import operations as ag_ops
    from portal.agreements.demo import SAMPLES
    from portal.auth.models import User
    from portal.extensions import db
    from portal.hr.operations import change_vacancy_status, create_vacancy
    from tenants.context import tenant_context
    from tenants.models import Region, Tenant

    # Ids, not rows: each commit below ends the session's objects.
    tenants = dict(db.session.execute(select(Tenant.slug, Tenant.id)).tuples().all())
    region_id = db.session.scalar(select(Region.id).where(Region.slug == "regio-ranst"))
    assert region_id is not None
    made = 0
    for copy in range(1, scale):
        for title, lead, partners, domains, _status, _visible in SAMPLES:
            if lead not in ("ranst", "zandhoven", "zoersel"):
                continue
            with tenant_context(tenants[lead]):
                agreement = ag_ops.create_agreement(
                    {
                        "title": f"{title} ({copy + 1})",
                        "legal_form": "overeenkomst",
                        "domains": domains,
                        "partner_ids": [tenants[p] for p in partners],
                        "region_id": region_id,
                        "start_date": date(2026, 1, 1),
                        "text_html": "<p>Benchmarktekst.</p>",
                    }
                )
                ag_ops.submit(agreement)
                db.session.commit()
                made += 1
        for slug in ("ranst", "zandhoven", "zoersel"):
            hr_id = db.session.scalar(select(User.id).where(User.email == f"hr.{slug}@demo.samenwerkingsportaal.be"))
            with tenant_context(tenants[slug], user_id=hr_id):
                for n in range(3):
                    vacancy = create_vacancy(
                        {
                            "title": f"Benchmarkvacature {slug} {copy}-{n}",
                            "grade": "B1",
                            "deadline_on": date.today() + timedelta(days=30),
                            "kind": "intern",
                            "audience": "region",
                            "region_id": region_id,
                        },
                        author_id=hr_id,
                    )
                    change_vacancy_status(vacancy, "gepubliceerd")
                db.session.commit()
                made += 3
    return made


def run(scale: int) -> dict[str, Any]:
    """Build the portal, grow the data, time one report; return the figures."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.demo import load_demo
    from portal.extensions import db
    from portal.reports import operations as ops
    from portal.reports import rendering
    from portal.reports.models import CouncilReport
    from tasks.reports import generate as generate_report
    from tenants.context import tenant_context
    from tenants.models import Tenant

    folder = tempfile.mkdtemp(prefix="portal-bench-reports-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/portal.sqlite3", "PORTAL_UPLOAD_DIR": folder})
    with app.app_context(), app.test_request_context():
        upgrade()
        load_demo()
        grown = _grow(scale)
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "ranst"))
        assert tenant_id is not None
        # Warm up imports, fonts and the template cache once: a worker process keeps them.
        with tenant_context(tenant_id):
            warm = ops.request_report("2025-S2")
            assert warm is not None
            db.session.commit()
            warm_id = warm.id
        generate_report(tenant_id, warm_id)
        with tenant_context(tenant_id):
            found = db.session.scalar(select(CouncilReport).where(CouncilReport.id == warm_id))
            assert found is not None
            rendering.render_pdf(found)

        period = ops.period_code("semester", date.today())
        started, cpu = time.perf_counter(), time.process_time()
        with tenant_context(tenant_id):
            report = ops.request_report(period)
            assert report is not None
            db.session.commit()
            report_id = report.id
        generate_report(tenant_id, report_id)
        with tenant_context(tenant_id):
            report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
            assert report is not None
            gather_s = time.perf_counter() - started
            pdf = rendering.render_pdf(report)
            whole, whole_cpu = time.perf_counter() - started, time.process_time() - cpu
            html = rendering.report_document(report)

        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        started, cpu = time.perf_counter(), time.process_time()
        HTML(string=html, base_url="data:,", url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf(
            pdf_variant="pdf/ua-1"
        )
        weasy, weasy_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "scale": scale,
        "rows_added": grown,
        "gather_s": round(gather_s, 3),
        "whole_s": round(whole, 3),
        "weasyprint_alone_s": round(weasy, 3),
        "ratio": round(whole / weasy, 2) if weasy else None,
        # CPU time of this process: what the work costs, less blurred by other load on the machine.
        "whole_cpu_s": round(whole_cpu, 3),
        "weasyprint_alone_cpu_s": round(weasy_cpu, 3),
        "load_average": " ".join(f"{v:.1f}" for v in os.getloadavg()),
        "pdf_bytes": len(pdf),
        "html_bytes": len(html),
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _start(args: list[str], env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    from bench.run import ROOT

    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _reuse(database: str) -> dict[str, str] | None:
    """Return the URLs of an earlier run's database with its drafts removed, or None if there is none."""
    from sqlalchemy import create_engine, text

    from bench.run import APP_ROLE, OWNER, _admin_engine

    admin = _admin_engine()
    base = admin.url.set(database=database)
    admin.dispose()
    engine = create_engine(base)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM council_reports WHERE status NOT IN ('goedgekeurd', 'verzonden')"))
            conn.execute(text("DELETE FROM outbox_messages"))
    except Exception:  # noqa: BLE001 - no such database or schema yet: build it
        return None
    finally:
        engine.dispose()
    return {
        "admin": base.render_as_string(hide_password=False),
        "owner": base.set(username=OWNER, password=None).render_as_string(hide_password=False),
        "app": base.set(username=APP_ROLE, password=None).render_as_string(hide_password=False),
    }


def run_all(workers: int = 2, reuse: bool = False) -> dict[str, Any]:
    """Generate every municipality's report on ``workers`` Celery worker processes; return the figures."""
    from bench.run import _free_port, _portal_env, load_data, prepare_database

    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server ontbreekt (apt install redis-server)")
    folder = tempfile.mkdtemp(prefix="portal-bench-all-reports-")
    port = _free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    processes: list[subprocess.Popen[bytes]] = []
    log = open(f"{folder}/processes.log", "ab")  # noqa: SIM115 - closed in finally
    try:
        processes.append(
            _start([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {}, log)
        )
        database = os.environ.get("BENCH_REPORTS_DATABASE") or "portal_bench_reports"
        found = _reuse(database) if reuse else None
        urls = found or prepare_database(database)
        env = {**_portal_env(urls, redis_url), "PORTAL_MAIL_BACKEND": "log", "PORTAL_UPLOAD_DIR": folder}
        started = time.monotonic()
        if found is None:
            counts = load_data(urls, env, 1)
            print(f"  data: {counts.get('tenants', 0)} municipalities, {counts.get('users', 0)} users", flush=True)
        data_s = time.monotonic() - started
        os.environ.update(env)  # this process enqueues as the web process would
        from portal import create_app
        from portal.auth.models import User, UserRole
        from portal.core.roles import ALGEMEEN_DIRECTEUR
        from portal.extensions import db
        from portal.reports import operations as ops
        from tenants.context import tenant_context
        from tenants.models import Tenant

        app = create_app()
        period = ops.period_code("semester", date.today())
        with app.app_context():
            jobs: list[tuple[int, int]] = []
            with tenant_context(None, is_platform=True):
                rows = db.session.execute(
                    select(User.tenant_id, func.min(User.id))
                    .join(UserRole, UserRole.user_id == User.id)
                    .where(UserRole.role == ALGEMEEN_DIRECTEUR)
                    .group_by(User.tenant_id)
                ).all()
                directors: dict[int, int] = {row[0]: row[1] for row in rows}
            for tenant_id in db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all():
                # Started by the AD (as with the button): no "draft ready" mail to measure along.
                with tenant_context(tenant_id, user_id=directors.get(tenant_id)):
                    report = ops.request_report(period)
                    assert report is not None
                    db.session.commit()
                    jobs.append((tenant_id, report.id))
            command = [sys.executable, "-m", "celery", "-A", "bench.report_worker", "worker", "--pool=solo"]
            for n in range(workers):
                flags = ["--loglevel=WARNING", f"--hostname=bench-{n}@%h", "--without-gossip", "--without-mingle"]
                processes.append(_start([*command, *flags], env, log))
            celery = app.extensions["celery"]
            # Workers are up when they answer: measured from there, not including their start.
            deadline = time.monotonic() + 120
            while len(celery.control.ping(timeout=1.0) or []) < workers:
                if time.monotonic() > deadline:
                    raise SystemExit(f"workers did not start; see {folder}/processes.log")
            load_before = os.getloadavg()
            started = time.monotonic()
            results = [celery.send_task("bench.reports.generate_with_pdf", args=job) for job in jobs]
            figures = [result.get(timeout=1800) for result in results]
            wall = time.monotonic() - started
            load_after = os.getloadavg()
    finally:
        for process in reversed(processes):
            _stop(process)
        log.close()
    seconds = [f["seconds"] for f in figures]
    failed = [f for f in figures if f["status"] != "concept" or not f["pdf_bytes"]]
    return {
        "reports": len(figures),
        "failed": len(failed),
        "workers": workers,
        "data_s": round(data_s, 1),
        "wall_s": round(wall, 1),
        "per_report_p50_s": round(_percentile(seconds, 0.5), 2),
        "per_report_p95_s": round(_percentile(seconds, 0.95), 2),
        "per_report_max_s": round(max(seconds), 2),
        "gather_p50_s": round(statistics.median(f["gather_seconds"] for f in figures), 3),
        "cpu_p50_s": round(statistics.median(f["cpu_seconds"] for f in figures), 2),
        # The workers' CPU time over the worker count: the wall time on a machine with nothing else to do.
        "cpu_total_per_worker_s": round(sum(f["cpu_seconds"] for f in figures) / workers, 1),
        "pdf_kb_p50": round(statistics.median(f["pdf_bytes"] for f in figures) / 1024),
        "load_before": " ".join(f"{v:.1f}" for v in load_before),
        "load_after": " ".join(f"{v:.1f}" for v in load_after),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    """Parse the arguments, run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--all", action="store_true", help="all 285 municipalities on Celery workers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse-data", action="store_true", help="with --all: keep the data set of an earlier run")
    args = parser.parse_args()
    result = run_all(args.workers, args.reuse_data) if args.all else run(args.scale)
    if args.all:
        print(json.dumps(result))
    for key, value in result.items():
        if value is not None:
            print(f"{key:20} {value}")


if __name__ == "__main__":
    main()
