"""Clustering speaker embeddings into a file's speakers: spherical k-means, and the count at the elbow.

`turntune_nb.audio.diarize` embeds windows of speech (or local speakers of the
segmentation windows) and clusters them here, into the count given or into an
estimated one (`cluster_embeddings`).
"""

from __future__ import annotations

import numpy as np

__all__ = ("spherical_kmeans", "cluster_embeddings", "MAX_SPEAKERS", "ELBOW_RATIO", "MIN_GAIN")

#: The count estimate's defaults (`turntune_nb.audio.diarize.DiarisationSettings` documents them).
MAX_SPEAKERS = 6
ELBOW_RATIO = 1.8
MIN_GAIN = 0.02


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


def cluster_embeddings(x: np.ndarray, speakers: int | None = None, settings=None):
    """Cluster embeddings into `speakers` groups, or into an estimated number.

    The estimate clusters into k = 1 .. ``max_speakers + 1`` groups and measures
    W(k), the mean cosine of each embedding to its centroid. Splitting one voice
    in two raises W a little, and about as much as the next split; splitting two
    voices apart raises it much more than the next split. So k >= 2 is chosen
    where the gain W(k) - W(k-1) is largest relative to W(k+1) - W(k), if that
    ratio reaches ``elbow_ratio`` and the gain ``min_gain``; otherwise k = 1.

    Parameters
    ----------
    x : numpy.ndarray
        ``(n, d)`` L2-normalised rows.
    speakers : int, optional
        The count, when known.
    settings : DiarisationSettings, optional
        Its ``max_speakers``, ``elbow_ratio`` and ``min_gain`` (default: `MAX_SPEAKERS`,
        `ELBOW_RATIO`, `MIN_GAIN`).

    Returns
    -------
    labels : numpy.ndarray of int (0..k-1), centroids : numpy.ndarray ``(k, d)``
    """
    if len(x) == 0:
        return np.empty(0, int), np.empty((0, x.shape[1] if x.ndim == 2 else 256))
    if speakers is not None:
        return spherical_kmeans(x, speakers)
    max_speakers, elbow_ratio, min_gain = ((settings.max_speakers, settings.elbow_ratio, settings.min_gain)
                                           if settings is not None else (MAX_SPEAKERS, ELBOW_RATIO, MIN_GAIN))
    top = min(max_speakers + 1, len(x))
    fits = [spherical_kmeans(x, k) for k in range(1, top + 1)]
    within = np.array([np.mean(np.sum(x * c[labels], axis=1)) for labels, c in fits])
    gains = np.diff(within)
    best, best_ratio = 1, 0.0
    for k in range(2, top):   # gains[k - 2]: from k-1 to k clusters; gains[k - 1]: from k to k+1
        ratio = gains[k - 2] / max(gains[k - 1], 1e-6)
        if gains[k - 2] >= min_gain and ratio >= elbow_ratio and ratio > best_ratio:
            best, best_ratio = k, ratio
    return fits[best - 1]
