"""`AnalysisResult`: every figure of one analysis run.

`analyze_transcripts` is the single place where transcripts become figures; the
folder and API front ends (`analyze_folder`, the CLI, the notebooks) all end here.
The summary JSON a result saves, and reading it back, are
`turntune_nb.analysis.summaries` (`SavedSummary`, `load_summary` and `latest_summary`
are importable from here too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from . import columns as C
from .display import format_value
from .gaps import (
    ALL_FILES,
    VARIABILITY_TEXT,
    floor_transfer_offsets,
    guide_statistics,
    summarize_transitions,
    summarize_values,
)
from .html import result_html
from .model import (
    SPEAKERS_FROM_DIARISATION,
    SPEAKERS_UNKNOWN,
    Transcript,
    transcripts_to_frame,
    words_to_frame,
)
from .presets import StreamingConfig, recommend_preset
from .speakers import role_table, speaker_table
from .summaries import SavedSummary, latest_summary, load_summary, save_summary, summary_json
from .tables import write_csv, write_excel
from .transitions import compute_transitions
from .turns import compute_pauses, compute_turn_ends

__all__ = ("AnalysisResult", "analyze_transcripts", "analyze_transcripts_isolated", "SavedSummary", "load_summary",
           "latest_summary", "speaker_source_of", "SPEAKERS_FROM_TRANSCRIPT", "result_caveats", "caveats_from_sources",
           "guide_recommendation", "unknown_as_nan")

#: `speaker_source_of` for a transcript whose own speaker labels are taken as they are.
SPEAKERS_FROM_TRANSCRIPT = "transcript"
#: The kinds that exist only where speakers are known: speaker changes and backchannels.
_SPEAKER_CHANGE_KINDS = (C.GAP, C.OVERLAP, C.CONTAINED)


def speaker_source_of(transcript: Transcript) -> str:
    """How a transcript's speakers were found: ``channels``, ``diarisation``, ``unknown`` or ``transcript``.

    A transcript that says nothing is ``unknown`` when all its speech is one
    ``UNKNOWN`` speaker, else ``transcript`` (its own labels).

    Examples
    --------
    >>> from turntune_nb.analysis.model import Utterance
    >>> speaker_source_of(Transcript("a.wav", [Utterance("UNKNOWN", 0, 10)]))
    'unknown'
    >>> speaker_source_of(Transcript("b.json", [Utterance("A", 0, 10)]))
    'transcript'
    """
    if transcript.speaker_source is not None:
        return transcript.speaker_source
    if transcript.utterances and set(transcript.speakers) == {C.UNKNOWN_SPEAKER}:
        return SPEAKERS_UNKNOWN
    return SPEAKERS_FROM_TRANSCRIPT


def _speaker_caveats(transcripts) -> list[str]:
    """Warnings a recommendation must carry: unknown or estimated speakers, machine-found speech."""
    return caveats_from_sources({t.name: speaker_source_of(t) for t in transcripts},
                                [n for t in transcripts for n in t.notes])


def caveats_from_sources(sources: dict, notes=()) -> list[str]:
    """The caveats of a run from each file's speaker source (`speaker_source_of`) and the
    transcripts' notes (only the offline detector's are caveats): what `analyze_transcripts`
    reports, and what a distributed run (`turntune_nb.dataset`) builds from its workers'
    small per-file summaries."""
    out = []
    unknown = [n for n, s in sources.items() if s == SPEAKERS_UNKNOWN]
    if unknown:
        out.append(
            f"SPEAKERS UNKNOWN in {len(unknown)} of {len(sources)} file(s) ({', '.join(unknown[:5])}"
            f"{', ...' if len(unknown) > 5 else ''}): all speech there is one undivided speaker, so speaker "
            "changes, gaps, overlaps and backchannels are unknown (not 0), every silence between two people "
            "is counted as a pause inside a turn, and turn ends are missing: the cut-off rate and latency "
            "are not to be trusted. Use two-channel recordings, diarisation (--speakers N) or transcripts "
            "with speaker labels"
        )
    diarised = [n for n, s in sources.items() if s == SPEAKERS_FROM_DIARISATION]
    if diarised:
        out.append(f"speakers in {len(diarised)} file(s) were told apart by offline diarisation (estimated from "
                   "voices, not known): speaker changes carry its errors")
    out += list(dict.fromkeys(n for n in notes if n.startswith("speech found by the offline")))
    return out


def guide_recommendation(overall: dict, sources: dict, backend: str) -> StreamingConfig:
    """The guide's preset for the overall figures (`recommend_preset`), its reason flagged when
    some files' speakers are unknown; `sources` maps each file to its speaker source."""
    unknown = [n for n, v in sources.items() if v == SPEAKERS_UNKNOWN]
    recommendation = recommend_preset(
        overall["overall_average_gap_ms"], overall["total_files_analyzed"], overall["total_gaps"],
        {"source": backend, "speaker_sources": sorted(set(sources.values()))},
    )
    if unknown and overall["overall_average_gap_ms"] is not None:
        evidence = dict(recommendation.evidence)
        evidence["reason"] = (
            f"SPEAKERS UNKNOWN in {len(unknown)} of {len(sources)} file(s): the 'gaps' there are silences between "
            "speech segments of one undivided speaker, pauses inside turns and gaps between people mixed, so "
            "this preset rests on an unknown number of real speaker changes. " + evidence["reason"])
        evidence["speaker_changes_known"] = False
        recommendation = StreamingConfig(**{**recommendation.to_dict(), "evidence": evidence})
    return recommendation


