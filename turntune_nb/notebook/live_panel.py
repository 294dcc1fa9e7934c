"""`LiveTurns`: a live or replayed session rendered as it happens.

An ``ipywidgets.VBox`` subclass; the session runs in its own threads and its
callbacks update the panel only by setting widget values (never ``with
output:``). Works without a browser: build it, click Start from Python, wait,
and read its state.
"""

from __future__ import annotations

import html
import threading
import time
from importlib.resources import files

import ipywidgets as W
import traitlets

from ..analysis.presets import PRESETS, StreamingConfig

__all__ = ("LiveTurns", "SAMPLE_RECORDING", "microphone_available")

#: A short two-person recording replayed when the kernel has no microphone.
SAMPLE_RECORDING = files("turntune_nb") / "data" / "sample_conversation.opus"


def microphone_available() -> bool:
    """True when PyAudio imports and reports a default input device."""
    try:
        import pyaudio
    except ImportError:
        return False
    pa = pyaudio.PyAudio()
    try:
        pa.get_default_input_device_info()
        return True
    except (OSError, IOError):
        return False
    finally:
        pa.terminate()


#: How the panel names each way a session ends (the two inactivity rules told apart).
_END_LABELS = {
    "inactivity": "inactivity (client-side rule)",
    "server_inactivity": "inactivity (server-side inactivity_timeout)",
}


def _clock(ms) -> str:
    if ms is None:
        return "?"
    s = ms / 1000
    return f"{int(s // 60):02d}:{s % 60:04.1f}"


