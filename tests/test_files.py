"""Tests of the inputs: collecting folders, files, URLs and URL lists, and safe file names."""

from __future__ import annotations

import pytest

from tests.assemblyai_helpers import write_wavs
from turntune_nb.errors import InputError
from turntune_nb.files import collect_inputs, safe_filename


def test_collect_inputs_mixes_folders_files_urls_and_url_lists(tmp_path):
    folder = tmp_path / "calls"
    write_wavs(folder, 2)
    (folder / "B.MP3").write_bytes(b"ID3")
    (folder / "notes.docx").write_bytes(b"x")
    (folder / ".DS_Store").write_bytes(b"x")
    urls = tmp_path / "urls.txt"
    urls.write_text("# calls on the server\nhttps://example.org/a.mp3\n\nhttps://example.org/b.mp3  # second\n")
    single = tmp_path / "solo.flac"
    single.write_bytes(b"fLaC")
    inputs, skipped = collect_inputs([folder, urls, single, "https://example.org/c.wav", folder / "call00.wav"])
    assert [getattr(i, "name", i) for i in inputs] == [
        "B.MP3", "call00.wav", "call01.wav", "https://example.org/a.mp3", "https://example.org/b.mp3",
        "solo.flac", "https://example.org/c.wav"]
    assert [(s.name, s.status, s.stage) for s in skipped] == [("notes.docx", "skipped", "input")]
    assert "extension .docx" in skipped[0].reason


