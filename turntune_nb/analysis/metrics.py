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

The rules (a pause of ``p`` ms, the word before it, the delay at a turn end), one per
model family; `canonical_model` gives a model's name and `model_rule` its rule:

``silence`` (one threshold T)
    a hold cuts when ``p >= T``; a turn end is detected after T.
``punctuation``: every U3 Pro model (``universal-3-6-pro``, the default; ``-3-5-pro``; the legacy ``u3-rt-pro``)
    a hold cuts when ``p >= max_turn_silence``, or when ``p >= min_turn_silence``
    and the word before ends in ``.``, ``?`` or ``!``; a turn end is detected at
    ``min_turn_silence`` when its last word ends in terminal punctuation, else at
    ``max_turn_silence``. Sources without words (RTTM, offline VAD) give
    segment-level pauses whose punctuation is unknown: the punctuation rule cannot
    be applied to them, and they are bracketed as below.
``confidence``: Universal-Streaming (``universal-streaming-english`` / ``-multilingual``)
    the model's end-of-turn confidence is not in a transcript, so the result is a
    **bracket**: every hold and turn end lies between "confident at
    ``min_turn_silence``" and "not confident until ``max_turn_silence``".

**What the service fills in** (`turntune_nb.analysis.surface`): a setting on an
AssemblyAI model is resolved as the service resolves it
(`turntune_nb.analysis.surface.effective_turn_detection`): the ``mode`` preset (or,
with ``speaker_labels``, the diarisation profile) fills every field left unset,
explicit values win, and ``min_turn_silence`` is clamped to 50-10000 ms.

**The turn cap** (``max_turn_duration``: 60 s in every ``mode`` preset, 10 s in the
diarisation profile): the service force-finalises a turn that runs longer than the
cap, there, and the speaker's talk goes on as a new turn. A true turn of ``D`` ms
under a cap of ``C`` ms is force-ended ``ceil(D / C) - 1`` times (none when
``D <= C``: a turn of exactly the cap is not longer than it): 12 s under 10 s is
ended once, at 10 s; 25 s is ended twice, at 10 s and 20 s. ``D`` is the true turn's
span, from the start of the turn to its end (the turn table's ``start_ms`` when
present, else the start of the speaker's talk at the change of floor that began the
turn); the count is not restarted at the setting's own cuts inside the turn, so it is
an upper bound where the setting also cuts that turn. How a forced end enters the
figures:

* ``forced_ends`` counts them and ``turns_capped`` the turns with at least one;
* a forced end cuts the speaker, so a capped turn is a **cut turn**: it counts in
  ``turns_cut`` and ``turns_cut_share`` whether or not a hold of it is cut;
* it is **not** in ``cuts`` / ``cutoff_rate`` (or the ``eot_*`` cells): those count
  holds (pauses of at least 100 ms) the endpointer fires in, and a forced end falls
  where the cap does, usually in speech, not in a hold; ``forced_end_share``
  (forced ends per turn) is its rate;
* latency is unchanged: the true end of the turn still comes after silence.

**Interruption delay** (``interruption_delay``, U3 Pro, 0-1000 ms, plus the server's
fixed `turntune_nb.analysis.surface.SERVER_INTERRUPTION_DELAY_MS` = 256 ms) delays
the *first partial* of a turn: how soon a speaker starting to talk is reported
(barge-in detection), as AssemblyAI's streaming reference describes it. It is not
part of end-of-turn latency and is never added to ``latency_*``; the live panel shows
it beside the first partial.

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
from .surface import DEFAULT_STREAMING_MODEL, U3_PRO_MODELS, is_u3_pro

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
    "model_rule",
    "speech_model_of",
    "PUNCTUATION",
    "CONFIDENCE",
    "SILENCE",
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
#: Models the simulator knows, newest first (``universal-3-6-pro`` is AssemblyAI's streaming
#: default); the legacy U3 Pro names (``u3-rt-pro``...) and the aliases below are accepted too.
MODELS = ("universal-3-6-pro", "universal-3-5-pro", "universal-streaming", "universal-streaming-english",
          "universal-streaming-multilingual", "silence")
#: The rule of each family (see the module's docstring).
PUNCTUATION, CONFIDENCE, SILENCE = "punctuation", "confidence", "silence"
_ALIASES = {
    **{m: m for m in U3_PRO_MODELS},
    "u3": DEFAULT_STREAMING_MODEL, "punctuation": DEFAULT_STREAMING_MODEL,
    "universal-streaming": "universal-streaming", "universal-streaming-english": "universal-streaming-english",
    "universal-streaming-multilingual": "universal-streaming-multilingual", "confidence": "universal-streaming",
    "silence": "silence", "silence-only": "silence", "vad": "silence",
}


