"""The events file a replay saves: owner-only, a header with the truth, read back as written."""

from __future__ import annotations

import json
import stat

import pytest

from turntune_nb.analysis.model import Transcript, Utterance, Word
from turntune_nb.errors import InputError
from turntune_nb.replay_events import HEADER_FIELDS, read_events, truth_json, write_events


def header(**extra) -> dict:
    words = (Word("hi", 100, 400), Word("there", 500, 900))
    truth = Transcript("call.wav", (Utterance("A", 100, 900, "hi there", words, channel=0),), source="csv")
    return {"type": "ReplayHeader", "file": "call.wav", "config": {"min_turn_silence": 200}, "speakers": ["A"],
            "audio_ms": 1000, "channel": 0, "truth": truth_json(truth), **extra}


def test_the_truth_is_saved_as_assemblyai_utterances():
    assert header()["truth"] == {"source": "csv", "utterances": [
        {"speaker": "A", "start": 100, "end": 900, "text": "hi there", "channel": 0,
         "words": [{"text": "hi", "start": 100, "end": 400}, {"text": "there", "start": 500, "end": 900}]}]}


def test_a_saved_file_is_owner_only_and_reads_back_as_written(tmp_path):
    events = [{"type": "Begin", "id": "x"}, {"type": "Turn", "end_of_turn": True, "emitted_at_ms": 1200}]
    path = write_events(tmp_path / "0000-call.jsonl", header(), events)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["0000-call.jsonl"]  # no temporary file left behind
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["type"] == "ReplayHeader"
    assert read_events(path) == (header(), events)


def test_a_file_that_cannot_be_scored_is_named_with_its_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(header()) + "\n{not json\n")
    with pytest.raises(InputError, match=r"bad.jsonl, line 2: not JSON"):
        read_events(bad)
    bad.write_text('{"type": "Turn"}\n')
    with pytest.raises(InputError, match=r"line 1: not a replay events file \(no ReplayHeader\)"):
        read_events(bad)
    bad.write_text(json.dumps({k: v for k, v in header().items() if k not in ("truth", "channel")}) + "\n")
    with pytest.raises(InputError, match=r"the ReplayHeader lacks \['channel', 'truth'\]"):
        read_events(bad)
    assert HEADER_FIELDS == {"file", "config", "speakers", "truth", "audio_ms", "channel"}
