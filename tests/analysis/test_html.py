"""The notebook's HTML: formatted values worked out by hand, caveats first, one table per
concept, no script, no colour of its own (JupyterLab's light and dark themes)."""

from __future__ import annotations

import re

import pytest

from tests.analysis.test_markup import row_value, theme_safe
from tests.analysis.test_speakers import CALL1, CALL2
from turntune_nb.analysis.html import MAX_ROWS
from turntune_nb.analysis.model import Transcript, Utterance as U
from turntune_nb.analysis.results import analyze_transcripts

MONO = Transcript("mono.wav", [U("UNKNOWN", 0, 1000), U("UNKNOWN", 1500, 3000)], speaker_source="unknown")


def test_a_result_shows_caveats_first_then_one_table_per_concept():
    result = analyze_transcripts([CALL1, CALL2, MONO])
    html = result._repr_html_()
    theme_safe(html)
    # the caveat (speakers unknown in mono.wav) comes before any table
    assert html.index("SPEAKERS UNKNOWN in 1 of 3 file(s)") < html.index("<table")
    assert "3 files</b> analysed (transcript files), 0 skipped" in html
    captions = re.findall(r"<caption[^>]*>([^<]*)</caption>", html)
    assert captions == ["Overall", "The guide&#x27;s preset", "Files",
                        "Per speaker (cut-off rate at Aggressive (160/400 ms), universal-3-6-pro)"]
    assert html.count("<table") == 6  # + transitions and pauses, folded in <details>
    # guide gaps 400, 300, 1000, 600, 500, 100, 500: mean 485.714 -> "486", median 500, longest 1,000
    assert row_value(html, "mean gap (ms)") == "486"
    assert row_value(html, "median gap (ms)") == "500"
    assert row_value(html, "longest gap (ms)") == "1,000"
    assert row_value(html, "overlaps (% of speaker changes)") == "20.0%"  # 1 overlap in 5 speaker changes
    assert row_value(html, "transcripts from") == "transcript files"
    assert row_value(html, "min_turn_silence (ms)") == "160"
    # per speaker: call1's A talks 2800 of 4700 ms; the mono file's speaker changes are unknown
    assert "<td>2,800</td><td>59.6%</td><td>2</td>" in html
    assert re.search(r">mono\.wav</td><td[^>]*>UNKNOWN</td><td>2,500</td><td>100\.0%</td><td>–</td>", html)


def test_roles_add_their_table():
    from turntune_nb.analysis.html import result_html

    out = result_html(analyze_transcripts([CALL1, CALL2]), roles="agent=A,customer=B")
    assert "Per role (cut-off rate at" in out
    # agent: 4200 of 7100 ms -> 59.2%; customer 2900 -> 40.8%
    assert re.search(r">agent</td><td>2</td><td[^>]*>A</td><td>4,200</td><td>59\.2%</td>", out)
    assert re.search(r">customer</td><td>2</td><td[^>]*>B</td><td>2,900</td><td>40\.8%</td>", out)


def test_text_is_escaped_and_long_tables_say_how_many_rows_are_left():
    calls = [Transcript(f"<b>call {i}</b>", [U("A", 0, 1000), U("B", 1300, 2000)]) for i in range(MAX_ROWS + 2)]
    html = analyze_transcripts(calls)._repr_html_()
    assert "<b>call" not in html and "&lt;b&gt;call 0&lt;/b&gt;" in html
    assert "… 2 more row(s): result.files has them all" in html
    assert "… 34 more row(s): result.speakers has them all" in html  # 64 speakers, 30 shown


def test_a_recommendation_shows_warnings_first_and_percentages():
    from turntune_nb.analysis.recommend import RecommendOptions, recommend_config

    # one setting only: a silence-only endpointer at 500 ms cuts B's 600 ms pause, not A's 400 ms one
    options = RecommendOptions(model="silence", target_cutoff=0.5, thresholds=[500])
    rec = recommend_config(analyze_transcripts([CALL1, CALL2]), options)
    html = rec._repr_html_()
    theme_safe(html)
    assert html.index("too few data to decide") < html.index("<table")
    assert "min_turn_silence 500 ms, max_turn_silence 500 ms" in html
    assert "target: at most 50.0% false cut-offs" in html
    assert re.search(r">cut-off rate</th><td[^>]*>50\.0%</td>", html)
    assert re.search(r">mean latency \(ms\)</th><td[^>]*>500</td>", html)
    assert re.search(r">pauses inside turns</th><td[^>]*>2</td>", html)
    assert "<p>silence-only threshold 500 ms (no AssemblyAI preset)</p>" in html
    # on the default model it says which preset the setting starts from
    rec = recommend_config(analyze_transcripts([CALL1, CALL2]), RecommendOptions(target_cutoff=0.5, mins=[128],
                                                                                 maxs=[1280]))
    assert ("<p>universal-3-6-pro: starts from the balanced preset (128/1280 ms); sends nothing else "
            "(the preset as it is)</p>") in rec._repr_html_()


