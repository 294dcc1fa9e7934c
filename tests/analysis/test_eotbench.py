"""eot-bench's four cells, worked by hand; the published rows beside them."""

from __future__ import annotations

import math

import pytest

from tests.analysis.endpointing_cases import tables
from turntune_nb.analysis.eotbench import EOT_BENCH_ROWS, TURNBENCH_ROWS, eot_cells, eot_table, turnbench_table
from turntune_nb.analysis.recommend import RecommendOptions, recommend_config
from turntune_nb.analysis.simulate import Simulator

# One speaker, one file. Pauses (ms): 150 (a hold, but under eot-bench's 200 ms), 250, 300, 400,
# 450, 700, 800, 900, 1100, 1200, 1250, and 6000 (over eot-bench's 5 s): 10 eot-bench holds.
PAUSES = [150, 250, 300, 400, 450, 700, 800, 900, 1100, 1200, 1250, 6000]
SIM = Simulator(*tables(
    [("f", "A", 10_000 * i, 10_000 * i + p, False) for i, p in enumerate(PAUSES)],
    [("f", "A", 200_000, True, 500), ("f", "A", 300_000, False, None)],
))


def test_four_cells_of_a_silence_only_endpointer_by_hand():
    # Silence only: latency = T; a hold is cut when the pause is *longer* than T (the endpointer
    # fires inside it), counted over the 10 holds of 200-5000 ms:
    #   T =  300: 400 450 700 800 900 1100 1200 1250 -> 8/10 (the 300 ms pause is not cut)
    #   T =  600: 700 ... 1250                       -> 6/10
    #   T = 1000: 1100 1200 1250                     -> 3/10
    #   T = 1150: 1200 1250                          -> 2/10
    #   T = 1200: 1250                               -> 1/10 (the 1200 ms pause is not cut)
    #   T = 1300: none                               -> 0
    sweep = SIM.sweep("silence", thresholds=[300, 600, 1000, 1150, 1200, 1300])
    assert sweep["eot_cutoff_rate"].tolist() == pytest.approx([0.8, 0.6, 0.3, 0.2, 0.1, 0.0])
    assert (sweep["eot_holds"] == 10).all() and (sweep["never_fired"] == 0).all()
    cells = eot_cells(sweep)
    # cut-offs at <= 300 ms / 600 ms latency: T = 300 and 600; latency at <= 5 % cut-offs: only
    # T = 1300 (0 %); at <= 10 %: T = 1200
    assert (cells["cutoff_at_300ms"], cells["cutoff_at_600ms"]) == pytest.approx((0.8, 0.6))
    assert (cells["latency_at_5pct_ms"], cells["latency_at_10pct_ms"]) == (1300.0, 1200.0)
    assert cells["settings"]["latency_at_10pct_ms"]["max_turn_silence"] == 1200
    # one setting (the slider's path) counts the same way: the 300 ms and 1200 ms pauses are not cut
    assert SIM.evaluate(300, model="silence").eot_cutoff_rate == pytest.approx(0.8)
    assert (SIM.evaluate(1200, model="silence").eot_cuts, SIM.evaluate(1200, model="silence").eot_holds) == (1, 10)
    # the simulator's own cut-off rate counts every hold >= 100 ms and pause >= T:
    # at T = 1200: 1200, 1250, 6000 of 12 holds
    assert sweep.loc[4, "cutoff_rate"] == pytest.approx(3 / 12)


def test_a_budget_nothing_reaches_is_empty():
    cells = eot_cells(SIM.sweep("silence", thresholds=[400, 800]))
    assert math.isnan(cells["cutoff_at_300ms"]) and cells["settings"]["cutoff_at_300ms"] is None
    assert math.isnan(cells["latency_at_5pct_ms"])  # 400 ms: 7/10, 800 ms: 4/10 cut


