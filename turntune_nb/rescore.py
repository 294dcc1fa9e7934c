"""Scoring saved replay sessions: measured endpointing beside the simulator's prediction.

`score_records` takes the sessions a replay saved (``(header, events)`` pairs, see
`turntune_nb.replay_events`), aligns each final turn with the truth's holds and turn
ends of the streamed side (`turntune_nb.analysis.alignment`) and sets the measured
figures beside `Simulator.evaluate` on the same truth, side and setting, per
recording and overall, with the gap (measured - predicted). `rescore` reads a
folder of saved events and scores it again (another rule, another alignment
tolerance) without streaming anything. Both return a `ReplayResult`.

Examples
--------
>>> from turntune_nb.analysis.model import Transcript, Utterance
>>> from turntune_nb.replay_events import truth_json
>>> truth = Transcript("call", [Utterance("A", 0, 1000), Utterance("B", 2000, 3000)])
>>> header = {"file": "call", "config": {"min_turn_silence": 200, "max_turn_silence": 600}, "speakers": ["A"],
...           "channel": 0, "audio_ms": 3000, "truth": truth_json(truth)}
>>> fired = [{"type": "Turn", "end_of_turn": True, "end_ms": 1000, "emitted_at_ms": 1600}]
>>> row = score_records([(header, fired)], model="silence").overall.iloc[0]
>>> int(row["turn_ends"]), int(row["fired"]), float(row["latency_mean_ms"]), float(row["predicted_latency_mean_ms"])
(1, 1, 600.0, 600.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import columns as C
from .analysis.alignment import ALIGN_TOLERANCE_MS, MEASURED_COLUMNS, latency_summary, measure_fires
from .analysis.gaps import compute_pauses, compute_turn_ends
from .analysis.metrics import canonical_model
from .analysis.model import transcripts_to_frame, words_to_frame
from .analysis.readers import transcript_from_assemblyai
from .analysis.simulate import Simulator
from .errors import InputError
from .replay_events import read_events

__all__ = ("score_records", "rescore", "ReplayResult", "COMPARED", "BRACKETED")


#: Figures shown measured, predicted and as their gap.
COMPARED = ("cutoff_rate", "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "interrupted")
#: Figures whose prediction is a bracket for some rules: ``predicted_<figure>_low`` is its other bound.
BRACKETED = ("cutoff_rate", "latency_mean_ms")


def _truth_tables(transcripts: list):
    utts = transcripts_to_frame(transcripts)
    words = words_to_frame(transcripts) if any(t.has_words for t in transcripts) else None
    return compute_pauses(utts, words), compute_turn_ends(utts, words)


def _only(frame: pd.DataFrame, sides: dict) -> pd.DataFrame:
    files = frame[C.FILE].astype(object).to_numpy()
    spk = frame[C.SPEAKER].astype(object).to_numpy()
    keep = np.array([not sides.get(f) or s in sides[f] for f, s in zip(files, spk)], bool)
    return frame[keep].reset_index(drop=True)


def score_records(records: list, model: str = "u3-rt-pro",
                  align_tolerance_ms: int = ALIGN_TOLERANCE_MS) -> ReplayResult:
    """Score saved sessions: ``(header, events)`` pairs as `turntune_nb.replay` writes them.

    Sessions are grouped by setting; within each, the truth of every recording is
    restricted to its streamed side (the header's ``speakers``; all when empty).
    A final turn's fire time is its ``emitted_at_ms``, its speech end its ``end_ms``.
    """
    model = canonical_model(model)
    by_config: dict = {}
    for header, events in sorted(records, key=lambda r: (r[0].get("index", 0), r[0]["file"])):
        by_config.setdefault((header["config"]["min_turn_silence"], header["config"]["max_turn_silence"]),
                             []).append((header, events))
    file_rows, overall_rows, notes = [], [], []
    for (lo, hi), group in sorted(by_config.items()):
        truths = [transcript_from_assemblyai(h["truth"], h["file"]) for h, _ in group]
        truths = [replace(t, source=h["truth"].get("source", t.source)) for t, (h, _) in zip(truths, group)]
        names = [t.name for t in truths]
        sides = {h["file"]: set(h["speakers"]) for h, _ in group}
        pauses, turn_ends = _truth_tables(truths)
        pauses, turn_ends = _only(pauses, sides), _only(turn_ends, sides)
        fires = pd.DataFrame([{"file": h["file"], "fire_ms": e.get("emitted_at_ms"),
                               "end_ms": np.nan if e.get("end_ms") is None else e["end_ms"]}
                              for h, events in group for e in events
                              if e.get("type") == "Turn" and e.get("end_of_turn")
                              and e.get("emitted_at_ms") is not None],
                             columns=["file", "fire_ms", "end_ms"])
        measured = measure_fires(names, pauses, turn_ends, fires, align_tolerance_ms)
        sim = Simulator(pauses, turn_ends)
        predicted = sim.evaluate((lo, hi), model=model)
        per = predicted.per_file.set_index(C.FILE).reindex(names)
        frame = pd.DataFrame({"file": names, "min_turn_silence": lo, "max_turn_silence": hi,
                              "channel": [h["channel"] for h, _ in group],
                              "speakers": [",".join(h["speakers"]) or "(all)" for h, _ in group],
                              "audio_ms": [h["audio_ms"] for h, _ in group]})
        for k in MEASURED_COLUMNS:
            frame[k] = measured[k]
        for k in COMPARED:
            frame[f"predicted_{k}"] = per[k].to_numpy(float)
            frame[f"gap_{k}"] = frame[k] - frame[f"predicted_{k}"]
        for k in BRACKETED:  # the optimistic bound of a bracket (equal to the headline for exact rules)
            frame[f"predicted_{k}_low"] = per[f"{k}_low"].to_numpy(float)
        file_rows.append(frame)
        holds, cuts = int(measured["holds"].sum()), int(measured["cuts"].sum())
        mean, p50, p90 = latency_summary(measured["latencies"])
        row = {"min_turn_silence": lo, "max_turn_silence": hi, "files": len(names), "holds": holds, "cuts": cuts,
               "cutoff_rate": cuts / holds if holds else math.nan, "turn_ends": int(measured["turn_ends"].sum()),
               "fired": int(measured["fired"].sum()), "missed": int(measured["missed"].sum()),
               "latency_mean_ms": mean, "latency_p50_ms": p50, "latency_p90_ms": p90,
               "interrupted": int(measured["interrupted"].sum()), "other_fires": int(measured["other_fires"].sum())}
        for k in COMPARED:
            row[f"predicted_{k}"] = float(getattr(predicted, k))
            row[f"gap_{k}"] = row[k] - row[f"predicted_{k}"]
        for k in BRACKETED:
            row[f"predicted_{k}_low"] = float(getattr(predicted, f"{k}_low"))
        row["bracket"] = predicted.bracket
        overall_rows.append(row)
        notes += [f"{lo}/{hi}: {n}" for n in predicted.notes]
        notes += [f"{h['file']}: streamed as a mix and scored for every speaker, which a mixed stream cannot "
                  "reproduce (the other party fills the silences); pass channel= to stream one side"
                  for h, _ in group if not h["speakers"] and len({u["speaker"] for u in h["truth"]["utterances"]}) > 1]
    files = pd.concat(file_rows, ignore_index=True) if file_rows else pd.DataFrame()
    return ReplayResult(files, pd.DataFrame(overall_rows), model, None, [], list(dict.fromkeys(notes)))


def rescore(events_dir, model: str = "u3-rt-pro", align_tolerance_ms: int = ALIGN_TOLERANCE_MS) -> ReplayResult:
    """Score a saved replay again (another `model`, another alignment tolerance) without streaming.

    Raises
    ------
    InputError
        No events file in `events_dir`. A malformed file is listed in ``failed``
        with its line, and the others are scored.
    """
    folder = Path(events_dir)
    paths = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not paths:
        raise InputError(f"{events_dir}: no replay events (*.jsonl) to rescore: give the folder a replay wrote")
    records, failed = [], []
    for p in paths:
        try:
            header, events = read_events(p)
        except (InputError, OSError) as err:
            failed.append({"filename": p.name, "reason": str(err), "stage": "read"})
            continue
        if header.get("error"):
            failed.append({"filename": header["file"], "reason": header["error"], "stage": "stream"})
        else:
            records.append((header, events))
    if not records:
        raise InputError(f"{folder}: no usable replay events ({'; '.join(f['reason'] for f in failed)})")
    result = score_records(records, model, align_tolerance_ms)
    result.events_dir, result.failed = folder, failed
    return result


# --------------------------------------------------------------------------- the result
def _ms(v) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.0f} ms"


def _figures(r: dict) -> str:
    rate = "n/a" if r["cutoff_rate"] is None or math.isnan(r["cutoff_rate"]) else f"{r['cutoff_rate']:.1%}"
    pred = r["predicted_cutoff_rate"]
    pred = "n/a" if pred is None or math.isnan(pred) else f"{pred:.1%}"
    return (f"cut-offs {rate} of {r['holds']} holds (predicted {pred}), latency mean {_ms(r['latency_mean_ms'])} "
            f"(predicted {_ms(r['predicted_latency_mean_ms'])}, gap {_ms(r['gap_latency_mean_ms'])}), "
            f"{r['fired']} of {r['turn_ends']} turn ends fired, {r['missed']} missed, {r['other_fires']} other fire(s)")


@dataclass
class ReplayResult:
    """Measured endpointing beside the simulator's prediction, per file and overall.

    ``files``: one row per recording and setting, the measured figures
    (`MEASURED_COLUMNS`), ``predicted_<figure>`` from `Simulator` on the same truth
    and side, and ``gap_<figure>`` = measured - predicted; ``overall``: the same per
    setting over every recording (latencies pooled); ``model``: the simulator's
    rule; ``events_dir``: the saved events (for `rescore`); ``failed``: recordings
    that could not be replayed, with the reason; ``notes``.
    """

    files: pd.DataFrame
    overall: pd.DataFrame
    model: str
    events_dir: Path | None = None
    failed: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def summary_text(self) -> str:
        """Measured, predicted and the gap: per setting overall, then per recording."""
        lines = [f"Replay: measured vs predicted ({self.model} rule)"]
        for r in self.overall.to_dict("records"):
            lines.append(f"  {r['min_turn_silence']}/{r['max_turn_silence']} ms over {r['files']} file(s): "
                         f"{_figures(r)}; p90 {_ms(r['latency_p90_ms'])} "
                         f"(predicted {_ms(r['predicted_latency_p90_ms'])})")
            per = self.files[(self.files["min_turn_silence"] == r["min_turn_silence"])
                             & (self.files["max_turn_silence"] == r["max_turn_silence"])]
            lines += [f"    {f['file']} ({f['speakers']}): {_figures(f)}" for f in per.to_dict("records")]
        lines += [f"  failed: {f['filename']}: {f['reason']}" for f in self.failed]
        lines += [f"  note: {n}" for n in self.notes]
        if self.events_dir is not None:
            lines.append(f"Events saved in {self.events_dir} (turntune replay --rescore {self.events_dir})")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-safe: overall and per-file rows, failures, notes."""
        def clean(rows):
            return [{k: (None if isinstance(v, float) and math.isnan(v) else v.item() if hasattr(v, "item") else v)
                     for k, v in r.items()} for r in rows]

        return {"model": self.model, "overall": clean(self.overall.to_dict("records")),
                "files": clean(self.files.to_dict("records")), "failed": self.failed, "notes": self.notes,
                "events_dir": str(self.events_dir) if self.events_dir else None}

    def __repr__(self) -> str:
        return f"<ReplayResult {len(self.files)} file x setting row(s), {len(self.overall)} setting(s)>"
