"""Measured endpointing: every fire of a real endpointer accounted for against the truth.

`turntune_nb.replay` streams recordings through a real endpointer; this module
scores what came back against the recording's transcript, with the same
definitions as `turntune_nb.analysis.metrics` (holds of at least `HOLD_MIN_MS`,
latency after the true end of turn, interruptions), so that measured and
simulated figures can stand side by side. Pure: arrays and DataFrames in and out.

**A fire** is a final turn (``end_of_turn`` true) at its audio time ``f`` (the
replay's ``emitted_at_ms``: where the offline endpointer decided, or how far into
the recording AssemblyAI's message arrived). Every fire is put in exactly one
class against the streamed side's truth (`classify_fires`), from the side's
**silences**: its holds (pauses of at least `HOLD_MIN_MS` inside its turns, until
it speaks again), its turn ends (until it next speaks, or for ever after its last
word) and its **releases** (the end of a stretch of its speech that is neither: a
backchannel said inside the other party's turn; the other party holds the floor,
so a fire there cuts nobody off). Pauses under `HOLD_MIN_MS` count as speech.

- **at a turn end** (``fires_at_turn_end``): in a turn end's or a release's
  silence; the first fire of a turn end gives its latency (fire - turn end);
- **in a hold** (``fires_in_hold``): in a hold's silence: the hold is **cut**;
- **in speech** (``fires_in_speech``): anywhere else: while the side speaks and
  earlier than the end of that speech minus the tolerance, or before the side
  first speaks (nothing of it had ended).

Precedence, when two could apply: (1) the silence that contains the fire (the one
starting last at or before it; a hold wins a tie with a turn end starting at the
same millisecond); else (2) the silence that starts after the fire within the
**tolerance** (a fire up to that much before a reference end belongs to the
silence it opens: reference ends are late by their padding; at a turn end its
latency is then negative); else (3) in speech. A fire after the side's last word
is in the silence of its last turn end (or release), which never ends. A fire that
arrives after the side spoke again is counted where it arrives, in the speech: an
agent acting on it would talk over the caller. ``premature_rate`` = (in hold + in
speech) / fires. A turn end no fire belongs to is **missed** (counted apart, not in
latency). `align_fires` (the silence nearest a fire's own speech end) is the older
alignment, which could not see fires in speech; it is kept for comparison.

The tolerance depends on how the truth's segment ends were made
(`default_tolerance`): word timings end where the word does, voice activity where
the detector lets go, and segment-level references (RTTM, CSV, utterances without
words) are often padded: SpokenWOZ's end ~300 ms after the last word.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import columns as C
from .metrics import EOT_HOLD_MAX_MS, EOT_HOLD_MIN_MS, HOLD_MIN_MS
from .transitions import MERGE_MS

__all__ = ("ALIGN_TOLERANCE_MS", "PADDED_TOLERANCE_MS", "MEASURED_COLUMNS", "FIRE_CLASSES", "align_fires",
           "classify_fires", "default_tolerance", "measure_fires", "latency_summary", "side_silences")

#: Tolerance for a truth with word timings or voice activity (ms): how far before a
#: reference end a fire still belongs to the silence it opens.
ALIGN_TOLERANCE_MS = 250
#: Tolerance for segment-level references (RTTM, CSV, utterances without words), whose
#: ends are padded: SpokenWOZ's ~300 ms of padding plus `ALIGN_TOLERANCE_MS`.
PADDED_TOLERANCE_MS = 550
#: The classes of a fire, in `measure_fires`' counts.
FIRE_CLASSES = ("at_turn_end", "in_hold", "in_speech")
#: Measured figures per file, in `measure_fires`' output.
MEASURED_COLUMNS = ("fires", "fires_at_turn_end", "fires_in_hold", "fires_in_speech", "premature_rate", "holds",
                    "cuts", "cutoff_rate", "turn_ends", "fired", "missed", "latency_mean_ms", "latency_p50_ms",
                    "latency_p90_ms", "interrupted")

_HOLD, _TURN_END, _RELEASE = 0, 1, 2


def default_tolerance(source: str | None, has_words: bool) -> tuple:
    """The alignment tolerance a truth calls for, and why: ``(ms, reason)``.

    Parameters
    ----------
    source : str
        The truth's `Transcript.source` (``"assemblyai"``, ``"rttm"``, ``"csv"``,
        ``"offline-vad"``...).
    has_words : bool
        Whether it has word timings.

    Notes
    -----
    The source is all there is to go on: an RTTM the offline backend wrote (voice
    activity) reads as ``"rttm"`` and gets the padded tolerance; pass 250
    (``--align-tolerance 250``) for it. The tolerance is printed with every replay.

    Examples
    --------
    >>> default_tolerance("assemblyai", True)[0], default_tolerance("offline-vad", False)[0]
    (250, 250)
    >>> default_tolerance("rttm", False)
    (550, 'segment ends (rttm, no word timings), padded in human references: SpokenWOZ ~300 ms')
    """
    if has_words:
        return ALIGN_TOLERANCE_MS, f"word timings ({source}): a segment ends where its last word does"
    if source == "offline-vad":
        return ALIGN_TOLERANCE_MS, "voice activity (offline-vad): the endpointer's own kind of detector"
    return PADDED_TOLERANCE_MS, (f"segment ends ({source}, no word timings), padded in human references: "
                                 "SpokenWOZ ~300 ms")


def align_fires(boundary_file, boundary_start, fire_file, fire_ms, fire_end_ms=None,
                tolerance_ms: int = ALIGN_TOLERANCE_MS) -> np.ndarray:
    """The silence each fire's speech end belongs to: an index into the boundaries, or -1.

    The older alignment: a fire whose speech ended at ``e`` belongs to the silence
    starting nearest ``e`` among those starting at or before the fire, within the
    tolerance; without ``e``, the latest one at or before the fire. Fires whose
    speech end lies inside true speech belong to none, so this alignment cannot
    count them: `measure_fires` uses `classify_fires`.

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


