"""Gap statistics: the guide's figures and the summaries, hand-worked cases, the real
samples, and properties against an independent, deliberately naive reference."""

import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.analysis.segment_cases import (
    LAST_FILE_WITHOUT_GAPS,
    MAX_EXAMPLES,
    TIE_IN_LINE_ORDER,
    TIE_OF_STARTS,
    Reversing,
    frame,
    kinds,
    pinned,
    segments,
    to_frame,
)
from turntune_nb import columns as C
from turntune_nb.analysis.gaps import (
    compute_guide_gaps,
    floor_transfer_offsets,
    guide_overall,
    guide_statistics,
    stats_from_counts,
    summarize_transitions,
    summarize_values,
    transition_totals,
    variability_class,
)
from turntune_nb.analysis.model import Transcript, Utterance, transcripts_to_frame, words_to_frame
from turntune_nb.analysis.readers import read_assemblyai_json, read_rttm
from turntune_nb.analysis.transitions import compute_transitions
from turntune_nb.analysis.turns import compute_pauses, compute_turn_ends


# ------------------------------------------------------------------ the guide, by hand
def test_even_and_odd_medians():
    per_file, overall, _ = guide_statistics(frame(("A", 0, 100), ("B", 200, 300), ("A", 600, 700)))
    # gaps 100 and 300: true median 200 (the guide's sorted(x)[n//2] would say 300)
    assert per_file["median_gap_ms"].tolist() == [200.0]
    assert overall["overall_median_gap_ms"] == 200.0
    per_file, overall, _ = guide_statistics(frame(("A", 0, 100), ("B", 200, 300), ("A", 700, 800), ("B", 1000, 1100)))
    assert per_file["median_gap_ms"].tolist() == [200.0]  # gaps 100, 400, 200


def test_one_utterance_and_all_overlapping_files_are_skipped_with_reasons():
    frames = pd.concat([
        frame(("A", 0, 100), name="single"),
        frame(("A", 0, 1000), ("B", 900, 2000), name="overlapping"),
        frame(("A", 0, 1000), ("B", 1500, 2000), name="ok"),
    ], ignore_index=True)
    per_file, overall, skipped = guide_statistics(frames)
    assert per_file["filename"].tolist() == ["ok"]
    assert skipped == [
        {"filename": "single", "reason": "fewer than 2 utterances (1)"},
        {"filename": "overlapping",
         "reason": "no positive gap between consecutive utterances (all speech touches or overlaps)"},
    ]
    assert overall["total_files_analyzed"] == 1 and overall["total_gaps"] == 1


def test_file_without_gaps_after_one_with_gaps_keeps_the_first_files_extremes():
    frames = pd.concat([frame(("A", 0, 100), ("B", 200, 300), ("A", 900, 1000), name="a"),
                        frame(("A", 0, 100), name="b")], ignore_index=True)
    per_file, _, _ = guide_statistics(frames)
    assert per_file[["min_gap_ms", "max_gap_ms", "average_gap_ms"]].values.tolist() == [[100.0, 600.0, 350.0]]


def test_no_gaps_anywhere():
    per_file, overall, skipped = guide_statistics(frame(("A", 0, 100)))
    assert per_file.empty and overall["overall_average_gap_ms"] is None and overall["variability"] == "UNKNOWN"
    assert len(skipped) == 1


def test_variability_classes():
    assert [variability_class(x) for x in (3.01, 3.0, 2.01, 2.0, 1.0)] == ["HIGH", "MODERATE", "MODERATE", "LOW", "LOW"]


# ------------------------------------------------------------------ summaries
def test_floor_transfer_offsets_put_gaps_and_overlaps_on_one_axis():
    # A 0-1000, B 1200-2000 (gap +200), A 1900-3000 (overlap -100), B 2100-2200 inside A's talk
    # (a backchannel: no floor transfer), B 3400-4000 (gap +400): offsets 200, -100, 400
    t = Transcript("f", [Utterance("A", 0, 1000), Utterance("B", 1200, 2000), Utterance("A", 1900, 3000),
                         Utterance("B", 2100, 2200), Utterance("B", 3400, 4000)])
    fto = floor_transfer_offsets(compute_transitions(t.to_frame())).set_index(C.FILE)
    row = fto.loc["f"]
    assert (row["count"], row["mean_ms"], row["median_ms"], row["min_ms"], row["max_ms"]) == (
        3, 500 / 3, 200, -100, 400)
    # p10 of (-100, 200, 400), linear: position 0.2 -> -100 + 0.2 * 300 = -40
    assert row["p10_ms"] == pytest.approx(-40.0) and row["overlap_share"] == pytest.approx(1 / 3)
    assert fto.loc["(all files)", "count"] == 3


