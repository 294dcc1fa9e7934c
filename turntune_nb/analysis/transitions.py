"""Transitions: who follows whom, and how (gap, overlap, pause, backchannel).

A speaker's own segments that touch or lie at most `MERGE_MS` apart are merged
first. Each segment is then paired with its *predecessor*: the earlier-starting
segment that ends last (on a tie, the earliest of them, the floor holder). The pair
is a ``gap`` (another speaker starts at or after the end), an ``overlap`` (another
speaker starts before the end and goes on past it), a ``pause`` (the same speaker
again) or ``contained`` (another speaker's segment lies wholly inside the
predecessor: a backchannel, not a change of floor).

Identical segments of two speakers are ordered by speaker name, never by line order,
so the same conversation gives the same transitions whatever order its lines came in.

`merge_and_link` and `classify` are the steps `compute_transitions` is built of;
`turntune_nb.analysis.turns` reads pauses inside turns and turn ends off the same
links. Vectorised: nothing loops over rows in Python, nothing mutates its input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import columns as C

__all__ = ("MERGE_MS", "compute_transitions")

#: A speaker's own segments this close (or overlapping) are one segment.
MERGE_MS = 10


def file_codes(series: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes and names of a column, categorical order kept when it has one."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(np.int64), list(series.cat.categories)
    codes, uniques = pd.factorize(series, sort=False)
    return codes.astype(np.int64, copy=False), list(uniques)


def speaker_codes(series: pd.Series) -> tuple[np.ndarray, list]:
    """Codes of a speaker column and their names, sorted as text (a categorical coded from its categories)."""
    if isinstance(series.dtype, pd.CategoricalDtype) and not (series.cat.codes < 0).any():
        names, inverse = np.unique(np.asarray(series.cat.categories.astype(str), object), return_inverse=True)
        return inverse.astype(np.int64)[series.cat.codes.to_numpy(np.int64)], list(names)
    codes, uniques = pd.factorize(series.astype(str), sort=True)
    return codes.astype(np.int64), list(uniques)


def speaker_column(codes: np.ndarray, names: list) -> pd.Categorical:
    """A speaker column: categorical over `names` (one set per table), code -1 for none (NaN)."""
    return pd.Categorical.from_codes(np.asarray(codes, np.int64), categories=pd.Index(names, dtype=object))


def _ints(series: pd.Series) -> np.ndarray:
    return series.to_numpy(np.int64)


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


def merge_and_link(utterances: pd.DataFrame, merge_ms: int = MERGE_MS) -> dict:
    """Merge each speaker's touching segments, then link each merged segment to its
    predecessor. Returns a dict of aligned arrays over merged segments, sorted by
    (file, start, end), with ``pred`` (-1 for none) and ``last_row`` (the row of
    `utterances` whose end is the merged segment's end)."""
    fcodes, fnames = file_codes(utterances[C.FILE])
    # speakers coded in name order, so ties between identical segments break the
    # same way whatever order the lines came in
    scodes, snames = speaker_codes(utterances[C.SPEAKER])
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


def classify(m) -> tuple[np.ndarray, np.ndarray]:
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
    m = merge_and_link(utterances, merge_ms)
    rows, kind = classify(m)
    p = m["pred"][rows]
    return pd.DataFrame(
        {
            C.FILE: pd.Categorical.from_codes(m["file"][rows], categories=m["file_names"]),
            C.KIND: pd.Categorical.from_codes(kind, categories=list(C.KINDS)),
            C.PREV_SPEAKER: speaker_column(m["speaker"][p], m["speaker_names"]),
            C.SPEAKER: speaker_column(m["speaker"][rows], m["speaker_names"]),
            C.PREV_START_MS: m["start"][p],
            C.PREV_END_MS: m["end"][p],
            C.START_MS: m["start"][rows],
            C.END_MS: m["end"][rows],
            C.OFFSET_MS: m["start"][rows] - m["end"][p],
        }
    )
