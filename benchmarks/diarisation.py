"""Speed and memory of the offline backend on a 60-minute two-speaker mono file, one core.

Builds 60 minutes of a real two-person conversation (``samples/real/sample.wav``,
30 s, looped) as 16 kHz mono FLAC in a temporary folder, then runs, each in its own
child process pinned to one CPU (so peak RSS is each run's own):

- ``decode``: decoding alone, in 1 s chunks (the baseline);
- ``vad``: decode + the default speech detector;
- ``frames``: decode + detector + the older diarisation path (``method="frames"``:
  one speaker per frame, no overlap), ``speakers=2``: the baseline the new default
  is compared with, in the same run;
- ``diarise``: decode + detector + the default diarisation (the segmentation model,
  overlap-aware), ``speakers=2``, i.e. `transcribe_file_offline` as the offline
  backend runs it;
- ``variant`` (with ``--set NAME=VALUE``): the same with those `DiarisationSettings`
  changed, timed against ``diarise`` in the same run (``--set step_ms=10000``: the
  segmentation windows 10 s apart instead of 5; what that costs in accuracy,
  ``benchmarks/mono_robustness.py --baseline HEAD --set step_ms=10000`` measures).

Prints the real-time factor of each in CPU time (user + system seconds of the child,
one core, BLAS limited to one thread) and in wall-clock time, each run's ratio to the
decode baseline and to the ``frames`` baseline, and peak RSS. Target: the full run at
>= 100x real time in CPU time and < 300 MB peak RSS. Asserts nothing.

    taskset -c 0 .venv/bin/python benchmarks/diarisation.py [--minutes 60] [--set NAME=VALUE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RATE = 16000


def build(path: Path, minutes: float) -> None:
    from turntune_nb.audio.decode import decode_audio

    x = decode_audio(ROOT / "samples" / "real" / "sample.wav").samples[0]
    need = int(minutes * 60 * RATE)
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=RATE, layout="mono")
        done = 0
        while done < need:
            part = x[:need - done]
            frame = av.AudioFrame.from_ndarray(part[None, :], format="s16", layout="mono")
            frame.rate = RATE
            for packet in stream.encode(frame):
                out.mux(packet)
            done += len(part)
        for packet in stream.encode(None):
            out.mux(packet)


def child(mode: str, path: str, changes: dict) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from turntune_nb.audio.decode import iter_audio_chunks
    from turntune_nb.audio.offline import transcribe_file_offline
    from turntune_nb.audio.vad import SpeechDetector

    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    info = {}
    if mode == "decode":
        info["samples"] = sum(len(c) for c in iter_audio_chunks(path, chunk_ms=1000))
    elif mode == "vad":
        det = SpeechDetector(RATE)
        info["segments"] = sum(len(det.process(c)) for c in iter_audio_chunks(path, chunk_ms=1000)) + len(det.flush())
    else:
        from turntune_nb.audio.diarize import DiarisationSettings

        settings = {"frames": DiarisationSettings(method="frames"), "diarise": None,
                    "variant": DiarisationSettings(**changes)}[mode]
        t = transcribe_file_offline(path, speakers=2, diarisation=settings)
        info["utterances"], info["speakers"] = len(t.utterances), list(t.speakers)
    info["seconds"] = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    info["cpu_seconds"] = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    info["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(info))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="also time the default diarisation with this DiarisationSettings change (repeatable)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "SETTINGS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child[:2], json.loads(args.child[2]))
        return 0
    from noise_eval import setting_changes  # here, not at the top: the timed children stay as light as before

    changes = setting_changes(args.set)
    audio_s = args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.flac"
        build(path, args.minutes)
        print(f"{args.minutes:g} min two-speaker mono FLAC, one core")
        results = {}
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        for mode in ("decode", "vad", "frames", "diarise") + (("variant",) if changes else ()):
            out = subprocess.run([sys.executable, __file__, "--child", mode, str(path), json.dumps(changes)],
                                 check=True, capture_output=True, text=True, env=env).stdout
            results[mode] = json.loads(out.strip().splitlines()[-1])
            r = results[mode]
            print(f"{mode:8s} CPU {r['cpu_seconds']:7.1f} s  {audio_s / r['cpu_seconds']:6.0f}x real time  "
                  f"(wall {r['seconds']:7.1f} s, {audio_s / r['seconds']:6.0f}x)  "
                  f"peak RSS {r['peak_rss_mb']:6.0f} MB  "
                  f"{ {k: v for k, v in r.items() if k not in ('seconds', 'cpu_seconds', 'peak_rss_mb')} }")
    full, old = results["diarise"]["cpu_seconds"], results["frames"]["cpu_seconds"]
    print(f"mono default (decode + detector + diarisation): {audio_s / full:.0f}x real time in CPU time on one core "
          f"(target >= 100x), {full / results['decode']['cpu_seconds']:.1f}x the decode-alone CPU time, "
          f"{full / old:.2f}x the older frames path ({audio_s / old:.0f}x real time); "
          f"peak RSS {results['diarise']['peak_rss_mb']:.0f} MB (target < 300 MB)")
    if changes:
        var = results["variant"]["cpu_seconds"]
        print(f"with {changes}: {audio_s / var:.0f}x real time in CPU time, {full / var:.2f}x the default's speed "
              f"(same file, same run); peak RSS {results['variant']['peak_rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
