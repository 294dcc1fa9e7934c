"""Recordings where they live: folders and files behind any `fsspec` URL.

``s3://bucket/calls/``, ``gs://...``, ``az://...``, ``file:///data/calls/`` and
``http(s)://host/calls/`` (a folder whose index page links its files) are listed
through `fsspec`, the ecosystem's convention (s3fs, gcsfs, adlfs and HTTP all plug
into it). A plain ``https://host/a.wav`` (not ending in ``/``) stays what it always
was: one audio URL, handed to AssemblyAI as ``audio_url``.

Each object found becomes a `RemoteFile`: a small picklable reference (URL, name,
size, ETag or checksum), shipped to workers instead of audio bytes. Its
`RemoteFile.fingerprint` (ETag or content checksum, and size) keys every cache, so
an unchanged object is fetched (`fetch`) or paid for once. Credentials come from
the protocol's usual places (environment, profiles, instance roles): never from
the URL shown, and never in output (`RemoteFile` shows the URL without user
information or query string).

Protocol packages are optional extras: ``pip install 'turntune_nb[s3]'`` (s3fs),
``[gcs]`` (gcsfs), ``[azure]`` (adlfs), ``[http]`` (aiohttp); a missing one is named.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .errors import InputError

__all__ = ("RemoteFile", "is_remote", "list_remote", "resolve_remote", "public_url", "canonical_url", "filesystem",
           "fetch", "default_fetch_dir", "signed_url", "EXTRAS")

#: The extra that brings each protocol's package.
EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure", "abfss": "azure",
          "http": "http", "https": "http"}
_FSSPEC_PROTOCOLS = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "file", "memory")
_CHUNK = 1 << 20


def _protocol(value) -> str | None:
    if not isinstance(value, str):
        return None
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", value)
    return m.group(1).lower() if m else None


def is_remote(value) -> bool:
    """True for a `RemoteFile`, an fsspec URL (``s3://``, ``gs://``, ``az://``, ``file://``...), or an
    http(s) URL ending in ``/`` (a folder to list); False for a plain http(s) URL of one file.

    Examples
    --------
    >>> is_remote("s3://bucket/calls/"), is_remote("https://host/calls/"), is_remote("https://host/a.wav")
    (True, True, False)
    """
    if isinstance(value, RemoteFile):
        return True
    proto = _protocol(value)
    if proto in ("http", "https"):
        return value.split("?", 1)[0].endswith("/")
    return proto is not None and (proto in _FSSPEC_PROTOCOLS or proto in EXTRAS)


def public_url(url: str) -> str:
    """`url` without user information, query string or fragment: what may be shown or saved.

    Examples
    --------
    >>> public_url("https://user:secret@host/a.wav?X-Amz-Signature=S")
    'https://host/a.wav'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def canonical_url(url: str) -> str:
    """One spelling per http(s) object: scheme and host in lower case, no default port, no fragment,
    the path's ``.`` and ``..`` segments resolved, ``//`` collapsed and needless %-escapes undone (the
    query, when there is one, is kept as it is: it may name another object).

    Examples
    --------
    >>> canonical_url("HTTP://Host:80/calls/./sub/../%61.wav#t=1")
    'http://host/calls/a.wav'
    >>> canonical_url("https://host/calls/../../outside.wav")
    'https://host/outside.wav'
    """
    from urllib.parse import quote, unquote

    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:  # a malformed port or IPv6 host: kept as written, and never "inside" a folder
        return url
    if ":" in host:
        host = f"[{host}]"
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    path = unquote(parts.path or "/")
    trailing = path.endswith("/")
    path = posixpath.normpath("/" + path.lstrip("/"))
    path = "/" + path.lstrip("/")  # normpath keeps a leading "//"
    if trailing and path != "/":
        path += "/"
    return urlunsplit((scheme, host, quote(path, safe="/:@!$&'()*+,;=~"), parts.query, ""))


def _inside(url: str, folder: str) -> bool:
    """True when the http(s) `url` is under `folder` (same host and port, the folder's path a prefix;
    http and https count as one, as fsspec's listing allows): an index page's ``../`` links, and links
    to other hosts, are not."""
    a, b = urlsplit(canonical_url(url)), urlsplit(canonical_url(folder.rstrip("/") + "/"))
    return a.netloc == b.netloc and {a.scheme, b.scheme} <= {"http", "https"} and a.path.startswith(b.path) \
        and a.path != b.path


@dataclass(frozen=True)
class RemoteFile:
    """One object behind an fsspec URL, as listed: shipped to workers instead of its bytes.

    Attributes
    ----------
    url : str
        The full URL (``s3://bucket/calls/a.wav``).
    size : int or None
    etag : str or None
        The ETag, or another content checksum the store reports (md5, crc32c).
    """

    url: str
    size: int | None = None
    etag: str | None = None

    @property
    def name(self) -> str:
        """The object's file name (the last part of its path)."""
        return posixpath.basename(urlsplit(self.url).path.rstrip("/")) or "audio"

    @property
    def fingerprint(self) -> str:
        """What keys the caches: the URL shown, the ETag (or checksum) and the size."""
        return f"{public_url(self.url)}|etag={self.etag}|size={self.size}"

    @property
    def suffix(self) -> str:
        return posixpath.splitext(self.name)[1]

    def __str__(self) -> str:
        return public_url(self.url)

    def __repr__(self) -> str:
        return f"RemoteFile({public_url(self.url)!r}, size={self.size})"


def filesystem(url: str):
    """``(fs, path)`` for `url` through `fsspec.core.url_to_fs`, naming the extra when a package is missing.

    Raises
    ------
    InputError
        When fsspec or the protocol's package is not installed, or the protocol is unknown.
    """
    proto = _protocol(url) or "file"
    try:
        import fsspec.core
    except ImportError as err:
        extra = EXTRAS.get(proto, "s3")
        raise InputError(f"{public_url(url)}: remote folders need fsspec: pip install 'turntune_nb[{extra}]'") from err
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as err:
        extra = EXTRAS.get(proto)
        hint = f"pip install 'turntune_nb[{extra}]'" if extra else "install the fsspec package for this protocol"
        raise InputError(f"{public_url(url)}: the {proto}:// protocol needs a package that is not installed "
                         f"({err}); {hint}") from err
    except ValueError as err:
        raise InputError(f"{public_url(url)}: unknown protocol {proto!r} ({err})") from err


def _etag(info: dict) -> str | None:
    for key in ("ETag", "etag", "md5Hash", "crc32c", "content_md5", "checksum", "sha256"):
        value = info.get(key)
        if value:
            return str(value).strip('"')
    mtime = next((info[k] for k in ("mtime", "LastModified", "Last-Modified", "last_modified", "updated")
                  if info.get(k)), None)
    return None if mtime is None else f"mtime:{mtime}"


def _join(url: str, path: str, fs) -> str:
    proto = _protocol(url)
    if proto in ("http", "https"):
        return path  # the HTTP filesystem lists full URLs
    if proto == "file":
        return "file://" + path
    full = fs.unstrip_protocol(path)
    named = _protocol(full)  # adlfs names az:// objects abfs://: keep the scheme the user wrote
    return proto + full[len(named):] if proto and named and named != proto else full


def list_remote(url: str) -> list:
    """Every file directly inside the remote folder `url`, as `RemoteFile`s sorted by name.

    Raises
    ------
    InputError
        When the folder cannot be listed (missing, refused, not a folder), naming it and the reason.
    """
    fs, path = filesystem(url)
    try:
        entries = fs.ls(path, detail=True)
    except FileNotFoundError:
        raise InputError(f"{public_url(url)}: no such remote folder. Check the URL.") from None
    except PermissionError as err:
        raise InputError(f"{public_url(url)}: listing refused ({err}); check the credentials in the protocol's "
                         "usual place (environment, profile)") from err
    except (OSError, ValueError) as err:
        raise InputError(f"{public_url(url)}: cannot list it ({type(err).__name__}: {err})") from err
    if _protocol(url) in ("http", "https"):  # an index page gives names only: ask each file (HEAD)
        from concurrent.futures import ThreadPoolExecutor

        entries = _inside_folder(entries, url)

        def head(info):
            if info.get("type") == "directory" or str(info.get("name", "")).endswith("/"):
                return info
            try:
                return {**info, **fs.info(info["name"])}
            except (OSError, ValueError):
                return info
        with ThreadPoolExecutor(8) as pool:
            entries = list(pool.map(head, entries))
    found = []
    for info in entries:
        if info.get("type") not in (None, "file"):
            continue
        full = _join(url, info["name"], fs)
        if _protocol(full) in ("http", "https") and full.endswith("/"):
            continue
        size = info.get("size")
        found.append(RemoteFile(full, int(size) if size is not None else None, _etag(info)))
    return sorted(found, key=lambda r: r.name)


def _inside_folder(entries: list, url: str) -> list:
    """The index entries of the http(s) folder `url` that lie under it, each object once under its
    `canonical_url` (``a.wav``, ``./a.wav`` and ``/calls/a.wav`` are one object)."""
    kept = {}
    for info in entries:
        name = info.get("name")
        if not isinstance(name, str):
            continue
        canonical = canonical_url(name)
        if _inside(canonical, url) and canonical not in kept:
            kept[canonical] = {**info, "name": canonical}
    return list(kept.values())


def resolve_remote(url: str) -> tuple[list, bool]:
    """``(files, is_folder)``: the files of the remote folder `url`, or the one object it names.

    Raises
    ------
    InputError
        When nothing is found at `url`, or it cannot be read.
    """
    if _protocol(url) in ("http", "https"):
        return list_remote(url), True  # only folders (ending in /) come here
    fs, path = filesystem(url)
    try:
        if url.endswith("/") or fs.isdir(path):
            return list_remote(url), True
        info = fs.info(path)
    except FileNotFoundError:
        raise InputError(f"{public_url(url)}: no such remote file or folder. Check the URL.") from None
    except InputError:
        raise
    except Exception as err:  # OSError, ValueError, and the protocol library's own (botocore's NoCredentialsError)
        raise InputError(f"{public_url(url)}: cannot be read ({type(err).__name__}: {err}); check the URL and "
                         "the credentials in the protocol's usual place (environment, profile)") from err
    size = info.get("size")
    return [RemoteFile(url, int(size) if size is not None else None, _etag(info))], False


def default_fetch_dir() -> Path:
    """``$TURNTUNE_FETCH_DIR``, else ``$XDG_CACHE_HOME/turntune_nb/remote`` (``~/.cache`` by default)."""
    if os.environ.get("TURNTUNE_FETCH_DIR"):
        return Path(os.environ["TURNTUNE_FETCH_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "turntune_nb" / "remote"


def fetch(remote: RemoteFile, fetch_dir=None) -> Path:
    """A local copy of `remote`, fetched once per fingerprint (URL, ETag, size) and kept.

    The copy keeps the object's name (``<fetch_dir>/<key>/<name>``, folder 0700,
    file 0600) so what is computed from it is reported under that name. A second
    call, in this process or any other on the machine, reads the copy.

    Raises
    ------
    InputError
        When the object cannot be read, naming it and the reason.
    """
    folder = Path(fetch_dir) if fetch_dir is not None else default_fetch_dir()
    key = hashlib.sha256(remote.fingerprint.encode("utf-8")).hexdigest()[:32]
    target = folder / key / remote.name
    if target.is_file() and (remote.size is None or target.stat().st_size == remote.size):
        return target
    os.makedirs(target.parent, mode=0o700, exist_ok=True)
    fs, path = filesystem(remote.url)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".fetch-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out, fs.open(path, "rb") as src:
            for chunk in iter(lambda: src.read(_CHUNK), b""):
                out.write(chunk)
        os.replace(tmp, target)
    except FileNotFoundError:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{remote}: the object is gone (listed, then not found); re-run to list again") from None
    except (OSError, ValueError) as err:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{remote}: cannot be read ({type(err).__name__}: {err})") from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def signed_url(remote: RemoteFile, expiration: int = 24 * 3600) -> str | None:
    """An https URL a service can fetch `remote` from, or None when there is none.

    An http(s) object is its own URL; an object whose filesystem signs URLs
    (``fs.sign``: s3fs, gcsfs, adlfs) gets a presigned one valid for `expiration`
    seconds; anything else (``file://``, a store that cannot sign) has to be uploaded.
    The result carries credentials in its query: never show or save it.
    """
    if _protocol(remote.url) in ("http", "https"):
        return remote.url
    fs, path = filesystem(remote.url)
    try:
        url = fs.sign(path, expiration=expiration)
    except (NotImplementedError, AttributeError, TypeError, ValueError, OSError):
        return None
    return url if isinstance(url, str) and _protocol(url) in ("http", "https") else None
