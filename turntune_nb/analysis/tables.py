"""The tables of an analysis, one per concept, and their files: CSV, Excel, Parquet.

`result_tables` names the tables a person reads (files, overall figures, speakers,
roles, transitions, pauses, the recommendation, notes); `export_tables` gives them
readable headers (`turntune_nb.analysis.display`) with the numbers left as numbers;
`write_csv` writes one CSV per table and `write_excel` one workbook with a sheet per
table, both through the package's atomic owner-only writers (the tables describe
the calls).

Examples
--------
>>> from turntune_nb.analysis.readers import read_rttm
>>> from turntune_nb.analysis.results import analyze_transcripts
>>> tables = result_tables(analyze_transcripts(read_rttm("samples/real/sample.rttm")))
>>> list(tables)
['files', 'overall', 'speakers', 'transition_summary', 'pause_summary', 'recommendation', 'notes']
>>> overall = tables["overall"]
>>> overall.loc["overall_average_gap_ms", "value"], overall.loc["variability", "value"]
(1250.0, 'MODERATE')
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from . import columns as C
from . import display as D
from .gaps import ALL_FILES
from .markup import config_table
from .speakers import role_table, speaker_table

__all__ = ("TABLE_TITLES", "overall_table", "config_table", "notes_table", "result_tables", "export_tables",
           "write_csv", "write_excel", "require_openpyxl", "require_pyarrow", "parquet_bytes")

#: Table name (also the CSV file's and the Excel sheet's) -> its title for people.
TABLE_TITLES = {
    "files": "Files",
    "overall": "Overall",
    "speakers": "Per speaker",
    "roles": "Per role",
    "transition_summary": "Transitions (gaps, overlaps, pauses, backchannels)",
    "pause_summary": "Pauses inside turns",
    "recommendation": "Recommended setting",
    "notes": "Caveats, skipped files and notes",
}
#: Tables whose rows are figures (one ``value`` column, or one column per setting).
KEY_VALUE_TABLES = ("overall", "recommendation")
_OVERALL_KEYS = ("total_files_analyzed", "total_utterances", "total_gaps", "overall_average_gap_ms",
                 "overall_median_gap_ms", "overall_min_gap_ms", "overall_max_gap_ms", "average_of_file_averages_ms",
                 "variability_ratio", "variability")


def overall_table(result) -> pd.DataFrame:
    """The figures over all files, one per row: index = figure (machine name), column ``value``."""
    o = result.overall
    rows = {"files_read": len(result.transcripts), "files_skipped": len(result.skipped), "backend": result.backend}
    if getattr(result, "side", None):
        rows["side"] = result.side
    rows.update({k: o.get(k) for k in _OVERALL_KEYS})
    rows["overlap_share"] = result.overlap_share
    ps = result.pause_summary
    everything = ps[ps[C.FILE] == ALL_FILES] if len(ps) else ps
    rows["pause_count"] = int(everything["count"].iloc[0]) if len(everything) else 0
    rows["pause_median_ms"] = float(everything["median_ms"].iloc[0]) if len(everything) else None
    rows["pause_p90_ms"] = float(everything["p90_ms"].iloc[0]) if len(everything) else None
    ft = result.floor_transfer
    ft = ft[ft[C.FILE] == ALL_FILES]
    rows["floor_transfer_median_ms"] = float(ft["median_ms"].iloc[0]) if len(ft) and ft["count"].iloc[0] else None
    rows["turn_ends"] = int(len(result.turn_ends))
    return pd.DataFrame({"value": pd.Series(list(rows.values()), index=list(rows), dtype=object)})


def notes_table(result) -> pd.DataFrame:
    """Caveats, skipped files (with the reason) and notes: columns ``kind`` and ``text``."""
    rows = [("caveat", c) for c in result.caveats]
    rows += [("skipped", f"{s.get('filename')}: {s.get('reason')}") for s in result.skipped]
    rows += [("note", n) for n in result.notes]
    return pd.DataFrame(rows, columns=["kind", "text"])


def result_tables(result, roles=None, recommendation=None, setting=None, model=None) -> dict:
    """The tables of `result`, by name (`TABLE_TITLES`), with machine column names.

    Parameters
    ----------
    result : AnalysisResult
    roles : dict or str, optional
        Adds the per-role table (`turntune_nb.analysis.speakers.role_table`).
    recommendation : Recommendation, optional
        The data-driven recommendation: its table (chosen setting beside the guide's
        preset) replaces the guide's preset, and the per-speaker cut-off rate is taken
        at its setting.
    setting, model : optional
        Where the per-speaker and per-role cut-off rates are taken (`speaker_table`).
    """
    if setting is None and recommendation is not None:
        setting = recommendation
    tables = {"files": result.files, "overall": overall_table(result),
              "speakers": speaker_table(result, setting, model)}
    if roles:
        tables["roles"] = role_table(result, roles, setting, model)
    tables["transition_summary"] = result.transition_summary
    tables["pause_summary"] = result.pause_summary
    tables["recommendation"] = (recommendation.table() if recommendation is not None
                                else config_table(result.recommendation))
    tables["notes"] = notes_table(result)
    return tables


def _key_value_export(frame: pd.DataFrame) -> pd.DataFrame:
    """A table whose rows are figures, for a file: a ``figure`` column of labels, then the values."""
    out = frame.copy()
    out.insert(0, "figure", [D.label(k) for k in frame.index])
    return out.reset_index(drop=True)


def export_tables(tables: dict) -> dict:
    """`result_tables` with readable headers (and figure names), the numbers kept as numbers."""
    out = {}
    for name, frame in tables.items():
        if name in KEY_VALUE_TABLES:
            out[name] = _key_value_export(frame)
        else:
            out[name] = D.readable(frame.reset_index(drop=True)).astype(
                {D.label(c): str for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})
    return out


def write_csv(result, folder, prefix: str = "", **options) -> dict:
    """One CSV per table (`result_tables`; `options` go there) in `folder`, as ``<prefix><table>.csv``.

    Headers are readable labels; values stay numbers (full precision). Files are
    written atomically and readable by the owner only (0600), the folder created 0700.
    Returns ``{table: path}``.
    """
    from ..files import atomic_write_text, make_private_dir

    folder = make_private_dir(folder)
    paths = {}
    for name, frame in export_tables(result_tables(result, **options)).items():
        paths[name] = atomic_write_text(Path(folder) / f"{prefix}{name}.csv", frame.to_csv(index=False))
    return paths


def require_openpyxl() -> None:
    """Raise `ConfigError` naming the extra to install when openpyxl is missing."""
    try:
        import openpyxl  # noqa: F401
    except ImportError as err:
        raise ConfigError("Excel export needs openpyxl: pip install 'turntune_nb[excel]' (or export CSV with "
                          "to_csv / --export csv)") from err


def _number_format(key: str) -> str | None:
    return {"share": "0.0%", "ms": "#,##0", "count": "#,##0", "ratio": "0.00"}.get(D.kind(key))


def write_excel(result, path, **options) -> Path:
    """One workbook, a sheet per table (`result_tables`; `options` go there), written to `path`.

    Headers are readable labels and values stay numbers, shown as the displays show
    them (shares as percentages, milliseconds as whole numbers). The file is written
    atomically and readable by the owner only (0600).

    Raises
    ------
    ConfigError
        openpyxl is not installed (``pip install 'turntune_nb[excel]'``).
    """
    from ..files import atomic_write_bytes

    require_openpyxl()
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ConfigError(f"{path}: an Excel workbook's name ends in .xlsx")
    tables = result_tables(result, **options)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in export_tables(tables).items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            machine = tables[name]
            for j, header in enumerate(frame.columns, start=1):
                letter = get_column_letter(j)
                width = max([len(str(header))] + [len(str(v)) for v in frame[header].head(200)])
                sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
                if name in KEY_VALUE_TABLES:
                    if j == 1:
                        continue
                    formats = [_number_format(k) for k in machine.index]
                else:
                    formats = [_number_format(machine.columns[j - 1])] * len(frame)
                for i, fmt in enumerate(formats, start=2):
                    cell = sheet.cell(row=i, column=j)
                    if fmt and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                        cell.number_format = fmt
    return atomic_write_bytes(path, buf.getvalue())


def require_pyarrow() -> None:
    """Raise `ConfigError` naming the extra to install when pyarrow is missing."""
    try:
        import pyarrow  # noqa: F401
    except ImportError as err:
        raise ConfigError("Parquet tables need pyarrow: pip install 'turntune_nb[parquet]' (or save as CSV)") from err


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as Parquet (pyarrow), columns of mixed text and None kept as text."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, engine="pyarrow")
    return buf.getvalue()
