"""The offline backend: speech segments from audio files, with no key and no network.

Each file is streamed through the decoder (`turntune_nb.audio.decode`) in 1 s chunks and
each channel through its own `turntune_nb.audio.vad.SpeechDetector`, so memory stays
bounded on hour-long files. The result is a `Transcript` of speech segments
without text (``source="offline-vad"``):

- a two-channel recording (call centres record one party per channel) gives one
  speaker per channel, ``"ch0"`` and ``"ch1"``, with ``channel`` set and
  ``speaker_source="channels"``, so gaps and overlaps between the parties are
  real; speech that is only the other party's leak (crosstalk) is removed
  (`turntune_nb.audio.crosstalk`);
- a mono recording is diarised (`turntune_nb.audio.diarize`): its speech is split
  between speakers ``spk0``, ``spk1``... (``speakers=N`` when the count is known,
  estimated otherwise; ``speaker_source="diarisation"``), with a note saying how
  (`DIARISATION_NOTE`, or `FRAMES_DIARISATION_NOTE` when the per-frame path was
  used: no overlap then); ``speakers=1`` needs no diarisation: all speech is
  ``spk0``'s (`ONE_SPEAKER_NOTE`); with ``diarise=False``, or too little speech
  to tell voices apart (a note says how little, and that a ``speakers`` given
  could not be applied), it gives segments of one ``UNKNOWN`` speaker
  (``speaker_source="unknown"``) and a note saying that only pauses and gaps
  between speech segments are measured;
- a DC offset (a sound card's bias: the mean of a channel's samples, from the
  pre-scan) is taken out before anything is measured, as every level would count
  it as sound;
- every transcript's notes name the detector and its settings; a truncated or
  damaged file is analysed as far as it decodes, with a note giving the decoded
  and expected durations (`turntune_nb.audio.decode.DecodeReport`);
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
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..analysis.columns import UNKNOWN_SPEAKER
from ..analysis.model import SPEAKERS_FROM_CHANNELS, SPEAKERS_FROM_DIARISATION, SPEAKERS_UNKNOWN, Transcript, Utterance
from ..analysis.readers import format_rttm
from ..errors import AudioDecodeError, ConfigError
from ..files import atomic_write_text, safe_filename
from .conditions import TELEPHONE_MAX_HZ, Conditions, LayoutScan, accuracy_note, detect_layout, measure_conditions
from .crosstalk import LEVEL_FRAME_MS, resolve_crosstalk
from .decode import DEFAULT_SAMPLE_RATE, DecodeReport, iter_audio_chunks
from .denoise import (
    BACKGROUND_DB,
    NOISY_SPREAD_DB,
    NoiseReducer,
    drop_background,
    estimate_noise_psd,
    level_spread_db,
    trim_background,
)
from .diarize import DIARISATION_SOURCE, DiarisationSettings, MonoDiariser, check_speakers, with_method
from .embeddings import VoiceEncoder
from .levels import frame_levels_db
from .vad import SpeechDetector, VADSettings

__all__ = ("transcribe_offline", "transcribe_file_offline", "detector_note", "OFFLINE_SOURCE", "MONO_NOTE",
           "CHANNELS_NOTE", "DIARISATION_NOTE", "FRAMES_DIARISATION_NOTE", "ONE_SPEAKER_NOTE", "write_segments",
           "SpeakersNotApplicable")

log = logging.getLogger(__name__)

OFFLINE_SOURCE = "offline-vad"
CHUNK_MS = 1000
CHANNELS_NOTE = (
    "speakers from channels (speaker_source=channels): ch0 and ch1 are the parties recorded on the "
    "file's two channels, so speaker changes, gaps and overlaps between them are measured"
)
MONO_NOTE = (
    "mono recording: speakers are unknown (speaker_source=unknown), so every speech segment is attributed to "
    f"{UNKNOWN_SPEAKER}; only pauses and gaps between speech segments are measured, "
    "not who took the turn"
)
#: The note on a diarised mono recording; ``speaker_source`` is ``"diarisation"``.
DIARISATION_NOTE = (
    f"speaker_source={DIARISATION_SOURCE}: a mono recording, split between speakers by offline speaker "
    "diarisation (pyannote's segmentation model finds who speaks in each 10 s window, two at once where they "
    "overlap; voice embeddings clustered per file tie them together); overlapped speech is detected in mono and "
    "given to both speakers, so overlaps are reported, though fewer than there are (about half of the reference "
    "overlap on the shared meeting clips)"
)

#: The note on a mono recording diarised frame by frame (``diarise="frames"``, or the fallback below).
FRAMES_DIARISATION_NOTE = (
    f"speaker_source={DIARISATION_SOURCE}: a mono recording, split between speakers by offline speaker "
    "diarisation (voice embeddings of short windows of speech clustered per file, then one speaker per 10 ms "
    "frame); overlapped speech is not detected: each moment goes to one speaker"
)
#: The note on a mono recording with ``speakers=1``: nothing to tell apart, so no diarisation runs.
ONE_SPEAKER_NOTE = (
    f"speaker_source={DIARISATION_SOURCE}: a mono recording of one speaker (speakers=1 as given): all its speech "
    "is spk0's, so every silence is a pause inside the turn; no diarisation was needed"
)
#: Added when a mono recording's speech could not be split (`MonoDiariser.unsplit_reason`).
UNSPLIT_NOTE = ("diarisation could not split the speech between speakers: {why}; it stays one "
                f"{UNKNOWN_SPEAKER} speaker{{given}}")

#: Added when the segmentation path's local speakers mixed voices (`MonoDiariser.fallback`), with its reason.
FRAMES_FALLBACK_NOTE = ("{why}, so speakers were told apart frame by frame instead (the older path: no overlap "
                        "detected in this file)")


def _settings(settings: VADSettings | None, options: dict) -> VADSettings:
    if settings is not None and options:
        raise ConfigError("give either settings=VADSettings(...) or individual VAD settings, not both")
    try:
        return settings or VADSettings(**options)
    except TypeError as err:
        raise ConfigError(f"unknown offline backend setting: {err}; see turntune_nb.audio.vad.VADSettings") from err


class SpeakersNotApplicable(ConfigError):
    """``speakers=N`` given for a two-party stereo file, where each channel is one party.

    Attributes
    ----------
    filename : str
    reason : str
        One line: why, and what to do.
    """

    def __init__(self, path, speakers: int):
        self.filename = Path(path).name
        self.reason = (f"--speakers {speakers} does not apply: it is a two-party stereo call (one party per channel, "
                       "each channel with sound of its own); leave --speakers out for it, or give --speakers 2")
        super().__init__(f"{self.filename}: {self.reason}")


#: A DC offset (whole samples) at least this large is taken out of a file before it is analysed (`_dc`): 8 is
#: -72 dBFS.
DC_MIN = 8
#: A channel that crosstalk removal leaves with less than this share of its speech (and had at least
#: `EMPTIED_MIN_MS`) was emptied: the channels carry the same people, and the file is analysed as mono instead.
EMPTIED_SHARE = 0.1
EMPTIED_MIN_MS = 1000
#: A mono file's bandwidth is read off this much of its start (its layout needs no scan).
MONO_SCAN_MS = 120_000
#: A quiet channel is raised so that its loud frames (99th percentile of the 10 ms levels) reach this before the
#: detector and the diariser see it (the model scores quiet speech low), by at most `MAX_GAIN_DB`.
TARGET_PEAK_DB = -20.0
MAX_GAIN_DB = 40.0
#: A mono recording keeps its level (raising it to `TARGET_PEAK_DB` cost meetings missed speech) unless its loud
#: frames are under this: then it is raised to it. The detector loses speech in very quiet files: on the shared
#: calls mixed to mono and turned down, 0.3-6 % of their speech at -36..-40 dBFS, 13-55 % at -41..-50 (every
#: shared meeting clip and call lies between -39 and -15 dBFS, so none is raised).
QUIET_MONO_PEAK_DB = -40.0
#: A channel of a two-party call where at least this share of the speech segments (and `BABBLE_MIN_SEGMENTS`)
#: lie more than `turntune_nb.audio.denoise.BACKGROUND_DB` under its usual speech holds background talk (babble),
#: dropped. Measured (benchmarks/noise_eval.py data): clean calls 0-25 % of a channel's segments, babble at 20 dB
#: 55-77 %. Not on a mono recording (unless it is noisy): there a voice that much quieter is as likely a party
#: mixed low or far from the microphone (a mono mix of a real call with one party 12 dB down met the rule and
#: lost that party whole), and level alone cannot tell the two apart.
BABBLE_SHARE = 0.4
BABBLE_MIN_SEGMENTS = 5
LAYOUT_NOTES = {
    "identical": "channel layout: identical channels ({why}): a mono call saved as stereo, analysed as mono",
    "one-silent": "channel layout: one live channel ({why}): ch{live} analysed as mono",
    "multichannel": "channel layout: {why}, downmixed to one (no telling which channel is whom)",
    "stereo": "channel layout: two-party stereo ({why})",
    "mono": "channel layout: mono",
}


def _scan(path: Path) -> LayoutScan:
    """The pre-scan: levels and correlation of the whole file (stereo), or the start's spectrum (mono)."""
    scan = LayoutScan(DEFAULT_SAMPLE_RATE)
    for block in iter_audio_chunks(path, chunk_ms=CHUNK_MS, sample_rate=DEFAULT_SAMPLE_RATE, mono=False):
        scan.process(block)
        if block.shape[0] == 1 and scan.fed_ms >= MONO_SCAN_MS:
            break
    return scan


