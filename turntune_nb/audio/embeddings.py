"""Speaker embeddings of speech, in numpy: the features and the voice encoder.

The diariser (`turntune_nb.audio.diarize`) describes each window of speech by who
is speaking; this module turns audio into those descriptions:

- `MelFrames`: streamed 40-channel mel power frames, 10 ms apart (25 ms Hann
  window, librosa's ``melspectrogram(center=True)`` framing: the parameters
  Resemblyzer's encoder was trained on), and each frame's energy;
- `VoiceEncoder`: Resemblyzer's GE2E speaker encoder (Apache-2.0, converted to
  ``turntune_nb/data/voice_encoder.npz`` by ``scripts/export_voice_encoder.py``),
  a 3-layer LSTM run in numpy, from mel windows normalised to -30 dBFS
  (`TARGET_MEAN_SQUARE`) to L2-normalised 256-dimensional embeddings.

Both are checked against independent implementations (librosa, ONNX Runtime) by
``scripts/check_voice_encoder.py``, whose outputs the tests keep.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ConfigError

__all__ = ("MelFrames", "VoiceEncoder", "mel_filterbank", "load_weights", "tanh_gate_scale", "ENCODER_PATH",
           "SAMPLE_RATE", "HOP", "N_FFT", "N_MELS", "TARGET_MEAN_SQUARE")

#: Resemblyzer's GE2E weights, converted (see ``scripts/export_voice_encoder.py``).
ENCODER_PATH = Path(__file__).resolve().parents[1] / "data" / "voice_encoder.npz"

SAMPLE_RATE = 16000
HOP = 160          # 10 ms frames
N_FFT = 400        # 25 ms window
N_MELS = 40
#: Resemblyzer normalises audio to -30 dBFS before the encoder: a mean square of 1e-3.
TARGET_MEAN_SQUARE = 10 ** (-30 / 10)


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


# --------------------------------------------------------------------------- shipped weights
def load_weights(path: Path, what: str, script: str, keep) -> dict[str, np.ndarray]:
    """The float32 arrays of a converted model's ``.npz`` whose names `keep` accepts.

    Raises
    ------
    ConfigError
        When the file cannot be read, naming it and the script that rebuilds it.
    """
    try:
        data = np.load(path)
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot read the {what} weights {path} ({err}); reinstall turntune_nb "
                          f"or rebuild them with scripts/{script}") from err
    with data:
        return {k: data[k].astype(np.float32) for k in data.files if keep(k)}


def tanh_gate_scale(hidden: int) -> np.ndarray:
    """Per LSTM gate row (PyTorch order: input, forget, cell, output) the factor for its weights: 0.5 for the
    three sigmoid gates, 1 for the cell. As sigmoid(x) = (tanh(x / 2) + 1) / 2, one tanh over the scaled
    gates then does the work of three sigmoids and a tanh.

    Examples
    --------
    >>> tanh_gate_scale(1).tolist()
    [0.5, 0.5, 1.0, 0.5]
    """
    scale = np.full(4 * hidden, 0.5, np.float32)
    scale[2 * hidden:3 * hidden] = 1.0
    return scale


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
        w = load_weights(Path(path or ENCODER_PATH), "voice encoder", "export_voice_encoder.py",
                         lambda k: k.startswith(("lstm_", "linear_")))
        half = tanh_gate_scale(256)   # the sigmoid gates' weights halved: one tanh does all four gates
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
