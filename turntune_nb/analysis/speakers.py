"""Figures per speaker and per role: who talks how much, pauses, takes the floor, overlaps.

`speaker_table` gives one row per file and speaker, `role_table` one row per role
(``agent``, ``customer``...) across all files. Both read the tables an
`AnalysisResult` already holds (utterances, transitions, pauses, turn ends), so a
figure here is the same figure as in the per-file table, split by who:

* **talk time**: the union of a speaker's own segments (their overlapping segments
  counted once); its share is of all speakers' talk time in the file (per role: in
  all files);
* **turns**: the speaker's turn ends (`turntune_nb.analysis.gaps.compute_turn_ends`);
* **pauses** and their median: the silences inside turns while they hold the floor
  (the ``floor_speaker`` of the pause table, as `turntune_nb.analysis.sides` uses);
* **floor taken** and the median floor-transfer offset: the gaps and overlaps after
  which they hold the floor (offset = their start minus the previous speaker's end,
  negative when they started before the other finished);
* **overlaps started**: the overlaps among those; **backchannels**: their segments
  lying wholly inside someone else's talk;
* **cut-off rate**: the share of their pauses of at least 100 ms that a setting
  (by default the result's recommended preset) would cut (`Simulator`).

Speaker changes are unknown (not 0) in files whose speakers are unknown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from . import columns as C
from .gaps import summarize_values
from .model import SPEAKERS_UNKNOWN
from .surface import DEFAULT_STREAMING_MODEL

__all__ = ("SPEAKER_COLUMNS", "ROLE_COLUMNS", "OTHER_ROLE", "speaker_table", "role_table", "setting_text")

#: Columns of `speaker_table` (``channel`` only when some channel is known).
SPEAKER_COLUMNS = ("file", "speaker", "channel", "talk_ms", "talk_share", "turns", "pause_count", "pause_median_ms",
                   "floor_takes", "floor_transfer_median_ms", "overlaps_started", "contained", "cutoff_rate")
#: Columns of `role_table`.
ROLE_COLUMNS = ("role", "files", "speaker_labels") + SPEAKER_COLUMNS[3:]
#: The row of `role_table` for speakers that no role names.
OTHER_ROLE = "(other speakers)"
_SPEAKER_CHANGE_FIGURES = ("turns", "floor_takes", "floor_transfer_median_ms", "overlaps_started", "contained",
                           "cutoff_rate")
_GROUP = "_group"


def _file_codes(col: pd.Series, files: pd.Index) -> np.ndarray:
    """Positions of a file column's values in `files` (-1: not there), without a string per row."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        lut = np.append(files.get_indexer(pd.Index(col.cat.categories).astype(str)), -1)
        return lut[col.cat.codes.to_numpy(np.int64)]  # code -1 (missing) picks the appended -1
    return files.get_indexer(col.astype(str))


def _keys(frame: pd.DataFrame, speaker: pd.Series, files: pd.Index, speakers: pd.Index) -> np.ndarray:
    """One int64 key per row for (file, speaker); -1 where either is unknown."""
    f = _file_codes(frame[C.FILE], files)
    s = speakers.get_indexer(speaker.to_numpy(object) if speaker.dtype == object else speaker.astype(object))
    return np.where((f >= 0) & (s >= 0), f.astype(np.int64) * max(len(speakers), 1) + s, -1)


