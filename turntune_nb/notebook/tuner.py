"""`ThresholdTuner`: sliders over the endpointing simulator, in a notebook.

An ``ipywidgets.VBox`` subclass holding its child widgets as attributes, wired
with ``observe``/``link``. The metrics and the figures follow a slider at once:
the figures are plotly ``FigureWidget``s drawn in the page (`charts`), to which a
move sends only the new threshold lines and markers. The old path (``charts="image"``:
seaborn SVG, debounced, drawn from a timer thread that updates widgets only by
setting values) stays for comparison. It works without a browser: build it, set
a slider's value or click a button from Python, and read its state.

The controls sit in a grid whose columns wrap (``repeat(auto-fit, minmax(22rem,
1fr))``), each filling its cell with its description as wide as its words, so
nothing is cut from 1000 to 1920 px with JupyterLab's file browser open
(tests/notebook/test_browser.py measures it).
"""

from __future__ import annotations

import html
import threading

import ipywidgets as W
import traitlets

from ..analysis.presets import MODES, PRESETS, StreamingConfig, is_u3_pro, load_config
from .page import PageTheme
from .plots import figure_svg

__all__ = ("ThresholdTuner", "MODELS")

MODELS = (("u3-rt-pro (punctuation)", "u3-rt-pro"),
          ("Universal-Streaming (confidence, bracket)", "universal-streaming"),
          ("silence only (one threshold)", "silence"))


def _pct(v) -> str:
    return "n/a" if v is None or v != v else f"{v:.1%}"


def _ms(v) -> str:
    return "n/a" if v is None or v != v else f"{v:.0f} ms"


