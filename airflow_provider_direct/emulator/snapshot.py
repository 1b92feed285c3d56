"""Ground-truth export: live objects as NDJSON, and live counts.

Tests and the demo compare what a client synced against this. The export streams group by group,
taking the state lock per group only, so exporting a million keywords needs neither a million objects
in memory nor a lock held for seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from airflow_provider_direct.emulator.bulk import encode_keywords, freeze_keyword_chunks
from airflow_provider_direct.emulator.encoding import dumps
from airflow_provider_direct.emulator.fields import KEYWORD, Projection
from airflow_provider_direct.emulator.ids import Kind
from airflow_provider_direct.emulator.state import AccountState

SNAPSHOT_TYPES: dict[str, Kind] = {
    "campaigns": Kind.CAMPAIGN,
    "ad_groups": Kind.AD_GROUP,
    "ads": Kind.AD,
    "keywords": Kind.KEYWORD,
}
CHUNK_LINES = 1000  # ~300 KB per chunk: few thread hops, small buffers
_FULL_KEYWORD = Projection(KEYWORD, {"FieldNames": list(KEYWORD.fields)})


def _campaigns(state: AccountState, login_index: int, include_smart: bool) -> list[int]:
    with state.lock:
        return [c for c in state.campaign_ids(login_index) if include_smart or not state.is_smart_campaign(c)]


def iter_snapshot(state: AccountState, login_indexes: list[int], kind: Kind, include_smart: bool) -> Iterator[bytes]:
    """NDJSON chunks of full live objects in API order (campaign, group, id)."""
    return ndjson_chunks(
        lines
        for login_index in login_indexes
        for campaign_id in _campaigns(state, login_index, include_smart)
        for lines in _campaign_lines(state, campaign_id, kind)
    )


def ndjson_chunks(batches: Iterable[list[str]]) -> Iterator[bytes]:
    """Join batches of encoded objects into NDJSON chunks of about ``CHUNK_LINES`` lines, lazily."""
    buffer: list[str] = []
    for lines in batches:
        buffer.extend(lines)
        if len(buffer) >= CHUNK_LINES:
            yield ("\n".join(buffer) + "\n").encode()
            buffer = []
    if buffer:
        yield ("\n".join(buffer) + "\n").encode()


def _campaign_lines(state: AccountState, campaign_id: int, kind: Kind) -> Iterator[list[str]]:
    if kind is Kind.CAMPAIGN:
        with state.lock:
            obj = state.get(campaign_id) if state.is_live(Kind.CAMPAIGN, campaign_id) else None
        if obj is not None:
            yield [dumps(obj)]
        return
    with state.lock:
        groups = list(state.group_ids(campaign_id)) if state.is_live(Kind.CAMPAIGN, campaign_id) else []
    for group_id in groups:
        yield _group_lines(state, group_id, kind)


def _group_lines(state: AccountState, group_id: int, kind: Kind) -> list[str]:
    """One group's objects: captured under the lock, encoded after releasing it."""
    with state.lock:
        if not state.is_live(Kind.AD_GROUP, group_id):
            return []
        if kind is Kind.KEYWORD:
            chunks = freeze_keyword_chunks(state, [(group_id, state.child_ids(Kind.KEYWORD, group_id))])
            objects = []
        elif kind is Kind.AD:
            objects = [state.get(ad_id) for ad_id in state.child_ids(Kind.AD, group_id)]
        else:
            objects = [state.get(group_id)]
    if kind is Kind.KEYWORD:
        return encode_keywords(state.generator, _FULL_KEYWORD, chunks)
    return [dumps(obj) for obj in objects]


def live_counts(state: AccountState, login_index: int) -> dict[str, int]:
    """Live objects per type, visible ones apart from smart-banner ones (which the API hides)."""
    counts = dict.fromkeys(
        ("campaigns", "ad_groups", "ads", "keywords", "smart_campaigns", "smart_ad_groups", "smart_ads"), 0
    )
    with state.lock:
        for campaign_id in state.campaign_ids(login_index):
            prefix = "smart_" if state.is_smart_campaign(campaign_id) else ""
            counts[f"{prefix}campaigns"] += 1
            counts[f"{prefix}ad_groups"] += state.group_count(campaign_id)
            for group_id in state.group_ids(campaign_id):
                counts[f"{prefix}ads"] += state.child_count(Kind.AD, group_id)
                if not prefix:
                    counts["keywords"] += state.child_count(Kind.KEYWORD, group_id)
    return counts


def describe_login(state: AccountState, login_index: int) -> dict[str, Any]:
    return {"login": state.login_name(login_index), **live_counts(state, login_index)}
