"""Saved summaries: the guide's keys worked out by hand, the tables beside the JSON read
back (CSV and Parquet alike), owner-only, never read from outside the summary's folder."""

import json
import os
import threading

import pandas as pd
import pytest

from turntune_nb.analysis import columns as C
from turntune_nb.analysis.model import Transcript, Utterance
from turntune_nb.analysis.readers import collect_transcripts, read_rttm
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.analysis.summaries import latest_summary, load_summary, summary_json
from turntune_nb.errors import InputError

GUIDE_AGGREGATED = {"total_files_analyzed", "total_utterances", "total_gaps", "overall_average_gap_ms",
                    "overall_median_gap_ms", "overall_min_gap_ms", "overall_max_gap_ms", "variability_ratio"}
GUIDE_PER_FILE = {"filename", "average_gap_ms", "median_gap_ms", "total_utterances", "total_gaps"}


def _mono():
    # one undivided speaker: its caveat (speakers unknown) must survive the round trip
    return Transcript("mono.wav", [Utterance("UNKNOWN", 0, 1000), Utterance("UNKNOWN", 1500, 3000)],
                      speaker_source="unknown")


def test_summary_json_is_a_superset_of_the_guides(tmp_path, data_dir, sample_rttm):
    transcripts, failed = collect_transcripts([sample_rttm, data_dir / "assemblyai"])
    result = analyze_transcripts(transcripts, folder_path="somewhere", failed=failed)
    path = result.save(tmp_path)
    assert path.name.startswith("aggregated_analysis_") and path.suffix == ".json"
    data = json.loads(path.read_text())
    assert {"analysis_date", "folder_path", "aggregated_statistics", "per_file_results"} <= set(data)
    assert GUIDE_AGGREGATED <= set(data["aggregated_statistics"])
    assert all(GUIDE_PER_FILE <= set(r) for r in data["per_file_results"])
    assert data["folder_path"] == "somewhere"
    # sample (gaps 430, 130, 3190) + wildfires truncated (900, 770, 1570, 134, 1220)
    agg = data["aggregated_statistics"]
    gaps = [430, 130, 3190, 900, 770, 1570, 134, 1220]
    assert agg["total_gaps"] == 8 and agg["overall_average_gap_ms"] == pytest.approx(sum(gaps) / 8)
    assert agg["overall_median_gap_ms"] == pytest.approx((770 + 900) / 2)
    assert agg["total_utterances"] == 16
    assert agg["variability_ratio"] == pytest.approx(3190 / (sum(gaps) / 8))
    # the words-only file has one utterance: listed as skipped with the reason
    assert data["skipped_files"] == [{"filename": "wildfires_words_only.json", "reason": "fewer than 2 utterances (1)",
                                      "stage": "analyze"}]
    assert data["recommended_configuration"]["name"] == "Conservative"  # average 1039.25 ms
    assert data["transitions"]["overlap_share_of_speaker_changes"] == pytest.approx(5 / 13)


def test_load_summary_without_tables_says_what_to_do(tmp_path):
    p = tmp_path / "old.json"
    p.write_text('{"aggregated_statistics": {}}')
    with pytest.raises(InputError, match="re-run"):
        load_summary(p)


def test_load_summary_reads_only_files_beside_the_summary(tmp_path):

    path = analyze_transcripts(read_rttm("samples/real/sample.rttm")).save(tmp_path / "run")
    (tmp_path / "secret.csv").write_text("file,speaker\nx,y\n")
    summary = json.loads(path.read_text())
    for crafted in ("../secret.csv", str(tmp_path / "secret.csv"), "sub/../../secret.csv", "..", "", 7):
        summary["tables"]["pauses"] = crafted
        path.write_text(json.dumps(summary))
        with pytest.raises(InputError, match="only files in the summary's own folder are read"):
            load_summary(path)


