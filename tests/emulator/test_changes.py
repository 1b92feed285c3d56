"""Changes service semantics, following the seed-004 flow: checkCampaigns -> check -> get."""

from __future__ import annotations

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin
from airflow_provider_direct.emulator.clock import format_timestamp, parse_timestamp
from tests.emulator.helpers import Api

pytestmark = pytest.mark.integration  # every test here talks HTTP over 127.0.0.1

ALL_FIELDS = ["CampaignIds", "AdGroupIds", "AdIds", "CampaignsStat"]


def server_time(api: Api) -> str:
    return api.result("changes", "checkDictionaries")["Timestamp"]


def check_campaigns(api: Api, stamp: str) -> dict[int, list[str]]:
    result = api.result("changes", "checkCampaigns", {"Timestamp": stamp})
    return {c["CampaignId"]: c["ChangesIn"] for c in result.get("Campaigns", [])}


def test_check_dictionaries_with_and_without_timestamp(api: Api) -> None:
    bare = api.result("changes", "checkDictionaries")
    assert set(bare) == {"Timestamp"}
    parse_timestamp(bare["Timestamp"])
    full = api.result("changes", "checkDictionaries", {"Timestamp": bare["Timestamp"]})
    assert full["RegionsChanged"] == full["TimeZonesChanged"] == full["InterestsChanged"] == "NO"
    assert api.error("changes", "checkDictionaries", {"Timestamp": "yesterday"})["error_code"] == 8000


def test_check_campaigns_requires_timestamp_and_starts_empty(api: Api) -> None:
    assert api.error("changes", "checkCampaigns", {})["error_code"] == 8000
    result = api.result("changes", "checkCampaigns", {"Timestamp": server_time(api)})
    assert set(result) == {"Timestamp"}  # base objects carry no changes; empty arrays are omitted


def test_seed_004_flow(api: Api, admin: EmulatorAdmin) -> None:
    stamp = server_time(api)
    created = admin.mutate(
        {"op": "update", "type": "campaign", "id": 1_000_000, "fields": {"Name": "Переименована"}},
        {"op": "update", "type": "keyword", "id": 10_000_000_100, "fields": {"Bid": 3_000_000}},  # group 100_000_006
        {"op": "delete", "type": "ad", "id": 1_000_000_013},  # group 100_000_006, campaign 1_000_001
        {"op": "create", "type": "ad_group", "parent_id": 1_000_001, "fields": {"Name": "Новая"}},
        {"op": "stat_correction", "id": 1_000_002, "border_date": "2025-03-01"},
        {"op": "delete", "type": "campaign", "id": 1_000_003},
    )
    new_group = created[3]["id"]
    changes = check_campaigns(api, stamp)
    assert changes == {
        1_000_000: ["SELF"],
        1_000_001: ["CHILDREN"],
        1_000_002: ["STAT"],
        1_000_003: ["SELF"],  # deleted campaigns are reported too
    }
    result = api.result(
        "changes",
        "check",
        {"CampaignIds": [1_000_001, 1_000_002, 1_000_003], "FieldNames": ALL_FIELDS, "Timestamp": stamp},
    )
    assert result["Modified"] == {
        "AdGroupIds": [100_000_006, new_group],  # the keyword change surfaces as its group
        "AdIds": [1_000_000_013],  # deleted children are Modified; get will return nothing for them
        "CampaignsStat": [{"CampaignId": 1_000_002, "BorderDate": "2025-03-01"}],
    }
    assert result["NotFound"] == {"CampaignIds": [1_000_003]}
    assert "Unprocessed" not in result
    # The client then re-reads what changed.
    ads = api.result("ads", "get", {"SelectionCriteria": {"Ids": [1_000_000_013]}, "FieldNames": ["Id"]})
    assert ads == {"Ads": []}
    groups = api.result(
        "adgroups",
        "get",
        {"SelectionCriteria": {"Ids": result["Modified"]["AdGroupIds"]}, "FieldNames": ["Id", "Name"]},
    )
    assert [g["Id"] for g in groups["AdGroups"]] == [100_000_006, new_group]


def test_check_by_group_and_ad_ids(api: Api, admin: EmulatorAdmin) -> None:
    stamp = server_time(api)
    admin.mutate(
        {"op": "update", "type": "ad", "id": 1_000_000_000, "fields": {"State": "OFF"}},  # group 100_000_000
        {"op": "update", "type": "campaign", "id": 1_000_000, "fields": {"State": "SUSPENDED"}},
        {"op": "delete", "type": "ad_group", "id": 100_000_002},
        {"op": "delete", "type": "keyword", "id": 10_000_000_015},  # group 100_000_001
    )
    by_groups = api.result(
        "changes",
        "check",
        {
            "AdGroupIds": [100_000_000, 100_000_001, 100_000_002, 100_000_003, 777],
            "FieldNames": ["AdGroupIds", "AdIds", "CampaignIds"],
            "Timestamp": stamp,
        },
    )
    assert by_groups["Modified"] == {
        "AdGroupIds": [100_000_001],
        "AdIds": [1_000_000_000],
        "CampaignIds": [1_000_000],
    }
    assert by_groups["NotFound"] == {"AdGroupIds": [777, 100_000_002]}
    by_ads = api.result(
        "changes",
        "check",
        {"AdIds": [1_000_000_000, 1_000_000_001, 1_000_000_004], "FieldNames": ["AdIds"], "Timestamp": stamp},
    )
    assert by_ads["Modified"] == {"AdIds": [1_000_000_000]}
    assert by_ads["NotFound"] == {"AdIds": [1_000_000_004]}  # its group was deleted


