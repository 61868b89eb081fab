"""PostgreSQL second wall for agreements: raw SQL as the runtime role sees and writes only what
the parties may; no municipality records a decision for another, not even the trekker."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from portal.extensions import db
from tests.conftest import PG_URL
from tests.matrix import make_agreement, third_party
from tests.test_postgres_rls import _runtime_role_obeys_rls, act, refused  # noqa: F401 (autouse fixture)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (PORTAL_TEST_DATABASE_URL)"),
]


def _ids(conn: Any, sql: str, **params: Any) -> set[int]:
    return set(conn.scalars(text(sql), params))


def _seen(conn: Any, table: str, column: str, *ids: int) -> set[int]:
    """Return which of the agreements ``ids`` have rows in ``table`` the acting tenant can read."""
    return {i for i in ids if conn.scalar(text(f"SELECT count(*) FROM {table} WHERE {column} = :i"), {"i": i})}


PARTY_UPDATE = (
    "UPDATE agreement_parties SET withdrawn_on = current_date WHERE agreement_id = :a AND party_tenant_id = :p"
)


def test_parties_only_read_text_decisions_and_evaluations(world):
    third = third_party(world)
    private = make_agreement(world, "Enkel partijen", parties=(third,), status="actief")
    summary = make_agreement(
        world, "Samenvatting voor de regio", parties=(third,), status="actief", region_visible=True
    )
    conn = db.session.connection()
    tenants = {"owner": world.tenants["owner"].id, "third": third.id, "partner": world.tenants["partner"].id}
    for name in ("owner", "third"):
        act(conn, tenants[name])
        assert {private, summary} <= _ids(conn, "SELECT id FROM agreements")
        assert {private, summary} <= _ids(conn, "SELECT agreement_id FROM agreement_versions")
        assert {private, summary} <= _ids(conn, "SELECT agreement_id FROM agreement_approvals")
    # A region member that is no party sees the summary (agreement and parties), never the text.
    act(conn, tenants["partner"])
    assert _ids(conn, "SELECT id FROM agreements WHERE id IN (:a, :b)", a=private, b=summary) == {summary}
    assert _ids(
        conn, "SELECT agreement_id FROM agreement_parties WHERE agreement_id IN (:a, :b)", a=private, b=summary
    ) == {summary}
    assert (
        _ids(conn, "SELECT agreement_id FROM agreement_versions WHERE agreement_id IN (:a, :b)", a=private, b=summary)
        == set()
    )
    assert (
        _ids(conn, "SELECT agreement_id FROM agreement_approvals WHERE agreement_id IN (:a, :b)", a=private, b=summary)
        == set()
    )
    for other in ("outsider", "former"):
        act(conn, world.tenants[other].id)
        assert _ids(conn, "SELECT id FROM agreements WHERE id IN (:a, :b)", a=private, b=summary) == set()
        assert (
            _ids(conn, "SELECT id FROM agreement_parties WHERE agreement_id IN (:a, :b)", a=private, b=summary) == set()
        )
    act(conn, None)
    assert _ids(conn, "SELECT id FROM agreement_versions") == set()


def test_decisions_are_written_by_their_own_party_only(world):
    third = third_party(world)
    agreement_id = make_agreement(world, "Eigen beslissing", parties=(third,), status="ter_goedkeuring")
    conn = db.session.connection()
    insert = (
        "INSERT INTO agreement_approvals (agreement_id, version, party_tenant_id, body, decision, decided_on,"
        " reference, url, recorded_at) VALUES (:agreement, 1, :party, 'gemeenteraad', 'goedgekeurd',"
        " '2026-02-01', 'GR', '', now())"
    )
    owner, partner = world.tenants["owner"].id, world.tenants["partner"].id
    # The trekker cannot record the third's decision, nor can a non-party record anything.
    act(conn, owner)
    assert "row-level security" in refused(conn, insert, agreement=agreement_id, party=third.id)
    act(conn, partner)
    assert "row-level security" in refused(conn, insert, agreement=agreement_id, party=partner)
    # The third records its own; nobody can change or delete a recorded decision afterwards.
    act(conn, third.id)
    conn.execute(text(insert), {"agreement": agreement_id, "party": third.id})
    for tenant_id in (third.id, owner):
        act(conn, tenant_id)
        changed = conn.execute(
            text("UPDATE agreement_approvals SET decision = 'afgekeurd' WHERE agreement_id = :a"), {"a": agreement_id}
        )
        assert changed.rowcount == 0
        removed = conn.execute(text("DELETE FROM agreement_approvals WHERE agreement_id = :a"), {"a": agreement_id})
        assert removed.rowcount == 0


def test_only_the_trekker_changes_the_agreement_and_its_text(world):
    agreement_id = make_agreement(world, "Van de trekker")
    conn = db.session.connection()
    act(conn, world.tenants["partner"].id)  # a party, not the owner
    assert conn.execute(text("UPDATE agreements SET title = 'x' WHERE id = :a"), {"a": agreement_id}).rowcount == 0
    assert (
        conn.execute(
            text("UPDATE agreement_versions SET text_html = 'x' WHERE agreement_id = :a"), {"a": agreement_id}
        ).rowcount
        == 0
    )
    # A party may update its own party row (its withdrawal), not another party's.
    owner_id = world.tenants["owner"].id
    own = conn.execute(
        text(
            "UPDATE agreement_parties SET withdrawn_on = current_date WHERE agreement_id = :a AND party_tenant_id = :p"
        ),
        {"a": agreement_id, "p": world.tenants["partner"].id},
    )
    assert own.rowcount == 1
    other = conn.execute(
        text(
            "UPDATE agreement_parties SET withdrawn_on = current_date WHERE agreement_id = :a AND party_tenant_id = :p"
        ),
        {"a": agreement_id, "p": owner_id},
    )
    assert other.rowcount == 0
