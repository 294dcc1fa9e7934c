"""Readable names and formats for the tables' columns, in one place.

Every display of a table (HTML in a notebook, a terminal table, the report, a CSV or
Excel export) names and formats columns through this module, so "median gap (ms)"
reads the same everywhere and a share is shown as a percentage, a time in whole
milliseconds and a count as an integer.

The DataFrames themselves keep their machine names (`turntune_nb.analysis.columns`);
only displays and exports use the labels.

Examples
--------
>>> label("overlap_share"), label("median_gap_ms"), label("no_such_column")
('overlaps (% of speaker changes)', 'median gap (ms)', 'no such column')
>>> short_label("median_gap_ms"), short_label("no_such_column")
('med gap', 'no such column')
>>> format_value("cutoff_rate", 0.0523), format_value("latency_p90_ms", 412.6), format_value("turns", 33.0)
('5.2%', '413', '33')
>>> format_value("median_gap_ms", float("nan"))
'–'
"""

from __future__ import annotations

import math

import pandas as pd

#: Machine column name -> readable label (with the unit). Columns not listed are shown
#: with underscores as spaces.
LABELS: dict[str, str] = {
    # files / per-file tables
    "filename": "file", "file": "file", "source": "source", "speaker_source": "speakers from",
    "speakers": "speakers", "utterances": "segments", "total_utterances": "segments",
    "average_gap_ms": "mean gap (ms)", "median_gap_ms": "median gap (ms)", "min_gap_ms": "shortest gap (ms)",
    "max_gap_ms": "longest gap (ms)", "total_gaps": "gaps (guide)",
    "gaps": "gaps", "overlaps": "overlaps", "pauses": "pauses", "contained": "backchannels",
    "overlap_share": "overlaps (% of speaker changes)",
    "pause_median_ms": "median pause (ms)", "pause_p90_ms": "pause p90 (ms)", "pause_p10_ms": "pause p10 (ms)",
    "floor_transfer_median_ms": "median floor transfer (ms)",
    # overall
    "total_files_analyzed": "files with gaps", "overall_average_gap_ms": "mean gap (ms)",
    "overall_median_gap_ms": "median gap (ms)", "overall_min_gap_ms": "shortest gap (ms)",
    "overall_max_gap_ms": "longest gap (ms)", "average_of_file_averages_ms": "mean of the files' mean gaps (ms)",
    "variability_ratio": "variability (longest gap / mean gap)", "variability": "variability",
    # summaries (transitions, pauses, floor transfer)
    "kind": "kind", "count": "count", "share": "share", "share_of_speaker_changes": "% of speaker changes",
    "mean_ms": "mean (ms)", "min_ms": "min (ms)", "max_ms": "max (ms)", "p10_ms": "p10 (ms)",
    "median_ms": "median (ms)", "p90_ms": "p90 (ms)", "p95_ms": "p95 (ms)",
    # segments
    "speaker": "speaker", "channel": "channel", "start_ms": "start (ms)", "end_ms": "end (ms)", "text": "text",
    "offset_ms": "offset (ms)", "pause_ms": "pause (ms)", "prev_speaker": "previous speaker", "gap_ms": "gap (ms)",
    "fired_at_ms": "endpointer fired at (ms)", "wait_ms": "wait after the speech (ms)", "ended_by": "ended by",
    # endpointing metrics (EndpointMetrics, Recommendation.table)
    "min_turn_silence": "min_turn_silence (ms)", "max_turn_silence": "max_turn_silence (ms)",
    "holds": "pauses inside turns", "cuts": "pauses cut", "cutoff_rate": "cut-off rate",
    "cuts_low": "pauses cut (optimistic)", "cutoff_rate_low": "cut-off rate (optimistic)",
    "turns": "turns", "turns_cut": "turns cut", "turns_cut_share": "turns cut (%)", "turn_ends": "turn ends",
    "latency_mean_ms": "mean latency (ms)", "latency_p50_ms": "median latency (ms)",
    "latency_p90_ms": "latency p90 (ms)", "latency_mean_ms_low": "mean latency, optimistic (ms)",
    "interrupted": "next speaker first", "interrupted_low": "next speaker first (optimistic)",
    "eot_holds": "eot-bench holds", "eot_cuts": "eot-bench cuts", "eot_cutoff_rate": "eot-bench cut-off rate",
    "never_fired": "ended by max_turn_silence", "never_fired_share": "ended by max_turn_silence (%)",
    # eot-bench and TurnBench tables (Recommendation.eot_table, turnbench_table), exports (export_table)
    "cutoff_at_300ms": "cut-offs at 300 ms latency", "cutoff_at_600ms": "cut-offs at 600 ms latency",
    "latency_at_5pct_ms": "latency at 5% cut-offs (ms)", "latency_at_10pct_ms": "latency at 10% cut-offs (ms)",
    "false_fire_rate": "false fires", "recall": "turn ends detected", "how_close": "how close",
    "fired": "turn ends fired", "missed": "missed", "files": "files",
    # a replay's fires, each classified (analysis.alignment)
    "fires": "fires", "fires_at_turn_end": "fires at a turn end", "fires_in_hold": "fires in a hold",
    "fires_in_speech": "fires in speech", "premature_rate": "premature fires",
    "align_tolerance_ms": "alignment tolerance (ms)",
    # the service's turn cap (analysis.simulate): turns force-ended at max_turn_duration
    "forced_ends": "turns force-ended at the cap", "turns_capped": "turns longer than the cap",
    "forced_end_share": "forced ends per turn", "max_turn_duration": "turn cap (ms)",
}

