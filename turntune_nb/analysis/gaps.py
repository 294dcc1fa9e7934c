"""Turn-taking math: the guide's gap statistics, classified transitions, pauses, turn ends.

All functions take utterance tables (see `turntune_nb.analysis.columns`) and return new
DataFrames; nothing here loops over rows in Python, does I/O, or mutates inputs.

Two views of the same conversation are computed:

* **The guide's statistics** (`guide_statistics`), exactly as AssemblyAI's
  multi-file gap-analysis guide defines them: gaps between *consecutive*
  utterances in start order, ``next.start - prev.end``, keeping the positive ones.
  The guide's "median" is ``sorted(x)[n // 2]``, the upper middle element when the
  count is even; this module reports the true median (the mean of the two middle
  elements), which is what the word means.
* **Transitions** (`compute_transitions`), which keep what the guide drops. A
  speaker's own segments that touch or lie at most `MERGE_MS` apart are merged
  first. Each segment is then paired with its *predecessor*: the earlier-starting
  segment that ends last (on a tie, the earliest of them, the floor holder). The
  pair is a ``gap`` (another speaker starts at or after the end), an ``overlap``
  (another speaker starts before the end and goes on past it), a ``pause`` (the
  same speaker again) or ``contained`` (another speaker's segment lies wholly inside
  the predecessor: a backchannel, not a change of floor).

Pauses inside turns (`compute_pauses`) come from word timings when there are words
(the silence between consecutive words of an utterance, with the word before it),
plus the same-speaker ``pause`` transitions between utterances. Turn ends
(`compute_turn_ends`) are the predecessors of ``gap`` and ``overlap`` transitions and
the last segment of each file, with the silence until the next speaker starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import columns as C
from .model import TERMINAL_PUNCTUATION

__all__ = (
    "MERGE_MS",
    "QUANTILES",
    "compute_guide_gaps",
    "guide_statistics",
    "variability_class",
    "compute_transitions",
    "summarize_transitions",
    "compute_pauses",
    "compute_turn_ends",
    "summarize_values",
    "floor_transfer_offsets",
)

#: A speaker's own segments this close (or overlapping) are one segment.
MERGE_MS = 10
#: Quantiles reported in summaries, with their column names.
QUANTILES = {"p10_ms": 0.10, "median_ms": 0.50, "p90_ms": 0.90, "p95_ms": 0.95}
ALL_FILES = "(all files)"


# --------------------------------------------------------------------------- helpers
def _codes(series: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes and names of a column, categorical order kept when it has one."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(np.int64), list(series.cat.categories)
    codes, uniques = pd.factorize(series, sort=False)
    return codes.astype(np.int64, copy=False), list(uniques)


def _speaker_codes(series: pd.Series) -> tuple[np.ndarray, list]:
    """Codes of a speaker column and their names, sorted as text (a categorical coded from its categories)."""
    if isinstance(series.dtype, pd.CategoricalDtype) and not (series.cat.codes < 0).any():
        names, inverse = np.unique(np.asarray(series.cat.categories.astype(str), object), return_inverse=True)
        return inverse.astype(np.int64)[series.cat.codes.to_numpy(np.int64)], list(names)
    codes, uniques = pd.factorize(series.astype(str), sort=True)
    return codes.astype(np.int64), list(uniques)


def _speakers(codes: np.ndarray, names: list) -> pd.Categorical:
    """A speaker column: categorical over `names` (one set per table), code -1 for none (NaN)."""
    return pd.Categorical.from_codes(np.asarray(codes, np.int64), categories=pd.Index(names, dtype=object))


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


def _running_argmax(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each position, the index of the first element attaining the running
    maximum of `values` within its group. `group` must be sorted (nondecreasing)."""
    n = len(values)
    if n == 0:
        return np.empty(0, np.int64)
    lo = values.min()
    span = values.max() - lo + 1
    off = (values - lo) + group * span
    prev = np.maximum.accumulate(off)
    new = np.empty(n, bool)
    new[0] = True
    new[1:] = off[1:] > prev[:-1]
    return np.maximum.accumulate(np.where(new, np.arange(n), 0))


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
        pos = first + q * np.maximum(n - 1, 0)
        lo = np.minimum(np.floor(pos).astype(np.int64), len(v) - 1)
        hi = np.minimum(np.ceil(pos).astype(np.int64), len(v) - 1)
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


