"""Check the numpy voice encoder against independent implementations, and store test references.

Resemblyzer's own runtime needs torch, which could not be installed here (the CPU
wheel index is unreachable and PyPI's torch pulls gigabytes of CUDA libraries), so
the check uses two other independent implementations of the same computation:

- the mel spectrogram against ``librosa.feature.melspectrogram`` called exactly as
  Resemblyzer's ``wav_to_mel_spectrogram`` calls it;
- the encoder against ONNX Runtime's ``LSTM`` operator, built with ``onnx.helper``
  from the float32 weights read straight out of ``pretrained.pt`` (the numpy encoder
  uses the float16 copies shipped in the package).

Run it in a throwaway environment (nothing here is a dependency of the package)::

    python -m venv /tmp/enc && /tmp/enc/bin/pip install librosa onnx onnxruntime
    /tmp/enc/bin/python scripts/check_voice_encoder.py path/to/Resemblyzer-0.1.4-py3-none-any.whl

It prints the largest differences and writes ``tests/data/voice_encoder_reference.json``
(the deterministic inputs are rebuilt by the test; the expected outputs come from
librosa and ONNX Runtime), which ``tests/audio/test_embeddings.py`` compares against.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "voice_encoder_reference.json"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_signal() -> np.ndarray:
    """0.5 s: a 150->900 Hz chirp with harmonics, as int16 (rebuilt identically by the test)."""
    t = np.arange(8000) / 16000
    phase = 2 * np.pi * (150 * t + 750 * t * t)
    x = 0.3 * np.sin(phase) + 0.1 * np.sin(2 * phase) + 0.05 * np.sin(3 * phase)
    return np.round(x * 32767).astype(np.int16)


def test_mels() -> np.ndarray:
    """A deterministic (2, 60, 40) mel power input (rebuilt identically by the test)."""
    t = np.arange(60)[:, None]
    m = np.arange(40)[None, :]
    a = np.exp(np.sin(0.21 * t + 0.37 * m) * 2.0 - 1.0) * 0.05
    b = np.exp(np.cos(0.13 * t * (m % 7 + 1) / 4.0) * 1.5 - 2.0) * 0.2
    return np.stack([a, b]).astype(np.float32)


def onnx_encoder(state: dict[str, np.ndarray]):
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    def reorder(w):  # PyTorch gates i, f, g(cell), o -> ONNX i, o, f, c
        i, f, g, o = np.split(w, 4, axis=0)
        return np.concatenate([i, o, f, g], axis=0)

    nodes, inits, x = [], [], "x"
    for layer in range(3):
        w = reorder(state[f"lstm.weight_ih_l{layer}"])[None]
        r = reorder(state[f"lstm.weight_hh_l{layer}"])[None]
        b = np.concatenate([reorder(state[f"lstm.bias_ih_l{layer}"]), reorder(state[f"lstm.bias_hh_l{layer}"])])[None]
        for name, arr in ((f"W{layer}", w), (f"R{layer}", r), (f"B{layer}", b)):
            inits.append(numpy_helper.from_array(arr.astype(np.float32), name))
        nodes.append(helper.make_node("LSTM", [x, f"W{layer}", f"R{layer}", f"B{layer}"], [f"Y{layer}", f"H{layer}"],
                                      hidden_size=256))
        if layer < 2:  # Y is (seq, dirs, batch, hidden)
            inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), f"ax{layer}"))
            nodes.append(helper.make_node("Squeeze", [f"Y{layer}", f"ax{layer}"], [f"X{layer + 1}"]))
            x = f"X{layer + 1}"
    inits.append(numpy_helper.from_array(np.array([0], dtype=np.int64), "ax_h"))
    nodes.append(helper.make_node("Squeeze", ["H2", "ax_h"], ["h"]))  # Y_h is (dirs, batch, hidden)
    inits.append(numpy_helper.from_array(state["linear.weight"].T.astype(np.float32), "LW"))
    inits.append(numpy_helper.from_array(state["linear.bias"].astype(np.float32), "LB"))
    nodes += [helper.make_node("MatMul", ["h", "LW"], ["lin"]), helper.make_node("Add", ["lin", "LB"], ["lb"]),
              helper.make_node("Relu", ["lb"], ["raw"]),
              helper.make_node("LpNormalization", ["raw"], ["emb"], axis=1, p=2)]
    graph = helper.make_graph(nodes, "ge2e", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, None, 40])],
                              [helper.make_tensor_value_info("emb", TensorProto.FLOAT, [None, 256])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return lambda mels: sess.run(None, {"x": np.ascontiguousarray(mels.transpose(1, 0, 2))})[0]


def main(argv=None) -> int:
    import librosa

    argv = sys.argv[1:] if argv is None else argv
    export = _load("export_voice_encoder", ROOT / "scripts" / "export_voice_encoder.py")
    # turntune_nb.audio.embeddings needs only numpy and turntune_nb.errors: load those two alone, so this
    # environment needs none of the package's other dependencies
    import types

    for pkg in ("turntune_nb", "turntune_nb.audio"):
        mod = types.ModuleType(pkg)
        mod.__path__ = [str(ROOT / pkg.replace(".", "/"))]
        sys.modules[pkg] = mod
    _load("turntune_nb.errors", ROOT / "turntune_nb" / "errors.py")
    embeddings = _load("turntune_nb.audio.embeddings", ROOT / "turntune_nb" / "audio" / "embeddings.py")
    MelFrames, VoiceEncoder = embeddings.MelFrames, embeddings.VoiceEncoder

    tensors = export.read_legacy_torch(export._pt_bytes(argv[0] if argv else None))
    state = {k.removeprefix("model_state."): v for k, v in tensors.items()}
    # mel: librosa as Resemblyzer calls it
    sig = test_signal()
    ref_mel = librosa.feature.melspectrogram(y=sig.astype(np.float32) / 32768.0, sr=16000, n_fft=400,
                                             hop_length=160, n_mels=40).T
    ours, _ = MelFrames().process(sig)
    n = min(len(ours), len(ref_mel))
    mel_err = np.max(np.abs(ours[:n] - ref_mel[:n]) / (np.abs(ref_mel[:n]) + 1e-6 * ref_mel.max()))
    print(f"mel: {n} frames compared, largest relative difference {mel_err:.2e}")
    # encoder: ONNX Runtime with the float32 weights against numpy with the shipped float16 ones
    mels = test_mels()
    ref_emb = onnx_encoder(state)(mels)
    our_emb = VoiceEncoder().embed(mels)
    cos = np.sum(ref_emb * our_emb, axis=1)
    print(f"encoder: cosine(ONNX float32, numpy float16 weights) = {cos.round(6).tolist()}, "
          f"largest difference {np.max(np.abs(ref_emb - our_emb)):.2e}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "about": "expected outputs for tests/audio/test_embeddings.py, made by scripts/check_voice_encoder.py: "
                 "mel = librosa.feature.melspectrogram (as Resemblyzer calls it) of the test chirp; embeddings = "
                 "ONNX Runtime's LSTM with Resemblyzer's float32 weights (Apache-2.0) of the test mels",
        "mel_frames": np.round(ref_mel[:n], 8).tolist(),
        "embeddings": np.round(ref_emb, 6).tolist(),
    }))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
