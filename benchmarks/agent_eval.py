"""Benchmark: the agent figures (`turntune_nb.analysis.agent`) against an independent computation.

The second computation shares nothing with the package's but the readers: each speaker's
speech is a 1 ms timeline (a numpy boolean array), merged by filling silences of at most
10 ms, segments are the timeline's runs, each segment's predecessor is found by a plain
Python scan, and barge-ins, dead air, talk and overlap are read off the timelines frame by
frame. Per call and per figure the two must agree: counts exactly, times within 0.5 ms,
shares within 1e-9. Target: >= 98 % of calls for every figure.

Calls, each party taken as the agent in turn:
- the shared SpokenWOZ calls (``/work/shared/data/spokenwoz/*.rttm``, CC BY-NC: read, never copied);
- the AMI excerpts (``ami_debug_train/debug.train.rttm``) and VoxConverse references, their two most
  talkative speakers;
- ``--random N`` seeded synthetic two-party calls full of edge cases (exact-boundary starts,
  contained segments, 10 and 11 ms gaps, zero-length segments, identical segments).

Run: ``.venv/bin/python benchmarks/agent_eval.py [--random 400] [--data /work/shared/data]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from turntune_nb.analysis.agent import AgentThresholds, agent_figures
from turntune_nb.analysis.model import transcripts_to_frame
from turntune_nb.analysis.readers import read_rttm

COUNTS = ("responses", "cut_ins", "barge_ins", "barge_ins_yielded", "dead_air", "dead_air_ms", "agent_pauses",
          "user_pauses")
TIMES = ("response_median_ms", "response_p90_ms", "barge_in_stop_median_ms", "barge_in_stop_p90_ms")
SHARES = ("agent_talk_share", "user_talk_share", "agent_overlap_share", "user_overlap_share")


# ----------------------------------------------------------------------------- the independent computation
def _runs(active: np.ndarray) -> list:
    """(start, end) of each run of True frames."""
    padded = np.concatenate(([False], active, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist()))


def _timeline(segments, length: int, merge_ms: int) -> np.ndarray:
    """A speaker's speech, frame by frame, silences of at most `merge_ms` between its runs filled."""
    t = np.zeros(length, bool)
    for s, e in segments:
        if e > s:
            t[s:e] = True
    runs = _runs(t)
    for (_, e1), (s2, _) in zip(runs, runs[1:]):
        if s2 - e1 <= merge_ms:
            t[e1:s2] = True
    return t


def independent(call: pd.DataFrame, agent: str, th: AgentThresholds) -> dict:
    """The per-call figures of one call (`call`: speaker, start_ms, end_ms), computed frame by frame."""
    length = int(call["end_ms"].max()) + 2
    speakers = sorted(call["speaker"].astype(str).unique())
    lines = {sp: _timeline(zip(g["start_ms"], g["end_ms"]), length, th.merge_ms)
             for sp, g in call.assign(speaker=call["speaker"].astype(str)).groupby("speaker")}
    segs = sorted((s, e, sp) for sp in speakers for s, e in _runs(lines[sp]))
    # the predecessor: of the segments before, the one that ends last (the first of equals)
    gaps, pauses = [], {True: 0, False: 0}
    best = None
    for s, e, sp in segs:
        if best is not None:
            ps, pe, psp = best
            if sp == psp and s - pe >= th.pause_min_ms:
                pauses[sp == agent] += 1
            if sp == agent and psp != agent and e > pe:
                gaps.append(s - pe)
        if best is None or e > best[1]:
            best = (s, e, sp)
    a = lines.get(agent, np.zeros(length, bool))
    u = np.zeros(length, bool)
    for sp in speakers:
        if sp != agent:
            u |= lines[sp]
    stops = []
    for s, e, sp in segs:
        if sp != agent and e - s >= th.barge_in_min_ms and s >= 1 and a[s] and a[s - 1]:
            off = np.flatnonzero(~a[s:])
            stops.append(int(off[0]))  # frames until the agent's speech ends
    either = a | u
    spoken = np.flatnonzero(either)
    silences = [e - s for s, e in _runs(~either[spoken[0]:spoken[-1] + 1])] if len(spoken) else []
    dead = [x for x in silences if x >= th.dead_air_min_ms]
    am, um, both = int(a.sum()), int(u.sum()), int((a & u).sum())

    def q(values, p):
        return float(np.percentile(values, p)) if values else float("nan")

    nan = float("nan")
    return {
        "responses": len(gaps), "response_median_ms": q(gaps, 50), "response_p90_ms": q(gaps, 90),
        "cut_ins": sum(g < 0 for g in gaps), "barge_ins": len(stops),
        "barge_ins_yielded": sum(x <= th.yield_within_ms for x in stops),
        "barge_in_stop_median_ms": q(stops, 50), "barge_in_stop_p90_ms": q(stops, 90),
        "dead_air": len(dead), "dead_air_ms": sum(dead),
        "agent_talk_share": am / (am + um) if am + um else nan, "user_talk_share": um / (am + um) if am + um else nan,
        "agent_pauses": pauses[True], "user_pauses": pauses[False],
        "agent_overlap_share": both / am if am else nan, "user_overlap_share": both / um if um else nan,
    }


