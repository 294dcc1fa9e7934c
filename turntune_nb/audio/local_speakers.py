"""Local speakers of 10 s windows, tied into a file's speakers: the overlap-aware half of mono diarisation.

`turntune_nb.audio.segmentation` says who of up to three *local* speakers talks in
each ~17 ms frame of a 10 s window, two at once where they overlap. This module
does the rest, numpy only:

1. `WindowSegmenter` slides the window over a stream (``step`` apart; the last one
   padded with zeros) and runs the model on batches of windows; it keeps each
   window's hard activity ``(589, 3)`` (int8: about 1.8 kB a window).
2. `local_masks` maps a window's frames onto the diariser's 10 ms frames.
3. `assign_local_speakers`: each local speaker with an embedding is matched to the
   file's speakers (the centroids of the clustered embeddings), two local speakers
   of one window never to the same speaker (the best one-to-one assignment of the
   window, by exhaustive search over at most 3 of them).
4. `speaker_activity`: per 10 ms frame, the share of the windows covering it in
   which each speaker is active, and the mean number of active local speakers
   (pyannote's aggregation); a frame's speakers are the most active ones, as many as
   that count says (at least one inside the detector's speech, none outside).
5. `activity_turns`: each speaker's runs of activity inside the speech segments, as
   ``(speaker, start_ms, end_ms)`` turns, which may overlap another speaker's.
6. `probe_agreement`: a check of the result against short windows of speech labelled
   by their own embeddings (where local speakers mix voices, few agree).
"""

from __future__ import annotations

import itertools

import numpy as np

from .segmentation import FRAME_SPAN, FRAME_STEP, WINDOW_SAMPLES, SegmentationModel, to_multilabel

__all__ = ("WindowSegmenter", "local_masks", "assign_local_speakers", "speaker_activity", "activity_turns")

HOP = 160   # the diariser's 10 ms frames


class WindowSegmenter:
    """Runs the segmentation model over a stream of 16 kHz int16 chunks, window by window.

    Parameters
    ----------
    model : SegmentationModel
    step : int
        Samples between window starts (at most `WINDOW_SAMPLES`).
    batch : int
        Windows per model call (memory: about 1.2 MB of LSTM gates per window).

    Attributes
    ----------
    starts : list of int
        The first sample of each window run so far.
    activity : list of numpy.ndarray
        Each window's hard local-speaker activity ``(589, 3)`` int8.
    """

    def __init__(self, model: SegmentationModel, step: int, batch: int = 8):
        self.model, self.step, self.batch = model, int(step), int(batch)
        self.starts: list[int] = []
        self.activity: list[np.ndarray] = []
        self._buf = np.zeros(0, np.float32)
        self._buf_start = 0          # sample index of _buf[0]
        self._next = 0               # start of the next window
        self._pending: list[np.ndarray] = []
        self._pending_starts: list[int] = []
        self._last: int | None = None   # start of the last window queued
        self.samples = 0

    def process(self, chunk: np.ndarray) -> None:
        x = np.asarray(chunk, dtype=np.float32) / 32768.0
        self.samples += len(x)
        self._buf = np.concatenate([self._buf, x])
        while self._next + WINDOW_SAMPLES <= self._buf_start + len(self._buf):
            a = self._next - self._buf_start
            self._queue(self._buf[a:a + WINDOW_SAMPLES].copy(), self._next)
            self._next += self.step
        drop = max(0, self._next - self._buf_start)
        self._buf, self._buf_start = self._buf[drop:], self._buf_start + drop

    def _queue(self, window: np.ndarray, start: int) -> None:
        self._last = start
        self._pending.append(window)
        self._pending_starts.append(start)
        if len(self._pending) >= self.batch:
            self._run()

    def _run(self) -> None:
        if not self._pending:
            return
        hard = to_multilabel(self.model(np.stack(self._pending))).astype(np.int8)
        self.activity += list(hard)
        self.starts += self._pending_starts
        self._pending, self._pending_starts = [], []

    def flush(self) -> None:
        """Run the last, zero-padded window (if the stream's end is not covered yet) and any queued ones."""
        end = self._buf_start + len(self._buf)
        if self.samples and (self._last is None or self._last + WINDOW_SAMPLES < end):
            a = self._next - self._buf_start
            window = np.zeros(WINDOW_SAMPLES, np.float32)
            tail = self._buf[max(a, 0):]
            window[:len(tail)] = tail
            self._queue(window, self._next)
        self._run()


