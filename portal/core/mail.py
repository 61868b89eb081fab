"""Deliver one e-mail: over SMTP in production and tests, to files in the embedded default."""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import structlog
from flask import current_app

log = structlog.get_logger(__name__)


MESSAGE_ID_DOMAIN = "samenwerkingsportaal.be"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(value: str) -> str:
    """Return ``value`` with control characters and line breaks as single spaces (a safe header)."""
    return " ".join(_CONTROL.sub(" ", value).split())


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachment: tuple[str, bytes, str] | None = None,
    *,
    message_id: str | None = None,
) -> EmailMessage:
    """Return a multipart message with a text part, an optional HTML part and attachment."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    # A subject quotes user text (a vacancy title): text stored before the one-line check
    # existed must not make the header refused and the mail lost.
    msg["Subject"] = one_line(subject)
    msg["Message-ID"] = message_id or make_msgid(domain=MESSAGE_ID_DOMAIN)
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    if attachment:
        name, data, mime = attachment
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def deliver(msg: EmailMessage) -> None:
    """Send ``msg`` with the configured backend."""
    cfg: dict[str, Any] = current_app.config
    backend = cfg["PORTAL_MAIL_BACKEND"]
    if backend == "smtp":
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
    else:
        # Embedded default: keep mails as .eml files so a newcomer can open reset links.
        folder = Path(current_app.instance_path) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        name = msg["Message-ID"].strip("<>").replace("@", "_") + ".eml"
        (folder / name).write_bytes(bytes(msg))
        log.info("mail.written", to=msg["To"], subject=msg["Subject"], file=str(folder / name))
