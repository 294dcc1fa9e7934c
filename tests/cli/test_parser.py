"""The ``turntune`` command as a whole: the console script, ``--help``, a closed pipe, names
printed as given."""

import json
import subprocess
import sys

import pytest

from tests.cli.helpers import plain_env, run_cli
from tests.conftest import ROOT


def test_console_script_runs(tmp_path, sample_rttm):
    proc = subprocess.run([sys.executable, "-m", "turntune_nb", "analyze", str(sample_rttm), "--json", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["recommended_configuration"]["min_turn_silence"] == 800


def test_help_lists_the_exit_codes():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for line in ("0    every input was analysed", "3    some files failed", "4    nothing usable was read",
                 "130  interrupted (Ctrl+C)"):
        assert line in proc.stdout
    assert "3    some files failed" in run_cli("analyze", "--help").stdout


def _closed_pipe_run(*args):
    """Run the command with stdout on a pipe whose reader has already gone (as after `| head -1`)."""
    import os

    from tests.conftest import ROOT

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "turntune_nb", *map(str, args)], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=300, cwd=ROOT,
                              env=plain_env(PYTHONPATH=str(ROOT)))
    finally:
        os.close(write_end)


def test_a_closed_pipe_ends_quietly_with_141(tmp_path, sample_rttm):
    for args in (["analyze", sample_rttm, "--json", "--out", tmp_path / "a"],
                 ["recommend", "tests/data/assemblyai", "--model", "silence"],
                 ["analyze", sample_rttm, "--out", tmp_path / "b"]):
        proc = _closed_pipe_run(*args)
        assert proc.returncode == 141, (args, proc.stderr)
        assert proc.stderr == "", args  # no traceback, no "Exception ignored" at exit
    # and through a shell's `| head -1`, reading the first line: whether the rest was written before head
    # left is a race, so either ending is right, and neither prints a traceback
    from tests.conftest import ROOT

    proc = subprocess.run(f"{sys.executable} -m turntune_nb recommend tests/data/assemblyai | head -1; "
                          "echo \"status ${PIPESTATUS[0]}\"", shell=True, executable="/bin/bash", capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env=plain_env(PYTHONPATH=str(ROOT)))
    first, status = proc.stdout.splitlines()
    assert first.startswith("DATA-DRIVEN RECOMMENDATION") and status in ("status 0", "status 141")
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr


def test_urls_are_printed_as_given(tmp_path):
    """An s3:// or http:// name is never printed as s3:/ (what Path() would make of it)."""
    config = tmp_path / "c.json"
    config.write_text('{"name": "Test", "min_turn_silence": 400, "max_turn_silence": 1280}')
    env = plain_env(PYTHONPATH=str(__import__("tests.conftest", fromlist=["ROOT"]).ROOT))
    for args, said in (
            (["stream", "--source", "s3://bucket/calls/x.wav", "--offline"], "s3://bucket/calls/x.wav: no such audio"),
            (["stream", "--source", "http://127.0.0.1:9/x.wav", "--offline"], "http://127.0.0.1:9/x.wav: no such"),
            (["stream", "--config", "s3://bucket/c.json", "--offline"], "s3://bucket/c.json: no such config file"),
            (["replay", "samples/synthetic/conv1.wav", "--config", config, "--backend", "offline", "--yes",
              "--truth", "s3://bucket/truth/"], "s3://bucket/truth/: no such transcript file or folder"),
            (["replay", "--rescore", "s3://bucket/events/"], "s3://bucket/events/: no replay events"),
            (["recommend", "samples/real/sample.rttm", "gs://bucket/b.rttm"], "gs://bucket/b.rttm: no such file")):
        proc = run_cli(*args, env=env)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith(f"turntune: {said}"), proc.stderr
        assert ":/" not in proc.stderr.replace("://", "")


#: What a light command must not load: the data stack, the decoder and the HTTP client (issue 28 point 1).
HEAVY = ("pandas", "numpy", "av", "requests", "urllib3", "importlib.metadata", "matplotlib", "rich")

_LOADED_BY = """
import sys
from turntune_nb.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("LOADED:", *sorted(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["analyze", "--help"], ["replay", "--help"],
                                  ["stream", "--help"], ["recommend", "--help"]])
def test_help_and_version_import_no_heavy_module(argv):
    """Each in a fresh interpreter, as a user runs it: the modules loaded once it has printed."""
    code = _LOADED_BY.format(argv=argv, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=plain_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "LOADED:", f"{argv} imported what it does not use"


def test_import_turntune_nb_is_light_and_every_public_name_still_resolves():
    code = ("import sys, turntune_nb as t\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
            "t.columns.FILE\n"  # a public submodule, before anything imported it
            "import turntune_nb.replay, turntune_nb.rescore\n"  # the submodules do not shadow the functions
            "print(callable(t.replay), callable(t.rescore), t.columns.__name__, 'ThresholdTuner' in dir(t))\n"
            "from turntune_nb import AnalysisResult, read_rttm\n"
            "print(AnalysisResult.__module__, read_rttm.__module__, t.__version__ == __import__('importlib.metadata')"
            ".metadata.version('turntune_nb'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=plain_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[]", "True True turntune_nb.analysis.columns True",
        "turntune_nb.analysis.results turntune_nb.analysis.readers True"]


def test_an_unknown_public_name_is_an_attribute_error():
    import turntune_nb

    with pytest.raises(AttributeError, match="no attribute 'compute_gapz'"):
        turntune_nb.compute_gapz  # noqa: B018


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("command", [[], ["analyze"], ["recommend"], ["report"], ["stream"], ["replay"]])
def test_every_help_text_is_wrapped_to_the_terminal(capsys, monkeypatch, columns, command):
    from turntune_nb.cli import main

    monkeypatch.setenv("COLUMNS", str(columns))
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if len(line) > columns] == []
    if command in ([], ["analyze"], ["replay"]):  # the exit codes: each code first, its text indented under it
        lines = out.splitlines()
        first = next(i for i, line in enumerate(lines) if line.startswith("  130  interrupted"))
        assert lines[first + 1].startswith(" " * 7) and lines[first + 1][7] != " "
        assert " ".join(" ".join(lines[first:first + 4]).split()).startswith(
            "130 interrupted (Ctrl+C) after the state was saved: submitted jobs are journaled, re-run the same")


def test_a_misspelled_option_prints_the_sub_commands_usage(capsys):
    from turntune_nb.cli import main

    with pytest.raises(SystemExit) as done:
        main(["analyze", "calls/", "--outt", "somewhere"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: turntune analyze ") and "--out DIR" in err
    assert err.rstrip().endswith("turntune analyze: error: unrecognized arguments: --outt somewhere")
