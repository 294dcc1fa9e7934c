"""Replay: sessions run side by side, and what aligning events with the truth costs.

1. **Concurrency.** 20 recordings (the bundled ones, repeated under new names)
   through the *offline endpointer* at ``--speed`` x real time (default 8, so that
   the whole script takes well under 2 minutes; AssemblyAI itself only takes real
   time, and there each session would last its recording's length): once one
   session at a time (the baseline, measured in the same run) and once all at
   once. Printed: the longest session's audio time / speed (the floor for the
   concurrent run), the sum of all of them (the floor one at a time), both wall
   times and the ratios. Target: concurrent wall ~ the longest, not the sum.
2. **Alignment.** Fired turns against the truth's silences on a synthetic corpus
   (``--files`` files, 40 silences and 10 fires per minute): `align_fires` and the
   whole `measure_fires` per 10k events, against the obvious per-event loop
   (``bisect`` over each file's silences) on the same data, which must agree.

    .venv/bin/python benchmarks/replay.py [--speed 8] [--files 2000]
"""

from __future__ import annotations

import argparse
import bisect
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from turntune_nb.analysis.alignment import ALIGN_TOLERANCE_MS, align_fires, measure_fires  # noqa: E402
from turntune_nb.analysis.presets import StreamingConfig  # noqa: E402
from turntune_nb.replay import TAIL_MS, ReplayOptions, plan_replay, replay  # noqa: E402

CONFIG = StreamingConfig("bench", 300, 700)


def recordings(folder: Path, n: int = 20) -> list:
    bundled = sorted(p for p in (ROOT / "samples" / "synthetic").iterdir() if p.is_file())
    bundled += [ROOT / "samples" / "real" / "sample.wav", ROOT / "turntune_nb" / "data" / "sample_conversation.opus"]
    out = []
    for i in range(n):
        src = bundled[i % len(bundled)]
        dst = folder / f"rec{i:02d}{src.suffix}"
        shutil.copy(src, dst)
        out.append(dst)
    return out


