"""Login throttling per account and per address; rate limits on the password-reset form."""

from __future__ import annotations

import time

from portal.extensions import limiter
from tests.conftest import PASSWORD

BLOCKED = "Te veel mislukte aanmeldpogingen."


def _attempt(client, email: str, password: str, ip: str):
    return client.post("/login", data={"email": email, "password": password}, environ_overrides={"REMOTE_ADDR": ip})


def _fail(client, email: str, ip: str, times: int = 10) -> None:
    for _ in range(times):
        assert _attempt(client, email, "Helemaal-fout-wachtwoord", ip).status_code == 401


def test_ten_failures_for_one_account_block_it_even_with_the_right_password(world, client, app):
    victim = world.user("owner")
    _fail(client, victim.email, "10.0.0.1", 9)
    # Nine failures do not block yet.
    ok = app.test_client()
    assert _attempt(ok, victim.email, PASSWORD, "10.0.0.2").status_code == 302
    _attempt(client, victim.email, "Helemaal-fout-wachtwoord", "10.0.0.1")
    for ip in ("10.0.0.1", "10.0.0.3"):  # the account is blocked from every address
        response = _attempt(app.test_client(), victim.email, PASSWORD, ip)
        assert response.status_code == 429
        assert BLOCKED in response.text
        assert 'lang="nl-BE"' in response.text
    # Still blocked with other spellings of the same address.
    response = _attempt(app.test_client(), " " + victim.email.upper(), PASSWORD, "10.0.0.4")
    assert response.status_code == 429


def test_blocked_account_does_not_block_others(world, client, app):
    victim = world.user("owner")
    _fail(client, victim.email, "10.0.1.1")
    assert _attempt(client, victim.email, PASSWORD, "10.0.1.1").status_code == 429
    other = world.user("partner")
    response = _attempt(app.test_client(), other.email, PASSWORD, "10.0.1.2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/partner/"


def test_ten_failures_from_one_address_block_that_address(world, client, app):
    for i in range(10):
        _attempt(client, f"gok{i}@nergens.test", "Helemaal-fout-wachtwoord", "10.0.2.1")
    user = world.user("partner", "dienst")
    response = _attempt(app.test_client(), user.email, PASSWORD, "10.0.2.1")
    assert response.status_code == 429
    assert BLOCKED in response.text
    # The same person from another address is fine: their account was never attacked.
    assert _attempt(app.test_client(), user.email, PASSWORD, "10.0.2.2").status_code == 302


def test_unknown_accounts_count_like_known_ones(world, client):
    # Throttling must not reveal which addresses exist: unknown ones block too.
    _fail(client, "bestaat-niet@nergens.test", "10.0.3.1")
    response = _attempt(client, "bestaat-niet@nergens.test", PASSWORD, "10.0.3.2")
    assert response.status_code == 429


def test_blocked_attempts_are_not_checked_at_all(world, client, app):
    victim = world.user("owner")
    _fail(client, victim.email, "10.0.4.1")
    response = _attempt(app.test_client(), victim.email, PASSWORD, "10.0.4.2")
    assert response.status_code == 429
    # No session was created for the right password while blocked.
    assert app.test_client().get("/owner/").status_code == 302


def test_no_permanent_lockout_after_the_window(world, client, app):
    victim = world.user("owner")
    original = app.config["PORTAL_LOGIN_WINDOW_SECONDS"]
    app.config["PORTAL_LOGIN_WINDOW_SECONDS"] = 1
    try:
        _fail(client, victim.email, "10.0.5.1")
        assert _attempt(client, victim.email, PASSWORD, "10.0.5.1").status_code == 429
        time.sleep(1.2)
        response = _attempt(client, victim.email, PASSWORD, "10.0.5.1")
        assert response.status_code == 302
        assert response.headers["Location"] == "/owner/"
    finally:
        app.config["PORTAL_LOGIN_WINDOW_SECONDS"] = original


def test_limiter_reset_lifts_the_block(world, client):
    victim = world.user("owner")
    _fail(client, victim.email, "10.0.6.1")
    assert _attempt(client, victim.email, PASSWORD, "10.0.6.1").status_code == 429
    limiter.reset()
    assert _attempt(client, victim.email, PASSWORD, "10.0.6.1").status_code == 302


def test_forgot_password_is_rate_limited(world, client, mailbox):
    statuses = []
    for i in range(6):
        response = client.post(
            "/wachtwoord-vergeten",
            data={"email": f"iemand{i}@nergens.test"},
            environ_overrides={"REMOTE_ADDR": "10.0.7.1"},
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429
    assert "Te veel pogingen" in response.text
    assert 'lang="nl-BE"' in response.text
    # Another address may still ask for a link.
    other = client.post(
        "/wachtwoord-vergeten", data={"email": world.user("owner").email}, environ_overrides={"REMOTE_ADDR": "10.0.7.2"}
    )
    assert other.status_code == 302
    assert len(mailbox.wait(1)) == 1


def test_forgot_password_page_itself_is_not_limited(client):
    for _ in range(8):
        assert client.get("/wachtwoord-vergeten", environ_overrides={"REMOTE_ADDR": "10.0.8.1"}).status_code == 200


def test_reset_token_guessing_is_rate_limited(client):
    statuses = [
        client.post(
            f"/wachtwoord-herstellen/gok-{i}",
            data={"password": "Een-lang-wachtwoord-1", "confirm": "Een-lang-wachtwoord-1"},
            environ_overrides={"REMOTE_ADDR": "10.0.9.1"},
        ).status_code
        for i in range(21)
    ]
    assert set(statuses[:20]) == {400}
    assert statuses[20] == 429


def test_with_the_limit_store_unreachable_login_works_and_stays_throttled(world, client, app, monkeypatch):
    from flask_limiter import Limiter
    from limits.storage import RedisStorage
    from limits.strategies import MovingWindowRateLimiter

    from portal.auth import operations as auth_ops
    from tests.conftest import _free_port

    # A real Redis client to a port where nothing listens: every call is refused, as in an outage.
    dead = MovingWindowRateLimiter(RedisStorage(f"redis://127.0.0.1:{_free_port()}/0", socket_connect_timeout=0.5))
    monkeypatch.setattr(Limiter, "limiter", property(lambda self: dead))
    monkeypatch.setattr(auth_ops, "_FALLBACK_THROTTLE", MovingWindowRateLimiter(auth_ops.MemoryStorage()))
    victim = world.user("owner")
    assert _attempt(app.test_client(), victim.email, PASSWORD, "10.0.9.1").status_code == 302
    _fail(client, victim.email, "10.0.9.2")  # counted in memory: 401s, not 500s
    response = _attempt(app.test_client(), victim.email, PASSWORD, "10.0.9.3")
    assert response.status_code == 429
    assert BLOCKED in response.text
