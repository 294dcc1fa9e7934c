"""The offline backend on any `concurrent.futures.Executor`: a process pool, threads, or a Dask cluster.

`transcribe_with_executor` ships each file as its path or `RemoteFile` reference
(never its audio bytes) to `transcribe_file_offline` on a worker; the worker fetches
a remote object into its own fetch cache (`turntune_nb.remote.fetch`) and returns
the file's `Transcript` (its speech segments). At most `in_flight_limit` tasks are
submitted at a time; the next goes as one finishes. A file that fails is that file's
failure, whatever the worker raised; the progress bar counts completions as they
arrive from the pool or the cluster.

Executors:

- ``"serial"``: in this process, one file after another (the reference);
- ``"thread"`` / ``"process"``: a local `ThreadPoolExecutor` / `ProcessPoolExecutor` (its workers
  started by a "forkserver", not forked from this process and its model runtimes' threads);
- ``"dask"``: a `distributed.LocalCluster` on this machine; ``scheduler="tcp://host:8786"``
  joins a running one (``pip install 'turntune_nb[dask]'``);
- any `concurrent.futures.Executor` object, e.g. a Dask ``Client(...).get_executor()``:
  a worker that dies mid-run has its files rescheduled by Dask and none is lost.

Examples
--------
>>> transcripts, failed = transcribe_with_executor(["samples/synthetic/conv1.wav"], "serial", progress=False)
>>> transcripts[0].name, transcripts[0].speakers, failed
('conv1.wav', ('ch0', 'ch1'), [])
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError, TurnTuneError
from ..files import input_name
from ..remote import RemoteFile, fetch
from .diarize import check_speakers
from .embeddings import VoiceEncoder
from .offline import transcribe_file_offline
from .vad import VADSettings

__all__ = ("transcribe_with_executor", "open_executor", "chunk_size", "in_flight_limit", "EXECUTORS")

log = logging.getLogger(__name__)

EXECUTORS = ("serial", "thread", "process", "dask")


class _SerialExecutor(Executor):
    """Runs each task as it is submitted, in this process: the reference the others are compared with."""

    def submit(self, fn, /, *args, **kwargs):
        fut = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as err:  # the future carries it, as a pool's would
            fut.set_exception(err)
        return fut


@lru_cache(maxsize=1)
def _encoder() -> VoiceEncoder:
    """One voice encoder per worker process (its weights are loaded once, not per file)."""
    return VoiceEncoder()


_local = threading.local()


def _detector_pool(settings: VADSettings) -> list:
    """This thread's speech detectors for `settings`, reused from file to file (a model load costs ~90 ms)."""
    pools = getattr(_local, "pools", None)
    if pools is None:
        pools = _local.pools = {}
    return pools.setdefault(settings, [])


def _transcribe_one(source, settings, speakers, diarise, fetch_dir):
    """The task a worker runs: ``("ok", Transcript)`` or ``("failed", {"filename", "reason", "stage"})``."""
    name = input_name(source)
    try:
        path = fetch(source, fetch_dir) if isinstance(source, RemoteFile) else Path(source)
    except TurnTuneError as err:
        return "failed", {"filename": name, "reason": str(err), "stage": "read"}
    try:
        return "ok", transcribe_file_offline(path, settings, speakers=speakers, diarise=diarise,
                                             encoder=_encoder() if diarise else None,
                                             detectors=_detector_pool(settings))
    except TurnTuneError as err:
        return "failed", {"filename": name, "reason": getattr(err, "reason", None) or str(err), "stage": "decode"}
    except Exception as err:  # anything else is this file's failure, not the run's
        return "failed", {"filename": name, "reason": f"unexpected error: {type(err).__name__}: {err}",
                          "stage": "decode"}


def _transcribe_chunk(sources, settings, speakers, diarise, fetch_dir):
    """One task of several files (fewer round trips to the scheduler): their results, in order."""
    return [_transcribe_one(src, settings, speakers, diarise, fetch_dir) for src in sources]


