"""Tests of the endpointing metrics: the Wilson interval worked by hand."""

from __future__ import annotations

import math

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


# --------------------------------------------------------------------------- bootstrap over recordings
import numpy as np  # noqa: E402

from turntune_nb.analysis.metrics import bootstrap_ratio_interval  # noqa: E402


def test_bootstrap_two_files_by_hand():
    # files (cuts, holds) = (0, 10) and (10, 10). A resample draws 2 files with replacement:
    # both the first (p = 1/4) -> 0/20 = 0; one of each (p = 1/2) -> 10/20 = 0.5; both the second
    # (p = 1/4) -> 20/20 = 1. The 2.5 % and 97.5 % quantiles fall inside the two end masses: (0, 1).
    assert bootstrap_ratio_interval([0, 10], [10, 10]) == (0.0, 1.0)
    # 50 % interval: quantiles 25 % and 75 % sit at the edges of the middle mass (0.5), up to sampling
    lo, hi = bootstrap_ratio_interval([0, 10], [10, 10], confidence=0.5)
    assert 0.0 <= lo <= 0.5 <= hi <= 1.0


def test_bootstrap_without_spread_between_files_is_a_point():
    # every file cuts 2 of 8: any resample gives 2k / 8k = 0.25
    assert bootstrap_ratio_interval([2, 2, 2, 2], [8, 8, 8, 8]) == (0.25, 0.25)


def test_bootstrap_is_seeded_and_files_without_holds_take_part():
    cuts, holds = np.arange(30) % 7, 10 + np.arange(30) % 5
    a = bootstrap_ratio_interval(cuts, holds)
    assert a == bootstrap_ratio_interval(cuts, holds)  # same seed, same interval
    assert a != bootstrap_ratio_interval(cuts, holds, seed=1)
    # a file with no holds is still drawn: it changes the resamples, so the interval
    assert bootstrap_ratio_interval(np.append(cuts, 0), np.append(holds, 0)) != a
    assert all(math.isnan(v) for v in bootstrap_ratio_interval([3, 0], [10, 0]))  # one file with holds


def test_bootstrap_of_a_large_corpus_in_blocks_matches_the_pooled_rate():
    # 5,000 files x 2,000 resamples is past the cached-matrix size: resamples come in blocks.
    # Every file cuts 1 of 4 or 3 of 4, half and half: pooled rate 0.5; the interval is centred on
    # it with half-width about 1.96 * sd(file rates) / sqrt(files) = 1.96 * 0.25 / 70.7 = 0.0069.
    n = 5000
    cuts = np.where(np.arange(n) % 2 == 0, 1, 3)
    lo, hi = bootstrap_ratio_interval(cuts, np.full(n, 4))
    assert lo < 0.5 < hi and (hi - lo) / 2 == pytest.approx(0.0069, abs=0.0012)


def _clustered_corpus(rng, n_files, holds_per_file, sd):
    """Per file a cut-off propensity p_f (Beta with mean 0.3 and standard deviation `sd`, or
    exactly 0.3 when sd == 0); each hold is cut (a 1500 ms pause) with probability p_f, else
    300 ms. Returns the pause and turn-end tables and the cuts per file."""
    from tests.analysis.endpointing_cases import tables

    if sd:
        total = 0.21 / sd ** 2 - 1  # Beta(a, b) with mean m: var = m (1 - m) / (a + b + 1)
        p = rng.beta(0.3 * total, 0.7 * total, n_files)
    else:
        p = np.full(n_files, 0.3)
    pauses, ends, cuts = [], [], []
    for f in range(n_files):
        cut = rng.random(holds_per_file) < p[f]
        cuts.append(int(cut.sum()))
        pauses += [(f"f{f:02d}", "A", 1000 * i, 1000 * i + (1500 if c else 300), False) for i, c in enumerate(cut)]
        ends.append((f"f{f:02d}", "A", 1000 * holds_per_file + 5000, True, 400))
    return tables(pauses, ends), np.array(cuts)


