"""Listen to it: the holds a setting would cut, and its slowest turn ends, as audio players.

A cut-off rate is a number; hearing the pause at which the agent would have barged in
says what it means on your own calls. `listen_examples` picks a few holds (pauses
inside a turn) that a setting would cut, and the turn ends it would answer latest, and
cuts the few seconds around each out of the recording (decoded offline,
`turntune_nb.audio.decode`: a local file or a local copy of a remote one). `ListenTable`
shows them as a table with an audio player per row (16 kHz mono WAV in the page, as
``IPython.display.Audio`` embeds it: the notebook plays it with no server behind it).

Which holds are cut follows the simulator's pessimistic bound for the model
(`turntune_nb.analysis.simulate`): on a U3 Pro model a hold after a terminal word (or an
unknown one) is cut from ``min_turn_silence``, any other from ``max_turn_silence``; on
Universal-Streaming every hold from ``min_turn_silence`` (its early bound); the
silence-only rule has one threshold, ``max_turn_silence``. A turn end waits
``min_turn_silence`` after a terminal word on U3 Pro, else ``max_turn_silence``.

The clip of a hold runs from `context_ms` before the silence to `context_ms` after the
speech resumes; the clip of a turn end from `context_ms` before it to the moment the
endpointer would fire plus half of `context_ms`. Both are clamped to the recording.
"""

from __future__ import annotations

import base64
import html
import io
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis import columns as C
from ..analysis.metrics import HOLD_MIN_MS, PUNCTUATION, SILENCE, model_rule  # holds as the simulator counts
from ..analysis.surface import DEFAULT_STREAMING_MODEL

__all__ = ("Clip", "ListenTable", "cut_holds", "slowest_turn_ends", "clip_bounds", "wav_bytes", "listen_examples")

SAMPLE_RATE = 16000


def _at_min(terminal: pd.Series, rule: str, for_holds: bool) -> np.ndarray:
    """Which rows are timed from min_turn_silence (True) rather than max_turn_silence."""
    t = terminal.astype("boolean")
    if rule == PUNCTUATION:  # holds: terminal or unknown (pessimistic); turn ends: terminal only
        return t.fillna(for_holds).to_numpy(bool)
    if rule == SILENCE:
        return np.zeros(len(t), bool)  # one threshold: max_turn_silence
    return np.full(len(t), for_holds)  # Universal-Streaming's early bound for holds, the late one for turn ends


def cut_holds(pauses: pd.DataFrame, min_ms: int, max_ms: int, model: str = DEFAULT_STREAMING_MODEL) -> pd.DataFrame:
    """The holds (pauses of >= 100 ms inside a turn) the setting would cut, shortest first.

    Adds ``threshold_ms``: the silence after which the endpointer fires on that hold.

    Examples
    --------
    >>> p = pd.DataFrame({"file": ["a"] * 3, "start_ms": [0, 5000, 9000], "end_ms": [700, 5300, 9900],
    ...                   "pause_ms": [700, 300, 900], "terminal": [True, True, False]})
    >>> cut_holds(p, 500, 1000)[["start_ms", "threshold_ms"]].values.tolist()
    [[0, 500]]
    """
    holds = pauses[pauses[C.PAUSE_MS] >= HOLD_MIN_MS]
    terminal = holds[C.TERMINAL] if C.TERMINAL in holds else pd.Series(pd.NA, index=holds.index)
    threshold = np.where(_at_min(terminal, model_rule(model), True), min_ms, max_ms)
    out = holds.assign(threshold_ms=threshold)
    return out[out[C.PAUSE_MS] >= out["threshold_ms"]].sort_values([C.PAUSE_MS, C.FILE, C.START_MS], kind="stable")


def slowest_turn_ends(turn_ends: pd.DataFrame, min_ms: int, max_ms: int,
                      model: str = DEFAULT_STREAMING_MODEL) -> pd.DataFrame:
    """Turn ends by how long the endpointer waits after them (``wait_ms``), longest first.

    Only turn ends the silence lets it reach (the next speech starts no sooner).
    """
    terminal = turn_ends[C.TERMINAL] if C.TERMINAL in turn_ends else pd.Series(pd.NA, index=turn_ends.index)
    wait = np.where(_at_min(terminal, model_rule(model), False), min_ms, max_ms)
    out = turn_ends.assign(wait_ms=wait)
    silence = out[C.SILENCE_AFTER_MS] if C.SILENCE_AFTER_MS in out else pd.Series(np.nan, index=out.index)
    out = out[silence.isna() | (silence >= out["wait_ms"])]
    return out.sort_values(["wait_ms", C.FILE, C.END_MS], ascending=[False, True, True], kind="stable")


