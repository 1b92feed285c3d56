"""Statistics from Reports TSV into ``direct_campaign_stats`` / ``direct_ad_stats``.

Statistics are restated after the fact, so a load REPLACES a whole (client login, date range)
partition in one transaction: re-pulling a period is idempotent, and restatement rows the pull
covers are marked done in that same transaction. The TSV is parsed line by line as it streams.
On ClickHouse the rows go to a staging table that replaces the login's touched months at the end
(``clickhouse_days``), and restatements are marked done only after that swap.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_direct.async_task.errors import AsyncTaskProtocolError
from airflow_provider_direct.warehouse.day_digests import DayDigests
from airflow_provider_direct.warehouse.period_replace import PeriodReplace
from airflow_provider_direct.warehouse.schema import AD_STATS, CAMPAIGN_STATS, REPORT_LOADS, STAT_RESTATEMENTS
from airflow_provider_direct.warehouse.store import BATCH_ROWS, DirectWarehouse, utcnow

TYPED = {"Impressions": "impressions", "Clicks": "clicks", "Cost": "cost", "Conversions": "conversions"}
SUMMARY_PREFIX = "Total rows:"
#: Report columns stored in typed columns (or the key), so not repeated in ``payload``.
SPLIT_OUT = frozenset({*TYPED, "Date", "CampaignId", "AdId"})


@dataclass
class StatsLoad:
    rows: int
    summary_rows: int | None
    replaced_from: str
    replaced_to: str
    restatements_done: int
    changed_days: list[str] = field(default_factory=list)  # days whose rows differ from what was there

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


#: Report columns that are always text; every other column is numeric ("--" / empty = no value).
TEXT_COLUMNS = frozenset(
    {
        "Date",
        "Week",
        "Month",
        "Quarter",
        "Year",
        "CampaignName",
        "CampaignType",
        "AdGroupName",
        "AdFormat",
        "AdNetworkType",
        "Device",
        "Criterion",
        "CriterionType",
        "Placement",
        "Query",
        "Slot",
        "TargetingLocationName",
        "LocationOfPresenceName",
        "Gender",
        "Age",
        "CarrierType",
        "MobilePlatform",
        "ClickType",
        "ExternalNetworkName",
    }
)


def _number(value: str) -> Any:
    if value in ("", "--"):
        return None
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def _converters(columns: list[str]) -> list[Any]:
    return [str if name in TEXT_COLUMNS else _number for name in columns]


@dataclass
class ReportRange:
    """The period the server built the report for, from its title line (needed with ``AUTO``)."""

    date_from: str
    date_to: str


#: The title line. The service wraps it in double quotes (``"NAME (2026-01-01 - 2026-01-31)"``), as the
#: clients that parse real reports show; an unquoted title is read the same.
_TITLE = re.compile(r'^"?.*\((?P<date_from>\d{4}-\d{2}-\d{2}) - (?P<date_to>\d{4}-\d{2}-\d{2})\)"?\s*$')
#: One column name: a field (``Date``, ``CampaignId``) or a per-goal column (``Conversions_12345_LSC``).
#: Field names are CamelCase, so a data row of numbers, dates, ``--`` or UPPER_CASE enum values never
#: passes for the column line.
_COLUMN = re.compile(r"[A-Z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*")


def _is_column_line(cells: list[str]) -> bool:
    """Whether a line is the column-names line (not a data row of a ``skipColumnHeader`` body).

    Not "has a Date column": a report may have none (ACCOUNT_PERFORMANCE_REPORT of totals).
    """
    return all(_COLUMN.fullmatch(cell) and cell.upper() != cell for cell in cells)


class TsvReader:
    """Streams a report's TSV: converted rows as lists; ``columns``, ``period`` and ``summary`` as met.

    The title line (when present) gives the period the server chose; the column header is required
    (kept for validation), so a body without it is an error, never an empty success; the summary
    line's row count is kept for the count check.
    """

    def __init__(self, lines: Iterable[str], *, convert: bool = True) -> None:
        self._lines = lines
        self._convert = convert  # False: cells as the text they are (the caller types them)
        self.columns: list[str] | None = None
        self.period: ReportRange | None = None
        self.summary: int | None = None

    def __iter__(self) -> Iterator[list[Any]]:
        converters: list[Any] = []
        width = 0
        # The csv module splits at C speed; QUOTE_NONE keeps quotes as text (the quoted title line included).
        for cells in csv.reader(self._lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not cells or cells == [""]:
                continue
            if self.columns is None:
                if self.period is None and len(cells) == 1 and (title := _TITLE.match(cells[0])):
                    self.period = ReportRange(title.group("date_from"), title.group("date_to"))
                    continue
                if not _is_column_line(cells):
                    line = "\t".join(cells)
                    raise AsyncTaskProtocolError(f"the report has no column header (got {line[:200]!r})")
                self.columns, converters, width = cells, _converters(cells), len(cells)
                continue
            if len(cells) == 1 and cells[0].startswith(SUMMARY_PREFIX):
                self.summary = int(cells[0][len(SUMMARY_PREFIX) :].strip())
                continue
            if len(cells) != width:
                raise AsyncTaskProtocolError(f"a report row has {len(cells)} cells for {width} columns")
            yield [convert(cell) for convert, cell in zip(converters, cells, strict=True)] if self._convert else cells
        if self.columns is None:
            raise AsyncTaskProtocolError("the report is empty: no column header, no rows")


def parse_tsv(lines: Iterable[str]) -> Iterator[dict[str, Any] | int | ReportRange]:
    """The report as items: its period (a ReportRange) when titled, rows as dicts, the summary count last."""
    reader = TsvReader(lines)
    period_sent = False
    for cells in reader:
        if reader.period and not period_sent:
            period_sent = True
            yield reader.period
        yield dict(zip(reader.columns or [], cells, strict=True))
    if reader.period and not period_sent:
        yield reader.period
    if reader.summary is not None:
        yield reader.summary


def started(lines: Iterable[str]) -> Iterator[str]:
    """The report's lines with the first one already read: the request goes out (and its Reports call is
    counted in the warehouse) before a load opens its transaction, which on SQLite holds the write lock."""
    it = iter(lines)
    first = next(it, None)
    return it if first is None else itertools.chain([first], it)


def check_summary(summary: int | None, rows: int, required: bool) -> None:
    """The report's ``Total rows`` must match what arrived; asked for and missing means a cut-off body."""
    if summary is None and required:
        raise AsyncTaskProtocolError(f"the report ended without its summary line after {rows} rows: cut off?")
    if summary is not None and summary != rows:
        raise AsyncTaskProtocolError(f"the report's summary says {summary} rows but {rows} arrived: not loaded")


