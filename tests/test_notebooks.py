"""The notebooks, executed by nbval in a fresh kernel: once offline (no key, no
network: the default path) and once against the local fake AssemblyAI server with
a key set, so the API path of every notebook runs too.

Each pass runs ``pytest --nbval-lax notebooks/`` in a subprocess whose environment
is built here, so a developer's real key can never reach a notebook.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ASSEMBLYAI_ENV, ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KEY = "nb-fake-key-5c1d0a9e"


def run_nbval(env_extra: dict, out_dir: Path) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if k not in ASSEMBLYAI_ENV}
    env.update({"TURNTUNE_OUT": str(out_dir), "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}, **env_extra)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--nbval-lax",
           *[str(p) for p in NOTEBOOKS]]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    return proc, time.perf_counter() - start


def test_every_notebook_is_thin_and_parameterised():
    assert [p.name for p in NOTEBOOKS] == ["01_gap_analysis.ipynb", "02_threshold_tuning.ipynb", "03_live_session.ipynb"]
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert "parameters" in code[0]["metadata"].get("tags", []), path.name
        assert "from turntune_nb import" in "".join(code[1]["source"]), path.name
        for c in code:
            src = "".join(c["source"])
            lines = [line for line in src.splitlines() if line.strip()]
            assert len(lines) <= 10 and "\ndef " not in "\n" + src and "\nclass " not in "\n" + src, (path.name, src)
            assert "ASSEMBLYAI_API_KEY" not in src and "api_key=" not in src, "no key in notebook source"
            assert not c.get("outputs"), f"{path.name}: committed with outputs"


def test_notebooks_offline(tmp_path, record_property):
    proc, seconds = run_nbval({}, tmp_path)
    record_property("offline_notebook_seconds", round(seconds, 1))
    print(f"\noffline notebook pass: {seconds:.1f} s")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    summary = json.loads(next(tmp_path.glob("aggregated_analysis_*.json")).read_text())
    assert summary["backend"] == "offline"
    assert summary["aggregated_statistics"]["total_files_analyzed"] >= 7
    assert (tmp_path / "config.json").exists() and (tmp_path / "report.html").exists()


def test_notebooks_against_the_fake_api(tmp_path):
    from tests.fake_assemblyai import FakeAssemblyAI

    with FakeAssemblyAI(api_key=KEY, processing_time=0.2) as fake:
        proc, seconds = run_nbval({
            "ASSEMBLYAI_API_KEY": KEY, "ASSEMBLYAI_BASE_URL": fake.url, "ASSEMBLYAI_STREAMING_URL": fake.ws_url,
            "ASSEMBLYAI_POLLING_INTERVAL": "0.05", "TURNTUNE_CACHE_DIR": str(tmp_path / "cache"),
        }, tmp_path / "out")
        counts = dict(fake.state.counts)
    print(f"\nfake-API notebook pass: {seconds:.1f} s, requests {counts}")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    summary = json.loads(next((tmp_path / "out").glob("aggregated_analysis_*.json")).read_text())
    assert summary["backend"] == "assemblyai"
    assert counts.get("upload", 0) >= 7 and counts.get("submit", 0) >= 7
    # nothing the notebooks wrote or printed holds the key
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="ignore"), path
    assert KEY not in proc.stdout and KEY not in proc.stderr
