"""Scoring saved sessions again, without streaming: by hand on a small case, and a folder with a bad file."""

from __future__ import annotations

import json
import math
import stat

import pytest

from tests.conftest import SAMPLES
from turntune_nb.analysis.model import Transcript, Utterance
from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.errors import InputError
from turntune_nb.replay import ReplayOptions, replay
from turntune_nb.replay_events import truth_json, write_events
from turntune_nb.rescore import rescore, score_records

SYNTH = SAMPLES / "synthetic"


def one_call(fired_at: list, speakers=("A",)):
    """A: 0-1000 and 1500-2500 ms (a 500 ms hold), B: 3500-4500 ms; A's turn end at 2500 (1000 ms to B).
    Setting 200/800; fires of A's speech ending at ``end_ms`` decided at ``emitted_at_ms``."""
    truth = Transcript("call", (Utterance("A", 0, 1000), Utterance("A", 1500, 2500), Utterance("B", 3500, 4500)))
    header = {"type": "ReplayHeader", "index": 0, "file": "call", "config": {"min_turn_silence": 200,
              "max_turn_silence": 800}, "speakers": list(speakers), "channel": None, "audio_ms": 4500,
              "truth": truth_json(truth)}
    return header, [{"type": "Turn", "end_of_turn": True, "end_ms": end, "emitted_at_ms": at} for end, at in fired_at]


def test_a_cut_hold_and_a_late_turn_end_scored_by_hand():
    # fired 300 ms into the 500 ms hold (a cut) and 900 ms after the turn end at 2500 (latency 900)
    row = score_records([one_call([(1000, 1300), (2500, 3400)])], model="silence").overall.iloc[0]
    assert (row["holds"], row["cuts"], row["cutoff_rate"]) == (1, 1, 1.0)
    assert (row["turn_ends"], row["fired"], row["missed"], row["latency_mean_ms"]) == (1, 1, 0, 900.0)
    # the silence rule at 800 ms: the 500 ms hold passes, the turn end fires 800 ms after it
    assert (row["predicted_cutoff_rate"], row["predicted_latency_mean_ms"]) == (0.0, 800.0)
    assert (row["gap_cutoff_rate"], row["gap_latency_mean_ms"]) == (1.0, 100.0)


def test_a_turn_end_that_never_fired_is_missed_not_a_latency():
    row = score_records([one_call([])], model="silence").overall.iloc[0]
    assert (row["turn_ends"], row["fired"], row["missed"], row["cuts"]) == (1, 0, 1, 0)
    assert math.isnan(row["latency_mean_ms"])


def test_rescore_names_a_malformed_events_file_and_scores_the_others(tmp_path):
    events = tmp_path / "events"
    header, fired = one_call([(2500, 3400)])
    events.mkdir()
    write_events(events / "0000-call.jsonl", header, fired)
    (events / "9998-broken.jsonl").write_text('{"type": "ReplayHeader"\n')
    (events / "9999-partial.jsonl").write_text('{"type": "ReplayHeader", "file": "x.wav"}\n{"type": "Turn"}\n')
    result = rescore(events, model="silence")
    assert len(result.overall) == 1 and result.overall.iloc[0]["files"] == 1
    assert result.overall.iloc[0]["latency_mean_ms"] == 900.0 and result.events_dir == events
    assert [f["filename"] for f in result.failed] == ["9998-broken.jsonl", "9999-partial.jsonl"]
    assert "line 1: not JSON" in result.failed[0]["reason"] and "lacks ['audio_ms'" in result.failed[1]["reason"]
    with pytest.raises(InputError, match="no replay events"):
        rescore(tmp_path / "nothing")


def test_a_saved_replay_rescores_to_the_same_figures(tmp_path):
    events = tmp_path / "events"
    first = replay([SYNTH / "conv5.opus"], [StreamingConfig("fast", 200, 600)], truth=SYNTH / "truth", channel=0,
                   backend="offline", yes=True, options=ReplayOptions(speed=None, events_dir=events, model="silence"))
    again = rescore(events, model="silence")
    assert again.overall.equals(first.overall) and again.files.equals(first.files)