class ThresholdTuner(W.VBox):
    """Tune ``min_turn_silence`` / ``max_turn_silence`` against your recordings.

    Sliders for the two thresholds, a model choice, a target cut-off rate (moving it
    re-picks the recommendation), buttons for the presets, the data-driven
    recommendation and Save. Every move updates the metrics table and the figures
    at once; a click on the trade-off chart picks that point's setting. `config` is
    the chosen setting; `save` / `load` write and read the config JSON the live
    session reads. Nothing is written unless Save is pressed or `save` called.

    A side selector restricts every figure to one speaker, channel or role (the
    holds and turn ends of the speaker holding the floor), as
    ``recommend_config(..., speakers=...)`` does. Beside the metrics, eot-bench's
    four cells on these recordings stand next to the published rows.

    Parameters
    ----------
    result : AnalysisResult or Simulator
    config : StreamingConfig, optional
        The starting setting (default: the analysis' own preset).
    model : {"u3-rt-pro", "universal-streaming", "silence"}
    target_cutoff : float
    debounce_s : float
        ``charts="image"`` only: delay before figures are redrawn after the last move.
    roles : dict or str, optional
        Role names for the side selector, e.g. ``{"caller": "A", "agent": "B"}``.
    save_path : str or Path, optional
        Where the Save button writes the config JSON (0600); without it the button
        is disabled and says so.
    theme : {"auto", "light", "dark"}
        The charts' colours. ``"auto"`` follows JupyterLab's theme as the page reports
        it (`PageTheme`), also when it is switched later; light until a page reports.
        A fixed theme is for output viewed outside JupyterLab.
    charts : {"plotly", "image"}
        Figures drawn in the page (default) or the seaborn SVG images of before.

    Examples
    --------
    >>> from turntune_nb import analyze_transcripts, read_assemblyai_json
    >>> result = analyze_transcripts([read_assemblyai_json("tests/data/assemblyai/wildfires_speaker_labels_truncated.json")])
    >>> tuner = ThresholdTuner(result)
    >>> tuner.min_slider.value = 600
    >>> tuner.config.min_turn_silence, tuner.config.name
    (600, 'Custom')
    >>> tuner.metrics.min_turn_silence
    600
    """

    # matplotlib is not thread-safe: every panel's timer thread draws under this one lock
    _draw_lock = threading.Lock()

    min_turn_silence = traitlets.Int(400)
    max_turn_silence = traitlets.Int(1280)
    model = traitlets.Unicode("u3-rt-pro")
    target_cutoff = traitlets.Float(0.05)
    setting_name = traitlets.Unicode("Balanced")
    side = traitlets.Unicode("all")
    mode = traitlets.Unicode("")  # "" = the service's default
    vad_threshold = traitlets.Float(None, allow_none=True)
    interruption_delay = traitlets.Int(None, allow_none=True)

    def __init__(self, result, config: StreamingConfig | None = None, model: str = "u3-rt-pro",
                 target_cutoff: float = 0.05, debounce_s: float = 0.15, roles=None, save_path=None,
                 theme: str = "auto", charts: str = "plotly", **kwargs):
        from ..analysis.simulate import Simulator

        if theme not in ("auto", "light", "dark"):
            raise ValueError(f"theme={theme!r}: use 'auto' (follow JupyterLab's theme), 'light' or 'dark'")
        if charts not in ("plotly", "image"):
            raise ValueError(f"charts={charts!r}: use 'plotly' (drawn in the page) or 'image' (seaborn SVG)")
        self.simulator = result if isinstance(result, Simulator) else Simulator.from_result(result)
        self._all_simulator = self.simulator
        self.roles = roles
        self.result = None if isinstance(result, Simulator) else result
        guide = getattr(self.result, "recommendation", None)
        config = config or guide or PRESETS["balanced"]
        self.debounce_s = debounce_s
        self.save_path = save_path
        self.theme = theme
        self.charts = charts
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._sweeps: dict = {}
        self._preset_points: dict = {}
        self._applying = False
        self._drawn_sweep = None
        self.recommendation = None
        self.metrics = None
        self.renders = 0  # figure updates so far (tests and the browser read it)
        self.live_updates: list[dict] = []  # UpdateConfiguration fields sent to a connected session

        # Each control fills its grid cell (no fixed pixel widths) and its description is
        # as wide as its words: nothing is cut between 1000 and 1920 px, file browser open.
        style = {"description_width": "initial"}

        def fill():
            return W.Layout(width="auto", min_width="0")

        self.min_slider = W.IntSlider(value=config.min_turn_silence, min=0, max=3000, step=10,
                                      description="min_turn_silence (ms)", style=style, layout=fill(),
                                      continuous_update=True,
                                      tooltip="silence after a confident (terminal) word before the turn ends")
        self.max_slider = W.IntSlider(value=config.max_turn_silence, min=0, max=10_000, step=10,
                                      description="max_turn_silence (ms)", style=style, layout=fill(),
                                      continuous_update=True, tooltip="silence before the turn ends regardless")
        self.model_select = W.Dropdown(options=MODELS, value=model, description="model", style=style,
                                       layout=fill(), tooltip="which end-of-turn rule the simulator replays")
        self.target_slider = W.FloatSlider(value=target_cutoff, min=0.01, max=0.3, step=0.01,
                                           description="target cut-off rate", readout_format=".0%", style=style,
                                           layout=fill(), continuous_update=False,
                                           tooltip="moving it re-picks the recommendation: the lowest latency "
                                                   "with at most this share of pauses cut")
        self.preset_buttons = {
            name: W.Button(description=cfg.name, layout=W.Layout(width="auto"),
                           tooltip=f"the {cfg.name} preset: {cfg.min_turn_silence} / {cfg.max_turn_silence} ms")
            for name, cfg in PRESETS.items()
        }
        self.recommend_button = W.Button(description="Recommend", button_style="primary", layout=W.Layout(width="auto"),
                                         tooltip="lowest latency within the target cut-off rate")
        self.save_button = W.Button(description="Save", icon="save", layout=W.Layout(width="auto"),
                                    disabled=save_path is None,
                                    tooltip=(f"write this setting to {save_path}" if save_path is not None else
                                             "give ThresholdTuner(save_path=...) to save from here"))
        self.side_select = W.Dropdown(options=self._side_options(), value="all", description="speakers shown",
                                      style=style, layout=fill(), tooltip="restrict every figure to one side")
        # the rest of AssemblyAI's live surface: sent to a connected session as it moves
        self.session = None
        self.mode_select = W.Dropdown(options=[("service default", ""), *[(m, m) for m in MODES]],
                                      value=config.mode or "", description="mode (U3 Pro)", style=style,
                                      layout=fill(), tooltip="U3 Pro's latency / accuracy mode")
        self.vad_slider = W.FloatSlider(value=0.4 if config.vad_threshold is None else config.vad_threshold,
                                        min=0.0, max=1.0, step=0.05, description="vad_threshold", style=style,
                                        layout=fill(), continuous_update=False,
                                        tooltip="how sure the voice detector must be that someone speaks")
        self.interruption_slider = W.IntSlider(value=500 if config.interruption_delay is None else
                                               config.interruption_delay, min=0, max=1000, step=50,
                                               description="interruption_delay (ms)", style=style, layout=fill(),
                                               continuous_update=False, tooltip="U3 Pro: speech needed to barge in")
        self.live_html = W.HTML()
        self.title = W.HTML()
        self.metrics_html = W.HTML()
        self.eot_html = W.HTML()
        self.figures_html = W.HTML()
        self.message = W.HTML()
        self.page = PageTheme()

        super().__init__(**kwargs)
        self.add_class("turntune-tuner")
        self.layout.width = "100%"

        def cell(*children):
            return W.VBox(list(children), layout=W.Layout(width="100%", min_width="0"))

        self.controls = W.GridBox(
            [cell(self.min_slider, self.max_slider, self.target_slider),
             cell(self.model_select, self.side_select, self.mode_select),
             cell(self.vad_slider, self.interruption_slider, self.live_html)],
            layout=W.Layout(width="100%", grid_gap="2px 24px",
                            grid_template_columns="repeat(auto-fit, minmax(min(100%, 22rem), 1fr))"))
        self.controls.add_class("turntune-controls")
        self.buttons = W.HBox([*self.preset_buttons.values(), self.recommend_button, self.save_button],
                              layout=W.Layout(flex_flow="row wrap", width="100%"))
        self.buttons.add_class("turntune-buttons")
        # state in traits, sliders linked to them
        self.min_turn_silence, self.max_turn_silence = config.min_turn_silence, config.max_turn_silence
        self.model, self.target_cutoff, self.setting_name = model, target_cutoff, config.name
        self.ecdf_figure = self.tradeoff_figure = None
        if charts == "plotly":
            figures = self._build_charts()
        else:
            figures = self.figures_html
        self.children = [self.title, self.controls, self.buttons, self.message, self.metrics_html, self.eot_html,
                         figures, self.page]
        W.link((self.min_slider, "value"), (self, "min_turn_silence"))
        W.link((self.max_slider, "value"), (self, "max_turn_silence"))
        W.link((self.model_select, "value"), (self, "model"))
        W.link((self.target_slider, "value"), (self, "target_cutoff"))
        W.link((self.side_select, "value"), (self, "side"))
        self.observe(self._on_side, names=["side"])
        self.observe(self._on_threshold, names=["min_turn_silence", "max_turn_silence"])
        self.observe(self._on_model, names=["model"])
        self.observe(lambda _c: self.recommend(), names=["target_cutoff"])
        self.mode, self.vad_threshold, self.interruption_delay = (config.mode or "", config.vad_threshold,
                                                                   config.interruption_delay)
        W.link((self.mode_select, "value"), (self, "mode"))
        self.vad_slider.observe(lambda c: setattr(self, "vad_threshold", c["new"]), names="value")
        self.interruption_slider.observe(lambda c: setattr(self, "interruption_delay", c["new"]), names="value")
        self.observe(self._on_live_field, names=["min_turn_silence", "max_turn_silence", "mode", "vad_threshold",
                                                 "interruption_delay"])
        for name, button in self.preset_buttons.items():
            button.on_click(lambda _b, n=name: self.apply(PRESETS[n]))
        self.recommend_button.on_click(lambda _b: self.recommend())
        self.save_button.on_click(lambda _b: self.save())
        if theme == "auto":
            self.page.observe(lambda c: self._set_theme(c["new"]), names="light")
        self.page.observe(lambda c: self._fit_charts(c["new"]), names="chart_widths")
        self._update_metrics()
        self._render_figures()

    # ------------------------------------------------------------------ sides
    def _side_options(self) -> list:
        """("label", key) pairs: everyone, each speaker, each channel, each role."""
        from ..analysis import columns as C
        from ..analysis.sides import parse_roles

        p, t = self._all_simulator.pauses_table, self._all_simulator.turn_ends_table
        speakers = sorted(set(t[C.SPEAKER].astype(str)) | set(
            (p[C.FLOOR_SPEAKER] if C.FLOOR_SPEAKER in p else p[C.SPEAKER]).astype(str)))
        channels = sorted({int(c) for f in (p, t) if C.CHANNEL in f for c in f[C.CHANNEL].dropna()})
        opts = [("all speakers", "all")]
        opts += [(f"speaker {s}", f"speaker:{s}") for s in speakers]
        opts += [(f"channel {c}", f"channel:{c}") for c in channels]
        opts += [(f"role {r}", f"role:{r}") for r in parse_roles(self.roles)]
        return opts

    def select_side(self, side: str = "all") -> None:
        """Restrict every figure to a side: ``"all"``, ``"speaker:A"``, ``"channel:0"`` or ``"role:caller"``."""
        self.side = side

    def _on_side(self, _change):
        kind, _, name = self.side.partition(":")
        if kind == "speaker":
            self.simulator = self._all_simulator.for_speakers(speakers=[name])
        elif kind == "channel":
            self.simulator = self._all_simulator.for_speakers(channels=[int(name)])
        elif kind == "role":
            self.simulator = self._all_simulator.for_speakers(speakers=[name], roles=self.roles)
        else:
            self.simulator = self._all_simulator
        self._sweeps.clear()
        self._preset_points.clear()
        self.recommendation = None
        self._update_metrics()
        self._schedule_render()

    # ------------------------------------------------------------------ state
    @property
    def config(self) -> StreamingConfig:
        """The chosen setting (a preset's name while the sliders sit on it)."""
        evidence = {"model": self.model}
        if self.metrics is not None:
            evidence.update(cutoff_rate=self.metrics.cutoff_rate, latency_mean_ms=self.metrics.latency_mean_ms,
                            holds=self.metrics.holds, turn_ends=self.metrics.turn_ends)
        base = PRESETS.get(self.setting_name.lower())
        return StreamingConfig(
            self.setting_name, self.min_turn_silence, self.max_turn_silence,
            base.description if base else "Tuned on these recordings",
            base.use_cases if base else "",
            base.end_of_turn_confidence_threshold if base else None,
            evidence,
            mode=self.mode or None,
            interruption_delay=self.interruption_delay,
            vad_threshold=self.vad_threshold,
        )

    # ------------------------------------------------------------------ a live session
    def connect(self, session) -> None:
        """Send every later slider move to `session` while it runs (``UpdateConfiguration``).

        `session` is a `StreamingSession` (or an `OfflineSession`, or a `LiveTurns`
        panel, whose current session is used). ``mode`` and ``interruption_delay``
        go only to a U3 Pro session; a refused update is shown, never raised.
        """
        self.session = session
        self.live_html.value = "<i>connected: slider moves change the live session</i>"

    def _live_session(self):
        target = self.session
        target = getattr(target, "session", target) if not hasattr(target, "update_configuration") else target
        return target if target is not None and getattr(target, "running", False) else None

    def _on_live_field(self, change):
        session = self._live_session()
        if session is None or self._applying:
            return
        name = change["name"]
        value = change["new"]
        if name == "mode" and not value:
            return  # the service's default: nothing to send mid-session
        fields = {name: value}
        if name in ("min_turn_silence", "max_turn_silence"):  # both, so that min <= max holds on the server too
            fields = {"min_turn_silence": self.min_turn_silence, "max_turn_silence": self.max_turn_silence}
        model = getattr(session, "speech_model", None)
        if name in ("mode", "interruption_delay") and model is not None and not is_u3_pro(model):
            self.live_html.value = f"<i>{name} not sent: {html.escape(model)} is not a U3 Pro model</i>"
            return
        try:
            session.update_configuration(**fields)
        except Exception as err:  # shown in the panel: a slider must never raise into the kernel
            self.live_html.value = f"<span style='color:var(--jp-error-color1, #a00)'>update refused: {html.escape(str(err))}</span>"
            return
        self.live_updates.append(fields)
        self.live_html.value = "<i>sent " + html.escape(", ".join(f"{k}={v}" for k, v in fields.items())) + "</i>"

    def apply(self, config: StreamingConfig) -> None:
        """Move the sliders to a setting and take its name."""
        self._applying = True
        try:
            # order the two moves so min <= max holds at every step
            if config.min_turn_silence > self.max_turn_silence:
                self.max_turn_silence = config.max_turn_silence
                self.min_turn_silence = config.min_turn_silence
            else:
                self.min_turn_silence = config.min_turn_silence
                self.max_turn_silence = config.max_turn_silence
            if config.mode is not None:
                self.mode = config.mode
            if config.vad_threshold is not None:
                self.vad_slider.value = config.vad_threshold
            if config.interruption_delay is not None:
                self.interruption_slider.value = config.interruption_delay
        finally:
            self._applying = False
        self.setting_name = config.name
        self._update_metrics()
        self._schedule_render()
        session = self._live_session()
        if session is not None:  # one update for the whole setting
            self._on_live_field({"name": "min_turn_silence", "new": config.min_turn_silence})

    def recommend(self):
        """Apply the data-driven recommendation for the current model and target."""
        from ..analysis.recommend import recommend_config

        self.recommendation = recommend_config(self.simulator, model=self.model, target_cutoff=self.target_cutoff,
                                               guide=getattr(self.result, "recommendation", None))
        self._render_eot(self.recommendation.eot_table())
        self.apply(self.recommendation.config)
        warn = "".join(f"<br>⚠ {html.escape(w)}" for w in self.recommendation.warnings)
        self.message.value = (f"<b>Recommended</b> for at most {self.target_cutoff:.0%} false cut-offs "
                              f"({self.model}): {self.recommendation.config.min_turn_silence} / "
                              f"{self.recommendation.config.max_turn_silence} ms{warn}")
        return self.recommendation

    def save(self, path=None):
        """Write the chosen setting (what the panel shows) as the config JSON the live session reads.

        The Save button calls this with `save_path`; nothing else writes. The file is
        the owner's only (0600), written atomically.

        Parameters
        ----------
        path : str or Path, optional
            Default: the tuner's `save_path`.

        Returns
        -------
        Path

        Raises
        ------
        ValueError
            Neither `path` nor `save_path` was given.
        """
        path = self.save_path if path is None else path
        if path is None:
            raise ValueError("nowhere to save: call tuner.save(path) or build ThresholdTuner(..., save_path=path)")
        config = self.config
        written = config.save(path)
        self.message.value = (f"<b>Saved</b> {html.escape(config.name)}: {config.min_turn_silence} / "
                              f"{config.max_turn_silence} ms to <code>{html.escape(str(written))}</code>")
        return written

    def load(self, path) -> StreamingConfig:
        """Read a config JSON and move the sliders to it."""
        config = load_config(path)
        self.apply(config)
        return config

    def flush(self) -> None:
        """Redraw pending figures now (for tests and scripts)."""
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            self._render_figures()

    # ------------------------------------------------------------------ events
    def _on_threshold(self, change):
        if self._applying:
            return
        # keep min <= max by pushing the other slider
        if self.min_turn_silence > self.max_turn_silence:
            if change["name"] == "min_turn_silence":
                self.max_turn_silence = self.min_turn_silence
            else:
                self.min_turn_silence = self.max_turn_silence
        self.setting_name = "Custom"
        self._update_metrics()
        self._schedule_render()

    def _on_model(self, _change):
        self.min_slider.disabled = self.model == "silence"
        self._update_metrics()
        self._schedule_render()

    def _schedule_render(self):
        if self.charts == "plotly":  # a few numbers sent to the page: at once
            self._update_charts()
            return
        if self.debounce_s <= 0:
            self._render_figures()
            return
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.debounce_s, self._timer_fired)
            self._timer.daemon = True
            self._timer.start()

    def _timer_fired(self):
        with self._lock:
            self._timer = None
        self._render_figures()

    # ------------------------------------------------------------------ drawing
    def _update_metrics(self):
        m = self.simulator.evaluate((self.min_turn_silence, self.max_turn_silence), model=self.model)
        self.metrics = m
        lo, hi = m.cutoff_ci()
        w_lo, w_hi = m.wilson_ci()
        interval = (f"95% interval over recordings {_pct(lo)}–{_pct(hi)}" if lo == lo
                    else "95% interval over recordings n/a (one recording)")
        label = "T" if self.model == "silence" else "setting"
        setting = (f"T = {self.max_turn_silence} ms" if self.model == "silence"
                   else f"{self.min_turn_silence} / {self.max_turn_silence} ms")
        rows = [
            ("false cut-off rate", "cutoff_rate", _pct(m.cutoff_rate),
             f"{m.cuts} of {m.holds} pauses ≥ 100 ms; {interval}; per-hold Wilson {_pct(w_lo)}–{_pct(w_hi)}"),
            ("turns with a cut", "turns_cut_share", _pct(m.turns_cut_share), f"{m.turns_cut} of {m.turns} turns"),
            ("mean latency", "latency_mean_ms", _ms(m.latency_mean_ms), f"over {m.turn_ends} turn ends"),
            ("p50 latency", "latency_p50_ms", _ms(m.latency_p50_ms), ""),
            ("p90 latency", "latency_p90_ms", _ms(m.latency_p90_ms), ""),
            ("interrupted turn ends", "interrupted", str(m.interrupted), "the next speaker started before the endpoint fired"),
        ]
        if m.bracket:
            rows.insert(1, ("…optimistic bound", "cutoff_rate_low", _pct(m.cutoff_rate_low), "if the model is confident early"))
        body = "".join(
            f'<tr><th style="text-align:left">{html.escape(a)}</th><td data-metric="{key}" style="text-align:right;white-space:nowrap">'
            f"{html.escape(v)}</td><td style='color:var(--jp-ui-font-color2, #666)'>{html.escape(note)}</td></tr>"
            for a, key, v, note in rows)
        notes = "".join(f"<div style='color:var(--jp-ui-font-color2, #666)'>{html.escape(n)}</div>" for n in m.notes)
        eot = (f"<div class='turntune-eot-now' style='color:var(--jp-ui-font-color1, #444)'>eot-bench's definitions: "
               f"<span data-eot='eot_cutoff_rate'>{_pct(m.eot_cutoff_rate)}</span> of {m.eot_holds} holds of "
               f"200–5000 ms cut (the endpointer fires inside them); "
               f"<span data-eot='never_fired'>{m.never_fired}</span> of {m.turn_ends} turn ends never fired, "
               f"ended by max_turn_silence (counted at it in latency)"
               + (f"; side: {html.escape(self.simulator.side)}" if self.simulator.side else "") + "</div>")
        notes = eot + notes
        self.metrics_html.value = (
            f"<table class='turntune-metrics' data-min='{self.min_turn_silence}' data-max='{self.max_turn_silence}' "
            f"data-model='{html.escape(self.model)}'>{body}</table>{notes}")
        self.title.value = (f"<h3 style='margin:0'>{html.escape(self.setting_name)}: {setting} "
                            f"<span style='color:var(--jp-ui-font-color2, #666);font-weight:normal'>({html.escape(m.label or self.model)}, {label})</span></h3>")

    def _render_eot(self, table):
        """eot-bench's four cells on these recordings beside the published rows."""
        def fmt(v, pct):
            return "–" if v != v else (f"{v:.1%}" if pct else f"{v:.0f} ms")

        head = "".join(f"<th>{h}</th>" for h in ("", "cut-offs @ 300 ms", "cut-offs @ 600 ms",
                                                 "latency @ 5% cut-offs", "latency @ 10% cut-offs"))
        body = "".join(
            f"<tr data-source='{html.escape(r.source)}'><th style='text-align:left'>{html.escape(r.name)}</th>"
            + "".join(f"<td data-cell='{k}' style='text-align:right'>{fmt(getattr(r, k), k.startswith('cutoff'))}</td>"
                      for k in ("cutoff_at_300ms", "cutoff_at_600ms", "latency_at_5pct_ms", "latency_at_10pct_ms"))
            + "</tr>" for r in table.itertuples())
        self.eot_html.value = (f"<table class='turntune-eot'><tr>{head}</tr>{body}</table>"
                               "<div style='color:var(--jp-ui-font-color2, #666)'>eot-bench's cells: holds of 200–5000 ms; turn ends never "
                               "fired count at max_turn_silence. Published rows: LiveKit eot-bench.</div>")

    def _sweep(self, model):
        if model not in self._sweeps:
            from ..analysis.frontier import pareto_frontier

            from ..analysis.eotbench import eot_cells, eot_table

            sweep = self.simulator.sweep(model)
            self._sweeps[model] = (sweep, pareto_frontier(sweep))
            label = f"{self.simulator.side or 'all speakers'}: {model}"
            self._eot_tables = getattr(self, "_eot_tables", {})
            self._eot_tables[model] = eot_table({label: eot_cells(sweep)})
            self._preset_points[model] = {
                cfg.name: self.simulator.evaluate(cfg, model=model) for cfg in PRESETS.values()}
        return self._sweeps[model]

    def _render_figures(self):
        if self.charts == "plotly":
            self._update_charts()
            return
        with ThresholdTuner._draw_lock:
            self._draw_figures()

    # ------------------------------------------------------------------ client-side charts
    def _marks(self) -> dict:
        """{label: (latency, cut-off rate)}: the presets, the recommendation, the current setting."""
        m = self.metrics
        self._sweep(self.model)
        marks = {name: (pm.latency_mean_ms, pm.cutoff_rate) for name, pm in self._preset_points[self.model].items()}
        marks["recommended"] = (None, None)
        if self.recommendation is not None and self.recommendation.model == self.model:
            rm = self.recommendation.metrics
            marks["recommended"] = (rm.latency_mean_ms, rm.cutoff_rate)
        now = (f"T = {self.max_turn_silence}" if self.model == "silence"
               else f"{self.min_turn_silence} / {self.max_turn_silence}")
        marks["current"] = (m.latency_mean_ms, m.cutoff_rate, f"current {now} ms")
        return marks

    def _build_charts(self):
        from . import charts

        light = self._light()
        pauses = getattr(self.result, "pauses", None)
        if pauses is not None and len(pauses):
            lo = None if self.model == "silence" else self.min_turn_silence
            self.ecdf_figure = charts.pause_ecdf_figure(pauses, lo, self.max_turn_silence, light=light)
            self.ecdf_figure.add_class("turntune-ecdf")
        self._update_metrics()
        sweep, frontier = self._sweep(self.model)
        self.tradeoff_figure = charts.tradeoff_figure(sweep, frontier, self._marks(), light=light, on_pick=self.pick)
        self.tradeoff_figure.add_class("turntune-tradeoff")
        self._drawn_sweep = (self.model, self.side)
        box = W.GridBox([f for f in (self.ecdf_figure, self.tradeoff_figure) if f is not None],
                        layout=W.Layout(width="100%", grid_gap="8px",
                                        grid_template_columns="repeat(auto-fit, minmax(min(100%, 26rem), 1fr))"))
        box.add_class("turntune-charts")
        return box

    def _update_charts(self):
        from . import charts

        sweep, frontier = self._sweep(self.model)
        if self.ecdf_figure is not None:
            charts.update_pause_ecdf(self.ecdf_figure, None if self.model == "silence" else self.min_turn_silence,
                                     self.max_turn_silence)
        if self._drawn_sweep != (self.model, self.side):
            self._drawn_sweep = (self.model, self.side)
            charts.update_tradeoff(self.tradeoff_figure, sweep, frontier, self._marks())
        else:
            charts.update_tradeoff(self.tradeoff_figure, marks=self._marks())
        self._render_eot(self._eot_tables[self.model])
        self.renders += 1

    def _light(self) -> bool:
        if self.theme != "auto":
            return self.theme == "light"
        return self.page.light is not False  # light until the page says otherwise

    def _set_theme(self, light) -> None:
        from .charts import set_theme

        for fig in (self.ecdf_figure, self.tradeoff_figure):
            if fig is not None and light is not None:
                set_theme(fig, light)

    def _fit_charts(self, widths: dict) -> None:
        """Size each chart to its cell's width as the page reports it."""
        for cls, fig in (("turntune-ecdf", self.ecdf_figure), ("turntune-tradeoff", self.tradeoff_figure)):
            if fig is not None and widths.get(cls) and fig.layout.width != int(widths[cls]):
                fig.layout.width = int(widths[cls])

    def pick(self, min_turn_silence: int, max_turn_silence: int) -> None:
        """Move the sliders to a setting picked on the trade-off curve (what a click does)."""
        config = StreamingConfig("Custom", int(min_turn_silence), int(max_turn_silence),
                                 "Picked on the trade-off curve")
        self.apply(config)
        self.message.value = (f"<b>Picked</b> on the trade-off curve: {config.min_turn_silence} / "
                              f"{config.max_turn_silence} ms")

    def _draw_figures(self):
        from .plots import plot_pause_ecdf, plot_tradeoff

        m = self.metrics
        pauses = getattr(self.result, "pauses", None)
        sweep, frontier = self._sweep(self.model)
        self._render_eot(self._eot_tables[self.model])
        marks = {name: (pm.latency_mean_ms, pm.cutoff_rate) for name, pm in self._preset_points[self.model].items()}
        if self.recommendation is not None and self.recommendation.model == self.model:
            rm = self.recommendation.metrics
            marks["recommended"] = (rm.latency_mean_ms, rm.cutoff_rate)
        marks["current"] = (m.latency_mean_ms, m.cutoff_rate)
        lo = None if self.model == "silence" else self.min_turn_silence
        ecdf = figure_svg(lambda ax: plot_pause_ecdf(pauses, lo, self.max_turn_silence, ax=ax)) if pauses is not None and len(pauses) else ""
        trade = figure_svg(lambda ax: plot_tradeoff(sweep, frontier=frontier, marks=marks, ax=ax))
        self.renders += 1
        self.figures_html.value = (
            f"<div class='turntune-figures' data-render='{self.renders}' data-min='{self.min_turn_silence}' "
            f"data-max='{self.max_turn_silence}' style='display:flex;flex-wrap:wrap;gap:8px'>"
            f"<div style='flex:1;min-width:380px'>{ecdf}</div><div style='flex:1;min-width:380px'>{trade}</div></div>")