def summarize_values(frame: pd.DataFrame, value: str, by=(C.FILE,), overall: bool = True) -> pd.DataFrame:
    """count, mean, min, max, p10, median, p90, p95 of a column per group.

    With ``overall=True`` a row labelled ``"(all files)"`` in the first key is added
    for every combination of the other keys.
    """
    by = list(by)
    keys = frame[by].astype("object")
    if overall:
        keys_all = keys.copy()
        keys_all[by[0]] = ALL_FILES
        keys = pd.concat([keys, keys_all], ignore_index=True)
        vals = np.concatenate([frame[value].to_numpy(), frame[value].to_numpy()])
    else:
        vals = frame[value].to_numpy()
    idx = pd.MultiIndex.from_frame(keys) if len(by) > 1 else pd.Index(keys[by[0]])
    codes, uniques = pd.factorize(idx, sort=False)
    stats = _sorted_group_stats(codes.astype(np.int64), vals, len(uniques))
    result = pd.DataFrame(stats)
    if len(by) > 1:
        result.index = pd.MultiIndex.from_tuples(list(uniques), names=by)
    else:
        result.index = pd.Index(list(uniques), name=by[0])
    return result.reset_index()


# --------------------------------------------------------------------------- the guide
def _guide_gap_arrays(utterances: pd.DataFrame):
    """(file codes, gaps, file names, utterances per file) for the guide's gaps."""
    codes, names = _codes(utterances[C.FILE])
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
    if len(all_gaps):
        avg = float(all_gaps.mean())
        ratio = float(all_gaps.max()) / avg
        overall = {
            "total_files_analyzed": int(len(per_file)),
            "total_utterances": int(per_file["total_utterances"].sum()),
            "total_gaps": int(len(all_gaps)),
            "overall_average_gap_ms": avg,
            "overall_median_gap_ms": float(_median(all_gaps)),
            "overall_min_gap_ms": float(all_gaps.min()),
            "overall_max_gap_ms": float(all_gaps.max()),
            "average_of_file_averages_ms": float(stats["mean_ms"][ok].mean()),
            "variability_ratio": ratio,
            "variability": variability_class(ratio),
        }
    else:
        overall = {
            "total_files_analyzed": 0,
            "total_utterances": 0,
            "total_gaps": 0,
            "overall_average_gap_ms": None,
            "overall_median_gap_ms": None,
            "overall_min_gap_ms": None,
            "overall_max_gap_ms": None,
            "average_of_file_averages_ms": None,
            "variability_ratio": None,
            "variability": variability_class(None),
        }
    return per_file, overall, skipped


