"""Account-level objects: the generated base (``account_data``) plus the overlay that mutations build.

Like ``state``, only what mutations touched is stored. The rules kept here come from the services'
reference pages:

- Sitelink sets, vCards, images and callouts cannot be edited, only added and deleted
  (https://yandex.com/dev/direct/doc/en/sitelinks/sitelinks, .../vcards/vcards, .../adimages/adimages,
  and "Extensions can't be edited", https://yandex.com/dev/direct/doc/en/objects/adextension); a change
  is a new object plus an ad re-pointed at it.
- An object in use cannot be deleted: "You can delete an extension only if it is not assigned to any
  ads" (objects/adextension); the emulator applies the same rule to sitelink sets, vCards, images and
  shared sets, and to retargeting lists used by bid modifiers.
- "A vCard can't be added if the campaign is archived" (https://yandex.com/dev/direct/doc/en/vcards/add).
- A deleted callout stays readable in State DELETED when its id is named or DELETED is asked for
  (objects/adextension); every other deleted object is gone.
- Audience targets have add, delete, suspend, resume and setBids but no update
  (https://yandex.com/dev/direct/doc/en/audiencetargets/audiencetargets): State, ContextBid and
  StrategyPriority change, the group and the retargeting list never do. A retargeting list that a live
  audience target names is in use, like one a bid modifier names.
- Dynamic text ad targets (webpages) have the same methods and no update either: State, the bids and
  StrategyPriority change, the conditions never do. Smart-ad targets (filters) have an update as well
  (https://yandex.com/dev/direct/doc/en/smartadtargets/smartadtargets). A deleted one of either stays
  readable in State DELETED when named by id or asked for with States DELETED
  (https://yandex.com/dev/direct/doc/en/dynamictextadtargets/get), as a deleted callout does.
- Turbo pages and business profiles are made outside Yandex Direct (the Turbo page builder, Yandex
  Business): their services have ``get`` only. New ones appear and Turbo pages stop being published
  (``get`` "returns only published Turbo pages"), but nothing edits them; a business profile is never
  deleted. Creatives are added and never edited or deleted through the API. Feeds have
  add/update/delete (https://yandex.ru/dev/direct/doc/en/feeds/feeds).

Whether an object is in use (``Associated``, and the deletion rule) is answered without scanning the
ads in the common case: each base object has an anchor ad that always references it (``data``); only
when that ad was mutated or deleted does the store scan the login's ads once per state version.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_direct.emulator import dictionaries
from airflow_provider_direct.emulator.account_data import ADJUSTMENT_BLOCKS, GENERATED_ADJUSTMENTS, AccountGenerator
from airflow_provider_direct.emulator.ids import (
    CREATED_BASE,
    DYNAMIC_TEXT_CAMPAIGN,
    FEEDS_PER_LOGIN,
    RETARGETING_LISTS_PER_LOGIN,
    SMART_CAMPAIGN,
    TEXT_CAMPAIGN,
    VCARDS_PER_CAMPAIGN,
    Kind,
    image_hash,
    image_number,
)
from airflow_provider_direct.emulator.state_errors import StateError

if TYPE_CHECKING:
    from airflow_provider_direct.emulator.state import AccountState

Key = int | str  # images are keyed by their AdImageHash
#: Account-level kinds owned by a login (created with ``login``); vCards and bid modifiers take a parent.
LOGIN_KINDS = (
    Kind.SITELINK_SET,
    Kind.AD_IMAGE,
    Kind.CALLOUT,
    Kind.RETARGETING_LIST,
    Kind.SHARED_SET,
    Kind.FEED,
    Kind.TURBO_PAGE,
    Kind.BUSINESS,
    Kind.CREATIVE,
    Kind.STRATEGY,
)
#: Kinds whose base objects have an anchor ad (``data.DataGenerator.anchor_ad``) that always points at them.
ANCHORED_KINDS = frozenset({Kind.SITELINK_SET, Kind.VCARD, Kind.AD_IMAGE, Kind.CALLOUT})
#: Kinds no mutation deletes: no delete method (strategies are archived instead), and (businesses)
#: nothing outside the API removes them here.
UNDELETABLE = frozenset({Kind.CLIENT, Kind.BUSINESS, Kind.CREATIVE, Kind.STRATEGY})
#: What Update may change where the service has an update (or set) method.
UPDATABLE: dict[Kind, frozenset[str]] = {
    # https://yandex.com/dev/direct/doc/en/retargetinglists/update
    Kind.RETARGETING_LIST: frozenset({"Name", "Description", "Rules"}),
    # https://yandex.com/dev/direct/doc/en/negativekeywordsharedsets/update
    Kind.SHARED_SET: frozenset({"Name", "NegativeKeywords"}),
    # https://yandex.com/dev/direct/doc/en/clients/update
    Kind.CLIENT: frozenset({"ClientInfo", "Notification", "Phone", "Settings"}),
    # https://yandex.ru/dev/direct/doc/en/feeds/update: the name and the source's settings.
    Kind.FEED: frozenset({"Name", "UrlFeed", "FileFeed"}),
    # suspend/resume (State) and setBids (https://yandex.com/dev/direct/doc/en/audiencetargets/setBids).
    Kind.AUDIENCE_TARGET: frozenset({"State", "ContextBid", "StrategyPriority"}),
    # suspend/resume and https://yandex.com/dev/direct/doc/en/dynamictextadtargets/setBids
    Kind.WEBPAGE: frozenset({"State", "Bid", "ContextBid", "StrategyPriority"}),
    # https://yandex.com/dev/direct/doc/en/smartadtargets/update, suspend/resume and setBids
    Kind.SMART_TARGET: frozenset(
        {"State", "Name", "AverageCpc", "AverageCpa", "StrategyPriority", "Audience", "Conditions", "ConditionType"}
        | {"AvailableItemsOnly"}
    ),
    # https://yandex.com/dev/direct/doc/en/strategies/update, plus StatusArchived for archive/unarchive.
    Kind.STRATEGY: frozenset({"Name", "AttributionModel", "CounterIds", "PriorityGoals", "StatusArchived"}),
}
#: Adjustment types of which a campaign or group has at most one (the others are sets of conditions).
SINGLE_ADJUSTMENTS = frozenset(
    {"DESKTOP_ADJUSTMENT", "DESKTOP_ONLY_ADJUSTMENT", "VIDEO_ADJUSTMENT", "SMART_AD_ADJUSTMENT", "AD_GROUP_ADJUSTMENT"}
)


#: Fields a mutation can never change (identity and placement); created objects take the rest.
FROZEN: dict[Kind, tuple[str, ...]] = {
    Kind.SITELINK_SET: ("Id",),
    Kind.AD_IMAGE: ("AdImageHash",),
    Kind.CALLOUT: ("Id", "Type", "State"),
    Kind.RETARGETING_LIST: ("Id",),
    Kind.SHARED_SET: ("Id",),
    Kind.VCARD: ("Id", "CampaignId"),
    Kind.FEED: ("Id", "SourceType"),
    Kind.TURBO_PAGE: ("Id",),
    Kind.BUSINESS: ("Id",),
    Kind.CREATIVE: ("Id",),
    Kind.STRATEGY: ("Id",),
    Kind.AUDIENCE_TARGET: ("Id", "AdGroupId", "CampaignId", "RetargetingListId", "InterestId"),
    Kind.WEBPAGE: ("Id", "AdGroupId", "CampaignId"),
    Kind.SMART_TARGET: ("Id", "AdGroupId", "CampaignId"),
}
#: Kinds owned by a group, one list per group: audience targets, webpages, smart-ad targets.
GROUP_KINDS = (Kind.AUDIENCE_TARGET, Kind.WEBPAGE, Kind.SMART_TARGET)
#: Kinds placed in a campaign (and a group): owner, liveness and order come from ``placement``.
PLACED_KINDS = frozenset({Kind.VCARD, Kind.BID_MODIFIER, *GROUP_KINDS})
#: Group-owned kinds whose deleted objects stay readable in State DELETED.
TOMBSTONED = frozenset({Kind.CALLOUT, Kind.WEBPAGE, Kind.SMART_TARGET})
#: "Maximum of 50 audience targets" per text group (https://yandex.com/dev/direct/doc/en/objects/audience-target);
#: the emulator applies the same cap to webpages and smart-ad targets.
AUDIENCE_TARGETS_PER_GROUP = 50
#: The campaign type whose groups hold each group-owned kind.
TARGET_CAMPAIGNS = {
    Kind.AUDIENCE_TARGET: TEXT_CAMPAIGN,
    Kind.WEBPAGE: DYNAMIC_TEXT_CAMPAIGN,
    Kind.SMART_TARGET: SMART_CAMPAIGN,
}
#: Which scan answers "is it in use" for a kind: the ads, the bid modifiers, or the mutated campaigns/groups.
SCAN_PART = {
    Kind.SITELINK_SET: "ads",
    Kind.VCARD: "ads",
    Kind.AD_IMAGE: "ads",
    Kind.CALLOUT: "ads",
    Kind.RETARGETING_LIST: "modifiers",
    Kind.SHARED_SET: "overlay",
    Kind.TURBO_PAGE: "ads",
    Kind.BUSINESS: "ads",
}


@dataclass
class Usage:
    """What a login's live objects reference, computed by one scan."""

    sitelink_sets: set[int] = field(default_factory=set)
    vcards: set[int] = field(default_factory=set)
    images: set[str] = field(default_factory=set)
    callouts: set[int] = field(default_factory=set)
    shared_sets: set[int] = field(default_factory=set)
    retargeting_lists: set[int] = field(default_factory=set)
    turbo_pages: set[int] = field(default_factory=set)
    businesses: set[int] = field(default_factory=set)

    def of(self, kind: Kind) -> set[Any]:
        sets: dict[Kind, set[Any]] = {
            Kind.SITELINK_SET: self.sitelink_sets,
            Kind.VCARD: self.vcards,
            Kind.AD_IMAGE: self.images,
            Kind.CALLOUT: self.callouts,
            Kind.SHARED_SET: self.shared_sets,
            Kind.RETARGETING_LIST: self.retargeting_lists,
            Kind.TURBO_PAGE: self.turbo_pages,
            Kind.BUSINESS: self.businesses,
        }
        return sets[kind]


