"""Every account service the sync keeps, as one table definition and one refresh policy each.

Field lists follow the services' ``get`` pages (https://yandex.com/dev/direct/doc/en/<service>/get):
the sync asks for every documented field, so ``payload`` is the whole object. Adding a service is
one :class:`~airflow_provider_direct.warehouse.table.ServiceTable` in ``warehouse.account_tables``
and one entry here; the runner (``sync.account``) has no per-service code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_direct.sync.budget import DEFAULT_PRIOR, Price
from airflow_provider_direct.sync.policies import Dictionary, Listing, PerParent, Referenced, RefreshPolicy
from airflow_provider_direct.warehouse import account_tables as t
from airflow_provider_direct.warehouse.schema import AD_GROUPS, CAMPAIGNS, KEYWORDS
from airflow_provider_direct.warehouse.table import ServiceTable


@dataclass(frozen=True)
class AccountService:
    """What to ask one service for, where it lands, and when to read it again.

    :param listing: ``SelectionCriteria`` of a complete listing; None sends none (the services
        whose ``IdsCriteria`` is optional list everything without it).
    :param paged: False for the methods without ``Page`` (Clients.get, Dictionaries.get).
    :param page_limit: a smaller ``Page.Limit`` for services with heavy objects, so the pages five
        concurrent reads hold stay small (None: the hook's 10 000).
    """

    table: ServiceTable
    policy: RefreshPolicy
    field_names: tuple[str, ...] = ()
    extra_params: Mapping[str, Any] = field(default_factory=dict)
    id_caps: Mapping[str, int] = field(default_factory=dict)
    listing: dict[str, Any] | None = None
    paged: bool = True
    version: str | None = None
    prior: Price = DEFAULT_PRIOR
    page_limit: int | None = None

    @property
    def name(self) -> str:
        return self.table.table


_BID_MODIFIER_ARRAYS = {
    "MobileAdjustmentFieldNames": ["BidModifier", "OperatingSystemType"],
    "TabletAdjustmentFieldNames": ["BidModifier", "OperatingSystemType"],
    "DesktopAdjustmentFieldNames": ["BidModifier"],
    "DesktopOnlyAdjustmentFieldNames": ["BidModifier"],
    "DemographicsAdjustmentFieldNames": ["Gender", "Age", "BidModifier", "Enabled"],
    "RetargetingAdjustmentFieldNames": ["RetargetingConditionId", "BidModifier", "Accessible", "Enabled"],
    "RegionalAdjustmentFieldNames": ["RegionId", "BidModifier", "Enabled"],
    "VideoAdjustmentFieldNames": ["BidModifier"],
    "SmartAdAdjustmentFieldNames": ["BidModifier"],
    "SerpLayoutAdjustmentFieldNames": ["SerpLayout", "BidModifier", "Enabled"],
    "IncomeGradeAdjustmentFieldNames": ["Grade", "BidModifier", "Enabled"],
}

_BUDGET = ["WeeklySpendLimit", "CustomPeriodBudget", "BudgetType"]
_STRATEGY_ARRAYS = {
    "StrategyMaximumClicksFieldNames": [*_BUDGET, "BidCeiling"],
    "StrategyMaximumConversionRateFieldNames": [*_BUDGET, "BidCeiling", "GoalId"],
    "StrategyAverageCpcFieldNames": ["AverageCpc", *_BUDGET],
    "StrategyAverageCpaFieldNames": ["AverageCpa", "GoalId", *_BUDGET, "BidCeiling", "ExplorationBudget"],
    "StrategyAverageCpaMultipleGoalsFieldNames": [*_BUDGET, "BidCeiling", "ExplorationBudget"],
    "StrategyPayForConversionFieldNames": ["Cpa", "GoalId", *_BUDGET],
    "StrategyPayForConversionMultipleGoalsFieldNames": ["GoalId", "WeeklySpendLimit", "CustomPeriodBudget"],
    "StrategyAverageCpaPerCampaignFieldNames": ["AverageCpa", "GoalId", *_BUDGET, "BidCeiling", "ExplorationBudget"],
    "StrategyPayForConversionPerCampaignFieldNames": ["Cpa", "GoalId", *_BUDGET],
    "StrategyPayForConversionPerFilterFieldNames": ["Cpa", "GoalId", *_BUDGET],
}

#: Ad blocks whose ``Creative`` names a creative (Ads.get).
_AD_BUILDER_BLOCKS = (
    "TextAdBuilderAd",
    "MobileAppAdBuilderAd",
    "MobileAppCpcVideoAdBuilderAd",
    "CpmBannerAdBuilderAd",
    "CpcVideoAdBuilderAd",
    "CpmVideoAdBuilderAd",
    "SmartAdBuilderAd",
)

#: ClientFieldEnum (https://yandex.com/dev/direct/doc/en/clients/get); AgencyClients.get returns the same fields.
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

CATALOG: tuple[AccountService, ...] = (
    # -- referenced by ads
    AccountService(
        t.SITELINKS,
        Referenced(paths=(("TextAd", "SitelinkSetId"),), criterion="Ids"),
        ("Id", "Sitelinks"),
        {"SitelinkFieldNames": ["Title", "Href", "Description", "TurboPageId"]},
        {"Ids": 10_000},
    ),
    AccountService(
        t.VCARDS,
        Referenced(paths=(("TextAd", "VCardId"),), criterion="Ids"),
        (
            "Id",
            "CampaignId",
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
            "Ogrn",
            "WorkTime",
            "InstantMessenger",
            "Phone",
            "PointOnMap",
        ),
        id_caps={"Ids": 10_000},
    ),
    AccountService(
        t.AD_IMAGES,
        Referenced(paths=(("TextAd", "AdImageHash"),), criterion="AdImageHashes"),
        ("AdImageHash", "OriginalUrl", "PreviewUrl", "Name", "Type", "Subtype", "Associated"),
        id_caps={"AdImageHashes": 10_000},
    ),
    AccountService(
        t.AD_EXTENSIONS,
        Referenced(paths=(("TextAd", "AdExtensions", "AdExtensionId"),), criterion="Ids"),
        ("Id", "Type", "Status", "StatusClarification", "Associated"),
        {"CalloutFieldNames": ["CalloutText"]},
        {"Ids": 10_000},
        listing={},  # AdExtensionsSelectionCriteria is required; empty selects every extension
    ),
    # https://yandex.com/dev/direct/doc/en/turbopages/get: published pages only, made in the builder.
    AccountService(
        t.TURBO_PAGES,
        Referenced(paths=(("TextAd", "TurboPageId"),), criterion="Ids"),
        ("Id", "Name", "Href", "PreviewHref", "TurboSiteHref", "BoundWithHref"),
        id_caps={"Ids": 10_000},
    ),
    # https://yandex.com/dev/direct/doc/en/businesses/get: profiles in Yandex Business.
    AccountService(
        t.BUSINESSES,
        Referenced(paths=(("TextAd", "BusinessId"),), criterion="Ids"),
        (
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
        id_caps={"Ids": 10_000},
    ),
    # -- per campaign or group
    AccountService(
        t.BID_MODIFIERS,
        PerParent(
            CAMPAIGNS,
            "CampaignIds",
            cap=10,
            column="campaign_id",
            fixed=(("Levels", ["CAMPAIGN", "AD_GROUP"]),),
        ),
        ("Id", "CampaignId", "AdGroupId", "Level", "Type"),
        _BID_MODIFIER_ARRAYS,
        {"CampaignIds": 10},
    ),
    AccountService(
        t.KEYWORD_BIDS,
        PerParent(
            AD_GROUPS,
            "AdGroupIds",
            cap=1000,
            column="ad_group_id",
            skip_archived=True,
            sizing=(KEYWORDS, "ad_group_id"),  # a keyword (or autotargeting) has one bid row
        ),
        ("KeywordId", "AdGroupId", "CampaignId", "ServingStatus", "StrategyPriority"),
        {
            "SearchFieldNames": ["Bid", "AutotargetingSearchBidIsAuto", "AuctionBids"],
            "NetworkFieldNames": ["Bid", "Coverage"],
        },
        {"AdGroupIds": 1000},
        # With its auction table a keyword bid is ~3 KB in memory: 10 000 a page, times the pages
        # five concurrent reads buffer, would be ~0.4 GB. 2 000 keeps it near 0.1 GB.
        page_limit=2000,
    ),
    # https://yandex.com/dev/direct/doc/en/audiencetargets/get: AdGroupIds 1..1000 a call. The page
    # says nothing of archived campaigns, so their groups are read like the others.
    AccountService(
        t.AUDIENCE_TARGETS,
        PerParent(AD_GROUPS, "AdGroupIds", cap=1000, column="ad_group_id", skip_archived=False),
        ("Id", "AdGroupId", "CampaignId", "RetargetingListId", "InterestId", "ContextBid", "StrategyPriority", "State"),
        id_caps={"AdGroupIds": 1000},
    ),
    # https://yandex.com/dev/direct/doc/en/dynamictextadtargets/get and .../smartadtargets/get: AdGroupIds
    # 1..1000 a call. Only groups of their own type have them, so only those are read.
    AccountService(
        t.DYNAMIC_TEXT_AD_TARGETS,
        PerParent(AD_GROUPS, "AdGroupIds", cap=1000, column="ad_group_id", parent_types=("DYNAMIC_TEXT_AD_GROUP",)),
        (
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
        id_caps={"AdGroupIds": 1000},
    ),
    AccountService(
        t.SMART_AD_TARGETS,
        PerParent(AD_GROUPS, "AdGroupIds", cap=1000, column="ad_group_id", parent_types=("SMART_AD_GROUP",)),
        (
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
        id_caps={"AdGroupIds": 1000},
    ),
    # -- account level
    AccountService(
        t.RETARGETING_LISTS,
        Listing(),
        (
            "Type",
            "Id",
            "Name",
            "Description",
            "Rules",
            "IsAvailable",
            "Scope",
            "AvailableForTargetsInAdGroupTypes",
        ),
    ),
    AccountService(t.NEGATIVE_KEYWORD_SHARED_SETS, Listing(), ("Id", "Name", "NegativeKeywords", "Associated")),
    # https://yandex.ru/dev/direct/doc/en/feeds/get: a feed's block follows its SourceType.
    AccountService(
        t.FEEDS,
        Listing(),
        (
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
        {"FileFeedFieldNames": ["Filename"], "UrlFeedFieldNames": ["Login", "Url", "RemoveUtmTags"]},
        {"Ids": 10_000},
    ),
    # https://yandex.com/dev/direct/doc/en/creatives/get: text ads name a creative in their video
    # extension, ad-builder ads in their Creative block (the emulated ads carry none of either, so there
    # the daily listing does the work).
    AccountService(
        t.CREATIVES,
        Referenced(
            paths=(
                ("TextAd", "VideoExtension", "CreativeId"),
                ("MobileAppAd", "VideoExtension", "CreativeId"),
                *((block, "Creative", "CreativeId") for block in _AD_BUILDER_BLOCKS),
            ),
            criterion="Ids",
        ),
        ("Id", "Type", "Name", "PreviewUrl", "Width", "Height", "ThumbnailUrl", "Associated", "IsAdaptive"),
        {
            "VideoExtensionCreativeFieldNames": ["Duration"],
            "CpcVideoCreativeFieldNames": ["Duration"],
            "CpmVideoCreativeFieldNames": ["Duration"],
            "SmartCreativeFieldNames": ["CreativeGroupId", "CreativeGroupName", "BusinessType"],
        },
        {"Ids": 10_000},
        listing={},  # CreativesSelectionCriteria is required; empty selects every creative
    ),
    # https://yandex.com/dev/direct/doc/en/strategies/get: portfolio strategies exist at /json/v501/ only.
    # The *FieldNames arrays whose field lists were verified on the page; those of the per-filter,
    # per-campaign CPC, CRR and max-profit types were not, so such strategies arrive without their block.
    AccountService(
        t.STRATEGIES,
        Listing(),
        ("Id", "AttributionModel", "CounterIds", "PriorityGoals", "Type", "Name", "StatusArchived"),
        _STRATEGY_ARRAYS,
        {"Ids": 10_000},
        listing={},  # StrategiesSelectionCriteria is required; empty selects every strategy
        version="v501",
    ),
    AccountService(t.CLIENTS, Listing(), CLIENT_FIELDS, paged=False),
    AccountService(t.GEO_REGIONS, Dictionary("GeoRegions", "RegionsChanged"), paged=False),
    AccountService(t.TIME_ZONES, Dictionary("TimeZones", "TimeZonesChanged"), paged=False),
    AccountService(t.CURRENCIES, Dictionary("Currencies", None, every=dt.timedelta(days=7)), paged=False),
    AccountService(t.INTERESTS, Dictionary("Interests", "InterestsChanged"), paged=False),
    # The dictionaries checkDictionaries has no flag for: weekly. OperationSystemVersions (no single
    # natural key) and GeoRegionNames (a view of GeoRegions) are not kept.
    *(
        AccountService(table, Dictionary(table.result_key, None, every=dt.timedelta(days=7)), paged=False)
        for table in (
            t.METRO_STATIONS,
            t.CONSTANTS,
            t.AD_CATEGORIES,
            t.SUPPLY_SIDE_PLATFORMS,
            t.AUDIENCE_CRITERIA_TYPES,
            t.AUDIENCE_DEMOGRAPHIC_PROFILES,
            t.AUDIENCE_INTERESTS,
            t.FILTER_SCHEMAS,
        )
    ),
)
BY_TABLE = {service.name: service for service in CATALOG}
