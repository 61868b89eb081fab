"""The beheerder's pages: users, invitations, roles, disabling, settings; the audit log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import EmailToken, User
from portal.core.audit import AuditEntry
from portal.core.models import utcnow
from portal.extensions import db
from tenants.context import tenant_context
from tests import clock
from tests.conftest import body_of

NEW_PASSWORD = "Mijn-eerste-wachtwoord-2024"
ADMIN_ONLY = ["gebruikers", "gebruikers/uitnodigen", "gebruikers/{uid}", "instellingen"]
ALL_PAGES = [*ADMIN_ONLY, "auditlog"]
NO_ADMIN_ROLES = ["dienst", "raadslid", "expert", "hr", "aankoper", "schepen"]


def _page(tmpl: str, world, tenant: str = "owner") -> str:
    return f"/{tenant}/beheer/" + tmpl.format(uid=world.user(tenant, "dienst").id)


def _invite(client, email: str, name: str = "Nieuwe Collega", roles=("dienstmedewerker",), **extra):
    data = {"email": email, "full_name": name, "roles": list(roles), **extra}
    return client.post("/owner/beheer/gebruikers/uitnodigen", data=data)


def _invite_link(mailbox, email: str, index: int = 0) -> str:
    mails = mailbox.to(email)
    assert len(mails) > index, [m["To"] for m in mailbox.messages]
    found = re.search(r"http://portal\.test(/uitnodiging/[A-Za-z0-9_\-]+)", body_of(mails[index]))
    assert found
    return found.group(1)


# -- who may see which page -----------------------------------------------------------------


@pytest.mark.parametrize("page", ALL_PAGES)
def test_beheerder_sees_every_admin_page(world, login_as, page):
    client = login_as(world.user("owner", "beheerder"))
    response = client.get(_page(page, world))
    assert response.status_code == 200
    assert 'lang="nl-BE"' in response.text


@pytest.mark.parametrize("page", ADMIN_ONLY)
def test_ad_may_not_manage_users_or_settings(world, login_as, page):
    client = login_as(world.user("owner", "ad"))
    response = client.get(_page(page, world))
    assert response.status_code == 403
    assert "Je hebt geen toegang tot deze pagina." in response.text


def test_ad_reads_the_audit_log(world, login_as):
    client = login_as(world.user("owner", "ad"))
    assert client.get("/owner/beheer/auditlog").status_code == 200


@pytest.mark.parametrize("role", NO_ADMIN_ROLES)
def test_other_roles_get_403_on_every_admin_page(world, login_as, role):
    client = login_as(world.user("owner", role))
    for page in ALL_PAGES:
        assert client.get(_page(page, world)).status_code == 403, page


@pytest.mark.parametrize("role", ["ad", *NO_ADMIN_ROLES])
def test_other_roles_cannot_change_anything_by_posting(world, login_as, role):
    client = login_as(world.user("owner", role))
    victim = world.user("owner", "dienst")
    assert client.post(f"/owner/beheer/gebruikers/{victim.id}", data={"action": "disable"}).status_code == 403
    assert (
        client.post(
            f"/owner/beheer/gebruikers/{victim.id}", data={"action": "roles", "roles": ["beheerder"]}
        ).status_code
        == 403
    )
    assert _invite(client, "sluiper@example.be").status_code == 403
    assert client.post("/owner/beheer/instellingen", data={"brand_colour": "#ff0000"}).status_code == 403
    db.session.expire_all()
    assert victim.is_active and victim.roles == {"dienstmedewerker"}
    assert db.session.scalar(select(User).where(User.email == "sluiper@example.be")) is None
    assert world.tenants["owner"].brand_colour != "#ff0000"


@pytest.mark.parametrize("page", ALL_PAGES)
def test_other_tenants_admin_pages_do_not_exist(world, login_as, page):
    client = login_as(world.user("partner", "beheerder"))
    assert client.get(_page(page, world, "owner")).status_code == 404
    assert client.get(_page(page, world, "outsider")).status_code == 404


def test_foreign_user_is_404_even_under_the_own_slug(world, login_as):
    client = login_as(world.user("partner", "beheerder"))
    foreign = world.user("owner", "dienst")
    assert client.get(f"/partner/beheer/gebruikers/{foreign.id}").status_code == 404
    for action in ("disable", "reinvite", "roles"):
        response = client.post(
            f"/partner/beheer/gebruikers/{foreign.id}", data={"action": action, "roles": ["beheerder"]}
        )
        assert response.status_code == 404
    db.session.expire_all()
    assert foreign.is_active and foreign.roles == {"dienstmedewerker"}


def test_anonymous_is_sent_to_login(world, client):
    for page in ALL_PAGES:
        response = client.get(_page(page, world))
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_user_list_shows_only_own_tenant(world, login_as):
    client = login_as(world.user("owner", "beheerder"))
    page = client.get("/owner/beheer/gebruikers?per_page=100")
    assert "dienst@owner.test" in page.text
    assert "@partner.test" not in page.text and "@outsider.test" not in page.text
    found = client.get("/owner/beheer/gebruikers", query_string={"q": "RAADSLID"})
    assert "raadslid@owner.test" in found.text and "dienst@owner.test" not in found.text
    assert "raadslid@partner.test" not in client.get("/owner/beheer/gebruikers?q=partner").text


# -- invitations ----------------------------------------------------------------------------


def test_invitation_creates_user_mails_link_and_lets_them_in(world, login_as, mailbox, app):
    admin = login_as(world.user("owner", "beheerder"))
    response = _invite(admin, "Nieuwe.Collega@Example.be", roles=("dienstmedewerker", "aankoper"))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nieuwe.collega@example.be"))
    assert user is not None
    assert user.tenant_id == world.tenants["owner"].id
    assert user.password_hash is None and user.invited_at is not None
    assert user.roles == {"dienstmedewerker", "aankoper"}
    assert response.headers["Location"] == f"/owner/beheer/gebruikers/{user.id}"

    mailbox.wait(1)
    mail = mailbox.to("nieuwe.collega@example.be")[0]
    assert "Gemeente Owner" in mail["Subject"]
    link = _invite_link(mailbox, "nieuwe.collega@example.be")

    newcomer = app.test_client()
    page = newcomer.get(link)
    assert page.status_code == 200 and 'name="password"' in page.text
    short = newcomer.post(link, data={"password": "te-kort-1", "confirm": "te-kort-1"})
    assert short.status_code == 422
    assert "Het wachtwoord moet minstens 12 tekens lang zijn." in short.text
    db.session.refresh(user)
    assert user.password_hash is None

    done = newcomer.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    assert newcomer.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400
    login = newcomer.post("/login", data={"email": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 302 and login.headers["Location"] == "/owner/"


def test_duplicate_invitation_is_409_and_keeps_the_input(world, login_as, mailbox):
    admin = login_as(world.user("owner", "beheerder"))
    for existing in ("dienst@owner.test", "DIENST@partner.test"):
        response = _invite(admin, existing, name="Dubbele Naam", job_title="Boekhouder")
        assert response.status_code == 409
        assert "Er bestaat al een account met dit e-mailadres." in response.text
        assert 'value="Dubbele Naam"' in response.text
        assert 'value="Boekhouder"' in response.text
        assert existing in response.text
    assert db.session.scalar(select(User).where(User.full_name == "Dubbele Naam")) is None
    import time

    time.sleep(0.2)
    assert mailbox.messages == []


def test_invitation_form_errors_are_422_in_dutch(world, login_as):
    admin = login_as(world.user("owner", "beheerder"))
    response = _invite(admin, "geen-adres", roles=())
    assert response.status_code == 422
    assert "Dit is geen geldig e-mailadres." in response.text
    assert "Kies minstens één rol." in response.text
    bogus = _invite(admin, "iemand@example.be", roles=("platformbeheerder",))
    assert bogus.status_code == 422
    assert db.session.scalar(select(User).where(User.email == "iemand@example.be")) is None


def test_resend_invitation_replaces_the_link(world, login_as, mailbox, app):
    admin = login_as(world.user("owner", "beheerder"))
    _invite(admin, "traag@example.be")
    mailbox.wait(1)
    first = _invite_link(mailbox, "traag@example.be")
    user = db.session.scalar(select(User).where(User.email == "traag@example.be"))
    page = admin.get(f"/owner/beheer/gebruikers/{user.id}")
    assert "Uitnodiging opnieuw versturen" in page.text
    response = admin.post(f"/owner/beheer/gebruikers/{user.id}", data={"action": "reinvite"}, follow_redirects=True)
    assert response.status_code == 200
    assert "De uitnodiging is opnieuw verstuurd." in response.text
    mailbox.wait(2)
    second = _invite_link(mailbox, "traag@example.be", 1)
    assert first != second
    other = app.test_client()
    assert other.post(first, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400
    assert other.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_resend_invitation_to_active_user_is_refused(world, login_as, mailbox):
    admin = login_as(world.user("owner", "beheerder"))
    target = world.user("owner", "dienst")
    response = admin.post(f"/owner/beheer/gebruikers/{target.id}", data={"action": "reinvite"})
    assert response.status_code == 409
    assert "heeft al een wachtwoord" in response.text


def test_expired_invitation_is_invalid(world, login_as, mailbox, app):
    admin = login_as(world.user("owner", "beheerder"))
    _invite(admin, "laat@example.be")
    mailbox.wait(1)
    link = _invite_link(mailbox, "laat@example.be")
    user = db.session.scalar(select(User).where(User.email == "laat@example.be"))
    token = db.session.scalar(select(EmailToken).where(EmailToken.user_id == user.id))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert "ongeldig, verlopen of al gebruikt" in response.text


def test_invitation_of_disabled_user_cannot_be_accepted(world, login_as, mailbox, app):
    admin = login_as(world.user("owner", "beheerder"))
    _invite(admin, "weg@example.be")
    mailbox.wait(1)
    link = _invite_link(mailbox, "weg@example.be")
    user = db.session.scalar(select(User).where(User.email == "weg@example.be"))
    admin.post(f"/owner/beheer/gebruikers/{user.id}", data={"action": "disable"})
    response = app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.password_hash is None


# -- roles and disabling --------------------------------------------------------------------


def test_change_roles(world, login_as, app):
    admin = login_as(world.user("owner", "beheerder"))
    target = world.user("owner", "dienst")
    response = admin.post(
        f"/owner/beheer/gebruikers/{target.id}", data={"action": "roles", "roles": ["aankoper", "hr_medewerker"]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert target.roles == {"aankoper", "hr_medewerker"}
    page = admin.get(f"/owner/beheer/gebruikers/{target.id}")
    assert "De rollen zijn bijgewerkt." in page.text


def test_roles_cannot_be_emptied_or_invented(world, login_as):
    admin = login_as(world.user("owner", "beheerder"))
    target = world.user("owner", "dienst")
    empty = admin.post(f"/owner/beheer/gebruikers/{target.id}", data={"action": "roles"})
    assert empty.status_code == 422
    assert "Kies minstens één rol." in empty.text
    bogus = admin.post(f"/owner/beheer/gebruikers/{target.id}", data={"action": "roles", "roles": ["koning"]})
    assert bogus.status_code == 422
    db.session.expire_all()
    assert target.roles == {"dienstmedewerker"}


def test_beheerder_cannot_take_away_own_beheerder_role(world, login_as):
    me = world.user("owner", "beheerder")
    admin = login_as(me)
    response = admin.post(f"/owner/beheer/gebruikers/{me.id}", data={"action": "roles", "roles": ["raadslid"]})
    assert response.status_code == 409
    assert "beheerder" in response.text
    db.session.expire_all()
    assert me.roles == {"beheerder"}
    # Adding a role to oneself is fine.
    ok = admin.post(f"/owner/beheer/gebruikers/{me.id}", data={"action": "roles", "roles": ["beheerder", "raadslid"]})
    assert ok.status_code == 302


def test_new_role_takes_effect_on_the_next_request(world, login_as, app):
    target = world.user("owner", "dienst")
    theirs = app.test_client()
    from tests.conftest import login

    login(theirs, target)
    assert theirs.get("/owner/beheer/auditlog").status_code == 403
    admin = login_as(world.user("owner", "beheerder"))
    admin.post(f"/owner/beheer/gebruikers/{target.id}", data={"action": "roles", "roles": ["algemeen_directeur"]})
    assert theirs.get("/owner/beheer/auditlog").status_code == 200


def test_disable_and_enable(world, login_as):
    admin = login_as(world.user("owner", "beheerder"))
    target = world.user("owner", "dienst")
    response = admin.post(f"/owner/beheer/gebruikers/{target.id}", data={"action": "disable"}, follow_redirects=True)
    assert "Het account is uitgeschakeld; alle sessies zijn beëindigd." in response.text
    db.session.expire_all()
    assert not target.is_active
    listing = admin.get("/owner/beheer/gebruikers?q=dienst")
    assert "uitgeschakeld" in listing.text
    admin.post(f"/owner/beheer/gebruikers/{target.id}", data={"action": "enable"})
    db.session.expire_all()
    assert target.is_active


def test_beheerder_cannot_disable_themself(world, login_as):
    me = world.user("owner", "beheerder")
    admin = login_as(me)
    response = admin.post(f"/owner/beheer/gebruikers/{me.id}", data={"action": "disable"})
    assert response.status_code == 409
    assert "Je kan je eigen account niet uitschakelen." in response.text
    db.session.expire_all()
    assert me.is_active
    assert admin.get("/owner/").status_code == 200


def test_unknown_action_is_400(world, login_as):
    admin = login_as(world.user("owner", "beheerder"))
    target = world.user("owner", "dienst")
    assert admin.post(f"/owner/beheer/gebruikers/{target.id}", data={"action": "promote"}).status_code == 400
    assert admin.post(f"/owner/beheer/gebruikers/{target.id}", data={}).status_code == 400


# -- settings -------------------------------------------------------------------------------


def test_settings_are_saved_and_validated(world, login_as):
    admin = login_as(world.user("owner", "beheerder"))
    ok = admin.post(
        "/owner/beheer/instellingen",
        data={"brand_colour": "#0B5394", "contact_email": "info@owner.be", "closing_days": "07-11\n11-02, 07-11"},
    )
    assert ok.status_code == 302
    tenant = world.tenants["owner"]
    db.session.refresh(tenant)
    assert tenant.brand_colour == "#0B5394"
    assert tenant.contact_email == "info@owner.be"
    assert tenant.closing_days == ["07-11", "11-02"]
    bad = admin.post(
        "/owner/beheer/instellingen",
        data={"brand_colour": "rood", "contact_email": "geen-adres", "closing_days": "31-12\n02-30x"},
    )
    assert bad.status_code == 422
    assert "Geef een kleur als #RRGGBB" in bad.text
    assert "Dit is geen geldig e-mailadres." in bad.text
    assert "Ongeldige sluitingsdag(en)" in bad.text
    assert 'value="rood"' in bad.text
    db.session.refresh(tenant)
    assert tenant.brand_colour == "#0B5394"


# -- audit log ------------------------------------------------------------------------------


def _audit_rows(text: str) -> int:
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr>") - (1 if "Geen wijzigingen gevonden." in body else 0)


def test_audit_log_lists_changes_with_old_and_new_values(world, login_as):
    admin_user = world.user("owner", "beheerder")
    admin = login_as(admin_user)
    target = world.user("owner", "dienst")
    admin.post(f"/owner/beheer/gebruikers/{target.id}", data={"action": "disable"})
    admin.post(f"/owner/beheer/gebruikers/{target.id}", data={"action": "roles", "roles": ["aankoper"]})
    admin.post("/owner/beheer/instellingen", data={"brand_colour": "#123456", "contact_email": "", "closing_days": ""})

    with tenant_context(world.tenants["owner"].id):  # RLS: the log is read as the tenant
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.tenant_id == world.tenants["owner"].id).order_by(AuditEntry.id)
        ).all()
    disabled = [e for e in entries if e.object_type == "users" and "is_active" in e.changes]
    assert disabled and disabled[0].changes["is_active"] == [True, False]
    assert disabled[0].actor_user_id == admin_user.id
    assert disabled[0].ip and disabled[0].request_id
    assert any(e.object_type == "user_roles" and e.action == "create" for e in entries)
    assert any(e.object_type == "user_roles" and e.action == "delete" for e in entries)
    # Secrets never reach the log.
    assert not any("password_hash" in e.changes and e.changes["password_hash"][1] not in (None, "***") for e in entries)

    ad = login_as(world.user("owner", "ad"))
    page = ad.get("/owner/beheer/auditlog")
    assert page.status_code == 200
    assert "#123456" in page.text
    assert "is_active" in page.text
    assert "→" in page.text


def test_audit_log_filters(world, login_as):
    admin_user = world.user("owner", "beheerder")
    admin = login_as(admin_user)
    target = world.user("owner", "dienst")
    admin.post(f"/owner/beheer/gebruikers/{target.id}", data={"action": "disable"})
    admin.post("/owner/beheer/instellingen", data={"brand_colour": "#654321", "contact_email": "", "closing_days": ""})

    everything = admin.get("/owner/beheer/auditlog")
    assert _audit_rows(everything.text) >= 2
    users_only = admin.get("/owner/beheer/auditlog", query_string={"object_type": "users", "action": "update"})
    assert "is_active" in users_only.text and "#654321" not in users_only.text
    tenants_only = admin.get("/owner/beheer/auditlog", query_string={"object_type": "tenants"})
    assert "#654321" in tenants_only.text and "is_active" not in tenants_only.text
    assert _audit_rows(admin.get("/owner/beheer/auditlog?action=delete").text) == 0
    by_me = admin.get("/owner/beheer/auditlog", query_string={"actor": admin_user.id})
    assert "#654321" in by_me.text
    other_actor = admin.get("/owner/beheer/auditlog", query_string={"actor": world.user("owner", "ad").id})
    assert _audit_rows(other_actor.text) == 0
    today = clock.today()
    in_range = admin.get(
        "/owner/beheer/auditlog",
        query_string={"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()},
    )
    assert "#654321" in in_range.text
    past = admin.get("/owner/beheer/auditlog", query_string={"to": (today - timedelta(days=2)).isoformat()})
    assert _audit_rows(past.text) == 0
    future = admin.get("/owner/beheer/auditlog", query_string={"from": (today + timedelta(days=2)).isoformat()})
    assert _audit_rows(future.text) == 0


def test_audit_log_garbage_filters_do_not_break(world, login_as):
    admin = login_as(world.user("owner", "beheerder"))
    for query in (
        {"from": "2024-13-45", "to": "gisteren"},
        {"actor": "abc", "action": "drop table"},
        {"object_type": "x" * 500},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"per_page": "0"},
    ):
        response = admin.get("/owner/beheer/auditlog", query_string=query)
        assert response.status_code in (200, 400), query


def test_audit_log_shows_only_own_tenant(world, login_as, app):
    partner_admin = app.test_client()
    from tests.conftest import login

    login(partner_admin, world.user("partner", "beheerder"))
    partner_admin.post(
        "/partner/beheer/instellingen",
        data={"brand_colour": "#abcdef", "contact_email": "geheim@partner.be", "closing_days": ""},
    )
    assert "geheim@partner.be" in partner_admin.get("/partner/beheer/auditlog").text
    owner = login_as(world.user("owner", "beheerder"))
    page = owner.get("/owner/beheer/auditlog", query_string={"object_type": "tenants"})
    assert "geheim@partner.be" not in page.text and "#abcdef" not in page.text
    # Partner users are not offered as actors either.
    assert "beheerder partner" not in owner.get("/owner/beheer/auditlog").text


def test_audit_log_cannot_be_changed(world, login_as):
    from portal.core.audit import AuditLogImmutable

    admin = login_as(world.user("owner", "beheerder"))
    admin.post("/owner/beheer/instellingen", data={"brand_colour": "#111111", "contact_email": "", "closing_days": ""})
    with tenant_context(world.tenants["owner"].id, user_id=world.user("owner", "beheerder").id):
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        entry.action = "delete"
        with pytest.raises(AuditLogImmutable):
            db.session.flush()
        db.session.rollback()
    # No route edits or deletes audit entries.
    assert not [r for r in admin.application.url_map.iter_rules() if "audit" in r.rule and "POST" in r.methods]