_SHARES = {"overlap_share", "share", "share_of_speaker_changes", "cutoff_rate", "cutoff_rate_low",
           "turns_cut_share", "eot_cutoff_rate", "never_fired_share",
           "cutoff_at_300ms", "cutoff_at_600ms", "false_fire_rate", "recall"}
_COUNTS = {"speakers", "utterances", "total_utterances", "total_gaps", "gaps", "overlaps", "pauses", "contained",
           "total_files_analyzed", "count", "holds", "cuts", "cuts_low", "turns", "turns_cut", "turn_ends",
           "interrupted", "interrupted_low", "eot_holds", "eot_cuts", "never_fired", "channel"}
_SHARES |= {"cutoff_at_300ms", "cutoff_at_600ms"}
_COUNTS |= {"fired", "missed", "files", "fires", "fires_at_turn_end", "fires_in_hold", "fires_in_speech"}
_SHARES |= {"premature_rate"}
_COUNTS |= {"forced_ends", "turns_capped"}
#: A replay's simulator prediction and measured-minus-predicted columns read as the figure they qualify.
_QUALIFIERS = {"predicted_": "predicted", "gap_": "measured - predicted"}
_MISSING = "–"
# per speaker and per role (`speakers`), overall figures and settings as rows (`tables`)
LABELS.update({
    "talk_ms": "talk time (ms)", "talk_share": "share of talk time", "pause_count": "pauses (all lengths)",
    "floor_takes": "times they took the floor", "overlaps_started": "overlaps they started", "role": "role",
    "files": "files", "files_read": "files read", "files_skipped": "files skipped", "backend": "transcripts from",
    "name": "setting", "use_cases": "use cases", "end_of_turn_confidence_threshold": "end-of-turn confidence",
    "interruption_delay": "interruption delay (ms)", "vad_threshold": "VAD threshold", "speaker_labels": "speakers",
})
_SHARES |= {"talk_share"}
_COUNTS |= {"pause_count", "floor_takes", "overlaps_started", "files", "files_read", "files_skipped"}
# a deployed agent's calls (`agent`)
LABELS.update({
    "responses": "responses", "response_median_ms": "median response (ms)", "response_p90_ms": "response p90 (ms)",
    "cut_ins": "cut-ins", "barge_ins": "barge-ins", "barge_ins_yielded": "barge-ins yielded",
    "barge_in_stop_median_ms": "median stop after barge-in (ms)", "barge_in_stop_p90_ms": "stop p90 (ms)",
    "dead_air": "dead air", "dead_air_ms": "dead air (ms)", "agent_talk_share": "agent talk",
    "user_talk_share": "user talk", "agent_pauses": "agent pauses", "user_pauses": "user pauses",
    "agent_overlap_share": "agent overlapped", "user_overlap_share": "user overlapped", "calls": "calls",
})
_SHARES |= {"agent_talk_share", "user_talk_share", "agent_overlap_share", "user_overlap_share", "endpointing_share",
            "measured_cut_in_rate"}
_COUNTS |= {"responses", "cut_ins", "barge_ins", "barge_ins_yielded", "dead_air", "agent_pauses", "user_pauses",
            "calls"}
_RATIOS = {"variability_ratio", "forced_end_share", "end_of_turn_confidence_threshold", "vad_threshold"}
#: Column -> machine value -> words, for values a person should not have to decode.
VALUE_WORDS: dict[str, dict[str, str]] = {
    "backend": {"transcripts": "transcript files", "assemblyai": "AssemblyAI",
                "offline": "offline speech detection (this machine)"},
}


