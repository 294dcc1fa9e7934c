"""Remote folders through fsspec against real servers on loopback: an HTTP server serving a folder
with an index page, an S3-compatible server (moto in server mode, as s3fs's own tests use), a Google
Cloud Storage emulator (gcp-storage-emulator, through gcsfs) and Azurite (Azure's blob emulator, through
adlfs). Every remote run is compared with the local run of the same files (DataFrames, figures)."""

import base64
import hashlib
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from tests.remote_helpers import AZURITE_KEY, AUDIO, SYNTHETIC, QuietHandler, azure, gcs, http_folder, s3  # noqa: F401
from turntune_nb import analyze_folder
from turntune_nb.errors import InputError
from turntune_nb.files import collect_inputs
from turntune_nb.remote import RemoteFile, fetch, is_remote, public_url, resolve_remote, signed_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def local_result():
    return analyze_folder(str(SYNTHETIC), backend="offline", progress=False)


def _same_figures(remote, local):
    pd.testing.assert_frame_equal(remote.transitions, local.transitions)
    pd.testing.assert_frame_equal(remote.pauses, local.pauses)
    pd.testing.assert_frame_equal(remote.per_file, local.per_file)
    assert remote.overall == local.overall
    assert remote.recommendation == local.recommendation


def test_which_urls_are_remote():
    assert is_remote("s3://bucket/calls/") and is_remote("gs://b/x.wav") and is_remote("file:///tmp/x/")
    assert is_remote("https://host/calls/")  # a folder to list: it ends in /
    assert not is_remote("https://host/calls/a.wav")  # one audio URL, submitted to AssemblyAI as before
    assert not is_remote("calls/a.wav")
    assert public_url("https://me:pw@host:8080/a.wav?X-Amz-Signature=abc#t") == "https://host:8080/a.wav"


def test_http_folder_is_listed_by_its_index_and_filtered_by_extension(http_folder):
    inputs, skipped = collect_inputs(http_folder)
    assert [r.name for r in inputs] == AUDIO
    assert all(isinstance(r, RemoteFile) and r.size == (SYNTHETIC / r.name).stat().st_size for r in inputs)
    assert skipped == []  # the truth/ sub-folder is a folder, not a file


def test_http_folder_gives_the_local_runs_figures(http_folder, local_result, tmp_path):
    result = analyze_folder(http_folder, backend="offline", progress=False, fetch_dir=tmp_path)
    _same_figures(result, local_result)
    assert result.folder_path == http_folder


def test_a_fetched_object_is_fetched_once(http_folder, tmp_path):
    remote = collect_inputs(http_folder)[0][0]
    QuietHandler.requests.clear()
    first = fetch(remote, tmp_path)
    second = fetch(remote, tmp_path)
    assert first == second and first.name == remote.name
    assert first.read_bytes() == (SYNTHETIC / remote.name).read_bytes()
    assert oct(first.stat().st_mode & 0o777) == "0o600"
    assert [r for r in QuietHandler.requests if r[0] == "GET"] == [("GET", f"/{remote.name}")]
    changed = RemoteFile(remote.url, remote.size, "another-etag")  # the object changed: fetched again
    assert fetch(changed, tmp_path) != first


def test_s3_folder_lists_audio_and_skips_the_rest(s3):
    inputs, skipped = collect_inputs("s3://calls/month/")
    assert [r.name for r in inputs] == AUDIO
    assert [s.name for s in skipped] == ["notes.txt"]
    expected = hashlib.md5((SYNTHETIC / AUDIO[0]).read_bytes()).hexdigest()  # S3's ETag of a one-part upload
    assert inputs[0].etag == expected
    assert str(inputs[0]) == f"s3://calls/month/{AUDIO[0]}"


def test_s3_folder_gives_the_local_runs_figures(s3, local_result, tmp_path):
    result = analyze_folder("s3://calls/month/", backend="offline", progress=False, fetch_dir=tmp_path)
    _same_figures(result, local_result)
    assert [s["filename"] for s in result.skipped] == ["notes.txt"]
    assert "testing-secret" not in repr(result.to_summary())


def test_s3_single_object_and_missing_folder(s3):
    files, folder = resolve_remote(f"s3://calls/month/{AUDIO[0]}")
    assert not folder and [f.name for f in files] == [AUDIO[0]]
    with pytest.raises(InputError, match="s3://calls/nothing-here"):
        collect_inputs("s3://calls/nothing-here/")


