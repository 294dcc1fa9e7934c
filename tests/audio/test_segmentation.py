"""The numpy segmentation model against PyTorch's own layers on the original weights."""

import wave
from pathlib import Path

import numpy as np
import pytest

from turntune_nb.audio.segmentation import (
    FRAME_SPAN,
    FRAME_STEP,
    POWERSET,
    SegmentationModel,
    frame_count,
    to_multilabel,
)
from turntune_nb.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = np.load(ROOT / "tests" / "data" / "segmentation_reference.npz")


@pytest.fixture(scope="module")
def model():
    return SegmentationModel()


def sample_window() -> np.ndarray:
    with wave.open(str(ROOT / "samples" / "real" / "sample.wav")) as fh:
        pcm = np.frombuffer(fh.readframes(fh.getnframes()), np.int16)
    start, length = int(REFERENCE["start"]), int(REFERENCE["length"])
    return pcm[start:start + length].astype(np.float32) / 32768.0


def test_matches_pytorch_reference(model):
    """Expected values: scripts/reference_segmentation.py (nn.LSTM, nn.InstanceNorm1d, asteroid's ParamSincFB
    on the checkpoint read by torch.load), 10 s of samples/real/sample.wav from 6.0 s."""
    want = REFERENCE["log_probs"]
    got = model(sample_window()[None])[0]
    assert got.shape == want.shape == (589, 7)
    np.testing.assert_allclose(np.exp(got), np.exp(want), atol=2e-3)
    assert np.array_equal(got.argmax(-1), want.argmax(-1))
    # the reference window holds both speakers: the classes used are not all silence
    assert len(set(want.argmax(-1).tolist()) - {0}) >= 2


def test_batched_windows_are_independent(model):
    """A window's output does not depend on what else is in the batch (the LSTM's batch rows never mix)."""
    x = sample_window()
    other = np.roll(x, 40_000) * 0.5
    alone = model(x[None])[0]
    batched = model(np.stack([other, x, other[::-1].copy()]))[1]
    np.testing.assert_allclose(batched, alone, atol=1e-4)


def test_frame_count_and_timing():
    # 160000 samples: sinc conv (251 taps, stride 10) -> (160000 - 251) // 10 + 1 = 15975; pool 3 -> 5325;
    # conv 5 -> 5321; pool -> 1773; conv 5 -> 1769; pool -> 589
    assert frame_count(160_000) == 589
    # 32000: 3175 -> 1058 -> 1054 -> 351 -> 347 -> 115
    assert frame_count(32_000) == 115
    # receptive field: 251 + 2*10 (pool) + 4*30 (conv) + 2*30 (pool) + 4*90 (conv) + 2*90 (pool) = 991; step 10*3*3*3
    assert (FRAME_SPAN, FRAME_STEP) == (991, 270)


def test_powerset_to_multilabel():
    # class order: nobody, 0, 1, 2, {0,1}, {0,2}, {1,2}
    logp = np.log(np.eye(7) * 0.9 + 0.1 / 7)
    assert to_multilabel(logp).tolist() == [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1],
                                            [0, 1, 1]]
    assert POWERSET.sum(1).max() == 2


def test_missing_weights_say_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="export_segmentation.py"):
        SegmentationModel(tmp_path / "nope.npz")
