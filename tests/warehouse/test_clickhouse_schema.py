"""The ClickHouse warehouse on ClickHouse's own engine: versioned tables, views, and "data first, then the watermark".

The engine runs in-process (clickhouse-connect's ``chdb`` interface, see ``tests/conftest.py``); the
connection is a ``clickhouse`` Airflow connection read by the official provider's ``ClickHouseHook``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from airflow.providers.clickhousedb.hooks.clickhouse import ClickHouseHook

from airflow_provider_direct.warehouse.account_tables import ACCOUNT_TABLES
from airflow_provider_direct.warehouse.clickhouse_schema import CLICKHOUSE_SCHEMA_VERSION, VERSION
from airflow_provider_direct.warehouse.dialects import ClickHouseDialect, dialect_for
from airflow_provider_direct.warehouse.schema import CAMPAIGNS, KEYWORDS, OBJECT_TABLES, SYNC_RUNS
from airflow_provider_direct.warehouse.store import DirectWarehouse, SyncState

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
MICRO = dt.timedelta(microseconds=1)


@pytest.fixture
def warehouse(clickhouse_conn: tuple[str, str]) -> DirectWarehouse:
    conn_id, database = clickhouse_conn
    return DirectWarehouse.from_conn_id(conn_id, schema=database)


def client(warehouse: DirectWarehouse) -> Any:
    with warehouse._connection() as conn:
        return ClickHouseDialect.client(conn.cursor())


def keywords(ids: range, keyword: str = "kw") -> list[dict[str, Any]]:
    return [{"Id": i, "AdGroupId": 7, "CampaignId": 3, "Keyword": f"{keyword} {i}", "State": "ON"} for i in ids]


def test_a_clickhouse_connection_picks_the_clickhouse_dialect(clickhouse_conn: tuple[str, str]) -> None:
    dialect = dialect_for(ClickHouseHook(clickhouse_conn_id=clickhouse_conn[0]), "analytics")
    assert isinstance(dialect, ClickHouseDialect)
    assert dialect.qualify("direct_ads") == "analytics.direct_ads"
    assert dialect.source("direct_ads") == "analytics.direct_ads FINAL"
    with pytest.raises(ValueError, match="use sqlite, postgres or clickhouse"):
        dialect_for(type("H", (), {"conn_type": "oracle"})())


def test_tables_are_versioned_and_every_one_has_its_current_view(warehouse: DirectWarehouse) -> None:
    assert warehouse.migrate() == CLICKHOUSE_SCHEMA_VERSION
    assert warehouse.migrate() == CLICKHOUSE_SCHEMA_VERSION  # idempotent
    engines = dict(
        client(warehouse)
        .query(
            "SELECT name, engine FROM system.tables WHERE database = {db:String}",
            parameters={"db": warehouse.dialect.schema},
        )
        .result_rows
    )
    for table in [t.table for t in OBJECT_TABLES] + [t.table for t in ACCOUNT_TABLES]:
        assert engines[table] == "ReplacingMergeTree", table
        assert engines[f"{table}_current"] == "View", table
    assert engines["direct_sync_state"] == "ReplacingMergeTree"
    assert engines[SYNC_RUNS] == "MergeTree"  # the run log only grows


def test_a_soft_delete_is_a_new_version_of_the_row(warehouse: DirectWarehouse) -> None:
    with warehouse.transaction() as tx:
        tx.upsert_objects(KEYWORDS, "c1", keywords(range(1, 4)), T0)
    with warehouse.transaction() as tx:
        assert tx.soft_delete(KEYWORDS, "c1", T0 + MICRO, ids=[2]) == 1
        assert tx.soft_delete(KEYWORDS, "c1", T0 + MICRO, ids=[2]) == 0  # already deleted
    db = warehouse.dialect.schema
    raw = client(warehouse).query(f"SELECT id, deleted_at, {VERSION} FROM {db}.direct_keywords ORDER BY id, {VERSION}")
    rows = raw.result_rows
    assert [r[0] for r in rows] == [1, 2, 2, 3]  # the old version stays until a merge
    assert rows[1][2] < rows[2][2] and rows[1][1] is None and rows[2][1] is not None
    current = client(warehouse).query(f"SELECT id FROM {db}.direct_keywords_current ORDER BY id").result_rows
    assert current == [(1,), (3,)]
    assert warehouse.counts("c1")["direct_keywords"] == {"live": 2, "deleted": 1}


def test_the_same_rows_again_change_nothing_a_reader_sees(warehouse: DirectWarehouse) -> None:
    """What a re-run after a crash does: the same rows again, with the same or a newer version."""
    warehouse.migrate()
    table = KEYWORDS
    rows = [table.row("c1", o, "{}", warehouse.dialect.ts(T0)) for o in keywords(range(1, 4))]
    with warehouse.transaction() as tx:
        for _ in range(2):  # the same version twice
            warehouse.dialect.insert(tx.cursor, table.table, [*table.columns, VERSION], [(*r, 5) for r in rows])
        warehouse.dialect.upsert(tx.cursor, table.table, table.columns, ("client_login", "id"), rows)  # newer
    view = f"{warehouse.dialect.schema}.direct_keywords_current"
    before = client(warehouse).query(f"SELECT * FROM {view} ORDER BY id").result_rows
    assert [r[1] for r in before] == [1, 2, 3]
    client(warehouse).command(f"OPTIMIZE TABLE {warehouse.dialect.qualify(table.table)} FINAL")
    assert client(warehouse).query(f"SELECT * FROM {view} ORDER BY id").result_rows == before
    raw = client(warehouse).query(f"SELECT count() FROM {warehouse.dialect.qualify(table.table)}")
    assert raw.result_rows == [(3,)]  # merged down to one row per key


def test_data_lands_before_the_watermark_and_a_crash_between_loses_nothing(warehouse: DirectWarehouse) -> None:
    with warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 1, "Name": "a"}], T0)
        tx.write_state(SyncState("c1", watermark="w1"))
    with pytest.raises(RuntimeError), warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 1, "Name": "renamed"}, {"Id": 2, "Name": "b"}], T0 + MICRO)
        raise RuntimeError("killed before the watermark")
    # No rollback here: the data is in, the watermark is the old one, so the next run reads it again.
    state = warehouse.read_state("c1")
    assert state is not None and state.watermark == "w1"
    assert sorted(warehouse.live_ids(CAMPAIGNS, "c1")) == [1, 2]
    with warehouse.transaction() as tx:  # the re-run applies the same changes, then moves the watermark
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 1, "Name": "renamed"}, {"Id": 2, "Name": "b"}], T0 + 2 * MICRO)
        tx.write_state(SyncState("c1", watermark="w2"))
    state = warehouse.read_state("c1")
    assert state is not None and state.watermark == "w2"
    assert [o["Name"] for o in warehouse.live_objects(CAMPAIGNS, "c1")] == ["renamed", "b"]


def test_times_keep_their_microseconds(warehouse: DirectWarehouse) -> None:
    """``unseen_since`` tells rows written a microsecond apart (DateTime64(6), not seconds)."""
    with warehouse.transaction() as tx:
        tx.upsert_objects(KEYWORDS, "c1", keywords(range(1, 3)), T0)
        tx.upsert_objects(KEYWORDS, "c1", keywords(range(2, 3)), T0 + MICRO)
        assert tx.soft_delete(KEYWORDS, "c1", T0 + MICRO, ad_group_ids=[7], unseen_since=T0 + MICRO) == 1
    assert warehouse.live_ids(KEYWORDS, "c1") == [2]
    assert warehouse.synced_ids(KEYWORDS, "c1", T0 + MICRO) == [2]
    state = SyncState("c1", snapshot_started_at=T0 + MICRO, snapshot_done_campaigns=[1])
    with warehouse.transaction() as tx:
        tx.write_state(state)
    read = warehouse.read_state("c1")
    assert read is not None and read.snapshot_started_at == T0 + MICRO


def test_the_readme_queries_run_on_the_views(warehouse: DirectWarehouse) -> None:
    with warehouse.transaction() as tx:
        tx.upsert_objects(KEYWORDS, "c1", keywords(range(1, 5)), T0)
        tx.soft_delete(KEYWORDS, "c1", T0 + MICRO, ids=[4])
        tx.write_state(SyncState("c1", watermark="2026-01-01T00:00:00Z"))
    db = warehouse.dialect.schema
    live = client(warehouse).query(
        f"SELECT campaign_id, count() AS keywords FROM {db}.direct_keywords_current "
        f"WHERE client_login = 'c1' GROUP BY campaign_id"
    )
    assert live.result_rows == [(3, 3)]
    history = client(warehouse).query(
        f"SELECT id, argMax(deleted_at, _version) IS NOT NULL AS deleted FROM {db}.direct_keywords "
        f"GROUP BY client_login, id ORDER BY id"
    )
    assert history.result_rows == [(1, False), (2, False), (3, False), (4, True)]
    state = client(warehouse).query(f"SELECT client_login, watermark FROM {db}.direct_sync_state_current")
    assert state.result_rows == [("c1", "2026-01-01T00:00:00Z")]


def test_the_shared_reports_limits_refuse_clickhouse_before_any_call(warehouse: DirectWarehouse) -> None:
    """They take a lock per login, which ClickHouse has not."""
    from airflow_provider_direct.warehouse.reports_limits import ReportsLimits

    with pytest.raises(ValueError, match="cannot be kept in a clickhouse warehouse"):
        ReportsLimits(warehouse)
