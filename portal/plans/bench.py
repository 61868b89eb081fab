"""Benchmark data for Mijn meerjarenplan: a meerjarenplan 2026-2031 for every municipality.

Per scale unit each municipality gets one plan version (the first is the plan the council
adopted, every further one an aanpassing copying the whole tree, as ``copy_version`` does; the
newest is the plan in force): 6 beleidsdomeinen, 15 beleidsdoelstellingen, 35 actieplannen and
120 acties, a budget for every action for each year of 2026-2031 (2026 with its realised
expense, some of it over budget), an indicator on every third action and 20 actions linked to
the cooperation: the municipality's own or region-shared agreements, procurement dossiers and
trainings (shared by a current partner while both are current members, so visible under
row-level security) and its current region partners for the rentals saldo. At scale 1: ~50,000
nodes, ~205,000 budget rows, ~11,400 indicators and ~5,700 links. The pages to time are listed
by ``pages``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from bench.bulk import copy_rows, reserve_ids
from bench.data import Context, current_members

FIRST_YEAR, LAST_YEAR = 2026, 2031
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
LINKED_ACTIONS = 20
CENT = Decimal("0.01")

#: Per domain: its title, the link type its actions are linked with, its goals and the stems of
#: its action plans and actions (combined by position, so every municipality's tree is the same shape).
DOMAINS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "Personeelsbeleid",
        "training",
        (
            "We zijn een aantrekkelijke werkgever die geschikt personeel vindt en houdt",
            "Onze medewerkers groeien door vorming en kennisdeling",
            "We delen schaarse deskundigen met de buurgemeenten",
        ),
        ("Samen werven en selecteren", "Vormingsaanbod met de partners", "Gedeelde deskundigen"),
        (
            "Gezamenlijke wervingscampagne",
            "Vorming EHBO en preventie",
            "Gedeelde preventieadviseur",
            "Onthaalbeleid nieuwe medewerkers",
            "Leiderschapstraject voor leidinggevenden",
            "Gedeelde GIS-deskundige",
        ),
    ),
    (
        "Financieel beleid",
        "agreement",
        (
            "We houden de financiën gezond ondanks de stijgende druk",
            "Schaalvoordelen van de samenwerking worden gemeten en ingezet",
            "De rapportering aan de raad is helder en tijdig",
        ),
        ("Schaalvoordelen opvolgen", "Gezamenlijke financiële dienst", "Rapportering BBC"),
        (
            "Besparingen opvolgen in de BBC-rapportering",
            "Gedeelde financieel deskundige",
            "Gezamenlijk debiteurenbeheer",
            "Opvolging subsidies en toelagen",
            "Kostenverdeelsleutel per inwoner",
        ),
    ),
    (
        "Digitalisering",
        "agreement",
        (
            "We werken digitaal, veilig en samen met de regio",
            "Inwoners regelen hun zaken digitaal wanneer het hen past",
        ),
        ("Informatieveiligheid en GDPR samen organiseren", "Digitaal loket uitbreiden"),
        (
            "Gedeelde DPO en informatieveiligheidsconsulent",
            "Vorming GDPR voor alle medewerkers",
            "Gezamenlijk e-loket",
            "Digitale handtekening voor besluiten",
        ),
    ),
    (
        "Dienstverleningsmodel",
        "agreement",
        (
            "De inwoner krijgt snelle, correcte en open communicatie",
            "Onze dienstverlening is afgestemd met de buurgemeenten",
            "Het onthaal is toegankelijk voor iedereen",
        ),
        ("Samen communiceren", "Afgestemde openingsuren", "Toegankelijk onthaal"),
        (
            "Samen communiceren over werven en evenementen",
            "Gezamenlijke infoavonden",
            "Afstemming retributies en belastingen",
            "Onthaal op afspraak",
        ),
    ),
    (
        "Aankoop",
        "procurement_dossier",
        (
            "We kopen zuiniger aan door aankopen te bundelen",
            "Onze aankopen zijn duurzaam en wettelijk in orde",
        ),
        ("Gezamenlijke aankoop met de buurgemeenten", "Duurzaam aankoopbeleid"),
        (
            "Gezamenlijke aankoop energie",
            "Gezamenlijke aankoop multifunctionele printers",
            "Raamovereenkomst schoonmaak",
            "Gezamenlijke aankoop voertuigen",
            "Duurzaamheidscriteria in bestekken",
        ),
    ),
    (
        "Materieel en zaalverhuur",
        "rental_partner",
        (
            "Materieel en zalen worden gedeeld in plaats van dubbel aangekocht",
            "Verenigingen vinden snel materieel voor hun activiteiten",
        ),
        ("Uitleen van materieel tussen de gemeenten", "Zaalverhuur aan partners en verenigingen"),
        (
            "Gedeelde hoogtewerker, podiumwagen en podium",
            "Uitleen van nadarhekken en feestmaterieel",
            "Uitleen en verhuur van zalen aan de partners",
            "Gedeelde WC-wagen",
        ),
    ),
)
#: Goals per domain (15), action plans per goal (35 over the 15) and actions per plan (120 over the 35).
GOALS_PER_DOMAIN = (3, 3, 2, 3, 2, 2)
PLANS_PER_GOAL = (3, 2, 2, 3, 2, 2, 3, 2, 2, 3, 2, 2, 3, 2, 2)
ACTIONS_PER_PLAN = (4, 3) * 15 + (3,) * 5
STATUSES = ("lopend",) * 10 + ("niet_gestart",) * 4 + ("vertraagd",) * 2 + ("afgerond",) * 3 + ("stopgezet",)
RESPONSIBLE = {
    "Personeelsbeleid": "Diensthoofd personeel",
    "Financieel beleid": "Financieel directeur",
    "Digitalisering": "ICT-coördinator",
    "Dienstverleningsmodel": "Communicatiedienst",
    "Aankoop": "Aankoopdienst",
    "Materieel en zaalverhuur": "Technische dienst",
}
INDICATORS = (
    ("Aantal deelnemende gemeenten", "gemeenten", 4),
    ("Besparing ten opzichte van alleen aankopen", "%", 12),
    ("Tevredenheid van de inwoners", "%", 80),
    ("Aantal uitleningen per jaar", "uitleningen", 60),
    ("Aantal opgeleide medewerkers", "medewerkers", 40),
)
#: Flush the rows to the database once this many budget rows are waiting (memory stays flat at scale 10).
CHUNK = 150_000


def _shape() -> list[tuple[int, int, int]]:
    """Return per action its (domain, goal, plan) index, in tree order."""
    assert sum(GOALS_PER_DOMAIN) == len(PLANS_PER_GOAL) and sum(PLANS_PER_GOAL) == len(ACTIONS_PER_PLAN)
    assert sum(ACTIONS_PER_PLAN) == 120
    out: list[tuple[int, int, int]] = []
    goal = plan = 0
    for domain, goals in enumerate(GOALS_PER_DOMAIN):
        for _g in range(goals):
            for _p in range(PLANS_PER_GOAL[goal]):
                out.extend((domain, goal, plan) for _a in range(ACTIONS_PER_PLAN[plan]))
                plan += 1
            goal += 1
    return out


def _visible(conn: Connection, table: str, members: dict[int, list[int]]) -> dict[int, list[int]]:
    """Return per tenant the ids of ``table`` it may read: its own rows and its partners' region rows.

    A region row is visible while owner and reader are both current members of its region
    (row-level security of ``Shareable``); the rows of a former member count only for itself.
    """
    region_of = {t: r for r, ts in members.items() for t in ts}
    own: dict[int, list[int]] = {}
    shared: dict[int, list[int]] = {}
    rows = conn.execute(text(f'SELECT id, tenant_id, audience, region_id FROM "{table}" ORDER BY id'))  # noqa: S608
    for row_id, tenant_id, audience, region_id in rows:
        own.setdefault(tenant_id, []).append(row_id)
        if audience == "region" and region_id is not None and region_of.get(tenant_id) == region_id:
            shared.setdefault(region_id, []).append(row_id)
    visible = {t: ids for t, ids in own.items() if t not in region_of}
    for t, r in region_of.items():
        mine = own.get(t, [])
        seen = set(mine)
        visible[t] = mine + [i for i in shared.get(r, []) if i not in seen]
    return visible


def _link_candidates(conn: Connection, members: dict[int, list[int]]) -> dict[str, dict[int, list[int]]]:
    """Return per link type, per tenant, the object ids it may link (empty for a module not loaded)."""
    present = set(
        conn.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
        ).scalars()
    )
    found: dict[str, dict[int, list[int]]] = {}
    for link_type, table in (
        ("agreement", "agreements"),
        ("procurement_dossier", "procurement_dossiers"),
        ("training", "trainings"),
    ):
        found[link_type] = _visible(conn, table, members) if table in present else {}
    found["rental_partner"] = {t: [p for p in ts if p != t] for ts in members.values() for t in ts}
    return found


def generate(conn: Connection, ctx: Context) -> None:
    """Bulk-insert every municipality's plan versions with their tree, budgets, indicators and links."""
    rng, now = ctx.rng, datetime.now(UTC)
    members = current_members(conn)
    candidates = _link_candidates(conn, members)
    shape = _shape()
    n_domains, n_goals, n_plans = len(GOALS_PER_DOMAIN), len(PLANS_PER_GOAL), len(ACTIONS_PER_PLAN)
    per_version = n_domains + n_goals + n_plans + len(shape)
    tenants = ctx.tenants
    version_ids = iter(reserve_ids(conn, "plan_versions", len(tenants) * ctx.scale))
    node_ids = iter(reserve_ids(conn, "plan_nodes", len(tenants) * ctx.scale * per_version))
    linked_at = sorted(rng.sample(range(len(shape)), LINKED_ACTIONS))
    versions: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    budgets: list[dict[str, Any]] = []
    indicators: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []

    def flush() -> None:
        for table, rows in (
            ("plan_versions", versions),
            ("plan_nodes", nodes),
            ("plan_budgets", budgets),
            ("plan_indicators", indicators),
            ("plan_links", links),
        ):
            copy_rows(conn, table, rows)
            rows.clear()

    for tenant in tenants:
        tid = tenant["id"]
        director = ctx.users[tid][1]  # ROLES[1] is the algemeen directeur
        factor = Decimal(rng.randint(5, 30)) / 10
        # The same objects in every version (an aanpassing copies the links).
        targets: list[tuple[str, int] | None] = []
        for index in linked_at:
            wanted = DOMAINS[shape[index][0]][1]
            pool = candidates[wanted].get(tid) or candidates["agreement"].get(tid) or []
            kind = wanted if candidates[wanted].get(tid) else "agreement"
            targets.append((kind, rng.choice(pool)) if pool else None)
        actions: list[dict[str, Any]] = [
            {
                "status": (status := STATUSES[rng.randrange(len(STATUSES))]),
                "progress": 0 if status == "niet_gestart" else 100 if status == "afgerond" else rng.randint(10, 90),
                "starts_on": date(FIRST_YEAR, 1, 1) + timedelta(days=rng.randrange(0, 540)),
                "due_year": rng.randint(FIRST_YEAR, LAST_YEAR),
                "expense": Decimal(rng.randrange(2, 150) * 1000) * factor,
                "income": Decimal(rng.randrange(0, 40) * 500) * factor if rng.random() < 0.3 else Decimal(0),
                "realised": Decimal(rng.randint(40, 115)) / 100,
            }
            for _a in shape
        ]
        for number in range(1, ctx.scale + 1):
            version_id = next(version_ids)
            created = now - timedelta(days=30 * (ctx.scale - number) + 20)
            versions.append(
                {
                    "id": version_id,
                    "tenant_id": tid,
                    "number": number,
                    "title": f"Meerjarenplan {FIRST_YEAR}-{LAST_YEAR}"
                    + (f" (aanpassing {number - 1})" if number > 1 else ""),
                    "first_year": FIRST_YEAR,
                    "last_year": LAST_YEAR,
                    "adopted_on": created.date(),
                    "reason": "Vastgesteld door de gemeenteraad" if number == 1 else "Aanpassing meerjarenplan",
                    "created_by_id": director,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            common = {"tenant_id": tid, "version_id": version_id, "created_at": created, "updated_at": created}
            domain_ids = [next(node_ids) for _d in range(n_domains)]
            goal_ids = [next(node_ids) for _g in range(n_goals)]
            plan_ids = [next(node_ids) for _p in range(n_plans)]
            plan_codes: list[str] = []
            goal = plan = 0
            for d, (title, _kind, goal_titles, plan_stems, _stems) in enumerate(DOMAINS):
                nodes.append(
                    {
                        **common,
                        "id": domain_ids[d],
                        "parent_id": None,
                        "level": "beleidsdomein",
                        "code": f"BD{d + 1}",
                        "title": title,
                        "responsible": RESPONSIBLE[title],
                        "status": "lopend",
                        "position": d,
                    }
                )
                for g in range(GOALS_PER_DOMAIN[d]):
                    nodes.append(
                        {
                            **common,
                            "id": goal_ids[goal],
                            "parent_id": domain_ids[d],
                            "level": "beleidsdoelstelling",
                            "code": f"BDS{goal + 1}",
                            "title": goal_titles[g % len(goal_titles)],
                            "responsible": "Algemeen directeur",
                            "status": "lopend",
                            "position": g,
                        }
                    )
                    for p in range(PLANS_PER_GOAL[goal]):
                        plan_codes.append(f"{goal + 1}.{p + 1}")
                        nodes.append(
                            {
                                **common,
                                "id": plan_ids[plan],
                                "parent_id": goal_ids[goal],
                                "level": "actieplan",
                                "code": f"AP{plan_codes[plan]}",
                                "title": f"{plan_stems[(g + p) % len(plan_stems)]} ({p + 1})",
                                "responsible": RESPONSIBLE[title],
                                "status": "lopend",
                                "position": p,
                            }
                        )
                        plan += 1
                    goal += 1
            position: dict[int, int] = {}
            action_ids: list[int] = []
            for a, ((d, _g, p), spec) in enumerate(zip(shape, actions, strict=True)):
                node_id = next(node_ids)
                action_ids.append(node_id)
                pos = position[p] = position.get(p, -1) + 1
                stems = DOMAINS[d][4]
                due = max(date(spec["due_year"], 12, 31), spec["starts_on"])
                nodes.append(
                    {
                        **common,
                        "id": node_id,
                        "parent_id": plan_ids[p],
                        "level": "actie",
                        "code": f"A{plan_codes[p]}.{pos + 1}",
                        "title": f"{stems[a % len(stems)]} ({a + 1})",
                        "responsible": RESPONSIBLE[DOMAINS[d][0]],
                        "description": "Uitvoering samen met de partners van de regio.",
                        "status": spec["status"],
                        "progress_percent": spec["progress"],
                        "starts_on": spec["starts_on"],
                        "due_on": due,
                        "position": pos,
                    }
                )
                for i, year in enumerate(YEARS):
                    # A start-up year, then the yearly amount with a little indexation each year.
                    growth = Decimal("1.02") ** i * (Decimal("0.6") if i == 0 else 1)
                    expense = (spec["expense"] * growth).quantize(CENT)
                    budgets.append(
                        {
                            "tenant_id": tid,
                            "node_id": node_id,
                            "year": year,
                            "expense": expense,
                            "income": (spec["income"] * growth).quantize(CENT),
                            "actual_expense": (expense * spec["realised"]).quantize(CENT) if i == 0 else None,
                        }
                    )
                if a % 3 == 0:
                    name, unit, target = INDICATORS[a % len(INDICATORS)]
                    measured = number > 1 or a % 2 == 0
                    indicators.append(
                        {
                            "tenant_id": tid,
                            "node_id": node_id,
                            "name": name,
                            "unit": unit,
                            "target_value": Decimal(target),
                            "measured_value": (Decimal(rng.randint(0, target * 12)) / 10).quantize(CENT)
                            if measured
                            else None,
                            "measured_on": created.date() if measured else None,
                            "created_at": created,
                            "updated_at": created,
                        }
                    )
            for index, obj in zip(linked_at, targets, strict=True):
                if obj is None:
                    continue
                links.append(
                    {
                        "tenant_id": tid,
                        "node_id": action_ids[index],
                        "object_type": obj[0],
                        "object_id": obj[1],
                        "note": "",
                        "created_by_id": director,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
            if len(budgets) >= CHUNK:
                flush()
    flush()


def pages(conn: Connection, tenant: str) -> list[tuple[str, str]]:
    """Return the plan pages to time for a user of ``tenant``."""
    base = f"/{tenant}/meerjarenplan"
    return [
        ("Mijn meerjarenplan", base),
        ("meerjarenplan export.csv", f"{base}/export.csv"),
    ]
