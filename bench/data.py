"""Generate a Flanders-scale data set straight into PostgreSQL.

All 285 Flemish municipalities (real names and NIS codes) in about 25 regions (arrondissements,
the large ones split), with users, roles, announcements and notifications that grow with the
scale factor. Runs as a superuser connection (bulk load, bypassing row-level security, like a
restore would); the portal under test connects as the runtime role with RLS in force.

    python -m bench.data --database-url postgresql+psycopg://postgres@127.0.0.1/portal_bench --scale 1

Feature modules add their own rows through ``portal/<module>/bench.py`` (``generate(conn, ctx)``).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import random
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Connection, create_engine, text

from bench.bulk import copy_rows, defer_indexes, reserve_ids, restore_indexes
from portal.core.models import Base
from tenants.catalogue import flemish_municipalities

#: Every benchmark user has this password (hashed once: hashing 30,000 times would take minutes).
PASSWORD = "Bench-wachtwoord-2026"
DOMAIN = "bench.samenwerkingsportaal.be"
USERS_PER_TENANT = 105  # ~30,000 users at scale 1
ANNOUNCEMENTS_PER_TENANT = 20
NOTIFICATIONS_PER_USER = 3
REGION_SIZE = 14
ROLES = ["beheerder", "algemeen_directeur", "beleidsverantwoordelijke", "hr_medewerker", "dienstmedewerker", "aankoper"]


@dataclass
class Context:
    """What the generator made so far, for the modules' generators."""

    scale: int
    rng: random.Random
    tenants: list[dict[str, Any]] = field(default_factory=list)  # {id, slug, name, nis_code}
    regions: list[dict[str, Any]] = field(default_factory=list)  # {id, slug, members: [tenant ids]}
    users: dict[int, list[int]] = field(default_factory=dict)  # tenant id -> user ids
    staff: dict[str, dict[str, str]] = field(default_factory=dict)  # tenant slug -> role -> e-mail


def _table(name: str) -> Any:
    return Base.metadata.tables[name]


def _insert(conn: Connection, table: str, rows: list[dict[str, Any]], returning: bool = False) -> list[int]:
    """Bulk-load ``rows`` into ``table`` with COPY (``bench.bulk``); with ``returning``, their new ids."""
    ids: list[int] = []
    if returning:
        ids = reserve_ids(conn, table, len(rows))
        rows = [{"id": row_id, **row} for row_id, row in zip(ids, rows, strict=True)]
    copy_rows(conn, table, rows)
    return ids


