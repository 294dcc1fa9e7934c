"""Endpointing simulator: what a setting would have done on your recordings.

From the pause and turn-end tables of an analysis (`turntune_nb.analysis.gaps`)
and a turn-detection setting, `Simulator` computes the figures defined in
`turntune_nb.analysis.metrics` (false cut-offs, turns cut, latency,
interruptions) under AssemblyAI's rules, for one setting (`Simulator.evaluate`,
the slider path) or a grid (`Simulator.sweep`).

Everything is counted with sorted arrays and ``searchsorted``/``bincount`` built
once per `Simulator`; nothing loops over pauses in Python, so one setting over
100,000 pauses takes well under a millisecond or two (see ``benchmarks/tuning.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import ConfigError, InputError
from . import columns as C
from .frontier import operating_points, pareto_frontier
from .metrics import (
    EOT_HOLD_MAX_MS,
    EOT_HOLD_MIN_MS,
    HOLD_MIN_MS,
    METRIC_COLUMNS,
    EndpointMetrics,
    canonical_model,
)
from .presets import MIN_SILENCE_LIMITS, StreamingConfig

__all__ = ("MIN_GRID_MS", "MAX_GRID_MS", "THRESHOLD_GRID_MS", "Simulator")

#: Default sweep grids (ms): 50 x 50 for (min, max), 501 thresholds for silence-only.
MIN_GRID_MS = np.arange(0, 2500, 50)
MAX_GRID_MS = np.arange(100, 5001, 100)
THRESHOLD_GRID_MS = np.arange(0, 5001, 10)

# Punctuation classes of holds and turn ends.
_TERM, _NONTERM, _UNKNOWN = 0, 1, 2
_ALL = frozenset((_TERM, _NONTERM, _UNKNOWN))
# For each model: (classes that fire at min in the early bound, ... in the late bound).
# The early bound gives the most cut-offs and least latency; the late one the reverse.
_SCENARIOS = {
    "u3-rt-pro": (frozenset((_TERM, _UNKNOWN)), frozenset((_TERM,))),
    "universal-streaming": (_ALL, frozenset()),
    "silence": (_ALL, _ALL),
}
_LABELS = {
    "u3-rt-pro": "u3-rt-pro punctuation rule",
    "universal-streaming": (
        "Universal-Streaming bracket: the model's confidence is not in a transcript; "
        "the optimistic bound waits until max_turn_silence at every hold, the pessimistic one "
        "fires at min_turn_silence everywhere (cut-offs) and waits until max_turn_silence at every turn end (latency)"
    ),
    "silence": "silence-only endpointer (one threshold)",
}


def _ratio(num, den):
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



def _punct_class(terminal: pd.Series) -> np.ndarray:
    t = terminal.astype("boolean")
    cls = np.where(t.fillna(False).to_numpy(bool), _TERM, _NONTERM)
    return np.where(t.isna().to_numpy(bool), _UNKNOWN, cls).astype(np.int8)


class Simulator:
    """Pause and turn-end tables prepared once for fast evaluation of settings.

    Build it once (`from_result` or from the two tables), then call `evaluate`
    on every slider move, `sweep` over grids, `frontier` for the Pareto front.

    Parameters
    ----------
    pauses : DataFrame
        `turntune_nb.analysis.gaps.compute_pauses` output (file, speaker, end_ms, pause_ms,
        terminal, level are used).
    turn_ends : DataFrame
        `turntune_nb.analysis.gaps.compute_turn_ends` output (file, speaker, end_ms,
        terminal, silence_after_ms, level are used).
    hold_min_ms : int
        Pauses shorter than this are not holds (default 100, as eot-bench).

    Notes
    -----
    A hold is charged to the turn it lies in: the first turn end of its floor
    holder (the ``floor_speaker`` column when the pause table has it, else the
    pausing speaker) at or after it. A pause inside a backchannel thus counts in
    the turn of the speaker who holds the floor around it, not in the
    backchanneller's next turn, possibly seconds later.

    Examples
    --------
    >>> from turntune_nb import collect_transcripts, analyze_transcripts
    >>> ts, _ = collect_transcripts(["tests/data/assemblyai"])
    >>> sim = Simulator.from_result(analyze_transcripts(ts))
    >>> m = sim.evaluate((100, 1000), model="u3-rt-pro")
    >>> m.holds, m.turn_ends, m.bracket
    (89, 7, False)
    >>> sim.evaluate((400, 1280)).cutoff_rate <= m.cutoff_rate
    True
    """

    def __init__(self, pauses: pd.DataFrame, turn_ends: pd.DataFrame, hold_min_ms: int = HOLD_MIN_MS):
        self.hold_min_ms = int(hold_min_ms)
        self.pauses_table, self.turn_ends_table = pauses, turn_ends  # kept for `for_speakers`
        self.side = None  # what `for_speakers` restricted the tables to
        names = self._file_names(pauses, turn_ends)
        self.files = names
        nf = len(names)
        self._nfiles = nf
        holds = pauses[pauses[C.PAUSE_MS].to_numpy() >= self.hold_min_ms]
        self.n_pauses = int(len(pauses))
        # ---- holds
        hp = holds[C.PAUSE_MS].to_numpy(np.int64)
        hg = self._codes(holds[C.FILE], names)
        hcls = _punct_class(holds[C.TERMINAL])
        # ---- turn ends
        tg = self._codes(turn_ends[C.FILE], names)
        tcls = _punct_class(turn_ends[C.TERMINAL])
        silence = turn_ends[C.SILENCE_AFTER_MS].to_numpy(float)
        # ---- holds to turns: the first turn end of the same (file, speaker) at or after the hold
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
        # holds after their speaker's last turn end form one extra turn per (file, speaker)
        orphan_codes, orphan_uniques = pd.factorize(hgrp[~found])
        turn[~found] = nte + orphan_codes
        n_orphan = len(orphan_uniques)
        self.n_turns = nte + n_orphan
        turn_file = np.concatenate([tg, np.asarray(orphan_uniques, np.int64) // nspk]).astype(np.int64)
        self._turn_file = turn_file
        # per turn, the longest hold of each punctuation class (-1: none)
        self._turn_max = np.full((3, self.n_turns), -1, np.int64)
        for c in range(3):
            sel = hcls == c
            np.maximum.at(self._turn_max[c], turn[sel], hp[sel])
        self._turns_per_file = np.bincount(turn_file, minlength=nf)
        # ---- sorted arrays, once: holds by (file, pause) and by pause, per class
        self._hspan = int(hp.max(initial=0)) + 2
        self._hold_keys, self._hold_flat, self._hold_bounds = [], [], []
        for c in range(3):
            sel = hcls == c
            self._hold_keys.append(np.sort(hg[sel] * self._hspan + hp[sel]))
            self._hold_flat.append(np.sort(hp[sel]))
            self._hold_bounds.append(np.searchsorted(self._hold_keys[c], np.arange(nf + 1) * self._hspan))
        self._holds_per_file = np.bincount(hg, minlength=nf)
        # eot-bench's holds (200-5000 ms), cut when the pause is longer than the delay
        in_eot = (hp >= EOT_HOLD_MIN_MS) & (hp <= EOT_HOLD_MAX_MS)
        self._eot_keys, self._eot_flat, self._eot_bounds = [], [], []
        for c in range(3):  # the sorted hold arrays, filtered: still sorted, no second sort
            k, f = self._hold_keys[c], self._hold_flat[c]
            kp = k % self._hspan
            self._eot_keys.append(k[(kp >= EOT_HOLD_MIN_MS) & (kp <= EOT_HOLD_MAX_MS)])
            lo_i, hi_i = np.searchsorted(f, [EOT_HOLD_MIN_MS, EOT_HOLD_MAX_MS], side="left")[0], \
                np.searchsorted(f, EOT_HOLD_MAX_MS, side="right")
            self._eot_flat.append(f[lo_i:hi_i])
            self._eot_bounds.append(np.searchsorted(self._eot_keys[c], np.arange(nf + 1) * self._hspan))
        self._eot_per_file = np.bincount(hg[in_eot], minlength=nf)
        # turn ends: counts per class and file; silences (non-NaN) sorted for interruptions
        valid = ~np.isnan(silence)
        sv = np.round(silence[valid]).astype(np.int64)
        self._smin = int(sv.min(initial=0))
        self._sspan = int(sv.max(initial=0)) - self._smin + 2
        self._te_per_file = np.stack([np.bincount(tg[tcls == c], minlength=nf) for c in range(3)])
        self._sil_keys, self._sil_flat, self._sil_bounds = [], [], []
        for c in range(3):
            sel = tcls[valid] == c
            g, s = tg[valid][sel], sv[sel] - self._smin
            self._sil_keys.append(np.sort(g * self._sspan + s))
            self._sil_flat.append(np.sort(s))
            self._sil_bounds.append(np.searchsorted(self._sil_keys[c], np.arange(nf + 1) * self._sspan))
        self._scenario_cache = {}
        # ---- what the reader should know
        self.holds_by_class = {k: int((hcls == c).sum()) for k, c in (("terminal", _TERM), ("not_terminal", _NONTERM), ("unknown", _UNKNOWN))}
        self.turn_ends_by_class = {k: int(self._te_per_file[c].sum()) for k, c in (("terminal", _TERM), ("not_terminal", _NONTERM), ("unknown", _UNKNOWN))}
        seg_files = sorted({str(names[i]) for i in np.unique(np.concatenate([hg[hcls == _UNKNOWN], tg[tcls == _UNKNOWN]]))})
        self.segment_level_files = seg_files
        self.n_orphan_turns = n_orphan

    # ------------------------------------------------------------------ building
    @staticmethod
    def _file_names(pauses, turn_ends) -> list:
        names = []
        for frame in (turn_ends, pauses):
            col = frame[C.FILE]
            vals = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else list(pd.unique(col))
            names += [v for v in vals if v not in names]
        return names

    @staticmethod
    def _codes(col: pd.Series, names: list) -> np.ndarray:
        return pd.Categorical(col.astype(object), categories=names).codes.astype(np.int64)

    @classmethod
    def from_result(cls, result, hold_min_ms: int = HOLD_MIN_MS) -> "Simulator":
        """A simulator over anything with ``.pauses`` and ``.turn_ends`` (an
        `AnalysisResult`, a loaded summary), or a ``(pauses, turn_ends)`` pair."""
        if isinstance(result, Simulator):
            return result
        if isinstance(result, (tuple, list)) and len(result) == 2:
            return cls(result[0], result[1], hold_min_ms)
        if hasattr(result, "pauses") and hasattr(result, "turn_ends"):
            sim = cls(result.pauses, result.turn_ends, hold_min_ms)
            sim.side = getattr(result, "side", None)
            return sim
        raise InputError(
            f"cannot simulate from {type(result).__name__}: pass an AnalysisResult, a loaded summary "
            "or a (pauses, turn_ends) pair of DataFrames"
        )

    def __repr__(self) -> str:
        return (
            f"<Simulator {sum(self._holds_per_file)} holds (of {self.n_pauses} pauses), "
            f"{self.n_turns} turns, {int(self._te_per_file.sum())} turn ends, {self._nfiles} file(s)>"
        )

    @property
    def holds(self) -> int:
        return int(self._holds_per_file.sum())

    @property
    def turn_ends(self) -> int:
        return int(self._te_per_file.sum())

    @property
    def eot_holds(self) -> int:
        """Holds of 200-5000 ms: eot-bench's denominator of the cut-off rate."""
        return int(self._eot_per_file.sum())

    def for_speakers(self, speakers=None, channels=None, roles=None) -> "Simulator":
        """A simulator over one side of the conversations only.

        Holds and turn ends belong to the speaker holding the floor; see
        `turntune_nb.analysis.sides.select_side` for how `speakers`, `channels`
        and `roles` are matched. Raises `InputError` when nothing matches.
        """
        from .sides import select_side

        pauses, turn_ends, side = select_side(self.pauses_table, self.turn_ends_table, speakers, channels, roles)
        sim = Simulator(pauses, turn_ends, self.hold_min_ms)
        sim.side = side
        return sim

    @property
    def has_words(self) -> bool:
        """True when some holds or turn ends come with their word (punctuation known)."""
        return (self.holds_by_class["unknown"] < self.holds) or (self.turn_ends_by_class["unknown"] < self.turn_ends)

    def notes(self, model: str) -> list[str]:
        """What the figures of `model` on these data rest on, in words."""
        model = canonical_model(model)
        out = []
        unk_h, unk_t = self.holds_by_class["unknown"], self.turn_ends_by_class["unknown"]
        if model == "u3-rt-pro" and (unk_h or unk_t):
            out.append(
                f"the punctuation rule cannot be applied to {unk_h} hold(s) and {unk_t} turn end(s) from sources "
                f"without word timings ({', '.join(self.segment_level_files)}): their figures are a bracket "
                "between min_turn_silence and max_turn_silence"
            )
        if model == "universal-streaming":
            out.append(_LABELS[model])
        if self.holds == 0:
            out.append("no pauses of at least 100 ms inside turns: the false cut-off rate is undefined")
        if self.turn_ends == 0:
            out.append("no turn ends: latency is undefined")
        return out

    # ------------------------------------------------------------------ core counting
    def _setting(self, config, model):
        model = canonical_model(model)
        if isinstance(config, StreamingConfig):
            lo, hi = config.min_turn_silence, config.max_turn_silence
        elif isinstance(config, (tuple, list)) and len(config) == 2:
            lo, hi = config
        elif isinstance(config, (int, float, np.integer, np.floating)) and not isinstance(config, bool):
            lo = hi = config
        else:
            raise ConfigError(f"a setting is a StreamingConfig, a (min, max) pair or one threshold, got {config!r}")
        if model == "silence":  # one threshold: a pair means "ends after max regardless"
            lo = hi
        lo, hi = int(lo), int(hi)
        a, b = MIN_SILENCE_LIMITS
        if not (a <= lo <= hi <= b):
            raise ConfigError(f"need {a} <= min_turn_silence ({lo}) <= max_turn_silence ({hi}) <= {b} ms")
        return model, lo, hi

    def _count_holds_ge(self, c: int, thr: np.ndarray, per_file: bool) -> np.ndarray:
        """Holds of class c with pause >= thr: shape (files, k) or (k,)."""
        t = np.clip(thr, 0, self._hspan - 1)
        if not per_file:
            flat = self._hold_flat[c]
            return len(flat) - np.searchsorted(flat, t, side="left")
        keys, bounds = self._hold_keys[c], self._hold_bounds[c]
        q = np.arange(self._nfiles)[:, None] * self._hspan + t[None, :]
        return bounds[1:, None] - np.searchsorted(keys, q, side="left")

    def _count_eot_cuts(self, c: int, thr: np.ndarray, per_file: bool) -> np.ndarray:
        """eot-bench holds of class c longer than thr (the endpointer fires inside them)."""
        t = np.clip(thr, 0, self._hspan - 2)
        if not per_file:
            flat = self._eot_flat[c]
            return len(flat) - np.searchsorted(flat, t, side="right")
        keys, bounds = self._eot_keys[c], self._eot_bounds[c]
        q = np.arange(self._nfiles)[:, None] * self._hspan + t[None, :]
        return bounds[1:, None] - np.searchsorted(keys, q, side="right")

    def _count_interrupted(self, c: int, thr: np.ndarray, per_file: bool) -> np.ndarray:
        """Turn ends of class c whose next speaker starts before thr (silence < thr)."""
        t = np.clip(thr - self._smin, 0, self._sspan - 1)
        if not per_file:
            return np.searchsorted(self._sil_flat[c], t, side="left")
        keys, bounds = self._sil_keys[c], self._sil_bounds[c]
        q = np.arange(self._nfiles)[:, None] * self._sspan + t[None, :]
        return np.searchsorted(keys, q, side="left") - bounds[:-1, None]

    def _turn_maxima(self, at_min: frozenset):
        """Per turn: longest hold whose rule fires at min, and at max."""
        if at_min not in self._scenario_cache:
            m = self._turn_max
            lo = np.max(m[sorted(at_min)], axis=0) if at_min else np.full(self.n_turns, -1, np.int64)
            rest = sorted(_ALL - at_min)
            hi = np.max(m[rest], axis=0) if rest else np.full(self.n_turns, -1, np.int64)
            self._scenario_cache[at_min] = (lo, hi)
        return self._scenario_cache[at_min]

    def _scenario(self, at_min: frozenset, mins: np.ndarray, maxs: np.ndarray, per_file: bool, grid: bool):
        """Counts for one bound. With ``grid`` the settings are the outer product of
        `mins` and `maxs` (flattened, min-major); else they are pairs."""
        if grid:
            mn = np.repeat(mins, len(maxs))
            mx = np.tile(maxs, len(mins))
        else:
            mn, mx = mins, maxs
        cuts = 0
        inter = 0
        eot_cuts = 0
        for c in range(3):
            thr = mn if c in at_min else mx
            cuts = cuts + self._count_holds_ge(c, thr, per_file)
            eot_cuts = eot_cuts + self._count_eot_cuts(c, thr, per_file)
            inter = inter + self._count_interrupted(c, thr, per_file)
        lo_m, hi_m = self._turn_maxima(at_min)
        if per_file:  # pairs, few: a mask over turns per setting
            cut = (lo_m[None, :] >= mn[:, None]) | (hi_m[None, :] >= mx[:, None])
            nf = self._nfiles
            idx = self._turn_file[None, :] + nf * np.arange(len(mn))[:, None]
            turns_cut = np.bincount(idx[cut], minlength=nf * len(mn)).reshape(len(mn), nf).T
        elif not grid and np.array_equal(mn, mx):  # one threshold: the turn's longest hold decides
            longest = np.sort(np.maximum(lo_m, hi_m))
            turns_cut = len(longest) - np.searchsorted(longest, mn, side="left")
        elif not grid:  # a few pairs: a mask over turns per setting
            turns_cut = np.count_nonzero((lo_m[None, :] >= mn[:, None]) | (hi_m[None, :] >= mx[:, None]), axis=1)
        else:  # a 2-D histogram of the turns' longest holds against the grid values
            ua, ia_back = np.unique(mn, return_inverse=True)
            ub, ib_back = np.unique(mx, return_inverse=True)
            ia = np.searchsorted(ua, lo_m, side="right")  # hold >= ua[i] iff i < ia
            ib = np.searchsorted(ub, hi_m, side="right")
            hist = np.bincount(ia * (len(ub) + 1) + ib, minlength=(len(ua) + 1) * (len(ub) + 1))
            hist = hist.reshape(len(ua) + 1, len(ub) + 1).cumsum(0).cumsum(1)
            not_cut = hist[ia_back, ib_back]  # turns with ia <= i and ib <= j
            turns_cut = self.n_turns - not_cut
        te = self._te_per_file if per_file else self._te_per_file.sum(axis=1)
        n_min = sum(te[c] for c in at_min) if at_min else np.zeros_like(te[0])
        n_max = sum(te[c] for c in _ALL - at_min) if len(at_min) < 3 else np.zeros_like(te[0])
        if per_file:
            n_min, n_max = n_min[:, None], n_max[:, None]
        n_te = n_min + n_max
        lat_mean = _ratio(n_min * mn + n_max * mx, n_te)
        p50 = _two_point_quantile(0.5, n_min, n_max, mn, mx)
        p90 = _two_point_quantile(0.9, n_min, n_max, mn, mx)
        return {"cuts": cuts, "turns_cut": turns_cut, "lat_mean": lat_mean, "p50": p50, "p90": p90,
                "interrupted": inter, "mn": mn, "mx": mx, "eot_cuts": eot_cuts, "n_max": n_max}

    def _one_scalar(self, at_min: frozenset, lo: int, hi: int) -> dict:
        """`_scenario` for one setting, overall, in scalars: the slider path."""
        cuts = inter = n_min = n_max = eot_cuts = 0
        te = self._te_per_file.sum(axis=1).tolist()
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
        lo_m, hi_m = self._turn_maxima(at_min)
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

    def _overall_one(self, model: str, lo: int, hi: int) -> dict:
        early, late = _SCENARIOS[model]
        e = self._one_scalar(early, lo, hi)
        lt = e if early == late else self._one_scalar(late, lo, hi)
        holds, turns = self.holds, self.n_turns

        def ratio(a, b):
            return a / b if b else math.nan

        return {
            "holds": holds, "cuts": e["cuts"], "cutoff_rate": ratio(e["cuts"], holds),
            "cuts_low": lt["cuts"], "cutoff_rate_low": ratio(lt["cuts"], holds),
            "turns": turns, "turns_cut": e["turns_cut"], "turns_cut_share": ratio(e["turns_cut"], turns),
            "turn_ends": self.turn_ends, "latency_mean_ms": float(lt["lat_mean"]),
            "latency_p50_ms": float(lt["p50"]), "latency_p90_ms": float(lt["p90"]),
            "latency_mean_ms_low": float(e["lat_mean"]),
            "interrupted": lt["interrupted"], "interrupted_low": e["interrupted"],
            "eot_holds": self.eot_holds, "eot_cuts": e["eot_cuts"], "eot_cutoff_rate": ratio(e["eot_cuts"], self.eot_holds),
            "never_fired": 0 if model == "silence" else lt["n_max"],
            "never_fired_share": ratio(0 if model == "silence" else lt["n_max"], self.turn_ends),
        }

    def _metrics(self, model, mins, maxs, per_file: bool, grid: bool) -> dict:
        early, late = _SCENARIOS[model]
        e = self._scenario(early, mins, maxs, per_file, grid)
        lt = e if early == late else self._scenario(late, mins, maxs, per_file, grid)
        holds = self._holds_per_file[:, None] if per_file else self.holds
        turns = self._turns_per_file[:, None] if per_file else self.n_turns
        te = self._te_per_file.sum(axis=0)[:, None] if per_file else self.turn_ends
        eot_holds = self._eot_per_file[:, None] if per_file else self.eot_holds
        never = np.zeros_like(lt["n_max"]) if model == "silence" else lt["n_max"]
        shape = np.broadcast_shapes(np.shape(e["cuts"]), np.shape(lt["lat_mean"]))
        out = {
            "holds": np.broadcast_to(holds, shape),
            "cuts": e["cuts"],
            "cutoff_rate": _ratio(e["cuts"], holds),
            "cuts_low": lt["cuts"],
            "cutoff_rate_low": _ratio(lt["cuts"], holds),
            "turns": np.broadcast_to(turns, shape),
            "turns_cut": e["turns_cut"],
            "turns_cut_share": _ratio(e["turns_cut"], turns),
            "turn_ends": np.broadcast_to(te, shape),
            "latency_mean_ms": lt["lat_mean"],
            "latency_p50_ms": lt["p50"],
            "latency_p90_ms": lt["p90"],
            "latency_mean_ms_low": e["lat_mean"],
            "interrupted": lt["interrupted"],
            "interrupted_low": e["interrupted"],
            "mn": e["mn"],
            "mx": e["mx"],
            "eot_cuts": e["eot_cuts"],
            "eot_cutoff_rate": _ratio(e["eot_cuts"], eot_holds),
            "never_fired": never,
            "never_fired_share": _ratio(never, te),
        }
        out["eot_holds"] = np.broadcast_to(eot_holds, np.shape(out["eot_cutoff_rate"]))
        out["never_fired"] = np.broadcast_to(never, np.shape(out["never_fired_share"]))
        return out

    # ------------------------------------------------------------------ public API
    def evaluate(self, config=(100, 1000), model: str = "u3-rt-pro") -> EndpointMetrics:
        """Metrics of one setting, overall and per file.

        Parameters
        ----------
        config : StreamingConfig, (min, max) pair, or int
            The setting. For ``model="silence"`` an int is the threshold T (a pair
            or config uses its ``max_turn_silence``: the silence after which
            AssemblyAI ends a turn regardless).
        model : {"u3-rt-pro", "universal-streaming", "silence"}

        Returns
        -------
        EndpointMetrics
            With ``per_file``: one row per file (``file`` plus `METRIC_COLUMNS`).

        Examples
        --------
        >>> from turntune_nb import read_rttm, analyze_transcripts
        >>> sim = Simulator.from_result(analyze_transcripts(read_rttm("samples/real/sample.rttm")))
        >>> m = sim.evaluate(500, model="silence")
        >>> m.turn_ends, m.latency_mean_ms, m.bracket
        (9, 500.0, False)
        """
        model, lo, hi = self._setting(config, model)
        mn, mx = np.array([lo], np.int64), np.array([hi], np.int64)
        vals = self._overall_one(model, lo, hi)
        ints = {"holds", "cuts", "cuts_low", "turns", "turns_cut", "turn_ends", "interrupted", "interrupted_low",
                "eot_holds", "eot_cuts", "never_fired"}

        def per_file():
            per = self._metrics(model, mn, mx, per_file=True, grid=False)
            cols = {C.FILE: np.asarray(self.files, dtype=object)}
            for k in METRIC_COLUMNS:
                v = np.asarray(per[k])[:, 0]
                cols[k] = v.astype(np.int64) if k in ints else v
            return pd.DataFrame(cols)

        return EndpointMetrics(
            model=model, min_turn_silence=lo, max_turn_silence=hi, **vals,
            bracket=_SCENARIOS[model][0] != _SCENARIOS[model][1] and self._is_bracket(model),
            label=_LABELS[model], notes=tuple(self.notes(model)), _per_file=per_file,
        )

    def _is_bracket(self, model: str) -> bool:
        if model == "universal-streaming":
            return True
        if model == "u3-rt-pro":
            return bool(self.holds_by_class["unknown"] or self.turn_ends_by_class["unknown"])
        return False

    def sweep(self, model: str = "u3-rt-pro", mins=None, maxs=None, thresholds=None) -> pd.DataFrame:
        """Metrics over a grid of settings (overall), one row per setting.

        Parameters
        ----------
        model : str
        mins, maxs : array of int, optional
            Grids of ``min_turn_silence`` / ``max_turn_silence`` (default
            `MIN_GRID_MS` x `MAX_GRID_MS`); settings with min > max are left out.
        thresholds : array of int, optional
            The grid of T for ``model="silence"`` (default `THRESHOLD_GRID_MS`).

        Returns
        -------
        DataFrame
            model, min_turn_silence, max_turn_silence and `METRIC_COLUMNS`.

        Examples
        --------
        >>> from turntune_nb import read_rttm, analyze_transcripts
        >>> sim = Simulator.from_result(analyze_transcripts(read_rttm("samples/real/sample.rttm")))
        >>> sim.sweep("silence", thresholds=[200, 400])["latency_mean_ms"].tolist()
        [200.0, 400.0]
        """
        model = canonical_model(model)
        if model == "silence":
            t = np.unique(np.asarray(THRESHOLD_GRID_MS if thresholds is None else thresholds, np.int64))
            self._check_grid(t)
            res = self._metrics(model, t, t, per_file=False, grid=False)
            keep = np.ones(len(t), bool)
        else:
            a = np.unique(np.asarray(MIN_GRID_MS if mins is None else mins, np.int64))
            b = np.unique(np.asarray(MAX_GRID_MS if maxs is None else maxs, np.int64))
            self._check_grid(a)
            self._check_grid(b)
            res = self._metrics(model, a, b, per_file=False, grid=True)
            keep = np.repeat(a, len(b)) <= np.tile(b, len(a))
        grid_mn, grid_mx = res["mn"][keep], res["mx"][keep]
        frame = pd.DataFrame({"model": model, "min_turn_silence": grid_mn, "max_turn_silence": grid_mx})
        for k in METRIC_COLUMNS:
            frame[k] = np.broadcast_to(np.asarray(res[k]), keep.shape)[keep]
        return frame.reset_index(drop=True)

    @staticmethod
    def _check_grid(values):
        a, b = MIN_SILENCE_LIMITS
        if len(values) == 0 or values.min() < a or values.max() > b:
            raise ConfigError(f"grid values must lie in {a}..{b} ms and not be empty")

    def frontier(self, model: str = "u3-rt-pro", **grid) -> pd.DataFrame:
        """The Pareto frontier of `sweep` (false cut-off rate against mean latency)."""
        return pareto_frontier(self.sweep(model, **grid))

    def operating_points(self, model: str = "u3-rt-pro", **grid) -> pd.DataFrame:
        """eot-bench's operating points of `sweep`; see `operating_points`."""
        return operating_points(self.sweep(model, **grid))
