"""AssemblyAIClient against the local fake, over real sockets: success, every fault,
retries that never double-bill, configuration, and the key kept out of sight."""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.assemblyai_helpers import KEY, POLL_S, client, fake, jobs, retry_sleeps, wav_bytes  # noqa: F401
from tests.fake_assemblyai.prerecorded import (
    AUTH_ERROR,
    UPLOAD_PREFIX,
    add_url,
    inject,
    script_error,
    script_transcript,
)
from turntune_nb.analysis.readers import transcript_from_assemblyai
from turntune_nb.assemblyai.client import (
    DEFAULT_BASE_URL,
    EU_BASE_URL,
    AssemblyAIClient,
    ask_api_key,
)
from turntune_nb.errors import (
    APIError,
    AuthenticationError,
    ConfigError,
    InputError,
    MissingAPIKeyError,
    RateLimitError,
    TranscriptionFailedError,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def audio(tmp_path):
    p = tmp_path / "call.wav"
    p.write_bytes(wav_bytes(1))
    return p


# --------------------------------------------------------------------------- success
def test_transcribe_uploads_submits_polls_and_returns_the_scripted_transcript(fake, client, audio):
    script_transcript(fake, audio.read_bytes(), [("A", 0, 1000, "Hello there."), ("B", 1500, 2100, "Hi.")])
    data = client.transcribe(audio)
    assert data["status"] == "completed"
    assert [(u["speaker"], u["start"], u["end"]) for u in data["utterances"]] == [("A", 0, 1000), ("B", 1500, 2100)]
    assert fake.state.counts["upload"] == 1 and fake.state.counts["submit"] == 1
    assert fake.state.counts["get"] >= 1
    # The raw key, no "Bearer", on every request.
    assert {h.get("Authorization") for _, _, h in fake.state.requests} == {KEY}
    (job,) = jobs(fake)
    assert job["params"] == {"audio_url": job["audio_url"], "speaker_labels": True,
                             "speech_models": ["universal-3-5-pro"]}
    assert job["audio_url"].startswith(UPLOAD_PREFIX)
    t = transcript_from_assemblyai(data, "call.wav")
    assert [(u.speaker, u.start_ms, u.end_ms) for u in t.utterances] == [("A", 0, 1000), ("B", 1500, 2100)]


def test_upload_streams_the_file_object(fake, client, audio, monkeypatch):
    sent = []
    original = requests.Session.request

    def spy(self, method, url, **kw):
        sent.append(kw.get("data"))
        return original(self, method, url, **kw)

    monkeypatch.setattr(requests.Session, "request", spy)
    url = client.upload(audio)
    assert hasattr(sent[0], "read") and not isinstance(sent[0], (bytes, bytearray))
    assert fake.state.data["prerecorded"]["uploads"][url[len(UPLOAD_PREFIX):]] == audio.read_bytes()


def test_submit_sends_options_and_speech_models_override(fake, client):
    add_url(fake, "https://example.org/a.wav", wav_bytes(2))
    job = client.submit("https://example.org/a.wav", language_detection=True,
                        speaker_options={"min_speakers_expected": 2, "max_speakers_expected": 3},
                        speech_models=["universal-2"], punctuate=False)
    assert job["status"] == "queued"
    assert jobs(fake)[0]["params"] == {
        "audio_url": "https://example.org/a.wav", "speaker_labels": True, "speech_models": ["universal-2"],
        "language_detection": True, "speaker_options": {"min_speakers_expected": 2, "max_speakers_expected": 3},
        "punctuate": False}


def test_speakers_expected_is_sent_as_speaker_options_with_a_deprecation_warning(fake, client):
    """AssemblyAI deprecated speakers_expected for speaker_options; the old keyword keeps working."""
    add_url(fake, "https://example.org/a.wav", wav_bytes(2))
    with pytest.warns(DeprecationWarning, match="speakers_expected is deprecated by AssemblyAI"):
        client.submit("https://example.org/a.wav", speakers_expected=3)
    params = jobs(fake)[0]["params"]
    assert params["speaker_options"] == {"min_speakers_expected": 3, "max_speakers_expected": 3}
    assert "speakers_expected" not in params
    assert fake.state.counts["upload"] == 0


def test_job_moves_queued_to_completed(fake, client):
    add_url(fake, "https://example.org/a.wav", wav_bytes(3))
    fake.options["processing_time"] = 60
    job = client.submit("https://example.org/a.wav")
    assert client.get(job["id"])["status"] == "queued"
    fake.options["processing_time"] = 0
    done = client.get(job["id"])
    assert done["status"] == "completed" and done["text"] and done["words"]


# --------------------------------------------------------------------------- configuration
def test_missing_key_says_how_to_set_it(monkeypatch):
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="ASSEMBLYAI_API_KEY"):
        AssemblyAIClient()


