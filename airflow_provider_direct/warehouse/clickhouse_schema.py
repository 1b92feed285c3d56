"""The warehouse tables in ClickHouse: versioned ``ReplacingMergeTree`` tables and their current-state views.

ClickHouse has no multi-statement transactions and no in-place ``UPDATE``. So every write of the
sync is an insert of whole rows carrying ``_version`` (the write time in microseconds, increasing):
an upsert is a row with a higher version, a soft delete is the same row again with ``deleted_at``
set. Background merges keep the highest version of each key; until they do, ``FINAL`` reads (and
the ``<table>_current`` views shipped here) see exactly that row. Inserting the same rows again
changes nothing a reader sees, which is what makes "data first, then the watermark" safe.
The statistics tables are plain ``MergeTree`` tables partitioned by login and month instead: their
loads swap whole partitions (``clickhouse_days``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from airflow_provider_direct.warehouse.account_tables import ACCOUNT_TABLES
from airflow_provider_direct.warehouse.schema import (
    AD_STATS,
    CAMPAIGN_STATS,
    OBJECT_TABLES,
    REPORT_LOADS,
    RUN_UNITS_COLUMNS,
    STAT_RESTATEMENTS,
    SYNC_RUNS,
    SYNC_STATE,
    TABLE_STATE,
)

#: The row version column every replacing table carries (never part of the API data).
VERSION = "_version"
TS = "DateTime64(6, 'UTC')"
NULL_TS = f"Nullable({TS})"
KINDS = {"text": "String", "bigint": "Int64", "double": "Float64"}
#: The schema version the ClickHouse tables below correspond to (the SQL engines' migrations up to v8).
CLICKHOUSE_SCHEMA_VERSION = 8
#: Suffix of the view that shows each replacing table's current, live rows.
CURRENT_VIEW_SUFFIX = "_current"
#: How statistics tables are partitioned: a login's month is one partition, so a load of some days of one
#: login swaps whole partitions that no other login's load touches (``clickhouse_days``).
STATS_PARTITION = "(client_login, toYYYYMM(date))"


def _nullable(sql_type: str) -> str:
    return f"Nullable({sql_type})"


def replacing_table(
    qualify: Callable[[str], str], table: str, columns: Sequence[tuple[str, str]], key: Sequence[str]
) -> str:
    """``CREATE TABLE`` of a table whose rows are replaced by key, the highest ``_version`` winning."""
    body = ",\n".join(f"    {name} {sql_type}" for name, sql_type in (*columns, (VERSION, "UInt64")))
    return (
        f"CREATE TABLE IF NOT EXISTS {qualify(table)} (\n{body}\n) "
        f"ENGINE = ReplacingMergeTree({VERSION}) ORDER BY ({', '.join(key)})"
    )


def current_view(qualify: Callable[[str], str], table: str, soft_deletes: bool = True) -> str:
    """The view of a replacing table's current rows (live ones only where it has soft deletes)."""
    where = " WHERE deleted_at IS NULL" if soft_deletes else ""
    return (
        f"CREATE VIEW IF NOT EXISTS {qualify(table + CURRENT_VIEW_SUFFIX)} AS "
        f"SELECT * EXCEPT ({VERSION}) FROM {qualify(table)} FINAL{where}"
    )


def structure_tables() -> list[tuple[str, list[tuple[str, str]], tuple[str, ...]]]:
    """``(table, columns, key)`` of every object and account-service table (the structure sync)."""
    out: list[tuple[str, list[tuple[str, str]], tuple[str, ...]]] = []
    for t in OBJECT_TABLES:
        columns = [("client_login", "String"), ("id", "Int64")]
        columns += [(p, _nullable("Int64")) for p in t.parents]
        columns += [(name, _nullable("String")) for name in (t.label_column, "type", "state", "status")]
        columns += [("payload", "String"), ("synced_at", TS), ("deleted_at", NULL_TS)]
        out.append((t.table, columns, ("client_login", "id")))
    for s in ACCOUNT_TABLES:
        columns = [("client_login", "String"), (s.key.name, KINDS[s.key.kind])]
        columns += [(c.name, _nullable(KINDS[c.kind])) for c in s.columns]
        columns += [("payload", "String"), ("synced_at", TS), ("deleted_at", NULL_TS)]
        out.append((s.table, columns, s.key_columns))
    return out