def concurrency(speed: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = recordings(tmp)
        plan = plan_replay(files, [CONFIG], backend="offline", speed=speed)  # truth: offline segmentation
        lengths = np.array([(i.audio_ms + CONFIG.max_turn_silence + TAIL_MS) / 1000 / speed for i in plan.items])
        walls = {}
        for workers in (1, len(files)):
            t0 = time.perf_counter()
            result = replay(plan, None, yes=True,
                            options=ReplayOptions(concurrency=workers, events_dir=tmp / f"events{workers}"))
            walls[workers] = time.perf_counter() - t0
            assert not result.failed, result.failed
        one, all_ = walls[1], walls[len(files)]
        print(f"1. {len(files)} recordings, offline endpointer at {speed:g}x real time "
              f"({lengths.sum() * speed:.0f} s of audio with trailing silence)")
        print(f"   longest session {lengths.max():.2f} s, sum of sessions {lengths.sum():.2f} s")
        print(f"   one at a time: {one:.2f} s wall ({one / lengths.sum():.2f}x the sum)")
        print(f"   all at once:   {all_:.2f} s wall ({all_ / lengths.max():.2f}x the longest, "
              f"{one / all_:.1f}x faster than one at a time)")


def corpus(files: int, seed: int = 0):
    """Per file: 10 minutes, a silence every ~1.5 s (holds, short pauses, turn ends), fires in a quarter."""
    rng = np.random.default_rng(seed)
    rows_p, rows_t, rows_f = [], [], []
    for f in range(files):
        name = f"f{f:05d}"
        starts = np.cumsum(rng.integers(600, 2400, 400))
        kind = rng.random(len(starts))
        for s, k in zip(starts, kind):
            if k < 0.75:
                rows_p.append((name, "A", int(s), int(rng.integers(30, 1500))))
            else:
                rows_t.append((name, "A", int(s), float(rng.integers(-300, 900))))
            if k < 0.25 or k >= 0.75:
                end = int(s + rng.integers(-80, 80))
                rows_f.append((name, int(s + rng.integers(100, 1200)), end))
    pauses = pd.DataFrame(rows_p, columns=["file", "speaker", "start_ms", "pause_ms"])
    turn_ends = pd.DataFrame(rows_t, columns=["file", "speaker", "end_ms", "silence_after_ms"])
    fires = pd.DataFrame(rows_f, columns=["file", "fire_ms", "end_ms"])
    return [f"f{f:05d}" for f in range(files)], pauses, turn_ends, fires


def speech_between(pauses: pd.DataFrame, turn_ends: pd.DataFrame) -> pd.DataFrame:
    """The side's speech: from the end of one silence to the start of the next, per file."""
    silences = pd.concat([
        pauses.assign(end=pauses["start_ms"] + pauses["pause_ms"])[["file", "start_ms", "end"]],
        turn_ends.assign(start_ms=turn_ends["end_ms"],
                         end=turn_ends["end_ms"] + turn_ends["silence_after_ms"].clip(lower=0).astype(int))
        [["file", "start_ms", "end"]],
    ]).sort_values(["file", "start_ms"])
    prev_end = silences.groupby("file")["end"].shift(fill_value=0)
    speech = pd.DataFrame({"file": silences["file"], "start_ms": prev_end, "end_ms": silences["start_ms"]})
    return speech[speech["end_ms"] > speech["start_ms"]].reset_index(drop=True)


def loop_align(names, pauses, turn_ends, fires) -> np.ndarray:
    """The obvious version: per fire, a binary search in its file's sorted silences."""
    by_file = {}
    starts = np.concatenate([pauses["start_ms"].to_numpy(), turn_ends["end_ms"].to_numpy()])
    files = np.concatenate([pauses["file"].to_numpy(object), turn_ends["file"].to_numpy(object)])
    for i, (f, s) in enumerate(zip(files, starts)):
        by_file.setdefault(f, []).append((int(s), i))
    for v in by_file.values():
        v.sort()
    out = []
    for f, fm, e in zip(fires["file"], fires["fire_ms"], fires["end_ms"]):
        v = by_file.get(f, [])
        keys = [s for s, _ in v]
        last = bisect.bisect_right(keys, fm) - 1
        j = bisect.bisect_left(keys, e)
        best, dist = -1, None
        for c in (j - 1, j):
            c = min(c, last)
            if c >= 0 and (dist is None or abs(keys[c] - e) < dist):
                best, dist = c, abs(keys[c] - e)
        out.append(v[best][1] if best >= 0 and dist <= ALIGN_TOLERANCE_MS else -1)
    return np.array(out)


def alignment(files: int) -> None:
    names, pauses, turn_ends, fires = corpus(files)
    code = {n: i for i, n in enumerate(names)}
    bfile = np.array([code[f] for f in list(pauses["file"]) + list(turn_ends["file"])])
    bstart = np.concatenate([pauses["start_ms"].to_numpy(), turn_ends["end_ms"].to_numpy()])
    ffile = np.array([code[f] for f in fires["file"]])
    n = len(fires)
    t0 = time.perf_counter()
    fast = align_fires(bfile, bstart, ffile, fires["fire_ms"].to_numpy(), fires["end_ms"].to_numpy(float))
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = loop_align(names, pauses, turn_ends, fires)
    t_slow = time.perf_counter() - t0
    assert np.array_equal(fast, slow), "the vectorised alignment and the loop disagree"
    t0 = time.perf_counter()
    measure_fires(names, pauses, turn_ends, fires, speech=speech_between(pauses, turn_ends))
    t_all = time.perf_counter() - t0
    per = 10_000 / n * 1000
    print(f"2. alignment of {n:,} fires against {len(bstart):,} silences in {files:,} files (10 min each)")
    print(f"   align_fires:         {t_fast * per:7.2f} ms per 10k events")
    print(f"   per-event loop:      {t_slow * per:7.2f} ms per 10k events (baseline; same answers)")
    print(f"   ratio: {t_slow / t_fast:.1f}x faster; the whole measure_fires (counts, latencies per file): "
          f"{t_all * per:.2f} ms per 10k events")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=8.0, help="pace of the offline endpointer (x real time)")
    parser.add_argument("--files", type=int, default=2000, help="files in the alignment corpus")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    concurrency(args.speed)
    alignment(args.files)
    print(f"(benchmark took {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
