"""Benchmark: browser-to-fake latency of the browser microphone (audio captured -> Turn shown).

A real JupyterLab page in headless Chromium, whose microphone is a WAV file (the
bundled sample conversations, ``--minutes`` long), runs the live notebook's panel on
`BrowserMicrophone`: the kernel mints a temporary token, the page resamples to 16
kHz PCM16 in its AudioWorklet and streams 50 ms chunks straight to the local fake
AssemblyAI (``tests/fake_assemblyai``, energy turns), forwards each message to the
kernel, which updates the `LiveTurns` panel, which the page redraws.

For each final turn: the fake's record says which chunk's arrival made it decide
(the last chunk that arrived before it sent the Turn); the page's log says when that
chunk was captured (``performance.now()`` when the worklet handed it over) and a
MutationObserver says when the turn appeared in the panel. Latency = shown -
captured, so the turn-detection wait itself (max_turn_silence) is not in it: only
resampling, the socket, the fake, the forward to the kernel, the panel's update and
the redraw.

Baseline in the same run, same fake, same recording: `StreamingSession` in this
process streaming the file (the PyAudio-style path with no browser): the decision
chunk's send time -> the ``on_turn`` callback.

Run: ``.venv/bin/python benchmarks/browser_latency.py [--minutes 2]``. Prints p50/p95 of
both and the ratio; no target is asserted (the issue asks for the figure).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = "sk-bench-browser-latency"
SR = 16000
OBSERVE = """
(panel) => {
  window.__turntuneShown = [];
  const count = () => panel.querySelectorAll('.turntune-final').length;
  let seen = count();
  new MutationObserver(() => {
    const n = count();
    while (seen < n) { window.__turntuneShown.push(performance.now()); seen += 1; }
  }).observe(panel, { childList: true, subtree: true, characterData: true });
}
"""


def recording(minutes: float) -> np.ndarray:
    from turntune_nb.live.sources import FileSource

    parts, total = [], 0
    names = ["conv1.wav", "conv2.flac", "conv3.mp3", "conv4.m4a", "conv5.opus"]
    while total < minutes * 60 * SR:
        for name in names:
            src = FileSource(ROOT / "samples" / "synthetic" / name)
            src.open()
            pcm = np.frombuffer(b"".join(src.chunks()), "<i2")
            src.close()
            parts.append(pcm)
            total += pcm.size
    return np.concatenate(parts)[: int(minutes * 60 * SR)]


def decision_chunks(rec: dict) -> list[int]:
    """Per final Turn the fake sent: the audio ms at the end of the chunk whose arrival decided it."""
    arrivals = np.asarray(rec["arrivals"])
    ends_ms = np.cumsum(np.asarray(rec["chunks"], float)) / 2 / SR * 1000
    out = []
    for sent_at, msg in rec["sent"]:
        if msg.get("type") == "Turn" and msg.get("end_of_turn"):
            j = int(np.searchsorted(arrivals, sent_at, side="right")) - 1
            out.append(int(round(ends_ms[j])))
    return out


def pct(values) -> str:
    v = np.asarray(values, float)
    return f"p50 {np.percentile(v, 50):.0f} ms, p95 {np.percentile(v, 95):.0f} ms (n={v.size})"


def browser_run(pcm: np.ndarray, work: Path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from tests.browser import chromium_page, fake_microphone_args, running_jupyterlab
    from tests.fake_assemblyai import FakeAssemblyAI
    from tests.fake_assemblyai import streaming as fs
    from tests.notebook.test_browser import open_and_run_all

    wav = work / "mic.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(SR), w.writeframes(pcm.astype("<i2").tobytes())
    root = work / "root"
    (root / "notebooks").mkdir(parents=True)
    nb = new_notebook(cells=[new_code_cell(
        "from turntune_nb import LiveTurns, StreamingConfig\n"
        "panel = LiveTurns(StreamingConfig('Bench', 200, 600), source='browser', inactivity_timeout_s=None,"
        " speech_model='universal-3-5-pro')\npanel")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(root / "notebooks" / "bench.ipynb"))
    seconds = pcm.size / SR
    with FakeAssemblyAI(api_key=KEY) as fake:
        env = {"ASSEMBLYAI_API_KEY": KEY, "ASSEMBLYAI_STREAMING_URL": fake.ws_url, "PYTHONPATH": str(ROOT)}
        with running_jupyterlab(root, work / "state", env=env) as lab, \
                chromium_page(extra_args=fake_microphone_args(wav)) as page:
            open_and_run_all(page, lab, "bench.ipynb")
            panel = page.locator(".turntune-live:visible").last
            panel.locator(".turntune-mic-status").wait_for(timeout=120_000)
            panel.element_handle().evaluate(OBSERVE)
            panel.locator("button", has_text="Start").click()
            page.wait_for_timeout(int(seconds * 1000))
            log = page.evaluate("() => window.__turntuneMic")
            shown = page.evaluate("() => window.__turntuneShown")
            panel.locator("button", has_text="Stop").click()
            panel.locator(".turntune-end").wait_for(timeout=60_000)
        rec = fs.wait_for_sessions(fake, 1, timeout=30)[0]
    captures = dict((int(ms), t) for ms, t in log["sessions"][-1]["captures"])
    decided = decision_chunks(rec)
    n = min(len(decided), len(shown))
    lat = [shown[k] - captures[decided[k]] for k in range(n) if decided[k] in captures]
    sizes = np.asarray(rec["chunks"]) / 2 / SR * 1000
    return lat, len(decided), len(shown), rec, sizes


def baseline_run(pcm: np.ndarray):
    from tests.fake_assemblyai import FakeAssemblyAI
    from tests.fake_assemblyai import streaming as fs
    from turntune_nb.analysis.presets import StreamingConfig
    from turntune_nb.assemblyai.streaming import StreamingSession
    from turntune_nb.assemblyai.streaming_options import StreamingOptions

    got = []
    lock = threading.Lock()

    def on_turn(event):
        if event.end_of_turn:
            with lock:
                got.append(time.monotonic())

    with FakeAssemblyAI(api_key=KEY) as fake:
        s = StreamingSession(StreamingConfig("Bench", 200, 600), pcm, api_key=KEY, on_turn=on_turn,
                             streaming=StreamingOptions(url=fake.ws_url, speech_model="universal-3-5-pro"))
        s.start()
        s.wait(pcm.size / SR + 60)
        rec = fs.wait_for_sessions(fake, 1)[0]
    # the fake's clock and ours are the same monotonic clock (one process): decision chunk arrival -> callback
    arrivals = np.asarray(rec["arrivals"])
    lat = []
    finals = [t for t, m in rec["sent"] if m.get("type") == "Turn" and m.get("end_of_turn")]
    for sent_at, shown in zip(finals, got):
        j = int(np.searchsorted(arrivals, sent_at, side="right")) - 1
        lat.append((shown - arrivals[j]) * 1000)
    return lat


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=2.0)
    args = ap.parse_args()
    from tests.browser import browser_unavailable_reason

    if reason := browser_unavailable_reason():
        print(f"cannot run: {reason}")
        return 2
    pcm = recording(args.minutes)
    with tempfile.TemporaryDirectory() as tmp:
        lat, decided, shown, rec, sizes = browser_run(pcm, Path(tmp))
    base = baseline_run(pcm)
    print(f"recording: {pcm.size / SR:.0f} s of the bundled sample conversations as Chromium's microphone")
    print(f"fake received {len(sizes)} chunks of {sizes.min():.0f}-{sizes.max():.0f} ms, auth={rec['auth']}; "
          f"finals decided {decided}, shown {shown}")
    print(f"browser -> fake -> kernel -> panel (captured -> shown): {pct(lat)}")
    print(f"baseline, kernel StreamingSession (chunk sent -> on_turn): {pct(base)}")
    print(f"ratio browser/baseline: p50 {np.percentile(lat, 50) / max(np.percentile(base, 50), 1e-3):.1f}x, "
          f"p95 {np.percentile(lat, 95) / max(np.percentile(base, 95), 1e-3):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
