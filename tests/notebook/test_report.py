import re

from turntune_nb.analysis.readers import collect_transcripts
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.notebook.report import render_report, write_report

KEY = "tt-secret-9f8e7d6c5b4a3928"


def test_report_is_self_contained_and_holds_no_key_or_absolute_path(tmp_path, monkeypatch, data_dir, sample_rttm):
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    transcripts, failed = collect_transcripts([sample_rttm, data_dir / "assemblyai"])
    result = analyze_transcripts(transcripts, folder_path=str(data_dir.resolve()),
                                 failed=[{"filename": "x.wav", "reason": f"upload failed for {tmp_path}/x.wav with key {KEY}"}],
                                 notes=[f"cache in {tmp_path.resolve()}/cache"])
    path = write_report(result, tmp_path / "report.html")
    text = path.read_text()
    assert KEY not in text
    assert str(tmp_path) not in text and str(data_dir.resolve()) not in text
    assert "<script" not in text and "http://" not in text and "https://" not in text.split("<body>", 1)[1]
    # the figures are embedded, the tables and the guide's preset are there
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', text)) >= 3
    assert "Conservative" in text and "wildfires_speaker_labels_truncated.json" in text
    assert "x.wav" in text and "[redacted]" in text


def test_report_states_the_overlap_share(sample_rttm):
    from turntune_nb.analysis.readers import read_rttm

    text = render_report(analyze_transcripts(read_rttm(sample_rttm)))
    assert "62% of speaker changes overlap" in text


def test_report_command(tmp_path, monkeypatch, sample_rttm, data_dir, capsys):
    from turntune_nb.cli import main

    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    out = tmp_path / "share" / "report.html"
    assert main(["report", str(sample_rttm), str(data_dir / "assemblyai"), "--out", str(out), "--title", "Q3 calls"]) == 0
    assert f"Report written to: {out}" in capsys.readouterr().out
    text = out.read_text()
    assert "<h1>Q3 calls</h1>" in text and "Data-driven" in text
    assert "Trade-off: false cut-offs against latency" in text
    assert KEY not in text and str(tmp_path) not in text and str(data_dir.resolve()) not in text
    assert main(["report", str(sample_rttm), "--out", str(out), "--target-cutoff", "2"]) == 2
