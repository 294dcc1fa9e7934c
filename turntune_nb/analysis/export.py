"""A chosen setting, for AssemblyAI and the nearest equivalent in other stacks, each
saying which model it was written for.

`export_settings` turns a `StreamingConfig` into AssemblyAI streaming parameters
(the same thresholds the config JSON holds, which `load_config` and ``turntune
stream --config`` read) and into the nearest knob of Deepgram, LiveKit Agents,
Pipecat and OpenAI Realtime, each with a one-line note of what differs. Stacks
whose endpointer is a silence timer get the *silence-only equivalent*: the
single threshold that meets the same false cut-off target on the same
recordings (`Recommendation.silence_equivalent_ms`), or ``max_turn_silence``
when none is given (the silence after which AssemblyAI ends a turn regardless).
"""

from __future__ import annotations

import pandas as pd

from .metrics import canonical_model, speech_model_of
from .presets import StreamingConfig, is_u3_pro
from .surface import DEFAULT_STREAMING_MODEL

__all__ = ("export_settings", "export_table", "PLUGIN_VERSIONS")

#: The first releases whose AssemblyAI plugin takes ``universal-3-6-pro`` (both still default to
#: ``universal-3-5-pro``, so the export names the model): ``shared/reference/assemblyai_2026-12.md``.
PLUGIN_VERSIONS = {"livekit": "livekit-agents 1.8.0", "pipecat": "pipecat-ai 1.9.0"}
#: Fields of the AssemblyAI connection that are not turn detection (left out of the plugins' fields).
_TRANSPORT = ("sample_rate", "encoding", "format_turns")


def _assemblyai_params(config: StreamingConfig, speech_model: str) -> dict:
    """What the config sends to AssemblyAI for this model (`StreamingConfig.to_connection_params`:
    the preset it names and only what differs from it), without the audio format."""
    params = config.to_connection_params(speech_model)
    return {k: v for k, v in params.items() if k not in _TRANSPORT}


def export_settings(config: StreamingConfig, model: str | None = None,
                    silence_equivalent_ms: int | None = None) -> dict:
    """The setting for each stack: ``{stack: {"params": {...}, "model": str, "note": str}}``.

    Every entry says which model it was written for (``model``). AssemblyAI's
    parameters are what the config sends (the ``mode`` preset it names, if any, and
    only the fields that differ from it). LiveKit's and Pipecat's AssemblyAI plugins
    default to ``universal-3-5-pro``: their entries set the model explicitly and name
    the first release that takes ``universal-3-6-pro`` (`PLUGIN_VERSIONS`).

    Parameters
    ----------
    config : StreamingConfig
    model : str, optional
        The AssemblyAI model the setting was chosen for: ``universal-3-6-pro``
        (default: the config's ``speech_model``, else AssemblyAI's streaming default),
        ``universal-3-5-pro``, the legacy ``u3-rt-pro``, ``universal-streaming``
        (``-english`` / ``-multilingual``); ``silence`` exports for the streaming
        default. The config's ``mode`` and ``interruption_delay`` go to the U3 Pro
        models only, ``vad_threshold`` to any.
    silence_equivalent_ms : int, optional
        The silence-only threshold for stacks that only have a silence timer.

    Examples
    --------
    >>> from turntune_nb.analysis.presets import StreamingConfig
    >>> out = export_settings(StreamingConfig("Data-driven", 300, 1200), silence_equivalent_ms=900)
    >>> out["assemblyai"]["params"]["max_turn_silence"], out["deepgram"]["params"]["endpointing"]
    (1200, 900)
    >>> out["assemblyai"]["model"], out["livekit_assemblyai"]["params"]["speech_model"]
    ('universal-3-6-pro', 'universal-3-6-pro')
    >>> out["livekit"]["params"], out["pipecat"]["params"]
    ({'min_endpointing_delay': 0.3, 'max_endpointing_delay': 1.2}, {'VADParams.stop_secs': 0.9})
    """
    name = canonical_model(model if model is not None else (config.speech_model or DEFAULT_STREAMING_MODEL))
    speech_model = speech_model_of(name) or DEFAULT_STREAMING_MODEL  # silence-only: for the streaming default
    u3 = is_u3_pro(speech_model)
    silence = int(config.max_turn_silence if silence_equivalent_ms is None else silence_equivalent_ms)
    basis = ("the silence-only threshold meeting the same cut-off target on your recordings"
             if silence_equivalent_ms is not None else "max_turn_silence (no silence-only equivalent given)")
    aai = _assemblyai_params(config, speech_model)
    for_model = f"written for AssemblyAI {speech_model}"
    return {
        "assemblyai": {
            "params": aai, "model": speech_model,
            "note": (f"{speech_model} ends at min_turn_silence after terminal punctuation, else at max_turn_silence"
                     + (f"; starts from the {aai['mode']} preset and sends only what differs from it"
                        if "mode" in aai else "")
                     if u3 else "ends at min_turn_silence when the model is confident, else at max_turn_silence"),
        },
        "livekit_assemblyai": {
            "params": dict(aai), "model": speech_model,
            "note": (f"LiveKit Agents' AssemblyAI STT plugin: {PLUGIN_VERSIONS['livekit']}+ takes {speech_model}; the "
                     "plugin defaults to universal-3-5-pro, so set the model explicitly; the turn fields as AssemblyAI "
                     "names them"),
        },
        "pipecat_assemblyai": {
            "params": dict(aai), "model": speech_model,
            "note": (f"Pipecat's AssemblyAISTTService connection params: {PLUGIN_VERSIONS['pipecat']}+ takes "
                     f"{speech_model}; the service defaults to universal-3-5-pro, so set speech_model explicitly"),
        },
        "deepgram": {
            "params": {"endpointing": silence}, "model": f"Deepgram endpointing ({for_model})",
            "note": f"one VAD silence timer (speech_final), no punctuation or model gate; value: {basis}",
        },
        "livekit": {
            "params": {"min_endpointing_delay": config.min_turn_silence / 1000,
                       "max_endpointing_delay": config.max_turn_silence / 1000},
            "model": f"LiveKit's turn detector ({for_model})",
            "note": "seconds; LiveKit's end-of-utterance model, not punctuation, decides between min and max",
        },
        "pipecat": {
            "params": {"VADParams.stop_secs": silence / 1000}, "model": f"Pipecat VAD ({for_model})",
            "note": f"seconds of VAD silence; a Smart Turn analyzer, if used, decides on top of it; value: {basis}",
        },
        "openai_realtime": {
            "params": {"turn_detection": {"type": "server_vad", "silence_duration_ms": silence}},
            "model": f"OpenAI Realtime server_vad ({for_model})",
            "note": f"energy VAD silence timer (semantic_vad has no ms knob); value: {basis}",
        },
    }


def export_table(settings: dict) -> pd.DataFrame:
    """`export_settings` output as one row per parameter: stack, parameter, value, note.

    Examples
    --------
    >>> from turntune_nb.analysis.presets import BALANCED
    >>> export_table(export_settings(BALANCED))["stack"].unique().tolist()[:3]
    ['assemblyai', 'livekit_assemblyai', 'pipecat_assemblyai']
    """
    rows = []
    for stack, item in settings.items():
        model = item.get("model", "")
        for name, value in item["params"].items():
            if isinstance(value, dict):
                for sub, v in value.items():
                    rows.append((stack, model, f"{name}.{sub}", v, item["note"]))
            else:
                rows.append((stack, model, name, value, item["note"]))
    return pd.DataFrame(rows, columns=["stack", "model", "parameter", "value", "note"])
