"""The cross-tenant test matrix: every route that takes an object from the URL is listed here.

``tests/test_cross_tenant_matrix.py`` walks ``app.url_map`` and FAILS for every URL rule with
a variable (other than the ``<tenant>`` prefix) that is neither in ``REGISTRY`` nor in
``EXEMPT``, for every registered rule that no longer exists, and for every HTTP method of a
rule that its entry does not try. So when you add a route like
``/<tenant>/vacatures/<int:vacancy_id>`` or ``/api/v1/vacancies/<int:vacancy_id>``:

1. Write a builder ``def _vacancy(world, shared): ...`` that creates, inside the owner's tenant
   context (``tenant_context(world.tenants["owner"].id, user_id=...)``), one real object owned
   by tenant "owner" through your module's ``operations``, shares it with region A when
   ``shared`` is true (so "partner" can read it), commits, and returns a ``Target``:
   the path (keep the literal ``<tenant>`` segment: the runner puts in the viewer's slug),
   a ``secret`` that the object's pages show (e.g. its unique title) and that must never
   appear in a 404, and ``state``: a function that returns a snapshot of the object as the
   owner sees it (``owner_snapshot`` helps), used to prove foreign writes changed nothing.
2. Add ``REGISTRY["<the rule exactly as in url_map>"] = Entry(...)`` with every method of the
   rule, the role the viewers act with (use a role that may use the page in its own tenant:
   the matrix checks tenant isolation, not role checks), ``shared_reads`` (the methods a
   partner may use on an object shared with it, usually ``("GET",)``; writes never),
   ``per_user=True`` for objects of one user (another user of the same tenant gets 404),
   request bodies for the write methods, and the owner's expected status per method.
3. Only when the variable is not a tenant object (a static file name, a language code, a
   single-use e-mail token, public branding) add the rule to ``EXEMPT`` with the reason.

Every case then runs as owner (allowed), partner (404; 200 only for ``shared_reads`` on a
shared object), outsider (another region), former (left the region) and, for per-user
objects, a colleague; foreign viewers also try the owner's slug in the URL. A 404 must not
contain the secret, and a refused write must leave ``state()`` unchanged.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from portal.auth.models import ApiToken, User
from portal.auth.operations import create_api_token, create_user
from portal.core.notifications import Notification
from portal.dashboard.models import Announcement
from portal.dashboard.operations import create_announcement
from portal.extensions import db
from tenants.context import tenant_context
from tenants.sharing import set_audience

# -- helpers shared by the tenancy, sharing and matrix tests -----------------------------------


def secret(label: str) -> str:
    """Return a text unique to this test run that only the object's readers may see."""
    return f"{label} {uuid.uuid4().hex[:10]}"


def announce(
    world: Any,
    title: str,
    *,
    tenant: str = "owner",
    audience: str = "own",
    partners: tuple[str, ...] = (),
    region: str = "a",
    publish: bool = True,
    expires_at: datetime | None = None,
) -> int:
    """Create and commit an announcement of ``tenant`` through the real operation; return its id."""
    author = world.user(tenant, "ad")
    with tenant_context(author.tenant_id, user_id=author.id):
        data: dict[str, Any] = {"title": title, "publish": publish}
        if expires_at is None:
            data["audience"] = audience
            if audience == "region":
                data["region_id"] = world.regions[region].id
            if audience == "partners":
                data["partner_ids"] = [world.tenants[p].id for p in partners]
        obj = create_announcement(data, author_id=author.id)
        if expires_at is not None:
            set_audience(obj, "partners", partner_ids=[world.tenants[p].id for p in partners], expires_at=expires_at)
        db.session.commit()
        return obj.id


def owner_snapshot(world: Any, build: Callable[[], Any], tenant: str = "owner") -> Callable[[], Any]:
    """Return a function that evaluates ``build`` (a query) as the owner tenant sees the data."""

    def snapshot() -> Any:
        with tenant_context(world.tenants[tenant].id):
            db.session.expire_all()
            return build()

    return snapshot


def token_headers(user: Any) -> dict[str, str]:
    """Create a personal API token for ``user``; return the request headers that use it."""
    with tenant_context(user.tenant_id, user_id=user.id):
        _token, raw = create_api_token(user, "t")
        db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


# -- the registry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One object owned by tenant "owner", as a route reaches it."""

    path: str  # with the literal "<tenant>" segment where the slug goes
    secret: str  # shown on the object's pages; never in a 404
    state: Callable[[], Any]  # snapshot as the owner sees it


@dataclass(frozen=True)
class Entry:
    """How the matrix exercises one URL rule."""

    build: Callable[[Any, bool], Target]  # (world, shared with region A?) -> Target
    methods: tuple[str, ...]
    role: str = "ad"  # every viewer acts with this role of its own tenant
    shareable: bool = False  # the object can be shared with a partner
    shared_reads: tuple[str, ...] = ()  # methods a partner may use once it is shared
    per_user: bool = False  # belongs to one user: a colleague in the same tenant gets 404
    colleague_role: str = "dienst"
    data: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # body per write method
    owner_status: Mapping[str, int] = field(
        default_factory=lambda: {"GET": 200, "POST": 302, "PATCH": 200, "PUT": 200, "DELETE": 204}
    )


