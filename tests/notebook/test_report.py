import dataclasses
import re
from html.parser import HTMLParser

from turntune_nb.analysis.model import Transcript, Utterance
from turntune_nb.analysis.readers import collect_transcripts
from turntune_nb.analysis.recommend import RecommendOptions, recommend_config
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.notebook.report import render_report, write_report

KEY = "tt-secret-9f8e7d6c5b4a3928"


def test_report_is_self_contained_and_holds_no_key_or_absolute_path(tmp_path, monkeypatch, data_dir, sample_rttm):
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    transcripts, failed = collect_transcripts([sample_rttm, data_dir / "assemblyai"])
    result = analyze_transcripts(transcripts, folder_path=str(data_dir.resolve()),
                                 failed=[{"filename": "x.wav",
                                          "reason": f"upload failed for {tmp_path}/x.wav with key {KEY}"}],
                                 notes=[f"cache in {tmp_path.resolve()}/cache"])
    path = write_report(result, tmp_path / "report.html")
    text = path.read_text()
    assert KEY not in text
    assert str(tmp_path) not in text and str(data_dir.resolve()) not in text
    assert "<script" not in text and "http://" not in text and "https://" not in text.split("<body>", 1)[1]
    # the figures are inline SVG, the tables and the guide's preset are there
    assert text.count("<svg") >= 3 and "<img" not in text
    assert "Conservative" in text and "wildfires_speaker_labels_truncated.json" in text
    assert "x.wav" in text and "[redacted]" in text


def test_report_states_the_overlap_share(sample_rttm):
    from turntune_nb.analysis.readers import read_rttm

    text = render_report(analyze_transcripts(read_rttm(sample_rttm)))
    # sample: 3 gaps and 5 overlaps (tests/notebook/test_plots.py counts them)
    assert "62% of speaker changes overlap (5 of 8;" in text


def test_report_command(tmp_path, monkeypatch, sample_rttm, data_dir, capsys):
    from turntune_nb.cli import main

    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    out = tmp_path / "share" / "report.html"
    args = ["report", str(sample_rttm), str(data_dir / "assemblyai"), "--out", str(out), "--title", "Q3 calls"]
    assert main(args) == 0
    assert f"Report written to: {out}" in " ".join(capsys.readouterr().out.split())  # the path alone when long
    text = out.read_text()
    assert "<h1>Q3 calls</h1>" in text and "Data-driven" in text
    assert "Trade-off: false cut-offs against latency" in text
    assert KEY not in text and str(tmp_path) not in text and str(data_dir.resolve()) not in text
    assert main(["report", str(sample_rttm), "--out", str(out), "--target-cutoff", "2"]) == 2


# --------------------------------------------------------------------------- hand-made cases


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
        failed=[{"filename": f"k-{API_KEY}.wav", "reason": f"401 for key {API_KEY} and token {TOKEN}",
                 "stage": "upload"}],
        notes=[f"token {TOKEN} expires soon", f"key {API_KEY} used"])
    text = render_report(result, title=f"Report {TOKEN} {API_KEY}")
    assert API_KEY not in text and TOKEN not in text
    assert "<h1>Report [redacted] [redacted]</h1>" in text
    assert "<li>k-[redacted].wav: 401 for key [redacted] and token [redacted]</li>" in text
    assert "<li>token [redacted] expires soon</li>" in text and "<li>key [redacted] used</li>" in text
    assert "<td>call-[redacted].wav</td>" in text  # the per-file table


