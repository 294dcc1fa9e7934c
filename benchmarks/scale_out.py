"""Scale-out figures: the offline backend serial vs a 2-worker process pool vs a 2-worker Dask
LocalCluster on the same 400 synthetic 30 s recordings, in one run; 100,000 synthetic transcripts
through `analyze_transcripts`: time and peak memory; and the driver's peak memory, before and after
the distributed analysis (`turntune_nb.dataset`), each in a process of its own:

- 100,000 transcript files (seeded RTTM, 12 utterances each) read and analysed in one process
  (before: `collect_transcripts` + `analyze_transcripts`, what `turntune analyze FOLDER` does) against
  the driver of `analyze_to_dataset` on a 2-worker process pool (after; its workers not counted);
- 1,000,000 simulated files: synthetic per-file tables written as the workers would (1,000 parts),
  and the driver's aggregation of them (`_summarize`: per-file figures held, overall figures from
  the dataset with Dask DataFrame); before = the one-process peak at 100,000 x 10 (extrapolated).

Prints ratios; asserts nothing.

    .venv/bin/python benchmarks/scale_out.py [--files 400] [--transcripts 100000]
        [--driver-files 100000] [--simulated-files 1000000] [--skip-scale-out] [--skip-driver]

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


def _cpu_descendants() -> float:
    """CPU seconds of this process's live descendants: the process pool's fork server and its workers
    (the workers are the fork server's children, not this process's, so RUSAGE_CHILDREN never sees them)."""
    import psutil

    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        try:
            total += sum(proc.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


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

    CPU seconds per file (this process, the pool's fork server and workers as psutil sees them while
    they live, the Dask workers likewise) hardly depend on what else the machine runs; the wall-clock
    ratios do: the load average is printed beside each.
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
        executor, close = open_executor("process", workers=2)  # as --executor process opens it
        try:
            c0, k0 = _cpu_self(), _cpu_descendants()
            # start-up (the fork server, imports in the workers) counted: the pool starts them on first use
            pool_s, got = time_executor(files, executor)
            pool_cpu = (_cpu_self() - c0 + _cpu_descendants() - k0) / count   # read while the workers live
        finally:
            close()
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


# --------------------------------------------------------------------------- the driver's memory
def write_calls(folder: Path, count: int, seed: int = 0, per: int = 12) -> None:
    """`count` seeded RTTM files of `per` utterances: two speakers, gaps, overlaps, pauses."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    spk = np.where(rng.random((count, per)) < 0.55, "A", "B")
    dur = rng.integers(300, 4000, (count, per))
    step = dur + rng.integers(-600, 1500, (count, per))
    start = np.maximum(0, 200 + np.cumsum(np.concatenate([np.zeros((count, 1), int), step[:, :-1]], axis=1), axis=1))
    for i in range(count):
        (folder / f"call{i:06d}.rttm").write_text("".join(
            f"SPEAKER call{i:06d} 1 {start[i, j] / 1000:.3f} {dur[i, j] / 1000:.3f} <NA> <NA> {spk[i, j]} <NA> <NA>\n"
            for j in range(per)))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serial_child(folder: str) -> None:
    """Before: every transcript and every table in this one process."""
    from turntune_nb.analysis.readers import collect_transcripts
    from turntune_nb.analysis.results import analyze_transcripts_isolated

    t0 = time.perf_counter()
    transcripts, failed = collect_transcripts(folder)
    result = analyze_transcripts_isolated(transcripts, failed=failed)
    print(f"RESULT {_peak_mb():.0f} {time.perf_counter() - t0:.1f} {result.overall['overall_average_gap_ms']!r}")


def dataset_child(folder: str, out: str) -> None:
    """After: the driver of the distributed analysis (its 2 workers are other processes)."""
    from turntune_nb.dataset import DatasetOptions, analyze_to_dataset

    t0 = time.perf_counter()
    run = analyze_to_dataset(folder, out, DatasetOptions(executor="process", workers=2, progress=False))
    print(f"RESULT {_peak_mb():.0f} {time.perf_counter() - t0:.1f} {run.overall['overall_average_gap_ms']!r} "
          f"{run.summary['dataset']['parts']}")