class _Layout:
    """Where each stored value sits in a report row (computed once from the column header)."""

    def __init__(self, columns: list[str], level: str) -> None:
        index = {name: i for i, name in enumerate(columns)}
        key = "CampaignId" if level == "campaign" else "AdId"
        for needed in ("Date", key):
            if needed not in index:
                raise AsyncTaskProtocolError(f"{needed} is not in the report's fields: a statistics table needs it")
        self.date = index["Date"]
        self.key = index[key]
        self.parent = index.get("CampaignId") if level == "ad" else None
        self.typed = [index.get(name) for name in TYPED]
        self.rest = [(name, i) for name, i in index.items() if name not in SPLIT_OUT]
        self.level = level

    def row(self, cells: list[Any]) -> tuple[Any, ...]:
        typed = [cells[i] if i is not None else None for i in self.typed]
        payload = json.dumps({name: cells[i] for name, i in self.rest}, ensure_ascii=False) if self.rest else "{}"
        if self.level == "ad":
            parent = cells[self.parent] if self.parent is not None else None
            return (cells[self.key], parent, cells[self.date], *typed, payload)
        return (cells[self.key], cells[self.date], *typed, payload)


class StatsLoader:
    """Replace one partition of a statistics table with the rows of one report."""

    def __init__(
        self,
        warehouse: DirectWarehouse,
        client_login: str,
        date_from: str | None,
        date_to: str | None,
        *,
        level: str = "campaign",
        done_campaigns: Iterable[int] | None = None,
        require_summary: bool = False,
    ) -> None:
        if level not in ("campaign", "ad"):
            raise ValueError("level must be 'campaign' or 'ad'")
        self.warehouse = warehouse
        self.login = client_login
        # None with DateRangeType AUTO: the server picks the period and its title line says which.
        self.date_from = dt.date.fromisoformat(date_from).isoformat() if date_from else None
        self.date_to = dt.date.fromisoformat(date_to).isoformat() if date_to else None
        self.level = level
        self.table = CAMPAIGN_STATS if level == "campaign" else AD_STATS
        self.done_campaigns = list(done_campaigns) if done_campaigns is not None else None
        #: The report was asked WITH its summary line: its absence means a cut-off body.
        self.require_summary = require_summary

    def load(self, lines: Iterable[str]) -> StatsLoad:
        d = self.warehouse.dialect
        key = "campaign_id" if self.level == "campaign" else "ad_id"
        columns = [
            "client_login",
            key,
            *(["campaign_id"] if self.level == "ad" else []),
            "date",
            "impressions",
            "clicks",
            "cost",
            "conversions",
            "payload",
            "loaded_at",
        ]
        lines = started(lines)
        load_started = utcnow()  # what the load covers: corrections detected before it began
        loaded_at = d.ts(utcnow())
        rows = 0
        summary: int | None = None
        compared = columns[1:-1]  # what a day's contents are: everything but the login and the load time
        old, new = DayDigests(), DayDigests()
        with self.warehouse.transaction() as tx:
            replace = PeriodReplace(tx.cursor, d, self.table, compared, old, _comparable)
            batch: list[tuple[Any, ...]] = []
            reader = TsvReader(lines)
            try:
                layout: _Layout | None = None
                for cells in reader:
                    if layout is None:
                        layout = _Layout(reader.columns or [], self.level)
                        self.date_from, self.date_to = replace.open(
                            self.login, self.date_from, self.date_to, reader.period
                        )
                        low, high = self.date_from, self.date_to
                    date = cells[layout.date]
                    if not low <= date <= high:
                        raise AsyncTaskProtocolError(f"a row dated {date} is outside {low}..{high}")
                    row = layout.row(cells)
                    new.add(date, _comparable(row))
                    batch.append((self.login, *row, loaded_at))
                    rows += 1
                    if len(batch) >= BATCH_ROWS:
                        # The partition was deleted above: plain inserts, and a duplicate row fails loudly.
                        d.insert(tx.cursor, replace.target, columns, batch, json_columns=("payload",))
                        batch.clear()
                summary = reader.summary
                if not replace.opened:
                    self.date_from, self.date_to = replace.open(self.login, self.date_from, self.date_to, reader.period)
                if batch:
                    d.insert(tx.cursor, replace.target, columns, batch, json_columns=("payload",))
                check_summary(summary, rows, self.require_summary)
                replace.commit()
            finally:
                replace.close()
            done = self._mark_restatements_done(tx.cursor, d.ts(utcnow()))
            tx.record_load(self.login, self.table, self.date_from or "", self.date_to or "", load_started)
        return StatsLoad(rows, summary, self.date_from or "", self.date_to or "", done, new.changed(old))

    def _mark_restatements_done(self, cursor: Any, now: Any) -> int:
        """Restatements whose BorderDate this pull covers (from it up to the end) are done."""
        d = self.warehouse.dialect
        p = d.param
        where = f"client_login = {p} AND done_at IS NULL AND border_date >= {p} AND border_date <= {p}"
        params: list[Any] = [self.login, self.date_from, self.date_to]
        if self.done_campaigns is not None:
            if not self.done_campaigns:
                return 0
            where += f" AND campaign_id IN ({', '.join(p for _ in self.done_campaigns)})"
            params.extend(self.done_campaigns)
        return d.set_where(cursor, STAT_RESTATEMENTS, "done_at", now, where, params)