def _detectors(pool, settings: VADSettings, channels: int) -> list:
    """`channels` detectors with `settings` from `pool` (a list for one setting, or a dict by setting), reset."""
    if isinstance(pool, dict):
        pool = pool.setdefault(settings, [])
    elif pool is None:
        pool = []
    elif pool and pool[0].settings != settings:
        pool.clear()
    pool += [SpeechDetector(DEFAULT_SAMPLE_RATE, settings) for _ in range(channels - len(pool))]
    for det in pool[:channels]:
        det.reset()
    return pool[:channels]


def _gains(levels: np.ndarray, layout: str, live: int | None) -> np.ndarray:
    """Linear gain per analysed channel that brings a quiet party (a channel of a stereo file) up to
    `TARGET_PEAK_DB`, a very quiet mono recording up to `QUIET_MONO_PEAK_DB` (never down)."""
    peaks = np.array([np.percentile(lv[lv > -99] if (lv > -99).any() else [-100.0], 99) for lv in levels])
    target = TARGET_PEAK_DB
    if layout == "one-silent":
        peaks = peaks[live:live + 1]
    elif layout != "stereo":
        peaks, target = peaks.max(keepdims=True), QUIET_MONO_PEAK_DB
    return 10 ** (np.clip(target - peaks, 0, MAX_GAIN_DB) / 20)


