import base64
import dataclasses
import io
import re

from turntune_nb.analysis.model import Transcript, Utterance
from turntune_nb.analysis.readers import collect_transcripts
from turntune_nb.analysis.recommend import recommend_config
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


# --------------------------------------------------------------------------- hand-made cases
IMAGES = re.compile(r'src="data:image/([^;"]+);base64,([^"]*)"')


def small_result(name="call.wav", **kwargs):
    """One file, segment level: A 0-1000, A 1300-2000, B 2500-3500, A 4000-5000 ms.

    By hand: one pause inside A's first turn (300 ms, a hold), three turn ends
    (A at 2000, B at 3500, A at 5000), two speaker changes (gaps of 500 ms).
    """
    t = Transcript(name, (Utterance("A", 0, 1000), Utterance("A", 1300, 2000),
                          Utterance("B", 2500, 3500), Utterance("A", 4000, 5000)))
    return analyze_transcripts([t], **kwargs)


def test_report_escapes_title_skipped_files_and_configuration():
    result = small_result(failed=[{"filename": "<script>alert(1)</script>.wav",
                                   "reason": "decoder said <b>bad</b> & quit", "stage": "decode"}],
                          notes=["see <a href=x>here</a>"])
    result.recommendation = dataclasses.replace(
        result.recommendation, name="<i>Guide</i>",
        evidence={**result.recommendation.evidence, "reason": "gaps <u>long</u>"})
    rec = recommend_config(result)
    rec = dataclasses.replace(rec, config=dataclasses.replace(
        rec.config, name="<em>Mine</em>", description='fast <img src=y onerror="x()"> & loose'))
    text = render_report(result, rec, title="Calls <img src=x onerror=alert(2)>")

    assert "<script" not in text and "<img src=x" not in text and "<img src=y" not in text
    assert text.count("Calls &lt;img src=x onerror=alert(2)&gt;") == 2  # <title> and <h1>
    assert "<li>&lt;script&gt;alert(1)&lt;/script&gt;.wav: decoder said &lt;b&gt;bad&lt;/b&gt; &amp; quit</li>" in text
    assert "decoder said <b>bad" not in text
    assert '<div class="big">&lt;i&gt;Guide&lt;/i&gt;</div>' in text and "<i>Guide" not in text
    assert "<p>gaps &lt;u&gt;long&lt;/u&gt;</p>" in text and "<u>long" not in text
    assert '<div class="big">&lt;em&gt;Mine&lt;/em&gt;</div>' in text and "<em>Mine" not in text
    assert "<p>fast &lt;img src=y onerror=&quot;x()&quot;&gt; &amp; loose</p>" in text
    assert "<li>see &lt;a href=x&gt;here&lt;/a&gt;</li>" in text and "<a href" not in text


API_KEY = "0123456789abcdef0123456789abcdef"  # 32 hex digits, like an AssemblyAI key
TOKEN = "tmp-token-5e4d3c2b1a09f8e7d6c5"


def test_report_scrubs_the_api_key_and_the_temporary_token(monkeypatch):
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", API_KEY)
    monkeypatch.setenv("ASSEMBLYAI_TOKEN", TOKEN)
    result = small_result(
        name=f"call-{TOKEN}.wav", folder_path=f"recordings {API_KEY}",
        failed=[{"filename": f"k-{API_KEY}.wav", "reason": f"401 for key {API_KEY} and token {TOKEN}", "stage": "upload"}],
        notes=[f"token {TOKEN} expires soon", f"key {API_KEY} used"])
    text = render_report(result, title=f"Report {TOKEN} {API_KEY}")
    assert API_KEY not in text and TOKEN not in text
    assert "<h1>Report [redacted] [redacted]</h1>" in text
    assert "<li>k-[redacted].wav: 401 for key [redacted] and token [redacted]</li>" in text
    assert "<li>token [redacted] expires soon</li>" in text and "<li>key [redacted] used</li>" in text
    assert "<td>call-[redacted].wav</td>" in text  # the per-file table


