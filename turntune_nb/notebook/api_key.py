"""Choosing the backend in a notebook without ever waiting on stdin.

A notebook run with JupyterLab's "Run All" must not stop at a prompt: `getpass`
(`turntune_nb.ask_api_key`) blocks the run until someone types, and raises when
nothing is typed. `choose_backend` instead decides at once:

- ``"offline"``: offline;
- ``"auto"``: AssemblyAI when ``ASSEMBLYAI_API_KEY`` is set, else offline;
- ``"assemblyai"``: AssemblyAI when the key is set; without one it shows an
  `APIKeyPrompt` (a password box and a button: nothing waits for it), says so in
  one line, and this run goes on offline; type the key, press the button, and run
  the analysis cell again.

The key typed into the box goes to this kernel's environment only: the box is
emptied at once, so the key is not in the widget state a saved notebook keeps,
nor in any output.
"""

from __future__ import annotations

import os

import ipywidgets as W

from ..pipeline import resolve_backend

__all__ = ("APIKeyPrompt", "choose_backend", "KEY_VARIABLE")

#: Where the key is read from (`turntune_nb.assemblyai.client.AssemblyAIClient`).
KEY_VARIABLE = "ASSEMBLYAI_API_KEY"


class APIKeyPrompt(W.VBox):
    """A password box and a *Use this key* button that set the key for this kernel.

    Nothing blocks: the notebook runs on while the box waits. The key is never
    returned, printed or kept in the widget (the box is cleared on submit).

    Examples
    --------
    >>> prompt = APIKeyPrompt()
    >>> prompt.key_box.value = "   "
    >>> prompt.submit()
    False
    >>> "No key was entered" in prompt.message.value
    True
    """

    def __init__(self, **kwargs):
        self.key_box = W.Password(description="API key", placeholder="your AssemblyAI API key",
                                  style={"description_width": "70px"}, layout=W.Layout(width="420px"))
        self.use_button = W.Button(description="Use this key", button_style="primary", icon="key",
                                   tooltip="set ASSEMBLYAI_API_KEY for this kernel only (never saved)")
        self.message = W.HTML("<span>Type your AssemblyAI API key and press <b>Use this key</b> (it stays in "
                              "this kernel: not in the notebook, its outputs or any file).</span>")
        super().__init__(**kwargs)
        self.add_class("turntune-key-prompt")
        self.children = [W.HBox([self.key_box, self.use_button]), self.message]
        self.use_button.on_click(lambda _b: self.submit())

    def submit(self) -> bool:
        """Set ``ASSEMBLYAI_API_KEY`` from the box (then empty it); False when the box was empty."""
        key = self.key_box.value.strip()
        self.key_box.value = ""
        if not key:
            self.message.value = ("<span style='color:#a60'>No key was entered: type it and press "
                                  "<b>Use this key</b>, or set BACKEND = \"offline\".</span>")
            return False
        os.environ[KEY_VARIABLE] = key
        self.message.value = (f"<span style='color:#080'>{KEY_VARIABLE} is set for this kernel (not saved "
                              "anywhere). Run the analysis cell again to use AssemblyAI.</span>")
        return True


def choose_backend(backend: str = "auto", *, show=None) -> str:
    """The backend this run uses: ``"assemblyai"`` or ``"offline"``, decided at once.

    Parameters
    ----------
    backend : {"auto", "assemblyai", "offline"}
        What the notebook's parameters ask for.
    show : callable, optional
        How the key prompt is shown (default: IPython's ``display``).

    Returns
    -------
    str
        ``"assemblyai"`` when it was asked for (or ``"auto"``) and a key is set;
        otherwise ``"offline"``. When AssemblyAI was asked for without a key, an
        `APIKeyPrompt` is shown and a line says that this run goes on offline.

    Raises
    ------
    ConfigError
        An unknown backend name.

    Examples
    --------
    >>> choose_backend("offline")
    'offline'
    """
    resolved = resolve_backend(backend)
    if backend != "assemblyai" or os.environ.get(KEY_VARIABLE, "").strip():
        return resolved
    if show is None:
        from IPython.display import display as show
    show(APIKeyPrompt())
    print(f'BACKEND = "assemblyai" but no AssemblyAI key is set ({KEY_VARIABLE}): this run goes on with the '
          "offline backend. Type the key in the box above, press Use this key, then run the cells below again.")
    return "offline"
