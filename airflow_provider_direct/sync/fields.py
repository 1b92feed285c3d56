"""Which fields the sync asks for, per object type.

Every requested field is stored (the whole object lands in ``payload``); these lists are what a
warehouse copy of the account structure needs, without the per-keyword statistics fields that
make ``Keywords.get`` slower and costlier.
"""

from __future__ import annotations

from typing import Any

CAMPAIGN_FIELDS = [
    "Id",
    "Name",
    "Type",
    "State",
    "Status",
    "StatusPayment",
    "StatusClarification",
    "StartDate",
    "EndDate",
    "DailyBudget",
    "Currency",
    "ClientInfo",
    "NegativeKeywords",
    "TimeZone",
]
CAMPAIGN_LISTING_FIELDS = ["Id", "State"]
AD_GROUP_FIELDS = [
    "Id",
    "CampaignId",
    "Name",
    "Type",
    "Status",
    "ServingStatus",
    "RegionIds",
    "NegativeKeywords",
    "TrackingParams",
]
AD_FIELDS = ["Id", "AdGroupId", "CampaignId", "Type", "State", "Status", "StatusClarification", "AgeLabel"]
AD_EXTRA_PARAMS: dict[str, Any] = {"TextAdFieldNames": ["Title", "Title2", "Text", "Href", "DisplayDomain", "Mobile"]}
KEYWORD_FIELDS = [
    "Id",
    "AdGroupId",
    "CampaignId",
    "Keyword",
    "State",
    "Status",
    "ServingStatus",
    "Bid",
    "ContextBid",
    "StrategyPriority",
    "UserParam1",
    "UserParam2",
]
