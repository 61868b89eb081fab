"""The data-layer tenant scope: reads, writes, bulk statements, joins, relationships, counts, URLs.

Runs with a real model (Announcement) on SQLite and on PostgreSQL (with or without row-level
security behind it): the ORM scope alone must already keep tenants apart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, String, Table, delete, exists, func, insert, literal, select, union_all, update
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    aliased,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
    subqueryload,
)

from portal.core.models import Shareable
from portal.core.pagination import paginate
from portal.dashboard.models import Announcement
from portal.extensions import db
from tenants.context import tenant_context
from tenants.models import ShareGrant, Tenant
from tenants.scoping import TenantViolation
from tests.conftest import login
from tests.matrix import announce, token_headers

ROOT = Path(__file__).resolve().parent.parent


# The world's tenants. PostgreSQL concurrency tests commit tenants of their own (they cannot run
# inside the rolled-back test transaction, and a tenant with audit history cannot be deleted).
WORLD = ("owner", "partner", "former", "outsider")


@pytest.fixture
def rows(world: Any) -> dict[str, int]:
    """Owner: one own and one region-shared announcement; partner and outsider: one own each."""
    return {
        "owner-own": announce(world, "Eigen van owner"),
        "owner-region": announce(world, "Regio van owner", audience="region"),
        "partner-own": announce(world, "Eigen van partner", tenant="partner"),
        "outsider-own": announce(world, "Eigen van outsider", tenant="outsider"),
    }


def tid(world: Any, slug: str) -> int:
    return int(world.tenants[slug].id)


def titles_as(tenant_id: int | None, stmt: Any = None) -> set[str]:
    with tenant_context(tenant_id):
        return set(db.session.scalars(stmt if stmt is not None else select(Announcement.title)))


def owner_view(world: Any) -> dict[int, tuple[str, int]]:
    """Return every announcement as its own tenant sees it: id -> (title, tenant_id)."""
    found = {}
    for slug in world.tenants:
        with tenant_context(tid(world, slug)):
            for ann_id, title, tenant_id in db.session.execute(
                select(Announcement.id, Announcement.title, Announcement.tenant_id).where(
                    Announcement.tenant_id == tid(world, slug)
                )
            ):
                found[ann_id] = (title, tenant_id)
    return found


# -- reads ---------------------------------------------------------------------------------------


def test_code_outside_any_tenant_context_sees_no_tenant_rows(world, rows):
    assert titles_as(tid(world, "owner")) == {"Eigen van owner", "Regio van owner"}
    db.session.expunge_all()
    # No context at all, a context without tenant, and the platform context.
    assert set(db.session.scalars(select(Announcement.title))) == set()
    for ctx in (tenant_context(None), tenant_context(None, is_platform=True)):
        with ctx:
            assert db.session.scalars(select(Announcement)).all() == []
            assert db.session.scalar(select(func.count(Announcement.id))) == 0
            assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0
            assert db.session.get(Announcement, rows["owner-own"]) is None
            assert (
                db.session.scalars(select(Tenant.slug).join(Announcement, Announcement.tenant_id == Tenant.id)).all()
                == []
            )


def test_each_tenant_reads_own_and_shared_rows_only(world, rows):
    assert titles_as(tid(world, "partner")) == {"Regio van owner", "Eigen van partner"}
    assert titles_as(tid(world, "outsider")) == {"Eigen van outsider"}
    assert titles_as(tid(world, "former")) == set()


def test_an_object_loaded_for_one_tenant_is_not_returned_to_another(world, rows):
    """select() queries again: an object already in the session is only returned if visible."""
    with tenant_context(tid(world, "owner")):
        mine = db.session.scalar(select(Announcement).where(Announcement.id == rows["owner-own"]))
        assert mine is not None
    with tenant_context(tid(world, "partner")):
        assert db.session.scalar(select(Announcement).where(Announcement.id == rows["owner-own"])) is None
        assert db.session.scalar(select(Announcement).where(Announcement.id == rows["owner-region"])) is not None


def test_joins_subqueries_and_aggregates_apply_the_scope(world, rows):
    partner = tid(world, "partner")
    with tenant_context(partner):
        # The entity joined from another table.
        joined = db.session.scalars(
            select(Tenant.slug).join(Announcement, Announcement.tenant_id == Tenant.id).order_by(Tenant.slug)
        ).all()
        assert joined == ["owner", "partner"]
        ids = set(db.session.scalars(select(Announcement.id).join(Tenant, Tenant.id == Announcement.tenant_id)))
        assert ids == {rows["owner-region"], rows["partner-own"]}
        # Outer join: the criteria sit in the ON clause, hidden rows come back as NULL.
        outer = db.session.execute(
            select(Tenant.slug, Announcement.title)
            .outerjoin(Announcement, Announcement.tenant_id == Tenant.id)
            .where(Tenant.slug == "outsider")
        ).all()
        assert [tuple(r) for r in outer] == [("outsider", None)]
        # Aliases, self-joins, IN / EXISTS / scalar subqueries, UNION and CTEs.
        other = aliased(Announcement)
        pairs = db.session.execute(select(Announcement.id, other.id).join(other, other.id != Announcement.id)).all()
        assert {x for pair in pairs for x in pair} == {rows["owner-region"], rows["partner-own"]}
        assert set(db.session.scalars(select(Tenant.slug).where(Tenant.id.in_(select(Announcement.tenant_id))))) == {
            "owner",
            "partner",
        }
        has_rows = select(Announcement.id).where(Announcement.tenant_id == Tenant.id).exists()
        assert set(db.session.scalars(select(Tenant.slug).where(has_rows))) == {"owner", "partner"}
        counted = select(func.count(Announcement.id)).where(Announcement.tenant_id == Tenant.id).scalar_subquery()
        assert dict(db.session.execute(select(Tenant.slug, counted).where(Tenant.slug.in_(WORLD))).all()) == {
            "owner": 1,
            "partner": 1,
            "former": 0,
            "outsider": 0,
        }
        both = union_all(select(Announcement.title), select(literal("vast")))
        assert set(db.session.scalars(select(both.subquery().c[0]))) == {"Regio van owner", "Eigen van partner", "vast"}
        cte = select(Announcement.id).cte("zichtbaar")
        assert db.session.scalar(select(func.count()).select_from(cte)) == 2
        assert db.session.scalar(select(func.max(Announcement.id))) == max(rows["owner-region"], rows["partner-own"])


def test_a_scoped_model_named_only_in_a_where_clause_is_refused(world, rows):
    """An implicit FROM escapes the loader criteria, so such statements are refused outright."""
    outsider = tid(world, "outsider")
    with tenant_context(tid(world, "partner")):
        for stmt in (
            select(Tenant.slug).where(exists().where(Announcement.tenant_id == Tenant.id)),
            select(func.count()).where(Announcement.tenant_id == outsider),
            select(exists().where(Announcement.title == "Eigen van outsider")),
            select(literal(1)).where(ShareGrant.tenant_id == outsider),
        ):
            with pytest.raises(TenantViolation, match="WHERE clause"):
                db.session.execute(stmt)
        # Written with the model named, the same questions are answered inside the scope.
        named = select(func.count()).select_from(Announcement).where(Announcement.tenant_id == outsider)
        assert db.session.scalar(named) == 0
        found = select(Announcement.id).where(Announcement.title == "Eigen van outsider").exists()
        assert db.session.scalar(select(found)) is False
        correlated = select(func.count(ShareGrant.id)).where(ShareGrant.object_id == Announcement.id).scalar_subquery()
        assert set(db.session.scalars(select(Announcement.title).where(correlated == 0))) == {
            "Regio van owner",
            "Eigen van partner",
        }


# A second, test-only mapping of existing tables with relationships into a Shareable model:
# proves that lazy, selectin, joined and subquery loads of related tenant rows are scoped.
class _Mapped(DeclarativeBase):
    pass


Table("regions", _Mapped.metadata, Column("id", Integer, primary_key=True))


class TenantWithNotes(_Mapped):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60))
    notes: Mapped[list[Note]] = relationship(viewonly=True, order_by="Note.id")


class Note(Shareable, _Mapped):
    __tablename__ = "announcements"
    __share_type__ = "announcement"
    __share_domain__ = "algemeen"

    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[TenantWithNotes] = relationship(viewonly=True)


@pytest.mark.parametrize(
    "loader", [None, selectinload, joinedload, subqueryload], ids=["lazy", "selectin", "joined", "subquery"]
)
def test_relationship_loads_apply_the_scope(world, rows, loader):
    partner = tid(world, "partner")
    db.session.expunge_all()
    with tenant_context(partner):
        stmt = select(TenantWithNotes).where(TenantWithNotes.slug.in_(WORLD)).order_by(TenantWithNotes.slug)
        if loader is not None:
            stmt = stmt.options(loader(TenantWithNotes.notes))
        seen = {t.slug: [n.title for n in t.notes] for t in db.session.scalars(stmt).unique()}
        assert seen == {"former": [], "outsider": [], "owner": ["Regio van owner"], "partner": ["Eigen van partner"]}
        # And the other way round: the shared note's owner loads, a hidden one is not there to load from.
        assert {n.owner.slug for n in db.session.scalars(select(Note))} == {"owner", "partner"}
    db.session.expunge_all()


def test_pagination_counts_inside_the_scope(app, world, rows):
    """paginate() counts through a subquery: the scope must apply inside it."""
    for extra in range(3):
        announce(world, f"Extra van owner {extra}")
    expected = {"owner": 5, "partner": 2, "outsider": 1, "former": 0}
    for slug, total in expected.items():
        with app.test_request_context("/?per_page=1&page=1"), tenant_context(tid(world, slug)):
            page = paginate(select(Announcement).order_by(Announcement.id))
            assert page.total == total, slug
            assert page.pages == max(1, total)
            assert len(page.items) == min(1, total)
            assert all(item.tenant_id == tid(world, slug) or item.audience == "region" for item in page.items)
        with app.test_request_context(f"/?per_page=1&page={total + 1}"), tenant_context(tid(world, slug)):
            assert paginate(select(Announcement).order_by(Announcement.id)).items == []


# -- writes through the unit of work -------------------------------------------------------------


def test_orm_change_of_another_tenants_row_raises_and_changes_nothing(world, rows):
    before = owner_view(world)
    partner = tid(world, "partner")
    with tenant_context(partner):
        shared = db.session.scalar(select(Announcement).where(Announcement.id == rows["owner-region"]))
        assert shared is not None  # readable, because it is shared
        shared.title = "Overgenomen door partner"
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()
    with tenant_context(partner):
        shared = db.session.scalar(select(Announcement).where(Announcement.id == rows["owner-region"]))
        db.session.delete(shared)
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()
    with tenant_context(partner):
        # Taking the row over by changing its owner is a write of the owner's row too.
        shared = db.session.scalar(select(Announcement).where(Announcement.id == rows["owner-region"]))
        shared.tenant_id = partner
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()
    assert owner_view(world) == before


def test_orm_insert_for_another_tenant_or_outside_a_context_raises(world, rows):
    before = owner_view(world)
    with tenant_context(tid(world, "partner")):
        db.session.add(Announcement(title="Namens owner", tenant_id=tid(world, "owner")))
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()
    db.session.add(Announcement(title="Zonder bestuur"))
    with pytest.raises(TenantViolation):
        db.session.flush()
    db.session.rollback()
    with tenant_context(None, is_platform=True):
        db.session.add(Announcement(title="Door het platform"))
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()
    assert owner_view(world) == before
    # The owner's own insert gets its tenant_id from the context, not from input.
    with tenant_context(tid(world, "partner")):
        note = Announcement(title="Zelf geschreven")
        db.session.add(note)
        db.session.flush()
        assert note.tenant_id == tid(world, "partner")
    db.session.rollback()


# -- writes that bypass the unit of work ---------------------------------------------------------


def test_bulk_update_and_delete_touch_own_rows_only(world, rows):
    before = owner_view(world)
    partner = tid(world, "partner")
    with tenant_context(partner):
        changed = db.session.execute(update(Announcement).values(title="Massaal gewijzigd"))
        assert changed.rowcount == 1
        aimed = db.session.execute(
            update(Announcement).where(Announcement.id == rows["owner-region"]).values(title="Gericht")
        )
        assert aimed.rowcount == 0
        # A Core statement on the table itself is scoped as well.
        core = db.session.execute(update(Announcement.__table__).values(body_html="Core"))
        assert core.rowcount == 1
        assert db.session.execute(delete(Announcement).where(Announcement.id == rows["owner-own"])).rowcount == 0
        table = Announcement.__table__
        assert db.session.execute(delete(table).where(table.c.id == rows["owner-own"])).rowcount == 0
        db.session.commit()
    after = owner_view(world)
    assert after[rows["partner-own"]] == ("Massaal gewijzigd", partner)
    assert {k: v for k, v in after.items() if k != rows["partner-own"]} == {
        k: v for k, v in before.items() if k != rows["partner-own"]
    }
    with tenant_context(partner):
        assert db.session.execute(delete(Announcement)).rowcount == 1
        db.session.commit()
    assert set(owner_view(world)) == set(before) - {rows["partner-own"]}


def test_bulk_statements_cannot_name_another_tenants_rows(world, rows):
    before = owner_view(world)
    owner, partner = tid(world, "owner"), tid(world, "partner")
    attempts = [
        # ORM bulk UPDATE by primary key skips the loader criteria: the ids are checked.
        lambda: db.session.execute(update(Announcement), [{"id": rows["owner-own"], "title": "Via id"}]),
        lambda: db.session.execute(insert(Announcement).values(tenant_id=owner, title="Ingevoegd", audience="own")),
        lambda: db.session.execute(insert(Announcement), [{"tenant_id": owner, "title": "Bulk", "audience": "own"}]),
        lambda: db.session.execute(
            insert(Announcement.__table__).values([{"tenant_id": owner, "title": "Core", "audience": "own"}])
        ),
        # Moving own rows to another tenant.
        lambda: db.session.execute(update(Announcement).values(tenant_id=owner)),
        lambda: db.session.execute(
            insert(Announcement).from_select(
                ["tenant_id", "title", "audience"], select(literal(owner), literal("x"), literal("own"))
            )
        ),
    ]
    for attempt in attempts:
        with tenant_context(partner), pytest.raises(TenantViolation):
            attempt()
        db.session.rollback()
    assert owner_view(world) == before
    # Own rows in bulk are fine.
    with tenant_context(partner):
        db.session.execute(insert(Announcement), [{"tenant_id": partner, "title": "Eigen bulk", "audience": "own"}])
        db.session.execute(update(Announcement), [{"id": rows["partner-own"], "title": "Eigen via id"}])
        db.session.commit()
    assert {title for title, t in owner_view(world).values() if t == partner} == {"Eigen bulk", "Eigen via id"}


def test_no_module_uses_the_legacy_bulk_api():
    """Session.bulk_*_mappings / bulk_save_objects skip every session hook, so the scope too."""
    pattern = re.compile(r"\.bulk_(insert_mappings|update_mappings|save_objects)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("portal", "tenants", "tasks")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# -- tenant in the URL ---------------------------------------------------------------------------


def test_another_tenants_slug_or_an_unknown_slug_answers_404(app, world, rows):
    client = app.test_client()
    login(client, world.user("owner"))
    assert client.get("/owner/mededelingen").status_code == 200
    for path in (
        "/partner/mededelingen",
        "/partner/",
        "/partner/beheer/gebruikers",
        f"/partner/mededelingen/{rows['owner-own']}",  # even the own object under a foreign slug
        f"/partner/mededelingen/{rows['partner-own']}",
        "/bestaat-niet/mededelingen",
        "/bestaat-niet/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Eigen van" not in response.text
        assert "Niet gevonden" in response.text or "bestaat niet" in response.text
    anonymous = app.test_client()
    assert anonymous.get("/bestaat-niet/mededelingen").status_code == 404
    assert anonymous.get("/owner/mededelingen").status_code == 302  # to the login page


def test_api_accepts_token_and_cookie_and_answers_401_otherwise(app, world, rows):
    token_client = app.test_client()
    by_token = token_client.get("/api/v1/announcements", headers=token_headers(world.user("partner")))
    assert by_token.status_code == 200
    assert {i["title"] for i in by_token.json["items"]} == {"Regio van owner", "Eigen van partner"}
    cookie_client = app.test_client()
    login(cookie_client, world.user("outsider"))
    by_cookie = cookie_client.get("/api/v1/announcements")
    assert by_cookie.status_code == 200
    assert [i["title"] for i in by_cookie.json["items"]] == ["Eigen van outsider"]
    assert by_cookie.json["pagination"]["total"] == 1
    anonymous = app.test_client().get("/api/v1/announcements")
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"
    bad = app.test_client().get("/api/v1/announcements", headers={"Authorization": "Bearer swp_onzin"})
    assert bad.status_code == 401


def test_lists_of_per_user_and_per_tenant_objects_stay_apart(app, world):
    """Users, tokens and notifications of others never show in a list."""
    from portal.auth.operations import create_api_token
    from portal.core.notifications import Notification

    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        create_api_token(ad, "Token van de directeur")
        db.session.add(Notification(user_id=ad.id, category="general", title="Melding voor de directeur"))
        db.session.commit()
    colleague = app.test_client()
    login(colleague, world.user("owner", "dienst"))
    assert "Token van de directeur" not in colleague.get("/owner/account/tokens").text
    assert "Melding voor de directeur" not in colleague.get("/owner/meldingen/").text
    director = app.test_client()
    login(director, ad)
    assert "Token van de directeur" in director.get("/owner/account/tokens").text
    assert "Melding voor de directeur" in director.get("/owner/meldingen/").text

    admin = app.test_client()
    login(admin, world.user("partner", "beheerder"))
    listing = admin.get("/partner/beheer/gebruikers?per_page=100").text
    assert "ad@partner.test" in listing
    assert "@owner.test" not in listing and "@outsider.test" not in listing
    searched = admin.get("/partner/beheer/gebruikers?q=owner").text
    assert "@owner.test" not in searched

    outsider = app.test_client()
    login(outsider, world.user("outsider"))
    tenants = outsider.get("/api/v1/tenants").json
    assert [t["slug"] for t in tenants] == ["outsider"]
    regions = outsider.get("/api/v1/regions").json
    assert [r["slug"] for r in regions] == ["regio-b"]
