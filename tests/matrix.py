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

import io
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
from tests import clock

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
    body: bytes | None = None  # a served file that cannot carry the secret (a re-encoded image): its exact bytes


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


# -- agreements --------------------------------------------------------------------------------

from datetime import date as _date  # noqa: E402

from portal.agreements import operations as agreement_ops  # noqa: E402
from portal.agreements.models import (  # noqa: E402
    Agreement,
    AgreementApproval,
    AgreementAttachment,
    Evaluation,
    InformalCooperation,
)
from tenants.operations import add_member, create_tenant  # noqa: E402


def third_party(world: Any) -> Any:
    """Add a third current member to region A (beside owner and partner) with an AD; return it."""
    from portal.auth.operations import create_user
    from tests.conftest import PASSWORD

    slug = f"derde-{uuid.uuid4().hex[:8]}"
    with tenant_context(None, is_platform=True):
        tenant = create_tenant(f"Gemeente {slug}", slug=slug)
        add_member(world.regions["a"], tenant, _date(2023, 1, 1))
        create_user(
            tenant, email=f"ad@{slug}.test", full_name=f"ad {slug}", roles=["algemeen_directeur"], password=PASSWORD
        )
        db.session.commit()
    return tenant


def make_agreement(
    world: Any,
    title: str,
    *,
    parties: tuple[Any, ...] = (),
    status: str = "ontwerp",
    domains: tuple[str, ...] = ("materieel",),
    region_visible: bool = False,
    **extra: Any,
) -> int:
    """Create an agreement of tenant "owner" with ``parties`` (tenants) and bring it to ``status``."""
    author = world.user("owner", "ad")
    party_tenants = list(parties) or [world.tenants["partner"]]
    with tenant_context(author.tenant_id, user_id=author.id):
        data = {
            "title": title,
            "legal_form": "overeenkomst",
            "domains": list(domains),
            "partner_ids": [t.id for t in party_tenants],
            "start_date": _date(2026, 1, 1),
            "text_html": f"<p>Tekst van {title}</p>",
            "region_id": world.regions["a"].id if region_visible else None,
            **extra,
        }
        agreement = agreement_ops.create_agreement(data)
        if status != "ontwerp":
            agreement_ops.submit(agreement)
        db.session.commit()
        agreement_id = agreement.id
    if status in ("actief", "te_evalueren"):
        for tenant in [world.tenants["owner"], *party_tenants]:
            approve(agreement_id, tenant)
    return agreement_id


def approve(agreement_id: int, tenant: Any, reference: str = "2026_GR_0001", decision: str = "goedgekeurd") -> None:
    """Record ``tenant``'s own approval of the proposed version."""
    with tenant_context(tenant.id):
        agreement = db.session.get(Agreement, agreement_id)
        agreement_ops.record_approval(
            agreement,
            {"body": "gemeenteraad", "decision": decision, "decided_on": _date(2026, 2, 1), "reference": reference},
        )
        db.session.commit()


def agreement_state(world: Any, agreement_id: int) -> Callable[[], Any]:
    """Snapshot an agreement as its owner sees it: status, versions, parties, decisions, evaluations."""

    def read() -> Any:
        agreement = db.session.get(Agreement, agreement_id)
        if agreement is None:
            return None
        decisions = db.session.scalars(
            select(AgreementApproval.id).where(AgreementApproval.agreement_id == agreement_id)
        ).all()
        evaluations = db.session.execute(
            select(Evaluation.id, Evaluation.status).where(Evaluation.agreement_id == agreement_id)
        ).all()
        attachments = db.session.scalars(
            select(AgreementAttachment.id).where(AgreementAttachment.agreement_id == agreement_id)
        ).all()
        return (
            agreement.title,
            agreement.status,
            agreement.current_version,
            agreement.proposed_version,
            len(agreement.versions),
            tuple((p.party_tenant_id, p.withdrawn_on) for p in agreement.parties),
            tuple(decisions),
            tuple(evaluations),
            tuple(attachments),
        )

    return owner_snapshot(world, read)


def _agreement(world: Any, shared: bool, route: str, status: str = "ontwerp") -> Target:
    title = secret("Matrixovereenkomst")
    parties = (world.tenants["partner"],) if shared else (third_party(world),)
    agreement_id = make_agreement(world, title, parties=parties, status=status)
    return Target(path=route.format(id=agreement_id), secret=title, state=agreement_state(world, agreement_id))


def _evaluation(world: Any, shared: bool, route: str) -> Target:
    target = _agreement(world, shared, "{id}", status="actief")
    agreement_id = int(target.path)
    recommendation = secret("Matrixaanbeveling")
    with tenant_context(world.tenants["owner"].id):
        evaluation = Evaluation(agreement_id=agreement_id, due_on=_date(2026, 6, 1), recommendation=recommendation)
        db.session.add(evaluation)
        db.session.commit()
        evaluation_id = evaluation.id
    return Target(
        path=route.format(id=agreement_id, evaluation_id=evaluation_id),
        secret=target.secret if route.startswith("/<tenant>") else recommendation,
        state=target.state,
    )


def _approvals(world: Any, shared: bool) -> Target:
    third = third_party(world)
    title = secret("Matrixbeslissing")
    agreement_id = make_agreement(world, title, parties=(third,), status="ter_goedkeuring")
    reference = secret("REF")
    approve(agreement_id, third, reference=reference)
    return Target(
        path=f"/api/v1/agreements/{agreement_id}/approvals",
        secret=reference,
        state=agreement_state(world, agreement_id),
    )


def _informal(world: Any, shared: bool) -> Target:
    note = secret("Matrixinformeel")
    author = world.user("owner", "ad")
    with tenant_context(author.tenant_id, user_id=author.id):
        informal = agreement_ops.record_informal(
            {"partner_tenant_id": world.tenants["partner"].id, "domain": "ict", "note": note}
        )
        if not shared:
            set_audience(informal, "own")
        db.session.commit()
        informal_id = informal.id
    return Target(
        path=f"/<tenant>/overeenkomsten/matrix/informeel/{informal_id}/verwijderen",
        secret=note,
        state=owner_snapshot(
            world,
            lambda: db.session.scalar(select(InformalCooperation.note).where(InformalCooperation.id == informal_id)),
        ),
    )


_DRAFT_FORM = {
    "title": "Gewijzigd door de matrix",
    "legal_form": "overeenkomst",
    "domains": "materieel",
    "start_date": "2026-01-01",
    "notice_months": "6",
    "evaluation_months": "12",
}


class _DraftForm(Mapping[str, Any]):
    """The edit form of a shared draft; the partner's id is only known once the world exists."""

    def _data(self) -> dict[str, Any]:
        from tenants.models import Tenant

        partner_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "partner"))
        return {**_DRAFT_FORM, "partner_ids": str(partner_id)}

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __iter__(self) -> Any:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())


_DECISION = {"body": "gemeenteraad", "decision": "goedgekeurd", "decided_on": "2026-02-01", "reference": "GR-1"}
_AG = "/<tenant>/overeenkomsten/{id}"
_SEE_OTHER = {"POST": 303}