# Columns of per-file frames and sweeps.
METRIC_COLUMNS = (
    "holds", "cuts", "cutoff_rate", "cuts_low", "cutoff_rate_low", "turns", "turns_cut", "turns_cut_share",
    "turn_ends", "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_mean_ms_low",
    "interrupted", "interrupted_low",
    "eot_holds", "eot_cuts", "eot_cutoff_rate", "never_fired", "never_fired_share",
    "forced_ends", "turns_capped", "forced_end_share",
)
#: The eot-bench-comparable columns (a subset of `METRIC_COLUMNS`).
EOT_COLUMNS = ("eot_holds", "eot_cuts", "eot_cutoff_rate", "never_fired", "never_fired_share")


def canonical_model(name: str) -> str:
    """The model's name as the service spells it (aliases resolved, lower case).

    U3 Pro names are kept as given (``universal-3-6-pro``, ``universal-3-5-pro``, the
    legacy ``u3-rt-pro``: all follow the punctuation rule, `model_rule`); the rule
    aliases ``u3`` / ``punctuation`` name the streaming default, ``confidence`` the
    Universal-Streaming family, ``vad`` / ``silence-only`` the silence-only rule.

    Examples
    --------
    >>> canonical_model("Universal-3-6-Pro"), canonical_model("u3-rt-pro"), canonical_model("vad")
    ('universal-3-6-pro', 'u3-rt-pro', 'silence')
    >>> canonical_model("punctuation")
    'universal-3-6-pro'
    """
    key = str(name).strip().lower()
    if key not in _ALIASES:
        raise ConfigError(f"unknown model {name!r}: use one of {', '.join(MODELS)} (or the legacy u3-rt-pro)")
    return _ALIASES[key]


def model_rule(name: str) -> str:
    """The rule the simulator applies for a model: ``"punctuation"`` (every U3 Pro model),
    ``"confidence"`` (Universal-Streaming) or ``"silence"``.

    Examples
    --------
    >>> model_rule("universal-3-6-pro"), model_rule("u3-rt-pro"), model_rule("universal-streaming-english")
    ('punctuation', 'punctuation', 'confidence')
    """
    model = canonical_model(name)
    if model == "silence":
        return SILENCE
    return PUNCTUATION if is_u3_pro(model) else CONFIDENCE


def speech_model_of(name: str) -> str | None:
    """The ``speech_model`` a config for this model sends (None for the silence-only rule,
    which is no AssemblyAI model; the family name ``universal-streaming`` sends its English model).

    >>> speech_model_of("punctuation"), speech_model_of("universal-streaming"), speech_model_of("vad")
    ('universal-3-6-pro', 'universal-streaming-english', None)
    """
    model = canonical_model(name)
    if model == "silence":
        return None
    return "universal-streaming-english" if model == "universal-streaming" else model


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
        The service's model name (``"universal-3-6-pro"``, ``"universal-3-5-pro"``, the
        legacy ``"u3-rt-pro"``, ``"universal-streaming-english"``...) or ``"silence"``.
    min_turn_silence, max_turn_silence : int
        The setting in force (equal for ``silence``: the threshold T): for an
        AssemblyAI model, after the preset filled what was unset and the service's
        clamp of ``min_turn_silence`` (50-10000 ms).
    holds, cuts, cutoff_rate : int, int, float
        Pauses of at least 100 ms inside turns, how many the endpointer would cut,
        and their ratio (the pessimistic bound for a bracket).
    cuts_low, cutoff_rate_low : int, float
        The optimistic bound (equal to the above for exact rules).
    turns, turns_cut, turns_cut_share : int, int, float
        Turns, and turns with at least one cut: a cut hold or a forced end (the
        turn cap; see the module's docstring).
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
    forced_ends, turns_capped, forced_end_share : int, int, float
        Ends forced by the turn cap (``ceil(D / cap) - 1`` per turn of ``D`` ms),
        turns with at least one, and forced ends per turn; not in ``cutoff_rate``.
    max_turn_duration : int or None
        The turn cap in force (None: no cap modelled).
    preset : str or None
        The preset the service started from (``"balanced"``, ``"speaker_labels"``...;
        None for the silence-only rule).
    interruption_delay : int or None
        The interruption delay in force (ms, U3 Pro): it delays the first partial,
        not the end of turn, and is in no latency figure.
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
    forced_ends: int = 0
    turns_capped: int = 0
    forced_end_share: float = math.nan
    max_turn_duration: int | None = None
    preset: str | None = None
    interruption_delay: int | None = None

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
            + (f", {self.forced_ends} forced end(s) at the {self.max_turn_duration} ms turn cap"
               if self.forced_ends else "")
        )


