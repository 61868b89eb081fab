"""Dependencies: the runtime lock covers what the code imports, and the import graph has no cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {"portal", "tenants", "tasks", "bench"}
# What only development and the tests use; none of it belongs in the production image.
DEV_ONLY = {
    "aiosmtpd",
    "axe-playwright-python",
    "factory-boy",
    "faker",
    "holidays",
    "hypothesis",
    "mypy",
    "playwright",
    "pytest",
    "pytest-xdist",
    "ruff",
    "schemathesis",
    "time-machine",
}
# Feature packages under portal/ (portal.features.FEATURES plus the dashboard): portal.core is
# below them and never imports them, not even inside a function.
FEATURE_PACKAGES = {"dashboard", "policy_tables", "hr", "rentals", "procurement", "agreements", "reports"}


def _lock(name: str) -> dict[str, str]:
    """Return {canonical name: version} of the ``name==version`` lines of a lock file."""
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            dist, _, version = line.partition("==")
            assert version, f"{name}: {line!r} is not pinned with =="
            pins[canonicalize_name(dist)] = version
    return pins


def _python_files(*roots: str) -> Iterator[Path]:
    for root in roots:
        yield from sorted((ROOT / root).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.Module, *, top_level_only: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Yield the import statements of a module: all of them, or those run when it is imported."""
    if not top_level_only:
        yield from (node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom))
        return

    def walk(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
        for node in body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield node
            elif isinstance(node, ast.If):
                # `if TYPE_CHECKING:` imports never run.
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    yield from walk(node.body)
                yield from walk(node.orelse)
            elif isinstance(node, ast.Try):
                yield from walk(node.body)
                for handler in node.handlers:
                    yield from walk(handler.body)
                yield from walk(node.orelse)
                yield from walk(node.finalbody)

    yield from walk(tree.body)


def _imported_names(path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Return the absolute dotted names an import statement refers to."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = _module_name(path).split(".")
        if path.name != "__init__.py":
            package.pop()
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


# -- the locks ------------------------------------------------------------------------------------


def test_every_import_is_stdlib_first_party_or_in_the_runtime_lock():
    runtime = _lock("requirements.lock")
    distributions = metadata.packages_distributions()
    missing = {}
    for path in _python_files("portal", "tenants", "tasks"):
        tree = ast.parse(path.read_text(), str(path))
        for node in _imports(tree, top_level_only=False):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                names = [alias.name for alias in node.names]
            for top in {name.split(".")[0] for name in names}:
                if top in sys.stdlib_module_names or top in FIRST_PARTY:
                    continue
                dists = {canonicalize_name(d) for d in distributions.get(top, [])}
                if not dists & runtime.keys():
                    missing.setdefault(top, f"{path.relative_to(ROOT)} (distribution {sorted(dists) or '?'})")
    assert not missing, f"imported but not in requirements.lock: {missing}"


def test_runtime_lock_holds_no_dev_tool():
    runtime = _lock("requirements.lock")
    dev_tools = DEV_ONLY | {name for name in runtime if name.startswith(("pytest", "types-"))}
    assert not dev_tools & runtime.keys(), sorted(dev_tools & runtime.keys())


def test_dev_lock_adds_to_the_runtime_lock_without_repeating_it():
    lines = (ROOT / "requirements-dev.lock").read_text().splitlines()
    assert lines[0] == "-r requirements.lock"
    runtime, dev = _lock("requirements.lock"), _lock("requirements-dev.lock")
    assert not runtime.keys() & dev.keys(), sorted(runtime.keys() & dev.keys())
    assert dev.keys() >= DEV_ONLY, sorted(DEV_ONLY - dev.keys())


def _closure(specs: list[str]) -> set[str]:
    """Return the installed distributions ``specs`` need, transitively, with the extras asked for."""
    extras: dict[str, set[str]] = {}
    todo = [Requirement(spec) for spec in specs]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in extras and requirement.extras <= extras[name]:
            continue
        extras[name] = extras.get(name, set()) | requirement.extras
        for spec in metadata.distribution(name).requires or []:
            needed = Requirement(spec)
            wanted = ["", *sorted(extras[name])]
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in wanted):
                todo.append(needed)
    return set(extras)


def test_locks_pin_exactly_what_pyproject_needs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = _lock("requirements.lock"), _lock("requirements-dev.lock")
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in runtime, f"{spec}: not in requirements.lock"
        assert requirement.specifier.contains(runtime[name], prereleases=True), f"{spec}: locked {runtime[name]}"
    needed = _closure(project["dependencies"])
    assert runtime.keys() == needed, {
        "not needed at run time": sorted(runtime.keys() - needed),
        "needed but not locked": sorted(needed - runtime.keys()),
    }
    needed_for_dev = _closure(project["dependencies"] + project["optional-dependencies"]["dev"]) - needed
    assert dev.keys() == needed_for_dev, {
        "not needed": sorted(dev.keys() - needed_for_dev),
        "needed but not locked": sorted(needed_for_dev - dev.keys()),
    }


# -- import cycles --------------------------------------------------------------------------------


def _graph(*, top_level_only: bool) -> dict[str, set[str]]:
    """Return module -> the portal/tenants modules it imports (at import time, or anywhere)."""
    modules = {_module_name(path): path for path in _python_files("portal", "tenants")}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        targets = set()
        for node in _imports(tree, top_level_only=top_level_only):
            names = _imported_names(path, node)
            if isinstance(node, ast.ImportFrom):
                # `from package import name`: the submodule when it is one, else the package.
                names = [n for n in names[1:] if n in modules] or names[:1]
            for name in names:
                target = resolve(name)
                if target and target != module:
                    targets.add(target)
        graph[module] = targets
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle as a path (first module repeated at the end), or None."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(module: str) -> list[str] | None:
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target in on_stack:
                return [*stack[stack.index(target) :], target]
            if target not in done and (cycle := visit(target)):
                return cycle
        stack.pop()
        on_stack.discard(module)
        done.add(module)
        return None

    for module in sorted(graph):
        if module not in done and (cycle := visit(module)):
            return cycle
    return None


def test_no_import_cycle_at_import_time():
    cycle = _find_cycle(_graph(top_level_only=True))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_import_cycle_even_through_imports_inside_functions():
    # An import inside a function hides a cycle from Python, not from the design: the two that
    # were (portal.api <-> portal.dashboard.api, notifications -> outbox -> taskqueue -> features
    # -> templating -> notifications) must not come back that way either.
    cycle = _find_cycle(_graph(top_level_only=False))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_core_imports_no_feature_module():
    graph = _graph(top_level_only=False)
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.startswith("portal.core")
        for target in targets
        if target.split(".")[0] == "portal" and target.split(".")[1:2] and target.split(".")[1] in FEATURE_PACKAGES
    )
    assert not upward, upward


