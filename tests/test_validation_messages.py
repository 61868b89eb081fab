"""Validation messages are Dutch by default, in the user's language when switched, in forms and the API."""

from __future__ import annotations

import re

from tests.conftest import login


def _token(client) -> dict[str, str]:
    page = client.post("/owner/account/tokens", data={"name": "Validatie"}).text
    found = re.search(r'value="(swp_[A-Za-z0-9_\-]+)"', page)
    assert found, page
    return {"Authorization": f"Bearer {found.group(1)}"}


def test_form_errors_are_dutch_and_keep_the_input(client, world):
    login(client, world.user("owner", "ad"))
    response = client.post("/owner/mededelingen/nieuw", data={"title": "", "body_html": "Mijn tekst", "audience": "x"})
    assert response.status_code == 422
    assert "De titel moet tussen 3 en 200 tekens lang zijn." in response.text
    assert "Kies wie de mededeling ziet." in response.text
    assert "Mijn tekst" in response.text


def test_form_errors_follow_the_language(client, world):
    login(client, world.user("owner", "ad"))
    client.post("/taal/en", data={"next": "/owner/"})
    response = client.post("/owner/mededelingen/nieuw", data={"title": "", "audience": "region"})
    assert response.status_code == 422
    assert "The title must be between 3 and 200 characters long." in response.text
    assert "De titel moet" not in response.text


def test_api_built_in_messages_are_dutch(client, world):
    login(client, world.user("owner", "ad"))
    headers = _token(client)
    response = client.post(
        "/api/v1/announcements",
        json={"title": "Hallo allemaal", "audience": "region", "region_id": "abc", "onbekend": 1},
        headers=headers,
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert errors["region_id"] == ["Geef een geheel getal."]
    assert errors["onbekend"] == ["Onbekend veld."]
    missing = client.post("/api/v1/announcements", json={}, headers=headers).get_json()["errors"]["json"]
    assert missing["title"] == ["Vul een titel in."]


def test_api_messages_follow_the_users_language(client, world):
    user = world.user("owner", "ad")
    login(client, user)
    client.post("/taal/en", data={"next": "/owner/"})
    headers = _token(client)
    response = client.post("/api/v1/announcements", json={"title": "x", "publish": "misschien"}, headers=headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert errors["publish"] == ["Choose yes or no."]
    assert errors["title"] == ["The title must be between 3 and 200 characters long."]
