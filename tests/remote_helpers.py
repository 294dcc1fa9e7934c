"""Real storage servers on loopback for the remote-folder tests: an HTTP server serving a folder with an
index page (``python -m http.server`` in a thread) and an S3-compatible server (moto in server mode, as
s3fs's own tests use), holding the synthetic samples.

Import the fixtures by name: ``from tests.remote_helpers import http_folder, s3``.
"""

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

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
