import json
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from turntune_nb import columns as C
from turntune_nb.analysis.readers import (
    collect_transcripts,
    read_assemblyai_json,
    read_csv,
    read_rttm,
    read_transcripts,
    transcript_from_assemblyai,
)
from turntune_nb.errors import InputError, TranscriptFormatError


def test_assemblyai_with_speaker_labels(data_dir):
    t = read_assemblyai_json(data_dir / "assemblyai" / "wildfires_speaker_labels_truncated.json")
    assert [(u.speaker, u.start_ms, u.end_ms) for u in t.utterances] == [
        ("A", 250, 26950), ("B", 27850, 28840), ("A", 29610, 37400),
        ("B", 38970, 56142), ("A", 56276, 61070), ("B", 62290, 82950),
    ]
    assert sum(len(u.words) for u in t.utterances) == 231
    assert t.source == "assemblyai" and not t.notes


def test_assemblyai_without_utterances_becomes_one_unknown_stream(data_dir):
    t = read_assemblyai_json(data_dir / "assemblyai" / "wildfires_words_only.json")
    assert len(t.utterances) == 1
    u = t.utterances[0]
    assert u.speaker == C.UNKNOWN_SPEAKER and len(u.words) == 861
    assert (u.start_ms, u.end_ms) == (240, 280530)
    assert t.duration_ms == 282_000
    assert any("unknown speaker" in n for n in t.notes)


def test_assemblyai_words_with_speakers_are_grouped_into_utterances():
    data = {"status": "completed", "utterances": None, "words": [
        {"text": "Hi.", "start": 0, "end": 300, "speaker": "A"},
        {"text": "there", "start": 350, "end": 600, "speaker": "A"},
        {"text": "Yes?", "start": 900, "end": 1200, "speaker": "B"},
        {"text": "Ok.", "start": 1500, "end": 1700, "speaker": "A"},
    ]}
    t = transcript_from_assemblyai(data, "x.json")
    assert [(u.speaker, u.start_ms, u.end_ms, u.text) for u in t.utterances] == [
        ("A", 0, 600, "Hi. there"), ("B", 900, 1200, "Yes?"), ("A", 1500, 1700, "Ok.")]
    assert any("rebuilt from each speaker's words" in n for n in t.notes)


def test_assemblyai_json_without_status_is_read_as_completed(tmp_path):
    # a transcript saved without its "status" (the SDK's export, a hand-made file) is taken as completed
    p = tmp_path / "no_status.json"
    p.write_text(json.dumps({"utterances": [
        {"speaker": "A", "start": 0, "end": 900, "text": "Hello.",
         "words": [{"text": "Hello.", "start": 0, "end": 900}]},
        {"speaker": "B", "start": 1250, "end": 2000, "text": "Hi.", "words": []},
    ]}))
    t = read_assemblyai_json(p)
    assert [(u.speaker, u.start_ms, u.end_ms, u.text) for u in t.utterances] == [
        ("A", 0, 900, "Hello."), ("B", 1250, 2000, "Hi.")]
    assert [w.text for w in t.utterances[0].words] == ["Hello."] and t.notes == ()


@pytest.mark.parametrize("payload, message", [
    ({"status": "error", "error": "Audio duration is too short."}, "status is 'error'.*too short"),
    ({"status": "completed"}, "no 'words' or 'utterances'"),
    ({"status": "completed", "utterances": [{"speaker": "A", "start": "0", "end": 5}]}, "utterance 0 start"),
    ({"status": "completed", "utterances": [{"speaker": "A", "start": 10, "end": 5, "words": []}]}, "utterance 0"),
])
def test_assemblyai_malformed(tmp_path, payload, message):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(payload))
    with pytest.raises(TranscriptFormatError, match=message) as info:
        read_assemblyai_json(p)
    assert str(p) in str(info.value)


