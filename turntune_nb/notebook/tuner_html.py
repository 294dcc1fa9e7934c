"""What the `ThresholdTuner` says about a setting, as HTML.

The metrics table (with its counts, intervals and eot-bench's figures), the title,
eot-bench's four cells beside the published rows and the messages after a
recommendation, a save or a pick. Pure functions of the simulator's
`EndpointMetrics` and of the tables it gives: no widgets, so each line the panel
shows can be checked against figures worked out by hand.

Every text from outside (names, notes, warnings, paths) is HTML-escaped; the data
attributes (``data-metric``, ``data-eot``, ``data-cell``, ``data-min``...) are what
the tests and the browser read.
"""

from __future__ import annotations

import html

__all__ = ("setting_text", "metric_rows", "metrics_html", "title_html", "eot_html", "recommended_html",
           "saved_html", "picked_html", "chart_note_html")

_MUTED = "color:var(--jp-ui-font-color2, #666)"
_EOT_CELLS = ("cutoff_at_300ms", "cutoff_at_600ms", "latency_at_5pct_ms", "latency_at_10pct_ms")
_EOT_HEADS = ("", "cut-offs @ 300 ms", "cut-offs @ 600 ms", "latency @ 5% cut-offs", "latency @ 10% cut-offs")


def _pct(v) -> str:
    return "n/a" if v is None or v != v else f"{v:.1%}"


def _ms(v) -> str:
    return "n/a" if v is None or v != v else f"{v:.0f} ms"


def setting_text(model: str, min_ms: int, max_ms: int) -> str:
    """The setting as the panel writes it: one threshold for ``silence``, else min / max.

    Examples
    --------
    >>> setting_text("universal-3-6-pro", 400, 1280), setting_text("silence", 400, 900)
    ('400 / 1280 ms', 'T = 900 ms')
    """
    return f"T = {max_ms} ms" if model == "silence" else f"{min_ms} / {max_ms} ms"


def metric_rows(m) -> list[tuple[str, str, str, str]]:
    """``(label, key, value, note)`` of each row of the metrics table, values formatted.

    The headline figures are the pessimistic bound of a bracket (Universal-Streaming),
    the optimistic one on a row of its own below the cut-off rate. Turns the turn cap
    force-ends are cut turns (their row says how many); ``interruption_delay`` delays
    the first partial and is in no latency row.
    """
    lo, hi = m.cutoff_ci()
    w_lo, w_hi = m.wilson_ci()
    interval = (f"95% interval over recordings {_pct(lo)}–{_pct(hi)}" if lo == lo
                else "95% interval over recordings n/a (one recording)")
    cuts_note = f"{m.cuts} of {m.holds} pauses ≥ 100 ms; {interval}; per-hold Wilson {_pct(w_lo)}–{_pct(w_hi)}"
    rows = [
        ("false cut-off rate", "cutoff_rate", _pct(m.cutoff_rate), cuts_note),
        ("turns with a cut", "turns_cut_share", _pct(m.turns_cut_share), f"{m.turns_cut} of {m.turns} turns"
         + (f", {m.turns_capped} of them force-ended by the {m.max_turn_duration / 1000:g} s turn cap "
            f"({m.forced_ends} forced end(s))" if m.forced_ends else "")),
        ("mean latency", "latency_mean_ms", _ms(m.latency_mean_ms), f"over {m.turn_ends} turn ends"),
        ("p50 latency", "latency_p50_ms", _ms(m.latency_p50_ms), ""),
        ("p90 latency", "latency_p90_ms", _ms(m.latency_p90_ms), ""),
        ("interrupted turn ends", "interrupted", str(m.interrupted),
         "the next speaker started before the endpoint fired"),
    ]
    if m.interruption_delay is not None:
        rows.append(("interruption delay", "interruption_delay", _ms(float(m.interruption_delay)),
                     f"{m.preset} preset; delays the first partial (plus the server's 256 ms), not the end of turn"))
    if m.bracket:
        rows.insert(1, ("…optimistic bound", "cutoff_rate_low", _pct(m.cutoff_rate_low),
                        "if the model is confident early"))
    return rows


def _eot_now(m, side: str) -> str:
    """eot-bench's cut-off rate and the turn ends never fired, at this setting."""
    return (f"<div class='turntune-eot-now' style='color:var(--jp-ui-font-color1, #444)'>eot-bench's definitions: "
            f"<span data-eot='eot_cutoff_rate'>{_pct(m.eot_cutoff_rate)}</span> of {m.eot_holds} holds of "
            f"200–5000 ms cut (the endpointer fires inside them); "
            f"<span data-eot='never_fired'>{m.never_fired}</span> of {m.turn_ends} turn ends never fired, "
            f"ended by max_turn_silence (counted at it in latency)"
            + (f"; side: {html.escape(side)}" if side else "") + "</div>")


