"""The tuner's figures without a panel: the marks, the sweeps per side and what each
update draws, worked out by hand on tests/notebook/tuner_recording.py's recording.

The presets under universal-3-6-pro (holds 150, 800 after "yes.", 300, 1200; turn ends after
"right." and "okay." terminal, after "then" and "but" not):

- Aggressive 160 / 400: 800 (terminal, >= 160) and 1200 (>= 400) cut: 2 of 4; turn ends
  at 160, 400, 160, 400: mean 280 ms.
- Balanced 400 / 1280: only 800 cuts: 1 of 4; mean (400 + 1280 + 400 + 1280) / 4 = 840 ms.
- Conservative 800 / 3600: only 800 cuts: 1 of 4; mean 2200 ms.
"""

from types import SimpleNamespace

import pandas as pd
import pytest

from tests.notebook.tuner_recording import two_speaker_call
from turntune_nb.analysis.simulate import Simulator
from turntune_nb.notebook.tuner_figures import TunerFigures

PRESET_MARKS = {"Aggressive": (280.0, 0.5), "Balanced": (840.0, 0.25), "Conservative": (2200.0, 0.25)}


@pytest.fixture(scope="module")
def result():
    return two_speaker_call()


def figures_for(result, **kwargs) -> TunerFigures:
    return TunerFigures(Simulator.from_result(result), result.pauses, **kwargs)


def current(latency, rate):
    return SimpleNamespace(latency_mean_ms=latency, cutoff_rate=rate)


def test_marks_are_the_presets_the_recommendation_for_this_model_and_the_current_setting(result):
    figures = figures_for(result)
    marks = figures.marks("universal-3-6-pro", current(750.0, 0.5), None, "current 500 / 1000 ms")
    assert marks == {**PRESET_MARKS, "recommended": (None, None), "current": (750.0, 0.5, "current 500 / 1000 ms")}
    rec = SimpleNamespace(model="universal-3-6-pro", metrics=current(1075.0, 0.0))
    assert figures.marks("universal-3-6-pro", None, rec)["recommended"] == (1075.0, 0.0)
    # a recommendation for another model is not drawn on this model's curve
    assert figures.marks("silence", None, rec)["recommended"] == (None, None)


def test_a_side_starts_the_sweeps_over(result):
    figures = figures_for(result)
    figures.widget("universal-3-6-pro", 500, 1000, figures.marks("universal-3-6-pro", current(750.0, 0.5), None))
    everyone = list(figures.tradeoff_figure.data[0].x)
    figures.use(figures.simulator.for_speakers(speakers=["A"]))
    # A's holds 150 and 800 (terminal), A's two turn ends terminal: each preset's min is its latency,
    # and only the 800 ms hold cuts (>= 160, 400, 800): 1 of 2
    marks = figures.marks("universal-3-6-pro", current(500.0, 0.5), None)
    assert {k: marks[k] for k in PRESET_MARKS} == {"Aggressive": (160.0, 0.5), "Balanced": (400.0, 0.5),
                                                   "Conservative": (800.0, 0.5)}
    assert figures.eot_table("universal-3-6-pro")["name"].iloc[0] == "speaker A: universal-3-6-pro"
    figures.show("universal-3-6-pro", 500, 1000, marks)
    assert list(figures.tradeoff_figure.data[0].x) != everyone  # the side's sweep drawn, not the old one


def test_show_moves_the_lines_and_marks_and_counts_the_updates(result):
    figures = figures_for(result)
    figures.widget("universal-3-6-pro", 400, 1280, figures.marks("universal-3-6-pro", current(840.0, 0.25), None))
    assert figures.renders == 0
    figures.show("universal-3-6-pro", 500, 1000, figures.marks("universal-3-6-pro", current(750.0, 0.5), None, "current 500 ms"))
    assert figures.renders == 1
    ecdf = figures.ecdf_figure.data
    # holds 150, 300, 800, 1200: at or beyond 500, 2 of 4; beyond 1000, 1 of 4
    assert [t.name for t in ecdf[1:]] == ["min_turn_silence 500 ms: 50% of pauses as long",
                                         "max_turn_silence 1000 ms: 25% of pauses as long"]
    now = figures.tradeoff_figure.data[-1]
    assert (now.name, now.x, now.y) == ("current 500 ms", (750.0,), (0.5,))
    figures.show("silence", 500, 1000, figures.marks("silence", current(1000.0, 0.25), None))
    assert ecdf[1].visible is False and ecdf[2].x == (1000, 1000)  # one threshold: no min line


def test_without_pauses_only_the_trade_off_is_drawn(result):
    figures = TunerFigures(Simulator.from_result(result), pd.DataFrame({"pause_ms": []}))
    box = figures.widget("universal-3-6-pro", 400, 1280, figures.marks("universal-3-6-pro", None, None))
    assert figures.ecdf_figure is None and list(figures.grid.children) == [figures.tradeoff_figure]
    assert list(box.children) == [figures.grid, figures.html]  # the images stand by below (the fallback)
    assert "turntune-charts" in figures.grid._dom_classes


def test_images_are_drawn_as_svg_with_the_setting_in_their_attributes(result):
    figures = figures_for(result, charts="image")
    assert figures.widget("universal-3-6-pro", 600, 1280, {}) is figures.html and figures.tradeoff_figure is None
    figures.show("universal-3-6-pro", 600, 1280, figures.marks("universal-3-6-pro", current(940.0, 0.25), None))
    text = figures.html.value
    assert text.startswith("<div class='turntune-figures' data-render='1' data-min='600' data-max='1280'")
    # the ECDF's legend: 800 and 1200 of the four holds are >= 600 ms, 0 beyond 1280
    assert "min_turn_silence 600 ms: 50% of pauses as long" in text
    assert "max_turn_silence 1280 ms: 0% of pauses as long" in text
    assert ">current<" in text and ">recommended<" not in text  # the hidden mark is left out
    figures.show("silence", 600, 1280, figures.marks("silence", current(1280.0, 0.0), None))
    assert "data-render='2'" in figures.html.value and "min_turn_silence 600 ms" not in figures.html.value


def test_the_charts_follow_the_page(result):
    figures = figures_for(result)
    figures.widget("universal-3-6-pro", 400, 1280, figures.marks("universal-3-6-pro", None, None), light=True)
    figures.fit({"turntune-ecdf": 568, "turntune-tradeoff": 420})
    assert (figures.ecdf_figure.layout.width, figures.tradeoff_figure.layout.width) == (568, 420)
    figures.fit({"turntune-ecdf": 0})  # a cell not laid out yet: left as it is
    assert figures.ecdf_figure.layout.width == 568
    # plotly's dark template paints the paper rgb(17,17,17), the white one white
    figures.set_theme(False)
    assert figures.ecdf_figure.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"
    figures.set_theme(None)  # the page has not said: unchanged
    assert figures.tradeoff_figure.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"


def test_the_charts_kind_is_checked(result):
    with pytest.raises(ValueError, match="charts='svg'"):
        figures_for(result, charts="svg")
