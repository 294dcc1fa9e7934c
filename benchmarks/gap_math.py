"""Benchmark: the guide's gap statistics over 1,000,000 utterances in 1,000 files.

This implementation (`guide_statistics` on an utterance table) against a
straightforward per-row Python loop computing the same statistics from the
guide's own input shape (a list of utterance dicts per file, as parsed from the
API's JSON), measured in the same run on the same synthetic data. Also reports
the full analysis (transitions with predecessors, their summary) and peak memory.

The per-file summaries (`summarize_transitions`, the pause summary, the floor-transfer
offsets) are timed against a plain pandas groupby computing the same figures (count,
mean, min, max, p10/median/p90/p95 per file and kind, the all-files rows, the shares),
and their figures compared.

Run: ``.venv/bin/python benchmarks/gap_math.py [--files 1000] [--per-file 1000]``.
Targets: at least 30x faster than the loop; summaries within 1.5x of the groupby;
peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc

import numpy as np
import pandas as pd

from turntune_nb import columns as C
from turntune_nb.analysis.gaps import (
    compute_pauses,
    compute_transitions,
    floor_transfer_offsets,
    guide_statistics,
    summarize_transitions,
    summarize_values,
)

_QUANTILES = (("p10_ms", 0.10), ("median_ms", 0.50), ("p90_ms", 0.90), ("p95_ms", 0.95))


def make_data(files: int, per_file: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    n = files * per_file
    dur = rng.integers(200, 6000, n)
    offset = rng.normal(200, 500, n).astype(np.int64)  # a third or so overlap
    start = np.empty(n, np.int64)
    end = np.empty(n, np.int64)
    for f in range(files):  # per file, not per row
        sl = slice(f * per_file, (f + 1) * per_file)
        d, o = dur[sl], offset[sl]
        s = np.cumsum(np.concatenate(([1000], (d[:-1] + o[1:]))))
        s = np.maximum.accumulate(np.maximum(s, 0)) + np.arange(per_file)  # strictly increasing starts
        start[sl], end[sl] = s, s + d
    names = [f"call_{i:04d}.wav" for i in range(files)]
    speakers = np.where(np.arange(n) % 2 == 0, "A", "B")
    frame = pd.DataFrame({
        C.FILE: pd.Categorical.from_codes(np.repeat(np.arange(files), per_file), categories=names),
        C.SPEAKER: speakers, C.START_MS: start, C.END_MS: end,
    })
    as_json = {
        name: [{"speaker": sp, "start": int(a), "end": int(b)}
               for sp, a, b in zip(speakers[i * per_file:(i + 1) * per_file],
                                   start[i * per_file:(i + 1) * per_file], end[i * per_file:(i + 1) * per_file])]
        for i, name in enumerate(names)
    }
    return frame, as_json


def guide_loop(files: dict):
    """The guide's statistics, one row at a time (its code, minus printing, with a true median)."""
    per_file, all_gaps = [], []
    for name, utterances in files.items():
        if len(utterances) < 2:
            continue
        gaps = []
        for i in range(len(utterances) - 1):
            gap = utterances[i + 1]["start"] - utterances[i]["end"]
            if gap > 0:
                gaps.append(gap)
        if not gaps:
            continue
        per_file.append({"filename": name, "average_gap_ms": sum(gaps) / len(gaps), "min_gap_ms": min(gaps),
                         "max_gap_ms": max(gaps), "median_gap_ms": statistics.median(gaps),
                         "total_utterances": len(utterances), "total_gaps": len(gaps)})
        all_gaps.extend(gaps)
    avg = sum(all_gaps) / len(all_gaps)
    overall = {"overall_average_gap_ms": avg, "overall_median_gap_ms": statistics.median(all_gaps),
               "overall_min_gap_ms": min(all_gaps), "overall_max_gap_ms": max(all_gaps),
               "variability_ratio": max(all_gaps) / avg, "total_gaps": len(all_gaps)}
    return per_file, overall


def table_loop(frame: pd.DataFrame):
    """The same statistics from the same utterance table turntune_nb takes, one row at a time."""
    files: dict = {}
    for row in frame.itertuples(index=False):
        files.setdefault(row.file, []).append({"start": row.start_ms, "end": row.end_ms})
    return guide_loop(files)


def groupby_stats(frame: pd.DataFrame, value: str, keys: list) -> pd.DataFrame:
    """count, mean, min, max and the four quantiles of `value` per key with a plain groupby."""
    g = frame.groupby(keys, observed=True, sort=False)[value]
    out = g.agg(["count", "mean", "min", "max"]).rename(columns={"mean": "mean_ms", "min": "min_ms",
                                                                 "max": "max_ms"})
    q = g.quantile([q for _, q in _QUANTILES]).unstack()
    q.columns = [name for name, _ in _QUANTILES]
    return out.join(q)


def groupby_transition_summary(tr: pd.DataFrame) -> pd.DataFrame:
    """What `summarize_transitions` reports, from plain groupbys: per file and kind, then per kind for all
    files, with the kind's share of the file's transitions and of its speaker changes."""
    per = groupby_stats(tr, C.OFFSET_MS, [C.FILE, C.KIND])
    total = groupby_stats(tr, C.OFFSET_MS, [C.KIND])
    counts = per["count"]
    share = counts / counts.groupby(level=0, observed=True).transform("sum")
    changes = counts[counts.index.get_level_values(1).isin(["gap", "overlap"])]
    change_share = changes / changes.groupby(level=0, observed=True).transform("sum")
    return per.assign(share=share, share_of_speaker_changes=change_share), total


