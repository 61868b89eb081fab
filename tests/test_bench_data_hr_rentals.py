"""The HR and rentals benchmark generators still match the schema and the app (PostgreSQL only).

Generates the benchmark data set for Ranst's region into a database of its own and checks that
the two-row pairs point at each other, bookings of one resource never overlap, every party is
the owner or a current partner, and that the set-based reads the benchmark led to (availability
across owners, the region's public job page) give the same answers as reading owner by owner,
on the runtime role with row-level security in force.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

from portal.extensions import db
from tests import test_bench_data
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="the benchmark data set is PostgreSQL only")

ROOT = Path(__file__).resolve().parents[1]
AD = "algemeen_directeur.ranst@bench.samenwerkingsportaal.be"


@pytest.fixture(scope="module")
def bench_urls() -> Iterator[dict[str, Any]]:
    """A fresh database with the benchmark data of Ranst's region; its admin, owner and app URLs."""
    from bench import run
    from bench.data import counts, generate

    assert PG_URL
    name = f"{make_url(PG_URL).database}_bench_hr_rentals"
    admin = os.environ.get("BENCH_PG_ADMIN_URL") or make_url(PG_URL).set(
        username="postgres", password=None, database="postgres"
    ).render_as_string(hide_password=False)
    os.environ.setdefault("BENCH_PG_ADMIN_URL", admin)
    urls: dict[str, Any] = run.prepare_database(name)
    env = run._portal_env(urls, "redis://")
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    engine = create_engine(urls["admin"])
    with engine.begin() as conn:
        ctx = generate(conn, 1, regions_of=("ranst",))
    with engine.connect() as conn:
        urls["counts"] = counts(conn)
    urls["tenants"] = len(ctx.tenants)
    engine.dispose()
    yield urls
    admin_engine = run._admin_engine()
    with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


# The app on this module's bench database: the same fixture as the other bench-data tests use.
bench_app = test_bench_data.bench_app


def _rows(urls: dict[str, Any], sql: str, **params: Any) -> list[Any]:
    engine = create_engine(urls["admin"])
    with engine.connect() as conn:
        rows = list(conn.execute(text(sql), params))
    engine.dispose()
    return rows


#: A row of a pair whose counterpart is missing, points elsewhere or disagrees.
BROKEN_PAIRS = {
    "reservation/booking": (
        "SELECT r.id FROM rental_reservations r LEFT JOIN rental_bookings b ON b.id = r.booking_id"
        " LEFT JOIN rental_resources s ON s.id = r.resource_id"
        " WHERE b.id IS NULL OR b.reservation_id <> r.id OR b.resource_id <> r.resource_id"
        " OR b.tenant_id <> r.owner_tenant_id OR s.tenant_id <> b.tenant_id OR b.requester_tenant_id <> r.tenant_id"
        " OR b.starts_at <> r.starts_at OR b.ends_at <> r.ends_at OR b.status <> r.status OR b.price <> r.price"
        " OR b.is_single_unit <> s.is_single_unit OR b.blocked_until < b.ends_at"
    ),
    "application/receipt": (
        "SELECT a.id FROM applications a LEFT JOIN application_receipts r ON r.application_id = a.id"
        " WHERE a.source = 'intern' AND (r.id IS NULL OR r.tenant_id <> a.applicant_tenant_id"
        " OR r.vacancy_id <> a.vacancy_id OR r.vacancy_tenant_id <> a.tenant_id OR r.user_id <> a.applicant_user_id)"
    ),
    "enrolment/seat": (
        "SELECT e.id FROM training_enrolments e LEFT JOIN training_seats s ON s.id = e.seat_id"
        " JOIN trainings t ON t.id = e.training_id"
        " WHERE t.tenant_id <> e.training_tenant_id OR (e.seat_id IS NOT NULL AND (s.id IS NULL"
        " OR s.enrolment_id <> e.id OR s.participant_tenant_id <> e.tenant_id OR s.tenant_id <> t.tenant_id"
        " OR s.status <> e.status))"
    ),
    "sharing/approval": (
        "SELECT s.id FROM staff_sharings s LEFT JOIN staff_sharing_approvals a ON a.id = s.approval_id"
        " WHERE a.id IS NULL OR a.sharing_id <> s.id OR a.tenant_id <> s.host_tenant_id"
        " OR a.home_tenant_id <> s.tenant_id OR a.status <> s.status OR a.share_percent <> s.share_percent"
    ),
    "shared post shares": (
        "SELECT v.id FROM vacancies v LEFT JOIN vacancy_shares s ON s.vacancy_id = v.id WHERE v.kind = 'gedeeld'"
        " GROUP BY v.id HAVING coalesce(sum(s.share_percent), 0) <> 100"
    ),
}

