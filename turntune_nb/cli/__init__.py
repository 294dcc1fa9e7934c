"""The ``turntune`` command line: ``analyze``, ``recommend``, ``report``, ``stream``, ``replay``.

The wing on top of every other: it reads the command line, calls the package, and
prints what came back. Nothing in the package imports it.

- `parser`: the parser and `main`, which runs one sub-command and turns what it
  raised into an exit code (a closed pipe ends quietly, 141).
- `analyze`: the commands that read recordings or transcripts into figures
  (``analyze``, ``recommend``, ``report``) and the checks made before any paid work.
- `stream`: ``turntune stream``, live turns from the microphone or a recording.
- `replay`: ``turntune replay``, the real endpointer measured beside the prediction.
- `agent`: ``turntune agent``, a deployed voice agent's calls measured, with gates for CI (exit 6).
- `exits`: the exit codes a script can branch on, the failed files named once, the
  error line with the API key redacted.
- `options`: the option groups several sub-commands share (one side of the calls,
  speakers, the offline detector, executors, tuning) and the keyword arguments they
  become.
- `terminal`: the console set-up and the one-line error `main` needs before any heavy import
  (no pandas: the batch path imports the analysis on a thread while jobs run).
- `console`: what the command prints, with rich: tables at the terminal's width (80
  when piped), no escape codes off a terminal or with ``NO_COLOR``.
- `tables`: how a table fits that width: full labels, else short ones with a legend, else
  whole columns left out (said so); a value never broken, a header only between words.

Every module imports what a command needs inside the function that runs it, so
``turntune --help`` and ``--version`` load neither pandas, numpy, PyAV nor requests.

``turntune`` (the console script), ``python -m turntune_nb`` and ``python -m turntune_nb.cli``
(`__main__`) all call `main`.
"""

from .exits import (
    EXIT_CLOSED_PIPE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NOT_CONFIRMED,
    EXIT_NOTHING,
    EXIT_OK,
    EXIT_PARTIAL,
)
from .parser import build_parser, main

__all__ = ("main", "build_parser", "EXIT_OK", "EXIT_ERROR", "EXIT_PARTIAL", "EXIT_NOTHING", "EXIT_NOT_CONFIRMED",
           "EXIT_INTERRUPTED", "EXIT_CLOSED_PIPE")
