"""A shareable HTML report of an analysis.

One self-contained file: figures embedded as PNG images, tables, the guide's
preset and the data-driven recommendation with its evidence, inline CSS and no
script, so it opens offline on a colleague's machine. It never holds an API key,
a token or a local absolute path: file names only, and a final scrub of the text
against the keys configured in the environment.
"""

from __future__ import annotations

import base64
import html
import os
import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..analysis import columns as C
from ..files import atomic_write_text

__all__ = ("render_report", "write_report")

_SECRET_ENV = ("ASSEMBLYAI_API_KEY", "ASSEMBLYAI_TOKEN")
# Absolute POSIX paths of two or more components, and Windows drive paths.
_ABS_PATH = re.compile(r"(?<![\w.:/])(?:/(?:[\w.\-@+]+/)+[\w.\-@+]*|[A-Za-z]:\\(?:[^\\\s<>\"']+\\)*[^\\\s<>\"']*)")

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}
h1{margin-bottom:.2em}.meta{color:#666}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:8px;padding:1em;flex:1;min-width:280px}
.card h3{margin-top:0}.big{font-size:1.4em;font-weight:600}
.warn{background:#fff4e5;border-left:4px solid #f0a030;padding:.5em 1em}
figure{margin:1em 0}img{max-width:100%}.scroll{overflow-x:auto}
"""


def _figure_png(draw) -> str:
    """Run ``draw(ax)`` on a fresh figure and return the PNG as a data URI."""
    from .plots import render_figure

    return "data:image/png;base64," + base64.b64encode(render_figure(draw, "png")).decode("ascii")


def _table(frame: pd.DataFrame, floatfmt="{:.0f}") -> str:
    def fmt(v):
        if isinstance(v, float):
            return "" if pd.isna(v) else floatfmt.format(v)
        return "" if v is None or v is pd.NA else str(v)

    table = frame.to_html(index=False, formatters={c: fmt for c in frame.columns}, border=0, na_rep="")
    return f'<div class="scroll">{table}</div>'


def _scrub(text: str) -> str:
    """Remove configured secrets and absolute local paths from the report text."""
    for name in _SECRET_ENV:
        secret = os.environ.get(name)
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    return _ABS_PATH.sub(lambda m: "…/" + Path(m.group(0).replace("\\", "/")).name, text)


def _config_card(title: str, cfg, extra: str = "") -> str:
    ev = getattr(cfg, "evidence", {}) or {}
    reason = ev.get("reason", cfg.description)
    return (
        f'<div class="card"><h3>{html.escape(title)}</h3>'
        f'<div class="big">{html.escape(cfg.name)}</div>'
        f"<p>min_turn_silence <b>{cfg.min_turn_silence} ms</b>, max_turn_silence <b>{cfg.max_turn_silence} ms</b></p>"
        f"<p>{html.escape(str(reason))}</p>{extra}</div>"
    )


def _pct(v) -> str:
    return "–" if v is None or v != v else f"{v:.1%}"


def _ms(v) -> str:
    return "–" if v is None or v != v else f"{v:.0f} ms"


def _interval_text(rec) -> str:
    """The bootstrap interval (files are the units) and the per-hold Wilson figure, labelled."""
    ci, lat, wilson = getattr(rec, "cutoff_ci", None), getattr(rec, "latency_ci", None), getattr(rec, "wilson_ci", None)
    if ci is None:
        return ""
    if ci[0] == ci[0]:
        text = (f"95% interval over recordings: cut-offs {_pct(ci[0])}–{_pct(ci[1])}, mean latency "
                f"{_ms(lat[0])}–{_ms(lat[1])} (bootstrap; files are the independent units)")
    else:
        text = "95% interval over recordings: n/a (one recording)"
    if wilson is not None:
        text += f"; per-hold Wilson {_pct(wilson[0])}–{_pct(wilson[1])} (every hold independent: too narrow across calls)"
    side = getattr(rec, "side", None)
    if side:
        text += f". Side: {side}."
    return f'<p class="meta">{html.escape(text)}</p>'


def _benchmarks_section(rec) -> str:
    """eot-bench's four cells and TurnBench's figures, yours beside the published rows."""
    eot = rec.eot_table().copy()
    for k in ("cutoff_at_300ms", "cutoff_at_600ms"):
        eot[k] = eot[k].map(_pct)
    for k in ("latency_at_5pct_ms", "latency_at_10pct_ms"):
        eot[k] = eot[k].map(_ms)
    eot.columns = ["source", "name", "cut-offs @ 300 ms", "cut-offs @ 600 ms", "latency @ 5% cut-offs",
                   "latency @ 10% cut-offs"]
    tb = rec.turnbench_table().copy()
    tb["false_fire_rate"] = tb["false_fire_rate"].map(_pct)
    tb["latency_p50_ms"] = tb["latency_p50_ms"].map(_ms)
    tb["recall"] = tb["recall"].map(_pct)
    return ("<h2>Beside the field's benchmarks</h2>"
            "<p>LiveKit eot-bench's definitions: holds of 200–5000 ms, a cut-off when the endpointer fires inside "
            "one; a turn end never fired counts at the timeout (max_turn_silence); best cut-off rate within 300 / "
            "600 ms mean latency, best mean latency within 5 % / 10 % cut-offs. eot-bench's turns are single user "
            "turns given to an endpointer; yours are whole conversations: compare the kind, not the data.</p>"
            + _table(eot, "{:.3f}")
            + "<p>Sesame TurnBench (human-human two-channel calls): false fires on mid-turn pauses and "
              "backchannels, median latency of detected turn ends, each system at its own operating point; "
              "yours: the chosen setting's cut-off rate and median latency.</p>"
            + _table(tb, "{:.3f}"))


def _draw_tradeoff(result, recommendation, plot_tradeoff, ax):
    """The sweep of the recommendation's model, with the presets and the choice marked."""
    from ..analysis.frontier import pareto_frontier
    from ..analysis.presets import PRESETS
    from ..analysis.simulate import Simulator

    sim = Simulator.from_result(result)
    sweep = sim.sweep(recommendation.model)
    marks = {}
    for cfg in PRESETS.values():
        m = sim.evaluate(cfg, model=recommendation.model)
        marks[cfg.name] = (m.latency_mean_ms, m.cutoff_rate)
    marks["recommended"] = (recommendation.metrics.latency_mean_ms, recommendation.metrics.cutoff_rate)
    return plot_tradeoff(sweep, frontier=pareto_frontier(sweep), marks=marks, ax=ax)


def render_report(result, recommendation=None, title: str = "Turn-taking analysis") -> str:
    """The report as an HTML string.

    Parameters
    ----------
    result : AnalysisResult
    recommendation : optional
        A data-driven recommendation from `turntune_nb.analysis.recommend.recommend_config`;
        computed here when none is given.
    title : str
    """
    from .plots import plot_offsets, plot_pause_ecdf, plot_per_file, plot_tradeoff

    if recommendation is None:
        from ..analysis.recommend import recommend_config

        if len(result.pauses) + len(result.turn_ends):
            try:
                recommendation = recommend_config(result)
            except Exception:  # a report never fails for want of a recommendation
                recommendation = None

    guide = result.recommendation
    chosen = getattr(recommendation, "config", None)
    o = result.overall
    parts = [f"<h1>{html.escape(title)}</h1>",
             f'<p class="meta">{len(result.transcripts)} file(s), analysed with the {html.escape(result.backend)} '
             f"backend on {html.escape(result.analysis_date)}; report written {datetime.now():%Y-%m-%d %H:%M}.</p>"]

    cards = [_config_card("The guide's preset (average gap rule)", guide)]
    if chosen is not None:
        metrics = getattr(recommendation, "metrics", None)
        extra = ""
        if metrics is not None:
            rate = getattr(metrics, "cutoff_rate", None)
            lat = getattr(metrics, "latency_mean_ms", None)
            if rate is not None and lat is not None:
                shown_rate = "n/a" if rate != rate else f"{rate:.1%}"  # NaN: no holds to count
                extra = f"<p>false cut-offs <b>{shown_rate}</b>, mean latency <b>{lat:.0f} ms</b></p>"
                extra += _interval_text(recommendation)
        cards.append(_config_card("Data-driven (cut-offs vs latency on these recordings)", chosen, extra))
    parts.append('<h2>Recommendation</h2><div class="cards">' + "".join(cards) + "</div>")
    warnings = list(getattr(recommendation, "warnings", []) or [])
    for w in warnings:
        parts.append(f'<p class="warn">{html.escape(str(w))}</p>')

    if getattr(recommendation, "eot_cells", None):
        parts.append(_benchmarks_section(recommendation))

    parts.append("<h2>Overall</h2>")
    if o.get("overall_average_gap_ms") is not None:
        overall = pd.DataFrame([{
            "files with gaps": o["total_files_analyzed"], "utterances": o["total_utterances"], "gaps": o["total_gaps"],
            "average gap (ms)": o["overall_average_gap_ms"], "median gap (ms)": o["overall_median_gap_ms"],
            "min (ms)": o["overall_min_gap_ms"], "max (ms)": o["overall_max_gap_ms"],
            "variability": f"{o['variability_ratio']:.2f}x {o['variability']}",
        }])
        parts.append(_table(overall))
    share = result.overlap_share
    if share is not None:
        parts.append(f"<p>{share:.0%} of speaker changes overlap (the guide's figures leave these out).</p>")

    parts.append("<h2>Per file</h2>" + _table(result.files.drop(columns=["source"]).assign(
        overlap_share=lambda f: f["overlap_share"].map(lambda v: "" if pd.isna(v) else f"{v:.0%}"))))

    figs = []
    if len(result.transitions):
        figs.append(("Between-speaker offsets", _figure_png(lambda ax: plot_offsets(result.transitions, ax=ax))))
    if len(result.pauses):
        cfg = chosen or guide
        figs.append(("Pauses inside turns", _figure_png(
            lambda ax: plot_pause_ecdf(result.pauses, cfg.min_turn_silence, cfg.max_turn_silence, ax=ax))))
    if len(result.transitions):
        figs.append(("Offsets per file", _figure_png(lambda ax: plot_per_file(result.transitions, ax=ax))))
    if chosen is not None:
        figs.append(("Trade-off: false cut-offs against latency", _figure_png(
            lambda ax: _draw_tradeoff(result, recommendation, plot_tradeoff, ax))))
    # images go in after the scrub: base64 text is not prose and must not be rewritten
    parts.append("<h2>Figures</h2>" + "".join(
        f'<figure><img alt="{html.escape(t)}" src="@@figure-{i}@@"><figcaption>{html.escape(t)}</figcaption></figure>'
        for i, (t, _) in enumerate(figs)))

    ts = result.transition_summary
    overall_ts = ts[ts[C.FILE] == "(all files)"].drop(columns=[C.FILE])
    overall_ts = overall_ts.assign(
        share=overall_ts["share"].map(lambda v: "" if pd.isna(v) else f"{v:.0%}"),
        share_of_speaker_changes=overall_ts["share_of_speaker_changes"].map(lambda v: "" if pd.isna(v) else f"{v:.0%}"),
    )
    parts.append("<h2>Transitions, all files</h2>" + _table(overall_ts))
    if result.skipped:
        parts.append("<h2>Skipped files</h2><ul>" + "".join(
            f"<li>{html.escape(str(s['filename']))}: {html.escape(str(s['reason']))}</li>" for s in result.skipped) + "</ul>")
    if result.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in result.notes) + "</ul>")
    body = "\n".join(parts)
    doc = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n{body}\n</body></html>\n")
    doc = _scrub(doc)
    for i, (_, uri) in enumerate(figs):
        doc = doc.replace(f"@@figure-{i}@@", uri)
    return doc


def write_report(result, path="turntune-report.html", recommendation=None, title: str = "Turn-taking analysis") -> Path:
    """Write the report to `path` (atomically) and return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from turntune_nb import analyze_transcripts, read_rttm
    >>> out = write_report(analyze_transcripts(read_rttm("samples/real/sample.rttm")),
    ...                    pathlib.Path(tempfile.mkdtemp()) / "report.html")
    >>> "<script" in out.read_text()
    False
    """
    path = Path(path)
    atomic_write_text(path, render_report(result, recommendation, title))  # unique temporary name, 0600
    return path
