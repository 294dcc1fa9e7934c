"""Figures comparable with the field's benchmarks, and their published rows.

**LiveKit eot-bench** (github.com/livekit/eot-bench, README "Results" table and
``eot_harness/metrics.py``) scores an endpointer on every silence of at least
100 ms inside real user turns:

* hold spans count when they last 0.2-5.0 s (``span_table_from_predictions``:
  ``min_hold_span_duration=0.2``, ``max_hold_span_duration=5.0``; true ends of
  turn are all kept);
* a hold is a **false cut-off** when the policy fires inside it
  (``_policy_sweep_rows``: ``hold_dur > fire_time``, or ``hold_dur > timeout``);
* **latency** is the mean delay after each true end of turn; a turn end the
  model never fired on counts at the ``timeout`` (``eot_latency = np.where(
  model_detect, fire_time, timeout)``), and ``timeout_rate`` is their share;
* the **four headline cells**: the best cut-off rate with mean latency at most
  300 ms and 600 ms, the best mean latency with cut-offs at most 5 % and 10 %
  (``get_pareto_operating_points``); for a silence-only endpointer, whose latency
  is its threshold, the first two are its cut-off rate at 300 and 600 ms.

On your recordings the same cells come from the simulator's sweep
(`eot_cells`): ``eot_cutoff_rate`` counts holds of 200-5000 ms cut when the
pause is longer than the delay, latency counts turn ends the rule never fired on
at ``max_turn_silence`` (AssemblyAI's timeout), and ``never_fired_share`` is
eot-bench's timeout rate. eot-bench's turns are single user turns handed to the
endpointer; yours are whole conversations, so the comparison is of kind, not of
data. `EOT_BENCH_ROWS` holds the published rows to read yours beside.

**Sesame TurnBench** (github.com/SesameAILabs/turnbench, ``eval/README.md``,
``results/leaderboard-test.json`` at commit 26257c1f) scores end-of-turn events
on human-human two-channel calls: ``fp_rate`` is the share of mid-turn pauses
and backchannels in which a system fired, latency the p50 over detected turn
ends (within 3 s), each system at one operating point it chose.
`TURNBENCH_ROWS` holds three published test-set rows (no AssemblyAI row is
published); beside them stands your setting's cut-off rate and median latency.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .frontier import CUTOFF_TARGETS, LATENCY_BUDGETS_MS

__all__ = ("EOT_BENCH_ROWS", "TURNBENCH_ROWS", "EOT_CELLS", "eot_cells", "eot_table", "turnbench_table")

#: The four cells, in eot-bench's order: (key, column heading).
EOT_CELLS = (
    ("cutoff_at_300ms", "cut-offs @ 300 ms"),
    ("cutoff_at_600ms", "cut-offs @ 600 ms"),
    ("latency_at_5pct_ms", "latency @ 5% cut-offs"),
    ("latency_at_10pct_ms", "latency @ 10% cut-offs"),
)

#: Published eot-bench rows (English, README "Results" table, livekit/eot-bench).
EOT_BENCH_ROWS = (
    {"source": "eot-bench (published)", "name": "AssemblyAI", "cutoff_at_300ms": 0.494, "cutoff_at_600ms": 0.146,
     "latency_at_5pct_ms": 1049.0, "latency_at_10pct_ms": 713.0},
    {"source": "eot-bench (published)", "name": "VAD baseline (silence only)", "cutoff_at_300ms": 0.556,
     "cutoff_at_600ms": 0.217, "latency_at_5pct_ms": 1600.0, "latency_at_10pct_ms": 1000.0},
)

#: Published TurnBench end-of-turn rows at its false-positive budget of 0.1 (test split, 116 conversations:
#: SesameAILabs/turnbench ``data_analysis/leaderboard-test.json`` @ 3a00b80, ``eot`` recall, ``fp_rate``
#: and ``latency_ms.p50``; it replaced the older ``results/leaderboard-test.json`` figures).
TURNBENCH_ROWS = (
    {"source": "TurnBench (published)", "name": "openai_server_vad (silence)", "false_fire_rate": 0.5246,
     "latency_p50_ms": 281.5, "recall": 0.954712},
    {"source": "TurnBench (published)", "name": "vap", "false_fire_rate": 0.075525, "latency_p50_ms": 312.0,
     "recall": 0.849039},
    {"source": "TurnBench (published)", "name": "mimi_endpointer", "false_fire_rate": 0.081793,
     "latency_p50_ms": 575.0, "recall": 0.785476},
    {"source": "TurnBench (published)", "name": "kyutai_semantic_vad", "false_fire_rate": 0.043247,
     "latency_p50_ms": 1196.5, "recall": 0.762434},
    {"source": "TurnBench (published)", "name": "smart_turn_v3", "false_fire_rate": 0.036352,
     "latency_p50_ms": 1027.0, "recall": 0.642619},
)


def _num(value) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


def _pick(sweep: pd.DataFrame, constraint: str, limit: float, objective: str) -> pd.Series:
    """The row with the lowest `objective` among those with `constraint` <= `limit`, ties
    broken as eot-bench does (the other figure, then fewer turn ends left to the timeout, then
    the shorter max and min); a row of NaN when none qualifies."""
    ok = sweep[sweep[constraint] <= limit + 1e-9]
    if ok.empty:
        return pd.Series(np.nan, index=sweep.columns)
    keys = [objective, constraint] + [k for k in ("never_fired_share", "max_turn_silence", "min_turn_silence")
                                      if k in ok.columns]
    return ok.sort_values(keys, kind="stable").iloc[0]


def eot_cells(sweep: pd.DataFrame) -> dict:
    """eot-bench's four headline cells of a simulator sweep.

    Parameters
    ----------
    sweep : DataFrame
        `Simulator.sweep` output (``eot_cutoff_rate``, ``latency_mean_ms``,
        ``min_turn_silence``, ``max_turn_silence``, ``never_fired_share``).

    Returns
    -------
    dict
        ``cutoff_at_300ms``, ``cutoff_at_600ms`` (best eot cut-off rate with mean
        latency at most 300 / 600 ms), ``latency_at_5pct_ms``,
        ``latency_at_10pct_ms`` (best mean latency with eot cut-offs at most 5 % /
        10 %), each NaN when no setting of the sweep reaches the budget, and
        ``settings``: the (min, max) behind each cell and its never-fired share.

    Examples
    --------
    >>> sw = pd.DataFrame({"min_turn_silence": [300, 600, 900], "max_turn_silence": [300, 600, 900],
    ...                    "latency_mean_ms": [300.0, 600.0, 900.0], "eot_cutoff_rate": [0.4, 0.08, 0.04],
    ...                    "never_fired_share": [0.0, 0.0, 0.0]})
    >>> c = eot_cells(sw)
    >>> c["cutoff_at_300ms"], c["cutoff_at_600ms"], c["latency_at_5pct_ms"], c["latency_at_10pct_ms"]
    (0.4, 0.08, 900.0, 600.0)
    """
    out, settings = {}, {}
    picks = [(f"cutoff_at_{b}ms", _pick(sweep, "latency_mean_ms", b, "eot_cutoff_rate"), "eot_cutoff_rate")
             for b in LATENCY_BUDGETS_MS]
    picks += [(f"latency_at_{round(t * 100)}pct_ms", _pick(sweep, "eot_cutoff_rate", t, "latency_mean_ms"),
               "latency_mean_ms") for t in CUTOFF_TARGETS]
    for key, row, col in picks:
        out[key] = _num(row[col])
        settings[key] = None if row.isna().all() else {
            "min_turn_silence": int(row["min_turn_silence"]), "max_turn_silence": int(row["max_turn_silence"]),
            "eot_cutoff_rate": _num(row["eot_cutoff_rate"]), "latency_mean_ms": _num(row["latency_mean_ms"]),
            "never_fired_share": _num(row.get("never_fired_share")),
        }
    out["settings"] = settings
    return out


def eot_table(rows: dict | None = None, reference: bool = True) -> pd.DataFrame:
    """Your cells beside the published eot-bench rows, one row each.

    Parameters
    ----------
    rows : dict of {label: cells}, optional
        Cells from `eot_cells`, keyed by what they are (e.g. ``"your recordings
        (universal-3-6-pro)"``).
    reference : bool
        Add `EOT_BENCH_ROWS` below.

    Examples
    --------
    >>> eot_table()["name"].tolist()
    ['AssemblyAI', 'VAD baseline (silence only)']
    """
    records = [{"source": "your recordings", "name": label, **{k: cells.get(k, math.nan) for k, _ in EOT_CELLS}}
               for label, cells in (rows or {}).items()]
    if reference:
        records += [dict(r) for r in EOT_BENCH_ROWS]
    return pd.DataFrame(records, columns=["source", "name", *[k for k, _ in EOT_CELLS]])


def turnbench_table(metrics=None, label: str = "your setting", reference: bool = True) -> pd.DataFrame:
    """Your setting's cut-off rate and median latency beside TurnBench's published rows.

    ``false_fire_rate`` is, for your setting, the share of holds (pauses of at
    least 100 ms inside turns) it would cut; TurnBench counts mid-turn pauses and
    backchannels. ``recall`` has no counterpart in a simulation (every turn end is
    ended by ``max_turn_silence`` at the latest) and is left empty.
    """
    records = []
    if metrics is not None:
        records.append({"source": "your recordings", "name": label, "false_fire_rate": _num(metrics.cutoff_rate),
                        "latency_p50_ms": _num(metrics.latency_p50_ms), "recall": np.nan})
    if reference:
        records += [dict(r) for r in TURNBENCH_ROWS]
    return pd.DataFrame(records, columns=["source", "name", "false_fire_rate", "latency_p50_ms", "recall"])
