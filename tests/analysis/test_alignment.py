"""Measured endpointing: fires aligned with the truth's silences, counted by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turntune_nb.analysis.alignment import (
    ALIGN_TOLERANCE_MS,
    PADDED_TOLERANCE_MS,
    align_fires,
    classify_fires,
    default_tolerance,
    latency_summary,
    measure_fires,
)
from turntune_nb.analysis.gaps import compute_pauses, compute_turn_ends
from turntune_nb.analysis.model import Transcript, Utterance, transcripts_to_frame


def test_each_fire_goes_to_the_silence_its_speech_ended_at():
    # silences of file 0 start at 1000, 3000, 5000; file 1 at 1000
    bf, bs = [0, 0, 0, 1], [1000, 3000, 5000, 1000]
    fires = {
        "in the first silence": (0, 1400, 1000, 0),
        "late, after the next speech began: still the first (its speech ended at 1000)": (0, 3200, 1010, 0),
        "speech end 60 ms early (an ASR word end): the silence at 3000": (0, 3500, 2940, 1),
        "speech end inside true speech, nothing near it": (0, 4500, 4000, -1),
        "before any silence of its file": (1, 900, 800, -1),
        "no speech end known: the latest silence before the fire": (0, 5600, np.nan, 2),
        "other file, same time": (1, 1400, 1000, 3),
    }
    ff, fm, fe, want = zip(*fires.values())
    assert align_fires(bf, bs, ff, fm, fe).tolist() == list(want)


def test_a_fire_never_goes_to_a_silence_that_starts_after_it():
    # speech end 3010 is nearest the silence at 3000, but the fire came at 2990: the one before
    assert align_fires([0, 0], [2800, 3000], [0], [2990], [3010]).tolist() == [0]
    assert align_fires([0, 0], [1000, 3000], [0], [2990], [3010]).tolist() == [-1]  # 1000 is too far from 3010


def test_the_tolerance_is_how_far_the_speech_end_may_be_from_the_silence():
    # a transcript whose segment ends are padded 300 ms: the endpointer's speech end is 300 ms early
    assert align_fires([0], [1300], [0], [1800], [1000]).tolist() == [-1]
    assert align_fires([0], [1300], [0], [1800], [1000], tolerance_ms=300).tolist() == [0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50_000), min_size=1, max_size=30, unique=True),
       st.lists(st.tuples(st.integers(0, 60_000), st.integers(-300, 300)), max_size=30))
def test_alignment_agrees_with_a_plain_loop(starts, fires):
    """The vectorised search against the definition written as a loop."""
    fm = [f for f, _ in fires]
    fe = [max(0, f - abs(d) - 50) for f, d in fires]
    got = align_fires([0] * len(starts), starts, [0] * len(fm), fm, fe)
    for k, (f, e) in enumerate(zip(fm, fe)):
        cands = [(abs(s - e), -s, i) for i, s in enumerate(starts) if s <= f]
        best = min(cands) if cands else None
        # ties: the nearer-earlier one is found by the vectorised search; both are at the same distance
        if best is None or best[0] > ALIGN_TOLERANCE_MS:
            assert got[k] == -1
        else:
            assert abs(starts[got[k]] - e) == best[0] and starts[got[k]] <= f


def tables(t=None, side="A"):
    """The side's pauses, turn ends and speech of `t` (default: A's call below)."""
    # A: 0-1000, hold of 500, 1500-3000 (turn end; B 3200-4000), pause of 60 ms inside 4200-5000 / 5060-6000
    t = t or Transcript("f", [Utterance("A", 0, 1000), Utterance("A", 1500, 3000), Utterance("B", 3200, 4000),
                              Utterance("A", 4200, 5000), Utterance("A", 5060, 6000), Utterance("B", 6300, 7000)])
    utts = transcripts_to_frame([t])
    p, e = compute_pauses(utts), compute_turn_ends(utts)
    return p[p["speaker"] == side], e[e["speaker"] == side], utts[utts["speaker"] == side]


def measure(fire_ms, tolerance_ms=ALIGN_TOLERANCE_MS, t=None, side="A"):
    pauses, turn_ends, speech = tables(t, side)
    fires = pd.DataFrame({"file": ["f"] * len(fire_ms), "fire_ms": fire_ms})
    return measure_fires(["f"], pauses, turn_ends, fires, tolerance_ms, speech=speech)


def test_every_fire_is_classified_by_hand():
    pauses, turn_ends, _ = tables()
    assert pauses["pause_ms"].tolist() == [500, 60] and turn_ends["end_ms"].tolist() == [3000, 6000]
    assert turn_ends["silence_after_ms"].tolist() == [200, 300]
    # A's silences: the hold 1000-1500, the turn end at 3000 (until A speaks again at 4200), the turn end
    # at 6000 (A never speaks again); the 60 ms pause 5000-5060 is speech (under 100 ms). Tolerance 250.
    m = measure([749, 750, 1200, 2000, 3300, 5030, 7500])
    # 749: 251 ms before the hold's start (1000 - 250 = 750 is the edge): in speech
    # 750: exactly at the edge: the hold it opens (a cut)      1200: inside the hold
    # 2000: inside 1500-3000, 1000 ms before its end: in speech
    # 3300: 300 ms after the turn end at 3000 (B started at 3200: 200 < 300, interrupted)
    # 5030: inside the 60 ms pause, 970 ms before the next silence: in speech
    # 7500: after A's last segment: the turn end at 6000, whose silence never ends (latency 1500; B at 6300)
    assert m["fire_class"].tolist() == ["in_speech", "in_hold", "in_hold", "in_speech", "at_turn_end",
                                        "in_speech", "at_turn_end"]
    assert (m["fires"][0], m["fires_at_turn_end"][0], m["fires_in_hold"][0], m["fires_in_speech"][0]) == (7, 2, 2, 3)
    assert m["premature_rate"][0] == 5 / 7  # (2 in holds + 3 in speech) / 7 fires
    assert (m["holds"][0], m["cuts"][0], m["cutoff_rate"][0]) == (1, 1, 1.0)
    assert (m["turn_ends"][0], m["fired"][0], m["missed"][0], m["interrupted"][0]) == (2, 2, 0, 2)
    assert m["latencies"].tolist() == [300.0, 1500.0] and m["latency_mean_ms"][0] == 900.0


def test_a_fire_just_before_a_turn_end_is_early_and_the_first_one_sets_the_latency():
    # 2760 is 240 ms before the turn end at 3000 (within 250): at the turn end, latency -240; 3300 is a
    # second fire in the same silence (counted at the turn end, not a second latency); 6000 never fired
    m = measure([2760, 3300])
    assert m["fire_class"].tolist() == ["at_turn_end", "at_turn_end"]
    assert (m["fired"][0], m["missed"][0], m["latencies"].tolist(), m["interrupted"][0]) == (1, 1, [-240.0], 0)
    assert m["premature_rate"][0] == 0.0


def test_a_wider_tolerance_for_padded_references_moves_a_fire_out_of_speech():
    # 2500 is 500 ms before the reference end at 3000: in speech at 250, at the turn end at 550
    assert measure([2500])["fire_class"].tolist() == ["in_speech"]
    assert measure([2500], PADDED_TOLERANCE_MS)["fire_class"].tolist() == ["at_turn_end"]


def test_a_fire_before_the_side_speaks_or_after_its_backchannel():
    # B talks 0-3000 and 4000-6000; A's backchannel 1000-1300 inside it, A's turn 6200-7000 (the last)
    t = Transcript("f", [Utterance("B", 0, 3000), Utterance("A", 1000, 1300), Utterance("B", 4000, 6000),
                         Utterance("A", 6200, 7000)])
    pauses, turn_ends, _ = tables(t)
    assert turn_ends["end_ms"].tolist() == [7000]  # the backchannel's end is no turn end of A's
    m = measure([500, 2000, 7100], t=t)
    # 500: A has not spoken yet (nothing of A ended): in speech; 2000: after the backchannel, B holds
    # the floor (a release): at a turn end, but no turn end of the truth fired; 7100: A's last turn end
    assert m["fire_class"].tolist() == ["in_speech", "at_turn_end", "at_turn_end"]
    assert (m["fires_at_turn_end"][0], m["fired"][0], m["latencies"].tolist()) == (2, 1, [100.0])
    assert m["premature_rate"][0] == 1 / 3


def test_the_tolerance_may_differ_per_file():
    pauses, turn_ends, speech = tables()
    two = [pd.concat([x, x.assign(file="g")], ignore_index=True) for x in (pauses, turn_ends, speech)]
    fires = pd.DataFrame({"file": ["f", "g"], "fire_ms": [2500, 2500]})
    m = measure_fires(["f", "g"], *two[:2], fires, [250, 550], speech=two[2])
    assert m["fires_in_speech"].tolist() == [1, 0] and m["fires_at_turn_end"].tolist() == [0, 1]


def test_measure_fires_refuses_to_guess_the_speech():
    pauses, turn_ends, _ = tables()
    with pytest.raises(ValueError, match="needs speech="):
        measure_fires(["f"], pauses, turn_ends, pd.DataFrame({"file": ["f"], "fire_ms": [10]}))


def test_the_default_tolerance_follows_how_the_truth_was_made():
    assert default_tolerance("assemblyai", True)[0] == 250  # word timings
    assert default_tolerance("offline-vad", False)[0] == 250  # voice activity
    assert default_tolerance("rttm", False)[0] == 550 and default_tolerance("csv", False)[0] == 550
    assert default_tolerance("assemblyai", False)[0] == 550  # utterances without words: segment ends
    assert "SpokenWOZ ~300 ms" in default_tolerance("rttm", False)[1]


def loop_classify(silences, fires, tol):
    """The definition, written as a loop: the containing silence that starts last (the last given
    on a tie), else the first one starting after the fire within the tolerance, else -1."""
    out = []
    for f in fires:
        inside = [(s, i) for i, (s, e) in enumerate(silences) if s <= f < e]
        if inside:
            out.append(max(inside)[1])
            continue
        after = [(s, i) for i, (s, e) in enumerate(silences) if f < s <= f + tol]
        out.append(min(after)[1] if after else -1)
    return out


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20_000), st.integers(1, 3_000)), max_size=20),
       st.lists(st.integers(0, 25_000), max_size=30), st.integers(0, 600))
def test_classification_agrees_with_the_definition_as_a_loop(raw, fires, tol):
    # the side's silences do not overlap (the truth tables make them so): keep those that do not
    silences, reach = [], -1
    for s, d in sorted(raw):
        if s >= reach:
            silences.append((s, s + d))
            reach = s + d
    got = classify_fires([0] * len(silences), [s for s, _ in silences], [e for _, e in silences],
                         [0] * len(fires), fires, tol)
    assert got.tolist() == loop_classify(silences, fires, tol)


def test_latency_summary_is_numpys_linear_quantiles():
    assert latency_summary(np.array([200.0, 600.0])) == (400.0, 400.0, 560.0)
    assert all(math.isnan(v) for v in latency_summary(np.array([])))


# --------------------------------------------------------------------------- outside review: the boundaries
def test_a_silence_starting_exactly_at_the_fire_is_the_fires():
    # "among those starting at or before f": a fire at 3000 whose speech ended at 3000 (no delay)
    # belongs to the silence starting at 3000, with its speech end known or not
    assert align_fires([0, 0], [1000, 3000], [0, 0], [3000, 3000], [3000, np.nan]).tolist() == [1, 1]
    # one millisecond earlier the silence has not started: the one before is 2000 ms from the speech
    # end (too far), or, with no speech end, the latest one before the fire
    assert align_fires([0, 0], [1000, 3000], [0, 0], [2999, 2999], [3000, np.nan]).tolist() == [-1, 0]


def test_a_fire_exactly_when_the_next_speaker_starts_is_not_interrupted():
    # A's turn ends at 3000 and B starts 200 ms later, at 3200 (tables(): A's turn ends at 3000 and 6000)
    def measured(fire_ms):
        m = measure([fire_ms])
        return m["fired"][0], m["interrupted"][0], m["latency_mean_ms"][0]

    # fired as B starts: B did not start before the endpoint fired (silence 200 < latency 200 is false)
    assert measured(3200) == (1, 0, 200.0)
    # a millisecond later B had started first: interrupted
    assert measured(3201) == (1, 1, 201.0)
    assert measured(3199) == (1, 0, 199.0)


def test_a_fire_inside_a_silence_stays_there_even_when_the_next_one_is_near():
    # a hold 1000-1500 and a turn end from 1600: a fire at 1400 lies in the hold, though the turn end
    # starts 200 ms later (within 250): the containing silence comes first
    assert classify_fires([0, 0], [1000, 1600], [1500, 9000], [0, 0], [1400, 1550]).tolist() == [0, 1]


def test_segments_a_few_ms_apart_are_one_stretch_of_speech():
    # A 0-1000 and 1008-3000 (8 ms apart: one segment for the truth tables, MERGE_MS 10), B 3200-4000:
    # a fire at 1004 lies inside A's speech, not after a release
    t = Transcript("f", [Utterance("A", 0, 1000), Utterance("A", 1008, 3000), Utterance("B", 3200, 4000)])
    pauses, _, _ = tables(t)
    assert pauses.empty
    m = measure([1004, 3100], t=t)
    assert m["fire_class"].tolist() == ["in_speech", "at_turn_end"]
