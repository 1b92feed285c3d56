"""Field catalogs of the account-level services, and the one projection that is not the generic one.

Each catalog is the service's ``*FieldEnum`` as its ``get`` page lists it (URL per spec). The generic
``fields.Projection`` covers them all except Sitelinks, whose ``FieldNames`` is optional and whose
``SitelinkFieldNames`` reaches into the items of the ``Sitelinks`` array.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_direct.emulator.account_data import ADJUSTMENT_BLOCKS, CREATIVE_BLOCKS, STRATEGY_BLOCKS
from airflow_provider_direct.emulator.fields import (
    CLIENT_ERIR_ARRAYS,
    CLIENT_FIELDS,
    JsonObject,
    ObjectSpec,
    Projection,
    Substructure,
    field_names,
)

# https://yandex.com/dev/direct/doc/en/sitelinks/get
SITELINK_SET_FIELDS = frozenset({"Id", "Sitelinks"})
SITELINK_FIELDS = frozenset({"Title", "Href", "Description", "TurboPageId"})
#: What ``Sitelinks`` in FieldNames returns without SitelinkFieldNames ("Title, Href, and Description").
DEFAULT_SITELINK_FIELDS = ("Title", "Href", "Description")

# https://yandex.com/dev/direct/doc/en/vcards/get
VCARD = ObjectSpec(
    list_key="VCards",
    fields=(
        "Id",
        "Country",
        "City",
        "Street",
        "House",
        "Building",
        "Apartment",
        "CompanyName",
        "ExtraMessage",
        "ContactPerson",
        "ContactEmail",
        "MetroStationId",
        "CampaignId",
        "Ogrn",
        "WorkTime",
        "InstantMessenger",
        "Phone",
        "PointOnMap",
    ),
)

# https://yandex.com/dev/direct/doc/en/adimages/get
AD_IMAGE = ObjectSpec(
    list_key="AdImages",
    fields=("AdImageHash", "OriginalUrl", "PreviewUrl", "Name", "Type", "Subtype", "Associated"),
)

# https://yandex.com/dev/direct/doc/en/adextensions/get
AD_EXTENSION = ObjectSpec(
    list_key="AdExtensions",
    fields=("Id", "Type", "Status", "StatusClarification", "Associated"),
    substructures={
        "CalloutFieldNames": Substructure(key="Callout", object_type="CALLOUT", fields=frozenset({"CalloutText"})),
    },
)

# https://yandex.com/dev/direct/doc/en/bidmodifiers/get: one *FieldNames array per adjustment block.
_ADJUSTMENT_FIELDS: dict[str, frozenset[str]] = {
    "MobileAdjustment": frozenset({"BidModifier", "OperatingSystemType"}),
    "TabletAdjustment": frozenset({"BidModifier", "OperatingSystemType"}),
    "DesktopAdjustment": frozenset({"BidModifier"}),
    "DesktopOnlyAdjustment": frozenset({"BidModifier"}),
    "DemographicsAdjustment": frozenset({"Gender", "Age", "BidModifier", "Enabled"}),
    "RetargetingAdjustment": frozenset({"RetargetingConditionId", "BidModifier", "Accessible", "Enabled"}),
    "RegionalAdjustment": frozenset({"RegionId", "BidModifier", "Enabled"}),
    "VideoAdjustment": frozenset({"BidModifier"}),
    "SmartAdAdjustment": frozenset({"BidModifier"}),
    "SerpLayoutAdjustment": frozenset({"SerpLayout", "BidModifier", "Enabled"}),
    "IncomeGradeAdjustment": frozenset({"Grade", "BidModifier", "Enabled"}),
    "AdGroupAdjustment": frozenset({"BidModifier"}),
}
BID_MODIFIER = ObjectSpec(
    list_key="BidModifiers",
    fields=("Id", "CampaignId", "AdGroupId", "Level", "Type"),
    substructures={
        f"{block}FieldNames": Substructure(key=block, object_type=modifier_type, fields=_ADJUSTMENT_FIELDS[block])
        for modifier_type, block in ADJUSTMENT_BLOCKS.items()
    },
)

# https://yandex.com/dev/direct/doc/en/keywordbids/get
KEYWORD_BID = ObjectSpec(
    list_key="KeywordBids",
    fields=("KeywordId", "AdGroupId", "CampaignId", "ServingStatus", "StrategyPriority"),
    substructures={
        "SearchFieldNames": Substructure(
            key="Search", object_type=None, fields=frozenset({"Bid", "AutotargetingSearchBidIsAuto", "AuctionBids"})
        ),
        "NetworkFieldNames": Substructure(key="Network", object_type=None, fields=frozenset({"Bid", "Coverage"})),
    },
)

# https://yandex.com/dev/direct/doc/en/retargetinglists/get
RETARGETING_LIST = ObjectSpec(
    list_key="RetargetingLists",
    fields=("Type", "Id", "Name", "Description", "Rules", "IsAvailable", "Scope", "AvailableForTargetsInAdGroupTypes"),
)

# https://yandex.com/dev/direct/doc/en/negativekeywordsharedsets/get
SHARED_SET = ObjectSpec(list_key="NegativeKeywordSharedSets", fields=("Id", "Name", "NegativeKeywords", "Associated"))

# https://yandex.com/dev/direct/doc/en/clients/get (the caller's own settings; no criteria, no Page)
CLIENT = ObjectSpec(list_key="Clients", fields=CLIENT_FIELDS, ignored_arrays=CLIENT_ERIR_ARRAYS)


# https://yandex.ru/dev/direct/doc/en/feeds/get: the UrlFeed / FileFeed block by the feed's SourceType.
FEED = ObjectSpec(
    list_key="Feeds",
    fields=(
        "Id",
        "Name",
        "BusinessType",
        "SourceType",
        "FilterSchema",
        "UpdatedAt",
        "CampaignIds",
        "NumberOfItems",
        "Status",
        "TitleAndTextSources",
    ),
    substructures={
        "FileFeedFieldNames": Substructure(key="FileFeed", object_type="FILE", fields=frozenset({"Filename"})),
        "UrlFeedFieldNames": Substructure(
            key="UrlFeed", object_type="URL", fields=frozenset({"Login", "Url", "RemoveUtmTags"})
        ),
    },
)

# https://yandex.com/dev/direct/doc/en/audiencetargets/get
AUDIENCE_TARGET = ObjectSpec(
    list_key="AudienceTargets",
    fields=(
        "Id",
        "AdGroupId",
        "CampaignId",
        "RetargetingListId",
        "InterestId",
        "ContextBid",
        "StrategyPriority",
        "State",
    ),
)

# https://yandex.com/dev/direct/doc/en/dynamictextadtargets/get (WebpageFieldEnum)
WEBPAGE = ObjectSpec(
    list_key="Webpages",
    fields=(
        "Id",
        "AdGroupId",
        "CampaignId",
        "Name",
        "Bid",
        "ContextBid",
        "StrategyPriority",
        "State",
        "StatusClarification",
        "Conditions",
        "ConditionType",
    ),
)

# https://yandex.com/dev/direct/doc/en/smartadtargets/get (SmartAdTargetFieldEnum)
SMART_AD_TARGET = ObjectSpec(
    list_key="SmartAdTargets",
    fields=(
        "Id",
        "AdGroupId",
        "CampaignId",
        "Name",
        "AverageCpc",
        "AverageCpa",
        "StrategyPriority",
        "State",
        "Audience",
        "Conditions",
        "ConditionType",
        "AvailableItemsOnly",
    ),
)

# https://yandex.com/dev/direct/doc/en/turbopages/get
TURBO_PAGE = ObjectSpec(
    list_key="TurboPages", fields=("Id", "Name", "Href", "PreviewHref", "TurboSiteHref", "BoundWithHref")
)

# https://yandex.com/dev/direct/doc/en/businesses/get
BUSINESS = ObjectSpec(
    list_key="Businesses",
    fields=(
        "Id",
        "Name",
        "Address",
        "Phone",
        "ProfileUrl",
        "InternalUrl",
        "IsPublished",
        "MergedIds",
        "Rubric",
        "Urls",
        "HasOffice",
    ),
)

# https://yandex.com/dev/direct/doc/en/creatives/get: one *FieldNames array per creative type with a block.
_CREATIVE_FIELDS = {
    "VideoExtensionCreative": frozenset({"Duration"}),
    "CpcVideoCreative": frozenset({"Duration"}),
    "CpmVideoCreative": frozenset({"Duration"}),
    "SmartCreative": frozenset({"CreativeGroupId", "CreativeGroupName", "BusinessType"}),
}
CREATIVE = ObjectSpec(
    list_key="Creatives",
    fields=("Id", "Type", "Name", "PreviewUrl", "Width", "Height", "ThumbnailUrl", "Associated", "IsAdaptive"),
    substructures={
        f"{block}FieldNames": Substructure(key=block, object_type=creative_type, fields=_CREATIVE_FIELDS[block])
        for creative_type, block in CREATIVE_BLOCKS.items()
    },
)


# https://yandex.com/dev/direct/doc/en/strategies/get (/json/v501/ only): one *FieldNames array per type.
_BUDGET = frozenset({"WeeklySpendLimit", "CustomPeriodBudget", "BudgetType"})
_STRATEGY_ARRAYS: dict[str, tuple[str, frozenset[str]]] = {
    "WbMaximumClicks": ("StrategyMaximumClicksFieldNames", _BUDGET | {"BidCeiling"}),
    "WbMaximumConversionRate": ("StrategyMaximumConversionRateFieldNames", _BUDGET | {"BidCeiling", "GoalId"}),
    "AverageCpc": ("StrategyAverageCpcFieldNames", _BUDGET | {"AverageCpc"}),
    "AverageCpa": (
        "StrategyAverageCpaFieldNames",
        _BUDGET | {"AverageCpa", "GoalId", "BidCeiling", "ExplorationBudget"},
    ),
    "AverageCpaMultipleGoals": (
        "StrategyAverageCpaMultipleGoalsFieldNames",
        _BUDGET | {"BidCeiling", "ExplorationBudget"},
    ),
    "PayForConversion": ("StrategyPayForConversionFieldNames", _BUDGET | {"Cpa", "GoalId"}),
    "PayForConversionMultipleGoals": (
        "StrategyPayForConversionMultipleGoalsFieldNames",
        frozenset({"GoalId", "WeeklySpendLimit", "CustomPeriodBudget"}),
    ),
    "AverageCpaPerCampaign": (
        "StrategyAverageCpaPerCampaignFieldNames",
        _BUDGET | {"AverageCpa", "GoalId", "BidCeiling", "ExplorationBudget"},
    ),
    "PayForConversionPerCampaign": ("StrategyPayForConversionPerCampaignFieldNames", _BUDGET | {"Cpa", "GoalId"}),
    "PayForConversionPerFilter": ("StrategyPayForConversionPerFilterFieldNames", _BUDGET | {"Cpa", "GoalId"}),
}
STRATEGY = ObjectSpec(
    list_key="Strategies",
    fields=("Id", "AttributionModel", "CounterIds", "PriorityGoals", "Type", "Name", "StatusArchived"),
    substructures={
        _STRATEGY_ARRAYS[block][0]: Substructure(
            key=block, object_type=strategy_type, fields=_STRATEGY_ARRAYS[block][1]
        )
        for strategy_type, block in STRATEGY_BLOCKS.items()
    },
    # The arrays of the types the emulator never has (their field lists were not verified on the page;
    # names as in the service's WSDL): accepted and validated as lists only.
    ignored_arrays=frozenset(
        {
            "StrategyAverageCpaPerFilterFieldNames",
            "StrategyAverageCpcPerCampaignFieldNames",
            "StrategyAverageCpcPerFilterFieldNames",
            "StrategyAverageCrrFieldNames",
            "StrategyPayForConversionCrrFieldNames",
            "StrategyMaxProfitFieldNames",
        }
    ),
)


class SourceTypeProjection(Projection):
    """Feeds' projection: a type-specific block is chosen by ``SourceType`` ("If a feed with a different
    source type is selected ..., parameters from UrlFeedFieldNames are not returned")."""

    def __call__(self, obj: Mapping[str, Any]) -> JsonObject:
        out = {name: obj.get(name) for name in self.fields}
        for key, source_type, names in self.substructures:
            if obj.get("SourceType") == source_type:
                block = obj.get(key) or {}
                out[key] = {name: block.get(name) for name in names}
        return out


class SitelinksProjection:
    """Sitelinks.get's FieldNames rules: "If the Sitelinks value is specified, the Sitelinks array returns
    Title, Href, and Description; for other fields list them in SitelinkFieldNames". Without FieldNames
    (it is optional) the emulator returns both top-level fields."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        top = field_names(params, "FieldNames", SITELINK_SET_FIELDS) if "FieldNames" in params else ("Id", "Sitelinks")
        links: tuple[str, ...] | None = None
        if "SitelinkFieldNames" in params:
            links = field_names(params, "SitelinkFieldNames", SITELINK_FIELDS)
        elif "Sitelinks" in top:
            links = DEFAULT_SITELINK_FIELDS
        self.fields = tuple(name for name in top if name != "Sitelinks")
        self.links = links

    def __call__(self, obj: Mapping[str, Any]) -> JsonObject:
        out: JsonObject = {name: obj.get(name) for name in self.fields}
        if self.links is not None:
            out["Sitelinks"] = [{name: link.get(name) for name in self.links} for link in obj.get("Sitelinks") or ()]
        return out
