"""Transcribing many files or URLs with AssemblyAI: concurrent, cached, resumable.

`transcribe_files` uploads and submits with a pool of workers (default 8) while one
loop polls every job in flight, so 50 two-minute jobs take about as long as one.
Every input ends as ``ok``, ``failed`` (with the reason) or ``skipped``; one failure
never stops the others, and an interrupt (KeyboardInterrupt, which is how Ctrl+C and a
Jupyter kernel interrupt arrive) returns at once with what finished: requests in
flight are abandoned (the workers are daemon threads), their jobs already journaled.

Paid work is never lost or paid twice (see `turntune_nb.assemblyai.cache`): before
anything is uploaded the folders, cache entries and options are checked; the cache is
locked against other runs; the journal is settled first (an intent without a job id
is looked up in AssemblyAI's list of transcripts by its unique upload URL); then each
upload URL, intent and job id is journaled as it happens. Those paid steps are a
`turntune_nb.assemblyai.submission.PaidSteps` the run builds with what they use (the
client, the cache, the request, its stop event); how the run goes (workers, polling,
time-outs) is one `BatchOptions`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from tqdm.auto import tqdm

from ..errors import APIError, AuthenticationError, ConfigError, InputError, TurnTuneError
from ..files import (
    FAILED,
    OK,
    SKIPPED,
    FileOutcome,
    atomic_write_json,
    check_writable_dir,
    input_name,
    safe_filename,
    strip_url_queries,
    without_url_queries,
)
from ..options import is_number, options_from_kwargs
from .cache import TranscriptCache, content_hash
from .pool import DaemonPool
from .sources import BatchRequest, UploadStats, check_request_options, check_upload_codec, probe_channels
from .space import check_space, estimate_run_bytes
from .submission import ORPHAN_GRACE_S, Job, PaidSteps, transcript_problem

__all__ = ("BatchOptions", "BatchResult", "transcribe_files", "check_request_options", "ORPHAN_GRACE_S",
           "BatchRequest")

log = logging.getLogger(__name__)


#: The first poll after a submission comes this soon (or at the poll interval, when shorter), seconds.
FIRST_POLL_S = 1.0


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs: concurrency, polling, time-outs, uploads (what AssemblyAI is asked
    travels apart, as `transcribe_files`' request options).

    Parameters
    ----------
    workers : int
        Uploads and submissions at once; every submitted job is polled regardless.
    poll_interval : float, optional
        Seconds between status requests per job, at most; None: the client's.
    timeout : float or None
        Give up on a job (keeping its id for a re-run) after this many seconds.
    orphan_grace : float or None
        How long after its intent (journaled by a run that was then killed) a submission
        may still become a job: until the list of transcripts shows the job or this many
        seconds have passed, the file is not paid for again (the run says it waits). None:
        the client's submission time-out (connect + read), at least `ORPHAN_GRACE_S`.
    settle_patience : float or None
        The longest a run waits for those jobs, seconds; files still open then are left
        pending (failed, named, nothing paid: a re-run settles them). None: as long as
        ``orphan_grace`` needs.
    upload_codec : {None, "flac"}
        ``"flac"``: 16-bit PCM WAV files are uploaded as lossless FLAC; the bytes saved
        are in ``BatchResult.uploads``.
    progress : bool
        Show a ``tqdm`` bar with done and failed counts.

    Raises
    ------
    ConfigError
        A value out of range, saying what it should be.

    Examples
    --------
    >>> BatchOptions(workers=4, timeout=600)
    BatchOptions(workers=4, poll_interval=None, timeout=600, orphan_grace=None, settle_patience=None, \
upload_codec=None, progress=True)
    >>> BatchOptions(workers=0)
    Traceback (most recent call last):
    ...
    turntune_nb.errors.ConfigError: workers must be a whole number >= 1, got 0
    """

    workers: int = 8
    poll_interval: float | None = None
    timeout: float | None = 3 * 3600
    orphan_grace: float | None = None
    settle_patience: float | None = None
    upload_codec: str | None = None
    progress: bool = True

    def __post_init__(self):
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ConfigError(f"workers must be a whole number >= 1, got {self.workers!r}")
        if self.poll_interval is not None and not is_number(self.poll_interval, allow_zero=True):
            raise ConfigError(f"poll_interval is seconds >= 0 (or None for the client's), got {self.poll_interval!r}")
        if self.timeout is not None and not is_number(self.timeout):
            raise ConfigError(f"timeout is seconds > 0 (or None), got {self.timeout!r}")
        for name in ("orphan_grace", "settle_patience"):
            if getattr(self, name) is not None and not is_number(getattr(self, name), allow_zero=True):
                raise ConfigError(f"{name} is seconds >= 0 (or None), got {getattr(self, name)!r}")
        check_upload_codec(self.upload_codec)
        if not isinstance(self.progress, bool):
            raise ConfigError(f"progress is True or False, got {self.progress!r}")


