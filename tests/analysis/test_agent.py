"""The agent's figures, each definition on a call worked out by hand (times in ms)."""

import math

import pandas as pd
import pytest

from turntune_nb.analysis.agent import AgentThresholds, agent_figures, agent_report, agent_speakers, worst_first
from turntune_nb.errors import ConfigError, InputError


def calls(*rows):
    """An utterance table from (file, speaker, start, end) rows."""
    return pd.DataFrame(rows, columns=["file", "speaker", "start_ms", "end_ms"])


def one(frame, agent="A", **th):
    r = agent_report(frame, agent=agent, thresholds=AgentThresholds(**th), simulate=False)
    return r, r.per_call.set_index("file")


def test_contained_segment_is_no_response_and_shares_are_of_speech():
    # user U 0-5000 holds the floor; agent A 1000-2000 lies inside it (ends before U: no transfer);
    # A 5500-7000: its predecessor is U (ends 5000, later than A's 2000) -> a response, gap 5500 - 5000 = 500
    r, per = one(calls(("c", "U", 0, 5000), ("c", "A", 1000, 2000), ("c", "A", 5500, 7000)))
    assert r.responses["gap_ms"].tolist() == [500]
    assert per.loc["c", "cut_ins"] == 0 and per.loc["c", "barge_ins"] == 0
    # agent speech 1000 + 1500 = 2500, user 5000: talk shares 2500/7500 and 5000/7500
    assert per.loc["c", "agent_talk_share"] == pytest.approx(1 / 3)
    assert per.loc["c", "user_talk_share"] == pytest.approx(2 / 3)
    # both speak 1000-2000 = 1000 ms: 1000/2500 of the agent's speech, 1000/5000 of the user's
    assert per.loc["c", "agent_overlap_share"] == pytest.approx(0.4)
    assert per.loc["c", "user_overlap_share"] == pytest.approx(0.2)


def test_exact_boundary_starts():
    r, per = one(calls(
        ("c", "A", 1000, 4000), ("c", "U", 4000, 5000),  # U starts at A's end: not inside A (no barge-in)
        ("c", "A", 5000, 6000),  # after U, which ends at 5000: a response with gap 0, not a cut-in
        ("c", "U", 8000, 9000), ("c", "A", 8000, 10000),  # same start: U first (ends earlier) -> A's predecessor
    ))
    # A 8000-10000 follows U 8000-9000 and outlasts it: gap 8000 - 9000 = -1000, a cut-in; U started at A's start,
    # not strictly inside, so no barge-in
    assert r.responses["gap_ms"].tolist() == [0, -1000]
    assert (per.loc["c", "responses"], per.loc["c", "cut_ins"], per.loc["c", "barge_ins"]) == (2, 1, 0)
    assert per.loc["c", "response_median_ms"] == -500  # (0 + -1000) / 2
    assert per.loc["c", "response_p90_ms"] == pytest.approx(-100)  # -1000 + 0.9 * 1000


def test_a_call_with_no_response():
    r, per = one(calls(("c", "A", 0, 1000), ("c", "U", 2000, 3000)))
    assert per.loc["c", "responses"] == 0 and per.loc["c", "cut_ins"] == 0
    assert math.isnan(per.loc["c", "response_median_ms"]) and math.isnan(r.overall["response_p90_ms"])
    data = r.to_dict()
    assert data["per_call"][0]["response_median_ms"] is None and data["overall"]["response_p90_ms"] is None
    assert data["per_call"][0]["file"] == "c"


def test_barge_ins_length_and_yield_thresholds():
    r, per = one(calls(
        ("c", "A", 0, 10000), ("c", "U", 1000, 1500),  # 500 ms, starts strictly inside: a barge-in, stop 9000
        ("c", "U", 3000, 3499),  # 499 ms: too short
        ("d", "A", 0, 4000), ("d", "U", 2000, 3000),  # stop 4000 - 2000 = 2000: yielded (within 2000)
        ("d", "A", 10000, 14000), ("d", "U", 11999, 12999),  # stop 14000 - 11999 = 2001: not yielded
    ))
    assert (per.loc["c", "barge_ins"], per.loc["c", "barge_ins_yielded"]) == (1, 0)
    assert (per.loc["d", "barge_ins"], per.loc["d", "barge_ins_yielded"]) == (2, 1)
    assert sorted(r.barge_ins["stop_ms"].tolist()) == [2000, 2001, 9000]
    assert per.loc["d", "barge_in_stop_median_ms"] == 2000.5
    assert r.overall["barge_in_stop_median_ms"] == 2001  # pooled [2000, 2001, 9000]
    # a lower bar and a shorter yield window, as options
    _, per2 = one(calls(("c", "A", 0, 10000), ("c", "U", 3000, 3499)), barge_in_min_ms=499, yield_within_ms=7001)
    assert (per2.loc["c", "barge_ins"], per2.loc["c", "barge_ins_yielded"]) == (1, 1)  # stop 10000 - 3000 = 7000


