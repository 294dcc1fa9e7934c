"""Speech found and speaker changes under noise, babble and odd channel layouts: before and after, in one run.

Data (read from ``../shared/data``, never copied into the repository):

- ``spokenwoz``: 3 real phone calls, 8 kHz, one party per channel (CC BY-NC), references from their
  ``*.rttm`` (utterance starts are real, ends carry ~300 ms of padding);
- ``ami_debug_train``: 10 real AMI meeting clips (30 s, mono) with their RTTM.

Conditions, each written to a temporary WAV and run through the offline backend's default
(`transcribe_file_offline`):

- **clean**: as recorded;
- **white 20 / 10 dB**: Gaussian white noise, its power 20 (10) dB under the channel's own
  speech power (mean over its party's reference frames);
- **babble 20 / 10 dB**: a sum of four other voices (the calls' other parties, or for a
  meeting clip its four neighbours' audio), each at the same speech power, looped from
  an offset of its own per channel, at the same SNRs;
- **identical**: a call's two channels summed into one mono call, saved as two identical
  channels; **one channel**: the same mono call on channel 0, channel 1 holding only a faint
  noise (-80 dBFS); **DC +2000**: the call as recorded over a constant 2000 (-24 dBFS, a sound
  card's bias) on both channels (``--baseline 82c2970`` runs the backend from before offsets were
  taken out).

Figures (10 ms frames):

- **missed**: the party's reference speech that is audible in the clean recording (20 dB over its
  floor) and not found, % (the calls: frames where only the other party speaks are left out);
- **FA**: speech found outside the reference, % of reference speech;
- **changes**: the floor passing from one party to the other, matched within 500 ms to the
  reference (same party: a diarised speaker counts as the party it overlaps most),
  recall / precision %;
- **speakers**: how many the mono layouts were split into.

"before" is the package at ``BASELINE`` (the commit this work started from, extracted with
``git archive`` and run in a subprocess), "after" the working tree, on the same files;
``--set NAME=VALUE`` runs "after" with that `DiarisationSettings` change (with ``--baseline HEAD``:
the default beside the change).

    PYTHONPATH=. .venv/bin/python benchmarks/noise_eval.py [--quick] [--baseline REF] [--set NAME=VALUE]

Targets (issue 24): white 20 dB missed <= 8 %, babble 20 dB change precision >= 70 %, the two
mono layouts >= 2 speakers and changes >= 70 / 70 %; meetings clean must not get worse.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from turntune_nb.analysis.model import Transcript, Utterance  # noqa: E402
from turntune_nb.audio.decode import decode_audio  # noqa: E402

DATA = next((p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
            ROOT.parent / "shared" / "data")
BASELINE = "876d020"
FRAME_MS = 10
AUDIBLE_DB = 20.0
SNRS = (20, 10)
_spec = importlib.util.spec_from_file_location("crosstalk_eval", Path(__file__).with_name("crosstalk_eval.py"))
ctk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ctk)


# --------------------------------------------------------------------------- data
def frame_db(x: np.ndarray, rate: int) -> np.ndarray:
    n = rate * FRAME_MS // 1000
    f = x[: len(x) // n * n].astype(np.float64).reshape(-1, n) / 32768.0
    return 10 * np.log10(np.mean(f * f, axis=1) + 1e-12)


def mask(segments, n: int) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    for a, b in segments:
        m[int(a) // FRAME_MS: -(-int(b) // FRAME_MS)] = True
    return m


def read_rttm(path: Path) -> dict:
    out: dict = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] == "SPEAKER":
            a = round(float(f[3]) * 1000)
            out.setdefault(f[1], {}).setdefault(f[7], []).append((a, a + round(float(f[4]) * 1000)))
    return out


def speech_power(x: np.ndarray, ref: np.ndarray, rate: int) -> float:
    n = rate * FRAME_MS // 1000
    f = x[: len(ref) * n].astype(np.float64).reshape(-1, n)
    return float(np.mean(f[ref[: len(f)]] ** 2)) if ref[: len(f)].any() else float(np.mean(f ** 2))


def at_snr(noise: np.ndarray, power: float, snr_db: float) -> np.ndarray:
    return noise * np.sqrt(power / 10 ** (snr_db / 10) / max(np.mean(noise ** 2), 1e-12))


def babble(voices: list[np.ndarray], n: int, rng) -> np.ndarray:
    """Sum of `voices` (each at unit power), each looped from a random offset to length `n`."""
    out = np.zeros(n)
    for v in voices:
        v = v.astype(np.float64) / np.sqrt(np.mean(v.astype(np.float64) ** 2) + 1e-12)
        start = int(rng.integers(len(v)))
        out += np.resize(np.roll(v, -start), n)
    return out


def write_wav(path: Path, x: np.ndarray, rate: int) -> None:
    x = np.atleast_2d(x)
    y = np.clip(np.round(x), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(x.shape[0])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(y.T).tobytes())


def build(tmp: Path, quick: bool, meetings: bool = True) -> list[dict]:
    """Write every test file; return their manifests (path, kind, condition, references)."""
    rng = np.random.default_rng(24)
    items = []
    calls = sorted((DATA / "spokenwoz").glob("*.wav"))[: 2 if quick else 3]
    audio = {c.stem: decode_audio(c, sample_rate=8000, mono=False).samples for c in calls}
    every = {c.stem: decode_audio(c, sample_rate=8000, mono=False).samples
             for c in sorted((DATA / "spokenwoz").glob("*.wav"))}
    for wav in calls:
        x = audio[wav.stem].astype(np.float64)
        ref = read_rttm(wav.with_suffix(".rttm"))[wav.stem]
        parties = [ref.get("A", []), ref.get("B", [])]
        n = x.shape[1] * 1000 // 8000 // FRAME_MS
        refs = [mask(p, n) for p in parties]
        power = [speech_power(x[ch], refs[ch], 8000) for ch in (0, 1)]
        others = [v[ch] for stem, v in every.items() if stem != wav.stem for ch in (0, 1)]
        base = {"kind": "call", "stem": wav.stem, "parties": parties}
        variants = {"clean": x}
        for snr in SNRS:
            variants[f"white {snr} dB"] = np.vstack([x[ch] + at_snr(rng.standard_normal(x.shape[1]), power[ch], snr)
                                                     for ch in (0, 1)])
            variants[f"babble {snr} dB"] = np.vstack([x[ch] + at_snr(babble(others, x.shape[1], rng), power[ch], snr)
                                                      for ch in (0, 1)])
        mono = x.sum(axis=0)
        variants["identical"] = np.vstack([mono, mono])
        variants["one channel"] = np.vstack([mono, rng.standard_normal(len(mono)) * 32768 * 10 ** (-80 / 20)])
        variants["DC +2000"] = x + 2000
        for cond, y in variants.items():
            path = tmp / f"{wav.stem}.{cond.replace(' ', '_')}.wav"
            write_wav(path, y, 8000)
            items.append({**base, "condition": cond, "path": str(path),
                          "clean_db": [frame_db(x[ch], 8000).tolist() for ch in (0, 1)]})
    ami = DATA / "ami_debug_train"
    refs = read_rttm(ami / "debug.train.rttm")
    clips = sorted(ami.glob("*.wav"))[: (4 if quick else 10) if meetings else 0]
    samples = {w: decode_audio(w).samples[0].astype(np.float64) for w in sorted(ami.glob("*.wav"))}
    for i, wav in enumerate(clips):
        x = samples[wav]
        segs = [s for spk in refs.get(wav.stem.replace("ñ", "n"), {}).values() for s in spk]
        n = len(x) * 1000 // 16000 // FRAME_MS
        power = speech_power(x, mask(segs, n), 16000)
        others = [samples[w] for w in sorted(samples) if w != wav][:4]
        variants = {"clean": x}
        for snr in SNRS:
            variants[f"white {snr} dB"] = x + at_snr(rng.standard_normal(len(x)), power, snr)
            variants[f"babble {snr} dB"] = x + at_snr(babble(others, len(x), rng), power, snr)
        for cond, y in variants.items():
            path = tmp / f"ami{i}.{cond.replace(' ', '_')}.wav"
            write_wav(path, y, 16000)
            items.append({"kind": "meeting", "stem": wav.stem, "condition": cond, "path": str(path),
                          "parties": [segs], "clean_db": [frame_db(x, 16000).tolist()]})
    return items


# --------------------------------------------------------------------------- running
WORKER = """
import json, sys
from turntune_nb.audio.offline import transcribe_file_offline
job = json.load(sys.stdin)
if job["diarisation"]:
    from turntune_nb.audio.diarize import DiarisationSettings
    settings = DiarisationSettings(**job["diarisation"])
