"""Public job pages per municipality and per region: lists, Atom/JSON feeds, vacancy, application form."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select, text

from portal.core.access import PUBLIC, allow
from portal.core.errors import DomainError
from portal.core.forms import form_to_dict
from portal.core.pagination import paginate_list
from portal.core.unitofwork import fail
from portal.extensions import db, limiter
from portal.hr import operations as ops
from portal.hr.models import Vacancy
from portal.hr.schemas import PublicApplicationSchema
from tenants.context import for_each_tenant, tenant_context
from tenants.models import Region, Tenant
from tenants.sharing import region_members, today

public_bp = Blueprint("hr_public", __name__, url_prefix="/werken-bij/<slug>")
region_bp = Blueprint("hr_region", __name__, url_prefix="/werken-in-de-regio/<region_slug>")


@contextmanager
def public_tenant(slug: str) -> Iterator[Tenant]:
    """Act for the municipality named in the URL (read its public vacancies, file applications)."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug[:60], Tenant.is_active.is_(True)))
    if tenant is None:
        abort(404)
    # A fresh context on purpose, not acting_for(): the visitor acts anonymously for the
    # municipality in the URL, so a signed-in user's id must not reach this tenant's audit log.
    with tenant_context(tenant.id, request_id=g.get("request_id"), ip=request.remote_addr):
        yield tenant


def _public_vacancy(tenant: Tenant, vacancy_id: int) -> Vacancy:
    vacancy = db.session.scalar(ops.public_vacancies(tenant.id).where(Vacancy.id == vacancy_id))
    if vacancy is None:
        abort(404)
    return vacancy


@public_bp.route("")
@allow(PUBLIC)
def index(slug: str) -> Any:
    """List the municipality's published external vacancies."""
    with public_tenant(slug) as tenant:
        vacancies = list(db.session.scalars(ops.public_vacancies(tenant.id)))
        return render_template("hr/public_index.html", tenant=tenant, vacancies=vacancies)


@public_bp.route("/feed.atom")
@allow(PUBLIC)
def feed(slug: str) -> Any:
    """Atom feed of the municipality's published external vacancies."""
    with public_tenant(slug) as tenant:
        vacancies = list(db.session.scalars(ops.public_vacancies(tenant.id)))
        body = render_template("hr/feed.xml", tenant=tenant, vacancies=vacancies)
    return Response(body, mimetype="application/atom+xml")


def _json_feed(title: str, home: str, items: list[tuple[Tenant, Vacancy]]) -> Response:
    """Answer a JSON Feed 1.1 document of published external vacancies."""
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": home,
        "language": "nl-BE",
        "items": [
            {
                "id": url_for("hr_public.vacancy", slug=t.slug, vacancy_id=v.id, _external=True),
                "url": url_for("hr_public.vacancy", slug=t.slug, vacancy_id=v.id, _external=True),
                "title": v.title,
                "summary": f"{t.name} · {v.grade} · {v.percentage}%",
                "date_modified": v.updated_at.isoformat(),
                "authors": [{"name": t.name}],
                "_vacature": {"bestuur": t.slug, "weddeschaal": v.grade, "uiterste_datum": v.deadline_on.isoformat()},
            }
            for t, v in items
        ],
    }
    return Response(json.dumps(feed, ensure_ascii=False), mimetype="application/feed+json")


@public_bp.route("/feed.json")
@allow(PUBLIC)
def json_feed(slug: str) -> Any:
    """JSON feed of the municipality's published external vacancies."""
    with public_tenant(slug) as tenant:
        items = [(tenant, v) for v in db.session.scalars(ops.public_vacancies(tenant.id))]
        return _json_feed(
            _("Vacatures van %(name)s", name=tenant.name), url_for("hr_public.index", slug=slug, _external=True), items
        )


_PUBLIC_ROWS = text("SELECT * FROM hr_public_vacancy_rows(CAST(:ids AS integer[]), CAST(:day AS date))")


