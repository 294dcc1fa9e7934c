"""Convert Resemblyzer's GE2E voice encoder weights into the package's numpy file, without torch.

Provenance and licence
----------------------
The weights are Resemblyzer's ``resemblyzer/pretrained.pt`` (Resemble AI,
https://github.com/resemble-ai/Resemblyzer, Apache License 2.0), shipped inside the
``resemblyzer`` wheel on PyPI (version 0.1.4). The network is a GE2E speaker encoder
(Wan et al., 2018): a 3-layer LSTM (40 mel channels in, 256 hidden) whose last
hidden state goes through a 256x256 linear layer, a ReLU and an L2 normalisation.

What this script does
---------------------
1. ``pip download --no-deps resemblyzer==0.1.4`` (or give the wheel / the .pt file);
2. reads ``pretrained.pt``, which is torch's *legacy* (pre-1.6, non-zip) format: a
   few pickles (magic number, protocol, system info, the state dict with persistent
   ids standing for storages, the storage keys) followed by each storage's raw
   little-endian float32 data. A restricted unpickler rebuilds the tensors as numpy
   arrays, so torch is not needed;
3. writes ``turntune_nb/data/voice_encoder.npz`` holding float16 copies of the
   weights (the runtime computes in float32; float16 storage halves the file, and
   ``benchmarks/diarisation_eval.py --check-encoder`` compares the result with
   Resemblyzer's own torch output) plus ``licence`` and ``source`` strings.

Usage::

    python scripts/export_voice_encoder.py            # downloads the wheel with pip
    python scripts/export_voice_encoder.py path/to/Resemblyzer-0.1.4-py3-none-any.whl
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from torch_checkpoint import read_legacy as read_legacy_torch

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "turntune_nb" / "data" / "voice_encoder.npz"
SOURCE = "resemblyzer 0.1.4 (PyPI wheel), resemblyzer/pretrained.pt, (c) Resemble AI"
LICENCE = "Apache-2.0"
def _pt_bytes(arg: str | None) -> bytes:
    if arg and arg.endswith(".pt"):
        return Path(arg).read_bytes()
    if arg is None:
        tmp = tempfile.mkdtemp()
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "resemblyzer==0.1.4", "-d", tmp],
                       check=True)
        arg = str(next(Path(tmp).glob("*.whl")))
    with zipfile.ZipFile(arg) as whl:
        return whl.read("resemblyzer/pretrained.pt")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    tensors = read_legacy_torch(_pt_bytes(argv[0] if argv else None))
    state = {k.removeprefix("model_state."): v for k, v in tensors.items() if k.startswith("model_state.")}
    # Only the encoder: the checkpoint also holds GE2E's similarity scale/bias, unused at inference.
    keep = {k: v for k, v in state.items() if k.startswith(("lstm.", "linear."))}
    for k, v in sorted(keep.items()):
        print(f"{k:24s} {v.shape} {v.dtype}")
    arrays = {k.replace(".", "_"): v.astype(np.float16) for k, v in keep.items()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, source=np.array(SOURCE), licence=np.array(LICENCE), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
