"""Request counters for ``GET /admin/stats``: what the emulator saw, for assertions and benchmarks."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class RequestStats:
    """Thread-safe counters per service.method, HTTP status and API error code."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0
        self.by_method: Counter[str] = Counter()
        self.by_http_status: Counter[int] = Counter()
        self.by_error_code: Counter[int] = Counter()
        self._in_flight = 0
        self.max_in_flight = 0

    def begin(self) -> None:
        with self._lock:
            self.total += 1
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def end(self, operation: str, http_status: int, error_code: int | None) -> None:
        with self._lock:
            self._in_flight -= 1
            self.by_method[operation] += 1
            self.by_http_status[http_status] += 1
            if error_code is not None:
                self.by_error_code[error_code] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests_total": self.total,
                "in_flight": self._in_flight,
                "max_in_flight": self.max_in_flight,
                "by_method": dict(self.by_method),
                "by_http_status": {str(k): v for k, v in self.by_http_status.items()},
                "by_error_code": {str(k): v for k, v in self.by_error_code.items()},
            }
