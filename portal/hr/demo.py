"""Demo content for Gedeelde HR: vacancies, applications, staff sharing, trainings, functions, reserves."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from sqlalchemy import select

from portal.auth.models import User
from portal.demo import DOMAIN, signed_in
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr.models import (
    ApplicationStatus,
    Employment,
    Enrolment,
    JobFunction,
    Reserve,
    ReserveRequestDecision,
    StaffSharing,
    StaffSharingApproval,
    Training,
    Vacancy,
    VacancyKind,
    VacancyStatus,
)
from tenants.context import acting_for
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


SHARINGS: list[dict[str, Any]] = [
    {"home": "ranst", "host": "zandhoven", "name": "Bart Janssens", "job": "Preventieadviseur", "share": 20,
     "cost": 100, "decide": ("goedgekeurd", "goedgekeurd")},
    {"home": "zoersel", "host": "ranst", "name": "Katrien Mertens", "job": "GIS-deskundige", "share": 50,
     "cost": 50, "decide": ("goedgekeurd", None)},
    {"home": "zandhoven", "host": "zoersel", "name": "Dirk Willems", "job": "Informatieveiligheidsconsulent",
     "share": 30, "cost": 80, "decide": ("goedgekeurd", "goedgekeurd")},
    {"home": "lier", "host": "herenthout", "name": "Hans Goossens", "job": "Omgevingsambtenaar", "share": 40,
     "cost": 100, "decide": ("goedgekeurd", "goedgekeurd")},
]  # fmt: skip


def _user(role: str, slug: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == f"{role}.{slug}@{DOMAIN}"))


def _load_sharings(tenants: dict[str, Tenant]) -> int:
    count = 0
    for spec in SHARINGS:
        home, host = tenants.get(spec["home"]), tenants.get(spec["host"])
        hr = _user("hr", spec["home"])
        if home is None or host is None or hr is None:
            continue
        with signed_in(home.id, hr.id):
            if db.session.scalar(select(StaffSharing.id).where(StaffSharing.employee_name == spec["name"])):
                continue
            row = ops.create_staff_sharing(
                {
                    "host_tenant_id": host.id,
                    "employee_name": spec["name"],
                    "job_title": spec["job"],
                    "share_percent": spec["share"],
                    "starts_on": today() - timedelta(days=60),
                    "ends_on": today() + timedelta(days=300),
                    "host_cost_percent": spec["cost"],
                    "note": "Werkt op dinsdag en donderdag in het administratief centrum van de partner.",
                },
                user=hr,
            )
            home_decision, host_decision = spec["decide"]
            home_ad = _user("ad", spec["home"])
            if home_decision and home_ad is not None:
                ops.decide_staff_sharing(row, home_decision, user=home_ad)
            approval_id = row.approval_id
        host_ad = _user("ad", spec["host"])
        if host_decision and host_ad is not None:
            with signed_in(host.id, host_ad.id):
                approval = db.session.get(StaffSharingApproval, approval_id)
                if approval is not None:
                    ops.decide_staff_sharing(approval, host_decision, user=host_ad)
        db.session.commit()
        count += 1
    return count


TRAININGS: list[dict[str, Any]] = [
    {"tenant": "zoersel", "title": "Vorming GDPR voor lokale besturen", "organiser": "Informatieveiligheid Zoersel",
     "location": "Raadzaal gemeentehuis Zoersel", "seats": 15, "price": 40, "region": "regio-ranst", "days": (21, 28),
     "hours": (time(9, 0), time(12, 30)), "enrol": [("dienst", "ranst", True), ("hr", "zandhoven", True)]},
    {"tenant": "ranst", "title": "EHBO-opfrissing", "organiser": "Preventiedienst Ranst", "location": "Zaal De Kring",
     "seats": 2, "price": 25, "region": "regio-ranst", "days": (35,), "hours": (time(13, 30), time(16, 30)),
     "enrol": [("dienst", "ranst", True), ("dienst", "zandhoven", True), ("schepen", "zandhoven", True),
               ("dienst", "zoersel", False)]},
    {"tenant": "lier", "title": "Timemanagement en vergadertechnieken", "organiser": "VVSG",
     "location": "Stadhuis Lier", "seats": 20, "price": 60, "region": "regio-lier", "days": (42,),
     "hours": (time(9, 0), time(16, 0)), "enrol": [("dienst", "herenthout", True)]},
]  # fmt: skip


def _load_trainings(tenants: dict[str, Tenant], regions: dict[str, int]) -> int:
    count = 0
    for spec in TRAININGS:
        tenant = tenants.get(spec["tenant"])
        hr = _user("hr", spec["tenant"])
        if tenant is None or hr is None:
            continue
        with signed_in(tenant.id, hr.id):
            if db.session.scalar(select(Training.id).where(Training.title == spec["title"])) is not None:
                continue
            training = ops.create_training(
                {
                    "title": spec["title"],
                    "organiser": spec["organiser"],
                    "description": "Praktische vorming voor medewerkers van de partnergemeenten.",
                    "location": spec["location"],
                    "seats": spec["seats"],
                    "price_partner": spec["price"],
                    "sessions": [
                        {"day": today() + timedelta(days=d), "starts": spec["hours"][0], "ends": spec["hours"][1]}
                        for d in spec["days"]
                    ],
                    "audience": "region",
                    "region_id": regions.get(spec["region"]),
                },
                author_id=hr.id,
            )
            db.session.commit()
            training_id = training.id
        for role, slug, approve in spec["enrol"]:
            user, own_hr = _user(role, slug), _user("hr", slug)
            if user is None or own_hr is None:
                continue
            with signed_in(user.tenant_id, user.id):
                training = db.session.get_one(Training, training_id)
                row = ops.enrol(training, user)
                db.session.commit()
                enrolment_id = row.id
            if approve:
                with signed_in(user.tenant_id, own_hr.id):
                    ops.decide_enrolment(db.session.get_one(Enrolment, enrolment_id), True, user=own_hr)
                    db.session.commit()
        count += 1
    return count


FUNCTIONS: list[dict[str, Any]] = [
    {"tenant": "ranst", "region": "regio-ranst", "title": "Administratief medewerker", "level": "C",
     "family": "Administratie", "grades": {"ranst": ("C1", "C3"), "zandhoven": ("C1", "C3"), "zoersel": ("C1", "C3")}},
    {"tenant": "ranst", "region": "regio-ranst", "title": "Omgevingsambtenaar", "level": "A", "family": "Omgeving",
     "grades": {"ranst": ("A1a", "A2a"), "zandhoven": ("A1a", "A3a"), "zoersel": ("B4", "B5")}},
    {"tenant": "zandhoven", "region": "regio-ranst", "title": "Technisch assistent groendienst", "level": "D",
     "family": "Technische dienst", "grades": {"ranst": ("D1", "D3"), "zandhoven": ("D1", "D3")}},
    {"tenant": "lier", "region": "regio-lier", "title": "Preventieadviseur", "level": "B", "family": "Preventie",
     "grades": {"lier": ("B4", "B5"), "herenthout": ("B1", "B3")}},
]  # fmt: skip


def _load_functions(tenants: dict[str, Tenant], regions: dict[str, int]) -> int:
    count = 0
    for spec in FUNCTIONS:
        tenant, hr = tenants.get(spec["tenant"]), _user("hr", spec["tenant"])
        if tenant is None or hr is None:
            continue
        with signed_in(tenant.id, hr.id):
            if db.session.scalar(select(JobFunction.id).where(JobFunction.title == spec["title"])) is not None:
                continue
            function = ops.create_function(
                {
                    "title": spec["title"],
                    "level": spec["level"],
                    "family": spec["family"],
                    "purpose": f"De {spec['title'].lower()} ondersteunt de werking van het lokaal bestuur.",
                    "tasks": "Voert de opdrachten van de dienst uit.\nWerkt samen met de collega's van de partners.",
                    "competences": "Samenwerken, klantgerichtheid, betrouwbaarheid.",
                    "audience": "region",
                    "region_id": regions.get(spec["region"]),
                }
            )
            db.session.commit()
            function_id = function.id
        for slug, (low, high) in spec["grades"].items():
            grader, grader_hr = tenants.get(slug), _user("hr", slug)
            if grader is None or grader_hr is None:
                continue
            with signed_in(grader.id, grader_hr.id):
                ops.set_grade(db.session.get_one(JobFunction, function_id), {"grade_min": low, "grade_max": high})
                db.session.commit()
        count += 1
    return count


RESERVES: list[dict[str, Any]] = [
    {"tenant": "zandhoven", "region": "regio-ranst", "title": "Werfreserve omgevingsambtenaar", "grade": "A1a",
     "function": "Omgevingsambtenaar",
     "laureates": [("Lotte Van Dyck", True), ("Pieter Hermans", False), ("Sara El Amrani", True)],
     "requests": [("ranst", 1, True), ("zoersel", 3, None)]},
    {"tenant": "lier", "region": "regio-lier", "title": "Werfreserve technisch assistent", "grade": "D1",
     "function": "Technisch assistent", "laureates": [("Tom Verhoeven", True), ("Nina Aerts", True)],
     "requests": [("herenthout", 2, None)]},
]  # fmt: skip


def _load_reserves(tenants: dict[str, Tenant], regions: dict[str, int]) -> int:
    count = 0
    for spec in RESERVES:
        tenant, hr = tenants.get(spec["tenant"]), _user("hr", spec["tenant"])
        if tenant is None or hr is None:
            continue
        with signed_in(tenant.id, hr.id):
            if db.session.scalar(select(Reserve.id).where(Reserve.title == spec["title"])) is not None:
                continue
            reserve = ops.create_reserve(
                {
                    "title": spec["title"],
                    "function_name": spec["function"],
                    "grade": spec["grade"],
                    "selected_on": today() - timedelta(days=20),
                    "valid_until": today() + timedelta(days=2 * 365),
                    "audience": "region",
                    "region_id": regions.get(spec["region"]),
                },
                author_id=hr.id,
            )
            ids = []
            for rank, (name, consent) in enumerate(spec["laureates"], start=1):
                email = f"{name.lower().replace(' ', '.')}@example.org"
                ids.append(
                    ops.add_candidate(
                        reserve, {"rank": rank, "full_name": name, "email": email, "may_share": consent}
                    ).id
                )
            db.session.commit()
            reserve_id = reserve.id
        for slug, rank, approve in spec["requests"]:
            requester, requester_hr = tenants.get(slug), _user("hr", slug)
            if requester is None or requester_hr is None:
                continue
            with signed_in(requester.id, requester_hr.id):
                row = ops.request_candidate(
                    db.session.get_one(Reserve, reserve_id),
                    ids[rank - 1],
                    user=requester_hr,
                    motivation="Wij zoeken dringend iemand met dit profiel.",
                )
                db.session.commit()
                decision_id = row.decision_id
            if approve is not None and decision_id is not None:
                with signed_in(tenant.id, hr.id):
                    ops.decide_reserve_request(
                        db.session.get_one(ReserveRequestDecision, decision_id), approve, user=hr
                    )
                    db.session.commit()
        count += 1
    return count


def load() -> int:
    """Create the demo vacancies, applications, staff sharings, trainings and function catalogue; idempotent."""
    count = 0
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    regions = {r.slug: r.id for r in db.session.scalars(select(Region))}
    # Keywords first, so publishing the demo vacancies below notifies these staff members.
    for role, slug, keywords in (
        ("dienst", "zandhoven", "groendienst, technisch"),
        ("dienst", "herenthout", "preventie"),
    ):
        user = _user(role, slug)
        if user is not None:
            with signed_in(user.tenant_id, user.id):
                if ops.interest_of(user) is None:
                    ops.set_interest(user, keywords)
                    db.session.commit()
    for spec in VACANCIES:
        tenant = tenants.get(spec["tenant"])
        if tenant is None:
            continue
        with acting_for(tenant.id):
            if db.session.scalar(select(Vacancy.id).where(Vacancy.title == spec["title"])) is not None:
                continue
            author = db.session.scalar(select(User).where(User.email == f"hr.{tenant.slug}@{DOMAIN}"))
            data = {
                "title": spec["title"],
                "grade": spec["grade"],
                "department": spec["department"],
                "function_name": spec["title"].split(" (")[0],
                "employment": Employment.CONTRACTUEEL,
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
            ops.change_vacancy_status(vacancy, VacancyStatus.GEPUBLICEERD)
            if spec["kind"] != VacancyKind.INTERN:
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
                    ops.move_application(app, ApplicationStatus.SCREENING, author_id=author.id, note="Cv in orde.")
            db.session.commit()
            count += 1
    count += _load_sharings(tenants) + _load_trainings(tenants, regions)
    return count + _load_functions(tenants, regions) + _load_reserves(tenants, regions)
