"""What AssemblyAI is given for each input: a URL it can fetch itself, or an upload, and
the request that goes with it.

- an http(s) URL is submitted as ``audio_url``, as always;
- a `RemoteFile` (``s3://``, ``gs://``, ``az://``, an http(s) folder's file) is
  submitted by URL when the service can fetch it: its own https URL, or a presigned
  one from ``fs.sign()`` (s3fs, gcsfs, adlfs). Nothing is downloaded or uploaded.
  Only an object no service can reach (``file://``, a store that cannot sign) is
  fetched once (`turntune_nb.remote.fetch`) and uploaded;
- a local file is uploaded once (the journal keeps its upload URL); with
  ``upload_codec="flac"`` a 16-bit PCM WAV is sent as lossless FLAC
  (`turntune_nb.audio.encode`), and `UploadStats` counts the bytes saved.
"""

from __future__ import annotations

import json
import tempfile
import threading
import warnings
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..files import is_url
from ..remote import RemoteFile, fetch, signed_url

__all__ = ("UploadStats", "audio_url_for", "check_upload_codec", "BatchRequest", "probe_channels",
           "check_request_options")


@dataclass
class UploadStats:
    """What a run sent: files by URL (nothing uploaded), files uploaded, and their bytes."""

    by_url: int = 0
    uploaded: int = 0
    bytes_sent: int = 0
    bytes_original: int = 0  # of the uploaded files as they are on disk
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def bytes_saved(self) -> int:
        return self.bytes_original - self.bytes_sent

    def add(self, **counts) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)

    def note(self) -> str | None:
        """A line for the run's notes, or None when nothing was saved or sent by URL."""
        parts = []
        if self.by_url:
            parts.append(f"{self.by_url} file(s) submitted by URL (not uploaded)")
        if self.bytes_saved > 0:
            share = 100 * self.bytes_saved / self.bytes_original
            parts.append(f"FLAC before upload: {self.bytes_sent:,} bytes sent instead of "
                         f"{self.bytes_original:,} ({self.bytes_saved:,} bytes, {share:.0f}% saved)")
        return "; ".join(parts) or None


def check_upload_codec(codec) -> None:
    """Refuse an unknown ``upload_codec`` before anything is sent.

    Raises
    ------
    ConfigError
    """
    if codec not in (None, "flac"):
        raise ConfigError(f"upload_codec must be 'flac' or None, got {codec!r}")


def audio_url_for(src, client, upload_codec=None, stats: UploadStats | None = None, fetch_dir=None) -> tuple[str, bool]:
    """``(audio_url, uploaded)`` for one input: a URL the service fetches, or the upload URL of its bytes.

    The returned URL may be presigned (credentials in its query): it is given to the
    service only, never shown.
    """
    stats = stats if stats is not None else UploadStats()
    if is_url(src):
        stats.add(by_url=1)
        return str(src), False
    if isinstance(src, RemoteFile):
        url = signed_url(src)
        if url is not None:
            stats.add(by_url=1)
            return url, False
        src = fetch(src, fetch_dir)
    from pathlib import Path

    path = Path(src)
    size = path.stat().st_size
    if upload_codec == "flac":
        from ..audio.encode import flac_for_upload

        with tempfile.TemporaryDirectory(prefix="turntune-flac-") as tmp:
            flac = flac_for_upload(path, tmp)
            if flac is not None and flac.stat().st_size < size:
                sent = flac.stat().st_size
                url = client.upload(flac)
                stats.add(uploaded=1, bytes_sent=sent, bytes_original=size)
                return url, True
    url = client.upload(path)
    stats.add(uploaded=1, bytes_sent=size, bytes_original=size)
    return url, True


