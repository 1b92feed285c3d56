"""Parsing of the ``Units`` header and the running ledger."""

from __future__ import annotations

import pytest

from airflow_provider_direct.utils.units import UnitsLedger, UnitsReading


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("10/20828/64000", UnitsReading(10, 20828, 64000, "client")),
        (" 0/0/100 ", UnitsReading(0, 0, 100, "client")),
        (None, None),
        ("", None),
        ("10/20828", None),
        ("a/b/c", None),
    ],
)
def test_parse(header: str | None, expected: UnitsReading | None) -> None:
    assert UnitsReading.parse(header, "client") == expected


def test_ledger_counts_calls_without_header() -> None:
    ledger = UnitsLedger()
    ledger.record(UnitsReading(5, 95, 100, "a"), "r1")
    ledger.record(None, None)
    ledger.record(UnitsReading(7, 88, 100, "b"), "r3")
    assert ledger.as_dict() == {
        "spent": 12,
        "calls": 3,
        "rest": 88,
        "limit": 100,
        "login": "b",
        "spent_by_login": {"a": 5, "b": 7},
    }
    assert ledger.last_request_id == "r3"
