"""The `ThresholdTuner`'s figures, and the sweeps they are drawn from.

Two figures follow the setting: the share of pauses as long as each threshold (an
ECDF of the pauses inside turns) and the trade-off of cut-offs against latency over
every setting of the model's sweep, with the presets, the recommendation and the
current setting marked. By default they are plotly ``FigureWidget``s drawn in the
page (`charts`): a slider move sends only the new lines and marks. ``charts="image"``
draws seaborn SVG instead (`plots`), from a timer thread, under one lock for every
panel (matplotlib is not thread-safe), updating the widget only by setting its value.

The sweep of a model, its Pareto frontier, eot-bench's cells on it and the presets'
points are computed once per model and side (`TunerFigures.use` starts over).

Charts that always draw: when the page says its plotly charts did not draw
(`PageTheme.charts_drawn`, e.g. the charts' front end is missing), `fall_back` hides
them and draws the image figures in their place, until the page says they drew.
"""

from __future__ import annotations

import threading

import ipywidgets as W

from ..analysis.presets import PRESETS

__all__ = ("TunerFigures", "CHARTS")

#: ``plotly``: drawn in the page; ``image``: seaborn SVG, as before (kept for comparison)
CHARTS = ("plotly", "image")
#: the figures' grid: one column below two 26rem ones
_COLUMNS = "repeat(auto-fit, minmax(min(100%, 26rem), 1fr))"


