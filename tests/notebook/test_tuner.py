"""Panels without a browser: set widget values and click buttons from Python,
then check what the panel shows against figures worked out by hand on the recording
of tests/notebook/tuner_recording.py (its docstring draws it).
"""

import re

import pytest

from tests.notebook.tuner_recording import two_speaker_call
from turntune_nb.analysis.presets import PRESETS, load_config
from turntune_nb.analysis.results import analyze_transcripts
from turntune_nb.notebook.tuner import ThresholdTuner


@pytest.fixture(autouse=True)
def no_pending_redraws():
    """Cancel the figure timers a test leaves behind (debounce_s=30): matplotlib is not
    thread-safe, and a timer firing during a later test would draw beside it."""
    yield
    import threading

    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer) and getattr(thread.function, "__name__", "") == "_timer_fired":
            thread.cancel()


@pytest.fixture(scope="module")
def result():
    return two_speaker_call()


def shown(tuner) -> dict:
    """The metric cells as the panel renders them: {key: (value, note)}."""
    return {key: (value, note) for key, value, note in re.findall(
        r'data-metric="(\w+)"[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>', tuner.metrics_html.value)}


def values(tuner) -> dict:
    return {key: value for key, (value, _) in shown(tuner).items()}


# (min, max) -> what the panel must show, worked out by hand from the table above
BY_HAND = {
    # cuts: 800 (terminal, >= 500) and 1200 (>= 1000): 2 of 4. Turns cut: 1 and 2.
    # delays 500, 1000, 500, 1000: mean 750, p50 750, p90 at 2.7 of [500 500 1000 1000] = 1000.
    # interrupted: B's "then" (300 < 1000).
    (500, 1000): {"cutoff_rate": "50.0%", "turns_cut_share": "50.0%", "latency_mean_ms": "750 ms",
                  "latency_p50_ms": "750 ms", "latency_p90_ms": "1000 ms", "interrupted": "1",
                  "interruption_delay": "500 ms"},  # the balanced preset's (first partial, not latency)
    # nothing reaches 900 after a terminal word nor 1300: 0 of 4; delays 900, 1300, 900, 1300;
    # interrupted: 700 < 900 and 300 < 1300.
    (900, 1300): {"cutoff_rate": "0.0%", "turns_cut_share": "0.0%", "latency_mean_ms": "1100 ms",
                  "latency_p50_ms": "1100 ms", "latency_p90_ms": "1300 ms", "interrupted": "2",
                  "interruption_delay": "500 ms"},
    # cuts: 300, 800, 1200 (each >= 250): 3 of 4, still turns 1 and 2; delays 100, 250, 100, 250.
    (100, 250): {"cutoff_rate": "75.0%", "turns_cut_share": "50.0%", "latency_mean_ms": "175 ms",
                 "latency_p50_ms": "175 ms", "latency_p90_ms": "250 ms", "interrupted": "0",
                 "interruption_delay": "500 ms"},
}


def test_slider_moves_show_hand_worked_metrics(result):
    tuner = ThresholdTuner(result, debounce_s=30)
    for (lo, hi), expected in BY_HAND.items():
        tuner.max_slider.value = 3000  # raise max first so min never pushes it
        tuner.min_slider.value, tuner.max_slider.value = lo, hi
        assert values(tuner) == expected, (lo, hi)
        config = tuner.config
        assert (config.name, config.min_turn_silence, config.max_turn_silence) == ("Custom", lo, hi)


