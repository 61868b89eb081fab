"""The alignment routes of the cross-tenant matrix (imported by tests/matrix.py at its end)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from io import BytesIO
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.alignment import operations as ops
from portal.alignment.models import AlignmentItem, Proposal, ProposalParty, TariffLine
from portal.extensions import db
from tenants.context import tenant_context
from tests import clock
from tests.alignment_helpers import as_user, meeting_of, proposal_of, tariff
from tests.matrix import Entry, Target, owner_snapshot, secret, third_party

# -- the cross-tenant matrix ---------------------------------------------------------------------


def _item_state(world: Any, item_id: int) -> Callable[[], Any]:
    def read() -> Any:
        row = db.session.execute(
            select(
                AlignmentItem.title,
                AlignmentItem.audience,
                AlignmentItem.region_id,
                AlignmentItem.map_storage_key,
            ).where(AlignmentItem.id == item_id)
        ).one_or_none()
        lines = db.session.execute(select(TariffLine.amount).where(TariffLine.item_id == item_id)).all()
        return None if row is None else (tuple(row), sorted(map(tuple, lines)))

    return owner_snapshot(world, read)


def _item(world: Any, shared: bool, route: str, *, with_map: bool = False) -> Target:
    title = secret("Matrixreglement")
    item_id = tariff(world, "owner", "3.00", title=title, shared=shared, subject=secret("onderwerp").lower())
    if with_map:
        with as_user(world, "owner", "dienst"):
            item = db.session.get(AlignmentItem, item_id)
            upload = FileStorage(BytesIO(b"%PDF-1.7 " + title.encode()), filename="proces.pdf")
            ops.attach_map(item, upload)
            db.session.commit()
    return Target(path=route.format(id=item_id), secret=title, state=_item_state(world, item_id))


def _proposal_state(world: Any, proposal_id: int) -> Callable[[], Any]:
    def read() -> Any:
        row = db.session.execute(
            select(
                Proposal.title, Proposal.status, Proposal.meeting_id, Proposal.agreement_id, Proposal.dossier_id
            ).where(Proposal.id == proposal_id)
        ).one_or_none()
        parties = db.session.execute(
            select(ProposalParty.party_tenant_id, ProposalParty.decision).where(
                ProposalParty.proposal_id == proposal_id
            )
        ).all()
        return None if row is None else (tuple(row), sorted(map(tuple, parties)))

    return owner_snapshot(world, read)


def _proposal(world: Any, shared: bool, route: str, *, submit: bool = False, approved: bool = False) -> Target:
    """A proposal of "owner"; shared: "partner" is a party, else only a third member of region A is."""
    title = secret("Matrixvoorstel")
    partners = [world.tenants["partner"]] if shared else [third_party(world)]
    proposal_id = proposal_of(world, partners, title=title, submit=submit or approved)
    if approved:
        from portal.auth.models import User

        for tenant in partners:
            ad = db.session.scalar(select(User).where(User.email == f"ad@{tenant.slug}.test"))
            with tenant_context(tenant.id, user_id=ad.id):
                ops.record_decision(db.session.get(Proposal, proposal_id), _decision_data())
                db.session.commit()
    return Target(path=route.format(id=proposal_id), secret=title, state=_proposal_state(world, proposal_id))


def _decision_data() -> dict[str, Any]:
    return {"decision": "goedgekeurd", "body": "college", "decided_on": clock.today(), "reference": "CBS-1"}


_DECISION_FORM = {"decision": "goedgekeurd", "body": "college", "decided_on": "2026-01-05", "reference": "CBS-9"}
_ITEM_FORM = {
    "kind": "reglement",
    "title": "Gewijzigd door de matrix",
    "subject": "nadarhekken",
    "category": "retributie",
    "status": "actief",
    "tarief_label": "Nadarhek",
    "tarief_amount": "4,00",
    "tarief_unit": "per hek per dag",
}
_ITEM_JSON = {
    "kind": "reglement",
    "title": "Gewijzigd door de matrix",
    "subject": "nadarhekken",
    "category": "retributie",
    "tariff_lines": [{"label": "Nadarhek", "amount": "4.00", "unit": "per hek per dag"}],
}


class _Upload(Mapping[str, Any]):
    """A fresh PDF upload each time the matrix reads the body."""

    def _data(self) -> dict[str, Any]:
        return {"file": (BytesIO(b"%PDF-1.7 nieuwe kaart " + secret("k").encode()), "kaart.pdf")}

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __iter__(self) -> Any:
        return iter(self._data())

    def __len__(self) -> int:
        return 1


#: The meeting the last "vergadering" builder made: the form posts it.
_MEETING: dict[str, int] = {}


class _Meeting(Mapping[str, Any]):
    """The form linking a proposal to the meeting its builder created."""

    def __getitem__(self, key: str) -> Any:
        if key != "meeting_id":
            raise KeyError(key)
        return str(_MEETING["id"])

    def __iter__(self) -> Any:
        return iter(["meeting_id"])

    def __len__(self) -> int:
        return 1


def _proposal_with_meeting(world: Any, shared: bool, route: str) -> Target:
    _MEETING["id"] = meeting_of(world)
    return _proposal(world, shared, route)


_A = "/<tenant>/afstemming/items/{id}"
_P = "/<tenant>/afstemming/voorstellen/{id}"
_SEE_OTHER = {"POST": 303}

ENTRIES: dict[str, Entry] = {
    "/<tenant>/afstemming/items/<int:item_id>": Entry(
        build=lambda w, s: _item(w, s, _A), methods=("GET",), shareable=True, shared_reads=("GET",)
    ),
    "/<tenant>/afstemming/items/<int:item_id>/bewerken": Entry(
        build=lambda w, s: _item(w, s, _A + "/bewerken"),
        methods=("GET", "POST"),
        shareable=True,
        data={"POST": _ITEM_FORM},
        owner_status={"GET": 200, "POST": 303},
    ),
    "/<tenant>/afstemming/items/<int:item_id>/delen": Entry(
        build=lambda w, s: _item(w, s, _A + "/delen"),
        methods=("POST",),
        shareable=True,
        data={"POST": {"audience": "own"}},
        owner_status=_SEE_OTHER,
    ),
    "/<tenant>/afstemming/items/<int:item_id>/verwijderen": Entry(
        build=lambda w, s: _item(w, s, _A + "/verwijderen"),
        methods=("POST",),
        shareable=True,
        owner_status=_SEE_OTHER,
    ),
    "/<tenant>/afstemming/items/<int:item_id>/proceskaart": Entry(
        build=lambda w, s: _item(w, s, _A + "/proceskaart", with_map=True),
        methods=("GET", "POST"),
        shareable=True,
        shared_reads=("GET",),
        data={"POST": _Upload()},
        owner_status={"GET": 200, "POST": 303},
    ),
    "/api/v1/alignment/items/<int:item_id>": Entry(
        build=lambda w, s: _item(w, s, "/api/v1/alignment/items/{id}"),
        methods=("GET", "PUT", "DELETE"),
        shareable=True,
        shared_reads=("GET",),
        data={"PUT": _ITEM_JSON},
    ),
    "/<tenant>/afstemming/voorstellen/<int:proposal_id>": Entry(
        build=lambda w, s: _proposal(w, s, _P), methods=("GET",), shareable=True, shared_reads=("GET",)
    ),
    "/<tenant>/afstemming/voorstellen/<int:proposal_id>/voorleggen": Entry(
        build=lambda w, s: _proposal(w, s, _P + "/voorleggen"),
        methods=("POST",),
        shareable=True,
        owner_status=_SEE_OTHER,
    ),
    "/<tenant>/afstemming/voorstellen/<int:proposal_id>/intrekken": Entry(
        build=lambda w, s: _proposal(w, s, _P + "/intrekken"),
        methods=("POST",),
        shareable=True,
        owner_status=_SEE_OTHER,
    ),
    "/<tenant>/afstemming/voorstellen/<int:proposal_id>/vergadering": Entry(
        build=lambda w, s: _proposal_with_meeting(w, s, _P + "/vergadering"),
        methods=("POST",),
        shareable=True,
        data={"POST": _Meeting()},
        owner_status=_SEE_OTHER,
    ),
    # A party may decide: the partner is never a party here, a third member of region A is.
    "/<tenant>/afstemming/voorstellen/<int:proposal_id>/beslissing": Entry(
        build=lambda w, s: _proposal(w, False, _P + "/beslissing", submit=True),
        methods=("POST",),
        data={"POST": _DECISION_FORM},
        owner_status=_SEE_OTHER,
    ),
    "/<tenant>/afstemming/voorstellen/<int:proposal_id>/overeenkomst": Entry(
        build=lambda w, s: _proposal(w, False, _P + "/overeenkomst", approved=True),
        methods=("POST",),
        owner_status=_SEE_OTHER,
    ),
    "/<tenant>/afstemming/voorstellen/<int:proposal_id>/aankoopdossier": Entry(
        build=lambda w, s: _proposal(w, s, _P + "/aankoopdossier"),
        methods=("POST",),
        shareable=True,
        owner_status=_SEE_OTHER,
    ),
    "/api/v1/alignment/proposals/<int:proposal_id>": Entry(
        build=lambda w, s: _proposal(w, s, "/api/v1/alignment/proposals/{id}"),
        methods=("GET",),
        shareable=True,
        shared_reads=("GET",),
    ),
    "/api/v1/alignment/proposals/<int:proposal_id>/submission": Entry(
        build=lambda w, s: _proposal(w, s, "/api/v1/alignment/proposals/{id}/submission"),
        methods=("POST",),
        shareable=True,
        owner_status={"POST": 200},
    ),
    "/api/v1/alignment/proposals/<int:proposal_id>/decision": Entry(
        build=lambda w, s: _proposal(w, False, "/api/v1/alignment/proposals/{id}/decision", submit=True),
        methods=("POST",),
        data={"POST": {**_DECISION_FORM}},
        owner_status={"POST": 200},
    ),
    "/api/v1/alignment/items/<int:item_id>/sharing": Entry(
        build=lambda w, s: _item(w, s, "/api/v1/alignment/items/{id}/sharing"),
        methods=("PUT",),
        shareable=True,
        data={"PUT": {"audience": "own"}},
    ),
    "/api/v1/alignment/items/<int:item_id>/map": Entry(
        build=lambda w, s: _item(w, s, "/api/v1/alignment/items/{id}/map", with_map=True),
        methods=("GET", "PUT"),
        shareable=True,
        shared_reads=("GET",),
        data={"PUT": _Upload()},
    ),
    "/api/v1/alignment/proposals/<int:proposal_id>/meeting": Entry(
        build=lambda w, s: _proposal_with_meeting(w, s, "/api/v1/alignment/proposals/{id}/meeting"),
        methods=("PUT",),
        shareable=True,
        data={"PUT": _Meeting()},
    ),
    "/api/v1/alignment/proposals/<int:proposal_id>/withdrawal": Entry(
        build=lambda w, s: _proposal(w, s, "/api/v1/alignment/proposals/{id}/withdrawal"),
        methods=("POST",),
        shareable=True,
        owner_status={"POST": 200},
    ),
    # As on the page: only a third member of region A approved, so the partner is never a party.
    "/api/v1/alignment/proposals/<int:proposal_id>/agreement": Entry(
        build=lambda w, s: _proposal(w, False, "/api/v1/alignment/proposals/{id}/agreement", approved=True),
        methods=("POST",),
        owner_status={"POST": 201},
    ),
    "/api/v1/alignment/proposals/<int:proposal_id>/dossier": Entry(
        build=lambda w, s: _proposal(w, s, "/api/v1/alignment/proposals/{id}/dossier"),
        methods=("POST",),
        shareable=True,
        owner_status={"POST": 201},
    ),
}
