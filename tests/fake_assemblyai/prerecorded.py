"""The pre-recorded API v2 of the fake: ``POST /v2/upload``, ``POST /v2/transcript``,
``GET /v2/transcript/{id}``, as ``reference/assemblyai_protocol.md`` section 1 describes,
and ``GET /v2/transcript`` (the list), as AssemblyAI's API reference does: newest first,
``limit`` 1..200 (default 10), ``status``, ``created_on`` (``YYYY-MM-DD``), ``before_id``
(older than that job) and ``after_id`` (newer); the body is ``{"page_details": {limit,
result_count, current_url, prev_url, next_url}, "transcripts": [{id, resource_url,
status, created, completed, audio_url, error}]}``, ``prev_url`` leading to older jobs
(null when there are none), ``next_url`` to newer ones.

- Auth: the raw key in ``Authorization`` (any case of the header name); anything else
  gets AssemblyAI's ``401 {"error": "Authentication error, API token missing/invalid"}``.
- A job is ``queued`` for the first third of ``fake.options["processing_time"]``
  seconds (read at every GET, so a test may change it mid-run), then ``processing``,
  then ``completed`` or ``error``.
- The transcript is a deterministic function of the audio bytes (`derive_utterances`),
  unless a test scripted one for those bytes (`script_transcript`) or an error
  (`script_error`). Bytes that are not audio end as AssemblyAI's "File does not appear
  to contain audio ..." and WAVs under 160 ms as "Audio duration is too short.".
- with the ``fetch_urls=True`` option, other ``audio_url`` values are really fetched
  (GET), as the service fetches a public or presigned URL;
- ``audio_url`` values that are not this fake's upload URLs are "downloaded" from
  `add_url`'s table; an unknown URL ends as AssemblyAI's "Download error, ...".
- ``multichannel: true`` (AssemblyAI's docs, "Multichannel transcription"): each channel
  is transcribed apart; the answer has ``multichannel: true``, ``audio_channels`` and
  utterances (always, as the docs say) whose ``channel`` is the channel counted from 1,
  as a string (``"1"``, ``"2"``; the SDKs type it ``Optional[str]``), as is each word's.
  Where the docs are silent the fake chooses: the channel count is a WAV's header's
  (other formats: 2, as the fake decodes nothing); the derived conversation's speaker A
  speaks on channel 1 and B on channel 2 (a mono file: all on channel 1); speaker labels
  are ``1A``, ``2A`` (the project's reference, and the docs' per-channel diarisation
  shape), or ``1``/``2`` with the option ``multichannel_labels="digits"`` (the docs'
  "Channel {utterance.speaker}" example reads as a bare number). With the option
  ``echo_multichannel=False`` the answer leaves out ``multichannel`` and ``audio_channels``
  (an answer that does not echo the request, as a terser server might).
- ``speaker_options`` ``{min_speakers_expected, max_speakers_expected}`` is checked
  (whole numbers >= 1, min <= max: else 400, the fake's own text) and honoured by the
  derived conversation: 2 speakers unless the options say otherwise (at least min, at
  most max); ``speakers_expected`` (deprecated by AssemblyAI, still accepted) sets the
  count exactly. Both are echoed.
- Faults, queued per endpoint (``"upload"``, ``"submit"``, ``"get"``) with `inject`
  and consumed one per request: ``{"status": 429, "retry_after": 2}``,
  ``{"status": 403, "rate_limit": True, "retry_after": 2}`` (the rate limit as a 403,
  as one of AssemblyAI's sources says it answers: ``{"error": "Too Many Requests"}``
  and ``Retry-After``; ``retry_after: None`` sends no header), ``{"status": 403}``
  (AssemblyAI's documented 403, ``{"error": "Cannot access uploaded file"}``),
  ``{"status": 500}`` (or 502/503/504), ``{"delay": seconds}``, ``{"drop": True}``
  (the connection is cut, mid-body for uploads), ``{"drop_after": True}`` (submit only:
  the job is created, then the connection is cut before the reply: a lost reply),
  ``{"job_id": value}`` (submit only: the job is made with that id, in the reply and the
  list, as a faulty server's ``"../x"`` or ``7``),
  ``{"malformed": True}`` (200 with a
  truncated JSON body), ``{"status": 400, "error": text}`` (that status with
  ``{"error": text}``, e.g. a body that echoes the request).
- ``fake.options["latency"]``: seconds every request to an endpoint waits before it is
  handled (``{"upload": 0.05, "submit": 0.1, ...}``), and ``"submit_reply"``: seconds
  between a job's creation and its reply (the window where a killed client has paid
  for a job it never heard of).
- ``fake.options["create_delay"]``: seconds between a submission's arrival and its job's
  creation (a slow service, or a proxy in front of it): until then the job is in neither
  the list nor ``GET``, and the reply waits for it. A client killed meanwhile has paid for
  a job it cannot yet see; the job appears anyway.
- ``fake.state.counts`` counts requests per endpoint (``upload``, ``submit``, ``get``,
  ``list``), including refused ones.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
import struct
import time
import uuid
from datetime import datetime, timezone

from aiohttp import web

__all__ = ("register", "inject", "script_transcript", "script_error", "add_url", "derive_utterances",
           "UPLOAD_PREFIX", "AUTH_ERROR", "audio_error", "wav_channels")

UPLOAD_PREFIX = "https://cdn.assemblyai.com/upload/"
AUTH_ERROR = "Authentication error, API token missing/invalid"
TOO_SHORT = "Audio duration is too short."
LOOKUP_ERROR = "Transcript lookup error, transcript id not found"
DEFAULT_PROCESSING_TIME = 0.2

_VOCABULARY = ("so", "we", "looked", "at", "the", "numbers", "and", "I", "think", "it", "works", "okay",
               "right", "yes", "maybe", "later", "today", "call", "back", "sure", "thanks", "plan")


# --------------------------------------------------------------------------- test helpers
def _store(fake) -> dict:
    return fake.state.data.setdefault("prerecorded", {"uploads": {}, "jobs": {}, "scripts": {}, "urls": {}})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inject(fake, endpoint: str, *faults: dict) -> None:
    """Queue faults for the next requests to `endpoint` (``upload``, ``submit``, ``get``)."""
    if endpoint not in ("upload", "submit", "get", "list"):
        raise ValueError(f"unknown endpoint {endpoint!r}")
    with fake.state.lock:
        fake.state.faults.setdefault(endpoint, []).extend(dict(f) for f in faults)


def script_transcript(fake, audio: bytes, utterances) -> None:
    """Make the job for these audio bytes complete with these utterances.

    `utterances` is a list of ``(speaker, start_ms, end_ms, text)``; the words of each
    text are spread evenly over its span (integer ms).
    """
    with fake.state.lock:
        _store(fake)["scripts"][_sha(audio)] = {"utterances": [tuple(u) for u in utterances]}


def script_error(fake, audio: bytes, message: str) -> None:
    """Make the job for these audio bytes end with ``status: error`` and `message`."""
    with fake.state.lock:
        _store(fake)["scripts"][_sha(audio)] = {"error": message}


def add_url(fake, url: str, audio: bytes) -> None:
    """Let the fake "download" `audio` when a job is submitted with ``audio_url=url``."""
    with fake.state.lock:
        _store(fake)["urls"][url] = audio


# --------------------------------------------------------------------------- transcripts
def _wav_duration_ms(audio: bytes) -> int | None:
    """Duration of a PCM WAV from its header, or None when it is not a RIFF/WAVE file."""
    if len(audio) < 12 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
        return None
    pos, byte_rate, data_len = 12, None, None
    while pos + 8 <= len(audio):
        cid, size = audio[pos:pos + 4], struct.unpack("<I", audio[pos + 4:pos + 8])[0]
        if cid == b"fmt " and size >= 16:
            byte_rate = struct.unpack("<I", audio[pos + 16:pos + 20])[0]
        elif cid == b"data":
            data_len = min(size, len(audio) - pos - 8)
            break
        pos += 8 + size + (size & 1)
    if not byte_rate or data_len is None:
        return 0
    return int(data_len * 1000 / byte_rate)


async def _download(url: str) -> bytes | None:
    """GET `url` (the fake's ``fetch_urls=True`` option): its bytes, or None when it cannot be fetched."""
    import aiohttp

    try:
        async with aiohttp.ClientSession() as session, session.get(url) as resp:
            return await resp.read() if resp.status == 200 else None
    except aiohttp.ClientError:
        return None


def audio_error(audio: bytes | None, url: str) -> str | None:
    """AssemblyAI's ``error`` text for audio it cannot transcribe, or None when fine."""
    if audio is None:
        return (f"Download error, unable to download {url}. Please make sure the file exists "
                "and is accessible from the internet.")
    head = audio[:64]
    is_audio = (
        head[:4] in (b"RIFF", b"fLaC", b"OggS", b"FORM", b".snd", b"\x1aE\xdf\xa3")
        or head[:3] == b"ID3"
        or head[4:8] == b"ftyp"
        or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    )
    if not is_audio:
        if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
            kind = "text/html (HTML document, ASCII text)"
        elif audio and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
            kind = "text/plain (ASCII text)"
        else:
            kind = "application/octet-stream (data)"
        return f"File does not appear to contain audio. File type is {kind}."
    duration = _wav_duration_ms(audio)
    if duration is not None and duration < 160:
        return TOO_SHORT
    return None


def derive_utterances(audio: bytes, speakers: int = 2) -> list[tuple]:
    """A deterministic conversation for these bytes: ``(speaker, start_ms, end_ms, text)``.

    4 to 8 utterances going round `speakers` speakers A, B, ... (A and B by default),
    2 to 6 words each, gaps of 50 to 1500 ms between them; seeded from the SHA-256 of
    the bytes (the same bytes and count give the same conversation).
    """
    rng = random.Random(int.from_bytes(hashlib.sha256(audio).digest()[:8], "big"))
    out, t = [], rng.randint(100, 600)
    labels = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:max(1, speakers)]
    for i in range(rng.randint(4, 8)):
        n = rng.randint(2, 6)
        words = [rng.choice(_VOCABULARY) for _ in range(n)]
        duration = n * 300 + rng.randint(0, 400)
        out.append((labels[i % len(labels)], t, t + duration, " ".join(words).capitalize() + "."))
        t += duration + rng.randint(50, 1500)
    return out


