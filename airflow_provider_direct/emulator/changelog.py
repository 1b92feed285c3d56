"""Change log behind the Changes service.

Only the *latest* change second per object is kept: "changed since T" never needs more, and keeping
one integer per touched object keeps memory proportional to the mutations, not to the account.
Statistics corrections keep every (time, border date) pair because BorderDate depends on the window.
"""

from __future__ import annotations

from collections import defaultdict

SELF = "SELF"
CHILDREN = "CHILDREN"
STAT = "STAT"


class ChangeLog:
    """Per-object last-change seconds plus the indexes the Changes queries walk."""

    def __init__(self) -> None:
        self.campaign_self: dict[int, int] = {}
        self.campaign_children: dict[int, int] = {}
        self.campaign_stat: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.group: dict[int, int] = {}
        self.ad: dict[int, int] = {}
        self.keyword: dict[int, int] = {}
        self.campaigns_by_login: dict[int, set[int]] = defaultdict(set)
        self.groups_by_campaign: dict[int, set[int]] = defaultdict(set)
        self.ads_by_campaign: dict[int, set[int]] = defaultdict(set)
        self.ads_by_group: dict[int, set[int]] = defaultdict(set)
        self.keywords_by_group: dict[int, set[int]] = defaultdict(set)

    # -- recording ------------------------------------------------------------------------------

    def campaign_changed(self, login_index: int, campaign_id: int, second: int) -> None:
        self.campaign_self[campaign_id] = second
        self.campaigns_by_login[login_index].add(campaign_id)

    def _children_changed(self, login_index: int, campaign_id: int, second: int) -> None:
        self.campaign_children[campaign_id] = second
        self.campaigns_by_login[login_index].add(campaign_id)

    def group_changed(self, login_index: int, campaign_id: int, group_id: int, second: int) -> None:
        self.group[group_id] = second
        self.groups_by_campaign[campaign_id].add(group_id)
        self._children_changed(login_index, campaign_id, second)

    def ad_changed(self, login_index: int, campaign_id: int, group_id: int, ad_id: int, second: int) -> None:
        self.ad[ad_id] = second
        self.ads_by_campaign[campaign_id].add(ad_id)
        self.ads_by_group[group_id].add(ad_id)
        self._children_changed(login_index, campaign_id, second)

    def keyword_changed(self, login_index: int, campaign_id: int, group_id: int, keyword_id: int, second: int) -> None:
        """Keywords are reported through their group, as the real Changes service does."""
        self.keyword[keyword_id] = second
        self.keywords_by_group[group_id].add(keyword_id)
        self.group_changed(login_index, campaign_id, group_id, second)

    def stat_corrected(self, login_index: int, campaign_id: int, border_date: str, second: int) -> None:
        self.campaign_stat[campaign_id].append((second, border_date))
        self.campaigns_by_login[login_index].add(campaign_id)

    # -- queries (all inclusive: a change at second s is visible for any T <= s) ----------------

    def changes_in(self, campaign_id: int, since: int) -> list[str]:
        out = []
        if self.campaign_self.get(campaign_id, -1) >= since:
            out.append(SELF)
        if self.campaign_children.get(campaign_id, -1) >= since:
            out.append(CHILDREN)
        if self.border_date(campaign_id, since) is not None:
            out.append(STAT)
        return out

    def campaign_self_changed(self, campaign_id: int, since: int) -> bool:
        return self.campaign_self.get(campaign_id, -1) >= since

    def group_changed_since(self, group_id: int, since: int) -> bool:
        return self.group.get(group_id, -1) >= since

    def ad_changed_since(self, ad_id: int, since: int) -> bool:
        return self.ad.get(ad_id, -1) >= since

    def border_date(self, campaign_id: int, since: int) -> str | None:
        """Earliest corrected date among corrections made at or after ``since``."""
        dates = [date for second, date in self.campaign_stat.get(campaign_id, ()) if second >= since]
        return min(dates) if dates else None

    def changed_groups(self, campaign_id: int, since: int) -> list[int]:
        return sorted(g for g in self.groups_by_campaign.get(campaign_id, ()) if self.group[g] >= since)

    def changed_ads_in_campaign(self, campaign_id: int, since: int) -> list[int]:
        return sorted(a for a in self.ads_by_campaign.get(campaign_id, ()) if self.ad[a] >= since)

    def changed_ads_in_group(self, group_id: int, since: int) -> list[int]:
        return sorted(a for a in self.ads_by_group.get(group_id, ()) if self.ad[a] >= since)
