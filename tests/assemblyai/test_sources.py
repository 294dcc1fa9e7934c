"""What AssemblyAI is given: objects the service can fetch go by URL (a presigned S3 URL reaches the
fake as ``audio_url``, which the fake really GETs, with no upload); others are uploaded once; WAVs go
as lossless FLAC with ``upload_codec="flac"``. Against the fake AssemblyAI and a moto S3 server."""

from __future__ import annotations

import hashlib
import wave

import numpy as np
import pytest

from tests.assemblyai_helpers import KEY, POLL_S, PROCESSING_S, fake, fast_client, jobs, wav_bytes  # noqa: F401
from tests.assemblyai_helpers import write_wavs
from tests.fake_assemblyai import FakeAssemblyAI
from tests.fake_assemblyai.prerecorded import add_url, derive_utterances
from tests.remote_helpers import AUDIO, SYNTHETIC, s3  # noqa: F401
from turntune_nb import analyze_folder
from turntune_nb.assemblyai.batch import BatchOptions, transcribe_files
from turntune_nb.assemblyai.cache import TranscriptCache
from turntune_nb.assemblyai.sources import BatchRequest, UploadStats, check_upload_codec, probe_channels
from turntune_nb.errors import ConfigError
from turntune_nb.files import collect_inputs


QUIET = BatchOptions(progress=False, poll_interval=POLL_S)


@pytest.fixture
def fetching_fake():
    with FakeAssemblyAI(api_key=KEY, processing_time=PROCESSING_S, fetch_urls=True) as server:
        yield server


@pytest.fixture
def fclient(fetching_fake):
    with fast_client(fetching_fake) as c:
        yield c


def _uploads(fake) -> list:
    return list(fake.state.data["prerecorded"]["uploads"].values())


def test_presigned_s3_urls_reach_the_service_as_audio_url_with_no_upload(s3, fetching_fake, fclient, tmp_path):
    inputs, _ = collect_inputs("s3://calls/month/")
    by_url = transcribe_files(inputs, fclient, cache_dir=tmp_path / "cache", options=QUIET)
    assert fetching_fake.state.counts["upload"] == 0
    urls = [j["audio_url"] for j in jobs(fetching_fake)]
    assert len(urls) == len(AUDIO)
    assert all(u.startswith(s3["endpoint"] + "/calls/month/") and "Signature=" in u for u in urls)
    assert [o.status for o in by_url.outcomes] == ["ok"] * len(AUDIO)
    assert by_url.uploads.by_url == len(AUDIO) and by_url.uploads.uploaded == 0
    shown = repr([(o.source, o.name, o.reason) for o in by_url.outcomes])
    assert "Signature" not in shown and "testing-secret" not in shown
    # the fake derives a transcript from the bytes it fetched: the same as for the local files uploaded
    # (with the same request: a local two-channel file would otherwise go as multichannel, a URL's channels
    # are not known here)
    local = transcribe_files([SYNTHETIC / n for n in AUDIO], fclient, cache_dir=None, options=QUIET,
                             multichannel=False)
    assert [t.utterances for t in by_url.transcripts] == [t.utterances for t in local.transcripts]
    # an unchanged object (same ETag and size) is not paid for again
    before = dict(fetching_fake.state.counts)
    again = transcribe_files(collect_inputs("s3://calls/month/")[0], fclient, cache_dir=tmp_path / "cache",
                             options=QUIET)
    assert all(o.cached for o in again.outcomes)
    assert fetching_fake.state.counts["submit"] == before["submit"]


def test_an_object_no_service_can_fetch_is_uploaded_once(fetching_fake, fclient, tmp_path):
    folder = tmp_path / "calls"
    paths = write_wavs(folder, 2)
    inputs, _ = collect_inputs("file://" + str(folder))
    result = transcribe_files(inputs, fclient, cache_dir=tmp_path / "cache", options=QUIET,
                              fetch_dir=tmp_path / "fetched")
    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    assert sorted(_uploads(fetching_fake)) == sorted(p.read_bytes() for p in paths)
    transcribe_files(inputs, fclient, cache_dir=tmp_path / "cache", options=QUIET)
    assert fetching_fake.state.counts["upload"] == 2  # the re-run is served by the cache


