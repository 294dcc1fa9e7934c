import json

import pytest

from turntune_nb.analysis.presets import (
    AGGRESSIVE,
    BALANCED,
    CONSERVATIVE,
    PRESETS,
    StreamingConfig,
    load_config,
    recommend_preset,
)
from turntune_nb.errors import ConfigError


def test_preset_values_are_the_guides():
    assert [(c.name, c.min_turn_silence, c.max_turn_silence) for c in (AGGRESSIVE, BALANCED, CONSERVATIVE)] == [
        ("Aggressive", 160, 400), ("Balanced", 400, 1280), ("Conservative", 800, 3600)]
    assert AGGRESSIVE.description == "Fast-paced conversation with quick turn-taking"
    assert BALANCED.use_cases == "General customer support, consultations, standard voice agents"
    assert CONSERVATIVE.use_cases == "Technical support, healthcare, legal consultations, troubleshooting"
    assert set(PRESETS) == {"aggressive", "balanced", "conservative"}


@pytest.mark.parametrize("avg, name", [(0, "Aggressive"), (499.99, "Aggressive"), (500, "Balanced"),
                                       (999.9, "Balanced"), (1000, "Conservative"), (5000, "Conservative")])
def test_rule_boundaries(avg, name):
    cfg = recommend_preset(avg, files=2, total_gaps=7)
    assert cfg.name == name
    assert cfg.evidence["overall_average_gap_ms"] == avg and cfg.evidence["files"] == 2 and cfg.evidence["total_gaps"] == 7
    assert f"{avg:.0f} ms" in cfg.evidence["reason"]


def test_no_data_is_balanced_default():
    cfg = recommend_preset(None)
    assert (cfg.name, cfg.min_turn_silence, cfg.max_turn_silence) == ("Balanced (Default)", 400, 1280)


def test_connection_params_per_model():
    u3 = CONSERVATIVE.to_connection_params()
    assert u3 == {"sample_rate": 16000, "encoding": "pcm_s16le", "speech_model": "universal-3-6-pro",
                  "min_turn_silence": 800, "max_turn_silence": 3600}
    us = CONSERVATIVE.to_connection_params(speech_model="universal-streaming-english", inactivity_timeout=30)
    assert us["format_turns"] is True and us["end_of_turn_confidence_threshold"] == 0.7
    assert us["inactivity_timeout"] == 30


@pytest.mark.parametrize("kwargs, message", [
    ({"min_turn_silence": 900, "max_turn_silence": 800}, "must not exceed"),
    ({"min_turn_silence": -1, "max_turn_silence": 800}, "must lie in"),
    ({"min_turn_silence": 1.5, "max_turn_silence": 800}, "whole milliseconds"),
    ({"min_turn_silence": 100, "max_turn_silence": 800, "end_of_turn_confidence_threshold": 2}, "0..1"),
])
def test_validation(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        StreamingConfig("x", **kwargs)


def test_save_and_load(tmp_path):
    cfg = BALANCED.with_values(300, 900)
    path = cfg.save(tmp_path / "cfg" / "config.json")
    data = json.loads(path.read_text())
    assert (data["name"], data["min_turn_silence"], data["max_turn_silence"]) == ("Custom", 300, 900)
    assert load_config(path) == cfg
    (tmp_path / "bad.json").write_text('{"min_turn_silence": 100}')
    with pytest.raises(ConfigError, match=r"bad.json: the config lacks \['max_turn_silence'\]"):
        load_config(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.json")


def test_config_name_and_validation():
    cfg = StreamingConfig("Data-driven", 100, 1000)
    assert str(cfg) == "Data-driven (min_turn_silence=100 ms, max_turn_silence=1000 ms)"
    # whole-number floats become ints; the API's limits 0 and 10000 ms are both accepted
    cfg = StreamingConfig("Edges", 0.0, 10_000.0)
    assert (cfg.min_turn_silence, cfg.max_turn_silence) == (0, 10_000) and type(cfg.min_turn_silence) is int
    assert str(cfg) == "Edges (min_turn_silence=0 ms, max_turn_silence=10000 ms)"
    with pytest.raises(ConfigError, match=r"max_turn_silence must lie in 0..10000 ms, got 10001"):
        StreamingConfig("x", 100, 10_001)
    with pytest.raises(ConfigError, match="whole milliseconds, got True"):
        StreamingConfig("x", True, 800)


def test_load_config_reads_a_config_wrapper(tmp_path):
    # a file whose top-level object holds the setting under "config", beside other keys
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"saved_by": "turntune", "config": {
        "name": "Night shift", "min_turn_silence": 250, "max_turn_silence": 1500}}))
    cfg = load_config(path)
    assert (cfg.name, cfg.min_turn_silence, cfg.max_turn_silence) == ("Night shift", 250, 1500)
    # without a name inside the wrapper the setting is "Custom"
    path.write_text('{"config": {"min_turn_silence": 300, "max_turn_silence": 900}}')
    assert str(load_config(path)) == "Custom (min_turn_silence=300 ms, max_turn_silence=900 ms)"


