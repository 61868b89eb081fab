"""Browser journey: the AD of Ranst imports the meerjarenplan, links an agreement and a joint
procurement to an action, reports to college and MAT (PDF) and sees the saving per action."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.plans.imports import HEADER
from tests import clock
from tests.e2e.conftest import ROOT
from tests.e2e.test_accessibility import _serious
from tests.e2e.test_foundation_journeys import account, log_in

pytestmark = pytest.mark.e2e

AGREEMENT = "Gedeelde hoogtewerker en podiumwagen"  # demo: Ranst is the trekker

#: Run in the server's database, with the procurement operations, as the demo loader does:
#: Zandhoven leads a dossier, Ranst joins it with a mandate and its needs, Zandhoven awards the
#: lot. Prints the dossier's title and Ranst's saving as savings() computes it, and as the pages
#: format it.
_PREPARE = """
import json, sys
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from portal import create_app
from portal.core.templating import fmt_money
from portal.extensions import db
from portal.procurement import operations as ops
from portal.procurement.models import Dossier
from tenants.context import acting_for
from tenants.models import Region, Tenant
from tenants.sharing import today

title = sys.argv[1]
app = create_app()
with app.app_context():
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    region = db.session.scalar(select(Region).where(Region.slug == "regio-ranst"))
    ranst, zandhoven = tenants["ranst"], tenants["zandhoven"]
    day = today()
    with acting_for(zandhoven.id):
        dossier = ops.create_dossier({
            "title": title,
            "description": "Levering van strooizout voor de winterdiensten van de regio.",
            "cpv_code": "34927100-2",
            "legal_form": "gezamenlijke_opdracht",
            "procedure": "openbare_procedure",
            "estimated_value": Decimal("60000"),
            "joining_deadline_on": day + timedelta(days=14),
            "lots": [{"title": "Strooizout", "unit": "ton", "estimated_value": Decimal("60000")}],
        })
        ops.open_dossier(dossier, region.id)
        db.session.commit()
        dossier_id, lot_id = dossier.id, dossier.lots[0].id
    with acting_for(ranst.id):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        ops.join(dossier, {
            "contact_name": "Technische dienst Ranst",
            "lines": [{"lot_id": lot_id, "quantity": Decimal("300"), "amount": Decimal("27000")}],
            "mandate_body": "college",
            "mandate_on": day - timedelta(days=2),
            "mandate_reference": "CBS/2026/777",
        })
        db.session.commit()
    with acting_for(zandhoven.id):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        ops.award_lot(dossier.lots[0], {
            "supplier_name": "Zoutwerken Antwerpen nv",
            "supplier_kbo": "BE 0207.437.468",
            "awarded_value": Decimal("23850"),
            "contract_start_on": day,
            "contract_end_on": day + timedelta(days=365),
        })
        db.session.commit()
    with acting_for(ranst.id):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        saving = sum(
            (max(row.saving, Decimal(0)) for row in ops.savings(dossier) if row.tenant.id == ranst.id),
            Decimal(0),
        )
        print(json.dumps({"saving": str(saving), "money": fmt_money(saving)}))
"""


def _server_env(live_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Return the environment of the demo server (its SQLite file, found in the session's temp folder)."""
    # mktemp("e2e") made one numbered folder (pytest may add an "e2ecurrent" link to it).
    found = sorted({path.resolve() for path in tmp_path_factory.getbasetemp().glob("e2e*/portal.sqlite3")})
    assert len(found) == 1, found
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
        "PORTAL_DATABASE_URL": f"sqlite:///{found[0]}",
        "PORTAL_BASE_URL": live_server,
    }


