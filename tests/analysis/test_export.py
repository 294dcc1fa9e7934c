"""Tests of the export to AssemblyAI and the nearest equivalents elsewhere."""

from __future__ import annotations

from turntune_nb.analysis.export import export_settings, export_table
from turntune_nb.analysis.presets import StreamingConfig


def test_u3_export_by_hand():
    out = export_settings(StreamingConfig("Data-driven", 250, 1500), model="u3-rt-pro", silence_equivalent_ms=1100)
    assert out["assemblyai"]["params"] == {"speech_model": "u3-rt-pro", "min_turn_silence": 250, "max_turn_silence": 1500}
    assert out["deepgram"]["params"] == {"endpointing": 1100}
    assert out["livekit"]["params"] == {"min_endpointing_delay": 0.25, "max_endpointing_delay": 1.5}
    assert out["pipecat"]["params"] == {"VADParams.stop_secs": 1.1}
    assert out["openai_realtime"]["params"] == {"turn_detection": {"type": "server_vad", "silence_duration_ms": 1100}}
    assert all(item["note"] and "\n" not in item["note"] for item in out.values())


def test_universal_streaming_keeps_threshold_and_falls_back_to_max():
    out = export_settings(StreamingConfig("x", 400, 1280, end_of_turn_confidence_threshold=0.7),
                          model="universal-streaming")
    assert out["assemblyai"]["params"]["end_of_turn_confidence_threshold"] == 0.7
    assert out["assemblyai"]["params"]["speech_model"] == "universal-streaming-english"
    assert out["deepgram"]["params"]["endpointing"] == 1280
    assert "max_turn_silence" in out["deepgram"]["note"]


def test_export_table_flattens():
    t = export_table(export_settings(StreamingConfig("x", 100, 1000)))
    assert len(t) == 3 + 1 + 2 + 1 + 2
    assert t.loc[t["parameter"] == "turn_detection.silence_duration_ms", "value"].item() == 1000


def test_new_streaming_fields_go_to_the_models_that_take_them():
    c = StreamingConfig("x", 100, 900, mode="min_latency", interruption_delay=250, vad_threshold=0.55)
    u35 = export_settings(c, model="universal-3-5-pro")["assemblyai"]["params"]
    assert u35 == {"speech_model": "universal-3-5-pro", "min_turn_silence": 100, "max_turn_silence": 900,
                   "mode": "min_latency", "interruption_delay": 250, "vad_threshold": 0.55}
    us = export_settings(c, model="universal-streaming")["assemblyai"]["params"]
    assert us == {"speech_model": "universal-streaming-english", "min_turn_silence": 100, "max_turn_silence": 900,
                  "vad_threshold": 0.55}
