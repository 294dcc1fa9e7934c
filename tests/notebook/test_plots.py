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
    orange = matplotlib.colors.to_rgb("#DD8452")
    overlap_bars = [p for p in ax.patches if p.get_height() > 0 and p.get_facecolor()[:3] == orange]
    assert overlap_bars and all(p.get_x() + p.get_width() <= 0 for p in overlap_bars)


def test_pause_ecdf_annotates_shares_beyond_thresholds():
    pauses = pd.DataFrame({C.PAUSE_MS: [50, 120, 300, 450, 900, 1500]})
    ax = plot_pause_ecdf(pauses, 400, 1000)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # of the 5 pauses >= 100 ms: 3 are >= 400 ms, 1 is >= 1000 ms
    assert labels == ["min_turn_silence 400 ms: 60% of pauses as long",
                      "max_turn_silence 1000 ms: 20% of pauses as long"]
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


# --------------------------------------------------------------------------- axes, boxes, themes
def svg_ticks(svg, axis):
    """The tick labels of one axis in an SVG, parsed as XML (each label's text pieces joined by '|')."""
    import re
    import xml.etree.ElementTree as ET

    out = []
    for group in ET.fromstring(svg).iter():
        if group.tag.rsplit("}", 1)[-1] == "g" and re.search(rf"{axis}tick_\d+$", group.get("id", "")):
            pieces = [t.strip() for t in group.itertext() if t.strip()]
            if pieces:
                out.append("|".join(pieces))
    return out


def test_pause_ecdf_log_axis_reads_in_plain_milliseconds():
    from turntune_nb.notebook.plots import figure_svg

    # 120 .. 12,000 ms: matplotlib's log margins (5% of the 2 decades each side) give about 95 .. 15,100 ms,
    # so the 1-2-5 ticks are 100 .. 10,000; never 10^2 or 3x10^2
    pauses = pd.DataFrame({C.PAUSE_MS: [120, 250, 400, 800, 1500, 3000, 12000]})
    svg = figure_svg(lambda ax: plot_pause_ecdf(pauses, 400, 1000, ax=ax))
    assert svg_ticks(svg, "x") == ["100", "200", "500", "1,000", "2,000", "5,000", "10,000"]
    assert svg_ticks(svg, "y") == ["0%", "20%", "40%", "60%", "80%", "100%"]


def test_offsets_and_tradeoff_axes_are_plain_numbers():
    from turntune_nb.notebook.plots import figure_svg

    rows = pd.DataFrame({C.FILE: ["f"] * 3, C.KIND: [C.GAP, C.GAP, C.OVERLAP], C.OFFSET_MS: [200, 1200, -300]})
    svg = figure_svg(lambda ax: plot_offsets(rows, ax=ax))
    # the default range -2,000 .. 3,000 ms in steps of 1,000, the minus sign typeset
    assert svg_ticks(svg, "x") == ["\N{MINUS SIGN}2,000", "\N{MINUS SIGN}1,000", "0", "1,000", "2,000", "3,000"]
    sweep = pd.DataFrame({"latency_mean_ms": [10_000, 30_000, 50_000], "cutoff_rate": [0.5, 0.2, 0.05]})
    svg = figure_svg(lambda ax: plot_tradeoff(sweep, ax=ax))
    assert all("e+" not in t and "1e4" not in t and "|" not in t for t in svg_ticks(svg, "x"))
    assert "50,000" in svg_ticks(svg, "x") and svg_ticks(svg, "y")[-1].endswith("%")


def box_lines(ax):
    """The lines a box plot drew: everything but the reference line at 0 and seaborn's empty legend proxies."""
    return [line for line in ax.lines if len(line.get_xdata()) and list(line.get_xdata()) != [0, 0]]


