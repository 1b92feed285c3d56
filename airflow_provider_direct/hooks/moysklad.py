"""MoySklad JSON API async exchange (seed 001, completed by the official documentation).

``GET <report>?async=true`` answers ``Location`` (result) and ``Content-Location`` (state). The state
is PENDING (queued) / PROCESSING / DONE / ERROR / CANCEL / API_ERROR; ``PUT /async/{id}/cancel`` stops
a PENDING or PROCESSING task. The result URL answers ``302`` to a file on ANOTHER host, which is
fetched without the Authorization header. Errors 61000-61008 are the async exchange's own; 61002
(too many async tasks) means wait and start again. A result lives until ``deletionDate`` (1 hour).

Docs: https://dev.moysklad.ru/doc/api/remap/1.2/#/async#2-asinhronnyj-obmen and
https://dev.moysklad.ru/doc/api/remap/1.2/#/errors#2-oshibki.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar
from urllib.parse import parse_qs, urljoin, urlsplit

import tenacity

from airflow_provider_direct.async_task.client import AsyncTaskClient, HttpAnswer, snippet
from airflow_provider_direct.async_task.errors import (
    AsyncTaskBusyError,
    AsyncTaskCancelled,
    AsyncTaskError,
    AsyncTaskExpired,
    AsyncTaskFailed,
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
    AsyncTaskTransientError,
)
from airflow_provider_direct.async_task.protocol import AsyncTaskProtocol, ResultStream, register
from airflow_provider_direct.async_task.status import TaskState, TaskStatus
from airflow_provider_direct.hooks.async_task import AsyncTaskHook

API = "MoySklad"
TOO_MANY_ASYNC_TASKS = 61002
ALREADY_ENDED = 61007
#: deletionDate is Moscow time in the API's examples; the API documents no zone, so it is configurable.
DEFAULT_TIMEZONE = "Europe/Moscow"
#: The documented async task states and what each means here.
STATES = ("PENDING", "PROCESSING", "DONE", "ERROR", "CANCEL", "API_ERROR")
#: The async exchange's errors: the type each becomes, and what to do about it.
ASYNC_ERRORS: dict[int, tuple[type[AsyncTaskError], str]] = {
    61000: (AsyncTaskRequestError, "this endpoint does not support async exchange"),
    61001: (AsyncTaskRequestError, "an async request must not carry offset or limit"),
    61003: (AsyncTaskExpired, "the result was deleted (past deletionDate): re-run the task"),
    61004: (AsyncTaskFailed, "the task ended in an internal error (state ERROR): start it again"),
    61005: (AsyncTaskCancelled, "the task was cancelled (state CANCEL)"),
    61006: (AsyncTaskTransientError, "the result is not ready yet (state PROCESSING)"),
    61008: (AsyncTaskTransientError, "internal error while sending the task: try again later"),
}


def api_errors(answer: HttpAnswer) -> list[dict[str, Any]]:
    """The ``errors`` list of a MoySklad error body ([] when the body has none)."""
    try:
        body = answer.json(API)
    except AsyncTaskProtocolError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def is_busy(answer: HttpAnswer) -> bool:
    """Error 61002: too many async tasks are running for this account."""
    return answer.status >= 400 and any(e.get("code") == TOO_MANY_ASYNC_TASKS for e in api_errors(answer))


def describe_errors(errors: list[dict[str, Any]]) -> str:
    """MoySklad's ``errors`` in its own words, each with its code."""
    return "; ".join(f"{e.get('error')} (code {e.get('code')})" for e in errors)


def error_text(answer: HttpAnswer) -> str:
    errors = api_errors(answer)
    return describe_errors(errors) if errors else snippet(answer.body)


def error_codes(answer: HttpAnswer) -> set[int]:
    return {e["code"] for e in api_errors(answer) if isinstance(e.get("code"), int)}


def raise_for_async_error(answer: HttpAnswer) -> None:
    """Raise the typed error of a documented async error code (61000-61008 but 61002 and 61007)."""
    for code in sorted(error_codes(answer)):
        if code in ASYNC_ERRORS:
            error_type, meaning = ASYNC_ERRORS[code]
            raise error_type(f"{error_text(answer)}: {meaning}", api=API, http_status=answer.status)


def parse_deletion_date(value: Any, timezone: str) -> float | None:
    """``"2021-02-16 16:21:09"`` (optionally with milliseconds) as epoch seconds in ``timezone``."""
    if not isinstance(value, str):
        return None
    from zoneinfo import ZoneInfo

    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            moment = dt.datetime.strptime(value, fmt).replace(tzinfo=ZoneInfo(timezone))
        except ValueError:
            continue
        return moment.timestamp()
    return None


