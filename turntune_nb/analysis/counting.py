"""Counting for the simulator: holds and turn ends sorted once, counted at any thresholds.

`EndpointCounter` takes the pause and turn-end tables of an analysis
(`turntune_nb.analysis.turns`) and answers, for a vector of thresholds at once,
overall or per file:

* how many holds of each punctuation class a threshold cuts (``pause >= t``);
* how many of eot-bench's holds (200-5000 ms) it fires inside (``pause > t``);
* how many turn ends the next speaker interrupts (``silence_after < t``);
* how many turns have at least one cut, and the latency after the turn ends;
* how many times a turn cap (``max_turn_duration``) force-ends the turns
  (`EndpointCounter.count_forced`: ``ceil(D / cap) - 1`` for a turn of ``D`` ms).

A turn's span runs from its start to its end. The start is the turn-end table's
``start_ms`` column when it has one; else `turn_starts` finds it: the start of the
speaker's talk at the change of floor that began the turn (the next speaker's start
after the previous turn end, ``end_ms + silence_after_ms``), or, with the utterance
table, the first segment of the file. A turn whose start cannot be found (the first
turn of a file without the utterance table, and the extra turns of holds after a
speaker's last turn end) is never capped.

It knows no endpointing rule: which punctuation classes fire at ``min_turn_silence``
and which wait until ``max_turn_silence`` is the simulator's
(`turntune_nb.analysis.simulate`), handed to `EndpointCounter.scenario` as ``at_min``.

A hold is charged to the turn it lies in: the first turn end of its floor holder (the
``floor_speaker`` column when the pause table has it, else the pausing speaker) at or
after it. Holds after their speaker's last turn end form one more turn per file and
speaker. Everything is sorted arrays and ``searchsorted``/``bincount``: nothing loops
over pauses in Python.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import columns as C
from .metrics import EOT_HOLD_MAX_MS, EOT_HOLD_MIN_MS, HOLD_MIN_MS

__all__ = ("TERMINAL", "NOT_TERMINAL", "UNKNOWN", "ALL_CLASSES", "CLASS_NAMES", "EndpointCounter", "safe_ratio",
           "turn_starts", "forced_ends_per_turn")

#: Punctuation classes of holds and turn ends: the word before ends in . ? ! (or not), or no word is known.
TERMINAL, NOT_TERMINAL, UNKNOWN = 0, 1, 2
ALL_CLASSES = frozenset((TERMINAL, NOT_TERMINAL, UNKNOWN))
CLASS_NAMES = {"terminal": TERMINAL, "not_terminal": NOT_TERMINAL, "unknown": UNKNOWN}


#: A turn's "longest hold" when the cap force-ends it: past any threshold, so it is always cut.
_ALWAYS = np.iinfo(np.int64).max // 4


def safe_ratio(num, den):
    """``num / den`` elementwise, NaN where ``den`` is 0."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _two_point_quantile(q: float, n_min, n_max, lo, hi):
    """Linear-interpolated quantile (numpy's default) of ``n_min`` values `lo` and
    ``n_max`` values `hi` (``lo <= hi``), vectorised over settings."""
    n_min = np.asarray(n_min, dtype=float)
    n = n_min + np.asarray(n_max, dtype=float)
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    pos = q * np.maximum(n - 1, 0)
    frac = np.clip(pos - (n_min - 1), 0.0, 1.0)
    out = lo + (hi - lo) * frac
    return np.where(n > 0, out, np.nan)


def forced_ends_per_turn(duration_ms, cap_ms) -> np.ndarray:
    """How many times a cap of `cap_ms` force-ends turns of `duration_ms`: ``ceil(D / cap) - 1``,
    0 when ``D <= cap`` or unknown (negative or NaN).

    Examples
    --------
    >>> forced_ends_per_turn([12_000, 25_000, 10_000, 20_000, -1], 10_000).tolist()
    [1, 2, 0, 1, 0]
    """
    d = np.asarray(duration_ms, dtype=float)
    with np.errstate(invalid="ignore"):
        n = np.ceil(np.where(d > 0, d, 0.0) / float(cap_ms)) - 1
    return np.maximum(np.nan_to_num(n, nan=0.0), 0).astype(np.int64)


