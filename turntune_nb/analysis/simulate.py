"""Endpointing simulator: what a setting would have done on your recordings.

From the pause and turn-end tables of an analysis (`turntune_nb.analysis.turns`)
and a turn-detection setting, `Simulator` computes the figures defined in
`turntune_nb.analysis.metrics` (false cut-offs, turns cut, latency,
interruptions) under AssemblyAI's rules, for one setting (`Simulator.evaluate`,
the slider path) or a grid (`Simulator.sweep`).

The rules are here: which punctuation classes fire at ``min_turn_silence`` and which
wait until ``max_turn_silence``, for each model and bound. The counting is
`turntune_nb.analysis.counting.EndpointCounter`'s: sorted arrays and
``searchsorted``/``bincount`` built once per `Simulator`; nothing loops over pauses in
Python, so one setting over 100,000 pauses takes well under a millisecond or two (see
``benchmarks/tuning.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import ConfigError, InputError
from . import columns as C
from .counting import ALL_CLASSES, TERMINAL, UNKNOWN, EndpointCounter, safe_ratio
from .frontier import operating_points, pareto_frontier
from .metrics import HOLD_MIN_MS, METRIC_COLUMNS, EndpointMetrics, canonical_model
from .presets import MIN_SILENCE_LIMITS, StreamingConfig

__all__ = ("MIN_GRID_MS", "MIN_GRID_WIDE_MS", "MAX_GRID_MS", "THRESHOLD_GRID_MS", "grid_up_to", "Simulator")

#: Default sweep grids (ms): 50 x 50 for (min, max), 501 thresholds for silence-only.
MIN_GRID_MS = np.arange(0, 2500, 50)
#: The coarse extension of `MIN_GRID_MS` up to the service's limit (10 s), swept only when
#: nothing in the default grid meets a target (`grid_up_to`).
MIN_GRID_WIDE_MS = np.arange(2500, 10_001, 100)
MAX_GRID_MS = np.arange(100, 5001, 100)
THRESHOLD_GRID_MS = np.arange(0, 5001, 10)


def grid_up_to(grid_max_ms: int):
    """Sweep grids reaching `grid_max_ms`: (mins, maxs, thresholds).

    ``max_turn_silence`` in steps of 100 ms from 100 ms, the silence-only threshold
    in steps of 10 ms, ``min_turn_silence`` the default 0-2450 ms in 50 ms steps and
    past it in steps of 100 ms (`MIN_GRID_WIDE_MS`), both clipped to the grid's top:
    at 10000 ms every allowed top setting (10000/10000, the fewest cut-offs) is in the
    grid, so a target it misses no allowed setting meets.

    Examples
    --------
    >>> mins, maxs, ts = grid_up_to(10_000)
    >>> int(mins[-1]), int(maxs[-1]), int(ts[-1]), len(mins), len(maxs)
    (10000, 10000, 10000, 126, 100)
    """
    a, b = MIN_SILENCE_LIMITS
    g = int(grid_max_ms)
    if not 100 <= g <= b:
        raise ConfigError(f"grid_max_ms must lie in 100..{b} ms (the allowed settings), got {grid_max_ms}")
    mins = np.concatenate((MIN_GRID_MS, MIN_GRID_WIDE_MS))
    return mins[mins <= g], np.arange(100, g + 1, 100), np.arange(a, g + 1, 10)


# For each model: (classes that fire at min in the early bound, ... in the late bound).
# The early bound gives the most cut-offs and least latency; the late one the reverse.
_SCENARIOS = {
    "u3-rt-pro": (frozenset((TERMINAL, UNKNOWN)), frozenset((TERMINAL,))),
    "universal-streaming": (ALL_CLASSES, frozenset()),
    "silence": (ALL_CLASSES, ALL_CLASSES),
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


class Simulator:
    """Pause and turn-end tables prepared once for fast evaluation of settings.

    Build it once (`from_result` or from the two tables), then call `evaluate`
    on every slider move, `sweep` over grids, `frontier` for the Pareto front.

    Parameters
    ----------
    pauses : DataFrame
        `turntune_nb.analysis.turns.compute_pauses` output (file, speaker, end_ms, pause_ms,
        terminal, level are used).
    turn_ends : DataFrame
        `turntune_nb.analysis.turns.compute_turn_ends` output (file, speaker, end_ms,
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
        self.counter = EndpointCounter(pauses, turn_ends, hold_min_ms)  # the tables, sorted once
        self.hold_min_ms = self.counter.hold_min_ms
        self.pauses_table, self.turn_ends_table = pauses, turn_ends  # kept for `for_speakers`
        self.side = None  # what `for_speakers` restricted the tables to
        c = self.counter
        self.files, self.n_pauses, self.n_turns = c.files, c.n_pauses, c.n_turns
        self.n_orphan_turns, self.segment_level_files = c.n_orphan_turns, c.segment_level_files
        self.holds_by_class, self.turn_ends_by_class = c.holds_by_class, c.turn_ends_by_class

    # ------------------------------------------------------------------ building
    @classmethod
    def from_result(cls, result, hold_min_ms: int = HOLD_MIN_MS) -> Simulator:
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
            f"<Simulator {sum(self.counter.holds_per_file)} holds (of {self.n_pauses} pauses), "
            f"{self.n_turns} turns, {int(self.counter.te_per_file.sum())} turn ends, {self.counter.n_files} file(s)>"
        )

    @property
    def holds(self) -> int:
        return int(self.counter.holds_per_file.sum())

    @property
    def turn_ends(self) -> int:
        return int(self.counter.te_per_file.sum())

    @property
    def eot_holds(self) -> int:
        """Holds of 200-5000 ms: eot-bench's denominator of the cut-off rate."""
        return int(self.counter.eot_per_file.sum())

    def for_speakers(self, speakers=None, channels=None, roles=None, holds: str = "own") -> Simulator:
        """A simulator over one side of the conversations only.

        Turn ends belong to the speaker whose turn ends, holds to the side's own
        silences (``holds="own"``) or the floor holder's (``"floor"``); see
        `turntune_nb.analysis.sides.select_side` for how `speakers`, `channels`
        (0-based) and `roles` are matched. Raises `InputError` when nothing matches.
        """
        from .sides import select_side

        pauses, turn_ends, side = select_side(self.pauses_table, self.turn_ends_table, speakers, channels, roles,
                                              holds)
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

    def _overall_one(self, model: str, lo: int, hi: int) -> dict:
        early, late = _SCENARIOS[model]
        e = self.counter.one_scalar(early, lo, hi)
        lt = e if early == late else self.counter.one_scalar(late, lo, hi)
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
            "eot_holds": self.eot_holds, "eot_cuts": e["eot_cuts"],
            "eot_cutoff_rate": ratio(e["eot_cuts"], self.eot_holds),
            "never_fired": 0 if model == "silence" else lt["n_max"],
            "never_fired_share": ratio(0 if model == "silence" else lt["n_max"], self.turn_ends),
        }

    def _metrics(self, model, mins, maxs, per_file: bool, grid: bool) -> dict:
        early, late = _SCENARIOS[model]
        e = self.counter.scenario(early, mins, maxs, per_file, grid)
        lt = e if early == late else self.counter.scenario(late, mins, maxs, per_file, grid)
        holds = self.counter.holds_per_file[:, None] if per_file else self.holds
        turns = self.counter.turns_per_file[:, None] if per_file else self.n_turns
        te = self.counter.te_per_file.sum(axis=0)[:, None] if per_file else self.turn_ends
        eot_holds = self.counter.eot_per_file[:, None] if per_file else self.eot_holds
        never = np.zeros_like(lt["n_max"]) if model == "silence" else lt["n_max"]
        shape = np.broadcast_shapes(np.shape(e["cuts"]), np.shape(lt["lat_mean"]))
        out = {
            "holds": np.broadcast_to(holds, shape),
            "cuts": e["cuts"],
            "cutoff_rate": safe_ratio(e["cuts"], holds),
            "cuts_low": lt["cuts"],
            "cutoff_rate_low": safe_ratio(lt["cuts"], holds),
            "turns": np.broadcast_to(turns, shape),
            "turns_cut": e["turns_cut"],
            "turns_cut_share": safe_ratio(e["turns_cut"], turns),
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
            "eot_cutoff_rate": safe_ratio(e["eot_cuts"], eot_holds),
            "never_fired": never,
            "never_fired_share": safe_ratio(never, te),
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
