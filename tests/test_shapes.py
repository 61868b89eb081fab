"""One shape for the shared pieces: status sets, CHECK lists, page envelopes and owner fields.

Each is written once (ADR 0024); these tests read the source and the OpenAPI document so a
module that types its own copy again fails here, not in a review.
"""

from __future__ import annotations

import ast
import enum
import re
import sys
from pathlib import Path

import pytest
from marshmallow import Schema

from portal.core.api import PaginationSchema, page_envelope, page_of
from portal.core.models import Base, check_in, in_sql
from portal.core.pagination import Page
from portal.core.schemas import OwnedSchema, TenantRefSchema, owner_ref

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
SOURCES = sorted(p for p in PORTAL.rglob("*.py") if "__pycache__" not in p.parts)
# A hand-written value list inside a CHECK: ``status IN ('a', 'b')``.
LITERAL_IN = re.compile(r"\bIN\s*\(\s*'", re.IGNORECASE)


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def _trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))) for path in SOURCES]


# -- status sets and CHECK constraints ----------------------------------------------------------


def test_in_sql_quotes_each_value_and_takes_an_enum():
    class Colour(enum.StrEnum):
        RED = "rood"
        ODD = "o'dd"

    assert in_sql("colour", Colour) == "colour IN ('rood', 'o''dd')"
    assert in_sql("colour", ("a",)) == "colour IN ('a')"
    assert in_sql("colour", ("a", "b"), negate=True) == "colour NOT IN ('a', 'b')"
    constraint = check_in("colour", Colour)
    assert (constraint.name, str(constraint.sqltext)) == ("colour", "colour IN ('rood', 'o''dd')")
    assert check_in("colour", Colour, name="kleur").name == "kleur"


def test_no_module_writes_its_own_check_list_helper_or_literal_in_list():
    offenders = []
    for path, tree in _trees():
        if path == PORTAL / "core" / "models.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in {"_in", "_check_in", "in_list"}:
                offenders.append(f"{_where(path, node)} defines {node.name}()")
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "CheckConstraint"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and LITERAL_IN.search(node.args[0].value)
            ):
                offenders.append(f"{_where(path, node)} types a value list in a CHECK")
    assert not offenders, "use portal.core.models.check_in / in_sql with a StrEnum:\n" + "\n".join(offenders)


def _named_value_sets() -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """Return the value sets of every StrEnum, and of every module-level tuple or label dict, in the code."""
    enums: set[frozenset[str]] = set()
    tuples: set[frozenset[str]] = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith(("portal.", "tenants.")):
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, enum.StrEnum) and value is not enum.StrEnum:
                enums.add(frozenset(member.value for member in value))
            elif isinstance(value, tuple | dict) and value and all(isinstance(v, str) for v in value):
                tuples.add(frozenset(value))  # a tuple of values, or a label dict keyed by them
    return enums, tuples


def test_every_value_list_check_comes_from_a_named_set(app):
    """A CHECK's ``col IN (...)`` lists a StrEnum (or a named tuple or label dict, e.g. the grades).

    A compound CHECK may name part of an enum (``status IN ('goedgekeurd', 'verzonden') OR ...``).
    """
    enums, tuples = _named_value_sets()
    unmatched = []
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            text = str(getattr(constraint, "sqltext", ""))
            for values in re.findall(r"\bIN \(((?:'(?:[^']|'')*'(?:, )?)+)\)", text):
                found = frozenset(v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", values))
                if found in enums or found in tuples or any(found < values for values in enums):
                    continue
                unmatched.append(f"{table.name}.{constraint.name}: {sorted(found)}")
    assert not unmatched, "a CHECK value list typed out with no named set behind it:\n" + "\n".join(unmatched)


# -- page envelopes and owner fields ------------------------------------------------------------


def test_page_of_builds_a_named_envelope_that_dumps_items_and_pagination():
    class ThingSchema(Schema):
        from marshmallow import fields

        name = fields.String()

    ThingPageSchema = page_of(ThingSchema, "ThingPageSchema")  # noqa: N806 - a class, named as one
    assert ThingPageSchema.__name__ == "ThingPageSchema"
    page = Page(items=[{"name": "a"}, {"name": "b"}], page=1, per_page=2, total=3)
    dumped = ThingPageSchema().dump(page_envelope(page))
    assert dumped == {"items": [{"name": "a"}, {"name": "b"}], "pagination": page.meta()}
    assert isinstance(ThingPageSchema._declared_fields["pagination"].schema, PaginationSchema)


def test_owner_ref_names_the_owning_municipality():
    class Owner:
        id, name, slug, nis_code = 3, "Ranst", "ranst", "11035"

    class Thing:
        tenant = Owner()
        host_tenant = Owner()

    class ThingSchema(OwnedSchema):
        host = owner_ref("host_tenant")

    ref = {"id": 3, "name": "Ranst", "slug": "ranst", "nis_code": "11035"}
    assert ThingSchema().dump(Thing()) == {"owner": ref, "host": ref}


def test_no_module_writes_its_own_page_envelope_or_owner_field():
    offenders = []
    for path, tree in _trees():
        if path.parent == PORTAL / "core":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                assigned = {
                    target.id
                    for stmt in node.body
                    if isinstance(stmt, ast.Assign)
                    for target in stmt.targets
                    if isinstance(target, ast.Name)
                }
                if {"items", "pagination"} <= assigned:
                    offenders.append(f"{_where(path, node)} {node.name}: use page_of()")
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "Nested"
                and node.args
                and getattr(node.args[0], "id", None) == TenantRefSchema.__name__
            ):
                offenders.append(f"{_where(path, node)}: use owner_ref()")
    assert not offenders, "\n".join(offenders)


@pytest.fixture(scope="module")
def spec(app) -> dict:
    return app.test_client().get("/api/v1/openapi.json").get_json()


def test_every_paginated_operation_answers_the_one_envelope(spec):
    schemas = spec["components"]["schemas"]
    paginated = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method != "get" or not any(p.get("name") == "per_page" for p in operation.get("parameters", [])):
                continue
            paginated += 1
            ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            component = schemas[ref.rsplit("/", 1)[-1]]
            assert set(component["properties"]) == {"items", "pagination"}, (path, ref)
            assert component["properties"]["pagination"]["$ref"].endswith("/Pagination"), (path, ref)
            assert component["properties"]["items"]["type"] == "array", (path, ref)
    assert paginated >= 20
