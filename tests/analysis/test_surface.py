"""AssemblyAI's December 2026 streaming surface: presets, profile, clamp (values from the reference table)."""

import pytest

from turntune_nb.analysis.surface import (
    base_preset,
    differences_from_preset,
    effective_turn_detection,
    is_u3_pro,
    legacy_note,
)
from turntune_nb.errors import ConfigError


@pytest.mark.parametrize("mode, expected", [
    ("min_latency", (128, 640, 0, 0.2, 60_000)),
    ("balanced", (128, 1280, 500, 0.2, 60_000)),
    ("max_accuracy", (512, 2560, 500, 0.2, 60_000)),
    (None, (128, 1280, 500, 0.2, 60_000)),  # balanced is the service's default
])
def test_each_mode_preset_fills_what_is_unset(mode, expected):
    e = effective_turn_detection("universal-3-6-pro", mode)
    assert (e["min_turn_silence"], e["max_turn_silence"], e["interruption_delay"], e["vad_threshold"],
            e["max_turn_duration"]) == expected
    assert e["explicit"] == ()


def test_explicit_values_win_over_the_preset():
    e = effective_turn_detection("universal-3-5-pro", "min_latency", max_turn_silence=900, vad_threshold=0.4)
    assert (e["min_turn_silence"], e["max_turn_silence"], e["interruption_delay"], e["vad_threshold"]) == (
        128, 900, 0, 0.4)
    assert e["explicit"] == ("max_turn_silence", "vad_threshold")


def test_speaker_labels_replace_the_preset_by_the_diarisation_profile():
    e = effective_turn_detection("universal-3-6-pro", "max_accuracy", speaker_labels=True)
    assert (e["min_turn_silence"], e["max_turn_silence"], e["interruption_delay"], e["vad_threshold"],
            e["max_turn_duration"], e["preset"]) == (640, 768, 500, 0.5, 10_000, "speaker_labels")
    assert effective_turn_detection(speaker_labels=True, max_turn_duration=20_000)["max_turn_duration"] == 20_000


@pytest.mark.parametrize("given, expected_min, expected_max", [(0, 50, 1280), (20, 50, 1280), (50, 50, 1280),
                                                               (12_000, 10_000, 10_000)])
def test_min_turn_silence_is_clamped_to_50_10000(given, expected_min, expected_max):
    e = effective_turn_detection(min_turn_silence=given)
    assert (e["min_turn_silence"], e["max_turn_silence"]) == (expected_min, expected_max)
    assert e["clamped"] is (given != 50)


def test_models_and_legacy_names():
    assert is_u3_pro(None) and is_u3_pro("u3-rt-pro") and not is_u3_pro("universal-streaming-multilingual")
    assert "universal-3-6-pro" in legacy_note("u3-rt-pro") and legacy_note("universal-3-5-pro") is None
    assert base_preset("universal-streaming-english", None).max_turn_silence == 1280


def test_differences_name_only_what_a_user_would_write():
    assert differences_from_preset({"min_turn_silence": 512, "max_turn_silence": 2560, "interruption_delay": 500},
                                   mode="max_accuracy") == {}
    assert differences_from_preset({"min_turn_silence": 640, "max_turn_silence": 1000}, speaker_labels=True) == {
        "max_turn_silence": 1000}
    with pytest.raises(ConfigError, match="mode must be one of"):
        base_preset(mode="fast")
