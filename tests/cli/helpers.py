"""What the command-line tests share: running ``python -m turntune_nb`` as a user would."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def flat(text: str) -> str:
    """`text` with its line wrapping undone (the terminal output wraps to 80 columns)."""
    return " ".join(text.split())


def run_cli(*args, **kw) -> subprocess.CompletedProcess:
    """``python -m turntune_nb ARGS`` from the repository's root, its output captured."""
    return subprocess.run([sys.executable, "-m", "turntune_nb", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, **kw)


def plain_env(**extra) -> dict:
    """The environment of a command run in a pipe: no key, no colour forced, no width told."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("ASSEMBLYAI_API_KEY", "COLUMNS", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE")}
    return {**env, **extra}


def too_wide(text: str, width: int = 80) -> list:
    """The lines of `text` longer than `width`."""
    return [line for line in text.splitlines() if len(line) > width]