def _announcement(world: Any, shared: bool, route: str) -> Target:
    title = secret("Matrixmededeling")
    ann_id = announce(world, title, audience="region" if shared else "own")

    def read() -> Any:
        row = db.session.execute(
            select(Announcement.title, Announcement.audience, Announcement.region_id).where(Announcement.id == ann_id)
        ).one_or_none()
        return None if row is None else tuple(row)

    return Target(path=route.format(id=ann_id), secret=title, state=owner_snapshot(world, read))


def _notification(world: Any, shared: bool) -> Target:
    title = secret("Matrixmelding")
    user = world.user("owner", "ad")
    with tenant_context(user.tenant_id, user_id=user.id):
        note = Notification(user_id=user.id, source_tenant_id=user.tenant_id, category="general", title=title)
        db.session.add(note)
        db.session.commit()
        note_id = note.id
    return Target(
        path=f"/<tenant>/meldingen/{note_id}",
        secret=title,
        state=owner_snapshot(
            world, lambda: db.session.scalar(select(Notification.read_at).where(Notification.id == note_id))
        ),
    )


def _api_token(world: Any, shared: bool) -> Target:
    name = secret("Matrixtoken")
    user = world.user("owner", "ad")
    with tenant_context(user.tenant_id, user_id=user.id):
        token, _raw = create_api_token(user, name)
        db.session.commit()
        token_id = token.id
    return Target(
        path=f"/<tenant>/account/tokens/{token_id}/intrekken",
        secret=name,
        state=owner_snapshot(
            world, lambda: db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == token_id))
        ),
    )


def _tenant_user(world: Any, shared: bool) -> Target:
    name = secret("Matrixmedewerker")
    admin = world.user("owner", "beheerder")
    with tenant_context(admin.tenant_id, user_id=admin.id):
        user = create_user(
            world.tenants["owner"],
            email=f"{name.split()[-1]}@owner.test",
            full_name=name,
            roles=["dienstmedewerker"],
        )
        db.session.commit()
        user_id = user.id
    return Target(
        path=f"/<tenant>/beheer/gebruikers/{user_id}",
        secret=name,
        state=owner_snapshot(
            world, lambda: db.session.execute(select(User.is_active, User.full_name).where(User.id == user_id)).one()
        ),
    )


REGISTRY: dict[str, Entry] = {
    "/<tenant>/mededelingen/<int:announcement_id>": Entry(
        build=lambda world, shared: _announcement(world, shared, "/<tenant>/mededelingen/{id}"),
        methods=("GET",),
        shareable=True,
        shared_reads=("GET",),
    ),
    "/<tenant>/mededelingen/<int:announcement_id>/bewerken": Entry(
        build=lambda world, shared: _announcement(world, shared, "/<tenant>/mededelingen/{id}/bewerken"),
        methods=("GET", "POST"),
        shareable=True,
        data={"POST": {"title": "Gewijzigd door de matrix", "audience": "own", "publish": "1"}},
    ),
    "/<tenant>/mededelingen/<int:announcement_id>/verwijderen": Entry(
        build=lambda world, shared: _announcement(world, shared, "/<tenant>/mededelingen/{id}/verwijderen"),
        methods=("POST",),
        shareable=True,
    ),
    "/api/v1/announcements/<int:announcement_id>": Entry(
        build=lambda world, shared: _announcement(world, shared, "/api/v1/announcements/{id}"),
        methods=("GET", "PATCH", "DELETE"),
        shareable=True,
        shared_reads=("GET",),
        data={"PATCH": {"title": "Gewijzigd via de API"}},
    ),
    "/<tenant>/meldingen/<int:notification_id>": Entry(
        build=_notification,
        methods=("POST",),
        per_user=True,
    ),
    "/<tenant>/account/tokens/<int:token_id>/intrekken": Entry(
        build=_api_token,
        methods=("POST",),
        per_user=True,
    ),
    "/<tenant>/beheer/gebruikers/<int:user_id>": Entry(
        build=_tenant_user,
        methods=("GET", "POST"),
        role="beheerder",
        data={"POST": {"action": "disable"}},
    ),
}

#: Rules with a URL variable that is not a tenant object, each with the reason.
EXEMPT: dict[str, str] = {
    "/static/<path:filename>": "vendored CSS/JS/fonts, the same for every visitor; no tenant data",
    "/taal/<code>": "a language code (nl_BE/en) stored in the own session; not an object",
    "/wachtwoord-herstellen/<token>": "the single-use e-mailed secret is itself the authorisation; no object id "
    "(unknown, used and expired tokens are covered by tests/test_auth.py)",
    "/uitnodiging/<token>": "the single-use invitation secret is itself the authorisation; no object id "
    "(covered by tests/test_auth.py)",
    "/branding/<slug>.css": "public branding: only the tenant's colour, needed on the login page before sign-in",
}

VIEWERS = ("owner", "partner", "outsider", "former")
_VARIABLE = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_]+)>")


def pretty(rule: str) -> str:
    """Return the rule with object ids shortened: /<tenant>/mededelingen/<id>."""
    return _VARIABLE.sub(lambda m: "<id>" if m.group(1).endswith("_id") else f"<{m.group(1)}>", rule)
