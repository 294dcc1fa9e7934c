"""The HTML report's section on a deployed agent's calls (`turntune_nb.analysis.agent`).

`agent_section` returns the section's HTML and its figures; `report.render_report` places
them (``agent=``). The table renderer is passed in, so this module imports nothing of
`report` (no cycle). No script; the figures are inline SVG in the page's ink.
"""

from __future__ import annotations

import html

import pandas as pd

from ..analysis.agent import PER_CALL_KEYS
from ..analysis.display import format_value

__all__ = ("agent_section", "AGENT_TABLE_COLUMNS")

#: The per-call columns the report's table shows (every figure is in the JSON).
AGENT_TABLE_COLUMNS = PER_CALL_KEYS


def _e(value) -> str:
    return html.escape(str(value))


def _setting_text(s: dict) -> str:
    if not s:
        return ""

    def f(column, key):
        return _e(format_value(column, s[key]))

    return (f"<p>The setting the agent runs ({_e(s['model'])}, {_e(s['min_turn_silence'])}/"
            f"{_e(s['max_turn_silence'])} ms), simulated on the user side's {_e(s['holds'])} holds and "
            f"{_e(s['turn_ends'])} turn ends: predicted false cut-offs <b>{f('cutoff_rate', 'predicted_cutoff_rate')}"
            f"</b> beside <b>{f('measured_cut_in_rate', 'measured_cut_in_rate')}</b> cut-ins among the responses "
            f"measured; predicted median latency <b>{f('latency_p50_ms', 'predicted_latency_p50_ms')} ms</b> beside a "
            f"median response gap of <b>{f('response_median_ms', 'measured_response_median_ms')} ms</b>. "
            + _explained(s, f) + "</p>")


def _explained(s: dict, f) -> str:
    """What part of the response gap endpointing explains, or why it cannot be said."""
    own = s["agent_own_ms"]
    if own != own:  # no response measured, or no latency predicted
        return ""
    if own < 0:
        return "The agent answers sooner than this setting's endpointer would end the user's turn (see the note below)."
    return (f"Endpointing explains {f('endpointing_share', 'endpointing_share')} of the response gap; the rest "
            f"({f('agent_own_ms', 'agent_own_ms')} ms) is the agent's own thinking and speech synthesis.")


def agent_section(report, table, start: int = 0):
    """The section's HTML (figure slots ``@@figure-N@@`` from `start`) and its figures.

    Parameters
    ----------
    report : AgentReport
    table : callable
        ``table(frame, caption=...)`` -> HTML (the report's own table renderer).
    start : int
        The number of the first figure slot.

    Returns
    -------
    (str, list of (caption, svg))
    """
    from .agent_plots import plot_barge_in_stops, plot_response_gaps
    from .plots import figure_svg

    o, th = report.overall, report.thresholds
    parts = ["<h2>The agent's calls</h2>",
             f"<p>Agent: {_e(', '.join(report.agent))}; every other speaker is the user side. {_e(o['calls'])} "
             f"call(s), {_e(o['responses'])} responses, {_e(o['cut_ins'])} cut-ins (the agent started before "
             f"the user had finished), {_e(o['barge_ins'])} barge-ins (user speech of at least "
             f"{_e(th.barge_in_min_ms)} ms starting inside the agent's), {_e(o['barge_ins_yielded'])} yielded "
             f"within {_e(th.yield_within_ms)} ms, {_e(o['dead_air'])} dead-air silence(s) of at least "
             f"{_e(th.dead_air_min_ms)} ms.</p>"]
    parts.append(table(pd.DataFrame([{k: v for k, v in o.items()}]), caption="All calls together."))
    parts.append(_setting_text(report.setting))
    columns = [c for c in AGENT_TABLE_COLUMNS if c in report.per_call.columns]
    parts.append("<h3>Per call, worst first</h3>" + table(report.per_call[columns].rename(
        columns={"file": "filename"}), caption="Worst first: the largest share of cut-ins, then the slowest "
        "90th-percentile response, then the most dead air."))
    figs = [("The agent's response gaps: its start minus the end of the user's speech before it; cut-ins left "
             "of zero.", figure_svg(lambda ax: plot_response_gaps(report.responses, ax=ax), width=8.0, height=4.2))]
    if len(report.barge_ins):
        figs.append(("How long the agent talked on after each barge-in, with the yield window.", figure_svg(
            lambda ax: plot_barge_in_stops(report.barge_ins, th.yield_within_ms, ax=ax), width=8.0, height=4.2)))
    parts.append("".join(f'<figure role="img" aria-label="{_e(t)}">@@figure-{start + i}@@'
                         f"<figcaption>{_e(t)}</figcaption></figure>" for i, (t, _) in enumerate(figs)))
    for note in report.notes:
        parts.append(f'<p class="note">{_e(note)}</p>')
    return "\n".join(parts), figs
