"""Notification preferences, the daily digest and the in-app list (own notifications only)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.core.digest import send_digests
from portal.core.models import utcnow
from portal.core.notifications import Notification, NotificationPreference, OutboxMessage, is_local_link
from portal.core.outbox import notify
from portal.extensions import db
from tasks.mail import digest as digest_task
from tests.conftest import body_of

INVALID = "Kies voor elke categorie een geldige instelling."


@pytest.fixture(autouse=True)
def _session_celery(app):
    # Another test module may have built a second app that became Celery's default.
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()


def prefer(user: Any, category: str, mode: str) -> None:
    db.session.add(NotificationPreference(user_id=user.id, category=category, mode=mode))
    db.session.flush()


def note_for(user: Any, title: str, **kwargs: Any) -> Notification:
    note = notify(user, category=kwargs.pop("category", "general"), title=title, **kwargs)
    assert note is not None
    db.session.commit()
    return note


def prefs_of(user: Any) -> dict[str, str]:
    rows = db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    return {p.category: p.mode for p in rows}


# -- delivery per preference ----------------------------------------------------------------


def test_default_preference_is_immediate(world, mailbox):
    user = world.user("owner", "dienst")
    note_for(user, "Meteen gemaild")
    assert [m["Subject"] for m in mailbox.wait(1)] == ["Meteen gemaild"]


def test_daily_sends_nothing_now_and_one_digest_later(world, mailbox):
    user = world.user("owner", "dienst")
    other = world.user("partner", "dienst")
    prefer(user, "general", "daily")
    prefer(user, "sharing", "daily")
    note_for(user, "Eerste melding", link="/owner/mededelingen")
    note_for(user, "Tweede melding", category="sharing")
    note_for(other, "Voor iemand anders")  # immediate: mailed now, never in a digest
    assert [m["To"] for m in mailbox.wait(2, timeout=0.5)] == [other.email]

    assert send_digests() == 1
    mails = mailbox.to(user.email)
    assert len(mails) == 1
    assert mails[0]["Subject"] == "Samenwerkingsportaal: 2 meldingen"
    text = body_of(mails[0])
    assert "Eerste melding (http://portal.test/owner/mededelingen)" in text
    assert "Tweede melding" in text
    assert "Voor iemand anders" not in text

    # Running it again (a second beat, a redelivered task) sends nothing new.
    assert send_digests() == 0
    assert digest_task.apply().get() == 0
    assert len(mailbox.wait(3, timeout=0.5)) == 2


def test_notifications_after_a_digest_get_their_own_digest(world, mailbox):
    user = world.user("owner", "dienst")
    prefer(user, "general", "daily")
    note_for(user, "Ochtend")
    assert send_digests() == 1
    note_for(user, "Middag")
    assert send_digests() == 1
    subjects = [m["Subject"] for m in mailbox.wait(2)]
    assert subjects == ["Samenwerkingsportaal: 1 melding", "Samenwerkingsportaal: 1 melding"]
    assert "Middag" in body_of(mailbox.messages[1]) and "Ochtend" not in body_of(mailbox.messages[1])


def test_off_means_no_mail_but_still_in_app(world, login_as, mailbox):
    user = world.user("owner", "dienst")
    prefer(user, "general", "off")
    note_for(user, "Enkel in het portaal")
    assert send_digests() == 0
    assert mailbox.wait(1, timeout=0.5) == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    page = login_as(user).get("/owner/meldingen/")
    assert "Enkel in het portaal" in page.text


def test_daily_left_over_after_switching_to_immediate_still_arrives(world, mailbox):
    user = world.user("owner", "dienst")
    prefer(user, "general", "daily")
    note_for(user, "Bleef liggen")
    db.session.scalar(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    ).mode = "immediate"
    db.session.commit()
    assert send_digests() == 1
    assert "Bleef liggen" in body_of(mailbox.wait(1)[0])


def test_account_category_is_always_mailed(world, mailbox):
    user = world.user("owner", "dienst")
    # Even a preference row that says otherwise (not possible through the page) is ignored.
    prefer(user, "account", "off")
    note_for(user, "Je wachtwoord is gewijzigd", category="account")
    assert [m["Subject"] for m in mailbox.wait(1)] == ["Je wachtwoord is gewijzigd"]


def test_disabled_user_gets_no_digest(world, mailbox):
    user = world.user("owner", "dienst")
    prefer(user, "general", "daily")
    note_for(user, "Niet voor een uitgeschakeld account")
    user.is_active = False
    db.session.commit()
    assert send_digests() == 0
    assert mailbox.wait(1, timeout=0.5) == []


# -- preferences page -----------------------------------------------------------------------


def test_preferences_page_saves_choices(world, login_as):
    user = world.user("owner", "dienst")
    client = login_as(user)
    page = client.get("/owner/account/meldingen")
    assert page.status_code == 200
    assert 'name="mode-general"' in page.text and 'name="mode-sharing"' in page.text
    assert 'name="mode-account"' not in page.text  # mandatory: no choice offered

    response = client.post(
        "/owner/account/meldingen", data={"mode-general": "daily", "mode-sharing": "off", "mode-account": "off"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/owner/account/meldingen"
    assert prefs_of(user) == {"general": "daily", "sharing": "off"}
    shown = client.get("/owner/account/meldingen").text
    assert re.search(r'<option value="daily" selected>', shown)

    # Changing again updates the same rows.
    client.post("/owner/account/meldingen", data={"mode-general": "immediate", "mode-sharing": "daily"})
    assert prefs_of(user) == {"general": "immediate", "sharing": "daily"}


def test_invalid_mode_is_422_and_saves_nothing(world, login_as):
    user = world.user("owner", "dienst")
    prefer(user, "sharing", "daily")
    db.session.commit()
    client = login_as(user)
    response = client.post("/owner/account/meldingen", data={"mode-general": "off", "mode-sharing": "elk-uur"})
    assert response.status_code == 422
    assert INVALID in response.text
    db.session.expire_all()
    assert prefs_of(user) == {"sharing": "daily"}


def test_preferences_need_login_and_own_tenant(world, client, login_as):
    anonymous = client.get("/owner/account/meldingen")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login_as(world.user("partner", "dienst"))
    assert client.get("/owner/account/meldingen").status_code == 404


# -- in-app list ----------------------------------------------------------------------------


def test_list_shows_only_own_notifications_and_unread_badge(world, login_as):
    user = world.user("owner", "dienst")
    note_for(user, "Mijn eerste")
    note_for(user, "Mijn tweede")
    note_for(world.user("owner", "hr"), "Van een collega")
    note_for(world.user("partner", "dienst"), "Van een partnerbestuur")
    client = login_as(user)
    page = client.get("/owner/meldingen/")
    assert page.status_code == 200
    assert "Mijn eerste" in page.text and "Mijn tweede" in page.text
    assert "Van een collega" not in page.text
    assert "Van een partnerbestuur" not in page.text
    badge = re.search(r'class="badge rounded-pill portal-unread">(\d+)<', client.get("/owner/").text)
    assert badge and badge.group(1) == "2"


def test_no_badge_without_unread_notifications(world, login_as):
    client = login_as(world.user("owner", "dienst"))
    assert "portal-unread" not in client.get("/owner/").text


def test_unread_filter(world, login_as):
    user = world.user("owner", "dienst")
    read = note_for(user, "Al gelezen")
    note_for(user, "Nog niet gelezen")
    read.read_at = utcnow()
    db.session.commit()
    page = login_as(user).get("/owner/meldingen/?ongelezen=1")
    assert "Nog niet gelezen" in page.text and "Al gelezen" not in page.text


def test_open_marks_read_and_follows_a_local_link(world, login_as):
    user = world.user("owner", "dienst")
    note = note_for(user, "Nieuwe mededeling", link="/owner/mededelingen")
    client = login_as(user)
    response = client.post(f"/owner/meldingen/{note.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/owner/mededelingen"
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None  # type: ignore[union-attr]
    assert "portal-unread" not in client.get("/owner/").text


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "/\t/evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_open_never_follows_a_link_off_the_site(world, login_as, link):
    user = world.user("owner", "dienst")
    note = note_for(user, "Verdachte link", link=link)
    response = login_as(user).post(f"/owner/meldingen/{note.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/owner/meldingen/"
    assert not is_local_link(link)


def test_mail_leaves_out_a_link_off_the_site(world, mailbox):
    note_for(world.user("owner", "dienst"), "Met externe link", link="https://evil.example/phish")
    assert "evil.example" not in body_of(mailbox.wait(1)[0])


def test_mark_all_read_touches_only_own_notifications(world, login_as):
    user = world.user("owner", "dienst")
    colleague = world.user("owner", "hr")
    mine = [note_for(user, "Een"), note_for(user, "Twee")]
    theirs = note_for(colleague, "Van de collega")
    response = login_as(user).post("/owner/meldingen/alles-gelezen")
    assert response.status_code == 302
    assert response.headers["Location"] == "/owner/meldingen/"
    db.session.expire_all()
    assert all(db.session.get(Notification, n.id).read_at is not None for n in mine)  # type: ignore[union-attr]
    assert db.session.get(Notification, theirs.id).read_at is None  # type: ignore[union-attr]


@pytest.mark.parametrize("owner_key", ["hr@owner", "dienst@partner", "dienst@outsider"])
def test_someone_elses_notification_is_404(world, login_as, owner_key):
    role, tenant = owner_key.split("@")
    foreign = note_for(world.user(tenant, role), "Niet van jou", link="/owner/")
    client = login_as(world.user("owner", "dienst"))
    assert client.post(f"/owner/meldingen/{foreign.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, foreign.id).read_at is None  # type: ignore[union-attr]
    assert "Niet van jou" not in client.get("/owner/meldingen/").text


def test_unknown_notification_is_404(world, login_as):
    assert login_as(world.user("owner", "dienst")).post("/owner/meldingen/999999").status_code == 404


def test_list_needs_login_and_own_tenant(world, client, login_as):
    anonymous = client.get("/owner/meldingen/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login_as(world.user("owner", "dienst"))
    assert client.get("/partner/meldingen/").status_code == 404
    assert client.post("/partner/meldingen/alles-gelezen").status_code == 404
