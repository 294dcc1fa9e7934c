"""The tuner's controls: set to the starting setting, placed in the wrapping grid."""

import ipywidgets as W

from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.notebook.tuner_controls import MODELS, TunerControls

SIDES = [("all speakers", "all"), ("speaker A", "speaker:A"), ("role caller", "role:caller")]


def test_the_controls_start_at_the_setting_given():
    config = StreamingConfig("Mine", 250, 900, mode="max_accuracy", vad_threshold=0.65, interruption_delay=150)
    c = TunerControls(config, model="silence", target_cutoff=0.12, sides=SIDES)
    assert (c.min_slider.value, c.max_slider.value) == (250, 900)
    assert (c.model_select.value, c.target_slider.value) == ("silence", 0.12)
    assert (c.mode_select.value, c.vad_slider.value, c.interruption_slider.value) == ("max_accuracy", 0.65, 150)
    assert c.side_select.options == tuple(SIDES) and c.side_select.value == "all"
    assert [value for _, value in c.model_select.options] == ["universal-3-6-pro", "universal-3-5-pro",
                                                              "universal-streaming", "silence"]
    # a legacy name is still accepted, offered as legacy
    legacy = TunerControls(config, model="u3-rt-pro", sides=SIDES)
    assert legacy.model_select.value == "u3-rt-pro" and legacy.model_select.options[-1][0].endswith("(legacy: "
                                                                                                   "punctuation)")
    assert c.model_select.options == MODELS


def test_unset_live_fields_show_the_services_defaults():
    c = TunerControls(StreamingConfig("Plain", 400, 1280), sides=SIDES)
    # the service's defaults: mode unset (""), vad_threshold 0.4, interruption_delay 500 ms
    assert (c.mode_select.value, c.vad_slider.value, c.interruption_slider.value) == ("", 0.4, 500)
    assert [value for _, value in c.mode_select.options] == ["", "min_latency", "balanced", "max_accuracy"]


def test_save_is_enabled_only_with_somewhere_to_save():
    config = StreamingConfig("Plain", 400, 1280)
    off = TunerControls(config, save_path=None, sides=SIDES).save_button
    assert off.disabled and off.tooltip == "give ThresholdTuner(save_path=...) to save from here"
    on = TunerControls(config, save_path="out/config.json", sides=SIDES).save_button
    assert not on.disabled and on.tooltip == "write this setting to out/config.json"


def test_the_grid_places_three_columns_that_wrap_and_the_buttons_below():
    c = TunerControls(StreamingConfig("Plain", 400, 1280), sides=SIDES)
    assert "turntune-controls" in c.grid._dom_classes and "turntune-buttons" in c.buttons._dom_classes
    assert c.grid.layout.grid_template_columns == "repeat(auto-fit, minmax(min(100%, 22rem), 1fr))"
    columns = [list(cell.children) for cell in c.grid.children]
    assert columns == [[c.min_slider, c.max_slider, c.target_slider],
                       [c.model_select, c.side_select, c.mode_select],
                       [c.vad_slider, c.interruption_slider, c.live_html]]
    # every control fills its cell, its description as wide as its words
    for control in (w for column in columns for w in column if not isinstance(w, W.HTML)):
        assert (control.layout.width, control.style.description_width) == ("auto", "initial")
    assert [b.description for b in c.buttons.children] == ["Aggressive", "Balanced", "Conservative", "Recommend",
                                                           "Save", "Listen"]
    assert c.preset_buttons["aggressive"].tooltip == "the Aggressive preset: 160 / 400 ms"
