"""Mutation overlay, live listings and the change log, exercised without HTTP."""

from __future__ import annotations

import pytest

from airflow_provider_direct.emulator.clock import EmulatorClock
from airflow_provider_direct.emulator.config import EmulatorConfig
from airflow_provider_direct.emulator.criteria import Page
from airflow_provider_direct.emulator.ids import CREATED_BASE, Kind
from airflow_provider_direct.emulator.paging import paginate_campaign_children, paginate_counted, paginate_filtered
from airflow_provider_direct.emulator.state import AccountState, StateError


@pytest.fixture
def state() -> AccountState:
    config = EmulatorConfig(logins=["a", "b"], campaigns=2, smart_campaigns=1, groups=3, ads=2, keywords=4)
    return AccountState(config, EmulatorClock())


def keywords_of_campaign(state: AccountState, campaign_id: int) -> list[int]:
    return [k for g in state.group_ids(campaign_id) for k in state.child_ids(Kind.KEYWORD, g)]


def test_base_listing_is_arithmetic_and_ordered(state: AccountState) -> None:
    campaigns = state.campaign_ids(0)
    assert campaigns == [1_000_000, 1_000_001, 1_000_002]
    assert state.is_smart_campaign(1_000_002) and not state.is_smart_campaign(1_000_001)
    groups = list(state.group_ids(1_000_001))
    assert groups == [100_000_003, 100_000_004, 100_000_005]
    assert state.child_ids(Kind.KEYWORD, groups[0]) == [10_000_000_012 + i for i in range(4)]
    assert state.child_count(Kind.KEYWORD, 100_000_006) == 0  # smart-banner groups have no keywords
    assert state.child_count(Kind.AD, 100_000_006) == 2
    assert state.login_of(10_000_000_012) == 0 and state.campaign_of(10_000_000_012) == 1_000_001


def test_overlay_create_update_delete(state: AccountState) -> None:
    group = 100_000_000
    created = state.create(Kind.KEYWORD, group, {"Keyword": "новая фраза", "Bid": 7_000_000})
    assert created["Id"] >= CREATED_BASE and created["AdGroupId"] == group and created["CampaignId"] == 1_000_000
    assert state.child_ids(Kind.KEYWORD, group)[-1] == created["Id"]
    assert state.child_count(Kind.KEYWORD, group) == 5

    updated = state.update(Kind.KEYWORD, 10_000_000_001, {"Bid": 1, "Id": 999})
    assert updated["Bid"] == 1 and updated["Id"] == 10_000_000_001  # identity is immutable
    assert state.get(10_000_000_001)["Bid"] == 1

    state.delete(Kind.KEYWORD, 10_000_000_002)
    assert state.child_ids(Kind.KEYWORD, group) == [10_000_000_000, 10_000_000_001, 10_000_000_003, created["Id"]]
    assert state.child_slice(Kind.KEYWORD, group, 1, 3) == [10_000_000_001, 10_000_000_003]
    assert not state.is_live(Kind.KEYWORD, 10_000_000_002)
    with pytest.raises(StateError):
        state.update(Kind.KEYWORD, 10_000_000_002, {"Bid": 2})


def test_deleting_a_parent_kills_the_subtree(state: AccountState) -> None:
    state.delete(Kind.AD_GROUP, 100_000_001)
    assert not state.is_live(Kind.KEYWORD, 10_000_000_004)
    assert not state.is_live(Kind.AD, 1_000_000_002)
    assert list(state.group_ids(1_000_000)) == [100_000_000, 100_000_002]
    assert state.campaign_child_count(Kind.KEYWORD, 1_000_000) == 8
    state.delete(Kind.CAMPAIGN, 1_000_000)
    assert not state.is_live(Kind.AD_GROUP, 100_000_000)
    assert state.campaign_ids(0) == [1_000_001, 1_000_002]
    with pytest.raises(StateError):
        state.create(Kind.AD_GROUP, 1_000_000, {})


def test_smart_groups_refuse_keywords(state: AccountState) -> None:
    with pytest.raises(StateError, match="no keywords"):
        state.create(Kind.KEYWORD, 100_000_006, {})
    ad = state.create(Kind.AD, 100_000_006, {})
    assert ad["Type"] == "SMART_AD"


def test_change_log_reports_keywords_through_groups(state: AccountState) -> None:
    second = state.clock.now_seconds()
    state.update(Kind.KEYWORD, 10_000_000_013, {"Bid": 5})
    log = state.log
    assert log.changed_groups(1_000_001, second) == [100_000_003]
    assert log.changes_in(1_000_001, second) == ["CHILDREN"]
    assert log.changes_in(1_000_001, second + 1) == []
    state.correct_stats(1_000_001, "2025-01-05")
    state.correct_stats(1_000_001, "2025-01-02")
    assert log.border_date(1_000_001, second) == "2025-01-02"
    assert log.changes_in(1_000_001, second) == ["CHILDREN", "STAT"]


def test_counted_paging_matches_a_plain_walk(state: AccountState) -> None:
    state.delete(Kind.KEYWORD, 10_000_000_005)
    state.create(Kind.KEYWORD, 100_000_004, {})
    state.delete(Kind.AD_GROUP, 100_000_002)
    campaigns = [1_000_000, 1_000_001]
    everything = [k for c in campaigns for k in keywords_of_campaign(state, c)]
    for limit in (1, 3, 5, 50):
        collected: list[int] = []
        offset = 0
        while True:
            chunks, more = paginate_campaign_children(state, Kind.KEYWORD, campaigns, Page(limit, offset))
            page = [k for _, members in chunks for k in members]
            collected += page
            offset += len(page)
            if not more:
                break
        assert collected == everything


def test_paging_helpers_report_more_exactly() -> None:
    sizes = {1: 2, 2: 0, 3: 3}
    members = {1: [10, 11], 2: [], 3: [30, 31, 32]}
    chunks, more = paginate_counted(sizes, sizes.__getitem__, lambda s, a, b: members[s][a:b], Page(2, 0))
    assert chunks == [(1, [10, 11])] and more
    chunks, more = paginate_counted(sizes, sizes.__getitem__, lambda s, a, b: members[s][a:b], Page(3, 2))
    assert chunks == [(3, [30, 31, 32])] and not more
    window, more = paginate_filtered(range(10), lambda x: x % 2 == 0, Page(2, 1))
    assert window == [2, 4] and more
    window, more = paginate_filtered(range(10), lambda x: x % 2 == 0, Page(2, 3))
    assert window == [6, 8] and not more