def test_metric_notes_give_the_counts_and_the_interval(result):
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.max_slider.value = 1000
    tuner.min_slider.value = 500
    cells = shown(tuner)
    # one recording: no interval over recordings; Wilson 95 % (per hold) for 2 of 4: centre 0.5,
    # half-width z*sqrt(1/16 + z^2/64)/(1 + z^2/4) = 0.350
    assert cells["cutoff_rate"][1] == ("2 of 4 pauses ≥ 100 ms; 95% interval over recordings n/a (one recording); "
                                       "per-hold Wilson 15.0%–85.0%")
    assert cells["turns_cut_share"][1] == "2 of 4 turns"
    assert cells["latency_mean_ms"][1] == "over 4 turn ends"
    assert "cutoff_rate_low" not in cells  # word timings everywhere: the figures are exact
    tuner.min_slider.value = 900
    tuner.max_slider.value = 1300
    # 0 of 4: upper bound z^2 / (4 + z^2) = 0.490
    assert shown(tuner)["cutoff_rate"][1].endswith("per-hold Wilson 0.0%–49.0%")


def test_universal_streaming_shows_both_bounds(result):
    tuner = ThresholdTuner(result, model="universal-streaming", debounce_s=30)
    tuner.max_slider.value = 1000
    tuner.min_slider.value = 500
    # pessimistic: every hold cuts at min (800, 1200 >= 500); optimistic: only at max (1200).
    # Latency waits until max at every turn end; 700 and 300 ms silences are shorter.
    assert values(tuner) == {"cutoff_rate": "50.0%", "cutoff_rate_low": "25.0%", "turns_cut_share": "50.0%",
                             "latency_mean_ms": "1000 ms", "latency_p50_ms": "1000 ms",
                             "latency_p90_ms": "1000 ms", "interrupted": "2"}
    assert shown(tuner)["cutoff_rate"][1].startswith("2 of 4 pauses ≥ 100 ms")  # the headline's count


def test_min_above_max_pushes_max(result):
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.max_slider.value = 500
    tuner.min_slider.value = 800
    assert (tuner.min_slider.value, tuner.max_slider.value) == (800, 800)
    tuner.max_slider.value = 300
    assert (tuner.min_slider.value, tuner.max_slider.value) == (300, 300)


def test_preset_buttons_and_recommendation(result):
    tuner = ThresholdTuner(result, config=PRESETS["balanced"], debounce_s=30)
    tuner.preset_buttons["conservative"].click()
    config = tuner.config
    assert (config.name, config.min_turn_silence, config.max_turn_silence) == ("Conservative", 800, 3600)
    # 800 / 3600: only the 800 ms hold after "yes." cuts (terminal, >= 800); delays 800, 3600,
    # 800, 3600; interrupted: 700 < 800 and 300 < 3600.
    assert values(tuner) == {"cutoff_rate": "25.0%", "turns_cut_share": "25.0%", "latency_mean_ms": "2200 ms",
                             "latency_p50_ms": "2200 ms", "latency_p90_ms": "3600 ms", "interrupted": "2",
                             "interruption_delay": "500 ms"}
    tuner.preset_buttons["aggressive"].click()  # min 160 < current max: order of moves matters
    assert (tuner.min_slider.value, tuner.max_slider.value) == (160, 400)
    tuner.target_slider.value = 0.10
    tuner.recommend_button.click()
    # at most 10 % of 4 holds: no cut at all. The 800 ms terminal hold needs min > 800 (grid:
    # 850) and the 1200 ms one max > 1200 (grid: 1300); latency (2*min + 2*max)/4 is lowest there.
    assert tuner.config.name == "Data-driven"
    assert (tuner.min_slider.value, tuner.max_slider.value) == (850, 1300)
    assert values(tuner)["cutoff_rate"] == "0.0%" and values(tuner)["latency_mean_ms"] == "1075 ms"
    assert "<b>Recommended</b> for at most 10% false cut-offs (universal-3-6-pro): 850 / 1300 ms" in tuner.message.value
    assert "too few data to decide: 4 holds and 4 turn ends, where at least 100 holds" in tuner.message.value


