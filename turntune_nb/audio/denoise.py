"""Stationary noise taken out before speech detection: a streaming spectral (Wiener-like) filter.

White noise, hum, fan or line noise 10-20 dB under the speech lowers Silero's scores
on quiet syllables and lifts the noise floor the gate and the segment edges are measured
from, so speech is missed. `NoiseReducer` subtracts the noise's power spectrum, estimated
per file by `estimate_noise_psd` (a low percentile of each frequency bin over the file's
start, corrected for the spread of noise power), frame by frame:

- 32 ms frames (512 samples at 16 kHz) every 16 ms, square-root Hann windows on analysis
  and synthesis (their product sums to one at 50 % overlap, so with no noise the
  output is the input, delayed by 16 ms and given back on time by `process`);
- gain per bin ``max(1 - OVER * N / P, FLOOR)``: ``OVER`` over-subtracts to keep the
  residual from sounding speech-like, ``FLOOR`` keeps a little of every bin.

The offline backend runs it only on files whose measured noise is loud enough to matter
(`turntune_nb.audio.offline`); ``benchmarks/noise_eval.py`` measures what it changes.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> noise = (rng.standard_normal(32000) * 300).astype(np.int16)
>>> red = NoiseReducer(estimate_noise_psd(noise[None, :])[0])
>>> out = np.concatenate([red.process(noise[:16000]), red.process(noise[16000:]), red.flush()])
>>> len(out), bool(np.std(out[1000:-1000]) < 0.5 * np.std(noise))
(32000, True)
"""

from __future__ import annotations

import numpy as np

from .crosstalk import trim_segments

__all__ = ("NoiseReducer", "estimate_noise_psd", "level_spread_db", "drop_background", "NOISY_SPREAD_DB",
           "BACKGROUND_DB", "trim_background")

FRAME = 512
HOP = 256
#: Over-subtraction and spectral floor of the gain.
OVER = 2.0
FLOOR = 0.1
#: The noise of a bin is this percentile of its power over frames, divided by `_P10_OF_MEAN`: for noise whose
#: bins are complex Gaussian (power exponentially distributed), the 10th percentile is -ln(0.9) = 0.105 of the mean.
PERCENTILE = 10
_P10_OF_MEAN = -np.log(0.9)
_WINDOW = np.sqrt(np.hanning(FRAME + 1)[:FRAME]).astype(np.float64)


def _frames(x: np.ndarray) -> np.ndarray:
    n = (len(x) - FRAME) // HOP + 1
    if n <= 0:
        return np.zeros((0, FRAME))
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(n)[:, None]
    return x[idx]


