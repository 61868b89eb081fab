"""Benchmark data for HR: vacancies and applications, shared posts, trainings, staff sharing.

Called by ``bench.data`` after the municipalities, regions and users exist. At scale 1 every
municipality has 35 vacancies (external, internal mobility, shared posts) with about two
applications each, 6 trainings with enrolments from its own staff and its region, 3 staff
sharings with a region partner and 5 catalogue functions. Internal applications, seats and
staff sharings are written as the two rows the module keeps (ADR 0009 and 0011), each pair
pointing at the other.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from bench.bulk import copy_rows, reserve_ids

VACANCIES_PER_TENANT = 35
TRAININGS_PER_TENANT = 6
SHARINGS_PER_TENANT = 3
FUNCTIONS = (
    ("Deskundige ruimtelijke ordening", "Omgeving", "B"),
    ("Maatschappelijk werker", "Welzijn", "B"),
    ("Administratief medewerker burgerzaken", "Burgerzaken", "C"),
    ("Technisch assistent groendienst", "Technische dienst", "D"),
    ("Financieel directeur", "Financiën", "A"),
    ("Preventieadviseur", "Personeel", "B"),
    ("Bibliothecaris", "Vrije tijd", "B"),
    ("ICT-medewerker", "Informatica", "C"),
)
GRADE_OF_LEVEL = {"A": "A1a", "B": "B1", "C": "C1", "D": "D1", "E": "E1"}
TRAININGS = ("EHBO op het werk", "Omgaan met agressie", "Overheidsopdrachten", "Excel voor gevorderden", "GDPR")
BRUSSELS = ZoneInfo("Europe/Brussels")
HR_USER_INDEX = 3  # bench.data's users: beheerder, algemeen_directeur, beleidsverantwoordelijke, hr_medewerker, ...


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BRUSSELS).astimezone(UTC)


def _current_partners(conn: Connection) -> tuple[dict[int, int], dict[int, list[int]]]:
    """Return each tenant's current region and the current members of every region."""
    rows = conn.execute(text("SELECT region_id, tenant_id FROM region_memberships WHERE left_on IS NULL")).all()
    region_of: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    for region_id, tenant_id in rows:
        region_of.setdefault(tenant_id, region_id)
        members.setdefault(region_id, []).append(tenant_id)
    return region_of, members


def _people(conn: Connection) -> dict[int, tuple[str, str]]:
    return {uid: (name, email) for uid, name, email in conn.execute(text("SELECT id, full_name, email FROM users"))}


