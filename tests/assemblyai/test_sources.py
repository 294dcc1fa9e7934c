"""What AssemblyAI is given: objects the service can fetch go by URL (a presigned S3 URL reaches the
fake as ``audio_url``, which the fake really GETs, with no upload); others are uploaded once; WAVs go
as lossless FLAC with ``upload_codec="flac"``. Against the fake AssemblyAI and a moto S3 server."""

from __future__ import annotations

import pytest

from tests.assemblyai_helpers import KEY, POLL_S, PROCESSING_S, fast_client, jobs, write_wavs
from tests.fake_assemblyai import FakeAssemblyAI
from tests.remote_helpers import AUDIO, SYNTHETIC, s3  # noqa: F401
from turntune_nb import analyze_folder
from turntune_nb.assemblyai.batch import BatchOptions, transcribe_files
from turntune_nb.assemblyai.sources import UploadStats, check_upload_codec
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
