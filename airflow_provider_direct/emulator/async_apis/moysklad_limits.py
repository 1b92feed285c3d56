"""MoySklad's documented error texts, its request-rate window, and injected faults.

MoySklad limits requests per user in a short window (45 units in 3 seconds; a stock report weighs 5)
and reports the window in ``X-RateLimit-*`` / ``X-Lognex-*`` headers; past it a request answers 429.
Too many parallel requests answer 429 with error 1073. The emulator's window is off until an admin
sets one (``POST /admin/async/limits``), so tests that do not care are never throttled; faults
(``POST /admin/async/faults``: the next requests answer a given error) stand in for what cannot be
caused on purpose, such as 1073 or 61008 (an internal error while sending the task).

Docs: https://dev.moysklad.ru/doc/api/remap/1.2/#/general#3-obrabotka-oshibok (headers, 429),
https://dev.moysklad.ru/doc/api/remap/1.2/#/restrictions#3-limit-zaprosov-za-3-sekundnyj-period (weights),
https://dev.moysklad.ru/doc/api/remap/1.2/#/errors#3-kody-oshibok-dlya-asinhronnogo-obmena (61000-61008).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: The documented texts of the errors the emulator answers with (``_errors.md``).
ERROR_TEXTS: dict[int, str] = {
    1049: "Превышено ограничение на количество запросов в единицу времени",
    1073: "Превышено ограничение на одновременное количество запросов",
    61000: "Ошибка при создании асинхронной задачи: эндпоинт не поддерживает асинхронный обмен",
    61001: "Ошибка при создании асинхронной задачи: нельзя указывать параметры 'offset' и 'limit' "
    "для асинхронного запроса",
    61002: "Ошибка при создании асинхронной задачи: превышено ограничение на количество одновременно выполняемых "
    "асинхронных операций.",
    61003: "Ошибка при запросе результата асинхронной задачи: результат задачи был удален",
    61004: "Ошибка при запросе результата асинхронной задачи: задача завершилась ошибкой",
    61005: "Ошибка при запросе результата асинхронной задачи: задача была отменена",
    61006: "Ошибка при запросе результата асинхронной задачи: результат еще не готов",
    61007: "Ошибка при отмене асинхронной задачи: задача уже завершена",
    61008: "Ошибка при отправке асинхронной задачи: внутренняя ошибка",
}
#: HTTP statuses the docs give (429 for request limits) or, where they give none, the emulator's choice:
#: 410 for a deleted result, 500 for an internal error, 400 for the rest.
ERROR_STATUSES: dict[int, int] = {1049: 429, 1073: 429, 61002: 429, 61003: 410, 61008: 500}
#: Requests to these reports weigh 5 units of the window (the restrictions page), any other one 1.
HEAVY_REPORTS = ("stock/all", "stock/bystore")

Route = Literal["any", "start", "state", "result", "cancel", "list", "webhook"]


def error_status(code: int) -> int:
    return ERROR_STATUSES.get(code, 400)


class RateLimit(BaseModel):
    """Body of ``POST /admin/async/limits``: the per-user window (``limit: null`` switches it off)."""

    model_config = ConfigDict(extra="forbid")

    api: Literal["moysklad"] = "moysklad"
    limit: int | None = Field(default=None, ge=1, description="units per window; MoySklad's is 45")
    interval_ms: int = Field(default=3_000, ge=1, description="the window; MoySklad's is 3 seconds")


class Fault(BaseModel):
    """One arranged error answer: ``code`` with its documented text, on the next matching request(s)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: int
    status: int | None = Field(default=None, ge=400, le=599, description="default: the code's usual status")
    route: Route = "any"
    message: str | None = None
    count: int = Field(default=1, ge=1)


class FaultsRequest(BaseModel):
    """Body of ``POST /admin/async/faults``."""

    model_config = ConfigDict(extra="forbid")

    api: Literal["moysklad"] = "moysklad"
    next: list[Fault] = Field(default_factory=list)
    clear: bool = False