def test_invalid_json_names_file_and_line(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('{\n  "words": [\n  oops\n]}')
    with pytest.raises(TranscriptFormatError) as info:
        read_transcripts(p)
    assert info.value.line == 3 and "broken.json, line 3" in str(info.value)


def test_rttm_unsorted_lines_na_fields_and_ms(tmp_path, sample_rttm):
    p = tmp_path / "na.rttm"
    p.write_text(
        "SPEAKER rec 1 2.0004 0.0004 <NA> <NA> B <NA> <NA>\n"
        "SPEAKER rec <NA> 1.0006 0.5 <NA> <NA> <NA> <NA> <NA>\n"
        "SPEAKER rec 2 0.0004 0.9993 <NA> <NA> A <NA> <NA>\n"
    )
    (t,) = read_rttm(p)
    # seconds -> ms, rounded to the nearest ms (truncating would give 1000-1500, 2000-2000, 0-999):
    #   1.0006 s -> 1000.6 -> 1001; 1.0006 + 0.5 = 1.5006 s -> 1500.6 -> 1501
    #   2.0004 s -> 2000.4 -> 2000; 2.0004 + 0.0004 = 2.0008 s -> 2000.8 -> 2001
    #     (the end rounds onset + duration; onset + the rounded duration, 2000 + 0, would be 2000)
    #   0.0004 s -> 0.4 -> 0;       0.0004 + 0.9993 = 0.9997 s -> 999.7 -> 1000 (not 999)
    # lines sorted by onset; the <NA> speaker is the unknown speaker, a <NA> channel None;
    # RTTM channels count from 1, the package's from 0: RTTM 2 -> 1, RTTM 1 -> 0
    assert [(u.speaker, u.start_ms, u.end_ms, u.channel) for u in t.utterances] == [
        ("A", 0, 1000, 1), (C.UNKNOWN_SPEAKER, 1001, 1501, None), ("B", 2000, 2001, 0)]
    (t,) = read_rttm(sample_rttm)
    assert t.name == "sample" and t.speakers == ("speaker90", "speaker91")
    assert (t.utterances[0].start_ms, t.utterances[0].end_ms) == (6690, 7120)  # 6.690 + 0.430 s
    assert len(t.utterances) == 10


def test_rttm_unsorted_voxconverse(data_dir):
    (t,) = read_rttm(data_dir / "rttm" / "cjfer.rttm")
    starts = [u.start_ms for u in t.utterances]
    assert starts == sorted(starts) and len(starts) == 88


def test_rttm_several_recordings_in_one_file(tmp_path):
    p = tmp_path / "two.rttm"
    p.write_text(
        "SPEAKER rec2 1 1.000 0.500 <NA> <NA> B <NA> <NA>\n"
        "SPEAKER rec1 1 0.000 1.000 <NA> <NA> A <NA> <NA>\n"
        "SPKR-INFO rec1 1 <NA> <NA> <NA> unknown A <NA> <NA>\n"
        "SPEAKER rec1 1 1.250 1.000 <NA> <NA> B <NA> <NA>\n"
    )
    ts = read_rttm(p)
    assert [t.name for t in ts] == ["rec2", "rec1"]
    assert [(u.speaker, u.start_ms, u.end_ms) for u in ts[1].utterances] == [("A", 0, 1000), ("B", 1250, 2250)]


def test_rttm_a_bad_line_is_noted_on_its_own_recording(tmp_path):
    p = tmp_path / "two.rttm"
    p.write_text(
        "SPEAKER rec1 1 0.000 1.000 <NA> <NA> A <NA> <NA>\n"
        "SPEAKER rec2 1 0.000 1.000 <NA> <NA> B <NA> <NA>\n"
        "SPEAKER rec2 1 2.000 -0.500 <NA> <NA> B <NA> <NA>\n"   # line 3: rec2's, a negative duration
        "SPEAKER rec1 1 abc 1.000 <NA> <NA> A <NA> <NA>\n"      # line 4: rec1's, an unreadable onset
        "SPEAKER rec3 1 abc 1.000 <NA> <NA> C <NA> <NA>\n"      # line 5: a recording with no good line
        "SPEAKER\n"                                             # line 6: no recording named at all
    )
    rec1, rec2 = read_rttm(p)
    assert [n.split(":", 1)[0] for n in rec2.notes] == ["two.rttm, line 3 skipped"]
    # rec1's own line, and the lines whose recording is unknown or has nothing else, go to the first
    assert [n.split(":", 1)[0] for n in rec1.notes] == [f"two.rttm, line {n} skipped" for n in (4, 5, 6)]


@pytest.mark.parametrize("line, message", [
    ("SPEAKER f 1 abc 1.0 <NA> <NA> A <NA> <NA>", "onset must be seconds, got 'abc'"),
    ("SPEAKER f 1 1.0 -1.0 <NA> <NA> A <NA> <NA>", "duration must be >= 0, got -1.0"),
    ("SPEAKER f 1 1.0", "at least 8 fields"),
    ("hello world", "expected an RTTM 'SPEAKER' line"),
    ("SPEAKER f 1 1e300 1.0 <NA> <NA> A <NA> <NA>", "onset is out of range: 1e300 s is more than a week"),
    ("SPEAKER f 1 inf 1.0 <NA> <NA> A <NA> <NA>", "onset must be a finite number of seconds, got inf"),
    ("SPEAKER f 1 NaN 1.0 <NA> <NA> A <NA> <NA>", "onset must be a finite number of seconds, got NaN"),
    ("SPEAKER f 1 2.0 0.0 <NA> <NA> A <NA> <NA>", "zero-duration segment"),
])
def test_rttm_bad_line_is_skipped_and_named_the_good_ones_kept(tmp_path, line, message):
    p = tmp_path / "bad.rttm"
    p.write_text("SPEAKER f 1 0.0 1.0 <NA> <NA> A <NA> <NA>\n" + line + "\nSPEAKER f 1 3.0 1.0 <NA> <NA> B <NA> <NA>\n")
    (t,) = read_rttm(p)
    assert [(u.speaker, u.start_ms, u.end_ms) for u in t.utterances] == [("A", 0, 1000), ("B", 3000, 4000)]
    assert len(t.notes) == 1 and t.notes[0].startswith("bad.rttm, line 2 skipped: ") and message in t.notes[0]
    with pytest.raises(TranscriptFormatError, match=message) as info:
        read_rttm(p, strict=True)
    assert info.value.line == 2 and "bad.rttm, line 2" in str(info.value)


def test_rttm_every_bad_line_is_listed_and_a_file_of_bad_lines_fails(tmp_path):
    p = tmp_path / "talkbank.rttm"
    good = [f"SPEAKER rec 1 {i}.0 0.5 <NA> <NA> {'AB'[i % 2]} <NA> <NA>" for i in range(6)]
    lines = good[:2] + ["SPEAKER rec 1 2.5 -0.2 <NA> <NA> A <NA> <NA>"] + good[2:] + [
        "SPEAKER rec 1 9.0 -0.1 <NA> <NA> B <NA> <NA>"]
    p.write_text("\n".join(lines) + "\n")
    (t,) = read_rttm(p)
    assert len(t.utterances) == 6  # every good segment kept
    assert t.notes == ("talkbank.rttm, line 3 skipped: duration must be >= 0, got -0.2",
                       "talkbank.rttm, line 8 skipped: duration must be >= 0, got -0.1")
    only_bad = tmp_path / "all_bad.rttm"
    only_bad.write_text("SPEAKER r 1 x 1 <NA> <NA> A <NA> <NA>\nSPEAKER r 1 1 1e999 <NA> <NA> A <NA> <NA>\n")
    with pytest.raises(TranscriptFormatError) as info:
        read_rttm(only_bad)
    assert info.value.reason == ("no usable SPEAKER lines (line 1: onset must be seconds, got 'x'; "
                                 "line 2: duration must be a finite number of seconds, got 1e999)")


def test_csv_with_and_without_header(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("start_ms,end_ms,speaker,text\n0,500,A,hello, there\n700,900,B,\n")
    t = read_csv(a)
    assert [(u.speaker, u.start_ms, u.end_ms, u.text) for u in t.utterances] == [
        ("A", 0, 500, "hello, there"), ("B", 700, 900, "")]
    b = tmp_path / "b.csv"
    b.write_text("0,500,A\n")
    assert read_transcripts(b)[0].utterances[0].end_ms == 500


def test_csv_malformed(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("start_ms,end_ms,speaker\n0,500,A\n900,800,B\n1000,1000,A\n"
                 "-5,10,B\n100000000000000000000,100000000000000000001,A\n1200,1500,B\n")
    with pytest.raises(TranscriptFormatError, match=r"bad.csv, line 3: .*end_ms \(800\) must be >= start_ms \(900\)"):
        read_csv(p, strict=True)
    t = read_csv(p)
    assert [(u.speaker, u.start_ms, u.end_ms) for u in t.utterances] == [("A", 0, 500), ("B", 1200, 1500)]
    assert [n.split(": ", 1)[0] for n in t.notes] == [f"bad.csv, line {n} skipped" for n in (3, 4, 5, 6)]
    assert "zero-duration segment (1000 to 1000 ms)" in t.notes[1]
    assert "start_ms must be >= 0, got -5" in t.notes[2]
    assert "start_ms is out of range: 1e+20 ms is more than a week" in t.notes[3]


@pytest.mark.parametrize("start, message", [
    ("Infinity", "must be a finite number of milliseconds, got inf"),
    ("NaN", "must be a number of milliseconds, got nan"),
    ("1e400", "must be a finite number of milliseconds, got inf"),
    ("100000000000000000000", "is out of range: 1e+20 ms is more than a week"),
    ("-40", "must be >= 0, got -40"),
])
def test_assemblyai_times_that_are_not_finite_or_in_range_are_errors(tmp_path, start, message):
    p = tmp_path / "t.json"
    p.write_text('{"status": "completed", "utterances": [{"speaker": "A", "start": %s, "end": 900, "text": "x",'
                 ' "words": []}]}' % start)
    with pytest.raises(TranscriptFormatError, match=re.escape("utterance 0 start " + message)):
        read_assemblyai_json(p)


def test_assemblyai_unsorted_words_and_zero_duration_utterances(tmp_path):
    words = [{"text": "b", "start": 500, "end": 600}, {"text": "a", "start": 100, "end": 200}]
    with pytest.raises(TranscriptFormatError, match="utterance 0 word 1 starts at 100 ms, before"):
        transcript_from_assemblyai({"utterances": [{"speaker": "A", "start": 100, "end": 600, "words": words}]}, "u")
    t = transcript_from_assemblyai({"utterances": [{"speaker": "A", "start": 0, "end": 500, "words": []},
                                                   {"speaker": "B", "start": 700, "end": 700, "words": []}]}, "z")
    assert [(u.speaker, u.start_ms) for u in t.utterances] == [("A", 0)]
    assert t.notes == ("1 zero-duration utterance(s) skipped (utterance 1)",)


def test_collect_names_every_bad_file_and_never_raises_for_one(tmp_path, sample_rttm):
    (tmp_path / "good.rttm").write_text(sample_rttm.read_text())
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "unreadable.rttm").write_text("SPEAKER a 1 0 1 <NA> <NA> A <NA> <NA>\n")
    (tmp_path / "unreadable.rttm").chmod(0)
    transcripts, failed = collect_transcripts(tmp_path)
    assert [t.name for t in transcripts] == ["sample"] + (["a"] if __import__("os").geteuid() == 0 else [])
    reasons = {f["filename"]: f["reason"] for f in failed}
    assert reasons["empty.json"] == "not valid JSON (Expecting value) (line 1)"
    assert reasons["binary.csv"] == "not UTF-8 text"
    assert reasons["nested.json"] == "JSON nested too deeply to be a transcript"
    if __import__("os").geteuid() != 0:
        assert reasons["unreadable.rttm"].startswith("cannot read the file (Permission denied)")


def test_sniffing_unknown_extension(tmp_path, sample_rttm):
    p = tmp_path / "reference.txt"
    p.write_text(sample_rttm.read_text())
    assert read_transcripts(p)[0].name == "sample"


def test_collect_keeps_going_past_bad_files(tmp_path, sample_rttm):
    (tmp_path / "good.rttm").write_text(sample_rttm.read_text())
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "notes.md").write_text("ignored: not a transcript extension")
    transcripts, failed = collect_transcripts(tmp_path)
    assert [t.name for t in transcripts] == ["sample"]
    # the reason is the reader's, without the path, with the line: json's message for "{not json"
    assert failed == [{"filename": "bad.json",
                       "reason": "not valid JSON (Expecting property name enclosed in double quotes) (line 1)"}]


def test_collect_missing_path(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        collect_transcripts(tmp_path / "nope")


def _rows(frame, cols):
    """The columns as lists of text (NaN as "-"), to compare two tables whatever their dtypes."""
    return frame[cols].astype(object).fillna("-").astype(str).values.tolist()


def _words_both_forms(tmp_path, words):
    """The same words as a CSV (one row per word) and as a words-only AssemblyAI JSON."""
    (tmp_path / "w.csv").write_text("start_ms,end_ms,speaker,text\n" + "".join(f"{a},{b},{s},{x}\n"
                                                                              for a, b, s, x in words))
    (tmp_path / "w.json").write_text(json.dumps({"status": "completed", "utterances": None, "words": [
        {"text": x, "start": a, "end": b, "speaker": s} for a, b, s, x in words]}))
    return read_csv(tmp_path / "w.csv"), read_assemblyai_json(tmp_path / "w.json")


def test_words_rebuilt_into_utterances_respect_the_other_speaker(tmp_path):
    from turntune_nb.analysis.results import analyze_transcripts

    # A: "so" 0-500, "well" 1500-1800, "yes" 2000-2400, "ok." 4000-4300
    # B: "mhm" 700-1000, inside A's 1000 ms silence 500-1500 (B's word ends 1000 > A's end 500)
    # B: "right" 2600-3000 after A's "yes"; then A again at 4000
    words = [(0, 500, "A", "so"), (700, 1000, "B", "mhm"), (1500, 1800, "A", "well"), (2000, 2400, "A", "yes"),
             (2600, 3000, "B", "right"), (4000, 4300, "A", "ok.")]
    csv_t, json_t = _words_both_forms(tmp_path, words)
    # split where B talks in A's silence: A "so" | B "mhm" | A "well yes" | B "right" | A "ok."
    assert [(u.speaker, u.start_ms, u.end_ms) for u in json_t.utterances] == [
        ("A", 0, 500), ("B", 700, 1000), ("A", 1500, 2400), ("B", 2600, 3000), ("A", 4000, 4300)]
    a, b = analyze_transcripts([csv_t]), analyze_transcripts([json_t])
    cols = [C.SPEAKER, C.START_MS, C.END_MS, C.PAUSE_MS, C.FLOOR_SPEAKER]
    # the only pause of either form: A's 200 ms between "well" (ends 1800) and "yes" (starts 2000)
    assert a.pauses[cols].astype(str).values.tolist() == [["A", "1800", "2000", "200", "A"]]
    assert b.pauses[cols].astype(str).values.tolist() == a.pauses[cols].astype(str).values.tolist()
    # turn ends: A at 500 (B 200 ms later), B at 1000 (A 500 ms later), A at 2400 (200), B at 3000 (1000), A at 4300
    te = [C.SPEAKER, C.END_MS, C.SILENCE_AFTER_MS]
    assert _rows(a.turn_ends, te) == [
        ["A", "500", "200.0"], ["B", "1000", "500.0"], ["A", "2400", "200.0"], ["B", "3000", "1000.0"],
        ["A", "4300", "-"]]
    assert _rows(b.turn_ends, te) == _rows(a.turn_ends, te)


def test_words_inside_another_speakers_talk_are_not_one_utterance(tmp_path):
    """B speaks inside A's word gap: the case the rebuild from runs in list order got wrong."""
    # B's long word 0-2000 starts before A's "uh" 300-600 and ends inside A's silence 600-2500: the old rebuild
    # (runs in list order: B, A, A) joined A's words into 300-2800 with a 1900 ms pause under B's talk
    words = [(0, 2000, "B", "well"), (300, 600, "A", "uh"), (2500, 2800, "A", "right")]
    csv_t, json_t = _words_both_forms(tmp_path, words)
    assert [(u.speaker, u.start_ms, u.end_ms) for u in json_t.utterances] == [
        ("B", 0, 2000), ("A", 300, 600), ("A", 2500, 2800)]
    from turntune_nb.analysis.results import analyze_transcripts

    # no pause in either form: A's "uh" is a backchannel inside B's word, "right" follows B's end by a 500 ms gap
    assert len(analyze_transcripts([json_t]).pauses) == len(analyze_transcripts([csv_t]).pauses) == 0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6000), st.integers(1, 900), st.sampled_from("ABC")), min_size=1,
                max_size=30))
