"""The turn timeline of the live panel: who spoke when, as an SVG strip.

One lane per speaker, a bar per final turn, a tick where the endpointer fired, a
dashed bar for the turn under way, a line at the audio streamed so far and the
inactivity countdown. Plain SVG markup (no scripts, nothing to load), so it shows
in any notebook front end, in an exported notebook and in tests without a
browser; text is drawn in ``currentColor`` and the lane colours read on
JupyterLab's light and dark themes.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

__all__ = ("TimelineTurn", "timeline_svg", "clock", "TIMELINE_WIDTH", "TIMELINE_LABEL_W", "TIMELINE_LANE_H")


def clock(ms) -> str:
    """``mm:ss.s`` of a time in ms (``?`` when unknown).

    Examples
    --------
    >>> clock(83_400), clock(None)
    ('01:23.4', '?')
    """
    if ms is None:
        return "?"
    s = ms / 1000
    return f"{int(s // 60):02d}:{s % 60:04.1f}"


@dataclass(frozen=True)
class TimelineTurn:
    """One bar of the timeline: who spoke from when to when (ms from the stream start),
    and where the endpointer fired (None: not known, or not fired yet)."""

    speaker: str | None
    start_ms: int
    end_ms: int
    fired_ms: int | None = None
    turn_order: int | None = None
    text: str = ""


#: Geometry of the timeline strip (px): the lane labels' column, the plot, a lane.
TIMELINE_WIDTH, TIMELINE_LABEL_W, TIMELINE_LANE_H = 760, 64, 22
#: Lane colours (Tableau 10: legible on white and on JupyterLab's dark grey).
_LANE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#e15759")


def _timeline_span_ms(turns, open_turns, now_ms) -> int:
    last = max([now_ms or 0] + [t.end_ms for t in (*turns, *open_turns)]
               + [t.fired_ms for t in turns if t.fired_ms is not None])
    return max(10_000, math.ceil(last / 5000) * 5000)


def timeline_svg(turns, *, open_turns=(), now_ms: int = 0, countdown: tuple | None = None,
                 width: int = TIMELINE_WIDTH) -> str:
    """The turn timeline as an SVG strip: a lane per speaker, a bar per final turn.

    Parameters
    ----------
    turns : sequence of TimelineTurn
        Final turns: a filled bar (class ``turntune-turn``) from ``start_ms`` to
        ``end_ms`` and a tick (class ``turntune-fire``) at ``fired_ms``.
    open_turns : sequence of TimelineTurn
        Turns under way: a dashed bar (class ``turntune-open``).
    now_ms : int
        How much audio has been streamed (a line, class ``turntune-now``).
    countdown : (seconds_left, seconds_total), optional
        The inactivity rule: a bar shrinking to zero, with the seconds left.
    width : int
        Pixels; the plot is ``width - 72`` px wide after the lane labels.

    Returns
    -------
    str
        ``<svg>`` markup: no scripts; text in ``currentColor`` (the page's theme).
        The axis spans at least 10 s, in steps of 5 s; a time ``t`` ms sits at
        ``x = 64 + t * (width - 72) / span``.

    Examples
    --------
    >>> svg = timeline_svg([TimelineTurn("ch0", 0, 2500, 3780), TimelineTurn("ch1", 3000, 5000)])
    >>> svg.count('class="turntune-turn"'), 'x="64.0"' in svg, 'width="172.0"' in svg
    (2, True, True)
    """
    turns, open_turns = list(turns), list(open_turns)
    lanes: list = []
    for t in (*turns, *open_turns):
        if t.speaker not in lanes:
            lanes.append(t.speaker)
    lanes = lanes or [None]
    span = _timeline_span_ms(turns, open_turns, now_ms)
    plot_w = width - TIMELINE_LABEL_W - 8

    def x(ms) -> float:
        return TIMELINE_LABEL_W + ms * plot_w / span

    lane_h, top = TIMELINE_LANE_H, 4
    axis_y = top + lane_h * len(lanes) + 2
    height = axis_y + 16 + (18 if countdown else 0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="turntune-timeline" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="Turn timeline: {len(turns)} final turn(s)" '
           f'style="color:inherit;font:11px sans-serif">']
    for i, lane in enumerate(lanes):
        y = top + i * lane_h
        name = html.escape("speech" if lane is None else str(lane))
        out.append(f'<text x="4" y="{y + lane_h * 0.65:.1f}" fill="currentColor">{name}</text>')
        out.append(f'<line x1="{TIMELINE_LABEL_W}" x2="{width - 8}" y1="{y + lane_h / 2:.1f}" '
                   f'y2="{y + lane_h / 2:.1f}" stroke="currentColor" stroke-opacity="0.15"/>')
    for sec in range(0, span // 1000 + 1, 5 if span <= 60_000 else 30):
        anchor = "end" if sec * 1000 == span else "middle"  # the last label stays inside the strip
        out.append(f'<text x="{x(sec * 1000):.1f}" y="{axis_y + 11}" fill="currentColor" fill-opacity="0.7" '
                   f'text-anchor="{anchor}">{sec} s</text>')
    for t in turns:
        i = lanes.index(t.speaker)
        y, colour = top + i * lane_h + 3, _LANE_COLOURS[i % len(_LANE_COLOURS)]
        wait = f", endpointer fired {t.fired_ms - t.end_ms} ms after the speech" if t.fired_ms is not None else ""
        title = html.escape(f"{'speech' if t.speaker is None else t.speaker} {clock(t.start_ms)}–{clock(t.end_ms)}"
                            f"{wait}{': ' + t.text if t.text else ''}")
        order = f' data-turn="{t.turn_order}"' if t.turn_order is not None else ""
        speaker = html.escape("" if t.speaker is None else str(t.speaker))
        out.append(f'<rect class="turntune-turn" data-speaker="{speaker}"{order} x="{x(t.start_ms):.1f}" '
                   f'y="{y}" width="{x(t.end_ms) - x(t.start_ms):.1f}" height="{lane_h - 6}" rx="2" '
                   f'fill="{colour}"><title>{title}</title></rect>')
        if t.fired_ms is not None:
            out.append(f'<line class="turntune-fire" x1="{x(t.fired_ms):.1f}" x2="{x(t.fired_ms):.1f}" '
                       f'y1="{y - 2}" y2="{y + lane_h - 4}" stroke="currentColor" stroke-width="2">'
                       f'<title>end of turn fired at {clock(t.fired_ms)}</title></line>')
    for t in open_turns:
        i = lanes.index(t.speaker)
        y, colour = top + i * lane_h + 3, _LANE_COLOURS[i % len(_LANE_COLOURS)]
        out.append(f'<rect class="turntune-open" x="{x(t.start_ms):.1f}" y="{y}" '
                   f'width="{max(1.0, x(t.end_ms) - x(t.start_ms)):.1f}" height="{lane_h - 6}" rx="2" '
                   f'fill="{colour}" fill-opacity="0.35" stroke="{colour}" stroke-dasharray="3 2">'
                   f'<title>turn under way since {clock(t.start_ms)}</title></rect>')
    if now_ms:
        out.append(f'<line class="turntune-now" x1="{x(now_ms):.1f}" x2="{x(now_ms):.1f}" y1="{top}" '
                   f'y2="{axis_y}" stroke="#e15759" stroke-opacity="0.8"/>')
    if countdown:
        left, total = countdown
        frac = 0.0 if not total else max(0.0, min(1.0, left / total))
        y = axis_y + 18
        out.append(f'<g class="turntune-countdown"><rect x="{TIMELINE_LABEL_W}" y="{y}" width="{plot_w * frac:.1f}" '
                   f'height="6" fill="#e15759" fill-opacity="0.6"/><text x="4" y="{y + 7}" fill="currentColor">'
                   f'{left:.0f} s left</text><title>the session ends after {total:g} s without a new turn</title></g>')
    out.append("</svg>")
    return "".join(out)
