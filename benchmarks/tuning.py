"""Benchmark: the endpointing simulator against a per-pause Python loop.

One setting over 100,000 pauses (target: well under 50 ms, and at least 50x the
loop), and the full 50 x 50 (min, max) grid. The loop is the plain reading of the
rules (the same one `tests/test_tuning.py` checks the simulator against); for the
grid it is timed on a sample of settings and scaled, since running it over the
whole grid would take minutes. Prints figures; asserts nothing about time.

Run: ``.venv/bin/python benchmarks/tuning.py``
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from turntune_nb import columns as C
from turntune_nb.analysis.metrics import BOOTSTRAP_REPLICATES, bootstrap_ratio_interval
from turntune_nb.analysis.simulate import MAX_GRID_MS, MIN_GRID_MS, Simulator

N_PAUSES = 100_000
N_FILES = 100
TURNS_PER_FILE = 200


def synthetic_tables(seed: int = 0):
    """100,000 pauses (log-normal, median ~350 ms) in 20,000 turns over 100 files."""
    rng = np.random.default_rng(seed)
    n_te = N_FILES * TURNS_PER_FILE
    files = [f"call{i:03d}" for i in range(N_FILES)]
    te_file = np.repeat(np.arange(N_FILES), TURNS_PER_FILE)
    te_spk = np.tile(np.array(["A", "B"]), n_te // 2)
    te_end = np.tile(np.arange(1, TURNS_PER_FILE + 1) * 20_000, N_FILES)
    turn_ends = pd.DataFrame({
        C.FILE: pd.Categorical.from_codes(te_file, categories=files),
        C.SPEAKER: te_spk, C.UTTERANCE: np.arange(n_te), C.END_MS: te_end, C.LAST_WORD: "w",
        C.TERMINAL: pd.array(rng.random(n_te) < 0.7, dtype="boolean"), C.NEXT_SPEAKER: "B",
        C.SILENCE_AFTER_MS: np.where(rng.random(n_te) < 0.05, np.nan, rng.normal(200, 400, n_te).round()),
        C.LEVEL: C.WORD_LEVEL,
    })
    turn = rng.integers(0, n_te, N_PAUSES)
    pause = np.maximum(1, rng.lognormal(np.log(350), 0.8, N_PAUSES).astype(np.int64))
    end = te_end[turn] - rng.integers(1, 15_000, N_PAUSES)
    pauses = pd.DataFrame({
        C.FILE: pd.Categorical.from_codes(te_file[turn], categories=files),
        C.SPEAKER: te_spk[turn], C.UTTERANCE: turn, C.START_MS: end - pause, C.END_MS: end,
        C.PAUSE_MS: pause, C.WORD_BEFORE: "w", C.TERMINAL: pd.array(rng.random(N_PAUSES) < 0.2, dtype="boolean"),
        C.LEVEL: C.WORD_LEVEL,
    })
    return pauses, turn_ends, turn


def loop_evaluate(p_ms, p_term, p_turn, p_file, te_term, te_sil, te_file, lo, hi, nfiles):
    """The rules read one pause and one turn end at a time (universal-3-6-pro, word timings)."""
    holds = [0] * nfiles
    cuts = [0] * nfiles
    cut_turns = set()
    for p, term, turn, f in zip(p_ms, p_term, p_turn, p_file):
        if p < 100:
            continue
        holds[f] += 1
        if p >= hi or (term and p >= lo):
            cuts[f] += 1
            cut_turns.add(turn)
    lat = [[] for _ in range(nfiles)]
    inter = [0] * nfiles
    for term, s, f in zip(te_term, te_sil, te_file):
        d = lo if term else hi
        lat[f].append(d)
        if s == s and s < d:
            inter[f] += 1
    return sum(cuts) / max(sum(holds), 1), len(cut_turns), float(np.mean([d for x in lat for d in x])), sum(inter)


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    pauses, turn_ends, turn = synthetic_tables()
    t0 = time.perf_counter()
    sim = Simulator(pauses, turn_ends)
    build = time.perf_counter() - t0
    print(f"tables: {len(pauses):,} pauses ({sim.holds:,} holds >= 100 ms), {sim.turn_ends:,} turn ends, "
          f"{len(sim.files)} files")
    print(f"Simulator built once in {build * 1000:.1f} ms")

    # plain Python lists for the loop, prepared outside the timing (its fairest form)
    args = (pauses[C.PAUSE_MS].tolist(), pauses[C.TERMINAL].to_numpy(bool).tolist(), turn.tolist(),
            pauses[C.FILE].cat.codes.tolist(), turn_ends[C.TERMINAL].to_numpy(bool).tolist(),
            turn_ends[C.SILENCE_AFTER_MS].tolist(), turn_ends[C.FILE].cat.codes.tolist())

    # --- one setting (the loop knows no turn cap: the service's longest, 600 s, caps none of these turns)
    lo, hi = 300, 1200
    NOCAP = {"max_turn_duration": 600_000}
    m = sim.evaluate((lo, hi), **NOCAP)
    ref = loop_evaluate(*args, lo, hi, len(sim.files))
    assert abs(m.cutoff_rate - ref[0]) < 1e-12 and m.turns_cut == ref[1] and m.interrupted == ref[3]
    assert abs(m.latency_mean_ms - ref[2]) < 1e-9
    t_sim = best_of(lambda: sim.evaluate((lo, hi), **NOCAP), 200)
    t_sim_pf = best_of(lambda: sim.evaluate((lo, hi), **NOCAP).per_file, 50)
    t_loop = best_of(lambda: loop_evaluate(*args, lo, hi, len(sim.files)), 5)
    print("\none setting (universal-3-6-pro, min 300 / max 1200 ms):")
    print(f"  simulator, overall               {t_sim * 1000:8.3f} ms   ({t_loop / t_sim:6.1f}x)")
    print(f"  simulator, overall + per-file DF {t_sim_pf * 1000:8.3f} ms   ({t_loop / t_sim_pf:6.1f}x)")
    print(f"  loop (overall + per file)        {t_loop * 1000:8.3f} ms")

    # --- the 50 x 50 grid
    t_grid = best_of(lambda: sim.sweep("universal-3-6-pro", mins=MIN_GRID_MS, maxs=MAX_GRID_MS, **NOCAP), 5)
    sweep = sim.sweep("universal-3-6-pro", mins=MIN_GRID_MS, maxs=MAX_GRID_MS, **NOCAP)
    sample = sweep.sample(20, random_state=0)
    t0 = time.perf_counter()
    for r in sample.itertuples():
        got = loop_evaluate(*args, r.min_turn_silence, r.max_turn_silence, len(sim.files))
        assert abs(got[0] - r.cutoff_rate) < 1e-12 and got[1] == r.turns_cut
    t_loop_grid = (time.perf_counter() - t0) / len(sample) * len(sweep)
    print(f"\n50 x 50 grid ({len(MIN_GRID_MS)} min x {len(MAX_GRID_MS)} max values, "
          f"{len(sweep):,} settings with min <= max), overall:")
    print(f"  simulator  {t_grid * 1000:8.3f} ms")
    print(f"  loop       {t_loop_grid * 1000:8.0f} ms (timed on {len(sample)} settings, scaled)")
    print(f"  speed-up   {t_loop_grid / t_grid:8.0f}x")
    t_sil = best_of(lambda: sim.sweep("silence"), 5)
    print(f"\nsilence-only sweep over 501 thresholds: {t_sil * 1000:.3f} ms")

    # --- the bootstrap over recordings (the reported interval)
    print(f"\nbootstrap over recordings ({BOOTSTRAP_REPLICATES} resamples, seeded):")
    m = sim.evaluate((lo, hi))
    m.per_file  # noqa: B018 - the per-file table is timed above; here the interval alone
    t_ci = best_of(lambda: m.cutoff_ci(), 50)
    t_ci_lat = best_of(lambda: m.latency_ci(), 50)
    t_slider = best_of(lambda: sim.evaluate((lo, hi)).cutoff_ci(), 20)
    print(f"  cutoff_ci on {len(sim.files)} files             {t_ci * 1000:8.3f} ms")
    print(f"  latency_ci on {len(sim.files)} files            {t_ci_lat * 1000:8.3f} ms")
    print(f"  evaluate + per-file + cutoff_ci (slider) {t_slider * 1000:8.3f} ms")
    rng = np.random.default_rng(1)

    def loop_bootstrap(cuts, holds, n_boot):
        """The plain reading: draw files one resample at a time."""
        out = []
        for _ in range(n_boot):
            idx = rng.integers(0, len(cuts), len(cuts))
            out.append(cuts[idx].sum() / holds[idx].sum())
        return np.quantile(out, [0.025, 0.975])

    for n in (1_000, 10_000):
        cuts = rng.integers(0, 50, n).astype(float)
        holds = cuts + rng.integers(50, 500, n)
        t_b = best_of(lambda cuts=cuts, holds=holds: bootstrap_ratio_interval(cuts, holds), 3)
        t_l = best_of(lambda cuts=cuts, holds=holds: loop_bootstrap(cuts, holds, BOOTSTRAP_REPLICATES), 1)
        print(f"  {n:>6,} files: vectorised {t_b * 1000:8.1f} ms, one resample at a time {t_l * 1000:8.1f} ms "
              f"({t_l / t_b:5.1f}x)")


if __name__ == "__main__":
    main()
