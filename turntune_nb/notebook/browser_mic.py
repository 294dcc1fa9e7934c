"""`BrowserMicrophone`: the microphone of the browser showing the notebook, as a live source.

The kernel's own microphone (PyAudio) is the server's: on a remote JupyterLab, a
JupyterHub or Colab it has none. This widget (an ``anywidget``; its browser half
is ``browser_mic.js``) captures the page's microphone with the Web Audio API,
resamples it to 16 kHz PCM16 in an AudioWorklet and cuts 50 ms chunks; then

- **with AssemblyAI** (`BrowserStreamingSession`): the kernel mints a single-use
  temporary token (`turntune_nb.assemblyai.tokens`) and the browser streams
  straight to AssemblyAI's WebSocket with ``?token=`` (no audio round trip through
  the kernel, which stalls while a cell runs). The browser forwards every server
  message to the kernel, where the same parsing as `StreamingSession` turns them
  into events: the `LiveTurns` panel, the inactivity stop and ``session.turns()``
  work as with PyAudio. The API key stays in the kernel: never in the page, the
  widget state or the notebook file;
- **without a key** (`BrowserOfflineSession`): the chunks come to the kernel as
  binary widget messages and feed the offline endpointer through a `PushSource`.
  Back-pressure both ways: the browser keeps at most ``max_in_flight`` chunks
  un-acknowledged (a busy kernel acknowledges nothing), the kernel queue holds at
  most ``max_queue_ms``; past either a chunk is dropped and counted
  (``dropped_ms``, shown in the panel), never silently.

``getUserMedia`` exists only in a secure context (https, or http://localhost):
elsewhere the widget says so (`media_available` is False). Works where anywidget
does: JupyterLab 4, Notebook 7, VS Code's notebooks; on Colab, third-party widgets
need ``google.colab.output.enable_custom_widget_manager()`` first, and the page is
https, so the microphone is allowed once the user grants it.

Comm handlers run on the kernel's main thread, between cells: start and stop never
wait there for the browser (a session ends on a background thread), and a cell
that blocks (``panel.wait()``) holds the browser's messages until it returns.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from importlib.resources import files

import anywidget
import traitlets

from ..assemblyai.streaming import StreamingSession
from ..assemblyai.tokens import streaming_url_with_token
from ..errors import NoMicrophoneError, StreamingError
from ..live.endpointer import API_ONLY_OPTIONS, OfflineSession
from ..live.events import SessionEnd
from ..live.sources import CHUNK_MS, SAMPLE_RATE, PushSource

__all__ = ("BrowserMicrophone", "BrowserStreamingSession", "BrowserOfflineSession", "SECURE_CONTEXT_NOTE")

log = logging.getLogger(__name__)

#: Shown when the page cannot open a microphone.
SECURE_CONTEXT_NOTE = (
    "The browser offers no microphone here: getUserMedia needs a secure context (https://, or "
    "http://localhost / 127.0.0.1). Open JupyterLab over https or through an SSH tunnel to localhost, "
    "or replay a recording instead."
)


class BrowserMicrophone(anywidget.AnyWidget):
    """The browser's microphone as a live source (see the module docstring).

    Display it (or a `LiveTurns` panel holding it), then open a session on it::

        mic = BrowserMicrophone()
        panel = LiveTurns(source=mic)        # Start: AssemblyAI with a key, else offline
        session = mic.open_session(config)   # or by hand

    Attributes (synced from the browser)
    ------------------------------------
    status : str
    media_available : bool or None
        None until the page has rendered the widget; False without a secure context.
    capture_rate : int
        The page's AudioContext rate (Hz) before resampling.
    chunks_sent, browser_dropped_ms
        What the page sent, and dropped under back-pressure.
    """

    _esm = files("turntune_nb") / "notebook" / "browser_mic.js"
    status = traitlets.Unicode("idle").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    media_available = traitlets.Bool(None, allow_none=True).tag(sync=True)
    secure_context = traitlets.Bool(None, allow_none=True).tag(sync=True)
    capture_rate = traitlets.Int(0).tag(sync=True)
    chunks_sent = traitlets.Int(0).tag(sync=True)
    browser_dropped_ms = traitlets.Float(0.0).tag(sync=True)

    def __init__(self, *, max_in_flight: int = 40, max_queue_ms: int = 5000, **kwargs):
        super().__init__(**kwargs)
        self.max_in_flight = int(max_in_flight)
        self.max_queue_ms = int(max_queue_ms)
        self.session = None
        self._source: PushSource | None = None
        self._acked = 0
        self.on_msg(self._on_browser_msg)

    # ------------------------------------------------------------------ sessions
    def open_session(self, config, offline: bool | None = None, **kwargs):
        """A session (not started) on this microphone: `BrowserStreamingSession` when an
        API key is configured (or ``offline=False``), `BrowserOfflineSession` otherwise.

        ``kwargs`` as `StreamingSession` / `OfflineSession` (callbacks, ``speech_model``,
        ``inactivity_timeout_s``...); the API-only ones are dropped for the offline one.

        Raises
        ------
        NoMicrophoneError
            The page reported no ``getUserMedia`` (not a secure context).
        """
        from ..pipeline import resolve_backend

        if self.media_available is False:
            raise NoMicrophoneError(SECURE_CONTEXT_NOTE)
        if offline is None:
            offline = resolve_backend("auto", kwargs.get("api_key") or kwargs.get("token")) == "offline"
        if offline:
            session = BrowserOfflineSession(config, self, **{k: v for k, v in kwargs.items()
                                                              if k not in API_ONLY_OPTIONS})
        else:
            kwargs.pop("vad_settings", None)
            session = BrowserStreamingSession(config, self, **kwargs)
        return session

    @property
    def dropped_ms(self) -> float:
        """Audio dropped under back-pressure so far: in the page plus in the kernel's queue."""
        return float(self.browser_dropped_ms) + (self._source.dropped_ms if self._source is not None else 0.0)

    # ------------------------------------------------------------------ to the browser
    def _command(self, **content) -> None:
        self.send(content)

    def _start_kernel_capture(self, session, source: PushSource) -> None:
        self.session, self._source, self._acked = session, source, 0
        self._command(cmd="start", target="kernel", chunk_ms=CHUNK_MS, sample_rate=SAMPLE_RATE,
                      max_in_flight=self.max_in_flight)

    def _start_relay(self, session, url: str) -> None:
        self.session, self._source = session, None
        self._command(cmd="start", target="assemblyai", url=url, chunk_ms=CHUNK_MS, sample_rate=SAMPLE_RATE)

    # ------------------------------------------------------------------ from the browser (kernel main thread)
    def _on_browser_msg(self, _widget, content, buffers) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        session = self.session
        if kind == "audio":
            source = self._source
            if source is not None and buffers:
                source.push(bytes(buffers[0]))
            seq = int(content.get("seq", 0))
            if seq - self._acked >= 5:
                self._acked = seq
                self._command(cmd="ack", seq=seq)
        elif kind == "error":
            if session is not None:
                session._browser_failed(str(content.get("error", "the browser could not open the microphone")))
        elif session is not None and hasattr(session, "_from_browser"):
            session._from_browser(kind, content)
        elif kind == "ended" and self._source is not None:
            self._source.end()


