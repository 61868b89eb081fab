"""The agreements sections of the council report: the agreements and the cooperation matrix."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.agreements import operations as ops
from portal.agreements.models import (
    LEVELS,
    MATRIX_DOMAINS,
    STATUSES,
    Agreement,
    AgreementStatus,
    Evaluation,
    EvaluationStatus,
)
from portal.core.report import ReportPeriod, Section, date_cell, figure, names, table
from portal.extensions import db
from tenants.sharing import current_regions


def section(period: ReportPeriod) -> Section:
    """Return the municipality's live and pending agreements and the evaluations of the period."""
    tenant_id = period.tenant_id
    agreements = [a for a in db.session.scalars(ops.visible_agreements()) if a.party(tenant_id) is not None]
    live = [a for a in agreements if a.status in ops.LIVE and a.start_date <= period.end]
    waiting = [a for a in agreements if a.status == AgreementStatus.TER_GOEDKEURING]
    ids = [a.id for a in agreements]
    evaluations = (
        list(
            db.session.scalars(
                select(Evaluation)
                .join(Agreement, Agreement.id == Evaluation.agreement_id)
                .where(Evaluation.agreement_id.in_(ids))
                .order_by(Evaluation.due_on)
            )
        )
        if ids
        else []
    )
    titles = {a.id: a.title for a in agreements}
    due = [e for e in evaluations if e.status == EvaluationStatus.TE_DOEN and e.due_on <= period.end]
    done = [e for e in evaluations if e.status == EvaluationStatus.AFGEROND and period.contains(e.completed_on)]

    def others(a: Any) -> str:
        return names(p.tenant for p in a.active_parties() if p.party_tenant_id != tenant_id)

    own_pending = [a for a in waiting if any(p.party_tenant_id == tenant_id for p in ops.pending_parties(a))]
    return {
        "key": "agreements",
        "title": _("Samenwerkingsovereenkomsten"),
        "key_figures": [figure(_("Actieve samenwerkingsovereenkomsten"), len(live))],
        "figures": [
            figure(_("Actief"), len(live)),
            figure(_("Ter goedkeuring"), len(waiting)),
            figure(_("Wacht op beslissing van onze gemeente"), len(own_pending)),
            figure(_("Evaluaties te doen"), len(due)),
            figure(_("Evaluaties afgerond in de periode"), len(done)),
        ],
        "tables": [
            table(
                _("Actieve overeenkomsten"),
                [_("Titel"), _("Trekker"), _("Partners"), _("Domeinen"), _("Sinds")],
                [
                    [a.title, a.tenant.name, others(a), ", ".join(a.domain_labels), date_cell(a.start_date)]
                    for a in live
                ],
                _("Geen actieve overeenkomsten."),
            ),
            table(
                _("Ter goedkeuring"),
                [_("Titel"), _("Trekker"), _("Beslissing van onze gemeente")],
                [[a.title, a.tenant.name, _("nog te nemen") if a in own_pending else _("genomen")] for a in waiting],
                _("Geen overeenkomsten ter goedkeuring."),
            ),
            table(
                _("Evaluaties"),
                [_("Overeenkomst"), _("Gepland op"), _("Status"), _("Afgerond op")],
                [
                    [
                        titles.get(e.agreement_id, ""),
                        date_cell(e.due_on),
                        _("afgerond") if e.status == EvaluationStatus.AFGEROND else _("te doen"),
                        date_cell(e.completed_on),
                    ]
                    for e in [*due, *done]
                ],
                _("Geen evaluaties in deze periode."),
            ),
        ],
        "chart": {
            "kind": "bar",
            "title": _("Overeenkomsten per status"),
            "labels": [str(label) for label in STATUSES.values()],
            "values": [sum(1 for a in agreements if a.status == key) for key in STATUSES],
        },
    }


def matrix_section(period: ReportPeriod) -> Section:
    """Return the municipality's cooperation level per domain (its best over its regions) and the change."""
    before: dict[str, int] = dict(period.previous.get("matrix", {}).get("levels", {}))
    levels: dict[str, int] = dict.fromkeys(MATRIX_DOMAINS, 0)
    for region in current_regions(period.tenant_id):
        own = ops.matrix(region.id)["levels"].get(period.tenant_id, {})
        for domain, level in own.items():
            levels[domain] = max(levels.get(domain, 0), level)
    rows = []
    for domain, label in MATRIX_DOMAINS.items():
        now, was = levels.get(domain, 0), before.get(domain)
        change = "" if was is None else (_("gelijk") if was == now else (_("gestegen") if now > was else _("gedaald")))
        rows.append([str(label), str(LEVELS[now]), "" if was is None else str(LEVELS[was]), change])
    formal = sum(1 for v in levels.values() if v == 2)
    return {
        "key": "matrix",
        "title": _("Samenwerkingsmatrix"),
        "key_figures": [figure(_("Domeinen met formele samenwerking"), formal)],
        "levels": levels,
        "tables": [
            table(
                _("Samenwerkingsgraad per beheersdomein"),
                [_("Domein"), _("Nu"), _("Vorig rapport"), _("Wijziging")],
                rows,
                "",
            ),
        ],
        "chart": {
            "kind": "pair" if before else "bar",
            "title": _("Samenwerkingsgraad per domein (0 geen, 1 informeel, 2 formeel)"),
            "labels": [str(label) for label in MATRIX_DOMAINS.values()],
            "values": [levels.get(d, 0) for d in MATRIX_DOMAINS],
            "values2": [before.get(d, 0) for d in MATRIX_DOMAINS] if before else None,
            "legend": [_("Nu"), _("Vorig rapport")],
        },
    }


#: Sections beyond ``section`` that this module offers (``portal.features.report_sections``).
MORE_SECTIONS = {"matrix": matrix_section}
