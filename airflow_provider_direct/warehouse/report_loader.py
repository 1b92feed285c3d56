"""Load one report into its typed table, replacing a (login, period) partition, and say which days changed.

The replace is one transaction: the old rows of the period are read once to fingerprint each day, then
deleted, and the new rows are inserted while their days are fingerprinted the same way. A day whose
fingerprint differs (new rows, gone rows, any value restated) is a changed day; a downstream model needs
rebuilding for those days only. A fingerprint is the row count and an order-free sum of row hashes.
On ClickHouse the new rows are staged and swapped in by month instead (``period_replace``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_direct.async_task.errors import AsyncTaskProtocolError
from airflow_provider_direct.warehouse.day_digests import DayDigests
from airflow_provider_direct.warehouse.period_replace import PeriodReplace
from airflow_provider_direct.warehouse.report_table import CONVERTERS, ReportTable
from airflow_provider_direct.warehouse.statistics import TsvReader, check_summary, started
from airflow_provider_direct.warehouse.store import BATCH_ROWS, DirectWarehouse, utcnow


@dataclass
class ReportLoad:
    """What a load did: rows in, the period it replaced, and the days whose contents changed."""

    rows: int
    summary_rows: int | None
    replaced_from: str
    replaced_to: str
    changed_days: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


_BLANK = ("", "--")


def _row_parser(plan: list[tuple[str, int]]) -> Callable[[list[str]], tuple[Any, ...]]:
    """One function per report shape that parses a row's cells in a single expression (C-level ``int``
    and ``float``, no call per cell); a row it cannot take (a blank number, money as a decimal) goes
    through the per-cell parsers of the kinds instead."""
    parts = []
    for kind, index in plan:
        if kind in ("int", "micros"):
            parts.append(f"int(c[{index}])")
        elif kind == "float":
            parts.append(f"float(c[{index}])")
        else:  # text, enums and dates: a blank cell is NULL
            parts.append(f"(None if c[{index}] in blank else c[{index}])")
    # The expression is built from the table's own column kinds and positions, never from report data.
    fast = eval(f"lambda c: ({', '.join(parts)},)", {"int": int, "float": float, "blank": _BLANK})
    careful = [(CONVERTERS[kind], index) for kind, index in plan]

    def parse(cells: list[str]) -> tuple[Any, ...]:
        try:
            return fast(cells)  # type: ignore[no-any-return]
        except ValueError:
            return tuple([convert(cells[index]) for convert, index in careful])

    return parse


class _DayRuns:
    """Sums the row hashes of each day's run of rows (reports come ordered by date) before folding them in."""

    def __init__(self, digests: DayDigests) -> None:
        self.digests = digests
        self.day = ""
        self.count = 0
        self.total = 0

    def add(self, days: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
        hashes = list(map(hash, rows))
        if days.count(days[0]) == len(days):  # the usual batch: one day, summed at C speed
            if days[0] != self.day:
                self.close()
                self.day = days[0]
            self.count += len(hashes)
            self.total += sum(hashes)
            return
        for day, row_hash in zip(days, hashes, strict=True):
            if day != self.day:
                self.close()
                self.day = day
            self.count += 1
            self.total += row_hash

    def close(self) -> None:
        if self.count:
            self.digests.add_run(self.day, self.count, self.total)
        self.count = self.total = 0


class ReportLoader:
    """Replace one partition of a typed report table with the rows of one report."""

    def __init__(
        self,
        warehouse: DirectWarehouse,
        table: ReportTable,
        client_login: str,
        date_from: str | None,
        date_to: str | None,
        *,
        require_summary: bool = False,
    ) -> None:
        self.warehouse = warehouse
        self.table = table
        self.login = client_login
        # None with DateRangeType AUTO: the server picks the period and its title line says which.
        self.date_from = dt.date.fromisoformat(date_from).isoformat() if date_from else None
        self.date_to = dt.date.fromisoformat(date_to).isoformat() if date_to else None
        self.require_summary = require_summary

    def load(self, lines: Iterable[str]) -> ReportLoad:
        lines = started(lines)
        load_started = utcnow()
        table = self.table
        table.ensure(self.warehouse)
        d = self.warehouse.dialect
        columns = table.columns
        names = table.column_names
        date_index = [c.name for c in columns].index("date")
        loaded_at = d.ts(utcnow())
        login = self.login
        rows = 0
        new = DayDigests()
        old = DayDigests()
        with self.warehouse.transaction() as tx:
            replace = PeriodReplace(tx.cursor, d, table.table, [c.name for c in columns], old)

            reader = TsvReader(lines, convert=False)
            digest = _DayRuns(new)
            order: list[int] | None = None
            raw: list[list[str]] = []
            parse: Callable[[list[str]], tuple[Any, ...]] = tuple
            low = high = ""

            def flush() -> None:
                parsed = [parse(cells) for cells in raw]
                dates = [row[date_index] for row in parsed]
                outside = [day for day in set(dates) if not low <= day <= high]
                if outside:
                    raise AsyncTaskProtocolError(f"a row dated {min(outside)} is outside {low}..{high}")
                digest.add(dates, parsed)  # parsed cells are already normal (dates are text)
                d.insert(tx.cursor, replace.target, names, [(login, *row, loaded_at) for row in parsed])
                raw.clear()

            try:
                for cells in reader:
                    if order is None:
                        order = self._order(reader.columns or [])
                        parse = _row_parser([(column.kind, i) for column, i in zip(columns, order, strict=True)])
                        self.date_from, self.date_to = replace.open(login, self.date_from, self.date_to, reader.period)
                        low, high = self.date_from, self.date_to
                    raw.append(cells)
                    rows += 1
                    if len(raw) >= BATCH_ROWS:
                        flush()
                if raw:
                    flush()
                digest.close()
                if order is None:  # a report with no rows still has to be the table's report
                    self._order(reader.columns or [])
                if not replace.opened:
                    self.date_from, self.date_to = replace.open(login, self.date_from, self.date_to, reader.period)
                summary = reader.summary
                check_summary(summary, rows, self.require_summary)
                replace.commit()
            finally:
                replace.close()
            # The load's start, not its end: a correction detected while the report streamed is not in it.
            tx.record_load(login, table.table, self.date_from or "", self.date_to or "", load_started)
        return ReportLoad(rows, summary, self.date_from or "", self.date_to or "", new.changed(old))

    def _order(self, header: list[str]) -> list[int]:
        """Where each table column sits in the report's header; the two must name the same columns."""
        index = {name: i for i, name in enumerate(header)}
        expected = [c.source.name for c in self.table.columns]
        missing = [name for name in expected if name not in index]
        extra = [name for name in header if name not in set(expected)]
        if missing or extra:
            raise AsyncTaskProtocolError(
                f"the report's columns do not match {self.table.table}: missing {missing or 'none'}, "
                f"unexpected {extra or 'none'}"
            )
        return [index[name] for name in expected]
