"""Client-side charts for the tuner: plotly ``FigureWidget``s drawn in the page.

A slider move changes a few numbers (where a threshold line sits, where the
current setting's marker is) and plotly redraws them in the browser; no image is
rendered in the kernel. seaborn (`turntune_nb.notebook.plots`) stays for the
static figures of the report, and these charts say the same things in the same
words (the ECDF's legend is `plot_pause_ecdf`'s).

plotly's JavaScript ships inside its wheel (``plotly/package_data``) and is
loaded through anywidget: the charts work with no internet.

Every function takes and returns plain values or the figure, so it can be used
(and tested) without a browser.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis import columns as C
from .plots import share_beyond

__all__ = ("TEMPLATES", "LOG_TICKS", "ms_text", "chart_template", "pause_ecdf_figure", "update_pause_ecdf",
           "tradeoff_figure", "update_tradeoff", "setting_at", "set_theme", "thin_settings")

#: plotly's template for JupyterLab's light and dark themes.
TEMPLATES = {True: "plotly_white", False: "plotly_dark"}
MARK_COLORS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860")
MIN_COLOR, MAX_COLOR = "#DD8452", "#C44E52"
HEIGHT = 340
#: the trade-off chart is taller by this much: its legend sits below the plot
TRADEOFF_LEGEND_PX = 90
MAX_ECDF_POINTS = 400


def ms_text(value: float) -> str:
    """A readable label of a duration: ``"200 ms"`` below a second, ``"1 s"``, ``"1.5 s"``, ``"10 s"`` from it.

    >>> [ms_text(v) for v in (50, 200, 1000, 1500, 20000)]
    ['50 ms', '200 ms', '1 s', '1.5 s', '20 s']
    """
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:g} s"


#: The pause ECDF's log axis: labelled at 1-2-5 steps from 10 ms to 100 s (plotly shows those in range)
LOG_TICKS = tuple(m * 10 ** e for e in range(1, 6) for m in (1, 2, 5))


def chart_template(light: bool) -> str:
    """The plotly template for a light (True) or dark (False) page."""
    return TEMPLATES[bool(light)]


def _figure(title: str, light: bool, **layout):
    import plotly.graph_objects as go

    fig = go.FigureWidget()
    legend = {"x": 0.99, "xanchor": "right", "y": 0.02, "yanchor": "bottom", "bgcolor": "rgba(0,0,0,0)",
              "font": {"size": 11}, **layout.pop("legend", {})}
    layout.setdefault("height", HEIGHT)
    fig.update_layout(template=chart_template(light), title={"text": title, "font": {"size": 14}},
                      autosize=True, margin={"l": 60, "r": 10, "t": 40, "b": 50},
                      legend=legend, **layout)
    return fig


# ---------------------------------------------------------------------------------------------- the pause ECDF
def _holds(pauses: pd.DataFrame, min_pause_ms: int) -> np.ndarray:
    values = pauses.loc[pauses[C.PAUSE_MS] >= min_pause_ms, C.PAUSE_MS].to_numpy(float)
    return np.sort(values)


def _threshold_name(name: str, value, values: np.ndarray) -> str:
    # the same words as plots.plot_pause_ecdf's legend
    if not len(values):
        return f"{name} {value:.0f} ms"
    return f"{name} {value:.0f} ms: {share_beyond(values, value):.0%} of pauses as long"


def pause_ecdf_figure(pauses: pd.DataFrame, min_turn_silence=None, max_turn_silence=None,
                      min_pause_ms: int = 100, light: bool = True):
    """ECDF of the pauses inside turns with the two thresholds as vertical lines.

    Trace 0 is the ECDF (drawn once), traces 1 and 2 the ``min_turn_silence`` and
    ``max_turn_silence`` lines, named with the share of pauses at or beyond them;
    `update_pause_ecdf` moves only those two.

    Parameters
    ----------
    pauses : DataFrame
        A pauses table (`compute_pauses`).
    min_turn_silence, max_turn_silence : float, optional
        None hides that line (``min`` for the silence-only model).
    min_pause_ms : int
        Shorter silences are not holds (LiveKit eot-bench counts from 100 ms).
    light : bool
        The page's theme (`chart_template`).

    Returns
    -------
    plotly.graph_objects.FigureWidget

    Examples
    --------
    >>> import pandas as pd
    >>> fig = pause_ecdf_figure(pd.DataFrame({"pause_ms": [50, 150, 300, 800, 1200]}), 500, 1000)
    >>> [t.name for t in fig.data]
    ['pauses', 'min_turn_silence 500 ms: 50% of pauses as long', 'max_turn_silence 1000 ms: 25% of pauses as long']
    """
    values = _holds(pauses, min_pause_ms)
    fig = _figure(f"Pauses inside turns ({len(values)} of >= {min_pause_ms} ms)", light,
                  xaxis={"type": "log", "title": {"text": "pause inside a turn (log scale)"},
                         "tickvals": LOG_TICKS, "ticktext": [ms_text(v) for v in LOG_TICKS]},
                  yaxis={"title": {"text": "share of pauses"}, "range": [0, 1.02], "tickformat": ".0%"})
    share = np.arange(1, len(values) + 1) / max(len(values), 1)
    if len(values) > MAX_ECDF_POINTS:  # the steps at evenly spaced shares: the same curve at this size
        pick = np.unique(np.linspace(0, len(values) - 1, MAX_ECDF_POINTS).round().astype(int))
        values_drawn, share = values[pick], share[pick]
    else:
        values_drawn = values
    fig.add_scatter(x=values_drawn, y=share, mode="lines", line={"shape": "hv", "color": "#4C72B0"}, name="pauses",
                    hovertemplate="%{y:.0%} of pauses ≤ %{x:.0f} ms<extra></extra>")
    for name, color in (("min_turn_silence", MIN_COLOR), ("max_turn_silence", MAX_COLOR)):
        fig.add_scatter(x=[None, None], y=[0, 1], mode="lines", name=name, hoverinfo="skip",
                        line={"color": color, "dash": "dash", "width": 2})
    fig._turntune_holds = values
    update_pause_ecdf(fig, min_turn_silence, max_turn_silence)
    return fig


def _restyle(fig, trace_indexes, **props) -> None:
    """Set every one of `props` on every trace of `trace_indexes`, in one message to the page.

    (Not ``batch_update``: when the traces of a batch change different properties, the
    page gets the missing ones as null and resets them, e.g. a legend name to "trace 2".)
    """
    fig.plotly_update(restyle_data=props, trace_indexes=list(trace_indexes))


def update_pause_ecdf(fig, min_turn_silence=None, max_turn_silence=None) -> None:
    """Move the two threshold lines (and rename them) in one update of the page."""
    values = fig._turntune_holds
    lines = (("min_turn_silence", min_turn_silence), ("max_turn_silence", max_turn_silence))
    _restyle(fig, (1, 2),
             visible=[value is not None for _, value in lines],
             x=[[value, value] if value is not None else [None, None] for _, value in lines],
             name=[_threshold_name(name, value, values) if value is not None else name for name, value in lines])


# ---------------------------------------------------------------------------------------------- the trade-off
def tradeoff_figure(sweep: pd.DataFrame, frontier: pd.DataFrame | None = None, marks: dict | None = None,
                    light: bool = True, on_pick=None):
    """Cutting speakers off vs answering late, over the settings of a sweep; clickable.

    Trace 0 holds every setting of the sweep, trace 1 the Pareto frontier; each point
    carries its ``(min_turn_silence, max_turn_silence)`` as ``customdata``, so a click
    on either calls ``on_pick(min_ms, max_ms)``. Then one trace per mark (presets,
    the recommendation, the current setting), moved by `update_tradeoff`.

    Parameters
    ----------
    sweep : DataFrame
        `Simulator.sweep` rows: min_turn_silence, max_turn_silence, latency_mean_ms, cutoff_rate.
    frontier : DataFrame, optional
    marks : dict, optional
        ``{label: (latency_ms, cutoff_rate)}`` or ``{label: (latency_ms, cutoff_rate, legend name)}``;
        the labels fix the mark traces' order.
    light : bool
    on_pick : callable, optional
        ``on_pick(min_ms, max_ms)`` when a point is clicked.

    Returns
    -------
    plotly.graph_objects.FigureWidget
    """
    fig = _figure("Cutting speakers off vs answering late", light,
                  xaxis={"title": {"text": "mean latency at true turn ends (ms)"}},
                  yaxis={"title": {"text": "false cut-off rate"}, "tickformat": ".0%"},
                  clickmode="event", hovermode="closest", height=HEIGHT + TRADEOFF_LEGEND_PX,
                  # below the plot: inside, it covered setting dots (the corner is not always empty)
                  legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.2, "yanchor": "top"})
    fig.add_scatter(mode="markers", name="settings (click to pick)", marker={"color": "#999999", "size": 6},
                    hovertemplate="%{customdata[0]} / %{customdata[1]} ms<br>%{x:.0f} ms, %{y:.1%} cut-offs"
                                  "<extra>click to pick</extra>")
    fig.add_scatter(mode="lines+markers", name="Pareto frontier", line={"color": "#4C72B0", "width": 2},
                    marker={"size": 5}, hovertemplate="%{customdata[0]} / %{customdata[1]} ms<br>%{x:.0f} ms, "
                                                      "%{y:.1%} cut-offs<extra>click to pick</extra>")
    for i, label in enumerate(marks or {}):
        fig.add_scatter(mode="markers", name=label, x=[None], y=[None], hoverinfo="name+x+y",
                        marker={"size": 13, "color": MARK_COLORS[i % len(MARK_COLORS)],
                                "line": {"color": "black", "width": 1}})
    fig._turntune_marks = list(marks or {})
    update_tradeoff(fig, sweep, frontier, marks)
    if on_pick is not None:
        def clicked(trace, points, _state):
            for i in points.point_inds:  # empty for the traces that were not clicked
                lo, hi = trace.customdata[i]
                on_pick(int(lo), int(hi))
                return

        fig.data[0].on_click(clicked)
        fig.data[1].on_click(clicked)
    return fig


def thin_settings(sweep: pd.DataFrame, latency_step_ms: float = 10, rate_step: float = 0.001) -> pd.DataFrame:
    """One setting per spot of the trade-off chart: settings whose mean latency falls in the
    same `latency_step_ms` and whose cut-off rate in the same `rate_step` draw on top of each
    other, so only the one with the lowest max, then min, is kept (what a click picks).

    The page then redraws tens to hundreds of points per slider move instead of the
    whole grid (~2000).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"min_turn_silence": [100, 100, 200], "max_turn_silence": [900, 800, 900],
    ...                   "latency_mean_ms": [501.0, 504.0, 700.0], "cutoff_rate": [0.1, 0.1, 0.05]})
    >>> thin_settings(s)[["min_turn_silence", "max_turn_silence"]].values.tolist()
    [[100, 800], [200, 900]]
    """
    if not len(sweep):
        return sweep
    spot = pd.DataFrame({"x": (sweep["latency_mean_ms"] / latency_step_ms).round(),
                         "y": (sweep["cutoff_rate"] / rate_step).round()}, index=sweep.index)
    order = sweep.sort_values(["max_turn_silence", "min_turn_silence"]).index
    keep = ~spot.loc[order].duplicated()
    return sweep.loc[order[keep.to_numpy()]].sort_index()


def _xy(frame: pd.DataFrame | None):
    if frame is None or not len(frame):
        return [], [], []
    frame = frame.sort_values(["latency_mean_ms", "cutoff_rate"])
    custom = frame[["min_turn_silence", "max_turn_silence"]].to_numpy(int)
    return frame["latency_mean_ms"].to_numpy(float), frame["cutoff_rate"].to_numpy(float), custom


def update_tradeoff(fig, sweep: pd.DataFrame | None = None, frontier: pd.DataFrame | None = None,
                    marks: dict | None = None) -> None:
    """Move the marks (and, given a new `sweep`, redraw its points) in one update of the page.

    A mark whose label the figure was not built with is ignored; a mark missing
    from `marks`, or with a missing value, is hidden.
    """
    if sweep is not None:
        (x0, y0, c0), (x1, y1, c1) = _xy(thin_settings(sweep)), _xy(frontier)
        _restyle(fig, (0, 1), x=[x0, x1], y=[y0, y1], customdata=[c0, c1])
    if marks is not None and fig._turntune_marks:
        shown, xs, ys, names = [], [], [], []
        for label in fig._turntune_marks:
            lx, ly, *name = marks.get(label, (None, None))
            ok = lx is not None and ly is not None and bool(np.isfinite(lx)) and bool(np.isfinite(ly))
            shown.append(ok)
            xs.append([float(lx)] if ok else [None])
            ys.append([float(ly)] if ok else [None])
            names.append(name[0] if name else label)
        _restyle(fig, range(2, 2 + len(fig._turntune_marks)), visible=shown, x=xs, y=ys, name=names)


def setting_at(fig, trace_index: int, point_index: int) -> tuple[int, int]:
    """The ``(min_turn_silence, max_turn_silence)`` of a point of the trade-off figure."""
    lo, hi = fig.data[trace_index].customdata[point_index]
    return int(lo), int(hi)


def set_theme(fig, light: bool) -> None:
    """Switch a figure to the page's theme."""
    fig.layout.template = chart_template(light)
