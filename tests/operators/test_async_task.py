"""Unit tests of AsyncTaskOperator and the named operators (aioresponses; no scheduler, no triggerer)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from aioresponses import CallbackResult, aioresponses
from airflow.sdk.exceptions import TaskDeferred

from airflow_provider_direct.async_task.errors import (
    AsyncTaskAuthError,
    AsyncTaskCancelled,
    AsyncTaskError,
    AsyncTaskExpired,
    AsyncTaskFailed,
    AsyncTaskForeignHostError,
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
    AsyncTaskTimeout,
    AsyncTaskTransientError,
)
from airflow_provider_direct.async_task.status import TaskState, TaskStatus
from airflow_provider_direct.hooks.direct_fetch import DirectFetchNotFoundError
from airflow_provider_direct.operators.async_task import AsyncTaskOperator, default_deferrable
from airflow_provider_direct.operators.direct_fetch import DirectFetchProcessOperator
from airflow_provider_direct.operators.moysklad import MoySkladAsyncTaskOperator
from airflow_provider_direct.operators.mytarget import MyTargetAsyncRequestOperator
from airflow_provider_direct.operators.workers import WorkersTaskOperator
from airflow_provider_direct.triggers.async_task import AsyncTaskTrigger
from tests.async_task import BASE, TOKEN, all_calls, calls, fake_http, fetch_status_text, patch_fast_retries

START = f"{BASE}/webHooks/startYandexDirectFetch"
STATUS = f"{BASE}/webHooks/getYandexDirectFetchStatus?processId=P"
RESULTS = f"{BASE}/webHooks/getYandexDirectFetchResults?processId=P"
STOP = f"{BASE}/webHooks/stopYandexDirectFetch"
REQUEST = {"account": "acc", "client": "cli", "type": "history"}
HANDLE = {"process_id": "P", **REQUEST}
STARTED = '{"status": "ok", "success": true, "processId": "P"}'
STOPPED = '{"status": "ok", "success": true, "message": "Процесс успешно остановлен"}'
BASE_TEMPLATE_FIELDS = ("request", "http_conn_id", "result_path", "result_table")


def results(n: int = 3) -> dict[str, Any]:
    return {
        "status": "ok",
        "success": True,
        "processId": "P",
        "type": "history",
        "data": {"data": [{"cid": i, "change": "Изменение ставки"} for i in range(n)]},
        "dataCount": n,
    }


def results_body(n: int = 3) -> bytes:
    return json.dumps(results(n), ensure_ascii=False).encode()


def terminal(state: str, message: str | None = None, progress: float | None = None) -> dict[str, Any]:
    status = TaskStatus(TaskState(state), progress=progress, stage="Завершение", message=message, raw={"x": 1})
    return {"status": "terminal", "handle": HANDLE, "protocol": "direct_fetch", "task_status": status.to_event()}


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    patch_fast_retries(monkeypatch)
    with fake_http() as mocked:
        yield mocked


@pytest.fixture
def conn_id(make_connection: Callable[..., str]) -> str:
    return make_connection("api", conn_type="http", host=BASE, password=TOKEN)


@pytest.fixture
def ti() -> MagicMock:
    return MagicMock(dag_id="dag", task_id="job", run_id="run_1", map_index=-1)


@pytest.fixture
def context(ti: MagicMock) -> dict[str, Any]:
    return {"ti": ti}


def operator(**kwargs: Any) -> AsyncTaskOperator:
    kwargs.setdefault("task_id", "job")
    kwargs.setdefault("protocol", "direct_fetch")
    kwargs.setdefault("http_conn_id", "api")
    kwargs.setdefault("request", dict(REQUEST))
    kwargs.setdefault("poll_interval", 0.01)
    return AsyncTaskOperator(**kwargs)


class TestExecute:
    def test_deferrable_defers_with_the_trigger_after_pushing_the_handle(
        self, http: aioresponses, conn_id: str, context: dict[str, Any], ti: MagicMock
    ) -> None:
        http.post(START, body=STARTED)
        http.get(STATUS, body=fetch_status_text("pending", progress=5))
        op = operator(deferrable=True, timeout=dt.timedelta(minutes=30), max_poll_failures=3, request_timeout=20.0)
        order: list[str] = []
        ti.xcom_push.side_effect = lambda **kw: order.append("xcom")
        real_defer = op.defer

        def defer(**kwargs: Any) -> None:
            order.append("defer")
            real_defer(**kwargs)

        op.defer = defer  # type: ignore[method-assign]
        before = time.time()
        with pytest.raises(TaskDeferred) as info:
            op.execute(context)
        after = time.time()
        assert order == ["xcom", "defer"]
        ti.xcom_push.assert_called_once_with(key="handle", value=HANDLE)
        assert info.value.method_name == "execute_complete"
        trigger = info.value.trigger
        assert isinstance(trigger, AsyncTaskTrigger)
        classpath, kwargs = trigger.serialize()
        assert classpath == "airflow_provider_direct.triggers.async_task.AsyncTaskTrigger"
        deadline = kwargs.pop("deadline")
        assert before + 1800 <= deadline <= after + 1800
        assert kwargs == {
            "protocol": "airflow_provider_direct.hooks.direct_fetch.DirectFetchProtocol",
            "http_conn_id": "api",
            "handle": HANDLE,
            "poll_interval": 0.01,
            "max_poll_failures": 3,
            "cancel_on_kill": True,
            "request_timeout": 20.0,
            "callback_nonce": None,
        }
        assert op.handle == HANDLE
        assert calls(http, "POST", START)[0].kwargs["json"] == REQUEST
        assert calls(http, "GET", RESULTS) == []

    def test_terminal_at_first_poll_finishes_without_deferring(
        self, http: aioresponses, conn_id: str, context: dict[str, Any], ti: MagicMock
    ) -> None:
        http.post(START, body=STARTED)
        http.get(STATUS, body=fetch_status_text("done", progress=100))
        http.get(RESULTS, body=results_body())
        summary = operator(deferrable=True).execute(context)
        assert summary == {
            "bytes": len(results_body()),
            "http_status": 200,
            "content_type": "application/json",
            "rows": 3,
            "result": results(),
            "handle": HANDLE,
        }
        ti.xcom_push.assert_called_once_with(key="handle", value=HANDLE)

    def test_failed_at_first_poll_raises_without_fetching(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        http.post(START, body=STARTED)
        http.get(STATUS, body=fetch_status_text("error", message="Ошибка API Директа"))
        with pytest.raises(AsyncTaskFailed) as info:
            operator(deferrable=True).execute(context)
        assert str(info.value) == "direct_fetch: Ошибка API Директа"
        assert calls(http, "GET", RESULTS) == []

    def test_non_deferrable_waits_on_the_worker(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        http.post(START, body=STARTED)
        http.get(STATUS, body=fetch_status_text("new"))
        http.get(STATUS, body=fetch_status_text("pending", progress=50))
        http.get(STATUS, status=503, body="blip")
        http.get(STATUS, body=fetch_status_text("done", progress=100))
        http.get(RESULTS, body=results_body(2))
        summary = operator(deferrable=False).execute(context)
        assert (summary["rows"], summary["result"], summary["handle"]) == (2, results(2), HANDLE)
        assert len(calls(http, "GET", STATUS)) == 4

    def test_non_deferrable_timeout_cancels_then_raises(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        http.post(START, body=STARTED)
        http.get(STATUS, body=fetch_status_text("pending", progress=1), repeat=True)
        http.post(STOP, body=STOPPED)
        with pytest.raises(AsyncTaskTimeout, match="no terminal state before the deadline"):
            operator(deferrable=False, timeout=dt.timedelta(seconds=0.15)).execute(context)
        (stop,) = calls(http, "POST", STOP)
        assert stop.kwargs["json"] == {"processId": "P"}

    def test_start_error_is_raised_before_anything_is_pushed(
        self, http: aioresponses, conn_id: str, context: dict[str, Any], ti: MagicMock
    ) -> None:
        with pytest.raises(AsyncTaskRequestError, match="missing account"):
            operator(request={"client": "c", "type": "history"}).execute(context)
        ti.xcom_push.assert_not_called()
        assert all_calls(http) == []


class TestExecuteComplete:
    def test_succeeded_fetches_the_result_into_xcom(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        http.get(RESULTS, body=results_body())
        op = operator()
        assert op.handle is None  # a fresh instance, as after the triggerer
        summary = op.execute_complete(context, terminal("succeeded", progress=100))
        assert summary == {
            "bytes": len(results_body()),
            "http_status": 200,
            "content_type": "application/json",
            "rows": 3,
            "result": results(),
            "handle": HANDLE,
        }
        assert calls(http, "GET", RESULTS)[0].kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.parametrize(
        ("state", "error_type"),
        [("failed", AsyncTaskFailed), ("cancelled", AsyncTaskCancelled), ("expired", AsyncTaskExpired)],
    )
    def test_unsuccessful_end_states_raise_with_the_api_message(
        self, http: aioresponses, conn_id: str, context: dict[str, Any], state: str, error_type: type[AsyncTaskError]
    ) -> None:
        with pytest.raises(AsyncTaskError) as info:
            operator().execute_complete(context, terminal(state, message="Сообщение API"))
        assert type(info.value) is error_type
        assert str(info.value) == "direct_fetch: Сообщение API"
        assert all_calls(http) == []

    def test_failed_without_message_describes_the_status(self, http: aioresponses, context: dict[str, Any]) -> None:
        with pytest.raises(AsyncTaskFailed) as info:
            operator().execute_complete(context, terminal("failed", progress=40))
        assert str(info.value) == "direct_fetch: failed | 40% | Завершение"
        assert info.value.body == {"x": 1}

    def test_timeout_cancels_the_job_then_raises(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        http.post(STOP, body=STOPPED)
        event = {"status": "timeout", "handle": HANDLE, "protocol": "direct_fetch", "message": "past the deadline"}
        with pytest.raises(AsyncTaskTimeout) as info:
            operator().execute_complete(context, event)
        assert str(info.value) == "direct_fetch: past the deadline"
        (stop,) = calls(http, "POST", STOP)
        assert stop.kwargs["json"] == {"processId": "P"}

    def test_timeout_still_raises_when_the_cancel_fails(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        http.post(STOP, status=500, body="oops", repeat=True)
        with pytest.raises(AsyncTaskTimeout):
            operator().execute_complete(context, {"status": "timeout", "handle": HANDLE, "message": "late"})
        assert len(calls(http, "POST", STOP)) == 5

    def test_timeout_of_a_protocol_without_cancel(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        op = operator(protocol="mytarget", request={"path": "/api/v2/campaigns.json"})
        with pytest.raises(AsyncTaskTimeout):
            op.execute_complete(context, {"status": "timeout", "handle": {"status_url": f"{BASE}/r/1"}, "message": "x"})
        assert all_calls(http) == []

    @pytest.mark.parametrize(
        ("error_type", "raised"),
        [
            ("AsyncTaskAuthError", AsyncTaskAuthError),
            ("AsyncTaskTransientError", AsyncTaskTransientError),
            ("AsyncTaskRequestError", AsyncTaskRequestError),
            ("AsyncTaskProtocolError", AsyncTaskProtocolError),
            ("AsyncTaskForeignHostError", AsyncTaskForeignHostError),
            ("AsyncTaskExpired", AsyncTaskExpired),
            ("ValueError", AsyncTaskError),
            ("AirflowException", AsyncTaskError),
            ("no_such_name", AsyncTaskError),
            (None, AsyncTaskError),
        ],
    )
    def test_error_events_raise_the_matching_type(
        self, http: aioresponses, context: dict[str, Any], error_type: str | None, raised: type[AsyncTaskError]
    ) -> None:
        event = {"status": "error", "handle": HANDLE, "error_type": error_type, "message": "what the trigger saw"}
        with pytest.raises(AsyncTaskError) as info:
            operator().execute_complete(context, event)
        assert type(info.value) is raised
        assert str(info.value) == "direct_fetch: what the trigger saw"
        assert all_calls(http) == []

    def test_protocol_specific_error_event_keeps_its_type(self, http: aioresponses, context: dict[str, Any]) -> None:
        event = {"status": "error", "error_type": "DirectFetchNotFoundError", "message": "Процесс с ID P не найден"}
        with pytest.raises(AsyncTaskRequestError) as info:
            operator().execute_complete(context, event)
        assert type(info.value) is DirectFetchNotFoundError


class TestResultDelivery:
    def test_over_the_xcom_cap_without_a_destination_is_a_clear_error(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        http.get(RESULTS, body=results_body())
        with pytest.raises(AsyncTaskProtocolError) as info:
            operator(xcom_max_bytes=100).execute_complete(context, terminal("succeeded"))
        assert f"the result is {len(results_body()):,} bytes, over xcom_max_bytes=100" in str(info.value)
        assert "result_path" in str(info.value)
        assert "result_table" in str(info.value)

    def test_result_path_holds_the_result_and_xcom_the_location(
        self, http: aioresponses, conn_id: str, context: dict[str, Any], tmp_path: Path
    ) -> None:
        body = results_body(400)
        http.get(RESULTS, body=body)
        target = tmp_path / "results" / "job.json"
        summary = operator(xcom_max_bytes=100, result_path=str(target)).execute_complete(context, terminal("succeeded"))
        assert target.read_bytes() == body
        assert summary == {
            "bytes": len(body),
            "http_status": 200,
            "content_type": "application/json",
            "rows": 400,
            "path": str(target),
            "handle": HANDLE,
        }

    @staticmethod
    def table_rows(path: Path, table: str) -> list[tuple[str, int, Any]]:
        with sqlite3.connect(path) as db:
            rows = db.execute(f"SELECT task_key, row_no, payload FROM {table} ORDER BY task_key, row_no").fetchall()
        return [(key, no, json.loads(payload)) for key, no, payload in rows]

    def test_result_table_loads_rows_and_a_rerun_replaces_them(
        self,
        http: aioresponses,
        conn_id: str,
        context: dict[str, Any],
        make_connection: Callable[..., str],
        tmp_path: Path,
    ) -> None:
        db = tmp_path / "wh.db"
        make_connection("wh", conn_type="sqlite", host=str(db))
        http.get(RESULTS, body=results_body(3))
        http.get(RESULTS, body=results_body(2))
        op = operator(result_table="fetch_rows", warehouse_conn_id="wh", xcom_max_bytes=10)
        first = op.execute_complete(context, terminal("succeeded"))
        assert first == {
            "bytes": len(results_body(3)),
            "http_status": 200,
            "content_type": "application/json",
            "rows": 3,
            "table": "fetch_rows",
            "handle": HANDLE,
        }
        assert self.table_rows(db, "fetch_rows") == [
            ("dag/job/run_1/-1", i, {"cid": i, "change": "Изменение ставки"}) for i in range(3)
        ]
        second = operator(result_table="fetch_rows", warehouse_conn_id="wh").execute_complete(
            context, terminal("succeeded")
        )
        assert second["rows"] == 2
        assert self.table_rows(db, "fetch_rows") == [
            ("dag/job/run_1/-1", i, {"cid": i, "change": "Изменение ставки"}) for i in range(2)
        ]

    def test_mapped_tasks_have_their_own_rows(
        self, http: aioresponses, conn_id: str, make_connection: Callable[..., str], tmp_path: Path
    ) -> None:
        db = tmp_path / "wh.db"
        make_connection("wh", conn_type="sqlite", host=str(db))
        http.get(RESULTS, body=results_body(1), repeat=True)
        for index in (0, 1):
            ti = MagicMock(dag_id="dag", task_id="job", run_id="run_1", map_index=index)
            operator(result_table="fetch_rows", warehouse_conn_id="wh").execute_complete(
                {"ti": ti}, terminal("succeeded")
            )
        assert [key for key, _, _ in self.table_rows(db, "fetch_rows")] == ["dag/job/run_1/0", "dag/job/run_1/1"]


class TestOnKill:
    def test_cancels_the_remote_job_while_a_handle_exists(self, http: aioresponses, conn_id: str) -> None:
        http.post(STOP, body=STOPPED)
        op = operator()
        op.handle = dict(HANDLE)
        op.on_kill()
        (stop,) = calls(http, "POST", STOP)
        assert stop.kwargs["json"] == {"processId": "P"}
        assert stop.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"

    def test_nothing_after_the_task_finished(self, http: aioresponses, conn_id: str, context: dict[str, Any]) -> None:
        http.post(START, body=STARTED)
        http.get(STATUS, body=fetch_status_text("done", progress=100))
        http.get(RESULTS, body=results_body())
        http.post(STOP, body=STOPPED)
        op = operator()
        op.execute(context)
        op.on_kill()
        assert calls(http, "POST", STOP) == []

    def test_nothing_without_a_handle_or_when_switched_off(self, http: aioresponses, conn_id: str) -> None:
        operator().on_kill()
        op = operator(cancel_on_kill=False)
        op.handle = dict(HANDLE)
        op.on_kill()
        assert all_calls(http) == []

    def test_nothing_for_a_protocol_without_cancel(self, http: aioresponses, conn_id: str) -> None:
        op = operator(protocol="mytarget", request={"path": "/api/v2/statistics.json"})
        op.handle = {"status_url": f"{BASE}/async_api/v2/requests/1.json"}
        op.on_kill()
        assert all_calls(http) == []

    def test_a_killed_moysklad_task_is_cancelled(self, http: aioresponses, conn_id: str) -> None:
        """MoySklad documents PUT /async/{id}/cancel (https://dev.moysklad.ru/doc/api/remap/1.2/#/async)."""
        http.put(f"{BASE}/async/1/cancel", status=204)
        op = operator(protocol="moysklad", request={"path": "report/stock/bystore"})
        op.handle = {"state_url": f"{BASE}/async/1", "result_url": f"{BASE}/async/1/result"}
        op.on_kill()
        assert all_calls(http) == [("PUT", f"{BASE}/async/1/cancel")]

    def test_cancel_errors_are_swallowed(self, http: aioresponses, conn_id: str) -> None:
        http.post(STOP, status=404, body='{"status": "error", "success": false, "message": "Процесс с ID P не найден"}')
        op = operator()
        op.handle = dict(HANDLE)
        op.on_kill()
        assert len(calls(http, "POST", STOP)) == 1

    @pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
    def test_kill_during_the_worker_side_wait_cancels_the_job(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        op = operator(deferrable=False)

        def killed_mid_poll(url: Any, **kwargs: Any) -> CallbackResult:
            op.on_kill()  # what the SIGTERM handler does, between two bytecodes of the running loop
            return CallbackResult(body=fetch_status_text("pending", progress=20))

        http.post(START, body=STARTED)
        http.get(STATUS, body=fetch_status_text("pending", progress=10))
        http.get(STATUS, callback=killed_mid_poll)
        http.get(STATUS, body=fetch_status_text("stopped", message="Остановлен пользователем"))
        http.post(STOP, body=STOPPED)
        with pytest.raises(AsyncTaskCancelled):
            op.execute(context)
        assert len(calls(http, "POST", STOP)) == 1


class TestNamedOperators:
    def test_direct_fetch_builds_the_documented_request(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        op = DirectFetchProcessOperator(
            task_id="fetch",
            http_conn_id="api",
            account="acc",
            client="cli",
            fetch_type="strategy_study",
            fetch_params={"campaigns": [1, 2]},
            deferrable=True,
        )
        assert op.protocol == "direct_fetch"
        assert op.build_request() == {
            "account": "acc",
            "client": "cli",
            "type": "strategy_study",
            "params": {"campaigns": [1, 2]},
        }
        http.post(START, body=STARTED)
        http.get(STATUS, body=fetch_status_text("new"))
        with pytest.raises(TaskDeferred):
            op.execute(context)
        assert calls(http, "POST", START)[0].kwargs["json"] == op.build_request()

    def test_direct_fetch_without_params_and_its_template_fields(self) -> None:
        op = DirectFetchProcessOperator(task_id="f", account="acc-{{ ds }}", client="c", fetch_type="history")
        assert op.build_request() == {"account": "acc-{{ ds }}", "client": "c", "type": "history"}
        assert op.template_fields == (*BASE_TEMPLATE_FIELDS, "account", "client", "fetch_type", "fetch_params")
        op.render_template_fields({"ds": "2026-01-01"})
        assert op.build_request()["account"] == "acc-2026-01-01"

    def test_workers_template_fields(self) -> None:
        op = WorkersTaskOperator(task_id="w", worker_task_type="bookings_export")
        assert op.protocol == "workers"
        assert op.template_fields == (*BASE_TEMPLATE_FIELDS, "worker_task_type", "filters", "date_from", "date_to")

    def test_workers_builds_the_documented_request(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        # guards the fix of build_request sending BaseOperator.task_type (the class name) as the API's task_type
        op = WorkersTaskOperator(
            task_id="w",
            http_conn_id="api",
            worker_task_type="bookings_export",
            batch_size=50,
            filters={"status": "confirmed"},
            date_from="2024-01-01T00:00:00Z",
            date_to="2024-12-31T23:59:59Z",
        )
        assert op.build_request() == {
            "task_type": "bookings_export",
            "batch_size": 50,
            "filters": {"status": "confirmed"},
            "date_from": "2024-01-01T00:00:00Z",
            "date_to": "2024-12-31T23:59:59Z",
        }
        root = f"{BASE}/api/v1/workers/"
        http.post(root, status=201, body='{"id": 7, "task_type": "bookings_export", "status": "pending"}')
        http.get(f"{root}7/status/", body='{"id": 7, "status": "pending", "progress": 0}')
        with pytest.raises(TaskDeferred) as info:
            op.execute(context)
        assert calls(http, "POST", root)[0].kwargs["json"] == op.build_request()
        assert info.value.trigger.handle == {"task_id": 7, "task_type": "bookings_export"}

    def test_moysklad_builds_the_request_and_starts(
        self, http: aioresponses, conn_id: str, context: dict[str, Any], ti: MagicMock
    ) -> None:
        op = MoySkladAsyncTaskOperator(
            task_id="ms", http_conn_id="api", path="report/stock/bystore", query={"groupBy": "variant"}
        )
        assert op.protocol == "moysklad"
        assert op.template_fields == (*BASE_TEMPLATE_FIELDS, "path", "query")
        assert op.build_request() == {
            "path": "report/stock/bystore",
            "params": {"groupBy": "variant"},
            "busy_wait_seconds": 600.0,
        }
        assert MoySkladAsyncTaskOperator(task_id="m2", path="p", busy_wait_seconds=5).build_request() == {
            "path": "p",
            "params": {},
            "busy_wait_seconds": 5,
        }
        url = f"{BASE}/report/stock/bystore?async=true&groupBy=variant"
        http.get(url, status=202, headers={"Location": f"{BASE}/async/1/result", "Content-Location": f"{BASE}/async/1"})
        http.get(f"{BASE}/async/1", body='{"state": "PROCESSING"}')
        with pytest.raises(TaskDeferred):
            op.execute(context)
        ti.xcom_push.assert_called_once_with(
            key="handle", value={"state_url": f"{BASE}/async/1", "result_url": f"{BASE}/async/1/result"}
        )

    def test_mytarget_builds_the_request_with_callback(
        self, http: aioresponses, conn_id: str, context: dict[str, Any]
    ) -> None:
        op = MyTargetAsyncRequestOperator(
            task_id="mt",
            http_conn_id="api",
            path="/api/v2/campaigns.json",
            query={"fields": "id,name"},
            callback_url="https://airflow.test/cb",
        )
        assert op.protocol == "mytarget"
        assert op.template_fields == (*BASE_TEMPLATE_FIELDS, "path", "body", "query", "callback_url")
        assert op.build_request() == {
            "path": "/api/v2/campaigns.json",
            "method": "GET",
            "body": None,
            "query": {"fields": "id,name"},
            "callback_url": "https://airflow.test/cb",
            "callback_method": None,
        }
        url = f"{BASE}/async_api/v2/campaigns.json?fields=id,name"
        http.get(url, status=202, headers={"Location": "/async_api/v2/requests/5.json"})
        http.get(f"{BASE}/async_api/v2/requests/5.json", body='{"status": "enqueued"}')
        with pytest.raises(TaskDeferred) as info:
            op.execute(context)
        assert info.value.trigger.handle == {"status_url": f"{BASE}/async_api/v2/requests/5.json"}
        headers = calls(http, "GET", url)[0].kwargs["headers"]
        assert (headers["X-Callback-Location"], headers["X-Callback-Method"]) == ("https://airflow.test/cb", "POST")


class TestDefaultDeferrable:
    def test_true_when_nothing_is_configured(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", raising=False)
        assert default_deferrable() is True
        assert operator().deferrable is True

    @pytest.mark.parametrize(("value", "expected"), [("false", False), ("False", False), ("true", True), ("1", True)])
    def test_follows_the_environment(self, monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
        monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", value)
        assert default_deferrable() is expected
        assert operator().deferrable is expected

    def test_explicit_argument_wins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "false")
        assert operator(deferrable=True).deferrable is True
        monkeypatch.delenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE")
        assert operator(deferrable=False).deferrable is False
