"""Sign-in throttling that an attacker cannot turn against the account holder (ADR 0017)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from portal.auth.models import LoginThrottle
from portal.core.models import utcnow
from portal.extensions import db
from tests.conftest import PASSWORD, body_of

WRONG = "Helemaal-fout-wachtwoord"
BLOCKED = "Te veel mislukte aanmeldpogingen."


def _attempt(client, email: str, password: str, ip: str):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def _fail(client, email: str, ip: str, times: int) -> None:
    for _ in range(times):
        assert _attempt(client, email, WRONG, ip).status_code == 401


def test_failures_from_one_client_never_block_the_account_elsewhere(world, app):
    victim = world.user("owner")
    attacker = app.test_client()
    _fail(attacker, victim.email, "10.1.0.1", 5)
    assert _attempt(attacker, victim.email, PASSWORD, "10.1.0.1").status_code == 429
    # The holder on another network, never seen before, signs in at once.
    response = _attempt(app.test_client(), victim.email, PASSWORD, "10.1.0.2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/owner/"


def test_backoff_doubles_up_to_the_cap(world, app):
    victim = world.user("owner")
    attacker = app.test_client()
    _fail(attacker, victim.email, "10.1.1.1", 4)
    # Four failures: no delay yet.
    assert _attempt(attacker, victim.email, WRONG, "10.1.1.1").status_code == 401
    waits = []
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(10):
            refused = _attempt(attacker, victim.email, WRONG, "10.1.1.1")
            assert refused.status_code == 429
            wait = int(refused.headers["Retry-After"])
            waits.append(wait)
            traveller.shift(wait - 1)
            assert _attempt(attacker, victim.email, WRONG, "10.1.1.1").status_code == 429
            traveller.shift(2)
            assert _attempt(attacker, victim.email, WRONG, "10.1.1.1").status_code == 401
    assert waits[:8] == [5, 10, 20, 40, 80, 160, 320, 640]
    assert waits[8:] == [900, 900]


def test_refusal_is_429_in_dutch_with_retry_after_and_keeps_the_email(world, app):
    victim = world.user("owner")
    client = app.test_client()
    _fail(client, victim.email, "10.1.2.1", 5)
    response = _attempt(client, victim.email, PASSWORD, "10.1.2.1")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "5"
    assert BLOCKED in response.text
    assert "Probeer het over 5 seconden opnieuw." in response.text
    assert 'lang="nl-BE"' in response.text
    assert f'value="{victim.email}"' in response.text
    # The right password while refused opens no session.
    assert client.get("/owner/").status_code == 302


def test_unknown_accounts_are_refused_exactly_like_known_ones(world, app):
    victim = world.user("owner")
    known, unknown = app.test_client(), app.test_client()
    _fail(known, victim.email, "10.1.3.1", 5)
    _fail(unknown, "bestaat-niet@nergens.test", "10.1.3.2", 5)
    a = _attempt(known, victim.email, WRONG, "10.1.3.1")
    b = _attempt(unknown, "bestaat-niet@nergens.test", WRONG, "10.1.3.2")
    assert (a.status_code, a.headers["Retry-After"]) == (b.status_code, b.headers["Retry-After"]) == (429, "5")


def test_password_spraying_blocks_the_client_across_accounts(world, app):
    sprayer = app.test_client()
    for i in range(29):
        assert _attempt(sprayer, f"gok{i}@nergens.test", WRONG, "10.1.4.1").status_code == 401
    # The 30th failure from that client starts its own backoff, whatever account it tries next.
    assert _attempt(sprayer, "gok-laatste@nergens.test", WRONG, "10.1.4.1").status_code == 401
    user = world.user("partner", "dienst")
    assert _attempt(app.test_client(), user.email, PASSWORD, "10.1.4.1").status_code == 429
    assert _attempt(app.test_client(), user.email, PASSWORD, "10.1.4.2").status_code == 302


def test_known_device_signs_in_during_an_attack_from_its_own_network(world, app):
    victim = world.user("owner")
    laptop = app.test_client()
    assert _attempt(laptop, victim.email, PASSWORD, "10.1.5.1").status_code == 302
    assert laptop.get_cookie("portal_device") is not None
    laptop.post("/logout")
    # An attacker behind the same address (shared NAT) hammers the account and sprays others.
    attacker = app.test_client()
    _fail(attacker, victim.email, "10.1.5.1", 5)
    for i in range(25):
        _attempt(attacker, f"gok{i}@nergens.test", WRONG, "10.1.5.1")
    assert _attempt(attacker, victim.email, PASSWORD, "10.1.5.1").status_code == 429
    response = _attempt(laptop, victim.email, PASSWORD, "10.1.5.1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/owner/"


def test_a_forged_or_foreign_device_cookie_is_no_known_device(world, app):
    victim, other = world.user("owner"), world.user("partner")
    theirs = app.test_client()
    assert _attempt(theirs, other.email, PASSWORD, "10.1.6.9").status_code == 302
    attacker = app.test_client()
    # A device cookie of another account, and a made-up one, count as the address.
    attacker.set_cookie("portal_device", theirs.get_cookie("portal_device").value)
    _fail(attacker, victim.email, "10.1.6.1", 5)
    assert _attempt(attacker, victim.email, PASSWORD, "10.1.6.1").status_code == 429
    attacker.set_cookie("portal_device", "vervalst.koekje.xyz")
    assert _attempt(attacker, victim.email, PASSWORD, "10.1.6.1").status_code == 429


def test_password_reset_mail_clears_the_throttle_everywhere(world, app, mailbox):
    victim = world.user("owner")
    client = app.test_client()
    for ip in ("10.1.7.1", "10.1.7.2"):
        _fail(client, victim.email, ip, 5)
        assert _attempt(client, victim.email, PASSWORD, ip).status_code == 429
    assert client.post("/wachtwoord-vergeten", data={"email": victim.email}).status_code == 302
    (mail,) = mailbox.wait(1)
    link = next(word for word in body_of(mail).split() if "/wachtwoord-herstellen/" in word)
    path = link[link.index("/wachtwoord-herstellen/") :]
    new = "Een-nieuw-lang-wachtwoord-7"
    assert client.post(path, data={"password": new, "confirm": new}).status_code == 302
    for ip in ("10.1.7.1", "10.1.7.2"):
        assert _attempt(app.test_client(), victim.email, new, ip).status_code == 302


def test_many_failures_across_clients_alert_the_holder_but_never_lock(world, app, mailbox):
    victim = world.user("owner")
    app.config["PORTAL_LOGIN_ALERT_FAILURES"] = 12
    try:
        for n in range(12):
            _fail(app.test_client(), victim.email, f"10.1.8.{n}", 1)
        (mail,) = mailbox.wait(1)
        assert mail["To"] == victim.email
        assert "12 keer een verkeerd" in body_of(mail)
        # Still no lock: a fresh client signs in.
        assert _attempt(app.test_client(), victim.email, PASSWORD, "10.1.8.200").status_code == 302
        row = db.session.scalar(
            select(LoginThrottle).where(LoginThrottle.client_key == "", LoginThrottle.account_key != "")
        )
        assert row is not None and row.failures == 12 and row.blocked_until is None
    finally:
        app.config["PORTAL_LOGIN_ALERT_FAILURES"] = 50


def test_counts_are_forgotten_after_a_quiet_day(world, app):
    victim = world.user("owner")
    client = app.test_client()
    _fail(client, victim.email, "10.1.9.1", 5)
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        # One new failure starts again at one, below the threshold.
        assert _attempt(client, victim.email, WRONG, "10.1.9.1").status_code == 401
        assert _attempt(client, victim.email, PASSWORD, "10.1.9.1").status_code == 302


def test_the_hourly_clean_up_sweeps_forgotten_rows_only(world, app):
    from portal.auth.operations import _account_key
    from portal.core.taskqueue import BEAT_SCHEDULE
    from tasks.maintenance import cleanup_login_throttles

    assert BEAT_SCHEDULE["login-throttle-cleanup"]["task"] == cleanup_login_throttles.name
    client = app.test_client()
    _fail(client, world.user("owner").email, "10.1.8.1", 2)
    with time_machine.travel(utcnow() + timedelta(hours=12), tick=False):
        _fail(client, world.user("partner").email, "10.1.8.2", 2)
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        swept = cleanup_login_throttles.apply().get()
        assert swept >= 1
        keys = set(db.session.scalars(select(LoginThrottle.account_key)))
        assert cleanup_login_throttles.apply().get() == 0  # idempotent
    # The partner's failures, 13 hours old at the sweep, are still counted; the owner's are gone.
    assert _account_key(world.user("partner").email) in keys
    assert _account_key(world.user("owner").email) not in keys


# -- which client: X-Forwarded-For only from trusted proxies -------------------------------


def _via(client, email: str, password: str, peer: str, forwarded: str):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": forwarded},
        environ_base={"REMOTE_ADDR": peer},
    )


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(world, app):
    assert app.config["PORTAL_TRUSTED_PROXIES"] == 0
    victim = world.user("owner")
    attacker = app.test_client()
    for n in range(5):
        assert _via(attacker, victim.email, WRONG, "10.2.0.1", f"198.51.100.{n}").status_code == 401
    # A new made-up address changes nothing: the peer is the client.
    assert _via(attacker, victim.email, PASSWORD, "10.2.0.1", "198.51.100.99").status_code == 429


def test_behind_a_trusted_proxy_the_rightmost_untrusted_address_is_the_client(world, app, monkeypatch):
    from portal.core.proxy import TrustedProxies

    monkeypatch.setattr(app, "wsgi_app", TrustedProxies(app.wsgi_app, 1, ["127.0.0.1"]))
    victim = world.user("owner")
    attacker = app.test_client()
    # The client prepends whatever it likes; the proxy appends the address it really saw.
    for n in range(5):
        forwarded = f"198.51.100.{n}, 10.2.1.5"
        assert _via(attacker, victim.email, WRONG, "127.0.0.1", forwarded).status_code == 401
    assert _via(attacker, victim.email, PASSWORD, "127.0.0.1", "203.0.113.7, 10.2.1.5").status_code == 429
    # Another real client behind the same proxy is not affected.
    assert _via(app.test_client(), victim.email, PASSWORD, "127.0.0.1", "10.2.1.6").status_code == 302
    # A peer that is not the proxy: its header is dropped, the peer itself is the client.
    direct = app.test_client()
    for _ in range(5):
        assert _via(direct, victim.email, WRONG, "10.2.1.9", "10.2.1.77").status_code == 401
    assert _via(app.test_client(), victim.email, PASSWORD, "10.2.1.9", "10.2.1.78").status_code == 429
    assert _via(app.test_client(), victim.email, PASSWORD, "127.0.0.1", "10.2.1.9").status_code == 429


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    from portal.config import build_config

    assert build_config("embedded")["PORTAL_TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "2")
    monkeypatch.setenv("PORTAL_TRUSTED_PROXY_IPS", "10.0.0.2, 10.0.0.3")
    cfg = build_config("embedded")
    assert cfg["PORTAL_TRUSTED_PROXIES"] == 2
    assert cfg["PORTAL_TRUSTED_PROXY_IPS"] == ["10.0.0.2", "10.0.0.3"]


def test_the_embedded_server_names_no_versions(app):
    import http.client
    import threading

    from werkzeug.serving import make_server

    # The real development server that `make run` starts, on a free port.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
        conn.request("GET", "/livez")
        response = conn.getresponse()
        response.read()
        assert response.status == 200
        assert response.getheader("Server") == "Samenwerkingsportaal"
    finally:
        server.shutdown()
        thread.join(5)
