"""REST endpoints for vacancies and applications (the owner's HR only)."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from portal.api import PageArgsSchema, PaginationSchema, page_envelope
from portal.core.loading import get_editable_or_404, get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.models import Application, Vacancy
from portal.hr.schemas import (
    ApplicationSchema,
    ApplicationStatusSchema,
    CreateVacancySchema,
    UpdateVacancySchema,
    VacancySchema,
    VacancyStatusSchema,
)

blp = Blueprint("hr_api", __name__, url_prefix="/api/v1", description="Gedeelde HR: vacatures en sollicitaties")


class VacancyPageSchema(Schema):
    """A page of vacancies."""

    items = fields.List(fields.Nested(VacancySchema))
    pagination = fields.Nested(PaginationSchema)


class ApplicationPageSchema(Schema):
    """A page of applications."""

    items = fields.List(fields.Nested(ApplicationSchema))
    pagination = fields.Nested(PaginationSchema)


def _visible(vacancy_id: int) -> Vacancy:
    obj = get_visible_or_404(Vacancy, vacancy_id)
    if obj.tenant_id != current_user.tenant_id and obj.status != "gepubliceerd":
        abort(404)
    return obj


def _application(application_id: int) -> Application:
    obj = get_owned_or_404(Application, application_id, current_user.tenant_id)
    if not permissions.can_manage_applications(current_user, obj):
        abort(404)
    return obj


@blp.route("/vacancies")
class VacancyList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, VacancyPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List own vacancies and published vacancies shared with the caller's tenant."""
        return page_envelope(paginate(ops.visible_vacancies(args.get("q"))))

    @blp.arguments(CreateVacancySchema)
    @blp.response(201, VacancySchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a concept vacancy owned by the caller's tenant."""
        if not permissions.can_create(current_user):
            abort(403)
        obj = ops.create_vacancy(data, author_id=current_user.id)
        db.session.commit()
        return obj


@blp.route("/vacancies/<int:vacancy_id>")
class VacancyItem(MethodView):
    @blp.response(200, VacancySchema)
    def get(self, vacancy_id: int) -> Any:
        """Return one vacancy (404 when not visible)."""
        return _visible(vacancy_id)

    @blp.arguments(UpdateVacancySchema(partial=True))
    @blp.response(200, VacancySchema)
    def patch(self, data: dict[str, Any], vacancy_id: int) -> Any:
        """Change an own open vacancy."""
        obj = get_editable_or_404(Vacancy, vacancy_id, permissions.can_edit)
        ops.update_vacancy(obj, data)
        db.session.commit()
        return obj


@blp.route("/vacancies/<int:vacancy_id>/status")
class VacancyStatus(MethodView):
    @blp.arguments(VacancyStatusSchema)
    @blp.response(200, VacancySchema)
    def post(self, data: dict[str, Any], vacancy_id: int) -> Any:
        """Publish, close, fill or cancel an own vacancy."""
        obj = get_editable_or_404(Vacancy, vacancy_id, permissions.can_edit)
        ops.change_vacancy_status(obj, data["status"])
        db.session.commit()
        return obj


@blp.route("/vacancies/<int:vacancy_id>/applications")
class VacancyApplications(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ApplicationPageSchema)
    def get(self, args: dict[str, Any], vacancy_id: int) -> Any:
        """List the applications of an own vacancy (the owner's HR only; others 404)."""
        obj = get_owned_or_404(Vacancy, vacancy_id, current_user.tenant_id)
        if not permissions.can_manage_applications(current_user, obj):
            abort(404)
        stmt = select(Application).where(Application.vacancy_id == obj.id).order_by(Application.id)
        return page_envelope(paginate(stmt))


@blp.route("/applications/<int:application_id>")
class ApplicationItem(MethodView):
    @blp.response(200, ApplicationSchema)
    def get(self, application_id: int) -> Any:
        """Return one application of the caller's tenant (the owner's HR only)."""
        return _application(application_id)

    @blp.arguments(ApplicationStatusSchema)
    @blp.response(200, ApplicationSchema)
    def patch(self, data: dict[str, Any], application_id: int) -> Any:
        """Move an application along the pipeline."""
        obj = _application(application_id)
        ops.move_application(obj, data["status"], author_id=current_user.id, note=data["note"])
        db.session.commit()
        return obj
