"""The data model: `Word`, `Utterance`, `Transcript`.

Small frozen dataclasses, validated on construction, with DataFrame bridges. Times
are integer milliseconds (``end_ms >= start_ms >= 0``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import columns as C

__all__ = ("Word", "Utterance", "Transcript", "transcripts_to_frame", "words_to_frame", "TERMINAL_PUNCTUATION",
           "MAX_TIME_MS", "check_time_ms",
           "SPEAKER_SOURCES", "SPEAKERS_FROM_CHANNELS", "SPEAKERS_FROM_DIARISATION", "SPEAKERS_UNKNOWN")


#: How a transcript's speakers were found (`Transcript.speaker_source`).
SPEAKERS_FROM_CHANNELS = "channels"
SPEAKERS_FROM_DIARISATION = "diarisation"
SPEAKERS_UNKNOWN = "unknown"
SPEAKER_SOURCES = (SPEAKERS_FROM_CHANNELS, SPEAKERS_FROM_DIARISATION, SPEAKERS_UNKNOWN)

#: Characters that end a sentence for AssemblyAI's punctuation-based endpointing.
TERMINAL_PUNCTUATION = (".", "?", "!")
#: The latest time a recording may hold: one week, in ms (far past any call, far below int64).
MAX_TIME_MS = 7 * 24 * 3600 * 1000


def check_time_ms(value, what: str = "time"):
    """`value` when it is a finite number of milliseconds in ``[0, MAX_TIME_MS]``, else ValueError.

    Examples
    --------
    >>> check_time_ms(1500)
    1500
    >>> check_time_ms(float("inf"), "start")
    Traceback (most recent call last):
    ...
    ValueError: start must be a finite number of milliseconds, got inf
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)):
        raise ValueError(f"{what} must be a number of milliseconds, got {value!r}")
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number of milliseconds, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must be >= 0, got {value!r}")
    if value > MAX_TIME_MS:
        raise ValueError(f"{what} is out of range: {value:.6g} ms is more than a week")
    return value


