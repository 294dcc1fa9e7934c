"""The agent plots: what they draw, counted from the data."""

import pandas as pd
from matplotlib.figure import Figure

from turntune_nb.notebook.agent_plots import plot_barge_in_stops, plot_response_gaps


def _ax():
    return Figure().subplots()


def test_response_gaps_split_cut_ins_and_mark_the_median():
    # gaps -300, -100 (cut-ins), 200, 400, 900: median 200
    ax = plot_response_gaps(pd.DataFrame({"gap_ms": [-300, -100, 200, 400, 900]}), ax=_ax())
    heights = {c.get_label(): sum(p.get_height() for p in c.patches) for c in ax.containers}
    assert heights == {"cut-in (started before the user ended)": 2, "after the user ended": 3}
    assert "median 200 ms" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "5 responses" in ax.get_title()


def test_barge_in_stops_mark_the_yield_window():
    # stops 500, 1500, 2500: 2 of 3 within 2000 ms -> 67 %
    ax = plot_barge_in_stops(pd.DataFrame({"stop_ms": [500, 1500, 2500]}), yield_within_ms=2000, ax=_ax())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["yield window 2,000 ms: 67% yielded"]
    empty = plot_barge_in_stops(pd.DataFrame({"stop_ms": []}), ax=_ax())
    assert "0 barge-ins" in empty.get_title() and empty.get_legend() is None
