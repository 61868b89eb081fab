"""One way to switch tenant: ``acting_for`` keeps who acts and the request's metadata."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from portal.core.models import utcnow
from tenants.context import (
    acting_for,
    acting_tenant_id,
    acting_user_id,
    current_context,
    for_each_tenant,
    tenant_context,
)


def test_acting_for_keeps_user_request_and_start_and_restores_after():
    started = utcnow() - timedelta(hours=3)
    with tenant_context(1, user_id=7, request_id="req-1", ip="10.0.0.1", task_id="t-1") as outer:
        object.__setattr__(outer, "started_at", started)  # as if the request began three hours ago
        with acting_for(2) as inner:
            assert (inner.tenant_id, inner.user_id, inner.request_id, inner.ip, inner.task_id) == (
                2,
                7,
                "req-1",
                "10.0.0.1",
                "t-1",
            )
            assert inner.started_at == started
            assert inner.today == outer.today
            assert acting_tenant_id() == 2
            assert acting_user_id() == 7
        assert current_context() is outer


def test_acting_for_outside_any_context_starts_a_bare_one():
    assert current_context() is None
    with acting_for(None, is_platform=True) as ctx:
        assert ctx.is_platform and ctx.tenant_id is None and ctx.user_id is None
        with pytest.raises(RuntimeError):
            acting_tenant_id()
    assert current_context() is None
    assert acting_user_id() is None


def test_for_each_tenant_acts_for_each_and_restores_between_and_after():
    seen = []
    with tenant_context(1, user_id=5) as outer:
        for tenant_id in for_each_tenant([3, 4]):
            seen.append((tenant_id, acting_tenant_id(), acting_user_id()))
        assert current_context() is outer
        with pytest.raises(ValueError):
            for _tenant_id in for_each_tenant([8, 9]):
                raise ValueError("stop")
        assert current_context() is outer
    assert seen == [(3, 3, 5), (4, 4, 5)]


#: The root entry points that build a fresh context on purpose, as (file, function): each drops
#: who acts outside, which acting_for() cannot do.
FRESH_CONTEXT_ENTRIES = {
    # Every Celery task starts with no tenant and its own task id, even when run eagerly in a request.
    ("portal/core/taskqueue.py", "__call__"),
    # A public page acts anonymously for the municipality in its URL, whoever is signed in.
    ("portal/hr/public.py", "public_tenant"),
    # The demo plays its users in turn, each step as that user's own request.
    ("portal/demo.py", "signed_in"),
}


def _tenant_context_calls(path: Path) -> Iterator[tuple[int, str]]:
    """Yield line and enclosing function of every ``tenant_context(...)`` call in ``path``."""

    def visit(node: ast.AST, function: str) -> Iterator[tuple[int, str]]:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name == "tenant_context":
                yield node.lineno, function
        for child in ast.iter_child_nodes(node):
            yield from visit(child, function)

    yield from visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), "")


def test_only_the_root_entry_points_build_a_fresh_tenant_context():
    root = Path(__file__).resolve().parents[1]
    found = []
    for package in ("portal", "tasks"):
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            for line, function in _tenant_context_calls(path):
                if (relative, function) not in FRESH_CONTEXT_ENTRIES:
                    found.append(f"{relative}:{line} in {function or '<module>'}")
    assert not found, "switch tenant with acting_for() or for_each_tenant(), not tenant_context(): " + ", ".join(found)
