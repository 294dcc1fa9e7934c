"""Recording conditions: layout, bandwidth, level and SNR, and the accuracy note each condition gets."""

import numpy as np
import pytest

from turntune_nb.audio.conditions import (
    VALIDATED,
    Conditions,
    LayoutScan,
    accuracy_note,
    condition_band,
    detect_layout,
    estimate_bandwidth,
    measure_conditions,
    own_activity_ms,
)


def two_party_levels(quiet_db=0.0):
    """10 ms levels of a 60 s call: ch0 speaks 0-10 s, 20-30 s; ch1 10-20 s, 30-40 s (quiet_db quieter); floor -70."""
    lv = np.full((2, 6000), -70.0)
    lv[0, 0:1000] = lv[0, 2000:3000] = -20.0
    lv[1, 1000:2000] = lv[1, 3000:4000] = -20.0 - quiet_db
    return lv


def test_two_parties_are_stereo_even_when_one_is_40_db_quieter():
    # ch1 speaks at -60 dBFS over a -95 floor (a quiet line): 35 dB over its own floor
    lv = two_party_levels(40.0)
    lv[1, lv[1] == -70.0] = -95.0
    assert detect_layout(lv, 0.01)[0] == "stereo"
    # own activity: each party's 20 s (2 x 1000 frames of 10 ms), minus the 300 ms (30 frames) right after the
    # other stops, where a party counts only 10 dB louder than the other's loudest of the last 300 ms: ch1 (-60)
    # loses 300 ms at 10 s and at 30 s (ch0 was at -20), ch0 (-20) nothing at 20 s (ch1 was at -60: 40 dB under)
    assert own_activity_ms(lv) == [20_000, 20_000 - 2 * 300]


def test_identical_channels_by_correlation():
    assert detect_layout(two_party_levels(), 0.97)[0] == "identical"
    assert detect_layout(two_party_levels(), 0.90)[0] == "stereo"


def test_a_channel_holding_only_leak_or_noise_is_silent():
    lv = two_party_levels()
    lv[1] = -70.0 + np.random.default_rng(0).normal(0, 1, 6000)       # noise, +-1 dB: never 15 dB over its floor
    lv[1, 5:1000] = -45.0                                                # ch0's leak, 25 dB down, 50 ms late
    layout, live, why = detect_layout(lv, 0.3)
    assert (layout, live) == ("one-silent", 0) and why.startswith("ch1 holds 0.0 s of sound of its own")
    # the same leak but 1 s of ch1's own (quiet) speech while ch0 is silent: a party, not silence
    lv[1, 4500:4600] = -55.0
    assert detect_layout(lv, 0.3)[0] == "stereo"


def test_more_than_two_channels_and_mono():
    assert detect_layout(np.zeros((1, 10)), None)[0] == "mono"
    assert detect_layout(np.zeros((3, 10)), None)[0] == "multichannel"


def test_bandwidth_telephone_versus_wideband():
    rng = np.random.default_rng(3)
    t = np.arange(16000 * 4) / 16000
    speechy = sum(np.sin(2 * np.pi * f * t) / (1 + f / 500) for f in (200, 700, 1500, 2500, 3300)) * 8000
    wide = speechy + sum(np.sin(2 * np.pi * f * t) * 80 for f in (5000, 6000, 7400))   # -40 dB-ish highs
    for x, telephone in ((speechy + rng.normal(0, 0.5, len(t)), True), (wide, False)):
        scan = LayoutScan(16000)
        scan.process(np.round(x).astype(np.int16)[None, :])
        bw = scan.bandwidth_hz()
        assert (bw <= 4500) == telephone, bw
    # a spectrum flat to 3.8 kHz and 70 dB down above it: the last band within 45 dB of the top ends at 4000 Hz
    f = np.fft.rfftfreq(512, 1 / 16000)
    assert estimate_bandwidth(np.where(f < 3800, 1.0, 1e-7), 16000) == 4000