@pytest.fixture
def awarded_dossier(live_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A joint procurement led by Zandhoven, joined by Ranst and awarded below Ranst's estimate."""
    title = f"Strooizout winter {uuid.uuid4().hex[:6]}"
    result = subprocess.run(
        [sys.executable, "-c", _PREPARE, title],
        env=_server_env(live_server, tmp_path_factory),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, str] = json.loads(result.stdout.strip().splitlines()[-1])
    found["title"] = title
    return found


def _plan_csv(tag: str, first_year: int) -> bytes:
    """A small plan in the BBC layout: one domain, goal and action plan, two actions over two years."""
    rows: list[dict[str, Any]] = []
    tree = ("Organisatiebeheersing", "We werken efficiënt samen met de buurgemeenten", "Samen aankopen en delen")
    actions = [
        (f"{tag}.1", f"Winterdienst samen aankopen {tag}", "Technische dienst", (40000, 42000), "lopend"),
        (f"{tag}.2", f"Hoogtewerker delen met de regio {tag}", "Logistiek", (8000, 8000), "niet_gestart"),
    ]
    for code, title, responsible, budgets, status in actions:
        for year, expense in zip((first_year, first_year + 1), budgets, strict=True):
            rows.append(
                {
                    "beleidsdomein_code": f"BD-{tag}",
                    "beleidsdomein": tree[0],
                    "beleidsdoelstelling_code": f"BDS-{tag}",
                    "beleidsdoelstelling": tree[1],
                    "actieplan_code": f"AP-{tag}",
                    "actieplan": tree[2],
                    "actie_code": code,
                    "actie": title,
                    "verantwoordelijke": responsible,
                    "boekjaar": year,
                    "uitgaven": f"{expense},00",
                    "ontvangsten": "0,00",
                    "einddatum": f"{first_year + 1}-12-31",
                    "status": status,
                }
            )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _pdf_text(data: bytes) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) is needed to read the report back"
    # Reading order (no -layout): a table cell wrapped over two lines reads as one text.
    result = subprocess.run([tool, "-", "-"], input=data, capture_output=True, check=True, timeout=60)
    return " ".join(result.stdout.decode("utf-8").split())


def _digits(money: str) -> str:
    """Return the amount without currency sign or spaces (the PDF may break or swap them)."""
    return re.sub(r"[^\d.,]", "", money)


