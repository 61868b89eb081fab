"""Server-side sessions in the portal's own database (ADR 0016).

Flask-Session supplies the session object, the random ids, rotation at login and the msgpack
serialiser; this interface keeps the rows in ``web_sessions``. The database is the one service
every request needs anyway, so a Redis outage no longer signs anybody out (ADR 0002 had them in
Redis).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, g
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.auth.models import WebSession
from portal.core.models import utcnow
from portal.extensions import db

#: A session that was only read is written back (its expiry pushed forward) once its stored
#: expiry lags this much behind a fresh one: at most one write a minute per active session
#: instead of one per request. The idle timeout is therefore exact to within this slack.
REFRESH_SLACK = timedelta(seconds=60)
REFRESH_SLACK_SHARE = 0.1  # of the lifetime, for short lifetimes (tests)


class DatabaseSessionInterface(ServerSideSessionInterface):
    """Store sessions as rows of ``web_sessions``, through the request's own database session.

    Through ``db.session`` and not a connection of its own: SQLite (the embedded default) would
    otherwise wait for the request's own transaction to end, and the test suite's rows live in
    one outer transaction. Before writing, whatever the view left uncommitted is rolled back:
    views commit what they mean to keep, and teardown would discard the rest a moment later.
    """

    ttl = False  # rows do not expire by themselves: swept hourly by a task and `flask session_cleanup`

    def __init__(self, app: Flask) -> None:
        super().__init__(
            app,
            key_prefix="",
            use_signer=False,
            permanent=app.config.get("SESSION_PERMANENT", True),
            sid_length=app.config.get("SESSION_ID_LENGTH", 32),
            serialization_format="msgpack",
            cleanup_n_requests=None,
        )

    # -- reading ----------------------------------------------------------------------------

    def _retrieve_session_data(self, store_id: str) -> dict[str, Any] | None:
        row = db.session.execute(
            select(WebSession.data, WebSession.expires_at).where(
                WebSession.id == store_id, WebSession.expires_at > utcnow()
            )
        ).first()
        if row is None:
            return None
        g.portal_session_expires_at = row.expires_at
        return self.serializer.decode(row.data)  # type: ignore[union-attr]

    # -- writing ----------------------------------------------------------------------------

    def should_set_storage(self, app: Flask, session: ServerSideSession) -> bool:
        """Write a changed session; refresh an unchanged one only when its expiry lags behind."""
        if session.modified:
            return True
        stored: datetime | None = g.get("portal_session_expires_at")
        if stored is None:
            return True
        lifetime = app.permanent_session_lifetime
        slack = min(REFRESH_SLACK, lifetime * REFRESH_SLACK_SHARE)
        return stored - utcnow() < lifetime - slack

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession, store_id: str) -> None:
        expires = utcnow() + session_lifetime
        data = self.serializer.encode(session)  # type: ignore[union-attr]
        db.session.rollback()  # the view's leftovers (see the class)
        _delete_rows(g.pop("portal_session_deleted", []))
        _upsert(store_id, data, expires)
        db.session.commit()

    def save_session(self, app: Flask, session: ServerSideSession, response: Response) -> None:
        """Store the session (or delete an emptied one) and set the cookie, after the view."""
        g.portal_session_saving = True
        try:
            super().save_session(app, session, response)
        finally:
            # Per request: an app context reused by a test client must not carry them over.
            for name in ("portal_session_saving", "portal_session_expires_at", "portal_session_deleted"):
                g.pop(name, None)

    def _delete_session(self, store_id: str) -> None:
        if g.get("portal_session_saving"):  # an emptied session, after the view
            db.session.rollback()
            _delete_rows([store_id])
            db.session.commit()
            return
        # regenerate() in the middle of a view (login, logout): the view's transaction may still
        # be rolled back, so the old id is deleted again when the new one is stored.
        g.setdefault("portal_session_deleted", []).append(store_id)
        _delete_rows([store_id])

    def _delete_expired_sessions(self) -> None:
        delete_expired_sessions()
        db.session.commit()


def _upsert(store_id: str, data: bytes, expires: datetime) -> None:
    """Insert or update one row in a single statement (two first requests may race)."""
    values = {"data": data, "expires_at": expires}
    # Both dialects spell the upsert the same way; only the insert construct differs.
    dialect_insert: Any = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(WebSession).values(id=store_id, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=[WebSession.id], set_=values))


def _delete_rows(store_ids: list[str]) -> None:
    if store_ids:
        db.session.execute(delete(WebSession).where(WebSession.id.in_(store_ids)))


def delete_expired_sessions() -> int:
    """Delete the rows of sessions that expired (idle); return how many. Does not commit."""
    result = db.session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
