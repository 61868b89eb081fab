"""Which client address to believe: X-Forwarded-* only from configured, trusted proxies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")


class TrustedProxies:
    """Apply ProxyFix for ``count`` proxies, only to requests whose peer is one of ``peers`` (if given)."""

    def __init__(self, app: Any, count: int, peers: Iterable[str] = ()) -> None:
        self.app = app
        self.fixed = ProxyFix(app, x_for=count, x_proto=count, x_host=count)
        self.peers = frozenset(peers)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.peers and environ.get("REMOTE_ADDR") not in self.peers:
            # A client talking to us directly: its forwarding headers are its own invention.
            for name in _FORWARDED:
                environ.pop(name, None)
            return self.app(environ, start_response)
        return self.fixed(environ, start_response)


def install_proxy_fix(app: Flask) -> None:
    """Trust ``PORTAL_TRUSTED_PROXIES`` proxies (0: none, the peer is the client)."""
    count = int(app.config.get("PORTAL_TRUSTED_PROXIES") or 0)
    if count > 0:
        peers = app.config.get("PORTAL_TRUSTED_PROXY_IPS") or ()
        app.wsgi_app = TrustedProxies(app.wsgi_app, count, peers)  # type: ignore[method-assign]


def hide_server_version() -> None:
    """Make the development server (``make run``) answer ``Server: Samenwerkingsportaal``, no versions."""
    from werkzeug.serving import WSGIRequestHandler

    # http.server sends this header itself, after the app's headers, so an after_request cannot.
    WSGIRequestHandler.version_string = lambda self: "Samenwerkingsportaal"  # type: ignore[method-assign]