# --------------------------------------------------------------------------- the request per file
def probe_channels(source) -> int | None:
    """The number of channels of a local file's first audio stream, from its header; None when not known here.

    Only the container's header is read (PyAV opens it; nothing is decoded), so this
    costs milliseconds even for an hour of audio. URLs and remote objects are not
    fetched to be probed: None, and they are submitted as before.

    Examples
    --------
    >>> probe_channels("samples/synthetic/conv1.wav"), probe_channels("samples/real/sample.wav")
    (2, 1)
    >>> probe_channels("https://example.org/call.wav") is None
    True
    """
    if is_url(source) or isinstance(source, RemoteFile):
        return None
    import av  # the decoder's library (turntune_nb.audio.decode), imported only when a run needs it

    try:
        with av.open(str(source), mode="r") as container:
            streams = container.streams.audio
            return (streams[0].codec_context.channels or None) if streams else None
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return None  # AssemblyAI says what it makes of it; the file is submitted as before


def _speaker_count(name, value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"option {name}={value!r}: expected a whole number of speakers, 1 or more. "
                          "Fix it and run again; nothing was uploaded or paid.")
    return value


@dataclass(frozen=True)
class BatchRequest:
    """What AssemblyAI is asked for each file of a batch: the same fields for all, and the speaker
    fields decided per file from its channels (`body`).

    A file whose channels are two (read with `probe_channels`) is sent with
    ``multichannel=true`` and ``speaker_labels=false``: each party is transcribed on
    its own channel (AssemblyAI labels them ``1A``, ``2A``...), which is exact for a
    call recorded one party per channel, where diarisation guesses. Any other file,
    and one whose channels are not known (a URL), is sent with ``speaker_labels=true``
    and, when the number of speakers is known, ``speaker_options`` with
    ``min_speakers_expected = max_speakers_expected = speakers``.

    Parameters
    ----------
    fields : dict
        AssemblyAI's request fields sent with every file as they are
        (``speech_models``, ``language_detection``...).
    speaker_labels : bool, optional
        None: on, except for files sent with ``multichannel``. True with a
        two-channel file: AssemblyAI diarises within each channel (``1A``, ``1B``...).
    multichannel : bool, optional
        None: decided per file (two channels: on). True or False: for every file
        (False is AssemblyAI's default, so it is not sent).
    speakers : int, optional
        How many people speak in each recording (sent as ``speaker_options``).
    speaker_options : dict, optional
        AssemblyAI's ``{"min_speakers_expected": a, "max_speakers_expected": b}``, as is.

    Examples
    --------
    >>> request = BatchRequest.from_request({"speakers": 3}, ["universal-3-5-pro"])
    >>> mono = request.body(channels=1)
    >>> mono["speaker_labels"], mono["speaker_options"]
    (True, {'min_speakers_expected': 3, 'max_speakers_expected': 3})
    >>> request.body(channels=2)
    {'speaker_labels': False, 'multichannel': True, 'speech_models': ['universal-3-5-pro']}
    """

    fields: dict = field(default_factory=dict)
    speaker_labels: bool | None = None
    multichannel: bool | None = None
    speakers: int | None = None
    speaker_options: dict | None = None

    @classmethod
    def from_request(cls, request: dict, default_models=()) -> BatchRequest:
        """The request of `transcribe_files`' keyword arguments (AssemblyAI's field names, plus
        ``speakers``); ``speakers_expected`` still works, as ``speakers``, with a `DeprecationWarning`.

        Raises
        ------
        ConfigError
            A value AssemblyAI would refuse, before anything is uploaded or paid.
        """
        request = dict(request)
        speakers = _speaker_count("speakers", request.pop("speakers", None))
        old = request.pop("speakers_expected", None)
        if old is not None:
            old = _speaker_count("speakers_expected", old)
            warnings.warn("speakers_expected is deprecated by AssemblyAI (replaced by speaker_options): give "
                          f"speakers={old} instead; it is sent as speaker_options with min_speakers_expected = "
                          f"max_speakers_expected = {old}", DeprecationWarning, stacklevel=3)
            if speakers is not None and speakers != old:
                raise ConfigError(f"speakers={speakers} and speakers_expected={old} disagree: give speakers= only. "
                                  "Nothing was uploaded or paid.")
            speakers = old
        labels, multichannel = request.pop("speaker_labels", None), request.pop("multichannel", None)
        options = request.pop("speaker_options", None)
        fields = {"speech_models": list(request.pop("speech_models", None) or default_models)}
        fields.update({k: v for k, v in request.items() if v is not None})
        made = cls(fields, labels, multichannel, speakers, options)
        made.check()
        return made

    def check(self) -> None:
        """Refuse, before paying, what AssemblyAI would refuse or what cannot be journaled.

        Raises
        ------
        ConfigError
        """
        sample = dict(self.fields, speaker_labels=self.speaker_labels, multichannel=self.multichannel)
        check_request_options({k: v for k, v in sample.items() if v is not None})
        if self.speaker_options is not None:
            _check_speaker_options(self.speaker_options)
        if self.speaker_labels is False and (self.speakers or self.speaker_options) and self.multichannel is not True:
            raise ConfigError("speakers (speaker_options) tell AssemblyAI's speaker labels how many voices to find: "
                              "they need speaker_labels=True. Drop one of them and run again; nothing was paid.")

    @property
    def needs_channels(self) -> bool:
        """Whether the body depends on each file's channels (`multichannel` not given)."""
        return self.multichannel is None

    def body(self, channels: int | None = None) -> dict:
        """The JSON body (less ``audio_url``) for a file with `channels` channels (None: not known).

        It is also what the file's cache key and journal hold: a re-run with the same
        request finds them; a different request (``multichannel`` changed) does not.
        """
        multichannel = self.multichannel if self.multichannel is not None else channels == 2
        labels = self.speaker_labels if self.speaker_labels is not None else not multichannel
        body = {"speaker_labels": bool(labels)}
        if multichannel:
            body["multichannel"] = True
        options = self.speaker_options
        if options is None and self.speakers is not None:
            options = {"min_speakers_expected": self.speakers, "max_speakers_expected": self.speakers}
        if options is not None and labels:  # speaker_options only steer speaker labels
            body["speaker_options"] = dict(options)
        body.update(self.fields)
        return body


