"""Recount a replay's classified fires from its saved events and the RTTM, without turntune_nb.

``turntune replay`` classifies every fire (a final turn) at a turn end, in a hold or
inside the speaker's speech. This script counts the same from the raw files with
its own plain loops (json and the RTTM text only), and prints both side by side:
fires must agree exactly; fires in speech within max(3, 20 %) (the issue's bar).

Its definitions, written from the words of the classification, not from the code:
the side's segments are its RTTM lines; a gap between two of its segments is a
hold when it lasts at least 100 ms and no other speaker starts inside it (nor
is speaking as it begins); every other end of its speech opens a turn end that
lasts until it speaks again. A fire inside a gap (or within the tolerance before
the gap's start) takes the gap's class; a fire elsewhere is in speech.

    python benchmarks/replay_recount.py EVENTS_DIR RTTM_FOLDER [--tolerance 550]

Example on the SpokenWOZ calls (CC BY-NC: read from /work/shared, never copied):

    turntune replay /work/shared/data/spokenwoz/*.wav --truth /work/shared/data/spokenwoz \\
        --channel 0 --speaker A --config a.json --backend offline --speed 50 --yes --events-dir ev
    python benchmarks/replay_recount.py ev /work/shared/data/spokenwoz
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path


def read_rttm(path: Path) -> dict:
    """{file id: [(speaker, start ms, end ms)]}."""
    out: dict = {}
    for line in path.read_text().splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] == "SPEAKER":
            start = round(float(f[3]) * 1000)
            out.setdefault(f[1], []).append((f[7], start, start + round(float(f[4]) * 1000)))
    return out


def fires_of(events: list) -> list:
    seen, out = set(), []
    for e in events:
        if e.get("type") == "Turn" and e.get("end_of_turn") and e.get("emitted_at_ms") is not None:
            if e.get("turn_order") in seen:
                continue
            seen.add(e.get("turn_order"))
            out.append(e["emitted_at_ms"])
    return out


def recount(segments: list, side: set, fires: list, tol: int) -> dict:
    own = sorted((s, e) for spk, s, e in segments if spk in side)
    other = [(s, e) for spk, s, e in segments if spk not in side]
    gaps = []  # (start, end, kind)
    for s, e in own:
        if any(s2 <= e < e2 for s2, e2 in own if (s2, e2) != (s, e)):
            continue  # this end lies inside another of its segments
        later = [s2 for s2, _ in own if s2 >= e]
        resume = min(later) if later else 10 ** 12
        talking = any(s2 < e < e2 for s2, e2 in other)
        taken = any(e <= s2 < resume for s2, _ in other)
        hold = resume - e >= 100 and not taken and not talking and later
        short = resume - e < 100 and not taken and not talking and later
        if not short:
            gaps.append((e, resume, "hold" if hold else "turn_end"))
    counts = {"at_turn_end": 0, "in_hold": 0, "in_speech": 0}
    for f in fires:
        inside = [g for g in gaps if g[0] <= f < g[1]]
        soon = [g for g in gaps if f < g[0] <= f + tol]
        g = max(inside) if inside else (min(soon) if soon else None)
        counts["in_speech" if g is None else "in_hold" if g[2] == "hold" else "at_turn_end"] += 1
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("events", type=Path)
    ap.add_argument("rttm", type=Path, help="an RTTM file or a folder of them")
    ap.add_argument("--tolerance", type=int, default=550, help="as the replay printed it (default 550)")
    ap.add_argument("--model", default="silence")
    args = ap.parse_args()
    rttms: dict = {}
    for p in ([args.rttm] if args.rttm.is_file() else sorted(args.rttm.glob("*.rttm"))):
        rttms.update(read_rttm(p))
    mine = {}
    for p in sorted(args.events.glob("*.jsonl")):
        lines = [json.loads(x) for x in p.read_text().splitlines() if x.strip()]
        h = lines[0]
        fires = fires_of(lines[1:])
        key = (h["file"], h["channel"], h["config"]["min_turn_silence"], h["config"]["max_turn_silence"])
        mine[key] = {"fires": len(fires), **recount(rttms[Path(h["file"]).stem], set(h["speakers"]), fires,
                                                      args.tolerance)}
    out = subprocess.run([sys.executable, "-m", "turntune_nb", "replay", "--rescore", str(args.events), "--json",
                          "--model", args.model, "--align-tolerance", str(args.tolerance)],
                         capture_output=True, text=True, check=True)
    theirs = json.loads(out.stdout)["files"]
    print(f"{'file':24} {'ch':>2} {'setting':>9}  fires (recount/replay)  end  hold  speech  (recount / replay)")
    ok = True
    for r in theirs:
        name = r["file"].split(" (channel")[0]
        k = (name, r["channel"], r["min_turn_silence"], r["max_turn_silence"])
        m = mine[k]
        agree = m["fires"] == r["fires"] and abs(m["in_speech"] - r["fires_in_speech"]) <= max(3, 0.2 * m["in_speech"])
        ok &= agree
        print(f"{name:24} {r['channel']:>2} {k[2]:>4}/{k[3]:<4}  {m['fires']:>5} / {r['fires']:<5}"
              f"          {m['at_turn_end']:>3}/{r['fires_at_turn_end']:<3} {m['in_hold']:>2}/{r['fires_in_hold']:<2}"
              f" {m['in_speech']:>3}/{r['fires_in_speech']:<3} {'' if agree else '  DISAGREE'}")
    print("agree (fires exact, in speech within max(3, 20 %))" if ok else "DISAGREEMENT")


if __name__ == "__main__":
    main()