def test_ad_imports_links_reports_and_sees_the_saving_per_action(page, awarded_dossier, tmp_path: Path):
    tag = f"J{uuid.uuid4().hex[:4].upper()}"
    action = f"Winterdienst samen aankopen {tag}"
    year = clock.today().year
    version_title = f"Meerjarenplan {year}-{year + 1} {tag}"
    saving = awarded_dossier["money"]
    assert awarded_dossier["saving"] not in ("0", "0.00")

    # The AD opens Mijn meerjarenplan from the menu and imports the plan from a CSV file.
    log_in(page, account("ad", "ranst"))
    page.get_by_role("link", name="Mijn meerjarenplan").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn meerjarenplan")
    page.get_by_role("link", name=re.compile("importeren")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Meerjarenplan importeren")
    assert _serious(page) == []
    # A first file with a typo in a year: nothing is read in, the line is named, the typed texts stay.
    bad = _plan_csv(tag, year).replace(f";{year + 1};".encode(), b";twintig;", 1)
    page.get_by_label("Bestand").set_input_files({"name": "meerjarenplan.csv", "mimeType": "text/csv", "buffer": bad})
    page.get_by_label("Titel van de versie").fill(version_title)
    page.get_by_label("Reden (bv. aanpassing meerjarenplan 2026)").fill("Aanpassing na de begrotingswijziging")
    page.get_by_role("button", name="Importeren").click()
    expect(page.locator("#importfouten")).to_contain_text("Er is niets ingelezen.")
    expect(page.locator("#importfouten")).to_contain_text("Regel 3, boekjaar")
    expect(page.get_by_label("Titel van de versie")).to_have_value(version_title)
    expect(page.get_by_label("Reden (bv. aanpassing meerjarenplan 2026)")).to_have_value(
        "Aanpassing na de begrotingswijziging"
    )
    assert _serious(page) == []
    page.get_by_label("Bestand").set_input_files(
        {"name": "meerjarenplan.csv", "mimeType": "text/csv", "buffer": _plan_csv(tag, year)}
    )
    page.get_by_role("button", name="Importeren").click()
    expect(page.locator(".alert-success")).to_contain_text("Het meerjarenplan is ingelezen als versie")
    expect(page.locator(".lead")).to_contain_text(version_title)
    plan = page.get_by_role("table", name=re.compile("Het plan met koppelingen"))
    expect(plan.get_by_role("rowheader", name=re.compile(f"BD-{tag} Organisatiebeheersing"))).to_be_visible()
    expect(plan.get_by_role("rowheader", name=re.compile(f"AP-{tag} Samen aankopen en delen"))).to_be_visible()
    row = plan.get_by_role("row", name=re.compile(re.escape(action)))
    expect(row).to_contain_text("Technische dienst")
    expect(row).to_contain_text("82.000,00")  # 40.000 + 42.000 over the plan's two years
    expect(plan.get_by_role("row", name=re.compile(f"Hoogtewerker delen met de regio {tag}"))).to_contain_text(
        "16.000,00"
    )
    assert _serious(page) == []

    # From the action's page to its links: an agreement and the awarded joint procurement.
    row.get_by_role("link", name=re.compile(re.escape(action))).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(action)
    page.get_by_role("link", name="Koppelingen").click()
    expect(page.get_by_text("Dit item is nog aan niets gekoppeld.")).to_be_visible()
    assert _serious(page) == []
    page.get_by_label("Soort object").select_option(label="Samenwerkingsovereenkomst")
    page.get_by_role("button", name="Tonen").click()
    page.get_by_label("Samenwerkingsovereenkomst", exact=True).select_option(label=AGREEMENT)
    page.get_by_label("Toelichting (optioneel)").fill("Hoogtewerker voor het plaatsen van de kerstverlichting")
    page.get_by_role("button", name="Koppelen", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("De koppeling is bewaard.")
    page.get_by_label("Soort object").select_option(label="Gezamenlijke aankoop")
    page.get_by_label("Zoeken in de titels").fill("Strooizout")
    page.get_by_role("button", name="Tonen").click()
    page.get_by_label("Gezamenlijke aankoop", exact=True).select_option(label=awarded_dossier["title"])
    page.get_by_role("button", name="Koppelen", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("De koppeling is bewaard.")
    linked = page.get_by_role("table", name=re.compile("De objecten waaraan dit item gekoppeld is"))
    expect(linked.get_by_role("row", name=re.compile(AGREEMENT))).to_contain_text("kerstverlichting")
    dossier_row = linked.get_by_role("row", name=re.compile(re.escape(awarded_dossier["title"])))
    expect(dossier_row).to_contain_text("Zandhoven")
    expect(dossier_row).to_contain_text(saving)
    assert _serious(page) == []

    # Mijn meerjarenplan: the saving of the joint procurement on the action and in the key figures.
    page.get_by_role("link", name="Mijn meerjarenplan").first.click()
    plan = page.get_by_role("table", name=re.compile("Het plan met koppelingen"))
    row = plan.get_by_role("row", name=re.compile(re.escape(action)))
    expect(row).to_contain_text(saving)
    expect(row).to_contain_text(awarded_dossier["title"])
    expect(row).to_contain_text(AGREEMENT)
    expect(page.locator("#kerncijfers")).to_contain_text(saving)
    other = plan.get_by_role("row", name=re.compile(f"Hoogtewerker delen met de regio {tag}"))
    expect(other).not_to_contain_text(saving)
    # The view of what the cooperation touches: the linked action with its branch, nothing else.
    page.get_by_role("link", name="Geraakt door de samenwerking").click()
    touched = page.get_by_role("table", name=re.compile("De acties van deze weergave"))
    expect(touched.get_by_role("row", name=re.compile(re.escape(action)))).to_be_visible()
    expect(touched.get_by_role("rowheader", name=re.compile(f"BD-{tag} Organisatiebeheersing"))).to_be_visible()
    expect(touched.get_by_role("row", name=re.compile(f"Hoogtewerker delen met de regio {tag}"))).to_have_count(0)
    assert _serious(page) == []

    # The semester report to college and MAT: made in the page, read, and downloaded as PDF.
    page.get_by_role("link", name="Semesterrapporten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Semesterrapporten meerjarenplan")
    assert _serious(page) == []
    period = page.get_by_label("Semester").input_value()
    page.get_by_role("button", name="Rapport maken").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Semesterrapport meerjarenplan — {period}")
    download_link = page.get_by_role("link", name="PDF downloaden")
    expect(download_link).to_be_visible(timeout=60_000)  # the page refreshes itself until it is made
    body = page.locator(".report-body")
    expect(body).to_contain_text(action)
    expect(body).to_contain_text(saving)
    assert len(page.locator("#pdf-checksum").inner_text()) == 64
    assert _serious(page) == []
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert action in text, text
    assert _digits(saving) in text, text
