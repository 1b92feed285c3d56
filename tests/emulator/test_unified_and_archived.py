"""Unified performance campaigns (served by /json/v501/ only) and keywords of archived campaigns (never returned).

Both are documented restrictions a sync can trip over silently: a v5 client never sees a UPC
(https://yandex.com/dev/direct/doc/en/campaigns/get-unified-campaign), and Keywords.get hides the keywords
of archived campaigns without an error (https://yandex.com/dev/direct/doc/keywords/get.html). The admin
snapshot stays the whole truth, so tests can tell what the API hides from what does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig
from airflow_provider_direct.emulator.data import DataGenerator
from airflow_provider_direct.emulator.fields import AD_GROUP, CAMPAIGN
from airflow_provider_direct.emulator.ids import CAMPAIGN_BASE, GROUP_BASE, IdLayout
from tests.emulator.helpers import KEYWORD_FIELDS, Api

pytestmark = pytest.mark.integration  # every test here talks HTTP over 127.0.0.1

# SMALL with one unified campaign per login: client-1 owns 1_000_000..1_000_002 (text), 1_000_003 (unified)
# and 1_000_004 (smart); six groups per campaign, 15 keywords and 2 ads per group.
TEXT = [1_000_000, 1_000_001, 1_000_002]
UNIFIED = 1_000_003
UNIFIED_GROUPS = [100_000_018 + i for i in range(6)]
UNIFIED_FIELDS = ["BiddingStrategy", "Settings", "AttributionModel", "TrackingParams"]


def group_ids(campaign_id: int) -> list[int]:
    return [100_000_000 + (campaign_id - 1_000_000) * 6 + i for i in range(6)]


def keyword_ids(group_id: int) -> list[int]:
    return [10_000_000_000 + (group_id - 100_000_000) * 15 + i for i in range(15)]


def keywords(api: Api, criteria: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    return api.all_pages("keywords", {"SelectionCriteria": criteria, "FieldNames": KEYWORD_FIELDS}, "Keywords", **kw)


@pytest.fixture
def unified(admin: EmulatorAdmin) -> EmulatorAdmin:
    admin.reset(unified_campaigns=1)
    return admin


# -- a. unified performance campaigns -----------------------------------------------------------------


def test_unified_campaigns_default_to_none_and_cannot_outnumber_text_campaigns(api: Api) -> None:
    result = api.result("campaigns", "get", {"SelectionCriteria": {}, "FieldNames": ["Type"]}, version="v501")
    assert {c["Type"] for c in result["Campaigns"]} == {"TEXT_CAMPAIGN"}
    with pytest.raises(ValidationError, match="unified_campaigns"):
        EmulatorConfig(campaigns=2, unified_campaigns=3)


def test_v501_serves_unified_campaigns_with_their_block(api: Api, unified: EmulatorAdmin) -> None:
    params = {
        "SelectionCriteria": {},
        "FieldNames": ["Id", "Type"],
        "TextCampaignFieldNames": ["AttributionModel"],
        "UnifiedCampaignFieldNames": UNIFIED_FIELDS,
    }
    campaigns = api.result("campaigns", "get", params, version="v501")["Campaigns"]
    assert [c["Id"] for c in campaigns] == [*TEXT, UNIFIED]
    upc = campaigns[-1]
    assert upc["Type"] == "UNIFIED_CAMPAIGN" and "TextCampaign" not in upc
    assert set(upc["UnifiedCampaign"]) == set(UNIFIED_FIELDS)
    assert upc["UnifiedCampaign"]["BiddingStrategy"]["Search"]["BiddingStrategyType"] == "WB_MAXIMUM_CLICKS"
    assert all(set(c) == {"Id", "Type", "TextCampaign"} for c in campaigns[:-1])
    only = {"SelectionCriteria": {"Types": ["UNIFIED_CAMPAIGN"]}, "FieldNames": ["Id"]}
    assert api.result("campaigns", "get", only, version="v501")["Campaigns"] == [{"Id": UNIFIED}]


def test_v5_returns_nothing_of_a_unified_campaign(api: Api, unified: EmulatorAdmin) -> None:
    everything = api.result("campaigns", "get", {"SelectionCriteria": {}, "FieldNames": ["Id"]})["Campaigns"]
    assert [c["Id"] for c in everything] == TEXT
    for criteria in ({"Ids": [UNIFIED]}, {"Types": ["UNIFIED_CAMPAIGN"]}):
        assert api.result("campaigns", "get", {"SelectionCriteria": criteria, "FieldNames": ["Id"]})["Campaigns"] == []
    by_campaign = {"SelectionCriteria": {"CampaignIds": [UNIFIED]}, "FieldNames": ["Id"]}
    by_group = {"SelectionCriteria": {"AdGroupIds": UNIFIED_GROUPS}, "FieldNames": ["Id"]}
    for service, key in (("adgroups", "AdGroups"), ("ads", "Ads"), ("keywords", "Keywords")):
        assert api.result(service, "get", by_campaign)[key] == [], service
        assert api.result(service, "get", by_campaign, version="v501")[key], service
    for service, key in (("ads", "Ads"), ("keywords", "Keywords")):
        assert api.result(service, "get", by_group)[key] == [], service
        assert len(api.result(service, "get", by_group, version="v501")[key]) == 6 * (2 if key == "Ads" else 15)


def test_unified_groups_come_with_their_type_and_block_on_v501(api: Api, unified: EmulatorAdmin) -> None:
    params = {
        "SelectionCriteria": {"CampaignIds": [UNIFIED, TEXT[0]]},
        "FieldNames": ["Id", "CampaignId", "Type"],
        "UnifiedAdGroupFieldNames": ["OfferRetargeting"],
    }
    groups = api.result("adgroups", "get", params, version="v501")["AdGroups"]
    text, upc = groups[:6], groups[6:]
    assert {g["Type"] for g in text} == {"TEXT_AD_GROUP"} and all("UnifiedAdGroup" not in g for g in text)
    assert [g["Id"] for g in upc] == UNIFIED_GROUPS
    assert {g["Type"] for g in upc} == {"UNIFIED_AD_GROUP"}
    assert all(g["UnifiedAdGroup"]["OfferRetargeting"] in ("YES", "NO") for g in upc)
    bad = {**params, "UnifiedAdGroupFieldNames": ["Bogus"]}
    assert api.error("adgroups", "get", bad, version="v501")["error_code"] == 8000


def test_changes_and_the_snapshot_still_know_unified_campaigns(api: Api, unified: EmulatorAdmin) -> None:
    start = api.result("changes", "checkDictionaries")["Timestamp"]
    unified.mutate({"op": "update", "type": "campaign", "id": UNIFIED, "fields": {"Name": "renamed"}})
    for version in ("v5", "v501"):
        changed = api.result("changes", "checkCampaigns", {"Timestamp": start}, version=version)["Campaigns"]
        assert {"CampaignId": UNIFIED, "ChangesIn": ["SELF"]} in changed, version
    truth = {c["Id"]: c for c in unified.snapshot("client-1", "campaigns")}
    assert truth[UNIFIED]["Type"] == "UNIFIED_CAMPAIGN" and truth[UNIFIED]["Name"] == "renamed"


def test_a_created_unified_campaign_is_served_on_v501_only(api: Api, admin: EmulatorAdmin) -> None:
    spec = {"op": "create", "type": "campaign", "login": "client-1", "fields": {"Type": "UNIFIED_CAMPAIGN"}}
    campaign_id = admin.mutate(spec)[0]["id"]
    group = admin.mutate({"op": "create", "type": "ad_group", "parent_id": campaign_id})[0]["id"]
    params = {"SelectionCriteria": {"Ids": [campaign_id]}, "FieldNames": ["Id", "Type"]}
    assert api.result("campaigns", "get", params)["Campaigns"] == []
    assert api.result("campaigns", "get", params, version="v501")["Campaigns"] == [
        {"Id": campaign_id, "Type": "UNIFIED_CAMPAIGN"}
    ]
    groups = {"SelectionCriteria": {"Ids": [group]}, "FieldNames": ["Type"]}
    assert api.result("adgroups", "get", groups, version="v501")["AdGroups"] == [{"Type": "UNIFIED_AD_GROUP"}]


# -- b. keywords of archived campaigns ------------------------------------------------------------------


def archive(admin: EmulatorAdmin, campaign_id: int, state: str = "ARCHIVED") -> None:
    admin.mutate({"op": "update", "type": "campaign", "id": campaign_id, "fields": {"State": state}})


@pytest.mark.parametrize("version", ["v5", "v501"])
def test_keywords_get_hides_archived_campaigns_whichever_criterion_names_them(
    api: Api, admin: EmulatorAdmin, version: str
) -> None:
    archived, other = 1_000_000, 1_000_002
    archive(admin, archived)
    hidden_groups = group_ids(archived)
    hidden_keywords = [k for g in hidden_groups for k in keyword_ids(g)]
    visible = [k for g in group_ids(other) for k in keyword_ids(g)]
    selections: list[dict[str, Any]] = [
        {"CampaignIds": [archived]},
        {"AdGroupIds": hidden_groups},
        {"Ids": hidden_keywords},
        {"CampaignIds": [archived], "States": ["ON", "OFF", "SUSPENDED"]},  # the filtered path
        {"CampaignIds": [archived], "ModifiedSince": "2000-01-01T00:00:00Z"},
    ]
    for criteria in selections:
        assert keywords(api, criteria, version=version) == [], criteria  # no error either
    mixed: list[dict[str, Any]] = [
        {"CampaignIds": [archived, other]},
        {"AdGroupIds": [*hidden_groups, *group_ids(other)]},
        {"Ids": [*hidden_keywords, *visible]},
    ]
    for criteria in mixed:
        got = keywords(api, criteria, version=version)
        assert [k["Id"] for k in got] == visible, criteria
    # Paging stays consistent: LimitedBy counts only what is shown.
    paged = api.all_pages(
        "keywords",
        {"SelectionCriteria": {"CampaignIds": [archived, other]}, "FieldNames": ["Id"], "Page": {"Limit": 7}},
        "Keywords",
        version=version,
    )
    assert [k["Id"] for k in paged] == visible


def test_archived_campaigns_keep_their_groups_and_ads_and_the_truth_keeps_their_keywords(
    api: Api, admin: EmulatorAdmin
) -> None:
    archived = 1_000_001
    archive(admin, archived)
    campaigns = {"SelectionCriteria": {"Ids": [archived]}, "FieldNames": ["Id", "State"]}
    assert api.result("campaigns", "get", campaigns)["Campaigns"] == [{"Id": archived, "State": "ARCHIVED"}]
    by_campaign = {"SelectionCriteria": {"CampaignIds": [archived]}, "FieldNames": ["Id"]}
    assert len(api.result("adgroups", "get", by_campaign)["AdGroups"]) == 6
    assert len(api.result("ads", "get", by_campaign)["Ads"]) == 12
    truth = [k for k in admin.snapshot("client-1", "keywords") if k["CampaignId"] == archived]
    assert len(truth) == 6 * 15
    states = {c["Id"]: c["State"] for c in admin.snapshot("client-1", "campaigns")}
    assert states[archived] == "ARCHIVED"


def test_unarchiving_brings_the_keywords_back(api: Api, admin: EmulatorAdmin) -> None:
    campaign = 1_000_002
    archive(admin, campaign)
    assert keywords(api, {"CampaignIds": [campaign]}) == []
    archive(admin, campaign, state="SUSPENDED")
    assert len(keywords(api, {"CampaignIds": [campaign]})) == 6 * 15


def test_minimum_units_do_not_count_keywords_keywords_get_cannot_return(api: Api, admin: EmulatorAdmin) -> None:
    start = api.result("changes", "checkDictionaries")["Timestamp"]
    group = group_ids(1_000_000)[0]
    admin.mutate({"op": "update", "type": "ad_group", "id": group, "fields": {"Name": "touched"}})
    before = admin.minimum_units("client-1", start)
    assert before["changed"]["keywords"] == 15
    archive(admin, 1_000_000)
    after = admin.minimum_units("client-1", start)
    assert after["changed"]["keywords"] == 0 and after["by_method"]["keywords.get"] == 0


def test_generated_blocks_hold_exactly_the_requestable_fields() -> None:
    """Every field a *FieldNames array may name exists in the generated block, and nothing else."""
    layout = IdLayout(logins=1, campaigns=2, smart_campaigns=0, groups=1, ads=1, keywords=1, unified_campaigns=1)
    gen = DataGenerator(0, layout, ["a"], dt.date(2025, 1, 1))
    text = gen.campaign(CAMPAIGN_BASE, "a", "TEXT_CAMPAIGN")
    upc = gen.campaign(CAMPAIGN_BASE + 1, "a", "UNIFIED_CAMPAIGN")
    assert set(text["TextCampaign"]) == CAMPAIGN.substructures["TextCampaignFieldNames"].fields
    assert set(upc["UnifiedCampaign"]) == CAMPAIGN.substructures["UnifiedCampaignFieldNames"].fields
    assert "TextCampaign" not in upc and "UnifiedCampaign" not in text
    group = gen.ad_group(GROUP_BASE + 1, CAMPAIGN_BASE + 1, "UNIFIED_CAMPAIGN")
    assert set(group["UnifiedAdGroup"]) == AD_GROUP.substructures["UnifiedAdGroupFieldNames"].fields
    assert not layout.campaign_is_unified(CAMPAIGN_BASE) and layout.campaign_is_unified(CAMPAIGN_BASE + 1)