def test_turn_ends_never_fired_count_at_the_timeout():
    # u3-rt-pro at (200, 1000): the terminal turn end fires at 200 ms, the other is never fired on
    # and ends at the 1000 ms timeout: mean latency (200 + 1000) / 2 = 600, never fired 1 of 2
    m = SIM.evaluate((200, 1000), model="u3-rt-pro")
    assert (m.latency_mean_ms, m.never_fired, m.never_fired_share) == (600.0, 1, 0.5)
    # silence only fires at T on every turn end: nothing is left to a timeout
    assert SIM.evaluate(800, model="silence").never_fired == 0


def test_recommendation_carries_the_cells_and_the_published_rows():
    rec = recommend_config(SIM, RecommendOptions(model="silence", target_cutoff=0.1,
                                                 thresholds=[300, 600, 1000, 1150, 1200, 1300]))
    assert rec.eot_cells["latency_at_10pct_ms"] == 1200.0
    table = rec.eot_table()
    assert table["name"].tolist() == ["all speakers: silence", "AssemblyAI", "VAD baseline (silence only)"]
    assert table.iloc[1][["cutoff_at_300ms", "cutoff_at_600ms", "latency_at_5pct_ms", "latency_at_10pct_ms"]].tolist() \
        == [0.494, 0.146, 1049.0, 713.0]
    assert table.iloc[2][["cutoff_at_300ms", "cutoff_at_600ms", "latency_at_5pct_ms", "latency_at_10pct_ms"]].tolist() \
        == [0.556, 0.217, 1600.0, 1000.0]
    d = rec.to_dict()
    assert d["eot_bench"]["cells"]["cutoff_at_300ms"] == pytest.approx(0.8)
    assert d["eot_bench"]["table"][0]["latency_at_5pct_ms"] == 1300.0


def test_published_rows_and_turnbench_beside_a_setting():
    assert [r["name"] for r in EOT_BENCH_ROWS] == ["AssemblyAI", "VAD baseline (silence only)"]
    assert eot_table(reference=False).empty
    m = SIM.evaluate(1000, model="silence")
    tb = turnbench_table(m, "mine")
    assert tb.iloc[0]["false_fire_rate"] == pytest.approx(4 / 12)  # 1100, 1200, 1250, 6000 >= 1000
    assert tb.iloc[0]["latency_p50_ms"] == 1000.0
    assert len(tb) == 1 + len(TURNBENCH_ROWS) and tb.iloc[1]["false_fire_rate"] == 0.5246


# --------------------------------------------------------------------------- outside review: the range's ends
def test_eot_bench_holds_run_from_200_to_5000_ms_both_ends_included():
    # eot-bench keeps hold spans of 0.2-5.0 s, both ends in (metrics.EOT_HOLD_MIN_MS / EOT_HOLD_MAX_MS).
    # Pauses of 199, 200, 5000 and 5001 ms (all holds): the 200 and 5000 ms ones are eot-bench's, two
    # per file, in files a and b alike.
    pauses = (199, 200, 5000, 5001)
    rows = [(f, "A", 10_000 * i, 10_000 * i + p, False) for f in ("a", "b") for i, p in enumerate(pauses)]
    sim = Simulator(*tables(rows, []))
    assert sim.eot_holds == 4 and sim.holds == 8
    # silence only at 150 ms fires inside both (200 > 150, 5000 > 150); at 4999 ms inside the 5000 ms one only
    for t, cuts in ((150, 4), (4999, 2), (5000, 0)):
        m = sim.evaluate(t, model="silence")  # one setting, the slider's path
        assert (m.eot_holds, m.eot_cuts) == (4, cuts), t
        assert m.per_file[["eot_holds", "eot_cuts"]].values.tolist() == [[2, cuts // 2]] * 2, t
    sweep = sim.sweep("silence", thresholds=[150, 4999, 5000])  # the sweep's path, and its cells
    assert sweep["eot_cuts"].tolist() == [4, 2, 0] and (sweep["eot_holds"] == 4).all()
    assert sweep["eot_cutoff_rate"].tolist() == [1.0, 0.5, 0.0]