class TunerFigures:
    """The pause ECDF and the trade-off curve of one panel, for the setting it shows.

    Parameters
    ----------
    simulator : Simulator
        What the sweeps and the presets' points are computed with.
    pauses : DataFrame or None
        The pauses inside turns (``AnalysisResult.pauses``); no ECDF without them.
    charts : {"plotly", "image"}
    on_pick : callable, optional
        ``on_pick(min_ms, max_ms)`` when a point of the trade-off curve is clicked (plotly).

    Attributes
    ----------
    ecdf_figure, tradeoff_figure : plotly FigureWidget or None
        Built by `widget` (plotly only; no ECDF without pauses).
    html : ipywidgets.HTML
        The image path's figures (``charts="image"``).
    renders : int
        Figure updates so far.
    fallback : bool
        The plotly charts did not draw in the page: the images are shown instead (`fall_back`).

    Examples
    --------
    >>> from turntune_nb import analyze_transcripts, read_rttm
    >>> from turntune_nb.analysis.simulate import Simulator
    >>> result = analyze_transcripts(read_rttm("samples/real/sample.rttm"))
    >>> figures = TunerFigures(Simulator.from_result(result), result.pauses)
    >>> sweep, frontier = figures.sweep("silence")
    >>> sorted(figures.marks("silence", None, None))
    ['Aggressive', 'Balanced', 'Conservative', 'recommended']
    """

    # matplotlib is not thread-safe: every panel's timer thread draws under this one lock
    _draw_lock = threading.Lock()

    def __init__(self, simulator, pauses=None, charts: str = "plotly", on_pick=None):
        if charts not in CHARTS:
            raise ValueError(f"charts={charts!r}: use 'plotly' (drawn in the page) or 'image' (seaborn SVG)")
        self.simulator = simulator
        self.pauses = pauses if pauses is not None and len(pauses) else None
        self.charts = charts
        self.on_pick = on_pick
        self.ecdf_figure = self.tradeoff_figure = None
        self.html = W.HTML()
        self.renders = 0
        self.fallback = False
        self.grid = None  # the plotly charts' grid
        self._sweeps: dict = {}
        self._eot_tables: dict = {}
        self._preset_points: dict = {}
        self._drawn_model = None  # the model whose sweep the trade-off figure shows

    # ------------------------------------------------------------------ what is drawn
    def use(self, simulator) -> None:
        """Draw from another simulator (a side chosen): every sweep is computed again."""
        self.simulator = simulator
        self._sweeps.clear()
        self._eot_tables.clear()
        self._preset_points.clear()
        self._drawn_model = None

    def sweep(self, model: str):
        """``(sweep, frontier)`` of `model` on the current simulator (computed once)."""
        if model not in self._sweeps:
            from ..analysis.eotbench import eot_cells, eot_table
            from ..analysis.frontier import pareto_frontier

            sweep = self.simulator.sweep(model)
            self._sweeps[model] = (sweep, pareto_frontier(sweep))
            label = f"{self.simulator.side or 'all speakers'}: {model}"
            self._eot_tables[model] = eot_table({label: eot_cells(sweep)})
            self._preset_points[model] = {
                cfg.name: self.simulator.evaluate(cfg, model=model) for cfg in PRESETS.values()}
        return self._sweeps[model]

    def eot_table(self, model: str):
        """eot-bench's cells on `model`'s sweep beside the published rows."""
        self.sweep(model)
        return self._eot_tables[model]

    def marks(self, model: str, current, recommendation, current_name: str = "current") -> dict:
        """``{label: (latency, cut-off rate[, legend name])}``: the presets, the recommendation, the current setting.

        The recommendation is ``(None, None)`` (hidden) unless it is for `model`;
        the current setting's mark is left out when `current` (its metrics) is None.
        """
        self.sweep(model)
        marks = {name: (pm.latency_mean_ms, pm.cutoff_rate) for name, pm in self._preset_points[model].items()}
        marks["recommended"] = (None, None)
        if recommendation is not None and recommendation.model == model:
            rm = recommendation.metrics
            marks["recommended"] = (rm.latency_mean_ms, rm.cutoff_rate)
        if current is not None:
            marks["current"] = (current.latency_mean_ms, current.cutoff_rate, current_name)
        return marks

    # ------------------------------------------------------------------ drawing
    def widget(self, model: str, min_ms: int, max_ms: int, marks: dict, light: bool = True) -> W.Widget:
        """The widget that holds the figures: the charts' grid (plotly, built here) or `html`."""
        if self.charts == "image":
            return self.html
        from . import charts

        if self.pauses is not None:
            lo = None if model == "silence" else min_ms  # one threshold: no min line
            self.ecdf_figure = charts.pause_ecdf_figure(self.pauses, lo, max_ms, light=light)
            self.ecdf_figure.add_class("turntune-ecdf")
        sweep, frontier = self.sweep(model)
        self.tradeoff_figure = charts.tradeoff_figure(sweep, frontier, marks, light=light, on_pick=self.on_pick)
        self.tradeoff_figure.add_class("turntune-tradeoff")
        self._drawn_model = model
        box = W.GridBox([f for f in (self.ecdf_figure, self.tradeoff_figure) if f is not None],
                        layout=W.Layout(width="100%", grid_gap="8px", grid_template_columns=_COLUMNS))
        box.add_class("turntune-charts")
        self.grid = box
        return W.VBox([box, self.html], layout=W.Layout(width="100%"))

    @property
    def chart_count(self) -> int:
        """How many plotly charts the page should draw (0 with ``charts="image"``)."""
        return sum(f is not None for f in (self.ecdf_figure, self.tradeoff_figure))

    @property
    def draws_images(self) -> bool:
        """The image figures are what the panel shows (``charts="image"``, or the fallback)."""
        return self.charts == "image" or self.fallback

    def fall_back(self, on: bool = True) -> None:
        """Show the image figures in place of the plotly charts (`on`), or the charts again.

        The charts stay in the page, hidden, and keep following the setting, so they
        can come back when the page reports they drew after all. Call `show` next.
        """
        if self.charts != "plotly" or on == self.fallback:
            return
        self.fallback = on
        if self.grid is not None:
            self.grid.layout.display = "none" if on else None
        if not on:
            self.html.value = ""

    def show(self, model: str, min_ms: int, max_ms: int, marks: dict) -> None:
        """Bring the figures to a setting: move the charts' lines and marks, or draw the images again.

        `marks` as `TunerFigures.marks` gives them; ``silence`` draws no min line.
        """
        if self.charts == "plotly":
            self._update_charts(model, min_ms, max_ms, marks)
        if self.draws_images:
            with TunerFigures._draw_lock:
                self._draw_images(model, min_ms, max_ms, marks)
        self.renders += 1

    def _update_charts(self, model, min_ms, max_ms, marks) -> None:
        from . import charts

        sweep, frontier = self.sweep(model)
        if self.ecdf_figure is not None:
            charts.update_pause_ecdf(self.ecdf_figure, None if model == "silence" else min_ms, max_ms)
        if self._drawn_model != model:  # another model or side: its sweep's points too
            self._drawn_model = model
            charts.update_tradeoff(self.tradeoff_figure, sweep, frontier, marks)
        else:
            charts.update_tradeoff(self.tradeoff_figure, marks=marks)

    def _draw_images(self, model, min_ms, max_ms, marks) -> None:
        from .plots import figure_svg, plot_pause_ecdf, plot_tradeoff

        sweep, frontier = self.sweep(model)
        shown = {label: mark[:2] for label, mark in marks.items() if mark[0] is not None}  # seaborn: (x, y) only
        lo = None if model == "silence" else min_ms
        ecdf = ("" if self.pauses is None else
                figure_svg(lambda ax: plot_pause_ecdf(self.pauses, lo, max_ms, ax=ax)))
        trade = figure_svg(lambda ax: plot_tradeoff(sweep, frontier=frontier, marks=shown, ax=ax))
        self.html.value = (
            f"<div class='turntune-figures' data-render='{self.renders + 1}' data-min='{min_ms}' "
            f"data-max='{max_ms}' style='display:flex;flex-wrap:wrap;gap:8px'>"
            f"<div style='flex:1;min-width:380px'>{ecdf}</div><div style='flex:1;min-width:380px'>{trade}</div></div>")

    # ------------------------------------------------------------------ the page
    def set_theme(self, light: bool | None) -> None:
        """Switch the charts to the page's theme (None: the page has not said yet)."""
        from .charts import set_theme

        for fig in (self.ecdf_figure, self.tradeoff_figure):
            if fig is not None and light is not None:
                set_theme(fig, light)

    def fit(self, widths: dict) -> None:
        """Size each chart to its cell's width as the page reports it (``{css class: px}``)."""
        for cls, fig in (("turntune-ecdf", self.ecdf_figure), ("turntune-tradeoff", self.tradeoff_figure)):
            if fig is not None and widths.get(cls) and fig.layout.width != int(widths[cls]):
                fig.layout.width = int(widths[cls])
