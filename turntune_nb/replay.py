"""Replay: measure the real endpointer on your recordings, beside the simulator's prediction.

Each recording (or a seeded sample) is streamed through the streaming endpointer
(`pipeline.open_session`: AssemblyAI, or the offline endpointer) once per setting,
``concurrency`` sessions at once, starts capped at ``sessions_per_minute`` and a
refusal with close code 3009 ("Too many concurrent sessions") retried with backoff.
A two-channel call streams one channel (``channel=``), scored on that party only.
The final turns are aligned with the holds and turn ends of the recording's
transcript (``truth=``, one beside it, or its offline segmentation) by
`turntune_nb.analysis.alignment` and set beside `Simulator.evaluate` on the same
truth, side and setting, per file and overall, with the gap.

Real time: ``speed=1`` plays the recording on a monotonic clock, as a caller would
speak it (AssemblyAI refuses faster audio, 3007). A turn's fire time is its
``emitted_at_ms``: where the offline endpointer decided, or, with AssemblyAI, how
far into the recording the message arrived, so measured latency includes the
network, the 50 ms framing and the model's own time. ``max_turn_silence + 500`` ms
of silence follow each recording so that its last turn end is the endpointer's.
The events are saved (JSON lines, owner-only, with the truth) for `rescore`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import columns as C
from .analysis.alignment import (
    ALIGN_TOLERANCE_MS,
    MEASURED_COLUMNS,
    latency_summary,
    measure_fires,
)
from .analysis.gaps import compute_pauses, compute_turn_ends
from .analysis.metrics import canonical_model
from .analysis.model import Transcript, transcripts_to_frame, words_to_frame
from .analysis.readers import (
    TRANSCRIPT_EXTENSIONS,
    read_transcripts,
    transcript_from_assemblyai,
)
from .analysis.simulate import Simulator
from .assemblyai.streaming import StartLimiter
from .errors import (
    ConfigError,
    InputError,
    ReplayNotConfirmedError,
    StreamingClosedError,
    TurnTuneError,
)
from .files import AUDIO_EXTENSIONS, collect_inputs, is_url, safe_filename
from .live.session import as_config
from .live.sources import SAMPLE_RATE

__all__ = ("replay", "rescore", "plan_replay", "score_records", "ReplayPlan", "ReplayItem", "ReplayResult",
           "DEFAULT_CONCURRENCY", "RETRY_CLOSE_CODES", "TAIL_MS")

log = logging.getLogger(__name__)

#: Sessions at once (AssemblyAI: 5 new sessions a minute on free accounts, 100+ paid).
DEFAULT_CONCURRENCY = 4
#: Close codes that mean "too many sessions now, try again later".
RETRY_CLOSE_CODES = frozenset({3009})
#: Silence after ``max_turn_silence`` appended to every stream.
TAIL_MS = 500
_VERSION = 1


# --------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class ReplayItem:
    """One recording to replay: its audio, the truth, the side streamed."""

    name: str
    path: str = field(repr=False)
    truth: Transcript = field(repr=False)
    truth_source: str = ""
    channel: int | None = None
    speakers: tuple = ()
    audio_ms: int = 0


@dataclass
class ReplayPlan:
    """What a replay will stream: recordings x settings, and what that costs."""

    items: list
    configs: list
    failed: list = field(default_factory=list)
    sampled_from: int | None = None
    backend: str = "offline"
    speed: float | None = 1.0

    @property
    def sessions(self) -> int:
        return len(self.items) * len(self.configs)

    @property
    def audio_hours(self) -> float:
        """Audio streamed, trailing silence included, over every setting (hours)."""
        ms = sum((i.audio_ms + c.max_turn_silence + TAIL_MS) for i in self.items for c in self.configs)
        return ms / 3_600_000

    def cost_text(self, concurrency: int = DEFAULT_CONCURRENCY) -> str:
        """What the run will stream, in one paragraph."""
        where = "to AssemblyAI (billed per streamed hour)" if self.backend == "assemblyai" else \
            "through the offline endpointer (no key, no cost)"
        sample = f", a sample of {len(self.items)} of {self.sampled_from}" if self.sampled_from else ""
        longest = max((i.audio_ms for i in self.items), default=0) / 1000
        pace = "in real time" if self.speed == 1 else "unpaced" if not self.speed else f"at {self.speed:g}x real time"
        wall = "" if not self.speed else \
            f"; it will take at least {max(longest, self.audio_hours * 3600 / concurrency) / self.speed / 60:.1f} min"
        return (f"Replay will stream {self.audio_hours:.3f} h of audio {where}: {len(self.items)} recording(s){sample} "
                f"x {len(self.configs)} setting(s) = {self.sessions} session(s), {pace}, {concurrency} at a time "
                f"(the longest recording is {longest:.1f} s{wall}).")

    def __repr__(self) -> str:
        return f"<ReplayPlan {self.cost_text()}>"


def _key(name: str) -> str:
    """A recording's name without transcript or audio extensions, for matching."""
    name = Path(str(name)).name.lower()
    for exts in (TRANSCRIPT_EXTENSIONS, AUDIO_EXTENSIONS):
        stem, ext = os.path.splitext(name)
        if ext in exts:
            name = stem
    return name


