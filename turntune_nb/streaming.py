"""Live turns from AssemblyAI's v3 streaming API (Universal-Streaming, U3 Pro).

`StreamingSession` streams a source (microphone, recording, any iterable of PCM)
to ``wss://streaming.assemblyai.com/v3/ws`` with a `StreamingConfig`'s turn
thresholds and calls you back with typed events::

    with StreamingSession(config, MicrophoneSource(), on_turn=print) as session:
        session.wait()          # Ctrl+C: Terminate is sent, Termination awaited

Each session owns its socket, threads, events and lock (nothing module-level), so
sessions can run one after another, or side by side, in one kernel. Threads:

- *sender*: re-cuts the source into 50 ms frames of ``pcm_s16le`` and sends each
  at ``t0 + k * 50 ms`` on a monotonic clock (no drift; a microphone, already real
  time, is sent as read);
- *reader*: parses server messages into `BeginEvent`, `SpeechStartedEvent`,
  `TurnEvent`, `TerminationEvent`, `ErrorEvent` and calls the callbacks (an
  exception in a callback is logged and reported through ``on_error``; it never
  stops the reader);
- *inactivity* (only with ``inactivity_timeout_s``): the guide's rule, end after N s
  without a new non-empty transcript, on a timer that fires even when no message
  arrives.

Ending, whoever starts it (``stop()``, Ctrl+C in ``wait()``, inactivity, end of
the source): no more audio, ``{"type": "Terminate"}``, a bounded wait for
``Termination`` and the server's close, then the socket is shut. ``end_reason``
says why the session ended; a server close code other than 1000 becomes a
`StreamingClosedError` with a hint (``session.error``, raised by ``wait()``).

The API key travels only in the ``Authorization`` header; it is never in the URL,
a repr, a log line or an error.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from array import array
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Callable, ClassVar
from urllib.parse import urlencode

from .errors import ConfigError, MissingAPIKeyError, StreamingClosedError, StreamingError, TurnTuneError
from .presets import StreamingConfig, load_config
from .sources import CHUNK_MS, SAMPLE_RATE, WavRecorder, as_source

__all__ = (
    "StreamingSession",
    "BeginEvent",
    "SpeechStartedEvent",
    "TurnEvent",
    "StreamWord",
    "TerminationEvent",
    "ErrorEvent",
    "SessionEnd",
    "parse_message",
    "closed_error",
    "DEFAULT_STREAMING_URL",
    "EU_STREAMING_URL",
    "US_STREAMING_URL",
    "CLOSE_CODE_HINTS",
)

log = logging.getLogger(__name__)

#: Edge-routed default endpoint.
DEFAULT_STREAMING_URL = "wss://streaming.assemblyai.com/v3/ws"
#: EU data zone.
EU_STREAMING_URL = "wss://streaming.eu.assemblyai.com/v3/ws"
#: US data zone.
US_STREAMING_URL = "wss://streaming.us.assemblyai.com/v3/ws"

#: What to do about each close code the v3 API uses.
CLOSE_CODE_HINTS = {
    1008: "The API key or temporary token was refused: check ASSEMBLYAI_API_KEY (or api_key=...), "
    "that the account's balance is positive, and that a temporary token is used only once.",
    3005: "AssemblyAI hit an internal error: start a new session, and retry later if it persists.",
    3006: "The server could not parse a message the client sent: this is a bug in turntune_nb, "
    "please report it with the reason above.",
    3007: "Audio must go in chunks of 50-1000 ms and no faster than real time: stream recordings "
    "through FileSource (paced in real time) and keep pacing_speed at 1.",
    3008: "The session reached its maximum duration (3 h, or the temporary token's "
    "max_session_duration_seconds): start a new session.",
    3009: "Too many sessions were opened in a short time: wait a minute before starting another, "
    "or ask AssemblyAI to raise the account's new-session rate.",
}

#: Fields ``UpdateConfiguration`` accepts (Universal-Streaming and U3 Pro).
UPDATABLE_FIELDS = frozenset({
    "min_turn_silence", "max_turn_silence", "end_of_turn_confidence_threshold",
    "keyterms_prompt", "prompt", "agent_context", "language_codes",
})


def closed_error(code: int | None, reason: str) -> StreamingClosedError:
    """The error for a server close code, with what to do about it.

    Examples
    --------
    >>> err = closed_error(3007, "Input duration violation: 20 ms. Expected between 50 and 1000 ms")
    >>> err.code, "50-1000 ms" in str(err)
    (3007, True)
    """
    return StreamingClosedError(code, reason or "(no reason given)", CLOSE_CODE_HINTS.get(code, ""))


# --------------------------------------------------------------------------- events
class _Event:
    """Shared behaviour of the typed events: ``type`` and a JSON-able `to_dict`."""

    type: ClassVar[str] = ""

    def to_dict(self) -> dict:
        """The event as plain JSON data: ``{"type": ..., fields...}`` (no receive time)."""
        out = {"type": self.type}
        for f in fields(self):
            if f.name in ("received_at",):
                continue
            value = getattr(self, f.name)
            if f.name == "words":
                value = [asdict(w) for w in value]
            out[f.name] = value
        return out


@dataclass(frozen=True)
class BeginEvent(_Event):
    """The session began (``Begin``): its id and when it expires (Unix seconds)."""

    type: ClassVar[str] = "Begin"
    id: str = ""
    expires_at: int | None = None
    received_at: float = field(default=0.0, compare=False, repr=False)


@dataclass(frozen=True)
class SpeechStartedEvent(_Event):
    """Speech started at ``timestamp_ms`` from the stream start (U3 Pro only)."""

    type: ClassVar[str] = "SpeechStarted"
    timestamp_ms: int = 0
    confidence: float | None = None
    received_at: float = field(default=0.0, compare=False, repr=False)


@dataclass(frozen=True)
class StreamWord:
    """One word of a `TurnEvent` (ms from the stream start)."""

    text: str
    start_ms: int
    end_ms: int
    confidence: float | None = None
    word_is_final: bool = False


@dataclass(frozen=True)
class TurnEvent(_Event):
    """A partial (``end_of_turn`` false) or final (true) turn.

    ``start_ms`` / ``end_ms`` come from the words; the offline endpointer sets them
    directly and leaves ``words`` empty (timing only), with ``emitted_at_ms``: how
    far into the audio the turn was decided.

    Examples
    --------
    >>> t = parse_message({"type": "Turn", "turn_order": 0, "end_of_turn": True, "turn_is_formatted": True,
    ...     "transcript": "Hi.", "words": [{"text": "Hi.", "start": 1216, "end": 1635, "confidence": 0.9,
    ...     "word_is_final": True}]})
    >>> t.is_final, t.start_ms, t.end_ms, t.turn_is_formatted
    (True, 1216, 1635, True)
    """

    type: ClassVar[str] = "Turn"
    turn_order: int = 0
    transcript: str = ""
    end_of_turn: bool = False
    turn_is_formatted: bool = False
    end_of_turn_confidence: float | None = None
    utterance: str = ""
    words: tuple = ()
    start_ms: int | None = None
    end_ms: int | None = None
    speaker_label: str | None = None
    emitted_at_ms: int | None = None
    received_at: float = field(default=0.0, compare=False, repr=False)

    @property
    def is_final(self) -> bool:
        return bool(self.end_of_turn)

    @property
    def is_partial(self) -> bool:
        return not self.end_of_turn


@dataclass(frozen=True)
class TerminationEvent(_Event):
    """The server ended the session (``Termination``); durations in whole seconds."""

    type: ClassVar[str] = "Termination"
    audio_duration_seconds: float | None = None
    session_duration_seconds: float | None = None
    received_at: float = field(default=0.0, compare=False, repr=False)


@dataclass(frozen=True)
class ErrorEvent(_Event):
    """Something went wrong: a server ``Error`` message or close code, a lost
    connection, a failing source, or an exception in one of your callbacks
    (``fatal`` false: the session carries on)."""

    type: ClassVar[str] = "Error"
    code: int | None = None
    error: str = ""
    hint: str = ""
    fatal: bool = True
    exception: BaseException | None = field(default=None, compare=False, repr=False)
    received_at: float = field(default=0.0, compare=False, repr=False)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out.pop("exception", None)
        return out


def _num(value, kind=float):
    try:
        return None if value is None else kind(value)
    except (TypeError, ValueError):
        return None


def parse_message(msg: dict, received_at: float = 0.0):
    """A typed event for one server message (a decoded JSON object), or None for
    message types this package does not use (``Warning``, ``Heartbeat``...).

    Examples
    --------
    >>> parse_message({"type": "Begin", "id": "de5d", "expires_at": 1759796682})
    BeginEvent(id='de5d', expires_at=1759796682)
    >>> parse_message({"type": "Error", "error_code": 3008, "error": "Session Expired"}).code
    3008
    >>> parse_message({"type": "Heartbeat"}) is None
    True
    """
    kind = msg.get("type")
    if kind == "Begin":
        return BeginEvent(str(msg.get("id", "")), _num(msg.get("expires_at"), int), received_at=received_at)
    if kind == "SpeechStarted":
        return SpeechStartedEvent(_num(msg.get("timestamp"), int) or 0, _num(msg.get("confidence")),
                                  received_at=received_at)
    if kind == "Turn":
        words = tuple(
            StreamWord(str(w.get("text", "")), _num(w.get("start"), int), _num(w.get("end"), int),
                       _num(w.get("confidence")), bool(w.get("word_is_final", False)))
            for w in msg.get("words") or ()
        )
        return TurnEvent(
            turn_order=_num(msg.get("turn_order"), int) or 0,
            transcript=msg.get("transcript") or "",
            end_of_turn=bool(msg.get("end_of_turn", False)),
            turn_is_formatted=bool(msg.get("turn_is_formatted", False)),
            end_of_turn_confidence=_num(msg.get("end_of_turn_confidence")),
            utterance=msg.get("utterance") or "",
            words=words,
            start_ms=words[0].start_ms if words else None,
            end_ms=words[-1].end_ms if words else None,
            speaker_label=msg.get("speaker_label"),
            received_at=received_at,
        )
    if kind == "Termination":
        return TerminationEvent(_num(msg.get("audio_duration_seconds")), _num(msg.get("session_duration_seconds")),
                                received_at=received_at)
    if kind == "Error" or (kind is None and "error" in msg):
        code = _num(msg.get("error_code"), int)
        return ErrorEvent(code, str(msg.get("error", "")), CLOSE_CODE_HINTS.get(code, ""), True,
                          received_at=received_at)
    return None


# --------------------------------------------------------------------------- end reasons
@dataclass(frozen=True)
class SessionEnd:
    """Why a session ended.

    Attributes
    ----------
    kind : str
        ``"stopped"`` (``stop()`` or Ctrl+C), ``"inactivity"`` (the client-side
        rule), ``"source_exhausted"``, ``"source_error"``, ``"server_error"`` (close
        code other than 1000), ``"server_closed"`` (the server ended it, e.g. its own
        ``inactivity_timeout``), ``"connection_lost"``.
    detail : str
    code : int, optional
        The close code, for server-side endings.
    """

    STOPPED: ClassVar[str] = "stopped"
    INACTIVITY: ClassVar[str] = "inactivity"
    SOURCE_EXHAUSTED: ClassVar[str] = "source_exhausted"
    SOURCE_ERROR: ClassVar[str] = "source_error"
    SERVER_ERROR: ClassVar[str] = "server_error"
    SERVER_CLOSED: ClassVar[str] = "server_closed"
    CONNECTION_LOST: ClassVar[str] = "connection_lost"

    kind: str
    detail: str = ""
    code: int | None = None

    def __str__(self) -> str:
        code = f" (code {self.code})" if self.code is not None else ""
        return f"{self.kind}{code}: {self.detail}" if self.detail else f"{self.kind}{code}"


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

    @property
    def audio_ms(self) -> float:
        return self.bytes / 2 / self.sample_rate * 1000.0


def _as_config(config) -> StreamingConfig:
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


# --------------------------------------------------------------------------- base session
class _SessionBase:
    """The machinery both sessions share: source, pacing, callbacks, events, ending."""

    _kind = "session"

    def __init__(self, config, source, *, inactivity_timeout_s: float | None = None,
                 on_begin: Callable | None = None, on_speech_started: Callable | None = None,
                 on_turn: Callable | None = None, on_termination: Callable | None = None,
                 on_error: Callable | None = None, save_wav=None, pacing_speed: float | None = 1.0,
                 sample_rate: int = SAMPLE_RATE, terminate_timeout: float = 5.0):
        self.config = _as_config(config)
        self.sample_rate = int(sample_rate)
        self.source = as_source(source, self.sample_rate)
        if getattr(self.source, "sample_rate", self.sample_rate) != self.sample_rate:
            raise ConfigError(f"the source delivers {self.source.sample_rate} Hz but the session expects {self.sample_rate} Hz")
        if inactivity_timeout_s is not None and not inactivity_timeout_s > 0:
            raise ConfigError(f"inactivity_timeout_s must be positive seconds, got {inactivity_timeout_s!r}")
        if pacing_speed is not None and not pacing_speed > 0:
            raise ConfigError(f"pacing_speed must be positive (1 = real time) or None, got {pacing_speed!r}")
        self.inactivity_timeout_s = inactivity_timeout_s
        self.pacing_speed = pacing_speed
        self.terminate_timeout = float(terminate_timeout)
        self.save_wav = Path(save_wav) if save_wav else None
        self.on_begin, self.on_speech_started, self.on_turn = on_begin, on_speech_started, on_turn
        self.on_termination, self.on_error = on_termination, on_error

        self.events: list = []
        self.end_reason: SessionEnd | None = None
        self.error: TurnTuneError | None = None
        self.callback_errors: list[BaseException] = []
        self.stats = SendStats(sample_rate=self.sample_rate)
        self.frame_bytes = self.sample_rate * CHUNK_MS // 1000 * 2

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
            self._wav = WavRecorder(self.save_wav, self.sample_rate)
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

    def _set_end(self, end: SessionEnd, error: TurnTuneError | None = None, override: bool = False) -> None:
        with self._lock:
            if self.end_reason is None or override:
                self.end_reason = end
            if error is not None and self.error is None:
                self.error = error

    def _updated_config(self, fields: dict):
        """The config with `fields` applied (an ``UpdateConfiguration``), validated.

        Raises
        ------
        ConfigError
            An unknown field, or thresholds out of range / min above max.
        """
        unknown = set(fields) - UPDATABLE_FIELDS
        if unknown:
            raise ConfigError(f"UpdateConfiguration cannot change {sorted(unknown)}; it accepts {sorted(UPDATABLE_FIELDS)}")
        thresholds = {k: fields[k] for k in ("min_turn_silence", "max_turn_silence", "end_of_turn_confidence_threshold")
                      if fields.get(k) is not None}
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
                error = err if isinstance(err, TurnTuneError) else StreamingError(f"the audio source {self.source.name} failed: {err}")
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


# --------------------------------------------------------------------------- API session
class StreamingSession(_SessionBase):
    """A live AssemblyAI v3 streaming session with a turn-detection config.

    Parameters
    ----------
    config : StreamingConfig, dict or path
        Supplies ``min_turn_silence`` / ``max_turn_silence`` (and the confidence
        threshold for Universal-Streaming models).
    source : AudioSource, path, "mic", bytes, array or iterable
        See `turntune_nb.sources.as_source`.
    api_key : str, optional
        Defaults to ``ASSEMBLYAI_API_KEY``; sent in the ``Authorization`` header.
    token : str, optional
        A temporary streaming token, used instead of the key.
    url : str, optional
        Defaults to ``ASSEMBLYAI_STREAMING_URL``, then `DEFAULT_STREAMING_URL`
        (`EU_STREAMING_URL` for the EU data zone).
    speech_model : str
        ``"u3-rt-pro"`` (default), ``"universal-streaming-english"``...
    inactivity_timeout_s : float, optional
        Client-side rule: end the session after this many seconds without a new
        non-empty transcript, checked on a timer.
    server_inactivity_timeout : int, optional
        The API's own ``inactivity_timeout`` parameter (5-3600 s).
    keyterms_prompt : list of str, optional
    on_begin, on_speech_started, on_turn, on_termination, on_error : callable, optional
        Called with the typed event, from the session's reader thread.
    save_wav : path, optional
        Write the audio actually sent to this WAV file.
    pacing_speed : float or None
        1 = real time (the API rejects faster); other values only for fakes.
    connect_timeout, terminate_timeout : float
        Seconds for the handshake and Begin; for Termination after Terminate.
    extra_params : dict, optional
        More query parameters (``vad_threshold``, ``prompt``...).

    Raises
    ------
    MissingAPIKeyError
        No key, no token and no ``ASSEMBLYAI_API_KEY`` (use the offline endpointer).
    ConfigError
        ``server_inactivity_timeout`` outside 5-3600 s, or another bad setting.
    """

    _kind = "streaming"

    def __init__(self, config, source, *, api_key: str | None = None, token: str | None = None,
                 url: str | None = None, speech_model: str = "u3-rt-pro",
                 inactivity_timeout_s: float | None = None, server_inactivity_timeout: int | None = None,
                 keyterms_prompt=None, connect_timeout: float = 10.0, terminate_timeout: float = 5.0,
                 extra_params: dict | None = None, **kwargs):
        super().__init__(config, source, inactivity_timeout_s=inactivity_timeout_s,
                         terminate_timeout=terminate_timeout, **kwargs)
        secret = token or api_key or os.environ.get("ASSEMBLYAI_API_KEY") or None
        if not secret:
            raise MissingAPIKeyError(
                "No AssemblyAI API key for streaming: set ASSEMBLYAI_API_KEY, pass api_key=... or token=..., "
                "or use the offline endpointer (open_session(..., offline=True) / turntune stream --offline)."
            )
        self.__auth = secret
        if server_inactivity_timeout is not None:
            if isinstance(server_inactivity_timeout, bool) or not 5 <= float(server_inactivity_timeout) <= 3600:
                raise ConfigError(f"server_inactivity_timeout must lie in 5..3600 s, got {server_inactivity_timeout!r}")
            server_inactivity_timeout = int(server_inactivity_timeout)
        if keyterms_prompt is not None:
            keyterms_prompt = [str(t) for t in keyterms_prompt]
            if len(keyterms_prompt) > 100:
                raise ConfigError(f"keyterms_prompt holds at most 100 terms, got {len(keyterms_prompt)}")
        self.speech_model = speech_model
        self.server_inactivity_timeout = server_inactivity_timeout
        self.connect_timeout = float(connect_timeout)
        params = self.config.to_connection_params(
            speech_model=speech_model, sample_rate=self.sample_rate, encoding="pcm_s16le",
            inactivity_timeout=server_inactivity_timeout,
            keyterms_prompt=json.dumps(keyterms_prompt) if keyterms_prompt is not None else None,
            **(extra_params or {}),
        )
        self.params = {k: ("true" if v is True else "false" if v is False else v) for k, v in params.items()}
        self.base_url = (url or os.environ.get("ASSEMBLYAI_STREAMING_URL") or DEFAULT_STREAMING_URL).split("?")[0]
        self.url = f"{self.base_url}?{urlencode(self.params)}"
        self.terminate_sent = False
        self._ws = None
        self._server_error: ErrorEvent | None = None
        self._termination = threading.Event()
        self._ready = threading.Event()
        self._closing = False

    # ------------------------------------------------------------------ controls
    def force_endpoint(self) -> None:
        """Ask the server to end the current turn now (``ForceEndpoint``)."""
        self._send_json({"type": "ForceEndpoint"})

    def update_configuration(self, **fields) -> None:
        """Change settings mid-session (``UpdateConfiguration``), e.g. thresholds.

        Parameters
        ----------
        **fields
            ``min_turn_silence``, ``max_turn_silence`` (ms),
            ``end_of_turn_confidence_threshold``, ``keyterms_prompt``, ``prompt``...

        Raises
        ------
        ConfigError
            An unknown field, or thresholds out of range / min above max.
        """
        new_config = self._updated_config(fields)  # validates before anything is sent
        self._send_json({"type": "UpdateConfiguration", **fields})
        self.config = new_config

    def _send_json(self, message: dict) -> None:
        with self._send_lock:
            if not self.running or self._audio_closed or self._ws is None:
                raise StreamingError(f"cannot send {message['type']}: the session is not running")
            self._ws.send(json.dumps(message))

    # ------------------------------------------------------------------ transport
    def _open(self) -> None:
        import websocket

        ws = websocket.WebSocket(enable_multithread=True)
        try:
            ws.connect(self.url, header={"Authorization": self.__auth}, timeout=self.connect_timeout)
        except websocket.WebSocketBadStatusException as err:
            body = (err.resp_body or b"").decode("utf-8", "replace").strip()[:300]
            if err.status_code in (401, 403):
                raise closed_error(1008, f"HTTP {err.status_code} at the handshake {body}".strip()) from err
            raise StreamingError(f"{self.base_url} refused the connection: HTTP {err.status_code} {body}".strip()) from err
        except (OSError, websocket.WebSocketException) as err:
            raise StreamingError(
                f"cannot connect to {self.base_url}: {err}. Check the network, or ASSEMBLYAI_STREAMING_URL if set."
            ) from err
        ws.settimeout(None)
        self._ws = ws
        self._spawn(self._read_loop, "reader")
        self._ready.wait(self.connect_timeout)  # set by Begin, or by the close
        if self._begun.is_set():
            return
        if self.error is not None:
            raise self.error
        self._closing = True
        self._abort()
        raise StreamingError(f"{self.base_url} sent no Begin within {self.connect_timeout:g} s")

    def _deliver(self, frame: bytes) -> bool:
        import websocket

        with self._send_lock:
            if self._audio_closed:
                return False
            try:
                self._ws.send_bytes(frame)
            except (OSError, websocket.WebSocketException) as err:
                log.debug("streaming: sending audio failed: %s", err)
                return False
        return True

    def _read_loop(self) -> None:
        import websocket

        ws = self._ws
        try:
            while True:
                opcode, frame = ws.recv_data_frame(True)
                now = time.monotonic()
                if opcode == websocket.ABNF.OPCODE_TEXT:
                    self._on_text(frame.data, now)
                elif opcode == websocket.ABNF.OPCODE_CLOSE:
                    data = frame.data or b""
                    code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                    self._on_close(code, data[2:].decode("utf-8", "replace"))
                    return
        except (OSError, websocket.WebSocketException) as err:
            if not self._closing:
                error = StreamingError(
                    f"the connection to {self.base_url} was lost without a close frame ({type(err).__name__}: {err}). "
                    "Check the network and start a new session."
                )
                self._set_end(SessionEnd(SessionEnd.CONNECTION_LOST, str(err)), error)
                self._emit(ErrorEvent(None, str(error), "", True, err))
        except Exception as err:  # a bug in the parsing: report it, end cleanly
            log.exception("streaming: the reader failed")
            self._set_end(SessionEnd(SessionEnd.CONNECTION_LOST, f"reader failed: {err}"),
                          StreamingError(f"the streaming reader failed: {err}"))
        finally:
            self._stop_sending.set()
            self._termination.set()
            self._closing = True
            self._abort()
            self._closed.set()
            self._ready.set()

    def _on_text(self, data: bytes, now: float) -> None:
        try:
            msg = json.loads(data)
        except ValueError:
            log.warning("streaming: the server sent a text frame that is not JSON: %.80r", data)
            return
        if not isinstance(msg, dict):
            log.warning("streaming: unexpected message %.80r", data)
            return
        event = parse_message(msg, received_at=now)
        if event is None:
            log.debug("streaming: ignoring a %s message", msg.get("type"))
            return
        if isinstance(event, ErrorEvent):
            self._server_error = event
        self._emit(event)
        if isinstance(event, BeginEvent):
            self._ready.set()
        elif isinstance(event, TerminationEvent):
            self._set_end(SessionEnd(SessionEnd.SERVER_CLOSED, "the server ended the session (Termination)"))
            self._termination.set()

    def _on_close(self, code: int | None, reason: str) -> None:
        if code in (None, 1000, 1005):
            self._set_end(SessionEnd(SessionEnd.SERVER_CLOSED, reason or "closed by the server", code))
            return
        prior = self._server_error
        if prior is not None and (not reason or reason.startswith("See Error message")):
            reason = prior.error
        error = closed_error(code, reason)
        # an error close before Termination is what ended the session, even if we had asked to end it
        self._set_end(SessionEnd(SessionEnd.SERVER_ERROR, reason, code), error,
                      override=not self._termination.is_set())
        if prior is None or prior.code != code:
            self._emit(ErrorEvent(code, reason, CLOSE_CODE_HINTS.get(code, ""), True, error, time.monotonic()))

    def _abort(self) -> None:
        ws = self._ws
        if ws is None:
            return
        sock = ws.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        ws.shutdown()

    def _finish(self, end: SessionEnd, wait: bool = True) -> None:
        import websocket

        self._set_end(end)
        self._stop_sending.set()
        with self._lock:
            if self._finishing:
                return
            self._finishing = True
        with self._send_lock:
            self._audio_closed = True
            if not self._closed.is_set() and self._ws is not None:
                try:
                    self._ws.send(json.dumps({"type": "Terminate"}))
                    self.terminate_sent = True
                except (OSError, websocket.WebSocketException) as err:
                    log.debug("streaming: sending Terminate failed: %s", err)
        if not wait:
            return
        if not self._termination.wait(self.terminate_timeout):
            log.warning("streaming: no Termination within %.1f s of Terminate; closing", self.terminate_timeout)
        if not self._closed.wait(2.0):  # the server closes (1000) right after Termination
            with self._send_lock:
                try:
                    self._ws.send_close()
                except (OSError, websocket.WebSocketException):
                    pass
            if not self._closed.wait(1.0):
                self._closing = True
                self._abort()
