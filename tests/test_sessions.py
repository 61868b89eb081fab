"""Server-side sessions: rotation at login, revocation, timeouts and cookie flags."""

from __future__ import annotations

import time
from datetime import timedelta

import flask
import pytest
from sqlalchemy import select, update

from portal.auth.models import WebSession
from portal.auth.sessions import REFRESH_SLACK
from portal.core.models import utcnow
from portal.extensions import db
from tenants.models import Tenant
from tests.conftest import PASSWORD, login
from tests.test_security import dispose_app, make_app

COOKIE = "portal_session"


def _sid(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie is not None else None


def _logged_in(client, slug: str = "owner") -> bool:
    response = client.get(f"/{slug}/")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def _stored(app, sid: str) -> dict | None:
    interface = app.session_interface
    return interface._retrieve_session_data(interface._get_store_id(sid))


def _replay(app, sid: str):
    fresh = app.test_client()
    fresh.set_cookie(COOKIE, sid)
    return fresh


def test_session_lives_on_the_server(world, client, app):
    login(client, world.user("owner"))
    sid = _sid(client)
    assert sid
    data = _stored(app, sid)
    assert data is not None
    assert data["_user_id"].startswith(f"{world.user('owner').id}:")
    assert "login_at" in data
    # The cookie carries only a random id, nothing about the user.
    assert world.user("owner").email not in sid and "." not in sid and len(sid) >= 32


def test_session_id_rotates_at_login(world, client):
    client.get("/login")
    client.post("/taal/nl_BE")  # make sure an anonymous session exists
    before = _sid(client)
    assert before
    login(client, world.user("owner"))
    after = _sid(client)
    assert after and after != before
    assert _logged_in(client)


def test_planted_session_id_is_not_adopted(world, client, app):
    # An attacker's pre-login session id must not become the victim's logged-in session.
    client.post("/taal/nl_BE")
    planted = _sid(client)
    login(client, world.user("owner"))
    assert _sid(client) != planted
    assert not _logged_in(_replay(app, planted))


def test_logout_deletes_the_server_side_session(world, client, app):
    login(client, world.user("owner"))
    sid = _sid(client)
    assert _logged_in(_replay(app, sid))
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _stored(app, sid) is None
    assert not _logged_in(client)
    assert not _logged_in(_replay(app, sid))


def test_logout_via_get_is_not_allowed(world, login_as):
    client = login_as(world.user("owner"))
    # A link or image pointing at /logout must not sign anyone out.
    assert client.get("/logout").status_code in (308, 404, 405)
    assert client.get("/logout", follow_redirects=True).status_code in (404, 405)
    assert _logged_in(client)


def test_disabling_a_user_ends_their_sessions(world, app, login_as):
    victim = world.user("owner", "dienst")
    theirs = app.test_client()
    login(theirs, victim)
    assert _logged_in(theirs)
    admin = login_as(world.user("owner", "beheerder"))
    response = admin.post(f"/owner/beheer/gebruikers/{victim.id}", data={"action": "disable"})
    assert response.status_code == 302
    assert not _logged_in(theirs)
    # Re-enabling does not revive the old session.
    admin.post(f"/owner/beheer/gebruikers/{victim.id}", data={"action": "enable"})
    assert not _logged_in(theirs)
    assert theirs.post("/login", data={"email": victim.email, "password": PASSWORD}).status_code == 302


def test_changing_the_password_ends_other_sessions_only(world, app, login_as):
    user = world.user("owner")
    laptop = app.test_client()
    login(laptop, user)
    phone = login_as(user)
    response = phone.post(
        "/owner/account/",
        data={
            "action": "password",
            "pw-current": PASSWORD,
            "pw-password": "Heel-nieuw-wachtwoord-42",
            "pw-confirm": "Heel-nieuw-wachtwoord-42",
        },
    )
    assert response.status_code == 302
    assert _logged_in(phone)
    assert not _logged_in(laptop)


def test_logout_everywhere(world, app, login_as):
    user = world.user("owner")
    laptop = app.test_client()
    login(laptop, user)
    phone = login_as(user)
    sid = _sid(phone)
    response = phone.post("/owner/account/afmelden-overal", follow_redirects=True)
    assert response.status_code == 200
    assert "Je bent op alle toestellen afgemeld." in response.text
    assert not _logged_in(phone)
    assert not _logged_in(laptop)
    assert not _logged_in(_replay(app, sid))
    # The account itself still works.
    assert laptop.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_absolute_timeout_ends_the_session(world, login_as, app):
    client = login_as(world.user("owner"))
    hours = app.config["PORTAL_SESSION_ABSOLUTE_HOURS"]
    with client.session_transaction() as sess:
        sess["login_at"] = (utcnow() - timedelta(hours=hours, minutes=-5)).timestamp()
    assert _logged_in(client)  # just inside the limit
    with client.session_transaction() as sess:
        sess["login_at"] = (utcnow() - timedelta(hours=hours, minutes=1)).timestamp()
    response = client.get("/owner/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not _logged_in(client)


def test_absolute_timeout_applies_even_when_active(world, login_as, app):
    client = login_as(world.user("owner"))
    original = app.config["PORTAL_SESSION_ABSOLUTE_HOURS"]
    app.config["PORTAL_SESSION_ABSOLUTE_HOURS"] = 0
    try:
        assert not _logged_in(client)
    finally:
        app.config["PORTAL_SESSION_ABSOLUTE_HOURS"] = original


def test_absolute_timeout_answers_api_with_401(world, login_as, app):
    client = login_as(world.user("owner"))
    assert client.get("/api/v1/me").status_code == 200
    with client.session_transaction() as sess:
        sess["login_at"] = 0.0
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_idle_timeout_follows_the_configured_lifetime(world, app, login_as):
    original = app.config["PERMANENT_SESSION_LIFETIME"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=2)
    try:
        client = login_as(world.user("owner"))
        # Activity keeps the session alive beyond the idle lifetime...
        for _ in range(3):
            time.sleep(0.7)
            assert _logged_in(client)
        # ...and idling past it ends the session on the server.
        sid = _sid(client)
        time.sleep(3.1)
        assert _stored(app, sid) is None
        assert not _logged_in(client)
    finally:
        app.config["PERMANENT_SESSION_LIFETIME"] = original


def _stored_expiry(sid: str):
    return db.session.scalar(select(WebSession.expires_at).where(WebSession.id == sid))


def test_idle_lifetime_is_the_stored_expiry(world, app, login_as):
    client = login_as(world.user("owner"))
    sid = _sid(client)
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    remaining = (_stored_expiry(sid) - utcnow()).total_seconds()
    assert lifetime - 5 <= remaining <= lifetime + 1


def test_reading_an_unchanged_session_writes_it_at_most_once_a_minute(world, app, login_as):
    client = login_as(world.user("owner"))
    sid = _sid(client)
    assert client.get("/owner/").status_code == 200  # the first page adds the CSRF token: a write
    first = _stored_expiry(sid)
    for _ in range(3):
        response = client.get("/owner/")
        assert response.status_code == 200
        # Nothing changed and the expiry is fresh: no write, and no cookie to refresh either.
        assert not any(h.startswith(COOKIE + "=") for h in response.headers.getlist("Set-Cookie"))
    assert _stored_expiry(sid) == first
    # An expiry that lags more than the slack behind is pushed forward by the next request.
    lagging = first - REFRESH_SLACK - timedelta(seconds=5)
    db.session.execute(update(WebSession).where(WebSession.id == sid).values(expires_at=lagging))
    db.session.commit()
    response = client.get("/owner/")
    assert any(h.startswith(COOKIE + "=") for h in response.headers.getlist("Set-Cookie"))
    assert _stored_expiry(sid) > first


def test_saving_the_session_does_not_commit_what_the_view_left_uncommitted(world, app):
    tenant = world.tenants["owner"]
    original = tenant.name
    with app.test_request_context("/"):
        interface = app.session_interface
        session = interface.open_session(app, flask.request)
        session["note"] = "bewaard"
        tenant.name = "Niet bewaard"
        db.session.flush()
        response = app.response_class("ok")
        interface.save_session(app, session, response)
        sid = session.sid
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).name == original
    assert _stored(app, sid) == {"_permanent": True, "note": "bewaard"}


def test_expired_sessions_are_swept_and_live_ones_kept(world, app):
    from tasks.maintenance import cleanup_sessions

    clients = [app.test_client(), app.test_client()]
    login(clients[0], world.user("owner"))
    login(clients[1], world.user("partner"))
    live, idle = _sid(clients[0]), _sid(clients[1])
    db.session.execute(update(WebSession).where(WebSession.id == idle).values(expires_at=utcnow()))
    db.session.commit()
    assert cleanup_sessions.apply().get() >= 1
    assert _stored_expiry(live) is not None
    assert db.session.get(WebSession, idle) is None
    assert cleanup_sessions.apply().get() == 0  # idempotent


def test_cookie_flags_in_test_config(world, client):
    response = client.post("/login", data={"email": world.user("owner").email, "password": PASSWORD})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header


@pytest.fixture(scope="module")
def secure_app(app, smtp_sink, tmp_path_factory):
    other = make_app(app, smtp_sink, tmp_path_factory, SESSION_COOKIE_SECURE=True)
    yield other
    dispose_app(other)


def test_cookie_is_secure_with_production_settings(world, secure_app):
    client = secure_app.test_client()
    response = client.post(
        "/login",
        data={"email": world.user("owner").email, "password": PASSWORD},
        base_url="https://portal.test",
    )
    assert response.status_code == 302
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_production_config_turns_on_secure_cookies():
    from portal.config import build_config

    cfg = build_config(
        "production",
        SECRET_KEY="x" * 40,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://portal@db/portal",
        PORTAL_REDIS_URL="redis://redis:6379/0",
    )
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_session_of_deleted_user_is_anonymous(world, login_as):
    from portal.auth.operations import create_user

    temp = create_user(world.tenants["owner"], email="tijdelijk@owner.test", full_name="T", roles=["expert"])
    temp.password_hash = world.user("owner").password_hash
    db.session.commit()
    client = login_as(temp)
    assert _logged_in(client)
    db.session.delete(temp)
    db.session.commit()
    assert not _logged_in(client)