def generate(conn: Connection, ctx: Any) -> None:
    """Bulk-insert the HR rows of every municipality."""
    rng, scale, now = ctx.rng, ctx.scale, datetime.now(UTC)
    today = now.astimezone(BRUSSELS).date()
    region_of, members = _current_partners(conn)
    people = _people(conn)
    tenants = ctx.tenants

    def partners(tenant_id: int) -> list[int]:
        region = region_of.get(tenant_id)
        return [t for t in members.get(region, []) if t != tenant_id] if region else []

    # -- vacancies, shares, applications, events, receipts -------------------------------------
    n_vac = VACANCIES_PER_TENANT * scale * len(tenants)
    vacancy_ids = iter(reserve_ids(conn, "vacancies", n_vac))
    vacancies: list[dict[str, Any]] = []
    shares: list[dict[str, Any]] = []
    for tenant in tenants:
        tid, region = tenant["id"], region_of.get(tenant["id"])
        staff = ctx.users[tid]
        for n in range(VACANCIES_PER_TENANT * scale):
            vid = next(vacancy_ids)
            function, department, level = FUNCTIONS[n % len(FUNCTIONS)]
            kind = rng.choices(("extern", "intern", "gedeeld"), (55, 25, 20))[0]
            if kind != "extern" and (region is None or not partners(tid)):
                kind = "extern"
            created = now - timedelta(days=rng.randint(0, 730))
            deadline = created.date() + timedelta(days=rng.randint(21, 45))
            if n % 5 == 0:  # a fifth is still open, whatever its age says
                deadline = today + timedelta(days=rng.randint(1, 40))
                created = now - timedelta(days=rng.randint(1, 20))
            if deadline >= today:
                status = "concept" if rng.random() < 0.2 else "gepubliceerd"
            else:
                status = rng.choices(("afgesloten", "ingevuld", "geannuleerd"), (30, 60, 10))[0]
            shared = kind != "extern" or rng.random() < 0.5
            vacancies.append(
                {
                    "id": vid,
                    "tenant_id": tid,
                    "audience": "region" if shared and region else "own",
                    "region_id": region if shared and region else None,
                    "title": f"{function} ({department})",
                    "department": department,
                    "function_name": function,
                    "grade": GRADE_OF_LEVEL[level],
                    "employment": rng.choice(("statutair", "contractueel")),
                    "percentage": rng.choice((100, 100, 80, 50)),
                    "salary_min": Decimal(2400 + 400 * "EDCBA".index(level)),
                    "salary_max": Decimal(3400 + 600 * "EDCBA".index(level)),
                    "description_html": f"<p>{tenant['name']} zoekt een {function.lower()}.</p>",
                    "profile_html": "<ul><li>Je werkt graag met mensen.</li></ul>",
                    "selection_steps": "Screening, schriftelijke proef, gesprek",
                    "deadline_on": deadline,
                    "kind": kind,
                    "status": status,
                    "published_at": None if status == "concept" else created + timedelta(days=1),
                    "closed_at": _moment(deadline, 23) if status in ("afgesloten", "ingevuld", "geannuleerd") else None,
                    "created_by_id": staff[HR_USER_INDEX],
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if kind == "gedeeld":
                own = rng.choice((50, 60, 70))
                shares += [
                    {"tenant_id": tid, "vacancy_id": vid, "municipality_id": tid, "share_percent": own},
                    {
                        "tenant_id": tid,
                        "vacancy_id": vid,
                        "municipality_id": rng.choice(partners(tid)),
                        "share_percent": 100 - own,
                    },
                ]
    copy_rows(conn, "vacancies", vacancies)
    copy_rows(
        conn,
        "vacancy_shares",
        [{"id": i, **s} for i, s in zip(reserve_ids(conn, "vacancy_shares", len(shares)), shares, strict=True)],
    )

    applications: list[dict[str, Any]] = []
    receipts: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    open_flow = ("ontvangen", "screening", "test", "gesprek", "aanbod")
    for vac in vacancies:
        if vac["status"] in ("concept", "geannuleerd"):
            continue
        for k in range(rng.choice((0, 1, 2, 2, 3, 4))):
            applied = vac["published_at"] + timedelta(days=rng.randint(0, 20))
            if vac["status"] == "gepubliceerd":
                status = rng.choice(open_flow)
            elif vac["status"] == "ingevuld":
                status = "aangeworven" if k == 0 else "afgewezen"
            else:
                status = "afgewezen"
            row: dict[str, Any] = {
                "tenant_id": vac["tenant_id"],
                "vacancy_id": vac["id"],
                "consent_at": applied,
                "status": status,
                "motivation": "Ik ben gemotiveerd om mee te bouwen aan een sterke gemeente.",
                "created_at": applied,
                "updated_at": applied,
            }
            candidates = partners(vac["tenant_id"]) if vac["kind"] == "intern" else []
            if candidates:
                home = rng.choice(candidates)
                user_id = rng.choice(ctx.users[home][6:])
                name, email = people[user_id]
                row |= {"source": "intern", "applicant_user_id": user_id, "applicant_tenant_id": home}
                row |= {"full_name": name, "email": email}
            else:
                row |= {"source": "extern", "full_name": f"Kandidaat {vac['id']}-{k}"}
                row |= {"email": f"kandidaat{vac['id']}-{k}@example.org"}
            applications.append(row)
    app_ids = reserve_ids(conn, "applications", len(applications))
    title_of = {v["id"]: v["title"] for v in vacancies}
    for app_id, app in zip(app_ids, applications, strict=True):
        app["id"] = app_id
        author = ctx.users[app["tenant_id"]][HR_USER_INDEX]
        events.append(
            {
                "tenant_id": app["tenant_id"],
                "application_id": app_id,
                "author_id": None,
                "from_status": None,
                "to_status": "ontvangen",
                "note": "",
                "created_at": app["created_at"],
            }
        )
        if app["status"] != "ontvangen":
            events.append(
                {
                    "tenant_id": app["tenant_id"],
                    "application_id": app_id,
                    "author_id": author,
                    "from_status": "ontvangen",
                    "to_status": app["status"],
                    "note": "",
                    "created_at": app["created_at"] + timedelta(days=7),
                }
            )
        if app["source"] == "intern":
            receipts.append(
                {
                    "tenant_id": app["applicant_tenant_id"],
                    "user_id": app["applicant_user_id"],
                    "vacancy_tenant_id": app["tenant_id"],
                    "vacancy_id": app["vacancy_id"],
                    "application_id": app_id,
                    "vacancy_title": title_of[app["vacancy_id"]],
                    "created_at": app["created_at"],
                }
            )
    copy_rows(conn, "applications", applications)
    _copy_new(conn, "application_events", events)
    _copy_new(conn, "application_receipts", receipts)

    # -- trainings with enrolments (participant's row) and seats (organiser's row) -------------
    trainings: list[dict[str, Any]] = []
    training_ids = iter(reserve_ids(conn, "trainings", TRAININGS_PER_TENANT * scale * len(tenants)))
    for tenant in tenants:
        tid, region = tenant["id"], region_of.get(tenant["id"])
        for n in range(TRAININGS_PER_TENANT * scale):
            first = today + timedelta(days=rng.randint(-365, 180))
            sessions = [
                (_moment(first + timedelta(weeks=w), 9), _moment(first + timedelta(weeks=w), 12))
                for w in range(rng.randint(1, 3))
            ]
            shared = region is not None and rng.random() < 0.7
            created = min(now, sessions[0][0]) - timedelta(days=30)
            trainings.append(
                {
                    "id": next(training_ids),
                    "tenant_id": tid,
                    "audience": "region" if shared else "own",
                    "region_id": region if shared else None,
                    "title": f"{TRAININGS[n % len(TRAININGS)]} ({tenant['name']})",
                    "organiser": f"Personeelsdienst {tenant['name']}",
                    "description": "Praktijkgerichte vorming voor medewerkers van lokale besturen.",
                    "location": f"Gemeentehuis {tenant['name']}",
                    "seats": rng.choice((12, 16, 20, 25)),
                    "price_partner": Decimal(rng.choice((0, 25, 50))),
                    "status": "geannuleerd" if rng.random() < 0.05 else "gepland",
                    "attendance_saved_at": sessions[-1][1] if sessions[-1][1] < now else None,
                    "session_list": [{"starts_at": a.isoformat(), "ends_at": b.isoformat()} for a, b in sessions],
                    "starts_at": sessions[0][0],
                    "ends_at": sessions[-1][1],
                    "created_by_id": ctx.users[tid][HR_USER_INDEX],
                    "created_at": created,
                    "updated_at": created,
                }
            )
    copy_rows(conn, "trainings", trainings)

    enrolments: list[dict[str, Any]] = []
    seats: list[dict[str, Any]] = []
    for tr in trainings:
        pool = [tr["tenant_id"], *(partners(tr["tenant_id"]) if tr["audience"] == "region" else [])]
        is_past = tr["starts_at"] < now
        taken = 0
        for _k in range(rng.randint(0, tr["seats"] + 4)):
            home = rng.choice(pool)
            user_id = rng.choice(ctx.users[home][4:])
            if tr["status"] == "geannuleerd":
                status = "geannuleerd"
            elif not is_past and rng.random() < 0.25:
                status = "aangevraagd"
            elif rng.random() < 0.05:
                status = "geweigerd"
            else:
                status = "ingeschreven" if taken < tr["seats"] else "wachtlijst"
                taken += status == "ingeschreven"
            created = tr["created_at"] + timedelta(days=rng.randint(1, 25))
            enrolments.append(
                {
                    "tenant_id": home,
                    "user_id": user_id,
                    "training_tenant_id": tr["tenant_id"],
                    "training_id": tr["id"],
                    "training_title": tr["title"],
                    "status": status,
                    "decided_by_id": None if status == "aangevraagd" else ctx.users[home][HR_USER_INDEX],
                    "created_at": created,
                    "updated_at": created,
                    "_present": is_past and status == "ingeschreven" and rng.random() < 0.9,
                }
            )
    enrolment_ids = reserve_ids(conn, "training_enrolments", len(enrolments))
    with_seat = [e for e in enrolments if e["status"] in ("ingeschreven", "wachtlijst", "geannuleerd")]
    seat_ids = iter(reserve_ids(conn, "training_seats", len(with_seat)))
    for enrolment_id, e in zip(enrolment_ids, enrolments, strict=True):
        e["id"] = enrolment_id
        present = e.pop("_present")
        if e["status"] in ("ingeschreven", "wachtlijst", "geannuleerd"):
            e["seat_id"] = next(seat_ids)
            name, email = people[e["user_id"]]
            seats.append(
                {
                    "id": e["seat_id"],
                    "tenant_id": e["training_tenant_id"],
                    "training_id": e["training_id"],
                    "participant_tenant_id": e["tenant_id"],
                    "participant_user_id": e["user_id"],
                    "enrolment_id": enrolment_id,
                    "participant_name": name,
                    "participant_email": email,
                    "status": e["status"],
                    "is_present": present,
                    "created_at": e["created_at"],
                    "updated_at": e["created_at"],
                }
            )
    copy_rows(conn, "training_enrolments", enrolments)
    copy_rows(conn, "training_seats", seats)

    # -- staff sharing: the home's StaffSharing and the host's StaffSharingApproval ------------
    sharings: list[dict[str, Any]] = []
    approvals: list[dict[str, Any]] = []
    pairs = [
        (t["id"], p) for t in tenants for p in [partners(t["id"])] if p for _n in range(SHARINGS_PER_TENANT * scale)
    ]
    sharing_ids = reserve_ids(conn, "staff_sharings", len(pairs))
    approval_ids = reserve_ids(conn, "staff_sharing_approvals", len(pairs))
    for sharing_id, approval_id, (home, hosts) in zip(sharing_ids, approval_ids, pairs, strict=True):
        host = rng.choice(hosts)
        starts = today + timedelta(days=rng.randint(-500, 60))
        status = rng.choices(("goedgekeurd", "aangevraagd", "geweigerd", "ingetrokken"), (60, 25, 10, 5))[0]
        home_decision, host_decision = {
            "goedgekeurd": ("goedgekeurd", "goedgekeurd"),
            "aangevraagd": ("goedgekeurd", "open"),
            "geweigerd": ("goedgekeurd", "geweigerd"),
            "ingetrokken": ("open", "open"),
        }[status]
        employee = rng.choice(ctx.users[home][6:])
        terms = {
            "employee_name": people[employee][0],
            "job_title": rng.choice(FUNCTIONS)[0],
            "share_percent": rng.choice((10, 20, 20, 50)),
            "starts_on": starts,
            "ends_on": starts + timedelta(days=rng.choice((90, 180, 365))),
            "host_cost_percent": rng.choice((100, 100, 50)),
            "note": "",
            "home_decision": home_decision,
            "host_decision": host_decision,
            "status": status,
        }
        created = now - timedelta(days=max((today - starts).days, 0) + 14)
        stamps = {"created_at": created, "updated_at": created}
        sharings.append(
            {
                "id": sharing_id,
                "tenant_id": home,
                "host_tenant_id": host,
                "approval_id": approval_id,
                "created_by_id": ctx.users[home][HR_USER_INDEX],
                **terms,
                **stamps,
            }
        )
        approvals.append(
            {"id": approval_id, "tenant_id": host, "home_tenant_id": home, "sharing_id": sharing_id, **terms, **stamps}
        )
    copy_rows(conn, "staff_sharings", sharings)
    copy_rows(conn, "staff_sharing_approvals", approvals)

    # -- the function catalogue, shared with the region ----------------------------------------
    functions = []
    for tenant in tenants:
        region = region_of.get(tenant["id"])
        for title, family, level in FUNCTIONS[:5]:
            functions.append(
                {
                    "tenant_id": tenant["id"],
                    "audience": "region" if region else "own",
                    "region_id": region,
                    "title": title,
                    "family": family,
                    "level": level,
                    "purpose": f"De {title.lower()} draagt bij aan een goede dienstverlening.",
                    "tasks": "Voorbereiden, uitvoeren en opvolgen van dossiers.",
                    "competences": "Samenwerken, klantgerichtheid, betrouwbaarheid.",
                }
            )
    _copy_new(conn, "job_functions", functions)


def _copy_new(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    ids = reserve_ids(conn, table, len(rows))
    copy_rows(conn, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])


def pages(conn: Connection, tenant: str) -> list[tuple[str, str]]:
    """Return the key HR pages and API calls for the algemeen directeur of ``tenant``."""
    tid = conn.execute(text("SELECT id FROM tenants WHERE slug = :s"), {"s": tenant}).scalar_one()
    own = conn.execute(
        text(
            "SELECT v.id FROM vacancies v LEFT JOIN applications a ON a.vacancy_id = v.id "
            "WHERE v.tenant_id = :t AND v.status = 'gepubliceerd' GROUP BY v.id ORDER BY count(a.id) DESC, v.id LIMIT 1"
        ),
        {"t": tid},
    ).scalar_one()
    partner = conn.execute(
        text(
            "SELECT v.id FROM vacancies v JOIN region_memberships m ON m.region_id = v.region_id "
            "WHERE m.tenant_id = :t AND m.left_on IS NULL AND v.tenant_id <> :t AND v.audience = 'region' "
            "AND v.status = 'gepubliceerd' ORDER BY v.id LIMIT 1"
        ),
        {"t": tid},
    ).scalar_one()
    application = conn.execute(
        text("SELECT id FROM applications WHERE vacancy_id = :v ORDER BY id LIMIT 1"), {"v": own}
    ).scalar_one()
    training = conn.execute(
        text("SELECT id FROM trainings WHERE tenant_id = :t AND status = 'gepland' ORDER BY starts_at DESC LIMIT 1"),
        {"t": tid},
    ).scalar_one()
    region = conn.execute(
        text(
            "SELECT r.slug FROM regions r JOIN region_memberships m ON m.region_id = r.id "
            "WHERE m.tenant_id = :t AND m.left_on IS NULL ORDER BY r.id LIMIT 1"
        ),
        {"t": tid},
    ).scalar_one()
    return [
        ("HR vacatures (lijst)", f"/{tenant}/hr/"),
        ("HR vacatures (zoeken)", f"/{tenant}/hr/?q=medewerker"),
        ("HR vacature (eigen, detail)", f"/{tenant}/hr/vacatures/{own}"),
        ("HR vacature (partner)", f"/{tenant}/hr/vacatures/{partner}"),
        ("HR sollicitatie (detail)", f"/{tenant}/hr/sollicitaties/{application}"),
        ("HR vormingen", f"/{tenant}/hr/vormingen"),
        ("HR vorming (detail)", f"/{tenant}/hr/vormingen/{training}"),
        ("HR terbeschikkingstellingen", f"/{tenant}/hr/terbeschikkingstellingen"),
        ("HR functies", f"/{tenant}/hr/functies"),
        ("HR werken bij (publiek)", f"/werken-bij/{tenant}"),
        ("HR regionale vacatures", f"/werken-in-de-regio/{region}"),
        ("API /vacancies", "/api/v1/vacancies"),
        ("API vacancy applications", f"/api/v1/vacancies/{own}/applications"),
        ("API /trainings", "/api/v1/trainings"),
        ("API /enrolments", "/api/v1/enrolments"),
        ("API /staff-sharings", "/api/v1/staff-sharings"),
    ]