def test_s3_objects_are_signed_for_a_service_to_fetch(s3):
    remote = collect_inputs("s3://calls/month/")[0][0]
    url = signed_url(remote)
    assert url.startswith(s3["endpoint"]) and "Signature" in url
    import urllib.request

    assert urllib.request.urlopen(url).read() == (SYNTHETIC / remote.name).read_bytes()
    assert "Signature" not in str(remote) and "Signature" not in repr(remote)


def test_file_urls_and_a_missing_protocol_package(tmp_path):
    inputs, _ = collect_inputs("file://" + str(ROOT / "samples" / "real"))
    assert [r.name for r in inputs] == ["sample.wav"]
    assert signed_url(inputs[0]) is None  # nothing a service could fetch: it is uploaded
    try:
        import gcsfs  # noqa: F401
    except ImportError:
        with pytest.raises(InputError, match=r"gs:// protocol needs .*pip install 'turntune_nb\[gcs\]'"):
            collect_inputs("gs://no-such-bucket-turntune/calls/")


def test_credentials_in_a_folder_url_stay_out_of_the_result(http_folder, tmp_path):
    with_user = http_folder.replace("http://", "http://someone:hunter2-secret@")
    result = analyze_folder(with_user, backend="offline", progress=False, fetch_dir=tmp_path)
    assert result.folder_path == http_folder
    assert "hunter2" not in repr(result.to_summary()) and "hunter2" not in result.summary_text()


# --------------------------------------------------------------------------- gs:// (gcsfs) and az:// (adlfs)
def test_gcs_folder_lists_audio_with_its_checksums(gcs):
    inputs, skipped = collect_inputs("gs://calls/month/")
    assert [r.name for r in inputs] == AUDIO and [s.name for s in skipped] == ["notes.txt"]
    assert [str(r) for r in inputs] == [f"gs://calls/month/{n}" for n in AUDIO]
    assert [r.size for r in inputs] == [(SYNTHETIC / n).stat().st_size for n in AUDIO]
    # GCS reports an object's MD5 base64-encoded (md5Hash, and the JSON API's etag for a simple upload)
    expected = base64.b64encode(hashlib.md5((SYNTHETIC / AUDIO[0]).read_bytes()).digest()).decode()
    assert inputs[0].etag == expected


def test_gcs_folder_gives_the_local_runs_figures(gcs, local_result, tmp_path):
    result = analyze_folder("gs://calls/month/", backend="offline", progress=False, fetch_dir=tmp_path)
    _same_figures(result, local_result)
    assert [s["filename"] for s in result.skipped] == ["notes.txt"]
    assert result.folder_path == "gs://calls/month/"


def test_gcs_object_without_signing_credentials_is_uploaded_not_signed(gcs):
    # anonymous access holds no private key to sign a URL with: the object goes the upload way
    remote = collect_inputs("gs://calls/month/")[0][0]
    assert signed_url(remote) is None
    files, folder = resolve_remote(f"gs://calls/month/{AUDIO[1]}")
    assert not folder and [(f.name, f.size) for f in files] == [(AUDIO[1], (SYNTHETIC / AUDIO[1]).stat().st_size)]


def test_azure_folder_lists_audio_under_the_scheme_given(azure):
    from azure.storage.blob import BlobServiceClient

    inputs, skipped = collect_inputs("az://calls/month/")
    assert [r.name for r in inputs] == AUDIO and [s.name for s in skipped] == ["notes.txt"]
    assert [str(r) for r in inputs] == [f"az://calls/month/{n}" for n in AUDIO]  # adlfs says abfs://
    assert [r.size for r in inputs] == [(SYNTHETIC / n).stat().st_size for n in AUDIO]
    # the ETag as Azure's own SDK reads it, independently of adlfs
    import os

    service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
    props = service.get_blob_client("calls", f"month/{AUDIO[0]}").get_blob_properties()
    assert inputs[0].etag == props.etag.strip('"')


def test_azure_folder_gives_the_local_runs_figures_and_never_shows_the_key(azure, local_result, tmp_path):
    result = analyze_folder("az://calls/month/", backend="offline", progress=False, fetch_dir=tmp_path)
    _same_figures(result, local_result)
    assert [s["filename"] for s in result.skipped] == ["notes.txt"]
    shown = repr(result.to_summary()) + result.summary_text() + repr(collect_inputs("az://calls/month/")[0])
    assert AZURITE_KEY not in shown and AZURITE_KEY[:12] not in shown


def test_azure_objects_are_signed_for_a_service_to_fetch(azure):
    remote = collect_inputs("az://calls/month/")[0][0]
    url = signed_url(remote)
    assert url.startswith(azure["endpoint"] + "/calls/month/") and "sig=" in url  # a SAS made from the key
    assert urllib.request.urlopen(url).read() == (SYNTHETIC / remote.name).read_bytes()
    assert "sig=" not in str(remote) and "sig=" not in repr(remote)


