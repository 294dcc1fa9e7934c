"""Endpointing metrics, and the rules they are counted under.

Metrics follow LiveKit's eot-bench:

* a **hold** is a silence of at least `HOLD_MIN_MS` (100 ms) inside a turn; the
  **false cut-off rate** is the share of holds in which the endpointer would fire;
* **turns cut** is the share of turns with at least one cut;
* **latency** is how long after a true end of turn the endpointer fires (mean, p50,
  p90 over every turn end);
* a turn end is **interrupted** when the next speaker starts before the endpoint
  fires (``silence_after_ms < delay``; always, when they overlapped). Interrupted
  turn ends are counted separately *and* stay in latency at their full delay: the
  endpointer's own delay does not depend on the other speaker, and dropping them
  would let a slower setting look faster.

The rules (a pause of ``p`` ms, the word before it, the delay at a turn end):

``silence`` (one threshold T)
    a hold cuts when ``p >= T``; a turn end is detected after T.
``u3-rt-pro`` (punctuation)
    a hold cuts when ``p >= max_turn_silence``, or when ``p >= min_turn_silence``
    and the word before ends in ``.``, ``?`` or ``!``; a turn end is detected at
    ``min_turn_silence`` when its last word ends in terminal punctuation, else at
    ``max_turn_silence``. Sources without words (RTTM, offline VAD) give
    segment-level pauses whose punctuation is unknown: the punctuation rule cannot
    be applied to them, and they are bracketed as below.
``universal-streaming`` (confidence)
    the model's end-of-turn confidence is not in a transcript, so the result is a
    **bracket**: every hold and turn end lies between "confident at
    ``min_turn_silence``" and "not confident until ``max_turn_silence``".

**eot-bench's cells** (LiveKit eot-bench, ``eot_harness/metrics.py``:
``span_table_from_predictions`` keeps hold spans of 0.2-5.0 s, ``_policy_sweep_rows``
counts a hold as cut when ``hold_dur > fire_time`` and gives a true end of turn that the
model never fired on the latency of the ``timeout``; ``_vad_baseline_rows_from_scored_spans``
is the silence-only row): the ``eot_*`` figures count a hold of 200-5000 ms
(`EOT_HOLD_MIN_MS`-`EOT_HOLD_MAX_MS`) as cut when the endpointer would fire *inside*
it (``p > delay``), and ``never_fired`` is the number of turn ends the rule did not
end before ``max_turn_silence`` forced it (the timeout), which latency already
counts at ``max_turn_silence``. `turntune_nb.analysis.eotbench` turns a sweep into the
four headline cells.

**Intervals.** Pauses cluster by recording and speaker, so the reported interval
(`EndpointMetrics.cutoff_ci`, `EndpointMetrics.latency_ci`) is a percentile
bootstrap over recordings: files are the independent units, resampled with
replacement (`BOOTSTRAP_REPLICATES` resamples, seeded, so it is reproducible).
It says what another sample of the same kind of calls would give. The Wilson
interval (`EndpointMetrics.wilson_ci`) treats every hold as independent; it is
kept as a labelled per-hold figure only.

For a bracket the headline figures are the pessimistic bound of each metric (the
cut-off rate if the model fires early everywhere, the latency if it waits until
``max_turn_silence`` everywhere); ``*_low`` fields hold the optimistic bounds. For
exact rules the two coincide.

`turntune_nb.analysis.simulate` counts them; `turntune_nb.analysis.recommend`
chooses a setting from them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from functools import lru_cache
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..errors import ConfigError

__all__ = (
    "HOLD_MIN_MS",
    "MODELS",
    "METRIC_COLUMNS",
    "EndpointMetrics",
    "wilson_interval",
    "bootstrap_ratio_interval",
    "BOOTSTRAP_REPLICATES",
    "BOOTSTRAP_SEED",
    "EOT_HOLD_MIN_MS",
    "EOT_HOLD_MAX_MS",
    "EOT_COLUMNS",
    "INTERVAL_METHOD",
    "canonical_model",
)

#: Silences shorter than this are not holds (eot-bench's definition).
HOLD_MIN_MS = 100
#: eot-bench's hold spans for its cut-off rate: 0.2 s to 5.0 s, both ends included.
EOT_HOLD_MIN_MS = 200
EOT_HOLD_MAX_MS = 5000
#: Resamples of the bootstrap over recordings, and its seed (the same data give the same interval).
BOOTSTRAP_REPLICATES = 2000
BOOTSTRAP_SEED = 0
#: How the reported intervals are made, in words (shown beside them).
INTERVAL_METHOD = ("bootstrap over recordings: files are the independent units, resampled with replacement "
                   f"({BOOTSTRAP_REPLICATES} resamples, seed {BOOTSTRAP_SEED})")
#: Models the simulator knows; aliases map to them.
MODELS = ("u3-rt-pro", "universal-streaming", "silence")
_ALIASES = {
    "u3-rt-pro": "u3-rt-pro", "u3": "u3-rt-pro", "u3-pro": "u3-rt-pro", "punctuation": "u3-rt-pro",
    "universal-streaming": "universal-streaming", "universal-streaming-english": "universal-streaming",
    "universal-streaming-multilingual": "universal-streaming", "confidence": "universal-streaming",
    "silence": "silence", "silence-only": "silence", "vad": "silence",
}


# Columns of per-file frames and sweeps.
METRIC_COLUMNS = (
    "holds", "cuts", "cutoff_rate", "cuts_low", "cutoff_rate_low", "turns", "turns_cut", "turns_cut_share",
    "turn_ends", "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_mean_ms_low",
    "interrupted", "interrupted_low",
    "eot_holds", "eot_cuts", "eot_cutoff_rate", "never_fired", "never_fired_share",
)
#: The eot-bench-comparable columns (a subset of `METRIC_COLUMNS`).
EOT_COLUMNS = ("eot_holds", "eot_cuts", "eot_cutoff_rate", "never_fired", "never_fired_share")


def canonical_model(name: str) -> str:
    """The simulator's name for a model or one of its aliases.

    Examples
    --------
    >>> canonical_model("Universal-Streaming-English"), canonical_model("vad")
    ('universal-streaming', 'silence')
    """
    key = str(name).strip().lower()
    if key not in _ALIASES:
        raise ConfigError(f"unknown model {name!r}: use one of {', '.join(MODELS)}")
    return _ALIASES[key]


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k / n``.

    Examples
    --------
    >>> lo, hi = wilson_interval(5, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.0215, 0.1118)
    >>> wilson_interval(0, 0)
    (0.0, 1.0)
    """
    if n <= 0:
        return (0.0, 1.0)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k <= 0 else max(0.0, centre - half)
    hi = 1.0 if k >= n else min(1.0, centre + half)
    return (lo, hi)


