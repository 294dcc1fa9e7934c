"""Tests of the data-driven recommendation, worked by hand on small tables."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.analysis.endpointing_cases import FAST, WORDS, models, random_tables, tables
from turntune_nb.analysis.presets import BALANCED, load_config
from turntune_nb.analysis.recommend import RecommendOptions, recommend_config
from turntune_nb.analysis.simulate import Simulator


@pytest.fixture
def sim():
    return Simulator(*WORDS)


def test_recommendation_by_hand(sim):
    rec = recommend_config(sim, RecommendOptions(model="silence", target_cutoff=0.25,
                                                 thresholds=[100, 500, 1000, 1300]))
    # 1000 ms is the fastest with at most 25 % cut-offs (only the 1200 ms pause is cut)
    assert (rec.config.min_turn_silence, rec.config.max_turn_silence) == (1000, 1000)
    assert rec.met_target and rec.config.name == "Data-driven"
    assert rec.metrics.cutoff_rate == 0.25
    assert any("too few data" in w for w in rec.warnings)  # 4 holds, 3 turn ends
    # Wilson at 1 of 4 holds, z = 1.959964 (z^2 = 3.841459): denominator 1 + 3.841459/4 = 1.960365;
    # centre = (0.25 + 0.480182) / 1.960365 = 0.372473;
    # half = 1.959964 * sqrt(0.25 * 0.75 / 4 + 3.841459 / 64) / 1.960365
    #      = 1.959964 * sqrt(0.046875 + 0.060023) / 1.960365 = 1.959964 * 0.326952 / 1.960365 = 0.326885
    assert rec.wilson_ci == pytest.approx((0.372473 - 0.326885, 0.372473 + 0.326885), abs=1e-4)  # 0.045588, 0.699358
    # one recording: no spread between recordings to bootstrap, so the reported interval is undefined
    assert all(math.isnan(v) for v in rec.cutoff_ci + rec.latency_ci)
    assert "4.6% – 69.9% (95%, per-hold Wilson, one recording)" in rec.warnings[-1]
    assert rec.guide is None and rec.evidence["holds"] == 4 and rec.evidence["files"] == ["f"]


def test_recommendation_unreachable_target_warns(sim):
    rec = recommend_config(sim, RecommendOptions(model="silence", target_cutoff=0.0, thresholds=[100, 500]))
    assert not rec.met_target
    assert rec.config.max_turn_silence == 500
    assert any("no setting of the grid" in w for w in rec.warnings)


def test_recommendation_on_sample_data_and_config_round_trip(tmp_path):
    from turntune_nb import analyze_transcripts, collect_transcripts

    ts, _ = collect_transcripts(["tests/data/assemblyai", "tests/data/rttm"])
    result = analyze_transcripts(ts)
    rec = recommend_config(result, RecommendOptions(target_cutoff=0.10))
    assert rec.met_target and rec.metrics.cutoff_rate <= 0.10
    assert rec.guide == result.recommendation
    table = rec.table()
    assert list(table.columns) == ["Data-driven", f"guide: {result.recommendation.name}"]
    path = rec.save(tmp_path / "cfg.json")
    cfg = load_config(path)
    assert (cfg.min_turn_silence, cfg.max_turn_silence, cfg.name) == (
        rec.config.min_turn_silence, rec.config.max_turn_silence, "Data-driven")
    text = rec.summary_text()
    assert "Wilson" in text and "bootstrap over recordings: files are the independent units" in text
    assert "AssemblyAI" in text and "VAD baseline" in text  # the published eot-bench rows beside yours


def test_universal_streaming_recommendation_keeps_threshold(sim):
    rec = recommend_config(sim, RecommendOptions(model="universal-streaming", target_cutoff=0.25, mins=[100, 500, 1000],
                                                 maxs=[500, 1000, 1300], guide=BALANCED))
    # the pessimistic cut-off rate depends on min only: min >= 1000 is needed; the lowest
    # pessimistic latency then takes max = min
    assert (rec.config.min_turn_silence, rec.config.max_turn_silence) == (1000, 1000)
    assert rec.config.end_of_turn_confidence_threshold == 0.4
    assert rec.guide_metrics.min_turn_silence == 400


@FAST
@given(random_tables(), models, st.sampled_from([0.0, 0.05, 0.2, 0.5]))
def test_recommendation_meets_target_on_its_data(tabs, model, target):
    s = Simulator(*tabs)
    grid = dict(thresholds=list(range(0, 4001, 100))) if model == "silence" else dict(
        mins=list(range(0, 3001, 200)), maxs=list(range(100, 4001, 300)))
    rec = recommend_config(s, RecommendOptions(model=model, target_cutoff=target, **grid))
    sw = s.sweep(model, **grid)
    feasible = sw[sw["cutoff_rate"] <= target]
    assert rec.met_target == (len(feasible) > 0)
    if rec.met_target:
        assert rec.metrics.cutoff_rate <= target
        best = feasible["latency_mean_ms"].min()
        assert rec.metrics.latency_mean_ms == pytest.approx(best) or (math.isnan(best) and s.turn_ends == 0)


def test_without_holds_the_warnings_say_so_and_print_no_nan():
    # one speaker, two turn ends and no pause inside a turn: 0 holds, so no cut-off rate exists
    p, t = tables([], [("f", "A", 2000, True, 500), ("f", "A", 5000, False, 300)])
    options = RecommendOptions(model="silence", target_cutoff=0.05, thresholds=[200, 800])
    rec = recommend_config(Simulator(p, t), options)
    assert rec.warnings[0] == "no pauses of at least 100 ms inside turns: nothing to decide the cut-off rate on"
    assert not any("no setting of the grid" in w for w in rec.warnings)
    assert not any("nan" in w for w in rec.warnings + rec.notes)


def test_grid_reaches_the_allowed_10_s():
    from turntune_nb.analysis.recommend import grid_up_to
    from turntune_nb.errors import ConfigError

    # two holds, 300 and 6000 ms: below 6000 ms of silence the long one is always cut (50 %)
    p, t = tables([("f", "A", 0, 300, False), ("f", "A", 1000, 7000, False)], [("f", "A", 9000, True, 400)])
    s = Simulator(p, t)
    rec = recommend_config(s, RecommendOptions(model="silence", target_cutoff=0.0))
    # nothing up to 5 s meets 0 %: the grid is widened to 10 s; 6010 ms is the first 10 ms step past 6000
    assert rec.met_target and rec.config.max_turn_silence == 6010 and rec.grid_max_ms == 10_000
    assert any("widened to 10000 ms" in n for n in rec.notes)
    capped = recommend_config(s, RecommendOptions(model="silence", target_cutoff=0.0, grid_max_ms=5000))
    assert not capped.met_target
    assert any("widen the grid (--grid-max-ms / grid_max_ms, up to 10000 ms)" in w for w in capped.warnings)
    u3 = recommend_config(s, RecommendOptions(model="universal-3-5-pro", target_cutoff=0.0, grid_max_ms=10_000))
    assert u3.config.max_turn_silence == 6100  # max grid in 100 ms steps
    with pytest.raises(ConfigError, match="100..10000"):
        grid_up_to(20_000)


def test_unknown_speakers_and_the_detector_lead_the_warnings(tmp_path):
    """A mono recording analysed without diarisation: the recommendation must say first
    that its figures rest on unknown speakers, and which detector found the speech."""
    from turntune_nb.analysis.model import Transcript, Utterance
    from turntune_nb.analysis.results import analyze_transcripts, load_summary

    segs = [(0, 900), (1300, 2500), (2650, 4000), (4900, 6000), (6300, 8000)]
    mono = Transcript("meeting.wav", [Utterance("UNKNOWN", a, b) for a, b in segs], source="offline-vad",
                      speaker_source="unknown", notes=("speech found by the offline silero-lite detector",))
    result = analyze_transcripts([mono], backend="offline")
    for source in (result, load_summary(result.save(tmp_path))):
        rec = recommend_config(source)
        assert rec.warnings[0].startswith("SPEAKERS UNKNOWN in 1 of 1 file(s) (meeting.wav)")
        assert rec.warnings[1] == "speech found by the offline silero-lite detector"
        assert rec.config.evidence["warnings"][:2] == list(rec.warnings[:2])
        text = rec.summary_text()
        assert text.splitlines()[2].startswith("!! SPEAKERS UNKNOWN")
        assert rec.to_dict()["warnings"][0].startswith("SPEAKERS UNKNOWN")


def test_labelled_transcripts_carry_no_speaker_caveat():
    from turntune_nb.analysis.readers import read_rttm
    from turntune_nb.analysis.results import analyze_transcripts

    rec = recommend_config(analyze_transcripts(read_rttm("samples/real/sample.rttm")))
    assert not any(w.startswith("SPEAKERS UNKNOWN") for w in rec.warnings)


def test_repr_and_text_show_percentages_and_whole_milliseconds():
    from turntune_nb.analysis.model import Transcript, Utterance as U
    from turntune_nb.analysis.results import analyze_transcripts

    # A pauses 400 ms, B 600 ms: a silence-only endpointer at 500 ms cuts 1 of the 2 holds
    call = Transcript("call", [U("A", 0, 1000), U("A", 1400, 2000), U("B", 2300, 3000), U("B", 3600, 4000)])
    options = RecommendOptions(model="silence", target_cutoff=0.5, thresholds=[500])
    rec = recommend_config(analyze_transcripts([call]), options)
    assert repr(rec) == ("<Recommendation Data-driven: min_turn_silence 500 ms, max_turn_silence 500 ms "
                         "(silence rule): cut-off rate 50.0% (target 50.0%), mean latency 500 ms>")
    text = str(rec)
    assert re.search(r"\ncut-off rate\s+50\.0%", text)
    assert not re.search(r"\b0\.500\b|1\.000000|400\.000000", text)


# --------------------------------------------------------------------------- the options, and the old spelling
def test_the_old_keyword_arguments_still_work_with_a_warning(sim):
    new = recommend_config(sim, RecommendOptions(model="silence", target_cutoff=0.25, thresholds=(100, 500, 1000)))
    with pytest.warns(DeprecationWarning, match=r"recommend_config\(\): the keyword arguments model=, "
                      r"target_cutoff=, thresholds= are deprecated; pass options=RecommendOptions\(model=\.\.\.\)"):
        old = recommend_config(sim, model="silence", target_cutoff=0.25, thresholds=[100, 500, 1000])
    assert old.to_dict() == new.to_dict() and (old.config.min_turn_silence, old.config.max_turn_silence) == (1000, 1000)
    # laid over the options given
    with pytest.warns(DeprecationWarning):
        base = RecommendOptions(model="silence", thresholds=(100, 500, 1000))
        mixed = recommend_config(sim, base, target_cutoff=0.25)
    assert mixed.to_dict() == new.to_dict()
    with pytest.raises(TypeError, match="unexpected keyword argument 'target'"):
        recommend_config(sim, target=0.25)



def test_min_turn_silence_is_searched_past_2450_ms_up_to_the_limit():
    # no word timings (terminal None): the pessimistic u3-rt-pro bound fires at min_turn_silence in every hold.
    # Holds of 3000 and 200 ms: a hold is cut when it lasts >= min, so 0 % needs min > 3000 ms. The default min
    # grid stops at 2450 ms (the 3000 ms hold always cut: 50 %); widened past 2500 in 100 ms steps, 3000 still
    # cuts and 3100 is the first that does not; max >= min, and every turn end waits until max, so the fastest
    # is 3100/3100.
    p, t = tables([("f", "A", 0, 3000, None), ("f", "A", 4000, 4200, None)], [("f", "A", 5000, None, 400)])
    rec = recommend_config(Simulator(p, t), RecommendOptions(model="u3-rt-pro", target_cutoff=0.0))
    assert rec.met_target and (rec.config.min_turn_silence, rec.config.max_turn_silence) == (3100, 3100)
    assert rec.metrics.cutoff_rate == 0.0 and rec.grid_max_ms == 10_000
    assert any("min_turn_silence up to 2450 ms" in n and "both were widened to 10000 ms" in n for n in rec.notes)
    # a 10000 ms hold is cut even at 10000/10000 (>= min): no allowed setting meets 0 %, and the warning does not
    # send the user to widen a grid that is already at the limit
    p, t = tables([("f", "A", 0, 10_000, None), ("f", "A", 11_000, 11_200, None)], [("f", "A", 12_000, None, 400)])
    rec = recommend_config(Simulator(p, t), RecommendOptions(model="u3-rt-pro", target_cutoff=0.0))
    assert not rec.met_target and rec.metrics.cutoff_rate == 0.5
    assert any("no setting of the grid keeps false cut-offs at or below 0%" in w and "widen" not in w
               for w in rec.warnings)


def test_the_common_case_keeps_the_default_grid(sim):
    # WORDS at 25 %: met within the default grid (min <= 2450, max <= 5000): nothing is widened
    rec = recommend_config(sim, RecommendOptions(model="u3-rt-pro", target_cutoff=0.25))
    assert rec.met_target and rec.grid_max_ms == 5000 and not any("widened" in n for n in rec.notes)


def test_latency_without_spread_is_said_in_words_not_as_an_interval():
    # two files without words: every turn end waits until max_turn_silence, in both files alike
    p, t = tables([("f", "A", 0, 300, None), ("g", "A", 0, 200, None)],
                  [("f", "A", 1000, None, 2000), ("g", "A", 1000, None, 2000)])
    rec = recommend_config(Simulator(p, t), RecommendOptions(model="u3-rt-pro", target_cutoff=0.0))
    hi = rec.config.max_turn_silence
    # the 300 ms hold needs min > 300: the first default min is 350; max >= 350 in 100 ms steps: 400
    assert (rec.config.min_turn_silence, hi) == (350, 400) and rec.latency_fixed_ms == 400
    assert rec.latency_ci == (400.0, 400.0)  # the zero-width interval the text no longer shows
    assert rec.latency_text == "latency is max_turn_silence at every turn end (400 ms)"
    assert "mean latency: latency is max_turn_silence at every turn end (400 ms)" in rec.summary_text()
    assert "400 - 400 ms" not in rec.summary_text()
    assert any(n.startswith("latency is max_turn_silence at every turn end (400 ms)") for n in rec.notes)
    assert rec.to_dict()["latency_fixed_ms"] == 400
    # with words and a terminal turn end under u3-rt-pro (min < max), latency has a spread: no such note
    words = recommend_config(Simulator(*WORDS), RecommendOptions(model="u3-rt-pro", target_cutoff=0.25))
    assert words.config.min_turn_silence < words.config.max_turn_silence
    assert words.latency_fixed_ms is None and not any(n.startswith("latency is") for n in words.notes)


# --------------------------------------------------------------------------- the model and the preset it starts from
# WORDS: holds 150T, 300N, 800T, 1200N; turn ends terminal, not, not. On a U3 Pro model a terminal hold or
# turn end fires at min_turn_silence, any other at max_turn_silence.
def test_recommendation_names_the_model_and_starts_from_the_balanced_preset(sim):
    # (128, 1800): cuts 150T and 800T, 2 of 4 = 50 % <= target; the only setting of the grid
    rec = recommend_config(sim, RecommendOptions(target_cutoff=0.5, mins=[128], maxs=[1800]))
    assert (rec.model, rec.preset, rec.sends) == ("universal-3-6-pro", "balanced", {"max_turn_silence": 1800})
    assert rec.starts_from_text() == ("universal-3-6-pro: starts from the balanced preset (128/1280 ms); "
                                      "sends max_turn_silence=1800")
    assert (rec.config.speech_model, rec.config.mode, rec.config.speaker_labels) == ("universal-3-6-pro",
                                                                                     "balanced", None)
    # what it sends: the model, the preset, and the one silence that differs from it (128 is the preset's)
    params = rec.config.to_connection_params()
    assert {k: params[k] for k in ("speech_model", "mode", "max_turn_silence")} == {
        "speech_model": "universal-3-6-pro", "mode": "balanced", "max_turn_silence": 1800}
    assert "min_turn_silence" not in params
    d = rec.to_dict()
    assert (d["model"], d["speech_model"], d["preset"], d["config"]["mode"]) == (
        "universal-3-6-pro", "universal-3-6-pro", "balanced", "balanced")
    assert rec.starts_from_text() in rec.summary_text()


def test_recommendation_from_another_mode_sends_what_differs_from_it(sim):
    # (512, 1280): only 800T >= 512 cuts: 1 of 4 = 25 %, latency (512 + 1280 + 1280) / 3 = 1024;
    # (512, 1800): also 25 % but (512 + 1800 + 1800) / 3 = 1370.7; (128, *): 2 cuts = 50 % > 25 %
    rec = recommend_config(sim, RecommendOptions(target_cutoff=0.25, mins=[128, 512], maxs=[1280, 1800],
                                                 mode="max_accuracy"))
    assert (rec.config.min_turn_silence, rec.config.max_turn_silence) == (512, 1280)
    # max_accuracy is 512/2560: min is the preset's, max differs
    assert rec.sends == {"max_turn_silence": 1280} and rec.config.mode == "max_accuracy"
    assert rec.starts_from_text().endswith("starts from the max_accuracy preset (512/2560 ms); sends "
                                           "max_turn_silence=1280")
    assert rec.metrics.max_turn_duration == 60_000


def test_recommendation_with_speaker_labels_starts_from_the_diarisation_profile(sim):
    # (640, 768): 800T >= 640 and 1200N >= 768: 50 %; the profile's own values, so nothing else is sent
    rec = recommend_config(sim, RecommendOptions(target_cutoff=0.5, mins=[640], maxs=[768], speaker_labels=True))
    assert (rec.preset, rec.sends, rec.config.speaker_labels, rec.config.mode) == ("speaker_labels", {}, True, None)
    assert rec.metrics.max_turn_duration == 10_000
    assert "diarisation profile (speaker_labels: 640/768 ms); sends nothing else" in rec.starts_from_text()


def test_legacy_model_is_accepted_with_a_note(sim):
    from turntune_nb.analysis.surface import legacy_note

    rec = recommend_config(sim, RecommendOptions(model="u3-rt-pro", target_cutoff=0.5, mins=[128], maxs=[1800]))
    new = recommend_config(sim, RecommendOptions(target_cutoff=0.5, mins=[128], maxs=[1800]))
    assert rec.notes[0] == legacy_note("u3-rt-pro") and "use universal-3-6-pro" in rec.notes[0]
    assert rec.model == "u3-rt-pro" and rec.metrics.cuts == new.metrics.cuts == 2  # the same rule
    assert not any("legacy" in n for n in new.notes)


def test_silence_and_universal_streaming_name_no_mode(sim):
    rec = recommend_config(sim, RecommendOptions(model="silence", target_cutoff=0.5, thresholds=[800]))
    assert (rec.preset, rec.config.speech_model, rec.config.mode) == (None, None, None)
    assert rec.starts_from_text() == "silence-only threshold 800 ms (no AssemblyAI preset)"
    us = recommend_config(sim, RecommendOptions(model="universal-streaming", target_cutoff=1.0, mins=[400],
                                                maxs=[1280]))
    assert (us.config.speech_model, us.config.mode, us.preset) == ("universal-streaming-english", None, None)


def test_a_bootstrap_without_spread_gives_way_to_the_per_hold_interval():
    """Two calls, each with one 200 ms hold, none cut by the chosen setting: every resample over the calls has
    rate 0, so the bootstrap interval is the point 0 - the warning quotes the wider per-hold Wilson interval."""
    from turntune_nb.analysis.model import Transcript
    from turntune_nb.analysis.model import Utterance as U
    from turntune_nb.analysis.recommend import RecommendOptions, recommend_config
    from turntune_nb.analysis.results import analyze_transcripts

    calls = [Transcript(name, [U("A", 0, 1000), U("A", 1200, 2000), U("B", 2500, 3000)]) for name in ("a", "b")]
    rec = recommend_config(analyze_transcripts(calls), RecommendOptions(model="silence"))
    assert rec.cutoff_ci == (0.0, 0.0) and rec.metrics.cuts == 0
    # Wilson for 0 of 2 holds at 95 %: upper z^2 / (n + z^2) = 3.8415 / 5.8415 = 65.8 %
    warning = next(w for w in rec.warnings if w.startswith("too few data"))
    assert "0.0% – 65.8% (95%, per-hold Wilson: every resample over recordings gave the same rate)" in warning
    assert "2 holds and " in warning and "the guide's preset stands" in warning