def test_flac_before_upload_sends_fewer_bytes_and_says_how_many(fetching_fake, tmp_path):
    wav = SYNTHETIC / "conv1.wav"  # 16-bit PCM, two channels
    result = analyze_folder([wav], backend="assemblyai", api_key=KEY, base_url=fetching_fake.url,
                            cache_dir=False, progress=False, poll_interval=POLL_S, upload_codec="flac")
    sent = _uploads(fetching_fake)
    assert len(sent) == 1 and sent[0][:4] == b"fLaC"
    saved = wav.stat().st_size - len(sent[0])
    assert saved > 0
    assert any(f"{saved:,} bytes" in n and "FLAC before upload" in n for n in result.notes)


def test_upload_stats_and_codec_check():
    stats = UploadStats()
    stats.add(uploaded=1, bytes_sent=400, bytes_original=1000)
    stats.add(by_url=2)
    assert stats.bytes_saved == 600
    assert stats.note() == ("2 file(s) submitted by URL (not uploaded); FLAC before upload: 400 bytes sent "
                            "instead of 1,000 (600 bytes, 60% saved)")
    with pytest.raises(ConfigError, match="upload_codec"):
        check_upload_codec("mp3")


def test_files_of_an_http_folder_are_submitted_by_their_own_url(fetching_fake, fclient, tmp_path):
    from tests.remote_helpers import QuietHandler
    import functools
    import http.server
    import threading

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(SYNTHETIC)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}/"
        result = transcribe_files(collect_inputs(base)[0], fclient, cache_dir=None, options=QUIET)
    finally:
        srv.shutdown()
    assert fetching_fake.state.counts["upload"] == 0
    assert sorted(j["audio_url"] for j in jobs(fetching_fake)) == [base + n for n in AUDIO]
    assert [o.status for o in result.outcomes] == ["ok"] * len(AUDIO)


# --------------------------------------------------------------------------- the request per file
MODELS = ["universal-3-5-pro"]  # the client's default speech_models


