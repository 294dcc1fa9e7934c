"""Tune for one side: restrict the pause and turn-end tables to chosen speakers or channels.

A voice agent's endpointer listens to one side of a call (the caller). Holds and
turn ends belong to the speaker **holding the floor**: a turn end to the speaker
whose turn ends, a hold to its ``floor_speaker`` (the pausing speaker, or for a
pause inside a backchannel the speaker whose talk contains it). A side is chosen
by

* speaker labels (``"A"``, ``"spk_0"``, ``"ch0"``...);
* audio channels (``0``, ``1``): the speakers whose utterances lie on them (the
  offline backend names a two-channel file's speakers ``ch0``/``ch1``, which is
  used when a table has no channel column);
* role names (``"caller"``, ``"agent"``): a label that is itself a role name
  matches directly; otherwise ``roles`` maps a role to labels or channels, e.g.
  ``{"caller": "A", "agent": "B"}`` or ``{"caller": "ch0"}``.
"""

from __future__ import annotations

import pandas as pd

from ..errors import InputError
from . import columns as C

__all__ = ("select_side", "parse_roles", "describe_side")


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


def _channel_of(label: str):
    s = str(label)
    return int(s[2:]) if s.startswith("ch") and s[2:].isdigit() else None


def select_side(pauses: pd.DataFrame, turn_ends: pd.DataFrame, speakers=None, channels=None, roles=None):
    """The rows of both tables that belong to the chosen side.

    Parameters
    ----------
    pauses, turn_ends : DataFrame
        As `turntune_nb.analysis.gaps` makes them.
    speakers : str or list, optional
        Speaker labels or role names.
    channels : int or list, optional
        Audio channels.
    roles : dict or str, optional
        Role name to labels / channels (`parse_roles`).

    Returns
    -------
    (pauses, turn_ends, side)
        The restricted tables and a description of the side (None when nothing
        was asked for: the tables are returned as they are).

    Raises
    ------
    InputError
        A name matches no speaker, or the selection keeps nothing; the message
        lists the speakers and channels the data have.

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
    if not speakers and not channels:
        return pauses, turn_ends, None
    roles = parse_roles(roles)
    p_floor = pauses[C.FLOOR_SPEAKER] if C.FLOOR_SPEAKER in pauses else pauses[C.SPEAKER]
    p_floor = p_floor.astype(object).where(p_floor.notna(), pauses[C.SPEAKER].astype(object)).astype(str)
    t_spk = turn_ends[C.SPEAKER].astype(object).astype(str)
    known = sorted(set(p_floor) | set(t_spk) | set(pauses[C.SPEAKER].astype(object).astype(str)))
    # which (speaker, channel) pairs the data name
    pairs = []
    for frame in (pauses, turn_ends):
        if C.CHANNEL in frame and len(frame):
            ch = pd.to_numeric(frame[C.CHANNEL], errors="coerce")
            ok = ch.notna().to_numpy()
            pairs += list(zip(frame[C.SPEAKER].astype(str).to_numpy()[ok], ch.to_numpy()[ok].astype(int)))
    pairs += [(k, _channel_of(k)) for k in known if _channel_of(k) is not None]
    known_channels = sorted({c for _, c in pairs})
    labels, named = set(), []
    for name in speakers:
        if name in known:
            labels.add(name)
            named.append(name)
        elif name in roles:
            for target in roles[name]:
                if target in known:
                    labels.add(target)
                elif target.lstrip("-").isdigit() or _channel_of(target) is not None:
                    ch = int(target) if target.lstrip("-").isdigit() else _channel_of(target)
                    labels |= {s for s, c in pairs if c == ch}
                else:
                    raise InputError(f"role {name!r} names {target!r}, which is no speaker of these data "
                                     f"(speakers: {', '.join(known) or 'none'})")
            named.append(f"{'+'.join(roles[name])} ({name})")
        else:
            hint = f"; roles given: {', '.join(roles)}" if roles else (
                "; name a role with a mapping, e.g. --roles caller=A,agent=B" if name.isalpha() else "")
            raise InputError(f"no speaker {name!r} in these data (speakers: {', '.join(known) or 'none'}{hint})")
    for ch in channels:
        if ch not in known_channels:
            raise InputError(f"no channel {ch} in these data (channels: "
                             f"{', '.join(map(str, known_channels)) or 'none recorded; use --speaker'})")
        labels |= {s for s, c in pairs if c == ch}
    keep_p = p_floor.isin(labels).to_numpy(bool)
    keep_t = t_spk.isin(labels).to_numpy(bool)
    side = describe_side(named, channels)
    if not keep_p.any() and not keep_t.any():
        raise InputError(f"{side}: no pause or turn end belongs to this side (speakers: {', '.join(known)})")
    return (pauses[keep_p].reset_index(drop=True), turn_ends[keep_t].reset_index(drop=True), side)
