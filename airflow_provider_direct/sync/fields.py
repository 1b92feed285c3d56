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
#: TextAd's references (sitelink set, vcard, image, callouts...) feed the account services' policies.
AD_EXTRA_PARAMS: dict[str, Any] = {
    "TextAdFieldNames": [
        "Title",
        "Title2",
        "Text",
        "Href",
        "DisplayDomain",
        "DisplayUrlPath",
        "Mobile",
        "VCardId",
        "AdImageHash",
        "SitelinkSetId",
        "AdExtensions",
        "TurboPageId",
        "BusinessId",
    ]
}
#: No Bid / ContextBid: automatic strategies move bids without Changes reporting it, so a keyword row
#: would carry a stale bid. Bids live in ``direct_keyword_bids`` (KeywordBids), which has a rolling refresh.
KEYWORD_FIELDS = [
    "Id",
    "AdGroupId",
    "CampaignId",
    "Keyword",
    "State",
    "Status",
    "ServingStatus",
    "StrategyPriority",
    "UserParam1",
    "UserParam2",
]
