"""Simulator inputs built by hand, a plain per-row reference of AssemblyAI's
endpointing rules, and hypothesis strategies: shared by the tests of
`simulate`, `frontier` and `recommend`."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from turntune_nb.analysis import columns as C


def tables(pauses, turn_ends):
    """Pause rows (file, speaker, start, end, terminal) and turn-end rows
    (file, speaker, end, terminal, silence_after) as the gap math makes them."""
    files = sorted({r[0] for r in pauses} | {r[0] for r in turn_ends})

    def level(t):
        return C.SEGMENT_LEVEL if t is None else C.WORD_LEVEL

    p = pd.DataFrame({
        C.FILE: pd.Categorical([r[0] for r in pauses], categories=files),
        C.SPEAKER: [r[1] for r in pauses],
        C.UTTERANCE: 0,
        C.START_MS: [r[2] for r in pauses],
        C.END_MS: [r[3] for r in pauses],
        C.PAUSE_MS: [r[3] - r[2] for r in pauses],
        C.WORD_BEFORE: "w",
        C.TERMINAL: pd.array([r[4] for r in pauses], dtype="boolean"),
        C.LEVEL: [level(r[4]) for r in pauses],
    })
    t = pd.DataFrame({
        C.FILE: pd.Categorical([r[0] for r in turn_ends], categories=files),
        C.SPEAKER: [r[1] for r in turn_ends],
        C.UTTERANCE: 0,
        C.END_MS: [r[2] for r in turn_ends],
        C.LAST_WORD: "w",
        C.TERMINAL: pd.array([r[3] for r in turn_ends], dtype="boolean"),
        C.NEXT_SPEAKER: "B",
        C.SILENCE_AFTER_MS: np.array([np.nan if r[4] is None else r[4] for r in turn_ends], float),
        C.LEVEL: [level(r[3]) for r in turn_ends],
    })
    return p, t


# One speaker, three turns (ends at 2000, 5000, 9000).
#   pause  50 ms  (not a hold)          -> turn 1
#   pause 150 ms, word before "end."    -> turn 1
#   pause 300 ms, word before "and"     -> turn 2
#   pause 800 ms, word before "ok?"     -> turn 2
#   pause 1200 ms, word before "um"     -> turn 3
# Turn ends: "done." then 500 ms until B; "so" and B starts 200 ms *before* the end
# (overlap); "well" at the end of the file.
WORDS = tables(
    [("f", "A", 400, 450, False), ("f", "A", 800, 950, True), ("f", "A", 2500, 2800, False),
     ("f", "A", 3000, 3800, True), ("f", "A", 6000, 7200, False)],
    [("f", "A", 2000, True, 500), ("f", "A", 5000, False, -200), ("f", "A", 9000, False, None)],
)


def reference(pauses, turn_ends, lo, hi, model):
    """A plain per-row implementation of the rules (pessimistic bounds). On an AssemblyAI
    model the service clamps min_turn_silence to 50-10000 ms (max follows it up)."""
    if model != "silence":
        lo = min(max(lo, 50), 10_000)
        hi = max(hi, lo)
    if model in ("universal-streaming-english", "universal-streaming-multilingual"):
        model = "universal-streaming"

    def fires_at(term):
        if model == "silence":
            return hi
        if model == "universal-streaming":
            return lo
        return lo if term is None or term else hi  # u3: unknown punctuation fires early (pessimistic)

    def waits(term):
        if model == "silence":
            return hi
        if model == "universal-streaming":
            return hi
        return lo if term is True else hi

    te = turn_ends.reset_index(drop=True)
    holds = cuts = 0
    cut_turns = set()
    orphans = {}
    for r in pauses.itertuples(index=False):
        if r.pause_ms < 100:
            continue
        holds += 1
        term = None if pd.isna(r.terminal) else bool(r.terminal)
        cands = [i for i, t in te.iterrows() if t[C.FILE] == r.file and t[C.SPEAKER] == r.speaker
                 and t[C.END_MS] >= r.end_ms]
        turn = min(cands, key=lambda i: (te.loc[i, C.END_MS], i)) if cands else orphans.setdefault((r.file, r.speaker), -1 - len(orphans))
        if r.pause_ms >= fires_at(term):
            cuts += 1
            cut_turns.add(turn)
    delays, interrupted = [], 0
    for t in te.itertuples(index=False):
        term = None if pd.isna(t.terminal) else bool(t.terminal)
        d = waits(term)
        delays.append(d)
        if not math.isnan(t.silence_after_ms) and t.silence_after_ms < d:
            interrupted += 1
    return {"holds": holds, "cuts": cuts, "turns_cut": len(cut_turns), "interrupted": interrupted,
            "latency_mean_ms": float(np.mean(delays)) if delays else float("nan"),
            "latency_p90_ms": float(np.quantile(delays, 0.9)) if delays else float("nan")}


term_st = st.sampled_from([True, False, None])


@st.composite
def random_tables(draw):
    n_te = draw(st.integers(0, 8))
    te = []
    for _ in range(n_te):
        te.append((draw(st.sampled_from(["a", "b"])), draw(st.sampled_from(["A", "B"])),
                   draw(st.integers(0, 20_000)), draw(term_st),
                   draw(st.one_of(st.none(), st.integers(-800, 3000)))))
    n_p = draw(st.integers(0, 15))
    ps = []
    for _ in range(n_p):
        end = draw(st.integers(0, 20_000))
        ps.append((draw(st.sampled_from(["a", "b"])), draw(st.sampled_from(["A", "B"])),
                   end - draw(st.integers(1, 3000)), end, draw(term_st)))
    return tables(ps, te)


setting = st.tuples(st.integers(0, 3000), st.integers(0, 3000)).map(sorted)


models = st.sampled_from(["universal-3-6-pro", "universal-3-5-pro", "u3-rt-pro", "universal-streaming",
                          "universal-streaming-english", "silence"])


FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