def metrics_html(m, min_ms: int, max_ms: int, model: str, side: str = "") -> str:
    """The metrics table of one setting, eot-bench's figures and the simulator's notes below it.

    Parameters
    ----------
    m : EndpointMetrics
        What the setting would have done (`Simulator.evaluate`).
    min_ms, max_ms : int
        The sliders' values, kept as the table's ``data-min`` / ``data-max``.
    model : str
    side : str
        The side the figures are restricted to (``""``: everyone).
    """
    body = "".join(
        f'<tr><th style="text-align:left">{html.escape(label)}</th>'
        f'<td data-metric="{key}" style="text-align:right;white-space:nowrap">{html.escape(value)}</td>'
        f"<td style='{_MUTED}'>{html.escape(note)}</td></tr>"
        for label, key, value, note in metric_rows(m))
    notes = "".join(f"<div style='{_MUTED}'>{html.escape(n)}</div>" for n in m.notes)
    return (f"<table class='turntune-metrics' data-min='{min_ms}' data-max='{max_ms}' "
            f"data-model='{html.escape(model)}'>{body}</table>{_eot_now(m, side)}{notes}")


def title_html(name: str, m, min_ms: int, max_ms: int, model: str) -> str:
    """The panel's heading: the setting's name and values, the rule that produced the figures."""
    kind = "T" if model == "silence" else "setting"
    return (f"<h3 style='margin:0'>{html.escape(name)}: {setting_text(model, min_ms, max_ms)} "
            f"<span style='{_MUTED};font-weight:normal'>({html.escape(m.label or model)}, {kind})</span></h3>")


def _cell(value, pct: bool) -> str:
    return "–" if value != value else (f"{value:.1%}" if pct else f"{value:.0f} ms")


def eot_html(table) -> str:
    """eot-bench's four cells on these recordings beside the published rows (`eot_table`'s frame)."""
    head = "".join(f"<th>{h}</th>" for h in _EOT_HEADS)
    body = "".join(
        f"<tr data-source='{html.escape(r.source)}'><th style='text-align:left'>{html.escape(r.name)}</th>"
        + "".join(f"<td data-cell='{k}' style='text-align:right'>{_cell(getattr(r, k), k.startswith('cutoff'))}</td>"
                  for k in _EOT_CELLS)
        + "</tr>" for r in table.itertuples())
    return (f"<table class='turntune-eot'><tr>{head}</tr>{body}</table>"
            f"<div style='{_MUTED}'>eot-bench's cells: holds of 200–5000 ms; turn ends never "
            "fired count at max_turn_silence. Published rows: LiveKit eot-bench.</div>")


def recommended_html(recommendation, target_cutoff: float, model: str, replaced: tuple | None = None) -> str:
    """The message after a recommendation: its setting (and the one of yours it replaced), then its warnings.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> rec = NS(config=NS(min_turn_silence=300, max_turn_silence=900), warnings=[], starts_from_text=lambda: "")
    >>> "replaces your 450 / 1000 ms" in recommended_html(rec, 0.05, "silence", replaced=(450, 1000))
    True
    """
    config = recommendation.config
    warn = "".join(f"<br>⚠ {html.escape(w)}" for w in recommendation.warnings)
    mine = "" if replaced is None else (f" (replaces your {replaced[0]} / {replaced[1]} ms: "
                                        "type them again, or press Save before moving the target)")
    return (f"<b>Recommended</b> for at most {target_cutoff:.0%} false cut-offs ({html.escape(model)}): "
            f"{config.min_turn_silence} / {config.max_turn_silence} ms{mine}; "
            f"{html.escape(recommendation.starts_from_text())}{warn}")


def chart_note_html(reason: str | None = None) -> str:
    """The one-line note when the image figures stand in for the plotly charts."""
    why = html.escape(reason or "the interactive charts are off")
    return (f"<span class='turntune-chart-note' style='{_MUTED}'>ⓘ {why}: showing image charts instead "
            "(install the plotly / anywidget versions the README names and reload the page to get them back).</span>")


def saved_html(config, path) -> str:
    """The message after Save: which setting went to which file."""
    return (f"<b>Saved</b> {html.escape(config.name)}: {config.min_turn_silence} / "
            f"{config.max_turn_silence} ms to <code>{html.escape(str(path))}</code>")


def picked_html(config) -> str:
    """The message after a click on the trade-off curve."""
    return f"<b>Picked</b> on the trade-off curve: {config.min_turn_silence} / {config.max_turn_silence} ms"
