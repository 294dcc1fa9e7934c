"""A shareable HTML report of an analysis.

One self-contained file, inline CSS and no script, so it opens offline on a
colleague's machine. In reading order: what to read first (the caveats), the
recommendation, its equivalents in other stacks, what each count counts (with this
report's numbers), the tables, the figures, the field's benchmarks and how it was all
measured.

- **Figures** are inline SVG (sharp at any zoom, text kept as text) drawn with
  `turntune_nb.notebook.plots`' ``"css"`` theme: transparent backgrounds and ink in
  ``currentColor``, so the page's colour (light or dark, chosen by the reader's
  ``prefers-color-scheme`` or by ``theme=``) is the figures' colour too; one copy of
  each figure, no script.
- **Tables** use `turntune_nb.analysis.display` for labels and formats (percentages
  as %, milliseconds as integers), each in its own horizontally scrolling box, so a
  wide table never pushes the page wider nor is clipped.
- **No secrets**: file names only, never absolute local paths; the text is scrubbed
  against the keys configured in the environment (the figures' text too; their
  drawing data is numbers and left as is).
"""

from __future__ import annotations

import html
import os
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis import columns as C
from ..analysis.display import format_value, readable
from ..analysis.display import kind as value_kind
from ..analysis.metrics import HOLD_MIN_MS
from ..files import atomic_write_text

__all__ = ("render_report", "write_report", "REPORT_THEMES")

#: ``auto`` follows the reader's ``prefers-color-scheme``; the others fix the page's colours.
REPORT_THEMES = ("auto", "light", "dark")
_SECRET_ENV = ("ASSEMBLYAI_API_KEY", "ASSEMBLYAI_TOKEN")
# Absolute POSIX paths of two or more components, and Windows drive paths.
_ABS_PATH = re.compile(r"(?<![\w.:/])(?:/(?:[\w.\-@+]+/)+[\w.\-@+]*|[A-Za-z]:\\(?:[^\\\s<>\"']+\\)*[^\\\s<>\"']*)")

_LIGHT = ("--fg:#1f2328;--bg:#ffffff;--muted:#59636e;--line:#d1d9e0;--head:#f6f8fa;--box:#f6f8fa;"
          "--warn-bg:#fff8c5;--warn-line:#d4a72c;--accent:#0969da")
_DARK = ("--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--head:#151b23;--box:#151b23;"
         "--warn-bg:#272115;--warn-line:#bb8009;--accent:#4493f8")
