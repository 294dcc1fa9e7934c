import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from turntune_nb import columns as C
from turntune_nb.analysis.readers import read_rttm
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.notebook.plots import plot_offsets, plot_pause_ecdf, plot_per_file, plot_tradeoff, share_beyond


@pytest.fixture
def result(sample_rttm):
    return analyze_transcripts(read_rttm(sample_rttm))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_offsets_histogram_counts_every_speaker_change(result):
    ax = plot_offsets(result.transitions)
    # sample: 3 gaps + 5 overlaps; the contained segment is not a speaker change
    heights = sum(p.get_height() for p in ax.patches)
    assert heights == 8
    assert ax.get_title() == "Between-speaker offsets (8 changes, 62% overlap)"
    # overlaps drawn left of zero
    overlap_bars = [p for p in ax.patches if p.get_height() > 0 and p.get_facecolor()[:3] == matplotlib.colors.to_rgb("#DD8452")]
    assert overlap_bars and all(p.get_x() + p.get_width() <= 0 for p in overlap_bars)


def test_pause_ecdf_annotates_shares_beyond_thresholds():
    pauses = pd.DataFrame({C.PAUSE_MS: [50, 120, 300, 450, 900, 1500]})
    ax = plot_pause_ecdf(pauses, 400, 1000)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # of the 5 pauses >= 100 ms: 3 are >= 400 ms, 1 is >= 1000 ms
    assert labels == ["min_turn_silence 400 ms: 60% of pauses as long", "max_turn_silence 1000 ms: 20% of pauses as long"]
    assert ax.get_title() == "Pauses inside turns (5 of >= 100 ms)"
    assert share_beyond([100, 200, 300, 400], 300) == 0.5


def test_per_file_and_tradeoff(result):
    ax = plot_per_file(result.transitions)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["sample"]
    sweep = pd.DataFrame({"latency_mean_ms": [100, 500, 900], "cutoff_rate": [0.5, 0.2, 0.05]})
    ax = plot_tradeoff(sweep, frontier=sweep, marks={"Balanced": (1280, 0.1), "current": (500, 0.2)},
                       ax=plt.figure().subplots())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["settings", "Pareto frontier", "Balanced", "current"]
    xs = [tuple(c.get_offsets()[0]) for c in ax.collections[1:]]
    assert xs == [(1280, 0.1), (500, 0.2)]