def test_csv_and_words_only_json_give_the_same_pauses_and_turn_ends(tmp_path_factory, raw):
    from turntune_nb.analysis.results import analyze_transcripts

    words = sorted((a, a + d, s, f"w{i}") for i, (a, d, s) in enumerate(raw))
    # Two speakers' words starting at the same ms are left out: by the README's tie rule (shorter first) a
    # speaker's words rebuilt into one longer utterance sort after the other's word, the per-word CSV rows
    # before it (A 0-1 + A 12-13 as A 0-13 beside B 0-1: B then A, an overlap; per word: B inside A)
    starts = {}
    for a, _, s, _ in words:
        starts.setdefault(a, set()).add(s)
    assume(all(len(who) == 1 for who in starts.values()))
    csv_t, json_t = _words_both_forms(tmp_path_factory.mktemp("w"), words)
    a, b = analyze_transcripts([csv_t]), analyze_transcripts([json_t])
    cols = [C.SPEAKER, C.START_MS, C.END_MS, C.PAUSE_MS, C.FLOOR_SPEAKER]
    assert sorted(_rows(b.pauses, cols)) == sorted(_rows(a.pauses, cols))
    te = [C.SPEAKER, C.END_MS, C.SILENCE_AFTER_MS, C.NEXT_SPEAKER]
    assert sorted(_rows(b.turn_ends, te)) == sorted(_rows(a.turn_ends, te))


