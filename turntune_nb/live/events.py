"""What a live session reports, whatever its service: typed events and end reasons.

AssemblyAI's v3 messages (`turntune_nb.assemblyai.streaming.parse_message`) and the
offline endpointer (`turntune_nb.live.endpointer`) both produce these, so a panel,
a test or your callback handles one set of types.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import ClassVar

__all__ = (
    "BeginEvent",
    "SpeechStartedEvent",
    "TurnEvent",
    "StreamWord",
    "TerminationEvent",
    "ErrorEvent",
    "WarningEvent",
    "SessionEnd",
)


class _Event:
    """Shared behaviour of the typed events: ``type`` and a JSON-able `to_dict`."""

    type: ClassVar[str] = ""

    def to_dict(self) -> dict:
        """The event as plain JSON data: ``{"type": ..., fields...}`` (no receive time)."""
        out = {"type": self.type}
        for f in fields(self):
            if f.name in ("received_at",):
                continue
            value = getattr(self, f.name)
            if f.name == "words":
                value = [asdict(w) for w in value]
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out


@dataclass(frozen=True)
class BeginEvent(_Event):
    """The session began (``Begin``): its id, when it expires (Unix seconds) and the
    ``configuration`` the service says is in force (``speech_model``, ``mode``,
    ``speaker_labels``, the turn fields...; None when the service sent none).

    Examples
    --------
    >>> BeginEvent("de5d", 1759796682, {"speech_model": "universal-3-6-pro"}).model
    'universal-3-6-pro'
    """

    type: ClassVar[str] = "Begin"
    id: str = ""
    expires_at: int | None = None
    configuration: dict | None = field(default=None, compare=False)
    received_at: float = field(default=0.0, compare=False, repr=False)

    @property
    def model(self) -> str | None:
        """The speech model in force, as ``configuration`` names it (``speech_model`` or ``model``)."""
        conf = self.configuration or {}
        found = conf.get("speech_model", conf.get("model"))
        return None if found is None else str(found)


@dataclass(frozen=True)
class SpeechStartedEvent(_Event):
    """Speech started at ``timestamp_ms`` from the stream start (U3 Pro only)."""

    type: ClassVar[str] = "SpeechStarted"
    timestamp_ms: int = 0
    confidence: float | None = None
    received_at: float = field(default=0.0, compare=False, repr=False)


@dataclass(frozen=True)
class StreamWord:
    """One word of a `TurnEvent` (ms from the stream start)."""

    text: str
    start_ms: int
    end_ms: int
    confidence: float | None = None
    word_is_final: bool = False


@dataclass(frozen=True)
class TurnEvent(_Event):
    """A partial (``end_of_turn`` false) or final (true) turn.

    ``start_ms`` / ``end_ms`` come from the words; the offline endpointer sets them
    directly and leaves ``words`` empty (timing only), with ``emitted_at_ms``: how
    far into the audio the turn was decided.

    Examples
    --------
    >>> t = TurnEvent(turn_order=0, transcript="Hi.", end_of_turn=True, start_ms=1216, end_ms=1635)
    >>> t.is_final, t.is_partial, t.end_ms - t.start_ms
    (True, False, 419)
    >>> t.to_dict()["type"], t.to_dict()["transcript"]
    ('Turn', 'Hi.')
    """

    type: ClassVar[str] = "Turn"
    turn_order: int = 0
    transcript: str = ""
    end_of_turn: bool = False
    turn_is_formatted: bool = False
    end_of_turn_confidence: float | None = None
    utterance: str = ""
    words: tuple = ()
    start_ms: int | None = None
    end_ms: int | None = None
    speaker_label: str | None = None
    emitted_at_ms: int | None = None
    received_at: float = field(default=0.0, compare=False, repr=False)

    @property
    def is_final(self) -> bool:
        return bool(self.end_of_turn)

    @property
    def is_partial(self) -> bool:
        return not self.end_of_turn


@dataclass(frozen=True)
class TerminationEvent(_Event):
    """The server ended the session (``Termination``); durations in whole seconds."""

    type: ClassVar[str] = "Termination"
    audio_duration_seconds: float | None = None
    session_duration_seconds: float | None = None
    received_at: float = field(default=0.0, compare=False, repr=False)


@dataclass(frozen=True)
class ErrorEvent(_Event):
    """Something went wrong: a server ``Error`` message or close code, a lost
    connection, a failing source, or an exception in one of your callbacks
    (``fatal`` false: the session carries on)."""

    type: ClassVar[str] = "Error"
    code: int | None = None
    error: str = ""
    hint: str = ""
    fatal: bool = True
    exception: BaseException | None = field(default=None, compare=False, repr=False)
    received_at: float = field(default=0.0, compare=False, repr=False)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out.pop("exception", None)
        return out


@dataclass(frozen=True)
class WarningEvent(_Event):
    """Something the session carries on after but you should know: the service ignored
    or changed a setting that was asked for (``settings``: their names; found by
    comparing ``Begin.configuration`` with the request), or a server ``Warning``
    message (``code`` its ``warning_code``).

    Examples
    --------
    >>> WarningEvent(None, "the service ignored min_turn_silense", ("min_turn_silense",)).to_dict()["settings"]
    ('min_turn_silense',)
    """

    type: ClassVar[str] = "Warning"
    code: int | None = None
    warning: str = ""
    settings: tuple = ()
    received_at: float = field(default=0.0, compare=False, repr=False)


@dataclass(frozen=True)
class SessionEnd:
    """Why a session ended.

    Attributes
    ----------
    kind : str
        ``"stopped"`` (``stop()`` or Ctrl+C), ``"inactivity"`` (the client-side
        rule), ``"source_exhausted"``, ``"source_error"``, ``"server_error"`` (close
        code other than 1000), ``"server_inactivity"`` (the server's own
        ``inactivity_timeout`` ended it: a Termination it sent unasked, or close
        code 3006 with an inactivity reason; not an error), ``"server_closed"`` (the server ended it
        otherwise), ``"connection_lost"``.
    detail : str
    code : int, optional
        The close code, for server-side endings.
    """

    STOPPED: ClassVar[str] = "stopped"
    INACTIVITY: ClassVar[str] = "inactivity"
    SOURCE_EXHAUSTED: ClassVar[str] = "source_exhausted"
    SOURCE_ERROR: ClassVar[str] = "source_error"
    SERVER_ERROR: ClassVar[str] = "server_error"
    SERVER_CLOSED: ClassVar[str] = "server_closed"
    SERVER_INACTIVITY: ClassVar[str] = "server_inactivity"
    CONNECTION_LOST: ClassVar[str] = "connection_lost"

    kind: str
    detail: str = ""
    code: int | None = None

    def __str__(self) -> str:
        code = f" (code {self.code})" if self.code is not None else ""
        return f"{self.kind}{code}: {self.detail}" if self.detail else f"{self.kind}{code}"
