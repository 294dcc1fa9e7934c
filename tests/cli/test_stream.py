"""``turntune stream``: the service's parameters sent as given, refused when out of range, and
the greeting and turns printed for a file."""

import json
import re

from tests.cli.helpers import flat, plain_env, run_cli


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
    assert re.fullmatch(r"(\[\d+-\d+ ms\] ch[01]: \(speech\)\n)+", proc.stdout), proc.stdout
    # one endpointer per party (the file has one party per channel): both parties' turns, each named
    assert "] ch0: " in proc.stdout and "] ch1: " in proc.stdout


# --------------------------------------------------------------------------- issue 22: the December 2026 surface
def _wav(path, ms_silence_before=200, ms_tone=600, ms_after=400):
    import wave

    import numpy as np

    sr = 16000
    t = np.arange(sr * ms_tone // 1000) / sr
    pcm = np.concatenate([np.zeros(sr * ms_silence_before // 1000, np.int16),
                          (8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16),
                          np.zeros(sr * ms_after // 1000, np.int16)])
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(sr), w.writeframes(pcm.tobytes())
    return path


def _stream(fake, *args):
    from tests.fake_assemblyai import streaming as fs

    before = len(fs.sessions(fake))
    proc = run_cli("stream", *args, env=_stream_env(fake))
    rec = fs.wait_for_sessions(fake, before + 1)[before]
    return proc, rec


def test_cli_stream_with_no_model_opens_a_universal_3_6_pro_session_and_names_the_flags(tmp_path):
    from tests.fake_assemblyai import FakeAssemblyAI

    path = _wav(tmp_path / "a.wav")
    with FakeAssemblyAI(api_key="sk-cli-stream-5678") as fake:
        proc, rec = _stream(fake, "--source", path, "--json")
        assert proc.returncode == 0, proc.stderr
        # no model, no setting: the balanced preset, named, nothing else to send
        assert rec["params"] == {"sample_rate": "16000", "encoding": "pcm_s16le", "speech_model": "universal-3-6-pro",
                                 "mode": "balanced"}
        begin = json.loads(proc.stdout.splitlines()[0])
        assert begin["type"] == "Begin" and begin["configuration"]["speech_model"] == "universal-3-6-pro"
        assert begin["configuration"]["max_turn_silence"] == 1280  # the balanced preset in force

        proc, rec = _stream(fake, "--source", path, "--speech-model", "universal-3-6-pro", "--mode", "balanced",
                            "--max-turn-duration", "20000")
        assert proc.returncode == 0, proc.stderr
        assert rec["params"] == {"sample_rate": "16000", "encoding": "pcm_s16le", "speech_model": "universal-3-6-pro",
                                 "mode": "balanced", "max_turn_duration": "20000"}
        assert "Session began on universal-3-6-pro" in flat(proc.stderr)

        proc, rec = _stream(fake, "--source", path, "--speaker-labels", "--max-speakers", "2")
        assert proc.returncode == 0, proc.stderr
        # the diarisation profile is the starting point: only the switch and the cap are sent
        assert rec["params"] == {"sample_rate": "16000", "encoding": "pcm_s16le", "speech_model": "universal-3-6-pro",
                                 "speaker_labels": "true", "max_speakers": "2"}
        assert (rec["settings"]["min_turn_silence"], rec["settings"]["max_turn_silence"]) == (640, 768)


def test_cli_stream_notes_a_legacy_model_and_a_setting_the_service_changed(tmp_path):
    from tests.fake_assemblyai import FakeAssemblyAI

    path = _wav(tmp_path / "a.wav")
    with FakeAssemblyAI(api_key="sk-cli-stream-5678") as fake:
        proc, rec = _stream(fake, "--source", path, "--speech-model", "u3-rt-pro", "--min-turn-silence", "20")
    assert proc.returncode == 0, proc.stderr
    assert rec["params"]["speech_model"] == "u3-rt-pro" and rec["params"]["min_turn_silence"] == "20"
    err = flat(proc.stderr)
    assert err.count("Note: u3-rt-pro is a legacy name") == 1 and "use universal-3-6-pro" in err
    # the service clamps min_turn_silence to 50-10000 ms and says so in Begin.configuration
    assert "Note: the service changed min_turn_silence 20 -> 50" in err


def test_cli_stream_ends_on_the_servers_inactivity_timer_without_an_error(tmp_path):
    from tests.fake_assemblyai import FakeAssemblyAI
    from tests.fake_assemblyai import streaming as fs

    path = _wav(tmp_path / "quiet.wav", ms_silence_before=3000, ms_tone=0, ms_after=0)
    with FakeAssemblyAI(api_key="sk-cli-stream-5678") as fake:
        fs.configure(fake, mode="silent", inactivity_scale=0.1)  # 5 s -> 0.5 s
        proc, rec = _stream(fake, "--source", path, "--server-inactivity-timeout", "5")
    assert rec["close"][0] == 3006
    assert proc.returncode == 0, proc.stderr  # an end, not an error
    assert "Session ended (inactivity (server), code 3006)" in flat(proc.stderr)
    assert "turntune:" not in proc.stderr
