"""Demo content for joint procurement: plans with a bundling chance, an open and an awarded dossier."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.procurement import operations as ops
from portal.procurement.models import Document, Dossier, Lot, PurchasePlan
from tenants.context import acting_for
from tenants.models import Region, Tenant
from tenants.sharing import today

PLANS = [
    ("ranst", "Elektriciteit gemeentelijke gebouwen 2027-2030", "09310000-5", "240000", 60, 420),
    ("zandhoven", "Groene stroom voor sporthal en bibliotheek", "09310000-5", "85000", 90, 450),
    ("zoersel", "Laptops voor het administratief centrum", "30213100-6", "40000", 30, 200),
    ("lier", "Wegenwerken Mechelsestraat", "45233140-2", "900000", 120, 500),
]


def _tenant(slug: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _region(slug: str) -> Region | None:
    return db.session.scalar(select(Region).where(Region.slug == slug))


def _dossier(lead: Tenant, title: str, data: dict[str, Any], region: Region) -> Dossier | None:
    with acting_for(lead.id):
        if db.session.scalar(select(Dossier.id).where(Dossier.title == title, Dossier.tenant_id == lead.id)):
            return None
        dossier = ops.create_dossier({"title": title, **data})
        ops.open_dossier(dossier, region.id)
        db.session.commit()
        return dossier


def _pdf(lines: list[str]) -> bytes:
    """Return a small, valid one-page PDF with ``lines`` of text (Helvetica, ASCII only)."""
    text = "".join(f"({line}) Tj 0 -18 Td " for line in lines)
    stream = f"BT /F1 12 Tf 72 760 Td {text}ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _bestek(dossier: Dossier) -> None:
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    if db.session.scalar(select(Document.id).where(Document.dossier_id == dossier.id)):
        return
    body = _pdf(
        [
            "Bestek - Raamovereenkomst energie 2027-2030",
            "Perceel 1: elektriciteit (groene stroom)",
            "Perceel 2: aardgas",
        ]
    )
    upload = FileStorage(BytesIO(body), filename="bestek-energie-2027-2030.pdf")
    ops.add_document(dossier, upload, {"kind": "bestek", "title": "Ontwerpbestek energie 2027-2030"}, "Aankoper Ranst")


def load() -> int:
    """Create the demo plans and dossiers that are missing; return how many objects were made."""
    created = 0
    day = today()
    ranst_region, lier_region = _region("regio-ranst"), _region("regio-lier")
    for slug, subject, cpv, value, start, end in PLANS:
        tenant = _tenant(slug)
        region = ranst_region if slug != "lier" else lier_region
        if tenant is None or region is None:
            continue
        with acting_for(tenant.id):
            if db.session.scalar(select(PurchasePlan.id).where(PurchasePlan.subject == subject)):
                continue
            ops.create_plan(
                {
                    "subject": subject,
                    "cpv_code": cpv,
                    "estimated_value": Decimal(value),
                    "expected_from_on": day + timedelta(days=start),
                    "expected_until_on": day + timedelta(days=end),
                    "region_id": region.id,
                }
            )
            db.session.commit()
            created += 1
    ranst, zandhoven, zoersel = _tenant("ranst"), _tenant("zandhoven"), _tenant("zoersel")
    if ranst is None or zandhoven is None or zoersel is None or ranst_region is None:
        return created
    energy = _dossier(
        ranst,
        "Raamovereenkomst energie 2027-2030",
        {
            "description": "Gezamenlijke aankoop van elektriciteit en aardgas voor de gemeenten van de regio.",
            "cpv_code": "09310000-5",
            "legal_form": "opdrachtencentrale",
            "procedure": "openbare_procedure",
            "estimated_value": Decimal("1200000"),
            "joining_deadline_on": day + timedelta(days=21),
            "allows_later_joining": True,
            "lots": [
                {"title": "Elektriciteit (groene stroom)", "unit": "MWh", "estimated_value": Decimal("800000")},
                {"title": "Aardgas", "unit": "MWh", "estimated_value": Decimal("400000")},
            ],
        },
        ranst_region,
    )
    if energy is not None:
        created += 1
        with acting_for(ranst.id):
            ops.set_stage(energy, "behoefteninventaris", day - timedelta(days=30), day - timedelta(days=28))
            ops.set_stage(energy, "marktverkenning", day + timedelta(days=25), None)
            ops.set_stage(energy, "publicatie", day + timedelta(days=60), None)
            _bestek(energy)
            db.session.commit()
            lots = [lot.id for lot in energy.lots]
        with acting_for(zandhoven.id):
            dossier = db.session.scalar(select(Dossier).where(Dossier.id == energy.id))
            assert dossier is not None
            ops.join(
                dossier,
                {
                    "contact_name": "Aankoopdienst Zandhoven",
                    "lines": [
                        {"lot_id": lots[0], "quantity": Decimal("950"), "amount": Decimal("190000")},
                        {"lot_id": lots[1], "quantity": Decimal("600"), "amount": Decimal("60000")},
                    ],
                    "mandate_body": "college",
                    "mandate_on": day - timedelta(days=3),
                    "mandate_reference": "CBS/2026/412",
                },
            )
            ops.post_question(dossier, "Kunnen we de levering van aardgas later laten starten?", "Aankoper Zandhoven")
            db.session.commit()
        with acting_for(zoersel.id):
            dossier = db.session.scalar(select(Dossier).where(Dossier.id == energy.id))
            assert dossier is not None
            ops.join(
                dossier,
                {
                    "contact_name": "Financiële dienst Zoersel",
                    "lines": [{"lot_id": lots[0], "quantity": Decimal("400"), "amount": Decimal("80000")}],
                },
            )
            db.session.commit()
    copiers = _dossier(
        ranst,
        "Multifunctionele printers",
        {
            "cpv_code": "30120000-6",
            "legal_form": "gezamenlijke_opdracht",
            "procedure": "onderhandeling_zonder_bekendmaking",
            "estimated_value": Decimal("60000"),
            "joining_deadline_on": day,
            "lots": [{"title": "Huur en onderhoud printers", "unit": "toestel", "estimated_value": Decimal("60000")}],
        },
        ranst_region,
    )
    if copiers is not None:
        created += 1
        with acting_for(zandhoven.id):
            dossier = db.session.scalar(select(Dossier).where(Dossier.id == copiers.id))
            assert dossier is not None
            ops.join(
                dossier,
                {
                    "lines": [{"lot_id": dossier.lots[0].id, "quantity": Decimal("12"), "amount": Decimal("24000")}],
                    "mandate_body": "gemeenteraad",
                    "mandate_on": day - timedelta(days=1),
                    "mandate_reference": "GR/2026/88",
                },
            )
            db.session.commit()
        with acting_for(ranst.id):
            lot = db.session.scalar(select(Lot).where(Lot.dossier_id == copiers.id))
            assert lot is not None
            ops.award_lot(
                lot,
                {
                    "supplier_name": "Kantoortechniek Kempen nv",
                    "supplier_kbo": "BE 0207.437.468",
                    "awarded_value": Decimal("20500"),
                    "contract_start_on": day - timedelta(days=1000),
                    "contract_end_on": day + timedelta(days=75),
                    "renewal_options": "Eenmaal verlengbaar met 12 maanden",
                },
            )
            db.session.commit()
    return created