def test_silence_model_uses_one_threshold(result):
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.model_select.value = "silence"
    assert tuner.min_slider.disabled
    tuner.max_slider.value = 500
    # holds 150, 300, 800, 1200 against T = 500: 800 and 1200 cut; every turn end waits 500 ms
    assert values(tuner) == {"cutoff_rate": "50.0%", "turns_cut_share": "50.0%", "latency_mean_ms": "500 ms",
                             "latency_p50_ms": "500 ms", "latency_p90_ms": "500 ms", "interrupted": "1"}
    assert "T = 500 ms" in tuner.title.value


def test_save_and_load_round_trip(tmp_path, result):
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.min_slider.value, tuner.max_slider.value = 250, 900
    path = tuner.save(tmp_path / "config.json")
    assert (load_config(path).min_turn_silence, load_config(path).max_turn_silence) == (250, 900)
    other = ThresholdTuner(result, config=PRESETS["balanced"], debounce_s=30)
    other.load(path)
    assert (other.min_slider.value, other.max_slider.value, other.config.name) == (250, 900, "Custom")


def test_image_figures_are_debounced_and_follow_the_last_move(result):
    # the seaborn image path (charts="image"), kept for comparison (benchmarks/tuner_latency.py)
    tuner = ThresholdTuner(result, config=PRESETS["balanced"], debounce_s=30, charts="image")  # the timer never fires
    before = tuner.renders
    for v in (200, 300, 400, 500, 600):
        tuner.min_slider.value = v
    assert tuner.renders == before  # metrics moved, figures not redrawn yet
    assert values(tuner)["cutoff_rate"] == "25.0%"  # 600 / 1280: only the 800 ms terminal hold
    tuner.flush()
    assert tuner.renders == before + 1
    assert "data-min='600'" in tuner.figures_html.value
    # the ECDF legend, as SVG text: 800 and 1200 of the four holds are >= 600 ms
    assert "min_turn_silence 600 ms: 50% of pauses as long" in tuner.figures_html.value


def test_side_selector_restricts_every_figure(result):
    tuner = ThresholdTuner(result, debounce_s=30, roles={"caller": "A"})
    tuner.max_slider.value = 1000
    tuner.min_slider.value = 500
    assert [v for _, v in tuner.side_select.options] == ["all", "speaker:A", "speaker:B", "role:caller"]
    tuner.side_select.value = "speaker:A"
    # A's holds 150 and 800 (terminal, >= 500: cut); A's turn ends both terminal: 500 ms each
    assert values(tuner)["cutoff_rate"] == "50.0%" and values(tuner)["latency_mean_ms"] == "500 ms"
    assert shown(tuner)["cutoff_rate"][1].startswith("1 of 2 pauses")
    tuner.side_select.value = "speaker:B"
    # B's holds 300 and 1200 (>= max 1000: cut); B's turn ends not terminal: 1000 ms each
    assert values(tuner)["cutoff_rate"] == "50.0%" and values(tuner)["latency_mean_ms"] == "1000 ms"
    assert "side: speaker B" in tuner.metrics_html.value
    tuner.side_select.value = "role:caller"
    assert values(tuner)["latency_mean_ms"] == "500 ms"
    tuner.side_select.value = "all"
    assert values(tuner)["latency_mean_ms"] == "750 ms"
    assert tuner.tradeoff_figure.data[-1].name == "current 500 / 1000 ms"


def test_eot_bench_cells_beside_the_published_rows(result):
    tuner = ThresholdTuner(result, debounce_s=0)
    tuner.model_select.value = "silence"
    tuner.max_slider.value = 500
    # holds of 200-5000 ms: 300, 800, 1200 (150 is too short); at T = 500 the endpointer fires
    # inside 800 and 1200: 2 of 3
    assert "<span data-eot='eot_cutoff_rate'>66.7%</span> of 3 holds" in tuner.metrics_html.value
    eot = tuner.eot_html.value
    # silence only: cut-offs at T = 300 ms: 800, 1200 (300 is not longer than 300) -> 66.7 %;
    # at 600: 66.7 %; at <= 5 % and <= 10 %: no hold longer than T, T = 1200 (the 1200 ms pause
    # is not longer than 1200: eot-bench's strict rule)
    mine = re.search(r"<tr data-source='your recordings'>(.*?)</tr>", eot).group(1)
    assert re.findall(r"<td data-cell='\w+'[^>]*>([^<]*)</td>", mine) == ["66.7%", "66.7%", "1200 ms", "1200 ms"]
    assert "AssemblyAI" in eot and "49.4%" in eot and "1600 ms" in eot