def chunk_size(n_files: int) -> int:
    """Files per task: 1 up to 63 files, then up to 8 (about 64 tasks), so a task outlasts its overhead.

    Examples
    --------
    >>> chunk_size(10), chunk_size(400), chunk_size(100_000)
    (1, 6, 8)
    """
    return 1 if n_files < 64 else min(8, n_files // 64)


def in_flight_limit(pool, workers: int | None = None) -> int:
    """Tasks to keep submitted at once on `pool`: twice its worker threads (a Dask client's, when it is
    one), at least 4: enough to keep every worker busy, never every task of a million files at once.

    Examples
    --------
    >>> in_flight_limit(None, workers=2), in_flight_limit(None, workers=8)
    (4, 16)
    """
    client = getattr(pool, "_client", None)
    slots = None
    if client is not None:
        try:
            slots = sum(client.nthreads().values()) or None
        except Exception:  # no reachable scheduler: count the workers asked for
            slots = None
    return max(4, 2 * (slots or workers or os.cpu_count() or 1))


def _adopt_environment(env: dict) -> None:
    """In a process-pool worker: take the environment of the process that opened the pool (multiprocessing
    already gives it that process's working directory and ``sys.path``)."""
    os.environ.clear()
    os.environ.update(env)


def open_executor(kind="process", workers: int | None = None, scheduler: str | None = None):
    """An executor and the context that closes it: ``(executor, closer)``; ``closer()`` shuts it down.

    Parameters
    ----------
    kind : {"serial", "thread", "process", "dask"} or Executor
        An `Executor` object is used as it is (and not shut down).
    workers : int, optional
        Workers of a local pool or `LocalCluster`; default the number of CPUs.
    scheduler : str, optional
        ``tcp://host:8786``: join that Dask scheduler instead of starting a cluster.

    Raises
    ------
    ConfigError
        An unknown kind, or Dask missing (naming the extra to install).
    """
    if isinstance(kind, Executor) or (kind is not None and hasattr(kind, "submit") and not isinstance(kind, str)):
        return kind, lambda: None
    if scheduler:
        kind = "dask"
    if kind not in EXECUTORS:
        raise ConfigError(f"executor must be one of {', '.join(EXECUTORS)} or a concurrent.futures.Executor, "
                          f"got {kind!r}")
    n = workers or os.cpu_count() or 1
    if kind == "serial":
        return _SerialExecutor(), lambda: None
    if kind == "thread":
        pool = ThreadPoolExecutor(n, thread_name_prefix="turntune-offline")
        return pool, lambda: pool.shutdown(wait=True, cancel_futures=True)
    if kind == "process":
        # workers start from a fresh server process, not as forks of this one: a fork copies the thread pools
        # of the model runtimes (onnxruntime, BLAS) mid-lock, and a CI run hung 11 minutes with both forked
        # workers waiting on such a lock (Python 3.14 makes "forkserver" the default on Linux for this reason)
        # workers forked from the server would see the environment it started with: each takes this one's
        # (credentials and settings set since, e.g. in a notebook, reach them as they did with fork)
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("forkserver"),
                                   initializer=_adopt_environment, initargs=(dict(os.environ),))
        return pool, lambda: pool.shutdown(wait=True, cancel_futures=True)
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise ConfigError("the dask executor needs Dask: pip install 'turntune_nb[dask]'") from err
    stack = ExitStack()
    if scheduler:
        client = stack.enter_context(Client(scheduler))
    else:
        import dask

        # one thread per worker process (the work holds the GIL); no statistical profiler in the workers:
        # it samples every thread every 10 ms and cost ~20% more CPU per file (benchmarks/scale_out.py)
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = stack.enter_context(LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                       dashboard_address=":0"))
        client = stack.enter_context(Client(cluster))
    return client.get_executor(pure=False), stack.close


def transcribe_with_executor(sources, executor="process", *, progress: bool = True, workers: int | None = None,
                             scheduler: str | None = None, settings=None, speakers: int | None = None,
                             diarise: bool = True, fetch_dir=None, chunk: int | None = None, **vad_settings):
    """`transcribe_offline` on an executor: each file a task, shipped as a path or `RemoteFile`.

    Parameters
    ----------
    sources : list of path or RemoteFile
    executor : str or concurrent.futures.Executor
        See `open_executor`; a Dask ``client.get_executor()`` works as any other.
    progress : bool
        A tqdm bar counting completions.
    workers, scheduler
        See `open_executor`.
    settings, speakers, diarise, **vad_settings
        As `transcribe_offline`.
    fetch_dir : path, optional
        Where workers keep fetched remote objects; default `turntune_nb.remote.default_fetch_dir`.
    chunk : int, optional
        Files per task; default `chunk_size` (1 for a few files, up to 8 for many).

    Returns
    -------
    transcripts : list of Transcript
        In the order given (whatever order they finished in).
    failed : list of dict
        ``{"filename", "reason", "stage"}`` per file that failed; the others finish.
    """
    from tqdm.auto import tqdm

    if settings is not None and vad_settings:
        raise ConfigError("give either settings=VADSettings(...) or individual VAD settings, not both")
    try:
        settings = settings or VADSettings(**vad_settings)
    except TypeError as err:
        raise ConfigError(f"unknown offline backend setting: {err}; see turntune_nb.audio.vad.VADSettings") from err
    speakers = check_speakers(speakers)  # before any file is shipped
    sources = list(sources)
    pool, close = open_executor(executor, workers, scheduler)
    results: dict[int, tuple] = {}
    size = chunk if chunk is not None else chunk_size(len(sources))
    starts = iter(range(0, len(sources), size))
    in_flight = in_flight_limit(pool, workers)
    try:
        futures: dict = {}
        with tqdm(total=len(sources), desc="offline VAD", unit="file", disable=not progress) as bar:
            while True:
                for first in starts:  # at most `in_flight` tasks submitted and not done (not 125,000 at once)
                    futures[pool.submit(_transcribe_chunk, sources[first:first + size], settings, speakers, diarise,
                                        fetch_dir)] = first
                    if len(futures) >= in_flight:
                        break
                if not futures:
                    break
                fut = next(as_completed(futures))
                first = futures.pop(fut)
                part = sources[first:first + size]
                try:
                    done = fut.result()
                except Exception as err:  # the worker (or the pool) died: these files' failure
                    done = [("failed", {"filename": input_name(src), "stage": "decode",
                                        "reason": f"the worker running it failed ({type(err).__name__}: {err})"})
                            for src in part]
                for k, outcome in enumerate(done):
                    results[first + k] = outcome
                bar.update(len(part))
    finally:
        close()
    transcripts = [results[i][1] for i in range(len(sources)) if results[i][0] == "ok"]
    failed = [results[i][1] for i in range(len(sources)) if results[i][0] != "ok"]
    for f in failed:
        log.warning("%s: %s", f["filename"], f["reason"], extra={"failed_file": f["filename"]})
    return transcripts, failed
