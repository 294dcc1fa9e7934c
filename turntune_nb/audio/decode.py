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
call recordings hold one party per channel). A file that cannot be decoded at all
(missing, unreadable, corrupt, empty, not audio) raises `AudioDecodeError` naming
the file and the reason; FFmpeg's own exceptions are translated here. A truncated
or partly corrupt file is decoded as far as it goes: undecodable packets are
skipped (their stretch becomes silence, so what follows keeps its time), and a
`DecodeReport` says how much was decoded against what the header announces.
8 kHz telephone WAVs (mu-law, A-law) decode like any other.

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

__all__ = ("AudioData", "DecodeReport", "decode_audio", "iter_audio_chunks", "DEFAULT_SAMPLE_RATE")

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


#: A file is reported truncated when it decodes this much shorter than its header says (and 1 % shorter).
TRUNCATION_TOLERANCE_MS = 250
#: An undecodable stretch shorter than this is not filled with silence (decoder jitter).
_GAP_FILL_MIN_S = 0.02


@dataclass
class DecodeReport:
    """How far decoding a file got: filled in by `iter_audio_chunks` / `decode_audio`.

    Attributes
    ----------
    decoded_ms : int
        Audio produced, including silence put in place of undecodable stretches.
    expected_ms : int or None
        The length the container's header announces (a WAV's data size; else the
        stream's or container's duration), when it gives one.
    skipped_packets : int
        Packets the decoder could not decode; they were skipped, not fatal.
    filled_ms : int
        Silence put in their place so the audio after them keeps its time.
    stopped : str or None
        Why reading stopped before the end of the stream, when it did.

    Examples
    --------
    >>> r = DecodeReport(decoded_ms=4000, expected_ms=10000)
    >>> r.truncated, r.notes()
    (True, ['truncated or damaged: decoded 4.0 s of the 10.0 s its header announces; the rest is not analysed'])
    """

    decoded_ms: int = 0
    expected_ms: int | None = None
    skipped_packets: int = 0
    filled_ms: int = 0
    stopped: str | None = None

    @property
    def truncated(self) -> bool:
        """True when the file holds clearly less audio than its header announces."""
        e = self.expected_ms
        return e is not None and e - self.decoded_ms > max(TRUNCATION_TOLERANCE_MS, e // 100)

    def notes(self) -> list[str]:
        """Sentences for a transcript's notes (empty when the file decoded whole)."""
        out = []
        if self.truncated:
            out.append(f"truncated or damaged: decoded {self.decoded_ms / 1000:.1f} s of the "
                       f"{self.expected_ms / 1000:.1f} s its header announces; the rest is not analysed")
        if self.skipped_packets:
            out.append(f"damaged: {self.skipped_packets} undecodable packet(s) skipped"
                       + (f", {self.filled_ms / 1000:.2f} s of silence put in their place" if self.filled_ms else "")
                       + ("" if self.expected_ms is None else
                          f"; {self.decoded_ms / 1000:.1f} s decoded of the {self.expected_ms / 1000:.1f} s "
                          "its header announces"))
        if self.stopped:
            out.append(f"reading stopped early ({self.stopped})"
                       + ("" if self.expected_ms is None else
                          f": decoded {self.decoded_ms / 1000:.1f} s of {self.expected_ms / 1000:.1f} s"))
        return out


def _wav_data_ms(path: Path) -> int | None:
    """Length a RIFF/WAVE header announces (data chunk size / byte rate), or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, None
    while pos + 8 <= len(head):
        cid, size = head[pos:pos + 4], int.from_bytes(head[pos + 4:pos + 8], "little")
        if cid == b"fmt " and pos + 16 <= len(head):
            byte_rate = int.from_bytes(head[pos + 16:pos + 20], "little")
        elif cid == b"data":
            if not byte_rate or size == 0 or size >= 0xFFFFFFF0:   # streamed WAVs leave the size open
                return None
            return size * 1000 // byte_rate
        pos += 8 + size + (size & 1)
    return None


def _expected_ms(path: Path, container, stream) -> int | None:
    wav = _wav_data_ms(path)
    if wav is not None:
        return wav
    if stream.duration and stream.time_base:
        return int(stream.duration * stream.time_base * 1000)
    if container.duration:
        return int(container.duration // 1000)
    return None


def _iter_blocks(path, sample_rate: int, mono: bool, report: DecodeReport | None = None) -> Iterator[np.ndarray]:
    """Resampled int16 blocks shaped ``(channels, n)``, of whatever length FFmpeg gives.

    Undecodable packets are skipped (their stretch becomes silence when the next
    frame's timestamp shows how long it was); a container that breaks off ends the
    audio there. Both are recorded in `report`. Raises `AudioDecodeError` when
    nothing at all can be decoded.
    """
    path = _check_args(path, sample_rate)
    report = report if report is not None else DecodeReport()
    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, UnicodeDecodeError) as err:
        raise AudioDecodeError(path, f"FFmpeg cannot open it as a media file ({err}); is it audio?") from err
    produced = 0
    last_err = None
    try:
        if not container.streams.audio:
            kinds = sorted({s.type for s in container.streams}) or ["nothing"]
            raise AudioDecodeError(path, f"no audio stream in it (it holds: {', '.join(kinds)})")
        stream = container.streams.audio[0]
        report.expected_ms = _expected_ms(path, container, stream)
        channels = stream.codec_context.channels or 1
        layout = "mono" if mono else (stream.layout.name if stream.layout and stream.layout.nb_channels else None)
        out_channels = 1 if mono else channels
        resampler = av.AudioResampler(format="s16p", layout=layout, rate=sample_rate)
        packets = container.demux(stream)
        t_next = None          # where the next frame should start (s), to spot skipped stretches
        skipped_since = 0
        end_pos = None         # byte just after the last packet decoded
        byte_rate = (stream.bit_rate or container.bit_rate or 0) / 8
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except (av.FFmpegError, OSError, ValueError) as err:   # the container breaks off: keep what we have
                report.stopped = f"{err}"
                break
            try:
                frames = packet.decode()
            except (av.FFmpegError, ValueError) as err:            # one bad packet: skip it
                report.skipped_packets += 1
                skipped_since += 1
                last_err = err
                continue
            lost_s = 0.0
            if skipped_since and end_pos is not None and packet.pos is not None and packet.pos > end_pos and byte_rate:
                # demuxers often number packets on across junk: the bytes skipped tell the time lost
                lost_s = (packet.pos - end_pos) / byte_rate
            if packet.pos is not None and packet.size:
                end_pos = packet.pos + packet.size
            for frame in frames:
                t = float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else None
                if skipped_since and t is not None and t_next is not None and max(t - t_next, lost_s) > _GAP_FILL_MIN_S:
                    gap = int(round(max(t - t_next, lost_s) * sample_rate))
                    report.filled_ms += gap * 1000 // sample_rate
                    produced += gap
                    yield np.zeros((out_channels, gap), dtype=np.int16)
                skipped_since = 0
                if t is not None:
                    t_next = t + frame.samples / frame.sample_rate
                for out in resampler.resample(frame):
                    block = out.to_ndarray()
                    if block.shape[1]:
                        produced += block.shape[1]
                        report.decoded_ms = produced * 1000 // sample_rate
                        yield block
        for out in resampler.resample(None):
            block = out.to_ndarray()
            if block.shape[1]:
                produced += block.shape[1]
                yield block
        report.decoded_ms = produced * 1000 // sample_rate
        if produced == 0:
            why = f" (last error: {last_err})" if last_err else ""
            raise AudioDecodeError(path, f"no samples could be decoded from its audio stream ({channels} channel(s)): "
                                         f"the stream is empty or corrupt{why}")
    except AudioDecodeError:
        raise
    except (av.FFmpegError, ValueError, OSError) as err:
        where = f"after {produced * 1000 // sample_rate} ms" if produced else "at the start"
        raise AudioDecodeError(path, f"decoding failed {where} ({err}); the file may be corrupt or truncated") from err
    finally:
        container.close()


def iter_audio_chunks(path, chunk_ms: int = 50, sample_rate: int = DEFAULT_SAMPLE_RATE, mono: bool = True,
                      report: DecodeReport | None = None) -> Iterator[np.ndarray]:
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
    report : DecodeReport, optional
        Filled in as decoding goes: how much was decoded against what the header
        announces, packets skipped (a truncated or partly corrupt file is decoded
        as far as it goes; its `DecodeReport.notes` say so).

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
    for block in _iter_blocks(path, sample_rate, mono, report):
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


def decode_audio(path, sample_rate: int = DEFAULT_SAMPLE_RATE, mono: bool = True,
                 report: DecodeReport | None = None) -> AudioData:
    """Decode a whole file to int16 PCM.

    Parameters
    ----------
    path : str or Path
    sample_rate : int
        Output rate (resampled by FFmpeg).
    mono : bool
        Downmix to one channel (default) or keep every channel of the file.
    report : DecodeReport, optional
        Filled in with how far decoding got (see `iter_audio_chunks`).

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
    blocks = list(_iter_blocks(path, sample_rate, mono, report))
    samples = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    return AudioData(np.ascontiguousarray(samples, dtype=np.int16), int(sample_rate), str(path))
