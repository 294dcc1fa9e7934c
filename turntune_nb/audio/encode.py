"""Lossless FLAC from PCM WAV before an upload: the same samples, about half the bytes.

`flac_for_upload` re-encodes a 16-bit PCM WAV file (the usual call-centre export)
with PyAV's FLAC encoder at its own sample rate and channel layout, so what the
service transcribes is bit-for-bit the audio of the WAV. Anything else (already
compressed, float or 24-bit PCM, not a WAV) is left alone: the caller uploads it
as it is.

Examples
--------
>>> import tempfile
>>> out = flac_for_upload("samples/synthetic/conv1.wav", tempfile.mkdtemp())
>>> out.suffix, out.stat().st_size < Path("samples/synthetic/conv1.wav").stat().st_size
('.flac', True)
"""

from __future__ import annotations

import os
from pathlib import Path

import av

from ..errors import AudioDecodeError

__all__ = ("flac_for_upload", "UPLOAD_CODECS")

#: The codecs ``--upload-codec`` accepts.
UPLOAD_CODECS = ("flac",)


def flac_for_upload(path, folder) -> Path | None:
    """A lossless FLAC copy of the 16-bit PCM WAV `path` in `folder` (0600), or None when it is not one.

    Raises
    ------
    AudioDecodeError
        When the WAV cannot be read, naming it.
    """
    path = Path(path)
    if path.suffix.lower() != ".wav":
        return None
    try:
        with av.open(str(path)) as src:
            stream = next((s for s in src.streams if s.type == "audio"), None)
            if stream is None or stream.codec_context.name != "pcm_s16le":
                return None
            rate, layout = stream.codec_context.sample_rate, stream.codec_context.layout.name
            target = Path(folder) / f"{path.stem}.flac"
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.close(fd)
            with av.open(str(target), "w", format="flac") as out:
                enc = out.add_stream("flac", rate=rate, layout=layout)
                enc.codec_context.format = "s16"
                for frame in src.decode(stream):
                    frame.pts = None
                    for packet in enc.encode(frame):
                        out.mux(packet)
                for packet in enc.encode(None):
                    out.mux(packet)
    except av.FFmpegError as err:
        raise AudioDecodeError(path, f"cannot be re-encoded as FLAC ({err}); upload it as it is "
                                     "(without --upload-codec)") from err
    return target
