"""Every standard report, through DirectReportOperator against the emulator, equals the emulator's truth in
its typed table on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest.mock import MagicMock

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from airflow_provider_direct.operators.direct_reports import DirectReportOperator
from airflow_provider_direct.sync.standard_reports import STANDARD_REPORTS, standard_report
from airflow_provider_direct.warehouse.report_table import column_name
from airflow_provider_direct.warehouse.store import DirectWarehouse

pytestmark = pytest.mark.integration

LOGIN = "client-1"
#: The truth's grouping level per report (its ids), besides the dimension fields.
LEVELS = {
    "campaign_day": "campaign",
    "adgroup_day": "ad_group",
    "ad_day": "ad",
    "criteria_day": "ad_group",
    "search_queries": "ad_group",
    "geo_day": "campaign",
    "demographics_day": "campaign",
    "placements_day": "campaign",
}
IDS = ("CampaignId", "AdGroupId", "AdId")
SUMS = ("Impressions", "Clicks", "Cost", "Conversions", "Revenue", "Bounces")
NAMES = frozenset({"CampaignName", "CampaignType", "AdGroupName"})  # attributes, not grouping dimensions


@pytest.fixture
def direct_conn(make_connection: Any, emulator: EmulatorServer, emulator_admin: EmulatorAdmin) -> str:
    return make_connection("standard_reports_direct", host=emulator.url, password="agency-token", login=LOGIN)


def test_every_standard_report_is_known_and_valid() -> None:
    assert list(STANDARD_REPORTS) == list(LEVELS)
    assert standard_report("search_queries").days_back == 180
    with pytest.raises(ValueError, match="there are campaign_day, adgroup_day"):
        standard_report("nope")


@pytest.mark.parametrize("name", list(LEVELS))
def test_a_standard_report_equals_the_truth(
    name: str, direct_conn: str, warehouse_conn: tuple[str, str | None], emulator_admin: EmulatorAdmin
) -> None:
    report = standard_report(name)
    spec = report.spec
    today = dt.date.today()
    start, end = (today - dt.timedelta(days=3)).isoformat(), (today - dt.timedelta(days=1)).isoformat()
    conn_id, schema = warehouse_conn
    op = DirectReportOperator(
        task_id="report",
        direct_conn_id=direct_conn,
        warehouse_conn_id=conn_id,
        warehouse_schema=schema,
        report_type=spec.report_type,
        field_names=list(spec.field_names),
        table=report.table.table,
        date_from=start,
        date_to=end,
        deferrable=False,
        poll_interval=0.2,
    )
    summary = op.execute({"ti": MagicMock(dag_id="d", task_id="t", run_id="r", map_index=-1)})
    dims = tuple(f for f in spec.field_names if f not in {"Date", *IDS, *NAMES, *spec.field_names[-11:]})
    truth = emulator_admin.stats_truth(
        LOGIN,
        start,
        end,
        level=LEVELS[name],
        dims=dims,
        search_only=spec.report_type == "SEARCH_QUERY_PERFORMANCE_REPORT",
    )
    keys = ["Date", *(f for f in IDS if f in spec.field_names), *dims]
    expected = {tuple(r.get(k) for k in keys): tuple(r[m] for m in SUMS) for r in truth}
    store = DirectWarehouse.from_conn_id(conn_id, schema=schema)
    columns = [column_name(k) for k in (*keys, *SUMS)]
    rows = store._fetch(
        f"SELECT {', '.join(columns)} FROM {store.dialect.qualify(report.table.table)} "
        f"WHERE client_login = {store.dialect.param}",
        (LOGIN,),
    )
    loaded = {(str(r[0]), *r[1 : len(keys)]): tuple(r[len(keys) :]) for r in rows}
    assert summary["rows"] == len(expected) > 0
    assert loaded == expected
