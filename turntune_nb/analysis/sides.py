"""Tune for one side: restrict the pause and turn-end tables to chosen speakers or channels.

A voice agent's endpointer listens to one side of a call (the caller). A turn end
belongs to the speaker whose turn ends. Which holds belong to a side is `HOLDS`:

* ``"own"`` (the default): the side's **own silences**, the pauses of the pausing
  speaker (``speaker``). An endpointer on the caller's channel hears the caller
  only: a pause inside the agent's backchannel, while the caller talks throughout,
  is no silence it can end a turn on, and the caller's own pause inside the caller's
  backchannel is one.
* ``"floor"``: the **floor holder's** (``floor_speaker``: the pausing speaker, or for
  a pause inside a backchannel the speaker whose talk contains it), the rule before
  `HOLDS` existed, for a diarised mono stream where one endpointer hears everyone.

A side is chosen by

* speaker labels (``"A"``, ``"spk_0"``, ``"ch0"``...);
* audio channels, **0-based** everywhere (``0`` is the first; `channel_index`):
  the speakers whose utterances lie on them. RTTM's channel column counts from 1
  (`turntune_nb.analysis.readers.read_rttm` stores RTTM channel 1 as 0); the offline
  backend names a two-channel file's speakers ``ch0``/``ch1`` and AssemblyAI's
  multichannel transcripts ``1A``/``2A`` (channels 0 and 1), which is used when a
  table has no channel. A channel field that puts every speaker of a file on one
  value (real RTTM files write a constant 1) does not tell the parties apart:
  `speakers_on_channel` refuses it and asks for ``--speaker``;
* role names (``"caller"``, ``"agent"``): a label that is itself a role name
  matches directly; otherwise ``roles`` maps a role to labels or channels, e.g.
  ``{"caller": "A", "agent": "B"}`` or ``{"caller": "ch0"}``.
"""

from __future__ import annotations

import pandas as pd

from ..errors import InputError
from . import columns as C

__all__ = ("HOLDS", "DEFAULT_HOLDS", "select_side", "parse_roles", "describe_side", "channel_index", "label_channel",
           "speakers_on_channel", "separating_channels")

#: Whose silences are a side's holds: its own, or the floor holder's (see the module docstring).
HOLDS = ("own", "floor")
#: The default: an endpointer on one side's channel hears that side's own silences only.
DEFAULT_HOLDS = "own"


def parse_roles(text) -> dict:
    """``"caller=A,agent=B"`` (or a dict) as ``{"caller": ["A"], "agent": ["B"]}``.

    Examples
    --------
    >>> parse_roles("caller=A, agent=B+C")
    {'caller': ['A'], 'agent': ['B', 'C']}
    """
    if text is None:
        return {}
    if isinstance(text, dict):
        return {str(k): [str(v)] if isinstance(v, (str, int)) else [str(x) for x in v] for k, v in text.items()}
    out = {}
    for part in str(text).split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise InputError(f"roles: {part.strip()!r} is not ROLE=LABEL (e.g. caller=A,agent=B)")
        role, labels = part.split("=", 1)
        out[role.strip()] = [x.strip() for x in labels.split("+") if x.strip()]
    return out


def describe_side(speakers=None, channels=None) -> str | None:
    """Words for a selection (None when everything is kept)."""
    parts = []
    if speakers:
        parts.append("speaker " + ", ".join(map(str, speakers)))
    if channels:
        parts.append("channel " + ", ".join(map(str, channels)))
    return " or ".join(parts) or None


def channel_index(value, one_based: bool = False):
    """A channel field as the 0-based audio channel (None when unknown).

    The one conversion of every channel a transcript names: ``one_based`` for RTTM's
    channel column and AssemblyAI's multichannel ``channel`` (1 is the first
    channel), else the value as it is (the offline backend's ``channel``). A label
    ``chN`` (offline) is channel N, a label ``<N><letter>`` (AssemblyAI multichannel,
    ``1A``) channel N - 1.

    Examples
    --------
    >>> channel_index("1", one_based=True), channel_index(0), channel_index("ch1"), channel_index("2A")
    (0, 0, 1, 1)
    >>> channel_index("<NA>", one_based=True) is None, channel_index("0", one_based=True) is None
    (True, True)
    """
    s = str(value).strip()
    if s.startswith("ch") and s[2:].isdigit():
        return int(s[2:])
    if len(s) >= 2 and s[:-1].isdigit() and s[-1].isalpha() and s[-1].isupper():
        return int(s[:-1]) - 1 if int(s[:-1]) >= 1 else None
    try:
        n = int(s)
    except ValueError:
        return None
    if one_based:
        return n - 1 if n >= 1 else None
    return n if n >= 0 else None


