"""AssemblyAI's streaming surface as of December 2026: models, ``mode`` presets, the
diarisation profile, and the setting actually in force for a connection.

Sources (checked 2026-12-07; each constant says which): AssemblyAI's
``AssemblyAI/assemblyai-skill`` repository (``skills/assemblyai/references/streaming.md``,
versions after the 2026-09-29 launch), its docs pages "Optimizing accuracy and
latency" (the ``mode`` parameter) and streaming diarisation, summarised in
``shared/reference/assemblyai_2026-12.md``. Where the sources are silent the choice
made here is written beside the constant.

The service fills whatever a connection leaves unset from a preset: the ``mode``
preset of the U3 Pro models (``balanced`` when none is named), or, with
``speaker_labels=true``, the diarisation profile. Explicit values win. This module is
pure data and arithmetic (it imports nothing from the package but `errors`), so the
simulator, the settings, the streamer and the fake service all read one table.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError

__all__ = (
    "DEFAULT_STREAMING_MODEL",
    "STREAMING_MODELS",
    "U3_PRO_MODELS",
    "UNIVERSAL_STREAMING_MODELS",
    "LEGACY_MODELS",
    "BATCH_SPEECH_MODELS",
    "MODES",
    "DEFAULT_MODE",
    "TurnPreset",
    "MODE_PRESETS",
    "DIARIZATION_PROFILE",
    "UNIVERSAL_STREAMING_DEFAULTS",
    "MIN_TURN_SILENCE_CLAMP",
    "INTERRUPTION_DELAY_LIMITS",
    "SERVER_INTERRUPTION_DELAY_MS",
    "UPDATABLE_FIELDS",
    "TURN_FIELDS",
    "is_u3_pro",
    "legacy_note",
    "base_preset",
    "effective_turn_detection",
    "differences_from_preset",
)

#: The streaming default since 2026-09-29: a connection with no ``speech_model`` gets it
#: (assemblyai-skill streaming.md). Streaming only: the batch API uses 3.5 Pro.
DEFAULT_STREAMING_MODEL = "universal-3-6-pro"
#: The U3 Pro streaming models (punctuation-based turns, ``mode``, ``interruption_delay``).
#: ``u3-rt-pro`` (and its beta spelling) left the docs, the model picker and the spec's
#: enum in July 2026; it is accepted as a legacy name.
U3_PRO_MODELS = ("universal-3-6-pro", "universal-3-5-pro", "u3-rt-pro", "u3-rt-pro-beta-1", "u3-pro")
#: The older family (confidence-based turns, ``end_of_turn_confidence_threshold``).
UNIVERSAL_STREAMING_MODELS = ("universal-streaming-english", "universal-streaming-multilingual")
#: The streaming models AssemblyAI lists today, newest first (what a picker offers).
STREAMING_MODELS = ("universal-3-6-pro", "universal-3-5-pro", *UNIVERSAL_STREAMING_MODELS)
#: Legacy names: accepted, with a one-line note saying what to use instead.
LEGACY_MODELS = {
    "u3-rt-pro": "u3-rt-pro is a legacy name (removed from AssemblyAI's docs in July 2026); use universal-3-6-pro",
    "u3-rt-pro-beta-1": "u3-rt-pro-beta-1 is a legacy name; use universal-3-6-pro",
    "u3-pro": "u3-pro is a legacy name; use universal-3-6-pro",
    "whisper-rt": "whisper-rt is legacy since June 2026; use universal-3-6-pro",
}
#: The batch (v2) API's models: 3.6 Pro is streaming-only, so batch keeps 3.5 Pro.
BATCH_SPEECH_MODELS = ("universal-3-5-pro", "universal-2")

#: U3 Pro's accuracy/latency trade-off (``mode``); the service's default is ``balanced``.
MODES = ("min_latency", "balanced", "max_accuracy")
DEFAULT_MODE = "balanced"
#: ``min_turn_silence`` is clamped to this range by the service (ms; assemblyai-skill).
MIN_TURN_SILENCE_CLAMP = (50, 10_000)
#: ``interruption_delay`` limits (ms), U3 Pro only.
INTERRUPTION_DELAY_LIMITS = (0, 1000)
#: The server adds this fixed delay on top of ``interruption_delay`` (ms; assemblyai-skill).
SERVER_INTERRUPTION_DELAY_MS = 256


@dataclass(frozen=True)
class TurnPreset:
    """The turn-detection values a preset fills in (ms; ``vad_threshold`` 0-1).

    ``max_turn_duration`` is the longest turn before the service force-finalises it
    (a boundary that is then not a speaker change); None: no cap known.
    """

    name: str
    min_turn_silence: int
    max_turn_silence: int
    interruption_delay: int | None
    vad_threshold: float
    max_turn_duration: int | None

    def as_fields(self) -> dict:
        """The preset as connection fields (None values left out)."""
        return {k: v for k, v in (("min_turn_silence", self.min_turn_silence),
                                  ("max_turn_silence", self.max_turn_silence),
                                  ("interruption_delay", self.interruption_delay),
                                  ("vad_threshold", self.vad_threshold),
                                  ("max_turn_duration", self.max_turn_duration)) if v is not None}


#: The U3 Pro ``mode`` presets (assemblyai-skill streaming.md; the docs page names the
#: modes without the numbers): every preset has ``vad_threshold`` 0.2 and a 60 s turn cap.
MODE_PRESETS = {
    "min_latency": TurnPreset("min_latency", 128, 640, 0, 0.2, 60_000),
    "balanced": TurnPreset("balanced", 128, 1280, 500, 0.2, 60_000),
    "max_accuracy": TurnPreset("max_accuracy", 512, 2560, 500, 0.2, 60_000),
}
#: ``speaker_labels=true`` replaces the mode preset by this profile (AssemblyAI's streaming
#: diarisation page): 640/768 ms, vad 0.5, interruption_delay 500, a 10 s turn cap.
DIARIZATION_PROFILE = TurnPreset("speaker_labels", 640, 768, 500, 0.5, 10_000)
#: Universal-Streaming's defaults (the guide's "Balanced"; vad 0.4). Its turn cap is not
#: published: None (no cap modelled).
UNIVERSAL_STREAMING_DEFAULTS = TurnPreset("universal-streaming", 400, 1280, None, 0.4, None)

#: The turn-detection fields a config can set (what `effective_turn_detection` resolves).
TURN_FIELDS = ("min_turn_silence", "max_turn_silence", "interruption_delay", "vad_threshold", "max_turn_duration")
#: Fields ``UpdateConfiguration`` changes mid-stream, per model family (assemblyai-skill
#: streaming.md; no acknowledgement, applies to audio after it). ``mode`` re-applies the
#: whole preset. Every model takes ``session_heartbeat``.
UPDATABLE_FIELDS = {
    "u3-pro": ("mode", "prompt", "keyterms_prompt", "min_turn_silence", "max_turn_silence", "continuous_partials",
               "vad_threshold", "interruption_delay", "agent_context", "language_codes", "session_heartbeat"),
    "universal-streaming": ("keyterms_prompt", "min_turn_silence", "max_turn_silence", "session_heartbeat"),
}


def is_u3_pro(speech_model) -> bool:
    """True for the U3 Pro streaming models (``universal-3-6-pro``, ``universal-3-5-pro``,
    the legacy ``u3-rt-pro``...); None means the service's default, which is one.

    Examples
    --------
    >>> is_u3_pro("universal-3-6-pro"), is_u3_pro("u3-rt-pro"), is_u3_pro("universal-streaming-english")
    (True, True, False)
    """
    return speech_model is None or str(speech_model) in U3_PRO_MODELS


def legacy_note(speech_model) -> str | None:
    """The one-line deprecation note for a legacy model name, else None.

    >>> legacy_note("universal-3-6-pro") is None
    True
    """
    return LEGACY_MODELS.get(str(speech_model)) if speech_model is not None else None


def base_preset(speech_model=None, mode: str | None = None, speaker_labels: bool = False) -> TurnPreset:
    """The preset the service starts from for this connection.

    U3 Pro models: the diarisation profile when ``speaker_labels`` is on, else the
    ``mode`` preset (``balanced`` when None). Universal-Streaming: its defaults
    (``mode`` does not apply to it). Our choice where the docs are silent:
    ``speaker_labels`` on a Universal-Streaming model keeps that model's defaults.

    Examples
    --------
    >>> base_preset().name, base_preset(mode="max_accuracy").max_turn_silence
    ('balanced', 2560)
    >>> base_preset("universal-3-5-pro", "min_latency", speaker_labels=True).name
    'speaker_labels'
    """
    if mode is not None and mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not is_u3_pro(speech_model):
        return UNIVERSAL_STREAMING_DEFAULTS
    if speaker_labels:
        return DIARIZATION_PROFILE
    return MODE_PRESETS[mode or DEFAULT_MODE]


def effective_turn_detection(speech_model=None, mode: str | None = None, speaker_labels: bool = False,
                             **explicit) -> dict:
    """The turn-detection values in force: the base preset, overridden by every
    explicit (not None) value, with the service's clamp of ``min_turn_silence``.

    Returns a dict with the `TURN_FIELDS`, ``preset`` (the base's name), ``explicit``
    (the sorted names given explicitly) and ``clamped`` (True when
    ``min_turn_silence`` was moved into `MIN_TURN_SILENCE_CLAMP`). When the clamp
    lifts ``min_turn_silence`` above ``max_turn_silence``, ``max_turn_silence``
    follows it (our choice: the service's behaviour there is not documented).

    Examples
    --------
    >>> e = effective_turn_detection("universal-3-6-pro", "balanced", max_turn_silence=2000)
    >>> e["min_turn_silence"], e["max_turn_silence"], e["interruption_delay"], e["preset"]
    (128, 2000, 500, 'balanced')
    >>> effective_turn_detection(min_turn_silence=0)["min_turn_silence"]
    50
    >>> effective_turn_detection(speaker_labels=True)["max_turn_duration"]
    10000
    """
    unknown = set(explicit) - set(TURN_FIELDS)
    if unknown:
        raise ConfigError(f"not turn-detection fields: {', '.join(sorted(unknown))} (known: {', '.join(TURN_FIELDS)})")
    base = base_preset(speech_model, mode, speaker_labels)
    out = {k: getattr(base, k) for k in TURN_FIELDS}
    given = {k: v for k, v in explicit.items() if v is not None}
    out.update(given)
    lo, hi = MIN_TURN_SILENCE_CLAMP
    clamped = not lo <= out["min_turn_silence"] <= hi
    out["min_turn_silence"] = int(min(max(out["min_turn_silence"], lo), hi))
    out["max_turn_silence"] = int(max(out["max_turn_silence"], out["min_turn_silence"]))
    out.update(preset=base.name, explicit=tuple(sorted(given)), clamped=clamped)
    return out


def differences_from_preset(values: dict, speech_model=None, mode: str | None = None,
                            speaker_labels: bool = False) -> dict:
    """The turn-detection fields of `values` that differ from the base preset: what a
    config that names the preset needs to send (None values and equal ones left out).

    Examples
    --------
    >>> differences_from_preset({"min_turn_silence": 128, "max_turn_silence": 1800}, mode="balanced")
    {'max_turn_silence': 1800}
    """
    base = base_preset(speech_model, mode, speaker_labels).as_fields()
    return {k: v for k, v in values.items()
            if k in TURN_FIELDS and v is not None and base.get(k) != v}
