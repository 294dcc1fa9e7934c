"""Gap statistics: the guide's figures, and the summaries of every turn-taking table.

All functions take utterance tables (see `turntune_nb.analysis.columns`) or the tables
made from them and return new DataFrames; nothing here loops over rows in Python, does
I/O, or mutates inputs.

Two views of the same conversation are computed:

* **The guide's statistics** (`guide_statistics`), exactly as AssemblyAI's
  multi-file gap-analysis guide defines them: gaps between *consecutive*
  utterances in start order, ``next.start - prev.end``, keeping the positive ones.
  The guide's "median" is ``sorted(x)[n // 2]``, the upper middle element when the
  count is even; this module reports the true median (the mean of the two middle
  elements), which is what the word means.
* **Transitions** (`turntune_nb.analysis.transitions`), which keep what the guide
  drops: gaps, overlaps, pauses and backchannels between each segment and its
  predecessor; and from the same links, pauses inside turns and turn ends
  (`turntune_nb.analysis.turns`). `compute_transitions`, `compute_pauses` and
  `compute_turn_ends` are importable from here too.

The summaries (`summarize_values`, `summarize_transitions`, `floor_transfer_offsets`)
give count, mean, extremes and quantiles per file, with an all-files row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import columns as C
from .transitions import MERGE_MS, compute_transitions, file_codes
from .turns import compute_pauses, compute_turn_ends

__all__ = (
    "MERGE_MS",
    "QUANTILES",
    "ALL_FILES",
    "compute_guide_gaps",
    "guide_statistics",
    "variability_class",
    "VARIABILITY_TEXT",
    "compute_transitions",
    "summarize_transitions",
    "compute_pauses",
    "compute_turn_ends",
    "summarize_values",
    "floor_transfer_offsets",
    "guide_overall",
    "stats_from_counts",
    "transition_totals",
)

#: Quantiles reported in summaries, with their column names.
QUANTILES = {"p10_ms": 0.10, "median_ms": 0.50, "p90_ms": 0.90, "p95_ms": 0.95}
#: The row of a summary that holds every file.
ALL_FILES = "(all files)"


# --------------------------------------------------------------------------- helpers
def _ints(series: pd.Series) -> np.ndarray:
    return series.to_numpy(np.int64)


def _sort_order(codes: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Indices sorting by (file, start, end), or None when already in that order."""
    if len(codes) < 2:
        return None
    dc = np.diff(codes)
    ds = np.diff(start)
    out_of_order = (dc < 0) | ((dc == 0) & ((ds < 0) | ((ds == 0) & (end[1:] < end[:-1]))))
    if not out_of_order.any():
        return None
    return np.lexsort((end, start, codes))


