"""Deterministic per-ad, per-day statistics and their corrections.

Nothing is stored for a date range: an ad-day is a splitmix64 hash of (seed, ad id, date), and every
coarser row (ad group, campaign, account) is the sum of its ads' rows, so the levels always agree.
Corrections (``AccountState.stat_factors``) scale a campaign-day's clicks; cost, conversions, revenue
and bounces follow the clicks, which is how false-click filtering changes real statistics.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from airflow_provider_direct.emulator.data import mix
from airflow_provider_direct.emulator.ids import CREATED_BASE, Kind
from airflow_provider_direct.emulator.reports import segments
from airflow_provider_direct.emulator.state import AccountState

Level = Literal["account", "campaign", "ad_group", "ad"]
MICROS_PER_CENT = 10_000  # money is generated in whole kopecks, so 2-decimal output is exact


class StatRow(NamedTuple):
    """One report row; dimensions the level does not have are None."""

    date: int | None  # date ordinal
    campaign_id: int | None
    group_id: int | None
    ad_id: int | None
    impressions: int
    clicks: int
    cost: int  # micros
    conversions: int
    revenue: int  # micros
    bounces: int
    dims: tuple[Any, ...] = ()  # values of the report's dimension fields, in their order


Metrics = tuple[int, int, int, int, int, int]


class StatsEngine:
    """Pure statistics of one seed; ``ad_day`` is the only place numbers are invented."""

    def __init__(self, seed: int) -> None:
        self.salt = mix(0x57A75, seed)

    def ad_day(self, ad_id: int, ordinal: int, factor: float = 1.0, include_vat: bool = True) -> Metrics | None:
        """Metrics of one ad on one day, None for a day without impressions (the API omits such rows)."""
        base = mix(self.salt, ad_id)
        h = mix(base, ordinal)
        if h & 7 == 0:
            return None
        impressions = 20 + (base & 1023) + (h >> 3) % 400
        clicks = impressions * ((base >> 10) % 60 + (h >> 12) % 20) // 1000
        if factor != 1.0:
            clicks = min(impressions, int(clicks * factor))
        cpc_cents = 300 + (base >> 20) % 4000 + (h >> 20) % 500
        if not include_vat:
            cpc_cents = cpc_cents * 5 // 6  # prices include 20 % VAT
        conversions = clicks * ((h >> 32) % 12) // 100
        value_cents = 5_000 + (base >> 32) % 50_000
        bounces = clicks * (10 + (h >> 40) % 40) // 100
        return (
            impressions,
            clicks,
            clicks * cpc_cents * MICROS_PER_CENT,
            conversions,
            conversions * value_cents * MICROS_PER_CENT,
            bounces,
        )


@dataclass
class IdFilter:
    """Include/exclude sets for CampaignId, AdGroupId and AdId (Reports ``Filter`` on ids)."""

    include: dict[str, frozenset[int]] = field(default_factory=dict)
    exclude: dict[str, frozenset[int]] = field(default_factory=dict)

    def allows(self, name: str, value: int) -> bool:
        inc = self.include.get(name)
        if inc is not None and value not in inc:
            return False
        exc = self.exclude.get(name)
        return exc is None or value not in exc

    def restricts(self, name: str) -> bool:
        return name in self.include or name in self.exclude


class ReportScope:
    """The ads a report covers (one login, filtered), listed lazily per campaign.

    Untouched base campaigns keep their ads as a ``range`` (no memory); only campaigns that mutations
    touched are walked, so a 2 000 000-row report holds ids of the touched campaigns at most.
    """

    def __init__(self, state: AccountState, login_index: int, ids: IdFilter) -> None:
        self.state = state
        self.ids = ids
        self._ads: dict[int, Sequence[int]] = {}
        with state.lock:
            self.campaigns = [c for c in state.campaign_ids(login_index) if ids.allows("CampaignId", c)]

    def ads(self, campaign_id: int) -> Sequence[int]:
        cached = self._ads.get(campaign_id)
        if cached is None:
            cached = self._ads[campaign_id] = self._list_ads(campaign_id)
        return cached

    def _list_ads(self, campaign_id: int) -> Sequence[int]:
        state = self.state
        layout = state.layout
        with state.lock:
            log = state.log
            if (
                campaign_id < CREATED_BASE
                and campaign_id not in log.groups_by_campaign
                and (campaign_id not in log.ads_by_campaign)
            ):
                first = layout.ad_id(layout.first_group(campaign_id), 0)
                ads: Sequence[int] = range(first, first + layout.groups * layout.ads)
            else:
                ads = [a for g in state.group_ids(campaign_id) for a in state.child_ids(Kind.AD, g)]
        if self.ids.restricts("AdId") or self.ids.restricts("AdGroupId"):
            ads = [a for a in ads if self.ids.allows("AdId", a) and self.ids.allows("AdGroupId", state.parent_of(a))]
        return ads

    def estimate(self, level: Level, days: int) -> int:
        """Upper bound of the rows (every entity on every day); decides online vs offline and build time."""
        state = self.state
        with state.lock:
            if level == "account":
                entities = 1 if self.campaigns else 0
            elif level == "campaign":
                entities = len(self.campaigns)
            elif level == "ad_group":
                entities = sum(state.group_count(c) for c in self.campaigns)
            else:
                entities = sum(state.campaign_child_count(Kind.AD, c) for c in self.campaigns)
        return entities * max(days, 1)


def _key_width(level: Level) -> int:
    return {"account": 1, "campaign": 2, "ad_group": 3, "ad": 4}[level]


def iter_stats(
    engine: StatsEngine,
    scope: ReportScope,
    level: Level,
    days: range,
    *,
    by_date: bool,
    include_vat: bool = True,
    dims: tuple[str, ...] = (),
    search_only: bool = False,
) -> Iterator[StatRow]:
    """Rows sorted by Date, CampaignId, AdGroupId, AdId (then the dimension values); computed ad by ad,
    summed on the fly. With ``dims`` (or ``search_only``) each ad-day is split into its segments."""
    if dims or search_only:
        yield from _sliced_rows(engine, scope, level, days, by_date, include_vat, dims, search_only)
        return
    ad_rows = _ad_rows(engine, scope, days, by_date, include_vat)
    if level == "ad":  # the common big case: no aggregation
        yield from ad_rows
        return
    width = _key_width(level)
    current: tuple[Any, ...] | None = None
    sums = [0, 0, 0, 0, 0, 0]
    for row in ad_rows:
        key: tuple[Any, ...] = row[:width]
        if key != current:
            if current is not None and sums[0]:
                yield _row(current, sums)
            current = key
            sums = [0, 0, 0, 0, 0, 0]
        sums[0] += row.impressions
        sums[1] += row.clicks
        sums[2] += row.cost
        sums[3] += row.conversions
        sums[4] += row.revenue
        sums[5] += row.bounces
    if current is not None and sums[0]:
        yield _row(current, sums)


def _row(key: tuple[Any, ...], sums: list[int], dims: tuple[Any, ...] = ()) -> StatRow:
    """A row of the first ``len(key)`` ids (date, campaign, group, ad; the rest None) and six sums."""
    padded = (*key, None, None, None, None)
    impressions, clicks, cost, conversions, revenue, bounces = sums
    return StatRow(
        padded[0], padded[1], padded[2], padded[3], impressions, clicks, cost, conversions, revenue, bounces, dims
    )


def _ad_rows(
    engine: StatsEngine, scope: ReportScope, days: range, by_date: bool, include_vat: bool
) -> Iterator[StatRow]:
    state = scope.state
    factors = state.stat_factors
    parent_of = state.parent_of
    ad_day = engine.ad_day
    if by_date:
        for ordinal in days:
            for campaign_id in scope.campaigns:
                factor = factors.get((campaign_id, ordinal), 1.0)
                for ad_id in scope.ads(campaign_id):
                    m = ad_day(ad_id, ordinal, factor, include_vat)
                    if m is not None:
                        yield StatRow(ordinal, campaign_id, parent_of(ad_id), ad_id, *m)
        return
    for campaign_id in scope.campaigns:
        for ad_id in scope.ads(campaign_id):
            total = [0, 0, 0, 0, 0, 0]
            for ordinal in days:
                m = ad_day(ad_id, ordinal, factors.get((campaign_id, ordinal), 1.0), include_vat)
                if m is not None:
                    for i in range(6):
                        total[i] += m[i]
            if total[0]:
                yield _row((None, campaign_id, parent_of(ad_id), ad_id), total)


def goal_share(goal: str, model: str) -> int:
    """The share (20..80 %) of a row's conversions and revenue credited to one goal under one model.

    The emulator has no visits to attribute; a fixed share per (goal, model) keeps every per-goal column
    deterministic and below the all-goals total, and differs between models as real attribution does.
    """
    digest = hashlib.blake2b(f"{goal}/{model}".encode(), digest_size=4).digest()
    return 20 + int.from_bytes(digest, "big") % 61


def _criterion(state: AccountState) -> segments.Criterion:
    """(CriterionId, Criterion, CriterionType) of a slice: a keyword of the ad's group, else autotargeting."""
    layout = state.layout
    cache: dict[tuple[int, int], tuple[int | None, str, str]] = {}

    def criterion(ad_id: int, h: int) -> tuple[int | None, str, str]:
        group_id = state.parent_of(ad_id)
        campaign_id = state.parent_of(group_id)
        if group_id >= CREATED_BASE or not layout.keywords or not state.has_keywords(campaign_id):
            return None, "---autotargeting", "AUTOTARGETING"
        key = (group_id, h % layout.keywords)
        found = cache.get(key)
        if found is None:
            keyword_id = layout.keyword_id(group_id, key[1])
            found = cache[key] = (keyword_id, str(state.get(keyword_id)["Keyword"]), "KEYWORD")
        return found

    return criterion


