"""Gedeelde HR: every overview and form page renders in Dutch for HR and for other staff."""

from __future__ import annotations

import pytest

from tests.conftest import login

PAGES = [
    ("/owner/hr/", "Vacatures"),
    ("/owner/hr/terbeschikkingstellingen", "Terbeschikkingstellingen"),
    ("/owner/hr/terbeschikkingstellingen/nieuw", "Medewerker ter beschikking stellen"),
    ("/owner/hr/vormingen", "Vormingen"),
    ("/owner/hr/vormingen/nieuw", "Nieuwe vorming"),
    ("/owner/hr/functies", "Functiecatalogus"),
    ("/owner/hr/functies/nieuw", "Nieuwe functie"),
    ("/owner/hr/functies/vergelijking", "Wegingen vergelijken"),
    ("/owner/hr/werfreserves", "Werfreserves"),
    ("/owner/hr/werfreserves/nieuw", "Nieuwe werfreserve"),
]


@pytest.mark.parametrize(("path", "heading"), PAGES)
def test_hr_pages_render_for_hr(app, world, path, heading):
    client = app.test_client()
    login(client, world.user("owner", "hr"))
    response = client.get(path)
    assert response.status_code == 200
    assert heading in response.text


def test_staff_without_hr_role_reach_trainings_but_not_personnel_files(app, world):
    client = app.test_client()
    login(client, world.user("owner", "dienst"))
    assert client.get("/owner/hr/vormingen").status_code == 200
    assert client.get("/owner/hr/functies").status_code == 200
    assert client.get("/owner/hr/vormingen/nieuw").status_code == 403
    for path in ("/owner/hr/terbeschikkingstellingen", "/owner/hr/werfreserves"):
        page = client.get(path)
        # Refused with a Dutch explanation instead of the personnel data; writing stays refused.
        assert page.status_code == 403 and 'id="enkel-hr"' in page.text, path
        assert client.post(path + "/nieuw", data={}).status_code == 403, path
    index = client.get("/owner/hr/").text
    assert "Vormingen" in index and "Terbeschikkingstellingen" not in index