def _regions(municipalities: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """Group by arrondissement (first two NIS digits), splitting groups larger than REGION_SIZE."""
    groups: dict[str, list[dict[str, str]]] = {}
    for m in municipalities:
        groups.setdefault(m["nis_code"][:2], []).append(m)
    regions: list[list[dict[str, str]]] = []
    for members in groups.values():
        parts = -(-len(members) // REGION_SIZE)
        size = -(-len(members) // parts)
        regions.extend(members[i : i + size] for i in range(0, len(members), size))
    return regions


def current_members(conn: Connection) -> dict[int, list[int]]:
    """Return region id -> the tenant ids that are members today (former members left out)."""
    rows = conn.execute(
        text(
            "SELECT region_id, tenant_id FROM region_memberships"
            " WHERE joined_on <= current_date AND (left_on IS NULL OR left_on > current_date)"
            " ORDER BY region_id, tenant_id"
        )
    )
    members: dict[int, list[int]] = {}
    for region_id, tenant_id in rows:
        members.setdefault(region_id, []).append(tenant_id)
    return members


def generate(
    conn: Connection,
    scale: int = 1,
    seed: int = 2026,
    regions_of: Collection[str] = (),
    check_foreign_keys: bool = True,
) -> Context:
    """Fill an empty, migrated database; return what was made.

    ``regions_of`` (municipality slugs) keeps only the regions of those municipalities: a small
    but complete data set for tests, with the same per-municipality volumes as the full one.
    Without ``check_foreign_keys`` the load runs like ``pg_restore --disable-triggers``
    (``session_replication_role = replica``): foreign keys are not checked row by row, which
    halves the time at scale 10; check and unique constraints still hold. The test of the
    generators (tests/test_bench_data.py) loads with every check on, so a generator that breaks
    a foreign key fails there.
    """
    conn.info["bench_check_foreign_keys"] = check_foreign_keys  # read by bench.bulk.copy_rows
    deferred = defer_indexes(conn)  # built once at the end, as pg_restore does
    ctx = Context(scale=scale, rng=random.Random(seed))
    now = datetime.now(UTC)
    municipalities = flemish_municipalities()
    if regions_of:
        keep = {m["nis_code"] for g in _regions(municipalities) if {x["slug"] for x in g} & set(regions_of) for m in g}
        municipalities = [m for m in municipalities if m["nis_code"] in keep]
    tenant_ids = _insert(
        conn,
        "tenants",
        [
            {"name": m["name"], "slug": m["slug"], "nis_code": m["nis_code"], "kind": "gemeente", "settings": {}}
            for m in municipalities
        ],
        returning=True,
    )
    ctx.tenants = [{**m, "id": tid} for m, tid in zip(municipalities, tenant_ids, strict=True)]
    by_nis = {t["nis_code"]: t for t in ctx.tenants}

    groups = _regions(municipalities)
    region_ids = _insert(
        conn,
        "regions",
        [{"name": f"Regio {g[0]['name']}", "slug": f"regio-{g[0]['slug']}"} for g in groups],
        returning=True,
    )
    memberships = []
    for region_id, group in zip(region_ids, groups, strict=True):
        members = [by_nis[m["nis_code"]]["id"] for m in group]
        ctx.regions.append({"id": region_id, "slug": f"regio-{group[0]['slug']}", "members": members})
        for i, tenant_id in enumerate(members):
            # The last member of every third region left it: a former partner, as in real life.
            left = date(2025, 12, 31) if i == len(members) - 1 and region_id % 3 == 0 else None
            memberships.append(
                {"region_id": region_id, "tenant_id": tenant_id, "joined_on": date(2023, 1, 1), "left_on": left}
            )
    _insert(conn, "region_memberships", memberships)

    password_hash = PasswordHasher().hash(PASSWORD)
    users = []
    for tenant in ctx.tenants:
        for n in range(USERS_PER_TENANT * scale):
            role = ROLES[n] if n < len(ROLES) else None
            local = f"{role}.{tenant['slug']}" if role else f"medewerker{n}.{tenant['slug']}"
            users.append(
                {
                    "tenant_id": tenant["id"],
                    "email": f"{local}@{DOMAIN}",
                    "full_name": f"Medewerker {n} {tenant['name']}",
                    "password_hash": password_hash,
                    "locale": "nl_BE",
                    "_role": role or ctx.rng.choice(["dienstmedewerker", "raadslid"]),
                }
            )
    user_ids = _insert(conn, "users", [{k: v for k, v in u.items() if k != "_role"} for u in users], returning=True)
    roles = []
    for user, user_id in zip(users, user_ids, strict=True):
        ctx.users.setdefault(user["tenant_id"], []).append(user_id)
        roles.append({"user_id": user_id, "role": user["_role"]})
        if user["_role"] in ROLES:
            slug = user["email"].split("@")[0].split(".", 1)[1]
            ctx.staff.setdefault(slug, {})[user["_role"]] = user["email"]
    _insert(conn, "user_roles", roles)

    region_of = {t: r["id"] for r in ctx.regions for t in r["members"]}
    announcements = []
    for tenant in ctx.tenants:
        authors = ctx.users[tenant["id"]][:6]
        for n in range(ANNOUNCEMENTS_PER_TENANT * scale):
            shared = n % 3 != 0
            announcements.append(
                {
                    "tenant_id": tenant["id"],
                    "title": f"Mededeling {n} van {tenant['name']}",
                    "body_html": "<p>Infoavond over de samenwerking in de regio.</p>",
                    "published_at": now - timedelta(hours=n),
                    "created_by_id": authors[n % len(authors)],
                    "audience": "region" if shared else "own",
                    "region_id": region_of[tenant["id"]] if shared else None,
                }
            )
    _insert(conn, "announcements", announcements)

    notifications = []
    for tenant in ctx.tenants:
        for user_id in ctx.users[tenant["id"]][:20]:
            for n in range(NOTIFICATIONS_PER_USER * scale):
                notifications.append(
                    {
                        "user_id": user_id,
                        "source_tenant_id": tenant["id"],
                        "category": "algemeen",
                        "title": f"Melding {n}",
                        "body": "Er is iets veranderd in een samenwerking.",
                        "link": f"/{tenant['slug']}/mededelingen",
                    }
                )
    _insert(conn, "notifications", notifications)

    from portal.features import installed

    for name in installed():
        if importlib.util.find_spec(f"portal.{name}.bench") is not None:
            started = time.monotonic()
            importlib.import_module(f"portal.{name}.bench").generate(conn, ctx)
            print(f"  {name}: {time.monotonic() - started:.1f} s", flush=True)
    started = time.monotonic()
    restore_indexes(conn, deferred)
    print(f"  indexes and exclusion constraints: {time.monotonic() - started:.1f} s", flush=True)
    return ctx


def counts(conn: Connection) -> dict[str, int]:
    """Return the row count of every table (for the report)."""
    return {
        name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
        for name in sorted(Base.metadata.tables)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="superuser URL of an empty, migrated database")
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    import portal  # noqa: F401  (registers every model on Base.metadata)
    from portal import create_app

    create_app()  # imports the feature modules' models
    engine = create_engine(args.database_url)
    with engine.begin() as conn:
        generate(conn, args.scale)
    with engine.connect() as conn:
        for name, count in counts(conn).items():
            print(f"{name:32} {count:>9}")


if __name__ == "__main__":
    main()