def test_concurrent_saves_of_one_summary_never_collide(tmp_path):

    result = analyze_transcripts(read_rttm("samples/real/sample.rttm"))
    errors = []

    def save():
        try:
            for _ in range(10):
                result.save(tmp_path, filename="same.json")
        except Exception as err:  # a fixed temporary name made half of these fail
            errors.append(err)

    threads = [threading.Thread(target=save) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.json", "same.pauses.csv", "same.turn_ends.csv"]
    assert len(load_summary(tmp_path / "same.json").turn_ends) == len(result.turn_ends)


def test_saved_summary_keeps_the_caveats(tmp_path):
    from turntune_nb.analysis.results import result_caveats

    result = analyze_transcripts([_mono()])
    saved = load_summary(result.save(tmp_path))
    assert result_caveats(saved) == result_caveats(result) == result.caveats and result.caveats


def test_parquet_tables_read_back_as_the_csv_ones(tmp_path, data_dir, sample_rttm):
    pytest.importorskip("pyarrow")
    transcripts, failed = collect_transcripts([sample_rttm, data_dir / "assemblyai"])
    result = analyze_transcripts(transcripts, failed=failed)
    as_csv = load_summary(result.save(tmp_path, "a.json"))
    path = result.save(tmp_path, "b.json", format="parquet")
    tables = json.loads(path.read_text())["tables"]
    assert tables == {"pauses": "b.pauses.parquet", "turn_ends": "b.turn_ends.parquet"}
    assert (tmp_path / "b.pauses.parquet").read_bytes()[:4] == b"PAR1"
    assert oct(os.stat(tmp_path / "b.turn_ends.parquet").st_mode & 0o777) == "0o600"
    as_parquet = load_summary(path)
    pd.testing.assert_frame_equal(as_parquet.pauses, as_csv.pauses)
    pd.testing.assert_frame_equal(as_parquet.turn_ends, as_csv.turn_ends)
    # the sample's three gaps (430, 130, 3190 ms) are turn ends followed by the other speaker
    ends = as_parquet.turn_ends[as_parquet.turn_ends[C.FILE] == "sample"]
    assert len(ends) >= 3 and as_parquet.recommendation == as_csv.recommendation
    with pytest.raises(Exception, match="format must be 'csv' or 'parquet'"):
        result.save(tmp_path, "c.json", format="xlsx")


def test_the_latest_summary_is_the_newest_by_its_name(tmp_path):
    result = analyze_transcripts(read_rttm("samples/real/sample.rttm"))
    assert latest_summary(tmp_path) is None and latest_summary(tmp_path / "missing") is None
    for stamp in ("20250102_090000", "20241231_235959", "20250102_085959"):
        result.save(tmp_path, filename=f"aggregated_analysis_{stamp}.json")
    (tmp_path / "other.json").write_text("{}")
    assert latest_summary(tmp_path).name == "aggregated_analysis_20250102_090000.json"


def test_the_summary_a_result_gives_is_the_one_it_saves(tmp_path):
    result = analyze_transcripts(read_rttm("samples/real/sample.rttm"))
    saved = json.loads(result.save(tmp_path).read_text())
    assert saved.pop("tables") == {"pauses": f"{saved_name(tmp_path)}.pauses.csv",
                                   "turn_ends": f"{saved_name(tmp_path)}.turn_ends.csv"}
    assert saved == result.to_summary() == summary_json(result)


def saved_name(folder) -> str:
    return latest_summary(folder).stem



@pytest.mark.parametrize("rows", [["a", 3], None, {"x": 1}, [{"filename": 3}, {"filename": "call.rttm"}]])
def test_a_crafted_per_file_list_is_passed_over_not_a_traceback(tmp_path, rows):
    """per_file_results only orders the files: entries that are not {"filename": text} are passed over,
    and the tables read back as saved (sample.rttm's 3 gaps and its turn ends)."""
    result = analyze_transcripts(read_rttm("samples/real/sample.rttm"))
    path = result.save(tmp_path)
    summary = json.loads(path.read_text())
    summary["per_file_results"] = rows
    summary["recommended_configuration"] = {"min_turn_silence": "x"}  # damaged: made again from the tables
    path.write_text(json.dumps(summary))
    saved = load_summary(path)
    assert len(saved.turn_ends) == len(result.turn_ends) and len(saved.pauses) == len(result.pauses)
    assert saved.recommendation is None


@pytest.mark.parametrize("table", ["file,speaker\n", "\xff\xfe", "a,b\n1,2,3,4\n\"x"])
def test_a_damaged_table_beside_a_summary_is_one_clear_error(tmp_path, table):
    path = analyze_transcripts(read_rttm("samples/real/sample.rttm")).save(tmp_path)
    name = json.loads(path.read_text())["tables"]["turn_ends"]
    (tmp_path / name).write_bytes(table.encode("latin-1"))
    with pytest.raises(InputError, match=r"re-run `turntune analyze`"):
        load_summary(path)
