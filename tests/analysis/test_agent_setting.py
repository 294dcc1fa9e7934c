"""The setting's prediction on the user side, beside the measured response gaps."""

import math

import pandas as pd
import pytest

from turntune_nb.analysis.agent import agent_report
from turntune_nb.analysis.agent_setting import explained_share


def test_silence_rule_on_the_user_side():
    calls = pd.DataFrame([
        ("c", "U", 0, 1000), ("c", "U", 1700, 3000),  # the user pauses 700 ms inside a turn: one hold
        ("c", "A", 4500, 6000),  # response gap 4500 - 3000 = 1500
        ("c", "U", 7000, 8000), ("c", "A", 9500, 10000),  # gap 1500
        ("c", "A", 12600, 13000),  # the agent's own pause (2600): no user hold, no user turn end
    ], columns=["file", "speaker", "start_ms", "end_ms"])
    r = agent_report(calls, agent="A", config=500, model="silence")
    s = r.setting
    # silence-only at 500 ms: the 700 ms hold is cut (1 of 1), the user's two turn ends fire 500 ms after
    assert (s["holds"], s["turn_ends"]) == (1, 2)
    assert s["predicted_cutoff_rate"] == 1.0 and s["predicted_latency_p50_ms"] == 500
    # measured median 1500: 500 / 1500 of it is the endpointer, 1000 ms the agent's own
    assert s["measured_response_median_ms"] == 1500 and s["endpointing_share"] == pytest.approx(1 / 3)
    assert s["agent_own_ms"] == 1000 and s["measured_cut_in_rate"] == 0
    assert r.per_call.loc[0, "predicted_latency_p50_ms"] == 500
    assert r.to_dict()["setting"]["min_turn_silence"] == 500


def test_no_user_side_leaves_the_setting_out():
    calls = pd.DataFrame([("c", "A", 0, 1000), ("c", "A", 2000, 3000)],
                         columns=["file", "speaker", "start_ms", "end_ms"])
    r = agent_report(calls, agent="A")
    assert r.setting is None and "left out" in r.notes[0]


def test_explained_share():
    assert explained_share(300.0, 1200.0) == 0.25
    assert explained_share(1500.0, 1200.0) == 1.0  # the endpointer alone would take longer: all of it
    assert math.isnan(explained_share(300.0, 0.0)) and math.isnan(explained_share(float("nan"), 900.0))