else:
    settings = None
out = {}
for p in job["paths"]:
    t = transcribe_file_offline(p, diarisation=settings)
    out[p] = {"utts": [[u.speaker, u.start_ms, u.end_ms] for u in t.utterances], "source": t.speaker_source,
              "notes": list(t.notes), "snr": (getattr(t, "conditions", None) or {}).get("snr_db")}
print(json.dumps(out))
"""


def run(package_root: Path, paths: list[str], diarisation: dict | None = None) -> dict:
    """Each path through `package_root`'s offline backend, its default but for the `diarisation` settings given."""
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    # run from the package's own folder: ``python -c`` puts the working directory first on sys.path
    job = json.dumps({"paths": paths, "diarisation": diarisation or {}})
    done = subprocess.run([sys.executable, "-c", WORKER], input=job, capture_output=True, text=True,
                          env=env, check=True, cwd=str(package_root))
    return json.loads(done.stdout.strip().splitlines()[-1])


def setting_changes(items: list[str]) -> dict:
    """``--set NAME=VALUE`` items as `DiarisationSettings` changes: whole numbers, decimals and True/False typed.

    >>> setting_changes(["step_ms=10000", "min_agreement=0.7", "add_speech=True", "method=frames"])
    {'step_ms': 10000, 'min_agreement': 0.7, 'add_speech': True, 'method': 'frames'}
    """
    def value(v: str):
        return {"True": True, "False": False}.get(v, v if not v[:1].isdigit() else float(v) if "." in v else int(v))

    return {name: value(v) for name, v in (item.split("=", 1) for item in items)}


