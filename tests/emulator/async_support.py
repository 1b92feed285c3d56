"""Helpers for the async-API emulator tests: an authenticated caller and a loopback callback sink."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

TOKEN = "async-token"  # user-1
TOKEN_2 = "async-token-2"  # user-2


class Caller:
    """Raw HTTP against the emulator with ``Authorization: Bearer``; redirects are not followed by default."""

    def __init__(self, url: str, token: str | None = TOKEN) -> None:
        self.url = url
        self.token = token
        self.session = requests.Session()
        self.session.trust_env = False

    def request(self, method: str, path: str, *, token: str | None = "", **kwargs: Any) -> requests.Response:
        """``token=""`` uses the caller's token, ``None`` sends no Authorization header."""
        token = self.token if token == "" else token
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        target = path if path.startswith("http") else f"{self.url}{path}"
        return self.session.request(method, target, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object as parsed pairs, told apart from a JSON array."""


def _plain(value: Any) -> Any:
    if isinstance(value, _Pairs):
        return {key: _plain(item) for key, item in value}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def pairs(text: str) -> list[tuple[str, Any]]:
    """Top-level key/value pairs of a JSON object, duplicates kept (``json.loads`` keeps only the last)."""
    parsed = json.loads(text, object_pairs_hook=_Pairs)
    return [(key, _plain(value)) for key, value in parsed]


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class CallbackSink:
    """A tiny HTTP server on 127.0.0.1 that records every request and answers ``status``."""

    status: int = 200
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                sink.received.append(
                    Received(
                        method=self.command,
                        path=parts.path,
                        query=dict(parse_qsl(parts.query)),
                        headers={key.lower(): value for key, value in self.headers.items()},
                        body=self.rfile.read(length) if length else b"",
                    )
                )
                self.send_response(sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _record

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def wait(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> CallbackSink:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def wait_for(predicate: Any, timeout: float = 10.0) -> Any:
    """Poll ``predicate()`` until it returns something truthy; fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
