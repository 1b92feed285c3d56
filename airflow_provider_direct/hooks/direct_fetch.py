"""Direct fetch processes (seed 000): startYandexDirectFetch → getYandexDirectFetchStatus → Results / stop.

Its bodies carry the key ``status`` twice: the envelope's ``"ok"`` and, later, the process state.
They are parsed keeping both values (never "whichever duplicate wins"), and the process state is
the one among the documented states.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar
from urllib.parse import quote

from multidict import CIMultiDict

from airflow_provider_direct.async_task.client import AsyncTaskClient, HttpAnswer, Repeated
from airflow_provider_direct.async_task.errors import (
    AsyncTaskError,
    AsyncTaskExpired,
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
)
from airflow_provider_direct.async_task.protocol import AsyncTaskProtocol, ResultStream, register
from airflow_provider_direct.async_task.status import TaskState, TaskStatus
from airflow_provider_direct.hooks.async_task import AsyncTaskHook

API = "Direct fetch"
FETCH_TYPES = ("history", "settings", "strategy_study", "account_goals")
STATES = {
    "new": TaskState.QUEUED,
    "pending": TaskState.RUNNING,
    "done": TaskState.SUCCEEDED,
    "error": TaskState.FAILED,
    "stopped": TaskState.CANCELLED,
}
ENVELOPE_STATUSES = ("ok", "error")


class DirectFetchNotFoundError(AsyncTaskRequestError):
    """``Процесс с ID ... не найден``: the process does not exist or was deleted."""


class DirectFetchNotReadyError(AsyncTaskRequestError):
    """``Процесс еще не завершен или завершен с ошибкой``: no results to read."""


class DirectFetchNoResultsError(AsyncTaskExpired):
    """``Результаты процесса не найдены``: the results were not stored (or are gone)."""


class DirectFetchNotRunningError(AsyncTaskRequestError):
    """``Процесс не выполняется``: a stop found the process already finished or stopped."""


#: The API's documented error strings (Russian, as it sends them) → typed errors.
#: Order matters: the first match wins, so the specific "results not found" precedes the generic one.
ERRORS: tuple[tuple[re.Pattern[str], type[AsyncTaskError]], ...] = (
    (re.compile("Не указан параметр processId"), AsyncTaskRequestError),
    (re.compile("Результаты процесса не найдены"), DirectFetchNoResultsError),
    (re.compile(r"Процесс с ID .* не найден"), DirectFetchNotFoundError),
    (re.compile("Процесс еще не завершен или завершен с ошибкой"), DirectFetchNotReadyError),
    (re.compile("Процесс не выполняется"), DirectFetchNotRunningError),
)


def split_status(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(envelope, process_state)`` from a body whose ``status`` may be repeated, in either order.

    The envelope is ``ok`` / ``error``; the state is one of the documented process states. Neither
    depends on which duplicate comes first (``error`` is both an envelope and a state).
    """
    value = body.get("status")
    values = [v for v in (value if isinstance(value, Repeated) else [value]) if isinstance(v, str)]
    envelope = "ok" if "ok" in values else ("error" if "error" in values and len(values) == 1 else None)
    rest = list(values)
    if envelope in rest:
        rest.remove(envelope)
    elif len(values) > 1 and "error" in values and body.get("success") is False:
        envelope = "error"
        rest.remove("error")
    state = next((v for v in reversed(rest) if v in STATES), None)
    return envelope, state


def _parse(answer: HttpAnswer) -> dict[str, Any]:
    body = answer.json(API, keep_duplicates=True)
    if not isinstance(body, dict):
        raise AsyncTaskProtocolError(f"expected a JSON object, got {type(body).__name__}", api=API)
    envelope, _ = split_status(body)
    if answer.status >= 400 or body.get("success") is False or (envelope == "error" and "success" not in body):
        message = str(body.get("message") or body.get("error") or "unknown error")
        error_type = next((cls for pattern, cls in ERRORS if pattern.search(message)), AsyncTaskRequestError)
        raise error_type(message, api=API, http_status=answer.status, body=body)
    return body


@register
class DirectFetchProtocol(AsyncTaskProtocol):
    """Fetch processes of Yandex Direct data (history, settings, strategy_study, account_goals)."""

    name = "direct_fetch"
    supports_cancel = True
    headers: ClassVar[dict[str, str]] = {}

    async def start(self, client: AsyncTaskClient, request: dict[str, Any]) -> dict[str, Any]:
        missing = [key for key in ("account", "client", "type") if not request.get(key)]
        if missing:
            raise AsyncTaskRequestError(f"missing {', '.join(missing)}", api=API)
        if request["type"] not in FETCH_TYPES:
            raise AsyncTaskRequestError(
                f"type must be one of {', '.join(FETCH_TYPES)}, not {request['type']!r}", api=API
            )
        body = {key: request[key] for key in ("account", "client", "type")}
        if request.get("params"):
            body["params"] = request["params"]
        answer = _parse(await client.request("POST", "webHooks/startYandexDirectFetch", json_body=body))
        process_id = answer.get("processId")
        if not process_id:
            raise AsyncTaskProtocolError("the start answer has no processId", api=API, body=answer)
        return {
            "process_id": str(process_id),
            "account": body["account"],
            "client": body["client"],
            "type": body["type"],
        }

    async def poll(self, client: AsyncTaskClient, handle: dict[str, Any]) -> TaskStatus:
        answer = await client.request(
            "GET", "webHooks/getYandexDirectFetchStatus", params={"processId": handle["process_id"]}
        )
        body = _parse(answer)
        _, state = split_status(body)
        if state is None:
            raise AsyncTaskProtocolError(f"no known process state in {body.get('status')!r}", api=API, body=body)
        progress = body.get("progress")
        return TaskStatus(
            state=STATES[state],
            progress=float(progress) if isinstance(progress, (int, float)) else None,
            stage=body.get("stage"),
            message=body.get("message"),
            raw=_plain(body),
        )

    @asynccontextmanager
    async def fetch(self, client: AsyncTaskClient, handle: dict[str, Any]) -> AsyncIterator[ResultStream]:
        url = f"webHooks/getYandexDirectFetchResults?processId={quote(handle['process_id'])}"
        async with client.stream(url) as response:
            if response.status >= 400:  # the API's error envelope, typed by its documented strings
                body = await response.read()
                _parse(HttpAnswer(response.status, CIMultiDict(response.headers), body, str(response.url)))
            yield ResultStream(response.content.iter_chunked(256 * 1024), "data.data.item", response.status)

    async def cancel(self, client: AsyncTaskClient, handle: dict[str, Any]) -> bool:
        try:
            _parse(
                await client.request(
                    "POST", "webHooks/stopYandexDirectFetch", json_body={"processId": handle["process_id"]}
                )
            )
        except DirectFetchNotRunningError:
            return False  # already finished: nothing to stop
        return True


def _plain(body: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe copy where a repeated key becomes a list (so both ``status`` values survive events)."""
    return {key: list(value) if isinstance(value, Repeated) else value for key, value in body.items()}


class DirectFetchHook(AsyncTaskHook):
    """Hook for Direct fetch processes on an ``http`` connection (host = base URL, password = token)."""

    def __init__(self, http_conn_id: str = AsyncTaskHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(DirectFetchProtocol.name, http_conn_id=http_conn_id, **kwargs)
