"""Speaker changes in two-channel calls with crosstalk: recalled and precise, with and without resolution.

Data: ``../shared/data/spokenwoz`` (3 real phone calls, 8 kHz, one party per channel,
real crosstalk; CC BY-NC: read from there, never copied into the repository). The
reference is its utterances (``*.rttm``): their starts are real, their ends carry
~300 ms of padding, so a speaker change is timed by the start of the incoming
party's utterance.

Each call is analysed as it is, then with synthetic bleed added (each channel gets
the other party at -20 dB and -12 dB, 40 ms late), each as 16-bit PCM, mu-law and
A-law WAV (8 kHz telephone codecs, written with PyAV), through the offline backend
with crosstalk resolution off and on.

- **speaker change**: the floor passing from one party to the other (a gap or an
  overlap in `turntune_nb.analysis.gaps.compute_transitions`); matched to the
  reference when the same party takes the floor within 500 ms. Recall = matched /
  reference changes, precision = matched / changes found. Target >= 90 % each.
- **backchannels**: `contained` transitions (a party's speech wholly inside the
  other's), against the reference's count.

    PYTHONPATH=. .venv/bin/python benchmarks/crosstalk_eval.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from turntune_nb.analysis.gaps import compute_transitions  # noqa: E402
from turntune_nb.analysis.model import Transcript, Utterance  # noqa: E402
from turntune_nb.audio.decode import decode_audio  # noqa: E402
from turntune_nb.audio.offline import transcribe_file_offline  # noqa: E402

DATA = next((p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
            ROOT.parent / "shared" / "data") / "spokenwoz"
TOLERANCE_MS = 500
BLEED_DELAY_MS = 40
CODECS = {"pcm16": "pcm_s16le", "mu-law": "pcm_mulaw", "A-law": "pcm_alaw"}


def reference(stem: str) -> Transcript:
    utts = []
    for line in (DATA / f"{stem}.rttm").read_text(encoding="utf-8").splitlines():
        f = line.split()
        a = round(float(f[3]) * 1000)
        utts.append(Utterance("ch0" if f[7] == "A" else "ch1", a, a + round(float(f[4]) * 1000)))
    return Transcript(stem, utts)


def changes(t: Transcript) -> tuple[list[tuple[str, int]], int]:
    tr = compute_transitions(t.to_frame())
    ch = tr[tr["kind"].isin(["gap", "overlap"])]
    return list(zip(ch["speaker"], ch["start_ms"])), int((tr["kind"] == "contained").sum())


def matched(ref, hyp, tol=TOLERANCE_MS) -> int:
    """Greedy one-to-one matching: same incoming party, nearest start within `tol`."""
    used, m = set(), 0
    for sp, t in ref:
        best = None
        for j, (sp2, t2) in enumerate(hyp):
            closer = best is None or abs(t2 - t) < abs(hyp[best][1] - t)
            if j not in used and sp2 == sp and abs(t2 - t) <= tol and closer:
                best = j
        if best is not None:
            used.add(best)
            m += 1
    return m


def write_wav(path: Path, x: np.ndarray, rate: int, codec: str) -> None:
    """Two int16 channels to a WAV file with `codec` (pcm_s16le, pcm_mulaw, pcm_alaw)."""
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream(codec, rate=rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x.T.reshape(1, -1)), format="s16", layout="stereo")
        frame.rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)


def bleed(x: np.ndarray, rate: int, db: float) -> np.ndarray:
    d = rate * BLEED_DELAY_MS // 1000
    g = 10 ** (db / 20)
    late = np.concatenate([np.zeros((2, d)), x[:, :-d].astype(np.float64)], axis=1)
    y = x + g * late[::-1]
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for wav in sorted(DATA.glob("*.wav")):
            ref, ref_bc = changes(reference(wav.stem))
            audio = decode_audio(wav, sample_rate=8000, mono=False)
            variants = {"as recorded": audio.samples}
            for db in (-20, -12):
                variants[f"bleed {db} dB"] = bleed(audio.samples, 8000, db)
            for label, x in variants.items():
                for codec, name in CODECS.items():
                    if label == "as recorded" and codec != "pcm16":
                        continue
                    path = Path(tmp) / f"{wav.stem}.{codec}.wav"
                    write_wav(path, x, 8000, name)
                    for resolve in (False, True):
                        hyp, hyp_bc = changes(transcribe_file_offline(path, crosstalk=resolve))
                        rows.append((wav.stem, label, codec, resolve, len(ref), len(hyp), matched(ref, hyp),
                                     ref_bc, hyp_bc))
    print(f"{'call':<8} {'audio':<14} {'codec':<7} {'crosstalk':<9} {'ref':>4} {'found':>5} {'recall':>6} "
          f"{'prec':>6} {'backch ref/found':>16}")
    for stem, label, codec, resolve, nr, nh, m, rb, hb in rows:
        print(f"{stem:<8} {label:<14} {codec:<7} {'resolved' if resolve else 'off':<9} {nr:4d} {nh:5d} "
              f"{m / nr:6.0%} {m / max(nh, 1):6.0%} {rb:8d}/{hb:<7d}")
    print("\nAll calls, per condition (speaker changes recalled / precise, "
          "backchannels found where the reference has N):")
    keys = sorted({(r[1], r[2], r[3]) for r in rows}, key=lambda k: (k[0] != "as recorded", k[0], k[1], k[2]))
    for label, codec, resolve in keys:
        sel = [r for r in rows if (r[1], r[2], r[3]) == (label, codec, resolve)]
        nr, nh, m = sum(r[4] for r in sel), sum(r[5] for r in sel), sum(r[6] for r in sel)
        print(f"  {label:<14} {codec:<7} crosstalk {'resolved' if resolve else 'off':<9}: recall {m / nr:5.1%}  "
              f"precision {m / max(nh, 1):5.1%}  backchannels {sum(r[8] for r in sel)} "
              f"(reference {sum(r[7] for r in sel)})")
    print("\nTarget (issue 11): speaker changes recalled and precise >= 90 % on two-channel calls with crosstalk.")


if __name__ == "__main__":
    main()
