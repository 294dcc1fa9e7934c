"""What the ``turntune`` command prints, with `rich`: tables that fit the terminal.

The width comes from the terminal; when the output is piped or redirected it is
``$COLUMNS`` if set, else 80, so a saved or piped output is as readable as the
screen. Colour (bold headings only) is used on a terminal alone, never in a pipe or a
file, and never with ``NO_COLOR`` set. Every table names its columns through
`turntune_nb.analysis.display` (shares as percentages, times in whole milliseconds).

What does not fit 80 columns stays out of the narrow view and is in ``--json`` and
the saved summary; a terminal wide enough for every column of the per-file table
(about 150 columns) shows it in full. Errors are one line each on stderr
(``turntune: <file>: <reason>``), not wrapped, so that a script can grep them.

Examples
--------
>>> import io
>>> out = make_console(io.StringIO())
>>> out.width, out.is_terminal, out.no_color or out.color_system is None
(80, False, True)
"""

from __future__ import annotations

import re

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis import columns as C
from ..analysis.display import format_value, label, readable_rows, short_label
from ..analysis.gaps import ALL_FILES
from ..analysis.model import SPEAKERS_UNKNOWN
from .tables import TextColumn, layout, print_fitted
from .terminal import FailedFileFilter, make_console, print_error

__all__ = ("make_console", "print_analysis", "print_recommendation", "print_replay", "print_failures",
           "print_error", "print_saved", "print_session_end", "stream_printer", "FailedFileFilter")

#: The per-file columns, most important first: a narrow terminal leaves out the last (every figure is in
#: ``--json`` and the saved summary); the file name and its median gap are always shown.
FILE_COLUMN_PRIORITY = ("filename", "speakers", "median_gap_ms", "overlap_share", "pause_median_ms", "pause_p90_ms",
                        "floor_transfer_median_ms", "average_gap_ms", "utterances", "total_gaps", "gaps", "overlaps",
                        "pauses", "contained", "speaker_source")
#: The per-file columns in the order they are shown (those that fit).
FILE_COLUMNS = ("filename", "speaker_source", "speakers", "utterances", "average_gap_ms", "median_gap_ms",
                "total_gaps", "gaps", "overlaps", "pauses", "contained", "overlap_share", "pause_median_ms",
                "pause_p90_ms", "floor_transfer_median_ms")
_OVERALL = ("total_files_analyzed", "total_utterances", "total_gaps", "overall_average_gap_ms", "overall_median_gap_ms",
            "overall_min_gap_ms", "overall_max_gap_ms", "average_of_file_averages_ms")


# --------------------------------------------------------------------------- the console (cli.terminal)
def _heading(out: Console, title: str) -> None:
    out.print(Text(title, style="bold"))
    out.print("=" * min(len(title), out.width))


def _key_values(rows) -> Table:
    """A two-column table: a figure's name, its value (wrapped to the width)."""
    table = Table(box=None, show_header=False, padding=(0, 1, 0, 2), pad_edge=False)
    table.add_column(style="bold", overflow="fold")
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(str(key), str(value))
    return table


def _bullets(out: Console, title: str, items) -> None:
    """``title:`` then one wrapped bullet per item, continuation lines indented under the text."""
    items = list(items)
    if not items:
        return
    out.print()
    out.print(Text(f"{title}:", style="bold"))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(overflow="fold")
    for item in items:
        grid.add_row("-", str(item))
    out.print(grid)


def _frame_columns(frame: pd.DataFrame, title_column: str | None = None, required=()) -> list:
    """A DataFrame's columns as `TextColumn`s: readable full and short labels, values formatted by
    column (`display.format_value`), numbers right-aligned; `title_column` (names) may fold as a last resort."""
    return [TextColumn(str(c), label(c), tuple(format_value(c, v) for v in frame[c]), short=short_label(c),
                       right=c != title_column and pd.api.types.is_numeric_dtype(frame[c].dtype),
                       required=c == title_column or c in required, foldable=c == title_column)
            for c in frame.columns]


def print_saved(out: Console, what: str, path) -> None:
    """``<what>: <path>``; the path is never wrapped, so that it can be copied: on a line of its own when the
    two do not fit the width together (a path longer than the terminal is the one line wider than it)."""
    line = f"{what}: {path}"
    if len(line) > out.width:
        out.print(f"{what}:")
        line = str(path)
    out.print(line, soft_wrap=True)


