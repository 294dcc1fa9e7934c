"""`BrowserMicrophone` and its sessions without a browser: a stand-in page plays the
browser half (``browser_mic.js``) in Python, with the same widget messages, against
the fake AssemblyAI over real sockets. The real page is tested in test_browser.py."""

from __future__ import annotations

import json
import re
import threading
import time

import numpy as np
import pytest

from tests.fake_assemblyai import FakeAssemblyAI
from tests.fake_assemblyai import streaming as fs
from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.assemblyai.streaming_options import StreamingOptions
from turntune_nb.errors import NoMicrophoneError
from turntune_nb.live.session import SessionOptions
from turntune_nb.notebook.browser_mic import SECURE_CONTEXT_NOTE, BrowserMicrophone
from turntune_nb.notebook.live_panel import LiveTurns

KEY = "sk-browser-mic-test-9f8e7d"
SR = 16000
CONFIG = StreamingConfig("Test", 200, 500)


def recording() -> np.ndarray:
    """Two tones (800 and 500 ms) each followed by more silence than max_turn_silence: two turns."""
    t = lambda ms: (8000 * np.sin(2 * np.pi * 220 * np.arange(SR * ms // 1000) / SR)).astype(np.int16)  # noqa: E731
    z = lambda ms: np.zeros(SR * ms // 1000, np.int16)  # noqa: E731
    return np.concatenate([z(200), t(800), z(700), t(500), z(900)])


class StandInPage:
    """What browser_mic.js does, in Python: on ``start``, stream 50 ms PCM16 chunks to the
    token URL (AssemblyAI) or as ``audio`` messages (kernel), forward server messages."""

    def __init__(self, mic: BrowserMicrophone, pcm: np.ndarray, speed: float = 4.0):
        self.mic, self.pcm, self.speed = mic, pcm, speed
        self.commands: list[dict] = []
        self.terminate, self.stopped = threading.Event(), threading.Event()
        self.threads: list[threading.Thread] = []
        mic._command = self.command  # the widget's only way to the page

    def command(self, **content):
        self.commands.append(content)
        if content["cmd"] == "start":
            target = self.relay if content["target"] == "assemblyai" else self.to_kernel
            thread = threading.Thread(target=target, args=(content,), daemon=True)
            self.threads.append(thread)
            thread.start()
        elif content["cmd"] == "terminate":
            self.terminate.set()
        elif content["cmd"] == "stop":
            self.stopped.set()

    def chunks(self):
        step = SR * 50 // 1000
        for i in range(0, self.pcm.size - step + 1, step):
            yield self.pcm[i:i + step].astype("<i2").tobytes()

    def relay(self, start):
        import websocket

        self.url = start["url"]
        ws = websocket.create_connection(self.url, timeout=10)  # no header: the token is in the URL
        sent = [0]

        def read():
            while True:
                opcode, frame = ws.recv_data_frame(True)
                if opcode == websocket.ABNF.OPCODE_TEXT:
                    self.mic._on_browser_msg(self.mic, {"type": "server", "data": frame.data.decode(),
                                                        "audio_ms": sent[0]}, [])
                elif opcode == websocket.ABNF.OPCODE_CLOSE:
                    code = int.from_bytes(frame.data[:2], "big") if len(frame.data) >= 2 else 1005
                    self.mic._on_browser_msg(self.mic, {"type": "closed", "code": code, "reason": ""}, [])
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        t0 = time.monotonic()
        for k, chunk in enumerate(self.chunks()):
            if self.terminate.is_set() or self.stopped.wait(max(0.0, t0 + k * 0.05 / self.speed - time.monotonic())):
                break
            ws.send_binary(chunk)
            sent[0] += 50
        self.terminate.wait(30)
        ws.send(json.dumps({"type": "Terminate"}))
        reader.join(10)

    def to_kernel(self, start):
        t0 = time.monotonic()
        for k, chunk in enumerate(self.chunks()):
            if self.stopped.wait(max(0.0, t0 + k * 0.05 / self.speed - time.monotonic())):
                return
            self.mic._on_browser_msg(self.mic, {"type": "audio", "seq": k + 1, "audio_ms": (k + 1) * 50}, [chunk])
        self.mic._on_browser_msg(self.mic, {"type": "ended", "chunks": k + 1, "dropped_ms": 0}, [])


@pytest.fixture
def fake():
    with FakeAssemblyAI(api_key=KEY) as server:
        fs.configure(server, max_speed=4.0)
        yield server


def test_with_a_key_the_page_streams_with_a_token_and_the_panel_shows_the_turns(fake):
    mic = BrowserMicrophone()
    page = StandInPage(mic, recording())
    panel = LiveTurns(CONFIG, source=mic, api_key=KEY, inactivity_timeout_s=None,
                      streaming=StreamingOptions(url=fake.ws_url, speech_model="universal-3-5-pro", mode="balanced"))
    assert mic in panel.children
    panel.start()
    # the sample has no more audio: the page sends Terminate when the kernel asks, here after the recording
    deadline = time.monotonic() + 30
    while len(panel.final_turns) < 2 and time.monotonic() < deadline:
        threading.Event().wait(0.05)
    panel.stop()
    panel.wait(30)
    rec = fs.wait_for_sessions(fake, 1)[0]
    assert rec["auth"] == "token" and fs.tokens_minted(fake)[0]["query"] == {"expires_in_seconds": "60"}
    assert KEY not in page.url and "token=tmp-" in page.url
    assert rec["params"]["speech_model"] == "universal-3-5-pro" and rec["params"]["mode"] == "balanced"
    assert set(rec["chunks"]) == {1600}  # 50 ms of 16 kHz PCM16
    assert len(panel.session.turns()) == 2 and len(panel.final_turns) == 2
    # Turns carry the page's audio clock: each decided after its tone's end plus max_turn_silence
    ends = [(t.end_ms, t.emitted_at_ms) for t in panel.session.turns()]
    assert all(emitted >= end + 500 for end, emitted in ends)
    assert "Final turns (2)" in panel.finals.value
    assert panel.session.end_reason.kind == "stopped" and page.commands[-1]["cmd"] == "terminate"
    state = {k: v for k, v in mic.get_state().items() if k != "_esm"}  # what the notebook file would save
    assert KEY not in json.dumps(state, default=str)
    assert "tmp-" not in json.dumps(state, default=str)  # the token went by message, not in the saved state


def speech_recording() -> np.ndarray:
    from tests.conftest import ROOT
    from turntune_nb.live.sources import FileSource

    src = FileSource(ROOT / "samples" / "synthetic" / "conv2.flac")
    src.open()
    try:
        return np.frombuffer(b"".join(src.chunks()), "<i2")[: SR * 20]
    finally:
        src.close()


def test_without_a_key_audio_goes_through_the_kernel_to_the_offline_endpointer(monkeypatch):
    """The same endpointer fed from a file (the tested path) is the reference: the turns
    must match one for one when the audio comes through the widget messages instead."""
    from turntune_nb.live.endpointer import OfflineSession

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    pcm = speech_recording()
    pcm = pcm[: pcm.size // 800 * 800]
    reference = OfflineSession(CONFIG, pcm, options=SessionOptions(pacing_speed=None))
    reference.start()
    reference.wait(60)
    expected = [(t.start_ms, t.end_ms) for t in reference.turns()]
    assert len(expected) >= 3
    mic = BrowserMicrophone(max_in_flight=40)
    page = StandInPage(mic, pcm, speed=4.0)
    panel = LiveTurns(CONFIG, source=mic, inactivity_timeout_s=None)
    panel.start()
    assert page.commands[0] == {"cmd": "start", "target": "kernel", "chunk_ms": 50, "sample_rate": 16000,
                                "max_in_flight": 40}
    panel.wait(30)
    session = panel.session
    assert session.end_reason.kind == "source_exhausted"
    assert "offline endpointer (audio through the kernel)" in panel.status.value
    assert [(t.start_ms, t.end_ms) for t in session.turns()] == expected and mic.dropped_ms == 0
    assert session.stats.audio_ms == pcm.size / SR * 1000
    acks = [c["seq"] for c in page.commands if c["cmd"] == "ack"]
    assert acks == list(range(5, acks[-1] + 1, 5)) and acks[-1] >= pcm.size // 800 - 5


def test_a_busy_kernel_drops_counted_audio_not_silently():
    mic = BrowserMicrophone(max_queue_ms=200)
    from turntune_nb.live.sources import PushSource

    mic._source = PushSource(max_ms=mic.max_queue_ms)  # nobody reads it: a kernel stuck in a cell
    mic._command = lambda **c: None
    chunk = np.zeros(800, np.int16).tobytes()
    for k in range(10):
        mic._on_browser_msg(mic, {"type": "audio", "seq": k + 1}, [chunk])
    mic.browser_dropped_ms = 150.0  # what the page reports it dropped under its in-flight limit
    assert mic._source.dropped_chunks == 6 and mic.dropped_ms == 150.0 + 300.0


def test_no_secure_context_is_said_not_raised_into_the_kernel():
    mic = BrowserMicrophone()
    panel = LiveTurns(CONFIG, source=mic)
    assert panel.reason.value == ""
    mic.media_available = False  # what the page reports over http://a-remote-host
    assert "getUserMedia needs a secure context (https://" in panel.reason.value  # said before any Start
    with pytest.raises(NoMicrophoneError, match="secure context"):
        mic.open_session(CONFIG, offline=True)
    assert panel.start() is None
    assert "getUserMedia needs a secure context" in panel.reason.value and SECURE_CONTEXT_NOTE


# --------------------------------------------------------------------------- a real page: JupyterLab + Chromium
def write_microphone_wav(path, seconds: int = 20) -> np.ndarray:
    """The bundled sample conversation (conv2.flac), 16 kHz mono PCM16, as Chromium's microphone."""
    import wave

    pcm = speech_recording()[: SR * seconds]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(SR), w.writeframes(pcm.astype("<i2").tobytes())
    return pcm


def live_notebook(path, offline: bool) -> None:
    """A notebook with the live panel on the browser microphone (the user presses Start)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    args = ("offline=True" if offline
            else 'streaming=StreamingOptions(speech_model="universal-3-5-pro", mode="balanced")')
    nb = new_notebook(cells=[new_code_cell(
        "from turntune_nb import LiveTurns, StreamingConfig, StreamingOptions\n"
        f"panel = LiveTurns(StreamingConfig('Test', 200, 600), source='browser', inactivity_timeout_s=None, {args})\n"
        "panel")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def browser_lab(tmp_path_factory):
    from tests.browser import browser_unavailable_reason, running_jupyterlab
    from tests.conftest import ASSEMBLYAI_ENV, ROOT

    if reason := browser_unavailable_reason():
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("mic-lab")
    with FakeAssemblyAI(api_key=KEY) as server:
        env = {name: "" for name in ASSEMBLYAI_ENV} | {"ASSEMBLYAI_API_KEY": KEY,
                                                        "ASSEMBLYAI_STREAMING_URL": server.ws_url,
                                                        "PYTHONPATH": str(ROOT)}  # this checkout's package
        with running_jupyterlab(root, tmp_path_factory.mktemp("mic-lab-state"), env=env) as lab:
            yield lab, server, root


def run_in_page(lab, root, notebook: str, wav, finals: int):
    """Open the notebook, run it, press Start, wait for `finals` final turns, Stop; return
    (panel text, page HTML, the page's capture/message log, saved notebook text)."""
    from tests.browser import chromium_page, fake_microphone_args
    from tests.notebook.test_browser import open_and_run_all

    with chromium_page(extra_args=fake_microphone_args(wav)) as page:
        open_and_run_all(page, lab, notebook)
        panel = page.locator(".turntune-live:visible").last  # JupyterLab may restore an earlier notebook
        panel.locator(".turntune-mic-status").wait_for(timeout=120_000)
        panel.locator("button", has_text="Start").click()
        panel.locator(".turntune-final").nth(finals - 1).wait_for(timeout=180_000)
        log = page.evaluate("() => window.__turntuneMic")
        panel.locator("button", has_text="Stop").click()
        panel.locator(".turntune-end").wait_for(timeout=60_000)
        text = panel.inner_text()
        html_text = page.content()
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1000)
    return text, html_text, log, (root / "notebooks" / notebook).read_text()


@pytest.mark.browser
@pytest.mark.slow
def test_a_real_page_streams_its_microphone_to_the_fake_with_a_token(browser_lab, tmp_path):
    lab, fake, root = browser_lab
    (root / "notebooks").mkdir(exist_ok=True)
    live_notebook(root / "notebooks" / "mic_assemblyai.ipynb", offline=False)
    write_microphone_wav(tmp_path / "mic.wav")
    before = len(fs.sessions(fake))
    text, page_html, log, saved = run_in_page(lab, root, "mic_assemblyai.ipynb", tmp_path / "mic.wav", 3)
    rec = fs.sessions(fake)[before]
    fs.wait_for_sessions(fake, before + 1, timeout=30)
    # the page authenticated with a temporary token the kernel minted; the key went nowhere near it
    assert rec["auth"] == "token" and rec["params"]["token"].startswith("tmp-")
    assert all(KEY not in str(v) for v in rec["params"].values())
    assert KEY not in page_html and KEY not in saved and KEY not in json.dumps(log)
    assert rec["params"]["sample_rate"] == "16000" and rec["params"]["encoding"] == "pcm_s16le"
    assert rec["params"]["speech_model"] == "universal-3-5-pro" and rec["params"]["mode"] == "balanced"
    # 16 kHz PCM16 in 50-1000 ms chunks, at real-time pace (the fake's own rate check closes 3007 otherwise)
    assert rec["chunks"] and all(1600 <= n <= 32000 and n % 2 == 0 for n in rec["chunks"])
    assert rec["close"] is not None and rec["close"][0] in (1000, "client")
    audio_s = sum(rec["chunks"]) / 2 / SR
    wall_s = rec["arrivals"][-1] - rec["arrivals"][0]
    assert audio_s <= wall_s + 1.0  # never ahead of real time (plus the first chunk's worth of lead)
    # the panel shows the turns the fake decided, one for one
    finals = [m for _, m in rec["sent"] if m.get("type") == "Turn" and m.get("end_of_turn")]
    shown = int(re.search(r"Final turns \((\d+)\)", text).group(1))
    assert shown >= 3 and shown == len(finals)
    assert "straight from the browser" in text


@pytest.mark.browser
@pytest.mark.slow
def test_a_real_page_without_a_key_goes_through_the_kernel(browser_lab, tmp_path):
    lab, fake, root = browser_lab
    (root / "notebooks").mkdir(exist_ok=True)
    live_notebook(root / "notebooks" / "mic_offline.ipynb", offline=True)
    write_microphone_wav(tmp_path / "mic.wav")
    before = len(fs.sessions(fake))
    text, _page_html, log, _saved = run_in_page(lab, root, "mic_offline.ipynb", tmp_path / "mic.wav", 2)
    assert len(fs.sessions(fake)) == before  # nothing went to the service
    assert "offline endpointer (audio through the kernel)" in text
    assert int(re.search(r"Final turns \((\d+)\)", text).group(1)) >= 2
    session = [s for s in log["sessions"] if s["target"] == "kernel"][-1]
    assert session["captures"] and session["captures"][-1][0] >= 5000  # at least 5 s of audio sent
    assert "dropped" not in text  # the idle kernel kept up: nothing was dropped


def test_the_inactivity_stop_works_when_the_browser_streams(fake):
    tone = (8000 * np.sin(2 * np.pi * 220 * np.arange(SR * 300 // 1000) / SR)).astype(np.int16)
    pcm = np.concatenate([np.zeros(SR // 5, np.int16), tone, np.zeros(SR * 30, np.int16)])  # 30.5 s
    mic = BrowserMicrophone()
    page = StandInPage(mic, pcm, speed=4.0)  # the whole recording would take 7.6 s
    session = mic.open_session(CONFIG, api_key=KEY, streaming=StreamingOptions(url=fake.ws_url),
                               options=SessionOptions(inactivity_timeout_s=1.0))
    session.start()
    end = session.wait(30)
    assert end.kind == "inactivity" and "no new transcript for 1 s" in end.detail
    assert [c["cmd"] for c in page.commands] == ["start", "terminate"]
    rec = fs.wait_for_sessions(fake, 1)[0]
    assert rec["terminate_received"] and len(session.turns()) == 1
    assert sum(rec["chunks"]) < pcm.size * 2 // 2  # ended well before the recording did