def _truth_index(truth) -> dict:
    """``{key: (Transcript, source path)}`` of the transcript files in `truth`."""
    if truth is None:
        return {}
    files = []
    for given in ([truth] if isinstance(truth, (str, Path)) else truth):
        p = Path(given)
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in TRANSCRIPT_EXTENSIONS)
        elif p.is_file():
            files.append(p)
        else:  # named as given: Path("s3://b/t") would read s3:/b/t
            raise InputError(f"{given}: no such transcript file or folder (the truth is read from local files)")
    index = {}
    for f in files:
        try:
            transcripts = read_transcripts(f)
        except TurnTuneError as err:  # a file that is not a transcript: others may be
            log.info("replay: %s is not a transcript: %s", f, err)
            continue
        for t in transcripts:
            index.setdefault(_key(t.name), (t, str(f)))
    return index


def _find_truth(path: Path, index: dict):
    """The truth of one recording: from `index`, a transcript beside it, or its offline segmentation."""
    found = index.get(_key(path.name))
    if found is not None:
        return found
    for cand in sorted({*path.parent.glob(path.stem + ".*"), *path.parent.glob(path.name + ".*")}):
        if cand.suffix.lower() in TRANSCRIPT_EXTENSIONS and cand.is_file():
            beside = _truth_index(cand)  # named after the recording, or the only one in the file
            found = beside.get(_key(path.name)) or (next(iter(beside.values())) if len(beside) == 1 else None)
            if found is not None:
                return found
    from .audio.offline import transcribe_file_offline

    return transcribe_file_offline(path), "offline segmentation (voice activity per channel)"


def _side(truth: Transcript, channel: int | None, speaker) -> tuple:
    """The speakers of the side being tuned (empty: everyone)."""
    speakers = tuple(truth.speakers)
    if speaker is not None:
        wanted = tuple([speaker] if isinstance(speaker, str) else speaker)
        missing = [s for s in wanted if s not in speakers]
        if missing:
            raise InputError(f"speaker {', '.join(missing)} is not in the transcript (it has {', '.join(speakers)})")
        return wanted
    if channel is None:
        return ()
    if f"ch{channel}" in speakers:
        return (f"ch{channel}",)
    on = channel + 1 if truth.source == "rttm" else channel  # RTTM numbers channels from 1
    found = tuple(dict.fromkeys(u.speaker for u in truth.utterances if u.channel == on))
    if len(found) != 1:
        raise InputError(f"{'no speaker' if not found else 'several speakers (' + ', '.join(sorted(found)) + ')'} of the "
                         f"transcript on channel {channel}: name the side with speaker= (--speaker)")
    return found