def result_caveats(result_or_summary) -> list[str]:
    """The caveats of an `AnalysisResult` or a `SavedSummary` (empty for anything else)."""
    caveats = getattr(result_or_summary, "caveats", None)
    if caveats is None and isinstance(getattr(result_or_summary, "summary", None), dict):
        caveats = result_or_summary.summary.get("caveats")
    return list(caveats or [])


@dataclass
class AnalysisResult:
    """The figures of one analysis: per file and across all files.

    Attributes
    ----------
    transcripts : list of Transcript
    per_file : DataFrame
        The guide's per-file statistics (files with gaps only).
    overall : dict
        The guide's aggregated statistics (true median), plus variability.
    skipped : list of dict
        ``{"filename", "reason"}`` for every file not in `per_file`: unreadable,
        failed transcription, fewer than 2 utterances, no positive gap.
    transitions, transition_summary, pauses, pause_summary, turn_ends : DataFrame
        See `turntune_nb.analysis.gaps`.
    recommendation : StreamingConfig
        The guide's preset choice, with its evidence.
    backend : str
        What produced the transcripts (``"transcripts"``, ``"assemblyai"``, ``"offline"``).
    """

    transcripts: list
    per_file: pd.DataFrame
    overall: dict
    skipped: list
    transitions: pd.DataFrame
    transition_summary: pd.DataFrame
    pauses: pd.DataFrame
    pause_summary: pd.DataFrame
    turn_ends: pd.DataFrame
    recommendation: StreamingConfig
    utterances: pd.DataFrame
    words: pd.DataFrame
    folder_path: str | None = None
    backend: str = "transcripts"
    analysis_date: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    notes: list = field(default_factory=list)
    side: str | None = None  # set by `for_speakers`: the speakers or channels the figures are restricted to
    interrupted: bool = False  # the run was interrupted: files not finished are in `skipped`
    caveats: list = field(default_factory=list)

    # ------------------------------------------------------------------ views
    @property
    def speaker_sources(self) -> dict:
        """File name -> how its speakers were found (`speaker_source_of`)."""
        return {t.name: speaker_source_of(t) for t in self.transcripts}
    @property
    def files(self) -> pd.DataFrame:
        """One row per transcript: counts from every table, side by side."""
        names = [t.name for t in self.transcripts]
        base = pd.DataFrame({
            "filename": pd.Series(names, dtype=object),  # object even when empty
            "source": [t.source for t in self.transcripts],
            "speaker_source": [speaker_source_of(t) for t in self.transcripts],
            "speakers": [len(t.speakers) for t in self.transcripts],
            "utterances": [len(t.utterances) for t in self.transcripts],
        })
        guide = self.per_file.set_index("filename")[["average_gap_ms", "median_gap_ms", "total_gaps"]]
        base = base.join(guide, on="filename")
        ts = self.transition_summary
        for kind, column in ((C.GAP, "gaps"), (C.OVERLAP, "overlaps"), (C.PAUSE, "pauses"), (C.CONTAINED, "contained")):
            counts = ts[ts[C.KIND] == kind].set_index(C.FILE)["count"]
            base[column] = base["filename"].map(counts).fillna(0).astype(int)
        unknown = base["speaker_source"] == SPEAKERS_UNKNOWN
        if unknown.any():  # speaker changes cannot be counted there: unknown, not 0
            for column in ("gaps", "overlaps", "contained"):
                base[column] = base[column].astype("Int64").mask(unknown)
        changes = (base["gaps"] + base["overlaps"]).astype(float)
        base["overlap_share"] = np.where(changes > 0, base["overlaps"].astype(float) / changes.where(changes > 0, 1),
                                         np.nan)
        ps = self.pause_summary.set_index(C.FILE)
        base["pause_median_ms"] = base["filename"].map(ps["median_ms"])
        base["pause_p90_ms"] = base["filename"].map(ps["p90_ms"])
        base["pause_p10_ms"] = base["filename"].map(ps["p10_ms"])
        fto = self.floor_transfer.set_index(C.FILE)
        base["floor_transfer_median_ms"] = base["filename"].map(fto["median_ms"])
        return base

    @property
    def floor_transfer(self) -> pd.DataFrame:
        """Floor-transfer offsets per file and overall: gaps and overlaps on one signed axis
        (`turntune_nb.analysis.gaps.floor_transfer_offsets`)."""
        return floor_transfer_offsets(self.transitions)

    def for_speakers(self, speakers=None, channels=None, roles=None, holds: str = "own") -> AnalysisResult:
        """The same analysis restricted to one side (speakers, 0-based channels or role names).

        Turn ends keep the rows of the side's speakers, pauses those of its own
        silences (``holds="own"``, the default) or of the floor holder
        (``"floor"``; `turntune_nb.analysis.sides.select_side`); transitions keep those that
        follow the chosen speakers' talk (``prev_speaker``); their summaries are
        recomputed. The guide's gap statistics and preset stay those of the whole
        conversation (a note says so). `recommend_config` and `Simulator.from_result`
        take the result as they take any other.
        """
        from dataclasses import replace

        from .sides import select_side

        pauses, turn_ends, side = select_side(self.pauses, self.turn_ends, speakers, channels, roles, holds)
        if side is None:
            return self
        kept = set(pauses[C.FLOOR_SPEAKER].astype(str) if C.FLOOR_SPEAKER in pauses else []) | set(
            turn_ends[C.SPEAKER].astype(str))
        transitions = self.transitions[self.transitions[C.PREV_SPEAKER].astype(str).isin(kept)].reset_index(drop=True)
        return replace(
            self, pauses=pauses, turn_ends=turn_ends, transitions=transitions,
            transition_summary=summarize_transitions(transitions),
            pause_summary=summarize_values(pauses, C.PAUSE_MS, by=(C.FILE,)), side=side,
            notes=list(self.notes) + [f"restricted to {side}: pauses ({holds} holds), turn ends and transitions "
                                      "are theirs; the guide's gap statistics and preset are of the whole "
                                      "conversation"],
        )

    @property
    def overlap_share(self) -> float | None:
        """Share of speaker changes (gaps + overlaps) that overlap, over all files."""
        ts = self.transition_summary
        row = ts[(ts[C.FILE] == ALL_FILES) & (ts[C.KIND] == C.OVERLAP)]
        v = float(row["share_of_speaker_changes"].iloc[0]) if len(row) else float("nan")
        return None if math.isnan(v) else v

    def __repr__(self) -> str:
        avg = self.overall.get("overall_average_gap_ms")
        return (f"<AnalysisResult: {len(self.transcripts)} file(s) read ({format_value('backend', self.backend)}), "
                f"{len(self.skipped)} skipped, mean gap {'unknown' if avg is None else f'{avg:.0f} ms'}, "
                f"recommendation {self.recommendation.name}>")

    def _repr_html_(self) -> str:
        return result_html(self)  # caveats first, one table per concept (turntune_nb.analysis.html)

    @property
    def speakers(self) -> pd.DataFrame:
        """One row per file and speaker (`turntune_nb.analysis.speakers.speaker_table`)."""
        return speaker_table(self)

    def roles(self, roles, setting=None, model=None) -> pd.DataFrame:
        """One row per role across files, e.g. ``roles("agent=A,customer=B")`` (`speakers.role_table`)."""
        return role_table(self, roles, setting, model)

    def to_csv(self, folder, prefix: str = "", **options) -> dict:
        """One CSV per table, readable headers, files 0600 (`turntune_nb.analysis.tables.write_csv`)."""
        return write_csv(self, folder, prefix, **options)

    def to_excel(self, path, **options) -> Path:
        """One sheet per table, files 0600; needs ``turntune_nb[excel]`` (`turntune_nb.analysis.tables.write_excel`)."""
        return write_excel(self, path, **options)

    # ------------------------------------------------------------------ output
    def to_summary(self) -> dict:
        """The summary JSON (a superset of the guide's keys; `turntune_nb.analysis.summaries.summary_json`)."""
        return summary_json(self)

    def save(self, out_dir=".", filename: str | None = None, format: str = "csv") -> Path:
        """Write the summary JSON into `out_dir` and return its path; the pause and turn-end
        tables go beside it, as CSV or Parquet (`turntune_nb.analysis.summaries.save_summary`)."""
        return save_summary(self, out_dir, filename, format)

    def summary_text(self) -> str:
        """A readable report: per-file table, overall figures, variability, the recommendation and why."""
        o = self.overall
        lines = ["MULTI-FILE UTTERANCE GAP ANALYSIS", "=" * 70]
        lines += [f"!! {c}" for c in self.caveats if c.startswith("SPEAKERS UNKNOWN")]
        lines.append(f"Files: {len(self.transcripts)} read, {o['total_files_analyzed']} with gaps "
                     f"(backend: {self.backend})")
        if len(self.transcripts):
            table = self.files.copy()
            for c in ("average_gap_ms", "median_gap_ms", "pause_median_ms", "pause_p90_ms"):
                table[c] = table[c].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
            table["overlap_share"] = table["overlap_share"].map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
            table["total_gaps"] = table["total_gaps"].map(lambda v: "" if pd.isna(v) else f"{int(v)}")
            lines += ["", table.to_string(index=False)]
        if o["overall_average_gap_ms"] is not None:
            lines += [
                "",
                f"Total utterances (files with gaps): {o['total_utterances']}",
                f"Total gaps analyzed: {o['total_gaps']}",
                f"Overall average gap: {o['overall_average_gap_ms']:.0f} ms "
                f"({o['overall_average_gap_ms'] / 1000:.2f} seconds)",
                f"Overall median gap:  {o['overall_median_gap_ms']:.0f} ms",
                f"Overall minimum gap: {o['overall_min_gap_ms']:.0f} ms",
                f"Overall maximum gap: {o['overall_max_gap_ms']:.0f} ms",
                f"Average of file averages: {o['average_of_file_averages_ms']:.0f} ms",
                f"Variability ratio: {o['variability_ratio']:.2f}x -> {o['variability']} variability - "
                f"{VARIABILITY_TEXT[o['variability']]}",
            ]
        share = self.overlap_share
        if share is not None:
            lines.append(f"Speaker changes that overlap: {share:.0%} (the guide's figures leave these out)")
        elif any(v == SPEAKERS_UNKNOWN for v in self.speaker_sources.values()):
            lines.append("Speaker changes: unknown (speakers unknown; see the caveats)")
        if len(self.pauses):
            p = self.pauses[C.PAUSE_MS]
            lines.append(
                f"Pauses inside turns: {len(p)}, median {p.median():.0f} ms, p90 {p.quantile(0.9):.0f} ms, "
                f"{(p > 500).mean():.0%} over 500 ms"
            )
        fto = self.floor_transfer
        fto = fto[fto[C.FILE] == ALL_FILES]
        if len(fto) and fto["count"].iloc[0]:
            r = fto.iloc[0]
            lines.append(
                f"Floor-transfer offsets (gaps and overlaps on one axis): {int(r['count'])}, median "
                f"{r['median_ms']:.0f} ms, p10 {r['p10_ms']:.0f} ms, p90 {r['p90_ms']:.0f} ms"
            )
        r = self.recommendation
        lines += [
            "",
            f"Recommended configuration (the guide's rule): {r.name}",
            f"  min_turn_silence: {r.min_turn_silence} ms",
            f"  max_turn_silence: {r.max_turn_silence} ms",
            f"  Reasoning: {r.evidence.get('reason', r.description)}",
            f"  Use cases: {r.use_cases}",
        ]
        if self.skipped:
            lines += ["", "Skipped files:"] + [f"  - {s['filename']}: {s['reason']}" for s in self.skipped]
        if self.caveats:
            lines += ["", "Caveats:"] + [f"  - {c}" for c in self.caveats]
        if self.notes:
            lines += ["", "Notes:"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)


