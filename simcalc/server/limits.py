"""Plain ASGI middleware checked before FastAPI reads a request: body size, and the Host header.

Why count the body and not only trust ``Content-Length``: a chunked upload has none, so the bytes are
also counted as they arrive and the request is refused as soon as it passes the limit.
Why a read timeout on the body: a client that sends headers and then part of a body (or nothing) would
otherwise hold its connection, and a request slot, for as long as it likes.
Why check Host on a loopback server: without it a web page the user visits could reach the API
through DNS rebinding (its own host name resolving to 127.0.0.1).
"""
from __future__ import annotations

import json
from typing import Any

import anyio
from starlette.exceptions import HTTPException


async def _send_error(send: Any, status: int, kind: str, message: str) -> None:
    body = json.dumps({"error": {"type": kind, "message": message, "field": None}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse a body over ``max_bytes`` (413), and one whose next part takes over ``read_timeout_s`` (408)."""

    def __init__(self, app: Any, max_bytes: int, read_timeout_s: float | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout_s = read_timeout_s

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False  # the server (h11/httptools) rejects a malformed header itself
            if too_big:
                await _send_error(send, 413, "body_too_large", f"the request body is larger than {self.max_bytes} bytes")
                return
        received = 0
        complete = False

        async def counted() -> dict:
            nonlocal received, complete
            if complete or self.read_timeout_s is None:  # after the body: waiting for a disconnect is normal
                message = await receive()
            else:
                with anyio.move_on_after(self.read_timeout_s) as waited:
                    message = await receive()
                if waited.cancelled_caught:  # FastAPI passes HTTPException through its body parsing
                    raise HTTPException(408, f"the request body did not arrive within {self.read_timeout_s:g} s")
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_bytes:
                    raise HTTPException(413, f"the request body is larger than {self.max_bytes} bytes")
            return message

        await self.app(scope, counted, send)


class AllowedHosts:
    """Answer 400 to a request whose Host header names none of ``hosts`` (the port is ignored)."""

    def __init__(self, app: Any, hosts: tuple[str, ...]) -> None:
        self.app = app
        self.hosts = {h.lower() for h in hosts}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            raw = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1").lower()
            host = raw.split("]")[0] + "]" if raw.startswith("[") else raw.split(":")[0]  # [::1]:8000, name:8000
            if host not in self.hosts:
                await _send_error(send, 400, "host_not_allowed", f"Host {raw!r} is not served here; "
                                  f"this server answers to {', '.join(sorted(self.hosts))} (see --allow-host)")
                return
        await self.app(scope, receive, send)
