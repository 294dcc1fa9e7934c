"""Benchmark: how long Ctrl+C takes to end ``turntune analyze`` with requests in flight,
and how long a ``Retry-After`` can hold a run.

In the same run, against the local fake AssemblyAI (``tests/fake_assemblyai``):

- **baseline**: one upload to the fake when it takes ``--slow`` seconds to answer
  (what a run that waits for its requests in flight waits for; the issue measured
  36 s with one slow upload);
- **Ctrl+C during uploads**: the real command (``python -m turntune_nb analyze``) on
  3 files with every upload that slow; SIGINT once all 3 are in flight; the time
  from SIGINT to the process's exit, and its exit code;
- **Ctrl+C during submissions**: the same with the submissions' replies that slow
  (the jobs exist): the time to exit, and whether the journal holds the 3 jobs;
- **Retry-After**: one upload answered ``429 Retry-After: 600`` then accepted, with
  ``max_retry_after=--cap`` seconds: the time the upload took;
- **a quick re-run after SIGKILL, with a service slow to create jobs**: the fake
  creates each job ``--create-delay`` seconds after its POST; the real command on 8
  files (8 workers) is killed (SIGKILL) once the 8 POSTs arrived and before any job
  exists, and re-run at once: the jobs the service made in all (8 is 0 duplicates),
  whether every file was analysed, and the re-run's time against the creation delay
  (the baseline: the least a re-run that pays nothing twice must wait).

Run: ``.venv/bin/python benchmarks/interrupt.py [--slow 20] [--cap 2] [--repeat 3]``.
Targets: exit within 2 s of Ctrl+C, exit code 130, the in-flight jobs journaled; a
``Retry-After: 600`` holds the run for the cap, not 600 s; 0 duplicate jobs after the
quick re-run. ``--only-rerun`` runs the last part alone.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.assemblyai_helpers import write_wavs  # noqa: E402
from tests.fake_assemblyai import FakeAssemblyAI  # noqa: E402
from tests.fake_assemblyai.prerecorded import inject  # noqa: E402
from turntune_nb.assemblyai.cache import TranscriptCache  # noqa: E402
from turntune_nb.assemblyai.client import AssemblyAIClient  # noqa: E402

KEY = "benchmark-key"
OPTIONS = {"speaker_labels": True, "speech_models": ["universal-3-5-pro"]}


def wait_for(predicate, timeout=60.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise RuntimeError("the run did not reach the point to interrupt")
        time.sleep(0.005)


def interrupt_run(fake, folder: Path, work: Path, endpoint: str, in_flight) -> tuple[float, int, int]:
    """Start the command, SIGINT it once `in_flight()` holds, return (seconds to exit, exit code,
    jobs journaled)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), ASSEMBLYAI_API_KEY=KEY, ASSEMBLYAI_BASE_URL=fake.url)
    cache = work / "cache"
    proc = subprocess.Popen([sys.executable, "-m", "turntune_nb", "analyze", str(folder), "--backend", "assemblyai",
                             "--workers", "3", "--cache-dir", str(cache), "--out", str(work / "out")],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for(in_flight)
    time.sleep(0.2)  # well inside the slow requests
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=600)
    took = time.monotonic() - sent
    tc = TranscriptCache(cache)
    journaled = 0
    for f in sorted(folder.iterdir()):
        job = tc.job(TranscriptCache.key(hashlib.sha256(f.read_bytes()).hexdigest(), OPTIONS), fake.url)
        journaled += bool(job and job.get("state") == "submitting")
    return took, proc.returncode, journaled


