"""Which preset a recommended setting starts from, and what it sends beyond it.

On a U3 Pro model AssemblyAI fills every turn field a connection leaves unset from a
preset: the ``mode`` preset (``balanced`` when none is named) or, with
``speaker_labels``, the diarisation profile (`turntune_nb.analysis.surface`). A
recommendation therefore names its model and its preset, and sends only the silences
that differ from the preset: what a user would write (``mode: balanced`` and
``max_turn_silence: 1800``). Universal-Streaming has no ``mode``, and the silence-only
rule is no AssemblyAI model: their settings send both silences.
"""

from __future__ import annotations

from ..errors import ConfigError
from .metrics import CONFIDENCE, PUNCTUATION, SILENCE, model_rule, speech_model_of
from .surface import DEFAULT_MODE, DEFAULT_STREAMING_MODEL, TURN_FIELDS, base_preset, differences_from_preset

__all__ = ("check_preset", "preset_fields", "config_fields", "sends_beyond_preset", "starts_from_text")


def check_preset(model: str, mode: str | None, speaker_labels) -> None:
    """Raise `ConfigError` when a preset is named for a model without presets, or a mode is unknown.

    >>> check_preset("silence", "balanced", False)
    Traceback (most recent call last):
    ...
    turntune_nb.errors.ConfigError: mode and speaker_labels name a U3 Pro preset: they do not apply to silence \
(choose universal-3-6-pro, or leave them unset)
    """
    if not isinstance(speaker_labels, bool):
        raise ConfigError(f"speaker_labels must be true or false, got {speaker_labels!r}")
    if (mode is not None or speaker_labels) and model_rule(model) != PUNCTUATION:
        raise ConfigError(f"mode and speaker_labels name a U3 Pro preset: they do not apply to {model} "
                          f"(choose {DEFAULT_STREAMING_MODEL}, or leave them unset)")
    base_preset(model, mode)  # ConfigError naming the modes


def preset_fields(model: str, mode: str | None, speaker_labels: bool) -> dict:
    """The preset fields of a chosen config: a U3 Pro model names its ``mode`` (``balanced``
    when none was asked: the service's default), plus ``speaker_labels`` when asked; other
    models none.

    >>> preset_fields("universal-3-6-pro", None, False), preset_fields("silence", None, False)
    ({'mode': 'balanced'}, {})
    """
    if model_rule(model) != PUNCTUATION:
        return {}
    if speaker_labels:
        return {"mode": mode, "speaker_labels": True}
    return {"mode": mode or DEFAULT_MODE}


def config_fields(model: str, mode: str | None, speaker_labels: bool, guide=None) -> dict:
    """The model fields of a chosen config: ``speech_model`` (None for the silence-only
    rule), the preset (`preset_fields`), and for Universal-Streaming the guide's
    end-of-turn confidence threshold (0.4 without one).

    >>> config_fields("universal-streaming", None, False)
    {'speech_model': 'universal-streaming-english', 'end_of_turn_confidence_threshold': 0.4}
    """
    out = {"speech_model": speech_model_of(model), **preset_fields(model, mode, speaker_labels)}
    if model_rule(model) == CONFIDENCE:
        out["end_of_turn_confidence_threshold"] = getattr(guide, "end_of_turn_confidence_threshold", None) or 0.4
    return out


def sends_beyond_preset(config) -> dict:
    """The turn fields a config that names a preset sends beyond it ({} when it names none).

    >>> from turntune_nb.analysis.presets import StreamingConfig
    >>> sends_beyond_preset(StreamingConfig("x", 128, 1800, mode="balanced"))
    {'max_turn_silence': 1800}
    """
    if not config.starts_from_preset:
        return {}
    values = {k: getattr(config, k) for k in TURN_FIELDS}
    return differences_from_preset(values, config.speech_model, config.mode, bool(config.speaker_labels))


def starts_from_text(config, model: str) -> str:
    """Which preset `config` starts from and what it sends beyond it, in words.

    >>> from turntune_nb.analysis.presets import StreamingConfig
    >>> starts_from_text(StreamingConfig("x", 128, 1800, mode="balanced", speech_model="universal-3-6-pro"),
    ...                  "universal-3-6-pro")
    'universal-3-6-pro: starts from the balanced preset (128/1280 ms); sends max_turn_silence=1800'
    """
    c = config
    if model_rule(model) == SILENCE:
        return f"silence-only threshold {c.max_turn_silence} ms (no AssemblyAI preset)"
    speech_model = c.speech_model or DEFAULT_STREAMING_MODEL
    if not c.starts_from_preset or model_rule(model) != PUNCTUATION:
        return (f"{speech_model}: no mode preset; sends min_turn_silence={c.min_turn_silence}, "
                f"max_turn_silence={c.max_turn_silence}")
    base = base_preset(speech_model, c.mode, bool(c.speaker_labels))
    what = "the diarisation profile (speaker_labels: " if c.speaker_labels else f"the {base.name} preset ("
    sends = ", ".join(f"{k}={v}" for k, v in sends_beyond_preset(c).items()) or "nothing else (the preset as it is)"
    return f"{speech_model}: starts from {what}{base.min_turn_silence}/{base.max_turn_silence} ms); sends {sends}"
