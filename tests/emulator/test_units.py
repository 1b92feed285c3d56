"""Units accounting: prices in the header, error prices, 152, hourly refill, time scale."""

from __future__ import annotations

import time
from collections.abc import Mapping

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin
from tests.emulator.helpers import Api

pytestmark = pytest.mark.integration  # every test here talks HTTP over 127.0.0.1


def units(headers: Mapping[str, str]) -> tuple[int, int, int]:
    """``Units: spent/rest/limit`` as integers."""
    spent, rest, limit = headers["Units"].split("/")
    return int(spent), int(rest), int(limit)


def test_method_prices(api: Api, admin: EmulatorAdmin) -> None:
    admin.reset(keywords=1000, groups=3)  # 3 000 keywords per campaign
    kw = api.post("keywords", "get", {"SelectionCriteria": {"CampaignIds": [1_000_000]}, "FieldNames": ["Id"]})
    assert len(kw.json()["result"]["Keywords"]) == 3000
    assert units(kw.headers)[0] == 15 + 1  # one full block of 2 000 keywords
    small = api.post(
        "keywords",
        "get",
        {"SelectionCriteria": {"AdGroupIds": [100_000_000]}, "FieldNames": ["Id"], "Page": {"Limit": 1999}},
    )
    assert units(small.headers)[0] == 15
    groups = api.post("adgroups", "get", {"SelectionCriteria": {"CampaignIds": [1_000_000]}, "FieldNames": ["Id"]})
    assert units(groups.headers)[0] == 15 + 3
    assert units(api.post("changes", "checkDictionaries").headers)[0] == 1
    stamp = api.result("changes", "checkDictionaries")["Timestamp"]
    assert units(api.post("changes", "checkCampaigns", {"Timestamp": stamp}).headers)[0] == 10
    check = api.post("changes", "check", {"CampaignIds": [1_000_000], "FieldNames": ["AdIds"], "Timestamp": stamp})
    assert units(check.headers)[0] == 11


def test_errors_cost_twenty_except_availability_errors(api: Api, admin: EmulatorAdmin) -> None:
    bad = api.post("campaigns", "get", {"SelectionCriteria": {}})
    assert units(bad.headers)[0] == 20
    smart = api.post("ads", "get", {"SelectionCriteria": {"CampaignIds": [1_000_004]}, "FieldNames": ["Id"]})
    assert smart.json()["error"]["error_code"] == 1002 and units(smart.headers)[0] == 0
    admin.set_faults(next=[{"kind": "error", "code": 1000}, {"kind": "error", "code": 1020}])
    assert units(api.post("changes", "checkDictionaries").headers)[0] == 0
    assert units(api.post("changes", "checkDictionaries").headers)[0] == 20


def test_not_enough_units(api: Api, admin: EmulatorAdmin) -> None:
    admin.set_units("client-1", rest=5)
    response = api.post("campaigns", "get", {"SelectionCriteria": {}, "FieldNames": ["Id"]})
    error = response.json()["error"]
    assert error["error_code"] == 152 and "hour" in error["error_detail"]
    assert units(response.headers) == (0, 5, 100_000)
    assert units(api.post("changes", "checkDictionaries").headers) == (1, 4, 100_000)  # base 1 still fits
    admin.set_units("client-1", rest=12)
    response = api.post("campaigns", "get", {"SelectionCriteria": {}, "FieldNames": ["Id"]})  # costs 14
    assert "result" in response.json() and units(response.headers) == (12, 0, 100_000)  # never below zero


def test_hourly_refill_on_the_emulated_clock(api: Api, admin: EmulatorAdmin) -> None:
    admin.reset(daily_units=2400)
    admin.set_units("client-1", rest=0)
    assert api.error("changes", "checkDictionaries")["error_code"] == 152
    admin.advance_clock(3600)
    assert admin.units("client-1")["rest"] == 100
    admin.advance_clock(3600 * 48)
    assert admin.units("client-1")["rest"] == 2400  # capped at the daily limit
    assert admin.units("client-2")["rest"] == 2400


def test_time_scale_speeds_up_refill(api: Api, admin: EmulatorAdmin) -> None:
    admin.reset(daily_units=24_000, time_scale=3600)  # one emulated hour per second
    admin.set_units("client-1", rest=0)
    assert api.error("changes", "checkDictionaries")["error_code"] == 152
    time.sleep(1.2)
    response = api.post("changes", "checkDictionaries")
    assert "result" in response.json()
    assert units(response.headers)[1] >= 1000 - 1
