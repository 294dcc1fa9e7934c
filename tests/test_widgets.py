"""Panels without a browser: set widget values and click buttons from Python,
then check what the panel shows against the package's own computations."""

import re

import pytest

from turntune_nb.presets import PRESETS, load_config
from turntune_nb.readers import collect_transcripts
from turntune_nb.results import analyze_transcripts
from turntune_nb.tuning import Simulator, recommend_config
from turntune_nb.widgets import ThresholdTuner, _ms, _pct


@pytest.fixture(scope="module")
def result():
    from tests.conftest import DATA, SAMPLES

    transcripts, _ = collect_transcripts([DATA / "assemblyai", SAMPLES / "real" / "sample.rttm"])
    return analyze_transcripts(transcripts)


def shown(tuner) -> dict:
    """The metric cells as the panel renders them."""
    return dict(re.findall(r'data-metric="(\w+)"[^>]*>([^<]*)<', tuner.metrics_html.value))


def expected(sim, lo, hi, model):
    m = sim.evaluate((lo, hi), model=model)
    return {"cutoff_rate": _pct(m.cutoff_rate), "turns_cut_share": _pct(m.turns_cut_share),
            "latency_mean_ms": _ms(m.latency_mean_ms), "latency_p50_ms": _ms(m.latency_p50_ms),
            "latency_p90_ms": _ms(m.latency_p90_ms), "interrupted": str(m.interrupted)}


def test_slider_moves_show_the_simulators_metrics(result):
    sim = Simulator.from_result(result)
    tuner = ThresholdTuner(result, debounce_s=30)
    for lo, hi in [(100, 1000), (600, 1000), (600, 2500), (1200, 2500)]:
        tuner.min_slider.value, tuner.max_slider.value = lo, hi
        cells = shown(tuner)
        for key, value in expected(sim, lo, hi, "u3-rt-pro").items():
            assert cells[key] == value, (lo, hi, key)
        assert tuner.config.name == "Custom" and (tuner.config.min_turn_silence, tuner.config.max_turn_silence) == (lo, hi)


def test_min_above_max_pushes_max(result):
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.max_slider.value = 500
    tuner.min_slider.value = 800
    assert (tuner.min_slider.value, tuner.max_slider.value) == (800, 800)
    tuner.max_slider.value = 300
    assert (tuner.min_slider.value, tuner.max_slider.value) == (300, 300)


def test_preset_buttons_and_recommendation(result):
    sim = Simulator.from_result(result)
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.preset_buttons["conservative"].click()
    assert (tuner.config.name, tuner.config.min_turn_silence, tuner.config.max_turn_silence) == ("Conservative", 800, 3600)
    cells = shown(tuner)
    for key, value in expected(sim, 800, 3600, "u3-rt-pro").items():
        assert cells[key] == value, key
    tuner.preset_buttons["aggressive"].click()  # min 160 < current max: order of moves matters
    assert (tuner.min_slider.value, tuner.max_slider.value) == (160, 400)
    tuner.target_slider.value = 0.10
    tuner.recommend_button.click()
    rec = recommend_config(sim, model="u3-rt-pro", target_cutoff=0.10)
    assert tuner.config.name == rec.config.name == "Data-driven"
    assert (tuner.min_slider.value, tuner.max_slider.value) == (rec.config.min_turn_silence, rec.config.max_turn_silence)
    assert "Recommended" in tuner.message.value and "10%" in tuner.message.value


def test_silence_model_uses_one_threshold(result):
    sim = Simulator.from_result(result)
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.model_select.value = "silence"
    assert tuner.min_slider.disabled
    tuner.max_slider.value = 700
    assert shown(tuner)["cutoff_rate"] == _pct(sim.evaluate(700, model="silence").cutoff_rate)
    assert "T = 700 ms" in tuner.title.value


def test_save_and_load_round_trip(tmp_path, result):
    tuner = ThresholdTuner(result, debounce_s=30)
    tuner.min_slider.value, tuner.max_slider.value = 250, 900
    path = tuner.save(tmp_path / "config.json")
    assert (load_config(path).min_turn_silence, load_config(path).max_turn_silence) == (250, 900)
    other = ThresholdTuner(result, config=PRESETS["balanced"], debounce_s=30)
    other.load(path)
    assert (other.min_slider.value, other.max_slider.value, other.config.name) == (250, 900, "Custom")


def test_figures_are_debounced_and_follow_the_last_move(result):
    tuner = ThresholdTuner(result, debounce_s=30)  # the timer never fires during the test
    before = tuner.renders
    for v in (200, 300, 400, 500, 600):
        tuner.min_slider.value = v
    assert tuner.renders == before  # metrics moved, figures not redrawn yet
    assert shown(tuner)["cutoff_rate"] == _pct(tuner.simulator.evaluate((600, tuner.max_slider.value)).cutoff_rate)
    tuner.flush()
    assert tuner.renders == before + 1
    assert "data-min='600'" in tuner.figures_html.value
    assert "min_turn_silence 600 ms" in tuner.figures_html.value  # the ECDF legend, as SVG text


