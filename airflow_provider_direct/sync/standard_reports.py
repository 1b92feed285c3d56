"""The standard statistics reports: each a validated definition and its own typed table.

They cover what teams loading Direct statistics ask for first: campaign, ad group and ad by day, criteria
(keywords, autotargeting) by day, search queries, regions, device/age/gender and placements by day. Every
one carries the same metrics, so they add up to one another, and each table is restated day by day. The
``direct_statistics`` DAG loads the ones named in its ``reports`` param.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_direct.models.report_fields import LIMITS
from airflow_provider_direct.models.report_spec import ReportSpec
from airflow_provider_direct.warehouse.report_table import ReportTable

#: The metrics of every standard report (money in micros, ratios as DOUBLE PRECISION).
METRICS = (
    "Impressions",
    "Clicks",
    "Cost",
    "Ctr",
    "AvgCpc",
    "Conversions",
    "ConversionRate",
    "CostPerConversion",
    "Revenue",
    "GoalsRoi",
    "Bounces",
)


@dataclass(frozen=True)
class StandardReport:
    """One standard report: its table (with the definition) and how far back its data exists."""

    name: str
    table: ReportTable
    description: str
    days_back: int | None = None  # the service keeps this report's data for this many days only

    @property
    def spec(self) -> ReportSpec:
        return self.table.spec


def _report(name: str, table: str, report_type: str, dimensions: tuple[str, ...], description: str) -> StandardReport:
    spec = ReportSpec(report_type, ("Date", *dimensions, *METRICS))
    days_back = LIMITS["query_history_days"] if report_type == "SEARCH_QUERY_PERFORMANCE_REPORT" else None
    return StandardReport(name, ReportTable(table, spec), description, days_back)


STANDARD_REPORTS: dict[str, StandardReport] = {
    report.name: report
    for report in (
        _report(
            "campaign_day",
            "direct_stats_campaign_day",
            "CAMPAIGN_PERFORMANCE_REPORT",
            ("CampaignId", "CampaignName", "CampaignType"),
            "campaign x day",
        ),
        _report(
            "adgroup_day",
            "direct_stats_adgroup_day",
            "ADGROUP_PERFORMANCE_REPORT",
            ("CampaignId", "AdGroupId", "AdGroupName"),
            "ad group x day",
        ),
        _report(
            "ad_day", "direct_stats_ad_day", "AD_PERFORMANCE_REPORT", ("CampaignId", "AdGroupId", "AdId"), "ad x day"
        ),
        _report(
            "criteria_day",
            "direct_stats_criteria_day",
            "CRITERIA_PERFORMANCE_REPORT",
            ("CampaignId", "AdGroupId", "CriterionId", "Criterion", "CriterionType"),
            "criterion (keyword, autotargeting, audience) x day",
        ),
        # Offline only, and the service has queries for the past 180 days only
        # (https://yandex.com/dev/direct/doc/en/mode, .../restrictions).
        _report(
            "search_queries",
            "direct_stats_search_queries",
            "SEARCH_QUERY_PERFORMANCE_REPORT",
            ("CampaignId", "AdGroupId", "Query", "CriterionId", "Criterion"),
            "search query x criterion x day",
        ),
        _report(
            "geo_day",
            "direct_stats_geo_day",
            "CUSTOM_REPORT",
            (
                "CampaignId",
                "LocationOfPresenceId",
                "LocationOfPresenceName",
                "TargetingLocationId",
                "TargetingLocationName",
            ),
            "campaign x region x day",
        ),
        _report(
            "demographics_day",
            "direct_stats_demographics_day",
            "CUSTOM_REPORT",
            ("CampaignId", "Device", "Age", "Gender"),
            "campaign x device x age x gender x day",
        ),
        _report(
            "placements_day",
            "direct_stats_placements_day",
            "CUSTOM_REPORT",
            ("CampaignId", "AdNetworkType", "Placement"),
            "campaign x network x placement x day",
        ),
    )
}


def standard_report(name: str) -> StandardReport:
    """The standard report of that name; a clear error lists the names there are."""
    try:
        return STANDARD_REPORTS[name]
    except KeyError:
        raise ValueError(f"unknown standard report {name!r}; there are {', '.join(STANDARD_REPORTS)}") from None
