"""Saved summaries: the summary JSON an analysis writes, its tables, and reading it back.

`save_summary` writes the guide's summary JSON (`summary_json`: a superset of the
guide's keys) with the pause and turn-end tables beside it (CSV, or Parquet for large
runs), every file owner-only; `load_summary` reads it back as a `SavedSummary`, enough
to re-tune a past run (`Simulator.from_result` and `recommend_config` take it as they
take an `AnalysisResult`); `latest_summary` finds the newest in a folder.
`AnalysisResult.save` and `AnalysisResult.to_summary` call these.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, InputError
from . import columns as C
from .presets import StreamingConfig
from .tables import parquet_bytes, require_pyarrow

__all__ = ("SavedSummary", "summary_json", "save_summary", "load_summary", "latest_summary", "json_safe",
           "json_records")


def json_safe(value):
    """JSON-safe: numpy scalars to Python, NaN, NA and NaT to None, keys to strings (dicts and lists walked)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return None if value is pd.NA or value is pd.NaT else value


def json_records(frame: pd.DataFrame) -> list[dict]:
    """A table's rows as JSON-safe dicts."""
    return [json_safe(r) for r in frame.astype(object).to_dict(orient="records")]


def summary_json(result) -> dict:
    """The summary JSON of an `AnalysisResult` (a superset of the guide's keys), JSON-safe.

    Examples
    --------
    >>> from turntune_nb.analysis.readers import read_rttm
    >>> from turntune_nb.analysis.results import analyze_transcripts
    >>> s = summary_json(analyze_transcripts(read_rttm("samples/real/sample.rttm")))
    >>> s["aggregated_statistics"]["total_gaps"], s["recommended_configuration"]["name"]
    (3, 'Conservative')
    """
    o = result.overall
    agg_keys = ("total_files_analyzed", "total_utterances", "total_gaps", "overall_average_gap_ms",
                "overall_median_gap_ms", "overall_min_gap_ms", "overall_max_gap_ms", "variability_ratio")
    aggregated = {k: o.get(k) for k in agg_keys}
    aggregated["average_of_file_averages_ms"] = o.get("average_of_file_averages_ms")
    aggregated["variability"] = o.get("variability")
    aggregated["median_convention"] = "true median (mean of the two middle gaps when their count is even)"
    per_file = [
        {
            "filename": r["filename"],
            "average_gap_ms": r["average_gap_ms"],
            "median_gap_ms": r["median_gap_ms"],
            "total_utterances": r["total_utterances"],
            "total_gaps": r["total_gaps"],
            "min_gap_ms": r["min_gap_ms"],
            "max_gap_ms": r["max_gap_ms"],
        }
        for r in json_records(result.per_file)
    ]
    return json_safe({
        "analysis_date": result.analysis_date,
        "folder_path": result.folder_path,
        "backend": result.backend,
        "aggregated_statistics": aggregated,
        "per_file_results": per_file,
        "skipped_files": list(result.skipped),
        "transitions": {
            "overlap_share_of_speaker_changes": result.overlap_share,
            "summary": json_records(result.transition_summary),
        },
        "pauses_within_turns": json_records(result.pause_summary),
        "floor_transfer_offsets": json_records(result.floor_transfer),
        "side": result.side,
        "turn_ends": {
            "count": int(len(result.turn_ends)),
            "with_words": int((result.turn_ends[C.LEVEL] == C.WORD_LEVEL).sum()) if len(result.turn_ends) else 0,
        },
        "recommended_configuration": result.recommendation.to_dict(),
        "speaker_sources": result.speaker_sources,
        "caveats": list(result.caveats),
        "notes": list(result.notes),
    })