def test_key_and_base_url_come_from_the_environment_when_built(fake, monkeypatch, audio):
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    monkeypatch.setenv("ASSEMBLYAI_BASE_URL", fake.url)
    c = AssemblyAIClient(poll_interval=POLL_S)
    monkeypatch.setenv("ASSEMBLYAI_BASE_URL", "http://127.0.0.1:9")  # read at build time only
    assert c.base_url == fake.url
    assert c.upload(audio).startswith(UPLOAD_PREFIX)
    c.close()
    monkeypatch.delenv("ASSEMBLYAI_BASE_URL")
    assert AssemblyAIClient().base_url == DEFAULT_BASE_URL


def test_eu_base_url_is_the_one_requests_go_to(fake, audio, monkeypatch):
    """Requests built for the EU host are rerouted to the fake at the socket boundary."""
    seen = []
    original = requests.adapters.HTTPAdapter.send

    def reroute(self, request, **kw):
        seen.append(request.url)
        request.url = request.url.replace(EU_BASE_URL, fake.url)
        return original(self, request, **kw)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", reroute)
    monkeypatch.setenv("ASSEMBLYAI_BASE_URL", EU_BASE_URL)
    with AssemblyAIClient(api_key=KEY, poll_interval=POLL_S) as c:
        assert c.base_url == EU_BASE_URL
        data = c.transcribe(audio)
    assert data["status"] == "completed"
    assert seen[0] == "https://api.eu.assemblyai.com/v2/upload"
    assert seen[1] == "https://api.eu.assemblyai.com/v2/transcript"
    assert seen[2].startswith("https://api.eu.assemblyai.com/v2/transcript/")


def test_retry_policy_never_resends_a_billed_submission(client):
    submit = client.session.get_adapter(client.base_url + "/v2/transcript").max_retries
    poll = client.session.get_adapter(client.base_url + "/v2/transcript/abc").max_retries
    upload = client.session.get_adapter(client.base_url + "/v2/upload").max_retries
    assert submit.allowed_methods == frozenset({"GET"}) and poll is submit
    assert upload.allowed_methods == frozenset({"GET", "POST"})
    assert set(submit.status_forcelist) == {429, 500, 502, 503, 504}
    # 429 is retried for a POST (nothing was created), 500 is not.
    assert submit.is_retry("POST", 429) and not submit.is_retry("POST", 500)
    assert submit.is_retry("GET", 503) and not submit.is_retry("GET", 400) and not submit.is_retry("GET", 401)


# --------------------------------------------------------------------------- faults
def test_401_raises_authentication_error_with_the_servers_text_and_no_retry(fake, audio):
    with AssemblyAIClient(api_key="wrong-key", base_url=fake.url, retries=3, backoff_factor=0.01) as c:
        with pytest.raises(AuthenticationError) as info:
            c.upload(audio)
    assert AUTH_ERROR in str(info.value) and info.value.status_code == 401
    assert "ASSEMBLYAI_API_KEY" in str(info.value)
    assert fake.state.counts["upload"] == 1


def test_429_honours_retry_after_on_upload_and_submit(fake, client, audio, retry_sleeps):
    inject(fake, "upload", {"status": 429, "retry_after": 7})
    inject(fake, "submit", {"status": 429, "retry_after": 3})
    url = client.upload(audio)
    client.submit(url)
    assert fake.state.counts["upload"] == 2 and fake.state.counts["submit"] == 2
    assert retry_sleeps == [7.0, 3.0]
    assert len(jobs(fake)) == 1


def test_a_long_retry_after_is_cut_to_the_cap(fake, audio, retry_sleeps):
    inject(fake, "upload", {"status": 429, "retry_after": 600}, {"status": 503}, {"status": 429, "retry_after": 2})
    with AssemblyAIClient(api_key=KEY, base_url=fake.url, retries=3, backoff_factor=0.0,
                          max_retry_after=5) as c:
        c.upload(audio)
    assert retry_sleeps == [5.0, 2.0]  # 600 s cut to 5 s; 2 s honoured; the 503 had no Retry-After
    with AssemblyAIClient(api_key=KEY, base_url=fake.url) as c:
        assert c.max_retry_after == 60.0  # the default cap
    with pytest.raises(ConfigError, match="max_retry_after"):
        AssemblyAIClient(api_key=KEY, max_retry_after=float("inf"))