def add_set_option(parser: argparse.ArgumentParser,
                   help: str = "a DiarisationSettings value for the 'after' run (repeatable); with --baseline HEAD, "
                               "the package's default beside the change, in one run") -> None:
    """The benchmarks' ``--set NAME=VALUE`` (`setting_changes` reads it): by default, a change for the "after" run."""
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help=help)


def baseline_tree(ref: str, tmp: Path) -> Path:
    dest = tmp / "baseline"
    dest.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "turntune_nb"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


# --------------------------------------------------------------------------- scoring
def party_of(utts, parties, n) -> dict:
    """Each hypothesis speaker -> the reference party ("ch0"/"ch1") it overlaps most."""
    refs = [mask(p, n) for p in parties]
    out = {}
    for who in {u[0] for u in utts}:
        m = mask([(a, b) for s, a, b in utts if s == who], n)
        out[who] = f"ch{int(np.argmax([(m & r).sum() for r in refs]))}"
    return out


def score(item: dict, hyp: dict) -> dict:
    utts = hyp["utts"]
    clean = [np.asarray(c) for c in item["clean_db"]]
    n = min(len(c) for c in clean)
    parties = item["parties"]
    refs = [mask(p, n) for p in parties]
    out = {"aud": 0, "missed": 0, "ref": 0, "fa": 0}
    two = item["kind"] == "call" and hyp["source"] == "channels"
    for ch, r in enumerate(refs):
        if two:
            found = mask([(a, b) for s, a, b in utts if s == f"ch{ch}"], n)
            db = clean[ch][:n]
            keep = ~(refs[1 - ch] & ~r)            # frames where only the other party speaks: not scored
        else:
            found = mask([(a, b) for s, a, b in utts], n)
            db = clean[0][:n] if item["kind"] == "meeting" else np.maximum(clean[0][:n], clean[1][:n])
            keep = ~(refs[1 - ch] & ~r) if len(refs) == 2 else np.ones(n, dtype=bool)
        aud = r & keep & (db >= np.percentile(db, 5) + AUDIBLE_DB)
        out["aud"] += int(aud.sum())
        out["missed"] += int((aud & ~found).sum())
        anyone = np.any(refs, axis=0)
        out["ref"] += int((r & keep).sum())
        out["fa"] += int((found & ~(anyone if not two else r) & keep).sum())
    if item["kind"] == "call":
        ref_t = Transcript("r", [Utterance(f"ch{ch}", a, b) for ch, p in enumerate(parties) for a, b in p])
        names = party_of(utts, parties, n) if hyp["source"] != "channels" else {}
        hyp_t = Transcript("h", [Utterance(names.get(s, s), a, b) for s, a, b in utts])
        ref_c, _ = ctk.changes(ref_t)
        hyp_c, _ = ctk.changes(hyp_t)
        out.update(ref_changes=len(ref_c), found_changes=len(hyp_c), matched=ctk.matched(ref_c, hyp_c),
                   speakers=len({u[0] for u in utts}))
    if hyp.get("snr") is not None:
        out["snr"] = hyp["snr"]
    return out


