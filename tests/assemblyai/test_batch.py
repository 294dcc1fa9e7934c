"""Folder runs against the fake: outcomes per file, the cache (zero requests on a
re-run, invalidation, resume after an interrupt), URL inputs, safe output names."""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import re
from dataclasses import fields

import pytest

from tests.assemblyai_helpers import KEY, POLL_S, client, fake, jobs, wav_bytes, write_wavs  # noqa: F401
from tests.assemblyai_helpers import PROCESSING_S
from tests.fake_assemblyai import FakeAssemblyAI
from tests.fake_assemblyai.prerecorded import add_url, inject, script_error
from turntune_nb.assemblyai.batch import BatchOptions, transcribe_files
from turntune_nb.assemblyai.cache import TranscriptCache
from turntune_nb.assemblyai.client import AssemblyAIClient
from turntune_nb.errors import AuthenticationError, ConfigError, InputError
from turntune_nb.files import collect_inputs


def run(inputs, client, tmp_path, **kw):
    """`transcribe_files` with the cache in `tmp_path`, no progress bar, and `BatchOptions` fields
    given as keywords here put in the options object."""
    kw.setdefault("cache_dir", tmp_path / "cache")
    how = {k: kw.pop(k) for k in [f.name for f in fields(BatchOptions)] if k in kw}
    return transcribe_files(inputs, client, options=BatchOptions(**dict({"progress": False}, **how)), **kw)


def requests_made(fake) -> dict:
    return {k: fake.state.counts[k] for k in ("upload", "submit", "get")}


OPTIONS = {"speaker_labels": True, "speech_models": ["universal-3-5-pro"]}  # what run() sends by default


def key_of(path) -> str:
    return TranscriptCache.key(hashlib.sha256(path.read_bytes()).hexdigest(), OPTIONS)


def gets(fake) -> list:
    """The paths of the status requests the fake received, in order."""
    return [path for method, path, _ in fake.state.requests if method == "GET"]


# --------------------------------------------------------------------------- runs
def test_folder_with_good_corrupt_and_unsupported_files(fake, client, tmp_path):
    folder = tmp_path / "calls"
    write_wavs(folder, 3)
    (folder / "corrupt.wav").write_bytes(b"\x00\x01garbage" * 50)
    (folder / "short.wav").write_bytes(wav_bytes(99, ms=100))
    (folder / "notes.docx").write_bytes(b"x")
    inputs, skipped = collect_inputs(folder)
    result = run(inputs, client, tmp_path, workers=3, poll_interval=POLL_S, out_dir=tmp_path / "out")
    got = {o.name: (o.status, o.reason) for o in result.outcomes}
    assert got == {
        "call00.wav": ("ok", None), "call01.wav": ("ok", None), "call02.wav": ("ok", None),
        "corrupt.wav": ("failed", "File does not appear to contain audio. File type is application/octet-stream (data)."),
        "short.wav": ("failed", "Audio duration is too short."),
    }
    assert [s.name for s in skipped] == ["notes.docx"]
    assert requests_made(fake)["upload"] == 5 and requests_made(fake)["submit"] == 5
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["call00.wav.json", "call01.wav.json", "call02.wav.json"]
    saved = json.loads((tmp_path / "out" / "call01.wav.json").read_text())
    assert saved["status"] == "completed" and saved["id"] == result.outcomes[1].transcript_id
    assert result.failed_records()[0] == {
        "filename": "corrupt.wav", "stage": "transcribe",
        "reason": "File does not appear to contain audio. File type is application/octet-stream (data)."}


def test_second_run_makes_zero_requests(fake, client, tmp_path):
    files = write_wavs(tmp_path / "calls", 4)
    first = run(files, client, tmp_path)
    assert [o.status for o in first.outcomes] == ["ok"] * 4 and not any(o.cached for o in first.outcomes)
    before = requests_made(fake)
    assert before["upload"] == 4 and before["submit"] == 4
    second = run(files, client, tmp_path, out_dir=tmp_path / "out")
    assert requests_made(fake) == before
    assert all(o.cached and o.status == "ok" for o in second.outcomes)
    assert [o.transcript for o in second.outcomes] == [o.transcript for o in first.outcomes]
    assert len(list((tmp_path / "out").iterdir())) == 4