def _sliced_rows(
    engine: StatsEngine,
    scope: ReportScope,
    level: Level,
    days: range,
    by_date: bool,
    include_vat: bool,
    dims: tuple[str, ...],
    search_only: bool,
) -> Iterator[StatRow]:
    """Segment rows grouped by the level's ids and the requested dimension values (flushed per campaign, or
    per day for account-level reports, so at most one campaign's groups are held)."""
    state = scope.state
    factors = state.stat_factors
    criterion = _criterion(state)
    acc: dict[tuple[Any, ...], list[int]] = {}

    def flush() -> Iterator[StatRow]:
        for key in sorted(acc, key=lambda k: tuple((v is None, v) for v in k)):
            sums = acc[key]
            if sums[0]:
                yield _row(key[:4], sums, key[4:])
        acc.clear()

    def add(ordinal: int, campaign_id: int) -> None:
        factor = factors.get((campaign_id, ordinal), 1.0)
        for ad_id in scope.ads(campaign_id):
            metrics = engine.ad_day(ad_id, ordinal, factor, include_vat)
            if metrics is None:
                continue
            group_id = state.parent_of(ad_id)
            for values, part in segments.slices(engine.salt, ad_id, ordinal, metrics, criterion):
                if search_only and values["AdNetworkType"] != "SEARCH":
                    continue
                key = (
                    ordinal if by_date else None,
                    None if level == "account" else campaign_id,
                    group_id if level in ("ad_group", "ad") else None,
                    ad_id if level == "ad" else None,
                    *(values[d] for d in dims),
                )
                sums = acc.setdefault(key, [0, 0, 0, 0, 0, 0])
                for i in range(6):
                    sums[i] += part[i]

    if by_date:
        for ordinal in days:
            for campaign_id in scope.campaigns:
                add(ordinal, campaign_id)
                if level != "account":
                    yield from flush()
            yield from flush()
    else:
        for campaign_id in scope.campaigns:
            for ordinal in days:
                add(ordinal, campaign_id)
            if level != "account":
                yield from flush()
        yield from flush()


