"""TranscriptCache and content_hash alone: what a key covers, entries on disk, the folder."""

from __future__ import annotations

import hashlib
import json

from turntune_nb.assemblyai.cache import TranscriptCache, content_hash, default_cache_dir
from turntune_nb.remote import RemoteFile

OPTIONS = {"speaker_labels": True, "speech_models": ["universal-3-5-pro"]}
MIB = 1 << 20


# --------------------------------------------------------------------------- content_hash
def test_content_hash_is_the_sha256_of_the_bytes(tmp_path):
    p = tmp_path / "abc.wav"
    p.write_bytes(b"abc")
    # SHA-256("abc"), the FIPS 180-2 test vector
    assert content_hash(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert content_hash(str(p)) == content_hash(p)


def test_content_hash_covers_the_whole_file_not_its_first_mib(tmp_path):
    head = bytes(range(256)) * (MIB // 256) + b"same tail start "  # 1 MiB and 16 bytes in common
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    a.write_bytes(head + b"A" * 1000)
    b.write_bytes(head + b"B" * 1000)
    assert content_hash(a) == hashlib.sha256(head + b"A" * 1000).hexdigest()
    assert content_hash(b) == hashlib.sha256(head + b"B" * 1000).hexdigest()
    assert content_hash(a) != content_hash(b)
    assert TranscriptCache.key(content_hash(a), OPTIONS) != TranscriptCache.key(content_hash(b), OPTIONS)


def test_content_hash_of_a_url_is_of_its_text_not_a_download():
    url = "https://media.example/one.wav"
    assert content_hash(url) == hashlib.sha256(b"url:https://media.example/one.wav").hexdigest()
    assert content_hash(url + "?v=2") != content_hash(url)


def test_a_remote_objects_hash_covers_its_etag_and_size_not_only_its_url():
    """An object replaced under the same URL (a new ETag, or a new size) is new content: a new key."""
    listed = RemoteFile("s3://calls/month/a.wav", size=1000, etag="e1")
    replaced = RemoteFile("s3://calls/month/a.wav", size=1200, etag="e2")
    same_size = RemoteFile("s3://calls/month/a.wav", size=1000, etag="e3")
    assert content_hash(listed) == hashlib.sha256(b"remote:s3://calls/month/a.wav|etag=e1|size=1000").hexdigest()
    assert content_hash(replaced) == hashlib.sha256(b"remote:s3://calls/month/a.wav|etag=e2|size=1200").hexdigest()
    assert len({content_hash(listed), content_hash(replaced), content_hash(same_size)}) == 3
    assert content_hash(RemoteFile("s3://calls/month/a.wav", size=1000, etag="e1")) == content_hash(listed)


# --------------------------------------------------------------------------- keys and entries
def test_the_key_is_the_content_hash_and_the_options_in_any_order():
    key = TranscriptCache.key("ab" * 32, OPTIONS)
    assert key.startswith("ab" * 32 + "-") and len(key) == 64 + 1 + 16
    assert TranscriptCache.key("ab" * 32, dict(reversed(list(OPTIONS.items())))) == key
    assert TranscriptCache.key("ab" * 32, dict(OPTIONS, speakers_expected=2)) != key


def test_entries_round_trip_and_are_forgotten(tmp_path):
    cache = TranscriptCache(tmp_path / "cache")
    key = TranscriptCache.key("cd" * 32, OPTIONS)
    assert cache.load(key) is None
    cache.save_submitted(key, "call.wav", "job-1", "https://api.eu.assemblyai.com", OPTIONS)
    assert cache.path(key) == tmp_path / "cache" / "cd" / f"{key}.json"
    entry = cache.load(key)
    assert {k: entry[k] for k in ("version", "state", "source", "transcript_id", "base_url", "options")} == {
        "version": 1, "state": "submitted", "source": "call.wav", "transcript_id": "job-1",
        "base_url": "https://api.eu.assemblyai.com", "options": OPTIONS}
    cache.save_completed(key, "call.wav", {"id": "job-1", "status": "completed"}, OPTIONS)
    entry = cache.load(key)
    assert (entry["state"], entry["transcript_id"], entry["transcript"]) == (
        "completed", "job-1", {"id": "job-1", "status": "completed"})
    assert "base_url" not in entry
    cache.forget(key)
    assert cache.load(key) is None
    cache.forget(key)  # forgetting twice is fine


def test_a_damaged_entry_is_set_aside_and_leaves_a_marker_other_versions_are_ignored(tmp_path, caplog):
    """A damaged entry (cut short, or JSON that is no entry) is moved to damaged/ with its bytes, reported
    once, and, holding no job id or upload URL, replaced by a marker that stops its file from being paid
    blind (the marker persists for the next run). An entry of another version is ignored."""
    import logging

    cache = TranscriptCache(tmp_path)
    key = TranscriptCache.key("ef" * 32, OPTIONS)
    cache.path(key).parent.mkdir(parents=True)
    cut = '{"version": 1, "state": "compl'  # cut short by a crash
    cache.path(key).write_text(cut)
    with caplog.at_level(logging.WARNING):
        assert cache.load(key)["state"] == "damaged"
        assert cache.load(key)["state"] == "damaged"
        assert cache.job(key, "https://api.assemblyai.com")["state"] == "damaged"
    (aside,) = (tmp_path / "damaged").iterdir()
    assert aside.read_text() == cut and aside.name.startswith(key)
    assert len([r for r in caplog.records if "was damaged" in r.getMessage()]) == 1  # reported once
    assert TranscriptCache(tmp_path).load(key)["state"] == "damaged"  # the next run sees the marker
    cache.path(key).write_text(json.dumps({"version": 0, "state": "completed", "transcript": {}}))
    assert cache.load(key) is None
    cache.path(key).write_text(json.dumps(["not", "an", "entry"]))
    assert cache.load(key)["state"] == "damaged" and len(list((tmp_path / "damaged").iterdir())) == 2


def test_what_can_be_read_of_a_damaged_entry_is_kept_for_the_journal(tmp_path):
    """A damaged pending entry that still shows its upload URL becomes an intent (looked up in the list);
    one that shows a job id becomes that job (polled, free); the intent's time is the file's."""
    import os

    cache = TranscriptCache(tmp_path)
    base = "https://api.assemblyai.com"
    key_url, key_id = (TranscriptCache.key(c * 64, OPTIONS) for c in "ab")
    cache.save_intent(key_url, "a.wav", base, OPTIONS, "https://cdn.assemblyai.com/upload/u-1")
    cache.save_submitted(key_id, "b.wav", "job-7", base, OPTIONS)
    for key in (key_url, key_id):  # cut off its last 20 bytes, the journal's closing braces
        text = cache.path(key).read_text()
        cache.path(key).write_text(text[:-20])
        os.utime(cache.path(key), (1_000_000, 1_000_000))
    assert cache.job(key_url, base) == {"state": "submitting", "upload_url": "https://cdn.assemblyai.com/upload/u-1",
                                        "intent_time": 1_000_000, "aside": cache.damaged[key_url]["aside"]}
    assert (cache.job(key_id, base)["state"], cache.job(key_id, base)["transcript_id"]) == ("submitted", "job-7")
    assert not cache.path(key_url).exists()  # moved aside; nothing left to pay blind on
    cache.save_submitted(key_url, "a.wav", "job-8", base, OPTIONS)  # journaled again: the salvage is done
    assert key_url not in cache.damaged and cache.job(key_url, base)["transcript_id"] == "job-8"


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TURNTUNE_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("TURNTUNE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "turntune_nb" / "assemblyai"


# --------------------------------------------------------------------------- the journal
EU, US = "https://api.eu.assemblyai.com", "https://api.assemblyai.com"


def test_the_journal_goes_upload_intent_job_per_region(tmp_path):
    cache = TranscriptCache(tmp_path / "cache")
    key = TranscriptCache.key("aa" * 32, OPTIONS)
    cache.save_uploaded(key, "call.wav", EU, OPTIONS, "https://cdn.eu.assemblyai.com/upload/u1")
    assert cache.job(key, EU)["state"] == "uploaded" and cache.job(key, US) is None
    cache.save_intent(key, "call.wav", EU, OPTIONS, "https://cdn.eu.assemblyai.com/upload/u1")
    job = cache.job(key, EU)
    assert (job["state"], job["upload_url"], job["transcript_id"]) == (
        "submitting", "https://cdn.eu.assemblyai.com/upload/u1", None)
    assert isinstance(job["intent_time"], float)
    cache.save_submitted(key, "call.wav", "eu-job", EU, OPTIONS)
    # a fresh submission in another region does not overwrite the EU job
    cache.save_intent(key, "call.wav", US, OPTIONS, "https://cdn.assemblyai.com/upload/u2")
    cache.save_submitted(key, "call.wav", "us-job", US, OPTIONS)
    assert cache.job(key, EU)["transcript_id"] == "eu-job"
    assert cache.job(key, EU)["upload_url"] == "https://cdn.eu.assemblyai.com/upload/u1"
    assert cache.job(key, US)["transcript_id"] == "us-job"
    cache.forget_job(key, US)
    assert cache.job(key, US) is None and cache.job(key, EU)["transcript_id"] == "eu-job"
    cache.forget_job(key, EU)
    assert not cache.path(key).exists()


def test_an_entry_written_before_the_journal_is_still_a_job_of_its_region(tmp_path):
    cache = TranscriptCache(tmp_path)
    key = TranscriptCache.key("ab" * 32, OPTIONS)
    cache.path(key).parent.mkdir(parents=True)
    cache.path(key).write_text(json.dumps({"version": 1, "state": "submitted", "source": "a.wav",
                                           "transcript_id": "old-job", "base_url": EU, "options": OPTIONS}))
    assert cache.job(key, EU) == {"state": "submitted", "transcript_id": "old-job"}
    assert cache.job(key, US) is None
    cache.save_submitted(key, "a.wav", "new-us-job", US, OPTIONS)  # keeps the EU one
    assert cache.job(key, EU)["transcript_id"] == "old-job"


def test_entries_and_folders_are_private_whatever_the_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        cache = TranscriptCache(tmp_path / "a" / "cache")
        key = TranscriptCache.key("cd" * 32, OPTIONS)
        cache.save_submitted(key, "call.wav", "job-1", US, OPTIONS)
        with cache.lock():
            pass
    finally:
        os.umask(old)
    for p in [tmp_path / "a", *(tmp_path / "a").rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))
    assert (tmp_path / "a" / "cache" / ".turntune.lock").exists()


def test_check_refuses_an_entry_that_is_not_a_file_and_an_unwritable_folder(tmp_path):
    import pytest

    from turntune_nb.errors import InputError

    cache = TranscriptCache(tmp_path / "cache")
    key = TranscriptCache.key("ef" * 32, OPTIONS)
    cache.check([key])  # nothing there yet: fine
    cache.path(key).mkdir(parents=True)
    with pytest.raises(InputError, match=r"cache entries that are not files: .*-[0-9a-f]{16}\.json\. Remove them"):
        cache.check([key])
    (tmp_path / "plain-file").write_text("x")
    with pytest.raises(InputError, match=r"The cache folder .*plain-file/cache cannot be written"):
        TranscriptCache(tmp_path / "plain-file" / "cache").check([key])


def test_the_lock_keeps_a_second_run_waiting_until_the_first_ends(tmp_path):
    import threading

    cache = TranscriptCache(tmp_path / "cache")
    first = cache.acquire()
    waited, got = [], threading.Event()

    def second():
        lock = TranscriptCache(tmp_path / "cache").acquire(on_wait=waited.append)
        got.set()
        lock.release()

    (tmp_path / "cache" / "ab").mkdir()
    (tmp_path / "cache" / "ab" / ".ab-x.json.k2j3.tmp").write_text('{"half')  # a killed run's leftover
    t = threading.Thread(target=second)
    t.start()
    assert not got.wait(0.5)  # held: the second run waits
    first.release()
    t.join(10)
    assert got.is_set() and waited == [str(tmp_path / "cache" / ".turntune.lock")]
    assert not (tmp_path / "cache" / "ab" / ".ab-x.json.k2j3.tmp").exists()  # cleaned once the lock was held


def test_the_journal_and_a_cached_transcript_keep_no_signature(tmp_path):
    cache = TranscriptCache(tmp_path)
    key = TranscriptCache.key("ab" * 32, OPTIONS)
    signed = "https://bucket.example/calls/a.wav?X-Amz-Signature=SECRET&X-Amz-Credential=AKIA"
    cache.save_intent(key, "a.wav", "https://api.assemblyai.com", OPTIONS, signed)
    assert cache.job(key, "https://api.assemblyai.com")["upload_url"] == "https://bucket.example/calls/a.wav"
    cache.save_completed(key, "a.wav", {"id": "t1", "status": "completed", "audio_url": signed}, OPTIONS)
    assert cache.load(key)["transcript"]["audio_url"] == "https://bucket.example/calls/a.wav"
    assert not [p for p in tmp_path.rglob("*.json") if b"SECRET" in p.read_bytes() or b"AKIA" in p.read_bytes()]