# --------------------------------------------------------------------------- bootstrap over recordings
_CACHE_LIMIT = 4_000_000  # weights matrices up to this many cells are kept between calls


@lru_cache(maxsize=8)
def _cached_weights(n_units: int, n_boot: int, seed: int) -> np.ndarray:
    w = _draw_weights(np.random.default_rng(seed), n_units, n_boot)
    w.setflags(write=False)
    return w


def _draw_weights(rng, n_units: int, n_boot: int) -> np.ndarray:
    """How many times each unit is drawn in each resample: shape (n_boot, n_units)."""
    idx = rng.integers(0, n_units, size=(n_boot, n_units))
    idx += (np.arange(n_boot) * n_units)[:, None]
    return np.bincount(idx.ravel(), minlength=n_boot * n_units).reshape(n_boot, n_units).astype(np.float64)


def _resampled_sums(values: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """``values`` (units x k) summed over each resample of the units: shape (n_boot, k).

    Small corpora: one cached (n_boot x units) weights matrix, reused by every call
    (a slider re-asks for the interval on each move). Large ones: resamples drawn
    in blocks and summed by indexing, never the whole matrix at once.
    """
    n = values.shape[0]
    if n * n_boot <= _CACHE_LIMIT:
        return _cached_weights(n, n_boot, seed) @ values
    rng, out, done = np.random.default_rng(seed), np.empty((n_boot, values.shape[1])), 0
    step = max(1, 1_000_000 // n)
    while done < n_boot:
        k = min(step, n_boot - done)
        idx = rng.integers(0, n, size=(k, n), dtype=np.int32)
        for j in range(values.shape[1]):
            out[done:done + k, j] = values[:, j][idx].sum(axis=1)
        done += k
    return out


def bootstrap_ratio_interval(num, den, confidence: float = 0.95, n_boot: int = BOOTSTRAP_REPLICATES,
                             seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of ``sum(num) / sum(den)``, resampling units.

    The units (rows) are recordings: each resample draws as many files as there
    are, with replacement, and recomputes the pooled ratio (a cut-off rate is cuts
    over holds, a mean latency is the latency sum over turn ends). Files with
    nothing to count still take part in the draw. Seeded and vectorised: the
    resample weights are one (n_boot x files) matrix, multiplied once.

    Parameters
    ----------
    num, den : array of float, one value per unit
    confidence : float
    n_boot, seed : int

    Returns
    -------
    (lo, hi)
        NaN when there are fewer than 2 units with a denominator (one recording
        gives no between-recording spread) or no denominator at all.

    Examples
    --------
    >>> bootstrap_ratio_interval([1, 1, 1], [10, 10, 10])  # every file the same: no spread
    (0.1, 0.1)
    >>> bootstrap_ratio_interval([3], [10])
    (nan, nan)
    """
    num = np.asarray(num, dtype=float).reshape(-1)
    den = np.asarray(den, dtype=float).reshape(-1)
    num = np.where(den > 0, np.nan_to_num(num), 0.0)
    if num.shape != den.shape:
        raise ValueError("num and den need one value per unit each")
    if np.count_nonzero(den > 0) < 2:
        return (math.nan, math.nan)
    sums = _resampled_sums(np.stack([num, den], axis=1), int(n_boot), int(seed))
    ok = sums[:, 1] > 0
    ratios = sums[ok, 0] / sums[ok, 1]
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(ratios, [alpha, 1 - alpha])
    return (float(lo), float(hi))


# --------------------------------------------------------------------------- metrics
@dataclass(frozen=True)
class EndpointMetrics:
    """What one setting would have done on the recordings.

    Attributes
    ----------
    model : str
        ``"u3-rt-pro"``, ``"universal-streaming"`` or ``"silence"``.
    min_turn_silence, max_turn_silence : int
        The setting (equal for ``silence``: the threshold T).
    holds, cuts, cutoff_rate : int, int, float
        Pauses of at least 100 ms inside turns, how many the endpointer would cut,
        and their ratio (the pessimistic bound for a bracket).
    cuts_low, cutoff_rate_low : int, float
        The optimistic bound (equal to the above for exact rules).
    turns, turns_cut, turns_cut_share : int, int, float
        Turns, and turns with at least one cut.
    turn_ends : int
        True ends of turn that latency rests on.
    latency_mean_ms, latency_p50_ms, latency_p90_ms : float
        Delay after the true end of turn (the pessimistic bound for a bracket).
    latency_mean_ms_low : float
        The optimistic bound of the mean latency.
    interrupted, interrupted_low : int
        Turn ends where the next speaker starts before the endpoint fires.
    eot_holds, eot_cuts, eot_cutoff_rate : int, int, float
        eot-bench's cut-off rate: holds of 200-5000 ms, cut when the endpointer
        fires inside them (``pause > delay``); pessimistic bound for a bracket.
    never_fired, never_fired_share : int, float
        Turn ends the rule never fired on, ended only by ``max_turn_silence``
        (eot-bench's timeout; their latency is that timeout); 0 for silence-only.
    bracket : bool
        True when the figures are a bracket rather than exact.
    label : str
        What rule produced them.
    notes : tuple of str
        What the reader should know (rows the punctuation rule cannot apply to...).
    per_file : DataFrame
        The same figures per file (one row per file, in the tables' order).
    """

    model: str
    min_turn_silence: int
    max_turn_silence: int
    holds: int
    cuts: int
    cutoff_rate: float
    cuts_low: int
    cutoff_rate_low: float
    turns: int
    turns_cut: int
    turns_cut_share: float
    turn_ends: int
    latency_mean_ms: float
    latency_p50_ms: float
    latency_p90_ms: float
    latency_mean_ms_low: float
    interrupted: int
    interrupted_low: int
    bracket: bool = False
    label: str = ""
    notes: tuple = ()
    _per_file: object = field(default=None, compare=False, repr=False)
    eot_holds: int = 0
    eot_cuts: int = 0
    eot_cutoff_rate: float = math.nan
    never_fired: int = 0
    never_fired_share: float = math.nan

    @property
    def per_file(self) -> pd.DataFrame:
        """The same figures per file: ``file`` plus `METRIC_COLUMNS`, one row per file.

        Computed on first access (a slider that shows only the headline never pays for it).
        """
        if callable(self._per_file):
            object.__setattr__(self, "_per_file", self._per_file())
        return self._per_file

    def cutoff_ci(self, confidence: float = 0.95, n_boot: int = BOOTSTRAP_REPLICATES,
                  seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
        """Interval on the (headline) false cut-off rate: a bootstrap over recordings.

        Files are the independent units (pauses cluster by recording and speaker),
        so the interval covers what another sample of the same kind of calls would
        give. NaN with fewer than 2 files holding holds. See `wilson_ci` for the
        per-hold figure.
        """
        pf = self.per_file
        return bootstrap_ratio_interval(pf["cuts"], pf["holds"], confidence, n_boot, seed)

    def eot_cutoff_ci(self, confidence: float = 0.95, n_boot: int = BOOTSTRAP_REPLICATES,
                      seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
        """Bootstrap over recordings of the eot-bench cut-off rate (holds of 200-5000 ms)."""
        pf = self.per_file
        return bootstrap_ratio_interval(pf["eot_cuts"], pf["eot_holds"], confidence, n_boot, seed)

    def latency_ci(self, confidence: float = 0.95, n_boot: int = BOOTSTRAP_REPLICATES,
                   seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
        """Bootstrap over recordings of the (headline) mean latency, in ms."""
        pf = self.per_file
        n = pf["turn_ends"].to_numpy(float)
        total = np.nan_to_num(pf["latency_mean_ms"].to_numpy(float)) * n
        return bootstrap_ratio_interval(total, n, confidence, n_boot, seed)

    def wilson_ci(self, confidence: float = 0.95) -> tuple[float, float]:
        """Wilson interval on the cut-off rate, treating every hold as independent.

        A per-hold figure only: pauses cluster by recording, so it is too narrow for
        what another sample of calls would give (use `cutoff_ci`).
        """
        return wilson_interval(self.cuts, self.holds, confidence)

    def to_dict(self) -> dict:
        """JSON-safe figures (without the per-file frame)."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "_per_file"}
        d["notes"] = list(self.notes)
        for k, v in d.items():
            if isinstance(v, float) and math.isnan(v):
                d[k] = None
        return d

    def __str__(self) -> str:
        def pct(v):
            return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1%}"

        def ms(v):
            return "n/a" if isinstance(v, float) and math.isnan(v) else f"{v:.0f} ms"

        rng = f" (optimistic {pct(self.cutoff_rate_low)})" if self.bracket else ""
        return (
            f"{self.model} min={self.min_turn_silence} max={self.max_turn_silence}: "
            f"false cut-offs {pct(self.cutoff_rate)}{rng} of {self.holds} holds, "
            f"turns cut {pct(self.turns_cut_share)} of {self.turns}, latency mean {ms(self.latency_mean_ms)} "
            f"p50 {ms(self.latency_p50_ms)} p90 {ms(self.latency_p90_ms)} over {self.turn_ends} turn ends, "
            f"{self.interrupted} interrupted"
        )


