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
from statistics import NormalDist

import pandas as pd

from ..errors import ConfigError

__all__ = (
    "HOLD_MIN_MS",
    "MODELS",
    "METRIC_COLUMNS",
    "EndpointMetrics",
    "wilson_interval",
    "canonical_model",
)

#: Silences shorter than this are not holds (eot-bench's definition).
HOLD_MIN_MS = 100
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
)


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

    @property
    def per_file(self) -> pd.DataFrame:
        """The same figures per file: ``file`` plus `METRIC_COLUMNS`, one row per file.

        Computed on first access (a slider that shows only the headline never pays for it).
        """
        if callable(self._per_file):
            object.__setattr__(self, "_per_file", self._per_file())
        return self._per_file

    def cutoff_ci(self, confidence: float = 0.95) -> tuple[float, float]:
        """Wilson interval on the (headline) false cut-off rate."""
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


