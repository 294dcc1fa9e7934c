"""The terminal the command writes to, without the analysis: a `rich` console at the terminal's width,
the one-line error, and the log filter that leaves failed files to the final list.

Kept apart from `turntune_nb.cli.console` (which prints the figures and needs pandas) so that
`main` can set up its error output before any heavy import: a command that fails early, and the
AssemblyAI batch path until its first transcript arrives, import no pandas.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import sys

from rich.console import Console

__all__ = ("make_console", "print_error", "FailedFileFilter")


def make_console(file=None, stderr: bool = False) -> Console:
    """A `rich` console on `file` (default: stdout, or stderr with ``stderr=True``).

    Its width is the terminal's; when `file` is not a terminal, ``$COLUMNS`` if set,
    else 80. No colour or cursor codes unless `file` is a terminal, none with
    ``NO_COLOR`` set (rich also honours ``FORCE_COLOR``, an explicit request).
    """
    file = file if file is not None else (sys.stderr if stderr else sys.stdout)
    try:
        tty = file.isatty()
    except (AttributeError, ValueError, OSError):
        tty = False
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else (None if tty else 80)
    no_color = bool(os.environ.get("NO_COLOR"))  # https://no-color.org: no styling codes at all
    return _Console(file=_NoTrailingSpaces(file), width=width, highlight=False, markup=False, emoji=False,
                    force_jupyter=False, no_color=no_color or None, color_system=None if no_color else "auto",
                    soft_wrap=False)


class _Console(Console):
    """rich's console, except that a closed pipe raises `BrokenPipeError` (rich would exit
    with status 1 itself): the command decides, once, how to end (`turntune_nb.cli.parser`)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the reader of the output went away")


class _NoTrailingSpaces:
    """A text stream that drops the spaces rich pads a table's last column with at a line's end."""

    _TRAILING = re.compile(r" +(?=\n)")

    def __init__(self, file):
        self._file = file

    def write(self, text: str) -> int:
        return self._file.write(self._TRAILING.sub("", text))

    def __getattr__(self, name):
        return getattr(self._file, name)


def print_error(message: str, err: Console | None = None) -> None:
    """``turntune: <message>`` on stderr, on one line (not wrapped: scripts grep it)."""
    (err or make_console(stderr=True)).print(f"turntune: {message}", soft_wrap=True)


class FailedFileFilter(logging.Filter):
    """Drops the log line a wing writes when one file fails (a record with ``failed_file``
    set): the command names each failed file once, in its final list."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "failed_file", None)
