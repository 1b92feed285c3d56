"""Turn Changes answers into the smallest set of reads (pure logic, no I/O).

Seed 004's pitfalls live here: campaigns that Changes reports but ``Campaigns.get`` never returns
(smart banners) must not be passed to ``Changes.check`` / ``Ads.get`` (the latter answers error 1002),
so children are only checked for campaigns the warehouse already knows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from airflow_provider_direct.models.direct import ChangeKind, CheckCampaignsResult, CheckResult


@dataclass
class CampaignPlan:
    """What ``checkCampaigns`` asks us to do."""

    refetch: list[int] = field(default_factory=list)  # SELF: Campaigns.get
    check_children: list[int] = field(default_factory=list)  # CHILDREN / STAT of readable campaigns
    with_stat: bool = False  # at least one STAT: ask check for CampaignsStat too
    unknown_children: list[int] = field(default_factory=list)  # CHILDREN / STAT of campaigns we cannot read

    @property
    def check_field_names(self) -> list[str]:
        names = ["AdGroupIds", "AdIds"]
        return [*names, "CampaignsStat"] if self.with_stat else names


def plan_campaigns(answer: CheckCampaignsResult, readable: Collection[int]) -> CampaignPlan:
    """Split the campaigns of ``checkCampaigns`` by what changed.

    :param readable: campaign ids ``Campaigns.get`` returns (the warehouse's live campaigns plus any
        fetched in this run): only their children are checked.
    """
    plan = CampaignPlan()
    for change in answer.Campaigns:
        kinds = set(change.ChangesIn)
        if ChangeKind.SELF in kinds:
            plan.refetch.append(change.CampaignId)
        if kinds & {ChangeKind.CHILDREN, ChangeKind.STAT}:
            if change.CampaignId in readable:
                plan.check_children.append(change.CampaignId)
                plan.with_stat = plan.with_stat or ChangeKind.STAT in kinds
            else:
                plan.unknown_children.append(change.CampaignId)
    return plan


@dataclass
class ChildPlan:
    """What ``Changes.check`` over campaigns asks us to do."""

    deleted_campaigns: list[int]
    ad_groups: list[int]  # AdGroups.get + Keywords.get (keyword changes show as group changes)
    ads: list[int]
    stats: list[tuple[int, str]]


def plan_children(answer: CheckResult) -> ChildPlan:
    return ChildPlan(
        deleted_campaigns=list(answer.NotFound.CampaignIds),
        ad_groups=list(answer.Modified.AdGroupIds),
        ads=list(answer.Modified.AdIds),
        stats=[(s.CampaignId, s.BorderDate) for s in answer.Modified.CampaignsStat],
    )
