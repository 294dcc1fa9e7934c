"""The error tree: the hierarchy the module's docstring draws is the real one, messages
name the file, line and code, and errors survive a process boundary whole."""

from __future__ import annotations

import pickle
import re

import pytest

import turntune_nb.errors as E


def drawn_tree() -> dict[str, str]:
    """{class: parent} read from the box drawing in the module docstring."""
    parents, stack = {}, []
    for line in E.__doc__.splitlines():
        m = re.match(r"^(\s*)(?:[| ]*\+-- )?([A-Z][A-Za-z]+Error)\b", line)
        if not m or "Error" not in line:
            continue
        depth = line.index(m.group(2))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[m.group(2)] = stack[-1][1] if stack else None
        stack.append((depth, m.group(2)))
    return parents


def test_the_drawn_hierarchy_is_the_real_one():
    tree = drawn_tree()
    assert set(tree) == set(E.__all__)  # every error is drawn, and nothing else
    for name, parent in tree.items():
        cls = getattr(E, name)
        if parent is None:
            assert cls.__bases__ == (Exception,)
        else:
            assert getattr(E, parent) in cls.__bases__, f"{name} is drawn under {parent}"


@pytest.mark.parametrize("name", ["InputError", "ConfigError", "MissingAPIKeyError", "TranscriptFormatError"])
def test_bad_arguments_are_value_errors(name):
    # the tree marks these "(ValueError)": a caller's `except ValueError` catches them
    assert issubclass(getattr(E, name), ValueError)


def test_messages_say_where():
    assert str(E.TranscriptFormatError("calls/a.rttm", "negative duration", 12)) == "calls/a.rttm, line 12: negative duration"
    assert str(E.TranscriptFormatError("a.json", "not JSON")) == "a.json: not JSON"
    assert str(E.AudioDecodeError("b.mp3", "no audio stream")) == "b.mp3: cannot decode audio: no audio stream"
    assert str(E.TranscriptionFailedError("c.wav", "Audio duration is too short.")) == (
        "c.wav: transcription failed: Audio duration is too short.")
    assert str(E.StreamingClosedError(3007, "too fast", "Send 50-1000 ms chunks.")) == (
        "streaming session closed by the server (code 3007): too fast. Send 50-1000 ms chunks.")
    assert "ASSEMBLYAI_API_KEY" in str(E.MissingAPIKeyError()) and "offline" in str(E.MissingAPIKeyError())


@pytest.mark.parametrize("error", [
    E.TranscriptFormatError("calls/a.rttm", "negative duration", 12),
    E.AudioDecodeError("b.mp3", "no audio stream"),
    E.TranscriptionFailedError("c.wav", "Audio duration is too short.", "tx-1", 400),
    E.StreamingClosedError(3005, "internal", "retry later"),
    E.MissingAPIKeyError(),
    E.MissingAPIKeyError("custom text"),
    E.AuthenticationError("refused", 401),
    E.APIError("server error", 503),
    E.ConfigError("min above max"),
])
def test_errors_cross_a_process_boundary_whole(error):
    # a worker process or a Dask cluster sends errors back pickled: fields must survive
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)
    fields = {k: v for k, v in vars(error).items() if k != "_init_args"}
    assert {k: v for k, v in vars(back).items() if k != "_init_args"} == fields
