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
