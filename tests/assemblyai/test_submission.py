"""The paid steps of one job (`turntune_nb.assemblyai.submission.PaidSteps`) against the fake: a lost
reply found in the list, intents left by a crash settled before new paid work (also those of two runs
an hour apart), a journaled upload reused, and a cached transcript that cannot be read fetched again
rather than paid again."""

from __future__ import annotations

import hashlib
import json
import re
import time

import pytest

from tests.assemblyai.test_batch import OPTIONS, jobs_per_file, key_of, requests_made, run, start_cli, wait_for
from tests.assemblyai_helpers import KEY, client, fake, fast_client, jobs, wav_bytes, write_wavs  # noqa: F401
from tests.fake_assemblyai import FakeAssemblyAI
from tests.fake_assemblyai.prerecorded import add_url, inject
from turntune_nb.assemblyai.cache import TranscriptCache


def test_a_lost_reply_is_found_in_the_list_not_paid_again(fake, client, tmp_path):
    files = write_wavs(tmp_path / "calls", 2)
    inject(fake, "submit", {"drop_after": True})  # the first job is made, its reply never arrives
    result = run(files, client, tmp_path, workers=1)
    assert [o.status for o in result.outcomes] == ["ok", "ok"]
    assert fake.state.counts["submit"] == 2 and len(jobs(fake)) == 2  # no second job for the first file
    assert result.outcomes[0].transcript_id == jobs(fake)[0]["id"]
    assert fake.state.counts["list"] >= 1


def test_an_intent_left_by_a_crash_is_settled_through_the_list(fake, client, tmp_path):
    """A run died between sending the submission and journaling its reply: the job exists."""
    (f,) = write_wavs(tmp_path / "calls", 1)
    upload_url = client.upload(f)
    cache = TranscriptCache(tmp_path / "cache")
    cache.save_intent(key_of(f), f.name, client.base_url, OPTIONS, upload_url)
    made = client.submit(upload_url, speech_models=["universal-3-5-pro"])["id"]  # what the dead run had sent
    before = requests_made(fake)
    result = run([f], client, tmp_path, orphan_grace=0)
    assert (result.outcomes[0].status, result.outcomes[0].transcript_id) == ("ok", made)
    assert requests_made(fake)["upload"] == before["upload"] and requests_made(fake)["submit"] == before["submit"]


def test_intents_of_two_runs_an_hour_apart_are_both_found_not_paid_again(fake, client, tmp_path):
    """Two interrupted runs left an intent each, an hour apart, and both jobs exist. The older job is far
    behind the newer intent (public URLs count only from an intent's time, less ten minutes of clock
    skew): the list is searched back from the OLDEST open intent, so both are found."""
    old_url, new_url = "https://media.example/monday.wav", "https://media.example/tuesday.wav"
    add_url(fake, old_url, wav_bytes(71))
    add_url(fake, new_url, wav_bytes(72))
    cache = TranscriptCache(tmp_path / "cache")
    an_hour_ago = time.time() - 3600
    made = {}
    for url in (old_url, new_url):
        key = TranscriptCache.key(hashlib.sha256(b"url:" + url.encode()).hexdigest(), OPTIONS)
        cache.save_intent(key, url, client.base_url, OPTIONS, url)
        made[url] = client.submit(url, **OPTIONS)["id"]  # what the dead run had sent
    old_key = TranscriptCache.key(hashlib.sha256(b"url:" + old_url.encode()).hexdigest(), OPTIONS)
    entry = cache.load(old_key)
    entry["jobs"][client.base_url]["intent_time"] = an_hour_ago  # the first run died an hour ago
    cache.path(old_key).write_text(json.dumps(entry))
    with fake.state.lock:
        fake.state.data["prerecorded"]["jobs"][made[old_url]]["created_at"] = an_hour_ago + 1
    result = run([old_url, new_url], client, tmp_path, orphan_grace=0)
    assert [(o.status, o.transcript_id) for o in result.outcomes] == [("ok", made[old_url]), ("ok", made[new_url])]
    assert fake.state.counts["submit"] == 2 and len(jobs(fake)) == 2  # only what the dead runs had paid


def test_an_intent_whose_job_was_never_made_is_submitted_without_uploading_again(fake, client, tmp_path):
    (f,) = write_wavs(tmp_path / "calls", 1)
    upload_url = client.upload(f)
    TranscriptCache(tmp_path / "cache").save_intent(key_of(f), f.name, client.base_url, OPTIONS, upload_url)
    result = run([f], client, tmp_path, orphan_grace=0.2)
    assert result.outcomes[0].status == "ok"
    assert (fake.state.counts["upload"], fake.state.counts["submit"]) == (1, 1)  # the journaled upload reused
    assert jobs(fake)[0]["audio_url"] == upload_url
    assert fake.state.counts["list"] == 2  # looked up, then again after the grace (a young intent)


