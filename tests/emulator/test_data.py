"""Id arithmetic, config validation and the deterministic generator (no HTTP)."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from airflow_provider_direct.emulator.config import EmulatorConfig
from airflow_provider_direct.emulator.data import DataGenerator
from airflow_provider_direct.emulator.fields import AD, AD_GROUP, CAMPAIGN, KEYWORD, Projection
from airflow_provider_direct.emulator.ids import (
    AD_BASE,
    CAMPAIGN_BASE,
    CREATED_BASE,
    GROUP_BASE,
    KEYWORD_BASE,
    MAX_ID,
    IdLayout,
    Kind,
)

LAYOUT = IdLayout(logins=3, campaigns=4, smart_campaigns=1, groups=6, ads=2, keywords=15)


def generator(seed: int = 7, layout: IdLayout = LAYOUT) -> DataGenerator:
    return DataGenerator(seed, layout, ["a", "b", "c"], dt.date(2025, 1, 1))


def test_id_ranges_follow_the_documented_layout() -> None:
    campaign = LAYOUT.campaign_id(login_index=1, index=2)
    assert campaign == CAMPAIGN_BASE + 1 * 5 + 2
    group = LAYOUT.group_id(campaign, 3)
    assert group == GROUP_BASE + (campaign - CAMPAIGN_BASE) * 6 + 3
    ad = LAYOUT.ad_id(group, 1)
    keyword = LAYOUT.keyword_id(group, 14)
    assert ad == AD_BASE + (group - GROUP_BASE) * 2 + 1
    assert keyword == KEYWORD_BASE + (group - GROUP_BASE) * 15 + 14
    assert LAYOUT.keyword_group(keyword) == group == LAYOUT.ad_group(ad)
    assert LAYOUT.group_campaign(group) == campaign
    assert LAYOUT.campaign_position(campaign) == (1, 2)
    assert CREATED_BASE < MAX_ID


@pytest.mark.parametrize(
    ("object_id", "kind"),
    [
        (CAMPAIGN_BASE, Kind.CAMPAIGN),
        (CAMPAIGN_BASE + 14, Kind.CAMPAIGN),
        (CAMPAIGN_BASE + 15, None),  # 3 logins x 5 campaigns
        (GROUP_BASE + 89, Kind.AD_GROUP),
        (GROUP_BASE + 90, None),
        (AD_BASE + 179, Kind.AD),
        (AD_BASE + 180, None),
        (KEYWORD_BASE + 1349, Kind.KEYWORD),
        (KEYWORD_BASE + 1350, None),
        (5, None),
        (CREATED_BASE, None),
    ],
)
def test_base_kind_rejects_ids_outside_populated_ranges(object_id: int, kind: Kind | None) -> None:
    assert LAYOUT.base_kind(object_id) is kind


def test_smart_campaigns_are_the_last_of_each_login() -> None:
    assert not LAYOUT.campaign_is_smart(LAYOUT.campaign_id(0, 3))
    assert LAYOUT.campaign_is_smart(LAYOUT.campaign_id(0, 4))
    assert LAYOUT.campaign_is_smart(LAYOUT.campaign_id(2, 4))


def test_config_rejects_overlapping_ranges_and_bad_identities() -> None:
    with pytest.raises(ValidationError, match="keyword id range"):
        EmulatorConfig(logins=["x"], campaigns=1000, groups=10_000, keywords=100_000_000)
    with pytest.raises(ValidationError, match="ad group id range"):
        EmulatorConfig(logins=["x"], campaigns=1000, groups=1_000_000)
    with pytest.raises(ValidationError, match="unique"):
        EmulatorConfig(logins=["a", "A"])
    with pytest.raises(ValidationError, match="agency_clients"):
        EmulatorConfig(logins=["a"], agency_clients=["zzz"])
    # A million keywords in either recommended shape is fine.
    EmulatorConfig(logins=["x"], campaigns=10, groups=1000, keywords=100)
    EmulatorConfig(logins=[f"c{i}" for i in range(100)], campaigns=1, groups=100, keywords=100)


def test_default_tokens_cover_agency_and_every_login() -> None:
    config = EmulatorConfig(logins=["Client-1", "client-2"])
    assert config.logins == ["client-1", "client-2"]
    assert config.tokens["agency-token"].role == "agency"
    assert config.tokens["client-2-token"].login == "client-2"
    assert config.agency_clients == ["client-1", "client-2"]


def test_unit_cost_rounding() -> None:
    costs = EmulatorConfig().unit_costs
    assert costs["keywords.get"].cost(1999) == 15
    assert costs["keywords.get"].cost(4000) == 17
    assert costs["changes.check"].cost(1) == 11
    assert costs["changes.check"].cost(1001) == 12
    assert costs["campaigns.get"].cost(7) == 17


def test_generation_is_deterministic_per_seed() -> None:
    one, again, other = generator(7), generator(7), generator(8)
    group = LAYOUT.group_id(CAMPAIGN_BASE, 0)
    keyword = LAYOUT.keyword_id(group, 3)
    assert one.keyword(keyword, group, CAMPAIGN_BASE) == again.keyword(keyword, group, CAMPAIGN_BASE)
    assert one.campaign(CAMPAIGN_BASE, "a", "TEXT_CAMPAIGN") == again.campaign(CAMPAIGN_BASE, "a", "TEXT_CAMPAIGN")
    differs = [
        one.keyword(k, group, CAMPAIGN_BASE) != other.keyword(k, group, CAMPAIGN_BASE)
        for k in range(keyword, keyword + 10)
    ]
    assert any(differs)


def test_generated_values_are_in_api_domains() -> None:
    gen = generator()
    group = LAYOUT.group_id(CAMPAIGN_BASE, 0)
    for index in range(15):
        kw = gen.keyword(LAYOUT.keyword_id(group, index), group, CAMPAIGN_BASE)
        assert kw["State"] in {"ON", "OFF", "SUSPENDED"}
        assert kw["Status"] in {"ACCEPTED", "DRAFT", "REJECTED"}
        assert kw["Bid"] % 10_000 == 0 and kw["Bid"] > 0
        assert list(kw) == list(KEYWORD.fields)
    campaign = gen.campaign(CAMPAIGN_BASE, "a", "TEXT_CAMPAIGN")
    assert campaign["Type"] == "TEXT_CAMPAIGN" and campaign["Currency"] == "RUB"
    # Full objects carry every FieldNames value, so "everything requested" equals the stored object.
    assert set(campaign) == {*CAMPAIGN.fields, "TextCampaign"}
    assert set(gen.ad_group(group, CAMPAIGN_BASE, "TEXT_CAMPAIGN")) == set(AD_GROUP.fields)
    assert set(gen.ad(AD_BASE, group, CAMPAIGN_BASE, "TEXT_CAMPAIGN")) == {*AD.fields, "TextAd"}
    assert gen.campaign(CAMPAIGN_BASE + 4, "a", "SMART_CAMPAIGN")["Type"] == "SMART_CAMPAIGN"
    dt.date.fromisoformat(campaign["StartDate"])


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    first=st.integers(min_value=0, max_value=10**9),
    fields=st.lists(st.sampled_from(KEYWORD.fields), min_size=1, max_size=len(KEYWORD.fields), unique=True),
)
def test_keyword_fast_path_matches_reference(seed: int, first: int, fields: list[str]) -> None:
    """The bulk encoder must produce exactly what projecting ``keyword()`` and dumping it would."""
    gen = generator(seed)
    ids = [KEYWORD_BASE + first + step for step in (0, 1, 2, 7, 100)]
    projection = Projection(KEYWORD, {"FieldNames": fields})
    fragments = gen.keyword_fragments(ids, 123, 456, tuple(fields))
    expected = [projection(gen.keyword(i, 123, 456)) for i in ids]
    assert [json.loads(fragment) for fragment in fragments] == expected


def test_ten_thousand_keyword_page_is_cheap() -> None:
    layout = IdLayout(logins=1, campaigns=10, smart_campaigns=0, groups=1000, ads=1, keywords=100)
    gen = generator(layout=layout)
    started = time.perf_counter()
    total = 0
    for index in range(100):
        group = layout.group_id(CAMPAIGN_BASE, index)
        first = layout.keyword_id(group, 0)
        total += len(gen.keyword_fragments(range(first, first + 100), group, CAMPAIGN_BASE, KEYWORD.fields))
    assert total == 10_000
    assert time.perf_counter() - started < 0.5  # ~40 ms on a laptop core; generous for CI