@pytest.mark.parametrize(
    "module",
    [
        "portal.api",
        "portal.dashboard.api",
        "portal.core.api",
        "portal.core.notifications",
        "portal.core.outbox",
        "portal.core.taskqueue",
        "portal.core.templating",
        "portal.features",
    ],
)
def test_module_imports_on_its_own(module):
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]


# -- the menu, per app ----------------------------------------------------------------------------


def test_menu_is_computed_per_app_and_cannot_be_changed():
    from flask import Flask

    from portal.core.templating import MODULES, navigation

    def page() -> str:
        return ""

    full, bare = Flask("full"), Flask("bare")
    for entry in MODULES:
        full.add_url_rule(f"/{entry['key']}", endpoint=entry["endpoint"], view_func=page)
    bare.add_url_rule("/", endpoint="dashboard.index", view_func=page)
    # An app without a module's pages shows it as "binnenkort"; the other app is not affected.
    assert [entry["endpoint"] for entry in navigation(bare)] == ["dashboard.index"] + [None] * (len(MODULES) - 1)
    assert [entry["endpoint"] for entry in navigation(full)] == [entry["endpoint"] for entry in MODULES]
    assert [entry["endpoint"] for entry in navigation(bare)][1:] == [None] * (len(MODULES) - 1)
    with pytest.raises(TypeError):
        MODULES[0]["endpoint"] = None  # type: ignore[index]
