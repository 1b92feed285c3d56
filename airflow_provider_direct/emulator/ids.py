"""Arithmetic id layout of the generated account.

Base objects are never stored: every id encodes its position (login, campaign, group, index), so a
parent is derived with a division and a whole account of a million keywords costs no memory.
Objects created through the admin API take ids from a separate high range and are tracked explicitly.

Account-level objects (sitelink sets, vCards, images, callouts, retargeting lists, negative keyword
shared sets, bid modifiers, feeds, Turbo pages, business profiles, creatives, portfolio strategies,
audience targets, webpages and smart-ad targets) get ranges of their own above the keywords, sized by
the account shape, so their owner (login, campaign or group) is decoded the same way. Their services number objects
independently in the real API; separate ranges here only keep one id from meaning two objects.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum

CAMPAIGN_BASE = 1_000_000
GROUP_BASE = 100_000_000
AD_BASE = 1_000_000_000
KEYWORD_BASE = 10_000_000_000
ACCOUNT_BASE = 5 * 10**14  # account-level objects; keywords must stay below it
SITELINK_SET_BASE = ACCOUNT_BASE
VCARD_BASE = ACCOUNT_BASE + 10**13
CALLOUT_BASE = ACCOUNT_BASE + 2 * 10**13
RETARGETING_LIST_BASE = ACCOUNT_BASE + 3 * 10**13
SHARED_SET_BASE = ACCOUNT_BASE + 4 * 10**13
CAMPAIGN_MODIFIER_BASE = ACCOUNT_BASE + 5 * 10**13
GROUP_MODIFIER_BASE = ACCOUNT_BASE + 6 * 10**13
IMAGE_BASE = ACCOUNT_BASE + 7 * 10**13  # numbers behind the AdImageHash strings
ACCOUNT_SPAN = 10**13
# The later services share one span, split in narrower ranges (a handful of objects per login each).
FEED_BASE = ACCOUNT_BASE + 8 * 10**13
TURBO_PAGE_BASE = FEED_BASE + 10**12
BUSINESS_BASE = FEED_BASE + 2 * 10**12
CREATIVE_BASE = FEED_BASE + 3 * 10**12
STRATEGY_BASE = FEED_BASE + 4 * 10**12
AUDIENCE_TARGET_BASE = ACCOUNT_BASE + 9 * 10**13
WEBPAGE_BASE = ACCOUNT_BASE + 10 * 10**13  # DynamicTextAdTargets of dynamic text groups
SMART_TARGET_BASE = ACCOUNT_BASE + 11 * 10**13  # SmartAdTargets of smart groups
NARROW_SPAN = 10**12
CREATED_BASE = 9 * 10**14
MAX_ID = 2**53 - 1  # ids must survive a round trip through JavaScript-style doubles

VCARDS_PER_CAMPAIGN = 2
RETARGETING_LISTS_PER_LOGIN = 3  # the first two RETARGETING, the last AUDIENCE
SHARED_SETS_PER_LOGIN = 2
CAMPAIGN_MODIFIERS_MAX = 3  # 0..3 campaign-level bid modifiers per text campaign
GROUP_MODIFIERS_MAX = 2  # 0..2 group-level bid modifiers per text ad group
FEEDS_PER_LOGIN = 3  # the first two URL feeds, the last a FILE feed
BUSINESSES_PER_LOGIN = 2
STRATEGIES_PER_LOGIN = 3
AUDIENCE_TARGETS_MAX = 2  # 0..2 audience targets per text ad group
WEBPAGES_MAX = 2  # 1..2 targeting conditions per dynamic text ad group
SMART_TARGETS_MAX = 2  # 1..2 filters per smart ad group
_HASH_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_HASH_HALF = 11


class Kind(str, Enum):
    """Object kinds; values double as the ``type`` names of the admin API."""

    CAMPAIGN = "campaign"
    AD_GROUP = "ad_group"
    AD = "ad"
    KEYWORD = "keyword"
    # Account-level objects (see ``account_store``); ``keyword_bid`` and ``dictionary`` name mutations only.
    SITELINK_SET = "sitelink_set"
    VCARD = "vcard"
    AD_IMAGE = "ad_image"
    CALLOUT = "callout"
    RETARGETING_LIST = "retargeting_list"
    SHARED_SET = "negative_keyword_shared_set"
    BID_MODIFIER = "bid_modifier"
    CLIENT = "client"
    FEED = "feed"
    TURBO_PAGE = "turbo_page"
    BUSINESS = "business"
    CREATIVE = "creative"
    STRATEGY = "strategy"
    AUDIENCE_TARGET = "audience_target"
    WEBPAGE = "webpage"  # a DynamicTextAdTargets targeting condition
    SMART_TARGET = "smart_ad_target"  # a SmartAdTargets filter
    KEYWORD_BID = "keyword_bid"
    DICTIONARY = "dictionary"


@dataclass(frozen=True)
class IdLayout:
    """Maps base ids to positions and back for a given account shape."""

    logins: int
    campaigns: int
    smart_campaigns: int
    groups: int
    ads: int
    keywords: int
    unified_campaigns: int = 0  # the last ones of the text campaigns
    dynamic_campaigns: int = 0  # after the text campaigns
    performance_campaigns: int = 0  # smart campaigns as documented today, after the dynamic ones

    @property
    def campaigns_per_login(self) -> int:
        return self.campaigns + self.dynamic_campaigns + self.performance_campaigns + self.smart_campaigns

    @property
    def _shown_per_login(self) -> int:
        """Campaign slots before the hidden smart-banner ones."""
        return self.campaigns + self.dynamic_campaigns + self.performance_campaigns

    @property
    def total_campaigns(self) -> int:
        return self.logins * self.campaigns_per_login

    @property
    def total_groups(self) -> int:
        return self.total_campaigns * self.groups

    def overlap_problems(self) -> list[str]:
        """Describe every range that would spill into the next one (empty list = layout is valid)."""
        problems = []
        if CAMPAIGN_BASE + self.total_campaigns > GROUP_BASE:
            problems.append(f"{self.total_campaigns} campaigns overflow the campaign id range")
        if GROUP_BASE + self.total_groups > AD_BASE:
            problems.append(f"{self.total_groups} ad groups overflow the ad group id range")
        if AD_BASE + self.total_groups * self.ads > KEYWORD_BASE:
            problems.append(f"{self.total_groups * self.ads} ads overflow the ad id range")
        if KEYWORD_BASE + self.total_groups * self.keywords > ACCOUNT_BASE:
            problems.append(f"{self.total_groups * self.keywords} keywords overflow the keyword id range")
        if self.total_groups * GROUP_MODIFIERS_MAX > ACCOUNT_SPAN:
            problems.append("group-level bid modifiers overflow their id range")
        if self.total_groups * max(AUDIENCE_TARGETS_MAX, WEBPAGES_MAX, SMART_TARGETS_MAX) > ACCOUNT_SPAN:
            problems.append("audience targets, webpages or smart-ad targets overflow their id range")
        if self.logins * max(self.turbo_pages, self.creatives) > NARROW_SPAN:
            problems.append("turbo pages or creatives overflow their id range")
        return problems

    # -- kind detection -------------------------------------------------------------------------

    def base_kind(self, object_id: int) -> Kind | None:
        """Kind of a *base* id, or None if the id is outside every populated base range."""
        if object_id >= CREATED_BASE or object_id < CAMPAIGN_BASE:
            return None
        if object_id >= KEYWORD_BASE:
            return Kind.KEYWORD if object_id - KEYWORD_BASE < self.total_groups * self.keywords else None
        if object_id >= AD_BASE:
            return Kind.AD if object_id - AD_BASE < self.total_groups * self.ads else None
        if object_id >= GROUP_BASE:
            return Kind.AD_GROUP if object_id - GROUP_BASE < self.total_groups else None
        return Kind.CAMPAIGN if object_id - CAMPAIGN_BASE < self.total_campaigns else None

    # -- campaigns ------------------------------------------------------------------------------

    def campaign_id(self, login_index: int, index: int) -> int:
        return CAMPAIGN_BASE + login_index * self.campaigns_per_login + index

    def campaign_position(self, campaign_id: int) -> tuple[int, int]:
        """(login index, campaign index within the login) of a base campaign."""
        return divmod(campaign_id - CAMPAIGN_BASE, self.campaigns_per_login)

    def campaign_is_smart(self, campaign_id: int) -> bool:
        """A smart-banner campaign of the seed's pitfall: the object services do not show it."""
        return self.campaign_position(campaign_id)[1] >= self._shown_per_login

    def campaign_type(self, campaign_id: int) -> str:
        """The API ``Type`` of a base campaign, from its slot: text (the last ones unified), dynamic
        text, smart (documented, shown), then the hidden smart-banner ones."""
        index = self.campaign_position(campaign_id)[1]
        if index < self.campaigns - self.unified_campaigns:
            return TEXT_CAMPAIGN
        if index < self.campaigns:
            return UNIFIED_CAMPAIGN
        if index < self.campaigns + self.dynamic_campaigns:
            return DYNAMIC_TEXT_CAMPAIGN
        return SMART_CAMPAIGN

    def campaign_is_unified(self, campaign_id: int) -> bool:
        """The last ``unified_campaigns`` text slots of each login are unified performance campaigns."""
        index = self.campaign_position(campaign_id)[1]
        return self.campaigns - self.unified_campaigns <= index < self.campaigns

    # -- groups ---------------------------------------------------------------------------------

    def group_id(self, campaign_id: int, index: int) -> int:
        return GROUP_BASE + (campaign_id - CAMPAIGN_BASE) * self.groups + index

    def group_campaign(self, group_id: int) -> int:
        return CAMPAIGN_BASE + (group_id - GROUP_BASE) // self.groups

    def first_group(self, campaign_id: int) -> int:
        return self.group_id(campaign_id, 0)

    # -- ads and keywords -----------------------------------------------------------------------

    def ad_id(self, group_id: int, index: int) -> int:
        return AD_BASE + (group_id - GROUP_BASE) * self.ads + index

    def ad_group(self, ad_id: int) -> int:
        return GROUP_BASE + (ad_id - AD_BASE) // self.ads

    def keyword_id(self, group_id: int, index: int) -> int:
        return KEYWORD_BASE + (group_id - GROUP_BASE) * self.keywords + index

    def keyword_group(self, keyword_id: int) -> int:
        return GROUP_BASE + (keyword_id - KEYWORD_BASE) // self.keywords

    # -- account-level objects ------------------------------------------------------------------
    # Pools scale with the account: a login with more campaigns has more sets, images and callouts.

    @property
    def sitelink_sets(self) -> int:
        """Sitelink sets per login."""
        return max(2, self.campaigns)

    @property
    def ad_images(self) -> int:
        return max(2, 2 * self.campaigns)

    @property
    def callouts(self) -> int:
        return max(3, 3 * self.campaigns)

    @property
    def turbo_pages(self) -> int:
        """Published Turbo pages per login."""
        return max(2, self.campaigns)

    @property
    def creatives(self) -> int:
        return max(2, self.campaigns)

    @functools.cached_property
    def _pool_sizes(self) -> dict[Kind, int]:
        return {
            Kind.SITELINK_SET: self.sitelink_sets,
            Kind.AD_IMAGE: self.ad_images,
            Kind.CALLOUT: self.callouts,
            Kind.RETARGETING_LIST: RETARGETING_LISTS_PER_LOGIN,
            Kind.SHARED_SET: SHARED_SETS_PER_LOGIN,
            Kind.FEED: FEEDS_PER_LOGIN,
            Kind.TURBO_PAGE: self.turbo_pages,
            Kind.BUSINESS: BUSINESSES_PER_LOGIN,
            Kind.CREATIVE: self.creatives,
            Kind.STRATEGY: STRATEGIES_PER_LOGIN,
        }

    def pool_size(self, kind: Kind) -> int:
        """Base objects of a login-scoped kind per login."""
        return self._pool_sizes[kind]

    def pool_id(self, kind: Kind, login_index: int, index: int) -> int:
        """Id of base object ``index`` of a login-scoped kind (images: the number behind the hash)."""
        return _POOL_BASES[kind] + login_index * self._pool_sizes[kind] + index

    def pool_position(self, kind: Kind, object_id: int) -> tuple[int, int] | None:
        """(login index, index) of a base login-scoped object, None outside the populated range."""
        offset = object_id - _POOL_BASES[kind]
        if not 0 <= offset < self.logins * self.pool_size(kind):
            return None
        return divmod(offset, self.pool_size(kind))

    def vcard_id(self, campaign_id: int, index: int) -> int:
        return VCARD_BASE + (campaign_id - CAMPAIGN_BASE) * VCARDS_PER_CAMPAIGN + index

    def vcard_position(self, vcard_id: int) -> tuple[int, int] | None:
        """(campaign id, index) of a base vCard id, None outside the range of text campaigns."""
        offset = vcard_id - VCARD_BASE
        if not 0 <= offset < self.total_campaigns * VCARDS_PER_CAMPAIGN:
            return None
        campaign_offset, index = divmod(offset, VCARDS_PER_CAMPAIGN)
        campaign_id = CAMPAIGN_BASE + campaign_offset
        return (campaign_id, index) if self.campaign_has_vcards(campaign_id) else None

    def campaign_has_vcards(self, campaign_id: int) -> bool:
        """Base vCards belong to text campaigns (unified ones included), whose ads name them."""
        return self.campaign_type(campaign_id) in (TEXT_CAMPAIGN, UNIFIED_CAMPAIGN)

    def campaign_modifier_id(self, campaign_id: int, index: int) -> int:
        return CAMPAIGN_MODIFIER_BASE + (campaign_id - CAMPAIGN_BASE) * CAMPAIGN_MODIFIERS_MAX + index

    def group_modifier_id(self, group_id: int, index: int) -> int:
        return GROUP_MODIFIER_BASE + (group_id - GROUP_BASE) * GROUP_MODIFIERS_MAX + index

    def group_target_id(self, kind: Kind, group_id: int, index: int) -> int:
        """Id of base object ``index`` of a group-owned kind (audience targets, webpages, smart-ad targets)."""
        base, most = GROUP_TARGET_RANGES[kind]
        return base + (group_id - GROUP_BASE) * most + index

    def group_target_position(self, kind: Kind, target_id: int) -> tuple[int, int] | None:
        """(group id, index) of a base id of a group-owned kind, None outside the range of groups."""
        base, most = GROUP_TARGET_RANGES[kind]
        offset = target_id - base
        if not 0 <= offset < self.total_groups * most:
            return None
        group_offset, index = divmod(offset, most)
        return GROUP_BASE + group_offset, index

    def audience_target_id(self, group_id: int, index: int) -> int:
        return self.group_target_id(Kind.AUDIENCE_TARGET, group_id, index)

    def audience_target_position(self, target_id: int) -> tuple[int, int] | None:
        return self.group_target_position(Kind.AUDIENCE_TARGET, target_id)

    def modifier_position(self, modifier_id: int) -> tuple[bool, int, int] | None:
        """(group level?, campaign or group id, index) of a base bid modifier id."""
        offset = modifier_id - CAMPAIGN_MODIFIER_BASE
        if 0 <= offset < self.total_campaigns * CAMPAIGN_MODIFIERS_MAX:
            campaign_offset, index = divmod(offset, CAMPAIGN_MODIFIERS_MAX)
            return False, CAMPAIGN_BASE + campaign_offset, index
        offset = modifier_id - GROUP_MODIFIER_BASE
        if 0 <= offset < self.total_groups * GROUP_MODIFIERS_MAX:
            group_offset, index = divmod(offset, GROUP_MODIFIERS_MAX)
            return True, GROUP_BASE + group_offset, index
        return None