def test_correlation_of_the_scan():
    x = np.round(np.random.default_rng(1).normal(0, 3000, 16000)).astype(np.int16)
    scan = LayoutScan(16000)
    scan.process(np.vstack([x, x]))
    assert scan.correlation == pytest.approx(1.0)
    assert scan.level_matrix().shape == (2, 100)      # 1 s in 10 ms frames
    silent = LayoutScan(16000)
    silent.process(np.vstack([x, np.zeros_like(x)]))
    assert silent.correlation is None


def test_snr_and_level_from_the_speech_found():
    lv = np.full((2, 400), -60.0)
    lv[0, 0:100] = -20.0           # ch0 speaks 0-1 s at -20, noise -60: SNR 10*log10((1e-2 - 1e-6)/1e-6) = 40.0
    lv[1, 200:300] = -40.0         # ch1 speaks 2-3 s at -40: SNR 10*log10((1e-4 - 1e-6)/1e-6) = 19.96 -> 20.0
    c = measure_conditions(lv, [[(0, 1000)], [(2000, 3000)]], "stereo", 4000)
    assert (c.speech_level_db, c.noise_level_db, c.snr_db) == (-40.0, -60.0, 20.0)   # the harder party
    assert c.telephone and condition_band(c) == "noisy"


def test_accuracy_note_comes_from_the_condition_or_says_outside():
    clean = accuracy_note(Conditions("stereo", 8000, -20.0, -60.0))
    v = VALIDATED["clean"]
    assert f"about {v['missed']:g} % of the speech missed" in clean and "SNR 25 dB and over" in clean
    noisy = accuracy_note(Conditions("stereo", 8000, -20.0, -40.0))         # SNR 10*log10((1e-2 - 1e-4)/1e-4) = 20.0
    assert "(noisy, SNR 15-25 dB" in noisy and f"{VALIDATED['noisy']['precision']:g} % precise" in noisy
    very = accuracy_note(Conditions("stereo", 8000, -20.0, -32.0))          # 10*log10((1e-2 - 10^-3.2)/10^-3.2) = 11.7
    assert "(very noisy, SNR 10-15 dB" in very
    outside = accuracy_note(Conditions("stereo", 8000, -20.0, -27.0))       # SNR 10*log10(10^-2-10^-2.7)/10^-2.7 = 6.0
    assert "SNR 6 dB" in outside and "OUTSIDE every validated condition" in outside
    assert condition_band(Conditions("mono")) is None
    with pytest.raises(ValueError, match="layout"):
        Conditions("quad")


def test_the_scan_takes_a_dc_offset_out_of_levels_and_correlation():
    """Two independent noises (std 300, -41 dBFS) over the same DC 2000 (-24 dBFS), then a silent channel over DC
    -1500: uncentred, the first pair correlates at 2000^2 / (2000^2 + 300^2) = 0.98 (it would read as one mono
    call saved twice) and the silent channel sits at -27 dBFS. Centred: about 0, and digital silence."""
    rng = np.random.default_rng(3)
    a, b = (np.round(rng.normal(0, 300, 32000)) for _ in range(2))
    scan = LayoutScan(16000)
    for k in range(0, 32000, 16000):                     # two 1 s blocks: the offset is known from the first
        scan.process(np.vstack([a[k:k + 16000] + 2000, b[k:k + 16000] + 2000]).astype(np.int16))
    assert abs(scan.correlation) < 0.03
    assert scan.dc == pytest.approx([2000, 2000], abs=4)        # the noise's mean over 2 s: std 300 / sqrt(32000)
    assert np.median(scan.level_matrix()) == pytest.approx(20 * np.log10(300 / 32768), abs=0.5)
    quiet = LayoutScan(16000)
    quiet.process(np.vstack([a[:16000] + 2000, np.full(16000, -1500)]).astype(np.int16))
    assert quiet.correlation is None and quiet.dc[1] == -1500
    assert quiet.level_matrix()[1].max() < -200                 # digital silence once the offset is out
