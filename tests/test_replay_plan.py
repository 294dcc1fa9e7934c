"""The replay's plan: recordings, their truth and side, a seeded sample, the cost; nothing streamed."""

from __future__ import annotations

import random
import wave

import pytest

from tests.conftest import ROOT, SAMPLES
from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.errors import InputError
from turntune_nb.replay_plan import plan_replay, sample_recordings

SYNTH = SAMPLES / "synthetic"
BUNDLED = sorted(p for p in SYNTH.iterdir() if p.is_file() and p.name != "mono_pauses.ogg") + \
    [ROOT / "turntune_nb" / "data" / "sample_conversation.opus"]
CONFIGS = [StreamingConfig("fast", 200, 600), StreamingConfig("slow", 400, 800)]


def tiny_corpus(folder, n: int):
    """`n` recordings of 300 ms of silence (16 kHz mono WAV), ``call00.wav``..., written in a shuffled
    order, and beside them in ``truth/`` a CSV transcript of each; returns (recordings folder, truth folder)."""
    calls, truth = folder / "calls", folder / "truth"
    calls.mkdir()
    truth.mkdir()
    for i in random.Random(99).sample(range(n), n):
        with wave.open(str(calls / f"call{i:02d}.wav"), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000), w.writeframes(b"\0\0" * 4800)
        (truth / f"call{i:02d}.csv").write_text("start_ms,end_ms,speaker\n0,100,A\n200,300,B\n")
    return calls, truth


@pytest.mark.parametrize("seed", [None, 7])
def test_the_sample_is_the_one_the_documented_seed_draws(tmp_path, seed):
    """5 of 30: C(30, 5) = 142,506 possible samples, so an unseeded draw matches by chance once in that many runs."""
    calls, truth = tiny_corpus(tmp_path, 30)
    plan = plan_replay(calls, CONFIGS[:1], truth=truth, sample=5, **({} if seed is None else {"seed": seed}))
    # the documented draw, with the standard library alone: random.Random(seed).sample of the recordings sorted
    # by path (seed 0 when none is given), kept in that order
    names = sorted(f"call{i:02d}.wav" for i in range(30))
    expected = sorted(random.Random(0 if seed is None else seed).sample(names, 5))
    assert [i.name for i in plan.items] == expected
    assert "a sample of 5 of 30" in plan.cost_text()


def test_sampling_keeps_everything_when_the_sample_is_not_smaller():
    assert sample_recordings(["b", "c", "a"], 3, seed=1) == ["a", "b", "c"]
    assert sample_recordings(["b", "a"], 5) == ["a", "b"]
    assert sample_recordings(["b", "c", "a"], 2, seed=3) == sorted(random.Random(3).sample(["a", "b", "c"], 2))


def test_plan_samples_with_a_seed_and_lists_bad_recordings(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF not really")
    folder = [*BUNDLED[:7], bad]
    a = plan_replay(BUNDLED[:7], CONFIGS, truth=SYNTH / "truth", channel=0, sample=3, seed=4)
    assert [i.name for i in a.items] == sorted(p.name for p in random.Random(4).sample(sorted(BUNDLED[:7]), 3))
    assert "a sample of 3 of 7" in a.cost_text()
    everything = plan_replay(folder, CONFIGS, truth=SYNTH / "truth", channel=0)
    assert [f["filename"] for f in everything.failed] == ["broken.wav"]
    assert len(everything.items) == 7 and all(i.speakers == ("A",) for i in everything.items)
    # 9830 ms of conv5 + (600 + 500) and (800 + 500) of trailing silence
    one = plan_replay([SYNTH / "conv5.opus"], CONFIGS, truth=SYNTH / "truth", channel=1)
    assert one.items[0].speakers == ("B",) and one.audio_hours == (2 * 9830 + 1100 + 1300) / 3_600_000
    with pytest.raises(InputError, match="no channel 2"):
        plan_replay([SYNTH / "conv5.opus"], CONFIGS, channel=2)
    # a transcript whose channel column does not tell the parties apart: the side must be named
    (tmp_path / "conv5.rttm").write_text("SPEAKER conv5 1 0.800 1.726 <NA> <NA> B <NA> <NA>\n"
                                         "SPEAKER conv5 1 2.746 1.392 <NA> <NA> A <NA> <NA>\n")
    with pytest.raises(InputError, match=r"several speakers \(A, B\).*speaker="):
        plan_replay([SYNTH / "conv5.opus"], CONFIGS, truth=tmp_path / "conv5.rttm", channel=0)
    named = plan_replay([SYNTH / "conv5.opus"], CONFIGS, truth=tmp_path / "conv5.rttm", channel=0, speaker="A")
    assert named.items[0].speakers == ("A",)


def test_without_a_transcript_the_offline_segmentation_is_the_truth(tmp_path):
    plan = plan_replay([SYNTH / "conv5.opus"], CONFIGS, channel=0)
    item = plan.items[0]
    assert item.truth_source.startswith("offline segmentation") and item.speakers == ("ch0",)


def test_the_cost_is_stated_before_anything_streams(tmp_path):
    calls, truth = tiny_corpus(tmp_path, 2)
    plan = plan_replay(calls, CONFIGS, truth=truth, backend="assemblyai")
    # 2 recordings x 2 settings: 4 x 300 ms of audio + 2 x (600 + 500) + 2 x (800 + 500) ms of silence = 6000 ms
    assert plan.sessions == 4 and plan.audio_hours == 6000 / 3_600_000
    text = plan.cost_text(concurrency=1)
    assert "0.002 h of audio to AssemblyAI (billed per streamed hour)" in text and "1 at a time" in text
    # at least the longest recording, and at least the audio over the sessions at once: 6 s in real time
    assert "it will take at least 0.1 min" in text
