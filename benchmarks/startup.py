"""Start-up of each ``turntune`` command against ``python -c "import pandas"``, measured in the same run.

Issue 28 point 1 / issue 26 point 5: ``turntune --help`` must take at most half the time of importing
pandas. Every command runs in a fresh interpreter (as a user runs it), the commands and the baseline
interleaved round by round, so that a change in the machine's load hits all of them alike; each figure is
the median wall time of its rounds, and the ratio is that median over the baseline's median. The load
average is printed before and after: on a busy machine both sides slow down, the ratio much less.

Usage::

    python benchmarks/startup.py [--rounds 9]

The transcript-only ``analyze`` reads the RTTM files of ``tests/data/rttm`` (5 calls) into a scratch folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.5  # turntune --help at most half of `import pandas`


def _commands(out: str) -> dict:
    cli = [sys.executable, "-m", "turntune_nb"]
    return {
        'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
        "turntune --help": [*cli, "--help"],
        "turntune --version": [*cli, "--version"],
        "turntune analyze --help": [*cli, "analyze", "--help"],
        "turntune analyze tests/data/rttm": [*cli, "analyze", str(ROOT / "tests" / "data" / "rttm"), "--out", out],
    }


def _time(argv: list, env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return elapsed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved repeats of every command (default: 9)")
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    env.pop("ASSEMBLYAI_API_KEY", None)
    with tempfile.TemporaryDirectory() as out:
        commands = _commands(out)
        for argv_ in commands.values():  # warm the file cache and the bytecode once, unmeasured
            _time(argv_, env)
        load_before = os.getloadavg()
        times = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, argv_ in commands.items():
                times[name].append(_time(argv_, env))
        load_after = os.getloadavg()
    base_name = next(iter(commands))
    base = statistics.median(times[base_name])
    print(f"start-up, median of {args.rounds} interleaved rounds; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after ({os.cpu_count()} CPUs)")
    print(f"{'command':36} {'median s':>9} {'min s':>7} {'x import pandas':>16}")
    for name, values in times.items():
        print(f"{name:36} {statistics.median(values):9.3f} {min(values):7.3f} "
              f"{statistics.median(values) / base:15.2f}x")
    ratio = statistics.median(times["turntune --help"]) / base
    print(f"turntune --help / import pandas = {ratio:.2f}x (target <= {TARGET}x): "
          f"{'met' if ratio <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
