"""Pauses inside turns and where turns end, read off the links between segments.

Pauses inside turns (`compute_pauses`) come from word timings when there are words
(the silence between consecutive words of an utterance, with the word before it),
plus the same-speaker ``pause`` transitions between utterances
(`turntune_nb.analysis.transitions`). Turn ends (`compute_turn_ends`) are the
predecessors of ``gap`` and ``overlap`` transitions and the last segment of each
file, with the silence until the next speaker starts.

A pause has a floor holder: the pausing speaker, except inside a backchannel, where
the speaker whose talk contains it holds the floor (what the simulator charges the
pause to).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import columns as C
from .model import TERMINAL_PUNCTUATION
from .transitions import MERGE_MS, classify, file_codes, merge_and_link, speaker_column

__all__ = ("compute_pauses", "compute_turn_ends")


def _ints(series: pd.Series) -> np.ndarray:
    return series.to_numpy(np.int64)


def _last_words(utterances: pd.DataFrame, words: pd.DataFrame | None) -> np.ndarray:
    """The text of each utterance's last word ("" when it has no words)."""
    out = np.full(len(utterances), "", dtype=object)
    if words is not None and len(words):
        w = words.sort_values([C.UTTERANCE, C.END_MS, C.START_MS], kind="stable")
        last = w.drop_duplicates(C.UTTERANCE, keep="last")
        out[last[C.UTTERANCE].to_numpy(np.int64)] = last[C.TEXT].to_numpy(object)
    return out


def _terminal(texts) -> np.ndarray:
    s = pd.Series(texts, dtype="object").fillna("").str.rstrip()
    return s.str.endswith(TERMINAL_PUNCTUATION).to_numpy(bool)


def _row_channels(utterances: pd.DataFrame, rows: np.ndarray) -> pd.array:
    """The ``channel`` of the given utterance rows (NA where unknown or absent)."""
    if C.CHANNEL in utterances:
        return pd.array(utterances[C.CHANNEL].to_numpy(object)[rows], dtype="Int64")
    return pd.array(np.full(len(rows), pd.NA, dtype=object), dtype="Int64")