def label_channel(label: str):
    """The 0-based channel a speaker label names (``ch0`` -> 0, ``1A`` -> 0), or None (``A``, ``1``)."""
    s = str(label)
    if s.isdigit():
        return None  # a bare number is a speaker label, not a channel
    return channel_index(s)


def _triples(frames) -> list:
    """(file, speaker, 0-based channel) of the tables' rows, once each; a row without a channel
    takes its label's (``ch0``, ``1A``) or None."""
    parts = []
    for frame in frames:
        if not len(frame):
            continue
        parts.append(pd.DataFrame({
            "f": frame[C.FILE].astype(str).to_numpy() if C.FILE in frame else "",
            "s": frame[C.SPEAKER].astype(str).to_numpy(),
            "c": (pd.to_numeric(frame[C.CHANNEL], errors="coerce").to_numpy(float) if C.CHANNEL in frame
                  else float("nan")),
        }))
    if not parts:
        return []
    rows = pd.concat(parts, ignore_index=True).drop_duplicates()
    return [(f, s, int(c) if c == c else label_channel(s)) for f, s, c in rows.itertuples(index=False)]


def speakers_on_channel(triples, channel: int) -> tuple:
    """The speakers on 0-based audio `channel`, from ``(file, speaker, channel)`` triples.

    The one reading of ``--channel`` (`select_side`, and `replay`'s side). A triple
    whose channel is None (not recorded) takes its label's (`label_channel`: ``ch0``,
    ``1A``), else says nothing about channels.

    Raises
    ------
    InputError
        When the channel field does not separate the parties: a file with two or more
        speakers has them all on one channel value (real RTTM files write a constant
        1); the message names ``--speaker`` and lists the speakers. Or when no
        utterance lies on `channel` (the channels there are listed, 0-based).

    Examples
    --------
    >>> speakers_on_channel([("f", "A", 0), ("f", "B", 1)], 1)
    ('B',)
    >>> speakers_on_channel([("f", "A", 0), ("f", "B", 0)], 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    turntune_nb.errors.InputError: channel 1: several speakers (A, B) share one channel value in f, ... --speaker ...
    """
    triples = [(f, s, c if c is not None else label_channel(s)) for f, s, c in triples]
    speakers = sorted({s for _, s, _ in triples})
    per_file: dict = {}
    for f, s, c in triples:
        if c is not None:
            spk, chs = per_file.setdefault(f, (set(), set()))
            spk.add(s)
            chs.add(c)
    collapsed = sorted(f for f, (spk, chs) in per_file.items() if len(spk) > 1 and len(chs) == 1)
    if collapsed:
        shared = sorted(per_file[collapsed[0]][0])
        files = ", ".join(collapsed[:5]) + (f" and {len(collapsed) - 5} more" if len(collapsed) > 5 else "")
        raise InputError(f"channel {channel}: several speakers ({', '.join(shared)}) share one channel value in "
                         f"{files}, so the channel field does not tell the parties apart; name the side with "
                         f"--speaker (speaker= in Python); speakers: {', '.join(speakers)}")
    known = sorted({c for _, _, c in triples if c is not None})
    if channel not in known:
        raise InputError(f"no channel {channel} in these data (channels, 0-based: "
                         f"{', '.join(map(str, known)) or 'none recorded'}); name the side with --speaker "
                         f"(speakers: {', '.join(speakers) or 'none'})")
    return tuple(dict.fromkeys(s for _, s, c in triples if c == channel))


def separating_channels(pauses: pd.DataFrame, turn_ends: pd.DataFrame) -> list:
    """The 0-based channels `select_side` accepts on these tables (empty when the channel
    field does not separate the parties or is not recorded): what a side picker offers."""
    triples = _triples((pauses, turn_ends))
    known = sorted({c for _, _, c in triples if c is not None})
    try:
        return [c for c in known if speakers_on_channel(triples, c)]
    except InputError:
        return []


