"""What AssemblyAI is given for each input: a URL it can fetch itself, or an upload.

- an http(s) URL is submitted as ``audio_url``, as always;
- a `RemoteFile` (``s3://``, ``gs://``, ``az://``, an http(s) folder's file) is
  submitted by URL when the service can fetch it: its own https URL, or a presigned
  one from ``fs.sign()`` (s3fs, gcsfs, adlfs). Nothing is downloaded or uploaded.
  Only an object no service can reach (``file://``, a store that cannot sign) is
  fetched once (`turntune_nb.remote.fetch`) and uploaded;
- a local file is uploaded once (the journal keeps its upload URL); with
  ``upload_codec="flac"`` a 16-bit PCM WAV is sent as lossless FLAC
  (`turntune_nb.audio.encode`), and `UploadStats` counts the bytes saved.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..files import is_url
from ..remote import RemoteFile, fetch, signed_url

__all__ = ("UploadStats", "audio_url_for", "check_upload_codec")


@dataclass
class UploadStats:
    """What a run sent: files by URL (nothing uploaded), files uploaded, and their bytes."""

    by_url: int = 0
    uploaded: int = 0
    bytes_sent: int = 0
    bytes_original: int = 0  # of the uploaded files as they are on disk
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def bytes_saved(self) -> int:
        return self.bytes_original - self.bytes_sent

    def add(self, **counts) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)

    def note(self) -> str | None:
        """A line for the run's notes, or None when nothing was saved or sent by URL."""
        parts = []
        if self.by_url:
            parts.append(f"{self.by_url} file(s) submitted by URL (not uploaded)")
        if self.bytes_saved > 0:
            share = 100 * self.bytes_saved / self.bytes_original
            parts.append(f"FLAC before upload: {self.bytes_sent:,} bytes sent instead of "
                         f"{self.bytes_original:,} ({self.bytes_saved:,} bytes, {share:.0f}% saved)")
        return "; ".join(parts) or None


def check_upload_codec(codec) -> None:
    """Refuse an unknown ``upload_codec`` before anything is sent.

    Raises
    ------
    ConfigError
    """
    if codec not in (None, "flac"):
        raise ConfigError(f"upload_codec must be 'flac' or None, got {codec!r}")


def audio_url_for(src, client, upload_codec=None, stats: UploadStats | None = None, fetch_dir=None) -> tuple[str, bool]:
    """``(audio_url, uploaded)`` for one input: a URL the service fetches, or the upload URL of its bytes.

    The returned URL may be presigned (credentials in its query): it is given to the
    service only, never shown.
    """
    stats = stats if stats is not None else UploadStats()
    if is_url(src):
        stats.add(by_url=1)
        return str(src), False
    if isinstance(src, RemoteFile):
        url = signed_url(src)
        if url is not None:
            stats.add(by_url=1)
            return url, False
        src = fetch(src, fetch_dir)
    from pathlib import Path

    path = Path(src)
    size = path.stat().st_size
    if upload_codec == "flac":
        from ..audio.encode import flac_for_upload

        with tempfile.TemporaryDirectory(prefix="turntune-flac-") as tmp:
            flac = flac_for_upload(path, tmp)
            if flac is not None and flac.stat().st_size < size:
                sent = flac.stat().st_size
                url = client.upload(flac)
                stats.add(uploaded=1, bytes_sent=sent, bytes_original=size)
                return url, True
    url = client.upload(path)
    stats.add(uploaded=1, bytes_sent=size, bytes_original=size)
    return url, True
