"""Domain errors and the HTML / JSON (problem details) error responses."""

from __future__ import annotations

from typing import Any

import structlog
from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.core.validation import messages_as_text

log = structlog.get_logger(__name__)


class DomainError(Exception):
    """A business rule refused the change; the message is shown to the user (Dutch)."""

    status_code = 409

    def __init__(self, message: str, *, field: str | None = None, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if status_code is not None:
            self.status_code = status_code


TITLES = {
    400: _l("Ongeldige aanvraag"),
    401: _l("Aanmelden vereist"),
    403: _l("Geen toegang"),
    404: _l("Niet gevonden"),
    405: _l("Methode niet toegestaan"),
    409: _l("Conflict"),
    413: _l("Bestand of aanvraag te groot"),
    415: _l("Niet-ondersteund formaat"),
    422: _l("Ongeldige gegevens"),
    429: _l("Te veel aanvragen"),
    500: _l("Interne fout"),
}


def is_api_request() -> bool:
    """Tell whether the current request is for the JSON API."""
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: _("De aanvraag kon niet verwerkt worden. Controleer de gegevens en probeer opnieuw."),
        401: _("Meld je aan om verder te gaan."),
        403: _("Je hebt geen toegang tot deze pagina."),
        404: _("Deze pagina of dit object bestaat niet, of je hebt er geen toegang toe."),
        405: _("Deze actie is hier niet toegestaan."),
        409: _("De aanvraag botst met de huidige toestand."),
        413: _("De aanvraag of het bestand is te groot."),
        415: _("Dit formaat wordt niet ondersteund."),
        422: _("Sommige gegevens zijn ongeldig."),
        429: _("Te veel pogingen. Wacht even en probeer opnieuw."),
        500: _("Er ging iets mis aan onze kant. Probeer het later opnieuw."),
    }


def problem(status: int, detail: str | None = None, **extra: Any) -> Response:
    """Return an RFC 9457 problem-details JSON response."""
    body = {
        "type": "about:blank",
        "title": str(TITLES.get(status, _l("Fout"))),
        "status": status,
        "detail": detail or _messages().get(status, ""),
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def error_page(status: int, detail: str | None = None) -> tuple[str, int]:
    """Render the Dutch HTML error page for ``status``."""
    title = str(TITLES.get(status, _l("Fout")))
    message = detail or _messages().get(status, "")
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Answer HTML on pages and problem JSON on /api, for every error."""

    def handle_http(exc: HTTPException) -> Any:
        status = exc.code or 500
        detail = None
        if status == 429:
            detail = _messages()[429]
        elif status == 422 and is_api_request():
            data = getattr(exc, "data", None) or {}
            return problem(422, errors=messages_as_text(data.get("messages", {})))
        if is_api_request():
            return problem(status, detail)
        return error_page(status, detail)

    def handle_csrf(exc: CSRFError) -> Any:
        detail = _("De beveiligingstoken van het formulier ontbreekt of is verlopen. Laad de pagina opnieuw.")
        if is_api_request():
            return problem(400, detail)
        return error_page(400, detail)

    def handle_domain(exc: DomainError) -> Any:
        from portal.extensions import db

        # What the operation flushed before it refused must not reach a later commit.
        db.session.rollback()
        if is_api_request():
            return problem(exc.status_code, exc.message)
        return error_page(exc.status_code, exc.message)

    def handle_validation(exc: ValidationError) -> Any:
        if is_api_request():
            return problem(422, errors=messages_as_text(exc.messages))
        return error_page(422)

    def handle_data(exc: DataError | OverflowError) -> Any:
        from portal.extensions import db

        # The database (DataError) or its driver (OverflowError: SQLite's 64-bit integers) refused
        # a value no schema bounded, e.g. an id beyond the column: bad input, and nothing is kept.
        log.warning("request.data_error", error=str(getattr(exc, "orig", exc))[:200])
        db.session.rollback()
        detail = _("Een van de ingevulde waarden is ongeldig of te groot.")
        if is_api_request():
            return problem(422, detail)
        return error_page(422, detail)

    def handle_unexpected(exc: Exception) -> Any:
        log.exception("request.unhandled")
        if is_api_request():
            return problem(500)
        return error_page(500)

    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DomainError, handle_domain)
    app.register_error_handler(ValidationError, handle_validation)
    app.register_error_handler(DataError, handle_data)
    app.register_error_handler(OverflowError, handle_data)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
