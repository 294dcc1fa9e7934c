"""The offline backend: channels to speakers, per-file errors, gaps against ground truth."""

import json
from pathlib import Path

import pytest

from turntune_nb.analysis.columns import UNKNOWN_SPEAKER
from turntune_nb.analysis.gaps import compute_transitions
from turntune_nb.analysis.model import Transcript, Utterance
from turntune_nb.audio.offline import DIARISATION_NOTE, MONO_NOTE, transcribe_offline, write_segments
from turntune_nb.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SYNTH = ROOT / "samples" / "synthetic"
TRUTHS = sorted((SYNTH / "truth").glob("*.json"))


@pytest.fixture(scope="module")
def offline():
    truths = [json.loads(p.read_text()) for p in TRUTHS]
    # diarise=False: these tests check the detector's timing and the channels; diarisation has its own
    transcripts, failed = transcribe_offline([SYNTH / t["file"] for t in truths], progress=False, diarise=False)
    assert failed == []
    return dict(zip([t["file"] for t in truths], zip(truths, transcripts)))


def reference(t):
    mono = t["channels"] == 1
    return Transcript(t["file"], [
        Utterance(UNKNOWN_SPEAKER if mono else f"ch{s['channel']}", s["start_ms"], s["end_ms"])
        for s in t["segments"]
    ])


def test_two_channels_become_two_speakers(offline):
    for name, (t, tr) in offline.items():
        assert tr.source == "offline-vad" and tr.name == name
        if t["channels"] == 2:
            assert tr.speakers in (("ch0", "ch1"), ("ch1", "ch0"))
            assert all(u.channel == int(u.speaker[2]) for u in tr.utterances)
            assert tr.notes == ()
            assert len(tr.utterances) == len(t["segments"])


def test_mono_without_diarisation_is_one_unknown_speaker_and_says_so(offline):
    t, tr = offline["mono_pauses.ogg"]
    assert tr.speakers == (UNKNOWN_SPEAKER,) and len(tr.utterances) == 4
    assert tr.notes == (MONO_NOTE,) and "speakers are unknown" in MONO_NOTE
    assert all(u.channel is None for u in tr.utterances)


@pytest.mark.parametrize("name", [json.loads(p.read_text())["file"] for p in TRUTHS])
def test_gaps_overlaps_and_pauses_within_50ms_of_ground_truth(offline, name):
    t, tr = offline[name]
    want = compute_transitions(reference(t).to_frame())
    got = compute_transitions(tr.to_frame())
    assert list(got["kind"]) == list(want["kind"])
    assert list(got["speaker"]) == list(want["speaker"])
    errors = (got["offset_ms"] - want["offset_ms"]).abs()
    assert errors.max() <= 50, list(zip(want["offset_ms"], got["offset_ms"]))


def test_duration_is_recorded(offline):
    t, tr = offline["conv1.wav"]
    assert tr.duration_ms == t["duration_ms"]


def test_bad_files_are_listed_and_the_run_goes_on(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.mp3").write_text("not audio\n" * 30)
    files = [tmp_path / "empty.wav", SYNTH / "conv3.mp3", tmp_path / "missing.flac", tmp_path / "notes.mp3"]
    transcripts, failed = transcribe_offline(files, progress=False)
    assert [t.name for t in transcripts] == ["conv3.mp3"]
    assert [f["filename"] for f in failed] == ["empty.wav", "missing.flac", "notes.mp3"]
    assert "empty" in failed[0]["reason"] and "not found" in failed[1]["reason"]


def test_settings_pass_through_and_unknown_ones_fail():
    # min_silence 1000 ms bridges conv7's 750 ms same-speaker pause: ch0 has 2 segments, not 3
    (tr,), _ = transcribe_offline([SYNTH / "conv7.mp4"], progress=False, min_silence_ms=1000)
    assert sum(u.speaker == "ch0" for u in tr.utterances) == 2
    with pytest.raises(ConfigError, match="unknown offline backend setting"):
        transcribe_offline([SYNTH / "conv7.mp4"], progress=False, min_silense_ms=100)


def test_auto_backend_without_a_key_is_offline(monkeypatch):
    from turntune_nb.pipeline import analyze_folder

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    result = analyze_folder(SYNTH, progress=False)
    assert result.backend == "offline" and len(result.transcripts) == len(TRUTHS)
    assert result.to_summary()["backend"] == "offline"


def test_mono_is_diarised_into_the_given_count_and_bad_counts_fail():
    (tr,), _ = transcribe_offline([SYNTH / "mono_pauses.ogg"], progress=False, speakers=2)
    assert tr.notes == (DIARISATION_NOTE, "2 speaker(s) found by diarisation, the count as given (speakers=N)")
    assert set(tr.speakers) == {"spk0", "spk1"} and len(tr.utterances) == 4
    with pytest.raises(ConfigError, match="speakers"):
        transcribe_offline([SYNTH / "mono_pauses.ogg"], progress=False, speakers=-1)


def parse_rttm(text):
    """An independent RTTM parser: the 10 space-separated fields, seconds to ms."""
    rows = []
    for line in text.splitlines():
        f = line.split(" ")
        assert len(f) == 10 and f[0] == "SPEAKER" and f[5] == f[6] == f[8] == f[9] == "<NA>"
        onset, dur = round(float(f[3]) * 1000), round(float(f[4]) * 1000)
        rows.append((f[1], f[2], f[7], onset, onset + dur))
    return rows


def test_segments_are_written_as_private_rttm_files(tmp_path):
    calls = [
        Transcript("call one.wav", [Utterance("spk0", 0, 1250), Utterance("spk1", 1300, 2001), Utterance("spk0", 1900, 4000)]),
        Transcript("b.flac", [Utterance("ch0", 5, 999, channel=0), Utterance("ch1", 10_500, 61_234, channel=1)]),
        Transcript("b.flac", [Utterance(UNKNOWN_SPEAKER, 40, 70)]),   # same name from another folder
    ]
    paths = write_segments(calls, tmp_path / "segments")
    assert [p.name for p in paths] == ["call_one.wav.rttm", "b.flac.rttm", "b.flac-2.rttm"]
    assert (tmp_path / "segments").stat().st_mode & 0o777 == 0o700
    for path, t in zip(paths, calls):
        assert path.stat().st_mode & 0o777 == 0o600
        want = [(t.name.rsplit(".", 1)[0].replace(" ", "_"), "1", u.speaker, u.start_ms, u.end_ms) for u in t.utterances]
        assert parse_rttm(path.read_text()) == want
