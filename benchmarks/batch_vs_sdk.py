"""Benchmark: a folder through `turntune analyze` against AssemblyAI's official SDK (`transcribe_group`).

20 WAV files; the local fake AssemblyAI (``tests/fake_assemblyai``) takes 2 s per job. Each side
runs as a fresh process (start-up counted: imports, then the work), against the same server,
with its default poll interval (3 s both). The SDK side only transcribes; ours transcribes,
analyses and writes the summary. Prints the ratio; asserts nothing.

Run: ``.venv/bin/python benchmarks/batch_vs_sdk.py [--files 20] [--processing 2]`` (needs ``pip install assemblyai``).
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
sys.path.insert(0, str(ROOT))

from tests.assemblyai_helpers import wav_bytes  # noqa: E402
from tests.fake_assemblyai import FakeAssemblyAI  # noqa: E402

KEY = "benchmark-key"
SDK = """
import sys, assemblyai as aai
aai.settings.api_key = sys.argv[1]
aai.settings.base_url = sys.argv[2]
group = aai.Transcriber().transcribe_group(sys.argv[3:], aai.TranscriptionConfig(speaker_labels=True))
assert all(t.status == "completed" for t in group.transcripts), [t.error for t in group.transcripts]
"""


def timed(cmd, env=None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--processing", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (the order alternates)")
    ap.add_argument("--sdk-path", default="", help="a folder holding the `assemblyai` package (pip install --target)")
    args = ap.parse_args()
    sdk_env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (args.sdk_path, os.environ.get("PYTHONPATH"))
                                                          if p))
    sdk_times, our_times, startups = [], [], []
    with tempfile.TemporaryDirectory() as tmp, FakeAssemblyAI(api_key=KEY, processing_time=args.processing) as fake:
        folder = Path(tmp) / "calls"
        folder.mkdir()
        files = []
        for i in range(args.files):
            p = folder / f"call{i:02d}.wav"
            p.write_bytes(wav_bytes(1000 + i, ms=3000, rate=16000))
            files.append(str(p))
        env = dict(os.environ, ASSEMBLYAI_API_KEY=KEY, ASSEMBLYAI_BASE_URL=fake.url, PYTHONPATH=str(ROOT))
        env.pop("ASSEMBLYAI_POLLING_INTERVAL", None)
        for r in range(args.rounds):
            def ours(r=r):
                # a fresh cache and output folder each round: every file is uploaded, submitted and paid for again
                return timed([sys.executable, "-m", "turntune_nb", "analyze", str(folder), "--backend", "assemblyai",
                              "--cache-dir", str(Path(tmp) / f"cache{r}"), "--out", str(Path(tmp) / f"out{r}"),
                              "--json"], env)

            def sdk():
                return timed([sys.executable, "-c", SDK, KEY, fake.url, *files], sdk_env)

            first, second = (sdk, ours) if r % 2 == 0 else (ours, sdk)
            a, b = first(), second()
            sdk_s, ours_s = (a, b) if first is sdk else (b, a)
            sdk_times.append(sdk_s)
            our_times.append(ours_s)
            startups.append(timed([sys.executable, "-c", "import turntune_nb.cli"], env))
            print(f"  round {r + 1}: SDK {sdk_s:6.2f} s, turntune {ours_s:6.2f} s ({sdk_s / ours_s:.2f}x); "
                  f"load {os.getloadavg()[0]:.1f}")
    sdk_m, ours_m = statistics.median(sdk_times), statistics.median(our_times)
    print(f"{args.files} files, fake processing {args.processing:g} s per job, default poll intervals, "
          f"{args.rounds} interleaved rounds; load average {os.getloadavg()}")
    print(f"  AssemblyAI SDK transcribe_group (transcription only): median {sdk_m:6.2f} s")
    print(f"  turntune analyze (transcription + analysis + summary): median {ours_m:6.2f} s  "
          f"({sdk_m / ours_m:.2f}x the SDK's speed; start-up alone {statistics.median(startups):.2f} s)")


if __name__ == "__main__":
    main()
