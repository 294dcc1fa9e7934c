"""`AssemblyAIClient`: the pre-recorded API v2 (upload, submit, poll) over one
`requests.Session`, with retries that can never pay twice for the same file.

Configuration is read when a client is built, never at import: the key from the
argument or ``ASSEMBLYAI_API_KEY``, the base URL from the argument or
``ASSEMBLYAI_BASE_URL`` (default `DEFAULT_BASE_URL`; `EU_BASE_URL` for the EU).
The key is sent raw in ``Authorization`` and never appears in a repr, a log line or
an exception message.
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import threading
import time
import warnings
from datetime import UTC
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from ..errors import (
    APIError,
    AuthenticationError,
    ConfigError,
    InputError,
    MissingAPIKeyError,
    RateLimitError,
    TranscriptionFailedError,
)
from ..files import input_name, is_url, strip_url_queries, unsigned_url

__all__ = (
    "AssemblyAIClient",
    "ask_api_key",
    "DEFAULT_BASE_URL",
    "EU_BASE_URL",
    "DEFAULT_SPEECH_MODELS",
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_MAX_RETRY_AFTER",
    "check_transcript_id",
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.assemblyai.com"
EU_BASE_URL = "https://api.eu.assemblyai.com"
#: Since 2026-09-02 AssemblyAI routes requests without ``speech_models`` to
#: Universal-3.5 Pro and rejects ``["universal-3-pro"]``; sending it explicitly keeps
#: the request valid under both the March-2026 rule (required) and the later one.
DEFAULT_SPEECH_MODELS = ("universal-3-5-pro",)
#: AssemblyAI's documented polling interval (docs examples and SDK default), seconds.
DEFAULT_POLL_INTERVAL = 3.0
#: Statuses worth another try: rate limited, or a server/gateway error. (A 403 may be the rate limit
#: too, but only its body says so: `AssemblyAIClient._request` reads it and retries it through the same Retry.)
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: The longest ``Retry-After`` honoured by default, seconds.
DEFAULT_MAX_RETRY_AFTER = 60.0
#: Where AssemblyAI's upload URLs live: each names one upload, so it identifies a job alone.
_UPLOAD_URL_PREFIXES = ("https://cdn.assemblyai.com/upload/", "https://cdn.eu.assemblyai.com/upload/")
#: What a transcript id may look like before it goes into a URL (AssemblyAI's are UUID-like).
_TRANSCRIPT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


class _RejectedRetry(Retry):
    """`Retry` that also retries a POST answered 429.

    A 429 means the request was refused before any work was done, so sending it again
    cannot create a second billed job; urllib3's method filter would otherwise drop
    429 retries for POST along with the 5xx ones.
    """

    #: The longest ``Retry-After`` honoured, seconds (a longer one is cut to this).
    max_retry_after = DEFAULT_MAX_RETRY_AFTER

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == 429 and self.total:
            return True
        return super().is_retry(method, status_code, has_retry_after)

    def new(self, **kw):
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry

    def get_retry_after(self, response):
        """The server's ``Retry-After``, capped: a ``Retry-After: 600`` must not block a run for 10 minutes."""
        seconds = super().get_retry_after(response)
        if seconds is not None and seconds > self.max_retry_after:
            log.info("AssemblyAI asked to wait %.0f s; waiting %.0f s (max_retry_after)", seconds, self.max_retry_after)
            return self.max_retry_after
        return seconds


def _retry(retries: int, backoff_factor: float, allowed_methods, max_retry_after: float = None) -> Retry:
    retry = _RejectedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset(allowed_methods),
        respect_retry_after_header=True,  # 429/503 with Retry-After: sleep exactly that long
        raise_on_status=False,  # hand back the last response, so its error text reaches the user
    )
    if max_retry_after is not None:
        retry.max_retry_after = float(max_retry_after)
    return retry


