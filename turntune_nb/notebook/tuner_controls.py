"""The `ThresholdTuner`'s controls and their layout.

The sliders, choices and buttons, built from a starting setting, in a grid whose
columns wrap (``repeat(auto-fit, minmax(22rem, 1fr))``). Each control fills its cell
with its description as wide as its words (no fixed pixel widths), so nothing is
cut from 1000 to 1920 px with JupyterLab's file browser open
(tests/notebook/test_browser.py measures it). What the controls do is wired by the
tuner; this module only builds and places them.
"""

from __future__ import annotations

import ipywidgets as W

from ..analysis.presets import MODES, PRESETS, StreamingConfig
from ..analysis.surface import DEFAULT_STREAMING_MODEL, LEGACY_MODELS

__all__ = ("TunerControls", "MODELS")

#: The model choice: AssemblyAI's streaming models (newest first; 3.6 Pro is the streaming default)
#: and the silence-only rule. A legacy name given to the tuner is added, marked legacy.
MODELS = (("universal-3-6-pro (default)", "universal-3-6-pro"),
          ("universal-3-5-pro (punctuation)", "universal-3-5-pro"),
          ("Universal-Streaming (confidence, bracket)", "universal-streaming"),
          ("silence only (one threshold)", "silence"))

#: a description as wide as its words
_STYLE = {"description_width": "initial"}
#: the controls' grid: as many 22rem columns as fit, one below that width
_COLUMNS = "repeat(auto-fit, minmax(min(100%, 22rem), 1fr))"


def _fill() -> W.Layout:
    """A control that fills its grid cell."""
    return W.Layout(width="auto", min_width="0")


def _cell(*children) -> W.VBox:
    return W.VBox(list(children), layout=W.Layout(width="100%", min_width="0"))


