"""Real storage servers on loopback for the remote-folder tests: an HTTP server serving a folder with an
index page (``python -m http.server`` in a thread), an S3-compatible server (moto in server mode, as
s3fs's own tests use), a Google Cloud Storage emulator (``gcp-storage-emulator`` in a thread, reached by
gcsfs through ``STORAGE_EMULATOR_HOST``) and Azure's own emulator (Azurite, a Node program
``scripts/test`` installs into ``.ci/node``, reached by adlfs through a connection string), each holding
the synthetic samples.

Import the fixtures by name: ``from tests.remote_helpers import http_folder, s3, gcs, azure``.
"""

import functools
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

# gcsfs >= 2025.x first asks GCS over gRPC whether a bucket is zonal; an emulator speaks JSON only and
# each such call waits 60 s. Read by gcsfs when it is imported: set before any test imports it.
os.environ["GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"] = "false"

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC = ROOT / "samples" / "synthetic"
AUDIO = sorted(p.name for p in SYNTHETIC.iterdir() if p.is_file())  # the folder holds audio only (and truth/)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests: list = []

    def log_message(self, *args):
        QuietHandler.requests.append((self.command, self.path))


@pytest.fixture(scope="module")
def http_folder():
    """``python -m http.server`` in a thread: an index page linking the samples."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(SYNTHETIC)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()


@pytest.fixture(scope="module")
def s3():
    """A moto S3 server on loopback holding the synthetic samples (and one text file) in a bucket."""
    moto_server = pytest.importorskip("moto.server")
    s3fs = pytest.importorskip("s3fs")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {"AWS_ACCESS_KEY_ID": "testing-key-id", "AWS_SECRET_ACCESS_KEY": "testing-secret-0123",
           "AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": "us-east-1"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint})
    if not fs.exists("calls"):  # moto's store is per process: a second module's server finds the bucket
        fs.mkdir("calls")
    for name in AUDIO:
        fs.put_file(str(SYNTHETIC / name), f"calls/month/{name}")
    fs.pipe_file("calls/month/notes.txt", b"not audio")
    yield {"endpoint": endpoint, "fs": fs}
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


class _Env:
    """Set environment variables for a fixture's life, then put the old values back."""

    def __init__(self, **env):
        self.env, self.old = env, {k: os.environ.get(k) for k in env}
        os.environ.update(env)

    def restore(self):
        for k, v in self.old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _put_samples(fs, folder: str) -> None:
    for name in AUDIO:
        fs.put_file(str(SYNTHETIC / name), f"{folder}/{name}")
    fs.pipe_file(f"{folder}/notes.txt", b"not audio")


@pytest.fixture(scope="module")
def gcs():
    """gcp-storage-emulator on loopback (its HTTP server in a thread) holding the samples in bucket ``calls``;
    gcsfs finds it through ``STORAGE_EMULATOR_HOST``, anonymous (``FSSPEC_GCS_TOKEN=anon``)."""
    emulator = pytest.importorskip("gcp_storage_emulator.server")
    gcsfs = pytest.importorskip("gcsfs")
    server = emulator.create_server("127.0.0.1", 0, in_memory=True, default_bucket="calls")
    server.start()
    endpoint = f"http://127.0.0.1:{server._api._httpd.server_address[1]}"
    env = _Env(STORAGE_EMULATOR_HOST=endpoint, FSSPEC_GCS_TOKEN="anon")
    gcsfs.GCSFileSystem.clear_instance_cache()
    fs = gcsfs.GCSFileSystem()
    _put_samples(fs, "calls/month")
    yield {"endpoint": endpoint, "fs": fs}
    env.restore()
    gcsfs.GCSFileSystem.clear_instance_cache()
    server.stop()


#: Azurite's well-known development account (published in Azure's documentation; not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def azurite_command() -> str | None:
    """The ``azurite-blob`` program: ``$AZURITE_BLOB``, the copy ``scripts/test`` installs in ``.ci/node``,
    or one on the PATH."""
    local = ROOT / ".ci" / "node" / "node_modules" / ".bin" / "azurite-blob"
    for candidate in (os.environ.get("AZURITE_BLOB"), str(local) if local.exists() else None,
                      shutil.which("azurite-blob")):
        if candidate:
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def azure(tmp_path_factory):
    """Azurite's blob service (a subprocess on loopback, in memory) holding the samples in container
    ``calls``; adlfs reaches it through ``AZURE_STORAGE_CONNECTION_STRING``."""
    adlfs = pytest.importorskip("adlfs")
    command = azurite_command()
    if command is None:
        message = "Azurite is not installed (scripts/test installs it: npm install --prefix .ci/node azurite)"
        if os.environ.get("TURNTUNE_FULL_SUITE"):  # scripts/test installed it: missing is a failure there
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    log = tmp_path_factory.mktemp("azurite") / "azurite.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([command, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence",
                                 "--skipApiVersionCheck", "--disableTelemetry", "--silent"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Azurite did not start: {log.read_text(errors='replace')[-2000:]}") from None
                time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
        env = _Env(AZURE_STORAGE_CONNECTION_STRING=(
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint={endpoint};"))
        adlfs.AzureBlobFileSystem.clear_instance_cache()
        fs = adlfs.AzureBlobFileSystem()
        fs.mkdir("calls")
        _put_samples(fs, "calls/month")
        yield {"endpoint": endpoint, "fs": fs}
        env.restore()
        adlfs.AzureBlobFileSystem.clear_instance_cache()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
