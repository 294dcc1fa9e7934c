"""Pauses inside turns and turn ends: hand-worked cases, and counts that add up."""

from hypothesis import given, settings

from tests.analysis.segment_cases import pinned, segments, to_frame
from turntune_nb import columns as C
from turntune_nb.analysis.gaps import summarize_transitions
from turntune_nb.analysis.model import Transcript, Utterance, Word, transcripts_to_frame, words_to_frame
from turntune_nb.analysis.transitions import compute_transitions
from turntune_nb.analysis.turns import compute_pauses, compute_turn_ends


def pauses_of(*words):
    """Word-level pauses of one utterance holding `words` ((text, start, end), in that order)."""
    ws = tuple(Word(t, a, b) for t, a, b in words)
    t = Transcript("w", [Utterance("A", min(w.start_ms for w in ws), max(w.end_ms for w in ws), "", ws)])
    p = compute_pauses(transcripts_to_frame([t]), words_to_frame([t]))
    return [tuple(r) for r in p[[C.START_MS, C.END_MS, C.PAUSE_MS, C.WORD_BEFORE, C.TERMINAL]].itertuples(index=False)]


def test_overlapping_words_leave_no_pause_and_the_next_is_measured_from_the_latest_end():
    # "so" 0-1000 is still going on when "um" 200-400 and "well" 700-1200 start:
    # before "um" 200 - 1000 < 0, before "well" 700 - 1000 < 0 (not 700 - 400 = 300
    # after "um"): no pause. "ok." starts 1500 - 1200 = 300 ms after "well" ends.
    assert pauses_of(("so", 0, 1000), ("um", 200, 400), ("well", 700, 1200), ("ok.", 1500, 1600)) == [
        (1200, 1500, 300, "well", False)]
    # partial overlap: "b" 400-600 starts before "a" 0-500 ends (400 - 500 < 0, no pause);
    # "c" starts 900 - 600 = 300 ms after "b"
    assert pauses_of(("a", 0, 500), ("b", 400, 600), ("c", 900, 1000)) == [(600, 900, 300, "b", False)]


def test_after_a_word_inside_a_longer_one_the_word_before_the_pause_is_the_longer_one():
    # "yes." 200-400 lies inside "long" 0-1000; "c" starts at 1300. The silence runs
    # 1000-1300 (300 ms) after "long", not after "yes." (which ended 900 ms earlier),
    # so it does not follow a terminal word.
    assert pauses_of(("long", 0, 1000), ("yes.", 200, 400), ("c", 1300, 1500)) == [(1000, 1300, 300, "long", False)]
    # two words ending together: the later-starting one is the word before (as a turn's last word)
    assert pauses_of(("a", 0, 500), ("b.", 300, 500), ("c", 800, 900)) == [(500, 800, 300, "b.", True)]


def test_word_pauses_with_punctuation():
    words = (Word("Hello.", 0, 400), Word("I", 900, 1000), Word("think,", 1000, 1300), Word("yes!", 1500, 1800))
    t = Transcript("w", [Utterance("A", 0, 1800, "Hello. I think, yes!", words),
                         Utterance("B", 2500, 3000, "ok", (Word("ok", 2500, 3000),))])
    p = compute_pauses(transcripts_to_frame([t]), words_to_frame([t]))
    assert list(zip(p[C.WORD_BEFORE], p[C.PAUSE_MS], p[C.TERMINAL])) == [("Hello.", 500, True), ("think,", 200, False)]
    ends = compute_turn_ends(transcripts_to_frame([t]), words_to_frame([t]))
    assert list(zip(ends[C.LAST_WORD], ends[C.TERMINAL], ends[C.SILENCE_AFTER_MS].fillna(-1))) == [
        ("yes!", True, 700.0), ("ok", False, -1.0)]


