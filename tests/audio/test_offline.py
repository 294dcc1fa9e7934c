"""The offline backend: channels to speakers, per-file errors, gaps against ground truth."""

import json
from pathlib import Path

import pytest

from turntune_nb.analysis.columns import UNKNOWN_SPEAKER
from turntune_nb.analysis.gaps import compute_transitions
from turntune_nb.analysis.model import Transcript, Utterance
from turntune_nb.audio.offline import (CHANNELS_NOTE, DIARISATION_NOTE, FRAMES_DIARISATION_NOTE, MONO_NOTE,
                                      transcribe_offline, write_segments)
from turntune_nb.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SYNTH = ROOT / "samples" / "synthetic"
TRUTHS = sorted((SYNTH / "truth").glob("*.json"))


@pytest.fixture(scope="module")
def offline():
    # the truth lists whole utterances; espeak leaves real silences of 100-150 ms between some
    # words (conv2 ch0: -64 dBFS from 1390 to 1510 ms), which the default keeps visible, so
    # these utterance-level checks bridge silences under 200 ms as the truth does
    truths = [json.loads(p.read_text()) for p in TRUTHS]
    # diarise=False: these tests check the detector's timing and the channels; diarisation has its own
    transcripts, failed = transcribe_offline([SYNTH / t["file"] for t in truths], progress=False, diarise=False,
                                          min_silence_ms=200)
    assert failed == []
    return dict(zip([t["file"] for t in truths], zip(truths, transcripts)))


def reference(t):
    mono = t["channels"] == 1
    return Transcript(t["file"], [
        Utterance(UNKNOWN_SPEAKER if mono else f"ch{s['channel']}", s["start_ms"], s["end_ms"])
        for s in t["segments"]
    ])


def test_two_channels_become_two_speakers(offline):
    for name, (t, tr) in offline.items():
        assert tr.source == "offline-vad" and tr.name == name
        if t["channels"] == 2:
            assert tr.speakers in (("ch0", "ch1"), ("ch1", "ch0"))
            assert all(u.channel == int(u.speaker[2]) for u in tr.utterances)
            assert tr.speaker_source == "channels"
            assert tr.notes[0] == CHANNELS_NOTE and "speaker_source=channels" in CHANNELS_NOTE
            assert tr.notes[1].startswith("channel layout: two-party stereo")
            assert len(tr.notes) == 3 and tr.notes[2].startswith("speech found by the offline silero-lite detector")
            assert len(tr.utterances) == len(t["segments"])


def test_mono_without_diarisation_is_one_unknown_speaker_and_says_so(offline):
    t, tr = offline["mono_pauses.ogg"]
    assert tr.speakers == (UNKNOWN_SPEAKER,) and len(tr.utterances) == 4
    assert tr.speaker_source == "unknown"
    assert tr.notes[0] == MONO_NOTE and "speakers are unknown (speaker_source=unknown)" in MONO_NOTE
    assert all(u.channel is None for u in tr.utterances)


#: Worst offset error allowed. The truth marks the clean speech's first and last sample over
#: -54 dBFS; segment edges sit on the file's energy (8 ms steps), which lossless files keep
#: (measured: 8 ms wav, 12 ms flac) and lossy codecs smear by tens of ms (measured: mp3 32,
#: ogg 40, opus 36, webm 64, m4a 64, mp4 70 ms).
LOSSLESS_MS, LOSSY_MS = 20, 80


@pytest.mark.parametrize("name", [json.loads(p.read_text())["file"] for p in TRUTHS])
def test_gaps_overlaps_and_pauses_close_to_ground_truth(offline, name):
    t, tr = offline[name]
    want = compute_transitions(reference(t).to_frame())
    got = compute_transitions(tr.to_frame())
    assert list(got["kind"]) == list(want["kind"])
    assert list(got["speaker"]) == list(want["speaker"])
    errors = (got["offset_ms"] - want["offset_ms"]).abs()
    bound = LOSSLESS_MS if name.endswith((".wav", ".flac")) else LOSSY_MS
    assert errors.max() <= bound, list(zip(want["offset_ms"], got["offset_ms"]))


