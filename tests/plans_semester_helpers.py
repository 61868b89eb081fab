"""Builders the semester report tests and the cross-tenant matrix share: a small plan, a made report."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from portal.extensions import db
from portal.plans import links, semester
from portal.plans import operations as ops
from portal.plans.models import Level, LinkType
from tenants.context import tenant_context
from tests import clock


def make_plan(world: Any, tenant: str = "owner", *, title: str = "Samen sterker") -> dict[str, int]:
    """Create a plan of ``tenant`` for this year and the next five; return the ids of its nodes by code.

    A1.1.1 (the goal's first action) is linked to the first partner of the region's rentals, late
    and over budget; A1.1.2 is linked too and running; A1.2.1 has no link (not in the report).
    """
    ad = world.user(tenant, "ad")
    year = clock.today().year
    with tenant_context(ad.tenant_id, user_id=ad.id):
        version = ops.create_version({"title": "Meerjarenplan", "first_year": year - 1, "last_year": year + 5})
        ids: dict[str, int] = {}

        def node(level: str, code: str, name: str, parent: str | None = None, **extra: Any) -> Any:
            data = {"level": level, "code": code, "title": name, "parent_id": ids.get(parent or ""), **extra}
            made = ops.create_node(version, data)
            ids[code] = made.id
            return made

        node(Level.DOMEIN, "BD1", "Organisatiebeheersing")
        node(Level.DOELSTELLING, "BDS1", title, "BD1")
        node(Level.ACTIEPLAN, "AP1.1", "Samen uitlenen", "BDS1")
        node(Level.ACTIEPLAN, "AP1.2", "Alleen verder", "BDS1")
        late = node(
            Level.ACTIE,
            "A1.1.1",
            f"{title}: uitlenen aan partners",
            "AP1.1",
            responsible="Technische dienst",
            status="lopend",
            progress_percent=40,
            due_on=clock.today() - timedelta(days=1),
            budgets=[
                {"year": year, "expense": Decimal("1000"), "income": Decimal("0"), "actual_expense": Decimal("1500")},
                {"year": year - 1, "expense": Decimal("800"), "income": Decimal("0"), "actual_expense": None},
            ],
        )
        ops.add_indicator(late, {"name": "Uitleningen", "unit": "stuks", "target_value": Decimal("12")})
        running = node(
            Level.ACTIE,
            "A1.1.2",
            "Gedeelde vormingen",
            "AP1.1",
            status="lopend",
            progress_percent=70,
            budgets=[
                {"year": year, "expense": Decimal("500"), "income": Decimal("0"), "actual_expense": Decimal("200")},
                {"year": year - 1, "expense": Decimal("300"), "income": Decimal("0"), "actual_expense": None},
            ],
        )
        node(Level.ACTIE, "A1.2.1", "Eigen werking", "AP1.2")
        partner = world.tenants["partner"] if tenant == "owner" else world.tenants["owner"]
        links.link_object(late, {"object_type": LinkType.RENTAL_PARTNER, "object_id": partner.id})
        links.link_object(running, {"object_type": LinkType.RENTAL_PARTNER, "object_id": partner.id})
        db.session.commit()
        ids["version"] = version.id
    return ids


def make_report(world: Any, tenant: str = "owner", period: str | None = None, role: str = "ad") -> int:
    """Ask for a semester report of ``tenant`` (default: the current semester) and make it; return its id."""
    from tasks.plans import generate

    user = world.user(tenant, role)
    with tenant_context(user.tenant_id, user_id=user.id):
        report = semester.request_report(period or semester.semester_of(clock.today()))
        db.session.commit()
        report_id = report.id
    assert generate(user.tenant_id, report_id) == semester.ReportState.KLAAR
    return report_id
