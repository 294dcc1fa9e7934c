"""``turntune replay``: asks before it streams, exits 3 when a recording failed, streams the
documented sample, and rescores saved events."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import warnings

import pytest

from tests.conftest import ROOT, SAMPLES
from tests.test_replay_plan import tiny_corpus
from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.cli import main

SYNTH = SAMPLES / "synthetic"
CONFIGS = [StreamingConfig("fast", 200, 600), StreamingConfig("slow", 400, 800)]

# --------------------------------------------------------------------------- the command
def run_cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("ASSEMBLYAI_API_KEY", None)
    return subprocess.run([sys.executable, "-m", "turntune_nb", "replay", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=300)


def test_cli_refuses_without_yes_when_it_cannot_ask_then_replays_and_rescores(tmp_path):
    config = tmp_path / "fast.json"
    CONFIGS[0].save(config)
    common = [str(SYNTH / "conv5.opus"), "--config", str(config), "--truth", str(SYNTH / "truth"), "--channel", "0"]
    refused = run_cli(*common, cwd=tmp_path)
    assert refused.returncode == 5
    assert "0.003 h of audio" in refused.stdout and "--yes" in refused.stderr
    assert not (tmp_path / "turntune-replay").exists()
    done = run_cli(*common, "--yes", "--speed", "20", "--json", "--model", "silence", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert "0.003 h" in done.stderr and data["overall"][0]["turn_ends"] == 2 and data["overall"][0]["fired"] == 2
    again = run_cli("--rescore", "turntune-replay", "--json", "--model", "silence", cwd=tmp_path)
    assert again.returncode == 0 and json.loads(again.stdout)["overall"] == data["overall"]


@pytest.mark.parametrize("answer, code", [("y\n", 0), ("\n", 5)])
def test_cli_asks_on_a_terminal(tmp_path, monkeypatch, capsys, answer, code):
    import io

    config = tmp_path / "fast.json"
    CONFIGS[0].save(config)
    stdin = io.StringIO(answer)
    stdin.isatty = lambda: True
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.chdir(tmp_path)
    rc = main(["replay", str(SYNTH / "conv5.opus"), "--config", str(config), "--truth", str(SYNTH / "truth"),
               "--channel", "0", "--speed", "20", "--backend", "offline"])
    out = capsys.readouterr()
    assert rc == code and "0.003 h of audio" in out.out
    assert (tmp_path / "turntune-replay").exists() == (code == 0)


def test_a_failed_recording_or_events_file_exits_3_naming_it(tmp_path, capsys, monkeypatch):
    """The README's exit codes: 3 when some files failed, the rest replayed and saved (never 0)."""
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    config = tmp_path / "fast.json"
    CONFIGS[0].save(config)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot audio at all" * 100)
    events = tmp_path / "events"
    args = ["replay", str(SYNTH / "conv5.opus"), str(broken), "--config", str(config), "--truth", str(SYNTH / "truth"),
            "--channel", "0", "--backend", "offline", "--speed", "20", "--yes", "--events-dir", str(events)]
    with warnings.catch_warnings():  # the command speaks the new spelling: ReplayOptions, no deprecated keyword
        warnings.filterwarnings("error", message=r".*deprecated; pass options=", category=DeprecationWarning)
        assert main([*args, "--json"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert [f["filename"] for f in data["failed"]] == ["broken.wav"] and data["overall"][0]["files"] == 1
    assert main(args) == 3
    shown = " ".join(capsys.readouterr().out.split())  # unwrapped
    assert "skipped broken.wav: " in shown and "Failed: - broken.wav: " in shown
    # the saved events, one of them unreadable: rescored, and 3 again
    (events / "9999-partial.jsonl").write_text('{"type": "ReplayHeader", "file": "x.wav"}\n')
    assert main(["replay", "--rescore", str(events), "--json"]) == 3
    assert [f["filename"] for f in json.loads(capsys.readouterr().out)["failed"]] == ["9999-partial.jsonl"]


def test_the_command_streams_the_sample_the_documented_seed_draws(tmp_path, capsys, monkeypatch):
    """``--sample 4`` without ``--seed`` is the seed 0 draw: random.Random(0).sample of the recordings
    sorted by path (4 of 30: one chance in 27,405 that another draw matches)."""
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    calls, truth = tiny_corpus(tmp_path, 30)
    config = tmp_path / "fast.json"
    CONFIGS[0].save(config)
    common = [str(calls), "--config", str(config), "--truth", str(truth), "--backend", "offline", "--speed", "50",
              "--yes", "--json", "--sample", "4"]
    names = sorted(f"call{i:02d}.wav" for i in range(30))
    for seed in (None, 3):
        extra = [] if seed is None else ["--seed", str(seed)]
        assert main(["replay", *common, *extra, "--events-dir", str(tmp_path / f"ev{seed}")]) == 0
        streamed = [f["file"] for f in json.loads(capsys.readouterr().out)["files"]]
        assert streamed == sorted(random.Random(seed or 0).sample(names, 4)), seed


def test_a_bad_option_exits_2_before_anything_streams(tmp_path, capsys):
    config = tmp_path / "fast.json"
    CONFIGS[0].save(config)
    rc = main(["replay", str(SYNTH / "conv5.opus"), "--config", str(config), "--concurrency", "0", "--yes",
               "--backend", "offline", "--events-dir", str(tmp_path / "events")])
    assert rc == 2 and "concurrency must be a whole number >= 1" in capsys.readouterr().err
    assert not (tmp_path / "events").exists()


def test_both_channels_rescored_with_every_fire_and_turnbench_files(tmp_path, capsys, monkeypatch):
    """conv5 replayed on channel 0, then channel 1, into one folder; --rescore shows every fire's class and
    writes TurnBench's submission, whose times are the saved fires (recounted here from the events files)."""
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    config = tmp_path / "fast.json"
    CONFIGS[0].save(config)
    events = tmp_path / "events"
    for channel in ("0", "1"):
        assert main(["replay", str(SYNTH / "conv5.opus"), "--config", str(config), "--truth", str(SYNTH / "truth"),
                     "--channel", channel, "--backend", "offline", "--speed", "20", "--yes", "--events-dir",
                     str(events), "--json"]) == 0
        capsys.readouterr()
    assert sorted(p.name for p in events.iterdir()) == ["0000-conv5.opus-ch0--200-600.jsonl",
                                                       "0000-conv5.opus-ch1--200-600.jsonl"]
    assert main(["replay", "--rescore", str(events), "--turnbench", str(tmp_path / "tb")]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert re.search(r"\d+ fire\(s\), \d+ at turn ends, \d+ in holds, \d+ in speech; premature", shown)
    assert "TurnBench terms" in shown
    assert "alignment tolerance" in shown and "vap (published)" in shown
    saved = {}
    for p in sorted(events.iterdir()):
        lines = [json.loads(x) for x in p.read_text().splitlines()]
        finals = {}
        for e in lines[1:]:
            if e["type"] == "Turn" and e["end_of_turn"]:
                finals.setdefault(e["turn_order"], e["emitted_at_ms"])
        saved[lines[0]["channel"]] = sorted(finals.values())
    sub = json.loads((tmp_path / "tb" / "turnbench-200-600.json").read_text())
    [conv] = sub["predictions"]
    assert conv["conversation_id"] == "conv5.opus" and sub["schema_version"] == 1
    for channel, key in ((0, "speaker_1"), (1, "speaker_2")):
        assert conv[key]["eot"] == [t / 1000 for t in saved[channel] if t <= 9830]  # inside the audio
    assert main(["replay", "--rescore", str(events), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for row in data["files"]:
        assert row["fires"] == row["fires_at_turn_end"] + row["fires_in_hold"] + row["fires_in_speech"]
        assert row["fires"] == len(saved[row["channel"]])
    assert data["turnbench"][0]["speakers_scored"] == 2 and data["turnbench_fp_budget"] == 0.1
