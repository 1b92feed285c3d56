"""Unit tests of the Direct fetch protocol (seed 000) and its hook, against aioresponses."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aioresponses import aioresponses

from airflow_provider_direct.async_task.errors import (
    AsyncTaskError,
    AsyncTaskExpired,
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
    AsyncTaskTransientError,
)
from airflow_provider_direct.async_task.protocol import get_protocol
from airflow_provider_direct.async_task.sinks import deliver, spool_result
from airflow_provider_direct.async_task.status import TaskState
from airflow_provider_direct.hooks.direct_fetch import (
    API,
    FETCH_TYPES,
    DirectFetchHook,
    DirectFetchNoResultsError,
    DirectFetchNotFoundError,
    DirectFetchNotReadyError,
    DirectFetchNotRunningError,
    DirectFetchProtocol,
)
from tests.async_task import BASE, TOKEN, calls, fake_http, fetch_status_text, make_client

START = f"{BASE}/webHooks/startYandexDirectFetch"
STATUS = f"{BASE}/webHooks/getYandexDirectFetchStatus?processId=P"
RESULTS = f"{BASE}/webHooks/getYandexDirectFetchResults?processId=P"
STOP = f"{BASE}/webHooks/stopYandexDirectFetch"
HANDLE = {"process_id": "P", "account": "acc", "client": "cli", "type": "history"}

BRIEF_PENDING = (
    '{"status": "ok", "success": true, "processId": "P", "status": "pending", "progress": 60, '
    '"stage": "Обработка данных", "message": "Начало получения данных из Яндекс.Директ"}'
)
BRIEF_PENDING_REVERSED = (
    '{"status": "pending", "progress": 60, "stage": "Обработка данных", '
    '"message": "Начало получения данных из Яндекс.Директ", "status": "ok", "success": true, "processId": "P"}'
)


def error_body(message: str) -> str:
    return json.dumps({"status": "error", "success": False, "message": message}, ensure_ascii=False)


@pytest.fixture
def http() -> Iterator[aioresponses]:
    with fake_http() as mocked:
        yield mocked


@pytest.fixture
def protocol() -> DirectFetchProtocol:
    return DirectFetchProtocol()


async def poll_with(protocol: DirectFetchProtocol, http: aioresponses, body: str, status: int = 200) -> Any:
    http.get(STATUS, status=status, body=body)
    async with make_client(api=API, max_retries=1) as client:
        return await protocol.poll(client, dict(HANDLE))


class TestStart:
    @pytest.mark.asyncio
    async def test_posts_the_documented_body_and_returns_the_handle(
        self, http: aioresponses, protocol: DirectFetchProtocol
    ) -> None:
        http.post(
            START,
            body=json.dumps(
                {"status": "ok", "success": True, "processId": "YandexDirectDataFetchProcess_65a8", "type": "settings"}
            ),
        )
        request = {"account": "acc", "client": "cli", "type": "settings", "params": {"campaigns": [1]}, "junk": 1}
        async with make_client(api=API) as client:
            handle = await protocol.start(client, request)
        assert handle == {
            "process_id": "YandexDirectDataFetchProcess_65a8",
            "account": "acc",
            "client": "cli",
            "type": "settings",
        }
        (sent,) = calls(http, "POST", START)
        assert sent.kwargs["json"] == {
            "account": "acc",
            "client": "cli",
            "type": "settings",
            "params": {"campaigns": [1]},
        }
        assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_empty_params_are_not_sent(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        http.post(START, body='{"status": "ok", "success": true, "processId": 42}')
        async with make_client(api=API) as client:
            handle = await protocol.start(client, {"account": "a", "client": "c", "type": "history", "params": {}})
        assert handle["process_id"] == "42"
        assert calls(http, "POST", START)[0].kwargs["json"] == {"account": "a", "client": "c", "type": "history"}

    @pytest.mark.asyncio
    async def test_missing_fields_are_refused_before_sending(
        self, http: aioresponses, protocol: DirectFetchProtocol
    ) -> None:
        async with make_client(api=API) as client:
            with pytest.raises(AsyncTaskRequestError) as info:
                await protocol.start(client, {"client": "c"})
        assert str(info.value) == "Direct fetch: missing account, type"
        assert http.requests == {}

    @pytest.mark.asyncio
    async def test_unknown_type_is_refused(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        async with make_client(api=API) as client:
            with pytest.raises(AsyncTaskRequestError) as info:
                await protocol.start(client, {"account": "a", "client": "c", "type": "campaigns"})
        assert str(info.value) == f"Direct fetch: type must be one of {', '.join(FETCH_TYPES)}, not 'campaigns'"
        assert http.requests == {}

    @pytest.mark.asyncio
    async def test_answer_without_process_id_is_a_protocol_error(
        self, http: aioresponses, protocol: DirectFetchProtocol
    ) -> None:
        http.post(START, body='{"status": "ok", "success": true, "message": "Процесс успешно запущен"}')
        async with make_client(api=API) as client:
            with pytest.raises(AsyncTaskProtocolError, match="the start answer has no processId"):
                await protocol.start(client, {"account": "a", "client": "c", "type": "history"})

    @pytest.mark.asyncio
    async def test_error_envelope_is_a_request_error_with_the_api_text(
        self, http: aioresponses, protocol: DirectFetchProtocol
    ) -> None:
        http.post(START, status=400, body=error_body("Неизвестный аккаунт"))
        async with make_client(api=API) as client:
            with pytest.raises(AsyncTaskRequestError) as info:
                await protocol.start(client, {"account": "a", "client": "c", "type": "history"})
        assert type(info.value) is AsyncTaskRequestError
        assert str(info.value) == "Direct fetch: HTTP 400: Неизвестный аккаунт"


class TestPoll:
    @pytest.mark.parametrize(
        ("state", "expected"),
        [
            ("new", TaskState.QUEUED),
            ("pending", TaskState.RUNNING),
            ("done", TaskState.SUCCEEDED),
            ("error", TaskState.FAILED),
            ("stopped", TaskState.CANCELLED),
        ],
    )
    @pytest.mark.asyncio
    async def test_every_documented_state_is_normalized(
        self, http: aioresponses, protocol: DirectFetchProtocol, state: str, expected: TaskState
    ) -> None:
        body = fetch_status_text(state, progress=100 if state == "done" else 40, stage="Этап", message=f"m-{state}")
        status = await poll_with(protocol, http, body)
        assert status.state is expected
        assert (status.progress, status.stage, status.message) == (
            100.0 if state == "done" else 40.0,
            "Этап",
            f"m-{state}",
        )
        assert status.raw["status"] == ["ok", state]

    @pytest.mark.parametrize("body", [BRIEF_PENDING, BRIEF_PENDING_REVERSED], ids=["envelope-first", "state-first"])
    @pytest.mark.asyncio
    async def test_duplicate_status_is_read_in_either_order(
        self, http: aioresponses, protocol: DirectFetchProtocol, body: str
    ) -> None:
        status = await poll_with(protocol, http, body)
        assert status.state is TaskState.RUNNING
        assert (status.progress, status.stage, status.message) == (
            60.0,
            "Обработка данных",
            "Начало получения данных из Яндекс.Директ",
        )
        assert sorted(status.raw["status"]) == ["ok", "pending"]
        json.dumps(status.to_event())  # both values survive as a plain list

    @pytest.mark.asyncio
    async def test_sends_the_process_id_with_the_token(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        await poll_with(protocol, http, BRIEF_PENDING)
        (sent,) = calls(http, "GET", STATUS)
        assert sent.kwargs["params"] == {"processId": "P"}
        assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_single_status_without_envelope(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        status = await poll_with(protocol, http, '{"success": true, "status": "done", "progress": 100}')
        assert (status.state, status.progress, status.stage, status.message) == (TaskState.SUCCEEDED, 100.0, None, None)

    @pytest.mark.asyncio
    async def test_failed_process_in_envelope_first_order(
        self, http: aioresponses, protocol: DirectFetchProtocol
    ) -> None:
        status = await poll_with(protocol, http, fetch_status_text("error", message="Ошибка API Директа"))
        assert (status.state, status.message) == (TaskState.FAILED, "Ошибка API Директа")

    @pytest.mark.asyncio
    async def test_failed_process_in_state_first_order(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        body = fetch_status_text("error", envelope_first=False, message="Ошибка API Директа")
        status = await poll_with(protocol, http, body)
        assert (status.state, status.message) == (TaskState.FAILED, "Ошибка API Директа")

    @pytest.mark.asyncio
    async def test_non_numeric_progress_is_dropped(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        status = await poll_with(protocol, http, fetch_status_text("pending", progress="60%"))
        assert (status.state, status.progress) == (TaskState.RUNNING, None)


class TestErrors:
    @pytest.mark.parametrize(
        ("message", "error_type"),
        [
            pytest.param("Не указан параметр processId", AsyncTaskRequestError, id="no-process-id"),
            pytest.param(
                "Процесс с ID YandexDirectDataFetchProcess_65a8 не найден", DirectFetchNotFoundError, id="not-found"
            ),
            pytest.param("Процесс еще не завершен или завершен с ошибкой", DirectFetchNotReadyError, id="not-ready"),
            pytest.param("Результаты процесса не найдены", DirectFetchNoResultsError, id="no-results"),
            pytest.param("Процесс не выполняется", DirectFetchNotRunningError, id="not-running"),
        ],
    )
    @pytest.mark.parametrize("http_status", [400, 404, 200])
    @pytest.mark.asyncio
    async def test_documented_error_strings_are_typed(
        self,
        http: aioresponses,
        protocol: DirectFetchProtocol,
        message: str,
        error_type: type[AsyncTaskError],
        http_status: int,
    ) -> None:
        with pytest.raises(AsyncTaskError) as info:
            await poll_with(protocol, http, error_body(message), status=http_status)
        assert type(info.value) is error_type
        assert str(info.value) == f"Direct fetch: HTTP {http_status}: {message}"
        assert info.value.body == {"status": "error", "success": False, "message": message}

    @pytest.mark.asyncio
    async def test_error_field_is_used_when_there_is_no_message(
        self, http: aioresponses, protocol: DirectFetchProtocol
    ) -> None:
        with pytest.raises(AsyncTaskRequestError, match="HTTP 400: boom"):
            await poll_with(protocol, http, '{"success": false, "error": "boom"}', status=400)

    @pytest.mark.asyncio
    async def test_success_false_alone_is_an_error(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        with pytest.raises(AsyncTaskRequestError, match="HTTP 200: unknown error"):
            await poll_with(protocol, http, '{"status": "ok", "success": false}')


class TestMalformed:
    @pytest.mark.parametrize(
        ("body", "status", "error_type", "text"),
        [
            ("not json", 200, AsyncTaskProtocolError, "expected JSON from /webHooks/getYandexDirectFetchStatus"),
            ("<html><h1>Not Found</h1></html>", 404, AsyncTaskProtocolError, "got <html><h1>Not Found</h1></html>"),
            ("<html>maintenance</html>", 200, AsyncTaskProtocolError, "got <html>maintenance</html>"),
            ("", 200, AsyncTaskProtocolError, "got (empty body)"),
            ("[1, 2]", 200, AsyncTaskProtocolError, "expected a JSON object, got list"),
            ('"done"', 200, AsyncTaskProtocolError, "expected a JSON object, got str"),
            ('{"status": "ok", "success": true}', 200, AsyncTaskProtocolError, "no known process state in 'ok'"),
            (fetch_status_text("paused"), 200, AsyncTaskProtocolError, "no known process state in ['ok', 'paused']"),
            ('{"success": true}', 200, AsyncTaskProtocolError, "no known process state in None"),
            ("<html>Bad Gateway</html>", 502, AsyncTaskTransientError, "HTTP 502: <html>Bad Gateway</html>"),
        ],
    )
    @pytest.mark.asyncio
    async def test_malformed_answers_are_typed_errors(
        self,
        http: aioresponses,
        protocol: DirectFetchProtocol,
        body: str,
        status: int,
        error_type: type[AsyncTaskError],
        text: str,
    ) -> None:
        http.get(STATUS, status=status, body=body, repeat=True)
        async with make_client(api=API, max_retries=1) as client:
            with pytest.raises(error_type) as info:
                await protocol.poll(client, dict(HANDLE))
        assert text in str(info.value)

    @pytest.mark.parametrize("value", [["ok", "done"], {"state": "done"}])
    @pytest.mark.asyncio
    async def test_non_string_status_is_a_protocol_error(
        self, http: aioresponses, protocol: DirectFetchProtocol, value: Any
    ) -> None:
        with pytest.raises(AsyncTaskProtocolError):
            await poll_with(protocol, http, json.dumps({"success": True, "status": value}))


class TestFetch:
    RESULT = {
        "status": "ok",
        "success": True,
        "processId": "P",
        "type": "history",
        "data": {"data": [{"cid": 1, "change": "Изменение ставки"}, {"cid": 2, "change": "x"}]},
        "dataCount": 2,
    }

    @pytest.mark.asyncio
    async def test_streams_the_results_with_their_row_path(
        self, http: aioresponses, protocol: DirectFetchProtocol
    ) -> None:
        text = json.dumps(self.RESULT, ensure_ascii=False)[:-1] + ', "status": "done"}'
        http.get(RESULTS, body=text.encode())
        async with make_client(api=API) as client, protocol.fetch(client, dict(HANDLE)) as stream:
            assert (stream.rows_path, stream.status) == ("data.data.item", 200)
            spool, size = await spool_result(stream, 1024)
        summary = deliver(spool, size, stream, xcom_max_bytes=10_000)
        assert (summary.rows, summary.bytes) == (2, len(text.encode()))
        assert summary.result["data"] == self.RESULT["data"]
        (sent,) = calls(http, "GET", RESULTS)
        assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_not_finished_is_typed(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        http.get(RESULTS, status=400, body=error_body("Процесс еще не завершен или завершен с ошибкой"))
        async with make_client(api=API) as client:
            with pytest.raises(DirectFetchNotReadyError, match="HTTP 400: Процесс еще не завершен"):
                async with protocol.fetch(client, dict(HANDLE)):
                    pass  # pragma: no cover

    @pytest.mark.asyncio
    async def test_results_gone_is_expired(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        http.get(RESULTS, status=404, body=error_body("Результаты процесса не найдены"))
        async with make_client(api=API) as client:
            with pytest.raises(AsyncTaskExpired):
                async with protocol.fetch(client, dict(HANDLE)):
                    pass  # pragma: no cover

    @pytest.mark.asyncio
    async def test_html_error_page_is_a_protocol_error(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        http.get(RESULTS, status=404, body="<html>nginx</html>")
        async with make_client(api=API) as client:
            with pytest.raises(AsyncTaskProtocolError, match="got <html>nginx</html>"):
                async with protocol.fetch(client, dict(HANDLE)):
                    pass  # pragma: no cover


class TestCancel:
    @pytest.mark.asyncio
    async def test_stop_of_a_running_process(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        http.post(STOP, body='{"status": "ok", "success": true, "message": "Процесс успешно остановлен"}')
        async with make_client(api=API) as client:
            assert await protocol.cancel(client, dict(HANDLE)) is True
        (sent,) = calls(http, "POST", STOP)
        assert sent.kwargs["json"] == {"processId": "P"}
        assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.parametrize("http_status", [400, 200])
    @pytest.mark.asyncio
    async def test_stop_of_a_finished_process_returns_false(
        self, http: aioresponses, protocol: DirectFetchProtocol, http_status: int
    ) -> None:
        http.post(STOP, status=http_status, body=error_body("Процесс не выполняется"))
        async with make_client(api=API) as client:
            assert await protocol.cancel(client, dict(HANDLE)) is False

    @pytest.mark.asyncio
    async def test_stop_of_an_unknown_process_raises(self, http: aioresponses, protocol: DirectFetchProtocol) -> None:
        http.post(STOP, status=404, body=error_body("Процесс с ID P не найден"))
        async with make_client(api=API) as client:
            with pytest.raises(DirectFetchNotFoundError):
                await protocol.cancel(client, dict(HANDLE))


class TestHook:
    @pytest.fixture
    def conn_id(self, make_connection: Callable[..., str]) -> str:
        return make_connection("fetch_api", conn_type="http", host=BASE, password=TOKEN)

    def test_registered_protocol(self) -> None:
        assert type(get_protocol("direct_fetch")) is DirectFetchProtocol
        assert DirectFetchProtocol.supports_cancel is True

    def test_unknown_protocol_name(self) -> None:
        with pytest.raises(ValueError, match=r"unknown async-task protocol 'nope'; known: \[.*'direct_fetch'"):
            get_protocol("nope")

    def test_sync_start_poll_cancel_through_the_connection(self, http: aioresponses, conn_id: str) -> None:
        http.post(START, body='{"status": "ok", "success": true, "processId": "P"}')
        http.get(STATUS, body=BRIEF_PENDING)
        http.post(STOP, body='{"status": "ok", "success": true}')
        hook = DirectFetchHook(conn_id, retry_min_wait=0, retry_max_wait=0)
        handle = hook.start({"account": "acc", "client": "cli", "type": "history"})
        assert handle == HANDLE
        assert hook.poll(handle).progress == 60.0
        assert hook.cancel(handle) is True
        for url, method in ((START, "POST"), (STATUS, "GET"), (STOP, "POST")):
            (sent,) = calls(http, method, url)
            assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    def test_client_from_connection_and_reprs_without_token(self, conn_id: str) -> None:
        hook = DirectFetchHook(conn_id, timeout=5.0, max_retries=2)
        client = hook.client()
        assert (client.base_url, client.api, client.max_retries) == (f"{BASE}/", "direct_fetch", 2)
        assert client.timeout.total == 5.0
        assert repr(hook) == "<DirectFetchHook direct_fetch conn_id='fetch_api'>"
        assert TOKEN not in repr(client)

    @pytest.mark.asyncio
    async def test_async_operations_fetch_the_connection_the_async_way(self, http: aioresponses, conn_id: str) -> None:
        http.get(STATUS, body=fetch_status_text("done", progress=100))
        hook = DirectFetchHook(conn_id)
        assert (await hook.apoll(dict(HANDLE))).state is TaskState.SUCCEEDED
        assert calls(http, "GET", STATUS)[0].kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"
