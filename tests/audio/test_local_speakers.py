"""Local speakers of windows tied into a file's speakers: every expected value worked out by hand."""

import numpy as np

from turntune_nb.audio.local_speakers import (
    WindowSegmenter,
    activity_turns,
    assign_local_speakers,
    local_masks,
    speaker_activity,
)
from turntune_nb.audio.segmentation import POWERSET


class FakeModel:
    """Records the windows it is given; says local speaker 0 alone in every frame."""

    def __init__(self):
        self.seen = []

    def __call__(self, windows):
        self.seen += [w.copy() for w in windows]
        out = np.full((len(windows), 589, 7), -10.0, np.float32)
        out[:, :, 1] = 0.0
        return out


def test_windows_slide_by_the_step_and_the_last_is_padded():
    # 23 s at 16 kHz, 5 s step: windows at 0, 5 and 10 s fit (10 + 10 = 20 <= 23); 15 s would end at 25 s:
    # it is run at the end, its last 2 s zeros. Chunk sizes do not matter.
    x = (np.arange(23 * 16000) % 1000).astype(np.int16)
    for chunk in (16000, 7001, len(x)):
        model = FakeModel()
        seg = WindowSegmenter(model, step=80_000, batch=3)
        for i in range(0, len(x), chunk):
            seg.process(x[i:i + chunk])
        seg.flush()
        assert seg.starts == [0, 80_000, 160_000, 240_000]
        assert len(model.seen) == 4 and len(seg.activity) == 4
        np.testing.assert_array_equal(model.seen[1], x[80_000:240_000] / 32768.0)
        np.testing.assert_array_equal(model.seen[3][:128_000], x[240_000:] / 32768.0)
        assert not model.seen[3][128_000:].any()
        assert seg.activity[0].shape == (589, 3) and seg.activity[0][:, 0].all() and not seg.activity[0][:, 1:].any()


def test_a_short_stream_gets_one_padded_window():
    model = FakeModel()
    seg = WindowSegmenter(model, step=80_000)
    seg.process(np.ones(3 * 16000, np.int16))
    seg.flush()
    assert seg.starts == [0] and len(model.seen) == 1 and model.seen[0][48_000:].sum() == 0


def test_local_masks_take_the_nearest_model_frame():
    # window at 1 s (sample 16000): 10 ms frames from 100 on. Model frame 10 is centred on
    # 16000 + 10 * 270 + 495 = 19195; 10 ms frame t (centre 160 t) takes j = round((160 t - 16495) / 270):
    # t = 119 -> 9.43 -> 9, t = 120 -> 10.02 -> 10, t = 121 -> 10.61 -> 11: only frame 120.
    act = np.zeros((589, 3), np.int8)
    act[10, 2] = 1
    first, m = local_masks(act, 16000, 100_000)
    assert first == 100 and m.shape == (1000, 3)
    assert np.flatnonzero(m[:, 2]).tolist() == [20] and not m[:, :2].any()
    # clipped to the stream's frames
    first, m = local_masks(act, 16000, 600)
    assert m.shape == (500, 3)


def test_two_local_speakers_of_a_window_never_share_a_speaker():
    centroids = np.eye(3)
    e = np.array([[0.8, 0.6, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0]])
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    # alone, rows 0 and 1 both go to speaker 0 (cosines 0.8 and 0.99). In one window: 0 -> 0, 1 -> 1 scores
    # 0.8 + 0.11 = 0.91; 0 -> 1, 1 -> 0 scores 0.6 + 0.99 = 1.59: the second wins.
    assert assign_local_speakers(e, np.array([0, 1, 2]), centroids).tolist() == [0, 0, 2]
    assert assign_local_speakers(e, np.array([0, 0, 1]), centroids).tolist() == [1, 0, 2]