REGISTRY.update(
    {
        "/<tenant>/overeenkomsten/<int:agreement_id>": Entry(
            build=lambda world, shared: _agreement(world, shared, _AG),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/overeenkomsten/<int:agreement_id>/bewerken": Entry(
            build=lambda world, shared: _agreement(world, shared, _AG + "/bewerken"),
            methods=("GET", "POST"),
            shareable=True,
            # The partner is a party of the shared draft: it reads the agreement, never edits it.
            data={"POST": _DraftForm()},
        ),
        "/<tenant>/overeenkomsten/<int:agreement_id>/voorleggen": Entry(
            build=lambda world, shared: _agreement(world, shared, _AG + "/voorleggen"),
            methods=("POST",),
            shareable=True,
            owner_status=_SEE_OTHER,
        ),
        "/<tenant>/overeenkomsten/<int:agreement_id>/beslissing": Entry(
            build=lambda world, shared: _agreement(world, shared, _AG + "/beslissing", "ter_goedkeuring"),
            methods=("POST",),
            data={"POST": _DECISION},
            owner_status=_SEE_OTHER,
        ),
        "/<tenant>/overeenkomsten/<int:agreement_id>/terugtrekken": Entry(
            build=lambda world, shared: _agreement(world, shared, _AG + "/terugtrekken", "ter_goedkeuring"),
            methods=("POST",),
            owner_status=_SEE_OTHER,
        ),
        "/<tenant>/overeenkomsten/<int:agreement_id>/beeindigen": Entry(
            build=lambda world, shared: _agreement(world, shared, _AG + "/beeindigen", "ter_goedkeuring"),
            methods=("POST",),
            shareable=True,
            owner_status=_SEE_OTHER,
        ),
        "/<tenant>/overeenkomsten/<int:agreement_id>/verwijderen": Entry(
            build=lambda world, shared: _agreement(world, shared, _AG + "/verwijderen"),
            methods=("POST",),
            shareable=True,
            owner_status=_SEE_OTHER,
        ),
        "/<tenant>/overeenkomsten/<int:agreement_id>/versies": Entry(
            build=lambda world, shared: _agreement(world, shared, _AG + "/versies", "actief"),
            methods=("POST",),
            shareable=True,
            data={"POST": {"text_html": "<p>Nieuwe tekst</p>", "change_note": "Bijgewerkte kostenverdeling"}},
            owner_status=_SEE_OTHER,
        ),
        "/<tenant>/overeenkomsten/<int:agreement_id>/versies/<int:number>": Entry(
            build=lambda world, shared: _agreement(world, shared, _AG + "/versies/1"),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/overeenkomsten/<int:agreement_id>/evaluaties/<int:evaluation_id>": Entry(
            build=lambda world, shared: _evaluation(world, shared, _AG + "/evaluaties/{evaluation_id}"),
            methods=("GET", "POST"),
            shareable=True,
            shared_reads=("GET",),
            data={
                "POST": {
                    "score-doelen": "4",
                    "score-kosten": "3",
                    "score-werking": "5",
                    "score-burger": "4",
                    "outcome": "voortzetten",
                }
            },
            owner_status={"GET": 200, "POST": 303},
        ),
        "/<tenant>/overeenkomsten/matrix/informeel/<int:informal_id>/verwijderen": Entry(
            build=_informal, methods=("POST",), shareable=True, owner_status=_SEE_OTHER
        ),
        "/api/v1/agreements/<int:agreement_id>": Entry(
            build=lambda world, shared: _agreement(world, shared, "/api/v1/agreements/{id}"),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        "/api/v1/agreements/<int:agreement_id>/approvals": Entry(
            build=_approvals,
            methods=("GET", "POST"),
            data={"POST": _DECISION},
            owner_status={"GET": 200, "POST": 201},
        ),
        "/api/v1/agreements/<int:agreement_id>/evaluations": Entry(
            build=lambda world, shared: _evaluation(world, shared, "/api/v1/agreements/{id}/evaluations"),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        "/api/v1/agreements/<int:agreement_id>/evaluations/<int:evaluation_id>": Entry(
            build=lambda world, shared: _evaluation(
                world, shared, "/api/v1/agreements/{id}/evaluations/{evaluation_id}"
            ),
            methods=("GET", "POST"),
            shareable=True,
            shared_reads=("GET",),
            data={
                "POST": {
                    "scores": {"doelen": 4, "kosten": 3, "werking": 5, "burger": 4},
                    "outcome": "voortzetten",
                }
            },
            owner_status={"GET": 200, "POST": 200},
        ),
        "/api/v1/agreements/<int:agreement_id>/submission": Entry(
            build=lambda world, shared: _agreement(world, shared, "/api/v1/agreements/{id}/submission"),
            methods=("POST",),
            shareable=True,
            owner_status={"POST": 200},
        ),
        "/api/v1/agreements/<int:agreement_id>/withdrawal": Entry(
            build=lambda world, shared: _agreement(world, shared, "/api/v1/agreements/{id}/withdrawal", "actief"),
            methods=("POST",),
            owner_status={"POST": 200},
        ),
    }
)
EXEMPT["/api/v1/agreements/matrix/<int:region_id>"] = (
    "a region id, not a tenant object: answered only to current members of that region "
    "(tests/test_agreements.py::test_matrix_api_only_for_current_members)"
)


def _attachment(world: Any, shared: bool) -> Target:
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    target = _agreement(world, shared, "{id}", status="ter_goedkeuring")
    agreement_id = int(target.path)
    with tenant_context(world.tenants["owner"].id):
        agreement = db.session.get(Agreement, agreement_id)
        upload = FileStorage(BytesIO(b"%PDF-1.7 " + target.secret.encode()), filename="bijlage.pdf")
        attachment = agreement_ops.add_attachment(agreement, upload)
        db.session.commit()
        attachment_id = attachment.id
    return Target(
        path=f"/<tenant>/overeenkomsten/{agreement_id}/bijlagen/{attachment_id}",
        secret=target.secret,
        state=target.state,
    )


def _pdf_upload() -> dict[str, Any]:
    from io import BytesIO

    return {"file": (BytesIO(b"%PDF-1.7 matrix"), "matrix.pdf"), "version": "1"}


class _Upload(Mapping[str, Any]):
    """A fresh multipart body per request (a file object is read once)."""

    def __getitem__(self, key: str) -> Any:
        return _pdf_upload()[key]

    def __iter__(self) -> Any:
        return iter(_pdf_upload())

    def __len__(self) -> int:
        return 2


REGISTRY.update(
    {
        "/<tenant>/overeenkomsten/<int:agreement_id>/bijlagen": Entry(
            build=lambda world, shared: _agreement(world, shared, _AG + "/bijlagen", "ter_goedkeuring"),
            methods=("POST",),
            shareable=True,
            data={"POST": _Upload()},
            owner_status=_SEE_OTHER,
        ),
        "/<tenant>/overeenkomsten/<int:agreement_id>/bijlagen/<int:attachment_id>": Entry(
            build=_attachment, methods=("GET",), shareable=True, shared_reads=("GET",)
        ),
    }
)

# -- end agreements --


# -- procurement --


def _proc_user(world: Any, tenant: str) -> Any:
    return world.user(tenant, "aankoper")


def _proc_dossier_id(world: Any, *, tenant: str = "owner", open_it: bool = True, title: str | None = None) -> int:
    from datetime import timedelta
    from decimal import Decimal

    from portal.procurement.operations import create_dossier, open_dossier

    user = _proc_user(world, tenant)
    with tenant_context(user.tenant_id, user_id=user.id):
        dossier = create_dossier(
            {
                "title": title or secret("Matrixdossier"),
                "cpv_code": "09310000-5",
                "legal_form": "opdrachtencentrale",
                "procedure": "openbare_procedure",
                "estimated_value": Decimal("100000"),
                "joining_deadline_on": clock.today() + timedelta(days=30),
                "lots": [{"title": "Perceel groene stroom", "unit": "MWh", "estimated_value": Decimal("50000")}],
            }
        )
        if open_it:
            open_dossier(dossier, world.regions["a"].id)
        db.session.commit()
        return dossier.id


def _proc_dossier(world: Any, shared: bool, route: str) -> Target:
    from portal.procurement.models import Dossier, Lot, Stage

    title = secret("Matrixdossier")
    dossier_id = _proc_dossier_id(world, open_it=shared, title=title)

    def read() -> Any:
        row = db.session.execute(
            select(Dossier.title, Dossier.status, Dossier.audience, Dossier.stage).where(Dossier.id == dossier_id)
        ).one_or_none()
        lots = db.session.execute(select(Lot.title, Lot.supplier_name).where(Lot.dossier_id == dossier_id)).all()
        stages = db.session.execute(
            select(Stage.stage, Stage.planned_on, Stage.actual_on).where(Stage.dossier_id == dossier_id)
        ).all()
        return (None if row is None else tuple(row), sorted(map(tuple, lots)), sorted(map(tuple, stages), key=str))

    return Target(path=route.format(id=dossier_id), secret=title, state=owner_snapshot(world, read))


def _proc_lot(world: Any, shared: bool, route: str) -> Target:
    from portal.procurement.models import Dossier, Lot

    title = secret("Matrixdossier")
    dossier_id = _proc_dossier_id(world, open_it=shared, title=title)
    with tenant_context(world.tenants["owner"].id):
        lot_id = db.session.scalar(select(Lot.id).join(Dossier).where(Lot.dossier_id == dossier_id))

    def read() -> Any:
        return db.session.execute(select(Lot.supplier_name, Lot.awarded_value).where(Lot.id == lot_id)).one_or_none()

    return Target(path=route.format(id=lot_id), secret=title, state=owner_snapshot(world, read))


def _proc_plan(world: Any, shared: bool, route: str) -> Target:
    from datetime import timedelta
    from decimal import Decimal

    from portal.procurement.models import PurchasePlan
    from portal.procurement.operations import create_plan

    subject = secret("Matrixplan")
    user = _proc_user(world, "owner")
    with tenant_context(user.tenant_id, user_id=user.id):
        plan = create_plan(
            {
                "subject": subject,
                "cpv_code": "30200000-1",
                "estimated_value": Decimal("25000"),
                "expected_from_on": clock.today(),
                "expected_until_on": clock.today() + timedelta(days=200),
                "region_id": world.regions["a"].id if shared else None,
            }
        )
        db.session.commit()
        plan_id = plan.id

    def read() -> Any:
        row = db.session.execute(
            select(PurchasePlan.subject, PurchasePlan.estimated_value).where(PurchasePlan.id == plan_id)
        ).one_or_none()
        return None if row is None else tuple(row)

    return Target(path=route.format(id=plan_id), secret=subject, state=owner_snapshot(world, read))


def _proc_participation(world: Any, shared: bool, route: str) -> Target:
    from portal.procurement.models import Dossier, Participation
    from portal.procurement.operations import join

    title = secret("Matrixdeelname")
    # Tenant "owner" participates in a dossier led by "partner": the participation is owner's row.
    dossier_id = _proc_dossier_id(world, tenant="partner", title=title)
    user = _proc_user(world, "owner")
    with tenant_context(user.tenant_id, user_id=user.id):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        part = join(dossier, {"contact_name": title})
        db.session.commit()
        part_id = part.id

    def read() -> Any:
        row = db.session.execute(
            select(Participation.status, Participation.mandate_reference, Participation.contact_name).where(
                Participation.id == part_id
            )
        ).one_or_none()
        return None if row is None else tuple(row)

    return Target(path=route.format(id=part_id), secret=title, state=owner_snapshot(world, read))


def _proc_document(world: Any, shared: bool, route: str) -> Target:
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from portal.procurement.models import Document, Dossier
    from portal.procurement.operations import add_document

    title = secret("Matrixbestek")
    dossier_id = _proc_dossier_id(world, open_it=shared, title=title)
    user = _proc_user(world, "owner")
    with tenant_context(user.tenant_id, user_id=user.id):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        upload = FileStorage(BytesIO(b"%PDF-1.7 " + title.encode()), filename="bestek.pdf")
        doc = add_document(dossier, upload, {"kind": "bestek", "title": title}, "Matrix")
        db.session.commit()
        doc_id = doc.id

    def read() -> Any:
        row = db.session.execute(
            select(Document.title, Document.audience, Document.region_id).where(Document.id == doc_id)
        ).one_or_none()
        return None if row is None else tuple(row)

    return Target(path=route.format(id=doc_id, dossier=dossier_id), secret=title, state=owner_snapshot(world, read))


_AWARD = {"supplier_name": "Matrix nv", "supplier_kbo": "BE 0207.437.468", "awarded_value": "40000"}
_MANDATE = {"mandate_body": "college", "mandate_on": "2026-01-05", "mandate_reference": "CBS-2026-01"}

REGISTRY.update(
    {
        "/<tenant>/aankoop/planning/<int:plan_id>/verwijderen": Entry(
            build=lambda w, s: _proc_plan(w, s, "/<tenant>/aankoop/planning/{id}/verwijderen"),
            methods=("POST",),
            role="aankoper",
            shareable=True,
        ),
        "/<tenant>/aankoop/dossiers/<int:dossier_id>": Entry(
            build=lambda w, s: _proc_dossier(w, s, "/<tenant>/aankoop/dossiers/{id}"),
            methods=("GET",),
            role="aankoper",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/aankoop/dossiers/<int:dossier_id>/bewerken": Entry(
            build=lambda w, s: _proc_dossier(w, s, "/<tenant>/aankoop/dossiers/{id}/bewerken"),
            methods=("GET", "POST"),
            role="aankoper",
            shareable=True,
            data={
                "POST": {
                    "title": "Gewijzigd door de matrix",
                    "cpv_code": "09310000-5",
                    "legal_form": "opdrachtencentrale",
                    "procedure": "openbare_procedure",
                    "estimated_value": "100000",
                }
            },
        ),
        "/<tenant>/aankoop/dossiers/<int:dossier_id>/openen": Entry(
            build=lambda w, s: _proc_dossier(w, False, "/<tenant>/aankoop/dossiers/{id}/openen"),
            methods=("POST",),
            role="aankoper",
        ),
        "/<tenant>/aankoop/dossiers/<int:dossier_id>/percelen": Entry(
            build=lambda w, s: _proc_dossier(w, s, "/<tenant>/aankoop/dossiers/{id}/percelen"),
            methods=("POST",),
            role="aankoper",
            shareable=True,
            data={"POST": {"title": "Perceel van de matrix", "unit": "stuk", "estimated_value": "10"}},
        ),
        "/<tenant>/aankoop/dossiers/<int:dossier_id>/fasen": Entry(
            build=lambda w, s: _proc_dossier(w, s, "/<tenant>/aankoop/dossiers/{id}/fasen"),
            methods=("POST",),
            role="aankoper",
            shareable=True,
            data={"POST": {"stage": "marktverkenning", "planned_on": "2026-02-01"}},
        ),
        # The xlsx variant of this rule answers through the same view (see test_procurement_flow).
        "/<tenant>/aankoop/dossiers/<int:dossier_id>/behoeften.<any(csv, xlsx):fmt>": Entry(
            build=lambda w, s: _proc_dossier(w, s, "/<tenant>/aankoop/dossiers/{id}/behoeften.csv"),
            methods=("GET",),
            role="aankoper",
            shareable=True,
        ),
        "/<tenant>/aankoop/percelen/<int:lot_id>/gunnen": Entry(
            build=lambda w, s: _proc_lot(w, s, "/<tenant>/aankoop/percelen/{id}/gunnen"),
            methods=("POST",),
            role="aankoper",
            shareable=True,
            data={"POST": _AWARD},
        ),
        "/<tenant>/aankoop/documenten/<int:document_id>": Entry(
            build=lambda w, s: _proc_document(w, s, "/<tenant>/aankoop/documenten/{id}"),
            methods=("GET",),
            role="aankoper",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/aankoop/documenten/<int:document_id>/verwijderen": Entry(
            build=lambda w, s: _proc_document(w, s, "/<tenant>/aankoop/documenten/{id}/verwijderen"),
            methods=("POST",),
            role="aankoper",
            shareable=True,
        ),
        "/<tenant>/aankoop/deelnames/<int:participation_id>/intrekken": Entry(
            build=lambda w, s: _proc_participation(w, s, "/<tenant>/aankoop/deelnames/{id}/intrekken"),
            methods=("POST",),
            role="aankoper",
        ),
        "/api/v1/procurement/plans/<int:plan_id>": Entry(
            build=lambda w, s: _proc_plan(w, s, "/api/v1/procurement/plans/{id}"),
            methods=("GET", "PATCH", "DELETE"),
            role="aankoper",
            shareable=True,
            shared_reads=("GET",),
            data={"PATCH": {"estimated_value": "99999"}},
        ),
        "/api/v1/procurement/dossiers/<int:dossier_id>": Entry(
            build=lambda w, s: _proc_dossier(w, s, "/api/v1/procurement/dossiers/{id}"),
            methods=("GET", "PATCH"),
            role="aankoper",
            shareable=True,
            shared_reads=("GET",),
            data={"PATCH": {"title": "Gewijzigd via de API"}},
        ),
        "/api/v1/procurement/dossiers/<int:dossier_id>/open": Entry(
            build=lambda w, s: _proc_dossier(w, False, "/api/v1/procurement/dossiers/{id}/open"),
            methods=("POST",),
            role="aankoper",
            owner_status={"POST": 200},
        ),
        "/api/v1/procurement/dossiers/<int:dossier_id>/lots": Entry(
            build=lambda w, s: _proc_dossier(w, s, "/api/v1/procurement/dossiers/{id}/lots"),
            methods=("POST",),
            role="aankoper",
            shareable=True,
            data={"POST": {"title": "Perceel via de API", "unit": "stuk"}},
            owner_status={"POST": 201},
        ),
        "/api/v1/procurement/dossiers/<int:dossier_id>/stages": Entry(
            build=lambda w, s: _proc_dossier(w, s, "/api/v1/procurement/dossiers/{id}/stages"),
            methods=("PUT",),
            role="aankoper",
            shareable=True,
            data={"PUT": {"stage": "bestek", "planned_on": "2026-03-01"}},
        ),
        "/api/v1/procurement/dossiers/<int:dossier_id>/needs": Entry(
            build=lambda w, s: _proc_dossier(w, s, "/api/v1/procurement/dossiers/{id}/needs"),
            methods=("GET",),
            role="aankoper",
            shareable=True,
        ),
        "/api/v1/procurement/dossiers/<int:dossier_id>/savings": Entry(
            build=lambda w, s: _proc_dossier(w, s, "/api/v1/procurement/dossiers/{id}/savings"),
            methods=("GET",),
            role="aankoper",
            shareable=True,
        ),
        "/api/v1/procurement/dossiers/<int:dossier_id>/documents": Entry(
            build=lambda w, s: _proc_document(w, s, "/api/v1/procurement/dossiers/{dossier}/documents"),
            methods=("GET",),
            role="aankoper",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/api/v1/procurement/lots/<int:lot_id>/award": Entry(
            build=lambda w, s: _proc_lot(w, s, "/api/v1/procurement/lots/{id}/award"),
            methods=("POST",),
            role="aankoper",
            shareable=True,
            data={"POST": _AWARD},
            owner_status={"POST": 200},
        ),
        "/api/v1/procurement/participations/<int:participation_id>": Entry(
            build=lambda w, s: _proc_participation(w, s, "/api/v1/procurement/participations/{id}"),
            methods=("GET", "PATCH", "DELETE"),
            role="aankoper",
            data={"PATCH": _MANDATE},
        ),
    }
)

# -- end procurement --


# -- hr --
def _hr_vacancy_id(world: Any, shared: bool, title: str, *, publish: bool = True) -> int:
    from portal.hr.operations import change_vacancy_status, create_vacancy

    hr = world.user("owner", "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        data: dict[str, Any] = {"title": title, "grade": "B1", "deadline_on": clock.today() + timedelta(days=30)}
        if shared:
            data.update(kind="intern", audience="region", region_id=world.regions["a"].id)
        obj = create_vacancy(data, author_id=hr.id)
        if publish:
            change_vacancy_status(obj, "gepubliceerd")
        db.session.commit()
        return obj.id


def _hr_vacancy(world: Any, shared: bool, route: str) -> Target:
    from portal.hr.models import Application, Vacancy

    title = secret("Matrixvacature")
    vacancy_id = _hr_vacancy_id(world, shared, title)

    def read() -> Any:
        row = db.session.execute(
            select(Vacancy.title, Vacancy.status, Vacancy.audience).where(Vacancy.id == vacancy_id)
        ).one_or_none()
        apps = db.session.scalars(select(Application.id).where(Application.vacancy_id == vacancy_id)).all()
        return None if row is None else (*row, len(apps))

    return Target(path=route.format(id=vacancy_id), secret=title, state=owner_snapshot(world, read))


def _hr_public(world: Any, shared: bool, route: str) -> Target:
    from portal.hr.models import Application

    title = secret("Matrixconcept")
    vacancy_id = _hr_vacancy_id(world, False, title, publish=False)
    return Target(
        path=route.format(id=vacancy_id),
        secret=title,
        state=owner_snapshot(world, lambda: len(db.session.scalars(select(Application.id)).all())),
    )


def _hr_application(world: Any, shared: bool, route: str) -> Target:
    from portal.hr.models import Application, Vacancy
    from portal.hr.operations import submit_public_application

    name = secret("Matrixkandidaat")
    vacancy_id = _hr_vacancy_id(world, False, secret("Matrixvacature"))
    with tenant_context(world.tenants["owner"].id):
        vacancy = db.session.scalar(select(Vacancy).where(Vacancy.id == vacancy_id))
        app = submit_public_application(
            vacancy,
            {"full_name": name, "email": "kandidaat@example.org", "consent": True},
            ("cv.pdf", f"%PDF-1.4 {name}".encode()),
        )
        db.session.commit()
        app_id = app.id
    return Target(
        path=route.format(id=app_id, vacancy=vacancy_id),
        secret=name,
        state=owner_snapshot(
            world, lambda: db.session.scalar(select(Application.status).where(Application.id == app_id))
        ),
    )


def _hr_receipt(world: Any, shared: bool, route: str) -> Target:
    from portal.hr.models import ApplicationReceipt, Vacancy
    from portal.hr.operations import submit_internal_application

    title = secret("Matrixmobiliteit")
    vacancy_id = _hr_vacancy_id(world, True, title)
    candidate = world.user("owner", "dienst")
    with tenant_context(candidate.tenant_id, user_id=candidate.id):
        vacancy = db.session.scalar(select(Vacancy).where(Vacancy.id == vacancy_id))
        receipt = submit_internal_application(vacancy, candidate, {"consent": True})
        db.session.commit()
        receipt_id = receipt.id
    return Target(
        path=route.format(id=receipt_id),
        secret=title,
        state=owner_snapshot(
            world, lambda: db.session.scalar(select(ApplicationReceipt.id).where(ApplicationReceipt.id == receipt_id))
        ),
    )


_HR_FORM = {"title": "Gewijzigd door de matrix", "grade": "B2", "kind": "extern", "audience": "own",
            "deadline_on": (clock.today() + timedelta(days=40)).isoformat(), "percentage": "80"}  # fmt: skip
_NOT_PUBLIC = {"GET": 404, "POST": 404}

REGISTRY.update(
    {
        "/<tenant>/hr/vacatures/<int:vacancy_id>": Entry(
            build=lambda w, s: _hr_vacancy(w, s, "/<tenant>/hr/vacatures/{id}"),
            methods=("GET",),
            role="hr",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/hr/vacatures/<int:vacancy_id>/bewerken": Entry(
            build=lambda w, s: _hr_vacancy(w, s, "/<tenant>/hr/vacatures/{id}/bewerken"),
            methods=("GET", "POST"),
            role="hr",
            shareable=True,
            data={"POST": _HR_FORM},
        ),
        "/<tenant>/hr/vacatures/<int:vacancy_id>/status": Entry(
            build=lambda w, s: _hr_vacancy(w, s, "/<tenant>/hr/vacatures/{id}/status"),
            methods=("POST",),
            role="hr",
            shareable=True,
            data={"POST": {"status": "afgesloten"}},
        ),
        # Applying is the one write a partner makes on a shared vacancy: it files a row with the owner.
        "/<tenant>/hr/vacatures/<int:vacancy_id>/solliciteren": Entry(
            build=lambda w, s: _hr_vacancy(w, s, "/<tenant>/hr/vacatures/{id}/solliciteren"),
            methods=("GET", "POST"),
            role="dienst",
            shareable=True,
            shared_reads=("GET", "POST"),
            data={"POST": {"motivation": "Matrix", "consent": "1"}},
            owner_status={"GET": 200, "POST": 200},
        ),
        "/<tenant>/hr/sollicitaties/<int:application_id>": Entry(
            build=lambda w, s: _hr_application(w, s, "/<tenant>/hr/sollicitaties/{id}"),
            methods=("GET", "POST"),
            role="hr",
            per_user=True,
            data={"POST": {"status": "screening"}},
        ),
        "/<tenant>/hr/sollicitaties/<int:application_id>/cv": Entry(
            build=lambda w, s: _hr_application(w, s, "/<tenant>/hr/sollicitaties/{id}/cv"),
            methods=("GET",),
            role="hr",
            per_user=True,
        ),
        "/<tenant>/hr/sollicitaties/<int:application_id>/export": Entry(
            build=lambda w, s: _hr_application(w, s, "/<tenant>/hr/sollicitaties/{id}/export"),
            methods=("GET",),
            role="hr",
            per_user=True,
        ),
        "/<tenant>/hr/mijn-sollicitaties/<int:receipt_id>": Entry(
            build=lambda w, s: _hr_receipt(w, s, "/<tenant>/hr/mijn-sollicitaties/{id}"),
            methods=("GET",),
            role="dienst",
            per_user=True,
            colleague_role="hr",
        ),
        "/<tenant>/hr/mijn-sollicitaties/<int:receipt_id>/export": Entry(
            build=lambda w, s: _hr_receipt(w, s, "/<tenant>/hr/mijn-sollicitaties/{id}/export"),
            methods=("GET",),
            role="dienst",
            per_user=True,
            colleague_role="hr",
        ),
        "/api/v1/vacancies/<int:vacancy_id>": Entry(
            build=lambda w, s: _hr_vacancy(w, s, "/api/v1/vacancies/{id}"),
            methods=("GET", "PATCH"),
            role="hr",
            shareable=True,
            shared_reads=("GET",),
            data={"PATCH": {"title": "Gewijzigd via de API"}},
        ),
        "/api/v1/vacancies/<int:vacancy_id>/status": Entry(
            build=lambda w, s: _hr_vacancy(w, s, "/api/v1/vacancies/{id}/status"),
            methods=("POST",),
            role="hr",
            shareable=True,
            data={"POST": {"status": "afgesloten"}},
            owner_status={"POST": 200},
        ),
        "/api/v1/vacancies/<int:vacancy_id>/applications": Entry(
            build=lambda w, s: _hr_application(w, s, "/api/v1/vacancies/{vacancy}/applications"),
            methods=("GET",),
            role="hr",
            per_user=True,
        ),
        "/api/v1/applications/<int:application_id>": Entry(
            build=lambda w, s: _hr_application(w, s, "/api/v1/applications/{id}"),
            methods=("GET", "PATCH"),
            role="hr",
            per_user=True,
            data={"PATCH": {"status": "screening"}},
        ),
        # Public job pages: a concept (or another municipality's) vacancy is 404 for everyone.
        "/werken-bij/<slug>/<int:vacancy_id>": Entry(
            build=lambda w, s: _hr_public(w, s, "/werken-bij/<tenant>/{id}"),
            methods=("GET",),
            owner_status=_NOT_PUBLIC,
        ),
        "/werken-bij/<slug>/<int:vacancy_id>/solliciteren": Entry(
            build=lambda w, s: _hr_public(w, s, "/werken-bij/<tenant>/{id}/solliciteren"),
            methods=("GET", "POST"),
            data={"POST": {"full_name": "Matrix", "email": "m@example.org", "consent": "1"}},
            owner_status=_NOT_PUBLIC,
        ),
        "/werken-bij/<slug>/<int:vacancy_id>/bedankt": Entry(
            build=lambda w, s: _hr_public(w, s, "/werken-bij/<tenant>/{id}/bedankt"),
            methods=("GET",),
            owner_status=_NOT_PUBLIC,
        ),
    }
)
EXEMPT.update(
    {
        "/werken-bij/<slug>": "public job page: a municipality's published external vacancies, public by design; "
        "what it lists is tested in tests/test_hr.py",
        "/werken-bij/<slug>/feed.atom": "public Atom feed of the same published external vacancies (tests/test_hr.py)",
        "/werken-bij/<slug>/feed.json": "public JSON feed of the same published external vacancies (tests/test_hr.py)",
        "/werken-in-de-regio/<region_slug>": "public regional job page: the members' published external vacancies, "
        "each read in its member's context; region slugs are public (tests/test_hr.py)",
        "/werken-in-de-regio/<region_slug>/feed.json": "public JSON feed of the regional job page (tests/test_hr.py)",
    }
)


def _hr_sharing(world: Any, shared: bool, route: str, *, host_side: bool) -> Target:
    """A terbeschikkingstelling: "owner" is the home (its StaffSharing) or the host (its approval row)."""
    from portal.hr.models import StaffSharing, StaffSharingApproval
    from portal.hr.operations import create_staff_sharing

    name = secret("Matrixmedewerker")
    home, host = ("partner", "owner") if host_side else ("owner", "partner")
    hr = world.user(home, "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        row = create_staff_sharing(
            {"host_tenant_id": world.tenants[host].id, "employee_name": name, "job_title": "", "share_percent": 30,
             "starts_on": clock.today(), "ends_on": clock.today() + timedelta(days=60), "host_cost_percent": 50,
             "note": ""},
            user=hr,
        )  # fmt: skip
        db.session.commit()
        row_id = row.approval_id if host_side else row.id
    model: Any = StaffSharingApproval if host_side else StaffSharing
    return Target(
        path=route.format(id=row_id),
        secret=name,
        state=owner_snapshot(
            world,
            lambda: db.session.execute(
                select(model.status, model.home_decision, model.host_decision).where(model.id == row_id)
            ).one_or_none(),
        ),
    )


_DECIDE = {"decision": "goedgekeurd"}
_TBS = "/<tenant>/hr/terbeschikkingstellingen"
REGISTRY.update(
    {
        "/<tenant>/hr/terbeschikkingstellingen/<int:sharing_id>": Entry(
            build=lambda w, s: _hr_sharing(w, s, "/<tenant>/hr/terbeschikkingstellingen/{id}", host_side=False),
            methods=("GET", "POST"),
            data={"POST": _DECIDE},
        ),
        "/<tenant>/hr/terbeschikkingstellingen/ontvangen/<int:approval_id>": Entry(
            build=lambda w, s: _hr_sharing(w, s, _TBS + "/ontvangen/{id}", host_side=True),
            methods=("GET", "POST"),
            data={"POST": _DECIDE},
        ),
        "/api/v1/staff-sharings/<int:sharing_id>": Entry(
            build=lambda w, s: _hr_sharing(w, s, "/api/v1/staff-sharings/{id}", host_side=False),
            methods=("GET",),
        ),
        "/api/v1/staff-sharings/<int:sharing_id>/decision": Entry(
            build=lambda w, s: _hr_sharing(w, s, "/api/v1/staff-sharings/{id}/decision", host_side=False),
            methods=("POST",),
            data={"POST": _DECIDE},
            owner_status={"POST": 200},
        ),
        "/api/v1/staff-sharing-approvals/<int:approval_id>": Entry(
            build=lambda w, s: _hr_sharing(w, s, "/api/v1/staff-sharing-approvals/{id}", host_side=True),
            methods=("GET",),
        ),
        "/api/v1/staff-sharing-approvals/<int:approval_id>/decision": Entry(
            build=lambda w, s: _hr_sharing(w, s, "/api/v1/staff-sharing-approvals/{id}/decision", host_side=True),
            methods=("POST",),
            data={"POST": _DECIDE},
            owner_status={"POST": 200},
        ),
    }
)


def _hr_training_id(world: Any, shared: bool, title: str) -> int:
    from datetime import time as _time

    from portal.hr.operations import create_training

    hr = world.user("owner", "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        data: dict[str, Any] = {"title": title, "organiser": "Matrix", "location": "Zaal", "seats": 5,
                                "sessions": [{"day": clock.today() + timedelta(days=10), "starts": _time(9),
                                              "ends": _time(12)}]}  # fmt: skip
        if shared:
            data.update(audience="region", region_id=world.regions["a"].id)
        obj = create_training(data, author_id=hr.id)
        db.session.commit()
        return obj.id


def _hr_training(world: Any, shared: bool, route: str) -> Target:
    from portal.hr.models import Enrolment, Training

    title = secret("Matrixvorming")
    training_id = _hr_training_id(world, shared, title)

    def read() -> Any:
        row = db.session.execute(
            select(Training.status, Training.seats, Training.attendance_saved_at).where(Training.id == training_id)
        ).one_or_none()
        return None if row is None else tuple(row)

    def enrolments() -> Any:
        return len(db.session.scalars(select(Enrolment.id).where(Enrolment.training_id == training_id)).all())

    # An enrolment is the enrolling tenant's own row: count them in the owner's and the partner's tenant.
    snapshots = [owner_snapshot(world, read), *(owner_snapshot(world, enrolments, t) for t in ("owner", "partner"))]
    return Target(path=route.format(id=training_id), secret=title, state=lambda: [s() for s in snapshots])


def _hr_enrolment(world: Any, shared: bool, route: str) -> Target:
    from portal.hr.models import Enrolment, Training
    from portal.hr.operations import enrol

    title = secret("Matrixinschrijving")
    training_id = _hr_training_id(world, False, title)
    user = world.user("owner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        row = enrol(db.session.get(Training, training_id), user)
        db.session.commit()
        enrolment_id = row.id
    return Target(
        path=route.format(id=enrolment_id),
        secret=title,
        state=owner_snapshot(
            world, lambda: db.session.scalar(select(Enrolment.status).where(Enrolment.id == enrolment_id))
        ),
    )


_VF = "/<tenant>/hr/vormingen"
REGISTRY.update(
    {
        "/<tenant>/hr/vormingen/<int:training_id>": Entry(
            build=lambda w, s: _hr_training(w, s, _VF + "/{id}"),
            methods=("GET",),
            role="dienst",
            shareable=True,
            shared_reads=("GET",),
        ),
        # Enrolling is the write a partner makes on a shared training: it files a row of its own.
        "/<tenant>/hr/vormingen/<int:training_id>/inschrijven": Entry(
            build=lambda w, s: _hr_training(w, s, _VF + "/{id}/inschrijven"),
            methods=("POST",),
            role="dienst",
            shareable=True,
            shared_reads=("POST",),
            owner_status={"POST": 200},
        ),
        "/<tenant>/hr/vormingen/<int:training_id>/annuleren": Entry(
            build=lambda w, s: _hr_training(w, s, _VF + "/{id}/annuleren"),
            methods=("POST",),
            role="hr",
            shareable=True,
        ),
        "/<tenant>/hr/vormingen/<int:training_id>/aanwezigheden": Entry(
            build=lambda w, s: _hr_training(w, s, _VF + "/{id}/aanwezigheden"),
            methods=("GET", "POST"),
            role="hr",
            shareable=True,
            data={"POST": {"present": "1"}},
        ),
        "/<tenant>/hr/inschrijvingen/<int:enrolment_id>": Entry(
            build=lambda w, s: _hr_enrolment(w, s, "/<tenant>/hr/inschrijvingen/{id}"),
            methods=("GET", "POST"),
            role="dienst",
            per_user=True,
            colleague_role="schepen",
            data={"POST": {"action": "annuleren"}},
        ),
        "/api/v1/trainings/<int:training_id>": Entry(
            build=lambda w, s: _hr_training(w, s, "/api/v1/trainings/{id}"),
            methods=("GET",),
            role="dienst",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/api/v1/trainings/<int:training_id>/attendance": Entry(
            build=lambda w, s: _hr_training(w, s, "/api/v1/trainings/{id}/attendance"),
            methods=("GET",),
            role="hr",
            shareable=True,
        ),
        "/api/v1/enrolments/<int:enrolment_id>": Entry(
            build=lambda w, s: _hr_enrolment(w, s, "/api/v1/enrolments/{id}"),
            methods=("GET",),
            role="dienst",
            per_user=True,
            colleague_role="schepen",
        ),
        "/api/v1/enrolments/<int:enrolment_id>/decision": Entry(
            build=lambda w, s: _hr_enrolment(w, s, "/api/v1/enrolments/{id}/decision"),
            methods=("POST",),
            role="dienst",
            per_user=True,
            colleague_role="schepen",
            data={"POST": {"action": "annuleren"}},
            owner_status={"POST": 200},
        ),
    }
)


def _hr_function(world: Any, shared: bool, route: str) -> Target:
    from portal.hr.models import FunctionGrade, JobFunction
    from portal.hr.operations import create_function

    title = secret("Matrixfunctie")
    hr = world.user("owner", "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        data: dict[str, Any] = {"title": title, "level": "B", "purpose": title}
        if shared:
            data.update(audience="region", region_id=world.regions["a"].id)
        function_id = create_function(data).id
        db.session.commit()

    def read() -> Any:
        row = db.session.execute(
            select(JobFunction.title, JobFunction.level, JobFunction.audience).where(JobFunction.id == function_id)
        ).one_or_none()
        return None if row is None else tuple(row)

    def grades() -> Any:
        rows = db.session.execute(
            select(FunctionGrade.tenant_id, FunctionGrade.grade_min).where(FunctionGrade.function_id == function_id)
        ).all()
        return sorted(tuple(r) for r in rows)

    # A grade is the grading tenant's own row: look in the owner's and the partner's tenant.
    snapshots = [owner_snapshot(world, read), *(owner_snapshot(world, grades, t) for t in ("owner", "partner"))]
    return Target(path=route.format(id=function_id), secret=title, state=lambda: [s() for s in snapshots])


_GRADE = {"grade_min": "B1", "grade_max": "B3"}
REGISTRY.update(
    {
        "/<tenant>/hr/functies/<int:function_id>": Entry(
            build=lambda w, s: _hr_function(w, s, "/<tenant>/hr/functies/{id}"),
            methods=("GET",),
            role="hr",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/hr/functies/<int:function_id>/bewerken": Entry(
            build=lambda w, s: _hr_function(w, s, "/<tenant>/hr/functies/{id}/bewerken"),
            methods=("GET", "POST"),
            role="hr",
            shareable=True,
            data={"POST": {"title": "Gewijzigd door de matrix", "level": "A", "audience": "own"}},
        ),
        # Grading is the write a partner makes on a shared function: the grade row is its own.
        "/<tenant>/hr/functies/<int:function_id>/weging": Entry(
            build=lambda w, s: _hr_function(w, s, "/<tenant>/hr/functies/{id}/weging"),
            methods=("POST",),
            role="hr",
            shareable=True,
            shared_reads=("POST",),
            data={"POST": _GRADE},
            owner_status={"POST": 200},
        ),
        "/api/v1/functions/<int:function_id>": Entry(
            build=lambda w, s: _hr_function(w, s, "/api/v1/functions/{id}"),
            methods=("GET",),
            role="hr",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/api/v1/functions/<int:function_id>/grade": Entry(
            build=lambda w, s: _hr_function(w, s, "/api/v1/functions/{id}/grade"),
            methods=("PUT",),
            role="hr",
            shareable=True,
            shared_reads=("PUT",),
            data={"PUT": _GRADE},
        ),
    }
)


def _hr_reserve_id(world: Any, shared: bool, title: str, tenant: str = "owner") -> tuple[int, int]:
    """Create a reserve of ``tenant`` with one consenting laureate; return (reserve id, candidate id)."""
    from portal.hr.operations import add_candidate, create_reserve

    hr = world.user(tenant, "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        data: dict[str, Any] = {"title": title, "grade": "B1", "selected_on": clock.today(),
                                "valid_until": clock.today() + timedelta(days=90)}  # fmt: skip
        if shared:
            data.update(audience="region", region_id=world.regions["a"].id)
        obj = create_reserve(data, author_id=hr.id)
        candidate = add_candidate(obj, {"rank": 1, "full_name": title, "email": "l@example.org", "may_share": True})
        db.session.commit()
        return obj.id, candidate.id


def _hr_reserve(world: Any, shared: bool, route: str) -> Target:
    from portal.hr.models import Reserve, ReserveCandidate

    title = secret("Matrixwerfreserve")
    reserve_id, _candidate = _hr_reserve_id(world, shared, title)

    def read() -> Any:
        stmt = select(Reserve.title, Reserve.valid_until).where(Reserve.id == reserve_id)
        row = db.session.execute(stmt).one_or_none()
        ranks = db.session.scalars(select(ReserveCandidate.rank).where(ReserveCandidate.reserve_id == reserve_id)).all()
        return None if row is None else (*row, sorted(ranks))

    return Target(path=route.format(id=reserve_id), secret=title, state=owner_snapshot(world, read))


def _hr_reserve_request(world: Any, shared: bool, route: str, *, decision: bool) -> Target:
    """A request for a laureate: "owner" is the requester (its request) or the reserve's owner (its decision)."""
    from portal.hr.models import Reserve, ReserveRequest, ReserveRequestDecision
    from portal.hr.operations import request_candidate

    title = secret("Matrixlaureaat")
    holder, requester = ("owner", "partner") if decision else ("partner", "owner")
    reserve_id, candidate_id = _hr_reserve_id(world, True, title, tenant=holder)
    hr = world.user(requester, "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        row = request_candidate(db.session.get_one(Reserve, reserve_id), candidate_id, user=hr, motivation=title)
        db.session.commit()
        row_id = row.decision_id if decision else row.id
    model: Any = ReserveRequestDecision if decision else ReserveRequest
    return Target(
        path=route.format(id=row_id),
        secret=title,
        state=owner_snapshot(world, lambda: db.session.scalar(select(model.status).where(model.id == row_id))),
    )


def _hr_laureate(world: Any, shared: bool, route: str) -> Target:
    from portal.hr.models import ReserveCandidate

    title = secret("Matrixkandidaat")
    _reserve, candidate_id = _hr_reserve_id(world, shared, title)
    return Target(
        path=route.format(id=candidate_id),
        secret=title,
        state=owner_snapshot(
            world, lambda: db.session.scalar(select(ReserveCandidate.status).where(ReserveCandidate.id == candidate_id))
        ),
    )


_LAUREATE = {"rank": "2", "full_name": "Matrix Laureaat", "email": "m@example.org"}
REGISTRY.update(
    {
        "/<tenant>/hr/werfreserves/<int:reserve_id>": Entry(
            build=lambda w, s: _hr_reserve(w, s, "/<tenant>/hr/werfreserves/{id}"),
            methods=("GET",),
            role="hr",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/hr/werfreserves/<int:reserve_id>/kandidaten": Entry(
            build=lambda w, s: _hr_reserve(w, s, "/<tenant>/hr/werfreserves/{id}/kandidaten"),
            methods=("POST",),
            role="hr",
            shareable=True,
            data={"POST": _LAUREATE},
        ),
        "/<tenant>/hr/werfreserves/kandidaten/<int:candidate_id>": Entry(
            build=lambda w, s: _hr_laureate(w, s, "/<tenant>/hr/werfreserves/kandidaten/{id}"),
            methods=("POST",),
            role="hr",
            data={"POST": {"status": "aangeworven"}},
        ),
        "/<tenant>/hr/werfreserve-aanvragen/<int:request_id>": Entry(
            build=lambda w, s: _hr_reserve_request(w, s, "/<tenant>/hr/werfreserve-aanvragen/{id}", decision=False),
            methods=("GET", "POST"),
            role="hr",
            data={"POST": {"decision": "ingetrokken"}},
        ),
        "/<tenant>/hr/werfreserve-beslissingen/<int:decision_id>": Entry(
            build=lambda w, s: _hr_reserve_request(w, s, "/<tenant>/hr/werfreserve-beslissingen/{id}", decision=True),
            methods=("GET", "POST"),
            role="hr",
            data={"POST": {"decision": "goedgekeurd"}},
        ),
        "/api/v1/reserves/<int:reserve_id>": Entry(
            build=lambda w, s: _hr_reserve(w, s, "/api/v1/reserves/{id}"),
            methods=("GET",),
            role="hr",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/api/v1/reserves/<int:reserve_id>/candidates": Entry(
            build=lambda w, s: _hr_reserve(w, s, "/api/v1/reserves/{id}/candidates"),
            methods=("POST",),
            role="hr",
            shareable=True,
            data={"POST": {**_LAUREATE, "rank": 2}},
            owner_status={"POST": 201},
        ),
        "/api/v1/reserve-requests/<int:request_id>": Entry(
            build=lambda w, s: _hr_reserve_request(w, s, "/api/v1/reserve-requests/{id}", decision=False),
            methods=("GET",),
            role="hr",
        ),
        "/api/v1/reserve-decisions/<int:decision_id>": Entry(
            build=lambda w, s: _hr_reserve_request(w, s, "/api/v1/reserve-decisions/{id}", decision=True),
            methods=("POST",),
            role="hr",
            data={"POST": {"decision": "goedgekeurd"}},
            owner_status={"POST": 200},
        ),
    }
)
# -- end hr --


# -- policy_tables --


def _policy_world(world: Any, shared: bool) -> dict[str, Any]:
    """Create a table of "owner" in region A with a coming meeting, an item, a proposal and an action."""
    from datetime import time as _time
    from datetime import timedelta as _timedelta

    from portal.policy_tables import operations as pt_ops

    name = secret("Matrixtafel")
    location = secret("Matrixzaal")
    action_title = secret("Matrixactie")
    author = world.user("owner", "ad")
    owner_id = world.tenants["owner"].id
    with tenant_context(owner_id, user_id=author.id):
        table = pt_ops.create_table(
            {"name": name, "theme": "vrije_tijd", "region_id": world.regions["a"].id}, tenant_id=owner_id
        )
        meeting = pt_ops.create_meeting(
            table,
            {
                "day": clock.today() + _timedelta(days=7),
                "start_time": _time(14),
                "end_time": _time(16),
                "location": location,
            },
        )
        first = pt_ops.add_agenda_item(
            meeting, {"kind": "informatie", "title": "Punt een", "owner_tenant_id": owner_id}
        )
        pt_ops.add_agenda_item(meeting, {"kind": "bespreking", "title": "Punt twee", "owner_tenant_id": owner_id})
        proposal_title = secret("Matrixvoorstel")
        proposal = pt_ops.propose_item(
            meeting, {"kind": "bespreking", "title": proposal_title}, tenant_id=owner_id, user_id=author.id
        )
        action = pt_ops.create_action(
            meeting, {"title": action_title, "owner_tenant_id": owner_id}, path="/beleidstafels/vergaderingen/0"
        )
        decision_text = secret("Matrixbeslissing")
        decision = pt_ops.record_decision(first, f"<p>{decision_text}</p>")
        objects = [table, meeting, first, proposal, action, decision]
        if not shared:
            for obj in objects:
                set_audience(obj, "own")
        db.session.commit()
        return {
            "table": table.id,
            "meeting": meeting.id,
            "item": first.id,
            "proposal": proposal.id,
            "action": action.id,
            "decision": decision.id,
            "name": name,
            "location": location,
            "action_title": action_title,
            "decision_text": decision_text,
            "proposal_title": proposal_title,
        }


def _policy_target(route: str, key: str, secret_key: str, state: Callable[[dict[str, Any]], Any]) -> Any:
    def build(world: Any, shared: bool) -> Target:
        ids = _policy_world(world, shared)
        return Target(
            path=route.format(id=ids[key]),
            secret=ids[secret_key],
            state=owner_snapshot(world, lambda: state(ids)),
        )

    return build


def _pt_state(kind: str) -> Callable[[dict[str, Any]], Any]:
    from sqlalchemy import func as _func

    from portal.policy_tables.models import (
        ActionItem,
        AgendaItem,
        AgendaProposal,
        Decision,
        DecisionFollowUp,
        Meeting,
        PolicyTable,
        TableMember,
    )

    def state(ids: dict[str, Any]) -> Any:
        if kind == "table":
            return db.session.scalar(select(PolicyTable.name).where(PolicyTable.id == ids["table"]))
        if kind == "seats":
            return db.session.scalar(select(_func.count()).select_from(TableMember))
        if kind == "meetings":
            return db.session.scalar(select(_func.count(Meeting.id)).where(Meeting.table_id == ids["table"]))
        if kind == "items":
            return tuple(
                db.session.execute(
                    select(AgendaItem.id, AgendaItem.position).where(AgendaItem.meeting_id == ids["meeting"])
                ).all()
            )
        if kind == "proposals":
            return db.session.scalar(
                select(_func.count(AgendaProposal.id)).where(AgendaProposal.meeting_id == ids["meeting"])
            )
        if kind == "published":
            return db.session.scalar(select(Meeting.agenda_published_at).where(Meeting.id == ids["meeting"]))
        if kind == "actions":
            return tuple(
                db.session.execute(
                    select(ActionItem.id, ActionItem.status).where(ActionItem.meeting_id == ids["meeting"])
                ).all()
            )
        if kind == "decision":
            return db.session.scalar(select(Decision.text_html).where(Decision.id == ids["decision"]))
        if kind == "follow_ups":
            return tuple(
                db.session.execute(
                    select(DecisionFollowUp.tenant_id, DecisionFollowUp.status).where(
                        DecisionFollowUp.decision_id == ids["decision"]
                    )
                ).all()
            )
        raise AssertionError(kind)

    return state


_PT = "/<tenant>/beleidstafels"
REGISTRY.update(
    {
        f"{_PT}/<int:table_id>": Entry(
            build=_policy_target(_PT + "/{id}", "table", "name", _pt_state("table")),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        # Members act here on the chair's table (own seat row): tested in test_policy_tables_*;
        # the matrix checks that an unshared table is unreachable for every other tenant.
        f"{_PT}/<int:table_id>/zetel": Entry(
            build=_policy_target(_PT + "/{id}/zetel", "table", "name", _pt_state("seats")),
            methods=("POST",),
            data={"POST": {"policy_contact": "Schepen uit de matrix"}},
        ),
        f"{_PT}/<int:table_id>/vergaderingen/nieuw": Entry(
            build=_policy_target(_PT + "/{id}/vergaderingen/nieuw", "table", "name", _pt_state("meetings")),
            methods=("GET", "POST"),
            shareable=True,
            data={"POST": {"day": "2099-01-05", "start_time": "10:00", "end_time": "12:00", "location": "Zaal"}},
        ),
        f"{_PT}/vergaderingen/<int:meeting_id>": Entry(
            build=_policy_target(_PT + "/vergaderingen/{id}", "meeting", "location", _pt_state("items")),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        f"{_PT}/vergaderingen/<int:meeting_id>/punten": Entry(
            build=_policy_target(_PT + "/vergaderingen/{id}/punten", "meeting", "location", _pt_state("items")),
            methods=("POST",),
            shareable=True,
            data={"POST": {"kind": "beslissing", "title": "Punt uit de matrix"}},
        ),
        f"{_PT}/punten/<int:item_id>/verplaatsen": Entry(
            build=_policy_target(_PT + "/punten/{id}/verplaatsen", "item", "location", _pt_state("items")),
            methods=("POST",),
            shareable=True,
            data={"POST": {"direction": "down"}},
        ),
        f"{_PT}/vergaderingen/<int:meeting_id>/voorstellen": Entry(
            build=_policy_target(
                _PT + "/vergaderingen/{id}/voorstellen", "meeting", "location", _pt_state("proposals")
            ),
            methods=("POST",),
            data={"POST": {"kind": "informatie", "title": "Voorstel uit de matrix"}},
        ),
        f"{_PT}/voorstellen/<int:proposal_id>/aanvaarden": Entry(
            build=_policy_target(_PT + "/voorstellen/{id}/aanvaarden", "proposal", "location", _pt_state("items")),
            methods=("POST",),
            shareable=True,
        ),
        f"{_PT}/voorstellen/<int:proposal_id>/intrekken": Entry(
            build=_policy_target(_PT + "/voorstellen/{id}/intrekken", "proposal", "location", _pt_state("proposals")),
            methods=("POST",),
            shareable=True,
        ),
        f"{_PT}/vergaderingen/<int:meeting_id>/publiceren": Entry(
            build=_policy_target(_PT + "/vergaderingen/{id}/publiceren", "meeting", "location", _pt_state("published")),
            methods=("POST",),
            shareable=True,
        ),
        f"{_PT}/vergaderingen/<int:meeting_id>/actiepunten": Entry(
            build=_policy_target(_PT + "/vergaderingen/{id}/actiepunten", "meeting", "location", _pt_state("actions")),
            methods=("POST",),
            shareable=True,
            data={"POST": {"title": "Actie uit de matrix"}},
        ),
        f"{_PT}/actiepunten/<int:action_id>/status": Entry(
            build=_policy_target(_PT + "/actiepunten/{id}/status", "action", "action_title", _pt_state("actions")),
            methods=("POST",),
            shareable=True,
            data={"POST": {"status": "klaar"}},
        ),
        f"{_PT}/punten/<int:item_id>/besluit": Entry(
            build=_policy_target(_PT + "/punten/{id}/besluit", "item", "location", _pt_state("decision")),
            methods=("POST",),
            shareable=True,
            data={"POST": {"text_html": "Gewijzigd door de matrix"}},
        ),
        # Members record their own follow-up on the chair's decision: see test_policy_tables_*.
        f"{_PT}/besluiten/<int:decision_id>/opvolging": Entry(
            build=_policy_target(_PT + "/besluiten/{id}/opvolging", "decision", "location", _pt_state("follow_ups")),
            methods=("POST",),
            data={"POST": {"status": "voor_te_leggen"}},
        ),
        "/api/v1/policy-tables/<int:table_id>": Entry(
            build=_policy_target("/api/v1/policy-tables/{id}", "table", "name", _pt_state("table")),
            methods=("GET", "PATCH"),
            shareable=True,
            shared_reads=("GET",),
            data={"PATCH": {"name": "Gewijzigd via de API"}},
        ),
        "/api/v1/policy-tables/<int:table_id>/meetings": Entry(
            build=_policy_target("/api/v1/policy-tables/{id}/meetings", "table", "location", _pt_state("meetings")),
            methods=("GET", "POST"),
            shareable=True,
            shared_reads=("GET",),
            data={"POST": {"day": "2099-01-05", "start_time": "10:00", "end_time": "12:00", "location": "Zaal"}},
            owner_status={"GET": 200, "POST": 201},
        ),
        "/api/v1/policy-tables/meetings/<int:meeting_id>/agenda-items": Entry(
            build=_policy_target(
                "/api/v1/policy-tables/meetings/{id}/agenda-items", "meeting", "location", _pt_state("items")
            ),
            methods=("POST",),
            shareable=True,
            data={"POST": {"kind": "informatie", "title": "Punt via de API"}},
            owner_status={"POST": 201},
        ),
        # Members propose with their own row: tested in test_policy_tables_api.py.
        "/api/v1/policy-tables/meetings/<int:meeting_id>/proposals": Entry(
            build=_policy_target(
                "/api/v1/policy-tables/meetings/{id}/proposals", "meeting", "proposal_title", _pt_state("proposals")
            ),
            methods=("GET", "POST"),
            data={"POST": {"kind": "informatie", "title": "Voorstel via de API"}},
            owner_status={"GET": 200, "POST": 201},
        ),
        "/api/v1/policy-tables/meetings/<int:meeting_id>": Entry(
            build=_policy_target("/api/v1/policy-tables/meetings/{id}", "meeting", "location", _pt_state("items")),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        "/api/v1/policy-tables/actions/<int:action_id>": Entry(
            build=_policy_target("/api/v1/policy-tables/actions/{id}", "action", "action_title", _pt_state("actions")),
            methods=("GET", "PATCH"),
            shareable=True,
            shared_reads=("GET",),
            data={"PATCH": {"status": "bezig"}},
        ),
    }
)


def _minutes_world(world: Any, shared: bool, stage: str | None) -> dict[str, Any]:
    """Add a later meeting and notulen at ``stage`` (None, ontwerp, ter_opmerking, goedgekeurd)."""
    from datetime import time as _time
    from datetime import timedelta as _timedelta

    from portal.policy_tables import operations as pt_ops
    from portal.policy_tables.models import Meeting as _Meeting

    ids = _policy_world(world, shared)
    ids["body"] = secret("Matrixnotulen")
    owner_id = world.tenants["owner"].id
    with tenant_context(owner_id, user_id=world.user("owner", "ad").id):
        meeting = db.session.get(_Meeting, ids["meeting"])
        later = pt_ops.create_meeting(
            meeting.table,
            {
                "day": clock.today() + _timedelta(days=40),
                "start_time": _time(14),
                "end_time": _time(16),
                "location": "Zaal",
            },
        )
        if not shared:
            set_audience(later, "own")
        if stage is not None:
            minutes = pt_ops.create_minutes(meeting, {"body_html": f"<p>{ids['body']}</p>"}, user_id=None)
            ids["minutes"] = minutes.id
            if stage in ("ter_opmerking", "goedgekeurd"):
                attendees = [world.tenants["partner"].id] if shared else []
                pt_ops.send_minutes(minutes, attendees, path="/beleidstafels/notulen/0")
            if stage == "goedgekeurd":
                pt_ops.approve_minutes(minutes)
        db.session.commit()
    return ids


def _minutes_target(route: str, key: str, shared_stage: str | None, own_stage: str | None) -> Any:
    from portal.policy_tables.models import Minutes as _Minutes
    from portal.policy_tables.models import MinutesRemark as _Remark

    def build(world: Any, shared: bool) -> Target:
        ids = _minutes_world(world, shared, shared_stage if shared else own_stage)

        def state() -> Any:
            rows = db.session.execute(
                select(_Minutes.status, _Minutes.current_version, _Minutes.sent_at, _Minutes.audience).where(
                    _Minutes.meeting_id == ids["meeting"]
                )
            ).all()
            remarks = db.session.scalars(select(_Remark.id)).all()
            return tuple(rows), tuple(remarks)

        return Target(
            path=route.format(id=ids[key]),
            secret=ids["body"] if key == "minutes" else ids["location"],
            state=owner_snapshot(world, state),
        )

    return build


REGISTRY.update(
    {
        f"{_PT}/vergaderingen/<int:meeting_id>/notulen": Entry(
            build=_minutes_target(_PT + "/vergaderingen/{id}/notulen", "meeting", None, None),
            methods=("POST",),
            shareable=True,
            data={"POST": {"body_html": "<p>Notulen uit de matrix</p>"}},
        ),
        f"{_PT}/notulen/<int:minutes_id>": Entry(
            build=_minutes_target(_PT + "/notulen/{id}", "minutes", "ter_opmerking", "ontwerp"),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        f"{_PT}/notulen/<int:minutes_id>/versies": Entry(
            build=_minutes_target(_PT + "/notulen/{id}/versies", "minutes", "ter_opmerking", "ontwerp"),
            methods=("POST",),
            shareable=True,
            data={"POST": {"body_html": "<p>Nieuwe versie uit de matrix</p>"}},
        ),
        f"{_PT}/notulen/<int:minutes_id>/versies/<int:number>": Entry(
            build=_minutes_target(_PT + "/notulen/{id}/versies/1", "minutes", "ter_opmerking", "ontwerp"),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        f"{_PT}/notulen/<int:minutes_id>/ter-opmerking": Entry(
            build=_minutes_target(_PT + "/notulen/{id}/ter-opmerking", "minutes", "ter_opmerking", "ontwerp"),
            methods=("POST",),
            shareable=True,
        ),
        # Attendees remark with their own row: tested in test_policy_tables_minutes.py.
        f"{_PT}/notulen/<int:minutes_id>/opmerkingen": Entry(
            build=_minutes_target(_PT + "/notulen/{id}/opmerkingen", "minutes", "ter_opmerking", "ter_opmerking"),
            methods=("POST",),
            data={"POST": {"body": "Opmerking uit de matrix"}},
        ),
        f"{_PT}/notulen/<int:minutes_id>/goedkeuren": Entry(
            build=_minutes_target(_PT + "/notulen/{id}/goedkeuren", "minutes", "ter_opmerking", "ter_opmerking"),
            methods=("POST",),
            shareable=True,
        ),
        f"{_PT}/notulen/<int:minutes_id>/publiceren": Entry(
            build=_minutes_target(_PT + "/notulen/{id}/publiceren", "minutes", "goedgekeurd", "goedgekeurd"),
            methods=("POST",),
            shareable=True,
        ),
        "/api/v1/policy-tables/meetings/<int:meeting_id>/decisions": Entry(
            build=_policy_target(
                "/api/v1/policy-tables/meetings/{id}/decisions", "meeting", "decision_text", _pt_state("decision")
            ),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        "/api/v1/policy-tables/agenda-items/<int:item_id>/decision": Entry(
            build=_policy_target(
                "/api/v1/policy-tables/agenda-items/{id}/decision", "item", "decision_text", _pt_state("decision")
            ),
            methods=("PUT",),
            shareable=True,
            data={"PUT": {"text_html": "Gewijzigd via de API"}},
        ),
        "/api/v1/policy-tables/decisions/<int:decision_id>": Entry(
            build=_policy_target(
                "/api/v1/policy-tables/decisions/{id}", "decision", "decision_text", _pt_state("decision")
            ),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        # Members record their own follow-up row: see test_policy_tables_decisions_api.
        "/api/v1/policy-tables/decisions/<int:decision_id>/follow-up": Entry(
            build=_policy_target(
                "/api/v1/policy-tables/decisions/{id}/follow-up", "decision", "decision_text", _pt_state("follow_ups")
            ),
            methods=("PUT",),
            data={"PUT": {"status": "voorgelegd"}},
        ),
        "/api/v1/policy-tables/minutes/<int:minutes_id>": Entry(
            build=_minutes_target("/api/v1/policy-tables/minutes/{id}", "minutes", "ter_opmerking", "ontwerp"),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
    }
)

REGISTRY[f"{_PT}/vergaderingen/<int:meeting_id>.ics"] = Entry(
    build=_policy_target(_PT + "/vergaderingen/{id}.ics", "meeting", "location", _pt_state("items")),
    methods=("GET",),
    shareable=True,
    shared_reads=("GET",),
)
EXEMPT["/kalender/<token>.ics"] = (
    "a personal iCal feed: the secret, revocable token is itself the authorisation and the feed holds only "
    "what its user may see (tests/test_policy_tables_calendar.py)"
)


def _cooperation_target(route: str) -> Any:
    from portal.policy_tables import operations as pt_ops
    from portal.policy_tables.models import Cooperation as _Cooperation
    from portal.policy_tables.models import CooperationEvaluation as _Evaluation

    def build(world: Any, shared: bool) -> Target:
        ids = _policy_world(world, shared)
        name = secret("Matrixsamenwerking")
        owner_id = world.tenants["owner"].id
        with tenant_context(owner_id, user_id=world.user("owner", "ad").id):
            obj = pt_ops.create_cooperation(
                {"name": name, "legal_form": "informeel", "region_id": world.regions["a"].id}, tenant_id=owner_id
            )
            if not shared:
                set_audience(obj, "own")
            pt_ops.evaluate_cooperation(
                obj,
                {
                    "score_effectiveness": 3,
                    "score_efficiency": 3,
                    "score_service": 3,
                    "score_governance": 3,
                    "recommendation": "voortzetten",
                    "notes": f"<p>{name}</p>",
                },
                tenant_id=owner_id,
            )
            db.session.commit()
            coop_id = obj.id

        def state() -> Any:
            row = db.session.execute(
                select(_Cooperation.name, _Cooperation.domain).where(_Cooperation.id == coop_id)
            ).one_or_none()
            evaluations = db.session.scalars(select(_Evaluation.id).where(_Evaluation.cooperation_id == coop_id))
            return row, tuple(evaluations)

        del ids
        return Target(path=route.format(id=coop_id), secret=name, state=owner_snapshot(world, state))

    return build


_EVALUATION = {
    "score_effectiveness": 4,
    "score_efficiency": 4,
    "score_service": 4,
    "score_governance": 4,
    "recommendation": "bijsturen",
}
REGISTRY.update(
    {
        f"{_PT}/inventaris/<int:cooperation_id>": Entry(
            build=_cooperation_target(_PT + "/inventaris/{id}"),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
        f"{_PT}/inventaris/<int:cooperation_id>/bewerken": Entry(
            build=_cooperation_target(_PT + "/inventaris/{id}/bewerken"),
            methods=("GET", "POST"),
            shareable=True,
            data={"POST": {"name": "Gewijzigd door de matrix", "legal_form": "informeel"}},
        ),
        # Members evaluate at meetings they chair (their own row): test_policy_tables_inventory.py.
        f"{_PT}/inventaris/<int:cooperation_id>/evaluaties": Entry(
            build=_cooperation_target(_PT + "/inventaris/{id}/evaluaties"),
            methods=("POST",),
            data={"POST": _EVALUATION},
        ),
        "/api/v1/policy-tables/cooperations/<int:cooperation_id>": Entry(
            build=_cooperation_target("/api/v1/policy-tables/cooperations/{id}"),
            methods=("GET", "PATCH"),
            shareable=True,
            shared_reads=("GET",),
            data={"PATCH": {"domain": "Gewijzigd via de API"}},
        ),
        "/api/v1/policy-tables/cooperations/<int:cooperation_id>/evaluations": Entry(
            build=_cooperation_target("/api/v1/policy-tables/cooperations/{id}/evaluations"),
            methods=("GET", "POST"),
            data={"POST": _EVALUATION},
            owner_status={"GET": 200, "POST": 201},
        ),
    }
)


def _invitation_target(route: str, key: str) -> Any:
    from portal.policy_tables import operations as pt_ops
    from portal.policy_tables.models import Meeting as _Meeting
    from portal.policy_tables.models import MeetingAttendance as _Attendance
    from portal.policy_tables.models import MeetingGuest as _Guest
    from portal.policy_tables.models import MeetingResponse as _Response

    def build(world: Any, shared: bool) -> Target:
        ids = _policy_world(world, shared)
        owner_id = world.tenants["owner"].id
        with tenant_context(owner_id, user_id=world.user("owner", "ad").id):
            meeting = db.session.get(_Meeting, ids["meeting"])
            guest, _raw = pt_ops.invite_guest(
                meeting, {"name": "Matrixexpert", "email": "expert@matrix.test"}, link=lambda raw: f"/gast/x/{raw}"
            )
            pt_ops.register_attendance(meeting, [world.user("owner", "ad").id], [])
            db.session.commit()
            ids["guest"] = guest.id

        def state() -> Any:
            guests = db.session.execute(select(_Guest.id, _Guest.revoked_at)).all()
            present = db.session.scalars(select(_Attendance.user_id)).all()
            answers = db.session.execute(select(_Response.tenant_id, _Response.answer)).all()
            return tuple(guests), tuple(present), tuple(answers)

        return Target(path=route.format(id=ids[key]), secret=ids["location"], state=owner_snapshot(world, state))

    return build


REGISTRY.update(
    {
        # Members answer with their own row: tested in test_policy_tables_invitations.py.
        f"{_PT}/vergaderingen/<int:meeting_id>/antwoord": Entry(
            build=_invitation_target(_PT + "/vergaderingen/{id}/antwoord", "meeting"),
            methods=("POST",),
            data={"POST": {"answer": "ja"}},
        ),
        f"{_PT}/vergaderingen/<int:meeting_id>/experts": Entry(
            build=_invitation_target(_PT + "/vergaderingen/{id}/experts", "meeting"),
            methods=("POST",),
            shareable=True,
            data={"POST": {"name": "Expert uit de matrix", "email": "nog-een@matrix.test"}},
        ),
        f"{_PT}/experts/<int:guest_id>/intrekken": Entry(
            build=_invitation_target(_PT + "/experts/{id}/intrekken", "guest"),
            methods=("POST",),
            shareable=True,
        ),
        f"{_PT}/vergaderingen/<int:meeting_id>/aanwezigheden": Entry(
            build=_invitation_target(_PT + "/vergaderingen/{id}/aanwezigheden", "meeting"),
            methods=("POST",),
            shareable=True,
        ),
    }
)
EXEMPT["/gast/<slug>/<token>"] = (
    "an invited expert's page: the secret, revocable link (under the chair's slug) is itself the authorisation "
    "and opens that one meeting only (tests/test_policy_tables_invitations.py)"
)


_PT_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class _FreshUpload(Mapping[str, Any]):
    """A form body with a new file stream each time it is read (a stream is consumed by one request)."""

    def _body(self) -> dict[str, Any]:
        return {"title": "Upload uit de matrix", "file": (io.BytesIO(_PT_PDF), "matrix.pdf")}

    def __getitem__(self, key: str) -> Any:
        return self._body()[key]

    def __iter__(self) -> Any:
        return iter(self._body())

    def __len__(self) -> int:
        return len(self._body())


def _library_target(route: str, key: str) -> Any:
    from werkzeug.datastructures import FileStorage

    from portal.policy_tables import operations as pt_ops
    from portal.policy_tables.models import Challenge as _Challenge
    from portal.policy_tables.models import PolicyTable as _Table
    from portal.policy_tables.models import TableDocument as _Document

    def build(world: Any, shared: bool) -> Target:
        ids = _policy_world(world, shared)
        owner_id = world.tenants["owner"].id
        text = secret("Matrixdocument")
        with tenant_context(owner_id, user_id=world.user("owner", "ad").id):
            table = db.session.get(_Table, ids["table"])
            challenge = pt_ops.add_challenge(table, {"title": text}, tenant_id=owner_id)
            upload = FileStorage(io.BytesIO(_PT_PDF + text.encode()), filename="matrix.pdf")
            doc = pt_ops.add_document(
                table, {"title": text}, upload, tenant_id=owner_id, user_id=world.user("owner", "ad").id
            )
            if not shared:
                set_audience(challenge, "own")
                set_audience(doc, "own")
            db.session.commit()
            ids.update(challenge=challenge.id, document=doc.id)

        def state() -> Any:
            challenges = db.session.execute(select(_Challenge.id, _Challenge.status)).all()
            documents = db.session.scalars(select(_Document.id)).all()
            return tuple(challenges), tuple(documents)

        secret_text = text if key in ("challenge", "document") else ids["name"]
        return Target(path=route.format(id=ids[key]), secret=secret_text, state=owner_snapshot(world, state))

    return build


REGISTRY.update(
    {
        # Members raise challenges with their own row: tested in test_policy_tables_library.py.
        f"{_PT}/<int:table_id>/uitdagingen": Entry(
            build=_library_target(_PT + "/{id}/uitdagingen", "table"),
            methods=("POST",),
            data={"POST": {"title": "Uitdaging uit de matrix"}},
        ),
        f"{_PT}/uitdagingen/<int:challenge_id>/status": Entry(
            build=_library_target(_PT + "/uitdagingen/{id}/status", "challenge"),
            methods=("POST",),
            shareable=True,
            data={"POST": {"status": "onderzocht"}},
        ),
        # Members upload their own documents: tested in test_policy_tables_library.py.
        f"{_PT}/<int:table_id>/documenten": Entry(
            build=_library_target(_PT + "/{id}/documenten", "table"),
            methods=("GET", "POST"),
            data={"POST": _FreshUpload()},
        ),
        # Members attach their own files to the chair's agenda items: test_policy_tables_library.py.
        f"{_PT}/punten/<int:item_id>/bijlagen": Entry(
            build=_library_target(_PT + "/punten/{id}/bijlagen", "item"),
            methods=("POST",),
            data={"POST": _FreshUpload()},
        ),
        f"{_PT}/documenten/<int:document_id>": Entry(
            build=_library_target(_PT + "/documenten/{id}", "document"),
            methods=("GET",),
            shareable=True,
            shared_reads=("GET",),
        ),
    }
)

REGISTRY[f"{_PT}/vergaderingen/<int:meeting_id>/agenda.pdf"] = Entry(
    build=_policy_target(_PT + "/vergaderingen/{id}/agenda.pdf", "meeting", "location", _pt_state("items")),
    methods=("GET",),
    shareable=True,
    shared_reads=("GET",),
)
REGISTRY[f"{_PT}/notulen/<int:minutes_id>.pdf"] = Entry(
    build=_minutes_target(_PT + "/notulen/{id}.pdf", "minutes", "ter_opmerking", "ontwerp"),
    methods=("GET",),
    shareable=True,
    shared_reads=("GET",),
)

# -- end policy_tables --


# -- rentals --
def _rental_resource(world: Any, shared: bool, route: str) -> Target:
    from portal.rentals.models import Resource
    from tests.rentals_helpers import make_resource

    name = secret("Matrixpodium")
    rid = make_resource(world, name, shared=shared)

    def read() -> Any:
        row = db.session.execute(select(Resource.name, Resource.audience).where(Resource.id == rid)).one_or_none()
        return None if row is None else tuple(row)

    return Target(path=route.format(id=rid), secret=name, state=owner_snapshot(world, read))


def _rental_reservation(world: Any, shared: bool, route: str, approved: bool = False) -> Target:
    """A reservation owned by "owner" (of its own resource): only the owner tenant may reach it."""
    from portal.rentals.models import Reservation
    from tests.rentals_helpers import approve, make_reservation, make_resource

    name = secret("Matrixreservatie")
    rid = make_resource(world, name, shared=shared)
    res_id, booking_id = make_reservation(world, rid, tenant="owner")
    if approved:
        approve(world, booking_id)

    def read() -> Any:
        row = db.session.execute(
            select(Reservation.status, Reservation.accepted_at).where(Reservation.id == res_id)
        ).one_or_none()
        return None if row is None else tuple(row)

    return Target(path=route.format(id=res_id), secret=name, state=owner_snapshot(world, read))


def _rental_booking(world: Any, shared: bool, route: str, approved: bool = False) -> Target:
    """A request by the partner for the owner's resource: the owner's booking row."""
    from portal.rentals.models import Booking
    from tests.rentals_helpers import approve, make_reservation, make_resource

    name = secret("Matrixaanvraag")
    rid = make_resource(world, name, shared=True)
    _res_id, booking_id = make_reservation(world, rid, tenant="partner")
    if approved:
        approve(world, booking_id)

    def read() -> Any:
        return db.session.scalar(select(Booking.status).where(Booking.id == booking_id))

    return Target(path=route.format(id=booking_id), secret=name, state=owner_snapshot(world, read))


def _rental_photo(world: Any, shared: bool, route: str, side: str) -> Target:
    """A pick-up photo: of the owner's booking (partner borrows) or of the owner's own reservation."""
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from portal.rentals import operations as ops
    from portal.rentals.models import Booking, HandoverPhoto
    from tests.rentals_helpers import accept, approve, make_reservation, make_resource

    name = secret("Matrixfoto")
    rid = make_resource(world, name, shared=True)
    borrower = "partner" if side == "booking" else "owner"
    res_id, booking_id = make_reservation(world, rid, tenant=borrower)
    approve(world, booking_id)
    accept(world, res_id, tenant=borrower)
    user = world.user("owner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        photo = FileStorage(BytesIO(b"\x89PNG\r\n\x1a\n " + name.encode()), filename="foto.png")
        ops.decide_booking(
            db.session.get(Booking, booking_id), "afhalen", report={"condition": "ok", "photos": [photo]}
        )
        db.session.commit()
        column = HandoverPhoto.booking_id if side == "booking" else HandoverPhoto.reservation_id
        parent = booking_id if side == "booking" else res_id
        photo_id = db.session.scalar(select(HandoverPhoto.id).where(column == parent))

    def read() -> Any:
        return db.session.scalar(select(HandoverPhoto.storage_key).where(HandoverPhoto.id == photo_id))

    return Target(path=route.format(id=parent, photo=photo_id), secret=name, state=owner_snapshot(world, read))


REGISTRY.update(
    {
        "/<tenant>/verhuur/aanvragen/<int:booking_id>/fotos/<int:photo_id>": Entry(
            build=lambda w, s: _rental_photo(w, s, "/<tenant>/verhuur/aanvragen/{id}/fotos/{photo}", "booking"),
            methods=("GET",),
            role="dienst",
        ),
        "/<tenant>/verhuur/reservaties/<int:reservation_id>/fotos/<int:photo_id>": Entry(
            build=lambda w, s: _rental_photo(w, s, "/<tenant>/verhuur/reservaties/{id}/fotos/{photo}", "reservation"),
            methods=("GET",),
            role="dienst",
        ),
        "/<tenant>/verhuur/materieel/<int:resource_id>": Entry(
            build=lambda w, s: _rental_resource(w, s, "/<tenant>/verhuur/materieel/{id}"),
            methods=("GET",),
            role="dienst",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/verhuur/materieel/<int:resource_id>/bezetting.json": Entry(
            build=lambda w, s: _rental_resource(w, s, "/<tenant>/verhuur/materieel/{id}/bezetting.json"),
            methods=("GET",),
            role="dienst",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/api/v1/rentals/resources/<int:resource_id>": Entry(
            build=lambda w, s: _rental_resource(w, s, "/api/v1/rentals/resources/{id}"),
            methods=("GET",),
            role="dienst",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/verhuur/reservaties/<int:reservation_id>": Entry(
            build=lambda w, s: _rental_reservation(w, s, "/<tenant>/verhuur/reservaties/{id}"),
            methods=("GET",),
            role="dienst",
        ),
        "/<tenant>/verhuur/reservaties/<int:reservation_id>/annuleren": Entry(
            build=lambda w, s: _rental_reservation(w, s, "/<tenant>/verhuur/reservaties/{id}/annuleren"),
            methods=("POST",),
            role="dienst",
        ),
        "/api/v1/rentals/reservations/<int:reservation_id>": Entry(
            build=lambda w, s: _rental_reservation(w, s, "/api/v1/rentals/reservations/{id}"),
            methods=("GET",),
            role="dienst",
        ),
        "/api/v1/rentals/reservations/<int:reservation_id>/cancel": Entry(
            build=lambda w, s: _rental_reservation(w, s, "/api/v1/rentals/reservations/{id}/cancel"),
            methods=("POST",),
            role="dienst",
            owner_status={"POST": 200},
        ),
        "/<tenant>/verhuur/aanvragen/<int:booking_id>": Entry(
            build=lambda w, s: _rental_booking(w, s, "/<tenant>/verhuur/aanvragen/{id}"),
            methods=("GET",),
            role="dienst",
        ),
        "/<tenant>/verhuur/aanvragen/<int:booking_id>/beslissen": Entry(
            build=lambda w, s: _rental_booking(w, s, "/<tenant>/verhuur/aanvragen/{id}/beslissen"),
            methods=("POST",),
            role="dienst",
            data={"POST": {"action": "goedkeuren"}},
        ),
        "/api/v1/rentals/bookings/<int:booking_id>": Entry(
            build=lambda w, s: _rental_booking(w, s, "/api/v1/rentals/bookings/{id}"),
            methods=("GET",),
            role="dienst",
        ),
        "/api/v1/rentals/bookings/<int:booking_id>/decision": Entry(
            build=lambda w, s: _rental_booking(w, s, "/api/v1/rentals/bookings/{id}/decision"),
            methods=("POST",),
            role="dienst",
            data={"POST": {"action": "goedkeuren"}},
            owner_status={"POST": 200},
        ),
        "/<tenant>/verhuur/reservaties/<int:reservation_id>/overeenkomst": Entry(
            build=lambda w, s: _rental_reservation(w, s, "/<tenant>/verhuur/reservaties/{id}/overeenkomst", True),
            methods=("GET",),
            role="dienst",
        ),
        "/<tenant>/verhuur/reservaties/<int:reservation_id>/overeenkomst.pdf": Entry(
            build=lambda w, s: _rental_reservation(w, s, "/<tenant>/verhuur/reservaties/{id}/overeenkomst.pdf", True),
            methods=("GET",),
            role="dienst",
        ),
        "/<tenant>/verhuur/reservaties/<int:reservation_id>/overeenkomst/aanvaarden": Entry(
            build=lambda w, s: _rental_reservation(
                w, s, "/<tenant>/verhuur/reservaties/{id}/overeenkomst/aanvaarden", True
            ),
            methods=("POST",),
            role="dienst",
            data={"POST": {"accept": "1", "requester_policy_number": "BA-MATRIX"}},
        ),
        "/api/v1/rentals/reservations/<int:reservation_id>/agreement": Entry(
            build=lambda w, s: _rental_reservation(w, s, "/api/v1/rentals/reservations/{id}/agreement", True),
            methods=("GET",),
            role="dienst",
        ),
        "/api/v1/rentals/reservations/<int:reservation_id>/agreement/accept": Entry(
            build=lambda w, s: _rental_reservation(w, s, "/api/v1/rentals/reservations/{id}/agreement/accept", True),
            methods=("POST",),
            role="dienst",
            data={"POST": {"accept": True, "requester_policy_number": "BA-MATRIX"}},
            owner_status={"POST": 200},
        ),
        "/<tenant>/verhuur/materieel/<int:resource_id>/agenda.ics": Entry(
            build=lambda w, s: _rental_resource(w, s, "/<tenant>/verhuur/materieel/{id}/agenda.ics"),
            methods=("GET",),
            role="dienst",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/verhuur/aanvragen/<int:booking_id>/overeenkomst": Entry(
            build=lambda w, s: _rental_booking(w, s, "/<tenant>/verhuur/aanvragen/{id}/overeenkomst", True),
            methods=("GET",),
            role="dienst",
        ),
        "/<tenant>/verhuur/aanvragen/<int:booking_id>/overeenkomst.pdf": Entry(
            build=lambda w, s: _rental_booking(w, s, "/<tenant>/verhuur/aanvragen/{id}/overeenkomst.pdf", True),
            methods=("GET",),
            role="dienst",
        ),
    }
)
EXEMPT.update(
    {
        "/<tenant>/verhuur/agenda/<token>.ics": "a secret, revocable feed token of one user, not an object id: "
        "a foreign or revoked token is a 404 and the feed holds only that tenant's reservations "
        "(tests/test_rentals_agreement.py)",
        "/<tenant>/verhuur/afrekening.csv": "the format is a route default, no object: the settlement reads only "
        "the viewer's own rows (tests/test_rentals_agreement.py)",
        "/<tenant>/verhuur/afrekening.xlsx": "the format is a route default, no object: the settlement reads only "
        "the viewer's own rows (tests/test_rentals_agreement.py)",
    }
)


def _png(colour: str = "red") -> bytes:
    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(data, format="PNG")
    return data.getvalue()


class _RewindingUpload(io.BytesIO):
    """An upload body that the test client may read and close again and again (one Entry serves many cases)."""

    def close(self) -> None:
        self.seek(0)


def _rental_catalogue_photo(world: Any, shared: bool, route: str) -> Target:
    """A catalogue photo of the owner's resource: whoever sees the resource sees it; only the owner changes it."""
    from werkzeug.datastructures import FileStorage

    from portal.core.files import path_of
    from portal.rentals import operations as ops
    from portal.rentals.models import Resource, ResourcePhoto
    from tests.rentals_helpers import make_resource

    name = secret("Matrixfotopodium")
    rid = make_resource(world, name, shared=shared)
    user = world.user("owner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        resource = db.session.get(Resource, rid)
        uploads = [FileStorage(io.BytesIO(_png(colour)), filename=f"{colour}.png") for colour in ("red", "blue")]
        photos = ops.add_resource_photos(resource, uploads, author_id=user.id)
        db.session.commit()
        photo_id, photo_count = photos[-1].id, len(photos)
        # The served image is re-encoded without metadata: it cannot carry the secret, so compare its bytes.
        body = path_of(photos[-1].thumbnail_key if route.endswith("/klein") else photos[-1].storage_key).read_bytes()

    def read() -> Any:
        row = db.session.execute(
            select(ResourcePhoto.position, ResourcePhoto.storage_key).where(ResourcePhoto.id == photo_id)
        ).one_or_none()
        count = len(db.session.scalars(select(ResourcePhoto.id).where(ResourcePhoto.resource_id == rid)).all())
        return (None if row is None else tuple(row)), count == photo_count

    return Target(path=route.format(id=rid, photo=photo_id), secret=name, state=owner_snapshot(world, read), body=body)


REGISTRY.update(
    {
        "/<tenant>/verhuur/materieel/<int:resource_id>/fotos": Entry(
            build=lambda w, s: _rental_catalogue_photo(w, s, "/<tenant>/verhuur/materieel/{id}/fotos"),
            methods=("GET", "POST"),
            role="dienst",
            shareable=True,
            data={"POST": {"photos": (_RewindingUpload(_png("green")), "matrix.png")}},
        ),
        "/<tenant>/verhuur/materieel/<int:resource_id>/fotos/<int:photo_id>": Entry(
            build=lambda w, s: _rental_catalogue_photo(w, s, "/<tenant>/verhuur/materieel/{id}/fotos/{photo}"),
            methods=("GET",),
            role="dienst",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/verhuur/materieel/<int:resource_id>/fotos/<int:photo_id>/klein": Entry(
            build=lambda w, s: _rental_catalogue_photo(w, s, "/<tenant>/verhuur/materieel/{id}/fotos/{photo}/klein"),
            methods=("GET",),
            role="dienst",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/verhuur/materieel/<int:resource_id>/fotos/<int:photo_id>/hoofdfoto": Entry(
            build=lambda w, s: _rental_catalogue_photo(
                w, s, "/<tenant>/verhuur/materieel/{id}/fotos/{photo}/hoofdfoto"
            ),
            methods=("POST",),
            role="dienst",
            shareable=True,
        ),
        "/<tenant>/verhuur/materieel/<int:resource_id>/fotos/<int:photo_id>/verplaatsen": Entry(
            build=lambda w, s: _rental_catalogue_photo(
                w, s, "/<tenant>/verhuur/materieel/{id}/fotos/{photo}/verplaatsen"
            ),
            methods=("POST",),
            role="dienst",
            shareable=True,
            data={"POST": {"richting": "omhoog"}},
        ),
        "/<tenant>/verhuur/materieel/<int:resource_id>/fotos/<int:photo_id>/verwijderen": Entry(
            build=lambda w, s: _rental_catalogue_photo(
                w, s, "/<tenant>/verhuur/materieel/{id}/fotos/{photo}/verwijderen"
            ),
            methods=("POST",),
            role="dienst",
            shareable=True,
        ),
        "/<tenant>/verhuur/materieel/<int:resource_id>/kalender": Entry(
            build=lambda w, s: _rental_resource(w, s, "/<tenant>/verhuur/materieel/{id}/kalender"),
            methods=("GET",),
            role="dienst",
            shareable=True,
            shared_reads=("GET",),
        ),
        "/<tenant>/verhuur/materieel/<int:resource_id>/kalender.json": Entry(
            build=lambda w, s: _rental_resource(w, s, "/<tenant>/verhuur/materieel/{id}/kalender.json"),
            methods=("GET",),
            role="dienst",
            shareable=True,
            shared_reads=("GET",),
        ),
    }
)


def _rental_basket_item(world: Any, shared: bool, route: str) -> Target:
    """A line in the basket of the owner's dienst user (of one user: a colleague gets 404 too)."""
    from portal.rentals import operations as ops
    from portal.rentals.models import BasketItem, Resource
    from tests.rentals_helpers import make_resource, next_weekday

    name = secret("Matrixmandje")
    rid = make_resource(world, name, shared=shared)
    user = world.user("owner", "dienst")
    start = next_weekday()
    with tenant_context(user.tenant_id, user_id=user.id):
        item = ops.add_to_basket(
            db.session.get(Resource, rid), {"starts_at": start, "ends_at": start + timedelta(hours=4)}, user=user
        )
        db.session.commit()
        item_id = item.id

    def read() -> Any:
        return db.session.scalar(select(BasketItem.resource_name).where(BasketItem.id == item_id))

    return Target(path=route.format(id=item_id), secret=name, state=owner_snapshot(world, read))


def _rental_group(world: Any, shared: bool, route: str, side: str) -> Target:
    """A request group: the owner's own series of its hall ("reservation"), or a partner's basket ("booking")."""
    from portal.rentals import operations as ops
    from portal.rentals.models import Booking, Reservation, Resource
    from tests.rentals_helpers import make_resource, next_weekday

    name = secret("Matrixgroep")
    requester = "owner" if side == "reservation" else "partner"
    rid = make_resource(world, name, shared=shared or side == "booking", kind="zaal", category="zaal")
    user = world.user(requester, "dienst")
    start = next_weekday()
    with tenant_context(user.tenant_id, user_id=user.id):
        resource = db.session.get(Resource, rid)
        ops.add_to_basket(resource, {"starts_at": start, "ends_at": start + timedelta(hours=3)}, user=user)
        ops.add_to_basket(
            resource, {"starts_at": start + timedelta(hours=4), "ends_at": start + timedelta(hours=6)}, user=user
        )
        ((_owner, key, _rows),) = ops.submit_basket(user)
        db.session.commit()
    model: Any = Reservation if side == "reservation" else Booking

    def read() -> Any:
        return sorted(db.session.scalars(select(model.status).where(model.group_key == key)))

    return Target(path=route.format(key=key), secret=name, state=owner_snapshot(world, read))


def _rental_offer(world: Any, shared: bool, route: str) -> Target:
    """An own reservation of "owner" holding a waitlist offer (the slot a partner's cancellation freed)."""
    from portal.rentals import operations as ops
    from portal.rentals.models import Reservation, Resource
    from tests.rentals_helpers import make_reservation, make_resource, next_weekday

    name = secret("Matrixaanbod")
    rid = make_resource(world, name, shared=True)
    start = next_weekday()
    blocking, _booking = make_reservation(world, rid, tenant="partner", start=start, hours=8)
    user = world.user("owner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        data = {"starts_at": start, "ends_at": start + timedelta(hours=4), "waitlist": True}
        res_id = ops.request_reservation(db.session.get(Resource, rid), data, user=user).id
        db.session.commit()
    partner = world.user("partner", "dienst")
    with tenant_context(partner.tenant_id, user_id=partner.id):
        ops.cancel_reservation(db.session.get(Reservation, blocking))
        db.session.commit()

    def read() -> Any:
        return db.session.scalar(select(Reservation.status).where(Reservation.id == res_id))

    return Target(path=route.format(id=res_id), secret=name, state=owner_snapshot(world, read))


REGISTRY.update(
    {
        "/<tenant>/verhuur/mandje/<int:item_id>/verwijderen": Entry(
            build=lambda w, s: _rental_basket_item(w, s, "/<tenant>/verhuur/mandje/{id}/verwijderen"),
            methods=("POST",),
            role="dienst",
            per_user=True,
            colleague_role="ad",
        ),
        "/api/v1/rentals/basket/items/<int:item_id>": Entry(
            build=lambda w, s: _rental_basket_item(w, s, "/api/v1/rentals/basket/items/{id}"),
            methods=("DELETE",),
            role="dienst",
            per_user=True,
            colleague_role="ad",
        ),
        "/<tenant>/verhuur/reservaties/groep/<group_key>": Entry(
            build=lambda w, s: _rental_group(w, s, "/<tenant>/verhuur/reservaties/groep/{key}", "reservation"),
            methods=("GET",),
            role="dienst",
        ),
        "/<tenant>/verhuur/reservaties/groep/<group_key>/annuleren": Entry(
            build=lambda w, s: _rental_group(
                w, s, "/<tenant>/verhuur/reservaties/groep/{key}/annuleren", "reservation"
            ),
            methods=("POST",),
            role="dienst",
        ),
        "/api/v1/rentals/reservation-groups/<group_key>": Entry(
            build=lambda w, s: _rental_group(w, s, "/api/v1/rentals/reservation-groups/{key}", "reservation"),
            methods=("GET",),
            role="dienst",
        ),
        "/api/v1/rentals/reservation-groups/<group_key>/cancel": Entry(
            build=lambda w, s: _rental_group(w, s, "/api/v1/rentals/reservation-groups/{key}/cancel", "reservation"),
            methods=("POST",),
            role="dienst",
            owner_status={"POST": 200},
        ),
        "/<tenant>/verhuur/aanvragen/groep/<group_key>": Entry(
            build=lambda w, s: _rental_group(w, s, "/<tenant>/verhuur/aanvragen/groep/{key}", "booking"),
            methods=("GET",),
            role="dienst",
        ),
        "/<tenant>/verhuur/aanvragen/groep/<group_key>/beslissen": Entry(
            build=lambda w, s: _rental_group(w, s, "/<tenant>/verhuur/aanvragen/groep/{key}/beslissen", "booking"),
            methods=("POST",),
            role="dienst",
            data={"POST": {"action": "goedkeuren"}},
        ),
        "/api/v1/rentals/booking-groups/<group_key>": Entry(
            build=lambda w, s: _rental_group(w, s, "/api/v1/rentals/booking-groups/{key}", "booking"),
            methods=("GET",),
            role="dienst",
        ),
        "/api/v1/rentals/booking-groups/<group_key>/decision": Entry(
            build=lambda w, s: _rental_group(w, s, "/api/v1/rentals/booking-groups/{key}/decision", "booking"),
            methods=("POST",),
            role="dienst",
            data={"POST": {"action": "goedkeuren"}},
            owner_status={"POST": 200},
        ),
        "/<tenant>/verhuur/reservaties/<int:reservation_id>/aanbod": Entry(
            build=lambda w, s: _rental_offer(w, s, "/<tenant>/verhuur/reservaties/{id}/aanbod"),
            methods=("POST",),
            role="dienst",
            data={"POST": {"action": "aanvaarden"}},
        ),
        "/api/v1/rentals/reservations/<int:reservation_id>/offer": Entry(
            build=lambda w, s: _rental_offer(w, s, "/api/v1/rentals/reservations/{id}/offer"),
            methods=("POST",),
            role="dienst",
            data={"POST": {"action": "aanvaarden"}},
            owner_status={"POST": 200},
        ),
    }
)
# -- end rentals --


# -- reports --
from sqlalchemy import func  # noqa: E402


def _council_report(world: Any, shared: bool, route: str, state: str = "concept") -> Target:
    """A council report of "owner" (never shared): a draft, a failed version or an approved one."""
    from portal.reports import operations as report_ops
    from portal.reports.models import CouncilReport
    from tasks.reports import generate as generate_report

    text = secret("Matrixrapport")
    ad = world.user("owner", "ad")
    tenant_id = world.tenants["owner"].id
    with tenant_context(tenant_id, user_id=ad.id):
        report = report_ops.request_report(report_ops.period_code("semester", clock.today()))
        assert report is not None
        db.session.commit()
        report_id = report.id
    if state == "mislukt":
        with tenant_context(tenant_id, user_id=ad.id):
            report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
            assert report is not None
            report.status, report.error = "mislukt", f"RuntimeError: {text}"
            db.session.commit()
    else:
        generate_report(tenant_id, report_id)
        with tenant_context(tenant_id, user_id=ad.id):
            report = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
            assert report is not None
            report_ops.update_texts(report, {"foreword": text, "remarks": ""})
            if state == "goedgekeurd":
                report_ops.approve(report, f"%PDF-1.7 {text}".encode())
            db.session.commit()

    def read() -> Any:
        row = db.session.execute(
            select(CouncilReport.status, CouncilReport.foreword, CouncilReport.error).where(
                CouncilReport.id == report_id
            )
        ).one_or_none()
        versions = db.session.scalar(
            select(func.count()).select_from(CouncilReport).where(CouncilReport.tenant_id == tenant_id)
        )
        return None if row is None else (*row, versions)

    return Target(path=route.format(id=report_id), secret=text, state=owner_snapshot(world, read))


_RP = "/<tenant>/rapporten/{id}"
REGISTRY.update(
    {
        "/<tenant>/rapporten/<int:report_id>": Entry(build=lambda w, s: _council_report(w, s, _RP), methods=("GET",)),
        "/<tenant>/rapporten/<int:report_id>/status": Entry(
            build=lambda w, s: _council_report(w, s, _RP + "/status", "mislukt"), methods=("GET",)
        ),
        "/<tenant>/rapporten/<int:report_id>/opnieuw": Entry(
            build=lambda w, s: _council_report(w, s, _RP + "/opnieuw", "mislukt"),
            methods=("POST",),
            owner_status={"POST": 303},
        ),
        "/<tenant>/rapporten/<int:report_id>/bewerken": Entry(
            build=lambda w, s: _council_report(w, s, _RP + "/bewerken"),
            methods=("POST",),
            data={"POST": {"foreword": "Gewijzigd door de matrix", "remarks": ""}},
            owner_status={"POST": 303},
        ),
        "/<tenant>/rapporten/<int:report_id>/goedkeuren": Entry(
            build=lambda w, s: _council_report(w, s, _RP + "/goedkeuren"),
            methods=("POST",),
            owner_status={"POST": 303},
        ),
        "/<tenant>/rapporten/<int:report_id>/correctie": Entry(
            build=lambda w, s: _council_report(w, s, _RP + "/correctie", "goedgekeurd"),
            methods=("POST",),
            owner_status={"POST": 303},
        ),
        "/<tenant>/rapporten/<int:report_id>/pdf": Entry(
            build=lambda w, s: _council_report(w, s, _RP + "/pdf", "goedgekeurd"), methods=("GET",)
        ),
        "/api/v1/reports/<int:report_id>": Entry(
            build=lambda w, s: _council_report(w, s, "/api/v1/reports/{id}"), methods=("GET",)
        ),
        "/api/v1/reports/<int:report_id>/pdf": Entry(
            build=lambda w, s: _council_report(w, s, "/api/v1/reports/{id}/pdf", "goedgekeurd"), methods=("GET",)
        ),
    }
)
# -- end reports --


# -- alignment (entries in tests/matrix_alignment.py) --
from tests.matrix_alignment import ENTRIES as _ALIGNMENT_ENTRIES  # noqa: E402

REGISTRY.update(_ALIGNMENT_ENTRIES)


# -- plans (entries in tests/matrix_plans_edit.py, _links.py and _reports.py) --
from tests.matrix_plans_edit import ENTRIES as _PLANS_EDIT_ENTRIES  # noqa: E402
from tests.matrix_plans_links import ENTRIES as _PLANS_LINKS_ENTRIES  # noqa: E402
from tests.matrix_plans_reports import ENTRIES as _PLANS_REPORTS_ENTRIES  # noqa: E402

REGISTRY.update(_PLANS_EDIT_ENTRIES)
REGISTRY.update(_PLANS_LINKS_ENTRIES)
REGISTRY.update(_PLANS_REPORTS_ENTRIES)
