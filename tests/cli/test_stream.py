"""``turntune stream``: the service's parameters sent as given, refused when out of range, and
the greeting and turns printed for a file."""

import json
import re

from tests.cli.helpers import plain_env, run_cli


def _stream_env(fake):
    import os

    env = dict(os.environ, ASSEMBLYAI_API_KEY=fake.api_key, ASSEMBLYAI_STREAMING_URL=fake.ws_url)
    env["PYTHONPATH"] = str(__import__("tests.conftest", fromlist=["ROOT"]).ROOT)
    return env


def test_cli_stream_sends_the_new_parameters(tmp_path):
    import wave

    import numpy as np

    from tests.fake_assemblyai import FakeAssemblyAI
    from tests.fake_assemblyai import streaming as fs

    sr = 16000
    t = np.arange(sr * 600 // 1000) / sr
    pcm = np.concatenate([np.zeros(sr // 5, np.int16), (8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16),
                          np.zeros(sr * 3 // 2, np.int16)])
    path = tmp_path / "a.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(sr), w.writeframes(pcm.tobytes())
    with FakeAssemblyAI(api_key="sk-cli-stream-1234") as fake:
        proc = run_cli("stream", "--source", path, "--speech-model", "universal-3-5-pro", "--mode", "balanced",
                    "--interruption-delay", "300", "--vad-threshold", "0.5", "--server-inactivity-timeout", "30",
                    "--min-turn-silence", "200", "--max-turn-silence", "500", "--temporary-token", "--json",
                    env=_stream_env(fake))
        assert proc.returncode == 0, proc.stderr
        rec = fs.wait_for_sessions(fake, 1)[0]
        minted = fs.tokens_minted(fake)
    params = rec["params"]
    assert (params["speech_model"], params["mode"], params["interruption_delay"], params["vad_threshold"],
            params["inactivity_timeout"]) == ("universal-3-5-pro", "balanced", "300", "0.5", "30")
    assert rec["auth"] == "token" and len(minted) == 1
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    finals = [e for e in events if e["type"] == "Turn" and e["end_of_turn"]]
    assert len(finals) == 1  # one tone, then silence longer than max_turn_silence
    assert "sk-cli-stream-1234" not in proc.stdout + proc.stderr


def test_cli_stream_refuses_a_vad_threshold_out_of_range(tmp_path):
    proc = run_cli("stream", "--source", "x.wav", "--offline", "--vad-threshold", "1.5")
    assert proc.returncode != 0 and "vad_threshold must be a number in 0..1, got 1.5" in proc.stderr
    proc = run_cli("stream", "--source", "x.wav", "--speech-model", "universal-streaming-english", "--mode", "balanced",
                env={**__import__("os").environ, "ASSEMBLYAI_API_KEY": "k"})
    assert proc.returncode != 0 and "apply only to the U3 Pro models" in proc.stderr


def test_stream_says_speak_now_only_for_the_microphone(tmp_path):
    """Replaying a file: the greeting names the file; only final turns reach a pipe (no cursor codes)."""
    proc = run_cli("stream", "--source", "samples/synthetic/conv1.wav", "--offline",
                env=plain_env(PYTHONPATH=str(__import__("tests.conftest", fromlist=["ROOT"]).ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert "Speak now" not in proc.stdout + proc.stderr
    assert "Replaying samples/synthetic/conv1.wav in real time; Ctrl+C to stop." in " ".join(proc.stderr.split())
    assert proc.stderr.endswith("Session ended (source exhausted): samples/synthetic/conv1.wav ended\n")
    assert "\x1b" not in proc.stdout + proc.stderr and "\r" not in proc.stdout
    # conv1.wav's truth: the turns of both parties, ending 0.8-9.6 s; each final turn on a line of its own
    assert re.fullmatch(r"(\[\d+-\d+ ms\] \(speech\)\n)+", proc.stdout), proc.stdout