def test_new_fields_validate_and_survive_a_save(tmp_path):
    import pytest

    from turntune_nb.analysis.presets import StreamingConfig, check_streaming_fields, load_config
    from turntune_nb.errors import ConfigError

    c = StreamingConfig("x", 100, 1000, mode="max_accuracy", interruption_delay=800, vad_threshold=0.25)
    back = load_config(c.save(tmp_path / "c.json"))
    assert (back.mode, back.interruption_delay, back.vad_threshold) == ("max_accuracy", 800, 0.25)
    for bad in ({"vad_threshold": 1.5}, {"vad_threshold": -0.1}, {"vad_threshold": "0.3"}, {"mode": "fast"},
                {"interruption_delay": 1001}, {"interruption_delay": 2.5}, {"interruption_delay": True}):
        with pytest.raises(ConfigError):
            StreamingConfig("x", 100, 1000, **bad)
    with pytest.raises(ConfigError, match="U3 Pro"):
        check_streaming_fields({"mode": "balanced"}, "universal-streaming-english")
    check_streaming_fields({"vad_threshold": 0.9}, "universal-streaming-english")  # every model takes it
    params = c.to_connection_params("u3-rt-pro")
    assert (params["mode"], params["interruption_delay"], params["vad_threshold"]) == ("max_accuracy", 800, 0.25)
    assert "interruption_delay" not in c.to_connection_params("whisper-rt")


def test_repr_shows_the_setting_not_the_evidence():
    from turntune_nb.analysis.presets import BALANCED, recommend_preset

    assert repr(BALANCED) == ("StreamingConfig('Balanced', min_turn_silence=400, max_turn_silence=1280, "
                              "end_of_turn_confidence_threshold=0.4)")
    chosen = recommend_preset(356.666667, 2, 3)
    assert repr(chosen).startswith("StreamingConfig('Aggressive', min_turn_silence=160")
    assert "356.666667" not in repr(chosen) and "evidence" not in repr(chosen)


@pytest.mark.parametrize("text,message", [
    ('{"min_turn_silence": NaN, "max_turn_silence": 1000}',
     r"a value is not one a config holds \(cannot convert float NaN to integer\)"),
    ('{"min_turn_silence": 400, "max_turn_silence": Infinity}',
     r"a value is not one a config holds \(cannot convert float infinity to integer\)"),
    ('{"min_turn_silence": 400, "max_turn_silence": 1000, "end_of_turn_confidence_threshold": NaN}',
     "end_of_turn_confidence_threshold must lie in 0..1, got nan"),
    ('{"min_turn_silence": 1e400, "max_turn_silence": 1000}', "a value is not one a config holds"),
    ('{"min_turn_silence": 400, "max_turn_silence": 1000, "end_of_turn_confidence_threshold": "0.5"}',
     "a value is not one a config holds"),
    ('{"min_turn_silence": "400", "max_turn_silence": 1000}', "min_turn_silence must be whole milliseconds"),
    ("\udcff", "cannot be read as a JSON config"),
])
def test_a_config_with_nan_or_a_string_threshold_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "c.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)
