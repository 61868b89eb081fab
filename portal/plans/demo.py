"""Demo content for Mijn meerjarenplan: a plan 2026-2031 for Ranst, Zandhoven and Lier, linked to the cooperation.

The tree follows the domains the region named for its cooperation (personeelsbeleid, financieel
beleid, digitalisering, dienstverleningsmodel, organisatiebeheersing, aankoop, materieel en
zaalverhuur). Links are made with ``links.link_object`` to the demo objects each municipality may
see (found by title through that module's visibility), so a missing module simply links less.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.plans import links
from portal.plans import operations as ops
from portal.plans.models import ActionStatus, Level, LinkType, PlanNode
from tenants.context import acting_for
from tenants.models import Tenant

FIRST_YEAR, LAST_YEAR = 2026, 2031
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)

#: (code, title, [(goal code, goal title, [(plan code, plan title, [action, ...])])])
#: An action: (code, title, responsible key, yearly expense, yearly income, status, progress, due year).
TREE: list[tuple[str, str, list[tuple[str, str, list[tuple[str, str, list[tuple[Any, ...]]]]]]]] = [
    (
        "BD1",
        "Personeelsbeleid",
        [
            (
                "BDS1",
                "We zijn een aantrekkelijke werkgever die geschikt personeel vindt en houdt",
                [
                    (
                        "AP1.1",
                        "Samen werven, vormen en personeel delen met de buurgemeenten",
                        [
                            ("A1.1.1", "Gezamenlijke personeelsdienst en werving", "hr", 15000, 0, "lopend", 40, 2027),
                            (
                                "A1.1.2",
                                "Gedeelde deskundigen (preventie, omgeving, GIS)",
                                "hr",
                                30000,
                                12000,
                                "lopend",
                                50,
                                2031,
                            ),
                            (
                                "A1.1.3",
                                "Vormingsaanbod en EHBO samen met de partners",
                                "hr",
                                6000,
                                0,
                                "lopend",
                                30,
                                2031,
                            ),
                        ],
                    )
                ],
            )
        ],
    ),
    (
        "BD2",
        "Financieel beleid",
        [
            (
                "BDS2",
                "We houden de financiën gezond ondanks de stijgende druk",
                [
                    (
                        "AP2.1",
                        "Schaalvoordelen van de samenwerking meten en inzetten",
                        [
                            (
                                "A2.1.1",
                                "Besparingen van de samenwerking opvolgen in de BBC-rapportering",
                                "fin",
                                2000,
                                0,
                                "lopend",
                                25,
                                2031,
                            ),
                        ],
                    )
                ],
            )
        ],
    ),
    (
        "BD3",
        "Digitalisering",
        [
            (
                "BDS3",
                "We werken digitaal, veilig en samen met de regio",
                [
                    (
                        "AP3.1",
                        "Informatieveiligheid en GDPR samen organiseren",
                        [
                            (
                                "A3.1.1",
                                "Gedeelde DPO en informatieveiligheidsconsulent",
                                "ict",
                                18000,
                                0,
                                "vertraagd",
                                20,
                                2026,
                            ),
                            ("A3.1.2", "Vorming GDPR voor alle medewerkers", "ict", 3000, 0, "lopend", 60, 2027),
                        ],
                    )
                ],
            )
        ],
    ),
    (
        "BD4",
        "Dienstverleningsmodel",
        [
            (
                "BDS4",
                "De inwoner krijgt snelle, correcte en open communicatie",
                [
                    (
                        "AP4.1",
                        "Samen communiceren en de dienstverlening op elkaar afstemmen",
                        [
                            (
                                "A4.1.1",
                                "Samen communiceren over werven en evenementen",
                                "com",
                                5000,
                                0,
                                "lopend",
                                50,
                                2028,
                            ),
                        ],
                    )
                ],
            )
        ],
    ),
    (
        "BD5",
        "Organisatiebeheersing",
        [
            (
                "BDS5",
                "De organisatie is minder kwetsbaar en beter georganiseerd",
                [
                    (
                        "AP5.1",
                        "Timemanagement, vergadertechnieken en interne controle",
                        [
                            (
                                "A5.1.1",
                                "Vorming timemanagement en vergadertechnieken",
                                "ad",
                                2500,
                                0,
                                "niet_gestart",
                                0,
                                2027,
                            ),
                        ],
                    )
                ],
            )
        ],
    ),
    (
        "BD6",
        "Aankoop",
        [
            (
                "BDS6",
                "We kopen zuiniger aan door aankopen te bundelen",
                [
                    (
                        "AP6.1",
                        "Gezamenlijke aankoop met de buurgemeenten",
                        [
                            (
                                "A6.1.1",
                                "Gezamenlijke aankoop energie (elektriciteit en aardgas)",
                                "aankoop",
                                210000,
                                0,
                                "lopend",
                                35,
                                2030,
                            ),
                            (
                                "A6.1.2",
                                "Gezamenlijke aankoop multifunctionele printers",
                                "aankoop",
                                12000,
                                0,
                                "afgerond",
                                100,
                                2026,
                            ),
                        ],
                    )
                ],
            )
        ],
    ),
    (
        "BD7",
        "Materieel en zaalverhuur",
        [
            (
                "BDS7",
                "Materieel en zalen worden gedeeld in plaats van dubbel aangekocht",
                [
                    (
                        "AP7.1",
                        "Uitleen van materieel en zalen tussen de gemeenten",
                        [
                            (
                                "A7.1.1",
                                "Gedeelde hoogtewerker, podiumwagen en podium",
                                "td",
                                8000,
                                3000,
                                "lopend",
                                60,
                                2031,
                            ),
                            (
                                "A7.1.2",
                                "Uitleen en verhuur van zalen aan de partners",
                                "td",
                                1500,
                                2500,
                                "lopend",
                                40,
                                2031,
                            ),
                        ],
                    )
                ],
            )
        ],
    ),
]

#: Per municipality: the plan's adoption, a budget factor, its responsibles and the links per action:
#: action code -> [(link type, words in the object's title | partner slug)].
PLANS: dict[str, dict[str, Any]] = {
    "ranst": {
        "adopted_on": date(2025, 12, 18),
        "factor": Decimal("1.0"),
        "responsible": {
            "hr": "Diensthoofd personeel",
            "fin": "Financieel directeur",
            "ict": "ICT-coördinator",
            "com": "Communicatiedienst",
            "ad": "Algemeen directeur",
            "aankoop": "Aankoopdienst",
            "td": "Technische dienst",
        },
        "links": {
            "A1.1.1": [(LinkType.AGREEMENT, "Intergemeentelijke personeelsdienst")],
            "A1.1.2": [(LinkType.STAFF_SHARING, "Preventieadviseur"), (LinkType.STAFF_HOSTING, "GIS-deskundige")],
            "A1.1.3": [(LinkType.TRAINING, "EHBO-opfrissing")],
            "A3.1.1": [(LinkType.AGREEMENT, "Gezamenlijke DPO")],
            "A3.1.2": [(LinkType.TRAINING, "Vorming GDPR")],
            "A6.1.1": [(LinkType.PROCUREMENT_DOSSIER, "Raamovereenkomst energie")],
            "A6.1.2": [(LinkType.PROCUREMENT_DOSSIER, "Multifunctionele printers")],
            "A7.1.1": [(LinkType.AGREEMENT, "Gedeelde hoogtewerker"), (LinkType.RENTAL_PARTNER, "zandhoven")],
            "A7.1.2": [(LinkType.RENTAL_PARTNER, "zoersel")],
        },
    },
    "zandhoven": {
        "adopted_on": date(2025, 12, 16),
        "factor": Decimal("0.8"),
        "responsible": {
            "hr": "HR-verantwoordelijke",
            "fin": "Financieel directeur",
            "ict": "Informatieveiligheid",
            "com": "Dienst communicatie",
            "ad": "Algemeen directeur",
            "aankoop": "Dienst aankoop",
            "td": "Uitvoeringsdienst",
        },
        "links": {
            "A1.1.1": [(LinkType.AGREEMENT, "Intergemeentelijke personeelsdienst")],
            "A1.1.2": [
                (LinkType.STAFF_SHARING, "Informatieveiligheidsconsulent"),
                (LinkType.STAFF_HOSTING, "Preventieadviseur"),
            ],
            "A1.1.3": [(LinkType.TRAINING, "EHBO-opfrissing")],
            "A3.1.1": [(LinkType.AGREEMENT, "Gezamenlijke DPO")],
            "A3.1.2": [(LinkType.TRAINING, "Vorming GDPR")],
            "A6.1.1": [(LinkType.PROCUREMENT_DOSSIER, "Raamovereenkomst energie")],
            "A6.1.2": [(LinkType.PROCUREMENT_DOSSIER, "Multifunctionele printers")],
            "A7.1.1": [(LinkType.AGREEMENT, "Gedeelde hoogtewerker"), (LinkType.RENTAL_PARTNER, "ranst")],
        },
    },
    "lier": {
        "adopted_on": date(2025, 12, 22),
        "factor": Decimal("2.5"),
        "responsible": {
            "hr": "Dienst personeel en organisatie",
            "fin": "Financiële dienst",
            "ict": "Dienst ICT",
            "com": "Dienst communicatie",
            "ad": "Algemeen directeur",
            "aankoop": "Aankoopcel",
            "td": "Stedelijke technische dienst",
        },
        "links": {
            "A1.1.2": [(LinkType.STAFF_SHARING, "Omgevingsambtenaar")],
            "A4.1.1": [(LinkType.AGREEMENT, "Samen communiceren over werven")],
            "A5.1.1": [(LinkType.TRAINING, "Timemanagement")],
            "A7.1.1": [(LinkType.RENTAL_PARTNER, "herenthout")],
        },
    },
}


def _budgets(expense: int, income: int, factor: Decimal) -> list[dict[str, Any]]:
    # A realistic curve: a start-up year, then the yearly amount, a little indexation each year.
    rows = []
    for i, year in enumerate(YEARS):
        index = Decimal("1.02") ** i * (Decimal("0.6") if i == 0 else Decimal(1)) * factor
        rows.append(
            {
                "year": year,
                "expense": (Decimal(expense) * index).quantize(ops.CENT),
                "income": (Decimal(income) * index).quantize(ops.CENT),
                "actual_expense": (Decimal(expense) * index * Decimal("0.45")).quantize(ops.CENT)
                if year == FIRST_YEAR
                else None,
            }
        )
    return rows


def _build(spec: dict[str, Any]) -> dict[str, PlanNode]:
    version = ops.create_version(
        {
            "title": f"Meerjarenplan {FIRST_YEAR}-{LAST_YEAR}",
            "first_year": FIRST_YEAR,
            "last_year": LAST_YEAR,
            "adopted_on": spec["adopted_on"],
            "reason": "Vastgesteld door de gemeenteraad",
        }
    )
    actions: dict[str, PlanNode] = {}
    for position, (code, title, goals) in enumerate(TREE):
        domain = ops.create_node(version, {"level": Level.DOMEIN, "code": code, "title": title, "position": position})
        for goal_code, goal_title, plans in goals:
            goal = ops.create_node(
                version,
                {
                    "level": Level.DOELSTELLING,
                    "code": goal_code,
                    "title": goal_title,
                    "parent_id": domain.id,
                    "responsible": spec["responsible"]["ad"],
                    "status": ActionStatus.LOPEND,
                },
            )
            for plan_code, plan_title, items in plans:
                plan = ops.create_node(
                    version,
                    {
                        "level": Level.ACTIEPLAN,
                        "code": plan_code,
                        "title": plan_title,
                        "parent_id": goal.id,
                        "status": ActionStatus.LOPEND,
                    },
                )
                for a_code, a_title, who, expense, income, status, progress, due in items:
                    actions[a_code] = ops.create_node(
                        version,
                        {
                            "level": Level.ACTIE,
                            "code": a_code,
                            "title": a_title,
                            "parent_id": plan.id,
                            "responsible": spec["responsible"][who],
                            "status": status,
                            "progress_percent": progress,
                            "starts_on": date(FIRST_YEAR, 1, 1),
                            "due_on": date(due, 12, 31),
                            "budgets": _budgets(expense, income, spec["factor"]),
                        },
                    )
    return actions


def _object_id(object_type: str, wanted: str) -> int | None:
    """Return the id of a visible object whose title holds ``wanted`` (a partner's slug for rentals)."""
    if object_type == LinkType.RENTAL_PARTNER:
        partner = db.session.scalar(select(Tenant).where(Tenant.slug == wanted))
        if partner is None:
            return None
        return next((i for i, _name in links.candidates(object_type) if i == partner.id), None)
    return next((i for i, title in links.candidates(object_type) if wanted.lower() in title.lower()), None)


def load() -> int:
    """Create the demo plans that are missing with their links; return how many actions and links were made."""
    created = 0
    for slug, spec in PLANS.items():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            continue
        with acting_for(tenant.id):
            if ops.current_version() is not None:
                continue
            actions = _build(spec)
            created += len(actions)
            for code, wanted in spec["links"].items():
                for object_type, needle in wanted:
                    object_id = _object_id(object_type, needle)
                    if object_id is None or code not in actions:
                        continue
                    try:
                        links.link_object(actions[code], {"object_type": object_type, "object_id": object_id})
                    except DomainError:
                        continue
                    created += 1
            db.session.commit()
    return created
