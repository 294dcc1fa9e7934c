"""TurnBench's terms, worked out by hand on a small two-channel call.

The call (ms): speaker 1 talks 0-1000, 1500-3000 and 5000-6000; speaker 2 talks
3200-4000, 4200-4500 and 6500-8000. By TurnBench's floor rule (turnbench/gold.py):
speaker 1's end at 1000 is a mid-turn pause (they resume at 1500 before speaker 2
starts at 3200): the negative span 1000-1500; 3000 hands the floor over (2 starts at
3200, before 1 resumes at 5000): positive; 6000 is their last: positive. Speaker 2:
4000 is a pause (resumes 4200, 1 only at 5000): negative 4000-4200; 4500 hands over
(1 at 5000 before 2 at 6500): positive; 8000 is the last: positive.
"""

from __future__ import annotations

import math

import pandas as pd

from turntune_nb.analysis.turnbench import (
    FP_BUDGET,
    TAU_MAX_MS,
    TAU_PRE_MS,
    interruption_times,
    operating_point,
    score_eot,
    segments_from_truth,
    submission_json,
    turnbench_gold,
)

SEGMENTS = pd.DataFrame({"speaker": [1, 1, 2, 2, 1, 2], "start_ms": [0, 1500, 3200, 4200, 5000, 6500],
                         "end_ms": [1000, 3000, 4000, 4500, 6000, 8000]})


def gold():
    return turnbench_gold(SEGMENTS)


def test_the_published_constants():
    # TAU_PRE_S = 0.25, TAU_MAX_S = 3.00 (turnbench/gold.py), BUDGET = 0.1 (data_analysis/leaderboard.py)
    assert (TAU_PRE_MS, TAU_MAX_MS, FP_BUDGET) == (250, 3000, 0.1)


def test_the_gold_follows_the_floor_rule():
    pos, neg = gold()
    assert pos.values.tolist() == [[1, 3000], [1, 6000], [2, 4500], [2, 8000]]
    assert neg.values.tolist() == [[1, 1000, 1500], [2, 4000, 4200]]


def test_an_end_inside_ones_own_longer_segment_is_neither():
    # speaker 1 talks 0-5000 and, inside it, 1000-2000 (a second annotation): 2000 is no boundary
    seg = pd.DataFrame({"speaker": [1, 1, 2], "start_ms": [0, 1000, 6000], "end_ms": [5000, 2000, 7000]})
    pos, neg = turnbench_gold(seg)
    assert pos.values.tolist() == [[1, 5000], [2, 7000]] and neg.empty


def test_recall_false_positives_and_p50_by_hand():
    pos, neg = gold()
    # speaker 1 fires at 1200 (inside the pause 1000-1500: a false positive), 3300 (the turn end at 3000:
    # TP, latency +300), 3400 (a second fire in that window: neither TP nor FP), 5800 (200 ms before the
    # end at 6000, within 250: TP, latency -200); speaker 2 at 4400 (TP for 4500, -100), never for 8000 (FN),
    # and not in its pause 4000-4200 (TN)
    s = score_eot(pos, neg, {1: [1200, 3300, 3400, 5800], 2: [4400]})
    assert (s.tp, s.fn, s.fp, s.tn) == (3, 1, 1, 1)
    assert s.recall == 3 / 4 and s.fp_rate == 1 / 2
    # latencies -200, -100, 300: the median is -100
    assert sorted(s.latencies_ms) == [-200.0, -100.0, 300.0] and s.latency_p50_ms == -100.0


def test_the_windows_edges():
    pos, neg = gold()
    # the pause 1000-1500 is charged from 1000 - 250 = 750: a fire at 749 is no false positive, 750 is
    assert score_eot(pos, neg, {1: [749]}).fp == 0 and score_eot(pos, neg, {1: [750]}).fp == 1
    # the end at 3000 is matched from 2750 (latency -250); 2749 is too early (and in no negative span)
    assert score_eot(pos, neg, {1: [2750]}).latencies_ms == [-250.0]
    early = score_eot(pos, neg, {1: [2749]})
    assert (early.tp, early.fn, early.fp) == (0, 2, 0)
    # the window of 3000 ends at min(3000 + 3000, the next end 6000) = 6000: a fire at 5990 belongs to
    # 3000 (latency 2990), and the end at 6000 is then missed
    late = score_eot(pos, neg, {1: [5990]})
    assert (late.tp, late.fn, late.latencies_ms) == (1, 1, [2990.0])


