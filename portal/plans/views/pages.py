"""Mijn meerjarenplan: the own plan's tree with money and deviations, the import and the exports."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core.access import MEMBERS, allow
from portal.core.errors import DomainError
from portal.core.exports import table_response
from portal.core.templating import translated_labels
from portal.core.unitofwork import fail
from portal.plans import imports, links
from portal.plans import operations as ops
from portal.plans.models import LEVEL_LABELS, LINK_LABELS, STATUS_LABELS, Level
from portal.plans.views._blueprint import PLAN_KEEPERS, bp

LABELS = {"level_labels": LEVEL_LABELS, "status_labels": STATUS_LABELS, "link_labels": LINK_LABELS}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return translated_labels(LABELS)


#: The page's views (``?toon=``): the whole plan, or the actions of one key figure with their branches.
SHOW = ("alles", "samenwerking", "te-laat", "beslissing")


@bp.route("")
@allow(MEMBERS)
def index() -> Any:
    """Show the own plan: actions touched by the cooperation, what is late, what needs a decision."""
    show = request.args.get("toon", "alles")
    if show not in SHOW:
        raise DomainError(_("Kies een van de weergaven: %(views)s.", views=", ".join(SHOW)), status_code=400)
    every = ops.versions()  # newest first: the first is the one in force (as ops.current_version)
    version = every[0] if every else None
    if version is None:
        return render_template("plans/index.html", version=None, versions=[], show=show)
    nodes = ops.nodes_of(version, budgets=False)
    budgets = ops.budget_summary(version)
    link_map = links.links_of(nodes)
    reader = links.MoneyReader(linked=(link for ls in link_map.values() for link in ls))
    money = {n.id: reader.of_nodes([n], link_map) for n in nodes if link_map.get(n.id)}
    actions = links.action_nodes(nodes)
    touched = [n for n in actions if link_map.get(n.id)]
    late = [n for n in actions if ops.is_late(n)]
    decide = [n for n in actions if ops.needs_decision(n, over_budget=budgets[n.id].over_budget)]
    chosen = {"samenwerking": touched, "te-laat": late, "beslissing": decide}.get(show)
    return render_template(
        "plans/index.html",
        version=version,
        versions=every,
        roots=ops.tree(version, nodes),
        link_map=link_map,
        resolved={link.id: links.resolve(link, reader) for ls in link_map.values() for link in ls},
        money=money,
        total=reader.of_nodes(nodes, link_map),
        touched=touched,
        late=late,
        decide=decide,
        show=show,
        shown=None if chosen is None else ops.with_ancestors(nodes, chosen),
        deviations={n.id: ops.deviations(n, over_budget=budgets[n.id].over_budget) for n in nodes},
        budgets=budgets,
        actions_count=len(actions),
        Level=Level,
    )


@bp.route("/importeren", methods=["GET", "POST"])
@allow(MEMBERS, write=PLAN_KEEPERS)
def import_plan() -> Any:
    """Import the plan (or an aanpassing) from CSV or XLSX; a bad file changes nothing."""
    errors: list[str] = []
    if request.method == "POST":
        data = {"title": request.form.get("title", "").strip()[:200], "reason": request.form.get("reason", "")}
        try:
            version, errors = imports.import_plan(request.files.get("file"), data)
        except DomainError as exc:
            fail()
            errors = [exc.message]
            version = None
        if version is not None:
            flash(_("Het meerjarenplan is ingelezen als versie %(n)s.", n=version.number), "success")
            return redirect(url_for("plans.index"))
        fail()
        return render_template("plans/import.html", errors=errors, header=imports.HEADER, values=data), 422
    return render_template("plans/import.html", errors=errors, header=imports.HEADER, values={})


@bp.route("/export.csv")
@allow(MEMBERS)
def export_csv() -> Any:
    """Download the plan in force in the import layout as CSV."""
    return _export("csv")


@bp.route("/export.xlsx")
@allow(MEMBERS)
def export_xlsx() -> Any:
    """Download the plan in force in the import layout as XLSX."""
    return _export("xlsx")


def _export(fmt: str) -> Any:
    version = ops.current_version()
    header, rows = imports.export_rows(version) if version else (list(imports.HEADER), [])
    return table_response(fmt, "meerjarenplan", header, rows, _("Meerjarenplan"))
