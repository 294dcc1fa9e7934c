"""Crosstalk in two-channel recordings: speech that is only the other party's leak is not speech.

Call recordings keep one party per channel, but each channel also carries a delayed,
attenuated copy of the other (acoustic or line echo, a headset picking up the room,
a codec's joint stereo). A voice activity detector hears that copy as speech, so the
listening party seems to talk whenever the other does: speaker changes vanish and
false backchannels appear.

`resolve_crosstalk` compares the two channels frame by frame (10 ms energies):

1. For each direction (channel ``src`` leaking into ``dst``) it finds the leak's
   delay, the lag (0-300 ms) at which ``dst``'s energy follows ``src``'s most
   closely while ``src`` speaks, and its gain, a low percentile of the level
   difference at that lag (frames where ``dst`` is silent but for the leak set it).
2. A frame of ``dst`` is leak when the copy predicted from ``src`` (delayed and
   attenuated) is audible there and ``dst`` is not at least ``margin_db`` louder.
3. The detector's segments are cut at their leak runs; a piece is kept when it is
   at least ``min_speech_ms`` long and half of that is loud (20 dB over the
   channel's floor) without being leak. Segments with no leak frame keep their
   boundaries exactly.

Examples
--------
>>> levels = np.full((2, 100), -80.0)
>>> levels[0, 10:60] = -20.0               # channel 0 speaks 100-600 ms ...
>>> levels[1, 12:62] = -40.0               # ... and leaks into channel 1 20 ms later, 20 dB down
>>> levels[1, 70:90] = -25.0               # channel 1 answers 700-900 ms
>>> resolve_crosstalk([[(100, 600)], [(120, 620), (700, 900)]], levels)
[[(100, 600)], [(700, 900)]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ("LEVEL_FRAME_MS", "Leak", "estimate_leak", "resolve_crosstalk", "leak_mask", "trim_segments")

#: The frame of the energy envelopes compared across channels.
LEVEL_FRAME_MS = 10
#: Longest leak delay searched.
MAX_LAG_MS = 300
#: A source frame this far over its channel's floor counts as "speaking" for the leak estimate.
ACTIVE_DB = 20.0
#: A frame at least this much louder than the predicted leak is the channel's own speech.
MARGIN_DB = 8.0
#: A predicted leak this far over the receiving channel's floor is audible there.
AUDIBLE_LEAK_DB = 3.0
#: A piece of a segment cut by leak is kept only with this much evidence: frames of its
#: own, this far over the channel's floor, for at least half of ``min_speech_ms``.
EVIDENCE_DB = 15.0


@dataclass(frozen=True, slots=True)
class Leak:
    """How channel ``src`` leaks into channel ``dst``.

    Attributes
    ----------
    src, dst : int
    lag_ms : int
        Delay of the copy.
    gain_db : float
        Its level relative to the source (negative: attenuated). Meaningless when
        ``frames`` is 0.
    frames : int
        Source frames the estimate rests on.
    """

    src: int
    dst: int
    lag_ms: int
    gain_db: float
    frames: int


def _shift(x: np.ndarray, lag: int, fill: float) -> np.ndarray:
    """x delayed by `lag` frames (the first `lag` frames filled)."""
    if lag == 0:
        return x
    return np.concatenate([np.full(lag, fill), x[:-lag]])


def estimate_leak(levels_db: np.ndarray, src: int, dst: int) -> Leak:
    """Delay and gain of ``src``'s copy in ``dst``, from 10 ms energy envelopes (dB).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> a = np.where(rng.random(500) < 0.5, -20.0, -80.0) + rng.normal(0, 3, 500)
    >>> b = np.maximum(np.concatenate([np.full(3, -80.0), a[:-3]]) - 18, -80.0)
    >>> leak = estimate_leak(np.vstack([a, b]), 0, 1)
    >>> leak.lag_ms, round(leak.gain_db)
    (30, -18)
    """
    s, d = levels_db[src], levels_db[dst]
    floor = float(np.percentile(s, 5))
    active = s >= floor + ACTIVE_DB
    n_lags = MAX_LAG_MS // LEVEL_FRAME_MS + 1
    best, best_corr = 0, -np.inf
    if active.sum() >= 20:
        for lag in range(n_lags):
            sl = _shift(s, lag, floor)
            on = _shift(active.astype(float), lag, 0.0) > 0
            if on.sum() < 20:
                continue
            diff = d[on] - sl[on]
            low = diff <= np.median(diff)          # where dst is quietest relative to src: leak-dominated
            x, y = sl[on][low], d[on][low]
            if not (x.std() >= 1e-6 and y.std() >= 1e-6):  # flat (or non-finite) levels: no correlation to find
                continue
            with np.errstate(invalid="ignore", divide="ignore"):  # near-flat levels round to a zero spread
                corr = float(np.corrcoef(x, y)[0, 1])
            if corr > best_corr + 1e-9:
                best, best_corr = lag, corr
    on = _shift(active.astype(float), best, 0.0) > 0
    if on.sum() < 20:
        return Leak(src, dst, 0, -np.inf, 0)
    gain = float(np.percentile(d[on] - _shift(s, best, floor)[on], 10))
    return Leak(src, dst, best * LEVEL_FRAME_MS, gain, int(on.sum()))


def leak_mask(levels_db: np.ndarray, dst: int, leak: Leak, margin_db: float = 8.0) -> np.ndarray:
    """True where channel ``dst`` holds an audible leak of ``src`` and is not `margin_db` louder than it."""
    d = levels_db[dst]
    if leak.frames == 0 or not np.isfinite(leak.gain_db):
        return np.zeros(len(d), dtype=bool)
    predicted = _shift(levels_db[leak.src], leak.lag_ms // LEVEL_FRAME_MS, -240.0) + leak.gain_db
    # smooth over 30 ms: single frames of either envelope are noisy
    k = np.ones(3) / 3
    d_s, p_s = np.convolve(d, k, mode="same"), np.convolve(predicted, k, mode="same")
    audible = p_s >= float(np.percentile(d, 5)) + AUDIBLE_LEAK_DB
    return audible & (d_s - p_s < margin_db)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    m = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(m))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def trim_segments(segments, leak: np.ndarray, evidence: np.ndarray, min_speech_ms: int,
                  min_silence_ms: int) -> list[tuple[int, int]]:
    """Cut each segment at its runs of `leak` frames (10 ms; runs shorter than `min_silence_ms` do not cut);
    keep the pieces with `evidence` frames for at least half of `min_speech_ms` and `min_speech_ms` long.

    Also used for background talk (`turntune_nb.audio.denoise.trim_background`).
    """
    f = LEVEL_FRAME_MS
    out = []
    for a, b in segments:
        lo, hi = a // f, min(-(-b // f), len(leak))
        inside = ~leak[lo:hi]
        if hi <= lo or inside.all():
            out.append((a, b))
            continue
        merged: list[list[int]] = []
        for r0, r1 in _runs(inside):        # leak runs shorter than min_silence do not cut
            if merged and (r0 - merged[-1][1]) * f < min_silence_ms:
                merged[-1][1] = r1
            else:
                merged.append([r0, r1])
        for r0, r1 in merged:
            own = np.flatnonzero(evidence[lo + r0:lo + r1])
            if len(own) * f < min_speech_ms // 2:
                continue
            # where a leak run cut it, a piece starts (ends) at its first (last) frame of own speech
            s_ms = a if r0 == 0 else (lo + r0 + int(own[0])) * f
            e_ms = b if r1 == hi - lo else (lo + r0 + int(own[-1]) + 1) * f
            if e_ms - s_ms >= min_speech_ms:
                out.append((s_ms, e_ms))
    return out


def resolve_crosstalk(segments: list, levels_db: np.ndarray, margin_db: float | None = None,
                      min_speech_ms: int = 100, min_silence_ms: int = 60) -> list:
    """Each channel's speech segments without the other channel's leak.

    Parameters
    ----------
    segments : list of two lists of (start_ms, end_ms)
        The detector's segments per channel.
    levels_db : numpy.ndarray
        Shaped ``(2, n)``: the energy of each channel per 10 ms frame, dB re full
        scale (`turntune_nb.audio.levels.frame_levels_db`).
    margin_db : float, optional
        How much louder than the predicted leak a frame must be to be the
        channel's own speech (default `MARGIN_DB`).
    min_speech_ms, min_silence_ms : int
        As `VADSettings`: pieces shorter than this are dropped, leak runs shorter
        than this do not cut.

    Returns
    -------
    list of two lists of (start_ms, end_ms)
    """
    if len(segments) != 2 or levels_db.shape[0] != 2:
        raise ValueError("resolve_crosstalk compares exactly two channels")
    margin_db = MARGIN_DB if margin_db is None else margin_db
    out = []
    for dst in (0, 1):
        leak = leak_mask(levels_db, dst, estimate_leak(levels_db, 1 - dst, dst), margin_db)
        d = levels_db[dst]
        evidence = ~leak & (d >= float(np.percentile(d, 5)) + EVIDENCE_DB)
        out.append(trim_segments(segments[dst], leak, evidence, min_speech_ms, min_silence_ms))
    return out
