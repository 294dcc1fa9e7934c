"""The paid steps of a batch's jobs, each journaled before it happens (write-ahead).

`PaidSteps` is what a `transcribe_files` run (``batch.py``) hands each distinct
(content, options) `Job` to when it may cost money. It is given its collaborators
when it is built (the client, the journal, the request options, the run's stop
event, its upload counters) and holds no other state of the run. For one job it
finds a cached transcript or a job id an earlier run already paid for, else submits
by URL when the service can fetch the object (an http(s) URL, a presigned one), else
uploads once (FLAC on request) and submits, journaling the upload URL, the intent and
the job id as each happens (`turntune_nb.assemblyai.cache`). `PaidSteps.settle`
resolves, before any new paid work, every intent an interrupted run left without a
job id, through AssemblyAI's list of transcripts. The submission and polling loop,
and what each file ends as, stay in ``batch.py``, which imports this module (never
the other way round).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from ..errors import APIError, AuthenticationError, InputError, TurnTuneError
from ..files import is_url
from ..remote import RemoteFile, signed_url
from .cache import DAMAGED, SUBMITTED, SUBMITTING
from .client import check_transcript_id
from .sources import UploadStats, audio_url_for

__all__ = ("Job", "PaidSteps", "transcript_problem", "ORPHAN_GRACE_S")

log = logging.getLogger(__name__)

#: An intent younger than this may still become a job that the list does not show yet (a
#: submission sent just before the process died): the least window an intent is waited for, seconds.
ORPHAN_GRACE_S = 3.0
#: While intents of an interrupted run are open, the list of transcripts is read this often, seconds.
SETTLE_POLL_S = 1.0


@dataclass
class Job:
    """One distinct (content, options) of a batch: the inputs that share it and its AssemblyAI job."""

    key: str
    items: list  # of (source, name)
    transcript_id: str | None = None
    next_poll: float = 0.0
    submitted: float = 0.0  # monotonic time of the submission (or of the resume)
    deadline: float | None = None
    resumed: bool = False  # polling a job an earlier run made (or one found in the list)
    done: bool = False
    found_id: str | None = None  # an orphan found in the list before the run started
    request: dict | None = None  # the body sent for it (less audio_url); None: the run's (`PaidSteps.request`)

    @property
    def name(self) -> str:
        """The name of the job's first input (what logs and reasons call it)."""
        return self.items[0][1]


