"""The transcript cache: completed transcripts and submitted job ids, one JSON file
per (audio content, request options), so a re-run makes no request for a finished
file and resumes polling a submitted one instead of paying for it again. Every
write is atomic.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

from ..files import atomic_write_json, is_url

__all__ = ("TranscriptCache", "default_cache_dir", "content_hash")

log = logging.getLogger(__name__)

_CACHE_VERSION = 1
_HASH_CHUNK = 1 << 20


def content_hash(source) -> str:
    """SHA-256 of a file's bytes (read in chunks), or of a URL's text."""
    h = hashlib.sha256()
    if is_url(source):
        h.update(b"url:" + str(source).encode("utf-8"))
        return h.hexdigest()
    with open(source, "rb") as f:
        for chunk in iter(lambda: f.read(_HASH_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def default_cache_dir() -> Path:
    """``$TURNTUNE_CACHE_DIR``, else ``$XDG_CACHE_HOME/turntune_nb/assemblyai`` (``~/.cache`` by default)."""
    if os.environ.get("TURNTUNE_CACHE_DIR"):
        return Path(os.environ["TURNTUNE_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "turntune_nb" / "assemblyai"


class TranscriptCache:
    """Completed transcripts and submitted job ids, one JSON file per (content, options).

    Parameters
    ----------
    root : path
        The cache folder (created when first written).
    """

    def __init__(self, root):
        self.root = Path(root)

    @staticmethod
    def key(content_hash: str, options: dict) -> str:
        """The cache key: the content hash plus a hash of the request options."""
        opts = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()[:16]
        return f"{content_hash}-{opts}"

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def load(self, key: str) -> dict | None:
        """The entry for `key`, or None (also for an unreadable entry, which is then rewritten)."""
        path = self.path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            log.warning("ignoring unreadable cache entry %s (%s)", path, err)
            return None
        return entry if isinstance(entry, dict) and entry.get("version") == _CACHE_VERSION else None

    def save_submitted(self, key: str, name: str, transcript_id: str, base_url: str, options: dict) -> None:
        atomic_write_json(self.path(key), {
            "version": _CACHE_VERSION, "state": "submitted", "source": name, "transcript_id": transcript_id,
            "base_url": base_url, "options": options, "saved": time.strftime("%Y-%m-%dT%H:%M:%S"),
        })

    def save_completed(self, key: str, name: str, data: dict, options: dict) -> None:
        atomic_write_json(self.path(key), {
            "version": _CACHE_VERSION, "state": "completed", "source": name, "transcript_id": data.get("id"),
            "options": options, "saved": time.strftime("%Y-%m-%dT%H:%M:%S"), "transcript": data,
        })

    def forget(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
