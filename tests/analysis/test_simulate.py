"""Tests of the endpointing simulator: the rules worked by hand on small tables, and
hypothesis against a plain per-row reference implementation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.analysis.endpointing_cases import FAST, WORDS, models, random_tables, reference, setting, tables
from turntune_nb.analysis import columns as C
from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.analysis.simulate import Simulator
from turntune_nb.errors import ConfigError, InputError


@pytest.fixture
def sim():
    return Simulator(*WORDS)


def test_u3_punctuation_rule(sim):
    m = sim.evaluate((200, 1000), model="universal-3-6-pro")
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
    m = sim.evaluate((100, 1000), model="universal-3-6-pro")
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
    m = s.evaluate((200, 1000), model="universal-3-6-pro")
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
    for model in ("universal-3-6-pro", "universal-streaming"):
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
    for model in ("universal-3-6-pro", "silence"):
        a = Simulator.from_result(result).evaluate((300, 900), model=model)
        b = Simulator.from_result(saved).evaluate((300, 900), model=model)
        assert a.to_dict() == b.to_dict() and a.holds == 110
    # Under the presets' 60 s cap, the turns over 60 s are 280290 ms (ceil(280290 / 60000) - 1 = 4 forced
    # ends), 75040, 73640 and 62720 ms (1 each): 7 in 4 turns. The saved turn-end table keeps each turn's start
    # (280290 and 62720 are files' first turns), so the saved summary caps them too.
    a = Simulator.from_result(result).evaluate((300, 900))
    b = Simulator.from_result(saved).evaluate((300, 900))
    assert (a.forced_ends, a.turns_capped, b.forced_ends, b.turns_capped) == (7, 4, 7, 4)
    assert Simulator.from_result(saved).counter.turns_without_start == 0
    assert not any("no known start" in n for n in a.notes + b.notes)
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


# --------------------------------------------------------------------------- what the service fills in
# WORDS: holds 150 (terminal), 300 (not), 800 (terminal), 1200 (not); turn ends: terminal (B after 500 ms),
# not terminal (B 200 ms before the end), not terminal (end of file). Under the punctuation rule a terminal
# hold or turn end fires at min_turn_silence, any other at max_turn_silence.
@pytest.mark.parametrize("mode, lo, hi, delay, cuts, latency, interrupted", [
    # balanced 128/1280: 150T>=128, 800T>=128 cut; 300N, 1200N < 1280. Latency (128 + 1280 + 1280) / 3.
    # Interrupted: 500 < 128 no; -200 < 1280 yes.
    ("balanced", 128, 1280, 500, 2, (128 + 1280 + 1280) / 3, 1),
    # min_latency 128/640: also 1200N >= 640. Latency (128 + 640 + 640) / 3.
    ("min_latency", 128, 640, 0, 3, (128 + 640 + 640) / 3, 1),
    # max_accuracy 512/2560: only 800T >= 512. Latency (512 + 2560 + 2560) / 3. Interrupted: B's answer
    # 500 ms after "done." comes before the 512 ms endpoint (500 < 512), and the overlap: 2.
    ("max_accuracy", 512, 2560, 500, 1, (512 + 2560 + 2560) / 3, 2),
])
def test_each_mode_preset_fills_an_unset_setting(sim, mode, lo, hi, delay, cuts, latency, interrupted):
    m = sim.evaluate(mode=mode)
    assert (m.model, m.preset, m.min_turn_silence, m.max_turn_silence) == ("universal-3-6-pro", mode, lo, hi)
    assert (m.interruption_delay, m.max_turn_duration) == (delay, 60_000)
    assert (m.cuts, m.cutoff_rate, m.interrupted) == (cuts, cuts / 4, interrupted)
    assert m.latency_mean_ms == pytest.approx(latency)
    # interruption_delay delays the first partial, not the end of turn: latency does not move with it
    assert sim.evaluate(StreamingConfig("x", lo, hi, mode=mode, interruption_delay=1000)).latency_mean_ms == \
        pytest.approx(latency)


def test_no_setting_is_the_balanced_preset_of_the_default_model(sim):
    m = sim.evaluate()
    assert (m.model, m.preset, m.min_turn_silence, m.max_turn_silence) == ("universal-3-6-pro", "balanced", 128, 1280)
    # the other U3 Pro models, the legacy name included, follow the same rule and presets
    for model in ("universal-3-5-pro", "u3-rt-pro"):
        other = sim.evaluate(model=model)
        assert other.model == model and (other.cuts, other.latency_mean_ms) == (m.cuts, m.latency_mean_ms)


def test_speaker_labels_switch_to_the_diarisation_profile(sim):
    # 640/768: 800T >= 640 and 1200N >= 768 cut, 150T and 300N do not; latency (640 + 768 + 768) / 3
    m = sim.evaluate(speaker_labels=True, mode="min_latency")  # the profile replaces the mode preset
    assert (m.preset, m.min_turn_silence, m.max_turn_silence) == ("speaker_labels", 640, 768)
    assert (m.max_turn_duration, m.interruption_delay, m.cuts) == (10_000, 500, 2)
    assert m.latency_mean_ms == pytest.approx((640 + 768 + 768) / 3)
    c = StreamingConfig("diarised", 640, 768, speaker_labels=True)
    assert sim.evaluate(c).max_turn_duration == 10_000 and sim.evaluate(c).preset == "speaker_labels"


def test_explicit_values_win_over_the_preset(sim):
    m = sim.evaluate((300, 900), mode="max_accuracy")
    # silences explicit (300 / 900), the rest from max_accuracy: interruption_delay 500, cap 60 s
    assert (m.min_turn_silence, m.max_turn_silence, m.interruption_delay, m.max_turn_duration) == (300, 900, 500, 60_000)
    c = StreamingConfig("x", 300, 900, mode="min_latency", interruption_delay=250, max_turn_duration=20_000,
                        speech_model="universal-3-5-pro")
    m = sim.evaluate(c)
    assert (m.model, m.preset, m.interruption_delay, m.max_turn_duration) == ("universal-3-5-pro", "min_latency",
                                                                              250, 20_000)
    # 800T >= 300 cuts, 1200N >= 900 cuts; 150T < 300, 300N < 900
    assert m.cuts == 2
    # the model argument wins over the config's speech_model
    assert sim.evaluate(c, model="silence").model == "silence"


def test_the_service_clamps_min_turn_silence(sim):
    m = sim.evaluate((0, 1000))
    assert (m.min_turn_silence, m.max_turn_silence) == (50, 1000)  # 0 -> 50
    # a (0, 0) setting becomes 50/50: max follows min up; every hold >= 50 cuts (4 of 4)
    m = sim.evaluate((0, 0))
    assert (m.min_turn_silence, m.max_turn_silence, m.cuts) == (50, 50, 4)
    # the silence-only rule is no AssemblyAI model: its threshold is taken as it is
    assert sim.evaluate(0, model="silence").min_turn_silence == 0
    # a sweep evaluates and reports a grid value below the clamp at 50 ms: latency (50 + 1000 + 1000) / 3
    sw = sim.sweep(mins=[0, 300], maxs=[1000])
    assert sw["min_turn_silence"].tolist() == [50, 300]
    assert sw["latency_mean_ms"].iloc[0] == pytest.approx((50 + 1000 + 1000) / 3)


def _one_turn(duration_ms, then_b=False):
    from turntune_nb.analysis.model import Transcript, Utterance, Word
    from turntune_nb.analysis.results import analyze_transcripts

    half = duration_ms // 2  # two words, no pause between them: no holds
    a = Utterance("A", 0, duration_ms, "long story.", (Word("long", 0, half), Word("story.", half, duration_ms)))
    utts = [a]
    if then_b:
        utts.append(Utterance("B", duration_ms + 500, duration_ms + 2000, "ok.",
                              (Word("ok.", duration_ms + 500, duration_ms + 2000),)))
    return Simulator.from_result(analyze_transcripts([Transcript("cap", utts)]))


def test_a_12_s_turn_is_cut_once_at_the_diarisation_profiles_10_s_cap():
    sim = _one_turn(12_000)
    m = sim.evaluate(speaker_labels=True)
    # ceil(12000 / 10000) - 1 = 1 forced end; the turn has no hold, so it is cut by the cap alone
    assert (m.forced_ends, m.turns_capped, m.turns, m.turns_cut) == (1, 1, 1, 1)
    assert (m.holds, m.cuts) == (0, 0)  # a forced end is not a cut hold: cutoff_rate stays undefined
    assert math.isnan(m.cutoff_rate)
    # under the balanced preset's 60 s cap nothing is forced
    m = sim.evaluate()
    assert (m.forced_ends, m.turns_capped, m.turns_cut) == (0, 0, 0)


def test_a_25_s_turn_under_a_10_s_cap_is_force_ended_twice():
    sim = _one_turn(25_000, then_b=True)  # A 0-25000, B 25500-27000
    m = sim.evaluate(max_turn_duration=10_000)
    # A: ceil(25000 / 10000) - 1 = 3 - 1 = 2 forced ends (at 10 s and 20 s); B's 1500 ms turn: none
    assert (m.forced_ends, m.turns_capped, m.turns) == (2, 1, 2)
    assert (m.turns_cut, m.turns_cut_share, m.forced_end_share) == (1, 0.5, 1.0)
    assert m.per_file["forced_ends"].tolist() == [2] and m.per_file["turns_capped"].tolist() == [1]
    # a cap of 20 s: ceil(25000 / 20000) - 1 = 1; exactly 25 s: not longer than the cap, 0
    assert sim.evaluate(max_turn_duration=20_000).forced_ends == 1
    assert sim.evaluate(max_turn_duration=25_000).forced_ends == 0
    # the cap changes neither cut-offs nor latency
    a, b = sim.evaluate((300, 900), max_turn_duration=10_000), sim.evaluate((300, 900), max_turn_duration=600_000)
    assert (a.cuts, a.latency_mean_ms, a.interrupted) == (b.cuts, b.latency_mean_ms, b.interrupted)
    # the sweep carries the cap: every row has the same 2 forced ends
    sw = sim.sweep(mins=[100, 300], maxs=[900], max_turn_duration=10_000)
    assert sw["forced_ends"].tolist() == [2, 2] and sw["max_turn_duration"].tolist() == [10_000, 10_000]
    assert sw["model"].tolist() == ["universal-3-6-pro"] * 2 and sw["turns_cut"].tolist() == [1, 1]


def test_a_turns_start_comes_from_the_change_of_floor():
    # A 0-5000, B overlaps from 4500 to 9000: B's turn is 4500-9000 (4500 ms), A's first turn 0-5000
    # is known only from the utterances
    p, t = tables([], [("f", "A", 5000, True, -500), ("f", "B", 9000, True, None)])
    t[C.NEXT_SPEAKER] = ["B", None]
    s = Simulator(p, t)
    assert s.counter.turn_ms.tolist() == [-1, 4500]
    assert s.evaluate(max_turn_duration=4000).forced_ends == 1  # ceil(4500 / 4000) - 1