def test_per_file_shows_points_not_boxes_below_eight_values():
    two = pd.DataFrame({C.FILE: ["a", "a"], C.KIND: [C.GAP, C.OVERLAP], C.OFFSET_MS: [300, -200]})
    ax = plot_per_file(two)
    assert box_lines(ax) == []  # no box of 2 points
    assert sum(len(c.get_offsets()) for c in ax.collections) == 2  # the two points, drawn
    plt.close("all")
    # b has 8 values: a box (its median line at the median of 100..800 = 450); a keeps only its 2 points
    eight = pd.DataFrame({C.FILE: ["b"] * 8, C.KIND: [C.GAP] * 8, C.OFFSET_MS: list(range(100, 801, 100))})
    ax = plot_per_file(pd.concat([two, eight], ignore_index=True))
    lines = box_lines(ax)
    assert lines
    # categories at y = 0 (a) and 1 (b): every box line lies on b's row
    assert all(0.5 < min(line.get_ydata()) and max(line.get_ydata()) < 1.5 for line in lines)
    assert any(list(line.get_xdata()) == [450, 450] for line in lines)


def test_themes_set_the_ink_and_leave_the_background_transparent():
    from matplotlib.colors import to_hex, to_rgba

    from turntune_nb.errors import ConfigError
    from turntune_nb.notebook.plots import CSS_INK, render_figure

    rows = pd.DataFrame({C.FILE: ["f"] * 2, C.KIND: [C.GAP, C.OVERLAP], C.OFFSET_MS: [200, -300]})
    for theme, ink in (("light", "#262626"), ("dark", "#e0e0e0"), ("auto", "#707070")):
        ax = plot_offsets(rows, ax=plt.figure().subplots(), theme=theme)
        assert to_hex(ax.title.get_color()) == ink and to_hex(ax.xaxis.label.get_color()) == ink
        assert {to_hex(t.get_color()) for t in ax.get_xticklabels()} == {ink}
        assert to_rgba(ax.figure.patch.get_facecolor())[3] == 0 and to_rgba(ax.get_facecolor())[3] == 0
    # in a notebook: IPython's inline display saves with the figure's face colour: a transparent PNG
    from io import BytesIO

    from IPython.core.pylabtools import print_figure
    from PIL import Image

    assert Image.open(BytesIO(print_figure(ax.figure, "png"))).getpixel((1, 1))[3] == 0
    with pytest.raises(ConfigError, match="theme must be one of auto, light, dark, css"):
        plot_offsets(rows, theme="sepia")
    # css: the SVG names the page's colour; no sentinel left, no opaque background
    svg = render_figure(lambda ax: plot_offsets(rows, ax=ax), "svg").decode()
    assert "currentColor" in svg and CSS_INK not in svg and "#ffffff" not in svg
    # a PNG is drawn at twice 100 dpi: sharp on high-resolution screens, transparent
    image = Image.open(BytesIO(render_figure(lambda ax: plot_offsets(rows, ax=ax), "png", 8.0, 4.2)))
    assert image.size == (1600, 840) and image.mode == "RGBA" and image.getpixel((2, 2))[3] == 0


def test_auto_figures_are_not_tagged_for_a_dark_background():
    """matplotlib-inline tags a transparent PNG by its tick labels' luminance (BT.601, cut 0.5):
    #707070 -> 0.299*0.439 + 0.587*0.439 + 0.114*0.439 = 0.439 < 0.5 -> "light" (shown as drawn on a
    white page); the old #808080 gave 0.502 -> "dark", a dark block in JupyterLab's light theme."""
    from matplotlib_inline.backend_inline import _fetch_figure_metadata

    rows = pd.DataFrame({C.FILE: ["f"] * 2, C.KIND: [C.GAP, C.OVERLAP], C.OFFSET_MS: [200, -300]})
    pauses = pd.DataFrame({C.PAUSE_MS: [150, 300, 800, 1200]})
    for draw in (lambda ax: plot_offsets(rows, ax=ax), lambda ax: plot_pause_ecdf(pauses, 400, 1000, ax=ax),
                 lambda ax: plot_per_file(rows, ax=ax)):
        ax = draw(plt.figure().subplots())
        assert _fetch_figure_metadata(ax.figure) == {"needs_background": "light"}
    # the dark theme's ink is light: tagged for a dark panel, as it should be
    ax = plot_offsets(rows, ax=plt.figure().subplots(), theme="dark")
    assert _fetch_figure_metadata(ax.figure) == {"needs_background": "dark"}