def test_429_after_every_retry_is_a_rate_limit_error(fake, client, audio, retry_sleeps):
    inject(fake, "upload", *[{"status": 429, "retry_after": 1}] * 4)
    with pytest.raises(RateLimitError, match="call.wav.*429.*Too Many Requests"):
        client.upload(audio)
    assert fake.state.counts["upload"] == 4  # 1 + client.retries


def test_a_403_rate_limit_is_retried_like_a_429_honouring_retry_after(fake, client, audio, retry_sleeps):
    """AssemblyAI's rate limit answer is 429 in its docs and 403 in another of its sources: both back off."""
    inject(fake, "upload", {"status": 403, "rate_limit": True, "retry_after": 7})
    inject(fake, "submit", {"status": 429, "retry_after": 2}, {"status": 403, "rate_limit": True, "retry_after": 3})
    url = client.upload(audio)
    job = client.submit(url)
    inject(fake, "get", {"status": 403, "rate_limit": True, "retry_after": 4})
    assert client.get(job["id"])["id"] == job["id"]
    assert fake.state.counts["upload"] == 2 and fake.state.counts["submit"] == 3 and fake.state.counts["get"] == 2
    assert retry_sleeps == [7.0, 2.0, 3.0, 4.0]  # each Retry-After, in order
    assert len(jobs(fake)) == 1  # a refused submission made no job: sending it again is not paying twice
    assert fake.state.data["prerecorded"]["uploads"][url.rsplit("/", 1)[1]] == audio.read_bytes()  # sent whole


def test_a_403_rate_limit_without_retry_after_backs_off(fake, client, audio, retry_sleeps):
    inject(fake, "upload", *[{"status": 403, "rate_limit": True, "retry_after": None}] * 3)
    client.upload(audio)
    assert fake.state.counts["upload"] == 4
    # urllib3's backoff: none after the first failure, then backoff_factor * 2 ** (n - 1): 0.01 * 2, 0.01 * 4
    assert retry_sleeps == [pytest.approx(0.02), pytest.approx(0.04)]


def test_a_403_rate_limit_after_every_retry_is_a_rate_limit_error(fake, client, audio, retry_sleeps):
    inject(fake, "upload", *[{"status": 403, "rate_limit": True, "retry_after": 1}] * 4)
    with pytest.raises(RateLimitError, match=r"call.wav: still rate limited .* after 3 retries \(403: Too Many "
                                             r"Requests\)\. Wait a few minutes") as info:
        client.upload(audio)
    assert info.value.status_code == 403 and fake.state.counts["upload"] == 4  # 1 + client.retries


@pytest.mark.parametrize("fault, error, words", [
    ({"status": 403, "error": "Invalid API key"}, AuthenticationError, "refused the API key (403: Invalid API key)"),
    ({"status": 403, "error": "Not authorized: this API token cannot use this endpoint"}, AuthenticationError,
     "Check ASSEMBLYAI_API_KEY"),
    ({"status": 403}, APIError, "refused access (403: Cannot access uploaded file); not retried"),
])
def test_a_403_that_refuses_the_key_or_the_file_is_never_retried(fake, client, audio, retry_sleeps, fault, error,
                                                                  words):
    inject(fake, "submit", fault)
    with pytest.raises(error) as info:
        client.submit("https://example.org/a.wav")
    assert words in str(info.value) and info.value.status_code == 403
    assert type(info.value) is error and not isinstance(info.value, RateLimitError)
    assert fake.state.counts["submit"] == 1 and retry_sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_for_polls(fake, client, status):
    add_url(fake, "https://example.org/a.wav", wav_bytes(4))
    job = client.submit("https://example.org/a.wav")
    inject(fake, "get", {"status": status}, {"status": status})
    assert client.wait(job["id"])["status"] == "completed"
    assert fake.state.counts["get"] >= 3


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_on_submission_are_not_retried(fake, client, status):
    inject(fake, "submit", {"status": status})
    with pytest.raises(APIError, match=f"server error {status}") as info:
        client.submit("https://example.org/a.wav")
    assert info.value.status_code == status
    assert fake.state.counts["submit"] == 1