def table(items, results: dict) -> dict:
    rows: dict = {}
    for item in items:
        key = (item["kind"], item["condition"])
        acc = rows.setdefault(key, {})
        for k, v in score(item, results[item["path"]]).items():
            acc.setdefault(k, []).append(v)
    return rows


def fmt(acc: dict) -> str:
    s = sum
    txt = (f"missed {100 * s(acc['missed']) / max(s(acc['aud']), 1):5.1f} %  "
           f"FA {100 * s(acc['fa']) / max(s(acc['ref']), 1):5.1f} %")
    if "ref_changes" in acc:
        m, r, f = s(acc["matched"]), s(acc["ref_changes"]), s(acc["found_changes"])
        txt += (f"  changes {100 * m / max(r, 1):5.1f} / {100 * m / max(f, 1):5.1f} %"
                f"  speakers {min(acc['speakers'])}-{max(acc['speakers'])}")
    if acc.get("snr"):
        txt += f"  measured SNR {min(acc['snr']):.0f}-{max(acc['snr']):.0f} dB"
    return txt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 calls and 4 meeting clips")
    parser.add_argument("--baseline", default=BASELINE, help="git ref of the 'before' package")
    parser.add_argument("--after-only", action="store_true", help="skip the 'before' run (while tuning)")
    parser.add_argument("--calls-only", action="store_true", help="skip the meeting clips")
    add_set_option(parser)
    args = parser.parse_args()
    changes = setting_changes(args.set)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        items = build(tmp, args.quick, not args.calls_only)
        paths = [i["path"] for i in items]
        after = table(items, run(ROOT, paths, changes))
        before = after if args.after_only else table(items, run(baseline_tree(args.baseline, tmp), paths))
    print(f"before = {args.baseline}, after = working tree{f' with {changes}' if changes else ''}")
    print(f"{'data':<8} {'condition':<13} before / after")
    for key in before:
        print(f"{key[0]:<8} {key[1]:<13} before: {fmt(before[key])}")
        print(f"{'':<8} {'':<13} after:  {fmt(after[key])}")
    print("\nTargets: white 20 dB missed <= 8 %; babble 20 dB change precision >= 70 %; identical / one channel "
          ">= 2 speakers, changes >= 70 / 70 %; meetings clean: missed and FA no worse than before.")


if __name__ == "__main__":
    main()