def today(state: AccountState) -> dt.date:
    """The emulator's current UTC date: statistics exist up to and including it."""
    return dt.datetime.fromtimestamp(state.clock.now(), dt.timezone.utc).date()


def truth_rows(
    engine: StatsEngine,
    state: AccountState,
    login_index: int,
    date_from: dt.date,
    date_to: dt.date,
    level: Level,
    goals: Sequence[str] = (),
    models: Sequence[str] = (),
    dims: Sequence[str] = (),
    search_only: bool = False,
) -> Iterator[dict[str, object]]:
    """Ground truth for ``/admin/stats/truth``: the same rows a per-day report returns, as JSON objects.

    With ``goals`` and ``models`` each row also carries ``Conversions_<goal>_<model>`` and
    ``Revenue_<goal>_<model>``, as a report with those Goals and AttributionModels does.
    """
    last = min(date_to, today(state)).toordinal()
    scope = ReportScope(state, login_index, IdFilter())
    days = range(date_from.toordinal(), last + 1)
    for row in iter_stats(engine, scope, level, days, by_date=True, dims=tuple(dims), search_only=search_only):
        out: dict[str, object] = {"Date": dt.date.fromordinal(row.date or 0).isoformat()}
        if row.campaign_id is not None:
            out["CampaignId"] = row.campaign_id
        if row.group_id is not None:
            out["AdGroupId"] = row.group_id
        if row.ad_id is not None:
            out["AdId"] = row.ad_id
        out.update(zip(dims, row.dims, strict=True))
        out.update(
            Impressions=row.impressions,
            Clicks=row.clicks,
            Cost=row.cost,
            Conversions=row.conversions,
            Revenue=row.revenue,
            Bounces=row.bounces,
        )
        for goal in goals:
            for model in models:
                share = goal_share(goal, model)
                out[f"Conversions_{goal}_{model}"] = row.conversions * share // 100
                out[f"Revenue_{goal}_{model}"] = row.revenue * share // 100
        yield out
