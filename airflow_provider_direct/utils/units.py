"""API units ("points") accounting from the ``Units`` response header.

Real per-method costs are not reliably documented, so the provider never hard-codes them: it reads
``Units: spent/rest/limit`` and ``Units-Used-Login`` from every answer and keeps a running ledger.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UnitsReading:
    """One ``Units`` header: what this call cost, what is left, and the daily limit."""

    spent: int
    rest: int
    limit: int
    login: str | None = None

    @classmethod
    def parse(cls, header: str | None, login: str | None = None) -> UnitsReading | None:
        """Parse ``"10/20828/64000"``; ``None`` when the header is absent or malformed."""
        if not header:
            return None
        parts = header.strip().split("/")
        if len(parts) != 3:
            return None
        try:
            spent, rest, limit = (int(p) for p in parts)
        except ValueError:
            return None
        return cls(spent=spent, rest=rest, limit=limit, login=login or None)


@dataclass
class UnitsLedger:
    """Running total of units spent by one hook, plus the last balance the API reported.

    Thread-safe, because one hook may be shared by threads of a task.
    """

    spent: int = 0
    calls: int = 0
    rest: int | None = None
    limit: int | None = None
    login: str | None = None
    last_request_id: str | None = None
    spent_by_login: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, reading: UnitsReading | None, request_id: str | None = None) -> None:
        """Add one answer's reading (a call without a ``Units`` header still counts as a call)."""
        with self._lock:
            self.calls += 1
            self.last_request_id = request_id or self.last_request_id
            if reading is None:
                return
            self.spent += reading.spent
            self.rest = reading.rest
            self.limit = reading.limit
            if reading.login:
                self.login = reading.login
                self.spent_by_login[reading.login] = self.spent_by_login.get(reading.login, 0) + reading.spent

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary, fit for XCom, logs and asset extras."""
        with self._lock:
            return {
                "spent": self.spent,
                "calls": self.calls,
                "rest": self.rest,
                "limit": self.limit,
                "login": self.login,
                "spent_by_login": dict(self.spent_by_login),
            }
