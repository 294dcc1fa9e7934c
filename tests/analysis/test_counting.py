"""The simulator's counting, by hand: holds cut at a threshold, eot-bench's holds fired
inside, interruptions, turns cut and latency, on the hand-made tables of
`tests.analysis.endpointing_cases.WORDS`.

WORDS, speaker A in file f: holds (pauses of at least 100 ms) of 150 ms after "end."
(terminal), 300 ms (not), 800 ms (terminal), 1200 ms (not), and a 50 ms pause that is
no hold. Turn ends at 2000 (terminal, B after 500 ms), 5000 (not terminal, B started
200 ms before) and 9000 (not terminal, end of the file). Each hold lies in the first
turn that ends at or after it: 150 in turn 0; 300 and 800 in turn 1; 1200 in turn 2.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.analysis.endpointing_cases import WORDS, tables
from turntune_nb.analysis.counting import NOT_TERMINAL, TERMINAL, UNKNOWN, EndpointCounter


@pytest.fixture
def counter():
    return EndpointCounter(*WORDS)


def test_what_the_tables_hold(counter):
    assert (counter.n_pauses, counter.n_turns, counter.n_orphan_turns) == (5, 3, 0)
    assert counter.holds_per_file.tolist() == [4] and counter.turns_per_file.tolist() == [3]
    assert counter.eot_per_file.tolist() == [3]  # 300, 800, 1200: the 150 ms hold is under 200 ms
    assert counter.holds_by_class == {"terminal": 2, "not_terminal": 2, "unknown": 0}
    assert counter.turn_ends_by_class == {"terminal": 1, "not_terminal": 2, "unknown": 0}
    assert counter.segment_level_files == []


def test_a_threshold_cuts_the_holds_at_least_as_long():
    c = EndpointCounter(*WORDS)
    assert c.count_holds_ge(TERMINAL, np.array([150, 151, 800, 801]), per_file=False).tolist() == [2, 1, 1, 0]
    assert c.count_holds_ge(NOT_TERMINAL, np.array([0, 300, 301, 1200, 1201]), per_file=False).tolist() == [
        2, 2, 1, 1, 0]
    assert c.count_holds_ge(UNKNOWN, np.array([0]), per_file=False).tolist() == [0]
    # per file: one row per file, one column per threshold
    assert c.count_holds_ge(TERMINAL, np.array([150, 801]), per_file=True).tolist() == [[2, 0]]


def test_eot_bench_cuts_only_holds_the_endpointer_fires_inside(counter):
    # eot-bench's terminal hold is the 800 ms one (150 is under 200 ms): cut when 800 > t
    assert counter.count_eot_cuts(TERMINAL, np.array([0, 799, 800]), per_file=False).tolist() == [1, 1, 0]
    assert counter.count_eot_cuts(NOT_TERMINAL, np.array([299, 300, 1199, 1200]), per_file=False).tolist() == [
        2, 1, 1, 0]


def test_a_turn_end_is_interrupted_when_the_next_speaker_starts_before_the_fire(counter):
    # terminal: B came 500 ms after; not terminal: B 200 ms before (the end of the file has no next speaker)
    assert counter.count_interrupted(TERMINAL, np.array([500, 501]), per_file=False).tolist() == [0, 1]
    assert counter.count_interrupted(NOT_TERMINAL, np.array([-200, -199, 5000]), per_file=False).tolist() == [
        0, 1, 1]


def test_each_turns_longest_hold_per_rule(counter):
    lo, hi = counter.turn_maxima(frozenset({TERMINAL}))
    assert lo.tolist() == [150, 800, -1] and hi.tolist() == [-1, 300, 1200]


def test_one_setting_counted_by_hand_on_both_paths(counter):
    # terminal and unknown fire at min 400, the rest at max 1000: 800 (T) and 1200 (N) cut, in turns 1 and 2;
    # eot-bench: 800 > 400 and 1200 > 1000; interrupted: the not-terminal end (B 200 ms before 1000)
    # latency: one terminal end at 400, two others at 1000 -> mean 800, median and p90 1000
    want = {"cuts": 2, "turns_cut": 2, "eot_cuts": 2, "interrupted": 1, "n_max": 2,
            "lat_mean": 800.0, "p50": 1000.0, "p90": 1000.0}
    at_min = frozenset({TERMINAL, UNKNOWN})
    assert counter.one_scalar(at_min, 400, 1000) == want
    vec = counter.scenario(at_min, np.array([400]), np.array([1000]), per_file=False, grid=False)
    assert {k: np.atleast_1d(vec[k]).tolist() for k in want} == {k: [v] for k, v in want.items()}


def test_a_grid_is_min_major(counter):
    # (400, 1000), (400, 1300), (500, 1000), (500, 1300): the 800 ms terminal hold is cut by both mins;
    # the 1200 ms one by max 1000 only
    res = counter.scenario(frozenset({TERMINAL}), np.array([400, 500]), np.array([1000, 1300]), per_file=False,
                           grid=True)
    assert res["mn"].tolist() == [400, 400, 500, 500] and res["mx"].tolist() == [1000, 1300, 1000, 1300]
    assert res["cuts"].tolist() == [2, 1, 2, 1] and res["turns_cut"].tolist() == [2, 1, 2, 1]


def test_a_hold_after_its_speakers_last_turn_end_is_a_turn_of_its_own():
    c = EndpointCounter(*tables([("f", "A", 100, 400, False), ("f", "B", 100, 400, False)],
                                [("f", "A", 1000, False, None)]))
    assert (c.n_turns, c.n_orphan_turns) == (2, 1)
    assert c.turns_per_file.tolist() == [2]
