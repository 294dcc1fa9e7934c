"""Rich display in notebooks: the HTML that `AnalysisResult`, `Recommendation` and
`StreamingConfig` show as their ``_repr_html_``.

One table per concept, values formatted by `turntune_nb.analysis.display` (shares
as percentages, milliseconds as whole numbers, readable column names), the caveats
first. The HTML carries no script and no colour of its own: tables take JupyterLab's
styles (which follow its light and dark themes), text inherits its colour, and the
one accent (the caveats' left border) is JupyterLab's warning colour variable.

Examples
--------
>>> from turntune_nb.analysis.presets import BALANCED
>>> html = config_html(BALANCED)
>>> "1,280" in html and "<script" not in html
True
"""

from __future__ import annotations

from html import escape

import pandas as pd

from . import display as D

__all__ = ("MAX_ROWS", "table_html", "figures_html", "caveats_html", "result_html", "recommendation_html",
           "config_html")

#: Rows shown of a long table; the rest is named (the full table is an attribute or an export).
MAX_ROWS = 30
_WRAP = '<div class="turntune" style="color: inherit; max-width: 100%; overflow-x: auto">'
_CAPTION = '<caption style="caption-side: top; text-align: left; font-weight: bold; padding: 2px 0">'
_WARN = ('<div style="border-left: 4px solid var(--jp-warn-color1, #f57c00); padding: 2px 8px; margin: 4px 0; '
         'color: inherit">')
_LEFT = ' style="text-align: left"'


def _cell(tag: str, text, left: bool) -> str:
    return f"<{tag}{_LEFT if left else ''}>{escape(str(text))}</{tag}>"


def table_html(frame: pd.DataFrame, caption: str | None = None, *, max_rows: int = MAX_ROWS,
               more: str = "") -> str:
    """A table with readable headers and formatted values (`display.format_value` by column).

    Text columns are aligned left, numbers right. Past `max_rows` rows the rest is
    counted in a line (`more` says where to find them).
    """
    shown = frame.head(max_rows)
    left = [D.kind(c) == "text" for c in frame.columns]
    head = "".join(_cell("th", D.label(c), lf) for c, lf in zip(frame.columns, left))
    body = "".join(
        "<tr>" + "".join(_cell("td", D.format_value(c, v), lf) for c, v, lf in zip(frame.columns, row, left)) + "</tr>"
        for row in shown.itertuples(index=False, name=None)
    )
    cap = f"{_CAPTION}{escape(caption)}</caption>" if caption else ""
    out = f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if len(frame) > len(shown):
        out += f"<p>… {len(frame) - len(shown)} more row(s){escape(more)}</p>"
    return out


def figures_html(frame: pd.DataFrame, caption: str | None = None) -> str:
    """A table whose rows are figures (index = machine name): each row labelled and
    formatted by its figure (`display.readable_rows`)."""
    text = D.readable_rows(frame)
    head = "<th></th>" + "".join(_cell("th", c, False) for c in text.columns)
    single = len(frame.columns) == 1  # a list of figures: values read left to right, like the names
    body = "".join(
        f"<tr>{_cell('th', name, True)}" + "".join(_cell("td", v, single or D.kind(k) == "text") for v in row)
        + "</tr>"
        for k, name, row in zip(frame.index, text.index, text.itertuples(index=False, name=None))
    )
    cap = f"{_CAPTION}{escape(caption)}</caption>" if caption else ""
    show_head = len(frame.columns) > 1 or frame.columns[0] != "value"
    return f"<table>{cap}" + (f"<thead><tr>{head}</tr></thead>" if show_head else "") + f"<tbody>{body}</tbody></table>"


def caveats_html(lines, title: str = "Caveats") -> str:
    """The caveats (or warnings), each in a box with the warning colour's border; empty when none."""
    lines = [str(x) for x in lines or ()]
    if not lines:
        return ""
    return "".join(f"{_WARN}<b>{escape(title[:-1] if title.endswith('s') else title)}:</b> {escape(x)}</div>"
                   for x in lines)


def _details(summary: str, inner: str) -> str:
    return f"<details><summary>{escape(summary)}</summary>{inner}</details>" if inner else ""


def _list(items) -> str:
    items = list(items)
    return "<ul>" + "".join(f"<li>{escape(str(i))}</li>" for i in items) + "</ul>" if items else ""


def result_html(result, roles=None) -> str:
    """An `AnalysisResult` for a notebook: caveats first, then the overall figures, the
    guide's preset, the per-file and per-speaker tables; transitions, pauses, skipped
    files and notes folded."""
    from .speakers import role_table, speaker_table
    from .tables import TABLE_TITLES, config_table, overall_table

    n, k = len(result.transcripts), len(result.skipped)
    side = f", restricted to {result.side}" if getattr(result, "side", None) else ""
    parts = [_WRAP, caveats_html(result.caveats),
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
        parts.append(_details(TABLE_TITLES["transition_summary"],
                              table_html(result.transition_summary, more=": result.transition_summary")))
        parts.append(_details(TABLE_TITLES["pause_summary"],
                              table_html(result.pause_summary, more=": result.pause_summary")))
    parts.append(_details(f"Skipped files ({k})", _list(f"{s.get('filename')}: {s.get('reason')}"
                                                        for s in result.skipped)))
    parts.append(_details(f"Notes ({len(result.notes)})", _list(result.notes)))
    parts.append("</div>")
    return "".join(parts)


def _range(ci, kind: str) -> str:
    lo, hi = ci
    if lo is None or hi is None or lo != lo or hi != hi:
        return "n/a"
    key = "cutoff_rate" if kind == "share" else "latency_mean_ms"
    return f"{D.format_value(key, lo)} – {D.format_value(key, hi)}" + (" ms" if kind == "ms" else "")


def recommendation_html(rec) -> str:
    """A `Recommendation` for a notebook: the warnings first, the setting, its intervals,
    then one table of the chosen setting beside the guide's preset."""
    c = rec.config
    side = f" for {rec.side}" if rec.side else ""
    lines = [f"<p><b>{escape(c.name)}: min_turn_silence {D.format_value('min_turn_silence', c.min_turn_silence)} ms, "
             f"max_turn_silence {D.format_value('max_turn_silence', c.max_turn_silence)} ms</b>{escape(side)} "
             f"({escape(rec.model)} rule, target: at most {D.format_value('cutoff_rate', rec.target_cutoff)} "
             f"false cut-offs{'' if rec.met_target else ', not met'})</p>"]
    conf = D.format_value("cutoff_rate", rec.confidence)
    lines.append(f"<p>{escape(conf)} interval ({escape(rec.interval_method)}): cut-off rate "
                 f"{escape(_range(rec.cutoff_ci, 'share'))}, mean latency {escape(_range(rec.latency_ci, 'ms'))}."
                 + (f" Silence-only equivalent: {rec.silence_equivalent_ms} ms." if rec.silence_equivalent_ms
                    is not None else "") + "</p>")
    table = figures_html(rec.table(), "The chosen setting beside the guide's preset")
    return (_WRAP + caveats_html(rec.warnings, "Warnings") + "".join(lines) + table
            + _details(f"Notes ({len(rec.notes)})", _list(rec.notes)) + "</div>")


def config_html(config) -> str:
    """A `StreamingConfig` for a notebook: its fields as a table (those not set left out)."""
    from .tables import config_table

    return _WRAP + figures_html(config_table(config), f"Streaming setting: {config.name}") + "</div>"
