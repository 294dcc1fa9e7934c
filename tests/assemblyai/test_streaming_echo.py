"""`Begin.configuration` set beside what was asked: each case worked out by hand."""

from __future__ import annotations

from turntune_nb.assemblyai.streaming_echo import compare_configuration, ignored_text, normalise


def test_values_compare_across_query_strings_and_json():
    assert normalise("true") is True and normalise("False") is False
    assert normalise("1280") == normalise(1280) == normalise(1280.0) == 1280.0
    assert normalise("0.2") == normalise(0.2) and normalise("balanced") == "balanced"


def test_what_the_service_ignored_or_changed_and_nothing_else():
    asked = {"sample_rate": 16000, "encoding": "pcm_s16le", "speech_model": "universal-3-6-pro", "mode": "balanced",
             "min_turn_silence": 20, "max_turn_silence": 1800, "speaker_labels": "true",
             "min_turn_silense": 300, "previous_context_n_turns": 3, "token": "t", "prompt": "Hi."}
    echo = {"model": "universal-3-5-pro", "mode": "balanced", "min_turn_silence": 50, "max_turn_silence": 1800,
            "speaker_labels": True, "api_version": "v3"}
    # model: echoed under "model", another one (changed); mode, max silence, speaker_labels: as asked;
    # min_turn_silence clamped 20 -> 50 (changed); min_turn_silense: not documented and not echoed (ignored);
    # previous_context_n_turns: documented, not echoed (taken as accepted); sample_rate, token, prompt: not settings
    assert compare_configuration(asked, echo) == {
        "speech_model": {"asked": "universal-3-6-pro", "in_force": "universal-3-5-pro"},
        "min_turn_silence": {"asked": 20, "in_force": 50},
        "min_turn_silense": {"asked": 300, "in_force": None},
    }


def test_no_echo_tells_nothing():
    assert compare_configuration({"min_turn_silense": 300}, None) == {}
    assert ignored_text({}) == ""


def test_the_sentence_names_each_setting():
    assert ignored_text({"colour": {"asked": "red", "in_force": None}}) == (
        "the service ignored colour=red (not a parameter it knows: misspelled?)")
    assert ignored_text({"mode": {"asked": "balanced", "in_force": "min_latency"}}) == (
        "the service changed mode balanced -> min_latency")
