"""What differs between the SQL engines the warehouse supports: types, parameters, the bulk upsert path.

SQLite takes ``executemany`` of ``INSERT ... ON CONFLICT DO UPDATE``. PostgreSQL takes the bulk path:
``COPY`` into a transaction-scoped temp table, then one ``INSERT ... SELECT ... ON CONFLICT`` merge.
ClickHouse has neither transactions nor updates: every write is a native columnar insert of whole,
versioned rows (``clickhouse_schema``), and reads of current state go through ``FINAL``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from airflow_provider_direct.warehouse.clickhouse_schema import (
    CLICKHOUSE_SCHEMA_VERSION,
    NULL_TS,
    STATS_PARTITION,
    TS,
    VERSION,
    clickhouse_ddl,
)
from airflow_provider_direct.warehouse.schema import (
    POSTGRES_TYPES,
    SQLITE_TYPES,
    SYNC_RUNS,
    SYNC_STATE,
    Step,
    Types,
    migrations,
    validate_identifier,
)


class Dialect:
    """Base: parameter style, type names and the portable upsert."""

    name = "generic"
    types: Types = SQLITE_TYPES
    param = "?"
    #: Whether a block of writes commits or rolls back as one.
    transactional = True
    #: Whether a warehouse may keep one connection per thread (no transaction state to isolate).
    keeps_connections = False

    def __init__(self, schema: str | None = None) -> None:
        self.schema = validate_identifier(schema) if schema else None

    def qualify(self, table: str) -> str:
        validate_identifier(table)
        return f"{self.schema}.{table}" if self.schema else table

    def source(self, table: str, alias: str | None = None) -> str:
        """A table as reads name it (with an optional alias): where rows are versioned, its current rows."""
        return f"{self.qualify(table)} {alias}" if alias else self.qualify(table)

    def ts(self, value: dt.datetime | None) -> Any:
        return value

    def json_param(self) -> str:
        return self.param

    def date(self, value: str) -> Any:
        """An ISO date as this engine's driver takes it for a DATE column."""
        return value

    def create_schema_ddl(self) -> str | None:
        return f"CREATE SCHEMA IF NOT EXISTS {self.schema}" if self.schema else None

    def version_table_ddl(self, table: str) -> str:
        return (
            f"CREATE TABLE IF NOT EXISTS {self.qualify(table)} "
            f"(version INTEGER PRIMARY KEY, applied_at {self.types.ts} NOT NULL)"
        )

    def schema_migrations(self) -> list[tuple[int, list[Step]]]:
        """Ordered ``(version, statements)`` that create and upgrade the tables on this engine."""
        return migrations(self.types, self.qualify)

    def report_type(self, kind: str) -> str:
        """The column type of a report field kind (``report_table``'s kinds)."""
        return {
            "date": "DATE",
            "int": self.types.bigint,
            "micros": self.types.bigint,
            "float": "DOUBLE PRECISION",
            "enum": "TEXT",
            "text": "TEXT",
        }[kind]

    def report_table_ddl(self, table: str, columns: Sequence[tuple[str, str]]) -> list[str]:
        """A typed report table: the login, ``(name, kind)`` columns (``date`` among them), the load time."""
        typed = "".join(f"    {name} {self.report_type(kind)},\n" for name, kind in columns)
        return [
            f"CREATE TABLE IF NOT EXISTS {self.qualify(table)} (\n"
            f"    client_login TEXT NOT NULL,\n"
            f"{typed}"
            f"    loaded_at {self.types.ts} NOT NULL\n"
            f")",
            f"CREATE INDEX IF NOT EXISTS {table}_day_idx ON {self.qualify(table)} (client_login, date)",
        ]

    def result_table_ddl(self, table: str) -> str:
        """An async-task result table: one JSON row per result row, keyed by task and row number."""
        t = self.types
        return (
            f"CREATE TABLE IF NOT EXISTS {self.qualify(table)} (task_key TEXT NOT NULL, row_no {t.bigint} NOT NULL, "
            f"payload {t.json} NOT NULL, loaded_at {t.ts} NOT NULL, PRIMARY KEY (task_key, row_no))"
        )

    def begin(self, conn: Any) -> None:
        """Start an explicit transaction (the DB-API default already is one for most drivers)."""

    def lock_ddl(self, cursor: Any) -> None:
        """Serialise schema changes of concurrent tasks until this transaction ends (no-op by default)."""

    def lock_key(self, cursor: Any, key: str) -> None:
        """Serialise transactions about one key (a login) until this one ends; SQLite's write lock already does."""

    def column_names(self, cursor: Any, table: str) -> set[str]:
        """The columns a table has now (an empty query's description: the same on every engine)."""
        cursor.execute(f"SELECT * FROM {self.qualify(table)} WHERE 1 = 0")
        return {d[0] for d in cursor.description}

    def upsert(
        self,
        cursor: Any,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        rows: Sequence[Sequence[Any]],
        json_columns: Sequence[str] = (),
    ) -> None:
        """Insert or update ``rows``; an upserted row is live again (``deleted_at`` from the row)."""
        values = ", ".join(self.json_param() if c in json_columns else self.param for c in columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
        sql = (
            f"INSERT INTO {self.qualify(table)} ({', '.join(columns)}) VALUES ({values}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
        )
        cursor.executemany(sql, rows)

    def insert(
        self,
        cursor: Any,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        json_columns: Sequence[str] = (),
    ) -> None:
        """Plain bulk insert (the caller cleared the target rows in this transaction; a duplicate key fails)."""
        values = ", ".join(self.json_param() if c in json_columns else self.param for c in columns)
        cursor.executemany(f"INSERT INTO {self.qualify(table)} ({', '.join(columns)}) VALUES ({values})", rows)

    def set_where(self, cursor: Any, table: str, column: str, value: Any, where: str, params: Sequence[Any]) -> int:
        """Set one time column (``deleted_at``, ``done_at``) on the rows ``where`` selects; returns how many."""
        sql = f"UPDATE {self.qualify(table)} SET {column} = {self.param} WHERE {where}"
        cursor.execute(sql, [value, *params])
        return max(cursor.rowcount, 0)

    def day(self, column: str) -> str:
        """The UTC calendar day (``YYYY-MM-DD`` text) of a time column, for grouping by day."""
        return f"substr({column}, 1, 10)"  # SQLite keeps times as ISO-8601 UTC text

    def latest_runs(self, columns: Sequence[str]) -> str:
        """``client_login, *columns`` of each login's latest run.

        One index probe per login known to the sync state, so the cost follows the logins, not the
        run log's size (a ``GROUP BY`` would read the whole log).
        """
        runs = self.qualify(SYNC_RUNS)
        picked = ", ".join(f"r.{c}" for c in columns)
        return (
            f"SELECT s.client_login, {picked} FROM {self.source(SYNC_STATE, 's')} "
            f"LEFT JOIN {runs} r ON r.run_id = (SELECT r2.run_id FROM {runs} r2 "
            f"WHERE r2.client_login = s.client_login ORDER BY r2.started_at DESC, r2.run_id DESC LIMIT 1)"
        )

    def stream(self, cursor: Any, sql: str, params: Sequence[Any], size: int = 5000) -> Iterator[Sequence[Any]]:
        """Rows of a query in batches of ``size``, never all of them at once."""
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield from rows


class SqliteDialect(Dialect):
    name = "sqlite"
    types = SQLITE_TYPES

    def ts(self, value: dt.datetime | None) -> Any:
        # ISO-8601 UTC text sorts and compares correctly, and needs no adapter (deprecated in 3.12).
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None

    def begin(self, conn: Any) -> None:
        conn.isolation_level = None  # we issue BEGIN/COMMIT ourselves: one explicit transaction
        conn.execute("BEGIN IMMEDIATE")


class PostgresDialect(Dialect):
    name = "postgres"
    types = POSTGRES_TYPES
    param = "%s"

    def json_param(self) -> str:
        return "%s::jsonb"

    def lock_ddl(self, cursor: Any) -> None:
        # Concurrent CREATE ... IF NOT EXISTS of one name can fail on the catalog's unique indexes.
        cursor.execute("SELECT pg_advisory_xact_lock(4242001)")

    def lock_key(self, cursor: Any, key: str) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))

    def day(self, column: str) -> str:
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

    def _copy(self, cursor: Any, target: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        copy_sql = f"COPY {target} ({', '.join(columns)}) FROM STDIN"
        if hasattr(cursor, "copy"):  # psycopg 3
            with cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:  # psycopg2
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            for row in rows:
                writer.writerow(["\\N" if v is None else v for v in row])
            buffer.seek(0)
            cursor.copy_expert(f"{copy_sql} WITH (FORMAT csv, NULL '\\N')", buffer)

    def insert(
        self,
        cursor: Any,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        json_columns: Sequence[str] = (),
    ) -> None:
        self._copy(cursor, self.qualify(table), columns, rows)

    def upsert(
        self,
        cursor: Any,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        rows: Sequence[Sequence[Any]],
        json_columns: Sequence[str] = (),
    ) -> None:
        if len(rows) < 64:
            super().upsert(cursor, table, columns, key, rows, json_columns)
            return
        stage = validate_identifier(f"_stage_{table}")
        target = self.qualify(table)
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {target} INCLUDING DEFAULTS) ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {stage}")
        self._copy(cursor, stage, columns, rows)
        column_list = ", ".join(columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
        cursor.execute(
            f"INSERT INTO {target} ({column_list}) SELECT {column_list} FROM {stage} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
        )


class _Versions:
    """Row versions: the write time in microseconds, strictly increasing within the process."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns() // 1000)
            return self._last


class ClickHouseDialect(Dialect):
    """ClickHouse through the official provider's ``ClickHouseHook`` (clickhouse-connect).

    ``schema`` is the ClickHouse database (created if missing); unset, the connection's database.
    Writes go through the client's native columnar insert; nothing here needs a transaction.
    """

    name = "clickhouse"
    types = Types(json="String", ts=TS, bigint="Int64", serial_pk="UInt64")
    param = "%s"
    transactional = False
    keeps_connections = True
    versions = _Versions()

    def __init__(self, schema: str | None = None) -> None:
        super().__init__(schema)
        self._columns: dict[str, list[str]] = {}
        self._insert_contexts: dict[tuple[int, str, tuple[str, ...]], Any] = {}

    def source(self, table: str, alias: str | None = None) -> str:
        return f"{self.qualify(table)} AS {alias} FINAL" if alias else f"{self.qualify(table)} FINAL"

    def ts(self, value: dt.datetime | None) -> Any:
        # Microseconds kept: both a query parameter and a native insert into DateTime64(6) take this text.
        if value is None:
            return None
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")

    def date(self, value: str) -> Any:
        return dt.date.fromisoformat(value)

    def create_schema_ddl(self) -> str | None:
        return f"CREATE DATABASE IF NOT EXISTS {self.schema}" if self.schema else None

    def version_table_ddl(self, table: str) -> str:
        return (
            f"CREATE TABLE IF NOT EXISTS {self.qualify(table)} (version UInt32, applied_at {TS}) "
            f"ENGINE = ReplacingMergeTree ORDER BY version"
        )

    def schema_migrations(self) -> list[tuple[int, list[Step]]]:
        return [(CLICKHOUSE_SCHEMA_VERSION, list[Step](clickhouse_ddl(self.qualify)))]

    def report_type(self, kind: str) -> str:
        if kind == "date":
            return "Date"  # part of the partition key: never NULL
        return "Nullable({})".format({"int": "Int64", "micros": "Int64", "float": "Float64"}.get(kind, "String"))

    def report_table_ddl(self, table: str, columns: Sequence[tuple[str, str]]) -> list[str]:
        # Partitioned like the statistics tables: a load swaps the login's months (clickhouse_days).
        typed = "".join(f"    {name} {self.report_type(kind)},\n" for name, kind in columns)
        return [
            f"CREATE TABLE IF NOT EXISTS {self.qualify(table)} (\n"
            f"    client_login String,\n"
            f"{typed}"
            f"    loaded_at {TS}\n"
            f") ENGINE = MergeTree PARTITION BY {STATS_PARTITION} ORDER BY (client_login, date)"
        ]

    def column_names(self, cursor: Any, table: str) -> set[str]:
        self._columns.pop(table, None)  # asked because the table may have changed
        return set(self.table_columns(cursor, table))

    def result_table_ddl(self, table: str) -> str:
        # A partition per task: a re-run's rows replace the old ones in one REPLACE PARTITION.
        return (
            f"CREATE TABLE IF NOT EXISTS {self.qualify(table)} (task_key String, row_no Int64, payload String, "
            f"loaded_at {TS}) ENGINE = MergeTree PARTITION BY task_key ORDER BY row_no"
        )

    def replace_partition(self, cursor: Any, table: str, stage: str, partition: Any, *, empty: bool) -> None:
        """Swap one partition of ``table`` for the same partition of ``stage``, atomically.

        An empty stage has no such partition to swap in, so the old rows are dropped instead.
        """
        client = self.client(cursor)
        if empty:
            client.command(f"ALTER TABLE {self.qualify(table)} DROP PARTITION %s", parameters=[partition])
        else:
            client.command(
                f"ALTER TABLE {self.qualify(table)} REPLACE PARTITION %s FROM {self.qualify(stage)}",
                parameters=[partition],
            )

    @staticmethod
    def client(cursor: Any) -> Any:
        """The clickhouse-connect client behind the provider's DB-API cursor."""
        return cursor.client

    def insert(
        self,
        cursor: Any,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        json_columns: Sequence[str] = (),
    ) -> None:
        if not rows:
            return
        client = self.client(cursor)
        # One insert context per client and table, as the provider's bulk_insert_rows keeps one: no DESCRIBE per
        # batch. Its data is released after each insert (a fresh context per insert sits in a reference cycle
        # and keeps its rows until the cyclic GC runs).
        key = (id(client), table, tuple(columns))
        context = self._insert_contexts.get(key)
        if context is None:
            context = client.create_insert_context(self.qualify(table), column_names=list(columns))
            self._insert_contexts[key] = context
        dates = [i for i, t in enumerate(context.column_types) if t.base_type == "Date"]
        if dates:  # ISO text (what reports and the SQL engines use) into Date columns
            rows = [_iso_dates(row, dates) for row in rows]
        try:
            client.insert(data=rows, context=context)
        finally:
            context.data = None

    def forget(self, table: str) -> None:
        """Drop what is cached about a table that is gone (a staging table after its swap)."""
        self._columns.pop(table, None)
        for key in [k for k in self._insert_contexts if k[1] == table]:
            del self._insert_contexts[key]

    def upsert(
        self,
        cursor: Any,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        rows: Sequence[Sequence[Any]],
        json_columns: Sequence[str] = (),
    ) -> None:
        """Insert the rows with a new version: each replaces the current row of its key."""
        version = self.versions.next()
        self.insert(cursor, table, [*columns, VERSION], [(*row, version) for row in rows])

    def table_columns(self, cursor: Any, table: str) -> list[str]:
        if table not in self._columns:
            described = self.client(cursor).query(f"DESCRIBE TABLE {self.qualify(table)}").result_rows
            self._columns[table] = [row[0] for row in described]
        return self._columns[table]

    def set_where(self, cursor: Any, table: str, column: str, value: Any, where: str, params: Sequence[Any]) -> int:
        """Insert the selected current rows again with ``column`` set and a new version."""
        client = self.client(cursor)
        source = self.source(table)
        count = client.query(f"SELECT count() FROM {source} WHERE {where}", parameters=list(params)).result_rows[0][0]
        if not count:
            return 0
        columns = self.table_columns(cursor, table)
        version = self.versions.next()
        values = [
            f"CAST({self.param} AS {NULL_TS})" if c == column else str(version) if c == VERSION else c for c in columns
        ]
        client.command(
            f"INSERT INTO {self.qualify(table)} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {source} WHERE {where}",
            parameters=[value, *params],
        )
        return int(count)

    def day(self, column: str) -> str:
        return f"toString(toDate({column}, 'UTC'))"

    def latest_runs(self, columns: Sequence[str]) -> str:
        # A columnar scan of the run log's two sort-key columns is cheap here; correlated subqueries are not.
        picked = ", ".join(columns)
        return (
            f"SELECT client_login, {picked} FROM {self.qualify(SYNC_RUNS)} "
            f"ORDER BY client_login, started_at DESC, run_id DESC LIMIT 1 BY client_login"
        )

    def stream(self, cursor: Any, sql: str, params: Sequence[Any], size: int = 5000) -> Iterator[Sequence[Any]]:
        with self.client(cursor).query_rows_stream(sql, parameters=list(params)) as rows:
            yield from rows


def _iso_dates(row: Sequence[Any], positions: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in positions:
        if isinstance(values[i], str):
            values[i] = dt.date.fromisoformat(values[i])
    return tuple(values)


def dialect_for(hook: Any, schema: str | None = None) -> Dialect:
    """Pick the dialect of a common.sql ``DbApiHook`` by its connection type."""
    conn_type = getattr(hook, "conn_type", None) or getattr(hook, "dialect_name", "")
    if conn_type == "sqlite":
        if schema:
            raise ValueError("SQLite has no schemas; leave schema unset for a SQLite warehouse")
        return SqliteDialect()
    if conn_type in ("postgres", "postgresql"):
        return PostgresDialect(schema)
    if conn_type == "clickhouse":
        return ClickHouseDialect(schema)
    raise ValueError(f"Unsupported warehouse connection type {conn_type!r}: use sqlite, postgres or clickhouse")