def test_deleted_campaign_children_are_not_found(api: Api, admin: EmulatorAdmin) -> None:
    stamp = server_time(api)
    admin.mutate({"op": "delete", "type": "campaign", "id": 1_000_002})
    result = api.result(
        "changes", "check", {"AdGroupIds": [100_000_012, 100_000_013], "FieldNames": ["AdGroupIds"], "Timestamp": stamp}
    )
    assert result["NotFound"] == {"AdGroupIds": [100_000_012, 100_000_013]}
    assert "Modified" not in result


def test_foreign_ids_are_not_found(api: Api) -> None:
    result = api.result(
        "changes",
        "check",
        {"CampaignIds": [1_000_005], "FieldNames": ["CampaignIds"], "Timestamp": server_time(api)},
    )
    assert result["NotFound"] == {"CampaignIds": [1_000_005]}


def test_smart_campaigns_are_reported_by_changes(api: Api, admin: EmulatorAdmin) -> None:
    stamp = server_time(api)
    admin.mutate({"op": "update", "type": "ad", "id": 1_000_000_048, "fields": {"State": "OFF"}})
    assert check_campaigns(api, stamp) == {1_000_004: ["CHILDREN"]}
    result = api.result("changes", "check", {"CampaignIds": [1_000_004], "FieldNames": ["AdIds"], "Timestamp": stamp})
    assert result["Modified"] == {"AdIds": [1_000_000_048]}


def test_timestamps_are_inclusive_and_gap_free(api: Api, admin: EmulatorAdmin) -> None:
    before = server_time(api)
    admin.mutate({"op": "update", "type": "campaign", "id": 1_000_001, "fields": {"Name": "x"}})
    after = api.result("changes", "checkCampaigns", {"Timestamp": before})
    assert 1_000_001 in {c["CampaignId"] for c in after["Campaigns"]}
    # A change in the very second of the returned Timestamp is reported when that Timestamp is reused.
    admin.mutate({"op": "update", "type": "campaign", "id": 1_000_002, "fields": {"Name": "y"}})
    again = check_campaigns(api, after["Timestamp"])
    assert 1_000_002 in again
    admin.advance_clock(5)
    later = server_time(api)
    assert parse_timestamp(later) >= parse_timestamp(after["Timestamp"]) + 5
    assert check_campaigns(api, later) == {}
    assert format_timestamp(parse_timestamp(later)) == later


def test_unprocessed_ids_are_processed_when_resent(api: Api, admin: EmulatorAdmin) -> None:
    stamp = server_time(api)
    admin.mutate({"op": "update", "type": "campaign", "id": 1_000_000, "fields": {"Name": "z"}})
    admin.set_faults(unprocessed_rate=0.5, seed=3)
    ids = [1_000_000, 1_000_001, 1_000_002, 1_000_003, 1_000_004]
    first = api.result("changes", "check", {"CampaignIds": ids, "FieldNames": ["CampaignIds"], "Timestamp": stamp})
    deferred = first.get("Unprocessed", {}).get("CampaignIds", [])
    assert deferred, "with rate 0.5 and this seed some ids are deferred"
    admin.set_faults(unprocessed_rate=0.0)
    retry = api.result("changes", "check", {"CampaignIds": deferred, "FieldNames": ["CampaignIds"], "Timestamp": stamp})
    assert "Unprocessed" not in retry
    modified = [result.get("Modified", {}).get("CampaignIds", []) for result in (first, retry)]
    assert set(modified[0]) | set(modified[1]) == {1_000_000}


def test_resent_deferred_ids_are_processed_even_while_the_knob_is_on(api: Api, admin: EmulatorAdmin) -> None:
    admin.set_faults(unprocessed_rate=1.0)
    stamp = server_time(api)
    params = {"AdIds": [1_000_000_000, 1_000_000_001], "FieldNames": ["AdIds"], "Timestamp": stamp}
    assert api.result("changes", "check", params)["Unprocessed"] == {"AdIds": [1_000_000_000, 1_000_000_001]}
    assert "Unprocessed" not in api.result("changes", "check", params)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"FieldNames": ["AdIds"], "Timestamp": "2025-01-01T00:00:00Z"}, 8000),  # no input ids
        ({"CampaignIds": [1], "AdIds": [2], "FieldNames": ["AdIds"], "Timestamp": "2025-01-01T00:00:00Z"}, 8000),
        ({"CampaignIds": list(range(1, 3002)), "FieldNames": ["AdIds"], "Timestamp": "2025-01-01T00:00:00Z"}, 4001),
        ({"AdGroupIds": list(range(1, 10_002)), "FieldNames": ["AdIds"], "Timestamp": "2025-01-01T00:00:00Z"}, 4001),
        ({"CampaignIds": [1], "Timestamp": "2025-01-01T00:00:00Z"}, 8000),  # FieldNames missing
        ({"CampaignIds": [1], "FieldNames": ["Keywords"], "Timestamp": "2025-01-01T00:00:00Z"}, 8000),
        ({"CampaignIds": [1], "FieldNames": ["AdIds"]}, 8000),  # Timestamp missing
        ({"CampaignIds": [1], "FieldNames": ["AdIds"], "Timestamp": "2025-01-01 00:00:00"}, 8000),
    ],
)
def test_check_validation(api: Api, params: dict, code: int) -> None:
    assert api.error("changes", "check", params)["error_code"] == code


def test_ad_ids_cap_is_fifty_thousand(api: Api) -> None:
    ok = api.post(
        "changes",
        "check",
        {"AdIds": list(range(1, 50_001)), "FieldNames": ["AdIds"], "Timestamp": server_time(api)},
    )
    result = ok.json()["result"]
    assert len(result["NotFound"]["AdIds"]) == 50_000
    assert ok.headers["Units"].startswith("60/")  # 10 + 1 per started thousand of requested ids
