"""The result's tables and their files: CSV and Excel read back equal the DataFrames,
readable headers, numbers kept as numbers, owner-only files."""

from __future__ import annotations

import math
import stat
import sys

import pandas as pd
import pytest

from tests.analysis.test_speakers import CALL1, CALL2
from turntune_nb.analysis import display as D
from turntune_nb.analysis.model import Transcript, Utterance as U
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.analysis.tables import KEY_VALUE_TABLES, result_tables
from turntune_nb.errors import ConfigError

MONO = Transcript("mono.wav", [U("UNKNOWN", 0, 1000), U("UNKNOWN", 1500, 3000)], speaker_source="unknown")
ROLES = "agent=A,customer=B"


@pytest.fixture(scope="module")
def result():
    return analyze_transcripts([CALL1, CALL2, MONO], failed=[{"filename": "bad.wav", "reason": "corrupt"}])


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _plain(value):
    """A cell as a comparable Python value: missing -> None, numbers -> float."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool,)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _assert_same(read_back: pd.DataFrame, frame: pd.DataFrame, name: str):
    """`read_back` (readable headers) equals `frame` (machine names) once the labels are mapped back."""
    if name in KEY_VALUE_TABLES:
        labels = {D.label(k): k for k in frame.index}
        assert len(labels) == len(frame.index), f"{name}: two figures share a label"
        read_back = read_back.set_index(read_back.columns[0])
        read_back.index = [labels[x] for x in read_back.index]
        read_back.columns = list(frame.columns)
    else:
        labels = {D.label(c): c for c in frame.columns}
        assert len(labels) == len(frame.columns), f"{name}: two columns share a label"
        read_back = read_back.rename(columns=labels)
        assert list(read_back.columns) == list(frame.columns)
        frame = frame.reset_index(drop=True)
    assert read_back.shape == frame.shape, name
    for column in frame.columns:
        got = [_plain(v) for v in read_back[column].tolist()]
        want = [_plain(v) for v in frame[column].astype(object).tolist()]
        assert len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want)), (name, column, got, want)


def _same(got, want) -> bool:
    if isinstance(want, float) and isinstance(got, float):
        return got == pytest.approx(want, rel=1e-12)
    return got == want


def test_the_tables_one_per_concept(result):
    tables = result_tables(result, roles=ROLES)
    assert list(tables) == ["files", "overall", "speakers", "roles", "transition_summary", "pause_summary",
                            "recommendation", "notes"]
    o = tables["overall"]["value"]
    # guide gaps: call1 400, 300, 1000, 600; call2 500, 100; mono 500 -> 7 gaps, mean 3400 / 7
    assert (o["files_read"], o["files_skipped"], o["total_gaps"]) == (3, 1, 7)
    assert o["overall_average_gap_ms"] == pytest.approx(3400 / 7)
    assert o["overall_median_gap_ms"] == 500
    assert o["overlap_share"] == pytest.approx(1 / 5)  # 1 overlap among 5 speaker changes
    assert tables["notes"].values.tolist()[-1] == ["skipped", "bad.wav: corrupt"]
    assert tables["notes"]["kind"].iloc[0] == "caveat" and tables["notes"]["text"].iloc[0].startswith("SPEAKERS UNKNOWN")
    assert tables["recommendation"].loc["name", "value"] == "Aggressive"  # mean 486 ms < 500


def test_csv_files_read_back_equal_the_tables_and_are_owner_only(result, tmp_path):
    paths = result.to_csv(tmp_path / "out", prefix="run.", roles=ROLES)
    tables = result_tables(result, roles=ROLES)
    assert set(paths) == set(tables)
    assert _mode(tmp_path / "out") == 0o700
    for name, path in paths.items():
        assert path.name == f"run.{name}.csv" and _mode(path) == 0o600
        _assert_same(pd.read_csv(path, keep_default_na=True), tables[name], name)
    header = paths["speakers"].read_text().splitlines()[0]
    assert header.startswith("file,speaker,talk time (ms),share of talk time,turns")
    # numbers stay numbers, at full precision: 2800 / 4700 is not written as "59.6%"
    assert pd.read_csv(paths["speakers"])["share of talk time"].iloc[0] == pytest.approx(2800 / 4700, rel=1e-12)


def test_excel_sheets_read_back_equal_the_tables_and_show_shares_as_percentages(result, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = result.to_excel(tmp_path / "run.xlsx", roles=ROLES)
    assert _mode(path) == 0o600
    tables = result_tables(result, roles=ROLES)
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == list(tables)
    for name, frame in tables.items():
        _assert_same(sheets[name], frame, name)
    book = openpyxl.load_workbook(path)
    speakers = book["speakers"]
    assert [c.value for c in speakers[1]][:4] == ["file", "speaker", "talk time (ms)", "share of talk time"]
    assert speakers["C2"].value == 2800 and speakers["C2"].number_format == "#,##0"
    assert speakers["D2"].value == pytest.approx(2800 / 4700) and speakers["D2"].number_format == "0.0%"
    overall = {row[0].value: row[1] for row in book["overall"].iter_rows(min_row=2)}
    assert overall["overlaps (% of speaker changes)"].number_format == "0.0%"
    assert overall["mean gap (ms)"].value == pytest.approx(3400 / 7)


def test_excel_with_a_data_driven_recommendation(result, tmp_path):
    pytest.importorskip("openpyxl")
    from turntune_nb.analysis.recommend import RecommendOptions, recommend_config

    rec = recommend_config(result, RecommendOptions(model="silence", target_cutoff=0.5))
    path = result.to_excel(tmp_path / "rec.xlsx", recommendation=rec)
    sheet = pd.read_excel(path, sheet_name="recommendation")
    assert list(sheet.columns) == ["figure", "Data-driven", "guide: Aggressive"]
    rows = sheet.set_index("figure")
    assert rows.loc["min_turn_silence (ms)", "Data-driven"] == rec.config.min_turn_silence
    assert rows.loc["cut-off rate", "Data-driven"] == pytest.approx(rec.metrics.cutoff_rate)
    speakers = pd.read_excel(path, sheet_name="speakers")
    assert speakers.columns[-1] == "cut-off rate"


def test_excel_without_openpyxl_names_the_extra(result, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl now raises ImportError
    with pytest.raises(ConfigError, match=r"pip install 'turntune_nb\[excel\]'"):
        result.to_excel(tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_an_excel_name_must_end_in_xlsx(result, tmp_path):
    pytest.importorskip("openpyxl")
    with pytest.raises(ConfigError, match=r"\.xlsx"):
        result.to_excel(tmp_path / "x.csv")


def test_an_empty_result_exports_empty_tables_with_their_headers(tmp_path):
    paths = analyze_transcripts([], failed=[{"filename": "a.wav", "reason": "no speech"}]).to_csv(tmp_path)
    files = pd.read_csv(paths["files"])
    assert len(files) == 0 and list(files.columns)[:3] == ["file", "source", "speakers from"]
    overall = pd.read_csv(paths["overall"]).set_index("figure")["value"]
    assert (overall["files read"], overall["files skipped"]) == ("0", "1")
    assert pd.read_csv(paths["notes"]).values.tolist() == [["skipped", "a.wav: no speech"]]
