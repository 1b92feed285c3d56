"""The dashboard's SQL on real SQLite, PostgreSQL and ClickHouse's engine: each figure against known rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from airflow_provider_direct.warehouse.account_tables import ACCOUNT_TABLES
from airflow_provider_direct.warehouse.dashboard import DashboardReader
from airflow_provider_direct.warehouse.schema import CAMPAIGNS, KEYWORDS
from airflow_provider_direct.warehouse.store import DirectWarehouse, SyncState, TableState

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.timezone.utc)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def warehouse(any_warehouse_conn: tuple[str, str | None]) -> DirectWarehouse:
    conn_id, schema = any_warehouse_conn
    return DirectWarehouse.from_conn_id(conn_id, schema=schema)


def run(login: str, started: dt.datetime, units: int, rest: int | None, limit: int | None, **kw: Any) -> dict:
    return {
        "client_login": login,
        "mode": kw.get("mode", "incremental"),
        "status": "ok",
        "started_at": started,
        "finished_at": started + dt.timedelta(seconds=30),
        "duration_seconds": 30.0,
        "watermark_from": None,
        "watermark_to": None,
        "upserted": {"direct_campaigns": kw.get("upserted", 0)},
        "deleted": {"direct_keywords": kw.get("deleted", 0)},
        "units_spent": units,
        "units_rest": rest,
        "units_limit": limit,
    }


@pytest.fixture
def filled(warehouse: DirectWarehouse) -> DirectWarehouse:
    """Three logins: ``a`` ran three times over two days, ``b`` once 30 hours ago, ``c`` never logged a run."""
    with warehouse.transaction() as tx:
        for row in (
            run("a", NOW - 49 * HOUR, 500, 63_500, 64_000, mode="full", upserted=40),  # 2026-12-04 11:00
            run("a", NOW - 3 * HOUR, 30, 63_000, 64_000, upserted=2, deleted=1),
            run("a", NOW - 1 * HOUR, 20, 62_980, 64_000, deleted=3),
            run("b", NOW - 30 * HOUR, 70, 9_930, 10_000, upserted=5),  # 2026-12-05 06:00
        ):
            tx.log_run(row)
        tx.write_state(SyncState("a", watermark="2026-12-06T11:00:05Z"))
        tx.write_state(SyncState("b", watermark="2026-12-05T06:00:00Z"))
        tx.write_state(SyncState("c", watermark="2026-12-06T10:00:00Z"))
        tx.upsert_objects(CAMPAIGNS, "a", [{"Id": i, "Name": f"c{i}", "State": "ON"} for i in (1, 2, 3)], NOW - HOUR)
        tx.upsert_objects(KEYWORDS, "b", [{"Id": 9, "Keyword": "k", "CampaignId": 1, "AdGroupId": 2}], NOW - 2 * HOUR)
        tx.soft_delete(CAMPAIGNS, "a", NOW, ids=[3])
        service = ACCOUNT_TABLES[0].table
        tx.write_table_state(TableState("a", service, refreshed_at=NOW - 2 * HOUR, checked_at=NOW))
        tx.write_table_state(TableState("b", service, refreshed_at=NOW - 5 * HOUR, checked_at=NOW))
        tx.record_restatements("a", [(1, "2026-11-30"), (2, "2026-12-01")], NOW - 4 * HOUR)
        tx.record_restatements("b", [(7, "2026-12-02")], NOW - 2 * HOUR)
        tx.record_load("a", "direct_campaign_stats", "2026-11-01", "2026-12-05", NOW - 6 * HOUR)
        tx.record_load("a", "direct_campaign_stats", "2026-12-05", "2026-12-05", NOW - 1 * HOUR)
        tx.record_load("b", "direct_campaign_stats", "2026-12-01", "2026-12-05", NOW - 3 * HOUR)
    return warehouse


def test_logins_show_the_last_run_the_units_of_24_hours_and_the_lag(filled: DirectWarehouse) -> None:
    by_login = {s.client_login: s for s in DashboardReader(filled).logins(NOW)}
    assert sorted(by_login) == ["a", "b", "c"]
    a = by_login["a"]
    assert (a.last_run_units, a.last_run_upserted, a.last_run_deleted) == (20, 0, 3)
    assert (a.units_rest, a.units_limit, a.last_run_status, a.last_run_mode) == (62_980, 64_000, "ok", "incremental")
    assert a.last_run_finished_at == NOW - HOUR + dt.timedelta(seconds=30)
    assert (a.units_24h, a.runs_24h) == (50, 2)
    assert a.watermark_lag_seconds == 3600 - 5
    b = by_login["b"]
    assert (b.units_24h, b.runs_24h, b.last_run_units, b.units_limit) == (0, 0, 70, 10_000)
    assert b.watermark_lag_seconds == 30 * 3600
    c = by_login["c"]  # a state without a logged run: listed, with no run
    assert (c.last_run_status, c.units_24h, c.watermark) == (None, 0, "2026-12-06T10:00:00Z")


def test_units_per_day_of_one_login_against_its_limit(filled: DirectWarehouse) -> None:
    reader = DashboardReader(filled)
    since = dt.datetime(2026, 12, 4, tzinfo=dt.timezone.utc)
    assert [(d.day, d.units_spent, d.daily_limit, d.runs, d.changes) for d in reader.units_by_day("a", since)] == [
        ("2026-12-04", 500, 64_000, 1, 40),
        ("2026-12-06", 50, 64_000, 2, 6),
    ]
    assert [(d.day, d.units_spent, d.daily_limit) for d in reader.units_by_day("b", since)] == [
        ("2026-12-05", 70, 10_000)
    ]
    assert [(d.day, d.runs) for d in reader.units_by_day("a", NOW - dt.timedelta(days=1))] == [("2026-12-06", 2)]


def test_runs_of_one_login_oldest_first(filled: DirectWarehouse) -> None:
    runs = DashboardReader(filled).runs("a", limit=2)
    assert [(r.started_at, r.units_spent, r.upserted, r.deleted) for r in runs] == [
        (NOW - 3 * HOUR, 30, 2, 1),
        (NOW - HOUR, 20, 0, 3),
    ]
    assert runs[-1].units_rest == 62_980 and runs[-1].mode == "incremental"


def test_tables_count_rows_and_name_the_stalest_login(filled: DirectWarehouse) -> None:
    tables = {t.table: t for t in DashboardReader(filled).tables()}
    campaigns = tables["direct_campaigns"]
    assert (campaigns.kind, campaigns.live_rows, campaigns.deleted_rows) == ("objects", 2, 1)
    assert campaigns.last_write_at == NOW  # the soft delete rewrote the row
    assert (campaigns.stalest_login, campaigns.fresh_as_of) == (
        "b",
        dt.datetime(2026, 12, 5, 6, tzinfo=dt.timezone.utc),
    )
    assert (tables["direct_keywords"].live_rows, tables["direct_keywords"].last_write_at) == (1, NOW - 2 * HOUR)
    service = tables[ACCOUNT_TABLES[0].table]
    assert (service.kind, service.stalest_login, service.fresh_as_of) == ("service", "b", NOW - 5 * HOUR)
    assert tables[ACCOUNT_TABLES[1].table].fresh_as_of is None  # never refreshed
    stats = tables["direct_campaign_stats"]
    # Each login's latest load counts: a loaded an hour ago, b three hours ago, so b is the stalest.
    assert (stats.kind, stats.stalest_login, stats.fresh_as_of, stats.last_write_at) == (
        "statistics",
        "b",
        NOW - 3 * HOUR,
        NOW - HOUR,
    )
    assert tables["direct_ad_stats"].fresh_as_of is None


def test_pending_restatements_oldest_first(filled: DirectWarehouse) -> None:
    reader = DashboardReader(filled)
    pending = reader.restatements(limit=2)
    assert (pending.pending, pending.logins) == (3, 2)
    assert [(r.client_login, r.campaign_id, r.border_date) for r in pending.oldest] == [
        ("a", 1, "2026-11-30"),
        ("a", 2, "2026-12-01"),
    ]
    d = filled.dialect
    with filled.transaction() as tx:  # a load settles a's first campaign, as the statistics loader does
        d.set_where(tx.cursor, "direct_stat_restatements", "done_at", d.ts(NOW), f"campaign_id = {d.param}", [1])
    pending = reader.restatements()
    assert (pending.pending, pending.logins) == (2, 2)
    assert [(r.client_login, r.campaign_id, r.detected_at) for r in pending.oldest] == [
        ("a", 2, NOW - 4 * HOUR),
        ("b", 7, NOW - 2 * HOUR),
    ]