def plan_replay(paths, configs, *, truth=None, channel: int | None = None, speaker=None, sample: int | None = None,
                seed: int = 0, backend: str = "offline", speed: float | None = 1.0) -> ReplayPlan:
    """Find the recordings, their truth and the side to stream; nothing is streamed.

    Parameters are those of `replay`. A recording that cannot be decoded, has no
    such channel or speaker, is listed in ``failed`` with the reason; the others go on.
    """
    configs = [as_config(c) for c in (configs if isinstance(configs, (list, tuple)) else [configs])]
    if not configs:
        raise InputError("give at least one setting to replay (--config CONFIG.json)")
    inputs, skipped = collect_inputs(paths)
    failed = [s.as_failed() for s in skipped if Path(s.name).suffix.lower() not in TRANSCRIPT_EXTENSIONS + (".md",)]
    local = []
    for i in inputs:
        if is_url(i):
            failed.append({"filename": str(i), "reason": "replay decodes local files: download it first", "stage": "input"})
        else:
            local.append(Path(i))
    local.sort()
    total = None
    if sample is not None and 0 < sample < len(local):
        total = len(local)
        local = sorted(random.Random(seed).sample(local, sample))
    from .audio.decode import decode_audio

    index = _truth_index(truth)
    items, names = [], set()
    for path in local:
        try:
            audio = decode_audio(path, mono=False)
            if channel is not None and not 0 <= channel < audio.channels:
                raise InputError(f"it has {audio.channels} channel(s), no channel {channel}")
            found, source = _find_truth(path, index)
            side = _side(found, channel, speaker)
        except TurnTuneError as err:
            failed.append({"filename": path.name, "reason": str(err), "stage": "read"})
            continue
        name, n = path.name, 2
        while name in names:
            name, n = f"{path.name} ({n})", n + 1
        names.add(name)
        items.append(ReplayItem(name, str(path), replace(found, name=name), source, channel, side, audio.duration_ms))
    if not items:
        detail = "; ".join(f"{f['filename']}: {f['reason']}" for f in failed) or "no audio files"
        raise InputError(f"nothing to replay in {', '.join(map(str, _as_list(paths)))} ({detail})")
    return ReplayPlan(items, configs, failed, total, backend, speed)


def _as_list(paths):
    return [paths] if isinstance(paths, (str, Path)) else list(paths)


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


def _stream_one(item, config, offline: bool, speed, stop: threading.Event, retries: int, backoff_s: float,
                session_kwargs: dict, limiter: StartLimiter | None = None) -> dict:
    """Stream one recording with one setting; retry a 3009 refusal with backoff."""
    from .pipeline import open_session

    pcm = _pcm(item, config)
    for attempt in range(retries + 1):
        session = open_session(config, pcm, offline=offline, pacing_speed=speed, **session_kwargs)
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


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _truth_json(t: Transcript) -> dict:
    """The truth as AssemblyAI-shaped utterances, so that `rescore` needs nothing else."""
    return {"utterances": [{"speaker": u.speaker, "start": u.start_ms, "end": u.end_ms, "text": u.text,
                            "channel": u.channel,
                            "words": [{"text": w.text, "start": w.start_ms, "end": w.end_ms} for w in u.words]}
                           for u in t.utterances], "source": t.source}


def _header(n: int, item: ReplayItem, config, plan: ReplayPlan, outcome: dict) -> dict:
    return {"type": "ReplayHeader", "version": _VERSION, "index": n, "file": item.name, "truth_source": item.truth_source,
            "channel": item.channel, "speakers": list(item.speakers), "audio_ms": item.audio_ms,
            "config": config.to_dict(), "backend": plan.backend, "speed": plan.speed,
            "attempts": outcome["attempts"], "end_reason": outcome["end_reason"], "error": outcome["error"],
            "truth": _truth_json(item.truth)}


