"""Tests of the endpointing metrics: the Wilson interval worked by hand."""

from __future__ import annotations

import pytest

from turntune_nb.analysis.metrics import wilson_interval


def test_wilson_interval_by_hand():
    # k=0, n=10, z=1.96: centre = (0 + 0.19208)/1.38416 = 0.13877 = half
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
