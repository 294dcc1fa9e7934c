"""The project files agree with each other: pyproject.toml vs environment.yml,
the README's two commands vs scripts/ and .ci/run."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[; ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    pip_side = {_name(r) for r in project["dependencies"] + extras["mic"] + extras["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_side = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            conda_side |= {_name(r) for r in dep["pip"] if not r.startswith("-")}
        else:
            conda_side.add(_name(dep))
    conda_side -= {"python", "pip"}
    assert conda_side == pip_side, f"only in environment.yml: {conda_side - pip_side}; only in pyproject: {pip_side - conda_side}"


def test_readme_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S).group(1)
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]
    assert commands == ["./scripts/demo", "./scripts/test"]
    for cmd in commands:
        assert (ROOT / cmd).stat().st_mode & 0o111, f"{cmd} is not executable"
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_public_names_are_exported():
    import turntune_nb

    missing = [n for n in turntune_nb.__all__ if not hasattr(turntune_nb, n)]
    assert not missing


def test_every_name_the_readme_and_notebooks_import_is_public():
    """The README and the notebooks import from `turntune_nb` only, and every name they
    import is in its ``__all__`` (so moving code between wings never breaks them)."""
    import json

    import turntune_nb

    sources = {"README.md": (ROOT / "README.md").read_text()}
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        sources[nb.name] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    imported = {}
    for where, text in sources.items():
        assert not re.search(r"(?m)^\s*(from|import) turntune_nb\.", text), f"{where} imports from a submodule"
        for paren, line in re.findall(r"from turntune_nb import (?:\(([\w\s,]+)\)|([\w ,]+))", text):
            names = paren or line
            for name in re.split(r"[\s,]+", names.strip()):
                if name:
                    imported.setdefault(name, where)
    assert len(imported) >= 10  # the README and notebooks do import from the package
    not_public = {n: w for n, w in imported.items() if n not in turntune_nb.__all__ or not hasattr(turntune_nb, n)}
    assert not not_public, f"imported but not public: {not_public}"


#: ``turntune_nb.__all__`` as of 0.1.0, before issue 21 moved code between modules:
#: every name must still be public (new names may be added; a removal needs a
#: deprecation first).
PUBLIC_0_1 = (
    "AGGRESSIVE", "APIError", "APIKeyPrompt", "AnalysisResult", "AssemblyAIClient", "AudioData",
    "AudioDecodeError", "AuthenticationError", "BALANCED", "BatchResult", "BeginEvent", "BrowserMicrophone",
    "CONSERVATIVE", "ConfigError", "DEFAULT_CONFIG", "DecodeReport", "DiarisationSettings", "EOT_BENCH_ROWS",
    "EU_BASE_URL", "EU_STREAMING_URL", "EndpointMetrics", "ErrorEvent", "FileOutcome", "FileSource",
    "InputError", "IterableSource", "LiveTurns", "MicrophoneSource", "MissingAPIKeyError", "MonoDiariser",
    "NoMicrophoneError", "OfflineSession", "PRESETS", "RateLimitError", "Recommendation", "RemoteFile",
    "ReplayNotConfirmedError", "ReplayResult", "SavedSummary", "SessionEnd", "Simulator", "SpeechDetector",
    "SpeechStartedEvent", "StreamingClosedError", "StreamingConfig", "StreamingError", "StreamingSession",
    "TURNBENCH_ROWS", "TerminationEvent", "ThresholdTuner", "Transcript", "TranscriptCache",
    "TranscriptFormatError", "TranscriptionFailedError", "TurnEvent", "TurnTuneError", "Utterance",
    "VADSettings", "Word", "__version__", "analyze_folder", "analyze_transcripts", "as_source", "ask_api_key",
    "bootstrap_ratio_interval", "choose_backend", "collect_inputs", "collect_transcripts", "columns",
    "compute_guide_gaps", "compute_pauses", "compute_transitions", "compute_turn_ends",
    "create_temporary_token", "decode_audio", "eot_cells", "eot_table", "export_settings", "export_table",
    "floor_transfer_offsets", "guide_statistics", "iter_audio_chunks", "latest_summary", "load_config",
    "load_summary", "open_session", "operating_points", "pareto_frontier", "plan_replay", "plot_offsets",
    "plot_pause_ecdf", "plot_per_file", "plot_tradeoff", "read_assemblyai_json", "read_csv", "read_rttm",
    "read_transcripts", "readable", "recommend_config", "recommend_preset", "render_report", "replay",
    "rescore", "result_tables", "role_table", "segment_speech", "select_side", "speaker_table",
    "summarize_transitions", "summarize_values", "transcribe_files", "transcribe_offline",
    "transcribe_with_executor", "transcripts_to_frame", "wilson_interval", "words_to_frame", "write_report",
)


def test_the_public_names_of_0_1_are_all_still_public():
    import turntune_nb

    gone = [n for n in PUBLIC_0_1 if n not in turntune_nb.__all__ or not hasattr(turntune_nb, n)]
    assert not gone, f"public names removed without a deprecation: {gone}"


def test_the_demo_analyses_the_audio_once_and_installs_with_uv_first():
    """Issue 26: the demo's report comes from the same analysis (``analyze --report``), the recommendation from
    the saved summary; the install tries uv before pip and falls back to pip."""
    demo = (ROOT / "scripts" / "demo").read_text()
    commands = [line.strip() for line in demo.splitlines() if line.strip().startswith(".venv/bin/turntune")]
    audio = [c for c in commands if '"${AUDIO[@]}"' in c]
    assert len(audio) == 1 and "--report" in audio[0] and "analyze" in audio[0]
    assert any(c.startswith(".venv/bin/turntune recommend \"$summary\"") for c in commands)
    common = (ROOT / "scripts" / "_common.sh").read_text()
    body = common.split("install_package() {", 1)[1]
    assert body.index("install_with_uv") < body.index("-m pip install")


@pytest.mark.slow
def test_built_wheel_declares_and_carries_every_licence(tmp_path):
    """PEP 639: the wheel's metadata has the licence expression of the code and of the shipped weights (MIT
    package and pyannote's segmentation weights, Apache-2.0 for Resemblyzer's encoder weights), lists each
    licence file, and the wheel carries their texts and the weights themselves."""
    import shutil
    import subprocess
    import sys
    import zipfile

    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    for name in ("LICENSES", "turntune_nb"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-c", f"from setuptools import build_meta; build_meta.build_wheel({str(out)!r})"],
                   cwd=src, check=True, capture_output=True)
    (wheel,) = out.glob("turntune_nb-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        apache = zf.read(next(n for n in names if n.endswith("licenses/LICENSES/Apache-2.0.txt"))).decode()
        mit = zf.read(next(n for n in names if n.endswith("licenses/LICENSES/MIT-pyannote.txt"))).decode()
        notice = zf.read(next(n for n in names if n.endswith("licenses/LICENSES/NOTICE"))).decode()
    assert "License-Expression: MIT AND Apache-2.0" in meta.splitlines()
    files = {line.split(": ", 1)[1] for line in meta.splitlines() if line.startswith("License-File: ")}
    assert files == {"LICENSE", "LICENSES/Apache-2.0.txt", "LICENSES/MIT-pyannote.txt", "LICENSES/NOTICE"}
    assert "Apache License" in apache and "Version 2.0, January 2004" in apache and "Resemble.AI" in apache
    assert "Copyright (c) 2020 CNRS" in mit and "MIT License" in mit
    assert "voice_encoder.npz" in notice and "segmentation.npz" in notice
    assert {"turntune_nb/data/voice_encoder.npz", "turntune_nb/data/segmentation.npz"} <= set(names)
