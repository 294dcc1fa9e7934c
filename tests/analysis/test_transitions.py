"""Transitions: hand-worked cases and a property against an independent, deliberately
naive reference implementation."""

import pandas as pd
import pytest
from hypothesis import given, settings

from tests.analysis.segment_cases import MAX_EXAMPLES, frame, kinds, pinned, segments, to_frame
from turntune_nb import columns as C
from turntune_nb.analysis.gaps import compute_guide_gaps
from turntune_nb.analysis.model import Transcript, Utterance, transcripts_to_frame
from turntune_nb.analysis.transitions import compute_transitions
from turntune_nb.analysis.turns import compute_pauses, compute_turn_ends


# ------------------------------------------------------------------ hand-worked cases
def test_gap_and_overlap():
    tr = compute_transitions(frame(("A", 0, 1000), ("B", 1300, 2000), ("A", 1800, 2500)))
    assert kinds(tr) == [("gap", 300), ("overlap", -200)]
    assert tr[C.PREV_SPEAKER].tolist() == ["A", "B"] and tr[C.SPEAKER].tolist() == ["B", "A"]


def test_contained_segment_is_not_a_transition_and_predecessor_is_the_floor_holder():
    # B's "yeah" lies inside A's talk; A's next segment follows A, not B.
    tr = compute_transitions(frame(("A", 0, 5000), ("B", 1000, 1500), ("A", 5600, 7000), ("B", 7200, 8000)))
    assert kinds(tr) == [("contained", -4000), ("pause", 600), ("gap", 200)]
    assert tr[C.PREV_END_MS].tolist() == [5000, 5000, 7000]


def test_same_speaker_segments_within_10_ms_are_merged():
    tr = compute_transitions(frame(("A", 0, 1000), ("A", 1010, 2000), ("B", 2300, 3000)))
    assert kinds(tr) == [("gap", 300)]
    assert tr[C.PREV_START_MS].tolist() == [0] and tr[C.PREV_END_MS].tolist() == [2000]
    tr = compute_transitions(frame(("A", 0, 1000), ("A", 1011, 2000), ("B", 2300, 3000)))
    assert kinds(tr) == [("pause", 11), ("gap", 300)]
    # overlapping same-speaker segments merge too
    tr = compute_transitions(frame(("A", 0, 1000), ("A", 500, 1200), ("B", 1250, 1400)))
    assert kinds(tr) == [("gap", 50)]


def test_tied_end_times_the_earliest_starting_segment_is_the_predecessor():
    # A 0-2000 and B 500-2000 both end last (2000) when B starts again at 2300.
    # The predecessor is the earlier-starting of the two, A (the floor holder): B's
    # 2300-3000 is a speaker change, a gap of 2300 - 2000 = 300, not a pause of B's.
    tr = compute_transitions(frame(("A", 0, 2000), ("B", 500, 2000), ("B", 2300, 3000)))
    # B's 500-2000 lies inside A's talk: contained, 500 - 2000 = -1500
    assert kinds(tr) == [("contained", -1500), ("gap", 300)]
    assert tr[C.PREV_SPEAKER].tolist() == ["A", "A"] and tr[C.PREV_START_MS].tolist() == [0, 0]
    # at the end of a file the same tie goes to A: A holds the floor, B's ends with it
    ends = compute_turn_ends(frame(("A", 0, 2000), ("B", 500, 2000)))
    assert ends[[C.SPEAKER, C.END_MS]].values.tolist() == [["A", 2000]]


@pytest.mark.parametrize("lines", [[("B", 0, 1000), ("A", 0, 1000)], [("A", 0, 1000), ("B", 0, 1000)]])
def test_identical_segments_tie_by_speaker_name_whatever_the_line_order(lines):
    # A and B both speak 0-1000; C starts at 1200. Identical segments are ordered by
    # speaker name, so A comes first: B lies inside A (0 - 1000 = -1000, contained)
    # and C follows A after 1200 - 1000 = 200 ms, in either line order.
    tr = compute_transitions(frame(*lines, ("C", 1200, 2000)))
    assert kinds(tr) == [("contained", -1000), ("gap", 200)]
    assert tr[C.PREV_SPEAKER].tolist() == ["A", "A"] and tr[C.SPEAKER].tolist() == ["B", "C"]


def test_zero_offset_speaker_change_is_a_gap_of_zero_not_dropped():
    tr = compute_transitions(frame(("A", 0, 1000), ("B", 1000, 2000)))
    assert kinds(tr) == [("gap", 0)]
    assert compute_guide_gaps(frame(("A", 0, 1000), ("B", 1000, 2000))).empty  # the guide keeps > 0 only