class BrowserStreamingSession(StreamingSession):
    """An AssemblyAI session whose audio goes from the browser straight to the service.

    The kernel mints a temporary token (``token_expires_s``), builds the WebSocket
    URL from the config (the same parameters `StreamingSession` sends) and hands it
    to the page; the page's messages come back through the widget and become the
    same events. ``stop()`` returns at once (the browser sends ``Terminate``; a
    background thread waits for ``Termination``), so it is safe from a button.
    """

    _kind = "browser streaming"

    def __init__(self, config, microphone: BrowserMicrophone, *, token_expires_s: int = 60, **kwargs):
        self.microphone = microphone
        self.token_expires_s = int(token_expires_s)
        self._audio_ms_at_message = 0
        kwargs.pop("pacing_speed", None)
        super().__init__(config, PushSource(name="browser microphone"), **kwargs)
        self.source_label = "browser microphone"

    def audio_clock_ms(self, at: float) -> int:
        """How much audio the page had sent when the message reached it (ms)."""
        return int(self._audio_ms_at_message)

    def _open(self) -> None:
        token = self._mint_token(self.token_expires_s)
        self.microphone._start_relay(self, streaming_url_with_token(token, self.params, self.base_url))
        self._spawn(self._watch_begin, "begin")

    def _watch_begin(self) -> None:
        if self._ready.wait(self.connect_timeout) and (self._begun.is_set() or self._closed.is_set()):
            return
        self._browser_failed(f"no Begin from {self.base_url} through the browser within {self.connect_timeout:g} s "
                             "(is the widget displayed in the page?)")

    def _browser_failed(self, detail: str) -> None:
        error = StreamingError(f"browser microphone: {self._redact(detail)}")
        self._set_end(SessionEnd(SessionEnd.SOURCE_ERROR, str(error)), error)
        self._end_now()

    def _from_browser(self, kind: str, content: dict) -> None:
        if kind == "server":
            self._audio_ms_at_message = int(content.get("audio_ms") or 0)
            data = content.get("data", "")
            self.stats.bytes = self._audio_ms_at_message * self.sample_rate // 1000 * 2
            if self.stats.first_send is None:
                self.stats.first_send = time.monotonic()
            self._on_text(data if isinstance(data, str) else json.dumps(data), time.monotonic())
        elif kind == "closed":
            code = content.get("code")
            self._on_close(None if code in (None, 1005) else int(code), self._redact(str(content.get("reason", ""))))
            self._end_now()

    def _end_now(self) -> None:
        self._audio_closed = True
        self._stop_sending.set()
        self._termination.set()
        self.source.end()
        self._closed.set()
        self._ready.set()

    def _deliver(self, frame: bytes) -> bool:  # the kernel never holds the audio
        return True

    def _abort(self) -> None:
        self.microphone._command(cmd="stop")

    def _finish(self, end: SessionEnd, wait: bool = True) -> None:
        if not self._claim_finish(end):
            return
        self._audio_closed = True
        self.source.end()
        if self._closed.is_set():
            return
        self.microphone._command(cmd="terminate")
        self.terminate_sent = True
        self._spawn(self._close_after_terminate, "closer")

    def _close_after_terminate(self) -> None:
        if not self._termination.wait(self.terminate_timeout):
            log.warning("browser streaming: no Termination within %.1f s of Terminate; closing", self.terminate_timeout)
        if not self._closed.wait(2.0):
            self._abort()
            self._end_now()

    def stop(self, timeout: float = 10.0) -> SessionEnd | None:
        """End the session without waiting for the browser (safe from a button click)."""
        if self._started:
            self._finish(SessionEnd(SessionEnd.STOPPED, "stopped by the user"))
        return self.end_reason


class BrowserOfflineSession(OfflineSession):
    """The offline endpointer fed by the page's microphone through widget messages."""

    _kind = "browser offline"

    def __init__(self, config, microphone: BrowserMicrophone, **kwargs):
        self.microphone = microphone
        kwargs.pop("pacing_speed", None)
        super().__init__(config, PushSource(name="browser microphone", max_ms=microphone.max_queue_ms), **kwargs)
        self.source_label = "browser microphone"

    def _open(self) -> None:
        super()._open()
        self.microphone._start_kernel_capture(self, self.source)

    def _browser_failed(self, detail: str) -> None:
        error = StreamingError(f"browser microphone: {detail}")
        self._set_end(SessionEnd(SessionEnd.SOURCE_ERROR, str(error)), error)
        self.source.end()

    def _finish(self, end: SessionEnd, wait: bool = True) -> None:
        self._set_end(end)
        self.microphone._command(cmd="stop")
        self.source.end()  # the endpointer reads what is queued, then ends
        on_main = threading.current_thread() is threading.main_thread()
        super()._finish(end, wait=wait and not on_main)
