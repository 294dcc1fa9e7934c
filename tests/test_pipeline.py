"""analyze_folder and ``turntune analyze`` on audio, against the fake; backend choice;
and the no-secret-leak check over everything a run writes, prints and raises."""

from __future__ import annotations

import json
import logging
import sys
import types

import pytest

from tests.assemblyai_helpers import KEY, POLL_S, fake, wav_bytes, write_wavs  # noqa: F401
from tests.fake_assemblyai import FakeAssemblyAI
from tests.fake_assemblyai.prerecorded import add_url, inject, script_transcript
from turntune_nb import cli
from turntune_nb.analysis.model import Transcript, Utterance
from turntune_nb.analysis.presets import StreamingConfig
from turntune_nb.assemblyai.client import AssemblyAIClient
from turntune_nb.assemblyai.streaming import StreamingSession
from turntune_nb.assemblyai.streaming_options import StreamingOptions
from turntune_nb.errors import APIError, ConfigError, MissingAPIKeyError, TurnTuneError
from turntune_nb.live.endpointer import OfflineSession
from turntune_nb.live.session import SessionOptions
from turntune_nb.pipeline import analyze_folder, open_session, resolve_backend

FAST = {"poll_interval": POLL_S, "backoff_factor": 0.01, "progress": False}


@pytest.fixture
def scripted_folder(fake, tmp_path):
    """Two scripted calls (gaps 500 + 200, and 800 ms), one corrupt file, one unsupported."""
    folder = tmp_path / "calls"
    folder.mkdir()
    one, two = wav_bytes(1), wav_bytes(2)
    (folder / "one.wav").write_bytes(one)
    (folder / "two.mp3").write_bytes(two)  # the fake sniffs bytes, not names
    (folder / "broken.m4a").write_bytes(b"\x00" * 300)
    (folder / "readme.pdf").write_bytes(b"%PDF")
    script_transcript(fake, one, [("A", 0, 1000, "One two."), ("B", 1500, 2500, "Three four."), ("A", 2700, 3000, "Five.")])
    script_transcript(fake, two, [("A", 0, 1000, "Hello there."), ("B", 1800, 2000, "Hi.")])
    return folder


def test_analyze_folder_with_assemblyai(fake, scripted_folder, tmp_path):
    result = analyze_folder(scripted_folder, "assemblyai", api_key=KEY, base_url=fake.url,
                            cache_dir=tmp_path / "cache", out_dir=tmp_path / "run", workers=2, **FAST)
    assert result.backend == "assemblyai"
    assert result.folder_path == str(scripted_folder)
    assert [t.name for t in result.transcripts] == ["one.wav", "two.mp3"]
    per_file = result.per_file.set_index("filename")
    assert per_file.loc["one.wav", "average_gap_ms"] == 350 and per_file.loc["two.mp3", "average_gap_ms"] == 800
    assert result.overall["total_gaps"] == 3 and result.overall["overall_average_gap_ms"] == 500
    assert [(s["filename"], s["stage"]) for s in result.skipped] == [("readme.pdf", "input"), ("broken.m4a", "transcribe")]
    assert result.skipped[1]["reason"] == ("File does not appear to contain audio. "
                                           "File type is application/octet-stream (data).")
    assert sorted(p.name for p in (tmp_path / "run" / "transcripts").iterdir()) == ["one.wav.json", "two.mp3.json"]
    summary = result.to_summary()
    assert summary["backend"] == "assemblyai" and summary["aggregated_statistics"]["total_gaps"] == 3


def test_backend_auto_follows_the_key(monkeypatch):
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    assert resolve_backend("auto") == "offline"
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "k")
    assert resolve_backend("auto") == "assemblyai"
    assert resolve_backend("auto", api_key="") == "offline"
    with pytest.raises(ConfigError, match="backend must be one of auto, assemblyai, offline"):
        resolve_backend("whisper")


def test_assemblyai_backend_without_a_key_says_how_to_set_it(monkeypatch, tmp_path):
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    write_wavs(tmp_path / "calls", 1)
    with pytest.raises(MissingAPIKeyError, match="ASSEMBLYAI_API_KEY"):
        analyze_folder(tmp_path / "calls", "assemblyai", cache_dir=tmp_path / "c", progress=False)


