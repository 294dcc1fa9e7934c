"""Analysis past one machine's memory: each file's tables in a partitioned Parquet dataset.

`analyze_to_dataset` sends the transcripts' paths (never their contents) to workers on
any `concurrent.futures.Executor` (a process pool, a Dask cluster: see
`turntune_nb.audio.executor.open_executor`). Each task reads its files, runs the one
analysis every run shares (`turntune_nb.analysis.results.analyze_transcripts`) on
them, writes the tables as one Parquet part per table under the run's dataset, and
returns only small per-file figures. The driver never holds a transcript nor a table
of every file: it builds the overall figures from the dataset with Dask DataFrame
(value counts merged across parts, so counts, means and quantiles are those of the
serial run; `turntune_nb.analysis.gaps.stats_from_counts`) and writes the summary
JSON beside the dataset, which `load_summary` reads as it reads any other.

Layout under ``out`` (a local folder, files owner-only, or any fsspec URL)::

    out/aggregated_analysis_<time>.json                   the summary (load_summary)
    out/aggregated_analysis_<time>.dataset/<table>/part-000000.parquet   one part per task

Tables (`DATASET_TABLES`): ``gaps`` (the guide's), ``transitions``, ``pauses``,
``turn_ends``, ``speakers`` (figures per file and speaker), ``files`` (figures per
file), and the per-file rows of ``transition_summary``, ``pause_summary`` and
``floor_transfer``. Each is a Parquet dataset ``pyarrow.dataset.dataset(path)`` reads; text
columns are strings, and ``utterance`` (pauses, turn ends) counts from the file's first
utterance (0-based), not from the run's.

Tasks are sized from how long finished ones took (`TaskSizer`: about `target_task_s`
seconds each) and at most `in_flight` are submitted at once, so a million files are
never a million (or 125,000) futures in the driver.

Quantiles are exact while a column's values span at most `EXACT_SPAN_MS` distinct
milliseconds (16.7 minutes: every gap, overlap and pause of real calls): the value
counts of every part are merged. A wider column is counted in bins of
``ceil(span / EXACT_SPAN_MS)`` ms, and its quantiles are then within one bin width of
the exact ones (counts, means, minima and maxima stay exact); the summary's
``dataset.quantiles`` says which.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import columns as C
from .analysis.gaps import ALL_FILES, compute_guide_gaps, guide_overall, stats_from_counts, transition_totals
from .analysis.model import SPEAKERS_UNKNOWN
from .analysis.readers import TRANSCRIPT_EXTENSIONS, collect_transcripts
from .analysis.results import (
    analyze_transcripts_isolated,
    caveats_from_sources,
    guide_recommendation,
    unknown_as_nan,
)
from .analysis.summaries import json_records, json_safe
from .errors import ConfigError, InputError
from .remote import filesystem, is_remote

__all__ = ("analyze_to_dataset", "DatasetOptions", "DatasetRun", "TaskSizer", "analyze_part", "DATASET_TABLES",
           "EXACT_SPAN_MS")

DATASET_TABLES = ("gaps", "transitions", "pauses", "turn_ends", "speakers", "files", "transition_summary",
                  "pause_summary", "floor_transfer")
#: Quantiles are exact while a column's values span at most this many distinct ms.
EXACT_SPAN_MS = 1_000_000
#: Runs of more files keep their per-file figures and speaker sources in the dataset's ``files`` table
#: only, not in the JSON.
PER_FILE_IN_JSON = 20_000
_STAT_COLUMNS = ("count", "mean_ms", "min_ms", "max_ms", "p10_ms", "median_ms", "p90_ms", "p95_ms")


@dataclass(frozen=True)
class DatasetOptions:
    """How a distributed analysis runs.

    Parameters
    ----------
    executor : str or Executor
        As `turntune_nb.audio.executor.open_executor`: ``"process"`` (default), ``"dask"``,
        ``"thread"``, ``"serial"``, or an `Executor` object (not shut down here).
    workers : int, optional
        Workers of a local pool or cluster (default: CPUs).
    scheduler : str, optional
        ``tcp://host:8786``: an existing Dask cluster (the dataset must then be where its
        workers can write and read it: a shared folder or an fsspec URL).
    in_flight : int, optional
        Tasks submitted at once (default: twice the workers, at least 4).
    target_task_s : float
        Seconds a task should take (`TaskSizer`).
    exact_span_ms : int
        Quantiles exact up to this span of values (`EXACT_SPAN_MS`).
    progress : bool
        A progress bar counting files.
    """

    executor: object = "process"
    workers: int | None = None
    scheduler: str | None = None
    in_flight: int | None = None
    target_task_s: float = 2.0
    exact_span_ms: int = EXACT_SPAN_MS
    progress: bool = True

    def __post_init__(self):
        if self.in_flight is not None and self.in_flight < 1:
            raise ConfigError(f"in_flight must be at least 1, got {self.in_flight}")
        if not self.target_task_s > 0:
            raise ConfigError(f"target_task_s must be positive, got {self.target_task_s}")
        if self.exact_span_ms < 1:
            raise ConfigError(f"exact_span_ms must be at least 1, got {self.exact_span_ms}")


class TaskSizer:
    """Files per task, from how long finished tasks took per file: about `target_s` seconds each.

    The first tasks are small (their timing arrives early); a task never holds more than
    `most` files, so the work still spreads over every worker to the end.

    Examples
    --------
    >>> sizer = TaskSizer(target_s=2.0, first=4, most=1000)
    >>> sizer.next_size()
    4
    >>> sizer.record(files=4, seconds=0.04)  # 10 ms a file: 200 files make 2 s
    >>> sizer.next_size()
    200
    """

    def __init__(self, target_s: float = 2.0, first: int = 8, most: int = 5000):
        self.target_s, self.first, self.most = target_s, max(1, first), max(1, most)
        self.per_file_s: float | None = None

    def record(self, files: int, seconds: float) -> None:
        """A finished task of `files` files took `seconds` on its worker."""
        if files <= 0:
            return
        rate = max(seconds, 1e-6) / files
        self.per_file_s = rate if self.per_file_s is None else 0.7 * self.per_file_s + 0.3 * rate

    def next_size(self) -> int:
        if self.per_file_s is None:
            return min(self.first, self.most)
        return int(min(self.most, max(1, round(self.target_s / self.per_file_s))))


# --------------------------------------------------------------------------- the worker's part
def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals and object columns as text (one Arrow type in every part, even all-missing)."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype) or out[col].dtype == object:
            out[col] = out[col].astype(object).where(out[col].notna(), None).astype("string")
    return out


def _part_path(out: str, table: str, part: int) -> str:
    return f"{out.rstrip('/')}/{table}/part-{part:06d}.parquet"


def _write(url: str, data: bytes) -> str:
    """`data` at `url`: a local file written atomically and private (0600 in 0700 folders), or an fsspec object."""
    if is_remote(url):
        fs, path = filesystem(url)
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        with fs.open(path, "wb") as f:
            f.write(data)
        return url
    from .files import atomic_write_bytes

    return str(atomic_write_bytes(url, data))


def _write_part(out: str, table: str, part: int, frame: pd.DataFrame) -> None:
    from .analysis.tables import parquet_bytes

    _write(_part_path(out, table, part), parquet_bytes(_plain(frame)))


def _remove_part(out: str, part: int) -> None:
    """A failed task's parts, so the dataset never holds half of it."""
    for table in DATASET_TABLES:
        path = _part_path(out, table, part)
        try:
            if is_remote(out):
                fs, p = filesystem(path)
                if fs.exists(p):
                    fs.rm(p)
            else:
                Path(path).unlink(missing_ok=True)
        except OSError:
            pass


