"""Who spoke when in a mono recording: speaker diarisation on this machine, numpy only.

A mono recording holds every party in one channel; the voice activity detector
(`turntune_nb.audio.vad`) finds speech but not whose. This module splits that speech
between speakers so that gaps, overlaps and backchannels between people can be
measured without a key:

1. **Features** (streamed, one pass with the detector): a 40-channel mel power
   spectrogram per 10 ms frame (25 ms Hann window, the parameters Resemblyzer's
   encoder was trained on) and each frame's energy. They go to a temporary file
   (about 30 MB per hour, float16), not to memory, so memory stays bounded
   whatever the length.
2. **Speaker embeddings** (`VoiceEncoder`): Resemblyzer's GE2E encoder
   (Apache-2.0, converted to ``turntune_nb/data/voice_encoder.npz`` by
   ``scripts/export_voice_encoder.py``): a 3-layer LSTM run in numpy over windows
   of up to `DiarisationSettings.window_ms` of each speech segment, at most one
   window per `DiarisationSettings.embed_every_ms` of speech (the encoder is the
   costly part: embedding every frame would run at about 80x real time on one core).
3. **Clustering** per file: spherical k-means (k-means++ starts) on the cosine of
   the embeddings, into ``speakers`` clusters when the count is known; otherwise
   the count is estimated at the elbow of the mean cosine to the centroids
   against k (`DiarisationSettings.elbow_ratio`, `DiarisationSettings.min_gain`,
   chosen on the shared SpokenWOZ calls, their single channels, the AMI clips and
   the pyannote sample with ``benchmarks/diarisation_eval.py``).
4. **Frame assignment**: a diagonal Gaussian per speaker on the log-mel frames of
   that speaker's windows scores every speech frame; the scores are smoothed over
   `DiarisationSettings.smooth_ms`, each frame is pulled towards the speaker of the
   nearest window of its segment (`DiarisationSettings.embedding_weight`: the
   embeddings decide where they exist, the frame models decide segments too short
   for a window and changes between windows), and a segment is cut where the
   winning speaker changes for at least `DiarisationSettings.min_turn_ms`.

Overlapped speech is not detected: each frame gets *one* speaker, so a mono
recording reports no overlaps (a change inside a speech segment has offset 0).
With these features the evidence is weak: even with speaker models fit on the
reference, an overlap score separates overlap from single-speaker frames with an
area under the ROC curve of 0.67 on the shared AMI and pyannote clips
(``benchmarks/diarisation_eval.py``), too little to report overlaps as measured.

Examples
--------
>>> from turntune_nb.audio.decode import decode_audio
>>> from turntune_nb.audio.vad import segment_speech
>>> audio = decode_audio("samples/real/sample.wav")
>>> diariser = MonoDiariser(speakers=2)
>>> diariser.process(audio.samples[0])
>>> turns = diariser.finish(segment_speech(audio.samples[0]))
>>> sorted({speaker for speaker, _, _ in turns})
['spk0', 'spk1']
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..analysis.model import SPEAKERS_FROM_DIARISATION
from ..errors import ConfigError

__all__ = ("VoiceEncoder", "MonoDiariser", "DiarisationSettings", "mel_filterbank", "MelFrames",
           "spherical_kmeans", "cluster_embeddings", "check_speakers", "ENCODER_PATH", "DIARISATION_SOURCE")

#: Resemblyzer's GE2E weights, converted (see ``scripts/export_voice_encoder.py``).
ENCODER_PATH = Path(__file__).resolve().parents[1] / "data" / "voice_encoder.npz"
#: The value of ``speaker_source`` for transcripts whose speakers came from here.
DIARISATION_SOURCE = SPEAKERS_FROM_DIARISATION

SAMPLE_RATE = 16000
HOP = 160          # 10 ms frames
N_FFT = 400        # 25 ms window
N_MELS = 40
_TARGET_MS = 10 ** (-30 / 10)  # Resemblyzer normalises to -30 dBFS: mean square 1e-3


@dataclass(frozen=True, slots=True)
class DiarisationSettings:
    """How mono speech is split between speakers.

    Parameters
    ----------
    window_ms : int
        Longest stretch of a speech segment one embedding sees (Resemblyzer's
        partials are 1600 ms).
    min_window_ms : int
        Segments shorter than this get no embedding of their own; their frames
        are still assigned by the per-speaker frame models.
    embed_every_ms : int
        One embedding window per this much speech in a long segment (speed).
    min_windows : int
        Short files get denser windows (down to one per ``window_ms / 2``) so that
        at least this many describe the voices, when there is speech enough.
    max_speakers : int
        Upper bound when the count is estimated.
    elbow_ratio : float
        When estimating the count: k speakers (k >= 2) need the gain in mean
        cosine to the centroid from k-1 to k clusters to be at least this many
        times the gain from k to k+1 (an elbow), and the largest such ratio wins.
    min_gain : float
        ... and that gain to be at least this (one voice split in two gains less).
    smooth_ms : int
        Frame scores are averaged over this span before the speaker is chosen.
    min_turn_ms : int
        A change of speaker inside a speech segment must last this long.
    embedding_weight : float
        How strongly a segment's own embeddings pull its frames to their speaker
        (added to that speaker's smoothed per-frame log-likelihood).
    bridge_ms : int
        Speech segments closer than this are one stretch for the embedding
        windows (a detector that keeps 60 ms pauses visible would otherwise leave
        windows too short to tell voices apart); frames are still labelled per
        segment, so the pauses stay.
    """

    window_ms: int = 1500
    min_window_ms: int = 400
    embed_every_ms: int = 3000
    max_speakers: int = 6
    min_windows: int = 40
    elbow_ratio: float = 1.8
    min_gain: float = 0.02
    smooth_ms: int = 300
    min_turn_ms: int = 300
    embedding_weight: float = 10.0
    bridge_ms: int = 200

    def __post_init__(self):
        for name in ("window_ms", "min_window_ms", "embed_every_ms", "smooth_ms", "min_turn_ms", "bridge_ms"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 10:
                raise ConfigError(f"diarisation setting {name} must be a whole number of ms >= 10, got {value!r}")
        if self.min_window_ms > self.window_ms:
            raise ConfigError("diarisation setting min_window_ms must not exceed window_ms")
        if not isinstance(self.max_speakers, (int, np.integer)) or self.max_speakers < 1:
            raise ConfigError(f"max_speakers must be a whole number >= 1, got {self.max_speakers!r}")
        if not isinstance(self.min_windows, (int, np.integer)) or self.min_windows < 1:
            raise ConfigError(f"min_windows must be a whole number >= 1, got {self.min_windows!r}")
        if not self.elbow_ratio > 1.0 or not 0.0 <= self.min_gain < 1.0:
            raise ConfigError(f"elbow_ratio must be > 1 and min_gain in [0, 1), "
                              f"got {self.elbow_ratio!r}, {self.min_gain!r}")


# --------------------------------------------------------------------------- features
def _hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    lin = f / (200.0 / 3)
    logstep = np.log(6.4) / 27.0
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / logstep, lin)


def _mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    logstep = np.log(6.4) / 27.0
    return np.where(m >= 15.0, 1000.0 * np.exp(logstep * (m - 15.0)), m * (200.0 / 3))


def mel_filterbank(sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Slaney-style mel filters (librosa's default: ``htk=False, norm="slaney"``).

    Returns
    -------
    numpy.ndarray
        ``(n_mels, n_fft // 2 + 1)`` float32 weights.

    Examples
    --------
    >>> fb = mel_filterbank()
    >>> fb.shape, bool((fb >= 0).all())
    ((40, 201), True)
    """
    fft_freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sample_rate / 2), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]
    return weights.astype(np.float32)


