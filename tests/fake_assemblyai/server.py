"""The fake server's process plumbing: an aiohttp application served from a
background thread (its own event loop) on 127.0.0.1 with a random port.

The protocol lives in sibling modules, each exposing ``register(app, fake)``:
``prerecorded`` (``/v2/upload``, ``/v2/transcript``), ``streaming`` (``/v3/ws``) and
``tokens`` (``/v3/token``).
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

PROTOCOL_MODULES = ("prerecorded", "streaming", "tokens")


@dataclass
class FakeState:
    """What the fake has seen and what it is told to do. Tests read and set it."""

    counts: Counter = field(default_factory=Counter)  # requests per endpoint name
    requests: list = field(default_factory=list)  # (method, path, headers dict) in order
    faults: dict = field(default_factory=dict)  # set per test by the protocol modules' helpers
    data: dict = field(default_factory=dict)  # per-module storage (uploads, jobs, sessions)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeAssemblyAI:
    """Serve the fake on ``127.0.0.1:port`` (0 = a free port) until `stop`.

    Parameters
    ----------
    api_key : str
        The only key accepted; anything else gets AssemblyAI's 401 / 1008.
    port : int
    **options
        Read by the protocol modules (e.g. ``processing_time`` in seconds).
    """

    def __init__(self, api_key: str = "test-key", port: int = 0, **options):
        self.api_key = api_key
        self.port = port
        self.options = options
        self.state = FakeState()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.app = web.Application(client_max_size=2**31)
        for name in PROTOCOL_MODULES:
            try:
                module = importlib.import_module(f"{__package__}.{name}")
            except ModuleNotFoundError as err:
                if err.name != f"{__package__}.{name}":
                    raise
                continue
            module.register(self.app, self)

    # ------------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        """Base URL of the pre-recorded API (``ASSEMBLYAI_BASE_URL``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """The streaming endpoint (``ASSEMBLYAI_STREAMING_URL``)."""
        return f"ws://127.0.0.1:{self.port}/v3/ws"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "FakeAssemblyAI":
        self._thread = threading.Thread(target=self._serve, name="fake-assemblyai", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake AssemblyAI server did not start within 10 s")
        if self._error:
            raise RuntimeError(f"fake AssemblyAI server failed to start: {self._error}") from self._error
        return self

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            self._runner = web.AppRunner(self.app, handle_signals=False, shutdown_timeout=1.0)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
        except BaseException as err:  # reported by start()
            self._error = err
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def call(self, coro, timeout: float = 10):
        """Run a coroutine on the server's loop from a test thread."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        if self._loop and self._thread and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> "FakeAssemblyAI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
