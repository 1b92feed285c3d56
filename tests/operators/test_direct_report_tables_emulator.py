"""Typed report tables end to end: DirectReportOperator(report_type, field_names, goals, ..., table) against
the emulated Reports service into real SQLite and PostgreSQL, with the changed days as asset partitions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
import requests_mock

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from airflow_provider_direct.models.report_spec import ReportDefinitionError
from airflow_provider_direct.operators.direct_reports import DirectReportOperator, report_asset
from airflow_provider_direct.warehouse.store import DirectWarehouse

pytestmark = pytest.mark.integration

LOGIN = "client-1"
FIELDS = ["Date", "CampaignId", "Impressions", "Clicks", "Cost", "Ctr", "Conversions", "Revenue"]
GOALS, MODELS = ["111", "222"], ["LC", "LSC"]


@pytest.fixture
def direct_conn(make_connection: Any, emulator: EmulatorServer, emulator_admin: EmulatorAdmin) -> str:
    return make_connection("report_tables_direct", host=emulator.url, password="agency-token", login=LOGIN)


class Outlets(dict):
    """What ``context["outlet_events"]`` records: partition keys and extra per asset."""

    def __missing__(self, key: Any) -> Any:
        accessor = self[key] = MagicMock(keys=set())  # a set, as Airflow's accessor keeps them
        accessor.add_partitions.side_effect = accessor.keys.update
        return accessor

    def partitions(self, asset: Any) -> list[str]:
        return sorted(self[asset].keys)


def run(
    direct_conn: str, warehouse_conn: tuple[str, str | None], start: str, end: str, limits: str | None = None
) -> tuple[dict, Outlets]:
    conn_id, schema = warehouse_conn
    op = DirectReportOperator(
        limits_conn_id=limits,
        task_id="report",
        direct_conn_id=direct_conn,
        warehouse_conn_id=conn_id,
        warehouse_schema=schema,
        report_type="CUSTOM_REPORT",
        field_names=FIELDS,
        goals=GOALS,
        attribution_models=MODELS,
        table="direct_campaign_goals",
        date_from=start,
        date_to=end,
        deferrable=False,
        poll_interval=0.2,
    )
    outlets = Outlets()
    context = {"ti": MagicMock(dag_id="d", task_id="t", run_id="r", map_index=-1), "outlet_events": outlets}
    return op.execute(context), outlets


def days_ago(n: int) -> str:
    return (dt.date.today() - dt.timedelta(days=n)).isoformat()


def test_a_typed_report_equals_the_truth_and_restated_days_become_partitions(
    direct_conn: str,
    any_warehouse_conn: tuple[str, str | None],
    emulator_admin: EmulatorAdmin,
    make_connection: Any,
    tmp_path: Path,
) -> None:
    """On SQLite, PostgreSQL and ClickHouse (whose shared limits are counted in a SQLite file)."""
    warehouse_conn = any_warehouse_conn
    limits = make_connection("reports_limits", conn_type="sqlite", host=str(tmp_path / "limits.db"))
    start, end = days_ago(6), days_ago(1)
    summary, outlets = run(direct_conn, warehouse_conn, start, end, limits)
    asset = report_asset(warehouse_conn[0], "direct_campaign_goals")
    truth = emulator_admin.stats_truth(LOGIN, start, end, goals=GOALS, models=MODELS)
    assert summary["rows"] == len(truth) > 0
    assert outlets.partitions(asset) == sorted({r["Date"] for r in truth}), "a first load changes every day"
    conn_id, schema = warehouse_conn
    store = DirectWarehouse.from_conn_id(conn_id, schema=schema)
    goal_columns = [f"{f.lower()}_{g}_{m.lower()}" for f in ("Conversions", "Revenue") for g in GOALS for m in MODELS]
    rows = store._fetch(
        f"SELECT date, campaign_id, impressions, clicks, cost, {', '.join(goal_columns)} "
        f"FROM {store.dialect.qualify('direct_campaign_goals')} WHERE client_login = {store.dialect.param}",
        (LOGIN,),
    )
    loaded = {(str(r[0]), r[1]): r[2:] for r in rows}
    expected = {
        (r["Date"], r["CampaignId"]): (
            r["Impressions"],
            r["Clicks"],
            r["Cost"],
            *(r[f"{f}_{g}_{m}"] for f in ("Conversions", "Revenue") for g in GOALS for m in MODELS),
        )
        for r in truth
    }
    assert loaded == expected
    # The same pull again: nothing changed, no partition. Then one campaign-day is restated: that day only.
    _, again = run(direct_conn, warehouse_conn, start, end, limits)
    assert again.partitions(asset) == []
    campaign = truth[0]["CampaignId"]
    emulator_admin.correct_stats(LOGIN, campaign, days_ago(3), 0.5)
    _, restated = run(direct_conn, warehouse_conn, start, end, limits)
    assert restated.partitions(asset) == [days_ago(3)]


def test_an_incompatible_field_fails_before_any_call(warehouse_conn: tuple[str, str | None]) -> None:
    """https://yandex.com/dev/direct/doc/en/fields-list: AdId is not a CAMPAIGN_PERFORMANCE_REPORT field;
    Query exists in SEARCH_QUERY_PERFORMANCE_REPORT only."""
    with pytest.raises(ReportDefinitionError, match="AdId is not allowed in CAMPAIGN_PERFORMANCE_REPORT; it allows"):
        DirectReportOperator(
            task_id="r",
            report_type="CAMPAIGN_PERFORMANCE_REPORT",
            field_names=["Date", "CampaignId", "AdId", "Clicks"],
            table="direct_bad",
        )
    # Templated, it is checked once rendered, still before the request is sent.
    op = DirectReportOperator(
        task_id="r",
        direct_conn_id="nowhere",
        report_type="{{ params.type }}",
        field_names=["Date", "Query", "Clicks"],
        table="direct_bad",
    )
    op.report_type = "CUSTOM_REPORT"  # what rendering gives
    with requests_mock.Mocker() as mocker, pytest.raises(ReportDefinitionError, match="Query is not allowed"):
        op.build_request()
    assert mocker.call_count == 0


class FakeTI:
    """The task instance's XCom, kept across the deferrals of one test (what the metadata DB keeps)."""

    def __init__(self) -> None:
        self.dag_id, self.task_id, self.run_id, self.map_index = "d", "report", "r", -1
        self.stats_tags: dict[str, str] = {}
        self.xcoms: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value

    def xcom_pull(self, task_ids: str, key: str, map_indexes: Any = None) -> Any:
        return self.xcoms.get(key)


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_period_over_the_time_limit_is_loaded_in_parts(
    direct_conn: str, warehouse_conn: tuple[str, str | None], emulator_admin: EmulatorAdmin, deferrable: bool
) -> None:
    """The service's 502 ("shorten the period", https://yandex.com/dev/direct/doc/en/errors... the Reports
    answer to its processing time limit) splits the period in halves until each part passes, in one task."""
    import asyncio

    from airflow.sdk.exceptions import TaskDeferred

    start, end = days_ago(8), days_ago(1)
    # The emulator prices the limit in estimated rows (every campaign, smart-banner ones too, every day):
    # 8 days of campaign rows fail, 2 days pass.
    campaigns = len(list(emulator_admin.snapshot(LOGIN, "campaigns", include_smart=True)))
    emulator_admin.reset(reports_time_limit_rows=campaigns * 2)
    conn_id, schema = warehouse_conn
    op = DirectReportOperator(
        task_id="report",
        direct_conn_id=direct_conn,
        warehouse_conn_id=conn_id,
        warehouse_schema=schema,
        report_type="CAMPAIGN_PERFORMANCE_REPORT",
        field_names=["Date", "CampaignId", "Impressions", "Clicks", "Cost"],
        table="direct_campaign_parts",
        date_from=start,
        date_to=end,
        deferrable=deferrable,
        processing_mode="offline" if deferrable else "auto",  # offline parts queue: the task defers for each
        poll_interval=0.2,
    )
    outlets = Outlets()
    deferrals = 0
    state_store = FakeStateStore()
    context = {"ti": FakeTI(), "outlet_events": outlets, "task_state_store": state_store}
    try:
        summary = op.execute(context)
    except TaskDeferred as deferred:  # the triggerer's part: run the trigger, come back, until done
        while True:
            deferrals += 1
            events = asyncio.run(_first_event(deferred.trigger))
            try:
                summary = op.execute_complete(context, events)
                break
            except TaskDeferred as again:
                deferred = again
    truth = emulator_admin.stats_truth(LOGIN, start, end)
    assert summary["parts"] == 4 and summary["rows"] == len(truth)
    assert deferrals == (4 if deferrable else 0), "each offline part waited in the triggerer"
    asset = report_asset(conn_id, "direct_campaign_parts")
    assert outlets.partitions(asset) == sorted({r["Date"] for r in truth}), "every part's days, at the end"
    store = DirectWarehouse.from_conn_id(conn_id, schema=schema)
    rows = store._fetch(f"SELECT date, campaign_id, clicks FROM {store.dialect.qualify('direct_campaign_parts')}")
    assert {(str(d), c): k for d, c, k in rows} == {(r["Date"], r["CampaignId"]): r["Clicks"] for r in truth}


class FakeStateStore(dict):  # type: ignore[type-arg]
    """The task state store's get/set, kept across the tries of one test (what the metadata DB keeps)."""

    def set(self, key: str, value: Any) -> None:
        self[key] = value


async def _first_event(trigger: Any) -> dict[str, Any]:
    async for event in trigger.run():
        return event.payload
    raise AssertionError("the trigger ended without an event")
