"""Decoding: every bundled format, chunking, and a clear error for every bad file."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from turntune_nb.audio.decode import AudioData, decode_audio, iter_audio_chunks
from turntune_nb.errors import AudioDecodeError, InputError

ROOT = Path(__file__).resolve().parents[2]
SYNTH = ROOT / "samples" / "synthetic"
REAL = ROOT / "samples" / "real" / "sample.wav"
TRUTHS = sorted((SYNTH / "truth").glob("*.json"))


def truth(path):
    return json.loads(path.read_text())


def test_every_format_is_bundled():
    suffixes = {Path(truth(t)["file"]).suffix for t in TRUTHS}
    assert {".wav", ".flac", ".mp3", ".m4a", ".mp4", ".opus", ".ogg", ".webm"} <= suffixes


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.stem)
def test_every_format_decodes_with_its_channels_and_length(truth_path):
    t = truth(truth_path)
    audio = decode_audio(SYNTH / t["file"], mono=False)
    assert audio.sample_rate == 16000 and audio.samples.dtype == np.int16
    assert audio.channels == t["channels"]
    # lossy codecs pad the last frame; AAC written without an edit list also keeps
    # its 1024-sample priming: at most 2 x 1024 samples = 128 ms longer
    assert 0 <= audio.duration_ms - t["duration_ms"] <= 128
    if audio.channels == 2:
        # the parties stay on their own channel: in the middle of each utterance
        # its channel is loud and the other holds only the noise floor (std 20)
        for seg in t["segments"]:
            mid = (seg["start_ms"] + seg["end_ms"]) // 2 * 16
            window = audio.samples[:, mid - 800:mid + 800].astype(np.float64)
            rms = np.sqrt((window ** 2).mean(axis=1))
            others = [s for s in t["segments"] if s["channel"] != seg["channel"]
                      and s["start_ms"] - 100 < (mid // 16) < s["end_ms"] + 100]
            assert rms[seg["channel"]] > 300
            if not others:
                assert rms[1 - seg["channel"]] < 60


def test_mono_downmix_of_stereo_file():
    audio = decode_audio(SYNTH / "conv1.wav")
    assert audio.samples.shape[0] == 1 and audio.duration_ms == truth(SYNTH / "truth" / "conv1.wav.json")["duration_ms"]


def test_real_sample():
    audio = decode_audio(REAL)
    assert audio.samples.shape == (1, 480000) and audio.duration_ms == 30000 and audio.name == "sample.wav"


def test_resampling_to_another_rate():
    assert decode_audio(REAL, sample_rate=8000).samples.shape == (1, 240000)


def test_chunks_rebuild_the_whole_file_exactly():
    whole = decode_audio(SYNTH / "conv1.wav", mono=False).samples
    chunks = list(iter_audio_chunks(SYNTH / "conv1.wav", chunk_ms=50, mono=False))
    assert all(c.shape == (2, 800) for c in chunks[:-1]) and 1 <= chunks[-1].shape[1] <= 800
    assert np.array_equal(np.concatenate(chunks, axis=1), whole)
    mono = list(iter_audio_chunks(SYNTH / "conv1.wav", chunk_ms=50))
    assert mono[0].ndim == 1 and mono[0].shape == (800,)
    assert sum(len(c) for c in mono) == whole.shape[1]


def test_chunk_length_must_be_whole_samples():
    with pytest.raises(ValueError, match="chunk_ms"):
        next(iter_audio_chunks(REAL, chunk_ms=0))


def test_audiodata_validates():
    with pytest.raises(ValueError, match="int16"):
        AudioData(np.zeros(10, dtype=np.float32), 16000, "x.wav")


@pytest.fixture
def bad_files(tmp_path):
    flac = (SYNTH / "conv2.flac").read_bytes()
    rng = np.random.default_rng(0)
    files = {
        "empty.wav": b"",
        "notes.mp3": b"this is a text file, not audio\n" * 40,
        "header_only.flac": flac[:300],
        "garbage.flac": flac[:100] + rng.integers(0, 256, 20000, dtype=np.uint8).tobytes(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.imsave(tmp_path / "picture.png", np.zeros((4, 4)))
    (tmp_path / "picture.png").rename(tmp_path / "picture.m4a")
    (tmp_path / "folder.wav").mkdir()
    return tmp_path


@pytest.mark.parametrize("name, reason", [
    ("missing.wav", "file not found"),
    ("empty.wav", "empty (0 bytes)"),
    ("notes.mp3", "cannot open it as a media file"),
    ("header_only.flac", "cannot open it as a media file"),
    ("garbage.flac", "empty or corrupt"),
    ("picture.m4a", "no audio stream in it (it holds: video)"),
    ("folder.wav", "a folder, not an audio file"),
])
def test_bad_files_raise_a_clear_error_naming_the_file(bad_files, name, reason):
    with pytest.raises(AudioDecodeError) as info:
        decode_audio(bad_files / name)
    err = info.value
    assert isinstance(err, InputError) and err.path.endswith(name) and reason in err.reason
    assert name in str(err)
    with pytest.raises(AudioDecodeError):
        list(iter_audio_chunks(bad_files / name))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    f = tmp_path / "locked.wav"
    f.write_bytes(REAL.read_bytes()[:1000])
    f.chmod(0)
    with pytest.raises(AudioDecodeError, match="permission denied"):
        decode_audio(f)
