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
from .analysis.alignment import MEASURED_COLUMNS, default_tolerance, latency_summary, measure_fires
from .analysis.eotbench import eot_cells
from .analysis.gaps import compute_pauses, compute_turn_ends
from .analysis.metrics import canonical_model
from .analysis.model import transcripts_to_frame, words_to_frame
from .analysis.readers import transcript_from_assemblyai
from .analysis.simulate import Simulator
from .analysis.surface import DEFAULT_STREAMING_MODEL
from .analysis.turnbench import (
    FP_BUDGET,
    TurnBenchScore,
    interruption_times,
    operating_point,
    score_eot,
    segments_from_truth,
    submission_json,
    turnbench_gold,
)
from .errors import InputError
from .files import atomic_write_json
from .replay_events import read_events

__all__ = ("score_records", "rescore", "session_fires", "ReplayResult", "COMPARED", "BRACKETED")


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


def session_fires(events: list) -> list:
    """A session's fires: its final turns (``end_of_turn`` true), one per turn.

    A fire's time is its ``emitted_at_ms`` (where the offline endpointer decided, or
    how far into the recording AssemblyAI's message arrived). AssemblyAI may send a
    turn's end twice (``format_turns``: the formatted copy follows with the same
    ``turn_order``): the first message of a ``turn_order`` is the fire, later ones
    are not counted again. A final without ``emitted_at_ms`` has no time and is left out.

    Examples
    --------
    >>> session_fires([{"type": "Turn", "turn_order": 0, "end_of_turn": True, "emitted_at_ms": 900},
    ...                {"type": "Turn", "turn_order": 0, "end_of_turn": True, "turn_is_formatted": True,
    ...                 "emitted_at_ms": 950},
    ...                {"type": "Turn", "turn_order": 1, "end_of_turn": False, "emitted_at_ms": 1200}])
    [900]
    """
    seen, out = set(), []
    for e in events:
        if e.get("type") != "Turn" or not e.get("end_of_turn") or e.get("emitted_at_ms") is None:
            continue
        order = e.get("turn_order")
        if order is not None and order in seen:
            continue
        seen.add(order)
        out.append(int(e["emitted_at_ms"]))
    return out


def _tolerance(header: dict, given) -> tuple:
    """The alignment tolerance of one session: `given`, or from its truth source."""
    if given is not None:
        return int(given), "given"
    truth = header["truth"]
    words = any(u.get("words") for u in truth.get("utterances") or [])
    return default_tolerance(truth.get("source"), words)


def _names(group: list) -> list:
    """One name per session: the file, with its channel when the file was streamed on several."""
    count: dict = {}
    for h, _ in group:
        count[h["file"]] = count.get(h["file"], 0) + 1
    return [h["file"] if count[h["file"]] == 1 else f"{h['file']} (channel {h['channel']})" for h, _ in group]


def _versus(measured: float, low: float, high: float) -> str:
    """Where a measurement lies against the prediction's bounds: "within", "above", "below" or "n/a"."""
    if any(v is None or math.isnan(v) for v in (measured, low, high)):
        return "n/a"
    lo, hi = min(low, high), max(low, high)
    return "above" if measured > hi + 1e-9 else "below" if measured < lo - 1e-9 else "within"


def _outside_notes(row: dict) -> list:
    """Words for each figure whose measurement lies outside the prediction's bounds."""
    notes = []
    for k, what, fmt in (("cutoff_rate", "cut-off rate (holds a fire fell in)", "{:.1%}"),
                         ("latency_mean_ms", "mean latency", "{:.0f} ms")):
        side = row[f"{k}_vs_prediction"]
        if side in ("above", "below"):
            lo, hi = sorted((row[f"predicted_{k}_low"], row[f"predicted_{k}"]))
            bounds = fmt.format(lo) if lo == hi else f"{fmt.format(lo)} to {fmt.format(hi)}"
            why = {("cutoff_rate", "above"): "the endpointer fired in more holds than the rule would",
                   ("cutoff_rate", "below"): "the endpointer fired in fewer holds than the rule would",
                   ("latency_mean_ms", "above"): "the endpointer decides later than the rule (its model, the "
                                                 "network), or the reference's ends are early",
                   ("latency_mean_ms", "below"): "the reference's ends are late (padded segment ends), or the "
                                                 "endpointer decides sooner than the rule"}[(k, side)]
            notes.append(f"{row['min_turn_silence']}/{row['max_turn_silence']}: the measured {what} "
                         f"{fmt.format(row[k])} lies {side} the prediction ({bounds}, {row.get('model')} rule): "
                         f"{why}")
    return notes


