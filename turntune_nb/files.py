"""Finding input files: audio by the guide's extension list, and URLs."""

from __future__ import annotations

from pathlib import Path

from .errors import InputError

__all__ = ("AUDIO_EXTENSIONS", "find_audio_files", "is_url", "read_url_list")

#: Every extension AssemblyAI's guide accepts (compared case-insensitively).
AUDIO_EXTENSIONS = frozenset({
    ".aac", ".ac3", ".aif", ".aiff", ".alac", ".amr", ".ape", ".au", ".dss", ".flac",
    ".m4a", ".m4b", ".m4p", ".mp3", ".mpga", ".ogg", ".oga", ".mogg", ".opus", ".qcp",
    ".tta", ".voc", ".wav", ".wv", ".webm", ".mts", ".m2ts", ".ts", ".mov", ".mp4", ".m4v",
})


def is_url(value) -> bool:
    """True for an http(s) URL given as a string."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def find_audio_files(folder) -> list[Path]:
    """The audio files directly inside `folder`, sorted by name.

    Raises
    ------
    InputError
        When the folder does not exist, or holds no audio file (the message lists
        what it does hold).

    Examples
    --------
    >>> [p.name for p in find_audio_files("samples/real")]
    ['sample.wav']
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"Folder not found: {folder}")
    files = sorted(
        (f for f in folder.iterdir() if f.is_file() and f.suffix.lower() in AUDIO_EXTENSIONS),
        key=lambda p: p.name,
    )
    if not files:
        present = sorted(f.name for f in folder.iterdir())
        shown = ", ".join(present[:10]) + (f", ... ({len(present)} in all)" if len(present) > 10 else "")
        raise InputError(
            f"No audio files found in {folder} (it holds: {shown or 'nothing'}). "
            f"Accepted extensions: {', '.join(sorted(AUDIO_EXTENSIONS))}"
        )
    return files


def read_url_list(path) -> list[str]:
    """The http(s) URLs listed in a text file, one per line (# starts a comment).

    Raises
    ------
    InputError
        When a non-empty line is not an http(s) URL.
    """
    path = Path(path)
    urls = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if not is_url(line):
            raise InputError(f"{path}, line {lineno}: not an http(s) URL: {line[:80]!r}")
        urls.append(line)
    return urls