def compute_pauses(utterances: pd.DataFrame, words: pd.DataFrame | None = None,
                   merge_ms: int = MERGE_MS) -> pd.DataFrame:
    """Silences inside speakers' turns.

    From word timings (``level = "words"``): the silence between consecutive words
    of one utterance, with the word before it and whether that word ends in
    ``.``, ``?`` or ``!``. Words that overlap leave no silence between them: a
    silence starts at the latest end of the words so far, and the word before it
    is the one that ended there. Silences of at most `merge_ms` between words are
    not pauses, as segments that close are merged (word timings keep 1-10 ms
    slivers a segmentation would not). From segments: every ``pause`` transition
    (the same speaker again with nobody taking the floor between); its level is
    ``"words"`` when the utterance before it has words (the word before is then
    known), else ``"segments"`` (terminal unknown).

    ``floor_speaker`` is who holds the floor where the pause lies: the pausing
    speaker, except inside a backchannel (a ``contained`` segment), where it is
    the speaker whose talk contains it. ``channel`` is the pausing utterance's
    audio channel (NA when unknown).

    Parameters
    ----------
    utterances : DataFrame
        Utterance table.
    words : DataFrame, optional
        Word table whose ``utterance`` column is the row position in `utterances`
        (as `turntune_nb.analysis.model.words_to_frame` makes it).
    merge_ms : int
        Silences of at most this many ms are not pauses.

    Examples
    --------
    >>> from turntune_nb.analysis.model import Transcript, Utterance, Word
    >>> u = Utterance("A", 0, 900, "a b c", (Word("a", 0, 200), Word("b", 208, 400), Word("c", 700, 900)))
    >>> t = Transcript("f", [u])
    >>> compute_pauses(t.to_frame(), t.words_frame())["pause_ms"].tolist()
    [300]
    """
    cols = [C.FILE, C.SPEAKER, C.UTTERANCE, C.START_MS, C.END_MS, C.PAUSE_MS, C.WORD_BEFORE, C.TERMINAL, C.LEVEL,
            C.FLOOR_SPEAKER, C.CHANNEL]
    fcodes, fnames = file_codes(utterances[C.FILE])
    m = merge_and_link(utterances, merge_ms)
    rows, kind = classify(m)
    snames = m["speaker_names"]
    # the floor holder of each merged segment: its own speaker, or its predecessor's when contained
    floor_code = m["speaker"].copy()
    inside = rows[kind == C.KINDS.index(C.CONTAINED)]
    floor_code[inside] = m["speaker"][m["pred"][inside]]
    parts = []
    if words is not None and len(words):
        w = words.sort_values([C.UTTERANCE, C.START_MS, C.END_MS], kind="stable")
        utt = w[C.UTTERANCE].to_numpy(np.int64)
        ws, we = _ints(w[C.START_MS]), _ints(w[C.END_MS])
        texts = w[C.TEXT].to_numpy(object)
        span = int(we.max()) + 1
        running = np.maximum.accumulate(we + utt * span)
        running_end = running - utt * span
        # when words overlap, the silence starts at the latest end so far: the word
        # before it is the last word (in start order) that ends there
        ends_there = np.maximum.accumulate(np.where(we + utt * span == running, np.arange(len(we)), 0))
        pause = ws[1:] - running_end[:-1]
        keep = (utt[1:] == utt[:-1]) & (pause > merge_ms)
        u = utt[1:][keep]
        before = texts[ends_there[:-1][keep]]
        parts.append(pd.DataFrame({
            C.FILE: fcodes[u], C.SPEAKER: speaker_column(m["speaker"][m["row_seg"][u]], snames), C.UTTERANCE: u,
            C.START_MS: running_end[:-1][keep], C.END_MS: ws[1:][keep], C.PAUSE_MS: pause[keep],
            C.WORD_BEFORE: before, C.TERMINAL: pd.array(_terminal(before), dtype="boolean"),
            C.LEVEL: C.WORD_LEVEL,
            C.FLOOR_SPEAKER: speaker_column(floor_code[m["row_seg"][u]], snames),
            C.CHANNEL: _row_channels(utterances, u),
        }))
    sel = rows[kind == C.KINDS.index(C.PAUSE)]
    if len(sel):
        p = m["pred"][sel]
        prev_row = m["last_row"][p]
        last_words = _last_words(utterances, words)[prev_row]
        has_word = last_words != ""
        term = pd.array(np.where(has_word, _terminal(last_words), False), dtype="boolean")
        term[~has_word] = pd.NA
        parts.append(pd.DataFrame({
            C.FILE: m["file"][sel], C.SPEAKER: speaker_column(m["speaker"][sel], snames),
            C.UTTERANCE: prev_row, C.START_MS: m["end"][p], C.END_MS: m["start"][sel],
            C.PAUSE_MS: m["start"][sel] - m["end"][p], C.WORD_BEFORE: last_words, C.TERMINAL: term,
            C.LEVEL: np.where(has_word, C.WORD_LEVEL, C.SEGMENT_LEVEL),
            C.FLOOR_SPEAKER: speaker_column(floor_code[sel], snames),
            C.CHANNEL: _row_channels(utterances, prev_row),
        }))
    if not parts:
        empty = pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
        empty[C.FILE] = pd.Categorical([], categories=fnames)
        empty[C.SPEAKER] = empty[C.FLOOR_SPEAKER] = speaker_column(np.empty(0, np.int64), snames)
        empty[C.WORD_BEFORE], empty[C.LEVEL] = empty[C.WORD_BEFORE].astype(object), empty[C.LEVEL].astype(object)
        empty[C.TERMINAL] = empty[C.TERMINAL].astype("boolean")
        empty[C.CHANNEL] = empty[C.CHANNEL].astype("Int64")
        return empty[cols]
    out = pd.concat(parts, ignore_index=True).sort_values([C.FILE, C.START_MS], kind="stable")
    out[C.FILE] = pd.Categorical.from_codes(out[C.FILE].to_numpy(np.int64), categories=fnames)
    return out[cols].reset_index(drop=True)


