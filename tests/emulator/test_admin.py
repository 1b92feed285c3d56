"""Admin API: ground-truth snapshot vs the get methods, counts, mutations, reset, clock."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin
from airflow_provider_direct.emulator.fields import AD, AD_GROUP, CAMPAIGN, KEYWORD
from tests.emulator.helpers import Api

pytestmark = pytest.mark.integration  # every test here talks HTTP over 127.0.0.1

TEXT_CAMPAIGNS = [1_000_000, 1_000_001, 1_000_002, 1_000_003]


def fetch_everything(api: Api) -> dict[str, list[dict]]:
    """What a full client sync would see for client-1, with every field requested."""
    campaigns = api.all_pages(
        "campaigns",
        {
            "SelectionCriteria": {},
            "FieldNames": list(CAMPAIGN.fields),
            "TextCampaignFieldNames": sorted(CAMPAIGN.substructures["TextCampaignFieldNames"].fields),
        },
        "Campaigns",
    )
    ids = [c["Id"] for c in campaigns]
    by_campaigns = {"SelectionCriteria": {"CampaignIds": ids}, "Page": {"Limit": 50}}
    return {
        "campaigns": campaigns,
        "ad_groups": api.all_pages("adgroups", {**by_campaigns, "FieldNames": list(AD_GROUP.fields)}, "AdGroups"),
        "ads": api.all_pages(
            "ads",
            {
                **by_campaigns,
                "FieldNames": list(AD.fields),
                "TextAdFieldNames": sorted(AD.substructures["TextAdFieldNames"].fields),
            },
            "Ads",
        ),
        "keywords": api.all_pages("keywords", {**by_campaigns, "FieldNames": list(KEYWORD.fields)}, "Keywords"),
    }


def test_snapshot_streams_what_the_get_methods_return(api: Api, admin: EmulatorAdmin) -> None:
    admin.random_mutations(200, login="client-1", seed=5)
    fetched = fetch_everything(api)
    for kind, objects in fetched.items():
        truth = list(admin.snapshot("client-1", kind))
        assert truth == objects, kind
    counts = admin.counts("client-1")["logins"][0]
    assert counts["keywords"] == len(fetched["keywords"])
    assert counts["campaigns"] == len(fetched["campaigns"])
    smart_ads = list(admin.snapshot("client-1", "ads", include_smart=True))
    assert len(smart_ads) == counts["ads"] + counts["smart_ads"]


def test_random_mutations_touch_every_level_and_replay_by_seed(admin: EmulatorAdmin) -> None:
    first = admin.random_mutations(300, seed=42)
    assert {m["type"] for m in first} == {"campaign", "ad_group", "ad", "keyword"}
    assert {m["op"] for m in first} == {"create", "update", "delete", "stat_correction"}
    assert any(m["smart"] for m in first)
    assert {m["login"] for m in first} == {"client-1", "client-2", "client-3"}
    admin.reset()
    again = admin.random_mutations(300, seed=42)
    strip = [{k: v for k, v in m.items() if k != "at"} for m in first]
    assert strip == [{k: v for k, v in m.items() if k != "at"} for m in again]
    only_two = admin.random_mutations(20, login="client-2", seed=1)
    assert {m["login"] for m in only_two} == {"client-2"}


def test_explicit_mutations_and_their_errors(admin: EmulatorAdmin) -> None:
    created = admin.mutate(
        {"op": "create", "type": "campaign", "login": "client-3", "fields": {"Name": "Новая"}},
    )[0]
    group = admin.mutate({"op": "create", "type": "ad_group", "parent_id": created["id"]})[0]
    assert group["campaign_id"] == created["id"] and group["login"] == "client-3"
    counts = admin.counts("client-3")["logins"][0]
    assert counts["campaigns"] == 5 and counts["ad_groups"] == 4 * 6 + 1
    with pytest.raises(requests.HTTPError) as excinfo:
        admin.mutate(
            {"op": "delete", "type": "keyword", "id": 10_000_000_000},
            {"op": "delete", "type": "keyword", "id": 10_000_000_000},
        )
    detail = excinfo.value.response.json()["detail"]
    assert detail["index"] == 1 and len(detail["applied"]) == 1
    with pytest.raises(requests.HTTPError):
        admin.mutate({"op": "create", "type": "keyword", "parent_id": 100_000_024})  # smart group


def test_reset_changes_shape_and_validates(admin: EmulatorAdmin) -> None:
    config = admin.reset(logins=["solo"], campaigns=2, smart_campaigns=0)
    assert config["logins"] == ["solo"] and "solo-token" in config["tokens"]
    assert admin.counts()["logins"] == [
        {
            "login": "solo",
            "campaigns": 2,
            "ad_groups": 12,
            "ads": 24,
            "keywords": 180,
            "smart_campaigns": 0,
            "smart_ad_groups": 0,
            "smart_ads": 0,
        }
    ]
    with pytest.raises(requests.HTTPError):
        admin.reset(groups=-1)
    assert admin.config()["logins"] == ["solo"]


def test_clock_and_units_endpoints(admin: EmulatorAdmin) -> None:
    before = admin.clock()
    after = admin.advance_clock(7200)
    assert after["offset_seconds"] == before["offset_seconds"] + 7200
    assert after["emulated_hour"] >= 2
    assert admin.set_units("agency-login", rest=10)["rest"] == 10
    with pytest.raises(requests.HTTPError):
        admin.units("ghost")
    with pytest.raises(requests.HTTPError):
        admin.advance_clock(-1)


def test_stats_count_requests(api: Api, admin: EmulatorAdmin) -> None:
    api.post("changes", "checkDictionaries")
    api.post("campaigns", "get", {"SelectionCriteria": {}})
    stats = admin.stats()
    assert stats["requests_total"] == 2
    assert stats["by_method"] == {"changes.checkDictionaries": 1, "campaigns.get": 1}
    assert stats["by_error_code"] == {"8000": 1}
