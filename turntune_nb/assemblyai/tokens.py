"""Temporary streaming tokens: the key stays in the kernel, a token goes where it is needed.

``GET https://streaming.assemblyai.com/v3/token?expires_in_seconds=N`` with the API
key in ``Authorization`` answers ``{"token": "...", "expires_in_seconds": N}``. The
token authorises one streaming session (``?token=`` on the WebSocket URL, or the
``Authorization`` header) that must begin within ``expires_in_seconds`` (1-600) and
lasts at most ``max_session_duration_seconds`` (60-10800, default 10800). A browser
given a token can stream straight to AssemblyAI without ever holding the key.

    token = create_temporary_token(expires_in_seconds=60)
    url = streaming_url_with_token(token, params)   # for a browser's WebSocket
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests

from ..errors import APIError, AuthenticationError, ConfigError, MissingAPIKeyError, RateLimitError

__all__ = ("create_temporary_token", "token_endpoint", "streaming_url_with_token", "EXPIRES_LIMITS",
           "SESSION_DURATION_LIMITS")

log = logging.getLogger(__name__)

#: ``expires_in_seconds`` limits (s): the token must be used within this long.
EXPIRES_LIMITS = (1, 600)
#: ``max_session_duration_seconds`` limits (s).
SESSION_DURATION_LIMITS = (60, 10_800)

_DEFAULT_STREAMING_URL = "wss://streaming.assemblyai.com/v3/ws"


def _ws_url(url: str | None) -> str:
    return (url or os.environ.get("ASSEMBLYAI_STREAMING_URL") or _DEFAULT_STREAMING_URL).split("?")[0]


def token_endpoint(url: str | None = None) -> str:
    """The token endpoint beside a streaming WebSocket URL (``wss`` -> ``https``).

    Examples
    --------
    >>> token_endpoint("wss://streaming.eu.assemblyai.com/v3/ws")
    'https://streaming.eu.assemblyai.com/v3/token'
    >>> token_endpoint("ws://127.0.0.1:8123/v3/ws?sample_rate=16000")
    'http://127.0.0.1:8123/v3/token'
    """
    parts = urlsplit(_ws_url(url))
    scheme = {"wss": "https", "ws": "http"}.get(parts.scheme, parts.scheme)
    path = parts.path.rsplit("/", 1)[0] + "/token" if parts.path.endswith("/ws") else "/v3/token"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def streaming_url_with_token(token: str, params: dict, url: str | None = None) -> str:
    """The WebSocket URL a browser opens: the connection parameters plus ``token``.

    Booleans become ``"true"``/``"false"`` as the API expects.

    Examples
    --------
    >>> streaming_url_with_token("tmp1", {"sample_rate": 16000, "format_turns": True}, "ws://h/v3/ws")
    'ws://h/v3/ws?sample_rate=16000&format_turns=true&token=tmp1'
    """
    query = {k: ("true" if v is True else "false" if v is False else v) for k, v in params.items() if v is not None}
    query["token"] = token
    return f"{_ws_url(url)}?{urlencode(query)}"


def create_temporary_token(api_key: str | None = None, *, expires_in_seconds: int = 60,
                           max_session_duration_seconds: int | None = None, url: str | None = None,
                           timeout: float = 10.0, session: requests.Session | None = None) -> str:
    """Mint a single-use temporary streaming token with the API key.

    Parameters
    ----------
    api_key : str, optional
        Defaults to ``ASSEMBLYAI_API_KEY``.
    expires_in_seconds : int
        The session must begin within this long (1-600 s).
    max_session_duration_seconds : int, optional
        Cap on the session's length (60-10800 s; the service's default 10800).
    url : str, optional
        The streaming WebSocket URL whose host mints the token (defaults to
        ``ASSEMBLYAI_STREAMING_URL``, then AssemblyAI's edge endpoint).

    Returns
    -------
    str
        The token (never logged).

    Raises
    ------
    ConfigError
        A duration out of range.
    MissingAPIKeyError, AuthenticationError, RateLimitError, APIError
        No key; the key refused (401/403); 429; another failure.
    """
    for name, value, (lo, hi) in (("expires_in_seconds", expires_in_seconds, EXPIRES_LIMITS),
                                  ("max_session_duration_seconds", max_session_duration_seconds,
                                   SESSION_DURATION_LIMITS)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ConfigError(f"{name} must be whole seconds in {lo}..{hi}, got {value!r}")
    key = api_key or os.environ.get("ASSEMBLYAI_API_KEY") or None
    if not key:
        raise MissingAPIKeyError("No AssemblyAI API key to mint a streaming token: set ASSEMBLYAI_API_KEY or "
                                 "pass api_key=..., or use the offline endpointer.")
    endpoint = token_endpoint(url)
    query = {"expires_in_seconds": expires_in_seconds}
    if max_session_duration_seconds is not None:
        query["max_session_duration_seconds"] = max_session_duration_seconds
    http = session or requests.Session()
    try:
        resp = http.get(endpoint, params=query, headers={"Authorization": key}, timeout=timeout)
    except requests.RequestException as err:
        raise APIError(f"cannot reach {endpoint} to mint a streaming token ({type(err).__name__}). "
                       "Check the network, or ASSEMBLYAI_STREAMING_URL if set.") from None
    finally:
        if session is None:
            http.close()
    body = resp.text.replace(key, "***")[:300]
    if resp.status_code in (401, 403):
        raise AuthenticationError(f"{endpoint} refused the API key (HTTP {resp.status_code}): check ASSEMBLYAI_API_KEY",
                                  resp.status_code)
    if resp.status_code == 429:
        raise RateLimitError(f"{endpoint} answered 429 Too Many Requests: wait and mint again", 429)
    if resp.status_code != 200:
        raise APIError(f"{endpoint} answered HTTP {resp.status_code} {body}".strip(), resp.status_code)
    try:
        token = resp.json()["token"]
    except (ValueError, KeyError, TypeError):
        raise APIError(f"{endpoint} answered 200 without a token: {body}") from None
    if not isinstance(token, str) or not token:
        raise APIError(f"{endpoint} answered 200 with an empty token")
    log.debug("minted a temporary streaming token (expires in %s s)", expires_in_seconds)
    return token
