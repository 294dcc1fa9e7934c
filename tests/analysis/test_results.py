"""AnalysisResult: the figures of one run worked out by hand, per file, per speaker source."""

import pytest

from turntune_nb.analysis.readers import read_rttm
from turntune_nb.analysis.results import analyze_transcripts


def test_files_table_and_text(sample_rttm):
    result = analyze_transcripts(read_rttm(sample_rttm))
    row = result.files.iloc[0]
    assert (row["gaps"], row["overlaps"], row["pauses"], row["contained"]) == (3, 5, 0, 1)
    assert row["overlap_share"] == pytest.approx(5 / 8)
    text = result.summary_text()
    assert "Overall average gap: 1250 ms (1.25 seconds)" in text
    assert "Variability ratio: 2.55x -> MODERATE variability" in text
    assert "Recommended configuration (the guide's rule): Conservative" in text
    assert "Speaker changes that overlap: 62%" in text
    assert "recommendation Conservative" in repr(result)


def test_failures_are_listed_not_dropped(sample_rttm):
    failed = [{"filename": "x.wav", "reason": "corrupt", "stage": "decode"}]
    result = analyze_transcripts(read_rttm(sample_rttm), failed=failed)
    assert result.skipped[0] == {"filename": "x.wav", "reason": "corrupt", "stage": "decode"}
    assert "x.wav: corrupt" in result.summary_text()


def test_empty_input_gives_default_recommendation():
    result = analyze_transcripts([])
    assert result.recommendation.name == "Balanced (Default)"
    assert result.to_summary()["aggregated_statistics"]["overall_average_gap_ms"] is None


def test_pause_p10_and_floor_transfer_per_file_and_saved_tables_keep_the_side(tmp_path):
    from turntune_nb.analysis import columns as C
    from turntune_nb.analysis.model import Transcript, Utterance, Word
    from turntune_nb.analysis.results import load_summary

    # A's pauses (words): 200, 400, 600, 800, 1000 ms; A -> B gap 300; B -> A overlap -200
    words = [Word("w", 0, 100)]
    for gap in (200, 400, 600, 800, 1000):
        start = words[-1].end_ms + gap
        words.append(Word("w", start, start + 100))
    a = Utterance("A", 0, words[-1].end_ms, "w " * 6, tuple(words), channel=0)
    b = Utterance("B", a.end_ms + 300, a.end_ms + 2000, "ok", (Word("ok", a.end_ms + 300, a.end_ms + 2000),),
                  channel=1)
    a2 = Utterance("A", b.end_ms - 200, b.end_ms + 500, "yes", (Word("yes", b.end_ms - 200, b.end_ms + 500),), channel=0)
    result = analyze_transcripts([Transcript("t.wav", [a, b, a2])])
    row = result.files.iloc[0]
    # p10 of (200, 400, 600, 800, 1000), linear: position 0.4 -> 200 + 0.4 * 200 = 280
    assert row["pause_p10_ms"] == pytest.approx(280.0)
    assert row["floor_transfer_median_ms"] == pytest.approx(50.0)  # (300 + -200) / 2
    assert "Floor-transfer offsets (gaps and overlaps on one axis): 2, median 50 ms" in result.summary_text()
    summary = result.to_summary()
    assert summary["floor_transfer_offsets"][0]["count"] == 2
    saved = load_summary(result.save(tmp_path))
    assert saved.pauses[C.FLOOR_SPEAKER].tolist() == ["A"] * 5 and saved.pauses[C.CHANNEL].tolist() == [0] * 5
    assert saved.turn_ends[C.CHANNEL].tolist() == [0, 1, 0]


