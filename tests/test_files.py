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
