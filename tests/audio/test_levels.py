"""Frame levels and spectral flatness: the signal measures the detector, conditions and crosstalk share."""

import numpy as np
import pytest

from turntune_nb.audio.levels import frame_levels_db, spectral_flatness


def test_frame_levels_by_hand():
    # a full-scale square wave has power 1 (0 dB); +-16384 has power 1/4 (-6.02 dB); +-3277 about 1/100 (-20 dB);
    # digital silence has no power at all: -240 dB (the 1e-24 floor)
    frames = np.array([[32767, -32767] * 80, [16384, -16384] * 80, [3277, -3277] * 80, [0, 0] * 80], dtype=np.int16)
    got = frame_levels_db(frames)
    assert np.allclose(got[:3], [20 * np.log10(32767 / 32768), -6.0206, 20 * np.log10(3277 / 32768)], atol=1e-3)
    assert got[3] == pytest.approx(-240.0)


@pytest.mark.parametrize("rate", [8000, 16000])
def test_spectral_flatness_tells_noise_from_a_voice_like_tone(rate):
    n = rate * 32 // 1000
    t = np.arange(n) / rate
    voiced = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 20)) * 3000     # 150 Hz and harmonics
    noise = np.random.default_rng(1).standard_normal(n) * 3000
    # white noise: the mean of a chi-square's log, e^-0.577 = 0.56; a harmonic spectrum is mostly empty
    assert 0.4 < spectral_flatness(noise.astype(np.int16), rate) < 0.7
    assert spectral_flatness(voiced.astype(np.int16), rate) < 0.1
