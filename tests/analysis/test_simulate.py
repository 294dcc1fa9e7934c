"""Tests of the endpointing simulator: the rules worked by hand on small tables, and
hypothesis against a plain per-row reference implementation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.analysis.endpointing_cases import FAST, WORDS, models, random_tables, reference, setting, tables
from turntune_nb.analysis import columns as C
from turntune_nb.analysis.simulate import Simulator
from turntune_nb.errors import ConfigError, InputError


@pytest.fixture
def sim():
    return Simulator(*WORDS)


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


def test_a_pause_of_exactly_100_ms_is_a_hold_and_99_ms_is_not():
    # pauses of 99, 100 and 101 ms inside A's one turn (ends at 3000, B answers 400 ms later)
    p, t = tables([("f", "A", 0, 99, False), ("f", "A", 500, 600, False), ("f", "A", 1000, 1101, False)],
                  [("f", "A", 3000, True, 400)])
    s = Simulator(p, t)
    # holds are pauses >= 100 ms: 100 and 101; 99 is not one
    assert (s.n_pauses, s.holds) == (3, 2)
    # at T = 100 both holds cut (100 >= 100, 101 >= 100): 2 of 2
    m = s.evaluate(100, model="silence")
    assert (m.holds, m.cuts, m.cutoff_rate, m.turns_cut) == (2, 2, 1.0, 1)
    assert m.per_file["holds"].tolist() == [2]
    # at T = 101 only the 101 ms one: 1 of 2
    m = s.evaluate(101, model="silence")
    assert (m.holds, m.cuts, m.cutoff_rate) == (2, 1, 0.5)


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


def test_saved_summary_round_trips_the_simulation(tmp_path):
    from turntune_nb import analyze_transcripts, collect_transcripts
    from turntune_nb.analysis.results import load_summary

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


def test_a_hold_inside_a_backchannel_is_charged_to_the_turn_it_lies_in():
    from turntune_nb.analysis.model import Transcript, Utterance, Word
    from turntune_nb.analysis.results import analyze_transcripts

    # A talks 0-10000 (turn end 10000); B backchannels 3000-4500 with a 700 ms pause inside; B's own
    # turn is 12000-15000 (turn end 15000, no pause). Silence-only at 500 ms cuts the 700 ms hold.
    a = Utterance("A", 0, 10_000, "long story.", (Word("long", 0, 5000), Word("story.", 5000, 10_000)))
    b1 = Utterance("B", 3000, 4500, "yeah right", (Word("yeah", 3000, 3300), Word("right", 4000, 4500)))
    b2 = Utterance("B", 12_000, 15_000, "my turn.", (Word("my", 12_000, 13_000), Word("turn.", 13_000, 15_000)))
    result = analyze_transcripts([Transcript("bc", [a, b1, b2])])
    sim = Simulator.from_result(result)
    m = sim.evaluate(500, model="silence")
    assert (m.holds, m.cuts, m.turns, m.turns_cut) == (1, 1, 2, 1)
    # holds="floor": the cut turn is A's (the turn the backchannel lies in), not B's next turn seconds later
    a_side = sim.for_speakers("A", holds="floor").evaluate(500, model="silence")
    assert (a_side.holds, a_side.turns, a_side.turns_cut) == (1, 1, 1)
    b_side = sim.for_speakers("B", holds="floor").evaluate(500, model="silence")
    assert (b_side.holds, b_side.turns, b_side.turns_cut) == (0, 1, 0)
    # holds="own" (the default): A talks throughout the 700 ms, so it is no silence of A's; it is B's own,
    # counted in B's turn (the turn end at 15000, the first of B's at or after the pause)
    a_own = sim.for_speakers("A").evaluate(500, model="silence")
    assert (a_own.holds, a_own.turns, a_own.turns_cut) == (0, 1, 0)
    b_own = sim.for_speakers("B").evaluate(500, model="silence")
    assert (b_own.holds, b_own.cuts, b_own.turns, b_own.turns_cut) == (1, 1, 1, 1)
