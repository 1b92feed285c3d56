"""Which periods a statistics run pulls (pure logic).

Statistics settle within about 3 days but can be corrected later (CampaignsStat / BorderDate). A run
pulls from the earliest pending BorderDate up to yesterday, else the last 3 days; a backfill splits
a long range into report-sized periods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

DEFAULT_WINDOW_DAYS = 3
MAX_PERIOD_DAYS = 31


def restatement_window(
    pending: Mapping[int, str], yesterday: dt.date, window_days: int = DEFAULT_WINDOW_DAYS
) -> dict[str, Any]:
    """The period of a daily pull: from the earliest pending BorderDate (if any) or the last days."""
    default_from = yesterday - dt.timedelta(days=window_days - 1)
    if pending:
        earliest = min(dt.date.fromisoformat(border) for border in pending.values())
        date_from = min(earliest, default_from)
    else:
        date_from = default_from
    return {
        "date_from": date_from.isoformat(),
        "date_to": yesterday.isoformat(),
        "restatement_campaigns": sorted(pending),
    }


def split_period(date_from: str, date_to: str, max_days: int = MAX_PERIOD_DAYS) -> list[dict[str, str]]:
    """Consecutive periods of at most ``max_days`` covering ``date_from..date_to`` (a backfill)."""
    start, end = dt.date.fromisoformat(date_from), dt.date.fromisoformat(date_to)
    if end < start:
        raise ValueError(f"date_to {date_to} is before date_from {date_from}")
    periods = []
    while start <= end:
        stop = min(end, start + dt.timedelta(days=max_days - 1))
        periods.append({"date_from": start.isoformat(), "date_to": stop.isoformat()})
        start = stop + dt.timedelta(days=1)
    return periods
