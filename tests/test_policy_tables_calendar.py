"""Beleidstafels: month calendar, .ics per meeting and a personal iCal feed behind a revocable token."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from icalendar import Calendar

from tests import clock
from tests.conftest import login
from tests.test_policy_tables_core import make_meeting, make_table


def client_for(app: Any, world: Any, tenant: str, role: str = "ad") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def feed_url(client: Any, slug: str) -> str:
    assert client.post(f"/{slug}/beleidstafels/kalender/feed").status_code == 302
    page = client.get(f"/{slug}/beleidstafels/kalender").get_data(as_text=True)
    match = re.search(r'value="(http://[^"]+/kalender/[^"]+\.ics)"', page)
    assert match, "the new feed address is shown once"
    # Shown once: a reload no longer contains it.
    assert match.group(1) not in client.get(f"/{slug}/beleidstafels/kalender").get_data(as_text=True)
    return match.group(1).replace("http://localhost", "")


def test_month_view_lists_visible_meetings_only(app, world):
    own_table = make_table(world, "Kalendertafel")
    meeting_id = make_meeting(world, own_table, days=0)
    month = clock.today().strftime("%Y-%m")
    page = client_for(app, world, "partner").get(f"/partner/beleidstafels/kalender?maand={month}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Kalendertafel" in text and f"/partner/beleidstafels/vergaderingen/{meeting_id}" in text
    for viewer in ("former", "outsider"):
        text = (
            client_for(app, world, viewer).get(f"/{viewer}/beleidstafels/kalender?maand={month}").get_data(as_text=True)
        )
        assert "Kalendertafel" not in text, viewer
    # Another month, and a nonsense month (falls back to the current one, no 500).
    other = (clock.today().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    chair = client_for(app, world, "owner")
    assert "Kalendertafel" not in chair.get(f"/owner/beleidstafels/kalender?maand={other}").get_data(as_text=True)
    assert chair.get("/owner/beleidstafels/kalender?maand=2026-13").status_code == 200


def test_meeting_ics_links_back_to_the_meeting(app, world):
    table_id = make_table(world, "Ics-tafel")
    meeting_id = make_meeting(world, table_id, days=5)
    response = client_for(app, world, "partner").get(f"/partner/beleidstafels/vergaderingen/{meeting_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    [event] = events(response.data)
    assert "Ics-tafel" in str(event["summary"]) and str(event["location"]) == "Zaal 1"
    assert str(event["url"]).endswith(f"/partner/beleidstafels/vergaderingen/{meeting_id}")
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=2)
    response = client_for(app, world, "outsider").get(f"/outsider/beleidstafels/vergaderingen/{meeting_id}.ics")
    assert response.status_code == 404 and b"Ics-tafel" not in response.data


def test_personal_feed_shows_own_meetings_only_and_can_be_revoked(app, world):
    table_id = make_table(world, "Feedtafel")
    meeting_id = make_meeting(world, table_id, days=3)
    partner = client_for(app, world, "partner")
    url = feed_url(partner, "partner")
    anonymous = app.test_client()
    response = anonymous.get(url)
    assert response.status_code == 200
    [event] = events(response.data)
    assert "Feedtafel" in str(event["summary"])
    assert str(event["url"]).endswith(f"/partner/beleidstafels/vergaderingen/{meeting_id}")
    # The outsider's own feed never contains the region's meeting.
    outsider_url = feed_url(client_for(app, world, "outsider"), "outsider")
    assert b"Feedtafel" not in anonymous.get(outsider_url).data
    # A new address replaces the old one; revoking ends it; a guessed token is a plain 404.
    new_url = feed_url(partner, "partner")
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(new_url).status_code == 200
    assert partner.post("/partner/beleidstafels/kalender/feed/intrekken").status_code == 302
    assert anonymous.get(new_url).status_code == 404
    assert anonymous.get("/kalender/geraden-token.ics").status_code == 404


def test_week_view(app, world):
    table_id = make_table(world, "Weektafel")
    meeting_id = make_meeting(world, table_id, days=14)
    day = (clock.today() + timedelta(days=14)).isoformat()
    client = client_for(app, world, "partner")
    text = client.get(f"/partner/beleidstafels/kalender?weergave=week&dag={day}").get_data(as_text=True)
    assert f"/partner/beleidstafels/vergaderingen/{meeting_id}" in text and "Week van" in text
    other_week = client.get(f"/partner/beleidstafels/kalender?weergave=week&dag={clock.today().isoformat()}")
    week_part = other_week.get_data(as_text=True).split('id="week-kop"', 1)[1].split("</ul>", 1)[0]
    assert "Weektafel" not in week_part
    assert client.get("/partner/beleidstafels/kalender?weergave=week&dag=2026-02-31").status_code == 200
    outsider = client_for(app, world, "outsider")
    assert "Weektafel" not in outsider.get(f"/outsider/beleidstafels/kalender?weergave=week&dag={day}").get_data(
        as_text=True
    )
