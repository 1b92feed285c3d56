"""The Direct warehouse over any common.sql ``DbApiHook`` (SQLite embedded, PostgreSQL or ClickHouse for real).

All writes of one sync go through one :class:`WarehouseTransaction`, and the watermark is written
in that same transaction: a crash leaves either the old watermark (with old or partial but
idempotent data) or the new watermark with all the data, never the new watermark without it.
ClickHouse has no such transaction: there each write lands at once, the sync writes the watermark
last, and every write is a repeatable insert of versioned rows (``clickhouse_schema``), so a crash
leaves the old watermark with partial data that the next run writes again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow.sdk import BaseHook

from airflow_provider_direct.utils import jsonfast
from airflow_provider_direct.warehouse.account_tables import ACCOUNT_TABLES
from airflow_provider_direct.warehouse.dialects import Dialect, dialect_for
from airflow_provider_direct.warehouse.schema import (
    ARCHIVED,
    CAMPAIGNS,
    OBJECT_TABLES,
    REPORT_LOADS,
    RUN_UNITS_COLUMNS,
    SCHEMA_VERSION,
    STAT_RESTATEMENTS,
    SYNC_RUNS,
    SYNC_STATE,
    TABLE_STATE,
    AddColumn,
    ObjectTable,
)
from airflow_provider_direct.warehouse.table import ServiceTable

DEFAULT_WAREHOUSE_CONN_ID = "direct_warehouse_default"
DEFAULT_SQLITE_FILE = "direct_warehouse.db"
BATCH_ROWS = 2000
_ID_CHUNK = 500


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _chunks(ids: Sequence[int], size: int = _ID_CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def default_sqlite_path() -> Path:
    """The embedded warehouse file: inside ``AIRFLOW_HOME`` so the demo keeps everything in one place."""
    home = os.environ.get("AIRFLOW_HOME") or str(Path.home() / "airflow")
    return Path(home) / DEFAULT_SQLITE_FILE


def resolve_warehouse_hook(conn_id: str = DEFAULT_WAREHOUSE_CONN_ID) -> Any:
    """The ``DbApiHook`` of ``conn_id``; the default id falls back to a SQLite file under AIRFLOW_HOME."""
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id).get_hook()
    except AirflowNotFoundException:
        if conn_id != DEFAULT_WAREHOUSE_CONN_ID:
            raise
    from airflow.providers.sqlite.hooks.sqlite import SqliteHook

    path = default_sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "sqlite", "host": str(path)}))
    return SqliteHook(sqlite_conn_id=conn_id)


@dataclass
class SyncState:
    """Per client login: the server Timestamp watermark and snapshot bookkeeping."""

    client_login: str
    watermark: str | None = None
    last_full_snapshot_at: Any = None
    last_reconcile_at: Any = None
    snapshot_started_at: Any = None
    snapshot_watermark: str | None = None
    snapshot_done_campaigns: list[int] = field(default_factory=list)


@dataclass
class TableState:
    """Per login and table: freshness and the refresh policy's bookkeeping.

    ``refreshed_at``: every row was re-read from the API at or after this time (the table's age).
    ``checked_at``: the policy last ran. ``cursor``: where a rolling refresh continues.
    """

    client_login: str
    table_name: str
    refreshed_at: dt.datetime | None = None
    checked_at: dt.datetime | None = None
    cursor: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class WarehouseTransaction:
    """Writes of one sync, committed together (see the module docstring)."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self.cursor = cursor
        self.dialect = dialect
        self.upserted: dict[str, int] = {t.table: 0 for t in OBJECT_TABLES}
        self.deleted: dict[str, int] = {t.table: 0 for t in OBJECT_TABLES}

    def upsert_rows(
        self, table: ServiceTable, login: str, objects: Iterable[dict[str, Any]], synced_at: dt.datetime
    ) -> list[Any]:
        """Upsert the objects of an account service; returns their keys (to tell what a read did not return)."""
        ts = self.dialect.ts(synced_at)
        batch: dict[Any, tuple[Any, ...]] = {}
        keys: list[Any] = []
        for obj in objects:
            key = table.key_of(obj)
            batch[key] = table.row(login, obj, ts)
            keys.append(key)
            if len(batch) >= BATCH_ROWS:
                self._flush_rows(table, batch)
        self._flush_rows(table, batch)
        self.upserted[table.table] = self.upserted.get(table.table, 0) + len(keys)
        return keys

    def _flush_rows(self, table: ServiceTable, batch: dict[Any, tuple[Any, ...]]) -> None:
        if batch:
            rows = list(batch.values())
            batch.clear()
            self.dialect.upsert(
                self.cursor, table.table, table.column_names, table.key_columns, rows, json_columns=("payload",)
            )

    def soft_delete_rows(
        self,
        table: ServiceTable,
        login: str,
        deleted_at: dt.datetime,
        *,
        column: str | None = None,
        values: Sequence[Any] = (),
        unseen_since: dt.datetime | None = None,
    ) -> int:
        """Mark live rows deleted: those whose ``column`` is in ``values`` (the key by default).

        With ``unseen_since`` only rows not upserted since then: what a complete read no longer
        returned. Without values, ``unseen_since`` selects the whole table (a complete listing).
        """
        name = column or table.key.name
        if name not in table.column_names:
            raise ValueError(f"{table.table} has no {name} column")
        selections = [(name, list(values))] if values else []
        total = self._mark_deleted(table.table, login, deleted_at, unseen_since, selections)
        self.deleted[table.table] = self.deleted.get(table.table, 0) + total
        return total

    def _mark_deleted(
        self,
        table: str,
        login: str,
        deleted_at: dt.datetime,
        unseen_since: dt.datetime | None,
        selections: list[tuple[str, list[Any]]],
        condition: str = "",
        condition_params: Sequence[Any] = (),
    ) -> int:
        """Set ``deleted_at`` on live rows of ``login``: those whose column is in each selection's
        values (chunked), or, with no selection, every row unseen since ``unseen_since``."""
        p = self.dialect.param
        where = f"client_login = {p} AND deleted_at IS NULL"
        params: list[Any] = [login]
        if unseen_since is not None:
            where += f" AND synced_at < {p}"
            params.append(self.dialect.ts(unseen_since))
        where += condition
        params.extend(condition_params)
        ts = self.dialect.ts(deleted_at)
        if not selections:
            if unseen_since is None:
                return 0  # nothing selected; never a blanket delete
            return self.dialect.set_where(self.cursor, table, "deleted_at", ts, where, params)
        total = 0
        for column, values in selections:
            for chunk in _chunks(values):
                marks = ", ".join(p for _ in chunk)
                total += self.dialect.set_where(
                    self.cursor, table, "deleted_at", ts, f"{where} AND {column} IN ({marks})", [*params, *chunk]
                )
        return total

    def write_table_state(self, state: TableState) -> None:
        d = self.dialect
        columns = ("client_login", "table_name", "refreshed_at", "checked_at", "cursor", "details")
        row = (
            state.client_login,
            state.table_name,
            d.ts(state.refreshed_at),
            d.ts(state.checked_at),
            state.cursor,
            json.dumps(state.details, sort_keys=True),
        )
        d.upsert(self.cursor, TABLE_STATE, columns, ("client_login", "table_name"), [row], json_columns=("details",))

    def upsert_objects(
        self, table: ObjectTable, login: str, objects: Iterable[dict[str, Any]], synced_at: dt.datetime
    ) -> int:
        """Upsert API objects in batches (latest wins inside a batch); returns how many were written."""
        ts = self.dialect.ts(synced_at)
        batch: dict[int, tuple[Any, ...]] = {}
        written = 0
        for obj in objects:
            payload = jsonfast.dumps(obj)
            batch[obj["Id"]] = table.row(login, obj, payload, ts)
            if len(batch) >= BATCH_ROWS:
                written += self._flush(table, batch)
        written += self._flush(table, batch)
        self.upserted[table.table] += written
        return written

    def _flush(self, table: ObjectTable, batch: dict[int, tuple[Any, ...]]) -> int:
        if not batch:
            return 0
        rows = list(batch.values())
        batch.clear()
        self.dialect.upsert(
            self.cursor, table.table, table.columns, ("client_login", "id"), rows, json_columns=("payload",)
        )
        return len(rows)

    def soft_delete(
        self,
        table: ObjectTable,
        login: str,
        deleted_at: dt.datetime,
        *,
        ids: Sequence[int] = (),
        campaign_ids: Sequence[int] = (),
        ad_group_ids: Sequence[int] = (),
        unseen_since: dt.datetime | None = None,
        keep_archived: bool = False,
    ) -> int:
        """Mark live rows deleted, selected by ids or by parent ids.

        With ``unseen_since``, only rows not upserted since then are marked: the way to delete what a
        full read of a parent no longer returns. ``keep_archived`` spares the rows of campaigns the
        warehouse holds as ARCHIVED: the API does not return their keywords, which is no deletion.
        """
        p = self.dialect.param
        condition, condition_params = "", []
        if keep_archived:
            condition = (
                f" AND campaign_id NOT IN (SELECT id FROM {self.dialect.source(CAMPAIGNS.table)} "
                f"WHERE client_login = {p} AND state = {p} AND deleted_at IS NULL)"
            )
            condition_params = [login, ARCHIVED]
        selections = [
            (column, list(values))
            for column, values in (("id", ids), ("campaign_id", campaign_ids), ("ad_group_id", ad_group_ids))
            if values
        ]
        for column, _ in selections:
            if column != "id" and column not in table.parents:
                raise ValueError(f"{table.table} has no {column} column")
        total = self._mark_deleted(
            table.table, login, deleted_at, unseen_since, selections, condition, condition_params
        )
        self.deleted[table.table] += total
        return total

    def write_state(self, state: SyncState) -> None:
        d = self.dialect
        columns = (
            "client_login",
            "watermark",
            "last_full_snapshot_at",
            "last_reconcile_at",
            "snapshot_started_at",
            "snapshot_watermark",
            "snapshot_done_campaigns",
            "updated_at",
        )
        row = (
            state.client_login,
            state.watermark,
            d.ts(state.last_full_snapshot_at),
            d.ts(state.last_reconcile_at),
            d.ts(state.snapshot_started_at),
            state.snapshot_watermark,
            json.dumps(state.snapshot_done_campaigns) if state.snapshot_started_at else None,
            d.ts(utcnow()),
        )
        d.upsert(self.cursor, SYNC_STATE, columns, ("client_login",), [row])

    def record_restatements(self, login: str, stats: Iterable[tuple[int, str]], detected_at: dt.datetime) -> int:
        """Store CampaignsStat (campaign, BorderDate) rows for the statistics re-pull."""
        d = self.dialect
        rows = [(login, campaign_id, d.date(border), d.ts(detected_at), None) for campaign_id, border in stats]
        if not rows:
            return 0
        # The same BorderDate reported again is a new correction: pending again, even if it was settled.
        d.upsert(
            self.cursor,
            STAT_RESTATEMENTS,
            ("client_login", "campaign_id", "border_date", "detected_at", "done_at"),
            ("client_login", "campaign_id", "border_date"),
            rows,
        )
        return len(rows)

    def record_load(self, login: str, table: str, date_from: str, date_to: str, at: dt.datetime) -> None:
        """A statistics load replaced ``date_from..date_to`` of ``table`` for ``login`` (restatements it settles)."""
        d = self.dialect
        columns = ("client_login", "table_name", "date_from", "date_to", "loaded_at")
        d.insert(self.cursor, REPORT_LOADS, columns, [(login, table, d.date(date_from), d.date(date_to), d.ts(at))])

    def log_run(self, run: dict[str, Any]) -> None:
        d = self.dialect
        columns = (
            "client_login",
            "mode",
            "status",
            "started_at",
            "finished_at",
            "duration_seconds",
            "watermark_from",
            "watermark_to",
            "upserted",
            "deleted",
            "units_spent",
            *RUN_UNITS_COLUMNS,
            "details",
        )
        row = (
            run["client_login"],
            run["mode"],
            run["status"],
            d.ts(run["started_at"]),
            d.ts(run["finished_at"]),
            run["duration_seconds"],
            run.get("watermark_from"),
            run.get("watermark_to"),
            sum(run["upserted"].values()),
            sum(run["deleted"].values()),
            run["units_spent"],
            *(run.get(column) for column in RUN_UNITS_COLUMNS),
            json.dumps({k: run[k] for k in ("upserted", "deleted", "skipped_campaigns", "notes") if k in run}),
        )
        d.insert(self.cursor, SYNC_RUNS, columns, [row], json_columns=("details",))


class DirectWarehouse:
    """Schema management, reads, and transactional writes of the Direct warehouse tables.

    :param hook: any common.sql ``DbApiHook`` (SQLite, PostgreSQL or the clickhousedb provider's).
    :param schema: PostgreSQL schema or ClickHouse database for the tables (validated identifier);
        default: the search_path, or the connection's database.
    """

    def __init__(self, hook: Any, schema: str | None = None) -> None:
        self.hook = hook
        self.dialect = dialect_for(hook, schema)
        self._migrated = False
        self._kept = threading.local()

    def require_transactions(self, feature: str) -> None:
        """Refuse, before any call, a feature that needs transactions and row locks (the shared Reports limits)."""
        if not self.dialect.transactional:
            raise ValueError(
                f"{feature} cannot be kept in a {self.dialect.name} warehouse: they need transactions and a lock "
                f"per login, so a SQLite or PostgreSQL connection"
            )

    @classmethod
    def from_conn_id(cls, conn_id: str = DEFAULT_WAREHOUSE_CONN_ID, schema: str | None = None) -> DirectWarehouse:
        return cls(resolve_warehouse_hook(conn_id), schema)

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        if self.dialect.keeps_connections:
            # Nothing is transactional there, so one connection per thread serves every block.
            conn = getattr(self._kept, "conn", None)
            if conn is None:
                conn = self._kept.conn = self.hook.get_conn()
            yield conn
            return
        conn = self.hook.get_conn()
        try:
            yield conn
        finally:
            conn.close()

    def migrate(self) -> int:
        """Create or upgrade the tables; safe to call any number of times. Returns the schema version."""
        with self._connection() as conn:
            self.dialect.begin(conn)
            cur = conn.cursor()
            try:
                # Concurrent first runs of mapped tasks on one warehouse: one migrates, the others wait.
                self.dialect.lock_ddl(cur)
                create_schema = self.dialect.create_schema_ddl()
                if create_schema:
                    cur.execute(create_schema)
                cur.execute(self.dialect.version_table_ddl(SCHEMA_VERSION))
                cur.execute(f"SELECT MAX(version) FROM {self.dialect.qualify(SCHEMA_VERSION)}")
                current = cur.fetchone()[0] or 0
                for version, statements in self.dialect.schema_migrations():
                    if version <= current:
                        continue
                    for step in statements:
                        if not isinstance(step, AddColumn):
                            cur.execute(step)
                        elif step.column not in self.dialect.column_names(cur, step.table):
                            table = self.dialect.qualify(step.table)
                            cur.execute(f"ALTER TABLE {table} ADD COLUMN {step.column} {step.sql_type}")
                    self.dialect.insert(
                        cur, SCHEMA_VERSION, ("version", "applied_at"), [(version, self.dialect.ts(utcnow()))]
                    )
                    current = version
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        self._migrated = True
        return current

    def ensure_migrated(self) -> None:
        """Migrate once per instance, before its first read or write."""
        if not self._migrated:
            self.migrate()

    def create_table(self, statement: str) -> None:
        """Run one ``CREATE TABLE IF NOT EXISTS`` outside the migrations, serialised like them."""
        with self.transaction() as tx:
            self.dialect.lock_ddl(tx.cursor)
            tx.cursor.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[WarehouseTransaction]:
        """One database transaction: committed when the block ends, rolled back on any exception."""
        self.ensure_migrated()
        with self._connection() as conn:
            self.dialect.begin(conn)
            tx = WarehouseTransaction(conn.cursor(), self.dialect)
            try:
                yield tx
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.ensure_migrated()
        with self._connection() as conn:
            cur = conn.cursor()
            cur.execute(sql, params)
            rows = cur.fetchall()
            conn.rollback()
            return [tuple(r) for r in rows]

    def read_state(self, login: str) -> SyncState | None:
        p = self.dialect.param
        rows = self._fetch(
            f"SELECT watermark, last_full_snapshot_at, last_reconcile_at, snapshot_started_at, "
            f"snapshot_watermark, snapshot_done_campaigns FROM {self.dialect.source(SYNC_STATE)} "
            f"WHERE client_login = {p}",
            (login,),
        )
        if not rows:
            return None
        watermark, full_at, reconcile_at, snap_at, snap_wm, done = rows[0]
        return SyncState(
            client_login=login,
            watermark=watermark,
            last_full_snapshot_at=as_datetime(full_at),
            last_reconcile_at=as_datetime(reconcile_at),
            snapshot_started_at=as_datetime(snap_at),
            snapshot_watermark=snap_wm,
            snapshot_done_campaigns=json.loads(done) if done else [],
        )

    def live_ids(
        self,
        table: ObjectTable,
        login: str,
        *,
        campaign_ids: Sequence[int] = (),
        ad_group_ids: Sequence[int] = (),
        state: str | None = None,
        types: Sequence[str] = (),
    ) -> list[int]:
        """Ids of live rows, optionally under the given parents, in one ``State`` (e.g. ARCHIVED) or of
        the given ``Type`` values."""
        p = self.dialect.param
        base = f"SELECT id FROM {self.dialect.source(table.table)} WHERE client_login = {p} AND deleted_at IS NULL"
        login_args: tuple[Any, ...] = (login,)
        if state is not None:
            base += f" AND state = {p}"
            login_args = (login, state)
        type_sql, type_args = self._types(types)
        base += type_sql
        login_args += type_args
        if not campaign_ids and not ad_group_ids:
            return [r[0] for r in self._fetch(base, login_args)]
        out: list[int] = []
        for column, values in (("campaign_id", campaign_ids), ("ad_group_id", ad_group_ids)):
            for chunk in _chunks(list(values)):
                marks = ", ".join(p for _ in chunk)
                out.extend(r[0] for r in self._fetch(f"{base} AND {column} IN ({marks})", (*login_args, *chunk)))
        return out

    def read_table_states(self, login: str) -> dict[str, TableState]:
        """Freshness and policy cursors of every account-service table of ``login``."""
        p = self.dialect.param
        rows = self._fetch(
            f"SELECT table_name, refreshed_at, checked_at, cursor, details FROM {self.dialect.source(TABLE_STATE)} "
            f"WHERE client_login = {p}",
            (login,),
        )
        out = {}
        for name, refreshed, checked, cursor, details in rows:
            if isinstance(details, str):
                details = json.loads(details)
            out[name] = TableState(login, name, as_datetime(refreshed), as_datetime(checked), cursor, details or {})
        return out

    def live_keys(
        self, table: ServiceTable, login: str, *, column: str | None = None, values: Sequence[Any] = ()
    ) -> set[Any]:
        """Keys of live rows of an account-service table, optionally where ``column`` is in ``values``."""
        p = self.dialect.param
        key = table.key.name
        base = f"SELECT {key} FROM {self.dialect.source(table.table)} WHERE client_login = {p} AND deleted_at IS NULL"
        if column is None:
            return {r[0] for r in self._fetch(base, (login,))}
        if column not in table.column_names:
            raise ValueError(f"{table.table} has no {column} column")
        out: set[Any] = set()
        for chunk in _chunks(list(values)):
            marks = ", ".join(p for _ in chunk)
            out.update(r[0] for r in self._fetch(f"{base} AND {column} IN ({marks})", (login, *chunk)))
        return out

    def synced_ids(
        self, table: ObjectTable, login: str, since: dt.datetime, *, column: str = "id", types: Sequence[str] = ()
    ) -> list[int]:
        """Distinct ``column`` of live rows upserted at or after ``since`` (of the given ``Type`` values):
        what this run's reads touched."""
        if column != "id" and column not in table.parents:
            raise ValueError(f"{table.table} has no {column} column")
        p = self.dialect.param
        type_sql, type_args = self._types(types)
        rows = self._fetch(
            f"SELECT DISTINCT {column} FROM {self.dialect.source(table.table)} WHERE client_login = {p} "
            f"AND deleted_at IS NULL AND synced_at >= {p}{type_sql} ORDER BY {column}",
            (login, self.dialect.ts(since), *type_args),
        )
        return [r[0] for r in rows if r[0] is not None]

    def live_counts(self, table: ObjectTable, login: str, column: str, ids: Sequence[int]) -> dict[int, int]:
        """Live rows per ``column`` value among ``ids`` (e.g. keywords per group), for sizing reads."""
        if column != "id" and column not in table.parents:
            raise ValueError(f"{table.table} has no {column} column")
        p = self.dialect.param
        out: dict[int, int] = {}
        for chunk in _chunks(list(ids)):
            marks = ", ".join(p for _ in chunk)
            rows = self._fetch(
                f"SELECT {column}, COUNT(*) FROM {self.dialect.source(table.table)} WHERE client_login = {p} "
                f"AND deleted_at IS NULL AND {column} IN ({marks}) GROUP BY {column}",
                (login, *chunk),
            )
            out.update({r[0]: int(r[1]) for r in rows})
        return out

    def orphaned(self, table: ServiceTable, login: str, column: str, parent: ObjectTable) -> list[int]:
        """Values of ``column`` on live rows whose parent (by id in ``parent``) is deleted or unknown."""
        if column not in table.column_names:
            raise ValueError(f"{table.table} has no {column} column")
        p = self.dialect.param
        rows = self._fetch(
            f"SELECT DISTINCT t.{column} FROM {self.dialect.source(table.table, 't')} "
            f"WHERE t.client_login = {p} AND t.deleted_at IS NULL AND t.{column} IS NOT NULL "
            f"AND t.{column} NOT IN (SELECT id FROM {self.dialect.source(parent.table)} WHERE client_login = {p} "
            f"AND deleted_at IS NULL) ORDER BY t.{column}",
            (login, login),
        )
        return [r[0] for r in rows]

    def ids_after(
        self, table: ObjectTable, login: str, after: int, limit: int, *, types: Sequence[str] = ()
    ) -> list[int]:
        """Up to ``limit`` live ids greater than ``after`` (of the given ``Type`` values), in id order:
        the rolling refresh's next window."""
        p = self.dialect.param
        type_sql, type_args = self._types(types)
        rows = self._fetch(
            f"SELECT id FROM {self.dialect.source(table.table)} WHERE client_login = {p} AND deleted_at IS NULL "
            f"AND id > {p}{type_sql} ORDER BY id LIMIT {int(limit)}",
            (login, after, *type_args),
        )
        return [r[0] for r in rows]

    def _types(self, types: Sequence[str]) -> tuple[str, tuple[str, ...]]:
        """`` AND type IN (...)`` and its arguments, or nothing for no filter."""
        if not types:
            return "", ()
        return f" AND type IN ({', '.join(self.dialect.param for _ in types)})", tuple(types)

    def iter_payloads(
        self, table: ObjectTable | ServiceTable, login: str, *, synced_since: dt.datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        """Payloads of live rows, streamed (optionally only those upserted since a time)."""
        p = self.dialect.param
        order = table.key.name if isinstance(table, ServiceTable) else "id"
        sql = f"SELECT payload FROM {self.dialect.source(table.table)} WHERE client_login = {p} AND deleted_at IS NULL"
        params: tuple[Any, ...] = (login,)
        if synced_since is not None:
            sql += f" AND synced_at >= {p}"
            params = (login, self.dialect.ts(synced_since))
        with self._connection() as conn:
            for (payload,) in self.dialect.stream(conn.cursor(), f"{sql} ORDER BY {order}", params):
                yield payload if isinstance(payload, dict) else jsonfast.loads(payload)
            conn.rollback()

    def logins_loaded(self, table: str, day: str) -> list[str]:
        """Logins whose recorded loads of ``table`` cover ``day`` (an ISO date)."""
        d = self.dialect
        rows = self._fetch(
            f"SELECT DISTINCT client_login FROM {d.qualify(REPORT_LOADS)} "
            f"WHERE table_name = {d.param} AND date_from <= {d.param} AND date_to >= {d.param} ORDER BY client_login",
            (table, d.date(day), d.date(day)),
        )
        return [str(login) for (login,) in rows]

    def counts(self, login: str | None = None) -> dict[str, dict[str, int]]:
        """Live and soft-deleted rows per object table (for the demo and run summaries)."""
        out: dict[str, dict[str, int]] = {}
        tables: tuple[ObjectTable | ServiceTable, ...] = (*OBJECT_TABLES, *ACCOUNT_TABLES)
        for table in tables:
            sql = rows_summary_sql(self.dialect, table.table, by_login=bool(login))
            live, deleted, _, _ = self._fetch(sql, (login,) if login else ())[0]
            out[table.table] = {"live": int(live or 0), "deleted": int(deleted or 0)}
        return out

    def live_objects(self, table: ObjectTable | ServiceTable, login: str) -> Iterator[dict[str, Any]]:
        """Payloads of live rows, streamed in key order (tests compare them with the emulator's truth)."""
        return self.iter_payloads(table, login)


def rows_summary_sql(dialect: Dialect, table: str, by_login: bool = False) -> str:
    """Live rows, soft-deleted rows, the last upsert and the last soft delete of a table (or one login's)."""
    where = f" WHERE client_login = {dialect.param}" if by_login else ""
    return (
        "SELECT SUM(CASE WHEN deleted_at IS NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END), MAX(synced_at), MAX(deleted_at) "
        f"FROM {dialect.source(table)}{where}"
    )


def as_datetime(value: Any) -> dt.datetime | None:
    """A stored time as an aware datetime (every engine stores UTC; some return it naive or as text)."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
