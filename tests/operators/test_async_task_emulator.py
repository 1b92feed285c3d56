"""The async-task operators end to end against the emulator over 127.0.0.1: start, defer, trigger, fetch, cancel."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from airflow.sdk.exceptions import TaskDeferred

from airflow_provider_direct.async_task.errors import (
    AsyncTaskExpired,
    AsyncTaskFailed,
)
from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from airflow_provider_direct.hooks.moysklad import MoySkladProtocol
from airflow_provider_direct.operators.async_task import AsyncTaskOperator
from airflow_provider_direct.operators.direct_fetch import DirectFetchProcessOperator
from airflow_provider_direct.operators.moysklad import MoySkladAsyncTaskOperator
from airflow_provider_direct.operators.mytarget import MyTargetAsyncRequestOperator
from airflow_provider_direct.operators.workers import WorkersTaskOperator
from airflow_provider_direct.triggers.async_task import AsyncTaskTrigger

pytestmark = pytest.mark.integration

QUICK = {"duration": 0.4, "queue_seconds": 0.1, "progress_steps": 2}


@pytest.fixture
def conns(make_connection: Any, emulator: EmulatorServer, emulator_admin: EmulatorAdmin) -> dict[str, str]:
    """One ``http`` connection per API (MoySklad's base URL carries its path prefix)."""
    return {
        name: make_connection(f"{name}_test", conn_type="http", host=emulator.url + prefix, password="async-token")
        for name, prefix in (
            ("direct_fetch", ""),
            ("moysklad", "/api/remap/1.2"),
            ("workers", ""),
            ("mytarget", ""),
        )
    }


def context() -> dict[str, Any]:
    ti = MagicMock(dag_id="dag", task_id="task", run_id="run", map_index=-1)
    return {"ti": ti}


def run_deferred(op: AsyncTaskOperator, ctx: dict[str, Any]) -> dict[str, Any]:
    """What Airflow does: execute until it defers, run the trigger, resume with its single event."""
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(ctx)
    trigger = deferred.value.trigger
    assert isinstance(trigger, AsyncTaskTrigger)
    _, kwargs = trigger.serialize()
    json.dumps(kwargs)  # plain JSON, as the triggerer stores it
    assert "async-token" not in json.dumps(kwargs)

    async def collect() -> list[Any]:
        return [event async for event in trigger.run()]

    events = asyncio.run(collect())
    assert len(events) == 1
    return getattr(op, deferred.value.method_name)(ctx, events[0].payload)


def test_direct_fetch_deferred_end_to_end(conns: dict[str, str], emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.async_scenario("direct_fetch", {**QUICK, "result_rows": 7})
    op = DirectFetchProcessOperator(
        task_id="fetch",
        http_conn_id=conns["direct_fetch"],
        account="myaccount",
        client="myclient",
        fetch_type="history",
        deferrable=True,
        poll_interval=0.1,
    )
    ctx = context()
    summary = run_deferred(op, ctx)
    assert summary["rows"] == 7
    assert summary["result"]["dataCount"] == 7
    assert summary["handle"]["process_id"].startswith("YandexDirectDataFetchProcess_")
    ctx["ti"].xcom_push.assert_called_once_with(key="handle", value=summary["handle"])


@pytest.mark.parametrize("fetch_type", ["history", "settings", "strategy_study", "account_goals"])
def test_direct_fetch_every_type_on_the_worker(
    conns: dict[str, str], emulator_admin: EmulatorAdmin, fetch_type: str
) -> None:
    emulator_admin.async_scenario("direct_fetch", {**QUICK, "result_rows": 3})
    op = DirectFetchProcessOperator(
        task_id="fetch",
        http_conn_id=conns["direct_fetch"],
        account="a",
        client="c",
        fetch_type=fetch_type,
        deferrable=False,
        poll_interval=0.1,
    )
    summary = op.execute(context())
    assert summary["rows"] == 3
    assert summary["result"]["type"] == fetch_type


def test_direct_fetch_failure_carries_the_api_message(conns: dict[str, str], emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.async_scenario("direct_fetch", {**QUICK, "outcome": "failure", "error_message": "Нет доступа"})
    op = DirectFetchProcessOperator(
        task_id="f",
        http_conn_id=conns["direct_fetch"],
        account="a",
        client="c",
        fetch_type="settings",
        deferrable=True,
        poll_interval=0.1,
    )
    with pytest.raises(AsyncTaskFailed, match="Нет доступа"):
        run_deferred(op, context())


def defer_then_kill(op: Any) -> None:
    """Defer, let the trigger wait on the stuck job, then kill it as a user marking the task does."""
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context())
    trigger = deferred.value.trigger

    async def run_then_kill() -> None:
        waiting = asyncio.ensure_future(trigger.run().__anext__())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # still waiting: the job is stuck
        waiting.cancel()
        await trigger.on_kill()

    asyncio.run(run_then_kill())


def test_killing_a_deferred_task_stops_the_remote_job(conns: dict[str, str], emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.async_scenario("direct_fetch", {"outcome": "stuck"})
    op = DirectFetchProcessOperator(
        task_id="f",
        http_conn_id=conns["direct_fetch"],
        account="a",
        client="c",
        fetch_type="history",
        deferrable=True,
        poll_interval=0.1,
    )
    defer_then_kill(op)
    job = emulator_admin.async_job("direct_fetch", op.handle["process_id"])  # type: ignore[index]
    assert job["state"] == "stopped"
    assert [s["accepted"] for s in job["stop_requests"]] == [True]


def test_worker_side_kill_cancels_a_workers_task(conns: dict[str, str], emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.async_scenario("workers", {"outcome": "stuck"})
    op = WorkersTaskOperator(
        task_id="w", http_conn_id=conns["workers"], worker_task_type="bookings_export", deferrable=True
    )
    with pytest.raises(TaskDeferred):
        op.execute(context())
    op.on_kill()  # e.g. killed before the deferral was handed over
    job = emulator_admin.async_job("workers", op.handle["task_id"])  # type: ignore[index]
    assert job["state"] == "cancelled"


def test_workers_export_into_a_warehouse_table(
    conns: dict[str, str], emulator_admin: EmulatorAdmin, any_warehouse_conn: tuple[str, str | None]
) -> None:
    """On SQLite, PostgreSQL and ClickHouse: the rows land, and a re-run replaces them."""
    warehouse, schema = any_warehouse_conn
    emulator_admin.async_scenario("workers", {**QUICK, "result_rows": 1234}, {**QUICK, "result_rows": 1234})
    op = WorkersTaskOperator(
        task_id="w",
        http_conn_id=conns["workers"],
        worker_task_type="bookings_export",
        date_from="2024-01-01T00:00:00Z",
        date_to="2024-12-31T23:59:59Z",
        result_table="workers_export",
        warehouse_conn_id=warehouse,
        warehouse_schema=schema,
        deferrable=True,
        poll_interval=0.1,
    )
    for _ in range(2):  # a re-run replaces its rows instead of adding to them
        summary = run_deferred(op, context())
        assert (summary["rows"], summary["table"]) == (1234, "workers_export")
        assert "result" not in summary
    from airflow_provider_direct.warehouse.store import DirectWarehouse

    lineage = op.get_openlineage_facets_on_complete(None)  # what an OpenLineage listener reads
    assert [d.name for d in lineage.inputs] == ["-/workers"]
    assert [d.name.rsplit(".", 1)[-1] for d in lineage.outputs] == ["workers_export"]
    assert lineage.run_facets["yandex_direct"].rows == 1234
    store = DirectWarehouse.from_conn_id(warehouse, schema=schema)
    rows = store._fetch(f"SELECT COUNT(*), MIN(row_no), MAX(row_no) FROM {store.dialect.qualify('workers_export')}")
    assert rows == [(1234, 0, 1233)]


def test_moysklad_result_from_the_other_host_without_credentials(
    conns: dict[str, str], emulator_admin: EmulatorAdmin, tmp_path: Path
) -> None:
    emulator_admin.async_scenario("moysklad", {**QUICK, "result_rows": 50_000})
    op = MoySkladAsyncTaskOperator(
        task_id="m",
        http_conn_id=conns["moysklad"],
        path="report/stock/bystore",
        result_path=str(tmp_path / "out" / "stock.json"),
        deferrable=True,
        poll_interval=0.1,
    )
    summary = run_deferred(op, context())
    assert summary["rows"] == 50_000
    assert summary["bytes"] == (tmp_path / "out" / "stock.json").stat().st_size > 1_000_000
    assert json.loads((tmp_path / "out" / "stock.json").read_text())["meta"]["size"] == 50_000
    job = emulator_admin.async_jobs("moysklad")[-1]
    assert job["file_host"]["requests"] == 1
    assert job["file_host"]["authorization_seen"] is False


def test_moysklad_api_error_is_the_task_error(conns: dict[str, str], emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.async_scenario("moysklad", {**QUICK, "outcome": "api_error"})
    op = MoySkladAsyncTaskOperator(
        task_id="m", http_conn_id=conns["moysklad"], path="report/stock/all", deferrable=True, poll_interval=0.1
    )
    with pytest.raises(AsyncTaskFailed, match=r"Доступ запрещен.*code 1016"):
        run_deferred(op, context())


def test_moysklad_unknown_state_fails_clearly(conns: dict[str, str], emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.async_scenario("moysklad", {**QUICK, "status_override": "WEIRD"})
    op = MoySkladAsyncTaskOperator(
        task_id="m", http_conn_id=conns["moysklad"], path="report/stock/all", deferrable=True, poll_interval=0.1
    )
    with pytest.raises(AsyncTaskFailed, match="'WEIRD'"):
        run_deferred(op, context())


def test_moysklad_expired_result(conns: dict[str, str], emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.async_scenario("moysklad", {"duration": 0, "queue_seconds": 0})
    op = MoySkladAsyncTaskOperator(task_id="m", http_conn_id=conns["moysklad"], path="report/stock/all")
    handle = op.hook.start(op.build_request())
    job_id = handle["state_url"].rsplit("/", 1)[-1]
    emulator_admin.async_expire("moysklad", job_id)
    op.handle = handle
    status = op.hook.poll(handle)
    with pytest.raises(AsyncTaskExpired, match="re-run"):
        op._complete(context(), status)


def test_moysklad_61002_is_waited_out(
    conns: dict[str, str], emulator_admin: EmulatorAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MoySkladProtocol, "busy_interval_seconds", 0.2)
    emulator_admin.async_scenario("moysklad", *([{"duration": 1.0, "queue_seconds": 0}] * 4), QUICK)
    op = MoySkladAsyncTaskOperator(
        task_id="m", http_conn_id=conns["moysklad"], path="report/stock/all", busy_wait_seconds=30, poll_interval=0.1
    )
    for _ in range(4):  # fill the account's queue of four: three run, the fourth is PENDING
        op.hook.start(op.build_request())
    started = dt.datetime.now()
    handle = op.hook.start(op.build_request())  # answered 61002 until a task ends, then accepted
    assert (dt.datetime.now() - started).total_seconds() > 0.3
    assert handle["state_url"].startswith(op.hook.base_url)


def test_killing_a_deferred_moysklad_task_cancels_the_remote_task(
    conns: dict[str, str], emulator_admin: EmulatorAdmin
) -> None:
    emulator_admin.async_scenario("moysklad", {"outcome": "stuck", "queue_seconds": 0})
    op = MoySkladAsyncTaskOperator(
        task_id="m", http_conn_id=conns["moysklad"], path="report/stock/all", deferrable=True, poll_interval=0.1
    )
    defer_then_kill(op)
    task_id = op.handle["state_url"].rsplit("/", 1)[-1]  # type: ignore[index]
    job = emulator_admin.async_job("moysklad", task_id)
    assert job["state"] == "CANCEL" and job["phase"] == "cancelled"
    assert [(s["accepted"], s["phase"]) for s in job["stop_requests"]] == [(True, "running")]
    status = op.hook.poll(op.handle)  # type: ignore[arg-type]
    assert status.state.value == "cancelled" and status.stage == "CANCEL"
    assert op.hook.cancel(op.handle) is False  # type: ignore[arg-type]  # 61007: it has ended already


def test_mytarget_done_via_303_and_stored_response(conns: dict[str, str], emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.async_scenario("mytarget", {**QUICK, "result_rows": 4})
    op = MyTargetAsyncRequestOperator(
        task_id="t", http_conn_id=conns["mytarget"], path="/api/v2/campaigns.json", deferrable=True, poll_interval=0.1
    )
    summary = run_deferred(op, context())
    assert summary["http_status"] == 200
    assert summary["rows"] == 4
    assert summary["handle"]["status_url"].endswith(".json")


def test_mytarget_with_callbacks_configured_signs_its_callback_and_polls_only_as_a_fallback(
    conns: dict[str, str], emulator_admin: EmulatorAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request carries this task's signed URL; the trigger holds its nonce and polls every 5 minutes. A
    callback that comes before the result shows defers again on the same nonce; one after it completes."""
    from airflow_provider_direct.utils.callback_tokens import verify

    monkeypatch.setenv("AIRFLOW__YANDEX_DIRECT__CALLBACK_BASE_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("AIRFLOW__YANDEX_DIRECT__CALLBACK_SECRET", "unit-secret")
    emulator_admin.async_scenario("mytarget", {"duration": 3600, "queue_seconds": 0.1}, clear=True)
    op = MyTargetAsyncRequestOperator(
        task_id="t", http_conn_id=conns["mytarget"], path="/api/v2/campaigns.json", deferrable=True, poll_interval=1
    )
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context())
    trigger = deferred.value.trigger
    assert trigger.poll_interval == 300.0 and trigger.callback_nonce
    assert op._signed_callback is not None and op._signed_callback.startswith("http://127.0.0.1:9/direct-callbacks/")
    target = verify(op._signed_callback.rsplit("/", 1)[1], "unit-secret")
    assert (target.dag_id, target.run_id, target.task_id) == ("dag", "run", "task")
    assert target.nonce == trigger.callback_nonce
    assert "unit-secret" not in json.dumps(trigger.serialize()[1])
    event = {"status": "callback", "handle": op.handle, "deadline": trigger.deadline, "callback_nonce": target.nonce}
    resumed = MyTargetAsyncRequestOperator(
        task_id="t", http_conn_id=conns["mytarget"], path="/api/v2/campaigns.json", deferrable=True
    )
    with pytest.raises(TaskDeferred) as again:  # an early callback: still running, so wait again
        resumed.execute_complete(context(), event)
    assert again.value.trigger.callback_nonce == target.nonce and again.value.trigger.poll_interval == 300.0
    emulator_admin.advance_clock(3700)  # past the job's hour
    summary = resumed.execute_complete(context(), event)
    assert summary["http_status"] == 200


@pytest.mark.parametrize(("outcome", "match"), [("failure", "HTTP 400"), ("unknown", "manual review")])
def test_mytarget_failures(conns: dict[str, str], emulator_admin: EmulatorAdmin, outcome: str, match: str) -> None:
    emulator_admin.async_scenario("mytarget", {**QUICK, "outcome": outcome})
    op = MyTargetAsyncRequestOperator(
        task_id="t", http_conn_id=conns["mytarget"], path="/api/v2/campaigns.json", deferrable=True, poll_interval=0.1
    )
    with pytest.raises(AsyncTaskFailed, match=match):
        run_deferred(op, context())
