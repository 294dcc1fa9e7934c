import json
import subprocess
import sys

from turntune_nb.analysis.presets import load_config
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


def test_cli_recommend_transcripts_writes_a_loadable_config(tmp_path, capsys):
    from turntune_nb.cli import main

    out = tmp_path / "cfg.json"
    rc = main(["recommend", "tests/data/assemblyai", "tests/data/rttm", "--target-cutoff", "0.1", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "DATA-DRIVEN RECOMMENDATION (u3-rt-pro, target <= 10% false cut-offs)" in text
    assert "deepgram" in text and "openai_realtime" in text
    cfg = load_config(out)
    assert cfg.name == "Data-driven" and cfg.evidence["metrics"]["cutoff_rate"] <= 0.10


def test_cli_recommend_json_from_saved_summary(tmp_path, capsys):
    import json

    from turntune_nb import analyze_transcripts, collect_transcripts
    from turntune_nb.cli import main

    ts, _ = collect_transcripts(["tests/data/assemblyai"])
    path = analyze_transcripts(ts).save(tmp_path)
    rc = main(["recommend", str(path), "--model", "silence", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["model"] == "silence" and data["metrics"]["holds"] == 89
    assert data["metrics"]["cutoff_rate"] <= 0.05
    assert data["config"]["min_turn_silence"] == data["config"]["max_turn_silence"] == data["silence_equivalent_ms"]


def test_cli_recommend_bad_target(capsys):
    from turntune_nb.cli import main

    assert main(["recommend", "tests/data/assemblyai", "--target-cutoff", "5"]) == 2
    assert "--target-cutoff" in capsys.readouterr().err


def test_cli_recommend_audio_through_the_offline_backend(tmp_path, capsys):
    import json

    from turntune_nb.cli import main

    rc = main(["recommend", "samples/synthetic/conv1.wav", "--backend", "offline", "--model", "silence", "--json",
               "--out", str(tmp_path / "c.json")])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["model"] == "silence" and data["evidence"]["files"] == ["conv1.wav"]
    assert load_config(tmp_path / "c.json").name == "Data-driven"
    assert not (tmp_path / "c.json").is_dir()


def _two_channel_rttm(tmp_path):
    # caller A on channel 0: 0-2.0 s and 2.5-4.0 s (a 500 ms hold), 8.2-9.0 s;
    # agent B on channel 1: 4.3-6.0 s and 6.8-8.0 s (an 800 ms hold)
    rows = [("0", 0.0, 2.0, "A"), ("0", 2.5, 1.5, "A"), ("1", 4.3, 1.7, "B"), ("1", 6.8, 1.2, "B"),
            ("0", 8.2, 0.8, "A")]
    path = tmp_path / "call.rttm"
    path.write_text("".join(f"SPEAKER call {ch} {on:.3f} {dur:.3f} <NA> <NA> {spk} <NA> <NA>\n"
                            for ch, on, dur, spk in rows))
    return path


def test_cli_recommend_for_one_side(tmp_path, capsys):
    rttm = _two_channel_rttm(tmp_path)
    # the caller's only hold is 500 ms: silence-only must wait past it, 510 ms on the 10 ms grid
    for side in (["--channel", "0"], ["--speaker", "A"], ["--speaker", "caller", "--roles", "caller=A,agent=B"]):
        assert main(["recommend", str(rttm), "--model", "silence", "--json", *side]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["metrics"]["holds"] == 1 and data["metrics"]["turn_ends"] == 2, side
        assert data["config"]["max_turn_silence"] == 510, side
    assert data["side"] == "speaker A (caller)"
    assert main(["recommend", str(rttm), "--model", "silence", "--json", "--speaker", "B"]) == 0
    assert json.loads(capsys.readouterr().out)["config"]["max_turn_silence"] == 810
    # a grid that stops short of the agent's 800 ms hold cannot reach the target, and says how to widen it
    assert main(["recommend", str(rttm), "--model", "silence", "--speaker", "B", "--grid-max-ms", "600"]) == 0
    out = capsys.readouterr().out
    assert "widen the grid (--grid-max-ms / grid_max_ms, up to 10000 ms)" in out
    assert "side: speaker B" in out and "VAD baseline" in out
    assert main(["recommend", str(rttm), "--speaker", "C"]) == 2
    assert "no speaker 'C' in these data (speakers: A, B" in capsys.readouterr().err
    assert main(["recommend", str(rttm), "--grid-max-ms", "20000"]) == 2
    assert "grid_max_ms must lie in 100..10000" in capsys.readouterr().err


def test_cli_analyze_for_one_channel(tmp_path, capsys):
    rttm = _two_channel_rttm(tmp_path)
    assert main(["analyze", str(rttm), "--channel", "1", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "restricted to channel 1" in out and "Pauses inside turns: 1, median 800 ms" in out
    # the saved summary keeps the side: recommending from it says whose figures these are
    saved = next((tmp_path / "o").glob("aggregated_analysis_*.json"))
    assert main(["recommend", str(saved), "--model", "silence", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["side"] == "channel 1" and data["metrics"]["holds"] == 1
