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