def test_upload_5xx_is_retried(fake, client, audio):
    inject(fake, "upload", {"status": 503}, {"status": 500})
    assert client.upload(audio).startswith(UPLOAD_PREFIX)
    assert fake.state.counts["upload"] == 3


def test_slow_response_times_out_and_the_poll_is_retried(fake, audio):
    add_url(fake, "https://example.org/a.wav", wav_bytes(5))
    with AssemblyAIClient(api_key=KEY, base_url=fake.url, poll_interval=POLL_S, retries=2,
                          backoff_factor=0.01, timeout=(2.0, 0.3)) as c:
        job = c.submit("https://example.org/a.wav")
        inject(fake, "get", {"delay": 1.0})
        assert c.wait(job["id"])["status"] == "completed"
    assert fake.state.counts["get"] >= 2


def test_connection_dropped_mid_upload_is_retried_with_the_whole_file(fake, client, tmp_path):
    big = tmp_path / "big.wav"
    big.write_bytes(wav_bytes(6, ms=20_000))  # 320 kB: still being sent when the line is cut
    inject(fake, "upload", {"drop": True})
    url = client.upload(big)
    assert fake.state.counts["upload"] == 2
    assert fake.state.data["prerecorded"]["uploads"][url[len(UPLOAD_PREFIX):]] == big.read_bytes()


def test_connection_dropped_on_submission_is_not_retried(fake, client):
    inject(fake, "submit", {"drop": True})
    with pytest.raises(APIError, match="could not reach AssemblyAI"):
        client.submit("https://example.org/a.wav")
    assert fake.state.counts["submit"] == 1


def test_unreachable_server_is_an_api_error_naming_the_url(audio):
    with AssemblyAIClient(api_key=KEY, base_url="http://127.0.0.1:9", retries=1, backoff_factor=0.01) as c:
        with pytest.raises(APIError, match=r"could not reach AssemblyAI at http://127\.0\.0\.1:9"):
            c.upload(audio)


def test_malformed_body_is_an_api_error(fake, client, audio):
    inject(fake, "upload", {"malformed": True})
    with pytest.raises(APIError, match="upload of call.wav: .*not a JSON object"):
        client.upload(audio)
    assert fake.state.counts["upload"] == 1


def test_missing_file_is_an_input_error(client, tmp_path):
    with pytest.raises(InputError, match="nope.wav: cannot open"):
        client.upload(tmp_path / "nope.wav")


@pytest.mark.parametrize("message", [
    "Audio duration is too short.",
    "Download error, unable to download https://foo.bar. Please make sure the file exists and is accessible "
    "from the internet.",
    "File does not appear to contain audio. File type is text/html (HTML document, ASCII text).",
])
def test_status_error_carries_assemblyais_text(fake, client, audio, message):
    script_error(fake, audio.read_bytes(), message)
    with pytest.raises(TranscriptionFailedError) as info:
        client.transcribe(audio)
    assert info.value.reason == message
    assert info.value.path == "call.wav" and info.value.transcript_id == jobs(fake)[0]["id"]
    assert str(info.value) == f"call.wav: transcription failed: {message}"


def test_derived_errors_for_text_short_audio_and_unknown_urls(fake, client, tmp_path):
    text = tmp_path / "notes.mp3"
    text.write_bytes(b"meeting notes, not audio\n")
    short = tmp_path / "short.wav"
    short.write_bytes(wav_bytes(7, ms=100))
    with pytest.raises(TranscriptionFailedError, match=r"File type is text/plain \(ASCII text\)\."):
        client.transcribe(text)
    with pytest.raises(TranscriptionFailedError, match="Audio duration is too short."):
        client.transcribe(short)
    with pytest.raises(TranscriptionFailedError, match="Download error, unable to download https://nope.example/x.mp3"):
        client.transcribe("https://nope.example/x.mp3")


def test_wait_gives_up_after_its_timeout(fake, client):
    add_url(fake, "https://example.org/a.wav", wav_bytes(8))
    fake.options["processing_time"] = 3.0  # queued for its first second; done long after the timeout
    job = client.submit("https://example.org/a.wav")
    with pytest.raises(TranscriptionFailedError) as info:
        client.wait(job["id"], timeout=0.05)
    assert info.value.reason == f"job {job['id']} still 'queued' after 0.05 s; re-run later to pick it up"
    assert info.value.transcript_id == job["id"]


