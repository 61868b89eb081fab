"""The audit log: every change recorded with who, tenant, old -> new, request id and IP; append-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.auth import operations as auth_ops
from portal.auth.models import ApiToken, User
from portal.core.audit import AuditEntry, AuditLogImmutable
from portal.core.notifications import Notification, NotificationPreference, OutboxMessage
from portal.core.outbox import notify
from portal.dashboard.models import Announcement
from portal.extensions import db
from tenants.context import tenant_context
from tenants.operations import create_tenant
from tests.conftest import PASSWORD

NEW_PASSWORD = "Een-ander-lang-wachtwoord-9"


def entries(
    tenant_id: int | None, object_type: str, object_id: int | None = None, action: str | None = None
) -> list[AuditEntry]:
    """Return the log entries of one tenant (read as that tenant: PostgreSQL RLS shows no others)."""
    stmt = select(AuditEntry).where(
        AuditEntry.object_type == object_type,
        AuditEntry.tenant_id == tenant_id if tenant_id is not None else AuditEntry.tenant_id.is_(None),
    )
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    with tenant_context(tenant_id):
        return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def all_changes_json(tenant_id: int) -> str:
    with tenant_context(tenant_id):
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id))
        return json.dumps([e.changes for e in rows])


def an_entry(world: Any) -> tuple[int, AuditEntry]:
    """Record a change for the owner tenant and return (tenant id, its entry)."""
    user = world.user("owner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        user.job_title = "Archivaris"
        db.session.flush()
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    return user.tenant_id, entry


def _platform_rows_hidden() -> bool:
    """Tell whether PostgreSQL row-level security hides tenant-less rows from this role."""
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        return False
    return not conn.execute(text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")).scalar()


# -- what gets recorded ---------------------------------------------------------------------


def test_create_update_delete_are_recorded_with_actor_tenant_and_changes(world):
    owner = world.tenants["owner"]
    actor = world.user("owner", "dienst")
    with tenant_context(owner.id, user_id=actor.id, request_id="taak-1", ip="10.0.0.5"):
        item = Announcement(title="Wegenwerken Dorpsstraat", body_html="<p>Vanaf maandag</p>", audience="own")
        db.session.add(item)
        db.session.flush()
        item_id = item.id
        item.title = "Wegenwerken Dorpsstraat verlengd"
        db.session.flush()
        db.session.delete(item)
        db.session.flush()

    created, updated, deleted = entries(owner.id, "announcements", item_id)
    for entry in (created, updated, deleted):
        assert entry.tenant_id == owner.id
        assert entry.actor_user_id == actor.id
        assert entry.request_id == "taak-1" and entry.ip == "10.0.0.5"
        assert entry.created_at is not None
    assert created.action == "create"
    assert created.changes["title"] == [None, "Wegenwerken Dorpsstraat"]
    assert created.changes["tenant_id"] == [None, owner.id]
    assert updated.action == "update"
    assert updated.changes["title"] == ["Wegenwerken Dorpsstraat", "Wegenwerken Dorpsstraat verlengd"]
    assert "body_html" not in updated.changes  # only what changed
    assert deleted.action == "delete"
    assert deleted.changes["title"] == ["Wegenwerken Dorpsstraat verlengd", None]


def test_setting_the_same_value_records_nothing(world):
    user = world.user("owner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        user.full_name = user.full_name
        db.session.flush()
        user.job_title = "Controle"  # a real change in the same context, to show it is readable
        db.session.flush()
    (entry,) = entries(user.tenant_id, "users", user.id)
    assert entry.changes == {"job_title": [None, "Controle"]}


def test_platform_actions_have_no_tenant(world):
    admin = world.user("owner", "ad")
    with tenant_context(None, user_id=admin.id, is_platform=True):
        tenant = create_tenant("Gemeente Nieuw", nis_code="91999", slug="nieuw")
        db.session.flush()
    if _platform_rows_hidden():
        pytest.skip("row-level security lets no tenant read platform (tenant-less) entries")
    (entry,) = entries(None, "tenants", tenant.id)
    assert entry.action == "create" and entry.tenant_id is None and entry.actor_user_id == admin.id
    assert entry.changes["slug"] == [None, "nieuw"]


def test_secrets_are_masked_and_never_stored(world):
    owner = world.tenants["owner"]
    actor = world.user("owner", "beheerder")
    with tenant_context(owner.id, user_id=actor.id):
        user = auth_ops.create_user(
            owner, email="geheim@owner.test", full_name="Geheim", roles=["expert"], password=PASSWORD
        )
        first_hash = user.password_hash
        auth_ops.set_password(user, NEW_PASSWORD, NEW_PASSWORD)
        db.session.flush()
        second_hash = user.password_hash
        token, raw = auth_ops.create_api_token(user, "Rapportage")
        db.session.flush()
        db.session.delete(user)
        db.session.flush()

    created = entries(owner.id, "users", user.id, "create")[0]
    changed = entries(owner.id, "users", user.id, "update")[0]
    assert created.changes["password_hash"] == ["***", "***"]
    assert changed.changes["password_hash"] == ["***", "***"]
    assert created.changes["email"] == [None, "geheim@owner.test"]
    (token_entry,) = entries(owner.id, "api_tokens", token.id, "create")
    assert token_entry.changes["token_hash"] == ["***", "***"]
    (deleted,) = entries(owner.id, "users", user.id, "delete")
    assert "password_hash" not in deleted.changes
    stored = all_changes_json(owner.id)
    for secret in (first_hash, second_hash, token.token_hash, raw, PASSWORD, NEW_PASSWORD):
        assert secret and secret not in stored


def test_bookkeeping_models_opt_out(world):
    user = world.user("owner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        db.session.add(NotificationPreference(user_id=user.id, category="general", mode="daily"))
        notify(user, category="account", title="Nieuwe aanmelding")  # notification + outbox row
        user.job_title = "Zichtbaar"  # audited, in the same flush and tenant
        db.session.flush()
    assert db.session.scalar(select(Notification).where(Notification.user_id == user.id)) is not None
    assert db.session.scalar(select(OutboxMessage)) is not None
    assert [e.object_type for e in entries(user.tenant_id, "users", user.id)] == ["users"]
    for opted_out in ("notifications", "outbox_messages", "notification_preferences", "audit_entries"):
        assert entries(user.tenant_id, opted_out) == []


# -- from a real request --------------------------------------------------------------------


def _post(client: Any, url: str, data: dict[str, str], request_id: str, ip: str) -> Any:
    return client.post(url, data=data, headers={"X-Request-ID": request_id}, environ_base={"REMOTE_ADDR": ip})


def test_request_records_request_id_ip_actor_and_tenant(world, login_as):
    user = world.user("partner", "dienst")
    client = login_as(user)
    old_name = user.full_name
    response = _post(
        client,
        "/partner/account/",
        {"action": "profile", "full_name": "Dienst Partner Nieuw", "job_title": "", "locale": "nl_BE"},
        "req-audit-0001",
        "203.0.113.7",
    )
    assert response.status_code == 302, response.text
    partner = world.tenants["partner"].id
    (entry,) = [e for e in entries(partner, "users", user.id, "update") if e.request_id == "req-audit-0001"]
    assert entry.ip == "203.0.113.7"
    assert entry.tenant_id == world.tenants["partner"].id
    assert entry.actor_user_id == user.id
    assert entry.changes["full_name"] == [old_name, "Dienst Partner Nieuw"]
    assert response.headers["X-Request-ID"] == "req-audit-0001"


def test_password_change_over_http_is_logged_masked(world, login_as):
    user = world.user("owner", "expert")
    old_hash = user.password_hash
    client = login_as(user)
    response = _post(
        client,
        "/owner/account/",
        {"action": "password", "pw-current": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
        "req-audit-0002",
        "198.51.100.20",
    )
    assert response.status_code in (200, 302), response.text
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash != old_hash  # type: ignore[union-attr]
    owner = user.tenant_id
    (entry,) = [e for e in entries(owner, "users", user.id, "update") if e.request_id == "req-audit-0002"]
    assert entry.ip == "198.51.100.20"
    assert entry.changes["password_hash"] == ["***", "***"]
    assert old_hash and old_hash not in all_changes_json(owner)


def test_token_created_over_http_is_logged_without_its_hash(world, login_as):
    user = world.user("owner", "ad")
    client = login_as(user)
    response = _post(client, "/owner/account/tokens", {"name": "Koppeling GIS"}, "req-audit-0003", "192.0.2.1")
    assert response.status_code == 200, response.text
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token is not None
    (entry,) = entries(user.tenant_id, "api_tokens", token.id, "create")
    assert (entry.request_id, entry.ip, entry.actor_user_id) == ("req-audit-0003", "192.0.2.1", user.id)
    assert entry.changes["token_hash"] == ["***", "***"]
    assert token.token_hash not in all_changes_json(user.tenant_id)


# -- append-only ----------------------------------------------------------------------------


def test_orm_refuses_to_change_an_entry(world):
    tenant_id, entry = an_entry(world)
    entry.action = "vervalst"
    with tenant_context(tenant_id), pytest.raises(AuditLogImmutable):
        db.session.flush()
    db.session.rollback()


def test_orm_refuses_to_delete_an_entry(world):
    tenant_id, entry = an_entry(world)
    db.session.delete(entry)
    with tenant_context(tenant_id), pytest.raises(AuditLogImmutable):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("make", [lambda: update(AuditEntry).values(action="x"), lambda: delete(AuditEntry)])
def test_orm_refuses_bulk_statements_on_the_log(world, make):
    with pytest.raises(AuditLogImmutable):
        db.session.execute(make())
    with pytest.raises(AuditLogImmutable):
        db.session.execute(update(AuditEntry.__table__).values(ip=None))
    db.session.rollback()


def _has_append_only_trigger() -> bool:
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'"
    else:
        sql = "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_entries'::regclass AND NOT tgisinternal"
    return bool(conn.execute(text(sql)).scalar())


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'vervalst'", "DELETE FROM audit_entries"])
def test_database_refuses_raw_update_and_delete(world, statement):
    if not _has_append_only_trigger():
        pytest.skip("the append-only trigger (migration 0002) is not installed")
    tenant_id, entry = an_entry(world)
    entry_id, action = entry.id, entry.action
    with tenant_context(tenant_id):
        # SQLite and the owner: the trigger; PostgreSQL's runtime role: no UPDATE/DELETE grant either.
        with pytest.raises(DBAPIError, match=r"append-only|permission denied"), db.session.begin_nested():
            db.session.execute(text(statement))
        db.session.expire_all()
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.id == entry_id)) == action