class PaidSteps:
    """The paid, journaled steps of a batch's jobs, given everything they use.

    Parameters
    ----------
    client : AssemblyAIClient
        Uploads, submits and lists; its ``base_url`` (the region) keys the journal.
    cache : TranscriptCache or None
        The transcripts and the journal of paid work; None: no journal (an
        interrupted run cannot then be resumed without paying).
    request : dict
        The request options sent with a job that carries none of its own (`Job.request`: a
        two-channel file's says ``multichannel``), checked by the caller.
    stop : threading.Event
        Set when the run ends; no new paid step starts after it. Set here when the
        key is refused (every other file would be refused too).
    uploads : UploadStats, optional
        Counts what was sent by URL and what was uploaded.
    upload_codec : {None, "flac"}
    fetch_dir : path, optional
        Where remote objects no service can fetch are copied before upload.
    orphan_grace : float
        Seconds after its intent a submission may still become a job (see `settle`).
    patience : float or None
        Longest `settle` waits for open intents, seconds; None: as long as their windows.
    """

    def __init__(self, client, cache, request: dict, *, stop, uploads: UploadStats | None = None,
                 upload_codec: str | None = None, fetch_dir=None, orphan_grace: float = ORPHAN_GRACE_S,
                 patience: float | None = None):
        self.client, self.cache, self.request, self.stop = client, cache, request, stop
        self.base_url = client.base_url
        self.uploads = uploads if uploads is not None else UploadStats()
        self.upload_codec, self.fetch_dir, self.grace = upload_codec, fetch_dir, orphan_grace
        self.patience = patience
        self.write_error: str | None = None  # the first failed write: new payments stopped (`write_failed`)

    # ------------------------------------------------------------------ one job's paid steps (in a worker)
    def prepare(self, job: Job, ignore_pending: bool = False) -> tuple:
        """``(state, value)``: ``("completed", transcript)`` from the cache, ``("resumed", id)`` for a job an
        earlier run paid for, ``("submitted", id)`` after (upload +) intent + submit, each journaled first,
        or ``("stopped", None)`` when the run ended first."""
        src, name = job.items[0]
        cache, client, record, request = self.cache, self.client, None, self._request(job)
        if cache is not None:
            entry = cache.load(job.key)
            if entry and entry.get("state") == "completed":
                data = entry.get("transcript")
                if isinstance(data, dict) and transcript_problem(data, name) is None:
                    return "completed", data
                tid = entry.get("transcript_id")
                if not ignore_pending and _valid_id(tid):  # fetched again: free, where a new job is paid
                    log.warning("the cached transcript of %s cannot be read; fetching job %s again", name, tid)
                    return "resumed", tid
            record = None if ignore_pending else cache.job(job.key, self.base_url)
            if record and record.get("state") == SUBMITTED and _valid_id(record.get("transcript_id")):
                return "resumed", record["transcript_id"]
        if job.found_id and not ignore_pending:
            return "resumed", job.found_id
        if self.stop.is_set():
            return "stopped", None
        try:
            direct = str(src) if is_url(src) else signed_url(src) if isinstance(src, RemoteFile) else None
            if direct:  # the service fetches it: nothing is uploaded (a presigned URL is never shown)
                audio_url = direct
                self.uploads.add(by_url=1)
            elif record and isinstance(record.get("upload_url"), str):
                audio_url = record["upload_url"]  # uploaded by an earlier run: not uploaded again
            else:
                audio_url, _ = audio_url_for(src, client, self.upload_codec, self.uploads, self.fetch_dir)
                if cache is not None:
                    try:
                        cache.save_uploaded(job.key, name, self.base_url, request, audio_url)
                    except OSError as err:
                        self.write_failed(f"the journal of {name}", err)
            if self.stop.is_set():
                return "stopped", None
            intent_time = time.time()
            if cache is not None:
                try:
                    cache.save_intent(job.key, name, self.base_url, request, audio_url)
                except OSError as err:
                    self.write_failed(f"the journal of {name}", err)
                    raise TurnTuneError(f"could not journal the submission of {name} before paying for it "
                                        f"({err.strerror or err}); fix the cache folder and re-run. "
                                        "Nothing was paid for this file.") from err
            transcript_id = self._submit(job, audio_url, intent_time)
        except AuthenticationError:
            self.stop.set()  # every other file would be refused too: start no more
            raise
        if cache is not None:
            try:
                cache.save_submitted(job.key, name, transcript_id, self.base_url, request)
            except OSError as err:  # the intent is journaled: a re-run finds this job in the list
                self.write_failed(f"the journal of {name} (job {transcript_id})", err)
        return "submitted", transcript_id

    def write_failed(self, what: str, err: OSError) -> None:
        """A write failed (a full disk, a folder gone): no new paid step starts in this run (the jobs already
        paid for are still collected); said once, and kept as `write_error` for the files not submitted."""
        if self.write_error is None:
            self.write_error = f"writing {what} failed ({err.strerror or err})"
            log.warning("%s: no new file is submitted in this run; the jobs already paid for are still "
                        "collected. Free some space (or fix the folder) and re-run to do the rest.",
                        self.write_error)
        self.stop.set()

    def _submit(self, job: Job, audio_url: str, intent_time: float) -> str:
        """Submit; when the reply is lost, find the job in the list rather than pay again."""
        try:
            reply = self.client.submit(audio_url, **self._request(job))
        except APIError as err:
            refused = err.status_code is not None and err.status_code < 500
            if refused:  # no job was made: the intent is withdrawn (the upload is kept)
                if self.cache is not None and not is_url(audio_url):
                    self.cache.save_uploaded(job.key, job.name, self.base_url, self._request(job), audio_url)
                elif self.cache is not None:
                    self.cache.forget_job(job.key, self.base_url)
                raise
            try:
                found = self.client.find_transcripts([audio_url], since=intent_time)
            except APIError:
                found = {}
            if audio_url in found:
                log.info("the reply to the submission of %s was lost; found its job %s in the list",
                         job.name, found[audio_url])
                return found[audio_url]
            raise APIError(f"{err} Whether AssemblyAI made the job is not known yet: the submission is journaled, "
                           "and a re-run looks it up before paying again.", err.status_code) from err
        transcript_id = reply.get("id") if isinstance(reply, dict) else None
        if not _valid_id(transcript_id):  # never put in a URL; the journal keeps the intent, not this id
            shown = str(transcript_id)[:40]
            raise APIError(f"submission of {job.name}: AssemblyAI answered with the job id {shown!r}, "
                           "which is not a transcript id (letters, digits, '-' and '_'), so the job cannot be "
                           "followed. This is the server's answer, not the cache's: re-run later (the submission "
                           "is journaled and looked up in the list before anything is paid again).")
        return transcript_id

    def _request(self, job: Job) -> dict:
        """What is sent for `job`: its own request (decided from its channels), else the run's."""
        return job.request if job.request is not None else self.request

    def forget(self, job: Job) -> None:
        """Close the journal of `job`'s AssemblyAI job here (it failed, so it was not billed, or the
        server no longer knows it): the next attempt submits anew."""
        if self.cache is not None:
            self.cache.forget_job(job.key, self.base_url)

    # ------------------------------------------------------------------ before anything is paid
    def settle(self, jobs) -> list:
        """Resolve every intent without a job id through the list of transcripts, before new paid work.

        An intent is open until the list shows its job (journaled and set as the job's
        ``found_id``: collected, not paid again) or until a list read after its window
        (``orphan_grace`` seconds after the intent) does not show it: no job was made, and
        the file is submitted. Meanwhile the list is read again every `SETTLE_POLL_S`
        seconds, for at most ``patience`` seconds; nothing is paid for those files.

        Returns
        -------
        list of (Job, str)
            The jobs that must not go on, with the reason: the list could not be read, or
            their window outlasts the patience (an earlier run may have paid for them).
        """
        if self.cache is None:
            return []
        pending, blocked = {}, []
        for job in jobs:
            record = self.cache.job(job.key, self.base_url)
            if record and record.get("state") == SUBMITTING and isinstance(record.get("upload_url"), str):
                pending[job.key] = (job, record["upload_url"], _intent_time(record.get("intent_time")))
            elif record and record.get("state") == DAMAGED:
                blocked.append((job, f"its journal entry was damaged (kept as {record.get('aside')}) and holds no "
                                     "job id or upload URL to look its job up by: whether an earlier run paid for it "
                                     f"cannot be checked, so it is not paid blind; delete {record.get('entry')} to "
                                     "transcribe it again"))
        if not pending:
            return blocked
        since = min(t for _, _, t in pending.values())  # the oldest intent: every open one is in view
        give_up = time.time() + (math.inf if self.patience is None else self.patience)
        announced = False
        while True:
            listed_at = time.time()
            try:
                found = self.client.find_transcripts([u for _, u, _ in pending.values()], since=since)
            except AuthenticationError:
                raise
            except APIError as err:
                return blocked + [(job, f"an earlier run may have paid for it, and the list of transcripts could "
                                        f"not be read to check ({err}); re-run later: nothing was paid again")
                                  for job, _, _ in pending.values()]
            for key, (job, url, intent) in list(pending.items()):
                if url in found:
                    self._found(job, found[url])
                    del pending[key]
                elif listed_at - intent >= self.grace:  # listed after its window: no job was made
                    del pending[key]
            if not pending:
                return blocked
            if listed_at >= give_up or self.stop.is_set():
                return blocked + [(job, f"an interrupted run sent its submission {time.time() - intent:.0f} s ago "
                                        "and AssemblyAI does not list the job yet; nothing was paid again: re-run "
                                        "in a minute to collect it (or submit it, if no job was made)")
                                  for job, _, intent in pending.values()]
            now = time.time()
            closes = min(intent + self.grace for _, _, intent in pending.values())
            if not announced:
                last = min(max(intent + self.grace for _, _, intent in pending.values()), give_up)
                log.warning("waiting up to %d s for %d submission(s) of an interrupted run to appear in "
                            "AssemblyAI's list before paying for them again (an earlier run sent them and "
                            "ended before the replies came)", math.ceil(max(0.0, last - now)), len(pending))
                announced = True
            self.stop.wait(max(0.0, min(SETTLE_POLL_S, closes - now, give_up - now)))

    def _found(self, job: Job, transcript_id: str) -> None:
        job.found_id = transcript_id
        log.info("%s: job %s of an interrupted run found in the list; collecting it", job.name, transcript_id)
        try:
            self.cache.save_submitted(job.key, job.name, transcript_id, self.base_url, self._request(job))
        except OSError as err:
            self.write_failed(f"the journal of {job.name} (job {transcript_id})", err)


def transcript_problem(data, name) -> str | None:
    """None when `data` is a usable completed transcript, else why not."""
    try:
        from ..analysis.readers import transcript_from_assemblyai  # pandas: imported while jobs run

        transcript_from_assemblyai(data, name)
    except Exception as err:  # any failure of one transcript is that file's, never the run's
        return getattr(err, "reason", None) or f"{type(err).__name__}: {err}"
    return None


def _intent_time(value) -> float:
    """An intent's journaled time (epoch seconds); one that cannot be read counts as now (the longest wait)."""
    try:
        when = float(value)
    except (TypeError, ValueError):
        return time.time()
    return min(when, time.time()) if math.isfinite(when) else time.time()  # never later than now


def _valid_id(value) -> bool:
    try:
        check_transcript_id(value)
    except InputError:
        return False
    return True
