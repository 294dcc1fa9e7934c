"""How a command ends: the exit code, each failed file named once, the error line without the key."""

from tests.cli.helpers import plain_env, run_cli


def test_a_decode_error_is_printed_once_naming_the_file(tmp_path):
    import shutil

    from tests.conftest import SAMPLES

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "synthetic" / "conv1.wav", folder)
    (folder / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot audio at all" * 100)
    for json_flag in ([], ["--json"]):
        proc = run_cli("analyze", folder, "--backend", "offline", "--out", tmp_path / "out", *json_flag,
                    env=plain_env(PYTHONPATH=str(__import__("tests.conftest", fromlist=["ROOT"]).ROOT)))
        assert proc.returncode == 3, proc.stderr
        # the failure is told once, on the line naming the file (--json: the JSON holds it too, as data)
        shown = proc.stderr if json_flag else proc.stdout + proc.stderr
        lines = [line for line in shown.splitlines() if "broken.wav" in line]
        assert len(lines) == 1, shown
        assert lines[0].startswith("  - broken.wav: ") and "Traceback" not in shown


# --------------------------------------------------------------------------- the error line
KEY = "sk-LASTLINE-9f8e7d6c5b"


def test_an_error_whose_last_line_holds_the_key_is_printed_redacted(tmp_path, monkeypatch, capsys):
    """The last line of defence: an error message not redacted where it was made (here one that
    echoes the key on its last line) reaches stderr with the key replaced, every line of it."""
    from turntune_nb.cli import main
    from turntune_nb.errors import ConfigError

    monkeypatch.setenv("ASSEMBLYAI_API_KEY", f" {KEY}\n")  # as pasted: the key is the stripped value

    def refused(backend, api_key=None):
        raise ConfigError(f"the service refused the request:\nit echoed\nAuthorization: {KEY}")

    monkeypatch.setattr("turntune_nb.pipeline.resolve_backend", refused)
    config = tmp_path / "c.json"
    config.write_text('{"name": "Test", "min_turn_silence": 400, "max_turn_silence": 1280}')
    code = main(["replay", "samples/synthetic/conv1.wav", "--config", str(config), "--yes"])
    err = capsys.readouterr().err
    assert code == 2 and KEY not in err
    assert err == "turntune: the service refused the request:\nit echoed\nAuthorization: ***\n"


def test_redact_replaces_the_key_on_every_line_and_leaves_short_keys_alone():
    from turntune_nb.cli.exits import redact

    assert redact(f"{KEY} first\nmiddle {KEY}\nlast {KEY}", key=KEY) == "*** first\nmiddle ***\nlast ***"
    assert redact("a b c", key="b") == "a b c"  # a key under 6 characters is no key: nothing is replaced
    assert redact(f"x {KEY}", key="") == f"x {KEY}"


# --------------------------------------------------------------------------- failed files
def test_only_real_failures_count_for_the_exit_code(capsys):
    from types import SimpleNamespace

    from turntune_nb.cli.exits import EXIT_OK, EXIT_PARTIAL, exit_code, failed_files

    skipped = [{"filename": "notes.txt", "reason": "not an audio file (.txt)", "stage": "input"},
               {"filename": "a.json", "reason": "not valid JSON", "stage": "read"},
               {"filename": "b.wav", "reason": "Audio duration is too short.", "stage": "transcribe"},
               {"filename": "c.wav", "reason": "too short to measure", "stage": "measure"},
               {"filename": "d.wav", "reason": "refused", "stage": "upload", "error": "HTTP 500"},
               {"filename": "e.mp3", "reason": "no such file", "stage": "input"}]
    assert [f["filename"] for f in failed_files(SimpleNamespace(skipped=skipped))] == ["a.json", "b.wav", "d.wav",
                                                                                       "e.mp3"]
    assert exit_code(SimpleNamespace(skipped=skipped[:1] + skipped[3:4])) == EXIT_OK
    assert capsys.readouterr().err == ""
    assert exit_code(SimpleNamespace(skipped=skipped[1:2])) == EXIT_PARTIAL
    assert capsys.readouterr().err == ("turntune: 1 file(s) failed; the others were analysed:\n"
                                       "  - a.json: not valid JSON\n")
