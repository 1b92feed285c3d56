"""Arithmetic id layout of the generated account.

Base objects are never stored: every id encodes its position (login, campaign, group, index), so a
parent is derived with a division and a whole account of a million keywords costs no memory.
Objects created through the admin API take ids from a separate high range and are tracked explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

CAMPAIGN_BASE = 1_000_000
GROUP_BASE = 100_000_000
AD_BASE = 1_000_000_000
KEYWORD_BASE = 10_000_000_000
CREATED_BASE = 9 * 10**14
MAX_ID = 2**53 - 1  # ids must survive a round trip through JavaScript-style doubles


class Kind(str, Enum):
    """Object kinds; values double as the ``type`` names of the admin API."""

    CAMPAIGN = "campaign"
    AD_GROUP = "ad_group"
    AD = "ad"
    KEYWORD = "keyword"


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

    @property
    def campaigns_per_login(self) -> int:
        return self.campaigns + self.smart_campaigns

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
        if KEYWORD_BASE + self.total_groups * self.keywords > CREATED_BASE:
            problems.append(f"{self.total_groups * self.keywords} keywords overflow the keyword id range")
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
        return self.campaign_position(campaign_id)[1] >= self.campaigns

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
