"""Room on disk before paying: what a batch run will write, against what its folders hold free.

A run writes each transcript twice (the output folder and the cache), then the
summary and its tables. A disk that fills up half-way leaves jobs paid for and
transcripts that cannot be kept, so `check_space` refuses, before the first upload,
a run whose estimate (`estimate_run_bytes`) does not fit; a write that fails later
stops new payments (``batch.py``).

The estimate, per second of audio, is `TRANSCRIPT_BYTES_PER_S` bytes of AssemblyAI
JSON (words with their times, confidence and speaker, written once in ``words`` and
again in ``utterances``: the shared wildfires transcript with speaker labels is 68,888
bytes for 82.7 s, 833 bytes a second, rounded up). A WAV's seconds come from its
header; any other file's from its size at `LOW_BITRATE_BYTES_PER_S` (32 kbit/s, less
than speech is usually stored at, so its seconds are over-counted, not under); an
input of unknown size (a URL) counts as `UNKNOWN_S` seconds.
"""

from __future__ import annotations

import os
import shutil
import wave
from pathlib import Path

from ..errors import InputError
from ..files import is_url
from ..remote import RemoteFile

__all__ = ("estimate_run_bytes", "check_space", "TRANSCRIPT_BYTES_PER_S", "LOW_BITRATE_BYTES_PER_S", "UNKNOWN_S")

#: Bytes of transcript JSON per second of audio (833 measured, rounded up).
TRANSCRIPT_BYTES_PER_S = 1000
#: The lowest bitrate speech is expected at (32 kbit/s): a non-WAV file's seconds are its size over this.
LOW_BITRATE_BYTES_PER_S = 4000
#: Seconds counted for an input whose size is not known (an http(s) URL): half an hour.
UNKNOWN_S = 1800
#: What is written whatever the inputs: the summary, its tables, the journal's small records.
FIXED_BYTES = 1 << 20


def _seconds(source) -> float:
    """How long `source` plays, by its header (WAV), its size, or `UNKNOWN_S`."""
    if isinstance(source, RemoteFile):
        return source.size / LOW_BITRATE_BYTES_PER_S if source.size is not None else UNKNOWN_S
    if is_url(source):
        return UNKNOWN_S
    path = Path(source)
    if path.suffix.lower() == ".wav":
        try:
            with wave.open(str(path), "rb") as w:
                return w.getnframes() / max(1, w.getframerate())
        except (OSError, EOFError, wave.Error):
            pass  # not a PCM WAV: counted by its size
    try:
        return path.stat().st_size / LOW_BITRATE_BYTES_PER_S
    except OSError:
        return 0.0  # it cannot be read: it is failed, not written


def estimate_run_bytes(sources, copies: int) -> int:
    """Bytes a run over `sources` writes with `copies` copies of each transcript (output folder,
    cache), plus `FIXED_BYTES`.

    Examples
    --------
    >>> estimate_run_bytes(["https://host/a.wav"], copies=2) == 2 * 1800 * 1000 + (1 << 20)
    True
    """
    seconds = sum(_seconds(s) for s in sources)
    return int(copies * seconds * TRANSCRIPT_BYTES_PER_S) + FIXED_BYTES


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_space(needs) -> None:
    """Refuse, before anything is paid, when a folder's disk cannot hold what the run writes there.

    Parameters
    ----------
    needs : iterable of (path, int, str)
        Each folder, the bytes written there and what it is called in a message;
        folders on one disk add up.

    Raises
    ------
    InputError
        Naming the folder, the bytes needed and free, and what to do.
    """
    by_device: dict = {}
    for folder, nbytes, what in needs:
        where = _existing(Path(folder))
        try:
            device = os.stat(where).st_dev
        except OSError:
            continue
        total, _, names = by_device.get(device, (0, where, []))
        by_device[device] = (total + nbytes, where, names + [f"{what} {folder}"])
    for total, where, names in by_device.values():
        try:
            free = shutil.disk_usage(where).free
        except OSError:
            continue
        if free < total:
            raise InputError(f"not enough disk space: this run writes about {_mb(total)} (transcripts, cache, "
                             f"summary) to {' and '.join(names)}, and {_mb(free)} is free there. Free some "
                             "space or choose another folder, then run again. Nothing was uploaded or paid.")


def _mb(nbytes: int) -> str:
    return f"{nbytes / 1e6:.1f} MB"