def test_unknown_job_id_is_reported(fake, client):
    with pytest.raises(APIError, match="Transcript lookup error") as info:
        client.get("no-such-id")
    assert info.value.status_code == 400


@pytest.mark.parametrize("bad", ["../upload", "a/b", "x?limit=1", "", "id with space", "é", None, 7])
def test_a_transcript_id_is_checked_before_it_goes_into_a_url(fake, client, bad):
    with pytest.raises(InputError, match="is not a transcript id"):
        client.get(bad)
    assert fake.state.counts["get"] == 0  # no request was made


# --------------------------------------------------------------------------- the list of transcripts
def _add_jobs(fake, n: int, url_of=lambda i: f"https://cdn.assemblyai.com/upload/u{i}") -> list:
    """n jobs in the fake's store, oldest first, created 1 s apart ending now (a test-side shortcut
    to 250 jobs; the list handler reads the store as it reads jobs made by POST)."""
    import time as _t
    store = fake.state.data["prerecorded"]["jobs"]
    ids, now = [], _t.time()
    for i in range(n):
        jid = f"job-{i:04d}"
        store[jid] = {"id": jid, "audio_url": url_of(i), "params": {}, "created": _t.monotonic() - 100,
                      "created_at": now - (n - i), "error": None, "utterances": [], "seq": len(store)}
        ids.append(jid)
    return ids


def test_list_is_newest_first_with_pages_that_lead_to_older_ones(fake, client):
    ids = _add_jobs(fake, 250)
    first = client.list_transcripts(200)
    assert [r["id"] for r in first["transcripts"]] == ids[::-1][:200]
    details = first["page_details"]
    assert (details["limit"], details["result_count"]) == (200, 200)
    assert details["prev_url"].endswith(f"limit=200&before_id={ids[50]}")
    assert details["next_url"].endswith(f"limit=200&after_id={ids[249]}")
    row = first["transcripts"][0]
    assert set(row) == {"id", "resource_url", "status", "created", "completed", "audio_url", "error"}
    assert row["status"] == "completed" and row["audio_url"] == "https://cdn.assemblyai.com/upload/u249"
    second = client.list_transcripts(200, before_id=ids[50])
    assert [r["id"] for r in second["transcripts"]] == ids[49::-1]
    assert second["page_details"]["prev_url"] is None  # nothing older
    newer = client.list_transcripts(3, after_id=ids[10])
    assert [r["id"] for r in newer["transcripts"]] == [ids[13], ids[12], ids[11]]
    assert client.list_transcripts(5, status="queued")["transcripts"] == []
    with pytest.raises(ConfigError, match="limit is 1..200"):
        client.list_transcripts(201)


def test_find_transcripts_pages_until_it_finds_each_upload_url(fake, client):
    import time as _t
    ids = _add_jobs(fake, 450)
    found = client.find_transcripts(["https://cdn.assemblyai.com/upload/u3", "https://cdn.assemblyai.com/upload/u400",
                                     "https://cdn.assemblyai.com/upload/never"], since=_t.time() - 1000)
    assert found == {"https://cdn.assemblyai.com/upload/u3": ids[3],
                     "https://cdn.assemblyai.com/upload/u400": ids[400]}
    assert fake.state.counts["list"] == 3  # 450 rows at 200 a page


def test_find_transcripts_stops_at_rows_older_than_the_intent(fake, client):
    import time as _t
    _add_jobs(fake, 450)  # created 450..1 s ago
    assert client.find_transcripts(["https://cdn.assemblyai.com/upload/nowhere"], since=_t.time(), skew=100) == {}
    assert fake.state.counts["list"] == 1  # the first page already reaches 200 s back
    # a public URL is not unique: a job made for it before the intent is not this file's
    public = "https://media.example/a.wav"
    _add_jobs(fake, 1, url_of=lambda i: public)
    assert client.find_transcripts([public], since=_t.time() + 700) == {}
    assert client.find_transcripts([public], since=_t.time()) != {}


# --------------------------------------------------------------------------- the key
def test_repr_hides_the_key():
    c = AssemblyAIClient(api_key="sk-visible-if-leaked", base_url=EU_BASE_URL)
    assert "sk-visible-if-leaked" not in repr(c) and "sk-visible-if-leaked" not in str(c)
    assert repr(c) == "<AssemblyAIClient base_url='https://api.eu.assemblyai.com' api_key=set>"


