"""``turntune agent``: a deployed agent's figures from the command line, gates and exit 6."""

import json
import stat

import pytest

from tests.cli.helpers import plain_env, run_cli, too_wide
from tests.conftest import ROOT
from turntune_nb.cli import main
from turntune_nb.cli.exits import EXIT_CODES_HELP, EXIT_GATE

# user U then agent A, gaps worked by hand:
#   U 0-2000, A 2600-5000: a response, gap 600
#   U 4800-6000 starts inside A (2600-5000), 1200 ms: a barge-in; A stops 5000 - 4800 = 200 ms later: yielded
#   A 5900-8000 follows U (ends 6000, later than A's 5000): a response, gap 5900 - 6000 = -100, a cut-in
#   U 12000-13000: dead air 12000 - 8000 = 4000
CALL = "start_ms,end_ms,speaker\n0,2000,U\n2600,5000,A\n4800,6000,U\n5900,8000,A\n12000,13000,U\n"
# a second call without a cut-in: U 0-1000, A 1500-3000 (gap 500)
CALM = "start_ms,end_ms,speaker\n0,1000,U\n1500,3000,A\n"


@pytest.fixture
def calls(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "busy.csv").write_text(CALL)
    (folder / "calm.csv").write_text(CALM)
    return folder


def test_json_gives_per_call_and_overall(calls, capsys):
    assert main(["agent", str(calls), "--agent", "A", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    busy, calm = data["per_call"]  # worst first: busy has a cut-in in 1 of 2 responses
    assert busy["file"] == "busy.csv" and calm["file"] == "calm.csv"
    assert (busy["responses"], busy["cut_ins"], busy["response_median_ms"]) == (2, 1, 250)  # (600 + -100) / 2
    assert (busy["barge_ins"], busy["barge_ins_yielded"], busy["barge_in_stop_median_ms"]) == (1, 1, 200)
    assert (busy["dead_air"], busy["dead_air_ms"]) == (1, 4000)
    assert calm["response_median_ms"] == 500 and calm["cut_ins"] == 0
    o = data["overall"]
    # pooled gaps [-100, 500, 600]: median 500; p90 at 0.9 * 2 = 1.8: 500 + 0.8 * 100 = 580
    assert (o["calls"], o["responses"], o["cut_ins"], o["response_median_ms"]) == (2, 3, 1, 500)
    assert o["response_p90_ms"] == pytest.approx(580)
    assert data["setting"]["preset"] == "balanced"  # the service's default setting, simulated on U's side


def test_gates_pass_fail_and_exit_6(calls, capsys):
    assert main(["agent", str(calls), "--agent", "A", "--gate", "response_p90_ms<=1500", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gates"] == [
        {"gate": "response_p90_ms<=1500", "value": pytest.approx(580), "passed": True}]
    # 1 cut-in over 3 responses = 0.33 > 0.05
    assert main(["agent", str(calls), "--agent", "A", "--gate", "response_p90_ms<=1500",
                 "--gate", "cut_ins/responses<=0.05"]) == EXIT_GATE == 6
    out = capsys.readouterr().out
    assert "PASS response_p90_ms<=1500 (580)" in out and "FAIL cut_ins/responses<=0.05 (0.333333)" in out
    assert "6    agent: a --gate failed" in EXIT_CODES_HELP


@pytest.mark.parametrize("gate, says", [("p90<=1500", "no figure 'p90'"), ("cut_ins/responses=<0.05", "METRIC OP")])
def test_a_bad_gate_is_one_line_and_exit_2(calls, tmp_path, gate, says):
    proc = run_cli("agent", calls, "--agent", "A", "--gate", gate, "--out", tmp_path / "o",
                   env=plain_env(PYTHONPATH=str(ROOT)))
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("turntune: --gate") and says in lines[0]
    assert not (tmp_path / "o").exists()  # stopped before any work


def test_unknown_agent_is_named(calls, capsys):
    assert main(["agent", str(calls), "--agent", "bot"]) == 2
    assert "no speaker 'bot' in these calls (speakers: A, U)" in capsys.readouterr().err


def test_the_table_fits_80_columns_worst_first(calls):
    proc = run_cli("agent", calls, "--agent", "A", env=plain_env(PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0 and not too_wide(proc.stdout)
    table = proc.stdout[proc.stdout.index("Per call, worst first"):]
    assert table.index("busy") < table.index("calm")


def test_out_writes_json_and_report_owner_only(calls, tmp_path, capsys):
    out = tmp_path / "night"
    assert main(["agent", str(calls), "--agent", "A", "--out", str(out)]) == 0
    data = json.loads((out / "agent.json").read_text())
    assert data["overall"]["responses"] == 3
    page = (out / "report.html").read_text()
    assert "The agent's calls" in page and "Per call, worst first" in page and "<script" not in page
    for f in ("agent.json", "report.html"):
        assert stat.S_IMODE((out / f).stat().st_mode) == 0o600


AGENT_CALL = ROOT / "samples" / "agent" / "agent_call.opus"


def test_two_channel_audio_offline_by_channel():
    # the bundled call's reference (scripts/make_agent_sample.py): one dead air of 3500 ms, between 14.5 s and 18 s
    proc = run_cli("agent", AGENT_CALL, "--agent-channel", "0", "--backend", "offline", "--json",
                   env=plain_env(PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["agent"] == ["ch0"] and data["per_call"][0]["file"] == "agent_call.opus"
    call = data["per_call"][0]
    assert call["dead_air"] == 1 and abs(call["dead_air_ms"] - 3500) <= 100  # the detector's edges move a little
    assert call["responses"] >= 4 and call["cut_ins"] >= 1  # five responses, one cut-in by construction


def test_two_channel_audio_through_multichannel(tmp_path):
    from tests.assemblyai_helpers import KEY
    from tests.fake_assemblyai import FakeAssemblyAI

    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "call.opus").write_bytes(AGENT_CALL.read_bytes())
    with FakeAssemblyAI(api_key=KEY, processing_time=0.05) as fake:
        env = plain_env(PYTHONPATH=str(ROOT), ASSEMBLYAI_API_KEY=KEY, ASSEMBLYAI_BASE_URL=fake.url,
                        ASSEMBLYAI_POLLING_INTERVAL="0.05")
        proc = run_cli("agent", tmp_path / "calls", "--agent-channel", "1", "--backend", "assemblyai",
                       "--cache-dir", tmp_path / "cache", "--json", env=env)
        jobs = list(fake.state.data["prerecorded"]["jobs"].values())
    assert proc.returncode == 0, proc.stderr
    assert jobs[0]["params"]["multichannel"] is True
    data = json.loads(proc.stdout)
    assert data["agent"] == ["ch1"]  # channel 1, 0-based (AssemblyAI's channel "2"), read back as ch1
    assert data["per_call"][0]["file"] == "call.opus" and data["overall"]["calls"] == 1
