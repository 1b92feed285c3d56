"""The dashboard's reads of the warehouse: every figure aggregated by the database, never in Python.

A year of hourly runs of 1 000 logins is about 9M rows of ``direct_sync_runs``. The page reads the
latest run of each login by one index probe per login, the last 24 hours and the chart's days by a
range of the ``started_at`` index, and one login's runs by its ``(client_login, started_at)`` index
(both indexes come with schema version 8). What reaches Python is a row per login, day or table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from airflow_provider_direct.models.dashboard import (
    LoginSummary,
    PendingRestatement,
    Restatements,
    RunPoint,
    TableFreshness,
    UnitsDay,
)
from airflow_provider_direct.warehouse.account_tables import ACCOUNT_TABLES
from airflow_provider_direct.warehouse.schema import (
    AD_STATS,
    CAMPAIGN_STATS,
    OBJECT_TABLES,
    REPORT_LOADS,
    STAT_RESTATEMENTS,
    SYNC_RUNS,
    SYNC_STATE,
    TABLE_STATE,
    validate_identifier,
)
from airflow_provider_direct.warehouse.store import DirectWarehouse, as_datetime, rows_summary_sql

_LAST_RUN = (
    "status",
    "mode",
    "finished_at",
    "upserted",
    "deleted",
    "units_spent",
    "units_rest",
    "units_limit",
)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _at(value: Any) -> dt.datetime:
    """A NOT NULL time column as an aware UTC datetime (engines return text, naive or aware values)."""
    at = as_datetime(value)
    if at is None:
        raise ValueError("a NOT NULL time column read as NULL")
    return at


class DashboardReader:
    """The dashboard's figures from one warehouse (SQLite, PostgreSQL or ClickHouse)."""

    def __init__(self, warehouse: DirectWarehouse) -> None:
        self.warehouse = warehouse
        self.d = warehouse.dialect
        self._cursor: Any = None

    @contextmanager
    def connected(self) -> Iterator[DashboardReader]:
        """One connection for every read of the block: a page's twenty queries connect once, not twenty times."""
        self.warehouse.ensure_migrated()  # an older release's warehouse gains the run log's units columns first
        with self.warehouse._connection() as conn:
            self._cursor = conn.cursor()
            try:
                yield self
            finally:
                self._cursor = None
                conn.rollback()

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._cursor is None:
            return self.warehouse._fetch(sql, params)
        self._cursor.execute(sql, params)
        return [tuple(row) for row in self._cursor.fetchall()]

    def logins(self, now: dt.datetime) -> list[LoginSummary]:
        """Every login the sync knows, with its last run and its units over the last 24 hours."""
        d = self.d
        last = {row[0]: row[1:] for row in self._fetch(d.latest_runs(_LAST_RUN))}
        watermarks = dict(self._fetch(f"SELECT client_login, watermark FROM {d.source(SYNC_STATE)}"))
        recent = {
            login: (int(units or 0), int(runs))
            for login, units, runs in self._fetch(
                f"SELECT client_login, SUM(units_spent), COUNT(*) FROM {d.qualify(SYNC_RUNS)} "
                f"WHERE started_at >= {d.param} GROUP BY client_login",
                (d.ts(now - dt.timedelta(hours=24)),),
            )
        }
        out = []
        for login in sorted(set(last) | set(watermarks)):
            status, mode, finished, upserted, deleted, units, rest, limit = last.get(login) or (None,) * len(_LAST_RUN)
            watermark = watermarks.get(login)
            mark = as_datetime(watermark) if watermark else None
            units_24h, runs_24h = recent.get(login, (0, 0))
            out.append(
                LoginSummary(
                    client_login=login,
                    watermark=watermark,
                    watermark_lag_seconds=round((now - mark).total_seconds(), 1) if mark else None,
                    last_run_status=status,
                    last_run_mode=mode,
                    last_run_finished_at=as_datetime(finished),
                    last_run_upserted=_int(upserted),
                    last_run_deleted=_int(deleted),
                    last_run_units=_int(units),
                    units_rest=_int(rest),
                    units_limit=_int(limit),
                    units_24h=units_24h,
                    runs_24h=runs_24h,
                )
            )
        return out

    def units_by_day(self, login: str, since: dt.datetime) -> list[UnitsDay]:
        """One login's units per UTC day since ``since``, and the highest daily limit its runs saw that day."""
        d = self.d
        day = d.day("started_at")
        rows = self._fetch(
            f"SELECT {day}, SUM(units_spent), MAX(units_limit), COUNT(*), SUM(upserted + deleted) "
            f"FROM {d.qualify(SYNC_RUNS)} WHERE client_login = {d.param} AND started_at >= {d.param} "
            f"GROUP BY {day} ORDER BY {day}",
            (login, d.ts(since)),
        )
        return [
            UnitsDay(day=str(on), units_spent=int(spent or 0), daily_limit=_int(limit), runs=int(n), changes=int(c))
            for on, spent, limit, n, c in rows
        ]

    def runs(self, login: str, limit: int = 168) -> list[RunPoint]:
        """The last ``limit`` runs of one login, oldest first (a week of hourly runs by default)."""
        d = self.d
        rows = self._fetch(
            f"SELECT started_at, mode, status, units_spent, units_rest, units_limit, upserted, deleted, "
            f"duration_seconds FROM {d.qualify(SYNC_RUNS)} WHERE client_login = {d.param} "
            f"ORDER BY started_at DESC LIMIT {int(limit)}",
            (login,),
        )
        return [
            RunPoint(
                started_at=_at(started),
                mode=mode,
                status=status,
                units_spent=int(units),
                units_rest=_int(rest),
                units_limit=_int(limit_),
                upserted=int(upserted),
                deleted=int(deleted),
                duration_seconds=float(seconds),
            )
            for started, mode, status, units, rest, limit_, upserted, deleted, seconds in reversed(rows)
        ]

    def tables(self) -> list[TableFreshness]:
        """Rows, soft-deleted rows and freshness of every table the sync and the statistics loads write."""
        d = self.d
        out: list[TableFreshness] = []
        # Objects are as fresh as their login's Changes watermark: the stalest login's is the table's.
        stalest = self._fetch(
            f"SELECT client_login, watermark FROM {d.source(SYNC_STATE)} WHERE watermark IS NOT NULL "
            f"ORDER BY watermark, client_login LIMIT 1"
        )
        stalest_login, watermark = stalest[0] if stalest else (None, None)
        for table in OBJECT_TABLES:
            out.append(self._rows(table.table, "objects", stalest_login, as_datetime(watermark)))
        refreshed = self._freshness(d.source(TABLE_STATE), "refreshed_at")
        for service in ACCOUNT_TABLES:
            login, oldest, _ = refreshed.get(service.table, (None, None, None))
            out.append(self._rows(service.table, "service", login, oldest))
        loaded = self._freshness(d.qualify(REPORT_LOADS), "loaded_at")
        for name in sorted({CAMPAIGN_STATS, AD_STATS} | set(loaded)):
            login, oldest, newest = loaded.get(name, (None, None, None))
            (count,) = self._fetch(f"SELECT COUNT(*) FROM {d.qualify(validate_identifier(name))}")[0]
            out.append(
                TableFreshness(
                    table=name,
                    kind="statistics",
                    live_rows=int(count),
                    deleted_rows=0,
                    last_write_at=newest,
                    stalest_login=login,
                    fresh_as_of=oldest,
                )
            )
        return out

    def _rows(self, table: str, kind: Any, login: str | None, fresh_as_of: dt.datetime | None) -> TableFreshness:
        live, deleted, synced, removed = self._fetch(rows_summary_sql(self.d, table))[0]
        writes = [at for at in (as_datetime(synced), as_datetime(removed)) if at is not None]  # a delete writes too
        return TableFreshness(
            table=table,
            kind=kind,
            live_rows=int(live or 0),
            deleted_rows=int(deleted or 0),
            last_write_at=max(writes, default=None),
            stalest_login=login,
            fresh_as_of=fresh_as_of,
        )

    def _freshness(
        self, source: str, column: str
    ) -> dict[str, tuple[str | None, dt.datetime | None, dt.datetime | None]]:
        """Per table name in a per-login bookkeeping table: the stalest login, its time, and the newest time.

        Each login's latest ``column`` counts (the loads table keeps a row per load): a row per login
        and table reaches Python, never the loads themselves.
        """
        rows = self._fetch(
            f"SELECT table_name, client_login, MAX({column}) FROM {source} GROUP BY table_name, client_login"
        )
        out: dict[str, tuple[str | None, dt.datetime | None, dt.datetime | None]] = {}
        for table, login, latest in rows:
            at = as_datetime(latest)
            stalest, oldest, newest = out.get(str(table), (None, None, None))
            if at is not None and (oldest is None or (at, str(login)) < (oldest, str(stalest))):
                stalest, oldest = str(login), at
            if at is not None and (newest is None or at > newest):
                newest = at
            out[str(table)] = (stalest, oldest, newest)
        return out

    def restatements(self, limit: int = 50) -> Restatements:
        """Pending statistics corrections: how many, for how many logins, and the oldest ``limit``."""
        d = self.d
        source = d.source(STAT_RESTATEMENTS)
        pending, logins = self._fetch(
            f"SELECT COUNT(*), COUNT(DISTINCT client_login) FROM {source} WHERE done_at IS NULL"
        )[0]
        rows = self._fetch(
            f"SELECT client_login, campaign_id, border_date, detected_at FROM {source} WHERE done_at IS NULL "
            f"ORDER BY detected_at, client_login, campaign_id LIMIT {int(limit)}"
        )
        return Restatements(
            pending=int(pending),
            logins=int(logins),
            oldest=[
                PendingRestatement(
                    client_login=login, campaign_id=int(campaign), border_date=str(border), detected_at=_at(at)
                )
                for login, campaign, border, at in rows
            ],
        )
