"""Replay: measure the real endpointer on your recordings, beside the simulator's prediction.

Each recording (or a seeded sample: `turntune_nb.replay_plan`) is streamed through
the streaming endpointer (`pipeline.open_session`: AssemblyAI, or the offline
endpointer) once per setting, ``concurrency`` sessions at once, starts capped at
``sessions_per_minute`` and a refusal with close code 3009 ("Too many concurrent
sessions") retried with backoff. A two-channel call streams one channel
(``channel=``), scored on that party only. The final turns are aligned with the
holds and turn ends of the recording's transcript (``truth=``, one beside it, or its
offline segmentation) and set beside `Simulator.evaluate` on the same truth, side
and setting, per file and overall, with the gap (`turntune_nb.rescore`).

Real time: ``speed=1`` plays the recording on a monotonic clock, as a caller would
speak it (AssemblyAI refuses faster audio, 3007). A turn's fire time is its
``emitted_at_ms``: where the offline endpointer decided, or, with AssemblyAI, how
far into the recording the message arrived, so measured latency includes the
network, the 50 ms framing and the model's own time. ``max_turn_silence + 500`` ms
of silence follow each recording so that its last turn end is the endpointer's.
The events are saved (`turntune_nb.replay_events`: JSON lines, owner-only, with the
truth; the channel in the file name, so that a call replayed on channel 0 and then
on channel 1 into the same folder keeps both) for `rescore`. Every fire (a final
turn) is classified at a turn end, in a hold or in the speaker's speech
(`turntune_nb.analysis.alignment`); the sessions of two-channel calls are also scored
in TurnBench's terms (`turntune_nb.analysis.turnbench`).

How a replay runs (sample, pace, sessions at once, back-off, the rule and tolerance
it is scored with, where the events go) is one `ReplayOptions`.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from .analysis.metrics import canonical_model
from .analysis.surface import DEFAULT_STREAMING_MODEL
from .assemblyai.streaming import StartLimiter
from .errors import ConfigError, ReplayNotConfirmedError, StreamingClosedError, TurnTuneError
from .files import safe_filename
from .live.sources import SAMPLE_RATE
from .options import is_number, is_whole, options_from_kwargs
from .replay_events import EVENTS_VERSION, truth_json, write_events
from .replay_plan import DEFAULT_CONCURRENCY, TAIL_MS, ReplayItem, ReplayPlan, plan_replay
from .rescore import ReplayResult, rescore, score_records

__all__ = ("replay", "ReplayOptions", "rescore", "plan_replay", "score_records", "ReplayPlan", "ReplayItem",
           "ReplayResult", "DEFAULT_CONCURRENCY", "RETRY_CLOSE_CODES", "TAIL_MS")

log = logging.getLogger(__name__)

#: Close codes that mean "too many sessions now, try again later".
RETRY_CLOSE_CODES = frozenset({3009})


@dataclass(frozen=True)
class ReplayOptions:
    """How a replay runs: which recordings, how fast and how many at once, how it is scored,
    where its events go. Validated once, when made.

    Parameters
    ----------
    sample : int, optional
        Sampling: stream ``sample`` recordings (at least 1) drawn with
        ``random.Random(seed).sample`` from the recordings sorted by path; None
        (default) streams every recording.
    seed : int
        Sampling: the sample's seed (default 0): the same seed gives the same
        recordings in every process.
    speed : float or None
        Pace: 1 = real time (default; AssemblyAI's limit); faster only for the
        offline endpointer or a local fake; None: as fast as it goes (offline).
    concurrency : int
        Sessions at once (default 4).
    sessions_per_minute : int, optional
        Start at most this many sessions in any minute (the account's new-session
        rate), so that 3009 does not happen in the first place.
    retries, backoff_s : int, float
        Back-off: retries of a session refused with 3009 (default 6), waiting
        ``backoff_s * 2**n`` seconds (default 2.0) before the n-th.
    model : {"universal-3-6-pro", "universal-3-5-pro", "universal-streaming", "silence"}
        Scoring: the simulator's rule for the prediction (aliases accepted).
    align_tolerance_ms : int, optional
        Scoring: how far before a reference end a fire still belongs to the silence
        that end opens (`turntune_nb.analysis.alignment`); None (default): from each
        truth's source (`default_tolerance`: 250 ms for word timings and voice
        activity, 550 for segment-level references such as RTTM, whose ends are
        padded).
    events_dir : path, optional
        Output: where the events go (default ``turntune-replay``): one JSON-lines
        file per recording and setting, owner-only.
    progress : callable, optional
        Output: called with a line of text as each session ends.

    Raises
    ------
    ConfigError
        A value out of range, saying which and what it may be.

    Examples
    --------
    >>> ReplayOptions(sample=20, seed=1, concurrency=2).concurrency
    2
    >>> ReplayOptions(concurrency=0)
    Traceback (most recent call last):
    ...
    turntune_nb.errors.ConfigError: ReplayOptions: concurrency must be a whole number >= 1 (sessions at once), got 0
    """

    sample: int | None = None
    seed: int = 0
    speed: float | None = 1.0
    concurrency: int = DEFAULT_CONCURRENCY
    sessions_per_minute: int | None = None
    retries: int = 6
    backoff_s: float = 2.0
    model: str = DEFAULT_STREAMING_MODEL
    align_tolerance_ms: int | None = None
    events_dir: str | os.PathLike | None = None
    progress: Callable[[str], object] | None = None

    def __post_init__(self) -> None:
        checks = (
            ("sample", self.sample is None or is_whole(self.sample, 1),
             "None (every recording) or a whole number >= 1 (recordings in the sample)"),
            ("seed", isinstance(self.seed, int) and not isinstance(self.seed, bool), "a whole number"),
            ("speed", self.speed is None or is_number(self.speed),
             "a number > 0 (1 = real time) or None (unpaced)"),
            ("concurrency", is_whole(self.concurrency, 1), "a whole number >= 1 (sessions at once)"),
            ("sessions_per_minute", self.sessions_per_minute is None or is_whole(self.sessions_per_minute, 1),
             "None (no limit) or a whole number >= 1"),
            ("retries", is_whole(self.retries, 0), "a whole number >= 0"),
            ("backoff_s", is_number(self.backoff_s, allow_zero=True), "a number of seconds >= 0"),
            ("align_tolerance_ms", self.align_tolerance_ms is None or is_whole(self.align_tolerance_ms, 0),
             "None (from the truth's source) or a whole number of milliseconds >= 0"),
            ("events_dir", self.events_dir is None or isinstance(self.events_dir, (str, os.PathLike)),
             "a folder path or None"),
            ("progress", self.progress is None or callable(self.progress), "a function of one line of text, or None"),
        )
        for name, ok, what in checks:
            if not ok:
                raise ConfigError(f"ReplayOptions: {name} must be {what}, got {getattr(self, name)!r}")
        canonical_model(self.model)  # ConfigError naming the models


_OPTION_NAMES = frozenset(f.name for f in fields(ReplayOptions))


# --------------------------------------------------------------------------- streaming
def _pcm(item: ReplayItem, config) -> np.ndarray:
    from .audio.decode import decode_audio

    audio = decode_audio(item.path, SAMPLE_RATE, mono=item.channel is None)
    x = audio.samples[0 if item.channel is None else item.channel]
    tail = np.zeros(SAMPLE_RATE * (config.max_turn_silence + TAIL_MS) // 1000, np.int16)
    return np.concatenate([x, tail])


def _retryable(err) -> bool:
    if not isinstance(err, StreamingClosedError):
        return False
    return err.code in RETRY_CLOSE_CODES or (err.code == 1008 and "too many concurrent" in str(err).lower())


def _stream_one(item, config, offline: bool, speed, stop: threading.Event, options: ReplayOptions,
                session_kwargs: dict, limiter: StartLimiter | None = None) -> dict:
    """Stream one recording with one setting; retry a 3009 refusal with backoff."""
    from .live.session import SessionOptions
    from .pipeline import open_session

    pcm = _pcm(item, config)
    retries, backoff_s = options.retries, options.backoff_s
    paced = {**session_kwargs,
             "options": replace(session_kwargs.get("options") or SessionOptions(), pacing_speed=speed)}
    for attempt in range(retries + 1):
        session = open_session(config, pcm, offline=offline, **paced)
        if limiter is not None and not limiter.wait(stop):
            break
        try:
            session.start()
            while session.wait(0.5, raise_error=False) is None and session.running:
                if stop.is_set():
                    session.stop()
        except TurnTuneError as err:
            if session.running:
                session.stop()
            session.error = session.error or err
        error = session.error
        if error is not None and _retryable(error) and attempt < retries and not stop.is_set():
            delay = backoff_s * 2 ** attempt * (1 + random.random() / 4)
            log.warning("replay: %s refused (%s): retrying in %.1f s", item.name, error, delay)
            if stop.wait(delay):
                break
            continue
        break
    return {"events": [e.to_dict() for e in session.events], "attempts": attempt + 1,
            "end_reason": str(session.end_reason) if session.end_reason else None,
            "error": str(error) if error is not None else None}


def _label(config) -> str:
    return f"{config.min_turn_silence}/{config.max_turn_silence}"


def _header(n: int, item: ReplayItem, config, plan: ReplayPlan, outcome: dict) -> dict:
    return {"type": "ReplayHeader", "version": EVENTS_VERSION, "index": n, "file": item.name,
            "truth_source": item.truth_source, "channel": item.channel, "speakers": list(item.speakers),
            "audio_ms": item.audio_ms, "config": config.to_dict(), "backend": plan.backend, "speed": plan.speed,
            "attempts": outcome["attempts"], "end_reason": outcome["end_reason"], "error": outcome["error"],
            "truth": truth_json(item.truth)}


def replay(paths, configs, *, truth=None, channel: int | None = None, speaker=None, backend: str = "auto",
           yes: bool = False, options: ReplayOptions | None = None, **kwargs) -> ReplayResult:
    """Stream recordings through the streaming endpointer with each setting; measured beside predicted.

    Parameters
    ----------
    paths : path, folder or list of them, or a ReplayPlan
        The recordings (or a plan made by `plan_replay`, streamed as it is).
    configs : StreamingConfig, dict, config JSON path, or a list of them
        The candidate settings; each recording is streamed once per setting
        (ignored with a plan, which holds its own).
    truth : path or list of paths, optional
        Transcript files or folders (AssemblyAI JSON, RTTM, CSV) matched to the
        recordings by name; default a transcript beside each recording, else its
        offline segmentation.
    channel : int, optional
        Stream this channel (0-based) of each recording: the side being tuned.
    speaker : str or list of str, optional
        The truth's speaker(s) of that side (default: the one on ``channel``).
    backend : {"auto", "assemblyai", "offline"}
        AssemblyAI when a key is configured (auto), or the offline endpointer.
    yes : bool
        Stream. Without it nothing is streamed and `ReplayNotConfirmedError` says
        how many hours it would have been.
    options : ReplayOptions, optional
        The sample, pace, sessions at once, back-off, scoring rule and tolerance,
        where the events go (default: ``ReplayOptions()``).
    **kwargs
        For `open_session` (``api_key``, ``url``, ``speech_model``...). The fields of
        `ReplayOptions` given here (``concurrency=2``...) still work, deprecated:
        pass ``options=ReplayOptions(...)``.

    Returns
    -------
    ReplayResult

    Raises
    ------
    ReplayNotConfirmedError
        Without ``yes=True``; nothing was streamed.
    ConfigError
        AssemblyAI asked for faster than real time, or a bad option.
    """
    from .pipeline import resolve_backend

    deprecated = {k: kwargs.pop(k) for k in list(kwargs) if k in _OPTION_NAMES}
    opts = options_from_kwargs(ReplayOptions, options, deprecated, where="replay")
    session_kwargs = kwargs
    chosen = resolve_backend(backend, session_kwargs.get("api_key") or session_kwargs.get("token"))
    plan = paths if isinstance(paths, ReplayPlan) else plan_replay(
        paths, configs, truth=truth, channel=channel, speaker=speaker, sample=opts.sample, seed=opts.seed,
        backend=chosen, speed=opts.speed)
    url = session_kwargs.get("url") or getattr(session_kwargs.get("streaming"), "url", None)
    if plan.backend == "assemblyai" and plan.speed != 1 and not (url or os.environ.get("ASSEMBLYAI_STREAMING_URL")):
        raise ConfigError(f"AssemblyAI refuses audio faster than real time (close code 3007): replay at speed 1, "
                          f"not {plan.speed!r} (faster pacing is for the offline endpointer)")
    if not yes:
        raise ReplayNotConfirmedError(plan.cost_text(opts.concurrency) + " Pass yes=True (turntune replay --yes) to "
                                      "stream.")
    out = Path(opts.events_dir or "turntune-replay")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    records, failed = _stream_plan(plan, opts, session_kwargs, out)
    result = score_records(records, opts.model, opts.align_tolerance_ms)
    result.events_dir, result.failed = out, failed + result.failed
    result.notes = [plan.cost_text(opts.concurrency)] + result.notes
    return result


def _stream_plan(plan: ReplayPlan, opts: ReplayOptions, session_kwargs: dict, out: Path) -> tuple:
    """Every recording x setting of `plan`, ``opts.concurrency`` at a time, each session's events saved
    in `out` as it ends; ``(records, failed)``. An interrupt stops the sessions still running."""
    stop = threading.Event()
    limiter = StartLimiter(opts.sessions_per_minute)
    jobs = [(n, item, config) for n, item in enumerate(plan.items) for config in plan.configs]
    records, failed = [], list(plan.failed)
    with ThreadPoolExecutor(max_workers=opts.concurrency, thread_name_prefix="turntune-replay") as pool:
        futures = {pool.submit(_stream_one, item, config, plan.backend == "offline", plan.speed, stop, opts,
                               session_kwargs, limiter): (n, item, config) for n, item, config in jobs}
        try:
            for future in as_completed(futures):
                n, item, config = futures[future]
                try:
                    outcome = future.result()
                except TurnTuneError as err:
                    outcome = {"events": [], "attempts": 1, "end_reason": None, "error": str(err)}
                header = _header(n, item, config, plan, outcome)
                side = "" if item.channel is None else f"-ch{item.channel}"
                name = (f"{n:04d}-{safe_filename(item.name, 60)}{side}--{config.min_turn_silence}-"
                        f"{config.max_turn_silence}.jsonl")
                write_events(out / name, header, outcome["events"])
                if outcome["error"]:
                    failed.append({"filename": item.name, "reason": outcome["error"], "stage": "stream",
                                   "config": _label(config)})
                else:
                    records.append((header, outcome["events"]))
                if opts.progress:
                    opts.progress(f"{item.name} {_label(config)}: {outcome['end_reason'] or outcome['error']}")
        except BaseException:
            stop.set()
            raise
    return records, failed
