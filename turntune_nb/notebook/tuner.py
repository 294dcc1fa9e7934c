"""`ThresholdTuner`: sliders over the endpointing simulator, in a notebook.

An ``ipywidgets.VBox`` subclass holding its child widgets as attributes, wired
with ``observe``/``link``, its state in traits. The metrics and the figures follow
a slider at once. It works without a browser: build it, set a slider's value or
click a button from Python, and read its state.

This module is the panel's behaviour: the setting it holds, the events, presets,
the recommendation, Save / load, the side selector and a connected live session.
What it is made of lives beside it, each passed in or built once:

- `tuner_controls`: the sliders, choices and buttons and the wrapping grid that places them;
- `tuner_figures`: the pause ECDF and the trade-off curve (plotly in the page, or the
  seaborn images of before) and the sweeps they are drawn from;
- `tuner_html`: what the panel says about a setting (metrics, title, eot-bench's cells, messages).
"""

from __future__ import annotations

import html
import threading

import ipywidgets as W
import traitlets

from ..analysis.metrics import PUNCTUATION, model_rule, speech_model_of
from ..analysis.presets import PRESETS, StreamingConfig, is_u3_pro, load_config
from ..analysis.surface import DEFAULT_STREAMING_MODEL
from .page import PageTheme
from .tuner_controls import MODELS, TunerControls
from .tuner_figures import CHARTS, TunerFigures
from .tuner_html import (
    chart_note_html,
    eot_html,
    metrics_html,
    picked_html,
    recommended_html,
    saved_html,
    setting_text,
    title_html,
)