@register
class MoySkladProtocol(AsyncTaskProtocol):
    """Any MoySklad request that supports ``async=true`` (stock reports and the like)."""

    name = "moysklad"
    supports_cancel = True  # PUT /async/{id}/cancel, for PENDING and PROCESSING tasks
    headers: ClassVar[dict[str, str]] = {"Accept-Encoding": "gzip"}
    #: How long to keep re-trying a start refused with 61002 (too many async tasks) before failing.
    busy_wait_seconds = 600.0
    busy_interval_seconds = 10.0
    timezone = DEFAULT_TIMEZONE

    async def start(self, client: AsyncTaskClient, request: dict[str, Any]) -> dict[str, Any]:
        path = str(request.get("path") or "")
        if not path:
            raise AsyncTaskRequestError("request needs 'path', e.g. 'report/stock/bystore'", api=API)
        given = request.get("params") or {}
        if {"offset", "limit"} & {*given, *parse_qs(urlsplit(path).query)}:
            raise AsyncTaskRequestError("an async request must not carry offset or limit (error 61001)", api=API)
        params = {**given, "async": "true"}
        busy_wait = float(request.get("busy_wait_seconds", self.busy_wait_seconds))
        retrying = tenacity.AsyncRetrying(
            retry=tenacity.retry_if_exception_type(AsyncTaskBusyError),
            stop=tenacity.stop_after_delay(busy_wait),
            wait=tenacity.wait_fixed(self.busy_interval_seconds),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                answer = await client.request("GET", path, params=params, busy=is_busy)
        if answer.status >= 400:
            raise_for_async_error(answer)
            raise AsyncTaskRequestError(error_text(answer), api=API, http_status=answer.status)
        result_url, state_url = answer.headers.get("Location"), answer.headers.get("Content-Location")
        if not result_url or not state_url:
            raise AsyncTaskProtocolError(
                f"HTTP {answer.status} without Location / Content-Location headers", api=API, http_status=answer.status
            )
        # Both must be on the API's own host: the token goes with every poll.
        return {"state_url": client.resolve(state_url), "result_url": client.resolve(result_url)}

    async def poll(self, client: AsyncTaskClient, handle: dict[str, Any]) -> TaskStatus:
        answer = await client.request("GET", handle["state_url"])
        if answer.status >= 400:
            raise AsyncTaskRequestError(error_text(answer), api=API, http_status=answer.status)
        body = answer.json(API)
        state = body.get("state") if isinstance(body, dict) else None
        if state == "PENDING":
            return TaskStatus(TaskState.QUEUED, stage=state, raw=body)
        if state == "PROCESSING":
            return TaskStatus(TaskState.RUNNING, stage=state, raw=body)
        if state == "DONE":
            expires = parse_deletion_date(body.get("deletionDate"), self.timezone)
            if expires is not None and expires <= time.time():
                return TaskStatus(
                    TaskState.EXPIRED,
                    stage=state,
                    message=f"the result was deleted at {body.get('deletionDate')}: re-run the task",
                    raw=body,
                    expires_at=expires,
                )
            return TaskStatus(TaskState.SUCCEEDED, progress=100.0, stage=state, raw=body, expires_at=expires)
        if state == "ERROR":
            message = "MoySklad did not run the task because of an internal error (state ERROR): start it again"
            return TaskStatus(TaskState.FAILED, stage=state, message=message, raw=body)
        if state == "CANCEL":
            return TaskStatus(TaskState.CANCELLED, stage=state, message="the task was cancelled in MoySklad", raw=body)
        if state == "API_ERROR":
            # The status carries the API's error; older answers did not, and then the result holds it.
            errors = [e for e in body.get("errors") or () if isinstance(e, dict)]
            if errors:
                message = describe_errors(errors)
            else:
                message = error_text(await client.request("GET", handle["result_url"]))
            return TaskStatus(TaskState.FAILED, stage=state, message=message, raw=body)
        return TaskStatus(
            TaskState.FAILED,
            stage=str(state),
            message=f"MoySklad reported async state {state!r}, which its documentation does not define "
            f"({' / '.join(STATES)}); check the task in MoySklad",
            raw=body if isinstance(body, dict) else {"body": body},
        )

    async def cancel(self, client: AsyncTaskClient, handle: dict[str, Any]) -> bool:
        """``PUT {state_url}/cancel``: 204 stopped it; 61007 means it had already ended."""
        answer = await client.request("PUT", handle["state_url"].rstrip("/") + "/cancel")
        if answer.status < 300:
            return True
        if ALREADY_ENDED in error_codes(answer):
            return False
        raise_for_async_error(answer)
        raise AsyncTaskRequestError(error_text(answer), api=API, http_status=answer.status)

    @asynccontextmanager
    async def fetch(self, client: AsyncTaskClient, handle: dict[str, Any]) -> AsyncIterator[ResultStream]:
        answer = await client.request("GET", handle["result_url"])
        if answer.status >= 400:
            raise_for_async_error(answer)
        if answer.status in (404, 410):
            raise AsyncTaskExpired(f"{error_text(answer)}: re-run the task", api=API, http_status=answer.status)
        if answer.status >= 400 and api_errors(answer):
            # A task that went wrong (no rights, a bad parameter) can still be DONE: its result is the error.
            raise AsyncTaskFailed(error_text(answer), api=API, http_status=answer.status)
        if answer.status != 302 or not answer.headers.get("Location"):
            raise AsyncTaskProtocolError(
                f"expected 302 to the result file, got HTTP {answer.status}: {error_text(answer)}",
                api=API,
                http_status=answer.status,
            )
        # The file lives on another host: follow WITHOUT credentials (the link is signed, valid 5 minutes).
        file_url = urljoin(answer.url, answer.headers["Location"])
        async with client.stream(file_url, credentials=False) as response:
            if response.status == 403:
                raise AsyncTaskExpired("the result file link expired (valid 5 minutes): re-run the fetch", api=API)
            if response.status >= 500:
                raise AsyncTaskTransientError(snippet(await response.read()), api=API, http_status=response.status)
            if response.status >= 300:
                body = await response.read()
                raise AsyncTaskRequestError(snippet(body), api=API, http_status=response.status)
            yield ResultStream(response.content.iter_chunked(256 * 1024), "rows.item", response.status)


class MoySkladHook(AsyncTaskHook):
    """Hook for MoySklad async exchange on an ``http`` connection (host = API base URL, password = token)."""

    def __init__(self, http_conn_id: str = AsyncTaskHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(MoySkladProtocol.name, http_conn_id=http_conn_id, **kwargs)