def stereo_wav(path, seed: int = 7, ms: int = 400, rate: int = 8000):
    """A tiny two-channel 16-bit WAV of seeded noise (one party per channel, as call centres record)."""
    frames = np.random.default_rng(seed).integers(-2000, 2000, size=(rate * ms // 1000, 2), dtype=np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())  # interleaved L R L R ...
    return path


@pytest.fixture
def client(fake):
    with fast_client(fake) as c:
        yield c


def _run(inputs, client, cache_dir, **request):
    return transcribe_files(inputs, client, cache_dir=cache_dir, options=QUIET, **request)


def _params(fake) -> list:
    """What the fake received in each submission, less audio_url, in order."""
    return [{k: v for k, v in j["params"].items() if k != "audio_url"} for j in jobs(fake)]


def test_probe_channels_reads_the_header_only():
    assert probe_channels(SYNTHETIC / "conv1.wav") == 2  # the synthetic calls hold one party per channel
    assert probe_channels(SYNTHETIC.parent / "real" / "sample.wav") == 1


def test_probe_channels_of_what_it_cannot_read_is_unknown(tmp_path):
    (tmp_path / "junk.wav").write_bytes(b"\x00garbage" * 40)
    assert probe_channels(tmp_path / "junk.wav") is None
    assert probe_channels("https://example.org/call.wav") is None
    assert probe_channels(stereo_wav(tmp_path / "two.wav")) == 2


def test_a_two_channel_wav_is_sent_multichannel_and_its_speakers_are_its_channels(fake, client, tmp_path):
    two = stereo_wav(tmp_path / "two.wav")
    mono = tmp_path / "mono.wav"
    mono.write_bytes(wav_bytes(3))
    result = _run([two, mono], client, tmp_path / "cache")
    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    by_name = {j["params"]["audio_url"]: j for j in jobs(fake)}
    assert len(by_name) == 2
    sent = sorted(_params(fake), key=lambda p: "multichannel" in p)
    # mono: diarised as before; two channels: each transcribed apart, no speaker_labels
    assert sent == [{"speaker_labels": True, "speech_models": MODELS},
                    {"speaker_labels": False, "multichannel": True, "speech_models": MODELS}]
    stereo_t, mono_t = result.transcripts
    # the fake's own conversation for these bytes: its speaker A talks on channel 1, B on channel 2,
    # so A's utterances are ch0 (channel 0 here), B's ch1
    expected = [({"A": "ch0", "B": "ch1"}[spk], s, e, {"A": 0, "B": 1}[spk])
                for spk, s, e, _ in derive_utterances(two.read_bytes())]
    assert [(u.speaker, u.start_ms, u.end_ms, u.channel) for u in stereo_t.utterances] == expected
    assert stereo_t.speaker_source == "channels" and stereo_t.speakers == ("ch0", "ch1")
    assert all(w.speaker == u.speaker for u in stereo_t.utterances for w in u.words)
    assert mono_t.speaker_source is None and mono_t.speakers == ("A", "B")
    # the file's request is what its journal and cache entry hold
    digest = hashlib.sha256(two.read_bytes()).hexdigest()
    body = {"speaker_labels": False, "multichannel": True, "speech_models": MODELS}
    entry = TranscriptCache(tmp_path / "cache").load(TranscriptCache.key(digest, body))
    assert entry["state"] == "completed" and entry["options"] == body


def test_multichannel_given_wins_and_a_changed_request_is_a_new_key(fake, client, tmp_path):
    two = stereo_wav(tmp_path / "two.wav")
    cache = tmp_path / "cache"
    _run([two], client, cache)
    _run([two], client, cache)
    assert fake.state.counts["submit"] == 1  # the same request is never paid twice
    plain = _run([two], client, cache, multichannel=False)
    assert fake.state.counts["submit"] == 2  # multichannel changed: another key, another job
    assert _params(fake)[-1] == {"speaker_labels": True, "speech_models": MODELS}  # False is the default: not sent
    assert plain.transcripts[0].speakers == ("A", "B") and plain.transcripts[0].speaker_source is None
    _run([two], client, cache, multichannel=False)
    assert fake.state.counts["submit"] == 2
    digest = hashlib.sha256(two.read_bytes()).hexdigest()
    keys = {TranscriptCache.key(digest, {"speaker_labels": False, "multichannel": True, "speech_models": MODELS}),
            TranscriptCache.key(digest, {"speaker_labels": True, "speech_models": MODELS})}
    assert len(keys) == 2 and all(TranscriptCache(cache).load(k)["state"] == "completed" for k in keys)


def test_multichannel_true_goes_for_every_file_even_a_url(fake, client, tmp_path):
    add_url(fake, "https://example.org/two.wav", stereo_wav(tmp_path / "two.wav").read_bytes())
    _run(["https://example.org/two.wav"], client, None)  # channels not known here: as before
    _run(["https://example.org/two.wav"], client, None, multichannel=True)
    assert _params(fake) == [{"speaker_labels": True, "speech_models": MODELS},
                             {"speaker_labels": False, "multichannel": True, "speech_models": MODELS}]


def test_speakers_go_as_speaker_options_for_mono_and_not_for_two_channels(fake, client, tmp_path):
    mono = tmp_path / "mono.wav"
    mono.write_bytes(wav_bytes(5))
    two = stereo_wav(tmp_path / "two.wav")
    result = _run([mono, two], client, None, speakers=3)
    options = {"min_speakers_expected": 3, "max_speakers_expected": 3}
    assert sorted(_params(fake), key=lambda p: "multichannel" in p) == [
        {"speaker_labels": True, "speaker_options": options, "speech_models": MODELS},
        {"speaker_labels": False, "multichannel": True, "speech_models": MODELS}]
    # the fake honours min = max = 3: its conversation goes round A, B, C
    assert result.transcripts[0].speakers == ("A", "B", "C")
    with pytest.warns(DeprecationWarning, match="speakers_expected is deprecated by AssemblyAI"):
        _run([mono], client, None, speakers_expected=2, multichannel=False)
    assert _params(fake)[-1]["speaker_options"] == {"min_speakers_expected": 2, "max_speakers_expected": 2}
    assert "speakers_expected" not in _params(fake)[-1]


def test_speaker_labels_given_with_two_channels_diarises_within_each_channel(fake, client, tmp_path):
    two = stereo_wav(tmp_path / "two.wav")
    result = _run([two], client, None, speaker_labels=True)
    assert _params(fake) == [{"speaker_labels": True, "multichannel": True, "speech_models": MODELS}]
    assert result.transcripts[0].speaker_source == "channels"


@pytest.mark.parametrize("request_, message", [
    ({"speakers": 2, "speaker_labels": False}, "they need speaker_labels=True"),
    ({"speakers": 0}, r"option speakers=0: expected a whole number of speakers"),
    ({"speakers": 2, "speakers_expected": 3}, "speakers=2 and speakers_expected=3 disagree"),
    ({"speaker_options": {"min_speakers_expected": 3, "max_speakers_expected": 2}}, r"min_speakers_expected \(3\) "
                                                                                     r"is more than"),
    ({"speaker_options": {"max_speakers": 2}}, "unknown field"),
    ({"multichannel": "yes"}, r"option multichannel='yes': expected True or False"),
])
def test_a_request_assemblyai_would_refuse_is_refused_before_paying(request_, message):
    with pytest.warns(DeprecationWarning) if "speakers_expected" in request_ else _no_warning():
        with pytest.raises(ConfigError, match=message):
            BatchRequest.from_request(request_, MODELS)


def _no_warning():
    import contextlib

    return contextlib.nullcontext()


def test_the_body_per_channel_count_worked_by_hand():
    request = BatchRequest.from_request({"language_detection": True}, MODELS)
    assert request.needs_channels
    assert request.body(None) == request.body(1) == {"speaker_labels": True, "speech_models": MODELS,
                                                     "language_detection": True}
    assert request.body(2) == {"speaker_labels": False, "multichannel": True, "speech_models": MODELS,
                               "language_detection": True}
    assert request.body(6) == request.body(1)  # many channels: no telling who is on which, as offline
    fixed = BatchRequest.from_request({"multichannel": False}, MODELS)
    assert not fixed.needs_channels and fixed.body(2) == {"speaker_labels": True, "speech_models": MODELS}


def test_channels_labelled_by_bare_numbers_read_the_same(tmp_path):
    """The docs' plain multichannel example prints "Channel {utterance.speaker}": a fake answering
    ``1``/``2`` (and a mono file sent multichannel: one channel) reads the same way."""
    two, mono = stereo_wav(tmp_path / "two.wav"), tmp_path / "mono.wav"
    mono.write_bytes(wav_bytes(9))
    with FakeAssemblyAI(api_key=KEY, processing_time=PROCESSING_S, multichannel_labels="digits") as server:
        with fast_client(server) as c:
            result = _run([two, mono], c, None, multichannel=True)
            labels = [[u["speaker"] for u in c.get(j["id"])["utterances"]] for j in jobs(server)]
    assert sorted(set(x) for x in labels) == [{"1"}, {"1", "2"}]  # what the fake answered
    stereo_t, mono_t = result.transcripts
    assert stereo_t.speakers == ("ch0", "ch1") and stereo_t.speaker_source == "channels"
    assert mono_t.speakers == ("ch0",) and {u.channel for u in mono_t.utterances} == {0}



def test_a_two_channel_file_diarised_before_is_said_to_be_transcribed_again(fake, client, tmp_path, caplog):
    """A cache made before two-channel files went multichannel holds their diarised transcript: the run
    says it pays once more for the exact one, and how to keep the old."""
    two = stereo_wav(tmp_path / "two.wav")
    cache = tmp_path / "cache"
    _run([two], client, cache, multichannel=False)  # what earlier versions sent for every file
    with caplog.at_level("WARNING", logger="turntune_nb.assemblyai.batch"):
        _run([two], client, cache)
    said = [r.getMessage() for r in caplog.records if "two-channel file(s)" in r.getMessage()]
    assert said == ["1 two-channel file(s) (two.wav) have a cached transcript made with speaker labels; they are "
                    "transcribed again with multichannel=true (speakers from channels, exact), which is paid "
                    "once. Pass multichannel=False to keep the diarised transcripts."]
    assert fake.state.counts["submit"] == 2
    caplog.clear()
    with caplog.at_level("WARNING", logger="turntune_nb.assemblyai.batch"):
        _run([two], client, cache)  # both are cached now: nothing to say, nothing paid
    assert not [r for r in caplog.records if "two-channel" in r.getMessage()] and fake.state.counts["submit"] == 2


def test_an_answer_that_does_not_echo_multichannel_is_still_read_by_channel(tmp_path):
    two = stereo_wav(tmp_path / "two.wav")
    with FakeAssemblyAI(api_key=KEY, processing_time=PROCESSING_S, echo_multichannel=False) as server:
        with fast_client(server) as c:
            result = _run([two], c, tmp_path / "cache")
            (job,) = jobs(server)
            assert "multichannel" not in c.get(job["id"])  # the fake's answer says nothing of it
    assert result.transcripts[0].speakers == ("ch0", "ch1") and result.transcripts[0].speaker_source == "channels"