# --------------------------------------------------------------------------- a real page: JupyterLab + Chromium
_CONTRAST_JS = """
() => {
  const lum = (c) => {
    const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      const alpha = c.startsWith('rgba') ? Number(c.match(/[\\d.]+/g)[3]) : 1;
      if (alpha > 0.5) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const root = document.querySelector('.jp-OutputArea-output .turntune');
  const out = {};
  for (const [name, sel] of [['cell', 'td'], ['header', 'th'], ['caption', 'caption'], ['caveat', 'div > b']]) {
    const el = root.querySelector(sel);
    const fg = lum(getComputedStyle(el).color), bg = lum(background(el));
    out[name] = {contrast: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05), background: bg};
  }
  return out;
}
"""


@pytest.mark.browser
@pytest.mark.slow
def test_the_display_reads_in_jupyterlab_light_and_dark(tmp_path):
    import re as _re

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from tests.browser import browser_unavailable_reason, chromium_page, running_jupyterlab
    from tests.conftest import ROOT

    if reason := browser_unavailable_reason():
        pytest.skip(reason)
    from tests.notebook.test_browser import open_and_run_all

    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    nb = new_notebook(cells=[new_code_cell(
        "from turntune_nb import Transcript, Utterance, analyze_transcripts, read_rttm\n"
        f"mono = Transcript('mono.wav', [Utterance('UNKNOWN', 0, 1000), Utterance('UNKNOWN', 1500, 3000)], "
        "speaker_source='unknown')\n"
        f"analyze_transcripts(read_rttm({str(ROOT / 'samples' / 'real' / 'sample.rttm')!r}) + [mono])")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(root / "notebooks" / "display.ipynb"))
    artifacts = ROOT / "test-artifacts" / "browser"
    artifacts.mkdir(parents=True, exist_ok=True)
    with running_jupyterlab(root, tmp_path / "state", env={"PYTHONPATH": str(ROOT)}) as lab, \
            chromium_page(width=1000, height=3200) as page:
        open_and_run_all(page, lab, "display.ipynb")
        page.wait_for_selector(".jp-OutputArea-output .turntune table", timeout=120_000)
        seen = {}
        for theme in ("light", "dark"):
            if theme == "dark":
                page.locator(".lm-MenuBar-itemLabel", has_text=_re.compile(r"^Settings$")).click()
                page.locator(".lm-Menu-itemLabel", has_text=_re.compile(r"^Theme$")).click()
                page.locator(".lm-Menu-itemLabel", has_text=_re.compile(r"^JupyterLab Dark$")).click()
                page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
                page.wait_for_timeout(500)  # the theme's stylesheet applied
            seen[theme] = page.evaluate(_CONTRAST_JS)
            page.locator(".jp-OutputArea-output .turntune").screenshot(path=str(artifacts / f"display-{theme}.png"))
        for theme, parts in seen.items():
            for part, m in parts.items():
                assert m["contrast"] >= 4.5, (theme, part, m)  # WCAG AA for text
        assert seen["light"]["cell"]["background"] > 0.8 and seen["dark"]["cell"]["background"] < 0.1


def test_latency_without_spread_is_said_in_words_not_as_a_zero_width_interval():
    from turntune_nb.analysis.recommend import RecommendOptions, recommend_config

    # silence-only at 500 ms: every turn end waits 500 ms, in every file: no spread, no interval
    rec = recommend_config(analyze_transcripts([CALL1, CALL2]),
                           RecommendOptions(model="silence", target_cutoff=0.5, thresholds=[500]))
    html = rec._repr_html_()
    assert "; latency is max_turn_silence at every turn end (500 ms)." in html and "mean latency 500" not in html
    assert not re.search(r"500\s*[–-]\s*500", html)


def test_a_notebook_says_each_caveat_of_the_analysis_once():
    """Notebook 01 shows the result, then the recommendation: the analysis's caveats stand out once (with the
    result); the recommendation folds them away and keeps its own warnings in the boxes."""
    from dataclasses import replace

    from turntune_nb.analysis.recommend import RecommendOptions, recommend_config

    result = replace(analyze_transcripts([CALL1, CALL2]), caveats=["SPEECH FOUND BY A DETECTOR: a test caveat"])
    rec = recommend_config(result, RecommendOptions(model="silence", target_cutoff=0.5, thresholds=[500]))
    assert rec.warnings[0] == "SPEECH FOUND BY A DETECTOR: a test caveat" and rec.from_result == 1
    page = result._repr_html_() + rec._repr_html_()
    boxed = re.findall(r"<b>(?:Caveat|Warning):</b> ([^<]*)</div>", page)
    assert boxed.count("SPEECH FOUND BY A DETECTOR: a test caveat") == 1  # once in a box, with the result
    assert any(b.startswith("too few data to decide") for b in boxed)  # the recommendation's own warning stays
    assert "<summary>Caveats of the analysis (1, as shown with its results)</summary>" in rec._repr_html_()