def _who(result):
    """One row per (file, speaker) that has speech (file, speaker, channel, talk_ms, unknown),
    and the lookup `_row_groups` finds another table's rows in it with."""
    u = result.utterances
    names = [str(t.name) for t in result.transcripts]
    if isinstance(u[C.FILE].dtype, pd.CategoricalDtype):
        known = set(names)
        names += [str(c) for c in u[C.FILE].cat.categories if str(c) not in known]
    files = pd.Index(names)
    speakers = pd.Index(sorted(set(u[C.SPEAKER].astype(str)))) if len(u) else pd.Index([], dtype=object)
    key = _keys(u, u[C.SPEAKER].astype(str), files, speakers)
    uniq, inverse = np.unique(key, return_inverse=True)  # files in the transcripts' order, speakers by label
    inverse = inverse.reshape(-1)
    start, end = u[C.START_MS].to_numpy(np.int64), u[C.END_MS].to_numpy(np.int64)
    # talk time: the union of each (file, speaker)'s segments, by a running end within the group
    idx = np.lexsort((end, start, inverse))
    g, s, e = inverse[idx], start[idx], end[idx]
    span = int(e.max()) + 1 if len(e) else 1
    running = np.maximum.accumulate(e + g * span) - g * span
    prev_end = np.concatenate(([0], running[:-1]))
    new_group = np.concatenate(([True], g[1:] != g[:-1]))
    added = np.where(new_group, e - s, np.maximum(e - np.maximum(s, prev_end), 0))  # what is not covered yet
    talk = np.bincount(g, weights=added, minlength=len(uniq)).astype(np.int64)
    channel = pd.array([pd.NA] * len(uniq), dtype="Int64")
    if C.CHANNEL in u:
        ch = pd.Series(u[C.CHANNEL].to_numpy(object)).groupby(inverse).first()
        channel[ch.index.to_numpy()] = pd.array(ch.to_numpy(object), dtype="Int64")
    nspk = max(len(speakers), 1)
    sources = result.speaker_sources
    unknown = np.array([sources.get(n) == SPEAKERS_UNKNOWN for n in files], bool)
    who = pd.DataFrame({"file": files.to_numpy(object)[uniq // nspk] if len(uniq) else np.empty(0, object),
                        "speaker": speakers.to_numpy(object)[uniq % nspk] if len(uniq) else np.empty(0, object),
                        "channel": channel, "talk_ms": talk,
                        "unknown": unknown[uniq // nspk] if len(uniq) else np.empty(0, bool)})
    return who, (uniq, files, speakers)


def _row_groups(frame: pd.DataFrame, speaker_col: str, lookup, group: np.ndarray) -> np.ndarray:
    """For each row of `frame`, the group of its (file, speaker) in `who` (-1: none)."""
    uniq, files, speakers = lookup
    if not len(frame) or not len(uniq):
        return np.full(len(frame), -1, np.int64)
    spk = frame[speaker_col]
    if speaker_col == C.FLOOR_SPEAKER and spk.isna().any():  # a pause without a floor holder is its own speaker's
        spk = spk.astype(object).where(spk.notna(), frame[C.SPEAKER].astype(object))
    key = _keys(frame, spk, files, speakers)
    pos = np.minimum(np.searchsorted(uniq, key), len(uniq) - 1)
    return np.where((key >= 0) & (uniq[pos] == key), group[pos], -1)


def _stats(frame: pd.DataFrame, value: str, groups: np.ndarray, n: int) -> pd.DataFrame:
    """count and median of `value` per group 0..n-1 (rows of group -1 left out)."""
    keep = groups >= 0
    part = pd.DataFrame({_GROUP: groups[keep], value: frame[value].to_numpy()[keep]})
    out = summarize_values(part, value, by=(_GROUP,), overall=False).set_index(_GROUP)
    return out.reindex(range(n))


def _cutoff(result, groups_p: np.ndarray, groups_t: np.ndarray, n: int, setting, model: str) -> np.ndarray:
    """The cut-off rate per group at `setting`: one `Simulator` whose 'files' are the groups."""
    from .simulate import Simulator

    pauses, turn_ends = result.pauses, result.turn_ends
    keep_p, keep_t = groups_p >= 0, groups_t >= 0
    p = pauses[keep_p].assign(**{C.FILE: groups_p[keep_p]})
    t = turn_ends[keep_t].assign(**{C.FILE: groups_t[keep_t]})
    if not len(p):
        return np.full(n, np.nan)
    per = Simulator(p, t).evaluate(setting, model=model).per_file
    rates = pd.Series(per["cutoff_rate"].to_numpy(float), index=per[C.FILE].astype(np.int64).to_numpy())
    return rates.reindex(range(n)).to_numpy(float)


def _figures(result, who: pd.DataFrame, lookup, group: np.ndarray, n: int, setting, model: str) -> pd.DataFrame:
    """Every figure per group 0..n-1, where `group` gives each row of `who` its group (-1: none)."""
    out = pd.DataFrame(index=range(n))
    g = group[group >= 0]
    out["talk_ms"] = np.bincount(g, weights=who["talk_ms"].to_numpy(float)[group >= 0], minlength=n).astype(np.int64)
    te = result.turn_ends
    gt = _row_groups(te, C.SPEAKER, lookup, group)
    out["turns"] = np.bincount(gt[gt >= 0], minlength=n).astype(np.int64)
    pauses = result.pauses
    floor_col = C.FLOOR_SPEAKER if C.FLOOR_SPEAKER in pauses else C.SPEAKER
    gp = _row_groups(pauses, floor_col, lookup, group)
    ps = _stats(pauses, C.PAUSE_MS, gp, n)
    out["pause_count"] = ps["count"].fillna(0).astype(np.int64).to_numpy()
    out["pause_median_ms"] = ps["median_ms"].to_numpy(float)
    tr = result.transitions
    kind = tr[C.KIND].astype(str).to_numpy(object) if len(tr) else np.empty(0, object)
    taken = np.isin(kind, [C.GAP, C.OVERLAP])
    gtr = _row_groups(tr, C.SPEAKER, lookup, group)
    ft = _stats(tr[taken], C.OFFSET_MS, gtr[taken], n)
    out["floor_takes"] = ft["count"].fillna(0).astype(np.int64).to_numpy()
    out["floor_transfer_median_ms"] = ft["median_ms"].to_numpy(float)
    for column, k in (("overlaps_started", C.OVERLAP), ("contained", C.CONTAINED)):
        sel = (kind == k) & (gtr >= 0)
        out[column] = np.bincount(gtr[sel], minlength=n).astype(np.int64)
    out["cutoff_rate"] = _cutoff(result, gp, gt, n, setting, model)
    return out


def _mask_unknown(table: pd.DataFrame, unknown: np.ndarray) -> pd.DataFrame:
    """Speaker-change figures of groups whose speakers are unknown: NA, not 0."""
    if unknown.any():
        for column in _SPEAKER_CHANGE_FIGURES:
            if table[column].dtype.kind in "iu":
                table[column] = table[column].astype("Int64")
            table.loc[unknown, column] = pd.NA if table[column].dtype == "Int64" else np.nan
    return table


def _setting_of(result, setting, model):
    """(setting, model) for the cut-off rate: a Recommendation brings its own model."""
    if setting is None:
        setting = getattr(result, "recommendation", None)
    if hasattr(setting, "config") and hasattr(setting, "model"):  # a Recommendation
        return setting.config, (model or setting.model)
    return setting, (model or DEFAULT_STREAMING_MODEL)


def setting_text(result, setting=None, model: str | None = None) -> str:
    """Words for the setting the cut-off rate is taken at, e.g. ``"Balanced (400/1280 ms), universal-3-6-pro"``."""
    setting, model = _setting_of(result, setting, model)
    if setting is None:
        return "no setting"
    if hasattr(setting, "min_turn_silence"):
        return f"{setting.name} ({setting.min_turn_silence}/{setting.max_turn_silence} ms), {model}"
    if isinstance(setting, (tuple, list)):
        return f"{int(setting[0])}/{int(setting[1])} ms, {model}"
    return f"{int(setting)} ms, {model}"


def speaker_table(result, setting=None, model: str | None = None) -> pd.DataFrame:
    """One row per file and speaker (`SPEAKER_COLUMNS`).

    Parameters
    ----------
    result : AnalysisResult
    setting : StreamingConfig, Recommendation, (min, max) or int, optional
        Where the cut-off rate is taken; by default the result's recommended preset.
    model : {"universal-3-6-pro", "universal-3-5-pro", "universal-streaming", "silence"}, optional
        The endpointing rule (default: the Recommendation's, else universal-3-6-pro).

    Examples
    --------
    >>> from turntune_nb.analysis.model import Transcript, Utterance
    >>> from turntune_nb.analysis.results import analyze_transcripts
    >>> r = analyze_transcripts([Transcript("f", [Utterance("A", 0, 1000), Utterance("B", 1300, 2000),
    ...                                               Utterance("A", 1900, 2500)])])
    >>> speaker_table(r)[["speaker", "talk_ms", "floor_takes", "overlaps_started"]].values.tolist()
    [['A', 1600, 1, 1], ['B', 700, 1, 0]]
    """
    setting, model = _setting_of(result, setting, model)
    who, lookup = _who(result)
    n = len(who)
    table = _figures(result, who, lookup, np.arange(n), n, setting, model)
    file_total = who.groupby("file", sort=False)["talk_ms"].transform("sum").to_numpy(float)
    table.insert(1, "talk_share", np.where(file_total > 0, who["talk_ms"] / np.where(file_total > 0, file_total, 1),
                                           np.nan))
    table.insert(0, "speaker", who["speaker"].to_numpy(object))
    table.insert(0, "file", who["file"].to_numpy(object))
    if who["channel"].notna().any():
        table.insert(2, "channel", who["channel"].array)
    table = _mask_unknown(table, who["unknown"].to_numpy(bool))
    table.attrs["setting"] = setting_text(result, setting, model)
    return table


def _channel_of(label: str):
    s = str(label)
    return int(s[2:]) if s.startswith("ch") and s[2:].isdigit() else None


def _roles_of(who: pd.DataFrame, roles: dict) -> np.ndarray:
    """The role of each row of `who` (an index into `roles`' order; len(roles) for none)."""
    names = list(roles)
    known = set(who["speaker"])
    channels = set(int(c) for c in who["channel"].dropna()) | {c for c in map(_channel_of, known) if c is not None}
    out = np.full(len(who), len(names), np.int64)
    ch = np.array([c if c is not None else (-1 if v is pd.NA else int(v)) for c, v in
                   zip(who["speaker"].map(_channel_of), who["channel"].astype(object))], dtype=np.int64) \
        if len(who) else np.empty(0, np.int64)
    for i in reversed(range(len(names))):  # the first role that names a speaker wins
        hit = np.zeros(len(who), bool)
        for target in roles[names[i]]:
            if target in known:
                hit |= (who["speaker"] == target).to_numpy(bool)
            elif target.lstrip("-").isdigit() or _channel_of(target) is not None:
                c = int(target) if target.lstrip("-").isdigit() else _channel_of(target)
                if c not in channels:
                    raise InputError(f"role {names[i]!r} names channel {c}, which these data do not have (channels: "
                                     f"{', '.join(map(str, sorted(channels))) or 'none recorded'})")
                hit |= ch == c
            else:
                raise InputError(f"role {names[i]!r} names {target!r}, which is no speaker of these data "
                                 f"(speakers: {', '.join(sorted(known)) or 'none'})")
        out[hit] = i
    return out


def role_table(result, roles, setting=None, model: str | None = None) -> pd.DataFrame:
    """One row per role across all files (`ROLE_COLUMNS`), pooled (medians of all the
    role's values, not of the per-file medians), plus `OTHER_ROLE` for speakers no
    role names.

    Parameters
    ----------
    result : AnalysisResult
    roles : dict or str
        Role name to speaker labels or channels (`turntune_nb.analysis.sides.parse_roles`),
        e.g. ``"agent=A,customer=B"`` or ``{"agent": "ch0", "customer": "ch1"}``. A
        speaker two roles name belongs to the first of them, in the order given.
    setting, model : optional
        As `speaker_table`.

    Raises
    ------
    InputError
        A role names a speaker or channel the data do not have (the message lists those they have).

    Examples
    --------
    >>> from turntune_nb.analysis.model import Transcript, Utterance
    >>> from turntune_nb.analysis.results import analyze_transcripts
    >>> r = analyze_transcripts([Transcript("f", [Utterance("A", 0, 1000), Utterance("B", 1300, 2000)])])
    >>> role_table(r, "agent=A,customer=B")[["role", "talk_ms", "floor_takes"]].values.tolist()
    [['agent', 1000, 0], ['customer', 700, 1]]
    """
    from .sides import parse_roles

    roles = parse_roles(roles)
    if not roles:
        raise InputError("roles: name at least one role, e.g. agent=A,customer=B")
    setting, model = _setting_of(result, setting, model)
    who, lookup = _who(result)
    group = _roles_of(who, roles)
    names = list(roles) + [OTHER_ROLE]
    n = len(names)
    table = _figures(result, who, lookup, group, n, setting, model)
    total = float(who["talk_ms"].sum())
    table.insert(1, "talk_share", table["talk_ms"] / total if total > 0 else np.nan)
    table.insert(0, "speaker_labels", [", ".join(sorted(set(who["speaker"][group == i]))) for i in range(n)])
    table.insert(0, "files", [int(who["file"][group == i].nunique()) for i in range(n)])
    table.insert(0, "role", names)
    members = np.bincount(group, minlength=n)
    unknown = np.array([members[i] > 0 and bool(who["unknown"][group == i].all()) for i in range(n)], bool)
    table = _mask_unknown(table, unknown)
    if not members[-1]:
        table = table.iloc[:-1]
    table.attrs["setting"] = setting_text(result, setting, model)
    return table.reset_index(drop=True)
