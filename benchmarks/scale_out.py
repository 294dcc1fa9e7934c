"""Scale-out figures: the offline backend serial vs a 2-worker process pool vs a 2-worker Dask
LocalCluster on the same 400 synthetic 30 s recordings, in one run; and 100,000 synthetic transcripts
through `analyze_transcripts`: time and peak memory. Prints ratios; asserts nothing.

    .venv/bin/python benchmarks/scale_out.py [--files 400] [--transcripts 100000]

The recordings are two-channel 16 kHz WAVs (one party per channel, turns of seeded noise bursts
shaped like speech), built from 8 distinct files hard-linked under 400 names: each file is still
decoded and analysed on its own. The machine's load average is printed beside the ratios: on a
shared machine the 2-worker figures are bounded by the cores the others leave free.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RATE = 16000


def synth_call(path: Path, seed: int, seconds: int = 30) -> None:
    """Two parties taking turns (one per channel), each turn a burst of modulated noise, gaps 100-1500 ms."""
    rng = np.random.default_rng(seed)
    n = seconds * RATE
    x = np.zeros((n, 2), dtype=np.float64)
    t, who = int(0.3 * RATE), 0
    while t < n:
        dur = int(rng.uniform(0.8, 4.0) * RATE)
        seg = rng.normal(0, 1, dur) * (0.6 + 0.4 * np.sin(np.arange(dur) * 2 * np.pi * 4 / RATE))
        end = min(n, t + dur)
        x[t:end, who] = seg[: end - t] * 6000
        t = end + int(rng.uniform(0.1, 1.5) * RATE)
        who = 1 - who
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.clip(x, -32768, 32767).astype("<i2").tobytes())


def build_files(folder: Path, count: int) -> list[Path]:
    distinct = []
    for i in range(8):
        p = folder / f"src{i}.wav"
        synth_call(p, i)
        distinct.append(p)
    files = []
    for i in range(count):
        p = folder / "calls" / f"call{i:04d}.wav"
        p.parent.mkdir(exist_ok=True)
        os.link(distinct[i % 8], p)
        files.append(p)
    return files


def _cpu_self() -> float:
    t = os.times()
    return t.user + t.system


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # reaped children: the pool's workers after shutdown
    return r.ru_utime + r.ru_stime


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def time_executor(files, kind) -> tuple[float, list]:
    from turntune_nb.audio.executor import transcribe_with_executor

    t0 = time.perf_counter()
    transcripts, failed = transcribe_with_executor(files, kind, workers=2, progress=False)
    assert not failed
    return time.perf_counter() - t0, transcripts


def scale_out(count: int) -> None:
    """Serial, then the process pool, then Dask, each timed (wall) and its CPU per file counted.

    CPU seconds per file (this process, the pool's reaped workers, the Dask workers as psutil sees
    them) hardly depend on what else the machine runs; the wall-clock ratios do: the load average
    is printed beside each.
    """
    import psutil

    from turntune_nb.audio.executor import open_executor

    with tempfile.TemporaryDirectory() as tmp:
        files = build_files(Path(tmp), count)
        print(f"{count} files of 30 s (two channels); cores: {os.cpu_count()}; load average 1/5/15 min: {_load()}")
        c0 = _cpu_self()
        serial_s, ref = time_executor(files, "serial")
        serial_cpu = (_cpu_self() - c0) / count
        print(f"  serial:                      {serial_s:7.1f} s           CPU {serial_cpu * 1000:4.0f} ms/file   "
              f"load {_load()}")
        c0, k0 = _cpu_self(), _cpu_children()
        pool_s, got = time_executor(files, "process")  # start-up (fork, imports in the workers) counted
        pool_cpu = (_cpu_self() - c0 + _cpu_children() - k0) / count
        same_pool = [t.utterances for t in got] == [t.utterances for t in ref]
        print(f"  2-worker process pool:       {pool_s:7.1f} s  {serial_s / pool_s:5.2f}x   CPU {pool_cpu * 1000:4.0f} "
              f"ms/file   load {_load()}   same segments: {same_pool}")
        t0 = time.perf_counter()
        executor, close = open_executor("dask", workers=2)  # as --executor dask starts it
        try:
            time_executor(files[:4], executor)  # workers import and load their models once
            startup_s = time.perf_counter() - t0
            client = executor._client

            def workers_cpu() -> float:
                return sum(client.run(lambda: sum(psutil.Process().cpu_times()[:2])).values())

            c0, w0 = _cpu_self(), workers_cpu()
            dask_s, got = time_executor(files, executor)
            dask_cpu = (_cpu_self() - c0 + workers_cpu() - w0) / count
        finally:
            close()
        same_dask = [t.utterances for t in got] == [t.utterances for t in ref]
        print(f"  2-worker Dask LocalCluster:  {dask_s:7.1f} s  {serial_s / dask_s:5.2f}x   CPU {dask_cpu * 1000:4.0f} "
              f"ms/file   load {_load()}   same segments: {same_dask}")
        print(f"    (cluster start-up and warm-up {startup_s:.1f} s not counted; counted: "
              f"{serial_s / (dask_s + startup_s):.2f}x)")
        print(f"  target >= 1.7x on 2 cores; load average after: {_load()}")


def analysis_child(count: int) -> None:
    """Runs in its own process so its peak RSS is the analysis's alone."""
    from turntune_nb.analysis.model import Transcript, Utterance
    from turntune_nb.analysis.results import analyze_transcripts

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    transcripts = []
    for i in range(count):
        k = 12
        gaps = rng.integers(-300, 1500, k)
        durs = rng.integers(800, 4000, k)
        t, utts = 200, []
        for j in range(k):
            start = max(0, t + int(gaps[j]))
            utts.append(Utterance("A" if j % 2 == 0 else "B", start, start + int(durs[j])))
            t = start + int(durs[j])
        transcripts.append(Transcript(f"call{i:06d}.wav", utts, source="synthetic"))
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = analyze_transcripts(transcripts)
    took = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    frames = {"transitions": result.transitions, "pauses": result.pauses, "turn_ends": result.turn_ends,
              "utterances": result.utterances}
    held = sum(f.memory_usage(deep=True).sum() for f in frames.values()) / 2**20
    print(f"{count:,} transcripts ({count * 12:,} utterances): built in {built:.1f} s, analysed in {took:.1f} s; "
          f"{len(result.transitions):,} transitions; tables hold {held:.0f} MB; "
          f"peak RSS {peak_mb:.0f} MB (target < 2048 MB)")
    print(f"  transitions dtypes: {dict(result.transitions.dtypes.astype(str))}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--transcripts", type=int, default=100_000)
    ap.add_argument("--skip-scale-out", action="store_true")
    ap.add_argument("--analysis-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.analysis_child:
        analysis_child(args.analysis_child)
        return
    if not args.skip_scale_out:
        scale_out(args.files)
    subprocess.run([sys.executable, __file__, "--analysis-child", str(args.transcripts)], check=True)


if __name__ == "__main__":
    main()
