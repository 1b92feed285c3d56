"""myTarget async API (seed 003): any ``/api/`` call re-sent under ``/async_api/``.

The call answers ``202`` with ``Location: /async_api/v2/requests/{id}.json``. Statuses are enqueued /
started / done / unknown; ``unknown`` means the API crashed after sending the request and needs a
manual review. When done, the status URL answers ``303 See Other`` to the stored response, which keeps
the original HTTP code and headers: a stored 400 is a failed task. Responses are kept 24 hours.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from airflow_provider_direct.async_task.client import AsyncTaskClient, HttpAnswer, snippet
from airflow_provider_direct.async_task.errors import (
    AsyncTaskExpired,
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
)
from airflow_provider_direct.async_task.protocol import AsyncTaskProtocol, ResultStream, register
from airflow_provider_direct.async_task.status import TaskState, TaskStatus
from airflow_provider_direct.hooks.async_task import AsyncTaskHook

API = "myTarget"
RESULT_TTL_HOURS = 24


def async_path(path: str) -> str:
    """``/api/v2/campaigns.json`` → ``/async_api/v2/campaigns.json`` (the async API's only difference)."""
    clean = "/" + path.lstrip("/")
    if clean.startswith("/async_api/"):
        return clean
    if not clean.startswith("/api/"):
        raise AsyncTaskRequestError(f"path must start with /api/, got {path!r}", api=API)
    return "/async_api/" + clean[len("/api/") :]


def _json(answer: HttpAnswer) -> dict[str, Any]:
    body = answer.json(API)
    if not isinstance(body, dict):
        raise AsyncTaskProtocolError(f"expected a JSON object, got {snippet(answer.body)}", api=API)
    return body


@register
class MyTargetProtocol(AsyncTaskProtocol):
    """Any myTarget API call, run through the async API (not subject to the usual rate limits)."""

    name = "mytarget"
    supports_cancel = False  # the async API has no cancel

    async def start(self, client: AsyncTaskClient, request: dict[str, Any]) -> dict[str, Any]:
        method = str(request.get("method") or "GET").upper()
        headers: dict[str, str] = {}
        if request.get("callback_url"):
            headers["X-Callback-Location"] = str(request["callback_url"])
            headers["X-Callback-Method"] = str(request.get("callback_method") or "POST").upper()
        answer = await client.request(
            method,
            async_path(str(request.get("path") or "")),
            json_body=request.get("body"),
            params=request.get("query"),
            headers=headers,
        )
        if answer.status != 202:
            raise AsyncTaskRequestError(
                f"expected 202 Accepted, got {snippet(answer.body)}", api=API, http_status=answer.status
            )
        location = answer.headers.get("Location")
        if not location:
            raise AsyncTaskProtocolError("202 without a Location header", api=API, http_status=202)
        return {"status_url": client.resolve(location)}

    async def poll(self, client: AsyncTaskClient, handle: dict[str, Any]) -> TaskStatus:
        answer = await client.request("GET", handle["status_url"])
        if answer.status == 404:
            return TaskStatus(
                TaskState.EXPIRED,
                message=f"the request is gone (results are kept {RESULT_TTL_HOURS} hours): re-run the task",
            )
        if answer.status not in (200, 303):
            raise AsyncTaskRequestError(snippet(answer.body), api=API, http_status=answer.status)
        body = _json(answer)
        status = body.get("status")
        if status == "enqueued":
            return TaskStatus(TaskState.QUEUED, stage=status, raw=body)
        if status == "started":
            return TaskStatus(TaskState.RUNNING, stage=status, raw=body)
        if status == "unknown":
            return TaskStatus(
                TaskState.FAILED,
                stage=status,
                message="myTarget lost track of this request after sending it (status 'unknown'): such cases "
                "need a manual review in myTarget before re-running",
                raw=body,
            )
        if status == "done" or answer.status == 303:
            response_url = answer.headers.get("Location") or body.get("response_url")
            if not response_url:
                raise AsyncTaskProtocolError("done without a response URL", api=API, body=body)
            handle["response_url"] = client.resolve(response_url)
            code = body.get("response_http_code")
            if isinstance(code, int) and code >= 400:
                stored = await client.request("GET", handle["response_url"])
                return TaskStatus(
                    TaskState.FAILED,
                    stage=status,
                    message=f"the API answered HTTP {code}: {snippet(stored.body)}",
                    raw={**body, "response_url": handle["response_url"]},
                )
            return TaskStatus(
                TaskState.SUCCEEDED, progress=100.0, stage=status, raw={**body, "response_url": handle["response_url"]}
            )
        raise AsyncTaskProtocolError(f"unknown request status {status!r}", api=API, body=body)

    @asynccontextmanager
    async def fetch(self, client: AsyncTaskClient, handle: dict[str, Any]) -> AsyncIterator[ResultStream]:
        url = handle.get("response_url")
        if not url:  # the handle from start: ask the status URL where the response is
            status = await self.poll(client, handle)
            url = handle.get("response_url") or status.raw.get("response_url")
        if not url:
            raise AsyncTaskProtocolError("the request is not done: no response URL yet", api=API)
        async with client.stream(url) as response:
            if response.status == 404:
                raise AsyncTaskExpired(
                    f"the response is gone (kept {RESULT_TTL_HOURS} hours): re-run the task", api=API
                )
            if response.status >= 400:
                raise AsyncTaskRequestError(snippet(await response.read()), api=API, http_status=response.status)
            yield ResultStream(
                response.content.iter_chunked(256 * 1024),
                "items.item",
                response.status,
                headers=dict(response.headers),
                content_type=response.headers.get("Content-Type", "application/json"),
            )


class MyTargetHook(AsyncTaskHook):
    """Hook for the myTarget async API on an ``http`` connection (host = ``https://target.my.com``)."""

    def __init__(self, http_conn_id: str = AsyncTaskHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(MyTargetProtocol.name, http_conn_id=http_conn_id, **kwargs)