def print_failures(failed, err: Console | None = None) -> None:
    """The files that failed, each once, with its reason (stderr)."""
    err = err or make_console(stderr=True)
    print_error(f"{len(failed)} file(s) failed; the others were analysed:", err)
    for f in failed:
        err.print(f"  - {f['filename']}: {f['reason']}", soft_wrap=True)


# --------------------------------------------------------------------------- analyze
def _grouped_notes(notes, names, caveats) -> list:
    """Notes said once: "<file>: <text>" notes with the same text become one note naming the
    files; a note that repeats a caveat already shown is left out."""
    shown = set(caveats)
    order, files_of = [], {}
    pattern = re.compile(r"^(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r"): (.*)$",
                         re.S) if names else None
    for note in notes:
        m = pattern.match(str(note)) if pattern else None
        name, text = (m.group(1), m.group(2)) if m else (None, str(note))
        if text in shown:
            continue
        if text not in files_of:
            order.append(text)
            files_of[text] = []
        if name is not None:
            files_of[text].append(name)
    out = []
    for text in order:
        files = files_of[text]
        if not files:
            out.append(text)
        elif len(files) <= 3:
            out.append(f"{', '.join(files)}: {text}")
        else:
            out.append(f"{len(files)} files ({', '.join(files[:3])}, ...): {text}")
    return out


def _overall_rows(result) -> list:
    """The overall figures as (label, value) rows."""
    from ..analysis.results import VARIABILITY_TEXT

    o = result.overall
    rows = []
    if o.get("overall_average_gap_ms") is not None:
        rows += [(label(k), format_value(k, o.get(k))) for k in _OVERALL]
        rows.append(("variability", f"{o['variability_ratio']:.2f}x longest gap / mean gap: {o['variability']} "
                                    f"- {VARIABILITY_TEXT[o['variability']]}"))
    share = result.overlap_share
    if share is not None:
        rows.append(("speaker changes that overlap", f"{share:.0%} (the guide's gap figures leave these out)"))
    elif any(v == SPEAKERS_UNKNOWN for v in result.speaker_sources.values()):
        rows.append(("speaker changes", "unknown (speakers unknown; see the caveats)"))
    if len(result.pauses):
        p = result.pauses[C.PAUSE_MS]
        rows.append(("pauses inside turns", f"{len(p)}, median {p.median():.0f} ms, p90 {p.quantile(0.9):.0f} ms, "
                                            f"{(p > 500).mean():.0%} over 500 ms"))
    fto = result.floor_transfer
    fto = fto[fto[C.FILE] == ALL_FILES]
    if len(fto) and fto["count"].iloc[0]:
        r = fto.iloc[0]
        rows.append(("floor-transfer offsets", f"{int(r['count'])}, median {r['median_ms']:.0f} ms, "
                                               f"p10 {r['p10_ms']:.0f} ms, p90 {r['p90_ms']:.0f} ms "
                                               "(gaps and overlaps on one axis)"))
    return rows


def print_analysis(result, out: Console, failed=()) -> None:
    """An `AnalysisResult` for the terminal: the files, the overall figures, the guide's
    setting, then skipped files, caveats and notes. `failed` (named on stderr by the
    command) are counted here, not repeated."""
    o = result.overall
    _heading(out, "TURN-TAKING ANALYSIS")
    for c in result.caveats:
        if c.startswith("SPEAKERS UNKNOWN"):
            out.print(f"!! {c}")
    failed_names = {f["filename"] for f in failed}
    line = f"Files: {len(result.transcripts)} read, {o['total_files_analyzed']} with gaps (backend: {result.backend})"
    out.print(line + (f"; {len(failed_names)} failed, named on stderr" if failed_names else ""))
    if result.side:
        out.print(f"Figures restricted to {result.side}")
    if len(result.transcripts):
        files = result.files
        shown = files[[c for c in FILE_COLUMNS if c in files.columns]]
        out.print()
        print_fitted(out, _frame_columns(shown, "filename", required=("median_gap_ms",)),
                     priority=FILE_COLUMN_PRIORITY)
    rows = _overall_rows(result)
    if rows:
        out.print()
        out.print(Text("Overall", style="bold"))
        out.print(_key_values(rows))
    r = result.recommendation
    out.print()
    out.print(Text(f"Recommended setting (the guide's rule): {r.name}", style="bold"))
    out.print(_key_values([
        (label("min_turn_silence"), r.min_turn_silence), (label("max_turn_silence"), r.max_turn_silence),
        ("reasoning", r.evidence.get("reason", r.description)), ("use cases", r.use_cases),
    ]))
    _bullets(out, "Skipped files", [f"{s['filename']}: {s['reason']}" for s in result.skipped
                                    if s["filename"] not in failed_names])
    _bullets(out, "Caveats", result.caveats)
    _bullets(out, "Notes", _grouped_notes(result.notes, [t.name for t in result.transcripts], result.caveats))


