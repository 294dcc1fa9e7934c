"""Tests of `RecommendOptions`: each value checked once, with a message that says what to do."""

from __future__ import annotations

import pytest

from turntune_nb.analysis.recommend_options import RecommendOptions


@pytest.mark.parametrize("fields, message", [
    ({"target_cutoff": 1.5}, r"target_cutoff must lie in 0\.\.1 \(a share, 0\.05 = 5 %\), got 1\.5"),
    ({"target_cutoff": "5%"}, "target_cutoff must lie in 0..1"),
    ({"confidence": 1.0}, r"confidence must lie between 0 and 1 \(0\.95 = 95 %\), got 1\.0"),
    ({"model": "gpt"}, "unknown model 'gpt': use one of universal-3-6-pro, universal-3-5-pro, universal-streaming"),
    ({"model": "silence", "mode": "balanced"}, "mode and speaker_labels name a U3 Pro preset: they do not apply"),
    ({"mode": "fast"}, "mode must be one of min_latency, balanced, max_accuracy, got 'fast'"),
    ({"thresholds": []}, r"thresholds must be whole milliseconds in 0\.\.10000, and not empty"),
    ({"maxs": [500, 20_000]}, r"maxs must be whole milliseconds in 0\.\.10000"),
    ({"mins": [12.5]}, "mins must be whole milliseconds"),
    ({"grid_max_ms": 50}, r"grid_max_ms must lie in 100\.\.10000 ms"),
    ({"guide": "balanced"}, "guide must be a StreamingConfig"),
])
def test_options_say_what_is_wrong(fields, message):
    from turntune_nb.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        RecommendOptions(**fields)


def test_options_keep_grids_and_sides_as_tuples_and_the_model_by_its_name():
    import numpy as np

    o = RecommendOptions(model="VAD", mins=np.array([0, 50]), thresholds=[300.0, 500], speakers="A", channels=1)
    assert (o.model, o.mins, o.thresholds, o.speakers, o.channels) == ("silence", (0, 50), (300, 500), ("A",), (1,))
    assert o.explicit_grid and not RecommendOptions(grid_max_ms=10_000).explicit_grid
    assert RecommendOptions(target_cutoff=np.float32(0.25)).target_cutoff == 0.25


@pytest.mark.parametrize("holds", ["own", "floor"])
def test_holds_take_own_or_floor_and_nothing_else(holds):
    from turntune_nb.errors import ConfigError

    assert RecommendOptions(holds=holds).holds == holds
    assert RecommendOptions().holds == "own"
    with pytest.raises(ConfigError, match="holds must be 'own'"):
        RecommendOptions(holds="mine")


def test_the_recommendation_module_re_exports_the_same_class():
    from turntune_nb.analysis import recommend

    assert recommend.RecommendOptions is RecommendOptions