# ---------------------------------------------------------------------------- LiveTurns
import threading  # noqa: E402

from turntune_nb.streaming import BeginEvent, SessionEnd, TerminationEvent, TurnEvent  # noqa: E402
from turntune_nb.widgets import LiveTurns  # noqa: E402


class ScriptedSession:
    """Plays events to the panel's callbacks from its own thread, as a real session does."""

    def __init__(self, config, source, events, end, **callbacks):
        self.config, self.source, self.script, self.end = config, source, events, end
        self.callbacks = callbacks
        self.end_reason = None
        self.error = None
        self.running = False
        self.go = threading.Event()
        self.thread = None

    def start(self):
        self.running = True
        self.thread = threading.Thread(target=self._play, daemon=True)
        self.thread.start()

    def _play(self):
        names = {BeginEvent: "on_begin", TurnEvent: "on_turn", TerminationEvent: "on_termination"}
        for event in self.script:
            if event == "pause":
                self.go.wait(5)
                continue
            if isinstance(event, TerminationEvent):
                self.end_reason = self.end_reason or self.end
                self.running = False
            self.callbacks[names[type(event)]](event)
        self.running = False

    def stop(self, timeout=10):
        self.end_reason = self.end_reason or SessionEnd("stopped", "stopped by the user")
        self.go.set()
        self.thread.join(timeout)
        self.running = False

    def wait(self, timeout=None, raise_error=True):
        self.thread.join(timeout)
        return self.end_reason

    def inactivity_remaining_s(self):
        return None


def factory_for(*events, end=SessionEnd("source_exhausted", "sample ended")):
    made = []

    def factory(config, source, **kwargs):
        callbacks = {k: v for k, v in kwargs.items() if k.startswith("on_")}
        made.append(ScriptedSession(config, source, list(events), end, **callbacks))
        return made[-1]

    factory.made = made
    return factory


def test_live_turns_renders_partials_and_finals_from_the_session_thread():
    partial = TurnEvent(turn_order=0, transcript="so we looked", end_of_turn=False)
    final = TurnEvent(turn_order=0, transcript="So we looked at the numbers.", end_of_turn=True, start_ms=1200, end_ms=3400)
    second = TurnEvent(turn_order=1, transcript="", end_of_turn=True, start_ms=4000, end_ms=5000, emitted_at_ms=6280)
    factory = factory_for(BeginEvent(id="s1"), partial, "pause", final, second, TerminationEvent(10, 11))
    panel = LiveTurns(PRESETS["conservative"], source="x.wav", session_factory=factory, inactivity_timeout_s=None)
    panel.start_button.click()
    session = factory.made[0]
    assert session.config.name == "Conservative" and session.source == "x.wav"
    for _ in range(100):  # the partial arrives from the session thread
        if "so we looked" in panel.partial.value:
            break
        threading.Event().wait(0.02)
    assert "so we looked" in panel.partial.value and panel.state == "running"
    assert panel.stop_button.disabled is False and panel.start_button.disabled is True
    session.go.set()
    assert panel.wait(5).kind == "source_exhausted"
    assert panel.partial.value == ""
    assert [t.turn_order for t in panel.final_turns] == [0, 1]
    assert "Final turns (2)" in panel.finals.value
    assert "<b>00:01.2–00:03.4</b> So we looked at the numbers." in panel.finals.value
    assert "ended 1280 ms after the speech" in panel.finals.value  # timing-only turn: emitted - end
    assert "Session ended: <b>source_exhausted: sample ended</b>" in panel.reason.value
    assert panel.state == "ended" and panel.start_button.disabled is False


def test_live_turns_stop_and_start_again():
    factory = factory_for(BeginEvent(id="a"), "pause", TerminationEvent(1, 1))
    panel = LiveTurns(source="x.wav", session_factory=factory)
    panel.start()
    panel.stop_button.click()
    assert panel.end_reason.kind == "stopped" and "stopped by the user" in panel.reason.value
    panel.start()
    assert len(factory.made) == 2 and panel.state in ("connecting", "running")
    assert panel.final_turns == [] and panel.reason.value == ""
    panel.stop()


def test_live_turns_shows_a_start_failure_instead_of_raising(monkeypatch):
    def factory(config, source, **kwargs):
        raise RuntimeError("PyAudio is not installed: pip install 'turntune_nb[mic]'")

    panel = LiveTurns(source="mic", session_factory=factory)
    assert panel.start() is None
    assert "Could not start" in panel.reason.value and "turntune_nb[mic]" in panel.reason.value


def test_live_turns_with_the_real_offline_endpointer(sample_rttm):
    from tests.conftest import SAMPLES

    panel = LiveTurns(PRESETS["balanced"], source=str(SAMPLES / "synthetic" / "conv1.wav"), offline=True,
                      inactivity_timeout_s=None, pacing_speed=None)
    panel.start()
    end = panel.wait(60)
    assert end.kind == "source_exhausted"
    assert panel.final_turns and all(t.end_of_turn for t in panel.final_turns)
    assert f"Final turns ({len(panel.final_turns)})" in panel.finals.value
    assert "offline endpointer" in panel.status.value
