"""The offline backend: speech segments from audio files, with no key and no network.

Each file is streamed through the decoder (`turntune_nb.audio.decode`) in 1 s chunks and
each channel through its own `turntune_nb.audio.vad.SpeechDetector`, so memory stays
bounded on hour-long files. The result is a `Transcript` of speech segments
without text (``source="offline-vad"``):

- a two-channel recording (call centres record one party per channel) gives one
  speaker per channel, ``"ch0"`` and ``"ch1"``, with ``channel`` set, so gaps
  and overlaps between the parties are real;
- a mono recording is diarised (`turntune_nb.audio.diarize`): its speech is split
  between speakers ``spk0``, ``spk1``... (``speakers=N`` when the count is known,
  estimated otherwise), with a note (`DIARISATION_NOTE`) saying so; with
  ``diarise=False``, or too little speech to tell voices apart, it gives segments
  of one ``UNKNOWN`` speaker and a note saying that only pauses and gaps between
  speech segments are measured;
- files with more than two channels are downmixed and treated as mono (with a
  note): there is no telling which channel is whom.

Examples
--------
>>> transcripts, failed = transcribe_offline(["samples/synthetic/conv1.wav"], progress=False)
>>> transcripts[0].speakers, transcripts[0].source, failed
(('ch0', 'ch1'), 'offline-vad', [])
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..analysis.columns import UNKNOWN_SPEAKER
from ..analysis.model import Transcript, Utterance
from ..analysis.readers import format_rttm
from ..errors import AudioDecodeError, ConfigError
from ..files import atomic_write_text, safe_filename
from .decode import DEFAULT_SAMPLE_RATE, iter_audio_chunks
from .diarize import DIARISATION_SOURCE, DiarisationSettings, MonoDiariser, VoiceEncoder, check_speakers
from .vad import SpeechDetector, VADSettings

__all__ = ("transcribe_offline", "transcribe_file_offline", "OFFLINE_SOURCE", "MONO_NOTE", "DIARISATION_NOTE",
           "write_segments")

log = logging.getLogger(__name__)

OFFLINE_SOURCE = "offline-vad"
CHUNK_MS = 1000
MONO_NOTE = (
    "mono recording: speakers are unknown, so every speech segment is attributed to "
    f"{UNKNOWN_SPEAKER}; only pauses and gaps between speech segments are measured, "
    "not who took the turn"
)
#: The note on a diarised mono recording; ``speaker_source`` is ``"diarisation"``.
DIARISATION_NOTE = (
    f"speaker_source={DIARISATION_SOURCE}: a mono recording, split between speakers by offline speaker "
    "diarisation (voice embeddings clustered per file); overlapped speech is not detected in mono: "
    "two people talking at once count as one, so overlaps are reported as none"
)


def _settings(settings: VADSettings | None, options: dict) -> VADSettings:
    if settings is not None and options:
        raise ConfigError("give either settings=VADSettings(...) or individual VAD settings, not both")
    try:
        return settings or VADSettings(**options)
    except TypeError as err:
        raise ConfigError(f"unknown offline backend setting: {err}; see turntune_nb.audio.vad.VADSettings") from err


def transcribe_file_offline(path, settings: VADSettings | None = None, speakers: int | None = None,
                            diarise: bool = True, diarisation: DiarisationSettings | None = None,
                            encoder: VoiceEncoder | None = None) -> Transcript:
    """Speech segments of one file.

    Parameters
    ----------
    path : str or Path
    settings : VADSettings, optional
    speakers : int, optional
        For a mono recording: how many people speak, when known (else estimated).
    diarise : bool
        Split a mono recording's speech between speakers (default); False gives
        one ``UNKNOWN`` speaker.
    diarisation : DiarisationSettings, optional
    encoder : VoiceEncoder, optional
        Share one between files (the weights are loaded once).

    Returns
    -------
    Transcript
        ``source="offline-vad"``, with ``duration_ms``; see the module docstring
        for how channels become speakers.

    Raises
    ------
    AudioDecodeError
        When the file cannot be decoded.
    """
    settings = settings or VADSettings()
    path = Path(path)
    n = 0
    chunks = iter_audio_chunks(path, chunk_ms=CHUNK_MS, sample_rate=DEFAULT_SAMPLE_RATE, mono=False)
    first = next(chunks)
    if first.shape[0] > 2:  # no telling who is on which of many channels: downmix
        chunks = iter_audio_chunks(path, chunk_ms=CHUNK_MS, sample_rate=DEFAULT_SAMPLE_RATE, mono=True)
        first, channels, notes = next(chunks)[None, :], 1, [MONO_NOTE, f"{path.name}: more than two channels, downmixed to one"]
        stream = (c[None, :] for c in chunks)
    else:
        channels, notes, stream = first.shape[0], [MONO_NOTE] if first.shape[0] == 1 else [], chunks
    detectors = [SpeechDetector(DEFAULT_SAMPLE_RATE, settings) for _ in range(channels)]
    diariser = MonoDiariser(speakers, diarisation, encoder) if channels == 1 and diarise else None
    segments = [[] for _ in range(channels)]
    for block in _chain(first, stream):
        n += block.shape[1]
        for ch, det in enumerate(detectors):
            segments[ch] += det.process(block[ch])
        if diariser is not None:
            diariser.process(block[0])
    for ch, det in enumerate(detectors):
        segments[ch] += det.flush()
    turns = diariser.finish(segments[0]) if diariser is not None else None
    if turns is not None:
        utts = [Utterance(who, a, b) for who, a, b in turns]
        notes = [DIARISATION_NOTE if note == MONO_NOTE else note for note in notes]
        how = "as given (speakers=N)" if diariser.speakers is not None else "estimated; give speakers=N if you know it"
        notes.append(f"{diariser.found_speakers} speaker(s) found by diarisation, the count {how}")
    elif channels == 1:
        utts = [Utterance(UNKNOWN_SPEAKER, a, b) for a, b in segments[0]]
    else:
        utts = [Utterance(f"ch{ch}", a, b, channel=ch) for ch in range(channels) for a, b in segments[ch]]
    return Transcript(path.name, utts, source=OFFLINE_SOURCE, notes=tuple(notes),
                      duration_ms=n * 1000 // DEFAULT_SAMPLE_RATE)


def _chain(first, rest):
    yield first
    yield from rest


def transcribe_offline(files, progress: bool = True, settings: VADSettings | None = None,
                       speakers: int | None = None, diarise: bool = True, **vad_settings):
    """Speech segments of every file, with a per-file error list instead of stopping.

    Parameters
    ----------
    files : list of str or Path
    progress : bool
        Show a tqdm progress bar (notebook or terminal).
    settings : VADSettings, optional
        All VAD settings at once; or give them one by one as keyword arguments
        (``min_silence_ms=300``, ``detector="silero"``...).
    speakers : int, optional
        How many people speak in each mono recording, when known; estimated otherwise.
    diarise : bool
        Split mono recordings between speakers (default True).

    Returns
    -------
    transcripts : list of Transcript
        One per decoded file, in the order given.
    failed : list of dict
        ``{"filename", "reason"}`` for every file that could not be decoded.

    Raises
    ------
    ConfigError
        For an unknown or out-of-range VAD setting (before any file is read).
    """
    from tqdm.auto import tqdm

    settings = _settings(settings, vad_settings)
    speakers = check_speakers(speakers)  # before any file is read
    encoder = VoiceEncoder() if diarise else None
    transcripts, failed = [], []
    files = list(files)
    for path in tqdm(files, desc="offline VAD", unit="file", disable=not progress):
        try:
            transcripts.append(transcribe_file_offline(path, settings, speakers=speakers, diarise=diarise,
                                                       encoder=encoder))
        except AudioDecodeError as err:
            log.warning("%s", err)
            failed.append({"filename": Path(path).name, "reason": err.reason})
    return transcripts, failed


def write_segments(transcripts, folder) -> list[Path]:
    """One RTTM file per transcript in `folder` (created 0700; files 0600), for any RTTM tool.

    The speaker labels are the ones the analysis used (``ch0``/``ch1``, ``spk0``...,
    or ``UNKNOWN``). File names are the transcript names made safe, ending in
    ``.rttm`` (``call 1.wav`` -> ``call_1.wav.rttm``); the RTTM file id is the name
    without its extension.

    Returns
    -------
    list of Path
        The files written, in the order of `transcripts`.
    """
    folder = Path(folder)
    written, used = [], set()
    for t in transcripts:
        name = safe_filename(t.name)
        stem, n = name, 1
        while name in used:  # two inputs with the same name in different folders
            n += 1
            name = f"{stem}-{n}"
        used.add(name)
        written.append(atomic_write_text(folder / f"{name}.rttm", format_rttm(t)))
    return written
