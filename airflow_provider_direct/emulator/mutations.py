"""Admin-driven changes to the account: explicit mutation lists and seeded random batches.

Random batches touch every level (campaigns, groups, ads, keywords, statistics), smart-banner campaigns
included, so an incremental sync is exercised on the same mix of events production produces. With
``EmulatorConfig.account_services_mutations`` they also touch the account-level objects
(``account_store``): new sitelink sets, vCards, images and callouts with ads re-pointed at them (and at
Turbo pages and business profiles), bid modifier and retargeting list edits, feeds added, edited and
deleted, new Turbo pages, business profiles and creatives, Turbo pages unpublished, portfolio
strategies added, renamed, archived and unarchived, audience targets, webpages and smart-ad targets
added, suspended, resumed, re-bid and deleted, client settings, dictionary revisions, and keyword
bids moved the way automatic strategies move them, which Changes does not report.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from airflow_provider_direct.emulator.account_store import LOGIN_KINDS, PLACED_KINDS, TARGET_CAMPAIGNS
from airflow_provider_direct.emulator.clock import format_timestamp
from airflow_provider_direct.emulator.data import REGIONS, WORDS, mix
from airflow_provider_direct.emulator.ids import Kind
from airflow_provider_direct.emulator.state import AccountState, StateError

Operation = Literal["create", "update", "delete", "stat_correction"]
CORE_KINDS = (Kind.CAMPAIGN, Kind.AD_GROUP, Kind.AD, Kind.KEYWORD)
#: KeywordBids.set names (https://yandex.com/dev/direct/doc/en/keywordbids/set) -> the keyword's fields.
BID_FIELDS = {"SearchBid": "Bid", "NetworkBid": "ContextBid"}


class MutationSpec(BaseModel):
    """One explicit mutation; ``parent_id`` (or ``login`` for campaigns) is needed only to create."""

    model_config = ConfigDict(extra="forbid")

    op: Operation
    type: Kind = Kind.CAMPAIGN
    id: int | str | None = None  # an AdImageHash for ad images, a DictionaryName for dictionaries
    parent_id: int | None = None
    login: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    border_date: dt.date | None = None
    factor: float | None = Field(default=None, ge=0, le=10)  # stat_correction only; None = a drawn factor


def default_factor(campaign_id: int, border_date: dt.date, version: int) -> float:
    """Factor of a correction that names none: 0.70..0.95, derived by hash so no RNG draw is added
    (seeded random batches keep producing the same events as before factors existed)."""
    return 0.70 + (mix(0xC0FFEE, campaign_id * 1_000_003 + border_date.toordinal() * 7919 + version) % 26) / 100


def apply_mutation(state: AccountState, spec: MutationSpec) -> dict[str, Any]:
    """Apply one mutation under the state lock; returns a record of what happened."""
    with state.lock:
        if spec.type not in CORE_KINDS:
            return _account_mutation(state, spec)
        if spec.type is Kind.AD:
            _check_ad_references(state, spec)
        if spec.op == "create":
            return _create(state, spec)
        if spec.id is None:
            raise StateError(f"{spec.op} needs an id")
        if not isinstance(spec.id, int):
            raise StateError(f"a {spec.type.value} id is an integer, not {spec.id!r}")
        if spec.op == "update":
            state.update(spec.type, spec.id, spec.fields)
        elif spec.op == "delete":
            state.delete(spec.type, spec.id)
        else:
            if spec.border_date is None:
                raise StateError("stat_correction needs border_date")
            factor = spec.factor
            if factor is None:
                factor = default_factor(spec.id, spec.border_date, state.version)
            state.correct_stats(spec.id, spec.border_date.isoformat(), factor)
            return _record(
                state, spec.op, Kind.CAMPAIGN, spec.id, border_date=spec.border_date.isoformat(), factor=factor
            )
        return _record(state, spec.op, spec.type, spec.id, fields=spec.fields or None)


def _check_ad_references(state: AccountState, spec: MutationSpec) -> None:
    """Ads may point only at live sitelink sets, images, callouts of their login and vCards of their campaign."""
    if "TextAd" not in spec.fields:
        return
    if spec.op == "create" and spec.parent_id is not None and state.is_live(Kind.AD_GROUP, spec.parent_id):
        state.account.check_ad_references(None, state.parent_of(spec.parent_id), spec.fields)
    elif spec.op == "update" and isinstance(spec.id, int) and state.is_live(Kind.AD, spec.id):
        state.account.check_ad_references(spec.id, state.campaign_of(spec.id), spec.fields)


def _account_mutation(state: AccountState, spec: MutationSpec) -> dict[str, Any]:
    """Mutations of account-level objects, keyword bids (unreported) and dictionaries."""
    store = state.account
    kind = spec.type
    if spec.op == "stat_correction":
        raise StateError("stat_correction applies to campaigns only")
    if kind is Kind.DICTIONARY:
        if spec.op != "update" or not isinstance(spec.id, str):
            raise StateError('a dictionary change is {"op": "update", "type": "dictionary", "id": "<DictionaryName>"}')
        revision = store.bump_dictionary(spec.id)
        return _account_record(state, spec.op, kind, spec.id, None, revision=revision)
    if kind is Kind.CLIENT:
        login_index = state.login_index(spec.login or "")
        if spec.op != "update" or login_index is None:
            raise StateError('a client change is {"op": "update", "type": "client", "login": ..., "fields": {...}}')
        store.update(kind, login_index, spec.fields)
        return _account_record(state, spec.op, kind, login_index, login_index, fields=spec.fields or None)
    if kind is Kind.KEYWORD_BID:
        return _keyword_bid(state, spec)
    if spec.op == "create":
        if kind in LOGIN_KINDS:
            owner = state.login_index(spec.login or "") if spec.login else None
            if owner is None:
                raise StateError(f"creating a {kind.value} needs a known login")
        elif spec.parent_id is None:
            parent = "a campaign" if kind is Kind.VCARD else "a campaign or ad group"
            raise StateError(f"creating a {kind.value} needs parent_id ({parent})")
        else:
            owner = spec.parent_id
        key, _ = store.create(kind, owner, spec.fields)
        return _account_record(state, "create", kind, key, store.login_of(kind, key), fields=spec.fields or None)
    if spec.id is None:
        raise StateError(f"{spec.op} needs an id")
    login_index = store.login_of(kind, spec.id)
    if spec.op == "update":
        store.update(kind, spec.id, spec.fields)
    else:
        store.delete(kind, spec.id)
    return _account_record(state, spec.op, kind, spec.id, login_index, fields=spec.fields or None)


def _keyword_bid(state: AccountState, spec: MutationSpec) -> dict[str, Any]:
    """A bid move Changes does not report (strategies move bids silently); KeywordBids and Keywords show it."""
    if spec.op != "update" or not isinstance(spec.id, int):
        raise StateError('a bid change is {"op": "update", "type": "keyword_bid", "id": <keyword id>, "fields": {...}}')
    unknown = sorted(set(spec.fields) - set(BID_FIELDS))
    if unknown or not spec.fields:
        raise StateError(f"keyword_bid fields are {sorted(BID_FIELDS)} (micros), got {sorted(spec.fields)}")
    for name, value in spec.fields.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise StateError(f"{name} must be a non-negative integer (micros)")
    state.update_unreported(spec.id, {BID_FIELDS[name]: value for name, value in spec.fields.items()})
    record = _record(state, "update", Kind.KEYWORD, spec.id, fields=spec.fields)
    return {**record, "type": Kind.KEYWORD_BID.value, "reported": False}


def _account_record(
    state: AccountState, op: str, kind: Kind, key: int | str, login_index: int | None, **extra: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {"op": op, "type": kind.value, "id": key}
    if login_index is not None:
        record["login"] = state.login_name(login_index)
    placement = state.account.placement(kind, key) if kind in PLACED_KINDS else None
    if placement is not None:
        record["campaign_id"] = placement[0]
        if placement[1] is not None:
            record["parent_id"] = placement[1]
    record["at"] = format_timestamp(state.clock.now_seconds())
    record["reported"] = False  # Changes covers campaigns, groups and ads only
    record.update({name: value for name, value in extra.items() if value is not None})
    return record


def _create(state: AccountState, spec: MutationSpec) -> dict[str, Any]:
    if spec.type is Kind.CAMPAIGN:
        login_index = state.login_index(spec.login or "") if spec.login else None
        if login_index is None:
            raise StateError("creating a campaign needs a known login")
        parent = login_index
    elif spec.parent_id is None:
        raise StateError(f"creating a {spec.type.value} needs parent_id")
    else:
        parent = spec.parent_id
    obj = state.create(spec.type, parent, spec.fields)
    return _record(state, "create", spec.type, obj["Id"], fields=spec.fields or None)


def _record(state: AccountState, op: str, kind: Kind, object_id: int, **extra: Any) -> dict[str, Any]:
    campaign_id = state.campaign_of(object_id)
    record: dict[str, Any] = {
        "op": op,
        "type": kind.value,
        "id": object_id,
        "campaign_id": campaign_id,
        "login": state.login_name(state.parent_of(campaign_id)),
        "smart": state.is_smart_campaign(campaign_id),
        "at": format_timestamp(state.clock.now_seconds()),
    }
    if kind is not Kind.CAMPAIGN:
        record["parent_id"] = state.parent_of(object_id)
    record.update({key: value for key, value in extra.items() if value is not None})
    return record


# -- random batches -------------------------------------------------------------------------------

LEVEL_WEIGHTS = {"campaign": 8, "ad_group": 17, "ad": 25, "keyword": 40, "stat": 10}
OP_WEIGHTS = {
    Kind.CAMPAIGN: {"update": 75, "create": 20, "delete": 5},
    Kind.AD_GROUP: {"update": 55, "create": 30, "delete": 15},
    Kind.AD: {"update": 55, "create": 30, "delete": 15},
    Kind.KEYWORD: {"update": 55, "create": 30, "delete": 15},
}
MAX_ATTEMPTS = 20
#: With ``account_services_mutations``: the share of account-level draws, and their mix.
ACCOUNT_LEVEL_WEIGHT = 20
ACCOUNT_WEIGHTS: dict[tuple[Kind, str], int] = {
    (Kind.AD, "repoint"): 14,
    (Kind.KEYWORD_BID, "update"): 12,
    (Kind.SITELINK_SET, "create"): 6,
    (Kind.SITELINK_SET, "delete"): 3,
    (Kind.VCARD, "create"): 4,
    (Kind.VCARD, "delete"): 2,
    (Kind.AD_IMAGE, "create"): 4,
    (Kind.AD_IMAGE, "delete"): 2,
    (Kind.CALLOUT, "create"): 4,
    (Kind.CALLOUT, "delete"): 2,
    (Kind.RETARGETING_LIST, "create"): 2,
    (Kind.RETARGETING_LIST, "update"): 3,
    (Kind.RETARGETING_LIST, "delete"): 1,
    (Kind.SHARED_SET, "create"): 2,
    (Kind.SHARED_SET, "update"): 3,
    (Kind.SHARED_SET, "delete"): 1,
    (Kind.BID_MODIFIER, "create"): 5,
    (Kind.BID_MODIFIER, "update"): 8,
    (Kind.BID_MODIFIER, "delete"): 4,
    (Kind.CLIENT, "update"): 2,
    (Kind.DICTIONARY, "update"): 1,
}
#: Services added after the ones above draw from a side stream (``RandomMutator.side``), after about
#: this share of the batch's mutations, so a seed replays the draws above as it did before: the same
#: operations on the same objects (created ids, and the factors of stat corrections, which hash the
#: state version, differ; a retargeting list an audience target names is no longer a deletion
#: candidate). These mutations come on top of ``count``.
LATER_SHARE = 0.15
LATER_WEIGHTS: dict[tuple[Kind, str], int] = {
    (Kind.AD, "TurboPageId"): 4,
    (Kind.AD, "BusinessId"): 3,
    (Kind.FEED, "create"): 2,
    (Kind.FEED, "update"): 2,
    (Kind.FEED, "delete"): 1,
    (Kind.TURBO_PAGE, "create"): 2,
    (Kind.TURBO_PAGE, "delete"): 1,
    (Kind.BUSINESS, "create"): 2,
    (Kind.CREATIVE, "create"): 2,
    (Kind.STRATEGY, "create"): 1,
    (Kind.STRATEGY, "update"): 2,
    (Kind.AUDIENCE_TARGET, "create"): 3,
    (Kind.AUDIENCE_TARGET, "update"): 4,
    (Kind.AUDIENCE_TARGET, "delete"): 2,
}
#: Webpages and smart-ad targets draw from a third stream (``RandomMutator.targets``), after about this
#: share of the batch's mutations, and only in accounts with dynamic text or smart groups, so every
#: seed without them replays exactly what it did before they existed.
TARGET_SHARE = 0.08
TARGET_WEIGHTS: dict[str, int] = {"create": 2, "update": 5, "delete": 2}
#: Dictionaries a random batch revises: the three that checkDictionaries flags.
RANDOM_DICTIONARIES = ("GeoRegions", "TimeZones", "Interests")


class RandomMutator:
    """Draws plausible mutations against live objects from a seeded RNG."""

    def __init__(self, state: AccountState, rng: random.Random, login_index: int | None) -> None:
        self.state = state
        self.rng = rng
        self.login_index = login_index
        # Seeded from the main stream's state without drawing from it, so the main stream's draws are
        # untouched. A str seed is hashed with SHA-512 by ``random`` (the same in every process); hash()
        # of the state tuple was not: it holds None, whose hash is its address before Python 3.12.
        self.side = random.Random(repr(rng.getstate()))
        layout = state.layout
        has_targets = layout.dynamic_campaigns or layout.performance_campaigns
        self.targets = random.Random(repr(rng.getstate()) + "/targets") if has_targets else None

    def run(self, count: int) -> list[dict[str, Any]]:
        applied = []
        for _ in range(count):
            for _attempt in range(MAX_ATTEMPTS):
                spec = self._draw()
                if spec is None:
                    continue
                try:
                    applied.append(apply_mutation(self.state, spec))
                except StateError:
                    continue  # the target vanished between draw and apply; draw again
                break
            if self.state.config.account_services_mutations and self.side.random() < LATER_SHARE:
                applied.extend(self._later())
            if self.state.config.account_services_mutations and self.targets and self.targets.random() < TARGET_SHARE:
                applied.extend(self._target_mutation())
        return applied

    def _later(self) -> list[dict[str, Any]]:
        """One mutation of a later-added service (feeds, Turbo pages, businesses, creatives, strategies,
        audience targets, and ads re-pointed at Turbo pages and business profiles), from the side stream only."""
        side = self.side

        def draw() -> MutationSpec | None:
            kind, op = side.choices(list(LATER_WEIGHTS), weights=list(LATER_WEIGHTS.values()))[0]
            login_index = (
                self.login_index if self.login_index is not None else side.randrange(len(self.state.config.logins))
            )
            return self._draw_later(kind, op, login_index)

        return self._first_applied(draw)

    def _first_applied(self, draw: Callable[[], MutationSpec | None]) -> list[dict[str, Any]]:
        """The first drawn mutation that applies (up to ``MAX_ATTEMPTS`` draws), as a one-record list."""
        for _attempt in range(MAX_ATTEMPTS):
            spec = draw()
            if spec is None:
                continue
            try:
                return [apply_mutation(self.state, spec)]
            except StateError:
                continue  # the target vanished or the draw was invalid: draw again
        return []

    def _draw_later(self, kind: Kind, op: str, login_index: int) -> MutationSpec | None:
        side = self.side
        state = self.state
        word = side.choice(WORDS)
        if kind is Kind.AD:
            return self._repoint_later(op, login_index)
        if kind is Kind.AUDIENCE_TARGET:
            return self._audience_target_later(op, login_index)
        if op == "create":
            fields: dict[str, Any] = {
                Kind.FEED: {"Name": f"Новый фид {word}", "SourceType": side.choice(["URL", "FILE"])},
                Kind.TURBO_PAGE: {"Name": f"Турбо-страница {word}"},
                Kind.BUSINESS: {"Name": f"{word.capitalize()} и сыновья"},
                Kind.CREATIVE: {"Name": f"Видеодополнение {word}"},
                Kind.STRATEGY: {"Name": f"Пакетная стратегия {word}"},
            }[kind]
            return MutationSpec(op="create", type=kind, login=state.login_name(login_index), fields=fields)
        with state.lock:
            store = state.account
            keys = store.pool(kind, login_index)
            if op == "delete":  # the API refuses to delete what is in use
                keys = [key for key in keys if not store.is_used(kind, key)]
        if not keys:
            return None
        target = side.choice(keys)
        if op == "delete":
            return MutationSpec(op="delete", type=kind, id=target)
        if kind is Kind.STRATEGY:  # Strategies.update renames; archive and unarchive flip StatusArchived
            with state.lock:
                archived = state.account.get(kind, target)["StatusArchived"] == "YES"
            change = (
                {"StatusArchived": "NO" if archived else "YES"}
                if side.random() < 0.5
                else {"Name": f"Стратегия {word}"}
            )
            return MutationSpec(op="update", type=kind, id=target, fields=change)
        return MutationSpec(op="update", type=kind, id=target, fields={"Name": f"Фид {word}"})

    def _text_group_later(self, login_index: int) -> int | None:
        """A live group of a text campaign of the login, drawn from the side stream."""
        side = self.side
        state = self.state
        campaigns = [c for c in state.campaign_ids(login_index) if not state.is_smart_campaign(c)]
        if not campaigns:
            return None
        campaign_id = side.choice(campaigns)
        size = state.group_count(campaign_id)
        if not size:
            return None
        position = side.randrange(size)
        return state.group_slice(campaign_id, position, position + 1)[0]

    def _audience_target_later(self, op: str, login_index: int) -> MutationSpec | None:
        """AudienceTargets.add, delete, suspend/resume or setBids on a text group of the login."""
        side = self.side
        state = self.state
        with state.lock:
            group_id = self._text_group_later(login_index)
            if group_id is None or state.get(group_id).get("Type") != "TEXT_AD_GROUP":
                return None
            if op == "create":
                return MutationSpec(op="create", type=Kind.AUDIENCE_TARGET, parent_id=group_id)
            targets = state.account.group_targets(group_id)
            if not targets:
                return None
            target = side.choice(targets)
            current = state.account.get(Kind.AUDIENCE_TARGET, target)
        if op == "delete":
            return MutationSpec(op="delete", type=Kind.AUDIENCE_TARGET, id=target)
        if side.random() < 0.5:
            fields: dict[str, Any] = {"State": "ON" if current["State"] == "SUSPENDED" else "SUSPENDED"}
        else:
            fields = {
                "ContextBid": side.randrange(3, 300) * 100_000,
                "StrategyPriority": side.choice(["LOW", "NORMAL", "HIGH"]),
            }
        return MutationSpec(op="update", type=Kind.AUDIENCE_TARGET, id=target, fields=fields)

    def _target_mutation(self) -> list[dict[str, Any]]:
        """One webpage or smart-ad target added, suspended or resumed, re-bid (edited, for filters) or
        deleted, from the third stream: none of it is in Changes."""
        assert self.targets is not None
        return self._first_applied(self._draw_target)

    def _draw_target(self) -> MutationSpec | None:
        rng = self.targets
        assert rng is not None
        state = self.state
        kind = rng.choice((Kind.WEBPAGE, Kind.SMART_TARGET))
        op = rng.choices(list(TARGET_WEIGHTS), weights=list(TARGET_WEIGHTS.values()))[0]
        login_index = self.login_index if self.login_index is not None else rng.randrange(len(state.config.logins))
        word = rng.choice(WORDS)
        with state.lock:
            campaigns = [
                c
                for c in state.campaign_ids(login_index)
                if state.campaign_type(c) == TARGET_CAMPAIGNS[kind] and not state.is_smart_campaign(c)
            ]
            if not campaigns:
                return None
            campaign_id = rng.choice(campaigns)
            size = state.group_count(campaign_id)
            if not size:
                return None
            position = rng.randrange(size)
            group_id = state.group_slice(campaign_id, position, position + 1)[0]
            if op == "create":
                if kind is Kind.WEBPAGE:
                    fields: dict[str, Any] = {
                        "Name": f"Страницы про {word}",
                        "Conditions": [{"Operand": "URL", "Operator": "CONTAINS_ANY", "Arguments": [word]}],
                        "ConditionType": "PAGES_SUBSET",
                    }
                else:
                    fields = {"Name": f"Фильтр {word}", "AverageCpc": rng.randrange(5, 300) * 100_000}
                return MutationSpec(op="create", type=kind, parent_id=group_id, fields=fields)
            targets = state.account.group_targets(group_id, kind)
            if not targets:
                return None
            target = rng.choice(targets)
            current = state.account.get(kind, target)
        if op == "delete":
            return MutationSpec(op="delete", type=kind, id=target)
        choice = rng.randrange(3)
        if choice == 0:
            fields = {"State": "ON" if current["State"] == "SUSPENDED" else "SUSPENDED"}
        elif kind is Kind.WEBPAGE:  # setBids, as a strategy or a user moves them
            fields = {"Bid": rng.randrange(5, 300) * 100_000, "StrategyPriority": rng.choice(["LOW", "NORMAL", "HIGH"])}
        elif choice == 1:
            fields = {"AverageCpc": rng.randrange(5, 300) * 100_000}
        else:
            fields = {"Name": f"Фильтр {word} v{rng.randrange(1000)}"}
        return MutationSpec(op="update", type=kind, id=target, fields=fields)

    def _repoint_later(self, field: str, login_index: int) -> MutationSpec | None:
        """A text ad of the login pointed at a Turbo page or a (published) business profile, or let go of it."""
        side = self.side
        state = self.state
        with state.lock:
            group_id = self._text_group_later(login_index)
            if group_id is None:
                return None
            size = state.child_count(Kind.AD, group_id)
            if not size:
                return None
            position = side.randrange(size)
            ad_id = state.child_slice(Kind.AD, group_id, position, position + 1)[0]
            if state.get(ad_id).get("Type") != "TEXT_AD":
                return None
            store = state.account
            if field == "TurboPageId":
                keys = store.pool(Kind.TURBO_PAGE, login_index)
            else:  # "The business profile cannot be linked to an ad" unless published (businesses/get)
                keys = [
                    b
                    for b in store.pool(Kind.BUSINESS, login_index)
                    if store.get(Kind.BUSINESS, b)["IsPublished"] == "YES"
                ]
        if not keys:
            return None
        value = None if side.random() < 0.2 else side.choice(keys)
        return MutationSpec(op="update", type=Kind.AD, id=ad_id, fields={"TextAd": {field: value}})

    def _pick(self, weights: dict[Any, int]) -> Any:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _login(self) -> int:
        if self.login_index is not None:
            return self.login_index
        return self.rng.randrange(len(self.state.config.logins))

    def _campaign(self, *, text_only: bool = False) -> int | None:
        state = self.state
        with state.lock:
            campaigns = state.campaign_ids(self._login())
            if text_only:  # campaigns whose groups take keywords
                campaigns = [c for c in campaigns if state.has_keywords(c)]
        return self.rng.choice(campaigns) if campaigns else None

    def _group(self, *, text_only: bool = False) -> int | None:
        campaign_id = self._campaign(text_only=text_only)
        if campaign_id is None:
            return None
        state = self.state
        with state.lock:
            size = state.group_count(campaign_id)
            if not size:
                return None
            position = self.rng.randrange(size)
            return state.group_slice(campaign_id, position, position + 1)[0]

    def _child(self, kind: Kind) -> int | None:
        group_id = self._group(text_only=kind is Kind.KEYWORD)
        if group_id is None:
            return None
        state = self.state
        with state.lock:
            size = state.child_count(kind, group_id)
            if not size:
                return None
            position = self.rng.randrange(size)
            return state.child_slice(kind, group_id, position, position + 1)[0]

    def _draw(self) -> MutationSpec | None:
        if self.state.config.account_services_mutations:
            level = self._pick({**LEVEL_WEIGHTS, "account": ACCOUNT_LEVEL_WEIGHT})
            if level == "account":
                return self._draw_account()
        else:  # the draw sequence of batches without account-level kinds stays as it always was
            level = self._pick(LEVEL_WEIGHTS)
        if level == "stat":
            campaign_id = self._campaign()
            if campaign_id is None:
                return None
            today = dt.datetime.fromtimestamp(self.state.clock.now(), dt.timezone.utc).date()
            border = today - dt.timedelta(days=self.rng.randint(1, 20))
            return MutationSpec(op="stat_correction", id=campaign_id, border_date=border)
        kind = Kind(level)
        op = self._pick(OP_WEIGHTS[kind])
        if op == "create":
            return self._draw_create(kind)
        target = self._target(kind)
        if target is None:
            return None
        if op == "delete":
            return MutationSpec(op="delete", type=kind, id=target)
        return MutationSpec(op="update", type=kind, id=target, fields=self._update_fields(kind))

    def _target(self, kind: Kind) -> int | None:
        if kind is Kind.CAMPAIGN:
            return self._campaign()
        if kind is Kind.AD_GROUP:
            return self._group()
        return self._child(kind)

    def _draw_create(self, kind: Kind) -> MutationSpec | None:
        word = self.rng.choice(WORDS)
        if kind is Kind.CAMPAIGN:
            login = self.state.login_name(self._login())
            return MutationSpec(op="create", type=kind, login=login, fields={"Name": f"Новая кампания {word}"})
        if kind is Kind.AD_GROUP:
            parent = self._campaign()
            fields: dict[str, Any] = {"Name": f"Новая группа {word}"}
        else:
            parent = self._group(text_only=kind is Kind.KEYWORD)
            fields = {"Keyword": f"{word} {self.rng.choice(WORDS)}"} if kind is Kind.KEYWORD else {}
        return None if parent is None else MutationSpec(op="create", type=kind, parent_id=parent, fields=fields)

    def _update_fields(self, kind: Kind) -> dict[str, Any]:
        rng = self.rng
        word = rng.choice(WORDS)
        choice = rng.randrange(3)
        if kind is Kind.CAMPAIGN:
            options: list[dict[str, Any]] = [
                {"Name": f"Кампания {word} v{rng.randrange(1000)}"},
                {"State": rng.choice(["ON", "OFF", "SUSPENDED"])},
                {"DailyBudget": {"Amount": rng.randrange(300, 5000) * 1_000_000, "Mode": "STANDARD"}},
            ]
        elif kind is Kind.AD_GROUP:
            options = [
                {"Name": f"Группа {word} v{rng.randrange(1000)}"},
                {"RegionIds": sorted(rng.sample(REGIONS, 2))},
                {"NegativeKeywords": {"Items": [word]}},
            ]
        elif kind is Kind.AD:
            options = [
                {"TextAd": {"Title": f"Обновлено: {word}"}},
                {"State": rng.choice(["ON", "OFF", "SUSPENDED"])},
                {"TextAd": {"Text": f"Новый текст про {word}"}},
            ]
        else:
            options = [
                {"Bid": rng.randrange(30, 3000) * 10_000},
                {"State": rng.choice(["ON", "OFF", "SUSPENDED"])},
                {"UserParam1": f"upd-{word}"},
            ]
        return options[choice]

    # -- account-level draws (only with ``account_services_mutations``) -------------------------

    def _draw_account(self) -> MutationSpec | None:
        kind, op = self._pick(ACCOUNT_WEIGHTS)
        if kind is Kind.AD:
            return self._repoint()
        if kind is Kind.KEYWORD_BID:
            keyword_id = self._child(Kind.KEYWORD)
            if keyword_id is None:
                return None
            fields: dict[str, Any] = {"SearchBid": self.rng.randrange(30, 3000) * 10_000}
            if self.rng.random() < 0.5:
                fields["NetworkBid"] = self.rng.randrange(10, 1500) * 10_000
            return MutationSpec(op="update", type=kind, id=keyword_id, fields=fields)
        if kind is Kind.DICTIONARY:
            return MutationSpec(op="update", type=kind, id=self.rng.choice(RANDOM_DICTIONARIES))
        if kind is Kind.CLIENT:
            login = self.state.login_name(self._login())
            fields = {"ClientInfo": f"Клиент {self.rng.choice(WORDS)}"}
            return MutationSpec(op="update", type=kind, login=login, fields=fields)
        if kind is Kind.BID_MODIFIER:
            return self._draw_modifier(op)
        if op == "create":
            return self._draw_account_create(kind)
        target = self._account_target(kind, unused=op == "delete")
        if target is None:
            return None
        if op == "delete":
            return MutationSpec(op="delete", type=kind, id=target)
        word = self.rng.choice(WORDS)
        fields = (
            {"Name": f"Ретаргетинг {word}"} if kind is Kind.RETARGETING_LIST else {"NegativeKeywords": [word, "даром"]}
        )
        return MutationSpec(op="update", type=kind, id=target, fields=fields)

    def _draw_account_create(self, kind: Kind) -> MutationSpec | None:
        word = self.rng.choice(WORDS)
        if kind is Kind.VCARD:
            campaign_id = self._campaign(text_only=True)
            if campaign_id is None:
                return None
            return MutationSpec(op="create", type=kind, parent_id=campaign_id, fields={"CompanyName": f"ИП {word}"})
        fields: dict[str, Any] = {}
        if kind is Kind.SITELINK_SET:
            fields = {
                "Sitelinks": [
                    {
                        "Title": "Новинки",
                        "Href": f"https://example.com/{word}",
                        "Description": None,
                        "TurboPageId": None,
                    }
                ]
            }
        elif kind is Kind.CALLOUT:
            fields = {"Callout": {"CalloutText": f"Акция: {word}"}}
        elif kind is Kind.AD_IMAGE:
            fields = {"Name": f"{word}.png"}
        elif kind is Kind.SHARED_SET:
            fields = {"Name": f"Минус-фразы {word}"}
        return MutationSpec(op="create", type=kind, login=self.state.login_name(self._login()), fields=fields)

    def _account_target(self, kind: Kind, *, unused: bool) -> int | str | None:
        """A live object of a drawn login; for deletion only one nothing uses (the API refuses the rest)."""
        state = self.state
        with state.lock:
            store = state.account
            if kind is Kind.VCARD:
                campaign_id = self._campaign(text_only=True)
                keys: list[Any] = [] if campaign_id is None else store.campaign_vcards(campaign_id)
            else:
                keys = store.pool(kind, self._login())
            if unused:
                keys = [key for key in keys if not store.is_used(kind, key)]
        return self.rng.choice(keys) if keys else None

    def _draw_modifier(self, op: str) -> MutationSpec | None:
        state = self.state
        if op == "create":
            owner = self._group(text_only=True) if self.rng.random() < 0.5 else self._campaign(text_only=True)
            return None if owner is None else MutationSpec(op="create", type=Kind.BID_MODIFIER, parent_id=owner)
        group_id = self._group(text_only=True)
        if group_id is None:
            return None
        with state.lock:
            modifiers = state.account.group_modifiers(group_id) + state.account.campaign_modifiers(
                state.parent_of(group_id)
            )
        if not modifiers:
            return None
        target = self.rng.choice(modifiers)
        if op == "delete":
            return MutationSpec(op="delete", type=Kind.BID_MODIFIER, id=target)
        return MutationSpec(
            op="update", type=Kind.BID_MODIFIER, id=target, fields={"BidModifier": self.rng.randrange(5, 60) * 10}
        )

    def _repoint(self) -> MutationSpec | None:
        """An ad update pointing the ad at another sitelink set, vCard, image or callouts of its login."""
        ad_id = self._child(Kind.AD)
        if ad_id is None:
            return None
        state = self.state
        with state.lock:
            if state.get(ad_id).get("Type") != "TEXT_AD":
                return None
            campaign_id = state.campaign_of(ad_id)
            login_index = state.login_of(ad_id)
            store = state.account
            choice = self.rng.randrange(4)
            keys: list[Any]
            if choice == 0:
                field, keys = "SitelinkSetId", store.pool(Kind.SITELINK_SET, login_index)
            elif choice == 1:
                field, keys = "VCardId", store.campaign_vcards(campaign_id)
            elif choice == 2:
                field, keys = "AdImageHash", store.pool(Kind.AD_IMAGE, login_index)
            else:
                field, keys = "AdExtensions", store.pool(Kind.CALLOUT, login_index)
        if not keys:
            return None
        if self.rng.random() < 0.2:
            value: Any = None  # the ad stops using it
        elif field == "AdExtensions":
            value = [{"AdExtensionId": key, "Type": "CALLOUT"} for key in self.rng.sample(keys, min(2, len(keys)))]
        else:
            value = self.rng.choice(keys)
        return MutationSpec(op="update", type=Kind.AD, id=ad_id, fields={"TextAd": {field: value}})
