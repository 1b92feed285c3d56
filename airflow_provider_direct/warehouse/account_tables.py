"""Warehouse tables of the account services beyond campaigns, groups, ads and keywords.

One :class:`~airflow_provider_direct.warehouse.table.ServiceTable` per service; the refresh policy of
each lives with the sync (``sync.catalog``). Typed columns are what people filter and join on; the
whole object is always in ``payload``.
"""

from __future__ import annotations

from airflow_provider_direct.warehouse.table import Column, ServiceTable, col

ID = col("id", "Id", kind="bigint")

# -- referenced by ads (immutable or versioned) ------------------------------------------------------
SITELINKS = ServiceTable("sitelinks", "direct_sitelink_sets", "SitelinksSets", ID)
VCARDS = ServiceTable(
    "vcards",
    "direct_vcards",
    "VCards",
    ID,
    (col("campaign_id", "CampaignId", kind="bigint"), col("company_name", "CompanyName"), col("city", "City")),
)
AD_IMAGES = ServiceTable(
    "adimages",
    "direct_ad_images",
    "AdImages",
    col("hash", "AdImageHash"),
    (col("name", "Name"), col("type", "Type"), col("subtype", "Subtype"), col("associated", "Associated")),
)
AD_EXTENSIONS = ServiceTable(
    "adextensions",
    "direct_ad_extensions",
    "AdExtensions",
    ID,
    (
        col("type", "Type"),
        col("status", "Status"),
        col("associated", "Associated"),
        col("text", "Callout", "CalloutText"),
    ),
)

# -- per campaign or group ---------------------------------------------------------------------------
BID_MODIFIERS = ServiceTable(
    "bidmodifiers",
    "direct_bid_modifiers",
    "BidModifiers",
    ID,
    (
        col("campaign_id", "CampaignId", kind="bigint"),
        col("ad_group_id", "AdGroupId", kind="bigint"),
        col("level", "Level"),
        col("type", "Type"),
    ),
)
KEYWORD_BIDS = ServiceTable(
    "keywordbids",
    "direct_keyword_bids",
    "KeywordBids",
    col("keyword_id", "KeywordId", kind="bigint"),
    (
        col("campaign_id", "CampaignId", kind="bigint"),
        col("ad_group_id", "AdGroupId", kind="bigint"),
        col("serving_status", "ServingStatus"),
        col("search_bid", "Search", "Bid", kind="bigint"),
        col("network_bid", "Network", "Bid", kind="bigint"),
    ),
)

# -- account level -----------------------------------------------------------------------------------
RETARGETING_LISTS = ServiceTable(
    "retargetinglists",
    "direct_retargeting_lists",
    "RetargetingLists",
    ID,
    (col("name", "Name"), col("type", "Type"), col("is_available", "IsAvailable")),
)
NEGATIVE_KEYWORD_SHARED_SETS = ServiceTable(
    "negativekeywordsharedsets",
    "direct_negative_keyword_shared_sets",
    "NegativeKeywordSharedSets",
    ID,
    (col("name", "Name"), col("associated", "Associated")),
)
CLIENTS = ServiceTable(
    "clients",
    "direct_clients",
    "Clients",
    col("login", "Login"),
    (col("client_id", "ClientId", kind="bigint"), col("currency", "Currency"), col("type", "Type")),
)

# -- added in schema version 4: an existing v3 warehouse gains these tables on its next migrate ------
FEEDS = ServiceTable(
    "feeds",
    "direct_feeds",
    "Feeds",
    ID,
    (
        col("name", "Name"),
        col("business_type", "BusinessType"),
        col("source_type", "SourceType"),
        col("status", "Status"),
        col("number_of_items", "NumberOfItems", kind="bigint"),
    ),
    since=4,
)
TURBO_PAGES = ServiceTable(
    "turbopages",
    "direct_turbo_pages",
    "TurboPages",
    ID,
    (col("name", "Name"), col("href", "Href")),
    since=4,
)
BUSINESSES = ServiceTable(
    "businesses",
    "direct_businesses",
    "Businesses",
    ID,
    (col("name", "Name"), col("is_published", "IsPublished"), col("rubric", "Rubric")),
    since=4,
)
AUDIENCE_TARGETS = ServiceTable(
    "audiencetargets",
    "direct_audience_targets",
    "AudienceTargets",
    ID,
    (
        col("campaign_id", "CampaignId", kind="bigint"),
        col("ad_group_id", "AdGroupId", kind="bigint"),
        col("retargeting_list_id", "RetargetingListId", kind="bigint"),
        col("state", "State"),
        col("context_bid", "ContextBid", kind="bigint"),
    ),
    since=4,
)
STRATEGIES = ServiceTable(
    "strategies",
    "direct_strategies",
    "Strategies",
    ID,
    (col("name", "Name"), col("type", "Type"), col("status_archived", "StatusArchived")),
    since=4,
)
CREATIVES = ServiceTable(
    "creatives",
    "direct_creatives",
    "Creatives",
    ID,
    (col("name", "Name"), col("type", "Type"), col("associated", "Associated")),
    since=4,
)

