"""Read a PyTorch checkpoint's tensors as numpy arrays, without torch (for the export scripts).

Both of torch's formats: the legacy one (``torch.save`` before 1.6: pickles one after the
other, storages at the end; `read_legacy`) and the zip one (``data.pkl`` and one file per
storage; `read_zip`). The unpickler builds only what a state dict needs (ordered dicts,
tensors, parameters, storage kinds); anything else is refused, except the modules named in
``opaque``, whose objects are kept as inert stand-ins and never run. Tensors come back
flattened to dotted names (``state_dict.lstm.weight_ih_l0``).

Used by ``scripts/export_voice_encoder.py`` and ``scripts/export_segmentation.py``.
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np

__all__ = ("read_legacy", "read_zip")

_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64,
           "IntStorage": np.int32, "HalfStorage": np.float16, "BoolStorage": np.bool_}


class _Storage:
    def __init__(self, kind, key):
        self.kind, self.key, self.data = kind, key, None

    def fill(self, raw: bytes) -> None:
        self.data = np.frombuffer(raw, dtype=np.dtype(_DTYPES[self.kind]).newbyteorder("<"))


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self) -> np.ndarray:
        data = self.storage.data
        return np.lib.stride_tricks.as_strided(
            data[self.offset:], shape=self.size, strides=[s * data.itemsize for s in self.stride]).copy()


class _Opaque:
    """Stands for a library's own objects in a checkpoint (task specifications): kept, never run."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs

    def __setstate__(self, state):
        self.state = state


class _Unpickler(pickle.Unpickler):
    """Only what a torch state dict needs; anything else is refused."""

    def __init__(self, fh, opaque: tuple[str, ...] = ()):
        super().__init__(fh)
        self.storages: dict[str, _Storage] = {}
        self._opaque = opaque

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return lambda storage, offset, size, stride, *rest: _Tensor(storage, offset, size, stride)
        if module == "torch._utils" and name == "_rebuild_parameter":
            return lambda tensor, *rest: tensor
        if module == "torch" and name in _DTYPES:
            return name
        if (module, name) == ("torch.torch_version", "TorchVersion"):
            return str
        if module.startswith(tuple(f"{m}." for m in self._opaque)):
            return _Opaque
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")

    def persistent_load(self, pid):
        kind, storage_kind, key, *_ = pid
        if kind != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        key = str(key)
        return self.storages.setdefault(key, _Storage(storage_kind if isinstance(storage_kind, str)
                                                      else str(storage_kind), key))


def _flatten(obj) -> dict[str, np.ndarray]:
    out = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, _Tensor):
            out[prefix] = value.array()

    walk("", obj)
    return out


def read_legacy(raw: bytes, opaque: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The tensors of a legacy-format torch checkpoint (``torch.save`` before 1.6)."""
    fh = io.BytesIO(raw)
    pickle.load(fh)  # magic number
    pickle.load(fh)  # protocol version
    pickle.load(fh)  # sys info
    unpickler = _Unpickler(fh, opaque)
    obj = unpickler.load()
    for key in pickle.load(fh):
        st = unpickler.storages[str(key)]
        (numel,) = struct.unpack("<q", fh.read(8))
        st.fill(fh.read(numel * np.dtype(_DTYPES[st.kind]).itemsize))
    return _flatten(obj)


def read_zip(raw: bytes, opaque: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The tensors of a zip-format torch checkpoint (``torch.save`` >= 1.6)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        pkl = next(n for n in zf.namelist() if n.endswith("/data.pkl"))
        prefix = pkl[: -len("data.pkl")]
        unpickler = _Unpickler(io.BytesIO(zf.read(pkl)), opaque)
        obj = unpickler.load()
        for key, st in unpickler.storages.items():
            st.fill(zf.read(f"{prefix}data/{key}"))
    return _flatten(obj)
