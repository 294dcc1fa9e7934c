"""How well the offline backend finds speakers in mono recordings, on real data.

Three checks, each printed as a table:

- **SpokenWOZ calls** (``../shared/data/spokenwoz``: 3 real two-party phone calls, 8 kHz,
  one party per channel; CC BY-NC 4.0, so read from ``../shared`` here and never copied
  into the repository): each call is analysed as recorded (two channels: the tool's own
  two-channel result) and downmixed to mono with ``speakers=2``. Figures: speaker
  changes of the two-channel result recalled by the mono one within 500 ms, and the
  mono changes that are real (precision), the median floor-transfer offset (FTO)
  and the share of changes that overlap, mono against two-channel. Targets: recall
  and precision >= 70 %, median FTO within 200 ms, overlap share within 15 points.
  Also the speaker count estimated without ``speakers`` for the mix (2) and for each
  party's own channel alone (1).
- **AMI meeting clips** (``../shared/data/ami_debug_train``, 10 x 30 s, 2-4 speakers) and
  the **pyannote sample** (30 s, 2 speakers): speaker changes against the human RTTM
  (within 500 ms), the estimated speaker count against the reference, and the
  diarisation error rate (missed + false alarm + confusion, no collar, overlaps
  scored for one speaker) with the count known and estimated.

- **Overlap evidence**: can overlapped speech be told from one speaker in a mono
  mix with the frame features the diariser has? With *oracle* speaker models (fit
  on the reference's single-speaker frames), an overlap model (the log-sum of two
  speakers' mean spectra) is scored against the best single speaker, smoothed over
  300 ms; the table gives the area under the ROC curve, overlap frames against
  single-speaker frames (0.5 = no evidence). This is why the diariser does not claim
  overlaps in mono.

A speaker change is a ``gap`` or ``overlap`` transition of `compute_transitions` (the
same definition the analysis uses), placed at the new speaker's start.

Usage: ``python benchmarks/diarisation_eval.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from turntune_nb.analysis import columns as C  # noqa: E402
from turntune_nb.analysis.gaps import compute_transitions  # noqa: E402
from turntune_nb.analysis.readers import read_rttm  # noqa: E402
from turntune_nb.audio.decode import decode_audio  # noqa: E402
from turntune_nb.audio.diarize import DiarisationSettings  # noqa: E402
from turntune_nb.audio.embeddings import VoiceEncoder  # noqa: E402
from turntune_nb.audio.offline import transcribe_file_offline as _transcribe  # noqa: E402
from turntune_nb.audio.vad import VADSettings  # noqa: E402

TOLERANCE_MS = 500
VAD = None  # the package's default detector unless --detector says otherwise


def transcribe_file_offline(path, **kwargs):
    return _transcribe(path, VAD, **kwargs)


def changes(transcript):
    """(time of the new speaker's start, FTO ms, kind) of every speaker change."""
    frame = transcript.to_frame()
    if frame.empty:
        return np.empty(0), np.empty(0), np.empty(0, dtype=object)
    tr = compute_transitions(frame)
    tr = tr[tr[C.KIND].isin([C.GAP, C.OVERLAP])]
    return tr[C.START_MS].to_numpy(float), tr[C.OFFSET_MS].to_numpy(float), tr[C.KIND].to_numpy()


def match(ref: np.ndarray, hyp: np.ndarray, tol: int = TOLERANCE_MS) -> int:
    """One-to-one matches within `tol`, greedy by distance."""
    pairs = sorted((abs(r - h), i, j) for i, r in enumerate(ref) for j, h in enumerate(hyp) if abs(r - h) <= tol)
    used_r, used_h, n = set(), set(), 0
    for _, i, j in pairs:
        if i not in used_r and j not in used_h:
            used_r.add(i), used_h.add(j)
            n += 1
    return n


def write_mono(path: Path, out: Path, channel: int | None = None) -> Path:
    """The file downmixed to one channel (or one of its channels), at its own rate (8 kHz for SpokenWOZ)."""
    import av

    with av.open(str(path)) as c:
        rate = c.streams.audio[0].rate
    audio = decode_audio(path, sample_rate=rate, mono=channel is None)
    if channel is not None:
        audio = type(audio)(audio.samples[channel:channel + 1].copy(), rate, str(path))
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh, wave.open(fh, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(audio.samples[0].tobytes())
    return out


def der(ref, hyp, duration_ms: int) -> float:
    """Diarisation error rate at 10 ms (one speaker per frame each side, best one-to-one mapping)."""
    n = duration_ms // 10 + 1

    def frames(t):
        spk = sorted(t.speakers)
        lab = np.full(n, -1)
        for u in t.utterances:  # later segments win where a reference has overlap
            lab[u.start_ms // 10:u.end_ms // 10] = spk.index(u.speaker)
        return lab, len(spk)

    r, nr = frames(ref)
    h, nh = frames(hyp)
    speech = r >= 0
    miss = np.sum(speech & (h < 0))
    fa = np.sum(~speech & (h >= 0))
    both = speech & (h >= 0)
    co = np.zeros((nr, max(nh, 1)))
    np.add.at(co, (r[both], h[both]), 1)
    import itertools

    best = 0
    if nh:
        for perm in itertools.permutations(range(max(nr, nh)), nh):
            best = max(best, sum(co[p, j] for j, p in enumerate(perm) if p < nr))
    conf = both.sum() - best
    return (miss + fa + conf) / max(speech.sum(), 1), conf / max(both.sum(), 1)


def spokenwoz(folder: Path, tmp: Path, encoder, settings):
    rows = []
    for wav in sorted(folder.glob("*.wav")):
        two = transcribe_file_offline(wav)
        mono = transcribe_file_offline(write_mono(wav, tmp / wav.name), speakers=2, encoder=encoder,
                                       diarisation=settings)
        estimated = transcribe_file_offline(tmp / wav.name, encoder=encoder, diarisation=settings)
        singles = []
        for ch in (0, 1):   # each party's own channel: one voice (and the other's faint leak)
            singles.append(len(transcribe_file_offline(write_mono(wav, tmp / f"ch{ch}_{wav.name}", channel=ch),
                                                       encoder=encoder, diarisation=settings).speakers))
        r_t, r_fto, r_kind = changes(two)
        h_t, h_fto, h_kind = changes(mono)
        m = match(r_t, h_t)
        rows.append(dict(file=wav.stem, est_speakers=len(estimated.speakers), est_ch0=singles[0], est_ch1=singles[1],
                         ref_changes=len(r_t), mono_changes=len(h_t),
                         recall=m / max(len(r_t), 1), precision=m / max(len(h_t), 1),
                         fto_2ch=float(np.median(r_fto)) if len(r_fto) else np.nan,
                         fto_mono=float(np.median(h_fto)) if len(h_fto) else np.nan,
                         ovl_2ch=float(np.mean(r_kind == C.OVERLAP)) if len(r_kind) else np.nan,
                         ovl_mono=float(np.mean(h_kind == C.OVERLAP)) if len(h_kind) else np.nan))
    return rows


def meetings(pairs, encoder, settings):
    rows = []
    for wav, ref in pairs:
        n_ref = len(ref.speakers)
        known = transcribe_file_offline(wav, speakers=n_ref, encoder=encoder, diarisation=settings)
        est = transcribe_file_offline(wav, encoder=encoder, diarisation=settings)
        r_t, _, _ = changes(ref)
        h_t, _, _ = changes(known)
        m = match(r_t, h_t)
        dur = known.duration_ms
        rows.append(dict(file=wav.stem, ref_speakers=n_ref, est_speakers=len(est.speakers),
                         ref_changes=len(r_t), hyp_changes=len(h_t),
                         recall=m / max(len(r_t), 1), precision=m / max(len(h_t), 1),
                         der_known=der(ref, known, dur)[0], confusion_known=der(ref, known, dur)[1],
                         der_est=der(ref, est, dur)[0], confusion_est=der(ref, est, dur)[1]))
    return rows


def _auc(pos, neg) -> float:
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    ranks = np.concatenate([pos, neg]).argsort().argsort() + 1
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def overlap_evidence(pairs):
    """AUC of an oracle overlap score, overlap frames against single-speaker frames, per clip and overall."""
    from turntune_nb.audio.diarize import MonoDiariser, _moving_average

    rows, pos, neg = [], [], []
    for wav, ref in pairs:
        audio = decode_audio(wav).samples[0]
        d = MonoDiariser()
        d.process(audio)
        feats = d._read(0, d.frames)[:, :40]
        d.finish([])
        m = len(feats)
        count, label = np.zeros(m, int), np.full(m, -1)
        speakers = sorted(ref.speakers)
        for u in ref.utterances:
            count[u.start_ms // 10:u.end_ms // 10] += 1
            label[u.start_ms // 10:u.end_ms // 10] = speakers.index(u.speaker)
        label[count != 1] = -1
        models = [(feats[label == k].mean(0), feats[label == k].var(0) + 0.05)
                  for k in range(len(speakers)) if np.sum(label == k) >= 50]
        if len(models) < 2 or not np.any(count >= 2):
            continue

        def ll(mu, var, feats=feats):
            return -0.5 * (((feats - mu) ** 2 / var).sum(1) + np.log(var).sum())

        best = np.max([ll(mu, var) for mu, var in models], axis=0)
        pair = np.max([ll(np.logaddexp(a[0], b[0]), (a[1] + b[1]) / 2)
                       for i, a in enumerate(models) for b in models[i + 1:]], axis=0)
        score = _moving_average((pair - best)[:, None], 30)[:, 0]
        pos.append(score[count >= 2]), neg.append(score[count == 1])
        rows.append(dict(file=wav.stem, overlap_frames=int(np.sum(count >= 2)), auc=_auc(pos[-1], neg[-1])))
    rows.append(dict(file="(all)", overlap_frames=int(sum(len(p) for p in pos)),
                     auc=_auc(np.concatenate(pos), np.concatenate(neg))))
    return rows


def show(title, rows, total_keys=()):
    import pandas as pd

    frame = pd.DataFrame(rows)
    print(f"\n{title}")
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return frame


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a DiarisationSettings value to try (repeatable)")
    parser.add_argument("--calls-only", action="store_true", help="only the SpokenWOZ table")
    parser.add_argument("--detector", default=None, help="the speech detector (default: the package's)")
    args = parser.parse_args(argv)
    shared = Path(args.shared)
    encoder = VoiceEncoder()
    changes_ = {k: float(v) if "." in v else int(v) for k, v in (item.split("=", 1) for item in args.set)}
    settings = DiarisationSettings(**changes_)
    if args.detector:
        global VAD
        VAD = VADSettings(detector=args.detector)
    print(f"settings: {settings}; detector: {(VAD or VADSettings()).detector}")
    with tempfile.TemporaryDirectory() as tmp:
        calls = show("SpokenWOZ calls downmixed to mono, speakers=2, against the tool's two-channel result",
                     spokenwoz(shared / "spokenwoz", Path(tmp), encoder, settings))
    r = calls.ref_changes.sum()
    rec = (calls.recall * calls.ref_changes).sum() / r
    prec = (calls.precision * calls.mono_changes).sum() / calls.mono_changes.sum()
    print(f"all calls: recall {rec:.0%} precision {prec:.0%} (target >= 70 %); "
          f"|median FTO mono - 2ch| per call: {np.abs(calls.fto_mono - calls.fto_2ch).round().tolist()} ms "
          f"(target <= 200); |overlap share diff|: {(100 * np.abs(calls.ovl_mono - calls.ovl_2ch)).round(1).tolist()} "
          "points (target <= 15)")
    if args.calls_only:
        return 0
    ami = shared / "ami_debug_train"
    refs = {t.name: t for t in read_rttm(ami / "debug.train.rttm")}
    pairs = [(w, refs[w.stem.replace("ñ", "n")]) for w in sorted(ami.glob("*.wav")) if w.stem.replace("ñ", "n") in refs]
    pairs.append((shared / "pyannote_sample" / "sample.wav", read_rttm(shared / "pyannote_sample" / "sample.rttm")[0]))
    meet = show("AMI clips and the pyannote sample against the human RTTM", meetings(pairs, encoder, settings))
    print(f"all clips: change recall {(meet.recall * meet.ref_changes).sum() / meet.ref_changes.sum():.0%}, "
          f"precision {(meet.precision * meet.hyp_changes).sum() / max(meet.hyp_changes.sum(), 1):.0%}; "
          f"speaker count right in {(meet.ref_speakers == meet.est_speakers).sum()} of {len(meet)}; "
          f"mean DER known count {meet.der_known.mean():.0%}, estimated {meet.der_est.mean():.0%}; "
          f"confusion where both say speech: known {meet.confusion_known.mean():.0%}, "
          f"estimated {meet.confusion_est.mean():.0%}")
    show("Overlap evidence in mono (oracle speaker models; AUC 0.5 = none, 1.0 = perfect)", overlap_evidence(pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
