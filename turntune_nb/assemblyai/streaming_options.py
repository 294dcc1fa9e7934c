"""`StreamingOptions`: how a streaming session reaches AssemblyAI and what it asks for.

One frozen, validated object per concern, as httpx keeps ``Timeout`` and ``Limits``:
the WebSocket's address, its connection parameters (speech model, the config
overrides, the server's inactivity timer, key terms), the handshake's time-out and
whether the socket is authorised with a temporary token. How the session runs on
this side (pacing, the client-side inactivity rule) is the live wing's
`turntune_nb.live.session.SessionOptions`; the key itself is an argument of
`turntune_nb.assemblyai.streaming.StreamingSession`, never part of an options object.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from ..analysis.presets import check_streaming_fields
from ..analysis.surface import DEFAULT_STREAMING_MODEL
from ..errors import ConfigError
from ..options import is_number

__all__ = ("StreamingOptions", "STREAMING_FIELDS", "OVERRIDE_FIELDS")


@dataclass(frozen=True)
class StreamingOptions:
    """How a session reaches AssemblyAI's streaming service and what it asks it for: the
    WebSocket's address, its connection parameters, the handshake's time-out and how the
    socket is authorised (the key or token itself is an argument of `StreamingSession`,
    never part of an options object that may be shown).

    Parameters
    ----------
    speech_model : str, optional
        ``"universal-3-6-pro"``, ``"universal-3-5-pro"``, ``"universal-streaming-english"``...
        None (default): the config's model, else AssemblyAI's streaming default,
        ``universal-3-6-pro`` (`turntune_nb.analysis.surface.DEFAULT_STREAMING_MODEL`).
        The legacy ``u3-rt-pro`` still works, with a one-line deprecation note.
    mode, interruption_delay, vad_threshold, max_turn_duration, speaker_labels, max_speakers : optional
        Override the config's: U3 Pro's ``mode`` (``min_latency``, ``balanced``,
        ``max_accuracy``) and ``interruption_delay`` (0-1000 ms), the VAD's
        ``vad_threshold`` (0-1, any model), the longest turn before the service
        force-finalises it (``max_turn_duration``, ms), streaming diarisation
        (``speaker_labels``: the service then starts from its diarisation profile) and
        its hard cap on speakers (``max_speakers``).
    server_inactivity_timeout : int, optional
        The API's own ``inactivity_timeout`` parameter (5-3600 s): the server ends the
        session (``end_reason.kind == "server_inactivity"``) after this long without
        speech; the client-side rule (`SessionOptions.inactivity_timeout_s`) ends as
        ``"inactivity"``.
    keyterms_prompt : sequence of str, optional
        At most 100 terms (kept as a tuple).
    extra_params : dict, optional
        More query parameters (``prompt``...).
    url : str, optional
        Defaults to ``ASSEMBLYAI_STREAMING_URL``, then ``wss://streaming.assemblyai.com/v3/ws``
        (``streaming.EU_STREAMING_URL`` for the EU data zone).
    connect_timeout : float
        Seconds for the handshake and Begin.
    temporary_token : bool or int
        Mint a single-use temporary token with the key when the session starts
        (``create_temporary_token``; an int is its ``expires_in_seconds``) and connect
        with it, so the socket never carries the key.

    Raises
    ------
    ConfigError
        A value out of range (``server_inactivity_timeout`` outside 5-3600 s, more than
        100 key terms, a U3 Pro field for another model...), saying what it should be.

    Examples
    --------
    >>> StreamingOptions(speech_model="universal-streaming-english", server_inactivity_timeout=30).speech_model
    'universal-streaming-english'
    >>> StreamingOptions(mode="balanced", max_turn_duration=20000).overrides
    {'mode': 'balanced', 'max_turn_duration': 20000}
    >>> StreamingOptions(server_inactivity_timeout=2)
    Traceback (most recent call last):
    ...
    turntune_nb.errors.ConfigError: server_inactivity_timeout must lie in 5..3600 s, got 2
    """

    speech_model: str | None = None
    mode: str | None = None
    interruption_delay: int | None = None
    vad_threshold: float | None = None
    max_turn_duration: int | None = None
    speaker_labels: bool | None = None
    max_speakers: int | None = None
    server_inactivity_timeout: int | None = None
    keyterms_prompt: tuple | None = None
    extra_params: dict | None = None
    url: str | None = None
    connect_timeout: float = 10.0
    temporary_token: bool | int = False

    def __post_init__(self):
        if self.speech_model is not None and (not isinstance(self.speech_model, str) or not self.speech_model.strip()):
            raise ConfigError(f"speech_model must be a model name such as {DEFAULT_STREAMING_MODEL!r} "
                              f"(or None for the config's, else the service's default), got {self.speech_model!r}")
        if self.speaker_labels is not None and not isinstance(self.speaker_labels, bool):
            raise ConfigError(f"speaker_labels must be True or False, got {self.speaker_labels!r}")
        check_streaming_fields(self.overrides, self.speech_model)
        wait = self.server_inactivity_timeout
        if wait is not None:
            if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not 5 <= wait <= 3600:
                raise ConfigError(f"server_inactivity_timeout must lie in 5..3600 s, got {wait!r}")
            object.__setattr__(self, "server_inactivity_timeout", int(wait))
        if self.keyterms_prompt is not None:
            if isinstance(self.keyterms_prompt, str):
                raise ConfigError("keyterms_prompt is a list of terms, not one string")
            terms = tuple(str(t) for t in self.keyterms_prompt)
            if len(terms) > 100:
                raise ConfigError(f"keyterms_prompt holds at most 100 terms, got {len(terms)}")
            object.__setattr__(self, "keyterms_prompt", terms)
        if self.extra_params is not None and not isinstance(self.extra_params, dict):
            raise ConfigError(f"extra_params is a dict of query parameters, got {type(self.extra_params).__name__}")
        if self.url is not None and not isinstance(self.url, str):
            raise ConfigError(f"url is a wss:// address, got {type(self.url).__name__}")
        if not is_number(self.connect_timeout):
            raise ConfigError(f"connect_timeout must be positive seconds, got {self.connect_timeout!r}")
        token = self.temporary_token
        if not isinstance(token, (bool, int)) or (not isinstance(token, bool) and token <= 0):
            raise ConfigError(f"temporary_token is True/False or the token's lifetime in seconds, got {token!r}")

    @property
    def overrides(self) -> dict:
        """The config fields this overrides (``mode``, ``interruption_delay``, ``vad_threshold``,
        ``max_turn_duration``, ``speaker_labels``, ``max_speakers``), those that are set."""
        return {k: getattr(self, k) for k in OVERRIDE_FIELDS if getattr(self, k) is not None}


#: The `StreamingConfig` fields a `StreamingOptions` can override.
OVERRIDE_FIELDS = ("mode", "interruption_delay", "vad_threshold", "max_turn_duration", "speaker_labels",
                   "max_speakers")


#: The keyword arguments `StreamingSession` still takes one by one (deprecated).
STREAMING_FIELDS = tuple(f.name for f in fields(StreamingOptions))