def test_tied_start_times_as_the_readme_says():
    # README "Tied start times": A 0-1000 and B 0-500 -> B then A, an overlap from B to A
    t = Transcript("t", [Utterance("A", 0, 1000), Utterance("B", 0, 500)])
    tr = compute_transitions(t.to_frame())
    assert tr[[C.PREV_SPEAKER, C.SPEAKER, C.KIND, C.OFFSET_MS]].values.tolist() == [["B", "A", "overlap", -500]]
    # A 0-800 and B 0-800 (given in either order) -> A then B, B contained in A
    for order in ([Utterance("A", 0, 800), Utterance("B", 0, 800)], [Utterance("B", 0, 800), Utterance("A", 0, 800)]):
        tr = compute_transitions(Transcript("t", order).to_frame())
        assert tr[[C.PREV_SPEAKER, C.SPEAKER, C.KIND]].values.tolist() == [["A", "B", "contained"]]


def test_speaker_columns_are_categoricals_of_one_shared_set_per_table():
    # A 0-1000, B 1300-2000 (gap 300), A 2100-2600 (gap 100) then A 3000-3500 (pause 400); in file g
    # C talks alone. Worked by hand: turn ends at A's 1000, B's 2000 and each file's last segment.
    t1 = Transcript("f", [Utterance("B", 1300, 2000), Utterance("A", 0, 1000), Utterance("A", 2100, 2600),
                          Utterance("A", 3000, 3500)])
    t2 = Transcript("g", [Utterance("C", 0, 500), Utterance("C", 900, 1400)])
    utts = transcripts_to_frame([t1, t2])
    assert isinstance(utts[C.SPEAKER].dtype, pd.CategoricalDtype)
    assert list(utts[C.SPEAKER].cat.categories) == ["A", "B", "C"]
    tr, p, te = compute_transitions(utts), compute_pauses(utts), compute_turn_ends(utts)
    for table, cols in ((tr, (C.PREV_SPEAKER, C.SPEAKER)), (p, (C.SPEAKER, C.FLOOR_SPEAKER)),
                        (te, (C.SPEAKER, C.NEXT_SPEAKER))):
        for col in cols:
            assert isinstance(table[col].dtype, pd.CategoricalDtype), col
            assert list(table[col].cat.categories) == ["A", "B", "C"], col
    # one category set per table: comparing two columns and comparing with a name both work
    assert (tr[C.PREV_SPEAKER] == tr[C.SPEAKER]).tolist() == [False, False, True, True]
    assert tr.loc[tr[C.SPEAKER] == "B", C.OFFSET_MS].tolist() == [300]
    assert p[[C.FILE, C.SPEAKER, C.FLOOR_SPEAKER, C.PAUSE_MS]].astype(object).values.tolist() == [
        ["f", "A", "A", 400], ["g", "C", "C", 400]]
    assert te[[C.SPEAKER, C.END_MS]].astype(object).values.tolist() == [["A", 1000], ["B", 2000], ["A", 3500],
                                                                       ["C", 1400]]
    # the next speaker is none (NaN) at each file's end
    assert te[C.NEXT_SPEAKER].astype(object).where(te[C.NEXT_SPEAKER].notna(), None).tolist() == ["B", "A", None, None]
    # a plain object column (a table read back from CSV) is coded by its text, sorted, as before
    plain = utts.assign(**{C.SPEAKER: utts[C.SPEAKER].astype(object)})
    pd.testing.assert_frame_equal(compute_transitions(plain), tr)


# ------------------------------------------------------------------ properties
def naive_transitions(segs, merge_ms=10):
    """Reference: O(n^2), plain Python, written from the definition."""
    out = []
    for f in sorted({s[0] for s in segs}):
        merged = []
        for spk in sorted({s[1] for s in segs if s[0] == f}):
            own = sorted((a, b) for ff, s, a, b in segs if ff == f and s == spk)
            cur = None
            for a, b in own:
                if cur and a <= cur[1] + merge_ms:
                    cur[1] = max(cur[1], b)
                else:
                    if cur:
                        merged.append((cur[0], cur[1], spk))
                    cur = [a, b]
            merged.append((cur[0], cur[1], spk))
        merged.sort()
        for i, (a, b, spk) in enumerate(merged):
            earlier = merged[:i]
            if not earlier:
                continue
            best = max(x[1] for x in earlier)
            pa, pb, pspk = next(x for x in earlier if x[1] == best)  # first to end last
            off = a - pb
            kind = "pause" if spk == pspk else "gap" if off >= 0 else "contained" if b <= pb else "overlap"
            out.append((f, kind, pspk, spk, off))
    return sorted(out)


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(segments())
@pinned
def test_transitions_match_the_naive_reference(segs):
    tr = compute_transitions(to_frame(segs))
    got = sorted(zip(tr[C.FILE].astype(str), tr[C.KIND].astype(str), tr[C.PREV_SPEAKER], tr[C.SPEAKER],
                     tr[C.OFFSET_MS]))
    assert got == naive_transitions(segs)
