"""Which periods a statistics run pulls."""

from __future__ import annotations

import datetime as dt

import pytest

from airflow_provider_direct.sync.statistics import restatement_window, split_period

YESTERDAY = dt.date(2026, 1, 10)


def test_last_three_days_when_nothing_is_pending() -> None:
    assert restatement_window({}, YESTERDAY) == {
        "date_from": "2026-01-08",
        "date_to": "2026-01-10",
        "restatement_campaigns": [],
    }


def test_from_the_earliest_border_date() -> None:
    window = restatement_window({14742: "2026-01-02", 5: "2026-01-05"}, YESTERDAY)
    assert window == {"date_from": "2026-01-02", "date_to": "2026-01-10", "restatement_campaigns": [5, 14742]}


def test_a_recent_border_date_still_covers_the_settling_window() -> None:
    assert restatement_window({7: "2026-01-10"}, YESTERDAY)["date_from"] == "2026-01-08"


def test_backfill_split() -> None:
    assert split_period("2026-01-01", "2026-03-05", max_days=31) == [
        {"date_from": "2026-01-01", "date_to": "2026-01-31"},
        {"date_from": "2026-02-01", "date_to": "2026-03-03"},
        {"date_from": "2026-03-04", "date_to": "2026-03-05"},
    ]
    assert split_period("2026-01-01", "2026-01-01") == [{"date_from": "2026-01-01", "date_to": "2026-01-01"}]
    with pytest.raises(ValueError, match="before"):
        split_period("2026-01-02", "2026-01-01")
