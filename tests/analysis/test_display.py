"""Readable labels and formats: worked out by hand for each kind of column."""

from __future__ import annotations

import math

import pandas as pd

from turntune_nb.analysis import display as D


def test_values_are_formatted_by_the_kind_of_their_column():
    assert D.format_value("overlap_share", 0.25) == "25.0%"
    assert D.format_value("cutoff_rate", 1.0) == "100.0%"
    assert D.format_value("latency_mean_ms", 356.666667) == "357"
    assert D.format_value("min_turn_silence", 400.0) == "400"
    assert D.format_value("interrupted", 24.0) == "24"
    assert D.format_value("total_utterances", 12345) == "12,345"
    assert D.format_value("variability_ratio", 1.23456) == "1.23"
    assert D.format_value("filename", "a.wav") == "a.wav"
    assert D.format_value("gaps", pd.NA) == "–"
    assert D.format_value("median_gap_ms", math.nan) == "–"
    assert D.format_value("median_gap_ms", None) == "–"


def test_readable_relabels_and_keeps_numbers_unless_asked_for_text():
    frame = pd.DataFrame({"filename": ["a.wav", "b.wav"], "overlap_share": [0.5, math.nan], "gaps": [3, 4]})
    numbers = D.readable(frame)
    assert list(numbers.columns) == ["file", "overlaps (% of speaker changes)", "gaps"]
    assert numbers["gaps"].tolist() == [3, 4]
    assert frame.columns[0] == "filename"  # the input is not changed
    text = D.readable(frame, as_text=True)
    assert text.iloc[:, 1].tolist() == ["50.0%", "–"]
    assert text["gaps"].tolist() == ["3", "4"]


def test_unknown_columns_read_as_words_and_metric_rows_are_formatted_per_row():
    assert D.label("some_new_column") == "some new column"
    table = pd.DataFrame({"Data-driven": [1100.0, 0.0521, 24.0]},
                         index=["min_turn_silence", "cutoff_rate", "interrupted"])
    out = D.readable_rows(table)
    assert out.index.tolist() == ["min_turn_silence (ms)", "cut-off rate", "next speaker first"]
    assert out["Data-driven"].tolist() == ["1,100", "5.2%", "24"]


# --------------------------------------------------------------------------- outside review: shares and replay rows
def test_the_share_of_talk_time_reads_as_a_percentage():
    from tests.analysis.test_speakers import CALL1, CALL2
    from turntune_nb.analysis.results import analyze_transcripts
    from turntune_nb.analysis.speakers import role_table, speaker_table

    assert D.format_value("talk_share", 0.5) == "50.0%" and D.label("talk_share") == "share of talk time"
    result = analyze_transcripts([CALL1, CALL2])
    # call1: A 2800 and B 1900 of 4700 ms; call2: A 1400 and B 1000 of 2400 ms
    shown = D.readable(speaker_table(result), as_text=True)["share of talk time"].tolist()
    assert shown == ["59.6%", "40.4%", "58.3%", "41.7%"]
    # per role, of all talk: A 4200 and B 2900 of 7100 ms
    shown = D.readable(role_table(result, "agent=A,customer=B"), as_text=True)["share of talk time"].tolist()
    assert shown == ["59.2%", "40.8%"]


def test_a_replays_predicted_and_gap_columns_read_as_the_figure_they_qualify():
    # turntune_nb.replay's rows: each measured figure, the simulator's prediction, measured - predicted
    row = pd.DataFrame({"cutoff_rate": [0.175], "predicted_cutoff_rate": [0.125], "gap_cutoff_rate": [0.05],
                        "predicted_cutoff_rate_low": [0.1], "latency_mean_ms": [450.0],
                        "predicted_latency_mean_ms": [412.6], "gap_latency_mean_ms": [37.4],
                        "interrupted": [4.0], "predicted_interrupted": [3.0], "gap_interrupted": [1.0]})
    text = D.readable(row, as_text=True)
    assert list(text.columns) == [
        "cut-off rate", "predicted cut-off rate", "measured - predicted cut-off rate",
        "predicted cut-off rate (optimistic)", "mean latency (ms)", "predicted mean latency (ms)",
        "measured - predicted mean latency (ms)", "next speaker first", "predicted next speaker first",
        "measured - predicted next speaker first"]
    assert text.iloc[0].tolist() == ["17.5%", "12.5%", "5.0%", "10.0%", "450", "413", "37", "4", "3", "1"]
    assert D.format_value("gap_latency_mean_ms", -37.4) == "-37"


def test_the_guides_gap_column_is_a_gap_not_a_replay_difference():
    # "gap_ms" (compute_guide_gaps) starts like a replay's gap_<figure> column but is a gap in ms
    assert D.label("gap_ms") == "gap (ms)" and D.format_value("gap_ms", 300.4) == "300"


def test_the_turn_cap_and_a_replays_fires_read_as_what_they_are():
    from turntune_nb.analysis.display import format_value, label

    # forced ends per turn can pass 1 (2 forced ends in 2 turns is 1.0, 3 in 2 is 1.5): a ratio, not a share
    assert format_value("forced_end_share", 1.5) == "1.50" and format_value("forced_ends", 2.0) == "2"
    assert format_value("max_turn_duration", 10_000) == "10,000" and label("max_turn_duration") == "turn cap (ms)"
    assert format_value("premature_rate", 0.25) == "25.0%" and format_value("fires_in_speech", 7.0) == "7"


def test_an_interval_never_looks_like_a_point_it_is_not():
    from turntune_nb.analysis.display import format_interval

    # 0 and 0.0004 both read 0.0% at one decimal: two decimals tell them apart (0.00% vs 0.04%)
    assert format_interval("cutoff_rate", 0.0, 0.0004) == "0.00% – 0.04%"
    # 0.00001 still reads 0.00% at two decimals, 0.001% at three
    assert format_interval("cutoff_rate", 0.0, 0.00001) == "0.000% – 0.001%"
    assert format_interval("cutoff_rate", 0.0, 0.0) == "0.0%"  # every resample the same: one value
    assert format_interval("cutoff_rate", 0.046, 0.699) == "4.6% – 69.9%"
    assert format_interval("latency_mean_ms", 1200.0, 1200.0) == "1,200"
    assert format_interval("cutoff_rate", float("nan"), 0.1) == "n/a"


def test_the_short_labels_need_no_broken_word_and_name_real_columns():
    from turntune_nb.analysis.display import LABELS, SHORT_LABELS, short_label

    assert set(SHORT_LABELS) <= set(LABELS)
    assert all(len(w) <= 5 for s in SHORT_LABELS.values() for w in s.split())  # "pause" the longest word
    assert short_label("median_gap_ms") == "med gap" and short_label("gaps") == "gaps"
