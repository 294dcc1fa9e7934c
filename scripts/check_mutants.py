#!/usr/bin/env python3
"""Plant each known bug (a mutant) in the package, one at a time, and check that the
tests written for it fail; restore the source after each.

The mutants live in ``scripts/mutants/*.json``: a list of objects with

- ``id``: a short name;
- ``weakness``: what the test must catch (the reviewer's words);
- ``file``: the source file, relative to the repository root;
- ``find`` / ``replace``: the exact text to change (``find`` must occur exactly once);
- ``tests``: pytest node ids that must fail with the mutant planted (and pass without).

Usage::

    .venv/bin/python scripts/check_mutants.py            # every mutant
    .venv/bin/python scripts/check_mutants.py gaps-tie   # the ones whose id contains this
    .venv/bin/python scripts/check_mutants.py --check    # plantable? (fast: runs no test)

Prints one line per mutant (CAUGHT or MISSED) and exits 1 if any was missed or could
not be planted. The full run is not part of the test suite (it runs the tests many
times); ``--check`` is, through tests/test_architecture.py: it fails when an entry's
``find`` no longer occurs exactly once in its file (the code moved or changed, so the
entry plants nothing), when planting it would change nothing, when two entries share an
id, or when a test it names does not exist.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


REQUIRED = ("id", "weakness", "file", "find", "replace", "tests")


def load(selector: str | None, root: Path = ROOT) -> list[dict]:
    mutants = []
    for path in sorted((root / "scripts" / "mutants").glob("*.json")):
        for m in json.loads(path.read_text(encoding="utf-8")):
            m["_from"] = path.name
            if selector is None or selector in m["id"]:
                mutants.append(m)
    return mutants


def _test_exists(root: Path, node: str) -> bool:
    """Whether a pytest node id (``tests/x.py::test_y[param]`` or ``tests/x.py::Class::test_y``)
    names a test function defined in that file (read as text: nothing is imported)."""
    path, _, rest = node.partition("::")
    source = root / path
    if not source.is_file():
        return False
    if not rest:
        return True
    name = rest.split("::")[-1].split("[")[0]
    text = source.read_text(encoding="utf-8")
    return f"def {name}(" in text


def _undefined_names(source: str, filename: str) -> set[str] | None:
    """The names ruff's F821 finds undefined in `source` (None when ruff is not installed)."""
    ruff = Path(sys.executable).with_name("ruff")
    ruff = str(ruff) if ruff.exists() else shutil.which("ruff")
    if ruff is None:
        return None
    proc = subprocess.run([ruff, "check", "--no-cache", "--isolated", "--select", "F821", "--output-format", "json",
                           "--stdin-filename", filename, "-"], input=source, capture_output=True, text=True)
    return {d["message"] for d in json.loads(proc.stdout or "[]")}


def _planted_code_problem(original: str, planted: str, filename: str) -> str | None:
    """Why a planted Python file proves nothing: it does not compile, or it uses a name
    that is not defined (the test would fail on a NameError, not on the bug)."""
    try:
        compile(planted, filename, "exec")
    except SyntaxError as err:
        return f"the planted code does not compile ({err.msg}, line {err.lineno})"
    before, after = _undefined_names(original, filename), _undefined_names(planted, filename)
    if before is not None and after - before:
        return f"the planted code uses an undefined name ({', '.join(sorted(after - before))})"
    return None


def problems(root: Path = ROOT) -> list[str]:
    """Why some entries under ``root/scripts/mutants`` cannot be planted, one line each
    (empty when every entry is plantable). Runs no test."""
    found, seen = [], set()
    for m in load(None, root):
        where = f"{m['_from']}: {m.get('id', '?')}"
        missing = [k for k in REQUIRED if k not in m or (k != "replace" and not m[k])]
        if missing:
            found.append(f"{where}: missing {', '.join(missing)}")
            continue
        if m["id"] in seen:
            found.append(f"{where}: the id is used twice")
        seen.add(m["id"])
        src = root / m["file"]
        if not src.is_file():
            found.append(f"{where}: {m['file']} does not exist")
            continue
        original = src.read_text(encoding="utf-8")
        n = original.count(m["find"])
        if n != 1:
            found.append(f"{where}: 'find' occurs {n} times in {m['file']} (it must occur exactly once)")
        elif src.suffix == ".py":
            problem = _planted_code_problem(original, original.replace(m["find"], m["replace"]), m["file"])
            if problem:
                found.append(f"{where}: {problem}")
        if m["find"] == m["replace"]:
            found.append(f"{where}: 'replace' equals 'find', so planting changes nothing")
        for node in m["tests"]:
            if not _test_exists(root, node):
                found.append(f"{where}: no test {node}")
    return found


def run_tests(tests: list[str]) -> int:
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           "--no-header", "-o", "addopts=", *tests]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True).returncode


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check"]:
        found = problems()
        for line in found:
            print(f"UNPLANTABLE {line}")
        total = len(load(None))
        print(f"{total - len({ln.split(':')[1] for ln in found})} of {total} mutants plantable")
        return 1 if found else 0
    mutants = load(argv[0] if argv else None)
    if not mutants:
        print("no mutants matched")
        return 1
    bad = 0
    for m in mutants:
        src = ROOT / m["file"]
        original = src.read_text(encoding="utf-8")
        n = original.count(m["find"])
        if n != 1:
            print(f"UNPLANTABLE {m['id']}: 'find' occurs {n} times in {m['file']}")
            bad += 1
            continue
        t0 = time.monotonic()
        try:
            src.write_text(original.replace(m["find"], m["replace"]), encoding="utf-8")
            rc = run_tests(m["tests"])
        finally:
            src.write_text(original, encoding="utf-8")
        # pytest exits 1 when a test failed; 0 (all passed) and 5 (none collected) are
        # misses, and 2-4 (interrupted, internal error, a test id not found) prove nothing
        caught = rc == 1
        bad += not caught
        verdict = "CAUGHT" if caught else "MISSED" if rc in (0, 5) else f"ERROR(pytest exit {rc})"
        print(f"{verdict} {m['id']:<40} {time.monotonic() - t0:5.1f} s  {m['weakness']}")
    print(f"{len(mutants) - bad} of {len(mutants)} mutants caught")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