def test_an_intent_is_not_paid_again_when_the_list_cannot_be_read(fake, client, tmp_path):
    (f,) = write_wavs(tmp_path / "calls", 1)
    TranscriptCache(tmp_path / "cache").save_intent(key_of(f), f.name, client.base_url, OPTIONS,
                                                    "https://cdn.assemblyai.com/upload/gone")
    inject(fake, "list", *[{"status": 500}] * 4)
    result = run([f], client, tmp_path, orphan_grace=0)
    (o,) = result.outcomes
    assert o.status == "failed" and "the list of transcripts could not be read" in o.reason
    assert (fake.state.counts["upload"], fake.state.counts["submit"]) == (0, 0)


def test_a_cached_transcript_that_fails_to_parse_is_fetched_again_not_paid(fake, client, tmp_path):
    (f,) = write_wavs(tmp_path / "calls", 1)
    first = run([f], client, tmp_path)
    cache = TranscriptCache(tmp_path / "cache")
    entry = cache.load(key_of(f))
    entry["transcript"]["utterances"][0]["start"] = float("inf")  # saved as Infinity
    cache.path(key_of(f)).write_text(json.dumps(entry))
    second = run([f], client, tmp_path)
    assert second.outcomes[0].status == "ok" and second.outcomes[0].transcript_id == first.outcomes[0].transcript_id
    assert (fake.state.counts["upload"], fake.state.counts["submit"]) == (1, 1)
    assert cache.load(key_of(f))["transcript"]["utterances"][0]["start"] != float("inf")  # the good one cached


def test_a_two_channel_files_intent_left_by_a_crash_is_settled_under_its_own_request(fake, client, tmp_path):
    """The journal of a two-channel file holds its own request (multichannel): a crash between the
    submission and its reply is settled through the list under that key, and nothing is paid again."""
    from tests.assemblyai.test_sources import MODELS, stereo_wav

    two = stereo_wav(tmp_path / "two.wav")
    body = {"speaker_labels": False, "multichannel": True, "speech_models": MODELS}  # what a two-channel file asks
    key = TranscriptCache.key(hashlib.sha256(two.read_bytes()).hexdigest(), body)
    upload_url = client.upload(two)
    cache = TranscriptCache(tmp_path / "cache")
    cache.save_intent(key, two.name, client.base_url, body, upload_url)
    made = client.submit(upload_url, **body)["id"]  # what the dead run had sent
    result = run([two], client, tmp_path, orphan_grace=0)
    assert (result.outcomes[0].status, result.outcomes[0].transcript_id) == ("ok", made)
    assert (fake.state.counts["upload"], fake.state.counts["submit"]) == (1, 1)
    assert cache.load(key)["options"] == body and result.transcripts[0].speaker_source == "channels"


def test_each_job_is_submitted_with_its_own_request(fake, client, tmp_path):
    """A mono and a two-channel file in one run: each job's request, not the run's, is sent and journaled."""
    from tests.assemblyai.test_sources import MODELS, stereo_wav

    two = stereo_wav(tmp_path / "two.wav")
    (mono,) = write_wavs(tmp_path / "calls", 1)
    run([mono, two], client, tmp_path, workers=1)
    sent = {j["audio_url"]: {k: v for k, v in j["params"].items() if k != "audio_url"} for j in jobs(fake)}
    uploads = fake.state.data["prerecorded"]["uploads"]
    by_file = {uploads[u.rsplit("/", 1)[1]]: p for u, p in sent.items()}
    assert by_file[mono.read_bytes()] == OPTIONS
    assert by_file[two.read_bytes()] == {"speaker_labels": False, "multichannel": True, "speech_models": MODELS}


