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
    with pytest.raises(InputError,
                       match="no channel 3 in these data \\(channels, 0-based: 0, 1\\); name the side with --speaker"):
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


def _rttm_call(tmp_path, caller_channel: str, agent_channel: str):
    """A two-party call as RTTM (seconds): caller A 0-3 s, agent B 3.5-9 s, caller A 9.5-12 s with a 300 ms
    pause (9.5-10.0, 10.3-12.0). Returns the analysis."""
    from turntune_nb.analysis.readers import read_rttm

    lines = [f"SPEAKER call {caller_channel} 0.000 3.000 <NA> <NA> A <NA> <NA>",
             f"SPEAKER call {agent_channel} 3.500 5.500 <NA> <NA> B <NA> <NA>",
             f"SPEAKER call {caller_channel} 9.500 0.500 <NA> <NA> A <NA> <NA>",
             f"SPEAKER call {caller_channel} 10.300 1.700 <NA> <NA> A <NA> <NA>"]
    (tmp_path / "call.rttm").write_text("\n".join(lines) + "\n")
    return analyze_transcripts(read_rttm(tmp_path / "call.rttm"))


def test_rttm_channels_count_from_1_and_channel_counts_from_0(tmp_path):
    # RTTM column 1 = the first channel = --channel 0; column 2 = --channel 1
    r = _rttm_call(tmp_path, "1", "2")
    p, t, side = select_side(r.pauses, r.turn_ends, channels=0)
    # A's turn ends: 3000 (B starts 3500) and 12000 (end of file); A's one pause: 10000-10300
    assert (t[C.END_MS].tolist(), p[C.PAUSE_MS].tolist(), side) == ([3000, 12000], [300], "channel 0")
    p, t, _ = select_side(r.pauses, r.turn_ends, channels=1)
    assert (t[C.END_MS].tolist(), p[C.PAUSE_MS].tolist()) == ([9000], [])
    with pytest.raises(InputError, match=r"no channel 2 in these data \(channels, 0-based: 0, 1\)"):
        select_side(r.pauses, r.turn_ends, channels=2)
    # the same conventions in the replay's reading of a side and in a role naming a channel
    from turntune_nb.analysis.readers import read_rttm
    from turntune_nb.replay_plan import _side

    (truth,) = read_rttm(tmp_path / "call.rttm")
    assert _side(truth, 0, None) == ("A",) and _side(truth, 1, None) == ("B",)
    assert select_side(r.pauses, r.turn_ends, speakers="caller", roles="caller=0")[1][C.END_MS].tolist() == [3000,
                                                                                                           12000]


def test_a_constant_channel_column_is_refused_naming_speaker(tmp_path):
    # real RTTM files write channel 1 on every line: it does not separate A from B
    r = _rttm_call(tmp_path, "1", "1")
    for ch in (0, 1):
        with pytest.raises(InputError, match=r"channel %d: several speakers \(A, B\) share one channel value in "
                                             r"call.*name the side with --speaker.*speakers: A, B" % ch):
            select_side(r.pauses, r.turn_ends, channels=ch)
    from turntune_nb.analysis.readers import read_rttm
    from turntune_nb.replay_plan import _side

    (truth,) = read_rttm(tmp_path / "call.rttm")
    with pytest.raises(InputError, match="--speaker"):
        _side(truth, 0, None)
    # --speaker still selects one party: A's turn ends 3000 and 12000
    assert select_side(r.pauses, r.turn_ends, speakers="A")[1][C.END_MS].tolist() == [3000, 12000]


def test_channel_labels_of_the_offline_and_multichannel_paths():
    from turntune_nb.analysis.sides import channel_index, label_channel, speakers_on_channel

    # offline ch0/ch1 are 0-based; AssemblyAI multichannel 1A/2A are channels 1 and 2 counted from 1: 0 and 1
    assert [label_channel(x) for x in ("ch0", "ch1", "1A", "2A", "A", "1")] == [0, 1, 0, 1, None, None]
    assert [channel_index(x, one_based=True) for x in ("1", "2", "<NA>")] == [0, 1, None]
    assert speakers_on_channel([("f", "1A", None), ("f", "2A", None)], 1) == ("2A",)