#: Someone who is neither the owner nor a current member of the owner's region.
STRANGERS = {
    "requester": (
        "SELECT b.id FROM rental_bookings b WHERE b.requester_tenant_id <> b.tenant_id AND NOT EXISTS ("
        "SELECT 1 FROM region_memberships m1 JOIN region_memberships m2 ON m1.region_id = m2.region_id"
        " WHERE m1.tenant_id = b.tenant_id AND m2.tenant_id = b.requester_tenant_id"
        " AND m1.left_on IS NULL AND m2.left_on IS NULL)"
    ),
    "applicant": (
        "SELECT a.id FROM applications a WHERE a.source = 'intern' AND NOT EXISTS ("
        "SELECT 1 FROM region_memberships m1 JOIN region_memberships m2 ON m1.region_id = m2.region_id"
        " WHERE m1.tenant_id = a.tenant_id AND m2.tenant_id = a.applicant_tenant_id"
        " AND m1.left_on IS NULL AND m2.left_on IS NULL)"
    ),
    "host": (
        "SELECT s.id FROM staff_sharings s WHERE NOT EXISTS ("
        "SELECT 1 FROM region_memberships m1 JOIN region_memberships m2 ON m1.region_id = m2.region_id"
        " WHERE m1.tenant_id = s.tenant_id AND m2.tenant_id = s.host_tenant_id"
        " AND m1.left_on IS NULL AND m2.left_on IS NULL)"
    ),
}


def test_generators_make_the_volumes_and_consistent_pairs(bench_urls: dict[str, Any]) -> None:
    from portal.hr.bench import TRAININGS_PER_TENANT, VACANCIES_PER_TENANT
    from portal.rentals.bench import RESERVATIONS_PER_RESOURCE, RESOURCES_PER_TENANT

    rows, tenants = bench_urls["counts"], bench_urls["tenants"]
    assert tenants == 14  # Ranst's region
    assert rows["vacancies"] == VACANCIES_PER_TENANT * tenants
    assert rows["trainings"] == TRAININGS_PER_TENANT * tenants
    assert rows["rental_resources"] == RESOURCES_PER_TENANT * tenants
    assert (
        rows["rental_reservations"]
        == rows["rental_bookings"]
        == RESERVATIONS_PER_RESOURCE * RESOURCES_PER_TENANT * tenants
    )
    for table in ("applications", "application_events", "application_receipts", "vacancy_shares", "training_seats"):
        assert rows[table] > 0, table
    assert rows["staff_sharings"] == rows["staff_sharing_approvals"] > 0
    for name, sql in {**BROKEN_PAIRS, **STRANGERS}.items():
        assert _rows(bench_urls, sql + " LIMIT 5") == [], name
    statuses = {s for (s,) in _rows(bench_urls, "SELECT DISTINCT status FROM rental_bookings")}
    assert {"afgerekend", "goedgekeurd", "aangevraagd", "geannuleerd"} <= statuses
    assert {s for (s,) in _rows(bench_urls, "SELECT DISTINCT status FROM vacancies")} >= {"gepubliceerd", "ingevuld"}


def test_bookings_of_one_resource_never_overlap(bench_urls: dict[str, Any]) -> None:
    overlapping = _rows(
        bench_urls,
        "SELECT a.id, b.id FROM rental_bookings a JOIN rental_bookings b ON a.resource_id = b.resource_id"
        " AND a.id < b.id AND a.starts_at < b.blocked_until AND b.starts_at < a.blocked_until"
        " WHERE a.is_single_unit LIMIT 5",
    )
    assert overlapping == []
    # Multi-unit stock: at no booking's start do the active bookings take more than there is.
    over = _rows(
        bench_urls,
        "SELECT a.id FROM rental_bookings a JOIN rental_resources r ON r.id = a.resource_id"
        " WHERE NOT a.is_single_unit AND (SELECT sum(b.quantity) FROM rental_bookings b"
        " WHERE b.resource_id = a.resource_id AND b.starts_at <= a.starts_at AND b.blocked_until > a.starts_at"
        " AND b.status IN ('aangevraagd', 'goedgekeurd', 'afgehaald')) > r.quantity LIMIT 5",
    )
    assert over == []
    # The ids handed out up front left the sequences behind the rows: the next insert gets a new id.
    for table in ("rental_reservations", "rental_bookings", "vacancies", "applications", "training_seats"):
        (gap,) = _rows(bench_urls, f"SELECT (SELECT last_value FROM {table}_id_seq) - (SELECT max(id) FROM {table})")
        assert gap[0] >= 0, table


