"""The commands that read recordings or transcripts into figures: ``analyze``,
``recommend`` and ``report``.

Each ``add_<name>(subparsers)`` registers a sub-command whose ``func`` runs it. They
share how the paths become an `AnalysisResult` (`_analysis_from_args`: transcripts
read as they are, audio through `pipeline.analyze_folder`), and the checks made
before any (paid) work: a destination that cannot be written, a target out of
range. An interrupted run saves nothing and ends with `KeyboardInterrupt` (exit 130).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import InputError, NothingUsableError
from .exits import EXIT_CODES_HELP, HelpFormatter, exit_code, failed_files
from .options import (
    add_preset_args,
    add_scale_args,
    add_side_args,
    add_speakers_arg,
    add_transcription_args,
    add_tuning_args,
    add_vad_args,
    side,
    vad_options,
)

__all__ = ("add_analyze", "add_recommend", "add_report", "DEFAULT_OUT")

DEFAULT_OUT = "turntune-output"


# --------------------------------------------------------------------------- analyze
def add_analyze(sub) -> None:
    p = sub.add_parser(
        "analyze",
        help="turn-taking statistics and a recommended streaming setting",
        description="Measure gaps, overlaps and pauses in transcripts (AssemblyAI JSON, RTTM, CSV) "
        "or audio files, and recommend min/max_turn_silence.",
        epilog=EXIT_CODES_HELP, formatter_class=HelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="transcript or audio files, or folders of them")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"where the summary JSON goes (default: {DEFAULT_OUT})")
    p.add_argument("--json", action="store_true", help="print the summary JSON on stdout and nothing else")
    p.add_argument("--export", choices=("csv", "xlsx"), default=None,
                   help="also write the tables (files, overall, speakers, roles with --roles, transitions, pauses, "
                   "recommendation) beside the summary: one CSV each, or one Excel workbook ('turntune_nb[excel]')")
    p.add_argument("--report", metavar="REPORT.html",
                   help="also write the shareable HTML report of this analysis, with the data-driven setting at "
                   "the default target (what `turntune report` writes), so nothing is analysed twice")
    add_transcription_args(p)
    add_side_args(p)
    add_speakers_arg(p)
    add_vad_args(p)
    p.add_argument("--max-retry-after", type=float, default=60.0, metavar="S",
                   help="the longest Retry-After from AssemblyAI that is honoured, seconds (default: 60)")
    p.add_argument("--settle-wait", type=float, default=None, metavar="S",
                   help="how long after an interrupted run sent a submission its job may still appear in "
                        "AssemblyAI's list; until then it is waited for, not paid again (default: the "
                        "client's submission time-out, 130 s)")
    add_scale_args(p)
    p.set_defaults(func=_run_analyze)


def _is_audio_input(path) -> bool:
    """True for an audio file, a folder holding audio files, an http(s) URL, or a .txt list of URLs."""
    from ..files import AUDIO_EXTENSIONS, is_url
    from ..remote import is_remote

    if is_url(path) or is_remote(path):
        return True
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".txt":
        return True
    if path.is_dir():
        return any(f.suffix.lower() in AUDIO_EXTENSIONS for f in path.iterdir())  # a pipe too: named, not dropped
    return path.suffix.lower() in AUDIO_EXTENSIONS


def _analysis_from_args(args):
    """An AnalysisResult for the paths of an ``analyze``-like command."""
    if all(_is_audio_input(p) for p in args.paths):
        from ..pipeline import analyze_folder

        extra = {} if getattr(args, "max_retry_after", None) is None else {"max_retry_after": args.max_retry_after}
        if getattr(args, "speakers", None) is not None:
            extra["speakers"] = args.speakers
        if getattr(args, "diarise", True) is False:
            extra["diarise"] = False
        elif getattr(args, "diarise_method", None):
            extra["diarise"] = args.diarise_method
        for name in ("scheduler", "executor_workers", "upload_codec"):
            if getattr(args, name, None) is not None:
                extra[name] = getattr(args, name)
        if getattr(args, "executor", None) is not None:
            extra["executor"] = args.executor
        if getattr(args, "settle_wait", None) is not None:
            extra["orphan_grace"] = args.settle_wait
        result = analyze_folder(args.paths[0] if len(args.paths) == 1 else args.paths,
                                backend=getattr(args, "backend", "auto"),
                                progress=getattr(args, "progress", not getattr(args, "json", False)),
                                workers=getattr(args, "workers", 8), cache_dir=getattr(args, "cache_dir", None),
                                out_dir=getattr(args, "out", None), **extra, **vad_options(args))
        if not result.transcripts and not getattr(result, "interrupted", False):
            detail = "; ".join(f"{f['filename']}: {f['reason']}" for f in result.skipped) or "no input"
            raise NothingUsableError(f"nothing usable in {', '.join(map(str, args.paths))} ({detail})")
        return result
    from ..analysis.readers import collect_transcripts
    from ..analysis.results import analyze_transcripts_isolated

    transcripts, failed = collect_transcripts(args.paths)
    failed += _unreadable_entries(args.paths)
    if not transcripts:
        detail = "; ".join(f"{f['filename']}: {f['reason']}" for f in failed) or "no transcript files found"
        raise NothingUsableError(f"nothing readable in {', '.join(map(str, args.paths))} ({detail})")
    folder = args.paths[0] if len(args.paths) == 1 else ", ".join(map(str, args.paths))
    return analyze_transcripts_isolated(transcripts, folder_path=folder, failed=[dict(f, stage="read") for f in failed])


def _unreadable_entries(paths) -> list:
    """The transcript-named entries of the folders in `paths` that are not regular files (a named pipe,
    a symbolic link loop, a broken link), each with why: named on stderr, never dropped without a word."""
    from ..analysis.readers import TRANSCRIPT_EXTENSIONS
    from ..files import unreadable_reason

    out = []
    for given in paths:
        folder = Path(given)
        if folder.is_dir():
            for f in sorted(folder.iterdir()):
                reason = unreadable_reason(f) if f.suffix.lower() in TRANSCRIPT_EXTENSIONS else None
                if reason is not None:
                    out.append({"filename": f.name, "reason": reason})
    return out


def _check_analysed(result, paths) -> None:
    """Refuse (exit 4, each file's reason, nothing written) a result in which no file could be measured:
    every one with fewer than 2 utterances, or every line of it rejected."""
    if any(len(getattr(t, "utterances", ()) or ()) >= 2 for t in result.transcripts):
        return
    detail = "; ".join(f"{f['filename']}: {f['reason']}" for f in result.skipped) or "no input"
    raise NothingUsableError(f"nothing analysable in {', '.join(map(str, paths))} ({detail}); nothing was written")


def _check_destination(folder, what: str) -> None:
    """Refuse, before any (paid) work, a destination folder that cannot be made or written; creates nothing."""
    import os

    folder = Path(folder)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"{what} {folder} cannot be written ({probe} is not a writable folder): choose another "
                         "place, or fix its permissions, and run again. Nothing was uploaded or paid.")


def _stop_if_interrupted(result) -> None:
    """Raise KeyboardInterrupt (exit 130) when the run behind `result` was interrupted."""
    if getattr(result, "interrupted", False):
        raise KeyboardInterrupt


def _check_usable(source) -> None:
    """Refuse to recommend from nothing: without a pause inside a turn no setting can be told to cut one
    off, so every setting "meets" the target and the fastest (0 / 100 ms) would be written."""
    pauses = getattr(source, "pauses", None)
    if pauses is None or len(pauses) == 0:
        raise NothingUsableError("nothing usable to recommend from: no pause inside a turn was measured, so no "
                                 "false cut-off rate can be estimated (give recordings with turns of several "
                                 "words or segments); no config was written")


def _export_tables(result, summary_path: Path, fmt: str, roles=None) -> str:
    """``--export``: the tables beside the summary, named after it; returns where they went."""
    if fmt == "xlsx":
        return str(result.to_excel(summary_path.with_suffix(".xlsx"), roles=roles))
    paths = result.to_csv(summary_path.parent, prefix=f"{summary_path.stem}.", roles=roles)
    return ", ".join(p.name for p in paths.values()) + f" in {summary_path.parent}"


def _write_report(result, path) -> str:
    """``analyze --report``: the report of `result`, with the data-driven setting (default options) when
    there is a pause to tune on; returns where it went."""
    from ..analysis.recommend import RecommendOptions, recommend_config
    from ..notebook.report import write_report

    has_pauses = getattr(result, "pauses", None) is not None and len(result.pauses) > 0
    recommendation = recommend_config(result, RecommendOptions()) if has_pauses else None
    return str(write_report(result, path, recommendation))


def _run_analyze(args) -> int:
    _check_destination(args.out, "The output folder")
    if getattr(args, "report", None):
        _check_destination(Path(args.report).parent, "The report's folder")
    if getattr(args, "export", None) == "xlsx":  # before any (paid) work
        from ..analysis.tables import require_openpyxl

        require_openpyxl()
    if (args.executor or args.scheduler) and not all(_is_audio_input(p) for p in args.paths):
        return _run_distributed(args)
    result = _analysis_from_args(args)
    _stop_if_interrupted(result)
    _check_analysed(result, args.paths)
    if args.speaker or args.channel:
        result = result.for_speakers(**side(args))
    path = result.save(args.out, format=getattr(args, "table_format", "csv"))
    exported = _export_tables(result, path, args.export, args.roles) if getattr(args, "export", None) else None
    report = _write_report(result, args.report) if getattr(args, "report", None) else None
    if args.json:
        print(json.dumps(result.to_summary(), indent=2, ensure_ascii=False))
    else:
        from .console import make_console, print_analysis, print_saved

        out = make_console()
        print_analysis(result, out, failed=failed_files(result))
        out.print()
        print_saved(out, "Summary saved to", path)
        if exported:
            print_saved(out, "Tables exported to", exported)
        if report:
            print_saved(out, "Report written to", report)
    return exit_code(result)


def _run_distributed(args) -> int:
    """Transcripts with --executor/--scheduler: each file's tables as a Parquet dataset under --out
    (`turntune_nb.dataset`), the overall figures built from it."""
    from ..dataset import DatasetOptions, analyze_to_dataset
    from ..errors import ConfigError

    if args.speaker or args.channel or getattr(args, "export", None):
        raise ConfigError("--speaker, --channel and --export need the tables in memory: run without --executor "
                          "(or re-tune the saved run: turntune recommend OUT/aggregated_analysis_*.json)")
    run = analyze_to_dataset(args.paths, args.out, DatasetOptions(
        executor=args.executor or "dask", workers=args.executor_workers, scheduler=args.scheduler,
        progress=not args.json))
    print(json.dumps(run.summary, indent=2, ensure_ascii=False) if args.json else
          f"{run.summary_text()}\nSummary saved to {run.path}")
    return exit_code(run)


# --------------------------------------------------------------------------- recommend
def _check_target(value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise InputError(f"--target-cutoff is a share between 0 and 1 (0.05 = 5 %), got {value}")


def add_recommend(sub) -> None:
    p = sub.add_parser(
        "recommend",
        help="a data-driven setting: false cut-offs against latency on your recordings",
        description="Simulate the endpointer on the pauses and turn ends of transcripts, audio files "
        "(any backend) or a saved summary, and recommend the lowest-latency setting that keeps false "
        "cut-offs at or below a target.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="transcript or audio files, folders of them, or one summary JSON saved by `analyze`")
    add_tuning_args(p)
    add_preset_args(p)
    p.add_argument("--out", metavar="CONFIG.json",
                   help="write the chosen setting as a config JSON (turntune stream --config)")
    p.add_argument("--json", action="store_true", help="print the recommendation as JSON on stdout and nothing else")
    p.set_defaults(func=_run_recommend)


def _legacy_note(model) -> None:
    """The one-line note for a legacy model name, on stderr (stdout stays JSON with --json)."""
    from ..analysis.surface import legacy_note

    note = legacy_note(model)
    if note:
        print(f"note: {note}", file=sys.stderr)


def _is_summary(path) -> bool:
    path = Path(path)
    if not (path.is_file() and path.suffix.lower() == ".json"):
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "aggregated_statistics" in data


def _recommend_source(args):
    """A saved summary, the transcripts, or the audio (through the pipeline) of the paths."""
    summaries = [p for p in args.paths if _is_summary(p)]
    if summaries:
        if len(args.paths) > 1:
            raise InputError("give one saved summary JSON, or transcripts and audio, not both")
        from ..analysis.results import load_summary

        return load_summary(summaries[0])
    # --out is the config file here, not the run's output folder
    return _analysis_from_args(argparse.Namespace(**dict(vars(args), out=None)))


def _run_recommend(args) -> int:
    from ..analysis.recommend import RecommendOptions, recommend_config

    _check_target(args.target_cutoff)
    options = RecommendOptions(model=args.model, mode=args.mode, speaker_labels=args.speaker_labels,
                               target_cutoff=args.target_cutoff, grid_max_ms=args.grid_max_ms, **side(args))
    _legacy_note(args.model)
    if args.out:
        _check_destination(Path(args.out).parent, "The config's folder")
    source = _recommend_source(args)
    _stop_if_interrupted(source)
    _check_usable(source)
    rec = recommend_config(source, options)
    path = rec.save(args.out) if args.out else None
    if args.json:
        print(json.dumps(rec.to_dict(), indent=2, ensure_ascii=False, default=str))
        return exit_code(source)
    from .console import make_console, print_recommendation, print_saved

    out = make_console()
    print_recommendation(rec, out)
    if path is not None:
        out.print()
        print_saved(out, "Config saved to", path)
    return exit_code(source)


# --------------------------------------------------------------------------- report
def add_report(sub) -> None:
    p = sub.add_parser(
        "report",
        help="a shareable HTML report of an analysis",
        description="Analyse transcripts or audio and write one self-contained HTML file (figures embedded, "
        "no scripts, no API key, no local paths) that a colleague can open offline.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="transcript or audio files, or folders of them")
    p.add_argument("--out", dest="report_path", default="turntune-report.html", metavar="REPORT.html",
                   help="where the report goes (default: turntune-report.html)")
    add_tuning_args(p)
    add_preset_args(p)
    p.add_argument("--title", default="Turn-taking analysis", help="the report's title")
    p.set_defaults(func=_run_report, progress=True)  # the audio is analysed again: show it


def _run_report(args) -> int:
    from ..analysis.recommend import RecommendOptions, recommend_config
    from ..notebook.report import write_report

    _check_target(args.target_cutoff)
    options = RecommendOptions(model=args.model, mode=args.mode, speaker_labels=args.speaker_labels,
                               target_cutoff=args.target_cutoff, grid_max_ms=args.grid_max_ms)
    _legacy_note(args.model)
    _check_destination(Path(args.report_path).parent, "The report's folder")
    result = _analysis_from_args(args)
    _stop_if_interrupted(result)
    _check_usable(result)
    if args.speaker or args.channel:
        result = result.for_speakers(**side(args))
    recommendation = recommend_config(result, options)
    path = write_report(result, args.report_path, recommendation, title=args.title)
    from .console import make_console, print_saved

    print_saved(make_console(), "Report written to", path)
    return exit_code(result)


