"""Scoring saved sessions again, without streaming: by hand on a small case, and a folder with a bad file."""

from __future__ import annotations

import math

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
