"""Noise hardening: spectral subtraction before detection, background talk after it."""

import numpy as np

from turntune_nb.audio.denoise import NoiseReducer, drop_background, estimate_noise_psd, level_spread_db


def tone_in_noise(rng, n=48000, noise=1000.0):
    t = np.arange(n) / 16000
    tone = np.where((t > 1.0) & (t < 2.0), 8000 * np.sin(2 * np.pi * 440 * t), 0.0)
    return tone, tone + rng.normal(0, noise, n)


def test_noise_is_taken_out_and_the_signal_kept_in_place():
    rng = np.random.default_rng(0)
    tone, noisy = tone_in_noise(rng)
    x = np.round(noisy).astype(np.int16)
    red = NoiseReducer(estimate_noise_psd(x[None, :])[0])
    # fed in uneven chunks: the output is as long as the input and lines up with it sample for sample
    out = np.concatenate([red.process(x[:7000]), red.process(x[7000:30001]), red.process(x[30001:]), red.flush()])
    assert len(out) == len(x)
    quiet, loud = slice(1000, 15000), slice(17000, 31000)
    # noise alone: power down by at least 10 dB (over-subtraction 2, gain floor 0.1 -> about 20 dB at best)
    assert np.mean(out[quiet].astype(float) ** 2) < 0.1 * 1000.0 ** 2
    # the tone (8000 peak: power 3.2e7) keeps at least 90 % of its power, in phase with the input
    assert np.mean(out[loud].astype(float) ** 2) > 0.9 * np.mean(tone[loud] ** 2)
    assert np.corrcoef(out[loud], tone[loud])[0, 1] > 0.99


def test_without_noise_the_filter_gives_the_input_back():
    x = np.round(np.sin(np.arange(16000) / 7) * 5000).astype(np.int16)
    red = NoiseReducer(np.zeros(257))
    out = np.concatenate([red.process(x), red.flush()])
    # sqrt-Hann analysis and synthesis at 50 % overlap sum to one: exact but for the first and last half frame
    assert np.abs(out[256:-256].astype(int) - x[256:-256]).max() <= 1


def test_white_noise_psd_estimate_is_its_mean_power():
    rng = np.random.default_rng(2)
    psd = estimate_noise_psd(np.round(rng.normal(0, 1000, (1, 160000))).astype(np.int16))[0]
    # a bin's mean power: sum(window^2) * variance = 256 * 1e6 (periodic Hann sums to 256 over 512 samples)
    assert 0.85 < np.median(psd) / 2.56e8 < 1.15


def test_background_talk_is_dropped_and_speech_kept():
    lv = np.full(1000, -70.0)
    lv[0:200] = -20.0        # speech, 2 s
    lv[300:400] = -26.0      # a quieter answer: 6 dB under, kept
    lv[500:530] = -40.0      # babble: 20 dB under the usual -20, dropped (12 dB rule)
    lv[600:650] = -31.0      # 11 dB under: kept
    segs = [(0, 2000), (3000, 4000), (5000, 5300), (6000, 6500)]
    kept, dropped = drop_background(segs, lv)
    assert kept == [(0, 2000), (3000, 4000), (6000, 6500)] and dropped == [(5000, 5300)]
    assert drop_background([], lv) == ([], [])


def test_level_spread():
    # 95th percentile -20, 10th percentile -60 (digital silence at -240 left out)
    assert level_spread_db(np.array([-240.0] * 30 + [-60.0] * 50 + [-20.0] * 50)) == 40.0