def test_offline_backend_gets_the_files_and_reports_decode_failures(monkeypatch, tmp_path):
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    calls = []

    def transcribe_offline(files, progress=True, **settings):
        calls.append((list(files), progress, settings))
        t = Transcript(files[0].name, [Utterance("spk0", 0, 1000), Utterance("spk1", 1400, 2000)], source="offline")
        return [t], [{"filename": files[1].name, "reason": "cannot decode audio: invalid data"}]

    monkeypatch.setitem(sys.modules, "turntune_nb.audio.offline", types.SimpleNamespace(transcribe_offline=transcribe_offline))
    files = write_wavs(tmp_path / "calls", 2)
    listing = tmp_path / "urls.txt"
    listing.write_text("https://example.org/a.wav\n")
    result = analyze_folder([tmp_path / "calls", listing], progress=False, min_silence_ms=300)
    assert calls == [(files, False, {"min_silence_ms": 300})]
    assert result.backend == "offline" and result.overall["total_gaps"] == 1
    assert result.overall["overall_average_gap_ms"] == 400
    assert [(s["filename"], s["stage"]) for s in result.skipped] == [
        ("https://example.org/a.wav", "input"), ("call01.wav", "decode")]


def test_eu_base_url_is_recorded_with_submitted_jobs(fake, tmp_path):
    """The base URL is part of a recorded job: a job made in one region is not polled in another."""
    write_wavs(tmp_path / "calls", 1)
    inject(fake, "get", *[{"status": 503}] * 4)  # the first run cannot poll: the job stays recorded
    result = analyze_folder(tmp_path / "calls", "assemblyai", api_key=KEY, base_url=fake.url + "/",
                            cache_dir=tmp_path / "cache", retries=3, **FAST)
    assert result.skipped[0]["stage"] == "transcribe"
    (entry,) = [json.loads(p.read_text()) for p in (tmp_path / "cache").rglob("*.json")]
    assert entry["state"] == "submitted" and entry["base_url"] == fake.url
    result = analyze_folder(tmp_path / "calls", "assemblyai", api_key=KEY, base_url=fake.url,
                            cache_dir=tmp_path / "cache", **FAST)
    assert len(result.transcripts) == 1 and fake.state.counts["submit"] == 1


# --------------------------------------------------------------------------- CLI
def test_cli_analyze_audio_with_assemblyai_then_a_cached_rerun(fake, scripted_folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    monkeypatch.setenv("ASSEMBLYAI_BASE_URL", fake.url)
    monkeypatch.setenv("ASSEMBLYAI_POLLING_INTERVAL", str(POLL_S))
    argv = ["analyze", str(scripted_folder), "--backend", "assemblyai", "--workers", "2",
            "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out"), "--json"]
    assert cli.main(argv) == 3  # broken.m4a failed, the rest was analysed and saved
    out = capsys.readouterr()
    summary = json.loads(out.out)
    assert "broken.m4a: File does not appear to contain audio" in out.err
    assert summary["backend"] == "assemblyai"
    assert summary["aggregated_statistics"]["overall_average_gap_ms"] == 500
    assert sorted(p.name for p in (tmp_path / "out" / "transcripts").iterdir()) == ["one.wav.json", "two.mp3.json"]
    before = dict(fake.state.counts)
    assert cli.main(argv) == 3
    assert dict(fake.state.counts) == {**before, "upload": before["upload"] + 1, "submit": before["submit"] + 1,
                                       "get": fake.state.counts["get"]}  # only broken.m4a is tried again
    assert fake.state.counts["get"] > before["get"]


def test_cli_refused_key_exits_2_with_the_reason(fake, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "wrong")
    monkeypatch.setenv("ASSEMBLYAI_BASE_URL", fake.url)
    write_wavs(tmp_path / "calls", 1)
    code = cli.main(["analyze", str(tmp_path / "calls"), "--backend", "assemblyai", "--cache-dir", str(tmp_path / "c"),
                     "--out", str(tmp_path / "out")])
    assert code == 2
    assert "refused the API key (401: Authentication error, API token missing/invalid)" in capsys.readouterr().err


# --------------------------------------------------------------------------- the key
SECRET = "sk-CANARY-5f1e9b2c7d4a"
WRONG = "sk-WRONGCANARY-0a9b8c7d"


