"""Tests of which preset a recommended setting starts from and what it sends beyond it."""

from __future__ import annotations

import pytest

from turntune_nb.analysis.preset_choice import (
    check_preset,
    config_fields,
    preset_fields,
    sends_beyond_preset,
    starts_from_text,
)
from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.errors import ConfigError


def test_u3_pro_names_its_mode_balanced_when_none_was_asked():
    assert preset_fields("universal-3-6-pro", None, False) == {"mode": "balanced"}
    assert preset_fields("universal-3-5-pro", "min_latency", False) == {"mode": "min_latency"}
    assert preset_fields("u3-rt-pro", None, True) == {"mode": None, "speaker_labels": True}
    assert preset_fields("universal-streaming", None, False) == {}
    assert config_fields("universal-3-6-pro", None, False) == {"speech_model": "universal-3-6-pro", "mode": "balanced"}
    assert config_fields("silence", None, False) == {"speech_model": None}


@pytest.mark.parametrize("config, sends", [
    # balanced 128/1280: only the max differs
    (StreamingConfig("x", 128, 1800, mode="balanced"), {"max_turn_silence": 1800}),
    # max_accuracy 512/2560: both differ
    (StreamingConfig("x", 300, 900, mode="max_accuracy"), {"min_turn_silence": 300, "max_turn_silence": 900}),
    # the diarisation profile 640/768 as it is: nothing
    (StreamingConfig("x", 640, 768, speaker_labels=True), {}),
    # min_latency's interruption_delay is 0: 500 differs
    (StreamingConfig("x", 128, 640, mode="min_latency", interruption_delay=500), {"interruption_delay": 500}),
    # no preset named: nothing is "beyond" it (both silences are sent as they are)
    (StreamingConfig("x", 128, 1800), {}),
])
def test_what_a_config_sends_beyond_its_preset(config, sends):
    assert sends_beyond_preset(config) == sends


def test_the_sentence_names_model_preset_and_what_is_sent():
    c = StreamingConfig("x", 128, 1800, mode="balanced", speech_model="universal-3-6-pro")
    assert starts_from_text(c, "universal-3-6-pro") == (
        "universal-3-6-pro: starts from the balanced preset (128/1280 ms); sends max_turn_silence=1800")
    d = StreamingConfig("x", 640, 768, speaker_labels=True, speech_model="universal-3-5-pro")
    assert starts_from_text(d, "universal-3-5-pro") == (
        "universal-3-5-pro: starts from the diarisation profile (speaker_labels: 640/768 ms); "
        "sends nothing else (the preset as it is)")
    u = StreamingConfig("x", 400, 1280, speech_model="universal-streaming-english")
    assert starts_from_text(u, "universal-streaming") == ("universal-streaming-english: no mode preset; sends "
                                                          "min_turn_silence=400, max_turn_silence=1280")


def test_a_preset_for_a_model_without_presets_is_refused():
    with pytest.raises(ConfigError, match="do not apply to universal-streaming"):
        check_preset("universal-streaming", "balanced", False)
    with pytest.raises(ConfigError, match="mode must be one of"):
        check_preset("universal-3-6-pro", "turbo", False)
    with pytest.raises(ConfigError, match="speaker_labels must be true or false"):
        check_preset("universal-3-6-pro", None, "yes")
    check_preset("u3-rt-pro", "max_accuracy", True)  # the legacy name takes the presets
