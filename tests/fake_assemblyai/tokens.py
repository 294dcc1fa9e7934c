"""The fake's temporary-token endpoint, ``GET /v3/token`` (reference/assemblyai_protocol.md 2.1).

``?expires_in_seconds=N[&max_session_duration_seconds=M]`` with the key in
``Authorization`` answers ``{"token", "expires_in_seconds"}`` (N 1-600, M 60-10800,
else 400 ``{"error"}``; a bad key 401). The token is stored beside the streaming
module's (single use, valid for N s) and the request recorded (`streaming.tokens_minted`).
"""

from __future__ import annotations

import time
import uuid

from aiohttp import web

from .streaming import _store

__all__ = ("register",)


def register(app: web.Application, fake) -> None:
    """Add ``GET /v3/token`` to the fake's app."""

    async def token(request: web.Request) -> web.Response:
        return _token(request, fake)

    app.router.add_get("/v3/token", token)


def _token(request: web.Request, fake) -> web.Response:
    store = _store(fake)
    with fake.state.lock:
        fake.state.counts["token"] += 1
        fake.state.requests.append(("GET", request.path, {k: v for k, v in request.headers.items()
                                                          if k.lower() != "authorization"}))
    if request.headers.get("Authorization") != fake.api_key:
        return web.json_response({"error": "Authentication error, API token missing/invalid"}, status=401)
    q = request.query
    try:
        expires = int(q["expires_in_seconds"])
        duration = int(q.get("max_session_duration_seconds", 10800))
    except KeyError:
        return web.json_response({"error": "expires_in_seconds is required"}, status=400)
    except ValueError:
        return web.json_response({"error": "expires_in_seconds and max_session_duration_seconds must be integers"},
                                 status=400)
    if not 1 <= expires <= 600:
        return web.json_response({"error": "expires_in_seconds must be between 1 and 600"}, status=400)
    if not 60 <= duration <= 10800:
        return web.json_response({"error": "max_session_duration_seconds must be between 60 and 10800"}, status=400)
    token = "tmp-" + uuid.uuid4().hex
    with fake.state.lock:
        store["tokens"][token] = time.monotonic() + expires
        store["minted"].append({"query": dict(q), "token": token})
    return web.json_response({"token": token, "expires_in_seconds": expires})
