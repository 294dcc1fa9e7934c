"""The tuner's client-side charts without a browser: what each trace holds, worked out by hand."""

import numpy as np
import pandas as pd

from turntune_nb.notebook.charts import (chart_template, pause_ecdf_figure, setting_at, thin_settings,
                                         tradeoff_figure, update_pause_ecdf, update_tradeoff)

# pauses: 50 is not a hold (< 100 ms); the holds are 150, 300, 800, 1200
PAUSES = pd.DataFrame({"pause_ms": [800, 50, 150, 1200, 300]})


def test_ecdf_steps_and_threshold_lines():
    fig = pause_ecdf_figure(PAUSES, 300, 1000)
    ecdf, lo, hi = fig.data
    assert list(ecdf.x) == [150, 300, 800, 1200] and list(ecdf.y) == [0.25, 0.5, 0.75, 1.0]
    assert fig.layout.title.text == "Pauses inside turns (4 of >= 100 ms)"
    # at or beyond 300: 300, 800, 1200 = 3 of 4 (75%); beyond 1000: 1200 = 25%
    assert (lo.name, tuple(lo.x)) == ("min_turn_silence 300 ms: 75% of pauses as long", (300, 300))
    assert (hi.name, tuple(hi.x)) == ("max_turn_silence 1000 ms: 25% of pauses as long", (1000, 1000))
    update_pause_ecdf(fig, None, 150)  # the silence model: one threshold
    assert lo.visible is False
    assert (hi.name, tuple(hi.x)) == ("max_turn_silence 150 ms: 100% of pauses as long", (150, 150))
    assert list(ecdf.x) == [150, 300, 800, 1200]  # the curve itself is not sent again


def test_a_long_ecdf_is_drawn_with_400_steps_ending_at_the_largest_pause():
    pauses = pd.DataFrame({"pause_ms": np.arange(100, 10_100)})  # 10 000 holds
    ecdf = pause_ecdf_figure(pauses).data[0]
    assert len(ecdf.x) == 400 and (ecdf.x[0], ecdf.y[0]) == (100, 1e-4) and (ecdf.x[-1], ecdf.y[-1]) == (10_099, 1.0)


SWEEP = pd.DataFrame({
    "min_turn_silence": [100, 100, 200, 400],
    "max_turn_silence": [900, 800, 900, 1200],
    "latency_mean_ms": [501.0, 504.0, 700.0, 900.0],
    "cutoff_rate": [0.1, 0.1, 0.05, 0.0],
})


def test_thin_settings_keeps_one_setting_per_spot():
    # 501 and 504 ms at 10 % share a spot (10 ms x 0.1 %): the lower max (800) stays
    kept = thin_settings(SWEEP)
    assert kept[["min_turn_silence", "max_turn_silence"]].values.tolist() == [[100, 800], [200, 900], [400, 1200]]
    assert len(thin_settings(SWEEP, latency_step_ms=1)) == 4


def test_tradeoff_points_carry_their_setting_and_a_click_picks_it():
    picked = []
    frontier = SWEEP.iloc[[1, 2, 3]]
    fig = tradeoff_figure(SWEEP, frontier, {"Balanced": (700.0, 0.05), "current": (504.0, 0.1, "current 100 / 800 ms")},
                          on_pick=lambda lo, hi: picked.append((lo, hi)))
    cloud, front, balanced, current = fig.data
    assert list(cloud.x) == [504.0, 700.0, 900.0] and list(cloud.y) == [0.1, 0.05, 0.0]
    assert [setting_at(fig, 0, i) for i in range(3)] == [(100, 800), (200, 900), (400, 1200)]
    assert (balanced.name, balanced.x, current.name) == ("Balanced", (700.0,), "current 100 / 800 ms")
    # the click message of plotly's page half: a point of trace 1 (the frontier), index 2
    fig._js2py_pointsCallback = {"event_type": "plotly_click", "points": {
        "trace_indexes": [1], "point_indexes": [2], "xs": [900.0], "ys": [0.0]}}
    assert picked == [(400, 1200)]
    update_tradeoff(fig, marks={"Balanced": (float("nan"), 0.05), "current": (900.0, 0.0, "current 400 / 1200 ms")})
    assert balanced.visible is False
    assert (current.x, current.y, current.name) == ((900.0,), (0.0,), "current 400 / 1200 ms")


def test_templates_follow_the_page():
    assert (chart_template(True), chart_template(False)) == ("plotly_white", "plotly_dark")
    fig = pause_ecdf_figure(PAUSES, light=False)
    assert fig.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"


def test_the_pause_axis_reads_in_ms_and_seconds():
    from turntune_nb.notebook.charts import pause_ecdf_figure

    fig = pause_ecdf_figure(pd.DataFrame({"pause_ms": [150, 300, 800, 1200]}), 500, 1000)
    ticks = dict(zip(fig.layout.xaxis.tickvals, fig.layout.xaxis.ticktext))
    # 1-2-5 steps; never plotly's own log labels ("2 3 4 ... 9 1000 2")
    assert [ticks[v] for v in (100, 200, 500, 1000, 2000, 5000, 10000)] == [
        "100 ms", "200 ms", "500 ms", "1 s", "2 s", "5 s", "10 s"]
    assert fig.layout.xaxis.type == "log"


def test_the_trade_off_legend_sits_below_the_plot():
    from turntune_nb.notebook.charts import tradeoff_figure

    sweep = pd.DataFrame({"min_turn_silence": [100, 200], "max_turn_silence": [900, 900],
                          "latency_mean_ms": [500.0, 700.0], "cutoff_rate": [0.2, 0.1]})
    legend = tradeoff_figure(sweep, marks={"Balanced": (600.0, 0.15)}).layout.legend
    # y < 0 in paper coordinates: under the x axis, outside the area where the dots are drawn
    assert legend.orientation == "h" and legend.y < 0 and legend.yanchor == "top"