def analyze_transcripts(transcripts, folder_path=None, failed=(), backend: str = "transcripts",
                        notes=()) -> AnalysisResult:
    """Compute every figure for a set of transcripts.

    Parameters
    ----------
    transcripts : iterable of Transcript
    folder_path : str, optional
        Recorded in the summary as the guide does.
    failed : iterable of dict
        Files that could not be read or transcribed (``{"filename", "reason"}``);
        they are listed as skipped.
    backend : str
        What produced the transcripts.

    Examples
    --------
    >>> from turntune_nb.analysis.readers import read_rttm
    >>> result = analyze_transcripts(read_rttm("samples/real/sample.rttm"))
    >>> result.overall["total_gaps"], result.recommendation.name
    (3, 'Conservative')
    """
    transcripts = list(transcripts)
    names = [t.name for t in transcripts]
    if len(set(names)) != len(names):
        seen, renamed = {}, []
        for t in transcripts:
            n = seen.get(t.name, 0)
            seen[t.name] = n + 1
            renamed.append(t if n == 0 else Transcript(f"{t.name}#{n + 1}", t.utterances, t.source, t.notes,
                                                       t.duration_ms, speaker_source=t.speaker_source))
        transcripts = renamed
    utterances = transcripts_to_frame(transcripts)
    words = words_to_frame(transcripts)
    per_file, overall, too_few = guide_statistics(utterances)
    transitions = compute_transitions(utterances)
    pauses = compute_pauses(utterances, words)
    pause_summary = summarize_values(pauses, C.PAUSE_MS, by=(C.FILE,))
    turn_ends = compute_turn_ends(utterances, words)
    sources = {t.name: speaker_source_of(t) for t in transcripts}
    unknown = [n for n, v in sources.items() if v == SPEAKERS_UNKNOWN]
    recommendation = guide_recommendation(overall, sources, backend)
    transition_summary = unknown_as_nan(summarize_transitions(transitions), unknown, len(unknown) == len(sources))
    all_notes = list(notes) + [f"{t.name}: {n}" for t in transcripts for n in t.notes]
    skipped = [dict(s) for s in failed] + [dict(s, stage="analyze") for s in too_few]
    return AnalysisResult(
        transcripts=transcripts,
        per_file=per_file,
        overall=overall,
        skipped=skipped,
        transitions=transitions,
        transition_summary=transition_summary,
        pauses=pauses,
        pause_summary=pause_summary,
        turn_ends=turn_ends,
        recommendation=recommendation,
        utterances=utterances,
        words=words,
        folder_path=None if folder_path is None else str(folder_path),
        backend=backend,
        notes=all_notes,
        caveats=_speaker_caveats(transcripts),
    )


