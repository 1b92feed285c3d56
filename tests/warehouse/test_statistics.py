"""Statistics partitions on real SQLite, PostgreSQL and ClickHouse's engine: replace, summary check, restatements
settled."""

from __future__ import annotations

import datetime as dt

import pytest

from airflow_provider_direct.async_task.errors import AsyncTaskProtocolError
from airflow_provider_direct.warehouse.statistics import StatsLoader, TsvReader, parse_tsv, pending_restatements
from airflow_provider_direct.warehouse.store import DirectWarehouse

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
HEADER = "Date\tCampaignId\tCampaignName\tImpressions\tClicks\tCost\tConversions"


def tsv(
    rows: list[tuple[str, int, int]], summary: int | None = None, title: str | None = "r (2026-01-01 - 2026-01-03)"
) -> list[str]:
    lines = [title] if title else []
    lines.append(HEADER)
    lines += [f"{d}\t{c}\tName {c}\t100\t{clicks}\t{clicks * 1_000_000}\t--" for d, c, clicks in rows]
    if summary is not None:
        lines.append(f"Total rows: {summary}")
    return [line + "\n" for line in lines]


@pytest.fixture
def warehouse(any_warehouse_conn: tuple[str, str | None]) -> DirectWarehouse:
    conn_id, schema = any_warehouse_conn
    return DirectWarehouse.from_conn_id(conn_id, schema=schema)


def stats(warehouse: DirectWarehouse) -> list[tuple[object, ...]]:
    rows = warehouse._fetch(
        f"SELECT client_login, campaign_id, date, clicks, cost, conversions FROM "
        f"{warehouse.dialect.qualify('direct_campaign_stats')} ORDER BY client_login, date, campaign_id"
    )
    return [(r[0], r[1], str(r[2]), r[3], r[4], r[5]) for r in rows]


def test_parse_tsv_title_rows_summary() -> None:
    items = list(parse_tsv(tsv([("2026-01-01", 1, 5)], summary=1)))
    assert items[0].date_from == "2026-01-01"  # type: ignore[union-attr]
    assert items[1] == {
        "Date": "2026-01-01",
        "CampaignId": 1,
        "CampaignName": "Name 1",
        "Impressions": 100,
        "Clicks": 5,
        "Cost": 5_000_000,
        "Conversions": None,
    }
    assert items[2] == 1


@pytest.mark.parametrize("body", [[], ["\n"], ["only a title (2026-01-01 - 2026-01-02)\n"], ["garbage\n"]])
def test_an_empty_or_headerless_report_is_never_success(body: list[str]) -> None:
    with pytest.raises(AsyncTaskProtocolError):
        list(parse_tsv(body))


def test_load_replaces_the_partition_and_is_idempotent(warehouse: DirectWarehouse) -> None:
    first = tsv([("2026-01-01", 1, 5), ("2026-01-02", 1, 6), ("2026-01-03", 2, 7)], summary=3)
    load = StatsLoader(warehouse, "c1", "2026-01-01", "2026-01-03").load(first)
    assert (load.rows, load.summary_rows) == (3, 3)
    assert load.changed_days == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert StatsLoader(warehouse, "c1", "2026-01-01", "2026-01-03").load(first).changed_days == []
    StatsLoader(warehouse, "c2", "2026-01-01", "2026-01-03").load(tsv([("2026-01-01", 9, 1)], summary=1))
    # Day 2 restated: campaign 1 had 6 clicks, now 4; campaign 2 gained a row; day 3 row disappeared.
    again = tsv([("2026-01-02", 1, 4), ("2026-01-02", 2, 1)], summary=2, title="r (2026-01-02 - 2026-01-03)")
    restated = StatsLoader(warehouse, "c1", "2026-01-02", "2026-01-03").load(again)
    assert restated.changed_days == ["2026-01-02", "2026-01-03"]
    assert StatsLoader(warehouse, "c1", "2026-01-02", "2026-01-03").load(again).changed_days == []
    assert stats(warehouse) == [
        ("c1", 1, "2026-01-01", 5, 5_000_000, None),
        ("c1", 1, "2026-01-02", 4, 4_000_000, None),
        ("c1", 2, "2026-01-02", 1, 1_000_000, None),
        ("c2", 9, "2026-01-01", 1, 1_000_000, None),
    ]


def test_summary_mismatch_fails_and_keeps_the_old_partition(warehouse: DirectWarehouse) -> None:
    StatsLoader(warehouse, "c1", "2026-01-01", "2026-01-03").load(tsv([("2026-01-01", 1, 5)], summary=1))
    with pytest.raises(AsyncTaskProtocolError, match="summary says 5 rows but 1 arrived"):
        StatsLoader(warehouse, "c1", "2026-01-01", "2026-01-03").load(tsv([("2026-01-01", 1, 9)], summary=5))
    assert stats(warehouse) == [("c1", 1, "2026-01-01", 5, 5_000_000, None)]


def test_auto_period_comes_from_the_title(warehouse: DirectWarehouse) -> None:
    StatsLoader(warehouse, "c1", "2026-01-01", "2026-01-03").load(tsv([("2026-01-01", 1, 5), ("2026-01-03", 1, 5)]))
    load = StatsLoader(warehouse, "c1", None, None).load(
        tsv([("2026-01-03", 1, 2)], summary=1, title="r (2026-01-02 - 2026-01-03)")
    )
    assert (load.replaced_from, load.replaced_to) == ("2026-01-02", "2026-01-03")
    assert [r[2:4] for r in stats(warehouse)] == [("2026-01-01", 5), ("2026-01-03", 2)]


