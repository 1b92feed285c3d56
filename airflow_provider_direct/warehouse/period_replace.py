"""Replacing one login's period of a day-keyed table (statistics, typed reports), on every engine.

On a SQL engine the stored days are fingerprinted and deleted inside the load's transaction, and the
new rows go into the table. ClickHouse has no such transaction: the new rows go into a staging table
that swaps the login's touched months in at the end (``clickhouse_days``). Either way the old days'
fingerprints are taken first, so a load can tell which days it changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_direct.async_task.errors import AsyncTaskProtocolError
from airflow_provider_direct.warehouse.clickhouse_days import StagedDays
from airflow_provider_direct.warehouse.day_digests import DayDigests, fingerprint, fingerprint_and_delete

if TYPE_CHECKING:
    from airflow_provider_direct.warehouse.statistics import ReportRange


class PeriodReplace:
    """Open once the period is known, insert into :attr:`target`, then :meth:`commit`; :meth:`close` always."""

    def __init__(
        self,
        cursor: Any,
        dialect: Any,
        table: str,
        compared: Sequence[str],
        old: DayDigests,
        shape: Callable[[Sequence[Any]], Sequence[Any]] = tuple,
    ) -> None:
        self.cursor, self.dialect, self.table = cursor, dialect, table
        self.compared, self.old, self.shape = compared, old, shape
        self.target = table  # where the new rows go
        self.opened = False
        self._staged: StagedDays | None = None

    def open(
        self, login: str, date_from: str | None, date_to: str | None, title: ReportRange | None
    ) -> tuple[str, str]:
        """Fingerprint the stored days of the period, and clear them (SQL) or stage around them (ClickHouse).

        The period is the one asked for, or else the report's title line (DateRangeType AUTO); returns it.
        """
        if title is not None:
            date_from, date_to = date_from or title.date_from, date_to or title.date_to
        if date_from is None or date_to is None:
            raise AsyncTaskProtocolError("no period: pass date_from / date_to or keep the report's title line")
        self.opened = True
        period = (login, date_from, date_to)
        d = self.dialect
        if d.transactional:
            fingerprint_and_delete(self.cursor, d, self.table, self.compared, period, self.old, self.shape)
        else:
            fingerprint(self.cursor, d, self.table, self.compared, period, self.old, self.shape)
            self._staged = StagedDays(d, self.cursor, self.table, *period)
            self.target = self._staged.open()
        return date_from, date_to

    def commit(self) -> None:
        """The new rows are all in and checked: make them the table's (the transaction commits the SQL side)."""
        if self._staged is not None:
            self._staged.commit()

    def close(self) -> None:
        if self._staged is not None:
            self._staged.close()
            self._staged = None
