#!/usr/bin/env python3
"""Generate the synthetic two-voice conversations in ``samples/synthetic/``.

Each conversation is a scripted exchange between two espeak-ng voices, one per
channel of a 16 kHz stereo file (the way call centres record), placed with known
gaps, overlaps and same-speaker pauses, over a faint noise floor. Every
conversation is saved in one format (wav, flac, mp3, m4a, opus, webm, mp4) so the
folder exercises every decoder, and ``mono_pauses.ogg`` is a one-channel mixdown
(no speaker identity) for the mono path. Ground truth goes to
``samples/synthetic/truth/<file>.json`` (and ``.rttm``): speech starts and ends
measured on the clean synthesized audio (first and last sample above
``TRIM_LEVEL``), in integer milliseconds.

Run (needs ``espeak-ng``; Debian: ``apt-get install espeak-ng``)::

    .venv/bin/python scripts/make_samples.py

The output is deterministic for one espeak-ng build (the noise is seeded); the
committed files were made with espeak-ng 1.51 (Debian 12).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from turntune_nb.audio.decode import decode_audio  # noqa: E402

OUT = ROOT / "samples" / "synthetic"
RATE = 16000
#: A sample is speech when its magnitude exceeds this (int16); espeak's silence is exact zeros.
TRIM_LEVEL = 64
#: Standard deviation of the added noise floor (int16), about -64 dBFS.
NOISE = 20
VOICES = {"A": "en-us", "B": "en-gb+f3"}
LEAD_MS = 800   # silence before the first utterance
TAIL_MS = 800   # silence after the last

# (speaker, text, offset_ms from the end of the previous utterance of anyone:
#  positive = silence, negative = overlap). No commas: espeak pauses on them.
CONVERSATIONS = {
    "conv1.wav": [
        ("A", "Thanks for calling the help desk", 0),
        ("B", "Hi I cannot log in to my account", 350),
        ("A", "I can help with that", 600),
        ("A", "What is your user name", 900),
        ("B", "It is jay smith", -250),
    ],
    "conv2.flac": [
        ("A", "Good morning and welcome back", 0),
        ("B", "Morning it is good to be here", 200),
        ("A", "Shall we look at the budget first", 450),
        ("B", "Yes please", -300),
        ("B", "The numbers came in late yesterday", 700),
        ("A", "That is fine", 1200),
    ],
    "conv3.mp3": [
        ("B", "Where did you leave the keys", 0),
        ("A", "On the kitchen table I think", 300),
        ("B", "They are not there", 150),
        ("A", "Then try the coat pocket", 800),
        ("B", "Found them", -200),
    ],
    "conv4.m4a": [
        ("A", "The train leaves at nine", 0),
        ("B", "Then we should leave the house by eight", 500),
        ("A", "Eight is too early for me", 250),
        ("A", "Can we say half past", 1000),
        ("B", "Sure half past eight works", 400),
    ],
    "conv5.opus": [
        ("B", "Did you watch the game last night", 0),
        ("A", "I did and what a finish", 220),
        ("B", "I could not believe that last goal", -400),
        ("A", "Me neither", 650),
        ("B", "Let us watch the next one together", 300),
    ],
    "conv6.webm": [
        ("A", "Your order is ready for pickup", 0),
        ("B", "Great when do you close today", 400),
        ("A", "We close at six", 180),
        ("B", "I will be there at five", 900),
        ("A", "See you then", 300),
    ],
    "conv7.mp4": [
        ("B", "How was the trip", 0),
        ("A", "Long but worth it", 550),
        ("A", "The mountains were beautiful", 750),
        ("B", "Did you take many pictures", -150),
        ("A", "Hundreds of them", 350),
    ],
    "mono_pauses.ogg": [
        ("A", "This recording has only one channel", 0),
        ("B", "So the speakers cannot be told apart", 500),
        ("A", "Only the pauses between speech are measured", 800),
        ("B", "That is still useful", 1100),
    ],
}

#: extension -> (container format, codec, bit rate)
ENCODERS = {
    ".wav": ("wav", "pcm_s16le", None),
    ".flac": ("flac", "flac", None),
    ".mp3": ("mp3", "libmp3lame", 48_000),
    ".m4a": ("ipod", "aac", 48_000),
    ".mp4": ("mp4", "aac", 48_000),
    ".opus": ("ogg", "libopus", 32_000),
    ".ogg": ("ogg", "libopus", 24_000),
    ".webm": ("webm", "libopus", 32_000),
}


def speak(text: str, voice: str, tmp: Path) -> np.ndarray:
    """The utterance at 16 kHz, trimmed to its first and last audible sample."""
    wav = tmp / "utt.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(wav), text], check=True)
    x = decode_audio(wav).samples[0]
    loud = np.flatnonzero(np.abs(x.astype(np.int32)) > TRIM_LEVEL)
    return x[loud[0]:loud[-1] + 1]


def longest_internal_silence_ms(clip: np.ndarray) -> int:
    quiet = np.abs(clip.astype(np.int32)) <= TRIM_LEVEL
    edges = np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]]))
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return int(runs.max() * 1000 // RATE) if len(runs) else 0


def build(script, tmp: Path):
    """Place the utterances; return the (2, n) int16 signal and the segment list."""
    clips, segments = [], []
    cursor = LEAD_MS * RATE // 1000
    prev_end = None
    for speaker, text, offset_ms in script:
        clip = speak(text, VOICES[speaker], tmp)
        start = cursor if prev_end is None else prev_end + offset_ms * RATE // 1000
        end = start + len(clip)
        clips.append((0 if speaker == "A" else 1, start, clip))
        segments.append({
            "speaker": speaker, "channel": 0 if speaker == "A" else 1,
            "start_ms": round(start * 1000 / RATE), "end_ms": round(end * 1000 / RATE), "text": text,
            "longest_internal_silence_ms": longest_internal_silence_ms(clip),
        })
        prev_end = end if prev_end is None else max(prev_end, end)
    n = max(s + len(c) for _, s, c in clips) + TAIL_MS * RATE // 1000
    mix = np.zeros((2, n), dtype=np.float64)
    for ch, start, clip in clips:
        mix[ch, start:start + len(clip)] += clip
    return mix, segments


def encode(samples: np.ndarray, path: Path) -> None:
    """Write int16 samples shaped (channels, n) with PyAV's bundled FFmpeg encoders."""
    fmt, codec, bit_rate = ENCODERS[path.suffix]
    layout = "stereo" if samples.shape[0] == 2 else "mono"
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=RATE, layout=layout)
        if bit_rate:
            stream.bit_rate = bit_rate
        packed = np.ascontiguousarray(samples.T).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(packed, format="s16", layout=layout)
        frame.rate = RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)