def select_side(pauses: pd.DataFrame, turn_ends: pd.DataFrame, speakers=None, channels=None, roles=None,
                holds: str = DEFAULT_HOLDS):
    """The rows of both tables that belong to the chosen side.

    Parameters
    ----------
    pauses, turn_ends : DataFrame
        As `turntune_nb.analysis.gaps` makes them.
    speakers : str or list, optional
        Speaker labels or role names.
    channels : int or list, optional
        Audio channels, 0-based (`speakers_on_channel`).
    roles : dict or str, optional
        Role name to labels / channels (`parse_roles`).
    holds : {"own", "floor"}
        Whose pauses are the side's holds (`HOLDS`): the side's own silences (the
        default; the kept pauses' ``floor_speaker`` becomes the pausing speaker, so
        each hold counts in its own speaker's turn), or the floor holder's.

    Returns
    -------
    (pauses, turn_ends, side)
        The restricted tables and a description of the side (None when nothing
        was asked for: the tables are returned as they are); with ``holds="floor"``
        it ends in ", floor holder's pauses".

    Raises
    ------
    InputError
        A name matches no speaker, a channel is asked of a channel field that does
        not separate the parties, or the selection keeps nothing; the message lists
        the speakers and channels the data have.

    Examples
    --------
    >>> p = pd.DataFrame({"file": ["f", "f"], "speaker": ["A", "B"], "pause_ms": [300, 400]})
    >>> t = pd.DataFrame({"file": ["f", "f"], "speaker": ["A", "B"], "end_ms": [1000, 2000]})
    >>> sp, st, side = select_side(p, t, speakers=["caller"], roles="caller=A")
    >>> sp["pause_ms"].tolist(), st["end_ms"].tolist(), side
    ([300], [1000], 'speaker A (caller)')
    """
    if isinstance(speakers, (str, int)):
        speakers = [speakers]
    if isinstance(channels, (str, int)):
        channels = [channels]
    speakers = [str(s) for s in (speakers or [])]
    channels = [int(c) for c in (channels or [])]
    if holds not in HOLDS:
        raise InputError(f"holds must be one of {', '.join(HOLDS)} (the side's own silences, or the floor "
                         f"holder's), got {holds!r}")
    if not speakers and not channels:
        return pauses, turn_ends, None
    roles = parse_roles(roles)
    p_own = pauses[C.SPEAKER].astype(object).astype(str)
    p_floor = pauses[C.FLOOR_SPEAKER] if C.FLOOR_SPEAKER in pauses else pauses[C.SPEAKER]
    p_floor = p_floor.astype(object).where(p_floor.notna(), pauses[C.SPEAKER].astype(object)).astype(str)
    t_spk = turn_ends[C.SPEAKER].astype(object).astype(str)
    known = sorted(set(p_floor) | set(t_spk) | set(p_own))
    triples = _triples((pauses, turn_ends))
    labels, named = set(), []
    for name in speakers:
        if name in known:
            labels.add(name)
            named.append(name)
        elif name in roles:
            for target in roles[name]:
                if target in known:
                    labels.add(target)
                elif target.lstrip("-").isdigit() or label_channel(target) is not None:
                    ch = int(target) if target.lstrip("-").isdigit() else label_channel(target)
                    labels |= set(speakers_on_channel(triples, ch))
                else:
                    raise InputError(f"role {name!r} names {target!r}, which is no speaker of these data "
                                     f"(speakers: {', '.join(known) or 'none'})")
            named.append(f"{'+'.join(roles[name])} ({name})")
        else:
            hint = f"; roles given: {', '.join(roles)}" if roles else (
                "; name a role with a mapping, e.g. --roles caller=A,agent=B" if name.isalpha() else "")
            raise InputError(f"no speaker {name!r} in these data (speakers: {', '.join(known) or 'none'}{hint})")
    for ch in channels:
        labels |= set(speakers_on_channel(triples, ch))
    keep_p = (p_own if holds == "own" else p_floor).isin(labels).to_numpy(bool)
    keep_t = t_spk.isin(labels).to_numpy(bool)
    side = describe_side(named, channels) + (", floor holder's pauses" if holds == "floor" else "")
    if not keep_p.any() and not keep_t.any():
        raise InputError(f"{side}: no pause or turn end belongs to this side (speakers: {', '.join(known)})")
    kept = pauses[keep_p].reset_index(drop=True)
    if holds == "own" and C.FLOOR_SPEAKER in kept:
        kept[C.FLOOR_SPEAKER] = kept[C.SPEAKER]  # each own silence counts in its own speaker's turn
    return kept, turn_ends[keep_t].reset_index(drop=True), side
