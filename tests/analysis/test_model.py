import pandas as pd
import pytest

from turntune_nb import columns as C
from turntune_nb.analysis.model import Transcript, Utterance, Word, transcripts_to_frame, words_to_frame


def test_times_are_validated():
    with pytest.raises(ValueError, match="end_ms .* must be >= start_ms"):
        Utterance("A", 500, 400)
    with pytest.raises(ValueError, match="start_ms must be >= 0"):
        Word("hi", -1, 10)
    with pytest.raises(ValueError, match="whole number"):
        Utterance("A", 0.5, 10)
    with pytest.raises(ValueError, match="speaker"):
        Utterance("", 0, 10)
    # integral floats are accepted and become ints
    u = Utterance("A", 10.0, 20.0)
    assert (u.start_ms, u.end_ms) == (10, 20) and isinstance(u.start_ms, int)


def test_frozen():
    u = Utterance("A", 0, 10)
    with pytest.raises(AttributeError):
        u.start_ms = 5


def test_transcript_sorts_and_reports_speakers():
    t = Transcript("f.wav", [Utterance("B", 500, 900), Utterance("A", 0, 400)])
    assert [u.speaker for u in t.utterances] == ["A", "B"]
    assert t.speakers == ("A", "B")
    assert "2 utterances" in repr(t)


def test_word_ends_sentence():
    assert Word("inside.", 0, 1).ends_sentence
    assert Word("why?", 0, 1).ends_sentence
    assert not Word("so,", 0, 1).ends_sentence


def test_frame_round_trip():
    t = Transcript("f", [Utterance("A", 0, 400, "hello", channel=0), Utterance("B", 500, 900, "", channel=1)])
    frame = t.to_frame()
    assert list(frame.columns) == [C.FILE, C.SPEAKER, C.START_MS, C.END_MS, C.TEXT, C.CHANNEL]
    back = Transcript.from_frame(frame)
    assert back.utterances == t.utterances and back.name == "f"


def test_concatenated_word_table_points_at_utterance_rows():
    t1 = Transcript("a", [Utterance("A", 0, 100, "x", (Word("x", 0, 100),))])
    t2 = Transcript("b", [Utterance("B", 0, 50, "", ()), Utterance("A", 60, 200, "y z", (Word("y", 60, 100), Word("z", 120, 200)))])
    utts = transcripts_to_frame([t1, t2])
    words = words_to_frame([t1, t2])
    assert isinstance(utts[C.FILE].dtype, pd.CategoricalDtype)
    assert words[C.UTTERANCE].tolist() == [0, 2, 2]
    assert utts.loc[words[C.UTTERANCE], C.START_MS].tolist() == [0, 60, 60]


def test_speaker_source_is_one_of_three_or_none():
    from turntune_nb.analysis.model import SPEAKER_SOURCES

    assert SPEAKER_SOURCES == ("channels", "diarisation", "unknown")
    assert Transcript("a.wav", speaker_source="channels").speaker_source == "channels"
    assert Transcript("a.wav").speaker_source is None
    with pytest.raises(ValueError, match="speaker_source must be one of"):
        Transcript("a.wav", speaker_source="guessed")
