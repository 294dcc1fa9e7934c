"""Inputs and files: what to analyse (audio by the guide's extension list, URLs,
URL lists), how each input ended (`FileOutcome`), and safe writes (file names
without path tricks; atomic, private writes).

Every file the package writes goes through `atomic_write_bytes` (or its text and
JSON twins): a unique temporary name in the target folder, created 0600 (owner
only, whatever the umask), fsynced, then renamed over the target, and the folder
fsynced, so a reader sees the old file or the new one, never half of one, even
after a crash or with two writers at once. Folders the package creates are 0700
(`make_private_dir`). Summaries, tables, reports, configs and the transcript cache
all hold call timing or words: nobody else on the machine needs to read them.

Shared by every wing (the analysis wing saves its summaries and configs through
it); it knows nothing of any of them.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .remote import RemoteFile, canonical_url, is_remote, resolve_remote

__all__ = (
    "AUDIO_EXTENSIONS",
    "OK",
    "FAILED",
    "SKIPPED",
    "FileOutcome",
    "collect_inputs",
    "atomic_write_text",
    "find_audio_files",
    "input_name",
    "strip_url_queries",
    "unreadable_reason",
    "unsigned_url",
    "without_url_queries",
    "is_url",
    "read_url_list",
    "safe_filename",
    "atomic_write_json",
    "atomic_write_text",
    "atomic_write_bytes",
    "make_private_dir",
    "check_writable_dir",
    "PRIVATE_FILE_MODE",
    "PRIVATE_DIR_MODE",
)

#: Mode of every file the package writes, and of every folder it creates.
PRIVATE_FILE_MODE, PRIVATE_DIR_MODE = 0o600, 0o700

#: How an input ended.
OK, FAILED, SKIPPED = "ok", "failed", "skipped"
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}

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


def unreadable_reason(path) -> str | None:
    """Why `path` (an entry of a folder) cannot be read as an audio file, or None for a regular file:
    a named pipe (reading it may wait forever), a socket, a device, a folder, a symbolic link loop or
    a broken link.

    Examples
    --------
    >>> unreadable_reason("samples/real/sample.wav") is None
    True
    """
    import errno
    import stat

    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a symbolic link loop (the link leads back to itself): fix or remove the link"
        if path.is_symlink():
            return f"a broken symbolic link (its target {os.readlink(path)} does not exist)"
        return f"cannot be read ({err.strerror or err})"
    if stat.S_ISREG(mode):
        return None
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a folder" if stat.S_ISDIR(mode)
            else "not a regular file")
    return f"{kind}, not a regular file: it is not read; copy what it holds into a regular file"


def _unreadable_entries(folder: Path) -> list:
    """``(path, reason)`` of the entries of `folder` with an audio extension that cannot be read as files."""
    out = []
    for f in sorted(folder.iterdir()):
        if f.suffix.lower() in AUDIO_EXTENSIONS and not f.name.startswith("."):
            reason = unreadable_reason(f)
            if reason is not None:
                out.append((f, reason))
    return out


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


@dataclass
class FileOutcome:
    """How one input ended.

    Attributes
    ----------
    source : str
        The path or URL as given.
    name : str
        The file name, or the URL without its query string.
    status : str
        ``"ok"``, ``"failed"`` or ``"skipped"``.
    reason : str, optional
        Why it failed or was skipped (AssemblyAI's own text for failed jobs).
    stage : str, optional
        Where: ``"input"``, ``"read"`` or ``"transcribe"``.
    transcript : Transcript, optional
    transcript_id : str, optional
        AssemblyAI's job id, when a job exists.
    cached : bool
        True when the transcript came from the cache (no request was made).
    output_path : Path, optional
        Where its transcript JSON was written.
    """

    source: str = field(repr=False)  # as given, but a URL without its query (a presigned URL's signature)
    name: str
    status: str
    reason: str | None = None
    stage: str | None = None
    transcript: object | None = None  # an analysis.model.Transcript
    transcript_id: str | None = None
    cached: bool = False
    output_path: Path | None = None

    def __post_init__(self):
        if is_url(self.source):  # shown and saved: the signature of a presigned URL stays out
            self.source = input_name(self.source)

    def as_failed(self) -> dict:
        """The ``{"filename", "reason", "stage"}`` record `analyze_transcripts` lists as skipped."""
        return {"filename": self.name, "reason": self.reason or self.status, "stage": self.stage or "transcribe"}


def input_name(source) -> str:
    """The name an input is reported by: a file's name, or a URL without its query string (a presigned
    URL's signature stays out of messages)."""
    if isinstance(source, RemoteFile):
        return source.name
    if is_url(source):
        return str(source).split("?", 1)[0].split("#", 1)[0]
    return Path(source).name


#: A URL's query string or fragment, up to whitespace or the punctuation that ends a sentence.
_URL_QUERY = re.compile(r"(https?://[^\s?#]+)[?#]\S*?(?=[.,;:!)\]]*(?:\s|$))")


def strip_url_queries(text: str) -> str:
    """`text` with the query string (and fragment) of every http(s) URL in it removed:
    AssemblyAI echoes the ``audio_url`` in its errors, and a presigned URL carries its
    credentials there.

    Examples
    --------
    >>> strip_url_queries("unable to download https://b.example/a.wav?X-Amz-Signature=S&k=v. Please retry.")
    'unable to download https://b.example/a.wav. Please retry.'
    """
    return _URL_QUERY.sub(r"\1", text)


def unsigned_url(url: str) -> str:
    """`url` without its query string, fragment and user:password: the object's own URL, what is
    matched on and saved (a presigned URL's signature is a credential).

    Examples
    --------
    >>> unsigned_url("https://me:pw@b.example/calls/a.wav?X-Amz-Signature=S#t=1")
    'https://b.example/calls/a.wav'
    >>> unsigned_url("not a url?x=1")
    'not a url?x=1'
    """
    if not isinstance(url, str) or not is_url(url):
        return url
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        host = parts.netloc.rsplit("@", 1)[-1]
    except ValueError:  # a malformed URL (bad port, bad IPv6): nothing after its path is kept
        return url.split("?", 1)[0].split("#", 1)[0]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def without_url_queries(data):
    """A copy of a transcript's JSON (a dict) whose top-level URLs (``audio_url``, ``webhook_url``) are
    `unsigned_url` and whose other top-level text (``error``) has `strip_url_queries` applied; anything
    else is returned as it is. What AssemblyAI echoes is saved this way, never with a signature.

    Examples
    --------
    >>> without_url_queries({"id": "t1", "audio_url": "https://b.example/a.wav?sig=S", "words": []})
    {'id': 't1', 'audio_url': 'https://b.example/a.wav', 'words': []}
    """
    if not isinstance(data, dict):
        return data
    out = {}
    for k, v in data.items():
        if isinstance(v, str) and ("?" in v or "#" in v or "@" in v) and "://" in v:
            v = unsigned_url(v) if is_url(v) and not any(c.isspace() for c in v) else strip_url_queries(v)
        out[k] = v
    return out


def collect_inputs(folder_or_paths) -> tuple[list, list]:
    """What to transcribe: audio files and URLs, and the inputs skipped on the way.

    Parameters
    ----------
    folder_or_paths : str, Path or iterable of them
        Folders (their audio files, by the guide's extension list), audio files,
        http(s) URLs, and ``.txt`` files listing URLs one per line. Remote folders
        and files by fsspec URL (``s3://bucket/calls/``, ``gs://``, ``az://``,
        ``file://``, an ``http(s)://host/calls/`` index page: note the final ``/``;
        without it an http(s) URL is one audio file) give `RemoteFile`s, listed and
        filtered the same way (see `turntune_nb.remote`).

    Returns
    -------
    inputs : list of Path, str or RemoteFile
        In the order given (folders sorted by name), without duplicates.
    skipped : list of FileOutcome
        Files in a folder, or given, that are not audio by their extension.

    Raises
    ------
    InputError
        When a path does not exist, a folder holds no audio file, or a URL list has a
        line that is not a URL.

    Examples
    --------
    >>> inputs, skipped = collect_inputs("samples/real")
    >>> [p.name for p in inputs], sorted(s.name for s in skipped)
    (['sample.wav'], ['sample.rttm'])
    """
    if isinstance(folder_or_paths, (str, Path)):
        folder_or_paths = [folder_or_paths]
    inputs, skipped, seen = [], [], set()

    def add(item):
        if isinstance(item, RemoteFile):
            ident = item.fingerprint
        else:
            ident = canonical_url(item) if is_url(item) else str(Path(item).resolve())  # one object, one input
        if ident not in seen:
            seen.add(ident)
            inputs.append(item)

    def skip(path: Path):
        ext = path.suffix or "(none)"
        skipped.append(FileOutcome(str(path), path.name, SKIPPED, stage="input",
                                   reason=f"not an audio file: the extension {ext} is not one AssemblyAI accepts"))

    for item in folder_or_paths:
        if is_remote(item):
            _collect_remote(item, add, skipped)
            continue
        if is_url(item):
            add(str(item))
            continue
        path = Path(item)
        if path.is_dir():
            unreadable = _unreadable_entries(path)
            try:
                audio = find_audio_files(path)
            except InputError:
                if not unreadable:
                    raise
                audio = []
            for f in audio:
                add(f)
            for f, reason in unreadable:  # named, with why, never dropped without a word
                skipped.append(FileOutcome(str(f), f.name, SKIPPED, reason, stage="read"))
            chosen = set(audio)
            for f in sorted(path.iterdir()):
                if f.is_file() and f not in chosen and not f.name.startswith("."):
                    skip(f)
        elif path.is_file():
            if path.suffix.lower() == ".txt":
                for url in read_url_list(path):
                    add(url)
            elif path.suffix.lower() in AUDIO_EXTENSIONS:
                add(path)
            else:
                skip(path)
        else:
            raise InputError(f"{item}: no such file or folder, and not an http(s) URL. Check the path.")
    return inputs, skipped


def _collect_remote(item, add, skipped) -> None:
    """`collect_inputs` for one `RemoteFile` or fsspec URL: its audio files added, the rest skipped."""
    if isinstance(item, RemoteFile):
        found, folder = [item], False
    else:
        found, folder = resolve_remote(str(item))
    audio = [r for r in found if r.suffix.lower() in AUDIO_EXTENSIONS]
    for r in found:
        if r.suffix.lower() in AUDIO_EXTENSIONS:
            add(r)
        elif not r.name.startswith("."):
            skipped.append(FileOutcome(str(r), r.name, SKIPPED, stage="input",
                                       reason=f"not an audio file: the extension {r.suffix or '(none)'} "
                                              "is not one AssemblyAI accepts"))
    if folder and not audio:
        shown = ", ".join(r.name for r in found[:10]) + (f", ... ({len(found)} in all)" if len(found) > 10 else "")
        raise InputError(f"No audio files found in {item} (it holds: {shown or 'nothing'}). "
                         f"Accepted extensions: {', '.join(sorted(AUDIO_EXTENSIONS))}")


def safe_filename(name: str, max_length: int = 100) -> str:
    """A file name without path tricks: ASCII letters, digits, ``._-`` only.

    Examples
    --------
    >>> safe_filename("../../etc/passwd")
    'passwd'
    >>> safe_filename("Call 3 (Ana & Bo).wav")
    'Call_3_Ana_Bo_.wav'
    >>> safe_filename("https://x.org/a/CON.mp3?sig=1")
    '_CON.mp3'
    """
    base = re.split(r"[\\/]", name.split("?", 1)[0].split("#", 1)[0].rstrip("/\\"))[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")[:max_length] or "audio"
    if base.split(".", 1)[0].upper() in _RESERVED:
        base = "_" + base
    return base


def make_private_dir(path) -> Path:
    """Create `path` and its missing parents as 0700 folders (whatever the umask) and return it.

    Folders that exist already are left as they are: only what the package creates
    is made private.
    """
    path = Path(path)
    missing = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # made by another process meanwhile
        os.chmod(folder, PRIVATE_DIR_MODE)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    return path


def check_writable_dir(path, what: str) -> Path:
    """Make sure files can be written in `path` (created 0700 when missing) and return it.

    Meant to run before any paid or slow work: a probe file is created and removed.

    Raises
    ------
    InputError
        Naming the folder, the reason and what to do.

    Examples
    --------
    >>> import tempfile
    >>> check_writable_dir(Path(tempfile.mkdtemp()) / "out", "the output folder").name
    'out'
    """
    path = Path(path)
    try:
        make_private_dir(path)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".turntune-probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        reason = err.strerror or str(err)
        raise InputError(f"{what} {path} cannot be written ({reason}): choose another folder, "
                         "or fix its permissions, and run again. Nothing was uploaded or paid.") from err
    return path


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write `data` to `path` atomically and privately (0600), and return the path.

    A unique temporary file in the same folder (so two writers never share one),
    fsynced, renamed over `path`, then the folder fsynced so the rename survives a
    power cut. Missing folders are created 0700.
    """
    path = Path(path)
    make_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_text(path, text: str) -> Path:
    """`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path, data, *, indent: int | None = None) -> Path:
    """`atomic_write_bytes` for JSON (UTF-8, non-ASCII kept)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return atomic_write_text(path, text + ("\n" if indent is not None else ""))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every platform (Windows): the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