# --------------------------------------------------------------------------- transitions
def _merge_and_link(utterances: pd.DataFrame, merge_ms: int = MERGE_MS):
    """Merge each speaker's touching segments, then link each merged segment to its
    predecessor. Returns a dict of aligned arrays over merged segments, sorted by
    (file, start, end), with ``pred`` (-1 for none) and ``last_row`` (the row of
    `utterances` whose end is the merged segment's end)."""
    fcodes, fnames = _codes(utterances[C.FILE])
    # speakers coded in name order, so ties between identical segments break the
    # same way whatever order the lines came in
    scodes, snames = _speaker_codes(utterances[C.SPEAKER])
    start, end = _ints(utterances[C.START_MS]), _ints(utterances[C.END_MS])
    n = len(start)
    nspk = max(len(snames), 1)
    # 1. merge per (file, speaker)
    order = np.lexsort((end, start, scodes, fcodes))
    g = fcodes[order] * nspk + scodes[order]
    s, e = start[order], end[order]
    if n:
        span = int(e.max()) + 1
        running_end = np.maximum.accumulate(e + g * span) - g * span
        new_block = np.empty(n, bool)
        new_block[0] = True
        new_block[1:] = (g[1:] != g[:-1]) | (s[1:] > running_end[:-1] + merge_ms)
        first = np.flatnonzero(new_block)
        last = np.concatenate((first[1:], [n])) - 1
        m_end = np.maximum.reduceat(e, first)
        block = np.cumsum(new_block) - 1
        argmax_pos = _running_argmax(block, e)[last]
        m = {
            "file": fcodes[order][first],
            "speaker": scodes[order][first],
            "start": s[first],
            "end": m_end,
            "last_row": order[argmax_pos],
        }
    else:
        block = np.empty(0, np.int64)
        m = {k: np.empty(0, np.int64) for k in ("file", "speaker", "start", "end", "last_row")}
    # 2. sort merged segments by (file, start, end) and link
    o2 = np.lexsort((m["speaker"], m["end"], m["start"], m["file"]))
    m = {k: v[o2] for k, v in m.items()}
    # each row of `utterances` -> the merged segment it is part of (in the new order)
    new_pos = np.empty(len(o2), np.int64)
    new_pos[o2] = np.arange(len(o2))
    row_seg = np.empty(n, np.int64)
    row_seg[order] = new_pos[block]
    k = len(m["start"])
    ram = _running_argmax(m["file"], m["end"])
    pred = np.full(k, -1, np.int64)
    if k > 1:
        same_file = m["file"][1:] == m["file"][:-1]
        pred[1:] = np.where(same_file, ram[:-1], -1)
    m["pred"] = pred
    # the segment holding the floor at each file's end: running argmax at the file's last row
    is_file_last = np.ones(k, bool)
    if k > 1:
        is_file_last[:-1] = m["file"][1:] != m["file"][:-1]
    m["file_final"] = ram[is_file_last]
    m["file_names"], m["speaker_names"] = fnames, snames
    m["row_seg"] = row_seg
    return m


def _classify(m) -> tuple[np.ndarray, np.ndarray]:
    """Rows that have a predecessor, and their kind codes (index into KINDS)."""
    rows = np.flatnonzero(m["pred"] >= 0)
    p = m["pred"][rows]
    offset = m["start"][rows] - m["end"][p]
    same = m["speaker"][rows] == m["speaker"][p]
    contained = m["end"][rows] <= m["end"][p]
    kind = np.where(
        same, C.KINDS.index(C.PAUSE),
        np.where(offset >= 0, C.KINDS.index(C.GAP),
                 np.where(contained, C.KINDS.index(C.CONTAINED), C.KINDS.index(C.OVERLAP))),
    )
    return rows, kind


def compute_transitions(utterances: pd.DataFrame, merge_ms: int = MERGE_MS) -> pd.DataFrame:
    """One row per segment that has a predecessor, classified.

    Parameters
    ----------
    utterances : DataFrame
        An utterance table (file, speaker, start_ms, end_ms).
    merge_ms : int
        A speaker's own segments at most this far apart are merged first.

    Returns
    -------
    DataFrame
        file, kind, prev_speaker, speaker, prev_start_ms, prev_end_ms, start_ms,
        end_ms, offset_ms (``start_ms - prev_end_ms``; negative for overlaps).

    Examples
    --------
    >>> from turntune_nb.analysis.model import Transcript, Utterance
    >>> t = Transcript("f", [Utterance("A", 0, 5000), Utterance("B", 1000, 1500),
    ...                      Utterance("A", 5600, 7000), Utterance("B", 6500, 9000)])
    >>> compute_transitions(t.to_frame())[["kind", "offset_ms"]].values.tolist()
    [['contained', -4000], ['pause', 600], ['overlap', -500]]
    """
    m = _merge_and_link(utterances, merge_ms)
    rows, kind = _classify(m)
    p = m["pred"][rows]
    return pd.DataFrame(
        {
            C.FILE: pd.Categorical.from_codes(m["file"][rows], categories=m["file_names"]),
            C.KIND: pd.Categorical.from_codes(kind, categories=list(C.KINDS)),
            C.PREV_SPEAKER: _speakers(m["speaker"][p], m["speaker_names"]),
            C.SPEAKER: _speakers(m["speaker"][rows], m["speaker_names"]),
            C.PREV_START_MS: m["start"][p],
            C.PREV_END_MS: m["end"][p],
            C.START_MS: m["start"][rows],
            C.END_MS: m["end"][rows],
            C.OFFSET_MS: m["start"][rows] - m["end"][p],
        }
    )


