"""The offline endpointer: same interface and events as the API session, no network."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.assemblyai.streaming import StreamingSession
from turntune_nb.errors import ConfigError
from turntune_nb.live.endpointer import OfflineSession
from turntune_nb.live.events import BeginEvent, SessionEnd, SpeechStartedEvent, TerminationEvent, TurnEvent
from turntune_nb.live.session import SessionOptions

SYNTH = Path(__file__).resolve().parents[2] / "samples" / "synthetic"
FILES = sorted(p.name for p in SYNTH.glob("*") if p.is_file())
SR = 16000
AMBIGUOUS_MS = 75  # a pause this close to max_turn_silence may fall either way
END_TOLERANCE_MS = 100
#: Sessions here run as fast as the detector goes (no real-time pacing).
UNPACED = SessionOptions(pacing_speed=None)


def truth_segments(name: str) -> list[list[int]]:
    data = json.loads((SYNTH / "truth" / f"{name}.json").read_text())
    merged: list[list[int]] = []
    for start, end in sorted((s["start_ms"], s["end_ms"]) for s in data["segments"]):
        if merged and start <= merged[-1][1]:  # overlapping talk is one stretch of speech in the mono mix
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def speech(i: int) -> np.ndarray:
    """Utterance `i` (0-3) of the synthetic mono sample, cut at its ground-truth times."""
    from turntune_nb.audio.decode import decode_audio

    samples = decode_audio(SYNTH / "mono_pauses.ogg").samples[0]
    seg = json.loads((SYNTH / "truth" / "mono_pauses.ogg.json").read_text())["segments"][i]
    return samples[seg["start_ms"] * SR // 1000: seg["end_ms"] * SR // 1000]


def quiet(ms):
    return np.zeros(SR * ms // 1000, dtype=np.int16)


@pytest.mark.parametrize("config", [StreamingConfig("A", 160, 400), StreamingConfig("B", 400, 1280)],
                         ids=["160-400", "400-1280"])
@pytest.mark.parametrize("name", FILES)
def test_turn_ends_match_the_ground_truth(name, config):
    segs = truth_segments(name)
    s = OfflineSession(config, SYNTH / name, parties=False, options=UNPACED).start()  # the mix: one stretch
    s.wait(60)
    finals = s.turns()
    mx = config.max_turn_silence
    gaps_after = [segs[i + 1][0] - segs[i][1] for i in range(len(segs) - 1)] + [10**9]
    may_end = [seg[1] for seg, gap in zip(segs, gaps_after) if gap >= mx - AMBIGUOUS_MS]
    must_end = [seg[1] for seg, gap in zip(segs, gaps_after) if gap >= mx + AMBIGUOUS_MS]
    for turn in finals:  # every detected end is a true end after a long enough pause
        assert min(abs(turn.end_ms - e) for e in may_end) <= END_TOLERANCE_MS, (turn, may_end)
        if turn is not finals[-1]:  # decided after max_turn_silence of silence (the last: at the end of audio)
            assert mx <= turn.emitted_at_ms - turn.end_ms <= mx + 10
    for end in must_end:  # every long pause ends a turn
        assert min(abs(t.end_ms - end) for t in finals) <= END_TOLERANCE_MS, (end, finals)
    assert finals[0].start_ms == pytest.approx(segs[0][0], abs=END_TOLERANCE_MS)
    partials = [t for t in s.turns(final_only=False) if t.is_partial]
    assert all(config.min_turn_silence <= p.emitted_at_ms - p.end_ms <= config.min_turn_silence + 10 for p in partials)


def test_same_events_and_interface_as_the_api_session():
    a, b, c = speech(0), speech(1), speech(3)
    ms = lambda x: x.size * 1000 // SR  # noqa: E731
    audio = np.concatenate([quiet(300), a, quiet(500), b, quiet(1500), c, quiet(200)])
    end0 = 300 + ms(a) + 500 + ms(b)
    seen = []
    cfg = StreamingConfig("T", 200, 800)
    s = OfflineSession(cfg, audio, options=UNPACED, on_begin=seen.append, on_speech_started=seen.append,
                       on_turn=seen.append, on_termination=seen.append)
    with s:
        assert s.wait(30).kind == SessionEnd.SOURCE_EXHAUSTED
    kinds = [type(e) for e in s.events]
    assert kinds[0] is BeginEvent and kinds[-1] is TerminationEvent and seen == s.events
    finals = s.turns()
    assert len(finals) == 2 and [t.turn_order for t in finals] == [0, 1]
    assert finals[0].start_ms == pytest.approx(300, abs=60) and finals[0].end_ms == pytest.approx(end0, abs=60)
    assert finals[1].start_ms == pytest.approx(end0 + 1500, abs=60)
    assert kinds.count(SpeechStartedEvent) == 2
    # the 500 ms pause: a partial at 200 ms of silence, not an end
    first_partial = next(t for t in s.turns(final_only=False) if t.is_partial)
    assert first_partial.end_ms == pytest.approx(300 + ms(a), abs=60) and first_partial.turn_order == 0
    assert first_partial.emitted_at_ms - first_partial.end_ms == pytest.approx(200, abs=10)
    assert all(t.words == () and t.transcript == "" for t in finals)
    assert s.events[-1].audio_duration_seconds == round(s.stats.audio_ms / 1000)


def test_stop_force_endpoint_update_and_inactivity():
    cfg = StreamingConfig("T", 200, 800)
    started = threading.Event()
    s = OfflineSession(cfg, np.concatenate([speech(2), quiet(2000)]), options=SessionOptions(pacing_speed=4.0),
                       on_speech_started=lambda e: started.set()).start()
    assert started.wait(10)
    s.update_configuration(max_turn_silence=1500)
    assert s.config.max_turn_silence == 1500
    with pytest.raises(ConfigError):
        s.update_configuration(encoding="x")
    s.force_endpoint()
    s.wait(30)
    finals = s.turns()
    assert finals[0].end_ms < speech(2).size * 1000 // SR - 100 and s.end_reason.kind == SessionEnd.SOURCE_EXHAUSTED

    s = OfflineSession(cfg, quiet(20_000), options=SessionOptions()).start()
    assert s.stop().kind == SessionEnd.STOPPED and isinstance(s.events[-1], TerminationEvent)
    assert s.stats.audio_ms < 20_000

    s = OfflineSession(cfg, quiet(20_000), options=SessionOptions(inactivity_timeout_s=0.3)).start()
    assert s.wait(10).kind == SessionEnd.INACTIVITY and s.stats.audio_ms < 20_000
    assert not [t for t in threading.enumerate() if t.name.startswith("turntune-")]


def two_party_wav(path: Path) -> dict:
    """A two-channel WAV, one party per channel, with speech placed by hand: A speaks, B answers
    300 ms after A stops (well under max_turn_silence, so a downmix hears one stretch), A answers
    400 ms after B. Returns each party's speech spans (ms)."""
    import wave

    a, b, c = speech(0), speech(1), speech(3)
    ms = lambda x: x.size * 1000 // SR  # noqa: E731
    spans = {"ch0": [(500, 500 + ms(a))], "ch1": []}
    spans["ch1"].append((spans["ch0"][0][1] + 300, spans["ch0"][0][1] + 300 + ms(b)))
    spans["ch0"].append((spans["ch1"][0][1] + 400, spans["ch1"][0][1] + 400 + ms(c)))
    total = spans["ch0"][1][1] + 1500
    stereo = np.zeros((2, SR * total // 1000), dtype=np.int16)
    for ch, clip, (start, _end) in ((0, a, spans["ch0"][0]), (1, b, spans["ch1"][0]), (0, c, spans["ch0"][1])):
        stereo[ch, start * SR // 1000: start * SR // 1000 + clip.size] = clip
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(stereo.T.astype("<i2").tobytes())
    return spans


def test_a_two_party_recording_gives_each_party_its_turns(tmp_path):
    spans = two_party_wav(tmp_path / "call.wav")
    cfg = StreamingConfig("T", 400, 1280)
    s = OfflineSession(cfg, tmp_path / "call.wav", parties=True, options=UNPACED).start()
    assert s.wait(30).kind == SessionEnd.SOURCE_EXHAUSTED and s.speakers == ("ch0", "ch1")
    finals = s.turns()
    got = [(t.speaker_label, t.start_ms, t.end_ms) for t in finals]
    # in order of decision: A's first turn ends at max_turn_silence after it, before B's (300 ms later)
    want = [("ch0", *spans["ch0"][0]), ("ch1", *spans["ch1"][0]), ("ch0", *spans["ch0"][1])]
    assert [g[0] for g in got] == [w[0] for w in want], got
    for (_, start, end), (_, ws, we) in zip(got, want):
        assert start == pytest.approx(ws, abs=60) and end == pytest.approx(we, abs=60), (got, want)
    # decided max_turn_silence after each party's own speech, though the other party spoke in between
    assert [t.emitted_at_ms - t.end_ms for t in finals[:2]] == [pytest.approx(1280, abs=10)] * 2
    assert sorted(t.turn_order for t in finals) == [0, 1, 2]
    # the default for a two-channel file given by path: the same, one party per channel
    s = OfflineSession(cfg, tmp_path / "call.wav", options=UNPACED).start()
    s.wait(30)
    assert s.speakers == ("ch0", "ch1") and [t.speaker_label for t in s.turns()] == [w[0] for w in want]
    # the same file downmixed (parties=False): the answers 300 and 400 ms apart make one turn
    s = OfflineSession(cfg, tmp_path / "call.wav", parties=False, options=UNPACED).start()
    s.wait(30)
    assert [(t.speaker_label, t.start_ms) for t in s.turns()] == [(None, pytest.approx(500, abs=60))]
    assert s.turns()[0].end_ms == pytest.approx(spans["ch0"][1][1], abs=60)
    assert s.stats.audio_ms == pytest.approx(spans["ch0"][1][1] + 1500, abs=50)


def test_stop_leaves_the_open_turn_unfinished():
    """Stopping is not an end of turn: no final is made up for the speech under way."""
    cfg = StreamingConfig("T", 200, 800)
    started = threading.Event()
    s = OfflineSession(cfg, np.concatenate([speech(2), quiet(2000)]), options=SessionOptions(pacing_speed=2.0),
                       on_speech_started=lambda e: started.set()).start()
    assert started.wait(10)
    assert s.stop().kind == SessionEnd.STOPPED
    assert s.turns() == [] and isinstance(s.events[-1], TerminationEvent)
    assert any(isinstance(e, SpeechStartedEvent) for e in s.events)


def test_the_api_session_refuses_two_channels(tmp_path):
    from turntune_nb.live.sources import FileSource

    two_party_wav(tmp_path / "call.wav")
    with pytest.raises(ConfigError, match="takes 1 channel"):
        StreamingSession(StreamingConfig("T", 400, 1280), FileSource(tmp_path / "call.wav", parties=True),
                         api_key="k")


@pytest.mark.slow
def test_stream_offline_on_a_two_channel_call_endpoints_each_party(tmp_path):
    """`turntune stream --offline` on a two-party recording (replayed in real time, ~6 s): each party's
    turns, as the offline backend finds them; not one turn for the whole call (the downmix)."""
    import os
    import subprocess
    import sys

    spans = two_party_wav(tmp_path / "call.wav")
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "ASSEMBLYAI_API_KEY"} | {"PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-m", "turntune_nb", "stream", "--source", str(tmp_path / "call.wav"),
                           "--offline", "--min-turn-silence", "400", "--max-turn-silence", "1280", "--json"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    finals = [e for e in map(json.loads, proc.stdout.splitlines()) if e.get("type") == "Turn" and e["end_of_turn"]]
    # by hand (two_party_wav): A, then B 300 ms after A stops, then A 400 ms after B: three turns, two parties
    assert [e["speaker_label"] for e in finals] == ["ch0", "ch1", "ch0"], finals
    for e, (start, end) in zip(finals, [spans["ch0"][0], spans["ch1"][0], spans["ch0"][1]]):
        assert e["start_ms"] == pytest.approx(start, abs=60) and e["end_ms"] == pytest.approx(end, abs=60)