_BATCH_FIELDS = tuple(f.name for f in fields(BatchOptions))


@dataclass
class BatchResult:
    """Every input's outcome, in input order, and whether the run was interrupted."""

    outcomes: list = field(default_factory=list)
    interrupted: bool = False
    uploads: UploadStats = field(default_factory=UploadStats)  # sent by URL, uploaded, bytes saved

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
def transcribe_files(inputs, client, *, options: BatchOptions | None = None, cache_dir=None, out_dir=None,
                     fetch_dir=None, on_submitted=None, **request) -> BatchResult:
    """Transcribe files and URLs concurrently, through a resumable cache and a journal of paid work.

    Parameters
    ----------
    inputs : list of Path or str
        Audio files, http(s) URLs and `RemoteFile`s (see `collect_inputs`). URLs, and
        remote objects the service can fetch (presigned by ``fs.sign()``), are submitted
        as ``audio_url`` without upload (see `turntune_nb.assemblyai.sources`).
    client : AssemblyAIClient
    options : BatchOptions, optional
        How the run goes: workers, polling, time-out, upload codec, progress bar.
    cache_dir : path or None
        Where completed transcripts and the journal of submitted jobs are kept; None =
        no cache (and no journal: an interrupted run cannot be resumed without paying).
    out_dir : path or None
        Where each transcript's JSON is written, under a safe file name.
    fetch_dir : path, optional
        Where remote objects no service can fetch are copied before upload.
    on_submitted : callable, optional
        ``on_submitted(name, transcript_id)``, called as each job is created.
    **request
        What AssemblyAI is asked, by its field names (`AssemblyAIClient.submit`):
        ``speech_models`` (default the client's), ``language_detection``, ... and the
        speaker fields, decided per file (`BatchRequest`): a local two-channel file is
        sent with ``multichannel=True`` (its speakers are its channels, ``ch0`` and
        ``ch1``, ``speaker_source="channels"``), any other with ``speaker_labels=True``;
        ``multichannel=False`` (or True) decides for every file; ``speakers=N`` is
        sent as ``speaker_options`` (``speakers_expected=N`` still works, with a
        `DeprecationWarning`: AssemblyAI deprecated it). Each file's request is part of
        its cache key and journal. The keyword arguments of `BatchOptions`
        (``workers=``, ``timeout=``...) still work here, with a `DeprecationWarning`.

    Returns
    -------
    BatchResult

    Raises
    ------
    ConfigError
        A bad option, before anything is uploaded.
    InputError
        The cache or output folder cannot be written, or a cache entry is not a file,
        before anything is uploaded.
    AuthenticationError
        When the key is refused: no file could succeed, so the run stops.
    """
    moved = {k: request.pop(k) for k in _BATCH_FIELDS if k in request}
    options = options_from_kwargs(BatchOptions, options, moved, where="transcribe_files")
    interval = client.poll_interval if options.poll_interval is None else options.poll_interval
    if not is_number(interval, allow_zero=True):
        raise ConfigError(f"poll_interval is seconds >= 0, got {interval!r}")
    options = replace(options, poll_interval=interval)  # the client's when not given: resolved once
    body = BatchRequest.from_request(request, client.speech_models)
    cache = TranscriptCache(cache_dir) if cache_dir is not None else None
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        check_writable_dir(out, "The output folder")
    if cache is not None:
        check_writable_dir(cache.root, "The cache folder")
    items = [(src, input_name(src)) for src in inputs]
    check_space([(folder, estimate_run_bytes([src for src, _ in items], 1), what)
                 for folder, what in ((out, "the output folder"), (cache and cache.root, "the cache folder"))
                 if folder is not None])
    bar = tqdm(total=len(items), desc="Transcribing", unit="file", disable=not options.progress)
    run = _Run(client, cache, out, body, items, options, on_submitted, bar, fetch_dir)
    try:
        return run.execute()
    finally:
        bar.close()