# --------------------------------------------------------------------------- recommend
def print_recommendation(rec, out: Console) -> None:
    """A `Recommendation` for the terminal: the setting, its intervals, the table beside the
    guide's preset, eot-bench's cells, warnings, notes and the equivalents on other stacks."""
    from ..analysis.display import format_interval
    from ..analysis.export import export_table

    def _pct_range(ci) -> str:
        text = format_interval("cutoff_rate", *ci, missing="n/a (one recording: no spread between recordings)")
        same = ci[0] is not None and ci[0] == ci[1]  # a bootstrap cannot reach past the rates it resampled
        return text + (" in every resample (no spread seen between recordings; the per-hold interval is "
                       "wider)" if same else "")

    _heading(out, f"DATA-DRIVEN RECOMMENDATION ({rec.model}, target <= {rec.target_cutoff:.0%} false cut-offs)")
    for w in rec.warnings:
        if w.startswith("SPEAKERS UNKNOWN"):
            out.print(f"!! {w}")
    rows = []
    if rec.side:
        rows.append(("side", f"{rec.side} (every figure from its holds and turn ends)"))
    rows += [
        ("setting", rec.starts_from_text()),
        (label("min_turn_silence"), format_value("min_turn_silence", rec.config.min_turn_silence)),
        (label("max_turn_silence"), format_value("max_turn_silence", rec.config.max_turn_silence)),
        (f"{rec.confidence:.0%} interval", f"false cut-off rate {_pct_range(rec.cutoff_ci)}"
                                           + (f"; {rec.latency_text}" if rec.latency_fixed_ms is not None
                                              else f", mean latency {rec.latency_text}")
                                           + f" ({rec.interval_method})"),
        ("per-hold Wilson interval", f"{_pct_range(rec.wilson_ci)} (every hold independent: too narrow across "
                                     "calls)"),
        ("evidence", f"{rec.evidence['holds']} holds, {rec.evidence['turns']} turns, {rec.evidence['turn_ends']} "
                     f"turn ends in {len(rec.evidence['files'])} file(s)"),
    ]
    if rec.silence_equivalent_ms is not None:
        rows.append(("silence-only equivalent", f"{rec.silence_equivalent_ms} ms at the same target"))
    out.print(_key_values(rows))
    table = readable_rows(rec.table())
    out.print()
    print_fitted(out, [TextColumn("", "", tuple(map(str, table.index)), required=True, foldable=True)]
                 + [TextColumn(str(c), str(c), tuple(map(str, table[c])), right=True, required=True)
                    for c in table.columns])
    if rec.eot_cells:
        out.print()
        out.print(Text("eot-bench cells (holds of 200-5000 ms; never-fired turn ends at max_turn_silence), beside "
                       "the published rows:", style="bold"))
        print_fitted(out, _frame_columns(rec.eot_table().drop(columns=["source"]), "name"))
    _bullets(out, "Warnings", rec.warnings)
    _bullets(out, "Notes", rec.notes)
    exports = export_table(rec.export())
    out.print()
    out.print(Text("Equivalent settings", style="bold"))
    _print_exports(out, exports)
    _bullets(out, "About them", [f"{stack} ({model}): {note}" for stack, model, note in
                                 exports.drop_duplicates("stack")[["stack", "model", "note"]].itertuples(index=False)])


def _print_exports(out: Console, exports: pd.DataFrame) -> None:
    """The equivalent settings: a stack / parameter / value table when it fits whole, else each stack's
    name then its parameters and values beneath it (a parameter name is never broken)."""
    names = list(exports["stack"])
    stacks = tuple("" if i and name == names[i - 1] else name for i, name in enumerate(names))
    columns = [TextColumn("stack", "stack", stacks, required=True),
               TextColumn("parameter", "parameter", tuple(map(str, exports["parameter"])), required=True),
               TextColumn("value", "value", tuple(map(str, exports["value"])), required=True)]
    if layout(columns, out.width).width <= out.width:
        print_fitted(out, columns)
        return
    for stack, rows in exports.groupby("stack", sort=False):
        out.print(f"{stack}:")
        out.print(_key_values([(r.parameter, r.value) for r in rows.itertuples(index=False)]))