# ------------------------------------------------------------------ the real files
def test_pyannote_sample_worked_by_hand(sample_rttm):
    """samples/real/sample.rttm sorted by onset (ms):
    90 6690-7120, 91 7550-8350, 90 8320-10020, 91 9920-11030, 90 10570-14700,
    91 14490-17920, 90 18050-21490, 91 18150-18590, 91 21780-28500, 90 27850-30000.
    Consecutive positive gaps (the guide): 430, 130 and 3190 (21780 - 18590, across
    the backchannel). With predecessors: gaps 430, 130, 290 (21780 - 21490);
    overlaps -30, -100, -460, -210, -650; 91's 18150-18590 is contained (-3340)."""
    utts = transcripts_to_frame(read_rttm(sample_rttm))
    per_file, overall, skipped = guide_statistics(utts)
    assert skipped == []
    assert overall["total_utterances"] == 10 and overall["total_gaps"] == 3
    assert overall["overall_average_gap_ms"] == pytest.approx(1250.0)
    assert overall["overall_median_gap_ms"] == 430.0
    assert (overall["overall_min_gap_ms"], overall["overall_max_gap_ms"]) == (130.0, 3190.0)
    assert overall["variability_ratio"] == pytest.approx(3190 / 1250) and overall["variability"] == "MODERATE"
    tr = compute_transitions(utts)
    assert kinds(tr) == [("gap", 430), ("overlap", -30), ("overlap", -100), ("overlap", -460), ("overlap", -210),
                         ("gap", 130), ("contained", -3340), ("gap", 290), ("overlap", -650)]
    summary = summarize_transitions(tr).set_index([C.FILE, C.KIND])
    assert summary.loc[("sample", "overlap"), "count"] == 5
    assert summary.loc[("sample", "overlap"), "share_of_speaker_changes"] == pytest.approx(5 / 8)
    assert summary.loc[("sample", "gap"), "median_ms"] == 290.0
    assert summary.loc[("sample", "gap"), "mean_ms"] == pytest.approx((430 + 130 + 290) / 3)
    overlaps = [-30, -100, -460, -210, -650]
    assert summary.loc[("sample", "overlap"), "p10_ms"] == pytest.approx(np.percentile(overlaps, 10))
    ends = compute_turn_ends(utts)
    assert len(ends) == 9  # 8 speaker changes + the floor holder at the end
    assert ends[C.SILENCE_AFTER_MS].tolist()[:8] == [430, -30, -100, -460, -210, 130, 290, -650]
    assert np.isnan(ends[C.SILENCE_AFTER_MS].iloc[-1]) and ends[C.END_MS].iloc[-1] == 30000
    assert compute_pauses(utts).empty  # no same-speaker pauses in this file, no words


def test_assemblyai_file_worked_by_hand(data_dir):
    t = read_assemblyai_json(data_dir / "assemblyai" / "wildfires_speaker_labels_truncated.json")
    utts, words = transcripts_to_frame([t]), words_to_frame([t])
    per_file, overall, _ = guide_statistics(utts)
    # gaps 27850-26950, 29610-28840, 38970-37400, 56276-56142, 62290-61070
    assert compute_guide_gaps(utts)[C.GAP_MS].tolist() == [900, 770, 1570, 134, 1220]
    assert overall["overall_average_gap_ms"] == pytest.approx(918.8)
    assert overall["overall_median_gap_ms"] == 900.0
    ends = compute_turn_ends(utts, words)
    assert ends[C.LAST_WORD].tolist() == ["professor.", "morning.", "away?", "there.", "harmful.", "brain."]
    assert ends[C.TERMINAL].tolist() == [True] * 6
    assert (ends[C.LEVEL] == C.WORD_LEVEL).all()
    pauses = compute_pauses(utts, words)
    # independent count: gaps of more than 10 ms between consecutive words inside each utterance
    # (225 positive gaps, 17 of them 1-10 ms slivers that segments would merge)
    expected = sum(1 for u in t.utterances for a, b in zip(u.words, u.words[1:]) if b.start_ms - a.end_ms > 10)
    slivers = sum(1 for u in t.utterances for a, b in zip(u.words, u.words[1:]) if 0 < b.start_ms - a.end_ms <= 10)
    assert len(pauses) == expected == 208 and slivers == 17
    first = pauses.iloc[0]
    w = t.utterances[0].words
    k = next(i for i in range(len(w) - 1) if w[i + 1].start_ms > w[i].end_ms + 10)
    assert (first[C.WORD_BEFORE], first[C.PAUSE_MS]) == (w[k].text, w[k + 1].start_ms - w[k].end_ms)


