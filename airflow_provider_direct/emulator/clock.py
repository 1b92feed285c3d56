"""Emulator clock and the Changes-service timestamp format.

The clock is wall time plus an adjustable offset so tests can jump hours ahead (units refill,
change windows) without sleeping, while still moving forward on its own like a real server.
"""

from __future__ import annotations

import calendar
import threading
import time

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_timestamp(seconds: float) -> str:
    """Render epoch seconds as the API's ``YYYY-MM-DDThh:mm:ssZ`` (whole seconds, UTC)."""
    return time.strftime(TIMESTAMP_FORMAT, time.gmtime(int(seconds)))


def parse_timestamp(value: object) -> int:
    """Parse an API timestamp into whole epoch seconds; ValueError on anything else."""
    if not isinstance(value, str):
        raise ValueError("timestamp must be a string")
    return calendar.timegm(time.strptime(value, TIMESTAMP_FORMAT))


class EmulatorClock:
    """Monotone-enough server clock: wall clock plus an offset that admin can only advance."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self.start = time.time()

    def now(self) -> float:
        return time.time() + self._offset

    def now_seconds(self) -> int:
        """Floor of ``now``; change times and returned Timestamps are compared at this resolution."""
        return int(self.now())

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
            return self._offset

    @property
    def offset(self) -> float:
        return self._offset

    def elapsed(self) -> float:
        return self.now() - self.start
