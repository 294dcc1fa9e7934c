"""The offline endpointer: live turns with no key and no network.

`OfflineSession` has the same interface and events as `StreamingSession`
(``start``/``stop``/``wait``, context manager, ``on_begin``/``on_turn``/...,
``end_reason``, ``force_endpoint``, ``update_configuration``), but instead of
sending the audio to AssemblyAI it runs the offline speech detector
(`turntune_nb.audio.vad.SpeechDetector`, WebRTC by default) over the source as it
arrives and applies the configuration's silence thresholds as a silence-only
endpointer:

- ``Begin`` when the session starts; ``SpeechStarted`` when a speech run is
  confirmed;
- a partial ``Turn`` once the silence after speech reaches ``min_turn_silence``;
- the final ``Turn`` (``end_of_turn``) once it reaches ``max_turn_silence``
  (speech resuming before that continues the same turn), or at once on
  ``force_endpoint()`` or at the end of the session;
- ``Termination`` with the audio and session durations.

Turns carry timing only (``start_ms``/``end_ms`` from the stream start, no words,
empty transcript); ``emitted_at_ms`` says how far into the audio each was
decided, so ``emitted_at_ms - end_ms`` is the endpointing latency the settings
cause. `turntune_nb.pipeline.open_session` picks this session when no API key is configured.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace

import numpy as np

from .events import BeginEvent, SessionEnd, SpeechStartedEvent, TerminationEvent, TurnEvent
from .session import LiveSession

__all__ = ("OfflineSession", "API_ONLY_OPTIONS")

#: Frame the detector is fed (ms): the resolution of the endpointing decisions.
STEP_MS = 10

#: Options only AssemblyAI's session takes; `open_session` drops them for this one.
API_ONLY_OPTIONS = ("api_key", "token", "url", "speech_model", "server_inactivity_timeout", "keyterms_prompt",
             "connect_timeout", "extra_params", "temporary_token", "mode", "interruption_delay", "vad_threshold")


class OfflineSession(LiveSession):
    """A live-looking session driven by the offline speech detector.

    Parameters
    ----------
    config : StreamingConfig, dict or path
        ``min_turn_silence`` (partial) and ``max_turn_silence`` (end of turn), ms.
    source : AudioSource, path, "mic", bytes, array or iterable
    vad_settings : turntune_nb.audio.vad.VADSettings, optional
        The detector's settings; its ``min_silence_ms`` is capped at
        ``min_turn_silence`` minus the detector's hangover, so that silences are
        noticed in time.
    pacing_speed : float or None
        1 (default) replays a recording in real time, as a microphone would
        deliver it; None runs as fast as the detector goes.
    **kwargs
        As `StreamingSession` (callbacks, ``inactivity_timeout_s``, ``save_wav``).

    Examples
    --------
    >>> from turntune_nb.analysis.presets import StreamingConfig
    >>> s = OfflineSession(StreamingConfig("X", 300, 700), "samples/synthetic/mono_pauses.ogg", pacing_speed=None)
    >>> _ = s.start().wait()
    >>> [(t.start_ms, t.end_ms) for t in s.turns()]  # the 500 ms pause is inside a turn at 700 ms
    [(800, 5464), (6224, 8464), (9536, 10696)]
    >>> s.end_reason.kind
    'source_exhausted'
    """

    _kind = "offline"

    def __init__(self, config, source, *, vad_settings=None, **kwargs):
        super().__init__(config, source, **kwargs)
        self.vad_settings = vad_settings
        self.id = f"offline-{uuid.uuid4()}"
        self._force = threading.Event()
        self._detector = None
        self._t0 = 0.0

    # ------------------------------------------------------------------ controls
    def force_endpoint(self) -> None:
        """End the current turn at the next 10 ms step."""
        self._force.set()

    def update_configuration(self, **fields) -> None:
        """Change ``min_turn_silence`` / ``max_turn_silence`` for the rest of the session.

        Raises
        ------
        ConfigError
            An unknown field, or thresholds out of range / min above max.
        """
        self.config = self._updated_config(fields)  # validates; read at every step

    # ------------------------------------------------------------------ the endpointer
    def _open(self) -> None:
        from ..audio.vad import HANGOVER_MS, SpeechDetector, VADSettings

        settings = self.vad_settings or VADSettings()
        hangover = settings.hangover_ms if settings.hangover_ms is not None else HANGOVER_MS[settings.detector]
        # a segment end is known min_silence_ms (+ the detector's hangover) after it: keep that
        # under min_turn_silence so that the partial is not late
        cap = max(STEP_MS, min(settings.min_silence_ms, self.config.min_turn_silence - hangover))
        self._hangover = hangover
        settings = replace(settings, min_silence_ms=cap)
        self._detector = SpeechDetector(self.sample_rate, settings, on_speech_start=self._speech_started)
        self._turn_start = None  # ms
        self._turn_end = None  # end of the last finished speech segment of the open turn
        self._partial_sent = False
        self._last_voiced = 0
        self._fed = 0  # samples fed to the detector
        self._order = 0
        self._t0 = time.monotonic()
        self._emit(BeginEvent(self.id, None, received_at=self._t0))

    def _speech_started(self, start_ms: int) -> None:
        self._note_activity()
        if self._turn_start is None:
            self._turn_start = start_ms
            self._emit(SpeechStartedEvent(start_ms, None, received_at=time.monotonic()))
        self._partial_sent = False

    def _turn(self, final: bool, now_ms: int) -> None:
        end = self._turn_end if self._turn_end is not None else now_ms
        self._emit(TurnEvent(turn_order=self._order, end_of_turn=final, turn_is_formatted=final,
                             start_ms=self._turn_start, end_ms=end, emitted_at_ms=now_ms,
                             received_at=time.monotonic()))
        self._note_activity()
        if final:
            self._order += 1
            self._turn_start = self._turn_end = None
            self._partial_sent = False

    def _step(self, samples: np.ndarray) -> None:
        det = self._detector
        for start, end in det.process(samples):
            if self._turn_start is None:  # a run too short to announce: still speech
                self._turn_start = start
            self._turn_end = end
        self._fed += len(samples)
        # decisions on the 10 ms clock of the audio fed; the detector has seen all of it but the
        # part of a frame it is still filling (up to 32 ms for silero-lite), which cannot hold a
        # whole speech frame yet
        now = self._fed * 1000 // self.sample_rate
        # a run still open (even one not yet long enough to confirm) is not silence either; once
        # closed, its end is the segment's (placed on the energy, so earlier than the model's score)
        open_end = det.open_speech_end_ms
        self._last_voiced = 0 if open_end is None else open_end - self._hangover
        if self._turn_start is None:
            return
        if self._force.is_set():
            self._force.clear()
            self._turn(True, now)
            return
        if det.in_speech or self._turn_end is None:
            return
        silence = now - max(self._turn_end, self._last_voiced)
        if silence >= self.config.max_turn_silence:
            self._turn(True, now)
        elif silence >= self.config.min_turn_silence and not self._partial_sent:
            self._partial_sent = True
            self._turn(False, now)

    def _deliver(self, frame: bytes) -> bool:
        samples = np.frombuffer(frame, dtype="<i2")
        step = self.sample_rate * STEP_MS // 1000
        for i in range(0, samples.size, step):
            self._step(samples[i:i + step])
        return True

    def _send_loop(self) -> None:
        try:
            super()._send_loop()
        finally:
            try:
                det = self._detector
                for start, end in det.flush():
                    if self._turn_start is None:
                        self._turn_start = start
                    self._turn_end = end
                if self._turn_start is not None:  # like the server after Terminate: flush the open turn
                    self._turn(True, det.processed_ms)
                self._emit(TerminationEvent(round(self.stats.audio_ms / 1000),
                                            round(time.monotonic() - self._t0), received_at=time.monotonic()))
            finally:
                self._stop_sending.set()
                self._closed.set()

    def _finish(self, end: SessionEnd, wait: bool = True) -> None:
        self._set_end(end)
        self._stop_sending.set()
        if wait and threading.current_thread() not in self._threads:
            self._closed.wait(self.terminate_timeout)
