"""Benchmark: the per-speaker table, the notebook display and the Excel export of a big run.

`speaker_table` (vectorised, one `Simulator` for every speaker's cut-off rate) against
a straightforward loop over each file and speaker computing the same figures from
the result's tables, measured in the same run on the same synthetic calls (the loop
is also an independent check: the figures must be identical). Also reports what a
notebook pays to show the result (`_repr_html_`) and to write the workbook.

Run: ``.venv/bin/python benchmarks/display_tables.py [--files 400] [--per-file 500]``.
No target is set; it prints the ratio and the times.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from turntune_nb import Transcript, Utterance, analyze_transcripts, speaker_table
from turntune_nb import columns as C


def make_result(files: int, per_file: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    transcripts = []
    for f in range(files):
        dur = rng.integers(200, 6000, per_file)
        offset = rng.normal(300, 600, per_file).astype(np.int64)
        speaker = np.where(rng.random(per_file) < 0.7, np.arange(per_file) % 2, (np.arange(per_file) + 1) % 2)
        start = np.maximum.accumulate(np.maximum(np.cumsum(np.concatenate(([0], dur[:-1] + offset[1:]))), 0))
        start = start + np.arange(per_file)
        transcripts.append(Transcript(f"call_{f:04d}.wav", [
            Utterance("AB"[s], int(a), int(a + d)) for s, a, d in zip(speaker, start, dur)]))
    return analyze_transcripts(transcripts)


def loop_figures(result) -> dict:
    """The same figures, one file and speaker at a time (talk time, turns, pauses, floor taken)."""
    out = {}
    u, te, p, tr = result.utterances, result.turn_ends, result.pauses, result.transitions
    for (file, speaker), rows in u.groupby([u[C.FILE].astype(str), u[C.SPEAKER].astype(str)], sort=False):
        talk, covered = 0, None
        for s, e in sorted(zip(rows[C.START_MS], rows[C.END_MS])):
            if covered is None or s > covered:
                talk += e - s
                covered = e
            elif e > covered:
                talk += e - covered
                covered = e
        turns = sum(1 for f, sp in zip(te[C.FILE].astype(str), te[C.SPEAKER].astype(str))
                    if f == file and sp == speaker)
        pauses = [v for f, sp, v in zip(p[C.FILE].astype(str), p[C.FLOOR_SPEAKER].astype(str), p[C.PAUSE_MS])
                  if f == file and sp == speaker]
        taken = [o for f, k, sp, o in zip(tr[C.FILE].astype(str), tr[C.KIND].astype(str), tr[C.SPEAKER].astype(str),
                                          tr[C.OFFSET_MS]) if f == file and sp == speaker and k in ("gap", "overlap")]
        overlaps = sum(1 for f, k, sp in zip(tr[C.FILE].astype(str), tr[C.KIND].astype(str), tr[C.SPEAKER].astype(str))
                       if f == file and sp == speaker and k == "overlap")
        out[(file, speaker)] = (int(talk), turns, len(pauses), statistics.median(pauses) if pauses else None,
                                len(taken), statistics.median(taken) if taken else None, overlaps)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--per-file", type=int, default=500)
    ap.add_argument("--loop-files", type=int, default=40, help="files the loop runs on (it is slow); scaled up")
    args = ap.parse_args()
    result = make_result(args.files, args.per_file)
    print(f"{args.files} files x {args.per_file} segments: {len(result.pauses)} pauses, "
          f"{len(result.transitions)} transitions, {len(result.turn_ends)} turn ends")
    t0 = time.perf_counter()
    table = speaker_table(result)
    t_vec = time.perf_counter() - t0
    small = make_result(args.loop_files, args.per_file)
    t0 = time.perf_counter()
    expected = loop_figures(small)
    t_loop = (time.perf_counter() - t0) * args.files / args.loop_files
    got = speaker_table(small)
    same = all(
        (int(r.talk_ms), int(r.turns), int(r.pause_count),
         None if np.isnan(r.pause_median_ms) else r.pause_median_ms, int(r.floor_takes),
         None if np.isnan(r.floor_transfer_median_ms) else r.floor_transfer_median_ms, int(r.overlaps_started))
        == expected[(r.file, r.speaker)] for r in got.itertuples()) and len(got) == len(expected)
    print(f"speaker_table: {t_vec * 1000:.0f} ms for {len(table)} rows; loop (scaled from {args.loop_files} files): "
          f"{t_loop:.1f} s; ratio {t_loop / t_vec:.0f}x; identical figures: {same}")
    t0 = time.perf_counter()
    html = result._repr_html_()
    print(f"_repr_html_: {(time.perf_counter() - t0) * 1000:.0f} ms, {len(html) / 1024:.0f} KiB")
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        path = result.to_excel(Path(d) / "run.xlsx")
        print(f"to_excel: {time.perf_counter() - t0:.2f} s, {path.stat().st_size / 1024:.0f} KiB")
        t0 = time.perf_counter()
        result.to_csv(d)
        print(f"to_csv: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