class TunerControls:
    """The tuner's child widgets, set to a starting setting, and the two boxes that place them.

    Parameters
    ----------
    config : StreamingConfig
        The starting setting: the sliders' values, the mode, ``vad_threshold`` and
        ``interruption_delay`` (the service's defaults, 0.4 and 500 ms, where unset).
    model : str
        ``"universal-3-6-pro"`` (default), ``"universal-3-5-pro"``,
        ``"universal-streaming"``, ``"silence"``; a legacy name (``"u3-rt-pro"``) is
        offered too, marked legacy.
    target_cutoff : float
    save_path : str or Path, optional
        Where Save writes; without it the button is disabled and its tooltip says how.
    sides : list of (label, key)
        The side selector's options (``("all speakers", "all")`` first).

    Attributes
    ----------
    min_slider, max_slider, target_slider : ipywidgets slider
    model_select, side_select, mode_select : ipywidgets.Dropdown
    vad_slider, interruption_slider : ipywidgets slider
        The rest of AssemblyAI's live surface, sent to a connected session.
    preset_buttons : dict of {preset key: ipywidgets.Button}
    recommend_button, save_button, listen_button : ipywidgets.Button
    live_html : ipywidgets.HTML
        What a connected live session was sent (or refused).
    grid : ipywidgets.GridBox
        Three columns of controls (class ``turntune-controls``) that wrap as the page narrows.
    buttons : ipywidgets.HBox
        The preset, Recommend, Save and Listen buttons (class ``turntune-buttons``), wrapping.

    Examples
    --------
    >>> from turntune_nb.analysis.presets import PRESETS
    >>> c = TunerControls(PRESETS["aggressive"], sides=[("all speakers", "all")])
    >>> c.min_slider.value, c.max_slider.value, c.vad_slider.value, c.save_button.disabled
    (160, 400, 0.4, True)
    >>> [b.description for b in c.buttons.children]
    ['Aggressive', 'Balanced', 'Conservative', 'Recommend', 'Save', 'Listen']
    """

    def __init__(self, config: StreamingConfig, model: str = DEFAULT_STREAMING_MODEL, target_cutoff: float = 0.05,
                 save_path=None, sides=(("all speakers", "all"),)):
        self.min_slider = W.IntSlider(value=config.min_turn_silence, min=0, max=3000, step=10,
                                      description="min_turn_silence (ms)", style=_STYLE, layout=_fill(),
                                      continuous_update=True,
                                      tooltip="silence after a confident (terminal) word before the turn ends")
        self.max_slider = W.IntSlider(value=config.max_turn_silence, min=0, max=10_000, step=10,
                                      description="max_turn_silence (ms)", style=_STYLE, layout=_fill(),
                                      continuous_update=True, tooltip="silence before the turn ends regardless")
        models = MODELS + (((f"{model} (legacy: punctuation)", model),) if model in LEGACY_MODELS else ())
        self.model_select = W.Dropdown(options=models, value=model, description="model", style=_STYLE,
                                       layout=_fill(), tooltip="which end-of-turn rule the simulator replays")
        self.target_slider = W.FloatSlider(value=target_cutoff, min=0.01, max=0.3, step=0.01,
                                           description="target cut-off rate", readout_format=".0%", style=_STYLE,
                                           layout=_fill(), continuous_update=False,
                                           tooltip="moving it re-picks the recommendation: the lowest latency "
                                                   "with at most this share of pauses cut")
        self.side_select = W.Dropdown(options=list(sides), value="all", description="speakers shown",
                                      style=_STYLE, layout=_fill(), tooltip="restrict every figure to one side")
        self.mode_select = W.Dropdown(options=[("service default", ""), *[(m, m) for m in MODES]],
                                      value=config.mode or "", description="mode (U3 Pro)", style=_STYLE,
                                      layout=_fill(), tooltip="U3 Pro's preset: it fills what the setting leaves "
                                                              "unset (the turn cap, interruption_delay)")
        self.vad_slider = W.FloatSlider(value=0.4 if config.vad_threshold is None else config.vad_threshold,
                                        min=0.0, max=1.0, step=0.05, description="vad_threshold", style=_STYLE,
                                        layout=_fill(), continuous_update=False,
                                        tooltip="how sure the voice detector must be that someone speaks")
        delay = 500 if config.interruption_delay is None else config.interruption_delay
        self.interruption_slider = W.IntSlider(value=delay, min=0, max=1000, step=50,
                                               description="interruption_delay (ms)", style=_STYLE, layout=_fill(),
                                               continuous_update=False, tooltip="U3 Pro: speech needed to barge in")
        self.live_html = W.HTML()
        self.preset_buttons = {
            name: W.Button(description=cfg.name, layout=W.Layout(width="auto"),
                           tooltip=f"the {cfg.name} preset: {cfg.min_turn_silence} / {cfg.max_turn_silence} ms")
            for name, cfg in PRESETS.items()
        }
        self.recommend_button = W.Button(description="Recommend", button_style="primary",
                                         layout=W.Layout(width="auto"),
                                         tooltip="lowest latency within the target cut-off rate")
        self.save_button = W.Button(description="Save", icon="save", layout=W.Layout(width="auto"),
                                    disabled=save_path is None,
                                    tooltip=(f"write this setting to {save_path}" if save_path is not None else
                                             "give ThresholdTuner(save_path=...) to save from here"))
        self.listen_button = W.Button(description="Listen", icon="volume-up", layout=W.Layout(width="auto"),
                                      tooltip="play a few holds this setting would cut, and its slowest turn ends")
        self.grid = W.GridBox(
            [_cell(self.min_slider, self.max_slider, self.target_slider),
             _cell(self.model_select, self.side_select, self.mode_select),
             _cell(self.vad_slider, self.interruption_slider, self.live_html)],
            layout=W.Layout(width="100%", grid_gap="2px 24px", grid_template_columns=_COLUMNS))
        self.grid.add_class("turntune-controls")
        self.buttons = W.HBox([*self.preset_buttons.values(), self.recommend_button, self.save_button,
                               self.listen_button],
                              layout=W.Layout(flex_flow="row wrap", width="100%"))
        self.buttons.add_class("turntune-buttons")