def test_changed_file_or_changed_options_transcribe_again(fake, client, tmp_path):
    files = write_wavs(tmp_path / "calls", 3)
    run(files, client, tmp_path)
    files[1].write_bytes(wav_bytes(1234))
    run(files, client, tmp_path)
    assert requests_made(fake)["submit"] == 4  # only the changed file
    run(files, client, tmp_path, speakers=2)
    assert requests_made(fake)["submit"] == 7
    assert jobs(fake)[-1]["params"]["speaker_options"] == {"min_speakers_expected": 2, "max_speakers_expected": 2}
    run(files, client, tmp_path, speakers=2)
    assert requests_made(fake)["submit"] == 7


def test_identical_files_share_one_job(fake, client, tmp_path):
    (tmp_path / "a.wav").write_bytes(wav_bytes(5))
    (tmp_path / "copy of a.wav").write_bytes(wav_bytes(5))
    result = run([tmp_path / "a.wav", tmp_path / "copy of a.wav"], client, tmp_path)
    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    assert [o.transcript.name for o in result.outcomes] == ["a.wav", "copy of a.wav"]
    assert requests_made(fake)["submit"] == 1


def test_url_inputs_direct_and_from_a_list(fake, client, tmp_path):
    add_url(fake, "https://media.example/one.wav", wav_bytes(11))
    add_url(fake, "https://media.example/two.wav?sig=s3cr3t", wav_bytes(12))
    listing = tmp_path / "urls.txt"
    listing.write_text("https://media.example/two.wav?sig=s3cr3t\nhttps://media.example/gone.wav\n")
    inputs, _ = collect_inputs(["https://media.example/one.wav", listing])
    result = run(inputs, client, tmp_path, out_dir=tmp_path / "out")
    assert [(o.name, o.status) for o in result.outcomes] == [
        ("https://media.example/one.wav", "ok"), ("https://media.example/two.wav", "ok"),
        ("https://media.example/gone.wav", "failed")]
    assert result.outcomes[2].reason.startswith("Download error, unable to download https://media.example/gone.wav.")
    assert requests_made(fake)["upload"] == 0 and requests_made(fake)["submit"] == 3
    assert sorted(j["audio_url"] for j in jobs(fake)) == [  # submitted concurrently: any order
        "https://media.example/gone.wav", "https://media.example/one.wav", "https://media.example/two.wav?sig=s3cr3t"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["one.wav.json", "two.wav.json"]


def test_two_long_files_that_differ_only_after_their_first_mib_are_two_jobs(fake, client, tmp_path):
    head = wav_bytes(41, ms=40_000)  # 640 kB of header and noise...
    head += bytes(range(256)) * 2048  # ...and 512 kB more: past the first MiB
    assert len(head) > 1 << 20
    (tmp_path / "a.wav").write_bytes(head + b"\x01" * 800)
    (tmp_path / "b.wav").write_bytes(head + b"\x02" * 800)
    result = run([tmp_path / "a.wav", tmp_path / "b.wav"], client, tmp_path)
    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    assert requests_made(fake)["upload"] == 2 and requests_made(fake)["submit"] == 2
    assert result.outcomes[0].transcript_id != result.outcomes[1].transcript_id


def test_an_echoed_key_stays_out_of_reasons_and_logs(fake, client, tmp_path, caplog):
    (f,) = write_wavs(tmp_path / "calls", 1)
    inject(fake, "submit", {"status": 400, "error": f"Invalid request from key {KEY}"})
    with caplog.at_level(logging.DEBUG):
        result = run([f], client, tmp_path)
    (upload_id,) = fake.state.data["prerecorded"]["uploads"]
    assert result.outcomes[0].reason == (f"submission of https://cdn.assemblyai.com/upload/{upload_id}: "
                                         "AssemblyAI rejected the request (400: Invalid request from key ***).")
    assert KEY not in repr(result.outcomes) and KEY not in json.dumps(result.failed_records())
    assert KEY not in caplog.text


def test_a_presigned_urls_query_string_stays_out_of_names_reasons_and_logs(fake, client, tmp_path, caplog):
    lost = "https://bucket.example/lost.wav?X-Amz-Signature=SECRET1&X-Amz-Credential=AKIA"
    good = "https://bucket.example/good.wav?X-Amz-Signature=SECRET2&X-Amz-Credential=AKIA"
    gone = "https://bucket.example/gone.wav?X-Amz-Signature=SECRET3&X-Amz-Credential=AKIA"
    add_url(fake, good, wav_bytes(31))
    inject(fake, "submit", {"status": 500})  # one worker: the first submission (lost.wav) is the one lost
    with caplog.at_level(logging.DEBUG):
        result = run([lost, good, gone], client, tmp_path, workers=1, out_dir=tmp_path / "out")
    lost_reason = ("submission of https://bucket.example/lost.wav: AssemblyAI server error 500 "
                   "(Internal Server Error). Re-run later; finished files are cached. Whether AssemblyAI made "
                   "the job is not known yet: the submission is journaled, and a re-run looks it up before "
                   "paying again.")
    gone_reason = ("Download error, unable to download https://bucket.example/gone.wav. "
                   "Please make sure the file exists and is accessible from the internet.")
    assert [(o.name, o.status, o.reason) for o in result.outcomes] == [
        ("https://bucket.example/lost.wav", "failed", lost_reason),
        ("https://bucket.example/good.wav", "ok", None),
        ("https://bucket.example/gone.wav", "failed", gone_reason),
    ]
    # shown and saved without the signature
    assert [o.source for o in result.outcomes] == [u.split("?")[0] for u in (lost, good, gone)]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.wav.json"]
    texts = [json.dumps(result.failed_records()), caplog.text, *(o.name for o in result.outcomes)]
    assert not [t for t in texts if "SECRET" in t or "X-Amz" in t]


def test_a_job_that_does_not_finish_in_time_fails_and_a_rerun_collects_it(fake, client, tmp_path):
    (f,) = write_wavs(tmp_path / "calls", 1)
    fake.options["processing_time"] = 3.0  # queued for its first second: far past the timeout
    first = run([f], client, tmp_path, timeout=0.3)
    (job,) = jobs(fake)
    (o,) = first.outcomes
    assert (o.status, o.stage, o.transcript_id) == ("failed", "transcribe", job["id"])
    assert o.reason == f"job {job['id']} still 'queued' after 0.3 s; a re-run picks it up without paying again"
    assert TranscriptCache(tmp_path / "cache").load(key_of(f))["transcript_id"] == job["id"]
    fake.options["processing_time"] = 0
    second = run([f], client, tmp_path)
    assert (second.outcomes[0].status, second.outcomes[0].transcript_id) == ("ok", job["id"])
    assert (fake.state.counts["upload"], fake.state.counts["submit"]) == (1, 1)


def test_one_failure_never_stops_the_others(fake, client, tmp_path):
    files = write_wavs(tmp_path / "calls", 4)
    script_error(fake, files[0].read_bytes(), "Audio duration is too short.")
    inject(fake, "submit", {"status": 500})  # the first submission is lost, not retried
    result = run(files, client, tmp_path, workers=1)
    assert [o.status for o in result.outcomes] == ["failed", "ok", "ok", "ok"]
    assert "server error 500" in result.outcomes[0].reason
    assert requests_made(fake)["submit"] == 4


def test_duplicate_output_names_are_kept_apart(fake, client, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "call.wav").write_bytes(wav_bytes(21))
    (tmp_path / "y" / "call.wav").write_bytes(wav_bytes(22))
    run([tmp_path / "x" / "call.wav", tmp_path / "y" / "call.wav"], client, tmp_path, out_dir=tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["call.wav-2.json", "call.wav.json"]


def test_authentication_error_stops_the_run(fake, tmp_path):
    files = write_wavs(tmp_path / "calls", 3)
    with AssemblyAIClient(api_key="wrong", base_url=fake.url, poll_interval=POLL_S) as c:
        with pytest.raises(AuthenticationError, match="Authentication error, API token missing/invalid"):
            run(files, c, tmp_path, workers=1)
    assert fake.state.counts["upload"] == 1  # stopped at the first refusal


# --------------------------------------------------------------------------- resume
def test_interrupt_returns_what_finished_and_a_rerun_pays_nothing_twice(fake, client, tmp_path):
    files = write_wavs(tmp_path / "calls", 4)
    fake.options["processing_time"] = 60  # nothing completes during the first run
    inject(fake, "upload", {}, {"delay": 0.5}, {"delay": 0.5}, {"delay": 0.5})  # keep the second upload busy

    def interrupt(name, transcript_id):
        raise KeyboardInterrupt  # what a Jupyter kernel interrupt looks like in the main thread

    first = run(files, client, tmp_path, workers=1, on_submitted=interrupt)
    assert first.interrupted
    assert [o.status for o in first.outcomes] == ["skipped"] * 4
    assert first.outcomes[0].transcript_id == jobs(fake)[0]["id"]
    assert "re-run to collect it without paying again" in first.outcomes[0].reason
    assert "interrupted before it was submitted" in first.outcomes[3].reason
    assert fake.state.counts["submit"] == 1
    entry = TranscriptCache(tmp_path / "cache").load(
        TranscriptCache.key(__import__("hashlib").sha256(files[0].read_bytes()).hexdigest(),
                            {"speaker_labels": True, "speech_models": ["universal-3-5-pro"]}))
    assert entry["state"] == "submitted" and entry["transcript_id"] == jobs(fake)[0]["id"]

    fake.options["processing_time"] = 0
    second = run(files, client, tmp_path, workers=2)
    assert [o.status for o in second.outcomes] == ["ok"] * 4
    assert second.outcomes[0].transcript_id == jobs(fake)[0]["id"]  # the same job, collected
    assert fake.state.counts["submit"] == 4  # 1 in the first run + the 3 never submitted


def test_a_failed_poll_keeps_the_job_for_the_next_run(fake, client, tmp_path):
    (f,) = write_wavs(tmp_path / "calls", 1)
    inject(fake, "get", *[{"status": 500}] * 4)  # 1 + 3 retries
    first = run([f], client, tmp_path)
    assert first.outcomes[0].status == "failed" and "a re-run polls it again" in first.outcomes[0].reason
    second = run([f], client, tmp_path)
    assert second.outcomes[0].status == "ok"
    assert (fake.state.counts["upload"], fake.state.counts["submit"]) == (1, 1)


def test_a_recorded_job_the_server_no_longer_knows_is_submitted_again(fake, client, tmp_path):
    (f,) = write_wavs(tmp_path / "calls", 1)
    cache = TranscriptCache(tmp_path / "cache")
    options = {"speaker_labels": True, "speech_models": ["universal-3-5-pro"]}
    key = TranscriptCache.key(__import__("hashlib").sha256(f.read_bytes()).hexdigest(), options)
    cache.save_submitted(key, f.name, "expired-job-id", client.base_url, options)
    result = run([f], client, tmp_path)
    assert result.outcomes[0].status == "ok" and result.outcomes[0].transcript_id != "expired-job-id"
    assert (fake.state.counts["get"] >= 2, fake.state.counts["submit"]) == (True, 1)
    assert cache.load(key)["state"] == "completed"


def test_a_job_recorded_under_another_base_url_is_never_polled_here(fake, client, tmp_path):
    """Two servers stand for two regions: the job made on the EU one is not polled on this one."""
    (f,) = write_wavs(tmp_path / "calls", 1)
    with FakeAssemblyAI(api_key=KEY, processing_time=PROCESSING_S) as eu:
        with AssemblyAIClient(api_key=KEY, base_url=eu.url, poll_interval=POLL_S) as eu_client:
            eu_job = eu_client.submit(eu_client.upload(f))["id"]
        cache = TranscriptCache(tmp_path / "cache")
        cache.save_submitted(key_of(f), f.name, eu_job, eu.url, OPTIONS)
        result = run([f], client, tmp_path)
        assert eu.state.counts["get"] == 0
    assert eu.url != client.base_url
    (o,) = result.outcomes
    assert o.status == "ok" and o.transcript_id != eu_job
    assert f"/v2/transcript/{eu_job}" not in gets(fake)
    assert gets(fake) and set(gets(fake)) == {f"/v2/transcript/{o.transcript_id}"}
    assert (fake.state.counts["upload"], fake.state.counts["submit"]) == (1, 1)  # a fresh job here
    assert [j["id"] for j in jobs(fake)] == [o.transcript_id]
    assert cache.load(key_of(f))["transcript_id"] == o.transcript_id


@pytest.mark.parametrize("status", [400, 404])
def test_a_job_made_in_this_run_that_the_server_denies_fails_its_file_and_is_not_paid_again(fake, client,
                                                                                           tmp_path, status):
    """Only a job recorded by an earlier run may be submitted again when the server does not know it:
    one submitted moments ago is this run's, paid for; its file fails and the job stays journaled."""
    (f,) = write_wavs(tmp_path / "calls", 1)
    inject(fake, "get", {"status": status, "error": "Transcript lookup error, transcript id not found"})
    result = run([f], client, tmp_path)
    (o,) = result.outcomes
    (job,) = jobs(fake)
    assert (o.status, o.stage, o.transcript_id) == ("failed", "transcribe", job["id"])
    assert o.reason == (f"status of job {job['id']}: AssemblyAI rejected the request ({status}: Transcript lookup "
                        f"error, transcript id not found). (job {job['id']} is recorded: a re-run polls it again)")
    assert (fake.state.counts["upload"], fake.state.counts["submit"], fake.state.counts["get"]) == (1, 1, 1)
    assert TranscriptCache(tmp_path / "cache").job(key_of(f), client.base_url)["transcript_id"] == job["id"]


def test_a_job_that_ended_in_error_leaves_the_journal_so_a_rerun_tries_again(fake, client, tmp_path):
    """A job in error is not billed: the re-run submits the file again rather than poll the failed job."""
    (f,) = write_wavs(tmp_path / "calls", 1)
    script_error(fake, f.read_bytes(), "Transcoding failed: the service had a bad minute.")
    first = run([f], client, tmp_path)
    (failed_job,) = jobs(fake)
    assert [(o.status, o.reason, o.transcript_id) for o in first.outcomes] == [
        ("failed", "Transcoding failed: the service had a bad minute.", failed_job["id"])]
    assert TranscriptCache(tmp_path / "cache").load(key_of(f)) is None  # nothing left to resume
    polled = gets(fake).count(f"/v2/transcript/{failed_job['id']}")
    with fake.state.lock:
        fake.state.data["prerecorded"]["scripts"].clear()  # the bad minute is over
    second = run([f], client, tmp_path)
    failed_again, new_job = jobs(fake)
    assert failed_again["id"] == failed_job["id"]
    assert [(o.status, o.transcript_id) for o in second.outcomes] == [("ok", new_job["id"])]
    assert gets(fake).count(f"/v2/transcript/{failed_job['id']}") == polled  # never polled by the re-run
    assert fake.state.counts["submit"] == 2


def test_a_remote_object_replaced_under_the_same_url_is_transcribed_again(fake, client, tmp_path):
    """The cache key of a remote object is its URL, ETag and size: new content under the same URL is
    not answered with the old transcript."""
    folder = tmp_path / "bucket"
    folder.mkdir()
    (folder / "call.wav").write_bytes(wav_bytes(61, ms=400))
    (listed,) = collect_inputs("file://" + str(folder))[0]
    first = run([listed], client, tmp_path, fetch_dir=tmp_path / "fetched")
    (folder / "call.wav").write_bytes(wav_bytes(62, ms=600))  # replaced: new bytes, new size
    (replaced,) = collect_inputs("file://" + str(folder))[0]
    assert (replaced.url, listed.size, replaced.size) == (listed.url, 44 + 6400, 44 + 9600)
    second = run([replaced], client, tmp_path, fetch_dir=tmp_path / "fetched")
    assert [(o.status, o.cached) for o in second.outcomes] == [("ok", False)]  # not the old transcript
    old_job, new_job = jobs(fake)
    assert [(o.status, o.cached, o.transcript_id) for o in first.outcomes] == [("ok", False, old_job["id"])]
    assert [(o.status, o.cached, o.transcript_id) for o in second.outcomes] == [("ok", False, new_job["id"])]
    uploads = fake.state.data["prerecorded"]["uploads"]
    assert uploads[new_job["audio_url"].rsplit("/", 1)[-1]] == wav_bytes(62, ms=600)
    third = run([replaced], client, tmp_path, fetch_dir=tmp_path / "fetched")  # unchanged now: from the cache
    assert [(o.cached, o.transcript_id) for o in third.outcomes] == [(True, new_job["id"])]
    assert fake.state.counts["submit"] == 2


def test_cache_writes_are_atomic_and_leave_no_temporary_files(fake, client, tmp_path):
    files = write_wavs(tmp_path / "calls", 2)
    run(files, client, tmp_path, out_dir=tmp_path / "out")
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    entries = [json.loads(p.read_text()) for p in (tmp_path / "cache").rglob("*.json")]
    assert sorted(e["source"] for e in entries) == ["call00.wav", "call01.wav"]
    assert {e["state"] for e in entries} == {"completed"}


# --------------------------------------------------------------------------- the journal of paid work
def test_checks_before_paying_refuse_with_what_to_do(fake, client, tmp_path):
    files = write_wavs(tmp_path / "calls", 2)
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(InputError, match=r"The cache folder .* cannot be written .* Nothing was uploaded or paid"):
        run(files, client, tmp_path, cache_dir=tmp_path / "a-file" / "cache")
    with pytest.raises(InputError, match=r"The output folder .* cannot be written"):
        run(files, client, tmp_path, out_dir=tmp_path / "a-file" / "out")
    TranscriptCache(tmp_path / "cache").path(key_of(files[1])).mkdir(parents=True)
    with pytest.raises(InputError, match="cache entries that are not files"):
        run(files, client, tmp_path)
    with pytest.raises(ConfigError, match=r"option speakers_expected='two': expected a whole number"):
        run(files, client, tmp_path / "other", speakers_expected="two")
    with pytest.raises(ConfigError, match="workers must be"):
        run(files, client, tmp_path / "other", workers=0)
    assert requests_made(fake) == {"upload": 0, "submit": 0, "get": 0}


@pytest.mark.parametrize("fields, message", [
    ({"workers": True}, "workers must be a whole number >= 1, got True"),
    ({"poll_interval": -1}, r"poll_interval is seconds >= 0 \(or None for the client's\), got -1"),
    ({"timeout": 0}, r"timeout is seconds > 0 \(or None\), got 0"),
    ({"orphan_grace": float("nan")}, r"orphan_grace is seconds >= 0 \(or None\), got nan"),
    ({"upload_codec": "mp3"}, "upload_codec must be 'flac' or None, got 'mp3'"),
    ({"progress": "yes"}, "progress is True or False, got 'yes'"),
])
def test_batch_options_refuse_bad_values_before_anything_is_sent(fields, message):
    with pytest.raises(ConfigError, match=message):
        BatchOptions(**fields)


def test_the_old_keyword_arguments_still_work_with_a_deprecation_warning(fake, client, tmp_path):
    (f,) = write_wavs(tmp_path / "calls", 1)
    line = inspect.currentframe().f_lineno + 2
    with pytest.warns(DeprecationWarning) as caught:
        result = transcribe_files([f], client, workers=1, progress=False, timeout=60, speakers=2)
    assert [str(w.message) for w in caught] == [
        "transcribe_files(): the keyword arguments progress=, timeout=, workers= are deprecated; pass "
        "options=BatchOptions(progress=...) instead (removed in 0.3)."]
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)  # the caller's line
    assert [o.status for o in result.outcomes] == ["ok"]
    # request fields are not options: no warning
    assert jobs(fake)[0]["params"]["speaker_options"] == {"min_speakers_expected": 2, "max_speakers_expected": 2}


def test_a_result_that_cannot_be_cached_is_kept_in_the_run(fake, client, tmp_path, monkeypatch, caplog):
    files = write_wavs(tmp_path / "calls", 2)

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(TranscriptCache, "save_completed", disk_full)
    result = run(files, client, tmp_path, out_dir=tmp_path / "out")
    assert [o.status for o in result.outcomes] == ["ok", "ok"] and all(o.transcript for o in result.outcomes)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["call00.wav.json", "call01.wav.json"]
    assert re.search(r"writing the cached transcript of call0[01]\.wav failed \(No space left on device\): no new "
                     r"file is submitted in this run", caplog.text), caplog.text


def test_a_transcript_with_bad_times_fails_its_file_only_and_is_not_cached(fake, client, tmp_path):
    from tests.fake_assemblyai.prerecorded import script_transcript

    files = write_wavs(tmp_path / "calls", 2)
    script_transcript(fake, files[0].read_bytes(), [("A", 0, 10**20, "Far."), ("B", 10**20 + 5, 10**20 + 9, "Away.")])
    result = run(files, client, tmp_path)
    bad, good = result.outcomes
    assert good.status == "ok" and bad.status == "failed"
    assert bad.reason.startswith("unusable transcript: utterance 0 word 0 end is out of range: 1e+20 ms")
    assert "stays recorded: a re-run fetches it, not pays it" in bad.reason
    assert TranscriptCache(tmp_path / "cache").load(key_of(files[0]))["state"] == "submitted"


def test_two_runs_on_one_cache_at_once_pay_once(fake, tmp_path):
    import threading

    files = write_wavs(tmp_path / "calls", 6)
    fake.options["latency"] = {"submit": 0.05}
    results = []

    def one_run():
        with AssemblyAIClient(api_key=KEY, base_url=fake.url, poll_interval=POLL_S) as c:
            results.append(run(files, c, tmp_path, workers=3))

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [[o.status for o in r.outcomes] for r in results] == [["ok"] * 6] * 2
    assert fake.state.counts["submit"] == 6 and len(jobs(fake)) == 6


# --------------------------------------------------------------------------- the real command, killed and interrupted
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def start_cli(fake, args, **env):
    """``python -m turntune_nb`` against the fake, as a user runs it (a real process)."""
    import os
    import subprocess
    import sys

    full_env = dict(os.environ, PYTHONPATH=str(ROOT), ASSEMBLYAI_API_KEY=KEY, ASSEMBLYAI_BASE_URL=fake.url,
                    ASSEMBLYAI_POLLING_INTERVAL="0.05", **env)
    return subprocess.Popen([sys.executable, "-m", "turntune_nb", *args], cwd=ROOT, env=full_env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def jobs_per_file(fake) -> dict:
    """{sha256 of the audio: number of jobs the fake made for it}, from its uploads and jobs."""
    store = fake.state.data["prerecorded"]
    per = {}
    for job in store["jobs"].values():
        audio = store["uploads"].get(job["audio_url"].rsplit("/", 1)[-1])
        digest = hashlib.sha256(audio).hexdigest() if audio is not None else job["audio_url"]
        per[digest] = per.get(digest, 0) + 1
    return per


def wait_for(predicate, timeout: float = 60.0) -> bool:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.005)
    return False


@pytest.mark.slow
def test_sigkill_at_many_points_then_a_rerun_pays_each_file_once(tmp_path):
    """Three rounds of 20 files: each round, runs of the real command are killed (SIGKILL) at points
    spread over uploads, submissions (before the job exists, and after it exists but before its
    reply) and polls, some replies are lost, then a run goes to the end: every file analysed, one
    job per file."""
    import random
    import signal
    import time

    rng = random.Random(2026)
    kills, finals = 0, []
    with FakeAssemblyAI(api_key=KEY, processing_time=0.4) as fake:
        fake.options["latency"] = {"upload": 0.03, "submit": 0.06, "submit_reply": 0.06}
        inject(fake, "submit", *[{"drop_after": True} if i % 5 == 2 else {} for i in range(60)])
        for round_ in range(3):
            folder = tmp_path / f"calls{round_}"
            files = write_wavs(folder, 20, start_seed=100 * round_)
            # this fake makes a job as its POST arrives: an intent is settled within 3 s (not the default 130)
            args = ["analyze", str(folder), "--backend", "assemblyai", "--workers", "3", "--json", "--settle-wait",
                    "3", "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]
            for i in range(8):
                counts = dict(fake.state.counts)
                endpoint = ("upload", "submit", "submit", "get")[(i + round_) % 4]
                step = 1 + (i + round_) % 3
                proc = start_cli(fake, args)
                assert wait_for(lambda: fake.state.counts[endpoint] >= counts.get(endpoint, 0) + step
                                or proc.poll() is not None, timeout=60)
                time.sleep(rng.uniform(0, 0.08))  # somewhere inside the next request's window
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    kills += 1
                proc.communicate(timeout=60)
            final = start_cli(fake, args)
            out, err = final.communicate(timeout=300)
            finals.append((final.returncode, err, out, files))
        per_file = jobs_per_file(fake)
    assert kills >= 18, kills  # most runs were killed mid-way, not finished first
    assert not list((tmp_path / "cache").rglob("*.tmp"))  # half-written records of killed runs cleaned up
    for returncode, err, out, files in finals:
        assert returncode == 0, err
        assert "Traceback" not in err
        summary = json.loads(out)
        assert sorted(r["filename"] for r in summary["per_file_results"]) == sorted(f.name for f in files)
    digests = {hashlib.sha256(f.read_bytes()).hexdigest() for *_, files in finals for f in files}
    assert set(per_file) == digests and set(per_file.values()) == {1}, per_file  # 0 duplicate paid jobs


@pytest.mark.slow
def test_two_commands_on_one_cache_at_once_pay_once(tmp_path):
    folder = tmp_path / "calls"
    write_wavs(folder, 8)
    with FakeAssemblyAI(api_key=KEY, processing_time=0.2) as fake:
        fake.options["latency"] = {"submit": 0.05}
        procs = [start_cli(fake, ["analyze", str(folder), "--backend", "assemblyai", "--json", "--workers", "4",
                                  "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / f"out{i}")])
                 for i in range(2)]
        results = [p.communicate(timeout=300) for p in procs]
        per_file = jobs_per_file(fake)
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    assert [len(json.loads(out)["per_file_results"]) for out, _ in results] == [8, 8]
    assert len(per_file) == 8 and set(per_file.values()) == {1}


def test_ctrl_c_mid_run_exits_130_with_the_jobs_in_flight_journaled(tmp_path):
    """Ctrl+C while three submissions wait for their replies (the jobs exist): exit 130, the journal
    holds the three intents, and a re-run collects those jobs without paying again."""
    import signal

    folder = tmp_path / "calls"
    files = write_wavs(folder, 3)
    args = ["analyze", str(folder), "--backend", "assemblyai", "--workers", "3",
            "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]
    with FakeAssemblyAI(api_key=KEY, processing_time=0.05) as fake:
        fake.options["latency"] = {"submit_reply": 600}  # the replies would take 10 minutes
        proc = start_cli(fake, args)
        assert wait_for(lambda: len(fake.state.data["prerecorded"]["jobs"]) == 3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)  # a bound against a hang, not a timing figure
        assert proc.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err
        assert not list((tmp_path / "out").glob("aggregated_analysis_*.json"))  # nothing half-saved
        cache = TranscriptCache(tmp_path / "cache")
        made = {j["audio_url"] for j in fake.state.data["prerecorded"]["jobs"].values()}
        journal = [cache.job(key_of(f), fake.url) for f in files]
        assert [j["state"] for j in journal] == ["submitting"] * 3
        assert {j["upload_url"] for j in journal} == made  # each in-flight job is findable by its upload URL
        fake.options["latency"] = {}
        again = start_cli(fake, args + ["--json"])
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        assert len(json.loads(out)["per_file_results"]) == 3
        assert (fake.state.counts["upload"], fake.state.counts["submit"]) == (3, 3)
        assert set(jobs_per_file(fake).values()) == {1}


def test_polls_come_soon_after_a_submission_then_back_off_to_the_interval():
    """1 s after a submission, then half the job's age, never longer than the poll interval
    (the SDK polls every 3 s from the start: a job done in 2 s is seen a second later)."""
    import time as _time
    from types import SimpleNamespace

    from turntune_nb.assemblyai.batch import FIRST_POLL_S, _Run
    from turntune_nb.assemblyai.submission import Job

    run = SimpleNamespace(interval=3.0)
    waits = []
    for age in (0.0, 1.0, 2.0, 4.0, 30.0):
        job = Job("k", [], submitted=_time.monotonic() - age)
        waits.append(round(_Run._wait(run, job), 1))
    assert FIRST_POLL_S == 1.0
    assert waits == [1.0, 1.0, 1.0, 2.0, 3.0]
    fast = SimpleNamespace(interval=0.2)  # an interval shorter than the first poll wins
    assert _Run._wait(fast, Job("k", [], submitted=_time.monotonic())) == 0.2
