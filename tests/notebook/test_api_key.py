"""choose_backend and APIKeyPrompt: the backend is decided at once, the key never waits on stdin
nor stays in the widget."""

from __future__ import annotations

import os

import pytest

from turntune_nb.errors import ConfigError
from turntune_nb.notebook.api_key import APIKeyPrompt, choose_backend


@pytest.mark.parametrize("asked, key, expected, prompted", [
    ("auto", None, "offline", False),
    ("auto", "k-123", "assemblyai", False),
    ("offline", "k-123", "offline", False),
    ("assemblyai", "k-123", "assemblyai", False),
    ("assemblyai", None, "offline", True),
    ("assemblyai", "   ", "offline", True),
])
def test_choose_backend(monkeypatch, capsys, asked, key, expected, prompted):
    if key is not None:
        monkeypatch.setenv("ASSEMBLYAI_API_KEY", key)
    shown = []
    assert choose_backend(asked, show=shown.append) == expected
    assert [type(w) for w in shown] == ([APIKeyPrompt] if prompted else [])
    out = capsys.readouterr().out
    assert ("goes on with the offline backend" in out) is prompted


def test_an_unknown_backend_is_refused():
    with pytest.raises(ConfigError, match="backend must be one of"):
        choose_backend("whisper", show=lambda w: None)


def test_the_prompt_sets_the_key_for_this_kernel_and_forgets_it(monkeypatch):
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    prompt = APIKeyPrompt()
    prompt.key_box.value = "  sk-typed-9f2  "
    prompt.use_button.click()
    assert os.environ["ASSEMBLYAI_API_KEY"] == "sk-typed-9f2"
    assert prompt.key_box.value == ""  # not in the widget state a saved notebook keeps
    assert "sk-typed" not in prompt.message.value and "is set for this kernel" in prompt.message.value
    assert choose_backend("assemblyai", show=lambda w: pytest.fail("no prompt with a key")) == "assemblyai"