def local_masks(activity: np.ndarray, start: int, frames: int) -> tuple[int, np.ndarray]:
    """A window's local activity on the 10 ms frame grid.

    Parameters
    ----------
    activity : numpy.ndarray
        ``(589, 3)`` hard activity of the window starting at sample `start`.
    frames : int
        Frames (10 ms) in the whole stream: the result is clipped to it.

    Returns
    -------
    first : int
        The first 10 ms frame the window covers.
    masks : numpy.ndarray
        ``(n, 3)`` bool: 10 ms frame ``first + i`` (centred on sample ``160 (first + i)``)
        takes the model frame whose centre (``start + 270 j + 495``) is nearest.

    Examples
    --------
    >>> act = np.zeros((589, 3), np.int8); act[100:200, 1] = 1
    >>> first, m = local_masks(act, 0, 10_000)
    >>> first, m.shape, int(m[:, 1].sum())   # 100 frames of 270 samples: 27000 samples, 168.75 frames of 160
    (0, (1000, 3), 169)
    """
    first = -(-start // HOP)
    last = min(frames, (start + WINDOW_SAMPLES) // HOP)
    if last <= first:
        return first, np.zeros((0, activity.shape[1]), bool)
    centres = np.arange(first, last) * HOP
    j = np.clip(np.rint((centres - start - FRAME_SPAN // 2) / FRAME_STEP).astype(int), 0, len(activity) - 1)
    return first, activity[j].astype(bool)


def assign_local_speakers(embeddings: np.ndarray, windows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """The file speaker of each local speaker: best cosine, distinct within a window.

    Parameters
    ----------
    embeddings : numpy.ndarray
        ``(n, d)`` L2-normalised, one per local speaker.
    windows : numpy.ndarray
        ``(n,)`` the window each comes from.
    centroids : numpy.ndarray
        ``(k, d)`` the file's speakers.

    Returns
    -------
    numpy.ndarray of int ``(n,)``

    Examples
    --------
    >>> c = np.eye(2)
    >>> e = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9]])
    >>> e /= np.linalg.norm(e, axis=1, keepdims=True)
    >>> assign_local_speakers(e, np.array([0, 0, 1]), c).tolist()   # the second is the first's partner
    [0, 1, 1]
    """
    sims = embeddings @ centroids.T
    out = np.argmax(sims, axis=1) if len(sims) else np.empty(0, int)
    k = centroids.shape[0]
    for w in np.unique(windows):
        rows = np.flatnonzero(windows == w)
        if len(rows) < 2 or k < 2 or len(set(out[rows].tolist())) == len(rows):
            continue
        best, choice = -np.inf, None
        for perm in itertools.permutations(range(k), min(len(rows), k)):
            score = sum(sims[r, c] for r, c in zip(rows, perm))
            if score > best:
                best, choice = score, perm
        out[rows[:len(choice)]] = choice
    return out


def speaker_activity(windows, frames: int, speakers: int) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate the windows' local speakers into per-frame activity of the file's speakers.

    Parameters
    ----------
    windows : iterable of (first, masks, labels)
        ``local_masks`` output of each window and the file speaker of each local
        speaker (-1: not tied to any).
    frames, speakers : int

    Returns
    -------
    share : numpy.ndarray
        ``(frames, speakers)`` float32: of the windows covering a frame, the share in
        which each speaker is active.
    count : numpy.ndarray
        ``(frames,)`` float32: the mean number of active local speakers over them.
    """
    score = np.zeros((frames, speakers), np.float32)
    count = np.zeros(frames, np.float32)
    cover = np.zeros(frames, np.float32)
    for first, masks, labels in windows:
        n = len(masks)
        if not n:
            continue
        cover[first:first + n] += 1
        count[first:first + n] += masks.sum(1)
        for local, g in enumerate(labels):
            if g >= 0:
                score[first:first + n, g] += masks[:, local]
    cover = np.maximum(cover, 1)
    return score / cover[:, None], count / cover


def probe_agreement(share: np.ndarray, firsts, lengths, labels) -> tuple[float, int]:
    """How far short windows of speech, each labelled by its own embedding, agree with aggregated activity.

    Parameters
    ----------
    share : numpy.ndarray
        ``(frames, speakers)`` from `speaker_activity`.
    firsts, lengths : sequence of int
        Each window's first 10 ms frame and length in frames.
    labels : sequence of int
        Each window's speaker (its embedding's nearest centroid).

    Returns
    -------
    agreement : float
        Of the windows where anyone is active, the share whose label is the speaker
        with the most activity over the window's frames (1.0 when there are none).
    scored : int
        How many windows that is.

    Examples
    --------
    >>> share = np.zeros((300, 2)); share[:100, 0] = 1; share[100:200, 1] = 1
    >>> probe_agreement(share, [0, 100, 150, 200], [50, 50, 50, 50], [0, 1, 0, 1])   # the last: no one active
    (0.6666666666666666, 3)
    """
    ok = scored = 0
    for first, n, label in zip(firsts, lengths, labels):
        total = share[first:first + n].sum(axis=0)
        if len(total) and total.max() > 0:
            scored += 1
            ok += int(np.argmax(total) == label)
    return (ok / scored if scored else 1.0), scored


def activity_turns(share: np.ndarray, count: np.ndarray, segments, min_turn: int, min_overlap: int):
    """Speaker turns from aggregated activity, inside the speech segments.

    Every speech frame gets ``max(1, round(count))`` speakers (at most two): the most
    active ones; a frame no window gives anyone takes the speakers of the nearest
    frame of its segment that has some, and a segment with none at all the main speaker
    of the nearest frame in the file that has one (the detector says what is speech; the
    model only says who). The main speaker's runs shorter than `min_turn` frames take
    their longer neighbour's; second speakers' runs shorter than `min_overlap` frames
    are dropped.

    Returns
    -------
    list of (int, start_ms, end_ms), sorted by start.
    """
    turns = []
    order = np.argsort(-share, axis=1, kind="stable")
    anyone = np.flatnonzero(share.max(axis=1) > 0)
    for start, end in segments:
        a, b = start // 10, max(start // 10 + 1, min(end // 10, len(share)))
        if a >= len(share):
            continue
        sh, top = share[a:b], order[a:b]
        known = sh.max(axis=1) > 0
        if not known.any():
            near = anyone[np.argmin(np.abs(anyone - (a + b) // 2))] if len(anyone) else None
            main = np.full(b - a, -1 if near is None else order[near, 0])
        else:
            idx = np.flatnonzero(known)
            nearest = idx[np.clip(np.searchsorted(idx, np.arange(b - a)), 0, len(idx) - 1)]
            left = idx[np.clip(np.searchsorted(idx, np.arange(b - a)) - 1, 0, len(idx) - 1)]
            nearest = np.where(np.abs(left - np.arange(b - a)) <= np.abs(nearest - np.arange(b - a)), left, nearest)
            main = _smooth_runs(top[nearest, 0], min_turn)
        second = np.full(b - a, -1)
        if share.shape[1] > 1:
            two = (np.rint(count[a:b]) >= 2) & known
            other = np.where(top[:, 0] == main, top[:, 1], top[:, 0])
            ok = two & (sh[np.arange(b - a), other] > 0) & (other != main)
            second = np.where(ok, other, -1)
            second = _drop_short(second, min_overlap)
        for track in (main, second):
            change = np.flatnonzero(np.diff(track)) + 1
            edges = np.concatenate([[start], (a + change) * 10, [end]])
            for i, s in enumerate([0, *change]):
                if track[s] >= 0 and edges[i + 1] > edges[i]:
                    turns.append((int(track[s]), int(edges[i]), int(min(edges[i + 1], end))))
    merged: list[tuple[int, int, int]] = []
    last: dict[int, int] = {}                    # a speaker's latest turn in `merged`
    for who, s_ms, e_ms in sorted(turns, key=lambda t: (t[1], t[2])):
        j = last.get(who)
        if j is not None and merged[j][2] >= s_ms:   # a speaker's main and overlap stretches that touch: one turn
            merged[j] = (who, merged[j][1], max(merged[j][2], e_ms))
        else:
            last[who] = len(merged)
            merged.append((who, s_ms, e_ms))
    return merged


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


def _drop_short(track: np.ndarray, min_len: int) -> np.ndarray:
    track = track.copy()
    change = np.flatnonzero(np.diff(track)) + 1
    for s, e in zip([0, *change], [*change, len(track)]):
        if track[s] >= 0 and e - s < min_len:
            track[s:e] = -1
    return track