def estimate_noise_psd(samples: np.ndarray) -> np.ndarray:
    """Per channel, the noise power per frequency bin (``(channels, FRAME // 2 + 1)``) of int16 samples.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> psd = estimate_noise_psd((rng.standard_normal((1, 160000)) * 1000).astype(np.int16))
    >>> # white noise of variance 1000^2: each bin's mean power is sum(window^2) * 1000^2 = 256 * 1e6
    >>> 0.8 < float(np.median(psd) / 2.56e8) < 1.25
    True
    """
    out = []
    for ch in np.atleast_2d(samples):
        f = _frames(ch.astype(np.float64))
        if not len(f):
            out.append(np.zeros(FRAME // 2 + 1))
            continue
        power = np.abs(np.fft.rfft(f * _WINDOW, axis=1)) ** 2
        out.append(np.percentile(power, PERCENTILE, axis=0) / _P10_OF_MEAN)
    return np.vstack(out)


class NoiseReducer:
    """Streaming spectral subtraction for one channel: int16 in, int16 out, same length overall.

    Parameters
    ----------
    noise_psd : numpy.ndarray
        The noise's power per bin (`estimate_noise_psd`), ``FRAME // 2 + 1`` values.
    """

    def __init__(self, noise_psd: np.ndarray):
        self.noise = np.asarray(noise_psd, dtype=np.float64)
        self._in = np.zeros(FRAME - HOP)       # the last FRAME - HOP input samples
        self._out = np.zeros(FRAME - HOP)      # overlap-add tail
        self._delay = FRAME - HOP              # output lags input by this many samples at first
        self._fed = self._given = 0

    def process(self, chunk: np.ndarray) -> np.ndarray:
        """Filter a chunk; returns as many samples as given, except the first call's lead (given back by `flush`)."""
        self._fed += len(chunk)
        x = np.concatenate([self._in, chunk.astype(np.float64)])
        f = _frames(x)
        used = len(f) * HOP
        spec = np.fft.rfft(f * _WINDOW, axis=1)
        power = np.abs(spec) ** 2 + 1e-9
        gain = np.maximum(1.0 - OVER * self.noise / power, FLOOR)
        y = np.fft.irfft(spec * gain, n=FRAME, axis=1) * _WINDOW
        acc = np.zeros(used + FRAME - HOP)
        acc[: FRAME - HOP] = self._out
        for i, frame in enumerate(y):
            acc[i * HOP: i * HOP + FRAME] += frame
        self._in = x[used:]
        self._out = acc[used:]
        ready = acc[:used]
        if self._delay:
            cut = min(self._delay, len(ready))
            ready, self._delay = ready[cut:], self._delay - cut
        self._given += len(ready)
        return np.clip(np.round(ready), -32768, 32767).astype(np.int16)

    def flush(self) -> np.ndarray:
        """The samples still held, so that the output is exactly as long as the input (end of stream)."""
        owed, fed = self._fed - self._given, self._fed
        rest = self.process(np.zeros(FRAME, dtype=np.int16))
        self._fed = fed
        self._given -= len(rest) - owed
        return rest[:owed]


#: A channel whose loud frames (95th percentile of 10 ms levels) stand less than this over its quiet ones (10th
#: percentile) is noisy: the offline backend subtracts its noise and drops background speech (`drop_background`).
#: Measured on the shared calls: clean 41-62 dB, white noise at 20 dB SNR about 25, at 10 dB about 15; AMI clips 30-46.
NOISY_SPREAD_DB = 28.0
#: On a noisy channel, a speech segment whose loud frames (90th percentile) are this far under the channel's usual
#: speech (the duration-weighted median of its segments' 90th percentiles) is background talk (babble), dropped.
BACKGROUND_DB = 12.0


def level_spread_db(levels: np.ndarray) -> float:
    """95th minus 10th percentile of a channel's 10 ms levels (dB), digital silence left out.

    Examples
    --------
    >>> level_spread_db(np.array([-60.0] * 50 + [-20.0] * 50))
    40.0
    """
    sound = levels[levels > -99]
    return float(np.percentile(sound, 95) - np.percentile(sound, 10)) if len(sound) else 0.0


def drop_background(segments: list, levels: np.ndarray, below_db: float = BACKGROUND_DB) -> tuple[list, list]:
    """Segments whose loudest frames are `below_db` under the channel's usual speech: (kept, dropped).

    Parameters
    ----------
    segments : list of (start_ms, end_ms)
    levels : numpy.ndarray
        The channel's 10 ms levels, dB re full scale.

    Examples
    --------
    >>> lv = np.full(300, -70.0); lv[0:100] = -20.0; lv[120:200] = -22.0; lv[250:270] = -40.0
    >>> drop_background([(0, 1000), (1200, 2000), (2500, 2700)], lv)
    ([(0, 1000), (1200, 2000)], [(2500, 2700)])
    """
    if not segments:
        return [], []
    p90, usual = _usual_db(segments, levels)
    keep = p90 >= usual - below_db
    return ([s for s, k in zip(segments, keep) if k], [s for s, k in zip(segments, keep) if not k])


#: Inside speech on a channel with background talk, a stretch at least this long more than `BACKGROUND_DB` under
#: the usual speech cuts the segment (the talk had bridged the party's pause).
BACKGROUND_GAP_MS = 200


def _usual_db(segments, levels):
    """Each segment's 90th-percentile level, and their duration-weighted median (the channel's usual speech)."""
    p90 = np.array([np.percentile(levels[a // 10: max(-(-b // 10), a // 10 + 1)], 90) for a, b in segments])
    dur = np.array([b - a for a, b in segments], dtype=float)
    order = np.argsort(p90)
    cum = np.cumsum(dur[order])
    return p90, float(p90[order][np.searchsorted(cum, cum[-1] / 2)])


def trim_background(segments: list, levels: np.ndarray, min_speech_ms: int = 100,
                    below_db: float = BACKGROUND_DB) -> tuple[list, list]:
    """`drop_background`, then each kept segment cut where it holds `BACKGROUND_GAP_MS` or more of background
    (10 ms frames, smoothed over 30 ms, `below_db` under the usual speech): (kept, dropped).

    Examples
    --------
    >>> lv = np.full(400, -70.0); lv[0:100] = -20.0; lv[100:200] = -40.0; lv[200:300] = -21.0
    >>> trim_background([(0, 3000)], lv)   # 1 s of babble bridged two utterances (edges: the 30 ms smoothing)
    ([(0, 1000), (2000, 2990)], [])
    """
    kept, dropped = drop_background(segments, levels, below_db)
    if not kept:
        return kept, dropped
    _, usual = _usual_db(kept, levels)
    smooth = np.convolve(levels, np.ones(3) / 3, mode="same")
    quiet = smooth < usual - below_db
    return trim_segments(kept, quiet, ~quiet, min_speech_ms, BACKGROUND_GAP_MS), dropped
