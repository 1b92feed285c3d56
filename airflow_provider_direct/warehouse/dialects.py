"""What differs between the SQL engines the warehouse supports: types, parameters, the bulk upsert path.

SQLite takes ``executemany`` of ``INSERT ... ON CONFLICT DO UPDATE``. PostgreSQL takes the bulk path:
``COPY`` into a transaction-scoped temp table, then one ``INSERT ... SELECT ... ON CONFLICT`` merge.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from airflow_provider_direct.warehouse.schema import POSTGRES_TYPES, SQLITE_TYPES, Types, validate_identifier


class Dialect:
    """Base: parameter style, type names and the portable upsert."""

    name = "generic"
    types: Types = SQLITE_TYPES
    param = "?"

    def __init__(self, schema: str | None = None) -> None:
        self.schema = validate_identifier(schema) if schema else None

    def qualify(self, table: str) -> str:
        validate_identifier(table)
        return f"{self.schema}.{table}" if self.schema else table

    def ts(self, value: dt.datetime | None) -> Any:
        return value

    def json_param(self) -> str:
        return self.param

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


def dialect_for(hook: Any, schema: str | None = None) -> Dialect:
    """Pick the dialect of a common.sql ``DbApiHook`` by its connection type."""
    conn_type = getattr(hook, "conn_type", None) or getattr(hook, "dialect_name", "")
    if conn_type == "sqlite":
        if schema:
            raise ValueError("SQLite has no schemas; leave schema unset for a SQLite warehouse")
        return SqliteDialect()
    if conn_type in ("postgres", "postgresql"):
        return PostgresDialect(schema)
    raise ValueError(f"Unsupported warehouse connection type {conn_type!r}: use sqlite or postgres")