# -- added in schema version 6: the targets of dynamic text and smart groups -------------------------
DYNAMIC_TEXT_AD_TARGETS = ServiceTable(
    "dynamictextadtargets",
    "direct_dynamic_text_ad_targets",
    "Webpages",
    ID,
    (
        col("campaign_id", "CampaignId", kind="bigint"),
        col("ad_group_id", "AdGroupId", kind="bigint"),
        col("name", "Name"),
        col("state", "State"),
        col("condition_type", "ConditionType"),
        col("bid", "Bid", kind="bigint"),
        col("context_bid", "ContextBid", kind="bigint"),
    ),
    since=6,
)
SMART_AD_TARGETS = ServiceTable(
    "smartadtargets",
    "direct_smart_ad_targets",
    "SmartAdTargets",
    ID,
    (
        col("campaign_id", "CampaignId", kind="bigint"),
        col("ad_group_id", "AdGroupId", kind="bigint"),
        col("name", "Name"),
        col("state", "State"),
        col("condition_type", "ConditionType"),
        col("average_cpc", "AverageCpc", kind="bigint"),
        col("average_cpa", "AverageCpa", kind="bigint"),
    ),
    since=6,
)
# The agency's own list of its clients (AgencyClients.get, sent without Client-Login): ``client_login`` holds
# the agency's login, the one the answer's ``Units-Used-Login`` names, and ``login`` each client's.
AGENCY_CLIENTS = ServiceTable(
    "agencyclients",
    "direct_agency_clients",
    "Clients",
    col("login", "Login"),
    (
        col("client_id", "ClientId", kind="bigint"),
        col("archived", "Archived"),
        col("currency", "Currency"),
        col("type", "Type"),
    ),
    since=6,
)

# -- dictionaries (one table per dictionary, all read by one Dictionaries.get) -----------------------
GEO_REGIONS = ServiceTable(
    "dictionaries",
    "direct_dict_geo_regions",
    "GeoRegions",
    col("geo_region_id", "GeoRegionId", kind="bigint"),
    (
        col("name", "GeoRegionName"),
        col("type", "GeoRegionType"),
        col("parent_id", "ParentId", kind="bigint"),
    ),
)
TIME_ZONES = ServiceTable(
    "dictionaries",
    "direct_dict_time_zones",
    "TimeZones",
    col("time_zone", "TimeZone"),
    (col("name", "TimeZoneName"), col("utc_offset", "UtcOffset", kind="bigint")),
)
CURRENCIES = ServiceTable("dictionaries", "direct_dict_currencies", "Currencies", col("currency", "Currency"))


def _dictionary(name: str, table: str, key: Column, *columns: Column) -> ServiceTable:
    """A further dictionary of Dictionaries.get (schema version 5), keyed by its own natural key."""
    return ServiceTable("dictionaries", table, name, key, columns, since=5)


INTERESTS = _dictionary(
    "Interests",
    "direct_dict_interests",
    col("interest_id", "InterestId", kind="bigint"),
    col("parent_id", "ParentId", kind="bigint"),
    col("name", "Name"),
    col("is_targetable", "IsTargetable"),
)
METRO_STATIONS = _dictionary(
    "MetroStations",
    "direct_dict_metro_stations",
    col("metro_station_id", "MetroStationId", kind="bigint"),
    col("geo_region_id", "GeoRegionId", kind="bigint"),
    col("name", "MetroStationName"),
)
CONSTANTS = _dictionary("Constants", "direct_dict_constants", col("name", "Name"), col("value", "Value"))
AD_CATEGORIES = _dictionary(
    "AdCategories", "direct_dict_ad_categories", col("ad_category", "AdCategory"), col("description", "Description")
)
SUPPLY_SIDE_PLATFORMS = _dictionary("SupplySidePlatforms", "direct_dict_supply_side_platforms", col("title", "Title"))
AUDIENCE_CRITERIA_TYPES = _dictionary(
    "AudienceCriteriaTypes",
    "direct_dict_audience_criteria_types",
    col("type", "Type"),
    col("block_element", "BlockElement"),
    col("name", "Name"),
)
AUDIENCE_DEMOGRAPHIC_PROFILES = _dictionary(
    "AudienceDemographicProfiles",
    "direct_dict_audience_demographic_profiles",
    col("id", "Id", kind="bigint"),
    col("type", "Type"),
    col("name", "Name"),
)
AUDIENCE_INTERESTS = _dictionary(
    "AudienceInterests",
    "direct_dict_audience_interests",
    col("id", "Id", kind="bigint"),
    col("parent_id", "ParentId", kind="bigint"),
    col("name", "Name"),
    col("interest_type", "InterestType"),
)
FILTER_SCHEMAS = _dictionary("FilterSchemas", "direct_dict_filter_schemas", col("name", "Name"))

ACCOUNT_TABLES: tuple[ServiceTable, ...] = (
    SITELINKS,
    VCARDS,
    AD_IMAGES,
    AD_EXTENSIONS,
    BID_MODIFIERS,
    KEYWORD_BIDS,
    RETARGETING_LISTS,
    NEGATIVE_KEYWORD_SHARED_SETS,
    CLIENTS,
    FEEDS,
    TURBO_PAGES,
    BUSINESSES,
    CREATIVES,
    STRATEGIES,
    AUDIENCE_TARGETS,
    DYNAMIC_TEXT_AD_TARGETS,
    SMART_AD_TARGETS,
    AGENCY_CLIENTS,
    GEO_REGIONS,
    TIME_ZONES,
    CURRENCIES,
    INTERESTS,
    METRO_STATIONS,
    CONSTANTS,
    AD_CATEGORIES,
    SUPPLY_SIDE_PLATFORMS,
    AUDIENCE_CRITERIA_TYPES,
    AUDIENCE_DEMOGRAPHIC_PROFILES,
    AUDIENCE_INTERESTS,
    FILTER_SCHEMAS,
)