def _dc(offsets: np.ndarray, layout: str, live: int | None) -> np.ndarray:
    """The DC offset of each analysed channel (whole samples), from the file's channels' (`LayoutScan.dc`).

    It is taken out of every block before anything is measured: every level counts it as sound (2000, -24 dBFS,
    on both channels of a shared call made one party "noise or leak" and lost it; mixed to mono it moved the
    median floor-transfer offset by up to 376 ms). A file of more than two channels is downmixed by FFmpeg with
    weights of its own, so its offset is left in. So is one smaller than `DC_MIN` (under the quietest noise
    floors and the detector's -70 dBFS gate, it changes no level that matters).
    """
    offsets = np.where(np.abs(offsets) >= DC_MIN, offsets, 0)
    if layout == "multichannel":
        return np.zeros(1)
    if layout == "identical":
        return np.round(offsets[:2].mean(keepdims=True))
    return offsets[live:live + 1] if layout == "one-silent" else offsets


def _noise(head: np.ndarray, layout: str, live: int | None, gains: np.ndarray, dc: np.ndarray) -> list:
    """Per analysed channel: the noise spectrum to subtract (`turntune_nb.audio.denoise`) when the channel is
    noisy (its level spread under `NOISY_SPREAD_DB`), else None."""
    hop = DEFAULT_SAMPLE_RATE * LEVEL_FRAME_MS // 1000
    multi = layout == "multichannel"
    x = head.mean(axis=0, keepdims=True).astype(np.int16) if multi else _as_analysed(layout, live)(head)
    x = _without_dc(x, dc)
    out = []
    for ch, g in zip(x, gains):
        spread = level_spread_db(frame_levels_db(ch[: len(ch) // hop * hop].reshape(-1, hop)))
        out.append(estimate_noise_psd(ch[None, :])[0] * g * g if len(ch) >= hop and spread < NOISY_SPREAD_DB
                   else None)
    return out


def _without_dc(block: np.ndarray, dc: np.ndarray) -> np.ndarray:
    """int16 ``(channels, n)`` samples less each channel's DC offset (`_dc`), clipped to int16."""
    if not dc.any():
        return block
    return np.clip(block - dc[:, None], -32768, 32767).astype(np.int16)


def _as_analysed(layout: str, live: int | None):
    """The blocks the detectors see, from the decoder's ``(channels, n)`` blocks."""
    if layout == "identical":
        return lambda b: ((b[0].astype(np.int32) + b[1]) // 2).astype(np.int16)[None, :]
    if layout == "one-silent":
        return lambda b: b[live:live + 1]
    return lambda b: b


def transcribe_file_offline(path, settings: VADSettings | None = None, speakers: int | None = None,
                            diarise: bool | str = True, diarisation: DiarisationSettings | None = None,
                            encoder: VoiceEncoder | None = None, crosstalk: bool = True,
                            detectors: list | dict | None = None, layout: str | None = None) -> Transcript:
    """Speech segments of one file.

    Parameters
    ----------
    path : str or Path
    settings : VADSettings, optional
        With ``model_rate=None`` (the default), silero-lite runs its 8 kHz model on telephone-band audio.
    speakers : int, optional
        How many people speak, when known (else estimated): for a mono recording, or a stereo file
        treated as mono (identical channels, or one live channel). A two-party stereo file takes
        only 2 (one per channel); another count raises `SpeakersNotApplicable`.
    diarise : bool or str
        Split a mono recording's speech between speakers (default); False gives
        one ``UNKNOWN`` speaker; a method name (``"segmentation"``, ``"frames"``:
        `turntune_nb.audio.diarize.METHODS`) diarises with that method.
    diarisation : DiarisationSettings, optional
    encoder : VoiceEncoder, optional
        Share one between files (the weights are loaded once).
    crosstalk : bool
        In two-channel files, drop speech that is only the other channel's leak
        (`turntune_nb.audio.crosstalk`).
    detectors : list or dict, optional
        Speech detectors (`SpeechDetector`) to reuse (reset first), extended as needed: loading the
        model costs about 90 ms, so a folder of short files shares them (`transcribe_offline` passes
        a dict, one list per setting: telephone audio runs other settings).
    layout : str, optional
        Force a channel layout (`turntune_nb.audio.conditions.LAYOUTS`) instead of detecting it.

    Returns
    -------
    Transcript
        ``source="offline-vad"``, with ``duration_ms``, ``speaker_source`` and ``conditions``
        (`turntune_nb.audio.conditions.Conditions.as_dict`); see the module docstring.

    Raises
    ------
    AudioDecodeError
        When the file cannot be decoded.
    SpeakersNotApplicable
        For ``speakers`` other than 2 on a two-party stereo file.
    """
    settings = settings or VADSettings()
    diarisation = with_method(diarisation, diarise)
    path = Path(path)
    scan = _scan(path)
    bandwidth = scan.bandwidth_hz()
    if layout is None:
        layout, live, why = detect_layout(scan.level_matrix(), scan.correlation)
    else:
        live, why = (int(np.argmax(scan.level_matrix().max(axis=1))) if layout == "one-silent" else None), "as asked"
    if layout == "stereo" and speakers is not None and speakers != 2:
        raise SpeakersNotApplicable(path, speakers)
    run = settings
    if settings.detector == "silero-lite" and settings.model_rate is None and bandwidth and bandwidth <= \
            TELEPHONE_MAX_HZ:
        run = settings.with_(model_rate=8000)
    gains = _gains(scan.level_matrix(), layout, live)
    dc = _dc(scan.dc, layout, live)
    plan = (layout, live, gains, _noise(scan.head(), layout, live, gains, dc), dc)
    found = _analyse(path, run, plan, speakers if diarise else None, diarise, diarisation, encoder, crosstalk,
                     detectors)
    if found is None:       # crosstalk removal emptied a channel: the channels carry the same people
        t = transcribe_file_offline(path, settings, speakers, diarise, diarisation, encoder, False, detectors,
                                    layout="identical")
        notes = [n for n in t.notes if not n.startswith("channel layout")]
        notes.insert(1, "channel layout: two channels, but crosstalk removal left one with almost none of its "
                        "speech (both carry the same people): analysed as mono (the channels averaged) instead")
        return replace(t, notes=tuple(notes))
    utts, notes, source, conditions, n = found
    conditions = replace(conditions, bandwidth_hz=bandwidth)
    notes.insert(1, LAYOUT_NOTES[layout].format(why=why, live=live))
    if bandwidth and run is not settings:
        notes.append(f"telephone bandwidth ({bandwidth / 1000:.1f} kHz): the detector ran its 8 kHz model"
                     + (", each segment confirmed by its 16 kHz model" if run.confirm_wideband else ""))
    if layout == "stereo" and speakers == 2:
        notes.append("speakers=2 as given: one party per channel")
    notes.append(detector_note(settings, conditions))
    return Transcript(path.name, utts, source=OFFLINE_SOURCE, notes=tuple(notes), duration_ms=n * 1000 //
                      DEFAULT_SAMPLE_RATE, speaker_source=source, conditions=conditions.as_dict())


def _analyse(path, settings, plan, speakers, diarise, diarisation, encoder, crosstalk, detectors):
    """The main pass: (utterances, notes, speaker_source, Conditions, samples), or None when crosstalk
    removal emptied a channel. `plan`: the layout, its live channel, the gains (`_gains`), the noise spectra
    (`_noise`) and the DC offsets (`_dc`)."""
    layout, live, gains, noise, dc = plan
    reducers = [None if psd is None else NoiseReducer(psd) for psd in noise]
    n = 0
    report = DecodeReport()
    multi = layout == "multichannel"
    chunks = iter_audio_chunks(path, chunk_ms=CHUNK_MS, sample_rate=DEFAULT_SAMPLE_RATE, mono=multi, report=report)
    pick = (lambda b: b[None, :]) if multi else _as_analysed(layout, live)
    channels = 2 if layout == "stereo" else 1
    notes = [MONO_NOTE] if channels == 1 else [CHANNELS_NOTE]
    detectors = _detectors(detectors, settings, channels)
    one_voice = channels == 1 and diarise and speakers == 1   # nothing to tell apart: no model runs
    diariser = MonoDiariser(speakers, diarisation, encoder) if channels == 1 and diarise and not one_voice else None
    segments = [[] for _ in range(channels)]
    hop = DEFAULT_SAMPLE_RATE * LEVEL_FRAME_MS // 1000
    levels = [[] for _ in range(channels)]
    raise_level = bool((gains > 1).any())
    for raw in chunks:
        block = _without_dc(pick(raw), dc)
        n += block.shape[1]
        whole = block.shape[1] // hop * hop
        heard = np.clip(block * gains[:, None], -32768, 32767).astype(np.int16) if raise_level else block
        for ch, det in enumerate(detectors):
            segments[ch] += det.process(heard[ch] if reducers[ch] is None else reducers[ch].process(heard[ch]))
            levels[ch].append(frame_levels_db(block[ch, :whole].reshape(-1, hop)))
        if diariser is not None:
            diariser.process(heard[0])
    for ch, det in enumerate(detectors):
        segments[ch] += (det.process(reducers[ch].flush()) if reducers[ch] is not None else []) + det.flush()
    levels = np.vstack([np.concatenate(lv) for lv in levels])
    for ch, red in enumerate(reducers):
        kept, dropped = drop_background(segments[ch], levels[ch])
        babble = (channels == 2 and len(dropped) >= BABBLE_MIN_SEGMENTS
                  and len(dropped) >= BABBLE_SHARE * len(segments[ch]))
        if red is None and not babble:
            continue
        segments[ch] = trim_background(segments[ch], levels[ch], settings.min_speech_ms)[0] if babble else kept
        who = f"ch{ch}" if channels == 2 else "the recording"
        lost = sum(b - a for a, b in dropped) / 1000
        if red is not None:
            notes.append(f"noise: {who} is noisy (its speech stands less than {NOISY_SPREAD_DB:.0f} dB over its "
                         "quiet): its steady noise was subtracted before speech detection")
        if dropped:
            notes.append(f"noise: {len(dropped)} stretch(es) of background talk on {who} ({lost:.1f} s, more than "
                         f"{BACKGROUND_DB:.0f} dB under its usual speech) not counted as speech")
    if channels == 2 and crosstalk:
        before = [sum(b - a for a, b in segs) for segs in segments]
        segments = resolve_crosstalk(segments, levels, min_speech_ms=settings.min_speech_ms,
                                     min_silence_ms=settings.min_silence_ms)
        for ch in (0, 1):
            after = sum(b - a for a, b in segments[ch])
            if before[ch] >= EMPTIED_MIN_MS and after < EMPTIED_SHARE * before[ch]:
                return None
            if before[ch] - after >= 1000:
                notes.append(f"crosstalk: {(before[ch] - after) / 1000:.1f} s of ch{ch} was only ch{1 - ch}'s leak "
                             f"and is not counted as ch{ch}'s speech")
    notes += report.notes()   # a truncated or damaged file: how much of it was analysed
    conditions = measure_conditions(levels, segments, layout, None)
    turns = diariser.finish(segments[0]) if diariser is not None else None
    source = SPEAKERS_FROM_CHANNELS if channels == 2 else SPEAKERS_UNKNOWN
    if turns is not None:
        utts = [Utterance(who, a, b) for who, a, b in turns]
        frames = (diariser.fallback or diariser.settings.method) == "frames"   # the path that gave the turns
        notes = [(FRAMES_DIARISATION_NOTE if frames else DIARISATION_NOTE) if note == MONO_NOTE else note
                 for note in notes]
        given, found = diariser.speakers, diariser.found_speakers
        if given is None:
            count = "the count estimated; give the number if you know it (--speakers N; speakers=N in Python)"
        elif found < given:
            count = (f"of the {given} given (speakers=N): the others, if they spoke, were not told apart from them "
                     "(too little of their speech, or voices too alike)")
        else:
            count = "the count as given (speakers=N)"
        notes.append(f"{found} speaker(s) found by diarisation, {count}")
        if diariser.fallback == "frames":
            notes.append(FRAMES_FALLBACK_NOTE.format(why=diariser.fallback_reason))
        source = SPEAKERS_FROM_DIARISATION
    elif one_voice:
        utts = [Utterance("spk0", a, b) for a, b in segments[0]]
        notes = [ONE_SPEAKER_NOTE if note == MONO_NOTE else note for note in notes]
        source = SPEAKERS_FROM_DIARISATION
    elif channels == 1:
        utts = [Utterance(UNKNOWN_SPEAKER, a, b) for a, b in segments[0]]
        if diariser is not None and diariser.unsplit_reason:
            given = f" (the speakers={speakers} given could not be applied)" if speakers else ""
            notes.append(UNSPLIT_NOTE.format(why=diariser.unsplit_reason, given=given))
    else:
        utts = [Utterance(f"ch{ch}", a, b, channel=ch) for ch in range(channels) for a, b in segments[ch]]
    return utts, notes, source, conditions, n


#: What benchmarks/vad_eval.py measured for each detector at its default settings (real meetings
#: and phone calls against human references).
_MEASURED = {
    "silero-lite": "on real meetings it missed about 4 % of the audible speech and added about 2 %, on phone "
                   "calls about 1 % and 0.2 %, and found no speech in loud noise, music or knocks",
    "webrtc": "on real meetings it missed about 6 % of the audible speech and added about 7 %, and it takes "
              "loud noise for speech",
    "silero": "on real meetings it missed about 12 % of the audible speech (quiet and overlapped talk) and "
              "added 0.2 %; it is about 10x slower than silero-lite",
}


def detector_note(settings: VADSettings, conditions: Conditions | None = None) -> str:
    """What found the speech, and how far to trust it (goes into every offline transcript's notes).

    With the file's `conditions`, the accuracy comes from the figures validated for them
    (`turntune_nb.audio.conditions.accuracy_note`); without, from the clean-audio evaluation.

    Examples
    --------
    >>> detector_note(VADSettings()).startswith("speech found by the offline silero-lite detector")
    True
    """
    evaluated = settings == VADSettings(detector=settings.detector)
    if conditions is not None and evaluated:
        return (f"speech found by the offline {settings.detector} detector (onset {settings.onset}, "
                f"min silence {settings.min_silence_ms} ms, noise gate {'on' if settings.gate else 'off'}), "
                f"not by a human or a transcription service; {accuracy_note(conditions, settings.detector)}")
    how = _MEASURED.get(settings.detector, "") if evaluated else (
        "with settings other than those evaluated in benchmarks/vad_eval.py, so its accuracy is not measured")
    return (f"speech found by the offline {settings.detector} detector (onset {settings.onset}, "
            f"min silence {settings.min_silence_ms} ms, noise gate {'on' if settings.gate else 'off'}), "
            f"not by a human or a transcription service: {how} (benchmarks/vad_eval.py)")


def transcribe_offline(files, progress: bool = True, settings: VADSettings | None = None,
                       speakers: int | None = None, diarise: bool | str = True, **vad_settings):
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
    diarise : bool or str
        Split mono recordings between speakers (default True); or the diarisation
        method's name (``"segmentation"``, the default, or ``"frames"``: faster, no overlap).

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
    with_method(None, diarise)
    encoder = VoiceEncoder() if diarise else None
    transcripts, failed = [], []
    detectors: dict = {}    # per setting, one model per channel, loaded once for the whole folder
    files = list(files)
    for path in tqdm(files, desc="offline VAD", unit="file", disable=not progress):
        try:
            transcripts.append(transcribe_file_offline(path, settings, speakers=speakers, diarise=diarise,
                                                       encoder=encoder, detectors=detectors))
        except AudioDecodeError as err:
            log.warning("%s", err, extra={"failed_file": Path(path).name})  # the CLI lists it once, at the end
            failed.append({"filename": Path(path).name, "reason": err.reason})
        except SpeakersNotApplicable as err:
            log.warning("%s", err, extra={"failed_file": err.filename})
            failed.append({"filename": err.filename, "reason": err.reason})
    return transcripts, failed


def write_segments(transcripts, folder) -> list[Path]:
    """One RTTM file per transcript in `folder` (created 0700; files 0600), for any RTTM tool.

    The speaker labels are the ones the analysis used (``ch0``/``ch1``, ``spk0``...,
    or ``UNKNOWN``). File names are the transcript names made safe, ending in
    ``.rttm`` (``call 1.wav`` -> ``call_1.wav.rttm``); the RTTM file id is the name
    without its extension. A transcript with notes (the offline backend's: channel layout,
    conditions and the accuracy validated for them) also gets ``<name>.notes.txt`` beside it.

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
        if t.notes:
            atomic_write_text(folder / f"{name}.notes.txt", "".join(f"{note}\n" for note in t.notes))
    return written
