"""Cross-tenant canaries: words planted in another region's data appear on no page, feed or export.

The demo data is loaded, every titled or named row of the municipalities that never shared a
region or a grant with Ranst gets a unique canary word, and then demo users of Ranst crawl every
page reachable from their navigation (HTML, CSV, XLSX, iCal, JSON, PDF). No response may hold a
canary, and none may be a server error.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
import zipfile
from collections import deque
from urllib.parse import urldefrag

from flask import Flask
from sqlalchemy import String, select

from portal.core.models import Base
from portal.demo import DEMO_PASSWORD, demo_accounts, load_demo
from portal.extensions import db
from tenants.context import tenant_context
from tenants.models import RegionMembership, ShareGrant, Tenant

CANARY = f"KANARIE{uuid.uuid4().hex[:8].upper()}"
PAGES_PER_USER = 160
# Roles of Ranst whose journeys reach every module; the raadslid and expert see little.
VIEWERS = ["ad", "hr", "dienst", "aankoop", "schepen", "raadslid"]
HREF = re.compile(r'(?:href|hx-get|src)="([^"#]+)')
# GET routes that change the session rather than show data, and static files.
SKIP = re.compile(r"^/(static/|branding/|taal/|login|logout|api/v1/docs)|/afmelden")


def _foreign_tenants(viewer: Tenant) -> list[int]:
    """Return the tenants that never shared a region with ``viewer`` and granted it nothing."""
    with tenant_context(None, is_platform=True):
        viewer_regions = select(RegionMembership.region_id).where(RegionMembership.tenant_id == viewer.id)
        neighbours = set(
            db.session.scalars(select(RegionMembership.tenant_id).where(RegionMembership.region_id.in_(viewer_regions)))
        )
        grants = select(ShareGrant.tenant_id).where(ShareGrant.grantee_tenant_id == viewer.id)
        granting = set(db.session.scalars(grants))
        everyone = set(db.session.scalars(select(Tenant.id)))
    return sorted(everyone - neighbours - granting - {viewer.id})


def _plant(tenant_ids: list[int]) -> int:
    """Append the canary to every text title/name/subject of the given tenants' rows."""
    planted = 0
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if "tenant_id" not in table.c:
            continue
        columns = [
            c.key
            for c in table.c
            if c.key in ("title", "name", "subject", "description") and isinstance(c.type, String) and c.type.length
        ]
        if not columns:
            continue
        entity = mapper.class_
        for tenant_id in tenant_ids:
            with tenant_context(tenant_id):
                for row in db.session.scalars(select(entity).where(table.c.tenant_id == tenant_id)):
                    for key in columns:
                        length = int(table.c[key].type.length)
                        value = getattr(row, key) or ""
                        setattr(row, key, f"{value[: max(0, length - len(CANARY) - 1)]} {CANARY}".strip())
                        planted += 1
                db.session.flush()
    return planted


def _text_of(response) -> str:
    """Return what a person could read in the response, whatever its format."""
    data = response.get_data()
    if response.mimetype == "application/pdf":
        if not shutil.which("pdftotext"):
            return ""
        result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=False, timeout=60)
        return result.stdout.decode("utf-8", "replace")
    if data[:2] == b"PK":  # XLSX, DOCX, ODT: zipped XML
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = [archive.read(n) for n in archive.namelist() if n.endswith(".xml")]
            return " ".join(p.decode("utf-8", "replace") for p in parts)
    return data.decode("utf-8", "replace")


def _crawl(app: Flask, email: str, start: str) -> tuple[int, list[str], list[str]]:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    seen: set[str] = {start}
    queue = deque([start])
    leaks: list[str] = []
    errors: list[str] = []
    visited = 0
    while queue and visited < PAGES_PER_USER:
        url = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code >= 500:
            errors.append(f"{response.status_code} {url}")
            continue
        text = _text_of(response)
        if CANARY in text:
            leaks.append(url)
        if response.mimetype != "text/html":
            continue
        for href in HREF.findall(text):
            link = urldefrag(href.replace("&amp;", "&"))[0]
            if not link.startswith("/") or link.startswith("//") or SKIP.search(link) or link in seen:
                continue
            seen.add(link)
            queue.append(link)
    return visited, leaks, errors


def test_no_page_reachable_from_the_navigation_shows_another_regions_data(app):
    load_demo()
    ranst = db.session.scalar(select(Tenant).where(Tenant.slug == "ranst"))
    assert ranst is not None
    foreign = _foreign_tenants(ranst)
    with tenant_context(None, is_platform=True):
        foreign_slugs = set(db.session.scalars(select(Tenant.slug).where(Tenant.id.in_(foreign))))
    assert {"lier", "herenthout"} <= foreign_slugs
    assert _plant(foreign) >= 10  # the demo gives the other region content in several modules
    db.session.flush()

    accounts = {a.email: a for a in demo_accounts() if a.tenant == "ranst"}
    total = 0
    for role in VIEWERS:
        email = next(e for e in accounts if e.startswith(f"{role}."))
        visited, leaks, errors = _crawl(app, email, "/ranst/")
        total += visited
        assert errors == [], (email, errors)
        assert leaks == [], (email, leaks)
    assert total > 3 * len(VIEWERS)  # the crawl really went somewhere
