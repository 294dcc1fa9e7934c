"""Decoding audio files to 16 kHz int16 PCM with PyAV (FFmpeg bundled in its wheel).

Every format FFmpeg reads works: wav, flac, mp3, m4a/mp4/mov (AAC), ogg/opus,
webm, and the rest of `turntune_nb.files.AUDIO_EXTENSIONS`. Video streams in a
container are skipped without being decoded.

Two entry points, one decoder:

- `iter_audio_chunks` streams fixed-length chunks through FFmpeg's resampler, so
  memory stays bounded on hour-long files. The offline backend and the live
  streaming code use it.
- `decode_audio` reads a whole file into an `AudioData` (fine for the short files
  of the samples and tests; an hour of stereo is about 230 MB).

Both give int16 samples at `sample_rate` Hz, either downmixed to one channel
(``mono=True``) or one row per channel of the file (``mono=False``: two-channel
call recordings hold one party per channel). Anything that cannot be decoded
(missing, unreadable, corrupt, empty, not audio) raises `AudioDecodeError`
naming the file and the reason; FFmpeg's own exceptions are translated here.

Examples
--------
>>> audio = decode_audio("samples/real/sample.wav")
>>> audio.samples.shape, audio.sample_rate, audio.duration_ms
((1, 480000), 16000, 30000)
>>> chunks = list(iter_audio_chunks("samples/real/sample.wav", chunk_ms=50))
>>> len(chunks), chunks[0].shape, chunks[0].dtype
(600, (800,), dtype('int16'))
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from ..errors import AudioDecodeError

__all__ = ("AudioData", "decode_audio", "iter_audio_chunks", "DEFAULT_SAMPLE_RATE")

#: The rate the voice activity detectors and AssemblyAI streaming expect.
DEFAULT_SAMPLE_RATE = 16000


@dataclass(frozen=True, slots=True)
class AudioData:
    """Decoded audio of one file.

    Parameters
    ----------
    samples : numpy.ndarray
        int16, shaped ``(channels, n)``; one row when decoded with ``mono=True``.
    sample_rate : int
        Samples per second per channel.
    path : str
        The file it came from.
    """

    samples: np.ndarray
    sample_rate: int
    path: str

    def __post_init__(self):
        if self.samples.ndim != 2 or self.samples.dtype != np.int16:
            raise ValueError(f"{self.path}: samples must be an int16 array shaped (channels, n)")
        if self.sample_rate <= 0:
            raise ValueError(f"{self.path}: sample_rate must be positive, got {self.sample_rate}")

    @property
    def name(self) -> str:
        """The file name without its folder."""
        return Path(self.path).name

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_ms(self) -> int:
        """Length in whole milliseconds (rounded down)."""
        return int(self.samples.shape[1]) * 1000 // self.sample_rate


def _check_args(path, sample_rate) -> Path:
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate < 1000:
        raise ValueError(f"sample_rate must be an integer number of Hz >= 1000, got {sample_rate!r}")
    path = Path(path)
    if not path.exists():
        raise AudioDecodeError(path, "file not found; check the path")
    if path.is_dir():
        raise AudioDecodeError(path, "this is a folder, not an audio file")
    if not os.access(path, os.R_OK):
        raise AudioDecodeError(path, "permission denied; make the file readable")
    if path.stat().st_size == 0:
        raise AudioDecodeError(path, "the file is empty (0 bytes)")
    return path


def _iter_blocks(path, sample_rate: int, mono: bool) -> Iterator[np.ndarray]:
    """Resampled int16 blocks shaped ``(channels, n)``, of whatever length FFmpeg gives.

    Raises `AudioDecodeError` for every failure, including ones that only show up
    part way through the file.
    """
    path = _check_args(path, sample_rate)
    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, UnicodeDecodeError) as err:
        raise AudioDecodeError(path, f"FFmpeg cannot open it as a media file ({err}); is it audio?") from err
    produced = 0
    try:
        if not container.streams.audio:
            kinds = sorted({s.type for s in container.streams}) or ["nothing"]
            raise AudioDecodeError(path, f"no audio stream in it (it holds: {', '.join(kinds)})")
        stream = container.streams.audio[0]
        channels = stream.codec_context.channels or 1
        layout = "mono" if mono else (stream.layout.name if stream.layout and stream.layout.nb_channels else None)
        resampler = av.AudioResampler(format="s16p", layout=layout, rate=sample_rate)
        for packet in container.demux(stream):
            for frame in packet.decode():
                for out in resampler.resample(frame):
                    block = out.to_ndarray()
                    if block.shape[1]:
                        produced += block.shape[1]
                        yield block
        for out in resampler.resample(None):
            block = out.to_ndarray()
            if block.shape[1]:
                produced += block.shape[1]
                yield block
        if produced == 0:
            raise AudioDecodeError(path, f"no samples could be decoded from its audio stream ({channels} channel(s)): the stream is empty or corrupt")
    except AudioDecodeError:
        raise
    except (av.FFmpegError, ValueError, OSError) as err:
        where = f"after {produced * 1000 // sample_rate} ms" if produced else "at the start"
        raise AudioDecodeError(path, f"decoding failed {where} ({err}); the file may be corrupt or truncated") from err
    finally:
        container.close()


def iter_audio_chunks(path, chunk_ms: int = 50, sample_rate: int = DEFAULT_SAMPLE_RATE, mono: bool = True) -> Iterator[np.ndarray]:
    """Stream a file as fixed-length int16 chunks.

    Parameters
    ----------
    path : str or Path
    chunk_ms : int
        Chunk length in milliseconds (50 ms is what AssemblyAI streaming likes).
        ``chunk_ms * sample_rate`` must be a multiple of 1000.
    sample_rate : int
    mono : bool
        Downmix to one channel (default) or keep every channel.

    Yields
    ------
    numpy.ndarray
        int16. With ``mono=True`` a 1-D array of ``chunk_ms * sample_rate / 1000``
        samples; with ``mono=False`` a 2-D array shaped ``(channels, n)``. Every
        chunk is exactly that long except the last, which may be shorter.

    Raises
    ------
    AudioDecodeError
        When the file is missing, unreadable, corrupt, empty or not audio; it may
        be raised after some chunks were yielded (a file truncated half way).

    Examples
    --------
    >>> stereo = next(iter_audio_chunks("samples/synthetic/conv2.flac", chunk_ms=20, mono=False))
    >>> stereo.shape
    (2, 320)
    """
    if not isinstance(chunk_ms, (int, np.integer)) or chunk_ms <= 0 or (chunk_ms * sample_rate) % 1000:
        raise ValueError(f"chunk_ms must be a positive whole number of samples at {sample_rate} Hz, got {chunk_ms!r}")
    size = chunk_ms * sample_rate // 1000
    pending: list[np.ndarray] = []
    have = 0
    for block in _iter_blocks(path, sample_rate, mono):
        pending.append(block)
        have += block.shape[1]
        if have < size:
            continue
        buf = np.concatenate(pending, axis=1) if len(pending) > 1 else pending[0]
        full = (have // size) * size
        for start in range(0, full, size):
            chunk = buf[:, start:start + size]
            yield chunk[0].copy() if mono else chunk.copy()
        rest = buf[:, full:]
        pending, have = ([rest], rest.shape[1]) if rest.shape[1] else ([], 0)
    if have:
        buf = np.concatenate(pending, axis=1)
        yield buf[0].copy() if mono else buf.copy()


def decode_audio(path, sample_rate: int = DEFAULT_SAMPLE_RATE, mono: bool = True) -> AudioData:
    """Decode a whole file to int16 PCM.

    Parameters
    ----------
    path : str or Path
    sample_rate : int
        Output rate (resampled by FFmpeg).
    mono : bool
        Downmix to one channel (default) or keep every channel of the file.

    Returns
    -------
    AudioData
        ``samples`` shaped ``(channels, n)``; ``channels`` is 1 when `mono`.

    Raises
    ------
    AudioDecodeError
        When the file is missing, unreadable, corrupt, empty or not audio.

    Examples
    --------
    >>> decode_audio("samples/synthetic/conv3.mp3", mono=False).channels
    2
    """
    blocks = list(_iter_blocks(path, sample_rate, mono))
    samples = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    return AudioData(np.ascontiguousarray(samples, dtype=np.int16), int(sample_rate), str(path))