def _turn_starts(m: dict, change: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each turn end's turn start (ms): the latest change of floor to the same speaker in
    the same file at or before the end (`change`: the segments a ``gap`` or ``overlap``
    leads to; a file's first segment also starts a turn). Float, NaN where none is found
    (as the column reads back from a saved CSV)."""
    seg = np.concatenate([change, np.flatnonzero(m["pred"] < 0)]).astype(np.int64)
    events = pd.DataFrame({"_f": m["file"][seg], "_s": m["speaker"][seg],
                           "_t": m["start"][seg].astype(np.int64)}).sort_values("_t", kind="stable")
    left = pd.DataFrame({"_f": m["file"][ends], "_s": m["speaker"][ends], "_e": m["end"][ends].astype(np.int64),
                         "_row": np.arange(len(ends))}).sort_values("_e", kind="stable")
    out = np.full(len(ends), np.nan)
    if len(ends) and len(events):
        joined = pd.merge_asof(left, events, left_on="_e", right_on="_t", by=["_f", "_s"], direction="backward")
        out[joined["_row"].to_numpy(np.int64)] = joined["_t"].to_numpy(float)
    return out


def compute_turn_ends(utterances: pd.DataFrame, words: pd.DataFrame | None = None,
                      merge_ms: int = MERGE_MS) -> pd.DataFrame:
    """Where turns end, and how long until the next speaker starts.

    A turn ends at each predecessor of a ``gap`` or ``overlap`` transition and at
    the segment holding the floor at the end of each file. ``silence_after_ms`` is
    the next speaker's start minus the end (negative when they overlapped; NaN at
    the end of the file); an endpointer that fires later than that would have been
    talked over. ``last_word`` and ``terminal`` come from word timings when present.
    ``start_ms`` is when the turn began: the latest change of floor to its speaker (the
    start of a ``gap`` or ``overlap`` successor, or the file's first segment) at or
    before its end; it is saved with the table, so a turn cap can be applied to a
    saved summary as to the live result.
    """
    m = merge_and_link(utterances, merge_ms)
    rows, kind = classify(m)
    change = (kind == C.KINDS.index(C.GAP)) | (kind == C.KINDS.index(C.OVERLAP))
    nxt = rows[change]
    ends = np.concatenate([m["pred"][nxt], m["file_final"]])
    silence = np.concatenate([(m["start"][nxt] - m["end"][m["pred"][nxt]]).astype(float),
                              np.full(len(m["file_final"]), np.nan)])
    next_spk = np.concatenate([m["speaker"][nxt], np.full(len(m["file_final"]), -1, dtype=np.int64)])
    last_row = m["last_row"][ends]
    last_words = _last_words(utterances, words)[last_row]
    has_word = last_words != ""
    term = pd.array(np.where(has_word, _terminal(last_words), False), dtype="boolean")
    term[~has_word] = pd.NA
    out = pd.DataFrame({
        C.FILE: m["file"][ends],
        C.SPEAKER: speaker_column(m["speaker"][ends], m["speaker_names"]),
        C.UTTERANCE: last_row,
        C.START_MS: _turn_starts(m, rows[change], ends),
        C.END_MS: m["end"][ends],
        C.LAST_WORD: last_words,
        C.TERMINAL: term,
        C.NEXT_SPEAKER: speaker_column(next_spk, m["speaker_names"]),
        C.SILENCE_AFTER_MS: silence,
        C.LEVEL: np.where(has_word, C.WORD_LEVEL, C.SEGMENT_LEVEL),
        C.CHANNEL: _row_channels(utterances, last_row),
    }).sort_values([C.FILE, C.END_MS], kind="stable")
    out[C.FILE] = pd.Categorical.from_codes(out[C.FILE].to_numpy(np.int64), categories=m["file_names"])
    return out.reset_index(drop=True)