def test_a_file_whose_analysis_raises_is_that_files_failure_only():
    from turntune_nb.analysis.model import Transcript, Utterance
    from turntune_nb.analysis.results import analyze_transcripts_isolated

    good = read_rttm("samples/real/sample.rttm")
    broken = Utterance("A", 0, 10)
    object.__setattr__(broken, "end_ms", 10**30)  # past validation, as a bug upstream could leave it
    result = analyze_transcripts_isolated(good + [Transcript("broken.json", [broken, Utterance("B", 20, 30)])],
                                          failed=[{"filename": "x.csv", "reason": "r", "stage": "read"}])
    assert [t.name for t in result.transcripts] == ["sample"] and result.overall["total_gaps"] == 3
    assert result.skipped[0] == {"filename": "x.csv", "reason": "r", "stage": "read"}
    assert result.skipped[1]["filename"] == "broken.json" and result.skipped[1]["error"] is True
    assert result.skipped[1]["reason"].startswith("could not be analysed (OverflowError")


# --------------------------------------------------------------------------- how the speakers were found
def _mono(name="mono.wav", source="unknown"):
    from turntune_nb.analysis.model import Transcript, Utterance

    # one undivided speaker: silences of 500, 400 and 1200 ms between four segments
    return Transcript(name, [Utterance("UNKNOWN", 0, 1000), Utterance("UNKNOWN", 1500, 3000),
                             Utterance("UNKNOWN", 3400, 5000), Utterance("UNKNOWN", 6200, 7000)],
                      source="offline-vad", speaker_source=source,
                      notes=("speech found by the offline silero-lite detector (onset 0.25)",))


def test_unknown_speakers_give_unknown_speaker_changes_not_zero(sample_rttm):
    import math

    result = analyze_transcripts(read_rttm(sample_rttm) + [_mono()])
    files = result.files.set_index("filename")
    assert files.loc["mono.wav", "speaker_source"] == "unknown"
    assert files.loc["sample", "speaker_source"] == "transcript"
    for column in ("gaps", "overlaps", "contained"):
        assert files[column].isna().loc["mono.wav"]
    assert (files.loc["sample", "gaps"], files.loc["sample", "overlaps"]) == (3, 5)
    assert files.loc["mono.wav", "pauses"] == 3                       # pauses are still counted
    ts = result.transition_summary
    mono_gap = ts[(ts["file"] == "mono.wav") & (ts["kind"] == "gap")]["count"].iloc[0]
    assert math.isnan(mono_gap)
    summary = result.to_summary()
    assert summary["speaker_sources"] == {"sample": "transcript", "mono.wav": "unknown"}
    assert summary["caveats"][0].startswith("SPEAKERS UNKNOWN in 1 of 2 file(s) (mono.wav)")
    assert "speech found by the offline silero-lite detector (onset 0.25)" in summary["caveats"]
    mono_rows = [r for r in summary["transitions"]["summary"] if r["file"] == "mono.wav" and r["kind"] == "gap"]
    assert mono_rows[0]["count"] is None                            # JSON null, not 0


def test_all_unknown_makes_the_overall_figures_unknown_and_the_preset_says_so():
    result = analyze_transcripts([_mono()])
    assert result.overlap_share is None
    ts = result.transition_summary
    overall = ts[ts["file"] == "(all files)"].set_index("kind")["count"]
    assert overall.isna()[["gap", "overlap", "contained"]].all() and overall["pause"] == 3
    # the guide's rule still runs on the 3 silences (average 700 ms -> Balanced) but says what they are
    assert result.recommendation.name == "Balanced"
    reason = result.recommendation.evidence["reason"]
    assert reason.startswith("SPEAKERS UNKNOWN in 1 of 1 file(s)") and "Average gap of 700 ms" in reason
    text = result.summary_text()
    assert text.splitlines()[2].startswith("!! SPEAKERS UNKNOWN")
    assert "Speaker changes: unknown" in text


def test_speaker_source_is_derived_for_transcripts_that_do_not_say(sample_rttm):
    from turntune_nb.analysis.model import Transcript, Utterance
    from turntune_nb.analysis.results import speaker_source_of

    assert speaker_source_of(read_rttm(sample_rttm)[0]) == "transcript"
    assert speaker_source_of(Transcript("w.json", [Utterance("UNKNOWN", 0, 10)])) == "unknown"
    assert speaker_source_of(_mono(source="channels")) == "channels"


