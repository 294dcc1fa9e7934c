"""Seaborn plots of turn-taking tables, readable on a light or a dark page.

Axes-level functions in seaborn's manner: they take ``data=`` (a table from
`turntune_nb.analysis.gaps` or `turntune_nb.analysis.simulate`), named columns and ``ax=None``, draw,
and return the Axes. Nothing here calls ``plt.show()``.

Themes
------
Every plot takes ``theme=``: ``"light"``, ``"dark"``, ``"auto"`` or ``"css"``. In each
the figure and axes backgrounds are transparent, so a figure never shows as a white
block on a dark page; only the *ink* (text, axes, ticks, reference lines) changes:

``"light"`` / ``"dark"``
    near-black / near-white ink, for a page whose theme you know.
``"auto"`` (the default in a notebook)
    a mid-dark grey ink (`AUTO_INK`, #707070), readable on JupyterLab's light theme
    (white, contrast 5.0:1) and, as it is, on a dark one (#111, 3.8:1). The kernel cannot
    ask the page which theme it shows, and an inline PNG cannot restyle itself, so one ink
    that reads on both is the robust choice; pass ``"light"`` or ``"dark"`` for full contrast.
    Its luminance (0.44, ITU BT.601) is kept *below* matplotlib-inline's 0.5 cut: the
    inline backend tags a transparent PNG ``needs_background: dark`` when its tick labels
    are lighter than that, and JupyterLab's light theme then paints a dark block behind
    the figure (#808080, at 0.502, did). Tagged ``light``, the PNG shows on the white
    page as drawn, and JupyterLab's dark theme gives it a light panel.
``"css"`` (what `render_figure` uses for SVG, hence the report and `figure_svg`)
    the ink is SVG's ``currentColor``: an SVG *inlined* in an HTML page draws its text
    and axes in the colour of the element around it, so the page's CSS (the report's
    ``prefers-color-scheme`` rule, JupyterLab's theme variables) picks light or dark ink
    with no script and a single copy of each figure. Matplotlib cannot write
    ``currentColor`` itself: the ink is drawn in a sentinel colour (`CSS_INK`) that the
    SVG text then names ``currentColor``.

The data colours (`KIND_COLORS`, seaborn's "deep" palette) read on both backgrounds.
Inside `render_figure`/`figure_svg` the plots default to the figure's theme.

Axes show plain numbers: milliseconds as integers (``1,000``, never ``10^3``),
shares as percentages; the log axis of the pause ECDF is labelled at 1-2-5 steps.
"""

from __future__ import annotations

import contextvars
import hashlib
import re

import matplotlib
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns

from ..analysis import columns as C
from ..errors import ConfigError

__all__ = ("KIND_COLORS", "THEMES", "CSS_INK", "AUTO_INK", "MIN_BOX_POINTS", "render_figure", "figure_svg",
           "apply_theme", "theme_ink", "plot_offsets", "plot_pause_ecdf", "plot_per_file", "plot_tradeoff",
           "share_beyond")

#: One colour per transition kind, shared by every plot.
KIND_COLORS = {C.GAP: "#4C72B0", C.OVERLAP: "#DD8452", C.PAUSE: "#55A868", C.CONTAINED: "#8172B3"}
#: The themes a plot can be drawn for (see the module's docstring).
THEMES = ("auto", "light", "dark", "css")
#: The sentinel ink of the ``"css"`` theme, renamed ``currentColor`` in the SVG text.
CSS_INK = "#010203"
#: The ``"auto"`` ink: luminance 0.44, below matplotlib-inline's 0.5 cut (see the module's docstring).
AUTO_INK = "#707070"
_INK = {"light": "#262626", "dark": "#e0e0e0", "auto": AUTO_INK, "css": CSS_INK}
#: Below this many values a group is shown as its points alone: a box of 2 points says nothing.
MIN_BOX_POINTS = 8
_THEME = contextvars.ContextVar("turntune_plot_theme", default="auto")


def _ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _theme(theme: str | None) -> str:
    theme = _THEME.get() if theme is None else theme
    if theme not in THEMES:
        raise ConfigError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
    return theme


