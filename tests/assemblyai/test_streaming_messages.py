"""The v3 messages parsed into typed events, and each close code's advice."""

from __future__ import annotations

from turntune_nb.assemblyai.streaming_messages import CLOSE_CODE_HINTS, closed_error, parse_message
from turntune_nb.live.events import BeginEvent, WarningEvent


def test_begin_carries_the_configuration_in_force():
    event = parse_message({"type": "Begin", "id": "b1", "expires_at": 1759796682,
                           "configuration": {"speech_model": "universal-3-6-pro", "mode": "balanced",
                                             "speaker_labels": False}}, received_at=3.5)
    assert event == BeginEvent("b1", 1759796682, {"speech_model": "universal-3-6-pro", "mode": "balanced",
                                                  "speaker_labels": False})
    assert event.configuration["mode"] == "balanced" and event.model == "universal-3-6-pro"
    assert parse_message({"type": "Begin", "id": "b2", "configuration": "oops"}).configuration is None


def test_a_server_warning_is_a_warning_event():
    assert parse_message({"type": "Warning", "warning_code": 7, "warning": "audio too quiet"}) == WarningEvent(
        7, "audio too quiet")


def test_the_new_close_codes_are_named():
    assert "over 128 KB" in str(closed_error(1009, "Message Too Big"))
    assert "internal error" in CLOSE_CODE_HINTS[1011]
    assert "inactivity" in CLOSE_CODE_HINTS[3006]
    assert closed_error(1009, "").code == 1009
