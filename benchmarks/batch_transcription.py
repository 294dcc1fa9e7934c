"""Benchmark: transcribing a folder, the guide's way against `transcribe_files`.

50 WAV files; the local fake AssemblyAI (``tests/fake_assemblyai``) takes 2 s to
process each job. In the same run, against the same server:

- **guide**: what the multi-file cookbook does, one file after another: upload,
  submit, poll (GET, sleep, GET ...) until completed, then the next file;
- **turntune_nb**: `transcribe_files` with 8 workers uploading and submitting while
  every job in flight is polled.

Both poll every ``--poll`` seconds (default 0.5 s instead of the guide's 3 s, so the
guide's side finishes in about two minutes; the same interval for both). Then the
folder is run again through the cache and the requests that re-run made are
counted at the server.

Run: ``.venv/bin/python benchmarks/batch_transcription.py [--files 50] [--processing 2] [--poll 0.5]``.
Targets: at least 20x faster; the cached re-run makes 0 uploads and 0 submissions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.assemblyai_helpers import wav_bytes  # noqa: E402
from tests.fake_assemblyai import FakeAssemblyAI  # noqa: E402
from turntune_nb.assemblyai.batch import BatchOptions, transcribe_files  # noqa: E402
from turntune_nb.assemblyai.client import AssemblyAIClient  # noqa: E402

KEY = "benchmark-key"


def guide_sequential(files, base_url: str, poll: float) -> int:
    """The cookbook's loop (upload, submit, poll with sleep), file after file."""
    headers = {"authorization": KEY}
    done = 0
    for audio_file in files:
        with open(audio_file, "rb") as f:
            upload_url = requests.post(base_url + "/v2/upload", headers=headers, data=f).json()["upload_url"]
        data = {"audio_url": upload_url, "speaker_labels": True, "speech_models": ["universal-3-5-pro"]}
        transcript_id = requests.post(base_url + "/v2/transcript", json=data, headers=headers).json()["id"]
        polling_endpoint = base_url + "/v2/transcript/" + transcript_id
        while True:
            result = requests.get(polling_endpoint, headers=headers).json()
            if result["status"] == "completed":
                done += 1
                break
            if result["status"] == "error":
                break
            time.sleep(poll)
    return done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--processing", type=float, default=2.0, help="seconds the fake takes per job")
    ap.add_argument("--poll", type=float, default=0.5, help="poll interval for both sides, seconds")
    ap.add_argument("--workers", type=int, default=8)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "calls"
        folder.mkdir()
        files = []
        for i in range(args.files):
            p = folder / f"call{i:03d}.wav"
            p.write_bytes(wav_bytes(i, ms=2000, rate=16000))  # 64 kB each
            files.append(p)
        with FakeAssemblyAI(api_key=KEY, processing_time=args.processing) as fake:
            t0 = time.perf_counter()
            guide_done = guide_sequential(files, fake.url, args.poll)
            guide_s = time.perf_counter() - t0

            with AssemblyAIClient(api_key=KEY, base_url=fake.url, poll_interval=args.poll) as client:
                t0 = time.perf_counter()
                first = transcribe_files(files, client, cache_dir=Path(tmp) / "cache",
                                         options=BatchOptions(workers=args.workers, progress=False))
                ours_s = time.perf_counter() - t0
                before = dict(fake.state.counts)
                t0 = time.perf_counter()
                second = transcribe_files(files, client, cache_dir=Path(tmp) / "cache",
                                          options=BatchOptions(workers=args.workers, progress=False))
                cached_s = time.perf_counter() - t0
            after = dict(fake.state.counts)

    rerun = {k: after.get(k, 0) - before.get(k, 0) for k in ("upload", "submit", "get")}
    print(f"{args.files} files, fake processing {args.processing:g} s per job, "
          f"poll interval {args.poll:g} s (both sides)")
    print(f"guide, one after another:      {guide_s:7.2f} s  ({guide_done} completed)")
    print(f"turntune_nb, {args.workers} workers:        {ours_s:7.2f} s  ({len(first.ok)} completed)")
    print(f"speed-up: {guide_s / ours_s:.1f}x  (target >= 20x)")
    print(f"cached re-run: {cached_s:.3f} s, {len(second.ok)} ok ({sum(o.cached for o in second.ok)} from cache); "
          f"requests: {rerun['upload']} uploads, {rerun['submit']} submissions, {rerun['get']} polls "
          "(target 0 uploads, 0 submissions)")


if __name__ == "__main__":
    main()
