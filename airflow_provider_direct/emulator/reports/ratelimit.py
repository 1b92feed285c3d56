"""Sliding-window request limit of the Reports service (20 calls per 10 s per login, error 56).

Counted on the emulator clock so tests can drain the window with ``/admin/clock/advance``.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque


class SlidingWindow:
    """At most ``limit`` accepted calls per ``window`` seconds per key; refused calls are not counted."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str, now: float) -> bool:
        with self._lock:
            calls = self._calls[key]
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            if len(calls) >= self.limit:
                return False
            calls.append(now)
            return True
