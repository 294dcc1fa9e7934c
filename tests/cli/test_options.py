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
