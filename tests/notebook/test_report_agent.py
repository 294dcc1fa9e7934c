"""The report's section on a deployed agent's calls, alone and inside the report."""

import re

from turntune_nb.analysis.agent import agent_report
from turntune_nb.analysis.model import Transcript, Utterance
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.notebook.report import render_report
from turntune_nb.notebook.report_agent import agent_section

# U 0-2000, A 2600-5000 (gap 600), U 4800-6000 (a barge-in, stop 200), A 5900-8000 (gap -100: a cut-in),
# U 12000-13000 (dead air 4000)
CALL = Transcript("call", [Utterance("U", 0, 2000), Utterance("A", 2600, 5000), Utterance("U", 4800, 6000),
                           Utterance("A", 5900, 8000), Utterance("U", 12000, 13000)])


def test_section_says_the_counts_and_numbers_its_figures_from_start():
    report = agent_report([CALL], agent="A")
    html, figs = agent_section(report, lambda frame, caption="": f"<table rows={len(frame)}></table>", start=3)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "1 call(s), 2 responses, 1 cut-ins" in text and "1 barge-ins" in text and "1 yielded within 2000 ms" in text
    assert "1 dead-air silence(s) of at least 3000 ms" in text
    assert len(figs) == 2 and "@@figure-3@@" in html and "@@figure-4@@" in html
    # the service's default (balanced, 128/1280 ms) would end the user's turn later than the agent answers
    assert "answers sooner than this setting's endpointer" in text and "Endpointing explains" not in text


def test_report_carries_the_section_and_its_figures():
    result = analyze_transcripts([CALL])
    page = render_report(result, agent=agent_report(result, agent="A"))
    assert "<h2>The agent's calls</h2>" in page and "@@figure" not in page and "<script" not in page
    assert "Agent response gaps (2 responses)" in page  # the response-gap figure, as inline SVG text
    without = render_report(result)
    assert "The agent's calls" not in without and page.count("<svg") == without.count("<svg") + 2


def test_section_says_what_endpointing_explains():
    # silence-only at 200 ms: the user's turn that ends at 2000 is ended 200 ms later; the agent answers at 600
    # (the measured median is (600 + -100) / 2 = 250; the predicted median latency is read from the setting)
    report = agent_report([CALL], agent="A", config=200, model="silence")
    s = report.setting
    html, _ = agent_section(report, lambda frame, caption="": "", start=0)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert s["predicted_latency_p50_ms"] == 200 and s["agent_own_ms"] == 50  # 250 - 200
    assert "Endpointing explains 80.0% of the response gap; the rest (50 ms)" in text  # 200 / 250