def test_rows_outside_the_period_are_refused(warehouse: DirectWarehouse) -> None:
    with pytest.raises(AsyncTaskProtocolError, match="outside"):
        StatsLoader(warehouse, "c1", "2026-01-01", "2026-01-01").load(tsv([("2026-01-05", 1, 5)]))


def test_restatements_covered_by_the_pull_are_settled(warehouse: DirectWarehouse) -> None:
    with warehouse.transaction() as tx:
        tx.record_restatements("c1", [(1, "2026-01-02"), (2, "2025-12-20"), (3, "2026-01-03")], T0)
    assert pending_restatements(warehouse, "c1") == {1: "2026-01-02", 2: "2025-12-20", 3: "2026-01-03"}
    load = StatsLoader(warehouse, "c1", "2026-01-01", "2026-01-03", done_campaigns=[1, 2]).load(
        tsv([("2026-01-02", 1, 5)], summary=1)
    )
    assert load.restatements_done == 1  # campaign 2's border is before the period; 3 was not asked for
    assert pending_restatements(warehouse, "c1") == {2: "2025-12-20", 3: "2026-01-03"}


# The real service wraps the title in double quotes (``"NAME (from - to)"``, as the clients that parse
# it show; https://yandex.com/dev/direct/doc/en/report-format names only "report name + dates").
QUOTED_TITLE = '"r (2026-01-01 - 2026-01-03)"'


def test_a_quoted_title_line_gives_the_period() -> None:
    items = list(parse_tsv(tsv([("2026-01-01", 1, 5)], summary=1, title=QUOTED_TITLE)))
    assert (items[0].date_from, items[0].date_to) == ("2026-01-01", "2026-01-03")  # type: ignore[union-attr]
    assert items[1]["Clicks"] == 5 and items[2] == 1  # type: ignore[index]


def test_a_report_without_a_date_column_is_read() -> None:
    """ACCOUNT_PERFORMANCE_REPORT with FieldNames Impressions, Clicks, Cost: one row, no Date column."""
    body = ["r (2026-01-01 - 2026-01-03)", "Impressions\tClicks\tCost", "35412\t1187\t31542800000", "Total rows: 1"]
    reader = TsvReader(body)
    assert list(reader) == [[35412, 1187, 31542800000]]
    assert reader.columns == ["Impressions", "Clicks", "Cost"] and reader.summary == 1
    assert reader.period is not None and reader.period.date_to == "2026-01-03"


def test_per_goal_columns_are_column_names() -> None:
    reader = TsvReader(["Date\tConversions_12345_LSC", "2026-01-01\t--"])
    assert list(reader) == [["2026-01-01", None]] and reader.columns == ["Date", "Conversions_12345_LSC"]


@pytest.mark.parametrize("first", ["2026-01-01\t1\t5", "35412\t1187\t31542800000", "DESKTOP\tSEARCH"])
def test_a_body_that_starts_with_data_is_never_success(first: str) -> None:
    """skipColumnHeader: true leaves the first line a data row; it must not pass for the column names."""
    with pytest.raises(AsyncTaskProtocolError, match="no column header"):
        list(TsvReader([QUOTED_TITLE, first, "Total rows: 1"]))


def test_a_statistics_load_needs_the_date_column(warehouse: DirectWarehouse) -> None:
    body = [QUOTED_TITLE, "CampaignId\tClicks", "1\t5", "Total rows: 1"]
    with pytest.raises(AsyncTaskProtocolError, match="Date is not in the report's fields"):
        StatsLoader(warehouse, "c1", "2026-01-01", "2026-01-03").load(body)


def test_each_table_settles_its_own_restatements(warehouse: DirectWarehouse) -> None:
    """A correction is pending per table until a load of that table covers its BorderDate; reported again,
    it is pending again (a later correction of the same day)."""
    import time

    from airflow_provider_direct.models.report_spec import ReportSpec
    from airflow_provider_direct.warehouse.report_loader import ReportLoader
    from airflow_provider_direct.warehouse.report_table import ReportTable
    from airflow_provider_direct.warehouse.store import utcnow

    with warehouse.transaction() as tx:
        tx.record_restatements("c1", [(1, "2026-01-02")], utcnow())
    time.sleep(0.01)
    geo = ReportTable("direct_test_geo", ReportSpec("CUSTOM_REPORT", ("Date", "CampaignId", "Device", "Clicks")))
    assert pending_restatements(warehouse, "c1", geo.table) == {1: "2026-01-02"}
    StatsLoader(warehouse, "c1", "2026-01-01", "2026-01-03").load(tsv([("2026-01-02", 1, 5)], summary=1))
    assert pending_restatements(warehouse, "c1") == {}
    assert pending_restatements(warehouse, "c1", "direct_campaign_stats") == {}
    assert pending_restatements(warehouse, "c1", geo.table) == {1: "2026-01-02"}, "the geo table has not reloaded"
    body = [
        '"r (2026-01-02 - 2026-01-02)"',
        "Date\tCampaignId\tDevice\tClicks",
        "2026-01-02\t1\tMOBILE\t5",
        "Total rows: 1",
    ]
    ReportLoader(warehouse, geo, "c1", None, None).load(body)
    assert pending_restatements(warehouse, "c1", geo.table) == {}
    time.sleep(0.01)
    with warehouse.transaction() as tx:  # the same BorderDate reported again: a new correction
        tx.record_restatements("c1", [(1, "2026-01-02")], utcnow())
    assert pending_restatements(warehouse, "c1") == {1: "2026-01-02"}
    assert pending_restatements(warehouse, "c1", geo.table) == {1: "2026-01-02"}
