"""Who speaks in each frame of a 10 s window, overlap included: pyannote's segmentation-3.0 in numpy.

pyannote's ``segmentation-3.0`` (MIT, (c) 2020 CNRS; converted without torch to
``turntune_nb/data/segmentation.npz`` by ``scripts/export_segmentation.py``) reads
10 s of 16 kHz audio and says, for each of 589 frames (one per 270 samples, about
17 ms), which of up to three *local* speakers are active, at most two at once. The
network (pyannote.audio's ``PyanNet``):

- SincNet: the waveform normalised per window, 80 sinc band-pass filters of 251 taps
  (stride 10, absolute value), then 60-channel 5-tap convolutions; each stage max
  pooled by 3, instance normalised and leaky-ReLU'd;
- a 4-layer bidirectional LSTM, 128 units per direction;
- two 128-unit linear layers (leaky ReLU) and a 7-class log-softmax: the *powerset*
  of the speakers (`POWERSET`: nobody, each alone, each pair).

`SegmentationModel` runs many windows as one batch, so the LSTM's steps are batched
matrix products. Local speakers are per window: the same person may be speaker 0
in one window and speaker 2 in the next; `turntune_nb.audio.diarize` ties them
together with speaker embeddings. The port is checked against PyTorch's own layers
on the original weights (``tests/audio/test_segmentation.py`` keeps the reference
output).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .embeddings import load_weights, tanh_gate_scale

__all__ = ("SegmentationModel", "POWERSET", "SEGMENTATION_PATH", "WINDOW_SAMPLES", "FRAME_STEP", "FRAME_SPAN",
           "frame_count", "to_multilabel")

#: The converted weights (see ``scripts/export_segmentation.py``).
SEGMENTATION_PATH = Path(__file__).resolve().parents[1] / "data" / "segmentation.npz"
#: The window the model was trained on: 10 s at 16 kHz.
WINDOW_SAMPLES = 160_000
#: Samples between frames (10 x 3 x 3 x 3) and samples one frame sees (its receptive field).
FRAME_STEP = 270
FRAME_SPAN = 991
#: Which local speakers each of the 7 powerset classes stands for.
POWERSET = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=np.int8)


def frame_count(samples: int) -> int:
    """Frames the model gives for `samples` samples (589 for 10 s).

    Examples
    --------
    >>> frame_count(160_000)
    589
    """
    n = (samples - 251) // 10 + 1
    for _ in range(3):
        n = (n - 3) // 3 + 1   # max pool by 3
        n = n - 4              # 5-tap convolution (the last pool has no convolution after it)
    return n + 4


def to_multilabel(log_probs: np.ndarray) -> np.ndarray:
    """Hard local-speaker activity ``(..., 3)`` from powerset log-probabilities ``(..., 7)``.

    Examples
    --------
    >>> to_multilabel(np.log(np.array([[0.1, 0.0, 0.0, 0.0, 0.9, 0.0, 0.0]]) + 1e-9)).tolist()
    [[1, 1, 0]]
    """
    return POWERSET[np.argmax(log_probs, axis=-1)]


def _instance_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """InstanceNorm1d over time (axis -2), channels last; biased variance, eps 1e-5."""
    mean = x.mean(axis=-2, keepdims=True)
    var = x.var(axis=-2, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * weight + bias


def _leaky(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.01 * x)


def _pool3(x: np.ndarray) -> np.ndarray:
    n = x.shape[-2] // 3
    return x[..., :n * 3, :].reshape(*x.shape[:-2], n, 3, x.shape[-1]).max(axis=-2)


def _conv(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Valid 1-d convolution, channels last: ``(T, C_in)`` -> ``(T - k + 1, C_out)``; weight ``(k * C_in, C_out)``."""
    k = weight.shape[0] // x.shape[-1]
    cols = np.lib.stride_tricks.sliding_window_view(x, k, axis=0)        # (T-k+1, C_in, k)
    cols = cols.transpose(0, 2, 1).reshape(len(cols), -1)               # tap-major, as the weight
    return cols @ weight + bias


