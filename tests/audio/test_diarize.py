"""Diarisation: clustering by hand, speakers in a real mix."""

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from turntune_nb.analysis.readers import read_rttm
from turntune_nb.audio.decode import decode_audio
from turntune_nb.audio.diarize import DiarisationSettings, MonoDiariser, _smooth_runs
from turntune_nb.audio.offline import DIARISATION_NOTE, transcribe_file_offline
from turntune_nb.audio.vad import VADSettings, segment_speech
from turntune_nb.errors import ConfigError
from tests.audio.test_clustering import unit

ROOT = Path(__file__).resolve().parents[2]


def test_short_runs_take_the_longer_neighbours_label():
    labels = np.array([0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0])
    assert _smooth_runs(labels, 2).tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert _smooth_runs(labels, 1).tolist() == labels.tolist()


def test_bad_settings_and_counts_are_refused():
    with pytest.raises(ConfigError, match="speakers"):
        MonoDiariser(speakers=0)
    with pytest.raises(ConfigError, match="speakers"):
        MonoDiariser(speakers=True)
    with pytest.raises(ConfigError, match="min_window_ms"):
        DiarisationSettings(window_ms=500, min_window_ms=800)
    with pytest.raises(ConfigError, match="elbow_ratio"):
        DiarisationSettings(elbow_ratio=0.5)


# ---------------------------------------------------------------- two real voices in one channel
# samples/real/sample.wav is a real two-person conversation; its human RTTM (samples/real/sample.rttm)
# gives stretches where only one of them speaks. Five such stretches, cut by hand from inside those
# segments and joined with 700 ms of silence, make a mono file whose truth is known by construction.
PIECES = [("speaker90", 8.40, 10.00), ("speaker91", 21.80, 24.80), ("speaker90", 10.60, 14.40),
          ("speaker91", 24.80, 27.80), ("speaker90", 18.60, 21.40)]