# --------------------------------------------------------------------------- every fire accounted for
def test_every_fire_is_classified_and_the_rate_says_which_it_counts():
    # one_call: A 0-1000, hold 1000-1500, A 1500-2500 (turn end; B 3500-4500). Tolerance: the truth has no
    # words and is utterances from truth_json (source "unknown"): segment ends, 550 ms.
    # fires: 300 (inside A's first segment, 700 ms before its end: speech), 1300 (the hold), 2000 (inside
    # 1500-2500, 500 ms before its end: within 550, so the turn end's: latency -500), 3400 (the same turn
    # end again: a second fire, no second latency)
    row = score_records([one_call([(None, 300), (1000, 1300), (None, 2000), (2500, 3400)])],
                        model="silence").overall.iloc[0]
    assert (row["fires"], row["fires_at_turn_end"], row["fires_in_hold"], row["fires_in_speech"]) == (4, 2, 1, 1)
    assert row["premature_rate"] == 0.5  # (1 in the hold + 1 in speech) / 4
    assert (row["cuts"], row["cutoff_rate"], row["latency_mean_ms"]) == (1, 1.0, -500.0)
    assert row["align_tolerance_ms"] == 550
    # given 250 instead: 2000 is 500 ms before the end, beyond 250: in speech, and 3400 sets the latency
    row = score_records([one_call([(None, 300), (1000, 1300), (None, 2000), (2500, 3400)])], model="silence",
                        align_tolerance_ms=250).overall.iloc[0]
    assert (row["fires_in_speech"], row["premature_rate"], row["latency_mean_ms"]) == (2, 0.75, 900.0)


def test_a_turn_sent_twice_is_one_fire():
    # AssemblyAI with format_turns: the end of turn 0 comes unformatted, then formatted (same turn_order)
    header, _ = one_call([])
    events = [{"type": "Turn", "turn_order": 0, "end_of_turn": True, "turn_is_formatted": False, "end_ms": 2500,
               "emitted_at_ms": 3300},
              {"type": "Turn", "turn_order": 0, "end_of_turn": True, "turn_is_formatted": True, "end_ms": 2500,
               "emitted_at_ms": 3450},
              {"type": "Turn", "turn_order": 1, "end_of_turn": False, "emitted_at_ms": 3500}]
    row = score_records([(header, events)], model="silence").overall.iloc[0]
    assert (row["fires"], row["fired"], row["latency_mean_ms"]) == (1, 1, 800.0)


def test_the_tolerance_comes_from_the_truth_and_is_said():
    header, fired = one_call([(2500, 3400)])
    result = score_records([(header, fired)], model="silence")
    assert any("alignment tolerance 550 ms for call: segment ends" in n for n in result.notes)
    worded = dict(header, truth=dict(header["truth"], source="assemblyai"))
    worded["truth"]["utterances"] = [dict(u, words=[{"text": "x", "start": u["start"], "end": u["end"]}])
                                     for u in header["truth"]["utterances"]]
    result = score_records([(worded, fired)], model="silence")
    assert result.files.iloc[0]["align_tolerance_ms"] == 250
    assert any("alignment tolerance 250 ms for call: word timings" in n for n in result.notes)


def test_a_measurement_outside_the_prediction_is_said_in_words():
    # the silence rule at 800 ms: latency exactly 800 and no cut; measured: the hold cut, latency 900
    result = score_records([one_call([(1000, 1300), (2500, 3400)])], model="silence")
    row = result.overall.iloc[0]
    assert (row["cutoff_rate_vs_prediction"], row["latency_mean_ms_vs_prediction"]) == ("above", "above")
    assert "200/800: the measured cut-off rate (holds a fire fell in) 100.0% lies above the prediction (0.0%, " \
           "silence rule)" in " ".join(result.notes)
    assert "the measured mean latency 900 ms lies above the prediction (800 ms" in " ".join(result.notes)
    # the u3 rule without words is a bracket: 200 to 800 ms, 0 to 100 % of this 500 ms hold; 900 is above it,
    # the cut-off inside it
    u3 = score_records([one_call([(1000, 1300), (2500, 3400)])], model="u3-rt-pro")
    row = u3.overall.iloc[0]
    assert (row["predicted_latency_mean_ms_low"], row["predicted_latency_mean_ms"]) == (200.0, 800.0)
    assert (row["latency_mean_ms_vs_prediction"], row["cutoff_rate_vs_prediction"]) == ("above", "within")
    assert "(200 ms to 800 ms, u3-rt-pro rule)" in " ".join(u3.notes)


