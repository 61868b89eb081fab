"""Accounts as a person uses them: login, passwords, password reset by e-mail."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.auth import operations as ops
from portal.auth.models import EmailToken, User
from portal.core.models import utcnow
from portal.extensions import db
from tests.conftest import PASSWORD, body_of, login

GENERIC = "E-mailadres of wachtwoord is onjuist."
TOO_SHORT = "Het wachtwoord moet minstens 12 tekens lang zijn."
NEW_PASSWORD = "Een-nieuw-lang-wachtwoord-7"


def _link(msg, path: str) -> str:
    found = re.search(rf"http://portal\.test(/{path}/[A-Za-z0-9_\-]+)", body_of(msg))
    assert found, body_of(msg)
    return found.group(1)


def _is_logged_in(client, slug: str = "owner") -> bool:
    response = client.get(f"/{slug}/")
    return response.status_code == 200


# -- login ---------------------------------------------------------------------------------


def test_login_redirects_to_own_dashboard(world, client):
    user = world.user("partner", "dienst")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/partner/"
    page = client.get("/partner/")
    assert page.status_code == 200
    assert "Gemeente Partner" in page.text


def test_login_email_is_case_insensitive(world, client):
    user = world.user("owner")
    response = client.post("/login", data={"email": "  " + user.email.upper() + " ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/owner/"


def test_wrong_password_and_unknown_email_answer_the_same(world, client):
    user = world.user("owner")
    wrong = client.post("/login", data={"email": user.email, "password": "Niet-het-goede-wachtwoord"})
    unknown = client.post("/login", data={"email": "niemand@nergens.test", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert GENERIC in wrong.text and GENERIC in unknown.text

    # Nothing in the page tells the two cases apart (apart from the echoed e-mail and the CSRF
    # token, which carries a timestamp and so differs when the two pages straddle a second).
    def normalised(text: str, email: str) -> str:
        return re.sub(r'(name="csrf_token"[^>]*value=|csrf-token" content=)"[^"]*"', r"\1T", text.replace(email, "X"))

    assert normalised(wrong.text, user.email) == normalised(unknown.text, "niemand@nergens.test")
    assert not _is_logged_in(client)


def test_empty_login_form_is_a_400_with_dutch_messages(client):
    response = client.post("/login", data={})
    assert response.status_code == 400
    assert "Vul je e-mailadres in." in response.text
    assert "Vul je wachtwoord in." in response.text


def test_disabled_user_cannot_log_in(world, client):
    user = world.user("owner", "dienst")
    user.is_active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401
    assert GENERIC in response.text
    assert not _is_logged_in(client)


def test_user_of_disabled_tenant_cannot_log_in(world, client):
    user = world.user("owner", "dienst")
    user.tenant.is_active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_invited_user_without_password_cannot_log_in(world, client):
    from portal.auth.operations import create_user

    user = create_user(world.tenants["owner"], email="nieuw@owner.test", full_name="Nieuw", roles=["expert"])
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": ""})
    assert response.status_code == 400
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_password_is_stored_as_argon2id(world):
    user = world.user("owner")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_login_next_parameter_stays_on_site(world, client):
    user = world.user("owner")
    ok = client.post("/login?next=/owner/mededelingen", data={"email": user.email, "password": PASSWORD})
    assert ok.headers["Location"] == "/owner/mededelingen"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post("/login", query_string={"next": evil}, data={"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == "/owner/", evil
        client.post("/logout")


def test_anonymous_page_request_redirects_to_login(client, world):
    response = client.get("/owner/mededelingen")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "next=" in response.headers["Location"]


def test_logged_in_user_visiting_login_goes_home(world, login_as):
    client = login_as(world.user("owner"))
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/owner/"


def test_last_login_is_recorded(world, client):
    user = world.user("owner")
    assert user.last_login_at is None
    login(client, user)
    db.session.refresh(user)
    assert user.last_login_at is not None


# -- change password -------------------------------------------------------------------------


def _change_password(client, current: str, new: str, confirm: str | None = None):
    return client.post(
        "/owner/account/",
        data={
            "action": "password",
            "pw-current": current,
            "pw-password": new,
            "pw-confirm": new if confirm is None else confirm,
        },
    )


def test_change_password_too_short_is_refused_and_nothing_changes(world, login_as):
    user = world.user("owner")
    old_hash = user.password_hash
    client = login_as(user)
    response = _change_password(client, PASSWORD, "kort-11-tkn")
    assert response.status_code == 422
    assert TOO_SHORT in response.text
    db.session.refresh(user)
    assert user.password_hash == old_hash
    assert _is_logged_in(client)


def test_change_password_with_wrong_current_password_is_refused(world, login_as):
    user = world.user("owner")
    old_hash = user.password_hash
    client = login_as(user)
    response = _change_password(client, "Fout-huidig-wachtwoord", NEW_PASSWORD)
    assert response.status_code == 422
    assert "Het huidige wachtwoord is onjuist." in response.text
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_change_password_mismatch_is_refused(world, login_as):
    user = world.user("owner")
    old_hash = user.password_hash
    client = login_as(user)
    response = _change_password(client, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert response.status_code == 422
    assert "De twee wachtwoorden zijn niet gelijk." in response.text
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_change_password_works_with_the_new_one_only(world, login_as, app):
    user = world.user("owner")
    client = login_as(user)
    response = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    other = app.test_client()
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 401
    assert other.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_profile_can_be_updated(world, login_as):
    user = world.user("owner")
    client = login_as(user)
    response = client.post(
        "/owner/account/",
        data={"action": "profile", "full_name": "Anna Peeters", "job_title": "Directeur", "locale": "en"},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.full_name, user.job_title, user.locale) == ("Anna Peeters", "Directeur", "en")
    bad = client.post("/owner/account/", data={"action": "profile", "full_name": "", "locale": "xx"})
    assert bad.status_code == 422
    db.session.refresh(user)
    assert user.full_name == "Anna Peeters"


# -- password reset by e-mail ---------------------------------------------------------------


FORGOT_ANSWER = "Als er een account bestaat voor dit adres"


def test_password_reset_mail_link_works_once(world, client, mailbox, app):
    user = world.user("owner", "dienst")
    response = client.post("/wachtwoord-vergeten", data={"email": user.email}, follow_redirects=True)
    assert response.status_code == 200
    assert FORGOT_ANSWER in response.text
    mails = mailbox.wait(1)
    assert len(mailbox.to(user.email)) == 1
    assert "Nieuw wachtwoord" in mails[0]["Subject"]
    link = _link(mailbox.to(user.email)[0], "wachtwoord-herstellen")
    stored = db.session.scalars(select(EmailToken.token_hash).where(EmailToken.user_id == user.id)).all()
    assert link.rsplit("/", 1)[1] not in stored  # only the hash is stored

    page = client.get(link)
    assert page.status_code == 200 and 'name="password"' in page.text
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"].startswith("/login")

    again = client.post(link, data={"password": "Nog-een-ander-wachtwoord", "confirm": "Nog-een-ander-wachtwoord"})
    assert again.status_code == 400
    assert "Deze link is ongeldig, verlopen of al gebruikt." in again.text
    revisit = client.get(link)
    assert revisit.status_code == 400
    assert "ongeldig" in revisit.text and 'name="password"' not in revisit.text

    fresh = app.test_client()
    assert fresh.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 401
    assert fresh.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_password_reset_link_expires(world, client, mailbox):
    user = world.user("owner", "dienst")
    client.post("/wachtwoord-vergeten", data={"email": user.email})
    mailbox.wait(1)
    link = _link(mailbox.to(user.email)[0], "wachtwoord-herstellen")
    token = db.session.scalar(select(EmailToken).where(EmailToken.user_id == user.id, EmailToken.used_at.is_(None)))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    old_hash = user.password_hash
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert "ongeldig, verlopen of al gebruikt" in response.text
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_password_reset_for_unknown_address_looks_the_same_and_sends_nothing(world, client, mailbox):
    known = client.post("/wachtwoord-vergeten", data={"email": world.user("owner").email})
    unknown = client.post("/wachtwoord-vergeten", data={"email": "onbekend@nergens.test"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    mailbox.wait(1)
    import time

    time.sleep(0.2)
    assert mailbox.to("onbekend@nergens.test") == []
    assert len(mailbox.to(world.user("owner").email)) == 1


def test_password_reset_for_disabled_user_sends_nothing(world, client, mailbox):
    user = world.user("owner", "dienst")
    user.is_active = False
    db.session.commit()
    response = client.post("/wachtwoord-vergeten", data={"email": user.email})
    assert response.status_code == 302
    import time

    time.sleep(0.2)
    assert mailbox.to(user.email) == []


def test_password_reset_too_short_is_refused_and_token_stays_valid(world, client, mailbox):
    user = world.user("owner", "dienst")
    client.post("/wachtwoord-vergeten", data={"email": user.email})
    mailbox.wait(1)
    link = _link(mailbox.to(user.email)[0], "wachtwoord-herstellen")
    old_hash = user.password_hash
    response = client.post(link, data={"password": "te-kort", "confirm": "te-kort"})
    assert response.status_code == 422
    assert TOO_SHORT in response.text
    db.session.refresh(user)
    assert user.password_hash == old_hash
    # The link was not used up by the failed attempt.
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_password_reset_ends_all_old_sessions(world, client, mailbox, app):
    user = world.user("owner", "dienst")
    elsewhere = app.test_client()
    login(elsewhere, user)
    assert _is_logged_in(elsewhere)
    client.post("/wachtwoord-vergeten", data={"email": user.email})
    mailbox.wait(1)
    link = _link(mailbox.to(user.email)[0], "wachtwoord-herstellen")
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    response = elsewhere.get("/owner/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_new_reset_request_invalidates_the_previous_link(world, client, mailbox):
    user = world.user("owner", "dienst")
    client.post("/wachtwoord-vergeten", data={"email": user.email})
    mailbox.wait(1)
    first = _link(mailbox.to(user.email)[0], "wachtwoord-herstellen")
    client.post("/wachtwoord-vergeten", data={"email": user.email})
    mailbox.wait(2)
    second = _link(mailbox.to(user.email)[1], "wachtwoord-herstellen")
    assert first != second
    assert client.post(first, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400
    assert client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_garbage_reset_token_is_invalid(client):
    response = client.get("/wachtwoord-herstellen/niet-echt")
    assert response.status_code == 400
    assert "ongeldig" in response.text
    response = client.post("/wachtwoord-herstellen/niet-echt", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400


def test_expired_tokens_are_cleaned_up(world):
    user = world.user("owner")
    raw = ops.issue_email_token(user, "reset", timedelta(hours=1))
    ops.issue_email_token(user, "reset", timedelta(hours=1))  # uses up the first
    db.session.commit()
    assert ops.peek_email_token(raw, "reset") is None
    removed = ops.delete_expired_tokens()
    assert removed >= 1
    assert db.session.scalar(select(User).where(User.id == user.id)) is not None