def clip_bounds(start_ms: int, end_ms: int, context_ms: int, n_samples: int | None = None,
                sample_rate: int = SAMPLE_RATE) -> tuple[int, int]:
    """Sample indices ``[first, last)`` of ``start_ms - context_ms .. end_ms + context_ms``, clamped.

    Examples
    --------
    >>> clip_bounds(2000, 2800, 1000)  # 1000 ms * 16 = 16000; 3800 ms * 16 = 60800
    (16000, 60800)
    >>> clip_bounds(300, 900, 1000, n_samples=24000)  # clamped to 0 and to the recording's end
    (0, 24000)
    """
    first = max(0, int(round((start_ms - context_ms) * sample_rate / 1000)))
    last = int(round((end_ms + context_ms) * sample_rate / 1000))
    if n_samples is not None:
        last = min(last, n_samples)
    return first, max(first, last)


def wav_bytes(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """16-bit mono WAV file bytes of int16 `samples`."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return buf.getvalue()


@dataclass(frozen=True)
class Clip:
    """One example: what it is, where, and the WAV bytes of the seconds around it."""

    kind: str  # "cut hold" or "slow turn end"
    file: str
    speaker: str
    at_ms: int  # the silence's start (a hold) or the turn's end
    silence_ms: int  # the hold's length, or the wait before the endpointer fires
    threshold_ms: int
    first_sample: int
    last_sample: int
    wav: bytes = b""

    @property
    def seconds(self) -> float:
        return (self.last_sample - self.first_sample) / SAMPLE_RATE


def _player(wav: bytes) -> str:
    if not wav:
        return "<i>no audio</i>"
    data = base64.b64encode(wav).decode("ascii")
    return f"<audio controls preload='none'><source src='data:audio/wav;base64,{data}' type='audio/wav'></audio>"


def _clock(ms: int) -> str:
    s = int(ms) // 1000
    return f"{s // 60}:{s % 60:02d}.{int(ms) % 1000 // 100}"


@dataclass(frozen=True)
class ListenTable:
    """Examples to listen to, shown as a table with an audio player per row."""

    clips: tuple
    setting: str
    notes: tuple = ()

    def __len__(self) -> int:
        return len(self.clips)

    def __repr__(self) -> str:
        lines = [f"Listen ({self.setting}): {len(self.clips)} examples"]
        lines += [f"  {c.kind}: {c.file} at {_clock(c.at_ms)} ({c.speaker}), {c.silence_ms} ms"
                  f" vs {c.threshold_ms} ms, {c.seconds:.1f} s clip" for c in self.clips]
        return "\n".join(lines + [f"  {n}" for n in self.notes])

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.kind)}</td><td>{html.escape(c.file)}</td><td>{_clock(c.at_ms)}</td>"
            f"<td>{html.escape(c.speaker)}</td><td>{c.silence_ms:,} ms</td><td>{c.threshold_ms:,} ms</td>"
            f"<td>{_player(c.wav)}</td></tr>" for c in self.clips)
        notes = "".join(f"<p style='margin:2px 0'><i>{html.escape(n)}</i></p>" for n in self.notes)
        head = ("<tr><th>example</th><th>file</th><th>at</th><th>speaker</th><th>silence</th>"
                "<th>endpointer fires after</th><th>listen</th></tr>")
        return (f"<div class='turntune-listen'><p style='margin:2px 0'><b>Listen</b> ({html.escape(self.setting)}):"
                f" a cut hold is a pause the agent would barge into; a slow turn end, where it would wait longest."
                f"</p><table>{head}{rows}</table>{notes}</div>")


def _spread(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """`n` rows evenly over `frame`'s order (all when there are fewer)."""
    if len(frame) <= n:
        return frame
    return frame.iloc[np.unique(np.linspace(0, len(frame) - 1, n).round().astype(int))]


def _find_audio(name: str, audio) -> Path | None:
    if isinstance(audio, dict):
        path = audio.get(name)
        return Path(path) if path is not None else None
    if audio is None:
        return None
    folder = Path(audio)
    if (folder / name).is_file():
        return folder / name
    return next((p for p in folder.rglob(name) if p.is_file()), None)


def _cut_file(path: Path, spans: list, sample_rate: int = SAMPLE_RATE) -> list:
    """WAV bytes of each ``(first, last)`` sample span of one file, in one pass over its audio."""
    from ..audio.decode import iter_audio_chunks

    pieces = [[] for _ in spans]
    pos = 0
    stop = max(last for _, last in spans)
    for chunk in iter_audio_chunks(path, chunk_ms=500, sample_rate=sample_rate, mono=True):
        end = pos + len(chunk)
        for i, (first, last) in enumerate(spans):
            if first < end and last > pos:
                pieces[i].append(chunk[max(first - pos, 0):min(last, end) - pos])
        pos = end
        if pos >= stop:
            break
    return [wav_bytes(np.concatenate(p) if p else np.zeros(0, np.int16), sample_rate) for p in pieces]


def listen_examples(result, min_ms: int, max_ms: int, model: str = DEFAULT_STREAMING_MODEL, audio=None,
                    n_holds: int = 4, n_turn_ends: int = 2, context_ms: int = 1500) -> ListenTable:
    """A few holds the setting would cut and its slowest turn ends, with the audio around each.

    Parameters
    ----------
    result : AnalysisResult or loaded summary
        Anything with ``.pauses`` and ``.turn_ends`` (and ``.folder_path`` when `audio` is not given).
    min_ms, max_ms : int
        The setting (``min_turn_silence``, ``max_turn_silence``).
    model : str
    audio : str, Path or dict, optional
        The folder of the recordings (searched by file name), or ``{file name: path}``.
        Default: the analysed folder (``result.folder_path``), when it is local.
    n_holds, n_turn_ends : int
        How many examples of each (cut holds spread from the shortest to the longest).
    context_ms : int
        Audio kept before and after each silence.

    Returns
    -------
    ListenTable
        Shown as a table with an audio player per row; a recording that cannot be
        found is named in its notes (its rows have no player).
    """
    pauses = getattr(result, "pauses", None)
    ends = getattr(result, "turn_ends", None)
    if pauses is None or ends is None:
        raise TypeError(f"listen_examples needs an analysis result with pauses and turn ends, "
                        f"got {type(result).__name__}")
    if audio is None:  # the analysed folder: an AnalysisResult's, or a saved summary's
        audio = getattr(result, "folder_path", None) or (getattr(result, "summary", None) or {}).get("folder_path")
    holds = _spread(cut_holds(pauses, min_ms, max_ms, model), n_holds)
    slow = slowest_turn_ends(ends, min_ms, max_ms, model).head(n_turn_ends)
    rows = []
    for _, r in holds.iterrows():
        rows.append(("cut hold", str(r[C.FILE]), str(r.get(C.SPEAKER, "")), int(r[C.START_MS]),
                     int(r[C.END_MS]), int(r[C.PAUSE_MS]), int(r["threshold_ms"])))
    for _, r in slow.iterrows():
        end, wait = int(r[C.END_MS]), int(r["wait_ms"])
        rows.append(("slow turn end", str(r[C.FILE]), str(r.get(C.SPEAKER, "")), end, end + wait - context_ms // 2,
                     wait, wait))
    notes, clips = [], []
    by_file: dict = {}
    for i, row in enumerate(rows):
        by_file.setdefault(row[1], []).append(i)
    wavs = {}
    for name, idx in by_file.items():
        path = _find_audio(name, audio)
        if path is None:
            notes.append(f"{name}: recording not found (pass audio= the folder holding it)")
            continue
        spans = [clip_bounds(rows[i][3], rows[i][4], context_ms) for i in idx]
        try:
            for i, wav in zip(idx, _cut_file(path, spans)):
                wavs[i] = wav
        except Exception as err:  # shown in the table: a listening aid must never stop the notebook
            notes.append(f"{name}: could not decode ({err})")
    for i, (kind, name, speaker, start, end, silence, threshold) in enumerate(rows):
        first, last = clip_bounds(start, end, context_ms)
        wav = wavs.get(i, b"")
        if wav:  # the clamped end: what the file held
            last = first + (len(wav) - 44) // 2
        clips.append(Clip(kind, name, speaker, start, silence, threshold, first, last, wav))
    if not len(holds):
        notes.append("no pause inside a turn is cut at this setting (none of >= 100 ms lasts as long as the "
                     "endpointer waits): lower the thresholds to hear where cuts would start")
    setting = f"{model}, min_turn_silence={min_ms} ms, max_turn_silence={max_ms} ms"
    return ListenTable(tuple(clips), setting, tuple(notes))
