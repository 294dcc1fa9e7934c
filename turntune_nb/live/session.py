"""The machinery every live session shares, whatever its service.

`LiveSession` owns the source, the pacing of 50 ms frames on a monotonic clock,
the callbacks, the event list, the client-side inactivity rule and the ending;
a subclass supplies the transport (`_open`, `_deliver`, `_finish`):
`turntune_nb.assemblyai.streaming.StreamingSession` sends the frames to
AssemblyAI, `turntune_nb.live.endpointer.OfflineSession` feeds them to the
offline speech detector. Each session owns its threads, events and lock (nothing
module-level), so sessions run one after another, or side by side, in one kernel.
How a session runs on this side (pacing, the inactivity rule, the ending, a WAV of
what was sent) is one `SessionOptions`.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ..analysis import surface
from ..analysis.presets import StreamingConfig, check_streaming_fields, load_config
from ..errors import ConfigError, StreamingError, TurnTuneError
from ..options import is_number, options_from_kwargs
from .events import BeginEvent, ErrorEvent, SessionEnd, SpeechStartedEvent, TerminationEvent, TurnEvent, WarningEvent
from .sources import CHUNK_MS, SAMPLE_RATE, WavRecorder, as_source

__all__ = ("LiveSession", "SessionOptions", "SESSION_FIELDS", "SendStats", "UPDATABLE_FIELDS", "updatable_fields",
           "as_config")

log = logging.getLogger(__name__)

#: Universal-Streaming still takes its deprecated ``end_of_turn_confidence_threshold`` mid-stream
#: (the spec's ``UpdateConfigurationPayload``; the December 2026 list leaves it out as deprecated).
_LEGACY_UPDATABLE = {"universal-streaming": ("end_of_turn_confidence_threshold",), "u3-pro": ()}


def updatable_fields(speech_model=None) -> tuple:
    """The fields ``UpdateConfiguration`` changes for this model's family
    (`turntune_nb.analysis.surface.UPDATABLE_FIELDS`; None: the service's default model, a U3 Pro one).

    Examples
    --------
    >>> "mode" in updatable_fields("universal-3-6-pro"), "mode" in updatable_fields("universal-streaming-english")
    (True, False)
    """
    family = "u3-pro" if surface.is_u3_pro(speech_model) else "universal-streaming"
    return surface.UPDATABLE_FIELDS[family] + _LEGACY_UPDATABLE[family]


#: Every field ``UpdateConfiguration`` accepts for some model (AssemblyAI's "Updating configuration
#: mid-stream"; which model takes which: `updatable_fields`).
UPDATABLE_FIELDS = frozenset(updatable_fields(None) + updatable_fields("universal-streaming-english"))
#: The fields of `UPDATABLE_FIELDS` that a `StreamingConfig` carries.
CONFIG_FIELDS = ("min_turn_silence", "max_turn_silence", "end_of_turn_confidence_threshold",
                 "mode", "interruption_delay", "vad_threshold")


@dataclass(frozen=True)
class SessionOptions:
    """How a live session runs on this side, whatever its service: the pace audio is
    sent at, the client-side inactivity rule, how long the ending may take, and a WAV
    of what was sent.

    Parameters
    ----------
    inactivity_timeout_s : float, optional
        End the session after this many seconds without a new non-empty transcript,
        checked on a timer (None: never).
    pacing_speed : float or None
        1 (default) sends a recording in real time, as a microphone would (AssemblyAI
        rejects faster); other values for fakes and the offline endpointer; None: as
        fast as the transport takes it. A real-time source (a microphone) is sent as read.
    sample_rate : int
        Hz of the 16-bit PCM the session sends.
    terminate_timeout : float
        Seconds to wait for the service's end of session after asking for it.
    save_wav : path, optional
        Write the audio actually sent to this WAV file.

    Raises
    ------
    ConfigError
        A value out of range, saying what it should be.

    Examples
    --------
    >>> SessionOptions(inactivity_timeout_s=30)
    SessionOptions(inactivity_timeout_s=30, pacing_speed=1.0, sample_rate=16000, terminate_timeout=5.0, save_wav=None)
    >>> SessionOptions(pacing_speed=0)
    Traceback (most recent call last):
    ...
    turntune_nb.errors.ConfigError: pacing_speed must be positive (1 = real time) or None, got 0
    """

    inactivity_timeout_s: float | None = None
    pacing_speed: float | None = 1.0
    sample_rate: int = SAMPLE_RATE
    terminate_timeout: float = 5.0
    save_wav: str | os.PathLike | None = None

    def __post_init__(self):
        if self.inactivity_timeout_s is not None and not is_number(self.inactivity_timeout_s):
            raise ConfigError("inactivity_timeout_s must be positive seconds (or None), "
                              f"got {self.inactivity_timeout_s!r}")
        if self.pacing_speed is not None and not is_number(self.pacing_speed):
            raise ConfigError(f"pacing_speed must be positive (1 = real time) or None, got {self.pacing_speed!r}")
        if isinstance(self.sample_rate, bool) or not isinstance(self.sample_rate, int) or self.sample_rate <= 0:
            raise ConfigError(f"sample_rate must be a whole number of Hz (16000), got {self.sample_rate!r}")
        if not is_number(self.terminate_timeout):
            raise ConfigError(f"terminate_timeout must be positive seconds, got {self.terminate_timeout!r}")
        if self.save_wav is not None and not isinstance(self.save_wav, (str, os.PathLike)):
            raise ConfigError(f"save_wav must be a file path (or None), got {type(self.save_wav).__name__}")


#: The keyword arguments a session still takes one by one (deprecated): the fields of `SessionOptions`.
SESSION_FIELDS = tuple(f.name for f in fields(SessionOptions))


def caller_stacklevel(obj) -> int:
    """The ``stacklevel`` of a warning issued by a helper called from a constructor of `obj`
    that points at the code which built `obj` (past a subclass's ``__init__`` calling ``super``)."""
    depth, frame = 0, sys._getframe(1)  # the constructor that asks, then the ones that called it
    while frame is not None and frame.f_code.co_name == "__init__" and frame.f_locals.get("self") is obj:
        depth += 1
        frame = frame.f_back
    return 2 + depth  # past the helper (1) and every constructor of `obj`


@dataclass
class SendStats:
    """What the sender did: chunks, bytes, send times (monotonic s) and lateness.

    ``lateness_ms`` holds, per paced chunk, how late the send started against its
    schedule ``t0 + k * 50 ms`` (the pacing error).
    """

    chunks: int = 0
    bytes: int = 0
    first_send: float | None = None
    last_send: float | None = None
    sizes: array = field(default_factory=lambda: array("I"))
    lateness_ms: array = field(default_factory=lambda: array("d"))
    sample_rate: int = SAMPLE_RATE
    channels: int = 1

    @property
    def audio_ms(self) -> float:
        return self.bytes / 2 / self.channels / self.sample_rate * 1000.0


def as_config(config) -> StreamingConfig:
    if isinstance(config, StreamingConfig):
        return config
    if isinstance(config, dict):
        return StreamingConfig.from_dict(config)
    if isinstance(config, (str, Path)):
        return load_config(config)
    raise ConfigError(f"config must be a StreamingConfig, a dict or a config JSON path, got {type(config).__name__}")


def _frames(chunks, frame_bytes: int):
    """Re-cut PCM chunks into frames of exactly ``frame_bytes``; the last one is
    padded with silence so that no frame is under 50 ms."""
    buf = bytearray()
    for chunk in chunks:
        buf += chunk
        while len(buf) >= frame_bytes:
            yield bytes(buf[:frame_bytes])
            del buf[:frame_bytes]
    if buf:
        if len(buf) % 2:
            buf += b"\x00"
        yield bytes(buf) + b"\x00" * (frame_bytes - len(buf))


class LiveSession:
    """The machinery both sessions share: source, pacing, callbacks, events, ending.

    Parameters
    ----------
    config : StreamingConfig, dict or path
        The turn thresholds (see `as_config`).
    source : AudioSource, path, "mic", bytes, array or iterable
        See `turntune_nb.live.sources.as_source`.
    options : SessionOptions, optional
        Pacing, the inactivity rule, the ending's time-out, a WAV of what was sent.
        Its fields as keyword arguments (``pacing_speed=None``...) still work, with a
        `DeprecationWarning`.
    on_begin, on_speech_started, on_turn, on_termination, on_error, on_warning : callable, optional
        Called with the typed event, from the session's own thread; an exception in
        one is logged and reported, never stops the session. ``on_warning`` gets a
        `WarningEvent`: the service ignored or changed a setting that was asked for.
    """

    _kind = "session"
    #: Interleaved channels the transport takes (the offline endpointer: one party per channel).
    _max_channels = 1

    def __init__(self, config, source, *, options: SessionOptions | None = None,
                 on_begin: Callable | None = None, on_speech_started: Callable | None = None,
                 on_turn: Callable | None = None, on_termination: Callable | None = None,
                 on_error: Callable | None = None, on_warning: Callable | None = None, **kwargs):
        options = options_from_kwargs(SessionOptions, options, kwargs, where=type(self).__name__,
                                      stacklevel=caller_stacklevel(self))
        self.options = options
        self.config = as_config(config)
        self.sample_rate = options.sample_rate
        self.source = as_source(source, self.sample_rate)
        if getattr(self.source, "sample_rate", self.sample_rate) != self.sample_rate:
            raise ConfigError(f"the source delivers {self.source.sample_rate} Hz but the session expects "
                              f"{self.sample_rate} Hz")
        self.channels = int(getattr(self.source, "channels", 1) or 1)
        if self.channels > self._max_channels:
            raise ConfigError(f"{self.source.name}: the {self._kind} session takes {self._max_channels} channel(s), "
                              f"the source gives {self.channels}; stream one party or the downmix instead")
        self.inactivity_timeout_s = options.inactivity_timeout_s
        self.pacing_speed = options.pacing_speed
        self.terminate_timeout = float(options.terminate_timeout)
        self.save_wav = Path(options.save_wav) if options.save_wav else None
        self.on_begin, self.on_speech_started, self.on_turn = on_begin, on_speech_started, on_turn
        self.on_termination, self.on_error, self.on_warning = on_termination, on_error, on_warning

        self.events: list = []
        self.end_reason: SessionEnd | None = None
        self.error: TurnTuneError | None = None
        self.callback_errors: list[BaseException] = []
        self.stats = SendStats(sample_rate=self.sample_rate, channels=self.channels)
        self.frame_bytes = self.sample_rate * CHUNK_MS // 1000 * 2 * self.channels

        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._stop_sending = threading.Event()  # no more audio
        self._closed = threading.Event()  # transport gone: the session is over
        self._begun = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = False
        self._finishing = False
        self._audio_closed = False
        self._last_activity = 0.0
        self._wav: WavRecorder | None = None

    # ------------------------------------------------------------------ public
    @property
    def running(self) -> bool:
        """True between `start` and the end of the session."""
        return self._started and not self._closed.is_set()

    def inactivity_remaining_s(self) -> float | None:
        """Seconds left before the inactivity rule ends the session (None without one)."""
        if not self.inactivity_timeout_s or not self._started:
            return None
        return max(0.0, self._last_activity + float(self.inactivity_timeout_s) - time.monotonic())

    def start(self):
        """Open the source and the connection, start the threads; return self.

        Raises
        ------
        StreamingError
            Already started, or the connection failed (a `StreamingClosedError`
            when the server refused it, e.g. 1008 for a bad key).
        NoMicrophoneError
            The microphone cannot be opened.
        """
        with self._lock:
            if self._started:
                raise StreamingError(f"this {self._kind} was already started: create a new one for another run")
            self._started = True
        try:
            self.source.open()
            self._open()
        except BaseException:
            self._stop_sending.set()
            self._closed.set()
            self.source.close()
            self._join(2.0)
            raise
        self._last_activity = time.monotonic()
        if self.save_wav:
            self._wav = WavRecorder(self.save_wav, self.sample_rate, self.channels)
        self._spawn(self._send_loop, "sender")
        if self.inactivity_timeout_s:
            self._spawn(self._watch_inactivity, "inactivity")
        return self

    def stop(self, timeout: float = 10.0) -> SessionEnd | None:
        """End the session (Terminate, bounded wait for Termination, close) and join
        its threads; safe to call twice, from a callback, or after it ended.

        Parameters
        ----------
        timeout : float
            Seconds to wait for the threads; a stuck thread is logged.

        Returns
        -------
        SessionEnd or None
            Why the session ended (None if it never started).
        """
        if not self._started:
            return self.end_reason
        inside = threading.current_thread() in self._threads
        self._finish(SessionEnd(SessionEnd.STOPPED, "stopped by the user"), wait=not inside)
        if not inside:
            self._join(timeout)
        return self.end_reason

    def wait(self, timeout: float | None = None, raise_error: bool = True) -> SessionEnd | None:
        """Block until the session ends (source exhausted, inactivity, server close).

        Ctrl+C (KeyboardInterrupt) while waiting stops the session cleanly
        (Terminate sent, Termination awaited) and is re-raised.

        Parameters
        ----------
        timeout : float, optional
            Seconds; None waits for the end.
        raise_error : bool
            Raise ``self.error`` (e.g. a `StreamingClosedError`) if the session failed.

        Returns
        -------
        SessionEnd or None
            Why it ended; None if ``timeout`` passed first.
        """
        if not self._started:
            raise StreamingError(f"the {self._kind} was not started: call start() first")
        try:
            if not self._closed.wait(timeout):
                return None
        except KeyboardInterrupt:
            self._finish(SessionEnd(SessionEnd.STOPPED, "interrupted (Ctrl+C)"))
            self._join(10.0)
            raise
        self._join(10.0)
        if raise_error and self.error is not None:
            raise self.error
        return self.end_reason

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is KeyboardInterrupt:
            self._finish(SessionEnd(SessionEnd.STOPPED, "interrupted (Ctrl+C)"))
        self.stop()

    def turns(self, final_only: bool = True) -> list:
        """The `TurnEvent`s received so far (finals only by default)."""
        return [e for e in list(self.events) if isinstance(e, TurnEvent) and (e.end_of_turn or not final_only)]

    # ------------------------------------------------------------------ to override
    def _open(self) -> None:
        raise NotImplementedError

    def _deliver(self, frame: bytes) -> bool:
        """Hand one 50 ms frame on; False when the transport is gone."""
        raise NotImplementedError

    def _finish(self, end: SessionEnd, wait: bool = True) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ machinery
    def _spawn(self, target, role: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=f"turntune-{self._kind}-{id(self):x}-{role}", daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()
        return thread

    def _join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        me = threading.current_thread()
        for thread in list(self._threads):
            if thread is me:
                continue
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("%s: thread %s did not end within %.1f s", self._kind, thread.name, timeout)

    def _claim_finish(self, end: SessionEnd) -> bool:
        """Record why the session ends and stop the audio; True for the first caller only,
        who then closes the transport (a `_finish` may be reached from several threads)."""
        self._set_end(end)
        self._stop_sending.set()
        with self._lock:
            if self._finishing:
                return False
            self._finishing = True
            return True

    def _set_end(self, end: SessionEnd, error: TurnTuneError | None = None, override: bool = False) -> None:
        with self._lock:
            if self.end_reason is None or override:
                self.end_reason = end
            if error is not None and self.error is None:
                self.error = error

    def _updated_config(self, fields: dict):
        """The config with `fields` applied (an ``UpdateConfiguration``), validated: what
        the service uses for the audio after it. A new ``mode`` re-applies that preset's
        silences, ``interruption_delay`` and ``vad_threshold`` (the fields given beside it
        win; the diarisation profile stays under ``speaker_labels``).

        Raises
        ------
        ConfigError
            An unknown field, a field this model's family cannot update (``mode`` on a
            Universal-Streaming model...), a value out of range (min above max,
            ``vad_threshold`` outside 0..1...).
        """
        model = getattr(self, "speech_model", None)
        unknown = set(fields) - UPDATABLE_FIELDS
        if unknown:
            raise ConfigError(f"UpdateConfiguration cannot change {', '.join(sorted(unknown))}; "
                              f"it accepts {', '.join(sorted(UPDATABLE_FIELDS))}")
        allowed = updatable_fields(model)
        refused = sorted(set(fields) - set(allowed))
        if refused:
            family = "U3 Pro" if surface.is_u3_pro(model) else "Universal-Streaming"
            raise ConfigError(f"{', '.join(refused)} cannot be updated mid-stream on {model} ({family} updates only "
                              f"{', '.join(allowed)}): start a new session with it, or choose "
                              f"{surface.DEFAULT_STREAMING_MODEL}")
        check_streaming_fields(fields, model)
        thresholds = {k: fields[k] for k in CONFIG_FIELDS if fields.get(k) is not None}
        if thresholds.get("mode") is not None and surface.is_u3_pro(model):
            explicit = {k: v for k, v in thresholds.items() if k in surface.TURN_FIELDS}
            speaker_labels = bool(getattr(self.config, "speaker_labels", False))
            preset = surface.effective_turn_detection(model, thresholds["mode"], speaker_labels, **explicit)
            thresholds.update({k: preset[k] for k in ("min_turn_silence", "max_turn_silence",
                                                      "interruption_delay", "vad_threshold")})
        return replace(self.config, **thresholds) if thresholds else self.config

    def _note_activity(self) -> None:
        self._last_activity = time.monotonic()

    def _callback_for(self, event):
        return {
            BeginEvent: self.on_begin,
            SpeechStartedEvent: self.on_speech_started,
            TurnEvent: self.on_turn,
            TerminationEvent: self.on_termination,
            ErrorEvent: self.on_error,
            WarningEvent: self.on_warning,
        }.get(type(event))

    def _emit(self, event) -> None:
        """Record an event and call its callback; a failing callback is reported
        (log, ``callback_errors``, a non-fatal `ErrorEvent`), never propagated."""
        with self._lock:
            self.events.append(event)
        if isinstance(event, BeginEvent):
            self._begun.set()
        elif isinstance(event, TurnEvent) and event.transcript.strip():
            self._note_activity()
        callback = self._callback_for(event)
        if callback is None:
            return
        try:
            callback(event)
        except Exception as err:  # a user callback must never kill our thread
            name = getattr(callback, "__name__", repr(callback))
            log.exception("%s: the %s callback %s raised", self._kind, event.type, name)
            self.callback_errors.append(err)
            if not isinstance(event, ErrorEvent):
                self._emit(ErrorEvent(None, f"the {event.type} callback {name} raised {type(err).__name__}: {err}",
                                      "Fix the callback; the session carries on.", False, err))

    def _send_loop(self) -> None:
        speed = None if self.source.realtime else self.pacing_speed
        step = CHUNK_MS / 1000.0 / speed if speed else 0.0
        stats, stop = self.stats, self._stop_sending
        exhausted = False
        t0 = None
        k = 0
        try:
            for frame in _frames(self.source.chunks(), self.frame_bytes):
                if stop.is_set():
                    break
                if speed:
                    if t0 is None:
                        t0 = time.monotonic()
                    due = t0 + k * step
                    delay = due - time.monotonic()
                    if delay > 0 and stop.wait(delay):
                        break
                    now = time.monotonic()
                    stats.lateness_ms.append((now - due) * 1000.0)
                else:
                    now = time.monotonic()
                if not self._deliver(frame):
                    break
                if stats.first_send is None:
                    stats.first_send = now
                stats.last_send = now
                stats.chunks += 1
                stats.bytes += len(frame)
                stats.sizes.append(len(frame))
                if self._wav is not None:
                    self._wav.write(frame)
                k += 1
            else:
                exhausted = True
        except Exception as err:
            if not stop.is_set():
                log.error("%s: the audio source %r failed: %s", self._kind, self.source, err)
                error = err if isinstance(err, TurnTuneError) else StreamingError(
                    f"the audio source {self.source.name} failed: {err}")
                self._emit(ErrorEvent(None, str(error), "", True, err))
                self._set_end(SessionEnd(SessionEnd.SOURCE_ERROR, str(error)), error)
                self._finish(SessionEnd(SessionEnd.SOURCE_ERROR, str(error)))
        finally:
            self.source.close()
            if self._wav is not None:
                self._wav.close()
        if exhausted and not stop.is_set():
            self._finish(SessionEnd(SessionEnd.SOURCE_EXHAUSTED, f"{self.source.name} ended"))

    def _watch_inactivity(self) -> None:
        limit = float(self.inactivity_timeout_s)
        while True:
            remaining = self.inactivity_remaining_s()
            if remaining <= 0:
                log.info("%s: no new transcript for %.1f s: ending the session", self._kind, limit)
                self._finish(SessionEnd(SessionEnd.INACTIVITY, f"no new transcript for {limit:g} s"))
                return
            if self._stop_sending.wait(remaining):
                return

    def __repr__(self) -> str:
        state = "not started" if not self._started else "running" if self.running else f"ended: {self.end_reason}"
        return f"{type(self).__name__}(config={self.config}, source={self.source!r}, {state})"
