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
  ``force_endpoint()`` or when the recording ends; a session stopped (``stop()``,
  inactivity, an error) leaves the open turn unfinished: no final is made up for it;
- ``Termination`` with the audio and session durations.

A two-party recording (a two-channel file, unless ``parties=False``: call centres
record one party per channel) gets one detector and one endpointer per channel,
so each party's turns are found on its own and carry ``speaker_label`` ``"ch0"``
or ``"ch1"`` (the offline backend's names); on a downmix, two people answering
each other within ``max_turn_silence`` would make one endless turn. Leak of one
party into the other's channel is not removed live (the offline backend does it
with the whole file, `turntune_nb.audio.crosstalk`).

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
from functools import partial
from pathlib import Path

import numpy as np

from .events import BeginEvent, SessionEnd, SpeechStartedEvent, TerminationEvent, TurnEvent
from .session import LiveSession, SessionOptions
from .sources import FileSource

__all__ = ("OfflineSession", "API_ONLY_OPTIONS")

#: Frame the detector is fed (ms): the resolution of the endpointing decisions.
STEP_MS = 10

#: Options only AssemblyAI's session takes; `open_session` drops them for this one.
API_ONLY_OPTIONS = ("api_key", "token", "streaming", "url", "speech_model", "server_inactivity_timeout",
                    "keyterms_prompt", "connect_timeout", "extra_params", "temporary_token", "mode",
                    "interruption_delay", "vad_threshold", "max_turn_duration", "speaker_labels", "max_speakers")