def test_ask_api_key_sets_the_environment_without_printing_it(monkeypatch, capsys):
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "  sk-typed-secret \n")
    assert ask_api_key() is None
    import os

    assert os.environ["ASSEMBLYAI_API_KEY"] == "sk-typed-secret"
    out = capsys.readouterr()
    assert "sk-typed-secret" not in out.out + out.err and "ASSEMBLYAI_API_KEY is set" in out.out
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "")
    with pytest.raises(MissingAPIKeyError, match="No API key was entered"):
        ask_api_key()


def test_the_key_is_redacted_from_error_text_the_server_echoes(fake, client, audio, caplog):
    inject(fake, "submit", {"status": 400, "error": f"Invalid request: key {KEY} may not use speech_models"})
    inject(fake, "upload", {"status": 401, "error": f"Authentication error, API token {KEY} is invalid"})
    inject(fake, "get", *[{"status": 500, "error": f"Internal error for {KEY}"}] * 4)  # 1 + 3 retries
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(APIError) as rejected:
            client.submit("https://example.org/a.wav")
        with pytest.raises(AuthenticationError) as refused:
            client.upload(audio)
        with pytest.raises(APIError) as failed:
            client.get("job-1")
    assert str(rejected.value) == ("submission of https://example.org/a.wav: AssemblyAI rejected the request "
                                   "(400: Invalid request: key *** may not use speech_models).")
    assert str(refused.value) == (
        "upload of call.wav: AssemblyAI refused the API key (401: Authentication error, API token *** is invalid). "
        "Check ASSEMBLYAI_API_KEY (or api_key=...): copy the key again from https://www.assemblyai.com/app/api-keys.")
    assert str(failed.value) == ("status of job job-1: AssemblyAI server error 500 (Internal error for ***). "
                                 "Re-run later; finished files are cached.")
    errors = (rejected.value, refused.value, failed.value)
    assert not [e for e in errors if KEY in repr(e) or KEY.encode() in pickle.dumps(e)]
    assert KEY not in caplog.text


SIGNED = "https://bucket.example/a.wav?X-Amz-Signature=SECRET&X-Amz-Credential=AKIA%2F20260101"


def test_a_presigned_urls_query_string_stays_out_of_errors(fake, client, caplog):
    inject(fake, "submit", {"status": 500}, {"status": 400, "error": f"audio_url {SIGNED} is not a valid URL"})
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(APIError) as lost:
            client.submit(SIGNED)
        with pytest.raises(APIError) as rejected:
            client.submit(SIGNED)
        with pytest.raises(TranscriptionFailedError) as failed:  # unknown to the fake: AssemblyAI echoes the URL
            client.transcribe(SIGNED)
    assert str(lost.value) == ("submission of https://bucket.example/a.wav: AssemblyAI server error 500 "
                               "(Internal Server Error). Re-run later; finished files are cached.")
    assert str(rejected.value) == ("submission of https://bucket.example/a.wav: AssemblyAI rejected the request "
                                   "(400: audio_url https://bucket.example/a.wav is not a valid URL).")
    assert failed.value.path == "https://bucket.example/a.wav"
    assert failed.value.reason == ("Download error, unable to download https://bucket.example/a.wav. "
                                   "Please make sure the file exists and is accessible from the internet.")
    assert str(failed.value) == f"https://bucket.example/a.wav: transcription failed: {failed.value.reason}"
    texts = [str(e) + repr(e) for e in (lost.value, rejected.value, failed.value)] + [caplog.text]
    assert not [t for t in texts if "SECRET" in t or "X-Amz" in t]
    assert jobs(fake)[0]["audio_url"] == SIGNED  # the whole URL is what AssemblyAI gets


# --------------------------------------------------------------------------- the fake as a process
def test_fake_runs_as_a_process_and_prints_its_port(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_assemblyai", "--port", "0", "--api-key", KEY],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        r = requests.post(base + "/v2/upload", data=b"RIFF", headers={"Authorization": "bad"}, timeout=5)
        assert (r.status_code, r.json()) == (401, {"error": AUTH_ERROR})
        r = requests.post(base + "/v2/upload", data=wav_bytes(9), headers={"Authorization": KEY}, timeout=5)
        assert r.status_code == 200 and r.json()["upload_url"].startswith(UPLOAD_PREFIX)
    finally:
        proc.terminate()
        proc.wait(10)
