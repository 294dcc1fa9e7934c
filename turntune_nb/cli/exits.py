"""How a ``turntune`` command ends: its exit code, the files that failed, the error line.

The exit codes are the ones a script can branch on (`EXIT_CODES_HELP`, also in
``turntune --help`` and the README). A command that analysed some files and not
others names each failed file once on stderr and exits `EXIT_PARTIAL`; an error
ends the command with one ``turntune: <message>`` line on stderr, with the API key
taken out of it (`redact`: a last line of defence, as messages are redacted where
they are made).

Examples
--------
>>> from types import SimpleNamespace
>>> exit_code(SimpleNamespace(skipped=[{"filename": "notes.txt", "reason": "not an audio file", "stage": "input"}]))
0
>>> redact("refused sk-123456", key="sk-123456")
'refused ***'
"""

from __future__ import annotations

import argparse

__all__ = ("EXIT_OK", "EXIT_ERROR", "EXIT_PARTIAL", "EXIT_NOTHING", "EXIT_NOT_CONFIRMED", "EXIT_INTERRUPTED",
           "EXIT_CLOSED_PIPE", "EXIT_GATE", "EXIT_CODES_HELP", "HelpFormatter", "exit_code", "failed_files",
           "print_err", "redact")

#: Exit codes a script can branch on (also in ``turntune --help`` and the README).
EXIT_OK, EXIT_ERROR, EXIT_PARTIAL, EXIT_NOTHING, EXIT_INTERRUPTED = 0, 2, 3, 4, 130
#: ``turntune replay`` exits with this when it would stream and was not confirmed.
EXIT_NOT_CONFIRMED = 5
#: ``turntune agent`` exits with this when a ``--gate`` fails.
EXIT_GATE = 6
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE
EXIT_CODES_HELP = """exit codes:
  0    every input was analysed
  2    a usage or setup error stopped the run (bad option, refused key, unwritable folder)
  3    some files failed (each named with its reason); the rest were analysed and saved
  4    nothing usable was read: nothing was written (no summary, no config, no report)
  5    replay: it would stream and was not confirmed (no --yes and no terminal to ask on)
  6    agent: a --gate failed (the figures were printed and saved)
  130  interrupted (Ctrl+C) after the state was saved: submitted jobs are journaled,
       re-run the same command to collect them without paying again
  141  the reader of the output went away (e.g. `| head`): the rest of the output
       was dropped quietly, as a shell reports a tool ended by SIGPIPE"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """``--help`` at the terminal's width (argparse's: ``$COLUMNS``, else the terminal's): descriptions
    wrapped between words, and a list such as `EXIT_CODES_HELP` (a heading, then items ``  CODE  text``
    whose continuation lines are indented under the text) wrapped with that hanging indent."""

    def _format_usage(self, usage, actions, groups, prefix) -> str:
        """argparse's usage, except that when a line of it would pass the width (argparse aligns the options
        under the command's name and never breaks one), the options are wrapped under a 4-space indent."""
        text = super()._format_usage(usage, actions, groups, prefix)
        if all(len(line) <= self._width for line in text.splitlines()):
            return text
        items, depth, current = [], 0, ""
        for char in " ".join(text.split()):  # the words of the usage, a bracketed option kept whole
            depth += (char in "[({") - (char in "])}")
            if char == " " and depth == 0:
                items.append(current)
                current = ""
            else:
                current += char
        items.append(current)
        lines, line = [], ""
        for item in items:
            if line and len(line) + 1 + len(item) > self._width:
                lines.append(line)
                line = "    " + item
            else:
                line = f"{line} {item}" if line else item
        return "\n".join(lines + [line]) + "\n\n"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import re
        import textwrap

        blocks = []  # [prefix, words]: one paragraph, or one item of a list
        for line in text.splitlines():
            item = re.match(r"^(\s+\S+\s+)(\S.*)$", line)
            if not line.strip():
                blocks.append(None)
            elif blocks and blocks[-1] is not None and blocks[-1][0] and line.startswith(" " * len(blocks[-1][0])):
                blocks[-1][1] += " " + line.strip()  # a continuation line of the item above
            elif item:
                blocks.append([item.group(1), item.group(2)])
            elif blocks and blocks[-1] is not None and not blocks[-1][0] and not line.rstrip().endswith(":"):
                blocks[-1][1] += " " + line.strip()  # the same paragraph
            else:
                blocks.append(["", line.strip()])
        lines = []
        for block in blocks:
            if block is None:
                lines.append("")
                continue
            prefix, words = block
            lines += textwrap.wrap(words, max(width, 20), initial_indent=indent + prefix,
                                   subsequent_indent=indent + " " * len(prefix), break_long_words=False,
                                   break_on_hyphens=False) or [indent + prefix.rstrip()]
        return "\n".join(lines)


def failed_files(result) -> list:
    """The skipped entries of `result` that are failures: not a non-audio file beside the
    audio, not a file too short to measure."""
    return [s for s in getattr(result, "skipped", None) or []
            if s.get("error") or s.get("stage") in ("read", "transcribe", "decode")
            or (s.get("stage") == "input" and not str(s.get("reason", "")).startswith("not an audio file"))]


def exit_code(result) -> int:
    """`EXIT_PARTIAL` when some files failed, else `EXIT_OK`; the failures are named on stderr."""
    failed = failed_files(result)
    if not failed:
        return EXIT_OK
    from .console import print_failures

    print_failures(failed)
    return EXIT_PARTIAL


def redact(text: str, key: str | None = None) -> str:
    """`text` without the API key (`key`, default ``$ASSEMBLYAI_API_KEY``), on every line of it."""
    import os

    key = (os.environ.get("ASSEMBLYAI_API_KEY", "") if key is None else key).strip()
    return text.replace(key, "***") if len(key) >= 6 else text


def print_err(msg: str) -> None:
    """``turntune: <msg>`` on stderr, the key redacted."""
    from .terminal import print_error

    print_error(redact(msg))
