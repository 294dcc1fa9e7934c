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
    p.set_defaults(func=_run_analyze)


def _analysis_from_args(args):
    """An AnalysisResult for the paths of an ``analyze``-like command."""
    from .readers import collect_transcripts
    from .results import analyze_transcripts

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


# --------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="turntune",
        description="Tune streaming turn detection (endpointing) from your own recorded conversations.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (_add_analyze,):
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
