"""Fingerprints of a partition's days, to tell which days a reload changed.

Per day: the row count and an order-free sum of 64-bit row hashes, so the stored rows (read back in any
order, dates and JSON as the engine returns them) and the new rows (as they stream) compare equal exactly
when the day's contents are the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

_MASK = (1 << 64) - 1


def normal(value: Any) -> Any:
    """One value as both engines give it back: dates as ISO text (PostgreSQL returns ``date``)."""
    return value.isoformat() if isinstance(value, dt.date) else value


class DayDigests:
    """Per day: (rows, sum of 64-bit row hashes mod 2**64); equal digests mean equal day contents."""

    def __init__(self) -> None:
        self.days: dict[str, tuple[int, int]] = {}

    def add(self, day: str, values: Iterable[Any]) -> None:
        text = repr(tuple(normal(v) for v in values)).encode()
        row = int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")
        count, total = self.days.get(day, (0, 0))
        self.days[day] = (count + 1, (total + row) & _MASK)

    def changed(self, other: DayDigests) -> list[str]:
        return sorted(d for d in self.days.keys() | other.days.keys() if self.days.get(d) != other.days.get(d))