def simulated_parts(out: str, files: int, per_part: int, seed: int = 0):
    """Synthetic per-file tables of `files` files, written as `files // per_part` parts (only the columns
    the driver reads), and the small per-part figures workers would have returned."""
    import pandas as pd

    from turntune_nb.analysis import columns as C
    from turntune_nb.dataset import _write_part

    rng = np.random.default_rng(seed)
    parts = []
    for part in range(files // per_part):
        names = np.array([f"call{part * per_part + i:07d}" for i in range(per_part)], dtype=object)
        n_gaps = rng.integers(3, 9, per_part)
        gaps = rng.integers(1, 1500, n_gaps.sum())
        gfile = np.repeat(names, n_gaps)
        _write_part(out, "gaps", part, pd.DataFrame({C.FILE: gfile, C.GAP_MS: gaps}))
        n_tr = 11 * per_part
        kinds = rng.choice(np.array(C.KINDS, dtype=object), n_tr, p=[0.45, 0.2, 0.3, 0.05])
        _write_part(out, "transitions", part, pd.DataFrame({
            C.FILE: np.repeat(names, 11), C.KIND: kinds, C.OFFSET_MS: rng.integers(-3000, 1500, n_tr)}))
        n_p = 4 * per_part
        _write_part(out, "pauses", part, pd.DataFrame({C.FILE: np.repeat(names, 4),
                                                      C.PAUSE_MS: rng.integers(11, 1500, n_p)}))
        _write_part(out, "turn_ends", part, pd.DataFrame({C.FILE: np.repeat(names, 8),
                                                         C.LEVEL: np.full(8 * per_part, C.SEGMENT_LEVEL)}))
        sums = pd.Series(gaps).groupby(gfile).agg(["mean", "median", "min", "max", "count"]).reindex(names)
        per_file = pd.DataFrame({"filename": names, "average_gap_ms": sums["mean"].to_numpy(),
                                 "median_gap_ms": sums["median"].to_numpy(), "min_gap_ms": sums["min"].to_numpy(),
                                 "max_gap_ms": sums["max"].to_numpy(), "total_utterances": 12,
                                 "total_gaps": sums["count"].to_numpy()})
        parts.append({"part": part, "per_file": per_file, "sources": dict.fromkeys(names, "transcript"),
                      "skipped": [], "notes": [], "detector_notes": []})
    return parts


def simulated_child(out: str, files: int, per_part: int) -> None:
    """The driver's aggregation of a simulated run: its small per-file figures and the dataset."""
    from turntune_nb.dataset import DatasetOptions, _summarize

    parts = simulated_parts(out, files, per_part)
    built = _peak_mb()
    t0 = time.perf_counter()
    summary, _ = _summarize(parts, out, DatasetOptions(progress=False), "synthetic", None)
    print(f"RESULT {_peak_mb():.0f} {time.perf_counter() - t0:.1f} {summary['dataset']['quantiles']!r} "
          f"{summary['aggregated_statistics']['total_gaps']} {built:.0f}")


def _child(*args) -> list[str]:
    out = subprocess.run([sys.executable, __file__, *map(str, args)], check=True, capture_output=True, text=True)
    return next(line for line in out.stdout.splitlines() if line.startswith("RESULT")).split()[1:]


def driver_memory(files: int, simulated: int) -> None:
    before_mb = None
    if files:
        before_mb = measured_driver(files)
    if simulated:
        simulated_memory(simulated, before_mb, files)


def measured_driver(files: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "calls"
        t0 = time.perf_counter()
        write_calls(folder, files)
        print(f"driver memory: {files:,} transcript files (12 utterances each) written in "
              f"{time.perf_counter() - t0:.0f} s; load average {_load()}")
        before_mb, before_s, before_avg = _child("--serial-child", folder)
        after_mb, after_s, after_avg, nparts = _child("--dataset-child", folder, Path(tmp) / "out")
        print(f"  before (one process, every table in memory): peak RSS {float(before_mb):6.0f} MB, {before_s} s")
        print(f"  after (the driver of analyze_to_dataset, 2-worker process pool, {nparts} tasks): peak RSS "
              f"{float(after_mb):6.0f} MB, {after_s} s  -> {float(after_mb) / float(before_mb):.2f}x the memory "
              f"(target <= 600 MB); same mean gap: {before_avg == after_avg}; load {_load()}")
    return float(before_mb)


def simulated_memory(simulated: int, before_mb: float | None, files: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sim_mb, sim_s, quantiles, gaps, built_mb = _child("--simulated-child", Path(tmp) / "sim", simulated)
        print(f"  simulated {simulated:,} files ({int(gaps):,} gaps; synthetic per-file tables in 1,000 parts): "
              f"driver peak RSS {float(sim_mb):.0f} MB ({float(built_mb):.0f} MB holding the per-file figures), "
              f"aggregation {sim_s} s, quantiles {quantiles}" + ("" if before_mb is None else
              f"; before, extrapolated: {before_mb * simulated / files:,.0f} MB -> "
              f"{float(sim_mb) / (before_mb * simulated / files):.3f}x"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--transcripts", type=int, default=100_000)
    ap.add_argument("--driver-files", type=int, default=100_000)
    ap.add_argument("--simulated-files", type=int, default=1_000_000)
    ap.add_argument("--skip-scale-out", action="store_true")
    ap.add_argument("--skip-driver", action="store_true")
    ap.add_argument("--analysis-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--serial-child", help=argparse.SUPPRESS)
    ap.add_argument("--dataset-child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--simulated-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.analysis_child:
        analysis_child(args.analysis_child)
        return
    if args.serial_child:
        return serial_child(args.serial_child)
    if args.dataset_child:
        return dataset_child(*args.dataset_child)
    if args.simulated_child:
        out, n = args.simulated_child
        return simulated_child(out, int(n), max(1, int(n) // 1000))
    if not args.skip_scale_out:
        scale_out(args.files)
        subprocess.run([sys.executable, __file__, "--analysis-child", str(args.transcripts)], check=True)
    if not args.skip_driver:
        driver_memory(args.driver_files, args.simulated_files)


if __name__ == "__main__":
    main()
