"""Unit tests of the async-task framework, and the helpers every async-task test module shares.

HTTP is faked with ``aioresponses``. Its 0.7.9 release builds ``aiohttp.ClientResponse`` objects
without the ``stream_writer`` argument that aiohttp 3.14 requires, so :func:`fake_http` patches in a
response class that supplies one; nothing else about aioresponses changes.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from types import SimpleNamespace
from typing import Any
from unittest import mock

import aioresponses.core as aioresponses_core
import pytest
from aiohttp import ClientResponse
from aioresponses import aioresponses
from yarl import URL

from airflow_provider_direct.async_task.client import AsyncTaskClient
from airflow_provider_direct.async_task.protocol import ResultStream
from airflow_provider_direct.hooks.async_task import AsyncTaskHook

BASE = "http://api.test"
TOKEN = "SECRET-TOKEN-123"

_NEEDS_STREAM_WRITER = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


class _CompatClientResponse(ClientResponse):
    """A ClientResponse aioresponses can build on aiohttp versions that require ``stream_writer``."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        if _NEEDS_STREAM_WRITER:
            kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


@contextmanager
def fake_http() -> Iterator[aioresponses]:
    """An ``aioresponses`` mock that works on this aiohttp; unmatched requests fail as connection errors."""
    with mock.patch.object(aioresponses_core, "ClientResponse", _CompatClientResponse), aioresponses() as mocked:
        yield mocked


def calls(mocked: aioresponses, method: str, url: str) -> list[Any]:
    """The recorded requests (``RequestCall``: ``.kwargs`` holds headers / json / params) to one URL."""
    return list(mocked.requests.get((method.upper(), aioresponses_core.normalize_url(URL(url))), []))


def all_calls(mocked: aioresponses) -> list[tuple[str, str]]:
    """Every request sent, as ``(METHOD, url)``, one entry per request."""
    return [(method, str(url)) for (method, url), sent in mocked.requests.items() for _ in sent]


def make_client(base: str = BASE, token: str | None = TOKEN, **kwargs: Any) -> AsyncTaskClient:
    """A client that retries without waiting (tests never sleep through backoff)."""
    kwargs.setdefault("api", "test")
    kwargs.setdefault("retry_min_wait", 0.0)
    kwargs.setdefault("retry_max_wait", 0.0)
    return AsyncTaskClient(base, token, **kwargs)


def patch_fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AsyncTaskHook (also those a trigger or an operator builds) retries without waiting."""
    original = AsyncTaskHook.__init__

    @functools.wraps(original)
    def init(self: AsyncTaskHook, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("retry_min_wait", 0.0)
        kwargs.setdefault("retry_max_wait", 0.0)
        original(self, *args, **kwargs)

    monkeypatch.setattr(AsyncTaskHook, "__init__", init)


def fetch_status_text(state: str, *, envelope_first: bool = True, **fields: Any) -> str:
    """A Direct fetch status body as the API sends it: the key ``status`` twice (envelope, then state)."""
    envelope = ['"status": "ok"', '"success": true', '"processId": "P"']
    process = [f'"status": {json.dumps(state)}'] + [
        f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()
    ]
    return "{" + ", ".join([*envelope, *process] if envelope_first else [*process, *envelope]) + "}"


@asynccontextmanager
async def bytes_stream(body: bytes, rows_path: str | None, status: int = 200) -> AsyncIterator[ResultStream]:
    """A ResultStream over a body already in hand, to feed the sinks without HTTP."""

    async def chunks() -> AsyncIterator[bytes]:
        yield body

    yield ResultStream(chunks(), rows_path, status)
