"""Platform CLI and demo data: real municipalities, idempotent loading, demo logins."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from portal.auth.models import User
from portal.dashboard.models import Announcement
from portal.demo import DEMO_PASSWORD, demo_accounts, load_demo
from portal.extensions import db
from tenants.catalogue import flemish_municipalities
from tenants.models import Region, RegionMembership, Tenant


def test_flemish_catalogue_has_285_real_municipalities():
    rows = flemish_municipalities()
    assert len(rows) == 285
    by_nis = {m["nis_code"]: m["name"] for m in rows}
    assert by_nis["11035"] == "Ranst"
    assert by_nis["12021"] == "Lier"
    assert by_nis["13012"] == "Herenthout"
    assert len({m["slug"] for m in rows}) == 285  # slugs are unique


def test_import_flemish_creates_all_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "import-flemish"])
    assert result.exit_code == 0, result.output
    assert "285 besturen aangemaakt" in result.output
    assert db.session.scalar(select(func.count()).select_from(Tenant)) == 285
    again = runner.invoke(args=["tenants", "import-flemish"])
    assert "0 besturen aangemaakt" in again.output
    assert db.session.scalar(select(func.count()).select_from(Tenant)) == 285
    assert db.session.scalar(select(Tenant.name).where(Tenant.nis_code == "11054")) == "Zandhoven"


def test_region_commands(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", "Ranst", "--nis", "11035"]).exit_code == 0
    assert runner.invoke(args=["tenants", "create", "Zoersel", "--nis", "11055"]).exit_code == 0
    dup = runner.invoke(args=["tenants", "create", "Ranst", "--nis", "11035"])
    assert dup.exit_code != 0 and "bestaat al" in dup.output
    assert runner.invoke(args=["regions", "create", "Regio Ranst", "--slug", "regio-ranst"]).exit_code == 0
    joined = runner.invoke(args=["regions", "add-member", "regio-ranst", "ranst", "--from", "2024-01-01"])
    assert joined.exit_code == 0, joined.output
    twice = runner.invoke(args=["regions", "add-member", "regio-ranst", "ranst", "--from", "2024-06-01"])
    assert twice.exit_code != 0 and "al lid" in twice.output
    left = runner.invoke(args=["regions", "remove-member", "regio-ranst", "ranst", "--on", "2025-01-01"])
    assert left.exit_code == 0, left.output
    membership = db.session.scalar(select(RegionMembership))
    assert membership is not None and membership.left_on is not None and membership.left_on.isoformat() == "2025-01-01"
    unknown = runner.invoke(args=["regions", "add-member", "regio-ranst", "nergens"])
    assert unknown.exit_code != 0 and "Onbekend bestuur" in unknown.output
    listing = runner.invoke(args=["regions", "list"])
    assert "regio-ranst" in listing.output


def test_demo_load_is_idempotent_and_complete():
    first = load_demo()
    assert first["regions"] == 2 and first["users"] == len(demo_accounts())
    second = load_demo()
    assert second == dict.fromkeys(second, 0)
    assert db.session.scalar(select(func.count()).select_from(Region)) == 2
    assert db.session.scalar(select(func.count()).select_from(User)) == len(demo_accounts())
    # Every staffed tenant has every role.
    roles_by_tenant: dict[str, set[str]] = {}
    for account in demo_accounts():
        roles_by_tenant.setdefault(account.tenant, set()).update(account.roles)
    assert len([t for t, r in roles_by_tenant.items() if len(r) == 8]) >= 5
    # Announcements exist (owned by several tenants; counted outside any tenant context they are invisible).
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0


def test_demo_users_json(app):
    result = app.test_cli_runner().invoke(args=["demo", "users", "--json"])
    rows = json.loads(result.output)
    assert {"email", "password", "tenant", "region", "roles"} <= set(rows[0])
    regions = {r["region"] for r in rows}
    assert regions == {"regio-ranst", "regio-lier"}
    assert {r["tenant"] for r in rows if r["region"] == "regio-ranst"} >= {"ranst", "zandhoven", "zoersel"}
    assert {r["tenant"] for r in rows if r["region"] == "regio-lier"} >= {"lier", "herenthout"}


def test_every_demo_user_can_log_in_and_see_dashboard(app):
    load_demo()
    for account in demo_accounts():
        client = app.test_client()
        response = client.post("/login", data={"email": account.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, account.email
        page = client.get(f"/{account.tenant}/")
        assert page.status_code == 200, account.email
        assert "Welkom" in page.text
