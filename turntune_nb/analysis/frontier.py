"""The trade-off between cutting speakers off and answering late: the Pareto
frontier of a sweep, and eot-bench's operating points (best latency at 5 % and
10 % false cut-offs, fewest cut-offs at 300 ms and 600 ms latency).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ("CUTOFF_TARGETS", "LATENCY_BUDGETS_MS", "pareto_frontier", "operating_points", "pick_setting")

#: Operating points, as eot-bench reports them.
CUTOFF_TARGETS = (0.05, 0.10)
LATENCY_BUDGETS_MS = (300, 600)


def pareto_frontier(sweep: pd.DataFrame, x: str = "latency_mean_ms", y: str = "cutoff_rate") -> pd.DataFrame:
    """Settings no other setting beats on both `x` and `y` (lower is better).

    Rows with an undefined metric are left out; of settings with identical
    figures, the first (lowest min, then max) is kept. Sorted by `x`.

    Examples
    --------
    >>> df = pd.DataFrame({"latency_mean_ms": [100, 200, 200, 300], "cutoff_rate": [0.5, 0.2, 0.3, 0.2]})
    >>> pareto_frontier(df).index.tolist()
    [0, 1]
    """
    d = sweep.dropna(subset=[x, y])
    d = d.sort_values([x, y], kind="stable")
    yv = d[y].to_numpy(float)
    best_before = np.minimum.accumulate(np.concatenate(([np.inf], yv)))[:-1]
    return d[yv < best_before]


def operating_points(sweep: pd.DataFrame) -> pd.DataFrame:
    """eot-bench's operating points: the best mean latency at <= 5 % and <= 10 %
    false cut-offs, the lowest cut-off rate at <= 300 ms and <= 600 ms mean latency.

    Returns one row per criterion (``criterion`` column first); metrics are NaN
    when no setting of the sweep meets it.

    Examples
    --------
    >>> df = pd.DataFrame({"min_turn_silence": [1, 2, 3], "max_turn_silence": [1, 2, 3],
    ...                    "latency_mean_ms": [200, 500, 900], "cutoff_rate": [0.3, 0.08, 0.01]})
    >>> operating_points(df)["min_turn_silence"].tolist()
    [3.0, 2.0, 1.0, 2.0]
    """
    rows = []
    for target in CUTOFF_TARGETS:
        rows.append((f"best latency at <= {target:.0%} cut-offs",
                     pick_setting(sweep, "cutoff_rate", target, "latency_mean_ms")))
    for budget in LATENCY_BUDGETS_MS:
        rows.append((f"lowest cut-off rate at <= {budget} ms latency",
                     pick_setting(sweep, "latency_mean_ms", budget, "cutoff_rate")))
    out = pd.DataFrame([r for _, r in rows], columns=sweep.columns).reset_index(drop=True)
    out.insert(0, "criterion", [c for c, _ in rows])
    return out


def rank_keys(frame: pd.DataFrame, objective: str) -> list:
    other = "cutoff_rate" if objective == "latency_mean_ms" else "latency_mean_ms"
    keys = [objective, other]
    for k in ("latency_p90_ms", "interrupted", "max_turn_silence", "min_turn_silence"):
        if k in frame.columns and k not in keys:
            keys.append(k)
    return keys


def pick_setting(sweep: pd.DataFrame, constraint: str, limit: float, objective: str) -> pd.Series:
    """The row of `sweep` with the lowest `objective` among those with `constraint` <= `limit`
    (ties: `rank_keys`); a row of NaN when none qualifies.

    Examples
    --------
    >>> df = pd.DataFrame({"min_turn_silence": [100, 200], "max_turn_silence": [900, 900],
    ...                    "latency_mean_ms": [300.0, 300.0], "cutoff_rate": [0.04, 0.02]})
    >>> int(pick_setting(df, "cutoff_rate", 0.05, "latency_mean_ms")["min_turn_silence"])
    200
    """
    ok = sweep[sweep[constraint] <= limit + 1e-12]  # an undefined objective (no turn ends) sorts last
    if ok.empty:
        return pd.Series(np.nan, index=sweep.columns)
    return ok.sort_values(rank_keys(ok, objective), kind="stable").iloc[0]
