"""``turntune analyze``, ``recommend`` and ``report``: transcripts and audio in, figures,
configs and reports out, with the exit codes a script can branch on."""

import json
import re
import subprocess
import sys

import pytest

from tests.cli.helpers import flat, run_cli
from tests.remote_helpers import SYNTHETIC, s3  # noqa: F401
from turntune_nb.analysis.presets import load_config
from turntune_nb.cli import main


def test_analyze_prints_summary_and_saves_json(tmp_path, capsys, sample_rttm):
    assert main(["analyze", str(sample_rttm), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    # sample.rttm's 3 gaps (next start - end, when positive): 430, 130 and 3190 ms -> mean 1250 ms
    assert re.search(r"^ *mean gap \(ms\) +1,250$", out, re.M) and "guide's rule): Conservative" in out
    saved = list(tmp_path.glob("aggregated_analysis_*.json"))
    assert len(saved) == 1 and str(saved[0]) in out


def test_json_flag_prints_only_json(tmp_path, capsys, sample_rttm):
    assert main(["analyze", str(sample_rttm), "--out", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["aggregated_statistics"]["total_gaps"] == 3


def test_nothing_readable_exits_non_zero_with_a_message(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("a,b\n")
    assert main(["analyze", str(tmp_path), "--out", str(tmp_path / "o")]) == 4  # nothing usable
    assert not (tmp_path / "o").exists()  # nothing written
    err = capsys.readouterr().err
    assert "nothing readable" in err and "bad.csv" in err
    assert main(["analyze", str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_cli_recommend_transcripts_writes_a_loadable_config(tmp_path, capsys):
    from turntune_nb.cli import main

    out = tmp_path / "cfg.json"
    rc = main(["recommend", "tests/data/assemblyai", "tests/data/rttm", "--target-cutoff", "0.1", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "DATA-DRIVEN RECOMMENDATION (universal-3-6-pro, target <= 10% false cut-offs)" in text
    assert "deepgram" in text and "openai_realtime" in text
    assert "starts from the balanced preset (128/1280 ms); sends" in " ".join(text.split())
    cfg = load_config(out)
    assert cfg.name == "Data-driven" and cfg.evidence["metrics"]["cutoff_rate"] <= 0.10
    # the saved config names the model and the preset, and so sends only what differs from it
    assert (cfg.speech_model, cfg.mode, cfg.evidence["preset"]) == ("universal-3-6-pro", "balanced", "balanced")


def test_cli_recommend_the_default_model_by_name_json_names_model_and_preset(tmp_path, capsys):
    import json

    from turntune_nb.cli import main

    out = tmp_path / "cfg.json"
    rc = main(["recommend", "tests/data/assemblyai", "--model", "universal-3-6-pro", "--mode", "max_accuracy",
               "--json", "--out", str(out)])
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert rc == 0 and captured.err == ""  # no legacy note for the current model
    assert (data["model"], data["speech_model"], data["preset"]) == ("universal-3-6-pro", "universal-3-6-pro",
                                                                     "max_accuracy")
    assert (data["config"]["speech_model"], data["config"]["mode"]) == ("universal-3-6-pro", "max_accuracy")
    assert data["starts_from"].startswith("universal-3-6-pro: starts from the max_accuracy preset (512/2560 ms)")
    # what the config sends: the preset's name and only the silences that differ from 512/2560
    sent = load_config(out).to_connection_params()
    assert sent["mode"] == "max_accuracy" and sent["speech_model"] == "universal-3-6-pro"
    for key, preset_value in (("min_turn_silence", 512), ("max_turn_silence", 2560)):
        assert (key in sent) == (data["config"][key] != preset_value) and (key in data["sends"]) == (key in sent)


def test_cli_recommend_legacy_model_prints_a_one_line_note(capsys):
    import json

    from turntune_nb.cli import main

    assert main(["recommend", "tests/data/assemblyai", "--model", "u3-rt-pro", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [
        "note: u3-rt-pro is a legacy name (removed from AssemblyAI's docs in July 2026); use universal-3-6-pro"]
    data = json.loads(captured.out)  # stdout stays JSON
    assert data["model"] == "u3-rt-pro" and data["notes"][0].startswith("u3-rt-pro is a legacy name")


def test_cli_recommend_speaker_labels_starts_from_the_diarisation_profile(capsys):
    import json

    from turntune_nb.cli import main

    assert main(["recommend", "tests/data/assemblyai", "--speaker-labels", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["preset"], data["config"]["speaker_labels"], data["metrics"]["max_turn_duration"]) == (
        "speaker_labels", True, 10_000)
    assert main(["recommend", "tests/data/assemblyai", "--model", "silence", "--mode", "balanced"]) == 2


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
    # agent B on channel 1: 4.3-6.0 s and 6.8-8.0 s (an 800 ms hold).
    # RTTM's channel column counts from 1: column 1 is --channel 0, column 2 is --channel 1
    rows = [("1", 0.0, 2.0, "A"), ("1", 2.5, 1.5, "A"), ("2", 4.3, 1.7, "B"), ("2", 6.8, 1.2, "B"),
            ("1", 8.2, 0.8, "A")]
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
    out = flat(capsys.readouterr().out)
    assert "widen the grid (--grid-max-ms / grid_max_ms, up to 10000 ms)" in out
    assert "side speaker B (every figure from its holds and turn ends)" in out and "VAD baseline" in out
    assert main(["recommend", str(rttm), "--speaker", "C"]) == 2
    assert "no speaker 'C' in these data (speakers: A, B" in capsys.readouterr().err
    assert main(["recommend", str(rttm), "--grid-max-ms", "20000"]) == 2
    assert "grid_max_ms must lie in 100..10000" in capsys.readouterr().err


def test_cli_analyze_for_one_channel(tmp_path, capsys):
    rttm = _two_channel_rttm(tmp_path)
    assert main(["analyze", str(rttm), "--channel", "1", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "restricted to channel 1" in out and "pauses inside turns 1, median 800 ms" in flat(out)
    # the saved summary keeps the side: recommending from it says whose figures these are
    saved = next((tmp_path / "o").glob("aggregated_analysis_*.json"))
    assert main(["recommend", str(saved), "--model", "silence", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["side"] == "channel 1" and data["metrics"]["holds"] == 1


def test_cli_channel_on_a_constant_channel_rttm_is_refused_naming_speaker(tmp_path, capsys):
    # a real RTTM writes channel 1 on every line: A and B share it, so --channel cannot tell them apart
    rttm = tmp_path / "call.rttm"
    rttm.write_text("SPEAKER call 1 0.000 2.000 <NA> <NA> A <NA> <NA>\n"
                    "SPEAKER call 1 2.500 1.500 <NA> <NA> A <NA> <NA>\n"
                    "SPEAKER call 1 4.300 1.700 <NA> <NA> B <NA> <NA>\n")
    for ch in ("0", "1"):
        assert main(["recommend", str(rttm), "--model", "silence", "--channel", ch]) == 2
        err = flat(capsys.readouterr().err)
        assert f"channel {ch}: several speakers (A, B) share one channel value in call" in err
        assert "name the side with --speaker" in err and "speakers: A, B" in err


# --------------------------------------------------------------------------- bad input never takes a run down
def _bad_corpus(folder):
    """The issue's bad inputs and more, beside good files; {file name: the reason it must be given}."""
    from tests.conftest import DATA, SAMPLES

    folder.mkdir()
    (folder / "good call.rttm").write_text((SAMPLES / "real" / "sample.rttm").read_text())
    (folder / "ünïcode.json").write_text((DATA / "assemblyai" / "wildfires_speaker_labels_truncated.json").read_text())
    (folder / "-dash.csv").write_text("start_ms,end_ms,speaker\n0,900,A\n1200,2000,B\n2300,2600,A\n")
    (folder / "mixed.rttm").write_text("SPEAKER m 1 0.0 1.0 <NA> <NA> A <NA> <NA>\n"
                                       "SPEAKER m 1 1.5 -0.5 <NA> <NA> B <NA> <NA>\n"
                                       "SPEAKER m 1 2.0 1.0 <NA> <NA> B <NA> <NA>\n"
                                       "SPEAKER m 1 3.5 0.0 <NA> <NA> A <NA> <NA>\n"
                                       "SPEAKER m 1 4.0 1.0 <NA> <NA> A <NA> <NA>\n")

    def utt(start, end="900"):
        return '{"status": "completed", "utterances": [{"speaker": "A", "start": %s, "end": %s, "words": []}]}' % (
            start, end)

    (folder / "infinity.json").write_text(utt("Infinity"))
    (folder / "1e400.json").write_text(utt("1e400"))
    (folder / "nan.json").write_text(utt("NaN"))
    (folder / "huge_ms.json").write_text(utt(str(10**20), str(10**20 + 5)))
    (folder / "onset.rttm").write_text("SPEAKER o 1 1e300 1.0 <NA> <NA> A <NA> <NA>\n")
    (folder / "negative.csv").write_text("-100,50,A\n")
    (folder / "unsorted.json").write_text(json.dumps({"utterances": [{"speaker": "A", "start": 0, "end": 900, "words": [
        {"text": "b", "start": 500, "end": 600}, {"text": "a", "start": 100, "end": 200}]}]}))
    (folder / "empty.json").write_text("")
    (folder / "empty.rttm").write_text("")
    (folder / "binary.json").write_bytes(bytes(range(256)) * 64)
    (folder / "nested.json").write_text("[" * 200_000 + "]" * 200_000)
    (folder / "huge.csv").write_text("not,a,number\n" * 400_000)  # 5 MB of bad rows
    (folder / "semi;colon&.json").write_text('{"status": "error", "error": "Audio duration is too short."}')
    return {
        "infinity.json": "utterance 0 start must be a finite number of milliseconds, got inf",
        "1e400.json": "utterance 0 start must be a finite number of milliseconds, got inf",
        "nan.json": "utterance 0 start must be a number of milliseconds, got nan",
        "huge_ms.json": "utterance 0 start is out of range: 1e+20 ms is more than a week",
        "onset.rttm": "no usable SPEAKER lines (line 1: onset is out of range: 1e300 s is more than a week) (line 1)",
        "negative.csv": "no usable rows (line 1: start_ms must be >= 0, got -100) (line 1)",
        "unsorted.json": "utterance 0 word 1 starts at 100 ms, before the word ahead of it (500 ms): "
                         "word times must be in order",
        "empty.json": "not valid JSON (Expecting value) (line 1)",
        "empty.rttm": "no usable SPEAKER lines",
        "binary.json": "not UTF-8 text",
        "nested.json": "JSON nested too deeply to be a transcript",
        "huge.csv": "no usable rows (line 1: start_ms and end_ms must be whole milliseconds, got 'not' and 'a'; "
                    "line 2: start_ms and end_ms must be whole milliseconds, got 'not' and 'a'; "
                    "line 3: start_ms and end_ms must be whole milliseconds, got 'not' and 'a'; "
                    "line 4: start_ms and end_ms must be whole milliseconds, got 'not' and 'a'; "
                    "line 5: start_ms and end_ms must be whole milliseconds, got 'not' and 'a'; "
                    "and 399995 more) (line 1)",
        "semi;colon&.json": "transcript status is 'error', not 'completed': Audio duration is too short.",
    }


def test_a_bad_input_corpus_fails_each_bad_file_by_name_and_the_good_ones_are_analysed(tmp_path):
    expected = _bad_corpus(tmp_path / "corpus")
    proc = run_cli("analyze", tmp_path / "corpus", "--out", tmp_path / "out", "--json")
    assert proc.returncode == 3, proc.stderr  # some files failed, the rest analysed and saved
    assert "Traceback" not in proc.stderr
    summary = json.loads(proc.stdout)
    assert sorted(r["filename"] for r in summary["per_file_results"]) == ["-dash.csv", "m", "sample", "ünïcode.json"]
    skipped = {s["filename"]: s["reason"] for s in summary["skipped_files"]}
    assert skipped == expected
    for name, reason in expected.items():
        assert f"  - {name}: {reason}" in proc.stderr
    # the mixed RTTM kept its 3 good segments and lists its 2 bad lines
    assert "m: mixed.rttm, line 2 skipped: duration must be >= 0, got -0.5" in summary["notes"]
    assert "m: mixed.rttm, line 4 skipped: zero-duration segment (onset 3.5 s, duration 0.0 s)" in summary["notes"]
    assert len(list((tmp_path / "out").glob("aggregated_analysis_*.json"))) == 1


def test_nothing_usable_writes_nothing_and_exits_4(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.json").write_text("")
    (bad / "onset.rttm").write_text("SPEAKER o 1 1e300 1.0 <NA> <NA> A <NA> <NA>\n")
    proc = run_cli("recommend", bad, "--out", tmp_path / "cfg" / "config.json")
    assert proc.returncode == 4 and "nothing readable" in proc.stderr and "empty.json" in proc.stderr
    assert not (tmp_path / "cfg").exists()
    # readable, but one utterance per file: no pause and no turn end to recommend from (not a 0/100 ms config)
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "one.csv").write_text("0,900,A\n")
    proc = run_cli("recommend", lone, "--out", tmp_path / "cfg" / "config.json")
    assert proc.returncode == 4 and "no config was written" in proc.stderr, proc.stderr
    assert not (tmp_path / "cfg").exists()
    proc = run_cli("report", lone, "--out", tmp_path / "r" / "report.html")
    assert proc.returncode == 4 and not (tmp_path / "r").exists()
    proc = run_cli("analyze", bad, "--out", tmp_path / "o")
    assert proc.returncode == 4 and not (tmp_path / "o").exists()


def test_an_unwritable_destination_is_refused_before_any_work(tmp_path, capsys, sample_rttm):
    (tmp_path / "a-file").write_text("x")
    for argv in (["analyze", str(sample_rttm), "--out", str(tmp_path / "a-file" / "out")],
                 ["recommend", str(sample_rttm), "--out", str(tmp_path / "a-file" / "cfg.json")],
                 ["report", str(sample_rttm), "--out", str(tmp_path / "a-file" / "r.html")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "cannot be written" in err and "a-file is not a writable folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


# --------------------------------------------------------------------------- audio, sides, remote folders, exports
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
    assert written == ["conv1.wav.notes.txt", "conv1.wav.rttm", "mono_pauses.ogg.notes.txt", "mono_pauses.ogg.rttm"]
    assert all((out / "segments" / n).stat().st_mode & 0o777 == 0o600 for n in written)
    # the notes say where the speakers came from, and the layout found
    assert "speaker_source=channels" in (out / "segments" / "conv1.wav.notes.txt").read_text()
    mono_notes = (out / "segments" / "mono_pauses.ogg.notes.txt").read_text()
    assert "speaker_source=diarisation" in mono_notes and "channel layout: mono" in mono_notes

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


def test_cli_diarise_method_chooses_how_mono_speakers_are_told_apart(tmp_path, capsys, monkeypatch):
    """samples/real/sample.wav (pyannote's sample, mono) holds overlapped speech in its reference RTTM: the
    default (segmentation) finds some of it, frames never gives two speakers at once."""
    from pathlib import Path

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)

    def rows(path):   # an independent reader: field positions of the RTTM format
        for line in Path(path).read_text().splitlines():
            f = line.split()
            yield f[7], float(f[3]), float(f[3]) + float(f[4])

    def overlaps(segs):
        return [(max(a[1], b[1]), min(a[2], b[2])) for i, a in enumerate(segs) for b in segs[i + 1:]
                if a[0] != b[0] and max(a[1], b[1]) < min(a[2], b[2])]

    found = {}
    for method in (None, "frames"):
        out = tmp_path / str(method)
        extra = [] if method is None else ["--diarise-method", method]
        assert main(["analyze", "samples/real/sample.wav", "--backend", "offline", "--speakers", "2", "--out",
                     str(out), "--json", *extra]) == 0
        capsys.readouterr()
        found[method] = overlaps(list(rows(out / "segments" / "sample.wav.rttm")))
    reference = overlaps(list(rows("samples/real/sample.rttm")))
    assert reference and found["frames"] == []
    assert found[None] and any(a < d and c < b for a, b in found[None] for c, d in reference)
    with pytest.raises(SystemExit) as stop:
        main(["analyze", "samples/real/sample.wav", "--backend", "offline", "--diarise-method", "kmeans"])
    assert stop.value.code == 2 and "invalid choice: 'kmeans'" in capsys.readouterr().err


def test_cli_speakers_must_be_positive(tmp_path, capsys):
    assert main(["analyze", "samples/synthetic/mono_pauses.ogg", "--backend", "offline", "--speakers", "0",
                 "--out", str(tmp_path)]) == 2
    assert "speakers must be a whole number >= 1" in capsys.readouterr().err


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
    rc = main(["recommend", "samples/synthetic/mono_pauses.ogg", "--backend", "offline", "--model", "silence",
               "--no-diarise"])
    out = capsys.readouterr().out
    assert rc == 0
    lines = out.splitlines()
    assert lines[2].startswith("!! SPEAKERS UNKNOWN in 1 of 1 file(s) (mono_pauses.ogg)")
    assert "speech found by the offline silero-lite detector" in out
    # diarised (the default; a real two-person mono recording), the speakers are estimated, not unknown,
    # and the warning says so
    assert main(["recommend", "samples/real/sample.wav", "--backend", "offline", "--model", "silence",
                 "--speakers", "2"]) == 0
    out = capsys.readouterr().out
    assert "SPEAKERS UNKNOWN" not in out
    assert "speakers in 1 file(s) were told apart by offline diarisation" in out


def test_analyze_a_remote_folder_on_a_process_pool_with_parquet_tables(tmp_path, capsys, monkeypatch, s3):
    """`turntune analyze s3://calls/month/ --executor process --table-format parquet`: the moto S3 server's
    copy of the samples gives the local folder's figures; the tables are Parquet."""
    pytest.importorskip("pyarrow")
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    monkeypatch.setenv("TURNTUNE_FETCH_DIR", str(tmp_path / "fetched"))
    assert main(["analyze", str(SYNTHETIC), "--backend", "offline", "--out", str(tmp_path / "local"), "--json"]) == 0
    local = json.loads(capsys.readouterr().out)
    code = main(["analyze", "s3://calls/month/", "--backend", "offline", "--executor", "process",
                 "--executor-workers", "2", "--table-format", "parquet", "--out", str(tmp_path / "s3"), "--json"])
    remote = json.loads(capsys.readouterr().out)
    assert code == 0  # notes.txt is skipped as not audio, which is no failure
    assert remote["aggregated_statistics"] == local["aggregated_statistics"]
    assert remote["per_file_results"] == local["per_file_results"]
    assert sorted(p.name.split(".", 1)[1] for p in (tmp_path / "s3").glob("*.parquet")) == [
        "pauses.parquet", "turn_ends.parquet"]


def _owner_only(path) -> bool:
    import stat

    return stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_analyze_exports_the_tables_beside_the_summary(tmp_path, fmt):
    import pandas as pd

    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
    call = tmp_path / "call.rttm"  # A talks 0-1 s and 1.3-2 s, B 2.3-3 s: gaps 300 and 300 ms
    call.write_text("SPEAKER call 1 0.0 1.0 <NA> <NA> A <NA> <NA>\n"
                    "SPEAKER call 1 1.3 0.7 <NA> <NA> A <NA> <NA>\n"
                    "SPEAKER call 1 2.3 0.7 <NA> <NA> B <NA> <NA>\n")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "turntune_nb", "analyze", str(call), "--out", str(out),
                           "--export", fmt, "--roles", "agent=A,customer=B"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    summary = next(out.glob("aggregated_analysis_*.json"))
    assert "Tables exported to:" in proc.stdout
    if fmt == "csv":
        speakers = pd.read_csv(summary.with_name(f"{summary.stem}.speakers.csv"))
        roles = pd.read_csv(summary.with_name(f"{summary.stem}.roles.csv"))
        written = sorted(p.name[len(summary.stem) + 1:] for p in out.glob(f"{summary.stem}.*.csv"))
        assert written == ["files.csv", "notes.csv", "overall.csv", "pause_summary.csv", "pauses.csv",
                           "recommendation.csv", "roles.csv", "speakers.csv", "transition_summary.csv",
                           "turn_ends.csv"]  # pauses and turn_ends are the summary's own tables
        assert all(_owner_only(p) for p in out.glob("*.csv"))
    else:
        book = summary.with_suffix(".xlsx")
        assert _owner_only(book)
        speakers = pd.read_excel(book, sheet_name="speakers")
        roles = pd.read_excel(book, sheet_name="roles")
    assert speakers[["speaker", "talk time (ms)", "turns"]].values.tolist() == [["A", 1700, 1], ["B", 700, 1]]
    assert roles[["role", "talk time (ms)"]].values.tolist() == [["agent", 1700], ["customer", 700]]
    assert roles["share of talk time"].tolist() == pytest.approx([1700 / 2400, 700 / 2400])


def test_analyze_json_with_export_prints_only_json(tmp_path, sample_rttm):
    proc = subprocess.run([sys.executable, "-m", "turntune_nb", "analyze", str(sample_rttm), "--json", "--out",
                           str(tmp_path), "--export", "csv"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["aggregated_statistics"]["total_gaps"] == 3
    assert len(list(tmp_path.glob("*.overall.csv"))) == 1


# --------------------------------------------------------------------------- interrupted
def test_an_analyze_interrupted_mid_run_saves_nothing_and_exits_130(tmp_path):
    """Ctrl+C after one of two recordings is transcribed (the other still at AssemblyAI): the README
    promises 130 with the state journaled, and no summary of the half that finished (not 0 or 3)."""
    import os
    import signal
    import time

    from tests.assemblyai_helpers import KEY, write_wavs
    from tests.conftest import ROOT
    from tests.fake_assemblyai import FakeAssemblyAI

    files = write_wavs(tmp_path / "calls", 2)
    common = ["--backend", "assemblyai", "--cache-dir", tmp_path / "cache", "--json"]
    with FakeAssemblyAI(api_key=KEY, processing_time=0.05) as fake:
        env = dict(os.environ, PYTHONPATH=str(ROOT), ASSEMBLYAI_API_KEY=KEY, ASSEMBLYAI_BASE_URL=fake.url,
                   ASSEMBLYAI_POLLING_INTERVAL="0.05")
        first = run_cli("analyze", files[0], *common, "--out", tmp_path / "first", env=env)
        assert first.returncode == 0, first.stderr  # call00 is in the cache now
        fake.options["processing_time"] = 600  # call01 will not be ready during the run
        jobs = fake.state.data["prerecorded"]["jobs"]
        proc = subprocess.Popen([sys.executable, "-m", "turntune_nb", "analyze", str(tmp_path / "calls"),
                                 *map(str, common), "--out", str(tmp_path / "out")], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while len(jobs) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        assert len(jobs) == 2, "call01 was never submitted"
        time.sleep(0.2)  # the run now waits for call01's job
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err and out == ""
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("aggregated_analysis_*"))


def test_analyze_writes_the_report_from_the_same_analysis(tmp_path, capsys, monkeypatch):
    """``analyze --report``: one analysis gives the summary and the report, and the report's data-driven setting
    is the one ``recommend`` then gives from the saved summary (the demo's two answers agree)."""
    from tests.conftest import SAMPLES

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    report = tmp_path / "share" / "report.html"
    assert main(["analyze", str(SAMPLES / "transcripts"), "--out", str(tmp_path), "--report", str(report)]) == 0
    assert f"Report written to: {report}" in flat(capsys.readouterr().out)
    summary = next(tmp_path.glob("aggregated_analysis_*.json"))
    assert main(["recommend", str(summary), "--json"]) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    html = report.read_text(encoding="utf-8")
    assert (f"min_turn_silence <b>{config['min_turn_silence']} ms</b>, max_turn_silence "
            f"<b>{config['max_turn_silence']} ms</b>") in html


def test_analyze_refuses_an_unwritable_report_folder_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = main(["analyze", "samples/transcripts", "--out", str(tmp_path / "o"), "--report", str(blocker / "r.html")])
    assert code == 2 and "The report's folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_nothing_analysable_exits_4_and_writes_nothing(tmp_path):
    """Files that are read but hold fewer than 2 utterances (and one whose every line is rejected): no
    figure can be measured, so exit 4, each file named once with its reason, no summary saved."""
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "one.json").write_text('{"status": "completed", "utterances": [{"speaker": "A", "start": 0, '
                                     '"end": 900, "text": "hi", "words": []}]}')
    (folder / "lone.csv").write_text("0,900,A\n")
    (folder / "bad.rttm").write_text("garbage line\nSPEAKER x 1 abc def <NA> <NA> A <NA> <NA>\n")
    proc = run_cli("analyze", folder, "--out", tmp_path / "out", "--json")
    assert proc.returncode == 4, proc.stderr
    assert not (tmp_path / "out").exists() and proc.stdout == ""
    assert [proc.stderr.count(name) for name in ("one.json", "lone.csv", "bad.rttm")] == [1, 1, 1], proc.stderr
    assert "fewer than 2 utterances (1)" in proc.stderr and "nothing was written" in proc.stderr


def test_a_named_pipe_and_a_symlink_loop_in_a_folder_are_named_with_their_reason(tmp_path, sample_rttm):
    import os

    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "call.rttm").write_bytes(sample_rttm.read_bytes())
    os.mkfifo(folder / "pipe.json")
    (folder / "loop.rttm").symlink_to("loop.rttm")
    proc = run_cli("analyze", folder, "--out", tmp_path / "out")
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.count("pipe.json") == 1 and "a named pipe (FIFO), not a regular file" in proc.stderr
    assert proc.stderr.count("loop.rttm") == 1 and "a symbolic link loop" in proc.stderr
