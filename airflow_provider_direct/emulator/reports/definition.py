"""ReportDefinition and Reports headers: validation, date ranges and the report's identity.

Every rejection is error 8000 naming the field. The fingerprint (body + report-affecting headers) is
what makes "re-send the identical request" a poll and "same name, other parameters" an error 4000;
``processingMode`` and ``Accept-Encoding`` are not part of it, so a client may poll an ``auto`` report
with ``offline``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_direct.emulator.errors import ApiError
from airflow_provider_direct.emulator.reports.segments import DIMENSIONS
from airflow_provider_direct.emulator.reports.stats import IdFilter, Level
from airflow_provider_direct.models.report_fields import COMPATIBILITY

REPORT_TYPES = frozenset(
    {
        "CAMPAIGN_PERFORMANCE_REPORT",
        "ADGROUP_PERFORMANCE_REPORT",
        "AD_PERFORMANCE_REPORT",
        "ACCOUNT_PERFORMANCE_REPORT",
        "CRITERIA_PERFORMANCE_REPORT",
        "SEARCH_QUERY_PERFORMANCE_REPORT",
        "CUSTOM_REPORT",
    }
)
#: "Reports with the SEARCH_QUERY_PERFORMANCE_REPORT type can only be generated in offline mode"
#: (https://yandex.com/dev/direct/doc/en/mode); they hold search traffic only.
OFFLINE_ONLY = frozenset({"SEARCH_QUERY_PERFORMANCE_REPORT"})
DATE_RANGES = frozenset({"CUSTOM_DATE", "TODAY", "YESTERDAY", "LAST_3_DAYS", "LAST_7_DAYS", "LAST_30_DAYS", "AUTO"})
LAST_DAYS = {"LAST_3_DAYS": 3, "LAST_7_DAYS": 7, "LAST_30_DAYS": 30}
FIELD_NAMES = frozenset(
    {
        "Date",
        "CampaignId",
        "CampaignName",
        "CampaignType",
        "LocationOfPresenceName",
        "AdGroupId",
        "AdId",
        "Impressions",
        "Clicks",
        "Cost",
        "Ctr",
        "AvgCpc",
        "Conversions",
        "Revenue",
        "Bounces",
        "ConversionRate",
        "CostPerConversion",
        "GoalsRoi",
        "AdGroupName",
        *DIMENSIONS,
    }
)
#: "If [Goals] is specified, instead of the ConversionRate, Conversions, CostPerConversion, GoalsRoi and
#: Revenue fields with aggregated data for all goals, the report will show the same fields ... with
#: separate data for each goal" (https://yandex.com/dev/direct/doc/en/spec), one per goal and model,
#: named ``<Field>_<goal>_<model>`` (https://yandex.com/dev/direct/doc/en/example-metrika).
PER_GOAL_FIELDS = frozenset({"ConversionRate", "Conversions", "CostPerConversion", "GoalsRoi", "Revenue"})
CAMPAIGN_FIELDS = frozenset({"CampaignId", "CampaignName", "CampaignType"})
FILTER_FIELDS = frozenset({"CampaignId", "AdGroupId", "AdId"})
FILTER_OPERATORS = frozenset({"EQUALS", "IN", "NOT_EQUALS", "NOT_IN"})
ATTRIBUTION_MODELS = frozenset({"FC", "LC", "LSC", "LYDC", "FCCD", "LSCCD", "LYDCCD", "AUTO"})
PARAM_KEYS = frozenset(
    {
        "SelectionCriteria",
        "Goals",
        "AttributionModels",
        "FieldNames",
        "Page",
        "OrderBy",
        "ReportName",
        "ReportType",
        "DateRangeType",
        "Format",
        "IncludeVAT",
        "IncludeDiscount",
    }
)
PROCESSING_MODES = frozenset({"online", "offline", "auto"})


def bad(field: str, problem: str) -> ApiError:
    return ApiError(8000, "report_field", field=field, problem=problem)


@dataclass(frozen=True)
class ReportOptions:
    """What the headers ask for; everything but ``mode`` is part of the report's identity."""

    mode: str
    money_in_micros: bool
    skip_report_header: bool
    skip_column_header: bool
    skip_summary: bool


@dataclass(frozen=True)
class ReportDefinition:
    """A validated report request, before its relative date range is resolved."""

    name: str
    report_type: str
    fields: tuple[str, ...]
    date_range: str
    date_from: dt.date | None
    date_to: dt.date | None
    ids: IdFilter
    limit: int | None
    offset: int
    include_vat: bool
    fingerprint: str
    goals: tuple[str, ...] = ()
    models: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        """The column line: FieldNames, each per-goal field expanded to one column per goal and model."""
        out: list[str] = []
        for name in self.fields:
            if name in PER_GOAL_FIELDS and self.goals:
                out.extend(f"{name}_{goal}_{model}" for goal in self.goals for model in self.models)
            else:
                out.append(name)
        return out

    @property
    def level(self) -> Level:
        names = set(self.fields)
        if "AdId" in names:
            return "ad"
        if names & {"AdGroupId", "AdGroupName"}:
            return "ad_group"
        if names & CAMPAIGN_FIELDS:
            return "campaign"
        return "account"

    @property
    def by_date(self) -> bool:
        return "Date" in self.fields

    @property
    def dims(self) -> tuple[str, ...]:
        """The dimension fields that split the ad-days into segments (``segments``), in FieldNames order."""
        return tuple(f for f in self.fields if f in DIMENSIONS)

    @property
    def search_only(self) -> bool:
        return self.report_type == "SEARCH_QUERY_PERFORMANCE_REPORT"


