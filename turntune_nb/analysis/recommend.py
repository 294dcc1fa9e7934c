"""The data-driven recommendation: the lowest latency within a false cut-off target,
chosen on a sweep of the simulator, beside the guide's preset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import ConfigError
from .frontier import operating_points, pick_setting, rank_keys
from .metrics import EndpointMetrics, canonical_model
from .presets import StreamingConfig
from .results import result_caveats
from .simulate import Simulator

__all__ = ("MIN_HOLDS_TO_DECIDE", "MIN_TURN_ENDS_TO_DECIDE", "Recommendation", "recommend_config")

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
        Wilson interval on the chosen setting's cut-off rate.
    confidence : float
    silence_equivalent_ms : int or None
        The silence-only threshold meeting the same target (for silence-only stacks).
    evidence : dict
        holds, pauses, turns, turn ends, files, punctuation classes.
    warnings, notes : tuple of str
    operating_points : DataFrame
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
        g = self.guide
        return {
            "model": self.model,
            "target_cutoff": self.target_cutoff,
            "met_target": self.met_target,
            "config": self.config.to_dict(),
            "metrics": self.metrics.to_dict(),
            "cutoff_ci": list(self.cutoff_ci),
            "confidence": self.confidence,
            "guide": None if g is None else {k: v for k, v in g.to_dict().items() if k != "evidence"},
            "guide_metrics": None if self.guide_metrics is None else self.guide_metrics.to_dict(),
            "silence_equivalent_ms": self.silence_equivalent_ms,
            "evidence": self.evidence,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "export": self.export(),
        }

    def summary_text(self) -> str:
        m = self.metrics
        lo, hi = self.cutoff_ci
        lines = [
            f"DATA-DRIVEN RECOMMENDATION ({self.model}, target <= {self.target_cutoff:.0%} false cut-offs)",
            "=" * 70,
            *[f"!! {w}" for w in self.warnings if w.startswith("SPEAKERS UNKNOWN")],
            f"  min_turn_silence: {self.config.min_turn_silence} ms",
            f"  max_turn_silence: {self.config.max_turn_silence} ms",
            f"  {m}",
            f"  false cut-off rate {self.confidence:.0%} Wilson interval: {lo:.1%} - {hi:.1%}",
            f"  evidence: {self.evidence['holds']} holds, {self.evidence['turns']} turns, "
            f"{self.evidence['turn_ends']} turn ends in {len(self.evidence['files'])} file(s)",
        ]
        if self.silence_equivalent_ms is not None:
            lines.append(f"  silence-only equivalent at the same target: {self.silence_equivalent_ms} ms")
        lines += ["", self.table().to_string(float_format=lambda v: f"{v:.3f}" if abs(v) < 1 else f"{v:.0f}")]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        if self.notes:
            lines += ["", "Notes:"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    __str__ = summary_text

    def _repr_html_(self) -> str:
        warn = "".join(f"<p><b>Warning:</b> {w}</p>" for w in self.warnings)
        return (f"<p><b>{self.config}</b> ({self.model}, target &le; {self.target_cutoff:.0%})</p>"
                + warn + self.table().to_html())


def recommend_config(result_or_tables, model: str = "u3-rt-pro", target_cutoff: float = 0.05,
                     mins=None, maxs=None, thresholds=None, confidence: float = 0.95,
                     guide: StreamingConfig | None = None) -> Recommendation:
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
        Of the Wilson interval on the cut-off rate.
    guide : StreamingConfig, optional
        The guide's preset; taken from ``result.recommendation`` when there is one.

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
    if guide is None:
        guide = getattr(result_or_tables, "recommendation", None)
    sweep = sim.sweep(model, mins=mins, maxs=maxs, thresholds=thresholds)
    # how the speech and the speakers were found comes first: it bounds every figure below
    warnings, notes = result_caveats(result_or_tables), list(sim.notes(model))
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
                f"the lowest ({chosen['cutoff_rate']:.1%}) is given: widen the grid or accept a higher target"
            )
    lo, hi = int(chosen["min_turn_silence"]), int(chosen["max_turn_silence"])
    metrics = sim.evaluate((lo, hi), model=model)
    ci = metrics.cutoff_ci(confidence)
    if sim.holds < MIN_HOLDS_TO_DECIDE or sim.turn_ends < MIN_TURN_ENDS_TO_DECIDE:
        warnings.append(
            f"too few data to decide: {sim.holds} holds (want >= {MIN_HOLDS_TO_DECIDE}) and {sim.turn_ends} "
            f"turn ends (want >= {MIN_TURN_ENDS_TO_DECIDE}); the cut-off rate lies anywhere in "
            f"{ci[0]:.1%} - {ci[1]:.1%} ({confidence:.0%}): add recordings"
        )
    elif met and ci[1] > target_cutoff:
        notes.append(
            f"the {confidence:.0%} interval on the cut-off rate ({ci[0]:.1%} - {ci[1]:.1%}) reaches above the "
            "target: more recordings would settle it"
        )
    if model == "u3-rt-pro" and not sim.has_words and sim.holds:
        warnings.append("no word timings: the punctuation rule cannot be applied; consider model='silence'")
    silence_eq = None
    if model != "silence":
        s_pick = pick_setting(sim.sweep("silence"), "cutoff_rate", target_cutoff, "latency_mean_ms")
        if not s_pick.isna().all():
            silence_eq = int(s_pick["min_turn_silence"])
    else:
        silence_eq = lo
    guide_metrics = sim.evaluate(guide, model=model) if guide is not None else None
    evidence = {
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
            "metrics": metrics.to_dict(), "cutoff_ci": list(ci), "confidence": confidence,
            "guide_preset": None if guide is None else guide.name,
            "silence_equivalent_ms": silence_eq, **evidence, "warnings": list(warnings),
        },
    )
    return Recommendation(
        config=config, model=model, target_cutoff=target_cutoff, met_target=met, metrics=metrics,
        guide=guide, guide_metrics=guide_metrics, cutoff_ci=ci, confidence=confidence,
        silence_equivalent_ms=silence_eq, evidence=evidence, warnings=tuple(warnings), notes=tuple(notes),
        operating_points=operating_points(sweep),
    )

