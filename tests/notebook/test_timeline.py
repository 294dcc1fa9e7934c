"""The turn timeline's SVG: bars, ticks and lanes at positions worked out by hand."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from turntune_nb.notebook.timeline import TimelineTurn, clock, timeline_svg

SVG = "{http://www.w3.org/2000/svg}"


def rects(svg: str, cls: str = "turntune-turn") -> list[dict]:
    root = ET.fromstring(svg)  # well-formed XML, or this fails
    return [r.attrib for r in root.iter(f"{SVG}rect") if r.get("class") == cls]


def test_the_timeline_draws_one_bar_per_turn_where_it_was_spoken():
    turns = [TimelineTurn("ch0", 500, 2444, 3724, 0), TimelineTurn("ch1", 2744, 4923, 6203, 1),
             TimelineTurn("ch0", 5323, 6454, 7954, 2)]
    svg = timeline_svg(turns, open_turns=[TimelineTurn("ch1", 11_000, 11_800)], now_ms=12_000, countdown=(4.2, 10))
    bars = rects(svg)
    assert len(bars) == 3
    # the axis spans 15 s (12 s streamed, rounded up to 5 s); 688 px of plot after a 64 px label column
    px = 688 / 15_000
    assert [(b["data-speaker"], float(b["x"]), float(b["width"])) for b in bars] == [
        ("ch0", pytest.approx(64 + 500 * px, abs=0.05), pytest.approx(1944 * px, abs=0.1)),
        ("ch1", pytest.approx(64 + 2744 * px, abs=0.05), pytest.approx(2179 * px, abs=0.1)),
        ("ch0", pytest.approx(64 + 5323 * px, abs=0.05), pytest.approx(1131 * px, abs=0.1)),
    ]
    # two lanes: ch0 on top, ch1 below, 22 px apart
    assert [float(b["y"]) for b in bars] == [7.0, 29.0, 7.0]
    root = ET.fromstring(svg)
    fires = [float(line.get("x1")) for line in root.iter(f"{SVG}line") if line.get("class") == "turntune-fire"]
    assert fires == [pytest.approx(64 + f * px, abs=0.05) for f in (3724, 6203, 7954)]
    (open_bar,) = rects(svg, "turntune-open")
    assert float(open_bar["x"]) == pytest.approx(64 + 11_000 * px, abs=0.05)
    countdown = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "turntune-countdown")
    assert float(countdown.find(f"{SVG}rect").get("width")) == pytest.approx(688 * 0.42, abs=0.1)
    assert "4 s left" in "".join(countdown.itertext())
    assert "<script" not in svg and 'fill="currentColor"' in svg
    # the short default span: 10 s at least
    assert float(rects(timeline_svg([TimelineTurn(None, 1000, 2000)]))[0]["x"]) == pytest.approx(64 + 68.8)


def test_labels_are_escaped_and_the_last_axis_label_stays_inside():
    svg = timeline_svg([TimelineTurn("<b>&", 0, 1000, None, 0, "a < b")], width=400)
    root = ET.fromstring(svg)
    assert "<b>&" in "".join(root.itertext()) and "a < b" in "".join(root.itertext())
    labels = [t for t in root.iter(f"{SVG}text") if (t.text or "").endswith(" s")]
    assert labels[-1].text == "10 s" and labels[-1].get("text-anchor") == "end"
    assert float(labels[-1].get("x")) == pytest.approx(400 - 8)
    assert clock(61_500) == "01:01.5"