def theme_ink(theme: str | None = None) -> str:
    """The ink colour (text, axes, reference lines) of a theme."""
    return _INK[_theme(theme)]


def _plain_ms(value, _pos=None) -> str:
    """A tick in whole milliseconds with a thousands separator and a typeset minus: ``−1,500``, ``300``."""
    return f"{value:,.0f}".replace("-", "\N{MINUS SIGN}")


MS_FORMATTER = mticker.FuncFormatter(_plain_ms)


def apply_theme(ax, theme: str | None = None):
    """Transparent backgrounds and the theme's ink on an Axes already drawn; returns it."""
    ink = theme_ink(theme)
    ax.figure.patch.set_facecolor("none")
    ax.set_facecolor("none")
    for spine in ax.spines.values():
        spine.set_edgecolor(ink)
    ax.tick_params(which="both", colors=ink)
    for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
        text.set_color(ink)
    legend = ax.get_legend()
    if legend is not None:
        legend.get_frame().set_facecolor("none")
        legend.get_frame().set_edgecolor(ink)
        legend.get_frame().set_alpha(0.5)
        for text in [*legend.get_texts(), legend.get_title()]:
            text.set_color(ink)
    return ax


def render_figure(draw, fmt: str = "png", width: float = 8.0, height: float = 4.2, theme: str = "css",
                  scale: float = 2.0) -> bytes:
    """Call ``draw(ax)`` on a fresh Figure (no pyplot state) and return the file bytes.

    For ``fmt="svg"`` text stays text (``svg.fonttype: none``), so it can be searched
    and read from the page, and with ``theme="css"`` its ink is ``currentColor``. A
    PNG is drawn at `scale` times 100 dpi (2: sharp on high-resolution screens; show it
    at ``width * 100`` CSS pixels). The plots drawn inside default to `theme` (a PNG
    cannot follow CSS: ``"css"`` is drawn as ``"auto"`` there).
    """
    import io

    from matplotlib.figure import Figure

    if fmt != "svg" and theme == "css":
        theme = "auto"
    _theme(theme)
    token = _THEME.set(theme)
    try:
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "turntune"}):
            fig = Figure(figsize=(width, height), dpi=100)
            ax = fig.subplots()
            draw(ax)
            apply_theme(ax, theme)
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=100 if fmt == "svg" else 100 * scale, transparent=True,
                        metadata={"Date": None} if fmt == "svg" else None)
    finally:
        _THEME.reset(token)
    out = buf.getvalue()
    if fmt == "svg" and theme == "css":
        out = out.replace(CSS_INK.encode(), b"currentColor")
    return out


def share_beyond(values, threshold_ms: float) -> float:
    """Share of values >= threshold (NaN when there are none)."""
    values = np.asarray(values, dtype=float)
    return float((values >= threshold_ms).mean()) if len(values) else float("nan")


def plot_offsets(data: pd.DataFrame, x: str = C.OFFSET_MS, hue: str = C.KIND,
                 kinds=(C.GAP, C.OVERLAP), binwidth: int = 50, clip_ms=(-2000, 3000), ax=None,
                 theme: str | None = None):
    """Histogram of between-speaker offsets: overlaps on the negative side, gaps on the positive.

    Parameters
    ----------
    data : DataFrame
        A transitions table (`compute_transitions`).
    kinds : tuple of str
        Which transition kinds to draw (speaker changes by default).
    clip_ms : (low, high)
        The x range shown; values beyond it are piled at the edges so none is hidden.
    theme : str, optional
        ``"auto"``, ``"light"``, ``"dark"`` or ``"css"`` (see the module's docstring).
    """
    ax = _ax(ax)
    rows = data[data[hue].isin(kinds)].copy()
    rows[hue] = rows[hue].astype(str)
    rows[x] = rows[x].clip(*clip_ms)
    if len(rows):
        sns.histplot(data=rows, x=x, hue=hue, hue_order=[k for k in kinds], palette=KIND_COLORS,
                     binwidth=binwidth, binrange=clip_ms, multiple="stack", shrink=0.85, linewidth=0,
                     ax=ax)
    ax.axvline(0, color=theme_ink(theme), lw=1)
    n_over = int((rows[hue] == C.OVERLAP).sum())
    n = len(rows)
    share = f"{n_over / n:.0%} overlap" if n else "no speaker changes"
    ax.xaxis.set_major_formatter(MS_FORMATTER)
    ax.yaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    ax.set(xlabel="offset to the next speaker (ms): negative = overlap", ylabel="speaker changes",
           title=f"Between-speaker offsets ({n} changes, {share})")
    return apply_theme(ax, theme)


