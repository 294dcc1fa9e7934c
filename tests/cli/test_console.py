"""The terminal output: width and colour from the terminal, tables, notes said once, the stream printer."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tests.cli.helpers import flat, plain_env, too_wide
from tests.conftest import ROOT, SAMPLES
from turntune_nb.analysis.readers import read_rttm
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.cli.console import (
    FailedFileFilter,
    _grouped_notes,
    make_console,
    print_analysis,
    print_recommendation,
    stream_printer,
)

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_a_console_on_a_pipe_or_file_is_80_columns_without_colour(monkeypatch):
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    out = make_console(io.StringIO())
    assert (out.width, out.is_terminal) == (80, False)
    monkeypatch.setenv("COLUMNS", "132")
    assert make_console(io.StringIO()).width == 132


def _in_terminal(args, columns: int, **env_extra) -> str:
    """Run ``turntune ARGS`` with stdout on a real pseudo-terminal `columns` wide; what it showed."""
    import fcntl
    import pty
    import struct
    import termios

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(PYTHONPATH=str(ROOT), TERM="xterm-256color", **env_extra)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "turntune_nb", *map(str, args)], stdout=slave,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=300) == 0
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


#: Every per-file column of sample.rttm under its full label, each header over at most three lines split between
#: words, no value broken: file 6 (sample), speakers from 10 (transcript), speakers 8, segments 8, mean gap (ms)
#: 5 (1,250), median gap (ms) 6, gaps (guide) 7, gaps 4, overlaps 8, pauses 6, backchannels 12, overlaps (% of
#: speaker changes) 11 ("overlaps (%" / "of speaker" / "changes)"), median pause (ms) 6, pause p90 (ms) 5,
#: median floor transfer (ms) 12 ("median floor" / "transfer" / "(ms)") = 114, + 14 gutters of 3 = 156.
FULL_TABLE = 156
#: The same under the short labels: 6 + 10 + spk 3 + segs 4 + 5 + med gap 3 + guide gaps 5 + 4 + ovl 3 + 6 +
#: back ch 4 + ovl % 5 + med pause 5 + p90 pause 5 + med FTO 3 = 71, + 42 = 113.
SHORT_TABLE = 113


@pytest.mark.parametrize("columns", [SHORT_TABLE - 1, SHORT_TABLE, FULL_TABLE - 1, FULL_TABLE])
def test_on_a_terminal_the_width_is_the_terminals_and_headings_are_bold(tmp_path, columns):
    shown = _in_terminal(["analyze", SAMPLES / "real" / "sample.rttm", "--out", tmp_path], columns)
    assert "\x1b[1m" in shown  # bold headings on a terminal
    plain = ANSI.sub("", shown)
    assert max(len(line) for line in plain.splitlines() if not line.startswith("Summary saved to:")) <= columns
    # full labels when they fit; else short ones with their legend; else whole columns left out, said so
    text = flat(plain)
    assert ("backchannels (ms)" in text or "backchannels  " in plain) == (columns >= FULL_TABLE)
    assert ("back ch = backchannels" in text) == (columns < FULL_TABLE)
    # one column short of the short table: the least important one (speakers from) left out, said so
    assert ("spk from = speakers from" in text) == (SHORT_TABLE <= columns < FULL_TABLE)
    assert ("1 more column: widen the terminal or use --json." in text) == (columns < SHORT_TABLE)


def test_no_color_means_no_escape_codes_even_on_a_terminal(tmp_path):
    shown = _in_terminal(["analyze", SAMPLES / "real" / "sample.rttm", "--out", tmp_path], 100, NO_COLOR="1")
    assert "\x1b" not in shown and "TURN-TAKING ANALYSIS" in shown


def _render(func, obj, width: int) -> str:
    buf = io.StringIO()
    out = make_console(buf)
    out.width = width
    func(obj, out)
    return buf.getvalue()


def test_the_per_file_table_keeps_few_columns_at_80_and_all_on_a_wide_terminal():
    result = analyze_transcripts(read_rttm(SAMPLES / "real" / "sample.rttm"))
    narrow = _render(print_analysis, result, 80)
    assert max(map(len, narrow.splitlines())) <= 80
    # 80 < SHORT_TABLE: the least important columns left out, said in one line. Short widths (see SHORT_TABLE)
    # in priority order, each + a gutter of 3: file 6, spk 3+3, med gap 3+3, ovl % 5+3, med pause 5+3, p90 pause
    # 5+3, med FTO 3+3, mean gap 5+3, segs 4+3, guide gaps 5+3, gaps 4+3 = 78 <= 80; + ovl 3+3 = 84 > 80: the
    # last 4 (overlaps, pauses, backchannels, speakers from) are left out
    assert "back ch" not in narrow and "spk from" not in narrow
    assert re.search(r"^4 more columns: widen the terminal or use --json\.$", narrow, re.M)
    # sample.rttm's 3 gaps: 430, 130 and 3190 ms -> median 430, mean 1250 (worked out from the RTTM's lines)
    row = next(line for line in narrow.splitlines() if line.startswith("sample "))
    # speakers, segments, mean gap, median gap, gaps (guide), gaps, overlaps %, median pause, p90, floor transfer
    assert row.split()[1:] == ["2", "10", "1,250", "430", "3", "3", "62.5%", "–", "–", "-65"]
    assert re.search(r"^ *mean gap \(ms\) +1,250$", narrow, re.M)
    wide = _render(print_analysis, result, FULL_TABLE)
    assert max(map(len, wide.splitlines())) <= FULL_TABLE and "backchannels" in wide and "more column" not in wide
    # speakers from, speakers, segments, mean gap, median gap, gaps (guide), gaps, overlaps, pauses, backchannels:
    # 10 segments; 3 gaps and 5 overlaps among the 8 speaker changes (62.5 %), 1 segment inside another's
    row = next(line for line in wide.splitlines() if line.startswith("sample "))
    assert row.split()[1:12] == ["transcript", "2", "10", "1,250", "430", "3", "3", "5", "0", "1", "62.5%"]


def test_the_recommendation_table_shows_shares_as_percentages_and_ms_as_integers():
    from turntune_nb.analysis.readers import collect_transcripts
    from turntune_nb.analysis.recommend import RecommendOptions, recommend_config

    transcripts, _ = collect_transcripts(["tests/data/assemblyai"])
    rec = recommend_config(analyze_transcripts(transcripts), RecommendOptions(model="silence"))
    text = _render(print_recommendation, rec, 80)
    assert max(map(len, text.splitlines())) <= 80
    rows = {line.split("  ")[0]: line.split()[-2:] for line in text.splitlines()
            if line.startswith(("cut-off rate ", "mean latency (ms) ", "max_turn_silence (ms) "))}
    assert all(v.endswith("%") for v in rows["cut-off rate"])
    assert all(re.fullmatch(r"[\d,]+", v) for v in rows["mean latency (ms)"] + rows["max_turn_silence (ms)"])
    assert rows["max_turn_silence (ms)"][0] == f"{rec.config.max_turn_silence:,}"


def test_notes_repeated_per_file_are_said_once():
    names = ["a.wav", "b.wav", "c.wav", "d.wav"]
    caveats = ["speech found by the detector"]
    notes = [f"{n}: speakers from channels" for n in names] + [
        "a.wav: speech found by the detector",  # repeats a caveat: left out
        "b.wav: 2 speaker(s) found", "a note about no file"]
    assert _grouped_notes(notes, names, caveats) == [
        "4 files (a.wav, b.wav, c.wav, ...): speakers from channels", "b.wav: 2 speaker(s) found",
        "a note about no file"]


def test_a_failed_file_log_line_is_left_to_the_final_list():
    keep = FailedFileFilter()
    make = logging.getLogger("turntune_nb.test").makeRecord
    assert not keep.filter(make("turntune_nb.test", logging.WARNING, "f", 1, "x.wav: bad", (), None,
                                extra={"failed_file": "x.wav"}))
    assert keep.filter(make("turntune_nb.test", logging.WARNING, "f", 1, "retrying", (), None))


def test_the_stream_greeting_says_speak_now_for_the_microphone_only():
    begin = SimpleNamespace(type="Begin")
    for source, expected in (("mic", "Speak now; Ctrl+C to stop."),
                             ("calls/a.wav", "Replaying calls/a.wav in real time; Ctrl+C to stop.")):
        out, err = io.StringIO(), io.StringIO()
        stream_printer("Balanced", source, False, make_console(out), make_console(err))(begin)
        assert expected in " ".join(err.getvalue().split()) and out.getvalue() == ""
    assert "Speak now" not in err.getvalue()


def test_the_stream_printer_stops_once_when_its_reader_goes_away():
    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    calls = []
    show = stream_printer("Balanced", "a.wav", True, make_console(Closed()), make_console(io.StringIO()),
                          on_closed=lambda: calls.append(1))
    event = SimpleNamespace(type="Turn", to_dict=lambda: {"type": "Turn"})
    show(event)
    show(event)
    assert calls == [1]


# --------------------------------------------------------------------------- every command, in a pipe
@pytest.mark.slow
@pytest.mark.parametrize("columns", ["80", None])  # told 80, and piped with no width told: 80 by default
def test_text_output_fits_80_columns_and_has_no_escape_codes(tmp_path, columns):
    """analyze, recommend, report and replay on the bundled samples, offline, in a pipe."""
    from tests.conftest import ROOT, SAMPLES

    env = plain_env(**({"COLUMNS": columns} if columns else {}))
    config = tmp_path / "c.json"
    config.write_text('{"name": "Test", "min_turn_silence": 400, "max_turn_silence": 1280}')

    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "turntune_nb", *map(str, args)], capture_output=True, text=True,
                              timeout=600, cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 0, proc.stderr
        assert "\x1b" not in proc.stdout  # no colour or cursor codes in a pipe
        assert too_wide(proc.stdout) == [], proc.stdout
        return proc.stdout

    out = run("analyze", SAMPLES / "synthetic", "--backend", "offline", "--out", "o")
    # the per-file table: one row per recording, the file names whole, no column cropped
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(("conv", "mono"))}
    assert sorted(rows) == ["conv1.wav", "conv2.flac", "conv3.mp3", "conv4.m4a", "conv5.opus", "conv6.webm",
                            "conv7.mp4", "mono_pauses.ogg"]
    # every row as many cells as the next (no value split over lines), the columns that did not fit said so
    assert len({len(r) for r in rows.values()}) == 1 and len(next(iter(rows.values()))) >= 7, rows
    assert re.search(r"^\d+ more columns?: widen the terminal or use --json\.$", out, re.M)
    assert "{" not in out  # the overall figures as a table, not a raw dict
    summary = next((tmp_path / "o").glob("aggregated_analysis_*.json"))
    out = run("recommend", summary.relative_to(tmp_path), "--out", "o/config.json")
    assert not re.search(r"\d\.\d{6}", out)  # no 0.000000-style shares
    assert re.search(r"^cut-off rate +\d+\.\d%", out, re.M)  # shares as percentages
    assert run("report", SAMPLES / "synthetic", "--backend", "offline", "--out", "r.html").startswith(
        "Report written to: r.html")
    out = run("replay", SAMPLES / "synthetic" / "conv1.wav", SAMPLES / "synthetic" / "conv2.flac", "--config", config,
              "--backend", "offline", "--speed", "20", "--yes", "--channel", "0", "--events-dir", "ev")
    # file (2 words), "N:" fires, "end/hold/speech", premature, cut-off rate, mean latency, "n/m" turn ends fired;
    # the prediction's bounds on the line below: none cropped
    rows = [line.split() for line in out.splitlines() if line.startswith(("conv1.wav (ch0) ", "conv2.flac (ch0) "))]
    assert [len(r) for r in rows] == [8, 8], out
    for r in rows:  # the three classes add up to the fires
        assert int(r[2].rstrip(":")) == sum(int(x) for x in r[3].split("/")), r


# --------------------------------------------------------------------------- tables that fit, through main()
def _header_words() -> set:
    """Every word a column header may show: the words of the full and the short labels."""
    from turntune_nb.analysis.display import LABELS, SHORT_LABELS

    return {w for text in (*LABELS.values(), *SHORT_LABELS.values(), "setting") for w in text.split()}


@pytest.mark.parametrize("columns", [80, 60])
def test_analyze_and_recommend_fit_the_terminal_with_nothing_broken(tmp_path, capsys, monkeypatch, columns):
    """At COLUMNS=80 and 60: no line wider, the file names and every file's median gap whole on the file's row,
    every header word a whole word of a label, and the eot-bench table's values whole."""
    from turntune_nb.cli import main

    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    assert main(["analyze", str(SAMPLES / "transcripts"), str(ROOT / "tests" / "data" / "rttm"),
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    saved = next(tmp_path.glob("aggregated_analysis_*.json"))
    assert too_wide(out, columns) in ([], [str(saved)]), out  # a path is never wrapped: on its own line
    assert f"Summary saved to:\n{saved}\n" in out or f"Summary saved to: {saved}\n" in out
    summary = json.loads(next(tmp_path.glob("aggregated_analysis_*.json")).read_text())
    lines = out.splitlines()
    for f in summary["per_file_results"]:  # the saved summary's median gap, as the table formats it
        gap = "–" if f["median_gap_ms"] is None else f"{f['median_gap_ms']:,.0f}"
        row = next(line for line in lines if line.startswith(f["filename"] + " "))
        assert row.split()[0] == f["filename"] and gap in row.split(), (f, row)
    assert "wildfires_speaker_labels_truncated.json" in [line.split()[0] for line in lines if line.strip()]
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    top = max(i for i in range(rule) if not lines[i].strip())  # the header: from the blank line to the rule
    header = [w for line in lines[top:rule] for w in line.split()]
    assert header and set(header) <= _header_words(), header
    assert main(["recommend", str(next(tmp_path.glob("aggregated_analysis_*.json")))]) == 0
    out = capsys.readouterr().out
    assert too_wide(out, columns) == [], out
    # the equivalents: every parameter name whole on one line
    for name in ("min_endpointing_delay", "turn_detection.silence_duration_ms", "VADParams.stop_secs"):
        assert any(name in line.split() for line in out.splitlines()), name
