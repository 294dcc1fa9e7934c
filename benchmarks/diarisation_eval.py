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
  diarisation error rate at collar 0 with overlap scored (missed + false alarm +
  confusion; ``der_1spk``: the older one-speaker-per-frame scoring) with the count
  known and estimated. The missed part is split three ways (``quiet``: no one found
  where the audio is under 20 dB over the clip's floor, mostly pauses the references
  bridge; ``heard``: no one found in audible audio; ``ovl``: overlapped speakers not
  found), and a line gives the AMI mean DER in those parts.

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
import importlib.util
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

_spec = importlib.util.spec_from_file_location("vad_eval", Path(__file__).with_name("vad_eval.py"))
vad_eval = sys.modules["vad_eval"] = importlib.util.module_from_spec(_spec)   # its "audible" frames
_spec.loader.exec_module(vad_eval)
_spec = importlib.util.spec_from_file_location("noise_eval", Path(__file__).with_name("noise_eval.py"))
noise_eval = importlib.util.module_from_spec(_spec)   # its --set option
_spec.loader.exec_module(noise_eval)

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


def activity(t, n: int) -> tuple[np.ndarray, list]:
    """``(n, speakers)`` bool: who is active in each 10 ms frame (overlaps kept)."""
    spk = sorted(t.speakers)
    act = np.zeros((n, max(len(spk), 1)), bool)
    for u in t.utterances:
        act[u.start_ms // 10:u.end_ms // 10, spk.index(u.speaker)] = True
    return act[:, :len(spk)], spk


def der_overlap(ref, hyp, duration_ms: int, audible: np.ndarray | None = None) -> dict:
    """Diarisation error rate at collar 0 with overlap scored (pyannote.metrics' definition, 10 ms frames).

    Per frame with N_ref reference and N_hyp hypothesis speakers: missed max(0, N_ref - N_hyp), false alarm
    max(0, N_hyp - N_ref), confusion min(N_ref, N_hyp) - correct, where correct counts the frame's reference
    speakers whose mapped hypothesis speaker is active (the one-to-one mapping maximising the total); all over
    the total of N_ref. Worked example: ref A on frames 0-9, B on 5-9; hyp x on 0-9: N_ref = 10 + 5 = 15,
    missed 5 (frames 5-9 have 2 ref, 1 hyp), confusion 0 (x -> A), DER 5 / 15.

    With `audible` (bool per 10 ms frame), the missed part is split three ways: ``miss_quiet``, frames
    where the hypothesis has no one and the audio is not audible (under 20 dB over the clip's floor:
    pauses the reference bridges, very quiet talkers); ``miss_heard``, no one where the audio is
    audible; ``miss_ovl``, reference speakers beyond the hypothesis' count where it has someone
    (overlapped speakers not found). The three add up to ``miss``. Worked example: ref A on frames 0-9,
    B on 5-9; hyp x on 0-4 only; frames 0-7 audible: missed 10 of 15 (frames 5-9, two each), all where
    the hypothesis has no one: 6 heard (frames 5-7), 4 quiet (8-9), 0 overlapped.
    """
    import itertools

    n = duration_ms // 10 + 1
    r, _ = activity(ref, n)
    h, _ = activity(hyp, n)
    nr, nh = r.sum(1), h.sum(1)
    miss = np.maximum(nr - nh, 0).sum()
    fa = np.maximum(nh - nr, 0).sum()
    co = r.T.astype(np.int64) @ h.astype(np.int64)
    best = 0
    if h.shape[1] and r.shape[1]:
        big, small = (co, 0) if co.shape[0] >= co.shape[1] else (co.T, 1)
        for perm in itertools.permutations(range(big.shape[0]), big.shape[1]):
            best = max(best, sum(big[p, j] for j, p in enumerate(perm)))
    conf = np.minimum(nr, nh).sum() - best
    total = max(nr.sum(), 1)
    out = dict(der=(miss + fa + conf) / total, miss=miss / total, fa=fa / total, conf=conf / total,
               ovl_ref=float(np.mean(nr[nr > 0] >= 2)) if np.any(nr > 0) else 0.0,
               ovl_hyp=float(np.mean(nh[nh > 0] >= 2)) if np.any(nh > 0) else 0.0)
    if audible is not None:
        heard = np.zeros(n, bool)
        heard[:min(n, len(audible))] = audible[:n]
        none = np.where(nh == 0, nr, 0)
        out.update(miss_quiet=none[~heard].sum() / total, miss_heard=none[heard].sum() / total,
                   miss_ovl=np.maximum(nr - nh, 0)[nh > 0].sum() / total)
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
        n = two.duration_ms // 10 + 1
        ovl = [float(np.mean(a.sum(1)[a.sum(1) > 0] >= 2)) for a in (activity(two, n)[0], activity(mono, n)[0])]
        started = [_overlaps_started(t) for t in (two, mono)]
        est_scored = der_overlap(two, estimated, two.duration_ms)
        rows.append(dict(file=wav.stem, est_speakers=len(estimated.speakers), est_ch0=singles[0], est_ch1=singles[1],
                         ovl_time_2ch=ovl[0], ovl_time_mono=ovl[1],
                         started_2ch=started[0], started_mono=started[1],
                         der_vs_2ch=der_overlap(two, mono, two.duration_ms)["der"], der_est_vs_2ch=est_scored["der"],
                         ref_changes=len(r_t), mono_changes=len(h_t),
                         recall=m / max(len(r_t), 1), precision=m / max(len(h_t), 1),
                         fto_2ch=float(np.median(r_fto)) if len(r_fto) else np.nan,
                         fto_mono=float(np.median(h_fto)) if len(h_fto) else np.nan,
                         ovl_2ch=float(np.mean(r_kind == C.OVERLAP)) if len(r_kind) else np.nan,
                         ovl_mono=float(np.mean(h_kind == C.OVERLAP)) if len(h_kind) else np.nan))
    return rows


def _overlaps_started(transcript) -> str:
    """Overlaps started per speaker, as the analysis counts them (`speaker_table`), e.g. ``"4/7"``."""
    from turntune_nb.analysis.results import analyze_transcripts
    from turntune_nb.analysis.speakers import speaker_table

    table = speaker_table(analyze_transcripts([transcript]))
    return "/".join(str(int(v)) for v in table.sort_values("talk_ms", ascending=False)["overlaps_started"])


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
        db = vad_eval.frame_db(decode_audio(wav).samples[0])
        audible = db >= vad_eval.noise_floor_db(db) + vad_eval.AUDIBLE_DB
        scored, scored_est = der_overlap(ref, known, dur, audible), der_overlap(ref, est, dur)
        rows.append(dict(file=wav.stem, ref_speakers=n_ref, est_speakers=len(est.speakers),
                         ref_changes=len(r_t), hyp_changes=len(h_t),
                         recall=m / max(len(r_t), 1), precision=m / max(len(h_t), 1),
                         der_known=scored["der"], miss=scored["miss"], quiet=scored["miss_quiet"],
                         heard=scored["miss_heard"], ovl=scored["miss_ovl"], fa=scored["fa"], conf=scored["conf"],
                         der_est=scored_est["der"], ovl_ref=scored["ovl_ref"], ovl_hyp=scored["ovl_hyp"],
                         der_1spk=der(ref, known, dur)[0]))
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


def evaluate(shared: Path, method: str, changes_: dict, encoder, calls_only: bool) -> dict:
    """Both tables for one diarisation method; returns its summary figures."""
    settings = DiarisationSettings(**{"method": method, **changes_})
    print(f"\n===== method={method}: {settings}; detector: {(VAD or VADSettings()).detector}")
    with tempfile.TemporaryDirectory() as tmp:
        calls = show("SpokenWOZ calls downmixed to mono, speakers=2, against the tool's two-channel result "
                     "(ovl_time: share of speech time with two speakers; started: overlaps started per speaker, "
                     "as speaker_table counts them)",
                     spokenwoz(shared / "spokenwoz", Path(tmp), encoder, settings))
    r = calls.ref_changes.sum()
    out = dict(method=method, calls_recall=(calls.recall * calls.ref_changes).sum() / r,
               calls_precision=(calls.precision * calls.mono_changes).sum() / calls.mono_changes.sum(),
               calls_fto_diff_ms=float(np.max(np.abs(calls.fto_mono - calls.fto_2ch))),
               calls_ovl_diff_pts=float(np.max(100 * np.abs(calls.ovl_time_mono - calls.ovl_time_2ch))),
               calls_der_vs_2ch=float(calls.der_vs_2ch.mean()), calls_est_right=int((calls.est_speakers == 2).sum()))
    print(f"all calls: recall {out['calls_recall']:.0%} precision {out['calls_precision']:.0%} (target >= 85 %); "
          f"|median FTO mono - 2ch| per call: {np.abs(calls.fto_mono - calls.fto_2ch).round().tolist()} ms "
          f"(target <= 150); |overlap time share diff|: "
          f"{(100 * np.abs(calls.ovl_time_mono - calls.ovl_time_2ch)).round(1).tolist()} points (target <= 5)")
    if calls_only:
        return out
    ami = shared / "ami_debug_train"
    refs = {t.name: t for t in read_rttm(ami / "debug.train.rttm")}
    pairs = [(w, refs[w.stem.replace("ñ", "n")]) for w in sorted(ami.glob("*.wav")) if w.stem.replace("ñ", "n") in refs]
    pairs.append((shared / "pyannote_sample" / "sample.wav", read_rttm(shared / "pyannote_sample" / "sample.rttm")[0]))
    meet = show("AMI clips and the pyannote sample against the human RTTM (der_*: collar 0, overlap scored; "
                "der_1spk: the older one-speaker-per-frame scoring)", meetings(pairs, encoder, settings))
    ami_only = meet[meet.file != "sample"]
    out.update(meet_recall=(meet.recall * meet.ref_changes).sum() / meet.ref_changes.sum(),
               meet_precision=(meet.precision * meet.hyp_changes).sum() / max(meet.hyp_changes.sum(), 1),
               ami_der_known=float(ami_only.der_known.mean()), ami_der_est=float(ami_only.der_est.mean()),
               count_right=f"{(meet.ref_speakers == meet.est_speakers).sum()}/{len(meet)}")
    print(f"all clips: change recall {out['meet_recall']:.0%}, precision {out['meet_precision']:.0%}; "
          f"speaker count right in {out['count_right']}; AMI mean DER (collar 0, overlap scored) known count "
          f"{out['ami_der_known']:.0%}, estimated {out['ami_der_est']:.0%} (target <= 40 %)")
    parts = {k: float(ami_only[k].mean()) for k in ("quiet", "heard", "ovl", "conf", "fa")}
    out.update({f"ami_{k}": v for k, v in parts.items()})
    print(f"AMI mean DER with the count known, {out['ami_der_known']:.1%}, in parts (means of the clips' shares): "
          f"{parts['quiet']:.1%} reference speech where the tool found no one and the audio is under "
          f"{vad_eval.AUDIBLE_DB:.0f} dB over the clip's floor (pauses the references bridge, very quiet talkers); "
          f"{parts['heard']:.1%} audible speech where it found no one; {parts['ovl']:.1%} overlapped speakers "
          f"not found; {parts['conf']:.1%} speaker confusion; {parts['fa']:.1%} false alarm")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    noise_eval.add_set_option(parser, help="a DiarisationSettings value to try (repeatable)")
    parser.add_argument("--method", action="append", choices=("frames", "segmentation"),
                        help="the diarisation method(s) to evaluate (default: both, the older one first)")
    parser.add_argument("--calls-only", action="store_true", help="only the SpokenWOZ table")
    parser.add_argument("--overlap-evidence", action="store_true",
                        help="also the oracle overlap-evidence table of the frame features")
    parser.add_argument("--detector", default=None, help="the speech detector (default: the package's)")
    args = parser.parse_args(argv)
    shared = Path(args.shared)
    encoder = VoiceEncoder()
    changes_ = noise_eval.setting_changes(args.set)
    if args.detector:
        global VAD
        VAD = VADSettings(detector=args.detector)
    methods = args.method or ("frames", "segmentation")
    summary = [evaluate(shared, m, changes_, encoder, args.calls_only) for m in methods]
    show("Summary, method beside method (calls: SpokenWOZ mixed to mono, speakers=2, against the two-channel result; "
         "meet: AMI + pyannote sample, count given; ami_der: AMI only, collar 0, overlap scored)", summary)
    if args.overlap_evidence and not args.calls_only:
        ami = shared / "ami_debug_train"
        refs = {t.name: t for t in read_rttm(ami / "debug.train.rttm")}
        pairs = [(w, refs[w.stem.replace("ñ", "n")]) for w in sorted(ami.glob("*.wav"))
                 if w.stem.replace("ñ", "n") in refs]
        show("Overlap evidence in mono (oracle speaker models; AUC 0.5 = none, 1.0 = perfect)", overlap_evidence(pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