_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--fg);background:var(--bg);
line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:1.5em 1.5em 3em}
h1{margin:0 0 .2em}h2{margin-top:1.8em;border-bottom:1px solid var(--line);padding-bottom:.2em}
.meta,figcaption,.note{color:var(--muted)}caption{text-align:left;padding:4px 10px}
.table-wrap{overflow-x:auto;max-width:100%;margin:.8em 0;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;font-size:.9em;font-variant-numeric:tabular-nums;min-width:100%}
th,td{border-bottom:1px solid var(--line);padding:5px 10px;vertical-align:top}
th{background:var(--head);text-align:left;font-weight:600;min-width:6em;max-width:14em}
td{white-space:nowrap}td.wrap{white-space:normal;min-width:11em;max-width:36em}
td.num,th.num{text-align:right}
tr>:first-child{position:sticky;left:0;background:var(--bg)}tr>th:first-child{background:var(--head)}
.cards{display:flex;gap:1em;flex-wrap:wrap}
.card{border:1px solid var(--line);border-radius:8px;padding:1em;flex:1;min-width:280px;background:var(--box)}
.card h3{margin-top:0}.big{font-size:1.4em;font-weight:600}
.warn{background:var(--warn-bg);border-left:4px solid var(--warn-line);padding:.5em 1em;margin:.5em 0}
.definitions{background:var(--box);border:1px solid var(--line);border-radius:8px;padding:.5em 1.2em}
.definitions dt{font-weight:600;margin-top:.6em}.definitions dd{margin-left:1.2em}
figure{margin:1.5em 0}figure svg{display:block;width:100%;max-width:960px;height:auto;color:var(--fg)}
code{font-size:.95em}
@media print{.table-wrap{overflow:visible}table{font-size:.75em}}
"""

#: The per-speaker figure is drawn for 2 to this many speaker labels.
MAX_SPEAKER_ROWS = 8
_KIND_NAMES = {C.GAP: "gap", C.OVERLAP: "overlap", C.PAUSE: "pause (same speaker)",
               C.CONTAINED: "backchannel (contained)"}
_STACK_NAMES = {"assemblyai": "AssemblyAI", "livekit_assemblyai": "LiveKit Agents' AssemblyAI plugin",
                "pipecat_assemblyai": "Pipecat's AssemblyAISTTService", "deepgram": "Deepgram",
                "livekit": "LiveKit Agents", "pipecat": "Pipecat", "openai_realtime": "OpenAI Realtime"}
_BACKENDS = {
    "offline": "the offline backend: speech found on this machine by a speech detector, no transcription service",
    "assemblyai": "AssemblyAI's pre-recorded transcription (word timings and speaker labels)",
    "transcripts": "transcripts and speaker segmentations read from files (JSON, RTTM, CSV)",
}
_SPEAKER_SOURCES = {
    "channels": "one speaker per audio channel (two-channel recordings)",
    "diarisation": "offline diarisation (estimated from voices)",
    "transcript": "the transcripts' own speaker labels",
    "unknown": "unknown: one undivided speaker",
}
_MODEL_RULES = {  # by the simulator's rule (`turntune_nb.analysis.metrics.model_rule`); {model} is the model
    "punctuation": ("AssemblyAI {model}'s punctuation rule (every U3 Pro model's): a pause ends the turn at "
                    "min_turn_silence when the word before it ends in . ? or !, else at max_turn_silence. Pauses "
                    "without word timings (unknown punctuation) are bracketed between the two"),
    "confidence": ("Universal-Streaming's confidence rule, bracketed: the model's end-of-turn "
                   "confidence is not in a transcript, so each pause is counted between firing at "
                   "min_turn_silence and waiting until max_turn_silence; the headline figures are "
                   "the pessimistic bounds"),
    "silence": "a silence timer: a pause ends the turn when it lasts the threshold",
}



def when(moment) -> str:
    """Every date of the report in one format: ``when("2026-12-07T06:20:11") == "2026-12-07 06:20"``."""
    try:
        return f"{datetime.fromisoformat(moment) if isinstance(moment, str) else moment:%Y-%m-%d %H:%M}"
    except ValueError:
        return str(moment)

def _rule_text(model: str) -> str:
    """What the simulator replayed for `model`, in words."""
    from ..analysis.metrics import model_rule

    return _MODEL_RULES[model_rule(model)].format(model=model)


# --------------------------------------------------------------------------- small pieces
def _e(value) -> str:
    return html.escape(str(value))


def _scrub(text: str) -> str:
    """Remove configured secrets and absolute local paths from the report text."""
    for name in _SECRET_ENV:
        secret = os.environ.get(name)
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    return _ABS_PATH.sub(lambda m: "…/" + Path(m.group(0).replace("\\", "/")).name, text)


def _scrub_svg(svg: str) -> str:
    """`_scrub` over an SVG's text (labels, titles, file names on an axis), not its drawing data."""
    return re.sub(r">([^<]+)<", lambda m: ">" + _scrub(m.group(1)) + "<", svg)


def _pct(v) -> str:
    return format_value("share", v)


def _ms(v) -> str:
    text = format_value("mean_ms", v)
    return text if text == "–" else f"{text} ms"


