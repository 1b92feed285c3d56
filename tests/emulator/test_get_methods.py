"""Campaigns/AdGroups/Ads/Keywords/AgencyClients ``get``: selection, FieldNames, caps, paging, smart campaigns."""

from __future__ import annotations

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin
from tests.emulator.helpers import KEYWORD_FIELDS, Api

pytestmark = pytest.mark.integration  # every test here talks HTTP over 127.0.0.1

# client-1 owns campaigns 1_000_000..1_000_004 (the last is smart); client-2 starts at 1_000_005.
TEXT_CAMPAIGNS = [1_000_000, 1_000_001, 1_000_002, 1_000_003]
SMART = 1_000_004
FOREIGN = 1_000_005
SMART_GROUP = 100_000_024  # first group of the smart campaign (4 * 6)
SMART_AD = 1_000_000_048


def test_campaigns_get_lists_only_own_text_campaigns(api: Api) -> None:
    result = api.result("campaigns", "get", {"SelectionCriteria": {}, "FieldNames": ["Id", "Type", "EndDate"]})
    assert [c["Id"] for c in result["Campaigns"]] == TEXT_CAMPAIGNS
    assert all(c == {"Id": c["Id"], "Type": "TEXT_CAMPAIGN", "EndDate": None} for c in result["Campaigns"])
    assert "LimitedBy" not in result


def test_campaigns_get_ids_ignores_unknown_foreign_and_smart(api: Api) -> None:
    params = {"SelectionCriteria": {"Ids": [1_000_001, FOREIGN, SMART, 42, 1_000_003]}, "FieldNames": ["Id"]}
    assert api.result("campaigns", "get", params)["Campaigns"] == [{"Id": 1_000_001}, {"Id": 1_000_003}]


def test_type_specific_field_names(api: Api) -> None:
    result = api.result(
        "campaigns",
        "get",
        {
            "SelectionCriteria": {"Ids": [1_000_000]},
            "FieldNames": ["Id"],
            "TextCampaignFieldNames": ["BiddingStrategy", "AttributionModel"],
        },
    )
    campaign = result["Campaigns"][0]
    assert set(campaign) == {"Id", "TextCampaign"}
    assert set(campaign["TextCampaign"]) == {"BiddingStrategy", "AttributionModel"}
    ads = api.result(
        "ads",
        "get",
        {"SelectionCriteria": {"CampaignIds": [1_000_000]}, "FieldNames": ["Id"], "TextAdFieldNames": ["Title"]},
    )["Ads"]
    assert len(ads) == 12 and all(set(ad) == {"Id", "TextAd"} and set(ad["TextAd"]) == {"Title"} for ad in ads)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"SelectionCriteria": {}}, 8000),  # FieldNames missing
        ({"SelectionCriteria": {}, "FieldNames": ["Id", "Bogus"]}, 8000),
        ({"FieldNames": ["Id"]}, 8000),  # SelectionCriteria missing
        ({"SelectionCriteria": {"Ids": list(range(1, 1002))}, "FieldNames": ["Id"]}, 4001),
        ({"SelectionCriteria": {"Ids": []}, "FieldNames": ["Id"]}, 4001),
        ({"SelectionCriteria": {}, "FieldNames": ["Id"], "Page": {"Limit": 10_001}}, 4002),
        ({"SelectionCriteria": {}, "FieldNames": ["Id"], "Page": {"Offset": -1}}, 4002),
        ({"SelectionCriteria": {"States": ["SLEEPING"]}, "FieldNames": ["Id"]}, 8000),
        ({"SelectionCriteria": {"Tags": ["x"]}, "FieldNames": ["Id"]}, 8000),
    ],
)
def test_campaigns_get_validation(api: Api, params: dict, code: int) -> None:
    assert api.error("campaigns", "get", params)["error_code"] == code


@pytest.mark.parametrize(
    ("service", "criteria", "field"),
    [
        ("adgroups", {"CampaignIds": list(range(1_000_000, 1_000_011))}, "CampaignIds"),
        ("adgroups", {"Ids": list(range(1, 10_002))}, "Ids"),
        ("ads", {"AdGroupIds": list(range(1, 1002))}, "AdGroupIds"),
        ("keywords", {"AdGroupIds": list(range(1, 1002))}, "AdGroupIds"),
        ("keywords", {"Ids": list(range(1, 10_002))}, "Ids"),
        ("keywords", {"CampaignIds": list(range(1, 12))}, "CampaignIds"),
    ],
)
def test_over_cap_lists_are_errors_not_truncation(api: Api, service: str, criteria: dict, field: str) -> None:
    error = api.error(service, "get", {"SelectionCriteria": criteria, "FieldNames": ["Id"]})
    assert error["error_code"] == 4001
    assert field in error["error_detail"]


@pytest.mark.parametrize("service", ["adgroups", "ads", "keywords"])
def test_child_gets_need_an_id_criterion(api: Api, service: str) -> None:
    error = api.error(service, "get", {"SelectionCriteria": {"States": ["ON"]}, "FieldNames": ["Id"]})
    assert error["error_code"] in (4001, 8000)