def _exception_texts(err: BaseException) -> list[str]:
    texts, seen = [], set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        texts += [str(err), repr(err)] + [repr(a) for a in err.args]
        err = err.__cause__ or err.__context__
    return texts


def test_the_key_never_leaks(tmp_path, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", SECRET)
    monkeypatch.setenv("ASSEMBLYAI_POLLING_INTERVAL", str(POLL_S))
    run_dir = tmp_path / "run"
    folder = tmp_path / "calls"
    write_wavs(folder, 3)
    (folder / "corrupt.wav").write_bytes(b"not audio at all")
    (folder / "notes.txt").write_text("x")
    errors, shown = [], []
    with FakeAssemblyAI(api_key=SECRET, processing_time=0.05) as server:
        add_url(server, "https://media.example/u.wav", wav_bytes(40))
        listing = tmp_path / "urls.txt"
        listing.write_text("https://media.example/u.wav\nhttps://media.example/missing.wav\n")
        inject(server, "upload", {"status": 429, "retry_after": 0}, {"drop": True})
        inject(server, "submit", {"status": 500})
        inject(server, "get", {"status": 503}, {"drop": True}, {"malformed": True})
        monkeypatch.setenv("ASSEMBLYAI_BASE_URL", server.url)
        result = analyze_folder([folder, listing], cache_dir=run_dir / "cache", out_dir=run_dir,
                                backoff_factor=0.01, progress=True)
        result.save(run_dir)
        shown += [repr(result), result.summary_text(), result._repr_html_(), json.dumps(result.to_summary())]
        assert result.backend == "assemblyai" and len(result.transcripts) >= 2  # the run did happen
        assert cli.main(["analyze", str(folder), "--out", str(run_dir / "cli"), "--cache-dir", str(run_dir / "cache")]) == 3
        with AssemblyAIClient(poll_interval=POLL_S) as c:
            shown += [repr(c), str(c)]
            try:
                c.transcribe(folder / "corrupt.wav")
            except TurnTuneError as err:
                errors.append(err)
            try:
                c.get("unknown-id")
            except APIError as err:
                errors.append(err)
        for key, url in ((WRONG, server.url), (SECRET, "http://127.0.0.1:9")):
            try:
                analyze_folder(folder, "assemblyai", api_key=key, base_url=url, cache_dir=run_dir / "cache2",
                               retries=1, backoff_factor=0.01, progress=False)
            except TurnTuneError as err:
                errors.append(err)
    assert [type(e).__name__ for e in errors] == ["TranscriptionFailedError", "APIError", "AuthenticationError"]
    # The unreachable server fails every file, not the run: its reasons are in a result we did not keep,
    # so look at them again through a direct call.
    with AssemblyAIClient(base_url="http://127.0.0.1:9", retries=0) as c:
        try:
            c.upload(folder / "call00.wav")
        except APIError as err:
            errors.append(err)
    assert len(errors) == 4

    out = capsys.readouterr()
    haystacks = {"stdout": out.out, "stderr": out.err, "log": caplog.text,
                 "log records": " ".join(repr(r.args) + str(r.msg) for r in caplog.records)}
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        haystacks[str(path)] = path.read_bytes().decode("utf-8", "replace")
    for i, err in enumerate(errors):
        haystacks[f"error {i}"] = " ".join(_exception_texts(err))
    for i, text in enumerate(shown):
        haystacks[f"shown {i}"] = text
    assert len([k for k in haystacks if k.endswith(".json")]) >= 6  # cache, transcripts, summaries were scanned
    assert "urllib3" in haystacks["log"]  # DEBUG logging of the HTTP layer was captured
    for secret in (SECRET, WRONG):
        leaks = [where for where, text in haystacks.items() if secret in text]
        assert leaks == [], f"the key appears in {leaks}"


def test_open_session_picks_the_api_when_a_key_is_configured(monkeypatch):
    def quiet(ms):
        return bytes(32 * ms)  # 16 kHz PCM16 silence

    cfg = StreamingConfig("T", 200, 800)
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    assert isinstance(open_session(cfg, quiet(100), url="ws://x", speech_model="u3-rt-pro"), OfflineSession)
    offline = open_session(cfg, quiet(100), streaming=StreamingOptions(url="ws://x"),
                           options=SessionOptions(pacing_speed=None, inactivity_timeout_s=2.0))
    assert isinstance(offline, OfflineSession) and (offline.pacing_speed, offline.inactivity_timeout_s) == (None, 2.0)
    assert isinstance(open_session(cfg, quiet(100), api_key="k"), StreamingSession)
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "k")
    assert isinstance(open_session(cfg, quiet(100)), StreamingSession)
    assert isinstance(open_session(cfg, quiet(100), offline=True), OfflineSession)