def _check_times(owner: str, start_ms, end_ms) -> tuple[int, int]:
    """Validate a start/end pair and return them as ints."""
    for name, value in (("start_ms", start_ms), ("end_ms", end_ms)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)):
            raise ValueError(f"{owner}: {name} must be a number of milliseconds, got {value!r}")
        if isinstance(value, (float, np.floating)) and (not math.isfinite(value) or value != int(value)):
            raise ValueError(f"{owner}: {name} must be a whole number of milliseconds (and finite), got {value!r}")
        if value > MAX_TIME_MS:
            raise ValueError(f"{owner}: {name} is out of range: {value:.6g} ms is more than a week")
    start, end = int(start_ms), int(end_ms)
    if start < 0:
        raise ValueError(f"{owner}: start_ms must be >= 0, got {start}")
    if end < start:
        raise ValueError(f"{owner}: end_ms ({end}) must be >= start_ms ({start})")
    return start, end


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word.

    Parameters
    ----------
    text : str
        The word as transcribed, with punctuation (``"inside."``).
    start_ms, end_ms : int
        Where it lies in the audio.
    confidence : float, optional
    speaker : str, optional
        The speaker label, when diarised.
    """

    text: str
    start_ms: int
    end_ms: int
    confidence: float | None = None
    speaker: str | None = None

    def __post_init__(self):
        start, end = _check_times(f"word {self.text!r}", self.start_ms, self.end_ms)
        object.__setattr__(self, "start_ms", start)
        object.__setattr__(self, "end_ms", end)

    @property
    def ends_sentence(self) -> bool:
        """True when the word ends in ``.``, ``?`` or ``!``."""
        return self.text.rstrip().endswith(TERMINAL_PUNCTUATION)


@dataclass(frozen=True, slots=True)
class Utterance:
    """A stretch of one speaker's speech.

    Parameters
    ----------
    speaker : str
        Speaker label (``"A"``, ``"spk00"``, ``"UNKNOWN"``...).
    start_ms, end_ms : int
    text : str
        Empty for sources without text (RTTM, voice activity detection).
    words : tuple of Word
        Empty when word timings are not known.
    channel : int, optional
        The audio channel, when known (two-channel call recordings).
    """

    speaker: str
    start_ms: int
    end_ms: int
    text: str = ""
    words: tuple[Word, ...] = ()
    channel: int | None = None

    def __post_init__(self):
        if not isinstance(self.speaker, str) or not self.speaker:
            raise ValueError(f"utterance at {self.start_ms} ms: speaker must be a non-empty string")
        start, end = _check_times(f"utterance of {self.speaker} at {self.start_ms} ms", self.start_ms, self.end_ms)
        object.__setattr__(self, "start_ms", start)
        object.__setattr__(self, "end_ms", end)
        if not isinstance(self.words, tuple):
            object.__setattr__(self, "words", tuple(self.words))

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True, slots=True)
class Transcript:
    """The utterances of one recording, sorted by start time.

    Parameters
    ----------
    name : str
        The file name (no folder), used as the ``file`` column everywhere.
    utterances : tuple of Utterance
    source : str
        What produced it: ``"assemblyai"``, ``"rttm"``, ``"csv"``, ``"offline-vad"``...
    notes : tuple of str
        What a reader should know, e.g. that speakers were not labelled.
    duration_ms : int, optional
        Length of the audio, when known.
    speaker_source : str, optional
        How the speakers were found: ``"channels"`` (one party per channel),
        ``"diarisation"`` (told apart by their voices), ``"unknown"`` (one
        undivided speaker: speaker changes cannot be counted); None when the
        transcript's own labels are taken as they are (AssemblyAI, RTTM, CSV).
    conditions : dict, optional
        The recording conditions measured by the offline backend (layout, bandwidth_hz,
        speech_level_db, noise_level_db, snr_db); None otherwise.

    Examples
    --------
    >>> t = Transcript("call.wav", [Utterance("A", 0, 900, "Hello."), Utterance("B", 1100, 2000, "Hi.")])
    >>> t.speakers
    ('A', 'B')
    >>> t.to_frame()[["speaker", "start_ms", "end_ms"]].values.tolist()
    [['A', 0, 900], ['B', 1100, 2000]]
    """

    name: str
    utterances: tuple[Utterance, ...] = ()
    source: str = "unknown"
    notes: tuple[str, ...] = ()
    duration_ms: int | None = None
    speaker_source: str | None = None
    conditions: dict | None = field(default=None, compare=False)

    def __post_init__(self):
        if self.speaker_source is not None and self.speaker_source not in SPEAKER_SOURCES:
            raise ValueError(f"{self.name}: speaker_source must be one of {', '.join(SPEAKER_SOURCES)} or None, "
                             f"got {self.speaker_source!r}")
        if not self.name:
            raise ValueError("a transcript needs a name (the file it came from)")
        utts = tuple(self.utterances)
        for u in utts:
            if not isinstance(u, Utterance):
                raise TypeError(f"{self.name}: utterances must be Utterance objects, got {type(u).__name__}")
        utts = tuple(sorted(utts, key=lambda u: (u.start_ms, u.end_ms)))
        object.__setattr__(self, "utterances", utts)
        object.__setattr__(self, "notes", tuple(self.notes))

    def __repr__(self) -> str:
        return (
            f"Transcript({self.name!r}, {len(self.utterances)} utterances, "
            f"speakers={list(self.speakers)}, source={self.source!r})"
        )

    @property
    def speakers(self) -> tuple[str, ...]:
        """Speaker labels in order of first appearance."""
        return tuple(dict.fromkeys(u.speaker for u in self.utterances))

    @property
    def has_words(self) -> bool:
        return any(u.words for u in self.utterances)

    def to_frame(self) -> pd.DataFrame:
        """One row per utterance: file, speaker, start_ms, end_ms, text, channel."""
        u = self.utterances
        return pd.DataFrame(
            {
                C.FILE: pd.Series([self.name] * len(u), dtype="object"),
                C.SPEAKER: pd.Series([x.speaker for x in u], dtype="object"),
                C.START_MS: np.fromiter((x.start_ms for x in u), dtype=np.int64, count=len(u)),
                C.END_MS: np.fromiter((x.end_ms for x in u), dtype=np.int64, count=len(u)),
                C.TEXT: pd.Series([x.text for x in u], dtype="object"),
                C.CHANNEL: pd.array([x.channel for x in u], dtype="Int64"),
            }
        )

    def words_frame(self) -> pd.DataFrame:
        """One row per word: file, utterance (index), speaker, start_ms, end_ms, text."""
        rows = [
            (i, u.speaker, w.start_ms, w.end_ms, w.text)
            for i, u in enumerate(self.utterances)
            for w in u.words
        ]
        frame = pd.DataFrame(rows, columns=[C.UTTERANCE, C.SPEAKER, C.START_MS, C.END_MS, C.TEXT])
        frame.insert(0, C.FILE, self.name)
        return frame.astype({C.UTTERANCE: np.int64, C.START_MS: np.int64, C.END_MS: np.int64})

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, name: str | None = None, source: str = "frame", notes=()) -> Transcript:
        """Build a transcript from an utterance table (columns as `to_frame` writes them).

        Raises
        ------
        ValueError
            When a column is missing or a row has invalid times.
        """
        missing = {C.SPEAKER, C.START_MS, C.END_MS} - set(frame.columns)
        if missing:
            raise ValueError(f"utterance table lacks columns {sorted(missing)}")
        if name is None:
            names = frame[C.FILE].unique() if C.FILE in frame else []
            if len(names) != 1:
                raise ValueError("give name=..., the table does not hold exactly one file")
            name = str(names[0])
        texts = frame[C.TEXT] if C.TEXT in frame else [""] * len(frame)
        channels = frame[C.CHANNEL] if C.CHANNEL in frame else [None] * len(frame)
        utts = [
            Utterance(str(s), int(a), int(b),
                      "" if t is None or t is pd.NA or (isinstance(t, float) and math.isnan(t)) else str(t),
                      channel=None if pd.isna(ch) else int(ch))
            for s, a, b, t, ch in zip(frame[C.SPEAKER], frame[C.START_MS], frame[C.END_MS], texts, channels)
        ]
        return cls(name, utts, source=source, notes=notes)


def transcripts_to_frame(transcripts) -> pd.DataFrame:
    """Concatenate the utterance tables of several transcripts.

    The ``file`` column is categorical in the transcripts' order, so the gap math
    groups by file without re-sorting names; ``speaker`` is categorical too (names
    sorted), so 100,000 files' utterances hold one code per row, not one string.
    """
    transcripts = list(transcripts)
    if not transcripts:
        return Transcript("empty", ()).to_frame().iloc[0:0].assign(
            **{C.FILE: pd.Categorical([], categories=[])}
        )
    # one table built from all utterances at once (not one per file, then concatenated): 100,000 files in seconds
    utts = [(t.name, u) for t in transcripts for u in t.utterances]
    n = len(utts)
    frame = pd.DataFrame(
        {
            C.FILE: pd.Series([name for name, _ in utts], dtype="object"),
            C.SPEAKER: pd.Series([u.speaker for _, u in utts], dtype="object"),
            C.START_MS: np.fromiter((u.start_ms for _, u in utts), dtype=np.int64, count=n),
            C.END_MS: np.fromiter((u.end_ms for _, u in utts), dtype=np.int64, count=n),
            C.TEXT: pd.Series([u.text for _, u in utts], dtype="object"),
            C.CHANNEL: pd.array([u.channel for _, u in utts], dtype="Int64"),
        }
    )
    names = list(dict.fromkeys(t.name for t in transcripts))
    frame[C.FILE] = pd.Categorical(frame[C.FILE], categories=names)
    frame[C.SPEAKER] = frame[C.SPEAKER].astype("category")  # a handful of names over 100,000s of rows
    return frame


def words_to_frame(transcripts) -> pd.DataFrame:
    """Concatenate the word tables of several transcripts.

    The ``utterance`` column is the row position of the word's utterance in
    ``transcripts_to_frame(transcripts)``, so the two tables join on it.
    """
    transcripts = list(transcripts)
    if not transcripts:
        return Transcript("empty").words_frame()
    rows, offset = [], 0
    for t in transcripts:
        rows += [(t.name, offset + i, u.speaker, w.start_ms, w.end_ms, w.text)
                 for i, u in enumerate(t.utterances) for w in u.words]
        offset += len(t.utterances)
    if not rows:
        return pd.concat([transcripts[0].words_frame()], ignore_index=True)
    cols = list(zip(*rows))
    return pd.DataFrame({
        C.FILE: pd.Series(cols[0], dtype="str"),
        C.UTTERANCE: np.asarray(cols[1], dtype=np.int64),
        C.SPEAKER: pd.Series(cols[2], dtype="object"),
        C.START_MS: np.asarray(cols[3], dtype=np.int64),
        C.END_MS: np.asarray(cols[4], dtype=np.int64),
        C.TEXT: pd.Series(cols[5], dtype="object"),
    })
