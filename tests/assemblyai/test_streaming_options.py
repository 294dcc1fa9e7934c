"""`StreamingOptions` alone: its defaults, the values it refuses before anything connects, and what it
keeps (key terms as a tuple of text, the config overrides it carries)."""

from __future__ import annotations

import pytest

from turntune_nb.assemblyai.streaming_options import STREAMING_FIELDS, StreamingOptions
from turntune_nb.errors import ConfigError


def test_defaults_and_the_fields_the_old_keywords_name():
    # speech_model None: the config's model, else AssemblyAI's default (universal-3-6-pro, resolved by the session)
    assert StreamingOptions() == StreamingOptions(
        speech_model=None, mode=None, interruption_delay=None, vad_threshold=None, max_turn_duration=None,
        speaker_labels=None, max_speakers=None, server_inactivity_timeout=None, keyterms_prompt=None,
        extra_params=None, url=None, connect_timeout=10.0, temporary_token=False)
    assert STREAMING_FIELDS == ("speech_model", "mode", "interruption_delay", "vad_threshold", "max_turn_duration",
                                "speaker_labels", "max_speakers", "server_inactivity_timeout", "keyterms_prompt",
                                "extra_params", "url", "connect_timeout", "temporary_token")


def test_what_is_kept_is_normalised_once():
    opts = StreamingOptions(keyterms_prompt=["account number", 42], server_inactivity_timeout=30.0,
                            mode="balanced", vad_threshold=0.4)
    assert opts.keyterms_prompt == ("account number", "42")
    assert opts.server_inactivity_timeout == 30 and isinstance(opts.server_inactivity_timeout, int)
    assert opts.overrides == {"mode": "balanced", "vad_threshold": 0.4}
    assert StreamingOptions(temporary_token=120).temporary_token == 120
    opts = StreamingOptions(speech_model="universal-3-6-pro", mode="balanced", max_turn_duration=20000,
                            speaker_labels=True, max_speakers=2)
    assert opts.overrides == {"mode": "balanced", "max_turn_duration": 20000, "speaker_labels": True,
                              "max_speakers": 2}


@pytest.mark.parametrize("fields, message", [
    ({"server_inactivity_timeout": 4}, r"server_inactivity_timeout must lie in 5\.\.3600 s, got 4"),
    ({"server_inactivity_timeout": 3601}, r"5\.\.3600"),
    ({"server_inactivity_timeout": True}, r"5\.\.3600"),
    ({"keyterms_prompt": [str(i) for i in range(101)]}, "at most 100 terms, got 101"),
    ({"keyterms_prompt": "account number"}, "a list of terms, not one string"),
    ({"speech_model": ""}, "speech_model must be a model name"),
    ({"speech_model": "universal-streaming-english", "mode": "balanced"}, "apply only to the U3 Pro models"),
    ({"vad_threshold": 1.5}, r"vad_threshold must be a number in 0\.\.1"),
    ({"connect_timeout": 0}, "connect_timeout must be positive seconds"),
    ({"temporary_token": -5}, "temporary_token is True/False or the token's lifetime"),
    ({"extra_params": [("prompt", "x")]}, "extra_params is a dict"),
    ({"max_turn_duration": 500}, r"max_turn_duration must be whole milliseconds in 1000\.\.600000, got 500"),
    ({"max_speakers": 0}, "max_speakers must be a whole number of speakers, 1 or more, got 0"),
    ({"speaker_labels": "yes"}, "speaker_labels must be True or False, got 'yes'"),
])
def test_bad_values_are_refused_with_what_they_should_be(fields, message):
    with pytest.raises(ConfigError, match=message):
        StreamingOptions(**fields)
