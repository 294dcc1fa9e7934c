"""Measured endpointing: fires aligned with the truth's silences, counted by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from turntune_nb.analysis.alignment import ALIGN_TOLERANCE_MS, align_fires, latency_summary, measure_fires
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


def tables():
    # A: 0-1000, hold of 500, 1500-3000 (turn end; B 3200-4000), pause of 60 ms inside 4200-5000 / 5060-6000
    t = Transcript("f", [Utterance("A", 0, 1000), Utterance("A", 1500, 3000), Utterance("B", 3200, 4000),
                         Utterance("A", 4200, 5000), Utterance("A", 5060, 6000)])
    utts = transcripts_to_frame([t])
    return compute_pauses(utts), compute_turn_ends(utts)


def test_measured_figures_counted_by_hand():
    pauses, turn_ends = tables()
    a_pauses = pauses[pauses["speaker"] == "A"]
    a_ends = turn_ends[turn_ends["speaker"] == "A"]
    assert a_pauses["pause_ms"].tolist() == [500, 60] and a_ends["end_ms"].tolist() == [3000, 6000]
    fires = pd.DataFrame({"file": ["f"] * 5, "fire_ms": [1400, 1450, 3700, 5100, 4500],
                          "end_ms": [1000, 1000, 3000, 5000, 4400]})
    m = measure_fires(["f"], a_pauses, a_ends, fires)
    # the 500 ms hold is cut (twice fired, one cut); the 60 ms pause is not a hold (its fire is "other");
    # the turn end at 3000 fired at 3700 (B came back at 3200: interrupted); 6000 never fired;
    # the fire at 4500 lies inside true speech (other)
    assert (m["holds"][0], m["cuts"][0], m["cutoff_rate"][0]) == (1, 1, 1.0)
    assert (m["turn_ends"][0], m["fired"][0], m["missed"][0], m["interrupted"][0]) == (2, 1, 1, 1)
    assert (m["latency_mean_ms"][0], m["other_fires"][0]) == (700.0, 2)
    assert m["latencies"].tolist() == [700.0]


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
    pauses, turn_ends = tables()
    a_pauses, a_ends = pauses[pauses["speaker"] == "A"], turn_ends[turn_ends["speaker"] == "A"]
    assert a_ends["silence_after_ms"].tolist()[0] == 200

    def measured(fire_ms):
        fires = pd.DataFrame({"file": ["f"], "fire_ms": [fire_ms], "end_ms": [3000]})
        m = measure_fires(["f"], a_pauses, a_ends, fires)
        return m["fired"][0], m["interrupted"][0], m["latency_mean_ms"][0]

    # fired as B starts: B did not start before the endpoint fired (silence 200 < latency 200 is false)
    assert measured(3200) == (1, 0, 200.0)
    # a millisecond later B had started first: interrupted
    assert measured(3201) == (1, 1, 201.0)
    assert measured(3199) == (1, 0, 199.0)
