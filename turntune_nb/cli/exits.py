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

__all__ = ("EXIT_OK", "EXIT_ERROR", "EXIT_PARTIAL", "EXIT_NOTHING", "EXIT_NOT_CONFIRMED", "EXIT_INTERRUPTED",
           "EXIT_CLOSED_PIPE", "EXIT_GATE", "EXIT_CODES_HELP", "exit_code", "failed_files", "print_err", "redact")

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
    from .console import print_error

    print_error(redact(msg))
