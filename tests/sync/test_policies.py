"""Refresh policies plan the right reads from what the warehouse holds (no API involved)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow_provider_direct.sync.policies import Dictionary, Listing, PerParent, Phase, PlanContext, Referenced
from airflow_provider_direct.warehouse.account_tables import DYNAMIC_TEXT_AD_TARGETS, KEYWORD_BIDS, SITELINKS
from airflow_provider_direct.warehouse.schema import AD_GROUPS, ADS, CAMPAIGNS, KEYWORDS
from airflow_provider_direct.warehouse.store import DirectWarehouse, TableState

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
T1 = T0 + dt.timedelta(hours=1)
T2 = T0 + dt.timedelta(hours=2)


def context(warehouse: DirectWarehouse, run_started: dt.datetime, now: dt.datetime, **kw: Any) -> PlanContext:
    answers = kw.pop("dictionaries", {None: {"Timestamp": "2026-01-01T02:00:00Z"}})
    table = kw.pop("table", SITELINKS)
    return PlanContext(warehouse, "c1", run_started, now, lambda ts: answers[ts], table, **kw)


def ad(ad_id: int, sitelinks: int | None, callouts: list[int] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    extensions = [{"AdExtensionId": c, "Type": "CALLOUT"} for c in callouts] or None
    return {
        "Id": ad_id,
        "CampaignId": 1,
        "AdGroupId": 10,
        "TextAd": {"Title": "t", "SitelinkSetId": sitelinks, "AdExtensions": extensions},
    }


def test_referenced_reads_only_new_ids_of_ads_this_run_upserted(warehouse: DirectWarehouse) -> None:
    policy = Referenced(paths=(("TextAd", "SitelinkSetId"),), criterion="Ids", cap=2)
    with warehouse.transaction() as tx:
        tx.upsert_objects(ADS, "c1", [ad(1, 100), ad(2, 101)], T0)
        tx.upsert_rows(SITELINKS, "c1", [{"Id": 100, "Sitelinks": []}], T0)
    with warehouse.transaction() as tx:
        tx.upsert_objects(ADS, "c1", [ad(2, 102), ad(3, 103), ad(4, 104), ad(5, 100), ad(6, None)], T1)
    state = TableState("c1", SITELINKS.table, refreshed_at=T0, cursor=T0.isoformat())
    reads = list(policy.plan(context(warehouse, T1, T2), state, Phase.REFERENCES))
    # 100 is known; 101 belongs to an ad this run did not touch; 102-104 are new, two per call.
    assert [r.criteria for r in reads] == [{"Ids": [102, 103]}, {"Ids": [104]}]
    assert reads[0].on_done is None and reads[-1].on_done is not None  # the cursor moves after the last
    reads[-1].on_done(state, T2)
    assert state.cursor == T1.isoformat()
    assert list(policy.plan(context(warehouse, T1, T2), state, Phase.ROLLING)) == []  # reconciled at T0: not due


def test_referenced_collects_through_lists_and_reconciles_when_due(warehouse: DirectWarehouse) -> None:
    policy = Referenced(paths=(("TextAd", "AdExtensions", "AdExtensionId"),), criterion="Ids")
    assert policy.references([ad(1, None, [7, 8]), ad(2, None, [8, 9]), ad(3, None)]) == {7, 8, 9}
    state = TableState("c1", "direct_ad_extensions", refreshed_at=T0 - dt.timedelta(days=2))
    [read] = policy.plan(context(warehouse, T1, T2), state, Phase.ROLLING)
    assert read.criteria == {} and read.scope == (None, ())  # a complete listing: unseen rows are deleted
    read.on_done(state, T2)
    assert state.refreshed_at == T2


def groups(*ids: int, campaign: int = 1) -> list[dict[str, Any]]:
    return [{"Id": i, "CampaignId": campaign, "Name": f"g{i}"} for i in ids]


def test_per_parent_reads_touched_groups_then_a_rolling_window(warehouse: DirectWarehouse) -> None:
    policy = PerParent(AD_GROUPS, "AdGroupIds", cap=2, column="ad_group_id", cycle_runs=3)
    with warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 1, "Name": "c", "State": "ON"}], T0)
        tx.upsert_objects(AD_GROUPS, "c1", groups(1, 2, 3, 4, 5, 6), T0)
    with warehouse.transaction() as tx:
        tx.upsert_objects(AD_GROUPS, "c1", groups(5), T1)  # this run's object sync touched group 5
    state = TableState("c1", "direct_keyword_bids", refreshed_at=T0, cursor="2")
    ctx = context(warehouse, T1, T2, table=KEYWORD_BIDS)
    [changed] = policy.plan(ctx, state, Phase.CHANGES)
    assert changed.criteria == {"AdGroupIds": [5]} and changed.scope == ("ad_group_id", [5])
    # A third of six groups per run, continuing after the cursor.
    [rolling] = policy.plan(ctx, state, Phase.ROLLING)
    assert rolling.criteria == {"AdGroupIds": [3, 4]}
    rolling.on_done(state, T2)
    assert state.cursor == "4"
    [last, end] = policy.plan(ctx, state, Phase.ROLLING)
    assert last.criteria == {"AdGroupIds": [5, 6]}
    last.on_done(state, T2)
    assert end.criteria == {} and end.scope is None  # the cycle is complete: freshness moves
    end.on_done(state, T2)
    assert state.cursor is None and state.refreshed_at == T2


def test_first_cycle_reads_every_parent_and_skips_archived_campaigns(warehouse: DirectWarehouse) -> None:
    policy = PerParent(AD_GROUPS, "AdGroupIds", cap=10, column="ad_group_id", skip_archived=True)
    with warehouse.transaction() as tx:
        tx.upsert_objects(
            CAMPAIGNS, "c1", [{"Id": 1, "Name": "on", "State": "ON"}, {"Id": 2, "Name": "a", "State": "ARCHIVED"}], T0
        )
        tx.upsert_objects(AD_GROUPS, "c1", groups(1, 2) + groups(3, campaign=2), T0)
    state = TableState("c1", "direct_keyword_bids")
    ctx = context(warehouse, T0, T1, table=KEYWORD_BIDS)
    assert list(policy.plan(ctx, state, Phase.CHANGES)) == []  # nothing stored yet: the first cycle reads all
    [window, end] = policy.plan(ctx, state, Phase.ROLLING)
    assert window.criteria == {"AdGroupIds": [1, 2]}  # group 3 is in an archived campaign
    assert end.label == "cycle complete"


def test_without_archived_campaigns_every_group_is_read(warehouse: DirectWarehouse) -> None:
    """No archived campaign hides no group (an empty parent list once selected every group as hidden)."""
    policy = PerParent(AD_GROUPS, "AdGroupIds", cap=10, column="ad_group_id", skip_archived=True)
    with warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 1, "Name": "on", "State": "ON"}], T0)
        tx.upsert_objects(AD_GROUPS, "c1", groups(1, 2, 3), T0)
    [window, _] = policy.plan(
        context(warehouse, T0, T1, table=KEYWORD_BIDS), TableState("c1", "direct_keyword_bids"), Phase.ROLLING
    )
    assert window.criteria == {"AdGroupIds": [1, 2, 3]}


def test_per_parent_reads_only_groups_of_its_types(warehouse: DirectWarehouse) -> None:
    """Webpages live in dynamic text groups only: the other groups are never asked about."""
    policy = PerParent(
        AD_GROUPS, "AdGroupIds", cap=10, column="ad_group_id", cycle_runs=2, parent_types=("DYNAMIC_TEXT_AD_GROUP",)
    )
    typed = [{**g, "Type": "DYNAMIC_TEXT_AD_GROUP"} for g in groups(2, 4, 6)]
    text = [{**g, "Type": "TEXT_AD_GROUP"} for g in groups(1, 3, 5)]
    with warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 1, "Name": "c", "State": "ON"}], T0)
        tx.upsert_objects(AD_GROUPS, "c1", typed + text, T0)
    with warehouse.transaction() as tx:
        tx.upsert_objects(AD_GROUPS, "c1", [typed[1], text[0]], T1)  # touched this run: a dynamic and a text group
    table = DYNAMIC_TEXT_AD_TARGETS
    first = list(policy.plan(context(warehouse, T0, T1, table=table), TableState("c1", table.table), Phase.ROLLING))
    assert [r.criteria for r in first] == [{"AdGroupIds": [2, 4, 6]}, {}]
    state = TableState("c1", table.table, refreshed_at=T0)
    ctx = context(warehouse, T1, T2, table=table)
    [changed] = policy.plan(ctx, state, Phase.CHANGES)
    assert changed.criteria == {"AdGroupIds": [4]}
    [rolling] = policy.plan(ctx, state, Phase.ROLLING)
    assert rolling.criteria == {"AdGroupIds": [2, 4]}  # half of the three dynamic groups, none of the others
    assert "DYNAMIC_TEXT_AD_GROUP adgroups" in policy.describe()


def test_listing_is_due_by_its_period(warehouse: DirectWarehouse) -> None:
    policy = Listing(every=dt.timedelta(hours=6))
    fresh = TableState("c1", "direct_clients", refreshed_at=T1)
    stale = TableState("c1", "direct_clients", refreshed_at=T0 - dt.timedelta(hours=7))
    assert list(policy.plan(context(warehouse, T1, T2), fresh, Phase.REFERENCES)) == []
    [read] = policy.plan(context(warehouse, T1, T2), stale, Phase.REFERENCES)
    assert read.scope == (None, ())


def test_dictionary_follows_check_dictionaries(warehouse: DirectWarehouse) -> None:
    policy = Dictionary("GeoRegions", "RegionsChanged")
    answers = {
        "2026-01-01T00:00:00Z": {"Timestamp": "2026-01-01T02:00:00Z", "RegionsChanged": "NO"},
        "2026-01-01T02:00:00Z": {"Timestamp": "2026-01-01T03:00:00Z", "RegionsChanged": "YES"},
        None: {"Timestamp": "2026-01-01T02:00:00Z"},
    }
    ctx = context(warehouse, T1, T2, dictionaries=answers)
    state = TableState("c1", "direct_dict_geo_regions", refreshed_at=T0, cursor="2026-01-01T00:00:00Z")
    assert list(policy.plan(ctx, state, Phase.REFERENCES)) == []
    assert state.cursor == "2026-01-01T02:00:00Z"  # unchanged since: the cursor moves on
    [read] = policy.plan(ctx, state, Phase.REFERENCES)
    assert read.params == {"DictionaryNames": ["GeoRegions"]}
    read.on_done(state, T2)
    assert state.cursor == "2026-01-01T03:00:00Z" and state.refreshed_at == T2
    first = TableState("c1", "direct_dict_geo_regions")
    [read] = policy.plan(ctx, first, Phase.REFERENCES)  # never read: read now


def test_rows_under_deleted_parents_are_swept_without_a_call(warehouse: DirectWarehouse) -> None:
    """The API returns nothing under a deleted group, so no read can delete its bids: a sweep does."""
    policy = PerParent(AD_GROUPS, "AdGroupIds", cap=10, column="ad_group_id")
    with warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 1, "Name": "on", "State": "ON"}], T0)
        tx.upsert_objects(AD_GROUPS, "c1", groups(1, 2), T0)
        bids = [{"KeywordId": k, "AdGroupId": g, "CampaignId": 1} for k, g in ((11, 1), (21, 2), (22, 2))]
        tx.upsert_rows(KEYWORD_BIDS, "c1", bids, T0)
    with warehouse.transaction() as tx:
        tx.soft_delete(AD_GROUPS, "c1", T1, ids=[2])
    state = TableState("c1", KEYWORD_BIDS.table, refreshed_at=T0)
    [sweep, *_] = policy.plan(context(warehouse, T1, T2, table=KEYWORD_BIDS), state, Phase.CHANGES)
    assert sweep.sweep and sweep.bookkeeping
    assert sweep.scope == ("ad_group_id", [2]) and sweep.criteria == {}


def test_sized_windows_take_one_page_of_expected_objects(warehouse: DirectWarehouse) -> None:
    """Keyword bids read about ``per_read`` keywords at a time, so reads are one page each and run side by side."""
    policy = PerParent(
        AD_GROUPS, "AdGroupIds", cap=10, column="ad_group_id", sizing=(KEYWORDS, "ad_group_id"), per_read=5
    )
    with warehouse.transaction() as tx:
        tx.upsert_objects(CAMPAIGNS, "c1", [{"Id": 1, "Name": "on", "State": "ON"}], T0)
        tx.upsert_objects(AD_GROUPS, "c1", groups(1, 2, 3, 4), T0)
        sizes = {1: 3, 2: 2, 3: 6, 4: 1}  # keywords per group
        keywords = [
            {"Id": g * 100 + k, "AdGroupId": g, "CampaignId": 1, "Keyword": "k"}
            for g, n in sizes.items()
            for k in range(n)
        ]
        tx.upsert_objects(KEYWORDS, "c1", keywords, T0)
    reads = list(policy.plan(context(warehouse, T0, T1, table=KEYWORD_BIDS), TableState("c1", "x"), Phase.ROLLING))
    # 3+2 fill one read; group 3 alone is over the size but still read; 4 follows.
    assert [r.criteria.get("AdGroupIds") for r in reads] == [[1, 2], [3], [4], None]
