"""The events a replay saves: one JSON-lines file per recording and setting.

The first line is a ``ReplayHeader``: the recording, its side, the setting, how the
session ended, and the truth as AssemblyAI-shaped utterances, so that
`turntune_nb.rescore` can score the file again with nothing else at hand. The
following lines are the session's events (``BeginEvent.to_dict()``, ...). The
files hold the transcript: they are written owner-only (0600), fsynced and renamed
into place.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from turntune_nb.analysis.model import Transcript, Utterance
>>> truth = Transcript("call.wav", [Utterance("A", 0, 900, "hello")])
>>> header = {"type": "ReplayHeader", "file": "call.wav", "config": {}, "speakers": ["A"], "audio_ms": 900,
...           "channel": None, "truth": truth_json(truth)}
>>> with tempfile.TemporaryDirectory() as folder:
...     path = write_events(Path(folder) / "0000-call.jsonl", header, [{"type": "Turn"}])
...     oct(path.stat().st_mode & 0o777), read_events(path)[1]
('0o600', [{'type': 'Turn'}])
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .analysis.model import Transcript
from .errors import InputError

__all__ = ("EVENTS_VERSION", "HEADER_FIELDS", "truth_json", "write_events", "read_events")

#: The version of the file's layout, in every header.
EVENTS_VERSION = 1
#: What a header must hold for the file to be scored again.
HEADER_FIELDS = frozenset({"file", "config", "speakers", "truth", "audio_ms", "channel"})


def truth_json(t: Transcript) -> dict:
    """The truth as AssemblyAI-shaped utterances, so that rescoring needs nothing else."""
    return {"utterances": [{"speaker": u.speaker, "start": u.start_ms, "end": u.end_ms, "text": u.text,
                            "channel": u.channel,
                            "words": [{"text": w.text, "start": w.start_ms, "end": w.end_ms} for w in u.words]}
                           for u in t.utterances], "source": t.source}


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_events(path, header: dict, events: list) -> Path:
    """`header` then one line per event, owner-only, fsynced, renamed into place; returns the path."""
    path = Path(path)
    lines = [json.dumps(header, ensure_ascii=False)]
    lines += [json.dumps(e, ensure_ascii=False, default=str) for e in events]
    _write_private(path, "\n".join(lines) + "\n")
    return path


def read_events(path) -> tuple:
    """``(header, events)`` of a saved file.

    Raises
    ------
    InputError
        A line that is not JSON, no ``ReplayHeader`` first, or a header without
        `HEADER_FIELDS`: named with the file and the line.
    """
    path = Path(path)
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
    missing = HEADER_FIELDS - set(records[0])
    if missing:
        raise InputError(f"{path}, line 1: the ReplayHeader lacks {sorted(missing)}; re-run the replay for this file")
    return records[0], records[1:]