def _eot_figures(counts: dict, latencies: np.ndarray, timeout_ms: int) -> dict:
    """eot-bench's figures of a measured setting: holds of 200-5000 ms a fire fell in, and the mean
    latency counting each turn end that never fired at the timeout (``max_turn_silence``)."""
    te = counts["turn_ends"]
    return {"eot_cutoff_rate": counts["eot_cuts"] / counts["eot_holds"] if counts["eot_holds"] else math.nan,
            "eot_latency_mean_ms": (float(latencies.sum()) + counts["missed"] * timeout_ms) / te if te else math.nan,
            "never_fired_share": counts["missed"] / te if te else math.nan}


def measured_eot_cells(overall: pd.DataFrame) -> dict:
    """eot-bench's four cells over the replayed settings, from the measured figures (`eot_cells`):
    a cell no replayed setting reaches is NaN."""
    if overall.empty:
        return {}
    sweep = overall.rename(columns={"latency_mean_ms": "fired_latency_mean_ms",
                                    "eot_latency_mean_ms": "latency_mean_ms"})
    return eot_cells(sweep)


def score_records(records: list, model: str = DEFAULT_STREAMING_MODEL,
                  align_tolerance_ms: int | None = None) -> ReplayResult:
    """Score saved sessions: ``(header, events)`` pairs as `turntune_nb.replay` writes them.

    Sessions are grouped by setting; within each, the truth of every recording is
    restricted to its streamed side (the header's ``speakers``; all when empty).
    Every fire (`session_fires`) is classified at a turn end, in a hold or in
    speech (`turntune_nb.analysis.alignment`), with the tolerance `align_tolerance_ms`
    or, when None, the one its truth calls for (`default_tolerance`).
    """
    model = canonical_model(model)
    by_config: dict = {}
    for header, events in sorted(records, key=lambda r: (r[0].get("index", 0), r[0]["file"],
                                                         r[0].get("channel") or 0)):
        by_config.setdefault((header["config"]["min_turn_silence"], header["config"]["max_turn_silence"]),
                             []).append((header, events))
    file_rows, overall_rows, notes = [], [], []
    for (lo, hi), group in sorted(by_config.items()):
        names = _names(group)
        truths = [replace(transcript_from_assemblyai(h["truth"], n), source=h["truth"].get("source") or "unknown")
                  for n, (h, _) in zip(names, group)]
        sides = {n: set(h["speakers"]) for n, (h, _) in zip(names, group)}
        pauses, turn_ends = _truth_tables(truths)
        pauses, turn_ends = _only(pauses, sides), _only(turn_ends, sides)
        speech = _only(transcripts_to_frame(truths), sides)
        fires = pd.DataFrame([{"file": n, "fire_ms": f} for n, (h, events) in zip(names, group)
                              for f in session_fires(events)], columns=["file", "fire_ms"])
        tolerances = [_tolerance(h, align_tolerance_ms) for h, _ in group]
        measured = measure_fires(names, pauses, turn_ends, fires, [t for t, _ in tolerances], speech=speech)
        sim = Simulator(pauses, turn_ends)
        predicted = sim.evaluate((lo, hi), model=model)
        per = predicted.per_file.set_index(C.FILE).reindex(names)
        frame = pd.DataFrame({"file": names, "min_turn_silence": lo, "max_turn_silence": hi,
                              "channel": [h["channel"] for h, _ in group],
                              "speakers": [",".join(h["speakers"]) or "(all)" for h, _ in group],
                              "audio_ms": [h["audio_ms"] for h, _ in group],
                              "align_tolerance_ms": [t for t, _ in tolerances]})
        for k in MEASURED_COLUMNS:
            frame[k] = measured[k]
        for k in COMPARED:
            frame[f"predicted_{k}"] = per[k].to_numpy(float)
            frame[f"gap_{k}"] = frame[k] - frame[f"predicted_{k}"]
        for k in BRACKETED:  # the optimistic bound of a bracket (equal to the headline for exact rules)
            frame[f"predicted_{k}_low"] = per[f"{k}_low"].to_numpy(float)
            frame[f"{k}_vs_prediction"] = [_versus(m, a, b) for m, a, b in zip(
                frame[k], frame[f"predicted_{k}_low"], frame[f"predicted_{k}"])]
        file_rows.append(frame)
        counts = {k: int(measured[k].sum()) for k in ("fires", "fires_at_turn_end", "fires_in_hold",
                                                     "fires_in_speech", "holds", "cuts", "turn_ends", "fired",
                                                     "missed", "interrupted", "eot_holds", "eot_cuts")}
        mean, p50, p90 = latency_summary(measured["latencies"])
        tols = sorted({t for t, _ in tolerances})
        row = {"min_turn_silence": lo, "max_turn_silence": hi, "files": len(names), **counts,
               "premature_rate": ((counts["fires_in_hold"] + counts["fires_in_speech"]) / counts["fires"]
                                  if counts["fires"] else math.nan),
               "cutoff_rate": counts["cuts"] / counts["holds"] if counts["holds"] else math.nan,
               "latency_mean_ms": mean, "latency_p50_ms": p50, "latency_p90_ms": p90,
               "align_tolerance_ms": tols[0] if len(tols) == 1 else math.nan,
               **_eot_figures(counts, measured["latencies"], hi)}
        for k in COMPARED:
            row[f"predicted_{k}"] = float(getattr(predicted, k))
            row[f"gap_{k}"] = row[k] - row[f"predicted_{k}"]
        for k in BRACKETED:
            row[f"predicted_{k}_low"] = float(getattr(predicted, f"{k}_low"))
            row[f"{k}_vs_prediction"] = _versus(row[k], row[f"predicted_{k}_low"], row[f"predicted_{k}"])
        row["bracket"] = predicted.bracket
        overall_rows.append(row)
        notes += _outside_notes({**row, "model": model})
        notes += [f"alignment tolerance {t} ms for {n}: {why}" for n, (t, why) in zip(names, tolerances)]
        notes += [f"{lo}/{hi}: {n}" for n in predicted.notes]
        notes += [f"{h['file']}: streamed as a mix and scored for every speaker, which a mixed stream cannot "
                  "reproduce (the other party fills the silences); pass channel= to stream one side"
                  for h, _ in group if not h["speakers"] and len({u["speaker"] for u in h["truth"]["utterances"]}) > 1]
    files = pd.concat(file_rows, ignore_index=True) if file_rows else pd.DataFrame()
    tb_rows, tb_files, tb_notes = turnbench_records(records)
    return ReplayResult(files, pd.DataFrame(overall_rows), model, None, [], list(dict.fromkeys(notes + tb_notes)),
                        tb_rows, tb_files)


