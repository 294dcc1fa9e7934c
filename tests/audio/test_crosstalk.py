"""Crosstalk: speech that is only the other channel's leak is not speech.

The end-to-end tests build a two-channel call whose truth is set by hand: utterances
cut from the bundled synthetic sample's clean channels (their edges from its truth
file) are placed at chosen times, each channel gets the other at -20 dB, 30 ms late,
and the call is written as 16 kHz PCM and as 8 kHz mu-law and A-law WAV.
"""

import av
import numpy as np
import pytest

from turntune_nb.analysis.gaps import compute_transitions
from turntune_nb.audio.crosstalk import LEVEL_FRAME_MS, Leak, estimate_leak, leak_mask, resolve_crosstalk
from turntune_nb.audio.decode import decode_audio
from turntune_nb.audio.offline import transcribe_file_offline
from tests.audio.test_vad import ROOT

SOURCE = ROOT / "samples" / "synthetic" / "conv1.wav"
# conv1's truth: ch0 speaks 800-2772, 5559-6863, 7763-9019 ms; ch1 3122-4959, 8769-9637 ms
PIECES = {"A1": (0, 800, 2772), "A2": (0, 5559, 6863), "A3": (0, 7763, 9019),
          "B1": (1, 3122, 4959), "B2": (1, 8769, 9637), "b": (1, 3122, 3522)}   # b: 400 ms of B1, a backchannel
# (piece, start ms): A and B alternate, 300-500 ms gaps; "b" lies inside the second A1
LAYOUT = [("A1", 500), ("B1", 2872), ("A2", 5109), ("B2", 6913), ("A3", 8081), ("B1", 9637),
          ("A1", 11774), ("b", 12500), ("B2", 14146), ("A2", 15314), ("B1", 17018)]
CHANGES = [("ch1", 2872), ("ch0", 5109), ("ch1", 6913), ("ch0", 8081), ("ch1", 9637),
           ("ch0", 11774), ("ch1", 14146), ("ch0", 15314), ("ch1", 17018)]      # 9 speaker changes
BACKCHANNEL = ("ch1", 12500)


def build_call(tmp_path, bleed_db=-20.0, delay_ms=30):
    src = decode_audio(SOURCE, mono=False).samples.astype(np.float64)
    clean = np.zeros((2, 19500 * 16))
    for name, at in LAYOUT:
        ch, a, b = PIECES[name]
        clean[ch, at * 16:(at + b - a) * 16] += src[ch, a * 16:b * 16]
    rng = np.random.default_rng(11)
    clean += rng.standard_normal(clean.shape) * 20                      # -64 dBFS room tone, each channel its own
    d = delay_ms * 16
    late = np.concatenate([np.zeros((2, d)), clean[:, :-d]], axis=1)
    mixed = clean + 10 ** (bleed_db / 20) * late[::-1]                  # each channel carries the other's leak
    x = np.clip(np.round(mixed), -32768, 32767).astype(np.int16)
    path16 = tmp_path / "call16.wav"
    write_wav(path16, x, 16000, "pcm_s16le")
    at8 = decode_audio(path16, sample_rate=8000, mono=False).samples
    paths = {"pcm16": path16}
    for codec in ("pcm_mulaw", "pcm_alaw"):
        paths[codec] = tmp_path / f"call8.{codec}.wav"
        write_wav(paths[codec], at8, 8000, codec)
    return paths


def write_wav(path, x, rate, codec):
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream(codec, rate=rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x.T.reshape(1, -1)), format="s16", layout="stereo")
        frame.rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)


def floor_changes(transcript):
    tr = compute_transitions(transcript.to_frame())
    changes = tr[tr["kind"].isin(["gap", "overlap"])]
    contained = tr[tr["kind"] == "contained"]
    return list(zip(changes["speaker"], changes["start_ms"])), list(zip(contained["speaker"], contained["start_ms"]))


@pytest.fixture(scope="module")
def call(tmp_path_factory):
    return build_call(tmp_path_factory.mktemp("call"))