def replay(paths, configs, *, truth=None, channel: int | None = None, speaker=None, model: str = "u3-rt-pro",
           sample: int | None = None, seed: int = 0, backend: str = "auto", speed: float | None = 1.0,
           concurrency: int = DEFAULT_CONCURRENCY, events_dir=None, yes: bool = False, retries: int = 6,
           backoff_s: float = 2.0, sessions_per_minute: int | None = None, align_tolerance_ms: int = ALIGN_TOLERANCE_MS,
           progress=None,
           **session_kwargs) -> "ReplayResult":
    """Stream recordings through the streaming endpointer with each setting; measured beside predicted.

    Parameters
    ----------
    paths : path, folder or list of them
        The recordings.
    configs : StreamingConfig, dict, config JSON path, or a list of them
        The candidate settings; each recording is streamed once per setting.
    truth : path or list of paths, optional
        Transcript files or folders (AssemblyAI JSON, RTTM, CSV) matched to the
        recordings by name; default a transcript beside each recording, else its
        offline segmentation.
    channel : int, optional
        Stream this channel (0-based) of each recording: the side being tuned.
    speaker : str or list of str, optional
        The truth's speaker(s) of that side (default: the one on ``channel``).
    model : {"u3-rt-pro", "universal-streaming", "silence"}
        The simulator's rule for the prediction.
    sample, seed : int, optional
        Stream a random sample of ``sample`` recordings (seeded, so it can be repeated).
    backend : {"auto", "assemblyai", "offline"}
        AssemblyAI when a key is configured (auto), or the offline endpointer.
    speed : float or None
        Pacing: 1 = real time (AssemblyAI's limit); faster only for the offline
        endpointer or a local fake.
    concurrency : int
        Sessions at once.
    events_dir : path, optional
        Where the events go (default ``turntune-replay``): one JSON-lines file per
        recording and setting, owner-only.
    yes : bool
        Stream. Without it nothing is streamed and `ReplayNotConfirmedError` says
        how many hours it would have been.
    retries, backoff_s
        Retries of a session refused with 3009, waiting ``backoff_s * 2**n`` s.
    sessions_per_minute : int, optional
        Start at most this many sessions in any minute (the account's new-session
        rate), so that 3009 does not happen in the first place.
    align_tolerance_ms : int
        How far a turn's speech end may lie from the silence it is counted in
        (`turntune_nb.analysis.alignment`); widen it for padded segment ends.
    progress : callable, optional
        Called with a line of text as each session ends.
    **session_kwargs
        For `open_session` (``api_key``, ``url``, ``speech_model``...).

    Returns
    -------
    ReplayResult
    """
    from .pipeline import resolve_backend

    chosen = resolve_backend(backend, session_kwargs.get("api_key") or session_kwargs.get("token"))
    if concurrency < 1:
        raise InputError(f"concurrency must be at least 1, got {concurrency}")
    plan = paths if isinstance(paths, ReplayPlan) else plan_replay(
        paths, configs, truth=truth, channel=channel, speaker=speaker, sample=sample, seed=seed, backend=chosen,
        speed=speed)
    if plan.backend == "assemblyai" and plan.speed != 1 and not (session_kwargs.get("url") or
                                                                 os.environ.get("ASSEMBLYAI_STREAMING_URL")):
        raise ConfigError(f"AssemblyAI refuses audio faster than real time (close code 3007): replay at speed 1, "
                          f"not {plan.speed!r} (faster pacing is for the offline endpointer)")
    if not yes:
        raise ReplayNotConfirmedError(plan.cost_text(concurrency) + " Pass yes=True (turntune replay --yes) to stream.")
    out = Path(events_dir or "turntune-replay")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    stop = threading.Event()
    limiter = StartLimiter(sessions_per_minute)
    jobs = [(n, item, config) for n, item in enumerate(plan.items) for config in plan.configs]
    records, failed = [], list(plan.failed)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="turntune-replay") as pool:
        futures = {pool.submit(_stream_one, item, config, plan.backend == "offline", plan.speed, stop, retries,
                               backoff_s, session_kwargs, limiter): (n, item, config) for n, item, config in jobs}
        try:
            for future in as_completed(futures):
                n, item, config = futures[future]
                try:
                    outcome = future.result()
                except TurnTuneError as err:
                    outcome = {"events": [], "attempts": 1, "end_reason": None, "error": str(err)}
                header = _header(n, item, config, plan, outcome)
                name = f"{n:04d}-{safe_filename(item.name, 60)}--{config.min_turn_silence}-{config.max_turn_silence}.jsonl"
                lines = [json.dumps(header, ensure_ascii=False)]
                lines += [json.dumps(e, ensure_ascii=False, default=str) for e in outcome["events"]]
                _write_private(out / name, "\n".join(lines) + "\n")
                if outcome["error"]:
                    failed.append({"filename": item.name, "reason": outcome["error"], "stage": "stream",
                                   "config": _label(config)})
                else:
                    records.append((header, outcome["events"]))
                if progress:
                    progress(f"{item.name} {_label(config)}: {outcome['end_reason'] or outcome['error']}")
        except BaseException:
            stop.set()
            raise
    result = score_records(records, model, align_tolerance_ms)
    result.events_dir, result.failed = out, failed + result.failed
    result.notes = [plan.cost_text(concurrency)] + result.notes
    return result


