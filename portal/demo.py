"""Demo data: two real regions, users for every role, content for every page. Idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from portal.auth.models import User
from portal.auth.operations import create_user
from portal.core import roles
from portal.dashboard.models import Announcement
from portal.dashboard.operations import create_announcement
from portal.extensions import db
from tenants.context import TenantContext, acting_for, tenant_context
from tenants.models import Region, Tenant
from tenants.operations import add_member, create_region, ensure_municipality, remove_member

DEMO_PASSWORD = "Demo-wachtwoord-2026"
DOMAIN = "demo.samenwerkingsportaal.be"

REGIONS: list[dict[str, Any]] = [
    {
        "slug": "regio-ranst",
        "name": "Samenwerkingsverband regio Ranst",
        "description": "Structurele samenwerking tussen Ranst en de buurgemeenten.",
        "members": ["11035", "11054", "11055", "11039", "11050", "11052", "11004"],
        # Nijlen was a member and left: a former partner.
        "former": [("12026", date(2024, 1, 1), date(2025, 7, 1))],
    },
    {
        "slug": "regio-lier",
        "name": "Samenwerkingsverband regio Lier-Herenthout",
        "description": "Samenwerking rond Lier en Herenthout.",
        "members": ["12021", "13012", "12002", "12009"],
        "former": [],
    },
]

# Tenants that get a user for every role.
STAFFED = ["11035", "11054", "11055", "12021", "13012"]

ROLE_LOGINS = [
    ("beheerder", [roles.BEHEERDER], "Beheerder"),
    ("ad", [roles.ALGEMEEN_DIRECTEUR], "Algemeen directeur"),
    ("schepen", [roles.BELEIDSVERANTWOORDELIJKE], "Schepen"),
    ("hr", [roles.HR], "HR-medewerker"),
    ("dienst", [roles.DIENST], "Dienstmedewerker"),
    ("aankoop", [roles.AANKOPER], "Aankoper"),
    ("raadslid", [roles.RAADSLID], "Raadslid"),
    ("expert", [roles.EXPERT], "Expert"),
]

# Realistic Flemish names, picked deterministically per tenant and role.
FIRST_NAMES = ["An", "Bart", "Charlotte", "Dirk", "Els", "Filip", "Griet", "Hans", "Ilse", "Jan", "Katrien", "Luc"]
LAST_NAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet"]


def _person(n: int) -> str:
    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]}"


@dataclass
class DemoAccount:
    """One demo login."""

    email: str
    password: str
    tenant: str
    region: str
    roles: list[str]
    name: str
    job_title: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "password": self.password,
            "tenant": self.tenant,
            "region": self.region,
            "roles": self.roles,
            "name": self.name,
            "job_title": self.job_title,
        }


def demo_accounts() -> list[DemoAccount]:
    """Return every demo login (deterministic; no database needed)."""
    from tenants.catalogue import municipality

    accounts = []
    for region in REGIONS:
        for nis in region["members"]:
            if nis not in STAFFED:
                continue
            m = municipality(nis)
            offset = int(nis) % len(LAST_NAMES)
            for i, (key, role_codes, label) in enumerate(ROLE_LOGINS):
                accounts.append(
                    DemoAccount(
                        email=f"{key}.{m['slug']}@{DOMAIN}",
                        password=DEMO_PASSWORD,
                        tenant=m["slug"],
                        region=str(region["slug"]),
                        roles=list(role_codes),
                        job_title=f"{label} {m['name']}",
                        name=_person(i + offset),
                    )
                )
    accounts.append(
        DemoAccount(
            email=f"platform@{DOMAIN}",
            password=DEMO_PASSWORD,
            tenant="ranst",
            region="regio-ranst",
            roles=[roles.BEHEERDER],
            name="Sam Platform",
            job_title="Platformbeheerder",
        )
    )
    return accounts


@contextmanager
def signed_in(tenant_id: int, user_id: int | None) -> Iterator[TenantContext]:
    """Act for ``tenant_id`` as the demo user ``user_id``, as that user's own request would."""
    # A fresh context on purpose, not acting_for(): the demo plays several users in turn, and
    # acting_for() keeps whoever acts outside; each step here is a request of its own user.
    with tenant_context(tenant_id, user_id=user_id) as ctx:
        yield ctx


