"""Account state: generated base objects + a small mutation overlay + the change log.

The base account is virtual (see ``ids`` and ``data``); the overlay holds only what mutations touched:
replaced/created objects, deleted ids, created ids per parent and per-group deletion counters. With
those counters every "how many live keywords does this group have" question is O(1) for untouched
groups, which lets paging skip whole groups instead of walking a million ids.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import chain
from typing import Any

from airflow_provider_direct.emulator.account_store import AccountStore
from airflow_provider_direct.emulator.changelog import ChangeLog
from airflow_provider_direct.emulator.clock import EmulatorClock
from airflow_provider_direct.emulator.config import EmulatorConfig
from airflow_provider_direct.emulator.data import AD_BLOCKS, GROUP_TYPES, KEYWORD_CAMPAIGNS, DataGenerator
from airflow_provider_direct.emulator.ids import (
    CREATED_BASE,
    MAX_ID,
    SMART_CAMPAIGN,
    TEXT_CAMPAIGN,
    UNIFIED_CAMPAIGN,
    Kind,
)
from airflow_provider_direct.emulator.state_errors import StateError

ARCHIVED = "ARCHIVED"
CHILD_KINDS = (Kind.AD, Kind.KEYWORD)


__all__ = ["AccountState", "StateError"]


class AccountState:
    """Ground truth of every login; callers hold ``lock`` around multi-step reads and all writes."""

    def __init__(self, config: EmulatorConfig, clock: EmulatorClock) -> None:
        self.config = config
        self.clock = clock
        self.layout = config.layout()
        self.generator = DataGenerator(config.seed, self.layout, config.logins, config.data_epoch)
        self.lock = threading.RLock()
        self.log = ChangeLog()
        # Base objects predate the emulator; ModifiedSince older than this returns them all.
        self.base_modified = int(clock.start) - 86_400
        self.version = 0
        self._login_index = {login: i for i, login in enumerate(config.logins)}
        self._objects: dict[int, dict[str, Any]] = {}
        self._deleted: set[int] = set()
        self._created: dict[int, tuple[Kind, int]] = {}  # id -> (kind, parent id; login index for campaigns)
        self._created_campaigns: dict[int, list[int]] = defaultdict(list)
        self._created_groups: dict[int, list[int]] = defaultdict(list)
        self._created_children: dict[Kind, dict[int, list[int]]] = {k: defaultdict(list) for k in CHILD_KINDS}
        self._deleted_groups: Counter[int] = Counter()
        self._deleted_children: dict[Kind, Counter[int]] = {k: Counter() for k in CHILD_KINDS}
        self._next_id = CREATED_BASE
        # Statistics corrections: compounded factor per (campaign id, date ordinal), and per login the
        # (state version, corrected date) pairs that a Reports ``AUTO`` range has not covered yet.
        self.stat_factors: dict[tuple[int, int], float] = {}
        self.stat_corrections: dict[int, list[tuple[int, str]]] = defaultdict(list)
        # Groups whose keywords a bid strategy changed without a change-log entry (see
        # ``update_unreported``): the keyword fast path must look at their overlay too.
        self.unreported_groups: set[int] = set()
        # Account-level objects (sitelinks, vCards, images, callouts, bid modifiers, ...), same lock.
        self.account = AccountStore(self)

    # -- identity and navigation ----------------------------------------------------------------

    def login_index(self, login: str) -> int | None:
        return self._login_index.get(login.lower())

    def login_name(self, login_index: int) -> str:
        return self.config.logins[login_index]

    def kind_of(self, object_id: int) -> Kind | None:
        if object_id >= CREATED_BASE:
            meta = self._created.get(object_id)
            return meta[0] if meta else None
        return self.layout.base_kind(object_id)

    def parent_of(self, object_id: int) -> int:
        """Parent id (campaign of a group, group of an ad/keyword, login index of a campaign)."""
        meta = self._created.get(object_id)
        if meta is not None:
            return meta[1]
        kind = self.layout.base_kind(object_id)
        if kind is Kind.CAMPAIGN:
            return self.layout.campaign_position(object_id)[0]
        if kind is Kind.AD_GROUP:
            return self.layout.group_campaign(object_id)
        if kind is Kind.AD:
            return self.layout.ad_group(object_id)
        if kind is Kind.KEYWORD:
            return self.layout.keyword_group(object_id)
        raise KeyError(object_id)

    def campaign_of(self, object_id: int) -> int:
        kind = self.kind_of(object_id)
        if kind is Kind.CAMPAIGN:
            return object_id
        if kind is Kind.AD_GROUP:
            return self.parent_of(object_id)
        return self.parent_of(self.parent_of(object_id))

    def login_of(self, object_id: int) -> int:
        return self.parent_of(self.campaign_of(object_id))

    def is_smart_campaign(self, campaign_id: int) -> bool:
        if campaign_id >= CREATED_BASE:
            return bool(self._objects[campaign_id]["Type"] == SMART_CAMPAIGN)
        return self.layout.campaign_is_smart(campaign_id)

    def is_unified_campaign(self, campaign_id: int) -> bool:
        """A unified performance campaign: served by /json/v501/ only (see ``services``)."""
        return self.campaign_type(campaign_id) == UNIFIED_CAMPAIGN

    def campaign_type(self, campaign_id: int) -> str:
        """The campaign's API ``Type`` (a created campaign keeps the one it was created with)."""
        if campaign_id >= CREATED_BASE:
            return str(self._objects[campaign_id]["Type"])
        return self.layout.campaign_type(campaign_id)

    def has_keywords(self, campaign_id: int) -> bool:
        """Whether the campaign's groups take keywords (text and unified ones; not dynamic or smart)."""
        return self.campaign_type(campaign_id) in KEYWORD_CAMPAIGNS and not self.is_smart_campaign(campaign_id)

    def is_archived_campaign(self, campaign_id: int) -> bool:
        """State ARCHIVED now (mutations may archive or unarchive a campaign at any time)."""
        return bool(self.get(campaign_id).get("State") == ARCHIVED)

    def exists(self, kind: Kind, object_id: int) -> bool:
        """Ever existed (base or created), regardless of later deletion."""
        return self.kind_of(object_id) is kind

    def is_live(self, kind: Kind, object_id: int) -> bool:
        """Exists, not deleted, and no ancestor deleted."""
        if self.kind_of(object_id) is not kind:
            return False
        current = object_id
        while True:
            if current in self._deleted:
                return False
            if kind is Kind.CAMPAIGN:
                return True
            current = self.parent_of(current)
            kind = Kind.CAMPAIGN if kind is Kind.AD_GROUP else Kind.AD_GROUP

    # -- objects --------------------------------------------------------------------------------

    def get(self, object_id: int) -> dict[str, Any]:
        """Full object (overlay first, then generated); the caller guarantees it exists."""
        obj = self._objects.get(object_id)
        if obj is not None:
            return obj
        return self._generate(object_id)

    def overlay(self, object_id: int) -> dict[str, Any] | None:
        """The stored object if a mutation replaced or created it, else None (generated on demand)."""
        return self._objects.get(object_id)

    def overlay_items(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Every replaced or created object: what reference scans need beyond the generated base."""
        return iter(list(self._objects.items()))

    def _generate(self, object_id: int) -> dict[str, Any]:
        gen, layout = self.generator, self.layout
        kind = layout.base_kind(object_id)
        if kind is Kind.CAMPAIGN:
            login_index = layout.campaign_position(object_id)[0]
            return gen.campaign(object_id, self.config.logins[login_index], layout.campaign_type(object_id))
        if kind is Kind.AD_GROUP:
            campaign_id = layout.group_campaign(object_id)
            login_index = layout.campaign_position(campaign_id)[0]
            return gen.ad_group(object_id, campaign_id, layout.campaign_type(campaign_id), login_index)
        if kind is Kind.AD:
            group_id = layout.ad_group(object_id)
            campaign_id = layout.group_campaign(group_id)
            return gen.ad(object_id, group_id, campaign_id, layout.campaign_type(campaign_id))
        if kind is Kind.KEYWORD:
            group_id = layout.keyword_group(object_id)
            return gen.keyword(object_id, group_id, layout.group_campaign(group_id))
        raise KeyError(object_id)

    def keyword_modified(self, keyword_id: int) -> int:
        return self.log.keyword.get(keyword_id, self.base_modified)

    # -- ordered live listings (order = campaign id, group id, object id) -----------------------

    def campaign_ids(self, login_index: int, *, include_deleted: bool = False) -> list[int]:
        first = self.layout.campaign_id(login_index, 0)
        ids = chain(range(first, first + self.layout.campaigns_per_login), self._created_campaigns[login_index])
        if include_deleted:
            return list(ids)
        return [cid for cid in ids if cid not in self._deleted]

    def _base_group_range(self, campaign_id: int) -> range:
        if campaign_id >= CREATED_BASE:
            return range(0)
        first = self.layout.first_group(campaign_id)
        return range(first, first + self.layout.groups)

    def group_count(self, campaign_id: int) -> int:
        base = len(self._base_group_range(campaign_id))
        return base + len(self._created_groups.get(campaign_id, ())) - self._deleted_groups[campaign_id]

    def group_ids(self, campaign_id: int) -> Iterator[int]:
        deleted = self._deleted
        for group_id in chain(self._base_group_range(campaign_id), self._created_groups.get(campaign_id, ())):
            if group_id not in deleted:
                yield group_id

    def group_slice(self, campaign_id: int, start: int, stop: int) -> list[int]:
        return self._slice(
            self._base_group_range(campaign_id),
            self._created_groups.get(campaign_id, ()),
            self._deleted_groups[campaign_id],
            start,
            stop,
        )

    def _per_base_group(self, kind: Kind, campaign_id: int) -> int:
        """Ads or keywords in each base group of a base campaign (dynamic and smart groups have no keywords)."""
        if kind is Kind.AD:
            return self.layout.ads
        return self.layout.keywords if self.has_keywords(campaign_id) else 0

    def _base_child_range(self, kind: Kind, group_id: int) -> range:
        if group_id >= CREATED_BASE:
            return range(0)
        layout = self.layout
        per_group = self._per_base_group(kind, layout.group_campaign(group_id))
        first = layout.ad_id(group_id, 0) if kind is Kind.AD else layout.keyword_id(group_id, 0)
        return range(first, first + per_group)

    def child_count(self, kind: Kind, group_id: int) -> int:
        base = len(self._base_child_range(kind, group_id))
        created = self._created_children[kind].get(group_id, ())
        return base + len(created) - self._deleted_children[kind][group_id]

    def child_slice(self, kind: Kind, group_id: int, start: int, stop: int) -> list[int]:
        """Live children of a group at ordinal positions ``start..stop`` (0-based, stop exclusive)."""
        return self._slice(
            self._base_child_range(kind, group_id),
            self._created_children[kind].get(group_id, ()),
            self._deleted_children[kind][group_id],
            start,
            stop,
        )

    def _untouched(self, kind: Kind, campaign_id: int) -> bool:
        """True when no group, and no child of ``kind``, of a base campaign was ever mutated."""
        if campaign_id >= CREATED_BASE or campaign_id in self.log.groups_by_campaign:
            return False
        return kind is Kind.KEYWORD or campaign_id not in self.log.ads_by_campaign

    def campaign_child_count(self, kind: Kind, campaign_id: int) -> int:
        """Live ads/keywords of a campaign: arithmetic when untouched, a walk over its groups otherwise."""
        if self._untouched(kind, campaign_id):
            return self.layout.groups * self._per_base_group(kind, campaign_id)
        return sum(self.child_count(kind, group_id) for group_id in self.group_ids(campaign_id))

    def groups_from(self, kind: Kind, campaign_id: int, position: int) -> tuple[Iterator[int], int]:
        """Groups of a campaign starting with the one holding child ``position``, and the position in it."""
        if self._untouched(kind, campaign_id):
            per_group = self._per_base_group(kind, campaign_id)
            skipped = position // per_group if per_group else 0
            first = self.layout.first_group(campaign_id)
            return iter(range(first + skipped, first + self.layout.groups)), position - skipped * per_group
        return self.group_ids(campaign_id), position

    def child_ids(self, kind: Kind, group_id: int) -> list[int]:
        return self.child_slice(kind, group_id, 0, self.child_count(kind, group_id))

    def _slice(self, base: range, created: list[int] | tuple[()], deleted: int, start: int, stop: int) -> list[int]:
        if not deleted:  # untouched: pure arithmetic
            out = list(base[start:stop])
            if stop > len(base):
                out.extend(created[max(0, start - len(base)) : stop - len(base)])
            return out
        dead = self._deleted
        out = []
        position = 0
        for object_id in chain(base, created):
            if object_id in dead:
                continue
            if position >= stop:
                break
            if position >= start:
                out.append(object_id)
            position += 1
        return out

    # -- mutations (callers hold the lock) ------------------------------------------------------

    def _allocate(self, kind: Kind, parent: int) -> int:
        object_id = self._next_id
        if object_id > MAX_ID:
            raise StateError("created id range exhausted")
        self._next_id += 1
        self._created[object_id] = (kind, parent)
        return object_id

    def _now(self) -> int:
        self.version += 1
        return self.clock.now_seconds()

    def touch(self) -> int:
        """Count a change that the change log does not record (account-level objects, silent bids)."""
        return self._now()

    def allocate(self, kind: Kind, parent: int) -> int:
        """A fresh id from the created range for an account-level object owned by ``parent``."""
        return self._allocate(kind, parent)

    def _record(self, kind: Kind, object_id: int, second: int) -> None:
        log = self.log
        if kind is Kind.CAMPAIGN:
            log.campaign_changed(self.parent_of(object_id), object_id, second)
            return
        if kind is Kind.AD_GROUP:
            campaign_id = self.parent_of(object_id)
            log.group_changed(self.parent_of(campaign_id), campaign_id, object_id, second)
            return
        group_id = self.parent_of(object_id)
        campaign_id = self.parent_of(group_id)
        login_index = self.parent_of(campaign_id)
        if kind is Kind.AD:
            log.ad_changed(login_index, campaign_id, group_id, object_id, second)
        else:
            log.keyword_changed(login_index, campaign_id, group_id, object_id, second)

    def create(self, kind: Kind, parent: int, fields: dict[str, Any]) -> dict[str, Any]:
        """Create an object under a live parent (a login index for campaigns); returns it."""
        gen = self.generator
        if kind is Kind.CAMPAIGN:
            if not 0 <= parent < len(self.config.logins):
                raise StateError(f"unknown login index {parent}")
            campaign_type = fields.get("Type") or TEXT_CAMPAIGN
            if campaign_type not in GROUP_TYPES:
                raise StateError(f"campaign Type must be one of {sorted(GROUP_TYPES)}")
            object_id = self._allocate(kind, parent)
            obj = gen.campaign(object_id, self.config.logins[parent], campaign_type)
            self._created_campaigns[parent].append(object_id)
        elif kind is Kind.AD_GROUP:
            if not self.is_live(Kind.CAMPAIGN, parent):
                raise StateError(f"campaign {parent} is not live")
            object_id = self._allocate(kind, parent)
            obj = gen.ad_group(object_id, parent, self.campaign_type(parent), self.parent_of(parent))
            self._created_groups[parent].append(object_id)
        else:
            if not self.is_live(Kind.AD_GROUP, parent):
                raise StateError(f"ad group {parent} is not live")
            campaign_id = self.parent_of(parent)
            if kind is Kind.KEYWORD and not self.has_keywords(campaign_id):
                raise StateError(f"{self.get(parent)['Type']} groups have no keywords")
            object_id = self._allocate(kind, parent)
            if kind is Kind.AD:
                obj = gen.ad(object_id, parent, campaign_id, self.campaign_type(campaign_id))
            else:
                obj = gen.keyword(object_id, parent, campaign_id)
            self._created_children[kind][parent].append(object_id)
        _check_blocks(obj, fields)
        obj = _merge(obj, fields)
        self._objects[object_id] = obj
        self._record(kind, object_id, self._now())
        return obj

    def update(self, kind: Kind, object_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        # Replace, never modify in place: readers may encode a stored object after releasing the lock.
        if not self.is_live(kind, object_id):
            raise StateError(f"{kind.value} {object_id} is not live")
        current = self.get(object_id)
        _check_blocks(current, fields)
        obj = _merge(copy.deepcopy(current), fields)
        self._objects[object_id] = obj
        self._record(kind, object_id, self._now())
        return obj

    def update_unreported(self, object_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        """Change a keyword's bids as an automatic strategy does: Changes reports nothing and
        ``ModifiedSince`` does not move, yet Keywords.get and KeywordBids.get show the new values."""
        if not self.is_live(Kind.KEYWORD, object_id):
            raise StateError(f"keyword {object_id} is not live")
        obj = {**self.get(object_id), **fields}
        self._objects[object_id] = obj
        self.unreported_groups.add(self.parent_of(object_id))
        self.touch()
        return obj

    def delete(self, kind: Kind, object_id: int) -> None:
        if not self.is_live(kind, object_id):
            raise StateError(f"{kind.value} {object_id} is not live")
        second = self._now()
        parent = self.parent_of(object_id)
        if kind is Kind.AD_GROUP:
            # The group's ads vanish with it; report them so ad-level syncs notice too.
            for ad_id in self.child_ids(Kind.AD, object_id):
                self._record(Kind.AD, ad_id, second)
            self._deleted_groups[parent] += 1
        elif kind in CHILD_KINDS:
            self._deleted_children[kind][parent] += 1
        self._deleted.add(object_id)
        self._record(kind, object_id, second)

    def correct_stats(self, campaign_id: int, border_date: str, factor: float = 1.0) -> None:
        """Restate one campaign-day: factors compound (0.8 then 0.5 leaves 0.4 of the original clicks)."""
        if not self.is_live(Kind.CAMPAIGN, campaign_id):
            raise StateError(f"campaign {campaign_id} is not live")
        if factor < 0:
            raise StateError("factor must not be negative")
        login_index = self.parent_of(campaign_id)
        second = self._now()
        key = (campaign_id, dt.date.fromisoformat(border_date).toordinal())
        self.stat_factors[key] = self.stat_factors.get(key, 1.0) * factor
        self.stat_corrections[login_index].append((self.version, border_date))
        self.log.stat_corrected(login_index, campaign_id, border_date, second)


def _check_blocks(obj: dict[str, Any], fields: dict[str, Any]) -> None:
    """An ad takes only its own type's block (a dynamic ad has no TextAd to edit)."""
    own = AD_BLOCKS.get(obj.get("Type", ""))
    foreign = sorted(key for key in fields if key in AD_BLOCKS.values() and key != own)
    if own is not None and foreign:
        raise StateError(f"a {obj['Type']} has no {', '.join(foreign)} block")


def _merge(obj: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Apply user fields; nested blocks (TextAd, DailyBudget...) merge one level deep."""
    for key, value in fields.items():
        if key in ("Id", "CampaignId", "AdGroupId", "Type"):
            continue  # identity and placement are immutable
        current = obj.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            obj[key] = {**current, **value}
        else:
            obj[key] = value
    return obj
