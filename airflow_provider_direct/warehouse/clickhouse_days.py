"""Replacing some days of one login in a ClickHouse statistics table, without transactions.

The table is partitioned by ``(client_login, month)``. A load copies the days it keeps of each month it
touches into a staging copy of the table, adds its new rows there, and then swaps each month in with one
``ALTER TABLE … REPLACE PARTITION``: a reader sees a month as it was or as it is now, never half loaded.
A load that fails before the swap leaves the table as it was; one that dies between two months' swaps
has replaced some whole months, and its re-run (nothing was marked done) replaces them all again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from airflow_provider_direct.warehouse.schema import validate_identifier


def months(date_from: str, date_to: str) -> list[int]:
    """The ``YYYYMM`` months a period touches, in order."""
    first, last = dt.date.fromisoformat(date_from), dt.date.fromisoformat(date_to)
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(year * 100 + month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


class StagedDays:
    """``date_from..date_to`` of ``login`` in ``table``, rebuilt in a staging table and swapped in by month."""

    def __init__(self, dialect: Any, cursor: Any, table: str, login: str, date_from: str, date_to: str) -> None:
        self.dialect = dialect
        self.client = dialect.client(cursor)
        self.table = table
        self.login = login
        self.date_from, self.date_to = date_from, date_to
        self.months = months(date_from, date_to)
        self.stage = validate_identifier(f"_stage_{table}_{uuid.uuid4().hex[:8]}"[:63])

    def open(self) -> str:
        """Create the staging table with the touched months' other days; returns its (unqualified) name."""
        q = self.dialect.qualify
        self.client.command(f"CREATE TABLE {q(self.stage)} AS {q(self.table)}")
        marks = ", ".join("%s" for _ in self.months)
        self.client.command(
            f"INSERT INTO {q(self.stage)} SELECT * FROM {q(self.table)} WHERE client_login = %s "
            f"AND toYYYYMM(date) IN ({marks}) AND (date < %s OR date > %s)",
            parameters=[self.login, *self.months, self.date_from, self.date_to],
        )
        return self.stage

    def commit(self) -> None:
        """Swap every touched month in; a month the stage holds nothing of is dropped."""
        q = self.dialect.qualify
        staged = {
            row[0] for row in self.client.query(f"SELECT DISTINCT toYYYYMM(date) FROM {q(self.stage)}").result_rows
        }
        for month in self.months:
            if month in staged:
                self.client.command(
                    f"ALTER TABLE {q(self.table)} REPLACE PARTITION (%s, %s) FROM {q(self.stage)}",
                    parameters=[self.login, month],
                )
            else:
                self.client.command(
                    f"ALTER TABLE {q(self.table)} DROP PARTITION (%s, %s)", parameters=[self.login, month]
                )

    def close(self) -> None:
        self.client.command(f"DROP TABLE IF EXISTS {self.dialect.qualify(self.stage)}")
        self.dialect.forget(self.stage)