# --------------------------------------------------------------------------- replay
def _measured(column: str, r: dict) -> str:
    """``measured`` over ``(predicted)`` (two lines) of one figure of a replay row; a bracketed prediction
    as its two bounds (``low-high``), and ``!`` after the measurement when it lies outside them."""
    lo, hi = r.get(f"predicted_{column}_low"), r.get("predicted_" + column)
    pred = format_value(column, hi)
    if lo is not None and hi is not None and not pd.isna(lo) and not pd.isna(hi) and lo != hi:
        lo, hi = sorted((lo, hi))
        pred = f"{format_value(column, lo)}-{format_value(column, hi)}"
    flag = "!" if r.get(f"{column}_vs_prediction") in ("above", "below") else ""
    return f"{format_value(column, r.get(column))}{flag}\n({pred})"


def print_replay(result, out: Console, shown=()) -> None:
    """A `ReplayResult`: for each setting, every fire accounted for (at a turn end, in a hold, in
    speech), the measured cut-off rate and latency beside the simulator's prediction (both bounds of a
    bracket; outside them said in words), then TurnBench's terms and eot-bench's cells of the replayed
    settings. Notes in `shown` (already printed) are not repeated."""
    from ..analysis.eotbench import eot_table
    from ..analysis.turnbench import FP_BUDGET, published_rows
    from ..rescore import measured_eot_cells

    def pct(v) -> str:
        return "–" if v is None or pd.isna(v) else f"{v:.1%}"

    _heading(out, f"REPLAY: MEASURED VS PREDICTED ({result.model} rule)")
    said = set(shown)
    for r in result.overall.to_dict("records"):
        setting = f"{r['min_turn_silence']}/{r['max_turn_silence']}"
        per = result.files[(result.files["min_turn_silence"] == r["min_turn_silence"])
                           & (result.files["max_turn_silence"] == r["max_turn_silence"])]
        rows = [(f"{f['file']} ({f['speakers']})", f) for f in per.to_dict("records")]
        rows.append((f"all {r['files']} file(s)", r))
        tol = r.get("align_tolerance_ms")
        tol = "per file (notes)" if tol is None or pd.isna(tol) else f"{tol:.0f} ms"
        out.print()
        out.print(Text(f"Setting {setting} ms (min/max_turn_silence), alignment tolerance {tol}: "
                       f"{r['fires']} fire(s), {r['fires_at_turn_end']} at turn ends, {r['fires_in_hold']} in "
                       f"holds, {r['fires_in_speech']} in speech; premature {pct(r['premature_rate'])} (fires in "
                       f"holds or in speech / fires); cut-off rate = holds a fire fell in / holds", style="bold"))
        cells = [(name, f"{f['fires']}: {f['fires_at_turn_end']}/{f['fires_in_hold']}/{f['fires_in_speech']}",
                  pct(f["premature_rate"]), _measured("cutoff_rate", f), _measured("latency_mean_ms", f),
                  f"{f['fired']}/{f['turn_ends']}") for name, f in rows]
        headers = ("fires: end/ hold/ speech", "premature", "cut-off rate (predicted)", "mean latency ms (predicted)",
                   "turn ends fired")
        widths = [max([len(w) for w in h.split()] + [len(line) for c in cells for line in c[k].split("\n")])
                  for k, h in enumerate(headers, 1)]
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
        room = out.width - sum(widths) - 3 * len(widths)  # each gap: two of padding and a (blank) rule
        table.add_column("file", overflow="fold", width=max(8, min(room, max(len(c[0]) for c in cells))))
        for header, w in zip(headers, widths):
            table.add_column(header, justify="right", overflow="fold", width=w)
        for c in cells:
            table.add_row(*c)
        out.print(table)
        outside = [n for n in result.notes if n.startswith(f"{setting}: the measured ")]
        for n in outside:
            out.print(f"! {n[len(setting) + 2:]}")
        said |= set(outside)
    tb = getattr(result, "turnbench", None)
    if tb is not None and len(tb):
        out.print()
        out.print(Text(f"TurnBench terms (end of turn, two-channel sessions, gold from your reference; "
                       f"false-positive budget {FP_BUDGET:g}), beside TurnBench's published test rows:",
                       style="bold"))
        mine = tb.assign(source="your replay")[["setting", "source", "recall", "fp_rate", "latency_p50_ms"]]
        both = pd.concat([mine, published_rows()], ignore_index=True)
        t = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
        for header in ("setting", "recall", "false positives", "latency p50 (ms)"):
            t.add_column(header, justify="left" if header == "setting" else "right", overflow="fold")
        for x in both.to_dict("records"):
            mark = " *" if x["setting"] in set(tb.loc[tb["operating_point"], "setting"]) else ""
            name = x["setting"] + mark if x["source"] == "your replay" else f"{x['setting']} (published)"
            t.add_row(name, pct(x["recall"]), pct(x["fp_rate"]),
                      format_value("latency_p50_ms", x["latency_p50_ms"]))
        out.print(t)
        if tb["operating_point"].any():
            out.print(f"* the operating point at the {FP_BUDGET:g} budget (highest recall, then lowest latency)")
    cells = measured_eot_cells(result.overall)
    if cells:
        out.print()
        out.print(Text("eot-bench cells of the replayed settings (measured; a cell no replayed setting reaches "
                       "is empty), beside the published rows:", style="bold"))
        print_fitted(out, _frame_columns(eot_table({"your replay (measured)": cells}).drop(columns=["source"]),
                                         "name"), more="widen the terminal")
    _bullets(out, "Failed", [f"{f['filename']}: {f['reason']}" for f in result.failed])
    _bullets(out, "Notes", [n for n in result.notes if n not in said])
    if result.events_dir is not None:
        out.print()
        print_saved(out, "Events saved in", result.events_dir)
        out.print(f"(score them again without streaming: turntune replay --rescore {result.events_dir})",
                  soft_wrap=True)


