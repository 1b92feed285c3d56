"""Fault injection for exercising a client's retry logic.

Two sources, both deterministic: a queue of one-shot faults ("fail the next N matching requests with X")
for exact tests, and per-kind rates drawn from a seeded RNG for soak runs. ``unprocessed_rate`` is the
Changes.check knob that pushes ids into ``Unprocessed`` until they are asked for again.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from airflow_provider_direct.emulator.errors import ERROR_STRINGS

# "api_http": an HTTP error status carrying the API's JSON error body (the Reports service answers
# 500/502 that way); "http" is a front-end HTML page instead.
FaultKind = Literal["error", "http", "api_http", "drop", "truncate", "non_json", "slow"]
HTTP_FAULT_STATUSES = frozenset({500, 502, 503, 504})
RATE_KEYS = (
    "error_52",
    "error_506",
    "error_1000",
    "error_1001",
    "error_1002",
    "error_1020",
    "http_500",
    "http_502",
    "http_503",
    "drop",
    "truncate",
    "non_json",
    "slow",
)


class FaultSpec(BaseModel):
    """One fault; ``service``/``method`` restrict which request may consume a queued fault."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: FaultKind
    code: int | None = None
    status: int | None = None
    seconds: float | None = Field(default=None, ge=0)
    service: str | None = None
    method: str | None = None

    @model_validator(mode="after")
    def _check(self) -> FaultSpec:
        if self.kind == "error" and self.code not in ERROR_STRINGS:
            raise ValueError(f"error faults need a known API error code, got {self.code}")
        if self.kind in ("http", "api_http") and self.status not in HTTP_FAULT_STATUSES:
            raise ValueError(f"{self.kind} faults need status in {sorted(HTTP_FAULT_STATUSES)}")
        if self.kind == "api_http" and self.code is not None and self.code not in ERROR_STRINGS:
            raise ValueError(f"api_http faults need a known API error code, got {self.code}")
        return self

    def matches(self, service: str, method: str | None) -> bool:
        return (self.service is None or self.service == service) and (self.method is None or self.method == method)

    @property
    def label(self) -> str:
        if self.kind == "error":
            return f"error_{self.code}"
        if self.kind in ("http", "api_http"):
            return f"{self.kind}_{self.status}"
        return self.kind


class FaultSettings(BaseModel):
    """Body of ``POST /admin/faults``; omitted fields keep their current values."""

    model_config = ConfigDict(extra="forbid")

    clear: bool = False
    next: list[FaultSpec] = Field(default_factory=list)
    rates: dict[str, float] | None = None
    slow_seconds: float | None = Field(default=None, ge=0)
    unprocessed_rate: float | None = Field(default=None, ge=0, le=1)
    seed: int | None = None

    @model_validator(mode="after")
    def _check_rates(self) -> FaultSettings:
        if self.rates is not None:
            unknown = set(self.rates) - set(RATE_KEYS)
            if unknown:
                raise ValueError(f"unknown fault rates {sorted(unknown)}; known: {list(RATE_KEYS)}")
            if any(not 0 <= rate <= 1 for rate in self.rates.values()) or sum(self.rates.values()) > 1:
                raise ValueError("rates must be within 0..1 and sum to at most 1")
        return self


def _spec_for_rate(key: str, slow_seconds: float) -> FaultSpec:
    kind, _, number = key.partition("_")
    if kind == "error":
        return FaultSpec(kind="error", code=int(number))
    if kind == "http":
        return FaultSpec(kind="http", status=int(number))
    if key == "slow":
        return FaultSpec(kind="slow", seconds=slow_seconds)
    return FaultSpec(kind=key)  # type: ignore[arg-type]


class FaultInjector:
    """Thread-safe fault source shared by all /json/ requests of one world."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._queue: deque[FaultSpec] = deque()
        self._rates: dict[str, float] = {}
        self._slow_seconds = 2.0
        self._unprocessed_rate = 0.0
        self._deferred: set[tuple[int, str, int]] = set()
        self.injected: Counter[str] = Counter()

    def configure(self, settings: FaultSettings) -> dict[str, Any]:
        with self._lock:
            if settings.clear:
                self._queue.clear()
                self._rates = {}
                self._unprocessed_rate = 0.0
                self._deferred.clear()
            if settings.seed is not None:
                self._rng = random.Random(settings.seed)
            if settings.slow_seconds is not None:
                self._slow_seconds = settings.slow_seconds
            if settings.rates is not None:
                self._rates = {key: rate for key, rate in settings.rates.items() if rate > 0}
            if settings.unprocessed_rate is not None:
                self._unprocessed_rate = settings.unprocessed_rate
            self._queue.extend(settings.next)
        return self.describe()

    def describe(self) -> dict[str, Any]:
        return {
            "next": [spec.model_dump(exclude_none=True) for spec in self._queue],
            "rates": dict(self._rates),
            "slow_seconds": self._slow_seconds,
            "unprocessed_rate": self._unprocessed_rate,
            "injected": dict(self.injected),
        }

    def pick(self, service: str, method: str | None) -> FaultSpec | None:
        """The fault for this request: first matching queued fault, else a draw against the rates."""
        with self._lock:
            for spec in self._queue:
                if spec.matches(service, method):
                    self._queue.remove(spec)
                    if spec.kind == "slow" and spec.seconds is None:
                        spec = spec.model_copy(update={"seconds": self._slow_seconds})
                    self.injected[spec.label] += 1
                    return spec
            if not self._rates:
                return None
            draw = self._rng.random()
            for key in RATE_KEYS:
                draw -= self._rates.get(key, 0.0)
                if draw < 0:
                    self.injected[key] += 1
                    return _spec_for_rate(key, self._slow_seconds)
            return None

    def split_unprocessed(self, login_index: int, field: str, ids: list[int]) -> tuple[list[int], list[int]]:
        """Defer a random share of ids; an id deferred once is always processed when re-sent."""
        with self._lock:
            if self._unprocessed_rate <= 0:
                return ids, []
            processed: list[int] = []
            unprocessed: list[int] = []
            for object_id in ids:
                key = (login_index, field, object_id)
                if key in self._deferred:
                    self._deferred.discard(key)
                    processed.append(object_id)
                elif self._rng.random() < self._unprocessed_rate:
                    self._deferred.add(key)
                    unprocessed.append(object_id)
                else:
                    processed.append(object_id)
            return processed, unprocessed