# ------------------------------------------------------------------ properties
def naive_guide(segs):
    """Reference for the guide: {file: (utterances, positive gaps between consecutive
    utterances in (start, end) order)}, files in order of first appearance."""
    out = {}
    for f in dict.fromkeys(s[0] for s in segs):
        own = sorted((a, b) for ff, _, a, b in segs if ff == f)
        out[f] = (len(own), [a2 - b1 for (_, b1), (a2, _) in zip(own, own[1:]) if a2 - b1 > 0])
    return out


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(segments(), st.randoms(use_true_random=False))
@example(TIE_IN_LINE_ORDER, Reversing())
@example(TIE_OF_STARTS, Reversing())
@example(LAST_FILE_WITHOUT_GAPS, Reversing())
def test_shuffling_lines_changes_nothing(segs, rnd):
    shuffled = list(segs)
    rnd.shuffle(shuffled)
    a, b = to_frame(segs), to_frame(shuffled)
    key = [C.FILE, C.START_MS, C.END_MS, C.SPEAKER]
    ta = compute_transitions(a).astype({C.FILE: str}).sort_values(key).reset_index(drop=True)
    tb = compute_transitions(b).astype({C.FILE: str}).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(ta, tb)
    ga, oa, sa = guide_statistics(a)
    gb, ob, sb = guide_statistics(b)
    assert sorted(compute_guide_gaps(a)[C.GAP_MS]) == sorted(compute_guide_gaps(b)[C.GAP_MS])
    assert oa == ob or all((oa[k] == ob[k]) or (oa[k] is not None and ob[k] is not None and np.isclose(oa[k], ob[k]))
                           for k in oa)


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(segments())
@pinned
def test_no_kept_gap_is_non_positive_and_counts_add_up(segs):
    f = to_frame(segs)
    gaps = compute_guide_gaps(f)
    assert (gaps[C.GAP_MS] > 0).all()
    ref = naive_guide(segs)
    expected = sum(len(g) for _, g in ref.values())
    assert len(gaps) == expected
    per_file, overall, skipped = guide_statistics(f)
    assert per_file["total_gaps"].sum() == overall["total_gaps"] == expected
    assert len(per_file) + len(skipped) == f[C.FILE].nunique()
    # each file's figures against the reference (files without a gap are skipped)
    want = {name: (n, len(g), statistics.fmean(g), statistics.median(g), min(g), max(g))
            for name, (n, g) in ref.items() if g}
    cols = ["total_utterances", "total_gaps", "average_gap_ms", "median_gap_ms", "min_gap_ms", "max_gap_ms"]
    assert per_file["filename"].tolist() == list(want)
    for row, expected_row in zip(per_file[cols].itertuples(index=False), want.values()):
        assert list(row) == pytest.approx(list(expected_row))
    if want:
        assert overall["average_of_file_averages_ms"] == pytest.approx(statistics.fmean(w[2] for w in want.values()))


# ------------------------------------------------------------------ the summaries: by hand, and against a plain groupby
def _hand_transitions() -> pd.DataFrame:
    """Two files (categories y before x) and a kind never seen (contained)."""
    return pd.DataFrame({
        C.FILE: pd.Categorical(["x", "x", "x", "y", "x"], categories=["y", "x"]),
        C.KIND: pd.Categorical(["gap", "overlap", "gap", "pause", "gap"], categories=list(C.KINDS)),
        C.OFFSET_MS: [100, -50, 300, 200, 500],
    })