def _login(app: Flask) -> Any:
    client = app.test_client()
    assert client.post("/login", data={"email": AD, "password": "Bench-wachtwoord-2026"}).status_code == 302
    return client


def test_set_based_availability_matches_reading_owner_by_owner(bench_app: Flask, bench_urls: dict[str, Any]) -> None:
    from portal.auth.models import User
    from portal.rentals import operations as ops
    from portal.rentals.models import Resource
    from tenants.context import tenant_context

    user = db.session.scalar(select(User).where(User.email == AD))
    assert user is not None
    with tenant_context(user.tenant_id, user_id=user.id):
        resources = list(db.session.scalars(ops.visible_resources()).unique())
        owners = {r.tenant_id for r in resources}
        assert len(owners) > 5 and len(resources) > 50  # the region's shared catalogue, not only Ranst's
        start = ops.brussels(ops.utcnow().date() + timedelta(days=3), "08:00")
        compared = 0
        for days in (0, 2, 9):
            starts_at, ends_at = start + timedelta(days=days), start + timedelta(days=days, hours=34)
            peaks = ops.busy_peaks(resources, starts_at, ends_at)
            for resource in resources:
                free = ops.free_quantity(resource, starts_at, ends_at)
                assert resource.quantity - peaks.get(resource.id, 0) == free, (resource.id, days)
                compared += free < resource.quantity
            hits = ops.search_available(starts_at, ends_at)
            assert {r.id for r, _free in hits} <= {r.id for r in resources}
        assert compared > 0  # some resources were busy in those periods
        # Asking about a resource the caller may not see tells nothing about it.
        ((hidden,),) = _rows(
            bench_urls,
            "SELECT r.id FROM rental_resources r JOIN rental_bookings b ON b.resource_id = r.id"
            " WHERE r.audience = 'own' AND r.tenant_id <> :t AND b.status = 'goedgekeurd' LIMIT 1",
            t=user.tenant_id,
        )
        assert db.session.get(Resource, hidden) is None
        assert (
            ops.busy_peaks([Resource(id=hidden, tenant_id=0, buffer_minutes=0)], start, start + timedelta(days=400))
            == {}
        )
        # The caller's own context is back after the statement that read the owners' bookings.
        assert db.session.execute(text("SELECT current_setting('app.tenant_id')")).scalar() == str(user.tenant_id)


def test_pages_of_the_benchmark_answer_within_the_statement_budget(
    bench_app: Flask, bench_urls: dict[str, Any]
) -> None:
    from portal.hr.bench import pages as hr_pages
    from portal.rentals.bench import pages as rental_pages

    engine = create_engine(bench_urls["admin"])
    with engine.connect() as conn:
        targets = hr_pages(conn, "ranst") + rental_pages(conn, "ranst")
    engine.dispose()
    client = _login(bench_app)
    counted: list[Any] = []

    def count(*_args: Any) -> None:
        counted.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for name, path in targets:
            counted.clear()
            response = client.get(path)
            assert response.status_code == 200, (name, path)
            assert len(counted) <= 15, (name, len(counted))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # The region's public page (one statement for all members) lists exactly what the members'
    # own public lists hold, read member by member in each one's context.
    from portal.auth.models import User
    from portal.hr import operations as hr_ops
    from tenants.context import tenant_context
    from tenants.sharing import current_regions, region_members

    region_page = next(p for n, p in targets if n == "HR regionale vacatures")
    listed: set[tuple[str, str]] = set()
    for number in range(1, 10):
        html = client.get(region_page, query_string={"page": number}).get_data(as_text=True)
        found = set(re.findall(r'/werken-bij/([a-z0-9-]+)/([0-9]+)"', html))
        if not found:
            break
        assert len(found) <= 50 and not found & listed  # pages of 50 that do not repeat
        listed |= found
    user = db.session.scalar(select(User).where(User.email == AD))
    assert user is not None
    (region,) = current_regions(user.tenant_id)
    expected = set()
    for member in region_members(region.id):
        with tenant_context(member.id):
            expected |= {(member.slug, str(v.id)) for v in db.session.scalars(hr_ops.public_vacancies(member.id))}
    assert len(expected) > 50 and number > 2  # more than one page
    assert listed == expected