# --------------------------------------------------------------------------- sliders drive a live session (issue 14)
def test_slider_moves_change_a_running_session_over_a_real_socket(result):
    import numpy as np

    from tests.fake_assemblyai import FakeAssemblyAI
    from tests.fake_assemblyai import streaming as fs
    from turntune_nb.assemblyai.streaming import StreamingSession
    from turntune_nb.assemblyai.streaming_options import StreamingOptions
    from turntune_nb.live.session import SessionOptions

    with FakeAssemblyAI(api_key="sk-tuner-live-42") as fake:
        fs.configure(fake, max_speed=4.0)
        tuner = ThresholdTuner(result, PRESETS["balanced"], debounce_s=30)
        session = StreamingSession(tuner.config, np.zeros(16000 * 8, np.int16), api_key="sk-tuner-live-42",
                                   streaming=StreamingOptions(url=fake.ws_url, speech_model="universal-3-5-pro"),
                                   options=SessionOptions(pacing_speed=4.0))
        tuner.connect(session)
        tuner.min_slider.value = 300  # before the start: nothing to send yet
        session.start()
        tuner.min_slider.value = 200
        tuner.max_slider.value = 900
        tuner.mode_select.value = "max_accuracy"
        tuner.vad_slider.value = 0.6
        tuner.interruption_slider.value = 250
        tuner.vad_slider.value = 1.0  # the top of the slider is still valid
        tuner.apply(PRESETS["conservative"])  # one update for a whole preset
        session.wait(30, raise_error=False)
        rec = fs.wait_for_sessions(fake, 1)[0]
    expected = [{"min_turn_silence": 200, "max_turn_silence": 1280}, {"min_turn_silence": 200, "max_turn_silence": 900},
                {"mode": "max_accuracy"}, {"vad_threshold": 0.6}, {"interruption_delay": 250}, {"vad_threshold": 1.0},
                {"min_turn_silence": 800, "max_turn_silence": 3600}]
    assert rec["updates"] == expected == tuner.live_updates
    assert rec["refused_updates"] == []
    assert (session.config.min_turn_silence, session.config.mode, session.config.interruption_delay) == (
        800, "max_accuracy", 250)
    saved = tuner.config
    assert (saved.mode, saved.vad_threshold, saved.interruption_delay) == ("max_accuracy", 1.0, 250)


def test_a_universal_streaming_session_gets_no_u3_fields(result):
    class Recorder:
        running = True
        speech_model = "universal-streaming-english"

        def __init__(self):
            self.sent = []

        def update_configuration(self, **fields):
            self.sent.append(fields)

    tuner = ThresholdTuner(result, debounce_s=30)
    rec = Recorder()
    tuner.connect(rec)
    tuner.mode_select.value = "min_latency"
    tuner.interruption_slider.value = 100
    tuner.vad_slider.value = 0.3
    assert rec.sent == [{"vad_threshold": 0.3}]
    assert "not a U3 Pro model" in tuner.live_html.value or "sent" in tuner.live_html.value


# --------------------------------------------------------------------------- Save, the live target, the clickable curve
def title_setting(tuner) -> tuple[str, int, int]:
    """(name, min, max) as the panel's title shows them."""
    name, lo, hi = re.search(r"<h3[^>]*>([^:<]+): (\d+) / (\d+) ms", tuner.title.value).groups()
    return name, int(lo), int(hi)


