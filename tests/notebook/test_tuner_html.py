"""What the tuner says about a setting, from metrics written by hand (no simulator):
each figure distinct, so a value shown in the wrong row or from the wrong bound shows."""

import math
import re
from types import SimpleNamespace

import pandas as pd

from turntune_nb.analysis.metrics import EndpointMetrics
from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.notebook.tuner_html import (eot_html, metric_rows, metrics_html, picked_html, recommended_html,
                                             saved_html, setting_text, title_html)


def metrics(**changes) -> EndpointMetrics:
    """A Universal-Streaming bracket at 500 / 1000 ms over two recordings.

    Each recording: 1 cut in 2 holds (so every bootstrap resample gives 50%: the
    interval over recordings is 50.0%-50.0%); optimistic: 1 cut in 4. Five turns, two cut;
    latency mean 1000, p50 950, p90 1200; 3 interrupted (optimistic 1).
    """
    per_file = pd.DataFrame({"cuts": [1, 1], "holds": [2, 2]})
    fields = dict(model="universal-streaming", min_turn_silence=500, max_turn_silence=1000, holds=4, cuts=2,
                  cutoff_rate=0.5, cuts_low=1, cutoff_rate_low=0.25, turns=5, turns_cut=2, turns_cut_share=0.4,
                  turn_ends=6, latency_mean_ms=1000.0, latency_p50_ms=950.0, latency_p90_ms=1200.0,
                  latency_mean_ms_low=600.0, interrupted=3, interrupted_low=1, bracket=True,
                  label="Universal-Streaming bracket", notes=("a <b>note</b> & more",), _per_file=per_file,
                  eot_holds=3, eot_cuts=2, eot_cutoff_rate=2 / 3, never_fired=1, never_fired_share=1 / 6)
    return EndpointMetrics(**{**fields, **changes})


def cells(text: str) -> dict:
    """{key: (label, value, note)} of the metrics table."""
    return {key: (label, value, note) for label, key, value, note in re.findall(
        r'<th[^>]*>([^<]*)</th><td data-metric="(\w+)"[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>', text)}


def test_each_row_shows_its_own_figure_and_the_headline_is_the_pessimistic_bound():
    rows = metric_rows(metrics())
    assert [(key, value) for _, key, value, _ in rows] == [
        ("cutoff_rate", "50.0%"), ("cutoff_rate_low", "25.0%"), ("turns_cut_share", "40.0%"),
        ("latency_mean_ms", "1000 ms"), ("latency_p50_ms", "950 ms"), ("latency_p90_ms", "1200 ms"),
        ("interrupted", "3")]
    # Wilson 95 % for 2 of 4 (see tests/notebook/test_tuner.py): 15.0%-85.0%
    assert rows[0][3] == ("2 of 4 pauses ≥ 100 ms; 95% interval over recordings 50.0%–50.0%; "
                          "per-hold Wilson 15.0%–85.0%")
    assert rows[2][3] == "2 of 5 turns" and rows[3][3] == "over 6 turn ends"


def test_exact_rules_have_no_optimistic_row_and_one_recording_no_interval():
    one = pd.DataFrame({"cuts": [0], "holds": [4]})
    rows = metric_rows(metrics(bracket=False, cuts=0, cutoff_rate=0.0, _per_file=one))
    assert [key for _, key, _, _ in rows] == ["cutoff_rate", "turns_cut_share", "latency_mean_ms",
                                               "latency_p50_ms", "latency_p90_ms", "interrupted"]
    # 0 of 4: Wilson upper bound z^2 / (4 + z^2) = 0.490
    assert rows[0][2:] == ("0.0%", "0 of 4 pauses ≥ 100 ms; 95% interval over recordings n/a (one recording); "
                                   "per-hold Wilson 0.0%–49.0%")


def test_missing_figures_read_n_a():
    rows = metric_rows(metrics(bracket=False, holds=0, cuts=0, cutoff_rate=math.nan, turn_ends=0,
                               latency_mean_ms=math.nan, _per_file=pd.DataFrame({"cuts": [0], "holds": [0]})))
    assert rows[0][2] == "n/a" and rows[2][2] == "n/a"