def _within_file(frame: pd.DataFrame, utterances: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its ``utterance`` column counted from its file's first utterance (the task's
    row numbers would mean nothing beside another task's)."""
    if not len(frame):
        return frame
    first = pd.Series(np.arange(len(utterances)), dtype=np.int64).groupby(
        utterances[C.FILE].astype(str).to_numpy()).min()
    return frame.assign(**{C.UTTERANCE: frame[C.UTTERANCE].to_numpy(np.int64)
                           - frame[C.FILE].astype(str).map(first).to_numpy(np.int64)})


def analyze_part(part: int, sources: list, out: str, backend: str = "transcripts") -> dict:
    """One task: read `sources` (transcript files), analyse them, write their tables as part
    `part` of each table under `out`, and return the small per-file figures the driver keeps.

    Returns
    -------
    dict
        ``part``, ``files`` (sources given), ``seconds`` (on the worker), ``per_file`` (the
        guide's per-file rows), ``sources`` (file name -> speaker source), ``skipped``,
        ``notes`` (as `AnalysisResult.notes`), ``detector_notes`` (the offline detector's).
    """
    t0 = time.perf_counter()
    transcripts, failed = collect_transcripts([str(s) for s in sources])
    result = analyze_transcripts_isolated(transcripts, failed=[dict(f, stage="read") for f in failed],
                                          backend=backend)
    per_file_rows = lambda frame: frame[frame[C.FILE].astype(str) != ALL_FILES]  # noqa: E731
    tables = {
        "gaps": compute_guide_gaps(result.utterances), "transitions": result.transitions,
        "pauses": _within_file(result.pauses, result.utterances),
        "turn_ends": _within_file(result.turn_ends, result.utterances),
        "speakers": result.speakers, "files": result.files,
        "transition_summary": per_file_rows(result.transition_summary),
        "pause_summary": per_file_rows(result.pause_summary), "floor_transfer": per_file_rows(result.floor_transfer),
    }
    for table, frame in tables.items():
        if len(frame):
            _write_part(out, table, part, frame)
    return {"part": part, "files": len(sources), "seconds": time.perf_counter() - t0, "per_file": result.per_file,
            "sources": result.speaker_sources, "skipped": result.skipped,
            "notes": [n for t in result.transcripts for n in (f"{t.name}: {x}" for x in t.notes)],
            "detector_notes": sorted({n for t in result.transcripts for n in t.notes
                                      if n.startswith("speech found by the offline")})}


# --------------------------------------------------------------------------- the driver
def list_transcript_files(paths) -> list[str]:
    """The transcript files under the given files and folders, in the order the serial run reads them."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            files.extend(str(f) for f in sorted(f for f in p.iterdir()
                                                if f.is_file() and f.suffix.lower() in TRANSCRIPT_EXTENSIONS))
        elif p.is_file():
            files.append(str(p))
        else:
            raise InputError(f"{given}: no such file or folder")
    return files


def _run_tasks(files: list, out: str, pool, options: DatasetOptions, backend: str) -> list[dict]:
    """Every file through `analyze_part`, at most `in_flight` tasks submitted at once."""
    from tqdm.auto import tqdm

    from .audio.executor import in_flight_limit

    limit = in_flight_limit(pool, options.workers)  # twice the workers' threads, at least 4
    slots, in_flight = max(1, limit // 2), options.in_flight or limit
    sizer = TaskSizer(options.target_task_s, first=max(1, min(8, len(files) // (2 * slots) or 1)),
                      most=max(1, math.ceil(len(files) / (2 * slots))))
    parts, pending, start, part = [], {}, 0, 0
    with tqdm(total=len(files), desc="analysis", unit="file", disable=not options.progress) as bar:
        while start < len(files) or pending:
            while start < len(files) and len(pending) < in_flight:
                chunk = files[start:start + sizer.next_size()]
                pending[pool.submit(analyze_part, part, chunk, out, backend)] = (part, chunk)
                start, part = start + len(chunk), part + 1
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                number, chunk = pending.pop(fut)
                try:
                    got = fut.result()
                    sizer.record(got["files"], got["seconds"])
                except Exception as err:  # the worker (or the pool) died: these files' failure
                    _remove_part(out, number)
                    got = {"part": number, "per_file": None, "sources": {}, "notes": [], "detector_notes": [],
                           "skipped": [{"filename": Path(f).name, "stage": "read", "error": True,
                                        "reason": f"the worker analysing it failed ({type(err).__name__}: {err})"}
                                       for f in chunk]}
                parts.append(got)
                bar.update(len(chunk))
    return sorted(parts, key=lambda p: p["part"])


def _table_url(dataset: str, table: str) -> str:
    return f"{dataset.rstrip('/')}/{table}"


def _has_parts(dataset: str, table: str) -> bool:
    fs, path = filesystem(_table_url(dataset, table)) if is_remote(dataset) else (None, _table_url(dataset, table))
    if fs is None:
        return Path(path).is_dir() and any(Path(path).glob("part-*.parquet"))
    return fs.exists(path) and bool(fs.glob(f"{path}/part-*.parquet"))


def _read(dataset: str, table: str, columns: list):
    """The table as a Dask DataFrame (None when no task wrote a part of it); local parts through
    pyarrow's own file system (many small parts read ~20x faster than through fsspec)."""
    import dask.dataframe as dd

    if not _has_parts(dataset, table):
        return None
    if is_remote(dataset):
        return dd.read_parquet(_table_url(dataset, table), columns=columns)
    return dd.read_parquet(os.path.abspath(_table_url(dataset, table)), columns=columns, filesystem="arrow")


#: The columns whose figures the driver builds: table -> (column, grouped by).
_MEASURED = {"gaps": (C.GAP_MS, None), "transitions": (C.OFFSET_MS, C.KIND), "pauses": (C.PAUSE_MS, None)}


def _stats_of(counts: pd.Series, moments) -> dict:
    """A group's figures from its value counts; mean and extremes from its exact moments (bins or not)."""
    stats = stats_from_counts(counts.index.get_level_values(-1).to_numpy(), counts.to_numpy())
    stats["mean_ms"] = float(moments["sum"]) / int(moments["count"])
    stats["min_ms"], stats["max_ms"] = float(moments["min"]), float(moments["max"])
    return stats


def _dataset_figures(dataset: str, exact_span_ms: int) -> dict:
    """Every overall figure the dataset gives, in two passes over it (Dask DataFrame): the moments
    (count, sum, min, max per group: the span decides the bins), then the value counts per group.

    Returns ``{table: ({group: figures}, bin width)}`` for `_MEASURED`, ``"floor_transfer"`` (gaps
    and overlaps on one axis, from the transitions' counts, with its overlap share) and
    ``"turn_ends"`` (count, with words).
    """
    import dask

    frames, keys = {}, {}
    for table, (column, by) in _MEASURED.items():
        ddf = _read(dataset, table, [column] + ([by] if by else []))
        if ddf is not None:
            ddf = ddf[~ddf[column].isna()]
            frames[table], keys[table] = (ddf if by else ddf.assign(_all=0)), by or "_all"
    ends = _read(dataset, "turn_ends", [C.LEVEL])
    todo = [frames[t].groupby(keys[t])[_MEASURED[t][0]].agg(["min", "max", "sum", "count"]) for t in frames]
    if ends is not None:
        todo += [ends[C.LEVEL].size, (ends[C.LEVEL] == C.WORD_LEVEL).sum()]
    got = dask.compute(*todo)
    moments = dict(zip(frames, got))
    out = {"turn_ends": {"count": int(got[-2]), "with_words": int(got[-1])} if ends is not None
           else {"count": 0, "with_words": 0}}
    counting, widths = {}, {}
    for table, ddf in frames.items():
        column, m = _MEASURED[table][0], moments[table]
        if not len(m):
            continue
        lo, hi = float(m["min"].min()), float(m["max"].max())
        widths[table] = max(1, math.ceil((hi - lo + 1) / exact_span_ms))
        if widths[table] > 1:  # bins of `width` ms, each counted at its middle
            w = widths[table]
            ddf = ddf.assign(**{column: (ddf[column] - lo) // w * w + lo + (w - 1) / 2})
        counting[table] = ddf.groupby([keys[table], column]).size()
    counts = dict(zip(counting, dask.compute(*counting.values())))
    for table in _MEASURED:
        if table not in counts:
            out[table] = ({}, 1)
            continue
        c = counts[table]
        out[table] = ({g: _stats_of(part, moments[table].loc[g]) for g, part in c.groupby(level=0)}, widths[table])
    # floor transfers: the gap and overlap counts merged (a gap is >= 0, an overlap < 0: the overlap share
    # is the overlaps' share of both)
    both = [g for g in (C.GAP, C.OVERLAP) if g in out["transitions"][0]]
    out["floor_transfer"] = ({}, 1)
    if both:
        c = counts["transitions"]
        merged = c[c.index.get_level_values(0).isin(both)].groupby(level=1).sum()
        m = moments["transitions"].loc[both]
        stats = _stats_of(merged, {"sum": m["sum"].sum(), "count": m["count"].sum(), "min": m["min"].min(),
                                   "max": m["max"].max()})
        n_over = out["transitions"][0].get(C.OVERLAP, {"count": 0})["count"]
        stats["overlap_share"] = n_over / stats["count"]
        out["floor_transfer"] = ({0: stats}, widths["transitions"])
    return out


@dataclass
class DatasetRun:
    """What the driver of a distributed analysis keeps: the summary and the small per-file figures.

    ``summary`` is the summary JSON (as `AnalysisResult.to_summary`, with the all-files rows of
    the summaries, and ``dataset``: where the tables are and whether quantiles are exact);
    ``path`` where it was written; ``dataset`` the dataset's folder or URL.
    """

    summary: dict
    path: str
    dataset: str
    per_file: pd.DataFrame
    skipped: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    caveats: list = field(default_factory=list)

    @property
    def overall(self) -> dict:
        return self.summary["aggregated_statistics"]

    def summary_text(self) -> str:
        """A few lines for the terminal: files, the overall figures, the guide's setting, where it all is."""
        o, rec = self.overall, self.summary["recommended_configuration"]
        lines = ["TURN-TAKING ANALYSIS (distributed)",
                 f"Files: {len(self.summary['speaker_sources'])} read, {o['total_files_analyzed']} with gaps "
                 f"(backend: {self.summary['backend']})"]
        lines += [f"!! {c}" for c in self.caveats if c.startswith("SPEAKERS UNKNOWN")]
        if o["overall_average_gap_ms"] is not None:
            lines += [f"Total gaps analyzed: {o['total_gaps']}",
                      f"Overall average gap: {o['overall_average_gap_ms']:.0f} ms, median "
                      f"{o['overall_median_gap_ms']:.0f} ms, min {o['overall_min_gap_ms']:.0f} ms, max "
                      f"{o['overall_max_gap_ms']:.0f} ms; variability {o['variability_ratio']:.2f}x "
                      f"({o['variability']})"]
        share = self.summary["transitions"]["overlap_share_of_speaker_changes"]
        if share is not None:
            lines.append(f"Speaker changes that overlap: {share:.0%}")
        lines.append(f"Recommended configuration (the guide's rule): {rec['name']} (min_turn_silence "
                     f"{rec['min_turn_silence']} ms, max_turn_silence {rec['max_turn_silence']} ms)")
        q = self.summary["dataset"]["quantiles"]
        lines.append(f"Tables per file: {self.dataset} ({q})")
        failed = [s for s in self.skipped if s.get("stage") != "analyze"]
        if failed:
            lines += ["Skipped files:"] + [f"  - {s['filename']}: {s['reason']}" for s in failed[:20]]
            if len(failed) > 20:
                lines.append(f"  ... and {len(failed) - 20} more (all in the summary JSON)")
        lines += [f"Caveat: {c}" for c in self.caveats if not c.startswith("SPEAKERS UNKNOWN")]
        return "\n".join(lines)


def _write_summary(out: str, name: str, summary: dict) -> str:
    return _write(f"{out.rstrip('/')}/{name}", (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode())


def _summarize(parts: list, dataset: str, options: DatasetOptions, backend: str, folder) -> tuple[dict, dict]:
    """The summary JSON of a run from its parts' small figures and the dataset (the driver's work)."""
    per_file = pd.concat([p["per_file"] for p in parts if p["per_file"] is not None], ignore_index=True) \
        if any(p["per_file"] is not None for p in parts) else pd.DataFrame(columns=["filename", "average_gap_ms",
                                                                                     "total_utterances"])
    sources = {k: v for p in parts for k, v in p["sources"].items()}
    skipped = [s for p in parts for s in p["skipped"]]
    notes = [n for p in parts for n in p["notes"]]
    caveats = caveats_from_sources(sources, [n for p in parts for n in p["detector_notes"]])
    span = options.exact_span_ms
    figures = _dataset_figures(dataset, span)
    g = figures["gaps"][0].get(0)
    overall = guide_overall(per_file, None if g is None else {
        "count": g["count"], "mean": g["mean_ms"], "median": g["median"], "min": g["min_ms"], "max": g["max_ms"]})
    recommendation = guide_recommendation(overall, sources, backend)
    unknown = [n for n, v in sources.items() if v == SPEAKERS_UNKNOWN]
    totals = unknown_as_nan(transition_totals(figures["transitions"][0]), [],
                            bool(sources) and len(unknown) == len(sources))
    row = totals[totals[C.KIND] == C.OVERLAP]
    overlap_share = None if not len(row) or pd.isna(row["share_of_speaker_changes"].iloc[0]) else \
        float(row["share_of_speaker_changes"].iloc[0])
    pauses, fto = figures["pauses"][0], figures["floor_transfer"][0]
    fto_rows = [{C.FILE: ALL_FILES, **{k: fto[0][k] for k in _STAT_COLUMNS}, "overlap_share": fto[0]["overlap_share"]}
                ] if 0 in fto else []
    width = max(figures[t][1] for t in (*_MEASURED, "floor_transfer"))
    quantiles = "exact" if width == 1 else f"approximate: within {width} ms (values counted in {width} ms bins)"
    name = Path(dataset.rstrip("/")).name
    summary = json_safe({
        "analysis_date": datetime.now().isoformat(timespec="seconds"),
        "folder_path": None if folder is None else str(folder),
        "backend": backend,
        "aggregated_statistics": {**overall, "median_convention": "true median (mean of the two middle gaps when "
                                                                  "their count is even)"},
        "per_file_results": json_records(per_file) if len(per_file) <= PER_FILE_IN_JSON else [],
        "skipped_files": skipped,
        "transitions": {"overlap_share_of_speaker_changes": overlap_share, "summary": json_records(totals)},
        "pauses_within_turns": [{C.FILE: ALL_FILES, **{k: pauses[0][k] for k in _STAT_COLUMNS}}] if 0 in pauses
        else [],
        "floor_transfer_offsets": fto_rows,
        "side": None,
        "turn_ends": figures["turn_ends"],
        "recommended_configuration": recommendation.to_dict(),
        "speaker_sources": sources if len(sources) <= PER_FILE_IN_JSON else {},  # else: the files table
        "speaker_source_counts": dict(Counter(sources.values())),
        "caveats": caveats,
        "notes": notes,
        "dataset": {"folder": name, "tables": list(DATASET_TABLES), "parts": len(parts), "quantiles": quantiles,
                    "per_file_results": "here" if len(per_file) <= PER_FILE_IN_JSON else "the files table",
                    "quantile_bin_ms": width, "exact_span_ms": span},
        "tables": {"pauses": "pauses", "turn_ends": "turn_ends"},
    })
    return summary, {"per_file": per_file, "skipped": skipped, "notes": notes, "caveats": caveats}


def analyze_to_dataset(paths, out, options: DatasetOptions | None = None, *, backend: str = "transcripts",
                       folder_label=None) -> DatasetRun:
    """Analyse transcript files on an executor, each task writing its files' tables as parts of a
    Parquet dataset under `out`; the driver keeps small per-file figures and builds the overall
    ones from the dataset (Dask DataFrame).

    Parameters
    ----------
    paths : path or list of paths
        Transcript files (AssemblyAI JSON, RTTM, CSV) or folders of them.
    out : str or Path
        A local folder (files 0600, folders 0700) or an fsspec URL (``s3://bucket/runs/``)
        every worker can write to.
    options : DatasetOptions, optional
        The executor, the task sizes, the tasks in flight, the exact-quantile span.

    Returns
    -------
    DatasetRun
        Its ``summary`` holds the same overall figures (counts, means, quantiles) as the
        serial run's `AnalysisResult.to_summary()`; ``path`` is the summary JSON.

    Raises
    ------
    InputError
        A path that does not exist, or no transcript file under the paths.
    ConfigError
        Dask or pyarrow missing (naming the extra), or a bad option.
    """
    from .analysis.tables import require_pyarrow
    from .audio.executor import open_executor

    options = options or DatasetOptions()
    require_pyarrow()
    try:
        import dask.dataframe  # noqa: F401
    except ImportError as err:
        raise ConfigError("a distributed analysis builds its figures with Dask DataFrame: "
                          "pip install 'turntune_nb[dask]'") from err
    files = list_transcript_files(paths)
    if not files:
        raise InputError(f"no transcript files ({', '.join(TRANSCRIPT_EXTENSIONS)}) in "
                         f"{', '.join(map(str, [paths] if isinstance(paths, (str, Path)) else paths))}")
    out = str(out)
    stem = f"aggregated_analysis_{datetime.now():%Y%m%d_%H%M%S}"
    dataset = f"{out.rstrip('/')}/{stem}.dataset"
    if not is_remote(out):
        from .files import make_private_dir

        make_private_dir(dataset)
    pool, close = open_executor(options.executor, options.workers, options.scheduler)
    try:
        parts = _run_tasks(files, dataset, pool, options, backend)
        summary, kept = _summarize(parts, dataset, options, backend, folder_label or
                                   (paths if isinstance(paths, (str, Path)) else ", ".join(map(str, paths))))
    finally:
        close()
    path = _write_summary(out, f"{stem}.json", summary)
    return DatasetRun(summary=summary, path=path, dataset=dataset, **kept)
