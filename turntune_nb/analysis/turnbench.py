"""TurnBench's terms for a replay: its submission file, and its end-of-turn scores.

Sesame's **TurnBench** (github.com/SesameAILabs/turnbench) scores turn-taking on
two-channel human calls. What this module follows, read in the repository:

* **the submission** (``docs/SUBMISSION_FORMAT.md`` @ 12d93ff1):
  ``{"schema_version": 1, "predictions": [{"conversation_id", "speaker_1": {"eot":
  [...], "interruption": [...]}, "speaker_2": {...}}]}``, times in float seconds on
  the conversation clock, each list strictly increasing and inside the audio;
  ``speaker_1``/``speaker_2`` are the first and second audio channels; a time is a
  *commit time* (all the audio the decision used has been heard): a replay's fire
  time (``emitted_at_ms``) is one;
* **the end-of-turn gold** (``turnbench/gold.py`` @ a87ffac2,
  ``build_conversation_events``): a speaker's segment end is an EOT **positive** when
  the floor leaves them (the other speaker starts before they resume, or is
  speaking as the segment ends, or they never speak again), else a **negative
  span** (a mid-turn pause) from the segment end until they resume; an end inside
  another of their own segments is neither;
* **the scoring** (``turnbench/score.py`` @ a87ffac2, ``score_task``): positives in
  time order each claim the earliest unclaimed prediction of that speaker in
  ``[t - 0.25 s, min(t + 3.0 s, their next positive)]`` (``TAU_PRE_S``,
  ``TAU_MAX_S`` in ``gold.py``): a TP with latency ``t_pred - t``, else an FN; a
  negative span is an FP when an unclaimed prediction lying in no positive window
  falls in ``[start - 0.25 s, end]`` (at most one per span), else a TN;
  ``recall = TP / (TP + FN)``, ``fp_rate = FP / (FP + TN)``, latency p50 over the
  TPs (``np.percentile``, linear);
* **the budget** (``data_analysis/leaderboard.py`` @ 27004a29: ``BUDGET = 0.1``,
  ``TEST_FP_BOUND = 0.15``; ``data_analysis/leaderboard-test.json`` @ 3a00b80d:
  ``"fp_budget": 0.1``): operating points are chosen with ``fp_rate`` at most 0.1
  and ranked by recall (``docs/SUBMISSION_FORMAT.md``).

What differs here, so the figures are of the same kind, not the leaderboard's: the
gold comes from your one reference (no three-annotator consensus, so nothing is
excluded) and has no labels, so every segment is a turn (a backchannel is a short
turn) and no pause is truncated; a segment with word timings is split where its
words stop for at least ``HOLD_MIN_MS`` (TurnBench's annotation is segmented by
voice activity). Interruption times are exported (a channel's new turn, at its
first message, while the other channel's turn is open: begun and not yet ended by
a fire) but not scored: the interruption gold needs labels a transcript lacks.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .eotbench import TURNBENCH_ROWS
from .metrics import HOLD_MIN_MS

__all__ = ("TAU_PRE_MS", "TAU_MAX_MS", "FP_BUDGET", "TurnBenchScore", "turnbench_gold", "score_eot",
           "interruption_times", "submission_json", "segments_from_truth", "operating_point")

#: The matching tolerance before a gold end of turn (``TAU_PRE_S = 0.25``, turnbench/gold.py).
TAU_PRE_MS = 250
#: The latency deadline after it (``TAU_MAX_S = 3.00``, turnbench/gold.py).
TAU_MAX_MS = 3000
#: The leaderboard's false-positive budget (``BUDGET = 0.1``, data_analysis/leaderboard.py).
FP_BUDGET = 0.1


@dataclass
class TurnBenchScore:
    """TurnBench's end-of-turn counts (``TaskScore`` in turnbench/score.py)."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    latencies_ms: list = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan

    @property
    def fp_rate(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else math.nan

    @property
    def latency_p50_ms(self) -> float:
        return float(np.percentile(self.latencies_ms, 50)) if self.latencies_ms else math.nan

    def __add__(self, other: TurnBenchScore) -> TurnBenchScore:
        return TurnBenchScore(self.tp + other.tp, self.fn + other.fn, self.fp + other.fp, self.tn + other.tn,
                              self.latencies_ms + other.latencies_ms)


def turnbench_gold(segments: pd.DataFrame) -> tuple:
    """TurnBench's end-of-turn positives and negative spans of one conversation.

    Parameters
    ----------
    segments : DataFrame
        ``speaker`` (1 or 2), ``start_ms``, ``end_ms``: every turn segment.

    Returns
    -------
    (DataFrame, DataFrame)
        Positives (``speaker``, ``time_ms``) and negative spans (``speaker``,
        ``start_ms``, ``end_ms``), each without duplicates, sorted.

    Examples
    --------
    >>> seg = pd.DataFrame({"speaker": [1, 1, 2, 1], "start_ms": [0, 1500, 3200, 5000],
    ...                     "end_ms": [1000, 3000, 4000, 6000]})
    >>> pos, neg = turnbench_gold(seg)
    >>> pos.values.tolist(), neg.values.tolist()
    ([[1, 3000], [1, 6000], [2, 4000]], [[1, 1000, 1500]])
    """
    pos, neg = [], []
    for spk in (1, 2):
        own = segments[segments["speaker"] == spk].sort_values("start_ms", kind="stable")
        oth = segments[segments["speaker"] != spk].sort_values("start_ms", kind="stable")
        s, e = own["start_ms"].to_numpy(np.int64), own["end_ms"].to_numpy(np.int64)
        so, eo = oth["start_ms"].to_numpy(np.int64), oth["end_ms"].to_numpy(np.int64)
        reach = np.maximum.accumulate(e) if len(e) else e  # the latest own end among segments started so far
        reach_o = np.maximum.accumulate(eo) if len(eo) else eo
        before = np.searchsorted(s, e, side="left")  # own segments starting strictly before each end
        inside = (before > 0) & (reach[np.clip(before - 1, 0, None)] > e) if len(e) else np.zeros(0, bool)
        i_self = np.searchsorted(s, e, side="right")
        next_self = np.where(i_self < len(s), s[np.clip(i_self, 0, max(len(s) - 1, 0))], np.iinfo(np.int64).max) \
            if len(s) else s
        i_oth = np.searchsorted(so, e, side="right")
        next_oth = np.where(i_oth < len(so), so[np.clip(i_oth, 0, max(len(so) - 1, 0))], np.iinfo(np.int64).max) \
            if len(so) else np.full(len(e), np.iinfo(np.int64).max)
        b_oth = np.searchsorted(so, e, side="left")
        speaking = (b_oth > 0) & (reach_o[np.clip(b_oth - 1, 0, None)] > e) if len(so) else np.zeros(len(e), bool)
        never = next_self == np.iinfo(np.int64).max
        positive = ~inside & (never | (next_oth < next_self) | speaking)
        pause = ~inside & ~positive
        pos += [(spk, int(t)) for t in e[positive]]
        neg += [(spk, int(a), int(b)) for a, b in zip(e[pause], next_self[pause])]
    return (pd.DataFrame(sorted(set(pos)), columns=["speaker", "time_ms"]),
            pd.DataFrame(sorted(set(neg)), columns=["speaker", "start_ms", "end_ms"]))


def score_eot(positives: pd.DataFrame, negatives: pd.DataFrame, predictions: dict, tau_pre_ms: int = TAU_PRE_MS,
              tau_max_ms: int = TAU_MAX_MS) -> TurnBenchScore:
    """TurnBench's end-of-turn score of one conversation (``score_task``, turnbench/score.py).

    Parameters
    ----------
    positives, negatives : DataFrame
        As `turnbench_gold` returns them.
    predictions : dict
        ``{speaker: times_ms}``: each speaker's predicted ends of turn (a speaker
        missing here is not scored: their positives and negatives are left out).

    Examples
    --------
    >>> pos = pd.DataFrame({"speaker": [1, 1], "time_ms": [3000, 6000]})
    >>> neg = pd.DataFrame({"speaker": [1], "start_ms": [1000], "end_ms": [1500]})
    >>> s = score_eot(pos, neg, {1: [1200, 3400]})
    >>> (s.tp, s.fn, s.fp, s.tn, s.latencies_ms)
    (1, 1, 1, 0, [400.0])
    """
    preds = {k: sorted(int(t) for t in v) for k, v in predictions.items()}
    claimed = {k: set() for k in preds}
    windows: dict = {k: [] for k in preds}
    anchors = {k: sorted(positives.loc[positives["speaker"] == k, "time_ms"].tolist()) for k in preds}
    score = TurnBenchScore()
    for spk, t in sorted(((int(a), int(b)) for a, b in positives[["speaker", "time_ms"]].to_numpy()),
                         key=lambda x: (x[1], x[0])):
        if spk not in preds:
            continue
        later = anchors[spk][bisect.bisect_right(anchors[spk], t):]
        lo, hi = t - tau_pre_ms, min(t + tau_max_ms, later[0] if later else math.inf)
        windows[spk].append((lo, hi))
        times = preds[spk]
        i = bisect.bisect_left(times, lo)
        while i < len(times) and times[i] <= hi and i in claimed[spk]:
            i += 1
        if i < len(times) and times[i] <= hi:
            claimed[spk].add(i)
            score.tp += 1
            score.latencies_ms.append(float(times[i] - t))
        else:
            score.fn += 1
    for spk, a, b in negatives[["speaker", "start_ms", "end_ms"]].to_numpy():
        if int(spk) not in preds:
            continue
        times = preds[int(spk)]
        i, fired = bisect.bisect_left(times, a - tau_pre_ms), False
        while i < len(times) and times[i] <= b and not fired:
            fired = i not in claimed[int(spk)] and not any(lo <= times[i] <= hi for lo, hi in windows[int(spk)])
            i += 1
        score.fp += fired
        score.tn += not fired
    return score


def segments_from_truth(utterances: list, sides: dict) -> pd.DataFrame:
    """TurnBench's turn segments from AssemblyAI-shaped utterances (a replay header's truth).

    `sides` maps a truth speaker to 1 or 2 (speakers not in it are left out). An
    utterance with word timings is split where its words stop for at least
    ``HOLD_MIN_MS``.

    Examples
    --------
    >>> utts = [{"speaker": "A", "start": 0, "end": 2000, "words": [{"start": 0, "end": 800},
    ...          {"start": 1200, "end": 2000}]}, {"speaker": "B", "start": 2500, "end": 3000, "words": []}]
    >>> segments_from_truth(utts, {"A": 1, "B": 2}).values.tolist()
    [[1, 0, 800], [1, 1200, 2000], [2, 2500, 3000]]
    """
    rows = []
    for u in utterances:
        spk = sides.get(u["speaker"])
        if spk is None:
            continue
        words = sorted((int(w["start"]), int(w["end"])) for w in u.get("words") or [])
        if not words:
            rows.append((spk, int(u["start"]), int(u["end"])))
            continue
        start, reach = words[0]
        for ws, we in words[1:]:
            if ws - reach >= HOLD_MIN_MS:
                rows.append((spk, start, reach))
                start = ws
            reach = max(reach, we)
        rows.append((spk, start, reach))
    return pd.DataFrame(sorted(rows, key=lambda r: (r[1], r[0])), columns=["speaker", "start_ms", "end_ms"])


def interruption_times(turns: list, other_turns: list) -> list:
    """When a channel's new turn began while the other channel's turn was open (ms).

    Parameters
    ----------
    turns, other_turns : list of (first_ms, final_ms or None)
        Each turn of the channel and of the other: when its first message came,
        and when it fired (None: never).

    Examples
    --------
    >>> interruption_times([(500, 900), (2100, 3000), (4000, None)], [(1000, 2600), (3500, 3900)])
    [2100]
    """
    out = []
    for first, _ in turns:
        if any(o_first < first and (o_final is None or o_final > first) for o_first, o_final in other_turns):
            out.append(first)
    return sorted(set(out))


def submission_json(conversations: dict) -> tuple:
    """TurnBench's submission file of `conversations`, and how many times fell outside the audio.

    Parameters
    ----------
    conversations : dict
        ``{conversation_id: {"duration_ms": int, 1: {"eot": [...], "interruption":
        [...]}, 2: {...}}}`` in ms; a speaker absent gets empty lists.

    Returns
    -------
    (dict, int)
        The JSON object (seconds, strictly increasing: repeats dropped) and the
        number of times left out for lying past the audio's end (a replay appends
        silence, so a last turn can end there).

    Examples
    --------
    >>> sub, dropped = submission_json({"SNG0480": {"duration_ms": 5000, 1: {"eot": [1500, 1500, 5200]}}})
    >>> sub["predictions"][0]["speaker_1"], sub["predictions"][0]["speaker_2"], dropped
    ({'eot': [1.5], 'interruption': []}, {'eot': [], 'interruption': []}, 1)
    """
    predictions, dropped = [], 0
    for cid in sorted(conversations):
        conv = conversations[cid]
        duration = conv.get("duration_ms")
        entry = {"conversation_id": str(cid)}
        for spk in (1, 2):
            lists = {}
            for task in ("eot", "interruption"):
                times = sorted(set(int(t) for t in conv.get(spk, {}).get(task, [])))
                keep = [t for t in times if 0 <= t and (duration is None or t <= duration)]
                dropped += len(times) - len(keep)
                lists[task] = [round(t / 1000, 3) for t in keep]
            entry[f"speaker_{spk}"] = lists
        predictions.append(entry)
    return {"schema_version": 1, "predictions": predictions}, dropped


def operating_point(rows: pd.DataFrame, budget: float = FP_BUDGET) -> pd.Series | None:
    """The setting TurnBench's leaderboard would pick: ``fp_rate`` within `budget`, then the
    highest recall, then the lowest median latency; None when no setting is within it.

    Examples
    --------
    >>> rows = pd.DataFrame({"setting": ["a", "b", "c"], "recall": [0.9, 0.8, 0.8], "fp_rate": [0.3, 0.05, 0.1],
    ...                      "latency_p50_ms": [300.0, 900.0, 700.0]})
    >>> operating_point(rows)["setting"]
    'c'
    """
    ok = rows[rows["fp_rate"] <= budget + 1e-12]
    if ok.empty:
        return None
    return ok.sort_values(["recall", "latency_p50_ms"], ascending=[False, True], kind="stable").iloc[0]


def published_rows() -> pd.DataFrame:
    """TurnBench's published end-of-turn rows (`TURNBENCH_ROWS`) in this module's columns."""
    return pd.DataFrame([{"setting": r["name"], "source": r["source"], "recall": r["recall"],
                          "fp_rate": r["false_fire_rate"], "latency_p50_ms": r["latency_p50_ms"]}
                         for r in TURNBENCH_ROWS])
