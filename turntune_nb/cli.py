"""The ``turntune`` command line.

Each sub-command is registered by an ``_add_<name>(subparsers)`` function that sets
``func`` on its parser; ``main`` dispatches. Errors the package raises on purpose
(`TurnTuneError`) end the program with status 2 and their message on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import InputError, TurnTuneError

__all__ = ("main", "build_parser")

DEFAULT_OUT = "turntune-output"


def _print_err(msg: str) -> None:
    print(f"turntune: {msg}", file=sys.stderr)


# --------------------------------------------------------------------------- analyze
def _add_analyze(sub) -> None:
    p = sub.add_parser(
        "analyze",
        help="turn-taking statistics and a recommended streaming setting",
        description="Measure gaps, overlaps and pauses in transcripts (AssemblyAI JSON, RTTM, CSV) "
        "or audio files, and recommend min/max_turn_silence.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="transcript or audio files, or folders of them")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"where the summary JSON goes (default: {DEFAULT_OUT})")
    p.add_argument("--json", action="store_true", help="print the summary JSON on stdout and nothing else")
    p.add_argument("--backend", choices=("auto", "assemblyai", "offline"), default="auto",
                   help="for audio: AssemblyAI, or offline voice activity detection; auto (default) "
                   "uses AssemblyAI when ASSEMBLYAI_API_KEY is set, else offline")
    p.add_argument("--workers", type=int, default=8, metavar="N",
                   help="AssemblyAI uploads/submissions at once (default: 8); every submitted job is polled")
    p.add_argument("--cache-dir", default=None, metavar="DIR",
                   help="AssemblyAI transcript cache; a re-run makes no request for cached files "
                   "(default: ~/.cache/turntune_nb/assemblyai)")
    _add_vad_args(p)
    p.set_defaults(func=_run_analyze)


def _add_vad_args(p) -> None:
    """--vad and --vad-set, for the offline backend."""
    from .audio.vad import DETECTORS

    p.add_argument("--vad", choices=DETECTORS, default=None,
                   help="offline backend: the speech detector (default: silero-lite, with a noise gate; "
                   "see benchmarks/vad_eval.py for how each does on real recordings)")
    p.add_argument("--vad-set", action="append", default=[], metavar="KEY=VALUE",
                   help="offline backend: one detector setting, e.g. --vad-set min_silence_ms=100 "
                   "--vad-set onset=0.4 (any field of VADSettings; repeat as needed)")


def _vad_options(args) -> dict:
    """The offline detector options given on the command line (ConfigError for a bad one)."""
    from .audio.vad import VADSettings
    from .errors import ConfigError

    out = {}
    if getattr(args, "vad", None):
        out["vad"] = args.vad
    fields = VADSettings.__dataclass_fields__
    for item in getattr(args, "vad_set", None) or []:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in fields or key == "detector":
            known = ", ".join(k for k in fields if k != "detector")
            raise ConfigError(f"--vad-set {item!r}: give KEY=VALUE with KEY one of {known} (the detector is --vad)")
        raw = raw.strip()
        value = raw.lower() in ("1", "true", "yes", "on") if fields[key].type in ("bool", bool) else raw
        if not isinstance(value, bool):
            try:
                value = int(raw)
            except ValueError:
                try:
                    value = float(raw)
                except ValueError:
                    raise ConfigError(f"--vad-set {item!r}: {raw!r} is not a number") from None
        out[key] = value
    return out


def _is_audio_input(path) -> bool:
    """True for an audio file, a folder holding audio files, an http(s) URL, or a .txt list of URLs."""
    from .files import AUDIO_EXTENSIONS, is_url

    if is_url(path):
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
    from .analysis.results import analyze_transcripts

    if all(_is_audio_input(p) for p in args.paths):
        from .pipeline import analyze_folder

        return analyze_folder(args.paths[0] if len(args.paths) == 1 else args.paths,
                              backend=getattr(args, "backend", "auto"),
                              progress=getattr(args, "progress", not getattr(args, "json", False)),
                              workers=getattr(args, "workers", 8), cache_dir=getattr(args, "cache_dir", None),
                              out_dir=getattr(args, "out", None), **_vad_options(args))
    transcripts, failed = collect_transcripts(args.paths)
    if not transcripts:
        detail = "; ".join(f"{f['filename']}: {f['reason']}" for f in failed) or "no transcript files found"
        raise InputError(f"nothing readable in {', '.join(map(str, args.paths))} ({detail})")
    folder = args.paths[0] if len(args.paths) == 1 else ", ".join(map(str, args.paths))
    return analyze_transcripts(transcripts, folder_path=folder, failed=[dict(f, stage="read") for f in failed])


def _run_analyze(args) -> int:
    result = _analysis_from_args(args)
    path = result.save(args.out)
    if args.json:
        print(json.dumps(result.to_summary(), indent=2, ensure_ascii=False))
    else:
        print(result.summary_text())
        print(f"\nSummary saved to: {path}")
    return 0


# --------------------------------------------------------------------------- recommend
def _add_tuning_args(p) -> None:
    """--model, --target-cutoff and --backend, shared by recommend and report."""
    p.add_argument("--model", default="u3-rt-pro", choices=("u3-rt-pro", "universal-streaming", "silence"),
                   help="the endpointing rule to simulate (default: u3-rt-pro)")
    p.add_argument("--target-cutoff", type=float, default=0.05, metavar="SHARE",
                   help="highest acceptable false cut-off rate, 0..1 (default: 0.05)")
    p.add_argument("--backend", default="auto", choices=("auto", "assemblyai", "offline"),
                   help="for audio: who transcribes (default: auto: AssemblyAI with ASSEMBLYAI_API_KEY, else offline)")
    _add_vad_args(p)


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
    _add_tuning_args(p)
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
    from .analysis.export import export_table
    from .analysis.recommend import recommend_config

    _check_target(args.target_cutoff)
    rec = recommend_config(_recommend_source(args), model=args.model, target_cutoff=args.target_cutoff)
    path = rec.save(args.out) if args.out else None
    if args.json:
        print(json.dumps(rec.to_dict(), indent=2, ensure_ascii=False, default=str))
        return 0
    print(rec.summary_text())
    print("\nEquivalent settings:")
    print(export_table(rec.export()).to_string(index=False))
    if path is not None:
        print(f"\nConfig saved to: {path}")
    return 0


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
    p.add_argument("--speech-model", default="u3-rt-pro", metavar="M", help="default: u3-rt-pro")
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
    source = "mic" if args.source.lower() in ("mic", "microphone") else Path(args.source)

    def show(event) -> None:
        if args.json:
            print(json.dumps(event.to_dict(), ensure_ascii=False), flush=True)
            return
        kind = event.type
        if kind == "Begin":
            print(f"Session began ({config}). Speak now; Ctrl+C to stop.", file=sys.stderr, flush=True)
        elif kind == "Turn":
            span = f"[{event.start_ms}-{event.end_ms} ms]" if event.start_ms is not None else ""
            text = event.transcript or "(speech)"
            if event.end_of_turn:
                print(f"\r\033[K{span} {text}", flush=True)
            else:
                print(f"\r\033[K... {text}", end="", flush=True)
        elif kind == "Termination":
            print(f"\r\033[KSession terminated: audio {event.audio_duration_seconds} s, "
                  f"session {event.session_duration_seconds} s", file=sys.stderr, flush=True)
        elif kind == "Error":
            print(f"\r\033[Kturntune: {event.error}", file=sys.stderr, flush=True)

    session = open_session(
        config, source, offline=True if args.offline else None, speech_model=args.speech_model,
        inactivity_timeout_s=args.inactivity_timeout, on_begin=show, on_speech_started=None, on_turn=show,
        on_termination=show, on_error=show,
    )
    session.start()
    try:
        session.wait()
    finally:
        end = session.end_reason
        if end is not None:
            if args.json:
                print(json.dumps({"type": "SessionEnd", "kind": end.kind, "detail": end.detail, "code": end.code}),
                      flush=True)
            else:
                print(f"Session ended: {end}", file=sys.stderr, flush=True)
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
    _add_tuning_args(p)
    p.add_argument("--title", default="Turn-taking analysis", help="the report's title")
    p.set_defaults(func=_run_report, progress=False)


def _run_report(args) -> int:
    from .analysis.recommend import recommend_config
    from .notebook.report import write_report

    _check_target(args.target_cutoff)
    result = _analysis_from_args(args)
    recommendation = recommend_config(result, model=args.model, target_cutoff=args.target_cutoff)
    path = write_report(result, args.report_path, recommendation, title=args.title)
    print(f"Report written to: {path}")
    return 0


# --------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="turntune",
        description="Tune streaming turn detection (endpointing) from your own recorded conversations.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (_add_analyze, _add_recommend, _add_report, _add_stream):
        add(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except TurnTuneError as err:
        _print_err(str(err))
        return 2
    except KeyboardInterrupt:
        _print_err("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