# ----------------------------------------------------------------------------- the calls
def _two_most_talkative(frame: pd.DataFrame) -> pd.DataFrame:
    talk = (frame["end_ms"] - frame["start_ms"]).groupby(frame["speaker"].astype(str)).sum()
    keep = talk.sort_values(ascending=False, kind="stable").index[:2]
    return frame[frame["speaker"].astype(str).isin(keep)]


def real_calls(data: Path) -> list:
    """(name, utterance table) of every shared reference call with two parties."""
    out = []
    sources = [("spokenwoz", sorted((data / "spokenwoz").glob("*.rttm")), False),
               ("ami", [data / "ami_debug_train" / "debug.train.rttm"], True),
               ("voxconverse", sorted((data / "voxconverse").glob("*.rttm")), True)]
    for corpus, paths, top_two in sources:
        for path in paths:
            if not path.exists():
                continue
            frame = transcripts_to_frame(read_rttm(path))
            for name, call in frame.groupby(frame["file"].astype(str), sort=True):
                call = _two_most_talkative(call) if top_two else call
                if call["speaker"].astype(str).nunique() == 2:
                    out.append((f"{corpus}/{name}", call[["speaker", "start_ms", "end_ms"]].reset_index(drop=True)))
    return out


def random_calls(n: int, seed: int = 27) -> list:
    """Seeded two-party calls with the edge cases the definitions turn on."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        rows, t = [], 0
        for _ in range(int(rng.integers(5, 60))):
            sp = "AB"[int(rng.integers(0, 2))]
            kind = rng.random()
            if kind < 0.15:    # exactly at the last end, or exactly at a start seen before
                start = rows[-1][2] if rows else 0
            elif kind < 0.3:   # 10 or 11 ms after the last end
                start = (rows[-1][2] if rows else 0) + int(rng.choice([10, 11]))
            elif kind < 0.4 and rows:  # the same start as the last segment
                start = rows[-1][1]
            else:
                start = max(0, t + int(rng.normal(300, 1500)))
            dur = 0 if rng.random() < 0.05 else int(rng.choice([rng.integers(1, 800), rng.integers(400, 6000)]))
            rows.append((sp, start, start + dur))
            t = max(t, start + dur)
        out.append((f"random/{i:04d}", pd.DataFrame(rows, columns=["speaker", "start_ms", "end_ms"])))
    return out


# ----------------------------------------------------------------------------- agreement
def agree(name: str, x, y) -> bool:
    if name in COUNTS:
        return int(x) == int(y)
    if x != x or y != y:
        return x != x and y != y
    return abs(float(x) - float(y)) <= (0.5 if name in TIMES else 1e-9)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="/work/shared/data", type=Path)
    p.add_argument("--random", type=int, default=400, help="seeded synthetic calls (default: 400)")
    args = p.parse_args(argv)
    th = AgentThresholds()
    calls = real_calls(args.data) + random_calls(args.random)
    results = {}
    package_s = independent_s = 0.0
    for group in ("real", "random"):
        rows = []
        for name, call in calls:
            if (group == "real") == name.startswith("random/"):
                continue
            for agent in sorted(call["speaker"].astype(str).unique()):
                if not ((call["speaker"].astype(str) == agent) & (call["end_ms"] > call["start_ms"])).any():
                    continue
                t0 = time.perf_counter()
                mine = agent_figures(call.assign(file=name), (agent,), th)["per_call"].iloc[0].to_dict()
                t1 = time.perf_counter()
                other = independent(call, agent, th)
                independent_s += time.perf_counter() - t1
                package_s += t1 - t0
                rows.append({k: agree(k, mine[k], other[k]) for k in COUNTS + TIMES + SHARES}
                            | {"call": f"{name} (agent {agent})"})
        results[group] = pd.DataFrame(rows)
    worst = 1.0
    for group, frame in results.items():
        if frame.empty:
            print(f"{group}: no calls")
            continue
        print(f"\n{group}: {len(frame)} call x agent pairs")
        for k in COUNTS + TIMES + SHARES:
            share = float(frame[k].mean())
            worst = min(worst, share)
            print(f"  {k:26s} {share:8.2%} agree")
        bad = frame[~frame[list(COUNTS + TIMES + SHARES)].all(axis=1)]
        for call in bad["call"].head(5):
            print(f"  disagrees: {call}")
    print(f"\nworst figure's agreement: {worst:.2%} (target >= 98 %); "
          f"time: package {package_s:.2f} s, independent {independent_s:.2f} s "
          f"(ratio {independent_s / max(package_s, 1e-9):.1f}x)")
    return 0 if worst >= 0.98 else 1


if __name__ == "__main__":
    raise SystemExit(main())