def _log_ticks(ax, low: float, high: float) -> None:
    """Label a log axis at 1-2-5 steps in plain ms, no minor labels."""
    steps = [m * 10 ** e for e in range(0, 7) for m in (1, 2, 5)]
    ticks = [t for t in steps if low <= t <= high] or [low]
    ax.xaxis.set_major_locator(mticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(MS_FORMATTER)
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())


def plot_pause_ecdf(data: pd.DataFrame, min_turn_silence: float | None = None,
                    max_turn_silence: float | None = None, x: str = C.PAUSE_MS, min_pause_ms: int = 100,
                    ax=None, theme: str | None = None):
    """ECDF of pauses inside turns, with the two thresholds drawn and the share of
    pauses at or beyond each annotated (the pauses a silence timer would cut at).

    Parameters
    ----------
    data : DataFrame
        A pauses table (`compute_pauses`).
    min_turn_silence, max_turn_silence : float, optional
        Thresholds to draw (ms).
    min_pause_ms : int
        Shorter silences are not holds (LiveKit eot-bench counts from 100 ms).
    theme : str, optional
        ``"auto"``, ``"light"``, ``"dark"`` or ``"css"`` (see the module's docstring).
    """
    ax = _ax(ax)
    values = data.loc[data[x] >= min_pause_ms, x]
    if len(values):
        sns.ecdfplot(x=values, ax=ax, color="#4C72B0")
        ax.set_xscale("log")
    for value, name, color in ((min_turn_silence, "min_turn_silence", "#DD8452"),
                               (max_turn_silence, "max_turn_silence", "#C44E52")):
        if value is None:
            continue
        share = share_beyond(values, value)
        label = f"{name} {value:.0f} ms: {share:.0%} of pauses as long" if len(values) else f"{name} {value:.0f} ms"
        ax.axvline(value, color=color, ls="--", lw=1.5, label=label)
    if min_turn_silence is not None or max_turn_silence is not None:
        # below the axes: inside, the threshold lines would cross a (transparent) legend
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8)
    if len(values):
        low, high = ax.get_xlim()
        _log_ticks(ax, low, high)
        ax.set_xlim(low, high)
    else:
        ax.xaxis.set_major_formatter(MS_FORMATTER)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set(xlabel="pause inside a turn (ms, log scale)", ylabel="share of pauses up to x",
           title=f"Pauses inside turns ({len(values)} of >= {min_pause_ms} ms)")
    return apply_theme(ax, theme)