#: Machine column name -> a short label, for a terminal too narrow for the full ones (a legend line
#: names what each stands for): a few letters per word, so a header never has to break a word.
SHORT_LABELS: dict[str, str] = {
    "speaker_source": "spk from", "speakers": "spk", "utterances": "segs", "average_gap_ms": "mean gap",
    "median_gap_ms": "med gap", "total_gaps": "guide gaps", "overlaps": "ovl", "contained": "back ch",
    "overlap_share": "ovl %", "pause_median_ms": "med pause", "pause_p90_ms": "p90 pause",
    "floor_transfer_median_ms": "med FTO",
    "cutoff_at_300ms": "cut @300", "cutoff_at_600ms": "cut @600", "latency_at_5pct_ms": "lat @5%",
    "latency_at_10pct_ms": "lat @10%",
}


def short_label(column: str) -> str:
    """The short label of a column (`SHORT_LABELS`), else its readable label (`label`)."""
    return SHORT_LABELS.get(str(column), label(column))


def label(column: str) -> str:
    """The readable label of a column (its unit in brackets)."""
    for prefix, word in _QUALIFIERS.items():
        if column not in LABELS and str(column).startswith(prefix):
            return f"{word} {label(str(column)[len(prefix):])}"
    return LABELS.get(column, str(column).replace("_", " "))


def kind(column: str) -> str:
    """How a column's values are shown: ``"share"``, ``"ms"``, ``"count"``, ``"ratio"`` or ``"text"``."""
    column = str(column)
    for prefix in _QUALIFIERS:
        if column.startswith(prefix) and column not in LABELS:
            return kind(column[len(prefix):])
    if column.endswith("_low") and column not in _SHARES | _COUNTS:  # the optimistic bound of a figure
        return kind(column[:-4])
    if column in _SHARES:
        return "share"
    if column in _COUNTS:
        return "count"
    if column.endswith(("_ms", "_ms_low")) or column in ("min_turn_silence", "max_turn_silence", "interruption_delay",
                                                                   "max_turn_duration"):
        return "ms"
    if column in _RATIOS:
        return "ratio"
    return "text"


def format_value(column: str, value) -> str:
    """One value as a display shows it: a share as a percentage (one decimal), a
    time in whole milliseconds, a count as an integer; missing values as a dash."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return _MISSING
    k = kind(column)
    try:
        if k == "share":
            return f"{float(value):.1%}"
        if k in ("ms", "count"):
            return f"{float(value):,.0f}"
        if k == "ratio":
            return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return str(value)
    return VALUE_WORDS.get(str(column), {}).get(str(value), str(value))


def format_interval(column: str, lo, hi, missing: str = "n/a") -> str:
    """An interval of a column's values as displays show it: ``lo – hi`` (`format_value` each).

    Two bounds that differ but read the same at display precision (``0.0% – 0.0%`` for 0 and
    0.0004) get more decimals until they differ (up to 3 for a share, ``0.00% – 0.04%``), so an
    interval never looks like a point it is not; two equal bounds are one value (``0.0%``).
    `missing` stands for an interval with a missing bound.

    Examples
    --------
    >>> format_interval("cutoff_rate", 0.0, 0.286), format_interval("cutoff_rate", 0.0, 0.0004)
    ('0.0% – 28.6%', '0.00% – 0.04%')
    >>> format_interval("cutoff_rate", 0.0, 0.0), format_interval("latency_mean_ms", 1189.2, 1200.0)
    ('0.0%', '1,189 – 1,200')
    """
    if any(v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) for v in (lo, hi)):
        return missing
    low, high = format_value(column, lo), format_value(column, hi)
    if low == high and float(lo) == float(hi):
        return low
    if low == high and kind(column) == "share":
        for digits in (2, 3):
            low, high = f"{float(lo):.{digits}%}", f"{float(hi):.{digits}%}"
            if low != high:
                break
    return f"{low} – {high}"


def readable(frame: pd.DataFrame, *, as_text: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` with readable column labels.

    With ``as_text=True`` every value is formatted for display (`format_value`);
    otherwise values stay numbers (for CSV and Excel export) and only the labels change.
    The index, if named, is labelled too.
    """
    out = frame.copy()
    if as_text:
        for column in out.columns:
            out[column] = [format_value(column, v) for v in out[column]]
    if out.index.name is not None:
        out.index.name = label(out.index.name)
    out.columns = [label(c) for c in out.columns]
    return out


def readable_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """For a table whose *rows* are metrics (`Recommendation.table`): rows labelled and
    each value formatted by its row's metric."""
    out = frame.copy().astype(object)
    for row in out.index:
        out.loc[row] = [format_value(row, v) for v in frame.loc[row]]
    out.index = [label(r) for r in frame.index]
    return out