def _comparable(values: Sequence[Any]) -> tuple[Any, ...]:
    """A stored or new row in one shape: its last value, the payload, as sorted JSON text (PostgreSQL
    returns JSONB parsed, SQLite as text)."""
    payload = values[-1]
    if isinstance(payload, str):
        payload = json.loads(payload)
    return (*values[:-1], json.dumps(payload, sort_keys=True))


def pending_restatements(warehouse: DirectWarehouse, client_login: str, table: str | None = None) -> dict[int, str]:
    """Earliest pending BorderDate per campaign (what the next statistics pull must cover).

    Without ``table``: the rows the campaign and ad statistics loads have not settled (``done_at``). With
    ``table``: those no load of that table has covered since they were detected: each table restates on
    its own, so a campaign load never hides a correction from the geo or search-query tables.
    """
    d = warehouse.dialect
    p = d.param
    if table is None:
        rows = warehouse._fetch(
            f"SELECT campaign_id, MIN(border_date) FROM {d.source(STAT_RESTATEMENTS)} "
            f"WHERE client_login = {p} AND done_at IS NULL GROUP BY campaign_id",
            (client_login,),
        )
    else:
        # Not a correlated NOT EXISTS: the covered restatements as a set, which every engine runs.
        rows = warehouse._fetch(
            f"SELECT campaign_id, MIN(border_date) FROM {d.source(STAT_RESTATEMENTS)} WHERE client_login = {p} "
            f"AND (campaign_id, border_date) NOT IN (SELECT r.campaign_id, r.border_date "
            f"FROM {d.source(STAT_RESTATEMENTS, 'r')} JOIN {d.qualify(REPORT_LOADS)} l "
            f"ON l.client_login = r.client_login WHERE r.client_login = {p} AND l.table_name = {p} "
            f"AND l.date_from <= r.border_date AND l.date_to >= r.border_date AND l.loaded_at >= r.detected_at) "
            f"GROUP BY campaign_id",
            (client_login, client_login, table),
        )
    return {int(c): str(b) for c, b in rows}
