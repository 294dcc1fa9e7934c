"""The `LiveSession` machinery alone, on the smallest transport (frames kept in memory):
the inactivity rule and its timer, starting and stopping, callbacks, frames."""

from __future__ import annotations

import inspect
import threading
import time

import numpy as np
import pytest

from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.errors import ConfigError, StreamingError
from turntune_nb.live.events import BeginEvent, ErrorEvent, SessionEnd, TurnEvent
from turntune_nb.live.session import LiveSession, SessionOptions, _frames

SR = 16000
CONFIG = StreamingConfig("Test", 200, 500)
#: The inactivity timer's allowed error (a bound on its correctness, not speed).
TIMER_TOLERANCE_S = 0.25


def silence(ms: int) -> np.ndarray:
    return np.zeros(SR * ms // 1000, dtype=np.int16)


class MemorySession(LiveSession):
    """A session whose transport is a list: frames are kept, the end is recorded with its time."""

    _kind = "memory"

    def __init__(self, source=None, *, fail_open: BaseException | None = None, **kwargs):
        """`kwargs`: the callbacks, and `SessionOptions` fields (default ``pacing_speed=1.0``)."""
        callbacks = {k: kwargs.pop(k) for k in list(kwargs) if k.startswith("on_")}
        options = SessionOptions(**dict({"pacing_speed": 1.0}, **kwargs))
        super().__init__(CONFIG, silence(20_000) if source is None else source, options=options, **callbacks)
        self.frames: list[bytes] = []
        self.finished_at: float | None = None
        self.fail_open = fail_open

    def _open(self) -> None:
        if self.fail_open is not None:
            raise self.fail_open
        self._emit(BeginEvent("memory-1"))

    def _deliver(self, frame: bytes) -> bool:
        self.frames.append(frame)
        return True

    def _finish(self, end: SessionEnd, wait: bool = True) -> None:
        if self._claim_finish(end):
            self.finished_at = time.monotonic()
            self._closed.set()


def pause(seconds: float) -> None:
    threading.Event().wait(seconds)


def no_session_threads() -> bool:
    return not [t for t in threading.enumerate() if t.name.startswith("turntune-memory")]


# --------------------------------------------------------------------------- inactivity
def test_inactivity_ends_the_session_on_time_when_nothing_happens():
    s = MemorySession(inactivity_timeout_s=1.0).start()
    started = time.monotonic()  # start() sets the last activity just before it returns
    assert s.wait(5) == SessionEnd(SessionEnd.INACTIVITY, "no new transcript for 1 s")
    assert abs(s.finished_at - started - 1.0) <= TIMER_TOLERANCE_S
    assert s.frames and no_session_threads()


def test_inactivity_counts_from_the_last_transcript():
    s = MemorySession(inactivity_timeout_s=1.0).start()
    pause(0.5)
    s._emit(TurnEvent(turn_order=0, transcript="so we", end_of_turn=False))  # what the reader does
    last = time.monotonic()
    assert s.wait(5).kind == SessionEnd.INACTIVITY
    assert abs(s.finished_at - last - 1.0) <= TIMER_TOLERANCE_S


def test_empty_transcripts_do_not_postpone_inactivity():
    s = MemorySession(inactivity_timeout_s=1.0).start()
    started = time.monotonic()
    sent = 0
    deadline = started + 4.0
    while not s._closed.is_set() and time.monotonic() < deadline:  # an empty partial every 100 ms
        s._emit(TurnEvent(turn_order=0, transcript=" " if sent % 2 else "", end_of_turn=False))
        sent += 1
        s._closed.wait(0.1)
    assert s.wait(5).kind == SessionEnd.INACTIVITY
    assert abs(s.finished_at - started - 1.0) <= TIMER_TOLERANCE_S
    assert sent >= 6


def test_inactivity_remaining_s():
    s = MemorySession(inactivity_timeout_s=2.0)
    assert s.inactivity_remaining_s() is None  # not started
    s.start()
    assert 1.5 <= s.inactivity_remaining_s() <= 2.0
    s.stop()
    s = MemorySession().start()
    assert s.inactivity_remaining_s() is None  # no rule
    s.stop()
    with pytest.raises(ConfigError, match="inactivity_timeout_s must be positive"):
        MemorySession(inactivity_timeout_s=0)
    with pytest.raises(ConfigError, match="pacing_speed must be positive"):
        MemorySession(pacing_speed=0)


# --------------------------------------------------------------------------- start and stop
def test_a_failing_start_raises_and_leaves_nothing_running():
    s = MemorySession(fail_open=StreamingError("cannot connect to memory"))
    with pytest.raises(StreamingError, match="cannot connect to memory"):
        s.start()
    assert not s.running and s.frames == [] and no_session_threads()
    with pytest.raises(StreamingError, match="already started"):
        s.start()


def test_stop_is_idempotent_and_wait_needs_a_start():
    s = MemorySession()
    assert s.stop() is None
    with pytest.raises(StreamingError, match="call start"):
        s.wait(1)
    s.start()
    assert s.running
    assert s.stop() == SessionEnd(SessionEnd.STOPPED, "stopped by the user")
    assert s.stop().kind == SessionEnd.STOPPED and not s.running and no_session_threads()


def test_an_exhausted_source_ends_the_session_after_every_frame():
    s = MemorySession(silence(120), pacing_speed=None).start()
    assert s.wait(5) == SessionEnd(SessionEnd.SOURCE_EXHAUSTED, "array ended")
    assert [len(f) for f in s.frames] == [1600, 1600, 1600]  # 50 + 50 + 20 ms padded to 50
    assert (s.stats.chunks, s.stats.bytes) == (3, 4800)


def test_a_failing_source_is_a_source_error():
    def chunks():
        yield silence(100)
        raise OSError("device unplugged")

    s = MemorySession(chunks(), pacing_speed=None).start()
    end = s.wait(5, raise_error=False)
    assert end.kind == SessionEnd.SOURCE_ERROR and "device unplugged" in end.detail
    assert isinstance(s.error, StreamingError) and len(s.frames) == 2
    assert [e.fatal for e in s.events if isinstance(e, ErrorEvent)] == [True]


# --------------------------------------------------------------------------- callbacks
def test_a_failing_callback_is_reported_and_never_raised():
    errors = []

    def bad(event):
        raise ValueError("boom")

    s = MemorySession(on_turn=bad, on_error=errors.append).start()
    s._emit(TurnEvent(turn_order=0, transcript="hi", end_of_turn=True))
    s.stop()
    assert [type(e) for e in s.events] == [BeginEvent, TurnEvent, ErrorEvent]
    assert [(e.fatal, e.error) for e in errors] == [(False, "the Turn callback bad raised ValueError: boom")]
    assert [str(e) for e in s.callback_errors] == ["boom"]
    assert s.turns() == [TurnEvent(turn_order=0, transcript="hi", end_of_turn=True)]


# --------------------------------------------------------------------------- frames
def test_frames_are_re_cut_and_the_last_is_padded_with_silence():
    assert list(_frames([b"\x01" * 3, b"\x02" * 5], 4)) == [b"\x01\x01\x01\x02", b"\x02\x02\x02\x02"]
    assert list(_frames([b"\x01" * 5], 4)) == [b"\x01\x01\x01\x01", b"\x01\x00\x00\x00"]
    assert list(_frames([], 4)) == []


# --------------------------------------------------------------------------- options
def test_session_options_check_their_values_once():
    assert SessionOptions() == SessionOptions(inactivity_timeout_s=None, pacing_speed=1.0, sample_rate=16000,
                                              terminate_timeout=5.0, save_wav=None)
    bad = [({"inactivity_timeout_s": -1}, "inactivity_timeout_s must be positive seconds"),
           ({"inactivity_timeout_s": float("inf")}, "inactivity_timeout_s must be positive seconds"),
           ({"pacing_speed": True}, "pacing_speed must be positive"),
           ({"sample_rate": 16000.0}, "sample_rate must be a whole number of Hz"),
           ({"terminate_timeout": 0}, "terminate_timeout must be positive seconds"),
           ({"save_wav": 3}, "save_wav must be a file path")]
    for fields, message in bad:
        with pytest.raises(ConfigError, match=message):
            SessionOptions(**fields)


def test_a_session_takes_its_options_as_one_object(tmp_path):
    options = SessionOptions(inactivity_timeout_s=2.5, pacing_speed=None, terminate_timeout=0.5,
                             save_wav=tmp_path / "sent.wav")
    s = MemorySession(silence(100), **{f: getattr(options, f) for f in ("inactivity_timeout_s", "pacing_speed",
                                                                          "terminate_timeout", "save_wav")})
    assert s.options == options
    assert (s.inactivity_timeout_s, s.pacing_speed, s.terminate_timeout, s.save_wav, s.sample_rate) == (
        2.5, None, 0.5, tmp_path / "sent.wav", 16000)


class PlainSession(LiveSession):
    """LiveSession's own constructor, on a transport that does nothing."""

    def _open(self):
        pass


def test_the_old_keyword_arguments_still_work_with_a_deprecation_warning():
    line = inspect.currentframe().f_lineno + 2
    with pytest.warns(DeprecationWarning) as caught:
        s = PlainSession(CONFIG, silence(100), options=SessionOptions(terminate_timeout=2.0), pacing_speed=None,
                         inactivity_timeout_s=3.0)
    assert (s.pacing_speed, s.inactivity_timeout_s, s.terminate_timeout) == (None, 3.0, 2.0)
    assert [str(w.message) for w in caught] == [
        "PlainSession(): the keyword arguments inactivity_timeout_s=, pacing_speed= are deprecated; pass "
        "options=SessionOptions(inactivity_timeout_s=...) instead (removed in 0.3)."]
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)  # the code that built the session
    with pytest.raises(TypeError, match="unexpected keyword argument 'pacing'"):
        PlainSession(CONFIG, silence(100), pacing=None)


class TwoDeep(PlainSession):
    """A subclass whose constructor passes the old keyword arguments on."""

    def __init__(self, source, **kwargs):
        super().__init__(CONFIG, source, **kwargs)


def test_the_deprecation_points_past_a_subclass_constructor():
    line = inspect.currentframe().f_lineno + 2
    with pytest.warns(DeprecationWarning) as caught:
        TwoDeep(silence(100), pacing_speed=None)
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)
