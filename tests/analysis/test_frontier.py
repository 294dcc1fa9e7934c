"""Tests of the trade-off: the Pareto frontier and eot-bench's operating points."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given

from tests.analysis.endpointing_cases import FAST, WORDS, models, random_tables
from turntune_nb.analysis.frontier import operating_points, pareto_frontier
from turntune_nb.analysis.simulate import Simulator


@pytest.fixture
def sim():
    return Simulator(*WORDS)


def test_frontier_by_hand():
    df = pd.DataFrame({"latency_mean_ms": [100, 100, 200, 300, 300, 400],
                       "cutoff_rate": [0.5, 0.4, 0.4, 0.1, 0.1, 0.2]})
    # (100, .5) is beaten by (100, .4); (200, .4) too; of the two (300, .1) the first is kept; (400, .2) is beaten
    assert pareto_frontier(df).index.tolist() == [1, 3]


def test_operating_points_by_hand(sim):
    pts = operating_points(sim.sweep("silence", thresholds=[100, 500, 1000, 1300]))
    # cut-off rates 1.0, 0.5, 0.25, 0.0 at latencies 100, 500, 1000, 1300 ms
    assert pts["criterion"].tolist() == [
        "best latency at <= 5% cut-offs", "best latency at <= 10% cut-offs",
        "lowest cut-off rate at <= 300 ms latency", "lowest cut-off rate at <= 600 ms latency"]
    assert pts["min_turn_silence"].tolist() == [1300, 1300, 100, 500]
    pts = operating_points(sim.sweep("silence", thresholds=[500, 1000]))
    assert math.isnan(pts["min_turn_silence"].iloc[2])  # nothing at <= 300 ms


@FAST
@given(random_tables(), models)
@example(WORDS, "silence")  # cut-off rates 1, 0.75, 0.5, 0.25, 0 along the grid: a frontier of 5 points
@example(WORDS, "u3-rt-pro")
def test_frontier_has_no_dominated_point(tabs, model):
    s = Simulator(*tabs)
    grid = dict(thresholds=list(range(0, 3001, 250))) if model == "silence" else dict(
        mins=list(range(0, 2001, 250)), maxs=list(range(100, 3101, 500)))
    sw = s.sweep(model, **grid).dropna(subset=["cutoff_rate", "latency_mean_ms"])
    fr = pareto_frontier(sw)
    x, y = sw["latency_mean_ms"].to_numpy(), sw["cutoff_rate"].to_numpy()
    for r in fr.itertuples():
        dominated = (x <= r.latency_mean_ms) & (y <= r.cutoff_rate) & ((x < r.latency_mean_ms) | (y < r.cutoff_rate))
        assert not dominated.any()
    # sorted by latency, each point cutting off strictly less than the one before it
    fx, fy = fr["latency_mean_ms"].to_numpy(), fr["cutoff_rate"].to_numpy()
    assert (np.diff(fx) > 0).all() and (np.diff(fy) < 0).all()
    # and every point of the sweep is dominated by a frontier point or equal to one on both figures
    for xi, yi in zip(x, y):
        assert ((fx <= xi) & (fy <= yi)).any(), (xi, yi)
