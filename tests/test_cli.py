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


def test_cli_analyze_offline_writes_what_it_found_as_rttm(tmp_path, capsys, monkeypatch):
    """conv1.wav: two channels, truth in samples/synthetic/truth (made with the audio, not by the tool)."""
    import shutil
    from pathlib import Path

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy("samples/synthetic/conv1.wav", folder)
    shutil.copy("samples/synthetic/mono_pauses.ogg", folder)
    out = tmp_path / "run"
    assert main(["analyze", str(folder), "--backend", "offline", "--out", str(out), "--speakers", "2", "--json"]) == 0
    json.loads(capsys.readouterr().out)
    written = sorted(p.name for p in (out / "segments").iterdir())
    assert written == ["conv1.wav.rttm", "mono_pauses.ogg.rttm"]
    assert all((out / "segments" / n).stat().st_mode & 0o777 == 0o600 for n in written)

    def rows(path):   # an independent reader: field positions of the RTTM format
        for line in Path(path).read_text().splitlines():
            f = line.split()
            yield f[1], f[7], round(float(f[3]) * 1000), round((float(f[3]) + float(f[4])) * 1000)

    truth = json.loads(Path("samples/synthetic/truth/conv1.wav.json").read_text())["segments"]
    got = sorted(rows(out / "segments" / "conv1.wav.rttm"), key=lambda r: r[2])
    assert [(r[0], r[1]) for r in got] == [("conv1", f"ch{s['channel']}") for s in truth]
    assert all(abs(r[2] - s["start_ms"]) <= 100 and abs(r[3] - s["end_ms"]) <= 100 for r, s in zip(got, truth))
    # and exactly the segments the analysis used
    from turntune_nb.audio.offline import transcribe_file_offline

    used = transcribe_file_offline("samples/synthetic/conv1.wav")
    assert [r[1:] for r in got] == [(u.speaker, u.start_ms, u.end_ms) for u in used.utterances]
    mono = list(rows(out / "segments" / "mono_pauses.ogg.rttm"))
    assert len(mono) == 4 and {r[1] for r in mono} == {"spk0", "spk1"}


def test_cli_speakers_must_be_positive(tmp_path, capsys):
    assert main(["analyze", "samples/synthetic/mono_pauses.ogg", "--backend", "offline", "--speakers", "0",
                 "--out", str(tmp_path)]) == 2
    assert "speakers must be a whole number >= 1" in capsys.readouterr().err
