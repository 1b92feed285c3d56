"""DirectReportOperator against the emulated Reports service, and restated statistics end to end."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from airflow.sdk.exceptions import TaskDeferred

from airflow_provider_direct.async_task.errors import AsyncTaskError, AsyncTaskFailed
from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.operators.direct_reports import DirectReportOperator
from airflow_provider_direct.sync.engine import DirectIncrementalSync
from airflow_provider_direct.sync.statistics import restatement_window
from airflow_provider_direct.warehouse.statistics import pending_restatements
from airflow_provider_direct.warehouse.store import DirectWarehouse

pytestmark = pytest.mark.integration

LOGIN = "client-1"


@pytest.fixture
def direct_conn(make_connection: Any, emulator: EmulatorServer, emulator_admin: EmulatorAdmin) -> str:
    return make_connection("reports_direct", host=emulator.url, password="agency-token", login=LOGIN)


@pytest.fixture
def warehouse(
    any_warehouse_conn: tuple[str, str | None], make_connection: Any, tmp_path: Path
) -> tuple[str, str | None]:
    """SQLite, PostgreSQL or ClickHouse; with ClickHouse the shared limits are counted in a SQLite file."""
    make_connection(LIMITS_CONN, conn_type="sqlite", host=str(tmp_path / "limits.db"))
    return any_warehouse_conn


LIMITS_CONN = "reports_limits"


def context() -> dict[str, Any]:
    return {"ti": MagicMock(dag_id="d", task_id="t", run_id="r", map_index=-1)}


def operator(direct_conn: str, warehouse: tuple[str, str | None], **kwargs: Any) -> DirectReportOperator:
    conn_id, schema = warehouse
    kwargs.setdefault("poll_interval", 0.2)
    if DirectWarehouse.from_conn_id(conn_id, schema=schema).dialect.name == "clickhouse":
        kwargs.setdefault("limits_conn_id", LIMITS_CONN)
    return DirectReportOperator(
        task_id="report", direct_conn_id=direct_conn, warehouse_conn_id=conn_id, warehouse_schema=schema, **kwargs
    )


def warehouse_stats(warehouse: tuple[str, str | None], date_from: str, date_to: str) -> dict[tuple[int, str], tuple]:
    conn_id, schema = warehouse
    store = DirectWarehouse.from_conn_id(conn_id, schema=schema)
    rows = store._fetch(
        f"SELECT campaign_id, date, impressions, clicks, cost FROM {store.dialect.qualify('direct_campaign_stats')} "
        f"WHERE client_login = {store.dialect.param}",
        (LOGIN,),
    )
    return {(int(c), str(d)): (i, k, s) for c, d, i, k, s in rows if date_from <= str(d) <= date_to}


def truth(admin: EmulatorAdmin, date_from: str, date_to: str) -> dict[tuple[int, str], tuple]:
    rows = admin.stats_truth(LOGIN, date_from, date_to)
    return {
        (int(r["CampaignId"]), str(r["Date"])): (r["Impressions"], r["Clicks"], r["Cost"])
        for r in rows
        if r["Impressions"]
    }


def days_ago(n: int) -> str:
    return (dt.date.today() - dt.timedelta(days=n)).isoformat()


def test_online_report_loads_the_truth(
    direct_conn: str, warehouse: tuple[str, str | None], emulator_admin: EmulatorAdmin
) -> None:
    start, end = days_ago(10), days_ago(1)
    op = operator(direct_conn, warehouse, date_from=start, date_to=end, deferrable=False)
    summary = op.execute(context())
    assert summary["table"] == "direct_campaign_stats"
    expected = truth(emulator_admin, start, end)
    assert summary["rows"] == len(expected) > 0
    assert warehouse_stats(warehouse, start, end) == expected
    lineage = op.get_openlineage_facets_on_complete(None)  # what an OpenLineage listener reads
    assert [d.name for d in lineage.inputs] == [f"{LOGIN}/reports"]
    assert [d.name.rsplit(".", 1)[-1] for d in lineage.outputs] == ["direct_campaign_stats"]
    assert lineage.run_facets["yandex_direct"].rows == summary["rows"]


def test_offline_report_deferred_and_name_reused_after_a_crash(
    direct_conn: str, warehouse: tuple[str, str | None], emulator_admin: EmulatorAdmin
) -> None:
    start, end = days_ago(20), days_ago(1)
    first = operator(direct_conn, warehouse, date_from=start, date_to=end, processing_mode="offline")
    with pytest.raises(TaskDeferred) as deferred:
        first.execute(context())
    # The worker dies here; the retry starts from scratch and must find the SAME offline report.
    retry = operator(direct_conn, warehouse, date_from=start, date_to=end, processing_mode="offline")
    with pytest.raises(TaskDeferred) as again:
        retry.execute(context())
    assert (
        again.value.trigger.handle["definition"]["ReportName"]
        == deferred.value.trigger.handle["definition"]["ReportName"]
    )
    reports = emulator_admin.reports(LOGIN)
    assert len(reports) == 1  # the retry polled the same report instead of queuing a second one
    assert reports[0]["polls"] >= 1

    async def run() -> list[Any]:
        return [event async for event in again.value.trigger.run()]

    (event,) = asyncio.run(run())
    summary = retry.execute_complete(context(), event.payload)
    assert warehouse_stats(warehouse, start, end) == truth(emulator_admin, start, end)
    assert summary["rows"] == len(truth(emulator_admin, start, end))


def test_502_says_to_shorten_the_period(
    direct_conn: str, warehouse: tuple[str, str | None], emulator_admin: EmulatorAdmin
) -> None:
    emulator_admin.set_faults(next=[{"kind": "api_http", "status": 502, "service": "reports"}])
    op = operator(
        direct_conn, warehouse, date_from=days_ago(3), date_to=days_ago(1), deferrable=False, split_on_time_limit=False
    )
    with pytest.raises(AsyncTaskFailed, match="shorten the period"):
        op.execute(context())
    # Splitting on (the default) cannot shorten a one-day period: it fails with the same words.
    emulator_admin.set_faults(next=[{"kind": "api_http", "status": 502, "service": "reports"}])
    op = operator(direct_conn, warehouse, date_from=days_ago(1), date_to=days_ago(1), deferrable=False)
    with pytest.raises(AsyncTaskFailed, match="shorten the period"):
        op.execute(context())


def test_a_clickhouse_warehouse_needs_a_lockable_limits_store(
    direct_conn: str, clickhouse_conn: tuple[str, str]
) -> None:
    op = operator(direct_conn, clickhouse_conn, date_from=days_ago(2), date_to=days_ago(1), limits_conn_id=None)
    with pytest.raises(ValueError, match="pass limits_conn_id="):
        op.execute(context())


def test_queue_full_waits_for_a_slot(
    direct_conn: str, warehouse: tuple[str, str | None], emulator_admin: EmulatorAdmin
) -> None:
    emulator_admin.reset(reports_build_seconds_base=300)  # nothing finishes during the test
    busy = [
        operator(direct_conn, warehouse, date_from=days_ago(n + 2), date_to=days_ago(1), processing_mode="offline")
        for n in range(5)
    ]
    for op in busy:  # five offline reports queued: the limit
        with pytest.raises(TaskDeferred):
            op.execute(context())
    sixth = operator(direct_conn, warehouse, date_from=days_ago(30), date_to=days_ago(1), processing_mode="offline")
    with pytest.raises(TaskDeferred) as deferred:
        sixth.execute(context())  # the login's five slots are taken (in the warehouse): it waits, unsent
    status = sixth.hook.poll(deferred.value.trigger.handle)
    assert status.stage == "waiting for an offline slot"
    # Without the shared limits the request goes out, and the API's own answer (9000, queue full) waits too.
    seventh = operator(
        direct_conn,
        warehouse,
        date_from=days_ago(31),
        date_to=days_ago(1),
        processing_mode="offline",
        shared_limits=False,
    )
    with pytest.raises(TaskDeferred) as deferred:
        seventh.execute(context())
    status = seventh.hook.poll(deferred.value.trigger.handle)
    assert status.stage == "waiting for a queue slot"
    assert "9000" in (status.message or "")


def test_restated_statistics_end_to_end(
    direct_conn: str, warehouse: tuple[str, str | None], emulator_admin: EmulatorAdmin, make_connection: Any
) -> None:
    """Sync + stats; a past day is corrected; the next runs bring every day to the truth, re-pulling only from it."""
    conn_id, schema = warehouse
    store = DirectWarehouse.from_conn_id(conn_id, schema=schema)
    sync = DirectIncrementalSync(DirectHook(direct_conn), store, LOGIN)
    sync.run()
    start, end = days_ago(14), days_ago(1)
    operator(direct_conn, warehouse, date_from=start, date_to=end, deferrable=False).execute(context())
    loaded_before = dict(
        store._fetch(f"SELECT date, MAX(loaded_at) FROM {store.dialect.qualify('direct_campaign_stats')} GROUP BY date")
    )

    campaign = next(emulator_admin.snapshot(LOGIN, "campaigns"))["Id"]
    corrected_day = days_ago(6)
    emulator_admin.correct_stats(LOGIN, campaign, corrected_day, 0.5)
    assert warehouse_stats(warehouse, start, end) != truth(emulator_admin, start, end)

    emulator_admin.advance_clock(2)
    sync.run()  # STAT -> check CampaignsStat -> BorderDate recorded
    pending = pending_restatements(store, LOGIN)
    assert pending == {campaign: corrected_day}
    window = restatement_window(pending, dt.date.today() - dt.timedelta(days=1))
    assert window["date_from"] == corrected_day
    operator(direct_conn, warehouse, deferrable=False, **window).execute(context())

    assert warehouse_stats(warehouse, start, end) == truth(emulator_admin, start, end)
    assert pending_restatements(store, LOGIN) == {}
    loaded_after = dict(
        store._fetch(f"SELECT date, MAX(loaded_at) FROM {store.dialect.qualify('direct_campaign_stats')} GROUP BY date")
    )
    unchanged = [day for day in loaded_before if str(day) < corrected_day]
    assert unchanged and all(loaded_after[day] == loaded_before[day] for day in unchanged)  # not re-pulled


def test_reports_arrive_gzip_compressed_and_are_decoded(
    direct_conn: str, warehouse: tuple[str, str | None], emulator_admin: EmulatorAdmin
) -> None:
    op = operator(direct_conn, warehouse, date_from=days_ago(5), date_to=days_ago(1), deferrable=False)
    hook = op.hook
    handle = hook.start(op.build_request())

    async def download() -> tuple[dict[str, str], bytes]:
        async with hook.client() as client, hook.protocol.fetch(client, handle) as stream:
            return stream.headers, b"".join([chunk async for chunk in stream.chunks])

    headers, body = asyncio.run(download())
    assert headers.get("Content-Encoding") == "gzip"
    text = body.decode()
    assert text.splitlines()[1].startswith("Date\tCampaignId")
    assert text.rstrip().splitlines()[-1].startswith("Total rows: ")


@pytest.mark.parametrize("fault", [{"kind": "truncate"}, {"kind": "drop"}])
def test_a_cut_off_report_loads_nothing(
    direct_conn: str, warehouse: tuple[str, str | None], emulator_admin: EmulatorAdmin, fault: dict[str, Any]
) -> None:
    start, end = days_ago(8), days_ago(1)
    operator(direct_conn, warehouse, date_from=start, date_to=end, deferrable=False).execute(context())
    before = warehouse_stats(warehouse, start, end)
    emulator_admin.correct_stats(LOGIN, next(emulator_admin.snapshot(LOGIN, "campaigns"))["Id"], days_ago(3), 0.5)
    op = operator(direct_conn, warehouse, date_from=start, date_to=end, deferrable=False)
    handle = op.hook.start(op.build_request())
    op.handle = handle
    emulator_admin.set_faults(next=[{**fault, "service": "reports"}])
    with pytest.raises(AsyncTaskError):  # a cut-off body, or a broken transfer: typed, never a partial load
        op._fetch(context())
    assert warehouse_stats(warehouse, start, end) == before  # the old partition stays whole
