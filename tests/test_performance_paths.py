"""The shortcuts of the request path (issue 18) give the same answers as the long way.

* The user loader reads user, tenant, roles and the unread badge in one statement; the badge
  it preloads lives on the request context only (not the next request, not another user) and
  is counted again after any write to notifications or a rollback in the request.
* On PostgreSQL the same statement sets the row-level security settings of the user's tenant:
  the first tenant query sends no ``set_config`` of its own, a context that differs (another
  tenant, none) still does.
* The scope criteria built once per (tenant, instant) never answer for another tenant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from portal.core.notifications import Notification, preload_unread, request_unread_count, unread_count
from portal.core.outbox import notify
from portal.dashboard.models import Announcement
from portal.extensions import db
from tenants import rls, scoping
from tenants.context import TenantContext, acting_for, reset_context, set_context, tenant_context
from tests.conftest import login
from tests.statements import Statements


def _notify(user: Any, title: str = "Nieuwe mededeling") -> None:
    with tenant_context(user.tenant_id, user_id=user.id):
        notify(user, category="general", title=title, body="Lees ze.")
        db.session.commit()


def _badge(html: str) -> str | None:
    import re

    found = re.search(r'portal-unread">(\d+)<', html)
    return found.group(1) if found else None


def test_a_signed_in_request_reads_session_and_user_in_two_statements(app: Flask, client: Any, world: Any) -> None:
    login(client, world.user("owner"))
    client.get("/livez")
    with Statements() as seen:
        assert client.get("/livez").status_code == 200
    reads = [s for s in seen.sql if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, reads
    assert "web_sessions" in reads[0] and "FROM users" in reads[1] and "notifications" in reads[1]


def test_the_page_badge_needs_no_statement_of_its_own(app: Flask, client: Any, world: Any) -> None:
    user = world.user("owner")
    _notify(user)
    login(client, user)
    with Statements() as seen:
        page = client.get("/owner/")
    assert page.status_code == 200
    assert _badge(page.text) == "1"
    counts = [s for s in seen.sql if "count(" in s.lower() and "notifications" in s and "FROM users" not in s]
    assert counts == []


def test_the_badge_is_per_request_and_per_user(app: Flask, world: Any) -> None:
    owner, partner = world.user("owner"), world.user("partner")
    _notify(owner)
    _notify(owner, "Tweede")
    client = app.test_client()
    with app.app_context():  # one app context for both requests, as some tests hold one
        login(client, owner)
        assert _badge(client.get("/owner/").text) == "2"
        _notify(owner, "Derde")
        assert _badge(client.get("/owner/").text) == "3"
        client.post("/logout")
        login(client, partner)
        assert _badge(client.get("/partner/").text) is None


def test_marking_everything_read_shows_on_the_next_page(app: Flask, client: Any, world: Any) -> None:
    user = world.user("owner")
    _notify(user)
    login(client, user)
    assert _badge(client.get("/owner/").text) == "1"
    assert client.post("/owner/meldingen/alles-gelezen").status_code == 302
    assert _badge(client.get("/owner/").text) is None


def test_a_write_or_rollback_in_the_request_counts_the_badge_again(app: Flask, world: Any) -> None:
    user = world.user("owner")
    _notify(user)
    with app.test_request_context("/"):
        preload_unread(user.id, 7)
        assert request_unread_count(db.session(), user.id) == 7
        # Another user's preloaded count is never answered.
        assert request_unread_count(db.session(), world.user("partner").id) == 0
        preload_unread(user.id, 7)
        with tenant_context(user.tenant_id, user_id=user.id):
            notify(user, category="general", title="In dit verzoek", body="x")
            db.session.flush()
        assert request_unread_count(db.session(), user.id) == 2
        preload_unread(user.id, 7)
        db.session.execute(
            update(Notification).where(Notification.user_id == user.id).values(read_at=datetime.now(UTC))
        )
        assert request_unread_count(db.session(), user.id) == 0
        preload_unread(user.id, 7)
        db.session.rollback()
        assert request_unread_count(db.session(), user.id) == unread_count(db.session(), user.id) == 1
    with app.test_request_context("/"):
        # A new request starts without any count.
        assert request_unread_count(db.session(), user.id) == 1


def test_scope_criteria_are_shared_per_tenant_and_instant_only() -> None:
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    first = scoping._read_options(1, now, now.date())
    assert scoping._read_options(1, now, now.date()) is first
    assert scoping._read_options(2, now, now.date()) is not first
    assert scoping._read_options(None, now, now.date()) is not first
    assert scoping._read_options(1, now.replace(hour=13), now.date()) is not first


def test_statements_of_two_tenants_in_one_request_see_their_own_rows(app: Flask, world: Any) -> None:
    owner, outsider = world.tenants["owner"], world.tenants["outsider"]
    with acting_for(owner.id):
        db.session.add(Announcement(title="Van owner", body_html="<p>x</p>", audience="own"))
        db.session.flush()
    with app.test_request_context("/"):
        token = set_context(TenantContext(tenant_id=owner.id))
        try:
            assert db.session.scalars(select(Announcement.title)).all() == ["Van owner"]
            with acting_for(outsider.id):
                assert db.session.scalars(select(Announcement.title)).all() == []
            assert db.session.scalars(select(Announcement.title)).all() == ["Van owner"]
        finally:
            reset_context(token)


def test_the_first_tenant_query_sends_no_set_config(app: Flask, client: Any, world: Any) -> None:
    if not rls.enabled(db.session()):
        pytest.skip("row-level security: PostgreSQL only")
    user = world.user("owner")
    login(client, user)
    client.get("/owner/mededelingen")
    with Statements() as seen:
        page = client.get("/owner/mededelingen")
    assert page.status_code == 200
    assert [s for s in seen.sql if "set_config" in s and "FROM users" not in s] == []


def test_a_preset_for_another_tenant_is_corrected_before_the_next_statement(app: Flask, world: Any) -> None:
    if not rls.enabled(db.session()):
        pytest.skip("row-level security: PostgreSQL only")
    owner, outsider = world.tenants["owner"], world.tenants["outsider"]
    with acting_for(owner.id):
        db.session.add(Announcement(title="Van owner", body_html="<p>x</p>", audience="own"))
        db.session.flush()
    with acting_for(outsider.id):
        db.session.scalar(select(Announcement.id))  # the outsider's settings are in force
        # A statement that preset the owner's tenant (the user loader for an owner's user) ...
        db.session.execute(select(*rls.preset_columns(owner.id, "2026-12-07")))
        rls.mark_preset(db.session(), owner.id, "2026-12-07")
    # ... does not let the outsider's next statement see the owner's rows, nor none at all.
    with acting_for(outsider.id), Statements() as seen:
        assert db.session.scalars(select(Announcement.title).where(Announcement.title == "Van owner")).all() == []
    assert any("set_config" in s for s in seen.sql)


def test_the_meeting_page_runs_at_most_ten_statements(app: Flask, world: Any) -> None:
    from tests.test_policy_tables_core import make_meeting, make_table

    table_id = make_table(world)
    meeting_id = make_meeting(world, table_id)
    # A member's view (the chair's adds its forms' guests, invitees and municipalities).
    for viewer, most in (("partner", 10), ("owner", 13)):
        client = app.test_client()
        login(client, world.user(viewer))
        url = f"/{viewer}/beleidstafels/vergaderingen/{meeting_id}"
        client.get(url)
        with Statements() as seen:
            page = client.get(url)
        assert page.status_code == 200
        assert "Zaal 1" in page.text
        # The test harness wraps each request in a SAVEPOINT of its own.
        reads = [s for s in seen.sql if s.lstrip().upper().startswith("SELECT")]
        assert len(reads) <= most, (viewer, [r[:60] for r in reads])
    client = app.test_client()
    login(client, world.user("outsider"))
    assert client.get(f"/outsider/beleidstafels/vergaderingen/{meeting_id}").status_code == 404
