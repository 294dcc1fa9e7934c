"""The paid steps of one job (`turntune_nb.assemblyai.submission.PaidSteps`) against the fake: a lost
reply found in the list, intents left by a crash settled before new paid work, a journaled upload
reused, and a cached transcript that cannot be read fetched again rather than paid again."""

from __future__ import annotations

import json

from tests.assemblyai.test_batch import OPTIONS, key_of, requests_made, run
from tests.assemblyai_helpers import client, fake, jobs, write_wavs  # noqa: F401
from tests.fake_assemblyai.prerecorded import inject
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