def groupby_floor_transfer(tr: pd.DataFrame) -> pd.DataFrame:
    ft = tr[tr[C.KIND].isin(["gap", "overlap"])]
    per = groupby_stats(ft, C.OFFSET_MS, [C.FILE])
    return per.assign(overlap_share=(ft[C.OFFSET_MS] < 0).groupby(ft[C.FILE], observed=True).mean()), \
        groupby_stats(ft.assign(_all=0), C.OFFSET_MS, ["_all"])


def same_figures(ours: pd.DataFrame, keys: list, ref: pd.DataFrame, columns) -> bool:
    """The per-group figures of `ours` (groups with values) equal the groupby's."""
    mine = ours[ours["count"] > 0].copy()
    for k in keys:
        mine[k] = mine[k].astype(str)
    mine = mine.set_index(keys)
    ref = ref.copy()
    ref.index = ref.index.set_levels([lvl.astype(str) for lvl in ref.index.levels]) \
        if isinstance(ref.index, pd.MultiIndex) else ref.index.astype(str)
    mine = mine.loc[ref.index]
    return all(np.allclose(mine[c].to_numpy(float), ref[c].to_numpy(float), equal_nan=True) for c in columns)


def summaries_vs_groupby(frame: pd.DataFrame, repeat: int) -> None:
    """The summaries against a plain groupby computing the same figures, in this run."""
    tr = compute_transitions(frame)
    pauses = compute_pauses(frame)
    stats = ["count", "mean_ms", "min_ms", "max_ms", *[n for n, _ in _QUANTILES]]
    print(f"summaries vs a plain pandas groupby ({len(tr):,} transitions, {len(pauses):,} pauses; best of {repeat}):")
    cases = (
        ("summarize_transitions", lambda: summarize_transitions(tr), lambda: groupby_transition_summary(tr)),
        ("pause summary (summarize_values)", lambda: summarize_values(pauses, C.PAUSE_MS),
         lambda: (groupby_stats(pauses, C.PAUSE_MS, [C.FILE]), groupby_stats(pauses.assign(_all=0), C.PAUSE_MS,
                                                                           ["_all"]))),
        ("floor_transfer_offsets", lambda: floor_transfer_offsets(tr), lambda: groupby_floor_transfer(tr)),
        ("summarize_values, every transition", lambda: summarize_values(tr, C.OFFSET_MS),
         lambda: (groupby_stats(tr, C.OFFSET_MS, [C.FILE]), groupby_stats(tr.assign(_all=0), C.OFFSET_MS,
                                                                          ["_all"]))),
    )
    for name, ours_fn, ref_fn in cases:
        t_ours, ours = best_of(ours_fn, repeat)
        t_ref, (ref, ref_all) = best_of(ref_fn, repeat)
        keys = [C.FILE, C.KIND] if name == "summarize_transitions" else [C.FILE]
        per_file = ours[ours[C.FILE] != "(all files)"]
        cols = stats + (["share", "share_of_speaker_changes"] if name == "summarize_transitions" else []) + \
            (["overlap_share"] if name == "floor_transfer_offsets" else [])
        same = same_figures(per_file, keys, ref, cols)
        overall = ours[ours[C.FILE] == "(all files)"]
        overall = overall[overall["count"] > 0]
        if name == "summarize_transitions":  # the groupby's kinds in first-seen order, ours in KINDS order
            ref_all = ref_all.loc[overall[C.KIND].astype(str).tolist()]
        same_all = all(np.allclose(overall[c].to_numpy(float), ref_all[c].to_numpy(float)) for c in stats)
        print(f"  {name:34s} {t_ours * 1000:7.1f} ms   groupby {t_ref * 1000:7.1f} ms   ratio "
              f"{t_ours / t_ref:4.2f}x (target <= 1.5x)   same figures: {same and same_all}")


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--per-file", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame, as_json = make_data(args.files, args.per_file)
    print(f"{len(frame):,} utterances in {args.files:,} files")

    t_loop, (loop_files, loop_overall) = best_of(lambda: guide_loop(as_json), args.repeat)
    t_table, (_, table_overall) = best_of(lambda: table_loop(frame), 1)
    assert table_overall["total_gaps"] == loop_overall["total_gaps"]
    t_vec, (per_file, overall, _) = best_of(lambda: guide_statistics(frame), args.repeat)
    # same answers
    assert overall["total_gaps"] == loop_overall["total_gaps"]
    assert np.isclose(overall["overall_average_gap_ms"], loop_overall["overall_average_gap_ms"])
    assert overall["overall_median_gap_ms"] == loop_overall["overall_median_gap_ms"]
    assert np.allclose(per_file["median_gap_ms"], [r["median_gap_ms"] for r in loop_files])

    summaries_vs_groupby(frame, args.repeat)
    t_full, _ = best_of(lambda: summarize_transitions(compute_transitions(frame)), 1)

    tracemalloc.start()
    guide_statistics(frame)
    summarize_transitions(compute_transitions(frame))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"guide statistics, turntune_nb (vectorised, from the utterance table) : {t_vec * 1000:8.1f} ms")
    print(f"per-row Python loop over the same utterance table (itertuples)       : {t_table * 1000:8.1f} ms"
          f"  -> ratio {t_table / t_vec:6.1f}x (target >= 30x)")
    print(f"per-row Python loop over the guide's input (lists of dicts, its best case): {t_loop * 1000:8.1f} ms"
          f"  -> ratio {t_loop / t_vec:6.1f}x")
    print(f"full analysis (transitions + summary) : {t_full * 1000:8.1f} ms")
    print(f"peak memory of the analysis (guide stats + transitions, tracemalloc): {peak / 2**20:.0f} MiB "
          "(target < 1024 MiB)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak RSS of the whole benchmark process (data, baselines and all): {rss:.0f} MiB")


if __name__ == "__main__":
    main()
