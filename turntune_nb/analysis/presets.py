"""Streaming turn-detection settings: the guide's presets and its recommendation rule.

`StreamingConfig` is the one object that carries a setting from analysis to tuning
to the live session: name, ``min_turn_silence`` / ``max_turn_silence`` (ms), what
it is for, and the evidence it was chosen on. It saves to and loads from the
config JSON that ``turntune stream --config`` reads, and turns into streaming
connection parameters.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..errors import ConfigError

__all__ = (
    "StreamingConfig",
    "PRESETS",
    "AGGRESSIVE",
    "BALANCED",
    "CONSERVATIVE",
    "DEFAULT_CONFIG",
    "recommend_preset",
    "load_config",
)

#: Limits the streaming API accepts (ms); also the slider ranges.
MIN_SILENCE_LIMITS = (0, 10_000)


@dataclass(frozen=True)
class StreamingConfig:
    """A turn-detection setting for AssemblyAI streaming.

    Parameters
    ----------
    name : str
        ``"Aggressive"``, ``"Balanced"``, ``"Conservative"``, ``"Custom"``...
    min_turn_silence, max_turn_silence : int
        Milliseconds of silence (``min <= max``).
    description, use_cases : str
    end_of_turn_confidence_threshold : float, optional
        Universal-Streaming only; u3-rt-pro ignores it.
    evidence : dict
        What the choice rests on (average gap, files, counts...).

    Examples
    --------
    >>> BALANCED.to_connection_params(speech_model="universal-streaming-english")["max_turn_silence"]
    1280
    """

    name: str
    min_turn_silence: int
    max_turn_silence: int
    description: str = ""
    use_cases: str = ""
    end_of_turn_confidence_threshold: float | None = None
    evidence: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        for key in ("min_turn_silence", "max_turn_silence"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
                raise ConfigError(f"{key} must be whole milliseconds, got {value!r}")
            lo, hi = MIN_SILENCE_LIMITS
            if not lo <= value <= hi:
                raise ConfigError(f"{key} must lie in {lo}..{hi} ms, got {value}")
            object.__setattr__(self, key, int(value))
        if self.min_turn_silence > self.max_turn_silence:
            raise ConfigError(
                f"min_turn_silence ({self.min_turn_silence}) must not exceed max_turn_silence ({self.max_turn_silence})"
            )
        t = self.end_of_turn_confidence_threshold
        if t is not None and not 0.0 <= t <= 1.0:
            raise ConfigError(f"end_of_turn_confidence_threshold must lie in 0..1, got {t}")

    def __str__(self) -> str:
        return f"{self.name} (min_turn_silence={self.min_turn_silence} ms, max_turn_silence={self.max_turn_silence} ms)"

    def with_values(self, min_turn_silence=None, max_turn_silence=None, name="Custom", **changes) -> "StreamingConfig":
        """A copy with other thresholds (named Custom unless told)."""
        return replace(
            self,
            name=name,
            min_turn_silence=self.min_turn_silence if min_turn_silence is None else min_turn_silence,
            max_turn_silence=self.max_turn_silence if max_turn_silence is None else max_turn_silence,
            **changes,
        )

    def to_connection_params(self, speech_model: str = "u3-rt-pro", sample_rate: int = 16000,
                             encoding: str = "pcm_s16le", **extra) -> dict:
        """Query parameters for the v3 streaming WebSocket.

        ``format_turns`` and ``end_of_turn_confidence_threshold`` are sent only to
        the Universal-Streaming models that use them (u3-rt-pro always formats and
        ignores the threshold).
        """
        params = {
            "sample_rate": sample_rate,
            "encoding": encoding,
            "speech_model": speech_model,
            "min_turn_silence": self.min_turn_silence,
            "max_turn_silence": self.max_turn_silence,
        }
        if speech_model.startswith(("universal-streaming", "whisper-rt")):
            params["format_turns"] = True
            if self.end_of_turn_confidence_threshold is not None:
                params["end_of_turn_confidence_threshold"] = self.end_of_turn_confidence_threshold
        params.update({k: v for k, v in extra.items() if v is not None})
        return params

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "StreamingConfig":
        if not isinstance(data, dict):
            raise ConfigError("a streaming config must be a JSON object")
        if "config" in data and isinstance(data["config"], dict):  # a wrapper that holds one
            data = data["config"]
        missing = {"min_turn_silence", "max_turn_silence"} - set(data)
        if missing:
            raise ConfigError(f"the config lacks {sorted(missing)}")
        known = {f for f in cls.__dataclass_fields__}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs.setdefault("name", "Custom")
        return cls(**kwargs)

    def save(self, path) -> Path:
        """Write the config JSON that the live session and ``turntune stream --config`` read."""
        from ..files import atomic_write_text

        path = Path(path)
        return atomic_write_text(path, json.dumps(self.to_dict(), indent=2, default=str) + "\n")


def load_config(path) -> StreamingConfig:
    """Read a config JSON written by `StreamingConfig.save` (or any JSON with the two thresholds)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}: not valid JSON ({err.msg}, line {err.lineno})") from err
    try:
        return StreamingConfig.from_dict(data)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from err


AGGRESSIVE = StreamingConfig(
    "Aggressive", 160, 400,
    "Fast-paced conversation with quick turn-taking",
    "IVR systems, order confirmations, yes/no queries, retail support",
    0.4,
)
BALANCED = StreamingConfig(
    "Balanced", 400, 1280,
    "Natural conversation pacing",
    "General customer support, consultations, standard voice agents",
    0.4,
)
CONSERVATIVE = StreamingConfig(
    "Conservative", 800, 3600,
    "Thoughtful, complex speech with longer pauses",
    "Technical support, healthcare, legal consultations, troubleshooting",
    0.7,
)
DEFAULT_CONFIG = StreamingConfig(
    "Balanced (Default)", 400, 1280, "Standard configuration for general use",
    BALANCED.use_cases, 0.4,
)
PRESETS = {c.name.lower(): c for c in (AGGRESSIVE, BALANCED, CONSERVATIVE)}


def recommend_preset(overall_average_gap_ms: float | None, files: int = 0, total_gaps: int = 0,
                     evidence: dict | None = None) -> StreamingConfig:
    """The guide's rule: average gap < 500 ms aggressive, < 1000 ms balanced, else
    conservative; no gap data: "Balanced (Default)".

    Examples
    --------
    >>> recommend_preset(499.9).name, recommend_preset(500).name, recommend_preset(1000).name
    ('Aggressive', 'Balanced', 'Conservative')
    >>> recommend_preset(None).name
    'Balanced (Default)'
    """
    facts = {"overall_average_gap_ms": overall_average_gap_ms, "files": files, "total_gaps": total_gaps}
    facts.update(evidence or {})
    if overall_average_gap_ms is None:
        facts["reason"] = "no gap data available: using the default balanced configuration"
        return replace(DEFAULT_CONFIG, evidence=facts)
    avg = float(overall_average_gap_ms)
    chosen = AGGRESSIVE if avg < 500 else BALANCED if avg < 1000 else CONSERVATIVE
    rule = "< 500 ms" if chosen is AGGRESSIVE else "500-1000 ms" if chosen is BALANCED else ">= 1000 ms"
    facts["rule"] = f"average gap {rule} -> {chosen.name}"
    facts["reason"] = (
        f"Average gap of {avg:.0f} ms over {total_gaps} gap(s) in {files} file(s) indicates "
        f"{chosen.description.lower()}"
    )
    return replace(chosen, evidence=facts)
