"""Validation of request parameters: SelectionCriteria, id caps, enums, Page and timestamps.

Every rule answers with the API's own error instead of being lenient, because a client that sends an
over-cap id list or a Limit of 20 000 must find out here rather than against production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_direct.emulator.clock import parse_timestamp
from airflow_provider_direct.emulator.errors import ApiError

MAX_PAGE_LIMIT = 10_000


@dataclass(frozen=True)
class Page:
    """Requested window: objects ``offset+1 .. offset+limit`` in the method's stable order."""

    limit: int
    offset: int


def reject_unknown(params: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ApiError(8000, "unknown_param", field=unknown[0])


def require_object(params: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = params.get(name)
    if value is None:
        raise ApiError(8000, "required", field=name)
    if not isinstance(value, dict):
        raise ApiError(8000, "must_be_object", field=name)
    return value


def id_list(criteria: Mapping[str, Any], name: str, cap: int) -> list[int] | None:
    """Ids of one criterion (None when absent); empty or over-cap lists are errors, never truncated."""
    return _capped_list(
        criteria, name, cap, lambda item: not isinstance(item, bool) and isinstance(item, int) and item > 0
    )


def string_list(criteria: Mapping[str, Any], name: str, cap: int) -> list[str] | None:
    """Strings of one criterion (image hashes, hrefs), by the same rules as :func:`id_list`."""
    return _capped_list(criteria, name, cap, lambda item: isinstance(item, str))


def _capped_list(criteria: Mapping[str, Any], name: str, cap: int, valid: Callable[[Any], bool]) -> list[Any] | None:
    if name not in criteria:
        return None
    value = criteria[name]
    if not isinstance(value, list):
        raise ApiError(8000, "must_be_array", field=name)
    if not 1 <= len(value) <= cap:
        raise ApiError(4001, "ids_cap", field=name, cap=cap)
    for item in value:
        if not valid(item):
            raise ApiError(8000, "invalid_value", field=name, value=item)
    return value


def enum_list(criteria: Mapping[str, Any], name: str, allowed: frozenset[str]) -> frozenset[str] | None:
    if name not in criteria:
        return None
    value = criteria[name]
    if not isinstance(value, list) or not value:
        raise ApiError(8000, "must_be_array", field=name)
    for item in value:
        if item not in allowed:
            raise ApiError(8000, "invalid_value", field=name, value=item)
    return frozenset(value)


def optional_timestamp(params: Mapping[str, Any], name: str) -> int | None:
    """Epoch seconds of an API timestamp parameter, None when absent."""
    if name not in params:
        return None
    try:
        return parse_timestamp(params[name])
    except ValueError:
        raise ApiError(8000, "timestamp_format", field=name) from None


def required_timestamp(params: Mapping[str, Any], name: str) -> int:
    value = optional_timestamp(params, name)
    if value is None:
        raise ApiError(8000, "required", field=name)
    return value


def parse_page(params: Mapping[str, Any]) -> Page:
    raw = params.get("Page")
    if raw is None:
        return Page(limit=MAX_PAGE_LIMIT, offset=0)
    if not isinstance(raw, dict):
        raise ApiError(8000, "must_be_object", field="Page")
    limit = raw.get("Limit", MAX_PAGE_LIMIT)
    offset = raw.get("Offset", 0)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_LIMIT:
        raise ApiError(4002, "page_limit", cap=MAX_PAGE_LIMIT)
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ApiError(4002, "page_offset")
    return Page(limit=limit, offset=offset)