def summarize_transitions(transitions: pd.DataFrame) -> pd.DataFrame:
    """Counts, shares and offset statistics per file and kind, with an all-files row.

    ``share`` is the kind's share of all transitions in that file;
    ``share_of_speaker_changes`` is, for gaps and overlaps, the share among speaker
    changes (gaps + overlaps), the figure the literature reports for overlaps.
    """
    summary = summarize_values(transitions, C.OFFSET_MS, by=(C.FILE, C.KIND))
    # every (file, kind) pair appears, with count 0 where absent
    files = [*transitions[C.FILE].cat.categories, ALL_FILES] if isinstance(
        transitions[C.FILE].dtype, pd.CategoricalDtype) else [*pd.unique(transitions[C.FILE]), ALL_FILES]
    full = pd.MultiIndex.from_product([files, list(C.KINDS)], names=[C.FILE, C.KIND])
    summary = summary.set_index([C.FILE, C.KIND]).reindex(full)
    summary["count"] = summary["count"].fillna(0).astype(np.int64)
    summary = summary.reset_index()
    totals = summary.groupby(C.FILE, sort=False)["count"].transform("sum")
    summary.insert(3, "share", np.where(totals > 0, summary["count"] / totals.where(totals > 0, 1), np.nan))
    changes = summary[C.KIND].isin([C.GAP, C.OVERLAP])
    change_totals = summary["count"].where(changes, 0).groupby(summary[C.FILE], sort=False).transform("sum")
    summary.insert(
        4, "share_of_speaker_changes",
        np.where(changes & (change_totals > 0), summary["count"] / change_totals.where(change_totals > 0, 1), np.nan),
    )
    return summary


# --------------------------------------------------------------------------- pauses and turn ends
def _last_words(utterances: pd.DataFrame, words: pd.DataFrame | None) -> np.ndarray:
    """The text of each utterance's last word ("" when it has no words)."""
    out = np.full(len(utterances), "", dtype=object)
    if words is not None and len(words):
        w = words.sort_values([C.UTTERANCE, C.END_MS, C.START_MS], kind="stable")
        last = w.drop_duplicates(C.UTTERANCE, keep="last")
        out[last[C.UTTERANCE].to_numpy(np.int64)] = last[C.TEXT].to_numpy(object)
    return out


def _terminal(texts) -> np.ndarray:
    s = pd.Series(texts, dtype="object").fillna("").str.rstrip()
    return s.str.endswith(TERMINAL_PUNCTUATION).to_numpy(bool)


def _row_channels(utterances: pd.DataFrame, rows: np.ndarray) -> pd.array:
    """The ``channel`` of the given utterance rows (NA where unknown or absent)."""
    if C.CHANNEL in utterances:
        return pd.array(utterances[C.CHANNEL].to_numpy(object)[rows], dtype="Int64")
    return pd.array(np.full(len(rows), pd.NA, dtype=object), dtype="Int64")