def test_a_real_120ms_pause_inside_an_utterance_is_kept_by_default():
    """conv2 ch0 is at the -64 dBFS floor from 1390 to 1510 ms inside its first utterance
    (measured on the file: 10 ms levels -65..-63 dB there, -29..-17 dB around)."""
    (tr,), _ = transcribe_offline([SYNTH / "conv2.flac"], progress=False)
    ch0 = [(u.start_ms, u.end_ms) for u in tr.utterances if u.channel == 0]
    assert any(abs(e - 1390) <= 20 for _, e in ch0) and any(abs(s - 1510) <= 20 for s, _ in ch0)


def test_truncated_file_is_analysed_as_far_as_it_goes_with_a_note(tmp_path):
    data = (SYNTH / "conv1.wav").read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2])                 # half the bytes: 5.2 of its 10.4 s
    (tr,), failed = transcribe_offline([cut], progress=False)
    assert failed == [] and 5100 <= tr.duration_ms <= 5300
    note = [n for n in tr.notes if n.startswith("truncated or damaged")]
    assert note and f"decoded {tr.duration_ms / 1000:.1f} s of the 10.4 s its header announces" in note[0]
    # what was decoded is analysed: conv1's first two utterances (ch0 800-2772, ch1 3122-4959 ms)
    assert [(u.speaker, round(u.start_ms, -2)) for u in tr.utterances][:2] == [("ch0", 800), ("ch1", 3100)]


def test_duration_is_recorded(offline):
    t, tr = offline["conv1.wav"]
    assert tr.duration_ms == t["duration_ms"]


