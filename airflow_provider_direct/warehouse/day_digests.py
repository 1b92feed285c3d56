"""Fingerprints of a partition's days, to tell which days a reload changed.

Per day: the row count and an order-free sum of 64-bit row hashes, so the stored rows (read back in any
order, dates and JSON as the engine returns them) and the new rows (as they stream) compare equal when the
day's contents are the same (a differing day that collides on both count and sum goes unnoticed: about one
chance in 2**64).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from airflow_provider_direct.warehouse.store import BATCH_ROWS

_MASK = (1 << 64) - 1


def normal(value: Any) -> Any:
    """One value as both engines give it back: dates as ISO text (PostgreSQL returns ``date``)."""
    return value.isoformat() if isinstance(value, dt.date) else value


class DayDigests:
    """Per day: (rows, sum of 64-bit row hashes mod 2**64); equal digests mean equal day contents."""

    def __init__(self) -> None:
        self.days: dict[str, tuple[int, int]] = {}

    def add(self, day: str, values: Iterable[Any]) -> None:
        # Python's own tuple hash: both sides are hashed in one process (one transaction), so its per-process
        # seed does not matter, and it costs a fraction of a cryptographic digest per row.
        self.add_run(day, 1, hash(tuple(normal(v) for v in values)))

    def add_run(self, day: str, count: int, total: int) -> None:
        """Fold in ``count`` rows of ``day`` whose hashes add up to ``total`` (a caller's running sums)."""
        had_count, had_total = self.days.get(day, (0, 0))
        self.days[day] = (had_count + count, (had_total + total) & _MASK)

    def changed(self, other: DayDigests) -> list[str]:
        return sorted(d for d in self.days.keys() | other.days.keys() if self.days.get(d) != other.days.get(d))


def fingerprint(
    cursor: Any,
    dialect: Any,
    table: str,
    columns: Sequence[str],
    where: tuple[str, str, str],
    digests: DayDigests,
    shape: Callable[[Sequence[Any]], Sequence[Any]] = tuple,
) -> None:
    """Fingerprint each day of the stored rows of ``where`` = (login, first day, last day).

    ``columns`` are what a day's contents are (``date`` among them); ``shape`` brings a stored row to the
    form new rows are hashed in. Rows are streamed, never all held.
    """
    p = dialect.param
    date_at = list(columns).index("date")
    sql = f"SELECT {', '.join(columns)} FROM {dialect.qualify(table)} {_period(p)}"
    for values in dialect.stream(cursor, sql, where, BATCH_ROWS):
        digests.add(normal(values[date_at]), shape(values))


def fingerprint_and_delete(
    cursor: Any,
    dialect: Any,
    table: str,
    columns: Sequence[str],
    where: tuple[str, str, str],
    digests: DayDigests,
    shape: Callable[[Sequence[Any]], Sequence[Any]] = tuple,
) -> None:
    """The first half of a partition replace in a transaction: :func:`fingerprint`, then delete the rows."""
    fingerprint(cursor, dialect, table, columns, where, digests, shape)
    cursor.execute(f"DELETE FROM {dialect.qualify(table)} {_period(dialect.param)}", where)


def _period(p: str) -> str:
    return f"WHERE client_login = {p} AND date >= {p} AND date <= {p}"