def compute_pauses(utterances: pd.DataFrame, words: pd.DataFrame | None = None,
                   merge_ms: int = MERGE_MS) -> pd.DataFrame:
    """Silences inside speakers' turns.

    From word timings (``level = "words"``): the silence between consecutive words
    of one utterance, with the word before it and whether that word ends in
    ``.``, ``?`` or ``!``. Words that overlap leave no silence between them: a
    silence starts at the latest end of the words so far, and the word before it
    is the one that ended there. Silences of at most `merge_ms` between words are
    not pauses, as segments that close are merged (word timings keep 1-10 ms
    slivers a segmentation would not). From segments: every ``pause`` transition
    (the same speaker again with nobody taking the floor between); its level is
    ``"words"`` when the utterance before it has words (the word before is then
    known), else ``"segments"`` (terminal unknown).

    ``floor_speaker`` is who holds the floor where the pause lies: the pausing
    speaker, except inside a backchannel (a ``contained`` segment), where it is
    the speaker whose talk contains it. ``channel`` is the pausing utterance's
    audio channel (NA when unknown).

    Parameters
    ----------
    utterances : DataFrame
        Utterance table.
    words : DataFrame, optional
        Word table whose ``utterance`` column is the row position in `utterances`
        (as `turntune_nb.analysis.model.words_to_frame` makes it).
    merge_ms : int
        Silences of at most this many ms are not pauses.

    Examples
    --------
    >>> from turntune_nb.analysis.model import Transcript, Utterance, Word
    >>> u = Utterance("A", 0, 900, "a b c", (Word("a", 0, 200), Word("b", 208, 400), Word("c", 700, 900)))
    >>> t = Transcript("f", [u])
    >>> compute_pauses(t.to_frame(), t.words_frame())["pause_ms"].tolist()
    [300]
    """
    cols = [C.FILE, C.SPEAKER, C.UTTERANCE, C.START_MS, C.END_MS, C.PAUSE_MS, C.WORD_BEFORE, C.TERMINAL, C.LEVEL,
            C.FLOOR_SPEAKER, C.CHANNEL]
    fcodes, fnames = _codes(utterances[C.FILE])
    m = _merge_and_link(utterances, merge_ms)
    rows, kind = _classify(m)
    snames = m["speaker_names"]
    # the floor holder of each merged segment: its own speaker, or its predecessor's when contained
    floor_code = m["speaker"].copy()
    inside = rows[kind == C.KINDS.index(C.CONTAINED)]
    floor_code[inside] = m["speaker"][m["pred"][inside]]
    parts = []
    if words is not None and len(words):
        w = words.sort_values([C.UTTERANCE, C.START_MS, C.END_MS], kind="stable")
        utt = w[C.UTTERANCE].to_numpy(np.int64)
        ws, we = _ints(w[C.START_MS]), _ints(w[C.END_MS])
        texts = w[C.TEXT].to_numpy(object)
        span = int(we.max()) + 1
        running = np.maximum.accumulate(we + utt * span)
        running_end = running - utt * span
        # when words overlap, the silence starts at the latest end so far: the word
        # before it is the last word (in start order) that ends there
        ends_there = np.maximum.accumulate(np.where(we + utt * span == running, np.arange(len(we)), 0))
        pause = ws[1:] - running_end[:-1]
        keep = (utt[1:] == utt[:-1]) & (pause > merge_ms)
        u = utt[1:][keep]
        before = texts[ends_there[:-1][keep]]
        parts.append(pd.DataFrame({
            C.FILE: fcodes[u], C.SPEAKER: _speakers(m["speaker"][m["row_seg"][u]], snames), C.UTTERANCE: u,
            C.START_MS: running_end[:-1][keep], C.END_MS: ws[1:][keep], C.PAUSE_MS: pause[keep],
            C.WORD_BEFORE: before, C.TERMINAL: pd.array(_terminal(before), dtype="boolean"),
            C.LEVEL: C.WORD_LEVEL,
            C.FLOOR_SPEAKER: _speakers(floor_code[m["row_seg"][u]], snames),
            C.CHANNEL: _row_channels(utterances, u),
        }))
    sel = rows[kind == C.KINDS.index(C.PAUSE)]
    if len(sel):
        p = m["pred"][sel]
        prev_row = m["last_row"][p]
        last_words = _last_words(utterances, words)[prev_row]
        has_word = last_words != ""
        term = pd.array(np.where(has_word, _terminal(last_words), False), dtype="boolean")
        term[~has_word] = pd.NA
        parts.append(pd.DataFrame({
            C.FILE: m["file"][sel], C.SPEAKER: _speakers(m["speaker"][sel], snames),
            C.UTTERANCE: prev_row, C.START_MS: m["end"][p], C.END_MS: m["start"][sel],
            C.PAUSE_MS: m["start"][sel] - m["end"][p], C.WORD_BEFORE: last_words, C.TERMINAL: term,
            C.LEVEL: np.where(has_word, C.WORD_LEVEL, C.SEGMENT_LEVEL),
            C.FLOOR_SPEAKER: _speakers(floor_code[sel], snames),
            C.CHANNEL: _row_channels(utterances, prev_row),
        }))
    if not parts:
        empty = pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
        empty[C.FILE] = pd.Categorical([], categories=fnames)
        empty[C.SPEAKER] = empty[C.FLOOR_SPEAKER] = _speakers(np.empty(0, np.int64), snames)
        empty[C.WORD_BEFORE], empty[C.LEVEL] = empty[C.WORD_BEFORE].astype(object), empty[C.LEVEL].astype(object)
        empty[C.TERMINAL] = empty[C.TERMINAL].astype("boolean")
        empty[C.CHANNEL] = empty[C.CHANNEL].astype("Int64")
        return empty[cols]
    out = pd.concat(parts, ignore_index=True).sort_values([C.FILE, C.START_MS], kind="stable")
    out[C.FILE] = pd.Categorical.from_codes(out[C.FILE].to_numpy(np.int64), categories=fnames)
    return out[cols].reset_index(drop=True)


