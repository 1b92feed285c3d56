"""The units budget: parsing, page-by-page reservations, and prices learned from Units headers."""

from __future__ import annotations

import threading

import pytest

from airflow_provider_direct.sync.budget import DEFAULT_PRIOR, Price, UnitsBudget, parse_budget
from airflow_provider_direct.utils.units import UnitsLedger, UnitsReading


@pytest.mark.parametrize(
    ("setting", "limit", "expected"),
    [
        (None, None, None),
        ("None", None, None),
        (5000, None, 5000),
        ("5000", None, 5000),
        (0.25, 64_000, 16_000),
        ("25%", 64_000, 16_000),
    ],
)
def test_parse_budget(setting: object, limit: int | None, expected: int | None) -> None:
    assert parse_budget(setting, limit) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("setting", [-1, 1.5, "150%", True, "lots"])
def test_bad_budgets_are_refused(setting: object) -> None:
    with pytest.raises(ValueError):
        parse_budget(setting, 64_000)  # type: ignore[arg-type]


def test_a_share_needs_the_daily_limit() -> None:
    with pytest.raises(ValueError, match="daily limit"):
        parse_budget("10%", None)


def spend(ledger: UnitsLedger, units: int) -> None:
    ledger.record(UnitsReading(spent=units, rest=1_000_000, limit=1_000_000))


def test_the_object_sync_spending_counts_and_pages_shrink_to_what_is_left() -> None:
    ledger = UnitsLedger()
    budget = UnitsBudget(limit=200, ledger=ledger, start=ledger.spent)
    spend(ledger, 150)  # the object sync ran first
    objects, units = budget.reserve_page("direct_vcards", 10_000, Price(base=20, per_object=1))
    assert (objects, units) == (30, 50)
    assert budget.remaining() == 0
    assert budget.reserve_page("direct_vcards", 10_000) == (0, 0)
    assert budget.short_of == {"direct_vcards"}
    budget.release(units)
    spend(ledger, 40)
    assert budget.remaining() == 10


def test_concurrent_reservations_never_pass_the_budget() -> None:
    ledger = UnitsLedger()
    budget = UnitsBudget(limit=1000, ledger=ledger, start=0)
    held: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            objects, units = budget.reserve_page("direct_keyword_bids", 7, Price(base=10, per_object=1))
            if objects:
                with lock:
                    held.append(units)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(held) <= 1000
    assert budget.remaining() == 1000 - sum(held) >= 0


def test_prices_learn_from_dearer_answers_only() -> None:
    budget = UnitsBudget(limit=None, ledger=UnitsLedger())
    budget.observe("s", cost=12, objects=0)
    assert budget.price("s") == DEFAULT_PRIOR  # cheaper than the prior: keep the cautious estimate
    budget.observe("s", cost=25, objects=0)
    assert budget.price("s").base == 25
    budget.observe("s", cost=25 + 300, objects=100)
    assert budget.price("s").per_object == 3
    assert budget.price("s").estimate(10) == 55


def test_cheaper_pages_lower_the_price_per_object_and_stay_safe() -> None:
    """Priced per block of 2 000 (keyword bids, on the emulator's table): after one page the estimate is
    tens of units, not thousands, and it still covers every page size."""
    budget = UnitsBudget(limit=None, ledger=UnitsLedger())
    budget.observe("kb", cost=15 + 1, objects=2000)
    price = budget.price("kb")
    assert price.base == DEFAULT_PRIOR.base and price.per_object == 16 / 2000
    assert price.estimate(2000) == 36
    for objects in (1, 10, 1999, 2000, 2001, 4000, 10_000):
        actual = 15 + -(-objects // 2000)  # 15 a call, one unit per started block of 2 000
        assert price.estimate(objects) >= actual, objects
    budget.observe("kb", cost=16, objects=10)  # a small page never raises it back above what is known
    assert budget.price("kb").per_object == 16 / 2000
    # Priced per object: the rate found is the real one plus the base spread over the page.
    budget.observe("per-object", cost=15 + 300, objects=300)
    assert budget.price("per-object").per_object == 1  # the prior's 1 is already below 315/300
    budget.observe("per-object", cost=15 + 3000, objects=3000)
    assert budget.price("per-object").per_object == 1


def test_no_budget_means_full_pages() -> None:
    budget = UnitsBudget(limit=None, ledger=UnitsLedger())
    assert budget.reserve_page("s", 10_000) == (10_000, 0)
    assert budget.remaining() is None
