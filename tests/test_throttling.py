"""Rate limits on the password-reset forms (sign-in throttling: test_auth_throttling.py)."""

from __future__ import annotations


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
