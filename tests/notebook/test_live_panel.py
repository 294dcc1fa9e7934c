"""The LiveTurns panel, headless: a scripted session drives it from its own thread,
then the real offline endpointer."""

from __future__ import annotations

import threading

from turntune_nb.analysis.presets import PRESETS
from turntune_nb.live.events import BeginEvent, SessionEnd, TerminationEvent, TurnEvent
from turntune_nb.notebook.live_panel import LiveTurns


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
                          url=fake.ws_url, server_inactivity_timeout=5)
        panel.start()
        panel.wait(30)
        server_side = panel.reason.value
        fs.configure(fake, inactivity_scale=1.0)
        panel = LiveTurns(PRESETS["balanced"], audio, offline=False, inactivity_timeout_s=0.5, api_key=key,
                          url=fake.ws_url, server_inactivity_timeout=3600)
        panel.start()
        panel.wait(30)
        client_side = panel.reason.value
    assert "inactivity (server-side inactivity_timeout)" in server_side
    assert "inactivity (client-side rule)" in client_side