def compute_turn_ends(utterances: pd.DataFrame, words: pd.DataFrame | None = None,
                      merge_ms: int = MERGE_MS) -> pd.DataFrame:
    """Where turns end, and how long until the next speaker starts.

    A turn ends at each predecessor of a ``gap`` or ``overlap`` transition and at
    the segment holding the floor at the end of each file. ``silence_after_ms`` is
    the next speaker's start minus the end (negative when they overlapped; NaN at
    the end of the file); an endpointer that fires later than that would have been
    talked over. ``last_word`` and ``terminal`` come from word timings when present.
    """
    m = _merge_and_link(utterances, merge_ms)
    rows, kind = _classify(m)
    change = (kind == C.KINDS.index(C.GAP)) | (kind == C.KINDS.index(C.OVERLAP))
    nxt = rows[change]
    ends = np.concatenate([m["pred"][nxt], m["file_final"]])
    silence = np.concatenate([(m["start"][nxt] - m["end"][m["pred"][nxt]]).astype(float), np.full(len(m["file_final"]), np.nan)])
    next_spk = np.concatenate([m["speaker"][nxt], np.full(len(m["file_final"]), -1, dtype=np.int64)])
    last_row = m["last_row"][ends]
    last_words = _last_words(utterances, words)[last_row]
    has_word = last_words != ""
    term = pd.array(np.where(has_word, _terminal(last_words), False), dtype="boolean")
    term[~has_word] = pd.NA
    out = pd.DataFrame({
        C.FILE: m["file"][ends],
        C.SPEAKER: _speakers(m["speaker"][ends], m["speaker_names"]),
        C.UTTERANCE: last_row,
        C.END_MS: m["end"][ends],
        C.LAST_WORD: last_words,
        C.TERMINAL: term,
        C.NEXT_SPEAKER: _speakers(next_spk, m["speaker_names"]),
        C.SILENCE_AFTER_MS: silence,
        C.LEVEL: np.where(has_word, C.WORD_LEVEL, C.SEGMENT_LEVEL),
        C.CHANNEL: _row_channels(utterances, last_row),
    }).sort_values([C.FILE, C.END_MS], kind="stable")
    out[C.FILE] = pd.Categorical.from_codes(out[C.FILE].to_numpy(np.int64), categories=m["file_names"])
    return out.reset_index(drop=True)


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
    neg = (ft[C.OFFSET_MS] < 0).groupby(ft[C.FILE].astype(object), sort=False).mean()
    share = out[C.FILE].map(neg)
    if len(ft):
        share = share.where(out[C.FILE] != ALL_FILES, float((ft[C.OFFSET_MS] < 0).mean()))
    out["overlap_share"] = share.astype(float)
    return out
