"""Tuning for one side: which holds and turn ends belong to whom, worked by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from turntune_nb.analysis import columns as C
from turntune_nb.analysis.model import Transcript, Utterance, Word
from turntune_nb.analysis.recommend import RecommendOptions, recommend_config
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.analysis.sides import parse_roles, select_side
from turntune_nb.errors import InputError


def _call():
    """A two-channel call: caller A on channel 0, agent B on channel 1.

    A: 0-3000 with a 600 ms pause (words 0-1000 / 1600-3000), turn ends at 3000;
    B: 3500-9000 with a 400 ms and a 900 ms pause, turn ends at 9000;
    A: 9500-12000 with a 300 ms pause, end of file."""
    a1 = Utterance("A", 0, 3000, "hi there.", (Word("hi", 0, 1000), Word("there.", 1600, 3000)), channel=0)
    b1 = Utterance("B", 3500, 9000, "yes so um ok.", (Word("yes", 3500, 4000), Word("so", 4400, 5000),
                                                    Word("um", 5900, 7000), Word("ok.", 7000, 9000)), channel=1)
    a2 = Utterance("A", 9500, 12000, "fine thanks.", (Word("fine", 9500, 10000), Word("thanks.", 10300, 12000)),
                   channel=0)
    return analyze_transcripts([Transcript("call.wav", [a1, b1, a2])])


def test_select_by_speaker_channel_and_role():
    r = _call()
    for kwargs in (dict(speakers="A"), dict(channels=0), dict(speakers="caller", roles="caller=A"),
                   dict(speakers="caller", roles={"caller": "0"})):
        p, t, side = select_side(r.pauses, r.turn_ends, **kwargs)
        assert p[C.PAUSE_MS].tolist() == [600, 300], kwargs
        assert t[C.END_MS].tolist() == [3000, 12000], kwargs
    p, t, side = select_side(r.pauses, r.turn_ends, channels=[1])
    assert (p[C.PAUSE_MS].tolist(), t[C.END_MS].tolist(), side) == ([400, 900], [9000], "channel 1")


def test_every_figure_follows_the_side():
    r = _call()
    caller = r.for_speakers("A")
    assert caller.pause_summary[caller.pause_summary[C.FILE] == "call.wav"]["count"].tolist() == [2]
    # transitions after A's talk: A -> B (gap 500); B -> A is B's
    assert caller.transitions[[C.PREV_SPEAKER, C.OFFSET_MS]].values.tolist() == [["A", 500]]
    assert any("restricted to speaker A" in n for n in caller.notes) and caller.side == "speaker A"
    silence = RecommendOptions(model="silence")
    assert recommend_config(caller, silence).side == "speaker A"  # the side travels with the result
    # silence-only at 500 ms: A's holds 600 (cut) and 300: 1 of 2; B's would be 900 of (400, 900)
    silence = RecommendOptions(model="silence", target_cutoff=0.5, thresholds=[500, 700])
    rec = recommend_config(r, replace(silence, speakers=("A",)))
    assert (rec.metrics.holds, rec.metrics.cuts, rec.metrics.turn_ends, rec.side) == (2, 1, 2, "speaker A")
    assert "side: speaker A" in rec.summary_text()
    agent = recommend_config(r, replace(silence, channels=(1,)))
    assert (agent.metrics.holds, agent.metrics.cuts, agent.metrics.turn_ends) == (2, 1, 1)


def test_unknown_names_are_refused_with_what_exists():
    r = _call()
    with pytest.raises(InputError, match=r"no speaker 'caller' in these data \(speakers: A, B; name a role"):
        select_side(r.pauses, r.turn_ends, speakers="caller")
    with pytest.raises(InputError, match="no channel 3 in these data \\(channels, 0-based: 0, 1\\); name the side with --speaker"):
        select_side(r.pauses, r.turn_ends, channels=3)
    with pytest.raises(InputError, match="is not ROLE=LABEL"):
        parse_roles("caller")
    assert select_side(r.pauses, r.turn_ends)[2] is None


def test_offline_channel_speakers_without_a_channel_column():
    r = _call()
    def by_channel(f):
        return "ch" + f[C.SPEAKER].astype(str).map({"A": "0", "B": "1"})

    p = r.pauses.drop(columns=[C.CHANNEL]).assign(**{C.SPEAKER: by_channel, C.FLOOR_SPEAKER: lambda f: f[C.SPEAKER]})
    t = r.turn_ends.drop(columns=[C.CHANNEL]).assign(**{C.SPEAKER: by_channel})
    sp, st, _ = select_side(p, t, channels=[0])
    assert sp[C.PAUSE_MS].tolist() == [600, 300] and st[C.END_MS].tolist() == [3000, 12000]
