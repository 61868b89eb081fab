"""Account operations: passwords, login throttling, e-mail tokens, invitations, API tokens."""

from __future__ import annotations

import contextlib
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import Table, case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.auth.models import ApiToken, EmailToken, LoginThrottle, User, UserRole
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import queue_mail
from portal.core.roles import BEHEERDER, ROLES
from portal.core.unitofwork import keep_on_error
from portal.extensions import db
from tenants.models import Tenant

log = structlog.get_logger(__name__)

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "swp_"


def _hasher() -> PasswordHasher:
    if current_app.config.get("PORTAL_ARGON2_FAST"):
        # Tests only: still argon2id, with cheap parameters.
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher().hash(password)


# Compared against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH: dict[str, str] = {}


def check_password(user: User | None, password: str) -> bool:
    """Verify ``password``; rehash transparently when the parameters changed."""
    hasher = _hasher()
    if user is None or not user.password_hash:
        key = "fast" if current_app.config.get("PORTAL_ARGON2_FAST") else "prod"
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hasher.hash("dummy-password-for-timing")
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASH[key], password)
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def validate_password(password: str, confirm: str | None = None) -> None:
    """Refuse passwords that are too short or do not match their confirmation."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("Het wachtwoord moet minstens %(n)s tekens lang zijn.", n=MIN_PASSWORD_LENGTH),
            field="password",
            status_code=422,
        )
    if confirm is not None and password != confirm:
        raise DomainError(_("De twee wachtwoorden zijn niet gelijk."), field="confirm", status_code=422)


# -- login throttling -------------------------------------------------------------------
# Backoff per (account, client) and per client, never a lock on the account itself (ADR 0020):
# whoever fails from elsewhere cannot keep the real holder out.

DEVICE_COOKIE = "portal_device"
_DEVICE_SALT = "portal-known-device"


@dataclass(frozen=True)
class Refusal:
    """A sign-in refused by the throttle, with the seconds until the next attempt may be made."""

    retry_after: int


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _account_key(email: str) -> str:
    return _key("account", email.strip().lower())


def _client_key(ip: str | None, device: str | None) -> str:
    # A known device is its own client: failures from its network address never reach it.
    return _key("device", device) if device else _key("ip", ip or "-")


def _ip_key(ip: str | None) -> str:
    return _key("ip", ip or "-")


def backoff_seconds(failures: int, threshold: int) -> int:
    """Return how long ``failures`` failures block: 0 below the threshold, then doubling to the cap."""
    cfg = current_app.config
    if failures < threshold:
        return 0
    step = failures - threshold
    base = int(cfg["PORTAL_LOGIN_BACKOFF_BASE_SECONDS"])
    cap = int(cfg["PORTAL_LOGIN_BACKOFF_MAX_SECONDS"])
    return cap if step >= 20 else min(base * 2**step, cap)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_DEVICE_SALT)


def issue_device_cookie(user: User) -> str:
    """Return a signed known-device value for ``user`` (set after a successful sign-in)."""
    return _serializer().dumps({"u": user.id, "d": secrets.token_urlsafe(16)})


def known_device(cookie: str | None, email: str) -> str | None:
    """Return the device id if ``cookie`` is a valid known-device cookie of this account, else None."""
    if not cookie:
        return None
    try:
        data = _serializer().loads(cookie, max_age=int(current_app.config["PORTAL_DEVICE_COOKIE_DAYS"]) * 86400)
    except BadData:
        return None
    user = find_user_by_email(email)
    if user is None or not isinstance(data, dict) or data.get("u") != user.id:
        return None
    return str(data.get("d") or "") or None


def _blocked_until(account_key: str, client_key: str) -> datetime | None:
    return db.session.scalar(
        select(LoginThrottle.blocked_until).where(
            LoginThrottle.account_key == account_key, LoginThrottle.client_key == client_key
        )
    )


def login_refusal(email: str, ip: str | None, device: str | None = None) -> Refusal | None:
    """Return a refusal while this (account, client) or this client is backing off, else None."""
    now = utcnow()
    untils = [_blocked_until(_account_key(email), _client_key(ip, device))]
    if device is None:
        # Password spraying from one address; a known device is exempt from its address's count.
        untils.append(_blocked_until("", _ip_key(ip)))
    latest = max((u for u in untils if u is not None and u > now), default=None)
    if latest is None:
        return None
    return Refusal(retry_after=max(1, math.ceil((latest - now).total_seconds())))


def _count_failure(account_key: str, client_key: str, now: datetime) -> int:
    """Add one failure to the row (starting over after the forget period); return the new count."""
    forget = now - timedelta(seconds=int(current_app.config["PORTAL_LOGIN_FORGET_SECONDS"]))
    table = LoginThrottle.__table__
    assert isinstance(table, Table)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = insert(table).values(account_key=account_key, client_key=client_key, failures=1, last_failure_at=now)
    # One statement, so concurrent failures of the same key all count (no read-then-write race).
    stmt = values.on_conflict_do_update(
        index_elements=[table.c.account_key, table.c.client_key],
        set_={
            "failures": case((table.c.last_failure_at < forget, 1), else_=table.c.failures + 1),
            "last_failure_at": now,
        },
    ).returning(table.c.failures)
    return int(db.session.execute(stmt).scalar_one())


def _block(account_key: str, client_key: str, until: datetime) -> None:
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.account_key == account_key, LoginThrottle.client_key == client_key)
        .values(blocked_until=until)
    )


def register_login_failure(email: str, ip: str | None, device: str | None = None) -> None:
    """Count one failed sign-in for (account, client), for the client and for the account."""
    cfg = current_app.config
    now = utcnow()
    account, client = _account_key(email), _client_key(ip, device)
    pair = _count_failure(account, client, now)
    delay = backoff_seconds(pair, int(cfg["PORTAL_LOGIN_PAIR_THRESHOLD"]))
    if delay:
        _block(account, client, now + timedelta(seconds=delay))
    if device is None:
        spray = _count_failure("", _ip_key(ip), now)
        delay = backoff_seconds(spray, int(cfg["PORTAL_LOGIN_CLIENT_THRESHOLD"]))
        if delay:
            _block("", _ip_key(ip), now + timedelta(seconds=delay))
    total = _count_failure(account, "", now)
    if total == int(cfg["PORTAL_LOGIN_ALERT_FAILURES"]):
        _alert_account_holder(email, total)


def _alert_account_holder(email: str, failures: int) -> None:
    # A signal, never a lock: operators see it in the log, the holder gets one mail a day.
    log.warning("login.account_under_attack", account=_account_key(email)[:12], failures=failures)
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    queue_mail(
        to=user.email,
        subject=_("Veel mislukte aanmeldpogingen op je account"),
        template="login_alert",
        dedupe_key=f"login-alert:{user.id}:{utcnow().date().isoformat()}",
        user=user,
        failures=failures,
    )


def clear_login_failures(email: str, ip: str | None = None, device: str | None = None) -> None:
    """Forget failures of the account: from this client after a sign-in, from all clients after a reset."""
    account = _account_key(email)
    stmt = delete(LoginThrottle).where(LoginThrottle.account_key == account)
    if ip is not None or device is not None:
        stmt = stmt.where(LoginThrottle.client_key == _client_key(ip, device))
    db.session.execute(stmt)


def delete_stale_login_throttles() -> int:
    """Remove throttle rows past the forget period; return how many."""
    forget = utcnow() - timedelta(seconds=int(current_app.config["PORTAL_LOGIN_FORGET_SECONDS"]))
    result = db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < forget))
    return int(getattr(result, "rowcount", 0) or 0)


def find_user_by_email(email: str) -> User | None:
    """Return the user with this e-mail address (case-insensitive), or None."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user for these credentials, or None (no reason given)."""
    user = find_user_by_email(email)
    if not check_password(user, password):
        return None
    assert user is not None
    if not user.is_active or not user.tenant.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session of ``user`` (they all carry the old epoch)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def set_password(user: User, password: str, confirm: str | None = None) -> None:
    """Change the password and end all other sessions."""
    validate_password(password, confirm)
    user.password_hash = hash_password(password)
    end_all_sessions(user)


