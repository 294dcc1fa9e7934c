"""StreamingSession against the fake's v3 WebSocket over a real socket (127.0.0.1)."""

from __future__ import annotations

import inspect
import json
import logging
import os
import re
import signal
import socket
import threading
import time
import wave

import numpy as np
import pytest

from tests.fake_assemblyai import FakeAssemblyAI
from tests.fake_assemblyai import streaming as fs
from turntune_nb.analysis.presets import BALANCED, StreamingConfig
from turntune_nb.assemblyai.streaming import CLOSE_CODE_HINTS, StartLimiter, StreamingSession
from turntune_nb.assemblyai.streaming_options import STREAMING_FIELDS, StreamingOptions
from turntune_nb.errors import ConfigError, MissingAPIKeyError, StreamingClosedError, StreamingError
from turntune_nb.live.events import BeginEvent, ErrorEvent, SessionEnd, SpeechStartedEvent, TerminationEvent, TurnEvent
from turntune_nb.live.session import SESSION_FIELDS, SessionOptions

KEY = "sk-test-5f0e1d2c3b4a"
SR = 16000
CONFIG = StreamingConfig("Test", 200, 500)


def tone(ms: int, amp: int = 8000) -> np.ndarray:
    t = np.arange(SR * ms // 1000) / SR
    return (amp * np.sin(2 * np.pi * 220 * t)).astype(np.int16)


def silence(ms: int) -> np.ndarray:
    return np.zeros(SR * ms // 1000, dtype=np.int16)


def speech_then_pause() -> np.ndarray:
    # 200 silence, 800 speech, 600 silence (> max 500: a final), 500 speech, 300 silence
    return np.concatenate([silence(200), tone(800), silence(600), tone(500), silence(300)])


@pytest.fixture(scope="module")
def server():
    with FakeAssemblyAI(api_key=KEY) as fake:
        yield fake


@pytest.fixture
def fake(server):
    """The module's fake, with default streaming behaviour and 4x speed allowed."""
    with server.state.lock:
        fs._store(server)["config"] = dict(fs.DEFAULTS, max_speed=4.0)
    return server


def session(fake, source, config=CONFIG, **kwargs):
    """A session on the fake (4x real time unless told): the fields of `StreamingOptions` and
    `SessionOptions` given here as keywords go into those objects; the rest to the session."""
    kwargs.setdefault("api_key", KEY)
    streaming = {"url": fake.ws_url, **{k: kwargs.pop(k) for k in STREAMING_FIELDS if k in kwargs}}
    options = {"pacing_speed": 4.0, **{k: kwargs.pop(k) for k in SESSION_FIELDS if k in kwargs}}
    return StreamingSession(config, source, streaming=StreamingOptions(**streaming), options=SessionOptions(**options),
                            **kwargs)


def run(fake, source, config=CONFIG, **kwargs):
    """Start, wait until the end (not raising the session's error), return (session, the
    fake's record of it). A failing ``start()`` raises: use `refused` for those."""
    before = len(fs.sessions(fake))
    s = session(fake, source, config, **kwargs)
    s.start()
    end = s.wait(30, raise_error=False)
    assert end is not None, "the session did not end within 30 s, or ended without a reason"
    fs.wait_for_sessions(fake, before + 1)
    return s, fs.sessions(fake)[before]


def refused(fake, source, config=CONFIG, error=StreamingError, **kwargs):
    """Start a session the fake must refuse: return (the error ``start()`` raised, the fake's record)."""
    before = len(fs.sessions(fake))
    s = session(fake, source, config, **kwargs)
    with pytest.raises(error) as info:
        s.start()
    assert not s.running
    fs.wait_for_sessions(fake, before + 1)
    return info.value, fs.sessions(fake)[before]


def no_session_threads() -> bool:
    return not [t for t in threading.enumerate() if t.name.startswith("turntune-")]


# --------------------------------------------------------------------------- messages
def test_every_message_type_is_parsed_into_typed_events(fake):
    words = [{"start": 300, "end": 500, "text": "Hello", "confidence": 0.9, "word_is_final": True},
             {"start": 520, "end": 700, "text": "there.", "confidence": 0.8, "word_is_final": True}]
    fs.configure(fake, mode="script", script=[
        (0, {"type": "SpeechStarted", "timestamp": 300, "confidence": 0.98}),
        (100, {"type": "Turn", "turn_order": 0, "turn_is_formatted": False, "end_of_turn": False,
               "transcript": "hello", "end_of_turn_confidence": 0.0, "utterance": "", "words": words[:1]}),
        (200, {"type": "Turn", "turn_order": 0, "turn_is_formatted": True, "end_of_turn": True,
               "transcript": "Hello there.", "end_of_turn_confidence": 1.0, "utterance": "Hello there.",
               "words": words, "speaker_label": "A"}),
        (250, {"type": "Heartbeat", "total_audio_received_ms": 250}),
    ])
    seen = {"begin": [], "speech": [], "turn": [], "end": [], "error": []}
    s, rec = run(fake, silence(400), on_begin=seen["begin"].append, on_speech_started=seen["speech"].append,
                 on_turn=seen["turn"].append, on_termination=seen["end"].append, on_error=seen["error"].append)
    assert [type(e) for e in s.events] == [BeginEvent, SpeechStartedEvent, TurnEvent, TurnEvent, TerminationEvent]
    begin = seen["begin"][0]
    assert begin.id == rec["sent"][0][1]["id"] and begin.expires_at == rec["sent"][0][1]["expires_at"]
    assert seen["speech"] == [SpeechStartedEvent(300, 0.98)]
    partial, final = seen["turn"]
    assert partial.is_partial and not partial.turn_is_formatted and partial.transcript == "hello"
    assert final.is_final and final.turn_is_formatted and final.transcript == final.utterance == "Hello there."
    assert (final.start_ms, final.end_ms, final.speaker_label) == (300, 700, "A")
    assert [w.text for w in final.words] == ["Hello", "there."] and final.words[1].confidence == 0.8
    assert seen["end"] == [TerminationEvent(0, 0)]
    assert seen["error"] == []
    assert s.end_reason.kind == SessionEnd.SOURCE_EXHAUSTED
    assert final.to_dict()["words"][0] == {"text": "Hello", "start_ms": 300, "end_ms": 500, "confidence": 0.9,
                                           "word_is_final": True}
    assert json.loads(json.dumps(final.to_dict()))["type"] == "Turn"


def test_energy_turns_honour_the_thresholds(fake):
    s, rec = run(fake, speech_then_pause())
    finals = s.turns()
    assert [(t.start_ms, t.end_ms, t.transcript) for t in finals] == [(200, 1000, "So we looked."), (1600, 2100, "At the.")]
    partials = [e for e in s.turns(final_only=False) if e.is_partial]
    assert partials and all(not p.turn_is_formatted for p in partials)
    # the first final came when 500 ms (max_turn_silence) of silence had arrived: after 1500 ms of audio
    first_final = next(m for m in rec["sent"] if m[1].get("end_of_turn"))
    arrived_before = sum(1 for t in rec["arrivals"] if t <= first_final[0])
    assert arrived_before == 1500 // 50


def test_thresholds_and_options_reach_the_url(fake):
    _, rec = run(fake, silence(100), StreamingConfig("X", 160, 400, end_of_turn_confidence_threshold=0.7),
                 speech_model="universal-streaming-english", server_inactivity_timeout=30,
                 keyterms_prompt=["account number", "Jay Smith"])
    assert rec["params"] == {
        "sample_rate": "16000", "encoding": "pcm_s16le", "speech_model": "universal-streaming-english",
        "min_turn_silence": "160", "max_turn_silence": "400", "format_turns": "true",
        "end_of_turn_confidence_threshold": "0.7", "inactivity_timeout": "30",
        "keyterms_prompt": '["account number", "Jay Smith"]',
    }
    assert rec["auth"] == "key"
    _, rec = run(fake, silence(100), BALANCED)  # no model named anywhere: AssemblyAI's default since 2026-09-29
    assert rec["params"] == {"sample_rate": "16000", "encoding": "pcm_s16le", "speech_model": "universal-3-6-pro",
                             "min_turn_silence": "400", "max_turn_silence": "1280"}


def test_bad_settings_are_refused_before_connecting(fake):
    with pytest.raises(ConfigError, match="5..3600"):
        session(fake, silence(100), server_inactivity_timeout=4)
    with pytest.raises(ConfigError, match="100 terms"):
        session(fake, silence(100), keyterms_prompt=[str(i) for i in range(101)])
    err, rec = refused(fake, silence(100), speech_model="no-such-model")
    assert rec["refused"] == "Invalid speech_model: no-such-model" and rec["chunks"] == []
    assert re.search("HTTP 400.*Invalid speech_model", str(err))


def test_the_run_helper_raises_when_start_fails(fake):
    """A refused connection must fail a test that expected a session, not look like one that ran."""
    with pytest.raises(StreamingError, match="HTTP 400"):
        run(fake, silence(100), speech_model="no-such-model")
    with pytest.raises(StreamingClosedError, match="code 1008"):
        run(fake, silence(100), api_key="wrong-key")
    assert no_session_threads()


# --------------------------------------------------------------------------- audio
def test_chunks_are_50_ms_and_the_last_is_padded(fake, tmp_path):
    audio = tone(1234)
    s, rec = run(fake, [audio[:1000].tobytes(), audio[1000:5000], audio[5000:]], save_wav=tmp_path / "sent.wav")
    assert rec["chunks"] == [1600] * 25 and list(s.stats.sizes) == [1600] * 25
    with wave.open(str(tmp_path / "sent.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()) == (16000, 1, 2, 25 * 800)
        sent = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert np.array_equal(sent[: audio.size], audio) and not sent[audio.size:].any()
    assert rec["chunks_after_terminate"] == 0


def test_paced_in_real_time_from_a_monotonic_clock(fake):
    fs.configure(fake, max_speed=1.0, rate_allowance_ms=100.0)
    s, rec = run(fake, silence(1000), pacing_speed=1.0)
    assert rec["close"] == (1000, "") and s.error is None
    assert len(rec["chunks"]) == 20
    # never early: every send started at or after its slot t0 + k * 50 ms
    assert len(s.stats.lateness_ms) == 20 and min(s.stats.lateness_ms) >= 0.0
    span = rec["arrivals"][-1] - rec["arrivals"][0]
    assert span >= 19 * 0.050 - 0.010


def test_unpaced_audio_is_refused_with_3007(fake):
    fs.configure(fake, max_speed=1.0, rate_allowance_ms=200.0)
    errors = []
    s, rec = run(fake, silence(3000), pacing_speed=None, on_error=errors.append)
    assert rec["close"][0] == 3007
    assert re.fullmatch(r"Audio Transmission Rate Exceeded: Received [\d.]+ sec\. audio in [\d.]+ sec", rec["close"][1])
    assert isinstance(s.error, StreamingClosedError) and s.error.code == 3007
    assert "no faster than real time" in str(s.error)
    assert s.end_reason.kind == SessionEnd.SERVER_ERROR and s.end_reason.code == 3007
    assert [e.code for e in errors] == [3007]
    with pytest.raises(StreamingClosedError):
        s.wait(1)


# --------------------------------------------------------------------------- ending
def test_stop_sends_terminate_and_awaits_termination(fake):
    fs.configure(fake, mode="silent")
    before = len(fs.sessions(fake))
    s = session(fake, silence(20_000)).start()
    assert s.running
    end = s.stop()
    rec = fs.wait_for_sessions(fake, before + 1)[before]
    assert end.kind == SessionEnd.STOPPED and s.terminate_sent
    assert rec["terminate_received"] and rec["close"] == (1000, "") and rec["chunks_after_terminate"] == 0
    assert isinstance(s.events[-1], TerminationEvent)
    assert s.stats.audio_ms < 20_000 and no_session_threads()
    assert s.stop().kind == SessionEnd.STOPPED  # idempotent


def test_stop_is_bounded_when_no_termination_comes(fake):
    fs.configure(fake, mode="silent", ignore_terminate=True)
    s = session(fake, silence(20_000), terminate_timeout=0.3).start()
    t0 = time.monotonic()
    s.stop()
    assert time.monotonic() - t0 < 6.0
    assert s.end_reason.kind == SessionEnd.STOPPED and no_session_threads()
    assert not any(isinstance(e, TerminationEvent) for e in s.events)


def test_keyboard_interrupt_in_wait_sends_terminate(fake):
    fs.configure(fake, mode="script", script=[(100, {"type": "Turn", "turn_order": 0, "end_of_turn": False,
                                                      "transcript": "hi", "words": []})])
    before = len(fs.sessions(fake))

    def interrupt(_event):
        os.kill(os.getpid(), signal.SIGINT)  # a real SIGINT, delivered to the main thread in wait()

    s = session(fake, silence(20_000), on_turn=interrupt).start()
    with pytest.raises(KeyboardInterrupt):
        s.wait()
    rec = fs.wait_for_sessions(fake, before + 1)[before]
    assert rec["terminate_received"] and rec["close"] == (1000, "")
    assert s.end_reason == SessionEnd(SessionEnd.STOPPED, "interrupted (Ctrl+C)")
    assert no_session_threads()


def test_inactivity_fires_while_no_message_arrives(fake):
    fs.configure(fake, mode="silent")  # nothing but Begin: the guide's check would never run
    t0 = time.monotonic()
    s, rec = run(fake, silence(10_000), pacing_speed=1.0, inactivity_timeout_s=0.4)
    assert s.end_reason.kind == SessionEnd.INACTIVITY and "0.4 s" in s.end_reason.detail
    assert rec["terminate_received"] and rec["close"] == (1000, "")
    assert s.stats.audio_ms < 10_000 and time.monotonic() - t0 < 8.0
    assert [type(e) for e in s.events] == [BeginEvent, TerminationEvent]


def test_new_transcripts_postpone_inactivity(fake):
    turn = {"type": "Turn", "turn_order": 0, "end_of_turn": False, "words": []}
    fs.configure(fake, mode="script", script=[(ms, dict(turn, transcript="word " * (i + 1)))
                                              for i, ms in enumerate(range(200, 1400, 200))]
                 + [(1500, dict(turn, transcript=""))])  # empty transcripts do not count
    s, _ = run(fake, silence(6000), pacing_speed=1.0, inactivity_timeout_s=0.6)
    assert s.end_reason.kind == SessionEnd.INACTIVITY
    assert s.stats.audio_ms >= 1200 + 600 - 100  # still streaming 0.6 s after the last transcript
    assert len([e for e in s.events if isinstance(e, TurnEvent)]) == 7


#: The client-side inactivity timer's allowed error (a bound on its correctness, not speed).
TIMER_TOLERANCE_S = 0.25


def test_empty_transcripts_do_not_postpone_inactivity(fake):
    turn = {"type": "Turn", "turn_order": 0, "end_of_turn": False, "words": []}
    fs.configure(fake, mode="script", script=[(ms, dict(turn, transcript=" " if ms % 200 else ""))
                                              for ms in range(100, 4000, 100)])  # every 100 ms of audio
    before = len(fs.sessions(fake))
    s = session(fake, silence(10_000), pacing_speed=1.0, inactivity_timeout_s=1.0).start()
    started = time.monotonic()  # the last activity: the session began
    s.wait(10)
    rec = fs.wait_for_sessions(fake, before + 1)[before]
    assert s.end_reason == SessionEnd(SessionEnd.INACTIVITY, "no new transcript for 1 s")
    assert abs(rec["terminate_at"] - started - 1.0) <= TIMER_TOLERANCE_S
    empties = [e for e in s.events if isinstance(e, TurnEvent)]
    assert len(empties) >= 6 and {e.transcript for e in empties} == {"", " "}  # they kept coming


def test_inactivity_fires_on_time_after_the_last_transcript(fake):
    fs.configure(fake, mode="script", script=[(500, {"type": "Turn", "turn_order": 0, "end_of_turn": False,
                                                      "transcript": "so we", "words": []})])
    turns = []
    s, rec = run(fake, silence(10_000), pacing_speed=1.0, inactivity_timeout_s=1.0, on_turn=turns.append)
    assert s.end_reason == SessionEnd(SessionEnd.INACTIVITY, "no new transcript for 1 s")
    (turn,) = turns
    assert abs(rec["terminate_at"] - turn.received_at - 1.0) <= TIMER_TOLERANCE_S


def test_server_inactivity_timeout_ends_the_session(fake):
    """December 2026: the server's inactivity timer closes with 3006 (after an Error message): the
    session ends as "inactivity (server)", not as an error; the older Termination + 1000 too."""
    fs.configure(fake, mode="silent", inactivity_scale=0.02)  # 5 s -> 100 ms
    errors = []
    s, rec = run(fake, silence(5000), server_inactivity_timeout=5, on_error=errors.append)
    assert rec["params"]["inactivity_timeout"] == "5"
    assert rec["close"][0] == 3006 and rec["inactivity_closed"]
    assert s.end_reason.kind == SessionEnd.SERVER_INACTIVITY and s.end_reason.code == 3006
    assert s.end_reason.detail.startswith("inactivity (server)")
    assert s.error is None and errors == []  # issue 14: says which rule fired; issue 22: not an error
    assert not any(isinstance(e, ErrorEvent) for e in s.events) and not rec["terminate_received"]
    fs.configure(fake, inactivity_close="termination")
    s, rec = run(fake, silence(5000), server_inactivity_timeout=5)
    assert s.end_reason.kind == SessionEnd.SERVER_INACTIVITY and s.error is None
    assert isinstance(s.events[-1], TerminationEvent) and not rec["terminate_received"]


# --------------------------------------------------------------------------- errors
ERRORS = [
    (3005, "Session Cancelled: An error occurred"),
    (3006, "Invalid Message Type: Nope"),
    (3007, "Input duration violation: 20 ms. Expected between 50 and 1000 ms"),
    (3008, "Session Expired: Maximum session duration exceeded"),
    (3009, "Unauthorized Connection: Too many concurrent sessions"),
]


@pytest.mark.parametrize("code,reason", ERRORS)
def test_each_server_error_code_becomes_a_clear_error(fake, code, reason):
    fs.configure(fake, error={"code": code, "reason": reason, "after_ms": 100, "message": True})
    errors = []
    s, rec = run(fake, silence(3000), on_error=errors.append)
    assert rec["close"] == (code, reason)
    assert isinstance(s.error, StreamingClosedError) and (s.error.code, s.error.reason) == (code, reason)
    assert str(s.error).startswith(f"streaming session closed by the server (code {code}): {reason}")
    assert CLOSE_CODE_HINTS[code] in str(s.error)
    assert s.end_reason == SessionEnd(SessionEnd.SERVER_ERROR, reason, code)
    assert [(e.code, e.error, e.fatal) for e in errors] == [(code, reason, True)]
    with pytest.raises(StreamingClosedError, match=str(code)):
        s.wait(1)
    assert no_session_threads()


TOO_MANY = "Unauthorized Connection: Too many concurrent sessions"


def _closed_codes(fake, n: int) -> list:
    """Start `n` sessions at once; the close code each reports (from start() or from the session)."""
    codes = []

    def one():
        s = session(fake, silence(3000))
        try:
            s.start()
            s.wait(30, raise_error=False)
            codes.append(getattr(s.error, "code", repr(s.error)))
        except StreamingError as err:
            codes.append(getattr(err, "code", repr(err)))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


def test_24_sessions_closed_with_3009_by_a_server_that_hangs_up_at_once_all_report_3009(fake):
    """The server sends its close frame and resets the connection without waiting for the answer (as a
    loaded server does): answering the close fails in the client, and the code must still be 3009."""
    fs.configure(fake, error={"code": 3009, "reason": TOO_MANY, "after_ms": 0, "message": False, "hang_up": True})
    assert _closed_codes(fake, 24) == [3009] * 24
    assert no_session_threads()


def test_the_close_code_is_kept_when_answering_the_close_frame_fails(fake, monkeypatch):
    """Every answer to a close frame fails (BrokenPipeError, the server gone): 6 sessions, 6 times 3009,
    with the server's reason and hint."""
    import websocket

    def broken(self, *args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(websocket.WebSocket, "send_close", broken)
    fs.configure(fake, error={"code": 3009, "reason": TOO_MANY, "after_ms": 0, "message": False})
    assert _closed_codes(fake, 6) == [3009] * 6
    s, _ = run(fake, silence(3000))
    assert (s.error.code, s.error.reason) == (3009, TOO_MANY) and CLOSE_CODE_HINTS[3009] in str(s.error)


@pytest.mark.parametrize("code,reason,message", [(3005, "Session Cancelled: An error occurred", True),
                                                  (1011, "Internal error", False)])
def test_an_error_close_after_stop_is_why_the_session_ended(fake, code, reason, message):
    """stop() sends Terminate; the server answers with an error close instead of Termination."""
    fs.configure(fake, mode="silent", terminate_close={"code": code, "reason": reason, "message": message})
    before = len(fs.sessions(fake))
    s = session(fake, silence(20_000)).start()
    end = s.stop()
    rec = fs.wait_for_sessions(fake, before + 1)[before]
    assert rec["terminate_received"] and rec["close"] == (code, reason)
    assert end == s.end_reason == SessionEnd(SessionEnd.SERVER_ERROR, reason, code)
    assert isinstance(s.error, StreamingClosedError) and (s.error.code, s.error.reason) == (code, reason)
    assert not any(isinstance(e, TerminationEvent) for e in s.events)
    assert [(e.code, e.error) for e in s.events if isinstance(e, ErrorEvent)] == [(code, reason)]
    with pytest.raises(StreamingClosedError):
        s.wait(1)
    assert no_session_threads()


def test_an_error_close_after_termination_leaves_stopped(fake):
    fs.configure(fake, mode="silent", terminate_close={"code": 3005, "reason": "Session Cancelled: late",
                                                       "termination": True})
    before = len(fs.sessions(fake))
    s = session(fake, silence(20_000)).start()
    end = s.stop()
    rec = fs.wait_for_sessions(fake, before + 1)[before]
    assert rec["close"] == (3005, "Session Cancelled: late")
    assert end == s.end_reason == SessionEnd(SessionEnd.STOPPED, "stopped by the user")
    assert isinstance(s.events[-2], TerminationEvent) and s.events[-1].code == 3005
    assert no_session_threads()


def test_a_long_reason_is_taken_from_the_error_message(fake):
    long = "Session Cancelled: " + "x" * 200
    fs.configure(fake, error={"code": 3005, "reason": long, "after_ms": 0, "message": True})
    s, rec = run(fake, silence(1000))
    assert rec["close"] == (3005, "See Error message for details")
    assert s.error.reason == long and s.end_reason.detail == long


@pytest.mark.parametrize("key,auth", [(None, "missing"), ("wrong-key", "invalid")])
def test_unauthorized_is_1008_raised_by_start(fake, monkeypatch, key, auth):
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    s = session(fake, silence(1000), api_key="placeholder")
    if key is None:  # no Authorization header at all: only reachable by stripping it
        s._StreamingSession__auth = ""
    else:
        s._StreamingSession__auth = key
    with pytest.raises(StreamingClosedError) as info:
        s.start()
    assert info.value.code == 1008 and "ASSEMBLYAI_API_KEY" in str(info.value)
    assert fs.last_session(fake)["auth"] == auth and no_session_threads()


def test_abrupt_close_is_a_lost_connection(fake):
    fs.configure(fake, abrupt_after_ms=200)
    s, rec = run(fake, silence(3000))
    assert rec["close"] == ("abrupt", "")
    assert s.end_reason.kind == SessionEnd.CONNECTION_LOST
    assert isinstance(s.error, StreamingError) and "lost without a close frame" in str(s.error)


def test_a_failing_callback_is_reported_and_the_reader_carries_on(fake, caplog):
    calls = []

    def bad(event):
        calls.append(event)
        raise ValueError("boom")

    errors = []
    with caplog.at_level(logging.ERROR, logger="turntune_nb.assemblyai.streaming"):
        s, _ = run(fake, speech_then_pause(), on_turn=bad, on_error=errors.append)
    finals = s.turns()
    assert len(finals) == 2 and len(calls) == len(s.turns(final_only=False))
    assert len(s.callback_errors) == len(calls) and all(isinstance(e, ValueError) for e in s.callback_errors)
    assert errors and all(not e.fatal and "raised ValueError: boom" in e.error for e in errors)
    assert s.end_reason.kind == SessionEnd.SOURCE_EXHAUSTED and isinstance(s.events[-1], TerminationEvent)
    assert "boom" in caplog.text


# --------------------------------------------------------------------------- controls
def test_force_endpoint_and_update_configuration(fake):
    fs.configure(fake, partial_every_ms=10_000)
    got_turn = threading.Event()
    s = session(fake, np.concatenate([tone(3000), silence(200)]), pacing_speed=1.0,
                on_speech_started=lambda e: got_turn.set()).start()
    assert got_turn.wait(5)
    s.update_configuration(max_turn_silence=2000, min_turn_silence=300)
    assert (s.config.min_turn_silence, s.config.max_turn_silence) == (300, 2000)
    with pytest.raises(ConfigError, match="cannot change"):
        s.update_configuration(sample_rate=8000)
    with pytest.raises(ConfigError):
        s.update_configuration(min_turn_silence=5000)  # above max: refused before sending
    s.force_endpoint()
    s.wait(10)
    rec = fs.last_session(fake)
    assert rec["updates"] == [{"max_turn_silence": 2000, "min_turn_silence": 300}]
    assert rec["force_endpoints"] == 1
    finals = s.turns()
    assert len(finals) == 2 and finals[0].end_ms < 3000  # ended mid-speech by ForceEndpoint
    with pytest.raises(StreamingError, match="not running"):
        s.force_endpoint()


# --------------------------------------------------------------------------- config, auth, hygiene
def test_key_url_and_token_come_from_arguments_or_the_environment(fake, monkeypatch):
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    monkeypatch.delenv("ASSEMBLYAI_STREAMING_URL", raising=False)
    with pytest.raises(MissingAPIKeyError, match="offline"):
        StreamingSession(CONFIG, silence(100))
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    s = StreamingSession(CONFIG, silence(100))
    assert s.base_url == "wss://streaming.assemblyai.com/v3/ws"
    monkeypatch.setenv("ASSEMBLYAI_STREAMING_URL", fake.ws_url)
    s, rec = run(fake, silence(100), api_key=None, url=None)
    assert s.base_url == fake.ws_url and rec["auth"] == "key" and s.error is None
    token = fs.issue_token(fake)
    s, rec = run(fake, silence(100), api_key=None, token=token)
    assert rec["auth"] == "token" and s.error is None
    err, rec = refused(fake, silence(100), error=StreamingClosedError, api_key=None, token=token)  # single use
    assert rec["auth"] == "invalid" and err.code == 1008


def test_the_key_never_appears_in_reprs_urls_errors_or_logs(fake, caplog):
    fs.configure(fake, error={"code": 3005, "reason": "Session Cancelled: An error occurred", "after_ms": 50})
    with caplog.at_level(logging.DEBUG):
        s, rec = run(fake, silence(500))
        t = session(fake, silence(100), api_key="wrong-" + KEY)
        with pytest.raises(StreamingClosedError) as info:
            t.start()
    texts = [repr(s), str(s), s.url, str(s.error), repr(s.error), repr(s.events), str(info.value), repr(t),
             caplog.text, json.dumps([e.to_dict() for e in s.events]), repr(vars(s.end_reason))]
    assert not [x for x in texts if KEY in x]
    assert not any("Authorization" in str(h) or KEY in str(h) for _, _, h in fake.state.requests)


@pytest.mark.parametrize("message", [False, True])
def test_a_close_reason_or_error_that_echoes_the_key_is_redacted(fake, caplog, message):
    echoed = f"Unauthorized Connection: key {KEY} is not valid"
    fs.configure(fake, error={"code": 3005, "reason": echoed, "after_ms": 50, "message": message})
    errors = []
    with caplog.at_level(logging.DEBUG):
        s, rec = run(fake, silence(500), on_error=errors.append)
    assert rec["close"] == (3005, echoed)  # the server did send the key back
    redacted = "Unauthorized Connection: key *** is not valid"
    assert s.error.reason == redacted and s.end_reason.detail == redacted
    assert [e.error for e in errors] == [redacted]
    texts = [str(s.error), repr(s.error), repr(s.events), caplog.text, repr(vars(s.end_reason)),
             json.dumps([e.to_dict() for e in s.events], default=str)]
    assert not [x for x in texts if KEY in x]


def test_sessions_in_a_row_leave_no_threads_or_sockets(fake):
    def sockets() -> int:
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
            except OSError:  # the listing's own fd, gone by now
                pass
        return count

    fs.configure(fake, mode="silent", max_speed=100.0)
    before_sockets, before_threads = sockets(), threading.active_count()
    start = len(fs.sessions(fake))
    for _ in range(100):
        with session(fake, silence(50), pacing_speed=None) as s:
            s.wait(10)
        assert s.end_reason.kind == SessionEnd.SOURCE_EXHAUSTED
    records = fs.wait_for_sessions(fake, start + 100)[start:]
    assert len(records) == 100 and all(r["close"] == (1000, "") and r["chunks"] == [1600] for r in records)
    assert no_session_threads() and threading.active_count() == before_threads
    assert sockets() <= before_sockets + 2


def test_a_session_runs_once(fake):
    s, _ = run(fake, silence(100))
    with pytest.raises(StreamingError, match="already started"):
        s.start()


# --------------------------------------------------------------------------- CLI
def _cli(args, env_extra, **kw):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSEMBLYAI_")}
    env.update(env_extra)
    return subprocess.Popen([sys.executable, "-m", "turntune_nb", "stream", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=str(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))),
                            **kw)


def test_cli_ctrl_c_terminates_cleanly(fake, tmp_path):
    path = tmp_path / "talk.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(SR)
        w.writeframes(np.concatenate([tone(800), silence(30_000)]).tobytes())
    before = len(fs.sessions(fake))
    proc = _cli(["--source", str(path), "--min-turn-silence", "200", "--max-turn-silence", "500", "--json"],
                {"ASSEMBLYAI_API_KEY": KEY, "ASSEMBLYAI_STREAMING_URL": fake.ws_url})
    lines = []
    for line in proc.stdout:  # read until the first final turn, then press Ctrl+C
        lines.append(json.loads(line))
        if lines[-1].get("end_of_turn"):
            proc.send_signal(signal.SIGINT)
            break
    rest, err = proc.communicate(timeout=20)
    lines += [json.loads(x) for x in rest.splitlines()]
    assert proc.returncode == 130, err
    rec = fs.wait_for_sessions(fake, before + 1)[before]
    assert rec["params"]["min_turn_silence"] == "200" and rec["params"]["max_turn_silence"] == "500"
    assert rec["terminate_received"] and rec["close"] == (1000, "")
    assert [x["type"] for x in lines][0] == "Begin" and lines[-2]["type"] == "Termination"
    assert lines[-1] == {"type": "SessionEnd", "kind": "stopped", "detail": "interrupted (Ctrl+C)", "code": None}
    assert KEY not in err and KEY not in json.dumps(lines)


def test_cli_offline_without_a_key(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    cfg = StreamingConfig("Mine", 300, 700).save(tmp_path / "cfg.json")
    proc = _cli(["--source", os.path.join(root, "samples/synthetic/mono_pauses.ogg"), "--config", str(cfg), "--json"], {})
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    events = [json.loads(x) for x in out.splitlines()]
    finals = [(e["start_ms"], e["end_ms"]) for e in events if e["type"] == "Turn" and e["end_of_turn"]]
    # the default detector (silero-lite, edges on the energy); truth ends 5423, 8461, 10692 ms
    assert finals == [(800, 5464), (6224, 8464), (9536, 10696)]
    assert events[-1]["kind"] == "source_exhausted"
    bad = _cli(["--config", str(cfg), "--min-turn-silence", "100", "--offline"], {})
    _, err = bad.communicate(timeout=30)
    assert bad.returncode == 2 and "not both" in err


def test_the_old_keyword_arguments_still_build_the_same_session_with_a_deprecation_warning():
    line = inspect.currentframe().f_lineno + 2
    with pytest.warns(DeprecationWarning) as caught:
        old = StreamingSession(CONFIG, silence(100), api_key=KEY, url="ws://127.0.0.1:9/v3/ws",
                               speech_model="universal-3-5-pro", keyterms_prompt=["Jay Smith"], pacing_speed=2.0,
                               on_turn=print)
    new = StreamingSession(CONFIG, silence(100), api_key=KEY, on_turn=print, options=SessionOptions(pacing_speed=2.0),
                           streaming=StreamingOptions(url="ws://127.0.0.1:9/v3/ws", speech_model="universal-3-5-pro",
                                                      keyterms_prompt=("Jay Smith",)))
    assert old.url == new.url == ("ws://127.0.0.1:9/v3/ws?sample_rate=16000&encoding=pcm_s16le&speech_model="
                                  "universal-3-5-pro&min_turn_silence=200&max_turn_silence=500&keyterms_prompt="
                                  "%5B%22Jay+Smith%22%5D")
    assert (old.streaming, old.options, old.on_turn) == (new.streaming, new.options, print)
    assert sorted(str(w.message) for w in caught) == [
        "StreamingSession(): the keyword argument pacing_speed= is deprecated; pass "
        "options=SessionOptions(pacing_speed=...) instead (removed in 0.3).",
        "StreamingSession(): the keyword arguments keyterms_prompt=, speech_model=, url= are deprecated; pass "
        "streaming=StreamingOptions(keyterms_prompt=...) instead (removed in 0.3)."]
    assert {(w.filename, w.lineno) for w in caught} == {(__file__, line)}  # the code that built the session


def test_the_audio_clock_says_how_much_of_the_recording_was_spoken_when_a_message_arrived():
    s = StreamingSession(CONFIG, silence(100), api_key=KEY, streaming=StreamingOptions(url="ws://127.0.0.1:9/v3/ws"),
                         options=SessionOptions(pacing_speed=2.0))
    assert s.audio_clock_ms(5.0) == 0  # nothing sent yet
    s.stats.first_send = 100.0
    # frame k (audio up to (k + 1) * 50 ms) goes at t0 + k * 25 ms at 2x: 250 ms later, 550 ms are spoken
    assert s.audio_clock_ms(100.25) == 550
    s.pacing_speed = None  # unpaced: what was sent
    s.stats.bytes = 16000 * 2 * 3
    assert s.audio_clock_ms(100.25) == 3000


def test_turns_carry_the_audio_time_they_arrived_at(fake):
    with session(fake, speech_then_pause(), pacing_speed=4.0) as s:
        s.wait(20)
    finals = s.turns()
    assert finals and all(t.emitted_at_ms is not None and t.emitted_at_ms >= t.end_ms for t in finals)


def test_session_starts_are_spread_to_stay_under_the_rate():
    lim = StartLimiter(3)
    for t in (0.0, 5.0, 20.0):
        assert lim.delay(t) == 0.0
        lim.record(t)
    # a fourth start must wait until the first leaves the 60 s window, then the second
    assert lim.delay(21.0) == 39.0
    lim.record(60.0)
    assert lim.delay(61.0) == 4.0 and lim.delay(65.0) == 0.0
    assert StartLimiter(None).delay(0.0) == 0.0


# --------------------------------------------------------------------------- issue 14: the current surface
# universal-3-5-pro, mode, interruption_delay, vad_threshold, server vs client inactivity,
# temporary tokens, UpdateConfiguration for every documented field.


def record(fake, before: int, timeout: float = 10.0) -> dict:
    """The fake's record of the first connection opened after `before`, once it has ended."""
    store = fs._store(fake)
    with store["cond"].cond:
        ok = store["cond"].cond.wait_for(lambda: len(store["sessions"]) > before and store["sessions"][before]["ended"],
                                         timeout)
    assert ok, "the fake's session did not end"
    return store["sessions"][before]


def test_new_parameters_reach_the_url_and_the_fake_accepts_them(fake):
    config = StreamingConfig("x", 200, 500, mode="max_accuracy")
    s, rec = run(fake, speech_then_pause(), config, speech_model="universal-3-5-pro",
                 interruption_delay=300, vad_threshold=0.55, server_inactivity_timeout=30)
    assert rec["refused"] is None and rec["auth"] == "key"
    assert rec["params"]["speech_model"] == "universal-3-5-pro"
    assert rec["params"]["mode"] == "max_accuracy"
    assert rec["params"]["interruption_delay"] == "300"
    assert rec["params"]["vad_threshold"] == "0.55"
    assert rec["params"]["inactivity_timeout"] == "30"
    assert rec["settings"]["mode"] == "max_accuracy" and rec["settings"]["interruption_delay"] == 300
    # the recording has two speech runs, each ended by a pause of more than max_turn_silence
    assert len(s.turns()) == 2


@pytest.mark.parametrize("query, message", [
    ({"vad_threshold": "1.5"}, "vad_threshold must be between 0.0 and 1.0"),
    ({"vad_threshold": "loud"}, "vad_threshold must be a number"),
    ({"interruption_delay": "1200"}, "interruption_delay must be between 0 and 1000"),
    ({"interruption_delay": "0.5"}, "interruption_delay must be an integer"),
    ({"mode": "fastest"}, "mode must be one of"),
    ({"mode": "balanced", "speech_model": "universal-streaming-english"}, "mode is not supported"),
])
def test_the_fake_refuses_bad_values_at_the_handshake(fake, query, message):
    """Raw handshakes (not through StreamingSession, which refuses them first)."""
    import websocket

    params = {"sample_rate": "16000", "speech_model": "universal-3-5-pro", **query}
    url = fake.ws_url + "?" + "&".join(f"{k}={v}" for k, v in params.items())
    with pytest.raises(websocket.WebSocketBadStatusException) as info:
        websocket.create_connection(url, header={"Authorization": KEY}, timeout=5)
    assert info.value.status_code == 400
    assert message in json.loads(info.value.resp_body)["error"]


def test_the_client_refuses_what_the_service_would(fake):
    before = len(fs.sessions(fake))
    for kwargs in ({"vad_threshold": 1.5}, {"interruption_delay": -1}, {"mode": "fast"},
                   {"mode": "balanced", "speech_model": "universal-streaming-english"},
                   {"interruption_delay": 100, "speech_model": "whisper-rt"}):
        with pytest.raises(ConfigError):
            session(fake, silence(500), **kwargs)
    assert len(fs.sessions(fake)) == before  # refused before connecting


def test_update_configuration_sends_every_documented_field(fake):
    fields = [{"mode": "min_latency"}, {"interruption_delay": 200}, {"vad_threshold": 0.6},
              {"min_turn_silence": 150, "max_turn_silence": 900}, {"keyterms_prompt": ["account number"]},
              {"prompt": "Transcribe."}, {"agent_context": "a support call"}, {"keyterms_prompt": []}]
    before = len(fs.sessions(fake))
    s = session(fake, np.concatenate([tone(300), silence(4000)]), speech_model="universal-3-5-pro")
    s.start()
    for f in fields:
        s.update_configuration(**f)
    s.wait(30, raise_error=False)
    rec = record(fake, before)
    assert rec["updates"] == fields and rec["refused_updates"] == []
    assert (s.config.mode, s.config.interruption_delay, s.config.vad_threshold) == ("min_latency", 200, 0.6)
    assert (s.config.min_turn_silence, s.config.max_turn_silence) == (150, 900)
    assert rec["settings"]["vad_threshold"] == 0.6


def test_update_configuration_is_checked_before_sending(fake):
    before = len(fs.sessions(fake))
    s = session(fake, np.concatenate([tone(300), silence(3000)]), speech_model="universal-streaming-english")
    s.start()
    # vad_threshold is a U3 Pro update only since the December 2026 list (Universal-Streaming: silences, terms)
    for bad in ({"vad_threshold": 0.2}, {"mode": "balanced"}, {"interruption_delay": 100}, {"colour": "red"},
                {"keyterms_prompt": "one"}, {"min_turn_silence": 2000}):
        with pytest.raises(ConfigError):
            s.update_configuration(**bad)
    with pytest.raises(ConfigError, match="cannot be updated mid-stream on universal-streaming-english"):
        s.update_configuration(mode="balanced")
    s.update_configuration(min_turn_silence=200, end_of_turn_confidence_threshold=0.6)
    s.wait(30, raise_error=False)
    rec = record(fake, before)
    assert rec["updates"] == [{"min_turn_silence": 200, "end_of_turn_confidence_threshold": 0.6}]


def test_the_fake_closes_3006_on_a_bad_update_it_is_sent(fake):
    """The fake validates UpdateConfiguration itself (a client without our checks)."""
    import websocket

    before = len(fs.sessions(fake))
    ws = websocket.create_connection(fake.ws_url + "?sample_rate=16000&speech_model=universal-streaming-english",
                                     header={"Authorization": KEY}, timeout=5)
    assert json.loads(ws.recv())["type"] == "Begin"
    ws.send(json.dumps({"type": "UpdateConfiguration", "vad_threshold": 1.5}))
    error = json.loads(ws.recv())
    assert error["type"] == "Error" and error["error_code"] == 3006 and "vad_threshold" in error["error"]
    rec = record(fake, before)
    assert rec["close"][0] == 3006 and rec["refused_updates"][0][0] == {"vad_threshold": 1.5}
    ws.close()


def test_server_inactivity_and_client_inactivity_are_told_apart(fake):
    fs.configure(fake, inactivity_scale=0.1)  # the fake's 5 s timer fires after 0.5 s
    s, rec = run(fake, np.concatenate([tone(300), silence(20000)]), server_inactivity_timeout=5, pacing_speed=1.0)
    assert s.end_reason.kind == SessionEnd.SERVER_INACTIVITY and "inactivity_timeout (5 s)" in s.end_reason.detail
    assert not s.terminate_sent
    fs.configure(fake, inactivity_scale=1.0)
    s, rec = run(fake, np.concatenate([tone(300), silence(20000)]), server_inactivity_timeout=3600,
                 inactivity_timeout_s=0.5, pacing_speed=1.0)
    assert s.end_reason.kind == SessionEnd.INACTIVITY and s.terminate_sent


def test_a_temporary_token_is_minted_and_the_socket_never_sees_the_key(fake):
    s, rec = run(fake, speech_then_pause(), temporary_token=30, speech_model="universal-3-5-pro")
    minted = fs.tokens_minted(fake)[-1]
    assert minted["query"] == {"expires_in_seconds": "30"}
    assert rec["auth"] == "token" and len(s.turns()) == 2
    assert KEY not in s.url and KEY not in repr(s)
    # single use: the same token is refused the second time
    s2 = session(fake, silence(500), api_key=None, token=minted["token"])
    with pytest.raises(StreamingClosedError) as info:
        s2.start()
        s2.wait(10)
    assert info.value.code == 1008


def test_a_token_in_the_url_works_as_a_browser_uses_it(fake):
    import websocket

    from turntune_nb.assemblyai.tokens import create_temporary_token, streaming_url_with_token

    before = len(fs.sessions(fake))
    token = create_temporary_token(KEY, expires_in_seconds=60, url=fake.ws_url)
    url = streaming_url_with_token(token, {"sample_rate": 16000, "speech_model": "universal-3-5-pro",
                                           "mode": "balanced"}, fake.ws_url)
    ws = websocket.create_connection(url, timeout=5)  # no Authorization header at all
    assert json.loads(ws.recv())["type"] == "Begin"
    ws.send(json.dumps({"type": "Terminate"}))
    assert json.loads(ws.recv())["type"] == "Termination"
    ws.close()
    rec = record(fake, before)
    assert rec["auth"] == "token" and rec["settings"]["mode"] == "balanced"


# --------------------------------------------------------------------------- issue 22: the December 2026 surface
def test_a_session_that_names_no_model_is_universal_3_6_pro_confirmed_from_begin(fake):
    s, rec = run(fake, silence(200), BALANCED)
    assert rec["params"]["speech_model"] == "universal-3-6-pro"  # sent: AssemblyAI's default since 2026-09-29
    (begin,) = [e for e in s.events if isinstance(e, BeginEvent)]
    assert begin.model == "universal-3-6-pro" and s.configuration["speech_model"] == "universal-3-6-pro"
    assert s.ignored_params == {}
    # a config that names its model keeps it when the options name none
    s, rec = run(fake, silence(200), StreamingConfig("x", 200, 500, speech_model="universal-3-5-pro"))
    assert rec["params"]["speech_model"] == "universal-3-5-pro" and s.speech_model == "universal-3-5-pro"


def test_the_legacy_model_name_still_works_with_a_one_line_note(fake):
    with pytest.warns(DeprecationWarning, match="u3-rt-pro is a legacy name .*use universal-3-6-pro"):
        s = session(fake, silence(200), speech_model="u3-rt-pro")
    assert s.params["speech_model"] == "u3-rt-pro"


def test_model_mode_and_turn_cap_reach_the_query_and_only_what_differs_from_the_preset(fake):
    s, rec = run(fake, silence(200), CONFIG, speech_model="universal-3-6-pro", mode="balanced",
                 max_turn_duration=20000)
    # CONFIG is 200/500; the balanced preset is 128/1280 with a 60 s cap: all three differ, so all are sent
    assert rec["params"] == {"sample_rate": "16000", "encoding": "pcm_s16le", "speech_model": "universal-3-6-pro",
                             "mode": "balanced", "min_turn_silence": "200", "max_turn_silence": "500",
                             "max_turn_duration": "20000"}
    conf = s.configuration
    assert (conf["mode"], conf["min_turn_silence"], conf["max_turn_silence"], conf["max_turn_duration"],
            conf["interruption_delay"], conf["vad_threshold"]) == ("balanced", 200, 500, 20000, 500, 0.2)
    assert s.ignored_params == {}


def test_a_misspelled_parameter_is_ignored_by_the_service_and_the_session_says_so(fake):
    warned = []
    s, rec = run(fake, silence(200), CONFIG, extra_params={"min_turn_silense": 300}, on_warning=warned.append)
    assert rec["refused"] is None and rec["params"]["min_turn_silense"] == "300"  # accepted, not refused
    assert "min_turn_silense" not in s.configuration
    assert s.ignored_params == {"min_turn_silense": {"asked": 300, "in_force": None}}
    (warning,) = warned
    assert warning.settings == ("min_turn_silense",) and "ignored min_turn_silense=300" in warning.warning
    assert warning in s.events


def test_a_value_the_service_clamps_is_reported_as_changed(fake):
    warned = []
    s, _ = run(fake, silence(200), StreamingConfig("x", 20, 500), on_warning=warned.append)
    # min_turn_silence is clamped to 50-10000 ms by the service: 20 asked, 50 in force
    assert s.ignored_params == {"min_turn_silence": {"asked": 20, "in_force": 50}}
    assert [w.warning for w in warned] == ["the service changed min_turn_silence 20 -> 50"]


def test_speaker_labels_use_the_diarisation_profile_its_turn_cap_and_pending_labels(fake):
    fs.configure(fake, partial_every_ms=60_000)
    audio = np.concatenate([tone(12_000), silence(1000), tone(500), silence(1000)])
    s, rec = run(fake, audio, CONFIG, speaker_labels=True, max_speakers=2)
    assert (rec["params"]["speaker_labels"], rec["params"]["max_speakers"]) == ("true", "2")
    assert (s.configuration["speaker_labels"], s.configuration["max_turn_duration"]) == (True, 10_000)
    # 12 s of speech: force-finalised at the 10 s cap (0-10000), the rest a turn of its own
    # (10000-12000, 2 s: labelled); the 500 ms tone at 13000-13500 is under 1 s: PENDING
    assert [(t.start_ms, t.end_ms, t.speaker_label) for t in s.turns()] == [
        (0, 10_000, "A"), (10_000, 12_000, "A"), (13_000, 13_500, "PENDING")]


def test_update_configuration_of_mode_reaches_the_fake_and_changes_later_turns(fake):
    """max_accuracy (silence 2560 ms before a forced end) until the first final, then min_latency
    (640 ms): the second turn ends 640 ms after its speech, not 2560."""
    fs.configure(fake, partial_every_ms=60_000)
    audio = np.concatenate([silence(200), tone(600), silence(3200), tone(600), silence(1500)])
    holder = {}

    def on_turn(turn):
        if turn.end_of_turn and turn.turn_order == 0:
            holder["s"].update_configuration(mode="min_latency")

    before = len(fs.sessions(fake))
    # the max_accuracy preset's own silences (512/2560): only the mode is sent, the preset fills the rest
    s = holder["s"] = session(fake, audio, StreamingConfig("x", 512, 2560, mode="max_accuracy"), on_turn=on_turn)
    assert s.params["mode"] == "max_accuracy" and "max_turn_silence" not in s.params
    s.start()
    s.wait(30)
    rec = record(fake, before)
    assert rec["updates"] == [{"mode": "min_latency"}]
    in_force = rec["in_force"][0][1]  # the whole preset re-applied: 512/2560, delay 500 gave way to 128/640, 0
    assert (in_force["mode"], in_force["min_turn_silence"], in_force["max_turn_silence"],
            in_force["interruption_delay"]) == ("min_latency", 128, 640, 0)
    assert (s.config.mode, s.config.min_turn_silence, s.config.max_turn_silence) == ("min_latency", 128, 640)
    first, second = s.turns()
    assert (first.start_ms, first.end_ms, second.start_ms, second.end_ms) == (200, 800, 4000, 4600)
    # max_accuracy: the first turn waits 2560 ms of silence (800 + 2560 = 3360, before the second tone at
    # 4000); after the update, min_latency's 640 ms (balanced would be 1280): each lag is the wait plus up
    # to a frame and the network
    assert 2560 - 60 <= first.emitted_at_ms - first.end_ms <= 2560 + 450
    assert 640 - 60 <= second.emitted_at_ms - second.end_ms <= 640 + 450


def test_a_message_over_128_kb_is_closed_with_1009_and_named(fake):
    got_begin = threading.Event()
    s = session(fake, np.concatenate([tone(300), silence(3000)]), pacing_speed=1.0,
                on_begin=lambda e: got_begin.set()).start()
    assert got_begin.wait(5)
    s.update_configuration(prompt="x" * 140_000)  # 140 000 characters of JSON: over 131 072 bytes
    s.wait(10, raise_error=False)
    rec = fs.last_session(fake)
    assert rec["close"][0] == 1009
    assert isinstance(s.error, StreamingClosedError) and s.error.code == 1009
    assert "over 128 KB" in str(s.error)
    assert s.end_reason.kind == SessionEnd.SERVER_ERROR and s.end_reason.code == 1009


def test_update_configuration_refuses_what_the_model_family_cannot_update(fake):
    s = session(fake, silence(500), speech_model="universal-streaming-english")
    for field, value in (("mode", "balanced"), ("vad_threshold", 0.3), ("continuous_partials", True)):
        with pytest.raises(ConfigError, match=f"{field} cannot be updated mid-stream on universal-streaming-english"):
            s._updated_config({field: value})
    u3 = session(fake, silence(500))
    # every field AssemblyAI lists for U3 Pro passes the checks (nothing sent: the session is not started)
    for fields in ({"mode": "max_accuracy"}, {"vad_threshold": 0.3}, {"interruption_delay": 0},
                   {"continuous_partials": False}, {"session_heartbeat": True}, {"language_codes": ["en"]}):
        u3._updated_config(fields)
    # a mode re-applies its preset: max_accuracy is 512/2560, interruption_delay 500, vad 0.2;
    # a field given beside it wins
    new = u3._updated_config({"mode": "max_accuracy", "max_turn_silence": 3000})
    assert (new.min_turn_silence, new.max_turn_silence, new.interruption_delay, new.vad_threshold) == (
        512, 3000, 500, 0.2)


def test_1011_is_an_internal_error_and_1006_a_lost_connection(fake):
    fs.configure(fake, error={"code": 1011, "reason": "Internal Error", "after_ms": 0, "message": False})
    s, rec = run(fake, silence(500))
    assert rec["close"][0] == 1011
    assert isinstance(s.error, StreamingClosedError) and s.error.code == 1011
    assert "internal error while opening the session" in str(s.error)
    # 1006 never travels in a close frame: a browser's WebSocket reports it when the connection dropped
    lost = session(fake, silence(500))
    lost._on_close(1006, "")
    assert lost.end_reason == SessionEnd(SessionEnd.CONNECTION_LOST, "no close frame", 1006)
    assert not isinstance(lost.error, StreamingClosedError) and "lost without a close frame" in str(lost.error)


@pytest.mark.parametrize("timeout, reason, kind", [
    (30, "Invalid Message Type: Nope", SessionEnd.SERVER_ERROR),  # a bad message, even with the timer set
    (30, "", SessionEnd.SERVER_INACTIVITY),  # the timer set, no reason: the timer
    (None, "Inactivity Timeout: no speech for 30 s", SessionEnd.SERVER_INACTIVITY),  # the reason says so
    (None, "Invalid JSON: {\"inactive\": 1}", SessionEnd.SERVER_ERROR),
])
def test_3006_is_the_inactivity_timer_only_when_it_is_not_a_bad_message(fake, timeout, reason, kind):
    s = session(fake, silence(500), server_inactivity_timeout=timeout)
    s._on_close(3006, reason)
    assert s.end_reason.kind == kind and (s.error is None) == (kind == SessionEnd.SERVER_INACTIVITY)