class LiveTurns(W.VBox):
    """Start and stop a live session and watch its turns as they happen.

    The session runs in its own threads; its callbacks update this panel only by
    setting widget values, so the panel stays responsive and safe. Starting again
    after a stop opens a new session in the same kernel.

    Parameters
    ----------
    config : StreamingConfig, optional
        The turn-detection setting (default: the Balanced preset).
    source : "auto", "mic", "browser", a `BrowserMicrophone`, a path, or any source `StreamingSession` takes
        ``"auto"``: the kernel's microphone (PyAudio) when it has one, otherwise the
        microphone of the browser showing the notebook (`BrowserMicrophone`, shown in
        the panel; remote JupyterLab, JupyterHub, Colab). ``"sample"``: a bundled
        recording replayed in real time.
    offline : bool, optional
        Force the offline endpointer (True) or the API (False); default: the API
        when a key is configured, the offline endpointer otherwise.
    inactivity_timeout_s : float, optional
        End the session after this long without a new turn (None: never).
    session_factory : callable, optional
        ``factory(config, source, **kwargs) -> session``; defaults to
        `turntune_nb.pipeline.open_session`. Tests pass their own.
    **session_kwargs
        Passed to the session (``speech_model``, ``api_key``, ``url``...).
    """

    state = traitlets.Unicode("idle")  # idle, connecting, running, ended

    def __init__(self, config: StreamingConfig | None = None, source="auto", *, offline: bool | None = None,
                 inactivity_timeout_s: float | None = 10.0, session_factory=None, **session_kwargs):
        self.config = config or PRESETS["balanced"]
        self.source_choice = source
        self.offline = offline
        self.inactivity_timeout_s = inactivity_timeout_s
        self.session_factory = session_factory
        self.session_kwargs = session_kwargs
        self.session = None
        self.final_turns: list = []
        self.partial_text = ""
        self.end_reason = None
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self._ticking = threading.Event()
        self._started_at = 0.0
        self._begun = False

        self.start_button = W.Button(description="Start", button_style="success", icon="play")
        self.stop_button = W.Button(description="Stop", button_style="danger", icon="stop", disabled=True)
        self.status = W.HTML("<span class='turntune-status'>idle</span>")
        self.partial = W.HTML()
        self.finals = W.HTML()
        self.reason = W.HTML()
        self.microphone = self._browser_microphone(source)
        super().__init__()
        self.add_class("turntune-live")
        self.children = [W.HBox([self.start_button, self.stop_button, self.status]), self.partial, self.finals,
                         self.reason] + ([self.microphone] if self.microphone is not None else [])
        if self.microphone is not None:  # the page reports whether it may open a microphone at all
            self.microphone.observe(self._on_media_available, names="media_available")
        self.start_button.on_click(lambda _b: self.start())
        self.stop_button.on_click(lambda _b: self.stop())
        self._render_finals()

    # ------------------------------------------------------------------ control
    def _browser_microphone(self, source):
        from .browser_mic import BrowserMicrophone

        if isinstance(source, BrowserMicrophone):
            return source
        if isinstance(source, str) and (source == "browser" or (source == "auto" and not microphone_available())):
            return BrowserMicrophone()
        return None

    def _on_media_available(self, change):
        from .browser_mic import SECURE_CONTEXT_NOTE

        if change["new"] is False:
            self.reason.value = f"<div class='turntune-mic-note'>{html.escape(SECURE_CONTEXT_NOTE)}</div>"

    def _resolve_source(self):
        if self.microphone is not None:
            return self.microphone, "browser microphone"
        if isinstance(self.source_choice, str) and self.source_choice == "sample":
            return str(SAMPLE_RECORDING), f"sample recording ({SAMPLE_RECORDING.name})"
        if not (isinstance(self.source_choice, str) and self.source_choice == "auto"):
            return self.source_choice, str(self.source_choice)
        return "mic", "microphone"

    def start(self):
        """Open a new session and start streaming (a running one is stopped first)."""
        if self.session is not None and self.state in ("connecting", "running"):
            self.stop()
        from ..live.endpointer import OfflineSession
        from ..pipeline import open_session

        source, label = self._resolve_source()
        factory = self.session_factory or open_session
        if self.microphone is not None and self.session_factory is None:
            factory = lambda config, _source, **kw: self.microphone.open_session(config, **kw)  # noqa: E731
        with self._lock:
            self.final_turns, self.partial_text, self.end_reason, self._begun = [], "", None, False
        self.partial.value, self.reason.value = "", ""
        self._render_finals()
        kwargs = dict(self.session_kwargs, inactivity_timeout_s=self.inactivity_timeout_s,
                      on_begin=self._on_begin, on_turn=self._on_turn,
                      on_termination=self._on_termination, on_error=self._on_error)
        if self.session_factory is None:
            kwargs["offline"] = self.offline
        try:
            self.session = factory(self.config, source, **kwargs)
        except Exception as err:  # a missing key or microphone is shown, not raised into the kernel
            self.state = "ended"
            self.reason.value = f"<b>Could not start:</b> {html.escape(str(err))}"
            return None
        self.mode = "offline endpointer" if isinstance(self.session, OfflineSession) else "AssemblyAI streaming"
        if self.microphone is not None:
            self.mode += " (audio " + ("straight from the browser" if self.mode.startswith("Assembly")
                                       else "through the kernel") + ")"
        self.source_label = label
        self.state = "connecting"
        self.start_button.disabled, self.stop_button.disabled = True, False
        self._started_at = time.monotonic()
        self._ticking.clear()
        self._ticker = threading.Thread(target=self._tick, name="liveturns-status", daemon=True)
        self._ticker.start()
        try:
            self.session.start()
        except Exception as err:
            self._finish(f"could not start: {err}")
            return None
        return self.session

    def stop(self, timeout: float = 10.0):
        """End the session (Terminate is sent, Termination awaited)."""
        if self.session is not None:
            self.session.stop(timeout)
            self._finish()
        return self.end_reason

    def wait(self, timeout: float | None = None):
        """Block until the session ends; return why it ended."""
        if self.session is None:
            return self.end_reason
        self.session.wait(timeout, raise_error=False)
        if not self.session.running:
            self._finish()
        return self.end_reason

    # ------------------------------------------------------------------ callbacks (session threads)
    def _on_begin(self, event):
        self._begun = True
        self.state = "running"

    def _on_turn(self, event):
        text = event.transcript or ""
        if event.end_of_turn:
            with self._lock:
                if self.final_turns and self.final_turns[-1].turn_order == event.turn_order:
                    self.final_turns[-1] = event  # a formatted final replaces the unformatted one
                else:
                    self.final_turns.append(event)
                self.partial_text = ""
            self.partial.value = ""
            self._render_finals()
        else:
            self.partial_text = text or f"… speaking since {_clock(event.start_ms)}"
            self.partial.value = (f"<div class='turntune-partial' style='color:#666'><i>"
                                  f"{html.escape(self.partial_text)}</i></div>")

    def _on_termination(self, event):
        self._finish()

    def _on_error(self, event):
        if not getattr(event, "fatal", True):
            self.reason.value = f"<span style='color:#a60'>callback error: {html.escape(event.error)}</span>"

    # ------------------------------------------------------------------ rendering
    def _render_finals(self):
        with self._lock:
            turns = list(self.final_turns)
        items = []
        for t in turns:
            when = f"{_clock(t.start_ms)}–{_clock(t.end_ms)}"
            if t.transcript:
                body = html.escape(t.transcript)
            else:
                lag = (f", ended {t.emitted_at_ms - t.end_ms} ms after the speech"
                       if t.emitted_at_ms is not None and t.end_ms is not None else "")
                body = f"<i>speech{lag}</i>"
            items.append(f"<li class='turntune-final' data-turn='{t.turn_order}'><b>{when}</b> {body}</li>")
        self.finals.value = (f"<div><b>Final turns ({len(turns)})</b><ol class='turntune-finals'>"
                             + "".join(items) + "</ol></div>")

    def _status_text(self) -> str:
        now = time.monotonic()
        parts = [f"<b>{html.escape(self.state)}</b>"]
        if self.session is not None:
            parts.append(html.escape(getattr(self, "mode", "")))
            parts.append(html.escape(getattr(self, "source_label", "")))
            parts.append(f"{now - self._started_at:.0f} s elapsed")
            left = self.session.inactivity_remaining_s() if self.state in ("connecting", "running") else None
            if left is not None:
                parts.append(f"{left:.0f} s left before the inactivity stop")
            if self.microphone is not None and self.microphone.dropped_ms:
                parts.append(f"{self.microphone.dropped_ms:.0f} ms of audio dropped (the kernel was busy)")
        return "<span class='turntune-status'>" + " · ".join(p for p in parts if p) + "</span>"

    def _tick(self):
        while not self._ticking.wait(0.5):
            self.status.value = self._status_text()
            session = self.session
            if session is not None and not session.running and self._begun:
                self._finish()
                return

    def _finish(self, detail: str | None = None):
        session = self.session
        with self._lock:
            if self.state == "ended" and self.end_reason is not None:
                return
        end = getattr(session, "end_reason", None) if session is not None else None
        if end is None and session is not None and session.running:
            return  # a Termination arrived; the session is still closing
        self._ticking.set()
        self.end_reason = end
        self.state = "ended"
        self.start_button.disabled, self.stop_button.disabled = False, True
        why = detail or (_END_LABELS.get(end.kind, end.kind) + (f" (code {end.code})" if getattr(end, "code", None) else "")
                         + (f": {end.detail}" if getattr(end, "detail", "") else "") if end else "ended")
        error = getattr(session, "error", None)
        extra = f"<br><span style='color:#a00'>{html.escape(str(error))}</span>" if error else ""
        self.reason.value = f"<div class='turntune-end'>Session ended: <b>{html.escape(why)}</b>{extra}</div>"
        self.status.value = self._status_text()
