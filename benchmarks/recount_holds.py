"""Evaluation: the recommendation over RTTM references, beside an independent recount of its cut-off rate.

For each RTTM set (default: ``../shared/data/ami_debug_train/debug.train.rttm`` and
``../shared/data/voxconverse/*.rttm``, or the paths given), ``recommend_config`` picks a setting at the
target (default 5 %, u3-rt-pro); then the holds are recounted from the RTTM lines by plain Python that
shares no code with the package:

* a speaker's segments at most 10 ms apart are one;
* a hold is a silence of at least 100 ms in the union of everyone's speech that one speaker alone ends
  and the same speaker alone resumes;
* without words, u3-rt-pro's pessimistic bound cuts a hold lasting at least ``min_turn_silence`` (and
  the optimistic one at least ``max_turn_silence``).

Prints figures; asserts nothing about time. Run:
``.venv/bin/python benchmarks/recount_holds.py [--target 0.05] [RTTM ...]``
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from turntune_nb import RecommendOptions, analyze_transcripts, read_rttm, recommend_config

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def recount(paths) -> list[int]:
    """The holds (ms) of the RTTM files, counted without the package."""
    holds = []
    for path in paths:
        segs = defaultdict(list)
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            f = line.split()
            if not f or f[0] != "SPEAKER":
                continue
            s, e = round(float(f[3]) * 1000), round((float(f[3]) + float(f[4])) * 1000)
            if e > s:
                segs[f[1]].append((s, e, f[7]))
        for ss in segs.values():
            merged = []
            for spk in {k for _, _, k in ss}:
                mine = sorted((s, e) for s, e, k in ss if k == spk)
                cur = list(mine[0])
                for s, e in mine[1:]:
                    if s <= cur[1] + 10:
                        cur[1] = max(cur[1], e)
                    else:
                        merged.append((cur[0], cur[1], spk))
                        cur = [s, e]
                merged.append((cur[0], cur[1], spk))
            merged.sort()
            end, enders = None, None
            for s, e, spk in merged:
                if end is not None and s > end:  # a silence from `end` to `s`
                    starters = {k for s2, _, k in merged if s2 == s}
                    if len(enders) == 1 and starters == enders and s - end >= 100:
                        holds.append(s - end)
                    end, enders = e, {spk}
                elif end is None or e > end:
                    end, enders = e, {spk}
                elif e == end:
                    enders.add(spk)
    return holds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rttm", nargs="*")
    p.add_argument("--target", type=float, default=0.05)
    args = p.parse_args()
    sets = {"given": args.rttm} if args.rttm else {
        "AMI (debug train)": [SHARED / "ami_debug_train" / "debug.train.rttm"],
        "VoxConverse (dev sample)": sorted((SHARED / "voxconverse").glob("*.rttm")),
    }
    sets = {k: v for k, v in sets.items() if v and all(Path(x).is_file() for x in v)}
    if not sets:
        print(f"no RTTM found (looked in {SHARED}): give the paths")
    if len(sets) > 1:
        sets["both"] = [x for v in list(sets.values()) for x in v]
    for name, paths in sets.items():
        result = analyze_transcripts([t for x in paths for t in read_rttm(x)])
        rec = recommend_config(result, RecommendOptions(model="u3-rt-pro", target_cutoff=args.target))
        lo, hi, m = rec.config.min_turn_silence, rec.config.max_turn_silence, rec.metrics
        holds = recount(paths)
        cut_lo, cut_hi = sum(h >= lo for h in holds), sum(h >= hi for h in holds)
        print(f"{name}: {lo}/{hi} ms, target {args.target:.0%} {'met' if rec.met_target else 'NOT met'}; "
              f"package {m.cuts}/{m.holds} = {m.cutoff_rate:.1%}; recount {cut_lo}/{len(holds)} = "
              f"{cut_lo / max(len(holds), 1):.1%} at min ({cut_hi} at max)")


if __name__ == "__main__":
    main()
