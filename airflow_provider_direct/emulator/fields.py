"""Field catalogs of the emulated object types and ``FieldNames`` projection.

The API returns only the top-level fields a client asks for (unset ones as ``null``) and type-specific
sub-structures only through their own ``*FieldNames`` arrays; modelling that keeps clients honest about
the fields they request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_direct.emulator.errors import ApiError

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Substructure:
    """A block (e.g. ``TextAd``) selected by its own ``*FieldNames`` parameter; ``object_type`` None
    means every object has it (KeywordBids' ``Search`` and ``Network``)."""

    key: str
    object_type: str | None
    fields: frozenset[str]


@dataclass(frozen=True)
class ObjectSpec:
    """FieldNames contract of one object type."""

    list_key: str
    fields: tuple[str, ...]
    substructures: Mapping[str, Substructure] = field(default_factory=dict)
    # Type-specific arrays the API accepts but the emulator never has objects for: validated as lists only.
    ignored_arrays: frozenset[str] = frozenset()

    def params(self) -> frozenset[str]:
        return frozenset({"FieldNames", *self.substructures, *self.ignored_arrays})


CAMPAIGN = ObjectSpec(
    list_key="Campaigns",
    fields=(
        "BlockedIps",
        "ExcludedSites",
        "Currency",
        "DailyBudget",
        "Notification",
        "EndDate",
        "Funds",
        "ClientInfo",
        "Id",
        "Name",
        "NegativeKeywords",
        "RepresentedBy",
        "StartDate",
        "Statistics",
        "State",
        "Status",
        "StatusPayment",
        "StatusClarification",
        "SourceId",
        "TimeTargeting",
        "TimeZone",
        "Type",
    ),
    substructures={
        # Field lists of https://yandex.com/dev/direct/doc/campaigns/get.html
        "TextCampaignFieldNames": Substructure(
            key="TextCampaign",
            object_type="TEXT_CAMPAIGN",
            fields=frozenset(
                {
                    "CounterIds",
                    "RelevantKeywords",
                    "Settings",
                    "BiddingStrategy",
                    "PriorityGoals",
                    "TrackingParams",
                    "AttributionModel",
                    "PackageBiddingStrategy",
                    "CanBeUsedAsPackageBiddingStrategySource",
                    "NegativeKeywordSharedSetIds",
                }
            ),
        ),
        "DynamicTextCampaignFieldNames": Substructure(
            key="DynamicTextCampaign",
            object_type="DYNAMIC_TEXT_CAMPAIGN",
            fields=frozenset(
                {
                    "PlacementTypes",
                    "CounterIds",
                    "Settings",
                    "BiddingStrategy",
                    "PriorityGoals",
                    "TrackingParams",
                    "AttributionModel",
                    "PackageBiddingStrategy",
                    "CanBeUsedAsPackageBiddingStrategySource",
                    "NegativeKeywordSharedSetIds",
                }
            ),
        ),
        "SmartCampaignFieldNames": Substructure(
            key="SmartCampaign",
            object_type="SMART_CAMPAIGN",
            fields=frozenset(
                {
                    "CounterId",
                    "Settings",
                    "BiddingStrategy",
                    "PriorityGoals",
                    "TrackingParams",
                    "AttributionModel",
                    "PackageBiddingStrategy",
                    "CanBeUsedAsPackageBiddingStrategySource",
                }
            ),
        ),
        # Unified performance campaigns exist on /json/v501/ only (see ``services.campaigns_get``).
        "UnifiedCampaignFieldNames": Substructure(
            key="UnifiedCampaign",
            object_type="UNIFIED_CAMPAIGN",
            fields=frozenset(
                {
                    "CounterIds",
                    "Settings",
                    "BiddingStrategy",
                    "PriorityGoals",
                    "TrackingParams",
                    "AttributionModel",
                    "PackageBiddingStrategy",
                    "CanBeUsedAsPackageBiddingStrategySource",
                    "NegativeKeywordSharedSetIds",
                }
            ),
        ),
    },
    ignored_arrays=frozenset(
        {
            "TextCampaignSearchStrategyPlacementTypesFieldNames",
            "MobileAppCampaignFieldNames",
            "DynamicTextCampaignSearchStrategyPlacementTypesFieldNames",
            "CpmBannerCampaignFieldNames",
            "UnifiedCampaignSearchStrategyPlacementTypesFieldNames",
            "UnifiedCampaignPackageBiddingStrategyPlatformsFieldNames",
        }
    ),
)

AD_GROUP = ObjectSpec(
    list_key="AdGroups",
    fields=(
        "CampaignId",
        "Id",
        "Name",
        "NegativeKeywords",
        "NegativeKeywordSharedSetIds",
        "RegionIds",
        "RestrictedRegionIds",
        "ServingStatus",
        "Status",
        "Subtype",
        "TrackingParams",
        "Type",
    ),
    substructures={
        # The docs list the field name (https://yandex.com/dev/direct/doc/adgroups/get.html) but
        # show no answer; the block's name follows the API's convention (SmartAdGroupFieldNames -> SmartAdGroup).
        "UnifiedAdGroupFieldNames": Substructure(
            key="UnifiedAdGroup",
            object_type="UNIFIED_AD_GROUP",
            fields=frozenset({"OfferRetargeting"}),
        ),
        "DynamicTextAdGroupFieldNames": Substructure(
            key="DynamicTextAdGroup",
            object_type="DYNAMIC_TEXT_AD_GROUP",
            fields=frozenset(
                {"DomainUrl", "DomainUrlProcessingStatus", "AutotargetingCategories", "AutotargetingSettings"}
            ),
        ),
        "SmartAdGroupFieldNames": Substructure(
            key="SmartAdGroup",
            object_type="SMART_AD_GROUP",
            fields=frozenset({"FeedId", "AdTitleSource", "AdBodySource"}),
        ),
    },
    ignored_arrays=frozenset(
        {
            "MobileAppAdGroupFieldNames",
            "DynamicTextFeedAdGroupFieldNames",
            "AutotargetingSettingsCategoriesFieldNames",
            "AutotargetingSettingsBrandOptionsFieldNames",
            "TextAdGroupFeedParamsFieldNames",
        }
    ),
)

AD = ObjectSpec(
    list_key="Ads",
    fields=(
        "AdCategories",
        "AgeLabel",
        "AdGroupId",
        "CampaignId",
        "Id",
        "State",
        "Status",
        "StatusClarification",
        "Type",
        "Subtype",
    ),
    substructures={
        "TextAdFieldNames": Substructure(
            key="TextAd",
            object_type="TEXT_AD",
            fields=frozenset(
                {
                    "Title",
                    "Title2",
                    "Text",
                    "Href",
                    "Mobile",
                    "DisplayDomain",
                    "DisplayUrlPath",
                    "VCardId",
                    "AdImageHash",
                    "SitelinkSetId",
                    "AdExtensions",
                    "TurboPageId",
                    "BusinessId",
                    # Also in the TextAdFieldEnum; the emulator's ads leave them null.
                    "FinalUrl",
                    "AdImageModeration",
                    "SitelinksModeration",
                    "VCardModeration",
                    "DisplayUrlPathModeration",
                    "VideoExtension",
                    "TurboPageModeration",
                    "PreferVCardOverBusiness",
                    "ErirAdDescription",
                    "AutogeneratedErirAdDescription",
                }
            ),
        ),
        "DynamicTextAdFieldNames": Substructure(
            key="DynamicTextAd",
            object_type="DYNAMIC_TEXT_AD",
            fields=frozenset(
                {
                    "AdImageHash",
                    "SitelinkSetId",
                    "Text",
                    "VCardId",
                    "AdImageModeration",
                    "SitelinksModeration",
                    "VCardModeration",
                    "AdExtensions",
                }
            ),
        ),
        "SmartAdBuilderAdFieldNames": Substructure(
            key="SmartAdBuilderAd", object_type="SMART_AD", fields=frozenset({"Creative"})
        ),
    },
    ignored_arrays=frozenset(
        {
            "TextAdPriceExtensionFieldNames",
            "MobileAppAdFieldNames",
            "TextImageAdFieldNames",
            "MobileAppImageAdFieldNames",
            "TextAdBuilderAdFieldNames",
            "MobileAppAdBuilderAdFieldNames",
            "MobileAppCpcVideoAdBuilderAdFieldNames",
            "CpmBannerAdBuilderAdFieldNames",
            "CpcVideoAdBuilderAdFieldNames",
            "CpmVideoAdBuilderAdFieldNames",
            "ShoppingAdFieldNames",
            "ListingAdFieldNames",
            "ResponsiveAdFieldNames",
        }
    ),
)

KEYWORD = ObjectSpec(
    list_key="Keywords",
    fields=(
        "Id",
        "Keyword",
        "State",
        "Status",
        "ServingStatus",
        "AdGroupId",
        "CampaignId",
        "Bid",
        "AutotargetingSearchBidIsAuto",
        "ContextBid",
        "StrategyPriority",
        "UserParam1",
        "UserParam2",
        "Productivity",
        "StatisticsSearch",
        "StatisticsNetwork",
        "AutotargetingCategories",
    ),
    ignored_arrays=frozenset(
        {"AutotargetingSettingsCategoriesFieldNames", "AutotargetingSettingsBrandOptionsFieldNames"}
    ),
)

# ClientFieldEnum of https://yandex.com/dev/direct/doc/en/agencyclients/get and .../clients/get; the
# ERIR arrays (TinInfo, Organization, Contract, Contragent) are accepted and validated as lists only.
CLIENT_FIELDS = (
    "AccountQuality",
    "Archived",
    "ClientId",
    "ClientInfo",
    "CountryId",
    "CreatedAt",
    "Currency",
    "Grants",
    "Bonuses",
    "Login",
    "Notification",
    "OverdraftSumAvailable",
    "Phone",
    "Representatives",
    "Restrictions",
    "Settings",
    "Type",
    "VatRate",
    "ForbiddenPlatform",
    "AvailableCampaignTypes",
)
CLIENT_ERIR_ARRAYS = frozenset(
    {
        "TinInfoFieldNames",
        "OrganizationFieldNames",
        "ContractFieldNames",
        "ContragentFieldNames",
        "ContragentTinInfoFieldNames",
    }
)
AGENCY_CLIENT = ObjectSpec(list_key="Clients", fields=CLIENT_FIELDS, ignored_arrays=CLIENT_ERIR_ARRAYS)


def field_names(params: Mapping[str, Any], name: str, allowed: frozenset[str] | None) -> tuple[str, ...]:
    """Validated, de-duplicated names of one *FieldNames array (8000 for a missing or bad one)."""
    value = params.get(name)
    if not isinstance(value, list) or not value:
        raise ApiError(8000, "required" if value is None else "must_be_array", field=name)
    out: dict[str, None] = {}
    for item in value:
        if not isinstance(item, str) or (allowed is not None and item not in allowed):
            raise ApiError(8000, "invalid_value", field=name, value=item)
        out[item] = None
    return tuple(out)


class Projection:
    """Validated ``FieldNames`` of one request; calling it shapes a full object for the answer."""

    def __init__(self, spec: ObjectSpec, params: Mapping[str, Any]) -> None:
        self.fields = field_names(params, "FieldNames", frozenset(spec.fields))
        self.substructures: list[tuple[str, str | None, tuple[str, ...]]] = []
        for param, sub in spec.substructures.items():
            if param in params:
                self.substructures.append((sub.key, sub.object_type, field_names(params, param, sub.fields)))
        for param in spec.ignored_arrays:
            if param in params:
                field_names(params, param, None)

    def __call__(self, obj: Mapping[str, Any]) -> JsonObject:
        out = {name: obj.get(name) for name in self.fields}
        for key, object_type, names in self.substructures:
            if object_type is None or obj.get("Type") == object_type:
                block = obj.get(key) or {}
                out[key] = {name: block.get(name) for name in names}
        return out
