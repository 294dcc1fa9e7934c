"""Endpointing simulator: what a setting would have done on your recordings.

From the pause and turn-end tables of an analysis (`turntune_nb.analysis.turns`)
and a turn-detection setting, `Simulator` computes the figures defined in
`turntune_nb.analysis.metrics` (false cut-offs, turns cut, latency,
interruptions) under AssemblyAI's rules, for one setting (`Simulator.evaluate`,
the slider path) or a grid (`Simulator.sweep`).

The rules are here: which punctuation classes fire at ``min_turn_silence`` and which
wait until ``max_turn_silence``, for each model's rule and bound, and how a setting is
resolved as the service resolves it: for an AssemblyAI model, the ``mode`` preset (or,
with ``speaker_labels``, the diarisation profile) fills every field left unset,
explicit values win, ``min_turn_silence`` is clamped to 50-10000 ms, and the turn cap
in force (``max_turn_duration``) force-ends long turns, counted as described in
`turntune_nb.analysis.metrics` (``forced_ends``, ``turns_capped``, and in
``turns_cut``; not in ``cutoff_rate``). ``interruption_delay`` delays the first
partial, not the end of turn: it is carried on the metrics, never added to latency. The counting is
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
from .counting import ALL_CLASSES, TERMINAL, UNKNOWN, EndpointCounter, safe_ratio, turn_starts
from .frontier import operating_points, pareto_frontier
from .metrics import (
    CONFIDENCE,
    HOLD_MIN_MS,
    METRIC_COLUMNS,
    PUNCTUATION,
    SILENCE,
    EndpointMetrics,
    canonical_model,
    model_rule,
)
from .presets import MIN_SILENCE_LIMITS, StreamingConfig
from .surface import DEFAULT_STREAMING_MODEL, MIN_TURN_SILENCE_CLAMP, effective_turn_detection

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


# For each rule: (classes that fire at min in the early bound, ... in the late bound).
# The early bound gives the most cut-offs and least latency; the late one the reverse.
_SCENARIOS = {
    PUNCTUATION: (frozenset((TERMINAL, UNKNOWN)), frozenset((TERMINAL,))),
    CONFIDENCE: (ALL_CLASSES, frozenset()),
    SILENCE: (ALL_CLASSES, ALL_CLASSES),
}
_LABELS = {
    PUNCTUATION: "{model} punctuation rule",
    CONFIDENCE: (
        "Universal-Streaming bracket: the model's confidence is not in a transcript; "
        "the optimistic bound waits until max_turn_silence at every hold, the pessimistic one "
        "fires at min_turn_silence everywhere (cut-offs) and waits until max_turn_silence at every turn end (latency)"
    ),
    SILENCE: "silence-only endpointer (one threshold)",
}
_INTS = {"holds", "cuts", "cuts_low", "turns", "turns_cut", "turn_ends", "interrupted", "interrupted_low",
         "eot_holds", "eot_cuts", "never_fired", "forced_ends", "turns_capped"}


def _label(model: str) -> str:
    return _LABELS[model_rule(model)].format(model=model)


def _resolve(config, model, mode, speaker_labels, max_turn_duration) -> dict:
    """The setting in force: model (the service's name), rule, lo, hi, cap, preset, interruption_delay.

    For an AssemblyAI model the values go through
    `turntune_nb.analysis.surface.effective_turn_detection` (preset for what is unset,
    explicit values win, the clamp); for ``silence`` the threshold is taken as it is and
    only an explicit ``max_turn_duration`` caps turns.
    """
    explicit = {}
    if isinstance(config, StreamingConfig):
        explicit = {"min_turn_silence": config.min_turn_silence, "max_turn_silence": config.max_turn_silence,
                    "interruption_delay": config.interruption_delay, "vad_threshold": config.vad_threshold,
                    "max_turn_duration": config.max_turn_duration}
        model = model if model is not None else config.speech_model
        mode = mode if mode is not None else config.mode
        speaker_labels = speaker_labels if speaker_labels is not None else config.speaker_labels
    elif isinstance(config, (tuple, list)) and len(config) == 2:
        explicit = {"min_turn_silence": config[0], "max_turn_silence": config[1]}
    elif isinstance(config, (int, float, np.integer, np.floating)) and not isinstance(config, bool):
        explicit = {"min_turn_silence": config, "max_turn_silence": config}
    elif config is not None:
        raise ConfigError(f"a setting is a StreamingConfig, a (min, max) pair, one threshold or None (the "
                          f"preset's), got {config!r}")
    if max_turn_duration is not None:
        explicit["max_turn_duration"] = max_turn_duration
    model = canonical_model(DEFAULT_STREAMING_MODEL if model is None else model)
    rule = model_rule(model)
    a, b = MIN_SILENCE_LIMITS
    for key in ("min_turn_silence", "max_turn_silence"):
        v = explicit.get(key)
        if v is not None and not a <= int(v) <= b:
            raise ConfigError(f"{key} must lie in {a}..{b} ms, got {v}")
    if rule == SILENCE:  # one threshold: a pair means "ends after max regardless"
        if explicit.get("max_turn_silence") is None:
            raise ConfigError("the silence-only rule needs a threshold: pass one number of ms (or a (min, max) pair)")
        t = int(explicit["max_turn_silence"])
        cap = explicit.get("max_turn_duration")
        return {"model": model, "rule": rule, "lo": t, "hi": t, "cap": None if cap is None else int(cap),
                "preset": None, "interruption_delay": None}
    lo, hi = explicit.get("min_turn_silence"), explicit.get("max_turn_silence")
    if lo is not None and hi is not None and int(lo) > int(hi):
        raise ConfigError(f"need min_turn_silence ({lo}) <= max_turn_silence ({hi})")
    eff = effective_turn_detection(model, mode, bool(speaker_labels), **explicit)
    cap = eff["max_turn_duration"]
    return {"model": model, "rule": rule, "lo": int(eff["min_turn_silence"]), "hi": int(eff["max_turn_silence"]),
            "cap": None if cap is None else int(cap), "preset": eff["preset"],
            "interruption_delay": eff["interruption_delay"]}


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
    >>> m = sim.evaluate((100, 1000), model="universal-3-6-pro")
    >>> m.holds, m.turn_ends, m.bracket
    (89, 7, False)
    >>> sim.evaluate((400, 1280)).cutoff_rate <= m.cutoff_rate
    True
    """

    def __init__(self, pauses: pd.DataFrame, turn_ends: pd.DataFrame, hold_min_ms: int = HOLD_MIN_MS):
        if C.START_MS not in turn_ends:  # each turn's start, while the table is still the whole conversation
            turn_ends = turn_ends.assign(**{C.START_MS: turn_starts(turn_ends)})
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
            sim = cls(result.pauses, result.turn_ends, hold_min_ms)  # turn ends carry their turn's start
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

    def notes(self, model: str = DEFAULT_STREAMING_MODEL) -> list[str]:
        """What the figures of `model` on these data rest on, in words."""
        rule = model_rule(model)
        out = []
        unk_h, unk_t = self.holds_by_class["unknown"], self.turn_ends_by_class["unknown"]
        if rule == PUNCTUATION and (unk_h or unk_t):
            out.append(
                f"the punctuation rule cannot be applied to {unk_h} hold(s) and {unk_t} turn end(s) from sources "
                f"without word timings ({', '.join(self.segment_level_files)}): their figures are a bracket "
                "between min_turn_silence and max_turn_silence"
            )
        if rule == CONFIDENCE:
            out.append(_LABELS[rule])
        if self.holds == 0:
            out.append("no pauses of at least 100 ms inside turns: the false cut-off rate is undefined")
        if self.turn_ends == 0:
            out.append("no turn ends: latency is undefined")
        return out

    # ------------------------------------------------------------------ core counting
    def _overall_one(self, rule: str, lo: int, hi: int, cap) -> dict:
        early, late = _SCENARIOS[rule]
        e = self.counter.one_scalar(early, lo, hi, cap)
        lt = e if early == late else self.counter.one_scalar(late, lo, hi, cap)
        holds, turns = self.holds, self.n_turns
        forced, capped = self.counter.count_forced(cap, per_file=False)

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
            "never_fired": 0 if rule == SILENCE else lt["n_max"],
            "never_fired_share": ratio(0 if rule == SILENCE else lt["n_max"], self.turn_ends),
            "forced_ends": forced, "turns_capped": capped, "forced_end_share": ratio(forced, turns),
        }

    def _metrics(self, rule, mins, maxs, per_file: bool, grid: bool, cap=None) -> dict:
        early, late = _SCENARIOS[rule]
        e = self.counter.scenario(early, mins, maxs, per_file, grid, cap)
        lt = e if early == late else self.counter.scenario(late, mins, maxs, per_file, grid, cap)
        holds = self.counter.holds_per_file[:, None] if per_file else self.holds
        turns = self.counter.turns_per_file[:, None] if per_file else self.n_turns
        te = self.counter.te_per_file.sum(axis=0)[:, None] if per_file else self.turn_ends
        eot_holds = self.counter.eot_per_file[:, None] if per_file else self.eot_holds
        forced, capped = self.counter.count_forced(cap, per_file)
        if per_file:
            forced, capped = forced[:, None], capped[:, None]
        never = np.zeros_like(lt["n_max"]) if rule == SILENCE else lt["n_max"]
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
            "forced_ends": np.broadcast_to(forced, shape),
            "turns_capped": np.broadcast_to(capped, shape),
            "forced_end_share": np.broadcast_to(safe_ratio(forced, turns), shape),
        }
        out["eot_holds"] = np.broadcast_to(eot_holds, np.shape(out["eot_cutoff_rate"]))
        out["never_fired"] = np.broadcast_to(never, np.shape(out["never_fired_share"]))
        return out

    # ------------------------------------------------------------------ public API
    def evaluate(self, config=None, model: str | None = None, mode: str | None = None,
                 speaker_labels: bool | None = None, max_turn_duration: int | None = None) -> EndpointMetrics:
        """Metrics of one setting, overall and per file, as the service would apply it.

        Parameters
        ----------
        config : StreamingConfig, (min, max) pair, int, or None
            The setting. A pair or an int sets both silences explicitly; a
            `StreamingConfig` brings its silences and whatever else it sets (model,
            ``mode``, ``speaker_labels``, ``interruption_delay``, ``vad_threshold``,
            ``max_turn_duration``); None leaves every field to the preset. For
            ``model="silence"`` an int is the threshold T (a pair or config uses its
            ``max_turn_silence``: the silence after which AssemblyAI ends a turn
            regardless).
        model : str, optional
            ``"universal-3-6-pro"`` (the default: the config's ``speech_model``, else
            AssemblyAI's streaming default), ``"universal-3-5-pro"``, the legacy
            ``"u3-rt-pro"`` (all the punctuation rule), ``"universal-streaming"`` (and
            ``-english`` / ``-multilingual``), ``"silence"``.
        mode : {"min_latency", "balanced", "max_accuracy"}, optional
            The U3 Pro preset that fills what the setting leaves unset (default: the
            config's, else ``balanced``).
        speaker_labels : bool, optional
            Streaming diarisation: the diarisation profile replaces the ``mode`` preset
            (640/768 ms, a 10 s turn cap).
        max_turn_duration : int, optional
            The turn cap (ms), over the preset's (60 s) or the profile's (10 s).

        Returns
        -------
        EndpointMetrics
            With ``per_file``: one row per file (``file`` plus `METRIC_COLUMNS`); the
            setting in force in ``min_turn_silence``, ``max_turn_silence``,
            ``max_turn_duration``, ``preset`` and ``interruption_delay`` (which delays
            the first partial, not the end of turn: it is in no latency figure).

        Examples
        --------
        >>> from turntune_nb import read_rttm, analyze_transcripts
        >>> sim = Simulator.from_result(analyze_transcripts(read_rttm("samples/real/sample.rttm")))
        >>> m = sim.evaluate(500, model="silence")
        >>> m.turn_ends, m.latency_mean_ms, m.bracket
        (9, 500.0, False)
        >>> m = sim.evaluate(mode="max_accuracy")  # universal-3-6-pro's preset: 512/2560 ms, 60 s cap
        >>> m.model, m.preset, m.min_turn_silence, m.max_turn_silence, m.max_turn_duration
        ('universal-3-6-pro', 'max_accuracy', 512, 2560, 60000)
        """
        r = _resolve(config, model, mode, speaker_labels, max_turn_duration)
        rule, lo, hi, cap = r["rule"], r["lo"], r["hi"], r["cap"]
        mn, mx = np.array([lo], np.int64), np.array([hi], np.int64)
        vals = self._overall_one(rule, lo, hi, cap)

        def per_file():
            per = self._metrics(rule, mn, mx, per_file=True, grid=False, cap=cap)
            cols = {C.FILE: np.asarray(self.files, dtype=object)}
            for k in METRIC_COLUMNS:
                v = np.asarray(per[k])[:, 0]
                cols[k] = v.astype(np.int64) if k in _INTS else v
            return pd.DataFrame(cols)

        return EndpointMetrics(
            model=r["model"], min_turn_silence=lo, max_turn_silence=hi, **vals,
            bracket=_SCENARIOS[rule][0] != _SCENARIOS[rule][1] and self._is_bracket(rule),
            label=_label(r["model"]), notes=tuple(self.notes(r["model"]) + self._cap_notes(cap)), _per_file=per_file,
            max_turn_duration=cap, preset=r["preset"], interruption_delay=r["interruption_delay"],
        )

    def _cap_notes(self, cap) -> list[str]:
        """What the turn cap's figures cannot see: turns whose start is unknown are never capped."""
        n = self.counter.turns_without_start
        if cap is None or not n:
            return []
        return [f"{n} turn(s) have no known start (a file's first turn without its utterance table, e.g. from a "
                f"saved summary): the {cap} ms turn cap is not applied to them"]

    def _is_bracket(self, rule: str) -> bool:
        if rule == CONFIDENCE:
            return True
        if rule == PUNCTUATION:
            return bool(self.holds_by_class["unknown"] or self.turn_ends_by_class["unknown"])
        return False

    def sweep(self, model: str = DEFAULT_STREAMING_MODEL, mins=None, maxs=None, thresholds=None,
              mode: str | None = None, speaker_labels: bool | None = None,
              max_turn_duration: int | None = None) -> pd.DataFrame:
        """Metrics over a grid of settings (overall), one row per setting.

        Parameters
        ----------
        model : str
            As in `evaluate` (default ``universal-3-6-pro``).
        mins, maxs : array of int, optional
            Grids of ``min_turn_silence`` / ``max_turn_silence`` (default
            `MIN_GRID_MS` x `MAX_GRID_MS`); settings with min > max are left out. On an
            AssemblyAI model, ``min_turn_silence`` values outside the service's clamp
            (50-10000 ms) are evaluated, and reported, at the clamp.
        thresholds : array of int, optional
            The grid of T for ``model="silence"`` (default `THRESHOLD_GRID_MS`).
        mode, speaker_labels, max_turn_duration : optional
            As in `evaluate`: they set the turn cap in force (the silences are the grid's).

        Returns
        -------
        DataFrame
            model (the service's name), preset, min_turn_silence, max_turn_silence,
            max_turn_duration and `METRIC_COLUMNS`.

        Examples
        --------
        >>> from turntune_nb import read_rttm, analyze_transcripts
        >>> sim = Simulator.from_result(analyze_transcripts(read_rttm("samples/real/sample.rttm")))
        >>> sim.sweep("silence", thresholds=[200, 400])["latency_mean_ms"].tolist()
        [200.0, 400.0]
        >>> sim.sweep(mins=[0, 50, 300], maxs=[1000])["min_turn_silence"].tolist()  # 0 is clamped to 50
        [50, 300]
        """
        r = _resolve(None if model_rule(model) != SILENCE else 0, model, mode, speaker_labels, max_turn_duration)
        rule, cap = r["rule"], r["cap"]
        if rule == SILENCE:
            t = np.unique(np.asarray(THRESHOLD_GRID_MS if thresholds is None else thresholds, np.int64))
            self._check_grid(t)
            res = self._metrics(rule, t, t, per_file=False, grid=False, cap=cap)
            keep = np.ones(len(t), bool)
        else:
            a = np.unique(np.asarray(MIN_GRID_MS if mins is None else mins, np.int64))
            b = np.unique(np.asarray(MAX_GRID_MS if maxs is None else maxs, np.int64))
            self._check_grid(a)
            self._check_grid(b)
            a = np.unique(np.clip(a, *MIN_TURN_SILENCE_CLAMP))  # what the service uses
            res = self._metrics(rule, a, b, per_file=False, grid=True, cap=cap)
            keep = np.repeat(a, len(b)) <= np.tile(b, len(a))
        grid_mn, grid_mx = res["mn"][keep], res["mx"][keep]
        frame = pd.DataFrame({"model": r["model"], "preset": r["preset"], "min_turn_silence": grid_mn,
                              "max_turn_silence": grid_mx,
                              "max_turn_duration": pd.array([cap] * len(grid_mn), dtype="Int64")})
        for k in METRIC_COLUMNS:
            frame[k] = np.broadcast_to(np.asarray(res[k]), keep.shape)[keep]
        return frame.reset_index(drop=True)

    @staticmethod
    def _check_grid(values):
        a, b = MIN_SILENCE_LIMITS
        if len(values) == 0 or values.min() < a or values.max() > b:
            raise ConfigError(f"grid values must lie in {a}..{b} ms and not be empty")

    def frontier(self, model: str = DEFAULT_STREAMING_MODEL, **grid) -> pd.DataFrame:
        """The Pareto frontier of `sweep` (false cut-off rate against mean latency)."""
        return pareto_frontier(self.sweep(model, **grid))

    def operating_points(self, model: str = DEFAULT_STREAMING_MODEL, **grid) -> pd.DataFrame:
        """eot-bench's operating points of `sweep`; see `operating_points`."""
        return operating_points(self.sweep(model, **grid))
