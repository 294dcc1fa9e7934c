"""The transcript cache and the journal of paid work: one JSON file per (audio
content, request options), holding the completed transcript, or, per region (base
URL), where its job stands.

Paid work is journaled ahead, as a database journals a write: the upload URL as
soon as the upload answers (so a resumed file is not uploaded again), the intent
(``state: "submitting"``, with the upload URL, options and time) *before* the
billed ``POST /v2/transcript`` is sent, the job id the moment the reply arrives.
A run killed at any point leaves either no intent (nothing was paid), an intent
(the job may exist: `AssemblyAIClient.find_transcript` finds it by its unique
upload URL before anything is paid again) or a job id (polled, not paid again).

Every write goes to a unique temporary name, is fsynced and renamed (see
`turntune_nb.files.atomic_write_bytes`); files are 0600 in 0700 folders. One run
at a time per cache folder: `TranscriptCache.lock` is an inter-process lock
(``filelock``), held for a whole run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import InputError
from ..files import PRIVATE_FILE_MODE, atomic_write_json, is_url, make_private_dir, unsigned_url, without_url_queries
from ..remote import RemoteFile

__all__ = ("TranscriptCache", "default_cache_dir", "content_hash", "DAMAGED")

log = logging.getLogger(__name__)

_CACHE_VERSION = 1
_HASH_CHUNK = 1 << 20
#: Journal states of a job, in the order a job goes through them.
UPLOADED, SUBMITTING, SUBMITTED = "uploaded", "submitting", "submitted"
#: The marker left where a damaged entry held nothing to look its job up by: its file is not paid blind.
DAMAGED = "damaged"
#: What can be read of a damaged entry: a job id, an upload URL.
_SALVAGE_ID = re.compile(r'"transcript_id"\s*:\s*"([A-Za-z0-9_-]{1,128})"')
_SALVAGE_URL = re.compile(r'"upload_url"\s*:\s*"(https?://[^"\\\s]{1,2000})"')


def content_hash(source) -> str:
    """SHA-256 of a file's bytes (read in chunks), of a URL's text, or of a `RemoteFile`'s fingerprint
    (its URL, ETag and size: an unchanged object is not fetched to be hashed, nor paid for twice)."""
    h = hashlib.sha256()
    if isinstance(source, RemoteFile):
        h.update(b"remote:" + source.fingerprint.encode("utf-8"))
        return h.hexdigest()
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


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


class TranscriptCache:
    """Completed transcripts and the journal of submitted jobs, one JSON file per (content, options).

    Parameters
    ----------
    root : path
        The cache folder (created 0700 when first written).

    Examples
    --------
    >>> import tempfile
    >>> cache = TranscriptCache(tempfile.mkdtemp())
    >>> key = TranscriptCache.key("ab" * 32, {"speaker_labels": True})
    >>> cache.save_intent(key, "call.wav", "https://api.assemblyai.com", {}, "https://cdn.example/u1")
    >>> cache.job(key, "https://api.assemblyai.com")["state"]
    'submitting'
    >>> cache.save_submitted(key, "call.wav", "job-1", "https://api.assemblyai.com", {})
    >>> cache.job(key, "https://api.assemblyai.com")["transcript_id"], cache.job(key, "https://api.eu.assemblyai.com")
    ('job-1', None)
    """

    def __init__(self, root):
        self.root = Path(root)
        self.damaged: dict[str, dict] = {}  # key -> what was read of its damaged entry (set aside)

    @staticmethod
    def key(content_hash: str, options: dict) -> str:
        """The cache key: the content hash plus a hash of the request options."""
        opts = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()[:16]
        return f"{content_hash}-{opts}"

    def path(self, key: str) -> Path:
        """Where the entry of `key` is kept."""
        return self.root / key[:2] / f"{key}.json"

    # ------------------------------------------------------------------ checks and the lock
    def check(self, keys) -> None:
        """Refuse a cache whose folder cannot be written, or whose entries are not files.

        Runs before anything is uploaded: a cache that cannot record a job would pay for
        it again on every run.

        Raises
        ------
        InputError
            Naming the folder or entry and what to do.
        """
        from ..files import check_writable_dir

        check_writable_dir(self.root, "The cache folder")
        bad = [self.path(k) for k in keys if self.path(k).exists() and not self.path(k).is_file()]
        bad += [self.path(k).parent for k in keys if self.path(k).parent.exists() and not self.path(k).parent.is_dir()]
        if bad:
            shown = ", ".join(str(p) for p in bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
            raise InputError(f"cache entries that are not files: {shown}. Remove them (they are not "
                             "turntune's) or use another --cache-dir, then run again. Nothing was uploaded or paid.")

    def lock(self, timeout: float = -1) -> FileLock:
        """The inter-process lock of this cache (acquire it with ``with``; ``timeout=-1`` waits)."""
        make_private_dir(self.root)
        # not thread-local: after an interrupt, the thread that waits out an abandoned request releases it
        return FileLock(self.root / ".turntune.lock", timeout=timeout, mode=PRIVATE_FILE_MODE, thread_local=False)

    def acquire(self, on_wait=None) -> FileLock:
        """Take the lock, waiting for another run on this cache to finish (Ctrl+C stops the wait).

        `on_wait` is called once, with the lock file's path, when the lock is held elsewhere.
        Temporary files a killed run left half-written are removed once the lock is held.
        """
        lock = self.lock()
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait is not None:
                on_wait(lock.lock_file)
            while True:  # in short waits: the same process may hold it (an abandoned run finishing)
                try:
                    lock.acquire(timeout=0.5)
                    break
                except Timeout:
                    continue
        for tmp in self.root.glob("*/.*.tmp"):  # left by a run killed mid-write; no one else writes here now
            tmp.unlink(missing_ok=True)
        return lock

    # ------------------------------------------------------------------ reading
    def load(self, key: str) -> dict | None:
        """The entry for `key`, or None. A damaged entry (not JSON, or not an entry) is moved aside, kept
        for a person to look at, and reported once (see `set_aside`)."""
        path = self.path(key)
        try:
            entry = json.loads(path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
            return self.set_aside(key, f"not JSON: {err}")
        except OSError as err:
            log.warning("cannot read the cache entry %s (%s); check its permissions", path, err.strerror or err)
            return None
        if isinstance(entry, dict) and entry.get("version") == _CACHE_VERSION:
            return entry
        return self.set_aside(key, "not a turntune cache entry") if not isinstance(entry, dict) else None

    def set_aside(self, key: str, why: str) -> dict | None:
        """Move `key`'s damaged entry to ``damaged/`` beside the entries (kept for a person), say once
        what it means, and keep what can be read of it for the journal: a job id (polled, free), else
        an upload URL (its job looked up in AssemblyAI's list before anything is paid); with neither,
        a marker entry (``state: "damaged"``) stops its file from being paid blind until it is deleted.
        Returns the marker entry, or None."""
        path = self.path(key)
        try:
            raw = path.read_bytes().decode("utf-8", "replace")
            when = path.stat().st_mtime
            aside = self.root / "damaged" / f"{key}.{time.strftime('%Y%m%dT%H%M%S')}.{os.urandom(3).hex()}.json"
            make_private_dir(aside.parent)
            os.replace(path, aside)
        except OSError as err:
            log.warning("the cache entry %s is damaged (%s) and cannot be moved aside (%s)", path, why,
                        err.strerror or err)
            return None
        tid = _SALVAGE_ID.search(raw)
        url = _SALVAGE_URL.search(raw)
        salvaged = {"transcript_id": tid.group(1)} if tid else {"upload_url": url.group(1)} if url else {}
        if salvaged:
            self.damaged[key] = dict(salvaged, intent_time=when, aside=str(aside))
        meaning = ("its job id is kept and its transcript fetched again (free)" if tid else
                   "its file's job is looked up in AssemblyAI's list by its upload URL before anything is paid "
                   "again" if url else
                   f"it holds no job id or upload URL to look its job up by, so its file is not paid for blind: "
                   f"delete {path} to transcribe it again (once you are sure no job was made)")
        log.warning("the cache entry %s was damaged (%s); it is kept as %s for you to look at. An earlier run "
                    "may have paid for its file: %s", path, why, aside, meaning)
        if salvaged:
            return None
        marker = {"version": _CACHE_VERSION, "state": DAMAGED, "aside": str(aside), "saved": _now()}
        try:
            atomic_write_json(path, marker)
        except OSError:
            return None
        return marker

    def job(self, key: str, base_url: str) -> dict | None:
        """What the journal holds for `key`'s job at `base_url` (a region): ``state``
        (``uploaded``, ``submitting``, ``submitted``), ``upload_url``, ``transcript_id``,
        ``intent_time`` (seconds since the epoch); None when there is none."""
        entry = self.load(key)
        if key in self.damaged:  # what was read of a damaged entry, until the journal is written again
            found = self.damaged[key]
            return {"state": SUBMITTED if "transcript_id" in found else SUBMITTING, **found}
        if entry and entry.get("state") == DAMAGED:
            return {"state": DAMAGED, "aside": entry.get("aside"), "entry": str(self.path(key))}
        if not entry or entry.get("state") == "completed":
            return None
        jobs = entry.get("jobs")
        if isinstance(jobs, dict) and isinstance(jobs.get(base_url), dict):
            return dict(jobs[base_url])
        if entry.get("state") == SUBMITTED and entry.get("base_url") == base_url:  # written before the journal
            return {"state": SUBMITTED, "transcript_id": entry.get("transcript_id")}
        return None

    # ------------------------------------------------------------------ writing
    def _record(self, key: str, name: str, base_url: str, options: dict, **job) -> None:
        self.damaged.pop(key, None)
        entry = self.load(key)
        if not entry or entry.get("state") == "completed":
            entry = {"version": _CACHE_VERSION, "jobs": {}}
        jobs = entry.get("jobs") if isinstance(entry.get("jobs"), dict) else {}
        if entry.get("state") == SUBMITTED and entry.get("base_url") and entry.get("base_url") not in jobs:
            jobs[entry["base_url"]] = {"state": SUBMITTED, "transcript_id": entry.get("transcript_id")}
        merged = dict(jobs.get(base_url) or {}, **job, saved=_now())
        jobs[base_url] = merged
        entry.update({"version": _CACHE_VERSION, "state": merged["state"], "source": name,
                      "transcript_id": merged.get("transcript_id"), "base_url": base_url, "options": options,
                      "saved": _now(), "jobs": jobs})
        atomic_write_json(self.path(key), entry)

    def save_uploaded(self, key: str, name: str, base_url: str, options: dict, upload_url: str) -> None:
        """Journal an upload's URL, so a resumed run does not upload the file again."""
        self._record(key, name, base_url, options, state=UPLOADED, upload_url=unsigned_url(upload_url),
                     transcript_id=None)

    def save_intent(self, key: str, name: str, base_url: str, options: dict, audio_url: str) -> None:
        """Journal the intent to submit `audio_url`, before the billed request is sent (without its query
        string: a presigned URL's signature is a credential; the list is matched on the unsigned URL)."""
        self._record(key, name, base_url, options, state=SUBMITTING, upload_url=unsigned_url(audio_url),
                     transcript_id=None,
                     intent_time=time.time())

    def save_submitted(self, key: str, name: str, transcript_id: str, base_url: str, options: dict) -> None:
        """Journal the job id the submission returned."""
        self._record(key, name, base_url, options, state=SUBMITTED, transcript_id=transcript_id)

    def save_completed(self, key: str, name: str, data: dict, options: dict) -> None:
        """Keep a completed transcript (the journal of its jobs is closed)."""
        self.damaged.pop(key, None)
        atomic_write_json(self.path(key), {
            "version": _CACHE_VERSION, "state": "completed", "source": name, "transcript_id": data.get("id"),
            "options": options, "saved": _now(), "transcript": without_url_queries(data),
        })

    def forget_job(self, key: str, base_url: str) -> None:
        """Drop the journal of `key`'s job at `base_url` (it failed, or the server forgot it)."""
        self.damaged.pop(key, None)
        entry = self.load(key)
        if not entry or entry.get("state") == "completed":
            return
        jobs = entry.get("jobs") if isinstance(entry.get("jobs"), dict) else {}
        jobs.pop(base_url, None)
        if entry.get("base_url") == base_url:
            entry.update(state=None, transcript_id=None, base_url=None)
        if not jobs:
            self.forget(key)
            return
        entry["jobs"] = jobs
        atomic_write_json(self.path(key), entry)

    def forget(self, key: str) -> None:
        """Remove the entry of `key`."""
        self.damaged.pop(key, None)
        self.path(key).unlink(missing_ok=True)
