"""The reference output the numpy segmentation model is checked against, computed with PyTorch.

Run in a throwaway environment that has torch and asteroid-filterbanks (never a
dependency of turntune_nb)::

    python3 -m venv /tmp/torchref
    /tmp/torchref/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    /tmp/torchref/bin/pip install --no-deps asteroid-filterbanks numpy
    /tmp/torchref/bin/python scripts/reference_segmentation.py path/to/pytorch_model.bin

It builds pyannote.audio's ``PyanNet`` from PyTorch's own layers (asteroid's
``ParamSincFB`` for the sinc filters, ``nn.LSTM``, ``nn.InstanceNorm1d``...), loads
the original checkpoint with ``torch.load`` (not the repository's converter), runs it
on 10 s of ``samples/real/sample.wav`` (6.0-16.0 s: two speakers, changes and an
overlap) and writes ``tests/data/segmentation_reference.npz``: the window's start and
length in samples and the powerset log-probabilities ``(589, 7)``.
"""

import sys
import wave
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from asteroid_filterbanks import Encoder, ParamSincFB
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
START, LENGTH = 6 * 16000, 160_000


class SincNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.wav_norm1d = nn.InstanceNorm1d(1, affine=True)
        self.conv1d = nn.ModuleList([Encoder(ParamSincFB(80, 251, stride=10, sample_rate=16000,
                                                         min_low_hz=50, min_band_hz=50)),
                                     nn.Conv1d(80, 60, 5), nn.Conv1d(60, 60, 5)])
        self.pool1d = nn.ModuleList([nn.MaxPool1d(3, stride=3, padding=0, dilation=1) for _ in range(3)])
        self.norm1d = nn.ModuleList([nn.InstanceNorm1d(80, affine=True), nn.InstanceNorm1d(60, affine=True),
                                     nn.InstanceNorm1d(60, affine=True)])

    def forward(self, x):
        out = self.wav_norm1d(x)
        for c, (conv, pool, norm) in enumerate(zip(self.conv1d, self.pool1d, self.norm1d)):
            out = conv(out)
            if c == 0:
                out = torch.abs(out)
            out = F.leaky_relu(norm(pool(out)))
        return out


class PyanNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.sincnet = SincNet()
        self.lstm = nn.LSTM(60, 128, num_layers=4, bidirectional=True, batch_first=True)
        self.linear = nn.ModuleList([nn.Linear(256, 128), nn.Linear(128, 128)])
        self.classifier = nn.Linear(128, 7)

    def forward(self, x):
        out, _ = self.lstm(self.sincnet(x).transpose(1, 2))
        for layer in self.linear:
            out = F.leaky_relu(layer(out))
        return F.log_softmax(self.classifier(out), dim=-1)


class _Opaque:
    """pyannote's task objects in the checkpoint (not installed here): kept, never run."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


def _stub_pyannote():
    import types
    for name in ("pyannote", "pyannote.audio", "pyannote.audio.core", "pyannote.audio.core.task"):
        module = types.ModuleType(name)
        module.__getattr__ = lambda attr: _Opaque
        sys.modules.setdefault(name, module)


def main(argv):
    _stub_pyannote()
    checkpoint = torch.load(argv[0], map_location="cpu", weights_only=False)
    net = PyanNet()
    state = {k: v for k, v in checkpoint["state_dict"].items()}
    missing = net.load_state_dict(state, strict=False)
    assert not missing.missing_keys, missing
    net.eval()
    with wave.open(str(ROOT / "samples" / "real" / "sample.wav")) as fh:
        pcm = np.frombuffer(fh.readframes(fh.getnframes()), np.int16)
    x = torch.from_numpy(pcm[START:START + LENGTH].astype(np.float32) / 32768.0)[None, None]
    with torch.inference_mode():
        out = net(x)[0].numpy()
    path = ROOT / "tests" / "data" / "segmentation_reference.npz"
    np.savez_compressed(path, start=START, length=LENGTH, log_probs=out.astype(np.float32),
                        torch_version=np.array(torch.__version__))
    print(f"wrote {path}: {out.shape}, classes {np.bincount(out.argmax(-1), minlength=7)}")


if __name__ == "__main__":
    main(sys.argv[1:])
