"""Typed report tables and their partition loads on real SQLite, PostgreSQL and ClickHouse's engine."""

from __future__ import annotations

import pytest

from airflow_provider_direct.async_task.errors import AsyncTaskProtocolError
from airflow_provider_direct.models.report_spec import ReportSpec
from airflow_provider_direct.warehouse.report_loader import ReportLoader
from airflow_provider_direct.warehouse.report_table import ReportTable, column_name
from airflow_provider_direct.warehouse.store import DirectWarehouse

SPEC = ReportSpec(
    "CUSTOM_REPORT",
    ("Date", "CampaignId", "Device", "Impressions", "Cost", "Ctr", "Conversions"),
    goals=("111", "222"),
    attribution_models=("LC",),
)
HEADER = "Date\tCampaignId\tDevice\tImpressions\tCost\tCtr\tConversions_111_LC\tConversions_222_LC"


@pytest.fixture
def warehouse(any_warehouse_conn: tuple[str, str | None]) -> DirectWarehouse:
    conn_id, schema = any_warehouse_conn
    return DirectWarehouse.from_conn_id(conn_id, schema=schema)


def tsv(*rows: str, title: str | None = '"r (2026-03-01 - 2026-03-03)"') -> list[str]:
    return [*([title] if title else []), HEADER, *rows, f"Total rows: {len(rows)}"]


ROWS = (
    "2026-03-01\t7\tDESKTOP\t100\t1500000\t1.5\t2\t--",
    "2026-03-01\t7\tMOBILE\t50\t700000\t2.25\t0\t1",
    "2026-03-02\t7\tDESKTOP\t80\t900000\t1.25\t1\t0",
    "2026-03-03\t8\tTABLET\t10\t0\t0\t--\t--",
)


def load(warehouse: DirectWarehouse, *rows: str, table: ReportTable | None = None) -> list[str]:
    loader = ReportLoader(warehouse, table or ReportTable("direct_test_report", SPEC), "c1", None, None)
    return loader.load(tsv(*rows)).changed_days


def test_columns_are_typed_per_field_and_goal(warehouse: DirectWarehouse) -> None:
    table = ReportTable("direct_test_report", SPEC)
    assert [c.name for c in table.columns] == [
        "date",
        "campaign_id",
        "device",
        "impressions",
        "cost",
        "ctr",
        "conversions_111_lc",
        "conversions_222_lc",
    ]
    assert column_name("AvgClickPosition") == "avg_click_position" and column_name("CPV") == "cpv"
    assert load(warehouse, *ROWS) == ["2026-03-01", "2026-03-02", "2026-03-03"]  # all new
    p = warehouse.dialect.param
    rows = warehouse._fetch(
        f"SELECT date, campaign_id, device, impressions, cost, ctr, conversions_111_lc, conversions_222_lc "
        f"FROM {warehouse.dialect.qualify('direct_test_report')} WHERE client_login = {p} ORDER BY date, device",
        ("c1",),
    )
    first = rows[0]
    assert str(first[0]) == "2026-03-01" and first[1:] == (7, "DESKTOP", 100, 1_500_000, 1.5, 2, None)
    assert isinstance(first[4], int) and isinstance(first[5], float)


def test_only_the_days_whose_rows_changed_are_reported(warehouse: DirectWarehouse) -> None:
    load(warehouse, *ROWS)
    assert load(warehouse, *ROWS) == [], "the same report again changes no day"
    restated = (ROWS[0], ROWS[1], ROWS[2].replace("\t900000\t", "\t800000\t"), ROWS[3])
    assert load(warehouse, *restated) == ["2026-03-02"]
    assert load(warehouse, ROWS[0], ROWS[1], ROWS[2].replace("\t900000\t", "\t800000\t")) == ["2026-03-03"]
    counts = warehouse._fetch(f"SELECT COUNT(*) FROM {warehouse.dialect.qualify('direct_test_report')}")
    assert counts[0][0] == 3


def test_a_grown_definition_adds_columns_and_keeps_rows(warehouse: DirectWarehouse) -> None:
    load(warehouse, *ROWS)
    grown = ReportTable(
        "direct_test_report",
        ReportSpec(SPEC.report_type, (*SPEC.field_names, "Clicks"), SPEC.goals, SPEC.attribution_models),
    )
    assert grown.ensure(warehouse) == ["clicks"]
    assert grown.ensure(warehouse) == []


def test_a_report_whose_columns_differ_is_refused_and_nothing_changes(warehouse: DirectWarehouse) -> None:
    load(warehouse, *ROWS)
    loader = ReportLoader(warehouse, ReportTable("direct_test_report", SPEC), "c1", None, None)
    wrong = ['"r (2026-03-01 - 2026-03-03)"', HEADER.replace("Ctr", "AvgCpc"), "Total rows: 0"]
    with pytest.raises(AsyncTaskProtocolError, match="missing \\['Ctr'\\], unexpected \\['AvgCpc'\\]"):
        loader.load(wrong)
    with pytest.raises(AsyncTaskProtocolError, match="summary says 5"):
        loader.load([*tsv(*ROWS)[:-1], "Total rows: 5"])
    assert load(warehouse, *ROWS) == [], "the failed loads rolled back"


def test_a_table_needs_the_date_field() -> None:
    with pytest.raises(ValueError, match="needs Date"):
        ReportTable("direct_no_date", ReportSpec("CAMPAIGN_PERFORMANCE_REPORT", ("CampaignId", "Clicks")))
