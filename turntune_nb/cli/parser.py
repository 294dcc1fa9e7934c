"""The ``turntune`` command: its parser, and `main`, which runs one sub-command and ends it.

Each sub-command is registered by an ``add_<name>(subparsers)`` function of its module
(`turntune_nb.cli.analyze`, `.stream`, `.replay`) that sets ``func`` on its parser;
`main` dispatches. Errors the package raises on purpose (`TurnTuneError`) end the
program with status 2 (4 when nothing usable was read) and their message on
stderr; Ctrl+C ends it with 130; a closed pipe with 141, quietly. The exit codes are
in `turntune_nb.cli.exits`.

Examples
--------
>>> build_parser().parse_args(["replay", "--rescore", "events"]).rescore
'events'
"""

from __future__ import annotations

import argparse
import sys

from ..errors import NothingUsableError, TurnTuneError
from .agent import add_agent
from .analyze import add_analyze, add_recommend, add_report
from .exits import (
    EXIT_CLOSED_PIPE,
    EXIT_CODES_HELP,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NOTHING,
    HelpFormatter,
    print_err,
)
from .replay import add_replay
from .stream import add_stream

__all__ = ("main", "build_parser")


def build_parser() -> argparse.ArgumentParser:
    """The ``turntune`` parser, every sub-command registered."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="turntune",
        description="Tune streaming turn detection (endpointing) from your own recorded conversations.",
        epilog=EXIT_CODES_HELP, formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (add_analyze, add_recommend, add_report, add_stream, add_replay, add_agent):
        add(sub)
    for command in sub.choices.values():  # every sub-command's help and usage wrapped to the terminal
        command.formatter_class = HelpFormatter
    return parser


def main(argv=None) -> int:
    """Run ``turntune ARGV`` (default: the process's arguments); returns the exit code."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # a misspelled option: said with the sub-command's own usage, not the top-level one
        _command_parser(parser, args.command).error(f"unrecognized arguments: {' '.join(unknown)}")
    import logging

    from .terminal import FailedFileFilter, make_console

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


def _command_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The parser of sub-command `command` (the top-level one if there is none)."""
    for action in parser._actions:  # argparse keeps no public handle on its sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(command, parser)
    return parser


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
        print_err(str(err))
        return EXIT_NOTHING
    except TurnTuneError as err:
        print_err(str(err))
        return EXIT_ERROR
    except KeyboardInterrupt:
        print_err("interrupted; submitted AssemblyAI jobs are journaled in the cache: re-run the same command "
                  "to collect them without paying again")
        return EXIT_INTERRUPTED
