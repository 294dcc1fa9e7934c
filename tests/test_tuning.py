"""Tests of the endpointing simulator, the sweep, the frontier and the recommendation.

Small cases are worked out by hand in the comments; hypothesis checks the
invariants against a plain per-pause reference implementation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turntune_nb import columns as C
from turntune_nb.errors import ConfigError, InputError
from turntune_nb.presets import BALANCED, StreamingConfig, load_config
from turntune_nb.tuning import (
    Simulator,
    operating_points,
    pareto_frontier,
    recommend_config,
    wilson_interval,
)


def tables(pauses, turn_ends):
    """Pause rows (file, speaker, start, end, terminal) and turn-end rows
    (file, speaker, end, terminal, silence_after) as the gap math makes them."""
    files = sorted({r[0] for r in pauses} | {r[0] for r in turn_ends})

    def level(t):
        return C.SEGMENT_LEVEL if t is None else C.WORD_LEVEL

    p = pd.DataFrame({
        C.FILE: pd.Categorical([r[0] for r in pauses], categories=files),
        C.SPEAKER: [r[1] for r in pauses],
        C.UTTERANCE: 0,
        C.START_MS: [r[2] for r in pauses],
        C.END_MS: [r[3] for r in pauses],
        C.PAUSE_MS: [r[3] - r[2] for r in pauses],
        C.WORD_BEFORE: "w",
        C.TERMINAL: pd.array([r[4] for r in pauses], dtype="boolean"),
        C.LEVEL: [level(r[4]) for r in pauses],
    })
    t = pd.DataFrame({
        C.FILE: pd.Categorical([r[0] for r in turn_ends], categories=files),
        C.SPEAKER: [r[1] for r in turn_ends],
        C.UTTERANCE: 0,
        C.END_MS: [r[2] for r in turn_ends],
        C.LAST_WORD: "w",
        C.TERMINAL: pd.array([r[3] for r in turn_ends], dtype="boolean"),
        C.NEXT_SPEAKER: "B",
        C.SILENCE_AFTER_MS: np.array([np.nan if r[4] is None else r[4] for r in turn_ends], float),
        C.LEVEL: [level(r[3]) for r in turn_ends],
    })
    return p, t


# One speaker, three turns (ends at 2000, 5000, 9000).
#   pause  50 ms  (not a hold)          -> turn 1
#   pause 150 ms, word before "end."    -> turn 1
#   pause 300 ms, word before "and"     -> turn 2
#   pause 800 ms, word before "ok?"     -> turn 2
#   pause 1200 ms, word before "um"     -> turn 3
# Turn ends: "done." then 500 ms until B; "so" and B starts 200 ms *before* the end
# (overlap); "well" at the end of the file.
WORDS = tables(
    [("f", "A", 400, 450, False), ("f", "A", 800, 950, True), ("f", "A", 2500, 2800, False),
     ("f", "A", 3000, 3800, True), ("f", "A", 6000, 7200, False)],
    [("f", "A", 2000, True, 500), ("f", "A", 5000, False, -200), ("f", "A", 9000, False, None)],
)


@pytest.fixture
def sim():
    return Simulator(*WORDS)


# --------------------------------------------------------------------------- hand-worked rules
def test_u3_punctuation_rule(sim):
    m = sim.evaluate((200, 1000), model="u3-rt-pro")
    # holds 150T 300N 800T 1200N: 150 < 200; 300 < 1000; 800 >= 200 (terminal); 1200 >= 1000
    assert (m.holds, m.cuts, m.cutoff_rate) == (4, 2, 0.5)
    assert (m.cuts_low, m.bracket) == (2, False)
    # turns 2 and 3 are cut, turn 1 is not
    assert (m.turns, m.turns_cut) == (3, 2)
    assert m.turns_cut_share == pytest.approx(2 / 3)
    # delays: terminal 200, not terminal 1000, 1000 -> mean 733.3, p50 1000, p90 1000
    assert m.turn_ends == 3
    assert m.latency_mean_ms == pytest.approx(2200 / 3)
    assert (m.latency_p50_ms, m.latency_p90_ms) == (1000.0, 1000.0)
    # B answered 500 ms after "done." (endpoint at 200: not interrupted);
    # B started 200 ms before the end of "so": interrupted; the file end never is
    assert m.interrupted == 1
    # the interrupted turn end stays in latency at its full delay (1000 ms)
    assert m.latency_mean_ms_low == pytest.approx(2200 / 3)


def test_u3_low_min_cuts_at_terminal_pauses(sim):
    m = sim.evaluate((100, 1000), model="u3-rt-pro")
    # 150T >= 100 cuts now too: 3 of 4; turn 1 is cut as well
    assert (m.cuts, m.turns_cut) == (3, 3)
    # latency quantiles of [100, 1000, 1000]: p50 1000; mean 700
    assert m.latency_mean_ms == pytest.approx(700.0)


def test_silence_rule(sim):
    m = sim.evaluate(500, model="silence")
    # 800 and 1200 cut; every turn end detected after 500
    assert (m.cuts, m.cutoff_rate, m.turns_cut) == (2, 0.5, 2)
    assert (m.latency_mean_ms, m.latency_p50_ms, m.latency_p90_ms) == (500.0, 500.0, 500.0)
    # B after 500 ms: 500 < 500 is false, not interrupted; the overlap is
    assert m.interrupted == 1
    m = sim.evaluate(600, model="silence")
    assert m.interrupted == 2  # B now starts 100 ms before the endpoint would fire
    m = sim.evaluate(100, model="silence")
    assert (m.cuts, m.turns_cut) == (4, 3)


def test_silence_model_uses_max_of_a_pair(sim):
    assert sim.evaluate((100, 500), model="silence") == sim.evaluate(500, model="silence")


def test_universal_streaming_is_a_bracket(sim):
    m = sim.evaluate((200, 1000), model="universal-streaming")
    assert m.bracket and "bracket" in m.label
    # pessimistic: fires at 200 in every hold (300, 800, 1200 cut); optimistic: only 1200
    assert (m.cuts, m.cuts_low) == (3, 1)
    assert (m.cutoff_rate, m.cutoff_rate_low) == (0.75, 0.25)
    # latency: 1000 at every turn end (pessimistic), 200 (optimistic)
    assert (m.latency_mean_ms, m.latency_mean_ms_low) == (1000.0, 200.0)
    # interruptions: waiting 1000 ms lets B in at both speaker changes; 200 ms only at the overlap
    assert (m.interrupted, m.interrupted_low) == (2, 1)


def test_segment_level_sources_bracket_the_punctuation_rule():
    p, t = tables(
        [("r", "S1", 0, 300, None), ("r", "S1", 1000, 1900, None)],
        [("r", "S1", 3000, None, 100)],
    )
    s = Simulator(p, t)
    m = s.evaluate((200, 1000), model="u3-rt-pro")
    assert m.bracket and not s.has_words
    assert (m.cuts, m.cuts_low) == (2, 0)  # 300 and 900 >= 200; neither >= 1000
    assert (m.latency_mean_ms, m.latency_mean_ms_low) == (1000.0, 200.0)
    assert any("punctuation rule cannot be applied" in n and "r" in n for n in m.notes)
    ms = s.evaluate(500, model="silence")
    assert (ms.cuts, ms.latency_mean_ms, ms.interrupted, ms.bracket) == (1, 500.0, 1, False)
    assert ms.notes == ()


def test_per_file_adds_up():
    p, t = tables(
        [("a", "A", 0, 300, False), ("a", "A", 500, 1500, True), ("b", "X", 0, 700, None)],
        [("a", "A", 2000, True, 50), ("b", "X", 900, None, None), ("b", "Y", 1500, False, 300)],
    )
    m = Simulator(p, t).evaluate((400, 800))
    pf = m.per_file.set_index(C.FILE)
    assert pf.index.tolist() == ["a", "b"]
    # file a: 300N < 800 no, 1000T >= 400 yes; one turn end, terminal -> 400 ms, B after 50: interrupted
    assert pf.loc["a", ["holds", "cuts", "turn_ends", "interrupted"]].tolist() == [2, 1, 1, 1]
    assert pf.loc["a", "latency_mean_ms"] == 400.0
    # file b: 700 unknown -> cut at 400 (pessimistic), not at 800; X's end (unknown) 800, Y's (not terminal) 800
    assert pf.loc["b", ["holds", "cuts", "cuts_low", "turn_ends"]].tolist() == [1, 1, 0, 2]
    assert pf.loc["b", "latency_mean_ms"] == 800.0 and pf.loc["b", "latency_mean_ms_low"] == 600.0
    for col in ("holds", "cuts", "cuts_low", "turns", "turns_cut", "turn_ends", "interrupted", "interrupted_low"):
        assert pf[col].sum() == getattr(m, col)


def test_holds_after_the_last_turn_end_form_their_own_turn():
    p, t = tables([("f", "A", 100, 400, False), ("f", "B", 100, 400, False)], [("f", "A", 1000, False, None)])
    s = Simulator(p, t)
    assert s.n_turns == 2  # A's turn, and B's pause with no turn end of B after it
    assert s.evaluate(200, model="silence").turns_cut == 2


def test_bad_settings_raise(sim):
    with pytest.raises(ConfigError):
        sim.evaluate((500, 100))
    with pytest.raises(ConfigError):
        sim.evaluate((100, 500), model="whisper")
    with pytest.raises(InputError):
        Simulator.from_result(42)


def test_empty_tables_give_undefined_rates():
    p, t = tables([], [])
    m = Simulator(p, t).evaluate((100, 1000))
    assert (m.holds, m.turn_ends) == (0, 0)
    assert math.isnan(m.cutoff_rate) and math.isnan(m.latency_mean_ms)


def test_wilson_interval_by_hand():
    # k=0, n=10, z=1.96: centre = (0 + 0.19208)/1.38416 = 0.13877 = half
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)


# --------------------------------------------------------------------------- sweep, frontier, points
def test_sweep_rows_equal_evaluate(sim):
    for model in ("u3-rt-pro", "universal-streaming"):
        sw = sim.sweep(model, mins=[0, 150, 200, 800], maxs=[150, 300, 1000, 1300])
        assert len(sw) == 4 + 4 + 3 + 2  # pairs with min <= max (150 <= 150 counts)
        for r in sw.itertuples():
            m = sim.evaluate((r.min_turn_silence, r.max_turn_silence), model=model).to_dict()
            for col in ("cuts", "cuts_low", "turns_cut", "interrupted", "interrupted_low", "latency_mean_ms",
                        "latency_p50_ms", "latency_p90_ms", "latency_mean_ms_low"):
                assert getattr(r, col) == pytest.approx(m[col]), (model, r, col)
    sw = sim.sweep("silence", thresholds=[100, 500, 600])
    assert sw["cuts"].tolist() == [4, 2, 2] and sw["interrupted"].tolist() == [1, 1, 2]
    assert (sw["min_turn_silence"] == sw["max_turn_silence"]).all()


def test_frontier_by_hand():
    df = pd.DataFrame({"latency_mean_ms": [100, 100, 200, 300, 300, 400],
                       "cutoff_rate": [0.5, 0.4, 0.4, 0.1, 0.1, 0.2]})
    # (100, .5) is beaten by (100, .4); (200, .4) too; of the two (300, .1) the first is kept; (400, .2) is beaten
    assert pareto_frontier(df).index.tolist() == [1, 3]


def test_operating_points_by_hand(sim):
    pts = operating_points(sim.sweep("silence", thresholds=[100, 500, 1000, 1300]))
    # cut-off rates 1.0, 0.5, 0.25, 0.0 at latencies 100, 500, 1000, 1300 ms
    assert pts["criterion"].tolist() == [
        "best latency at <= 5% cut-offs", "best latency at <= 10% cut-offs",
        "lowest cut-off rate at <= 300 ms latency", "lowest cut-off rate at <= 600 ms latency"]
    assert pts["min_turn_silence"].tolist() == [1300, 1300, 100, 500]
    pts = operating_points(sim.sweep("silence", thresholds=[500, 1000]))
    assert math.isnan(pts["min_turn_silence"].iloc[2])  # nothing at <= 300 ms


def test_recommendation_by_hand(sim):
    rec = recommend_config(sim, model="silence", target_cutoff=0.25, thresholds=[100, 500, 1000, 1300])
    # 1000 ms is the fastest with at most 25 % cut-offs (only the 1200 ms pause is cut)
    assert (rec.config.min_turn_silence, rec.config.max_turn_silence) == (1000, 1000)
    assert rec.met_target and rec.config.name == "Data-driven"
    assert rec.metrics.cutoff_rate == 0.25
    assert any("too few data" in w for w in rec.warnings)  # 4 holds, 3 turn ends
    assert rec.cutoff_ci == wilson_interval(1, 4)
    assert rec.guide is None and rec.evidence["holds"] == 4 and rec.evidence["files"] == ["f"]


def test_recommendation_unreachable_target_warns(sim):
    rec = recommend_config(sim, model="silence", target_cutoff=0.0, thresholds=[100, 500])
    assert not rec.met_target
    assert rec.config.max_turn_silence == 500
    assert any("no setting of the grid" in w for w in rec.warnings)


def test_recommendation_on_sample_data_and_config_round_trip(tmp_path):
    from turntune_nb import analyze_transcripts, collect_transcripts

    ts, _ = collect_transcripts(["tests/data/assemblyai", "tests/data/rttm"])
    result = analyze_transcripts(ts)
    rec = recommend_config(result, model="u3-rt-pro", target_cutoff=0.10)
    assert rec.met_target and rec.metrics.cutoff_rate <= 0.10
    assert rec.guide == result.recommendation
    table = rec.table()
    assert list(table.columns) == ["Data-driven", f"guide: {result.recommendation.name}"]
    path = rec.save(tmp_path / "cfg.json")
    cfg = load_config(path)
    assert (cfg.min_turn_silence, cfg.max_turn_silence, cfg.name) == (
        rec.config.min_turn_silence, rec.config.max_turn_silence, "Data-driven")
    assert "Wilson" in rec.summary_text()


def test_universal_streaming_recommendation_keeps_threshold(sim):
    rec = recommend_config(sim, model="universal-streaming", target_cutoff=0.25, mins=[100, 500, 1000],
                           maxs=[500, 1000, 1300], guide=BALANCED)
    # the pessimistic cut-off rate depends on min only: min >= 1000 is needed; the lowest
    # pessimistic latency then takes max = min
    assert (rec.config.min_turn_silence, rec.config.max_turn_silence) == (1000, 1000)
    assert rec.config.end_of_turn_confidence_threshold == 0.4
    assert rec.guide_metrics.min_turn_silence == 400


# --------------------------------------------------------------------------- properties
def reference(pauses, turn_ends, lo, hi, model):
    """A plain per-row implementation of the rules (pessimistic bounds)."""
    def fires_at(term):
        if model == "silence":
            return hi
        if model == "universal-streaming":
            return lo
        return lo if term is None or term else hi  # u3: unknown punctuation fires early (pessimistic)

    def waits(term):
        if model == "silence":
            return hi
        if model == "universal-streaming":
            return hi
        return lo if term is True else hi

    te = turn_ends.reset_index(drop=True)
    holds = cuts = 0
    cut_turns = set()
    orphans = {}
    for r in pauses.itertuples(index=False):
        if r.pause_ms < 100:
            continue
        holds += 1
        term = None if pd.isna(r.terminal) else bool(r.terminal)
        cands = [i for i, t in te.iterrows() if t[C.FILE] == r.file and t[C.SPEAKER] == r.speaker
                 and t[C.END_MS] >= r.end_ms]
        turn = min(cands, key=lambda i: (te.loc[i, C.END_MS], i)) if cands else orphans.setdefault((r.file, r.speaker), -1 - len(orphans))
        if r.pause_ms >= fires_at(term):
            cuts += 1
            cut_turns.add(turn)
    delays, interrupted = [], 0
    for t in te.itertuples(index=False):
        term = None if pd.isna(t.terminal) else bool(t.terminal)
        d = waits(term)
        delays.append(d)
        if not math.isnan(t.silence_after_ms) and t.silence_after_ms < d:
            interrupted += 1
    return {"holds": holds, "cuts": cuts, "turns_cut": len(cut_turns), "interrupted": interrupted,
            "latency_mean_ms": float(np.mean(delays)) if delays else float("nan"),
            "latency_p90_ms": float(np.quantile(delays, 0.9)) if delays else float("nan")}


term_st = st.sampled_from([True, False, None])


@st.composite
def random_tables(draw):
    n_te = draw(st.integers(0, 8))
    te = []
    for _ in range(n_te):
        te.append((draw(st.sampled_from(["a", "b"])), draw(st.sampled_from(["A", "B"])),
                   draw(st.integers(0, 20_000)), draw(term_st),
                   draw(st.one_of(st.none(), st.integers(-800, 3000)))))
    n_p = draw(st.integers(0, 15))
    ps = []
    for _ in range(n_p):
        end = draw(st.integers(0, 20_000))
        ps.append((draw(st.sampled_from(["a", "b"])), draw(st.sampled_from(["A", "B"])),
                   end - draw(st.integers(1, 3000)), end, draw(term_st)))
    return tables(ps, te)


setting = st.tuples(st.integers(0, 3000), st.integers(0, 3000)).map(sorted)
models = st.sampled_from(["u3-rt-pro", "universal-streaming", "silence"])
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(random_tables(), setting, models)
def test_matches_per_row_reference(tabs, lohi, model):
    lo, hi = lohi
    m = Simulator(*tabs).evaluate((lo, hi), model=model)
    ref = reference(*tabs, lo, hi, model)
    for k, v in ref.items():
        got = getattr(m, k)
        assert (math.isnan(v) and math.isnan(got)) or got == pytest.approx(v), k
    # the per-file path adds up to the overall one
    for k in ("holds", "cuts", "cuts_low", "turns", "turns_cut", "turn_ends", "interrupted", "interrupted_low"):
        assert m.per_file[k].sum() == getattr(m, k), k


@FAST
@given(random_tables(), models)
def test_sweep_path_equals_evaluate_path(tabs, model):
    s = Simulator(*tabs)
    sw = s.sweep(model, mins=[0, 120, 700], maxs=[100, 700, 2500], thresholds=[0, 150, 900])
    for r in sw.itertuples():
        m = s.evaluate((r.min_turn_silence, r.max_turn_silence), model=model)
        for k in ("cuts", "cuts_low", "turns_cut", "interrupted", "interrupted_low", "latency_mean_ms",
                  "latency_p50_ms", "latency_p90_ms", "latency_mean_ms_low"):
            a, b = getattr(r, k), getattr(m, k)
            assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b), k


@FAST
@given(random_tables(), setting, st.integers(0, 2000), st.integers(0, 2000), models)
def test_raising_min_or_max_never_helps_cutoffs_or_latency_worse(tabs, lohi, dmin, dmax, model):
    lo, hi = lohi
    lo2, hi2 = min(lo + dmin, 10_000), min(hi + dmax, 10_000)
    lo2 = min(lo2, hi2) if lo2 > hi2 else lo2
    hi2 = max(hi2, lo2)
    s = Simulator(*tabs)
    a, b = s.evaluate((lo, hi), model=model), s.evaluate((max(lo, lo2), hi2), model=model)
    for k in ("cutoff_rate", "cutoff_rate_low", "turns_cut_share"):
        if not math.isnan(a.__getattribute__(k)):
            assert getattr(b, k) <= getattr(a, k) + 1e-12, k
    for k in ("latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_mean_ms_low"):
        if not math.isnan(getattr(a, k)):
            assert getattr(b, k) >= getattr(a, k) - 1e-9, k
    assert b.interrupted >= a.interrupted


@FAST
@given(random_tables(), models)
def test_frontier_has_no_dominated_point(tabs, model):
    s = Simulator(*tabs)
    grid = dict(thresholds=list(range(0, 3001, 250))) if model == "silence" else dict(
        mins=list(range(0, 2001, 250)), maxs=list(range(100, 3101, 500)))
    sw = s.sweep(model, **grid).dropna(subset=["cutoff_rate", "latency_mean_ms"])
    fr = pareto_frontier(sw)
    x, y = sw["latency_mean_ms"].to_numpy(), sw["cutoff_rate"].to_numpy()
    for r in fr.itertuples():
        dominated = (x <= r.latency_mean_ms) & (y <= r.cutoff_rate) & ((x < r.latency_mean_ms) | (y < r.cutoff_rate))
        assert not dominated.any()
    # and every point off the frontier is dominated or equal to a frontier point
    if len(sw):
        assert len(fr) >= 1


@FAST
@given(random_tables(), models, st.sampled_from([0.0, 0.05, 0.2, 0.5]))
def test_recommendation_meets_target_on_its_data(tabs, model, target):
    s = Simulator(*tabs)
    grid = dict(thresholds=list(range(0, 4001, 100))) if model == "silence" else dict(
        mins=list(range(0, 3001, 200)), maxs=list(range(100, 4001, 300)))
    rec = recommend_config(s, model=model, target_cutoff=target, **grid)
    sw = s.sweep(model, **grid)
    feasible = sw[sw["cutoff_rate"] <= target]
    assert rec.met_target == (len(feasible) > 0)
    if rec.met_target:
        assert rec.metrics.cutoff_rate <= target
        best = feasible["latency_mean_ms"].min()
        assert rec.metrics.latency_mean_ms == pytest.approx(best) or (math.isnan(best) and s.turn_ends == 0)


def test_config_name_and_validation():
    cfg = StreamingConfig("Data-driven", 100, 1000)
    assert str(cfg).startswith("Data-driven")


# --------------------------------------------------------------------------- saved summaries and the CLI
def test_saved_summary_round_trips_the_simulation(tmp_path):
    from turntune_nb import analyze_transcripts, collect_transcripts
    from turntune_nb.results import load_summary

    ts, _ = collect_transcripts(["tests/data/assemblyai", "tests/data/rttm"])
    result = analyze_transcripts(ts)
    path = result.save(tmp_path)
    saved = load_summary(path)
    assert saved.recommendation == result.recommendation
    for model in ("u3-rt-pro", "silence"):
        a = Simulator.from_result(result).evaluate((300, 900), model=model)
        b = Simulator.from_result(saved).evaluate((300, 900), model=model)
        assert a == b and a.holds == 110
    # the guide's keys are still there
    import json
    data = json.loads(path.read_text())
    assert "aggregated_statistics" in data and data["tables"]["pauses"].endswith(".pauses.csv")


def test_load_summary_without_tables_says_what_to_do(tmp_path):
    from turntune_nb.results import load_summary

    p = tmp_path / "old.json"
    p.write_text('{"aggregated_statistics": {}}')
    with pytest.raises(InputError, match="re-run"):
        load_summary(p)


def test_cli_recommend_transcripts_writes_a_loadable_config(tmp_path, capsys):
    from turntune_nb.cli import main

    out = tmp_path / "cfg.json"
    rc = main(["recommend", "tests/data/assemblyai", "tests/data/rttm", "--target-cutoff", "0.1", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "DATA-DRIVEN RECOMMENDATION (u3-rt-pro, target <= 10% false cut-offs)" in text
    assert "deepgram" in text and "openai_realtime" in text
    cfg = load_config(out)
    assert cfg.name == "Data-driven" and cfg.evidence["metrics"]["cutoff_rate"] <= 0.10


def test_cli_recommend_json_from_saved_summary(tmp_path, capsys):
    import json

    from turntune_nb import analyze_transcripts, collect_transcripts
    from turntune_nb.cli import main

    ts, _ = collect_transcripts(["tests/data/assemblyai"])
    path = analyze_transcripts(ts).save(tmp_path)
    rc = main(["recommend", str(path), "--model", "silence", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["model"] == "silence" and data["metrics"]["holds"] == 89
    assert data["metrics"]["cutoff_rate"] <= 0.05
    assert data["config"]["min_turn_silence"] == data["config"]["max_turn_silence"] == data["silence_equivalent_ms"]


def test_cli_recommend_bad_target(capsys):
    from turntune_nb.cli import main

    assert main(["recommend", "tests/data/assemblyai", "--target-cutoff", "5"]) == 2
    assert "--target-cutoff" in capsys.readouterr().err


def test_cli_recommend_audio_through_the_offline_backend(tmp_path, capsys):
    import json

    from turntune_nb.cli import main

    rc = main(["recommend", "samples/synthetic/conv1.wav", "--backend", "offline", "--model", "silence", "--json",
               "--out", str(tmp_path / "c.json")])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["model"] == "silence" and data["evidence"]["files"] == ["conv1.wav"]
    assert load_config(tmp_path / "c.json").name == "Data-driven"
    assert not (tmp_path / "c.json").is_dir()
