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


def test_cli_analyze_offline_chooses_the_detector_and_its_settings(tmp_path, capsys):
    rc = main(["analyze", "samples/synthetic/conv1.wav", "--backend", "offline", "--vad", "webrtc",
               "--vad-set", "min_silence_ms=200", "--vad-set", "gate=off", "--json", "--out", str(tmp_path)])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["speaker_sources"] == {"conv1.wav": "channels"}
    detector = [c for c in data["caveats"] if c.startswith("speech found by the offline")]
    assert detector and "webrtc detector" in detector[0] and "min silence 200 ms" in detector[0]
    assert "noise gate off" in detector[0]


def test_cli_bad_vad_setting_exits_2_naming_it(tmp_path, capsys):
    assert main(["analyze", "samples/synthetic/conv1.wav", "--backend", "offline", "--vad-set", "min_silense_ms=1",
                 "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--vad-set 'min_silense_ms=1'" in err and "min_silence_ms" in err
    assert main(["analyze", "samples/synthetic/conv1.wav", "--backend", "offline", "--vad-set", "onset=high",
                 "--out", str(tmp_path)]) == 2
    assert "'high' is not a number" in capsys.readouterr().err


def test_cli_recommend_on_mono_audio_says_speakers_are_unknown_first(tmp_path, capsys):
    rc = main(["recommend", "samples/synthetic/mono_pauses.ogg", "--backend", "offline", "--model", "silence"])
    out = capsys.readouterr().out
    assert rc == 0
    lines = out.splitlines()
    assert lines[2].startswith("!! SPEAKERS UNKNOWN in 1 of 1 file(s) (mono_pauses.ogg)")
    assert "speech found by the offline silero-lite detector" in out
