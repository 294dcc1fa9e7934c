"""`RecommendOptions`: how `turntune_nb.analysis.recommend.recommend_config` chooses a
setting, grouped by concern (the model and preset, the target, the grid, the side and
whose pauses are its holds, the intervals, the preset compared), validated once.

Kept apart from the recommendation itself so that the choice's steps and its
options each stay readable; `turntune_nb.analysis.recommend` re-exports it.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .metrics import canonical_model
from .preset_choice import check_preset
from .presets import MIN_SILENCE_LIMITS, StreamingConfig
from .simulate import grid_up_to
from .surface import DEFAULT_STREAMING_MODEL

__all__ = ("RecommendOptions",)


@dataclass(frozen=True)
class RecommendOptions:
    """How `recommend_config` chooses a setting, grouped by concern.

    Parameters
    ----------
    model : str
        **The model** the setting is for, and so the rule it is judged under:
        ``"universal-3-6-pro"`` (default, AssemblyAI's streaming default),
        ``"universal-3-5-pro"``, the legacy ``"u3-rt-pro"`` (accepted; the
        recommendation carries a note), ``"universal-streaming"`` (``-english`` /
        ``-multilingual``), ``"silence"`` (aliases such as ``"vad"`` accepted).
    mode : {"min_latency", "balanced", "max_accuracy"}, optional
        **The preset** the setting starts from on a U3 Pro model (default: the
        service's, ``balanced``): it sets the turn cap, and the config names it and
        sends only the silences that differ from it.
    speaker_labels : bool
        Streaming diarisation: the setting starts from the diarisation profile
        (640/768 ms, a 10 s turn cap) instead of the ``mode`` preset.
    target_cutoff : float
        **The target**: the highest acceptable false cut-off rate, 0..1 (0.05 = 5 %).
    mins, maxs, thresholds : sequence of int, optional
        **The grid**: ``min_turn_silence`` / ``max_turn_silence`` values, and the
        silence-only thresholds, to sweep (`Simulator.sweep`; default `MIN_GRID_MS` x
        `MAX_GRID_MS` and `THRESHOLD_GRID_MS`). Kept as tuples.
    grid_max_ms : int, optional
        The longest ``max_turn_silence`` (and silence-only threshold) to try, 100..10000 ms
        (`grid_up_to`); ``min_turn_silence`` goes up to it too. By default the grid stops at
        2450 ms (min) and 5000 ms (max), and both are widened to 10000 ms, the service's
        limit, when nothing lower meets the target (never when a grid is given).
    speakers, channels, roles : optional
        **The side**: tune for one side only (`turntune_nb.analysis.sides.select_side`);
        every figure and the choice rest on the holds and turn ends of those speakers.
        ``channels`` are 0-based (RTTM's channel 1 is 0); refused where the channel
        field does not tell the parties apart (name ``speakers`` then). ``roles`` maps
        role names used in `speakers` to labels or channels.
    holds : {"own", "floor"}
        With a side: whose pauses are its holds. ``"own"`` (the default): the side's
        own silences, what an endpointer on its channel hears; a pause inside the
        other party's backchannel, while the side talks throughout, is none of them.
        ``"floor"``: the floor holder's (such a pause is charged to the side whose
        talk contains it), the earlier rule, for one endpointer hearing everyone.
    confidence : float
        **The intervals**: their confidence, in (0, 1) (bootstrap over recordings;
        Wilson per hold).
    guide : StreamingConfig, optional
        **The comparison**: the guide's preset shown beside the choice; by default the
        result's own (``result.recommendation``).

    Raises
    ------
    ConfigError
        A value out of range; the message says which and what is allowed.

    Examples
    --------
    >>> RecommendOptions(model="vad", target_cutoff=0.1, speakers="A").model
    'silence'
    >>> RecommendOptions().model, RecommendOptions(mode="max_accuracy").mode
    ('universal-3-6-pro', 'max_accuracy')
    >>> RecommendOptions(thresholds=[300, 500]).thresholds
    (300, 500)
    >>> RecommendOptions(target_cutoff=5)
    Traceback (most recent call last):
    ...
    turntune_nb.errors.ConfigError: target_cutoff must lie in 0..1 (a share, 0.05 = 5 %), got 5
    """

    model: str = DEFAULT_STREAMING_MODEL
    mode: str | None = None
    speaker_labels: bool = False
    target_cutoff: float = 0.05
    mins: tuple | None = None
    maxs: tuple | None = None
    thresholds: tuple | None = None
    grid_max_ms: int | None = None
    speakers: tuple | None = None
    channels: tuple | None = None
    roles: dict | str | None = None
    holds: str = "own"
    confidence: float = 0.95
    guide: StreamingConfig | None = None

    def __post_init__(self):
        object.__setattr__(self, "model", canonical_model(self.model))
        check_preset(self.model, self.mode, self.speaker_labels)
        t = self.target_cutoff
        if isinstance(t, bool) or not isinstance(t, numbers.Real) or not 0.0 <= t <= 1.0:
            raise ConfigError(f"target_cutoff must lie in 0..1 (a share, 0.05 = 5 %), got {t}")
        object.__setattr__(self, "target_cutoff", float(t))
        c = self.confidence
        if isinstance(c, bool) or not isinstance(c, numbers.Real) or not 0.0 < c < 1.0:
            raise ConfigError(f"confidence must lie between 0 and 1 (0.95 = 95 %), got {c}")
        object.__setattr__(self, "confidence", float(c))
        for name in ("mins", "maxs", "thresholds"):
            object.__setattr__(self, name, _grid_values(name, getattr(self, name)))
        if self.grid_max_ms is not None:
            grid_up_to(self.grid_max_ms)  # raises ConfigError out of 100..10000
            object.__setattr__(self, "grid_max_ms", int(self.grid_max_ms))
        for name in ("speakers", "channels"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, (value,) if isinstance(value, (str, int)) else tuple(value))
        if self.holds not in ("own", "floor"):
            raise ConfigError(f"holds must be 'own' (the side's own silences) or 'floor' (the floor holder's), "
                              f"got {self.holds!r}")
        if self.guide is not None and not isinstance(self.guide, StreamingConfig):
            raise ConfigError(f"guide must be a StreamingConfig (a preset), got {type(self.guide).__name__}")

    @property
    def explicit_grid(self) -> bool:
        """True when a grid was given (then it is never widened)."""
        return self.mins is not None or self.maxs is not None or self.thresholds is not None


def _grid_values(name: str, values) -> tuple | None:
    """A grid as a tuple of whole milliseconds within the allowed settings (None: the default)."""
    if values is None:
        return None
    out = tuple(np.asarray(values).reshape(-1).tolist())
    lo, hi = MIN_SILENCE_LIMITS
    if not out or any(isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v) or not lo <= v <= hi
                      for v in out):
        raise ConfigError(f"{name} must be whole milliseconds in {lo}..{hi}, and not empty; got {values!r}")
    return tuple(int(v) for v in out)