def test_open_session_replays_parties_offline_and_the_downmix_to_the_api(monkeypatch):
    """parties=True: a two-channel file is endpointed one party per channel offline; AssemblyAI's session,
    which takes one channel, gets the downmix (the option is dropped, not refused)."""
    from tests.conftest import SAMPLES

    call = SAMPLES / "synthetic" / "conv1.wav"  # two channels
    cfg = StreamingConfig("T", 200, 800)
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    offline = open_session(cfg, str(call), parties=True)
    assert isinstance(offline, OfflineSession) and offline.channels == 2 and offline.speakers == ("ch0", "ch1")
    assert open_session(cfg, str(call)).channels == 2  # the default offline: one party per channel too
    assert open_session(cfg, str(call), parties=False).channels == 1
    api = open_session(cfg, str(call), parties=True, api_key="k")
    assert isinstance(api, StreamingSession) and api.channels == 1


# --------------------------------------------------------------------------- privacy over a whole run
def test_everything_a_run_writes_is_private_and_holds_no_key(tmp_path):
    """analyze, recommend and report on audio through AssemblyAI (the fake), as real processes under
    umask 022: every file written is 0600, every folder the run made is 0700, and the key (echoed back
    by the server in an error) is in no file and no output."""
    import os
    import stat
    import subprocess

    from tests.conftest import ROOT

    folder = tmp_path / "calls"
    write_wavs(folder, 3)
    (folder / "corrupt.wav").write_bytes(b"not audio at all")
    run = tmp_path / "run"  # made by the run, with everything under it
    env = dict(os.environ, PYTHONPATH=str(ROOT), ASSEMBLYAI_API_KEY=SECRET, ASSEMBLYAI_POLLING_INTERVAL=str(POLL_S),
               TURNTUNE_CACHE_DIR=str(run / "cache"))
    outputs = []
    with FakeAssemblyAI(api_key=SECRET, processing_time=0.05) as server:
        env["ASSEMBLYAI_BASE_URL"] = server.url
        inject(server, "submit", {"status": 400, "error": f"bad request from {SECRET}"})
        for args in (["analyze", folder, "--out", run / "out", "--cache-dir", run / "cache", "--workers", "1"],
                     ["recommend", folder, "--model", "silence", "--out", run / "configs" / "cfg.json"],
                     ["report", folder, "--out", run / "reports" / "report.html"]):
            proc = subprocess.run([sys.executable, "-m", "turntune_nb", *map(str, args)], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(0o022))
            outputs += [proc.stdout, proc.stderr]
            assert proc.returncode == 3, proc.stderr  # corrupt.wav failed (and, first, the echoing request)
    written = sorted(run.rglob("*"))
    files = [p for p in written if p.is_file()]
    names = {p.name for p in files}
    assert {"cfg.json", "report.html", ".turntune.lock"} <= names
    assert any(n.endswith(".pauses.csv") for n in names) and any(n.endswith(".turn_ends.csv") for n in names)
    assert any(n.startswith("aggregated_analysis_") and n.endswith(".json") for n in names)
    assert len([p for p in files if p.parent.parent.name == "cache"]) == 3  # 3 transcripts (a failed job is dropped)
    assert len(list((run / "out" / "transcripts").glob("call0*.wav.json"))) == 2  # call00 hit the 400
    modes = {str(p.relative_to(run)): oct(stat.S_IMODE(p.stat().st_mode)) for p in [run, *written]}
    wrong = {k: v for k, v in modes.items() if v != ("0o700" if (run / k).is_dir() else "0o600")}
    assert wrong == {}, wrong
    assert not [p for p in files if p.name.endswith(".tmp")]
    leaks = [str(p) for p in files if SECRET.encode() in p.read_bytes()]
    assert leaks == [] and not [o for o in outputs if SECRET in o]
    assert any("***" in o for o in outputs)  # the echo was there, and redacted