def test_rttm_written_and_read_back_keeps_the_0_based_channels(tmp_path):
    from turntune_nb.analysis.model import Transcript, Utterance
    from turntune_nb.analysis.readers import format_rttm

    t = Transcript("call.wav", [Utterance("ch0", 0, 900, channel=0), Utterance("ch1", 1000, 1500, channel=1),
                                Utterance("X", 2000, 2500)])
    text = format_rttm(t)
    # written from 1 as RTTM counts: 0 -> 1, 1 -> 2, unknown -> 1
    assert [line.split()[2] for line in text.splitlines()] == ["1", "2", "1"]
    (tmp_path / "call.rttm").write_text(text)
    (back,) = read_rttm(tmp_path / "call.rttm")
    assert [(u.speaker, u.channel) for u in back.utterances] == [("ch0", 0), ("ch1", 1), ("X", 0)]
# --------------------------------------------------------------------------- multichannel (AssemblyAI)
def _utt(speaker, start, end, channel, text="Yes."):
    return {"speaker": speaker, "start": start, "end": end, "text": text, "confidence": 0.9, "channel": channel,
            "words": [{"text": text, "start": start, "end": end, "confidence": 0.9, "speaker": speaker,
                       "channel": channel}]}


def test_assemblyai_multichannel_speakers_are_the_channels_counted_from_zero():
    """AssemblyAI counts channels from 1 ("1", "2", strings) and labels them 1A / 2A; inside the
    package channel 0 is the first (as ``--channel 0`` and the offline backend's ch0 / ch1)."""
    data = {"status": "completed", "multichannel": True, "audio_channels": 2, "words": [], "utterances": [
        _utt("1A", 0, 900, "1"), _utt("2A", 1100, 2000, "2"), _utt("1A", 2300, 2600, "1")]}
    t = transcript_from_assemblyai(data, "call.wav")
    assert [(u.speaker, u.start_ms, u.end_ms, u.channel) for u in t.utterances] == [
        ("ch0", 0, 900, 0), ("ch1", 1100, 2000, 1), ("ch0", 2300, 2600, 0)]
    assert [w.speaker for u in t.utterances for w in u.words] == ["ch0", "ch1", "ch0"]
    assert t.speaker_source == "channels"
    assert any("AssemblyAI transcribed the 2 channels apart" in n for n in t.notes)


