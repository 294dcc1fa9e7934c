"""`LiveTurns`: a live or replayed session rendered as it happens.

An ``ipywidgets.VBox`` subclass; the session runs in its own threads and its
callbacks update the panel only by setting widget values (never ``with
output:``). Works without a browser: build it, click Start from Python, wait,
and read its state.

What it shows: the words of the turn under way as they come (AssemblyAI's
partials), a turn timeline (`turntune_nb.notebook.timeline.timeline_svg`: one
lane per speaker, a bar per final turn, a tick where the endpointer fired, the
turn under way, the inactivity countdown), the final turns, and why the session ended in plain words
(`end_reason_text`: Stop is "stopped by you", never a final turn). A recording
replayed offline is replayed one party per channel when it has two, so both
parties' turns appear.
"""

from __future__ import annotations

import html
import threading
import time
from dataclasses import replace
from importlib.resources import files

import ipywidgets as W
import pandas as pd
import traitlets

from ..analysis.presets import PRESETS, StreamingConfig
from .timeline import TimelineTurn, timeline_svg
from .timeline import clock as _clock

__all__ = ("LiveTurns", "TurnsTable", "SAMPLE_RECORDING", "microphone_available", "end_reason_text",
           "first_partial_wait_ms", "setting_text")

#: A short two-person recording replayed when the kernel has no microphone.
SAMPLE_RECORDING = files("turntune_nb") / "data" / "sample_conversation.opus"


class TurnsTable(pd.DataFrame):
    """`LiveTurns.turns_table`: a DataFrame (numbers stay numbers) shown with an em dash where a
    value is missing (a turn the end of the audio closed has no fire and no wait), never ``<NA>``."""

    @property
    def _constructor(self):
        return TurnsTable

    def _repr_html_(self) -> str:
        shown = pd.DataFrame(self).astype(object)
        return shown.mask(shown.isna(), "\N{EM DASH}").to_html(notebook=True, border=0)


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
    except OSError:
        return False
    finally:
        pa.terminate()


def end_reason_text(end) -> str:
    """Why a session ended, in the words the panel shows.

    Examples
    --------
    >>> from turntune_nb.live.events import SessionEnd
    >>> end_reason_text(SessionEnd("stopped", "stopped by the user"))
    'stopped by you'
    >>> end_reason_text(SessionEnd("server_inactivity", "", 3006))
    'inactivity (server): its inactivity_timeout elapsed (code 3006)'
    >>> end_reason_text(SessionEnd("server_error", "Unauthorized", 1008))
    'error: the server closed the session (code 1008): Unauthorized'
    """
    if end is None:
        return "ended"
    kind, detail = end.kind, getattr(end, "detail", "") or ""
    code = f"code {end.code}" if getattr(end, "code", None) is not None else ""
    if kind == "stopped":
        return "stopped by you" if detail in ("", "stopped by the user") else f"stopped: {detail}"
    if kind == "inactivity":
        return "inactivity (client-side rule)" + (f": {detail}" if detail else "")
    if kind == "server_inactivity":
        return "inactivity (server): its inactivity_timeout elapsed" + (f" ({code})" if code else "")
    if kind == "source_exhausted":
        return "the audio ended" + (f" ({detail})" if detail else "")
    if kind == "server_closed":
        return "closed by the server" + (f" ({code})" if code else "") + (f": {detail}" if detail else "")
    what = {"source_error": "the audio source failed", "server_error": "the server closed the session",
            "connection_lost": "the connection was lost"}.get(kind, kind)
    return f"error: {what}" + (f" ({code})" if code else "") + (f": {detail}" if detail else "")


def first_partial_wait_ms(config, speech_model=None, configuration: dict | None = None) -> dict | None:
    """How long a U3 Pro turn's speech lasts before its first partial can come: the
    ``interruption_delay`` in force plus the server's fixed 256 ms
    (`turntune_nb.analysis.surface.SERVER_INTERRUPTION_DELAY_MS`). It delays the first
    words shown, not the end of the turn (AssemblyAI's docs tie it to the first partial
    and barge-in, not to the end-of-turn decision). None for a model without it.

    The delay in force is the one ``Begin.configuration`` echoes, else the config's,
    else the preset's the config starts from.

    Examples
    --------
    >>> from turntune_nb.analysis.presets import StreamingConfig
    >>> first_partial_wait_ms(StreamingConfig("x", 128, 1280, mode="balanced"))
    {'interruption_delay': 500, 'server': 256, 'total': 756}
    >>> first_partial_wait_ms(StreamingConfig("x", 128, 640, mode="min_latency"))["total"]
    256
    >>> first_partial_wait_ms(StreamingConfig("x", 400, 1280), "universal-streaming-english") is None
    True
    """
    from ..analysis import surface

    model = (configuration or {}).get("speech_model") or speech_model or getattr(config, "speech_model", None)
    if not surface.is_u3_pro(model):
        return None
    delay = (configuration or {}).get("interruption_delay")
    if delay is None:
        delay = config.interruption_delay
    if delay is None:
        delay = surface.base_preset(model, config.mode, bool(config.speaker_labels)).interruption_delay
    server = surface.SERVER_INTERRUPTION_DELAY_MS
    return {"interruption_delay": int(delay), "server": server, "total": int(delay) + server}


