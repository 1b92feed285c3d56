"""Field catalogue of the Yandex Direct API v5 Reports service, as data.

Sources (the official documentation wins wherever sources disagree):

* https://yandex.com/dev/direct/doc/en/report-format - every field and its description.
* https://yandex.com/dev/direct/doc/en/fields-list - which fields each report type allows, which are filter-only.
* https://yandex.com/dev/direct/doc/en/type - the report types and the groupings they add.
* https://yandex.com/dev/direct/doc/en/spec - ReportDefinition: Goals, AttributionModels.
* https://yandex.com/dev/direct/doc/en/compatibility - fields that exclude each other.
* https://yandex.com/dev/direct/doc/en/restrictions - request, queue and data-availability limits.
* https://yandex.com/dev/direct/doc/en/mode - online/offline generation.
* https://yandex.com/dev/direct/doc/en/headers - returnMoneyInMicros.

Only the opening of report-format and fields-list could be read from the stored copies of those pages.
The field set and the per-type table below follow a public transcription of the current (v501) fields-list
table. It agrees with every official statement that could be read (the type page's "fields not allowed" lists,
the compatibility page, the spec's FieldNames, the filter-only Keyword) and with a second, independent scrape of
the same table that counts 84 fields.
Enum values are filled in only where the official text was read; an enum with ``values=()`` has a closed
value list in report-format that is not reproduced here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# date:   the period columns Date, Week, Month, Quarter and Year; each holds a YYYY-MM-DD date (Week, Month,
#         Quarter and Year hold the first day of the period, as the field descriptions put it).
# int:    counts and identifiers.
# micros: money. Without the ``returnMoneyInMicros: false`` header the API returns money as an integer, the
#         amount multiplied by 1,000,000; with it, a decimal with up to two places
#         (https://yandex.com/dev/direct/doc/en/headers).
# float:  ratios, percentages and averages that are not money.
# enum:   a documented closed list of values.
# text:   free text (names, texts of criteria, queries, placements, logins, URLs).
FieldKind = Literal["date", "int", "micros", "float", "enum", "text"]


@dataclass(frozen=True)
class ReportField:
    """One field of the Reports service."""

    name: str
    kind: FieldKind
    values: tuple[str, ...] = ()
    per_goal: bool = False
    filter_only: bool = False
    description: str = ""


# https://yandex.com/dev/direct/doc/en/type - in the order the page lists them.
REPORT_TYPES: tuple[str, ...] = (
    "ACCOUNT_PERFORMANCE_REPORT",
    "CAMPAIGN_PERFORMANCE_REPORT",
    "ADGROUP_PERFORMANCE_REPORT",
    "AD_PERFORMANCE_REPORT",
    "CRITERIA_PERFORMANCE_REPORT",
    "CUSTOM_REPORT",
    "REACH_AND_FREQUENCY_PERFORMANCE_REPORT",
    "SEARCH_QUERY_PERFORMANCE_REPORT",
)

# https://yandex.com/dev/direct/doc/en/spec - "If this parameter [Goals] is specified, instead of the
# ConversionRate, Conversions, CostPerConversion, GoalsRoi and Revenue fields with aggregated data for all goals,
# the report will show the same fields ... with separate data for each goal." Those five carry per_goal=True;
# Profit and the Purchase* fields are not in that sentence, so they are not marked per-goal.

_F = ReportField

# https://yandex.com/dev/direct/doc/en/report-format (descriptions, enum values) and
# https://yandex.com/dev/direct/doc/en/fields-list (filter-only: "the Keyword field can only be used to filter
# data and doesn't appear in the report"; the other filter-only fields come from the fields-list transcription).
_FIELD_LIST: tuple[ReportField, ...] = (
    _F(
        "AdFormat",
        "enum",
        ("IMAGE", "TEXT", "VIDEO", "SMART_MULTIPLE", "SMART_SINGLE", "ADAPTIVE_IMAGE", "SMART_TILE"),
        description="Format of the ad impression.",
    ),
    _F("AdGroupId", "int", description="Ad group ID (not shown for Campaign Wizard campaigns)."),
    _F("AdGroupName", "text", description="Ad group name (not shown for Campaign Wizard campaigns)."),
    _F("AdId", "int", description="Ad ID (not shown for Campaign Wizard campaigns)."),
    _F("AdNetworkType", "enum", ("SEARCH", "AD_NETWORK"), description="Where the ad was shown: search or networks."),
    _F(
        "Age",
        "enum",
        ("AGE_0_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45", "AGE_45_54", "AGE_55", "UNKNOWN"),
        description="User's age group; AGE_45 only for statistics up to 21.08.2018.",
    ),
    _F("AudienceTargetId", "int", filter_only=True, description="Audience target ID, for filtering only."),
    _F("AvgClickPosition", "float", description="Average position of the ad when it was clicked."),
    _F("AvgCpc", "micros", description="Average cost per click."),
    _F("AvgCpm", "micros", description="Average cost per thousand impressions (display campaigns)."),
    _F("AvgEffectiveBid", "micros", description="Average bid per click after all bid adjustments."),
    _F("AvgImpressionFrequency", "float", description="Average number of impressions per user."),
    _F("AvgImpressionPosition", "float", description="Average position of the ad when it was shown."),
    _F("AvgPageviews", "float", description="Average page depth of sessions (Yandex Metrica)."),
    _F("AvgTrafficVolume", "float", description="Average traffic volume of the impressions."),
    _F("AvgVideoCompleteCost", "micros", description="Average cost of a video watched to the end."),
    _F("BounceRate", "float", description="Share of bounces among sessions, in percent (Yandex Metrica)."),
    _F("Bounces", "int", description="Number of bounces (Yandex Metrica)."),
    _F("CampaignId", "int", description="Campaign ID."),
    _F("CampaignName", "text", description="Campaign name."),
    _F("CampaignType", "enum", description="Campaign type."),
    _F("CampaignUrlPath", "text", description="URL set in the campaign settings."),
    _F("CarrierType", "enum", description="Connection type of the user's device."),
    _F("Clicks", "int", description="Number of clicks."),
    _F("ClickType", "enum", description="Which part of the ad the user clicked."),
    _F("ClientLogin", "text", description="Advertiser's login."),
    _F("ConversionRate", "float", per_goal=True, description="Share of sessions with a goal reached, in percent."),
    _F("Conversions", "int", per_goal=True, description="Number of goal conversions."),
    _F("Cost", "micros", description="Cost of clicks or impressions."),
    _F("CostPerConversion", "micros", per_goal=True, description="Average cost of a conversion."),
    _F("CPV", "micros", description="Average cost per video view."),
    _F("Criteria", "text", description="Name or text of the targeting criterion (Criteria family)."),
    _F("CriteriaId", "int", description="Targeting criterion ID (Criteria family)."),
    _F("CriteriaType", "enum", description="Targeting criterion type (Criteria family)."),
    _F("Criterion", "text", description="Name or text of the targeting criterion set by the advertiser."),
    _F("CriterionId", "int", description="ID of the targeting criterion set by the advertiser."),
    _F("CriterionType", "enum", description="Type of the targeting criterion set by the advertiser."),
    _F("Ctr", "float", description="Click-through rate, in percent."),
    _F("Date", "date", description="Day of the statistics."),
    _F("Device", "enum", description="Device type."),
    _F("DynamicTextAdTargetId", "int", filter_only=True, description="Dynamic ad target ID, for filtering only."),
    _F("ExternalNetworkName", "text", description="Name of the external ad network."),
    _F("Gender", "enum", description="User's gender."),
    _F("GoalsRoi", "float", per_goal=True, description="Return on ad spend for goals."),
    _F("ImpressionReach", "int", description="Number of unique users the ad was shown to."),
    _F("Impressions", "int", description="Number of impressions."),
    _F("IncomeGrade", "enum", description="User's income grade."),
    _F("Keyword", "text", filter_only=True, description="Keyword text, for filtering only."),
    _F("LocationOfPresenceId", "int", description="ID of the region where the user was."),
    _F("LocationOfPresenceName", "text", description="Name of the region where the user was."),
    _F("MatchedKeyword", "text", description="Keyword the search query matched."),
    _F("MatchType", "enum", description="How the query matched the keyword."),
    _F("MobilePlatform", "enum", description="Operating system of the user's device."),
    _F("Month", "date", description="First day of the month of the statistics."),
    _F("Placement", "text", description="Name of the site the ad was shown on."),
    _F("Profit", "micros", description="Goal revenue minus cost."),
    _F("PurchaseGoals", "text", filter_only=True, description="Purchase goals filter (semantics not documented here)."),
    _F("PurchaseGoalsRoi", "float", description="Return on ad spend for purchase goals."),
    _F("PurchaseProfit", "micros", description="Purchase revenue minus cost."),
    _F("PurchaseRevenue", "micros", description="Revenue from purchase goals."),
    _F("Quarter", "date", description="First day of the quarter of the statistics."),
    _F("Query", "text", description="Search query that triggered the ad."),
    _F("Revenue", "micros", per_goal=True, description="Revenue from goals."),
    _F("RlAdjustmentId", "int", description="ID of the retargeting list of a bid adjustment."),
    _F("Sessions", "int", description="Number of sessions (Yandex Metrica)."),
    _F("Slot", "enum", description="Ad block the ad was shown in."),
    _F("SmartAdTargetId", "int", filter_only=True, description="Smart ad target ID, for filtering only."),
    _F("TargetingCategory", "enum", description="Targeting category."),
    _F("TargetingLocationId", "int", description="ID of the targeting region."),
    _F("TargetingLocationName", "text", description="Name of the targeting region."),
    _F("VideoComplete", "int", description="Video views to the end."),
    _F("VideoCompleteRate", "float", description="Share of video views to the end, in percent."),
    _F("VideoFirstQuartile", "int", description="Video views to the first quartile."),
    _F("VideoFirstQuartileRate", "float", description="Share of video views to the first quartile, in percent."),
    _F("VideoMidpoint", "int", description="Video views to the midpoint."),
    _F("VideoMidpointRate", "float", description="Share of video views to the midpoint, in percent."),
    _F("VideoThirdQuartile", "int", description="Video views to the third quartile."),
    _F("VideoThirdQuartileRate", "float", description="Share of video views to the third quartile, in percent."),
    _F("VideoViews", "int", description="Number of video views."),
    _F("VideoViewsRate", "float", description="Share of video views among impressions, in percent."),
    _F("Week", "date", description="First day of the week of the statistics."),
    _F("WeightedCtr", "float", description="Weighted CTR, in percent."),
    _F("WeightedImpressions", "float", description="Impressions weighted by position."),
    _F("Year", "date", description="First day of the year of the statistics."),
)

# https://yandex.com/dev/direct/doc/en/report-format
FIELDS: dict[str, ReportField] = {field.name: field for field in _FIELD_LIST}

# https://yandex.com/dev/direct/doc/en/fields-list - a field row lists, in REPORT_TYPES order, "+" where the
# type allows the field (segment, metric, attribute or filter) and "-" where the table has a dash.
# Cross-checked with https://yandex.com/dev/direct/doc/en/type, whose "Fields not allowed" column names only the
# fields common to most types: AD_PERFORMANCE_REPORT -> AudienceTargetId, Criteria, CriteriaId, Criterion,
# CriterionId, DynamicTextAdTargetId, Keyword, Query, RlAdjustmentId, SmartAdTargetId; CRITERIA_PERFORMANCE_REPORT
# -> AdFormat, AdId, Query; CUSTOM_REPORT -> Query. The display-only fields (REACH_AND_FREQUENCY) and MatchedKeyword
# (SEARCH_QUERY) are also absent from those types in the fields-list table.
_ALLOWED_IN: dict[str, str] = {
    # columns: ACCOUNT, CAMPAIGN, ADGROUP, AD, CRITERIA, CUSTOM, REACH_AND_FREQUENCY, SEARCH_QUERY
    "AdFormat": "++++-+--",
    "AdGroupId": "--++++++",
    "AdGroupName": "--++++++",
    "AdId": "---+-+++",
    "AdNetworkType": "++++++--",
    "Age": "+++++++-",
    "AudienceTargetId": "----++--",
    "AvgClickPosition": "++++++-+",
    "AvgCpc": "++++++++",
    "AvgCpm": "------+-",
    "AvgEffectiveBid": "++++++++",
    "AvgImpressionFrequency": "------+-",
    "AvgImpressionPosition": "++++++-+",
    "AvgPageviews": "++++++++",
    "AvgTrafficVolume": "++++++++",
    "AvgVideoCompleteCost": "------+-",
    "BounceRate": "++++++++",
    "Bounces": "++++++++",
    "CampaignId": "-+++++++",
    "CampaignName": "-+++++++",
    "CampaignType": "++++++++",
    "CampaignUrlPath": "-+++++++",
    "CarrierType": "++++++--",
    "Clicks": "++++++++",
    "ClickType": "++++++--",
    "ClientLogin": "++++++++",
    "ConversionRate": "++++++++",
    "Conversions": "++++++++",
    "Cost": "++++++++",
    "CostPerConversion": "++++++++",
    "CPV": "------+-",
    "Criteria": "----++-+",
    "CriteriaId": "----++-+",
    "CriteriaType": "++++++-+",
    "Criterion": "----++-+",
    "CriterionId": "----++-+",
    "CriterionType": "++++++-+",
    "Ctr": "++++++++",
    "Date": "++++++++",
    "Device": "+++++++-",
    "DynamicTextAdTargetId": "----++--",
    "ExternalNetworkName": "++++++--",
    "Gender": "+++++++-",
    "GoalsRoi": "++++++++",
    "ImpressionReach": "------+-",
    "Impressions": "++++++++",
    "IncomeGrade": "++++++-+",
    "Keyword": "----++-+",
    "LocationOfPresenceId": "++++++--",
    "LocationOfPresenceName": "++++++--",
    "MatchedKeyword": "-------+",
    "MatchType": "++++++-+",
    "MobilePlatform": "++++++--",
    "Month": "++++++++",
    "Placement": "++++++-+",
    "Profit": "++++++++",
    "PurchaseGoals": "++++++++",
    "PurchaseGoalsRoi": "++++++++",
    "PurchaseProfit": "++++++++",
    "PurchaseRevenue": "++++++++",
    "Quarter": "++++++++",
    "Query": "-------+",
    "Revenue": "++++++++",
    "RlAdjustmentId": "----++--",
    "Sessions": "+++++++-",
    "Slot": "++++++--",
    "SmartAdTargetId": "----++--",
    "TargetingCategory": "++++++-+",
    "TargetingLocationId": "+++++++-",
    "TargetingLocationName": "+++++++-",
    "VideoComplete": "------+-",
    "VideoCompleteRate": "------+-",
    "VideoFirstQuartile": "------+-",
    "VideoFirstQuartileRate": "------+-",
    "VideoMidpoint": "------+-",
    "VideoMidpointRate": "------+-",
    "VideoThirdQuartile": "------+-",
    "VideoThirdQuartileRate": "------+-",
    "VideoViews": "------+-",
    "VideoViewsRate": "------+-",
    "Week": "++++++++",
    "WeightedCtr": "++++++++",
    "WeightedImpressions": "++++++++",
    "Year": "++++++++",
}

# https://yandex.com/dev/direct/doc/en/fields-list - the names FieldNames may carry per report type
# (filter-only fields are left out: they may appear only in Filter).
COMPATIBILITY: dict[str, frozenset[str]] = {
    report_type: frozenset(
        name for name, row in _ALLOWED_IN.items() if row[column] == "+" and not FIELDS[name].filter_only
    )
    for column, report_type in enumerate(REPORT_TYPES)
}

# https://yandex.ru/dev/direct/doc/en/fields - "For the REACH_AND_FREQUENCY_PERFORMANCE_REPORT report type, the
# CampaignId field is required."
REQUIRED_FIELDS: dict[str, frozenset[str]] = {"REACH_AND_FREQUENCY_PERFORMANCE_REPORT": frozenset({"CampaignId"})}

# https://yandex.com/dev/direct/doc/en/compatibility - at most one field of each group in FieldNames ...
EXCLUSIVE_IN_FIELDNAMES: tuple[frozenset[str], ...] = (frozenset({"Date", "Week", "Month", "Quarter", "Year"}),)
# ... at most one field of each group in Filter ...
EXCLUSIVE_IN_FILTER: tuple[frozenset[str], ...] = (
    frozenset(
        {"CriterionType", "CriteriaType", "AudienceTargetId", "DynamicTextAdTargetId", "Keyword", "SmartAdTargetId"}
    ),
)
# ... and no field of one side of a pair together with a field of the other side.
INCOMPATIBLE_PAIRS: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (
        frozenset({"ClickType"}),
        frozenset(
            {"Impressions", "Ctr", "AvgImpressionPosition", "WeightedImpressions", "WeightedCtr", "AvgTrafficVolume"}
        ),
    ),
    (frozenset({"Criterion", "CriterionId", "CriterionType"}), frozenset({"Criteria", "CriteriaId", "CriteriaType"})),
)

# https://yandex.com/dev/direct/doc/en/mode - "Reports with the SEARCH_QUERY_PERFORMANCE_REPORT type can only be
# generated in offline mode."
OFFLINE_ONLY: frozenset[str] = frozenset({"SEARCH_QUERY_PERFORMANCE_REPORT"})

# https://yandex.com/dev/direct/doc/en/restrictions - no documented maximum length of a report period was found for
# any type. The page states that Query data is available "for the past 180 days"; Query exists only in
# SEARCH_QUERY_PERFORMANCE_REPORT, so that type cannot cover more than the last 180 days (a look-back window
# from today, not just a span).
MAX_PERIOD_DAYS: dict[str, int] = {"SEARCH_QUERY_PERFORMANCE_REPORT": 180}

# https://yandex.ru/dev/direct/doc/ru/spec and https://yandex.ru/dev/direct/doc/en/spec (current revision):
# AttributionModels is ( "FCCD" | "LC" | "LSCCD" | "AUTO" ).
ATTRIBUTION_MODELS: tuple[str, ...] = ("FCCD", "LC", "LSCCD", "AUTO")
# An older revision still served at https://yandex.com/dev/direct/doc/en/spec also lists these four; the current
# revision dropped them (its example-metrika uses LSCCD where the old one used LSC).
LEGACY_ATTRIBUTION_MODELS: tuple[str, ...] = ("FC", "LSC", "LYDC", "LYDCCD")

# https://yandex.com/dev/direct/doc/en/restrictions (the first five) and https://yandex.com/dev/direct/doc/en/spec
# (max_goals). No documented maximum number of rows or bytes of a report, nor a maximum Page.Limit, was found.
LIMITS: dict[str, int] = {
    "calls_per_10_seconds": 20,  # "a maximum of 20 requests in 10 seconds to the Reports service for each user"
    "offline_queue_per_login": 5,  # "a maximum of 5 offline reports at once per user"
    "offline_report_retention_hours": 5,  # "Generated offline reports are stored for 5 hours"
    "statistics_history_years": 3,  # "available for the three years prior to the current month"
    "query_history_days": 180,  # Query: "For the past 180 days"
    "max_goals": 10,  # Goals: "Maximum of 10 items in the array."
}


def per_goal_column(field: str, goal: str, model: str) -> str:
    """Name of the column a per-goal field becomes when Goals are given, e.g. ``Conversions_12345678_LSCCD``.

    https://yandex.com/dev/direct/doc/en/spec and https://yandex.com/dev/direct/doc/en/example-metrika
    (``Conversions`` with goal 20002 and model LSC comes back as ``Conversions_20002_LSC``).
    """
    return f"{field}_{goal}_{model}"


def incompatible(report_type: str, field_names: Iterable[str]) -> list[str]:
    """The names FieldNames may not carry for ``report_type``, unknown names included, in the given order.

    Raises ``ValueError`` for a report type the docs do not list.
    """
    allowed = COMPATIBILITY.get(report_type)
    if allowed is None:
        raise ValueError(f"unknown Reports report type: {report_type!r}")
    return [name for name in field_names if name not in allowed]
