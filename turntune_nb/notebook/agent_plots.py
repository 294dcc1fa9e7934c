"""Plots of a deployed agent's calls: the response-gap distribution and the barge-in stop times.

Axes-level, in `turntune_nb.notebook.plots`' manner: ``data=`` (a table of
`turntune_nb.analysis.agent.AgentReport`), named columns, ``ax=None``; they draw and
return the Axes, in any of `plots.THEMES`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from .plots import MS_FORMATTER, _ax, apply_theme

__all__ = ("plot_response_gaps", "plot_barge_in_stops")

_GAP, _CUT, _STOP = "#4C72B0", "#DD8452", "#C44E52"


def plot_response_gaps(data: pd.DataFrame, x: str = "gap_ms", binwidth: int = 100, clip_ms=(-2000, 4000),
                       ax=None, theme: str | None = None):
    """Histogram of the agent's response gaps: cut-ins (negative) in orange, the rest in blue,
    the median marked; gaps beyond `clip_ms` are piled at the axis' ends.

    Parameters
    ----------
    data : DataFrame
        `AgentReport.responses` (one row per response, ``gap_ms``).
    """
    ax = _ax(ax)
    values = np.clip(data[x].to_numpy(float), *clip_ms) if len(data) else np.empty(0)
    if len(values):
        bins = np.arange(clip_ms[0], clip_ms[1] + binwidth, binwidth)
        for part, color, name in ((values[values < 0], _CUT, "cut-in (started before the user ended)"),
                                  (values[values >= 0], _GAP, "after the user ended")):
            if len(part):
                sns.histplot(x=part, bins=bins, ax=ax, color=color, label=name, alpha=0.8)
        median = float(np.median(data[x].to_numpy(float)))
        ax.axvline(median, color=_STOP, ls="--", lw=1.5, label=f"median {median:,.0f} ms")
        ax.legend(fontsize=8)
    ax.xaxis.set_major_formatter(MS_FORMATTER)
    ax.set(xlabel="response gap: agent start minus the user's end (ms)", ylabel="responses",
           title=f"Agent response gaps ({len(values)} responses)")
    return apply_theme(ax, theme)


def plot_barge_in_stops(data: pd.DataFrame, yield_within_ms: int = 2000, x: str = "stop_ms", ax=None,
                        theme: str | None = None):
    """ECDF of how long the agent talked on after each barge-in, with the yield window drawn.

    Parameters
    ----------
    data : DataFrame
        `AgentReport.barge_ins` (one row per barge-in, ``stop_ms``).
    yield_within_ms : int
        The agent yielded when it stopped within this (drawn as a line, its share annotated).
    """
    ax = _ax(ax)
    values = data[x].to_numpy(float) if len(data) else np.empty(0)
    if len(values):
        sns.ecdfplot(x=values, ax=ax, color=_GAP)
        share = float((values <= yield_within_ms).mean())
        ax.axvline(yield_within_ms, color=_STOP, ls="--", lw=1.5,
                   label=f"yield window {yield_within_ms:,} ms: {share:.0%} yielded")
        ax.legend(fontsize=8, loc="lower right")
    ax.xaxis.set_major_formatter(MS_FORMATTER)
    ax.set(xlabel="agent's stop time after the user barged in (ms)", ylabel="share of barge-ins up to x",
           title=f"Barge-ins: the agent's stop time ({len(values)} barge-ins)")
    return apply_theme(ax, theme)
