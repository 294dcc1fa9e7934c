"""The fake's own table of AssemblyAI's streaming surface, December 2026.

Written from ``reference/assemblyai_2026-12.md`` (AssemblyAI's ``assemblyai-skill``
repository, ``skills/assemblyai/references/streaming.md`` after the 2026-09-29
launch, and its streaming diarisation page), independently of
``turntune_nb.analysis.surface``: the fake must not share the package's table, or a
wrong number there would pass every test. Choices where the docs are silent are
marked "fake's choice".
"""

from __future__ import annotations

#: The model a connection with no ``speech_model`` gets since 2026-09-29.
DEFAULT_MODEL = "universal-3-6-pro"
#: Punctuation-based turns, ``mode``, ``interruption_delay`` (3.6 / 3.5 Pro; the legacy names too).
U3_MODELS = ("universal-3-6-pro", "universal-3-5-pro", "u3-rt-pro", "u3-rt-pro-beta-1", "u3-pro")
#: Every model name the fake accepts (legacy ones included; ``whisper-rt`` is legacy since June 2026).
SPEECH_MODELS = (*U3_MODELS, "universal-streaming-english", "universal-streaming-multilingual", "whisper-rt")

#: ``mode`` -> (min_turn_silence, max_turn_silence, interruption_delay) on the U3 Pro models;
#: every preset has vad_threshold 0.2 and a 60 s maximum turn. ``balanced`` is the default.
MODE_PRESETS = {
    "min_latency": (128, 640, 0),
    "balanced": (128, 1280, 500),
    "max_accuracy": (512, 2560, 500),
}
DEFAULT_MODE = "balanced"
PRESET_VAD = 0.2
PRESET_MAX_TURN_MS = 60_000
#: ``speaker_labels=true`` replaces the mode preset: 640/768 ms, vad 0.5, interruption_delay
#: 500, a 10 s turn cap (a forced boundary, not a speaker change).
DIARIZATION = {"min_turn_silence": 640, "max_turn_silence": 768, "interruption_delay": 500,
               "vad_threshold": 0.5, "max_turn_duration": 10_000}
#: Universal-Streaming's defaults (the guide's Balanced). No turn cap is published: fake's choice, none.
UNIVERSAL_STREAMING = {"min_turn_silence": 400, "max_turn_silence": 1280, "vad_threshold": 0.4,
                       "max_turn_duration": None}
#: The service clamps ``min_turn_silence`` into this range (ms). Fake's choice: when the clamp
#: lifts it above ``max_turn_silence``, max follows it.
MIN_SILENCE_CLAMP = (50, 10_000)
#: Fixed delay the server adds to ``interruption_delay`` before a turn's first partial (ms).
SERVER_INTERRUPTION_MS = 256
#: Turns shorter than this are labelled ``PENDING`` when ``speaker_labels`` is on ("< ~1 s";
#: fake's choice: exactly 1000 ms).
PENDING_UNDER_MS = 1000
#: A client message over this many bytes is closed with 1009.
MAX_MESSAGE_BYTES = 128 * 1024

#: UpdateConfiguration: what each family may change (applies to audio after it, no answer).
UPDATABLE = {
    True: {"mode", "prompt", "keyterms_prompt", "min_turn_silence", "max_turn_silence", "continuous_partials",
           "vad_threshold", "interruption_delay", "agent_context", "language_codes", "session_heartbeat"},
    # the deprecated confidence threshold is still taken by Universal-Streaming (the 2026-03 spec)
    False: {"keyterms_prompt", "min_turn_silence", "max_turn_silence", "session_heartbeat",
            "end_of_turn_confidence_threshold"},
}


def preset(u3: bool, mode: str | None, speaker_labels: bool) -> dict:
    """The values a connection starts from before its explicit parameters."""
    if not u3:
        return dict(UNIVERSAL_STREAMING, interruption_delay=None)
    if speaker_labels:
        return dict(DIARIZATION)
    lo, hi, delay = MODE_PRESETS[mode or DEFAULT_MODE]
    return {"min_turn_silence": lo, "max_turn_silence": hi, "interruption_delay": delay,
            "vad_threshold": PRESET_VAD, "max_turn_duration": PRESET_MAX_TURN_MS}


def clamp(values: dict) -> dict:
    """``min_turn_silence`` into `MIN_SILENCE_CLAMP`; ``max_turn_silence`` at least that."""
    lo, hi = MIN_SILENCE_CLAMP
    values["min_turn_silence"] = min(max(int(values["min_turn_silence"]), lo), hi)
    values["max_turn_silence"] = max(int(values["max_turn_silence"]), values["min_turn_silence"])
    return values
