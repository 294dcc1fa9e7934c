"""The layout is the architecture: import contracts between the wings, tests that
mirror the package, and modules small enough to be one concern.

The contracts are import-linter's (``[tool.importlinter]`` in pyproject.toml); each
is also run against a copy of the package with one wrong import planted, so a
contract that can no longer fail is noticed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "turntune_nb"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
#: A module past this many lines is usually two concerns (STYLE.md says ~600).
MAX_MODULE_LINES = 650


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` over the package found under `root`, with the project's contracts."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_every_import_contract_is_kept():
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 kept, 0 broken" in proc.stdout


@pytest.mark.parametrize("module, line, contract", [
    # the pure wing reaching for the network
    ("analysis/gaps.py", "import requests", "The analysis wing is pure"),
    # a lower wing importing a higher one (live must not know AssemblyAI)
    ("live/sources.py", "from ..assemblyai import streaming", "Wings are layered"),
    # the analysis wing importing a wing above it
    ("analysis/results.py", "from ..live import events", "Wings are layered"),
])
def test_a_planted_wrong_import_breaks_its_contract(tmp_path, module, line, contract):
    copy = tmp_path / "turntune_nb"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # planted\n", encoding="utf-8")
    proc = lint_imports(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    broken = [ln for ln in proc.stdout.splitlines() if ln.rstrip().endswith("BROKEN")]
    assert len(broken) == 1 and broken[0].startswith(contract), proc.stdout
    assert "turntune_nb." + module.replace("/", ".").removesuffix(".py") in proc.stdout


def package_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name not in ("__init__.py", "__main__.py"))


def test_tests_mirror_the_package():
    """Every module has its test module at the mirrored path: turntune_nb/analysis/gaps.py
    -> tests/analysis/test_gaps.py; turntune_nb/cli.py -> tests/test_cli.py."""
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
    for wing in ("analysis", "assemblyai", "audio", "live", "notebook"):
        init = PACKAGE / wing / "__init__.py"
        doc = init.read_text(encoding="utf-8")
        assert doc.startswith('"""') and len(doc.splitlines()) >= 5, f"{wing}/__init__.py needs its docstring"
        # each module of the wing is named in the wing's docstring
        for module in (PACKAGE / wing).glob("*.py"):
            if module.name != "__init__.py":
                assert f"`{module.stem}`" in doc, f"{wing}/__init__.py does not mention {module.stem}"