def wav_channels(audio: bytes) -> int | None:
    """The channel count in a WAV's ``fmt`` chunk, or None when the bytes are not a RIFF/WAVE file."""
    if len(audio) < 12 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
        return None
    pos = 12
    while pos + 8 <= len(audio):
        cid, size = audio[pos:pos + 4], struct.unpack("<I", audio[pos + 4:pos + 8])[0]
        if cid == b"fmt " and size >= 16:
            return struct.unpack("<H", audio[pos + 10:pos + 12])[0]
        pos += 8 + size + (size & 1)
    return None


def _speaker_count(params: dict) -> int | str:
    """How many speakers the derived conversation has, or the 400 text for bad options."""
    if params.get("speakers_expected") is not None:
        n = params["speakers_expected"]
        return n if isinstance(n, int) and not isinstance(n, bool) and n >= 1 else "speakers_expected must be >= 1"
    options = params.get("speaker_options")
    if options is None:
        return 2
    if not isinstance(options, dict) or set(options) - {"min_speakers_expected", "max_speakers_expected"}:
        return "speaker_options must be an object with min_speakers_expected and max_speakers_expected"
    low, high = options.get("min_speakers_expected", 1), options.get("max_speakers_expected")
    for value in (low, high):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            return "speaker_options values must be whole numbers >= 1"
    if high is not None and low > high:
        return "min_speakers_expected must not be more than max_speakers_expected"
    return max(low, min(2, high if high is not None else 2))


