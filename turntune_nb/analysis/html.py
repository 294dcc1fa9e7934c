"""Rich display in notebooks: the HTML that `AnalysisResult` and `Recommendation` show as
their ``_repr_html_``.

One table per concept, values formatted by `turntune_nb.analysis.display` (shares
as percentages, milliseconds as whole numbers, readable column names), the caveats
first. The HTML carries no script and no colour of its own: tables take JupyterLab's
styles (which follow its light and dark themes), text inherits its colour, and the
one accent (the caveats' left border) is JupyterLab's warning colour variable.

The pieces (`table_html`, `figures_html`, `caveats_html`) and a setting's own display
(`config_html`) live in `turntune_nb.analysis.markup`, below the settings; they are
importable from here too.

Examples
--------
>>> from turntune_nb.analysis.readers import read_rttm
>>> from turntune_nb.analysis.results import analyze_transcripts
>>> html = result_html(analyze_transcripts(read_rttm("samples/real/sample.rttm")))
>>> "Per speaker" in html and "<script" not in html
True
"""

from __future__ import annotations

from html import escape

from . import display as D
from .markup import (
    MAX_ROWS,
    WRAP,
    caveats_html,
    config_html,
    config_table,
    details_html,
    figures_html,
    list_html,
    table_html,
)
from .speakers import role_table, speaker_table
from .tables import TABLE_TITLES, overall_table

__all__ = ("MAX_ROWS", "table_html", "figures_html", "caveats_html", "result_html", "recommendation_html",
           "config_html")


def result_html(result, roles=None) -> str:
    """An `AnalysisResult` for a notebook: caveats first, then the overall figures, the
    guide's preset, the per-file and per-speaker tables; transitions, pauses, skipped
    files and notes folded."""
    n, k = len(result.transcripts), len(result.skipped)
    side = f", restricted to {result.side}" if getattr(result, "side", None) else ""
    parts = [WRAP, caveats_html(result.caveats),
             f"<p><b>{n} file{'s' if n != 1 else ''}</b> analysed ({escape(D.format_value('backend', result.backend))}"
             f"{escape(side)}), {k} skipped.</p>",
             figures_html(overall_table(result), TABLE_TITLES["overall"]),
             figures_html(config_table(result.recommendation), "The guide's preset")]
    if n:
        parts.append(table_html(result.files, TABLE_TITLES["files"], more=": result.files has them all"))
        speakers = speaker_table(result)
        parts.append(table_html(speakers, f"{TABLE_TITLES['speakers']} (cut-off rate at {speakers.attrs['setting']})",
                                more=": result.speakers has them all"))
        if roles:
            by_role = role_table(result, roles)
            parts.append(table_html(by_role, f"{TABLE_TITLES['roles']} (cut-off rate at {by_role.attrs['setting']})"))
        parts.append(details_html(TABLE_TITLES["transition_summary"],
                                  table_html(result.transition_summary, more=": result.transition_summary")))
        parts.append(details_html(TABLE_TITLES["pause_summary"],
                                  table_html(result.pause_summary, more=": result.pause_summary")))
    parts.append(details_html(f"Skipped files ({k})", list_html(f"{s.get('filename')}: {s.get('reason')}"
                                                                for s in result.skipped)))
    parts.append(details_html(f"Notes ({len(result.notes)})", list_html(result.notes)))
    parts.append("</div>")
    return "".join(parts)


def _range(ci, kind: str) -> str:
    lo, hi = ci
    if lo is None or hi is None or lo != lo or hi != hi:
        return "n/a"
    key = "cutoff_rate" if kind == "share" else "latency_mean_ms"
    return D.format_interval(key, lo, hi) + (" ms" if kind == "ms" else "")


def recommendation_html(rec) -> str:
    """A `Recommendation` for a notebook: the warnings first, the setting, its intervals,
    then one table of the chosen setting beside the guide's preset."""
    c = rec.config
    side = f" for {rec.side}" if rec.side else ""
    lines = [f"<p><b>{escape(c.name)}: min_turn_silence {D.format_value('min_turn_silence', c.min_turn_silence)} ms, "
             f"max_turn_silence {D.format_value('max_turn_silence', c.max_turn_silence)} ms</b>{escape(side)} "
             f"({escape(rec.model)} rule, target: at most {D.format_value('cutoff_rate', rec.target_cutoff)} "
             f"false cut-offs{'' if rec.met_target else ', not met'})</p>",
             f"<p>{escape(rec.starts_from_text())}</p>"]
    conf = D.format_value("cutoff_rate", rec.confidence)
    lines.append(f"<p>{escape(conf)} interval ({escape(rec.interval_method)}): cut-off rate "
                 f"{escape(_range(rec.cutoff_ci, 'share'))}"
                 + escape(f"; {rec.latency_text}" if rec.latency_fixed_ms is not None
                          else f", mean latency {_range(rec.latency_ci, 'ms')}")
                 + "."
                 + (f" Silence-only equivalent: {rec.silence_equivalent_ms} ms." if rec.silence_equivalent_ms
                    is not None else "") + "</p>")
    table = figures_html(rec.table(), "The chosen setting beside the guide's preset")
    # the analysis's own caveats are shown with its results: folded here, so a notebook says each once
    inherited, own = rec.warnings[:rec.from_result], rec.warnings[rec.from_result:]
    return (WRAP + caveats_html(own, "Warnings") + "".join(lines) + table
            + details_html(f"Caveats of the analysis ({len(inherited)}, as shown with its results)",
                           list_html(inherited))
            + details_html(f"Notes ({len(rec.notes)})", list_html(rec.notes)) + "</div>")