def test_a_speaker_not_streamed_is_not_scored():
    pos, neg = gold()
    s = score_eot(pos, neg, {1: [3300, 6100]})  # speaker 2's ends and pause are left out
    assert (s.tp, s.fn, s.fp, s.tn) == (2, 0, 0, 1) and s.recall == 1.0 and s.fp_rate == 0.0
    assert math.isnan(score_eot(pos.iloc[:0], neg.iloc[:0], {1: [1]}).recall)


def test_the_operating_point_at_the_budget():
    # two settings of the same call: "fast" fires in speaker 1's pause (fp 1/2), "slow" does not (fp 0/2)
    pos, neg = gold()
    fast = score_eot(pos, neg, {1: [1200, 3300, 5800], 2: [4400]})
    slow = score_eot(pos, neg, {1: [3600, 6400], 2: [4900]})
    rows = pd.DataFrame([{"setting": name, "recall": s.recall, "fp_rate": s.fp_rate, "latency_p50_ms": s.latency_p50_ms}
                         for name, s in (("fast", fast), ("slow", slow))])
    # fast: recall 3/4, fp 1/2 (over 0.1); slow: TPs 600, 400, 400 (8000 missed): recall 3/4, fp 0, p50 400
    assert rows["recall"].tolist() == [0.75, 0.75] and rows["fp_rate"].tolist() == [0.5, 0.0]
    assert slow.latency_p50_ms == 400.0
    assert operating_point(rows)["setting"] == "slow"
    assert operating_point(rows.iloc[:1]) is None  # nothing within 0.1


def test_the_submission_file_is_turnbenchs_format():
    sub, dropped = submission_json({
        "call": {"duration_ms": 8500, 1: {"eot": [3300, 1200, 3300, 9000], "interruption": []},
                 2: {"eot": [4400], "interruption": [3250, 5500]}},
        "other": {"duration_ms": 1000},
    })
    assert sub == {"schema_version": 1, "predictions": [
        {"conversation_id": "call", "speaker_1": {"eot": [1.2, 3.3], "interruption": []},
         "speaker_2": {"eot": [4.4], "interruption": [3.25, 5.5]}},
        {"conversation_id": "other", "speaker_1": {"eot": [], "interruption": []},
         "speaker_2": {"eot": [], "interruption": []}},
    ]}
    assert dropped == 1  # 9000 lies past the 8500 ms of audio; the repeated 3300 is one time


def test_interruptions_are_new_turns_while_the_other_channels_turn_is_open():
    one = [(100, 1200), (1600, 3300), (5100, 5800)]
    two = [(3250, 4400), (5500, None)]
    # 3250: speaker 1's turn 1600-3300 is open; 5500: 5100-5800 is open; speaker 1's 5100 comes after
    # speaker 2's turn ended at 4400 and before its next began (5500)
    assert interruption_times(two, one) == [3250, 5500]
    assert interruption_times(one, two) == []


def test_segments_split_where_the_words_stop():
    utts = [{"speaker": "A", "start": 0, "end": 3000, "words": [{"start": 0, "end": 900}, {"start": 960, "end": 1500},
                                                                {"start": 1600, "end": 3000}]},
            {"speaker": "B", "start": 3100, "end": 4000, "words": []}, {"speaker": "C", "start": 0, "end": 1}]
    # 900-960 is 60 ms (under 100: one segment), 1500-1600 is 100 (a split); C is on no side
    assert segments_from_truth(utts, {"A": 1, "B": 2}).values.tolist() == [[1, 0, 1500], [1, 1600, 3000],
                                                                          [2, 3100, 4000]]


def test_a_fire_in_a_positive_window_is_never_a_false_positive():
    # speaker 1: 0-3000, 3500-3600, 4000-5000; speaker 2: 3200-3300, 6000-7000. 3000 hands over (2 at 3200
    # before 1 resumes at 3500); 3600 is a pause (1 resumes at 4000, 2 only at 6000): negative 3600-4000
    seg = pd.DataFrame({"speaker": [1, 2, 1, 1, 2], "start_ms": [0, 3200, 3500, 4000, 6000],
                        "end_ms": [3000, 3300, 3600, 5000, 7000]})
    pos, neg = turnbench_gold(seg)
    assert neg.values.tolist() == [[1, 3600, 4000]]
    # 3100 claims 3000; 3700 lies in the pause (from 3600 - 250) but also in 3000's window (up to the next
    # end, 5000): exempt, so the pause is a TN; 5000 is missed
    s = score_eot(pos, neg, {1: [3100, 3700]})
    assert (s.tp, s.fn, s.fp, s.tn) == (1, 1, 0, 1)
