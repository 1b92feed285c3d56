"""Yandex Direct Reports service as a fifth async-task protocol.

A report is polled by re-sending the IDENTICAL request: 200 = ready (TSV body), 201 / 202 = queued /
building (next poll after ``retryIn``, re-read on every answer), 400 with a full offline queue = wait
for a slot, 500 / 502 = errors in the API's words (502: shorten the period). The ``ReportName`` is
derived from the definition and the client login, so a retried or restarted task finds the same
offline report instead of queuing a new one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import aiohttp
from asgiref.sync import sync_to_async

from airflow_provider_direct.async_task.client import AsyncTaskClient, retry_after_seconds, snippet
from airflow_provider_direct.async_task.errors import (
    AsyncTaskAuthError,
    AsyncTaskFailed,
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
    AsyncTaskTransientError,
)
from airflow_provider_direct.async_task.protocol import AsyncTaskProtocol, ResultStream, register
from airflow_provider_direct.async_task.status import TaskState, TaskStatus
from airflow_provider_direct.exceptions import AUTH_ERROR_CODES, TRANSIENT_ERROR_CODES, parse_error_body
from airflow_provider_direct.hooks.async_task import AsyncTaskHook
from airflow_provider_direct.hooks.direct import DEFAULT_BASE_URL
from airflow_provider_direct.models.report_fields import LIMITS
from airflow_provider_direct.warehouse.reports_limits import ReportsLimits
from airflow_provider_direct.warehouse.store import DirectWarehouse

API = "Direct Reports"
PATH = "json/v5/reports"
QUEUE_FULL_CODE = 9000
RATE_LIMIT_CODE = 56
#: The API allows 20 Reports calls per 10 seconds per user.
RATE_LIMIT_CALLS = 20
RATE_LIMIT_WINDOW = 10.0
DEFAULT_RETRY_IN = 5.0
#: Headers that change what the report contains, so they take part in its identity.
REPORT_HEADERS = ("processingMode", "returnMoneyInMicros", "skipReportHeader", "skipColumnHeader", "skipReportSummary")


def report_name(definition: dict[str, Any], client_login: str | None, headers: dict[str, str]) -> str:
    """A stable ReportName: the same definition, login and format headers always give the same name."""
    material = {
        "definition": {k: v for k, v in definition.items() if k != "ReportName"},
        "client_login": client_login or "",
        "headers": {k: headers.get(k) for k in REPORT_HEADERS if k in headers and k != "processingMode"},
    }
    digest = hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"airflow_{digest[:24]}"


class _RateLimiter:
    """At most N calls per window per login, shared by every report of this process (e.g. a triggerer)."""

    def __init__(self, calls: int, window: float) -> None:
        self.calls = calls
        self.window = window
        self._sent: dict[str, deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, login: str) -> None:
        lock = self._locks.setdefault(login, asyncio.Lock())
        async with lock:
            sent = self._sent.setdefault(login, deque())
            while True:
                now = time.monotonic()
                while sent and now - sent[0] >= self.window:
                    sent.popleft()
                if len(sent) < self.calls:
                    sent.append(now)
                    return
                await asyncio.sleep(self.window - (now - sent[0]))


RATE_LIMITER = _RateLimiter(RATE_LIMIT_CALLS, RATE_LIMIT_WINDOW)


async def shared_limits(handle: dict[str, Any]) -> ReportsLimits | None:
    """The warehouse-backed limits named in the handle (``limits``: conn id, schema, calls, window, offline);
    None: the per-process limiter only (no warehouse given)."""
    spec = handle.get("limits")
    if not spec:
        return None
    # Built per use, not cached: a connection id may point elsewhere later (its URI is read each time).
    # The warehouse migrates itself on its first transaction.
    warehouse = await sync_to_async(DirectWarehouse.from_conn_id)(spec["conn_id"], schema=spec.get("schema"))
    return ReportsLimits(
        warehouse,
        calls=int(spec.get("calls", RATE_LIMIT_CALLS)),
        window=float(spec.get("window", RATE_LIMIT_WINDOW)),
        offline=int(spec.get("offline", LIMITS["offline_queue_per_login"])),
    )


def api_error(body: bytes) -> dict[str, Any]:
    """The JSON or XML error of a Reports answer, its code an int; ``{}`` when the body holds none."""
    return parse_error_body(body) or {}


def error_text(body: bytes) -> str:
    error = api_error(body)
    if not error:
        return snippet(body)
    detail = f": {error['error_detail']}" if error.get("error_detail") else ""
    request_id = f" (RequestId {error['request_id']})" if error.get("request_id") else ""
    return f"error {error.get('error_code')}: {error.get('error_string')}{detail}{request_id}"


@register
class DirectReportsProtocol(AsyncTaskProtocol):
    """Reports of the Direct API v5 (``/json/v5/reports``), polled by identical re-sends."""

    name = "direct_reports"
    supports_cancel = False  # the Reports service has no cancel; offline reports expire after 5 hours
    default_base_url: ClassVar[str | None] = DEFAULT_BASE_URL

    async def _send(self, client: AsyncTaskClient, handle: dict[str, Any], limits: ReportsLimits | None) -> Any:
        """POST the identical request; an open response (the caller reads or drops the body)."""
        login = handle.get("client_login") or ""
        if limits is None:
            await RATE_LIMITER.acquire(login)
        else:  # every process of the deployment counts against the same 20 calls per 10 s
            while (wait := await sync_to_async(limits.take_call)(login)) > 0:
                await asyncio.sleep(wait)
        headers = dict(handle["headers"])
        if handle.get("client_login"):
            headers["Client-Login"] = handle["client_login"]
        return client.stream_request("POST", PATH, json_body={"params": handle["definition"]}, headers=headers)

    async def start(self, client: AsyncTaskClient, request: dict[str, Any]) -> dict[str, Any]:
        definition = dict(request.get("definition") or {})
        for key in ("FieldNames", "ReportType", "DateRangeType"):
            if not definition.get(key):
                raise AsyncTaskRequestError(f"the ReportDefinition needs {key}", api=API)
        definition.setdefault("SelectionCriteria", {})
        definition.setdefault("Format", "TSV")
        definition.setdefault("IncludeVAT", "NO")
        headers = {k: str(v) for k, v in (request.get("headers") or {}).items() if v is not None}
        headers.setdefault("processingMode", "auto")
        login = request.get("client_login")
        definition["ReportName"] = request.get("report_name") or report_name(definition, login, headers)
        handle = {"definition": definition, "headers": headers, "client_login": login}
        if request.get("limits"):  # where the deployment-wide limits are counted (a conn id, never a secret)
            handle["limits"] = dict(request["limits"])
        return handle

    async def poll(self, client: AsyncTaskClient, handle: dict[str, Any]) -> TaskStatus:
        limits = await shared_limits(handle)
        login = handle.get("client_login") or ""
        name = handle["definition"]["ReportName"]
        offline = handle["headers"].get("processingMode") != "online"
        if limits is not None and offline and not await sync_to_async(limits.take_slot)(login, name):
            # Five of the login's offline reports are queued or building, in this process or another.
            return TaskStatus(
                TaskState.QUEUED,
                stage="waiting for an offline slot",
                message=f"{limits.offline} offline reports of {login} are in progress; this one waits for a slot",
                retry_after=DEFAULT_RETRY_IN,
            )
        status_out = await self._poll_once(client, handle, limits)
        if limits is not None and offline and status_out.state.is_terminal:
            await sync_to_async(limits.release_slot)(login, name)  # built (or failed): out of the queue
        return status_out

    async def _poll_once(
        self, client: AsyncTaskClient, handle: dict[str, Any], limits: ReportsLimits | None
    ) -> TaskStatus:
        async with await self._send(client, handle, limits) as response:
            status = response.status
            retry_in = retry_after_seconds({"Retry-After": response.headers.get("retryIn", "")})
            queue = response.headers.get("reportsInQueue")
            if status == 200:  # ready: the body is read by fetch, not here
                return TaskStatus(TaskState.SUCCEEDED, progress=100.0, stage="ready", raw=_raw(response))
            body = await response.read()
        if status in (201, 202):
            return TaskStatus(
                TaskState.QUEUED if status == 201 else TaskState.RUNNING,
                stage="queued" if status == 201 else "building",
                message=f"{queue} reports in the offline queue" if queue else None,
                retry_after=retry_in if retry_in is not None else DEFAULT_RETRY_IN,
                raw={"http_status": status, "retryIn": retry_in, "reportsInQueue": queue},
            )
        error = api_error(body)
        code = error.get("error_code")
        if status == 400 and code == QUEUE_FULL_CODE:
            # The offline queue (5 per user) is full: wait for a slot, the request is re-sent as is.
            return TaskStatus(
                TaskState.QUEUED,
                stage="waiting for a queue slot",
                message=error_text(body),
                retry_after=DEFAULT_RETRY_IN,
            )
        # The Reports service documents 500 (build error) and 502 (time limit) as the report's failure.
        if status == 502:
            return TaskStatus(
                TaskState.FAILED,
                stage="time limit",
                message=f"{error_text(body)}. The server's processing time limit was exceeded: shorten the period "
                "or request fewer fields",
            )
        if status == 500:
            return TaskStatus(TaskState.FAILED, stage="server error", message=error_text(body))
        if code == RATE_LIMIT_CODE or code in TRANSIENT_ERROR_CODES or status >= 500:
            raise AsyncTaskTransientError(error_text(body), api=API, http_status=status)
        if code in AUTH_ERROR_CODES:
            raise AsyncTaskAuthError(error_text(body), api=API, http_status=status)
        raise AsyncTaskRequestError(error_text(body), api=API, http_status=status)

    @asynccontextmanager
    async def fetch(self, client: AsyncTaskClient, handle: dict[str, Any]) -> AsyncIterator[ResultStream]:
        async with await self._send(client, handle, await shared_limits(handle)) as response:
            if response.status != 200:
                body = await response.read()
                if response.status in (201, 202):
                    raise AsyncTaskProtocolError("the report is not ready any more (it expired?): re-run", api=API)
                raise AsyncTaskFailed(error_text(body), api=API, http_status=response.status)
            yield ResultStream(
                response.content.iter_chunked(256 * 1024),
                None,
                200,
                headers=dict(response.headers),
                content_type=response.headers.get("Content-Type", "text/tab-separated-values"),
            )


def _raw(response: aiohttp.ClientResponse) -> dict[str, Any]:
    return {"http_status": response.status, "RequestId": response.headers.get("RequestId")}


class DirectReportsHook(AsyncTaskHook):
    """Reports on a ``yandex_direct`` connection (token as password, default Client-Login as login)."""

    conn_name_attr = "direct_conn_id"
    default_conn_name = "yandex_direct_default"

    def __init__(self, direct_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(DirectReportsProtocol.name, http_conn_id=direct_conn_id, **kwargs)
