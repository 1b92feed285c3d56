"""A per-login units budget for one sync run, and prices learned from the ``Units`` header.

Direct publishes no reliable price table, so the budget never trusts one: each service starts from a
cautious prior (or from what earlier runs of the login learned) and every answer's ``Units`` reading
raises the estimate when a call cost more, or lowers its price per object to a bound the answer proves. A read
reserves its estimated price before it is sent (threads read concurrently) and the reservation is
released once the ledger has the real charge, so reservations plus charges never pass the budget.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace

from airflow_provider_direct.utils.units import UnitsLedger


@dataclass(frozen=True)
class Price:
    """What one ``get`` call is expected to cost: a base plus a price per returned object."""

    base: float
    per_object: float

    def estimate(self, objects: int) -> int:
        return math.ceil(self.base + self.per_object * objects)


#: A cautious prior: above the per-call prices third-party specs give (10-15 + 1 per object).
DEFAULT_PRIOR = Price(base=20, per_object=1)


class DailyLimitUnknownError(ValueError):
    """A share of the daily limit was asked for before any answer told the limit."""


def parse_budget(setting: int | float | str | None, daily_limit: int | None) -> int | None:
    """Units a run may spend: an absolute number, a share of the daily limit (``0.25`` / ``"25%"``), or None.

    A share needs the daily limit, which the ``Units`` header of any answer carries.
    """
    if setting is None or (isinstance(setting, str) and setting.strip().lower() in ("", "none", "null")):
        return None  # a templated empty Param renders as "None"
    share: float | None = None
    if isinstance(setting, str):
        text = setting.strip()
        try:
            if text.endswith("%"):
                share = float(text[:-1]) / 100
            elif "." in text:
                share = float(text)
            else:
                setting = int(text)
        except ValueError:
            raise ValueError(
                f"units_budget must be a number of units, a share such as 0.2 or a percentage such as 20%, "
                f"got {setting!r}"
            ) from None
    elif isinstance(setting, float):
        share = setting
    if share is not None:
        if not 0 < share <= 1:
            raise ValueError(f"units_budget share must be within (0, 1], got {setting!r}")
        if daily_limit is None:
            raise DailyLimitUnknownError(
                "units_budget as a share needs the daily limit, which no Units header has reported yet"
            )
        return int(daily_limit * share)
    if isinstance(setting, bool) or not isinstance(setting, int) or setting < 0:
        raise ValueError(f"units_budget must be a non-negative number of units or a share, got {setting!r}")
    return setting


@dataclass
class UnitsBudget:
    """Units one run may spend for one login, counted on the hook's ledger (thread-safe).

    :param limit: units for the whole run (None: no budget beyond the API's own limit).
    :param ledger: the hook's ledger; what it spent since ``start`` counts against the budget.
    """

    limit: int | None
    ledger: UnitsLedger
    start: int = 0
    prices: dict[str, Price] = field(default_factory=dict)
    _reserved: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    short_of: set[str] = field(default_factory=set)

    @classmethod
    def starting_now(cls, limit: int | None, ledger: UnitsLedger) -> UnitsBudget:
        return cls(limit=limit, ledger=ledger, start=ledger.spent)

    @property
    def spent(self) -> int:
        return self.ledger.spent - self.start

    def remaining(self) -> int | None:
        """Units not yet spent nor reserved (None: unlimited)."""
        if self.limit is None:
            return None
        with self._lock:
            return self.limit - self.spent - self._reserved

    def learn(self, service: str, price: Price) -> None:
        """Start from what earlier runs learned of ``service`` instead of the prior: a dearer answer
        still raises it at once, so a price list that went up costs at most one call's difference."""
        with self._lock:
            self.prices[service] = price

    def price(self, service: str, prior: Price = DEFAULT_PRIOR) -> Price:
        with self._lock:
            return self.prices.setdefault(service, prior)

    def reserve_page(self, service: str, page_limit: int, prior: Price = DEFAULT_PRIOR) -> tuple[int, int]:
        """``(objects, units)``: how many objects the next call of ``service`` may ask for, and the units held.

        ``(0, 0)`` when not even a call with one object is affordable; the service is then noted
        as short of budget (the run summary says what was left for the next run).
        """
        price = self.price(service, prior)
        with self._lock:
            if self.limit is None:
                return page_limit, 0
            free = self.limit - self.spent - self._reserved
            objects = page_limit
            if price.per_object > 0:
                objects = min(page_limit, math.floor((free - price.base) / price.per_object))
            if objects < 1 or price.estimate(objects) > free:
                self.short_of.add(service)
                return 0, 0
            units = price.estimate(objects)
            self._reserved += units
            return objects, units

    def reserve(self, service: str, units: int) -> bool:
        """Hold ``units`` for a call whose size is fixed (no ``Page``); False when it does not fit."""
        with self._lock:
            if self.limit is None:
                return True
            if self.limit - self.spent - self._reserved < units:
                self.short_of.add(service)
                return False
            self._reserved += units
            return True

    def release(self, units: int) -> None:
        """Drop a reservation once the ledger holds the real charge (or the call was never sent)."""
        with self._lock:
            self._reserved = max(0, self._reserved - units)

    def observe(self, service: str, cost: int, objects: int) -> None:
        """Learn from one answer: a call that cost more than estimated raises the price.

        A cheaper one may lower the price per object, never the base: a call's whole cost spread over
        its objects is at least what one more object costs, whether the service charges per object or
        per block of them (keyword bids: one unit per 2 000). Without that, a prior of one unit per
        object made a 2 000-bid page reserve 2 000 units for a 16-unit call and starve the other reads.
        """
        with self._lock:
            price = self.prices.setdefault(service, DEFAULT_PRIOR)
            if objects == 0:
                if cost > price.base:
                    self.prices[service] = replace(price, base=cost)
            elif cost > price.estimate(objects):
                self.prices[service] = replace(price, per_object=(cost - price.base) / objects)
            elif cost / objects < price.per_object:
                self.prices[service] = replace(price, per_object=cost / objects)