def save_summary(result, out_dir=".", filename: str | None = None, format: str = "csv") -> Path:
    """Write the summary JSON of `result` into `out_dir` and return its path.

    The default name is the guide's, ``aggregated_analysis_<YYYYmmdd_HHMMSS>.json``.
    The pause and turn-end tables go beside it as CSV, or with ``format="parquet"``
    as Parquet (smaller and typed, for large runs; needs ``pyarrow``:
    ``pip install 'turntune_nb[parquet]'``). `load_summary` reads either.
    """
    from ..files import atomic_write_bytes, atomic_write_json, atomic_write_text, make_private_dir

    if format not in ("csv", "parquet"):
        raise ConfigError(f"format must be 'csv' or 'parquet', got {format!r}")
    if format == "parquet":
        require_pyarrow()

    out_dir = make_private_dir(out_dir)
    filename = filename or f"aggregated_analysis_{datetime.now():%Y%m%d_%H%M%S}.json"
    path = out_dir / filename
    summary = summary_json(result)
    # the pause and turn-end tables go beside the JSON, so a saved run can be re-tuned (load_summary)
    summary["tables"] = {}
    for key, frame in (("pauses", result.pauses), ("turn_ends", result.turn_ends)):
        table = path.with_name(f"{path.stem}.{key}.{format}")
        if format == "parquet":
            atomic_write_bytes(table, parquet_bytes(frame))  # 0600 too
        else:
            atomic_write_text(table, frame.to_csv(index=False))  # 0600: the pauses hold the calls' words
        summary["tables"][key] = table.name
    atomic_write_json(path, summary, indent=2)
    return path


@dataclass
class SavedSummary:
    """A summary JSON written by `AnalysisResult.save`, with its pause and turn-end tables.

    Enough to re-tune a past run (`turntune_nb.analysis.recommend.recommend_config` and
    `Simulator.from_result` take it as they take an `AnalysisResult`).
    """

    summary: dict
    pauses: pd.DataFrame
    turn_ends: pd.DataFrame
    recommendation: StreamingConfig | None
    path: Path | None = None
    side: str | None = None


def _typed_table(frame: pd.DataFrame, files: list) -> pd.DataFrame:
    frame = frame.copy()
    if C.FILE in frame:
        names = [str(f) for f in files] or list(pd.unique(frame[C.FILE].astype(str)))
        frame[C.FILE] = pd.Categorical(frame[C.FILE].astype(str), categories=names)
    if C.TERMINAL in frame:
        frame[C.TERMINAL] = frame[C.TERMINAL].astype("boolean")
    if C.CHANNEL in frame:
        frame[C.CHANNEL] = pd.to_numeric(frame[C.CHANNEL], errors="coerce").astype("Int64")
    for col in (C.SPEAKER, C.WORD_BEFORE, C.LAST_WORD, C.NEXT_SPEAKER, C.LEVEL, C.FLOOR_SPEAKER):
        if col in frame:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    for col in (C.WORD_BEFORE, C.LAST_WORD):
        if col in frame:
            frame[col] = frame[col].fillna("")
    if C.SILENCE_AFTER_MS in frame:
        frame[C.SILENCE_AFTER_MS] = frame[C.SILENCE_AFTER_MS].astype(float)
    return frame