def test_report_scrub_leaves_the_drawing_data_alone(monkeypatch):
    """A secret that happens to occur inside a figure's drawing data is not a leak:
    the scrub runs over prose and the figures' text only, so the drawings stay intact."""
    first = re.search(r"<svg.*?</svg>", render_report(small_result()), re.S).group(0)  # offsets (no randomness)
    path = max(re.findall(r' d="([^"]+)"', first), key=len)
    secret = path[len(path) // 2:len(path) // 2 + 24]
    monkeypatch.setenv("ASSEMBLYAI_TOKEN", secret)
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", API_KEY)
    text = render_report(small_result(notes=[f"token {secret} in a note"]))
    assert re.search(r"<svg.*?</svg>", text, re.S).group(0) == first
    prose = re.sub(r"<svg.*?</svg>", "", text, flags=re.S)
    assert secret not in prose and "<li>token [redacted] in a note</li>" in prose


def test_report_shows_the_recommendations_warnings():
    text = render_report(small_result())
    # 1 hold and 3 turn ends (see small_result); one recording, so only the per-hold Wilson interval
    # exists: 0 cuts in 1 hold, upper bound z^2 / (1 + z^2) with z = 1.96 -> 79.3 %
    assert ('<p class="warn">too few data to decide: 1 holds and 3 turn ends, where at least 100 holds and 20 '
            "turn ends are wanted; the cut-off rate lies anywhere in 0.0% – 79.3% (95%, per-hold Wilson, one "
            "recording): this setting is a first guess and the guide&#x27;s preset stands until more recordings "
            "settle it</p>") in text
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
    rec = recommend_config(result, RecommendOptions(model="silence"))
    text = render_report(result, rec)
    section = text.split("<h2>Beside the field's benchmarks</h2>", 1)[1].split("<h2>", 1)[0]
    # counted here with numpy: silence only at T = 300 ms (latency 300) cuts the holds of
    # 200-5000 ms longer than 300 ms
    p = result.pauses[C.PAUSE_MS].to_numpy()
    held = p[(p >= 200) & (p <= 5000)]
    mine = f"{np.count_nonzero(held > 300) / len(held):.1%}"
    row = re.search(r"<td>your recordings</td>\s*<td>all speakers: silence</td>\s*<td class=num>([^<]*)</td>",
                    section)
    assert row and row.group(1) == mine
    assert "49.4%" in section and ">1,049<" in section and "55.6%" in section and ">1,600<" in section
    assert "openai_server_vad (silence)" in section and "52.5%" in section
    assert "bootstrap; files are the independent units" in text and "per-hold Wilson" in text
    # readable headers, never the machine names
    assert "pause p10 (ms)" in text and "median floor transfer (ms)" in text
    assert "pause_p10_ms" not in text and "floor_transfer_median_ms" not in text


# --------------------------------------------------------------------------- the page, parsed
class Page(HTMLParser):
    """The report parsed with the standard library: tables (headers, rows), SVG figures
    (their root attributes, tick labels, text), every tag name, the definitions box."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.tables, self.svgs, self.definitions = set(), [], [], {}
        self._cell = self._svg_depth = self._tick = None
        self._in_dl, self._dt, self._dd = False, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "table":
            self.tables.append({"headers": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self._cell = [tag, ""]
        elif tag == "svg":
            self.svgs.append({"attrs": a, "ticks": [], "text": [], "ids": set(), "refs": set(), "colors": [],
                              "uses": 0})
            self._svg_depth = 0
        elif tag == "dl" and a.get("class") == "definitions":
            self._in_dl = True
        elif self._in_dl and tag in ("dt", "dd"):
            self._dt, self._dd = (("", None) if tag == "dt" else (self._dt, ""))
        if self._svg_depth is not None:
            self._svg_depth += 1
            svg = self.svgs[-1]
            if "id" in a:
                svg["ids"].add(a["id"])
                tick = re.search(r"([xy])tick_\d+$", a["id"])
                if tick:
                    self._tick = self._svg_depth
                    svg["ticks"].append((tick.group(1), []))  # ("x" or "y", the text pieces of one tick)
            for v in a.values():
                svg["refs"].update(re.findall(r"url\(#([^)]+)\)", v or ""))
            if a.get("href", "").startswith("#"):
                svg["refs"].add(a["href"][1:])
                svg["uses"] += tag == "use" and not self._tick  # a marker drawn (a point), not a tick mark
            svg["colors"] += re.findall(r"(?:fill|stroke): *(#[0-9a-f]{6})", a.get("style", ""))

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell:
            kind, value = self._cell
            table = self.tables[-1]
            if kind == "th" and not table["rows"][1:]:
                table["headers"].append(value.strip())
            else:
                table["rows"][-1].append(value.strip())
            self._cell = None
        elif tag == "tr" and self.tables and not self.tables[-1]["rows"][-1]:
            self.tables[-1]["rows"].pop()
        elif tag == "dd" and self._in_dl:
            self.definitions[self._dt.strip()] = " ".join(self._dd.split())
            self._dd = None
        elif tag == "dl":
            self._in_dl = False
        if self._svg_depth is not None:
            if self._tick == self._svg_depth:
                self._tick = None
            self._svg_depth -= 1
            if self._svg_depth == 0:
                self._svg_depth = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data
        if self._dd is not None:
            self._dd += data
        elif self._in_dl and self._dt is not None and self._dd is None:
            self._dt += data
        if self._svg_depth is not None and data.strip():
            self.svgs[-1]["text"].append(data.strip())
            if self._tick is not None:
                self.svgs[-1]["ticks"][-1][1].append(data.strip())

    def table_with(self, header):
        """The first table having this header, as a list of {header: cell} rows."""
        for t in self.tables:
            if header in t["headers"]:
                return [dict(zip(t["headers"], r)) for r in t["rows"]]
        raise AssertionError(f"no table with {header!r}: {[t['headers'] for t in self.tables]}")


def two_files():
    """Two hand-made files; every count below is worked out by hand from these segments.

    one.wav: A 0-1000, A 1300-2000, B 2500-3500, A 4000-5000
        guide (consecutive in start order, positive): 300 (A-A), 500 (A-B), 500 (B-A): 3 gaps, 2 between speakers
        transitions: pause 300, gap 500, gap 500; turn ends: A at 2000, B at 3500, A at 5000 (file end)
    two.wav: A 0-3000, B 1000-1400, B 2800-4000, A 4300-5000, A 5050-6000
        guide: 1000-3000 is negative; 1400 -> 2800 (B-B) 1400; 4000 -> 4300 (B-A) 300; 5000 -> 5050 (A-A) 50:
        3 gaps, 1 between speakers
        transitions: B 1000-1400 lies inside A's talk (a backchannel); B 2800 starts 200 ms before A's end at
        3000 and talks on (an overlap); A 4300 after B's end (gap 300); A 5050 (pause 50)
        turn ends: A at 3000 (before the overlap), B at 4000 (before the gap), A at 6000 (file end)
    Together: 9 segments; guide 6 gaps = 3 between + 3 within; speaker changes 4 = 3 gaps + 1 overlap;
    1 backchannel; 2 pauses (300, 50), 1 of them a hold (>= 100 ms); 6 turn ends = 4 changes + 2 file ends.
    """
    t1 = Transcript("one.wav", (Utterance("A", 0, 1000), Utterance("A", 1300, 2000), Utterance("B", 2500, 3500),
                                Utterance("A", 4000, 5000)))
    t2 = Transcript("two.wav", (Utterance("A", 0, 3000), Utterance("B", 1000, 1400), Utterance("B", 2800, 4000),
                                Utterance("A", 4300, 5000), Utterance("A", 5050, 6000)))
    return analyze_transcripts([t1, t2])


def test_definitions_state_each_count_and_agree_with_the_tables():
    result = two_files()
    rec = recommend_config(result)
    page = Page(render_report(result, rec))
    d = page.definitions
    assert d["segment"].startswith("9 segments in 2 file(s)") and "(9 in the 2 file(s) with a gap" in d["segment"]
    assert d["gap (the guide's count)"].startswith("6 gaps in the files with one")
    assert "3 between two speakers and 3 between one speaker's own segments" in d["gap (the guide's count)"]
    assert d["speaker change = gap + overlap"].startswith("4 speaker changes = 3 gaps + 1 overlaps.")
    assert d["backchannel (contained)"].startswith("1 backchannels")
    assert d["pause"].startswith("2 pauses between segments") and "0 silences between words" in d["pause"]
    assert "2 pauses inside turns, of which 1 are holds" in d["pause"]
    assert d["turn end"].startswith("6 turn ends")
    assert "speaker change (4) and the end of each file (2)" in d["turn end"]
    # the setting's figures by the rule: the 300 ms hold is segment-level (punctuation unknown), so the
    # pessimistic bound fires at min_turn_silence: a cut only if min_turn_silence <= 300; every turn end is
    # waited out to max_turn_silence
    cfg = rec.config
    cuts = int(cfg.min_turn_silence <= 300)
    assert f"{cuts} of 1 holds = {cuts:.1%}" in d["cut-off rate"]
    assert f"mean {cfg.max_turn_silence:,} ms over 6 turn ends" in d["latency"]

    # the tables say the same
    # the guide's 6 gaps: 300, 500, 500, 1400, 300, 50: mean 3050 / 6 = 508.3, median (300 + 500) / 2,
    # variability 1400 / 508.3 = 2.75
    overall = page.table_with("gaps (guide)")
    assert overall == [{"files with gaps": "2", "segments": "9", "gaps (guide)": "6", "mean gap (ms)": "508",
                        "median gap (ms)": "400", "shortest gap (ms)": "50", "longest gap (ms)": "1,400",
                        "variability (longest gap / mean gap)": "2.75", "variability": "MODERATE"}]
    kinds = {r["kind"]: r["count"] for r in page.table_with("% of speaker changes")}
    assert kinds == {"gap": "3", "overlap": "1", "pause (same speaker)": "2", "backchannel (contained)": "1"}
    per_file = page.table_with("backchannels")
    assert [(r["file"], r["gaps"], r["overlaps"], r["backchannels"], r["pauses"], r["overlaps (% of speaker changes)"])
            for r in per_file] == [("one.wav", "2", "0", "0", "1", "0.0%"), ("two.wav", "1", "1", "1", "1", "50.0%")]
    assert [r["gaps (guide)"] for r in page.table_with("median floor transfer (ms)")] == ["3", "3"]


def test_tables_have_readable_headers_and_formats(data_dir, sample_rttm):
    transcripts, _ = collect_transcripts([sample_rttm, data_dir / "assemblyai"])
    page = Page(render_report(analyze_transcripts(transcripts)))
    assert len(page.tables) >= 7
    headers = [h for t in page.tables for h in t["headers"]]
    assert not [h for h in headers if "_" in h], headers  # no snake_case beside readable names
    assert page.table_with("speakers from")[0].keys() == {
        "file", "speakers from", "speakers", "segments", "gaps", "overlaps", "overlaps (% of speaker changes)",
        "backchannels", "pauses"}
    # sample: 5 overlaps of 8 speaker changes; shares as %, ms as integers
    sample = page.table_with("speakers from")[0]
    assert sample["file"] == "sample" and sample["overlaps (% of speaker changes)"] == "62.5%"
    for row in page.table_with("median floor transfer (ms)"):
        for k, v in row.items():
            if k.endswith("(ms)"):
                assert re.fullmatch(r"–|-?\d{1,3}(,\d{3})*", v), (k, v)


def test_tables_scroll_in_their_own_box_and_the_page_follows_the_colour_scheme():
    text = render_report(small_result())
    assert text.count('<div class="table-wrap"><table>') == text.count("<table>")
    assert ".table-wrap{overflow-x:auto" in text
    assert "@media (prefers-color-scheme: dark)" in text and "color-scheme:light dark" in text
    dark = render_report(small_result(), theme="dark")
    assert "prefers-color-scheme" not in dark and "color-scheme:dark;--fg:#e6edf3;--bg:#0d1117" in dark


def test_figures_are_inline_svg_in_the_page_colour_with_plain_ticks():
    page = Page(render_report(two_files()))
    assert "img" not in page.tags and "script" not in page.tags
    assert len(page.svgs) == 4  # offsets, pauses, per file, trade-off
    all_ids = []
    for svg in page.svgs:
        # vector, scaled to the column: no fixed pixel size to blur
        assert svg["attrs"]["width"] == "100%" and "height" not in svg["attrs"] and svg["attrs"]["viewbox"]
        # ink in the surrounding text colour, no white or black blocks
        assert svg["colors"] and "#ffffff" not in svg["colors"] and "#000000" not in svg["colors"]
        assert svg["refs"] <= svg["ids"]  # every clip path / marker it uses is its own
        all_ids += list(svg["ids"])
        assert sum(1 for _, pieces in svg["ticks"] if pieces) >= 4  # the labels were found
        for axis, pieces in svg["ticks"]:
            if not pieces:
                continue  # an unlabelled (minor) tick
            # one plain piece per label (mathtext such as 3x10^2 is several), a number or a file name
            assert len(pieces) == 1, pieces
            pattern = r"\u2212?\d{1,3}(,\d{3})*%?" if axis == "x" or svg is not page.svgs[2] else r"(one|two)\.wav"
            assert re.fullmatch(pattern, pieces[0]), (axis, pieces)
    assert len(all_ids) == len(set(all_ids))
    text = render_report(two_files())
    assert all("currentColor" in s for s in re.findall(r"<svg.*?</svg>", text, re.S))


def test_peer_stack_equivalents_are_the_recommendations_export(data_dir, sample_rttm):
    transcripts, _ = collect_transcripts([sample_rttm, data_dir / "assemblyai"])
    result = analyze_transcripts(transcripts)
    rec = recommend_config(result, RecommendOptions())
    rows = {r["stack"]: r for r in Page(render_report(result, rec)).table_with("how close")}
    lo, hi, silence = rec.config.min_turn_silence, rec.config.max_turn_silence, rec.silence_equivalent_ms
    assert silence is not None
    # the mapping as export.py documents it: AssemblyAI as is; silence timers get the silence-only
    # equivalent; LiveKit and Pipecat in seconds
    # the config names universal-3-6-pro and its balanced preset (128/1280 ms): it sends only what differs
    sent = "; ".join([f"{k} = {v}" for k, v in (("min_turn_silence", lo), ("max_turn_silence", hi))
                      if v != {"min_turn_silence": 128, "max_turn_silence": 1280}[k]])
    assert rows["AssemblyAI"]["setting"] == "; ".join(filter(None, ["speech_model = universal-3-6-pro",
                                                                     "mode = balanced", sent]))
    for plugin in ("LiveKit Agents' AssemblyAI plugin", "Pipecat's AssemblyAISTTService"):
        assert rows[plugin]["setting"] == rows["AssemblyAI"]["setting"] and rows[plugin]["how close"].startswith(
            "exact")
    assert all("universal-3-6-pro" in r["written for"] for r in rows.values())
    assert rows["Deepgram"]["setting"] == f"endpointing = {silence}"
    assert rows["LiveKit Agents"]["setting"] == (f"min_endpointing_delay = {lo / 1000:g}; "
                                                 f"max_endpointing_delay = {hi / 1000:g}")
    assert rows["Pipecat"]["setting"] == f"VADParams.stop_secs = {silence / 1000:g}"
    assert rows["OpenAI Realtime"]["setting"] == (f"turn_detection.type = server_vad; "
                                                  f"turn_detection.silence_duration_ms = {silence}")
    assert rows["AssemblyAI"]["how close"].startswith("exact")
    assert rows["LiveKit Agents"]["how close"].startswith("loose")
    assert all(rows[s]["how close"].startswith("close in cut-offs") for s in ("Deepgram", "Pipecat", "OpenAI Realtime"))


def test_method_and_caveats_come_with_the_report(data_dir):
    result = analyze_transcripts(collect_transcripts([data_dir / "assemblyai"])[0])
    text = render_report(result)
    # the words-only file has one undivided speaker: the caveat is read first, before the recommendation
    assert text.index("<h2>Read first</h2>") < text.index("SPEAKERS UNKNOWN") < text.index("<h2>Recommendation</h2>")
    method = text.split("<h2>Method</h2>", 1)[1]
    assert "transcripts and speaker segmentations read from files" in method
    assert "the transcripts&#x27; own speaker labels: 1 file(s); unknown: one undivided speaker: 1 file(s)" in method
    assert "universal-3-6-pro&#x27;s punctuation rule" in method and "at most 5% false cut-offs" in method
    assert "universal-3-6-pro: starts from the balanced preset (128/1280 ms); sends" in method
    assert "bootstrap over recordings: files are the independent units, resampled with replacement" in method


def test_report_theme_is_checked():
    import pytest

    from turntune_nb.errors import ConfigError

    with pytest.raises(ConfigError, match="theme must be one of auto, light, dark"):
        render_report(small_result(), theme="sepia")


def test_a_side_and_an_empty_analysis():
    # speaker A only (two_files by hand): the transitions after A's talk are one.wav's pause and A->B gap,
    # two.wav's backchannel, overlap and pause; A's turn ends are at 2000 and 5000, and 3000 and 6000
    page = Page(render_report(two_files().for_speakers(speakers=["A"])))
    d = page.definitions
    assert d["speaker change = gap + overlap"].startswith("2 speaker changes = 1 gaps + 1 overlaps.")
    assert d["backchannel (contained)"].startswith("1 backchannels") and d["pause"].startswith("2 pauses")
    assert d["turn end"].startswith("4 turn ends")
    assert d["gap (the guide's count)"].startswith("6 gaps")  # the whole conversation's, as the note says
    text = render_report(two_files().for_speakers(speakers=["A"]))
    assert "Restricted to speaker A: the transitions, pauses and turn ends are that side's" in text
    empty = render_report(analyze_transcripts([]))
    assert "<h2>Per file</h2>" not in empty and "<script" not in empty
    assert Page(empty).definitions["segment"].startswith("0 segments in 0 file(s)")


def test_holds_by_speaker_are_drawn_when_two_speakers_pause():
    # A pauses 400 ms (1000 -> 1400) and 150 ms (2000 -> 2150); B pauses 600 ms (3500 -> 4100) and 50 ms
    # (4500 -> 4550), which is no hold: 3 holds, 2 on A's row, 1 on B's
    t = Transcript("call.wav", (Utterance("A", 0, 1000), Utterance("A", 1400, 2000), Utterance("A", 2150, 2600),
                                Utterance("B", 3000, 3500), Utterance("B", 4100, 4500), Utterance("B", 4550, 5000)))
    page = Page(render_report(analyze_transcripts([t])))
    by_speaker = [s for s in page.svgs if any(p == ["A"] for a, p in s["ticks"] if a == "y")]
    assert len(by_speaker) == 1
    assert [p[0] for a, p in by_speaker[0]["ticks"] if a == "y" and p] == ["A", "B"]
    assert by_speaker[0]["uses"] == 3
    # one speaker only pausing: no such figure (two_files: only A's 300 ms pause is a hold)
    assert not [s for s in Page(render_report(two_files())).svgs if any(p == ["A"] for a, p in s["ticks"])]


def test_pauses_between_words_and_between_segments_add_up():
    from turntune_nb.analysis.model import Word

    # A's first segment has a 300 ms silence between "b" and "c" (the 8 ms between "a" and "b" is no pause);
    # then A again after 300 ms (900 -> 1200): a pause between segments, though its segment has words
    t = Transcript("w.json", (
        Utterance("A", 0, 900, "a b c.", (Word("a", 0, 200), Word("b", 208, 400), Word("c.", 700, 900))),
        Utterance("A", 1200, 1500, "d.", (Word("d.", 1200, 1500),)),
        Utterance("B", 2000, 2500, "e.", (Word("e.", 2000, 2500),))))
    d = Page(render_report(analyze_transcripts([t]))).definitions
    assert d["pause"].startswith("1 pauses between segments") and "with the 1 silences between words" in d["pause"]
    assert "2 pauses inside turns, of which 2 are holds" in d["pause"]


def test_every_date_in_one_format(sample_rttm):
    from turntune_nb.analysis.readers import read_rttm

    result = dataclasses.replace(analyze_transcripts(read_rttm(sample_rttm)), analysis_date="2026-03-04T05:06:07")
    meta = re.search(r'<p class="meta">(.*?)</p>', render_report(result)).group(1)
    # the analysis' ISO stamp and the writing time, both YYYY-MM-DD HH:MM; no "T", no seconds
    assert "on 2026-03-04 05:06;" in meta
    stamps = re.findall(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?", meta)
    assert len(stamps) == 2 and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", s) for s in stamps)