def classify_fires(silence_file, silence_start, silence_end, fire_file, fire_ms, tolerance_ms=ALIGN_TOLERANCE_MS):
    """The silence each fire belongs to (an index into the silences), or -1: in speech.

    A silence ``[start, end)`` contains the fires from its start until the side
    speaks again (``end``; ``2**62`` for never). Precedence as the module says:
    the silence containing the fire (the latest starting at or before it; at equal
    starts the one given last), else the first one starting after it within
    `tolerance_ms` (a number, or one per fire), else -1.

    Examples
    --------
    >>> # silences of file 0: 1000-1500 and 3000-4000; fires at 1200 (inside the first),
    >>> # 2800 (200 ms before the second: within 250), 2700 (300 ms before: speech), 4100 (speech)
    >>> classify_fires([0, 0], [1000, 3000], [1500, 4000], [0, 0, 0, 0], [1200, 2800, 2700, 4100]).tolist()
    [0, 1, -1, -1]
    """
    sf, ss = np.asarray(silence_file, np.int64), np.asarray(silence_start, np.int64)
    se = np.asarray(silence_end, np.int64)
    ff, fm = np.asarray(fire_file, np.int64), np.asarray(fire_ms, np.int64)
    tol = np.broadcast_to(np.asarray(tolerance_ms, np.int64), fm.shape)
    if not len(fm) or not len(ss):
        return np.full(len(fm), -1, np.int64)
    span = int(max(ss.max(), fm.max(), 0)) + int(tol.max(initial=0)) + 2
    order = np.argsort(sf * span + ss, kind="stable")
    keys = (sf * span + ss)[order]
    at = ff * span + fm
    last = np.searchsorted(keys, at, side="right") - 1
    lc = np.clip(last, 0, len(keys) - 1)
    contains = (last >= 0) & (keys[lc] // span == ff) & (fm < se[order[lc]])
    nxt = np.clip(last + 1, 0, len(keys) - 1)
    early = (last + 1 < len(keys)) & (keys[nxt] // span == ff) & (keys[nxt] - at <= tol)
    return np.where(contains, order[lc], np.where(early, order[nxt], -1))


def latency_summary(values: np.ndarray) -> tuple:
    """(mean, p50, p90) of latencies, linear-interpolated quantiles (NaN when empty)."""
    if not len(values):
        return (math.nan, math.nan, math.nan)
    return (float(values.mean()), float(np.quantile(values, 0.5)), float(np.quantile(values, 0.9)))


_NEVER = 2 ** 62


def _codes(frame: pd.DataFrame, code: dict) -> np.ndarray:
    return np.array([code[f] for f in frame[C.FILE].astype(object)], np.int64)


def _runs(speech: pd.DataFrame, code: dict) -> tuple:
    """The side's speech as runs (segments overlapping or at most `MERGE_MS` apart joined, as the truth
    tables join them): (file, start, end) sorted."""
    f = _codes(speech, code)
    s, e = speech[C.START_MS].to_numpy(np.int64), speech[C.END_MS].to_numpy(np.int64)
    order = np.lexsort((s, f))
    f, s, e = f[order], s[order], e[order]
    if not len(f):
        return f, s, e
    reach = pd.Series(e).groupby(f).cummax().to_numpy(np.int64)
    new = np.ones(len(f), bool)
    new[1:] = (f[1:] != f[:-1]) | (s[1:] > reach[:-1] + MERGE_MS)
    return f[new], s[new], np.maximum.reduceat(reach, np.flatnonzero(new))


def _next_speech(runs: tuple, span: int, files: np.ndarray, at: np.ndarray) -> np.ndarray:
    """When the side speaks again after `at`: `at` itself inside one of its runs, else the next run's start,
    else never (`_NEVER`)."""
    rf, rs, re_ = runs
    out = np.full(len(at), _NEVER, np.int64)
    if not len(rf) or not len(at):
        return out
    i = np.searchsorted(rf * span + rs, files * span + at, side="right")  # runs starting at or before `at`
    prev, nxt = np.clip(i - 1, 0, len(rf) - 1), np.clip(i, 0, len(rf) - 1)
    out = np.where((i < len(rf)) & (rf[nxt] == files), rs[nxt], out)
    return np.where((i > 0) & (rf[prev] == files) & (re_[prev] > at), at, out)


def side_silences(names: list, pauses: pd.DataFrame, turn_ends: pd.DataFrame, speech: pd.DataFrame) -> pd.DataFrame:
    """The streamed side's silences, as `classify_fires` takes them.

    Returns
    -------
    DataFrame
        ``file`` (code: position in `names`), ``start_ms``, ``end_ms`` (when the side
        speaks again; ``2**62``: never), ``kind`` (0 hold, 1 turn end, 2 release) and
        ``row`` (the row position in `pauses` or `turn_ends`; -1 for a release). Turn
        ends come first, then releases, then holds (a hold wins a tie).
    """
    code = {n: i for i, n in enumerate(names)}
    runs = _runs(speech, code)
    rf, rs, re_ = runs
    pf, tf = _codes(pauses, code), _codes(turn_ends, code)
    p_start, p_len = pauses[C.START_MS].to_numpy(np.int64), pauses[C.PAUSE_MS].to_numpy(np.int64)
    t_end = turn_ends[C.END_MS].to_numpy(np.int64)
    span = int(max(re_.max(initial=0), t_end.max(initial=0), (p_start + p_len).max(initial=0))) + 2
    hold = p_len >= HOLD_MIN_MS
    opened = np.concatenate([pf * span + p_start, tf * span + t_end])  # every pause (short ones too), turn end
    rel = ~np.isin(rf * span + re_, opened)  # a run end that opens neither: a release
    return pd.DataFrame({
        "file": np.concatenate([tf, rf[rel], pf[hold]]),
        C.START_MS: np.concatenate([t_end, re_[rel], p_start[hold]]),
        C.END_MS: np.concatenate([_next_speech(runs, span, tf, t_end), _next_speech(runs, span, rf[rel], re_[rel]),
                                  (p_start + p_len)[hold]]),
        "kind": np.concatenate([np.full(len(tf), _TURN_END), np.full(rel.sum(), _RELEASE), np.full(hold.sum(), _HOLD)]),
        "row": np.concatenate([np.arange(len(tf)), np.full(rel.sum(), -1), np.flatnonzero(hold)]),
    })


def measure_fires(names: list, pauses: pd.DataFrame, turn_ends: pd.DataFrame, fires: pd.DataFrame,
                  tolerance_ms=ALIGN_TOLERANCE_MS, speech: pd.DataFrame | None = None) -> dict:
    """Every fire classified, and the measured figures per file, with the pooled latencies.

    Parameters
    ----------
    names : list of str
        The files, in the order of the output arrays.
    pauses, turn_ends : DataFrame
        The side's `compute_pauses` and `compute_turn_ends` rows.
    fires : DataFrame
        One row per fire: ``file`` and ``fire_ms`` (its audio time).
    tolerance_ms : int or sequence of int
        As the module says; one number, or one per file of `names`.
    speech : DataFrame
        The side's speech: ``file``, ``start_ms``, ``end_ms`` (its utterances).
        Required: without it no fire could be found in speech.

    Returns
    -------
    dict
        Each of `MEASURED_COLUMNS` as an array over `names`; ``eot_holds`` and
        ``eot_cuts``: the holds of eot-bench's 200-5000 ms and those a fire fell in;
        ``latencies``: every
        fired turn end's latency (ms), for pooled statistics; ``fire_class``: each
        fire's class (one of `FIRE_CLASSES`), in the order of `fires`.

    Raises
    ------
    ValueError
        No `speech`.
    """
    if speech is None:
        raise ValueError("measure_fires needs speech= (the side's utterances: file, start_ms, end_ms): without it "
                         "a fire inside the speaker's speech cannot be told from one in a silence")
    nf = len(names)
    code = {n: i for i, n in enumerate(names)}
    sil = side_silences(names, pauses, turn_ends, speech)
    fc = _codes(fires, code)
    fm = fires["fire_ms"].to_numpy(np.int64)
    tol = np.broadcast_to(np.asarray(tolerance_ms, np.int64), (nf,)) if nf else np.zeros(0, np.int64)
    which = classify_fires(sil["file"], sil[C.START_MS], sil[C.END_MS], fc, fm, tol[fc] if len(fc) else 0)
    kind = np.where(which >= 0, sil["kind"].to_numpy()[np.clip(which, 0, None)] if len(sil) else -1, -1)
    cls = np.where(kind == _HOLD, 1, np.where(kind < 0, 2, 0))  # index into FIRE_CLASSES
    first = np.full(len(sil), np.iinfo(np.int64).max)
    np.minimum.at(first, which[which >= 0], fm[which >= 0])
    fired_sil = first < np.iinfo(np.int64).max
    kinds, rows = sil["kind"].to_numpy(), sil["row"].to_numpy()
    hold_fired = np.zeros(len(pauses), bool)
    hold_fired[rows[(kinds == _HOLD) & fired_sil]] = True
    te_first = np.full(len(turn_ends), np.iinfo(np.int64).max)
    te_first[rows[kinds == _TURN_END]] = first[kinds == _TURN_END]
    te_fired = te_first < np.iinfo(np.int64).max
    pc, tc = _codes(pauses, code), _codes(turn_ends, code)
    is_hold = pauses[C.PAUSE_MS].to_numpy(np.int64) >= HOLD_MIN_MS
    lat = (te_first - turn_ends[C.END_MS].to_numpy(np.int64)).astype(float)
    silence = turn_ends[C.SILENCE_AFTER_MS].to_numpy(float)
    inter = te_fired & (silence < lat)
    holds = np.bincount(pc[is_hold], minlength=nf)
    cuts = np.bincount(pc[is_hold & hold_fired], minlength=nf)
    plen = pauses[C.PAUSE_MS].to_numpy(np.int64)
    eot = (plen >= EOT_HOLD_MIN_MS) & (plen <= EOT_HOLD_MAX_MS)
    out = {"fires": np.bincount(fc, minlength=nf), "holds": holds, "cuts": cuts,
           "eot_holds": np.bincount(pc[eot], minlength=nf), "eot_cuts": np.bincount(pc[eot & hold_fired], minlength=nf),
           "turn_ends": np.bincount(tc, minlength=nf), "fired": np.bincount(tc[te_fired], minlength=nf),
           "interrupted": np.bincount(tc[inter], minlength=nf)}
    for k, name in enumerate(FIRE_CLASSES):
        out[f"fires_{name}"] = np.bincount(fc[cls == k], minlength=nf)
    out["missed"] = out["turn_ends"] - out["fired"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["cutoff_rate"] = np.where(holds > 0, cuts / np.maximum(holds, 1), np.nan)
        early = out["fires_in_hold"] + out["fires_in_speech"]
        out["premature_rate"] = np.where(out["fires"] > 0, early / np.maximum(out["fires"], 1), np.nan)
    stats = [latency_summary(lat[te_fired & (tc == i)]) for i in range(nf)]
    for k, name in enumerate(("latency_mean_ms", "latency_p50_ms", "latency_p90_ms")):
        out[name] = np.array([s[k] for s in stats], float)
    out["latencies"] = lat[te_fired]
    out["fire_class"] = np.array(FIRE_CLASSES, dtype=object)[cls] if len(cls) else np.array([], dtype=object)
    return out
