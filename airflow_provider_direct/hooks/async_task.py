"""Hook running any async-task protocol on a standard providers-http ``http`` connection.

Host (with scheme) is the API's base URL, password the bearer token. Async methods (``a*``) are for
the triggerer, where the connection is fetched the async way; the sync ones wrap the same coroutines
for the worker side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from airflow.providers.common.compat.connection import get_async_connection
from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk.log import mask_secret

from airflow_provider_direct.async_task.client import AsyncTaskClient
from airflow_provider_direct.async_task.protocol import AsyncTaskProtocol, get_protocol
from airflow_provider_direct.async_task.status import TaskStatus
from airflow_provider_direct.hooks.direct import https_base_url

T = TypeVar("T")


class AsyncTaskHook(HttpHook):
    """
    Start, poll, fetch and cancel jobs of one async-task API.

    :param protocol: registry name of the protocol (``direct_fetch``, ``moysklad``, ``workers``,
        ``mytarget``) or a protocol instance.
    :param http_conn_id: ``http`` connection: host = base URL, password = bearer token.
    :param timeout: per-request timeout in seconds.
    :param max_retries: retries of a transient failure per request.
    """

    def __init__(
        self,
        protocol: str | AsyncTaskProtocol,
        http_conn_id: str = HttpHook.default_conn_name,
        *,
        timeout: float = 60.0,
        max_retries: int = 4,
        retry_min_wait: float = 1.0,
        retry_max_wait: float = 30.0,
    ) -> None:
        super().__init__(method="GET", http_conn_id=http_conn_id)
        self.protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_min_wait = retry_min_wait
        self.retry_max_wait = retry_max_wait

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.protocol.name} conn_id={self.http_conn_id!r}>"

    def _set_base_url(self, connection: Any) -> None:
        default = self.protocol.default_base_url
        if default is None:
            super()._set_base_url(connection)
            return
        self.base_url = https_base_url(connection, default)
        self._base_url_initialized = True

    def _client_for(self, connection: Any) -> AsyncTaskClient:
        self._set_base_url(connection)
        if connection.password:
            mask_secret(connection.password)
        return AsyncTaskClient(
            self.base_url,
            connection.password,
            api=self.protocol.name,
            headers=self.protocol.headers,
            timeout=self.timeout,
            max_retries=self.max_retries,
            retry_min_wait=self.retry_min_wait,
            retry_max_wait=self.retry_max_wait,
        )

    async def aclient(self) -> AsyncTaskClient:
        """A client built from the connection fetched the async way (safe on the triggerer's loop)."""
        return self._client_for(await get_async_connection(self.http_conn_id, hook=self))

    def client(self) -> AsyncTaskClient:
        """A client built from the connection fetched synchronously (worker side)."""
        return self._client_for(self.get_connection(self.http_conn_id))

    # ------------------------------------------------------------------ async operations

    async def astart(self, request: dict[str, Any]) -> dict[str, Any]:
        async with await self.aclient() as client:
            return await self.protocol.start(client, request)

    async def apoll(self, handle: dict[str, Any]) -> TaskStatus:
        async with await self.aclient() as client:
            return await self.protocol.poll(client, handle)

    async def acancel(self, handle: dict[str, Any]) -> bool:
        async with await self.aclient() as client:
            return await self.protocol.cancel(client, handle)

    # ------------------------------------------------------------------ sync wrappers (worker side)

    def _run(self, factory: Callable[[AsyncTaskClient], Awaitable[T]]) -> T:
        async def runner() -> T:
            async with self.client() as client:
                return await factory(client)

        return asyncio.run(runner())

    def start(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._run(lambda client: self.protocol.start(client, request))

    def poll(self, handle: dict[str, Any]) -> TaskStatus:
        return self._run(lambda client: self.protocol.poll(client, handle))

    def cancel(self, handle: dict[str, Any]) -> bool:
        return self._run(lambda client: self.protocol.cancel(client, handle))