def test_save_button_writes_exactly_the_setting_shown(tmp_path, result):
    import json
    import stat

    path = tmp_path / "out" / "config.json"
    tuner = ThresholdTuner(result, save_path=path)
    tuner.max_slider.value = 3000
    tuner.min_slider.value, tuner.max_slider.value = 250, 900
    tuner.vad_slider.value = 0.55
    assert not path.exists()  # moving sliders never saves
    tuner.save_button.click()
    saved = json.loads(path.read_text())
    assert title_setting(tuner) == ("Custom", 250, 900)
    assert (saved["name"], saved["min_turn_silence"], saved["max_turn_silence"]) == ("Custom", 250, 900)
    assert saved["vad_threshold"] == 0.55 and saved["mode"] is None
    # 250 / 900: the 800 ms terminal hold cuts (>= 250) and the 1200 ms one (>= 900): 2 of 4;
    # the terminal turn ends fire at 250, the others at 900: mean (250 + 900 + 250 + 900) / 4 = 575
    assert saved["evidence"] == {"model": "universal-3-6-pro", "cutoff_rate": 0.5, "latency_mean_ms": 575.0,
                                 "holds": 4, "turn_ends": 4}
    assert saved["speech_model"] == "universal-3-6-pro"  # the config names the model it was tuned for
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"to <code>{path}</code>" in tuner.message.value


