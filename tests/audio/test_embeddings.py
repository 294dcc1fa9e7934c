"""The features and the voice encoder against independent implementations (librosa, ONNX Runtime)."""

import json
from pathlib import Path

import numpy as np
import pytest

from turntune_nb.audio.embeddings import MelFrames, VoiceEncoder, mel_filterbank
from turntune_nb.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = json.loads((ROOT / "tests" / "data" / "voice_encoder_reference.json").read_text())


# ---------------------------------------------------------------- the same inputs scripts/check_voice_encoder.py used
def chirp() -> np.ndarray:
    t = np.arange(8000) / 16000
    phase = 2 * np.pi * (150 * t + 750 * t * t)
    x = 0.3 * np.sin(phase) + 0.1 * np.sin(2 * phase) + 0.05 * np.sin(3 * phase)
    return np.round(x * 32767).astype(np.int16)


def fixed_mels() -> np.ndarray:
    t = np.arange(60)[:, None]
    m = np.arange(40)[None, :]
    a = np.exp(np.sin(0.21 * t + 0.37 * m) * 2.0 - 1.0) * 0.05
    b = np.exp(np.cos(0.13 * t * (m % 7 + 1) / 4.0) * 1.5 - 2.0) * 0.2
    return np.stack([a, b]).astype(np.float32)


def test_mel_frames_match_librosa():
    """Expected values: librosa.feature.melspectrogram as Resemblyzer calls it (stored by the check script)."""
    want = np.array(REFERENCE["mel_frames"], dtype=np.float64)
    got, energy = MelFrames().process(chirp())
    assert got.shape == want.shape == (49, 40)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6 * want.max())
    # frame 10 is centred on sample 1600: its energy is the mean square of samples 1520..1680
    x = chirp().astype(np.float64) / 32768
    assert energy[10] == pytest.approx(np.mean(x[1520:1680] ** 2), rel=1e-5)


def test_streamed_mel_frames_do_not_depend_on_chunking():
    x = chirp()
    whole, _ = MelFrames().process(x)
    frames = MelFrames()
    parts = [frames.process(x[i:i + 333])[0] for i in range(0, len(x), 333)]
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=1e-5)


def test_mel_filterbank_is_slaney_normalised():
    fb = mel_filterbank()
    # Slaney mel is linear below 1 kHz: 200/3 Hz per mel; with 42 points from 0 to 8000 Hz
    # (45.245 mel) the first filter peaks at 1.1035 mel = 73.57 Hz, nearest FFT bin (40 Hz apart) is bin 2
    assert int(np.argmax(fb[0])) == 2
    # "slaney" area normalisation: each triangle's height is 2 / (its width in Hz)
    mel_max = 15 + np.log(8) / (np.log(6.4) / 27)
    edges = np.linspace(0, mel_max, 42)[:3] * 200 / 3
    assert fb[0].max() <= 2 / (edges[2] - edges[0]) + 1e-9


def test_encoder_matches_onnx_runtime_lstm():
    """Expected values: ONNX Runtime's LSTM with Resemblyzer's float32 weights (stored by the check script)."""
    want = np.array(REFERENCE["embeddings"])
    got = VoiceEncoder().embed(fixed_mels())
    assert got.shape == (2, 256)
    assert np.max(np.abs(got - want)) < 1e-3
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0) and (got >= 0).all()


def test_missing_weights_say_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="export_voice_encoder"):
        VoiceEncoder(tmp_path / "nope.npz")
