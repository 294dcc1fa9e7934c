"""The notebooks, executed by nbval in a fresh kernel: once offline (no key, no
network: the default path) and once against the local fake AssemblyAI server with
a key set, so the API path of every notebook runs too.

Each pass runs ``pytest --nbval-lax notebooks/`` in a subprocess whose environment
is built here, so a developer's real key can never reach a notebook.

Then as JupyterLab's *Run All* does: every cell, ``nbval-skip`` ones included, by
``nbclient`` with no key and stdin refused, 01 -> 02 -> 03 in one temporary working
folder; the setting 01 saved must come out of 02 and 03 byte for byte, and equal
what ``turntune recommend`` computes from 01's summary in a separate process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
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
    assert [p.name for p in NOTEBOOKS] == ["01_gap_analysis.ipynb", "02_threshold_tuning.ipynb", "03_live_session.ipynb",
                                           "04_agent_calls.ipynb"]
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


# ---------------------------------------------------------------------- Run All, with nbclient
#: JupyterLab's own matplotlib backend (the inline PNGs and their metadata)
INLINE = "module://matplotlib_inline.backend_inline"


def kernel_env(mpl_backend: str = "Agg") -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ASSEMBLYAI_ENV and k != "TURNTUNE_OUT"}
    env.update({"MPLBACKEND": mpl_backend, "PYTHONPATH": str(ROOT)})
    return env


def run_all(path: Path, cells=None, extra_source: str | None = None, mpl_backend: str = "Agg"):
    """Execute a notebook as Run All does: every cell (no tag skipped), stdin refused, no key.

    Returns the executed notebook; a cell that raises fails the test with its traceback."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    if cells is not None:
        nb.cells = [nb.cells[i] for i in cells]
    if extra_source is not None:
        nb.cells.append(nbformat.v4.new_code_cell(extra_source))
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel(env=kernel_env(mpl_backend)):
        assert client.kc.allow_stdin is False  # input()/getpass would raise, never wait
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    return nb


def outputs_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts.append(data.get("text/plain", ""))
        parts.append(data.get("text/html", ""))
    return "\n".join(parts)


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_run_all_chain_keeps_the_saved_setting(tmp_path):
    """01 -> 02 -> 03 as Run All, in a working folder of their own (the default turntune-output beside them)."""
    work = tmp_path / "work"
    (work / "notebooks").mkdir(parents=True)
    (work / "samples").symlink_to(ROOT / "samples")
    for nb_path in NOTEBOOKS:
        shutil.copy(nb_path, work / "notebooks" / nb_path.name)
    out = work / "notebooks" / "turntune-output"  # under the folder `jupyter lab notebooks/` serves

    nb1 = run_all(work / "notebooks" / "01_gap_analysis.ipynb")
    config_path = out / "config.json"
    saved, digest = json.loads(config_path.read_text()), sha(config_path)
    assert "'offline'" in outputs_text(code_cells(nb1)[2])  # the backend cell: no key -> offline, no prompt
    summary = next(out.glob("aggregated_analysis_*.json"))
    assert json.loads(summary.read_text())["backend"] == "offline"
    assert (out / "report.html").exists()

    # the same summary through the command line, in another process: the same setting
    cli_config = tmp_path / "cli_config.json"
    proc = subprocess.run([sys.executable, "-m", "turntune_nb", "recommend", str(summary), "--model", "universal-3-6-pro",
                           "--target-cutoff", "0.05", "--out", str(cli_config)],
                          env=kernel_env(), cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(cli_config.read_text()) == saved
    assert saved["name"] != "Balanced"  # the data-driven setting, not a preset

    nb2 = run_all(work / "notebooks" / "02_threshold_tuning.ipynb")
    assert sha(config_path) == digest, "Run All of 02 touching nothing changed config.json"
    shown = outputs_text(code_cells(nb2)[3]) + outputs_text(code_cells(nb2)[5])  # saved, tuner.config
    assert f"min_turn_silence={saved['min_turn_silence']}" in shown.replace(" ", "")
    assert f"max_turn_silence={saved['max_turn_silence']}" in shown.replace(" ", "")

    nb3 = run_all(work / "notebooks" / "03_live_session.ipynb")
    assert sha(config_path) == digest
    cells3 = code_cells(nb3)
    assert f"min_turn_silence={saved['min_turn_silence']}" in outputs_text(cells3[2]).replace(" ", "")
    assert "the audio ended" in outputs_text(cells3[-2])
    table = outputs_text(cells3[-1])
    assert "ch0" in table and "ch1" in table  # both parties of the replayed call

    # saving is on request: a user who moves a slider and saves changes the file
    new_min = 250 if saved["min_turn_silence"] != 250 else 260
    run_all(work / "notebooks" / "02_threshold_tuning.ipynb",
            extra_source=f"tuner.min_slider.value = {new_min}\ntuner.save(CONFIG_PATH)")
    assert json.loads(config_path.read_text())["min_turn_silence"] == new_min


def test_run_all_asking_for_assemblyai_without_a_key_does_not_wait(tmp_path):
    """BACKEND = "assemblyai" and no key: the key box appears, nothing blocks, the run goes on offline."""
    import nbformat

    path = tmp_path / "01.ipynb"
    nb = nbformat.read(ROOT / "notebooks" / "01_gap_analysis.ipynb", as_version=4)
    params = code_cells(nb)[0]
    params.source = params.source.replace('BACKEND = "auto"', 'BACKEND = "assemblyai"')
    assert 'BACKEND = "assemblyai"' in params.source
    nbformat.write(nb, path)
    first = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"][:3]  # parameters, imports, backend
    done = run_all(path, cells=first)
    cell = code_cells(done)[2]
    text = outputs_text(cell)
    assert "goes on with the offline backend" in text and "'offline'" in text
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs)


