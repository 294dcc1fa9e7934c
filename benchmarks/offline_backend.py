"""Decode + VAD real-time factor of the offline backend on one core, per detector.

Builds 10 minutes of audio by concatenating the bundled samples (the real
conversation and the synthetic ones, downmixed), writes it as FLAC to a temporary
folder, then times decode (PyAV) + speech segmentation (each detector) with the
process pinned to one CPU. Prints ratios; asserts nothing.

    .venv/bin/python benchmarks/offline_backend.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from turntune_nb.audio.decode import decode_audio, iter_audio_chunks  # noqa: E402
from turntune_nb.audio.vad import SpeechDetector, VADSettings  # noqa: E402

MINUTES = 10
RATE = 16000


def build(path: Path) -> None:
    sources = [ROOT / "samples" / "real" / "sample.wav", *sorted((ROOT / "samples" / "synthetic").glob("conv*"))]
    parts = [decode_audio(p).samples[0] for p in sources]
    need = MINUTES * 60 * RATE
    reps = -(-need // sum(len(p) for p in parts))
    x = np.concatenate(parts * reps)[:need]
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(x[None, :], format="s16", layout="mono")
        frame.rate = RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)


def run(path: Path, settings: VADSettings | None) -> tuple[float, int]:
    t0 = time.perf_counter()
    det = SpeechDetector(RATE, settings) if settings else None
    segments = 0
    for chunk in iter_audio_chunks(path, chunk_ms=1000):
        if det:
            segments += len(det.process(chunk))
    if det:
        segments += len(det.flush())
    return time.perf_counter() - t0, segments


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    audio_s = MINUTES * 60
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ten_minutes.flac"
        build(path)
        print(f"offline backend, {MINUTES} min of 16 kHz mono FLAC, 1 core")
        dec, _ = run(path, None)
        print(f"  decode only             : {dec:6.2f} s  -> {audio_s / dec:7.0f}x real time")
        for name, settings in (("webrtc (default)", VADSettings()), ("silero", VADSettings(detector="silero"))):
            secs, n = run(path, settings)
            print(f"  decode + {name:<16}: {secs:6.2f} s  -> {audio_s / secs:7.0f}x real time ({n} segments)")


if __name__ == "__main__":
    main()
