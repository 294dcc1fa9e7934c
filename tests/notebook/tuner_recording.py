"""The hand-made recording the tuner's tests work their figures out on.

One file, two speakers, word timings::

    A  well 0-400 | 150 | so 550-900 | 60 | yes. 960-1400 | 800 | right. 2200-3000
         (700 ms silence)
    B  hmm 3700-4000 | 300 | and 4300-4600 | 1200 | then 5800-6500
         (300 ms silence)
    A  okay. 6800-7500
         (2000 ms silence)
    B  but 9500-10000

Holds (pauses >= 100 ms inside a turn): 150 (after "well"), 800 (after "yes.", terminal),
300, 1200 (after "hmm", "and"); the 60 ms pause is not a hold. Four turns, each ending
in a turn end: A after "right." (terminal, next speaker 700 ms later), B after "then"
(not terminal, 300 ms), A after "okay." (terminal, 2000 ms), B after "but" (not
terminal, last: never interrupted). Turn 1 holds 150 and 800, turn 2 holds 300 and 1200.

The U3 Pro models (universal-3-6-pro...): a hold cuts when pause >= max, or pause >= min after a terminal word; a turn
end fires at min after a terminal word, else at max; interrupted when the silence after
it is shorter than that delay.
"""

from turntune_nb.analysis.model import Transcript, Utterance, Word
from turntune_nb.analysis.results import analyze_transcripts


def utterance(speaker, *words):
    ws = tuple(Word(text, a, b, speaker=speaker) for text, a, b in words)
    return Utterance(speaker, ws[0].start_ms, ws[-1].end_ms, " ".join(w.text for w in ws), ws)


def two_speaker_call():
    """The recording above, analysed (an `AnalysisResult`)."""
    return analyze_transcripts([Transcript("call.json", (
        utterance("A", ("well", 0, 400), ("so", 550, 900), ("yes.", 960, 1400), ("right.", 2200, 3000)),
        utterance("B", ("hmm", 3700, 4000), ("and", 4300, 4600), ("then", 5800, 6500)),
        utterance("A", ("okay.", 6800, 7500)),
        utterance("B", ("but", 9500, 10000)),
    ))])