def test_pause_between_utterances_of_one_speaker_carries_the_word_before():
    t = Transcript("w", [
        Utterance("A", 0, 1000, "Right?", (Word("Right?", 0, 1000),)),
        Utterance("A", 1800, 2400, "Yes", (Word("Yes", 1800, 2400),)),
    ])
    p = compute_pauses(transcripts_to_frame([t]), words_to_frame([t]))
    assert list(zip(p[C.WORD_BEFORE], p[C.PAUSE_MS], p[C.TERMINAL], p[C.LEVEL])) == [("Right?", 800, True, "words")]


def test_word_slivers_of_at_most_10_ms_are_merged_as_segments_are():
    # gaps between words: 0, 5, 10, 11 and 300 ms; segments closer than 10 ms merge, so do words:
    # only the 11 ms and the 300 ms silences are pauses
    words = (Word("a", 0, 100), Word("b", 100, 200), Word("c", 205, 300), Word("d", 310, 400),
             Word("e", 411, 500), Word("f.", 800, 900))
    t = Transcript("w", [Utterance("A", 0, 900, "a b c d e f.", words)])
    p = compute_pauses(transcripts_to_frame([t]), words_to_frame([t]))
    assert p[C.PAUSE_MS].tolist() == [11, 300]
    assert p[C.WORD_BEFORE].tolist() == ["d", "e"]
    # merge_ms=0 keeps every positive silence: 5, 10, 11, 300
    every = compute_pauses(transcripts_to_frame([t]), words_to_frame([t]), merge_ms=0)
    assert every[C.PAUSE_MS].tolist() == [5, 10, 11, 300]


def test_a_pause_inside_a_backchannel_is_held_by_the_floor_holder():
    # A talks 0-10000; B's backchannel 3000-4500 ("yeah" ... "right", a 700 ms pause) lies inside it;
    # B's own turn is 12000-15000. The 700 ms pause is B's, but A holds the floor there.
    a = Utterance("A", 0, 10_000, "long story.", (Word("long", 0, 5000), Word("story.", 5000, 10_000)))
    b1 = Utterance("B", 3000, 4500, "yeah right", (Word("yeah", 3000, 3300), Word("right", 4000, 4500)))
    b2 = Utterance("B", 12_000, 15_000, "my turn.", (Word("my", 12_000, 13_000), Word("turn.", 13_000, 15_000)))
    t = Transcript("bc", [a, b1, b2])
    p = compute_pauses(transcripts_to_frame([t]), words_to_frame([t]))
    assert p[[C.SPEAKER, C.FLOOR_SPEAKER, C.PAUSE_MS]].values.tolist() == [["B", "A", 700]]


@settings(max_examples=100, deadline=None)  # summarize_transitions costs ~7 ms a call
@given(segments())
@pinned
def test_transition_and_turn_end_counts_add_up(segs):
    f = to_frame(segs)
    tr = compute_transitions(f)
    summary = summarize_transitions(tr)
    per_file_counts = summary[summary[C.FILE] != "(all files)"]["count"].sum()
    overall_counts = summary[summary[C.FILE] == "(all files)"]["count"].sum()
    assert per_file_counts == overall_counts == len(tr)
    ends = compute_turn_ends(f)
    changes = tr[C.KIND].isin([C.GAP, C.OVERLAP]).sum()
    assert len(ends) == changes + f[C.FILE].nunique()


def test_each_turn_end_knows_when_its_turn_began():
    from turntune_nb.analysis.model import Transcript, Utterance as U
    from turntune_nb.analysis.results import analyze_transcripts

    # A 0-1000, A 1500-2500 (a pause: one turn from 0), B 2600-4000 (a gap: B's turn from 2600),
    # A 3900-6000 (an overlap: A's turn from 3900)
    r = analyze_transcripts([Transcript("c", [U("A", 0, 1000), U("A", 1500, 2500), U("B", 2600, 4000),
                                              U("A", 3900, 6000)])])
    t = r.turn_ends
    assert t["speaker"].astype(str).tolist() == ["A", "B", "A"]
    assert t["start_ms"].tolist() == [0.0, 2600.0, 3900.0] and t["end_ms"].tolist() == [2500, 4000, 6000]