@pytest.fixture(scope="module")
def two_voices(tmp_path_factory):
    ref = read_rttm(ROOT / "samples" / "real" / "sample.rttm")[0]
    audio = decode_audio(ROOT / "samples" / "real" / "sample.wav").samples[0]
    gap = np.zeros(11200, np.int16)
    parts, truth, at = [gap], [], len(gap)
    for who, a, b in PIECES:
        # the piece lies inside one reference segment of that speaker and no other speaker's
        inside = [u for u in ref.utterances if u.start_ms <= a * 1000 and b * 1000 <= u.end_ms]
        assert {u.speaker for u in inside} == {who}
        piece = audio[int(a * 16000):int(b * 16000)]
        truth.append((who, at // 16, (at + len(piece)) // 16))
        parts += [piece, gap]
        at += len(piece) + len(gap)
    path = tmp_path_factory.mktemp("mix") / "two voices.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(np.concatenate(parts).tobytes())
    return path, truth


# The truth is one segment per piece, but the real speech inside a piece has its own short pauses,
# which the default detector keeps visible (60 ms): bridge those under 500 ms (the joins are 700 ms).
PIECEWISE = VADSettings(min_silence_ms=500)


def test_known_count_separates_two_real_voices(two_voices):
    path, truth = two_voices
    t = transcribe_file_offline(path, PIECEWISE, speakers=2)
    assert t.notes[0] == DIARISATION_NOTE and "channel layout: mono" in t.notes
    assert "2 speaker(s) found by diarisation, the count as given (speakers=N)" in t.notes
    assert t.notes[-1].startswith("speech found by the offline silero-lite detector")
    assert "speaker_source=diarisation" in DIARISATION_NOTE and t.speaker_source == "diarisation"
    # The third piece (10.60-14.40 s of the original) starts inside speaker91's 9.92-11.03 s reference
    # segment: the first 430 ms are real overlap (RTTM), so the output has one more utterance: speaker91
    # (spk1) from the piece's start, 6700 ms, to 6700 + 430 = 7130 ms, under speaker90's (spk0) turn.
    main = [u for u in t.utterances if not (u.speaker == "spk1" and u.end_ms < 8000 and u.start_ms > 6000)]
    extra = [u for u in t.utterances if u not in main]
    assert len(main) == len(truth) and len(extra) == 1
    assert abs(extra[0].start_ms - 6700) <= 50 and abs(extra[0].end_ms - 7130) <= 100
    # first appearance order: speaker90 -> spk0, speaker91 -> spk1
    assert [u.speaker for u in main] == ["spk0", "spk1", "spk0", "spk1", "spk0"]
    for u, (_, a, b) in zip(main, truth):
        assert abs(u.start_ms - a) <= 50 and abs(u.end_ms - b) <= 60


def test_diariser_covers_every_segment_and_only_them(two_voices):
    path, _ = two_voices
    samples = decode_audio(path).samples[0]
    segments = segment_speech(samples)
    d = MonoDiariser(speakers=2)
    for i in range(0, len(samples), 16000):
        d.process(samples[i:i + 16000])
    turns = d.finish(segments)
    # with the overlap of the third piece (see above) as the only exception, turns do not overlap:
    # drop the overlapping second speaker's turns (those lying inside another's) before checking the tiling
    turns = [t for t in turns if not any(o is not t and o[1] <= t[1] and t[2] <= o[2] and o[0] != t[0]
                                         for o in turns)]
    covered = {}
    for _, a, b in turns:
        covered.setdefault(next(i for i, (s, e) in enumerate(segments) if s <= a and b <= e), []).append((a, b))
    for i, (s, e) in enumerate(segments):   # each segment is tiled exactly by its turns
        pieces = sorted(covered[i])
        assert pieces[0][0] == s and pieces[-1][1] == e
        assert all(p[1] == q[0] for p, q in zip(pieces, pieces[1:]))
    # 18.4 s of audio (6 gaps of 0.7 s and 14.2 s of pieces), shorter than a minute: step
    # (18400 - 10000) // 10 = 840 ms, raised to the 1000 ms floor: 10 s windows at 0, 1, ... 8 s fit
    # (8 + 10 <= 18.4), and a last one at 9 s padded with zeros: 10 windows, each holding both voices
    # (every 10 s span here reaches into pieces of both): 10 x 2 local speakers embedded
    assert d.found_speakers == 2 and d.windows == 20


def test_one_speaker_and_no_diarisation(two_voices):
    path, _ = two_voices
    one = transcribe_file_offline(path, PIECEWISE, speakers=1)
    assert one.speakers == ("spk0",) and len(one.utterances) == 5
    off = transcribe_file_offline(path, diarise=False)
    assert off.speakers == ("UNKNOWN",) and "speakers are unknown" in off.notes[0]


def test_one_speaker_given_runs_no_model_and_gives_every_segment_to_spk0(two_voices, monkeypatch):
    """speakers=1: nothing to tell apart. The segments are the detector's own (the run without
    diarisation gives them, an independent path), each spk0's; no diariser is built."""
    import turntune_nb.audio.offline as offline

    path, _ = two_voices
    plain = transcribe_file_offline(path, PIECEWISE, diarise=False)

    def refuse(*a, **k):
        raise AssertionError("a diariser was built for speakers=1")

    monkeypatch.setattr(offline, "MonoDiariser", refuse)
    one = transcribe_file_offline(path, PIECEWISE, speakers=1)
    assert [(u.start_ms, u.end_ms) for u in one.utterances] == [(u.start_ms, u.end_ms) for u in plain.utterances]
    assert one.speakers == ("spk0",) and one.speaker_source == "diarisation"
    assert one.notes[0] == offline.ONE_SPEAKER_NOTE and "speakers=1 as given" in one.notes[0]


def test_a_model_that_hears_no_one_falls_back_to_the_frames_path(two_voices, monkeypatch):
    """The segmentation model finding no local speaker in any window (quiet or far speech, as on one
    shared AMI clip) used to leave the file UNKNOWN with no word why; the per-frame path tells the voices
    apart instead. Its turns must be exactly the frames method's own on the same file."""
    import turntune_nb.audio.diarize as diarize
    from turntune_nb.audio.offline import FRAMES_DIARISATION_NOTE, FRAMES_FALLBACK_NOTE

    path, truth = two_voices
    frames = transcribe_file_offline(path, PIECEWISE, speakers=2, diarise="frames")
    assert frames.notes[0] == FRAMES_DIARISATION_NOTE and "overlapped speech is not detected" in frames.notes[0]

    class Deaf:   # powerset class 0 (no one) wins every frame
        def __call__(self, windows):
            out = np.full((len(windows), 589, 7), -10.0, np.float32)
            out[..., 0] = 0.0
            return out

    monkeypatch.setattr(diarize, "_shared_model", Deaf)
    t = transcribe_file_offline(path, PIECEWISE, speakers=2)
    assert t.utterances == frames.utterances and len({u.speaker for u in t.utterances}) == 2
    why = "the segmentation model found no one speaking for 300 ms in any 10 s window"
    assert FRAMES_FALLBACK_NOTE.format(why=why) in t.notes and t.notes[0] == FRAMES_DIARISATION_NOTE
    # the frames path still separates the two real voices: speaker of each piece, by first appearance
    assert [u.speaker for u in frames.utterances] == ["spk0", "spk1", "spk0", "spk1", "spk0"] == \
        [{"speaker90": "spk0", "speaker91": "spk1"}[who] for who, _, _ in truth]


def test_too_little_speech_with_a_count_given_says_so(tmp_path):
    """300 ms of real speech (inside one reference segment of sample.wav) between two seconds
    of silence: no voice embedding is possible (400 ms), so the count given cannot be applied, and the
    note says how much speech there was (checked against the transcript's own segments)."""
    from turntune_nb.audio.offline import MONO_NOTE, UNSPLIT_NOTE

    audio = decode_audio(ROOT / "samples" / "real" / "sample.wav").samples[0]
    piece = audio[int(9.00 * 16000):int(9.30 * 16000)]
    x = np.concatenate([np.zeros(32000, np.int16), piece, np.zeros(32000, np.int16)])
    path = tmp_path / "short.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(x.tobytes())
    t = transcribe_file_offline(path, speakers=3)
    assert t.speakers == ("UNKNOWN",) and t.notes[0] == MONO_NOTE and t.speaker_source == "unknown"
    lengths = [u.end_ms - u.start_ms for u in t.utterances]
    assert lengths and max(lengths) < 400
    (note,) = [n for n in t.notes if n.startswith("diarisation could not split")]
    assert f"({sum(lengths) / 1000:.1f} s in all, the longest segment {max(lengths)} ms, under the 400 ms" in note
    assert note.endswith("it stays one UNKNOWN speaker (the speakers=3 given could not be applied)")
    with wave.open(str(path), "wb") as w:    # silence only
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(np.zeros(48000, np.int16).tobytes())
    quiet = transcribe_file_offline(path, speakers=2)
    assert not quiet.utterances and UNSPLIT_NOTE.format(
        why="no speech was found", given=" (the speakers=2 given could not be applied)") in quiet.notes


def test_fewer_speakers_found_than_given_are_said_to_be_fewer(tmp_path):
    """800 ms of one real voice (inside speaker90's reference segment) with speakers=3: one embedding
    window, one speaker; the note must not say the count was met."""
    audio = decode_audio(ROOT / "samples" / "real" / "sample.wav").samples[0]
    x = np.concatenate([np.zeros(32000, np.int16), audio[int(9.0 * 16000):int(9.8 * 16000)],
                        np.zeros(32000, np.int16)])
    path = tmp_path / "one voice.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(x.tobytes())
    t = transcribe_file_offline(path, speakers=3)
    assert t.speakers == ("spk0",)
    assert ("1 speaker(s) found by diarisation, of the 3 given (speakers=N): the others, if they spoke, were not "
            "told apart from them (too little of their speech, or voices too alike)") in t.notes
    assert not any("the count as given" in n for n in t.notes)


def test_too_little_speech_stays_unknown(tmp_path):
    # 300 ms of a tone: speech to the detector, but shorter than min_window_ms (400): no embedding
    t = np.arange(16000) / 16000
    x = np.where((t > 0.3) & (t < 0.6), 8000 * np.sin(2 * np.pi * 220 * t), 0).astype(np.int16)
    d = MonoDiariser()
    d.process(x)
    assert d.finish([(300, 600)]) is None and d.windows == 0
    assert d.unsplit_reason == ("too little speech to tell voices apart (0.3 s in all, the longest segment "
                                "300 ms, under the 400 ms a voice embedding needs)")


def test_the_check_embeds_an_evenly_spaced_sample_of_short_windows(two_voices):
    """`_embed(..., limit)`: of n windows in time order, the ones at k (n - 1) / (limit - 1), rounded down,
    the first and the last among them, each embedded as in the full set."""
    path, _ = two_voices
    audio = decode_audio(path).samples[0]
    diariser = MonoDiariser(settings=DiarisationSettings(method="frames"))
    diariser.process(audio)
    segments = [(0, len(audio) // 16)]
    _, f_all, _, e_all, _ = diariser._embed(segments)
    order = np.argsort(f_all, kind="stable")
    n = len(order)
    assert n > 12
    _, f_cap, _, e_cap, _ = diariser._embed(segments, limit=5)
    picked = order[[k * (n - 1) // 4 for k in range(5)]]
    assert sorted(f_cap.tolist()) == sorted(f_all[picked].tolist())
    by_first = dict(zip(f_all.tolist(), e_all))
    assert all(np.allclose(by_first[f], e, atol=1e-6) for f, e in zip(f_cap.tolist(), e_cap))
    assert len(diariser._embed(segments, limit=n + 5)[1]) == n   # a limit over n changes nothing


def test_long_segments_are_labelled_in_blocks_with_the_same_result(two_voices, monkeypatch):
    import turntune_nb.audio.diarize as diarize

    path, _ = two_voices
    frames = DiarisationSettings(method="frames")     # the older path labels long segments in blocks
    whole = transcribe_file_offline(path, speakers=2, diarisation=frames).utterances
    monkeypatch.setattr(diarize, "_BLOCK", 20)   # 0.2 s blocks: every segment crosses several block edges
    blocked = transcribe_file_offline(path, speakers=2, diarisation=frames).utterances
    assert [(u.speaker, u.start_ms, u.end_ms) for u in blocked] == [(u.speaker, u.start_ms, u.end_ms) for u in whole]


def test_overlaps_in_a_real_mono_conversation_are_found_and_counted():
    """samples/real/sample.wav's human RTTM (samples/real/sample.rttm) has a speaker start before the other
    ends at 9.92 s (speaker91 over speaker90 until 10.02), 10.57 s (speaker90 over 91 until 11.03),
    14.49 s (91 over 90 until 14.70) and 27.85 s (90 over 91 until 28.50); 18.15 s is a backchannel inside
    90's turn. The diarised mono file must show overlaps there, and the analysis must count them."""
    from turntune_nb.analysis import columns as C
    from turntune_nb.analysis.gaps import compute_transitions
    from turntune_nb.analysis.results import analyze_transcripts
    from turntune_nb.analysis.speakers import speaker_table

    t = transcribe_file_offline(ROOT / "samples" / "real" / "sample.wav", speakers=2)
    tr = compute_transitions(t.to_frame())
    overlaps = tr[tr[C.KIND] == C.OVERLAP][C.START_MS].to_numpy()
    reference = np.array([9920, 10570, 14490, 27850])
    near = np.abs(overlaps[:, None] - reference[None, :]) <= 300
    assert near.any(axis=1).all()            # every overlap found is one of the reference's
    assert near.any(axis=0).sum() >= 3       # and at least 3 of its 4 are found
    table = speaker_table(analyze_transcripts([t]))
    assert table["overlaps_started"].sum() == len(overlaps)


def test_one_voice_per_window_with_a_count_given_falls_back_to_frames():
    """mono_pauses.ogg: two synthetic voices taking turns (truth written when the audio was made). The
    segmentation model hears one voice in each of its windows there, so with speakers=2 its local speakers
    would mix the two; the per-frame path is used, and the note says why."""
    from turntune_nb.audio.offline import FRAMES_FALLBACK_NOTE

    path = ROOT / "samples" / "synthetic" / "mono_pauses.ogg"
    truth = json.loads((ROOT / "samples" / "synthetic" / "truth" / "mono_pauses.ogg.json").read_text())["segments"]
    t = transcribe_file_offline(path, speakers=2)
    why = "the segmentation model heard one voice in every window though the count given was 2"
    assert FRAMES_FALLBACK_NOTE.format(why=why) in t.notes and t.speaker_source == "diarisation"
    assert len(t.utterances) == len(truth) == 4
    # A, B, A, B in the truth: spk0, spk1, spk0, spk1 by first appearance
    assert [u.speaker for u in t.utterances] == ["spk0", "spk1", "spk0", "spk1"]
    for u, s in zip(t.utterances, truth):
        assert abs(u.start_ms - s["start_ms"]) <= 100 and abs(u.end_ms - s["end_ms"]) <= 100
    # no count given: the per-frame path's windows (4 utterances) hear one voice too: nothing contradicts it
    tail = FRAMES_FALLBACK_NOTE.format(why="")
    assert not any(n.endswith(tail) for n in transcribe_file_offline(path).notes)


def _probes(firsts, embeddings, length=50):
    emb = unit(embeddings)
    return (np.zeros(len(emb), int), np.array(firsts), np.full(len(emb), length), emb, [])


def test_a_segmentation_result_that_short_windows_contradict_is_refused():
    """`MonoDiariser._mixed_voices`, worked by hand. The result gives speaker 0 frames 0-199, speaker 1
    frames 200-399; the probes are 50-frame windows, labelled by their nearest centroid (the axes)."""
    share = np.zeros((400, 2)); share[:200, 0] = 1; share[200:, 1] = 1
    centroids = np.eye(2)
    d = MonoDiariser(speakers=2)
    # 4 of 5 agree: 80 % is not under min_agreement (0.8)
    agree = _probes([0, 100, 200, 300, 150], [[1, 0.1], [1, 0], [0, 1], [0.1, 1], [0, 1]])
    assert d._mixed_voices(agree, share, centroids) is None
    # 3 of 5 agree (the windows at 0 and 300 sound like the other speaker): 60 %
    mixed = _probes([0, 100, 200, 300, 150], [[0, 1], [1, 0], [0, 1], [1, 0.2], [1, 0]])
    assert "only 60% of 5 short windows" in d._mixed_voices(mixed, share, centroids)
    # a window where no one is active is not scored: 3 of 4 (75 %)
    quiet = _probes([0, 100, 200, 300, 400], [[1, 0], [1, 0], [1, 0], [0, 1], [0, 1]])
    assert "only 75% of 4 short windows" in d._mixed_voices(quiet, np.vstack([share, np.zeros((50, 2))]),
                                                             centroids)
    # three speakers: not checked (a short window's nearest of three is too unsure)
    three = np.zeros((400, 3)); three[:, :2] = share
    mixed3 = _probes([0, 100, 200, 300, 150], [[0, 1, 0], [1, 0, 0], [0, 1, 0], [1, 0.2, 0], [1, 0, 0]])
    assert MonoDiariser(speakers=3)._mixed_voices(mixed3, three, np.eye(3)) is None
    assert MonoDiariser()._mixed_voices(mixed3, three, np.eye(3)) is None   # nor three found
    for bad in (1.5, -0.1, True, "0.8"):
        with pytest.raises(ConfigError, match="min_agreement must be a share in 0..1"):
            DiarisationSettings(min_agreement=bad)


def test_one_voice_found_where_short_windows_hear_two_is_refused_when_the_count_is_estimated():
    share = np.zeros((400, 1)); share[:, 0] = 1
    # probes in two tight groups on orthogonal axes: the count estimate says 2 (as in
    # test_cluster_count_is_estimated_at_the_elbow), the segmentation result one voice
    two = _probes([0, 50, 100, 150, 200, 250], [[1, 0.02, 0], [1, 0, 0.02], [1, 0.01, 0], [0, 1, 0.01],
                                                 [0.02, 1, 0], [0, 1, 0.02]])
    one = _probes([0, 50, 100, 150], [[1, 0.01 * i, 0] for i in range(4)])
    centroid = unit([[1, 0.5, 0]])
    estimated = MonoDiariser()
    assert "made one voice of what short windows of speech tell apart" in estimated._mixed_voices(two, share, centroid)
    assert estimated._mixed_voices(one, share, centroid) is None
    # a count of 1 given is not second-guessed
    assert MonoDiariser(speakers=1)._mixed_voices(two, share, centroid) is None


def test_diarise_names_the_method_or_is_refused():
    from turntune_nb.audio.diarize import with_method

    assert with_method(None, "frames").method == "frames"
    assert with_method(DiarisationSettings(step_ms=2000), "frames") == DiarisationSettings(step_ms=2000,
                                                                                           method="frames")
    assert with_method(None, True) is None and with_method(None, False) is None
    with pytest.raises(ConfigError, match="diarise must be True, False or a diarisation method"):
        transcribe_file_offline(ROOT / "samples" / "synthetic" / "mono_pauses.ogg", diarise="kmeans")
