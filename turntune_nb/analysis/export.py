"""A chosen setting, for AssemblyAI and the nearest equivalent in other stacks.

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

from .presets import StreamingConfig, is_u3_pro

__all__ = ("export_settings", "export_table")


def export_settings(config: StreamingConfig, model: str = "u3-rt-pro",
                    silence_equivalent_ms: int | None = None) -> dict:
    """The setting for each stack: ``{stack: {"params": {...}, "note": str}}``.

    Parameters
    ----------
    config : StreamingConfig
    model : str
        The AssemblyAI model the setting was chosen for (``u3-rt-pro``,
        ``universal-3-5-pro`` or ``universal-streaming``); ``silence`` exports as
        ``u3-rt-pro``. The config's ``mode`` and ``interruption_delay`` go to the U3
        Pro models only, ``vad_threshold`` to any.
    silence_equivalent_ms : int, optional
        The silence-only threshold for stacks that only have a silence timer.

    Examples
    --------
    >>> from turntune_nb.analysis.presets import StreamingConfig
    >>> out = export_settings(StreamingConfig("Data-driven", 300, 1200), silence_equivalent_ms=900)
    >>> out["assemblyai"]["params"]["max_turn_silence"], out["deepgram"]["params"]["endpointing"]
    (1200, 900)
    >>> out["livekit"]["params"], out["pipecat"]["params"]
    ({'min_endpointing_delay': 0.3, 'max_endpointing_delay': 1.2}, {'VADParams.stop_secs': 0.9})
    """
    if is_u3_pro(model):
        speech_model = model
    else:
        speech_model = "universal-streaming-english" if model.startswith("universal") else "u3-rt-pro"
    silence = int(config.max_turn_silence if silence_equivalent_ms is None else silence_equivalent_ms)
    basis = ("the silence-only threshold meeting the same cut-off target on your recordings"
             if silence_equivalent_ms is not None else "max_turn_silence (no silence-only equivalent given)")
    aai = {"speech_model": speech_model, "min_turn_silence": config.min_turn_silence,
           "max_turn_silence": config.max_turn_silence}
    if not is_u3_pro(speech_model) and config.end_of_turn_confidence_threshold is not None:
        aai["end_of_turn_confidence_threshold"] = config.end_of_turn_confidence_threshold
    if is_u3_pro(speech_model):
        aai.update({k: getattr(config, k) for k in ("mode", "interruption_delay") if getattr(config, k) is not None})
    if config.vad_threshold is not None:
        aai["vad_threshold"] = config.vad_threshold
    return {
        "assemblyai": {
            "params": aai,
            "note": ("u3-rt-pro ends at min_turn_silence after terminal punctuation, else at max_turn_silence"
                     if is_u3_pro(speech_model) else
                     "ends at min_turn_silence when the model is confident, else at max_turn_silence"),
        },
        "deepgram": {
            "params": {"endpointing": silence},
            "note": f"one VAD silence timer (speech_final), no punctuation or model gate; value: {basis}",
        },
        "livekit": {
            "params": {"min_endpointing_delay": config.min_turn_silence / 1000,
                       "max_endpointing_delay": config.max_turn_silence / 1000},
            "note": "seconds; LiveKit's end-of-utterance model, not punctuation, decides between min and max",
        },
        "pipecat": {
            "params": {"VADParams.stop_secs": silence / 1000},
            "note": f"seconds of VAD silence; a Smart Turn analyzer, if used, decides on top of it; value: {basis}",
        },
        "openai_realtime": {
            "params": {"turn_detection": {"type": "server_vad", "silence_duration_ms": silence}},
            "note": f"energy VAD silence timer (semantic_vad has no ms knob); value: {basis}",
        },
    }


def export_table(settings: dict) -> pd.DataFrame:
    """`export_settings` output as one row per parameter: stack, parameter, value, note.

    Examples
    --------
    >>> from turntune_nb.analysis.presets import BALANCED
    >>> export_table(export_settings(BALANCED))["stack"].unique().tolist()
    ['assemblyai', 'deepgram', 'livekit', 'pipecat', 'openai_realtime']
    """
    rows = []
    for stack, item in settings.items():
        for name, value in item["params"].items():
            if isinstance(value, dict):
                for sub, v in value.items():
                    rows.append((stack, f"{name}.{sub}", v, item["note"]))
            else:
                rows.append((stack, name, value, item["note"]))
    return pd.DataFrame(rows, columns=["stack", "parameter", "value", "note"])
