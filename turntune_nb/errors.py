"""The errors turntune_nb raises.

Every error a user can act on has its own class; all derive from `TurnTuneError`,
so ``except TurnTuneError`` catches everything the package raises on purpose::

    TurnTuneError
     +-- InputError (ValueError)                  nothing usable was given
     |    +-- NothingUsableError                  every input failed: nothing to analyse
     |    +-- TranscriptFormatError               a transcript file is malformed (file, line)
     |    +-- AudioDecodeError                    an audio file cannot be decoded (file)
     +-- ConfigError (ValueError)                 a setting is out of range or unknown
     +-- APIError                                 AssemblyAI answered with an error
     |    +-- MissingAPIKeyError (ValueError)     no key in the argument or the environment
     |    +-- AuthenticationError                 401: the key was refused
     |    +-- RateLimitError                      429 after every retry
     |    +-- TranscriptionFailedError            a job ended with status "error" (file, reason)
     +-- StreamingError                           the live session failed
     |    +-- StreamingClosedError                the server closed the socket (code, reason)
     |    +-- NoMicrophoneError                   PyAudio or an input device is missing
     +-- ReplayNotConfirmedError                  a replay would stream and was not confirmed

Messages say what happened, to which file, and what to do next. Third-party
exceptions are translated once, at the boundary, with ``raise ... from err``.
"""

from __future__ import annotations

__all__ = (
    "TurnTuneError",
    "InputError",
    "NothingUsableError",
    "TranscriptFormatError",
    "AudioDecodeError",
    "ConfigError",
    "APIError",
    "MissingAPIKeyError",
    "AuthenticationError",
    "RateLimitError",
    "TranscriptionFailedError",
    "StreamingError",
    "StreamingClosedError",
    "NoMicrophoneError",
    "ReplayNotConfirmedError",
)


class TurnTuneError(Exception):
    """Base class of every error turntune_nb raises on purpose.

    Errors pickle with their fields (file, line, code...), so a failure in a worker
    process or on a cluster arrives whole.
    """

    _init_args: tuple | None = None

    def __reduce__(self):
        if self._init_args is None:
            return super().__reduce__()
        return (type(self), self._init_args, self.__dict__)


class InputError(TurnTuneError, ValueError):
    """Nothing usable was given: a missing folder, no readable file, an empty input."""


class NothingUsableError(InputError):
    """Inputs were given, but none could be read or transcribed: there is nothing to
    analyse, so nothing is written (the command line exits with code 4)."""


class TranscriptFormatError(InputError):
    """A transcript file is malformed.

    Parameters
    ----------
    path : str
        The file that could not be read.
    reason : str
        What is wrong with it.
    line : int, optional
        1-based line number, for text formats (RTTM, CSV).
    """

    def __init__(self, path, reason: str, line: int | None = None):
        self._init_args = (path, reason, line)
        self.path = str(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


class AudioDecodeError(InputError):
    """An audio file cannot be decoded (corrupt, empty, not audio)."""

    def __init__(self, path, reason: str):
        self._init_args = (path, reason)
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: cannot decode audio: {reason}")


class ConfigError(TurnTuneError, ValueError):
    """A setting is out of range or unknown."""


class APIError(TurnTuneError):
    """AssemblyAI answered with an error.

    Parameters
    ----------
    message : str
        What happened, in words a user can act on.
    status_code : int, optional
        The HTTP status, when there was one.
    """

    def __init__(self, message: str, status_code: int | None = None):
        if self._init_args is None:  # a subclass records its own arguments first
            self._init_args = (message, status_code)
        self.status_code = status_code
        super().__init__(message)


class MissingAPIKeyError(APIError, ValueError):
    """No API key was given and ``ASSEMBLYAI_API_KEY`` is not set."""

    def __init__(self, message: str | None = None):
        self._init_args = (message,)
        super().__init__(
            message
            or "No AssemblyAI API key: set the ASSEMBLYAI_API_KEY environment variable, "
            "pass api_key=..., or call turntune_nb.ask_api_key() in a notebook. "
            "Without a key, use the offline backend (--backend offline; backend=\"offline\" in Python)."
        )


class AuthenticationError(APIError):
    """The server refused the API key (HTTP 401)."""


class RateLimitError(APIError):
    """The server kept answering 429 Too Many Requests after every retry."""


class TranscriptionFailedError(APIError):
    """A transcription job for one file ended with ``status: error``.

    Parameters
    ----------
    path : str
        The file or URL the job was for.
    reason : str
        AssemblyAI's own text, e.g. ``"Audio duration is too short."``.
    transcript_id : str, optional
        The job id, when one exists.
    """

    def __init__(self, path, reason: str, transcript_id: str | None = None, status_code=None):
        self._init_args = (path, reason, transcript_id, status_code)
        self.path = str(path)
        self.reason = reason
        self.transcript_id = transcript_id
        super().__init__(f"{self.path}: transcription failed: {reason}", status_code)


class StreamingError(TurnTuneError):
    """The live streaming session failed."""


class StreamingClosedError(StreamingError):
    """The server closed the streaming socket with an error code.

    Parameters
    ----------
    code : int
        The WebSocket close code (1008 unauthorized, 3005-3009 server errors).
    reason : str
        The server's reason text.
    """

    def __init__(self, code: int | None, reason: str, hint: str = ""):
        self._init_args = (code, reason, hint)
        self.code = code
        self.reason = reason
        msg = f"streaming session closed by the server (code {code}): {reason}"
        super().__init__(f"{msg}. {hint}" if hint else msg)


class NoMicrophoneError(StreamingError):
    """PyAudio is not installed, or no audio input device is available."""


class ReplayNotConfirmedError(TurnTuneError):
    """A replay would stream audio (paid, with a key) and was not confirmed: pass
    ``yes=True`` (``turntune replay --yes``) after reading how many hours it is."""
