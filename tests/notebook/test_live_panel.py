"""The LiveTurns panel, headless: a scripted session drives it from its own thread,
then the real offline endpointer."""

from __future__ import annotations

import math
import threading
import xml.etree.ElementTree as ET

import pytest

from turntune_nb.analysis.presets import PRESETS, StreamingConfig
from turntune_nb.assemblyai.streaming_options import StreamingOptions
from turntune_nb.live.events import BeginEvent, SessionEnd, TerminationEvent, TurnEvent
from turntune_nb.live.session import SessionOptions
from turntune_nb.notebook.live_panel import LiveTurns, end_reason_text
from turntune_nb.notebook.timeline import TIMELINE_LABEL_W, TIMELINE_WIDTH

SVG = "{http://www.w3.org/2000/svg}"


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
    assert "Session ended: <b>the audio ended (sample ended)</b>" in panel.reason.value
    assert panel.state == "ended" and panel.start_button.disabled is False


def test_live_turns_stop_and_start_again():
    factory = factory_for(BeginEvent(id="a"), "pause", TerminationEvent(1, 1))
    panel = LiveTurns(source="x.wav", session_factory=factory)
    panel.start()
    panel.stop_button.click()
    assert panel.end_reason.kind == "stopped" and "Session ended: <b>stopped by you</b>" in panel.reason.value
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
                      inactivity_timeout_s=None, options=SessionOptions(pacing_speed=None))
    panel.start()
    end = panel.wait(60)
    assert end.kind == "source_exhausted"
    assert panel.final_turns and all(t.end_of_turn for t in panel.final_turns)
    assert f"Final turns ({len(panel.final_turns)})" in panel.finals.value
    assert "offline endpointer" in panel.status.value


def test_the_panel_says_which_inactivity_rule_fired():
    """Server-side inactivity_timeout against the fake over a real socket, then the client-side rule."""
    import numpy as np

    from tests.fake_assemblyai import FakeAssemblyAI
    from tests.fake_assemblyai import streaming as fs

    key = "sk-panel-inactivity-77"
    tone = (8000 * np.sin(2 * np.pi * 220 * np.arange(4800) / 16000)).astype(np.int16)
    audio = np.concatenate([tone, np.zeros(16000 * 20, np.int16)])
    with FakeAssemblyAI(api_key=key) as fake:
        fs.configure(fake, inactivity_scale=0.1)  # 5 s on the server's clock -> 0.5 s
        panel = LiveTurns(PRESETS["balanced"], audio, offline=False, inactivity_timeout_s=None, api_key=key,
                          streaming=StreamingOptions(url=fake.ws_url, server_inactivity_timeout=5))
        panel.start()
        panel.wait(30)
        server_side = panel.reason.value
        fs.configure(fake, inactivity_scale=1.0)
        panel = LiveTurns(PRESETS["balanced"], audio, offline=False, inactivity_timeout_s=0.5, api_key=key,
                          streaming=StreamingOptions(url=fake.ws_url, server_inactivity_timeout=3600))
        panel.start()
        panel.wait(30)
        client_side = panel.reason.value
    # December 2026: the server's timer closes with 3006; an end, not an error
    assert "inactivity (server): its inactivity_timeout elapsed (code 3006)" in server_side
    assert "jp-error-color" not in server_side
    assert "inactivity (client-side rule)" in client_side


def rects(svg: str, cls: str = "turntune-turn") -> list[dict]:
    root = ET.fromstring(svg)  # well-formed XML, or this fails
    return [r.attrib for r in root.iter(f"{SVG}rect") if r.get("class") == cls]


@pytest.mark.parametrize("kind, detail, code, text", [
    ("stopped", "stopped by the user", None, "stopped by you"),
    ("inactivity", "no new transcript for 10 s", None, "inactivity (client-side rule): no new transcript for 10 s"),
    ("server_inactivity", "", 3006, "inactivity (server): its inactivity_timeout elapsed (code 3006)"),
    ("source_exhausted", "call.wav ended", None, "the audio ended (call.wav ended)"),
    ("connection_lost", "reset by peer", None, "error: the connection was lost: reset by peer"),
    ("source_error", "decode failed", None, "error: the audio source failed: decode failed"),
])
def test_end_reasons_in_words(kind, detail, code, text):
    assert end_reason_text(SessionEnd(kind, detail, code)) == text