class SegmentationModel:
    """pyannote's segmentation-3.0 in numpy.

    Parameters
    ----------
    path : str or Path, optional
        The converted weights (default `SEGMENTATION_PATH`, shipped in the package).

    Examples
    --------
    >>> model = SegmentationModel()
    >>> out = model(np.zeros((2, 32_000), dtype=np.float32))
    >>> out.shape
    (2, 115, 7)
    """

    def __init__(self, path=None):
        w = load_weights(Path(path or SEGMENTATION_PATH), "segmentation", "export_segmentation.py",
                         lambda k: k not in ("licence", "source"))
        self._wav_norm = (w["sincnet_wav_norm1d_weight"], w["sincnet_wav_norm1d_bias"])
        self._sinc = np.ascontiguousarray(w["sinc_filters"].T)                     # (251, 80)
        self._convs = [(np.ascontiguousarray(w[f"sincnet_conv1d_{i}_weight"].transpose(2, 1, 0).reshape(-1, 60)),
                        w[f"sincnet_conv1d_{i}_bias"]) for i in (1, 2)]
        self._norms = [(w[f"sincnet_norm1d_{i}_weight"], w[f"sincnet_norm1d_{i}_bias"]) for i in range(3)]
        half = tanh_gate_scale(128)   # the sigmoid gates' weights halved: one tanh does all four gates
        self._lstm = []   # per layer: input weights of both directions side by side, recurrent ones stacked
        for layer in range(4):
            names = (f"l{layer}", f"l{layer}_reverse")
            self._lstm.append((
                np.ascontiguousarray(np.concatenate([w[f"lstm_weight_ih_{n}"].T * half for n in names], axis=1)),
                np.ascontiguousarray(np.stack([w[f"lstm_weight_hh_{n}"].T * half for n in names])),
                np.concatenate([(w[f"lstm_bias_ih_{n}"] + w[f"lstm_bias_hh_{n}"]) * half for n in names])))
        self._linear = [(np.ascontiguousarray(w[f"linear_{i}_weight"].T), w[f"linear_{i}_bias"]) for i in (0, 1)]
        self._head = (np.ascontiguousarray(w["classifier_weight"].T), w["classifier_bias"])

    def features(self, wave: np.ndarray) -> np.ndarray:
        """SincNet's output ``(frames, 60)`` for one window of float samples."""
        x = np.asarray(wave, dtype=np.float32)
        x = (x - x.mean()) / np.sqrt(x.var() + 1e-5) * self._wav_norm[0] + self._wav_norm[1]
        cols = np.lib.stride_tricks.sliding_window_view(x, 251)[::10]
        y = np.abs(cols @ self._sinc)
        y = _leaky(_instance_norm(_pool3(y), *self._norms[0]))
        for (weight, bias), norm in zip(self._convs, self._norms[1:]):
            y = _leaky(_instance_norm(_pool3(_conv(y, weight, bias)), *norm))
        return y

    def _bilstm(self, x: np.ndarray) -> np.ndarray:
        """4 bidirectional layers over ``(T, B, C)``; returns ``(T, B, 256)``."""
        steps, batch, _ = x.shape
        for w_ih, w_hh, bias in self._lstm:
            # both directions' input gates in one product; the backward one is read in reversed time, so
            # step t of the loop adds row t of both
            gates_in = (x.reshape(steps * batch, -1) @ w_ih + bias).reshape(steps, batch, 2, 512)
            gates_in = np.ascontiguousarray(np.stack([gates_in[:, :, 0], gates_in[::-1, :, 1]], axis=1))
            hs = np.empty((steps, 2, batch, 128), np.float32)
            h = np.zeros((2, batch, 128), np.float32)
            c = np.zeros((2, batch, 128), np.float32)
            g = np.empty((2, batch, 512), np.float32)
            for t in range(steps):
                np.matmul(h, w_hh, out=g)          # PyTorch gate order: input, forget, cell, output
                g += gates_in[t]
                np.tanh(g, out=g)
                g[..., :256] += 1.0                # 2 x the input and forget gates' sigmoids
                g[..., 384:] += 1.0                # 2 x the output gate's
                c *= g[..., 128:256]
                c += g[..., :128] * g[..., 256:384]
                c *= 0.5
                h = hs[t]
                np.tanh(c, out=h)
                h *= g[..., 384:]
                h *= 0.5
            x = np.concatenate([hs[:, 0], hs[::-1, 1]], axis=-1)
        return x

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        """Powerset log-probabilities ``(batch, frames, 7)`` of a batch of equal-length float windows.

        Parameters
        ----------
        windows : numpy.ndarray
            ``(batch, samples)`` float samples in [-1, 1] at 16 kHz (the model was
            trained on 10 s, `WINDOW_SAMPLES`; shorter ones work with less context).
        """
        windows = np.atleast_2d(np.asarray(windows, dtype=np.float32))
        feats = np.stack([self.features(w) for w in windows], axis=1)           # (T, B, 60)
        x = self._bilstm(feats).transpose(1, 0, 2)
        for weight, bias in self._linear:
            x = _leaky(x @ weight + bias)
        logits = x @ self._head[0] + self._head[1]
        logits -= logits.max(axis=-1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
