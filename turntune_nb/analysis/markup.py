"""The notebook's HTML pieces, and a setting's own display.

Every ``_repr_html_`` of the package is built of these: a table with readable headers
and formatted values (`table_html`), a table whose rows are figures (`figures_html`),
caveats in boxes (`caveats_html`), folded details. Values are labelled and formatted by
`turntune_nb.analysis.display`; the HTML carries no script and no colour of its own
(tables take JupyterLab's styles, which follow its light and dark themes; the caveats'
border is JupyterLab's warning colour variable).

A setting (`StreamingConfig`) needs nothing but its own fields to show itself
(`config_table`, `config_html`), so its ``_repr_html_`` finds its display here, below
`turntune_nb.analysis.presets`, without importing the analysis above it; results and
recommendations are drawn by `turntune_nb.analysis.html`.

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

__all__ = ("MAX_ROWS", "table_html", "figures_html", "caveats_html", "details_html", "list_html", "config_table",
           "config_html", "WRAP")

#: Rows shown of a long table; the rest is named (the full table is an attribute or an export).
MAX_ROWS = 30
#: The wrapper every display opens (text in the theme's colour, wide tables scroll).
WRAP = '<div class="turntune" style="color: inherit; max-width: 100%; overflow-x: auto">'
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


def details_html(summary: str, inner: str) -> str:
    """`inner` folded under `summary` (nothing when `inner` is empty)."""
    return f"<details><summary>{escape(summary)}</summary>{inner}</details>" if inner else ""


def list_html(items) -> str:
    """The items as a bulleted list (nothing when there are none)."""
    items = list(items)
    return "<ul>" + "".join(f"<li>{escape(str(i))}</li>" for i in items) + "</ul>" if items else ""


def config_table(config) -> pd.DataFrame:
    """A `StreamingConfig` as figures, one per row (index = field, column ``value``); fields not set left out.

    The model and the preset it starts from (``speech_model``, ``mode``, ``speaker_labels``)
    come first after the silences.
    """
    rows = {"name": config.name, "min_turn_silence": config.min_turn_silence,
            "max_turn_silence": config.max_turn_silence}
    for key in ("speech_model", "mode", "speaker_labels", "end_of_turn_confidence_threshold", "interruption_delay",
                "vad_threshold", "max_turn_duration", "max_speakers"):
        if getattr(config, key, None) is not None:
            rows[key] = getattr(config, key)
    for key in ("description", "use_cases"):
        if getattr(config, key):
            rows[key] = getattr(config, key)
    reason = (config.evidence or {}).get("reason")
    if reason:
        rows["reason"] = reason
    return pd.DataFrame({"value": pd.Series(list(rows.values()), index=list(rows), dtype=object)})


def config_html(config) -> str:
    """A `StreamingConfig` for a notebook: its fields as a table (those not set left out)."""
    return WRAP + figures_html(config_table(config), f"Streaming setting: {config.name}") + "</div>"
