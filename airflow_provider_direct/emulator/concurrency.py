"""Per-login limit of simultaneous requests (error 506).

The API allows five in-flight requests per advertiser; route handlers run in a thread pool, so the
limit here is enforced on genuinely concurrent requests, and the high-water marks feed ``/admin/stats``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from airflow_provider_direct.emulator.errors import ApiError


class ConcurrencyGate:
    """Counts in-flight requests per charged login and refuses the one over the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self.max_by_login: Counter[str] = Counter()

    @contextmanager
    def slot(self, login: str) -> Iterator[None]:
        with self._lock:
            if self._in_flight[login] >= self.limit:
                raise ApiError(506, "too_many_connections", limit=self.limit, login=login)
            self._in_flight[login] += 1
            self.max_by_login[login] = max(self.max_by_login[login], self._in_flight[login])
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[login] -= 1

    def in_flight(self, login: str) -> int:
        return self._in_flight[login]
