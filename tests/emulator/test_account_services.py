"""Account-level services: criteria, caps, paging, projection, errors, mutations, truth and latency."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin
from airflow_provider_direct.emulator.account_data import CREATIVE_BLOCKS
from airflow_provider_direct.emulator.account_fields import (
    AD_EXTENSION,
    AD_IMAGE,
    AUDIENCE_TARGET,
    BID_MODIFIER,
    BUSINESS,
    CLIENT,
    CREATIVE,
    FEED,
    KEYWORD_BID,
    RETARGETING_LIST,
    SHARED_SET,
    SITELINK_FIELDS,
    STRATEGY,
    TURBO_PAGE,
    VCARD,
)
from airflow_provider_direct.emulator.dictionaries import TABLES
from airflow_provider_direct.emulator.fields import AD
from airflow_provider_direct.emulator.truth import service_objects
from tests.emulator.helpers import Api

pytestmark = pytest.mark.integration  # every test here talks HTTP over 127.0.0.1

# client-1 owns campaigns 1_000_000..1_000_004 (the last is smart); client-2 starts at 1_000_005.
TEXT_CAMPAIGNS = [1_000_000, 1_000_001, 1_000_002, 1_000_003]
SMART = 1_000_004
FOREIGN_CAMPAIGN = 1_000_005
FIRST_GROUP = 100_000_000
FIRST_KEYWORD = 10_000_000_000


def everything(spec: Any) -> dict[str, Any]:
    """FieldNames and every nested *FieldNames array of a spec: what the snapshot lines carry."""
    params: dict[str, Any] = {"FieldNames": list(spec.fields)}
    params.update({name: sorted(sub.fields) for name, sub in spec.substructures.items()})
    return params


FULL = {
    "sitelinks": {"FieldNames": ["Id", "Sitelinks"], "SitelinkFieldNames": sorted(SITELINK_FIELDS)},
    "vcards": everything(VCARD),
    "adimages": everything(AD_IMAGE),
    "adextensions": {"SelectionCriteria": {}, **everything(AD_EXTENSION)},
    "retargetinglists": everything(RETARGETING_LIST),
    "negativekeywordsharedsets": everything(SHARED_SET),
    "feeds": everything(FEED),
    "turbopages": everything(TURBO_PAGE),
    "businesses": everything(BUSINESS),
    "creatives": {"SelectionCriteria": {}, **everything(CREATIVE)},
}
LIST_KEYS = {
    "sitelinks": "SitelinksSets",
    "vcards": "VCards",
    "adimages": "AdImages",
    "adextensions": "AdExtensions",
    "retargetinglists": "RetargetingLists",
    "negativekeywordsharedsets": "NegativeKeywordSharedSets",
    "bidmodifiers": "BidModifiers",
    "keywordbids": "KeywordBids",
    "feeds": "Feeds",
    "turbopages": "TurboPages",
    "businesses": "Businesses",
    "creatives": "Creatives",
    "audiencetargets": "AudienceTargets",
}


def ids_of(objects: list[dict[str, Any]], key: str = "Id") -> list[Any]:
    return [o[key] for o in objects]


def read_all(api: Api, service: str, campaigns: list[int] = TEXT_CAMPAIGNS) -> list[dict[str, Any]]:
    """A complete read of a login-scoped service (or of the objects of ``campaigns``), every field."""
    if service in FULL:
        return api.all_pages(service, {**FULL[service], "Page": {"Limit": 3}}, LIST_KEYS[service])
    if service == "bidmodifiers":
        params = {**everything(BID_MODIFIER), "Page": {"Limit": 7}}
        criteria: dict[str, Any] = {"Levels": ["CAMPAIGN", "AD_GROUP"]}
    elif service == "audiencetargets":
        params = {**everything(AUDIENCE_TARGET), "Page": {"Limit": 5}}
        criteria = {}
    else:
        params = {**everything(KEYWORD_BID), "Page": {"Limit": 50}}
        criteria = {}
    out: list[dict[str, Any]] = []
    for start in range(0, len(campaigns), 10):  # CampaignIds: 1..10
        selection = {**criteria, "CampaignIds": campaigns[start : start + 10]}
        out.extend(api.all_pages(service, {**params, "SelectionCriteria": selection}, LIST_KEYS[service]))
    return out


# -- Sitelinks, VCards, AdImages: optional IdsCriteria ---------------------------------------------


def test_sitelinks_list_all_select_by_ids_and_project_items(api: Api) -> None:
    sets = api.result("sitelinks", "get", {"FieldNames": ["Id", "Sitelinks"]})["SitelinksSets"]
    assert len(sets) == 4 and ids_of(sets) == sorted(ids_of(sets))
    # "Sitelinks" without SitelinkFieldNames: Title, Href and Description only.
    assert all(set(link) == {"Title", "Href", "Description"} for s in sets for link in s["Sitelinks"])
    foreign = api.result("sitelinks", "get", {"FieldNames": ["Id"]}, token="client-2-token")["SitelinksSets"]
    wanted = [sets[2]["Id"], foreign[0]["Id"], 42, sets[0]["Id"]]
    chosen = api.result(
        "sitelinks", "get", {"SelectionCriteria": {"Ids": wanted}, "SitelinkFieldNames": ["TurboPageId"]}
    )["SitelinksSets"]
    assert ids_of(chosen) == [sets[0]["Id"], sets[2]["Id"]]  # foreign and unknown ids ignored, API order
    assert all(set(s) == {"Id", "Sitelinks"} and all(set(x) == {"TurboPageId"} for x in s["Sitelinks"]) for s in chosen)
    first = api.result("sitelinks", "get", {"FieldNames": ["Id"], "Page": {"Limit": 3}})
    assert first["LimitedBy"] == 3 and len(first["SitelinksSets"]) == 3


@pytest.mark.parametrize(
    ("service", "params", "code"),
    [
        ("sitelinks", {"SelectionCriteria": {}}, 8000),  # Ids is required inside IdsCriteria
        ("sitelinks", {"SelectionCriteria": {"Ids": list(range(1, 10_002))}}, 4001),
        ("sitelinks", {"FieldNames": ["Id", "Title"]}, 8000),
        ("sitelinks", {"SelectionCriteria": {"Types": ["X"]}}, 8000),
        ("vcards", {"FieldNames": ["Id"], "SelectionCriteria": {"Ids": []}}, 4001),
        ("vcards", {"SelectionCriteria": {"Ids": [1]}}, 8000),  # FieldNames required
        ("adimages", {"FieldNames": ["AdImageHash"], "SelectionCriteria": {"AdImageHashes": [1]}}, 8000),
        ("adimages", {"FieldNames": ["AdImageHash"], "SelectionCriteria": {"Associated": "MAYBE"}}, 8000),
        ("negativekeywordsharedsets", {"FieldNames": ["Id"], "SelectionCriteria": {"Ids": list(range(1, 32))}}, 4001),
        ("retargetinglists", {"FieldNames": ["Id"], "SelectionCriteria": {"Types": ["LOOKALIKE"]}}, 8000),
        ("retargetinglists", {"FieldNames": ["Id"], "Page": {"Limit": 10_001}}, 4002),
    ],
)
def test_optional_criteria_services_validate(api: Api, service: str, params: dict, code: int) -> None:
    assert api.error(service, "get", params)["error_code"] == code


def test_vcards_belong_to_visible_campaigns(api: Api, admin: EmulatorAdmin) -> None:
    vcards = api.result("vcards", "get", {"FieldNames": ["Id", "CampaignId", "Phone", "PointOnMap"]})["VCards"]
    assert sorted({v["CampaignId"] for v in vcards}) == TEXT_CAMPAIGNS  # two per text campaign, none for smart
    assert len(vcards) == 8 and set(vcards[0]["Phone"]) == {"CountryCode", "CityCode", "PhoneNumber", "Extension"}
    admin.mutate({"op": "delete", "type": "campaign", "id": TEXT_CAMPAIGNS[1]})
    left = api.result("vcards", "get", {"SelectionCriteria": {"Ids": ids_of(vcards)}, "FieldNames": ["CampaignId"]})
    assert {v["CampaignId"] for v in left["VCards"]} == {TEXT_CAMPAIGNS[0], *TEXT_CAMPAIGNS[2:]}


def test_adimages_are_keyed_by_hash_and_filter_on_associated(api: Api, admin: EmulatorAdmin) -> None:
    images = api.result("adimages", "get", {"FieldNames": ["AdImageHash", "Associated", "Type"]})["AdImages"]
    assert len(images) == 8 and all(len(i["AdImageHash"]) == 22 and i["Associated"] == "YES" for i in images)
    created = admin.mutate({"op": "create", "type": "ad_image", "login": "client-1", "fields": {"Name": "x.png"}})[0]
    unused = api.result(
        "adimages", "get", {"SelectionCriteria": {"Associated": "NO"}, "FieldNames": ["AdImageHash", "Name"]}
    )["AdImages"]
    assert unused == [{"AdImageHash": created["id"], "Name": "x.png"}]
    named = api.result(
        "adimages",
        "get",
        {
            "SelectionCriteria": {"AdImageHashes": [created["id"], "not-a-hash", images[1]["AdImageHash"]]},
            "FieldNames": ["AdImageHash"],
        },
    )["AdImages"]
    assert ids_of(named, "AdImageHash") == [images[1]["AdImageHash"], created["id"]]


# -- AdExtensions: required criteria, DELETED rule, ModifiedSince ------------------------------------


def test_adextensions_deleted_callouts_only_when_asked(api: Api, admin: EmulatorAdmin) -> None:
    assert api.error("adextensions", "get", {"FieldNames": ["Id"]})["error_code"] == 8000  # criteria required
    base = api.result("adextensions", "get", {"SelectionCriteria": {}, "FieldNames": ["Id"]})["AdExtensions"]
    assert len(base) == 12
    stamp = api.result("changes", "checkDictionaries")["Timestamp"]
    callout = admin.mutate(
        {"op": "create", "type": "callout", "login": "client-1", "fields": {"Callout": {"CalloutText": "Новинка"}}}
    )[0]["id"]
    newer = api.result(
        "adextensions",
        "get",
        {
            "SelectionCriteria": {"ModifiedSince": stamp},
            "FieldNames": ["Id", "Associated"],
            "CalloutFieldNames": ["CalloutText"],
        },
    )["AdExtensions"]
    assert newer == [{"Id": callout, "Associated": "NO", "Callout": {"CalloutText": "Новинка"}}]
    with pytest.raises(requests.HTTPError):  # in use: "You can delete an extension only if it is not assigned"
        admin.mutate({"op": "delete", "type": "callout", "id": base[0]["Id"]})
    admin.mutate({"op": "delete", "type": "callout", "id": callout})
    listed = api.result("adextensions", "get", {"SelectionCriteria": {}, "FieldNames": ["Id"]})["AdExtensions"]
    assert callout not in ids_of(listed)
    named = api.result("adextensions", "get", {"SelectionCriteria": {"Ids": [callout]}, "FieldNames": ["Id"]})
    assert ids_of(named["AdExtensions"]) == [callout]
    deleted = api.result(
        "adextensions", "get", {"SelectionCriteria": {"States": ["DELETED"]}, "FieldNames": ["Id", "Type"]}
    )
    assert deleted["AdExtensions"] == [{"Id": callout, "Type": "CALLOUT"}]


# -- BidModifiers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "page", "code"),
    [
        ({"CampaignIds": [1_000_000]}, None, 8000),  # Levels required
        ({"Levels": ["CAMPAIGN"]}, None, 4001),  # no id criterion
        ({"CampaignIds": list(range(1_000_000, 1_000_011)), "Levels": ["CAMPAIGN"]}, None, 4001),
        ({"AdGroupIds": list(range(1, 1002)), "Levels": ["AD_GROUP"]}, None, 4001),
        ({"CampaignIds": [1_000_000], "Levels": ["KEYWORD"]}, None, 8000),
        ({"CampaignIds": [1_000_000], "Levels": ["CAMPAIGN"]}, {"Limit": 10_000, "Offset": 110_001}, 4002),
    ],
)
def test_bidmodifiers_validation(api: Api, criteria: dict, page: dict | None, code: int) -> None:
    params: dict[str, Any] = {"SelectionCriteria": criteria, "FieldNames": ["Id"]}
    if page:
        params["Page"] = page
    assert api.error("bidmodifiers", "get", params)["error_code"] == code


def test_bidmodifiers_levels_types_and_blocks(api: Api, admin: EmulatorAdmin) -> None:
    everything_ = read_all(api, "bidmodifiers")
    assert everything_, "the generator draws 0..3 per campaign and 0..2 per group"
    order = [(m["CampaignId"], m["AdGroupId"] or 0, m["Id"]) for m in everything_]
    assert order == sorted(order)
    for modifier in everything_:
        blocks = [key for key in modifier if key.endswith("Adjustment")]
        assert len(blocks) == 1 and (modifier["AdGroupId"] is None) == (modifier["Level"] == "CAMPAIGN")
    campaign_level = api.all_pages(
        "bidmodifiers",
        {"SelectionCriteria": {"CampaignIds": TEXT_CAMPAIGNS, "Levels": ["CAMPAIGN"]}, "FieldNames": ["Id", "Level"]},
        "BidModifiers",
    )
    assert {m["Level"] for m in campaign_level} <= {"CAMPAIGN"}
    assert len(campaign_level) == sum(m["Level"] == "CAMPAIGN" for m in everything_)
    kind = everything_[0]["Type"]
    typed = api.all_pages(
        "bidmodifiers",
        {
            "SelectionCriteria": {"CampaignIds": TEXT_CAMPAIGNS, "Levels": ["CAMPAIGN", "AD_GROUP"], "Types": [kind]},
            "FieldNames": ["Id"],
        },
        "BidModifiers",
    )
    assert ids_of(typed) == [m["Id"] for m in everything_ if m["Type"] == kind]
    group_level = [m for m in everything_ if m["AdGroupId"] is not None]
    group = group_level[0]["AdGroupId"]
    by_group = api.result(
        "bidmodifiers",
        "get",
        {"SelectionCriteria": {"AdGroupIds": [group], "Levels": ["CAMPAIGN", "AD_GROUP"]}, "FieldNames": ["Id"]},
    )["BidModifiers"]
    assert ids_of(by_group) == [m["Id"] for m in group_level if m["AdGroupId"] == group]
    target = group_level[0]
    block = next(key for key in target if key.endswith("Adjustment"))
    admin.mutate({"op": "update", "type": "bid_modifier", "id": target["Id"], "fields": {"BidModifier": 170}})
    changed = api.result(
        "bidmodifiers",
        "get",
        {
            "SelectionCriteria": {"Ids": [target["Id"]], "Levels": ["AD_GROUP"]},
            "FieldNames": ["Id"],
            f"{block}FieldNames": ["BidModifier"],
        },
    )["BidModifiers"]
    assert changed == [{"Id": target["Id"], block: {"BidModifier": 170}}]
    admin.mutate({"op": "delete", "type": "ad_group", "id": group})
    gone = api.result(
        "bidmodifiers",
        "get",
        {"SelectionCriteria": {"Ids": ids_of(by_group), "Levels": ["AD_GROUP"]}, "FieldNames": ["Id"]},
    )
    assert gone["BidModifiers"] == []
    foreign = api.result(
        "bidmodifiers",
        "get",
        {
            "SelectionCriteria": {"CampaignIds": [FOREIGN_CAMPAIGN, SMART], "Levels": ["CAMPAIGN", "AD_GROUP"]},
            "FieldNames": ["Id"],
        },
    )
    assert foreign["BidModifiers"] == []


# -- KeywordBids --------------------------------------------------------------------------------------


def test_keywordbids_agree_with_keywords_and_skip_archived(api: Api, admin: EmulatorAdmin) -> None:
    params = {
        "SelectionCriteria": {"AdGroupIds": [FIRST_GROUP]},
        "FieldNames": ["KeywordId", "ServingStatus"],
        "SearchFieldNames": ["Bid", "AuctionBids"],
        "NetworkFieldNames": ["Bid", "Coverage"],
    }
    bids = api.result("keywordbids", "get", params)["KeywordBids"]
    keywords = api.result(
        "keywords",
        "get",
        {"SelectionCriteria": {"AdGroupIds": [FIRST_GROUP]}, "FieldNames": ["Id", "Bid", "ContextBid"]},
    )["Keywords"]
    assert [(b["KeywordId"], b["Search"]["Bid"], b["Network"]["Bid"]) for b in bids] == [
        (k["Id"], k["Bid"], k["ContextBid"]) for k in keywords
    ]
    for bid in bids:
        rare = bid["ServingStatus"] == "RARELY_SERVED"
        assert (bid["Search"]["AuctionBids"] is None) == rare
    eligible = api.result(
        "keywordbids",
        "get",
        {**params, "SelectionCriteria": {"AdGroupIds": [FIRST_GROUP], "ServingStatuses": ["ELIGIBLE"]}},
    )["KeywordBids"]
    assert ids_of(eligible, "KeywordId") == [b["KeywordId"] for b in bids if b["ServingStatus"] == "ELIGIBLE"]
    admin.mutate({"op": "update", "type": "campaign", "id": TEXT_CAMPAIGNS[0], "fields": {"State": "ARCHIVED"}})
    assert api.result("keywordbids", "get", params)["KeywordBids"] == []


@pytest.mark.parametrize(
    "criteria",
    [{"KeywordIds": list(range(1, 10_002))}, {"AdGroupIds": list(range(1, 1002))}, {"CampaignIds": list(range(1, 12))}],
)
def test_keywordbids_caps(api: Api, criteria: dict) -> None:
    error = api.error("keywordbids", "get", {"SelectionCriteria": criteria, "FieldNames": ["KeywordId"]})
    assert error["error_code"] == 4001 and next(iter(criteria)) in error["error_detail"]


def test_unreported_bid_change(api: Api, admin: EmulatorAdmin) -> None:
    """Strategies move bids silently: Changes says nothing, KeywordBids and Keywords show the new bid."""
    stamp = api.result("changes", "checkDictionaries")["Timestamp"]
    admin.advance_clock(2)
    record = admin.mutate(
        {
            "op": "update",
            "type": "keyword_bid",
            "id": FIRST_KEYWORD,
            "fields": {"SearchBid": 77_000_000, "NetworkBid": 5_000_000},
        }
    )[0]
    assert record["reported"] is False
    assert "Campaigns" not in api.result("changes", "checkCampaigns", {"Timestamp": stamp})
    check = api.result(
        "changes", "check", {"CampaignIds": [TEXT_CAMPAIGNS[0]], "FieldNames": ["AdGroupIds"], "Timestamp": stamp}
    )
    assert "Modified" not in check
    bid = api.result(
        "keywordbids",
        "get",
        {
            "SelectionCriteria": {"KeywordIds": [FIRST_KEYWORD]},
            "FieldNames": ["KeywordId"],
            "SearchFieldNames": ["Bid"],
            "NetworkFieldNames": ["Bid"],
        },
    )["KeywordBids"]
    assert bid == [{"KeywordId": FIRST_KEYWORD, "Search": {"Bid": 77_000_000}, "Network": {"Bid": 5_000_000}}]
    # The bulk keyword path (no overlay lookup for groups Changes never saw) must see it too.
    keywords = api.result(
        "keywords", "get", {"SelectionCriteria": {"AdGroupIds": [FIRST_GROUP]}, "FieldNames": ["Id", "Bid"]}
    )["Keywords"]
    assert keywords[0] == {"Id": FIRST_KEYWORD, "Bid": 77_000_000}
    since = api.result(
        "keywords",
        "get",
        {"SelectionCriteria": {"AdGroupIds": [FIRST_GROUP], "ModifiedSince": stamp}, "FieldNames": ["Id"]},
    )
    assert since["Keywords"] == []
    with pytest.raises(requests.HTTPError):
        admin.mutate({"op": "update", "type": "keyword_bid", "id": FIRST_KEYWORD, "fields": {"Bid": 1}})


# -- RetargetingLists, NegativeKeywordSharedSets ------------------------------------------------------


def test_retargeting_lists_types_and_deletion_rule(api: Api, admin: EmulatorAdmin) -> None:
    lists = api.result("retargetinglists", "get", {"FieldNames": ["Id", "Type", "Scope"]})["RetargetingLists"]
    assert [x["Type"] for x in lists] == ["RETARGETING", "RETARGETING", "AUDIENCE"]
    audience = api.result(
        "retargetinglists", "get", {"SelectionCriteria": {"Types": ["AUDIENCE"]}, "FieldNames": ["Id"]}
    )["RetargetingLists"]
    assert ids_of(audience) == [lists[2]["Id"]]
    admin.mutate({"op": "update", "type": "retargeting_list", "id": lists[2]["Id"], "fields": {"Name": "Новое"}})
    renamed = api.result(
        "retargetinglists", "get", {"SelectionCriteria": {"Ids": [lists[2]["Id"]]}, "FieldNames": ["Name"]}
    )
    assert renamed["RetargetingLists"] == [{"Name": "Новое"}]
    admin.mutate({"op": "delete", "type": "retargeting_list", "id": lists[2]["Id"]})  # AUDIENCE: no modifier uses it
    with pytest.raises(requests.HTTPError):  # editing a field the service's update does not have
        admin.mutate({"op": "update", "type": "retargeting_list", "id": lists[0]["Id"], "fields": {"Scope": "X"}})


def test_shared_sets_become_associated_through_a_group(api: Api, admin: EmulatorAdmin) -> None:
    sets = api.result("negativekeywordsharedsets", "get", {"FieldNames": ["Id", "Associated"]})
    assert [s["Associated"] for s in sets["NegativeKeywordSharedSets"]] == ["NO", "NO"]
    first = sets["NegativeKeywordSharedSets"][0]["Id"]
    admin.mutate(
        {
            "op": "update",
            "type": "ad_group",
            "id": FIRST_GROUP,
            "fields": {"NegativeKeywordSharedSetIds": {"Items": [first]}},
        }
    )
    after = api.result(
        "negativekeywordsharedsets", "get", {"SelectionCriteria": {"Ids": [first]}, "FieldNames": ["Associated"]}
    )
    assert after["NegativeKeywordSharedSets"] == [{"Associated": "YES"}]
    with pytest.raises(requests.HTTPError):
        admin.mutate({"op": "delete", "type": "negative_keyword_shared_set", "id": first})


# -- Clients, Dictionaries, checkDictionaries ---------------------------------------------------------


def test_clients_get_is_the_callers_own_settings(api: Api, admin: EmulatorAdmin) -> None:
    own = api.result("clients", "get", {"FieldNames": ["Login", "ClientId", "Currency"]})
    assert own == {"Clients": [{"Login": "client-1", "ClientId": 50_000_000, "Currency": "RUB"}]}
    served = api.result("clients", "get", {"FieldNames": ["Login"]}, token="agency-token", Client_Login="client-3")
    assert served == {"Clients": [{"Login": "client-3"}]}
    assert api.error("clients", "get", {"FieldNames": ["Login"], "Page": {"Limit": 1}})["error_code"] == 8000
    assert api.error("clients", "get", {"FieldNames": ["Login"], "SelectionCriteria": {}})["error_code"] == 8000
    admin.mutate({"op": "update", "type": "client", "login": "client-1", "fields": {"ClientInfo": "ООО Ромашка"}})
    full = api.result("clients", "get", everything(CLIENT))["Clients"][0]
    assert full["ClientInfo"] == "ООО Ромашка" and set(full) == set(CLIENT.fields)
    with pytest.raises(requests.HTTPError):
        admin.mutate({"op": "update", "type": "client", "login": "client-1", "fields": {"Currency": "EUR"}})


def test_dictionaries_and_check_dictionaries_flags(api: Api, admin: EmulatorAdmin) -> None:
    result = api.result("dictionaries", "get", {"DictionaryNames": ["GeoRegions", "TimeZones", "Currencies"]})
    assert set(result) == {"GeoRegions", "TimeZones", "Currencies"}
    regions = {r["GeoRegionId"]: r for r in result["GeoRegions"]}
    assert {225, 1, 2, 213, 54, 65, 11316, 10174} <= set(regions) and regions[213]["ParentId"] == 1
    assert {"TimeZone": "Europe/Moscow", "TimeZoneName": "Москва", "UtcOffset": 10800} in result["TimeZones"]
    assert result["Currencies"][0]["Currency"] == "RUB"
    every = api.result("dictionaries", "get", {"DictionaryNames": sorted(TABLES)})
    assert set(every) == set(TABLES) and all(every.values())
    for params in ({"DictionaryNames": ["Bogus"]}, {"DictionaryNames": ["ProductivityAssertions"]}, {}, {"X": 1}):
        assert api.error("dictionaries", "get", params)["error_code"] == 8000

    before = api.result("changes", "checkDictionaries")["Timestamp"]
    admin.advance_clock(2)
    changed_at = admin.mutate({"op": "update", "type": "dictionary", "id": "GeoRegions"})[0]["at"]
    flags = api.result("changes", "checkDictionaries", {"Timestamp": before})
    assert (flags["RegionsChanged"], flags["TimeZonesChanged"], flags["InterestsChanged"]) == ("YES", "NO", "NO")
    # Inclusive like every Changes answer: a change at second s is reported for Timestamp s.
    assert api.result("changes", "checkDictionaries", {"Timestamp": changed_at})["RegionsChanged"] == "YES"
    admin.advance_clock(2)
    after = api.result("changes", "checkDictionaries")["Timestamp"]
    assert api.result("changes", "checkDictionaries", {"Timestamp": after})["RegionsChanged"] == "NO"
    grown = api.result("dictionaries", "get", {"DictionaryNames": ["GeoRegions", "GeoRegionNames"]})
    assert len(grown["GeoRegions"]) == len(regions) + 1 == len(grown["GeoRegionNames"])
    with pytest.raises(requests.HTTPError):
        admin.mutate({"op": "update", "type": "dictionary", "id": "Nope"})


# -- Ads' references ----------------------------------------------------------------------------------


def test_ads_reference_readable_objects_and_repointing_is_checked(api: Api, admin: EmulatorAdmin) -> None:
    ads = api.all_pages(
        "ads",
        {
            "SelectionCriteria": {"CampaignIds": TEXT_CAMPAIGNS},
            "FieldNames": ["Id", "CampaignId"],
            "TextAdFieldNames": ["SitelinkSetId", "VCardId", "AdImageHash", "AdExtensions"],
        },
        "Ads",
    )
    sets = set(ids_of(api.result("sitelinks", "get", {"FieldNames": ["Id"]})["SitelinksSets"]))
    vcards = {
        v["Id"]: v["CampaignId"] for v in api.result("vcards", "get", {"FieldNames": ["Id", "CampaignId"]})["VCards"]
    }
    images = set(ids_of(api.result("adimages", "get", {"FieldNames": ["AdImageHash"]})["AdImages"], "AdImageHash"))
    callouts = set(
        ids_of(api.result("adextensions", "get", {"SelectionCriteria": {}, "FieldNames": ["Id"]})["AdExtensions"])
    )
    used = {"sets": set(), "vcards": set(), "images": set(), "callouts": set()}
    for ad in ads:
        block = ad["TextAd"]
        if block["SitelinkSetId"] is not None:
            used["sets"].add(block["SitelinkSetId"])
        if block["VCardId"] is not None:
            assert vcards[block["VCardId"]] == ad["CampaignId"]
            used["vcards"].add(block["VCardId"])
        if block["AdImageHash"] is not None:
            used["images"].add(block["AdImageHash"])
        for item in block["AdExtensions"] or ():
            assert item["Type"] == "CALLOUT"
            used["callouts"].add(item["AdExtensionId"])
    # Every base object is in use (anchor ads), and every reference is readable.
    assert used == {"sets": sets, "vcards": set(vcards), "images": images, "callouts": callouts}

    created = admin.mutate({"op": "create", "type": "sitelink_set", "login": "client-1"})[0]["id"]
    ad_id = ads[0]["Id"]
    admin.mutate({"op": "update", "type": "ad", "id": ad_id, "fields": {"TextAd": {"SitelinkSetId": created}}})
    again = api.result(
        "ads",
        "get",
        {"SelectionCriteria": {"Ids": [ad_id]}, "FieldNames": ["Id"], "TextAdFieldNames": ["SitelinkSetId"]},
    )
    assert again["Ads"] == [{"Id": ad_id, "TextAd": {"SitelinkSetId": created}}]
    foreign = api.result("sitelinks", "get", {"FieldNames": ["Id"]}, token="client-2-token")["SitelinksSets"][0]["Id"]
    foreign_vcard = next(v for v, c in vcards.items() if c != ads[0]["CampaignId"])
    for bad in (
        {"SitelinkSetId": foreign},
        {"VCardId": foreign_vcard},
        {"AdImageHash": "nope"},
        {"AdExtensions": [{"AdExtensionId": 1, "Type": "CALLOUT"}]},
    ):
        with pytest.raises(requests.HTTPError):
            admin.mutate({"op": "update", "type": "ad", "id": ad_id, "fields": {"TextAd": bad}})
    with pytest.raises(requests.HTTPError):  # sitelink sets cannot be edited, only replaced
        admin.mutate({"op": "update", "type": "sitelink_set", "id": created, "fields": {"Sitelinks": []}})


def test_unified_campaign_objects_only_on_v501(api: Api, admin: EmulatorAdmin) -> None:
    admin.reset(unified_campaigns=1)
    unified = TEXT_CAMPAIGNS[-1]
    v5 = api.result("vcards", "get", {"FieldNames": ["CampaignId"]})["VCards"]
    v501 = api.result("vcards", "get", {"FieldNames": ["CampaignId"]}, version="v501")["VCards"]
    assert unified not in {v["CampaignId"] for v in v5} and unified in {v["CampaignId"] for v in v501}
    truth_v5 = {v["CampaignId"] for v in service_objects(admin, "client-1", "vcards", version="v5")}
    assert truth_v5 == {v["CampaignId"] for v in v5}


# -- Ground truth, random batches, units, latency -----------------------------------------------------


def test_snapshot_equals_complete_reads_after_random_account_mutations(api: Api, admin: EmulatorAdmin) -> None:
    admin.reset(account_services_mutations=True)
    applied = admin.random_mutations(400, login="client-1", seed=11)
    kinds = {m["type"] for m in applied}
    assert {"keyword_bid", "sitelink_set", "bid_modifier", "callout", "ad_image", "client"} <= kinds
    assert any(m["type"] == "ad" and "TextAd" in (m.get("fields") or {}) for m in applied)
    admin.mutate({"op": "update", "type": "campaign", "id": TEXT_CAMPAIGNS[2], "fields": {"State": "ARCHIVED"}})
    text = [c["Id"] for c in admin.snapshot("client-1", "campaigns") if c["Type"] != "SMART_CAMPAIGN"]
    for service in (*FULL, "bidmodifiers", "keywordbids", "audiencetargets"):
        truth = list(service_objects(admin, "client-1", service))
        assert read_all(api, service, text) == truth, service
    clients = api.result("clients", "get", everything(CLIENT))["Clients"]
    assert clients == list(service_objects(admin, "client-1", "clients"))
    lines = list(service_objects(admin, "client-1", "dictionaries"))
    assert lines == [api.result("dictionaries", "get", {"DictionaryNames": [name]}) for name in TABLES]
    # Re-pointed ads: Ads.get with every TextAd field equals the ads snapshot.
    campaigns = [c["Id"] for c in admin.snapshot("client-1", "campaigns")]
    ads = []
    for start in range(0, len(campaigns), 10):
        params = {
            "SelectionCriteria": {"CampaignIds": campaigns[start : start + 10]},
            "FieldNames": list(AD.fields),
            "TextAdFieldNames": sorted(AD.substructures["TextAdFieldNames"].fields),
        }
        ads.extend(api.all_pages("ads", params, "Ads"))
    text_ad = sorted(AD.substructures["TextAdFieldNames"].fields)  # the block's unset fields answer null

    def projected(ad: dict[str, Any]) -> dict[str, Any]:
        block = ad.get("TextAd")
        return {**ad, "TextAd": {name: block.get(name) for name in text_ad}} if block is not None else ad

    assert [projected(a) for a in ads] == [projected(a) for a in admin.snapshot("client-1", "ads")]


def test_random_account_batches_replay_and_stay_off_by_default(admin: EmulatorAdmin) -> None:
    plain = admin.random_mutations(200, seed=3)
    assert {m["type"] for m in plain} <= {"campaign", "ad_group", "ad", "keyword"}
    admin.reset(account_services_mutations=True)
    first = admin.random_mutations(150, seed=3)
    admin.reset(account_services_mutations=True)
    again = admin.random_mutations(150, seed=3)
    strip = [{k: v for k, v in m.items() if k != "at"} for m in first]
    assert strip == [{k: v for k, v in m.items() if k != "at"} for m in again]


def test_new_services_are_priced_and_gated(api: Api, admin: EmulatorAdmin) -> None:
    response = api.post("sitelinks", "get", {"FieldNames": ["Id"]})
    spent = int(response.headers["Units"].split("/")[0])
    assert spent == 15 + 4 and response.headers["Units-Used-Login"] == "client-1"
    assert api.post("dictionaries", "get", {"DictionaryNames": ["TimeZones"]}).headers["Units"].startswith("1/")
    error = api.error("vcards", "get", {"FieldNames": ["Id"]}, token="agency-token")  # no Client-Login
    assert error["error_code"] == 8000
    assert api.error("sitelinks", "add", {})["error_code"] == 55


def test_latency_overlaps_concurrent_requests(api: Api, admin: EmulatorAdmin) -> None:
    admin.reset(latency_ms=400)
    timings: list[float] = []

    def call() -> None:
        started = time.perf_counter()
        Api(api.url).result("clients", "get", {"FieldNames": ["Login"]})
        timings.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    assert min(timings) >= 0.4 and wall < 0.75  # two requests in ~1x the latency, not 2x


# -- Feeds, TurboPages, Businesses, Creatives ---------------------------------------------------------


def test_feeds_return_the_block_of_their_source_type(api: Api, admin: EmulatorAdmin) -> None:
    feeds = api.result("feeds", "get", everything(FEED))["Feeds"]
    assert len(feeds) == 3 and ids_of(feeds) == sorted(ids_of(feeds))
    assert [f["SourceType"] for f in feeds] == ["URL", "URL", "FILE"]
    for feed in feeds:  # "parameters from UrlFeedFieldNames are not returned" for a FILE feed, and back
        own, other = ("UrlFeed", "FileFeed") if feed["SourceType"] == "URL" else ("FileFeed", "UrlFeed")
        assert own in feed and other not in feed
        assert feed["BusinessType"] in {"RETAIL", "HOTELS", "REALTY", "AUTOMOBILES", "FLIGHTS", "OTHER"}
        assert feed["Status"] in {"NEW", "UPDATING", "DONE", "ERROR"}
        assert (feed["NumberOfItems"] is not None) == (feed["Status"] == "DONE")
    assert set(feeds[0]["UrlFeed"]) == {"Login", "Url", "RemoveUtmTags"}
    foreign = api.result("feeds", "get", {"FieldNames": ["Id"]}, token="client-2-token")["Feeds"][0]["Id"]
    chosen = api.result("feeds", "get", {"SelectionCriteria": {"Ids": [feeds[2]["Id"], foreign]}, "FieldNames": ["Id"]})
    assert chosen["Feeds"] == [{"Id": feeds[2]["Id"]}]
    first = api.result("feeds", "get", {"FieldNames": ["Id"], "Page": {"Limit": 2}})
    assert first["LimitedBy"] == 2
    # Feeds.update edits the name and the source's own block; delete removes an unused feed.
    admin.mutate(
        {"op": "update", "type": "feed", "id": feeds[0]["Id"], "fields": {"UrlFeed": {"RemoveUtmTags": "YES"}}}
    )
    with pytest.raises(requests.HTTPError):
        admin.mutate({"op": "update", "type": "feed", "id": feeds[2]["Id"], "fields": {"UrlFeed": {"Url": "x"}}})
    [created] = admin.mutate(
        {"op": "create", "type": "feed", "login": "client-1", "fields": {"Name": "Новый", "SourceType": "FILE"}}
    )
    admin.mutate({"op": "delete", "type": "feed", "id": feeds[1]["Id"]})
    after = api.result("feeds", "get", everything(FEED))["Feeds"]
    assert ids_of(after) == [feeds[0]["Id"], feeds[2]["Id"], created["id"]]
    assert after[0]["UrlFeed"]["RemoveUtmTags"] == "YES"
    assert after[-1]["Status"] == "NEW" and after[-1]["Name"] == "Новый" and "FileFeed" in after[-1]


@pytest.mark.parametrize(
    ("service", "params", "code"),
    [
        ("feeds", {"FieldNames": ["Id"], "SelectionCriteria": {}}, 8000),  # Ids required inside
        ("feeds", {"FieldNames": ["Id"], "SelectionCriteria": {"Ids": list(range(1, 10_002))}}, 4001),
        ("feeds", {"SelectionCriteria": {"Ids": [1]}}, 8000),  # FieldNames required
        ("feeds", {"FieldNames": ["Id"], "UrlFeedFieldNames": ["Password"]}, 8000),
        ("feeds", {"FieldNames": ["Id", "NumberOfListings"]}, 8000),  # in the WSDL, not on the page
        ("turbopages", {"FieldNames": ["Id"], "SelectionCriteria": {"Ids": []}}, 4001),
        ("turbopages", {"FieldNames": ["Id"], "SelectionCriteria": {"BoundWithHrefs": [1]}}, 8000),
        ("turbopages", {"FieldNames": ["Id"], "SelectionCriteria": {"Hrefs": ["x"]}}, 8000),
        ("businesses", {"FieldNames": ["Id"], "SelectionCriteria": {}}, 8000),
        ("businesses", {"FieldNames": ["Id", "Email"]}, 8000),
        ("creatives", {"FieldNames": ["Id"]}, 8000),  # SelectionCriteria is required
        ("creatives", {"FieldNames": ["Id"], "SelectionCriteria": {"Types": ["TEXT_CREATIVE"]}}, 8000),
        ("creatives", {"FieldNames": ["Id"], "SelectionCriteria": {"Ids": list(range(1, 10_002))}}, 4001),
    ],
)
def test_later_services_validate(api: Api, service: str, params: dict, code: int) -> None:
    assert api.error(service, "get", params)["error_code"] == code


def test_ads_point_at_turbo_pages_and_published_businesses(api: Api, admin: EmulatorAdmin) -> None:
    pages = api.result("turbopages", "get", everything(TURBO_PAGE))["TurboPages"]
    assert len(pages) == 4 and all(p["Href"].startswith("https://") for p in pages)
    bound = api.result(
        "turbopages",
        "get",
        {"SelectionCriteria": {"BoundWithHrefs": [pages[1]["BoundWithHref"]]}, "FieldNames": ["Id"]},
    )["TurboPages"]
    assert {"Id": pages[1]["Id"]} in bound
    businesses = api.result("businesses", "get", everything(BUSINESS))["Businesses"]
    assert len(businesses) == 2 and {b["IsPublished"] for b in businesses} <= {"YES", "NO"}
    ad_id = next(a["Id"] for a in admin.snapshot("client-1", "ads") if a["Type"] == "TEXT_AD")
    admin.mutate({"op": "update", "type": "ad", "id": ad_id, "fields": {"TextAd": {"TurboPageId": pages[0]["Id"]}}})
    again = api.result(
        "ads", "get", {"SelectionCriteria": {"Ids": [ad_id]}, "FieldNames": ["Id"], "TextAdFieldNames": ["TurboPageId"]}
    )["Ads"]
    assert again == [{"Id": ad_id, "TextAd": {"TurboPageId": pages[0]["Id"]}}]
    with pytest.raises(requests.HTTPError):  # in use by the ad
        admin.mutate({"op": "delete", "type": "turbo_page", "id": pages[0]["Id"]})
    admin.mutate({"op": "delete", "type": "turbo_page", "id": pages[1]["Id"]})  # unpublished: gone
    assert pages[1]["Id"] not in ids_of(api.result("turbopages", "get", {"FieldNames": ["Id"]})["TurboPages"])
    foreign = api.result("turbopages", "get", {"FieldNames": ["Id"]}, token="client-2-token")["TurboPages"][0]["Id"]
    for bad in ({"TurboPageId": foreign}, {"TurboPageId": pages[1]["Id"]}, {"BusinessId": 12345}):
        with pytest.raises(requests.HTTPError):
            admin.mutate({"op": "update", "type": "ad", "id": ad_id, "fields": {"TextAd": bad}})
    for business in businesses:
        change = {"op": "update", "type": "ad", "id": ad_id, "fields": {"TextAd": {"BusinessId": business["Id"]}}}
        if business["IsPublished"] == "YES":
            admin.mutate(change)
        else:
            with pytest.raises(requests.HTTPError):  # "cannot be linked to an ad"
                admin.mutate(change)
    with pytest.raises(requests.HTTPError):  # no method deletes a business profile
        admin.mutate({"op": "delete", "type": "business", "id": businesses[0]["Id"]})


def test_creatives_filter_by_type_and_fill_their_block(api: Api, admin: EmulatorAdmin) -> None:
    creatives = api.result("creatives", "get", {"SelectionCriteria": {}, **everything(CREATIVE)})["Creatives"]
    assert len(creatives) == 4 and ids_of(creatives) == sorted(ids_of(creatives))
    for creative in creatives:
        present = {k for k in creative if k.endswith("Creative")}
        assert present == ({CREATIVE_BLOCKS[creative["Type"]]} if creative["Type"] in CREATIVE_BLOCKS else set())
        assert creative["Associated"] == "NO"
    video = api.result(
        "creatives",
        "get",
        {"SelectionCriteria": {"Types": ["VIDEO_EXTENSION_CREATIVE"]}, "FieldNames": ["Id", "Type"]},
    )["Creatives"]
    assert video and {c["Type"] for c in video} == {"VIDEO_EXTENSION_CREATIVE"}
    [created] = admin.mutate({"op": "create", "type": "creative", "login": "client-1"})
    assert created["id"] in ids_of(
        api.result("creatives", "get", {"SelectionCriteria": {}, "FieldNames": ["Id"]})["Creatives"]
    )
    with pytest.raises(requests.HTTPError):  # creatives are neither edited nor deleted
        admin.mutate({"op": "delete", "type": "creative", "id": created["id"]})


def test_random_batches_touch_the_later_services_from_a_side_stream(admin: EmulatorAdmin) -> None:
    admin.reset(account_services_mutations=True)
    applied = admin.random_mutations(400, login="client-1", seed=11)
    assert {"feed", "turbo_page", "business", "creative", "strategy"} <= {m["type"] for m in applied}
    repointed = {field for m in applied if m["type"] == "ad" for field in (m.get("fields") or {}).get("TextAd") or {}}
    assert {"TurboPageId", "BusinessId"} <= repointed
    assert len(applied) > 400  # in addition to the batch: the draws above replay as they did before


def test_strategies_only_on_v501_with_their_type_block(api: Api, admin: EmulatorAdmin) -> None:
    full = {"SelectionCriteria": {}, **everything(STRATEGY)}
    assert api.error("strategies", "get", full)["error_code"] == 55  # no /json/v5/ address
    assert list(service_objects(admin, "client-1", "strategies", version="v5")) == []
    strategies = api.result("strategies", "get", full, version="v501")["Strategies"]
    assert len(strategies) == 3 and [s["StatusArchived"] for s in strategies] == ["NO", "NO", "YES"]
    for strategy in strategies:
        blocks = {sub.key for sub in STRATEGY.substructures.values() if sub.key in strategy}
        assert blocks == {
            next(sub.key for sub in STRATEGY.substructures.values() if sub.object_type == strategy["Type"])
        }
        assert strategy["CounterIds"]["Items"] and strategy["AttributionModel"] in {
            "LC",
            "LSC",
            "FC",
            "LYDC",
            "LSCCD",
            "FCCD",
            "LYDCCD",
        }
    active = api.result(
        "strategies", "get", {"SelectionCriteria": {"IsArchived": "NO"}, "FieldNames": ["Id"]}, version="v501"
    )["Strategies"]
    assert active == [{"Id": s["Id"]} for s in strategies[:2]]
    typed = api.result(
        "strategies",
        "get",
        {"SelectionCriteria": {"Types": [strategies[0]["Type"]]}, "FieldNames": ["Type"]},
        version="v501",
    )["Strategies"]
    assert typed and {s["Type"] for s in typed} == {strategies[0]["Type"]}
    for params in (
        {"FieldNames": ["Id"]},  # SelectionCriteria is required
        {"SelectionCriteria": {"IsArchived": "MAYBE"}, "FieldNames": ["Id"]},
        {"SelectionCriteria": {"Types": ["MANUAL"]}, "FieldNames": ["Id"]},
        {"SelectionCriteria": {}, "FieldNames": ["Id", "Budget"]},
        {"SelectionCriteria": {}, "FieldNames": ["Id"], "StrategyAverageCpcFieldNames": ["Cpa"]},
    ):
        assert api.error("strategies", "get", params, version="v501")["error_code"] == 8000
    # Archive and unarchive are updates of StatusArchived; nothing deletes a strategy.
    admin.mutate({"op": "update", "type": "strategy", "id": strategies[2]["Id"], "fields": {"StatusArchived": "NO"}})
    with pytest.raises(requests.HTTPError):
        admin.mutate({"op": "delete", "type": "strategy", "id": strategies[0]["Id"]})
    with pytest.raises(requests.HTTPError):
        admin.mutate({"op": "update", "type": "strategy", "id": strategies[0]["Id"], "fields": {"Type": "AVERAGE_CPC"}})
    admin.reset(account_services_mutations=True)
    admin.random_mutations(300, login="client-1", seed=4)
    read = api.all_pages("strategies", {**full, "Page": {"Limit": 2}}, "Strategies", version="v501")
    assert read == list(service_objects(admin, "client-1", "strategies"))


def test_audience_targets_by_group_campaign_and_list(api: Api, admin: EmulatorAdmin) -> None:
    full = {**everything(AUDIENCE_TARGET), "SelectionCriteria": {"CampaignIds": TEXT_CAMPAIGNS}}
    targets = api.result("audiencetargets", "get", full)["AudienceTargets"]
    assert targets, "some text groups have audience targets"
    order = [(t["CampaignId"], t["AdGroupId"], t["Id"]) for t in targets]
    assert order == sorted(order)
    lists = api.result("retargetinglists", "get", {"FieldNames": ["Id", "Type"]})["RetargetingLists"]
    retargeting = {x["Id"] for x in lists if x["Type"] == "RETARGETING"}
    assert {t["RetargetingListId"] for t in targets} <= retargeting and all(t["InterestId"] is None for t in targets)
    per_group: dict[int, list[int]] = {}
    for t in targets:
        per_group.setdefault(t["AdGroupId"], []).append(t["RetargetingListId"])
    assert all(len(v) == len(set(v)) for v in per_group.values()), "a group targets a list once"
    group = targets[0]["AdGroupId"]
    by_group = api.result(
        "audiencetargets", "get", {"SelectionCriteria": {"AdGroupIds": [group]}, "FieldNames": ["Id"]}
    )["AudienceTargets"]
    assert by_group == [{"Id": t["Id"]} for t in targets if t["AdGroupId"] == group]
    by_list = api.result(
        "audiencetargets",
        "get",
        {
            "SelectionCriteria": {"RetargetingListIds": [targets[0]["RetargetingListId"]], "States": ["ON"]},
            "FieldNames": ["Id"],
        },
    )["AudienceTargets"]
    assert ids_of(by_list) == [
        t["Id"] for t in targets if t["RetargetingListId"] == targets[0]["RetargetingListId"] and t["State"] == "ON"
    ]
    foreign = api.result(
        "audiencetargets",
        "get",
        {"SelectionCriteria": {"Ids": [targets[0]["Id"]]}, "FieldNames": ["Id"]},
        token="client-2-token",
    )
    assert foreign["AudienceTargets"] == []
    # suspend/resume and setBids change a target; the group and the list never change; delete removes it.
    admin.mutate(
        {
            "op": "update",
            "type": "audience_target",
            "id": targets[0]["Id"],
            "fields": {"State": "SUSPENDED", "ContextBid": 1_200_000},
        }
    )
    for bad in ({"RetargetingListId": targets[0]["RetargetingListId"]}, {"State": "OFF"}):
        with pytest.raises(requests.HTTPError):
            admin.mutate({"op": "update", "type": "audience_target", "id": targets[0]["Id"], "fields": bad})
    [created] = admin.mutate(
        {"op": "create", "type": "audience_target", "parent_id": group, "fields": {"RetargetingListId": lists[2]["Id"]}}
    )
    assert created["parent_id"] == group and created["campaign_id"] == targets[0]["CampaignId"]
    with pytest.raises(requests.HTTPError):  # the AUDIENCE list is in use now
        admin.mutate({"op": "delete", "type": "retargeting_list", "id": lists[2]["Id"]})
    with pytest.raises(requests.HTTPError):  # a group targets a list once
        admin.mutate(
            {
                "op": "create",
                "type": "audience_target",
                "parent_id": group,
                "fields": {"RetargetingListId": lists[2]["Id"]},
            }
        )
    admin.mutate({"op": "delete", "type": "audience_target", "id": created["id"]})
    admin.mutate({"op": "delete", "type": "retargeting_list", "id": lists[2]["Id"]})
    after = api.result(
        "audiencetargets", "get", {"SelectionCriteria": {"AdGroupIds": [group]}, **everything(AUDIENCE_TARGET)}
    )
    changed = next(t for t in after["AudienceTargets"] if t["Id"] == targets[0]["Id"])
    assert changed["State"] == "SUSPENDED" and changed["ContextBid"] == 1_200_000
    assert created["id"] not in ids_of(after["AudienceTargets"])
    # Archived campaigns keep their targets (the page has no rule that hides them).
    admin.mutate({"op": "update", "type": "campaign", "id": targets[0]["CampaignId"], "fields": {"State": "ARCHIVED"}})
    archived = api.result(
        "audiencetargets", "get", {"SelectionCriteria": {"AdGroupIds": [group]}, "FieldNames": ["Id"]}
    )
    assert ids_of(archived["AudienceTargets"]) == ids_of(after["AudienceTargets"])


@pytest.mark.parametrize(
    "criteria",
    [
        {},  # at least one of Ids, AdGroupIds, CampaignIds, RetargetingListIds, InterestIds
        {"States": ["ON"]},
        {"CampaignIds": list(range(1, 102))},
        {"AdGroupIds": list(range(1, 1002))},
        {"RetargetingListIds": list(range(1, 1002))},
        {"InterestIds": list(range(1, 1002))},
    ],
)
def test_audience_targets_caps(api: Api, criteria: dict) -> None:
    error = api.error("audiencetargets", "get", {"SelectionCriteria": criteria, "FieldNames": ["Id"]})
    assert error["error_code"] == 4001


def test_audience_targets_validation(api: Api) -> None:
    for params in (
        {"FieldNames": ["Id"]},
        {"SelectionCriteria": {"AdGroupIds": [FIRST_GROUP], "States": ["OFF"]}, "FieldNames": ["Id"]},
        {"SelectionCriteria": {"AdGroupIds": [FIRST_GROUP]}, "FieldNames": ["Id", "Bid"]},
    ):
        assert api.error("audiencetargets", "get", params)["error_code"] == 8000
    # Snapshot lines equal a complete read with every field.
    admin_objects = api.result(
        "audiencetargets", "get", {"SelectionCriteria": {"CampaignIds": TEXT_CAMPAIGNS}, **everything(AUDIENCE_TARGET)}
    )["AudienceTargets"]
    assert all(set(t) == set(AUDIENCE_TARGET.fields) for t in admin_objects)