def _coverage(sd, trials=200, n_files=40, holds_per_file=50, seed=16):
    from turntune_nb.analysis.simulate import Simulator

    rng = np.random.default_rng(seed)
    boot = wilson = 0
    for _ in range(trials):
        (p, t), cuts = _clustered_corpus(rng, n_files, holds_per_file, sd)
        order = rng.permutation(n_files)
        half_a, half_b = order[: n_files // 2], order[n_files // 2:]
        names_a = {f"f{i:02d}" for i in half_a}
        sim = Simulator(p[p["file"].astype(str).isin(names_a)], t[t["file"].astype(str).isin(names_a)])
        m = sim.evaluate(1000, model="silence")
        other = cuts[half_b].sum() / (len(half_b) * holds_per_file)  # the held-out half's rate
        lo, hi = m.cutoff_ci()
        boot += lo <= other <= hi
        lo, hi = m.wilson_ci()
        wilson += lo <= other <= hi
    return boot / trials, wilson / trials


def test_bootstrap_covers_a_held_out_half_far_more_often_than_wilson_when_pauses_cluster():
    # Worked out beforehand. 40 files of 50 holds, file propensities with mean 0.3 and sd 0.15;
    # each half is 20 files, 1000 holds. The pooled rate of a half varies by
    #   V = sd^2 / 20 + E[p (1 - p)] / 1000 = 0.0225 / 20 + (0.21 - 0.0225) / 1000 = 0.0013125 (sd 0.0362),
    # so the held-out half differs from the tuned half by sd sqrt(2 V) = 0.0512.
    # Wilson's half-width is 1.96 sqrt(0.21 / 1000) = 0.0284: it covers the other half when
    # |Z| < 0.0284 / 0.0512 = 0.55, about 42 % of the time. The bootstrap over files estimates V
    # (times 19/20): half-width 1.96 * 0.0353 = 0.069, covering when |Z| < 1.35: about 82 %.
    boot, wilson = _coverage(sd=0.15)
    assert boot >= 0.70, boot
    assert wilson <= 0.55, wilson
    assert boot - wilson >= 0.25, (boot, wilson)


def test_without_clustering_bootstrap_and_wilson_agree():
    # Control: every file has p = 0.3, so holds are independent. Then V = 0.21 / 1000 for both
    # methods and both cover the other half when |Z| < 1.96 / sqrt(2) = 1.39: about 83 %.
    boot, wilson = _coverage(sd=0.0, trials=100)
    assert abs(boot - wilson) <= 0.1, (boot, wilson)
    assert 0.7 <= wilson <= 0.95 and 0.7 <= boot <= 0.95, (boot, wilson)


# --------------------------------------------------------------------------- outside review: the intervals' units
def test_the_latency_interval_resamples_each_files_mean_not_its_median():
    from tests.analysis.endpointing_cases import tables
    from turntune_nb.analysis.simulate import Simulator

    # u3-rt-pro at (400, 1000): a terminal turn end fires at 400 ms, any other at 1000 ms.
    # file a: two terminal, one not -> 400, 400, 1000: mean 600 (median 400)
    # file b: one terminal, two not -> 400, 1000, 1000: mean 800 (median 1000)
    # Three turn ends each, so a resample of two files has the pooled mean 600 (a, a: p = 1/4),
    # 700 (one of each: 1/2) or 800 (b, b: 1/4); 2.5 % and 97.5 % fall in the end masses: (600, 800).
    ends = [("a", "A", 1000 * i, term, None) for i, term in enumerate((True, True, False), 1)]
    ends += [("b", "A", 1000 * i, term, None) for i, term in enumerate((True, False, False), 1)]
    m = Simulator(*tables([], ends)).evaluate((400, 1000), model="u3-rt-pro")
    assert m.per_file["latency_mean_ms"].tolist() == [600.0, 800.0]
    assert m.latency_mean_ms == 700.0
    assert m.latency_ci() == (600.0, 800.0)


def test_the_eot_bench_interval_rests_on_the_200_to_5000_ms_holds_only():
    from tests.analysis.endpointing_cases import tables
    from turntune_nb.analysis.simulate import Simulator

    # silence-only at 250 ms. file a: holds of 150 ms (a hold, not eot-bench's) and 300 ms (eot-bench's,
    # fired inside: 300 > 250) -> 1 of 1. file b: 150 ms and 220 ms (eot-bench's, not fired inside) -> 0 of 1.
    # Resamples of two files: 1 (a, a), 1/2 (one of each), 0 (b, b) -> (0, 1). Over all holds it would
    # be 2/4, 1/4 and 0/4 -> (0, 0.5).
    p, t = tables([("a", "A", 0, 150, False), ("a", "A", 1000, 1300, False),
                   ("b", "A", 0, 150, False), ("b", "A", 1000, 1220, False)], [])
    m = Simulator(p, t).evaluate(250, model="silence")
    assert m.per_file[["holds", "eot_holds", "eot_cuts"]].values.tolist() == [[2, 1, 1], [2, 1, 0]]
    assert m.eot_cutoff_rate == 0.5
    assert m.eot_cutoff_ci() == (0.0, 1.0)
