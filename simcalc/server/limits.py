"""Request-body size limit as plain ASGI middleware (checked before FastAPI reads or parses the body).

Why not only the ``Content-Length`` header: a chunked upload has none, so the bytes are also counted
as they arrive and the request is refused as soon as it passes the limit.
"""
from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException


async def _send_413(send: Any, max_bytes: int) -> None:
    body = json.dumps({"error": {"type": "body_too_large", "message": f"the request body is larger than "
                                 f"{max_bytes} bytes", "field": None}}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

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
                await _send_413(send, self.max_bytes)
                return
        received = 0

        async def counted() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # FastAPI passes HTTPException through its body parsing
                    raise HTTPException(413, f"the request body is larger than {self.max_bytes} bytes")
            return message

        await self.app(scope, counted, send)
