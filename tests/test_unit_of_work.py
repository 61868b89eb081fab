"""One unit of work per request: commit on success, roll back on refusal, a 409 on a commit conflict."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask, redirect
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from portal.auth.models import LoginThrottle
from portal.core.access import PUBLIC, allow
from portal.core.errors import DomainError
from portal.core.forms import submit
from portal.core.models import utcnow
from portal.core.unitofwork import after_commit, attempt
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.test_outbox import second_app

ROOT = Path(__file__).resolve().parents[1]


def _row(key: str) -> LoginThrottle:
    # Not tenant-owned and with a primary key of our choosing: a plain row to keep or lose.
    return LoginThrottle(account_key=key, client_key="uow", failures=1, last_failure_at=utcnow())


def _count(key: str) -> int:
    return db.session.scalar(select(func.count()).where(LoginThrottle.account_key == key)) or 0


class _FailuresSchema(Schema):
    failures = fields.Integer(required=True, validate=validate.Range(min=0))


def _blueprint(seen: dict[str, Any]) -> Blueprint:
    bp = Blueprint("uow_test", __name__)

    @bp.post("/_test/uow/<key>/<outcome>")
    @allow(PUBLIC)  # a test route: the guard refuses any route that declares nothing
    def write(key: str, outcome: str) -> Any:
        db.session.add(_row(key))
        if outcome == "conflict":
            return "ok"  # not flushed: the duplicate key surfaces only at the request's commit
        db.session.flush()
        after_commit(lambda: seen.setdefault("committed", []).append(key))
        if outcome == "raise":
            raise RuntimeError("the view breaks after its flush")
        if outcome == "refuse":
            raise DomainError("Deze wijziging is niet toegestaan.", status_code=409)
        if outcome == "attempt":

            def refused() -> None:
                db.session.add(_row(key + "-b"))
                db.session.flush()
                raise DomainError("Niet toegestaan.")

            _done, errors, _status = attempt(refused)
            assert errors == {"_schema": ["Niet toegestaan."]}
            # A button flashes the refusal and redirects: still nothing may stay.
            return redirect("/"), 303
        return "ok", 201

    @bp.post("/_test/uow-submit/<key>")
    @allow(PUBLIC)
    def submitted(key: str) -> Any:
        db.session.add(_row(key + "-before"))
        db.session.flush()

        def save(data: dict[str, Any]) -> LoginThrottle:
            if data["failures"] > 5:
                raise DomainError("Te veel mislukte pogingen.", field="failures")
            row = _row(key)
            row.failures = data["failures"]
            db.session.add(row)
            db.session.flush()
            return row

        row, errors = submit(_FailuresSchema(), save)
        if row is None:
            return {"errors": errors}, 422
        return {"failures": row.failures}, 201

    @bp.post("/api/_test/uow/<key>")
    @allow(PUBLIC)
    def api_write(key: str) -> Any:
        db.session.add(_row(key))
        db.session.flush()
        raise DomainError("Dit kan niet via de API.", status_code=409)

    @bp.get("/_test/uow/read")
    @allow(PUBLIC)
    def read() -> Any:
        return {"count": db.session.scalar(select(func.count()).select_from(LoginThrottle))}

    return bp


@pytest.fixture(autouse=True)
def _session_celery(app: Flask) -> None:
    # Another test module may have built a second app that became Celery's default.
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()


@pytest.fixture
def uow_app(app, smtp_sink, tmp_path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    seen: dict[str, Any] = {}
    with second_app(app, smtp_sink[1], str(tmp_path), (_blueprint(seen),)) as other:
        yield other, seen


def test_successful_post_persists_and_runs_after_commit(uow_app):
    other, seen = uow_app
    response = other.test_client().post("/_test/uow/kept/ok")
    assert response.status_code == 201
    assert _count("kept") == 1
    assert seen["committed"] == ["kept"]


def test_view_that_raises_after_a_flush_leaves_nothing(uow_app):
    other, seen = uow_app
    response = other.test_client().post("/_test/uow/broken/raise")
    assert response.status_code == 500
    assert _count("broken") == 0
    assert "committed" not in seen


def test_domain_error_answers_its_dutch_message_and_rolls_back(uow_app):
    other, _seen = uow_app
    response = other.test_client().post("/_test/uow/refused/refuse")
    assert response.status_code == 409
    assert "Deze wijziging is niet toegestaan." in response.get_data(as_text=True)
    assert _count("refused") == 0


def test_domain_error_in_the_api_is_problem_details_and_rolls_back(uow_app):
    other, _seen = uow_app
    response = other.test_client().post("/api/_test/uow/api-refused")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"] == "Dit kan niet via de API."
    assert _count("api-refused") == 0


def test_attempt_marks_the_request_failed_even_when_it_redirects(uow_app):
    other, seen = uow_app
    response = other.test_client().post("/_test/uow/button/attempt")
    assert response.status_code == 303
    assert _count("button") == 0 and _count("button-b") == 0
    assert "committed" not in seen


def test_submit_keeps_a_valid_form_and_nothing_of_a_refused_one(uow_app):
    other, _seen = uow_app
    client = other.test_client()
    response = client.post("/_test/uow-submit/bad", data={"failures": "veel"})
    assert response.status_code == 422 and "failures" in response.json["errors"]
    response = client.post("/_test/uow-submit/refused", data={"failures": "9"})
    assert response.status_code == 422
    assert response.json["errors"] == {"failures": ["Te veel mislukte pogingen."]}
    for key in ("bad", "refused"):
        assert _count(key) == 0 and _count(key + "-before") == 0, key
    response = client.post("/_test/uow-submit/good", data={"failures": "3"})
    assert response.status_code == 201 and response.json == {"failures": 3}
    assert _count("good") == 1 and _count("good-before") == 1


def test_commit_conflict_answers_409_in_dutch_not_500(uow_app):
    other, _seen = uow_app
    db.session.add(_row("taken"))
    db.session.commit()
    response = other.test_client().post("/_test/uow/taken/conflict")
    assert response.status_code == 409
    assert "De aanvraag botst met de huidige toestand." in response.get_data(as_text=True)
    assert _count("taken") == 1


def test_get_that_only_reads_succeeds(uow_app):
    other, _seen = uow_app
    response = other.test_client().get("/_test/uow/read")
    assert response.status_code == 200
    assert response.json["count"] >= 0


def test_refused_sign_in_still_records_its_throttle(world, client):
    user = world.user("owner", "dienst")
    before = db.session.scalar(select(func.count()).select_from(LoginThrottle)) or 0
    response = client.post("/login", data={"email": user.email, "password": PASSWORD + "-fout"})
    assert response.status_code == 401
    assert "E-mailadres of wachtwoord is onjuist." in response.get_data(as_text=True)
    assert (db.session.scalar(select(func.count()).select_from(LoginThrottle)) or 0) > before


# -- the boundary stays in one place ------------------------------------------------------------


def _route_files() -> list[Path]:
    portal = ROOT / "portal"
    files = [portal / "api.py", *portal.glob("*/views.py"), *portal.glob("*/views/*.py"), *portal.glob("*/api.py")]
    files.append(portal / "hr" / "public.py")
    return sorted(path for path in files if path.exists())


def _boundary_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        target = ast.unparse(node.func.value)
        if node.func.attr == "rollback" or (node.func.attr == "commit" and target.endswith("session")):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {target}.{node.func.attr}()")
    return found


def test_views_and_apis_never_commit_or_roll_back_themselves():
    files = _route_files()
    assert len(files) >= 15  # the glob found the modules
    offenders = [call for path in files for call in _boundary_calls(path)]
    assert offenders == [], "use portal.core.unitofwork (attempt, fail, keep_on_error) instead:\n" + "\n".join(
        offenders
    )


def _operations_files() -> list[Path]:
    portal = ROOT / "portal"
    return sorted([*portal.glob("*/operations.py"), *portal.glob("*/operations/*.py")])


def test_operations_never_commit_or_roll_back():
    files = _operations_files()
    assert len(files) >= 8  # the globs found the modules
    offenders = [call for path in files for call in _boundary_calls(path)]
    assert offenders == [], "operations flush; the request's unit of work or the task commits:\n" + "\n".join(offenders)