def _region_vacancies(region_slug: str) -> tuple[Region, list[tuple[Tenant, Vacancy]]]:
    """Read every current member's public vacancies, each in that member's own tenant context."""
    region = db.session.scalar(select(Region).where(Region.slug == region_slug[:60]))
    if region is None:
        abort(404)
    items: list[tuple[Tenant, Vacancy]] = []
    members = [m for m in sorted(region_members(region.id), key=lambda t: t.name) if m.is_active]
    by_id = {m.id: m for m in members}
    if db.session.get_bind().dialect.name == "postgresql":
        # One statement for the whole region (each member read in its own context, ADR 0015).
        columns = set(Vacancy.__table__.columns.keys())
        rows = db.session.execute(_PUBLIC_ROWS, {"ids": list(by_id), "day": today()}).mappings()
        for row in rows:
            vacancy = Vacancy(**{k: v for k, v in row.items() if k in columns})
            items.append((by_id[vacancy.tenant_id], vacancy))
    else:
        for member_id in for_each_tenant(by_id):
            items += [(by_id[member_id], v) for v in db.session.scalars(ops.public_vacancies(member_id))]
    items.sort(key=lambda item: (item[1].deadline_on, item[0].name, item[1].id))
    return region, items


@region_bp.route("")
@allow(PUBLIC)
def region_index(region_slug: str) -> Any:
    """List the published external vacancies of every member of a region (no login), a page at a time."""
    region, items = _region_vacancies(region_slug)
    return render_template("hr/public_region.html", region=region, page=paginate_list(items, per_page=50))


@region_bp.route("/feed.json")
@allow(PUBLIC)
def region_feed(region_slug: str) -> Any:
    """JSON feed of the region's published external vacancies."""
    region, items = _region_vacancies(region_slug)
    home = url_for("hr_region.region_index", region_slug=region.slug, _external=True)
    return _json_feed(_("Vacatures in %(name)s", name=region.name), home, items)


@public_bp.route("/<int:vacancy_id>")
@allow(PUBLIC)
def vacancy(slug: str, vacancy_id: int) -> Any:
    """Show one published external vacancy."""
    with public_tenant(slug) as tenant:
        obj = _public_vacancy(tenant, vacancy_id)
        return render_template("hr/public_vacancy.html", tenant=tenant, obj=obj)


def _cv() -> tuple[str, bytes] | None:
    upload = request.files.get("cv")
    if upload is None or not upload.filename:
        return None
    try:
        content = upload.stream.read(ops.CV_MAX_BYTES + 1)
    finally:
        upload.close()
    return upload.filename, content


@public_bp.route("/<int:vacancy_id>/solliciteren", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("5 per hour", methods=["POST"])
def apply(slug: str, vacancy_id: int) -> Any:
    """The public application form: name, e-mail, CV (PDF), motivation and privacy consent."""
    with public_tenant(slug) as tenant:
        obj = _public_vacancy(tenant, vacancy_id)
        values: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        status = 200
        if request.method == "POST":
            values = request.form.to_dict()
            cv = _cv()
            schema = PublicApplicationSchema()
            try:
                data = schema.load(form_to_dict(request.form, schema))
                if not data["consent"]:
                    raise DomainError(
                        _("Geef je toestemming voor de verwerking van je gegevens."), field="consent", status_code=422
                    )
                ops.submit_public_application(obj, data, cv)
            except ValidationError as err:
                fail()
                errors, status = dict(err.messages) if isinstance(err.messages, dict) else {}, 422
            except DomainError as err:
                fail()
                errors, status = {err.field or "_schema": [err.message]}, err.status_code
            else:
                # Written as the municipality of the URL: flush inside its context (the request commits).
                db.session.flush()
                return redirect(url_for("hr_public.thanks", slug=tenant.slug, vacancy_id=obj.id))
        return render_template("hr/public_apply.html", tenant=tenant, obj=obj, values=values, errors=errors), status


@public_bp.route("/<int:vacancy_id>/bedankt")
@allow(PUBLIC)
def thanks(slug: str, vacancy_id: int) -> Any:
    """Confirm that the application was received."""
    with public_tenant(slug) as tenant:
        obj = _public_vacancy(tenant, vacancy_id)
        return render_template("hr/public_thanks.html", tenant=tenant, obj=obj)
