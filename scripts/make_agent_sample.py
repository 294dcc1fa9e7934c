#!/usr/bin/env python3
"""Assemble ``samples/agent/agent_call.opus``: a two-channel voice-agent call of real speech.

The speech is cut from the bundled real conversation ``samples/real/sample.wav``
(pyannote's tutorial sample, MIT): stretches its human reference
(``samples/real/sample.rttm``) gives to one speaker alone. ``speaker90``'s stretches
play the agent on channel 0 (1 in the RTTM), ``speaker91``'s the caller on channel 1 (2), placed
so the call holds what ``turntune agent`` measures, each known to the millisecond:

- five responses of the agent, gaps 890, -200 (a cut-in), 3500, 770 and 700 ms;
- two barge-ins of the caller: one the agent yields to (it stops 1650 ms after the
  caller starts), one it talks through (2830 ms, past the 2000 ms window);
- one dead air of 3500 ms.

The truth is ``samples/agent/agent_call.rttm`` (agent and caller, channels 1 and 2),
shifted by the codec's delay as measured on the encoded file (as `make_samples` does).
A faint noise floor (seeded) fills the silences. Run::

    .venv/bin/python scripts/make_agent_sample.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from make_samples import NOISE, RATE, codec_delay_ms, encode  # noqa: E402

from turntune_nb.audio.decode import decode_audio  # noqa: E402

SOURCE = ROOT / "samples" / "real" / "sample.wav"
OUT = ROOT / "samples" / "agent" / "agent_call.opus"
#: Stretches of sample.wav (ms) where its reference has one speaker alone.
CLIPS = {
    "a_greet": (11050, 14480), "a_short": (8320, 9900), "a_long": (18600, 21490), "a_end": (28520, 30000),
    "c_issue": (14710, 17920), "c_yes": (7550, 8310), "c_barge": (21780, 23780), "c_ok": (10030, 10560),
    "c_quick": (24900, 25500), "c_more": (25000, 27800),
}
#: (party, clip, start in the call, ms); party 0 = agent, 1 = caller.
SCRIPT = [
    (0, "a_greet", 500),    # agent 500-3930
    (1, "c_issue", 4400),   # caller 4400-7610
    (0, "a_short", 8500),   # response: 8500 - 7610 = 890
    (1, "c_yes", 10700),    # caller 10700-11460
    (0, "a_long", 11260),   # response: 11260 - 11460 = -200, a cut-in; agent 11260-14150
    (1, "c_barge", 12500),  # barge-in 12500-14500 inside the agent's 11260-14150: stops 1650 ms later, yielded
    (0, "a_end", 18000),    # dead air 14500-18000 (3500); response 18000 - 14500 = 3500
    (1, "c_ok", 20100),     # caller 20100-20630
    (0, "a_greet", 21400),  # response: 21400 - 20630 = 770; agent 21400-24830
    (1, "c_quick", 22000),  # barge-in 22000-22600: the agent talks on until 24830 (2830 ms): not yielded
    (1, "c_more", 25500),   # caller 25500-28300
    (0, "a_end", 29000),    # response: 29000 - 28300 = 700; agent 29000-30480
]
LABELS = ("agent", "caller")
TAIL_MS = 700
#: A few ms of fade at each clip's ends, so no click is heard (or detected) at a cut.
FADE_MS = 5


def main() -> int:
    speech = decode_audio(SOURCE, RATE, mono=True).samples[0].astype(np.float64)
    segments = []
    end_ms = max(start + CLIPS[c][1] - CLIPS[c][0] for _, c, start in SCRIPT) + TAIL_MS
    mix = np.zeros((2, end_ms * RATE // 1000))
    fade = np.linspace(0.0, 1.0, FADE_MS * RATE // 1000)
    for party, clip, start in SCRIPT:
        a, b = (t * RATE // 1000 for t in CLIPS[clip])
        piece = speech[a:b].copy()
        piece[:len(fade)] *= fade
        piece[-len(fade):] *= fade[::-1]
        at = start * RATE // 1000
        mix[party, at:at + len(piece)] += piece
        segments.append((party, start, start + CLIPS[clip][1] - CLIPS[clip][0]))
    mix += np.random.default_rng(20261207).normal(0.0, NOISE, size=mix.shape)
    samples = np.clip(np.round(mix), -32768, 32767).astype(np.int16)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    encode(samples, OUT)
    delay = codec_delay_ms(samples, OUT)
    lines = [f"SPEAKER agent_call {party + 1} {(s + delay) / 1000:.3f} {(e - s) / 1000:.3f} <NA> <NA> "
             f"{LABELS[party]} <NA> <NA>" for party, s, e in sorted(segments, key=lambda x: x[1])]
    OUT.with_suffix(".rttm").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT.name}: {samples.shape[1] / RATE:.1f} s, {len(segments)} segments, codec delay {delay} ms, "
          f"{OUT.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
