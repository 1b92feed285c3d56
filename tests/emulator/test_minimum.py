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


def test_floor_with_the_account_services(api: Api, admin: EmulatorAdmin) -> None:
    """New objects a changed ad points at are read once; the lists once; bids by reported group plus a share."""
    since = api.result("changes", "checkDictionaries")["Timestamp"]
    [created] = admin.mutate({"op": "create", "type": "sitelink_set", "login": "client-1"})
    ad = next(a for a in admin.snapshot("client-1", "ads") if a["Type"] == "TEXT_AD")
    admin.mutate({"op": "update", "type": "ad", "id": ad["Id"], "fields": {"TextAd": {"SitelinkSetId": created["id"]}}})
    without = admin.minimum_units("client-1", since)
    floor = admin.minimum_units("client-1", since, cycle_runs=24)
    parts = floor["by_method"]
    assert {k: parts[k] for k in without["by_method"]} == without["by_method"]  # the object services as before
    assert parts["sitelinks.get"] == 15 + 1  # one call for the one new set
    assert parts["vcards.get"] == parts["adimages.get"] == parts["adextensions.get"] == 0
    assert parts["changes.checkDictionaries"] == 1 and parts["dictionaries.get"] == 0
    assert parts["clients.get"] == 10 + 1
    assert parts["retargetinglists.get"] > 10 and parts["negativekeywordsharedsets.get"] > 10
    assert parts["keywordbids.get"] >= 15 and parts["bidmodifiers.get"] > 15
    assert floor["total"] == sum(parts.values())
    # A shorter cycle reads a larger share of the bids each run.
    assert (
        admin.minimum_units("client-1", since, cycle_runs=2)["by_method"]["bidmodifiers.get"]
        > parts["bidmodifiers.get"]
    )


def test_floor_reads_new_turbo_pages_and_the_feeds(api: Api, admin: EmulatorAdmin) -> None:
    """A new Turbo page a changed ad points at costs one call; the feeds are listed whole each run."""
    since = api.result("changes", "checkDictionaries")["Timestamp"]
    [page] = admin.mutate({"op": "create", "type": "turbo_page", "login": "client-1"})
    ad = next(a for a in admin.snapshot("client-1", "ads") if a["Type"] == "TEXT_AD")
    admin.mutate({"op": "update", "type": "ad", "id": ad["Id"], "fields": {"TextAd": {"TurboPageId": page["id"]}}})
    parts = admin.minimum_units("client-1", since, cycle_runs=24)["by_method"]
    assert parts["turbopages.get"] == 10 + 1 and parts["businesses.get"] == 0
    assert parts["feeds.get"] == 10 + 3  # three base feeds per login
    assert parts["strategies.get"] == 10 + 3  # and three portfolio strategies


def test_floor_reads_audience_targets_of_reported_groups_and_a_share(api: Api, admin: EmulatorAdmin) -> None:
    """Audience targets follow the per-group pattern: reported groups, plus 1/cycle_runs of all groups."""
    since = api.result("changes", "checkDictionaries")["Timestamp"]
    quiet = admin.minimum_units("client-1", since, cycle_runs=24)["by_method"]["audiencetargets.get"]
    assert quiet >= 15  # one call for the rolling share
    group = next(g for g in admin.snapshot("client-1", "ad_groups") if g["Type"] == "TEXT_AD_GROUP")
    admin.mutate({"op": "update", "type": "ad_group", "id": group["Id"], "fields": {"Name": "Другая"}})
    admin.mutate({"op": "create", "type": "audience_target", "parent_id": group["Id"]})
    busy = admin.minimum_units("client-1", since, cycle_runs=24)["by_method"]["audiencetargets.get"]
    assert busy > quiet  # the reported group's targets on top, in the same call
    assert admin.minimum_units("client-1", since, cycle_runs=1)["by_method"]["audiencetargets.get"] > busy


def test_floor_reads_targets_of_their_own_group_type_only(api: Api, admin: EmulatorAdmin) -> None:
    """Webpages and smart-ad targets: reported groups of their type, plus 1/cycle_runs of those groups only."""
    since = api.result("changes", "checkDictionaries")["Timestamp"]
    plain = admin.minimum_units("client-1", since, cycle_runs=24)["by_method"]
    assert plain["dynamictextadtargets.get"] == plain["smartadtargets.get"] == 0  # no such groups: no call
    admin.reset(dynamic_campaigns=1, performance_campaigns=1)
    since = api.result("changes", "checkDictionaries")["Timestamp"]
    quiet = admin.minimum_units("client-1", since, cycle_runs=24)["by_method"]
    assert 15 < quiet["dynamictextadtargets.get"] <= 15 + 2  # one call, one group's one or two webpages
    groups = list(admin.snapshot("client-1", "ad_groups"))
    smart = next(g for g in groups if g["Type"] == "SMART_AD_GROUP")
    text = next(g for g in groups if g["Type"] == "TEXT_AD_GROUP")
    admin.mutate({"op": "update", "type": "ad_group", "id": text["Id"], "fields": {"Name": "Другая"}})
    after_text = admin.minimum_units("client-1", since, cycle_runs=24)["by_method"]
    for method in ("dynamictextadtargets.get", "smartadtargets.get"):
        assert after_text[method] == quiet[method], "a text group's change costs their targets nothing"
    admin.mutate({"op": "update", "type": "ad_group", "id": smart["Id"], "fields": {"Name": "Другая"}})
    busy = admin.minimum_units("client-1", since, cycle_runs=24)["by_method"]["smartadtargets.get"]
    assert busy > quiet["smartadtargets.get"]  # the reported smart group's filters on top, in the same call