# --------------------------------------------------------------------------- TurnBench
def _turns(events: list) -> list:
    """A session's turns: ``(first message ms, fire ms or None)`` per ``turn_order``."""
    first, fire = {}, {}
    for e in events:
        if e.get("type") != "Turn" or e.get("emitted_at_ms") is None:
            continue
        k = e.get("turn_order")
        first.setdefault(k, int(e["emitted_at_ms"]))
        if e.get("end_of_turn"):
            fire.setdefault(k, int(e["emitted_at_ms"]))
    return [(first[k], fire.get(k)) for k in first]


def turnbench_records(records: list, budget: float = FP_BUDGET) -> tuple:
    """TurnBench's terms of the two-channel sessions in `records`: ``(rows, submissions, notes)``.

    A session streamed on channel 0 is TurnBench's ``speaker_1``, channel 1 its
    ``speaker_2`` (replay a call twice, ``channel=0`` then ``channel=1``, into the
    same events folder to give both). Per setting: the submission file
    (`turntune_nb.analysis.turnbench.submission_json`: each channel's fires as
    ``eot``, its interruptions) and, scored on the streamed speakers against the
    truth's TurnBench gold, ``recall``, ``fp_rate``, ``latency_p50_ms`` and whether
    ``fp_rate`` is within `budget` (the leaderboard's 0.1); ``operating_point`` marks
    the setting the leaderboard's rule would pick. Sessions of a mix (no channel)
    are left out.
    """
    by_setting: dict = {}
    for h, events in records:
        if h.get("channel") in (0, 1):
            key = (h["config"]["min_turn_silence"], h["config"]["max_turn_silence"])
            by_setting.setdefault(key, {}).setdefault(h["file"], {})[h["channel"] + 1] = (h, events)
    rows, submissions, notes = [], {}, []
    for (lo, hi), calls in sorted(by_setting.items()):
        total, convs = TurnBenchScore(), {}
        for name, sides in calls.items():
            header = next(iter(sides.values()))[0]
            mine = {k: set(h["speakers"]) for k, (h, _) in sides.items()}
            who = {s: k for k, spk in mine.items() for s in spk}
            rest = 2 if 1 in mine else 1
            who.update({u["speaker"]: rest for u in header["truth"]["utterances"] if u["speaker"] not in who})
            positives, negatives = turnbench_gold(segments_from_truth(header["truth"]["utterances"], who))
            turns = {k: _turns(ev) for k, (_, ev) in sides.items()}
            convs[name] = {"duration_ms": header["audio_ms"]}
            for k in sides:
                convs[name][k] = {"eot": session_fires(sides[k][1]),
                                  "interruption": interruption_times(turns[k], turns.get(3 - k, []))}
            total = total + score_eot(positives, negatives, {k: convs[name][k]["eot"] for k in sides})
        submission, dropped = submission_json(convs)
        submissions[(lo, hi)] = submission
        if dropped:
            notes.append(f"{lo}/{hi}: TurnBench: {dropped} time(s) after the end of the audio left out of the "
                         "submission (the replay appends silence; TurnBench accepts times inside the audio only)")
        rows.append({"min_turn_silence": lo, "max_turn_silence": hi, "calls": len(calls),
                     "speakers_scored": sum(len(s) for s in calls.values()), "tp": total.tp, "fn": total.fn,
                     "fp": total.fp, "tn": total.tn, "recall": total.recall, "fp_rate": total.fp_rate,
                     "latency_p50_ms": total.latency_p50_ms,
                     "within_budget": None if math.isnan(total.fp_rate) else bool(total.fp_rate <= budget)})
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["setting"] = [f"{a}/{b}" for a, b in zip(frame["min_turn_silence"], frame["max_turn_silence"])]
        pick = operating_point(frame, budget)
        frame["operating_point"] = frame["setting"] == (pick["setting"] if pick is not None else None)
        if frame["fp_rate"].isna().any():
            notes.append("TurnBench: no mid-turn pause in the reference of the streamed speakers (every segment "
                         "end hands the floor over), so the false-positive rate is undefined")
        elif pick is None:
            notes.append(f"TurnBench: no setting keeps fp_rate within the {budget:g} budget")
    return frame, submissions, notes


