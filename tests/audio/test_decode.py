"""Decoding: every bundled format, chunking, and a clear error for every bad file."""

import json
import os
from pathlib import Path

import av
import numpy as np
import pytest

from turntune_nb.audio.decode import AudioData, DecodeReport, _wav_data_ms, decode_audio, iter_audio_chunks
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


# --------------------------------------------------------------------------- truncated, damaged, telephone
def _tone_bursts(path, fmt, codec, rate=16000):
    """10 s: a 220 Hz tone on during the even seconds (0-1, 2-3, ...), off during the odd ones."""
    t = np.arange(rate * 10) / rate
    x = (np.sin(2 * np.pi * 220 * t) * 8000 * ((t.astype(int) % 2) == 0)).astype(np.int16)
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(x[None, :], format="s16", layout="mono")
        frame.rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


def _onsets_ms(samples):
    x = samples[0][: len(samples[0]) // 160 * 160].astype(float)
    on = np.abs(x).reshape(-1, 160).mean(axis=1) > 1000
    return ((np.flatnonzero(np.diff(on.astype(int)) == 1) + 1) * 10).tolist()


@pytest.mark.parametrize("fmt, codec, ext", [("wav", "pcm_s16le", "wav"), ("mp3", "mp3", "mp3")])
def test_truncated_file_decodes_as_far_as_it_goes_and_says_so(tmp_path, fmt, codec, ext):
    full = _tone_bursts(tmp_path / f"full.{ext}", fmt, codec)
    data = full.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: len(data) * 4 // 10])          # 40 % of the bytes: about 4 of the 10 s
    report = DecodeReport()
    audio = decode_audio(cut, report=report)
    assert 3500 <= audio.duration_ms <= 4100
    assert report.expected_ms == 10000 and report.decoded_ms == audio.duration_ms and report.truncated
    note = report.notes()[0]
    assert f"decoded {audio.duration_ms / 1000:.1f} s of the 10.0 s its header announces" in note
    whole = DecodeReport()
    decode_audio(full, report=whole)
    assert not whole.truncated and whole.notes() == []


def test_corrupt_stretch_in_an_mp3_is_skipped_and_later_audio_keeps_its_time(tmp_path):
    full = _tone_bursts(tmp_path / "full.mp3", "mp3", "mp3")
    data = bytearray(full.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 3000] = np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(bytes(data))
    report = DecodeReport()
    audio = decode_audio(bad, report=report)            # one bad stretch no longer throws the file away
    assert report.skipped_packets >= 1 and report.filled_ms > 500
    assert "undecodable packet(s) skipped" in " ".join(report.notes())
    assert f"{audio.duration_ms / 1000:.1f} s decoded of the 10.0 s its header announces" in report.notes()[-1]
    # tone onsets by construction at 2, 4, 6, 8 s: the one inside the damage may go, the rest stay put
    onsets = _onsets_ms(audio.samples)
    assert all(any(abs(o - want) <= 30 for o in onsets) for want in (2000, 8000)), onsets
    assert abs(audio.duration_ms - 10000) <= 100


def test_wav_header_length_is_read_from_the_data_chunk(tmp_path):
    path = _tone_bursts(tmp_path / "t.wav", "wav", "pcm_s16le", rate=8000)
    assert _wav_data_ms(path) == 10000
    (tmp_path / "not.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    assert _wav_data_ms(tmp_path / "not.wav") is None


@pytest.mark.parametrize("codec", ["pcm_mulaw", "pcm_alaw"])
def test_8khz_telephone_wav_decodes_to_16khz(tmp_path, codec):
    path = _tone_bursts(tmp_path / f"{codec}.wav", "wav", codec, rate=8000)
    audio = decode_audio(path)
    assert audio.sample_rate == 16000 and audio.duration_ms == 10000
    assert _onsets_ms(audio.samples) == [2000, 4000, 6000, 8000]