def test_summarize_transitions_worked_by_hand():
    s = summarize_transitions(_hand_transitions())
    # 3 files (y, x, all) x 4 kinds, in category then KINDS order
    assert list(zip(s[C.FILE], s[C.KIND])) == [(f, k) for f in ("y", "x", "(all files)") for k in C.KINDS]
    s = s.set_index([C.FILE, C.KIND])
    # x: gaps 100, 300, 500 -> count 3, mean 300, median 300; p10 = 100 + 0.1 * 2 * (300 - 100) = 140
    gap = s.loc[("x", "gap")]
    assert (gap["count"], gap["mean_ms"], gap["median_ms"], gap["min_ms"], gap["max_ms"]) == (3, 300.0, 300.0,
                                                                                            100.0, 500.0)
    assert gap["p10_ms"] == pytest.approx(140.0)
    # p95 = position 0.95 * 2 = 1.9: 300 + 0.9 * (500 - 300) = 480
    assert gap["p95_ms"] == pytest.approx(480.0)
    # shares in x: 3 gaps of 4 transitions; among speaker changes 3 of 4 gaps, 1 of 4 overlaps
    assert gap["share"] == 0.75 and gap["share_of_speaker_changes"] == 0.75
    assert s.loc[("x", "overlap"), "share_of_speaker_changes"] == 0.25
    assert np.isnan(s.loc[("x", "pause"), "share_of_speaker_changes"])  # pauses are not speaker changes
    # y: one pause, no speaker change -> no share among speaker changes
    assert s.loc[("y", "pause"), "count"] == 1 and s.loc[("y", "pause"), "share"] == 1.0
    assert s.loc[("y", "gap"), "count"] == 0 and np.isnan(s.loc[("y", "gap"), "mean_ms"])
    assert np.isnan(s.loc[("y", "gap"), "share_of_speaker_changes"])
    # all files: 5 transitions, 3 gaps (share 0.6), speaker changes 3 + 1 = 4
    allg = s.loc[("(all files)", "gap")]
    assert (allg["count"], allg["share"], allg["share_of_speaker_changes"]) == (3, 0.6, 0.75)
    assert s.loc[("(all files)", "contained"), "count"] == 0


def test_summarize_values_groups_in_first_seen_order_with_the_all_files_row_last():
    frame = pd.DataFrame({C.FILE: ["b", "a", "b", "a", "b"], C.PAUSE_MS: [400, 100, 200, 300, 600]})
    s = summarize_values(frame, C.PAUSE_MS)
    assert s[C.FILE].tolist() == ["b", "a", "(all files)"]
    # b: 400, 200, 600 -> mean 400, median 400; a: 100, 300 -> mean 200, median 200; all: mean 1600 / 5 = 320
    assert s["count"].tolist() == [3, 2, 5]
    assert s["mean_ms"].tolist() == [400.0, 200.0, 320.0]
    assert s["median_ms"].tolist() == [400.0, 200.0, 300.0]
    # two keys: the all-files rows per value of the second key, in the order it first appears
    frame["k"] = ["u", "v", "v", "u", "u"]
    s2 = summarize_values(frame, C.PAUSE_MS, by=(C.FILE, "k"))
    assert list(zip(s2[C.FILE], s2["k"])) == [("b", "u"), ("a", "v"), ("b", "v"), ("a", "u"),
                                              ("(all files)", "u"), ("(all files)", "v")]
    # u: 400, 300, 600 -> mean 433.3; v: 100, 200 -> 150
    assert s2["mean_ms"].tolist()[-2:] == [pytest.approx(1300 / 3), 150.0]
    assert summarize_values(frame.iloc[:0], C.PAUSE_MS).empty  # no rows: no all-files row


def _groupby_summary(transitions: pd.DataFrame) -> pd.DataFrame:
    """The same figures from a plain pandas groupby (an independent implementation)."""
    t = transitions.assign(**{C.FILE: transitions[C.FILE].astype(str), C.KIND: transitions[C.KIND].astype(str)})
    both = pd.concat([t, t.assign(**{C.FILE: "(all files)"})])
    g = both.groupby([C.FILE, C.KIND])[C.OFFSET_MS]
    out = g.agg(count="count", mean_ms="mean", min_ms="min", max_ms="max")
    for name, q in (("p10_ms", 0.1), ("median_ms", 0.5), ("p90_ms", 0.9), ("p95_ms", 0.95)):
        out[name] = g.quantile(q)
    per_file = out["count"].groupby(level=0).transform("sum")
    out["share"] = out["count"] / per_file
    changes = out[out.index.get_level_values(1).isin(["gap", "overlap"])]
    out["share_of_speaker_changes"] = changes["count"] / changes["count"].groupby(level=0).transform("sum")
    return out


