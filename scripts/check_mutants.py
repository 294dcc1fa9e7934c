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

Prints one line per mutant (CAUGHT or MISSED) and exits 1 if any was missed or could
not be planted. Not part of the test suite: it runs the tests many times.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load(selector: str | None) -> list[dict]:
    mutants = []
    for path in sorted((ROOT / "scripts" / "mutants").glob("*.json")):
        for m in json.loads(path.read_text(encoding="utf-8")):
            m["_from"] = path.name
            if selector is None or selector in m["id"]:
                mutants.append(m)
    return mutants


def run_tests(tests: list[str]) -> int:
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           "--no-header", "-o", "addopts=", *tests]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True).returncode


def main(argv: list[str]) -> int:
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
        caught = rc not in (0, 5)
        bad += not caught
        print(f"{'CAUGHT' if caught else 'MISSED'} {m['id']:<40} {time.monotonic() - t0:5.1f} s  {m['weakness']}")
    print(f"{len(mutants) - bad} of {len(mutants)} mutants caught")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
