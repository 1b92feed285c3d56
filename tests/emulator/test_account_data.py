"""Account-level generator: pure function of (seed, id), anchors, id and hash layouts (no HTTP)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_direct.emulator.account_data import AccountGenerator
from airflow_provider_direct.emulator.data import DataGenerator
from airflow_provider_direct.emulator.ids import AD_BASE, CAMPAIGN_BASE, IdLayout, Kind, image_hash, image_number

LAYOUT = IdLayout(logins=3, campaigns=4, smart_campaigns=1, groups=6, ads=2, keywords=15)
EPOCH = dt.date(2025, 1, 1)
LOGINS = ["a", "b", "c"]


def test_objects_are_a_pure_function_of_seed_and_id() -> None:
    one, two, other = (AccountGenerator(seed, LAYOUT, LOGINS, EPOCH) for seed in (1, 1, 2))
    set_id = LAYOUT.pool_id(Kind.SITELINK_SET, 1, 2)
    assert one.sitelink_set(set_id) == two.sitelink_set(set_id) != other.sitelink_set(set_id)
    vcard = LAYOUT.vcard_id(CAMPAIGN_BASE + 1, 1)
    assert one.vcard(vcard, CAMPAIGN_BASE + 1) == two.vcard(vcard, CAMPAIGN_BASE + 1)
    assert one.client(2) == two.client(2) and one.client(2)["Login"] == "c"


def test_every_base_pool_object_has_an_anchor_that_references_it() -> None:
    gen = DataGenerator(3, LAYOUT, LOGINS, EPOCH)
    for login in range(LAYOUT.logins):
        for index in range(LAYOUT.sitelink_sets):
            anchor = gen.anchor_ad(Kind.SITELINK_SET, login, index)
            assert anchor is not None
            assert gen.ad_references(anchor)["SitelinkSetId"] == LAYOUT.pool_id(Kind.SITELINK_SET, login, index)
        for index in range(LAYOUT.ad_images):
            anchor = gen.anchor_ad(Kind.AD_IMAGE, login, index)
            assert anchor is not None
            assert gen.ad_references(anchor)["AdImageHash"] == image_hash(LAYOUT.pool_id(Kind.AD_IMAGE, login, index))
        for index in range(LAYOUT.callouts):
            anchor = gen.anchor_ad(Kind.CALLOUT, login, index)
            assert anchor is not None
            ids = [x["AdExtensionId"] for x in gen.ad_references(anchor)["AdExtensions"]]
            assert LAYOUT.pool_id(Kind.CALLOUT, login, index) in ids and len(ids) == len(set(ids)) <= 4
    campaign = LAYOUT.campaign_id(2, 3)
    for index in range(2):
        anchor = gen.anchor_ad(Kind.VCARD, campaign, index)
        assert anchor is not None and gen.ad_references(anchor)["VCardId"] == LAYOUT.vcard_id(campaign, index)


def test_smart_and_tiny_accounts_reference_nothing_they_cannot_read() -> None:
    gen = DataGenerator(3, LAYOUT, LOGINS, EPOCH)
    smart_ad = LAYOUT.ad_id(LAYOUT.group_id(CAMPAIGN_BASE + 4, 0), 0)
    assert set(gen.ad_references(smart_ad).values()) == {None}
    tiny = IdLayout(logins=1, campaigns=1, smart_campaigns=0, groups=1, ads=1, keywords=1)
    tiny_gen = DataGenerator(3, tiny, ["a"], EPOCH)
    assert tiny_gen.anchor_ad(Kind.CALLOUT, 0, 2) is None  # three callouts, one ad: only the first is anchored
    refs = tiny_gen.ad_references(AD_BASE)
    assert refs["SitelinkSetId"] == tiny.pool_id(Kind.SITELINK_SET, 0, 0)


@settings(max_examples=50, deadline=None)
@given(number=st.integers(min_value=0, max_value=2**53 - 1))
def test_image_hashes_round_trip(number: int) -> None:
    value = image_hash(number)
    assert len(value) == 22 and image_number(value) == number
    assert image_number(value[::-1]) in (None, number)


def test_positions_decode_base_ids_only() -> None:
    modifier = LAYOUT.group_modifier_id(LAYOUT.group_id(CAMPAIGN_BASE + 2, 5), 1)
    assert LAYOUT.modifier_position(modifier) == (True, LAYOUT.group_id(CAMPAIGN_BASE + 2, 5), 1)
    assert LAYOUT.vcard_position(LAYOUT.vcard_id(CAMPAIGN_BASE + 4, 0)) is None  # smart campaigns have none
    assert LAYOUT.pool_position(Kind.SHARED_SET, LAYOUT.pool_id(Kind.SHARED_SET, 3, 0)) is None  # no 4th login


def test_later_pools_are_pure_and_keep_their_documented_shapes() -> None:
    one, two = (AccountGenerator(5, LAYOUT, LOGINS, EPOCH) for _ in range(2))
    feeds = [one.feed(LAYOUT.pool_id(Kind.FEED, 1, i), i) for i in range(3)]
    assert feeds == [two.feed(LAYOUT.pool_id(Kind.FEED, 1, i), i) for i in range(3)]
    assert [f["SourceType"] for f in feeds] == ["URL", "URL", "FILE"]
    assert all(("UrlFeed" in f) == (f["SourceType"] == "URL") != ("FileFeed" in f) for f in feeds)
    creatives = [one.creative(LAYOUT.pool_id(Kind.CREATIVE, 0, i), i) for i in range(LAYOUT.creatives)]
    assert {c["Type"] for c in creatives} >= {"VIDEO_EXTENSION_CREATIVE", "IMAGE_CREATIVE"}
    page = LAYOUT.pool_id(Kind.TURBO_PAGE, 2, 1)
    assert LAYOUT.pool_position(Kind.TURBO_PAGE, page) == (2, 1) and one.turbo_page(page) == two.turbo_page(page)
    business = one.business(LAYOUT.pool_id(Kind.BUSINESS, 0, 0))
    assert business["HasOffice"] == ("NO" if business["Address"] is None else "YES")
    strategy = LAYOUT.pool_id(Kind.STRATEGY, 1, 0)
    assert one.strategy(strategy, 0) == two.strategy(strategy, 0)
    assert (
        len(
            {k for k in one.strategy(strategy, 0) if k[0].isupper()}
            - {"Id", "Name", "Type", "AttributionModel", "CounterIds", "PriorityGoals", "StatusArchived"}
        )
        == 1
    )  # exactly the block of its Type
    # The narrow ranges never meet: the last turbo page of the last login is below the first business.
    last = LAYOUT.pool_id(Kind.TURBO_PAGE, LAYOUT.logins - 1, LAYOUT.turbo_pages - 1)
    assert LAYOUT.pool_position(Kind.BUSINESS, last) is None