# --------------------------------------------------------------------------- no signature is ever written
def test_a_presigned_s3_flow_writes_no_signature_anywhere(s3, tmp_path):
    """The real command on an s3:// folder with the AssemblyAI backend: each object is sent as a presigned
    URL (the fake really fetches it from the S3 server), AssemblyAI echoes it, a re-run reads the cache,
    and a report is written. No file written, nor stderr, holds the signature or the key id; the echoed
    ``audio_url`` is kept as the unsigned object URL."""
    import json
    import os

    from tests.assemblyai_helpers import KEY
    from tests.cli.helpers import run_cli
    from tests.fake_assemblyai import FakeAssemblyAI

    out, cache = tmp_path / "out", tmp_path / "cache"

    def leaks() -> list:
        return [str(p) for p in tmp_path.rglob("*")
                if p.is_file() and any(s in p.read_bytes() for s in (b"Signature", b"testing-key-id"))]

    with FakeAssemblyAI(api_key=KEY, processing_time=0.05, fetch_urls=True) as fake:
        env = dict(os.environ, ASSEMBLYAI_API_KEY=KEY, ASSEMBLYAI_BASE_URL=fake.url,
                   ASSEMBLYAI_POLLING_INTERVAL="0.05", PYTHONPATH=str(ROOT))
        args = ["analyze", "s3://calls/month/", "--backend", "assemblyai", "--cache-dir", cache, "--out", out]
        runs, leaked = [], []
        for _ in range(2):  # the second from the cache
            runs.append(run_cli(*args, env=env))
            leaked += leaks()
        sent = [j["audio_url"] for j in fake.state.data["prerecorded"]["jobs"].values()]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert len(sent) == len(AUDIO) and all("Signature=" in u for u in sent)  # what was sent was signed
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    transcripts = [p for p in written if p.parent.name == "transcripts"]
    assert len(transcripts) == len(AUDIO) and len([p for p in written if p.parent.parent == cache]) == len(AUDIO)
    for path in transcripts:
        assert json.loads(path.read_text())["audio_url"] == f"{s3['endpoint']}/calls/month/{path.stem}"
    leaked += [f"stderr {i}" for i, r in enumerate(runs) if "Signature" in r.stderr + r.stdout]
    assert not leaked


# --------------------------------------------------------------------------- an index page's links stay inside
@pytest.fixture
def crafted_index(tmp_path):
    """A real HTTP server over a root holding ``outside.wav`` and ``calls/`` (``a.wav``, ``b.wav`` and an
    index page linking them under several spellings, and linking out of the folder and to other hosts)."""
    import functools
    import http.server
    import shutil
    import threading

    root = tmp_path / "www"
    (root / "calls").mkdir(parents=True)
    shutil.copy(SYNTHETIC / "conv1.wav", root / "outside.wav")
    shutil.copy(SYNTHETIC / "conv1.wav", root / "calls" / "a.wav")
    shutil.copy(SYNTHETIC / "conv3.mp3", root / "calls" / "b.mp3")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    port = srv.server_address[1]
    links = ["a.wav", "./a.wav", "/calls/a.wav", f"http://127.0.0.1:{port}/calls/a.wav", "sub/../a.wav",
             "%62.mp3", "b.mp3", "../outside.wav", "/outside.wav", f"http://127.0.0.1:{port}/calls/../outside.wav",
             "calls/../../outside.wav", "http://other.invalid/calls/a.wav", f"http://127.0.0.1:{port}/callsx/a.wav"]
    (root / "calls" / "index.html").write_text("<html><body>" + "".join(f'<a href="{h}">{h}</a>' for h in links)
                                               + "</body></html>")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}/calls/"
    srv.shutdown()


def test_an_index_pages_links_are_kept_only_under_the_folder_each_object_once(crafted_index):
    """13 links: 5 spellings of a.wav, 2 of b.mp3, 4 ways out of the folder (``../``, an absolute path, a
    full URL with ``..``, a relative ``../..``), another host and a sibling folder whose name starts like
    this one's: 2 inputs, and nothing outside is even asked for."""
    QuietHandler.requests.clear()
    inputs, skipped = collect_inputs(crafted_index)
    assert [str(r) for r in inputs] == [crafted_index + "a.wav", crafted_index + "b.mp3"]
    assert not skipped
    assert not [p for _, p in QuietHandler.requests if "outside" in p or "callsx" in p]