class MelFrames:
    """Streaming mel power frames (librosa ``melspectrogram(center=True)`` framing).

    Frame ``t`` is centred on sample ``160 t`` (10 ms steps); the stream is
    zero-padded by 200 samples at its start, as librosa pads a whole signal.

    Examples
    --------
    >>> frames = MelFrames()
    >>> mel, energy = frames.process(np.zeros(16000, dtype=np.int16))
    >>> mel.shape, energy.shape
    ((99, 40), (99,))
    """

    def __init__(self):
        self._fb = mel_filterbank().T.copy()
        self._window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
        self._pending = np.zeros(N_FFT // 2, dtype=np.float32)

    def process(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mel power ``(n, 40)`` and mean-square energy ``(n,)`` of the frames completed by `chunk` (int16)."""
        buf = np.concatenate([self._pending, np.asarray(chunk, dtype=np.float32) / 32768.0])
        n = (len(buf) - N_FFT) // HOP + 1 if len(buf) >= N_FFT else 0
        if n <= 0:
            self._pending = buf
            return np.empty((0, N_MELS), np.float32), np.empty(0, np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(buf, N_FFT)[::HOP][:n]
        spec = np.fft.rfft(frames * self._window, axis=1)
        power = (spec.real ** 2 + spec.imag ** 2).astype(np.float32)
        hops = frames[:, N_FFT // 2 - HOP // 2:N_FFT // 2 + HOP // 2]
        energy = np.mean(hops * hops, axis=1, dtype=np.float32)
        self._pending = buf[n * HOP:]
        return power @ self._fb, energy


# --------------------------------------------------------------------------- encoder
class VoiceEncoder:
    """Resemblyzer's GE2E speaker encoder, in numpy.

    Parameters
    ----------
    path : str or Path, optional
        The converted weights (default `ENCODER_PATH`, shipped in the package).

    Examples
    --------
    >>> enc = VoiceEncoder()
    >>> e = enc.embed(np.ones((2, 50, 40), dtype=np.float32))
    >>> e.shape, np.allclose(np.linalg.norm(e, axis=1), 1.0)
    ((2, 256), True)
    """

    def __init__(self, path=None):
        path = Path(path or ENCODER_PATH)
        try:
            data = np.load(path)
        except (OSError, ValueError) as err:
            raise ConfigError(f"cannot read the voice encoder weights {path} ({err}); reinstall turntune_nb "
                              "or rebuild them with scripts/export_voice_encoder.py") from err
        with data:
            w = {k: data[k].astype(np.float32) for k in data.files if k.startswith(("lstm_", "linear_"))}
        # sigmoid(x) = (tanh(x / 2) + 1) / 2: the input, forget and output gates' weights are halved here,
        # so one tanh over all four gates does the work of three sigmoids and a tanh
        half = np.ones(1024, np.float32)
        half[:512] = half[768:] = 0.5
        self._layers = [(np.ascontiguousarray(w[f"lstm_weight_ih_l{i}"].T * half),
                         np.ascontiguousarray(w[f"lstm_weight_hh_l{i}"].T * half),
                         (w[f"lstm_bias_ih_l{i}"] + w[f"lstm_bias_hh_l{i}"]) * half) for i in range(3)]
        self._linear = (np.ascontiguousarray(w["linear_weight"].T), w["linear_bias"])

    def embed(self, mels: np.ndarray) -> np.ndarray:
        """Embeddings of a batch of same-length mel power windows.

        Parameters
        ----------
        mels : numpy.ndarray
            ``(batch, frames, 40)`` float32 mel power (not log), as Resemblyzer's
            ``wav_to_mel_spectrogram`` gives, from audio normalised to -30 dBFS.

        Returns
        -------
        numpy.ndarray
            ``(batch, 256)`` float32, non-negative, L2-normalised.
        """
        x = np.ascontiguousarray(np.asarray(mels, dtype=np.float32).transpose(1, 0, 2))  # time first
        steps, batch, _ = x.shape
        h = np.zeros((batch, 256), np.float32)
        g = np.empty((batch, 1024), np.float32)
        for layer, (w_ih, w_hh, bias) in enumerate(self._layers):
            gates_in = (x.reshape(steps * batch, -1) @ w_ih).reshape(steps, batch, 1024)
            gates_in += bias
            h = np.zeros((batch, 256), np.float32)
            c = np.zeros((batch, 256), np.float32)
            out = np.empty((steps, batch, 256), np.float32) if layer < 2 else None
            for t in range(steps):
                np.matmul(h, w_hh, out=g)      # PyTorch gate order: input, forget, cell, output
                g += gates_in[t]
                np.tanh(g, out=g)
                sig = g[:, :512] * 0.5 + 0.5   # input and forget gates
                c *= sig[:, 256:]
                c += sig[:, :256] * g[:, 512:768]
                h = (g[:, 768:] * 0.5 + 0.5) * np.tanh(c)
                if out is not None:
                    out[t] = h
            x = out if out is not None else x
        raw = np.maximum(h @ self._linear[0] + self._linear[1], 0.0)
        norm = np.linalg.norm(raw, axis=1, keepdims=True)
        return raw / np.maximum(norm, 1e-12)


# --------------------------------------------------------------------------- clustering
def spherical_kmeans(x: np.ndarray, k: int, restarts: int = 8, iterations: int = 30, seed: int = 0):
    """k-means on the unit sphere (cosine similarity), best of several k-means++ starts.

    Parameters
    ----------
    x : numpy.ndarray
        ``(n, d)`` L2-normalised rows.
    k : int

    Returns
    -------
    labels : numpy.ndarray of int, centroids : numpy.ndarray ``(k, d)``

    Examples
    --------
    >>> x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=float)
    >>> x /= np.linalg.norm(x, axis=1, keepdims=True)
    >>> labels, _ = spherical_kmeans(x, 2)
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    n = len(x)
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    best = (np.inf, None, None)
    for _ in range(restarts):
        centres = [x[rng.integers(n)]]
        for _ in range(1, k):
            d = np.clip(1.0 - np.max(x @ np.array(centres).T, axis=1), 0, None)
            p = d / d.sum() if d.sum() > 0 else None
            centres.append(x[rng.choice(n, p=p)])
        c = np.array(centres)
        for _ in range(iterations):
            labels = np.argmax(x @ c.T, axis=1)
            new = np.array([x[labels == j].sum(0) if np.any(labels == j) else c[j] for j in range(k)])
            new /= np.maximum(np.linalg.norm(new, axis=1, keepdims=True), 1e-12)
            if np.allclose(new, c):
                break
            c = new
        labels = np.argmax(x @ c.T, axis=1)
        cost = float(np.sum(1.0 - np.sum(x * c[labels], axis=1)))
        if cost < best[0] - 1e-9:
            best = (cost, labels, c)
    return best[1], best[2]


def cluster_embeddings(x: np.ndarray, speakers: int | None = None, settings: DiarisationSettings | None = None):
    """Cluster embeddings into `speakers` groups, or into an estimated number.

    The estimate clusters into k = 1 .. ``max_speakers + 1`` groups and measures
    W(k), the mean cosine of each embedding to its centroid. Splitting one voice
    in two raises W a little, and about as much as the next split; splitting two
    voices apart raises it much more than the next split. So k >= 2 is chosen
    where the gain W(k) - W(k-1) is largest relative to W(k+1) - W(k), if that
    ratio reaches ``elbow_ratio`` and the gain ``min_gain``; otherwise k = 1.

    Returns
    -------
    labels : numpy.ndarray of int (0..k-1), centroids : numpy.ndarray ``(k, d)``
    """
    settings = settings or DiarisationSettings()
    if len(x) == 0:
        return np.empty(0, int), np.empty((0, x.shape[1] if x.ndim == 2 else 256))
    if speakers is not None:
        return spherical_kmeans(x, speakers)
    top = min(settings.max_speakers + 1, len(x))
    fits = [spherical_kmeans(x, k) for k in range(1, top + 1)]
    within = np.array([np.mean(np.sum(x * c[labels], axis=1)) for labels, c in fits])
    gains = np.diff(within)
    best, best_ratio = 1, 0.0
    for k in range(2, top):   # gains[k - 2]: from k-1 to k clusters; gains[k - 1]: from k to k+1
        ratio = gains[k - 2] / max(gains[k - 1], 1e-6)
        if gains[k - 2] >= settings.min_gain and ratio >= settings.elbow_ratio and ratio > best_ratio:
            best, best_ratio = k, ratio
    return fits[best - 1]


# --------------------------------------------------------------------------- the diariser
_COLS = N_MELS + 1  # log-mel and log-energy per frame, float16 in the temporary file
_BATCH = 16        # embedding windows per encoder call (memory: ~10 MB of gates at 150 frames)
_BLOCK = 6000      # frames (60 s) of a long speech segment labelled at a time


def _moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average along axis 0 (shorter at the edges)."""
    if width <= 1 or len(x) <= 1:
        return x
    c = np.concatenate([np.zeros((1,) + x.shape[1:]), np.cumsum(x, axis=0)])
    n = len(x)
    lo = np.clip(np.arange(n) - width // 2, 0, n)
    hi = np.clip(np.arange(n) + (width - width // 2), 0, n)
    return (c[hi] - c[lo]) / (hi - lo)[:, None]


def _smooth_runs(labels: np.ndarray, min_len: int) -> np.ndarray:
    """Give runs shorter than `min_len` frames the label of their longer neighbour."""
    labels = labels.copy()
    while True:
        change = np.flatnonzero(np.diff(labels)) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [len(labels)]])
        lengths = ends - starts
        if len(starts) <= 1 or lengths.min() >= min_len:
            return labels
        j = int(np.argmin(lengths))
        left = lengths[j - 1] if j > 0 else -1
        right = lengths[j + 1] if j + 1 < len(starts) else -1
        labels[starts[j]:ends[j]] = labels[starts[j - 1]] if left >= right else labels[starts[j + 1]]


def check_speakers(speakers) -> int | None:
    """`speakers` as an int, or None (estimate it); `ConfigError` for anything else.

    Examples
    --------
    >>> check_speakers(2), check_speakers(None)
    (2, None)
    """
    if speakers is not None and (not isinstance(speakers, (int, np.integer)) or isinstance(speakers, bool)
                                 or speakers < 1):
        raise ConfigError(f"speakers must be a whole number >= 1 (or None to estimate it), got {speakers!r}")
    return None if speakers is None else int(speakers)


class MonoDiariser:
    """Speaker turns of one mono stream: feed int16 chunks, then `finish` with its speech segments.

    Parameters
    ----------
    speakers : int, optional
        How many people speak, when known; estimated otherwise.
    settings : DiarisationSettings, optional
    encoder : VoiceEncoder, optional
        Share one between files to load the weights once.

    Notes
    -----
    Features are kept in an anonymous temporary file (deleted when `finish`
    returns or the object is collected), so memory does not grow with the length.
    """

    def __init__(self, speakers: int | None = None, settings: DiarisationSettings | None = None,
                 encoder: VoiceEncoder | None = None):
        self.speakers = check_speakers(speakers)
        self.settings = settings or DiarisationSettings()
        self._encoder = encoder
        self._mel = MelFrames()
        self._file = tempfile.TemporaryFile()
        self.frames = 0
        #: After `finish`: how many speakers were found, and how many embedding windows were used.
        self.found_speakers = None
        self.windows = 0

    def process(self, chunk: np.ndarray) -> None:
        """Add a chunk of 16 kHz int16 samples (the same ones the speech detector sees)."""
        mel, energy = self._mel.process(chunk)
        if len(mel):
            block = np.empty((len(mel), _COLS), np.float16)
            block[:, :N_MELS] = np.log(mel + 1e-8)
            block[:, N_MELS] = np.log(energy + 1e-10)
            self._file.write(block.tobytes())
            self.frames += len(mel)

    def _read(self, a: int, b: int) -> np.ndarray:
        self._file.seek(a * _COLS * 2)
        raw = self._file.read(max(0, b - a) * _COLS * 2)
        return np.frombuffer(raw, np.float16).reshape(-1, _COLS).astype(np.float32)

    def _windows(self, segments):
        """(segment index, first frame, length) of the embedding windows, one list per length."""
        s = self.settings
        out: dict[int, list] = {}
        usable = sum(e - b for b, e in segments if e - b >= s.min_window_ms)
        every = min(s.embed_every_ms, max(s.window_ms // 2, usable // s.min_windows))
        for idx, (start, end) in enumerate(segments):
            a, b = start // 10, min(end // 10, self.frames)
            n = b - a
            if n * 10 < s.min_window_ms:
                continue
            count = max(1, int(round(n * 10 / every)))
            length = (min(n, s.window_ms // 10) // 10) * 10
            for j in range(count):
                first = a + int((j + 0.5) * n / count) - length // 2
                first = min(max(first, a), b - length)
                out.setdefault(length, []).append((idx, first, length))
        return out

    def _embed(self, segments):
        encoder = self._encoder or VoiceEncoder()
        rows, firsts, lengths, embeddings, stats = [], [], [], [], []
        for length, items in sorted(self._windows(segments).items()):
            for k in range(0, len(items), _BATCH):
                batch = items[k:k + _BATCH]
                feats = [self._read(first, first + length) for _, first, _ in batch]
                mels = np.stack([np.exp(f[:, :N_MELS]) for f in feats])
                mean_square = np.array([np.mean(np.exp(f[:, N_MELS])) for f in feats])
                mels *= (_TARGET_MS / np.maximum(mean_square, 1e-10))[:, None, None]
                embeddings.append(encoder.embed(mels))
                stats += [(f[:, :N_MELS].sum(0), (f[:, :N_MELS] ** 2).sum(0), len(f)) for f in feats]
                rows += [idx for idx, _, _ in batch]
                firsts += [first for _, first, _ in batch]
                lengths += [n for _, _, n in batch]
        if not rows:
            return np.empty(0, int), np.empty(0, int), np.empty(0, int), np.empty((0, 256), np.float32), []
        return np.array(rows), np.array(firsts), np.array(lengths), np.concatenate(embeddings), stats

    def _label_frames(self, lo, hi, mean, var, log_det, centres, voices) -> np.ndarray:
        """The speaker of each frame lo..hi-1: frame models, smoothed, pulled towards the nearest window's voice."""
        x = self._read(lo, hi)[:, :N_MELS]
        if not len(x):
            x = np.zeros((max(hi - lo, 1), N_MELS), np.float32)
        ll = np.empty((len(x), len(mean)))
        for j in range(len(mean)):
            ll[:, j] = -0.5 * (np.sum((x - mean[j]) ** 2 / var[j], axis=1) + log_det[j])
        ll = _moving_average(ll, self.settings.smooth_ms // 10)
        if len(centres):
            frames = np.arange(lo, lo + len(ll)) + 0.5
            nearest = np.zeros(len(ll), int)
            if len(centres) > 1:
                right = np.clip(np.searchsorted(centres, frames), 1, len(centres) - 1)
                left = right - 1
                nearest = np.where(frames - centres[left] <= centres[right] - frames, left, right)
            ll[np.arange(len(ll)), voices[nearest]] += self.settings.embedding_weight
        return _smooth_runs(np.argmax(ll, axis=1), self.settings.min_turn_ms // 10)

    def finish(self, segments) -> list[tuple[str, int, int]] | None:
        """The speaker turns of the speech segments.

        Parameters
        ----------
        segments : list of (start_ms, end_ms)
            The speech detector's segments of the same stream, in time order.

        Returns
        -------
        list of (speaker, start_ms, end_ms) or None
            Speakers are ``spk0``, ``spk1``... in order of first appearance; every
            segment is covered, cut where the speaker changes. None when there is
            too little speech to tell speakers apart (no segment reaches
            ``min_window_ms``).
        """
        try:
            return self._finish(list(segments))
        finally:
            self._file.close()

    def _finish(self, segments):
        # windows are taken from stretches of speech (segments closer than bridge_ms joined);
        # each segment's frames are pulled towards its stretch's windows
        stretches, stretch_of = [], []
        for start, end in segments:
            if stretches and start - stretches[-1][1] < self.settings.bridge_ms:
                stretches[-1] = (stretches[-1][0], max(end, stretches[-1][1]))
            else:
                stretches.append((start, end))
            stretch_of.append(len(stretches) - 1)
        seg_rows, win_first, win_len, emb, stats = self._embed(stretches)
        self.windows = len(seg_rows)
        if not len(seg_rows):
            return None
        if self.speakers == 1:
            labels, k = np.zeros(len(emb), int), 1
        else:
            labels, centroids = cluster_embeddings(emb, self.speakers, self.settings)
            k = len(centroids)
        mean, var = np.zeros((k, N_MELS)), np.zeros((k, N_MELS))
        for j in range(k):
            chosen = [stats[i] for i in np.flatnonzero(labels == j)]
            n = sum(c for _, _, c in chosen)
            mean[j] = sum(s for s, _, _ in chosen) / n
            var[j] = sum(q for _, q, _ in chosen) / n - mean[j] ** 2
        var = np.maximum(var, 0.05)
        log_det = np.log(var).sum(1)
        by_segment = np.argsort(seg_rows, kind="stable")
        bounds = np.searchsorted(seg_rows[by_segment], np.arange(len(stretches) + 1))
        turns = []
        for idx, (start, end) in enumerate(segments):
            mine = by_segment[bounds[stretch_of[idx]]:bounds[stretch_of[idx] + 1]]
            by_time = np.argsort(win_first[mine] + win_len[mine] / 2)
            centres = (win_first[mine] + win_len[mine] / 2)[by_time]
            voices = labels[mine][by_time]
            a, b = start // 10, max(start // 10 + 1, min(end // 10, self.frames))
            margin = 2 * (self.settings.smooth_ms + self.settings.min_turn_ms) // 10
            for lo in range(a, b, _BLOCK):   # long segments in blocks, with context: memory stays bounded
                hi = min(lo + _BLOCK, b)
                ctx_lo, ctx_hi = max(a, lo - margin), min(b, hi + margin)
                piece = self._label_frames(ctx_lo, ctx_hi, mean, var, log_det, centres, voices)[lo - ctx_lo:hi - ctx_lo]
                change = np.flatnonzero(np.diff(piece)) + 1
                edges = [max(lo * 10, start)] + [(lo + c) * 10 for c in change] + [end if hi == b else hi * 10]
                for i, first in enumerate([0, *change]):
                    who, s_ms, e_ms = int(piece[first]), int(edges[i]), int(min(edges[i + 1], end))
                    if e_ms <= s_ms:
                        continue
                    if turns and turns[-1][0] == who and turns[-1][2] == s_ms:   # across a block edge
                        turns[-1] = (who, turns[-1][1], e_ms)
                    else:
                        turns.append((who, s_ms, e_ms))
        order = {}
        for label, _, _ in turns:
            order.setdefault(label, f"spk{len(order)}")
        self.found_speakers = len(order)
        return [(order[label], s, e) for label, s, e in turns]
