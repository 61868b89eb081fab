"""Demo content for Gedeelde HR: vacancies of each kind and applications in the pipeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal.auth.models import User
from portal.demo import DOMAIN
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr.models import Vacancy
from tenants.context import tenant_context
from tenants.models import Region, Tenant
from tenants.sharing import today

VACANCIES: list[dict[str, Any]] = [
    {"tenant": "ranst", "title": "Deskundige personeel en organisatie", "grade": "B1", "department": "HR",
     "kind": "extern", "audience": "own"},
    {"tenant": "ranst", "title": "Technisch assistent groendienst", "grade": "D1", "department": "Technische dienst",
     "kind": "intern", "audience": "region", "region": "regio-ranst"},
    {"tenant": "zandhoven", "title": "Omgevingsambtenaar (gedeeld Zandhoven-Ranst)", "grade": "A1a",
     "department": "Omgeving", "kind": "gedeeld", "audience": "region", "region": "regio-ranst",
     "shares": [("zandhoven", 60), ("ranst", 40)]},
    {"tenant": "zoersel", "title": "Administratief medewerker burgerzaken", "grade": "C1", "department": "Burgerzaken",
     "kind": "extern", "audience": "region", "region": "regio-ranst"},
    {"tenant": "lier", "title": "Preventieadviseur", "grade": "B4", "department": "Interne preventie",
     "kind": "intern", "audience": "region", "region": "regio-lier"},
]  # fmt: skip


def load() -> int:
    """Create the demo vacancies (published) and a few applications; idempotent."""
    count = 0
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    regions = {r.slug: r.id for r in db.session.scalars(select(Region))}
    for spec in VACANCIES:
        tenant = tenants.get(spec["tenant"])
        if tenant is None:
            continue
        with tenant_context(tenant.id):
            if db.session.scalar(select(Vacancy.id).where(Vacancy.title == spec["title"])) is not None:
                continue
            author = db.session.scalar(select(User).where(User.email == f"hr.{tenant.slug}@{DOMAIN}"))
            data = {
                "title": spec["title"],
                "grade": spec["grade"],
                "department": spec["department"],
                "function_name": spec["title"].split(" (")[0],
                "employment": "contractueel",
                "percentage": 100,
                "salary_min": 2900,
                "salary_max": 4800,
                "description_html": f"<p>{tenant.name} zoekt een gemotiveerde collega voor de dienst "
                f"{spec['department']}.</p>",
                "profile_html": "<ul><li>Je werkt graag samen met collega's van de buurgemeenten.</li></ul>",
                "selection_steps": "Screening van het cv, schriftelijke proef, selectiegesprek.",
                "deadline_on": today() + timedelta(days=30),
                "kind": spec["kind"],
                "audience": spec["audience"],
                "region_id": regions.get(spec.get("region", "")),
                "shares": [
                    {"municipality_id": tenants[slug].id, "share_percent": pct} for slug, pct in spec.get("shares", [])
                ],
            }
            vacancy = ops.create_vacancy(data, author_id=author.id if author else None)
            ops.change_vacancy_status(vacancy, "gepubliceerd")
            if spec["kind"] != "intern":
                app = ops.submit_public_application(
                    vacancy,
                    {
                        "full_name": "Sofie Verbruggen",
                        "email": f"sofie.verbruggen@{DOMAIN}",
                        "consent": True,
                        "motivation": "Ik werk graag voor een lokaal bestuur.",
                    },
                    None,
                )
                if author is not None:
                    ops.move_application(app, "screening", author_id=author.id, note="Cv in orde.")
            db.session.commit()
            count += 1
    return count