def plot_per_file(data: pd.DataFrame, x: str = C.OFFSET_MS, y: str = C.FILE, hue: str | None = C.KIND,
                  kinds=(C.GAP, C.OVERLAP), min_box_points: int = MIN_BOX_POINTS, ax=None,
                  theme: str | None = None):
    """Per-file strip plot, over a box plot where a file has at least `min_box_points`
    values (fewer are shown as their points alone): offsets of speaker changes by
    default; pass a pauses table with ``x="pause_ms", hue=None, kinds=None`` for pauses.
    """
    ax = _ax(ax)
    rows = data if kinds is None or hue is None else data[data[hue].isin(kinds)]
    rows = rows.copy()
    rows[y] = rows[y].astype(str)
    if hue is not None:
        rows[hue] = rows[hue].astype(str)
    if len(rows):
        order = list(dict.fromkeys(rows[y]))
        counts = rows[y].value_counts()
        boxed = rows[rows[y].map(counts) >= min_box_points]
        if len(boxed):
            ink = theme_ink(theme)
            lines = {"color": ink}
            sns.boxplot(data=boxed, x=x, y=y, order=order, showfliers=False, ax=ax, fill=False, color=ink,
                        linewidth=1, whiskerprops=lines, capprops=lines, medianprops=lines, boxprops=lines)
        sns.stripplot(data=rows, x=x, y=y, order=order, hue=hue, hue_order=None if hue is None or kinds is None
                      else [k for k in kinds if k in set(rows[hue])],
                      palette=KIND_COLORS if hue is not None else None,
                      color=None if hue is not None else "#4C72B0", size=4, alpha=0.8, ax=ax)
    if x == C.OFFSET_MS:
        ax.axvline(0, color=theme_ink(theme), lw=1)
    if ax.get_legend() is not None:  # beside the axes: inside, it would cover a file's points
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title=hue)
    ax.xaxis.set_major_formatter(MS_FORMATTER)
    ax.set(xlabel={C.OFFSET_MS: "offset to the next speaker (ms): negative = overlap",
                   C.PAUSE_MS: "pause inside a turn (ms)"}.get(x, x.replace("_", " ")), ylabel="")
    return apply_theme(ax, theme)


def plot_tradeoff(data: pd.DataFrame, x: str = "latency_mean_ms", y: str = "cutoff_rate",
                  frontier: pd.DataFrame | None = None, marks: dict | None = None, ax=None,
                  theme: str | None = None):
    """The trade-off between cutting speakers off and answering late.

    Parameters
    ----------
    data : DataFrame
        One row per simulated setting (a sweep): columns `x` (latency, ms) and `y`
        (false cut-off rate, 0-1).
    frontier : DataFrame, optional
        The Pareto-optimal rows, drawn as a line.
    marks : dict, optional
        ``{label: (latency_ms, cutoff_rate)}`` points to mark: presets, the
        recommendation, the current setting.
    theme : str, optional
        ``"auto"``, ``"light"``, ``"dark"`` or ``"css"`` (see the module's docstring).
    """
    ax = _ax(ax)
    ink = theme_ink(theme)
    if len(data):
        sns.scatterplot(data=data, x=x, y=y, color="0.6", s=12, edgecolor=None, alpha=0.6, ax=ax, label="settings")
    if frontier is not None and len(frontier):
        f = frontier.sort_values(x)
        ax.plot(f[x], f[y], color="#4C72B0", lw=2, label="Pareto frontier")
    palette = sns.color_palette("deep", max(len(marks or {}), 1))
    for (label, (lx, ly)), color in zip((marks or {}).items(), palette):
        if lx is None or ly is None or not np.isfinite(lx) or not np.isfinite(ly):
            continue
        ax.scatter([lx], [ly], s=90, color=color, edgecolor=ink, zorder=5, label=label)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_formatter(MS_FORMATTER)
    ax.set(xlabel="mean latency at true turn ends (ms)", ylabel="false cut-off rate",
           title="Cutting speakers off vs answering late")
    if ax.get_legend_handles_labels()[0]:  # beside the axes: a transparent legend inside would mix with the points
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return apply_theme(ax, theme)


def figure_svg(draw, width: float = 6.0, height: float = 3.6, theme: str = "css") -> str:
    """Inline SVG of ``draw(ax)`` whose text stays text (searchable, and readable by a
    browser test), scaled to its container, with ink in the surrounding text colour
    (``theme="css"``). Its ids carry a prefix of its own, so several SVGs in one page
    never share a clip path or marker id."""
    svg = render_figure(draw, "svg", width, height, theme=theme).decode("utf-8")
    svg = svg[svg.index("<svg"):]
    # inline in HTML: no namespace URLs (the HTML parser supplies them), no metadata, SVG 2's plain href
    svg = re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S).replace("xlink:href=", "href=")
    prefix = "f" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"
    svg = re.sub(r'(\bid="|url\(#|href="#)', lambda m: m.group(1) + prefix, svg)
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', svg, count=1)
