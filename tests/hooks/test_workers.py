"""Unit tests of the workers task API protocol (seed 002) and WorkersHook, against aioresponses."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aioresponses import aioresponses

from airflow_provider_direct.async_task.errors import (
    AsyncTaskError,
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
    AsyncTaskTransientError,
)
from airflow_provider_direct.async_task.status import TaskState
from airflow_provider_direct.hooks.workers import API, TASK_TYPES, WorkersHook, WorkersProtocol
from tests.async_task import BASE, TOKEN, calls, fake_http, make_client

ROOT = f"{BASE}/api/v1/workers/"
TASK = f"{ROOT}7/"
STATUS = f"{ROOT}7/status/"
HANDLE = {"task_id": 7, "task_type": "bookings_export"}


@pytest.fixture
def http() -> Iterator[aioresponses]:
    with fake_http() as mocked:
        yield mocked


@pytest.fixture
def protocol() -> WorkersProtocol:
    return WorkersProtocol()


async def poll(protocol: WorkersProtocol) -> Any:
    async with make_client(api=API, max_retries=1) as client:
        return await protocol.poll(client, dict(HANDLE))


class TestStart:
    @pytest.mark.asyncio
    async def test_creates_the_task_and_returns_its_id(self, http: aioresponses, protocol: WorkersProtocol) -> None:
        http.post(ROOT, status=201, body=json.dumps({"id": 7, "task_type": "bookings_export", "status": "pending"}))
        request = {
            "task_type": "bookings_export",
            "batch_size": 100,
            "filters": {"status": "confirmed"},
            "date_from": "2024-01-01T00:00:00Z",
            "date_to": "2024-12-31T23:59:59Z",
            "not_an_api_field": True,
        }
        async with make_client(api=API) as client:
            assert await protocol.start(client, request) == HANDLE
        (sent,) = calls(http, "POST", ROOT)
        assert sent.kwargs["json"] == {k: v for k, v in request.items() if k != "not_an_api_field"}
        assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.parametrize("task_type", [None, "bookings", "WorkersTaskOperator"])
    @pytest.mark.asyncio
    async def test_unknown_task_type_is_refused_before_sending(
        self, http: aioresponses, protocol: WorkersProtocol, task_type: str | None
    ) -> None:
        async with make_client(api=API) as client:
            with pytest.raises(AsyncTaskRequestError) as info:
                await protocol.start(client, {"task_type": task_type})
        assert str(info.value) == f"workers: task_type must be one of {', '.join(TASK_TYPES)}, not {task_type!r}"
        assert http.requests == {}

    @pytest.mark.asyncio
    async def test_validation_error_carries_code_message_and_details(
        self, http: aioresponses, protocol: WorkersProtocol
    ) -> None:
        body = {
            "error": {"code": "VALIDATION_ERROR", "message": "Некорректные данные", "details": {"batch_size": "> 0"}}
        }
        http.post(ROOT, status=400, body=json.dumps(body, ensure_ascii=False))
        async with make_client(api=API) as client:
            with pytest.raises(AsyncTaskRequestError) as info:
                await protocol.start(client, {"task_type": "data_cleanup", "batch_size": 0})
        assert str(info.value) == "workers: HTTP 400: VALIDATION_ERROR: Некорректные данные {'batch_size': '> 0'}"

    @pytest.mark.parametrize(
        ("status", "body", "error_type", "text"),
        [
            (201, '{"task_type": "data_cleanup"}', AsyncTaskProtocolError, "the created task has no id"),
            (201, "[]", AsyncTaskProtocolError, "expected a JSON object, got []"),
            (201, "<html>created</html>", AsyncTaskProtocolError, "expected JSON from /api/v1/workers/"),
            (201, "", AsyncTaskProtocolError, "got (empty body)"),
            (400, "<html>Bad Request</html>", AsyncTaskRequestError, "HTTP 400: <html>Bad Request</html>"),
            (400, '{"error": "flat string"}', AsyncTaskRequestError, 'HTTP 400: {"error": "flat string"}'),
            (502, "<html>Bad Gateway</html>", AsyncTaskTransientError, "HTTP 502"),
        ],
    )
    @pytest.mark.asyncio
    async def test_malformed_create_answers_are_typed(
        self,
        http: aioresponses,
        protocol: WorkersProtocol,
        status: int,
        body: str,
        error_type: type[AsyncTaskError],
        text: str,
    ) -> None:
        http.post(ROOT, status=status, body=body, repeat=True)
        async with make_client(api=API, max_retries=1) as client:
            with pytest.raises(error_type) as info:
                await protocol.start(client, {"task_type": "data_cleanup"})
        assert text in str(info.value)


class TestPoll:
    @pytest.mark.parametrize(
        ("api_status", "expected"),
        [
            ("pending", TaskState.QUEUED),
            ("processing", TaskState.RUNNING),
            ("completed", TaskState.SUCCEEDED),
            ("cancelled", TaskState.CANCELLED),
        ],
    )
    @pytest.mark.asyncio
    async def test_status_mapping(
        self, http: aioresponses, protocol: WorkersProtocol, api_status: str, expected: TaskState
    ) -> None:
        body = {"id": 7, "status": api_status, "progress": 35}
        http.get(STATUS, body=json.dumps(body))
        status = await poll(protocol)
        assert (status.state, status.progress, status.stage, status.message, status.raw) == (
            expected,
            35.0,
            api_status,
            None,
            body,
        )
        assert calls(http, "GET", TASK) == []

    @pytest.mark.asyncio
    async def test_failed_reads_the_reason_from_the_details(
        self, http: aioresponses, protocol: WorkersProtocol
    ) -> None:
        http.get(STATUS, body='{"id": 7, "status": "failed", "progress": 40}')
        http.get(TASK, body=json.dumps({"id": 7, "status": "failed", "error": "Нет доступа к базе бронирований"}))
        status = await poll(protocol)
        assert (status.state, status.progress, status.message) == (
            TaskState.FAILED,
            40.0,
            "Нет доступа к базе бронирований",
        )
        assert calls(http, "GET", TASK)[0].kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_failed_without_a_reason(self, http: aioresponses, protocol: WorkersProtocol) -> None:
        http.get(STATUS, body='{"status": "failed"}')
        http.get(TASK, body='{"id": 7, "status": "failed", "error": null}')
        status = await poll(protocol)
        assert (status.state, status.progress, status.message) == (
            TaskState.FAILED,
            None,
            "the task failed without a message",
        )

    @pytest.mark.parametrize(
        ("status", "body", "error_type", "text"),
        [
            (200, '{"status": "paused"}', AsyncTaskProtocolError, "unknown task status 'paused'"),
            (200, '{"progress": 5}', AsyncTaskProtocolError, "unknown task status None"),
            (200, "not json", AsyncTaskProtocolError, "expected JSON from /api/v1/workers/7/status/"),
            (200, "<html>login</html>", AsyncTaskProtocolError, "got <html>login</html>"),
            (200, "", AsyncTaskProtocolError, "got (empty body)"),
            (200, '"completed"', AsyncTaskProtocolError, 'expected a JSON object, got "completed"'),
            (
                404,
                '{"error": {"code": "NOT_FOUND", "message": "Задача не найдена"}}',
                AsyncTaskRequestError,
                "HTTP 404: NOT_FOUND: Задача не найдена",
            ),
            (404, "<html>Not Found</html>", AsyncTaskRequestError, "HTTP 404: <html>Not Found</html>"),
            (503, "", AsyncTaskTransientError, "HTTP 503: (empty body)"),
        ],
    )
    @pytest.mark.asyncio
    async def test_malformed_status_answers_are_typed(
        self,
        http: aioresponses,
        protocol: WorkersProtocol,
        status: int,
        body: str,
        error_type: type[AsyncTaskError],
        text: str,
    ) -> None:
        http.get(STATUS, status=status, body=body, repeat=True)
        with pytest.raises(error_type) as info:
            await poll(protocol)
        assert text in str(info.value)

    @pytest.mark.parametrize("value", [["completed"], {"name": "completed"}])
    @pytest.mark.asyncio
    async def test_non_string_status_is_a_protocol_error(
        self, http: aioresponses, protocol: WorkersProtocol, value: Any
    ) -> None:
        http.get(STATUS, body=json.dumps({"status": value}))
        with pytest.raises(AsyncTaskProtocolError):
            await poll(protocol)


class TestFetchAndCancel:
    @pytest.mark.asyncio
    async def test_fetch_streams_the_details_with_their_rows(
        self, http: aioresponses, protocol: WorkersProtocol
    ) -> None:
        details = {"id": 7, "status": "completed", "result": {"rows": [{"id": 1}, {"id": 2}]}}
        http.get(TASK, body=json.dumps(details))
        async with make_client(api=API) as client, protocol.fetch(client, dict(HANDLE)) as stream:
            assert (stream.rows_path, stream.status) == ("result.rows.item", 200)
            assert json.loads(b"".join([chunk async for chunk in stream.chunks])) == details

    @pytest.mark.asyncio
    async def test_fetch_of_a_missing_task(self, http: aioresponses, protocol: WorkersProtocol) -> None:
        http.get(TASK, status=404, body='{"error": {"code": "NOT_FOUND"}}')
        async with make_client(api=API) as client:
            with pytest.raises(AsyncTaskRequestError) as info:
                async with protocol.fetch(client, dict(HANDLE)):
                    pass  # pragma: no cover
        assert str(info.value) == 'workers: HTTP 404: {"error": {"code": "NOT_FOUND"}}'

    @pytest.mark.asyncio
    async def test_cancel_of_a_running_task(self, http: aioresponses, protocol: WorkersProtocol) -> None:
        http.delete(TASK, status=200, body='{"id": 7, "status": "cancelled"}')
        async with make_client(api=API) as client:
            assert await protocol.cancel(client, dict(HANDLE)) is True
        (sent,) = calls(http, "DELETE", TASK)
        assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_cancel_answered_204_no_content(self, http: aioresponses, protocol: WorkersProtocol) -> None:
        http.delete(TASK, status=204, body="")
        async with make_client(api=API) as client:
            assert await protocol.cancel(client, dict(HANDLE)) is True

    @pytest.mark.asyncio
    async def test_cancel_of_a_finished_task_returns_false(self, http: aioresponses, protocol: WorkersProtocol) -> None:
        http.delete(TASK, status=400, body='{"error": {"code": "INVALID_STATE", "message": "Задача завершена"}}')
        async with make_client(api=API) as client:
            assert await protocol.cancel(client, dict(HANDLE)) is False

    @pytest.mark.asyncio
    async def test_cancel_of_another_users_task_raises(self, http: aioresponses, protocol: WorkersProtocol) -> None:
        http.delete(TASK, status=404, body='{"error": {"code": "NOT_FOUND", "message": "Задача не найдена"}}')
        async with make_client(api=API) as client:
            with pytest.raises(AsyncTaskRequestError, match="HTTP 404: NOT_FOUND: Задача не найдена"):
                await protocol.cancel(client, dict(HANDLE))


class TestListTasks:
    @pytest.fixture
    def hook(self, make_connection: Callable[..., str]) -> WorkersHook:
        conn_id = make_connection("workers_api", conn_type="http", host=BASE, password=TOKEN)
        return WorkersHook(conn_id, retry_min_wait=0, retry_max_wait=0)

    @staticmethod
    def page(url: str, ids: list[int], next_url: str | None) -> dict[str, Any]:
        return {"body": json.dumps({"count": 5, "next": next_url, "results": [{"id": i} for i in ids]})}

    def test_follows_pages_until_next_is_empty(self, http: aioresponses, hook: WorkersHook) -> None:
        urls = [f"{ROOT}?page={n}&page_size=2&status=processing&task_type=users_export" for n in (1, 2, 3)]
        http.get(urls[0], **self.page(urls[0], [1, 2], urls[1]))
        http.get(urls[1], **self.page(urls[1], [3, 4], urls[2]))
        http.get(urls[2], **self.page(urls[2], [5], None))
        tasks = list(hook.list_tasks(status="processing", task_type="users_export", page_size=2))
        assert [t["id"] for t in tasks] == [1, 2, 3, 4, 5]
        for n, url in enumerate(urls, start=1):
            (sent,) = calls(http, "GET", url)
            assert sent.kwargs["params"] == {
                "page": n,
                "page_size": 2,
                "status": "processing",
                "task_type": "users_export",
            }
            assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    def test_no_filters_and_default_page_size(self, http: aioresponses, hook: WorkersHook) -> None:
        url = f"{ROOT}?page=1&page_size=100"
        http.get(url, body='{"count": 0, "next": null, "results": []}')
        assert list(hook.list_tasks()) == []
        assert calls(http, "GET", url)[0].kwargs["params"] == {"page": 1, "page_size": 100}

    @pytest.mark.parametrize("page_size", [0, 101, 1000])
    def test_page_size_outside_the_api_range_is_refused(
        self, http: aioresponses, hook: WorkersHook, page_size: int
    ) -> None:
        with pytest.raises(ValueError, match=r"page_size must be within 1\.\.100"):
            list(hook.list_tasks(page_size=page_size))
        assert http.requests == {}

    def test_an_error_page_raises(self, http: aioresponses, hook: WorkersHook) -> None:
        http.get(f"{ROOT}?page=1&page_size=100", status=403, body='{"error": {"code": "FORBIDDEN", "message": "нет"}}')
        with pytest.raises(AsyncTaskRequestError, match="HTTP 403: FORBIDDEN: нет"):
            list(hook.list_tasks())
