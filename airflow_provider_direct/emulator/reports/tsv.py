"""TSV rendering of a report, chunk by chunk, optionally gzip-compressed on the fly.

Rows are formatted in batches and yielded as bytes, so the emulator's memory stays flat whatever the
row count; ``Total rows`` is counted while streaming, which is why it is the last line.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from airflow_provider_direct.emulator.reports.stats import StatRow, goal_share

ROWS_PER_CHUNK = 2000
UNDEFINED = "--"  # what the API prints for ratios without a denominator


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


def _ratio(numerator: int, denominator: int) -> str:
    return f"{numerator * 100 / denominator:.2f}" if denominator else UNDEFINED


def _conversion_columns(in_micros: bool, share: int = 100) -> dict[str, Column]:
    """The conversion fields of all goals (``share`` 100) or of one goal and model (its share, in %)."""

    def conversions(r: StatRow) -> int:
        return r.conversions * share // 100

    def revenue(r: StatRow) -> int:
        return r.revenue * share // 100

    return {
        "Conversions": lambda r: str(conversions(r)),
        "Revenue": lambda r: money(revenue(r), in_micros),
        "ConversionRate": lambda r: _ratio(conversions(r), r.clicks),
        "CostPerConversion": lambda r: money(r.cost // conversions(r), in_micros) if conversions(r) else UNDEFINED,
        "GoalsRoi": lambda r: f"{(revenue(r) - r.cost) / r.cost:.2f}" if r.cost else UNDEFINED,
    }


def _dimension(position: int) -> Column:
    def value(row: StatRow) -> str:
        found = row.dims[position]
        return UNDEFINED if found is None else _clean(found)

    return value


def columns(
    fields: Iterable[str],
    in_micros: bool,
    campaign: Callable[[int], dict[str, Any]],
    goals: tuple[str, ...] = (),
    models: tuple[str, ...] = (),
    dims: tuple[str, ...] = (),
) -> list[Column]:
    """One formatter per report column, in FieldNames order (per-goal fields: per goal, then model)."""
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
        "AdGroupId": lambda r: str(r.group_id),
        "AdGroupName": lambda r: _clean(campaign(r.group_id or 0)["Name"]),
        "AdId": lambda r: str(r.ad_id),
        "Impressions": lambda r: str(r.impressions),
        "Clicks": lambda r: str(r.clicks),
        "Cost": lambda r: money(r.cost, in_micros),
        "Ctr": lambda r: f"{r.clicks * 100 / r.impressions:.2f}" if r.impressions else UNDEFINED,
        "AvgCpc": avg_cpc,
        "Bounces": lambda r: str(r.bounces),
        **_conversion_columns(in_micros),
    }
    for position, name in enumerate(dims):  # segment values, in the order the row carries them
        table[name] = _dimension(position)
    out: list[Column] = []
    for name in fields:
        if goals and name in ("Conversions", "Revenue", "ConversionRate", "CostPerConversion", "GoalsRoi"):
            out.extend(
                _conversion_columns(in_micros, goal_share(goal, model))[name] for goal in goals for model in models
            )
        else:
            out.append(table[name])
    return out


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