# --------------------------------------------------------------------------- stream
#: The end kinds whose words are not the kind's name (the server's inactivity timer is not an error).
_END_WORDS = {"server_inactivity": "inactivity (server)", "inactivity": "inactivity (client)"}


def print_session_end(end, err: Console | None = None) -> None:
    """Why a live session ended (a `SessionEnd`), in words, on stderr: ``Session ended
    (inactivity (server), code 3006): ...`` when the service's inactivity timer ended it."""
    code = f", code {end.code}" if end.code is not None else ""
    detail = end.detail or ""
    words = _END_WORDS.get(end.kind, end.kind.replace("_", " "))
    if detail.startswith(words):  # the detail already says it
        detail = detail[len(words):].lstrip(": ")
    detail = f": {detail}" if detail else ""
    (err or make_console(stderr=True)).print(f"Session ended ({words}{code}){detail}")


def stream_printer(config, source, json_lines: bool, out: Console | None = None, err: Console | None = None,
                   on_closed=None):
    """The `on_*` callback of ``turntune stream``: JSON lines, or readable turns.

    On a terminal a partial turn is redrawn in place; in a pipe only final turns are
    printed (no cursor codes). The greeting says "Speak now" for the microphone only;
    for a file it says the file is being replayed in real time. When the reader of the
    output goes away (``| head``), nothing more is printed and `on_closed` is called once.
    """
    import json

    out = out or make_console()
    err = err or make_console(stderr=True)
    is_mic = isinstance(source, str) and source.lower() in ("mic", "microphone")
    live = out.is_terminal
    redraw = "\r\033[K" if live else ""

    closed = []

    def show(event) -> None:
        if closed:
            return
        try:
            _show(event)
        except BrokenPipeError:
            closed.append(True)
            if on_closed is not None:
                on_closed()

    def _show(event) -> None:
        if json_lines:
            out.file.write(json.dumps(event.to_dict(), ensure_ascii=False) + "\n")
            out.file.flush()
            return
        kind = event.type
        if kind == "Begin":
            what = "Speak now" if is_mic else f"Replaying {source} in real time"
            model = getattr(event, "model", None)
            on = f" on {model}" if model else ""
            err.print(f"Session began{on}: {config}. {what}; Ctrl+C to stop.")
        elif kind == "Warning":
            err.file.write(redraw)
            err.print(f"Note: {event.warning}")
        elif kind == "Turn":
            span = f"[{event.start_ms}-{event.end_ms} ms]" if event.start_ms is not None else ""
            who = getattr(event, "speaker_label", None)  # a party's channel (ch0/ch1) or a diarised speaker
            span = f"{span} {who}:" if who else span
            text = event.transcript or "(speech)"
            if event.end_of_turn:
                out.file.write(f"{redraw}{span} {text}\n")
            elif live:
                out.file.write(f"{redraw}... {text}")
            out.file.flush()
        elif kind == "Termination":
            err.file.write(redraw)
            err.print(f"Session terminated: audio {event.audio_duration_seconds} s, session "
                      f"{event.session_duration_seconds} s")
        elif kind == "Error":
            err.file.write(redraw)
            print_error(str(event.error), err)

    return show
