"""The data-driven recommendation: the lowest latency within a false cut-off target,
chosen on a sweep of the simulator, beside the guide's preset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..options import options_from_kwargs
from .display import format_interval, format_value, readable_rows
from .eotbench import eot_cells, eot_table, turnbench_table
from .frontier import operating_points, pick_setting, rank_keys
from .metrics import CONFIDENCE, INTERVAL_METHOD, PUNCTUATION, SILENCE, EndpointMetrics, model_rule
from .preset_choice import config_fields, sends_beyond_preset, starts_from_text
from .presets import MIN_SILENCE_LIMITS, StreamingConfig
from .recommend_options import RecommendOptions
from .results import result_caveats
from .simulate import MAX_GRID_MS, MIN_GRID_MS, THRESHOLD_GRID_MS, Simulator, grid_up_to
from .surface import legacy_note

__all__ = ("MIN_HOLDS_TO_DECIDE", "MIN_TURN_ENDS_TO_DECIDE", "Recommendation", "RecommendOptions", "recommend_config",
           "grid_up_to")

#: Below these counts a recommendation carries a "too few data" warning.
MIN_HOLDS_TO_DECIDE = 100
MIN_TURN_ENDS_TO_DECIDE = 20


@dataclass(frozen=True)
class Recommendation:
    """A data-driven setting, side by side with the guide's preset.

    Attributes
    ----------
    config : StreamingConfig
        The chosen setting, named ``"Data-driven"``: its ``speech_model`` and the
        preset it starts from (``mode``, or ``speaker_labels``) are set, so it sends
        only the turn fields that differ from the preset; its ``evidence`` holds the
        figures below in JSON-safe form, so ``config.save(path)`` keeps them.
    model : str
        The service's model name (``universal-3-6-pro`` by default) or ``silence``.
    target_cutoff : float
    met_target : bool
        False when no setting of the grid reaches the target (the setting with the
        lowest cut-off rate is given instead).
    metrics : EndpointMetrics
        The chosen setting's figures on the data it was chosen on.
    guide : StreamingConfig or None
        The guide's preset for the same recordings (by average gap).
    guide_metrics : EndpointMetrics or None
        The guide's preset simulated with the same model.
    cutoff_ci : (float, float)
        Interval on the chosen setting's cut-off rate: a bootstrap over recordings
        (files are the independent units; `INTERVAL_METHOD`). NaN with one file.
    confidence : float
    silence_equivalent_ms : int or None
        The silence-only threshold meeting the same target (for silence-only stacks).
    evidence : dict
        holds, pauses, turns, turn ends, files, punctuation classes.
    warnings, notes : tuple of str
    operating_points : DataFrame
    latency_ci : (float, float)
        Bootstrap interval over recordings on the mean latency (ms). Zero-width, and
        not shown as an interval, when `latency_fixed_ms` is set.
    latency_fixed_ms : int or None
        Set when latency has no spread: the rule waits until ``max_turn_silence`` at
        every turn end (sources without words under a U3 Pro model, the pessimistic bound of
        universal-streaming, a silence-only threshold); `latency_text` and a note say
        "latency is max_turn_silence at every turn end" instead of an interval.
    wilson_ci : (float, float)
        The per-hold Wilson interval on the cut-off rate (every hold independent).
    eot_cells, eot_cells_silence : dict
        eot-bench's four headline cells on these recordings for the model, and for
        a silence-only endpointer (`turntune_nb.analysis.eotbench.eot_cells`).
    side : str or None
        The speakers or channels the figures are restricted to (None: all).
    grid_max_ms : int
        The longest ``max_turn_silence`` the sweep tried.
    preset : str or None
        The preset the setting starts from (``"balanced"``, ``"speaker_labels"``...;
        None for the silence-only rule and Universal-Streaming, which have no ``mode``).
    sends : dict
        The turn fields the config sends beyond its preset (`starts_from_text` says it
        in words).
    """

    config: StreamingConfig
    model: str
    target_cutoff: float
    met_target: bool
    metrics: EndpointMetrics
    guide: StreamingConfig | None
    guide_metrics: EndpointMetrics | None
    cutoff_ci: tuple
    confidence: float
    silence_equivalent_ms: int | None
    evidence: dict
    warnings: tuple = ()
    notes: tuple = ()
    operating_points: pd.DataFrame = field(default=None, compare=False, repr=False)
    latency_ci: tuple = (math.nan, math.nan)
    latency_fixed_ms: int | None = None
    wilson_ci: tuple = (math.nan, math.nan)
    eot_cells: dict = field(default_factory=dict, compare=False, repr=False)
    eot_cells_silence: dict = field(default_factory=dict, compare=False, repr=False)
    side: str | None = None
    grid_max_ms: int = int(MAX_GRID_MS[-1])
    interval_method: str = INTERVAL_METHOD
    preset: str | None = None
    sends: dict = field(default_factory=dict, compare=False)
    #: how many of the first `warnings` are the analysis's own caveats (shown with the results already)
    from_result: int = field(default=0, compare=False)

    def starts_from_text(self) -> str:
        """Which preset the setting starts from and what it sends beyond it, in words.

        e.g. ``"universal-3-6-pro: starts from the balanced preset (128/1280 ms); sends
        max_turn_silence=1800"`` (see `recommend_config`'s example).
        """
        return starts_from_text(self.config, self.model)

    @property
    def latency_text(self) -> str:
        """The mean latency's interval in words, or what stands for it when latency has no spread.

        Examples
        --------
        >>> from turntune_nb import read_rttm, analyze_transcripts
        >>> rec = recommend_config(analyze_transcripts(read_rttm("samples/real/sample.rttm")),
        ...                        RecommendOptions(model="silence"))
        >>> rec.latency_text == f"latency is max_turn_silence at every turn end ({rec.config.max_turn_silence} ms)"
        True
        """
        if self.latency_fixed_ms is not None:
            return _fixed_latency_text(self.latency_fixed_ms)
        return _ms_range(self.latency_ci)

    def eot_table(self, reference: bool = True) -> pd.DataFrame:
        """eot-bench's four cells on these recordings beside the published rows."""
        rows = {f"{self.side or 'all speakers'}: {self.model}": self.eot_cells}
        if self.eot_cells_silence and self.model != "silence":
            rows[f"{self.side or 'all speakers'}: silence only"] = self.eot_cells_silence
        return eot_table(rows, reference=reference)

    def turnbench_table(self, reference: bool = True) -> pd.DataFrame:
        """The chosen setting's cut-off rate and median latency beside TurnBench's rows."""
        label = f"{self.side or 'all speakers'}: {self.config.min_turn_silence}/{self.config.max_turn_silence} ms"
        return turnbench_table(self.metrics, label, reference)

    def table(self) -> pd.DataFrame:
        """The chosen setting and the guide's preset, side by side (one column each)."""
        rows = ("min_turn_silence", "max_turn_silence", "cutoff_rate", "cutoff_rate_low", "turns_cut_share",
                "latency_mean_ms", "latency_mean_ms_low", "latency_p50_ms", "latency_p90_ms", "interrupted",
                "holds", "turns", "turn_ends")
        cols = {self.config.name: [getattr(self.metrics, r) for r in rows]}
        if self.guide_metrics is not None:
            cols[f"guide: {self.guide.name}"] = [getattr(self.guide_metrics, r) for r in rows]
        return pd.DataFrame(cols, index=list(rows))

    def export(self) -> dict:
        """The setting for AssemblyAI and the nearest equivalents elsewhere (`turntune_nb.analysis.export`)."""
        from .export import export_settings

        return export_settings(self.config, model=self.model, silence_equivalent_ms=self.silence_equivalent_ms)

    def save(self, path):
        """Write the config JSON that ``turntune stream --config`` and `load_config` read."""
        return self.config.save(path)

    def to_dict(self) -> dict:
        """JSON-safe (NaN as None): the setting, its figures, intervals, eot-bench cells, exports."""
        g = self.guide
        return _json_safe({
            "model": self.model,
            "speech_model": self.config.speech_model,
            "preset": self.preset,
            "sends": dict(self.sends),
            "starts_from": self.starts_from_text(),
            "target_cutoff": self.target_cutoff,
            "met_target": self.met_target,
            "config": self.config.to_dict(),
            "metrics": self.metrics.to_dict(),
            "cutoff_ci": list(self.cutoff_ci),
            "latency_ci": list(self.latency_ci),
            "latency_fixed_ms": self.latency_fixed_ms,
            "interval_method": self.interval_method,
            "wilson_ci_per_hold": list(self.wilson_ci),
            "confidence": self.confidence,
            "eot_bench": {"cells": self.eot_cells, "cells_silence_only": self.eot_cells_silence,
                          "table": self.eot_table().to_dict(orient="records"),
                          "turnbench": self.turnbench_table().to_dict(orient="records")},
            "side": self.side,
            "grid_max_ms": self.grid_max_ms,
            "guide": None if g is None else {k: v for k, v in g.to_dict().items() if k != "evidence"},
            "guide_metrics": None if self.guide_metrics is None else self.guide_metrics.to_dict(),
            "silence_equivalent_ms": self.silence_equivalent_ms,
            "evidence": self.evidence,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "export": self.export(),
        })

    def summary_text(self) -> str:
        m = self.metrics
        lines = [
            f"DATA-DRIVEN RECOMMENDATION ({self.model}, target <= {self.target_cutoff:.0%} false cut-offs)",
            "=" * 70,
            *[f"!! {w}" for w in self.warnings if w.startswith("SPEAKERS UNKNOWN")],
        ]
        if self.side:
            lines.append(f"  side: {self.side} (its turn ends, and its own silences as holds unless it says "
                         "the floor holder's)")
        lines += [
            f"  {self.starts_from_text()}",
            f"  min_turn_silence: {self.config.min_turn_silence} ms",
            f"  max_turn_silence: {self.config.max_turn_silence} ms",
            f"  {m}",
            f"  {self.confidence:.0%} interval, {self.interval_method}:",
            f"    false cut-off rate {_pct_range(self.cutoff_ci)}, mean latency: {self.latency_text}",
            f"  per-hold Wilson interval (every hold independent, too narrow across calls): "
            f"{_pct_range(self.wilson_ci)}",
            f"  evidence: {self.evidence['holds']} holds, {self.evidence['turns']} turns, "
            f"{self.evidence['turn_ends']} turn ends in {len(self.evidence['files'])} file(s)",
        ]
        if self.silence_equivalent_ms is not None:
            lines.append(f"  silence-only equivalent at the same target: {self.silence_equivalent_ms} ms")
        lines += ["", readable_rows(self.table()).to_string()]
        if self.eot_cells:
            lines += ["", "eot-bench cells (holds of 200-5000 ms; never-fired turn ends at max_turn_silence), "
                          "beside the published rows:", _format_eot(self.eot_table())]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        if self.notes:
            lines += ["", "Notes:"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    __str__ = summary_text

    def __repr__(self) -> str:
        m = self.metrics
        target = format_value("cutoff_rate", self.target_cutoff)
        return (f"<Recommendation {self.config.name}: min_turn_silence {self.config.min_turn_silence} ms, "
                f"max_turn_silence {self.config.max_turn_silence} ms ({self.model} rule): cut-off rate "
                f"{format_value('cutoff_rate', m.cutoff_rate)} (target {target}"
                f"{'' if self.met_target else ', not met'}), mean latency "
                f"{format_value('latency_mean_ms', m.latency_mean_ms)} ms>")

    def _repr_html_(self) -> str:
        from .html import recommendation_html

        return recommendation_html(self)  # warnings first, one table (turntune_nb.analysis.html)


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _pct_range(ci) -> str:
    lo, hi = ci
    if lo is None or hi is None or lo != lo or hi != hi:
        return "n/a (one recording: no spread between recordings to measure)"
    return format_interval("cutoff_rate", lo, hi)


def _ms_range(ci) -> str:
    lo, hi = ci
    if lo is None or hi is None or lo != lo or hi != hi:
        return "n/a"
    return f"{lo:.0f} - {hi:.0f} ms"


def _format_eot(table: pd.DataFrame) -> str:
    t = table.copy()
    for k in ("cutoff_at_300ms", "cutoff_at_600ms"):
        t[k] = t[k].map(lambda v: "-" if pd.isna(v) else f"{v:.1%}")
    for k in ("latency_at_5pct_ms", "latency_at_10pct_ms"):
        t[k] = t[k].map(lambda v: "-" if pd.isna(v) else f"{v:.0f} ms")
    t.columns = ["source", "name", "cut@300ms", "cut@600ms", "lat@5%", "lat@10%"]
    return t.drop(columns=["source"]).to_string(index=False)


def recommend_config(result_or_tables, options: RecommendOptions | None = None, **kwargs) -> Recommendation:
    """The lowest mean latency with at most ``options.target_cutoff`` false cut-offs.

    Sweeps the grid (`Simulator.sweep`), keeps the settings whose (pessimistic)
    false cut-off rate is at most the target, and takes the lowest mean latency;
    ties go to the lower cut-off rate, then the lower p90 latency, fewer
    interruptions, the lower max and min. When nothing meets the target the
    setting with the lowest cut-off rate is returned with a warning.

    For ``universal-streaming`` the pessimistic bound makes the choice
    ``min_turn_silence == max_turn_silence`` (the only setting whose cut-off rate a
    transcript can guarantee); the guide's confidence threshold is kept.

    Parameters
    ----------
    result_or_tables : AnalysisResult, loaded summary, Simulator or (pauses, turn_ends)
    options : RecommendOptions, optional
        The rule, the target, the grid, the side, the intervals' confidence and the
        preset to compare with (defaults: universal-3-6-pro from its balanced preset,
        5 %, the default grid, everyone).
    **kwargs
        Deprecated: the fields of `RecommendOptions` as keyword arguments
        (``model=``, ``target_cutoff=``...), taken with a `DeprecationWarning`.

    Examples
    --------
    >>> from turntune_nb import collect_transcripts, analyze_transcripts
    >>> ts, _ = collect_transcripts(["tests/data/assemblyai", "samples/real/sample.rttm"])
    >>> rec = recommend_config(analyze_transcripts(ts), RecommendOptions(target_cutoff=0.10))
    >>> rec.config.name, rec.met_target, rec.metrics.cutoff_rate <= 0.10
    ('Data-driven', True, True)
    >>> rec.config.speech_model, rec.config.mode, rec.preset
    ('universal-3-6-pro', 'balanced', 'balanced')
    >>> rec.starts_from_text().startswith("universal-3-6-pro: starts from the balanced preset (128/1280 ms); sends")
    True
    """
    opts = options_from_kwargs(RecommendOptions, options, kwargs, where="recommend_config")
    sim = _simulator_for(result_or_tables, opts)
    guide = opts.guide if opts.guide is not None else getattr(result_or_tables, "recommendation", None)
    # how the speech and the speakers were found comes first: it bounds every figure below
    warnings, notes = result_caveats(result_or_tables), list(sim.notes(opts.model))
    from_result = len(warnings)
    if legacy_note(opts.model):
        notes.insert(0, legacy_note(opts.model))
    sweep, thresholds = _sweep(sim, opts, notes)
    top = int(sweep["max_turn_silence"].max()) if len(sweep) else int(MAX_GRID_MS[-1])
    chosen, met = _choose(sweep, sim, opts.target_cutoff, top, warnings)
    lo, hi = int(chosen["min_turn_silence"]), int(chosen["max_turn_silence"])
    preset = _preset_of(opts)
    metrics = sim.evaluate((lo, hi), **preset)
    ci, lat_ci, wilson = _intervals(sim, metrics, opts, met, warnings, notes)
    fixed = _fixed_latency(sim, opts.model, lo, hi)
    if fixed is not None:
        why = {SILENCE: "a silence-only threshold", PUNCTUATION: "no turn end is known to end in . ? or ! here"}
        notes.append(f"{_fixed_latency_text(fixed)}: the rule waits that long at each one "
                     f"({why.get(model_rule(opts.model), 'the pessimistic bound')}), so it has no spread and "
                     "no interval")
    if model_rule(opts.model) == PUNCTUATION and not sim.has_words and sim.holds:
        warnings.append("no word timings: the punctuation rule cannot be applied; consider the silence-only rule "
                        "(--model silence; model=\"silence\" in Python)")
    silence_sweep, silence_eq = _silence_equivalent(sim, sweep, opts, thresholds, top, lo)
    evidence = _evidence(sim)
    named = config_fields(opts.model, opts.mode, opts.speaker_labels, guide)
    config = StreamingConfig(
        "Data-driven", lo, hi, description=_description(opts, met), use_cases="Chosen from your own recordings",
        **named,
        evidence={
            "model": opts.model, "preset": metrics.preset, "target_cutoff": opts.target_cutoff, "met_target": met,
            "metrics": metrics.to_dict(), "cutoff_ci": list(ci), "latency_ci": list(lat_ci),
            "interval_method": INTERVAL_METHOD, "wilson_ci_per_hold": list(wilson), "confidence": opts.confidence,
            "guide_preset": None if guide is None else guide.name,
            "silence_equivalent_ms": silence_eq, **evidence, "warnings": list(warnings),
        },
    )
    return Recommendation(
        config=config, model=opts.model, target_cutoff=opts.target_cutoff, met_target=met, metrics=metrics,
        guide=guide, guide_metrics=sim.evaluate(guide, **preset) if guide is not None else None,
        cutoff_ci=ci, confidence=opts.confidence, silence_equivalent_ms=silence_eq, evidence=evidence,
        warnings=tuple(warnings), from_result=from_result, notes=tuple(notes),
        operating_points=operating_points(sweep), latency_ci=lat_ci,
        latency_fixed_ms=fixed, wilson_ci=wilson, eot_cells=eot_cells(sweep),
        eot_cells_silence=eot_cells(silence_sweep), side=sim.side,
        grid_max_ms=top, preset=metrics.preset if config.starts_from_preset else None,
        sends=sends_beyond_preset(config),
    )


def _preset_of(opts: RecommendOptions) -> dict:
    """The model and preset every evaluation of the recommendation runs under."""
    return {"model": opts.model, "mode": opts.mode, "speaker_labels": opts.speaker_labels or None}


# --------------------------------------------------------------------------- the steps of recommend_config
def _simulator_for(result_or_tables, opts: RecommendOptions) -> Simulator:
    """The simulator over the data, restricted to the side asked for."""
    sim = Simulator.from_result(result_or_tables)
    if opts.speakers or opts.channels:
        sim = sim.for_speakers(opts.speakers, opts.channels, opts.roles, opts.holds)
    return sim


def _sweep(sim: Simulator, opts: RecommendOptions, notes: list):
    """The sweep over the grid asked for, widened to the longest allowed setting when no grid
    was given and nothing up to 5 s meets the target. Returns it and the thresholds used."""
    mins, maxs, thresholds = opts.mins, opts.maxs, opts.thresholds
    if opts.grid_max_ms is not None:
        g_mins, g_maxs, g_ts = grid_up_to(opts.grid_max_ms)
        mins = g_mins if mins is None else mins
        maxs = g_maxs if maxs is None else maxs
        thresholds = g_ts if thresholds is None else thresholds
    preset = _preset_of(opts)
    sweep = sim.sweep(mins=mins, maxs=maxs, thresholds=thresholds, **preset)
    reached = (sweep["cutoff_rate"] <= opts.target_cutoff + 1e-12).any()
    if not opts.explicit_grid and opts.grid_max_ms is None and sim.holds and not reached:
        mins, maxs, thresholds = grid_up_to(MIN_SILENCE_LIMITS[1])
        sweep = sim.sweep(mins=mins, maxs=maxs, thresholds=thresholds, **preset)
        notes.append(f"nothing in the default grid (min_turn_silence up to {int(MIN_GRID_MS[-1])} ms, "
                     f"max_turn_silence up to {int(MAX_GRID_MS[-1])} ms) met the target: both were widened to "
                     f"{MIN_SILENCE_LIMITS[1]} ms, the longest allowed setting")
    return sweep, thresholds


def _choose(sweep: pd.DataFrame, sim: Simulator, target: float, top: int, warnings: list):
    """The fastest setting within the target, else the one with the fewest cut-offs (with a warning)."""
    if sim.holds == 0:
        warnings.append("no pauses of at least 100 ms inside turns: nothing to decide the cut-off rate on")
    chosen = pick_setting(sweep, "cutoff_rate", target, "latency_mean_ms")
    met = not chosen.isna().all()
    if not met:
        ok = sweep.dropna(subset=["cutoff_rate"]) if sim.holds else sweep
        chosen = ok.sort_values(rank_keys(ok, "cutoff_rate"), kind="stable").iloc[0]
        if sim.holds:  # without holds there is no rate to reach: the warning above says so
            warnings.append(
                f"no setting of the grid keeps false cut-offs at or below {target:.0%}; "
                f"the lowest ({chosen['cutoff_rate']:.1%}) is given: "
                + (f"widen the grid (--grid-max-ms / grid_max_ms, up to {MIN_SILENCE_LIMITS[1]} ms) "
                   if top < MIN_SILENCE_LIMITS[1] else "")
                + "or accept a higher target"
            )
    return chosen, met


def _intervals(sim: Simulator, metrics: EndpointMetrics, opts: RecommendOptions, met: bool, warnings: list,
               notes: list):
    """The intervals on the chosen setting, and what they say about the amount of data."""
    confidence = opts.confidence
    ci = metrics.cutoff_ci(confidence)
    lat_ci = metrics.latency_ci(confidence)
    wilson = metrics.wilson_ci(confidence)
    spread = ci[0] == ci[0] and ci[1] > ci[0]  # one recording, or every resample the same: per-hold figure
    shown = ci if spread else wilson
    label = ("bootstrap over recordings" if spread else "per-hold Wilson, one recording" if ci[0] != ci[0]
             else "per-hold Wilson: every resample over recordings gave the same rate")
    if sim.holds < MIN_HOLDS_TO_DECIDE or sim.turn_ends < MIN_TURN_ENDS_TO_DECIDE:
        warnings.append(f"too few data to decide: {_shortfall(sim.holds, sim.turn_ends)}; the cut-off rate lies "
                        f"anywhere in {format_interval('cutoff_rate', *shown)} ({confidence:.0%}, {label}): this "
                        "setting is a first guess and the guide's preset stands until more recordings settle it")
    elif met and shown[1] > opts.target_cutoff:
        notes.append(
            f"the {confidence:.0%} interval on the cut-off rate ({format_interval('cutoff_rate', *shown)}, "
            f"{label}) "
            "reaches above the target: more recordings would settle it"
        )
    return ci, lat_ci, wilson


def _shortfall(holds: int, turn_ends: int) -> str:
    """Which counts are short of what a decision wants, said so that an enough count never reads as short."""
    short_holds, short_ends = holds < MIN_HOLDS_TO_DECIDE, turn_ends < MIN_TURN_ENDS_TO_DECIDE
    if short_holds and short_ends:
        return (f"{holds} holds and {turn_ends} turn ends, where at least {MIN_HOLDS_TO_DECIDE} holds and "
                f"{MIN_TURN_ENDS_TO_DECIDE} turn ends are wanted")
    if short_holds:
        return (f"{holds} holds, where at least {MIN_HOLDS_TO_DECIDE} are wanted (the {turn_ends} turn ends are "
                "enough)")
    return f"{turn_ends} turn ends, where at least {MIN_TURN_ENDS_TO_DECIDE} are wanted (the {holds} holds are enough)"


def _fixed_latency_text(ms: int) -> str:
    """What stands for the latency interval when latency has no spread (`_fixed_latency`)."""
    return f"latency is max_turn_silence at every turn end ({ms} ms)"


def _fixed_latency(sim: Simulator, model: str, lo: int, hi: int) -> int | None:
    """``max_turn_silence`` when the (headline, pessimistic) rule fires there at every turn end, else None.

    Silence-only fires at its threshold everywhere; universal-streaming's pessimistic
    bound waits until max everywhere; the U3 Pro models fire at min only after terminal
    punctuation, so without a terminal turn end (word-less sources) or with min == max
    it waits until max everywhere."""
    if not sim.turn_ends:
        return None
    if model_rule(model) in (SILENCE, CONFIDENCE) or lo == hi or sim.turn_ends_by_class["terminal"] == 0:
        return int(hi)
    return None


def _silence_equivalent(sim: Simulator, sweep: pd.DataFrame, opts: RecommendOptions, thresholds, top: int,
                        lo: int):
    """The silence-only sweep (for eot-bench's silence row) and the silence-only threshold that
    meets the same target (None when none does)."""
    if model_rule(opts.model) == SILENCE:
        return sweep, lo
    if thresholds is None:
        thresholds = THRESHOLD_GRID_MS if top <= 5000 else grid_up_to(top)[2]
    silence_sweep = sim.sweep("silence", thresholds=thresholds)
    pick = pick_setting(silence_sweep, "cutoff_rate", opts.target_cutoff, "latency_mean_ms")
    return silence_sweep, None if pick.isna().all() else int(pick["min_turn_silence"])


def _evidence(sim: Simulator) -> dict:
    """What the choice rests on: counts, files, punctuation classes."""
    return {
        "side": sim.side,
        "pauses": sim.n_pauses,
        "holds": sim.holds,
        "turns": sim.n_turns,
        "turn_ends": sim.turn_ends,
        "files": [str(f) for f in sim.files],
        "holds_by_punctuation": dict(sim.holds_by_class),
        "turn_ends_by_punctuation": dict(sim.turn_ends_by_class),
        "files_without_words": list(sim.segment_level_files),
    }


def _description(opts: RecommendOptions, met: bool) -> str:
    if met:
        return (f"Lowest mean latency with at most {opts.target_cutoff:.0%} false cut-offs on your recordings "
                f"({opts.model})")
    return f"Fewest false cut-offs reachable on your recordings ({opts.model})"