class AccountStore:
    """Account-level objects of every login; callers hold ``state.lock``."""

    def __init__(self, state: AccountState) -> None:
        config = state.config
        self.state = state
        self.layout = state.layout
        self.generator = AccountGenerator(config.seed, self.layout, config.logins, config.data_epoch)
        self._objects: dict[tuple[Kind, Key], dict[str, Any]] = {}
        self._deleted: set[tuple[Kind, Key]] = set()
        self._created: dict[tuple[Kind, int], list[Key]] = defaultdict(list)  # (kind, owner) -> keys
        self._group_modifiers: dict[int, list[int]] = defaultdict(list)  # created group-level modifiers
        self._group_targets: dict[tuple[Kind, int], list[int]] = defaultdict(list)  # created, per (kind, group)
        self._modified: dict[tuple[Kind, Key], int] = {}
        self._usage: dict[tuple[int, str], tuple[int, Usage]] = {}
        self.dictionary_revision: dict[str, int] = defaultdict(int)
        self.dictionary_changed: dict[str, int] = {}

    # -- identity -------------------------------------------------------------------------------

    def _created_owner(self, kind: Kind, key: Key) -> int | None:
        number = image_number(key) if isinstance(key, str) else key
        if number is None or number < CREATED_BASE or self.state.kind_of(number) is not kind:
            return None
        return self.state.parent_of(number)

    def login_of(self, kind: Kind, key: Key) -> int | None:
        """The owning login of an object that exists (deleted or not), None if it never did."""
        if kind in PLACED_KINDS:
            placement = self.placement(kind, key)
            return None if placement is None else self.state.login_of(placement[0])
        if (kind is Kind.AD_IMAGE) != isinstance(key, str):
            return None  # images are named by hash, everything else by id
        number = image_number(key) if isinstance(key, str) else key
        if number is None:
            return None
        position = self.layout.pool_position(kind, number)
        if position is not None:
            return position[0]
        return self._created_owner(kind, key)

    def placement(self, kind: Kind, key: Key) -> tuple[int, int | None] | None:
        """(campaign id, group id or None) of a vCard, bid modifier or audience target that exists."""
        if not isinstance(key, int):
            return None
        if kind in GROUP_KINDS:
            return self._target_placement(kind, key)
        if kind is Kind.VCARD:
            position = self.layout.vcard_position(key)
            if position is not None:
                return position[0], None
            owner = self._created_owner(kind, key)
            return None if owner is None else (owner, None)
        modifier = self.layout.modifier_position(key) if kind is Kind.BID_MODIFIER else None
        if modifier is not None:
            group_level, parent, index = modifier
            campaign = self.layout.group_campaign(parent) if group_level else parent
            if self.layout.campaign_is_smart(campaign):
                return None
            count = (
                self.generator.group_modifier_count(parent)
                if group_level
                else self.generator.campaign_modifier_count(parent)
            )
            if index >= count:
                return None
            return (campaign, parent) if group_level else (campaign, None)
        owner = self._created_owner(kind, key)
        if owner is None:
            return None
        if self.state.kind_of(owner) is Kind.AD_GROUP:
            return self.state.parent_of(owner), owner
        return owner, None

    def _target_placement(self, kind: Kind, target_id: int) -> tuple[int, int | None] | None:
        position = self.layout.group_target_position(kind, target_id)
        if position is not None:
            group_id, index = position
            campaign_id = self.layout.group_campaign(group_id)
            if not self._targetable(kind, campaign_id) or index >= self.generator.group_target_count(kind, group_id):
                return None
            return campaign_id, group_id
        owner = self._created_owner(kind, target_id)
        return None if owner is None else (self.state.parent_of(owner), owner)

    def _targetable(self, kind: Kind, campaign_id: int) -> bool:
        """Base groups with generated objects of a group-owned kind: audience targets in plain text
        campaigns, webpages in dynamic text ones, filters in the smart campaigns the API shows."""
        layout = self.layout
        return layout.campaign_type(campaign_id) == TARGET_CAMPAIGNS[kind] and not layout.campaign_is_smart(campaign_id)

    def is_live(self, kind: Kind, key: Key) -> bool:
        """Exists, not deleted, and (vCards, bid modifiers, audience targets) its campaign and group are live."""
        if (kind, key) in self._deleted:
            return False
        if kind in PLACED_KINDS:
            placement = self.placement(kind, key)
            if placement is None:
                return False
            campaign_id, group_id = placement
            if group_id is not None:
                return self.state.is_live(Kind.AD_GROUP, group_id)
            return self.state.is_live(Kind.CAMPAIGN, campaign_id)
        return self.login_of(kind, key) is not None

    def is_deleted(self, kind: Kind, key: Key) -> bool:
        return (kind, key) in self._deleted

    # -- listings (API order: by id, which is creation order) -----------------------------------

    def pool(self, kind: Kind, login_index: int, *, include_deleted: bool = False) -> list[Key]:
        """Objects of a login-scoped kind owned by ``login_index``."""
        layout = self.layout
        numbers = [layout.pool_id(kind, login_index, i) for i in range(layout.pool_size(kind))]
        keys: list[Key] = [image_hash(n) for n in numbers] if kind is Kind.AD_IMAGE else list(numbers)
        keys.extend(self._created.get((kind, login_index), ()))
        if include_deleted:
            return keys
        return [key for key in keys if (kind, key) not in self._deleted]

    def campaign_vcards(self, campaign_id: int) -> list[int]:
        """Live vCards of a campaign (the campaign's own liveness is the caller's concern)."""
        base: list[Key] = []
        if campaign_id < CREATED_BASE and self.layout.campaign_has_vcards(campaign_id):
            base = [self.layout.vcard_id(campaign_id, k) for k in range(VCARDS_PER_CAMPAIGN)]
        keys = base + self._created.get((Kind.VCARD, campaign_id), [])
        return [int(key) for key in keys if (Kind.VCARD, key) not in self._deleted]

    def campaign_modifiers(self, campaign_id: int) -> list[int]:
        """Live campaign-level bid modifiers of a campaign."""
        base: list[Key] = []
        if campaign_id < CREATED_BASE and not self.layout.campaign_is_smart(campaign_id):
            count = self.generator.campaign_modifier_count(campaign_id)
            base = [self.layout.campaign_modifier_id(campaign_id, k) for k in range(count)]
        keys = base + self._created.get((Kind.BID_MODIFIER, campaign_id), [])
        return [int(key) for key in keys if (Kind.BID_MODIFIER, key) not in self._deleted]

    def group_modifiers(self, group_id: int) -> list[int]:
        """Live group-level bid modifiers of a group."""
        keys: list[int] = []
        if group_id < CREATED_BASE and not self.layout.campaign_is_smart(self.layout.group_campaign(group_id)):
            count = self.generator.group_modifier_count(group_id)
            keys = [self.layout.group_modifier_id(group_id, k) for k in range(count)]
        keys = keys + self._group_modifiers.get(group_id, [])
        return [key for key in keys if (Kind.BID_MODIFIER, key) not in self._deleted]

    def group_targets(
        self, group_id: int, kind: Kind = Kind.AUDIENCE_TARGET, *, include_deleted: bool = False
    ) -> list[int]:
        """Live audience targets (or webpages, smart-ad targets) of a group, by id; the group's own
        liveness is the caller's concern."""
        keys: list[int] = []
        if group_id < CREATED_BASE and self._targetable(kind, self.layout.group_campaign(group_id)):
            count = self.generator.group_target_count(kind, group_id)
            keys = [self.layout.group_target_id(kind, group_id, k) for k in range(count)]
        keys = keys + self._group_targets.get((kind, group_id), [])
        if include_deleted:
            return keys
        return [key for key in keys if (kind, key) not in self._deleted]

    # -- objects --------------------------------------------------------------------------------

    def get(self, kind: Kind, key: Key) -> dict[str, Any]:
        """Full object as a complete ``get`` shows it (``Associated`` computed now); it must exist."""
        obj = self._objects.get((kind, key))
        if obj is None:
            obj = self._generate(kind, key)
        if kind in (Kind.AD_IMAGE, Kind.CALLOUT, Kind.SHARED_SET):
            used = not self.is_deleted(kind, key) and self.is_used(kind, key)
            obj = {**obj, "Associated": "YES" if used else "NO"}
        return obj

    def _generate(self, kind: Kind, key: Key) -> dict[str, Any]:
        gen = self.generator
        if kind is Kind.AD_IMAGE:
            number = image_number(str(key))
            assert number is not None
            return gen.ad_image(number)
        assert isinstance(key, int)
        if kind is Kind.SITELINK_SET:
            return gen.sitelink_set(key)
        if kind is Kind.CALLOUT:
            return gen.callout(key)
        if kind is Kind.SHARED_SET:
            return gen.shared_set(key)
        if kind is Kind.RETARGETING_LIST:
            position = self.layout.pool_position(kind, key)
            return gen.retargeting_list(key, position[1] if position else 0)
        if kind is Kind.FEED:
            position = self.layout.pool_position(kind, key)
            return gen.feed(key, position[1] if position else 0)
        if kind is Kind.TURBO_PAGE:
            return gen.turbo_page(key)
        if kind is Kind.BUSINESS:
            return gen.business(key)
        if kind is Kind.CREATIVE:
            position = self.layout.pool_position(kind, key)
            return gen.creative(key, position[1] if position else 0)
        if kind is Kind.STRATEGY:
            position = self.layout.pool_position(kind, key)
            return gen.strategy(key, position[1] if position else 0)
        placement = self.placement(kind, key)
        assert placement is not None
        campaign_id, group_id = placement
        if kind is Kind.VCARD:
            return gen.vcard(key, campaign_id)
        if kind in GROUP_KINDS:
            assert group_id is not None
            target = self.layout.group_target_position(kind, key)
            index = target[1] if target else 0
            if kind is Kind.WEBPAGE:
                return gen.webpage(key, campaign_id, group_id, index)
            if kind is Kind.SMART_TARGET:
                return gen.smart_target(key, campaign_id, group_id, index)
            return gen.audience_target(key, campaign_id, group_id, index, self.state.login_of(campaign_id))
        modifier = self.layout.modifier_position(key)
        index = modifier[2] if modifier else 0
        return gen.bid_modifier(key, campaign_id, group_id, index, self.state.login_of(campaign_id))

    def modified(self, kind: Kind, key: Key) -> int:
        """Second of the last change (base objects predate the emulator)."""
        return self._modified.get((kind, key), self.state.base_modified)

    def client(self, login_index: int) -> dict[str, Any]:
        obj = self._objects.get((Kind.CLIENT, login_index))
        return obj if obj is not None else self.generator.client(login_index)

    def dictionary(self, name: str) -> list[dict[str, Any]]:
        return dictionaries.items(name, self.dictionary_revision[name])

    # -- usage ----------------------------------------------------------------------------------

    def is_used(self, kind: Kind, key: Key) -> bool:
        """Referenced by a live ad (retargeting lists: by a bid modifier or an audience target; shared sets: by
        a campaign or group). Feeds, creatives and strategies are never in use here: nothing emulated names them."""
        login_index = self.login_of(kind, key)
        part = SCAN_PART.get(kind)
        if login_index is None or part is None:
            return False
        if kind in ANCHORED_KINDS and self._anchored(kind, key):
            return True
        return key in self.usage(login_index, part).of(kind)

    def _anchored(self, kind: Kind, key: Key) -> bool:
        """The base object's anchor ad is live and unchanged, so it still references the object."""
        number = image_number(str(key)) if kind is Kind.AD_IMAGE else key
        if not isinstance(number, int):
            return False
        if kind is Kind.VCARD:
            vcard = self.layout.vcard_position(number)
            anchor = None if vcard is None else self.state.generator.anchor_ad(kind, vcard[0], vcard[1])
        else:
            position = self.layout.pool_position(kind, number)
            anchor = None if position is None else self.state.generator.anchor_ad(kind, position[0], position[1])
        state = self.state
        return anchor is not None and state.overlay(anchor) is None and state.is_live(Kind.AD, anchor)

    def usage(self, login_index: int, part: str) -> Usage:
        """What the login's live ads, bid modifiers, or mutated campaigns and groups reference; cached
        per state version, so a burst of reads between two mutations scans once."""
        cached = self._usage.get((login_index, part))
        if cached is not None and cached[0] == self.state.version:
            return cached[1]
        scan = {"ads": self._scan_ads, "modifiers": self._scan_modifiers, "overlay": self._scan_overlay}[part]
        usage = scan(login_index)
        self._usage[(login_index, part)] = (self.state.version, usage)
        return usage

    def _text_campaigns(self, login_index: int) -> list[int]:
        state = self.state
        return [c for c in state.campaign_ids(login_index) if not state.is_smart_campaign(c)]

    def _scan_ads(self, login_index: int) -> Usage:
        state = self.state
        usage = Usage()
        references = state.generator.ad_references
        for campaign_id in self._text_campaigns(login_index):
            for group_id in state.group_ids(campaign_id):
                for ad_id in state.child_ids(Kind.AD, group_id):
                    obj = state.overlay(ad_id)
                    _ad_usage((obj.get("TextAd") or {}) if obj is not None else references(ad_id), usage)
        return usage

    def _scan_modifiers(self, login_index: int) -> Usage:
        usage = Usage()
        for campaign_id in self._text_campaigns(login_index):
            modifiers = list(self.campaign_modifiers(campaign_id))
            for group_id in self.state.group_ids(campaign_id):
                modifiers.extend(self.group_modifiers(group_id))
            for modifier_id in modifiers:
                block = self.get(Kind.BID_MODIFIER, modifier_id).get("RetargetingAdjustment")
                if block and block.get("RetargetingConditionId") is not None:
                    usage.retargeting_lists.add(block["RetargetingConditionId"])
            for group_id in self.state.group_ids(campaign_id):  # audience targets name lists too
                for target_id in self.group_targets(group_id):
                    usage.retargeting_lists.add(self.get(Kind.AUDIENCE_TARGET, target_id)["RetargetingListId"])
        return usage

    def _scan_overlay(self, login_index: int) -> Usage:
        """Base campaigns and groups name no shared set, so only mutated ones can."""
        state = self.state
        usage = Usage()
        for object_id, obj in state.overlay_items():
            kind = state.kind_of(object_id)
            live = kind in (Kind.CAMPAIGN, Kind.AD_GROUP) and state.is_live(kind, object_id)
            if live and state.login_of(object_id) == login_index:
                _shared_sets_of(obj, usage)
        return usage

    # -- mutations (callers hold the lock) ------------------------------------------------------

    def create(self, kind: Kind, owner: int, fields: dict[str, Any]) -> tuple[Key, dict[str, Any]]:
        """Create an object: ``owner`` is a login index, a campaign (vCards) or a campaign or group (modifiers)."""
        state = self.state
        gen = self.generator
        if kind in LOGIN_KINDS:
            if not 0 <= owner < len(state.config.logins):
                raise StateError(f"unknown login index {owner}")
            number = state.allocate(kind, owner)
            key: Key = image_hash(number) if kind is Kind.AD_IMAGE else number
            if kind is Kind.RETARGETING_LIST:  # the index only picks the type: AUDIENCE is the last one
                audience = fields.get("Type") == "AUDIENCE"
                obj = gen.retargeting_list(number, RETARGETING_LISTS_PER_LOGIN - 1 if audience else 0)
            elif kind is Kind.FEED:  # the index picks the source: FILE is the last one; a new feed is NEW
                obj = gen.feed(number, FEEDS_PER_LOGIN - 1 if fields.get("SourceType") == "FILE" else 0)
                obj.update(Status="NEW", UpdatedAt=None, NumberOfItems=None, TitleAndTextSources=None)
            elif kind is Kind.STRATEGY:  # a new strategy is active; the index cycles the type
                obj = gen.strategy(number, 0)
            else:
                obj = self._generate(kind, key)
            obj = _merge(obj, fields, frozen=FROZEN[kind])
        elif kind is Kind.VCARD:
            if not state.is_live(Kind.CAMPAIGN, owner) or state.is_smart_campaign(owner):
                raise StateError(f"campaign {owner} is not a live text campaign")
            if state.is_archived_campaign(owner):
                raise StateError("a vCard can't be added if the campaign is archived")
            number = state.allocate(kind, owner)
            key = number
            obj = _merge(gen.vcard(number, owner), fields, frozen=FROZEN[kind])
        elif kind is Kind.BID_MODIFIER:
            key, obj = self._create_modifier(owner, fields)
        elif kind is Kind.AUDIENCE_TARGET:
            key, obj = self._create_target(owner, fields)
        elif kind in GROUP_KINDS:
            key, obj = self._create_condition(kind, owner, fields)
        else:
            raise StateError(f"cannot create a {kind.value}")
        self._objects[(kind, key)] = obj
        if kind in GROUP_KINDS:
            self._group_targets[(kind, owner)].append(int(key))
        elif kind is Kind.BID_MODIFIER and obj["AdGroupId"] is not None:
            self._group_modifiers[obj["AdGroupId"]].append(int(key))
        else:
            self._created[(kind, owner)].append(key)
        self._modified[(kind, key)] = state.touch()
        return key, obj

    def _create_modifier(self, owner: int, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        state = self.state
        owner_kind = state.kind_of(owner)
        if owner_kind is Kind.CAMPAIGN and state.is_live(Kind.CAMPAIGN, owner):
            campaign_id, group_id, existing = owner, None, self.campaign_modifiers(owner)
        elif owner_kind is Kind.AD_GROUP and state.is_live(Kind.AD_GROUP, owner):
            campaign_id, group_id, existing = state.parent_of(owner), owner, self.group_modifiers(owner)
        else:
            raise StateError(f"{owner} is neither a live campaign nor a live ad group")
        taken = {self.get(Kind.BID_MODIFIER, m)["Type"] for m in existing}
        modifier_type = fields.get("Type") or next((t for t in GENERATED_ADJUSTMENTS if t not in taken), None)
        if modifier_type not in ADJUSTMENT_BLOCKS:
            raise StateError(f"unknown or missing bid modifier Type {modifier_type!r}")
        if modifier_type in SINGLE_ADJUSTMENTS and modifier_type in taken:
            raise StateError(f"{modifier_type} is already set for {owner}")
        number = state.allocate(Kind.BID_MODIFIER, owner)
        login_index = state.login_of(campaign_id)
        block_name = ADJUSTMENT_BLOCKS[modifier_type]
        block = self.generator.adjustment(modifier_type, self.generator.hash(number), login_index)
        block.update(fields.get(block_name) or {})
        obj = {
            "Id": number,
            "CampaignId": campaign_id,
            "AdGroupId": group_id,
            "Level": "CAMPAIGN" if group_id is None else "AD_GROUP",
            "Type": modifier_type,
            block_name: block,
        }
        return number, obj

    def _create_target(self, group_id: int, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """AudienceTargets.add for a text group: a live retargeting list of the login that the group
        does not target yet, at most one AUDIENCE list and 50 targets per group
        (https://yandex.com/dev/direct/doc/en/objects/audience-target)."""
        state = self.state
        if not state.is_live(Kind.AD_GROUP, group_id) or state.get(group_id).get("Type") != "TEXT_AD_GROUP":
            raise StateError(f"{group_id} is not a live text ad group")
        campaign_id = state.parent_of(group_id)
        login_index = state.login_of(campaign_id)
        existing = [self.get(Kind.AUDIENCE_TARGET, t) for t in self.group_targets(group_id)]
        if len(existing) >= AUDIENCE_TARGETS_PER_GROUP:
            raise StateError(f"group {group_id} has {AUDIENCE_TARGETS_PER_GROUP} audience targets already")
        taken = {t["RetargetingListId"] for t in existing}
        list_id = fields.get("RetargetingListId")
        if list_id is None:
            free = [k for k in self.pool(Kind.RETARGETING_LIST, login_index) if k not in taken]
            list_id = free[0] if free else None
        if not isinstance(list_id, int) or not self.is_live(Kind.RETARGETING_LIST, list_id):
            raise StateError(f"retargeting list {list_id} is not live")
        if self.login_of(Kind.RETARGETING_LIST, list_id) != login_index or list_id in taken:
            raise StateError(f"retargeting list {list_id} is not a free list of the group's login")
        if self.get(Kind.RETARGETING_LIST, list_id)["Type"] == "AUDIENCE" and any(
            self.get(Kind.RETARGETING_LIST, t)["Type"] == "AUDIENCE" for t in taken
        ):
            raise StateError(f"group {group_id} already targets an AUDIENCE list")
        number = state.allocate(Kind.AUDIENCE_TARGET, group_id)
        obj = self.generator.audience_target(number, campaign_id, group_id, 0, login_index)
        obj.update(RetargetingListId=list_id, State="ON")
        for name in ("ContextBid", "StrategyPriority"):
            if name in fields:
                obj[name] = fields[name]
        return number, obj

    def _create_condition(self, kind: Kind, group_id: int, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """DynamicTextAdTargets.add or SmartAdTargets.add: a live group of the kind's campaign type,
        at most 50 per group; the new object starts ON with the given fields."""
        state = self.state
        if not state.is_live(Kind.AD_GROUP, group_id):
            raise StateError(f"{group_id} is not a live ad group")
        campaign_id = state.parent_of(group_id)
        if state.campaign_type(campaign_id) != TARGET_CAMPAIGNS[kind] or state.is_smart_campaign(campaign_id):
            raise StateError(f"group {group_id} is not a group of a {TARGET_CAMPAIGNS[kind]}")
        if len(self.group_targets(group_id, kind)) >= AUDIENCE_TARGETS_PER_GROUP:
            raise StateError(f"group {group_id} has {AUDIENCE_TARGETS_PER_GROUP} {kind.value}s already")
        number = state.allocate(kind, group_id)
        make = self.generator.webpage if kind is Kind.WEBPAGE else self.generator.smart_target
        obj = make(number, campaign_id, group_id, 1)
        obj["State"] = "ON"
        return number, _merge(obj, fields, frozen=FROZEN[kind] + ("State",))

    def update(self, kind: Kind, key: Key, fields: dict[str, Any]) -> dict[str, Any]:
        """Replace an object with ``fields`` merged in, where the service allows edits at all."""
        if kind is Kind.BID_MODIFIER:
            return self._set_modifier(int(key), fields)
        allowed = UPDATABLE.get(kind)
        if allowed is None:
            raise StateError(f"{kind.value} objects cannot be edited: add a new one and re-point the ads")
        unknown = sorted(set(fields) - allowed)
        if unknown:
            raise StateError(f"{kind.value}: {', '.join(unknown)} cannot be changed (allowed: {sorted(allowed)})")
        if kind is Kind.CLIENT:
            obj = _merge(copy.deepcopy(self.client(int(key))), fields, frozen=())
        else:
            if not self.is_live(kind, key):
                raise StateError(f"{kind.value} {key} is not live")
            current = self._objects.get((kind, key)) or self._generate(kind, key)
            if kind in GROUP_KINDS and fields.get("State", "ON") not in ("ON", "SUSPENDED"):
                raise StateError(f"a {kind.value} is suspended or resumed: State ON or SUSPENDED")
            if kind is Kind.FEED:
                own = "UrlFeed" if current["SourceType"] == "URL" else "FileFeed"
                if set(fields) & {"UrlFeed", "FileFeed"} - {own}:
                    raise StateError(f"feed {key} is a {current['SourceType']} feed: only {own} applies")
            obj = _merge(copy.deepcopy(current), fields, frozen=FROZEN[kind] + ("Type",))
        self._objects[(kind, key)] = obj
        self._modified[(kind, key)] = self.state.touch()
        return obj

    def _set_modifier(self, modifier_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        """BidModifiers.set changes the coefficient (https://yandex.com/dev/direct/doc/en/bidmodifiers/set);
        a toggle of ``Enabled`` is accepted as well, in the type's block."""
        if not self.is_live(Kind.BID_MODIFIER, modifier_id):
            raise StateError(f"bid modifier {modifier_id} is not live")
        obj = copy.deepcopy(
            self._objects.get((Kind.BID_MODIFIER, modifier_id)) or self._generate(Kind.BID_MODIFIER, modifier_id)
        )
        block = obj[ADJUSTMENT_BLOCKS[obj["Type"]]]
        unknown = sorted(set(fields) - {"BidModifier", "Enabled"})
        if unknown:
            raise StateError(f"bid modifier: {', '.join(unknown)} cannot be changed (BidModifier, Enabled)")
        if "Enabled" in fields and "Enabled" not in block:
            raise StateError(f"{obj['Type']} has no Enabled switch")
        block.update(fields)
        self._objects[(Kind.BID_MODIFIER, modifier_id)] = obj
        self.state.touch()
        return obj

    def delete(self, kind: Kind, key: Key) -> None:
        if kind in UNDELETABLE:
            raise StateError(f"{kind.value} objects cannot be deleted")
        if not self.is_live(kind, key):
            raise StateError(f"{kind.value} {key} is not live")
        if kind is not Kind.BID_MODIFIER and self.is_used(kind, key):
            raise StateError(f"{kind.value} {key} is in use and cannot be deleted")
        if kind in TOMBSTONED:
            # Kept as a tombstone: get returns it in State DELETED when asked for it.
            current = self._objects.get((kind, key)) or self._generate(kind, key)
            self._objects[(kind, key)] = {**current, "State": "DELETED"}
        self._deleted.add((kind, key))
        self._modified[(kind, key)] = self.state.touch()

    def bump_dictionary(self, name: str) -> int:
        """A new revision of a dictionary (and of the dictionaries that change with it)."""
        if name not in dictionaries.TABLES:
            raise StateError(f"unknown dictionary {name!r}; known: {sorted(dictionaries.TABLES)}")
        second = self.state.touch()
        for linked in dictionaries.linked(name):
            self.dictionary_revision[linked] += 1
            self.dictionary_changed[linked] = second
        return self.dictionary_revision[name]

    def check_ad_references(self, ad_id: int | None, campaign_id: int, fields: dict[str, Any]) -> None:
        """An ad may only point at live objects of its own login (vCards: of its own campaign)."""
        block = fields.get("TextAd")
        if not isinstance(block, dict):
            return
        login_index = self.state.login_of(campaign_id)
        checks: list[tuple[Kind, Any]] = []
        if block.get("SitelinkSetId") is not None:
            checks.append((Kind.SITELINK_SET, block["SitelinkSetId"]))
        if block.get("AdImageHash") is not None:
            checks.append((Kind.AD_IMAGE, block["AdImageHash"]))
        if block.get("TurboPageId") is not None:
            checks.append((Kind.TURBO_PAGE, block["TurboPageId"]))
        if block.get("BusinessId") is not None:
            checks.append((Kind.BUSINESS, block["BusinessId"]))
        if block.get("VCardId") is not None:
            vcard = block["VCardId"]
            placement = self.placement(Kind.VCARD, vcard) if isinstance(vcard, int) else None
            if placement is None or placement[0] != campaign_id or not self.is_live(Kind.VCARD, vcard):
                raise StateError(f"ad {ad_id}: vCard {vcard} is not a live vCard of campaign {campaign_id}")
        extensions = block.get("AdExtensions")
        if extensions is not None:
            if not isinstance(extensions, list):
                raise StateError("TextAd.AdExtensions must be a list of {AdExtensionId, Type} or null")
            for item in extensions:
                if not isinstance(item, dict) or item.get("Type") != "CALLOUT":
                    raise StateError("each TextAd.AdExtensions item is {AdExtensionId, Type: CALLOUT}")
                checks.append((Kind.CALLOUT, item.get("AdExtensionId")))
        for kind, key in checks:
            valid_key = isinstance(key, str) if kind is Kind.AD_IMAGE else isinstance(key, int)
            if not valid_key or not self.is_live(kind, key) or self.login_of(kind, key) != login_index:
                raise StateError(f"ad {ad_id}: {kind.value} {key} is not a live object of its login")
            if kind is Kind.BUSINESS and self.get(kind, key)["IsPublished"] != "YES":
                # An unpublished profile "cannot be linked to an ad" (https://yandex.com/dev/direct/doc/en/businesses/get).
                raise StateError(f"ad {ad_id}: business profile {key} is not published")


def _ad_usage(block: dict[str, Any], usage: Usage) -> None:
    if block.get("SitelinkSetId") is not None:
        usage.sitelink_sets.add(block["SitelinkSetId"])
    if block.get("VCardId") is not None:
        usage.vcards.add(block["VCardId"])
    if block.get("AdImageHash") is not None:
        usage.images.add(block["AdImageHash"])
    for item in block.get("AdExtensions") or ():
        usage.callouts.add(item["AdExtensionId"])
    if block.get("TurboPageId") is not None:
        usage.turbo_pages.add(block["TurboPageId"])
    if block.get("BusinessId") is not None:
        usage.businesses.add(block["BusinessId"])


def _shared_sets_of(obj: dict[str, Any] | None, usage: Usage) -> None:
    """Shared sets named by a mutated campaign (TextCampaign block) or group; base ones name none."""
    if obj is None:
        return
    for holder in (obj, obj.get("TextCampaign") or {}):
        ids = holder.get("NegativeKeywordSharedSetIds")
        if isinstance(ids, dict):
            usage.shared_sets.update(i for i in ids.get("Items") or () if isinstance(i, int))


def _merge(obj: dict[str, Any], fields: dict[str, Any], frozen: tuple[str, ...]) -> dict[str, Any]:
    """Apply fields one level deep (nested blocks merge, lists replace); identity stays."""
    for key, value in fields.items():
        if key in frozen:
            continue
        current = obj.get(key)
        obj[key] = {**current, **value} if isinstance(current, dict) and isinstance(value, dict) else value
    return obj
