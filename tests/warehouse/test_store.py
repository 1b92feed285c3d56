"""The warehouse layer on a real SQLite file, the real local PostgreSQL and ClickHouse's engine.

Tests of transactions and of the SQL engines' migrations take ``warehouse`` (SQLite and PostgreSQL);
the rest take ``any_warehouse``, on ClickHouse too.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from airflow_provider_direct.warehouse.account_tables import ACCOUNT_TABLES
from airflow_provider_direct.warehouse.schema import (
    AD_GROUPS,
    CAMPAIGNS,
    KEYWORDS,
    OBJECT_TABLES,
    SQLITE_TYPES,
    migrations,
    validate_identifier,
)
from airflow_provider_direct.warehouse.store import DirectWarehouse, SyncState

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
T1 = T0 + dt.timedelta(hours=1)


@pytest.fixture
def warehouse(warehouse_conn: tuple[str, str | None]) -> DirectWarehouse:
    conn_id, schema = warehouse_conn
    return DirectWarehouse.from_conn_id(conn_id, schema=schema)


@pytest.fixture
def any_warehouse(any_warehouse_conn: tuple[str, str | None]) -> DirectWarehouse:
    conn_id, schema = any_warehouse_conn
    return DirectWarehouse.from_conn_id(conn_id, schema=schema)


def keywords(n: int, group: int = 7, start: int = 1) -> list[dict[str, object]]:
    return [
        {"Id": i, "AdGroupId": group, "CampaignId": 3, "Keyword": f"kw {i}", "State": "ON", "Extra": {"a": i}}
        for i in range(start, start + n)
    ]


def test_migrate_is_idempotent(warehouse: DirectWarehouse) -> None:
    latest = max(version for version, _ in migrations(SQLITE_TYPES, str))
    assert (
        latest == 8
    )  # v3, v4: account services; v5: dictionaries; v6: ad targets, agency clients; v7: loads; v8: run units
    assert warehouse.migrate() == latest
    assert warehouse.migrate() == latest
    tables = [t.table for t in (*OBJECT_TABLES, *ACCOUNT_TABLES)]
    assert warehouse.counts() == {table: {"live": 0, "deleted": 0} for table in tables}


def test_a_version_7_run_log_gains_the_units_balance_columns(warehouse: DirectWarehouse) -> None:
    """Version 8 adds the units balance to a run log that already has runs, which keep their figures."""
    from airflow_provider_direct.warehouse.schema import RUN_UNITS_COLUMNS

    warehouse.migrate()
    d = warehouse.dialect
    with warehouse._connection() as conn:  # the run log as version 7 made it, with one run
        cur = conn.cursor()
        for column in RUN_UNITS_COLUMNS:
            cur.execute(f"ALTER TABLE {d.qualify('direct_sync_runs')} DROP COLUMN {column}")
        cur.execute(f"DELETE FROM {d.qualify('direct_schema_version')} WHERE version >= 8")
        conn.commit()
        assert not set(RUN_UNITS_COLUMNS) & d.column_names(conn.cursor(), "direct_sync_runs")
    old = {"client_login": "c1", "mode": "full", "status": "success", "started_at": T0, "finished_at": T1}
    old |= {"duration_seconds": 1.0, "upserted": {"t": 3}, "deleted": {}, "units_spent": 40}
    columns = ("client_login", "mode", "status", "started_at", "finished_at", "duration_seconds")
    row = (*(d.ts(old[c]) if c.endswith("_at") else old[c] for c in columns), 3, 0, 40)
    with warehouse._connection() as conn:
        d.insert(conn.cursor(), "direct_sync_runs", (*columns, "upserted", "deleted", "units_spent"), [row])
        conn.commit()
    warehouse._migrated = False
    assert warehouse.migrate() == 8
    assert warehouse.migrate() == 8  # the columns exist now: nothing to add twice
    with warehouse.transaction() as tx:
        tx.log_run({**old, "started_at": T1, "finished_at": T1, "units_rest": 900, "units_limit": 1000})
    rows = warehouse._fetch(
        f"SELECT units_spent, units_rest, units_limit FROM {d.qualify('direct_sync_runs')} ORDER BY started_at"
    )
    assert rows == [(40, None, None), (40, 900, 1000)]


def test_a_version_5_warehouse_gains_the_version_6_tables(warehouse: DirectWarehouse) -> None:
    """A warehouse made before version 6 keeps its rows and gets the three new tables on its next migrate."""
    warehouse.migrate()
    new = [t for t in ACCOUNT_TABLES if t.since == 6]
    assert {t.table for t in new} == {
        "direct_dynamic_text_ad_targets",
        "direct_smart_ad_targets",
        "direct_agency_clients",
    }
    with warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 1, "Name": "c", "State": "ON"}], T0)
    with warehouse._connection() as conn:  # back to version 5, as a warehouse of the previous release
        cur = conn.cursor()
        for name in [t.table for t in new] + ["direct_report_loads"]:  # and version 7's table
            cur.execute(f"DROP TABLE {warehouse.dialect.qualify(name)}")
        cur.execute(f"DELETE FROM {warehouse.dialect.qualify('direct_schema_version')} WHERE version >= 6")
        conn.commit()
    assert warehouse.migrate() == 8
    counts = warehouse.counts()
    assert counts["direct_campaigns"] == {"live": 1, "deleted": 0}
    assert all(counts[t.table] == {"live": 0, "deleted": 0} for t in new)


def test_upsert_keeps_whole_payload_and_typed_columns(any_warehouse: DirectWarehouse) -> None:
    with any_warehouse.transaction() as tx:
        assert tx.upsert_objects(KEYWORDS, "c1", keywords(5000), T0) == 5000
    with any_warehouse.transaction() as tx:
        changed = [{**k, "Keyword": "renamed"} for k in keywords(2, start=4999)]
        tx.upsert_objects(KEYWORDS, "c1", changed + keywords(1, start=9000), T1)
    objects = list(any_warehouse.live_objects(KEYWORDS, "c1"))
    assert len(objects) == 5001
    assert objects[0] == keywords(1)[0]
    assert [o["Keyword"] for o in objects[-3:]] == ["renamed", "renamed", "kw 9000"]
    table = any_warehouse.dialect.qualify("direct_keywords")
    rows = any_warehouse._fetch(
        f"SELECT client_login, id, campaign_id, ad_group_id, keyword, state FROM {table} WHERE id = 9000"
    )
    assert rows == [("c1", 9000, 3, 7, "kw 9000", "ON")]


def test_soft_delete_by_ids_parents_and_unseen(any_warehouse: DirectWarehouse) -> None:
    with any_warehouse.transaction() as tx:
        tx.upsert_objects(KEYWORDS, "c1", keywords(10, group=7) + keywords(10, group=8, start=100), T0)
        tx.upsert_objects(KEYWORDS, "c2", keywords(3, group=7), T0)
    with any_warehouse.transaction() as tx:
        assert tx.soft_delete(KEYWORDS, "c1", T1, ids=[1, 2, 2]) == 2
        assert tx.soft_delete(KEYWORDS, "c1", T1, ids=[1]) == 0  # already deleted: counted once
        # Group 8 re-read: only 100..104 still returned; the rest must go.
        tx.upsert_objects(KEYWORDS, "c1", keywords(5, group=8, start=100), T1)
        assert tx.soft_delete(KEYWORDS, "c1", T1, ad_group_ids=[8], unseen_since=T1) == 5
        assert tx.soft_delete(KEYWORDS, "c1", T1) == 0  # no selection never deletes everything
        assert tx.deleted["direct_keywords"] == 7
    assert any_warehouse.counts("c1")["direct_keywords"] == {"live": 13, "deleted": 7}
    assert any_warehouse.counts("c2")["direct_keywords"] == {"live": 3, "deleted": 0}
    # A deleted object that reappears is live again.
    with any_warehouse.transaction() as tx:
        tx.upsert_objects(KEYWORDS, "c1", keywords(1), T1)
    assert any_warehouse.counts("c1")["direct_keywords"] == {"live": 14, "deleted": 6}
    assert sorted(any_warehouse.live_ids(KEYWORDS, "c1", ad_group_ids=[8])) == list(range(100, 105))


def test_soft_delete_rejects_a_parent_the_table_lacks(any_warehouse: DirectWarehouse) -> None:
    with any_warehouse.transaction() as tx, pytest.raises(ValueError, match="no ad_group_id"):
        tx.soft_delete(AD_GROUPS, "c1", T1, ad_group_ids=[1])


def test_state_and_data_commit_together_or_not_at_all(warehouse: DirectWarehouse) -> None:
    with warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 1, "Name": "a"}], T0)
        tx.write_state(SyncState("c1", watermark="2026-01-01T00:00:00Z", last_full_snapshot_at=T0))
    with pytest.raises(RuntimeError), warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 2, "Name": "b"}], T1)
        tx.write_state(SyncState("c1", watermark="2026-01-01T01:00:00Z"))
        raise RuntimeError("crash between the write and the commit")
    state = warehouse.read_state("c1")
    assert state is not None
    assert state.watermark == "2026-01-01T00:00:00Z"
    assert state.last_full_snapshot_at == T0
    assert warehouse.live_ids(CAMPAIGNS, "c1") == [1]
    assert warehouse.read_state("nobody") is None


def test_snapshot_checkpoint_round_trip(any_warehouse: DirectWarehouse) -> None:
    with any_warehouse.transaction() as tx:
        tx.write_state(
            SyncState(
                "c1",
                snapshot_started_at=T0,
                snapshot_watermark="2026-01-01T00:00:00Z",
                snapshot_done_campaigns=[5, 6],
            )
        )
    state = any_warehouse.read_state("c1")
    assert state is not None
    assert state.watermark is None
    assert (state.snapshot_started_at, state.snapshot_done_campaigns) == (T0, [5, 6])


def test_restatements_and_run_log(any_warehouse: DirectWarehouse) -> None:
    with any_warehouse.transaction() as tx:
        assert tx.record_restatements("c1", [(14742, "2015-01-28"), (14742, "2015-01-28")], T0) == 2
        tx.log_run(
            {
                "client_login": "c1",
                "mode": "incremental",
                "status": "success",
                "started_at": T0,
                "finished_at": T1,
                "duration_seconds": 3600.0,
                "watermark_from": "a",
                "watermark_to": "b",
                "upserted": {"direct_campaigns": 2},
                "deleted": {"direct_ads": 1},
                "units_spent": 40,
            }
        )
    restatements = any_warehouse.dialect.source("direct_stat_restatements")
    rows = any_warehouse._fetch(f"SELECT campaign_id, done_at FROM {restatements}")
    assert [(r[0], r[1]) for r in rows] == [(14742, None)]
    runs = any_warehouse._fetch(
        f"SELECT mode, upserted, deleted, units_spent, details FROM {any_warehouse.dialect.qualify('direct_sync_runs')}"
    )
    mode, upserted, deleted, units, details = runs[0]
    assert (mode, upserted, deleted, units) == ("incremental", 2, 1, 40)
    details = details if isinstance(details, dict) else json.loads(details)
    assert details["upserted"] == {"direct_campaigns": 2}


@pytest.mark.parametrize("name", ["direct; DROP TABLE x", "1abc", "a-b", "", "x" * 64])
def test_identifiers_are_validated(name: str) -> None:
    with pytest.raises(ValueError, match="not a valid SQL identifier"):
        validate_identifier(name)
