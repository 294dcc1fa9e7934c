"""Live turns from AssemblyAI's v3 streaming API (Universal-Streaming, U3 Pro).

`StreamingSession` streams a source (microphone, recording, any iterable of PCM)
to ``wss://streaming.assemblyai.com/v3/ws`` with a `StreamingConfig`'s turn
thresholds and calls you back with typed events::

    with StreamingSession(config, MicrophoneSource(), on_turn=print) as session:
        session.wait()          # Ctrl+C: Terminate is sent, Termination awaited

The machinery every live session shares (pacing, callbacks, the inactivity rule,
ending) is `turntune_nb.live.session.LiveSession`; this module adds the transport:
the WebSocket, its reader thread and AssemblyAI's messages. Each session owns its
socket, threads, events and lock (nothing module-level), so sessions can run one
after another, or side by side, in one kernel. Threads:

- *sender* (`LiveSession`): re-cuts the source into 50 ms frames of ``pcm_s16le`` and sends each
  at ``t0 + k * 50 ms`` on a monotonic clock (no drift; a microphone, already real
  time, is sent as read);
- *reader*: parses server messages into `BeginEvent`, `SpeechStartedEvent`,
  `TurnEvent`, `TerminationEvent`, `ErrorEvent` and calls the callbacks (an
  exception in a callback is logged and reported through ``on_error``; it never
  stops the reader);
- *inactivity* (`LiveSession`, only with ``inactivity_timeout_s``): the guide's rule, end after N s
  without a new non-empty transcript, on a timer that fires even when no message
  arrives.

Ending, whoever starts it (``stop()``, Ctrl+C in ``wait()``, inactivity, end of
the source): no more audio, ``{"type": "Terminate"}``, a bounded wait for
``Termination`` and the server's close, then the socket is shut. ``end_reason``
says why the session ended; a server close code other than 1000 becomes a
`StreamingClosedError` with a hint (``session.error``, raised by ``wait()``).

`StartLimiter` keeps session starts under the account's new-session rate (5 a
minute on free accounts, 100+ paid; over it, the server closes with 3009).

The API key travels only in the ``Authorization`` header; it is never in the URL,
a repr, a log line or an error. ``temporary_token=True`` mints a single-use token
(`turntune_nb.assemblyai.tokens`) and connects with it instead; a browser (the
notebook wing's `BrowserMicrophone`) gets only such a token, in ``?token=``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import warnings
from dataclasses import replace
from urllib.parse import urlencode

from ..analysis.surface import DEFAULT_STREAMING_MODEL, legacy_note
from ..errors import ConfigError, MissingAPIKeyError, StreamingError
from ..live.events import BeginEvent, ErrorEvent, SessionEnd, TerminationEvent, TurnEvent, WarningEvent
from ..live.session import LiveSession, SessionOptions, caller_stacklevel
from ..live.sources import CHUNK_MS
from ..options import options_from_kwargs
from .streaming_echo import compare_configuration, ignored_text
from .streaming_messages import CLOSE_CODE_HINTS, closed_error, parse_message
from .streaming_options import STREAMING_FIELDS, StreamingOptions
from .tokens import create_temporary_token

__all__ = (
    "StreamingSession",
    "StreamingOptions",
    "parse_message",
    "closed_error",
    "DEFAULT_STREAMING_URL",
    "EU_STREAMING_URL",
    "US_STREAMING_URL",
    "CLOSE_CODE_HINTS",
    "StartLimiter",
)

log = logging.getLogger(__name__)

#: Edge-routed default endpoint.
DEFAULT_STREAMING_URL = "wss://streaming.assemblyai.com/v3/ws"
#: EU data zone.
EU_STREAMING_URL = "wss://streaming.eu.assemblyai.com/v3/ws"
#: US data zone.
US_STREAMING_URL = "wss://streaming.us.assemblyai.com/v3/ws"

class StartLimiter:
    """At most `per_minute` session starts in any 60 s (AssemblyAI's new-session rate:
    5 a minute on free accounts, 100+ on paid); None for no limit.

    Examples
    --------
    >>> lim = StartLimiter(2)
    >>> lim.record(0.0), lim.record(10.0), lim.delay(30.0)
    (None, None, 30.0)
    >>> lim.delay(61.0)
    0.0
    """

    def __init__(self, per_minute: int | None):
        self.per_minute = per_minute
        self.starts: list[float] = []
        self.lock = threading.Lock()

    def delay(self, now: float) -> float:
        """Seconds to wait before a start at monotonic time `now`."""
        if not self.per_minute:
            return 0.0
        recent = [t for t in self.starts if t > now - 60.0]
        return 0.0 if len(recent) < self.per_minute else max(0.0, recent[-self.per_minute] + 60.0 - now)

    def record(self, now: float) -> None:
        self.starts = [t for t in self.starts if t > now - 60.0] + [now]

    def wait(self, stop: threading.Event) -> bool:
        """Block until a start is allowed (and count it); False when `stop` came first."""
        while True:
            with self.lock:
                now = time.monotonic()
                wait = self.delay(now)
                if wait <= 0:
                    self.record(now)
                    return True
            if stop.wait(wait):
                return False


class StreamingSession(LiveSession):
    """A live AssemblyAI v3 streaming session with a turn-detection config.

    Parameters
    ----------
    config : StreamingConfig, dict or path
        Supplies ``min_turn_silence`` / ``max_turn_silence`` (and the confidence
        threshold for Universal-Streaming models).
    source : AudioSource, path, "mic", bytes, array or iterable
        See `turntune_nb.live.sources.as_source`.
    api_key : str, optional
        Defaults to ``ASSEMBLYAI_API_KEY``; sent in the ``Authorization`` header.
    token : str, optional
        A temporary streaming token, used instead of the key.
    streaming : StreamingOptions, optional
        The service's side: URL, speech model, connection parameters, time-out,
        temporary token.
    options : SessionOptions, optional
        This side: pacing (1 = real time: the API rejects faster), the client-side
        inactivity rule, the ending's time-out, a WAV of what was sent.
    on_begin, on_speech_started, on_turn, on_termination, on_error, on_warning : callable, optional
        Called with the typed event, from the session's reader thread. ``on_warning``
        gets a `WarningEvent` when ``Begin.configuration`` shows that the service
        ignored (an unknown or misspelled parameter) or changed (a clamped value)
        something that was asked, and for the server's own ``Warning`` messages.
    **kwargs
        The callbacks; the fields of `StreamingOptions` and `SessionOptions` as keyword
        arguments (``url=``, ``pacing_speed=``...) still work, with a `DeprecationWarning`.

    Attributes
    ----------
    speech_model : str
        The model asked for: the options', else the config's, else ``universal-3-6-pro``.
    configuration : dict or None
        ``Begin.configuration``: what the service says is in force (None before Begin).
    ignored_params : dict
        What it ignored or changed: ``{name: {"asked": ..., "in_force": ... or None}}``.
    end_reason : SessionEnd
        Why it ended; the server's inactivity timer (close 3006, or a Termination it sent
        unasked with ``server_inactivity_timeout``) is ``"server_inactivity"``, not an error.

    Raises
    ------
    MissingAPIKeyError
        No key, no token and no ``ASSEMBLYAI_API_KEY`` (use the offline endpointer).
    ConfigError
        ``server_inactivity_timeout`` outside 5-3600 s, or another bad setting.

    Examples
    --------
    >>> from turntune_nb.analysis.presets import BALANCED
    >>> from turntune_nb.live.session import SessionOptions
    >>> s = StreamingSession(BALANCED, "samples/synthetic/mono_pauses.ogg", api_key="a-key",
    ...                      streaming=StreamingOptions(url=EU_STREAMING_URL, speech_model="universal-3-6-pro"),
    ...                      options=SessionOptions(inactivity_timeout_s=30), on_turn=print)
    >>> s.url.split("?")[0], s.inactivity_timeout_s
    ('wss://streaming.eu.assemblyai.com/v3/ws', 30)
    """

    _kind = "streaming"

    def __init__(self, config, source, *, api_key: str | None = None, token: str | None = None,
                 streaming: StreamingOptions | None = None, options: SessionOptions | None = None,
                 **kwargs):
        moved = {k: kwargs.pop(k) for k in STREAMING_FIELDS if k in kwargs}
        streaming = options_from_kwargs(StreamingOptions, streaming, moved, where=type(self).__name__,
                                        param="streaming", stacklevel=caller_stacklevel(self))
        super().__init__(config, source, options=options, **kwargs)
        self.streaming = streaming
        if streaming.overrides:
            self.config = replace(self.config, **streaming.overrides)
        secret = token or api_key or os.environ.get("ASSEMBLYAI_API_KEY") or None
        if not secret:
            raise MissingAPIKeyError(
                "No AssemblyAI API key for streaming: set ASSEMBLYAI_API_KEY, pass api_key=... or token=..., "
                "or use the offline endpointer (open_session(..., offline=True) / turntune stream --offline)."
            )
        self.__auth = secret
        self._auth_is_token = bool(token)
        self.temporary_token = streaming.temporary_token
        if streaming.temporary_token and token:
            raise ConfigError("pass either token=... or temporary_token=True, not both")
        self.speech_model = streaming.speech_model or self.config.speech_model or DEFAULT_STREAMING_MODEL
        note = legacy_note(self.speech_model)
        if note:
            warnings.warn(note, DeprecationWarning, stacklevel=caller_stacklevel(self))
        self.server_inactivity_timeout = streaming.server_inactivity_timeout
        self.connect_timeout = float(streaming.connect_timeout)
        #: What the service ignored or changed of what was asked, from ``Begin.configuration``
        #: (``{name: {"asked", "in_force"}}``; empty until Begin, or when the service echoed nothing).
        self.ignored_params: dict = {}
        #: ``Begin.configuration``: the settings the service says are in force (None until Begin).
        self.configuration: dict | None = None
        terms = streaming.keyterms_prompt
        params = self.config.to_connection_params(
            speech_model=self.speech_model, sample_rate=self.sample_rate, encoding="pcm_s16le",
            inactivity_timeout=streaming.server_inactivity_timeout,
            keyterms_prompt=json.dumps(list(terms)) if terms is not None else None,
            **(streaming.extra_params or {}),
        )
        self.params = {k: ("true" if v is True else "false" if v is False else v) for k, v in params.items()}
        url = streaming.url or os.environ.get("ASSEMBLYAI_STREAMING_URL") or DEFAULT_STREAMING_URL
        self.base_url = url.split("?")[0]
        self.url = f"{self.base_url}?{urlencode(self.params)}"
        self.terminate_sent = False
        self._ws = None
        self._server_error: ErrorEvent | None = None
        self._termination = threading.Event()
        self._ready = threading.Event()
        self._closing = False

    def audio_clock_ms(self, at: float) -> int:
        """How much of the recording had been spoken by monotonic time `at`, in ms.

        A paced source plays the recording on the sender's clock (frame k, the audio
        up to ``(k + 1) * 50`` ms, goes at ``t0 + k * 50 ms / pacing_speed``), so a
        message arriving at `at` arrives ``(at - t0) * pacing_speed + 50`` ms into
        the audio: a Turn's ``emitted_at_ms``, and ``emitted_at_ms - end_ms`` is the
        latency a caller would feel, network and framing included (AssemblyAI's
        messages carry no decision time; a server that states one in
        ``x_decided_at_ms``, as the project's test fake does, is taken at its word).
        Unpaced (``pacing_speed=None``): the audio sent so far.
        """
        stats = self.stats
        speed = 1.0 if self.source.realtime else self.pacing_speed
        if stats.first_send is None:
            return 0
        if not speed:
            return int(stats.audio_ms)
        return round((at - stats.first_send) * 1000.0 * speed) + CHUNK_MS

    # ------------------------------------------------------------------ controls
    def force_endpoint(self) -> None:
        """Ask the server to end the current turn now (``ForceEndpoint``)."""
        self._send_json({"type": "ForceEndpoint"})

    def update_configuration(self, **fields) -> None:
        """Change settings mid-session (``UpdateConfiguration``): the service applies them
        to the audio after it and sends no acknowledgement; ``self.config`` follows.

        Parameters
        ----------
        **fields
            The U3 Pro models (AssemblyAI's December 2026 list,
            `turntune_nb.live.session.updatable_fields`): ``mode`` (re-applies that
            whole preset), ``min_turn_silence``, ``max_turn_silence``,
            ``interruption_delay`` (ms), ``vad_threshold``, ``continuous_partials``,
            ``keyterms_prompt`` (``[]`` clears it), ``prompt``, ``agent_context``,
            ``language_codes``, ``session_heartbeat``. Universal-Streaming:
            ``min_turn_silence``, ``max_turn_silence``, ``keyterms_prompt``,
            ``session_heartbeat`` and the deprecated ``end_of_turn_confidence_threshold``.

        Raises
        ------
        ConfigError
            An unknown field, a field this model cannot update (``mode`` on a
            Universal-Streaming model), or a value out of range (min above max,
            ``vad_threshold`` outside 0..1...); nothing is sent then.
        """
        new_config = self._updated_config(fields)  # validates before anything is sent
        terms = fields.get("keyterms_prompt")
        if terms is not None and (not isinstance(terms, (list, tuple)) or len(terms) > 100
                                  or not all(isinstance(t, str) for t in terms)):
            raise ConfigError("keyterms_prompt must be a list of at most 100 strings ([] clears it)")
        if "keyterms_prompt" in fields and terms is not None:
            fields = dict(fields, keyterms_prompt=list(terms))
        self._send_json({"type": "UpdateConfiguration", **fields})
        self.config = new_config

    def _mint_token(self, expires_in_seconds: int = 60) -> str:
        """A single-use temporary token for this session, minted with its key (a session
        given ``token=`` returns that token); the key itself never leaves this object."""
        if self._auth_is_token:
            return self.__auth
        return create_temporary_token(self.__auth, expires_in_seconds=expires_in_seconds, url=self.base_url,
                                      timeout=self.connect_timeout)

    def _send_json(self, message: dict) -> None:
        with self._send_lock:
            if not self.running or self._audio_closed or self._ws is None:
                raise StreamingError(f"cannot send {message['type']}: the session is not running")
            self._ws.send(json.dumps(message))

    # ------------------------------------------------------------------ transport
    def _open(self) -> None:
        import websocket

        if self.temporary_token:
            self.__auth = self._mint_token(60 if self.temporary_token is True else int(self.temporary_token))
            self._auth_is_token = True
            self.temporary_token = False  # single use: a new session mints its own
        ws = websocket.WebSocket(enable_multithread=True)
        try:
            ws.connect(self.url, header={"Authorization": self.__auth}, timeout=self.connect_timeout)
        except websocket.WebSocketBadStatusException as err:
            body = self._redact((err.resp_body or b"").decode("utf-8", "replace")).strip()[:300]
            if err.status_code in (401, 403):
                raise closed_error(1008, f"HTTP {err.status_code} at the handshake {body}".strip()) from err
            raise StreamingError(
                f"{self.base_url} refused the connection: HTTP {err.status_code} {body}".strip()) from err
        except (OSError, websocket.WebSocketException) as err:
            raise StreamingError(
                f"cannot connect to {self.base_url}: {self._redact(err)}. Check the network, or "
                "ASSEMBLYAI_STREAMING_URL if set."
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
                opcode, frame = _receive(ws)
                now = time.monotonic()
                if opcode == websocket.ABNF.OPCODE_TEXT:
                    self._on_text(frame.data, now)
                elif opcode == websocket.ABNF.OPCODE_CLOSE:
                    data = frame.data or b""
                    code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                    self._on_close(code, self._redact(data[2:].decode("utf-8", "replace")))
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

    def _redact(self, text) -> str:
        """`text` without the key or token (a server may echo it in an error or a close reason)."""
        text = str(text)
        for secret in (self.__auth, os.environ.get("ASSEMBLYAI_API_KEY", "").strip()):
            if secret and len(secret) >= 6:
                text = text.replace(secret, "***")
        return text

    def _on_text(self, data: bytes, now: float) -> None:
        if isinstance(data, (bytes, bytearray)):
            data = data.decode("utf-8", "replace")
        data = self._redact(data)
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
            if self._is_inactivity_close(event.code, event.error):
                return  # the server's inactivity timer: why the session ends (see _on_close), not an error
        elif isinstance(event, TurnEvent):
            decided = msg.get("x_decided_at_ms")
            stamp = decided if isinstance(decided, int) and not isinstance(decided, bool) else self.audio_clock_ms(now)
            event = replace(event, emitted_at_ms=stamp)
        self._emit(event)
        if isinstance(event, BeginEvent):
            self._check_begin(event)
            self._ready.set()
        elif isinstance(event, TerminationEvent):
            if self.server_inactivity_timeout and not self.terminate_sent:
                # the server ended it unasked: with inactivity_timeout set, that is its timer
                self._set_end(SessionEnd(SessionEnd.SERVER_INACTIVITY,
                                         f"server-side inactivity_timeout ({self.server_inactivity_timeout} s) fired"))
            self._set_end(SessionEnd(SessionEnd.SERVER_CLOSED, "the server ended the session (Termination)"))
            self._termination.set()

    def _check_begin(self, event: BeginEvent) -> None:
        """Set ``Begin.configuration`` beside what was asked; say what the service ignored or changed."""
        self.configuration = event.configuration
        self.ignored_params = compare_configuration(self.params, event.configuration)
        if self.ignored_params:
            text = ignored_text(self.ignored_params)
            log.info("streaming: %s", text)  # the WarningEvent is what a caller shows
            self._emit(WarningEvent(None, text, tuple(self.ignored_params), received_at=event.received_at))

    @property
    def _before_termination(self) -> bool:
        return not self._termination.is_set()

    def _is_inactivity_close(self, code: int | None, reason: str) -> bool:
        """3006 is also the server's inactivity timer (December 2026): a reason that says so, or,
        with ``inactivity_timeout`` set, any 3006 that does not name a bad message."""
        if code != 3006:
            return False
        text = (reason or "").lower()
        if "inactiv" in text and not text.startswith(("invalid message", "invalid json")):
            return True
        return bool(self.server_inactivity_timeout) and not text.startswith(("invalid", "see error"))

    def _on_close(self, code: int | None, reason: str) -> None:
        if code in (None, 1000, 1005):
            self._set_end(SessionEnd(SessionEnd.SERVER_CLOSED, reason or "closed by the server", code))
            return
        prior = self._server_error
        if prior is not None and (not reason or reason.startswith("See Error message")):
            reason = prior.error
        if self._is_inactivity_close(code, reason):
            wait = f" ({self.server_inactivity_timeout} s)" if self.server_inactivity_timeout else ""
            self._set_end(SessionEnd(SessionEnd.SERVER_INACTIVITY,
                                     f"inactivity (server): the service's inactivity_timeout{wait} elapsed"
                                     + (f": {reason}" if reason else ""), code),
                          override=self._before_termination)
            return
        if code == 1006:  # abnormal closure, reported by a browser's WebSocket: no close frame came
            error = StreamingError(f"the connection to {self.base_url} was lost without a close frame (1006). "
                                   "Check the network and start a new session.")
            self._set_end(SessionEnd(SessionEnd.CONNECTION_LOST, reason or "no close frame", code), error)
            self._emit(ErrorEvent(code, str(error), "", True, error, time.monotonic()))
            return
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

        if not self._claim_finish(end):
            return
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


def _receive(ws) -> tuple:
    """``(opcode, frame)`` of the next text, binary or close frame, as websocket-client's
    ``recv_data_frame`` gives them, except that a close frame is returned even when answering
    it fails: the library answers before returning the frame, and when the server has already
    hung up (it does, under load) that send raises and the server's close code was lost."""
    import websocket

    abnf = websocket.ABNF
    while True:
        frame = ws.recv_frame()
        if frame.opcode in (abnf.OPCODE_TEXT, abnf.OPCODE_BINARY, abnf.OPCODE_CONT):
            ws.cont_frame.validate(frame)
            ws.cont_frame.add(frame)
            if ws.cont_frame.is_fire(frame):
                return ws.cont_frame.extract(frame)
        elif frame.opcode == abnf.OPCODE_CLOSE:
            try:
                ws.send_close()
            except (OSError, websocket.WebSocketException) as err:  # the server hung up first: its code stands
                log.debug("streaming: answering the server's close failed (%s)", err)
            return frame.opcode, frame
        elif frame.opcode == abnf.OPCODE_PING:
            if len(frame.data) >= 126:
                raise websocket.WebSocketProtocolException("Ping message is too long")
            ws.pong(frame.data)