def setting_text(config, speech_model=None, configuration: dict | None = None) -> str:
    """The setting a panel shows: model, silences and, on U3 Pro, the wait before a turn's first
    partial (see `first_partial_wait_ms`), from ``Begin.configuration`` when the service sent it.

    Examples
    --------
    >>> from turntune_nb.analysis.presets import StreamingConfig
    >>> print(setting_text(StreamingConfig("x", 128, 1280, mode="balanced"), "universal-3-6-pro"))
    ... # doctest: +NORMALIZE_WHITESPACE
    universal-3-6-pro, mode balanced: silence 128-1280 ms; first partial after 756 ms of speech
    (interruption_delay 500 + 256 ms the server adds; not part of the end-of-turn wait)
    """
    conf = configuration or {}
    model = conf.get("speech_model") or speech_model
    mode = conf.get("mode", config.mode)
    lo = conf.get("min_turn_silence", config.min_turn_silence)
    hi = conf.get("max_turn_silence", config.max_turn_silence)
    head = ", ".join(p for p in (model, f"mode {mode}" if mode else "",
                                 "speaker labels" if conf.get("speaker_labels", config.speaker_labels) else "") if p)
    text = (f"{head}: " if head else "") + f"silence {lo}-{hi} ms"
    wait = first_partial_wait_ms(config, model, configuration) if model else None
    if wait is not None:
        text += (f"; first partial after {wait['total']} ms of speech (interruption_delay "
                 f"{wait['interruption_delay']} + {wait['server']} ms the server adds; "
                 "not part of the end-of-turn wait)")
    return text