def rescore(events_dir, model: str = DEFAULT_STREAMING_MODEL, align_tolerance_ms: int | None = None) -> ReplayResult:
    """Score a saved replay again (another `model`, another alignment tolerance) without streaming.

    `align_tolerance_ms` None: each file's from its truth source (`default_tolerance`).

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


def _pct(v) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1%}"


def predicted_bounds(r: dict, column: str, fmt) -> str:
    """The prediction of `column` in row `r`: one value, or its two bounds ``low-high`` (a bracket)."""
    lo, hi = r.get(f"predicted_{column}_low", r[f"predicted_{column}"]), r[f"predicted_{column}"]
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi) or lo == hi:
        return fmt(hi)
    lo, hi = sorted((lo, hi))
    return f"{fmt(lo)}-{fmt(hi)}"


def _figures(r: dict) -> str:
    return (f"{r['fires']} fire(s): {r['fires_at_turn_end']} at turn ends, {r['fires_in_hold']} in holds, "
            f"{r['fires_in_speech']} in speech (premature {_pct(r['premature_rate'])}); "
            f"cut-offs (holds a fire fell in) {_pct(r['cutoff_rate'])} of {r['holds']} holds "
            f"(predicted {predicted_bounds(r, 'cutoff_rate', _pct)}), latency mean {_ms(r['latency_mean_ms'])} "
            f"(predicted {predicted_bounds(r, 'latency_mean_ms', _ms)}), "
            f"{r['fired']} of {r['turn_ends']} turn ends fired, {r['missed']} missed")


@dataclass
class ReplayResult:
    """Measured endpointing beside the simulator's prediction, per file and overall.

    ``files``: one row per recording and setting, the measured figures
    (`MEASURED_COLUMNS`), ``predicted_<figure>`` from `Simulator` on the same truth
    and side, and ``gap_<figure>`` = measured - predicted; ``overall``: the same per
    setting over every recording (latencies pooled); ``model``: the simulator's
    rule; ``events_dir``: the saved events (for `rescore`); ``failed``: recordings
    that could not be replayed, with the reason; ``notes``; ``turnbench``: TurnBench's
    recall, false-positive rate and median latency per setting of the two-channel
    sessions (`turnbench_records`), and ``turnbench_submissions``: their submission
    files by (min, max) setting (`write_turnbench`).
    """

    files: pd.DataFrame
    overall: pd.DataFrame
    model: str
    events_dir: Path | None = None
    failed: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    turnbench: pd.DataFrame = field(default_factory=pd.DataFrame)
    turnbench_submissions: dict = field(default_factory=dict, repr=False)

    def write_turnbench(self, folder) -> list:
        """Write each setting's TurnBench submission (``turnbench-<min>-<max>.json``) in `folder`; the paths.

        Raises
        ------
        InputError
            No two-channel session to export (replay with ``channel=0`` and/or ``channel=1``).
        """
        if not self.turnbench_submissions:
            raise InputError("no two-channel session to export for TurnBench: replay with channel=0 (--channel 0) "
                             "and channel=1 into the same events folder")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return [atomic_write_json(folder / f"turnbench-{lo}-{hi}.json", sub, indent=2)
                for (lo, hi), sub in sorted(self.turnbench_submissions.items())]

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
        for r in self.turnbench.to_dict("records"):
            lines.append(f"  TurnBench {r['setting']}: recall {_pct(r['recall'])}, false positives "
                         f"{_pct(r['fp_rate'])} (budget {FP_BUDGET:g}: "
                         f"{ {True: 'within', False: 'over', None: 'undefined'}[r['within_budget']]}), "
                         f"latency p50 {_ms(r['latency_p50_ms'])} over {r['speakers_scored']} speaker(s)")
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
                "turnbench": clean(self.turnbench.to_dict("records")), "turnbench_fp_budget": FP_BUDGET,
                "events_dir": str(self.events_dir) if self.events_dir else None}

    def __repr__(self) -> str:
        return f"<ReplayResult {len(self.files)} file x setting row(s), {len(self.overall)} setting(s)>"
