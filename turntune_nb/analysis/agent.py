"""What a deployed voice agent did in its recorded calls: responses, cut-ins, barge-ins, dead air.

One party of each call is the agent (its speaker labels); every other speaker is the
user side. The definitions, in the order they are applied:

- **segments**: zero-length segments are dropped, then each speaker's own segments at
  most `AgentThresholds.merge_ms` (10 ms) apart are merged (`transitions.merge_and_link`,
  the package's one merge).
- **predecessor**: of a segment, the earlier segment (in start, then end order) that
  ends last (`transitions.merge_and_link`). A segment that ends inside its predecessor
  (at or before its end) is not a transfer of the floor.
- **responses**: agent segments whose predecessor is a user segment and that are a
  transfer; the gap is ``start - predecessor end`` (negative: the agent started before
  the user had finished, a **cut-in**).
- **barge-ins**: user segments of at least `barge_in_min_ms` (500 ms) that start
  strictly inside the agent's speech (agent start < user start < agent end); the agent
  **yields** when that stretch of agent speech ends within `yield_within_ms` (2000 ms)
  of the user's start; its *stop time* is that end minus the user's start.
- **dead air**: silences of at least `dead_air_min_ms` (3000 ms) between the union of
  both parties' speech (none before the first or after the last word of a call).
- **talk share**: a party's speech (the union of its segments) over the sum of both
  parties'; **overlap share**: the time both speak over the party's own speech;
  **pauses**: a speaker's segment whose predecessor is the same speaker's, the silence
  between them at least `pause_min_ms` (2500 ms), counted for the party.

Medians and 90th percentiles interpolate linearly between order statistics (numpy's
default). The per-call rows are sorted worst first (`worst_first`). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ConfigError, InputError
from . import columns as C
from .summaries import json_safe
from .transitions import MERGE_MS, merge_and_link

__all__ = ("AgentThresholds", "AgentReport", "agent_report", "agent_speakers", "agent_figures", "worst_first",
           "PER_CALL_KEYS")

#: The per-call figures, in the order they are shown (``file`` first).
PER_CALL_KEYS = (
    "file", "responses", "response_median_ms", "response_p90_ms", "cut_ins",
    "barge_ins", "barge_ins_yielded", "barge_in_stop_median_ms", "barge_in_stop_p90_ms",
    "dead_air", "dead_air_ms", "agent_talk_share", "user_talk_share",
    "agent_pauses", "user_pauses", "agent_overlap_share", "user_overlap_share",
)


@dataclass(frozen=True)
class AgentThresholds:
    """The thresholds of the agent figures, in ms (defaults: voicebench's and voxprobe's).

    Examples
    --------
    >>> AgentThresholds(dead_air_min_ms=5000).dead_air_min_ms
    5000
    >>> AgentThresholds(barge_in_min_ms=-1)
    Traceback (most recent call last):
    ...
    turntune_nb.errors.ConfigError: barge_in_min_ms is a duration in ms, 0 or more; got -1
    """

    barge_in_min_ms: int = 500
    yield_within_ms: int = 2000
    dead_air_min_ms: int = 3000
    pause_min_ms: int = 2500
    merge_ms: int = MERGE_MS

    def __post_init__(self):
        for name in ("barge_in_min_ms", "yield_within_ms", "dead_air_min_ms", "pause_min_ms", "merge_ms"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ConfigError(f"{name} is a duration in ms, 0 or more; got {value!r}")


@dataclass
class AgentReport:
    """The agent's figures over a set of calls.

    Attributes
    ----------
    per_call : DataFrame
        One row per call, `PER_CALL_KEYS` (plus the setting's predictions when there
        is one), worst calls first.
    overall : dict
        The same figures over all calls: counts summed, medians and percentiles over
        all responses (stop times) pooled, shares over the summed times; ``calls``.
    responses : DataFrame
        One row per response: file, start_ms, gap_ms.
    barge_ins : DataFrame
        One row per barge-in: file, start_ms, duration_ms, stop_ms, yielded.
    dead_air : DataFrame
        One row per dead-air silence: file, start_ms, end_ms, silence_ms.
    agent : tuple of str
        The agent's speaker labels.
    thresholds : AgentThresholds
    setting : dict or None
        The setting's predictions beside the measured figures (`agent_setting`).
    notes : list of str
    """

    per_call: pd.DataFrame
    overall: dict
    responses: pd.DataFrame
    barge_ins: pd.DataFrame
    dead_air: pd.DataFrame
    agent: tuple
    thresholds: AgentThresholds = field(default_factory=AgentThresholds)
    setting: dict | None = None
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """``{"per_call": [...], "overall": {...}}`` with the agent, thresholds and setting; NaN as None."""
        out = {"agent": list(self.agent), "thresholds": dict(vars(self.thresholds)),
               "per_call": self.per_call.to_dict("records"), "overall": self.overall}
        if self.setting is not None:
            out["setting"] = self.setting
        if self.notes:
            out["notes"] = list(self.notes)
        return json_safe(out)


def _utterances_of(source) -> pd.DataFrame:
    """The utterance table of an `AnalysisResult`, a list of transcripts, or the table itself."""
    if isinstance(source, pd.DataFrame):
        return source
    if hasattr(source, "utterances") and isinstance(source.utterances, pd.DataFrame):
        return source.utterances
    from .model import transcripts_to_frame

    try:
        return transcripts_to_frame(list(source))
    except (TypeError, AttributeError):
        raise InputError(f"cannot read calls from {type(source).__name__}: pass an AnalysisResult, transcripts "
                         "or an utterance table (file, speaker, start_ms, end_ms)") from None


def agent_speakers(utterances: pd.DataFrame, agent=None, agent_channel=None) -> tuple:
    """The agent's speaker labels: the labels in `agent`, or the speakers on 0-based `agent_channel`.

    Raises
    ------
    InputError
        Neither or both given, a label no call has (the speakers are listed), or a
        channel the data do not separate (`sides.speakers_on_channel`).

    Examples
    --------
    >>> u = pd.DataFrame({"file": ["f", "f"], "speaker": ["ch0", "ch1"], "start_ms": [0, 5], "end_ms": [4, 9],
    ...                   "channel": [0, 1]})
    >>> agent_speakers(u, agent_channel=1), agent_speakers(u, agent="ch0")
    (('ch1',), ('ch0',))
    """
    if (agent is None) == (agent_channel is None):
        raise InputError("name the agent: its speaker label (--agent LABEL) or its 0-based audio channel "
                         "(--agent-channel N), one of the two")
    known = sorted(set(utterances[C.SPEAKER].astype(object).astype(str)))
    if agent_channel is not None:
        from .sides import _triples, speakers_on_channel

        return tuple(str(s) for s in speakers_on_channel(_triples([utterances]), int(agent_channel)))
    labels = [agent] if isinstance(agent, (str, int)) else list(agent)
    missing = [str(a) for a in labels if str(a) not in known]
    if missing:
        raise InputError(f"no speaker {', '.join(map(repr, missing))} in these calls (speakers: "
                         f"{', '.join(known) or 'none'}); give the agent's label as the transcripts write it, "
                         "or --agent-channel N")
    return tuple(str(a) for a in labels)


def _unions(file: np.ndarray, start: np.ndarray, end: np.ndarray, span: int):
    """The union of intervals per file: (file, start, end) of the disjoint stretches, sorted."""
    if not len(start):
        return (np.empty(0, np.int64),) * 3
    order = np.lexsort((end, start, file))
    f, s, e = file[order], start[order], end[order]
    run_end = np.maximum.accumulate(e + f * span) - f * span
    new = np.empty(len(s), bool)
    new[0] = True
    new[1:] = (f[1:] != f[:-1]) | (s[1:] > run_end[:-1])  # touching stretches are one
    first = np.flatnonzero(new)
    last = np.concatenate((first[1:], [len(s)])) - 1
    return f[first], s[first], run_end[last]


def _per_file_sum(nfiles: int, file: np.ndarray, values) -> np.ndarray:
    return np.bincount(file, weights=np.asarray(values, float), minlength=nfiles)


def _quantiles(nfiles: int, file: np.ndarray, values: np.ndarray, q: float) -> np.ndarray:
    """The `q` quantile of `values` per file (linear interpolation), NaN for a file without any."""
    out = np.full(nfiles, np.nan)
    if len(values):
        got = pd.Series(values.astype(float)).groupby(file).quantile(q)
        out[got.index.to_numpy(np.int64)] = got.to_numpy(float)
    return out


def agent_figures(utterances: pd.DataFrame, agent: tuple, thresholds: AgentThresholds | None = None) -> dict:
    """The per-call figures and the event tables (responses, barge-ins, dead air) of `agent`'s calls.

    Returns a dict with ``per_call`` (DataFrame in the calls' order), ``responses``,
    ``barge_ins``, ``dead_air`` (DataFrames), and ``_times`` (each party's speech and the
    time both speak, ms, summed over the calls: what the overall shares are of); see the
    module's docstring for the definitions.
    """
    th = thresholds or AgentThresholds()
    utt = utterances[utterances[C.END_MS].to_numpy(np.int64) > utterances[C.START_MS].to_numpy(np.int64)]
    fcat = utterances[C.FILE]
    names = list(fcat.cat.categories) if isinstance(fcat.dtype, pd.CategoricalDtype) else list(dict.fromkeys(fcat))
    utt = utt.assign(**{C.FILE: pd.Categorical(utt[C.FILE].astype(object), categories=names)})
    nf = len(names)
    m = merge_and_link(utt, th.merge_ms)
    f, s, e, pred = m["file"], m["start"], m["end"], m["pred"]
    agent_code = np.isin(np.asarray(m["speaker_names"], object).astype(str), list(agent))  # per speaker name
    is_agent = agent_code[m["speaker"]] if len(s) else np.empty(0, bool)
    span = int(e.max()) + 1 if len(e) else 1
    # responses: an agent segment after a user segment, a transfer (it ends past its predecessor)
    has = pred >= 0
    p = np.where(has, pred, 0)
    resp = has & is_agent & ~is_agent[p] & (e > e[p])
    gap = s - e[p]
    r_file, r_gap = f[resp], gap[resp]
    # pauses: the same speaker again, nobody taking the floor between
    pause = has & (m["speaker"] == m["speaker"][p]) & (gap >= th.pause_min_ms)
    # the parties' speech, as unions
    af, as_, ae = _unions(f[is_agent], s[is_agent], e[is_agent], span)
    uf, us, ue = _unions(f[~is_agent], s[~is_agent], e[~is_agent], span)
    bf, bs, be = _unions(f, s, e, span)
    agent_ms, user_ms = _per_file_sum(nf, af, ae - as_), _per_file_sum(nf, uf, ue - us)
    both_ms = agent_ms + user_ms - _per_file_sum(nf, bf, be - bs)  # |A and U| = |A| + |U| - |A or U|
    # barge-ins: a user segment long enough, starting strictly inside the agent's speech
    long_user = ~is_agent & (e - s >= th.barge_in_min_ms)
    cf, cs, cdur = f[long_user], s[long_user], (e - s)[long_user]
    if len(af) and len(cf):
        idx = np.searchsorted(af * span + as_, cf * span + cs, side="left") - 1  # the last agent stretch before
        at = np.maximum(idx, 0)
        inside = (idx >= 0) & (af[at] == cf) & (ae[at] > cs)
        stop = (ae[at] - cs)[inside]
    else:
        inside, stop = np.zeros(len(cf), bool), np.empty(0, np.int64)
    b_file, b_start, b_dur = cf[inside], cs[inside], cdur[inside]
    yielded = stop <= th.yield_within_ms
    # dead air: silences between the union of both parties' speech
    same = np.zeros(len(bs), bool)
    same[1:] = bf[1:] == bf[:-1]
    sil = np.zeros(len(bs), np.int64)
    sil[1:] = bs[1:] - be[:-1]
    dead = same & (sil >= th.dead_air_min_ms)
    d_file = bf[dead]
    total = agent_ms + user_ms
    with np.errstate(invalid="ignore", divide="ignore"):
        per_call = pd.DataFrame({
            "file": pd.Series(names, dtype=object),
            "responses": np.bincount(r_file, minlength=nf),
            "response_median_ms": _quantiles(nf, r_file, r_gap, 0.5),
            "response_p90_ms": _quantiles(nf, r_file, r_gap, 0.9),
            "cut_ins": np.bincount(r_file[r_gap < 0], minlength=nf),
            "barge_ins": np.bincount(b_file, minlength=nf),
            "barge_ins_yielded": np.bincount(b_file[yielded], minlength=nf),
            "barge_in_stop_median_ms": _quantiles(nf, b_file, stop, 0.5),
            "barge_in_stop_p90_ms": _quantiles(nf, b_file, stop, 0.9),
            "dead_air": np.bincount(d_file, minlength=nf),
            "dead_air_ms": np.bincount(d_file, weights=sil[dead], minlength=nf).astype(np.int64),
            "agent_talk_share": np.where(total > 0, agent_ms / total, np.nan),
            "user_talk_share": np.where(total > 0, user_ms / total, np.nan),
            "agent_pauses": np.bincount(f[pause & is_agent], minlength=nf),
            "user_pauses": np.bincount(f[pause & ~is_agent], minlength=nf),
            "agent_overlap_share": np.where(agent_ms > 0, both_ms / agent_ms, np.nan),
            "user_overlap_share": np.where(user_ms > 0, both_ms / user_ms, np.nan),
        })
    cat = pd.Categorical.from_codes
    return {
        "per_call": per_call,
        "responses": pd.DataFrame({"file": cat(r_file, categories=names), "start_ms": s[resp], "gap_ms": r_gap}),
        "barge_ins": pd.DataFrame({"file": cat(b_file, categories=names), "start_ms": b_start,
                                   "duration_ms": b_dur, "stop_ms": stop, "yielded": yielded}),
        "dead_air": pd.DataFrame({"file": cat(d_file, categories=names), "start_ms": be[:-1][dead[1:]],
                                  "end_ms": bs[dead], "silence_ms": sil[dead]}),
        "_times": {"agent_ms": float(agent_ms.sum()), "user_ms": float(user_ms.sum()), "both_ms": float(both_ms.sum())},
    }


def _overall(figures: dict) -> dict:
    """The figures over all calls: counts summed, distributions pooled, shares over summed times."""
    per, r, b, t = figures["per_call"], figures["responses"], figures["barge_ins"], figures["_times"]

    def q(values, p):
        return float(np.percentile(values, p)) if len(values) else float("nan")

    total = t["agent_ms"] + t["user_ms"]
    nan = float("nan")
    return {
        "calls": len(per),
        "responses": int(per["responses"].sum()),
        "response_median_ms": q(r["gap_ms"], 50), "response_p90_ms": q(r["gap_ms"], 90),
        "cut_ins": int(per["cut_ins"].sum()),
        "barge_ins": int(per["barge_ins"].sum()), "barge_ins_yielded": int(per["barge_ins_yielded"].sum()),
        "barge_in_stop_median_ms": q(b["stop_ms"], 50), "barge_in_stop_p90_ms": q(b["stop_ms"], 90),
        "dead_air": int(per["dead_air"].sum()), "dead_air_ms": int(per["dead_air_ms"].sum()),
        "agent_talk_share": t["agent_ms"] / total if total else nan,
        "user_talk_share": t["user_ms"] / total if total else nan,
        "agent_pauses": int(per["agent_pauses"].sum()), "user_pauses": int(per["user_pauses"].sum()),
        "agent_overlap_share": t["both_ms"] / t["agent_ms"] if t["agent_ms"] else nan,
        "user_overlap_share": t["both_ms"] / t["user_ms"] if t["user_ms"] else nan,
    }


def worst_first(per_call: pd.DataFrame) -> pd.DataFrame:
    """The calls worst first: the largest share of cut-ins among responses, then the slowest 90th
    percentile response, then the most dead air; calls without a response last among equals.

    Examples
    --------
    >>> t = pd.DataFrame({"file": ["a", "b", "c"], "responses": [4, 4, 0], "cut_ins": [0, 1, 0],
    ...                   "response_p90_ms": [900.0, 300.0, float("nan")], "dead_air_ms": [0, 0, 5000]})
    >>> worst_first(t)["file"].tolist()
    ['b', 'a', 'c']
    """
    rate = (per_call["cut_ins"] / per_call["responses"].where(per_call["responses"] > 0)).fillna(-1.0)
    keys = pd.DataFrame({"rate": rate, "p90": per_call["response_p90_ms"].fillna(-np.inf),
                         "dead": per_call["dead_air_ms"]})
    order = keys.sort_values(["rate", "p90", "dead"], ascending=False, kind="stable").index
    return per_call.loc[order].reset_index(drop=True)


def agent_report(source, agent=None, agent_channel=None, thresholds: AgentThresholds | None = None,
                 config=None, model: str | None = None, simulate: bool = True) -> AgentReport:
    """What the agent did in its calls, and what its endpointing setting explains of it.

    Parameters
    ----------
    source : AnalysisResult, list of Transcript, or DataFrame
        The calls: a result (its utterances, pauses and turn ends), transcripts, or an
        utterance table (file, speaker, start_ms, end_ms; channel for `agent_channel`).
    agent : str or list of str, optional
        The agent's speaker label(s); every other speaker is the user side.
    agent_channel : int, optional
        Instead of `agent`: the agent's audio channel, 0-based.
    thresholds : AgentThresholds, optional
        500 / 2000 / 3000 / 2500 ms and the 10 ms merge by default.
    config : StreamingConfig, (min, max) pair, or None
        The setting the agent runs (None: the service's default), simulated on the
        user side's holds and turn ends (`agent_setting.setting_beside`).
    model : str, optional
        The model whose endpointing rule is simulated (default: the config's, else the service's).
    simulate : bool
        False leaves the setting out (``setting`` is None).

    Returns
    -------
    AgentReport

    Examples
    --------
    >>> from turntune_nb.analysis.model import Transcript, Utterance
    >>> t = Transcript("call", [Utterance("user", 0, 2000), Utterance("bot", 2600, 5000),
    ...                         Utterance("user", 4800, 6000), Utterance("bot", 5900, 8000)])
    >>> r = agent_report([t], agent="bot", simulate=False)
    >>> r.overall["responses"], r.responses["gap_ms"].tolist(), r.overall["cut_ins"], r.overall["barge_ins"]
    (2, [600, -100], 1, 1)
    """
    th = thresholds or AgentThresholds()
    utt = _utterances_of(source)
    labels = agent_speakers(utt, agent, agent_channel)
    spoken = utt[C.SPEAKER].astype(object).astype(str).isin(labels) & (
        utt[C.END_MS].to_numpy(np.int64) > utt[C.START_MS].to_numpy(np.int64))
    if not spoken.any():
        raise InputError(f"the agent ({', '.join(labels)}) says nothing in these calls: check --agent / "
                         "--agent-channel")
    figures = agent_figures(utt, labels, th)
    overall = _overall(figures)
    notes = []
    setting = None
    per_call = figures["per_call"]
    if simulate:
        from .agent_setting import setting_beside

        setting, per_file, note = setting_beside(source, utt, labels, overall, config, model, th.merge_ms)
        if note:
            notes.append(note)
        if per_file is not None:
            per_call = per_call.merge(per_file, on="file", how="left")
    return AgentReport(per_call=worst_first(per_call), overall=overall, responses=figures["responses"],
                       barge_ins=figures["barge_ins"], dead_air=figures["dead_air"], agent=labels,
                       thresholds=th, setting=setting, notes=notes)
