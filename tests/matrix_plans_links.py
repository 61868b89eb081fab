"""The plan linking routes of the cross-tenant matrix (imported by tests/matrix.py at its end).

A plan is never shared: every foreign viewer gets 404, and a foreign write leaves the owner's
links as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.plans import links
from portal.plans import operations as ops
from portal.plans.models import Level, LinkType, PlanLink
from tenants.context import tenant_context
from tests.matrix import Entry, Target, make_agreement, owner_snapshot, secret

#: A procurement dossier id no test creates: a link to it resolves as no longer visible.
GONE_ID = 987_654


def make_plan(world: Any, tenant: str = "owner", title: str = "Gezamenlijke aankoop nadarhekken") -> tuple[int, int]:
    """Create a plan version of ``tenant`` with one branch down to an action titled ``title``.

    Returns ``(version_id, action_id)``.
    """
    ad = world.user(tenant, "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        version = ops.create_version({"title": "Meerjarenplan 2026-2031", "first_year": 2026, "last_year": 2031})
        parent_id = None
        for level, code, text in (
            (Level.DOMEIN, "BD1", "Facility"),
            (Level.DOELSTELLING, "BDS1", "Zuinig werken"),
            (Level.ACTIEPLAN, "AP1", "Aankopen bundelen"),
            (Level.ACTIE, "A1", title),
        ):
            node = ops.create_node(version, {"level": level, "code": code, "title": text, "parent_id": parent_id})
            parent_id = node.id
        db.session.commit()
        return version.id, node.id


def add_link(world: Any, node_id: int, object_type: str, object_id: int, note: str = "", tenant: str = "owner") -> int:
    """Store a link row of ``tenant`` as it was made once (the object need not be visible now)."""
    ad = world.user(tenant, "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        link = PlanLink(node_id=node_id, object_type=object_type, object_id=object_id, note=note)
        db.session.add(link)
        db.session.commit()
        return link.id


def links_state(world: Any, node_id: int) -> Callable[[], Any]:
    """Snapshot the node's links as the owner sees them."""

    def read() -> Any:
        rows = db.session.execute(
            select(PlanLink.object_type, PlanLink.object_id, PlanLink.note).where(PlanLink.node_id == node_id)
        ).all()
        return sorted(map(tuple, rows))

    return owner_snapshot(world, read)


#: The partner the last builder saw: the bodies link the owner's node to it (a rental partner).
_PARTNER: dict[str, int] = {}


class _PartnerLink(Mapping[str, Any]):
    """The body that links a node to the rental partner (read when the request is made)."""

    def _data(self) -> dict[str, Any]:
        return {"object_type": LinkType.RENTAL_PARTNER.value, "object_id": _PARTNER["id"], "note": "matrix"}

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __iter__(self) -> Any:
        return iter(self._data())

    def __len__(self) -> int:
        return 3


def _node(world: Any, shared: bool, route: str) -> Target:
    title = secret("Matrixactie")
    _PARTNER["id"] = world.tenants["partner"].id
    _version_id, node_id = make_plan(world, title=title)
    return Target(path=route.format(id=node_id), secret=title, state=links_state(world, node_id))


def _node_with_link(world: Any, shared: bool, route: str) -> Target:
    """A node with one (no longer visible) link whose note is the secret; the body links the partner."""
    note = secret("Matrixnotitie")
    _PARTNER["id"] = world.tenants["partner"].id
    _version_id, node_id = make_plan(world)
    add_link(world, node_id, LinkType.PROCUREMENT_DOSSIER, GONE_ID, note)
    return Target(path=route.format(id=node_id), secret=note, state=links_state(world, node_id))


def _link(world: Any, shared: bool, route: str) -> Target:
    note = secret("Matrixkoppeling")
    _version_id, node_id = make_plan(world)
    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        node = ops.nodes_of(ops.current_version(), Level.ACTIE)[0]
        link = links.link_object(
            node, {"object_type": LinkType.RENTAL_PARTNER, "object_id": world.tenants["partner"].id, "note": note}
        )
        db.session.commit()
        link_id = link.id
    return Target(path=route.format(id=link_id), secret=note, state=links_state(world, node_id))


def _suggested(world: Any, shared: bool, route: str) -> Target:
    """A node and an agreement of the owner that share a word (the agreement's title is the secret)."""
    word = secret("Matrixwoord")
    _version_id, node_id = make_plan(world, title=f"Actie {word}")
    title = f"Overeenkomst {word}"
    make_agreement(world, title)
    return Target(path=route.format(id=node_id), secret=title, state=links_state(world, node_id))


_N = "/<tenant>/meerjarenplan/acties/{id}/koppelingen"

ENTRIES: dict[str, Entry] = {
    "/<tenant>/meerjarenplan/acties/<int:node_id>/koppelingen": Entry(
        build=lambda w, s: _node(w, s, _N),
        methods=("GET", "POST"),
        data={"POST": _PartnerLink()},
        owner_status={"GET": 200, "POST": 303},
    ),
    "/<tenant>/meerjarenplan/koppelingen/<int:link_id>/ontkoppelen": Entry(
        build=lambda w, s: _link(w, s, "/<tenant>/meerjarenplan/koppelingen/{id}/ontkoppelen"),
        methods=("POST",),
        owner_status={"POST": 303},
    ),
    "/api/v1/plans/nodes/<int:node_id>/links": Entry(
        build=lambda w, s: _node_with_link(w, s, "/api/v1/plans/nodes/{id}/links"),
        methods=("GET", "POST"),
        data={"POST": _PartnerLink()},
        owner_status={"GET": 200, "POST": 201},
    ),
    "/api/v1/plans/links/<int:link_id>": Entry(
        build=lambda w, s: _link(w, s, "/api/v1/plans/links/{id}"),
        methods=("GET", "DELETE"),
    ),
    "/api/v1/plans/nodes/<int:node_id>/suggestions": Entry(
        build=lambda w, s: _suggested(w, s, "/api/v1/plans/nodes/{id}/suggestions"),
        methods=("GET",),
    ),
}
