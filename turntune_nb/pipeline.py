"""Where a backend is chosen: AssemblyAI when a key is configured, offline otherwise.

- `analyze_folder`: recordings in, `AnalysisResult` out. The one call a notebook or
  the CLI makes for audio: collect the inputs, transcribe them with the chosen
  backend (`turntune_nb.assemblyai` or `turntune_nb.audio`), and hand the
  transcripts (and every file that failed or was skipped, with its reason) to
  `turntune_nb.analysis.results.analyze_transcripts`.
- `open_session`: a live session, AssemblyAI's (`StreamingSession`) or the offline
  endpointer (`OfflineSession`), with the same events either way.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError, InputError
from .files import collect_inputs, is_url
from .options import options_from_kwargs
from .remote import RemoteFile, public_url

if TYPE_CHECKING:
    from .analysis.results import AnalysisResult

__all__ = ("analyze_folder", "open_session", "BACKENDS", "resolve_backend")

BACKENDS = ("auto", "assemblyai", "offline")
#: Options of `analyze_folder` that configure the client rather than the request.
_CLIENT_OPTIONS = ("retries", "backoff_factor", "timeout", "max_retry_after")
_RUN_OPTIONS = ("poll_interval", "job_timeout", "upload_codec", "orphan_grace", "settle_patience", "on_submitted")


def resolve_backend(backend: str = "auto", api_key: str | None = None) -> str:
    """``"assemblyai"`` or ``"offline"``: ``auto`` picks AssemblyAI when a key is configured.

    Examples
    --------
    >>> resolve_backend("offline")
    'offline'
    >>> resolve_backend("auto", api_key="a-key")
    'assemblyai'
    """
    if backend not in BACKENDS:
        raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend != "auto":
        return backend
    key = api_key if api_key is not None else os.environ.get("ASSEMBLYAI_API_KEY", "")
    return "assemblyai" if key.strip() else "offline"


def _folder_label(folder_or_paths) -> str:
    def shown(p) -> str:  # a URL without user information or query (credentials, signatures)
        return public_url(p) if isinstance(p, str) and "://" in p else str(p)

    if isinstance(folder_or_paths, (str, Path)):
        return shown(folder_or_paths)
    items = [shown(p) for p in folder_or_paths]
    return items[0] if len(items) == 1 else ", ".join(items)


def analyze_folder(folder_or_paths, backend: str = "auto", *, api_key: str | None = None,
                   base_url: str | None = None, workers: int = 8, cache_dir=None, out_dir=None,
                   progress: bool = True, vad=None, executor=None, **options) -> AnalysisResult:
    """Transcribe a folder of recordings (or files, URLs, URL lists) and analyse the turn-taking.

    Parameters
    ----------
    folder_or_paths : str, Path or list of them
        A folder of audio files, audio files, http(s) URLs, or ``.txt`` files of URLs.
    backend : {"auto", "assemblyai", "offline"}
        ``auto`` uses AssemblyAI when a key is configured (argument or
        ``ASSEMBLYAI_API_KEY``), else the offline voice-activity backend.
    api_key, base_url : str, optional
        For AssemblyAI; default ``ASSEMBLYAI_API_KEY`` / ``ASSEMBLYAI_BASE_URL``.
    workers : int
        Uploads and submissions at once (AssemblyAI).
    cache_dir : path, optional
        The transcript cache (AssemblyAI); default `default_cache_dir`; ``False``
        turns caching off.
    out_dir : path, optional
        The run's output folder: transcripts go to ``out_dir/transcripts``.
    progress : bool
        Show a progress bar.
    vad : str or VADSettings, optional
        Offline backend: the speech detector (``"silero-lite"``, the default,
        ``"webrtc"``, ``"silero"``; see `turntune_nb.audio.vad`) or all its
        settings as a `VADSettings`. Single settings go in `options`
        (``min_silence_ms=100``...).
    executor : str or concurrent.futures.Executor, optional
        Where the offline backend runs: ``"serial"``, ``"thread"``, ``"process"``,
        ``"dask"`` (a `LocalCluster`), or any `Executor` (a Dask
        ``Client.get_executor()``); ``scheduler="tcp://host:8786"`` joins a Dask
        cluster, ``executor_workers=N`` sizes a local pool. Default: a process pool
        for `PARALLEL_FROM` files or more, else in this process. See
        `turntune_nb.audio.executor`.
    **options
        AssemblyAI request options (``speech_models``, ``language_detection``,
        ``speaker_labels``, ``multichannel``, ...), client options
        (``retries``, ``backoff_factor``, ``timeout``, ``max_retry_after``), run options
        (``poll_interval``, ``job_timeout``, ``on_submitted``), ``upload_codec="flac"``
        (16-bit WAV uploaded as lossless FLAC), ``fetch_dir`` (where remote objects are
        copied when they must be read here or uploaded); for the offline
        backend, its settings.
        ``speakers=N`` says how many people speak in each recording, when known:
        the offline backend splits mono recordings into that many speakers
        (estimated otherwise); AssemblyAI gets it as ``speaker_options`` (min and max
        expected) for mono files; a two-channel file is sent with ``multichannel=true``
        (one party per channel) unless ``multichannel=False``.
        With the offline backend and `out_dir`, what it found is written as one
        RTTM file per recording under ``out_dir/segments`` (files 0600).

    Returns
    -------
    AnalysisResult
        ``backend`` says which backend produced the transcripts; files that failed
        are in ``skipped`` with their reason and the stage (``input``, ``read``,
        ``transcribe``, ``decode``).

    Raises
    ------
    InputError
        Nothing to transcribe (missing folder, no audio in it).
    MissingAPIKeyError, AuthenticationError
        ``backend="assemblyai"`` without a key, or with a refused one.
    """
    chosen = resolve_backend(backend, api_key)
    inputs, skipped = collect_inputs(folder_or_paths)
    failed = [s.as_failed() for s in skipped]
    notes = []
    if chosen == "assemblyai":
        warm_analysis_imports()  # pandas and the analysis load while files upload and jobs run
        from .assemblyai.batch import BatchOptions, transcribe_files
        from .assemblyai.cache import default_cache_dir
        from .assemblyai.client import AssemblyAIClient

        if options.get("speakers") is None:
            options.pop("speakers", None)
        for name in ("scheduler", "executor_workers"):  # the offline backend's
            options.pop(name, None)
        client_opts = {k: options.pop(k) for k in _CLIENT_OPTIONS if k in options}
        run_opts = {k: options.pop(k) for k in _RUN_OPTIONS if k in options}
        if "job_timeout" in run_opts:
            run_opts["timeout"] = run_opts.pop("job_timeout")
        on_submitted, fetch_dir = run_opts.pop("on_submitted", None), options.pop("fetch_dir", None)
        how = BatchOptions(workers=workers, progress=progress, **run_opts)
        if cache_dir is None:
            cache_dir = default_cache_dir()
        elif cache_dir is False:
            cache_dir = None
        with AssemblyAIClient(api_key, base_url, **client_opts) as client:
            batch = transcribe_files(
                inputs, client, options=how, cache_dir=cache_dir, fetch_dir=fetch_dir, on_submitted=on_submitted,
                out_dir=None if out_dir is None else Path(out_dir) / "transcripts", **options,
            )
        transcripts = batch.transcripts
        if batch.uploads.note():
            notes.append(batch.uploads.note())
        failed += batch.failed_records()
        if vad is not None:
            notes.append("vad= applies to the offline backend only: AssemblyAI found the speech here")
        if batch.interrupted:
            notes.append("the run was interrupted: files not transcribed are listed as skipped; "
                         "re-run the same call to finish (submitted jobs are collected, not paid again)")
    else:
        options.pop("upload_codec", None)  # AssemblyAI's: nothing is uploaded offline
        options.pop("multichannel", None)  # AssemblyAI's: the offline backend splits two channels itself
        for name in _CLIENT_OPTIONS:  # the AssemblyAI client's (the CLI always sets max_retry_after): no use offline
            options.pop(name, None)
        urls = [i for i in inputs if is_url(i)]
        files = [i if isinstance(i, RemoteFile) else Path(i) for i in inputs if not is_url(i)]
        failed += [{"filename": u, "reason": "URLs need the AssemblyAI backend (the offline one reads local files)",
                    "stage": "input"} for u in urls]
        if isinstance(vad, str):
            options["detector"] = vad
        elif vad is not None:
            options["settings"] = vad
        transcripts, offline_failed = _run_offline(files, executor, progress, options)
        failed += [dict(f, stage=f.get("stage", "decode")) for f in offline_failed]
        if out_dir is not None and transcripts:
            from .audio.offline import write_segments

            write_segments(transcripts, Path(out_dir) / "segments")
    if not transcripts and not failed:
        raise InputError(f"nothing to analyse in {_folder_label(folder_or_paths)}")
    from .analysis.results import analyze_transcripts_isolated

    result = analyze_transcripts_isolated(transcripts, folder_path=_folder_label(folder_or_paths), failed=failed,
                                          backend=chosen, notes=notes)
    result.interrupted = chosen == "assemblyai" and batch.interrupted
    return result


def warm_analysis_imports() -> threading.Thread:
    """Import the analysis (pandas, the readers, the gap maths) on a daemon thread, and return it.

    The AssemblyAI path needs none of it until its first transcript arrives: imported meanwhile,
    the seconds a job spends at the service pay for it (`benchmarks/batch_vs_sdk.py`). Python's
    import locks make the first user of a module wait for this thread's import to finish; an
    import that fails here fails again, with its traceback, where the module is used.
    """

    def _import() -> None:
        try:
            import turntune_nb.analysis.readers  # noqa: F401
            import turntune_nb.analysis.results  # noqa: F401
        except Exception:  # noqa: BLE001  # said where the module is used
            pass

    thread = threading.Thread(target=_import, name="turntune-warm-imports", daemon=True)
    thread.start()
    return thread


#: The offline backend runs on a process pool from this many files (when no executor is given).
PARALLEL_FROM = 16


def _run_offline(files, executor, progress, options):
    """The offline backend in this process (few local files, no executor), else on an executor."""
    scheduler, workers = options.pop("scheduler", None), options.pop("executor_workers", None)
    fetch_dir = options.pop("fetch_dir", None)
    if not files:
        return [], []
    remote = any(isinstance(f, RemoteFile) for f in files)
    if executor is None and scheduler is None and not remote and len(files) < PARALLEL_FROM:
        from .audio.offline import transcribe_offline

        return transcribe_offline(files, progress=progress, **options)
    from .audio.executor import transcribe_with_executor

    if executor is None and scheduler is None:
        executor = "process" if len(files) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 else "serial"
    return transcribe_with_executor(files, executor, progress=progress, workers=workers, scheduler=scheduler,
                                    fetch_dir=fetch_dir, **options)


def open_session(config, source, offline: bool | None = None, **kwargs):
    """A live session: AssemblyAI's when a key is configured, the offline one otherwise.

    Parameters
    ----------
    config, source
        As `StreamingSession`.
    offline : bool, optional
        True forces the offline endpointer, False the API (which then needs a key);
        None picks the API when ``api_key``/``token`` is given or
        ``ASSEMBLYAI_API_KEY`` is set.
    **kwargs
        Passed on: ``options=SessionOptions(...)`` and the callbacks (``on_turn``,
        ``on_warning``...) to either; the API-only ones (``api_key``, ``token``,
        ``streaming=StreamingOptions(...)``: with no ``speech_model`` there or in the
        config, AssemblyAI's default, ``universal-3-6-pro``)
        are dropped for the offline session, and the offline-only ``parties`` /
        ``vad_settings`` for AssemblyAI's. The options' fields one by one
        (``pacing_speed=``, ``url=``...) still work, with a `DeprecationWarning`.

    Returns
    -------
    StreamingSession or OfflineSession
        Not started.
    """
    from .live.session import SESSION_FIELDS, SessionOptions

    moved = {k: kwargs.pop(k) for k in SESSION_FIELDS if k in kwargs}
    if moved:  # the deprecated spelling, warned about here: the caller's code is what to change
        kwargs["options"] = options_from_kwargs(SessionOptions, kwargs.get("options"), moved, where="open_session")
    if offline is None:
        offline = resolve_backend("auto", kwargs.get("api_key") or kwargs.get("token")) == "offline"
    if offline:
        from .live.endpointer import API_ONLY_OPTIONS, OfflineSession

        return OfflineSession(config, source, **{k: v for k, v in kwargs.items() if k not in API_ONLY_OPTIONS})
    from .assemblyai.streaming import StreamingSession
    from .assemblyai.streaming_options import STREAMING_FIELDS, StreamingOptions

    moved = {k: kwargs.pop(k) for k in STREAMING_FIELDS if k in kwargs}
    if moved:
        kwargs["streaming"] = options_from_kwargs(StreamingOptions, kwargs.get("streaming"), moved,
                                                  where="open_session", param="streaming")
    kwargs.pop("vad_settings", None)
    kwargs.pop("parties", None)  # the offline endpointer's; AssemblyAI streams one channel
    return StreamingSession(config, source, **kwargs)
