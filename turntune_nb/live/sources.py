"""Where live audio comes from: the microphone, a recording, or any iterable of PCM.

Every source yields raw 16-bit little-endian mono PCM (``pcm_s16le``) at
``sample_rate`` in chunks of any size; the session re-cuts them into 50 ms frames
and, unless the source is itself real time (``realtime = True``, the microphone),
paces them from a monotonic clock.

    MicrophoneSource()                      # PyAudio, 16 kHz mono int16, 50 ms frames
    FileSource("call.mp3")                  # any file the offline backend decodes
    as_source([b"...", b"..."])             # any iterable of PCM bytes or int16 arrays

PyAudio is imported only when a microphone is opened, so importing this module
(and ``turntune_nb``) never needs PortAudio.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import wave
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from ..errors import InputError, NoMicrophoneError

__all__ = (
    "AudioSource",
    "MicrophoneSource",
    "FileSource",
    "IterableSource",
    "PushSource",
    "as_source",
    "SAMPLE_RATE",
    "CHUNK_MS",
)

log = logging.getLogger(__name__)

#: The sample rate every source delivers and the session announces (Hz).
SAMPLE_RATE = 16_000
#: The frame length sent to the server (ms): AssemblyAI's recommended 50 ms.
CHUNK_MS = 50

_MIC_FIX = (
    "Install PyAudio with `pip install 'turntune_nb[mic]'` (on Debian/Ubuntu first "
    "`apt-get install portaudio19-dev`), check that an input device is connected and "
    "allowed, or stream a recording instead (FileSource / `turntune stream --source FILE`)."
)


def pcm_bytes(chunk) -> bytes:
    """Raw ``pcm_s16le`` bytes from bytes or a numpy array (int16, or float in [-1, 1]).

    Examples
    --------
    >>> pcm_bytes(np.array([0.5, -1.0]))
    b'\\x00@\\x01\\x80'
    >>> pcm_bytes(b"\\x01\\x00")
    b'\\x01\\x00'
    """
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    arr = np.asarray(chunk)
    if arr.dtype.kind == "f":
        arr = np.round(np.clip(arr, -1.0, 1.0) * 32767.0)
        arr[arr < -32767] = -32768
    elif arr.dtype.kind not in "iu":
        raise InputError(f"an audio chunk must be bytes or a numeric array, got {arr.dtype}")
    return arr.astype("<i2", copy=False).tobytes()


class AudioSource:
    """The interface the sessions read from (duck typing is enough).

    Attributes
    ----------
    sample_rate : int
        Hz of the PCM the chunks hold (mono, int16).
    realtime : bool
        True when reading already blocks at real time (a microphone): the session
        sends what it reads at once. False: the session paces the chunks itself.
    name : str
        What to show in messages.
    channels : int
        Interleaved channels in each chunk (1 but for `FileSource(..., parties=True)`
        on a two-channel recording; only the offline endpointer takes 2).
    """

    sample_rate: int = SAMPLE_RATE
    realtime: bool = False
    name: str = "audio"
    channels: int = 1

    def open(self) -> None:
        """Acquire the device or file; raise a clear error if that is impossible."""

    def chunks(self) -> Iterator[bytes]:
        """PCM chunks of any size until the source ends."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the device or file (idempotent)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class IterableSource(AudioSource):
    """Any iterable of PCM chunks (bytes, int16 arrays or float arrays in [-1, 1]).

    Parameters
    ----------
    chunks : iterable
    sample_rate : int
    name : str

    Examples
    --------
    >>> src = IterableSource([b"\\x00\\x00" * 800, np.zeros(400, dtype=np.int16)])
    >>> [len(c) for c in src.chunks()]
    [1600, 800]
    """

    def __init__(self, chunks: Iterable, sample_rate: int = SAMPLE_RATE, name: str = "iterable"):
        self._chunks = chunks
        self.sample_rate = int(sample_rate)
        self.name = name

    def chunks(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            data = pcm_bytes(chunk)
            if data:
                yield data


class PushSource(AudioSource):
    """Audio pushed from outside (a browser's microphone, another process): a real-time
    source fed by `push`, read by the session's sender thread.

    The queue between them is bounded (``max_ms`` of audio): when the reader falls
    behind, a pushed chunk is dropped and counted (`dropped_chunks`, `dropped_ms`,
    a warning in the log the first time), never dropped silently and never allowed
    to grow without bound. `end` (or `close`) ends the stream after what is queued.

    Parameters
    ----------
    sample_rate : int
    max_ms : int
        How much audio may wait for the reader before chunks are dropped.
    name : str

    Examples
    --------
    >>> src = PushSource(max_ms=100)
    >>> [src.push(bytes(1600)) for _ in range(3)]    # 50 ms each: the third does not fit
    [True, True, False]
    >>> src.end(); [len(c) for c in src.chunks()], src.dropped_chunks, src.dropped_ms
    ([1600, 1600], 1, 50.0)
    """

    realtime = True

    def __init__(self, sample_rate: int = SAMPLE_RATE, max_ms: int = 5000, name: str = "pushed audio"):
        if not max_ms > 0:
            raise InputError(f"max_ms must be positive, got {max_ms!r}")
        self.sample_rate = int(sample_rate)
        self.name = name
        self.max_ms = max_ms
        self.pushed_chunks = 0
        self.pushed_ms = 0.0
        self.dropped_chunks = 0
        self.dropped_ms = 0.0
        self._queued_ms = 0.0
        self._items: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._ended = False

    def _ms(self, data: bytes) -> float:
        return len(data) / 2 / self.sample_rate * 1000.0

    def push(self, chunk) -> bool:
        """Queue a chunk (bytes or array); False when it was dropped (queue full or ended)."""
        data = pcm_bytes(chunk)
        ms = self._ms(data)
        with self._lock:
            if self._ended or self._queued_ms + ms > self.max_ms:
                self.dropped_chunks += 1
                self.dropped_ms += ms
                if self.dropped_chunks == 1:
                    log.warning("%s: the reader fell %.0f ms behind; dropping audio (counted in dropped_ms)",
                                self.name, self._queued_ms)
                return False
            self._queued_ms += ms
            self.pushed_chunks += 1
            self.pushed_ms += ms
        self._items.put(data)
        return True

    def end(self) -> None:
        """No more audio: the reader finishes what is queued, then the source ends."""
        with self._lock:
            if self._ended:
                return
            self._ended = True
        self._items.put(None)

    def chunks(self) -> Iterator[bytes]:
        while True:
            data = self._items.get()
            if data is None:
                return
            with self._lock:
                self._queued_ms -= self._ms(data)
            yield data

    def close(self) -> None:
        self.end()


class FileSource(AudioSource):
    """A recording, decoded as it is streamed (any file the offline backend reads).

    The session paces it in real time, as if it were spoken into the microphone.

    Parameters
    ----------
    path : str or Path
    sample_rate : int
        Decoded to this rate, mono.
    chunk_ms : int
        Decoder chunk length (the session re-cuts into 50 ms frames anyway).
    parties : bool
        Keep the two channels of a two-channel recording apart (one party each, as
        call centres record them): chunks then hold interleaved stereo PCM and
        `channels` is 2. Other channel counts are downmixed, as by default.

    Raises
    ------
    InputError
        The file does not exist (on `open`); decoding errors come from
        `turntune_nb.audio.decode` as `AudioDecodeError`.
    """

    def __init__(self, path, sample_rate: int = SAMPLE_RATE, chunk_ms: int = 200, parties: bool = False):
        self.path = Path(path)
        self.sample_rate = int(sample_rate)
        self.chunk_ms = int(chunk_ms)
        self.name = str(path)  # as given: Path("s3://b/x") would read s3:/b/x
        self.channels = 2 if parties and _channel_count(self.path) == 2 else 1

    def open(self) -> None:
        if not self.path.is_file():
            hint = (": a live session replays a local file; copy the recording here first"
                    if "://" in self.name else "")
            raise InputError(f"{self.name}: no such audio file{hint}")

    def chunks(self) -> Iterator[bytes]:
        from ..audio.decode import iter_audio_chunks

        mono = self.channels == 1
        for chunk in iter_audio_chunks(self.path, chunk_ms=self.chunk_ms, sample_rate=self.sample_rate, mono=mono):
            data = pcm_bytes(chunk if mono else np.ascontiguousarray(chunk.T))  # (2, n) -> interleaved L R L R
            if data:
                yield data


def _channel_count(path: Path) -> int:
    """Channels of the first audio stream (0 when the file cannot be opened: `open` says why)."""
    import av

    try:
        with av.open(str(path)) as container:
            return int(container.streams.audio[0].codec_context.channels)
    except (OSError, IndexError, av.error.FFmpegError):
        return 0


class MicrophoneSource(AudioSource):
    """The default input device through PyAudio: 16 kHz mono int16 in 50 ms frames.

    Parameters
    ----------
    sample_rate : int
    frame_ms : int
        Frames per read (50 ms = 800 frames at 16 kHz).
    device_index : int, optional
        A PyAudio input device; the default input device if omitted.

    Raises
    ------
    NoMicrophoneError
        On `open`, when PyAudio is not installed or no input device can be opened;
        the message names the fix.
    """

    realtime = True

    def __init__(self, sample_rate: int = SAMPLE_RATE, frame_ms: int = CHUNK_MS, device_index: int | None = None):
        self.sample_rate = int(sample_rate)
        self.frames_per_buffer = self.sample_rate * int(frame_ms) // 1000
        self.device_index = device_index
        self.name = "microphone" if device_index is None else f"microphone #{device_index}"
        self._pa = None
        self._stream = None

    def open(self) -> None:
        try:
            import pyaudio
        except ImportError as err:
            raise NoMicrophoneError(f"PyAudio is not installed, so the microphone cannot be used. {_MIC_FIX}") from err
        pa = pyaudio.PyAudio()
        try:
            try:  # checked first: PortAudio may crash on a bad index
                info = (pa.get_default_input_device_info() if self.device_index is None
                        else pa.get_device_info_by_index(self.device_index))
            except (OSError, ValueError) as err:
                raise NoMicrophoneError(f"no audio input device is available ({err}). {_MIC_FIX}") from err
            if int(info.get("maxInputChannels", 0)) < 1:
                raise NoMicrophoneError(f"{info.get('name', 'the device')} is not an input device. {_MIC_FIX}")
            try:
                stream = pa.open(
                    format=pyaudio.paInt16,
                    channels=1,
                    rate=self.sample_rate,
                    input=True,
                    input_device_index=self.device_index,
                    frames_per_buffer=self.frames_per_buffer,
                )
            except (OSError, ValueError) as err:
                raise NoMicrophoneError(
                    f"the input device could not be opened at {self.sample_rate} Hz mono ({err}). {_MIC_FIX}"
                ) from err
        except BaseException:
            pa.terminate()
            raise
        self._pa, self._stream = pa, stream

    def chunks(self) -> Iterator[bytes]:
        if self._stream is None:
            self.open()
        stream = self._stream
        while stream is not None and self._stream is stream:
            try:
                yield stream.read(self.frames_per_buffer, exception_on_overflow=False)
            except OSError as err:
                if self._stream is None:  # closed under us by close()
                    return
                raise NoMicrophoneError(f"reading the microphone failed ({err}). {_MIC_FIX}") from err

    def close(self) -> None:
        stream, pa = self._stream, self._pa
        self._stream = self._pa = None
        if stream is not None:
            try:
                stream.stop_stream()
                stream.close()
            except OSError as err:  # pragma: no cover - device vanished
                log.debug("closing the microphone stream failed: %s", err)
        if pa is not None:
            pa.terminate()


def as_source(obj, sample_rate: int = SAMPLE_RATE) -> AudioSource:
    """An `AudioSource` for a source, a path, PCM bytes, a numpy array or an iterable.

    Examples
    --------
    >>> as_source("mic").name, as_source(b"\\x00\\x00" * 800).name
    ('microphone', 'bytes')
    """
    if isinstance(obj, AudioSource) or (hasattr(obj, "chunks") and hasattr(obj, "realtime")):
        return obj
    if isinstance(obj, str) and obj.lower() in ("mic", "microphone"):
        return MicrophoneSource(sample_rate=sample_rate)
    if isinstance(obj, (str, Path)):
        return FileSource(obj, sample_rate=sample_rate)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return IterableSource([bytes(obj)], sample_rate, name="bytes")
    if isinstance(obj, np.ndarray):
        return IterableSource([obj], sample_rate, name="array")
    try:
        iter(obj)
    except TypeError:
        raise InputError(f"not an audio source: {type(obj).__name__}") from None
    return IterableSource(obj, sample_rate)


class WavRecorder:
    """Write what was sent to a 16-bit WAV file (the session's ``save_wav``; mono, or a
    two-party recording's two channels), readable by its owner only (0600, in a
    folder created 0700): it is the call itself."""

    def __init__(self, path, sample_rate: int = SAMPLE_RATE, channels: int = 1):
        from ..files import PRIVATE_FILE_MODE, make_private_dir

        self.path = Path(path)
        make_private_dir(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        os.fchmod(fd, PRIVATE_FILE_MODE)
        self._file = os.fdopen(fd, "wb")
        self._wav = wave.open(self._file, "wb")
        self._wav.setnchannels(int(channels))
        self._wav.setsampwidth(2)
        self._wav.setframerate(int(sample_rate))

    def write(self, data: bytes) -> None:
        if self._wav is not None:
            self._wav.writeframes(data)

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._file.close()  # wave does not close a file object it was given
            self._wav = None
