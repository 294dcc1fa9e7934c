"""Recording conditions: channel layout, bandwidth, speech level and SNR, and what was validated for them.

The offline backend (`turntune_nb.audio.offline`) scans each file once before it
looks for speech (`LayoutScan`: 10 ms levels per channel, the channels' sample
correlation, a long-term spectrum of the first minutes, each taken without the
channel's DC offset, which it measures too), so it knows

- the **channel layout** (`detect_layout`): ``"mono"``; ``"stereo"`` (one party per
  channel); ``"identical"`` (the same audio on both channels, a mono call saved as
  stereo: analysed as mono); ``"one-silent"`` (one channel holds nothing of its own,
  only noise or the other's leak: the other is analysed as mono);
  ``"multichannel"`` (more than two: downmixed);
- the **bandwidth** (`estimate_bandwidth`): telephone audio (about 4 kHz: 8 kHz
  sampling) has no energy above 4 kHz, whatever rate it is stored at; the speech
  detector then runs its 8 kHz model;

and, once the speech is found, the **speech level** and **SNR** (`measure_conditions`).
`accuracy_note` turns them into the sentence a transcript carries: the figures
validated for that condition (`VALIDATED`, measured by ``benchmarks/noise_eval.py``
and ``benchmarks/vad_eval.py``), or plainly that the file lies outside what was validated.

Examples
--------
>>> c = Conditions(layout="stereo", bandwidth_hz=4000, speech_level_db=-26.0, noise_level_db=-66.0)
>>> c.snr_db, c.telephone, condition_band(c)
(40.0, True, 'clean')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .levels import frame_levels_db

__all__ = ("Conditions", "LayoutScan", "detect_layout", "estimate_bandwidth", "measure_conditions",
           "condition_band", "accuracy_note", "VALIDATED", "LAYOUTS", "TELEPHONE_MAX_HZ")

LAYOUTS = ("mono", "stereo", "identical", "one-silent", "multichannel")
#: Audio whose spectrum stops at or below this is telephone audio (8 kHz sampling, band-limited to 3.4-4 kHz).
TELEPHONE_MAX_HZ = 4500
#: Frame of the level envelopes.
FRAME_MS = 10
#: The long-term spectrum is taken over this much of the start of the file (bandwidth does not change in a call).
SPECTRUM_MS = 300_000
#: The start of the file kept for the noise spectrum (`turntune_nb.audio.denoise`).
HEAD_MS = 60_000
#: Two channels whose samples correlate at least this much hold the same audio.
IDENTICAL_CORRELATION = 0.95
#: A frame is a channel's own activity when it is this far over the channel's floor while the other channel
#: has been quiet (under its floor + `OTHER_QUIET_DB`) for `LEAK_TAIL_MS` (its leak or echo has died away).
OWN_ACTIVITY_DB = 15.0
OTHER_QUIET_DB = 15.0
LEAK_TAIL_MS = 300
#: ... or while it is this much louder than the other channel has been over `LEAK_TAIL_MS` (the other then holds
#: at most its leak).
LOUDER_DB = 10.0
#: A channel with less own activity than this share of the file and `SILENT_MAX_MS` holds nobody.
SILENT_MAX_SHARE = 0.005
SILENT_MAX_MS = 500
#: Quieter than this counts as this (int16's quantisation noise is about -101 dBFS).
LEVEL_MIN_DB = -100.0


@dataclass
class LayoutScan:
    """What the pre-scan of a file gathers, block by block (`process`), for `detect_layout` and the bandwidth.

    Parameters
    ----------
    sample_rate : int
        Of the blocks fed.

    Attributes
    ----------
    levels : list of numpy.ndarray
        Per block, the 10 ms levels of each channel (dB re full scale), shaped ``(channels, n)``.
    """

    sample_rate: int = 16000

    def __post_init__(self):
        self.levels: list[np.ndarray] = []
        self._cross = np.zeros(3)               # sum x0*x1, x0^2, x1^2
        self._power = None                      # long-term power spectrum (sum), 512-point frames
        self._spectrum_frames = 0
        self._fed = 0
        self._head: list[np.ndarray] = []       # the first `HEAD_MS` of samples, for the noise spectrum
        self._sum = None                        # per channel: sum of the samples (the DC offset is their mean)

    def process(self, block: np.ndarray) -> None:
        """Add int16 samples shaped ``(channels, n)``; ``n`` a multiple of 10 ms keeps the frames aligned.

        Levels, correlation and spectrum are taken with the DC offset seen so far (`dc`, in whole samples)
        taken out.
        """
        hop = self.sample_rate * FRAME_MS // 1000
        whole = block.shape[1] // hop * hop
        sums = block.sum(axis=1, dtype=np.float64)
        self._sum = sums if self._sum is None or len(self._sum) != len(sums) else self._sum + sums
        x = block - np.round(self._sum / (self._fed + block.shape[1]))[:, None]   # float64
        self.levels.append(np.vstack([frame_levels_db(ch[:whole].reshape(-1, hop)) for ch in x]))
        if block.shape[0] == 2:
            self._cross += ((x[0] * x[1]).sum(), (x[0] ** 2).sum(), (x[1] ** 2).sum())
        if self._fed * 1000 < SPECTRUM_MS * self.sample_rate:
            frames = x.mean(axis=0)[: block.shape[1] // 512 * 512].reshape(-1, 512)
            if len(frames):
                power = np.abs(np.fft.rfft(frames * np.hanning(512), axis=1)) ** 2
                self._power = power.sum(axis=0) + (0 if self._power is None else self._power)
                self._spectrum_frames += len(frames)
        if self._fed * 1000 < HEAD_MS * self.sample_rate:
            self._head.append(block.copy())
        self._fed += block.shape[1]

    def head(self) -> np.ndarray:
        """The first `HEAD_MS` (or less) of samples, ``(channels, n)`` int16."""
        return np.concatenate(self._head, axis=1) if self._head else np.zeros((1, 0), np.int16)

    @property
    def fed_ms(self) -> int:
        """How much audio was fed."""
        return self._fed * 1000 // self.sample_rate

    @property
    def dc(self) -> np.ndarray:
        """The DC offset of each channel in whole samples: the mean of its samples so far, rounded (a sound
        card's bias; zero when none were fed). Every level would count it as sound: the offline backend takes it
        out before analysing."""
        return np.zeros(1) if self._sum is None else np.round(self._sum / max(self._fed, 1))

    @property
    def correlation(self) -> float | None:
        """Pearson correlation of the two channels' samples (None: not two channels, or one is all zeros)."""
        xy, xx, yy = self._cross
        return None if xx <= 0 or yy <= 0 else float(xy / np.sqrt(xx * yy))

    def bandwidth_hz(self) -> int | None:
        """`estimate_bandwidth` of the long-term spectrum (None before any full 32 ms frame)."""
        return None if self._power is None else estimate_bandwidth(self._power, self.sample_rate)

    def level_matrix(self) -> np.ndarray:
        """All 10 ms levels, ``(channels, frames)``."""
        return np.concatenate(self.levels, axis=1) if self.levels else np.zeros((1, 0))


def estimate_bandwidth(power: np.ndarray, sample_rate: int) -> int:
    """Where the long-term spectrum stops: the highest frequency (Hz, 250 Hz steps) whose band holds power
    within 45 dB of the strongest band between 300 and 3400 Hz.

    Examples
    --------
    >>> f = np.fft.rfftfreq(512, 1 / 16000)
    >>> estimate_bandwidth(np.where(f < 3800, 1.0, 1e-7), 16000)      # telephone audio stored at 16 kHz
    4000
    >>> estimate_bandwidth(np.where(f < 7000, 1.0, 1e-7) / (1 + f / 500), 16000)
    7000
    """
    freqs = np.fft.rfftfreq(2 * (len(power) - 1), 1 / sample_rate)
    edges = np.arange(0, sample_rate / 2 + 1, 250)
    bands = np.array([power[(freqs >= a) & (freqs < b)].mean() for a, b in zip(edges[:-1], edges[1:])]) + 1e-30
    db = 10 * np.log10(bands)
    speech = db[(edges[:-1] >= 250) & (edges[1:] <= 3500)].max()
    loud = np.flatnonzero(db >= speech - 45)
    return int(edges[loud[-1] + 1]) if len(loud) else int(sample_rate // 2)


def _floor(levels: np.ndarray) -> float:
    """The 10th percentile of the levels over digital silence (codecs and gates drop to it between words)."""
    sound = levels[levels > LEVEL_MIN_DB + 1]
    return float(np.percentile(sound, 10)) if len(sound) else LEVEL_MIN_DB


def _quiet_dilated(levels: np.ndarray) -> np.ndarray:
    """True where the channel has been quiet (floor + `OTHER_QUIET_DB`) for the last `LEAK_TAIL_MS`."""
    floor = _floor(levels)
    loud = (levels >= floor + OTHER_QUIET_DB).astype(np.int32)
    tail = LEAK_TAIL_MS // FRAME_MS
    recent = np.convolve(loud, np.ones(tail + 1, dtype=np.int32))[: len(loud)]   # loud in the last `tail` frames
    return recent == 0


def _recent_max(levels: np.ndarray) -> np.ndarray:
    """The loudest level over the current and the previous `LEAK_TAIL_MS` of frames."""
    tail = LEAK_TAIL_MS // FRAME_MS
    padded = np.concatenate([np.full(tail, levels.min() if len(levels) else LEVEL_MIN_DB), levels])
    return np.lib.stride_tricks.sliding_window_view(padded, tail + 1).max(axis=1)


def own_activity_ms(levels: np.ndarray) -> list[int]:
    """Per channel of a ``(2, n)`` level matrix: ms where it is `OWN_ACTIVITY_DB` over its floor while the other
    has been quiet, or while it is `LOUDER_DB` louder than the other has been (so it is neither the other's leak
    nor its echo).

    Examples
    --------
    >>> lv = np.full((2, 1000), -90.0)
    >>> lv[0, 100:400] = -20.0; lv[1, 110:410] = -50.0   # ch1 holds only ch0's leak, 30 dB down
    >>> lv[1, 600:700] = -60.0                          # ... and 1 s of its own, quiet
    >>> own_activity_ms(lv)
    [3000, 1000]
    """
    lv = np.maximum(levels, LEVEL_MIN_DB)
    out = []
    for ch in (0, 1):
        floor = _floor(lv[ch])
        alone = _quiet_dilated(lv[1 - ch]) | (lv[ch] >= _recent_max(lv[1 - ch]) + LOUDER_DB)
        own = (lv[ch] >= floor + OWN_ACTIVITY_DB) & alone
        out.append(int(own.sum()) * FRAME_MS)
    return out


def detect_layout(levels: np.ndarray, correlation: float | None) -> tuple[str, int | None, str]:
    """The channel layout of a file from its pre-scan.

    Parameters
    ----------
    levels : numpy.ndarray
        ``(channels, n)`` 10 ms levels, dB re full scale.
    correlation : float or None
        The two channels' sample correlation (`LayoutScan.correlation`).

    Returns
    -------
    layout : str
        One of `LAYOUTS`.
    channel : int or None
        For ``"one-silent"``, the channel that holds the speech.
    why : str
        What was measured, for the notes.

    Examples
    --------
    >>> detect_layout(np.zeros((2, 10)), 0.999)[0]
    'identical'
    """
    if levels.shape[0] == 1:
        return "mono", None, "one channel"
    if levels.shape[0] > 2:
        return "multichannel", None, f"{levels.shape[0]} channels"
    if correlation is not None and correlation >= IDENTICAL_CORRELATION:
        return "identical", None, f"the two channels' samples correlate at {correlation:.3f}"
    own = own_activity_ms(levels)
    limit = max(SILENT_MAX_MS, int(SILENT_MAX_SHARE * levels.shape[1] * FRAME_MS))
    silent = [ms < limit for ms in own]
    if silent[0] != silent[1]:
        quiet = silent.index(True)
        return "one-silent", 1 - quiet, (f"ch{quiet} holds {own[quiet] / 1000:.1f} s of sound of its own, under "
                                          f"{limit / 1000:.0f} s: noise or ch{1 - quiet}'s leak only")
    return "stereo", None, f"ch0 and ch1 hold {own[0] / 1000:.0f} s and {own[1] / 1000:.0f} s of sound of their own"


@dataclass(frozen=True, slots=True)
class Conditions:
    """The conditions a file was recorded in, as measured by the offline backend.

    Attributes
    ----------
    layout : str
        One of `LAYOUTS`.
    bandwidth_hz : int or None
        Where its spectrum stops (`estimate_bandwidth`).
    speech_level_db : float or None
        Mean power of the speech found, dB re full scale (the quietest party's, in stereo).
    noise_level_db : float or None
        Mean power outside speech, dB re full scale (floored at -100: int16's own noise).
    """

    layout: str
    bandwidth_hz: int | None = None
    speech_level_db: float | None = None
    noise_level_db: float | None = None

    def __post_init__(self):
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {self.layout!r}")

    @property
    def snr_db(self) -> float | None:
        """Speech over noise, dB (None when either is unknown)."""
        if self.speech_level_db is None or self.noise_level_db is None:
            return None
        s, n = 10 ** (self.speech_level_db / 10), 10 ** (self.noise_level_db / 10)
        return round(float(10 * np.log10(max(s - n, 1e-12) / n)), 1)

    @property
    def telephone(self) -> bool:
        """True for telephone bandwidth (about 4 kHz)."""
        return self.bandwidth_hz is not None and self.bandwidth_hz <= TELEPHONE_MAX_HZ

    def describe(self) -> str:
        """One line: layout, bandwidth, level, SNR."""
        bw = "unknown" if self.bandwidth_hz is None else (
            f"{self.bandwidth_hz / 1000:.1f} kHz" + (" (telephone)" if self.telephone else ""))
        level = "unknown" if self.speech_level_db is None else f"{self.speech_level_db:.0f} dBFS"
        snr = "unknown" if self.snr_db is None else f"{self.snr_db:.0f} dB"
        return f"layout {self.layout}, bandwidth {bw}, speech level {level}, SNR {snr}"

    def as_dict(self) -> dict:
        """The measured values, for tables and RTTM comments."""
        return {"layout": self.layout, "bandwidth_hz": self.bandwidth_hz, "speech_level_db": self.speech_level_db,
                "noise_level_db": self.noise_level_db, "snr_db": self.snr_db}


def _power_db(levels: np.ndarray) -> float | None:
    if not len(levels):
        return None
    return round(float(10 * np.log10(np.mean(10 ** (np.maximum(levels, LEVEL_MIN_DB) / 10)))), 1)


def measure_conditions(levels: np.ndarray, segments: list, layout: str, bandwidth_hz: int | None) -> Conditions:
    """Speech level and SNR from 10 ms levels and the speech found on each channel.

    Parameters
    ----------
    levels : numpy.ndarray
        ``(channels, n)`` 10 ms levels of the channels analysed (one row per list in `segments`).
    segments : list of lists of (start_ms, end_ms)
        Speech found per channel.
    layout : str
    bandwidth_hz : int or None

    Returns
    -------
    Conditions
        Speech level and noise of the channel with the lowest SNR (the hardest party).

    Examples
    --------
    >>> lv = np.full((1, 200), -60.0); lv[0, 50:150] = -20.0
    >>> c = measure_conditions(lv, [[(500, 1500)]], "mono", 8000)
    >>> c.speech_level_db, c.noise_level_db, round(c.snr_db)
    (-20.0, -60.0, 40)
    """
    speech = np.zeros(levels.shape, dtype=bool)
    for ch, segs in enumerate(segments):
        for a, b in segs:
            speech[ch, a // FRAME_MS: -(-b // FRAME_MS)] = True
    anyone = speech.any(axis=0)
    best = None
    for ch in range(levels.shape[0]):
        s = _power_db(levels[ch][speech[ch]])
        rest = levels[ch][~anyone] if (~anyone).any() else np.sort(levels[ch])[: levels.shape[1] // 10]
        n = _power_db(rest)
        if s is None or n is None:
            continue
        c = Conditions(layout, bandwidth_hz, s, n)
        if best is None or c.snr_db < best.snr_db:
            best = c
    return best or Conditions(layout, bandwidth_hz)


#: The figures validated per band of measured SNR (`Conditions.snr_db`, as this module measures it), by
#: benchmarks/noise_eval.py: the 3 shared two-channel SpokenWOZ calls as recorded (measured 29-34 dB), with white
#: noise or babble at 20 dB (measured 18-21 dB) and at 10 dB (8-18 dB), and the 10 AMI meeting clips likewise.
#: Per band: missed speech and false alarm (% of reference speech; the worse of white noise and babble), speaker
#: changes recall / precision (%, calls), and the meetings' missed / false alarm.
VALIDATED = {
    "clean": {"snr_db": (25, None), "missed": 1.1, "false_alarm": 0.4, "recall": 100, "precision": 99,
              "meetings": (4.2, 2.3), "data": "3 real two-channel phone calls as recorded"},
    "noisy": {"snr_db": (15, 25), "missed": 11.2, "false_alarm": 0.0, "recall": 99, "precision": 99,
              "meetings": (7.1, 17.6), "data": "the same calls with white noise or babble at 20 dB SNR"},
    "very noisy": {"snr_db": (10, 15), "missed": 14.3, "false_alarm": 12.8, "recall": 47, "precision": 30,
                   "meetings": (19.7, 36.5), "data": "the same calls with white noise or babble at 10 dB SNR"},
}


def condition_band(conditions: Conditions) -> str | None:
    """The `VALIDATED` band a file's SNR falls in; None outside all of them (or SNR unknown)."""
    snr = conditions.snr_db
    if snr is None:
        return None
    for name, v in VALIDATED.items():
        lo, hi = v["snr_db"]
        if snr >= lo and (hi is None or snr < hi):
            return name
    return None


def accuracy_note(conditions: Conditions, detector: str = "silero-lite") -> str:
    """How far to trust the speech found in a file recorded in these conditions (a transcript note).

    Examples
    --------
    >>> accuracy_note(Conditions("stereo", 4000, -30.0, -36.0)).split(": OUTSIDE")[0]
    'conditions: layout stereo, bandwidth 4.0 kHz (telephone), speech level -30 dBFS, SNR 5 dB'
    >>> "OUTSIDE" in accuracy_note(Conditions("stereo", 4000, -30.0, -36.0))
    True
    """
    head = f"conditions: {conditions.describe()}"
    band = condition_band(conditions)
    if detector != "silero-lite":
        return f"{head}: the {detector} detector was validated on clean audio only (benchmarks/vad_eval.py)"
    if band is None:
        return (f"{head}: OUTSIDE every validated condition (speech at least 10 dB over the noise): speech found and "
                "speaker changes may be badly wrong; treat this file's figures as rough")
    v = VALIDATED[band]
    lo, hi = v["snr_db"]
    rng = f"SNR {lo} dB and over" if hi is None else f"SNR {lo}-{hi} dB"
    return (f"{head}: validated in this condition ({band}, {rng}; {v['data']}): up to about {v['missed']:g} % of "
            f"the speech missed, {v['false_alarm']:g} % added, speaker changes {v['recall']:g} % recalled and "
            f"{v['precision']:g} % precise on two-channel calls; on meetings (AMI clips, mono) "
            f"{v['meetings'][0]:g} % missed and {v['meetings'][1]:g} % added (benchmarks/noise_eval.py)")