def _sorted_group_stats(codes: np.ndarray, values: np.ndarray, ngroups: int, quantiles=QUANTILES):
    """count, mean, min, max and linear-interpolated quantiles of values per group.

    Sorting once by (group, value) puts each group's values in order; every
    statistic is then an index into that array. When `codes` is already
    nondecreasing (the common case) the groups' bounds come from a binary search.
    """
    codes = np.asarray(codes, np.int64)
    if len(codes) and (np.diff(codes) >= 0).all():
        bounds = np.searchsorted(codes, np.arange(ngroups + 1))
        n = np.diff(bounds).astype(np.int64)
        first = bounds[:-1]
    else:
        n = np.bincount(codes, minlength=ngroups).astype(np.int64)
        first = np.concatenate(([0], np.cumsum(n)[:-1])).astype(np.int64)
    has = n > 0
    out = {"count": n}
    if values.dtype.kind in "iu" and len(values) and values.min() > -(2**31) and values.max() < 2**31:
        key = (codes << 32) | (values.astype(np.int64) + 2**31)
        v = (np.sort(key) & 0xFFFFFFFF) - 2**31
    else:
        v = values[np.lexsort((values, codes))]
    v = v.astype(np.float64)
    if not len(v):
        for name in ("mean_ms", "min_ms", "max_ms", *quantiles):
            out[name] = np.full(ngroups, np.nan)
        return out
    safe_first = np.minimum(first, len(v) - 1)
    csum = np.concatenate(([0.0], np.cumsum(v)))
    sums = csum[first + n] - csum[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_ms"] = np.where(has, sums / np.maximum(n, 1), np.nan)
    out["min_ms"] = np.where(has, v[safe_first], np.nan)
    out["max_ms"] = np.where(has, v[np.clip(first + n - 1, 0, len(v) - 1)], np.nan)
    for name, q in quantiles.items():
        # the position inside the group, so the interpolation weight does not depend on where the
        # group lies in the array (the same figure as from the group alone, or its value counts)
        pos = q * np.maximum(n - 1, 0)
        lo = np.minimum(first + np.floor(pos).astype(np.int64), len(v) - 1)
        hi = np.minimum(first + np.ceil(pos).astype(np.int64), len(v) - 1)
        out[name] = np.where(has, v[lo] + (v[hi] - v[lo]) * (pos - np.floor(pos)), np.nan)
    return out


def _median(values: np.ndarray) -> float:
    """The true median; for integer ms with a modest range, by counting (O(n))."""
    if values.dtype.kind in "iu" and len(values):
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * len(values) + 1024:
            cum = np.cumsum(np.bincount(values - lo))
            n = len(values)
            a = int(np.searchsorted(cum, (n - 1) // 2 + 1)) + lo
            b = int(np.searchsorted(cum, n // 2 + 1)) + lo
            return (a + b) / 2
    return float(np.median(values))


def _key_codes(series: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes of a key column (-1 where the key is missing) and the values they stand for.

    A categorical's codes are used as they are; any other column is factorised once as it
    is: keys are never cast to object, nor combined into tuples.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(np.int64), list(series.cat.categories)
    codes, uniques = pd.factorize(series, sort=False)
    return codes.astype(np.int64, copy=False), list(uniques)


def _combined_codes(frame: pd.DataFrame, by: list) -> tuple[np.ndarray, list, list]:
    """One int64 code per row for the combination of its keys (mixed radix; -1 where a key
    is missing), the radices, and each key's values."""
    combined, radices, values = None, [], []
    for col in by:
        codes, uniques = _key_codes(frame[col])
        size = max(len(uniques), 1)
        combined = codes if combined is None else np.where((combined < 0) | (codes < 0), -1, combined * size + codes)
        radices.append(size)
        values.append(uniques)
    return combined, radices, values


def _group_rows(combined: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows with every key, their group numbers in order of first appearance, the combined
    code of each group)."""
    rows = np.flatnonzero(combined >= 0)
    groups, uniques = pd.factorize(combined[rows], sort=False)
    return rows, groups.astype(np.int64, copy=False), np.asarray(uniques, np.int64)


def _decode(codes: np.ndarray, radices: list, values: list) -> list[list]:
    """Each key's values for combined codes (inverse of `_combined_codes`' mixed radix)."""
    out = []
    for size, key_values in zip(reversed(radices), reversed(values)):
        out.append([key_values[c] for c in codes % size])
        codes = codes // size
    return out[::-1]


def summarize_values(frame: pd.DataFrame, value: str, by=(C.FILE,), overall: bool = True) -> pd.DataFrame:
    """count, mean, min, max, p10, median, p90, p95 of a column per group.

    Groups come in the order they first appear in `frame`. With ``overall=True`` a row
    labelled ``"(all files)"`` in the first key is added for every combination of the
    other keys (in the order those first appear), after the groups.

    Examples
    --------
    >>> frame = pd.DataFrame({"file": ["b", "a", "b"], "pause_ms": [100, 300, 500]})
    >>> summarize_values(frame, "pause_ms")[["file", "count", "mean_ms", "median_ms"]].values.tolist()
    [['b', 2, 300.0, 300.0], ['a', 1, 300.0, 300.0], ['(all files)', 3, 300.0, 300.0]]
    """
    by = list(by)
    vals = frame[value].to_numpy()
    combined, radices, values = _combined_codes(frame, by)
    rows, groups, uniques = _group_rows(combined)
    parts = [pd.DataFrame(_sorted_group_stats(groups, vals[rows], len(uniques)))]
    keys = _decode(uniques, radices, values)
    if overall:
        if len(by) > 1:  # every combination of the other keys, over all rows (missing first keys too)
            rest, rest_radices, rest_values = _combined_codes(frame, by[1:])
            all_rows, all_groups, all_uniques = _group_rows(rest)
            rest_keys = _decode(all_uniques, rest_radices, rest_values)
        else:
            all_rows, all_groups, rest_keys = np.arange(len(vals)), np.zeros(len(vals), np.int64), []
            all_uniques = np.zeros(min(len(vals), 1), np.int64)  # no rows: no all-files row either
        parts.append(pd.DataFrame(_sorted_group_stats(all_groups, vals[all_rows], len(all_uniques))))
        keys[0] = keys[0] + [ALL_FILES] * len(all_uniques)
        for k, extra in enumerate(rest_keys, start=1):
            keys[k] = keys[k] + extra
    result = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(by) > 1:
        result.index = pd.MultiIndex.from_tuples(list(zip(*keys)), names=by)
    else:
        result.index = pd.Index(keys[0], name=by[0])
    return result.reset_index()


# --------------------------------------------------------------------------- the guide
def _guide_gap_arrays(utterances: pd.DataFrame):
    """(file codes, gaps, file names, utterances per file) for the guide's gaps."""
    codes, names = file_codes(utterances[C.FILE])
    start, end = _ints(utterances[C.START_MS]), _ints(utterances[C.END_MS])
    order = _sort_order(codes, start, end)
    if order is not None:
        codes, start, end = codes[order], start[order], end[order]
    gap = start[1:] - end[:-1]
    keep = (codes[1:] == codes[:-1]) & (gap > 0)
    counts = np.bincount(codes, minlength=len(names)) if order is not None or not len(codes) else \
        np.diff(np.searchsorted(codes, np.arange(len(names) + 1)))
    return codes[1:][keep], gap[keep], names, counts


def compute_guide_gaps(utterances: pd.DataFrame) -> pd.DataFrame:
    """The guide's gaps: ``next.start - prev.end`` between consecutive utterances of
    each file (in start order), positive ones only.

    Examples
    --------
    >>> from turntune_nb.analysis.model import Transcript, Utterance
    >>> t = Transcript("f", [Utterance("A", 0, 1000), Utterance("B", 1300, 2000), Utterance("A", 1900, 2500)])
    >>> compute_guide_gaps(t.to_frame())["gap_ms"].tolist()
    [300]
    """
    codes, gaps, names, _ = _guide_gap_arrays(utterances)
    return pd.DataFrame({C.FILE: pd.Categorical.from_codes(codes, categories=names), C.GAP_MS: gaps})


def variability_class(ratio: float | None) -> str:
    """The guide's reading of max / average gap: HIGH (> 3), MODERATE (> 2), LOW."""
    if ratio is None or not np.isfinite(ratio):
        return "UNKNOWN"
    return "HIGH" if ratio > 3 else "MODERATE" if ratio > 2 else "LOW"


VARIABILITY_TEXT = {
    "HIGH": "mixed conversation patterns across files",
    "MODERATE": "some pattern variation",
    "LOW": "consistent conversation rhythm",
    "UNKNOWN": "no gap data",
}


def guide_statistics(utterances: pd.DataFrame):
    """The guide's per-file and overall gap statistics.

    Returns
    -------
    per_file : DataFrame
        One row per file with at least 2 utterances and a positive gap: filename,
        average_gap_ms, median_gap_ms (true median), min_gap_ms, max_gap_ms,
        total_utterances, total_gaps.
    overall : dict
        total_files_analyzed, total_utterances, total_gaps, overall_average_gap_ms,
        overall_median_gap_ms, overall_min_gap_ms, overall_max_gap_ms,
        average_of_file_averages_ms, variability_ratio, variability. The gap
        figures are None when no file has a gap.
    skipped : list of dict
        ``{"filename", "reason"}`` for every file left out, never silently.
    """
    gcodes, all_gaps, names, n_utts = _guide_gap_arrays(utterances)
    nfiles = len(names)
    stats = _sorted_group_stats(gcodes, all_gaps, nfiles, {"median_gap_ms": 0.5})
    ok = stats["count"] > 0
    per_file = pd.DataFrame(
        {
            "filename": pd.Series(names, dtype="object"),
            "average_gap_ms": stats["mean_ms"],
            "median_gap_ms": stats["median_gap_ms"],
            "min_gap_ms": stats["min_ms"],
            "max_gap_ms": stats["max_ms"],
            "total_utterances": n_utts,
            "total_gaps": stats["count"],
        }
    )
    skipped = [
        {
            "filename": str(names[i]),
            "reason": f"fewer than 2 utterances ({n_utts[i]})"
            if n_utts[i] < 2
            else "no positive gap between consecutive utterances (all speech touches or overlaps)",
        }
        for i in np.flatnonzero(~ok)
    ]
    per_file = per_file[ok].reset_index(drop=True)
    gaps = None if not len(all_gaps) else {
        "count": len(all_gaps), "mean": float(all_gaps.mean()), "median": float(_median(all_gaps)),
        "min": float(all_gaps.min()), "max": float(all_gaps.max())}
    overall = guide_overall(per_file, gaps)
    return per_file, overall, skipped


def guide_overall(per_file: pd.DataFrame, gaps: dict | None) -> dict:
    """The guide's overall figures from its per-file rows and the figures of all gaps together.

    `gaps` holds ``count``, ``mean``, ``median``, ``min`` and ``max`` of every gap of
    every file (None when there is none); `guide_statistics` computes them from the
    gaps in memory, a distributed run (`turntune_nb.dataset`) from the gaps' value
    counts, and both end here, so their figures are the same.
    """
    if gaps is None or not gaps["count"]:
        return {"total_files_analyzed": 0, "total_utterances": 0, "total_gaps": 0, "overall_average_gap_ms": None,
                "overall_median_gap_ms": None, "overall_min_gap_ms": None, "overall_max_gap_ms": None,
                "average_of_file_averages_ms": None, "variability_ratio": None,
                "variability": variability_class(None)}
    avg = float(gaps["mean"])
    ratio = float(gaps["max"]) / avg
    return {
        "total_files_analyzed": int(len(per_file)),
        "total_utterances": int(per_file["total_utterances"].sum()),
        "total_gaps": int(gaps["count"]),
        "overall_average_gap_ms": avg,
        "overall_median_gap_ms": float(gaps["median"]),
        "overall_min_gap_ms": float(gaps["min"]),
        "overall_max_gap_ms": float(gaps["max"]),
        "average_of_file_averages_ms": float(per_file["average_gap_ms"].to_numpy(np.float64).mean()),
        "variability_ratio": ratio,
        "variability": variability_class(ratio),
    }


def stats_from_counts(values, counts, quantiles=QUANTILES) -> dict:
    """count, mean, min, max and quantiles of a column given as its distinct values and how
    often each occurs: the figures `summarize_values` gives for the whole column.

    Quantiles interpolate linearly between the values at ranks ``floor(q (n - 1))``
    and ``ceil(q (n - 1))``, as `summarize_values` does over the sorted column, and
    ``"median"`` is the mean of the two middle values; the mean is the exact integer sum
    over the count. So figures built from value counts merged across machines
    (`turntune_nb.dataset`) equal those from the whole column in memory.

    Examples
    --------
    >>> s = stats_from_counts([100, 300, 500], [1, 2, 1])  # 100, 300, 300, 500
    >>> s["count"], s["mean_ms"], s["median_ms"], s["p10_ms"], s["median"]
    (4, 300.0, 300.0, 160.0, 300.0)
    """
    values, counts = np.asarray(values), np.asarray(counts, np.int64)
    keep = counts > 0
    values, counts = values[keep], counts[keep]
    order = np.argsort(values, kind="stable")
    values, counts = values[order], counts[order]
    n = int(counts.sum())
    out = {"count": n}
    if not n:
        return {**out, **dict.fromkeys(("mean_ms", "min_ms", "max_ms", "median", *quantiles), np.nan)}
    cum = np.cumsum(counts)
    v = values.astype(np.float64)

    def at(rank):  # the value at 0-based rank `rank` of the sorted column
        return v[np.searchsorted(cum, np.asarray(rank) + 1)]

    total = (values.astype(np.int64) * counts).sum() if values.dtype.kind in "iu" else (v * counts).sum()
    out["mean_ms"] = float(total) / n
    out["min_ms"], out["max_ms"] = float(v[0]), float(v[-1])
    for name, q in quantiles.items():
        pos = q * max(n - 1, 0)
        lo, hi = at(int(np.floor(pos))), at(int(np.ceil(pos)))
        out[name] = float(lo + (hi - lo) * (pos - np.floor(pos)))
    out["median"] = (float(at((n - 1) // 2)) + float(at(n // 2))) / 2
    return out


# --------------------------------------------------------------------------- summaries of transitions
def _kind_codes(kinds: pd.Series) -> np.ndarray:
    """Each row's index into `KINDS` (-1 for anything else)."""
    if isinstance(kinds.dtype, pd.CategoricalDtype):
        lookup = np.array([C.KINDS.index(k) if k in C.KINDS else -1 for k in kinds.cat.categories] + [-1], np.int64)
        return lookup[kinds.cat.codes.to_numpy(np.int64)]  # code -1 (missing) reads the last entry, -1
    codes, uniques = pd.factorize(kinds, sort=False)
    lookup = np.array([C.KINDS.index(k) if k in C.KINDS else -1 for k in uniques] + [-1], np.int64)
    return lookup[codes]


def summarize_transitions(transitions: pd.DataFrame) -> pd.DataFrame:
    """Counts, shares and offset statistics per file and kind, with an all-files row.

    Every (file, kind) pair appears, in file order (a categorical's categories, else
    first appearance) and `KINDS` order, with count 0 where absent; the all-files rows
    come last. ``share`` is the kind's share of all transitions in that file;
    ``share_of_speaker_changes`` is, for gaps and overlaps, the share among speaker
    changes (gaps + overlaps), the figure the literature reports for overlaps.

    Each row's group is its file's code times the number of kinds plus its kind's, so
    the statistics come out already in the table's order (no keys cast, no tuples).
    """
    nk = len(C.KINDS)
    file_col = transitions[C.FILE]
    if isinstance(file_col.dtype, pd.CategoricalDtype):
        fcodes, files = file_col.cat.codes.to_numpy(np.int64), [*file_col.cat.categories]
    else:
        files = [*pd.unique(file_col)]
        fcodes = pd.factorize(file_col, sort=False)[0].astype(np.int64, copy=False)
    kcodes = _kind_codes(transitions[C.KIND])
    values = transitions[C.OFFSET_MS].to_numpy()
    ok = kcodes >= 0
    per_file = ok & (fcodes >= 0)
    nf = len(files)
    stats = _sorted_group_stats(fcodes[per_file] * nk + kcodes[per_file], values[per_file], nf * nk)
    totals = _sorted_group_stats(kcodes[ok], values[ok], nk)
    summary = pd.DataFrame({k: np.concatenate([stats[k], totals[k]]) for k in stats},
                           index=pd.MultiIndex.from_product([[*files, ALL_FILES], list(C.KINDS)],
                                                            names=[C.FILE, C.KIND]))
    return _insert_shares(summary.reset_index(), nf + 1)


def _insert_shares(summary: pd.DataFrame, nfiles: int) -> pd.DataFrame:
    """`summarize_transitions`' ``share`` and ``share_of_speaker_changes`` columns, for a table of
    `nfiles` files x `KINDS` rows in that order."""
    nk = len(C.KINDS)
    counts = summary["count"].to_numpy(np.int64).reshape(nfiles, nk)
    file_totals = np.repeat(counts.sum(axis=1), nk)
    changes = np.isin(np.arange(nk), [C.KINDS.index(C.GAP), C.KINDS.index(C.OVERLAP)])
    change_totals = np.repeat(counts[:, changes].sum(axis=1), nk)
    count = summary["count"].to_numpy(float)
    summary.insert(3, "share", np.where(file_totals > 0, count / np.maximum(file_totals, 1), np.nan))
    summary.insert(4, "share_of_speaker_changes",
                   np.where(np.tile(changes, nfiles) & (change_totals > 0), count / np.maximum(change_totals, 1),
                            np.nan))
    return summary


_STATS = ("count", "mean_ms", "min_ms", "max_ms", *QUANTILES)


def transition_totals(stats_by_kind: dict) -> pd.DataFrame:
    """The all-files rows of `summarize_transitions` from each kind's figures over all files
    (as `stats_from_counts` gives them; a kind left out has none), shares included.

    Examples
    --------
    >>> rows = transition_totals({"gap": stats_from_counts([100, 300], [3, 1]),
    ...                           "overlap": stats_from_counts([-50], [1])})
    >>> rows[["kind", "count", "share", "share_of_speaker_changes"]].values.tolist()[:2]
    [['gap', 4, 0.8, 0.8], ['overlap', 1, 0.2, 0.2]]
    """
    empty = {"count": 0, **dict.fromkeys(_STATS[1:], np.nan)}
    columns = {name: [stats_by_kind.get(kind, empty)[name] for kind in C.KINDS] for name in _STATS}
    summary = pd.DataFrame({"count": np.asarray(columns["count"], np.int64),
                            **{name: np.asarray(columns[name], np.float64) for name in _STATS[1:]}},
                           index=pd.MultiIndex.from_product([[ALL_FILES], list(C.KINDS)], names=[C.FILE, C.KIND]))
    return _insert_shares(summary.reset_index(), 1)


def floor_transfer_offsets(transitions: pd.DataFrame) -> pd.DataFrame:
    """Floor-transfer offsets: gaps and overlaps on one signed axis, per file and overall.

    ``offset_ms`` is the next speaker's start minus the floor holder's end:
    positive for a gap, negative for an overlap. Backchannels (``contained``) and
    same-speaker pauses are not floor transfers and are left out.

    Returns
    -------
    DataFrame
        file (with an ``"(all files)"`` row), count, mean_ms, min_ms, max_ms,
        p10_ms, median_ms, p90_ms, p95_ms, overlap_share.

    Examples
    --------
    >>> from turntune_nb.analysis.model import Transcript, Utterance
    >>> t = Transcript("f", [Utterance("A", 0, 1000), Utterance("B", 1200, 2000), Utterance("A", 1900, 3000)])
    >>> fto = floor_transfer_offsets(compute_transitions(t.to_frame()))
    >>> int(fto.loc[0, "count"]), float(fto.loc[0, "mean_ms"]), float(fto.loc[0, "median_ms"])
    (2, 50.0, 50.0)
    """
    ft = transitions[transitions[C.KIND].isin([C.GAP, C.OVERLAP])]
    out = summarize_values(ft, C.OFFSET_MS, by=(C.FILE,))
    codes, names = _key_codes(ft[C.FILE])
    has = codes >= 0
    n = np.bincount(codes[has], minlength=len(names))
    neg = np.bincount(codes[has], weights=(ft[C.OFFSET_MS].to_numpy() < 0)[has], minlength=len(names))
    seen = n > 0
    share = out[C.FILE].map(pd.Series(neg[seen] / n[seen], index=pd.Index(names, dtype=object)[seen]))
    if len(ft):
        share = share.where(out[C.FILE] != ALL_FILES, float((ft[C.OFFSET_MS] < 0).mean()))
    out["overlap_share"] = share.astype(float)
    return out
