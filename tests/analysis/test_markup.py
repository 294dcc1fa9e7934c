"""The HTML pieces and a setting's own display: formatted values worked out by hand, no
script, no colour of its own, and nothing imported from the analysis above the settings."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from turntune_nb.analysis.markup import caveats_html, config_html, config_table, table_html
from turntune_nb.analysis.presets import BALANCED, StreamingConfig


def row_value(html: str, label: str) -> str:
    """The value cell of the figure row `label`."""
    m = re.search(rf"<th[^>]*>{re.escape(label)}</th><td[^>]*>([^<]*)</td>", html)
    assert m, f"no row {label!r}"
    return m.group(1)


def theme_safe(html: str) -> None:
    """No script, no background, colours inherited or JupyterLab's variables, no raw float."""
    assert "<script" not in html.lower() and "javascript:" not in html.lower()
    assert "background" not in html  # JupyterLab's table styles, whatever the theme
    colours = re.findall(r"(?:^|[;\s\"])((?:border-left|color)\s*:[^;\"]*)", html)
    assert colours  # the wrapper's inherited text colour at least
    for decl in colours:
        value = decl.split(":", 1)[1]
        assert "inherit" in value or "var(--jp-" in value, decl
    assert not re.search(r">\s*-?\d+\.\d{3,}\s*<", html), "a raw float is shown"


def test_a_setting_is_a_small_table():
    html = BALANCED._repr_html_()
    theme_safe(html)
    assert html == config_html(BALANCED)
    assert "Streaming setting: Balanced" in html
    assert row_value(html, "min_turn_silence (ms)") == "400"
    assert row_value(html, "max_turn_silence (ms)") == "1,280"
    assert row_value(html, "end-of-turn confidence") == "0.40"
    assert row_value(html, "use cases").startswith("General customer support")


def test_a_setting_leaves_out_the_fields_not_set_and_shows_its_reason():
    c = StreamingConfig("Custom", 300, 900, mode="balanced", evidence={"reason": "short gaps"})
    assert config_table(c).index.tolist() == ["name", "min_turn_silence", "max_turn_silence", "mode", "reason"]
    html = config_html(c)
    assert row_value(html, "mode") == "balanced" and row_value(html, "reason") == "short gaps"
    assert "end-of-turn confidence" not in html and "VAD threshold" not in html


def test_a_setting_shows_its_model_and_preset_after_the_silences():
    c = StreamingConfig("Data-driven", 128, 1800, mode="balanced", speech_model="universal-3-6-pro",
                        speaker_labels=True, max_turn_duration=20_000)
    assert config_table(c).index.tolist() == ["name", "min_turn_silence", "max_turn_silence", "speech_model", "mode",
                                               "speaker_labels", "max_turn_duration"]
    assert row_value(config_html(c), "speech model") == "universal-3-6-pro"


@pytest.mark.parametrize("value, shown", [(0.25, "25.0%"), (1.0, "100.0%")])
def test_shares_in_any_table_are_percentages(value, shown):
    html = table_html(pd.DataFrame({"filename": ["a"], "overlap_share": [value], "median_gap_ms": [356.666667]}))
    assert f"<td>{shown}</td><td>357</td>" in html and "overlaps (% of speaker changes)" in html


def test_caveats_are_boxed_and_escaped_and_none_is_nothing():
    assert caveats_html([]) == ""
    html = caveats_html(["<b>x</b>"])
    assert "<b>Caveat:</b> &lt;b&gt;x&lt;/b&gt;</div>" in html and "var(--jp-warn-color1" in html


def test_the_settings_display_imports_nothing_above_the_settings():
    """A setting shows itself with the pieces and labels only: the display a StreamingConfig
    finds must not reach for the speakers, tables or simulator (which import the settings)."""
    import grimp

    graph = grimp.build_graph("turntune_nb", cache_dir=None)
    assert graph.find_upstream_modules("turntune_nb.analysis.markup") == {"turntune_nb.analysis.display"}
    below_presets = graph.find_upstream_modules("turntune_nb.analysis.presets")
    assert not below_presets & {"turntune_nb.analysis.html", "turntune_nb.analysis.speakers",
                                "turntune_nb.analysis.tables", "turntune_nb.analysis.simulate"}
