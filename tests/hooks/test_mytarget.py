"""Unit tests of the myTarget async API protocol (seed 003) and its hook, against aioresponses."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aioresponses import aioresponses

from airflow_provider_direct.async_task.errors import (
    AsyncTaskError,
    AsyncTaskExpired,
    AsyncTaskForeignHostError,
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
    AsyncTaskTransientError,
)
from airflow_provider_direct.async_task.status import TaskState
from airflow_provider_direct.hooks.mytarget import API, MyTargetHook, MyTargetProtocol, async_path
from tests.async_task import TOKEN, calls, fake_http, make_client

BASE = "https://target.test"
CAMPAIGNS = f"{BASE}/async_api/v2/campaigns.json"
STATUS_URL = f"{BASE}/async_api/v2/requests/42.json"
RESPONSE_URL = f"{BASE}/async_api/v2/responses/42.json"
HANDLE = {"status_url": STATUS_URL}


@pytest.fixture
def http() -> Iterator[aioresponses]:
    with fake_http() as mocked:
        yield mocked


@pytest.fixture
def protocol() -> MyTargetProtocol:
    return MyTargetProtocol()


def client(**kwargs: Any) -> Any:
    kwargs.setdefault("api", API)
    return make_client(BASE, **kwargs)


def done(code: int, **extra: Any) -> dict[str, Any]:
    return {
        "body": json.dumps(
            {
                "id": "42",
                "status": "done",
                "response_http_code": code,
                "response_url": "/async_api/v2/responses/42.json",
                "exec_time": 125,
                **extra,
            }
        ),
        "status": 303,
        "headers": {"Location": "/async_api/v2/responses/42.json"},
    }


async def poll(protocol: MyTargetProtocol, handle: dict[str, Any] | None = None, **client_kwargs: Any) -> Any:
    async with client(**client_kwargs) as c:
        return await protocol.poll(c, handle if handle is not None else dict(HANDLE))


class TestAsyncPath:
    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            ("/api/v2/campaigns.json", "/async_api/v2/campaigns.json"),
            ("api/v2/statistics/banners/day.json", "/async_api/v2/statistics/banners/day.json"),
            ("/async_api/v2/campaigns.json", "/async_api/v2/campaigns.json"),
            ("/api/v2/api/x.json", "/async_api/v2/api/x.json"),
        ],
    )
    def test_api_prefix_is_rewritten(self, path: str, expected: str) -> None:
        assert async_path(path) == expected

    @pytest.mark.parametrize("path", ["/v2/campaigns.json", "/apis/v2/x.json", "", "/async/v2/x.json", "/API/v2/x"])
    def test_other_paths_are_refused(self, path: str) -> None:
        with pytest.raises(AsyncTaskRequestError) as info:
            async_path(path)
        assert str(info.value) == f"myTarget: path must start with /api/, got {path!r}"


class TestStart:
    @pytest.mark.asyncio
    async def test_202_with_relative_location_is_resolved(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        http.post(CAMPAIGNS, status=202, headers={"Location": "/async_api/v2/requests/42.json"})
        request = {"path": "/api/v2/campaigns.json", "method": "post", "body": {"name": "Кампания"}}
        async with client() as c:
            assert await protocol.start(c, request) == {"status_url": STATUS_URL}
        (sent,) = calls(http, "POST", CAMPAIGNS)
        assert sent.kwargs["json"] == {"name": "Кампания"}
        assert sent.kwargs["headers"] == {"Authorization": f"Bearer {TOKEN}"}

    @pytest.mark.asyncio
    async def test_get_with_query_and_default_method(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        url = f"{BASE}/async_api/v2/statistics/banners/day.json?id=1,2&date_from=2026-01-01"
        http.get(url, status=202, headers={"Location": f"{BASE}/async_api/v2/requests/43.json"})
        request = {"path": "/api/v2/statistics/banners/day.json", "query": {"id": "1,2", "date_from": "2026-01-01"}}
        async with client() as c:
            assert await protocol.start(c, request) == {"status_url": f"{BASE}/async_api/v2/requests/43.json"}
        (sent,) = calls(http, "GET", url)
        assert (sent.kwargs["params"], sent.kwargs["json"]) == ({"id": "1,2", "date_from": "2026-01-01"}, None)

    @pytest.mark.parametrize(
        ("method", "sent_method"), [(None, "POST"), ("get", "GET"), ("POST", "POST")], ids=["default", "get", "post"]
    )
    @pytest.mark.asyncio
    async def test_callback_headers_are_sent_when_asked(
        self, http: aioresponses, protocol: MyTargetProtocol, method: str | None, sent_method: str
    ) -> None:
        http.get(CAMPAIGNS, status=202, headers={"Location": "/async_api/v2/requests/42.json"})
        request = {"path": "/api/v2/campaigns.json", "callback_url": "http://client.test/cb", "callback_method": method}
        async with client() as c:
            await protocol.start(c, request)
        assert calls(http, "GET", CAMPAIGNS)[0].kwargs["headers"] == {
            "Authorization": f"Bearer {TOKEN}",
            "X-Callback-Location": "http://client.test/cb",
            "X-Callback-Method": sent_method,
        }

    @pytest.mark.asyncio
    async def test_no_callback_headers_without_a_callback(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        http.get(CAMPAIGNS, status=202, headers={"Location": "/async_api/v2/requests/42.json"})
        async with client() as c:
            await protocol.start(c, {"path": "/api/v2/campaigns.json", "callback_method": "GET"})
        headers = calls(http, "GET", CAMPAIGNS)[0].kwargs["headers"]
        assert "X-Callback-Location" not in headers
        assert "X-Callback-Method" not in headers

    @pytest.mark.asyncio
    async def test_bad_path_sends_nothing(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        async with client() as c:
            with pytest.raises(AsyncTaskRequestError, match="path must start with /api/"):
                await protocol.start(c, {"path": "/v2/campaigns.json"})
        assert http.requests == {}

    @pytest.mark.parametrize(
        ("status", "headers", "body", "error_type", "text"),
        [
            (200, {}, '{"items": []}', AsyncTaskRequestError, 'HTTP 200: expected 202 Accepted, got {"items": []}'),
            (400, {}, '{"error": "bad"}', AsyncTaskRequestError, "HTTP 400: expected 202 Accepted"),
            (202, {}, "", AsyncTaskProtocolError, "HTTP 202: 202 without a Location header"),
            (
                202,
                {"Location": "https://evil.test/r/1.json"},
                "",
                AsyncTaskForeignHostError,
                "refusing https://evil.test",
            ),
            (503, {}, "<html>down</html>", AsyncTaskTransientError, "HTTP 503"),
        ],
    )
    @pytest.mark.asyncio
    async def test_unexpected_start_answers_are_typed(
        self,
        http: aioresponses,
        protocol: MyTargetProtocol,
        status: int,
        headers: dict[str, str],
        body: str,
        error_type: type[AsyncTaskError],
        text: str,
    ) -> None:
        http.get(CAMPAIGNS, status=status, headers=headers, body=body, repeat=True)
        async with client(max_retries=1) as c:
            with pytest.raises(error_type) as info:
                await protocol.start(c, {"path": "/api/v2/campaigns.json"})
        assert text in str(info.value)


class TestPoll:
    @pytest.mark.parametrize(
        ("api_status", "expected"), [("enqueued", TaskState.QUEUED), ("started", TaskState.RUNNING)]
    )
    @pytest.mark.asyncio
    async def test_waiting_statuses(
        self, http: aioresponses, protocol: MyTargetProtocol, api_status: str, expected: TaskState
    ) -> None:
        body = {"id": "42", "status": api_status, "created": "2014-03-05 23:50:38"}
        http.get(STATUS_URL, body=json.dumps(body))
        status = await poll(protocol)
        assert (status.state, status.stage, status.message, status.raw) == (expected, api_status, None, body)
        assert calls(http, "GET", STATUS_URL)[0].kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_unknown_is_failed_and_asks_for_a_manual_review(
        self, http: aioresponses, protocol: MyTargetProtocol
    ) -> None:
        http.get(STATUS_URL, body='{"id": "42", "status": "unknown"}')
        status = await poll(protocol)
        assert (status.state, status.stage) == (TaskState.FAILED, "unknown")
        assert "manual review" in status.message
        assert "'unknown'" in status.message

    @pytest.mark.asyncio
    async def test_done_via_303_with_200_is_succeeded(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        http.get(STATUS_URL, **done(200))
        handle = dict(HANDLE)
        status = await poll(protocol, handle)
        assert (status.state, status.progress, status.stage) == (TaskState.SUCCEEDED, 100.0, "done")
        assert status.raw["response_url"] == RESPONSE_URL
        assert status.raw["response_http_code"] == 200
        assert handle == {"status_url": STATUS_URL, "response_url": RESPONSE_URL}
        assert calls(http, "GET", RESPONSE_URL) == []  # a success is only read by fetch

    @pytest.mark.asyncio
    async def test_done_with_200_status_and_body_url(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        answer = done(200)
        http.get(STATUS_URL, body=answer["body"])
        status = await poll(protocol)
        assert (status.state, status.raw["response_url"]) == (TaskState.SUCCEEDED, RESPONSE_URL)

    @pytest.mark.asyncio
    async def test_done_with_a_stored_400_is_failed_with_its_body(
        self, http: aioresponses, protocol: MyTargetProtocol
    ) -> None:
        http.get(STATUS_URL, **done(400))
        stored = '{"error": {"code": "validation_failed", "message": "Неверный бюджет"}}'
        http.get(RESPONSE_URL, status=400, body=stored)
        status = await poll(protocol)
        assert (status.state, status.stage) == (TaskState.FAILED, "done")
        assert status.message == f"the API answered HTTP 400: {stored}"
        assert status.raw["response_url"] == RESPONSE_URL
        assert calls(http, "GET", RESPONSE_URL)[0].kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_gone_request_is_expired(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        http.get(STATUS_URL, status=404, body='{"error": "not found"}')
        status = await poll(protocol)
        assert status.state is TaskState.EXPIRED
        assert status.message == "the request is gone (results are kept 24 hours): re-run the task"

    @pytest.mark.asyncio
    async def test_response_url_on_another_host_is_refused(
        self, http: aioresponses, protocol: MyTargetProtocol
    ) -> None:
        answer = done(200)
        http.get(STATUS_URL, status=303, headers={"Location": "https://evil.test/r.json"}, body=answer["body"])
        with pytest.raises(AsyncTaskForeignHostError):
            await poll(protocol)

    @pytest.mark.parametrize(
        ("status", "body", "error_type", "text"),
        [
            (200, '{"status": "paused"}', AsyncTaskProtocolError, "unknown request status 'paused'"),
            (200, '{"id": "42"}', AsyncTaskProtocolError, "unknown request status None"),
            (200, '{"status": "done"}', AsyncTaskProtocolError, "done without a response URL"),
            (200, "<html>maintenance</html>", AsyncTaskProtocolError, "got <html>maintenance</html>"),
            (200, "not json", AsyncTaskProtocolError, "expected JSON from /async_api/v2/requests/42.json"),
            (303, "", AsyncTaskProtocolError, "got (empty body)"),
            (200, "[]", AsyncTaskProtocolError, "expected a JSON object, got []"),
            (403, '{"error": "forbidden"}', AsyncTaskRequestError, 'HTTP 403: {"error": "forbidden"}'),
            (500, "", AsyncTaskTransientError, "HTTP 500: (empty body)"),
        ],
    )
    @pytest.mark.asyncio
    async def test_malformed_answers_are_typed(
        self,
        http: aioresponses,
        protocol: MyTargetProtocol,
        status: int,
        body: str,
        error_type: type[AsyncTaskError],
        text: str,
    ) -> None:
        http.get(STATUS_URL, status=status, body=body, repeat=True)
        with pytest.raises(error_type) as info:
            await poll(protocol, max_retries=1)
        assert text in str(info.value)


class TestFetch:
    @pytest.mark.asyncio
    async def test_keeps_the_stored_status_and_headers(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        stored = {"items": [{"id": 1}, {"id": 2}], "count": 2}
        http.get(
            RESPONSE_URL,
            status=200,
            body=json.dumps(stored),
            content_type="application/json; charset=utf-8",
            headers={"X-RateLimit-RPS-Remaining": "9"},
        )
        handle = {**HANDLE, "response_url": RESPONSE_URL}
        async with client() as c, protocol.fetch(c, handle) as stream:
            assert (stream.status, stream.rows_path, stream.content_type) == (
                200,
                "items.item",
                "application/json; charset=utf-8",
            )
            assert stream.headers["X-RateLimit-RPS-Remaining"] == "9"
            assert json.loads(b"".join([chunk async for chunk in stream.chunks])) == stored
        assert calls(http, "GET", RESPONSE_URL)[0].kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_handle_from_start_asks_the_status_url_first(
        self, http: aioresponses, protocol: MyTargetProtocol
    ) -> None:
        http.get(STATUS_URL, **done(200))
        http.get(RESPONSE_URL, status=201, body='{"id": 9}', headers={"Location": "/api/v2/campaigns/9.json"})
        async with client() as c, protocol.fetch(c, dict(HANDLE)) as stream:
            assert (stream.status, stream.headers["Location"]) == (201, "/api/v2/campaigns/9.json")
            assert b"".join([chunk async for chunk in stream.chunks]) == b'{"id": 9}'

    @pytest.mark.asyncio
    async def test_not_done_yet_is_a_protocol_error(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        http.get(STATUS_URL, body='{"status": "started"}')
        async with client() as c:
            with pytest.raises(AsyncTaskProtocolError, match="the request is not done: no response URL yet"):
                async with protocol.fetch(c, dict(HANDLE)):
                    pass  # pragma: no cover

    @pytest.mark.asyncio
    async def test_gone_response_is_expired(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        http.get(RESPONSE_URL, status=404, body="")
        async with client() as c:
            with pytest.raises(AsyncTaskExpired, match=r"the response is gone \(kept 24 hours\)"):
                async with protocol.fetch(c, {**HANDLE, "response_url": RESPONSE_URL}):
                    pass  # pragma: no cover

    @pytest.mark.asyncio
    async def test_stored_error_response_is_a_request_error(
        self, http: aioresponses, protocol: MyTargetProtocol
    ) -> None:
        http.get(RESPONSE_URL, status=400, body='{"error": "bad"}')
        async with client() as c:
            with pytest.raises(AsyncTaskRequestError, match=re.escape('HTTP 400: {"error": "bad"}')):
                async with protocol.fetch(c, {**HANDLE, "response_url": RESPONSE_URL}):
                    pass  # pragma: no cover

    @pytest.mark.asyncio
    async def test_no_cancel(self, http: aioresponses, protocol: MyTargetProtocol) -> None:
        assert MyTargetProtocol.supports_cancel is False
        async with client() as c:
            assert await protocol.cancel(c, dict(HANDLE)) is False
        assert http.requests == {}


class TestHook:
    def test_start_and_poll_through_the_connection(
        self, http: aioresponses, make_connection: Callable[..., str]
    ) -> None:
        conn_id = make_connection("target", conn_type="http", host=BASE, password=TOKEN)
        http.get(CAMPAIGNS, status=202, headers={"Location": "/async_api/v2/requests/42.json"})
        http.get(STATUS_URL, **done(200))
        hook = MyTargetHook(conn_id)
        handle = hook.start({"path": "/api/v2/campaigns.json"})
        assert handle == HANDLE
        assert hook.poll(handle).state is TaskState.SUCCEEDED
