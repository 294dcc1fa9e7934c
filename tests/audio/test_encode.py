"""Lossless FLAC before upload: the samples decoded from the FLAC are the WAV's, read by the standard
library's `wave` module (an independent reader)."""

import wave

import av
import numpy as np

from turntune_nb.audio.encode import flac_for_upload
from tests.remote_helpers import SYNTHETIC


def _wav_samples(path):
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, w.getnchannels()), w.getframerate()


def _flac_samples(path):
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        frames = [f.to_ndarray() for f in c.decode(stream)]
        return np.concatenate(frames, axis=1).reshape(-1, stream.channels), stream.rate


def test_flac_holds_exactly_the_wavs_samples(tmp_path):
    for name in ("conv1.wav",):
        src = SYNTHETIC / name
        out = flac_for_upload(src, tmp_path)
        got, rate = _flac_samples(out)
        want, want_rate = _wav_samples(src)
        assert rate == want_rate and np.array_equal(got, want)
        assert out.stat().st_size < src.stat().st_size
        assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_other_formats_are_left_alone(tmp_path):
    assert flac_for_upload(SYNTHETIC / "conv3.mp3", tmp_path) is None
    assert flac_for_upload(SYNTHETIC / "conv2.flac", tmp_path) is None
