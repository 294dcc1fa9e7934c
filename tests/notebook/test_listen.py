import io
import wave

import numpy as np
import pandas as pd
import pytest

from turntune_nb import columns as C
from turntune_nb.notebook.listen import clip_bounds, cut_holds, listen_examples, slowest_turn_ends, wav_bytes

RATE = 16000


def write_ramp(path, seconds: float):
    """A 16 kHz mono WAV whose sample i holds i % 20000: a clip's content tells where it was cut."""
    samples = (np.arange(int(seconds * RATE)) % 20000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())
    return samples


def read_wav(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


class Result:
    def __init__(self, pauses, turn_ends, folder):
        self.pauses, self.turn_ends, self.folder_path = pauses, turn_ends, folder


PAUSES = pd.DataFrame({
    C.FILE: ["call.wav"] * 4, C.SPEAKER: ["A", "A", "B", "B"],
    C.START_MS: [2000, 4000, 6000, 7000], C.END_MS: [2800, 4300, 6050, 8200],
    C.PAUSE_MS: [800, 300, 50, 1200], C.TERMINAL: pd.array([True, False, True, False], dtype="boolean"),
})
ENDS = pd.DataFrame({
    C.FILE: ["call.wav"] * 2, C.SPEAKER: ["A", "B"], C.END_MS: [5000, 9000],
    C.TERMINAL: pd.array([True, False], dtype="boolean"), C.SILENCE_AFTER_MS: [1500.0, np.nan],
})


def test_which_holds_a_setting_cuts():
    # U3 Pro at 500/1000: 800 ms after a terminal word >= 500 -> cut; 300 ms (not terminal) < 1000 -> kept;
    # 50 ms is no hold (< 100); 1200 ms, not terminal, >= 1000 -> cut.
    cut = cut_holds(PAUSES, 500, 1000, "universal-3-6-pro")
    assert cut[C.START_MS].tolist() == [2000, 7000] and cut["threshold_ms"].tolist() == [500, 1000]
    # the silence-only rule: one threshold, max: 800 < 1000 kept, 1200 cut
    assert cut_holds(PAUSES, 500, 1000, "silence")[C.START_MS].tolist() == [7000]
    # Universal-Streaming's early bound: every hold from min: 800 and 1200 (300 < 500)
    assert cut_holds(PAUSES, 500, 1000, "universal-streaming")[C.START_MS].tolist() == [2000, 7000]


def test_slowest_turn_ends_wait_longest_first():
    # terminal -> waits min (500), not terminal -> max (1000); A's silence after (1500) lets it fire
    slow = slowest_turn_ends(ENDS, 500, 1000, "universal-3-6-pro")
    assert slow[C.END_MS].tolist() == [9000, 5000] and slow["wait_ms"].tolist() == [1000, 500]
    # at 1600/2000 A's terminal end waits 1600, but speech resumes after 1500 ms: never reached; B's stays
    assert slowest_turn_ends(ENDS, 1600, 2000)[C.END_MS].tolist() == [9000]


def test_clip_bounds_by_hand():
    # hold 2000..2800 ms, 1000 ms around: 1000 ms * 16 = 16000, 3800 ms * 16 = 60800
    assert clip_bounds(2000, 2800, 1000) == (16000, 60800)
    assert clip_bounds(500, 900, 1000, n_samples=20000) == (0, 20000)


def test_listen_examples_cut_the_seconds_around_each_example(tmp_path):
    ramp = write_ramp(tmp_path / "call.wav", 10.0)
    table = listen_examples(Result(PAUSES, ENDS, tmp_path), 500, 1000, "universal-3-6-pro", context_ms=1000)
    kinds = [(c.kind, c.at_ms) for c in table.clips]
    assert kinds == [("cut hold", 2000), ("cut hold", 7000), ("slow turn end", 9000), ("slow turn end", 5000)]
    first = table.clips[0]
    # 2000 - 1000 = 1000 ms -> sample 16000; 2800 + 1000 = 3800 ms -> sample 60800
    assert (first.first_sample, first.last_sample) == (16000, 60800)
    assert np.array_equal(read_wav(first.wav), ramp[16000:60800])
    second = table.clips[1]  # 7000 - 1000 = 6000 ms -> 96000; 8200 + 1000 = 9200 ms -> 147200
    assert (second.first_sample, second.last_sample) == (96000, 147200)
    assert np.array_equal(read_wav(second.wav), ramp[96000:147200])
    # B's turn end at 9000 waits 1000: 8000 ms -> 128000 to 9000 + 1000 + 500 = 10500 ms, clamped at 10 s = 160000
    slow = table.clips[2]
    assert (slow.first_sample, slow.last_sample) == (128000, 160000)
    assert np.array_equal(read_wav(slow.wav), ramp[128000:160000])
    page = table._repr_html_()
    assert page.count("<audio controls") == 4 and "data:audio/wav;base64," in page


def test_a_missing_recording_is_named_not_raised(tmp_path):
    table = listen_examples(Result(PAUSES, ENDS, tmp_path), 500, 1000)
    assert table.notes == ("call.wav: recording not found (pass audio= the folder holding it)",)
    assert all(c.wav == b"" for c in table.clips) and "<audio" not in table._repr_html_()
    with pytest.raises(TypeError, match="needs an analysis result"):
        listen_examples(object(), 500, 1000)


def test_wav_bytes_round_trip():
    x = np.array([0, 1, -1, 32767, -32768], dtype=np.int16)
    assert np.array_equal(read_wav(wav_bytes(x)), x)


def test_a_saved_summary_names_its_folder(tmp_path):
    """A summary loaded from disk (notebook 02) has the folder in its `summary` dict, not as an attribute."""
    from types import SimpleNamespace

    ramp = write_ramp(tmp_path / "call.wav", 10.0)
    saved = SimpleNamespace(pauses=PAUSES, turn_ends=ENDS, summary={"folder_path": str(tmp_path)})
    table = listen_examples(saved, 500, 1000, context_ms=1000)
    assert table.notes == () and np.array_equal(read_wav(table.clips[0].wav), ramp[16000:60800])


def test_a_setting_that_cuts_no_hold_says_so(tmp_path):
    write_ramp(tmp_path / "call.wav", 10.0)
    # 1300/1300: the longest hold is 1200 ms < 1300: nothing cut. Both turn ends wait 1300 ms and are reached
    # (A: 1500 ms of silence after it >= 1300; B: no speech after), equal waits in time order: 5000, 9000
    table = listen_examples(Result(PAUSES, ENDS, tmp_path), 1300, 1300)
    assert [(c.kind, c.at_ms) for c in table.clips] == [("slow turn end", 5000), ("slow turn end", 9000)]
    assert table.notes[0].startswith("no pause inside a turn is cut at this setting")