def test_offline_replay_of_a_two_party_recording_shows_both_parties(tmp_path):
    from tests.live.test_endpointer import two_party_wav

    spans = two_party_wav(tmp_path / "call.wav")  # ch0 500-2444, ch1 2744-4923, ch0 5323-6454 (+1.5 s quiet)
    panel = LiveTurns(PRESETS["balanced"], source=str(tmp_path / "call.wav"), offline=True,
                      inactivity_timeout_s=None, options=SessionOptions(pacing_speed=None))
    panel.start()
    assert panel.wait(60).kind == "source_exhausted"
    got = [(t.speaker_label, t.start_ms, t.end_ms) for t in panel.final_turns]
    want = [("ch0", *spans["ch0"][0]), ("ch1", *spans["ch1"][0]), ("ch0", *spans["ch0"][1])]
    assert [g[0] for g in got] == ["ch0", "ch1", "ch0"]
    for (_, a, b), (_, wa, wb) in zip(got, want):
        assert a == pytest.approx(wa, abs=60) and b == pytest.approx(wb, abs=60)
    assert "one party per channel" in panel.status.value
    assert "<b>ch1</b>" in panel.finals.value
    # the timeline: one bar per final turn, in its speaker's lane, at its own times
    bars = rects(svg_of(panel))
    span = max(10_000, math.ceil(max(t.emitted_at_ms for t in panel.final_turns) / 5000) * 5000)
    assert span == 10_000  # the recording is 7.95 s long
    px = (TIMELINE_WIDTH - TIMELINE_LABEL_W - 8) / span
    assert [(b["data-speaker"], b["data-turn"]) for b in bars] == [(t.speaker_label, str(t.turn_order))
                                                                    for t in panel.final_turns]
    for bar, (_, ws, we) in zip(bars, want):  # where they were spoken, within the detector's 60 ms
        assert float(bar["x"]) == pytest.approx(TIMELINE_LABEL_W + ws * px, abs=60 * px + 0.1)
        assert float(bar["x"]) + float(bar["width"]) == pytest.approx(TIMELINE_LABEL_W + we * px, abs=60 * px + 0.2)
    table = panel.turns_table()
    assert list(table["speaker"]) == ["ch0", "ch1", "ch0"]
    assert list(table["wait after the speech (ms)"])[:2] == [pytest.approx(1280, abs=10)] * 2
    # A's last turn has 1.5 s of quiet after it, more than 1280 ms: every turn here is the endpointer's
    assert list(table["ended by"]) == ["endpointer"] * 3
    assert len([ln for ln in ET.fromstring(svg_of(panel)).iter(f"{SVG}line") if ln.get("class") == "turntune-fire"]) == 3


def svg_of(panel) -> str:
    return panel.timeline.value.split(">", 1)[1].rsplit("</div>", 1)[0]


def test_a_turn_the_end_of_the_audio_closes_is_not_an_endpointer_fire(tmp_path):
    from tests.live.test_endpointer import two_party_wav

    spans = two_party_wav(tmp_path / "call.wav")  # 1.5 s of quiet after the last turn
    config = StreamingConfig("Slow", 400, 3500)
    panel = LiveTurns(config, source=str(tmp_path / "call.wav"), offline=True, inactivity_timeout_s=None,
                      options=SessionOptions(pacing_speed=None))
    panel.start()
    panel.wait(60)
    table = panel.turns_table()
    # by hand: A is quiet on her channel 2444 -> 5323 (2.88 s < 3.5 s), so her turn goes on to 6454; then
    # 1.5 s of audio is left (< 3.5 s). B is quiet 4923 -> 7954 (3.03 s < 3.5 s). Neither wait is over when
    # the audio ends: both turns are closed by it, A's first (the parties in channel order)
    assert list(table["speaker"]) == ["ch0", "ch1"]
    assert list(table["ended by"]) == ["end of the audio"] * 2
    assert list(table["wait after the speech (ms)"].isna()) == [True, True]
    # shown in a notebook: an em dash where there is no fire and no wait, never <NA>
    shown = table._repr_html_()
    assert "&lt;NA&gt;" not in shown and "<NA>" not in shown and shown.count("\N{EM DASH}") == 4
    assert "closed by the end of the audio" in panel.finals.value
    svg = svg_of(panel)
    assert len(rects(svg)) == 2 and 'class="turntune-fire"' not in svg
    a_turn = next(t for t in panel.final_turns if t.speaker_label == "ch0")
    assert a_turn.start_ms == pytest.approx(spans["ch0"][0][0], abs=60)
    assert a_turn.end_ms == pytest.approx(spans["ch0"][1][1], abs=60)