def turn_starts(turn_ends: pd.DataFrame) -> np.ndarray:
    """When each turn of a turn-end table without ``start_ms`` began (ms; NaN where unknown).

    `turntune_nb.analysis.turns.compute_turn_ends` gives every turn its start from the
    utterances; a table without that column (an older saved summary, a hand-made table)
    has them read off itself: a turn of speaker S ending at ``e`` began at the latest
    change of floor to S at or before ``e``, a change being the next speaker's start
    after a turn end (``end_ms + silence_after_ms``; so the table must be the whole
    conversation, not one side of it), and a file's first turn has no known start.

    Examples
    --------
    >>> ends = pd.DataFrame({"file": ["f", "f"], "speaker": ["A", "B"], "end_ms": [5000, 9000],
    ...                      "next_speaker": ["B", None], "silence_after_ms": [-500.0, float("nan")]})
    >>> turn_starts(ends).tolist()
    [nan, 4500.0]
    """
    if C.NEXT_SPEAKER not in turn_ends:  # a hand-made table: no change of floor to read
        return np.full(len(turn_ends), np.nan)
    silence = turn_ends[C.SILENCE_AFTER_MS].to_numpy(float)
    ok = ~np.isnan(silence) & turn_ends[C.NEXT_SPEAKER].notna().to_numpy(bool)
    events = pd.DataFrame({
        "_f": turn_ends[C.FILE].astype(object).astype(str).to_numpy(object)[ok],
        "_s": turn_ends[C.NEXT_SPEAKER].astype(object).astype(str).to_numpy(object)[ok],
        "_t": turn_ends[C.END_MS].to_numpy(float)[ok] + silence[ok]})
    if not len(turn_ends):
        return np.empty(0, float)
    left = pd.DataFrame({"_f": turn_ends[C.FILE].astype(object).astype(str).to_numpy(object),
                         "_s": turn_ends[C.SPEAKER].astype(object).astype(str).to_numpy(object),
                         "_e": turn_ends[C.END_MS].to_numpy(float), "_row": np.arange(len(turn_ends))})
    if not len(events):
        return np.full(len(turn_ends), np.nan)
    joined = pd.merge_asof(left.sort_values("_e", kind="stable"), events.sort_values("_t", kind="stable"),
                           left_on="_e", right_on="_t", by=["_f", "_s"], direction="backward")
    out = np.full(len(turn_ends), np.nan)
    out[joined["_row"].to_numpy(np.int64)] = joined["_t"].to_numpy(float)
    return out


def _punct_class(terminal: pd.Series) -> np.ndarray:
    t = terminal.astype("boolean")
    cls = np.where(t.fillna(False).to_numpy(bool), TERMINAL, NOT_TERMINAL)
    return np.where(t.isna().to_numpy(bool), UNKNOWN, cls).astype(np.int8)


def _file_names(pauses: pd.DataFrame, turn_ends: pd.DataFrame) -> list:
    names = []
    for frame in (turn_ends, pauses):
        col = frame[C.FILE]
        vals = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else list(pd.unique(col))
        names += [v for v in vals if v not in names]
    return names


def _codes(col: pd.Series, names: list) -> np.ndarray:
    return pd.Categorical(col.astype(object), categories=names).codes.astype(np.int64)


def _sorted_by_file(files: np.ndarray, values: np.ndarray, classes: np.ndarray, span: int, n_files: int):
    """Per punctuation class: values sorted by (file, value) as keys ``file * span + value``,
    values sorted alone, and each file's bounds in the keys."""
    keys, flat, bounds = [], [], []
    for c in range(3):
        sel = classes == c
        keys.append(np.sort(files[sel] * span + values[sel]))
        flat.append(np.sort(values[sel]))
        bounds.append(np.searchsorted(keys[c], np.arange(n_files + 1) * span))
    return keys, flat, bounds