class _Party:
    """The endpointer's state for one speaker: a channel of a two-party recording, or the whole stream."""

    def __init__(self, label: str | None):
        self.label = label
        self.detector = None
        self.turn_start = None  # ms
        self.turn_end = None  # end of the last finished speech segment of the open turn
        self.partial_sent = False
        self.last_voiced = 0
        self.order = 0  # turn_order of the open turn


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
    parties : bool, optional
        For a recording given by path: keep a two-channel file's channels apart
        and find each party's turns on its own (``speaker_label`` ``"ch0"`` /
        ``"ch1"``). Default (None): so for every two-channel recording, as the
        offline backend analyses it (on a downmix, two parties answering each other
        within ``max_turn_silence`` make one endless turn: `turntune stream --offline`
        gave one turn for a whole call); False: the downmix, as AssemblyAI would hear it.
    **kwargs
        As `LiveSession`: ``options=SessionOptions(...)`` (its ``pacing_speed``: 1, the
        default, replays a recording in real time, as a microphone would deliver it;
        None runs as fast as the detector goes) and the callbacks.

    Examples
    --------
    >>> from turntune_nb.analysis.presets import StreamingConfig
    >>> from turntune_nb.live.session import SessionOptions
    >>> s = OfflineSession(StreamingConfig("X", 300, 700), "samples/synthetic/mono_pauses.ogg",
    ...                    options=SessionOptions(pacing_speed=None))
    >>> _ = s.start().wait()
    >>> [(t.start_ms, t.end_ms) for t in s.turns()]  # the 500 ms pause is inside a turn at 700 ms
    [(800, 5464), (6224, 8464), (9536, 10696)]
    >>> s.end_reason.kind
    'source_exhausted'
    """

    _kind = "offline"
    _max_channels = 2

    def __init__(self, config, source, *, vad_settings=None, parties: bool | None = None, **kwargs):
        if parties is not False and isinstance(source, (str, Path)) and str(source).lower() not in ("mic",
                                                                                                   "microphone"):
            rate = kwargs.get("sample_rate") or (kwargs.get("options") or SessionOptions()).sample_rate
            source = FileSource(source, sample_rate=rate, parties=True)
        super().__init__(config, source, **kwargs)
        self.vad_settings = vad_settings
        self.id = f"offline-{uuid.uuid4()}"
        self._force = threading.Event()
        self._parties: list[_Party] = []
        self._t0 = 0.0

    @property
    def speakers(self) -> tuple:
        """The parties' labels: ``("ch0", "ch1")`` for a two-party recording, ``(None,)`` otherwise."""
        return tuple(f"ch{i}" for i in range(self.channels)) if self.channels > 1 else (None,)

    # ------------------------------------------------------------------ controls
    def force_endpoint(self) -> None:
        """End the current turn (each party's) at the next 10 ms step."""
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
        self._parties = [_Party(label) for label in self.speakers]
        for party in self._parties:
            party.detector = SpeechDetector(self.sample_rate, settings,
                                            on_speech_start=partial(self._speech_started, party))
        self._fed = 0  # samples fed to each detector
        self._order = 0  # the next turn's turn_order (given when its speech starts)
        self._t0 = time.monotonic()
        self._emit(BeginEvent(self.id, None, received_at=self._t0))

    def _open_turn(self, party: _Party, start_ms: int) -> None:
        party.turn_start = start_ms
        party.order, self._order = self._order, self._order + 1

    def _speech_started(self, party: _Party, start_ms: int) -> None:
        self._note_activity()
        if party.turn_start is None:
            self._open_turn(party, start_ms)
            self._emit(SpeechStartedEvent(start_ms, None, received_at=time.monotonic()))
        party.partial_sent = False

    def _turn(self, party: _Party, final: bool, now_ms: int) -> None:
        end = party.turn_end if party.turn_end is not None else now_ms
        self._emit(TurnEvent(turn_order=party.order, end_of_turn=final, turn_is_formatted=final,
                             start_ms=party.turn_start, end_ms=end, speaker_label=party.label,
                             emitted_at_ms=now_ms, received_at=time.monotonic()))
        self._note_activity()
        if final:
            party.turn_start = party.turn_end = None
            party.partial_sent = False

    def _step(self, block: np.ndarray) -> None:
        """One 10 ms step: `block` is (channels, samples)."""
        for party, samples in zip(self._parties, block):
            for start, end in party.detector.process(samples):
                if party.turn_start is None:  # a run too short to announce: still speech
                    self._open_turn(party, start)
                party.turn_end = end
        self._fed += block.shape[1]
        # decisions on the 10 ms clock of the audio fed; the detector has seen all of it but the
        # part of a frame it is still filling (up to 32 ms for silero-lite), which cannot hold a
        # whole speech frame yet
        now = self._fed * 1000 // self.sample_rate
        force = self._force.is_set()
        if force:
            self._force.clear()
        for party in self._parties:
            det = party.detector
            # a run still open (even one not yet long enough to confirm) is not silence either; once
            # closed, its end is the segment's (placed on the energy, so earlier than the model's score)
            open_end = det.open_speech_end_ms
            party.last_voiced = 0 if open_end is None else open_end - self._hangover
            if party.turn_start is None:
                continue
            if force:
                self._turn(party, True, now)
                continue
            if det.in_speech or party.turn_end is None:
                continue
            silence = now - max(party.turn_end, party.last_voiced)
            if silence >= self.config.max_turn_silence:
                self._turn(party, True, now)
            elif silence >= self.config.min_turn_silence and not party.partial_sent:
                party.partial_sent = True
                self._turn(party, False, now)

    def _deliver(self, frame: bytes) -> bool:
        samples = np.frombuffer(frame, dtype="<i2").reshape(-1, self.channels).T
        step = self.sample_rate * STEP_MS // 1000
        for i in range(0, samples.shape[1], step):
            self._step(samples[:, i:i + step])
        return True

    def _send_loop(self) -> None:
        try:
            super()._send_loop()
        finally:
            try:
                # the recording ended: its open turns end with it (as the server's do after Terminate);
                # stopped (by you, inactivity, an error): an open turn stays unfinished, no final is made up
                exhausted = self.end_reason is not None and self.end_reason.kind == SessionEnd.SOURCE_EXHAUSTED
                for party in self._parties:
                    det = party.detector
                    for start, end in det.flush():
                        if party.turn_start is None:
                            self._open_turn(party, start)
                        party.turn_end = end
                    if exhausted and party.turn_start is not None:
                        self._turn(party, True, det.processed_ms)
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
