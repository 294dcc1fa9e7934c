"""Per-speaker and per-role figures, worked out by hand on two small calls.

call1 (segments only):
    A 0-1000, A 1400-2000        A pauses 400 ms
    B 2300-3000                  B takes the floor after a 300 ms gap
    A 2800-4000                  A takes it back 200 ms before B ends (an overlap A started)
    B 3200-3500                  inside A's talk: a backchannel by B
    B 4500-5000                  B takes the floor 500 ms after A's end (4000)
    B 5600-6000                  B pauses 600 ms
    talk: A 1000+600+1200 = 2800, B 700+300+500+400 = 1900 (4700 in all)
    turn ends: A at 2000 and 4000, B at 3000 and at the end of the call (6000)
call2:
    A 0-1000, B 1500-2500 (gap 500), A 2600-3000 (gap 100); talk A 1400, B 1000
    turn ends: A at 1000 and 3000, B at 2500
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from turntune_nb.analysis.model import Transcript, Utterance as U
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.analysis.speakers import OTHER_ROLE, role_table, speaker_table
from turntune_nb.errors import InputError

CALL1 = Transcript("call1", [U("A", 0, 1000), U("A", 1400, 2000), U("B", 2300, 3000), U("A", 2800, 4000),
                             U("B", 3200, 3500), U("B", 4500, 5000), U("B", 5600, 6000)])
CALL2 = Transcript("call2", [U("A", 0, 1000), U("B", 1500, 2500), U("A", 2600, 3000)])
NAN = math.nan


def _rows(frame, columns):
    return [[None if (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v for v in row]
            for row in frame[list(columns)].astype(object).values.tolist()]


def test_one_row_per_file_and_speaker_with_each_figure_as_worked_out():
    # a silence-only endpointer at 500 ms cuts B's 600 ms pause, not A's 400 ms one
    table = speaker_table(analyze_transcripts([CALL1, CALL2]), setting=500, model="silence")
    cols = ("file", "speaker", "talk_ms", "turns", "pause_count", "pause_median_ms", "floor_takes",
            "floor_transfer_median_ms", "overlaps_started", "contained", "cutoff_rate")
    assert _rows(table, cols) == [
        ["call1", "A", 2800, 2, 1, 400.0, 1, -200.0, 1, 0, 0.0],
        ["call1", "B", 1900, 2, 1, 600.0, 2, 400.0, 0, 1, 1.0],      # floor transfers 300 and 500
        ["call2", "A", 1400, 2, 0, None, 1, 100.0, 0, 0, None],      # no pause: no cut-off rate
        ["call2", "B", 1000, 1, 0, None, 1, 500.0, 0, 0, None],
    ]
    assert table["talk_share"].tolist() == pytest.approx([2800 / 4700, 1900 / 4700, 1400 / 2400, 1000 / 2400])
    assert "channel" not in table  # no channel known
    assert table.attrs["setting"] == "500 ms, silence"


def test_roles_pool_the_files():
    result = analyze_transcripts([CALL1, CALL2])
    table = role_table(result, "agent=A,customer=B", setting=500, model="silence")
    cols = ("role", "files", "speaker_labels", "talk_ms", "turns", "pause_count", "pause_median_ms", "floor_takes",
            "floor_transfer_median_ms", "overlaps_started", "contained", "cutoff_rate")
    assert _rows(table, cols) == [
        # A's floor transfers -200 and 100: the median of the pooled values is -50 (not a median of medians)
        ["agent", 2, "A", 4200, 4, 1, 400.0, 2, -50.0, 1, 0, 0.0],
        ["customer", 2, "B", 2900, 3, 1, 600.0, 3, 500.0, 0, 1, 1.0],  # transfers 300, 500, 500
    ]
    assert table["talk_share"].tolist() == pytest.approx([4200 / 7100, 2900 / 7100])
    # the same figures through the result, with a dict of roles
    by_dict = result.roles({"agent": "A", "customer": ["B"]}, setting=500, model="silence")
    assert by_dict["talk_ms"].tolist() == [4200, 2900]


def test_speakers_no_role_names_are_kept_in_one_row():
    table = role_table(analyze_transcripts([CALL1, CALL2]), "agent=A")
    assert table["role"].tolist() == ["agent", OTHER_ROLE]
    assert table["talk_ms"].tolist() == [4200, 2900]
    assert table["talk_share"].sum() == pytest.approx(1.0)


def test_roles_by_channel_and_channels_shown():
    call = Transcript("two-channel", [U("X", 0, 1000, channel=0), U("Y", 1200, 2000, channel=1),
                                      U("X", 2500, 3000, channel=0)])
    result = analyze_transcripts([call])
    speakers = result.speakers
    assert speakers["channel"].tolist() == [0, 1]
    assert speakers["talk_ms"].tolist() == [1500, 800]
    table = role_table(result, {"agent": "0", "customer": "ch1"})
    assert table[["role", "speaker_labels", "talk_ms", "floor_takes"]].values.tolist() == [
        ["agent", "X", 1500, 1], ["customer", "Y", 800, 1]]


def test_a_speakers_own_overlapping_segments_count_once():
    call = Transcript("f", [U("A", 0, 1000), U("A", 500, 1500), U("A", 1400, 1450), U("B", 2000, 2500)])
    assert speaker_table(analyze_transcripts([call]))["talk_ms"].tolist() == [1500, 500]


def test_unknown_speakers_leave_speaker_changes_unknown_not_zero():
    mono = Transcript("mono.wav", [U("UNKNOWN", 0, 1000), U("UNKNOWN", 1500, 3000), U("UNKNOWN", 3400, 5000),
                                   U("UNKNOWN", 6200, 7000)], speaker_source="unknown")
    row = speaker_table(analyze_transcripts([mono])).iloc[0]
    assert row["talk_ms"] == 1000 + 1500 + 1600 + 800
    assert row["pause_count"] == 3 and row["pause_median_ms"] == 500  # silences 500, 400, 1200
    for column in ("turns", "floor_takes", "overlaps_started", "contained"):
        assert row[column] is pd.NA
    assert math.isnan(row["floor_transfer_median_ms"]) and math.isnan(row["cutoff_rate"])


def test_a_role_naming_nobody_says_who_there_is():
    result = analyze_transcripts([CALL1])
    with pytest.raises(InputError, match=r"role 'agent' names 'Z'.*speakers: A, B"):
        role_table(result, "agent=Z")
    with pytest.raises(InputError, match=r"channel 3"):
        role_table(result, "agent=3")


# --------------------------------------------------------------------------- outside review: who a figure belongs to
def test_a_speaker_two_roles_name_belongs_to_the_first():
    result = analyze_transcripts([CALL1, CALL2])
    # A is named by agent and by customer: agent comes first, so A is the agent's; the customer keeps B
    table = role_table(result, "agent=A,customer=A+B")
    assert table[["role", "speaker_labels", "talk_ms"]].values.tolist() == [["agent", "A", 4200],
                                                                           ["customer", "B", 2900]]
    # the order given decides, not the names: here the customer comes first and takes both
    table = role_table(result, {"customer": ["B", "A"], "agent": "A"})
    assert table[["role", "speaker_labels", "talk_ms"]].values.tolist() == [["customer", "A, B", 7100],
                                                                           ["agent", "", 0]]


def test_a_pause_inside_a_backchannel_counts_for_the_speaker_holding_the_floor():
    from turntune_nb.analysis.model import Word

    # A talks 0-10000; B's "yeah ... right" (3000-4500, a 700 ms pause between the words) lies inside
    # A's talk; B's own turn is 12000-15000. The pause is B's, but A holds the floor there: it is A's
    # pause (and cut by a silence-only endpointer at 500 ms), B has none.
    a = U("A", 0, 10_000, "long story.", (Word("long", 0, 5000), Word("story.", 5000, 10_000)))
    b1 = U("B", 3000, 4500, "yeah right", (Word("yeah", 3000, 3300), Word("right", 4000, 4500)))
    b2 = U("B", 12_000, 15_000, "my turn.", (Word("my", 12_000, 13_000), Word("turn.", 13_000, 15_000)))
    table = speaker_table(analyze_transcripts([Transcript("bc", [a, b1, b2])]), setting=500, model="silence")
    assert _rows(table, ("speaker", "pause_count", "pause_median_ms", "cutoff_rate", "contained")) == [
        ["A", 1, 700.0, 1.0, 0],
        ["B", 0, None, None, 1],
    ]