# -- users ------------------------------------------------------------------------------


def create_user(
    tenant: Tenant,
    *,
    email: str,
    full_name: str,
    roles: list[str],
    password: str | None = None,
    job_title: str | None = None,
    is_platform_admin: bool = False,
) -> User:
    """Create a user of ``tenant``; refuse a duplicate e-mail or unknown roles."""
    email = email.strip().lower()
    if find_user_by_email(email) is not None:
        raise DomainError(_("Er bestaat al een account met dit e-mailadres."), field="email")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise DomainError(_("Onbekende rol: %(r)s", r=", ".join(sorted(unknown))), field="roles", status_code=422)
    user = User(
        tenant_id=tenant.id,
        email=email,
        full_name=full_name.strip(),
        job_title=job_title,
        is_platform_admin=is_platform_admin,
        password_hash=hash_password(password) if password else None,
    )
    user.role_rows = [UserRole(role=r) for r in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    return user


def set_roles(user: User, roles: list[str], *, acting: User | None = None) -> None:
    """Replace the roles of ``user``; a beheerder cannot take away their own beheerder role."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise DomainError(_("Onbekende rol: %(r)s", r=", ".join(sorted(unknown))), field="roles", status_code=422)
    if not roles:
        raise DomainError(_("Kies minstens één rol."), field="roles", status_code=422)
    wanted = set(roles)
    if acting is not None and user.id == acting.id and BEHEERDER in user.roles and BEHEERDER not in wanted:
        raise DomainError(
            _("Je kan je eigen rol van beheerder niet afnemen; vraag dat aan een andere beheerder."), field="roles"
        )
    for row in [r for r in user.role_rows if r.role not in wanted]:
        # An explicit delete (not only the orphan cascade) so the audit log records it.
        user.role_rows.remove(row)
        db.session.delete(row)
    user.role_rows.extend(UserRole(role=r) for r in sorted(wanted - user.roles))
    db.session.flush()


def set_active(user: User, active: bool, *, acting: User) -> None:
    """Enable or disable ``user``; disabling ends their sessions and API access."""
    if user.id == acting.id and not active:
        raise DomainError(_("Je kan je eigen account niet uitschakelen."))
    if user.is_active and not active:
        end_all_sessions(user)
    user.is_active = active


# -- e-mail tokens ----------------------------------------------------------------------


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_email_token(user: User, purpose: str, lifetime: timedelta) -> str:
    """Create a single-use token for ``purpose``; older unused ones of that purpose expire."""
    now = utcnow()
    db.session.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == purpose, EmailToken.used_at.is_(None))
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(EmailToken(user_id=user.id, purpose=purpose, token_hash=_digest(raw), expires_at=now + lifetime))
    db.session.flush()
    return raw


def peek_email_token(raw: str, purpose: str) -> EmailToken | None:
    """Return the valid (unused, unexpired) token, or None."""
    token = db.session.scalar(
        select(EmailToken).where(EmailToken.token_hash == _digest(raw), EmailToken.purpose == purpose)
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    if not token.user.is_active or not token.user.tenant.is_active:
        return None
    return token


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or not user.password_hash:
        return
    hours = current_app.config["PORTAL_TOKEN_MAX_AGE_HOURS"]
    raw = issue_email_token(user, "reset", timedelta(hours=hours))
    link = current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for("auth.reset_password", token=raw)
    queue_mail(
        to=user.email,
        subject=_("Nieuw wachtwoord voor het Samenwerkingsportaal"),
        template="password_reset",
        dedupe_key=f"reset:{_digest(raw)}",
        user=user,
        link=link,
        hours=hours,
    )


def complete_password_reset(raw: str, password: str, confirm: str, purpose: str = "reset") -> User:
    """Set a new password with a valid token and use the token up."""
    token = peek_email_token(raw, purpose)
    if token is None:
        raise DomainError(_("Deze link is ongeldig, verlopen of al gebruikt. Vraag een nieuwe aan."), status_code=400)
    user = token.user
    set_password(user, password, confirm)
    token.used_at = utcnow()
    # The mailbox proved the holder: every client's backoff on this account ends.
    clear_login_failures(user.email)
    return user


def invite_user(
    tenant: Tenant, *, email: str, full_name: str, roles: list[str], invited_by: User, job_title: str | None = None
) -> User:
    """Create an account without password and mail its holder an invitation link."""
    user = create_user(tenant, email=email, full_name=full_name, roles=roles, job_title=job_title)
    send_invitation(user, invited_by=invited_by)
    return user


def send_invitation(user: User, *, invited_by: User) -> None:
    """(Re)send the invitation mail with a fresh link."""
    if user.password_hash:
        raise DomainError(_("Deze gebruiker heeft al een wachtwoord; een uitnodiging is niet nodig."))
    days = current_app.config["PORTAL_INVITE_MAX_AGE_DAYS"]
    raw = issue_email_token(user, "invite", timedelta(days=days))
    user.invited_at = utcnow()
    link = current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for("auth.accept_invitation", token=raw)
    queue_mail(
        to=user.email,
        subject=_("Uitnodiging voor het Samenwerkingsportaal van %(t)s", t=user.tenant.name),
        template="invitation",
        dedupe_key=f"invite:{_digest(raw)}",
        user=user,
        link=link,
        days=days,
        invited_by=invited_by,
    )


def delete_expired_tokens() -> int:
    """Remove e-mail tokens that are used or expired; return how many (the caller commits)."""
    now = utcnow()
    result = db.session.execute(
        delete(EmailToken).where(or_(EmailToken.used_at.is_not(None), EmailToken.expires_at <= now))
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- API tokens -------------------------------------------------------------------------


def create_api_token(user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a personal API token; the raw value is returned once and never stored."""
    name = name.strip()
    if not name:
        raise DomainError(_("Geef het token een naam."), field="name", status_code=422)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:80], prefix=raw[:10], token_hash=_digest(raw), expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    return token, raw


def user_for_api_token(raw: str) -> User | None:
    """Return the active user behind a valid token, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    user = token.user
    if not user.is_active or not user.tenant.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        # Recorded whatever the request answers: signing in comes before the view's unit of work.
        keep_on_error(lambda: setattr(token, "last_used_at", now))
    return user


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (404 for anyone else's)."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        raise DomainError(_("Dit token bestaat niet."), status_code=404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def count_users(tenant_id: int) -> int:
    """Return how many users the tenant has."""
    return db.session.scalar(select(func.count()).select_from(User).where(User.tenant_id == tenant_id)) or 0
