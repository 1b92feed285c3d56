"""Unit tests of the MoySklad async exchange protocol (seed 001) and its hook, against aioresponses.

Where the seed shows part of the API, the official documentation wins: the async task states PENDING /
PROCESSING / DONE / ERROR / CANCEL / API_ERROR, ``PUT /async/{id}/cancel`` and errors 61000-61008
(https://dev.moysklad.ru/doc/api/remap/1.2/#/async#2-asinhronnyj-obmen and
https://dev.moysklad.ru/doc/api/remap/1.2/#/errors#2-oshibki; source: github.com/moysklad/api-remap-1.2-doc,
md/_async.md and md/_errors.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aioresponses import aioresponses

from airflow_provider_direct.async_task.errors import (
    AsyncTaskAuthError,
    AsyncTaskBusyError,
    AsyncTaskCancelled,
    AsyncTaskError,
    AsyncTaskExpired,
    AsyncTaskFailed,
    AsyncTaskForeignHostError,
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
    AsyncTaskTransientError,
)
from airflow_provider_direct.async_task.status import TaskState
from airflow_provider_direct.hooks.moysklad import MoySkladHook, MoySkladProtocol, parse_deletion_date
from tests.async_task import TOKEN, calls, fake_http, make_client

HOST = "https://api.moysklad.test"
BASE = f"{HOST}/api/remap/1.2"
REPORT = f"{BASE}/report/stock/bystore?async=true"
STATE_URL = f"{BASE}/async/498b8673"
RESULT_URL = f"{BASE}/async/498b8673/result"
FILE_URL = "https://123.selcdn.test/batch-prod/result.json?temp_url_sig=a24e&temp_url_expires=1616516805"
HANDLE = {"state_url": STATE_URL, "result_url": RESULT_URL}
BUSY_BODY = json.dumps(
    {
        "errors": [
            {
                "error": "Ошибка при создании асинхронной задачи: превышено ограничение на количество "
                "одновременно выполняемых асинхронных операций.",
                "code": 61002,
            }
        ]
    },
    ensure_ascii=False,
)
FORBIDDEN_BODY = json.dumps(
    {"errors": [{"error": "Доступ запрещен: у вас нет прав на просмотр данного объекта", "code": 1016}]},
    ensure_ascii=False,
)
STARTED = {"Location": RESULT_URL, "Content-Location": STATE_URL}


@pytest.fixture
def http() -> Iterator[aioresponses]:
    with fake_http() as mocked:
        yield mocked


@pytest.fixture
def protocol() -> MoySkladProtocol:
    instance = MoySkladProtocol()
    instance.busy_interval_seconds = 0.01
    return instance


def client(**kwargs: Any) -> Any:
    kwargs.setdefault("api", "MoySklad")
    return make_client(BASE, headers=MoySkladProtocol.headers, **kwargs)


def moscow(delta: dt.timedelta) -> str:
    return (dt.datetime.now(ZoneInfo("Europe/Moscow")) + delta).strftime("%Y-%m-%d %H:%M:%S")


async def start(protocol: MoySkladProtocol, request: dict[str, Any] | None = None) -> dict[str, Any]:
    async with client() as c:
        return await protocol.start(c, request or {"path": "report/stock/bystore"})


async def poll(protocol: MoySkladProtocol, **client_kwargs: Any) -> Any:
    async with client(**client_kwargs) as c:
        return await protocol.poll(c, dict(HANDLE))


class TestStart:
    @pytest.mark.asyncio
    async def test_async_request_returns_state_and_result_urls(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        url = f"{BASE}/report/stock/bystore?async=true&groupBy=variant"
        http.get(url, status=202, headers=STARTED)
        handle = await start(protocol, {"path": "report/stock/bystore", "params": {"groupBy": "variant"}})
        assert handle == {"state_url": STATE_URL, "result_url": RESULT_URL}
        (sent,) = calls(http, "GET", url)
        assert sent.kwargs["params"] == {"groupBy": "variant", "async": "true"}
        assert sent.kwargs["headers"] == {"Accept-Encoding": "gzip", "Authorization": f"Bearer {TOKEN}"}

    @pytest.mark.asyncio
    async def test_relative_headers_are_resolved_against_the_base(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        http.get(
            REPORT, status=202, headers={"Location": "async/1/result", "Content-Location": "/api/remap/1.2/async/1"}
        )
        assert await start(protocol) == {"state_url": f"{BASE}/async/1", "result_url": f"{BASE}/async/1/result"}

    @pytest.mark.parametrize("header", ["Content-Location", "Location"])
    @pytest.mark.asyncio
    async def test_a_url_on_another_host_is_refused(
        self, http: aioresponses, protocol: MoySkladProtocol, header: str
    ) -> None:
        http.get(REPORT, status=202, headers={**STARTED, header: "https://evil.test/async/498b8673"})
        with pytest.raises(AsyncTaskForeignHostError, match=r"refusing https://evil\.test"):
            await start(protocol)

    @pytest.mark.parametrize("missing", ["Content-Location", "Location"])
    @pytest.mark.asyncio
    async def test_missing_header_is_a_protocol_error(
        self, http: aioresponses, protocol: MoySkladProtocol, missing: str
    ) -> None:
        http.get(REPORT, status=202, headers={k: v for k, v in STARTED.items() if k != missing})
        with pytest.raises(AsyncTaskProtocolError) as info:
            await start(protocol)
        assert str(info.value) == "MoySklad: HTTP 202: HTTP 202 without Location / Content-Location headers"

    @pytest.mark.asyncio
    async def test_synchronous_answer_is_a_protocol_error(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.get(REPORT, status=200, body="<html>report</html>", content_type="text/html")
        with pytest.raises(AsyncTaskProtocolError, match="HTTP 200 without Location / Content-Location"):
            await start(protocol)

    @pytest.mark.asyncio
    async def test_api_error_is_a_request_error_with_its_text(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        http.get(REPORT, status=412, body='{"errors": [{"error": "Неизвестный параметр", "code": 1002}]}')
        with pytest.raises(AsyncTaskRequestError) as info:
            await start(protocol)
        assert str(info.value) == "MoySklad: HTTP 412: Неизвестный параметр (code 1002)"

    @pytest.mark.asyncio
    async def test_path_is_required(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        with pytest.raises(AsyncTaskRequestError, match="request needs 'path'"):
            await start(protocol, {"params": {}})
        assert http.requests == {}

    @pytest.mark.asyncio
    async def test_too_many_async_tasks_is_waited_out_then_started(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        http.get(REPORT, status=429, body=BUSY_BODY)
        http.get(REPORT, status=429, body=BUSY_BODY)
        http.get(REPORT, status=202, headers=STARTED)
        protocol.busy_wait_seconds = 5.0
        assert await start(protocol) == HANDLE
        assert len(calls(http, "GET", REPORT)) == 3

    @pytest.mark.asyncio
    async def test_too_many_async_tasks_that_never_clears_fails_busy(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        http.get(REPORT, status=429, body=BUSY_BODY, repeat=True)
        protocol.busy_wait_seconds = 0.05
        with pytest.raises(AsyncTaskBusyError) as info:
            await start(protocol)
        assert info.value.http_status == 429
        assert "61002" in str(info.value)
        assert "превышено ограничение" in str(info.value)
        assert len(calls(http, "GET", REPORT)) >= 2

    @pytest.mark.asyncio
    async def test_busy_wait_from_the_request_wins(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.get(REPORT, status=429, body=BUSY_BODY, repeat=True)
        protocol.busy_wait_seconds = 600.0
        with pytest.raises(AsyncTaskBusyError):
            await start(protocol, {"path": "report/stock/bystore", "busy_wait_seconds": 0})
        assert len(calls(http, "GET", REPORT)) == 1  # no per-request retry of a busy answer either

    @pytest.mark.asyncio
    async def test_plain_rate_limit_is_transient_not_busy(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.get(REPORT, status=429, body='{"errors": [{"error": "Превышен лимит", "code": 1049}]}')
        http.get(REPORT, status=202, headers=STARTED)
        assert await start(protocol) == HANDLE


class TestPoll:
    @pytest.mark.asyncio
    async def test_processing_is_running(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        body = {"id": "498b8673", "state": "PROCESSING", "request": REPORT}
        http.get(STATE_URL, body=json.dumps(body))
        status = await poll(protocol)
        assert (status.state, status.stage, status.raw) == (TaskState.RUNNING, "PROCESSING", body)
        assert calls(http, "GET", STATE_URL)[0].kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_done_is_succeeded_until_deletion(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        deletion = moscow(dt.timedelta(hours=1))
        http.get(STATE_URL, body=json.dumps({"state": "DONE", "resultUrl": RESULT_URL, "deletionDate": deletion}))
        status = await poll(protocol)
        assert (status.state, status.progress, status.stage) == (TaskState.SUCCEEDED, 100.0, "DONE")
        assert status.expires_at == parse_deletion_date(deletion, "Europe/Moscow")
        assert status.raw["resultUrl"] == RESULT_URL

    @pytest.mark.asyncio
    async def test_done_without_deletion_date(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.get(STATE_URL, body='{"state": "DONE"}')
        status = await poll(protocol)
        assert (status.state, status.expires_at) == (TaskState.SUCCEEDED, None)

    @pytest.mark.asyncio
    async def test_done_past_deletion_date_is_expired(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.get(STATE_URL, body='{"state": "DONE", "deletionDate": "2021-02-16 16:21:09"}')
        status = await poll(protocol)
        assert status.state is TaskState.EXPIRED
        assert status.message == "the result was deleted at 2021-02-16 16:21:09: re-run the task"
        assert status.expires_at == dt.datetime(2021, 2, 16, 13, 21, 9, tzinfo=dt.timezone.utc).timestamp()

    @pytest.mark.asyncio
    async def test_api_error_reads_the_result_for_the_api_words(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        http.get(STATE_URL, body='{"state": "API_ERROR"}')
        http.get(RESULT_URL, status=403, body=FORBIDDEN_BODY)
        status = await poll(protocol)
        assert (status.state, status.stage) == (TaskState.FAILED, "API_ERROR")
        assert status.message == "Доступ запрещен: у вас нет прав на просмотр данного объекта (code 1016)"
        assert calls(http, "GET", RESULT_URL)[0].kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_unknown_state_is_failed_naming_it(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.get(STATE_URL, body='{"state": "CANCELLED_BY_ADMIN"}')
        status = await poll(protocol)
        assert (status.state, status.stage) == (TaskState.FAILED, "CANCELLED_BY_ADMIN")
        assert "'CANCELLED_BY_ADMIN'" in status.message
        assert "PENDING / PROCESSING / DONE / ERROR / CANCEL / API_ERROR" in status.message

    @pytest.mark.asyncio
    async def test_pending_waits_like_processing(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        """PENDING: the task is queued (the account's queue holds 4)."""
        http.get(STATE_URL, body='{"id": "498b8673", "state": "PENDING", "request": "r"}')
        status = await poll(protocol)
        assert (status.state, status.stage) == (TaskState.QUEUED, "PENDING")
        assert not status.state.is_terminal

    @pytest.mark.asyncio
    async def test_error_is_a_failure_that_says_to_start_again(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        """ERROR: not run because of an internal error; the docs say to start the task again."""
        http.get(STATE_URL, body='{"state": "ERROR"}')
        status = await poll(protocol)
        assert (status.state, status.stage) == (TaskState.FAILED, "ERROR")
        assert "internal error" in status.message and "start" in status.message
        assert "does not define" not in status.message

    @pytest.mark.asyncio
    async def test_cancel_state_is_cancelled(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.get(STATE_URL, body='{"state": "CANCEL"}')
        status = await poll(protocol)
        assert (status.state, status.stage) == (TaskState.CANCELLED, "CANCEL")
        assert "cancelled" in status.message

    @pytest.mark.asyncio
    async def test_api_error_state_carries_the_errors_itself(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        """The documented API_ERROR status body holds ``errors``: no second request is needed."""
        body = {
            "state": "API_ERROR",
            "errors": [
                {"error": "Ошибка: не указан обязательный параметр для запроса показателей: momentTo.", "code": 39000}
            ],
        }
        http.get(STATE_URL, body=json.dumps(body, ensure_ascii=False))
        status = await poll(protocol)
        assert (status.state, status.stage) == (TaskState.FAILED, "API_ERROR")
        assert (
            status.message == "Ошибка: не указан обязательный параметр для запроса показателей: momentTo. (code 39000)"
        )
        assert calls(http, "GET", RESULT_URL) == []

    @pytest.mark.parametrize(
        ("status", "body", "error_type", "text"),
        [
            (200, "not json", AsyncTaskProtocolError, "expected JSON from /api/remap/1.2/async/498b8673, got not json"),
            (200, "<html><body>Ошибка</body></html>", AsyncTaskProtocolError, "got <html><body>Ошибка</body></html>"),
            (200, "", AsyncTaskProtocolError, "got (empty body)"),
            (404, '{"errors": [{"error": "Задача не найдена", "code": 1021}]}', AsyncTaskRequestError, "(code 1021)"),
            (404, "<html>Not Found</html>", AsyncTaskRequestError, "HTTP 404: <html>Not Found</html>"),
            (401, '{"errors": [{"error": "Ошибка аутентификации", "code": 1056}]}', AsyncTaskAuthError, "HTTP 401"),
            (503, "<html>Service Unavailable</html>", AsyncTaskTransientError, "HTTP 503"),
        ],
    )
    @pytest.mark.asyncio
    async def test_malformed_or_error_answers_are_typed(
        self,
        http: aioresponses,
        protocol: MoySkladProtocol,
        status: int,
        body: str,
        error_type: type[AsyncTaskError],
        text: str,
    ) -> None:
        http.get(STATE_URL, status=status, body=body, repeat=True)
        with pytest.raises(error_type) as info:
            await poll(protocol, max_retries=1)
        assert text in str(info.value)


class TestDeletionDate:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("2021-02-16 16:21:09", dt.datetime(2021, 2, 16, 13, 21, 9, tzinfo=dt.timezone.utc)),
            ("2021-04-16 16:07:13.027", dt.datetime(2021, 4, 16, 13, 7, 13, 27000, tzinfo=dt.timezone.utc)),
        ],
    )
    def test_moscow_time_with_or_without_milliseconds(self, value: str, expected: dt.datetime) -> None:
        assert parse_deletion_date(value, "Europe/Moscow") == expected.timestamp()

    @pytest.mark.parametrize("value", [None, 1616516805, "16.02.2021", ""])
    def test_anything_else_is_none(self, value: Any) -> None:
        assert parse_deletion_date(value, "Europe/Moscow") is None


class TestFetch:
    @pytest.mark.asyncio
    async def test_redirect_to_another_host_is_followed_without_the_token(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        report = {"meta": {"size": 2}, "rows": [{"name": "A"}, {"name": "Б"}]}
        http.get(RESULT_URL, status=302, headers={"Location": FILE_URL})
        http.get(FILE_URL, body=json.dumps(report, ensure_ascii=False).encode())
        async with client() as c, protocol.fetch(c, dict(HANDLE)) as stream:
            assert (stream.rows_path, stream.status) == ("rows.item", 200)
            content = b"".join([chunk async for chunk in stream.chunks])
        assert json.loads(content) == report
        (to_api,) = calls(http, "GET", RESULT_URL)
        (to_file,) = calls(http, "GET", FILE_URL)
        assert to_api.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"
        assert to_file.kwargs["headers"] == {}
        assert TOKEN not in json.dumps(to_file.kwargs, default=str)

    @pytest.mark.asyncio
    async def test_expired_file_link_is_expired(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.get(RESULT_URL, status=302, headers={"Location": FILE_URL})
        http.get(FILE_URL, status=403, body="403 Forbidden: temp_url_sig invalid", content_type="text/plain")
        async with client() as c:
            with pytest.raises(AsyncTaskExpired, match="the result file link expired"):
                async with protocol.fetch(c, dict(HANDLE)):
                    pass  # pragma: no cover

    @pytest.mark.asyncio
    async def test_other_file_errors_are_request_errors(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.get(RESULT_URL, status=302, headers={"Location": FILE_URL})
        http.get(FILE_URL, status=404, body="404 Not Found: the result file was deleted", content_type="text/plain")
        async with client() as c:
            with pytest.raises(AsyncTaskRequestError) as info:
                async with protocol.fetch(c, dict(HANDLE)):
                    pass  # pragma: no cover
        assert str(info.value) == "MoySklad: HTTP 404: 404 Not Found: the result file was deleted"

    @pytest.mark.parametrize("status", [404, 410])
    @pytest.mark.asyncio
    async def test_result_url_gone_is_expired(
        self, http: aioresponses, protocol: MoySkladProtocol, status: int
    ) -> None:
        http.get(RESULT_URL, status=status, body='{"errors": [{"error": "Задача не найдена", "code": 1021}]}')
        async with client() as c:
            with pytest.raises(AsyncTaskExpired) as info:
                async with protocol.fetch(c, dict(HANDLE)):
                    pass  # pragma: no cover
        assert info.value.http_status == status
        assert str(info.value) == f"MoySklad: HTTP {status}: Задача не найдена (code 1021): re-run the task"

    @pytest.mark.parametrize(
        ("status", "headers", "body"),
        [(200, {}, '{"rows": []}'), (302, {}, ""), (403, {}, "<html>Forbidden</html>")],
        ids=["no-redirect", "redirect-without-location", "403-without-an-api-error"],
    )
    @pytest.mark.asyncio
    async def test_anything_but_a_redirect_is_a_protocol_error(
        self, http: aioresponses, protocol: MoySkladProtocol, status: int, headers: dict[str, str], body: str
    ) -> None:
        http.get(RESULT_URL, status=status, headers=headers, body=body)
        async with client() as c:
            with pytest.raises(AsyncTaskProtocolError, match=f"expected 302 to the result file, got HTTP {status}"):
                async with protocol.fetch(c, dict(HANDLE)):
                    pass  # pragma: no cover

    @pytest.mark.asyncio
    async def test_redirect_to_a_non_http_url_is_refused(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.get(RESULT_URL, status=302, headers={"Location": "file:///etc/passwd"})
        async with client() as c:
            with pytest.raises(AsyncTaskForeignHostError):
                async with protocol.fetch(c, dict(HANDLE)):
                    pass  # pragma: no cover
        assert calls(http, "GET", "file:///etc/passwd") == []


def async_error(code: int, text: str) -> str:
    return json.dumps({"errors": [{"error": text, "code": code}]}, ensure_ascii=False)


CANCEL_URL = f"{STATE_URL}/cancel"


class TestCancel:
    @pytest.mark.asyncio
    async def test_cancel_puts_to_the_task_and_204_means_stopped(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        assert MoySkladProtocol.supports_cancel is True
        http.put(CANCEL_URL, status=204)
        async with client() as c:
            assert await protocol.cancel(c, dict(HANDLE)) is True
        [sent] = calls(http, "PUT", CANCEL_URL)
        assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_an_ended_task_cannot_be_cancelled(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        """61007: only PENDING and PROCESSING tasks can be cancelled; an ended one is no failure of the kill."""
        http.put(
            CANCEL_URL,
            status=400,
            body=async_error(61007, "Ошибка при отмене асинхронной задачи: задача уже завершена"),
        )
        async with client() as c:
            assert await protocol.cancel(c, dict(HANDLE)) is False

    @pytest.mark.asyncio
    async def test_other_cancel_errors_are_typed(self, http: aioresponses, protocol: MoySkladProtocol) -> None:
        http.put(CANCEL_URL, status=403, body=FORBIDDEN_BODY)
        async with client() as c:
            with pytest.raises(AsyncTaskRequestError, match="code 1016"):
                await protocol.cancel(c, dict(HANDLE))


# The documented async errors (https://dev.moysklad.ru/doc/api/remap/1.2/#/errors#2-oshibki): each with its meaning.
ASYNC_ERRORS = {
    61000: "Ошибка при создании асинхронной задачи: эндпоинт не поддерживает асинхронный обмен",
    61001: "Ошибка при создании асинхронной задачи: нельзя указывать параметры 'offset' и 'limit' "
    "для асинхронного запроса",
    61003: "Ошибка при запросе результата асинхронной задачи: результат задачи был удален",
    61004: "Ошибка при запросе результата асинхронной задачи: задача завершилась ошибкой",
    61005: "Ошибка при запросе результата асинхронной задачи: задача была отменена",
    61006: "Ошибка при запросе результата асинхронной задачи: результат еще не готов",
    61008: "Ошибка при отправке асинхронной задачи: внутренняя ошибка",
}


class TestAsyncErrors:
    @pytest.mark.parametrize(
        ("code", "error_type", "hint"),
        [
            (61000, AsyncTaskRequestError, "does not support async"),
            (61001, AsyncTaskRequestError, "offset"),
            (61008, AsyncTaskTransientError, "internal error"),
        ],
    )
    @pytest.mark.asyncio
    async def test_start_errors(
        self, http: aioresponses, protocol: MoySkladProtocol, code: int, error_type: type[AsyncTaskError], hint: str
    ) -> None:
        http.get(REPORT, status=400, body=async_error(code, ASYNC_ERRORS[code]))
        with pytest.raises(error_type) as info:
            await start(protocol)
        assert f"(code {code})" in str(info.value) and ASYNC_ERRORS[code] in str(info.value)
        assert hint in str(info.value)

    @pytest.mark.asyncio
    async def test_a_done_task_whose_result_is_the_api_error_fails_with_it(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        """The result of a task that went wrong is the API's error (403 + errors), not a file redirect."""
        http.get(RESULT_URL, status=403, body=FORBIDDEN_BODY)
        async with client() as c:
            with pytest.raises(AsyncTaskFailed, match=r"Доступ запрещен.*\(code 1016\)"):
                async with protocol.fetch(c, dict(HANDLE)):
                    pass  # pragma: no cover

    @pytest.mark.parametrize("path", ["report/stock/bystore?limit=100", "report/stock/bystore?a=1&offset=5"])
    @pytest.mark.asyncio
    async def test_offset_and_limit_in_the_path_are_refused_too(
        self, http: aioresponses, protocol: MoySkladProtocol, path: str
    ) -> None:
        with pytest.raises(AsyncTaskRequestError, match="offset"):
            await start(protocol, {"path": path})
        assert http.requests == {}

    @pytest.mark.asyncio
    async def test_offset_and_limit_are_refused_before_sending(
        self, http: aioresponses, protocol: MoySkladProtocol
    ) -> None:
        with pytest.raises(AsyncTaskRequestError, match="offset"):
            await start(protocol, {"path": "report/stock/bystore", "params": {"limit": 100}})
        assert http.requests == {}

    @pytest.mark.parametrize(
        ("code", "error_type"),
        [
            (61003, AsyncTaskExpired),
            (61004, AsyncTaskFailed),
            (61005, AsyncTaskCancelled),
            (61006, AsyncTaskTransientError),
        ],
    )
    @pytest.mark.asyncio
    async def test_result_errors(
        self, http: aioresponses, protocol: MoySkladProtocol, code: int, error_type: type[AsyncTaskError]
    ) -> None:
        http.get(RESULT_URL, status=400, body=async_error(code, ASYNC_ERRORS[code]), repeat=True)
        async with client(max_retries=0) as c:
            with pytest.raises(error_type) as info:
                async with protocol.fetch(c, dict(HANDLE)):
                    pass  # pragma: no cover
        assert f"(code {code})" in str(info.value)


class TestHook:
    def test_sync_start_on_an_http_connection_with_a_base_path(
        self, http: aioresponses, make_connection: Callable[..., str]
    ) -> None:
        conn_id = make_connection("ms", conn_type="http", host=BASE, password=TOKEN)
        http.get(REPORT, status=202, headers=STARTED)
        hook = MoySkladHook(conn_id)
        assert hook.protocol.name == "moysklad"
        assert hook.start({"path": "report/stock/bystore"}) == HANDLE
        assert calls(http, "GET", REPORT)[0].kwargs["headers"]["Accept-Encoding"] == "gzip"
