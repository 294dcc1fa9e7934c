"""Audio sources: iterables, files, and the microphone for real (PulseAudio null sink)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.errors import InputError, NoMicrophoneError
from turntune_nb.live.endpointer import OfflineSession
from turntune_nb.live.events import SessionEnd
from turntune_nb.live.session import SessionOptions
from turntune_nb.live.sources import FileSource, IterableSource, MicrophoneSource, as_source, pcm_bytes

ROOT = Path(__file__).resolve().parents[2]
SYNTH = ROOT / "samples" / "synthetic"
SR = 16000


def test_iterables_bytes_and_arrays_become_pcm():
    src = as_source([b"\x01\x00\x02\x00", np.array([3, -4], dtype=np.int16), np.array([0.5, -1.0]), b""])
    assert isinstance(src, IterableSource) and not src.realtime
    assert b"".join(src.chunks()) == np.array([1, 2, 3, -4, 16384, -32767], dtype="<i2").tobytes()
    assert pcm_bytes(np.array([2.0])) == np.array([32767], dtype="<i2").tobytes()  # clipped
    with pytest.raises(InputError):
        pcm_bytes(np.array(["a"]))
    with pytest.raises(InputError, match="not an audio source"):
        as_source(42)
    assert isinstance(as_source("mic"), MicrophoneSource) and as_source("mic").realtime
    assert isinstance(as_source(SYNTH / "conv1.wav"), FileSource)


def test_file_source_streams_the_decoded_audio(tmp_path):
    from turntune_nb.audio.decode import decode_audio

    path = SYNTH / "mono_pauses.ogg"
    decoded = decode_audio(path).samples[0]
    s = OfflineSession(StreamingConfig("T", 300, 700), FileSource(path),
                       options=SessionOptions(pacing_speed=None, save_wav=tmp_path / "sent.wav")).start()
    s.wait(30)
    with wave.open(str(tmp_path / "sent.wav")) as w:
        sent = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert sent.size == -(-decoded.size // 800) * 800  # whole 50 ms frames, last one padded
    assert np.array_equal(sent[: decoded.size], decoded) and not sent[decoded.size:].any()
    assert (tmp_path / "sent.wav").stat().st_mode & 0o777 == 0o600  # the call itself: owner only
    with pytest.raises(InputError, match="no such audio file"):
        OfflineSession(StreamingConfig("T", 300, 700), FileSource(tmp_path / "missing.wav")).start()


def test_no_pyaudio_names_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyaudio", None)  # import pyaudio -> ImportError
    with pytest.raises(NoMicrophoneError) as info:
        MicrophoneSource().open()
    msg = str(info.value)
    assert "pip install 'turntune_nb[mic]'" in msg and "apt-get install portaudio19-dev" in msg
    s = OfflineSession(StreamingConfig("T", 300, 700), MicrophoneSource())
    with pytest.raises(NoMicrophoneError):
        s.start()
    assert not s.running and not [t for t in threading.enumerate() if t.name.startswith("turntune-")]


def test_a_missing_input_device_names_the_fix():
    pytest.importorskip("pyaudio", reason="PyAudio is not installed (pip install 'turntune_nb[mic]')")
    with pytest.raises(NoMicrophoneError, match="input device"):
        MicrophoneSource(device_index=9999).open()


# --------------------------------------------------------------------------- the real microphone path
@pytest.fixture
def pulse(tmp_path, monkeypatch):
    """A private PulseAudio daemon whose default source is a null sink's monitor.

    Runs as any user (root included: ``-n -F`` with a private runtime dir, no
    ``--system``); skipped, with the reason, only when the daemon cannot start.
    """
    pytest.importorskip("pyaudio", reason="PyAudio is not installed (pip install 'turntune_nb[mic]')")
    for tool in ("pulseaudio", "paplay", "pactl"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (apt-get install pulseaudio pulseaudio-utils libasound2-plugins)")
    run = tmp_path / "pulse"
    run.mkdir()
    sock = run / "native"
    (run / "default.pa").write_text(
        f"load-module module-native-protocol-unix auth-anonymous=1 socket={sock}\n"
        "load-module module-null-sink sink_name=turntune_mic rate=16000 channels=1\n"
        "set-default-sink turntune_mic\n"
        "set-default-source turntune_mic.monitor\n"
    )
    env = dict(os.environ, HOME=str(run), XDG_RUNTIME_DIR=str(run), PULSE_RUNTIME_PATH=str(run),
               PULSE_STATE_PATH=str(run), PULSE_SERVER=f"unix:{sock}")
    daemon = subprocess.Popen(
        ["pulseaudio", "-n", "-F", str(run / "default.pa"), "--daemonize=no", "--exit-idle-time=-1",
         "--use-pid-file=no", "--disable-shm=yes"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:  # wait for the daemon to answer (a subprocess, no flag polling)
            if daemon.poll() is not None:
                pytest.skip(f"the PulseAudio daemon could not start: {daemon.stderr.read()[-500:]}")
            probe = subprocess.run(["pactl", "info"], env=env, capture_output=True, text=True)
            if probe.returncode == 0 and "turntune_mic.monitor" in probe.stdout:
                break
            if time.monotonic() > deadline:
                pytest.skip(f"the PulseAudio daemon did not answer within 10 s: {probe.stderr.strip()}")
            time.sleep(0.1)
        for key in ("HOME", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH", "PULSE_SERVER"):
            monkeypatch.setenv(key, env[key])
        yield env
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(5)


def _recording(path: Path) -> tuple[Path, list[tuple[int, int]]]:
    """Two utterances of the synthetic mono sample with a 1 s pause; their true spans."""
    from turntune_nb.audio.decode import decode_audio

    samples = decode_audio(SYNTH / "mono_pauses.ogg").samples[0]
    segs = json.loads((SYNTH / "truth" / "mono_pauses.ogg.json").read_text())["segments"]
    cut = [samples[s["start_ms"] * 16: s["end_ms"] * 16] for s in (segs[0], segs[3])]
    lead, pause, tail = 300, 1000, 400
    audio = np.concatenate([np.zeros(lead * 16, np.int16), cut[0], np.zeros(pause * 16, np.int16), cut[1],
                            np.zeros(tail * 16, np.int16)])
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(SR)
        w.writeframes(audio.tobytes())
    first = (lead, lead + cut[0].size // 16)
    second = (first[1] + pause, first[1] + pause + cut[1].size // 16)
    return path, [first, second]


def test_microphone_session_captures_a_recording_played_into_pulseaudio(pulse, tmp_path):
    path, truth = _recording(tmp_path / "talk.wav")
    two_turns = threading.Event()
    finals = []

    def on_turn(turn):
        if turn.end_of_turn:
            finals.append(turn)
            if len(finals) == 2:
                two_turns.set()

    session = OfflineSession(StreamingConfig("Mic", 300, 700), MicrophoneSource(), on_turn=on_turn,
                             options=SessionOptions(save_wav=tmp_path / "captured.wav")).start()
    try:
        player = subprocess.run(["paplay", "--device=turntune_mic", str(path)], env=pulse, capture_output=True,
                                text=True, timeout=30)
        assert player.returncode == 0, player.stderr
        assert two_turns.wait(10), f"turns seen: {session.turns(final_only=False)}"
    finally:
        end = session.stop()
    assert end.kind == SessionEnd.STOPPED and session.source.realtime
    assert session.stats.chunks > 0 and set(session.stats.sizes) == {1600}
    # times are from the microphone's start, not the recording's: compare durations and spacing
    (s0, e0), (s1, e1) = [(t.start_ms, t.end_ms) for t in finals]
    assert abs((e0 - s0) - (truth[0][1] - truth[0][0])) <= 100
    assert abs((e1 - s1) - (truth[1][1] - truth[1][0])) <= 100
    assert abs((s1 - s0) - (truth[1][0] - truth[0][0])) <= 100


# --------------------------------------------------------------------------- PushSource (issue 14)
def test_push_source_bounds_the_queue_and_counts_drops_across_threads():
    import threading

    from turntune_nb.live.sources import PushSource

    src = PushSource(max_ms=200)  # four 50 ms chunks
    chunk = b"\x01\x00" * 800
    results = [src.push(chunk) for _ in range(6)]
    assert results == [True] * 4 + [False] * 2
    assert (src.dropped_chunks, src.dropped_ms, src.pushed_ms) == (2, 100.0, 200.0)
    got = []
    reader = threading.Thread(target=lambda: got.extend(src.chunks()))
    reader.start()
    accepted, pause = 0, threading.Event()
    while accepted < 10:  # room again as the reader drains; each refusal is counted
        if src.push(chunk):
            accepted += 1
        else:
            pause.wait(0.005)
    src.end()
    reader.join(10)
    assert not reader.is_alive() and len(got) == 14
    assert src.pushed_chunks == 14 and src.pushed_ms == 700.0
    before = src.dropped_chunks
    assert src.push(chunk) is False and src.dropped_chunks == before + 1  # after the end, counted too


def test_offline_session_reads_pushed_audio():
    import numpy as np

    from turntune_nb.analysis.presets import StreamingConfig
    from turntune_nb.live.endpointer import OfflineSession
    from turntune_nb.live.sources import PushSource

    sr = 16000
    t = np.arange(sr) / sr
    speech = (6000 * np.sin(2 * np.pi * 200 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.int16)
    src = PushSource(max_ms=60_000)
    s = OfflineSession(StreamingConfig("x", 200, 600), src)
    s.start()
    for block in np.split(np.concatenate([np.zeros(sr // 2, np.int16), speech, np.zeros(sr * 2, np.int16)]), 70):
        src.push(block)
    src.end()
    s.wait(30)
    assert s.end_reason.kind == "source_exhausted"
    assert src.dropped_chunks == 0 and s.stats.audio_ms >= 3500


def test_file_source_keeps_two_parties_apart(tmp_path):
    """parties=True: a two-channel file as interleaved L R pairs; mono and >2 channels stay one channel."""
    left = np.arange(0, 3200, dtype=np.int16)
    right = -np.arange(0, 3200, dtype=np.int16)
    path = tmp_path / "two.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.stack([left, right], axis=1).astype("<i2").tobytes())
    src = FileSource(path, parties=True)
    pcm = np.frombuffer(b"".join(src.chunks()), dtype="<i2")
    assert src.channels == 2 and pcm.size == 6400
    assert np.array_equal(pcm[0::2], left) and np.array_equal(pcm[1::2], right)
    assert FileSource(path).channels == 1  # the default: the downmix
    mono = np.frombuffer(b"".join(FileSource(path).chunks()), dtype="<i2")
    assert mono.size == 3200 and np.abs(mono).max() <= 1  # (x + -x) / 2
    assert FileSource(tmp_path / "missing.wav", parties=True).channels == 1
