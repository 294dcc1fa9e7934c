import json
import subprocess
import sys

from turntune_nb.cli import main


def test_analyze_prints_summary_and_saves_json(tmp_path, capsys, sample_rttm):
    assert main(["analyze", str(sample_rttm), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Overall average gap: 1250 ms" in out and "Conservative" in out
    saved = list(tmp_path.glob("aggregated_analysis_*.json"))
    assert len(saved) == 1 and str(saved[0]) in out


def test_json_flag_prints_only_json(tmp_path, capsys, sample_rttm):
    assert main(["analyze", str(sample_rttm), "--out", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["aggregated_statistics"]["total_gaps"] == 3


def test_nothing_readable_exits_non_zero_with_a_message(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("a,b\n")
    assert main(["analyze", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "nothing readable" in err and "bad.csv" in err
    assert main(["analyze", str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_console_script_runs(tmp_path, sample_rttm):
    proc = subprocess.run([sys.executable, "-m", "turntune_nb", "analyze", str(sample_rttm), "--json", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["recommended_configuration"]["min_turn_silence"] == 800