class EndpointCounter:
    """The holds and turn ends of an analysis, sorted once for counting at any thresholds.

    Parameters
    ----------
    pauses, turn_ends : DataFrame
        `turntune_nb.analysis.turns.compute_pauses` and ``compute_turn_ends`` output
        (file, speaker, floor_speaker, end_ms, pause_ms, terminal, silence_after_ms are used).
    hold_min_ms : int
        Pauses shorter than this are not holds.

    Attributes
    ----------
    files : list
        The files, turn-end tables' first; every per-file array follows this order.
    holds_per_file, eot_per_file, turns_per_file : array of int
        Holds, eot-bench holds (200-5000 ms) and turns per file.
    te_per_file : array of int, shape (3, files)
        Turn ends per punctuation class and file.
    holds_by_class, turn_ends_by_class : dict
        Counts per class name (``terminal``, ``not_terminal``, ``unknown``).

    Examples
    --------
    >>> pauses = pd.DataFrame({"file": ["f", "f"], "speaker": ["A", "A"], "end_ms": [600, 2000],
    ...                        "pause_ms": [500, 300], "terminal": [True, False]})
    >>> ends = pd.DataFrame({"file": ["f"], "speaker": ["A"], "end_ms": [3000], "terminal": [True],
    ...                      "silence_after_ms": [700.0]})
    >>> counter = EndpointCounter(pauses, ends)
    >>> counter.count_holds_ge(TERMINAL, np.array([400, 600]), per_file=False).tolist()
    [1, 0]
    >>> counter.n_turns, counter.holds_by_class["not_terminal"]
    (1, 1)
    """

    def __init__(self, pauses: pd.DataFrame, turn_ends: pd.DataFrame, hold_min_ms: int = HOLD_MIN_MS):
        self.hold_min_ms = int(hold_min_ms)
        names = _file_names(pauses, turn_ends)
        self.files = names
        self.n_files = nf = len(names)
        holds = pauses[pauses[C.PAUSE_MS].to_numpy() >= self.hold_min_ms]
        self.n_pauses = int(len(pauses))
        hp = holds[C.PAUSE_MS].to_numpy(np.int64)
        hg = _codes(holds[C.FILE], names)
        hcls = _punct_class(holds[C.TERMINAL])
        tg = _codes(turn_ends[C.FILE], names)
        tcls = _punct_class(turn_ends[C.TERMINAL])
        self._link_holds_to_turns(holds, turn_ends, hg, tg, hp, hcls)
        self._set_turn_spans(turn_ends)
        # holds by (file, pause) and by pause, per class; eot-bench's, cut when the pause is longer than the delay
        self._hspan = int(hp.max(initial=0)) + 2
        self._hold_keys, self._hold_flat, self._hold_bounds = _sorted_by_file(hg, hp, hcls, self._hspan, nf)
        self.holds_per_file = np.bincount(hg, minlength=nf)
        self._sort_eot_holds()
        in_eot = (hp >= EOT_HOLD_MIN_MS) & (hp <= EOT_HOLD_MAX_MS)
        self.eot_per_file = np.bincount(hg[in_eot], minlength=nf)
        # turn ends: counts per class and file; silences (non-NaN) sorted for interruptions
        self.te_per_file = np.stack([np.bincount(tg[tcls == c], minlength=nf) for c in range(3)])
        self._sort_silences(turn_ends[C.SILENCE_AFTER_MS].to_numpy(float), tg, tcls)
        self._maxima_cache, self._forced_cache = {}, {}
        # what the reader should know
        self.holds_by_class = {k: int((hcls == c).sum()) for k, c in CLASS_NAMES.items()}
        self.turn_ends_by_class = {k: int(self.te_per_file[c].sum()) for k, c in CLASS_NAMES.items()}
        unknown = np.unique(np.concatenate([hg[hcls == UNKNOWN], tg[tcls == UNKNOWN]]))
        self.segment_level_files = sorted({str(names[i]) for i in unknown})

    # ------------------------------------------------------------------ building
    def _link_holds_to_turns(self, holds, turn_ends, hg, tg, hp, hcls) -> None:
        """Each hold's turn: the first turn end of the same (file, floor holder) at or after
        it; holds after their speaker's last turn end form one extra turn per (file, speaker).
        Sets the turns' files and, per turn, the longest hold of each class (-1: none)."""
        floor = holds[C.SPEAKER].astype(object)  # categoricals of two tables may name different speakers
        if C.FLOOR_SPEAKER in holds:
            fs = holds[C.FLOOR_SPEAKER].astype(object)
            floor = fs.where(fs.notna(), floor) if fs.isna().any() else fs
        floor = floor.astype(object)
        spk_names = pd.Index(pd.concat([floor, turn_ends[C.SPEAKER].astype(object)]).unique())
        hs = spk_names.get_indexer(floor)
        ts = spk_names.get_indexer(turn_ends[C.SPEAKER].astype(object))
        nspk = max(len(spk_names), 1)
        hend = holds[C.END_MS].to_numpy(np.int64)
        tend = turn_ends[C.END_MS].to_numpy(np.int64)
        span = int(max(hend.max(initial=0), tend.max(initial=0))) + 1
        tkey = (tg * nspk + ts) * span + tend
        order = np.argsort(tkey, kind="stable")
        skey = tkey[order]
        hgrp = hg * nspk + hs
        pos = np.searchsorted(skey, hgrp * span + hend, side="left")
        posc = np.minimum(pos, max(len(skey) - 1, 0))
        found = (pos < len(skey)) & (len(skey) > 0)
        if len(skey):
            found &= (skey[posc] // span) == hgrp
        nte = len(tend)
        turn = np.where(found, order[posc] if len(skey) else 0, -1)
        orphan_codes, orphan_uniques = pd.factorize(hgrp[~found])
        turn[~found] = nte + orphan_codes
        self.n_orphan_turns = len(orphan_uniques)
        self.n_turns = nte + self.n_orphan_turns
        self._turn_file = np.concatenate([tg, np.asarray(orphan_uniques, np.int64) // nspk]).astype(np.int64)
        self._turn_max = np.full((3, self.n_turns), -1, np.int64)
        for c in range(3):
            sel = hcls == c
            np.maximum.at(self._turn_max[c], turn[sel], hp[sel])
        self.turns_per_file = np.bincount(self._turn_file, minlength=self.n_files)

    def _set_turn_spans(self, turn_ends) -> None:
        """Each turn's span in ms (-1 where its start is unknown): end minus start, the start
        from the ``start_ms`` column when the table has one, else from `turn_starts`."""
        if C.START_MS in turn_ends:
            start = pd.to_numeric(turn_ends[C.START_MS], errors="coerce").to_numpy(float)
        else:
            start = turn_starts(turn_ends)
        span = turn_ends[C.END_MS].to_numpy(float) - start
        span = np.where(np.isnan(span), -1, span).astype(np.int64)
        self.turn_ms = np.concatenate([span, np.full(self.n_orphan_turns, -1, np.int64)])
        self.turns_without_start = int(np.count_nonzero(span < 0))

    def count_forced(self, cap_ms, per_file: bool):
        """(forced ends, turns capped) under a turn cap of `cap_ms` (None: no cap): per file
        (arrays over files) or overall (ints). See `forced_ends_per_turn`."""
        if cap_ms not in self._forced_cache:  # per cap, once (a slider asks on every move)
            self._forced_cache[cap_ms] = (np.zeros(self.n_turns, np.int64) if cap_ms is None
                                          else forced_ends_per_turn(self.turn_ms, cap_ms))
        forced = self._forced_cache[cap_ms]
        if per_file:
            return (np.bincount(self._turn_file, weights=forced, minlength=self.n_files).astype(np.int64),
                    np.bincount(self._turn_file[forced > 0], minlength=self.n_files))
        return int(forced.sum()), int(np.count_nonzero(forced))

    def _sort_eot_holds(self) -> None:
        """eot-bench's holds (200-5000 ms, both ends in): the sorted hold arrays filtered, still sorted."""
        self._eot_keys, self._eot_flat, self._eot_bounds = [], [], []
        for c in range(3):
            k, f = self._hold_keys[c], self._hold_flat[c]
            kp = k % self._hspan
            self._eot_keys.append(k[(kp >= EOT_HOLD_MIN_MS) & (kp <= EOT_HOLD_MAX_MS)])
            lo_i = np.searchsorted(f, EOT_HOLD_MIN_MS, side="left")
            hi_i = np.searchsorted(f, EOT_HOLD_MAX_MS, side="right")
            self._eot_flat.append(f[lo_i:hi_i])
            self._eot_bounds.append(np.searchsorted(self._eot_keys[c], np.arange(self.n_files + 1) * self._hspan))

    def _sort_silences(self, silence: np.ndarray, tg: np.ndarray, tcls: np.ndarray) -> None:
        """The silences after turn ends (those known), sorted per class, for interruptions."""
        valid = ~np.isnan(silence)
        sv = np.round(silence[valid]).astype(np.int64)
        self._smin = int(sv.min(initial=0))
        self._sspan = int(sv.max(initial=0)) - self._smin + 2
        self._sil_keys, self._sil_flat, self._sil_bounds = _sorted_by_file(
            tg[valid], sv - self._smin, tcls[valid], self._sspan, self.n_files)

    # ------------------------------------------------------------------ counting
    def count_holds_ge(self, c: int, thr: np.ndarray, per_file: bool) -> np.ndarray:
        """Holds of class c with pause >= thr: shape (files, k) or (k,)."""
        t = np.clip(thr, 0, self._hspan - 1)
        if not per_file:
            flat = self._hold_flat[c]
            return len(flat) - np.searchsorted(flat, t, side="left")
        keys, bounds = self._hold_keys[c], self._hold_bounds[c]
        q = np.arange(self.n_files)[:, None] * self._hspan + t[None, :]
        return bounds[1:, None] - np.searchsorted(keys, q, side="left")

    def count_eot_cuts(self, c: int, thr: np.ndarray, per_file: bool) -> np.ndarray:
        """eot-bench holds of class c longer than thr (the endpointer fires inside them)."""
        t = np.clip(thr, 0, self._hspan - 2)
        if not per_file:
            flat = self._eot_flat[c]
            return len(flat) - np.searchsorted(flat, t, side="right")
        keys, bounds = self._eot_keys[c], self._eot_bounds[c]
        q = np.arange(self.n_files)[:, None] * self._hspan + t[None, :]
        return bounds[1:, None] - np.searchsorted(keys, q, side="right")

    def count_interrupted(self, c: int, thr: np.ndarray, per_file: bool) -> np.ndarray:
        """Turn ends of class c whose next speaker starts before thr (silence < thr)."""
        t = np.clip(thr - self._smin, 0, self._sspan - 1)
        if not per_file:
            return np.searchsorted(self._sil_flat[c], t, side="left")
        keys, bounds = self._sil_keys[c], self._sil_bounds[c]
        q = np.arange(self.n_files)[:, None] * self._sspan + t[None, :]
        return np.searchsorted(keys, q, side="left") - bounds[:-1, None]

    def turn_maxima(self, at_min: frozenset, cap_ms=None):
        """Per turn: longest hold whose rule fires at min, and at max. A turn the cap
        `cap_ms` force-ends counts as cut at any setting: both set past every threshold."""
        key = (at_min, cap_ms)
        if key not in self._maxima_cache:
            m = self._turn_max
            lo = np.max(m[sorted(at_min)], axis=0) if at_min else np.full(self.n_turns, -1, np.int64)
            rest = sorted(ALL_CLASSES - at_min)
            hi = np.max(m[rest], axis=0) if rest else np.full(self.n_turns, -1, np.int64)
            if cap_ms is not None:
                capped = forced_ends_per_turn(self.turn_ms, cap_ms) > 0
                lo, hi = np.where(capped, _ALWAYS, lo), np.where(capped, _ALWAYS, hi)
            self._maxima_cache[key] = (lo, hi)
        return self._maxima_cache[key]

    def _turns_cut(self, at_min: frozenset, mn: np.ndarray, mx: np.ndarray, per_file: bool, grid: bool,
                   cap_ms=None):
        """Turns with at least one cut (a cut hold or a forced end), for each setting (``mn[i]``, ``mx[i]``)."""
        lo_m, hi_m = self.turn_maxima(at_min, cap_ms)
        if per_file:  # pairs, few: a mask over turns per setting
            cut = (lo_m[None, :] >= mn[:, None]) | (hi_m[None, :] >= mx[:, None])
            nf = self.n_files
            idx = self._turn_file[None, :] + nf * np.arange(len(mn))[:, None]
            return np.bincount(idx[cut], minlength=nf * len(mn)).reshape(len(mn), nf).T
        if not grid and np.array_equal(mn, mx):  # one threshold: the turn's longest hold decides
            longest = np.sort(np.maximum(lo_m, hi_m))
            return len(longest) - np.searchsorted(longest, mn, side="left")
        if not grid:  # a few pairs: a mask over turns per setting
            return np.count_nonzero((lo_m[None, :] >= mn[:, None]) | (hi_m[None, :] >= mx[:, None]), axis=1)
        # a 2-D histogram of the turns' longest holds against the grid values
        ua, ia_back = np.unique(mn, return_inverse=True)
        ub, ib_back = np.unique(mx, return_inverse=True)
        ia = np.searchsorted(ua, lo_m, side="right")  # hold >= ua[i] iff i < ia
        ib = np.searchsorted(ub, hi_m, side="right")
        hist = np.bincount(ia * (len(ub) + 1) + ib, minlength=(len(ua) + 1) * (len(ub) + 1))
        hist = hist.reshape(len(ua) + 1, len(ub) + 1).cumsum(0).cumsum(1)
        not_cut = hist[ia_back, ib_back]  # turns with ia <= i and ib <= j
        return self.n_turns - not_cut

    def scenario(self, at_min: frozenset, mins: np.ndarray, maxs: np.ndarray, per_file: bool, grid: bool,
                 cap_ms=None) -> dict:
        """Counts for one bound, where the classes in `at_min` fire at ``min_turn_silence`` and the
        others at ``max_turn_silence``. With ``grid`` the settings are the outer product of
        `mins` and `maxs` (flattened, min-major); else they are pairs. `cap_ms`: the turn cap
        (turns it force-ends count as cut)."""
        if grid:
            mn = np.repeat(mins, len(maxs))
            mx = np.tile(maxs, len(mins))
        else:
            mn, mx = mins, maxs
        cuts = inter = eot_cuts = 0
        for c in range(3):
            thr = mn if c in at_min else mx
            cuts = cuts + self.count_holds_ge(c, thr, per_file)
            eot_cuts = eot_cuts + self.count_eot_cuts(c, thr, per_file)
            inter = inter + self.count_interrupted(c, thr, per_file)
        turns_cut = self._turns_cut(at_min, mn, mx, per_file, grid, cap_ms)
        te = self.te_per_file if per_file else self.te_per_file.sum(axis=1)
        n_min = sum(te[c] for c in at_min) if at_min else np.zeros_like(te[0])
        n_max = sum(te[c] for c in ALL_CLASSES - at_min) if len(at_min) < 3 else np.zeros_like(te[0])
        if per_file:
            n_min, n_max = n_min[:, None], n_max[:, None]
        n_te = n_min + n_max
        lat_mean = safe_ratio(n_min * mn + n_max * mx, n_te)
        p50 = _two_point_quantile(0.5, n_min, n_max, mn, mx)
        p90 = _two_point_quantile(0.9, n_min, n_max, mn, mx)
        return {"cuts": cuts, "turns_cut": turns_cut, "lat_mean": lat_mean, "p50": p50, "p90": p90,
                "interrupted": inter, "mn": mn, "mx": mx, "eot_cuts": eot_cuts, "n_max": n_max}

    def one_scalar(self, at_min: frozenset, lo: int, hi: int, cap_ms=None) -> dict:
        """`scenario` for one setting, overall, in scalars: the slider path."""
        cuts = inter = n_min = n_max = eot_cuts = 0
        te = self.te_per_file.sum(axis=1).tolist()
        h_lo, h_hi = min(max(lo, 0), self._hspan - 1), min(max(hi, 0), self._hspan - 1)
        s_lo = min(max(lo - self._smin, 0), self._sspan - 1)
        s_hi = min(max(hi - self._smin, 0), self._sspan - 1)
        for c in range(3):
            early = c in at_min
            flat = self._hold_flat[c]
            cuts += len(flat) - int(flat.searchsorted(h_lo if early else h_hi, side="left"))
            eflat = self._eot_flat[c]
            eot_cuts += len(eflat) - int(eflat.searchsorted(lo if early else hi, side="right"))
            inter += int(self._sil_flat[c].searchsorted(s_lo if early else s_hi, side="left"))
            if early:
                n_min += te[c]
            else:
                n_max += te[c]
        lo_m, hi_m = self.turn_maxima(at_min, cap_ms)
        turns_cut = int(np.count_nonzero((lo_m >= lo) | (hi_m >= hi)))
        n = n_min + n_max

        def quantile(q):
            if n == 0:
                return math.nan
            frac = min(max(q * (n - 1) - (n_min - 1), 0.0), 1.0)
            return lo + (hi - lo) * frac

        return {"cuts": cuts, "turns_cut": turns_cut, "interrupted": inter, "eot_cuts": eot_cuts, "n_max": n_max,
                "lat_mean": (n_min * lo + n_max * hi) / n if n else math.nan,
                "p50": quantile(0.5), "p90": quantile(0.9)}