def _table(frame: pd.DataFrame, wrap=(), caption: str = "") -> str:
    """A table with readable headers (`readable`), numbers right-aligned, in its own scrolling box.

    Columns in `wrap` (machine names) may wrap; every other cell stays on one line.
    """
    shown = readable(frame, as_text=True)
    nums = [value_kind(c) != "text" for c in frame.columns]
    wraps = [c in wrap for c in frame.columns]
    head = "".join(f'<th scope="col"{" class=num" if n else ""}>{_e(h)}</th>' for h, n in zip(shown.columns, nums))
    rows = []
    for values in shown.itertuples(index=False):
        cells = []
        for v, n, w in zip(values, nums, wraps):
            cls = "num" if n else "wrap" if w else ""
            cells.append(f'<td{f" class={cls}" if cls else ""}>{_e(v)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption class=note>{_e(caption)}</caption>" if caption else ""
    return (f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _count(v) -> str:
    return format_value("count", v)


# --------------------------------------------------------------------------- counts
def guide_gap_split(result) -> tuple[int, int]:
    """The guide's gaps split by who speaks on either side: (between two speakers,
    within one speaker). The guide takes consecutive segments of a file in start order
    and keeps the positive silences, whoever speaks; this counts the same pairs.
    Files whose speakers are unknown count as one speaker.

    Examples
    --------
    >>> from turntune_nb import analyze_transcripts
    >>> from turntune_nb.analysis.model import Transcript, Utterance
    >>> t = Transcript("f", [Utterance("A", 0, 1000), Utterance("A", 1300, 2000), Utterance("B", 2500, 3000)])
    >>> guide_gap_split(analyze_transcripts([t]))
    (1, 1)
    """
    u = result.utterances
    if not len(u):
        return 0, 0
    u = u.assign(_f=u[C.FILE].astype(str)).sort_values(["_f", C.START_MS, C.END_MS], kind="stable")
    files, spk = u["_f"].to_numpy(), u[C.SPEAKER].astype(str).to_numpy()
    start, end = u[C.START_MS].to_numpy(np.int64), u[C.END_MS].to_numpy(np.int64)
    kept = (files[1:] == files[:-1]) & (start[1:] - end[:-1] > 0)
    between = int(np.count_nonzero(kept & (spk[1:] != spk[:-1])))
    return between, int(np.count_nonzero(kept)) - between


def _all_files_counts(result) -> dict:
    """Transition counts of the all-files row (None where speakers are unknown)."""
    ts = result.transition_summary
    rows = ts[ts[C.FILE] == "(all files)"].set_index(C.KIND)["count"]
    return {k: (None if k not in rows or pd.isna(rows[k]) else int(rows[k])) for k in C.KINDS}


def _word_silences(result) -> int:
    """Pauses inside turns that lie inside one segment (between its words), not between two segments.

    A pause between segments starts where its segment ends (`compute_pauses` gives it
    the segment before it); a silence between words ends before its segment does.
    """
    p = result.pauses
    if not len(p):
        return 0
    seg_end = result.utterances[C.END_MS].to_numpy(np.int64)[p[C.UTTERANCE].to_numpy(np.int64)]
    return int(np.count_nonzero(p[C.START_MS].to_numpy(np.int64) < seg_end))


def _definitions(result, recommendation) -> str:
    """What each count counts, with this report's numbers."""
    o = result.overall
    between, within = guide_gap_split(result)
    n = _all_files_counts(result)
    gaps, overlaps, pauses, contained = n[C.GAP], n[C.OVERLAP], n[C.PAUSE], n[C.CONTAINED]
    changes = None if gaps is None or overlaps is None else gaps + overlaps
    holds = int((result.pauses[C.PAUSE_MS] >= HOLD_MIN_MS).sum()) if len(result.pauses) else 0
    words_pauses = _word_silences(result)
    turn_ends, files = len(result.turn_ends), sum(1 for t in result.transcripts if t.utterances)
    unknown = "unknown" if changes is None else None
    items = [
        ("segment", f"<b>{_count(len(result.utterances))}</b> segments in {_count(len(result.transcripts))} "
                    "file(s): stretches of one speaker's speech as the transcript or the speech detector gives "
                    f"them ({_count(o['total_utterances'])} in the {_count(o['total_files_analyzed'])} file(s) with a "
                    "gap, which the guide's figures count)."),
        ("gap (the guide's count)",
         f"<b>{_count(o['total_gaps'])}</b> gaps in the files with one: every positive silence between two "
         "consecutive segments in start order, whoever speaks (AssemblyAI's gap-analysis guide), "
         f"<b>{between}</b> between two speakers and <b>{within}</b> between one speaker's own segments. Overlaps "
         "and touching segments are left out. The mean and median gap and the guide's preset rest on these."),
        ("speaker change = gap + overlap",
         f"<b>{unknown or _count(changes)}</b> speaker changes"
         + ("" if unknown else f" = <b>{_count(gaps)}</b> gaps + <b>{_count(overlaps)}</b> overlaps")
         + ". Each speaker's segments at most 10 ms apart are merged, each segment is paired with the one "
           "holding the floor before it, and a different speaker taking the floor is a change: a <i>gap</i> when "
           "they start at or after the end (offset ≥ 0 ms), an <i>overlap</i> when they start before it and talk "
           "on past it. Why this differs from the guide's count: the guide adds the silences inside one "
           "speaker's talk and drops the overlaps."),
        ("backchannel (contained)",
         f"<b>{unknown or _count(contained)}</b> backchannels: another speaker's segment wholly inside someone's "
         "talk (\"mm-hm\"): not a speaker change, the floor stays."),
        ("pause",
         f"<b>{_count(pauses) if pauses is not None else 'unknown'}</b> pauses between segments (the same speaker "
         f"again, nobody taking the floor between); with the <b>{_count(words_pauses)}</b> silences between words "
         f"that word timings show, <b>{_count(len(result.pauses))}</b> pauses inside turns, of which "
         f"<b>{_count(holds)}</b> are <i>holds</i> (at least 100 ms, LiveKit eot-bench's definition)."),
        ("turn end",
         f"<b>{_count(turn_ends)}</b> turn ends: the end of the floor holder's talk before each speaker change"
         + ("" if unknown or turn_ends != changes + files else f" ({_count(changes)})")
         + f" and the end of each file ({_count(files)})."),
    ]
    m = getattr(recommendation, "metrics", None)
    if m is not None:
        cfg = recommendation.config
        items.append(("cut-off rate",
                      f"the share of holds in which the endpointer would end the turn while the speaker is only "
                      f"pausing: at {cfg.min_turn_silence}/{cfg.max_turn_silence} ms, <b>{_count(m.cuts)}</b> of "
                      f"<b>{_count(m.holds)}</b> holds = <b>{_pct(m.cutoff_rate)}</b>."))
        items.append(("latency",
                      "how long after a true turn end (the end of the speaker's talk) the endpointer fires: "
                      f"mean <b>{_ms(m.latency_mean_ms)}</b> over <b>{_count(m.turn_ends)}</b> turn ends; "
                      "a turn end whose next speaker started first still counts at its full delay."))
    body = "".join(f"<dt>{_e(t)}</dt><dd>{d}</dd>" for t, d in items)
    side = (f'<p class="note">Restricted to {_e(result.side)}: the transitions, pauses and turn ends are that '
            "side's; the segments and the guide's gaps are the whole conversation's.</p>" if result.side else "")
    return f'<h2>What the counts count</h2>{side}<dl class="definitions">{body}</dl>'


# --------------------------------------------------------------------------- sections
def _config_card(title: str, cfg, extra: str = "") -> str:
    ev = getattr(cfg, "evidence", {}) or {}
    reason = ev.get("reason", cfg.description)
    return (
        f'<div class="card"><h3>{_e(title)}</h3>'
        f'<div class="big">{_e(cfg.name)}</div>'
        f"<p>min_turn_silence <b>{cfg.min_turn_silence} ms</b>, max_turn_silence <b>{cfg.max_turn_silence} ms</b></p>"
        f"<p>{_e(reason)}</p>{extra}</div>"
    )


def _interval_text(rec) -> str:
    """The bootstrap interval (files are the units) and the per-hold Wilson figure, labelled."""
    ci, lat, wilson = getattr(rec, "cutoff_ci", None), getattr(rec, "latency_ci", None), getattr(rec, "wilson_ci", None)
    if ci is None:
        return ""
    if ci[0] == ci[0]:
        fixed = getattr(rec, "latency_fixed_ms", None)
        latency = f"; {rec.latency_text}" if fixed is not None else f", mean latency {_ms(lat[0])}–{_ms(lat[1])}"
        text = (f"95% interval over recordings: cut-offs {_pct(ci[0])}–{_pct(ci[1])}{latency} "
                "(bootstrap; files are the independent units)")
    else:
        text = "95% interval over recordings: n/a (one recording)"
    if wilson is not None:
        text += (f"; per-hold Wilson {_pct(wilson[0])}–{_pct(wilson[1])} "
                 "(every hold independent: too narrow across calls)")
    side = getattr(rec, "side", None)
    if side:
        text += f". Side: {side}."
    return f'<p class="meta">{_e(text)}</p>'


def _how_close(stack: str, rec) -> str:
    silence_eq = rec.silence_equivalent_ms is not None
    if stack in ("assemblyai", "livekit_assemblyai", "pipecat_assemblyai"):
        from ..analysis.metrics import CONFIDENCE, model_rule

        return ("exact: the setting itself" if model_rule(rec.model) != CONFIDENCE
                else "exact setting; its effect is bracketed (the model's confidence is not simulated)")
    if stack == "livekit":
        return ("loose: the same two bounds, but LiveKit's own end-of-utterance model decides between them "
                "(not simulated here)")
    if stack in ("deepgram", "pipecat", "openai_realtime"):
        return ("close in cut-offs: one silence timer meeting the same cut-off target on these recordings; "
                "latency differs (no punctuation gate)" if silence_eq else
                "rough: max_turn_silence as a silence timer (no silence-only equivalent was found)")
    return "not simulated"


def _setting_text(params: dict) -> str:
    """``name = value`` pairs of one stack's parameters; nested ones dotted."""
    flat = []
    for name, value in params.items():
        flat += ([(f"{name}.{k}", v) for k, v in value.items()] if isinstance(value, dict) else [(name, value)])
    return "; ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in flat)


def _peer_stacks(rec) -> str:
    """`Recommendation.export` as a table: one row per stack, with how close each is."""
    table = pd.DataFrame([{"stack": _STACK_NAMES.get(stack, stack), "written_for": item.get("model", ""),
                           "setting": _setting_text(item["params"]), "how_close": _how_close(stack, rec),
                           "note": item["note"]}
                          for stack, item in rec.export().items()])
    return ("<h2>The same setting in other stacks</h2>"
            "<p>What <code>turntune recommend</code> prints: AssemblyAI's parameters, and the nearest knob "
            "elsewhere. Only AssemblyAI's rule is simulated on your recordings; the others are translations, "
            "as close as the column <i>how close</i> says. LiveKit and Pipecat take seconds.</p>"
            + _table(table, wrap=("written_for", "setting", "how_close", "note")))


def _benchmarks_section(rec) -> str:
    """eot-bench's four cells and TurnBench's figures, yours beside the published rows."""
    return ("<h2>Beside the field's benchmarks</h2>"
            "<p>LiveKit eot-bench's definitions: holds of 200–5000 ms, a cut-off when the endpointer fires inside "
            "one; a turn end never fired counts at the timeout (max_turn_silence); best cut-off rate within 300 / "
            "600 ms mean latency, best mean latency within 5 % / 10 % cut-offs. eot-bench's turns are single user "
            "turns given to an endpointer; yours are whole conversations: compare the kind, not the data.</p>"
            + _table(rec.eot_table())
            + "<p>Sesame TurnBench (human-human two-channel calls): false fires on mid-turn pauses and "
              "backchannels, median latency of detected turn ends, each system at its own operating point; "
              "yours: the chosen setting's cut-off rate and median latency.</p>"
            + _table(rec.turnbench_table()))


def _method(result, rec) -> str:
    """What was measured and how."""
    sources = pd.Series(result.speaker_sources, dtype=object).value_counts()
    speakers = "; ".join(f"{_SPEAKER_SOURCES.get(s, s)}: {n} file(s)" for s, n in sources.items()) or "no files"
    detectors = [n.split(": ", 1)[-1] for n in result.notes if "speech found by the offline" in n]
    items = [
        f"<b>Transcripts</b>: {_e(_BACKENDS.get(result.backend, result.backend))}"
        + (f"; {_e(detectors[0])}" if detectors else "") + ".",
        f"<b>Speakers</b>: {_e(speakers)}.",
        "<b>Counts</b>: from segment and word timings alone, as defined above; times in integer milliseconds.",
    ]
    if rec is not None:
        items += [
            f"<b>Simulator</b>: every hold and turn end replayed under {_e(_rule_text(rec.model))}"
            f"; settings swept up to max_turn_silence {rec.grid_max_ms:,} ms.",
            f"<b>Setting</b>: {_e(rec.starts_from_text())}. The preset fills what the setting leaves unset "
            "(the turn cap: a longer turn is force-ended and counted as a cut turn); interruption_delay delays "
            "the first partial, not the end of turn, and is in no latency figure.",
            f"<b>Choice</b>: the lowest mean latency with at most {rec.target_cutoff:.0%} false cut-offs"
            + ("" if rec.met_target else " (<b>not reached</b>: the setting with the fewest cut-offs is shown)")
            + (f"; the silence-only equivalent at the same target is {rec.silence_equivalent_ms:,} ms"
               if rec.silence_equivalent_ms is not None else "") + ".",
            f"<b>Intervals</b>: {rec.confidence:.0%}, {_e(rec.interval_method)}; with one recording there is no "
            "spread between recordings to measure and the interval is n/a. The per-hold Wilson interval treats "
            "every hold as independent and is too narrow across calls.",
        ]
        items += [f"<b>Note</b>: {_e(n)}." for n in getattr(rec, "notes", ()) or ()]
    return "<h2>Method</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _draw_tradeoff(result, recommendation, plot_tradeoff, ax):
    """The sweep of the recommendation's model, with the presets and the choice marked."""
    from ..analysis.frontier import pareto_frontier
    from ..analysis.presets import PRESETS
    from ..analysis.simulate import Simulator

    sim = Simulator.from_result(result)
    preset = {"mode": recommendation.config.mode, "speaker_labels": recommendation.config.speaker_labels}
    sweep = sim.sweep(recommendation.model, **preset)
    marks = {}
    for cfg in PRESETS.values():
        m = sim.evaluate(cfg, model=recommendation.model, **preset)
        marks[cfg.name] = (m.latency_mean_ms, m.cutoff_rate)
    marks["recommended"] = (recommendation.metrics.latency_mean_ms, recommendation.metrics.cutoff_rate)
    return plot_tradeoff(sweep, frontier=pareto_frontier(sweep), marks=marks, ax=ax)


def _figures(result, recommendation, chosen, guide) -> list:
    """(caption, inline SVG) of each figure, drawn in the ``css`` theme."""
    from .plots import figure_svg, plot_offsets, plot_pause_ecdf, plot_per_file, plot_tradeoff

    def svg(draw, height=4.2):
        return figure_svg(draw, width=8.0, height=height, theme="css")

    figs = []
    if len(result.transitions):
        figs.append(("Each speaker change's offset: the next speaker's start minus the end of the floor holder's "
                     "talk; overlaps left of zero, gaps right (values beyond the axis piled at its ends).",
                     svg(lambda ax: plot_offsets(result.transitions, ax=ax))))
    if len(result.pauses):
        cfg = chosen or guide
        figs.append(("Share of pauses inside turns up to each length (log axis), with the recommended "
                     "thresholds: the pauses right of a line are those a timer of that length would cut.", svg(
            lambda ax: plot_pause_ecdf(result.pauses, cfg.min_turn_silence, cfg.max_turn_silence, ax=ax))))
    if len(result.transitions):
        n_files = result.transitions[C.FILE].astype(str).nunique()
        figs.append(("Speaker-change offsets per file: each point one change; a box (quartiles, whiskers "
                     "to 1.5 IQR) only where a file has at least 8.", svg(
            lambda ax: plot_per_file(result.transitions, ax=ax), height=max(2.6, 1.4 + 0.45 * n_files))))
    holds = result.pauses[result.pauses[C.PAUSE_MS] >= HOLD_MIN_MS] if len(result.pauses) else result.pauses
    n_speakers = holds[C.FLOOR_SPEAKER].astype(str).nunique() if len(holds) else 0
    if 2 <= n_speakers <= MAX_SPEAKER_ROWS:
        figs.append(("Holds (pauses of at least 100 ms inside turns) by speaker label, all files together: who "
                     "pauses longer is who a short setting cuts off (labels are per file: the same label in two "
                     "files is the same person only when the channels or roles make it so).", svg(
                         lambda ax: plot_per_file(holds, x=C.PAUSE_MS, y=C.FLOOR_SPEAKER, hue=None, kinds=None,
                                                  ax=ax), height=max(2.6, 1.4 + 0.45 * n_speakers))))
    if chosen is not None:
        figs.append(("Trade-off: false cut-offs against latency. Grey: every setting swept; line: the "
                     "settings no other beats on both; marked: the presets and the recommendation.", svg(
            lambda ax: _draw_tradeoff(result, recommendation, plot_tradeoff, ax))))
    return figs


def _per_file(files: pd.DataFrame) -> str:
    """The per-file tables: one of speakers and transitions, one of gaps and pauses."""
    turns = files[["filename", "speaker_source", "speakers", "utterances", "gaps", "overlaps", "overlap_share",
                   "contained", "pauses"]]
    timing = files[["filename", "total_gaps", "average_gap_ms", "median_gap_ms", "floor_transfer_median_ms",
                    "pause_p10_ms", "pause_median_ms", "pause_p90_ms"]]
    return ("<h2>Per file</h2><h3>Speakers and transitions</h3>" + _table(turns)
            + "<h3>Gaps and pauses</h3>" + _table(timing, caption=(
                "Gaps (guide): the guide's count and its mean and median; floor transfer: gaps and overlaps "
                "on one signed axis; pauses: inside turns.")))


# --------------------------------------------------------------------------- the report
def render_report(result, recommendation=None, title: str = "Turn-taking analysis", theme: str = "auto",
                  agent=None) -> str:
    """The report as an HTML string.

    Parameters
    ----------
    result : AnalysisResult
    recommendation : optional
        A data-driven recommendation from `turntune_nb.analysis.recommend.recommend_config`;
        computed here when none is given.
    title : str
    theme : {"auto", "light", "dark"}
        ``auto`` follows the reader's light or dark setting (CSS ``prefers-color-scheme``).
    agent : AgentReport, optional
        A deployed agent's calls: its section (`report_agent`) follows the figures.
    """
    if theme not in REPORT_THEMES:
        from ..errors import ConfigError

        raise ConfigError(f"theme must be one of {', '.join(REPORT_THEMES)}, got {theme!r}")
    if recommendation is None:
        from ..analysis.recommend import recommend_config

        if len(result.pauses) + len(result.turn_ends):
            try:
                recommendation = recommend_config(result)
            except Exception:  # a report never fails for want of a recommendation
                recommendation = None

    guide = result.recommendation
    chosen = getattr(recommendation, "config", None)
    o = result.overall
    parts = [f"<h1>{_e(title)}</h1>",
             f'<p class="meta">{len(result.transcripts)} file(s), analysed with the {_e(result.backend)} '
             f"backend on {_e(when(result.analysis_date))}; report written {when(datetime.now())}.</p>"]
    warnings = list(dict.fromkeys([*result.caveats, *(getattr(recommendation, "warnings", ()) or ())]))
    if warnings:
        parts.append("<h2>Read first</h2>" + "".join(f'<p class="warn">{_e(w)}</p>' for w in warnings))

    cards = [_config_card("The guide's preset (average gap rule)", guide)]
    if chosen is not None:
        metrics = getattr(recommendation, "metrics", None)
        extra = ""
        if metrics is not None:
            rate = getattr(metrics, "cutoff_rate", None)
            lat = getattr(metrics, "latency_mean_ms", None)
            if rate is not None and lat is not None:
                shown_rate = "n/a" if rate != rate else f"{rate:.1%}"  # NaN: no holds to count
                extra = f"<p>false cut-offs <b>{shown_rate}</b>, mean latency <b>{lat:.0f} ms</b></p>"
                extra += _interval_text(recommendation)
        if hasattr(recommendation, "starts_from_text"):
            extra += f'<p class="meta">{_e(recommendation.starts_from_text())}</p>'
        cards.append(_config_card("Data-driven (cut-offs vs latency on these recordings)", chosen, extra))
    parts.append('<h2>Recommendation</h2><div class="cards">' + "".join(cards) + "</div>")
    if chosen is not None and hasattr(recommendation, "export"):
        parts.append(_peer_stacks(recommendation))

    parts.append(_definitions(result, recommendation))
    parts.append("<h2>Overall</h2>")
    if o.get("overall_average_gap_ms") is not None:
        keys = ("total_files_analyzed", "total_utterances", "total_gaps", "overall_average_gap_ms",
                "overall_median_gap_ms", "overall_min_gap_ms", "overall_max_gap_ms", "variability_ratio",
                "variability")
        parts.append(_table(pd.DataFrame([{k: o[k] for k in keys}]),
                            caption="The guide's gap statistics, over the files with a gap."))
    share = result.overlap_share
    n = _all_files_counts(result)
    if share is not None:
        parts.append(f"<p>{share:.0%} of speaker changes overlap ({_count(n[C.OVERLAP])} of "
                     f"{_count(n[C.GAP] + n[C.OVERLAP])}; the guide's figures leave these out).</p>")
    ts = result.transition_summary
    overall_ts = ts[ts[C.FILE] == "(all files)"].drop(columns=[C.FILE]).copy()
    overall_ts[C.KIND] = overall_ts[C.KIND].map(lambda k: _KIND_NAMES.get(k, k))
    parts.append("<h3>Transitions, all files</h3>" + _table(overall_ts, caption=(
        "Offsets: the next segment's start minus the end of the floor holder's talk (negative: overlap).")))

    if result.transcripts:  # (the files table of an empty result cannot be built)
        parts.append(_per_file(result.files))
    figs = _figures(result, recommendation, chosen, guide)
    # figures go in after the scrub (their text scrubbed on its own): drawing data is not prose
    parts.append("<h2>Figures</h2>" + "".join(
        f'<figure role="img" aria-label="{_e(t)}">@@figure-{i}@@<figcaption>{_e(t)}</figcaption></figure>'
        for i, (t, _) in enumerate(figs)))
    if agent is not None:  # a deployed agent's calls (`report_agent`), its figures numbered after these
        from .report_agent import agent_section

        section, more = agent_section(agent, _table, len(figs))
        parts, figs = [*parts, section], [*figs, *more]

    if getattr(recommendation, "eot_cells", None):
        parts.append(_benchmarks_section(recommendation))
    parts.append(_method(result, recommendation))
    if result.skipped:
        parts.append("<h2>Skipped files</h2><ul>" + "".join(
            f"<li>{_e(s['filename'])}: {_e(s['reason'])}</li>" for s in result.skipped) + "</ul>")
    if result.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in result.notes) + "</ul>")
    body = "\n".join(parts)
    palette = {"light": f":root{{color-scheme:light;{_LIGHT}}}", "dark": f":root{{color-scheme:dark;{_DARK}}}",
               "auto": f":root{{color-scheme:light dark;{_LIGHT}}}"
                       f"@media (prefers-color-scheme: dark){{:root{{{_DARK}}}}}"}[theme]
    doc = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<title>{_e(title)}</title><style>{palette}{_CSS}</style></head>"
           f"<body><main>\n{body}\n</main></body></html>\n")
    doc = _scrub(doc)
    for i, (_, svg) in enumerate(figs):
        doc = doc.replace(f"@@figure-{i}@@", _scrub_svg(svg))
    return doc


def write_report(result, path="turntune-report.html", recommendation=None, title: str = "Turn-taking analysis",
                 theme: str = "auto", agent=None) -> Path:
    """Write the report to `path` (atomically) and return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from turntune_nb import analyze_transcripts, read_rttm
    >>> out = write_report(analyze_transcripts(read_rttm("samples/real/sample.rttm")),
    ...                    pathlib.Path(tempfile.mkdtemp()) / "report.html")
    >>> "<script" in out.read_text()
    False
    """
    path = Path(path)
    atomic_write_text(path, render_report(result, recommendation, title, theme, agent))  # unique temporary name, 0600
    return path