def png_images(text):
    """The embedded images, decoded and checked: (kind, PIL image) per image."""
    from PIL import Image

    out = []
    for kind, data in IMAGES.findall(text):
        raw = base64.b64decode(data, validate=True)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        image = Image.open(io.BytesIO(raw))
        image.load()  # decodes every pixel: a corrupt stream raises here
        out.append((kind, image))
    return out


def test_report_images_are_valid_pngs():
    text = render_report(small_result())
    images = png_images(text)
    # transitions, pauses and a recommendation: offsets, pause ECDF, per file, trade-off
    assert [kind for kind, _ in images] == ["png"] * 4
    for _, image in images:
        assert image.size == (800, 420)  # render_figure's 8 x 4.2 inches at 100 dpi
        darkest, lightest = image.convert("L").getextrema()
        assert darkest < 128 < lightest  # something dark drawn on a light background


def test_report_scrub_leaves_the_image_data_alone(monkeypatch):
    """A secret that happens to occur inside an image's base64 is not a leak:
    the scrub runs over the prose only, so the images stay intact."""
    first = IMAGES.findall(render_report(small_result()))[0][1]  # the offsets histogram (no randomness)
    secret = first[len(first) // 2:len(first) // 2 + 24]
    monkeypatch.setenv("ASSEMBLYAI_TOKEN", secret)
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", API_KEY)
    text = render_report(small_result(notes=[f"token {secret} in a note"]))
    images = IMAGES.findall(text)
    assert images[0][1] == first
    prose = IMAGES.sub('src=""', text)
    assert secret not in prose and "<li>token [redacted] in a note</li>" in prose
    assert len(png_images(text)) == 4


def test_report_shows_the_recommendations_warnings():
    text = render_report(small_result())
    # 1 hold and 3 turn ends (see small_result); one recording, so only the per-hold Wilson interval
    # exists: 0 cuts in 1 hold, upper bound z^2 / (1 + z^2) with z = 1.96 -> 79.3 %
    assert ('<p class="warn">too few data to decide: 1 holds (want &gt;= 100) and 3 turn ends (want &gt;= 20); '
            "the cut-off rate lies anywhere in 0.0% - 79.3% (95%, per-hold Wilson, one recording): "
            "add recordings</p>") in text
    assert ('<p class="warn">no word timings: the punctuation rule cannot be applied; '
            "consider the silence-only rule (--model silence; model=&quot;silence&quot; in Python)</p>") in text


def test_report_card_says_n_a_when_there_are_no_holds(sample_rttm):
    from turntune_nb.analysis.readers import read_rttm

    result = analyze_transcripts(read_rttm(sample_rttm))
    assert len(result.pauses) == 0  # the sample's speakers never pause inside a turn
    text = render_report(result)
    assert "<p>false cut-offs <b>n/a</b>, mean latency" in text and "<b>nan%</b>" not in text


def test_report_puts_the_eot_bench_cells_beside_the_published_rows(data_dir, sample_rttm):
    import numpy as np

    from turntune_nb.analysis import columns as C

    transcripts, _ = collect_transcripts([sample_rttm, data_dir / "assemblyai"])
    result = analyze_transcripts(transcripts)
    rec = recommend_config(result, model="silence")
    text = render_report(result, rec)
    section = text.split("<h2>Beside the field's benchmarks</h2>", 1)[1].split("<h2>", 1)[0]
    # counted here with numpy: silence only at T = 300 ms (latency 300) cuts the holds of
    # 200-5000 ms longer than 300 ms
    p = result.pauses[C.PAUSE_MS].to_numpy()
    held = p[(p >= 200) & (p <= 5000)]
    mine = f"{np.count_nonzero(held > 300) / len(held):.1%}"
    row = re.search(r"<td>your recordings</td>\s*<td>all speakers: silence</td>\s*<td>([^<]*)</td>", section)
    assert row and row.group(1) == mine
    assert "49.4%" in section and "1049 ms" in section and "55.6%" in section and "1600 ms" in section
    assert "openai_server_vad (silence)" in section and "52.5%" in section
    assert "bootstrap; files are the independent units" in text and "per-hold Wilson" in text
    assert "pause_p10_ms" in text and "floor_transfer_median_ms" in text
