"""Fixtures and builders shared by the AssemblyAI tests (client, batch, pipeline).

Import the fixtures by name: ``from tests.assemblyai_helpers import fake, client, KEY``.
"""

from __future__ import annotations

import io
import random
import types
import wave

import pytest
import urllib3.util.retry

from tests.fake_assemblyai import FakeAssemblyAI
from turntune_nb.assemblyai.client import AssemblyAIClient

KEY = "test-key-0123"
#: Small enough that a job completes within a few polls.
PROCESSING_S = 0.05
POLL_S = 0.02


def wav_bytes(seed: int, ms: int = 400, rate: int = 8000) -> bytes:
    """A mono 16-bit WAV of `ms` milliseconds of seeded noise (distinct per seed)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        rng = random.Random(seed)
        w.writeframes(bytes(rng.randrange(256) for _ in range(2 * rate * ms // 1000)))
    return buf.getvalue()


def write_wavs(folder, n: int, start_seed: int = 0) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"call{i:02d}.wav"
        p.write_bytes(wav_bytes(start_seed + i))
        paths.append(p)
    return paths


@pytest.fixture
def fake():
    with FakeAssemblyAI(api_key=KEY, processing_time=PROCESSING_S) as server:
        yield server


def fast_client(server) -> AssemblyAIClient:
    """A client of `server` with the tests' short polls, retries and time-outs."""
    return AssemblyAIClient(api_key=KEY, base_url=server.url, poll_interval=POLL_S, retries=3,
                            backoff_factor=0.01, timeout=(2.0, 5.0))


@pytest.fixture
def client(fake):
    with fast_client(fake) as c:
        yield c


@pytest.fixture
def retry_sleeps(monkeypatch):
    """The sleeps urllib3's Retry asks for (not slept), in order."""
    slept = []
    monkeypatch.setattr(urllib3.util.retry, "time",
                        types.SimpleNamespace(sleep=slept.append, time=__import__("time").time))
    return slept


def jobs(fake) -> list:
    """The jobs the fake created, in creation order."""
    store = fake.state.data["prerecorded"]["jobs"]
    return sorted(store.values(), key=lambda j: j["created"])