class LiveTurns(W.VBox):
    """Start and stop a live session and watch its turns as they happen.

    The session runs in its own threads; its callbacks update this panel only by
    setting widget values, so the panel stays responsive and safe. Starting again
    after a stop opens a new session in the same kernel.

    Shown: the status line (mode, source, elapsed, seconds left before the
    inactivity stop), the setting in force (``setting``: model, silences and, on the
    U3 Pro models, how long a turn's speech lasts before its first partial:
    ``interruption_delay`` + the server's 256 ms, which delays the first words, not
    the end of the turn; from ``Begin.configuration`` once the service sent it), what
    the service ignored or changed of the setting (``notes``), the words of each turn
    under way as they come (``words``, with how far into the turn the first ones came),
    the turn timeline (``timeline``, see `timeline_svg`), the final turns
    (``finals``) and why the session ended (``reason``, see `end_reason_text`).
    A turn the service closes only because the session was ending (Stop, or an
    inactivity stop; AssemblyAI finalises the open turn on Terminate) is listed
    apart in ``unfinished_turns``, not as a final turn the endpointer decided.

    Parameters
    ----------
    config : StreamingConfig, optional
        The turn-detection setting (default: the Balanced preset).
    source : "auto", "mic", "browser", a `BrowserMicrophone`, a path, or any source `StreamingSession` takes
        ``"auto"``: the kernel's microphone (PyAudio) when it has one, otherwise the
        microphone of the browser showing the notebook (`BrowserMicrophone`, shown in
        the panel; remote JupyterLab, JupyterHub, Colab). ``"sample"``: a bundled
        two-party recording replayed in real time. A two-channel recording replayed by
        the offline endpointer is replayed one party per channel (``ch0``, ``ch1``).
    offline : bool, optional
        Force the offline endpointer (True) or the API (False); default: the API
        when a key is configured, the offline endpointer otherwise.
    inactivity_timeout_s : float, optional
        End the session after this long without a new turn (None: never).
    session_factory : callable, optional
        ``factory(config, source, **kwargs) -> session``; defaults to
        `turntune_nb.pipeline.open_session`. Tests pass their own.
    **session_kwargs
        Passed to the session: ``api_key``, ``streaming=StreamingOptions(...)`` (URL,
        speech model...), ``options=SessionOptions(...)`` (pacing...; its
        ``inactivity_timeout_s`` is the panel's).
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
        self.unfinished_turns: list = []
        self.partials: dict = {}  # speaker -> the latest partial TurnEvent of its turn under way
        self.first_partial_ms: dict = {}  # (speaker, turn_order) -> ms of speech before its first partial
        self.warnings: list = []  # WarningEvents: what the service ignored or changed
        self._audio_closed: set = set()  # (speaker, turn_order) of finals closed by the end of the audio
        self.partial_text = ""
        self.end_reason = None
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self._ticking = threading.Event()
        self._started_at = 0.0
        self._begun = False
        self._stopping = False

        self.start_button = W.Button(description="Start", button_style="success", icon="play",
                                     tooltip="start the session")
        self.stop_button = W.Button(description="Stop", button_style="danger", icon="stop", disabled=True,
                                    tooltip="end the session (the turn under way stays unfinished)")
        self.status = W.HTML("<span class='turntune-status'>idle</span>")
        self.setting = W.HTML()
        self.notes = W.HTML()
        self.words = W.HTML()
        self.partial = self.words  # the name older code used
        self.timeline = W.HTML()
        self.finals = W.HTML()
        self.reason = W.HTML()
        self.microphone = self._browser_microphone(source)
        super().__init__()
        self.add_class("turntune-live")
        self.children = [W.HBox([self.start_button, self.stop_button, self.status]), self.setting, self.notes,
                         self.words, self.timeline,
                         self.finals, self.reason] + ([self.microphone] if self.microphone is not None else [])
        if self.microphone is not None:  # the page reports whether it may open a microphone at all
            self.microphone.observe(self._on_media_available, names="media_available")
        self.start_button.on_click(lambda _b: self.start())
        self.stop_button.on_click(lambda _b: self.stop())
        self._render()

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
        from ..live.session import SessionOptions
        from ..pipeline import open_session

        source, label = self._resolve_source()
        factory = self.session_factory or open_session
        if self.microphone is not None and self.session_factory is None:
            factory = lambda config, _source, **kw: self.microphone.open_session(config, **kw)  # noqa: E731
        with self._lock:
            self.final_turns, self.unfinished_turns, self.partials, self._audio_closed = [], [], {}, set()
            self.first_partial_ms, self.warnings = {}, []
            self.partial_text, self.end_reason, self._begun, self._stopping = "", None, False, False
        self.reason.value = self.notes.value = self.setting.value = ""
        self.session = None
        self._render()
        options = replace(self.session_kwargs.get("options") or SessionOptions(),
                          inactivity_timeout_s=self.inactivity_timeout_s)
        kwargs = dict(self.session_kwargs, options=options, on_begin=self._on_begin, on_turn=self._on_turn,
                      on_termination=self._on_termination, on_error=self._on_error, on_warning=self._on_warning)
        if self.session_factory is None:
            kwargs["offline"] = self.offline
            if self.microphone is None:
                kwargs["parties"] = True  # a two-channel recording, replayed offline: each party's turns
        try:
            self.session = factory(self.config, source, **kwargs)
        except Exception as err:  # a missing key or microphone is shown, not raised into the kernel
            self.state = "ended"
            self.reason.value = f"<b>Could not start:</b> {html.escape(str(err))}"
            return None
        self.mode = "offline endpointer" if isinstance(self.session, OfflineSession) else "AssemblyAI streaming"
        self._show_setting()
        if isinstance(self.session, OfflineSession) and getattr(self.session, "channels", 1) == 2:
            self.mode += " (one party per channel)"
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
        """End the session (Terminate is sent, Termination awaited): "stopped by you".

        The turn under way is not a final turn: it stays unfinished (a final the
        service sends for it while closing goes to ``unfinished_turns``)."""
        if self.session is not None:
            self._stopping = True
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

    @property
    def end_text(self) -> str:
        """Why the session ended, in words ("" while it runs)."""
        return end_reason_text(self.end_reason) if self.state == "ended" else ""

    def turns_table(self):
        """The final turns as a table: speaker, start, end, where the endpointer fired, the
        wait after the speech (ms), what ended the turn (the endpointer, or the end of the
        audio before its wait was over: no fire, no wait), the text; readable column names
        (`turntune_nb.analysis.display`)."""
        from ..analysis.display import readable

        with self._lock:
            ended = [self.ended_by(t) for t in self.final_turns]
        rows = [{"speaker": t.speaker or "", "start_ms": t.start_ms, "end_ms": t.end_ms, "fired_at_ms": t.fired_ms,
                 "wait_ms": None if t.fired_ms is None or t.end_ms is None else t.fired_ms - t.end_ms,
                 "ended_by": by, "text": t.text} for t, by in zip(self._timeline_turns(), ended)]
        frame = pd.DataFrame(rows, columns=["speaker", "start_ms", "end_ms", "fired_at_ms", "wait_ms", "ended_by",
                                            "text"])
        table = readable(frame.astype({c: "Int64" for c in ("start_ms", "end_ms", "fired_at_ms", "wait_ms")}))
        return TurnsTable(table)

    # ------------------------------------------------------------------ callbacks (session threads)
    def _show_setting(self, configuration: dict | None = None) -> None:
        session = self.session
        config = getattr(session, "config", None) or self.config
        text = setting_text(config, getattr(session, "speech_model", None), configuration)
        self.setting.value = f"<div class='turntune-setting'>Setting: {html.escape(text)}</div>"

    def _on_begin(self, event):
        self._begun = True
        self.state = "running"
        if getattr(event, "configuration", None):
            self._show_setting(event.configuration)

    def _on_warning(self, event):
        with self._lock:
            self.warnings.append(event)
            notes = [w.warning for w in self.warnings]
        self.notes.value = "".join(f"<div class='turntune-note' style='color:var(--jp-warn-color1, #a60)'>"
                                   f"Note: {html.escape(n)}</div>" for n in notes)

    def _closing(self) -> bool:
        """True once the session is ending for a reason other than the end of the audio."""
        end = getattr(self.session, "end_reason", None)
        return self._stopping or (end is not None and end.kind != "source_exhausted")

    def _on_turn(self, event):
        speaker = event.speaker_label
        with self._lock:
            if event.end_of_turn:
                same = [i for i, t in enumerate(self.final_turns)
                        if t.turn_order == event.turn_order and t.speaker_label == speaker]
                if same:  # a formatted final replaces the unformatted one, even after Stop
                    self.final_turns[same[-1]] = event
                else:
                    target = self.unfinished_turns if self._closing() else self.final_turns
                    if target is self.final_turns and self._closed_by_audio_end(event):
                        self._audio_closed.add((speaker, event.turn_order))
                    if target and target[-1].turn_order == event.turn_order and target[-1].speaker_label == speaker:
                        target[-1] = event
                    else:
                        target.append(event)
                self.partials.pop(speaker, None)
            else:
                self.partials[speaker] = event
                key = (speaker, event.turn_order)
                if (key not in self.first_partial_ms and event.emitted_at_ms is not None
                        and event.start_ms is not None):
                    self.first_partial_ms[key] = int(event.emitted_at_ms) - int(event.start_ms)
            self.partial_text = " ".join(p.transcript for p in self.partials.values() if p.transcript)
        self._render()

    def _closed_by_audio_end(self, event) -> bool:
        """A final that came because the audio ran out, before the endpointer's wait was over."""
        end = getattr(self.session, "end_reason", None)
        if end is None or end.kind != "source_exhausted" or event.end_ms is None:
            return False
        fired = self._fired_ms(event)
        return fired is None or fired - event.end_ms < self.session.config.max_turn_silence

    def _on_termination(self, event):
        self._finish()

    def _on_error(self, event):
        if not getattr(event, "fatal", True):
            self.reason.value = (f"<span style='color:var(--jp-warn-color1, #a60)'>callback error: "
                                 f"{html.escape(event.error)}</span>")

    # ------------------------------------------------------------------ rendering
    def _fired_ms(self, t) -> int | None:
        """Where in the audio the endpointer decided a turn: the offline endpointer says so;
        for a service, the audio streamed when the end of turn arrived (+ the 50 ms frame)."""
        if t.emitted_at_ms is not None:
            return int(t.emitted_at_ms)
        stats = getattr(self.session, "stats", None)
        first = getattr(stats, "first_send", None)
        if not t.received_at or first is None:
            return None
        speed = getattr(self.session, "pacing_speed", 1.0) or 1.0
        return int(round((t.received_at - first) * speed * 1000)) + 50

    def _timeline_turns(self) -> list:
        with self._lock:
            turns = list(self.final_turns)
        return [TimelineTurn(t.speaker_label, t.start_ms or 0, t.end_ms if t.end_ms is not None else t.start_ms or 0,
                             None if self.ended_by(t) != "endpointer" else self._fired_ms(t), t.turn_order,
                             t.transcript or "") for t in turns]

    def ended_by(self, turn) -> str:
        """``"endpointer"``, or ``"end of the audio"`` for a final the audio's end closed early."""
        return "end of the audio" if (turn.speaker_label, turn.turn_order) in self._audio_closed else "endpointer"

    def _now_ms(self) -> int:
        stats = getattr(self.session, "stats", None)
        return int(stats.audio_ms) if stats is not None else 0

    def _render(self):
        self._render_words()
        self._render_timeline()
        self._render_finals()

    def _render_words(self):
        with self._lock:
            partials = dict(self.partials)
            firsts = dict(self.first_partial_ms)
        lines = []
        for speaker, p in partials.items():
            first = firsts.get((speaker, p.turn_order))
            lag = (f" <small class='turntune-first-partial'>(first words {first} ms into the turn)</small>"
                   if first is not None else "")
            who = f"<b>{html.escape(speaker)}</b> " if speaker else ""
            if p.words:
                body = " ".join(f"<span class='turntune-word' data-start='{w.start_ms}'>{html.escape(w.text)}</span>"
                                for w in p.words)
            elif p.transcript:
                body = html.escape(p.transcript)
            else:
                body = f"… speaking since {_clock(p.start_ms)}, silent since {_clock(p.end_ms)}"
            lines.append(f"<div class='turntune-partial' style='opacity:0.75'>{who}<i>{body}</i>{lag}</div>")
        self.words.value = "".join(lines)

    def _render_timeline(self):
        if self.session is None:  # idle: nothing to draw yet
            self.timeline.value = ""
            return
        now = self._now_ms()
        with self._lock:
            open_turns = [TimelineTurn(sp, p.start_ms or 0, max(p.end_ms or 0, now)) for sp, p in self.partials.items()
                          if p.start_ms is not None]
        left = None
        if self.session is not None and self.state in ("connecting", "running") and self.inactivity_timeout_s:
            remaining = self.session.inactivity_remaining_s()
            left = None if remaining is None else (remaining, float(self.inactivity_timeout_s))
        self.timeline.value = ("<div class='turntune-timeline-box' style='overflow-x:auto'>"
                               + timeline_svg(self._timeline_turns(), open_turns=open_turns, now_ms=now,
                                              countdown=left) + "</div>")

    def _render_finals(self):
        with self._lock:
            turns, unfinished = list(self.final_turns), list(self.unfinished_turns)
        if self.session is None and not turns:  # idle
            self.finals.value = ""
            return
        items = []
        for t in turns:
            when = f"{_clock(t.start_ms)}–{_clock(t.end_ms)}"
            who = f"<b>{html.escape(t.speaker_label)}</b> " if t.speaker_label else ""
            if t.transcript:
                body = html.escape(t.transcript)
            elif self.ended_by(t) != "endpointer":
                body = "<i>speech, closed by the end of the audio (before the endpointer's wait was over)</i>"
            else:
                lag = (f", ended {t.emitted_at_ms - t.end_ms} ms after the speech"
                       if t.emitted_at_ms is not None and t.end_ms is not None else "")
                body = f"<i>speech{lag}</i>"
            items.append(f"<li class='turntune-final' data-turn='{t.turn_order}'><b>{when}</b> {who}{body}</li>")
        extra = "".join(f"<li class='turntune-unfinished'><i>unfinished when the session ended:</i> "
                        f"{html.escape(t.transcript or 'speech')}</li>" for t in unfinished)
        self.finals.value = (f"<div><b>Final turns ({len(turns)})</b><ol class='turntune-finals'>"
                             + "".join(items) + "</ol>" + (f"<ul>{extra}</ul>" if extra else "") + "</div>")

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
            self._render_timeline()
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
        why = detail or end_reason_text(end)
        error = getattr(session, "error", None)
        extra = ""
        if error:
            extra = f"<br><span style='color:var(--jp-error-color1, #a00)'>{html.escape(str(error))}</span>"
        self.reason.value = f"<div class='turntune-end'>Session ended: <b>{html.escape(why)}</b>{extra}</div>"
        self.status.value = self._status_text()
        self._render()
