"""Shared fixtures: paths to bundled data, and small transcript builders."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "samples"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def sample_rttm() -> Path:
    return SAMPLES / "real" / "sample.rttm"


ASSEMBLYAI_ENV = ("ASSEMBLYAI_API_KEY", "ASSEMBLYAI_BASE_URL", "ASSEMBLYAI_STREAMING_URL", "ASSEMBLYAI_TOKEN",
                  "ASSEMBLYAI_POLLING_INTERVAL")


@pytest.fixture(autouse=True)
def _no_real_assemblyai(monkeypatch, tmp_path_factory):
    """Tests never touch the internet: a developer's real key or URLs in the
    environment are removed for every test (tests that need them set the fake's),
    and the transcript cache is a fresh folder."""
    for name in ASSEMBLYAI_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TURNTUNE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