def clickhouse_ddl(qualify: Callable[[str], str]) -> list[str]:
    """Every table and view of the ClickHouse warehouse, idempotent (``IF NOT EXISTS``)."""
    ddl: list[str] = []
    for table, columns, key in structure_tables():
        ddl.append(replacing_table(qualify, table, columns, key))
        ddl.append(current_view(qualify, table))
    state = [
        ("client_login", "String"),
        ("watermark", _nullable("String")),
        ("last_full_snapshot_at", NULL_TS),
        ("last_reconcile_at", NULL_TS),
        ("snapshot_started_at", NULL_TS),
        ("snapshot_watermark", _nullable("String")),
        ("snapshot_done_campaigns", _nullable("String")),
        ("updated_at", TS),
    ]
    ddl.append(replacing_table(qualify, SYNC_STATE, state, ("client_login",)))
    ddl.append(current_view(qualify, SYNC_STATE, soft_deletes=False))
    table_state = [
        ("client_login", "String"),
        ("table_name", "String"),
        ("refreshed_at", NULL_TS),
        ("checked_at", NULL_TS),
        ("cursor", _nullable("String")),
        ("details", _nullable("String")),
    ]
    ddl.append(replacing_table(qualify, TABLE_STATE, table_state, ("client_login", "table_name")))
    ddl.append(current_view(qualify, TABLE_STATE, soft_deletes=False))
    restatements = [
        ("client_login", "String"),
        ("campaign_id", "Int64"),
        ("border_date", "Date"),
        ("detected_at", TS),
        ("done_at", NULL_TS),
    ]
    ddl.append(
        replacing_table(qualify, STAT_RESTATEMENTS, restatements, ("client_login", "campaign_id", "border_date"))
    )
    ddl.append(current_view(qualify, STAT_RESTATEMENTS, soft_deletes=False))
    for table, stat_key in ((CAMPAIGN_STATS, "campaign_id"), (AD_STATS, "ad_id")):
        parent = "    campaign_id Nullable(Int64),\n" if stat_key == "ad_id" else ""
        ddl.append(
            f"CREATE TABLE IF NOT EXISTS {qualify(table)} (\n"
            f"    client_login String,\n"
            f"    {stat_key} Int64,\n"
            f"{parent}"
            f"    date Date,\n"
            f"    impressions Nullable(Int64),\n"
            f"    clicks Nullable(Int64),\n"
            f"    cost Nullable(Int64),\n"
            f"    conversions Nullable(Int64),\n"
            f"    payload String,\n"
            f"    loaded_at {TS}\n"
            f") ENGINE = MergeTree PARTITION BY {STATS_PARTITION} ORDER BY (client_login, {stat_key}, date)"
        )
    ddl.append(
        f"CREATE TABLE IF NOT EXISTS {qualify(REPORT_LOADS)} (client_login String, table_name String, "
        f"date_from Date, date_to Date, loaded_at {TS}) ENGINE = MergeTree ORDER BY (client_login, table_name)"
    )
    # The run log only grows: a plain MergeTree, its id the insert time in microseconds.
    ddl.append(
        f"CREATE TABLE IF NOT EXISTS {qualify(SYNC_RUNS)} (\n"
        f"    run_id UInt64 DEFAULT toUnixTimestamp64Micro(now64(6)),\n"
        f"    client_login String,\n"
        f"    mode String,\n"
        f"    status String,\n"
        f"    started_at {TS},\n"
        f"    finished_at {TS},\n"
        f"    duration_seconds Float64,\n"
        f"    watermark_from Nullable(String),\n"
        f"    watermark_to Nullable(String),\n"
        f"    upserted Int64,\n"
        f"    deleted Int64,\n"
        f"    units_spent Int64,\n"
        f"    details Nullable(String)\n"
        f") ENGINE = MergeTree PARTITION BY toYYYYMM(started_at) ORDER BY (client_login, started_at)"
    )
    # v8's columns: added, not declared above, so a version 7 run log gains them too.
    ddl.extend(
        f"ALTER TABLE {qualify(SYNC_RUNS)} ADD COLUMN IF NOT EXISTS {column} Nullable(Int64)"
        for column in RUN_UNITS_COLUMNS
    )
    return ddl
