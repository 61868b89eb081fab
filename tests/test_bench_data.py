"""The benchmark's data generators still match the schema and the app (PostgreSQL only).

Generates the Flanders-scale data set for two regions (Ranst's and Lier's: same volumes per
municipality as ``make bench``) into a database of its own, then logs in through the app as the
algemeen directeur of Ranst on the runtime role (row-level security in force) and opens every
page the benchmark loads: each answers 200, shows Ranst's own rows and nothing of Lier's region.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from tests import conftest
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="the benchmark data set is PostgreSQL only")

ROOT = Path(__file__).resolve().parents[1]
AD = "algemeen_directeur.ranst@bench.samenwerkingsportaal.be"


def _schema(conn: Any) -> list[str]:
    """Return the definitions of every index and constraint of the schema.

    A partial index's predicate is reduced to "WHERE ...": PostgreSQL prints the predicate it
    parsed again with the casts placed differently (the same condition).
    """
    return list(
        conn.execute(
            text(
                "SELECT regexp_replace(d, ' WHERE .*$', ' WHERE ...') FROM ("
                " SELECT indexdef AS d FROM pg_indexes WHERE schemaname = current_schema()"
                " UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)"
                " FROM pg_constraint WHERE connamespace = current_schema()::regnamespace) AS defs ORDER BY 1"
            )
        ).scalars()
    )


@pytest.fixture(scope="module")
def bench_urls() -> Iterator[dict[str, str]]:
    """A fresh database with the benchmark data of two regions; its admin, owner and app URLs."""
    from bench import run
    from bench.data import counts, generate

    assert PG_URL
    name = f"{make_url(PG_URL).database}_benchdata"
    admin = os.environ.get("BENCH_PG_ADMIN_URL") or make_url(PG_URL).set(
        username="postgres", password=None, database="postgres"
    ).render_as_string(hide_password=False)
    os.environ.setdefault("BENCH_PG_ADMIN_URL", admin)
    urls = run.prepare_database(name)
    env = run._portal_env(urls, "redis://")
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    engine = create_engine(urls["admin"])
    with engine.connect() as conn:
        urls["schema_before"] = _schema(conn)  # type: ignore[assignment]
    with engine.begin() as conn:
        generate(conn, 1, regions_of=("ranst", "lier"))
    with engine.connect() as conn:
        urls["counts"] = counts(conn)  # type: ignore[assignment]
        urls["schema_after"] = _schema(conn)  # type: ignore[assignment]
    engine.dispose()
    yield urls
    admin_engine = run._admin_engine()
    with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


@pytest.fixture
def bench_app(bench_urls: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The portal on the bench database as the runtime role, with its own session scope."""
    config = {
        **conftest.test_config(str(tmp_path), 25),
        "SQLALCHEMY_DATABASE_URI": bench_urls["app"],
        "PORTAL_MIGRATION_DATABASE_URL": bench_urls["owner"],
        "PORTAL_REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    application = create_app(config, mode="test")
    # The suite's autouse fixture binds db.session to its own test database: use a plain scope here.
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def _ids(conn: Any, sql: str, **params: Any) -> list[Any]:
    return list(conn.execute(text(sql), params).scalars())


def test_the_load_builds_again_every_index_and_constraint_it_deferred(bench_urls: dict[str, Any]) -> None:
    before, after = bench_urls["schema_before"], bench_urls["schema_after"]
    assert any("EXCLUDE USING gist" in d for d in before)
    assert after == before


def test_generators_fill_every_module(bench_urls: dict[str, Any]) -> None:
    rows = bench_urls["counts"]
    assert rows["tenants"] == 26  # Ranst's and Lier's regions: 14 + 12 municipalities
    for table in (
        "agreements",
        "agreement_parties",
        "agreement_approvals",
        "agreement_evaluations",
        "procurement_dossiers",
        "procurement_lots",
        "procurement_participations",
        "procurement_participation_lines",
        "policy_meetings",
        "policy_agenda_items",
        "policy_minutes",
        "policy_decisions",
        "policy_action_items",
        "plan_versions",
        "plan_nodes",
        "plan_budgets",
        "plan_indicators",
        "plan_links",
    ):
        assert rows[table] > 0, table
    assert rows["agreements"] == 26 * 18
    assert rows["policy_meetings"] == 2 * 6 * 66
    # A meerjarenplan per municipality: 6 domains, 15 goals, 35 action plans, 120 actions.
    assert rows["plan_versions"] == 26
    assert rows["plan_nodes"] == 26 * (6 + 15 + 35 + 120)
    assert rows["plan_budgets"] == 26 * 120 * 6
    assert rows["plan_indicators"] == 26 * 40
    assert 26 * 15 <= rows["plan_links"] <= 26 * 20
    engine = create_engine(bench_urls["admin"])
    with engine.connect() as conn:
        # Every party of an agreement and every participant is a current member of the lead's region.
        strays = _ids(
            conn,
            "SELECT p.id FROM agreement_parties p JOIN agreements a ON a.id = p.agreement_id"
            " WHERE NOT EXISTS (SELECT 1 FROM region_memberships m1 JOIN region_memberships m2"
            " ON m1.region_id = m2.region_id WHERE m1.tenant_id = a.tenant_id AND m2.tenant_id = p.party_tenant_id"
            " AND m1.left_on IS NULL AND m2.left_on IS NULL)",
        )
        assert strays == []
        unlinked = _ids(
            conn,
            "SELECT p.id FROM procurement_participations p JOIN procurement_dossiers d ON d.id = p.dossier_id"
            " WHERE NOT EXISTS (SELECT 1 FROM share_grants g WHERE g.object_type = 'procurement_participation'"
            " AND g.object_id = p.id AND g.tenant_id = p.tenant_id AND g.grantee_tenant_id = d.tenant_id)",
        )
        assert unlinked == []
        # Every action has a budget for each year of the plan, and each node's parent one level up.
        short = _ids(
            conn,
            "SELECT n.id FROM plan_nodes n LEFT JOIN plan_budgets b ON b.node_id = n.id AND b.tenant_id = n.tenant_id"
            " WHERE n.level = 'actie' GROUP BY n.id HAVING count(DISTINCT b.year) FILTER"
            " (WHERE b.year BETWEEN 2026 AND 2031) <> 6",
        )
        assert short == []
        misplaced = _ids(
            conn,
            "SELECT c.id FROM plan_nodes c JOIN plan_nodes p ON p.id = c.parent_id WHERE p.tenant_id <> c.tenant_id"
            " OR p.version_id <> c.version_id OR (c.level, p.level) NOT IN (('beleidsdoelstelling', 'beleidsdomein'),"
            " ('actieplan', 'beleidsdoelstelling'), ('actie', 'actieplan'))",
        )
        assert misplaced == []
        # Every link is to an action of the owner's plan and to an object the owner may see.
        kinds = set(_ids(conn, "SELECT DISTINCT object_type FROM plan_links"))
        assert {"agreement", "procurement_dossier", "training", "rental_partner"} <= kinds
        current = (
            "EXISTS (SELECT 1 FROM region_memberships m1 JOIN region_memberships m2 ON m2.region_id = m1.region_id"
            " WHERE m1.tenant_id = l.tenant_id AND m2.tenant_id = {owner} AND m1.region_id = {region}"
            " AND m1.left_on IS NULL AND m2.left_on IS NULL)"
        )
        invisible = _ids(
            conn,
            "SELECT l.id FROM plan_links l JOIN plan_nodes n ON n.id = l.node_id"
            " LEFT JOIN agreements a ON l.object_type = 'agreement' AND a.id = l.object_id"
            " LEFT JOIN procurement_dossiers d ON l.object_type = 'procurement_dossier' AND d.id = l.object_id"
            " LEFT JOIN trainings t ON l.object_type = 'training' AND t.id = l.object_id"
            " WHERE n.tenant_id <> l.tenant_id OR n.level <> 'actie' OR NOT CASE l.object_type"
            f" WHEN 'agreement' THEN a.tenant_id = l.tenant_id OR (a.audience = 'region'"
            f" AND {current.format(owner='a.tenant_id', region='a.region_id')})"
            f" WHEN 'procurement_dossier' THEN d.tenant_id = l.tenant_id OR (d.audience = 'region'"
            f" AND {current.format(owner='d.tenant_id', region='d.region_id')})"
            f" WHEN 'training' THEN t.tenant_id = l.tenant_id OR (t.audience = 'region'"
            f" AND {current.format(owner='t.tenant_id', region='t.region_id')})"
            " WHEN 'rental_partner' THEN l.object_id <> l.tenant_id AND EXISTS (SELECT 1 FROM region_memberships m1"
            " JOIN region_memberships m2 ON m2.region_id = m1.region_id WHERE m1.tenant_id = l.tenant_id"
            " AND m2.tenant_id = l.object_id AND m1.left_on IS NULL AND m2.left_on IS NULL)"
            " ELSE false END",
        )
        assert invisible == []
    engine.dispose()


def test_ranst_director_sees_own_rows_and_no_other_region(bench_app: Flask, bench_urls: dict[str, Any]) -> None:
    from bench.run import pages

    engine = create_engine(bench_urls["admin"])
    with engine.connect() as conn:
        targets = [(n, p) for n, p in pages(conn, "ranst") if p != "/livez"]
        own_title = conn.execute(
            text(
                "SELECT a.title FROM agreements a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug = 'ranst'"
                " ORDER BY a.start_date DESC, a.id DESC LIMIT 1"
            )
        ).scalar_one()
        foreign = _ids(
            conn,
            "SELECT a.title FROM agreements a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug = 'lier'",
        ) + _ids(
            conn,
            "SELECT d.title FROM procurement_dossiers d JOIN tenants t ON t.id = d.tenant_id WHERE t.slug = 'lier'",
        )
    engine.dispose()
    assert {
        "overeenkomst (trekker)",
        "dossier (deelnemer)",
        "vergadering (detail)",
        "iCal-feed (persoonlijk)",
        "Mijn meerjarenplan",
        "meerjarenplan export.csv",
    } <= {n for n, _ in targets}
    client = bench_app.test_client()
    login = client.post("/login", data={"email": AD, "password": "Bench-wachtwoord-2026"})
    assert login.status_code == 302
    bodies = {}
    for name, path in targets:
        response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
        bodies[name] = response.get_data(as_text=True)
    assert "<table" in bodies["overeenkomsten (lijst)"]
    search = client.get("/ranst/overeenkomsten", query_string={"q": own_title})
    assert own_title in search.get_data(as_text=True)
    assert "BEGIN:VEVENT" in bodies["iCal-feed (persoonlijk)"]
    # The plan in force of Ranst: its tree on the page, every action in the export.
    assert "Meerjarenplan 2026-2031" in bodies["Mijn meerjarenplan"]
    assert "Gezamenlijke aankoop energie" in bodies["Mijn meerjarenplan"]
    # Every linked object is one Ranst may see (the generator links only those).
    assert "Uitleen met " in bodies["Mijn meerjarenplan"]
    assert "niet meer zichtbaar voor ons bestuur" not in bodies["Mijn meerjarenplan"]
    export = bodies["meerjarenplan export.csv"]
    assert "A1.1.1" in export and "BDS15" in export
    for title in foreign:
        assert all(title not in body for body in bodies.values()), title