def test_stop_is_stopped_by_you_not_a_final_turn(tmp_path):
    from tests.live.test_endpointer import two_party_wav

    two_party_wav(tmp_path / "call.wav")
    started = threading.Event()
    panel = LiveTurns(PRESETS["balanced"], source=str(tmp_path / "call.wav"), offline=True,
                      inactivity_timeout_s=None, on_speech_started=lambda e: started.set())
    panel.start()  # real time: A speaks from 0.5 s; her turn cannot end before 2.44 + 1.28 s
    assert started.wait(10)
    panel.stop_button.click()
    assert panel.end_reason.kind == "stopped" and panel.end_text == "stopped by you"
    assert "Session ended: <b>stopped by you</b>" in panel.reason.value
    assert panel.final_turns == [] and panel.session.turns() == [] and "Final turns (0)" in panel.finals.value
    assert rects(panel.timeline.value.split(">", 1)[1].rsplit("</div>", 1)[0]) == []


def test_words_come_as_they_are_heard_and_stop_leaves_the_turn_unfinished():
    """AssemblyAI over a real socket (the fake): each partial shows more words; a turn the server closes
    because Stop was pressed is listed as unfinished, not as a final turn."""
    import numpy as np

    from tests.fake_assemblyai import FakeAssemblyAI

    key = "sk-panel-words-31"
    sr = 16000
    tone = (8000 * np.sin(2 * np.pi * 220 * np.arange(sr * 3) / sr)).astype(np.int16)  # 3 s of "speech"
    audio = np.concatenate([np.zeros(sr // 2, np.int16), tone, np.zeros(sr * 2, np.int16), tone,
                            np.zeros(sr * 10, np.int16)])
    with FakeAssemblyAI(api_key=key) as fake:
        panel = LiveTurns(PRESETS["balanced"], audio, offline=False, inactivity_timeout_s=None, api_key=key,
                          streaming=StreamingOptions(url=fake.ws_url, speech_model="universal-streaming-english"))
        shown: list[str] = []
        panel.words.observe(lambda c: shown.append(c["new"]), names="value")
        first_final = threading.Event()
        second_words = threading.Event()

        def watch(_change):
            if panel.final_turns:
                first_final.set()
                if panel.partials:
                    second_words.set()
        panel.finals.observe(watch, names="value")
        panel.words.observe(watch, names="value")
        panel.start()
        assert first_final.wait(20) and second_words.wait(20)
        panel.stop()
    spoken = [[w.get("data-start") for w in ET.fromstring(f"<r>{v}</r>").iter("span")] for v in shown if v]
    first_turn = [words for words in spoken if words and int(words[0]) < 3500]
    assert len(first_turn) >= 3  # a partial every 750 ms of speech
    for before, after in zip(first_turn, first_turn[1:]):
        assert after[:len(before)] == before and len(after) >= len(before)  # words only added, never redrawn
    assert len(first_turn[-1]) > len(first_turn[0])
    final = panel.final_turns[0]
    assert len(panel.final_turns) == 1 and final.transcript.endswith(".")
    assert [str(w.start_ms) for w in final.words][:len(first_turn[-1])] == first_turn[-1]
    assert panel.end_text == "stopped by you"
    assert len(panel.unfinished_turns) == 1 and panel.unfinished_turns[0].start_ms >= 5500
    assert "unfinished when the session ended" in panel.finals.value
    (fired,) = [t.fired_ms for t in panel._timeline_turns()]
    assert fired >= final.end_ms  # the end of turn arrived after the speech it ends


def test_a_formatted_final_after_stop_replaces_its_unformatted_final():
    """AssemblyAI sends a turn's final twice with format_turns (unformatted, then formatted); when Stop
    falls between the two, the turn stays one final turn, formatted."""
    raw = TurnEvent(turn_order=0, transcript="so we looked", end_of_turn=True, start_ms=100, end_ms=900)
    formatted = TurnEvent(turn_order=0, transcript="So we looked.", end_of_turn=True, turn_is_formatted=True,
                          start_ms=100, end_ms=900)
    factory = factory_for(BeginEvent(id="f"), raw, "pause", formatted, TerminationEvent(1, 1))
    panel = LiveTurns(source="x.wav", session_factory=factory, inactivity_timeout_s=None)
    panel.start()
    for _ in range(100):
        if panel.final_turns:
            break
        threading.Event().wait(0.02)
    panel.stop()  # releases the pause: the formatted final arrives while stopping
    assert [t.transcript for t in panel.final_turns] == ["So we looked."]
    assert panel.unfinished_turns == [] and panel.end_text == "stopped by you"


def test_the_panel_shows_the_wait_before_the_first_partial_and_what_the_service_ignored():
    """Over the fake: the balanced preset's interruption_delay (500) + the server's 256 ms delay the first
    partial (shown in the setting and measured on the turn), not the end of the turn; a misspelled
    parameter the service ignored is noted."""
    import numpy as np

    from tests.fake_assemblyai import FakeAssemblyAI
    from tests.fake_assemblyai import streaming as fs

    key = "sk-panel-first-partial-9"
    sr = 16000
    tone = (8000 * np.sin(2 * np.pi * 220 * np.arange(sr * 2) / sr)).astype(np.int16)  # 2 s of "speech"
    audio = np.concatenate([np.zeros(sr // 2, np.int16), tone, np.zeros(sr * 2, np.int16)])
    results = {}
    with FakeAssemblyAI(api_key=key) as fake:
        fs.configure(fake, partial_every_ms=60_000, max_speed=4.0)  # only the first partial, at the delay
        for mode in ("balanced", "min_latency"):
            lo, hi = {"balanced": (128, 1280), "min_latency": (128, 640)}[mode]
            panel = LiveTurns(StreamingConfig("x", lo, hi, mode=mode), audio, offline=False,
                              inactivity_timeout_s=None, api_key=key, options=SessionOptions(pacing_speed=4.0),
                              streaming=StreamingOptions(url=fake.ws_url, extra_params={"vad_treshold": 0.3}))
            panel.start()
            panel.wait(30)
            results[mode] = panel
    balanced, fast = results["balanced"], results["min_latency"]
    flat = " ".join(balanced.setting.value.split())
    assert "universal-3-6-pro, mode balanced: silence 128-1280 ms" in flat
    assert "first partial after 756 ms of speech (interruption_delay 500 + 256 ms the server adds" in flat
    assert "first partial after 256 ms of speech (interruption_delay 0 + 256 ms" in " ".join(fast.setting.value.split())
    # measured: speech from 500 ms; the fake's first partial after 756 ms of speech, at its 10 ms frames: 760,
    # then up to a 50 ms frame and the network (x4 pacing) before the panel hears it
    (first,) = balanced.first_partial_ms.values()
    (first_fast,) = fast.first_partial_ms.values()
    assert 760 <= first <= 760 + 450 and 260 <= first_fast <= 260 + 450
    # the end of the turn is not delayed by it: max_turn_silence after the speech (1280, then 640)
    (final,) = balanced.final_turns
    (final_fast,) = fast.final_turns
    assert 1280 - 60 <= final.emitted_at_ms - final.end_ms <= 1280 + 450
    assert 640 - 60 <= final_fast.emitted_at_ms - final_fast.end_ms <= 640 + 450
    assert "Note: the service ignored vad_treshold=0.3" in balanced.notes.value
    assert [w.settings for w in balanced.warnings] == [("vad_treshold",)]