def test_assemblyai_multichannel_labels_as_bare_numbers_and_no_channel_field():
    """The docs print "Channel {utterance.speaker}": a bare number works too, and so does a label
    without a ``channel`` field (its digits are the channel)."""
    data = {"status": "completed", "audio_channels": 2, "utterances": [
        _utt("1", 0, 500, None), _utt("2", 700, 900, None)]}
    t = transcript_from_assemblyai(data, "call.wav")
    assert [(u.speaker, u.channel) for u in t.utterances] == [("ch0", 0), ("ch1", 1)]


def test_assemblyai_per_channel_diarisation_keeps_the_voices_of_one_channel_apart():
    data = {"status": "completed", "multichannel": True, "audio_channels": 2, "utterances": [
        _utt("1A", 0, 500, "1"), _utt("1B", 600, 900, "1"), _utt("2A", 1000, 1500, "2")]}
    t = transcript_from_assemblyai(data, "call.wav")
    assert [(u.speaker, u.channel) for u in t.utterances] == [("ch0A", 0), ("ch0B", 0), ("ch1", 1)]


def test_assemblyai_not_multichannel_keeps_its_labels(data_dir):
    t = read_assemblyai_json(data_dir / "assemblyai" / "wildfires_speaker_labels_truncated.json")
    assert t.speaker_source is None and t.speakers == ("A", "B")
    data = {"status": "completed", "multichannel": True, "audio_channels": 2, "utterances": [
        _utt("A", 0, 500, None), _utt("2A", 700, 900, "2")]}
    odd = transcript_from_assemblyai(data, "call.wav")  # one utterance names no channel: labels kept, and said
    assert odd.speakers == ("A", "2A") and odd.speaker_source is None
    assert any("do not all name their channel" in n for n in odd.notes)
