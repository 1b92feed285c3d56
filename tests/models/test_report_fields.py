"""The Reports field catalogue agrees with itself and with what the official docs state.

Checked pages:
https://yandex.com/dev/direct/doc/en/type, https://yandex.com/dev/direct/doc/en/fields-list,
https://yandex.com/dev/direct/doc/en/report-format, https://yandex.com/dev/direct/doc/en/spec,
https://yandex.com/dev/direct/doc/en/example-metrika, https://yandex.com/dev/direct/doc/en/compatibility,
https://yandex.com/dev/direct/doc/en/mode, https://yandex.com/dev/direct/doc/en/restrictions.
"""

from __future__ import annotations

from typing import get_args

import pytest

from airflow_provider_direct.models import report_fields
from airflow_provider_direct.models.report_fields import (
    ATTRIBUTION_MODELS,
    COMPATIBILITY,
    EXCLUSIVE_IN_FIELDNAMES,
    EXCLUSIVE_IN_FILTER,
    FIELDS,
    INCOMPATIBLE_PAIRS,
    LEGACY_ATTRIBUTION_MODELS,
    LIMITS,
    MAX_PERIOD_DAYS,
    OFFLINE_ONLY,
    REPORT_TYPES,
    REQUIRED_FIELDS,
    FieldKind,
    incompatible,
    per_goal_column,
)


def test_report_types_are_the_eight_the_type_page_lists() -> None:
    # https://yandex.com/dev/direct/doc/en/type
    assert REPORT_TYPES == (
        "ACCOUNT_PERFORMANCE_REPORT",
        "CAMPAIGN_PERFORMANCE_REPORT",
        "ADGROUP_PERFORMANCE_REPORT",
        "AD_PERFORMANCE_REPORT",
        "CRITERIA_PERFORMANCE_REPORT",
        "CUSTOM_REPORT",
        "REACH_AND_FREQUENCY_PERFORMANCE_REPORT",
        "SEARCH_QUERY_PERFORMANCE_REPORT",
    )


def test_every_report_type_has_a_compatibility_entry_and_nothing_else_does() -> None:
    assert set(COMPATIBILITY) == set(REPORT_TYPES)
    assert all(COMPATIBILITY[report_type] for report_type in REPORT_TYPES)


def test_the_type_table_has_one_row_a_field_and_one_column_a_report_type() -> None:
    # https://yandex.com/dev/direct/doc/en/fields-list
    table = report_fields._ALLOWED_IN
    assert table.keys() == FIELDS.keys()
    assert {len(row) for row in table.values()} == {len(REPORT_TYPES)}
    assert set("".join(table.values())) == {"+", "-"}


def test_every_compatible_field_is_a_known_field_that_fieldnames_may_carry() -> None:
    for report_type, names in COMPATIBILITY.items():
        assert names <= FIELDS.keys(), report_type
        assert not [name for name in names if FIELDS[name].filter_only], report_type


def test_catalogue_is_consistent() -> None:
    assert len(FIELDS) == 84
    kinds = set(get_args(FieldKind))
    for name, field in FIELDS.items():
        assert field.name == name
        assert field.kind in kinds
        assert field.description
        assert not field.values or field.kind == "enum", name
        assert len(set(field.values)) == len(field.values), name
        # every field that may be a column is a column in at least one report type
        assert field.filter_only or any(name in names for names in COMPATIBILITY.values()), name


def test_enum_values_the_report_format_page_lists() -> None:
    # https://yandex.com/dev/direct/doc/en/report-format
    assert FIELDS["AdNetworkType"].values == ("SEARCH", "AD_NETWORK")
    assert "SMART_TILE" in FIELDS["AdFormat"].values
    assert {"AGE_45", "AGE_45_54", "AGE_55", "UNKNOWN"} <= set(FIELDS["Age"].values)


def test_period_fields_are_dates_and_money_is_micros() -> None:
    assert {name for name, field in FIELDS.items() if field.kind == "date"} == {
        "Date",
        "Week",
        "Month",
        "Quarter",
        "Year",
    }
    for name in ("Cost", "AvgCpc", "AvgCpm", "CostPerConversion", "Revenue", "Profit"):
        assert FIELDS[name].kind == "micros", name
    for name in ("Ctr", "ConversionRate", "BounceRate", "AvgPageviews", "AvgClickPosition", "GoalsRoi"):
        assert FIELDS[name].kind == "float", name
    for name in ("Clicks", "Impressions", "CampaignId", "AdId", "CriterionId"):
        assert FIELDS[name].kind == "int", name


