"""The workers task API (seed 002): create a task, poll its status, read its details, cancel with DELETE.

Statuses pending / processing / completed / failed / cancelled. Users see only their own tasks, so a
task of another token answers 404. Cancel only applies to pending / processing tasks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from airflow_provider_direct.async_task.client import AsyncTaskClient, HttpAnswer, snippet
from airflow_provider_direct.async_task.errors import AsyncTaskProtocolError, AsyncTaskRequestError
from airflow_provider_direct.async_task.protocol import AsyncTaskProtocol, ResultStream, register
from airflow_provider_direct.async_task.status import TaskState, TaskStatus
from airflow_provider_direct.hooks.async_task import AsyncTaskHook

API = "workers"
ROOT = "api/v1/workers/"
TASK_TYPES = (
    "bookings_export",
    "payments_export",
    "users_export",
    "services_export",
    "data_cleanup",
    "data_analysis",
    "report_generation",
)
STATES = {
    "pending": TaskState.QUEUED,
    "processing": TaskState.RUNNING,
    "completed": TaskState.SUCCEEDED,
    "failed": TaskState.FAILED,
    "cancelled": TaskState.CANCELLED,
}
MAX_PAGE_SIZE = 100


def _body(answer: HttpAnswer) -> dict[str, Any]:
    if answer.status >= 400:
        raise AsyncTaskRequestError(error_text(answer), api=API, http_status=answer.status)
    body = answer.json(API)
    if not isinstance(body, dict):
        raise AsyncTaskProtocolError(f"expected a JSON object, got {snippet(answer.body)}", api=API)
    return body


def error_text(answer: HttpAnswer) -> str:
    """``code: message`` of the API's ``{"error": {...}}`` body."""
    try:
        error = answer.json(API).get("error")
    except (AsyncTaskProtocolError, AttributeError):
        return snippet(answer.body)
    if not isinstance(error, dict):
        return snippet(answer.body)
    details = f" {error['details']}" if error.get("details") else ""
    return f"{error.get('code')}: {error.get('message')}{details}"


@register
class WorkersProtocol(AsyncTaskProtocol):
    """Data-processing tasks (exports, cleanup, analysis, reports)."""

    name = "workers"
    supports_cancel = True

    async def start(self, client: AsyncTaskClient, request: dict[str, Any]) -> dict[str, Any]:
        if request.get("task_type") not in TASK_TYPES:
            raise AsyncTaskRequestError(
                f"task_type must be one of {', '.join(TASK_TYPES)}, not {request.get('task_type')!r}", api=API
            )
        payload = {
            k: request[k] for k in ("task_type", "batch_size", "filters", "date_from", "date_to") if k in request
        }
        task = _body(await client.request("POST", ROOT, json_body=payload))
        if task.get("id") is None:
            raise AsyncTaskProtocolError("the created task has no id", api=API, body=task)
        return {"task_id": task["id"], "task_type": task.get("task_type")}

    async def poll(self, client: AsyncTaskClient, handle: dict[str, Any]) -> TaskStatus:
        status = _body(await client.request("GET", f"{ROOT}{handle['task_id']}/status/"))
        state = status.get("status")
        if not isinstance(state, str) or state not in STATES:
            raise AsyncTaskProtocolError(f"unknown task status {state!r}", api=API, body=status)
        message = None
        if state == "failed":  # the reason is in the details
            details = _body(await client.request("GET", f"{ROOT}{handle['task_id']}/"))
            message = str(details.get("error") or "the task failed without a message")
        progress = status.get("progress")
        return TaskStatus(
            STATES[state],
            progress=float(progress) if isinstance(progress, (int, float)) else None,
            stage=state,
            message=message,
            raw=status,
        )

    @asynccontextmanager
    async def fetch(self, client: AsyncTaskClient, handle: dict[str, Any]) -> AsyncIterator[ResultStream]:
        async with client.stream(f"{ROOT}{handle['task_id']}/") as response:
            if response.status >= 400:
                body = await response.read()
                raise AsyncTaskRequestError(snippet(body), api=API, http_status=response.status)
            yield ResultStream(response.content.iter_chunked(256 * 1024), "result.rows.item", response.status)

    async def cancel(self, client: AsyncTaskClient, handle: dict[str, Any]) -> bool:
        answer = await client.request("DELETE", f"{ROOT}{handle['task_id']}/")
        if answer.status == 400:
            return False  # not pending / processing any more: nothing to cancel
        if answer.status < 300 and not answer.body.strip():
            return True  # 204 No Content, the usual answer to a REST DELETE
        _body(answer)
        return True


class WorkersHook(AsyncTaskHook):
    """Hook for the workers task API on an ``http`` connection (host = base URL, password = token)."""

    def __init__(self, http_conn_id: str = AsyncTaskHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(WorkersProtocol.name, http_conn_id=http_conn_id, **kwargs)

    def list_tasks(
        self, status: str | None = None, task_type: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[dict[str, Any]]:
        """Every task of this token's user, following the pagination (``page_size`` at most 100)."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be within 1..{MAX_PAGE_SIZE}")
        page = 1
        while True:
            params: dict[str, Any] = {"page": page, "page_size": page_size}
            params.update({k: v for k, v in (("status", status), ("task_type", task_type)) if v})
            body = self._run(lambda client, p=params: client.request("GET", ROOT, params=p))  # type: ignore[misc]
            listing = _body(body)
            yield from listing.get("results") or ()
            if not listing.get("next"):
                return
            page += 1