def test_without_save_path_nothing_is_written_and_the_button_says_how(tmp_path, result, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tuner = ThresholdTuner(result)
    tuner.preset_buttons["aggressive"].click()
    tuner.recommend_button.click()
    assert tuner.save_button.disabled and "save_path" in tuner.save_button.tooltip
    with pytest.raises(ValueError, match="nowhere to save"):
        tuner.save()
    assert list(tmp_path.iterdir()) == []


def test_moving_the_target_slider_repicks_the_recommendation(result):
    from turntune_nb.analysis.recommend import RecommendOptions, recommend_config

    tuner = ThresholdTuner(result, config=PRESETS["balanced"])
    tuner.target_slider.value = 0.10
    # by hand (see test_preset_buttons_and_recommendation): no cut allowed -> 850 / 1300
    assert (tuner.min_slider.value, tuner.max_slider.value, tuner.config.name) == (850, 1300, "Data-driven")
    tuner.target_slider.value = 0.30
    # one cut of 4 allowed: letting the 800 ms terminal hold cut (min <= 800) while 1200 does not
    # (max 1300) gives latency (2 min + 2 * 1300) / 4, lowest at the service's clamp, min 50:
    # (100 + 2600) / 4 = 675 ms; letting the 1200 ms hold cut instead needs min >= 850 and max >= 850: 850 ms.
    assert (tuner.min_slider.value, tuner.max_slider.value) == (50, 1300)
    assert values(tuner)["cutoff_rate"] == "25.0%" and values(tuner)["latency_mean_ms"] == "675 ms"
    independent = recommend_config(result, RecommendOptions(target_cutoff=0.30))
    assert (independent.config.min_turn_silence, independent.config.max_turn_silence) == (50, 1300)
    assert "at most 30% false cut-offs" in tuner.message.value
    # the recommendation's marker on the curve moved with it
    marks = {t.name: (t.x, t.y) for t in tuner.tradeoff_figure.data[2:]}
    assert marks["recommended"] == ((675.0,), (0.25,))


def click(fig, trace: int, point: int) -> None:
    """The message plotly's page half sends the kernel on a click."""
    t = fig.data[trace]
    fig._js2py_pointsCallback = {"event_type": "plotly_click", "points": {
        "trace_indexes": [trace], "point_indexes": [point], "xs": [t.x[point]], "ys": [t.y[point]]}}


def test_clicking_a_point_on_the_curve_sets_the_sliders_to_its_setting(result):
    tuner = ThresholdTuner(result, config=PRESETS["balanced"])
    cloud = tuner.tradeoff_figure.data[0]
    settings = [tuple(map(int, c)) for c in cloud.customdata]
    # 850 / 1300 is the only setting with no cut and a mean latency of 1075 ms (see above)
    i = settings.index((850, 1300))
    assert (cloud.x[i], cloud.y[i]) == (1075.0, 0.0)
    click(tuner.tradeoff_figure, 0, i)
    assert (tuner.min_slider.value, tuner.max_slider.value) == (850, 1300)
    assert values(tuner)["cutoff_rate"] == "0.0%" and values(tuner)["latency_mean_ms"] == "1075 ms"
    assert "<b>Picked</b> on the trade-off curve: 850 / 1300 ms" in tuner.message.value
    # a point on the frontier: the sliders take its setting and the metrics its coordinates
    front = tuner.tradeoff_figure.data[1]
    j = len(front.x) // 2
    click(tuner.tradeoff_figure, 1, j)
    assert (tuner.min_slider.value, tuner.max_slider.value) == tuple(map(int, front.customdata[j]))
    assert tuner.metrics.latency_mean_ms == front.x[j] and tuner.metrics.cutoff_rate == front.y[j]


def test_slider_moves_update_the_charts_at_once(result):
    tuner = ThresholdTuner(result, config=PRESETS["balanced"])
    before = tuner.renders
    tuner.max_slider.value = 1000
    tuner.min_slider.value = 500
    assert tuner.renders == before + 2
    # holds >= 100 ms: 150, 300, 800, 1200; at or beyond 500: 2 of 4, beyond 1000: 1 of 4
    ecdf = tuner.ecdf_figure.data
    assert [t.name for t in ecdf[1:]] == ["min_turn_silence 500 ms: 50% of pauses as long",
                                         "max_turn_silence 1000 ms: 25% of pauses as long"]
    assert (tuple(ecdf[1].x), tuple(ecdf[2].x)) == ((500, 500), (1000, 1000))
    current = tuner.tradeoff_figure.data[-1]
    assert (current.name, current.x, current.y) == ("current 500 / 1000 ms", (750.0,), (0.5,))
    tuner.model_select.value = "silence"  # one threshold: the min line goes
    assert ecdf[1].visible is False and tuner.tradeoff_figure.data[-1].name == "current T = 1000 ms"


def test_theme(result):
    # plotly's dark template paints the paper rgb(17,17,17) (JupyterLab dark's #111111), the white one white
    def papers(tuner):
        return {f.layout.template.layout.paper_bgcolor for f in (tuner.ecdf_figure, tuner.tradeoff_figure)}

    assert papers(ThresholdTuner(result, theme="dark")) == {"rgb(17,17,17)"}
    assert papers(ThresholdTuner(result, theme="light")) == {"white"}
    auto = ThresholdTuner(result)
    assert papers(auto) == {"white"}  # until a page says otherwise
    auto.page.light = False  # what the page reports when JupyterLab switches to its dark theme
    assert papers(auto) == {"rgb(17,17,17)"}
    auto.page.light = True
    assert papers(auto) == {"white"}
    with pytest.raises(ValueError, match="theme='blue'"):
        ThresholdTuner(result, theme="blue")


def test_charts_take_the_width_the_page_reports(result):
    tuner = ThresholdTuner(result)
    assert tuner.ecdf_figure.layout.width is None  # autosize until a page has laid it out
    tuner.page.set_state({"chart_widths": {"turntune-ecdf": 568, "turntune-tradeoff": 420}})  # the page's message
    assert (tuner.ecdf_figure.layout.width, tuner.tradeoff_figure.layout.width) == (568, 420)


def test_the_side_picker_offers_only_channels_that_separate_the_parties():
    from turntune_nb.analysis.model import Transcript, Utterance as U

    # RTTM: every segment on channel 1 (read as 0) though A and B both speak: --channel would be refused,
    # so the picker offers the speakers and no channel
    rttm = Transcript("meeting", [U("A", 0, 1000, channel=0), U("B", 1500, 3000, channel=0),
                                  U("A", 3500, 5000, channel=0)], source="rttm")
    tuner = ThresholdTuner(analyze_transcripts([rttm]), debounce_s=30)
    assert [v for _, v in tuner.side_select.options] == ["all", "speaker:A", "speaker:B"]
    # one party per channel: both channels are offered (0-based, as --channel)
    call = Transcript("call", [U("ch0", 0, 1000, channel=0), U("ch1", 1500, 3000, channel=1),
                               U("ch0", 3500, 5000, channel=0)])
    tuner = ThresholdTuner(analyze_transcripts([call]), debounce_s=30)
    assert [v for _, v in tuner.side_select.options] == ["all", "speaker:ch0", "speaker:ch1", "channel:0",
                                                          "channel:1"]


def test_charts_that_did_not_draw_give_way_to_the_images(result):
    tuner = ThresholdTuner(result, config=PRESETS["balanced"], debounce_s=0, chart_timeout_s=3)
    # the page is told how many charts to watch and for how long
    assert (tuner.page.charts_expected, tuner.page.chart_timeout_ms) == (2, 3000)
    assert tuner.figures_html.value == "" and not tuner.figures.fallback
    tuner.page.set_state({"charts_drawn": False})  # the page's message: no trace drew within 3 s
    assert tuner.figures.fallback and tuner.figures.grid.layout.display == "none"
    assert "did not draw in this page within 3 s: showing image charts instead" in tuner.message.value
    assert tuner.message.value.count("<br>") == 0  # one line
    tuner.max_slider.value = 1000
    tuner.min_slider.value = 500
    # the images follow the setting (and so do the hidden charts, ready to come back)
    assert "data-min='500'" in tuner.figures_html.value and "data-max='1000'" in tuner.figures_html.value
    assert "max_turn_silence 1000 ms: 25% of pauses as long" in tuner.figures_html.value
    assert tuner.ecdf_figure.data[2].x == (1000, 1000)
    tuner.page.set_state({"charts_drawn": True})  # they drew after all
    assert not tuner.figures.fallback and tuner.figures.grid.layout.display is None
    assert tuner.figures_html.value == "" and tuner.message.value == ""
    # a panel drawn with images from the start watches nothing
    assert ThresholdTuner(result, charts="image", debounce_s=0).page.charts_expected == 0


def test_moving_the_target_says_which_setting_of_yours_it_replaced(result):
    tuner = ThresholdTuner(result, config=PRESETS["balanced"])
    tuner.min_slider.value = 450  # typed or moved: the user's own setting
    tuner.target_slider.value = 0.10
    assert (tuner.min_slider.value, tuner.max_slider.value) == (850, 1300)  # by hand, as above
    assert "replaces your 450 / 1280 ms" in tuner.message.value
    tuner.target_slider.value = 0.30  # the recommendation replaced by another: nothing of the user's to name
    assert "replaces your" not in tuner.message.value


def test_the_listen_button_shows_the_holds_this_setting_cuts(result):
    tuner = ThresholdTuner(result, config=PRESETS["balanced"])
    tuner.max_slider.value = 1000
    tuner.min_slider.value = 500
    tuner.listen_button.click()
    page = tuner.listen_html.value
    # U3 Pro at 500/1000 on this call: the 800 ms hold after a terminal word (>= 500) and the 1200 ms hold
    # (>= 1000) are cut; the 150 and 300 ms ones are not (see test_slider_moves_update_the_charts_at_once)
    holds = re.findall(r"<td>cut hold</td><td>[^<]*</td><td>[^<]*</td><td>[^<]*</td><td>([\d,]+) ms</td>", page)
    assert sorted(holds) == ["1,200", "800"]
    assert "turntune-listen" in page and "recording not found" in page  # an in-memory call: no audio to cut