def test_collect_inputs_errors_name_what_is_wrong(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        collect_inputs(tmp_path / "missing")
    (tmp_path / "readme.md").write_text("x")
    with pytest.raises(InputError, match=r"No audio files found .*readme\.md"):
        collect_inputs(tmp_path)
    bad = tmp_path / "list.txt"
    bad.write_text("https://ok.example/a.wav\nftp://nope/b.wav\n")
    with pytest.raises(InputError, match="list.txt, line 2"):
        collect_inputs(bad)


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\win.ini", "win.ini"),
    ("a b&c.wav", "a_b_c.wav"),
    (".hidden.wav", "hidden.wav"),
    ("https://h.example/dir/NUL.mp3?sig=abc", "_NUL.mp3"),
    ("////", "audio"),
    ("é.wav", "wav"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_an_outcome_keeps_a_presigned_urls_signature_out():
    from turntune_nb.files import SKIPPED, FileOutcome, input_name

    url = "https://bucket.example/calls/a.wav?X-Amz-Signature=SIGNATURE-123&X-Amz-Credential=CRED-456"
    outcome = FileOutcome(url, input_name(url), SKIPPED, reason="not transcribed")
    assert outcome.name == "https://bucket.example/calls/a.wav"
    assert "SIGNATURE-123" not in repr(outcome) and "CRED-456" not in repr(outcome)
    assert outcome.source == "https://bucket.example/calls/a.wav"  # shown and saved: no signature


def test_atomic_writes_are_private_whatever_the_umask_and_leave_no_temporary_file(tmp_path):
    import json
    import os
    import stat
    import threading

    from turntune_nb.files import atomic_write_json, atomic_write_text, make_private_dir

    old = os.umask(0o000)  # the most permissive umask: modes must still be owner-only
    try:
        target = tmp_path / "new" / "deeper" / "summary.json"
        atomic_write_json(target, {"a": 1})
        atomic_write_text(tmp_path / "new" / "t.csv", "x\n")
        make_private_dir(tmp_path / "new" / "empty")
    finally:
        os.umask(old)
    assert json.loads(target.read_text()) == {"a": 1}
    for p in [tmp_path / "new", *(tmp_path / "new").rglob("*")]:
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p
    (tmp_path / "mine").mkdir(mode=0o755)
    atomic_write_text(tmp_path / "mine" / "a.txt", "x")  # a folder the user made is left as it is
    assert stat.S_IMODE((tmp_path / "mine").stat().st_mode) == 0o755
    errors = []

    def write(i):
        try:
            for j in range(50):
                atomic_write_json(tmp_path / "shared.json", {"writer": i, "n": j})
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and json.loads((tmp_path / "shared.json").read_text())["n"] == 49
    assert not list(tmp_path.rglob("*.tmp"))


def test_check_writable_dir_names_the_folder_and_what_to_do(tmp_path):
    from turntune_nb.files import check_writable_dir

    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match=r"The output folder .*f/out cannot be written \(.*\): choose another"):
        check_writable_dir(tmp_path / "f" / "out", "The output folder")
    assert check_writable_dir(tmp_path / "ok", "x") == tmp_path / "ok" and not list((tmp_path / "ok").iterdir())


def test_atomic_write_fsyncs_the_temporary_file_before_renaming_it(tmp_path, monkeypatch):
    import os

    from turntune_nb.files import atomic_write_bytes

    calls = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append(("fsync", os.fstat(fd).st_ino, None))   # which file: its inode survives the rename
        return real_fsync(fd)

    def replace(src, dst):
        calls.append(("replace", os.stat(src).st_ino, str(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "summary.json"
    atomic_write_bytes(target, b"{}")
    assert target.read_bytes() == b"{}"
    renames = [i for i, c in enumerate(calls) if c[0] == "replace"]
    assert len(renames) == 1 and calls[renames[0]][2] == str(target)
    renamed_inode = calls[renames[0]][1]
    # the file that is renamed over the target was fsynced before the rename (its data are on disk first)
    assert any(c[0] == "fsync" and c[1] == renamed_inode for c in calls[:renames[0]]), calls


def test_a_failed_atomic_write_leaves_no_temporary_file_and_the_old_file_intact(tmp_path, monkeypatch):
    import errno
    import os

    from turntune_nb.files import atomic_write_bytes

    target = tmp_path / "summary.json"
    target.write_bytes(b"old")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        atomic_write_bytes(target, b"new")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"] and target.read_bytes() == b"old"
    # a rename that fails (the target is a folder): the same
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep").write_bytes(b"x")
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "out", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "summary.json"]


def test_one_file_under_two_spellings_is_one_input(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "x.wav").write_bytes(b"RIFF")
    (tmp_path / "link.wav").symlink_to(folder / "x.wav")
    inputs, skipped = collect_inputs([folder / "x.wav", tmp_path / "a" / ".." / "a" / "x.wav", tmp_path / "link.wav"])
    assert inputs == [folder / "x.wav"] and skipped == []
    # a folder holding the file and a link to it, and the file given again by a relative-looking path
    (folder / "same.wav").symlink_to("x.wav")
    inputs, _ = collect_inputs([folder, str(tmp_path / "a" / ".." / "a" / "x.wav")])
    assert len(inputs) == 1


def test_entries_of_a_folder_that_cannot_be_read_are_named_with_their_reason(tmp_path):
    """A named pipe (reading it would wait forever), a symbolic link loop, a broken link and a folder, each
    with an audio extension: none is read, each is reported once as a read failure with why."""
    import os

    folder = tmp_path / "calls"
    (good,) = write_wavs(folder, 1)
    os.mkfifo(folder / "pipe.wav")
    (folder / "loop.wav").symlink_to("loop.wav")
    (folder / "broken.mp3").symlink_to("nowhere.mp3")
    (folder / "inner.flac").mkdir()
    inputs, skipped = collect_inputs(folder)
    assert inputs == [good]
    assert [(s.name, s.stage, s.reason) for s in skipped] == [
        ("broken.mp3", "read", "a broken symbolic link (its target nowhere.mp3 does not exist)"),
        ("inner.flac", "read", "a folder, not a regular file: it is not read; copy what it holds into a regular file"),
        ("loop.wav", "read", "a symbolic link loop (the link leads back to itself): fix or remove the link"),
        ("pipe.wav", "read", "a named pipe (FIFO), not a regular file: it is not read; copy what it holds into a "
                             "regular file"),
    ]
    os.unlink(good)  # only unreadable entries left: still named, not "no audio files"
    inputs, skipped = collect_inputs(folder)
    assert inputs == [] and len(skipped) == 4