def analyze_transcripts_isolated(transcripts, folder_path=None, failed=(), backend: str = "transcripts",
                                 notes=()) -> AnalysisResult:
    """`analyze_transcripts`, where a file whose analysis raises becomes that file's failure.

    The files are analysed together as usual; only if that raises is each analysed
    alone, and those that raise are listed in ``skipped`` (stage ``analyze``, with the
    reason and ``"error": True``) while the others are analysed together again.
    """
    transcripts, failed = list(transcripts), [dict(f) for f in failed]
    try:
        return analyze_transcripts(transcripts, folder_path, failed, backend, notes)
    except Exception:
        if not transcripts:
            raise
    good = []
    for t in transcripts:
        try:
            analyze_transcripts([t])
            good.append(t)
        except Exception as err:  # this file's failure, not the run's
            failed.append({"filename": t.name, "reason": f"could not be analysed ({type(err).__name__}: {err})",
                           "stage": "analyze", "error": True})
    return analyze_transcripts(good, folder_path, failed, backend, notes)


def unknown_as_nan(summary: pd.DataFrame, unknown: list, all_unknown: bool) -> pd.DataFrame:
    """Speaker-change rows of files whose speakers are unknown: NaN, not 0 (and the all-files
    rows when every file's are)."""
    if not unknown:
        return summary
    files = list(unknown) + ([ALL_FILES] if all_unknown else [])
    rows = summary[C.FILE].astype(str).isin(files) & summary[C.KIND].astype(str).isin(_SPEAKER_CHANGE_KINDS)
    out = summary.copy()
    numeric = [c for c in out.columns if c not in (C.FILE, C.KIND)]
    out[numeric] = out[numeric].astype(float)
    out.loc[rows, numeric] = np.nan
    return out
