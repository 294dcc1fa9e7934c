"""The ``turntune`` command line.

Each sub-command is registered by an ``_add_<name>(subparsers)`` function that sets
``func`` on its parser; ``main`` dispatches. Errors the package raises on purpose
(`TurnTuneError`) end the program with status 2 and their message on stderr; the
other exit codes are in `EXIT_CODES_HELP`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .cli_options import (add_scale_args, add_side_args, add_speakers_arg, add_tuning_args, add_vad_args, side,
                          vad_options)
from .errors import InputError, NothingUsableError, TurnTuneError

__all__ = ("main", "build_parser", "EXIT_OK", "EXIT_ERROR", "EXIT_PARTIAL", "EXIT_NOTHING", "EXIT_INTERRUPTED",
           "EXIT_CLOSED_PIPE")

DEFAULT_OUT = "turntune-output"
#: Exit codes a script can branch on (also in ``turntune --help`` and the README).
EXIT_OK, EXIT_ERROR, EXIT_PARTIAL, EXIT_NOTHING, EXIT_INTERRUPTED = 0, 2, 3, 4, 130
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE
EXIT_CODES_HELP = """exit codes:
  0    every input was analysed
  2    a usage or setup error stopped the run (bad option, refused key, unwritable folder)
  3    some files failed (each named with its reason); the rest were analysed and saved
  4    nothing usable was read: nothing was written (no summary, no config, no report)
  5    replay: it would stream and was not confirmed (no --yes and no terminal to ask on)
  130  interrupted (Ctrl+C) after the state was saved: submitted jobs are journaled,
       re-run the same command to collect them without paying again
  141  the reader of the output went away (e.g. `| head`): the rest of the output
       was dropped quietly, as a shell reports a tool ended by SIGPIPE"""


def _print_err(msg: str) -> None:
    from .console import print_error

    print_error(_redact(msg))


# --------------------------------------------------------------------------- analyze
def _add_analyze(sub) -> None:
    p = sub.add_parser(
        "analyze",
        help="turn-taking statistics and a recommended streaming setting",
        description="Measure gaps, overlaps and pauses in transcripts (AssemblyAI JSON, RTTM, CSV) "
        "or audio files, and recommend min/max_turn_silence.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="transcript or audio files, or folders of them")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"where the summary JSON goes (default: {DEFAULT_OUT})")
    p.add_argument("--json", action="store_true", help="print the summary JSON on stdout and nothing else")
    p.add_argument("--export", choices=("csv", "xlsx"), default=None,
                   help="also write the tables (files, overall, speakers, roles with --roles, transitions, pauses, "
                   "recommendation) beside the summary: one CSV each, or one Excel workbook ('turntune_nb[excel]')")
    p.add_argument("--backend", choices=("auto", "assemblyai", "offline"), default="auto",
                   help="for audio: AssemblyAI, or offline voice activity detection; auto (default) "
                   "uses AssemblyAI when ASSEMBLYAI_API_KEY is set, else offline")
    p.add_argument("--workers", type=int, default=8, metavar="N",
                   help="AssemblyAI uploads/submissions at once (default: 8); every submitted job is polled")
    p.add_argument("--cache-dir", default=None, metavar="DIR",
                   help="AssemblyAI transcript cache; a re-run makes no request for cached files "
                   "(default: ~/.cache/turntune_nb/assemblyai)")
    add_side_args(p)
    add_speakers_arg(p)
    add_vad_args(p)
    p.add_argument("--max-retry-after", type=float, default=60.0, metavar="S",
                   help="the longest Retry-After from AssemblyAI that is honoured, seconds (default: 60)")
    add_scale_args(p)
    p.set_defaults(func=_run_analyze)


def _is_audio_input(path) -> bool:
    """True for an audio file, a folder holding audio files, an http(s) URL, or a .txt list of URLs."""
    from .files import AUDIO_EXTENSIONS, is_url

    from .remote import is_remote

    if is_url(path) or is_remote(path):
        return True
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".txt":
        return True
    if path.is_dir():
        return any(f.suffix.lower() in AUDIO_EXTENSIONS for f in path.iterdir() if f.is_file())
    return path.suffix.lower() in AUDIO_EXTENSIONS


def _analysis_from_args(args):
    """An AnalysisResult for the paths of an ``analyze``-like command."""
    from .analysis.readers import collect_transcripts
    from .analysis.results import analyze_transcripts_isolated

    if all(_is_audio_input(p) for p in args.paths):
        from .pipeline import analyze_folder

        extra = {} if getattr(args, "max_retry_after", None) is None else {"max_retry_after": args.max_retry_after}
        if getattr(args, "speakers", None) is not None:
            extra["speakers"] = args.speakers
        if getattr(args, "diarise", True) is False:
            extra["diarise"] = False
        for name in ("scheduler", "executor_workers", "upload_codec"):
            if getattr(args, name, None) is not None:
                extra[name] = getattr(args, name)
        if getattr(args, "executor", None) is not None:
            extra["executor"] = args.executor
        result = analyze_folder(args.paths[0] if len(args.paths) == 1 else args.paths,
                                backend=getattr(args, "backend", "auto"),
                                progress=getattr(args, "progress", not getattr(args, "json", False)),
                                workers=getattr(args, "workers", 8), cache_dir=getattr(args, "cache_dir", None),
                                out_dir=getattr(args, "out", None), **extra, **vad_options(args))
        if not result.transcripts and not getattr(result, "interrupted", False):
            detail = "; ".join(f"{f['filename']}: {f['reason']}" for f in result.skipped) or "no input"
            raise NothingUsableError(f"nothing usable in {', '.join(map(str, args.paths))} ({detail})")
        return result
    transcripts, failed = collect_transcripts(args.paths)
    if not transcripts:
        detail = "; ".join(f"{f['filename']}: {f['reason']}" for f in failed) or "no transcript files found"
        raise NothingUsableError(f"nothing readable in {', '.join(map(str, args.paths))} ({detail})")
    folder = args.paths[0] if len(args.paths) == 1 else ", ".join(map(str, args.paths))
    return analyze_transcripts_isolated(transcripts, folder_path=folder, failed=[dict(f, stage="read") for f in failed])


def _failed_files(result) -> list:
    """The skipped entries that are failures: not a non-audio file beside the audio, not a file too short to measure."""
    return [s for s in getattr(result, "skipped", None) or []
            if s.get("error") or s.get("stage") in ("read", "transcribe", "decode")
            or (s.get("stage") == "input" and not str(s.get("reason", "")).startswith("not an audio file"))]


def _exit_code(result) -> int:
    """`EXIT_PARTIAL` when some files failed, else `EXIT_OK`; the failures are named on stderr."""
    failed = _failed_files(result)
    if not failed:
        return EXIT_OK
    from .console import print_failures

    print_failures(failed)
    return EXIT_PARTIAL


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


def _run_analyze(args) -> int:
    _check_destination(args.out, "The output folder")
    if getattr(args, "export", None) == "xlsx":  # before any (paid) work
        from .analysis.tables import require_openpyxl

        require_openpyxl()
    result = _analysis_from_args(args)
    _stop_if_interrupted(result)
    if args.speaker or args.channel:
        result = result.for_speakers(**side(args))
    path = result.save(args.out, format=getattr(args, "table_format", "csv"))
    exported = _export_tables(result, path, args.export, args.roles) if getattr(args, "export", None) else None
    if args.json:
        print(json.dumps(result.to_summary(), indent=2, ensure_ascii=False))
    else:
        from .console import make_console, print_analysis, print_saved

        out = make_console()
        print_analysis(result, out, failed=_failed_files(result))
        out.print()
        print_saved(out, "Summary saved to", path)
        if exported:
            print_saved(out, "Tables exported to", exported)
    return _exit_code(result)


# --------------------------------------------------------------------------- recommend
def _check_target(value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise InputError(f"--target-cutoff is a share between 0 and 1 (0.05 = 5 %), got {value}")


def _add_recommend(sub) -> None:
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
    p.add_argument("--out", metavar="CONFIG.json", help="write the chosen setting as a config JSON (turntune stream --config)")
    p.add_argument("--json", action="store_true", help="print the recommendation as JSON on stdout and nothing else")
    p.set_defaults(func=_run_recommend)


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
        from .analysis.results import load_summary

        return load_summary(summaries[0])
    # --out is the config file here, not the run's output folder
    return _analysis_from_args(argparse.Namespace(**dict(vars(args), out=None)))


def _run_recommend(args) -> int:
    from .analysis.recommend import recommend_config

    _check_target(args.target_cutoff)
    if args.out:
        _check_destination(Path(args.out).parent, "The config's folder")
    source = _recommend_source(args)
    _stop_if_interrupted(source)
    _check_usable(source)
    rec = recommend_config(source, model=args.model, target_cutoff=args.target_cutoff,
                           grid_max_ms=args.grid_max_ms, **side(args))
    path = rec.save(args.out) if args.out else None
    if args.json:
        print(json.dumps(rec.to_dict(), indent=2, ensure_ascii=False, default=str))
        return _exit_code(source)
    from .console import make_console, print_recommendation, print_saved

    out = make_console()
    print_recommendation(rec, out)
    if path is not None:
        out.print()
        print_saved(out, "Config saved to", path)
    return _exit_code(source)


# --------------------------------------------------------------------------- stream
def _add_stream(sub) -> None:
    p = sub.add_parser(
        "stream",
        help="live partial and final turns from the microphone or a recording",
        description="Stream the microphone or a recording to AssemblyAI (v3) with a turn-detection setting and "
        "show partial and final turns; without an API key (or with --offline) the offline endpointer gives "
        "the same events from voice activity alone. Ctrl+C ends the session cleanly.",
    )
    p.add_argument("--source", default="mic", metavar="mic|FILE", help="'mic' (default) or an audio file, replayed in real time")
    p.add_argument("--config", metavar="CONFIG.json", help="a config saved by analyze/recommend (StreamingConfig JSON)")
    p.add_argument("--min-turn-silence", type=int, metavar="MS", help="instead of --config")
    p.add_argument("--max-turn-silence", type=int, metavar="MS", help="instead of --config")
    p.add_argument("--speech-model", default="u3-rt-pro", metavar="M",
                   help="u3-rt-pro (default), universal-3-5-pro, universal-streaming-english...")
    p.add_argument("--mode", choices=("min_latency", "balanced", "max_accuracy"),
                   help="U3 Pro's accuracy/latency trade-off (the service's default: balanced)")
    p.add_argument("--interruption-delay", type=int, metavar="MS", help="U3 Pro: ms before the first partial (0-1000)")
    p.add_argument("--vad-threshold", type=float, metavar="X", help="the service's speech threshold (0-1)")
    p.add_argument("--server-inactivity-timeout", type=int, metavar="S",
                   help="the service's own inactivity_timeout (5-3600 s), beside --inactivity-timeout")
    p.add_argument("--temporary-token", action="store_true",
                   help="mint a single-use temporary token with the key and stream with it")
    p.add_argument("--inactivity-timeout", type=float, metavar="S", help="end after S seconds without a new transcript")
    p.add_argument("--offline", action="store_true", help="use the offline endpointer even if a key is set")
    p.add_argument("--json", action="store_true", help="one JSON object per event per line on stdout")
    p.set_defaults(func=_run_stream)


def _run_stream(args) -> int:
    from .analysis.presets import DEFAULT_CONFIG, load_config
    from .errors import ConfigError
    from .pipeline import open_session

    thresholds = (args.min_turn_silence, args.max_turn_silence)
    if args.config and any(v is not None for v in thresholds):
        raise ConfigError("give either --config or --min-turn-silence/--max-turn-silence, not both")
    if args.config:
        config = load_config(args.config)
    elif any(v is not None for v in thresholds):
        config = DEFAULT_CONFIG.with_values(*thresholds)
    else:
        config = DEFAULT_CONFIG
    surface = {k: getattr(args, k) for k in ("mode", "interruption_delay", "vad_threshold")
               if getattr(args, k, None) is not None}
    if surface:
        config = config.with_values(name=config.name, **surface)
    api = {"server_inactivity_timeout": args.server_inactivity_timeout, "temporary_token": args.temporary_token}
    if not args.offline and surface:
        from .analysis.presets import check_streaming_fields

        check_streaming_fields(surface, args.speech_model)
    # the file name as given: Path() would print s3://b/x as s3:/b/x
    source = "mic" if args.source.lower() in ("mic", "microphone") else args.source
    from .console import stream_printer

    closed = []  # the reader of stdout went away: stop streaming
    show = stream_printer(config, source, args.json, on_closed=lambda: (closed.append(True), session.stop()))

    session = open_session(
        config, source, offline=True if args.offline else None, speech_model=args.speech_model,
        inactivity_timeout_s=args.inactivity_timeout, on_begin=show, on_speech_started=None, on_turn=show,
        on_termination=show, on_error=show, **{k: v for k, v in api.items() if v},
    )
    session.start()
    try:
        session.wait()
    finally:
        end = session.end_reason
        if closed:
            raise BrokenPipeError  # main ends quietly (141)
        if end is not None:
            if args.json:
                print(json.dumps({"type": "SessionEnd", "kind": end.kind, "detail": end.detail, "code": end.code}),
                      flush=True)
            else:
                from .console import print_session_end

                print_session_end(end)
    return 0


# --------------------------------------------------------------------------- report
def _add_report(sub) -> None:
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
    p.add_argument("--title", default="Turn-taking analysis", help="the report's title")
    p.set_defaults(func=_run_report, progress=True)  # the audio is analysed again: show it


def _run_report(args) -> int:
    from .analysis.recommend import recommend_config
    from .notebook.report import write_report

    _check_target(args.target_cutoff)
    _check_destination(Path(args.report_path).parent, "The report's folder")
    result = _analysis_from_args(args)
    _stop_if_interrupted(result)
    _check_usable(result)
    if args.speaker or args.channel:
        result = result.for_speakers(**side(args))
    recommendation = recommend_config(result, model=args.model, target_cutoff=args.target_cutoff,
                                      grid_max_ms=args.grid_max_ms)
    path = write_report(result, args.report_path, recommendation, title=args.title)
    from .console import make_console, print_saved

    print_saved(make_console(), "Report written to", path)
    return _exit_code(result)


# --------------------------------------------------------------------------- replay
#: ``turntune replay`` exits with this when it would stream and was not confirmed.
EXIT_NOT_CONFIRMED = 5


def _add_replay(sub) -> None:
    p = sub.add_parser(
        "replay",
        help="measure the real endpointer on your recordings, beside the simulator's prediction",
        description="Stream each recording (or a --sample of them) through the streaming endpointer with each "
        "--config, several sessions at once, align the final turns with the true turn ends and holds of the "
        "recording's transcript, and print measured false cut-offs and latency beside the simulator's prediction "
        "for the same setting, per file and overall. AssemblyAI with ASSEMBLYAI_API_KEY (billed per streamed "
        "hour: the hours are printed first and --yes is required), else the offline endpointer. The events are "
        "saved (--events-dir, owner-only) so that --rescore scores them again without streaming.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="audio files or folders of them")
    p.add_argument("--config", action="append", default=[], metavar="CONFIG.json",
                   help="a setting to replay (a config JSON); repeat for several")
    p.add_argument("--truth", action="append", default=None, metavar="PATH",
                   help="transcripts (AssemblyAI JSON, RTTM, CSV) or folders of them, matched to recordings by "
                   "name; default: a transcript beside each recording, else its offline segmentation")
    p.add_argument("--channel", type=int, metavar="N", help="stream channel N (0-based) of two-channel calls: the side being tuned")
    p.add_argument("--speaker", metavar="S", help="the transcript's speaker on that side (default: the one on --channel)")
    p.add_argument("--model", default="u3-rt-pro", choices=("u3-rt-pro", "universal-streaming", "silence"),
                   help="the simulator's rule for the prediction (default: u3-rt-pro)")
    p.add_argument("--sample", type=int, metavar="N", help="stream a random sample of N recordings")
    p.add_argument("--seed", type=int, default=0, help="the sample's seed (default: 0)")
    p.add_argument("--backend", default="auto", choices=("auto", "assemblyai", "offline"),
                   help="auto (default): AssemblyAI with ASSEMBLYAI_API_KEY, else the offline endpointer")
    p.add_argument("--speech-model", default="u3-rt-pro", metavar="M", help="AssemblyAI's model (default: u3-rt-pro)")
    p.add_argument("--speed", type=float, default=1.0, metavar="X",
                   help="pace: 1 = real time (default; AssemblyAI accepts no faster); the offline endpointer can go faster")
    p.add_argument("--concurrency", type=int, default=4, metavar="N", help="sessions at once (default: 4)")
    p.add_argument("--sessions-per-minute", type=int, metavar="N",
                   help="start at most N sessions a minute (AssemblyAI: 5 on free accounts); refusals (3009) are "
                   "retried with backoff either way")
    p.add_argument("--events-dir", default="turntune-replay", metavar="DIR", help="where the events go (default: turntune-replay)")
    p.add_argument("--rescore", metavar="DIR", help="score the events a replay saved in DIR again; nothing is streamed")
    p.add_argument("--align-tolerance", type=int, default=250, metavar="MS",
                   help="how far a turn's speech end may lie from the true silence it is counted in (default: 250; "
                   "widen it for transcripts with padded segment ends)")
    p.add_argument("--yes", action="store_true", help="stream without asking (the hours are still printed)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout and nothing else")
    p.set_defaults(func=_run_replay)


def _run_replay(args) -> int:
    from .replay import plan_replay, replay, rescore

    from .console import make_console, print_replay

    out = make_console(stderr=args.json)
    if args.rescore:
        result = rescore(args.rescore, model=args.model, align_tolerance_ms=args.align_tolerance)
    else:
        if not args.paths or not args.config:
            raise InputError("give recordings (PATH...) and at least one --config, or --rescore DIR")
        from .pipeline import resolve_backend

        backend = resolve_backend(args.backend)
        plan = plan_replay(args.paths, args.config, truth=args.truth, channel=args.channel, speaker=args.speaker,
                           sample=args.sample, seed=args.seed, backend=backend, speed=args.speed)
        out.print(plan.cost_text(args.concurrency))
        for f in plan.failed:
            out.print(f"  skipped {f['filename']}: {f['reason']}")
        if not args.yes:
            if not sys.stdin.isatty():
                _print_err("not confirmed: re-run with --yes to stream (no terminal to ask on)")
                return EXIT_NOT_CONFIRMED
            if input("Stream it? [y/N] ").strip().lower() not in ("y", "yes"):
                _print_err("not confirmed: nothing was streamed")
                return EXIT_NOT_CONFIRMED
        result = replay(plan, None, model=args.model, concurrency=args.concurrency, events_dir=args.events_dir,
                        yes=True, speech_model=args.speech_model, sessions_per_minute=args.sessions_per_minute,
                        align_tolerance_ms=args.align_tolerance,
                        progress=None if args.json else (lambda line: out.print(f"  {line}")))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print_replay(result, out, shown=() if args.rescore else (plan.cost_text(args.concurrency),))
    return EXIT_PARTIAL if result.failed else EXIT_OK


# --------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="turntune",
        description="Tune streaming turn detection (endpointing) from your own recorded conversations.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (_add_analyze, _add_recommend, _add_report, _add_stream, _add_replay):
        add(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    import logging

    from .console import FailedFileFilter, make_console

    # the package's warnings as one `turntune: ...` line each; a failed file only in the final list
    handler = logging.StreamHandler(make_console(stderr=True).file)
    handler.setFormatter(logging.Formatter("turntune: %(message)s"))
    handler.addFilter(FailedFileFilter())
    logger = logging.getLogger("turntune_nb")
    logger.addHandler(handler)
    try:
        code = _dispatch(args)
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except BrokenPipeError:
        return _closed_pipe()
    finally:
        logger.removeHandler(handler)


def _closed_pipe() -> int:
    """The reader of stdout went away (``turntune ... | head -1``): drop the rest of the output
    quietly, with no traceback at exit either (Python's documented recipe: point stdout at
    devnull, as the interpreter flushes it on the way out)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor behind stdout (a test's capture)
        pass
    return EXIT_CLOSED_PIPE


def _dispatch(args) -> int:
    try:
        return args.func(args)
    except NothingUsableError as err:
        _print_err(str(err))
        return EXIT_NOTHING
    except TurnTuneError as err:
        _print_err(str(err))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _print_err("interrupted; submitted AssemblyAI jobs are journaled in the cache: re-run the same command "
                   "to collect them without paying again")
        return EXIT_INTERRUPTED


def _redact(text: str) -> str:
    """`text` without the API key (a last line of defence: messages are redacted where they are made)."""
    import os

    key = os.environ.get("ASSEMBLYAI_API_KEY", "").strip()
    return text.replace(key, "***") if len(key) >= 6 else text


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
