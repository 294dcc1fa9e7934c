"""The layout is the architecture: import contracts between the wings, no import
cycle at any depth, tests that mirror the package, modules small enough to be one
concern, functions whose options travel as objects, a clean lint, and planted bugs
(``scripts/mutants``) that still plant.

The contracts are import-linter's (``[tool.importlinter]`` in pyproject.toml); each
is also run against a copy of the package with one wrong import planted, so a
contract that can no longer fail is noticed.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "turntune_nb"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
RUFF = Path(sys.executable).with_name("ruff")
#: A module past this many lines is usually two concerns (STYLE.md says ~600).
MAX_MODULE_LINES = 600
#: More parameters than this (self and *args/**kwargs counted) and they want an options object.
MAX_PARAMETERS = 12


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` over the package found under `root`, with the project's contracts."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_every_import_contract_is_kept():
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 kept, 0 broken" in proc.stdout


LAYERED, PURE, ACYCLIC = "Wings are layered", "The analysis wing is pure", "No import cycles"


@pytest.mark.parametrize("module, line, contracts, named", [
    # the pure wing reaching for the network
    ("analysis/gaps.py", "import requests", {PURE}, "turntune_nb.analysis.gaps"),
    # a lower wing importing a higher one (live must not know AssemblyAI); assemblyai imports
    # live, so the wrong import also closes a cycle between the two wings
    ("live/sources.py", "from ..assemblyai import streaming", {LAYERED, ACYCLIC}, "turntune_nb.live.sources"),
    # the analysis wing importing a wing above it
    ("analysis/results.py", "from ..live import events", {LAYERED, ACYCLIC}, "turntune_nb.analysis.results"),
    # a cycle inside a wing (display is below html), made by an import inside a function
    ("analysis/display.py", "def _planted():\n    from . import html", {ACYCLIC}, "- .display -> .html"),
    # a cycle under TYPE_CHECKING counts too (events is below session)
    ("live/events.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .session import LiveSession",
     {ACYCLIC}, "No cycles are allowed in turntune_nb.live."),
])
def test_a_planted_wrong_import_breaks_its_contract(tmp_path, module, line, contracts, named):
    copy = tmp_path / "turntune_nb"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # planted\n", encoding="utf-8")
    proc = lint_imports(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    broken = [ln for ln in proc.stdout.splitlines() if ln.rstrip().endswith("BROKEN")]
    assert {c for c in (LAYERED, PURE, ACYCLIC) if any(b.startswith(c) for b in broken)} == contracts, proc.stdout
    assert len(broken) == len(contracts), proc.stdout
    assert named in proc.stdout, proc.stdout


def package_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name not in ("__init__.py", "__main__.py"))


def test_tests_mirror_the_package():
    """Every module has its test module at the mirrored path: turntune_nb/analysis/gaps.py
    -> tests/analysis/test_gaps.py; turntune_nb/cli/parser.py -> tests/cli/test_parser.py."""
    missing = []
    for module in package_modules():
        rel = module.relative_to(PACKAGE)
        expected = ROOT / "tests" / rel.parent / f"test_{rel.name}"
        if not expected.is_file():
            missing.append(f"{rel} -> {expected.relative_to(ROOT)}")
    assert not missing, "modules without a mirrored test module:\n" + "\n".join(missing)


def test_no_test_module_without_its_module():
    """The mirror holds the other way too: a test module is named after a module that exists
    (whole-product tests at the top level are listed here by name)."""
    whole_product = {"test_architecture.py", "test_notebooks.py", "test_packaging.py",
                     "notebook/test_browser.py"}  # the panels in a real JupyterLab page
    orphans = []
    for test in sorted((ROOT / "tests").rglob("test_*.py")):
        rel = test.relative_to(ROOT / "tests")
        if rel.as_posix() in whole_product:
            continue
        if rel.parts[0] == "fake_assemblyai":
            continue
        if not (PACKAGE / rel.parent / rel.name.removeprefix("test_")).is_file():
            orphans.append(str(rel))
    assert not orphans, f"test modules named after no module: {orphans}"


def test_no_module_is_two_concerns_by_size():
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines()) for p in package_modules()}
    big = {k: v for k, v in sizes.items() if v > MAX_MODULE_LINES}
    assert not big, f"modules over {MAX_MODULE_LINES} lines (split them by concern): {big}"


def test_wings_exist_and_say_what_they_own():
    for wing in ("analysis", "assemblyai", "audio", "cli", "live", "notebook"):
        init = PACKAGE / wing / "__init__.py"
        doc = init.read_text(encoding="utf-8")
        assert doc.startswith('"""') and len(doc.splitlines()) >= 5, f"{wing}/__init__.py needs its docstring"
        # each module of the wing is named in the wing's docstring
        for module in (PACKAGE / wing).glob("*.py"):
            if module.name != "__init__.py":
                assert f"`{module.stem}`" in doc, f"{wing}/__init__.py does not mention {module.stem}"


