"""One unit of work per request: commit once when the view succeeds, roll back otherwise.

Views and API routes never commit or roll back themselves (the meta-test in
tests/test_unit_of_work.py holds them to it). After the view, :func:`finish` commits when the
response succeeds (status < 400) and rolls back when it is refused; an exception that escapes
the error handlers is rolled back at teardown. Two explicit escapes, for the rare request whose
answer and outcome differ:

* :func:`attempt` runs an operation for a form view and turns a ``DomainError`` into field
  errors; the request is then marked failed, so even a redirect (a button that flashes the
  refusal) keeps nothing.
* :func:`keep_on_error` commits at once something that must stay although the request answers
  an error (a failed sign-in's throttle counters).

Work that needs the committed rows (starting a report's generation) is handed to
:func:`after_commit`; command-line code, which has no request, uses :func:`transaction`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import structlog
from flask import Flask, g
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.core.errors import DomainError
from portal.extensions import db

log = structlog.get_logger(__name__)

T = TypeVar("T")

#: PostgreSQL's serialization failure and deadlock: another transaction won, retrying may succeed.
_CONFLICT_STATES = {"40001", "40P01"}


def _conflict_message() -> str:
    # The catalogue's 409 text: another request changed the same rows first, nothing was kept.
    return _("De aanvraag botst met de huidige toestand.")


def fail() -> None:
    """Roll back this request's changes now and keep nothing, whatever the response's status."""
    db.session.rollback()
    g.uow_failed = True


def attempt(action: Callable[[], T]) -> tuple[T | None, dict[str, list[str]], int]:
    """Run an operation; a DomainError becomes ``(None, {field: [message]}, status)`` and nothing is kept.

    The rollback is immediate (not at the end of the request): the page that shows the errors
    must read the state from before the refused change.
    """
    try:
        return action(), {}, 200
    except DomainError as err:
        fail()
        return None, {err.field or "_schema": [err.message]}, err.status_code or 422


def keep_on_error(action: Callable[[], T]) -> T:
    """Discard the request's changes so far, run ``action`` and commit what it wrote at once.

    For what must stay although the request answers an error (a failed sign-in's throttle
    counters, basket lines pruned before a refusal): committed here, so the error answer's
    rollback cannot take it along. The rest of the request is a unit of its own again.
    """
    db.session.rollback()
    result = action()
    commit_now()
    return result


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` once this request's transaction is committed (never when it is rolled back)."""
    g.setdefault("uow_after_commit", []).append(callback)


def commit_now() -> None:
    """Commit the request's work so far, for a hand-off whose result the response must show.

    The exception, not the rule: an API answer that reports what an eager task made of the rows
    it just committed. A conflict is the usual Dutch 409; the rest of the request is its own unit.
    """
    if not _commit():
        raise DomainError(_conflict_message(), status_code=409)


@contextmanager
def transaction() -> Iterator[None]:
    """Commit the block's changes when it ends normally, roll them back when it raises (no request)."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def _commit() -> bool:
    """Commit; on a conflict (another transaction won) roll back, log and return False.

    Any other database error is rolled back and raised: it is a bug, not the user's doing.
    """
    try:
        db.session.commit()
    except (IntegrityError, OperationalError) as exc:
        db.session.rollback()
        if not _is_conflict(exc):
            raise
        log.warning("request.commit_conflict", error=str(exc.orig)[:200])
        return False
    return True


def _is_conflict(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    if isinstance(exc, OperationalError):
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        # SQLite has no serialization failures: a writer that waited too long finds it locked.
        return state in _CONFLICT_STATES or "database is locked" in str(exc.orig)
    return False


def _conflict_response() -> Any:
    from flask import make_response

    from portal.core.errors import error_page, is_api_request, problem

    detail = _conflict_message()
    if is_api_request():
        return problem(409, detail)
    return make_response(error_page(409, detail))


def finish(response: Any) -> Any:
    """Commit the request's transaction when the response succeeds, else roll it back.

    A commit the database refuses (a unique violation only the database could see, a
    serialization failure) answers a Dutch 409: nothing was kept and the user may try again.
    """
    failed = g.pop("uow_failed", False)
    callbacks = g.pop("uow_after_commit", [])
    if failed or response.status_code >= 400:
        db.session.rollback()
        return response
    if not _commit():
        return _conflict_response()
    for callback in callbacks:
        callback()
    return response


def _teardown(exc: BaseException | None) -> None:
    if exc is not None:
        # An exception no handler answered: finish() never ran for this request.
        db.session.rollback()
    for name in ("uow_failed", "uow_after_commit"):
        g.pop(name, None)


def init_unit_of_work(app: Flask) -> None:
    """Roll back at teardown what an unanswered exception left (``finish`` runs from web's after_request)."""
    app.teardown_request(_teardown)
