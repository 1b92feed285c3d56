"""The emulator's floor of units for a change set (what the incremental benchmark compares with)."""

from __future__ import annotations

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin
from tests.emulator.helpers import Api

pytestmark = pytest.mark.integration


def test_no_changes_costs_one_check_campaigns(api: Api, admin: EmulatorAdmin) -> None:
    since = api.result("changes", "checkDictionaries")["Timestamp"]
    admin.advance_clock(2)
    floor = admin.minimum_units("client-1", since)
    assert floor["total"] == 10
    assert floor["changed"] == {"campaigns": 0, "ad_groups": 0, "ads": 0, "keywords": 0}


def test_floor_of_a_known_change_set(api: Api, admin: EmulatorAdmin) -> None:
    since = api.result("changes", "checkDictionaries")["Timestamp"]
    keyword = next(admin.snapshot("client-1", "keywords"))
    ad = next(admin.snapshot("client-1", "ads"))
    campaign = next(admin.snapshot("client-1", "campaigns"))
    admin.mutate(
        {"op": "update", "type": "campaign", "id": campaign["Id"], "fields": {"Name": "renamed"}},
        {"op": "update", "type": "keyword", "id": keyword["Id"], "fields": {"Bid": 5_000_000}},
        {"op": "update", "type": "ad", "id": ad["Id"], "fields": {"State": "OFF"}},
    )
    floor = admin.minimum_units("client-1", since)
    assert floor["changed"] == {"campaigns": 1, "ad_groups": 1, "ads": 1, "keywords": 15}
    assert floor["by_method"] == {
        "changes.checkCampaigns": 10,
        "changes.check": 11,
        "campaigns.get": 11,
        "adgroups.get": 16,
        "ads.get": 16,
        "keywords.get": 15,
    }
    assert floor["total"] == 79


def test_deleted_and_smart_objects_cost_no_reads(api: Api, admin: EmulatorAdmin) -> None:
    since = api.result("changes", "checkDictionaries")["Timestamp"]
    smart = next(
        c for c in admin.snapshot("client-1", "campaigns", include_smart=True) if c["Type"] == "SMART_CAMPAIGN"
    )
    campaign = next(admin.snapshot("client-1", "campaigns"))
    admin.mutate(
        {"op": "delete", "type": "campaign", "id": campaign["Id"]},
        {"op": "update", "type": "campaign", "id": smart["Id"], "fields": {"Name": "x"}},
    )
    assert admin.minimum_units("client-1", since)["total"] == 10


def test_bad_since_is_a_400(admin: EmulatorAdmin) -> None:
    import requests

    with pytest.raises(requests.HTTPError):
        admin.minimum_units("client-1", "yesterday")
