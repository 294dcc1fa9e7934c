"""The typed events as plain data (`to_dict`) and the end reasons as text."""

from __future__ import annotations

import json

from turntune_nb.live.events import (
    BeginEvent,
    ErrorEvent,
    SessionEnd,
    SpeechStartedEvent,
    StreamWord,
    TerminationEvent,
    TurnEvent,
)


def test_each_event_is_plain_json_data_without_its_receive_time():
    words = (StreamWord("Hello", 300, 500, 0.9, True), StreamWord("there.", 520, 700, None, False))
    events = [
        BeginEvent("de5d", 1759796682, received_at=12.5),
        SpeechStartedEvent(300, 0.98, received_at=12.6),
        TurnEvent(turn_order=1, transcript="Hello there.", end_of_turn=True, turn_is_formatted=True,
                  end_of_turn_confidence=1.0, utterance="Hello there.", words=words, start_ms=300, end_ms=700,
                  speaker_label="A", received_at=12.7),
        TerminationEvent(12, 15, received_at=12.8),
        ErrorEvent(3005, "Session Cancelled", "start a new session", True, ValueError("inner"), received_at=12.9),
    ]
    assert [e.to_dict() for e in events] == [
        {"type": "Begin", "id": "de5d", "expires_at": 1759796682, "configuration": None},
        {"type": "SpeechStarted", "timestamp_ms": 300, "confidence": 0.98},
        {"type": "Turn", "turn_order": 1, "transcript": "Hello there.", "end_of_turn": True,
         "turn_is_formatted": True, "end_of_turn_confidence": 1.0, "utterance": "Hello there.",
         "words": [{"text": "Hello", "start_ms": 300, "end_ms": 500, "confidence": 0.9, "word_is_final": True},
                   {"text": "there.", "start_ms": 520, "end_ms": 700, "confidence": None, "word_is_final": False}],
         "start_ms": 300, "end_ms": 700, "speaker_label": "A", "emitted_at_ms": None},
        {"type": "Termination", "audio_duration_seconds": 12, "session_duration_seconds": 15},
        {"type": "Error", "code": 3005, "error": "Session Cancelled", "hint": "start a new session", "fatal": True},
    ]
    json.dumps([e.to_dict() for e in events])  # the exception stays out: JSON-able


def test_events_compare_without_their_receive_time():
    assert BeginEvent("x", 1, received_at=1.0) == BeginEvent("x", 1, received_at=2.0)
    assert ErrorEvent(1011, "x", exception=ValueError("a")) == ErrorEvent(1011, "x", exception=KeyError("b"))


def test_session_end_as_text():
    assert str(SessionEnd(SessionEnd.SERVER_ERROR, "Session Cancelled", 3005)) == "server_error (code 3005): Session Cancelled"
    assert str(SessionEnd(SessionEnd.STOPPED, "stopped by the user")) == "stopped: stopped by the user"
    assert str(SessionEnd(SessionEnd.SERVER_CLOSED, code=1000)) == "server_closed (code 1000)"
    assert str(SessionEnd(SessionEnd.INACTIVITY)) == "inactivity"
