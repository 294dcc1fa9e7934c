"""Evaluation: eot-bench's four cells on the bundled samples and on SpokenWOZ (caller side),
beside the published eot-bench rows, with the bootstrap interval over recordings.

* the bundled recording ``turntune_nb/data/sample_conversation.opus`` and the synthetic
  samples (``samples/synthetic``), through the offline backend (no key);
* ``../shared/data/spokenwoz/``: 3 real two-channel phone calls (channel 0 = caller A),
  through the offline backend on the caller's channel, and from the source's word lists.
  CC BY-NC 4.0: read from ``../shared`` here only, never copied into the repository.

Prints figures; asserts nothing about time. Run: ``.venv/bin/python benchmarks/eot_cells.py``
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from turntune_nb import RecommendOptions, analyze_folder, analyze_transcripts, recommend_config
from turntune_nb.analysis.model import Transcript, Utterance, Word

ROOT = Path(__file__).resolve().parents[1]
SPOKENWOZ = ROOT.parent / "shared" / "data" / "spokenwoz"


def pct(v) -> str:
    return "    -" if v is None or v != v else f"{v:5.1%}"


def ms(v) -> str:
    return "      -" if v is None or v != v else f"{v:5.0f} ms"


def show(title: str, result, turnbench: bool = False, **side) -> None:
    print(f"\n{title}")
    for model in ("silence", "universal-3-6-pro"):
        rec = recommend_config(result, RecommendOptions(model=model, target_cutoff=0.05, **side))
        m = rec.metrics
        lo, hi = rec.cutoff_ci
        interval = "n/a (one recording)" if lo != lo and len(rec.evidence["files"]) < 2 else (
            "n/a (no holds)" if lo != lo else f"{pct(lo)}-{pct(hi)}")
        print(f"  {model:10s} holds {m.holds:4d} (eot-bench's 200-5000 ms: {m.eot_holds:4d}), turn ends "
              f"{m.turn_ends:3d} in {len(rec.evidence['files'])} file(s)"
              + (f", side: {rec.side}" if rec.side else "")
              + (" [bracket: no punctuation]" if m.bracket else ""))
        print(f"  {'':10s} chosen {rec.config.min_turn_silence}/{rec.config.max_turn_silence} ms: cut-offs "
              f"{pct(m.cutoff_rate)} (95% over recordings {interval}; per-hold Wilson "
              f"{pct(rec.wilson_ci[0])}-{pct(rec.wilson_ci[1])}), latency {ms(m.latency_mean_ms)}, "
              f"never fired {m.never_fired}/{m.turn_ends}")
        table = rec.eot_table(reference=(model == "universal-3-6-pro"))
        if model == "silence":
            table = table.iloc[:1]
        for r in table.itertuples():
            print(f"    {r.name[:44]:44s} {pct(r.cutoff_at_300ms)} {pct(r.cutoff_at_600ms)} "
                  f"{ms(r.latency_at_5pct_ms)} {ms(r.latency_at_10pct_ms)}")
        if turnbench and model == "silence":
            print("    TurnBench-style (false fires | median latency | recall), yours at the chosen setting:")
            for r in rec.turnbench_table().itertuples():
                print(f"    {r.name[:44]:44s} {pct(r.false_fire_rate)} {ms(r.latency_p50_ms)} {pct(r.recall)}")


def spokenwoz_transcripts() -> list:
    """The source's word lists (speaker, word, start, end in s): runs of one speaker's words
    become utterances. Word times inside a run are interpolated by the source, so pauses come
    from the gaps between a speaker's runs only."""
    out = []
    for path in sorted(SPOKENWOZ.glob("*.json")):
        words = json.loads(path.read_text())
        utts, run = [], []
        for w in words + [None]:
            if run and (w is None or w["speaker"] != run[-1]["speaker"]):
                ws = tuple(Word(x["word"], round(x["start"] * 1000), round(x["end"] * 1000)) for x in run)
                utts.append(Utterance(run[0]["speaker"], ws[0].start_ms, max(x.end_ms for x in ws),
                                      " ".join(x.text for x in ws), ws, channel=0 if run[0]["speaker"] == "A" else 1))
                run = []
            if w is not None:
                run.append(w)
        out.append(Transcript(path.stem, utts, source="spokenwoz-json"))
    return out


def main() -> None:
    print("eot-bench cells: cut-offs @ 300 ms | @ 600 ms | latency @ 5% | @ 10% cut-offs")
    print("(holds of 200-5000 ms, cut when the endpointer fires inside them; turn ends never fired count at "
          "max_turn_silence)")
    t0 = time.perf_counter()
    bundled = analyze_folder(sorted((ROOT / "turntune_nb" / "data").glob("*.opus")), backend="offline",
                             progress=False)
    show("bundled turntune_nb/data/*.opus (offline backend)", bundled)
    synthetic = analyze_folder(ROOT / "samples" / "synthetic", backend="offline", progress=False)
    show("samples/synthetic (offline backend, 8 files)", synthetic)
    if not SPOKENWOZ.is_dir():
        print(f"\n{SPOKENWOZ} not found: SpokenWOZ skipped")
        return
    audio = analyze_folder(sorted(SPOKENWOZ.glob("*.wav")), backend="offline", progress=False)
    show("SpokenWOZ audio, caller = channel 0 (offline backend)", audio, turnbench=True, channels=[0])
    show("SpokenWOZ audio, both sides (offline backend)", audio)
    words = analyze_transcripts(spokenwoz_transcripts())
    show("SpokenWOZ word lists, caller = speaker A", words, speakers=["A"])
    print(f"\n(all of the above in {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()

