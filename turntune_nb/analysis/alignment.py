"""Measured endpointing: which silence of the truth each fired end of turn belongs to.

`turntune_nb.replay` streams recordings through a real endpointer; this module
scores what came back against the recording's transcript, with the same
definitions as `turntune_nb.analysis.metrics` (holds of at least `HOLD_MIN_MS`,
latency after the true end of turn, interruptions), so that measured and
simulated figures can stand side by side. Pure: arrays and DataFrames in and out.

Alignment: a final turn fired at audio time ``f`` whose speech ended at ``e`` (the
turn's ``end_ms``) belongs to the side's silence (a hold, a shorter pause, or a
turn end) that starts nearest to ``e`` among those starting at or before ``f``,
within `ALIGN_TOLERANCE_MS`; a turn with no ``end_ms`` takes the latest silence
starting at or before ``f``. A hold is **cut** when a turn fired in it; a turn
end's **latency** is its first fire minus the true end; a turn end no fire belongs
to is **missed** (counted apart, not in latency); a fire that belongs to no
silence (inside true speech, or in a pause under 100 ms) is an ``other_fire``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import columns as C
from .metrics import HOLD_MIN_MS

__all__ = ("ALIGN_TOLERANCE_MS", "MEASURED_COLUMNS", "align_fires", "measure_fires", "latency_summary")

#: A fire belongs to a silence starting at most this far from the turn's speech end.
ALIGN_TOLERANCE_MS = 250
#: Measured figures per file, in `measure_fires`' output.
MEASURED_COLUMNS = ("holds", "cuts", "cutoff_rate", "turn_ends", "fired", "missed", "latency_mean_ms",
                    "latency_p50_ms", "latency_p90_ms", "interrupted", "other_fires")


def align_fires(boundary_file, boundary_start, fire_file, fire_ms, fire_end_ms=None,
                tolerance_ms: int = ALIGN_TOLERANCE_MS) -> np.ndarray:
    """The silence each fire belongs to: an index into the boundaries, or -1.

    Parameters
    ----------
    boundary_file, boundary_start : arrays
        The side's silences (file code, start ms), in any order.
    fire_file, fire_ms : arrays
        Each final turn's file code and fire time.
    fire_end_ms : array, optional
        Each final turn's speech end (NaN or absent: unknown).

    Examples
    --------
    >>> align_fires([0, 0, 0], [1000, 3000, 5000], [0, 0, 0], [1500, 3900, 2900], [1000, 3050, 2000]).tolist()
    [0, 1, -1]
    """
    bf, bs = np.asarray(boundary_file, np.int64), np.asarray(boundary_start, np.int64)
    ff, fm = np.asarray(fire_file, np.int64), np.asarray(fire_ms, np.int64)
    end = np.full(len(fm), np.nan) if fire_end_ms is None else np.asarray(fire_end_ms, float)
    if not len(fm) or not len(bs):
        return np.full(len(fm), -1, np.int64)
    span = int(max(bs.max(), fm.max(), np.nanmax(np.append(end, 0)))) + tolerance_ms + 2
    order = np.argsort(bf * span + bs, kind="stable")
    keys = (bf * span + bs)[order]
    known = ~np.isnan(end)
    anchor = np.where(known, np.nan_to_num(end), fm).astype(np.int64)
    last = np.searchsorted(keys, ff * span + fm, side="right") - 1  # latest silence starting at or before the fire
    j = np.searchsorted(keys, ff * span + anchor, side="left")
    cands = np.stack([j - 1, j])
    cands = np.where(cands > last[None, :], last[None, :], cands)
    ok = (cands >= 0) & (keys[np.clip(cands, 0, len(keys) - 1)] // span == ff[None, :])
    far = np.abs(keys[np.clip(cands, 0, len(keys) - 1)] - (ff * span + anchor)[None, :])
    dist = np.where(ok, far, np.iinfo(np.int64).max)
    pick = np.argmin(dist, axis=0)
    best = cands[pick, np.arange(len(fm))]
    good = ok[pick, np.arange(len(fm))] & (~known | (dist[pick, np.arange(len(fm))] <= tolerance_ms))
    return np.where(good, order[np.clip(best, 0, len(order) - 1)], -1)


def latency_summary(values: np.ndarray) -> tuple:
    """(mean, p50, p90) of latencies, linear-interpolated quantiles (NaN when empty)."""
    if not len(values):
        return (math.nan, math.nan, math.nan)
    return (float(values.mean()), float(np.quantile(values, 0.5)), float(np.quantile(values, 0.9)))


def measure_fires(names: list, pauses: pd.DataFrame, turn_ends: pd.DataFrame, fires: pd.DataFrame,
                  tolerance_ms: int = ALIGN_TOLERANCE_MS) -> dict:
    """Measured figures per file and the pooled latencies.

    Parameters
    ----------
    names : list of str
        The files, in the order of the output arrays.
    pauses, turn_ends : DataFrame
        The side's `compute_pauses` and `compute_turn_ends` rows.
    fires : DataFrame
        One row per final turn: ``file``, ``fire_ms`` (the decision, audio ms) and
        ``end_ms`` (the turn's speech end, NaN when unknown).
    tolerance_ms : int
        As `align_fires` (widen it for a truth whose segment ends are padded).

    Returns
    -------
    dict
        Each of `MEASURED_COLUMNS` as an array over `names`, and ``latencies``:
        every fired turn end's latency (ms), for pooled statistics.
    """
    nf = len(names)
    code = {n: i for i, n in enumerate(names)}
    pc = np.array([code[f] for f in pauses[C.FILE].astype(object)], np.int64)
    tc = np.array([code[f] for f in turn_ends[C.FILE].astype(object)], np.int64)
    bfile = np.concatenate([pc, tc])
    bstart = np.concatenate([pauses[C.START_MS].to_numpy(np.int64), turn_ends[C.END_MS].to_numpy(np.int64)])
    is_hold = np.concatenate([pauses[C.PAUSE_MS].to_numpy(np.int64) >= HOLD_MIN_MS, np.zeros(len(tc), bool)])
    np_ = len(pc)
    fc = np.array([code[f] for f in fires["file"]], np.int64)
    which = align_fires(bfile, bstart, fc, fires["fire_ms"].to_numpy(np.int64), fires["end_ms"].to_numpy(float),
                        tolerance_ms)
    hit = which >= 0
    first = np.full(len(bstart), np.iinfo(np.int64).max)
    np.minimum.at(first, which[hit], fires["fire_ms"].to_numpy(np.int64)[hit])
    fired_b = first < np.iinfo(np.int64).max
    holds = np.bincount(pc[is_hold[:np_]], minlength=nf)
    cuts = np.bincount(pc[is_hold[:np_] & fired_b[:np_]], minlength=nf)
    te_fired = fired_b[np_:]
    lat = (first[np_:] - turn_ends[C.END_MS].to_numpy(np.int64)).astype(float)
    silence = turn_ends[C.SILENCE_AFTER_MS].to_numpy(float)
    inter = te_fired & (silence < lat)
    scored = is_hold | (np.arange(len(bstart)) >= np_)  # holds and turn ends; shorter pauses are not
    counted = hit & scored[np.clip(which, 0, None)]
    out = {"holds": holds, "cuts": cuts, "turn_ends": np.bincount(tc, minlength=nf),
           "fired": np.bincount(tc[te_fired], minlength=nf), "interrupted": np.bincount(tc[inter], minlength=nf),
           "other_fires": np.bincount(fc[~counted], minlength=nf)}
    out["missed"] = out["turn_ends"] - out["fired"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["cutoff_rate"] = np.where(holds > 0, cuts / np.maximum(holds, 1), np.nan)
    stats = [latency_summary(lat[te_fired & (tc == i)]) for i in range(nf)]
    for k, name in enumerate(("latency_mean_ms", "latency_p50_ms", "latency_p90_ms")):
        out[name] = np.array([s[k] for s in stats], float)
    out["latencies"] = lat[te_fired]
    return out