def _words(speaker, start, end, text, labelled: bool) -> list[dict]:
    tokens = text.split() or [""]
    step = (end - start) // len(tokens)
    words = []
    for j, tok in enumerate(tokens):
        w_start = start + j * step
        w_end = end if j == len(tokens) - 1 else start + (j + 1) * step - min(40, step // 4)
        words.append({"text": tok, "start": w_start, "end": w_end, "confidence": 0.95,
                      "speaker": speaker if labelled else None, "channel": None})
    return words


# --------------------------------------------------------------------------- wire shapes
def _channel_utterances(job: dict, labelled: bool, digits: bool) -> list[dict]:
    """The multichannel shape (see the module's notes): speaker A on channel 1, B on 2, labels ``1A``/``2A``."""
    out = []
    channels = job["audio_channels"]
    for spk, s, e, txt in job["utterances"]:
        channel = 1 + ("ABCDEFGHIJKLMNOPQRSTUVWXYZ".index(spk) % channels)
        label = str(channel) if digits and not labelled else f"{channel}A"
        words = _words(label, s, e, txt, True)
        for w in words:
            w["channel"] = str(channel)
        out.append({"confidence": 0.95, "start": s, "end": e, "text": txt, "words": words, "speaker": label,
                    "channel": str(channel)})
    return out


def _job_body(job: dict, status: str, options: dict | None = None) -> dict:
    params = job["params"]
    labelled = bool(params.get("speaker_labels"))
    multichannel = params.get("multichannel") is True
    done = status == "completed"
    words = utterances = text = duration = None
    if done:
        utts = job["utterances"]
        utterances = [
            {"confidence": 0.95, "start": s, "end": e, "text": txt, "words": _words(spk, s, e, txt, True),
             "speaker": spk, "channel": None}
            for spk, s, e, txt in utts
        ]
        words = [w for spk, s, e, txt in utts for w in _words(spk, s, e, txt, labelled)]
        text = " ".join(txt for *_, txt in utts)
        duration = -(-max((e for _, _, e, _ in utts), default=0) // 1000)
        if multichannel:
            digits = (options or {}).get("multichannel_labels") == "digits"
            utterances = _channel_utterances(job, labelled, digits)
            words = [w for u in utterances for w in u["words"]]
        elif not labelled:
            utterances = None
    body = {
        "id": job["id"],
        "language_model": "assemblyai_default",
        "acoustic_model": "assemblyai_default",
        "language_code": params.get("language_code", "en_us"),
        "status": status,
        "audio_url": job["audio_url"],
        "text": text,
        "words": words,
        "utterances": utterances,
        "confidence": 0.95 if done else None,
        "audio_duration": duration,
        "punctuate": params.get("punctuate", True),
        "format_text": params.get("format_text", True),
        "dual_channel": None,
        "multichannel": params.get("multichannel"),
        "webhook_url": params.get("webhook_url"),
        "webhook_status_code": None,
        "webhook_auth": False,
        "speed_boost": False,
        "auto_highlights": False,
        "redact_pii": False,
        "summarization": False,
        "speaker_labels": labelled,
        "speakers_expected": params.get("speakers_expected"),
        "speaker_options": params.get("speaker_options"),
        "language_detection": bool(params.get("language_detection", False)),
        "language_confidence_threshold": params.get("language_confidence_threshold"),
        "language_confidence": 0.99 if done and params.get("language_detection") else None,
        "speech_model": None,
        "speech_models": params.get("speech_models"),
        "speech_model_used": (params.get("speech_models") or ["universal-3-5-pro"])[0] if done else None,
        "throttled": False,
        "metadata": {"domain_used": None, "warning": None, "warnings": []},
    }
    if multichannel:
        body["audio_channels"] = job["audio_channels"] if done else None
    if (options or {}).get("echo_multichannel") is False:
        body.pop("multichannel")
        body.pop("audio_channels", None)
    if status == "error":
        body["error"] = job["error"]
    return body


def _iso(epoch: float) -> str:
    """AssemblyAI's ``created`` shape: ISO 8601 in UTC without a zone, microseconds."""
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")


def _visible(jobs) -> list:
    """The jobs already created (a ``create_delay`` job is not, until its time comes)."""
    now = time.monotonic()
    return [j for j in jobs if j["created"] <= now]


def _json(data, status=200, headers=None) -> web.Response:
    return web.json_response(data, status=status, headers=headers)


def _error(status: int, message: str, headers=None) -> web.Response:
    return _json({"error": message}, status, headers)


# --------------------------------------------------------------------------- handlers
def register(app: web.Application, fake) -> None:
    """Add the v2 routes to `app`; their state lives in ``fake.state``."""
    _store(fake)

    async def gate(request: web.Request, endpoint: str):
        """Count, record, check the key and apply a queued fault.

        Returns a response to send instead of the normal one, ``"drop"``, or None.
        """
        with fake.state.lock:
            fake.state.counts[endpoint] += 1
            fake.state.requests.append((request.method, request.path, dict(request.headers)))
            queue = fake.state.faults.get(endpoint) or []
            fault = queue.pop(0) if queue else None
        if request.headers.get("Authorization") != fake.api_key:
            return _error(401, AUTH_ERROR)
        latency = float((fake.options.get("latency") or {}).get(endpoint, 0))
        if latency:
            await asyncio.sleep(latency)
        if not fault:
            return None
        if fault.get("delay"):
            await asyncio.sleep(fault["delay"])
        if fault.get("drop"):
            return "drop"
        if fault.get("drop_after"):
            return "drop_after"
        if "job_id" in fault:
            return ("job_id", fault["job_id"])
        status = fault.get("status")
        if status == 403 and fault.get("rate_limit"):
            after = fault.get("retry_after", 1)
            return _error(403, fault.get("error") or "Too Many Requests",
                          None if after is None else {"Retry-After": str(after)})
        if fault.get("error") is not None:
            return _error(status or 400, fault["error"])
        if status == 403:
            return _error(403, "Cannot access uploaded file")
        if status == 429:
            return _error(429, "Too Many Requests", {"Retry-After": str(fault.get("retry_after", 1))})
        if status == 500:
            return _error(500, "Internal Server Error")
        if status in (502, 503, 504):
            reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}[status]
            return web.Response(status=status, text=f"{status} {reason}")
        if status == 401:
            return _error(401, AUTH_ERROR)
        if fault.get("malformed"):
            return web.Response(status=200, text='{"upload_url": "https://cdn.assem', content_type="application/json")
        return None

    def drop(request: web.Request):
        request.transport.abort()  # RST: the client sees the connection cut
        raise asyncio.CancelledError

    async def upload(request: web.Request) -> web.StreamResponse:
        outcome = await gate(request, "upload")
        if outcome == "drop":
            await request.content.read(1024)  # take part of the body, then cut the line
            drop(request)
        if outcome is not None:
            await request.read()
            return outcome
        audio = await request.read()
        upload_id = str(uuid.uuid4())
        with fake.state.lock:
            _store(fake)["uploads"][upload_id] = audio
        return _json({"upload_url": UPLOAD_PREFIX + upload_id})

    async def submit(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        outcome = await gate(request, "submit")
        forced_id = outcome[1] if isinstance(outcome, tuple) else None
        outcome = None if isinstance(outcome, tuple) else outcome
        if outcome == "drop":
            drop(request)
        outcome_after = outcome if outcome == "drop_after" else None
        if outcome is not None and outcome_after is None:
            return outcome
        try:
            params = json.loads(raw)
        except ValueError:
            return _error(400, "Invalid JSON in request body")
        if not isinstance(params, dict) or not isinstance(params.get("audio_url"), str):
            return _error(400, "audio_url must be a string")
        if "format_text" in params and not isinstance(params["format_text"], bool):
            return _error(400, "format_text must be a Boolean")
        url = params["audio_url"]
        store = _store(fake)
        with fake.state.lock:
            if url.startswith(UPLOAD_PREFIX):
                audio = store["uploads"].get(url[len(UPLOAD_PREFIX):])
            else:
                audio = store["urls"].get(url)
        if audio is None and fake.options.get("fetch_urls") and not url.startswith(UPLOAD_PREFIX):
            audio = await _download(url)  # as the service does: a real GET of a public or presigned URL
        speakers = _speaker_count(params)
        if isinstance(speakers, str):
            return _error(400, speakers)
        with fake.state.lock:
            script = store["scripts"].get(_sha(audio)) if audio is not None else None
        error = (script or {}).get("error") or (None if script else audio_error(audio, url))
        utterances = (script or {}).get("utterances") or (derive_utterances(audio, speakers) if not error else [])
        channels = (wav_channels(audio) or 2) if audio is not None else 2
        late = float(fake.options.get("create_delay") or 0)  # the job exists (and is billed) from then on
        job = {"id": str(uuid.uuid4()) if forced_id is None else forced_id, "audio_url": url, "params": params, "created": time.monotonic() + late,
               "created_at": time.time() + late, "error": error, "utterances": utterances,
               "audio_channels": channels}
        with fake.state.lock:
            job["seq"] = len(store["jobs"])
            store["jobs"][job["id"]] = job
        if late:
            await asyncio.sleep(late)
        if outcome_after == "drop_after":
            drop(request)
        reply_latency = float((fake.options.get("latency") or {}).get("submit_reply", 0))
        if reply_latency:  # the job exists; the reply is slow (a client killed now never hears of it)
            await asyncio.sleep(reply_latency)
        return _json(_job_body(job, "queued", fake.options))

    def status_of(job: dict) -> str:
        total = float(fake.options.get("processing_time", DEFAULT_PROCESSING_TIME))
        elapsed = time.monotonic() - job["created"]
        if elapsed >= total:
            return "error" if job["error"] else "completed"
        return "queued" if elapsed < total / 3 else "processing"

    async def list_jobs(request: web.Request) -> web.StreamResponse:
        outcome = await gate(request, "list")
        if outcome == "drop":
            drop(request)
        if outcome is not None:
            return outcome
        q = request.query
        try:
            limit = int(q.get("limit", "10"))
        except ValueError:
            return _error(400, "limit must be an integer")
        if not 1 <= limit <= 200:
            return _error(400, "limit must be between 1 and 200")
        status = q.get("status")
        if status is not None and status not in ("queued", "processing", "completed", "error"):
            return _error(400, "status must be one of queued, processing, completed, error")
        created_on = q.get("created_on")
        if created_on is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", created_on):
            return _error(400, "created_on must be a date, YYYY-MM-DD")
        with fake.state.lock:
            rows = sorted(_visible(_store(fake)["jobs"].values()), key=lambda j: j["seq"], reverse=True)  # newest 1st
        for name in ("before_id", "after_id"):
            if q.get(name) is not None and not any(j["id"] == q[name] for j in rows):
                return _error(400, LOOKUP_ERROR)
        seq = {j["id"]: j["seq"] for j in rows}
        if q.get("before_id"):
            rows = [j for j in rows if j["seq"] < seq[q["before_id"]]]
        if q.get("after_id"):
            rows = [j for j in rows if j["seq"] > seq[q["after_id"]]][-limit:]  # the newer ones next to it
        if created_on:
            rows = [j for j in rows if _iso(j["created_at"])[:10] == created_on]
        if status:
            rows = [j for j in rows if status_of(j) == status]
        older_exist = bool(rows[limit:])
        page = rows[:limit]
        base = f"{request.scheme}://{request.host}/v2/transcript"
        keep = {k: v for k, v in q.items() if k not in ("before_id", "after_id")}
        keep["limit"] = str(limit)

        def url(**extra) -> str:
            params = dict(keep, **extra)
            return base + "?" + "&".join(f"{k}={v}" for k, v in params.items())

        items = []
        for j in page:
            st = status_of(j)
            done_at = j["created_at"] + float(fake.options.get("processing_time", DEFAULT_PROCESSING_TIME))
            items.append({"id": j["id"], "resource_url": f"{base}/{j['id']}", "status": st,
                          "created": _iso(j["created_at"]),
                          "completed": _iso(done_at) if st in ("completed", "error") else None,
                          "audio_url": j["audio_url"], "error": j["error"] if st == "error" else None})
        return _json({
            "page_details": {
                "limit": limit, "result_count": len(items), "current_url": str(request.url),
                "prev_url": url(before_id=page[-1]["id"]) if page and older_exist else None,
                "next_url": url(after_id=page[0]["id"]) if page else None,
            },
            "transcripts": items,
        })

    async def get(request: web.Request) -> web.StreamResponse:
        outcome = await gate(request, "get")
        if outcome == "drop":
            drop(request)
        if outcome is not None:
            return outcome
        with fake.state.lock:
            job = _store(fake)["jobs"].get(request.match_info["id"])
        if job is None or not _visible([job]):
            return _error(400, LOOKUP_ERROR)
        return _json(_job_body(job, status_of(job), fake.options))

    app.router.add_post("/v2/upload", upload)
    app.router.add_post("/v2/transcript", submit)
    app.router.add_get("/v2/transcript", list_jobs)
    app.router.add_get("/v2/transcript/{id}", get)
