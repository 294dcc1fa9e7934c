"""The distributed analysis: workers write each file's tables as a Parquet dataset, the driver builds
the overall figures from it. Every figure is checked against the serial run of the same files
(`analyze_transcripts`, an independent path: one process, every table in memory)."""

from __future__ import annotations

import json
import stat
import threading
from concurrent.futures import Executor, Future
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as pads
import pytest

from turntune_nb.analysis import columns as C
from turntune_nb.analysis.readers import collect_transcripts
from turntune_nb.analysis.results import analyze_transcripts_isolated
from turntune_nb.analysis.summaries import latest_summary, load_summary
from turntune_nb.dataset import DATASET_TABLES, DatasetOptions, TaskSizer, analyze_to_dataset
from turntune_nb.errors import ConfigError, InputError

ALL = "(all files)"


def write_calls(folder: Path, n: int, seed: int = 0, per: int = 10) -> Path:
    """`n` seeded RTTM calls: two speakers, gaps, overlaps, backchannels and pauses of one speaker."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        t, lines = 0.2, []
        for _ in range(per):
            spk = "A" if rng.random() < 0.55 else "B"
            dur = rng.integers(300, 4000) / 1000
            lines.append(f"SPEAKER call{i:04d} 1 {t:.3f} {dur:.3f} <NA> <NA> {spk} <NA> <NA>")
            t = max(0.0, t + dur + rng.integers(-600, 1500) / 1000)
        (folder / f"call{i:04d}.rttm").write_text("\n".join(lines) + "\n")
    return folder


def serial_summary(folder: Path) -> dict:
    transcripts, failed = collect_transcripts(folder)
    return analyze_transcripts_isolated(transcripts, folder_path=str(folder),
                                        failed=[dict(f, stage="read") for f in failed]).to_summary()


def all_files(rows: list) -> list:
    return [r for r in rows if r["file"] == ALL]


def assert_same_figures(dist: dict, serial: dict) -> None:
    """Exact equality (==, no tolerance) of every overall figure the two runs report."""
    for key in ("aggregated_statistics", "per_file_results", "skipped_files", "turn_ends", "speaker_sources",
                "caveats", "recommended_configuration"):
        assert dist[key] == serial[key], key
    assert dist["transitions"]["summary"] == all_files(serial["transitions"]["summary"])
    assert dist["transitions"]["overlap_share_of_speaker_changes"] == \
        serial["transitions"]["overlap_share_of_speaker_changes"]
    assert dist["pauses_within_turns"] == all_files(serial["pauses_within_turns"])
    assert dist["floor_transfer_offsets"] == all_files(serial["floor_transfer_offsets"])


@pytest.fixture(scope="module")
def calls(tmp_path_factory) -> Path:
    folder = write_calls(tmp_path_factory.mktemp("calls") / "calls", 40)
    (folder / "broken.json").write_text("{not json")  # a file that fails is listed, the others analysed
    return folder


@pytest.mark.slow
def test_a_local_dask_cluster_gives_the_serial_figures_and_a_dataset_pyarrow_reads(calls, tmp_path):
    distributed = pytest.importorskip("distributed")
    serial = serial_summary(calls)
    assert serial["aggregated_statistics"]["total_gaps"] > 100  # a case with something to get wrong
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc, \
            distributed.Client(lc) as client:
        run = analyze_to_dataset(calls, tmp_path / "out", DatasetOptions(executor=client.get_executor(),
                                                                         progress=False, target_task_s=0.05))
    assert run.summary["dataset"]["quantiles"] == "exact" and run.summary["dataset"]["parts"] > 1
    assert_same_figures(run.summary, serial)
    assert json.loads(Path(run.path).read_text()) == run.summary
    # every table is a Parquet dataset pyarrow reads, as long as the serial run's table
    transcripts, _ = collect_transcripts(calls)
    result = analyze_transcripts_isolated(transcripts)
    lengths = {"transitions": len(result.transitions), "pauses": len(result.pauses),
               "turn_ends": len(result.turn_ends), "files": len(result.transcripts),
               "gaps": serial["aggregated_statistics"]["total_gaps"]}
    for table, n in lengths.items():
        assert pads.dataset(Path(run.dataset) / table, format="parquet").count_rows() == n, table
    read_back = pads.dataset(Path(run.dataset) / "transitions", format="parquet").to_table().to_pandas()
    assert sorted(read_back[C.OFFSET_MS]) == sorted(result.transitions[C.OFFSET_MS])
    # owner-only, as every file holding call timing
    parts = list(Path(run.dataset).rglob("*.parquet")) + [Path(run.path)]
    assert parts and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in parts)
    assert stat.S_IMODE(Path(run.dataset).stat().st_mode) == 0o700


class CountingExecutor(Executor):
    """Runs each task on a thread of its own, and records how many were submitted and not yet done."""

    def __init__(self, fail_part: int | None = None):
        self.lock, self.pending, self.most, self.sizes, self.fail_part = threading.Lock(), 0, 0, [], fail_part

    def submit(self, fn, *args, **kwargs):
        fut = Future()
        with self.lock:
            self.pending += 1
            self.most = max(self.most, self.pending)
            self.sizes.append(len(args[1]))

        def run():
            try:
                if args[0] == self.fail_part:
                    fn(*args, **kwargs)  # its parts are written, then the "worker" dies
                    raise RuntimeError("worker lost")
                fut.set_result(fn(*args, **kwargs))
            except Exception as err:
                fut.set_exception(err)
            finally:
                with self.lock:
                    self.pending -= 1
        threading.Thread(target=run).start()
        return fut


def test_tasks_in_flight_are_bounded_and_sized_from_their_timing(calls, tmp_path):
    pool = CountingExecutor()
    run = analyze_to_dataset(calls, tmp_path, DatasetOptions(executor=pool, in_flight=3, progress=False,
                                                             workers=2))
    assert pool.most <= 3  # never more than in_flight submitted at once
    assert sum(pool.sizes) == 41 and len(pool.sizes) > 3  # every file once, in several tasks
    assert_same_figures(run.summary, serial_summary(calls))


def test_a_task_whose_worker_dies_is_its_files_failure_and_leaves_no_parts(calls, tmp_path):
    pool = CountingExecutor(fail_part=0)
    run = analyze_to_dataset(calls, tmp_path, DatasetOptions(executor=pool, in_flight=2, progress=False,
                                                             workers=2))
    lost = [s for s in run.skipped if "worker lost" in s["reason"]]
    assert len(lost) == pool.sizes[0] and lost[0]["filename"] == "broken.json"  # part 0: the first files
    assert not list(Path(run.dataset).rglob("part-000000.parquet"))
    # the other files' figures: those of a serial run without part 0's files
    kept = {r["filename"] for r in run.summary["per_file_results"]}
    assert len(kept) == 40 - (pool.sizes[0] - 1) and "call0000" not in kept


def test_quantiles_past_the_exact_span_are_binned_within_the_stated_error(calls, tmp_path):
    serial = serial_summary(calls)
    run = analyze_to_dataset(calls, tmp_path, DatasetOptions(executor="serial", exact_span_ms=50, progress=False))
    width = run.summary["dataset"]["quantile_bin_ms"]
    assert width > 1 and run.summary["dataset"]["quantiles"].startswith(f"approximate: within {width} ms")
    ours, ref = run.summary["aggregated_statistics"], serial["aggregated_statistics"]
    for key in ("total_gaps", "overall_average_gap_ms", "overall_min_gap_ms", "overall_max_gap_ms"):
        assert ours[key] == ref[key]  # counts, means and extremes stay exact
    assert abs(ours["overall_median_gap_ms"] - ref["overall_median_gap_ms"]) <= width
    for mine, theirs in zip(run.summary["transitions"]["summary"], all_files(serial["transitions"]["summary"])):
        assert mine["count"] == theirs["count"] and mine["mean_ms"] == theirs["mean_ms"]
        if theirs["count"]:
            assert abs(mine["p90_ms"] - theirs["p90_ms"]) <= width


def test_load_summary_reads_a_dataset_run_as_the_serial_runs_tables(calls, tmp_path):
    run = analyze_to_dataset(calls, tmp_path / "d", DatasetOptions(executor="serial", progress=False))
    transcripts, _ = collect_transcripts(calls)
    serial = load_summary(analyze_transcripts_isolated(transcripts).save(tmp_path / "s", format="parquet"))
    assert latest_summary(tmp_path / "d") == Path(run.path)  # as the tuning notebook finds its run
    saved = load_summary(run.path)
    assert saved.recommendation == serial.recommendation
    for key in ("pauses", "turn_ends"):
        ours, ref = getattr(saved, key), getattr(serial, key)
        assert len(ours) == len(ref) > 0
        cols = [c for c in ref.columns if c != C.UTTERANCE]
        pd.testing.assert_frame_equal(ours[cols].astype(object), ref[cols].astype(object))
    # utterance: counted from the file's first utterance (the serial run counts from the run's)
    first = load_summary(run.path).turn_ends.groupby(C.FILE, observed=True)[C.UTTERANCE].min()
    assert (first >= 0).all() and first.max() < 10


def test_the_cli_runs_transcripts_on_an_executor_into_a_dataset(calls, tmp_path, capsys, monkeypatch):
    from turntune_nb.cli import main

    monkeypatch.chdir(tmp_path)  # --out relative, as typed
    code = main(["analyze", str(calls), "--executor", "serial", "--out", "out", "--json"])
    assert code == 3  # broken.json failed, named on stderr; the others analysed and saved
    out = json.loads(capsys.readouterr().out)
    assert set(out["dataset"]["tables"]) == set(DATASET_TABLES)
    assert_same_figures(out, serial_summary(calls))
    # a side needs the tables in memory: refused, saying what to do instead
    code = main(["analyze", str(calls), "--executor", "serial", "--out", str(tmp_path), "--speaker", "A"])
    assert code == 2 and "run without --executor" in capsys.readouterr().err


def test_bad_inputs_and_options_say_what_to_do(tmp_path):
    with pytest.raises(InputError, match="no transcript files"):
        analyze_to_dataset(tmp_path, tmp_path / "out", DatasetOptions(executor="serial"))
    with pytest.raises(ConfigError, match="in_flight"):
        DatasetOptions(in_flight=0)
    sizer = TaskSizer(target_s=1.0, first=3, most=50)
    assert sizer.next_size() == 3
    sizer.record(files=10, seconds=1.0)  # 0.1 s a file: 10 files make 1 s
    assert sizer.next_size() == 10
    sizer.record(files=10, seconds=0.1)  # 0.7 * 0.1 + 0.3 * 0.01 = 0.073 s a file: 1 / 0.073 = 13.7 -> 14
    assert sizer.next_size() == 14
    fast = TaskSizer(target_s=1.0, first=3, most=50)
    fast.record(files=1000, seconds=0.001)  # 1 us a file: a million files would make 1 s; capped at `most`
    assert fast.next_size() == 50


def test_an_fsspec_url_takes_the_same_path(calls):
    """`out` as a URL (fsspec's in-memory file system here; s3://, gs:// the same way): the parts and the
    summary go there, and the figures are the serial run's."""
    fsspec = pytest.importorskip("fsspec")
    run = analyze_to_dataset(calls, "memory://runs/month", DatasetOptions(executor="serial", progress=False))
    fs = fsspec.filesystem("memory")
    assert run.path.startswith("memory://runs/month/") and fs.exists(run.path)
    assert json.loads(fs.cat(run.path)) == run.summary
    n = pads.dataset("/" + run.dataset.removeprefix("memory://") + "/transitions", filesystem=fs,
                     format="parquet").count_rows()
    transcripts, _ = collect_transcripts(calls)
    assert n == len(analyze_transcripts_isolated(transcripts).transitions)
    assert_same_figures(run.summary, serial_summary(calls))
