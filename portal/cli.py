"""Command line for the platform operator: tenants, regions, demo data, outbox."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.core.errors import DomainError
from portal.extensions import db
from tenants import operations as tenant_ops
from tenants.context import acting_for
from tenants.models import Region, RegionMembership, Tenant
from tenants.sharing import today

tenants_cli = AppGroup("tenants", help="Besturen beheren.")
regions_cli = AppGroup("regions", help="Samenwerkingsverbanden beheren.")
demo_cli = AppGroup("demo", help="Demogegevens.")
outbox_cli = AppGroup("outbox", help="E-mails en meldingen.")


def _fail(err: DomainError) -> None:
    db.session.rollback()
    raise click.ClickException(err.message)


def _tenant(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"Onbekend bestuur: {slug}")
    return tenant


def _region(slug: str) -> Region:
    region = db.session.scalar(select(Region).where(Region.slug == slug))
    if region is None:
        raise click.ClickException(f"Onbekend samenwerkingsverband: {slug}")
    return region


@tenants_cli.command("create")
@click.argument("name")
@click.option("--nis", "nis_code", help="NIS-code (5 cijfers)")
@click.option("--slug")
@click.option(
    "--kind",
    default="gemeente",
    type=click.Choice(["gemeente", "ocmw", "intercommunale", "politiezone", "hulpverleningszone"]),
)
def create_tenant(name: str, nis_code: str | None, slug: str | None, kind: str) -> None:
    """Create a tenant."""
    with acting_for(None, is_platform=True):
        try:
            tenant = tenant_ops.create_tenant(name, nis_code=nis_code, slug=slug, kind=kind)
        except DomainError as err:
            _fail(err)
            return
        db.session.commit()
    click.echo(f"Bestuur {tenant.name} aangemaakt ({tenant.slug}).")


@tenants_cli.command("import-flemish")
def import_flemish() -> None:
    """Create a tenant for each of the 285 Flemish municipalities (real names, NIS codes)."""
    with acting_for(None, is_platform=True):
        created, total = tenant_ops.import_flemish_municipalities()
        db.session.commit()
    click.echo(f"{created} besturen aangemaakt; {total} Vlaamse gemeenten in de lijst.")


@tenants_cli.command("list")
def list_tenants() -> None:
    """List tenants."""
    for t in db.session.scalars(select(Tenant).order_by(Tenant.name)):
        click.echo(f"{t.slug:30} {t.nis_code or '-':6} {t.name}")


@regions_cli.command("create")
@click.argument("name")
@click.option("--slug")
@click.option("--description")
def create_region(name: str, slug: str | None, description: str | None) -> None:
    """Create a samenwerkingsverband."""
    with acting_for(None, is_platform=True):
        try:
            region = tenant_ops.create_region(name, slug=slug, description=description)
        except DomainError as err:
            _fail(err)
            return
        db.session.commit()
    click.echo(f"Samenwerkingsverband {region.name} aangemaakt ({region.slug}).")


@regions_cli.command("add-member")
@click.argument("region_slug")
@click.argument("tenant_slug")
@click.option("--from", "joined_on", type=click.DateTime(["%Y-%m-%d"]), default=None)
def add_member(region_slug: str, tenant_slug: str, joined_on: object) -> None:
    """Add a member tenant to a region from a date (default today)."""
    day = joined_on.date() if joined_on else today()  # type: ignore[attr-defined]
    with acting_for(None, is_platform=True):
        try:
            tenant_ops.add_member(_region(region_slug), _tenant(tenant_slug), day)
        except DomainError as err:
            _fail(err)
        db.session.commit()
    click.echo(f"{tenant_slug} is lid van {region_slug} vanaf {day.isoformat()}.")


@regions_cli.command("remove-member")
@click.argument("region_slug")
@click.argument("tenant_slug")
@click.option("--on", "left_on", type=click.DateTime(["%Y-%m-%d"]), default=None)
def remove_member(region_slug: str, tenant_slug: str, left_on: object) -> None:
    """End a tenant's membership of a region on a date (default today)."""
    day = left_on.date() if left_on else today()  # type: ignore[attr-defined]
    with acting_for(None, is_platform=True):
        try:
            tenant_ops.remove_member(_region(region_slug), _tenant(tenant_slug), day)
        except DomainError as err:
            _fail(err)
        db.session.commit()
    click.echo(f"{tenant_slug} is geen lid meer van {region_slug} vanaf {day.isoformat()}.")


@regions_cli.command("list")
def list_regions() -> None:
    """List regions with their member count."""
    rows = db.session.execute(
        select(Region.slug, Region.name, func.count(RegionMembership.id))
        .join(RegionMembership, isouter=True)
        .group_by(Region.id)
        .order_by(Region.name)
    )
    for slug, name, count in rows:
        click.echo(f"{slug:30} {count:3} leden  {name}")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo data (idempotent)."""
    from portal.demo import load_demo

    created = load_demo()
    click.echo("Demo geladen: " + ", ".join(f"{k}={v}" for k, v in created.items()))


@demo_cli.command("users")
@click.option("--json", "as_json", is_flag=True, help="Als JSON-lijst.")
def demo_users(as_json: bool) -> None:
    """Print the demo logins."""
    from portal.demo import demo_accounts

    accounts = demo_accounts()
    if as_json:
        click.echo(json.dumps([a.as_dict() for a in accounts], ensure_ascii=False, indent=2))
        return
    for a in accounts:
        click.echo(f"{a.email:55} {a.password}  {a.tenant:12} {','.join(a.roles)}")


@demo_cli.command("load-if-empty")
def demo_load_if_empty() -> None:
    """Load the demo data only when there are no tenants yet."""
    if db.session.scalar(select(func.count()).select_from(Tenant)):
        click.echo("Database bevat al gegevens; demo niet opnieuw geladen.")
        return
    from portal.demo import load_demo

    created = load_demo()
    click.echo("Demo geladen: " + ", ".join(f"{k}={v}" for k, v in created.items()))


@outbox_cli.command("relay")
def outbox_relay() -> None:
    """Hand pending outbox messages to the worker now."""
    from portal.core.outbox import relay

    count = relay(older_than=__import__("datetime").timedelta(0))
    click.echo(f"{count} berichten doorgegeven.")


@outbox_cli.command("digest")
def outbox_digest() -> None:
    """Send the daily digests now."""
    from portal.core.digest import send_digests

    click.echo(f"{send_digests()} samenvattingen verstuurd.")


def register_cli(app: Flask) -> None:
    """Attach the command groups to ``flask --app portal``."""
    for group in (tenants_cli, regions_cli, demo_cli, outbox_cli):
        app.cli.add_command(group)
