"""The terminal set-up `main` needs before any heavy import (`turntune_nb.cli.terminal`)."""

import io
import logging
import subprocess
import sys

from tests.conftest import ROOT
from turntune_nb.cli.terminal import FailedFileFilter, make_console, print_error


def test_the_console_is_columns_wide_off_a_terminal_and_drops_trailing_spaces(monkeypatch):
    monkeypatch.setenv("COLUMNS", "33")
    buf = io.StringIO()
    out = make_console(buf)
    assert out.width == 33
    out.print("word " * 10)  # 50 characters: wrapped at 33, the spaces rich pads with dropped
    lines = buf.getvalue().splitlines()
    assert lines and all(len(line) <= 33 and not line.endswith(" ") for line in lines)
    monkeypatch.delenv("COLUMNS")
    assert make_console(io.StringIO()).width == 80  # piped, no COLUMNS


def test_an_error_is_one_unwrapped_line(monkeypatch):
    monkeypatch.setenv("COLUMNS", "20")
    buf = io.StringIO()
    print_error("x" * 50, make_console(buf))
    assert buf.getvalue() == "turntune: " + "x" * 50 + "\n"  # scripts grep it: never wrapped


def test_a_failed_file_is_left_to_the_final_list():
    keep = logging.LogRecord("turntune_nb", logging.WARNING, __file__, 1, "a note", None, None)
    drop = logging.LogRecord("turntune_nb", logging.WARNING, __file__, 1, "x.wav failed", None, None)
    drop.failed_file = "x.wav"
    assert FailedFileFilter().filter(keep) and not FailedFileFilter().filter(drop)


def test_it_loads_no_pandas():
    code = ("import sys, turntune_nb.cli.terminal; "
            "print(sorted(m for m in ('pandas', 'numpy', 'av', 'requests') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
