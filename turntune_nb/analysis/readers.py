"""Readers: AssemblyAI transcript JSON, RTTM and plain CSV into `Transcript` objects.

`read_transcripts` picks the reader from the extension, or from the content when
the extension says nothing. Every reader raises `TranscriptFormatError` naming the
file (and the line, for text formats) on malformed input.

Times are validated: non-finite (``Infinity``, ``NaN``, ``1e400``), negative and
out-of-range ones (past `MAX_TIME_MS`) are errors. In the line formats (RTTM, CSV)
a bad line (and a zero-duration segment) is skipped and listed in the transcript's
``notes`` with its line number; the good lines are kept (``strict=True`` raises on
the first bad line instead). `collect_transcripts` turns any failure of one file
into that file's entry in the failed list, so the other files are still read.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, TranscriptFormatError
from . import columns as C
from .model import MAX_TIME_MS, SPEAKERS_FROM_CHANNELS, Transcript, Utterance, Word, check_time_ms
from .sides import channel_index
from .transitions import classify, merge_and_link

__all__ = (
    "TRANSCRIPT_EXTENSIONS",
    "read_assemblyai_json",
    "transcript_from_assemblyai",
    "utterances_from_words",
    "read_rttm",
    "format_rttm",
    "read_csv",
    "read_transcripts",
    "collect_transcripts",
)

#: Extensions recognised as transcript files when a folder is scanned.
TRANSCRIPT_EXTENSIONS = (".json", ".rttm", ".csv")


#: Bad lines listed one by one in a transcript's notes; past this, they are counted.
MAX_LISTED_LINES = 20


def _ms(value, path, what):
    """An AssemblyAI millisecond field as int, or a format error."""
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and math.isnan(value))):
        raise TranscriptFormatError(path, f"{what} must be a number of milliseconds, got {value!r}")
    try:
        check_time_ms(value, what)
    except ValueError as err:
        raise TranscriptFormatError(path, str(err)) from None
    return int(round(value))


def _line_notes(path: Path, bad: list) -> list[str]:
    """``"<file>, line N skipped: reason"`` for the first bad lines, then a count of the rest."""
    notes = [f"{path.name}, line {n} skipped: {reason}" for n, reason in bad[:MAX_LISTED_LINES]]
    if len(bad) > MAX_LISTED_LINES:
        notes.append(f"{path.name}: {len(bad) - MAX_LISTED_LINES} more bad lines skipped")
    return notes


def _no_good_lines(path: Path, bad: list, what: str) -> TranscriptFormatError:
    listed = "; ".join(f"line {n}: {r}" for n, r in bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
    return TranscriptFormatError(path, f"{what} ({listed})" if bad else what, bad[0][0] if bad else None)


def _seconds(text: str, what: str) -> float:
    """An RTTM field in seconds, finite, >= 0 and within `MAX_TIME_MS`; ValueError otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} must be seconds, got {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number of seconds, got {text}")
    if value < 0:
        raise ValueError(f"{what} must be >= 0, got {text}")
    if value * 1000 > MAX_TIME_MS:
        raise ValueError(f"{what} is out of range: {text} s is more than a week")
    return value


def _word(raw, path, where) -> Word:
    if not isinstance(raw, dict):
        raise TranscriptFormatError(path, f"{where}: a word must be an object, got {type(raw).__name__}")
    try:
        return Word(
            str(raw.get("text", "")),
            _ms(raw.get("start"), path, f"{where} start"),
            _ms(raw.get("end"), path, f"{where} end"),
            raw.get("confidence"),
            raw.get("speaker"),
        )
    except ValueError as err:
        if isinstance(err, TranscriptFormatError):
            raise
        raise TranscriptFormatError(path, f"{where}: {err}") from err


def transcript_from_assemblyai(data: dict, name: str, path=None) -> Transcript:
    """Turn a ``GET /v2/transcript/{id}`` response (a dict) into a `Transcript`.

    A multichannel transcript (``multichannel: true``, or ``audio_channels`` over 1:
    each channel transcribed apart, AssemblyAI's channels counted from 1, speakers
    labelled ``1``/``2`` or ``1A``/``2A``) has one speaker per channel, ``ch0``,
    ``ch1``... (as the offline backend names them), each utterance's ``channel``
    counted from 0, and ``speaker_source="channels"``; a channel AssemblyAI diarised
    into several speakers (``1A``, ``1B``) keeps them apart as ``ch0A``, ``ch0B``.

    ``utterances`` may be null (no speaker labels): utterances are then rebuilt
    from the words when they carry speakers (`utterances_from_words`: split where
    another speaker talks between two words of one speaker), and
    otherwise all words form one stream of speaker ``UNKNOWN``. The transcript's
    ``notes`` say which happened.

    Raises
    ------
    TranscriptFormatError
        When the response is not a completed transcript or a field is malformed.
    """
    path = path or name
    try:
        return _speakers_from_channels(data, _from_assemblyai(data, name, path))
    except TranscriptFormatError:
        raise
    except (ValueError, TypeError, OverflowError) as err:  # a field of an unexpected type or size
        raise TranscriptFormatError(path, f"malformed transcript ({err})") from err


def _from_assemblyai(data, name: str, path) -> Transcript:
    if not isinstance(data, dict):
        raise TranscriptFormatError(path, "an AssemblyAI transcript must be a JSON object")
    status = data.get("status", "completed")
    if status != "completed":
        detail = f": {data['error']}" if data.get("error") else ""
        raise TranscriptFormatError(path, f"transcript status is {status!r}, not 'completed'{detail}")
    if "words" not in data and "utterances" not in data:
        raise TranscriptFormatError(path, "no 'words' or 'utterances': not an AssemblyAI transcript")
    duration = data.get("audio_duration")
    duration_ms = None
    if isinstance(duration, (int, float)) and not isinstance(duration, bool) and math.isfinite(duration) \
            and 0 <= duration * 1000 <= MAX_TIME_MS:
        duration_ms = int(round(duration * 1000))
    notes: list[str] = []
    raw_utts = data.get("utterances")
    utterances: list[Utterance] = []
    if raw_utts is not None:
        if not isinstance(raw_utts, list):
            raise TranscriptFormatError(path, "'utterances' must be a list or null")
        for i, ru in enumerate(raw_utts):
            where = f"utterance {i}"
            if not isinstance(ru, dict):
                raise TranscriptFormatError(path, f"{where} must be an object")
            raw_words = ru.get("words") or []
            if not isinstance(raw_words, list):
                raise TranscriptFormatError(path, f"{where}: 'words' must be a list")
            words = tuple(_word(w, path, f"{where} word {j}") for j, w in enumerate(raw_words))
            for j in range(1, len(words)):
                if words[j].start_ms < words[j - 1].start_ms:
                    raise TranscriptFormatError(
                        path, f"{where} word {j} starts at {words[j].start_ms} ms, before the word ahead of it "
                              f"({words[j - 1].start_ms} ms): word times must be in order")
            try:
                utterances.append(
                    Utterance(
                        str(ru.get("speaker") or C.UNKNOWN_SPEAKER),
                        _ms(ru.get("start"), path, f"{where} start"),
                        _ms(ru.get("end"), path, f"{where} end"),
                        str(ru.get("text") or ""),
                        words,
                        ru.get("channel") if isinstance(ru.get("channel"), int) else _int_or_none(ru.get("channel")),
                    )
                )
            except ValueError as err:
                if isinstance(err, TranscriptFormatError):
                    raise
                raise TranscriptFormatError(path, f"{where}: {err}") from err
    else:
        raw_words = data.get("words") or []
        if not isinstance(raw_words, list):
            raise TranscriptFormatError(path, "'words' must be a list")
        words = [_word(w, path, f"word {j}") for j, w in enumerate(raw_words)]
        if not words:
            notes.append("no utterances and no words in the response: nothing to measure")
        elif all(w.speaker for w in words):
            notes.append("utterances were null: rebuilt from each speaker's words, split where another speaker "
                         "talks in the silence between two of them (utterances_from_words)")
            utterances.extend(utterances_from_words(words))
        else:
            notes.append(
                "utterances were null and words carry no speakers (speaker_labels off): "
                "all words form one stream of an unknown speaker, so only pauses can be measured"
            )
            utterances.append(
                Utterance(C.UNKNOWN_SPEAKER, words[0].start_ms, max(w.end_ms for w in words),
                          str(data.get("text") or " ".join(w.text for w in words)), tuple(words))
            )
    zero = [i for i, u in enumerate(utterances) if u.end_ms == u.start_ms and not u.words]
    if zero:
        notes.append(f"{len(zero)} zero-duration utterance(s) skipped (utterance {', '.join(map(str, zero[:10]))})")
        skipped = set(zero)
        utterances = [u for i, u in enumerate(utterances) if i not in skipped]
    return Transcript(name, utterances, source="assemblyai", notes=tuple(notes), duration_ms=duration_ms)


def utterances_from_words(words) -> list[Utterance]:
    """Utterances rebuilt from diarised words, by the rule segments are linked by.

    Each word is a segment of its speaker, linked as
    `turntune_nb.analysis.transitions.merge_and_link` links any segments (a
    speaker's words at most `MERGE_MS` apart merge; each segment's predecessor is
    the earlier-starting one that ends last). A word continues its speaker's
    utterance when its segment is a ``pause`` after that speaker's previous one: no
    other speaker talks past the end of the speaker's words in the silence before it.
    Where another speaker's word lies in that silence (or a backchannel's words lie
    inside someone else's talk), the utterance is split. So the words-only JSON and
    the CSV of the same words (one row per word) give the same pauses and turn ends.

    Parameters
    ----------
    words : sequence of Word
        Every word with a ``speaker``, in any order.

    Returns
    -------
    list of Utterance
        In order of start; each with its words in order.

    Examples
    --------
    B says "mhm" inside the 1000 ms silence between A's two words: A's words are
    two utterances, not one with a pause under B's word.

    >>> ws = [Word("so", 0, 500, speaker="A"), Word("mhm", 800, 1200, speaker="B"),
    ...       Word("yes", 1500, 2000, speaker="A"), Word("and", 2300, 2600, speaker="A")]
    >>> [(u.speaker, u.start_ms, u.end_ms, u.text) for u in utterances_from_words(ws)]
    [('A', 0, 500, 'so'), ('B', 800, 1200, 'mhm'), ('A', 1500, 2600, 'yes and')]
    """
    words = sorted(words, key=lambda w: (w.start_ms, w.end_ms))
    if not words:
        return []
    frame = pd.DataFrame({C.FILE: "", C.SPEAKER: [str(w.speaker) for w in words],
                          C.START_MS: [w.start_ms for w in words], C.END_MS: [w.end_ms for w in words]})
    m = merge_and_link(frame)
    rows, kind = classify(m)
    # a merged segment joins its predecessor's utterance when the link is a pause (the same speaker, nobody between)
    group = np.arange(len(m["start"]))
    pause = rows[kind == C.KINDS.index(C.PAUSE)]
    group[pause] = m["pred"][pause]
    while True:  # follow the links to each chain's first segment (pointer jumping; a predecessor comes first)
        nxt = group[group]
        if (nxt == group).all():
            break
        group = nxt
    word_group = group[m["row_seg"]]
    order = np.argsort(word_group, kind="stable")  # words of one utterance together, in start order
    bounds = np.flatnonzero(np.diff(word_group[order])) + 1
    out = []
    for idx in np.split(order, bounds):
        run = [words[i] for i in idx]
        out.append(Utterance(run[0].speaker, run[0].start_ms, max(x.end_ms for x in run),
                             " ".join(x.text for x in run), tuple(run)))
    return sorted(out, key=lambda u: (u.start_ms, u.end_ms, u.speaker))


def _is_multichannel(data: dict) -> bool:
    channels = data.get("audio_channels")
    return data.get("multichannel") is True or (isinstance(channels, int) and not isinstance(channels, bool)
                                                and channels > 1)


def _wire_channel(utterance: Utterance) -> int | None:
    """AssemblyAI's channel of an utterance (counted from 1): its ``channel`` field, else its label's digits."""
    if utterance.channel is not None:
        return utterance.channel
    digits = utterance.speaker[:len(utterance.speaker) - len(utterance.speaker.lstrip("0123456789"))]
    return int(digits) if digits else None


def _speakers_from_channels(data: dict, transcript: Transcript) -> Transcript:
    """A multichannel transcript's speakers as its channels (see `transcript_from_assemblyai`); others as they are."""
    if not _is_multichannel(data) or not transcript.utterances:
        return transcript
    wire = [_wire_channel(u) for u in transcript.utterances]
    if any(c is None or c < 1 for c in wire):
        return replace(transcript, notes=transcript.notes + (
            "multichannel transcript whose utterances do not all name their channel (counted from 1): "
            "speaker labels kept as AssemblyAI gave them",))
    labels_on: dict[int, set] = defaultdict(set)
    for c, u in zip(wire, transcript.utterances):
        labels_on[c].add(u.speaker)

    def label(c: int, raw: str) -> str:
        if len(labels_on[c]) == 1:
            return f"ch{c - 1}"
        return f"ch{c - 1}{raw.lstrip('0123456789') or raw}"  # 1A, 1B: diarised within the channel

    utterances = []
    for c, u in zip(wire, transcript.utterances):
        speaker = label(c, u.speaker)
        words = tuple(replace(w, speaker=speaker) for w in u.words)
        utterances.append(replace(u, speaker=speaker, words=words, channel=c - 1))
    n = data.get("audio_channels") if isinstance(data.get("audio_channels"), int) else len(labels_on)
    note = (f"speakers from channels (speaker_source={SPEAKERS_FROM_CHANNELS}): AssemblyAI transcribed the "
            f"{n} channels apart (multichannel); ch0 is channel 1, ch1 channel 2, so speaker changes, gaps and "
            "overlaps between them are measured")
    return replace(transcript, utterances=tuple(utterances), notes=transcript.notes + (note,),
                   speaker_source=SPEAKERS_FROM_CHANNELS)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def read_assemblyai_json(path, name: str | None = None) -> Transcript:
    """Read an AssemblyAI transcript JSON file (the real wire shape).

    Examples
    --------
    >>> t = read_assemblyai_json("tests/data/assemblyai/wildfires_speaker_labels_truncated.json")
    >>> len(t.utterances), t.speakers
    (6, ('A', 'B'))
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise TranscriptFormatError(path, f"not valid JSON ({err.msg})", line=err.lineno) from err
    except UnicodeDecodeError as err:
        raise TranscriptFormatError(path, "not UTF-8 text") from err
    except RecursionError:
        raise TranscriptFormatError(path, "JSON nested too deeply to be a transcript") from None
    return transcript_from_assemblyai(data, name or path.name, path)


def read_rttm(path, strict: bool = False) -> list[Transcript]:
    """Read an RTTM file: one `Transcript` per file id, in order of first appearance.

    Lines may come in any order; ``<NA>`` fields are accepted; lines of other types
    than ``SPEAKER`` are ignored. Onsets and durations (seconds) become integer ms.
    The channel column counts from 1; it is stored 0-based, as every channel in the
    package (RTTM channel 1 is ``channel`` 0; `turntune_nb.analysis.sides.channel_index`).
    A bad line (unreadable, negative, non-finite or out-of-range time, zero duration)
    is skipped and listed in the notes of its recording with its line number; with
    `strict`, it raises instead.

    Raises
    ------
    TranscriptFormatError
        When no line is usable (the bad ones listed), or with `strict` at the first bad line.

    Examples
    --------
    >>> [t.name for t in read_rttm("samples/real/sample.rttm")]
    ['sample']
    """
    path = Path(path)
    by_file: dict[str, list[Utterance]] = defaultdict(list)
    bad: list[tuple[int, str, str | None]] = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise TranscriptFormatError(path, "not UTF-8 text") from err
    for lineno, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        try:
            if fields[0] != "SPEAKER":
                if fields[0].isupper() and fields[0].replace("-", "").isalpha():
                    continue  # another RTTM record type (SPKR-INFO, LEXEME, ...)
                raise ValueError(f"expected an RTTM 'SPEAKER' line, got {line.strip()[:60]!r}")
            if len(fields) < 8:
                raise ValueError(f"an RTTM SPEAKER line has at least 8 fields, this one has {len(fields)}")
            onset = _seconds(fields[3], "onset")
            duration = _seconds(fields[4], "duration")
            start = int(round(onset * 1000))
            end = int(round((onset + duration) * 1000))
            if end > MAX_TIME_MS:
                raise ValueError(f"onset + duration is out of range: {onset + duration:.6g} s is more than a week")
            if end == start:
                raise ValueError(f"zero-duration segment (onset {fields[3]} s, duration {fields[4]} s)")
            speaker = fields[7] if fields[7] != "<NA>" else C.UNKNOWN_SPEAKER
            utt = Utterance(speaker, start, end, channel=channel_index(fields[2], one_based=True))
        except ValueError as err:
            if strict:
                raise TranscriptFormatError(path, str(err), lineno) from None
            bad.append((lineno, str(err), fields[1] if len(fields) > 1 else None))
            continue
        by_file[fields[1]].append(utt)
    if not by_file:
        raise _no_good_lines(path, [(n, r) for n, r, _ in bad], "no usable SPEAKER lines")
    notes: dict[str, list] = defaultdict(list)
    first = next(iter(by_file))
    for n, reason, fid in bad:
        notes[fid if fid in by_file else first].append((n, reason))
    return [Transcript(fid, utts, source="rttm", notes=tuple(_line_notes(path, notes.get(fid, []))))
            for fid, utts in by_file.items()]


def format_rttm(transcript: Transcript, file_id: str | None = None) -> str:
    """The utterances of a transcript as RTTM text, the inverse of `read_rttm`.

    One ``SPEAKER`` line per utterance, in start order: onset and duration in
    seconds with millisecond precision, the channel counted from 1 as RTTM counts
    it (an utterance's 0-based ``channel`` plus 1; 1 when unknown), the speaker
    label as the analysis used it. Whitespace in the file id and labels becomes ``_`` (RTTM
    fields are separated by spaces).

    Parameters
    ----------
    transcript : Transcript
    file_id : str, optional
        The RTTM file id; default the transcript's name without its extension.

    Examples
    --------
    >>> t = Transcript("call 1.wav", [Utterance("spk0", 0, 1250), Utterance("spk1", 1400, 2000)])
    >>> print(format_rttm(t), end="")
    SPEAKER call_1 1 0.000 1.250 <NA> <NA> spk0 <NA> <NA>
    SPEAKER call_1 1 1.400 0.600 <NA> <NA> spk1 <NA> <NA>
    >>> print(format_rttm(Transcript("c", [Utterance("ch1", 0, 500, channel=1)])), end="")
    SPEAKER c 2 0.000 0.500 <NA> <NA> ch1 <NA> <NA>
    """
    fid = "_".join((file_id if file_id is not None else Path(transcript.name).stem).split()) or "file"
    lines = [
        f"SPEAKER {fid} {1 if u.channel is None else u.channel + 1} "
        f"{u.start_ms // 1000}.{u.start_ms % 1000:03d} {(u.end_ms - u.start_ms) // 1000}."
        f"{(u.end_ms - u.start_ms) % 1000:03d} <NA> <NA> {'_'.join(u.speaker.split()) or C.UNKNOWN_SPEAKER} <NA> <NA>\n"
        for u in transcript.utterances
    ]
    return "".join(lines)


def read_csv(path, strict: bool = False) -> Transcript:
    """Read a plain CSV of ``start_ms,end_ms,speaker[,text]`` (a header line is optional).

    A bad row (unreadable, negative, non-finite or out-of-range time, end before
    start, zero duration) is skipped and listed in the notes with its line number;
    with `strict`, it raises instead.

    Raises
    ------
    TranscriptFormatError
        When no row is usable (the bad ones listed), or with `strict` at the first bad row.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise TranscriptFormatError(path, "not UTF-8 text") from err
    if "\0" in text:
        raise TranscriptFormatError(path, "binary data, not a CSV of start_ms,end_ms,speaker")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise TranscriptFormatError(path, f"not a readable CSV ({err})") from None
    utts, bad = [], []
    for lineno, row in enumerate(rows, 1):
        if not row or all(not c.strip() for c in row):
            continue
        if lineno == 1 and row[0].strip().lower() in ("start_ms", "start"):
            continue
        try:
            if len(row) < 3:
                raise ValueError(f"expected start_ms,end_ms,speaker[,text], got {len(row)} field(s)")
            try:
                start, end = int(row[0].strip()), int(row[1].strip())
            except ValueError:
                raise ValueError(f"start_ms and end_ms must be whole milliseconds, got {row[0]!r} and {row[1]!r}"
                                 ) from None
            check_time_ms(start, "start_ms")
            check_time_ms(end, "end_ms")
            utt = Utterance(row[2].strip() or C.UNKNOWN_SPEAKER, start, end, ",".join(row[3:]).strip())
            if end == start:
                raise ValueError(f"zero-duration segment ({start} to {end} ms)")
        except ValueError as err:
            if strict:
                raise TranscriptFormatError(path, str(err), lineno) from None
            bad.append((lineno, str(err)))
            continue
        utts.append(utt)
    if not utts:
        raise _no_good_lines(path, bad, "no usable rows")
    return Transcript(path.name, utts, source="csv", notes=tuple(_line_notes(path, bad)))


def _sniff(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(512).lstrip()
    if head.startswith((b"{", b"[")):
        return ".json"
    if head.startswith(b"SPEAKER"):
        return ".rttm"
    return ".csv"


def read_transcripts(path) -> list[Transcript]:
    """Read one transcript file of any supported format.

    Returns a list because an RTTM file may hold several recordings.

    Raises
    ------
    TranscriptFormatError
        When the file is malformed; the message names the file (and line).
    InputError
        When the path does not exist or is not a file.
    """
    given, path = path, Path(path)
    if not path.is_file():
        raise InputError(f"{given}: no such file")
    ext = path.suffix.lower()
    if ext not in TRANSCRIPT_EXTENSIONS:
        ext = _sniff(path)
    if ext == ".json":
        return [read_assemblyai_json(path)]
    if ext == ".rttm":
        return read_rttm(path)
    return [read_csv(path)]


def collect_transcripts(paths) -> tuple[list[Transcript], list[dict]]:
    """Read every transcript under the given files and folders.

    A malformed file is recorded in the second list (``{"filename", "reason"}``)
    and the others are still read.

    Raises
    ------
    InputError
        When a given path does not exist.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            files.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in TRANSCRIPT_EXTENSIONS))
        elif p.is_file():
            files.append(p)
        else:  # named as given: Path("s3://b/x") would read s3:/b/x
            raise InputError(f"{given}: no such file or folder")
    transcripts, failed = [], []
    for f in files:
        try:
            transcripts.extend(read_transcripts(f))
        except TranscriptFormatError as err:
            failed.append({"filename": f.name, "reason": str(err.reason) + (f" (line {err.line})" if err.line else "")})
        except OSError as err:
            failed.append({"filename": f.name, "reason": f"cannot read the file ({err.strerror or err}); "
                                                         "check that it exists and is readable"})
        except MemoryError:
            failed.append({"filename": f.name, "reason": "too large to read into memory"})
        except Exception as err:  # any failure of one file is that file's, never the run's
            failed.append({"filename": f.name, "reason": f"unreadable ({type(err).__name__}: {err})"})
    return transcripts, failed
