"""What a replay streams: the recordings (or a seeded sample), their truth, the side, the cost.

`plan_replay` finds the recordings, matches each with its truth (a transcript named
after it in ``truth=``, one beside it, or its offline segmentation), checks the side
to stream (``channel=``, ``speaker=``) and, with ``sample=N``, keeps N of them drawn
with ``random.Random(seed).sample`` from the recordings sorted by path (the same N for
the same seed, in every process). Nothing is streamed: the `ReplayPlan` says what
would be, and what that costs (`ReplayPlan.cost_text`), before anything is sent.
`turntune_nb.replay` streams the plan.

Examples
--------
>>> from turntune_nb.analysis.presets import StreamingConfig
>>> plan = plan_replay("samples/synthetic/conv1.wav", StreamingConfig("x", 400, 1000),
...                    truth="samples/synthetic/truth", channel=0)
>>> [(i.name, i.speakers, i.audio_ms) for i in plan.items], plan.sessions
([('conv1.wav', ('A',), 10437)], 1)
"""

from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

from .analysis.model import Transcript
from .analysis.readers import TRANSCRIPT_EXTENSIONS, read_transcripts
from .errors import InputError, TurnTuneError
from .files import AUDIO_EXTENSIONS, collect_inputs, is_url
from .live.session import as_config

__all__ = ("plan_replay", "sample_recordings", "ReplayPlan", "ReplayItem", "DEFAULT_CONCURRENCY", "TAIL_MS")

log = logging.getLogger(__name__)

#: Sessions at once (AssemblyAI: 5 new sessions a minute on free accounts, 100+ paid).
DEFAULT_CONCURRENCY = 4
#: Silence after ``max_turn_silence`` appended to every stream.
TAIL_MS = 500


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
    """The speakers of the side being tuned (empty: everyone); `channel` is 0-based, read as
    `turntune_nb.analysis.sides.speakers_on_channel` reads ``--channel`` everywhere."""
    from .analysis.sides import speakers_on_channel

    speakers = tuple(truth.speakers)
    if speaker is not None:
        wanted = tuple([speaker] if isinstance(speaker, str) else speaker)
        missing = [s for s in wanted if s not in speakers]
        if missing:
            raise InputError(f"speaker {', '.join(missing)} is not in the transcript (it has {', '.join(speakers)})")
        return wanted
    if channel is None:
        return ()
    # utterances carry 0-based channels (readers convert RTTM's 1-based column); labels ch0 / 1A name theirs
    found = speakers_on_channel(dict.fromkeys((truth.name, u.speaker, u.channel) for u in truth.utterances), channel)
    if len(found) != 1:
        raise InputError(f"several speakers ({', '.join(sorted(found))}) of the transcript on channel {channel}: "
                         "name the side with speaker= (--speaker)")
    return found


def plan_replay(paths, configs, *, truth=None, channel: int | None = None, speaker=None, sample: int | None = None,
                seed: int = 0, backend: str = "offline", speed: float | None = 1.0) -> ReplayPlan:
    """Find the recordings, their truth and the side to stream; nothing is streamed.

    Parameters
    ----------
    paths : path, folder or list of them
        The recordings (local files: a URL is listed in ``failed``).
    configs : StreamingConfig, dict, config JSON path, or a list of them
        The settings; each recording is streamed once per setting.
    truth : path or list of paths, optional
        Transcript files or folders (AssemblyAI JSON, RTTM, CSV) matched to the
        recordings by name; default a transcript beside each recording, else its
        offline segmentation.
    channel : int, optional
        Stream this channel (0-based) of each recording: the side being tuned.
    speaker : str or list of str, optional
        The truth's speaker(s) of that side (default: the one on ``channel``).
    sample, seed : int, optional
        Keep ``sample`` recordings, drawn as `sample_recordings` says (seeded).
    backend : {"offline", "assemblyai"}
        Who will stream (for the cost).
    speed : float or None
        The pace the plan will be streamed at (1 = real time; None: unpaced).

    Returns
    -------
    ReplayPlan
        A recording that cannot be decoded, has no such channel or speaker, is
        listed in ``failed`` with the reason; the others go on.

    Raises
    ------
    InputError
        No setting, or no recording left to replay.
    """
    configs = [as_config(c) for c in (configs if isinstance(configs, (list, tuple)) else [configs])]
    if not configs:
        raise InputError("give at least one setting to replay (--config CONFIG.json)")
    inputs, skipped = collect_inputs(paths)
    failed = [s.as_failed() for s in skipped if Path(s.name).suffix.lower() not in TRANSCRIPT_EXTENSIONS + (".md",)]
    local = []
    for i in inputs:
        if is_url(i):
            failed.append({"filename": str(i), "reason": "replay decodes local files: download it first",
                           "stage": "input"})
        else:
            local.append(Path(i))
    total = len(local) if sample is not None and 0 < sample < len(local) else None
    local = sample_recordings(local, sample, seed)
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


def sample_recordings(paths, sample: int | None, seed: int = 0) -> list:
    """`sample` of `paths` drawn with ``random.Random(seed).sample`` from them sorted, in sorted order;
    all of them, sorted, when `sample` is None or not below their number.

    The draw depends on `seed` and the sorted paths only: the same recordings in every
    process and on every run (``turntune replay --sample N --seed S`` states its sample).

    Examples
    --------
    >>> sample_recordings(["c.wav", "a.wav", "b.wav", "d.wav"], 2, seed=1)
    ['b.wav', 'c.wav']
    >>> sample_recordings(["b.wav", "a.wav"], None)
    ['a.wav', 'b.wav']
    """
    ordered = sorted(paths)
    if sample is None or not 0 < sample < len(ordered):
        return ordered
    return sorted(random.Random(seed).sample(ordered, sample))


def _as_list(paths):
    return [paths] if isinstance(paths, (str, Path)) else list(paths)