def test_activity_is_the_share_of_covering_windows():
    # two windows of 4 frames, the second from frame 2: frames 2-3 are seen twice
    a = np.array([[1, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], bool)
    b = np.array([[0, 0, 1], [1, 0, 1], [1, 0, 0], [1, 0, 0]], bool)
    # window a: local 0 -> speaker 0, local 1 -> speaker 1; window b: local 2 -> speaker 0, local 0 -> speaker 1
    share, count = speaker_activity([(0, a, np.array([0, 1, -1])), (2, b, np.array([1, -1, 0]))], 6, 2)
    # frame 2: a says 0 and 1; b says speaker 0 (its local 2): speaker 0 in 2 of 2, speaker 1 in 1 of 2
    # frame 3: a says 1; b says 0 (local 2) and 1 (local 0): speaker 0 1/2, speaker 1 2/2
    np.testing.assert_allclose(share, [[1, 0], [1, 0], [1, 0.5], [0.5, 1], [0, 1], [0, 1]])
    # local speakers active: frame 2: a 2, b 1 -> 1.5; frame 3: a 1, b 2 -> 1.5
    np.testing.assert_allclose(count, [1, 1, 1.5, 1.5, 1, 1])


def test_turns_overlap_where_two_are_counted():
    share = np.zeros((100, 2), np.float32)
    share[:60, 0] = 1.0
    share[40:, 1] = 1.0
    count = np.where((np.arange(100) >= 40) & (np.arange(100) < 60), 2.0, 1.0)
    # speaker 0 on frames 0-59, speaker 1 on 40-99, both on 40-59 (200 ms of overlap): the speech
    # segment is 0-1000 ms
    turns = activity_turns(share, count, [(0, 1000)], min_turn=5, min_overlap=5)
    assert turns == [(0, 0, 600), (1, 400, 1000)]
    # a 200 ms overlap shorter than min_overlap (30 frames): dropped, the main speaker changes at 400 ms
    # (speaker 0 and 1 tie on 40-59, speaker 0 comes first)
    assert activity_turns(share, count, [(0, 1000)], 5, 30) == [(0, 0, 600), (1, 600, 1000)]
    # outside the speech segments nothing is said, whatever the model says
    assert activity_turns(share, count, [(100, 300)], 5, 5) == [(0, 100, 300)]


def test_frames_no_window_explains_take_the_nearest_speaker():
    share = np.zeros((50, 2), np.float32)
    share[:10, 1] = 1.0
    share[40:, 0] = 1.0
    # frames 10-39 unexplained: 10-24 are nearer frame 9 (speaker 1), 25-39 nearer frame 40 (speaker 0);
    # a tie (frame 24.5 does not exist) cannot happen
    assert activity_turns(share, np.ones(50), [(0, 500)], 1, 1) == [(1, 0, 250), (0, 250, 500)]


def test_a_segment_the_model_gives_nobody_keeps_its_speech_with_the_nearest_speaker():
    """The detector says what is speech; the model only who: a segment no window gives anyone is not dropped."""
    share = np.zeros((100, 2), np.float32)
    share[:20, 1] = 1.0          # speaker 1 in 0-200 ms
    share[70:, 0] = 1.0          # speaker 0 from 700 ms
    segments = [(0, 200), (300, 400), (500, 600), (700, 1000)]
    # 300-400 ms: its middle (frame 35) is 16 frames from frame 19 (speaker 1), 35 from frame 70: speaker 1;
    # 500-600 ms: its middle (frame 55) is 36 frames from frame 19, 15 from frame 70: speaker 0
    assert activity_turns(share, np.ones(100), segments, 1, 1) == [
        (1, 0, 200), (1, 300, 400), (0, 500, 600), (0, 700, 1000)]
    # a file the model gives nobody at all: nothing to name the speech after
    assert activity_turns(np.zeros((100, 2), np.float32), np.zeros(100), segments, 1, 1) == []


def test_powerset_has_no_triple():
    assert POWERSET.sum(1).tolist() == [0, 1, 1, 1, 2, 2, 2]
