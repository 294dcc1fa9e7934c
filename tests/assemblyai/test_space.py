"""Room on disk before paying (`turntune_nb.assemblyai.space`), and a write that fails mid-run stopping
new payments (``batch.py``)."""

from __future__ import annotations

import os
import subprocess
from collections import namedtuple

import pytest

from tests.assemblyai.test_batch import key_of, run
from tests.assemblyai_helpers import client, fake, write_wavs  # noqa: F401
from turntune_nb.assemblyai import space
from turntune_nb.assemblyai.cache import TranscriptCache
from turntune_nb.assemblyai.space import FIXED_BYTES, check_space, estimate_run_bytes
from turntune_nb.errors import InputError
from turntune_nb.remote import RemoteFile

Usage = namedtuple("Usage", "total used free")


def test_the_estimate_counts_a_wavs_seconds_a_files_size_and_a_urls_half_hour(tmp_path):
    (wav,) = write_wavs(tmp_path, 1)  # 400 ms at 8 kHz: 0.4 s x 1000 B/s = 400 B a copy
    mp3 = tmp_path / "a.mp3"
    mp3.write_bytes(b"\xff\xfb" * 4000)  # 8,000 bytes at 4,000 B/s: 2 s, 2,000 B a copy
    remote = RemoteFile("s3://b/c.ogg", size=12_000)  # 3 s: 3,000 B a copy
    assert estimate_run_bytes([wav], 2) == 800 + FIXED_BYTES
    assert estimate_run_bytes([mp3, remote], 1) == 5_000 + FIXED_BYTES
    assert estimate_run_bytes(["https://host/a.wav"], 1) == 1_800_000 + FIXED_BYTES  # 1,800 s x 1,000 B/s
    assert estimate_run_bytes([tmp_path / "gone.wav"], 2) == FIXED_BYTES  # unreadable: failed, not written


def test_folders_on_one_disk_add_up_and_the_message_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(space.shutil, "disk_usage", lambda p: Usage(10**9, 10**9 - 3_000_000, 3_000_000))
    check_space([(tmp_path / "out", 1_400_000, "the output folder"), (tmp_path / "cache", 1_500_000, "the cache")])
    with pytest.raises(InputError) as info:  # 1.6 + 1.5 MB on one disk with 3 MB free
        check_space([(tmp_path / "out", 1_600_000, "the output folder"), (tmp_path / "c", 1_500_000, "the cache")])
    assert str(info.value) == (
        f"not enough disk space: this run writes about 3.1 MB (transcripts, cache, summary) to the output folder "
        f"{tmp_path / 'out'} and the cache {tmp_path / 'c'}, and 3.0 MB is free there. Free some space or choose "
        "another folder, then run again. Nothing was uploaded or paid.")


def test_a_run_the_disk_cannot_hold_is_refused_before_the_first_upload(fake, client, tmp_path, monkeypatch):
    files = write_wavs(tmp_path / "calls", 3)
    monkeypatch.setattr(space.shutil, "disk_usage", lambda p: Usage(10**9, 10**9 - 100_000, 100_000))
    with pytest.raises(InputError, match="not enough disk space.*Nothing was uploaded or paid"):
        run(files, client, tmp_path, out_dir=tmp_path / "out")
    assert (fake.state.counts["upload"], fake.state.counts["submit"]) == (0, 0)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs (needs root); skipped where it cannot be mounted."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.decode().strip()})")
    yield mount
    subprocess.run(["umount", str(mount)], capture_output=True)


def test_a_real_tiny_disk_is_refused_before_the_first_upload(fake, client, tmp_path, tiny_disk):
    """256 KiB cannot hold the summary's 1 MiB allowance: refused by the disk's own free space."""
    files = write_wavs(tmp_path / "calls", 2)
    with pytest.raises(InputError, match=f"not enough disk space.*{tiny_disk}"):
        run(files, client, tmp_path, out_dir=tiny_disk / "out")
    assert fake.state.counts["upload"] == 0 and not list(tiny_disk.rglob("*.json"))


def test_a_write_that_fails_mid_run_stops_new_payments(fake, client, tmp_path, monkeypatch):
    """One worker, 4 files; the journal's second intent hits a full disk: the first file is done, the
    second is not paid (its intent could not be kept), the last two are not submitted, each named."""
    files = write_wavs(tmp_path / "calls", 4)
    real, calls = TranscriptCache.save_intent, []

    def second_fails(self, *args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(TranscriptCache, "save_intent", second_fails)
    result = run(files, client, tmp_path, workers=1)
    assert [o.status for o in result.outcomes] == ["ok", "failed", "skipped", "skipped"]
    assert "before paying for it (No space left on device)" in result.outcomes[1].reason
    assert {o.reason for o in result.outcomes[2:]} == {
        "not submitted: writing the journal of call01.wav failed (No space left on device); free some space "
        "(or fix the folder) and re-run"}
    assert fake.state.counts["submit"] == 1 and calls == ["call00.wav", "call01.wav"]
    assert TranscriptCache(tmp_path / "cache").load(key_of(files[0]))["state"] == "completed"
    assert os.path.isdir(tmp_path / "cache")
