"""Benchmark one council report: the whole generation against WeasyPrint alone on the same HTML.

A fresh SQLite portal (like ``make run``) with the demo data, grown ``--scale`` times for the
region around Ranst (copies of the demo's agreements and vacancies through the real operations),
then for Ranst's semester report: gathering + charts + HTML + PDF in one run, and WeasyPrint
alone rendering the very same HTML. The issue asks the whole to cost at most twice the PDF.

    python -m bench.reports --scale 10
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select


def _grow(scale: int) -> int:
    """Add (scale - 1) copies of the demo agreements and vacancies of the Ranst region."""
    from portal.agreements import operations as ag_ops
    from portal.agreements.demo import SAMPLES
    from portal.auth.models import User
    from portal.extensions import db
    from portal.hr.operations import change_vacancy_status, create_vacancy
    from tenants.context import tenant_context
    from tenants.models import Region, Tenant

    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    region = db.session.scalar(select(Region).where(Region.slug == "regio-ranst"))
    assert region is not None
    made = 0
    for copy in range(1, scale):
        for title, lead, partners, domains, _status, _visible in SAMPLES:
            if lead not in ("ranst", "zandhoven", "zoersel"):
                continue
            owner = tenants[lead]
            with tenant_context(owner.id):
                agreement = ag_ops.create_agreement(
                    {
                        "title": f"{title} ({copy + 1})",
                        "legal_form": "overeenkomst",
                        "domains": domains,
                        "partner_ids": [tenants[p].id for p in partners],
                        "region_id": region.id,
                        "start_date": date(2026, 1, 1),
                        "text_html": "<p>Benchmarktekst.</p>",
                    }
                )
                ag_ops.submit(agreement)
                db.session.commit()
                made += 1
        for slug in ("ranst", "zandhoven", "zoersel"):
            hr = db.session.scalar(select(User).where(User.email == f"hr.{slug}@demo.samenwerkingsportaal.be"))
            with tenant_context(tenants[slug].id, user_id=hr.id if hr else None):
                for n in range(3):
                    vacancy = create_vacancy(
                        {
                            "title": f"Benchmarkvacature {slug} {copy}-{n}",
                            "grade": "B1",
                            "deadline_on": date.today() + timedelta(days=30),
                            "kind": "intern",
                            "audience": "region",
                            "region_id": region.id,
                        },
                        author_id=hr.id if hr else None,
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
        ops.generate(tenant_id, warm_id)
        with tenant_context(tenant_id):
            found = db.session.scalar(select(CouncilReport).where(CouncilReport.id == warm_id))
            assert found is not None
            rendering.render_pdf(found)

        period = ops.period_code("semester", date.today())
        started = time.perf_counter()
        with tenant_context(tenant_id):
            report = ops.request_report(period)
            assert report is not None
            db.session.commit()
            report_id = report.id
        ops.generate(tenant_id, report_id)
        with tenant_context(tenant_id):
            report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
            assert report is not None
            gather_s = time.perf_counter() - started
            pdf = rendering.render_pdf(report)
            whole = time.perf_counter() - started
            html = rendering.report_document(report)

        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        started = time.perf_counter()
        HTML(string=html, base_url="data:,", url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf(
            pdf_variant="pdf/ua-1"
        )
        weasy = time.perf_counter() - started
    return {
        "scale": scale,
        "rows_added": grown,
        "gather_s": round(gather_s, 3),
        "whole_s": round(whole, 3),
        "weasyprint_alone_s": round(weasy, 3),
        "ratio": round(whole / weasy, 2) if weasy else None,
        "pdf_bytes": len(pdf),
        "html_bytes": len(html),
    }


def main() -> None:
    """Parse the arguments, run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, default=10)
    args = parser.parse_args()
    result = run(args.scale)
    for key, value in result.items():
        if value is not None:
            print(f"{key:20} {value}")


if __name__ == "__main__":
    main()
