"""Transcribing many files or URLs with AssemblyAI: concurrent, cached, resumable.

`transcribe_files` uploads and submits with a pool of workers (default 8) while one
loop polls every job in flight, so 50 two-minute jobs take about as long as one.
Every input ends as ``ok``, ``failed`` (with the reason) or ``skipped``; one failure
never stops the others, and an interrupt (KeyboardInterrupt, which is how a Jupyter
kernel interrupt arrives) stops new submissions and returns what finished.

`TranscriptCache` stores each completed transcript as JSON keyed by the audio's
content hash plus the request options, so a re-run makes no request for it. Job
ids are recorded the moment a job exists, so an interrupted run resumes polling
those jobs instead of paying for them again. Every write is atomic.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from .errors import APIError, AuthenticationError, InputError, TranscriptFormatError, TurnTuneError
from .files import AUDIO_EXTENSIONS, find_audio_files, is_url, read_url_list
from .model import Transcript
from .readers import transcript_from_assemblyai

__all__ = (
    "FileOutcome",
    "BatchResult",
    "TranscriptCache",
    "collect_inputs",
    "transcribe_files",
    "safe_filename",
    "default_cache_dir",
)

log = logging.getLogger(__name__)

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
_CACHE_VERSION = 1
_HASH_CHUNK = 1 << 20
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


# --------------------------------------------------------------------------- results
@dataclass
class FileOutcome:
    """How one input ended.

    Attributes
    ----------
    source : str
        The path or URL as given.
    name : str
        The file name, or the URL without its query string.
    status : str
        ``"ok"``, ``"failed"`` or ``"skipped"``.
    reason : str, optional
        Why it failed or was skipped (AssemblyAI's own text for failed jobs).
    stage : str, optional
        Where: ``"input"``, ``"read"`` or ``"transcribe"``.
    transcript : Transcript, optional
    transcript_id : str, optional
        AssemblyAI's job id, when a job exists.
    cached : bool
        True when the transcript came from the cache (no request was made).
    output_path : Path, optional
        Where its transcript JSON was written.
    """

    source: str
    name: str
    status: str
    reason: str | None = None
    stage: str | None = None
    transcript: Transcript | None = None
    transcript_id: str | None = None
    cached: bool = False
    output_path: Path | None = None

    def as_failed(self) -> dict:
        """The ``{"filename", "reason", "stage"}`` record `analyze_transcripts` lists as skipped."""
        return {"filename": self.name, "reason": self.reason or self.status, "stage": self.stage or "transcribe"}


@dataclass
class BatchResult:
    """Every input's outcome, in input order, and whether the run was interrupted."""

    outcomes: list = field(default_factory=list)
    interrupted: bool = False

    @property
    def ok(self) -> list:
        return [o for o in self.outcomes if o.status == OK]

    @property
    def failed(self) -> list:
        return [o for o in self.outcomes if o.status == FAILED]

    @property
    def skipped(self) -> list:
        return [o for o in self.outcomes if o.status == SKIPPED]

    @property
    def transcripts(self) -> list:
        return [o.transcript for o in self.ok]

    def failed_records(self) -> list:
        """Failed and skipped inputs as ``{"filename", "reason", "stage"}`` dicts."""
        return [o.as_failed() for o in self.outcomes if o.status != OK]

    def __repr__(self) -> str:
        extra = ", interrupted" if self.interrupted else ""
        cached = sum(o.cached for o in self.ok)
        return (f"<BatchResult {len(self.ok)} ok ({cached} from cache), {len(self.failed)} failed, "
                f"{len(self.skipped)} skipped{extra}>")


# --------------------------------------------------------------------------- inputs
def _name_of(source) -> str:
    if is_url(source):
        return str(source).split("?", 1)[0].split("#", 1)[0]
    return Path(source).name


def collect_inputs(folder_or_paths) -> tuple[list, list]:
    """What to transcribe: audio files and URLs, and the inputs skipped on the way.

    Parameters
    ----------
    folder_or_paths : str, Path or iterable of them
        Folders (their audio files, by the guide's extension list), audio files,
        http(s) URLs, and ``.txt`` files listing URLs one per line.

    Returns
    -------
    inputs : list of Path or str
        In the order given (folders sorted by name), without duplicates.
    skipped : list of FileOutcome
        Files in a folder, or given, that are not audio by their extension.

    Raises
    ------
    InputError
        When a path does not exist, a folder holds no audio file, or a URL list has a
        line that is not a URL.

    Examples
    --------
    >>> inputs, skipped = collect_inputs("samples/real")
    >>> [p.name for p in inputs], sorted(s.name for s in skipped)
    (['sample.wav'], ['sample.rttm'])
    """
    if isinstance(folder_or_paths, (str, Path)):
        folder_or_paths = [folder_or_paths]
    inputs, skipped, seen = [], [], set()

    def add(item):
        ident = item if isinstance(item, str) else str(Path(item).resolve())
        if ident not in seen:
            seen.add(ident)
            inputs.append(item)

    def skip(path: Path):
        ext = path.suffix or "(none)"
        skipped.append(FileOutcome(str(path), path.name, SKIPPED, stage="input",
                                   reason=f"not an audio file: the extension {ext} is not one AssemblyAI accepts"))

    for item in folder_or_paths:
        if is_url(item):
            add(str(item))
            continue
        path = Path(item)
        if path.is_dir():
            audio = find_audio_files(path)
            for f in audio:
                add(f)
            chosen = set(audio)
            for f in sorted(path.iterdir()):
                if f.is_file() and f not in chosen and not f.name.startswith("."):
                    skip(f)
        elif path.is_file():
            if path.suffix.lower() == ".txt":
                for url in read_url_list(path):
                    add(url)
            elif path.suffix.lower() in AUDIO_EXTENSIONS:
                add(path)
            else:
                skip(path)
        else:
            raise InputError(f"{item}: no such file or folder, and not an http(s) URL. Check the path.")
    return inputs, skipped


# --------------------------------------------------------------------------- files
def safe_filename(name: str, max_length: int = 100) -> str:
    """A file name without path tricks: ASCII letters, digits, ``._-`` only.

    Examples
    --------
    >>> safe_filename("../../etc/passwd")
    'passwd'
    >>> safe_filename("Call 3 (Ana & Bo).wav")
    'Call_3_Ana_Bo_.wav'
    >>> safe_filename("https://x.org/a/CON.mp3?sig=1")
    '_CON.mp3'
    """
    base = re.split(r"[\\/]", name.split("?", 1)[0].split("#", 1)[0].rstrip("/\\"))[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")[:max_length] or "audio"
    if base.split(".", 1)[0].upper() in _RESERVED:
        base = "_" + base
    return base


def _atomic_write_json(path: Path, data) -> None:
    """Write JSON to a temporary file in the same folder, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _content_hash(source) -> str:
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
        _atomic_write_json(self.path(key), {
            "version": _CACHE_VERSION, "state": "submitted", "source": name, "transcript_id": transcript_id,
            "base_url": base_url, "options": options, "saved": time.strftime("%Y-%m-%dT%H:%M:%S"),
        })

    def save_completed(self, key: str, name: str, data: dict, options: dict) -> None:
        _atomic_write_json(self.path(key), {
            "version": _CACHE_VERSION, "state": "completed", "source": name, "transcript_id": data.get("id"),
            "options": options, "saved": time.strftime("%Y-%m-%dT%H:%M:%S"), "transcript": data,
        })

    def forget(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


# --------------------------------------------------------------------------- the run
@dataclass
class _Job:
    """One distinct (content, options): the inputs that share it and its AssemblyAI job."""

    key: str
    items: list  # of (source, name)
    transcript_id: str | None = None
    next_poll: float = 0.0
    deadline: float | None = None
    resumed: bool = False
    done: bool = False


def transcribe_files(inputs, client, *, workers: int = 8, cache_dir=None, out_dir=None, progress: bool = True,
                     poll_interval: float | None = None, timeout: float | None = 3 * 3600,
                     speaker_labels: bool = True, on_submitted=None, **options) -> BatchResult:
    """Transcribe files and URLs concurrently, through a resumable cache.

    Parameters
    ----------
    inputs : list of Path or str
        Audio files and http(s) URLs (see `collect_inputs`). URLs are submitted as
        ``audio_url`` without upload.
    client : AssemblyAIClient
    workers : int
        Uploads and submissions at once; every submitted job is polled regardless.
    cache_dir : path or None
        Where completed transcripts and submitted job ids are kept; None = no cache.
    out_dir : path or None
        Where each transcript's JSON is written, under a safe file name.
    progress : bool
        Show a ``tqdm`` bar with done and failed counts.
    poll_interval : float, optional
        Seconds between status requests per job; default the client's.
    timeout : float or None
        Give up on a job (keeping its id for a re-run) after this many seconds.
    speaker_labels : bool
    on_submitted : callable, optional
        ``on_submitted(name, transcript_id)``, called as each job is created.
    **options
        Request options for `AssemblyAIClient.submit` (``speech_models``,
        ``language_detection``, ``speakers_expected``, ...). They are part of the
        cache key.

    Returns
    -------
    BatchResult

    Raises
    ------
    AuthenticationError
        When the key is refused: no file could succeed, so the run stops.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    interval = client.poll_interval if poll_interval is None else poll_interval
    request = {"speaker_labels": bool(speaker_labels),
               "speech_models": list(options.pop("speech_models", None) or client.speech_models)}
    request.update({k: v for k, v in options.items() if v is not None})
    cache = TranscriptCache(cache_dir) if cache_dir is not None else None
    out = Path(out_dir) if out_dir is not None else None
    items = [(src, _name_of(src)) for src in inputs]
    outcomes: dict[int, FileOutcome] = {}
    index = {id(it): i for i, it in enumerate(items)}
    used_names: set[str] = set()
    stop = threading.Event()
    wake = threading.Event()
    bar = tqdm(total=len(items), desc="Transcribing", unit="file", disable=not progress)
    counts = {OK: 0, FAILED: 0}

    def record(item, outcome: FileOutcome) -> None:
        outcomes[index[id(item)]] = outcome
        if outcome.status in counts:
            counts[outcome.status] += 1
        bar.set_postfix(done=counts[OK], failed=counts[FAILED], refresh=False)
        bar.update(1)

    def fail(job: _Job, reason: str, stage: str = "transcribe") -> None:
        job.done = True
        for item in job.items:
            record(item, FileOutcome(str(item[0]), item[1], FAILED, reason, stage, transcript_id=job.transcript_id))

    def finish(job: _Job, data: dict, cached: bool) -> None:
        job.done = True
        if cache is not None and not cached:
            try:
                cache.save_completed(job.key, job.items[0][1], data, request)
            except OSError as err:
                log.warning("could not cache the transcript of %s (%s)", job.items[0][1], err)
        for item in job.items:
            src, name = item
            try:
                transcript = transcript_from_assemblyai(data, name)
            except TranscriptFormatError as err:
                record(item, FileOutcome(str(src), name, FAILED, f"unusable transcript: {err.reason}", "transcribe",
                                         transcript_id=data.get("id")))
                continue
            path = None
            if out is not None:
                stem = safe_filename(name)
                fname, n = f"{stem}.json", 1
                while fname in used_names:
                    n += 1
                    fname = f"{stem}-{n}.json"
                used_names.add(fname)
                path = out / fname
                try:
                    _atomic_write_json(path, data)
                except OSError as err:  # the transcript is still in hand and cached: keep going
                    log.warning("could not write %s (%s); check that the output folder is writable", path, err)
                    path = None
            record(item, FileOutcome(str(src), name, OK, transcript=transcript, transcript_id=data.get("id"),
                                     cached=cached, output_path=path))

    def prepare(job: _Job, ignore_pending: bool = False):
        """In a worker: cached result, pending job id, or upload + submit."""
        src, name = job.items[0]
        if cache is not None:
            entry = cache.load(job.key)
            if entry and entry.get("state") == "completed" and isinstance(entry.get("transcript"), dict):
                return "completed", entry["transcript"]
            if (entry and entry.get("state") == "submitted" and not ignore_pending
                    and entry.get("base_url") == client.base_url and entry.get("transcript_id")):
                return "resumed", entry["transcript_id"]
        if stop.is_set():
            return "stopped", None
        try:
            audio_url = str(src) if is_url(src) else client.upload(src)
            if stop.is_set():
                return "stopped", None
            transcript_id = client.submit(audio_url, **request)["id"]
        except AuthenticationError:
            stop.set()  # every other file would be refused too: start no more
            raise
        if cache is not None:  # before anything else: a crash from here on must not pay again
            cache.save_submitted(job.key, name, transcript_id, client.base_url, request)
        return "submitted", transcript_id

    # Hash first (in the pool), so that identical files share one job.
    jobs: list[_Job] = []
    prepare_pool = cf.ThreadPoolExecutor(workers, thread_name_prefix="turntune-submit")
    poll_pool = cf.ThreadPoolExecutor(workers, thread_name_prefix="turntune-poll")
    prepare_futs: dict = {}
    poll_futs: dict = {}
    waiting: list[_Job] = []
    interrupted = False

    def launch(job: _Job, ignore_pending: bool = False) -> None:
        fut = prepare_pool.submit(prepare, job, ignore_pending)
        prepare_futs[fut] = job
        fut.add_done_callback(lambda f: wake.set())

    try:
        by_key: dict[str, _Job] = {}
        hashes = list(prepare_pool.map(_safe_hash, [src for src, _ in items]))
        for item, digest in zip(items, hashes):
            if isinstance(digest, OSError):
                record(item, FileOutcome(str(item[0]), item[1], FAILED, f"cannot read the file: {digest.strerror}; "
                                         "check that it exists and is readable", "read"))
                continue
            key = TranscriptCache.key(digest, request)
            if key in by_key:
                by_key[key].items.append(item)
            else:
                by_key[key] = _Job(key, [item])
                jobs.append(by_key[key])
        for job in jobs:
            launch(job)

        while prepare_futs or poll_futs or waiting:
            wake.clear()
            progressed = False
            now = time.monotonic()
            for job in [j for j in waiting if j.next_poll <= now]:
                waiting.remove(job)
                fut = poll_pool.submit(client.get, job.transcript_id)
                poll_futs[fut] = job
                fut.add_done_callback(lambda f: wake.set())
            for fut in [f for f in prepare_futs if f.done()]:
                job, progressed = prepare_futs.pop(fut), True
                try:
                    state, value = fut.result()
                except AuthenticationError:
                    raise
                except TurnTuneError as err:
                    fail(job, _reason(err), "read" if isinstance(err, InputError) else "transcribe")
                    continue
                except Exception as err:  # a bug or an unexpected library error: this file only
                    log.exception("unexpected error while submitting %s", job.items[0][1])
                    fail(job, f"unexpected error: {type(err).__name__}: {err}")
                    continue
                if state == "completed":
                    finish(job, value, cached=True)
                elif state in ("submitted", "resumed"):
                    job.transcript_id, job.resumed = value, state == "resumed"
                    job.next_poll = time.monotonic() + (0 if job.resumed else interval)
                    job.deadline = None if timeout is None else time.monotonic() + timeout
                    waiting.append(job)
                    if state == "submitted" and on_submitted is not None:
                        try:
                            on_submitted(job.items[0][1], value)
                        except Exception:
                            log.exception("on_submitted callback failed for %s", job.items[0][1])
            for fut in [f for f in poll_futs if f.done()]:
                job, progressed = poll_futs.pop(fut), True
                try:
                    data = fut.result()
                except AuthenticationError:
                    raise
                except APIError as err:
                    if job.resumed and err.status_code in (400, 404):
                        # The recorded job is unknown to this server (expired, other account):
                        # the only way to a transcript is a new job.
                        log.info("job %s of %s is not known any more; submitting again", job.transcript_id,
                                 job.items[0][1])
                        if cache is not None:
                            cache.forget(job.key)
                        job.transcript_id, job.resumed = None, False
                        launch(job, ignore_pending=True)
                    else:
                        fail(job, f"{_reason(err)} (job {job.transcript_id} is recorded: a re-run polls it again)")
                    continue
                except Exception as err:
                    log.exception("unexpected error while polling %s", job.items[0][1])
                    fail(job, f"unexpected error: {type(err).__name__}: {err}")
                    continue
                status = data.get("status")
                if status == "completed":
                    finish(job, data, cached=False)
                elif status == "error":
                    if cache is not None:
                        cache.forget(job.key)  # a failed job is not billed; a re-run may try again
                    fail(job, str(data.get("error") or "AssemblyAI reported an error without details"))
                elif job.deadline is not None and time.monotonic() > job.deadline:
                    fail(job, f"job {job.transcript_id} still {status!r} after {timeout:.0f} s; "
                              "a re-run picks it up without paying again")
                else:
                    job.next_poll = time.monotonic() + interval
                    waiting.append(job)
            if not progressed:
                due = min((j.next_poll for j in waiting), default=time.monotonic() + 1.0)
                wake.wait(max(0.0, min(due - time.monotonic(), 1.0)))
    except KeyboardInterrupt:
        interrupted = True
        log.warning("interrupted: no new submissions; jobs already submitted are recorded and resume on a re-run")
    except BaseException:
        stop.set()
        prepare_pool.shutdown(wait=True, cancel_futures=True)
        poll_pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
        raise
    stop.set()
    prepare_pool.shutdown(wait=True, cancel_futures=True)
    poll_pool.shutdown(wait=True, cancel_futures=True)
    bar.close()
    for fut, job in prepare_futs.items():  # submitted just as the interrupt came: recorded, say so
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            state, value = fut.result()
            if state in ("submitted", "resumed"):
                job.transcript_id = value

    result = []
    for i, (src, name) in enumerate(items):
        if i in outcomes:
            result.append(outcomes[i])
            continue
        job = next((j for j in jobs if (src, name) in j.items), None)
        if job is not None and job.transcript_id:
            reason = (f"interrupted while AssemblyAI was transcribing it (job {job.transcript_id}); "
                      "re-run to collect it without paying again")
        else:
            reason = "interrupted before it was submitted; re-run to transcribe it"
        result.append(FileOutcome(str(src), name, SKIPPED, reason, "transcribe",
                                  transcript_id=job.transcript_id if job else None))
    return BatchResult(result, interrupted)


def _safe_hash(source):
    try:
        return _content_hash(source)
    except OSError as err:
        return err


def _reason(err: TurnTuneError) -> str:
    """A per-file reason: AssemblyAI's text for failed jobs, else the error message."""
    return getattr(err, "reason", None) if hasattr(err, "transcript_id") else str(err)
