"""Replay: recordings streamed through a real endpointer (the fake AssemblyAI over a
real socket, or the offline endpointer), scored against their transcript.

The fake's rules mode applies AssemblyAI's documented rules to the recording's
reference words, so a replay against it must give exactly what the simulator
predicts; a second fake rule 120 ms slower must show as a 120 ms gap.
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT, SAMPLES
from tests.fake_assemblyai import FakeAssemblyAI
from tests.fake_assemblyai import streaming as fs
from turntune_nb.assemblyai.streaming_options import StreamingOptions
from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.audio.decode import decode_audio
from turntune_nb.errors import ConfigError, ReplayNotConfirmedError
from turntune_nb.replay import ReplayOptions, replay
from turntune_nb.rescore import rescore

KEY = "sk-replay-test-7a6b5c"
SYNTH = SAMPLES / "synthetic"
BUNDLED = sorted(p for p in SYNTH.iterdir() if p.is_file() and p.name != "mono_pauses.ogg") + \
    [ROOT / "turntune_nb" / "data" / "sample_conversation.opus"]
CONFIGS = [StreamingConfig("fast", 200, 600), StreamingConfig("slow", 400, 800)]


def worded_truth(audio: Path, folder: Path, punctuate: bool = True) -> list:
    """An AssemblyAI transcript of a bundled two-voice recording, from its ground truth:
    each segment's words spread evenly over it, every other segment ending in a full
    stop (so both of U3 Pro's rules occur; none with ``punctuate=False``). Returns its
    utterances."""
    stem = "conv5" if audio.name == "sample_conversation.opus" else audio.stem
    truth = json.loads((SYNTH / "truth" / f"{stem}{audio.suffix}.json").read_text())
    utts = []
    for i, seg in enumerate(truth["segments"]):
        toks = seg["text"].split()
        step = (seg["end_ms"] - seg["start_ms"]) / len(toks)
        words = []
        for k, tok in enumerate(toks):
            last = k == len(toks) - 1
            words.append({"text": tok + ("." if punctuate and last and i % 2 == 0 else ""), "speaker": seg["speaker"],
                          "start": seg["start_ms"] + round(k * step),
                          "end": seg["end_ms"] if last else seg["start_ms"] + round((k + 1) * step)})
        utts.append({"speaker": seg["speaker"], "start": seg["start_ms"], "end": seg["end_ms"], "channel": seg["channel"],
                     "text": " ".join(w["text"] for w in words), "words": words})
    data = {"status": "completed", "utterances": utts, "words": [w for u in utts for w in u["words"]]}
    (folder / f"{audio.stem}.json").write_text(json.dumps(data))
    return utts


@pytest.fixture(scope="module")
def server():
    with FakeAssemblyAI(api_key=KEY) as fake:
        yield fake


@pytest.fixture
def fake(server, tmp_path):
    """The fake in rules mode, knowing the channel-0 words of every bundled recording."""
    with server.state.lock:
        fs._store(server)["config"] = dict(fs.DEFAULTS, mode="rules", max_speed=30.0, rate_allowance_ms=2000.0)
    truth = tmp_path / "truth"
    truth.mkdir()
    for audio in BUNDLED:
        utts = worded_truth(audio, truth)
        pcm = decode_audio(audio, mono=False).samples[0]
        fs.add_reference(server, pcm, [(w["text"], w["start"], w["end"]) for u in utts if u["channel"] == 0
                                       for w in u["words"]])
    server.truth = truth
    return server


def via_fake(fake, paths, configs, tmp_path, **options):
    return replay(paths, configs, truth=fake.truth, channel=0, backend="assemblyai", yes=True, api_key=KEY,
                  streaming=StreamingOptions(url=fake.ws_url),
                  options=ReplayOptions(speed=10.0, concurrency=8, events_dir=tmp_path / "events", **options))


# --------------------------------------------------------------------------- the fake's rules
def test_replay_against_the_fake_equals_the_simulator_on_the_bundled_recordings(fake, tmp_path):
    result = via_fake(fake, BUNDLED, CONFIGS, tmp_path)
    assert not result.failed
    assert len(result.files) == len(BUNDLED) * len(CONFIGS)
    for frame in (result.files, result.overall):
        # the fake fires by the simulator's rules: never inside speech, once per cut hold and per turn end
        assert (frame["missed"] == 0).all() and (frame["fires_in_speech"] == 0).all()
        assert (frame["fired"] == frame["turn_ends"]).all() and (frame["fires_in_hold"] == frame["cuts"]).all()
        assert (frame["fires"] == frame["fires_at_turn_end"] + frame["fires_in_hold"]).all()
        for k in ("cutoff_rate", "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "interrupted"):
            both = frame[[k, f"predicted_{k}"]].dropna()
            assert (both[k] == both[f"predicted_{k}"]).all(), (k, frame)
    # by hand, conv1 side A: "... help desk." 800-2772 (B from 3122), "I can help with that." 5559-6863,
    # "What is your user name" 7763-9019 (B from 8769): one hold of 900 ms after "that." (cut at
    # min_turn_silence); turn ends after "desk." (at min: 200, next speaker 350 ms later) and after
    # "name" (at max: 600, talked over): mean 400, p90 200 + 0.9 * 400 = 560, one interrupted
    conv1 = result.files[(result.files["file"] == "conv1.wav") & (result.files["min_turn_silence"] == 200)].iloc[0]
    assert (conv1["holds"], conv1["cuts"], conv1["turn_ends"]) == (1, 1, 2)
    assert (conv1["latency_mean_ms"], conv1["latency_p90_ms"], conv1["interrupted"]) == (400.0, 560.0, 1)
    # at 400/800: 400 and 800 (mean 600), both talked over (350 < 400)
    slow = result.files[(result.files["file"] == "conv1.wav") & (result.files["min_turn_silence"] == 400)].iloc[0]
    assert (slow["cuts"], slow["latency_mean_ms"], slow["interrupted"]) == (1, 600.0, 2)


def test_the_last_turn_end_is_decided_by_the_endpointer_not_by_the_end_of_the_audio(fake, tmp_path):
    # conv5 side B, no punctuation: turn ends at 2526, 5554 and 9031, the audio ends at 9830, 799 ms
    # after the last one; at max_turn_silence 1000 every end is decided 1000 ms after it, the last
    # one in the silence replay appends (without it the stream would end first)
    conv5 = SYNTH / "conv5.opus"
    truth = tmp_path / "bare"
    truth.mkdir()
    utts = worded_truth(conv5, truth, punctuate=False)
    fs.add_reference(fake, decode_audio(conv5, mono=False).samples[1],
                     [(w["text"], w["start"], w["end"]) for u in utts if u["channel"] == 1 for w in u["words"]])
    result = replay([conv5], [StreamingConfig("x", 400, 1000)], truth=truth, channel=1, backend="assemblyai", yes=True,
                    api_key=KEY, streaming=StreamingOptions(url=fake.ws_url),
                    options=ReplayOptions(speed=10.0, events_dir=tmp_path / "events"))
    row = result.files.iloc[0]
    assert (row["speakers"], row["turn_ends"], row["fired"]) == ("B", 3, 3)
    assert (row["latency_mean_ms"], row["latency_p90_ms"], row["predicted_latency_mean_ms"]) == (1000.0, 1000.0, 1000.0)


def test_a_fake_rule_120_ms_slower_shows_as_a_120_ms_latency_gap(fake, tmp_path):
    fs.configure(fake, extra_eot_ms=120)
    result = via_fake(fake, [SYNTH / "conv1.wav"], [StreamingConfig("fast", 200, 600)], tmp_path)
    row = result.overall.iloc[0]
    # by hand (conv1 side A, as above): ends decided at 2772 + 200 + 120 and 9019 + 600 + 120:
    # latencies 320 and 720 against the rule's 200 and 600
    assert (row["latency_mean_ms"], row["predicted_latency_mean_ms"], row["gap_latency_mean_ms"]) == (520.0, 400.0, 120.0)
    assert (row["gap_latency_p50_ms"], row["gap_latency_p90_ms"]) == (120.0, 120.0)
    # the hold of 900 ms is still cut (decided at 6863 + 200 + 120, inside it): no cut-off gap
    assert (row["cutoff_rate"], row["gap_cutoff_rate"]) == (1.0, 0.0)


@pytest.mark.parametrize("code", [3009, 1008])  # 1008: the older docs' close for the same limit
def test_sessions_refused_for_too_many_sessions_are_retried_with_backoff(fake, tmp_path, code):
    fs.configure(fake, error={"code": code, "reason": "Unauthorized Connection: Too many concurrent sessions",
                              "after_ms": 0, "message": True, "times": 2})
    before = len(fs.sessions(fake))
    result = via_fake(fake, [SYNTH / "conv5.opus"], [CONFIGS[0]], tmp_path, backoff_s=0.05)
    assert not result.failed and result.overall.iloc[0]["fired"] == 2
    assert [s["close"][0] for s in fs.sessions(fake)[before:]] == [code, code, 1000]
    saved = next((tmp_path / "events").glob("*.jsonl")).read_text()
    assert json.loads(saved.splitlines()[0])["attempts"] == 3
    assert KEY not in saved and KEY not in repr(result) and KEY not in json.dumps(result.to_dict(), default=str)


def test_a_rate_limited_replay_still_streams_every_session(tmp_path):
    lim_result = replay([SYNTH / "conv5.opus", SYNTH / "conv1.wav"], [CONFIGS[0]], truth=SYNTH / "truth", channel=0,
                        backend="offline", yes=True,
                        options=ReplayOptions(speed=None, events_dir=tmp_path / "events", sessions_per_minute=5))
    assert lim_result.overall.iloc[0]["files"] == 2 and not lim_result.failed


def test_a_session_that_keeps_failing_is_reported_and_the_others_finish(fake, tmp_path):
    fs.configure(fake, error={"code": 3005, "reason": "Session Cancelled: An error occurred", "after_ms": 0,
                              "message": True, "times": 1})
    result = replay([SYNTH / "conv5.opus", SYNTH / "conv1.wav"], [CONFIGS[0]], truth=fake.truth, channel=0,
                    backend="assemblyai", yes=True, api_key=KEY, streaming=StreamingOptions(url=fake.ws_url),
                    options=ReplayOptions(speed=10.0, concurrency=1, events_dir=tmp_path / "events"))
    assert len(result.failed) == 1 and "3005" in result.failed[0]["reason"]
    assert result.overall.iloc[0]["files"] == 1


# --------------------------------------------------------------------------- offline, rescoring, files
def test_offline_replay_is_scored_from_its_own_events_and_rescores_the_same(tmp_path):
    events = tmp_path / "events"
    result = replay([SYNTH / "conv5.opus"], [CONFIGS[0]], truth=SYNTH / "truth", channel=0, backend="offline",
                    yes=True, options=ReplayOptions(speed=None, events_dir=events, model="silence"))
    files = sorted(events.iterdir())
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(events.stat().st_mode) == 0o700
    lines = [json.loads(x) for x in files[0].read_text().splitlines()]
    assert lines[0]["type"] == "ReplayHeader" and lines[0]["speakers"] == ["A"]
    finals = [e for e in lines[1:] if e["type"] == "Turn" and e["end_of_turn"]]
    # side A of conv5 ends its turns at 4138 and 6777 (truth RTTM): latency = fire - end, by hand from the events
    expected = np.mean([finals[0]["emitted_at_ms"] - 4138, finals[1]["emitted_at_ms"] - 6777])
    row = result.overall.iloc[0]
    assert len(finals) == 2 and row["latency_mean_ms"] == expected and row["predicted_latency_mean_ms"] == 600.0
    again = rescore(events, model="silence")
    assert again.overall.equals(result.overall) and again.files.equals(result.files)
    u3 = rescore(events, model="u3-rt-pro")  # no words in an RTTM: the u3 prediction is a bracket
    assert bool(u3.overall.iloc[0]["bracket"]) and u3.overall.iloc[0]["latency_mean_ms"] == expected
    # its bounds: every end at max_turn_silence (600) or at min_turn_silence (200)
    assert (u3.overall.iloc[0]["predicted_latency_mean_ms"], u3.overall.iloc[0]["predicted_latency_mean_ms_low"]) == (600, 200)
    assert u3.files.iloc[0]["predicted_latency_mean_ms_low"] == 200


def test_assemblyai_is_never_asked_for_faster_than_real_time(tmp_path):
    with pytest.raises(ConfigError, match="faster than real time"):
        replay([SYNTH / "conv5.opus"], CONFIGS, truth=SYNTH / "truth", channel=0, backend="assemblyai", yes=True,
               api_key=KEY, options=ReplayOptions(speed=4.0, events_dir=tmp_path / "events"))
    assert not (tmp_path / "events").exists()


def test_a_mixed_stream_is_scored_for_everyone_and_says_so(tmp_path):
    result = replay([SYNTH / "conv5.opus"], [CONFIGS[0]], truth=SYNTH / "truth", backend="offline", yes=True,
                    options=ReplayOptions(speed=None, events_dir=tmp_path / "events"))
    assert result.files.iloc[0]["speakers"] == "(all)" and result.files.iloc[0]["turn_ends"] == 5
    assert any("streamed as a mix" in n for n in result.notes)


def test_nothing_streams_without_confirmation_and_the_cost_is_stated(tmp_path):
    with pytest.raises(ReplayNotConfirmedError, match=r"0\.006 h of audio .* 2 session\(s\)"):
        replay([SYNTH / "conv5.opus"], CONFIGS, truth=SYNTH / "truth", channel=0, backend="offline",
               options=ReplayOptions(events_dir=tmp_path / "events"))
    assert not (tmp_path / "events").exists()


# --------------------------------------------------------------------------- the options
def test_the_old_keyword_arguments_still_work_and_warn():
    with pytest.warns(DeprecationWarning, match=r"replay\(\): the keyword arguments concurrency=, sample=, seed= are "
                      r"deprecated; pass options=ReplayOptions\(concurrency=\.\.\.\)"):
        with pytest.raises(ReplayNotConfirmedError, match=r"a sample of 1 of 2 x 1 setting\(s\).* 3 at a time"):
            replay([SYNTH / "conv5.opus", SYNTH / "conv1.wav"], [CONFIGS[0]], truth=SYNTH / "truth", channel=0,
                   backend="offline", concurrency=3, sample=1, seed=2)


def test_a_keyword_argument_that_is_no_option_goes_to_the_session(monkeypatch, tmp_path):
    seen = []

    def open_session(config, source, **kwargs):
        seen.append(kwargs)
        raise ConfigError("stop here")

    monkeypatch.setattr("turntune_nb.pipeline.open_session", open_session)
    result = replay([SYNTH / "conv5.opus"], [CONFIGS[0]], truth=SYNTH / "truth", channel=0, backend="offline",
                    yes=True, speech_model="u3-rt-pro", options=ReplayOptions(events_dir=tmp_path / "e"))
    assert seen[0]["speech_model"] == "u3-rt-pro" and "events_dir" not in seen[0]
    assert [f["reason"] for f in result.failed] == ["stop here"]


@pytest.mark.parametrize("field, value, message", [
    ("sample", 0, "sample must be None (every recording) or a whole number >= 1"),
    ("speed", 0, "speed must be a number > 0 (1 = real time) or None"),
    ("speed", float("nan"), "speed must be a number > 0"),
    ("concurrency", 0, "concurrency must be a whole number >= 1 (sessions at once), got 0"),
    ("concurrency", 2.0, "concurrency must be a whole number >= 1"),
    ("sessions_per_minute", 0, "sessions_per_minute must be None (no limit) or a whole number >= 1"),
    ("retries", -1, "retries must be a whole number >= 0"),
    ("backoff_s", float("inf"), "backoff_s must be a number of seconds >= 0"),
    ("align_tolerance_ms", -5, "align_tolerance_ms must be None (from the truth's source) or a whole number of "
                               "milliseconds >= 0"),
    ("model", "u4", "unknown model 'u4': use one of universal-3-6-pro, universal-3-5-pro, universal-streaming"),
    ("progress", "print", "progress must be a function of one line of text, or None"),
    ("seed", "1", "seed must be a whole number"),
])
def test_a_bad_option_is_refused_saying_what_it_may_be(field, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        ReplayOptions(**{field: value})


def test_the_options_are_frozen_and_default_to_the_documented_values():
    options = ReplayOptions()
    assert (options.sample, options.seed, options.speed, options.concurrency, options.sessions_per_minute,
            options.retries, options.backoff_s, options.model, options.align_tolerance_ms, options.events_dir,
            options.progress) == (None, 0, 1.0, 4, None, 6, 2.0, "universal-3-6-pro", None, None, None)
    with pytest.raises(FrozenInstanceError):
        options.concurrency = 2


# --------------------------------------------------------------------------- every fire accounted for
def test_a_fire_the_reference_calls_speech_is_counted_in_speech(fake, tmp_path):
    """The fake ends turns on the recording's words (conv1 side A: "desk." 2772, "that." 6863, "name"
    9019), as the simulator's rules do; the reference given to the replay bridges A's 900 ms pause
    (5559-9019 as one segment, as human references often do). At 200/600: the fake fires at 2772 + 200
    (punctuated), in the pause at 6863 + 200 = 7063 (punctuated), and at 9019 + 600 = 9619."""
    rttm = tmp_path / "bridged" / "conv1.rttm"
    rttm.parent.mkdir()
    rttm.write_text("SPEAKER conv1 1 0.800 1.972 <NA> <NA> A <NA> <NA>\n"
                    "SPEAKER conv1 2 3.122 1.837 <NA> <NA> B <NA> <NA>\n"
                    "SPEAKER conv1 1 5.559 3.460 <NA> <NA> A <NA> <NA>\n"
                    "SPEAKER conv1 2 8.769 0.868 <NA> <NA> B <NA> <NA>\n")
    result = replay([SYNTH / "conv1.wav"], [StreamingConfig("fast", 200, 600)], truth=rttm, channel=0, speaker="A",
                    backend="assemblyai", yes=True, api_key=KEY, streaming=StreamingOptions(url=fake.ws_url),
                    options=ReplayOptions(speed=10.0, events_dir=tmp_path / "events", model="silence"))
    row = result.overall.iloc[0]
    # 2972: A's turn end at 2772 (latency 200); 7063: inside 5559-9019, 1956 ms before its end (tolerance
    # 550, an RTTM): in speech; 9619: A's turn end at 9019 (latency 600; B started at 8769: interrupted)
    assert (row["fires"], row["fires_at_turn_end"], row["fires_in_hold"], row["fires_in_speech"]) == (3, 2, 0, 1)
    assert row["premature_rate"] == 1 / 3 and row["align_tolerance_ms"] == 550
    assert (row["holds"], row["turn_ends"], row["fired"], row["latency_mean_ms"]) == (0, 2, 2, 400.0)
    assert [p.name for p in (tmp_path / "events").iterdir()] == ["0000-conv1.wav-ch0--200-600.jsonl"]
