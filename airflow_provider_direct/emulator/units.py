"""Units ("points") accounting: daily limits, hourly refill, charging and error 152.

The real API refills a sliding window: each hour adds 1/24 of the daily limit, capped at the limit,
so an exhausted account recovers gradually rather than at midnight. Emulated hours run at
``time_scale`` times the emulator clock, which lets tests watch a refill happen in a second.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

from airflow_provider_direct.emulator.clock import EmulatorClock
from airflow_provider_direct.emulator.config import EmulatorConfig
from airflow_provider_direct.emulator.errors import ApiError


@dataclass
class UnitsAccount:
    """Balance of one advertiser or agency."""

    login: str
    limit: int
    rest: int
    hour: int
    spent: int = 0  # total since the world started
    calls: int = 0


@dataclass(frozen=True)
class Receipt:
    """What one answer reports in its ``Units`` and ``Units-Used-Login`` headers."""

    login: str
    spent: int
    rest: int
    limit: int

    @property
    def header(self) -> str:
        return f"{self.spent}/{self.rest}/{self.limit}"


class UnitsLedger:
    """Balances of all accounts; refills lazily whenever an account is touched."""

    def __init__(self, config: EmulatorConfig, clock: EmulatorClock) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._accounts: dict[str, UnitsAccount] = {}

    def emulated_hour(self) -> int:
        return int(self._clock.elapsed() * self._config.time_scale // 3600)

    def _account(self, login: str) -> UnitsAccount:
        account = self._accounts.get(login)
        hour = self.emulated_hour()
        if account is None:
            limit = self._config.daily_limit(login)
            account = self._accounts[login] = UnitsAccount(login=login, limit=limit, rest=limit, hour=hour)
        elif hour > account.hour:
            portion = max(1, account.limit // 24)
            account.rest = min(account.limit, account.rest + (hour - account.hour) * portion)
            account.hour = hour
        return account

    def ensure(self, login: str, base_cost: int) -> None:
        """Refuse a call whose base price exceeds the balance (error 152, free of charge)."""
        with self._lock:
            if self._account(login).rest < base_cost:
                raise ApiError(152, "not_enough_units")

    def charge(self, login: str, cost: int) -> Receipt:
        """Charge after the answer is computed; the balance never drops below zero."""
        with self._lock:
            account = self._account(login)
            spent = min(cost, account.rest)
            account.rest -= spent
            account.spent += spent
            account.calls += 1
            return Receipt(login=login, spent=spent, rest=account.rest, limit=account.limit)

    def view(self, login: str) -> dict[str, int | str]:
        with self._lock:
            return asdict(self._account(login))

    def set(self, login: str, rest: int | None = None, limit: int | None = None) -> dict[str, int | str]:
        with self._lock:
            account = self._account(login)
            if limit is not None:
                account.limit = limit
            if rest is not None:
                account.rest = max(0, min(rest, account.limit))
            return asdict(account)