# --------------------------------------------------------------------------- scoring
#: Figures shown measured, predicted and as their gap.
COMPARED = ("cutoff_rate", "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "interrupted")
#: Figures whose prediction is a bracket for some rules: ``predicted_<figure>_low`` is its other bound.
BRACKETED = ("cutoff_rate", "latency_mean_ms")


def _label(config) -> str:
    return f"{config.min_turn_silence}/{config.max_turn_silence}"


def _truth_tables(transcripts: list):
    utts = transcripts_to_frame(transcripts)
    words = words_to_frame(transcripts) if any(t.has_words for t in transcripts) else None
    return compute_pauses(utts, words), compute_turn_ends(utts, words)


def _only(frame: pd.DataFrame, sides: dict) -> pd.DataFrame:
    files = frame[C.FILE].astype(object).to_numpy()
    spk = frame[C.SPEAKER].astype(object).to_numpy()
    keep = np.array([not sides.get(f) or s in sides[f] for f, s in zip(files, spk)], bool)
    return frame[keep].reset_index(drop=True)


def score_records(records: list, model: str = "u3-rt-pro", align_tolerance_ms: int = ALIGN_TOLERANCE_MS) -> "ReplayResult":
    """Score saved sessions: ``(header, events)`` pairs as `replay` writes them."""
    model = canonical_model(model)
    by_config: dict = {}
    for header, events in sorted(records, key=lambda r: (r[0].get("index", 0), r[0]["file"])):
        by_config.setdefault((header["config"]["min_turn_silence"], header["config"]["max_turn_silence"]),
                             []).append((header, events))
    file_rows, overall_rows, notes = [], [], []
    for (lo, hi), group in sorted(by_config.items()):
        truths = [transcript_from_assemblyai(h["truth"], h["file"]) for h, _ in group]
        truths = [replace(t, source=h["truth"].get("source", t.source)) for t, (h, _) in zip(truths, group)]
        names = [t.name for t in truths]
        sides = {h["file"]: set(h["speakers"]) for h, _ in group}
        pauses, turn_ends = _truth_tables(truths)
        pauses, turn_ends = _only(pauses, sides), _only(turn_ends, sides)
        fires = pd.DataFrame([{"file": h["file"], "fire_ms": e.get("emitted_at_ms"),
                               "end_ms": np.nan if e.get("end_ms") is None else e["end_ms"]}
                              for h, events in group for e in events
                              if e.get("type") == "Turn" and e.get("end_of_turn") and e.get("emitted_at_ms") is not None],
                             columns=["file", "fire_ms", "end_ms"])
        measured = measure_fires(names, pauses, turn_ends, fires, align_tolerance_ms)
        sim = Simulator(pauses, turn_ends)
        predicted = sim.evaluate((lo, hi), model=model)
        per = predicted.per_file.set_index(C.FILE).reindex(names)
        frame = pd.DataFrame({"file": names, "min_turn_silence": lo, "max_turn_silence": hi,
                              "channel": [h["channel"] for h, _ in group],
                              "speakers": [",".join(h["speakers"]) or "(all)" for h, _ in group],
                              "audio_ms": [h["audio_ms"] for h, _ in group]})
        for k in MEASURED_COLUMNS:
            frame[k] = measured[k]
        for k in COMPARED:
            frame[f"predicted_{k}"] = per[k].to_numpy(float)
            frame[f"gap_{k}"] = frame[k] - frame[f"predicted_{k}"]
        for k in BRACKETED:  # the optimistic bound of a bracket (equal to the headline for exact rules)
            frame[f"predicted_{k}_low"] = per[f"{k}_low"].to_numpy(float)
        file_rows.append(frame)
        holds, cuts = int(measured["holds"].sum()), int(measured["cuts"].sum())
        mean, p50, p90 = latency_summary(measured["latencies"])
        row = {"min_turn_silence": lo, "max_turn_silence": hi, "files": len(names), "holds": holds, "cuts": cuts,
               "cutoff_rate": cuts / holds if holds else math.nan, "turn_ends": int(measured["turn_ends"].sum()),
               "fired": int(measured["fired"].sum()), "missed": int(measured["missed"].sum()),
               "latency_mean_ms": mean, "latency_p50_ms": p50, "latency_p90_ms": p90,
               "interrupted": int(measured["interrupted"].sum()), "other_fires": int(measured["other_fires"].sum())}
        for k in COMPARED:
            row[f"predicted_{k}"] = float(getattr(predicted, k))
            row[f"gap_{k}"] = row[k] - row[f"predicted_{k}"]
        for k in BRACKETED:
            row[f"predicted_{k}_low"] = float(getattr(predicted, f"{k}_low"))
        row["bracket"] = predicted.bracket
        overall_rows.append(row)
        notes += [f"{lo}/{hi}: {n}" for n in predicted.notes]
        notes += [f"{h['file']}: streamed as a mix and scored for every speaker, which a mixed stream cannot "
                  "reproduce (the other party fills the silences); pass channel= to stream one side"
                  for h, _ in group if not h["speakers"] and len({u["speaker"] for u in h["truth"]["utterances"]}) > 1]
    files = pd.concat(file_rows, ignore_index=True) if file_rows else pd.DataFrame()
    return ReplayResult(files, pd.DataFrame(overall_rows), model, None, [], list(dict.fromkeys(notes)))


def _read_events(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    records = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError as err:
            raise InputError(f"{path}, line {lineno}: not JSON ({err.msg}); re-run the replay for this file") from err
    if not records or not isinstance(records[0], dict) or records[0].get("type") != "ReplayHeader":
        raise InputError(f"{path}, line 1: not a replay events file (no ReplayHeader)")
    missing = {"file", "config", "speakers", "truth", "audio_ms", "channel"} - set(records[0])
    if missing:
        raise InputError(f"{path}, line 1: the ReplayHeader lacks {sorted(missing)}; re-run the replay for this file")
    return records[0], records[1:]


def rescore(events_dir, model: str = "u3-rt-pro", align_tolerance_ms: int = ALIGN_TOLERANCE_MS) -> "ReplayResult":
    """Score a saved replay again (another `model`, another alignment tolerance) without streaming.

    Raises
    ------
    InputError
        No events file in `events_dir`. A malformed file is listed in ``failed``
        with its line, and the others are scored.
    """
    folder = Path(events_dir)
    paths = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not paths:
        raise InputError(f"{events_dir}: no replay events (*.jsonl) to rescore: give the folder a replay wrote")
    records, failed = [], []
    for p in paths:
        try:
            header, events = _read_events(p)
        except (InputError, OSError) as err:
            failed.append({"filename": p.name, "reason": str(err), "stage": "read"})
            continue
        if header.get("error"):
            failed.append({"filename": header["file"], "reason": header["error"], "stage": "stream"})
        else:
            records.append((header, events))
    if not records:
        raise InputError(f"{folder}: no usable replay events ({'; '.join(f['reason'] for f in failed)})")
    result = score_records(records, model, align_tolerance_ms)
    result.events_dir, result.failed = folder, failed
    return result


# --------------------------------------------------------------------------- the result
def _ms(v) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.0f} ms"


def _figures(r: dict) -> str:
    rate = "n/a" if r["cutoff_rate"] is None or math.isnan(r["cutoff_rate"]) else f"{r['cutoff_rate']:.1%}"
    pred = r["predicted_cutoff_rate"]
    pred = "n/a" if pred is None or math.isnan(pred) else f"{pred:.1%}"
    return (f"cut-offs {rate} of {r['holds']} holds (predicted {pred}), latency mean {_ms(r['latency_mean_ms'])} "
            f"(predicted {_ms(r['predicted_latency_mean_ms'])}, gap {_ms(r['gap_latency_mean_ms'])}), "
            f"{r['fired']} of {r['turn_ends']} turn ends fired, {r['missed']} missed, {r['other_fires']} other fire(s)")


@dataclass
class ReplayResult:
    """Measured endpointing beside the simulator's prediction, per file and overall.

    ``files``: one row per recording and setting, the measured figures
    (`MEASURED_COLUMNS`), ``predicted_<figure>`` from `Simulator` on the same truth
    and side, and ``gap_<figure>`` = measured - predicted; ``overall``: the same per
    setting over every recording (latencies pooled); ``model``: the simulator's
    rule; ``events_dir``: the saved events (for `rescore`); ``failed``: recordings
    that could not be replayed, with the reason; ``notes``.
    """

    files: pd.DataFrame
    overall: pd.DataFrame
    model: str
    events_dir: Path | None = None
    failed: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def summary_text(self) -> str:
        """Measured, predicted and the gap: per setting overall, then per recording."""
        lines = [f"Replay: measured vs predicted ({self.model} rule)"]
        for r in self.overall.to_dict("records"):
            lines.append(f"  {r['min_turn_silence']}/{r['max_turn_silence']} ms over {r['files']} file(s): "
                         f"{_figures(r)}; p90 {_ms(r['latency_p90_ms'])} (predicted {_ms(r['predicted_latency_p90_ms'])})")
            per = self.files[(self.files["min_turn_silence"] == r["min_turn_silence"])
                             & (self.files["max_turn_silence"] == r["max_turn_silence"])]
            lines += [f"    {f['file']} ({f['speakers']}): {_figures(f)}" for f in per.to_dict("records")]
        lines += [f"  failed: {f['filename']}: {f['reason']}" for f in self.failed]
        lines += [f"  note: {n}" for n in self.notes]
        if self.events_dir is not None:
            lines.append(f"Events saved in {self.events_dir} (turntune replay --rescore {self.events_dir})")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-safe: overall and per-file rows, failures, notes."""
        def clean(rows):
            return [{k: (None if isinstance(v, float) and math.isnan(v) else v.item() if hasattr(v, "item") else v)
                     for k, v in r.items()} for r in rows]

        return {"model": self.model, "overall": clean(self.overall.to_dict("records")),
                "files": clean(self.files.to_dict("records")), "failed": self.failed, "notes": self.notes,
                "events_dir": str(self.events_dir) if self.events_dir else None}

    def __repr__(self) -> str:
        return f"<ReplayResult {len(self.files)} file x setting row(s), {len(self.overall)} setting(s)>"