def test_offline_speakers_reach_the_diariser_and_segments_are_written(monkeypatch, tmp_path):
    from pathlib import Path

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    mono = Path(__file__).resolve().parents[1] / "samples" / "synthetic" / "mono_pauses.ogg"
    result = analyze_folder(mono, "offline", speakers=2, out_dir=tmp_path, progress=False)
    (t,) = result.transcripts
    assert set(t.speakers) == {"spk0", "spk1"}
    lines = (tmp_path / "segments" / "mono_pauses.ogg.rttm").read_text().splitlines()
    assert [line.split()[7] for line in lines] == [u.speaker for u in t.utterances]
    one = analyze_folder(mono, "offline", speakers=1, progress=False)
    assert one.transcripts[0].speakers == ("spk0",)


def test_speakers_become_speaker_options_for_assemblyai(fake, tmp_path):
    from tests.fake_assemblyai.prerecorded import _store

    write_wavs(tmp_path / "calls", 1)
    analyze_folder(tmp_path / "calls", "assemblyai", api_key=KEY, base_url=fake.url, cache_dir=False,
                   speakers=3, **FAST)
    jobs = list(_store(fake)["jobs"].values())
    assert len(jobs) == 1
    # a mono file: speaker_labels with speaker_options (speakers_expected is deprecated by AssemblyAI)
    assert jobs[0]["params"]["speaker_options"] == {"min_speakers_expected": 3, "max_speakers_expected": 3}
    assert jobs[0]["params"]["speaker_labels"] is True
    assert "speakers" not in jobs[0]["params"] and "speakers_expected" not in jobs[0]["params"]


def test_analyze_folder_vad_picks_the_offline_detector(monkeypatch):
    from turntune_nb.audio.vad import VADSettings

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    result = analyze_folder("samples/synthetic/conv1.wav", progress=False, vad="webrtc")
    assert any("offline webrtc detector" in n for n in result.transcripts[0].notes)
    result = analyze_folder("samples/synthetic/conv1.wav", progress=False,
                            vad=VADSettings(detector="silero-lite", min_silence_ms=300))
    assert any("silero-lite detector (onset 0.25, min silence 300 ms" in n for n in result.transcripts[0].notes)
    assert result.speaker_sources == {"conv1.wav": "channels"}
    with pytest.raises(ConfigError, match="unknown VAD detector 'torch'"):
        analyze_folder("samples/synthetic/conv1.wav", progress=False, vad="torch")


def test_open_session_warns_the_caller_about_the_old_keyword_arguments(monkeypatch):
    import inspect

    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "k")
    cfg = StreamingConfig("T", 200, 800)
    line = inspect.currentframe().f_lineno + 2
    with pytest.warns(DeprecationWarning) as caught:
        old = open_session(cfg, bytes(3200), url="ws://127.0.0.1:9/v3/ws", pacing_speed=None, inactivity_timeout_s=4)
    assert sorted(str(w.message) for w in caught) == [
        "open_session(): the keyword argument url= is deprecated; pass streaming=StreamingOptions(url=...) "
        "instead (removed in 0.3).",
        "open_session(): the keyword arguments inactivity_timeout_s=, pacing_speed= are deprecated; pass "
        "options=SessionOptions(inactivity_timeout_s=...) instead (removed in 0.3)."]
    assert {(w.filename, w.lineno) for w in caught} == {(__file__, line)}  # this call, not the package's
    assert (old.base_url, old.pacing_speed, old.inactivity_timeout_s) == ("ws://127.0.0.1:9/v3/ws", None, 4)
    offline = open_session(cfg, bytes(3200), offline=True, options=SessionOptions(pacing_speed=None))
    assert offline.pacing_speed is None


def test_the_analysis_is_imported_on_a_thread_while_the_service_works():
    """The AssemblyAI path starts with no pandas (the batch, the client, the cache); the analysis is imported
    by `warm_analysis_imports` on a daemon thread, so a job's seconds at the service pay for it."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import sys; import turntune_nb.pipeline as p, turntune_nb.assemblyai.batch, turntune_nb.assemblyai.client;"
            "before = 'pandas' in sys.modules; t = p.warm_analysis_imports(); t.join(60);"
            "print(before, t.daemon, 'turntune_nb.analysis.results' in sys.modules, 'pandas' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True", "True", "True"]
