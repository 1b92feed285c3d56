"""Dynamic text and smart campaigns, and their targets: DynamicTextAdTargets (webpages) and SmartAdTargets.

Documented rules checked here:
- https://yandex.com/dev/direct/doc/en/dynamictextadtargets/get: SelectionCriteria is required with at
  least one of Ids (1..10 000), AdGroupIds (1..1000), CampaignIds (1..2); a target in State DELETED is
  returned only when States has DELETED or its id is named.
- https://yandex.com/dev/direct/doc/en/smartadtargets/get: the same caps; "if the Ids parameter is set,
  the state is ignored when selecting filters".
- Campaigns.get, AdGroups.get and Ads.get return each type's own block (the *FieldNames enums of
  https://yandex.com/dev/direct/doc/en/campaigns/get, .../adgroups/get, .../ads/get).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin
from airflow_provider_direct.emulator.account_fields import SMART_AD_TARGET, WEBPAGE
from airflow_provider_direct.emulator.fields import AD, AD_GROUP, CAMPAIGN
from airflow_provider_direct.emulator.truth import service_objects
from tests.emulator.helpers import SMALL, Api

pytestmark = pytest.mark.integration  # every test here talks HTTP over 127.0.0.1

# client-1: 4 text campaigns, then 1 dynamic, 1 smart (shown), then the seed's hidden smart-banner one.
SHAPE = {**SMALL, "dynamic_campaigns": 1, "performance_campaigns": 1}
DYNAMIC, SMART, HIDDEN = 1_000_004, 1_000_005, 1_000_006
SERVICES = {"dynamictextadtargets": ("Webpages", WEBPAGE), "smartadtargets": ("SmartAdTargets", SMART_AD_TARGET)}


@pytest.fixture
def shaped(admin: EmulatorAdmin) -> EmulatorAdmin:
    admin.reset(**SHAPE)
    return admin


def everything(spec: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"FieldNames": list(spec.fields)}
    params.update({name: sorted(sub.fields) for name, sub in spec.substructures.items()})
    return params


def targets(api: Api, service: str, criteria: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    key, spec = SERVICES[service]
    return api.all_pages(service, {"SelectionCriteria": criteria, **everything(spec), "Page": {"Limit": 3}}, key, **kw)


def test_dynamic_and_smart_campaigns_are_shown_with_their_blocks(api: Api, shaped: EmulatorAdmin) -> None:
    campaigns = api.result(
        "campaigns", "get", {"SelectionCriteria": {"Ids": [DYNAMIC, SMART, HIDDEN]}, **everything(CAMPAIGN)}
    )["Campaigns"]
    assert [(c["Id"], c["Type"]) for c in campaigns] == [(DYNAMIC, "DYNAMIC_TEXT_CAMPAIGN"), (SMART, "SMART_CAMPAIGN")]
    assert campaigns[0]["DynamicTextCampaign"]["BiddingStrategy"] and "TextCampaign" not in campaigns[0]
    assert campaigns[1]["SmartCampaign"]["CounterId"] and "DynamicTextCampaign" not in campaigns[1]
    groups = api.all_pages(
        "adgroups", {"SelectionCriteria": {"CampaignIds": [DYNAMIC, SMART]}, **everything(AD_GROUP)}, "AdGroups"
    )
    types = {g["CampaignId"]: g["Type"] for g in groups}
    assert types == {DYNAMIC: "DYNAMIC_TEXT_AD_GROUP", SMART: "SMART_AD_GROUP"}
    feeds = {f["Id"] for f in api.result("feeds", "get", {"FieldNames": ["Id"]})["Feeds"]}
    for group in groups:
        if group["Type"] == "SMART_AD_GROUP":
            assert group["SmartAdGroup"]["FeedId"] in feeds and "DynamicTextAdGroup" not in group
        else:
            assert group["DynamicTextAdGroup"]["DomainUrl"].endswith(".example.com")
    ads = api.all_pages("ads", {"SelectionCriteria": {"CampaignIds": [DYNAMIC, SMART]}, **everything(AD)}, "Ads")
    assert {a["Type"] for a in ads} == {"DYNAMIC_TEXT_AD", "SMART_AD"}
    assert all(("DynamicTextAd" in a) == (a["Type"] == "DYNAMIC_TEXT_AD") for a in ads)
    assert all("TextAd" not in a for a in ads)
    # Neither group type takes keywords: Keywords.get returns none and the admin API refuses one.
    keywords = api.result(
        "keywords", "get", {"SelectionCriteria": {"CampaignIds": [DYNAMIC, SMART]}, "FieldNames": ["Id"]}
    )
    assert keywords.get("Keywords", []) == []
    with pytest.raises(requests.HTTPError):
        shaped.mutate({"op": "create", "type": "keyword", "parent_id": groups[0]["Id"], "fields": {"Keyword": "x"}})
    with pytest.raises(requests.HTTPError):  # a dynamic ad has no TextAd block to edit
        shaped.mutate({"op": "update", "type": "ad", "id": ads[0]["Id"], "fields": {"TextAd": {"Title": "x"}}})
    # The seed's smart-banner campaign stays the pitfall: hidden, and Ads.get touching it is 1002.
    error = api.error("ads", "get", {"SelectionCriteria": {"CampaignIds": [HIDDEN]}, "FieldNames": ["Id"]})
    assert error["error_code"] == 1002


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_targets_belong_to_their_group_type(api: Api, shaped: EmulatorAdmin, service: str) -> None:
    own = DYNAMIC if service == "dynamictextadtargets" else SMART
    found = targets(api, service, {"CampaignIds": [own]})
    groups = {g["Id"] for g in shaped.snapshot("client-1", "ad_groups") if g["CampaignId"] == own}
    per_group = {g: [t for t in found if t["AdGroupId"] == g] for g in groups}
    assert all(1 <= len(v) <= 2 for v in per_group.values()), "every group has one or two"
    order = [(t["CampaignId"], t["AdGroupId"], t["Id"]) for t in found]
    assert order == sorted(order)
    _, spec = SERVICES[service]
    assert all(set(t) == set(spec.fields) for t in found)
    # Other campaign types have none; criteria intersect; another login sees none of them.
    assert targets(api, service, {"CampaignIds": [1_000_000, 1_000_001]}) == []
    group = found[0]["AdGroupId"]
    assert targets(api, service, {"AdGroupIds": [group]}) == per_group[group]
    assert targets(api, service, {"Ids": [found[0]["Id"]], "CampaignIds": [1_000_000]}) == []
    assert targets(api, service, {"Ids": [found[0]["Id"]]}, token="client-2-token") == []
    assert list(service_objects(shaped, "client-1", service)) == found


@pytest.mark.parametrize("service", sorted(SERVICES))
@pytest.mark.parametrize(
    "criteria",
    [{}, {"States": ["ON"]}, {"CampaignIds": [1, 2, 3]}, {"AdGroupIds": list(range(1, 1002))}],
)
def test_target_caps(api: Api, shaped: EmulatorAdmin, service: str, criteria: dict) -> None:
    error = api.error(service, "get", {"SelectionCriteria": criteria, "FieldNames": ["Id"]})
    assert error["error_code"] == 4001


def test_target_validation(api: Api, shaped: EmulatorAdmin) -> None:
    for service, params in (
        ("dynamictextadtargets", {"FieldNames": ["Id"]}),  # SelectionCriteria is required
        ("dynamictextadtargets", {"SelectionCriteria": {"CampaignIds": [DYNAMIC]}, "FieldNames": ["AverageCpc"]}),
        ("smartadtargets", {"SelectionCriteria": {"CampaignIds": [SMART], "States": ["GONE"]}, "FieldNames": ["Id"]}),
        ("smartadtargets", {"SelectionCriteria": {"CampaignIds": [SMART], "Types": []}, "FieldNames": ["Id"]}),
    ):
        assert api.error(service, "get", params)["error_code"] == 8000, (service, params)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_deleted_targets_only_when_asked(api: Api, shaped: EmulatorAdmin, service: str) -> None:
    kind = "webpage" if service == "dynamictextadtargets" else "smart_ad_target"
    own = DYNAMIC if service == "dynamictextadtargets" else SMART
    first = targets(api, service, {"CampaignIds": [own]})[0]
    shaped.mutate({"op": "update", "type": kind, "id": first["Id"], "fields": {"State": "SUSPENDED"}})
    assert targets(api, service, {"Ids": [first["Id"]]})[0]["State"] == "SUSPENDED"
    with pytest.raises(requests.HTTPError):  # suspend and resume only: OFF is the system's state
        shaped.mutate({"op": "update", "type": kind, "id": first["Id"], "fields": {"State": "OFF"}})
    with pytest.raises(requests.HTTPError):  # the group never changes
        shaped.mutate({"op": "update", "type": kind, "id": first["Id"], "fields": {"AdGroupId": 1}})
    shaped.mutate({"op": "delete", "type": kind, "id": first["Id"]})
    group = {"AdGroupIds": [first["AdGroupId"]]}
    assert first["Id"] not in [t["Id"] for t in targets(api, service, group)]
    assert [t["State"] for t in targets(api, service, {**group, "States": ["DELETED"]})] == ["DELETED"]
    assert targets(api, service, {"Ids": [first["Id"]]})[0]["State"] == "DELETED"
    on_only = targets(api, service, {"Ids": [first["Id"]], "States": ["ON"]})
    # SmartAdTargets ignores States when Ids is set; DynamicTextAdTargets applies both.
    assert [t["State"] for t in on_only] == (["DELETED"] if service == "smartadtargets" else [])
    assert first["Id"] not in [t["Id"] for t in service_objects(shaped, "client-1", service)]


def test_targets_are_created_only_in_their_group_type(shaped: EmulatorAdmin) -> None:
    groups = {g["CampaignId"]: g["Id"] for g in shaped.snapshot("client-1", "ad_groups")}
    [webpage] = shaped.mutate({"op": "create", "type": "webpage", "parent_id": groups[DYNAMIC], "fields": {}})
    assert webpage["campaign_id"] == DYNAMIC
    [target] = shaped.mutate(
        {"op": "create", "type": "smart_ad_target", "parent_id": groups[SMART], "fields": {"Name": "Новый"}}
    )
    assert target["campaign_id"] == SMART
    for kind, parent in (("webpage", groups[SMART]), ("smart_ad_target", groups[1_000_000])):
        with pytest.raises(requests.HTTPError):
            shaped.mutate({"op": "create", "type": kind, "parent_id": parent, "fields": {}})


def test_random_batches_touch_targets_from_their_own_stream(api: Api, shaped: EmulatorAdmin) -> None:
    shaped.reset(**SHAPE, account_services_mutations=True)
    applied = shaped.random_mutations(300, login="client-1", seed=11)
    kinds = {(m["type"], m["op"]) for m in applied}
    assert {("webpage", "create"), ("webpage", "update"), ("smart_ad_target", "update")} <= kinds
    for service in SERVICES:
        truth = list(service_objects(shaped, "client-1", service))
        own = DYNAMIC if service == "dynamictextadtargets" else SMART
        assert targets(api, service, {"CampaignIds": [own]}) == truth, service
    # An account without dynamic or smart campaigns draws exactly what it drew before they existed.
    shaped.reset(**SMALL, dynamic_campaigns=0, performance_campaigns=0, account_services_mutations=True)
    plain = shaped.random_mutations(150, login="client-1", seed=3)
    assert not {m["type"] for m in plain} & {"webpage", "smart_ad_target"}
