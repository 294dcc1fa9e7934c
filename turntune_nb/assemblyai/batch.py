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
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from ..analysis.readers import transcript_from_assemblyai
from ..errors import APIError, AuthenticationError, InputError, TranscriptFormatError, TurnTuneError
from ..files import (
    FAILED,
    OK,
    SKIPPED,
    FileOutcome,
    atomic_write_json,
    input_name,
    is_url,
    safe_filename,
    strip_url_queries,
)
from .cache import TranscriptCache, content_hash

__all__ = ("BatchResult", "transcribe_files")

log = logging.getLogger(__name__)


@dataclass
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
    items = [(src, input_name(src)) for src in inputs]
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
                    atomic_write_json(path, data)
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
                    fail(job, strip_url_queries(str(data.get("error") or "AssemblyAI reported an error without details")))
                elif job.deadline is not None and time.monotonic() > job.deadline:
                    fail(job, f"job {job.transcript_id} still {status!r} after {timeout:g} s; "
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
        return content_hash(source)
    except OSError as err:
        return err


def _reason(err: TurnTuneError) -> str:
    """A per-file reason: AssemblyAI's text for failed jobs, else the error message."""
    return getattr(err, "reason", None) if hasattr(err, "transcript_id") else str(err)
