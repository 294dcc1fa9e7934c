"""The data-driven recommendation: the lowest latency within a false cut-off target,
chosen on a sweep of the simulator, beside the guide's preset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .display import format_value, readable_rows
from .frontier import operating_points, pick_setting, rank_keys
from .metrics import INTERVAL_METHOD, EndpointMetrics, canonical_model
from .presets import MIN_SILENCE_LIMITS, StreamingConfig
from .results import result_caveats
from .simulate import MAX_GRID_MS, MIN_GRID_MS, THRESHOLD_GRID_MS, Simulator

__all__ = ("MIN_HOLDS_TO_DECIDE", "MIN_TURN_ENDS_TO_DECIDE", "Recommendation", "recommend_config", "grid_up_to")

#: Below these counts a recommendation carries a "too few data" warning.
MIN_HOLDS_TO_DECIDE = 100
MIN_TURN_ENDS_TO_DECIDE = 20


@dataclass(frozen=True)
class Recommendation:
    """A data-driven setting, side by side with the guide's preset.

    Attributes
    ----------
    config : StreamingConfig
        The chosen setting, named ``"Data-driven"``; its ``evidence`` holds the
        figures below in JSON-safe form, so ``config.save(path)`` keeps them.
    model : str
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
        Bootstrap interval over recordings on the mean latency (ms).
    wilson_ci : (float, float)
        The per-hold Wilson interval on the cut-off rate (every hold independent).
    eot_cells, eot_cells_silence : dict
        eot-bench's four headline cells on these recordings for the model, and for
        a silence-only endpointer (`turntune_nb.analysis.eotbench.eot_cells`).
    side : str or None
        The speakers or channels the figures are restricted to (None: all).
    grid_max_ms : int
        The longest ``max_turn_silence`` the sweep tried.
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
    wilson_ci: tuple = (math.nan, math.nan)
    eot_cells: dict = field(default_factory=dict, compare=False, repr=False)
    eot_cells_silence: dict = field(default_factory=dict, compare=False, repr=False)
    side: str | None = None
    grid_max_ms: int = int(MAX_GRID_MS[-1])
    interval_method: str = INTERVAL_METHOD

    def eot_table(self, reference: bool = True) -> pd.DataFrame:
        """eot-bench's four cells on these recordings beside the published rows."""
        from .eotbench import eot_table

        rows = {f"{self.side or 'all speakers'}: {self.model}": self.eot_cells}
        if self.eot_cells_silence and self.model != "silence":
            rows[f"{self.side or 'all speakers'}: silence only"] = self.eot_cells_silence
        return eot_table(rows, reference=reference)

    def turnbench_table(self, reference: bool = True) -> pd.DataFrame:
        """The chosen setting's cut-off rate and median latency beside TurnBench's rows."""
        from .eotbench import turnbench_table

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
            "target_cutoff": self.target_cutoff,
            "met_target": self.met_target,
            "config": self.config.to_dict(),
            "metrics": self.metrics.to_dict(),
            "cutoff_ci": list(self.cutoff_ci),
            "latency_ci": list(self.latency_ci),
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
            lines.append(f"  side: {self.side} (holds and turn ends of the speaker holding the floor)")
        lines += [
            f"  min_turn_silence: {self.config.min_turn_silence} ms",
            f"  max_turn_silence: {self.config.max_turn_silence} ms",
            f"  {m}",
            f"  {self.confidence:.0%} interval, {self.interval_method}:",
            f"    false cut-off rate {_pct_range(self.cutoff_ci)}, mean latency {_ms_range(self.latency_ci)}",
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
        return (f"<Recommendation {self.config.name}: min_turn_silence {self.config.min_turn_silence} ms, "
                f"max_turn_silence {self.config.max_turn_silence} ms ({self.model} rule): cut-off rate "
                f"{format_value('cutoff_rate', m.cutoff_rate)} (target {format_value('cutoff_rate', self.target_cutoff)}"
                f"{'' if self.met_target else ', not met'}), mean latency {format_value('latency_mean_ms', m.latency_mean_ms)} ms>")

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
    return f"{lo:.1%} - {hi:.1%}"


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


def grid_up_to(grid_max_ms: int):
    """Sweep grids reaching `grid_max_ms`: (mins, maxs, thresholds).

    ``max_turn_silence`` in steps of 100 ms from 100 ms, the silence-only threshold
    in steps of 10 ms, ``min_turn_silence`` the default 0-2450 ms in 50 ms steps
    (clipped to the grid's top).

    Examples
    --------
    >>> mins, maxs, ts = grid_up_to(10_000)
    >>> int(maxs[-1]), int(ts[-1]), len(maxs)
    (10000, 10000, 100)
    """
    a, b = MIN_SILENCE_LIMITS
    g = int(grid_max_ms)
    if not 100 <= g <= b:
        raise ConfigError(f"grid_max_ms must lie in 100..{b} ms (the allowed settings), got {grid_max_ms}")
    return MIN_GRID_MS[MIN_GRID_MS <= g], np.arange(100, g + 1, 100), np.arange(a, g + 1, 10)


def recommend_config(result_or_tables, model: str = "u3-rt-pro", target_cutoff: float = 0.05,
                     mins=None, maxs=None, thresholds=None, confidence: float = 0.95,
                     guide: StreamingConfig | None = None, speakers=None, channels=None, roles=None,
                     grid_max_ms: int | None = None) -> Recommendation:
    """The lowest mean latency with at most `target_cutoff` false cut-offs.

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
    model : {"u3-rt-pro", "universal-streaming", "silence"}
    target_cutoff : float
        Highest acceptable false cut-off rate, 0..1.
    mins, maxs, thresholds : array of int, optional
        Grids (see `Simulator.sweep`).
    confidence : float
        Of the intervals (bootstrap over recordings; Wilson per hold).
    guide : StreamingConfig, optional
        The guide's preset; taken from ``result.recommendation`` when there is one.
    speakers, channels, roles : optional
        Tune for one side only (`turntune_nb.analysis.sides.select_side`): every
        figure and the choice rest on the holds and turn ends of those speakers.
    grid_max_ms : int, optional
        The longest ``max_turn_silence`` (and silence-only threshold) to try, up to
        10000 ms (`grid_up_to`). By default the grid stops at 5000 ms and is widened
        to 10000 ms when nothing within 5 s meets the target.

    Examples
    --------
    >>> from turntune_nb import collect_transcripts, analyze_transcripts
    >>> ts, _ = collect_transcripts(["tests/data/assemblyai", "samples/real/sample.rttm"])
    >>> rec = recommend_config(analyze_transcripts(ts), target_cutoff=0.10)
    >>> rec.config.name, rec.met_target, rec.metrics.cutoff_rate <= 0.10
    ('Data-driven', True, True)
    """
    model = canonical_model(model)
    if not 0.0 <= float(target_cutoff) <= 1.0:
        raise ConfigError(f"target_cutoff must lie in 0..1 (a share, 0.05 = 5 %), got {target_cutoff}")
    target_cutoff = float(target_cutoff)
    sim = Simulator.from_result(result_or_tables)
    if speakers or channels:
        sim = sim.for_speakers(speakers, channels, roles)
    if guide is None:
        guide = getattr(result_or_tables, "recommendation", None)
    explicit = mins is not None or maxs is not None or thresholds is not None
    if grid_max_ms is not None:
        g_mins, g_maxs, g_ts = grid_up_to(grid_max_ms)
        mins = g_mins if mins is None else mins
        maxs = g_maxs if maxs is None else maxs
        thresholds = g_ts if thresholds is None else thresholds
    sweep = sim.sweep(model, mins=mins, maxs=maxs, thresholds=thresholds)
    # how the speech and the speakers were found comes first: it bounds every figure below
    warnings, notes = result_caveats(result_or_tables), list(sim.notes(model))
    if not explicit and grid_max_ms is None and sim.holds and not (sweep["cutoff_rate"] <= target_cutoff + 1e-12).any():
        mins, maxs, thresholds = grid_up_to(MIN_SILENCE_LIMITS[1])
        sweep = sim.sweep(model, mins=mins, maxs=maxs, thresholds=thresholds)
        notes.append(f"nothing up to {int(MAX_GRID_MS[-1])} ms met the target: the grid was widened to "
                     f"{MIN_SILENCE_LIMITS[1]} ms, the longest allowed setting")
    top = int(sweep["max_turn_silence"].max()) if len(sweep) else int(MAX_GRID_MS[-1])
    if sim.holds == 0:
        warnings.append("no pauses of at least 100 ms inside turns: nothing to decide the cut-off rate on")
    chosen = pick_setting(sweep, "cutoff_rate", target_cutoff, "latency_mean_ms")
    met = not chosen.isna().all()
    if not met:
        ok = sweep.dropna(subset=["cutoff_rate"]) if sim.holds else sweep
        chosen = ok.sort_values(rank_keys(ok, "cutoff_rate"), kind="stable").iloc[0]
        if sim.holds:  # without holds there is no rate to reach: the warning above says so
            warnings.append(
                f"no setting of the grid keeps false cut-offs at or below {target_cutoff:.0%}; "
                f"the lowest ({chosen['cutoff_rate']:.1%}) is given: "
                + (f"widen the grid (--grid-max-ms / grid_max_ms, up to {MIN_SILENCE_LIMITS[1]} ms) "
                   if top < MIN_SILENCE_LIMITS[1] else "")
                + "or accept a higher target"
            )
    lo, hi = int(chosen["min_turn_silence"]), int(chosen["max_turn_silence"])
    metrics = sim.evaluate((lo, hi), model=model)
    ci = metrics.cutoff_ci(confidence)
    lat_ci = metrics.latency_ci(confidence)
    wilson = metrics.wilson_ci(confidence)
    shown = ci if ci[0] == ci[0] else wilson  # one recording: only the per-hold figure exists
    label = "bootstrap over recordings" if ci[0] == ci[0] else "per-hold Wilson, one recording"
    if sim.holds < MIN_HOLDS_TO_DECIDE or sim.turn_ends < MIN_TURN_ENDS_TO_DECIDE:
        warnings.append(
            f"too few data to decide: {sim.holds} holds (want >= {MIN_HOLDS_TO_DECIDE}) and {sim.turn_ends} "
            f"turn ends (want >= {MIN_TURN_ENDS_TO_DECIDE}); the cut-off rate lies anywhere in "
            f"{shown[0]:.1%} - {shown[1]:.1%} ({confidence:.0%}, {label}): add recordings"
        )
    elif met and shown[1] > target_cutoff:
        notes.append(
            f"the {confidence:.0%} interval on the cut-off rate ({shown[0]:.1%} - {shown[1]:.1%}, {label}) "
            "reaches above the target: more recordings would settle it"
        )
    if model == "u3-rt-pro" and not sim.has_words and sim.holds:
        warnings.append("no word timings: the punctuation rule cannot be applied; consider the silence-only rule "
                        "(--model silence; model=\"silence\" in Python)")
    from .eotbench import eot_cells

    silence_sweep = sweep if model == "silence" else sim.sweep("silence", thresholds=thresholds if thresholds is not None
                                                                else (THRESHOLD_GRID_MS if top <= 5000 else grid_up_to(top)[2]))
    silence_eq = None
    if model != "silence":
        s_pick = pick_setting(silence_sweep, "cutoff_rate", target_cutoff, "latency_mean_ms")
        if not s_pick.isna().all():
            silence_eq = int(s_pick["min_turn_silence"])
    else:
        silence_eq = lo
    guide_metrics = sim.evaluate(guide, model=model) if guide is not None else None
    evidence = {
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
    threshold = None
    if model == "universal-streaming":
        threshold = getattr(guide, "end_of_turn_confidence_threshold", None) or 0.4
    config = StreamingConfig(
        "Data-driven", lo, hi,
        description=(f"Lowest mean latency with at most {target_cutoff:.0%} false cut-offs on your recordings "
                     f"({model})" if met else f"Fewest false cut-offs reachable on your recordings ({model})"),
        use_cases="Chosen from your own recordings",
        end_of_turn_confidence_threshold=threshold,
        evidence={
            "model": model, "target_cutoff": target_cutoff, "met_target": met,
            "metrics": metrics.to_dict(), "cutoff_ci": list(ci), "latency_ci": list(lat_ci),
            "interval_method": INTERVAL_METHOD, "wilson_ci_per_hold": list(wilson), "confidence": confidence,
            "guide_preset": None if guide is None else guide.name,
            "silence_equivalent_ms": silence_eq, **evidence, "warnings": list(warnings),
        },
    )
    return Recommendation(
        config=config, model=model, target_cutoff=target_cutoff, met_target=met, metrics=metrics,
        guide=guide, guide_metrics=guide_metrics, cutoff_ci=ci, confidence=confidence,
        silence_equivalent_ms=silence_eq, evidence=evidence, warnings=tuple(warnings), notes=tuple(notes),
        operating_points=operating_points(sweep), latency_ci=lat_ci, wilson_ci=wilson,
        eot_cells=eot_cells(sweep), eot_cells_silence=eot_cells(silence_sweep), side=sim.side, grid_max_ms=top,
    )

