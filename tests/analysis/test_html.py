"""The notebook's HTML: formatted values worked out by hand, caveats first, one table per
concept, no script, no colour of its own (JupyterLab's light and dark themes)."""

from __future__ import annotations

import re

import pytest

from tests.analysis.test_speakers import CALL1, CALL2
from turntune_nb.analysis.html import MAX_ROWS, table_html
from turntune_nb.analysis.model import Transcript, Utterance as U
from turntune_nb.analysis.presets import BALANCED
from turntune_nb.analysis.results import analyze_transcripts

MONO = Transcript("mono.wav", [U("UNKNOWN", 0, 1000), U("UNKNOWN", 1500, 3000)], speaker_source="unknown")


def _row(html: str, label: str) -> str:
    """The value cell of the figure row `label`."""
    m = re.search(rf"<th[^>]*>{re.escape(label)}</th><td[^>]*>([^<]*)</td>", html)
    assert m, f"no row {label!r}"
    return m.group(1)


def _theme_safe(html: str) -> None:
    assert "<script" not in html.lower() and "javascript:" not in html.lower()
    assert "background" not in html  # JupyterLab's table styles, whatever the theme
    colours = re.findall(r"(?:^|[;\s\"])((?:border-left|color)\s*:[^;\"]*)", html)
    assert colours  # the wrapper's inherited text colour at least
    for decl in colours:
        value = decl.split(":", 1)[1]
        assert "inherit" in value or "var(--jp-" in value, decl
    assert not re.search(r">\s*-?\d+\.\d{3,}\s*<", html), "a raw float is shown"


def test_a_result_shows_caveats_first_then_one_table_per_concept():
    result = analyze_transcripts([CALL1, CALL2, MONO])
    html = result._repr_html_()
    _theme_safe(html)
    # the caveat (speakers unknown in mono.wav) comes before any table
    assert html.index("SPEAKERS UNKNOWN in 1 of 3 file(s)") < html.index("<table")
    assert "3 files</b> analysed (transcript files), 0 skipped" in html
    captions = re.findall(r"<caption[^>]*>([^<]*)</caption>", html)
    assert captions == ["Overall", "The guide&#x27;s preset", "Files",
                        "Per speaker (cut-off rate at Aggressive (160/400 ms), u3-rt-pro)"]
    assert html.count("<table") == 6  # + transitions and pauses, folded in <details>
    # guide gaps 400, 300, 1000, 600, 500, 100, 500: mean 485.714 -> "486", median 500, longest 1,000
    assert _row(html, "mean gap (ms)") == "486"
    assert _row(html, "median gap (ms)") == "500"
    assert _row(html, "longest gap (ms)") == "1,000"
    assert _row(html, "overlaps (% of speaker changes)") == "20.0%"  # 1 overlap in 5 speaker changes
    assert _row(html, "transcripts from") == "transcript files"
    assert _row(html, "min_turn_silence (ms)") == "160"
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
    from turntune_nb.analysis.recommend import recommend_config

    # one setting only: a silence-only endpointer at 500 ms cuts B's 600 ms pause, not A's 400 ms one
    rec = recommend_config(analyze_transcripts([CALL1, CALL2]), model="silence", target_cutoff=0.5, thresholds=[500])
    html = rec._repr_html_()
    _theme_safe(html)
    assert html.index("too few data to decide") < html.index("<table")
    assert "min_turn_silence 500 ms, max_turn_silence 500 ms" in html
    assert "target: at most 50.0% false cut-offs" in html
    assert re.search(r">cut-off rate</th><td[^>]*>50\.0%</td>", html)
    assert re.search(r">mean latency \(ms\)</th><td[^>]*>500</td>", html)
    assert re.search(r">pauses inside turns</th><td[^>]*>2</td>", html)


def test_a_setting_is_a_small_table():
    html = BALANCED._repr_html_()
    _theme_safe(html)
    assert "Streaming setting: Balanced" in html
    assert _row(html, "min_turn_silence (ms)") == "400"
    assert _row(html, "max_turn_silence (ms)") == "1,280"
    assert _row(html, "end-of-turn confidence") == "0.40"
    assert _row(html, "use cases").startswith("General customer support")


@pytest.mark.parametrize("value, shown", [(0.25, "25.0%"), (1.0, "100.0%")])
def test_shares_in_any_table_are_percentages(value, shown):
    import pandas as pd

    html = table_html(pd.DataFrame({"filename": ["a"], "overlap_share": [value], "median_gap_ms": [356.666667]}))
    assert f"<td>{shown}</td><td>357</td>" in html and "overlaps (% of speaker changes)" in html
