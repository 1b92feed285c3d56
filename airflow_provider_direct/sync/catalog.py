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
from airflow_provider_direct.warehouse.schema import AD_GROUPS, CAMPAIGNS
from airflow_provider_direct.warehouse.table import ServiceTable


@dataclass(frozen=True)
class AccountService:
    """What to ask one service for, where it lands, and when to read it again.

    :param listing: ``SelectionCriteria`` of a complete listing; None sends none (the services
        whose ``IdsCriteria`` is optional list everything without it).
    :param paged: False for the methods without ``Page`` (Clients.get, Dictionaries.get).
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
        PerParent(AD_GROUPS, "AdGroupIds", cap=1000, column="ad_group_id", skip_archived=True),
        ("KeywordId", "AdGroupId", "CampaignId", "ServingStatus", "StrategyPriority"),
        {
            "SearchFieldNames": ["Bid", "AutotargetingSearchBidIsAuto", "AuctionBids"],
            "NetworkFieldNames": ["Bid", "Coverage"],
        },
        {"AdGroupIds": 1000},
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
    AccountService(
        t.CLIENTS,
        Listing(),
        (
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
        ),
        paged=False,
    ),
    AccountService(t.GEO_REGIONS, Dictionary("GeoRegions", "RegionsChanged"), paged=False),
    AccountService(t.TIME_ZONES, Dictionary("TimeZones", "TimeZonesChanged"), paged=False),
    AccountService(t.CURRENCIES, Dictionary("Currencies", None, every=dt.timedelta(days=7)), paged=False),
)
BY_TABLE = {service.name: service for service in CATALOG}