def test_filter_only_fields() -> None:
    # https://yandex.com/dev/direct/doc/en/fields-list: "the Keyword field can only be used to filter data"
    assert FIELDS["Keyword"].filter_only
    assert not FIELDS["CampaignName"].filter_only
    assert all(name not in names for names in COMPATIBILITY.values() for name in ("Keyword", "AudienceTargetId"))


def test_per_goal_fields_are_the_five_the_spec_names() -> None:
    # https://yandex.com/dev/direct/doc/en/spec (Goals)
    assert {name for name, field in FIELDS.items() if field.per_goal} == {
        "ConversionRate",
        "Conversions",
        "CostPerConversion",
        "GoalsRoi",
        "Revenue",
    }


def test_per_goal_column_naming() -> None:
    # https://yandex.com/dev/direct/doc/en/example-metrika: Conversions, goal 20002, model LSC
    assert per_goal_column("Conversions", "20002", "LSC") == "Conversions_20002_LSC"
    assert per_goal_column("CostPerConversion", "12345678", "LSCCD") == "CostPerConversion_12345678_LSCCD"


def test_type_page_fields_not_allowed() -> None:
    # https://yandex.com/dev/direct/doc/en/type, column "Fields not allowed"
    ad_not_allowed = [
        "AudienceTargetId",
        "Criteria",
        "CriteriaId",
        "Criterion",
        "CriterionId",
        "DynamicTextAdTargetId",
        "Keyword",
        "Query",
        "RlAdjustmentId",
        "SmartAdTargetId",
    ]
    assert incompatible("AD_PERFORMANCE_REPORT", ad_not_allowed) == ad_not_allowed
    assert incompatible("CRITERIA_PERFORMANCE_REPORT", ["AdFormat", "AdId", "Query", "Clicks"]) == [
        "AdFormat",
        "AdId",
        "Query",
    ]
    assert incompatible("CUSTOM_REPORT", ["Query", "CampaignId", "AdId", "Criterion"]) == ["Query"]


def test_incompatible_finds_ad_id_in_campaign_report_and_keeps_the_given_order() -> None:
    names = ["Date", "Bogus", "AdId", "CampaignId", "Clicks", "AdGroupId"]
    assert incompatible("CAMPAIGN_PERFORMANCE_REPORT", names) == ["Bogus", "AdId", "AdGroupId"]
    assert incompatible("AD_PERFORMANCE_REPORT", iter(["AdId", "CampaignId"])) == []


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_query_only_in_the_search_query_report(report_type: str) -> None:
    # https://yandex.com/dev/direct/doc/en/type: SEARCH_QUERY_PERFORMANCE_REPORT groups by AdGroupId and Query
    expected = [] if report_type == "SEARCH_QUERY_PERFORMANCE_REPORT" else ["Query"]
    assert incompatible(report_type, ["Query"]) == expected


def test_account_report_has_no_campaign_and_reach_report_needs_campaign_id() -> None:
    assert incompatible("ACCOUNT_PERFORMANCE_REPORT", ["CampaignId", "Cost"]) == ["CampaignId"]
    # https://yandex.ru/dev/direct/doc/en/fields: CampaignId is required for REACH_AND_FREQUENCY_PERFORMANCE_REPORT
    for report_type, required in REQUIRED_FIELDS.items():
        assert required <= COMPATIBILITY[report_type]


def test_unknown_report_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="NOPE_REPORT"):
        incompatible("NOPE_REPORT", ["Clicks"])


def test_compatibility_groups_name_known_fields() -> None:
    # https://yandex.com/dev/direct/doc/en/compatibility
    groups = [*EXCLUSIVE_IN_FIELDNAMES, *EXCLUSIVE_IN_FILTER]
    groups += [side for pair in INCOMPATIBLE_PAIRS for side in pair]
    for group in groups:
        assert group <= FIELDS.keys()


def test_modes_periods_models_and_limits() -> None:
    # https://yandex.com/dev/direct/doc/en/mode
    assert sorted(OFFLINE_ONLY) == ["SEARCH_QUERY_PERFORMANCE_REPORT"]
    assert set(MAX_PERIOD_DAYS) <= set(REPORT_TYPES)
    assert MAX_PERIOD_DAYS["SEARCH_QUERY_PERFORMANCE_REPORT"] == 180
    # https://yandex.com/dev/direct/doc/en/spec
    assert ATTRIBUTION_MODELS == ("FCCD", "LC", "LSCCD", "AUTO")
    assert not set(ATTRIBUTION_MODELS) & set(LEGACY_ATTRIBUTION_MODELS)
    # https://yandex.com/dev/direct/doc/en/restrictions
    assert LIMITS["calls_per_10_seconds"] == 20
    assert LIMITS["offline_queue_per_login"] == 5
    assert LIMITS["max_goals"] == 10