def two_channel(fires_1: list, fires_2: list):
    """A call on two channels: A (channel 0) 0-1000, hold, 1500-3000, 5000-6000; B (channel 1) 3200-4000,
    4200-4500, 6500-8000 (tests/analysis/test_turnbench.py's call). Each side's turns: a fire time, or
    (first message, fire time or None): a partial first, then the final."""
    truth = Transcript("call", (Utterance("A", 0, 1000), Utterance("A", 1500, 3000), Utterance("B", 3200, 4000),
                                Utterance("B", 4200, 4500), Utterance("A", 5000, 6000), Utterance("B", 6500, 8000)))
    out = []
    for channel, speaker, fires in ((0, "A", fires_1), (1, "B", fires_2)):
        header = {"type": "ReplayHeader", "index": 0, "file": "call", "config": {"min_turn_silence": 200,
                  "max_turn_silence": 800}, "speakers": [speaker], "channel": channel, "audio_ms": 8500,
                  "truth": truth_json(truth)}
        events = []
        for k, t in enumerate(fires):
            first, fire = t if isinstance(t, tuple) else (t, t)
            events.append({"type": "Turn", "turn_order": k, "end_of_turn": False, "emitted_at_ms": first})
            if fire is not None:
                events.append({"type": "Turn", "turn_order": k, "end_of_turn": True, "emitted_at_ms": fire})
        out.append((header, events))
    return out


def test_two_channel_sessions_in_turnbench_terms(tmp_path):
    # by hand in tests/analysis/test_turnbench.py: A fires 1200 (pause: FP), 3300 (TP +300), 3400, 5800
    # (TP -200); B 4400 (TP -100), 8000 missed, its pause quiet: recall 3/4, fp 1/2, p50 -100
    # A's last turn began at 5100 (its first message) and fired at 5800; B's second turn began at 5500 and
    # never fired: begun while A's turn was open, an interruption of B's (B's first turn began after A's
    # fire at 3400 and no other A turn was open: none)
    result = score_records(two_channel([1200, 3300, 3400, (5100, 5800)], [4400, (5500, None)]), model="silence")
    assert result.files["file"].tolist() == ["call (channel 0)", "call (channel 1)"]
    tb = result.turnbench.iloc[0]
    assert (tb["tp"], tb["fn"], tb["fp"], tb["tn"], tb["recall"], tb["fp_rate"]) == (3, 1, 1, 1, 0.75, 0.5)
    assert (tb["latency_p50_ms"], bool(tb["within_budget"]), tb["speakers_scored"]) == (-100.0, False, 2)
    [path] = result.write_turnbench(tmp_path / "tb")
    assert path.name == "turnbench-200-800.json" and stat.S_IMODE(path.stat().st_mode) == 0o600
    sub = json.loads(path.read_text())
    assert sub["predictions"] == [{"conversation_id": "call",
                                   "speaker_1": {"eot": [1.2, 3.3, 3.4, 5.8], "interruption": []},
                                   "speaker_2": {"eot": [4.4], "interruption": [5.5]}}]
    assert result.to_dict()["turnbench"][0]["recall"] == 0.75


def test_turnbench_needs_a_channel():
    result = score_records([one_call([(2500, 3400)])], model="silence")  # a mix (channel None)
    assert result.turnbench.empty
    with pytest.raises(InputError, match="no two-channel session"):
        result.write_turnbench("unused")