@dataclass
class Refusal:
    """An answer the gate gives instead of the endpoint's."""

    status: int
    body: dict[str, Any]


@dataclass
class _Window:
    start: float
    used: int = 0


class RequestGate:
    """Per-user request window and the queue of arranged faults, for one emulated world."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rate: RateLimit | None = None
        self._windows: dict[str, _Window] = {}
        self._faults: deque[list[Any]] = deque()  # [fault, remaining count]
        self.refusals: list[dict[str, Any]] = []  # what was refused, for /admin/async/limits

    def set_rate(self, rate: RateLimit) -> None:
        with self._lock:
            self.rate = rate if rate.limit is not None else None
            self._windows.clear()

    def add_faults(self, faults: list[Fault], clear: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            if clear:
                self._faults.clear()
            self._faults.extend([fault, fault.count] for fault in faults)
            return [{**fault.model_dump(exclude_unset=True), "remaining": left} for fault, left in self._faults]

    def view(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rate": self.rate.model_dump() if self.rate is not None else None,
                "faults": [{**fault.model_dump(exclude_unset=True), "remaining": left} for fault, left in self._faults],
                "refusals": list(self.refusals),
            }

    def reset(self) -> None:
        with self._lock:
            self.rate = None
            self._windows.clear()
            self._faults.clear()
            self.refusals.clear()

    def admit(self, user: str, route: str, weight: int, now: float) -> tuple[Refusal | None, dict[str, str]]:
        """A refusal (a fault, or the window spent) or None, and the window headers every answer carries."""
        with self._lock:
            fault = self._take_fault(route)
            if fault is not None:
                self.refusals.append({"at": now, "user": user, "route": route, "code": fault.code})
                text = fault.message or ERROR_TEXTS.get(fault.code, f"Ошибка {fault.code}")
                body = {"errors": [{"error": text, "code": fault.code}]}
                return Refusal(fault.status or error_status(fault.code), body), self._headers(user, now)
            if self.rate is None or self.rate.limit is None:
                return None, {}
            window = self._window(user, now)
            if window.used + weight > self.rate.limit:
                self.refusals.append({"at": now, "user": user, "route": route, "code": 1049})
                headers = self._headers(user, now)
                headers["X-Lognex-Retry-After"] = headers["X-Lognex-Reset"]
                body = {"errors": [{"error": ERROR_TEXTS[1049], "code": 1049}]}
                return Refusal(429, body), headers
            window.used += weight
            return None, self._headers(user, now)

    def _take_fault(self, route: str) -> Fault | None:
        for entry in self._faults:
            fault, left = entry
            if fault.route in ("any", route):
                if left <= 1:
                    self._faults.remove(entry)
                else:
                    entry[1] = left - 1
                return fault  # type: ignore[no-any-return]
        return None

    def _window(self, user: str, now: float) -> _Window:
        assert self.rate is not None
        window = self._windows.get(user)
        if window is None or now >= window.start + self.rate.interval_ms / 1000:
            window = self._windows[user] = _Window(now)
        return window

    def _headers(self, user: str, now: float) -> dict[str, str]:
        """``X-RateLimit-*`` / ``X-Lognex-*`` as documented; nothing while no window is set."""
        if self.rate is None or self.rate.limit is None:
            return {}
        window = self._window(user, now)
        reset_ms = max(0, round((window.start + self.rate.interval_ms / 1000 - now) * 1000))
        return {
            "X-RateLimit-Limit": str(self.rate.limit),
            "X-Lognex-Retry-TimeInterval": str(self.rate.interval_ms),
            "X-RateLimit-Remaining": str(max(0, self.rate.limit - window.used)),
            "X-Lognex-Reset": str(reset_ms),
        }


def weight(route: str, report: str | None) -> int:
    """Units one request spends: 5 for a stock report, else 1."""
    if route == "start" and report is not None and report.strip("/") in HEAVY_REPORTS:
        return 5
    return 1