TEXT_CAMPAIGN = "TEXT_CAMPAIGN"
UNIFIED_CAMPAIGN = "UNIFIED_CAMPAIGN"
DYNAMIC_TEXT_CAMPAIGN = "DYNAMIC_TEXT_CAMPAIGN"
SMART_CAMPAIGN = "SMART_CAMPAIGN"
#: Group-owned kinds: (first id, most base objects per group).
GROUP_TARGET_RANGES = {
    Kind.AUDIENCE_TARGET: (AUDIENCE_TARGET_BASE, AUDIENCE_TARGETS_MAX),
    Kind.WEBPAGE: (WEBPAGE_BASE, WEBPAGES_MAX),
    Kind.SMART_TARGET: (SMART_TARGET_BASE, SMART_TARGETS_MAX),
}

_POOL_BASES = {
    Kind.SITELINK_SET: SITELINK_SET_BASE,
    Kind.AD_IMAGE: IMAGE_BASE,
    Kind.CALLOUT: CALLOUT_BASE,
    Kind.RETARGETING_LIST: RETARGETING_LIST_BASE,
    Kind.SHARED_SET: SHARED_SET_BASE,
    Kind.FEED: FEED_BASE,
    Kind.TURBO_PAGE: TURBO_PAGE_BASE,
    Kind.BUSINESS: BUSINESS_BASE,
    Kind.CREATIVE: CREATIVE_BASE,
    Kind.STRATEGY: STRATEGY_BASE,
}


def _base64(number: int) -> str:
    digits = []
    for _ in range(_HASH_HALF):
        number, digit = divmod(number, 64)
        digits.append(_HASH_ALPHABET[digit])
    return "".join(reversed(digits))


def image_hash(number: int) -> str:
    """The 22-character AdImageHash of image ``number``: a scrambled half, then the number itself.

    Real hashes are content hashes of the same length and alphabet; this one is reversible, so an
    image's owner is decoded from its hash like every other id.
    """
    scrambled = (number * 0x9E3779B97F4A7C15 + 0x5BD1E995) & ((1 << 64) - 1)
    return _base64(scrambled) + _base64(number)


def image_number(value: str) -> int | None:
    """Inverse of ``image_hash``; None for strings it never produced."""
    if len(value) != 2 * _HASH_HALF or any(c not in _HASH_ALPHABET for c in value):
        return None
    number = 0
    for char in value[_HASH_HALF:]:
        number = number * 64 + _HASH_ALPHABET.index(char)
    return number if image_hash(number) == value else None