def _flag(headers: Mapping[str, str], name: str, default: bool) -> bool:
    raw = headers.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise bad(name, "must be true or false")
    return value == "true"


def parse_options(headers: Mapping[str, str]) -> ReportOptions:
    mode = (headers.get("processingmode") or "auto").strip().lower() or "auto"
    if mode not in PROCESSING_MODES:
        raise bad("processingMode", "must be online, offline or auto")
    return ReportOptions(
        mode=mode,
        money_in_micros=_flag(headers, "returnmoneyinmicros", True),
        skip_report_header=_flag(headers, "skipreportheader", False),
        skip_column_header=_flag(headers, "skipcolumnheader", False),
        skip_summary=_flag(headers, "skipreportsummary", False),
    )


def _date(criteria: dict[str, Any], name: str) -> dt.date:
    value = criteria.get(name)
    if value is None:
        raise bad(f"SelectionCriteria.{name}", "is required with DateRangeType CUSTOM_DATE")
    if not isinstance(value, str) or len(value) != 10:
        raise bad(f"SelectionCriteria.{name}", "must be a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise bad(f"SelectionCriteria.{name}", "must be a date YYYY-MM-DD") from None


def _ids(values: Any, where: str) -> frozenset[int]:
    if not isinstance(values, list) or not values:
        raise bad(where, "must be a non-empty array")
    out = set()
    for value in values:
        try:
            out.add(int(value))
        except (TypeError, ValueError):
            raise bad(where, f"invalid id {value!r}") from None
    return frozenset(out)


def _filters(raw: Any) -> IdFilter:
    if raw is None:
        return IdFilter()
    if not isinstance(raw, list):
        raise bad("SelectionCriteria.Filter", "must be an array")
    ids = IdFilter()
    for position, item in enumerate(raw):
        where = f"SelectionCriteria.Filter[{position}]"
        if not isinstance(item, dict) or set(item) != {"Field", "Operator", "Values"}:
            raise bad(where, "must be an object with Field, Operator and Values")
        name, operator = item["Field"], item["Operator"]
        if name not in FILTER_FIELDS:
            raise bad(f"{where}.Field", f"filtering by {name!r} is not supported (use {sorted(FILTER_FIELDS)})")
        if operator not in FILTER_OPERATORS:
            raise bad(f"{where}.Operator", f"unsupported operator {operator!r}")
        values = _ids(item["Values"], f"{where}.Values")
        if operator in ("EQUALS", "NOT_EQUALS") and len(item["Values"]) != 1:
            raise bad(f"{where}.Values", f"{operator} takes exactly one value")
        target = ids.include if operator in ("EQUALS", "IN") else ids.exclude
        target[name] = (
            target[name] & values
            if name in target and target is ids.include
            else values | target.get(name, frozenset())
        )
    return ids


def _enum(params: dict[str, Any], name: str, allowed: frozenset[str]) -> str:
    value = params.get(name)
    if value is None:
        raise bad(name, "is required")
    if value not in allowed:
        raise bad(name, f"unsupported value {value!r}; supported: {', '.join(sorted(allowed))}")
    return str(value)


def parse_definition(body: bytes, options: ReportOptions) -> ReportDefinition:
    """Validate ``{"params": ReportDefinition}``; error 8000 names the first offending field."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise bad("body", "is not valid JSON") from None
    if not isinstance(payload, dict) or "params" not in payload:
        raise bad("params", 'is required (the body is {"params": ReportDefinition})')
    extra = sorted(set(payload) - {"params"})
    if extra:
        raise bad(extra[0], "is not allowed at the top level of a Reports request")
    params = payload["params"]
    if not isinstance(params, dict):
        raise bad("params", "must be an object")
    unknown = sorted(set(params) - PARAM_KEYS)
    if unknown:
        raise bad(unknown[0], "is not a ReportDefinition field")
    name = params.get("ReportName")
    if not isinstance(name, str) or not name.strip():
        raise bad("ReportName", "is required")
    if len(name) > 255:
        raise bad("ReportName", "must be at most 255 characters")
    report_type = _enum(params, "ReportType", REPORT_TYPES)
    fields = params.get("FieldNames")
    if not isinstance(fields, list) or not fields:
        raise bad("FieldNames", "is required and must be a non-empty array")
    for value in fields:
        if value not in FIELD_NAMES:
            raise bad("FieldNames", f"unsupported field {value!r}")
    if len(set(fields)) != len(fields):
        raise bad("FieldNames", "contains duplicates")
    # The documented table of which field each type allows (https://yandex.com/dev/direct/doc/en/fields-list).
    forbidden = [f for f in fields if f not in COMPATIBILITY[report_type]]
    if forbidden:
        raise bad("FieldNames", f"{forbidden[0]} is not available in {report_type}")
    if report_type in OFFLINE_ONLY and options.mode == "online":
        raise bad("processingMode", f"{report_type} can only be generated in offline mode")
    date_range = _enum(params, "DateRangeType", DATE_RANGES)
    if _enum(params, "Format", frozenset({"TSV"})) != "TSV":
        raise bad("Format", "must be TSV")
    include_vat = _enum(params, "IncludeVAT", frozenset({"YES", "NO"})) == "YES"
    if params.get("IncludeDiscount") is not None:
        _enum(params, "IncludeDiscount", frozenset({"YES", "NO"}))
    criteria = params.get("SelectionCriteria")
    if not isinstance(criteria, dict):
        raise bad("SelectionCriteria", "is required and must be an object (it may be empty)")
    unknown = sorted(set(criteria) - {"DateFrom", "DateTo", "Filter"})
    if unknown:
        raise bad(f"SelectionCriteria.{unknown[0]}", "is not supported")
    date_from = date_to = None
    if date_range == "CUSTOM_DATE":
        date_from, date_to = _date(criteria, "DateFrom"), _date(criteria, "DateTo")
        if date_from > date_to:
            raise bad("SelectionCriteria.DateFrom", "must not be after DateTo")
    elif "DateFrom" in criteria or "DateTo" in criteria:
        raise bad("SelectionCriteria.DateFrom", "is allowed with DateRangeType CUSTOM_DATE only")
    limit, offset = _page(params.get("Page"))
    goals, models = _check_lists(params)
    identity = {
        "params": params,
        "headers": [
            options.money_in_micros,
            options.skip_report_header,
            options.skip_column_header,
            options.skip_summary,
        ],
    }
    fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    return ReportDefinition(
        name=name,
        report_type=report_type,
        fields=tuple(fields),
        date_range=date_range,
        date_from=date_from,
        date_to=date_to,
        ids=_filters(criteria.get("Filter")),
        limit=limit,
        offset=offset,
        include_vat=include_vat,
        fingerprint=fingerprint,
        goals=goals,
        models=models,
    )


def _page(page: Any) -> tuple[int | None, int]:
    if page is None:
        return None, 0
    if not isinstance(page, dict) or not set(page) <= {"Limit", "Offset"}:
        raise bad("Page", "must be an object with Limit and optional Offset")
    limit, offset = page.get("Limit"), page.get("Offset", 0)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise bad("Page.Limit", "is required inside Page and must be a positive integer")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise bad("Page.Offset", "must be a non-negative integer")
    return limit, offset


def _check_lists(params: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Goals and AttributionModels (which split the per-goal fields); OrderBy is shape-checked only.

    Up to 10 goals (https://yandex.com/dev/direct/doc/en/spec). The page read names no default model, so
    the emulator asks for AttributionModels with Goals rather than guess the column names.
    """
    goals = params.get("Goals")
    if goals is not None and (
        not isinstance(goals, list)
        or not goals
        or len(goals) > 10
        or not all(isinstance(g, (str, int)) and str(g).isdigit() for g in goals)
    ):
        raise bad("Goals", "must be an array of 1 to 10 goal ids")
    models = params.get("AttributionModels")
    if models is not None and (not isinstance(models, list) or not models or not set(models) <= ATTRIBUTION_MODELS):
        raise bad("AttributionModels", f"values must be among {', '.join(sorted(ATTRIBUTION_MODELS))}")
    if goals and not models:
        raise bad("AttributionModels", "is required with Goals in the emulator (the column names depend on it)")
    order = params.get("OrderBy")
    if order is not None and not isinstance(order, list):
        raise bad("OrderBy", "must be an array")
    return tuple(str(g) for g in goals or ()), tuple(models or ()) if goals else ()


def resolve_dates(
    definition: ReportDefinition, today: dt.date, pending_border: dt.date | None
) -> tuple[dt.date, dt.date]:
    """Concrete period; relative ranges end yesterday, ``AUTO`` reaches back to a pending correction."""
    if definition.date_from is not None and definition.date_to is not None:
        return definition.date_from, definition.date_to
    yesterday = today - dt.timedelta(days=1)
    kind = definition.date_range
    if kind == "TODAY":
        return today, today
    if kind == "YESTERDAY":
        return yesterday, yesterday
    if kind in LAST_DAYS:
        return today - dt.timedelta(days=LAST_DAYS[kind]), yesterday
    start = today - dt.timedelta(days=3)  # AUTO: last 3 days unless a correction reaches further back
    if pending_border is not None and pending_border < start:
        start = pending_border
    return start, yesterday
