"""Unit tests of AsyncTaskTrigger: serialization, exactly one event per wait, on_kill (aioresponses, no triggerer)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from airflow.sdk.module_loading import import_string
from airflow.triggers.base import TriggerEvent

from airflow_provider_direct.triggers.async_task import AsyncTaskTrigger
from tests.async_task import BASE, TOKEN, all_calls, calls, fake_http, fetch_status_text, patch_fast_retries

CLASSPATH = "airflow_provider_direct.triggers.async_task.AsyncTaskTrigger"
STATUS = f"{BASE}/webHooks/getYandexDirectFetchStatus?processId=P"
STOP = f"{BASE}/webHooks/stopYandexDirectFetch"
HANDLE = {"process_id": "P", "account": "acc", "client": "cli", "type": "history"}


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    patch_fast_retries(monkeypatch)
    with fake_http() as mocked:
        yield mocked


@pytest.fixture
def conn_id(make_connection: Callable[..., str]) -> str:
    return make_connection("api", conn_type="http", host=BASE, password=TOKEN)


def trigger(protocol: str = "direct_fetch", conn: str = "api", **kwargs: Any) -> AsyncTaskTrigger:
    kwargs.setdefault("deadline", time.time() + 60)
    kwargs.setdefault("poll_interval", 0.01)
    return AsyncTaskTrigger(protocol=protocol, http_conn_id=conn, handle=dict(HANDLE), **kwargs)


async def events(t: AsyncTaskTrigger) -> list[dict[str, Any]]:
    collected: list[TriggerEvent] = [event async for event in t.run()]
    return [event.payload for event in collected]


class TestSerialize:
    def test_classpath_and_kwargs(self) -> None:
        t = AsyncTaskTrigger(
            protocol="direct_fetch",
            http_conn_id="api",
            handle=dict(HANDLE),
            deadline=1_900_000_000.5,
            poll_interval=15.0,
            max_poll_failures=7,
            cancel_on_kill=False,
            request_timeout=30.0,
        )
        assert t.serialize() == (
            CLASSPATH,
            {
                "protocol": "direct_fetch",
                "http_conn_id": "api",
                "handle": HANDLE,
                "deadline": 1_900_000_000.5,
                "poll_interval": 15.0,
                "max_poll_failures": 7,
                "cancel_on_kill": False,
                "request_timeout": 30.0,
                "callback_nonce": None,
            },
        )

    def test_defaults(self) -> None:
        _, kwargs = AsyncTaskTrigger("workers", "api", {"task_id": 1}, 1.0).serialize()
        assert (kwargs["poll_interval"], kwargs["max_poll_failures"], kwargs["cancel_on_kill"]) == (10.0, 10, True)
        assert kwargs["request_timeout"] == 60.0

    def test_round_trip_through_the_classpath(self) -> None:
        classpath, kwargs = trigger().serialize()
        assert import_string(classpath)(**kwargs).serialize() == (classpath, kwargs)

    def test_kwargs_are_plain_json_without_the_token(self, conn_id: str) -> None:
        t = trigger(conn=conn_id)
        _, kwargs = t.serialize()
        text = json.dumps(kwargs)
        assert json.loads(text) == kwargs
        assert TOKEN not in text
        assert TOKEN not in repr(t)

    @pytest.mark.parametrize("interval", [0, -1.0])
    def test_poll_interval_must_be_positive(self, interval: float) -> None:
        with pytest.raises(ValueError, match="poll_interval must be positive"):
            trigger(poll_interval=interval)


class TestRun:
    @pytest.mark.asyncio
    async def test_success_is_one_terminal_event(self, http: aioresponses, conn_id: str) -> None:
        http.get(STATUS, body=fetch_status_text("pending", progress=50))
        http.get(STATUS, body=fetch_status_text("done", progress=100, message="Процесс успешно завершен за 9.15s"))
        (event,) = await events(trigger())
        assert event["status"] == "terminal"
        assert (event["protocol"], event["handle"]) == ("direct_fetch", HANDLE)
        assert event["task_status"]["state"] == "succeeded"
        assert event["task_status"]["progress"] == 100.0
        assert event["task_status"]["message"] == "Процесс успешно завершен за 9.15s"
        assert json.loads(json.dumps(event)) == event
        assert len(calls(http, "GET", STATUS)) == 2
        assert calls(http, "GET", STATUS)[0].kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_remote_failure_is_one_terminal_event(self, http: aioresponses, conn_id: str) -> None:
        http.get(STATUS, body=fetch_status_text("error", message="Ошибка API Директа: 152"))
        (event,) = await events(trigger())
        assert event["status"] == "terminal"
        assert (event["task_status"]["state"], event["task_status"]["message"]) == (
            "failed",
            "Ошибка API Директа: 152",
        )

    @pytest.mark.asyncio
    async def test_deadline_in_the_past_is_one_timeout_event(self, http: aioresponses, conn_id: str) -> None:
        (event,) = await events(trigger(deadline=time.time() - 1))
        assert event == {
            "handle": HANDLE,
            "protocol": "direct_fetch",
            "status": "timeout",
            "message": f"direct_fetch: no terminal state before the deadline (handle {HANDLE})",
        }
        assert http.requests == {}

    @pytest.mark.asyncio
    async def test_permanent_error_is_one_error_event(self, http: aioresponses, conn_id: str) -> None:
        http.get(
            STATUS,
            status=404,
            body='{"status": "error", "success": false, "message": "Процесс с ID P не найден"}',
            repeat=True,
        )
        (event,) = await events(trigger())
        assert event == {
            "handle": HANDLE,
            "protocol": "direct_fetch",
            "status": "error",
            "error_type": "DirectFetchNotFoundError",
            "message": "Процесс с ID P не найден",  # the API's words; the operator re-adds api and status
            "http_status": 404,
        }
        assert len(calls(http, "GET", STATUS)) == 1

    @pytest.mark.asyncio
    async def test_auth_error_is_one_error_event(self, http: aioresponses, conn_id: str) -> None:
        http.get(STATUS, status=401, body="Unauthorized", repeat=True)
        (event,) = await events(trigger())
        assert (event["status"], event["error_type"]) == ("error", "AsyncTaskAuthError")
        assert TOKEN not in event["message"]

    @pytest.mark.asyncio
    async def test_transient_blips_do_not_end_the_wait(self, http: aioresponses, conn_id: str) -> None:
        http.get(STATUS, status=503, body="<html>busy</html>")
        http.get(STATUS, exception=aiohttp.ClientConnectionError("reset"))
        http.get(STATUS, body=fetch_status_text("pending", progress=10))
        http.get(STATUS, status=502, body="")
        http.get(STATUS, body=fetch_status_text("done", progress=100))
        (event,) = await events(trigger())
        assert (event["status"], event["task_status"]["state"]) == ("terminal", "succeeded")
        assert len(calls(http, "GET", STATUS)) == 5

    @pytest.mark.asyncio
    async def test_a_poll_failing_after_all_its_retries_does_not_end_the_wait(
        self, http: aioresponses, conn_id: str
    ) -> None:
        for _ in range(5):  # the first poll: 1 try + 4 client retries, all 503
            http.get(STATUS, status=503, body="down")
        http.get(STATUS, body=fetch_status_text("done", progress=100))
        (event,) = await events(trigger())
        assert (event["status"], event["task_status"]["state"]) == ("terminal", "succeeded")
        assert len(calls(http, "GET", STATUS)) == 6

    @pytest.mark.asyncio
    async def test_failed_polls_past_every_bound_are_one_error_event(self, http: aioresponses, conn_id: str) -> None:
        http.get(STATUS, status=503, body="down", repeat=True)
        (event,) = await events(trigger(max_poll_failures=1, request_timeout=1.0))
        assert (event["status"], event["error_type"]) == ("error", "AsyncTaskTransientError")
        assert (event["message"], event["http_status"]) == ("down", 503)
        # 2 polls (one tolerated failure), each retried 4 times by the client
        assert len(calls(http, "GET", STATUS)) == 2 * 5

    @pytest.mark.asyncio
    async def test_unknown_protocol_is_one_error_event(self, http: aioresponses, conn_id: str) -> None:
        (event,) = await events(trigger(protocol="registered_in_a_dag_file"))
        assert (event["status"], event["error_type"]) == ("error", "ValueError")

    @pytest.mark.asyncio
    async def test_missing_connection_is_one_error_event(self, http: aioresponses) -> None:
        (event,) = await events(trigger(conn="no_such_conn"))
        assert event["status"] == "error"
        assert "no_such_conn" in event["message"]
        assert http.requests == {}


class TestOnKill:
    @pytest.mark.asyncio
    async def test_cancels_the_remote_job(self, http: aioresponses, conn_id: str) -> None:
        http.post(STOP, body='{"status": "ok", "success": true, "message": "Процесс успешно остановлен"}')
        await trigger().on_kill()
        (sent,) = calls(http, "POST", STOP)
        assert sent.kwargs["json"] == {"processId": "P"}
        assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.asyncio
    async def test_nothing_when_cancel_on_kill_is_off(self, http: aioresponses, conn_id: str) -> None:
        await trigger(cancel_on_kill=False).on_kill()
        assert http.requests == {}

    @pytest.mark.parametrize(
        ("protocol", "handle"),
        [
            ("direct_reports", {"definition": {}, "headers": {}, "client_login": None}),
            ("mytarget", {"status_url": f"{BASE}/async_api/v2/requests/1.json"}),
        ],
    )
    @pytest.mark.asyncio
    async def test_nothing_for_protocols_without_cancel(
        self, http: aioresponses, conn_id: str, protocol: str, handle: dict[str, Any]
    ) -> None:
        t = AsyncTaskTrigger(protocol=protocol, http_conn_id=conn_id, handle=handle, deadline=time.time() + 60)
        await t.on_kill()
        assert all_calls(http) == []

    @pytest.mark.asyncio
    async def test_a_finished_job_is_fine(self, http: aioresponses, conn_id: str) -> None:
        http.post(STOP, status=400, body='{"status": "error", "success": false, "message": "Процесс не выполняется"}')
        await trigger().on_kill()
        assert len(calls(http, "POST", STOP)) == 1

    @pytest.mark.parametrize(
        "answer",
        [
            {"status": 500, "body": "oops", "repeat": True},
            {"exception": aiohttp.ClientConnectionError("refused"), "repeat": True},
            {"status": 404, "body": '{"status": "error", "success": false, "message": "Процесс с ID P не найден"}'},
            {"status": 200, "body": "<html>"},
        ],
        ids=["5xx", "connection", "not-found", "junk"],
    )
    @pytest.mark.asyncio
    async def test_errors_are_swallowed(self, http: aioresponses, conn_id: str, answer: dict[str, Any]) -> None:
        http.post(STOP, **answer)
        await trigger().on_kill()
        assert len(calls(http, "POST", STOP)) >= 1

    @pytest.mark.asyncio
    async def test_missing_connection_is_swallowed(self, http: aioresponses) -> None:
        await trigger(conn="no_such_conn").on_kill()
        assert http.requests == {}
