"""Who spoke when in a mono recording: speaker diarisation on this machine, numpy only.

A mono recording holds every party in one channel; the voice activity detector
(`turntune_nb.audio.vad`) finds speech but not whose. This module splits that speech
between speakers, two at once where they overlap, so that gaps, overlaps and
backchannels between people can be measured without a key. The default
(``DiarisationSettings.method="segmentation"``), as pyannote's pipeline does it:

1. **Segmentation** (streamed, one pass with the detector): pyannote's
   segmentation-3.0 (`turntune_nb.audio.segmentation`, MIT, shipped as
   ``turntune_nb/data/segmentation.npz``) over 10 s windows every
   `DiarisationSettings.step_ms`: up to three *local* speakers per ~17 ms frame, two
   at once where they overlap (`turntune_nb.audio.local_speakers.WindowSegmenter`).
   Alongside, 40-channel mel frames (10 ms) go to a temporary file (about 30 MB per
   hour, float16), not to memory.
2. **Speaker embeddings** (`turntune_nb.audio.embeddings.VoiceEncoder`): Resemblyzer's
   GE2E encoder (Apache-2.0, ``turntune_nb/data/voice_encoder.npz``) on up to
   `DiarisationSettings.window_ms` of each local speaker's speech in each window
   (where they speak alone, if they do for `DiarisationSettings.min_local_ms`).
3. **Clustering** per file: spherical k-means (k-means++ starts) on the cosine of
   the embeddings of local speakers who speak alone for `min_window_ms`, into
   ``speakers`` clusters when the count is known; otherwise the count is estimated at
   the elbow of the mean cosine to the centroids against k
   (`DiarisationSettings.elbow_ratio`, `DiarisationSettings.min_gain`). Each local
   speaker then goes to its nearest centroid, two of one window never to the same.
4. **Aggregation**: per 10 ms frame, the share of covering windows in which each
   speaker is active and the mean number of active local speakers; a speech frame
   gets that many speakers (at least one, at most two), the most active ones
   (`turntune_nb.audio.local_speakers.activity_turns`). Turns may overlap.

With ``method="frames"`` (the older path, no overlap, about twice as fast), the
embeddings are taken every `DiarisationSettings.embed_every_ms` of speech, a diagonal
Gaussian per speaker on the log-mel frames scores every speech frame, smoothed over
`DiarisationSettings.smooth_ms` and pulled towards the nearest window's speaker
(`DiarisationSettings.embedding_weight`), and a segment is cut where the winner
changes for at least `DiarisationSettings.min_turn_ms`; each frame gets one speaker.

``benchmarks/diarisation_eval.py`` measures both on the shared AMI clips and
SpokenWOZ calls (DER at collar 0 with overlap scored, speaker changes, overlap share
and overlaps started per speaker); ``benchmarks/diarisation.py`` their speed.

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

import functools
import tempfile
from dataclasses import dataclass, replace

import numpy as np

from ..analysis.model import SPEAKERS_FROM_DIARISATION
from ..errors import ConfigError
from .clustering import ELBOW_RATIO, MAX_SPEAKERS, MIN_GAIN, cluster_embeddings, spherical_kmeans
from .embeddings import N_MELS, TARGET_MEAN_SQUARE, MelFrames, VoiceEncoder
from .local_speakers import (
    WindowSegmenter,
    _smooth_runs,
    activity_turns,
    assign_local_speakers,
    local_masks,
    probe_agreement,
    speaker_activity,
)
from .segmentation import SegmentationModel

__all__ = ("MonoDiariser", "DiarisationSettings", "with_method", "spherical_kmeans", "cluster_embeddings",
           "check_speakers", "DIARISATION_SOURCE")

#: The value of ``speaker_source`` for transcripts whose speakers came from here.
DIARISATION_SOURCE = SPEAKERS_FROM_DIARISATION
#: How local speakers are found: the segmentation model (overlap-aware), or per-frame models (the older path).
METHODS = ("segmentation", "frames")



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
    method : str
        ``"segmentation"`` (default): pyannote's segmentation model finds the local
        speakers of 10 s windows, overlap included, and their embeddings tie them
        into the file's speakers; ``"frames"``: the older path (one speaker per
        frame from per-speaker frame models, no overlap).
    step_ms : int
        Segmentation windows start this far apart (10 s windows; a smaller step
        sees each moment in more windows, at proportionally more CPU).
    min_local_ms : int
        A window's local speaker needs this much speech (alone, or overlapped when
        it is never alone) to get an embedding; shorter ones are left out there.
    min_overlap_ms : int
        A second speaker's stretch of overlap must last this long to count.
    add_speech : bool
        Also give speakers to stretches the segmentation model calls speech and the
        detector did not (at least 200 ms; ``method="segmentation"`` only).
    min_agreement : float
        ``method="segmentation"``, two speakers given or found: the result is checked
        against the per-frame path's short windows of speech (each embedded, matched to
        the nearer of the two): when fewer than this share get the speaker the result
        gives most of their frames, its local speakers mixed the voices (as on a phone
        call with one party mixed 6 dB lower) and the per-frame path is used instead
        (`MonoDiariser.fallback`); likewise, count estimated, when those windows hold two
        voices or more where it found one. Not with three or more speakers: a short
        window's nearest speaker is then too unsure (overlap, like voices) to overrule
        the model. 0 turns the check off.
    """

    window_ms: int = 1500
    min_window_ms: int = 400
    embed_every_ms: int = 3000
    max_speakers: int = MAX_SPEAKERS
    min_windows: int = 40
    elbow_ratio: float = ELBOW_RATIO
    min_gain: float = MIN_GAIN
    smooth_ms: int = 300
    min_turn_ms: int = 300
    embedding_weight: float = 10.0
    bridge_ms: int = 200
    method: str = "segmentation"
    step_ms: int = 5000
    min_local_ms: int = 300
    min_overlap_ms: int = 100
    add_speech: bool = False
    min_agreement: float = 0.8

    def __post_init__(self):
        if not isinstance(self.add_speech, bool):
            raise ConfigError(f"diarisation setting add_speech must be True or False, got {self.add_speech!r}")
        if isinstance(self.min_agreement, bool) or not isinstance(self.min_agreement, (int, float)) \
                or not 0.0 <= self.min_agreement <= 1.0:
            raise ConfigError(f"diarisation setting min_agreement must be a share in 0..1, got {self.min_agreement!r}")
        if self.method not in METHODS:
            raise ConfigError(f"diarisation method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if not isinstance(self.step_ms, (int, np.integer)) or not 100 <= self.step_ms <= 10_000:
            raise ConfigError(f"diarisation setting step_ms must be a whole number of ms in 100..10000, "
                              f"got {self.step_ms!r}")
        for name in ("window_ms", "min_window_ms", "embed_every_ms", "smooth_ms", "min_turn_ms", "bridge_ms",
                     "min_local_ms", "min_overlap_ms"):
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


# --------------------------------------------------------------------------- settings
def with_method(settings: DiarisationSettings | None, diarise) -> DiarisationSettings | None:
    """`settings` with the method `diarise` names; a bool (diarise or not) leaves them as they are."""
    if diarise is None or isinstance(diarise, bool):
        return settings
    if diarise not in METHODS:
        raise ConfigError(f"diarise must be True, False or a diarisation method ({', '.join(METHODS)}), "
                          f"got {diarise!r}")
    return replace(settings or DiarisationSettings(), method=diarise)


# --------------------------------------------------------------------------- the diariser
_COLS = N_MELS + 1  # log-mel and log-energy per frame, float16 in the temporary file
_BATCH = 16        # embedding windows per encoder call (memory: ~10 MB of gates at 150 frames)
_BLOCK = 6000      # frames (60 s) of a long speech segment labelled at a time
_SHORT_MS = 60_000  # files shorter than this get a denser segmentation step (at least ~10 windows)
_PROBES = 200      # short windows the segmentation result is checked against: 80 % agreement within ~3 points


def _moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average along axis 0 (shorter at the edges)."""
    if width <= 1 or len(x) <= 1:
        return x
    c = np.concatenate([np.zeros((1,) + x.shape[1:]), np.cumsum(x, axis=0)])
    n = len(x)
    lo = np.clip(np.arange(n) - width // 2, 0, n)
    hi = np.clip(np.arange(n) + (width - width // 2), 0, n)
    return (c[hi] - c[lo]) / (hi - lo)[:, None]


def _union(segments, count, min_ms: int = 200):
    """The speech segments joined with the stretches the segmentation windows call speech."""
    speech = np.rint(count) >= 1
    for start, end in segments:
        speech[start // 10:end // 10] = True
    edges = np.flatnonzero(np.diff(np.concatenate([[0], speech.astype(np.int8), [0]])))
    return [(int(a) * 10, int(b) * 10) for a, b in zip(edges[::2], edges[1::2]) if (b - a) * 10 >= min_ms]


@functools.lru_cache(maxsize=1)
def _shared_model() -> SegmentationModel:
    """The shipped segmentation model, loaded once per process (read-only weights)."""
    return SegmentationModel()


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
    model : SegmentationModel, optional
        Likewise for the segmentation model (``method="segmentation"``).

    Notes
    -----
    Features are kept in an anonymous temporary file (deleted when `finish`
    returns or the object is collected), so memory does not grow with the length.
    """

    def __init__(self, speakers: int | None = None, settings: DiarisationSettings | None = None,
                 encoder: VoiceEncoder | None = None, model: SegmentationModel | None = None):
        self.speakers = check_speakers(speakers)
        self.settings = settings or DiarisationSettings()
        self._encoder = encoder
        self._segmenter = None
        self._model = model
        self._head: list[np.ndarray] | None = [] if self.settings.method == "segmentation" else None
        self._head_samples = 0
        self._mel = MelFrames()
        self._file = tempfile.TemporaryFile()
        self.frames = 0
        #: After `finish`: how many speakers were found, and how many embedding windows were used.
        self.found_speakers = None
        self.windows = 0
        #: ``"frames"`` when the segmentation path's local speakers mixed voices (it heard one voice per
        #: window though the count given was 2 or more, or its result disagreed with short windows of
        #: speech: `DiarisationSettings.min_agreement`) and the per-frame path was used instead; and why.
        self.fallback = None
        self.fallback_reason = None
        #: After `finish` returned None: why the speech could not be split between speakers.
        self.unsplit_reason = None

    def process(self, chunk: np.ndarray) -> None:
        """Add a chunk of 16 kHz int16 samples (the same ones the speech detector sees)."""
        mel, energy = self._mel.process(chunk)
        if self._segmenter is not None:
            self._segmenter.process(chunk)
        elif self._head is not None:
            # the first minute is held back: a file that ends sooner gets a denser step
            self._head.append(np.asarray(chunk, dtype=np.int16).copy())
            self._head_samples += len(chunk)
            if self._head_samples >= _SHORT_MS * 16:
                self._start_segmenter(self.settings.step_ms)
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

    def _embed(self, segments, limit: int | None = None):
        encoder = self._encoder or VoiceEncoder()
        rows, firsts, lengths, embeddings, stats = [], [], [], [], []
        windows = self._windows(segments)
        if limit is not None and sum(map(len, windows.values())) > limit:   # evenly spaced through the file
            every = sorted((first, idx, length) for group in windows.values() for idx, first, length in group)
            windows = {}
            for first, idx, length in (every[i] for i in np.linspace(0, len(every) - 1, limit).astype(int)):
                windows.setdefault(length, []).append((idx, first, length))
        for length, items in sorted(windows.items()):
            for k in range(0, len(items), _BATCH):
                batch = items[k:k + _BATCH]
                feats = [self._read(first, first + length) for _, first, _ in batch]
                mels = np.stack([np.exp(f[:, :N_MELS]) for f in feats])
                mean_square = np.array([np.mean(np.exp(f[:, N_MELS])) for f in feats])
                mels *= (TARGET_MEAN_SQUARE / np.maximum(mean_square, 1e-10))[:, None, None]
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
            too little speech to tell speakers apart (no stretch of speech reaches
            ``min_window_ms``); `unsplit_reason` then says so. When the segmentation
            model finds no local speaker with ``min_local_ms`` of speech in any
            window, the per-frame path is tried (`fallback`).
        """
        try:
            if self._head is not None:
                if self._segmenter is None:          # a short file: ~10 windows however short it is
                    self._start_segmenter(int(np.clip((self._head_samples // 16 - 10_000) // 10, 1000,
                                                      self.settings.step_ms)))
                return self._finish_local(list(segments))
            return self._finish(list(segments))
        finally:
            self._file.close()

    def _probes(self, segments, limit: int | None = None):
        """Stretches of speech (segments closer than bridge_ms joined), each segment's stretch, and the
        embedding windows taken from the stretches (`_embed`; at most `limit` of them)."""
        stretches, stretch_of = [], []
        for start, end in segments:
            if stretches and start - stretches[-1][1] < self.settings.bridge_ms:
                stretches[-1] = (stretches[-1][0], max(end, stretches[-1][1]))
            else:
                stretches.append((start, end))
            stretch_of.append(len(stretches) - 1)
        return stretches, stretch_of, self._embed(stretches, limit)

    def _finish(self, segments, probes=None):
        # windows are taken from stretches of speech; each segment's frames are pulled towards its
        # stretch's windows
        stretches, stretch_of, (seg_rows, win_first, win_len, emb, stats) = probes or self._probes(segments)
        self.windows = len(seg_rows)
        if not len(seg_rows):
            return self._unsplit(segments)
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

    # ------------------------------------------------------------------ the segmentation path
    def _start_segmenter(self, step_ms: int) -> None:
        self._segmenter = WindowSegmenter(self._model or _shared_model(), step_ms * 16)
        for chunk in self._head:
            self._segmenter.process(chunk)
        self._head = []

    def _local_embeddings(self, segments):
        """One embedding per (window, local speaker) with enough speech inside the speech segments."""
        seg = self._segmenter
        seg.flush()
        speech = np.zeros(self.frames, bool)
        for start, end in segments:
            speech[start // 10:end // 10] = True
        s = self.settings
        cap, least = s.window_ms // 10, s.min_local_ms // 10
        masks, items = [], {}
        for w, (act, start) in enumerate(zip(seg.activity, seg.starts)):
            first, m = local_masks(act, start, self.frames)
            masks.append((first, m))
            if not len(m):
                continue
            m = m & speech[first:first + len(m), None]
            alone = m.sum(1) == 1
            feats = None
            for local in np.flatnonzero(m.sum(0) >= least):
                excl = m[:, local] & alone
                use = np.flatnonzero(excl if excl.sum() >= least else m[:, local])
                if len(use) > cap:                   # the middle of its speech
                    use = use[(len(use) - cap) // 2:(len(use) - cap) // 2 + cap]
                feats = self._read(first, first + len(m)) if feats is None else feats
                n = len(use) // 10 * 10
                items.setdefault(n, []).append((w, int(local), feats[use[:n]], excl.sum() * 10 >= s.min_window_ms))
        encoder = self._encoder or VoiceEncoder()
        rows, emb = [], []
        for _, group in sorted(items.items()):
            for k in range(0, len(group), _BATCH):
                batch = group[k:k + _BATCH]
                mels = np.stack([np.exp(f[:, :N_MELS]) for _, _, f, _ in batch])
                mean_square = np.array([np.mean(np.exp(f[:, N_MELS])) for _, _, f, _ in batch])
                mels *= (TARGET_MEAN_SQUARE / np.maximum(mean_square, 1e-10))[:, None, None]
                emb.append(encoder.embed(mels))
                rows += [(w, local, reliable) for w, local, _, reliable in batch]
        return masks, rows, (np.concatenate(emb) if emb else np.empty((0, 256), np.float32))

    def _mixed_voices(self, probes, share, centroids) -> str | None:
        """Why the segmentation result mixes voices, by the per-frame path's windows (`probes`), or None."""
        _, firsts, lengths, emb, _ = probes
        if not len(emb):
            return None
        if len(centroids) == 2:   # with more, a short window's nearest speaker is too unsure to overrule the model
            agree, n = probe_agreement(share, firsts, lengths, np.argmax(emb @ centroids.T, axis=1))
            if n and agree < self.settings.min_agreement:
                return (f"only {agree:.0%} of {n} short windows of speech got the speaker the segmentation model's "
                        f"result gives them (its local speakers mixed voices)")
        elif (len(centroids) == 1 and self.speakers is None
              and len(cluster_embeddings(emb, None, self.settings)[1]) >= 2):
            return "the segmentation model's local speakers made one voice of what short windows of speech tell apart"
        return None

    def _unsplit(self, segments) -> None:
        """None, with `unsplit_reason` saying how little speech there was to tell voices apart."""
        total, longest = sum(e - s for s, e in segments), max((e - s for s, e in segments), default=0)
        self.unsplit_reason = "no speech was found" if not total else (
            f"too little speech to tell voices apart ({total / 1000:.1f} s in all, the longest segment {longest} ms, "
            f"under the {self.settings.min_window_ms} ms a voice embedding needs)")
        return None

    def _finish_local(self, segments):
        if not any(e - s >= self.settings.min_window_ms for s, e in segments):
            return self._unsplit(segments)           # too little speech to tell voices apart
        masks, rows, emb = self._local_embeddings(segments)
        self.windows = len(rows)
        if not rows:
            # the model heard no one long enough in any window (quiet or far speech): short windows of
            # the detector's speech may still tell the voices apart
            self.fallback = "frames"
            self.fallback_reason = (f"the segmentation model found no one speaking for {self.settings.min_local_ms} "
                                    f"ms in any 10 s window")
            return self._finish(segments)
        heard = np.bincount([w for w, _, _ in rows]).max()
        if self.speakers is not None and self.speakers >= 2 and heard < 2:
            # the model hears one voice in every window while the user says there are more:
            # the local speakers would mix the voices, so the per-frame path tells them apart
            self.fallback = "frames"
            self.fallback_reason = (f"the segmentation model heard one voice in every window though the count given "
                                    f"was {self.speakers}")
            return self._finish(segments)
        window_of = np.array([w for w, _, _ in rows])
        reliable = np.array([r for _, _, r in rows], bool)
        fit = emb[reliable] if reliable.sum() >= 2 else emb
        if self.speakers == 1:
            centroids = np.mean(fit, axis=0, keepdims=True)
        else:
            _, centroids = cluster_embeddings(fit, self.speakers, self.settings)
        labels = assign_local_speakers(emb, window_of, centroids)
        tied = [np.full(3, -1) for _ in masks]
        for (w, local, _), g in zip(rows, labels):
            tied[w][local] = g
        share, count = speaker_activity(((first, m, tied[w]) for w, (first, m) in enumerate(masks)),
                                        self.frames, len(centroids))
        if self.settings.min_agreement > 0 and self.speakers != 1:
            probes = self._probes(segments, _PROBES)
            why = self._mixed_voices(probes[2], share, centroids)
            if why:
                self.fallback, self.fallback_reason = "frames", why
                # a capped sample is not enough for the frames path: it takes them all
                return self._finish(segments, None if len(probes[2][0]) == _PROBES else probes)
        if self.settings.add_speech:
            segments = _union(segments, count)
        turns = activity_turns(share, count, segments, self.settings.min_turn_ms // 10,
                               self.settings.min_overlap_ms // 10)
        order = {}
        for label, _, _ in turns:
            order.setdefault(label, f"spk{len(order)}")
        self.found_speakers = len(order)
        return [(order[label], s, e) for label, s, e in turns]
