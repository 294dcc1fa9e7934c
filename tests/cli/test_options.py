"""The option groups the sub-commands share, parsed as a user types them."""

import argparse

import pytest

from turntune_nb.cli.options import add_side_args, add_tuning_args, add_vad_args, side, vad_options
from turntune_nb.errors import ConfigError


def _parser(*adders):
    p = argparse.ArgumentParser()
    for add in adders:
        add(p)
    return p


def test_vad_settings_become_typed_keyword_arguments():
    args = _parser(add_vad_args).parse_args(["--vad-set", "onset=0.4", "--vad-set", "min-silence-ms=100",
                                             "--vad-set", "gate=yes"])
    assert vad_options(args) == {"onset": 0.4, "min_silence_ms": 100, "gate": True}
    assert vad_options(_parser(add_vad_args).parse_args([])) == {}


@pytest.mark.parametrize("item, message", [
    ("onset", "--vad-set 'onset': give KEY=VALUE"),
    ("detector=webrtc", "the detector is --vad"),
    ("onset=high", "'high' is not a number"),
])
def test_a_bad_vad_setting_is_named(item, message):
    with pytest.raises(ConfigError, match=message):
        vad_options(_parser(add_vad_args).parse_args(["--vad-set", item]))


def test_the_side_options_become_the_side_keywords():
    args = _parser(add_side_args).parse_args(["--speaker", "caller", "--channel", "1", "--channel", "0",
                                              "--roles", "caller=A,agent=B", "--holds", "floor"])
    assert side(args) == {"speakers": ["caller"], "channels": [1, 0], "roles": "caller=A,agent=B", "holds": "floor"}
    # the default is the side's own silences
    assert side(argparse.Namespace()) == {"speakers": None, "channels": None, "roles": None, "holds": "own"}
    assert _parser(add_side_args).parse_args([]).holds == "own"
    with pytest.raises(SystemExit):
        _parser(add_side_args).parse_args(["--holds", "mine"])


def test_the_tuning_options_and_their_defaults():
    args = _parser(add_tuning_args).parse_args([])
    assert (args.model, args.target_cutoff, args.backend, args.grid_max_ms, args.vad) == (
        "universal-3-6-pro", 0.05, "auto", None, None)
    for model in ("universal-3-5-pro", "u3-rt-pro", "universal-streaming-multilingual", "silence"):
        assert _parser(add_tuning_args).parse_args(["--model", model]).model == model
    with pytest.raises(SystemExit):
        _parser(add_tuning_args).parse_args(["--model", "universal-3-7-pro"])


def test_the_parsers_detector_names_are_the_audio_wings():
    """--vad's choices are spelled in cli.options so that --help loads no numpy; they must stay the detectors."""
    from turntune_nb.audio.vad import DETECTORS
    from turntune_nb.cli.options import VAD_DETECTORS

    assert VAD_DETECTORS == DETECTORS
    from turntune_nb.audio.diarize import METHODS
    from turntune_nb.cli.options import DIARISE_METHODS

    assert DIARISE_METHODS == METHODS


@pytest.mark.parametrize(("content", "message"), [
    ('{"aggregated_statistics": {}, "per_file_results": []}',
     "is a saved analysis summary, not a config: make a config from it with `turntune recommend "),
    ('{"config": {"min_turn_silence": 1}, "metrics": {}, "target_cutoff": 0.05}',
     "is a recommendation printed with --json, not a config"),
    ('{"name": "x", "min_turn_silence": 400}', "is not a config: it has no max_turn_silence (a config is written"),
    ("[1, 2]", "is not a config (a config is a JSON object"),
])
def test_a_file_of_the_wrong_kind_as_config_is_named_in_one_line(tmp_path, content, message):
    from turntune_nb.cli.options import check_config_file

    path = tmp_path / "given.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as err:
        check_config_file(path)
    assert str(err.value).startswith(f"{path} {message}") and "\n" not in str(err.value) and "['" not in str(err.value)


def test_a_config_passes_the_check(tmp_path):
    from turntune_nb.cli.options import check_config_file

    path = tmp_path / "config.json"
    path.write_text('{"name": "Data-driven", "min_turn_silence": 1150, "max_turn_silence": 1200}')
    assert check_config_file(path) is None


def test_stream_refuses_a_summary_as_its_config_with_exit_2(tmp_path, capsys):
    from turntune_nb.cli import main

    path = tmp_path / "aggregated_analysis_1.json"
    path.write_text('{"aggregated_statistics": {}}')
    assert main(["stream", "--source", str(tmp_path / "none.wav"), "--offline", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"turntune: {path} is a saved analysis summary, not a config: make a config from it with " \
                  f"`turntune recommend {path} --out config.json` and pass that\n"
