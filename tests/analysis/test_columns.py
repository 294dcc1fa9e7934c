"""The column module is the tables' contract: the columns its docstring lists for each
table are exactly, and in order, the columns the functions produce."""

from __future__ import annotations

import re

import pytest

from turntune_nb.analysis import columns as C
from turntune_nb.analysis.gaps import compute_guide_gaps, compute_pauses, compute_transitions, compute_turn_ends
from turntune_nb.analysis.model import Transcript, Utterance, Word, transcripts_to_frame, words_to_frame


def documented() -> dict[str, list[str]]:
    """{table name: column values} from the 'Tables and their columns' section."""
    section = C.__doc__.split("Tables and their columns", 1)[1]
    tables, name = {}, None
    for line in section.splitlines():
        if line and not line.startswith(" ") and not set(line) <= {"-"}:
            name = line.split(" (")[0].strip()
        elif name and line.strip() and re.fullmatch(r"[A-Z_, ]+", line.strip()):
            tables[name] = [getattr(C, n.strip()) for n in line.split(",")]
    return tables


@pytest.fixture(scope="module")
def frames():
    # two speakers, words with a pause inside A's first turn: every table is non-empty
    a = Utterance("A", 0, 2000, "Hello there. So", words=(Word("Hello", 0, 400), Word("there.", 450, 900),
                                                          Word("So", 1500, 2000)))
    b = Utterance("B", 2300, 3000, "Right.", words=(Word("Right.", 2300, 3000),))
    t = Transcript("call.json", (a, b))
    u, w = transcripts_to_frame([t]), words_to_frame([t])
    return {
        "utterances": u, "words": w, "transitions": compute_transitions(u), "pauses": compute_pauses(u, w),
        "turn ends": compute_turn_ends(u, w), "guide gaps": compute_guide_gaps(u),
    }


def test_every_table_is_documented():
    assert set(documented()) == {"utterances", "words", "transitions", "pauses", "turn ends", "guide gaps"}


@pytest.mark.parametrize("table", ["utterances", "words", "transitions", "pauses", "turn ends", "guide gaps"])
def test_documented_columns_are_the_produced_ones(frames, table):
    assert list(frames[table].columns) == documented()[table]
    assert len(frames[table]) > 0


def test_kinds_and_levels_are_distinct_values():
    assert len(set(C.KINDS)) == len(C.KINDS) == 4
    assert C.WORD_LEVEL != C.SEGMENT_LEVEL
    names = [v for k, v in vars(C).items() if k.isupper() and isinstance(v, str) and k not in
             ("GAP", "OVERLAP", "PAUSE", "CONTAINED", "WORD_LEVEL", "SEGMENT_LEVEL", "UNKNOWN_SPEAKER")]
    assert len(names) == len(set(names)), "two constants name the same column"
