"""TSV rendering of a report, chunk by chunk, optionally gzip-compressed on the fly.

Rows are formatted in batches and yielded as bytes, so the emulator's memory stays flat whatever the
row count; ``Total rows`` is counted while streaming, which is why it is the last line.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from airflow_provider_direct.emulator.reports.stats import StatRow

ROWS_PER_CHUNK = 2000
UNDEFINED = "--"  # what the API prints for ratios without a denominator
#: The one region the emulated traffic comes from: a constant keeps every level's rows summable.
LOCATION_OF_PRESENCE = "Moscow"


def report_title(name: str, date_from: dt.date, date_to: dt.date) -> str:
    """The title line in double quotes, ``"NAME (YYYY-MM-DD - YYYY-MM-DD)"``, as real reports carry it.

    The docs say only "the report name and the period's start and end dates"
    (https://yandex.com/dev/direct/doc/en/report-format); the quotes are what clients parsing real
    reports strip (see tests/wire/direct_reports/).
    """
    return f'"{name} ({date_from.isoformat()} - {date_to.isoformat()})"'


def money(micros: int, in_micros: bool) -> str:
    if in_micros:
        return str(micros)
    cents = (micros + 5_000) // 10_000
    return f"{cents // 100}.{cents % 100:02d}"


def _clean(text: Any) -> str:
    return str(text).replace("\t", " ").replace("\n", " ")


Column = Callable[[StatRow], str]


def columns(fields: Iterable[str], in_micros: bool, campaign: Callable[[int], dict[str, Any]]) -> list[Column]:
    """One formatter per requested field, in FieldNames order."""
    dates: dict[int, str] = {}

    def date(row: StatRow) -> str:
        ordinal = row.date or 0
        text = dates.get(ordinal)
        if text is None:
            text = dates[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text

    def avg_cpc(row: StatRow) -> str:
        if not row.clicks:
            return UNDEFINED
        return money((row.cost + row.clicks // 2) // row.clicks, in_micros)

    table: dict[str, Column] = {
        "Date": date,
        "CampaignId": lambda r: str(r.campaign_id),
        "CampaignName": lambda r: _clean(campaign(r.campaign_id or 0)["Name"]),
        "CampaignType": lambda r: _clean(campaign(r.campaign_id or 0)["Type"]),
        "LocationOfPresenceName": lambda r: LOCATION_OF_PRESENCE,
        "AdGroupId": lambda r: str(r.group_id),
        "AdId": lambda r: str(r.ad_id),
        "Impressions": lambda r: str(r.impressions),
        "Clicks": lambda r: str(r.clicks),
        "Cost": lambda r: money(r.cost, in_micros),
        "Ctr": lambda r: f"{r.clicks * 100 / r.impressions:.2f}" if r.impressions else UNDEFINED,
        "AvgCpc": avg_cpc,
        "Conversions": lambda r: str(r.conversions),
        "Revenue": lambda r: money(r.revenue, in_micros),
        "Bounces": lambda r: str(r.bounces),
    }
    return [table[name] for name in fields]


def render(
    rows: Iterator[StatRow],
    cols: list[Column],
    *,
    title: str | None,
    header: list[str] | None,
    summary: bool,
    stop_after: int | None = None,
) -> Iterator[bytes]:
    """Title, column names, rows, ``Total rows: N``; ``stop_after`` cuts the body (truncation fault)."""
    lines: list[str] = []
    if title is not None:
        lines.append(title)
    if header is not None:
        lines.append("\t".join(header))
    count = 0
    for row in rows:
        if stop_after is not None and count >= stop_after:
            yield ("\n".join(lines) + "\n").encode() if lines else b""
            return
        lines.append("\t".join(col(row) for col in cols))
        count += 1
        if len(lines) >= ROWS_PER_CHUNK:
            yield ("\n".join(lines) + "\n").encode()
            lines = []
    if summary:
        lines.append(f"Total rows: {count}")
    if lines:
        yield ("\n".join(lines) + "\n").encode()


def gzipped(chunks: Iterator[bytes], level: int) -> Iterator[bytes]:
    """Streamed gzip member: each chunk is compressed as it comes."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()
