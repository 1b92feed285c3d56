"""aiohttp client shared by every async-task protocol.

It owns the rules that keep a token safe and a wait robust: URLs taken from headers or bodies are
resolved against the connection's base URL and refused when they point at another host; the token
is only ever sent to that host; transient failures (connection errors, timeouts, 5xx, 429) are
retried with bounded exponential backoff that honours ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import tenacity
from multidict import CIMultiDict

from airflow_provider_direct.async_task.errors import (
    AsyncTaskAuthError,
    AsyncTaskBusyError,
    AsyncTaskForeignHostError,
    AsyncTaskProtocolError,
    AsyncTaskTransientError,
)


class Repeated(list):  # type: ignore[type-arg]
    """All values of a key that a JSON object carries more than once, in document order."""


def _keep_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            previous = out[key]
            out[key] = Repeated([*previous, value]) if isinstance(previous, Repeated) else Repeated([previous, value])
        else:
            out[key] = value
    return out


def loads_keeping_duplicates(body: bytes | str) -> Any:
    """Parse JSON so a repeated key keeps every value (as :class:`Repeated`), never just the last."""
    return json.loads(body, object_pairs_hook=_keep_duplicates)


@dataclass
class HttpAnswer:
    """A whole (small) answer: status, headers and body bytes."""

    status: int
    headers: CIMultiDict[str]
    body: bytes
    url: str

    def json(self, api: str = "", keep_duplicates: bool = False) -> Any:
        try:
            return loads_keeping_duplicates(self.body) if keep_duplicates else json.loads(self.body)
        except ValueError:
            raise AsyncTaskProtocolError(
                f"expected JSON from {urlsplit(self.url).path}, got {snippet(self.body)}",
                api=api,
                http_status=self.status,
            ) from None


def snippet(body: bytes, limit: int = 300) -> str:
    text = body[:limit].decode("utf-8", "replace").strip().replace("\n", " ")
    return (text + ("…" if len(body) > limit else "")) if text else "(empty body)"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The server's wait hint in seconds: ``Retry-After``, else MoySklad's ``X-Lognex-Retry-After`` (ms)."""
    for name, scale in (("Retry-After", 1.0), ("X-Lognex-Retry-After", 0.001)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            return None
    return None


class AsyncTaskClient:
    """One API's HTTP client: base URL, bearer token, same-host rule, retries.

    :param base_url: the connection's base URL; every relative URL is resolved against it.
    :param token: bearer token, sent only to ``base_url``'s host.
    :param api: name used in error messages.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        api: str,
        headers: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        max_retries: int = 4,
        retry_min_wait: float = 1.0,
        retry_max_wait: float = 30.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self._token = token
        self.api = api
        self.headers = dict(headers or {})
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_retries = max_retries
        self.retry_min_wait = retry_min_wait
        self.retry_max_wait = retry_max_wait
        self._session = session
        self._owns_session = session is None

    def __repr__(self) -> str:
        return f"<AsyncTaskClient {self.api} {self.base_url}>"

    async def __aenter__(self) -> AsyncTaskClient:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use the client as 'async with client:'")
        return self._session

    # ------------------------------------------------------------------ URLs

    def resolve(self, url: str) -> str:
        """Absolute URL of ``url`` against the base URL; another host is refused."""
        absolute = urljoin(self.base_url, url)
        if _origin(absolute) != _origin(self.base_url):
            raise AsyncTaskForeignHostError(
                f"refusing {urlsplit(absolute).scheme}://{urlsplit(absolute).netloc}: not the connection's host "
                f"{urlsplit(self.base_url).netloc}",
                api=self.api,
            )
        return absolute

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    # ------------------------------------------------------------------ requests

    def _retrying(self) -> tenacity.AsyncRetrying:
        return tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=_HintedWait(self.retry_min_wait, self.retry_max_wait),
            retry=tenacity.retry_if_exception_type(AsyncTaskTransientError),
            reraise=True,
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        busy: Callable[[HttpAnswer], bool] | None = None,
    ) -> HttpAnswer:
        """Send to the API's own host (with the token) and return the whole answer.

        Redirects are not followed: a protocol decides what a 3xx means. 401 raises
        :class:`AsyncTaskAuthError`; 5xx, 429 and transport failures are retried, then raise
        :class:`AsyncTaskTransientError`; any other status is returned to the protocol to judge.
        ``busy`` recognises an API's "too many jobs" answer, raised as :class:`AsyncTaskBusyError`.
        """
        absolute = self.resolve(url)
        if not retry:
            return await self._send(method, absolute, json_body, params, headers, busy)
        async for attempt in self._retrying():
            with attempt:
                return await self._send(method, absolute, json_body, params, headers, busy)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def _send(
        self,
        method: str,
        url: str,
        json_body: Any,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        busy: Callable[[HttpAnswer], bool] | None = None,
    ) -> HttpAnswer:
        merged = {**self.headers, **self._auth_headers(), **(headers or {})}
        try:
            async with self.session.request(
                method, url, json=json_body, params=params, headers=merged, allow_redirects=False
            ) as response:
                body = await response.read()
                answer = HttpAnswer(response.status, CIMultiDict(response.headers), body, str(response.url))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise AsyncTaskTransientError(
                f"{type(exc).__name__} talking to {urlsplit(url).path}", api=self.api
            ) from exc
        if busy is not None and busy(answer):
            raise AsyncTaskBusyError(snippet(answer.body), api=self.api, http_status=answer.status, body=answer)
        self.check_transient(answer)
        if answer.status == 401:
            raise AsyncTaskAuthError(
                f"the token was refused ({snippet(answer.body)}): check the connection's password",
                api=self.api,
                http_status=401,
            )
        return answer

    def check_transient(self, answer: HttpAnswer) -> None:
        if answer.status >= 500 or answer.status == 429:
            error = AsyncTaskTransientError(snippet(answer.body), api=self.api, http_status=answer.status)
            error.retry_after = retry_after_seconds(answer.headers)  # type: ignore[attr-defined]
            raise error

    @asynccontextmanager
    async def _open(
        self, method: str, target: str, headers: Mapping[str, str], json_body: Any, verb: str
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """An open response whose body the caller reads; transport failures become transient errors."""
        try:
            async with self.session.request(
                method, target, json=json_body, headers=headers, allow_redirects=False
            ) as response:
                yield response
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise AsyncTaskTransientError(f"{type(exc).__name__} {verb} {urlsplit(target).path}", api=self.api) from exc

    @asynccontextmanager
    async def stream_request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send to the API's own host and hand over the open response: the caller judges its status
        and reads (or drops) its body, for answers whose body may be a large result."""
        merged = {**self.headers, **self._auth_headers(), **(headers or {})}
        async with self._open(method, self.resolve(url), merged, json_body, "talking to") as response:
            if response.status == 401:
                raise AsyncTaskAuthError(
                    f"the token was refused ({snippet(await response.read())}): check the connection's password",
                    api=self.api,
                    http_status=401,
                )
            yield response

    @asynccontextmanager
    async def stream(self, url: str, *, credentials: bool = True) -> AsyncIterator[aiohttp.ClientResponse]:
        """Open a GET whose body is read in chunks (results can be large).

        With ``credentials=False`` the URL may be on another host (a result-file redirect) and the
        request carries no Authorization header and none of the connection's headers.
        """
        if credentials:
            target, headers = self.resolve(url), {**self.headers, **self._auth_headers()}
        else:
            if urlsplit(url).scheme not in ("http", "https"):
                raise AsyncTaskForeignHostError(f"refusing a {urlsplit(url).scheme!r} result URL", api=self.api)
            target, headers = url, {}
        async with self._open("GET", target, headers, None, "reading") as response:
            yield response


class _HintedWait(tenacity.wait.wait_base):
    """Exponential backoff with jitter, but never shorter than the server's ``Retry-After``."""

    def __init__(self, minimum: float, maximum: float) -> None:
        self._backoff = tenacity.wait_exponential_jitter(multiplier=minimum, max=maximum, jitter=minimum)
        self._maximum = maximum

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        wait = self._backoff(retry_state)
        error = retry_state.outcome.exception() if retry_state.outcome else None
        hint = getattr(error, "retry_after", None)
        return max(wait, hint) if hint is not None else wait