# --------------------------------------------------------------------------- a service slow to create jobs
def test_a_quick_rerun_waits_for_jobs_the_service_creates_late_and_pays_none_again(tmp_path, caplog):
    """A run died with 4 submissions in flight; the service creates each job 1 s after its POST. The
    re-run starts at once: the list shows none of them yet, so it waits (and says so) instead of paying."""
    import logging
    import threading

    files = write_wavs(tmp_path / "calls", 4)
    with FakeAssemblyAI(api_key=KEY, processing_time=0.05, create_delay=1.0) as slow, \
            fast_client(slow) as c:
        cache = TranscriptCache(tmp_path / "cache")
        for f in files:  # what the dead run did: upload, journal the intent, send the POST, die
            url = c.upload(f)
            cache.save_intent(key_of(f), f.name, c.base_url, OPTIONS, url)
            threading.Thread(target=c.submit, args=(url,), kwargs=OPTIONS, daemon=True).start()
        assert wait_for(lambda: slow.state.counts["submit"] == 4, 10)
        with caplog.at_level(logging.WARNING, logger="turntune_nb"):
            result = run(files, c, tmp_path)  # orphan_grace None: the client's 2 + 5 s time-outs, 7 s
        made = {j["id"] for j in jobs(slow)}
        assert slow.state.counts["submit"] == 4 and len(made) == 4  # 0 duplicates: 4 files, 4 jobs
    assert [o.status for o in result.outcomes] == ["ok"] * 4
    assert {o.transcript_id for o in result.outcomes} == made
    waits = [r.getMessage() for r in caplog.records if "of an interrupted run to appear" in r.getMessage()]
    # at most the window: 7 s from the intents, which were journaled a moment before the run began
    assert len(waits) == 1 and re.search(r"waiting up to [1-7] s for 4 submission\(s\)", waits[0]), waits


def test_intents_that_cannot_settle_within_the_patience_stay_pending_and_are_never_paid(fake, client, tmp_path):
    """Intents journaled just now with a 60 s window and 0.3 s of patience: the list never shows a job,
    the files fail (named, with what to do) and nothing is uploaded or submitted."""
    files = write_wavs(tmp_path / "calls", 2)
    cache = TranscriptCache(tmp_path / "cache")
    for i, f in enumerate(files):
        cache.save_intent(key_of(f), f.name, client.base_url, OPTIONS, f"https://cdn.assemblyai.com/upload/gone{i}")
    result = run(files, client, tmp_path, orphan_grace=60, settle_patience=0.3)
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert all("does not list the job yet; nothing was paid again" in o.reason for o in result.outcomes)
    assert (fake.state.counts["upload"], fake.state.counts["submit"]) == (0, 0)
    assert fake.state.counts["list"] >= 2  # read, then read again at the end of the patience


def test_an_intent_with_a_damaged_time_waits_its_whole_window(fake, client, tmp_path):
    """An intent whose time cannot be read counts as made now: with a 0.3 s window it is listed, waited
    for, listed again, then paid once."""
    (f,) = write_wavs(tmp_path / "calls", 1)
    cache = TranscriptCache(tmp_path / "cache")
    cache.save_intent(key_of(f), f.name, client.base_url, OPTIONS, client.upload(f))
    entry = cache.load(key_of(f))
    entry["jobs"][client.base_url]["intent_time"] = "yesterday"
    cache.path(key_of(f)).write_text(json.dumps(entry))
    result = run([f], client, tmp_path, orphan_grace=0.3)
    assert result.outcomes[0].status == "ok" and fake.state.counts["submit"] == 1
    assert fake.state.counts["list"] == 2 and fake.state.counts["upload"] == 1


