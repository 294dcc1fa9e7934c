"""Clustering speaker embeddings: spherical k-means and the count at the elbow, worked by hand."""

import numpy as np

from turntune_nb.audio.clustering import cluster_embeddings, spherical_kmeans
from turntune_nb.audio.diarize import DiarisationSettings


def unit(rows):
    x = np.array(rows, dtype=float)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_spherical_kmeans_groups_by_direction():
    x = unit([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.1, 0.95, 0], [0, 0.05, 1]])
    labels, centres = spherical_kmeans(x, 3)
    assert labels[0] == labels[1] and labels[2] == labels[3]
    assert len({labels[0], labels[2], labels[4]}) == 3
    assert np.allclose(np.linalg.norm(centres, axis=1), 1.0)


def test_cluster_count_is_estimated_at_the_elbow():
    # three tight groups on three axes: mean cosine to the centroid W(1) ~ 0.58, W(2) ~ 0.79, W(3) ~ 1.0,
    # W(4) ~ 1.0: the gain from 2 to 3 clusters is ~0.21, from 3 to 4 ~0.0001, the largest ratio: k = 3
    x = unit([[1, 0.02, 0], [1, 0, 0.02], [0, 1, 0.01], [0.02, 1, 0], [0, 0.01, 1], [0.01, 0, 1]])
    labels, centres = cluster_embeddings(x, settings=DiarisationSettings(max_speakers=5))
    assert len(centres) == 3
    assert labels[0] == labels[1] != labels[2] == labels[3] != labels[4] == labels[5]
    # the count, when given, wins
    labels, centres = cluster_embeddings(x, speakers=2)
    assert len(centres) == 2 and len(set(labels)) == 2


def test_the_count_estimate_picks_the_strongest_elbow_not_the_last():
    # Two voices, each 42 embeddings spread evenly over an arc of +-0.4 rad, at 0 and 90 degrees.
    # n evenly spaced unit vectors (spacing d) have mean cosine sin(n d / 2) / (n sin(d / 2)) to their
    # centroid, so splitting each voice's arc into equal parts gives W(k) by hand:
    d = 0.8 / 41

    def arc(n):
        return np.sin(n * d / 2) / (n * np.sin(d / 2))

    within = {1: np.cos(np.pi / 4) * arc(42), 2: arc(42), 3: (arc(42) + arc(21)) / 2, 4: arc(21),
              5: (arc(21) + arc(14)) / 2, 6: arc(14)}
    gain = {k: within[k] - within[k - 1] for k in range(2, 7)}
    settings = DiarisationSettings(min_gain=0.005)
    # k = 2 (ratio ~27) and k = 4 (halving each arc, ratio ~5.3) both qualify; 3 (ratio 1) and 5, 6
    # (gains ~0.002) do not
    assert gain[2] / gain[3] > gain[4] / gain[5] > settings.elbow_ratio
    assert gain[2] > gain[4] > settings.min_gain > gain[5] and gain[3] / gain[4] < settings.elbow_ratio
    t = np.linspace(-0.4, 0.4, 42)
    x = np.vstack([np.column_stack([np.cos(t), np.sin(t)]), np.column_stack([-np.sin(t), np.cos(t)])])
    labels, centres = cluster_embeddings(x, settings=settings)
    assert len(centres) == 2                          # the strongest elbow, not the last one that qualifies
    assert len(set(labels[:42])) == len(set(labels[42:])) == 1 and labels[0] != labels[42]


def test_one_voice_is_one_cluster():
    x = unit([[1, 0.01 * i, 0] for i in range(6)])   # all within cosine 0.998: every gain < min_gain (0.02)
    labels, centres = cluster_embeddings(x, settings=DiarisationSettings(max_speakers=4))
    assert len(centres) == 1 and set(labels) == {0}