class _Run:
    """The state of one `transcribe_files` call (a class so its steps can be read apart). The paid,
    journaled steps of each job are a `PaidSteps` (``submission.py``) built here with what they use."""

    def __init__(self, client, cache, out, request: BatchRequest, items, options: BatchOptions, on_submitted, bar,
                 fetch_dir):
        self.client, self.cache, self.out, self.request = client, cache, out, request
        self.items, self.options, self.on_submitted, self.bar = items, options, on_submitted, bar
        self.interval, self.timeout = options.poll_interval, options.timeout
        self.outcomes: dict[int, FileOutcome] = {}
        self.index = {id(it): i for i, it in enumerate(items)}
        self.used_names: set[str] = set()
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.counts = {OK: 0, FAILED: 0}
        self.jobs: list[Job] = []
        self.uploads = UploadStats()
        self.paid = PaidSteps(client, cache, request.body(), stop=self.stop, uploads=self.uploads,
                              upload_codec=options.upload_codec, fetch_dir=fetch_dir,
                              orphan_grace=_submission_window(client, options.orphan_grace),
                              patience=options.settle_patience)

    # ------------------------------------------------------------------ outcomes
    def record(self, item, outcome: FileOutcome) -> None:
        self.outcomes[self.index[id(item)]] = outcome
        if outcome.status in self.counts:
            self.counts[outcome.status] += 1
        self.bar.set_postfix(done=self.counts[OK], failed=self.counts[FAILED], refresh=False)
        self.bar.update(1)

    def fail(self, job: Job, reason: str, stage: str = "transcribe") -> None:
        job.done = True
        for item in job.items:
            self.record(item, FileOutcome(str(item[0]), item[1], FAILED, reason, stage,
                                          transcript_id=job.transcript_id))

    def finish(self, job: Job, data: dict, cached: bool) -> None:
        """A completed transcript: checked first, then written, then cached (a bad one is never cached)."""
        job.done = True
        data = without_url_queries(data)  # AssemblyAI echoes audio_url: a presigned one's signature is not kept
        if (job.request or {}).get("multichannel") and isinstance(data, dict) and data.get("multichannel") is None:
            data = dict(data, multichannel=True)  # asked for, not echoed: its speakers are still its channels
        problem = transcript_problem(data, job.name)
        if problem is not None:
            again = "" if cached else f" (job {job.transcript_id} stays recorded: a re-run fetches it, not pays it)"
            for item in job.items:
                self.record(item, FileOutcome(str(item[0]), item[1], FAILED, f"unusable transcript: {problem}{again}",
                                              "transcribe", transcript_id=data.get("id")))
            return
        if self.cache is not None and not cached:
            try:
                self.cache.save_completed(job.key, job.name, data, job.request)
            except OSError as err:  # the transcript is in hand: keep it in this run's result and output
                self.paid.write_failed(f"the cached transcript of {job.name}", err)
        for item in job.items:
            src, name = item
            from ..analysis.readers import transcript_from_assemblyai  # pandas: imported while jobs run

            transcript = transcript_from_assemblyai(data, name)
            path = None
            if self.out is not None:
                stem = safe_filename(name)
                fname, n = f"{stem}.json", 1
                while fname in self.used_names:
                    n += 1
                    fname = f"{stem}-{n}.json"
                self.used_names.add(fname)
                path = self.out / fname
                try:
                    atomic_write_json(path, data)
                except OSError as err:  # the transcript is still in hand and cached: keep going
                    self.paid.write_failed(str(path), err)
                    path = None
            self.record(item, FileOutcome(str(src), name, OK, transcript=transcript, transcript_id=data.get("id"),
                                          cached=cached, output_path=path))

    # ------------------------------------------------------------------ the run
    def execute(self) -> BatchResult:
        pool = DaemonPool(self.options.workers, "turntune-submit")
        poll_pool = DaemonPool(self.options.workers, "turntune-poll")
        lock = None
        try:
            by_key: dict[str, Job] = {}
            probe = self.request.needs_channels
            hash_futs = [pool.submit(_safe_hash, src, probe) for src, _ in self.items]
            hashes = [f.result() for f in hash_futs]
            diarised_before = []  # two-channel files whose diarised transcript is cached: now sent multichannel
            for item, (digest, channels) in zip(self.items, hashes):
                if isinstance(digest, OSError):
                    self.record(item, FileOutcome(str(item[0]), item[1], FAILED,
                                                  f"cannot read the file: {digest.strerror}; "
                                                  "check that it exists and is readable", "read"))
                    continue
                body = self.request.body(channels)  # this file's request: part of its key and journal
                key = TranscriptCache.key(digest, body)
                if self.cache is not None and body != self.request.body() and _completed(
                        self.cache, TranscriptCache.key(digest, self.request.body())) and not _completed(
                        self.cache, key):
                    diarised_before.append(item[1])
                if key in by_key:
                    by_key[key].items.append(item)
                else:
                    by_key[key] = Job(key, [item], request=body)
                    self.jobs.append(by_key[key])
            if diarised_before:
                log.warning("%d two-channel file(s) (%s) have a cached transcript made with speaker labels; they "
                            "are transcribed again with multichannel=true (speakers from channels, exact), which "
                            "is paid once. Pass multichannel=False to keep the diarised transcripts.",
                            len(diarised_before), ", ".join(diarised_before[:3]) + (
                                " ..." if len(diarised_before) > 3 else ""))
            if self.cache is not None:
                self.cache.check(by_key)
                lock = self.cache.acquire(on_wait=lambda path: log.warning(
                    "another turntune run is using the cache folder %s; waiting for it to finish "
                    "(Ctrl+C to stop waiting)", self.cache.root))
                for job, reason in self.paid.settle(self.jobs):
                    self.fail(job, reason)
        except BaseException:
            self.stop.set()
            pool.shutdown(wait=False)
            poll_pool.shutdown(wait=False)
            if lock is not None:
                lock.release()
            raise
        interrupted = False
        prepare_futs: dict = {}
        try:
            self._loop(pool, poll_pool, prepare_futs)
        except KeyboardInterrupt:
            interrupted = True
            log.warning("interrupted: requests in flight are abandoned; every submitted job is journaled and "
                        "a re-run collects it without paying again")
        except BaseException:
            self.stop.set()
            self._release(pool, poll_pool, lock, prepare_futs)
            raise
        self.stop.set()
        self._release(pool, poll_pool, lock, prepare_futs)
        return self._result(interrupted, prepare_futs)

    def _release(self, pool, poll_pool, lock, prepare_futs) -> None:
        """Stop the pools without waiting; the lock is released once no worker can still write the journal."""
        pool.shutdown(wait=False)
        poll_pool.shutdown(wait=False)
        if lock is None:
            return
        if not any(f.running() for f in prepare_futs):
            lock.release()
            return

        def release_later():  # an abandoned upload or submission still journals its outcome
            pool.join()
            lock.release()
        threading.Thread(target=release_later, name="turntune-cache-unlock", daemon=True).start()

    def _loop(self, pool, poll_pool, prepare_futs) -> None:
        poll_futs: dict = {}
        waiting: list[Job] = []

        def launch(job: Job, ignore_pending: bool = False) -> None:
            fut = pool.submit(self.paid.prepare, job, ignore_pending)
            prepare_futs[fut] = job
            fut.add_done_callback(lambda f: self.wake.set())

        for job in self.jobs:
            if not job.done:
                launch(job)
        while prepare_futs or poll_futs or waiting:
            self.wake.clear()
            progressed = False
            now = time.monotonic()
            for job in [j for j in waiting if j.next_poll <= now]:
                waiting.remove(job)
                fut = poll_pool.submit(self.client.get, job.transcript_id)
                poll_futs[fut] = job
                fut.add_done_callback(lambda f: self.wake.set())
            for fut in [f for f in prepare_futs if f.done()]:
                job, progressed = prepare_futs.pop(fut), True
                self._prepared(job, fut, waiting)
            for fut in [f for f in poll_futs if f.done()]:
                job, progressed = poll_futs.pop(fut), True
                self._polled(job, fut, waiting, launch)
            if not progressed:
                due = min((j.next_poll for j in waiting), default=time.monotonic() + 1.0)
                self.wake.wait(max(0.0, min(due - time.monotonic(), 1.0)))

    def _prepared(self, job: Job, fut, waiting: list) -> None:
        try:
            state, value = fut.result()
        except AuthenticationError:
            raise
        except TurnTuneError as err:
            self.fail(job, _reason(err), "read" if isinstance(err, InputError) else "transcribe")
            return
        except Exception as err:  # a bug or an unexpected library error: this file only
            log.exception("unexpected error while submitting %s", job.name)
            self.fail(job, f"unexpected error: {type(err).__name__}: {err}")
            return
        if state == "completed":
            try:
                self.finish(job, value, cached=True)
            except Exception as err:
                log.exception("unexpected error with the cached transcript of %s", job.name)
                if not job.done:
                    self.fail(job, f"unexpected error: {type(err).__name__}: {err}")
        elif state in ("submitted", "resumed"):
            job.transcript_id, job.resumed = value, state == "resumed"
            job.submitted = time.monotonic()
            job.next_poll = job.submitted + (0 if job.resumed else self._wait(job))
            job.deadline = None if self.timeout is None else time.monotonic() + self.timeout
            waiting.append(job)
            if state == "submitted" and self.on_submitted is not None:
                try:
                    self.on_submitted(job.name, value)
                except Exception:
                    log.exception("on_submitted callback failed for %s", job.name)
        # "stopped": the run is ending; the file is reported as not submitted

    def _wait(self, job: Job) -> float:
        """Seconds to the next poll: soon after a submission (a short file is done in seconds), then
        half the job's age, up to the poll interval: 1, 2, 3, 4.5 s ... for a 3 s interval."""
        return min(self.interval, max(FIRST_POLL_S, 0.5 * (time.monotonic() - job.submitted)))

    def _polled(self, job: Job, fut, waiting: list, launch) -> None:
        try:
            data = fut.result()
        except AuthenticationError:
            raise
        except APIError as err:
            if job.resumed and err.status_code in (400, 404):
                # The recorded job is unknown to this server (expired, other account):
                # the only way to a transcript is a new job.
                log.info("job %s of %s is not known any more; submitting again", job.transcript_id, job.name)
                self.paid.forget(job)
                job.transcript_id, job.resumed, job.found_id = None, False, None
                launch(job, ignore_pending=True)
            else:
                self.fail(job, f"{_reason(err)} (job {job.transcript_id} is recorded: a re-run polls it again)")
            return
        except TurnTuneError as err:  # e.g. an id that is not one: that file's failure, told in one line
            self.fail(job, _reason(err))
            return
        except Exception as err:
            log.exception("unexpected error while polling %s", job.name)
            self.fail(job, f"unexpected error: {type(err).__name__}: {err}")
            return
        status = data.get("status")
        if status == "completed":
            try:
                self.finish(job, data, cached=False)
            except Exception as err:
                log.exception("unexpected error with the transcript of %s", job.name)
                if not job.done or not any(self.index[id(it)] in self.outcomes for it in job.items):
                    self.fail(job, f"unexpected error: {type(err).__name__}: {err}")
        elif status == "error":
            self.paid.forget(job)  # a failed job is not billed; a re-run may try again
            self.fail(job, strip_url_queries(str(data.get("error") or "AssemblyAI reported an error without details")))
        elif job.deadline is not None and time.monotonic() > job.deadline:
            self.fail(job, f"job {job.transcript_id} still {status!r} after {self.timeout:g} s; "
                           "a re-run picks it up without paying again")
        else:
            job.next_poll = time.monotonic() + self._wait(job)
            waiting.append(job)

    def _result(self, interrupted: bool, prepare_futs: dict) -> BatchResult:
        for fut, job in prepare_futs.items():  # submitted just as the interrupt came: recorded, say so
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                state, value = fut.result()
                if state in ("submitted", "resumed"):
                    job.transcript_id = value
        in_flight = {id(job) for fut, job in prepare_futs.items() if fut.running()}
        result = []
        for i, (src, name) in enumerate(self.items):
            if i in self.outcomes:
                result.append(self.outcomes[i])
                continue
            job = next((j for j in self.jobs if (src, name) in j.items), None)
            if job is not None and job.transcript_id:
                reason = (f"interrupted while AssemblyAI was transcribing it (job {job.transcript_id}); "
                          "re-run to collect it without paying again")
            elif job is not None and id(job) in in_flight and self.cache is not None:
                reason = ("interrupted while uploading or submitting it; the submission is journaled, so a "
                          "re-run finds its job (if one was made) before paying again")
            elif self.paid.write_error is not None:
                reason = f"not submitted: {self.paid.write_error}; free some space (or fix the folder) and re-run"
            else:
                reason = "interrupted before it was submitted; re-run to transcribe it"
            result.append(FileOutcome(str(src), name, SKIPPED, reason, "transcribe",
                                      transcript_id=job.transcript_id if job else None))
        return BatchResult(result, interrupted, self.uploads)


def _submission_window(client, grace: float | None) -> float:
    """`grace`, or when None how long a submission the client sent may take to become a job: its
    connect + read time-outs (a job made later than that, the client stopped waiting for), at least
    `ORPHAN_GRACE_S`."""
    if grace is not None:
        return float(grace)
    timeout = getattr(client, "timeout", None)
    parts = timeout if isinstance(timeout, tuple | list) else (timeout,)
    total = sum(float(t) for t in parts if is_number(t))
    return max(ORPHAN_GRACE_S, total)


def _completed(cache: TranscriptCache, key: str) -> bool:
    entry = cache.load(key)
    return bool(entry) and entry.get("state") == "completed"


def _safe_hash(source, probe: bool = False) -> tuple:
    """``(content hash, channels)``; the hash is the OSError when the file cannot be read, the channels
    None when not probed or not known (`probe_channels` reads the header only)."""
    try:
        digest = content_hash(source)
    except OSError as err:
        return err, None
    return digest, probe_channels(source) if probe else None


def _reason(err: TurnTuneError) -> str:
    """A per-file reason: AssemblyAI's text for failed jobs, else the error message."""
    return getattr(err, "reason", None) if hasattr(err, "transcript_id") else str(err)