def _check_speaker_options(options) -> None:
    def bad(what):
        raise ConfigError(f"option speaker_options={options!r}: {what}. Fix it and run again; "
                          "nothing was uploaded or paid.")

    if not isinstance(options, dict) or not options:
        bad("expected {'min_speakers_expected': a, 'max_speakers_expected': b}")
    unknown = sorted(set(options) - {"min_speakers_expected", "max_speakers_expected"})
    if unknown:
        bad(f"unknown field(s) {', '.join(unknown)}; AssemblyAI's are min_speakers_expected, max_speakers_expected")
    for name, value in options.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            bad(f"{name} must be a whole number of speakers, 1 or more")
    low, high = options.get("min_speakers_expected"), options.get("max_speakers_expected")
    if low is not None and high is not None and low > high:
        bad(f"min_speakers_expected ({low}) is more than max_speakers_expected ({high})")


def check_request_options(options: dict) -> None:
    """Refuse request options AssemblyAI would refuse or that cannot be journaled, before paying.

    Raises
    ------
    ConfigError
        Naming the option, the value and what it should be.
    """
    def bad(name, value, what):
        raise ConfigError(f"option {name}={value!r}: {what}. Fix it and run again; nothing was uploaded or paid.")

    models = options.get("speech_models")
    if not isinstance(models, list) or not all(isinstance(m, str) and m.strip() for m in models):
        bad("speech_models", models, "expected a list of model names such as ['universal-3-5-pro']")
    for name in ("speaker_labels", "language_detection", "punctuate", "format_text", "multichannel"):
        if name in options and not isinstance(options[name], bool):
            bad(name, options[name], "expected True or False")
    for name, value in options.items():
        if not isinstance(name, str) or not name.isidentifier():
            bad(name, value, "option names are AssemblyAI's field names")
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            bad(name, value, "expected a JSON value (text, number, true/false, list or object)")