@pytest.mark.parametrize("gap, merged", [(10, True), (11, False)])
def test_merging_at_10_ms(gap, merged):
    # A 0-1000 and A (1000+gap)-3000; U 1005-1600 starts in between
    r, per = one(calls(("c", "A", 0, 1000), ("c", "A", 1000 + gap, 3000), ("c", "U", 1005, 1600)))
    if merged:  # A 0-3000: U starts strictly inside, 595 ms, stop 3000 - 1005 = 1995 -> yielded; U is contained
        assert (per.loc["c", "barge_ins"], per.loc["c", "barge_ins_yielded"], per.loc["c", "responses"]) == (1, 1, 0)
    else:  # U starts in the silence: no barge-in; A 1011-3000 follows U (ends 1600): gap 1011 - 1600 = -589
        assert per.loc["c", "barge_ins"] == 0
        assert r.responses["gap_ms"].tolist() == [-589]


def test_zero_length_segments_are_dropped():
    # the user's 5000-5000 is no speech: A 6500 follows A 4000 (a pause of 2500 >= 2500), not a response
    r, per = one(calls(("c", "A", 0, 4000), ("c", "U", 5000, 5000), ("c", "A", 6500, 7000)))
    assert per.loc["c", "responses"] == 0 and per.loc["c", "agent_pauses"] == 1 and per.loc["c", "user_pauses"] == 0
    assert per.loc["c", "user_talk_share"] == 0  # 0 of 4500 ms


def test_dead_air_between_the_union_and_pauses():
    r, per = one(calls(
        ("c", "U", 0, 1000), ("c", "A", 4000, 5000),  # silence 3000: dead air; the response gap is 3000
        ("c", "A", 7999, 9000),  # silence 2999: no dead air; A again after A: a pause of 2999 >= 2500
        ("c", "U", 8000, 8500),  # inside A: changes nothing of the union; a 500 ms barge-in, stop 500
        ("c", "U", 12000, 13000),  # silence 12000 - 9000 = 3000: dead air
    ))
    assert (per.loc["c", "dead_air"], per.loc["c", "dead_air_ms"]) == (2, 6000)
    assert r.dead_air[["start_ms", "end_ms"]].values.tolist() == [[1000, 4000], [9000, 12000]]
    assert (per.loc["c", "agent_pauses"], per.loc["c", "barge_ins_yielded"]) == (1, 1)
    assert r.responses["gap_ms"].tolist() == [3000]
    _, per2 = one(calls(("c", "U", 0, 1000), ("c", "A", 4000, 5000), ("c", "A", 7999, 9000)),
                  dead_air_min_ms=2999, pause_min_ms=3000)
    assert (per2.loc["c", "dead_air"], per2.loc["c", "dead_air_ms"], per2.loc["c", "agent_pauses"]) == (2, 5999, 0)


def test_overall_pools_the_calls_and_worst_come_first():
    r, per = one(calls(
        ("a", "U", 0, 1000), ("a", "A", 1100, 2000), ("a", "U", 3000, 4000), ("a", "A", 4300, 5000),  # gaps 100, 300
        ("b", "U", 0, 1000), ("b", "A", 2000, 3000), ("b", "U", 4000, 5000), ("b", "A", 6200, 7000),  # 1000, 1200
        ("z", "U", 0, 1000), ("z", "A", 900, 2000),  # gap -100: a cut-in, the worst call
    ))
    # cut-in share 1 first; then p90 1000 + 0.9 * 200 = 1180 before 100 + 0.9 * 200 = 280
    assert r.per_call["file"].tolist() == ["z", "b", "a"]
    assert per.loc["a", "response_median_ms"] == 200 and per.loc["b", "response_median_ms"] == 1100
    # pooled [-100, 100, 300, 1000, 1200]: median 300 (the calls' medians -100, 200, 1100 would give 200);
    # p90 at 0.9 * 4 = 3.6: 1000 + 0.6 * 200 = 1120
    assert r.overall["response_median_ms"] == 300 and r.overall["response_p90_ms"] == pytest.approx(1120)
    assert (r.overall["calls"], r.overall["responses"], r.overall["cut_ins"]) == (3, 5, 1)


def test_worst_first_puts_calls_without_responses_last():
    t = pd.DataFrame({"file": ["n", "s"], "responses": [0, 2], "cut_ins": [0, 0],
                      "response_p90_ms": [float("nan"), 100.0], "dead_air_ms": [9000, 0]})
    assert worst_first(t)["file"].tolist() == ["s", "n"]


def test_the_agent_by_label_or_channel():
    u = calls(("c", "ch0", 0, 1000), ("c", "ch1", 1500, 2000)).assign(channel=[0, 1])
    assert agent_speakers(u, agent_channel=0) == ("ch0",)
    with pytest.raises(InputError, match="no speaker 'bot'.*speakers: ch0, ch1"):
        agent_speakers(u, agent="bot")
    with pytest.raises(InputError, match="one of the two"):
        agent_speakers(u)
    with pytest.raises(InputError, match="says nothing"):
        agent_report(calls(("c", "A", 0, 0), ("c", "U", 0, 10)), agent="A", simulate=False)
    with pytest.raises(ConfigError, match="dead_air_min_ms"):
        AgentThresholds(dead_air_min_ms=-5)


def test_several_user_speakers_are_one_side():
    # U1 then U2 then the agent: A's predecessor is U2 (ends last), gap 3000 - 2500 = 500; U2 over U1 is no response
    f = agent_figures(calls(("c", "U1", 0, 1000), ("c", "U2", 1200, 2500), ("c", "A", 3000, 4000)), ("A",))
    assert f["responses"]["gap_ms"].tolist() == [500]
    assert f["per_call"]["user_talk_share"].iloc[0] == pytest.approx(2300 / 3300)
