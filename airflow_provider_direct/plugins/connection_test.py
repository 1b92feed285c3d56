"""Make the UI's Test button work for ``yandex_direct`` connections on Airflow 3.3.

The connections list posts ``port: Number(connection.port)``, so a connection without a port is tested
with ``port: 0``. Airflow 3.3.2's ``POST /api/v2/connections/test`` takes 0 for a new destination,
refuses to reuse the stored (masked) token and answers 400 "The host or port to test differs from the
stored connection". Fixed upstream in apache/airflow#73298 (not in a 3.3 release yet). The Direct API
has no port of its own (the form hides it), so for this connection type port 0 means "no port".
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_direct.hooks.direct import DirectHook

TEST_PATH = "/api/v2/connections/test"
#: Connection types whose form hides the port: 0 from the UI can only mean "not set".
PORTLESS_TYPES = frozenset({DirectHook.conn_type})
#: A connection test body is a handful of fields; anything larger is passed through untouched.
MAX_BODY = 64 * 1024

Scope = dict[str, Any]
Message = dict[str, Any]


def normalise_test_body(body: bytes) -> bytes | None:
    """The body with ``port: 0`` dropped for a port-less connection type; ``None`` when nothing changes."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("conn_type") not in PORTLESS_TYPES:
        return None
    if payload.get("port") != 0 or isinstance(payload.get("port"), bool):
        return None
    payload["port"] = None
    return json.dumps(payload).encode()


class ConnectionTestPortMiddleware:
    """Pure ASGI middleware: rewrites only ``POST .../connections/test`` bodies, streams everything else."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or not scope["path"].endswith(TEST_PATH):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message: Message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                await self.app(scope, _replay([message]), send)
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
            if size > MAX_BODY and more:
                replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": True}]
                await self.app(scope, _replay(replay, receive), send)
                return
        body = b"".join(chunks)
        fixed = normalise_test_body(body)
        if fixed is not None:
            body = fixed
            headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
            scope = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}]), send)


def _replay(messages: list[Message], then: Any = None) -> Any:
    """A ``receive`` callable that hands out ``messages`` first, then defers to ``then``."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