def test_bad_files_are_listed_and_the_run_goes_on(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.mp3").write_text("not audio\n" * 30)
    files = [tmp_path / "empty.wav", SYNTH / "conv3.mp3", tmp_path / "missing.flac", tmp_path / "notes.mp3"]
    transcripts, failed = transcribe_offline(files, progress=False)
    assert [t.name for t in transcripts] == ["conv3.mp3"]
    assert [f["filename"] for f in failed] == ["empty.wav", "missing.flac", "notes.mp3"]
    assert "empty" in failed[0]["reason"] and "not found" in failed[1]["reason"]


def test_settings_pass_through_and_unknown_ones_fail():
    # min_silence 1000 ms bridges conv7's 750 ms same-speaker pause: ch0 has 2 segments, not 3
    (tr,), _ = transcribe_offline([SYNTH / "conv7.mp4"], progress=False, min_silence_ms=1000)
    assert sum(u.speaker == "ch0" for u in tr.utterances) == 2
    with pytest.raises(ConfigError, match="unknown offline backend setting"):
        transcribe_offline([SYNTH / "conv7.mp4"], progress=False, min_silense_ms=100)


def test_auto_backend_without_a_key_is_offline(monkeypatch):
    from turntune_nb.pipeline import analyze_folder

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    result = analyze_folder(SYNTH, progress=False)
    assert result.backend == "offline" and len(result.transcripts) == len(TRUTHS)
    assert result.to_summary()["backend"] == "offline"


def test_mono_is_diarised_into_the_given_count_and_bad_counts_fail():
    (tr,), _ = transcribe_offline([SYNTH / "mono_pauses.ogg"], progress=False, speakers=2)
    # the segmentation model hears the two espeak-ng voices as one local speaker in every window, so this
    # file is told apart frame by frame (tests/audio/test_diarize.py), and the first note says that path's
    # terms (no overlap detected), not the segmentation model's
    assert tr.notes[0] == FRAMES_DIARISATION_NOTE != DIARISATION_NOTE and tr.speaker_source == "diarisation"
    assert "2 speaker(s) found by diarisation, the count as given (speakers=N)" in tr.notes
    # 4 speech segments; the segmentation model hears the two espeak-ng voices as one local speaker, so a
    # segment may be cut where a window's speaker ends (real voices: tests/audio/test_diarize.py)
    assert set(tr.speakers) == {"spk0", "spk1"} and len(tr.utterances) >= 4
    assert sorted({(u.start_ms // 100) for u in tr.utterances})[:1] == [8]   # the first segment starts at 0.8 s
    with pytest.raises(ConfigError, match="speakers"):
        transcribe_offline([SYNTH / "mono_pauses.ogg"], progress=False, speakers=-1)


def parse_rttm(text):
    """An independent RTTM parser: the 10 space-separated fields, seconds to ms."""
    rows = []
    for line in text.splitlines():
        f = line.split(" ")
        assert len(f) == 10 and f[0] == "SPEAKER" and f[5] == f[6] == f[8] == f[9] == "<NA>"
        onset, dur = round(float(f[3]) * 1000), round(float(f[4]) * 1000)
        rows.append((f[1], f[2], f[7], onset, onset + dur))
    return rows


def test_segments_are_written_as_private_rttm_files(tmp_path):
    calls = [
        Transcript("call one.wav", [Utterance("spk0", 0, 1250), Utterance("spk1", 1300, 2001), Utterance("spk0", 1900, 4000)]),
        Transcript("b.flac", [Utterance("ch0", 5, 999, channel=0), Utterance("ch1", 10_500, 61_234, channel=1)]),
        Transcript("b.flac", [Utterance(UNKNOWN_SPEAKER, 40, 70)], notes=("conditions: layout mono", "n2")),
    ]
    paths = write_segments(calls, tmp_path / "segments")
    assert [p.name for p in paths] == ["call_one.wav.rttm", "b.flac.rttm", "b.flac-2.rttm"]
    assert (tmp_path / "segments").stat().st_mode & 0o777 == 0o700
    for path, t in zip(paths, calls):
        assert path.stat().st_mode & 0o777 == 0o600
        # RTTM counts channels from 1: channel 0 -> "1", channel 1 -> "2"; unknown -> "1"
        want = [(t.name.rsplit(".", 1)[0].replace(" ", "_"), "1" if u.channel is None else str(u.channel + 1),
                 u.speaker, u.start_ms, u.end_ms) for u in t.utterances]
        assert parse_rttm(path.read_text()) == want
    # the notes (channel layout, conditions) beside the RTTM of the transcript that has them, one per line
    assert sorted(p.name for p in (tmp_path / "segments").glob("*.notes.txt")) == ["b.flac-2.notes.txt"]
    notes = tmp_path / "segments" / "b.flac-2.notes.txt"
    assert notes.read_text() == "conditions: layout mono\nn2\n" and notes.stat().st_mode & 0o777 == 0o600


def test_a_folder_reuses_its_detectors_and_each_file_starts_afresh():
    """Files analysed one after another with shared (reset) detectors give what each gives alone."""
    from turntune_nb.audio.offline import transcribe_file_offline

    alone = [transcribe_file_offline(SYNTH / n) for n in ("conv1.wav", "mono_pauses.ogg", "conv2.flac")]
    together, failed = transcribe_offline([SYNTH / n for n in ("conv1.wav", "mono_pauses.ogg", "conv2.flac")],
                                          progress=False)
    assert failed == [] and [t.utterances for t in together] == [t.utterances for t in alone]


# ----------------------------------------------------------------------------- channel layouts
def _write(path, x, rate=16000):
    """int16 samples shaped (channels, n) to a PCM WAV (independent of the package's writers)."""
    import wave

    import numpy as np

    x = np.atleast_2d(x)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(x.shape[0])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(np.clip(x, -32768, 32767).astype("<i2").T).tobytes())
    return path


@pytest.fixture(scope="module")
def conv1():
    from turntune_nb.audio.decode import decode_audio

    return decode_audio(SYNTH / "conv1.wav", mono=False).samples.astype("int32")


def test_identical_channels_are_analysed_as_mono_and_diarised(tmp_path, conv1):
    from turntune_nb.audio.offline import transcribe_file_offline

    mono = conv1.sum(axis=0)
    t = transcribe_file_offline(_write(tmp_path / "same.wav", [mono, mono]), speakers=2)
    assert t.speaker_source == "diarisation" and set(t.speakers) == {"spk0", "spk1"}
    assert t.conditions["layout"] == "identical"
    assert any(n.startswith("channel layout: identical channels") for n in t.notes)
    assert "2 speaker(s) found by diarisation, the count as given (speakers=N)" in t.notes


@pytest.mark.parametrize("live", [0, 1])
def test_one_silent_channel_analyses_the_other_as_mono(tmp_path, conv1, live):
    from turntune_nb.audio.offline import transcribe_file_offline

    x = [conv1.sum(axis=0) * 0, conv1.sum(axis=0) * 0]
    x[live] = conv1.sum(axis=0)
    t = transcribe_file_offline(_write(tmp_path / "one.wav", x), speakers=2)
    assert t.conditions["layout"] == "one-silent" and t.speaker_source == "diarisation"
    assert any(n.startswith("channel layout: one live channel") and f"ch{live} analysed as mono" in n
               for n in t.notes)
    # the truth's speech (both parties, on one channel now) is found
    truth = json.loads((SYNTH / "truth" / "conv1.wav.json").read_text())["segments"]
    covered = set().union(*(range(s["start_ms"], s["end_ms"]) for s in truth))   # ms of speech, either party
    found = set().union(*(range(u.start_ms, u.end_ms) for u in t.utterances))
    assert len(covered & found) >= 0.9 * len(covered)


def test_crosstalk_emptying_a_channel_falls_back_to_mono_and_says_so(tmp_path, conv1):
    from turntune_nb.audio.offline import transcribe_file_offline

    mono = conv1.sum(axis=0)
    t = transcribe_file_offline(_write(tmp_path / "same.wav", [mono, mono]), layout="stereo", diarise=False)
    # as two parties, each channel is all "leak" of the other; the file is analysed as mono instead of emptied
    assert t.speaker_source == "unknown" and len(t.utterances) >= 3
    assert any("crosstalk removal left one with almost none of its speech" in n for n in t.notes)


def test_speakers_on_a_two_party_stereo_file_is_refused_with_a_reason_or_agrees(conv1):
    transcripts, failed = transcribe_offline([SYNTH / "conv1.wav"], progress=False, speakers=3, diarise=False)
    assert transcripts == [] and failed[0]["filename"] == "conv1.wav"
    assert failed[0]["reason"].startswith("--speakers 3 does not apply: it is a two-party stereo call")
    (t,), failed = transcribe_offline([SYNTH / "conv1.wav"], progress=False, speakers=2)
    assert failed == [] and "speakers=2 as given: one party per channel" in t.notes
    assert t.speakers in (("ch0", "ch1"), ("ch1", "ch0"))


def test_a_party_40_db_quieter_keeps_its_speech(tmp_path, conv1):
    from turntune_nb.audio.offline import transcribe_file_offline

    loud = transcribe_file_offline(SYNTH / "conv1.wav")
    quiet = transcribe_file_offline(_write(tmp_path / "quiet.wav", [conv1[0], conv1[1] // 100]))   # -40 dB
    assert quiet.conditions["layout"] == "stereo"
    ms = [sum(u.end_ms - u.start_ms for u in t.utterances if u.speaker == "ch1") for t in (loud, quiet)]
    assert ms[0] > 2000 and ms[1] >= 0.9 * ms[0]


def test_telephone_bandwidth_runs_the_8_khz_model_and_conditions_are_reported(tmp_path):
    from turntune_nb.audio.decode import decode_audio
    from turntune_nb.audio.offline import transcribe_file_offline

    phone = decode_audio(SYNTH / "conv1.wav", sample_rate=8000, mono=False).samples     # 8 kHz: nothing over 4 kHz
    t = transcribe_file_offline(_write(tmp_path / "phone.wav", phone, rate=8000))
    assert t.conditions["bandwidth_hz"] <= 4500 and t.conditions["layout"] == "stereo"
    assert any(n.startswith("telephone bandwidth") and "8 kHz model, each segment confirmed by its 16 kHz model" in n
               for n in t.notes)
    wide = transcribe_file_offline(SYNTH / "conv1.wav")
    assert wide.conditions["bandwidth_hz"] > 4500 and not any(n.startswith("telephone") for n in wide.notes)
    # the accuracy sentence names the file's measured SNR band (espeak over -70 dBFS noise: clean)
    assert wide.conditions["snr_db"] >= 30 and "validated in this condition (clean" in wide.notes[-1]


def test_band_limited_music_is_not_speech_though_telephone_bandwidth_picks_the_8_khz_model(tmp_path):
    """Music with nothing over 4 kHz (as on a phone line): the 8 kHz model alone calls it speech; not the backend."""
    import numpy as np

    from turntune_nb.audio.offline import transcribe_file_offline
    from turntune_nb.audio.vad import VADSettings

    rate = 16000
    t = np.arange(rate) / rate
    note = np.repeat([220.0, 277.2, 329.6, 440.0], rate // 4)              # four notes, harmonics up to 4 kHz
    y = sum(np.sin(2 * np.pi * note * k * t) / k for k in range(1, 10)) * 0.2
    faint = np.random.default_rng(5).standard_normal(rate // 2) * 0.001
    x = (np.concatenate([faint, y, faint]) * 32767).astype(np.int16)
    path = _write(tmp_path / "hold.wav", x, rate=rate)
    t = transcribe_file_offline(path, diarise=False)
    assert any(n.startswith("telephone bandwidth") for n in t.notes)
    assert t.utterances == ()
    alone = transcribe_file_offline(path, VADSettings(confirm_wideband=False), diarise=False)
    assert sum(u.end_ms - u.start_ms for u in alone.utterances) >= 500
    assert any(n.endswith("the detector ran its 8 kHz model") for n in alone.notes)


def test_a_noisy_file_has_its_noise_subtracted_keeps_its_speech_and_says_so(tmp_path, conv1):
    import numpy as np

    from turntune_nb.audio.offline import transcribe_file_offline

    clean = transcribe_file_offline(SYNTH / "conv1.wav")
    rng = np.random.default_rng(7)
    # white noise 15 dB under speech at about -20 dBFS (espeak's level): sd 32768 * 10^(-35/20) = 583
    noisy = transcribe_file_offline(_write(tmp_path / "noisy.wav", conv1 + rng.normal(0, 583, conv1.shape)))
    assert any(n.startswith("noise: ch0 is noisy") for n in noisy.notes)
    assert not any(n.startswith("noise:") for n in clean.notes)
    for ch in ("ch0", "ch1"):
        ms = [sum(u.end_ms - u.start_ms for u in t.utterances if u.speaker == ch) for t in (clean, noisy)]
        assert ms[1] >= 0.85 * ms[0], (ch, ms)
    # measured SNR: under the clean file's, and the accuracy sentence names the file's band
    assert noisy.conditions["snr_db"] < clean.conditions["snr_db"]


def test_a_very_quiet_mono_recording_is_raised_and_keeps_its_speech(tmp_path):
    """The real two-person sample turned down 30 dB (its loud frames from about -23 to -53 dBFS): the
    detector, left at that level, lost most of the speech; the recording is raised to -40 dBFS first."""
    import numpy as np

    from turntune_nb.audio.decode import decode_audio
    from turntune_nb.audio.offline import transcribe_file_offline

    real = ROOT / "samples" / "real" / "sample.wav"
    x = decode_audio(real).samples[0].astype(np.float64)
    quiet = _write(tmp_path / "quiet.wav", np.round(x * 10 ** (-30 / 20)))
    ms = [sum(u.end_ms - u.start_ms for u in transcribe_file_offline(p, diarise=False).utterances)
          for p in (real, quiet)]
    assert ms[0] > 15_000 and ms[1] >= 0.9 * ms[0], ms


@pytest.mark.parametrize("offset", [500, 2000])
def test_a_dc_offset_on_both_channels_loses_no_party(tmp_path, conv1, offset):
    """A sound card's bias (-36 and -24 dBFS of DC) counts as sound in every level: before it was taken out, 2000 on
    both channels of a real call made one party 'noise or leak' and lost it (this call lost 11 % of ch0's speech
    at 2000). Each party is scored against the synthetic call's truth (its own channel's utterances)."""
    from turntune_nb.audio.offline import transcribe_file_offline

    t = transcribe_file_offline(_write(tmp_path / "dc.wav", conv1 + offset))
    assert t.conditions["layout"] == "stereo" and set(t.speakers) == {"ch0", "ch1"}
    truth = json.loads((SYNTH / "truth" / "conv1.wav.json").read_text())["segments"]
    for ch in (0, 1):
        said = set().union(*(range(s["start_ms"], s["end_ms"]) for s in truth if s["channel"] == ch))
        found = set().union(*(range(u.start_ms, u.end_ms) for u in t.utterances if u.speaker == f"ch{ch}"))
        assert len(said & found) >= 0.9 * len(said), ch       # missed under 10 %
        assert len(found - said) <= 0.1 * len(said), ch       # and little found outside the party's speech


def test_a_dc_offset_on_a_mono_recording_cuts_no_pauses_into_its_speech(tmp_path, conv1):
    """The synthetic call mixed to mono over DC 2000: with the offset left in its speech broke into pieces (89 % of
    the truth's speech found, gaps of 90-140 ms inside utterances whose longest pause is 52 ms)."""
    from turntune_nb.audio.offline import transcribe_file_offline

    t = transcribe_file_offline(_write(tmp_path / "dc.wav", conv1.sum(axis=0) + 2000), speakers=2)
    assert t.conditions["layout"] == "mono"
    truth = json.loads((SYNTH / "truth" / "conv1.wav.json").read_text())["segments"]
    said = set().union(*(range(s["start_ms"], s["end_ms"]) for s in truth))
    found = set().union(*(range(u.start_ms, u.end_ms) for u in t.utterances))
    assert len(said & found) >= 0.97 * len(said) and len(found - said) <= 0.05 * len(said)


def test_the_dc_offset_taken_out_follows_the_layout():
    import numpy as np

    from turntune_nb.audio.offline import DC_MIN, _dc

    offsets = np.array([2000.0, -7.0])                     # -7 is under DC_MIN (8, -72 dBFS): left in
    assert DC_MIN == 8
    assert _dc(offsets, "stereo", None).tolist() == [2000, 0]
    assert _dc(np.array([2000.0, 1000.0]), "identical", None).tolist() == [1500]   # the channels are averaged
    assert _dc(offsets, "one-silent", 0).tolist() == [2000] and _dc(offsets, "one-silent", 1).tolist() == [0]
    assert _dc(np.array([-9.0]), "mono", None).tolist() == [-9]
    assert _dc(offsets, "multichannel", None).tolist() == [0]   # FFmpeg's downmix weights: unknown, left in


def test_call_progress_tones_before_a_call_are_not_speech(tmp_path, conv1):
    """Ringback (US 440 + 480 Hz, 2 s; European 425 Hz, 1 s), DTMF digits (120 ms, two tones each) and 1 kHz beeps,
    at -20 dBFS on the caller's channel before the call starts: pure tones, none of them speech."""
    import numpy as np

    from turntune_nb.audio.offline import transcribe_file_offline

    rate = 16000

    def tone(freqs, ms):
        t = np.arange(rate * ms // 1000) / rate
        y = sum(np.sin(2 * np.pi * f * t) for f in freqs)
        return y / np.sqrt(np.mean(y ** 2)) * 32768 * 10 ** (-20 / 20)

    def gap(ms):
        return np.zeros(rate * ms // 1000)

    digits = [(697, 1209), (770, 1336), (852, 1477), (941, 1336)]
    pre = np.concatenate([tone([440, 480], 2000), gap(1000), tone([425], 1000), gap(1000)]
                         + [np.concatenate([tone(d, 120), gap(100)]) for d in digits * 2]
                         + [np.concatenate([tone([1000], 300), gap(300)]) for _ in range(3)] + [gap(500)])
    x = np.concatenate([np.vstack([pre, np.zeros_like(pre)]), conv1], axis=1)
    t = transcribe_file_offline(_write(tmp_path / "tones.wav", x))
    lead = len(pre) * 1000 // rate
    assert t.conditions["layout"] == "stereo"
    assert [(u.speaker, u.start_ms) for u in t.utterances if u.start_ms < lead] == []
    truth = json.loads((SYNTH / "truth" / "conv1.wav.json").read_text())["segments"]
    said = set().union(*(range(lead + s["start_ms"], lead + s["end_ms"]) for s in truth))
    found = set().union(*(range(u.start_ms, u.end_ms) for u in t.utterances))
    assert len(said & found) >= 0.9 * len(said)
