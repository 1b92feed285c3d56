"""Ground truth of the account-level services: every live object, exactly as a complete ``get`` shows it.

``/admin/snapshot?type=<service>`` streams these as NDJSON. Each line equals the object the service
returns when every FieldNames value and every nested ``*FieldNames`` array is requested (bid modifiers
carry their own type's block only, keyword bids both ``Search`` and ``Network``, feeds the block of
their SourceType, creatives and strategies the block of their Type). Like the object
snapshot, campaign-bound objects are listed for every live text campaign, archived and unified ones
included; ``truth.service_objects`` drops what a given address does not return. Dictionaries stream
one line per dictionary, ``{"<DictionaryName>": [items]}``, the login being irrelevant to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airflow_provider_direct.emulator import dictionaries
from airflow_provider_direct.emulator.account_services import StrategyLookup, keyword_bid
from airflow_provider_direct.emulator.encoding import dumps
from airflow_provider_direct.emulator.ids import Kind
from airflow_provider_direct.emulator.snapshot import ndjson_chunks
from airflow_provider_direct.emulator.state import AccountState

#: Snapshot type (the service's URL name) -> the kind of its objects.
POOL_SERVICES: dict[str, Kind] = {
    "sitelinks": Kind.SITELINK_SET,
    "adimages": Kind.AD_IMAGE,
    "adextensions": Kind.CALLOUT,
    "retargetinglists": Kind.RETARGETING_LIST,
    "negativekeywordsharedsets": Kind.SHARED_SET,
    "feeds": Kind.FEED,
    "turbopages": Kind.TURBO_PAGE,
    "businesses": Kind.BUSINESS,
    "creatives": Kind.CREATIVE,
    "strategies": Kind.STRATEGY,
}
ACCOUNT_SNAPSHOT_TYPES = (
    *POOL_SERVICES,
    "vcards",
    "bidmodifiers",
    "keywordbids",
    "audiencetargets",
    "dynamictextadtargets",
    "smartadtargets",
    "clients",
    "dictionaries",
)
#: Campaign-bound services whose objects belong to groups -> their kind.
GROUP_SERVICES: dict[str, Kind] = {
    "audiencetargets": Kind.AUDIENCE_TARGET,
    "dynamictextadtargets": Kind.WEBPAGE,
    "smartadtargets": Kind.SMART_TARGET,
}
#: Keys of a stored object that its service's FieldNames cannot ask for.
INTERNAL_KEYS = {Kind.CALLOUT: ("State",)}


def iter_account_snapshot(state: AccountState, login_index: int, service: str) -> Iterator[bytes]:
    """NDJSON chunks of one login's objects of ``service``, in the service's order."""
    return ndjson_chunks(_lines(state, login_index, service))


def _lines(state: AccountState, login_index: int, service: str) -> Iterator[list[str]]:
    """Batches of encoded objects; the lock is taken per batch, never for the whole export."""
    store = state.account
    if service in POOL_SERVICES:
        kind = POOL_SERVICES[service]
        with state.lock:
            objects = [_public(kind, store.get(kind, key)) for key in store.pool(kind, login_index)]
        yield [dumps(obj) for obj in objects]
    elif service == "clients":
        with state.lock:
            yield [dumps(store.client(login_index))]
    elif service == "dictionaries":
        with state.lock:
            yield [dumps({name: store.dictionary(name)}) for name in dictionaries.TABLES]
    else:
        for campaign_id in _text_campaigns(state, login_index):
            yield _campaign_lines(state, campaign_id, service)


def _text_campaigns(state: AccountState, login_index: int) -> list[int]:
    with state.lock:
        return [c for c in state.campaign_ids(login_index) if not state.is_smart_campaign(c)]


def _campaign_lines(state: AccountState, campaign_id: int, service: str) -> list[str]:
    store = state.account
    with state.lock:
        if not state.is_live(Kind.CAMPAIGN, campaign_id):
            return []
        objects: list[dict[str, Any]]
        if service == "vcards":
            objects = [store.get(Kind.VCARD, v) for v in store.campaign_vcards(campaign_id)]
        elif service == "bidmodifiers":
            ids = list(store.campaign_modifiers(campaign_id))
            for group_id in state.group_ids(campaign_id):
                ids.extend(store.group_modifiers(group_id))
            objects = [store.get(Kind.BID_MODIFIER, m) for m in ids]
        elif service in GROUP_SERVICES:
            kind = GROUP_SERVICES[service]
            ids = [t for group_id in state.group_ids(campaign_id) for t in store.group_targets(group_id, kind)]
            objects = [store.get(kind, t) for t in ids]
        elif service == "keywordbids":
            strategies = StrategyLookup(state)
            objects = [
                keyword_bid(state, strategies, keyword_id)
                for group_id in state.group_ids(campaign_id)
                for keyword_id in state.child_ids(Kind.KEYWORD, group_id)
            ]
        else:
            raise ValueError(f"unknown account snapshot type {service!r}")
    return [dumps(obj) for obj in objects]


def _public(kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    hidden = INTERNAL_KEYS.get(kind)
    return obj if not hidden else {key: value for key, value in obj.items() if key not in hidden}
