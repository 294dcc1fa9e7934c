"""Seaborn plots of turn-taking tables.

Axes-level functions in seaborn's manner: they take ``data=`` (a table from
`turntune_nb.analysis.gaps` or `turntune_nb.analysis.simulate`), named columns and ``ax=None``, draw,
and return the Axes. Nothing here calls ``plt.show()``.
"""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns

from ..analysis import columns as C

__all__ = ("KIND_COLORS", "render_figure", "figure_svg", "plot_offsets", "plot_pause_ecdf", "plot_per_file", "plot_tradeoff", "share_beyond")

#: One colour per transition kind, shared by every plot.
KIND_COLORS = {C.GAP: "#4C72B0", C.OVERLAP: "#DD8452", C.PAUSE: "#55A868", C.CONTAINED: "#8172B3"}


def _ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def render_figure(draw, fmt: str = "png", width: float = 8.0, height: float = 4.2) -> bytes:
    """Call ``draw(ax)`` on a fresh Figure (no pyplot state) and return the file bytes.

    For ``fmt="svg"`` text stays text (``svg.fonttype: none``), so it can be searched
    and read from the page.
    """
    import io

    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "turntune"}):
        fig = Figure(figsize=(width, height), dpi=100)
        draw(fig.subplots())
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt)
    return buf.getvalue()


def share_beyond(values, threshold_ms: float) -> float:
    """Share of values >= threshold (NaN when there are none)."""
    values = np.asarray(values, dtype=float)
    return float((values >= threshold_ms).mean()) if len(values) else float("nan")


def plot_offsets(data: pd.DataFrame, x: str = C.OFFSET_MS, hue: str = C.KIND,
                 kinds=(C.GAP, C.OVERLAP), binwidth: int = 50, clip_ms=(-2000, 3000), ax=None):
    """Histogram of between-speaker offsets: overlaps on the negative side, gaps on the positive.

    Parameters
    ----------
    data : DataFrame
        A transitions table (`compute_transitions`).
    kinds : tuple of str
        Which transition kinds to draw (speaker changes by default).
    clip_ms : (low, high)
        The x range shown; values beyond it are piled at the edges so none is hidden.
    """
    ax = _ax(ax)
    rows = data[data[hue].isin(kinds)].copy()
    rows[hue] = rows[hue].astype(str)
    rows[x] = rows[x].clip(*clip_ms)
    if len(rows):
        sns.histplot(data=rows, x=x, hue=hue, hue_order=[k for k in kinds], palette=KIND_COLORS,
                     binwidth=binwidth, binrange=clip_ms, multiple="stack", ax=ax)
    ax.axvline(0, color="black", lw=1)
    n_over = int((rows[hue] == C.OVERLAP).sum())
    n = len(rows)
    share = f"{n_over / n:.0%} overlap" if n else "no speaker changes"
    ax.set(xlabel="offset to the next speaker (ms): negative = overlap", ylabel="speaker changes",
           title=f"Between-speaker offsets ({n} changes, {share})")
    return ax


def plot_pause_ecdf(data: pd.DataFrame, min_turn_silence: float | None = None,
                    max_turn_silence: float | None = None, x: str = C.PAUSE_MS, min_pause_ms: int = 100,
                    ax=None):
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
        ax.legend(loc="lower right", fontsize=8)
    ax.set(xlabel="pause inside a turn (ms, log scale)", ylabel="share of pauses",
           title=f"Pauses inside turns ({len(values)} of >= {min_pause_ms} ms)")
    return ax


def plot_per_file(data: pd.DataFrame, x: str = C.OFFSET_MS, y: str = C.FILE, hue: str | None = C.KIND,
                  kinds=(C.GAP, C.OVERLAP), ax=None):
    """Per-file strip plot over box plots (offsets of speaker changes by default;
    pass a pauses table with ``x="pause_ms", hue=None, kinds=None`` for pauses)."""
    ax = _ax(ax)
    rows = data if kinds is None or hue is None else data[data[hue].isin(kinds)]
    rows = rows.copy()
    rows[y] = rows[y].astype(str)
    if hue is not None:
        rows[hue] = rows[hue].astype(str)
    if len(rows):
        order = list(dict.fromkeys(rows[y]))
        sns.boxplot(data=rows, x=x, y=y, order=order, color="0.9", showfliers=False, ax=ax)
        sns.stripplot(data=rows, x=x, y=y, order=order, hue=hue,
                      palette=KIND_COLORS if hue is not None else None, size=3, alpha=0.7, ax=ax)
    if x == C.OFFSET_MS:
        ax.axvline(0, color="black", lw=1)
    ax.set(xlabel=x.replace("_", " "), ylabel="")
    return ax


def plot_tradeoff(data: pd.DataFrame, x: str = "latency_mean_ms", y: str = "cutoff_rate",
                  frontier: pd.DataFrame | None = None, marks: dict | None = None, ax=None):
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
    """
    ax = _ax(ax)
    if len(data):
        sns.scatterplot(data=data, x=x, y=y, color="0.75", s=12, edgecolor=None, ax=ax, label="settings")
    if frontier is not None and len(frontier):
        f = frontier.sort_values(x)
        ax.plot(f[x], f[y], color="#4C72B0", lw=2, label="Pareto frontier")
    palette = sns.color_palette("deep", max(len(marks or {}), 1))
    for (label, (lx, ly)), color in zip((marks or {}).items(), palette):
        if lx is None or ly is None or not np.isfinite(lx) or not np.isfinite(ly):
            continue
        ax.scatter([lx], [ly], s=90, color=color, edgecolor="black", zorder=5, label=label)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set(xlabel="mean latency at true turn ends (ms)", ylabel="false cut-off rate",
           title="Cutting speakers off vs answering late")
    ax.legend(loc="upper right", fontsize=8)
    return ax


def figure_svg(draw, width: float = 6.0, height: float = 3.6) -> str:
    """Inline SVG of ``draw(ax)`` whose text stays text (searchable, and readable by a
    browser test), scaled to its container."""
    svg = render_figure(draw, "svg", width, height).decode("utf-8")
    svg = svg[svg.index("<svg"):]
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', svg, count=1)
