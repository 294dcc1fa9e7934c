"""AssemblyAI's v3 streaming messages and close codes: each server message parsed into
a typed event of the live wing (`turntune_nb.live.events`), and each close code with
what to do about it.

`StreamingSession` (`turntune_nb.assemblyai.streaming`) reads the socket and calls
these; a browser's relay (`turntune_nb.notebook.browser_mic`) goes through the same.
Close codes (AssemblyAI's "Common session errors and closures", and the December 2026
additions in ``assemblyai-skill`` streaming.md): 1000 normal, 1008 refused key or
token, 1009 a message over 128 KB, 1011 an internal error at connect, 3005 a server
error, 3006 a bad client message or (with ``inactivity_timeout``) the server's
inactivity timer, 3007 audio too short, too long or too fast, 3008 the session's
maximum duration, 3009 too many new sessions; 1006 is no close frame at all.
"""

from __future__ import annotations

from ..errors import StreamingClosedError
from ..live.events import (
    BeginEvent,
    ErrorEvent,
    SpeechStartedEvent,
    StreamWord,
    TerminationEvent,
    TurnEvent,
    WarningEvent,
)

__all__ = ("CLOSE_CODE_HINTS", "closed_error", "parse_message")

#: What to do about each close code the v3 API uses.
CLOSE_CODE_HINTS = {
    1008: "The API key or temporary token was refused: check ASSEMBLYAI_API_KEY (or api_key=...), "
    "that the account's balance is positive, and that a temporary token is used only once.",
    3005: "AssemblyAI hit an internal error: start a new session, and retry later if it persists.",
    1009: "A message over 128 KB reached the server (AssemblyAI's limit per message): keep prompts and "
    "key-term lists short; audio goes in 50-1000 ms chunks.",
    1011: "AssemblyAI had an internal error while opening the session: start a new one in a moment.",
    3006: "The server could not parse a message the client sent (or, with inactivity_timeout, its "
    "inactivity timer elapsed): if the reason names a message, this is a bug in turntune_nb, please "
    "report it with the reason above.",
    3007: "Audio must go in chunks of 50-1000 ms and no faster than real time: stream recordings "
    "through FileSource (paced in real time) and keep pacing_speed at 1.",
    3008: "The session reached its maximum duration (3 h, or the temporary token's "
    "max_session_duration_seconds): start a new session.",
    3009: "Too many sessions were opened in a short time: wait a minute before starting another, "
    "or ask AssemblyAI to raise the account's new-session rate.",
}


def closed_error(code: int | None, reason: str) -> StreamingClosedError:
    """The error for a server close code, with what to do about it.

    Examples
    --------
    >>> err = closed_error(3007, "Input duration violation: 20 ms. Expected between 50 and 1000 ms")
    >>> err.code, "50-1000 ms" in str(err)
    (3007, True)
    """
    return StreamingClosedError(code, reason or "(no reason given)", CLOSE_CODE_HINTS.get(code, ""))


def _num(value, kind=float):
    try:
        return None if value is None else kind(value)
    except (TypeError, ValueError):
        return None


def parse_message(msg: dict, received_at: float = 0.0):
    """A typed event for one server message (a decoded JSON object), or None for
    message types this package does not use (``Heartbeat``, ``SpeakerRevision``...).

    Examples
    --------
    >>> parse_message({"type": "Begin", "id": "de5d", "expires_at": 1759796682})
    BeginEvent(id='de5d', expires_at=1759796682, configuration=None)
    >>> parse_message({"type": "Begin", "id": "x", "configuration": {"model": "universal-3-6-pro"}}).model
    'universal-3-6-pro'
    >>> parse_message({"type": "Warning", "warning_code": 4001, "warning": "low audio level"}).warning
    'low audio level'
    >>> parse_message({"type": "Error", "error_code": 3008, "error": "Session Expired"}).code
    3008
    >>> parse_message({"type": "Heartbeat"}) is None
    True
    """
    kind = msg.get("type")
    if kind == "Begin":
        conf = msg.get("configuration")
        return BeginEvent(str(msg.get("id", "")), _num(msg.get("expires_at"), int),
                          dict(conf) if isinstance(conf, dict) else None, received_at=received_at)
    if kind == "Warning":
        return WarningEvent(_num(msg.get("warning_code"), int), str(msg.get("warning", "")), received_at=received_at)
    if kind == "SpeechStarted":
        return SpeechStartedEvent(_num(msg.get("timestamp"), int) or 0, _num(msg.get("confidence")),
                                  received_at=received_at)
    if kind == "Turn":
        words = tuple(
            StreamWord(str(w.get("text", "")), _num(w.get("start"), int), _num(w.get("end"), int),
                       _num(w.get("confidence")), bool(w.get("word_is_final", False)))
            for w in msg.get("words") or ()
        )
        return TurnEvent(
            turn_order=_num(msg.get("turn_order"), int) or 0,
            transcript=msg.get("transcript") or "",
            end_of_turn=bool(msg.get("end_of_turn", False)),
            turn_is_formatted=bool(msg.get("turn_is_formatted", False)),
            end_of_turn_confidence=_num(msg.get("end_of_turn_confidence")),
            utterance=msg.get("utterance") or "",
            words=words,
            start_ms=words[0].start_ms if words else None,
            end_ms=words[-1].end_ms if words else None,
            speaker_label=msg.get("speaker_label"),
            received_at=received_at,
        )
    if kind == "Termination":
        return TerminationEvent(_num(msg.get("audio_duration_seconds")), _num(msg.get("session_duration_seconds")),
                                received_at=received_at)
    if kind == "Error" or (kind is None and "error" in msg):
        code = _num(msg.get("error_code"), int)
        return ErrorEvent(code, str(msg.get("error", "")), CLOSE_CODE_HINTS.get(code, ""), True,
                          received_at=received_at)
    return None