def test_run_all_of_01_figures_outputs_and_listening(tmp_path):
    """Notebook 01 as Run All in `notebooks/` of a scratch copy: no figure tagged for a dark background
    (JupyterLab's light theme would paint a dark block behind it), every file written under the
    notebook's folder and linked relative to it, and the listening table with its players."""
    import base64

    work = tmp_path / "work"
    (work / "notebooks").mkdir(parents=True)
    (work / "samples").symlink_to(ROOT / "samples")
    shutil.copy(ROOT / "notebooks" / "01_gap_analysis.ipynb", work / "notebooks")
    nb = run_all(work / "notebooks" / "01_gap_analysis.ipynb", mpl_backend=INLINE)

    images = [o for c in code_cells(nb) for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 3  # offsets, pause ECDF, per file
    for out in images:
        assert out.get("metadata", {}).get("needs_background") != "dark", out.get("metadata")
        assert base64.b64decode(out["data"]["image/png"])[:4] == b"\x89PNG"

    folder = work / "notebooks"
    written = sorted(p.relative_to(folder).as_posix() for p in (folder / "turntune-output").glob("*")
                     if p.suffix in (".json", ".html"))
    assert "turntune-output/config.json" in written and "turntune-output/report.html" in written
    assert not (work / "turntune-output").exists()  # nothing outside the served folder
    links = outputs_text(code_cells(nb)[-1])
    assert "href='turntune-output/report.html'" in links and "href='turntune-output/config.json'" in links
    summary = next((folder / "turntune-output").glob("aggregated_analysis_*.json")).name
    assert f"href='turntune-output/{summary}'" in links

    listen = next(c for c in code_cells(nb) if "listen_examples(" in c.source)
    page = outputs_text(listen)
    assert "turntune-listen" in page and page.count("<audio controls") >= 1
    assert page.count("data:audio/wav;base64,") == page.count("<audio controls")
    # caveats once, as HTML: no console dump of the recommendation
    assert not any("print(" in c.source for c in code_cells(nb))


def test_run_all_agent_calls(tmp_path):
    """04 as Run All with no key, on the bundled two-channel call (scripts/make_agent_sample.py)."""
    import re

    work = tmp_path / "work"
    (work / "notebooks").mkdir(parents=True)
    (work / "samples").symlink_to(ROOT / "samples")
    shutil.copy(ROOT / "notebooks" / "04_agent_calls.ipynb", work / "notebooks")
    cells = code_cells(run_all(work / "notebooks" / "04_agent_calls.ipynb"))
    # the reference of the call, by construction: responses 890, -200, 3500, 770, 700 ms (median 770, one cut-in),
    # barge-ins stopped after 1650 (yielded) and 2830 ms, one dead air of 3500 ms; (offline, reference) pairs
    pairs = dict(re.findall(r"'(\w+)': \(([^)]*)\)", outputs_text(cells[-2])))
    truth = {k: float(v.split(",")[1]) for k, v in pairs.items()}
    assert truth == {"responses": 5, "response_median_ms": 770, "cut_ins": 1, "barge_ins": 2, "barge_ins_yielded": 1,
                     "dead_air": 1, "dead_air_ms": 3500}
    offline = {k: float(v.split(",")[0]) for k, v in pairs.items()}
    assert offline["dead_air"] == 1 and abs(offline["dead_air_ms"] - 3500) <= 100  # the detector's edges move a little
    assert "FAIL cut_ins/responses<=0.05" in outputs_text(cells[-3])  # a cut-in in every handful of responses
    page = (work / "notebooks" / "turntune-output" / "agent_report.html").read_text()  # beside the notebook
    assert "The agent's calls" in page and page.count("<svg") >= 2