def codec_delay_ms(original: np.ndarray, path: Path) -> int:
    """How much later the audio comes out of the encoded file than it went in.

    FFmpeg's AAC encoder primes 1024 samples (64 ms at 16 kHz) and, written through
    PyAV, the mp4 gets no edit list telling decoders to drop them; the ground truth
    is shifted by this lag so it says where speech is in the file as decoded.
    """
    decoded = decode_audio(path, mono=True).samples[0].astype(np.float64)
    ref = original.astype(np.float64).mean(axis=0)
    n = min(len(ref), len(decoded))
    lags = range(0, RATE // 5)  # up to 200 ms
    scores = [np.dot(ref[: n - lag], decoded[lag:n]) for lag in lags]
    return round(int(np.argmax(scores)) * 1000 / RATE)


def write_truth(name: str, segments, duration_ms: int, mono: bool, delay_ms: int) -> None:
    truth_dir = OUT / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    doc = {
        "file": name,
        "sample_rate": RATE,
        "channels": 1 if mono else 2,
        "duration_ms": duration_ms,
        "voices": VOICES,
        "trim_level": TRIM_LEVEL,
        "codec_delay_ms": delay_ms,
        "segments": segments,
    }
    (truth_dir / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    stem = Path(name).stem
    lines = [
        f"SPEAKER {stem} {s['channel'] + 1} {s['start_ms'] / 1000:.3f} {(s['end_ms'] - s['start_ms']) / 1000:.3f} "
        f"<NA> <NA> {s['speaker']} <NA> <NA>"
        for s in segments
    ]
    (truth_dir / f"{name}.rttm").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    if not shutil.which("espeak-ng"):
        print("make_samples: espeak-ng is not installed (Debian: apt-get install espeak-ng)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240604)
    with tempfile.TemporaryDirectory() as tmp:
        for name, script in CONVERSATIONS.items():
            mix, segments = build(script, Path(tmp))
            mono = name.startswith("mono")
            if mono:
                mix = mix.sum(axis=0, keepdims=True)
            mix += rng.normal(0.0, NOISE, size=mix.shape)
            samples = np.clip(np.round(mix), -32768, 32767).astype(np.int16)
            encode(samples, OUT / name)
            delay = codec_delay_ms(samples, OUT / name)
            for seg in segments:
                seg["start_ms"] += delay
                seg["end_ms"] += delay
            write_truth(name, segments, samples.shape[1] * 1000 // RATE, mono, delay)
            worst = max(s["longest_internal_silence_ms"] for s in segments)
            print(f"{name}: {samples.shape[1] / RATE:.1f} s, {len(segments)} utterances, codec delay {delay} ms, "
                  f"longest silence inside one: {worst} ms, {(OUT / name).stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
