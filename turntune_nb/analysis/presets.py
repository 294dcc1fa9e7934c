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
from .surface import (
    DEFAULT_STREAMING_MODEL,
    INTERRUPTION_DELAY_LIMITS,
    MODES,
    U3_PRO_MODELS,
    differences_from_preset,
    is_u3_pro,
)

__all__ = (
    "StreamingConfig",
    "PRESETS",
    "AGGRESSIVE",
    "BALANCED",
    "CONSERVATIVE",
    "DEFAULT_CONFIG",
    "recommend_preset",
    "load_config",
    "MODES",
    "U3_PRO_MODELS",
    "is_u3_pro",
    "check_streaming_fields",
)

#: Limits the streaming API accepts (ms); also the slider ranges.
MIN_SILENCE_LIMITS = (0, 10_000)
#: ``max_turn_duration`` limits (ms): our choice, from one second to the presets' 60 s cap
#: times ten (the docs give no range).
MAX_TURN_DURATION_LIMITS = (1_000, 600_000)


def check_streaming_fields(fields: dict, speech_model: str | None = None) -> None:
    """Raise `ConfigError` when a U3 Pro field (``mode``, ``interruption_delay``) or
    ``vad_threshold`` holds a value the service refuses, or a field is set for a
    model that does not accept it (``speech_model`` None: no model check).

    Examples
    --------
    >>> check_streaming_fields({"mode": "balanced", "vad_threshold": 0.5}, "universal-3-5-pro")
    >>> check_streaming_fields({"vad_threshold": 1.5})
    Traceback (most recent call last):
    ...
    turntune_nb.errors.ConfigError: vad_threshold must be a number in 0..1, got 1.5
    """
    mode = fields.get("mode")
    if mode is not None and mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    delay = fields.get("interruption_delay")
    if delay is not None:
        lo, hi = INTERRUPTION_DELAY_LIMITS
        if (isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay != int(delay)
                or not lo <= delay <= hi):
            raise ConfigError(f"interruption_delay must be whole milliseconds in {lo}..{hi}, got {delay!r}")
    vad = fields.get("vad_threshold")
    if vad is not None and (isinstance(vad, bool) or not isinstance(vad, (int, float)) or not 0.0 <= vad <= 1.0):
        raise ConfigError(f"vad_threshold must be a number in 0..1, got {vad!r}")
    cap = fields.get("max_turn_duration")
    if cap is not None:
        lo, hi = MAX_TURN_DURATION_LIMITS
        if isinstance(cap, bool) or not isinstance(cap, (int, float)) or cap != int(cap) or not lo <= cap <= hi:
            raise ConfigError(f"max_turn_duration must be whole milliseconds in {lo}..{hi}, got {cap!r}")
    speakers = fields.get("max_speakers")
    if speakers is not None and (isinstance(speakers, bool) or not isinstance(speakers, int) or speakers < 1):
        raise ConfigError(f"max_speakers must be a whole number of speakers, 1 or more, got {speakers!r}")
    if speech_model is not None and not is_u3_pro(speech_model):
        only_u3 = sorted(k for k in ("mode", "interruption_delay") if fields.get(k) is not None)
        if only_u3:
            raise ConfigError(f"{', '.join(only_u3)} apply only to the U3 Pro models ({', '.join(U3_PRO_MODELS)}), "
                              f"not {speech_model}: drop them or choose universal-3-5-pro")


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
        Universal-Streaming only; the U3 Pro models ignore it.
    mode : str, optional
        U3 Pro only: ``"min_latency"``, ``"balanced"`` (the service's default) or
        ``"max_accuracy"``.
    interruption_delay : int, optional
        U3 Pro only: ms before the first partial (0-1000; the service's default 500).
    vad_threshold : float, optional
        Speech/non-speech threshold of the service's VAD (0-1; defaults 0.3 U3 Pro,
        0.4 Universal-Streaming).
    speech_model : str, optional
        The streaming model the setting is for (None: the service's default,
        ``universal-3-6-pro``).
    max_turn_duration : int, optional
        The longest turn (ms) before the service force-finalises it (presets: 60 s;
        the diarisation profile: 10 s).
    speaker_labels : bool, optional
        Streaming diarisation: the service then starts from its diarisation profile
        (640/768 ms, vad 0.5, a 10 s turn cap) instead of the ``mode`` preset.
    max_speakers : int, optional
        A hard cap on the speakers ``speaker_labels`` tells apart.
    evidence : dict
        What the choice rests on (average gap, files, counts...).

    With ``mode`` (or ``speaker_labels``) set, the setting *starts from* that preset:
    `to_connection_params` sends the preset's name and only the fields that differ
    from it, which is what a user would write. Without, both silences are sent.

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
    mode: str | None = None
    interruption_delay: int | None = None
    vad_threshold: float | None = None
    speech_model: str | None = None
    max_turn_duration: int | None = None
    speaker_labels: bool | None = None
    max_speakers: int | None = None

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
        check_streaming_fields({"mode": self.mode, "interruption_delay": self.interruption_delay,
                                "vad_threshold": self.vad_threshold, "max_turn_duration": self.max_turn_duration,
                                "max_speakers": self.max_speakers}, self.speech_model)
        if self.speech_model is not None and (not isinstance(self.speech_model, str) or not self.speech_model):
            raise ConfigError(f"speech_model must be a model name such as {DEFAULT_STREAMING_MODEL!r}, "
                              f"got {self.speech_model!r}")
        if self.speaker_labels is not None and not isinstance(self.speaker_labels, bool):
            raise ConfigError(f"speaker_labels must be true or false, got {self.speaker_labels!r}")
        if self.max_turn_duration is not None:
            object.__setattr__(self, "max_turn_duration", int(self.max_turn_duration))
        if self.interruption_delay is not None:
            object.__setattr__(self, "interruption_delay", int(self.interruption_delay))
        if self.vad_threshold is not None:
            object.__setattr__(self, "vad_threshold", float(self.vad_threshold))

    def __str__(self) -> str:
        return f"{self.name} (min_turn_silence={self.min_turn_silence} ms, max_turn_silence={self.max_turn_silence} ms)"

    def __repr__(self) -> str:  # the fields that are set; the evidence is in .evidence
        shown = [f"{f}={getattr(self, f)!r}" for f in ("min_turn_silence", "max_turn_silence",
                 "end_of_turn_confidence_threshold", "mode", "interruption_delay", "vad_threshold",
                 "speech_model", "max_turn_duration", "speaker_labels", "max_speakers")
                 if getattr(self, f) is not None]
        return f"StreamingConfig({self.name!r}, {', '.join(shown)})"

    def _repr_html_(self) -> str:
        from .markup import config_html

        return config_html(self)  # its fields as a table (turntune_nb.analysis.markup: below, not above, this)

    def with_values(self, min_turn_silence=None, max_turn_silence=None, name="Custom", **changes) -> StreamingConfig:
        """A copy with other thresholds (named Custom unless told)."""
        return replace(
            self,
            name=name,
            min_turn_silence=self.min_turn_silence if min_turn_silence is None else min_turn_silence,
            max_turn_silence=self.max_turn_silence if max_turn_silence is None else max_turn_silence,
            **changes,
        )

    @property
    def starts_from_preset(self) -> bool:
        """True when the setting names a preset (``mode`` or ``speaker_labels``) and its
        silences are then sent only where they differ from it."""
        return bool(self.mode is not None or self.speaker_labels)

    def to_connection_params(self, speech_model: str | None = None, sample_rate: int = 16000,
                             encoding: str = "pcm_s16le", **extra) -> dict:
        """Query parameters for the v3 streaming WebSocket.

        ``speech_model`` defaults to the config's, then to the service's default
        (``universal-3-6-pro``). ``format_turns`` and ``end_of_turn_confidence_threshold``
        are sent only to the Universal-Streaming models that use them (the U3 Pro models
        always format and ignore the threshold); ``mode`` and ``interruption_delay`` only
        to the U3 Pro models; ``vad_threshold``, ``max_turn_duration``,
        ``speaker_labels`` and ``max_speakers`` to all, when set. When the setting starts
        from a preset (`starts_from_preset`) on a U3 Pro model, only the turn fields
        that differ from the preset are sent.

        Examples
        --------
        >>> c = BALANCED.with_values(mode="max_accuracy", interruption_delay=300, vad_threshold=0.5)
        >>> p = c.to_connection_params("universal-3-5-pro")
        >>> p["mode"], p["interruption_delay"], p["vad_threshold"]
        ('max_accuracy', 300, 0.5)
        >>> "mode" in c.to_connection_params("universal-streaming-english")
        False
        >>> p = StreamingConfig("Custom", 128, 1800, mode="balanced").to_connection_params()
        >>> p["speech_model"], p["mode"], "min_turn_silence" in p, p["max_turn_silence"]
        ('universal-3-6-pro', 'balanced', False, 1800)
        """
        model = speech_model or self.speech_model or DEFAULT_STREAMING_MODEL
        turn = {"min_turn_silence": self.min_turn_silence, "max_turn_silence": self.max_turn_silence,
                "vad_threshold": self.vad_threshold, "max_turn_duration": self.max_turn_duration}
        u3 = is_u3_pro(model)
        if u3:
            turn["interruption_delay"] = self.interruption_delay
        if u3 and self.starts_from_preset:
            turn = differences_from_preset(turn, model, self.mode, bool(self.speaker_labels))
        params = {"sample_rate": sample_rate, "encoding": encoding, "speech_model": model}
        if model.startswith(("universal-streaming", "whisper-rt")):
            params["format_turns"] = True
            if self.end_of_turn_confidence_threshold is not None:
                params["end_of_turn_confidence_threshold"] = self.end_of_turn_confidence_threshold
        if u3 and self.mode is not None:
            params["mode"] = self.mode
        params.update({k: v for k, v in turn.items() if v is not None})
        if self.speaker_labels is not None:
            params["speaker_labels"] = self.speaker_labels
        if self.max_speakers is not None:
            params["max_speakers"] = self.max_speakers
        params.update({k: v for k, v in extra.items() if v is not None})
        return params

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> StreamingConfig:
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
    """Read a config JSON written by `StreamingConfig.save` (or any JSON with the two thresholds).

    Raises
    ------
    ConfigError
        One line naming the file and what is wrong (missing, not UTF-8 JSON, a threshold
        that is ``NaN``, ``Infinity`` or text, out of range), never a traceback.
    """
    given, path = path, Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))  # NaN may stand in its evidence, not in a threshold
    except FileNotFoundError:  # named as given: Path("s3://b/c.json") would read s3:/b/c.json
        raise ConfigError(f"{given}: no such config file") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}: not valid JSON ({err.msg}, line {err.lineno})") from err
    except (OSError, UnicodeDecodeError, RecursionError) as err:
        raise ConfigError(f"{path}: cannot be read as a JSON config ({getattr(err, 'strerror', None) or err})") from err
    try:
        return StreamingConfig.from_dict(data)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from err
    except (TypeError, ValueError, OverflowError) as err:  # a value of a type or size no config holds
        raise ConfigError(f"{path}: a value is not one a config holds ({err}); thresholds are numbers "
                          "(milliseconds, or 0..1 for a confidence): fix it, or save it again with "
                          "`turntune recommend --out`") from err


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
