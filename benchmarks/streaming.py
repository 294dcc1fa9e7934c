"""Pacing, dispatch and drift of `StreamingSession` over a real replay.

Streams ``--duration`` seconds (default 300: five minutes, in real time; pacing
cannot be measured honestly on a virtual clock) of speech-like audio to the local
fake over a loopback WebSocket and prints:

- pacing error: per 50 ms chunk, how late its send started against its slot
  ``t0 + k * 50 ms`` (p50, p99, max), and the jitter of the arrival times the
  server recorded against the same grid;
- dispatch delay: from a Turn frame being read off the socket to ``on_turn``
  being called (p99), and from the server sending it to ``on_turn`` (p99,
  includes the loopback and the fake's event loop);
- drift: audio sent vs wall time at the end (last send - first send - (n-1) * 50 ms).

Targets: p99 pacing < 5 ms, p99 dispatch < 5 ms, |drift| <= 50 ms.

    .venv/bin/python benchmarks/streaming.py [--duration 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_assemblyai import FakeAssemblyAI  # noqa: E402
from tests.fake_assemblyai import streaming as fs  # noqa: E402
from turntune_nb.analysis.presets import StreamingConfig  # noqa: E402
from turntune_nb.assemblyai.streaming import StreamingSession  # noqa: E402
from turntune_nb.assemblyai.streaming_options import StreamingOptions  # noqa: E402

SR = 16000


def audio(seconds: float) -> np.ndarray:
    """Bursts of tone (1.2 s) and silence (0.8 s): a Turn message every couple of seconds."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    on = (t % 2.0) < 1.2
    return (on * 8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)


def chunks(samples: np.ndarray, size: int = 3200):
    for i in range(0, samples.size, size):
        yield samples[i:i + size]


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of audio, sent in real time")
    args = parser.parse_args(argv)

    dispatch = []  # (on_turn monotonic, event.received_at)
    with FakeAssemblyAI(api_key="bench-key") as fake:
        fs.configure(fake, rate_allowance_ms=200.0, partial_every_ms=400)
        session = StreamingSession(
            StreamingConfig("Bench", 200, 500), chunks(audio(args.duration)), api_key="bench-key",
            streaming=StreamingOptions(url=fake.ws_url),
            on_turn=lambda e: dispatch.append((time.monotonic(), e.received_at)),
        )
        t0 = time.monotonic()
        session.start()
        session.wait()
        wall = time.monotonic() - t0
        rec = fs.wait_for_sessions(fake, 1)[0]

    stats = session.stats
    lateness = np.asarray(stats.lateness_ms)
    arrivals = np.asarray(rec["arrivals"])
    grid = np.arange(arrivals.size) * 0.050
    jitter_ms = ((arrivals - arrivals[0]) - grid) * 1000.0
    read_to_cb = [(cb - rx) * 1000.0 for cb, rx in dispatch]
    sent_turns = [t for t, m in rec["sent"] if m.get("type") == "Turn"]
    send_to_cb = [(cb - tx) * 1000.0 for (cb, _), tx in zip(dispatch, sent_turns)]
    drift_ms = (stats.last_send - stats.first_send) * 1000.0 - (stats.chunks - 1) * 50.0

    print(f"replay: {stats.audio_ms / 1000:.1f} s of audio in {stats.chunks} chunks of 50 ms, wall {wall:.1f} s, "
          f"end: {session.end_reason}, server close {rec['close']}")
    print(f"pacing error (send start - slot): p50 {pct(lateness, 50):.3f} ms, p99 {pct(lateness, 99):.3f} ms, "
          f"max {lateness.max():.3f} ms")
    print(f"arrival jitter at the server vs the 50 ms grid: p50 {pct(np.abs(jitter_ms), 50):.3f} ms, "
          f"p99 {pct(np.abs(jitter_ms), 99):.3f} ms")
    print(f"dispatch, Turn frame read -> on_turn: p50 {pct(read_to_cb, 50):.3f} ms, p99 {pct(read_to_cb, 99):.3f} ms "
          f"({len(read_to_cb)} turns)")
    print(f"dispatch, server send -> on_turn: p50 {pct(send_to_cb, 50):.3f} ms, p99 {pct(send_to_cb, 99):.3f} ms")
    print(f"drift (last send - first send - (n-1) x 50 ms): {drift_ms:+.3f} ms; "
          f"server: {(arrivals[-1] - arrivals[0] - grid[-1]) * 1000:+.3f} ms")
    ok = pct(lateness, 99) < 5 and pct(read_to_cb, 99) < 5 and abs(drift_ms) <= 50
    print("targets (p99 pacing < 5 ms, p99 dispatch < 5 ms, |drift| <= 50 ms):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
