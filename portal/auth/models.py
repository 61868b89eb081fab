"""Users, their roles within the home tenant, API tokens, single-use e-mail tokens and web sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import Base, TimestampMixin, check_in, utcnow
from portal.core.roles import ROLES
from tenants.models import Tenant


class Locale(StrEnum):
    """The languages the portal speaks."""

    NL_BE = "nl_BE"
    EN = "en"


class TokenPurpose(StrEnum):
    """What a single-use e-mail token is for."""

    RESET = "reset"
    INVITE = "invite"


class User(TimestampMixin, Base):
    """A person acting for one home tenant.

    Users are an identity table shared by the platform (login happens before a tenant is
    known); every page that lists users filters on the acting tenant explicitly.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        check_in("locale", Locale),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(160))
    job_title: Mapped[str | None] = mapped_column(String(160))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    # Bumped on logout-everywhere, password change and disabling: old sessions stop working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    locale: Mapped[str] = mapped_column(String(5), default="nl_BE")
    last_login_at: Mapped[datetime | None]
    invited_at: Mapped[datetime | None]

    tenant: Mapped[Tenant] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    @property
    def roles(self) -> set[str]:
        """Return the role codes of this user."""
        return {r.role for r in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        """Tell whether the user has at least one of ``roles``."""
        return bool(self.roles.intersection(roles))

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(Base):
    """One role of a user within their home tenant."""

    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        check_in("role", ROLES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(Base):
    """A personal API token: shown once, stored as a SHA-256 hash, revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class EmailToken(Base):
    """A single-use, expiring token sent by e-mail (password reset or invitation)."""

    __tablename__ = "email_tokens"
    __table_args__ = (
        check_in("purpose", TokenPurpose),
        Index("ix_email_tokens_user_purpose", "user_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class WebSession(Base):
    """One server-side browser session: the cookie holds only ``id``; ``data`` is its msgpack."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    # Idle expiry: pushed forward by activity; expired rows are ignored and swept by a task.
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LoginThrottle(Base):
    """Failed sign-ins of one key: an (account, client) pair, a client alone, or an account alone.

    Keys are SHA-256 digests, so the table holds no e-mail or network address in clear.
    ``blocked_until`` is only ever set for the keys that contain the client (ADR 0020):
    the account-wide row is a signal, never a lock.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (
        CheckConstraint("failures >= 1", name="failures_positive"),
        CheckConstraint("account_key <> '' OR client_key <> ''", name="some_key"),
        CheckConstraint("client_key <> '' OR blocked_until IS NULL", name="account_never_blocked"),
    )

    # '' (not NULL) for "any": part of the primary key, so one row per combination.
    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int]
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]
