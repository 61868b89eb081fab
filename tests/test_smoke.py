"""The portal starts, serves the Dutch login page, and a user reaches the dashboard."""

from __future__ import annotations


def test_login_page_is_dutch(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'lang="nl-BE"' in response.text
    assert "Aanmelden" in response.text
    assert 'name="email"' in response.text and 'name="password"' in response.text


def test_user_reaches_dashboard(world, login_as):
    client = login_as(world.user("owner"))
    response = client.get("/owner/")
    assert response.status_code == 200
    assert "Gemeente Owner" in response.text
    assert "Gemeente Partner" in response.text  # partner in the same region
    assert "Gemeente Outsider" not in response.text
    assert "Gemeente Former" not in response.text