def test_the_metrics_table_carries_the_setting_and_escapes_notes_and_side():
    text = metrics_html(metrics(), 500, 1000, "universal-streaming", side="speaker <A>")
    assert text.startswith("<table class='turntune-metrics' data-min='500' data-max='1000' "
                           "data-model='universal-streaming'>")
    assert cells(text)["cutoff_rate"][:2] == ("false cut-off rate", "50.0%")
    assert cells(text)["cutoff_rate_low"][:2] == ("…optimistic bound", "25.0%")
    assert cells(text)["interrupted"][1] == "3"
    # eot-bench: 2 of 3 holds of 200-5000 ms, 1 of 6 turn ends never fired
    assert "<span data-eot='eot_cutoff_rate'>66.7%</span> of 3 holds of 200–5000 ms" in text
    assert "<span data-eot='never_fired'>1</span> of 6 turn ends never fired" in text
    assert "; side: speaker &lt;A&gt;</div>" in text
    assert "a &lt;b&gt;note&lt;/b&gt; &amp; more</div>" in text and "<b>note" not in text
    assert "side:" not in metrics_html(metrics(), 500, 1000, "universal-streaming")


def test_the_title_names_the_setting_and_the_rule():
    assert setting_text("universal-3-6-pro", 500, 1000) == "500 / 1000 ms"
    assert setting_text("silence", 500, 1000) == "T = 1000 ms"
    title = title_html("<i>Mine</i>", metrics(), 500, 1000, "universal-streaming")
    assert re.sub(r"<[^>]+>", "", title) == ("&lt;i&gt;Mine&lt;/i&gt;: 500 / 1000 ms "
                                             "(Universal-Streaming bracket, setting)")
    title = title_html("Custom", metrics(label=""), 700, 700, "silence")
    assert re.sub(r"<[^>]+>", "", title) == "Custom: T = 700 ms (silence, T)"


def test_eot_bench_cells_formatted_and_missing_ones_dashed():
    table = pd.DataFrame([
        {"source": "your recordings", "name": "all speakers: <u3>", "cutoff_at_300ms": 0.25,
         "cutoff_at_600ms": 0.125, "latency_at_5pct_ms": 812.4, "latency_at_10pct_ms": math.nan},
        {"source": "published", "name": "AssemblyAI", "cutoff_at_300ms": 0.494, "cutoff_at_600ms": math.nan,
         "latency_at_5pct_ms": 1600.0, "latency_at_10pct_ms": 1000.0},
    ])
    text = eot_html(table)
    rows = dict(re.findall(r"<tr data-source='([^']*)'>(.*?)</tr>", text))
    assert re.findall(r"<td data-cell='\w+'[^>]*>([^<]*)</td>", rows["your recordings"]) == [
        "25.0%", "12.5%", "812 ms", "–"]
    assert re.findall(r"<td data-cell='\w+'[^>]*>([^<]*)</td>", rows["published"]) == [
        "49.4%", "–", "1600 ms", "1000 ms"]
    assert "all speakers: &lt;u3&gt;</th>" in rows["your recordings"]


def test_messages_give_the_setting_and_escape_what_comes_from_outside():
    config = StreamingConfig("<b>Data</b>", 850, 1300)
    rec = SimpleNamespace(config=config, warnings=["too few <data>", "a & b"],
                          starts_from_text=lambda: "universal-3-6-pro: starts from the balanced preset (128/1280 ms); "
                                                   "sends min_turn_silence=850, max_turn_silence=1300")
    assert recommended_html(rec, 0.1, "universal-3-6-pro") == (
        "<b>Recommended</b> for at most 10% false cut-offs (universal-3-6-pro): 850 / 1300 ms; "
        "universal-3-6-pro: starts from the balanced preset (128/1280 ms); sends min_turn_silence=850, "
        "max_turn_silence=1300<br>⚠ too few &lt;data&gt;<br>⚠ a &amp; b")
    assert saved_html(config, "/tmp/<x>.json") == (
        "<b>Saved</b> &lt;b&gt;Data&lt;/b&gt;: 850 / 1300 ms to <code>/tmp/&lt;x&gt;.json</code>")
    assert picked_html(config) == "<b>Picked</b> on the trade-off curve: 850 / 1300 ms"