@pytest.mark.parametrize("codec", ["pcm16", "pcm_mulaw", "pcm_alaw"])
def test_bleed_of_minus_20db_keeps_all_nine_changes_and_one_backchannel(call, codec):
    t = transcribe_file_offline(call[codec])
    changes, contained = floor_changes(t)
    assert [s for s, _ in changes] == [s for s, _ in CHANGES]
    assert all(abs(got - want) <= 100 for (_, got), (_, want) in zip(changes, CHANGES)), changes
    assert len(contained) == 1 and contained[0][0] == BACKCHANNEL[0] and abs(contained[0][1] - BACKCHANNEL[1]) <= 100
    assert t.speaker_source == "channels"


@pytest.mark.parametrize("codec", ["pcm16", "pcm_mulaw"])
def test_without_resolution_a_leak_20_db_down_is_still_caught_as_background_talk(call, codec):
    """Resolution off: the leak is 20 dB under the party's speech, so the noise hardening
    (`turntune_nb.audio.denoise`: most of a channel's segments far under its usual speech) drops it, and says so.
    On mu-law too: its coding of the -64 dBFS room tone decodes to a DC offset of +12..16, which used to prop
    up the noise floor and let the leak through as the listener talking; the offset is now taken out."""
    t = transcribe_file_offline(call[codec], crosstalk=False)
    assert any(n.startswith("noise:") and "background talk" in n for n in t.notes)
    changes, _ = floor_changes(t)
    assert [s for s, _ in changes] == [s for s, _ in CHANGES]


def _levels(*rows):
    return np.array(rows, dtype=float)


def test_leak_estimate_by_hand():
    # channel 0 speaks in bursts; channel 1 holds it 20 ms later, 25 dB down, over a -80 dB floor
    rng = np.random.default_rng(2)
    a = np.where(np.arange(600) % 100 < 60, -20.0, -80.0) + rng.normal(0, 2, 600)
    b = np.maximum(np.concatenate([np.full(2, -80.0), a[:-2]]) - 25.0, -80.0)
    leak = estimate_leak(_levels(a, b), 0, 1)
    assert leak.lag_ms == 2 * LEVEL_FRAME_MS and leak.gain_db == pytest.approx(-25.0, abs=0.5)
    assert leak.frames == 360                         # 6 bursts of 60 frames


def test_a_segment_without_leak_keeps_its_boundaries_exactly():
    levels = np.full((2, 100), -80.0)
    levels[1, 20:50] = -20.0                          # ch1 speaks 200-500 ms; ch0 silent: nothing leaks
    assert resolve_crosstalk([[], [(203, 497)]], levels) == [[], [(203, 497)]]


def test_leak_inside_a_segment_cuts_it_and_short_pieces_go():
    levels = np.full((2, 200), -80.0)
    levels[0, 10:90] = -20.0 + np.random.default_rng(4).normal(0, 4, 80)   # ch0 speaks 100-900 ms
    levels[1, 11:91] = levels[0, 10:90] - 20.0        # its leak in ch1, 10 ms later, 20 dB down
    levels[1, 95:150] = -22.0                         # ch1's own answer 950-1500 ms
    # the detector heard ch1 from 110 ms to 1500 ms (leak and answer as one segment)
    got = resolve_crosstalk([[(100, 900)], [(110, 1500)]], levels)
    assert got[0] == [(100, 900)]
    assert got[1] == [(950, 1500)]


def test_leak_mask_needs_an_audible_leak():
    levels = np.full((2, 50), -80.0)
    levels[0, 10:40] = -70.0                          # ch0 so quiet that its leak lies far under ch1's floor
    mask = leak_mask(levels, 1, Leak(0, 1, 0, -20.0, 30))
    assert not mask.any()


def test_two_channels_only():
    with pytest.raises(ValueError, match="exactly two"):
        resolve_crosstalk([[], [], []], np.zeros((3, 10)))