def _backchannel_call():
    """Caller A talks 0-6000 (words 0-2000, 2100-6000: a 100 ms pause); agent B backchannels inside it,
    1000-2500, with words "uh" 1000-1200 and "huh" 1900-2500 (a 700 ms pause, during which A talks);
    then B 7000-9000 (words 7000-7500, 8000-9000: a 500 ms pause) and A 9500-10000."""
    a1 = Utterance("A", 0, 6000, "so then.", (Word("so", 0, 2000), Word("then.", 2100, 6000)), channel=0)
    bc = Utterance("B", 1000, 2500, "uh huh", (Word("uh", 1000, 1200), Word("huh", 1900, 2500)), channel=1)
    b2 = Utterance("B", 7000, 9000, "ok sure.", (Word("ok", 7000, 7500), Word("sure.", 8000, 9000)), channel=1)
    a2 = Utterance("A", 9500, 10000, "bye.", (Word("bye.", 9500, 10000),), channel=0)
    return analyze_transcripts([Transcript("bc.wav", [a1, bc, b2, a2])])


def test_holds_own_or_floor_on_a_backchannel():
    r = _backchannel_call()
    # every pause: A 2000-2100 (100 ms), B 1200-1900 (700, inside the backchannel: floor A), B 7500-8000 (500)
    assert sorted(zip(r.pauses[C.SPEAKER].astype(str), r.pauses[C.FLOOR_SPEAKER].astype(str),
                      r.pauses[C.PAUSE_MS])) == [("A", "A", 100), ("B", "A", 700), ("B", "B", 500)]
    # own (the default): the caller's holds are A's own silences, 100 ms only
    p, t, _ = select_side(r.pauses, r.turn_ends, speakers="A")
    assert p[C.PAUSE_MS].tolist() == [100] and t[C.END_MS].tolist() == [6000, 10000]
    # floor: the 700 ms pause inside B's backchannel is charged to A, who talks throughout it
    p, _, side = select_side(r.pauses, r.turn_ends, speakers="A", holds="floor")
    assert p[C.PAUSE_MS].tolist() == [700, 100]  # in order of start: 1200, 2000
    assert side == "speaker A, floor holder's pauses"
    # the agent's side: own keeps B's 700 and 500 ms silences (floor_speaker now B, its own turn); floor only 500
    p, _, _ = select_side(r.pauses, r.turn_ends, channels=1)
    assert (p[C.PAUSE_MS].tolist(), p[C.FLOOR_SPEAKER].astype(str).tolist()) == ([700, 500], ["B", "B"])
    assert select_side(r.pauses, r.turn_ends, channels=1, holds="floor")[0][C.PAUSE_MS].tolist() == [500]
    with pytest.raises(InputError, match="holds must be one of own, floor"):
        select_side(r.pauses, r.turn_ends, speakers="A", holds="mine")


def test_holds_flow_through_the_recommendation_and_the_result():
    r = _backchannel_call()
    # silence-only at 600 ms over the caller: own holds (100) none cut: 0 %; floor holds (100, 700): 700 cut, 50 %
    opts = RecommendOptions(model="silence", target_cutoff=0.5, thresholds=[600], speakers=("A",))
    assert recommend_config(r, opts).metrics.cutoff_rate == 0.0
    assert recommend_config(r, replace(opts, holds="floor")).metrics.cutoff_rate == 0.5
    assert r.for_speakers("A", holds="floor").pauses[C.PAUSE_MS].tolist() == [700, 100]
    assert r.for_speakers("A").pauses[C.PAUSE_MS].tolist() == [100]


def test_a_side_picker_offers_only_channels_that_separate_the_parties(tmp_path):
    from turntune_nb.analysis.sides import separating_channels

    # RTTM columns 1 and 2: channels 0 and 1 each hold one party
    r = _rttm_call(tmp_path, "1", "2")
    assert separating_channels(r.pauses, r.turn_ends) == [0, 1]
    # a constant column: no channel to offer (the speakers are offered instead)
    r = _rttm_call(tmp_path, "1", "1")
    assert separating_channels(r.pauses, r.turn_ends) == []