@pytest.mark.slow
def test_sigkill_with_8_submissions_in_flight_then_an_immediate_rerun_pays_none_twice(tmp_path):
    """The real command, 8 files, a service creating each job 5 s after its POST (as the review did): SIGKILL once all 8
    POSTs arrived (no job exists yet, no reply came), re-run at once: it waits for the 8 jobs, collects
    them, and the service made 8 jobs in all."""
    import signal

    folder = tmp_path / "calls"
    files = write_wavs(folder, 8)
    args = ["analyze", str(folder), "--backend", "assemblyai", "--workers", "8", "--json",
            "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]
    with FakeAssemblyAI(api_key=KEY, processing_time=0.1, create_delay=5.0) as slow:
        proc = start_cli(slow, args)
        assert wait_for(lambda: slow.state.counts["submit"] >= 8 or proc.poll() is not None, 60)
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        assert not [j for j in jobs(slow) if j["created"] <= time.monotonic()]  # none created yet
        rerun = start_cli(slow, args)
        out, err = rerun.communicate(timeout=300)
        per_file = jobs_per_file(slow)
    assert rerun.returncode == 0, err
    assert "waiting up to" in err and "8 submission(s) of an interrupted run" in err, err
    assert sorted(r["filename"] for r in json.loads(out)["per_file_results"]) == [f.name for f in files]
    assert len(per_file) == 8 and set(per_file.values()) == {1}, per_file  # 0 duplicate paid jobs


def test_an_intent_for_a_presigned_url_is_matched_on_the_unsigned_url(fake, client, tmp_path):
    """The journal keeps the object's URL without its signature; the job the dead run made with the
    signed URL is found by it (a re-run would sign anew), and nothing is paid again."""
    signed = "https://bucket.example/calls/a.wav?X-Amz-Signature=SECRET1"
    add_url(fake, signed, wav_bytes(81))
    key = TranscriptCache.key(hashlib.sha256(b"url:" + signed.encode()).hexdigest(), OPTIONS)
    cache = TranscriptCache(tmp_path / "cache")
    cache.save_intent(key, "a.wav", client.base_url, OPTIONS, signed)
    made = client.submit(signed, **OPTIONS)["id"]  # what the dead run had sent
    result = run([signed], client, tmp_path, orphan_grace=0)
    assert (result.outcomes[0].status, result.outcomes[0].transcript_id) == ("ok", made)
    assert fake.state.counts["submit"] == 1
    assert not [p for p in (tmp_path / "cache").rglob("*.json") if b"SECRET" in p.read_bytes()]


@pytest.mark.parametrize("bad_id", ["../../etc", "a b"])
def test_a_server_sent_job_id_that_is_not_one_fails_its_file_in_one_line(fake, client, tmp_path, caplog, bad_id):
    """The server answers a submission with an id that is not one: never put in a URL, that file fails
    with one line that blames the server (not the cache), no traceback is logged, the other file is
    done, and the list row with that id is never taken for the job on a re-run."""
    import logging

    files = write_wavs(tmp_path / "calls", 2)
    inject(fake, "submit", {"job_id": bad_id})
    with caplog.at_level(logging.DEBUG, logger="turntune_nb"):
        result = run(files, client, tmp_path, workers=1, orphan_grace=0)
    first, second = result.outcomes
    assert first.status == "failed" and second.status == "ok"
    assert f"AssemblyAI answered with the job id {bad_id!r}" in first.reason
    assert "not the cache's" in first.reason and "delete that entry" not in first.reason
    assert not [r for r in caplog.records if r.exc_info] and "Traceback" not in caplog.text
    again = run(files, client, tmp_path, orphan_grace=0)  # the intent's window is closed: paid once more
    assert [o.status for o in again.outcomes] == ["ok", "ok"] and fake.state.counts["submit"] == 3
    assert not [p for p in gets_made(fake) if bad_id.replace(" ", "%20") in p or ".." in p]


def gets_made(fake) -> list:
    return [path for method, path, _ in fake.state.requests if method == "GET"]


def test_damaged_journal_entries_are_set_aside_reported_once_and_settled_before_paying(fake, client, tmp_path,
                                                                                       caplog):
    """Three files whose jobs a dead run made, their journal entries then damaged: two cut short (their
    upload URLs still readable), one overwritten with garbage. The two are found in the list (0 paid
    again); the third is not paid blind but failed, named, with what to do; each entry is reported once
    and kept under damaged/."""
    import logging

    files = write_wavs(tmp_path / "calls", 3)
    cache = TranscriptCache(tmp_path / "cache")
    made = []
    for f in files:  # what the dead run did
        url = client.upload(f)
        cache.save_intent(key_of(f), f.name, client.base_url, OPTIONS, url)
        made.append(client.submit(url, **OPTIONS)["id"])
    for f in files[:2]:
        text = cache.path(key_of(f)).read_text()
        cache.path(key_of(f)).write_text(text[:-30])  # cut short after the upload URL
    cache.path(key_of(files[2])).write_bytes(b"\x00\xff garbage")
    with caplog.at_level(logging.WARNING, logger="turntune_nb"):
        result = run(files, client, tmp_path)
    assert [(o.status, o.transcript_id) for o in result.outcomes[:2]] == [("ok", made[0]), ("ok", made[1])]
    third = result.outcomes[2]
    assert third.status == "failed" and "not paid blind" in third.reason and str(cache.path(key_of(files[2]))) \
        in third.reason
    assert fake.state.counts["submit"] == 3 and fake.state.counts["upload"] == 3  # nothing paid again
    reports = [r.getMessage() for r in caplog.records if "was damaged" in r.getMessage()]
    assert len(reports) == 3 and all("kept as" in m and "An earlier run may have paid" in m for m in reports)
    assert len(list((tmp_path / "cache" / "damaged").iterdir())) == 3
    again = run(files, client, tmp_path)  # still not paid blind until the person deletes the entry
    assert again.outcomes[2].status == "failed" and fake.state.counts["submit"] == 3
