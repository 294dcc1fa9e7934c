"""Panels without a browser: set widget values and click buttons from Python,
then check what the panel shows against the package's own computations."""

import re

import pytest

from turntune_nb.analysis.presets import PRESETS, load_config
from turntune_nb.analysis.readers import collect_transcripts
from turntune_nb.analysis.recommend import recommend_config
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.analysis.simulate import Simulator
from turntune_nb.notebook.tuner import ThresholdTuner, _ms, _pct


@pytest.fixture(scope="module")
def result():
    from tests.conftest import DATA, SAMPLES

    transcripts, _ = collect_transcripts([DATA / "assemblyai", SAMPLES / "real" / "sample.rttm"])
    return analyze_transcripts(transcripts)


def shown(tuner) -> dict:
    """The metric cells as the panel renders them."""
    return dict(re.findall(r'data-metric="(\w+)"[^>]*>([^<]*)<', tuner.metrics_html.value))


def expected(sim, lo, hi, model):
    m = sim.evaluate((lo, hi), model=model)
    return {"cutoff_rate": _pct(m.cutoff_rate), "turns_cut_share": _pct(m.turns_cut_share),
            "latency_mean_ms": _ms(m.latency_mean_ms), "latency_p50_ms": _ms(m.latency_p50_ms),
            "latency_p90_ms": _ms(m.latency_p90_ms), "interrupted": str(m.interrupted)}


def test_slider_moves_show_the_simulators_metrics(result):
    sim = Simulator.from_result(result)
    tuner = ThresholdTuner(result, debounce_s=30)
    for lo, hi in [(100, 1000), (600, 1000), (600, 2500), (1200, 2500)]:
        tuner.min_slider.value, tuner.max_slider.value = lo, hi
        cells = shown(tuner)
        for key, value in expected(sim, lo, hi, "u3-rt-pro").items():
            assert cells[key] == value, (lo, hi, key)
        assert tuner.config.name == "Custom" and (tuner.config.min_turn_silence, tuner.config.max_turn_silence) == (lo, hi)


def test_min_above_max_pushes_max(result):
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.max_slider.value = 500
    tuner.min_slider.value = 800
    assert (tuner.min_slider.value, tuner.max_slider.value) == (800, 800)
    tuner.max_slider.value = 300
    assert (tuner.min_slider.value, tuner.max_slider.value) == (300, 300)


def test_preset_buttons_and_recommendation(result):
    sim = Simulator.from_result(result)
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.preset_buttons["conservative"].click()
    assert (tuner.config.name, tuner.config.min_turn_silence, tuner.config.max_turn_silence) == ("Conservative", 800, 3600)
    cells = shown(tuner)
    for key, value in expected(sim, 800, 3600, "u3-rt-pro").items():
        assert cells[key] == value, key
    tuner.preset_buttons["aggressive"].click()  # min 160 < current max: order of moves matters
    assert (tuner.min_slider.value, tuner.max_slider.value) == (160, 400)
    tuner.target_slider.value = 0.10
    tuner.recommend_button.click()
    rec = recommend_config(sim, model="u3-rt-pro", target_cutoff=0.10)
    assert tuner.config.name == rec.config.name == "Data-driven"
    assert (tuner.min_slider.value, tuner.max_slider.value) == (rec.config.min_turn_silence, rec.config.max_turn_silence)
    assert "Recommended" in tuner.message.value and "10%" in tuner.message.value


def test_silence_model_uses_one_threshold(result):
    sim = Simulator.from_result(result)
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.model_select.value = "silence"
    assert tuner.min_slider.disabled
    tuner.max_slider.value = 700
    assert shown(tuner)["cutoff_rate"] == _pct(sim.evaluate(700, model="silence").cutoff_rate)
    assert "T = 700 ms" in tuner.title.value


def test_save_and_load_round_trip(tmp_path, result):
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.min_slider.value, tuner.max_slider.value = 250, 900
    path = tuner.save(tmp_path / "config.json")
    assert (load_config(path).min_turn_silence, load_config(path).max_turn_silence) == (250, 900)
    other = ThresholdTuner(result, config=PRESETS["balanced"], debounce_s=30)
    other.load(path)
    assert (other.min_slider.value, other.max_slider.value, other.config.name) == (250, 900, "Custom")


def test_figures_are_debounced_and_follow_the_last_move(result):
    tuner = ThresholdTuner(result, debounce_s=30)  # the timer never fires during the test
    before = tuner.renders
    for v in (200, 300, 400, 500, 600):
        tuner.min_slider.value = v
    assert tuner.renders == before  # metrics moved, figures not redrawn yet
    assert shown(tuner)["cutoff_rate"] == _pct(tuner.simulator.evaluate((600, tuner.max_slider.value)).cutoff_rate)
    tuner.flush()
    assert tuner.renders == before + 1
    assert "data-min='600'" in tuner.figures_html.value
    assert "min_turn_silence 600 ms" in tuner.figures_html.value  # the ECDF legend, as SVG text