def load_demo() -> dict[str, int]:
    """Create the demo regions, tenants, users and content that are missing."""
    created = {"tenants": 0, "regions": 0, "users": 0, "announcements": 0, "notifications": 0}
    with acting_for(None, is_platform=True):
        for spec in REGIONS:
            region = db.session.scalar(select(Region).where(Region.slug == spec["slug"]))
            if region is None:
                region = create_region(str(spec["name"]), slug=str(spec["slug"]), description=str(spec["description"]))
                created["regions"] += 1
            members = {m.tenant_id for m in region.memberships}
            for nis in spec["members"]:
                before = db.session.scalar(select(Tenant.id).where(Tenant.nis_code == nis))
                tenant = ensure_municipality(nis)
                created["tenants"] += before is None
                if tenant.id not in members:
                    add_member(region, tenant, date(2023, 1, 1))
            for nis, joined, left in spec["former"]:
                tenant = ensure_municipality(nis)
                if tenant.id not in members:
                    add_member(region, tenant, joined)
                    remove_member(region, tenant, left)
        db.session.flush()
        for account in demo_accounts():
            if db.session.scalar(select(User.id).where(User.email == account.email)) is not None:
                continue
            home = db.session.scalar(select(Tenant).where(Tenant.slug == account.tenant))
            assert home is not None
            create_user(
                home,
                email=account.email,
                full_name=account.name,
                roles=account.roles,
                job_title=account.job_title or None,
                password=DEMO_PASSWORD,
                is_platform_admin=account.email.startswith("platform@"),
            )
            created["users"] += 1
        db.session.commit()
    created["announcements"] = _load_announcements()
    created["notifications"] = _load_notifications()
    created["logos"] = _load_branding()
    db.session.commit()
    from portal.features import demo_loaders

    for name, load in demo_loaders():
        created[name] = load()
        db.session.commit()
    return created


#: House colours of the demo municipalities (dark enough for white text in the top bar).
DEMO_COLOURS = ("#0b5394", "#7a1f3d", "#1e6b3a", "#8a4b08", "#4b2e83", "#005f73")


def _logo_picture(name: str, colour: str) -> bytes:
    """Draw a simple logo: the municipality's initial on a shield in its colour, and its name."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    big: Any
    small: Any
    try:
        big = ImageFont.truetype("DejaVuSans-Bold.ttf", 72)
        small = ImageFont.truetype("DejaVuSans-Bold.ttf", 40)
    except OSError:  # no DejaVu on this machine: Pillow's own font
        big = small = ImageFont.load_default()
    short = name.removeprefix("Gemeente ")
    width = 160 + int(ImageDraw.Draw(Image.new("RGBA", (1, 1))).textlength(short, font=small))
    image = Image.new("RGBA", (width, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(10, 10), (130, 10), (130, 90), (70, 150), (10, 90)], fill=colour)
    draw.text((70, 70), short[:1], fill="white", font=big, anchor="mm")
    draw.text((150, 80), short, fill=colour, font=small, anchor="lm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _load_branding() -> int:
    """Give the staffed demo municipalities a house colour and a drawn logo; skip those with a logo."""
    from portal.admin.operations import set_logo

    count = 0
    for index, slug in enumerate(sorted({account.tenant for account in demo_accounts()})):
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None or tenant.logo_path:
            continue
        with acting_for(tenant.id):
            tenant.brand_colour = tenant.brand_colour or DEMO_COLOURS[index % len(DEMO_COLOURS)]
            set_logo(tenant, _logo_picture(tenant.name, tenant.brand_colour))
            count += 1
    db.session.commit()
    return count


def _load_notifications() -> int:
    """Give every demo AD an unread notification so the bell shows something."""
    from portal.core.outbox import notify

    count = 0
    for account in demo_accounts():
        if not account.email.startswith("ad."):
            continue
        user = db.session.scalar(select(User).where(User.email == account.email))
        if user is None:
            continue
        with signed_in(user.tenant_id, user.id):
            note = notify(
                user,
                category="sharing",
                title="Welkom op het Samenwerkingsportaal",
                body="Je partnerbesturen delen hier mededelingen; deel zelf met je samenwerkingsverband.",
                link=f"/{account.tenant}/mededelingen",
                dedupe_key=f"demo-welcome:{user.id}",
            )
            count += note is not None
    return count


def _load_announcements() -> int:
    count = 0
    region_ids = {r.slug: r.id for r in db.session.scalars(select(Region))}
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    samples = [
        ("ranst", "Nieuwe beleidstafel Vrije Tijd", "region", "regio-ranst", []),
        ("ranst", "Interne nota aankoopplanning 2027", "own", None, []),
        ("zandhoven", "Podium beschikbaar tijdens de zomer", "region", "regio-ranst", []),
        ("zoersel", "Gezamenlijke vorming GDPR voor Ranst en Zandhoven", "partners", None, ["ranst", "zandhoven"]),
        ("lier", "Werfreserve technisch assistent", "region", "regio-lier", []),
        ("herenthout", "Overleg algemeen directeurs", "region", "regio-lier", []),
    ]
    for slug, title, audience, region, partners in samples:
        tenant = tenants[slug]
        with acting_for(tenant.id):
            exists = db.session.scalar(select(Announcement.id).where(Announcement.title == title))
            if exists is not None:
                continue
            author = db.session.scalar(select(User).where(User.email == f"ad.{slug}@{DOMAIN}"))
            create_announcement(
                {
                    "title": title,
                    "body_html": f"<p>{title}. Meer informatie bij de algemeen directeur van {tenant.name}.</p>",
                    "audience": audience,
                    "region_id": region_ids.get(region) if region else None,
                    "partner_ids": [tenants[p].id for p in partners],
                },
                author_id=author.id if author else 0,
            )
            db.session.commit()
            count += 1
    return count