__all__ = ("ThresholdTuner", "MODELS")


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
    model : str
        ``"universal-3-6-pro"`` (default, AssemblyAI's streaming default),
        ``"universal-3-5-pro"``, ``"universal-streaming"``, ``"silence"``; the legacy
        ``"u3-rt-pro"`` is accepted. On a U3 Pro model the ``mode`` chosen is the preset
        the figures and the recommendation start from (its turn cap).
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
        Figures drawn in the page (default) or the seaborn SVG images of before. When
        the page reports that its plotly charts did not draw within `chart_timeout_s`
        (their front end is missing or broken), the panel shows the images instead,
        with a one-line note (`use_image_charts`); back to the charts if they draw later.
    chart_timeout_s : float
        How long the page waits for the plotly charts to draw before the images replace them.

    Examples
    --------
    >>> from turntune_nb import analyze_transcripts, read_assemblyai_json
    >>> path = "tests/data/assemblyai/wildfires_speaker_labels_truncated.json"
    >>> result = analyze_transcripts([read_assemblyai_json(path)])
    >>> tuner = ThresholdTuner(result)
    >>> tuner.min_slider.value = 600
    >>> tuner.config.min_turn_silence, tuner.config.name
    (600, 'Custom')
    >>> tuner.metrics.min_turn_silence
    600
    """

    min_turn_silence = traitlets.Int(400)
    max_turn_silence = traitlets.Int(1280)
    model = traitlets.Unicode(DEFAULT_STREAMING_MODEL)
    target_cutoff = traitlets.Float(0.05)
    setting_name = traitlets.Unicode("Balanced")
    side = traitlets.Unicode("all")
    mode = traitlets.Unicode("")  # "" = the service's default
    vad_threshold = traitlets.Float(None, allow_none=True)
    interruption_delay = traitlets.Int(None, allow_none=True)

    def __init__(self, result, config: StreamingConfig | None = None, model: str = DEFAULT_STREAMING_MODEL,
                 target_cutoff: float = 0.05, debounce_s: float = 0.15, roles=None, save_path=None,
                 theme: str = "auto", charts: str = "plotly", chart_timeout_s: float = 10.0, **kwargs):
        from ..analysis.simulate import Simulator

        if theme not in ("auto", "light", "dark"):
            raise ValueError(f"theme={theme!r}: use 'auto' (follow JupyterLab's theme), 'light' or 'dark'")
        if charts not in CHARTS:
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
        self._applying = False
        self.recommendation = None
        self.metrics = None
        self.live_updates: list[dict] = []  # UpdateConfiguration fields sent to a connected session
        self.session = None

        # the child widgets, as attributes (the controls built and placed by TunerControls)
        c = TunerControls(config, model, target_cutoff, save_path, self._side_options())
        self.min_slider, self.max_slider, self.target_slider = c.min_slider, c.max_slider, c.target_slider
        self.model_select, self.side_select, self.mode_select = c.model_select, c.side_select, c.mode_select
        self.vad_slider, self.interruption_slider, self.live_html = c.vad_slider, c.interruption_slider, c.live_html
        self.preset_buttons, self.recommend_button, self.save_button = (c.preset_buttons, c.recommend_button,
                                                                         c.save_button)
        self.controls, self.buttons, self.listen_button = c.grid, c.buttons, c.listen_button
        self.listen_html = W.HTML()
        self.title = W.HTML()
        self.metrics_html = W.HTML()
        self.eot_html = W.HTML()
        self.message = W.HTML()
        self.page = PageTheme()
        self.figures = TunerFigures(self.simulator, getattr(self.result, "pauses", None), charts, on_pick=self.pick)

        super().__init__(**kwargs)
        self.add_class("turntune-tuner")
        self.layout.width = "100%"
        # state in traits, the controls linked to them
        self.min_turn_silence, self.max_turn_silence = config.min_turn_silence, config.max_turn_silence
        self.model, self.target_cutoff, self.setting_name = model, target_cutoff, config.name
        self.mode, self.vad_threshold, self.interruption_delay = (config.mode or "", config.vad_threshold,
                                                                   config.interruption_delay)
        self._update_metrics()
        figures = self.figures.widget(model, self.min_turn_silence, self.max_turn_silence, self._marks(),
                                      light=self._light())
        self.children = [self.title, self.controls, self.buttons, self.message, self.listen_html, self.metrics_html,
                         self.eot_html, figures, self.page]
        W.link((self.min_slider, "value"), (self, "min_turn_silence"))
        W.link((self.max_slider, "value"), (self, "max_turn_silence"))
        W.link((self.model_select, "value"), (self, "model"))
        W.link((self.target_slider, "value"), (self, "target_cutoff"))
        W.link((self.side_select, "value"), (self, "side"))
        W.link((self.mode_select, "value"), (self, "mode"))
        self.vad_slider.observe(lambda c: setattr(self, "vad_threshold", c["new"]), names="value")
        self.interruption_slider.observe(lambda c: setattr(self, "interruption_delay", c["new"]), names="value")
        self.observe(self._on_side, names=["side"])
        self.observe(self._on_threshold, names=["min_turn_silence", "max_turn_silence"])
        self.observe(self._on_model, names=["model", "mode"])  # the mode is the preset: its turn cap
        self.observe(self._on_target, names=["target_cutoff"])
        self.observe(self._on_live_field, names=["min_turn_silence", "max_turn_silence", "mode", "vad_threshold",
                                                 "interruption_delay"])
        for name, button in self.preset_buttons.items():
            button.on_click(lambda _b, n=name: self.apply(PRESETS[n]))
        self.recommend_button.on_click(lambda _b: self.recommend())
        self.save_button.on_click(lambda _b: self.save())
        self.listen_button.on_click(lambda _b: self.listen())
        if theme == "auto":
            self.page.observe(lambda c: self.figures.set_theme(c["new"]), names="light")
        self.page.observe(lambda c: self.figures.fit(c["new"]), names="chart_widths")
        self.page.chart_timeout_ms = int(chart_timeout_s * 1000)
        self.page.charts_expected = self.figures.chart_count
        self.page.observe(self._on_charts_drawn, names="charts_drawn")
        self._render_figures()

    # the figures' state, read by tests and the browser
    @property
    def ecdf_figure(self):
        """The pause ECDF (plotly ``FigureWidget``; None without pauses or with ``charts="image"``)."""
        return self.figures.ecdf_figure

    @property
    def tradeoff_figure(self):
        """The trade-off chart (plotly ``FigureWidget``; None with ``charts="image"``)."""
        return self.figures.tradeoff_figure

    @property
    def figures_html(self) -> W.HTML:
        """The seaborn images (``charts="image"``)."""
        return self.figures.html

    @property
    def renders(self) -> int:
        """Figure updates so far."""
        return self.figures.renders

    # ------------------------------------------------------------------ sides
    def _side_options(self) -> list:
        """("label", key) pairs: everyone, each speaker, each channel, each role."""
        from ..analysis import columns as C
        from ..analysis.sides import parse_roles, separating_channels

        p, t = self._all_simulator.pauses_table, self._all_simulator.turn_ends_table
        speakers = sorted(set(t[C.SPEAKER].astype(str)) | set(
            (p[C.FLOOR_SPEAKER] if C.FLOOR_SPEAKER in p else p[C.SPEAKER]).astype(str)))
        channels = separating_channels(p, t)  # none where one channel value holds several parties (RTTM)
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
        self.figures.use(self.simulator)
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
        u3 = model_rule(self.model) == PUNCTUATION
        return StreamingConfig(
            self.setting_name, self.min_turn_silence, self.max_turn_silence,
            base.description if base else "Tuned on these recordings",
            base.use_cases if base else "",
            base.end_of_turn_confidence_threshold if base else None,
            evidence,
            mode=(self.mode or None) if u3 else None,
            interruption_delay=self.interruption_delay if u3 else None,
            vad_threshold=self.vad_threshold,
            speech_model=speech_model_of(self.model),
        )

    def _preset(self) -> dict:
        """The model and the preset every figure is computed under (``mode`` on U3 Pro only)."""
        u3 = model_rule(self.model) == PUNCTUATION
        return {"model": self.model, "mode": (self.mode or None) if u3 else None}

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
            self.live_html.value = (f"<span style='color:var(--jp-error-color1, #a00)'>update refused: "
                                    f"{html.escape(str(err))}</span>")
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

    def _on_target(self, _change):
        # moving the target re-picks the recommendation: a setting of the user's own is replaced, and said so
        mine = (self.min_turn_silence, self.max_turn_silence) if self.setting_name == "Custom" else None
        self.recommend(replaced=mine)

    def recommend(self, replaced: tuple | None = None):
        """Apply the data-driven recommendation for the current model and target.

        `replaced`: the ``(min, max)`` of the user's own setting it replaces, named in the message.
        """
        from ..analysis.recommend import RecommendOptions, recommend_config

        options = RecommendOptions(**self._preset(), target_cutoff=self.target_cutoff,
                                   guide=getattr(self.result, "recommendation", None))
        self.recommendation = recommend_config(self.simulator, options)
        self.eot_html.value = eot_html(self.recommendation.eot_table())
        self.apply(self.recommendation.config)
        self.message.value = recommended_html(self.recommendation, self.target_cutoff, self.model, replaced)
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
        self.message.value = saved_html(config, written)
        return written

    def listen(self, audio=None, **options):
        """Show (and return) a few holds the current setting would cut and its slowest turn ends, with players.

        The clips come from the recordings (`audio`: their folder or ``{file name: path}``;
        default the analysed folder), for the side shown. `options` go to `listen_examples`.
        """
        from types import SimpleNamespace

        from .listen import listen_examples

        tables = SimpleNamespace(pauses=self.simulator.pauses_table, turn_ends=self.simulator.turn_ends_table,
                                 folder_path=getattr(self.result, "folder_path", None),
                                 summary=getattr(self.result, "summary", None))
        table = listen_examples(tables, self.min_turn_silence, self.max_turn_silence, self.model, audio=audio,
                                **options)
        self.listen_html.value = table._repr_html_()
        return table

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

    # ------------------------------------------------------------------ charts that always draw
    def use_image_charts(self, on: bool = True, note: str | None = None) -> None:
        """Show the image figures in place of the plotly charts (`on`), or the charts again.

        The panel does this by itself when the page reports its charts did not draw.
        """
        if self.charts != "plotly" or on == self.figures.fallback:
            return
        self.figures.fall_back(on)
        self.message.value = chart_note_html(note) if on else ""
        self._render_figures()

    def _on_charts_drawn(self, change):
        if change["new"] is False:
            self.use_image_charts(True, f"the interactive charts did not draw in this page within "
                                        f"{self.page.chart_timeout_ms / 1000:.0f} s")
        elif change["new"] is True:
            self.use_image_charts(False)

    def _schedule_render(self):
        if not self.figures.draws_images:  # a few numbers sent to the page: at once
            self._render_figures()
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
        self.metrics = m = self.simulator.evaluate((self.min_turn_silence, self.max_turn_silence), **self._preset())
        self.metrics_html.value = metrics_html(m, self.min_turn_silence, self.max_turn_silence, self.model,
                                               self.simulator.side)
        self.title.value = title_html(self.setting_name, m, self.min_turn_silence, self.max_turn_silence, self.model)

    def _marks(self) -> dict:
        """The trade-off chart's marks: the presets, the recommendation, the current setting."""
        now = setting_text(self.model, self.min_turn_silence, self.max_turn_silence)
        return self.figures.marks(self.model, self.metrics, self.recommendation, f"current {now}")

    def _render_figures(self):
        self.figures.show(self.model, self.min_turn_silence, self.max_turn_silence, self._marks())
        self.eot_html.value = eot_html(self.figures.eot_table(self.model))

    def _light(self) -> bool:
        if self.theme != "auto":
            return self.theme == "light"
        return self.page.light is not False  # light until the page says otherwise

    def pick(self, min_turn_silence: int, max_turn_silence: int) -> None:
        """Move the sliders to a setting picked on the trade-off curve (what a click does)."""
        config = StreamingConfig("Custom", int(min_turn_silence), int(max_turn_silence),
                                 "Picked on the trade-off curve")
        self.apply(config)
        self.message.value = picked_html(config)
