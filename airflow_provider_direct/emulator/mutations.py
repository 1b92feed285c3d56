"""Admin-driven changes to the account: explicit mutation lists and seeded random batches.

Random batches touch every level (campaigns, groups, ads, keywords, statistics), smart-banner campaigns
included, so an incremental sync is exercised on the same mix of events production produces.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from airflow_provider_direct.emulator.clock import format_timestamp
from airflow_provider_direct.emulator.data import REGIONS, WORDS, mix
from airflow_provider_direct.emulator.ids import Kind
from airflow_provider_direct.emulator.state import AccountState, StateError

Operation = Literal["create", "update", "delete", "stat_correction"]


class MutationSpec(BaseModel):
    """One explicit mutation; ``parent_id`` (or ``login`` for campaigns) is needed only to create."""

    model_config = ConfigDict(extra="forbid")

    op: Operation
    type: Kind = Kind.CAMPAIGN
    id: int | None = None
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
        if spec.op == "create":
            return _create(state, spec)
        if spec.id is None:
            raise StateError(f"{spec.op} needs an id")
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


class RandomMutator:
    """Draws plausible mutations against live objects from a seeded RNG."""

    def __init__(self, state: AccountState, rng: random.Random, login_index: int | None) -> None:
        self.state = state
        self.rng = rng
        self.login_index = login_index

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
        return applied

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
            if text_only:
                campaigns = [c for c in campaigns if not state.is_smart_campaign(c)]
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