# --- no cycle, counting every import ------------------------------------------------


def _import_graph() -> dict[str, set[str]]:
    """Every import between the package's modules, read from the source: module level,
    inside functions and under ``TYPE_CHECKING`` alike. Importing ``a.b.c`` also runs
    ``a/__init__`` and ``a/b/__init__``, so an import counts as importing each package
    on the way (except the importer's own packages, which are already running)."""
    modules: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path

    def known(name: str) -> str:
        while name not in modules:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for importer, path in modules.items():
        is_package = path.name == "__init__.py"
        own = importer.split(".")
        ancestors = {".".join(own[:i]) for i in range(1, len(own) + (1 if is_package else 0))}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = own if is_package else own[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod for a in node.names]
            for target in targets:
                if target.split(".")[0] != "turntune_nb":
                    continue
                target = known(target)
                chain = target.split(".")
                for i in range(1, len(chain) + 1):
                    step = ".".join(chain[:i])
                    if step not in ancestors and step != importer:
                        graph[importer].add(step)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle_worked_by_hand():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_anywhere_counting_every_import():
    cycles = _cycles(_import_graph())
    assert not cycles, "import cycles (every import counted, parent packages included):\n" + "\n".join(
        " <-> ".join(c) for c in cycles)


# --- options objects instead of long parameter lists ---------------------------------


def test_no_function_takes_more_than_twelve_parameters():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                n = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + (a.vararg is not None) + (
                    a.kwarg is not None)
                if n > MAX_PARAMETERS:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}() takes {n}")
    assert not long, f"functions over {MAX_PARAMETERS} parameters (group them in an options object):\n" + "\n".join(
        long)


# --- lint ------------------------------------------------------------------------------


def test_ruff_check_is_clean():
    """``ruff check`` with the rules in pyproject.toml ([tool.ruff])."""
    proc = subprocess.run([str(RUFF), "check", "--no-cache", "turntune_nb", "scripts", "benchmarks"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- planted bugs still plant -----------------------------------------------------------


def _check_mutants():
    spec = importlib.util.spec_from_file_location("check_mutants", ROOT / "scripts" / "check_mutants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_planted_bug_still_plants():
    """Each entry of scripts/mutants finds its text exactly once and names tests that
    exist (the full run, which plants each and runs its tests, is scripts/check_mutants.py)."""
    problems = _check_mutants().problems(ROOT)
    assert not problems, "\n".join(problems)


def test_a_stale_planted_bug_is_reported(tmp_path):
    (tmp_path / "scripts" / "mutants").mkdir(parents=True)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("x = 1\nx = 1\ny = 2\n", encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_m.py").write_text("def test_y():\n    pass\n", encoding="utf-8")
    entries = [
        {"id": "twice", "weakness": "w", "file": "pkg/m.py", "find": "x = 1", "replace": "x = 2",
         "tests": ["tests/test_m.py::test_y"]},
        {"id": "gone", "weakness": "w", "file": "pkg/m.py", "find": "z = 3", "replace": "z = 4",
         "tests": ["tests/test_m.py::test_y"]},
        {"id": "no-test", "weakness": "w", "file": "pkg/m.py", "find": "y = 2", "replace": "y = 3",
         "tests": ["tests/test_m.py::test_renamed[1]"]},
        {"id": "fine", "weakness": "w", "file": "pkg/m.py", "find": "y = 2", "replace": "y = 0",
         "tests": ["tests/test_m.py::test_y"]},
        # caught by a NameError, not by the test's assertion: proves nothing
        {"id": "undefined", "weakness": "w", "file": "pkg/m.py", "find": "y = 2", "replace": "y = is_url(2)",
         "tests": ["tests/test_m.py::test_y"]},
        {"id": "syntax", "weakness": "w", "file": "pkg/m.py", "find": "y = 2", "replace": "y = (2",
         "tests": ["tests/test_m.py::test_y"]},
    ]
    (tmp_path / "scripts" / "mutants" / "x.json").write_text(json.dumps(entries), encoding="utf-8")
    problems = _check_mutants().problems(tmp_path)
    assert problems == [
        "x.json: twice: 'find' occurs 2 times in pkg/m.py (it must occur exactly once)",
        "x.json: gone: 'find' occurs 0 times in pkg/m.py (it must occur exactly once)",
        "x.json: no-test: no test tests/test_m.py::test_renamed[1]",
        "x.json: undefined: the planted code uses an undefined name (Undefined name `is_url`)",
        "x.json: syntax: the planted code does not compile ('(' was never closed, line 3)",
    ]