def ask_api_key(prompt: str = "AssemblyAI API key (input hidden): ") -> None:
    """Ask for the API key without echoing it, and set ``ASSEMBLYAI_API_KEY`` for this process.

    Meant for a notebook: the key lives only in this kernel's environment; it is
    not returned (so it cannot become a cell's output), printed or saved.

    Raises
    ------
    MissingAPIKeyError
        When nothing was entered.
    """
    key = getpass.getpass(prompt).strip()
    if not key:
        raise MissingAPIKeyError("No API key was entered: run ask_api_key() again, or use backend='offline'.")
    os.environ["ASSEMBLYAI_API_KEY"] = key
    print("ASSEMBLYAI_API_KEY is set for this session (not saved anywhere).")


class AssemblyAIClient:
    """A client for AssemblyAI's pre-recorded transcription API (v2).

    Parameters
    ----------
    api_key : str, optional
        Defaults to ``ASSEMBLYAI_API_KEY``.
    base_url : str, optional
        Defaults to ``ASSEMBLYAI_BASE_URL``, then `DEFAULT_BASE_URL`. Use
        `EU_BASE_URL` to keep data in the EU.
    session : requests.Session, optional
        A session to use (the client then does not close it).
    speech_models : sequence of str, optional
        Sent as ``speech_models`` with every job unless `submit` is given its own;
        default `DEFAULT_SPEECH_MODELS`. An empty sequence sends none.
    timeout : float or (float, float)
        Connect and read timeouts of every request, seconds.
    retries : int
        Attempts after the first for connection errors, 429, 5xx, and a 403 that is the
        rate limit (one of AssemblyAI's sources answers its rate limit with 403; a 403
        refusing the key or a file is never retried: see `_forbidden_kind`).
    backoff_factor : float
        urllib3's exponential backoff between retries without ``Retry-After``.
    poll_interval : float, optional
        Seconds between status requests; default ``ASSEMBLYAI_POLLING_INTERVAL`` (the
        official SDK's setting), then `DEFAULT_POLL_INTERVAL` (3 s, as AssemblyAI's docs).
    max_retry_after : float
        The longest ``Retry-After`` honoured, seconds (default 60); a longer one is cut
        to this, so one answer cannot stall a run for long.

    Raises
    ------
    MissingAPIKeyError
        When there is no key in the argument or the environment.

    Examples
    --------
    >>> client = AssemblyAIClient(api_key="not-a-real-key", base_url=EU_BASE_URL)
    >>> client
    <AssemblyAIClient base_url='https://api.eu.assemblyai.com' api_key=set>
    >>> client.close()
    """

    def __init__(self, api_key: str | None = None, base_url: str | None = None, *, session=None,
                 speech_models=DEFAULT_SPEECH_MODELS, timeout=(10.0, 120.0), retries: int = 5,
                 backoff_factor: float = 0.5, poll_interval: float | None = None,
                 max_retry_after: float = DEFAULT_MAX_RETRY_AFTER):
        if not (isinstance(max_retry_after, (int, float)) and 0 <= max_retry_after < float("inf")):
            raise ConfigError(f"max_retry_after is a number of seconds >= 0, got {max_retry_after!r}")
        key = api_key if api_key is not None else os.environ.get("ASSEMBLYAI_API_KEY", "")
        key = key.strip()
        if not key:
            raise MissingAPIKeyError()
        self.__key = key
        self.base_url = (base_url or os.environ.get("ASSEMBLYAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.speech_models = tuple(speech_models or ())
        self.timeout = timeout
        self.retries = retries
        if poll_interval is None:  # the official SDK's variable, so one setting serves both
            poll_interval = float(os.environ.get("ASSEMBLYAI_POLLING_INTERVAL") or DEFAULT_POLL_INTERVAL)
        self.poll_interval = poll_interval
        self._closed = threading.Event()
        self._owns_session = session is None
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = key
        # Which requests may be sent again (connection errors before anything was sent
        # are retried for every method by urllib3; 429 for every method, see
        # _RejectedRetry):
        # - POST /v2/transcript creates a billed job. After a 5xx, a read timeout or a
        #   connection cut mid-request the job may exist already, so it is NOT retried
        #   (the file is reported failed; a re-run resubmits it). GET is idempotent.
        # - POST /v2/upload only stores bytes and bills nothing, so it is retried like
        #   a GET (urllib3 rewinds the file object before sending it again).
        # The longer prefix wins in requests' adapter lookup.
        self.max_retry_after = float(max_retry_after)
        self.session.mount(self.base_url + "/", HTTPAdapter(
            max_retries=_retry(retries, backoff_factor, {"GET"}, max_retry_after)))
        self.session.mount(self.base_url + "/v2/upload", HTTPAdapter(
            max_retries=_retry(retries, backoff_factor, {"GET", "POST"}, max_retry_after)))

    # ------------------------------------------------------------------ lifecycle
    def __repr__(self) -> str:
        return f"<AssemblyAIClient base_url={self.base_url!r} api_key=set>"

    def close(self) -> None:
        """Stop any `wait` in progress and close the session (when the client made it)."""
        self._closed.set()
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> AssemblyAIClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing
    def _redact(self, text: str) -> str:
        return str(text).replace(self.__key, "***") if self.__key else str(text)

    def _request(self, method: str, path: str, what: str, **kwargs) -> dict:
        """Send one request (with retries) and return its JSON body, or raise a package error.

        urllib3's `Retry` (mounted on the session) retries connection errors, 429 and
        5xx as the adapter allows. A 403 it cannot judge: it never sees the body, and
        AssemblyAI answers both its rate limit (in one of its sources) and a refused key
        or resource with 403. So a 403 is read here (`_forbidden_kind`) and, when it is
        the rate limit, sent again through the same `Retry` (its count, its backoff, the
        ``Retry-After`` it honours, capped at `max_retry_after`), for every method: a
        request refused for its rate was not acted on, so a POST cannot create a second
        job. Any other 403 is raised at once, never retried.
        """
        url = self.base_url + path
        body = kwargs.get("data")
        start = body.tell() if hasattr(body, "seek") and hasattr(body, "tell") else None
        retry = None
        while True:
            response = self._send(method, url, what, **kwargs)
            if response.status_code != 403 or _forbidden_kind(response) != "rate":
                break
            retry = retry or self.session.get_adapter(url).max_retries
            try:
                retry = retry.increment(method, url, response=response.raw)
            except MaxRetryError:
                break  # as many tries as for a 429: the RateLimitError below says so
            log.info("%s: AssemblyAI's rate limit answered 403; trying again", what)
            retry.sleep(response.raw)
            if start is not None:
                body.seek(start)  # an upload's file object is sent again from its start
        return self._json(response, what)

    def _send(self, method: str, url: str, what: str, **kwargs) -> requests.Response:
        """One request through the session's retries; network failures become `APIError`."""
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as err:
            raise APIError(
                f"{what}: AssemblyAI ({self.base_url}) did not answer in time after {self.retries} retries "
                f"({type(err).__name__}). Check your connection and re-run; finished files are cached."
            ) from err
        except requests.ConnectionError as err:
            raise APIError(
                f"{what}: could not reach AssemblyAI at {self.base_url} ({self._redact(_root_cause(err))}). "
                "Check your connection and ASSEMBLYAI_BASE_URL, then re-run; finished files are cached."
            ) from err
        except requests.RequestException as err:
            raise APIError(f"{what}: request failed ({self._redact(_root_cause(err))}).") from err

    def _json(self, response: requests.Response, what: str) -> dict:
        """The JSON object of a 200 answer, or the package error its status means (saying what to do)."""
        status = response.status_code
        if status == 200:
            try:
                data = response.json()
            except ValueError:
                data = None
            if not isinstance(data, dict):
                raise APIError(
                    f"{what}: AssemblyAI answered 200 with a body that is not a JSON object "
                    f"({len(response.content)} bytes). This is a server-side problem: re-run later.", status)
            return data
        message = self._redact(strip_url_queries(_error_text(response)))
        if status == 401:
            raise AuthenticationError(
                f"{what}: AssemblyAI refused the API key (401: {message}). Check ASSEMBLYAI_API_KEY "
                "(or api_key=...): copy the key again from https://www.assemblyai.com/app/api-keys.", status)
        kind = _forbidden_kind(response) if status == 403 else None
        if status == 429 or kind == "rate":
            raise RateLimitError(
                f"{what}: still rate limited by AssemblyAI after {self.retries} retries ({status}: {message}). "
                "Wait a few minutes, or lower workers=, and re-run; finished files are cached.", status)
        if kind == "auth":
            raise AuthenticationError(
                f"{what}: AssemblyAI refused the API key (403: {message}); not retried. Check ASSEMBLYAI_API_KEY "
                "(or api_key=): copy the key again from https://www.assemblyai.com/app/api-keys.", status)
        if kind == "forbidden":
            raise APIError(
                f"{what}: AssemblyAI refused access (403: {message}); not retried, as another try gets the same "
                "answer. A file uploaded with another project's key cannot be used with this one: check "
                "ASSEMBLYAI_API_KEY, or use another --cache-dir so the file is uploaded again.", status)
        if status >= 500:
            raise APIError(
                f"{what}: AssemblyAI server error {status} ({message}). Re-run later; finished files are cached.",
                status)
        raise APIError(f"{what}: AssemblyAI rejected the request ({status}: {message}).", status)

    # ------------------------------------------------------------------ API
    def upload(self, path) -> str:
        """Upload a local file (streamed from disk, never read whole) and return its ``upload_url``.

        Raises
        ------
        InputError
            When the file cannot be opened.
        APIError, AuthenticationError, RateLimitError
        """
        path = Path(path)
        try:
            f = path.open("rb")
        except OSError as err:
            raise InputError(f"{path}: cannot open the file ({err.strerror}); "
                             "check that it exists and is readable.") from err
        with f:
            data = self._request("POST", "/v2/upload", f"upload of {path.name}", data=f,
                                 headers={"Content-Type": "application/octet-stream"})
        url = data.get("upload_url")
        if not isinstance(url, str):
            raise APIError(f"upload of {path.name}: the response has no 'upload_url'. Re-run later.")
        return url

    def submit(self, audio_url: str, speaker_labels: bool = True, *, speech_models=None,
               language_detection: bool | None = None, speakers_expected: int | None = None,
               **options) -> dict:
        """Create a transcription job (``POST /v2/transcript``, billed) and return its JSON.

        Parameters
        ----------
        audio_url : str
            An ``upload_url`` or a public http(s) URL.
        speaker_labels : bool
            Diarisation, needed for speaker-change gaps in a mono file.
        speech_models : sequence of str, optional
            Defaults to the client's `speech_models`.
        language_detection : bool, optional
        speakers_expected : int, optional
            Deprecated by AssemblyAI: sent as ``speaker_options`` with
            ``min_speakers_expected = max_speakers_expected = speakers_expected``, with a
            `DeprecationWarning`. Give ``speaker_options={...}`` instead.
        **options
            Any other field of AssemblyAI's ``TranscriptParams``, sent as is:
            ``multichannel=True`` (each channel transcribed apart, labels ``1A``,
            ``2A``...), ``speaker_options={"min_speakers_expected": 2, "max_speakers_expected": 3}``...
        """
        body = {"audio_url": audio_url, "speaker_labels": bool(speaker_labels)}
        models = self.speech_models if speech_models is None else tuple(speech_models)
        if models:
            body["speech_models"] = list(models)
        if language_detection is not None:
            body["language_detection"] = bool(language_detection)
        if speakers_expected is not None:
            n = int(speakers_expected)
            warnings.warn(f"speakers_expected is deprecated by AssemblyAI: it is sent as speaker_options with "
                          f"min_speakers_expected = max_speakers_expected = {n}; give speaker_options= instead",
                          DeprecationWarning, stacklevel=2)
            if options.get("speaker_options") is None:
                body["speaker_options"] = {"min_speakers_expected": n, "max_speakers_expected": n}
        body.update({k: v for k, v in options.items() if v is not None})
        data = self._request("POST", "/v2/transcript", f"submission of {input_name(audio_url)}", json=body)
        if not isinstance(data.get("id"), str):
            raise APIError(f"submission of {input_name(audio_url)}: the response has no job 'id'. Re-run later.")
        return data

    def get(self, transcript_id: str) -> dict:
        """The job's current JSON (``GET /v2/transcript/{id}``).

        Raises
        ------
        InputError
            When `transcript_id` is not shaped like an id (it is never put in a URL then).
        """
        check_transcript_id(transcript_id)
        return self._request("GET", f"/v2/transcript/{transcript_id}", f"status of job {transcript_id}")

    def list_transcripts(self, limit: int = 200, *, before_id: str | None = None, after_id: str | None = None,
                         status: str | None = None, created_on: str | None = None) -> dict:
        """One page of the account's transcripts, newest first (``GET /v2/transcript``).

        Returns AssemblyAI's JSON: ``transcripts`` (rows with ``id``, ``status``,
        ``audio_url``, ``created``, ...) and ``page_details`` (``prev_url`` leads to
        older ones). Listing is free.
        """
        if not 1 <= int(limit) <= 200:
            raise ConfigError(f"limit is 1..200, got {limit}")
        params = {"limit": int(limit)}
        for name, value in (("before_id", before_id), ("after_id", after_id)):
            if value is not None:
                params[name] = check_transcript_id(value)
        if status is not None:
            params["status"] = status
        if created_on is not None:
            params["created_on"] = created_on
        data = self._request("GET", "/v2/transcript", "list of transcripts", params=params)
        if not isinstance(data.get("transcripts"), list):
            raise APIError("list of transcripts: the response has no 'transcripts' list. Re-run later.")
        return data

    def find_transcripts(self, audio_urls, since: float, max_pages: int = 50, skew: float = 600.0) -> dict:
        """The jobs made for `audio_urls` since `since` (epoch seconds): ``{audio_url: id}``.

        Pages through the list (newest first) until every URL is found or the rows are
        older than `since` less `skew` seconds (clocks differ). An upload URL is unique
        to its upload, so a row with it is that file's job: this is how a submission
        whose reply was lost, or whose process died, is found instead of paid again.
        A public URL is not unique: only rows created after ``since - skew`` count.
        Jobs that ended in ``error`` are not billed and are not returned. URLs are matched
        without their query strings (a presigned URL is signed anew by each run).
        """
        wanted = {unsigned_url(u): u for u in audio_urls}  # matched without query strings (signatures)
        found, before = {}, None
        horizon = since - skew
        for _ in range(max_pages):
            page = self.list_transcripts(200, before_id=before)
            rows = [r for r in page["transcripts"] if isinstance(r, dict)]
            for row in rows:  # newest first: the newest job for a URL wins
                raw = row.get("audio_url")
                url = wanted.get(unsigned_url(raw)) if isinstance(raw, str) else None
                created = _epoch(row.get("created"))
                if url is not None and url not in found and isinstance(row.get("id"), str) \
                        and _TRANSCRIPT_ID.fullmatch(row["id"]) \
                        and row.get("status") != "error" \
                        and (created is None or created >= horizon or url.startswith(_UPLOAD_URL_PREFIXES)):
                    found[url] = row["id"]
            oldest = _epoch(rows[-1].get("created")) if rows else None
            prev = (page.get("page_details") or {}).get("prev_url")
            if len(found) == len(wanted) or not rows or not prev or (oldest is not None and oldest < horizon):
                break
            before = rows[-1].get("id")
            if not isinstance(before, str) or not _TRANSCRIPT_ID.fullmatch(before):
                break  # no id to page on from
        return found

    def wait(self, transcript_id: str, poll_interval: float | None = None, timeout: float | None = 3 * 3600,
             source: str | None = None) -> dict:
        """Poll a job until it completes and return the completed transcript JSON.

        Raises
        ------
        TranscriptionFailedError
            When the job ends with ``status: error`` (AssemblyAI's text in ``reason``),
            or does not finish within `timeout` seconds.
        """
        interval = self.poll_interval if poll_interval is None else poll_interval
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            data = self.get(transcript_id)
            status = data.get("status")
            if status == "completed":
                return data
            if status == "error":
                raise TranscriptionFailedError(source or transcript_id,
                                               strip_url_queries(str(data.get("error") or "unknown error")),
                                               transcript_id)
            if deadline is not None and time.monotonic() + interval > deadline:
                raise TranscriptionFailedError(
                    source or transcript_id,
                    f"job {transcript_id} still {status!r} after {timeout:g} s; re-run later to pick it up",
                    transcript_id)
            if self._closed.wait(interval):
                raise APIError(f"job {transcript_id}: the client was closed while waiting")

    def transcribe(self, path_or_url, poll_interval: float | None = None, **options) -> dict:
        """Upload (unless it is a URL), submit and wait: the completed transcript JSON."""
        source = str(path_or_url)
        audio_url = source if is_url(source) else self.upload(path_or_url)
        job = self.submit(audio_url, **options)
        return self.wait(job["id"], poll_interval=poll_interval, source=input_name(source))


def check_transcript_id(transcript_id) -> str:
    """`transcript_id` when it is shaped like an AssemblyAI id (letters, digits, ``-``, ``_``).

    Raises
    ------
    InputError
        Otherwise: an id read from a damaged cache is never pasted into a URL.

    Examples
    --------
    >>> check_transcript_id("5551722-f677-48a6-9287-39c0aafd9ac1")
    '5551722-f677-48a6-9287-39c0aafd9ac1'
    """
    if not isinstance(transcript_id, str) or not _TRANSCRIPT_ID.fullmatch(transcript_id):
        raise InputError(f"{str(transcript_id)[:40]!r} is not a transcript id (letters, digits, '-' and '_' only); "
                         "if it came from the cache, delete that entry and run again")
    return transcript_id


def _epoch(created) -> float | None:
    """AssemblyAI's ``created`` (ISO 8601, UTC when it has no zone) as epoch seconds, or None."""
    from datetime import datetime

    try:
        when = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


#: A 403 whose text names the key or its authorisation: the key is refused (AssemblyAI's own 401 text
#: "Authentication error, API token missing/invalid" matches, should it come as a 403).
_AUTH_TEXT = re.compile(r"api[ _-]?key|token|auth|credential", re.IGNORECASE)
#: A 403 whose text names a rate limit (AssemblyAI's 429 says "Too Many Requests").
_RATE_TEXT = re.compile(r"rate[ _-]?limit|too many requests|throttl|slow down|try again later", re.IGNORECASE)


def _forbidden_kind(response) -> str:
    """How a 403 is taken: ``"auth"`` (the key is refused), ``"rate"`` (the rate limit) or ``"forbidden"``.

    AssemblyAI's rate limit answer is 429 in its docs and 403 in another of its
    sources; the 403s its spec lists are refusals ("Cannot access uploaded file": a
    key of another project). Decided from the body first, so no refusal loops:

    - text naming a rate limit ("Too Many Requests", "rate limit exceeded for this
      key", "throttled", "slow down", "try again later"): ``"rate"``, retried like a
      429, at most ``retries`` times (never forever);
    - else text naming the key, a token, authentication or authorisation ("Invalid
      API key", "Not authorized", "Authentication error, API token missing/invalid"):
      ``"auth"``, never retried, whatever the headers say;
    - else a ``Retry-After`` header (a server asking to be asked again later): ``"rate"``;
    - anything else (a refused resource, a bare "Forbidden"): ``"forbidden"``, never
      retried: another try would get the same answer.
    """
    text = _error_text(response)
    if _RATE_TEXT.search(text):
        return "rate"
    if _AUTH_TEXT.search(text):
        return "auth"
    return "rate" if response.headers.get("Retry-After") else "forbidden"


def _error_text(response) -> str:
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    text = (response.text or "").strip()
    return text[:200] or response.reason or "no details"


def _root_cause(err: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, as short text."""
    seen = err
    while True:
        first_arg = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        nxt = getattr(seen, "reason", None) or first_arg
        if not isinstance(nxt, BaseException) or nxt is seen:
            break
        seen = nxt
    return f"{type(seen).__name__}: {seen}"
