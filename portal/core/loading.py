"""Load objects through the tenant-scoped session: invisible means 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db

M = TypeVar("M")


def get_visible_or_404(model: type[M], object_id: int) -> M:
    """Return the object if the acting tenant may read it, else answer 404."""
    obj = db.session.scalar(select(model).where(model.id == object_id))  # type: ignore[attr-defined]
    if obj is None:
        abort(404)
    return obj


def get_owned_or_404(model: type[M], object_id: int, tenant_id: Any) -> M:
    """Return the object if the acting tenant owns it, else answer 404 (partners included)."""
    obj = get_visible_or_404(model, object_id)
    if obj.tenant_id != tenant_id:  # type: ignore[attr-defined]
        abort(404)
    return obj


def get_editable_or_404(model: type[M], object_id: int, allowed: Callable[[Any, M], bool]) -> M:
    """Return an object of the acting tenant that the user may change: foreign is 404, no right 403."""
    obj = get_owned_or_404(model, object_id, current_user.tenant_id)
    if not allowed(current_user, obj):
        abort(403)
    return obj