def quick_rerun(tmp: Path, delay: float) -> None:
    """SIGKILL with 8 submissions in flight whose jobs the service creates `delay` s late, then re-run."""
    import json

    folder = tmp / "rerun-calls"
    write_wavs(folder, 8, start_seed=500)
    with FakeAssemblyAI(api_key=KEY, processing_time=0.1, create_delay=delay) as fake:
        env = dict(os.environ, PYTHONPATH=str(ROOT), ASSEMBLYAI_API_KEY=KEY, ASSEMBLYAI_BASE_URL=fake.url,
                   ASSEMBLYAI_POLLING_INTERVAL="0.1")
        cmd = [sys.executable, "-m", "turntune_nb", "analyze", str(folder), "--backend", "assemblyai", "--workers",
               "8", "--json", "--cache-dir", str(tmp / "rerun-cache"), "--out", str(tmp / "rerun-out")]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: fake.state.counts["submit"] >= 8)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        t0 = time.monotonic()
        rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        took = time.monotonic() - t0
        made = len(fake.state.data["prerecorded"]["jobs"])
    analysed = len(json.loads(rerun.stdout)["per_file_results"]) if rerun.returncode == 0 else 0
    said = "said it waits" if "of an interrupted run to appear" in rerun.stderr else "did NOT say it waits"
    print(f"quick re-run after SIGKILL, jobs created {delay:g} s after their POST: {made} jobs for 8 files "
          f"({made - 8} duplicates), {analysed} of 8 analysed, exit {rerun.returncode}, {said}; the re-run took "
          f"{took:.1f} s, {took / delay:.2f}x the creation delay (baseline); target 0 duplicates: "
          f"{'met' if made == 8 and analysed == 8 else 'NOT met'}")


def main() -> None:
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # the fake stops with the abandoned requests pending
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slow", type=float, default=20.0, help="seconds a slow request takes (default 20)")
    parser.add_argument("--cap", type=float, default=2.0, help="max_retry_after for the Retry-After case")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--create-delay", type=float, default=5.0, help="seconds from a POST to its job (default 5)")
    parser.add_argument("--only-rerun", action="store_true", help="run the quick re-run part alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.only_rerun:
            quick_rerun(tmp, args.create_delay)
            return
        folder = tmp / "calls"
        write_wavs(folder, 3)
        with FakeAssemblyAI(api_key=KEY, processing_time=0.1) as fake:
            fake.options["latency"] = {"upload": args.slow}
            with AssemblyAIClient(api_key=KEY, base_url=fake.url) as c:
                t0 = time.monotonic()
                c.upload(folder / "call00.wav")
                baseline = time.monotonic() - t0
        print(f"baseline: one slow upload takes {baseline:.2f} s (what waiting for requests in flight costs)")

        for label, endpoint, latency in (("uploads", "upload", "upload"), ("submissions", "submit", "submit_reply")):
            times, codes, journaled = [], [], []
            for i in range(args.repeat):
                with FakeAssemblyAI(api_key=KEY, processing_time=0.1) as fake:
                    fake.options["latency"] = {latency: args.slow}
                    if endpoint == "upload":
                        in_flight = lambda f=fake: f.state.counts["upload"] >= 3  # noqa: E731
                    else:
                        in_flight = lambda f=fake: len(f.state.data["prerecorded"]["jobs"]) >= 3  # noqa: E731
                    took, code, n = interrupt_run(fake, folder, tmp / f"{endpoint}{i}", endpoint, in_flight)
                times.append(took)
                codes.append(code)
                journaled.append(n)
            med = statistics.median(times)
            print(f"Ctrl+C during {label}: exit after {med:.2f} s (median of {args.repeat}; max {max(times):.2f} s), "
                  f"exit codes {codes}, in-flight jobs journaled {journaled}; "
                  f"{baseline / med:.1f}x sooner than waiting ({med / baseline:.3f} of the baseline); "
                  f"target <= 2 s: {'met' if max(times) <= 2 else 'NOT met'}")

        with FakeAssemblyAI(api_key=KEY, processing_time=0.1) as fake:
            inject(fake, "upload", {"status": 429, "retry_after": 600})
            with AssemblyAIClient(api_key=KEY, base_url=fake.url, max_retry_after=args.cap) as c:
                t0 = time.monotonic()
                c.upload(folder / "call00.wav")
                held = time.monotonic() - t0
        print(f"Retry-After: 600 with max_retry_after={args.cap:g}: the upload took {held:.2f} s "
              f"(600 s uncapped: {600 / held:.0f}x shorter)")
        quick_rerun(tmp, args.create_delay)


if __name__ == "__main__":
    main()
