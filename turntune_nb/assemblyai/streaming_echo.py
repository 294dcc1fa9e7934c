"""What the streaming service says is in force, set beside what a session asked for.

AssemblyAI ignores an unknown or misspelled query parameter instead of refusing the
connection, and its ``Begin`` message echoes the configuration actually in force
(``configuration``: the model, ``mode``, ``speaker_labels``...; December 2026, per
AssemblyAI's ``assemblyai-skill`` ``streaming.md``). `compare_configuration` finds
what the service ignored or changed, so the session can say so
(`turntune_nb.live.events.WarningEvent`) instead of a user tuning a setting that
never reached the endpointer.

The echo need not list every parameter: a documented parameter the echo leaves out
is taken as accepted; one the echo gives with another value was changed (the
``min_turn_silence`` clamp, a model swapped for another); a name that is neither
documented nor echoed was ignored (a misspelling, or a parameter of another API).
"""

from __future__ import annotations

__all__ = ("KNOWN_QUERY_PARAMS", "NOT_ECHOED", "compare_configuration", "ignored_text", "normalise")

#: Query parameters the v3 streaming WebSocket documents (AssemblyAI's API reference and
#: ``assemblyai-skill`` streaming.md, December 2026). A name outside this list that
#: ``Begin.configuration`` does not echo is reported as ignored.
KNOWN_QUERY_PARAMS = frozenset({
    "sample_rate", "encoding", "speech_model", "token", "format_turns", "end_of_turn_confidence_threshold",
    "min_turn_silence", "max_turn_silence", "mode", "interruption_delay", "vad_threshold", "max_turn_duration",
    "speaker_labels", "max_speakers", "speaker_labels_revision_interval_ms", "speaker_confidence",
    "continuous_partials", "previous_context_n_turns", "session_heartbeat", "inactivity_timeout",
    "keyterms_prompt", "prompt", "agent_context", "language_codes", "language_detection", "domain",
    "filter_profanity", "llm_gateway",
})
#: Parameters that are not settings (the audio's format, the credentials): never compared.
NOT_ECHOED = frozenset({"sample_rate", "encoding", "token", "keyterms_prompt", "prompt", "agent_context"})
#: Names the echo may use for a parameter (the SDK reads ``model`` where the query says ``speech_model``).
_ALIASES = {"speech_model": ("speech_model", "model")}


def normalise(value):
    """One spelling per value, so that a query string and a JSON echo compare: booleans
    from ``"true"``/``"false"``, numbers from numeric strings, anything else as text.

    Examples
    --------
    >>> normalise("true"), normalise("1280"), normalise(1280.0), normalise("balanced")
    (True, 1280.0, 1280.0, 'balanced')
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return float(text)
    except ValueError:
        return text


def compare_configuration(asked: dict, configuration: dict | None) -> dict:
    """The parameters the service ignored or changed: ``{name: {"asked": v, "in_force": w}}``
    (``in_force`` None: ignored, not echoed).

    Parameters
    ----------
    asked : dict
        The query parameters sent (as sent: strings, numbers, ``"true"``).
    configuration : dict or None
        ``Begin.configuration``; None (the service echoed nothing): nothing can be told,
        an empty answer.

    Examples
    --------
    >>> conf = {"speech_model": "universal-3-6-pro", "mode": "balanced", "min_turn_silence": 50}
    >>> compare_configuration({"speech_model": "universal-3-6-pro", "min_turn_silence": "20",
    ...                        "min_turn_silense": "300", "max_turn_silence": "1800"}, conf)
    {'min_turn_silence': {'asked': '20', 'in_force': 50}, 'min_turn_silense': {'asked': '300', 'in_force': None}}
    """
    if not isinstance(configuration, dict):
        return {}
    out = {}
    for name, value in asked.items():
        if name in NOT_ECHOED or value is None:
            continue
        keys = [k for k in _ALIASES.get(name, (name,)) if k in configuration]
        if keys:
            in_force = configuration[keys[0]]
            if normalise(in_force) != normalise(value):
                out[name] = {"asked": value, "in_force": in_force}
        elif name not in KNOWN_QUERY_PARAMS:
            out[name] = {"asked": value, "in_force": None}
    return out


def ignored_text(differences: dict) -> str:
    """One sentence saying what the service ignored or changed ("" when nothing).

    Examples
    --------
    >>> print(ignored_text({"min_turn_silense": {"asked": "300", "in_force": None},
    ...                     "min_turn_silence": {"asked": "20", "in_force": 50}}))  # doctest: +NORMALIZE_WHITESPACE
    the service ignored min_turn_silense=300 (not a parameter it knows: misspelled?);
    it changed min_turn_silence 20 -> 50
    """
    ignored = [f"{k}={d['asked']}" for k, d in differences.items() if d["in_force"] is None]
    changed = [f"{k} {d['asked']} -> {d['in_force']}" for k, d in differences.items() if d["in_force"] is not None]
    parts = []
    if ignored:
        parts.append(f"the service ignored {', '.join(ignored)} (not a parameter it knows: misspelled?)")
    if changed:
        parts.append(f"{'it' if ignored else 'the service'} changed {', '.join(changed)}")
    return "; ".join(parts)
