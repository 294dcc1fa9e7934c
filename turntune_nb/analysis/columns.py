"""DataFrame column names, in one place.

DataFrames are the exchange format between readers, gap math, tuning, plots,
widgets and reports. Every module names its columns through these constants so a
rename happens once. All times are integer milliseconds (AssemblyAI's unit).

Tables and their columns
------------------------
utterances (``Transcript.to_frame``, ``transcripts_to_frame``)
    FILE, SPEAKER, START_MS, END_MS, TEXT, CHANNEL
words (``Transcript.words_frame``)
    FILE, UTTERANCE, SPEAKER, START_MS, END_MS, TEXT
transitions (``compute_transitions``): one row per segment that has a predecessor
    FILE, KIND, PREV_SPEAKER, SPEAKER, PREV_START_MS, PREV_END_MS, START_MS, END_MS, OFFSET_MS
pauses (``compute_pauses``): one row per silence inside a speaker's turn
    FILE, SPEAKER, UTTERANCE, START_MS, END_MS, PAUSE_MS, WORD_BEFORE, TERMINAL, LEVEL, FLOOR_SPEAKER, CHANNEL
turn ends (``compute_turn_ends``): one row per end of a turn
    FILE, SPEAKER, UTTERANCE, START_MS, END_MS, LAST_WORD, TERMINAL, NEXT_SPEAKER, SILENCE_AFTER_MS, LEVEL, CHANNEL
guide gaps (``compute_guide_gaps``): the guide's positive gaps between consecutive utterances
    FILE, GAP_MS
"""

FILE = "file"
SPEAKER = "speaker"
START_MS = "start_ms"
END_MS = "end_ms"
TEXT = "text"
CHANNEL = "channel"
UTTERANCE = "utterance"

KIND = "kind"
PREV_SPEAKER = "prev_speaker"
PREV_START_MS = "prev_start_ms"
PREV_END_MS = "prev_end_ms"
OFFSET_MS = "offset_ms"

PAUSE_MS = "pause_ms"
WORD_BEFORE = "word_before"
TERMINAL = "terminal"
LEVEL = "level"

LAST_WORD = "last_word"
NEXT_SPEAKER = "next_speaker"
SILENCE_AFTER_MS = "silence_after_ms"

GAP_MS = "gap_ms"
#: The speaker holding the floor where a pause lies: the pausing speaker, or, for a
#: pause inside a backchannel, the speaker whose talk contains the backchannel.
FLOOR_SPEAKER = "floor_speaker"

# Transition kinds (values of KIND).
GAP = "gap"  # speaker change, the next speaker starts at or after the end of the floor holder
OVERLAP = "overlap"  # speaker change, the next speaker starts before the floor holder ends
PAUSE = "pause"  # same speaker again after a silence
CONTAINED = "contained"  # another speaker's segment wholly inside someone's talk (backchannel)
KINDS = (GAP, OVERLAP, PAUSE, CONTAINED)

# Values of LEVEL: where a pause or turn end was measured.
WORD_LEVEL = "words"  # from word timings; the word before is known
SEGMENT_LEVEL = "segments"  # from segment boundaries (RTTM, VAD); no words

UNKNOWN_SPEAKER = "UNKNOWN"