def load_summary(path) -> SavedSummary:
    """Read a summary JSON saved by `AnalysisResult.save` and the tables beside it.

    Raises
    ------
    InputError
        The file is missing, not JSON, or was saved without its tables.

    Examples
    --------
    >>> import tempfile
    >>> from turntune_nb.analysis.readers import read_rttm
    >>> from turntune_nb.analysis.results import analyze_transcripts
    >>> result = analyze_transcripts(read_rttm("samples/real/sample.rttm"))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     saved = load_summary(result.save(d))
    >>> len(saved.turn_ends) == len(result.turn_ends), saved.recommendation.name
    (True, 'Conservative')
    """
    path = Path(path)
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such summary file") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:
        raise InputError(f"{path}: not a summary JSON ({err})") from err
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror or err})") from err
    tables = summary.get("tables") if isinstance(summary, dict) else None
    if not isinstance(tables, dict) or not {"pauses", "turn_ends"} <= set(tables):
        raise InputError(f"{path}: this summary has no pause and turn-end tables; "
                         "re-run `turntune analyze` to save them")
    rows = summary.get("per_file_results")
    # only the file order is read from it: entries that are not {"filename": text} are passed over
    files = [r["filename"] for r in rows if isinstance(r, dict) and isinstance(r.get("filename"), str)] \
        if isinstance(rows, list) else []
    frames = {}
    dataset = summary.get("dataset")  # a distributed run (turntune_nb.dataset): its tables are folders of parts
    parts = {k: tables[k] for k in ("pauses", "turn_ends")}
    if isinstance(dataset, dict):
        parts = {k: (dataset.get("folder"), v) for k, v in parts.items()}
    for key in ("pauses", "turn_ends"):
        table = path.parent
        for name in parts[key] if isinstance(parts[key], tuple) else (parts[key],):
            if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name \
                    or "\0" in name or Path(name).is_absolute():
                raise InputError(f"{path}: its table name {str(name)[:80]!r} is not a file name beside the summary;"
                                 " only files in the summary's own folder are read. Re-run `turntune analyze`.")
            table = table / name
        if isinstance(dataset, dict) and not table.exists():  # a distributed run writes no part for an empty table
            require_pyarrow()
            frames[key] = pd.DataFrame(columns=sorted(_REQUIRED[key]))
            continue
        frames[key] = _read_table(path, table, parquet=isinstance(dataset, dict))
        missing = sorted(_REQUIRED[key] - set(frames[key].columns))
        if missing:
            raise InputError(f"{path}: its table {table.name} has no {', '.join(missing)} column(s); it is not one "
                             "`turntune analyze` saves: re-run `turntune analyze`")
    try:
        names = list(dict.fromkeys([str(f) for f in pd.unique(frames["turn_ends"][C.FILE].astype(str))]
                                   + [str(f) for f in pd.unique(frames["pauses"][C.FILE].astype(str))] + files))
        pauses, turn_ends = _typed_table(frames["pauses"], names), _typed_table(frames["turn_ends"], names)
    except (KeyError, ValueError, TypeError) as err:  # a table without its columns, or with values of no type
        raise InputError(f"{path}: its tables are not the ones `turntune analyze` saves ({type(err).__name__}: "
                         f"{err}); re-run `turntune analyze`") from err
    rec = summary.get("recommended_configuration")
    try:
        recommendation = StreamingConfig.from_dict(rec) if isinstance(rec, dict) else None
    except (ConfigError, TypeError, ValueError, OverflowError):
        recommendation = None  # a damaged saved recommendation: it is made again from the tables
    side = summary.get("side")
    return SavedSummary(summary=summary, pauses=pauses, turn_ends=turn_ends, recommendation=recommendation,
                        path=path, side=side if isinstance(side, str) else None)


#: The columns a saved table must have to be read back (later versions add others, which may be missing).
_REQUIRED = {"pauses": {C.FILE, C.SPEAKER, C.PAUSE_MS}, "turn_ends": {C.FILE, C.SPEAKER, C.END_MS}}


def _read_table(path: Path, table: Path, parquet: bool = False) -> pd.DataFrame:
    """One table saved beside the summary at `path` (CSV, or Parquet by its name or when `parquet`: a
    distributed run's folder of parts)."""
    try:
        if parquet or table.name.endswith(".parquet"):
            require_pyarrow()
            return pd.read_parquet(table)
        return pd.read_csv(table, keep_default_na=False, dtype={C.FILE: str, C.SPEAKER: str, C.FLOOR_SPEAKER: str},
                           na_values={C.TERMINAL: [""], C.SILENCE_AFTER_MS: [""], C.NEXT_SPEAKER: [""],
                                      C.CHANNEL: [""]})
    except FileNotFoundError:
        raise InputError(f"{path}: its table {table.name} is missing beside it") from None
    except InputError:
        raise
    except (OSError, ValueError, TypeError, UnicodeDecodeError) as err:  # pandas' parser errors are ValueErrors
        raise InputError(f"{path}: its table {table.name} cannot be read ({type(err).__name__}: {err}); "
                         "re-run `turntune analyze`") from err


def latest_summary(folder) -> Path | None:
    """The newest ``aggregated_analysis_*.json`` saved in `folder`, or None.

    Examples
    --------
    >>> import tempfile
    >>> latest_summary(tempfile.mkdtemp()) is None
    True
    """
    folder = Path(folder)
    found = sorted(folder.glob("aggregated_analysis_*.json")) if folder.is_dir() else []
    return found[-1] if found else None