def test_rental_pages_name_the_partner_resource_busiest_in_the_weeks_they_show(bench_urls: dict[str, Any]) -> None:
    from portal.rentals.bench import busiest_in_window, pages
    from portal.rentals.models import ACTIVE_STATUSES

    engine = create_engine(bench_urls["admin"])
    with engine.connect() as conn:
        targets = dict(pages(conn, "ranst"))
        tid = conn.execute(text("SELECT id FROM tenants WHERE slug = 'ranst'")).scalar_one()
        chosen = busiest_in_window(conn, tid)
        assert chosen is not None
        # Every resource-based page (detail, occupancy feed, iCal) points at that one resource.
        for name in ("verhuur materieel (detail)", "verhuur bezetting.json", "verhuur iCal materieel"):
            assert f"/verhuur/materieel/{chosen}" in targets[name], name
        # It is a current partner's shared resource, and no other one has more active bookings
        # in the coming six weeks (of the suite's clock, as the generator and the pages use).
        now = datetime.now(UTC)
        rows = conn.execute(
            text(
                "SELECT r.id, count(b.id) FROM rental_resources r JOIN region_memberships m"
                " ON m.region_id = r.region_id AND m.tenant_id = :t AND m.left_on IS NULL"
                " JOIN rental_bookings b ON b.resource_id = r.id"
                " WHERE r.tenant_id <> :t AND r.audience = 'region'"
                " AND b.status = ANY(:active)"
                " AND b.starts_at < :until AND b.blocked_until > :now GROUP BY r.id"
            ),
            {"t": tid, "active": list(ACTIVE_STATUSES), "now": now, "until": now + timedelta(weeks=6)},
        ).all()
        in_window = {int(row[0]): int(row[1]) for row in rows}
    engine.dispose()
    assert in_window[chosen] == max(in_window.values()) > 0


def test_long_lists_are_cut_into_pages(
    bench_app: Flask, bench_urls: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.hr.views import trainings as hr_training_views
    from portal.rentals import operations as ops

    client = _login(bench_app)
    # The availability search over everything Ranst sees: pages of 10 that do not repeat.
    day = ops.utcnow().date() + timedelta(days=20)
    period = {"starts_at": f"{day}T08:00:00", "ends_at": f"{day + timedelta(days=1)}T18:00:00", "per_page": 10}
    first = client.get("/ranst/verhuur/beschikbaarheid", query_string=period).get_data(as_text=True)
    second = client.get("/ranst/verhuur/beschikbaarheid", query_string={**period, "page": 2}).get_data(as_text=True)
    links = [set(re.findall(r"/ranst/verhuur/materieel/([0-9]+)\?", html)) for html in (first, second)]
    assert len(links[0]) == len(links[1]) == 10 and not links[0] & links[1]
    assert 'class="pagination"' in first
    # HR's list of enrolments to approve shows the oldest ones and says there are more.
    ((pending,),) = _rows(
        bench_urls,
        "SELECT count(*) FROM training_enrolments e JOIN tenants t ON t.id = e.tenant_id"
        " WHERE t.slug = 'ranst' AND e.status = 'aangevraagd'",
    )
    assert pending > 3
    monkeypatch.setattr(hr_training_views, "TO_DECIDE_LIMIT", 3)
    html = client.get("/ranst/hr/vormingen").get_data(as_text=True)
    listed = html[html.index('id="te-beslissen"') : html.index("</ul>", html.index('id="te-beslissen"'))]
    assert listed.count("/hr/inschrijvingen/") == 3
    assert 'id="meer-te-beslissen"' in html


def test_settlement_sums_match_the_rows(bench_app: Flask, bench_urls: dict[str, Any]) -> None:
    from datetime import date

    from portal.auth.models import User
    from portal.rentals import operations as ops
    from tenants.context import tenant_context

    user = db.session.scalar(select(User).where(User.email == AD))
    assert user is not None
    first = date(ops.utcnow().year, 1, 1)
    with tenant_context(user.tenant_id, user_id=user.id):
        rows = ops.settlement(first, first.replace(year=first.year + 1))
    expected = {
        tenant_id: (count, amount)
        for tenant_id, count, amount in _rows(
            bench_urls,
            "SELECT requester_tenant_id, count(*), sum(price) FROM rental_bookings WHERE tenant_id = :t"
            " AND requester_tenant_id <> :t AND status IN ('afgehaald', 'teruggebracht', 'afgerekend')"
            " AND starts_at >= :a AND starts_at < :b GROUP BY requester_tenant_id",
            t=user.tenant_id,
            a=ops.brussels(first),
            b=ops.brussels(first.replace(year=first.year + 1)),
        )
    }
    assert (
        expected and {r["partner_id"]: (r["lent_count"], r["lent_amount"]) for r in rows if r["lent_count"]} == expected
    )