def test_keywords_paging_with_limited_by(api: Api) -> None:
    params = {"SelectionCriteria": {"CampaignIds": TEXT_CAMPAIGNS}, "FieldNames": KEYWORD_FIELDS}
    first = api.result("keywords", "get", {**params, "Page": {"Limit": 100}})
    assert len(first["Keywords"]) == 100 and first["LimitedBy"] == 100
    second = api.result("keywords", "get", {**params, "Page": {"Limit": 100, "Offset": 100}})
    assert second["LimitedBy"] == 200
    paged = api.all_pages("keywords", {**params, "Page": {"Limit": 77}}, "Keywords")
    assert len(paged) == 4 * 6 * 15
    assert [k["Id"] for k in paged[:200]] == [k["Id"] for k in first["Keywords"] + second["Keywords"]]
    order = [(k["CampaignId"], k["AdGroupId"], k["Id"]) for k in paged]
    assert order == sorted(order)
    whole = api.result("keywords", "get", params)
    assert whole["Keywords"] == paged and "LimitedBy" not in whole


def test_criteria_are_and_ed_and_ids_filter_silently(api: Api, admin: EmulatorAdmin) -> None:
    admin.mutate({"op": "delete", "type": "keyword", "id": 10_000_000_001})
    ids = [10_000_000_000, 10_000_000_001, 10_000_000_015, 10_000_000_016, 99]
    result = api.result(
        "keywords",
        "get",
        {"SelectionCriteria": {"Ids": ids, "AdGroupIds": [100_000_001]}, "FieldNames": ["Id", "AdGroupId"]},
    )
    assert result["Keywords"] == [
        {"Id": 10_000_000_015, "AdGroupId": 100_000_001},
        {"Id": 10_000_000_016, "AdGroupId": 100_000_001},
    ]
    groups = api.result(
        "adgroups",
        "get",
        {
            "SelectionCriteria": {"Ids": [100_000_000, 100_000_007], "CampaignIds": [1_000_001]},
            "FieldNames": ["Id", "CampaignId"],
        },
    )["AdGroups"]
    assert groups == [{"Id": 100_000_007, "CampaignId": 1_000_001}]


def test_state_filters(api: Api) -> None:
    everything = api.all_pages(
        "keywords", {"SelectionCriteria": {"CampaignIds": [1_000_000]}, "FieldNames": ["Id", "State"]}, "Keywords"
    )
    on_only = api.all_pages(
        "keywords",
        {
            "SelectionCriteria": {"CampaignIds": [1_000_000], "States": ["ON"]},
            "FieldNames": ["Id", "State"],
            "Page": {"Limit": 7},
        },
        "Keywords",
    )
    assert on_only == [k for k in everything if k["State"] == "ON"]
    assert 0 < len(on_only) < len(everything)


def test_modified_since_returns_only_touched_keywords(api: Api, admin: EmulatorAdmin) -> None:
    stamp = api.result("changes", "checkDictionaries")["Timestamp"]
    admin.mutate(
        {"op": "update", "type": "keyword", "id": 10_000_000_020, "fields": {"Bid": 1_230_000}},
        {"op": "create", "type": "keyword", "parent_id": 100_000_002, "fields": {"Keyword": "новый ключ"}},
    )
    criteria = {"CampaignIds": [1_000_000], "ModifiedSince": stamp}
    result = api.result("keywords", "get", {"SelectionCriteria": criteria, "FieldNames": ["Id", "Keyword", "Bid"]})
    assert result["Keywords"][0]["Id"] == 10_000_000_020
    assert result["Keywords"][0]["Bid"] == 1_230_000
    assert result["Keywords"][1]["Keyword"] == "новый ключ"
    by_ids = api.result(
        "keywords",
        "get",
        {"SelectionCriteria": {"Ids": [10_000_000_019, 10_000_000_020], "ModifiedSince": stamp}, "FieldNames": ["Id"]},
    )
    assert by_ids == {"Keywords": [{"Id": 10_000_000_020}]}
    old = api.result(
        "keywords",
        "get",
        {
            "SelectionCriteria": {"CampaignIds": [1_000_000], "ModifiedSince": "2000-01-01T00:00:00Z"},
            "FieldNames": ["Id"],
        },
    )
    assert len(old["Keywords"]) == 6 * 15 + 1


def test_smart_campaigns_are_invisible_and_ads_get_fails(api: Api) -> None:
    assert api.result("adgroups", "get", {"SelectionCriteria": {"CampaignIds": [SMART]}, "FieldNames": ["Id"]}) == {
        "AdGroups": []
    }
    assert api.result("keywords", "get", {"SelectionCriteria": {"CampaignIds": [SMART]}, "FieldNames": ["Id"]}) == {
        "Keywords": []
    }
    for criteria in ({"CampaignIds": [1_000_000, SMART]}, {"AdGroupIds": [SMART_GROUP]}, {"Ids": [SMART_AD]}):
        for _ in range(2):  # every time, not once
            error = api.error("ads", "get", {"SelectionCriteria": criteria, "FieldNames": ["Id"]})
            assert error["error_code"] == 1002


def test_agency_clients(api: Api) -> None:
    result = api.result(
        "agencyclients",
        "get",
        {"SelectionCriteria": {}, "FieldNames": ["Login", "ClientInfo"], "Page": {"Limit": 2}},
        token="agency-token",
    )
    assert [c["Login"] for c in result["Clients"]] == ["client-1", "client-2"] and result["LimitedBy"] == 2
    rest = api.result(
        "agencyclients",
        "get",
        {"SelectionCriteria": {}, "FieldNames": ["Login"], "Page": {"Limit": 2, "Offset": 2}},
        token="agency-token",
    )
    assert rest == {"Clients": [{"Login": "client-3"}]}
    error = api.error("agencyclients", "get", {"SelectionCriteria": {}, "FieldNames": ["Login"]})
    assert error["error_code"] == 54