def test_leak_delay_is_fitted_on_leak_frames_not_on_the_listeners_own_speech():
    # ch0 speaks 600 ms of every second (levels -20 dB +- 4); ch1 holds its copy 30 ms later, 20 dB down,
    # and talks over the middle 300 ms of each of ch0's turns at its own, unrelated levels (-15 dB +- 4).
    # Half of ch0's speaking frames are thus ch1's own speech: only the other half (where ch1's level is
    # exactly ch0's 20 dB down) tells the delay; a fit on the own-speech half finds some arbitrary lag.
    for seed in range(3):
        rng = np.random.default_rng(seed)
        pos = np.arange(1000) % 100
        a = np.where(pos < 60, -20.0 + rng.normal(0, 4, 1000), -80.0)
        b = np.maximum(np.concatenate([np.full(3, -80.0), a[:-3]]) - 20.0, -80.0)
        own = (pos >= 15) & (pos < 45)
        b[own] = -15.0 + rng.normal(0, 4, own.sum())
        leak = estimate_leak(_levels(a, b), 0, 1)
        assert leak.lag_ms == 3 * LEVEL_FRAME_MS, seed
        assert leak.gain_db == pytest.approx(-20.0, abs=0.5), seed


def test_a_short_own_reply_inside_the_other_partys_speech_survives():
    # ch0 speaks 100-1500 ms; its leak in ch1 10 ms later, 20 dB down. Inside it, ch1 says "uh-huh":
    # two 40 ms syllables (700-740, 780-820 ms) 18 dB over the leak, with 40 ms of leak between them.
    # The leak run between the syllables is shorter than min_silence (60 ms): one piece, 700-820 ms,
    # 120 ms long (>= min_speech 100) with 80 ms of its own speech (>= half of min_speech): kept.
    levels = np.full((2, 200), -80.0)
    levels[0, 10:150] = -20.0 + np.random.default_rng(4).normal(0, 4, 140)
    levels[1, 11:151] = levels[0, 10:150] - 20.0
    levels[1, 70:74] = levels[1, 78:82] = -22.0
    # the detector heard ch1 from 110 to 1510 ms: leak and reply as one segment
    got = resolve_crosstalk([[(100, 1500)], [(110, 1510)]], levels)
    assert got == [[(100, 1500)], [(700, 820)]]


def test_a_party_18_db_quieter_in_a_mono_mix_is_kept_not_taken_for_background_talk(tmp_path):
    """A mono recording of the same call with ch1's party 18 dB under ch0's (a far end mixed low; their
    voices' loud frames then stand about 16 dB apart): that party's five utterances outside the other's
    speech are not background talk, so each keeps most of its time as speech (before, the rule for a
    two-party channel's background talk dropped all five on mono too)."""
    src = decode_audio(SOURCE, mono=False).samples.astype(np.float64)
    x = np.zeros(19500 * 16)
    for name, at in LAYOUT:
        ch, a, b = PIECES[name]
        x[at * 16:(at + b - a) * 16] += src[ch, a * 16:b * 16] * (10 ** (-18 / 20) if ch else 1.0)
    x += np.random.default_rng(11).standard_normal(len(x)) * 20
    path = tmp_path / "mono_quiet_party.wav"
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.clip(np.round(x), -32768, 32767).astype(np.int16)[None, :],
                                           format="s16", layout="mono")
        frame.rate = 16000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    t = transcribe_file_offline(path, diarise=False)
    speech = np.zeros(19500 // 10, bool)
    for u in t.utterances:
        speech[u.start_ms // 10:u.end_ms // 10] = True
    quiet = [(at, at + PIECES[name][2] - PIECES[name][1]) for name, at in LAYOUT
             if PIECES[name][0] == 1 and name != "b"]
    assert len(quiet) == 5
    for a, b in quiet:
        assert speech[a // 10:b // 10].mean() >= 0.8, (a, b, speech[a // 10:b // 10].mean())
    assert not any("background talk" in n for n in t.notes)