@settings(max_examples=60, deadline=None)  # ~10 ms an example
@given(segs=segments())
def test_summaries_equal_a_plain_groupby(segs):
    tr = compute_transitions(to_frame(segs))
    ours = summarize_transitions(tr).set_index([C.FILE, C.KIND])
    ours = ours[ours["count"] > 0]
    ref = _groupby_summary(tr)
    assert sorted((str(f), str(k)) for f, k in ours.index) == sorted(ref.index.tolist())
    for key, row in ref.iterrows():
        mine = ours.loc[key]
        for col in ("count", "mean_ms", "min_ms", "max_ms", "p10_ms", "median_ms", "p90_ms", "p95_ms", "share"):
            assert mine[col] == pytest.approx(row[col]), (key, col)
        if key[1] in ("gap", "overlap"):
            assert mine["share_of_speaker_changes"] == pytest.approx(row["share_of_speaker_changes"])
    # the pause summary and the floor-transfer offsets: per file and overall, as the groupby has them
    fto = floor_transfer_offsets(tr).set_index(C.FILE)
    ft = tr[tr[C.KIND].isin(["gap", "overlap"])]
    if len(ft):
        g = pd.concat([ft.assign(f=ft[C.FILE].astype(str)), ft.assign(f="(all files)")]).groupby("f")[C.OFFSET_MS]
        assert fto["count"].sort_index().tolist() == g.count().sort_index().tolist()
        assert fto["p90_ms"].sort_index().tolist() == pytest.approx(g.quantile(0.9).sort_index().tolist())
        assert fto["overlap_share"].sort_index().tolist() == pytest.approx(
            g.apply(lambda v: (v < 0).mean()).sort_index().tolist())


# ------------------------------------------------------------------ figures from value counts (the distributed run's)
def test_stats_from_counts_worked_by_hand():
    # 100, 300, 300, 500: mean 1200 / 4 = 300; p10 at rank 0.3: 100 + 0.3 * 200 = 160;
    # p90 at rank 2.7: 300 + 0.7 * 200 = 440; p95 at 2.85: 300 + 0.85 * 200 = 470; median (300 + 300) / 2
    s = stats_from_counts([500, 100, 300], [1, 1, 2])  # any order, as merged counts come
    assert (s["count"], s["mean_ms"], s["min_ms"], s["max_ms"]) == (4, 300.0, 100.0, 500.0)
    assert (s["p10_ms"], s["median_ms"], s["median"]) == (pytest.approx(160.0), 300.0, 300.0)
    assert (s["p90_ms"], s["p95_ms"]) == (pytest.approx(440.0), pytest.approx(470.0))
    assert stats_from_counts([7], [0])["count"] == 0 and np.isnan(stats_from_counts([], [])["mean_ms"])


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(-5000, 5000), min_size=1, max_size=60))
def test_stats_from_counts_equal_the_whole_column(values):
    """Merged counts give exactly (==) the figures of the whole column: what lets a distributed
    run equal the serial one; and numpy's linear percentiles, independently."""
    uniq, counts = np.unique(values, return_counts=True)
    s = stats_from_counts(uniq, counts)
    whole = summarize_values(pd.DataFrame({C.FILE: "f", "v": values}), "v").iloc[-1]
    for name in ("count", "mean_ms", "min_ms", "max_ms", "p10_ms", "median_ms", "p90_ms", "p95_ms"):
        assert s[name] == whole[name], name
    assert s["p90_ms"] == pytest.approx(np.percentile(values, 90))
    assert s["median"] == statistics.median(values)


def test_transition_totals_are_summarize_transitions_all_files_rows():
    tr = _hand_transitions()
    by_kind = {k: stats_from_counts(*np.unique(tr.loc[tr[C.KIND] == k, C.OFFSET_MS], return_counts=True))
               for k in ("gap", "overlap", "pause")}
    rows = transition_totals(by_kind)
    ref = summarize_transitions(tr)
    ref = ref[ref[C.FILE] == "(all files)"].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows.astype({C.FILE: object, C.KIND: object}),
                                  ref.astype({C.FILE: object, C.KIND: object}))


def test_guide_overall_from_per_file_rows_and_all_gaps():
    per_file = pd.DataFrame({"average_gap_ms": [100.0, 400.0], "total_utterances": [3, 5]})
    o = guide_overall(per_file, {"count": 4, "mean": 250.0, "median": 200.0, "min": 50.0, "max": 800.0})
    # 2 files, 3 + 5 utterances; average of file averages (100 + 400) / 2; variability 800 / 250 = 3.2: HIGH
    assert (o["total_files_analyzed"], o["total_utterances"], o["total_gaps"]) == (2, 8, 4)
    assert o["average_of_file_averages_ms"] == 250.0 and o["variability_ratio"] == 3.2
    assert o["variability"] == "HIGH"
    assert guide_overall(per_file.iloc[:0], None)["overall_average_gap_ms"] is None
