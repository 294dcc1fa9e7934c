"""Tests of the export to AssemblyAI and the nearest equivalents elsewhere."""

from __future__ import annotations

from turntune_nb.analysis.export import PLUGIN_VERSIONS, export_settings, export_table
from turntune_nb.analysis.presets import StreamingConfig


def test_u3_export_by_hand():
    out = export_settings(StreamingConfig("Data-driven", 250, 1500), silence_equivalent_ms=1100)
    # no preset named: both silences are sent, for the streaming default
    assert out["assemblyai"]["params"] == {"speech_model": "universal-3-6-pro", "min_turn_silence": 250,
                                           "max_turn_silence": 1500}
    assert out["deepgram"]["params"] == {"endpointing": 1100}
    assert out["livekit"]["params"] == {"min_endpointing_delay": 0.25, "max_endpointing_delay": 1.5}
    assert out["pipecat"]["params"] == {"VADParams.stop_secs": 1.1}
    assert out["openai_realtime"]["params"] == {"turn_detection": {"type": "server_vad", "silence_duration_ms": 1100}}
    assert all(item["note"] and "\n" not in item["note"] for item in out.values())
    # every entry says which model it was written for
    assert all("universal-3-6-pro" in item["model"] for item in out.values())


def test_legacy_model_exports_under_its_own_name():
    out = export_settings(StreamingConfig("x", 250, 1500), model="u3-rt-pro")
    assert out["assemblyai"]["params"]["speech_model"] == "u3-rt-pro" and out["assemblyai"]["model"] == "u3-rt-pro"


def test_plugins_set_the_model_explicitly_and_name_their_versions():
    c = StreamingConfig("Data-driven", 128, 1800, mode="balanced", speech_model="universal-3-6-pro")
    out = export_settings(c)
    # balanced is 128/1280: only max_turn_silence differs, so only it is sent beside the preset's name
    expected = {"speech_model": "universal-3-6-pro", "mode": "balanced", "max_turn_silence": 1800}
    assert out["assemblyai"]["params"] == expected
    assert out["livekit_assemblyai"]["params"] == expected and out["pipecat_assemblyai"]["params"] == expected
    assert "livekit-agents 1.8.0+" in out["livekit_assemblyai"]["note"]
    assert "pipecat-ai 1.9.0+" in out["pipecat_assemblyai"]["note"]
    assert "defaults to universal-3-5-pro" in out["livekit_assemblyai"]["note"]
    assert PLUGIN_VERSIONS == {"livekit": "livekit-agents 1.8.0", "pipecat": "pipecat-ai 1.9.0"}
    # the plugins' params are copies: changing one leaves the others
    out["livekit_assemblyai"]["params"]["max_turn_silence"] = 1
    assert out["assemblyai"]["params"]["max_turn_silence"] == 1800
    # the model asked for wins over the config's
    assert export_settings(c, model="universal-3-5-pro")["pipecat_assemblyai"]["params"]["speech_model"] == \
        "universal-3-5-pro"


def test_universal_streaming_keeps_threshold_and_falls_back_to_max():
    out = export_settings(StreamingConfig("x", 400, 1280, end_of_turn_confidence_threshold=0.7),
                          model="universal-streaming")
    assert out["assemblyai"]["params"]["end_of_turn_confidence_threshold"] == 0.7
    assert out["assemblyai"]["params"]["speech_model"] == "universal-streaming-english"
    assert out["deepgram"]["params"]["endpointing"] == 1280
    assert "max_turn_silence" in out["deepgram"]["note"]


def test_export_table_flattens():
    t = export_table(export_settings(StreamingConfig("x", 100, 1000)))
    # assemblyai and the two plugins 3 each (model, min, max), deepgram 1, livekit 2, pipecat 1,
    # openai 2 (turn_detection.type and .silence_duration_ms)
    assert len(t) == 3 * 3 + 1 + 2 + 1 + 2
    assert t.loc[t["parameter"] == "turn_detection.silence_duration_ms", "value"].item() == 1000
    assert list(t.columns) == ["stack", "model", "parameter", "value", "note"]


def test_new_streaming_fields_go_to_the_models_that_take_them():
    c = StreamingConfig("x", 100, 900, mode="min_latency", interruption_delay=250, vad_threshold=0.55)
    u35 = export_settings(c, model="universal-3-5-pro")["assemblyai"]["params"]
    # min_latency is 128/640, delay 0, vad 0.2: every field differs, so every field is sent
    assert u35 == {"speech_model": "universal-3-5-pro", "min_turn_silence": 100, "max_turn_silence": 900,
                   "mode": "min_latency", "interruption_delay": 250, "vad_threshold": 0.55}
    c2 = StreamingConfig("x", 100, 900, vad_threshold=0.55)
    us = export_settings(c2, model="universal-streaming")["assemblyai"]["params"]
    assert us == {"speech_model": "universal-streaming-english", "min_turn_silence": 100, "max_turn_silence": 900,
                  "vad_threshold": 0.55}
