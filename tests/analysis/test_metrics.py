"""Tests of the endpointing metrics: the Wilson interval worked by hand."""

from __future__ import annotations

import pytest

from turntune_nb.analysis.metrics import wilson_interval


def test_wilson_interval_by_hand():
    # k=0, n=10, z=1.96: centre = (0 + 0.19208)/1.38416 = 0.13877 = half
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)


# z = 1.959963985 (two-sided 95 %), z^2 = 3.841459. Wilson:
#   centre = (p + z^2 / 2n) / (1 + z^2 / n)
#   half   = z * sqrt(p (1 - p) / n + z^2 / 4n^2) / (1 + z^2 / n)
@pytest.mark.parametrize("k, n, lo, hi", [
    # p = 0.05; z^2/n = 0.038415, denominator 1.038415
    # centre = (0.05 + 0.019207) / 1.038415 = 0.066647
    # half = 1.959964 * sqrt(0.000475 + 0.0000960365) / 1.038415 = 1.959964 * 0.023896 / 1.038415 = 0.045103
    (5, 100, 0.066647 - 0.045103, 0.066647 + 0.045103),  # 0.021544, 0.111750
    # p = 0.3; z^2/n = 0.384146, denominator 1.384146
    # centre = (0.3 + 0.192073) / 1.384146 = 0.355507
    # half = 1.959964 * sqrt(0.021 + 0.0096036) / 1.384146 = 1.959964 * 0.174939 / 1.384146 = 0.247715
    (3, 10, 0.355507 - 0.247715, 0.355507 + 0.247715),  # 0.107792, 0.603222
])
def test_wilson_interval_k_between_0_and_n_by_hand(k, n, lo, hi):
    got_lo, got_hi = wilson_interval(k, n)
    assert got_lo == pytest.approx(lo, abs=1e-4) and got_hi == pytest.approx(hi, abs=1e-4)


def test_wilson_interval_k_equals_n_by_hand():
    # p = 1: the p(1 - p) term vanishes, half = z * z/2n / (1 + z^2/n), so
    # centre - half = (1 + z^2/2n - z^2/2n) / (1 + z^2/n) = 1 / (1 + z^2/n);
    # n = 10: 1 / 1.384146 = 0.722467. The upper bound is 1 exactly.
    lo, hi = wilson_interval(10, 10)
    assert lo == pytest.approx(0.722467, abs=1e-4) and hi == 1.0
    # n = 100: 1 / (1 + 0.038415) = 0.963007
    lo, hi = wilson_interval(100, 100)
    assert lo == pytest.approx(0.963007, abs=1e-4) and hi == 1.0
