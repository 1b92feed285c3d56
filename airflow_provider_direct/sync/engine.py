"""Incremental sync of one client login's account structure into the warehouse.

First run (or ``full_refresh``): take the server time, read everything, commit with that EARLIER
time as the watermark, so changes made during the read are caught next run. Later runs: ask
``Changes.checkCampaigns`` what changed since the watermark and read only that. Objects the API no
longer has are soft-deleted. The watermark and the data it covers are committed in one transaction.

A full snapshot commits campaign chunk by chunk with a checkpoint (not the watermark), so one that
runs out of units resumes where it stopped instead of paying for the whole account again.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from airflow_provider_direct.exceptions import DirectRequestError
from airflow_provider_direct.hooks.direct import MAX_CONCURRENT_REQUESTS, RESULT_KEYS, DirectHook, chunked
from airflow_provider_direct.models.direct import ChangeKind
from airflow_provider_direct.sync.budget import UnitsBudget
from airflow_provider_direct.sync.fields import (
    AD_FIELDS,
    AD_GROUP_FIELDS,
    CAMPAIGN_FIELDS,
    CAMPAIGN_LISTING_FIELDS,
    KEYWORD_FIELDS,
    ad_extra_params,
    ad_group_extra_params,
    campaign_extra_params,
)
from airflow_provider_direct.sync.planner import plan_campaigns, plan_children
from airflow_provider_direct.sync.prefetch import Prefetcher, Stream
from airflow_provider_direct.warehouse.schema import (
    AD_GROUPS,
    ADS,
    ARCHIVED,
    CAMPAIGNS,
    KEYWORDS,
    OBJECT_TABLES,
    ObjectTable,
)
from airflow_provider_direct.warehouse.store import DirectWarehouse, SyncState, WarehouseTransaction, utcnow

log = logging.getLogger(__name__)

#: Children are read by chunks of this many campaigns: the ``CampaignIds`` cap of AdGroups/Ads/Keywords.get.
SNAPSHOT_CAMPAIGN_CHUNK = 10
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class SyncResult:
    """Summary of one run: small and JSON-safe (XCom, asset extras, the run log)."""

    client_login: str
    mode: str
    status: str = "success"
    watermark_from: str | None = None
    watermark_to: str | None = None
    upserted: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    units_spent: int = 0
    skipped_campaigns: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duration_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _ChunkPrice:
    """What one snapshot chunk costs, learned from the ledger as chunks commit (with a margin).

    Reads run ahead of commits, so the units spent when a chunk commits include part of the next
    ones: the average per committed chunk over-estimates, which is the safe side of a budget.
    """

    MARGIN = 1.25

    def __init__(self, spent_at_start: int) -> None:
        self.start = spent_at_start
        self.spent = spent_at_start
        self.chunks = 0

    def committed(self, spent_now: int) -> None:
        self.chunks += 1
        self.spent = spent_now

    def estimate(self) -> int | None:
        if not self.chunks:
            return None
        return math.ceil((self.spent - self.start) / self.chunks * self.MARGIN)


class _Tracked:
    """Pass objects through while remembering their ids (to tell what a ``get`` did not return).

    ``archived`` collects the ids of ARCHIVED ones: for campaigns, whose keywords the API hides.
    """

    def __init__(self, objects: Iterable[dict[str, Any]]) -> None:
        self._objects = objects
        self.ids: set[int] = set()
        self.archived: set[int] = set()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for obj in self._objects:
            self.ids.add(obj["Id"])
            if obj.get("State") == ARCHIVED:
                self.archived.add(obj["Id"])
            yield obj


def _remember_parents(objects: Iterable[dict[str, Any]], parents: dict[int, Any]) -> Iterator[dict[str, Any]]:
    """Pass objects through, noting each one's CampaignId."""
    for obj in objects:
        parents[obj["Id"]] = obj.get("CampaignId")
        yield obj


class DirectIncrementalSync:
    """
    Keep one client login's campaigns, ad groups, ads and keywords current in the warehouse.

    :param hook: a DirectHook (its units ledger measures the run's cost).
    :param warehouse: the target warehouse.
    :param client_login: the advertiser to sync (sent as Client-Login).
    :param reconcile_every: how often the campaign list is reconciled from Campaigns.get, so a
        campaign Changes never reported still arrives (seed 004, second pitfall).
    :param max_watermark_age: an older watermark is not trusted (the API's change-history retention
        is undocumented): the run falls back to a full snapshot.
    :param max_concurrency: simultaneous requests of a full snapshot (the API allows 5 per advertiser).
    :param budget: a units budget for the run. A full snapshot then stops at a chunk boundary when the
        next chunk's estimated price no longer fits, keeps its checkpoint, and resumes next run. An
        incremental run is not cut: a partial one could not move the watermark, so it would pay twice.
    :param on_checkpoint: called with the full snapshot's progress after each committed chunk and at
        its end (the operator shows it in the task state store); the warehouse keeps the checkpoint itself.
    """

    def __init__(
        self,
        hook: DirectHook,
        warehouse: DirectWarehouse,
        client_login: str,
        *,
        reconcile_every: dt.timedelta = dt.timedelta(days=1),
        max_watermark_age: dt.timedelta = dt.timedelta(days=30),
        clock: Callable[[], dt.datetime] = utcnow,
        max_concurrency: int = MAX_CONCURRENT_REQUESTS,
        budget: UnitsBudget | None = None,
        on_checkpoint: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        if not 1 <= max_concurrency <= MAX_CONCURRENT_REQUESTS:
            raise ValueError(f"max_concurrency must be within 1..{MAX_CONCURRENT_REQUESTS} (the API's limit)")
        self.max_concurrency = max_concurrency
        self.hook = hook
        self.warehouse = warehouse
        self.login = client_login
        self.reconcile_every = reconcile_every
        self.max_watermark_age = max_watermark_age
        self.clock = clock
        self.budget = budget
        self.on_checkpoint = on_checkpoint
        self._units_before = 0

    # ------------------------------------------------------------------ entry point

    def run(self, full_refresh: bool = False) -> SyncResult:
        """Sync once. Raises ``DirectUnitsExhaustedError`` at a consistent point when units run out."""
        started = time.monotonic()
        units_before = self._units_before = self.hook.units.spent
        state = self.warehouse.read_state(self.login) or SyncState(self.login)
        reason = self._full_snapshot_reason(state, full_refresh)
        if reason:
            log.info("Full snapshot of %s: %s", self.login, reason)
            result = self._full_snapshot(state, restart=full_refresh)
            result.notes.insert(0, reason)
        else:
            try:
                result = self._incremental(state)
            except DirectRequestError as exc:
                if "Timestamp" not in str(exc):
                    raise
                log.warning("Watermark %s rejected (%s): falling back to a full snapshot", state.watermark, exc)
                result = self._full_snapshot(state, restart=True)
                result.notes.insert(0, f"watermark rejected by the API: {exc}")
        result.units_spent = self.hook.units.spent - units_before
        result.duration_seconds = round(time.monotonic() - started, 3)
        return result

    def _full_snapshot_reason(self, state: SyncState, full_refresh: bool) -> str | None:
        if full_refresh:
            return "full refresh requested"
        if state.snapshot_started_at is not None:
            return "resuming an unfinished full snapshot"
        if not state.watermark:
            return "no watermark yet"
        try:
            watermark = dt.datetime.strptime(state.watermark, TIMESTAMP_FORMAT).replace(tzinfo=dt.timezone.utc)
        except ValueError:
            return f"unreadable watermark {state.watermark!r}"
        if self.clock() - watermark > self.max_watermark_age:
            return f"watermark {state.watermark} is older than {self.max_watermark_age}"
        return None

    # ------------------------------------------------------------------ full snapshot

    def _full_snapshot(self, state: SyncState, restart: bool) -> SyncResult:
        result = SyncResult(self.login, "full", watermark_from=state.watermark)
        upserted = {t.table: 0 for t in OBJECT_TABLES}
        deleted = {t.table: 0 for t in OBJECT_TABLES}
        if restart or state.snapshot_started_at is None:
            # Server time FIRST: changes made while we read are newer than it, so the next run sees them.
            server_time = self.hook.check_dictionaries(client_login=self.login).Timestamp
            state.snapshot_started_at = self.clock()
            state.snapshot_watermark = server_time
            state.snapshot_done_campaigns = []
            with self.warehouse.transaction() as tx:
                tx.write_state(state)
        began = state.snapshot_started_at
        done = set(state.snapshot_done_campaigns)

        with self.warehouse.transaction() as tx:
            campaigns = _Tracked(
                self.hook.iter_objects(
                    "campaigns",
                    {},
                    CAMPAIGN_FIELDS,
                    extra_params=campaign_extra_params(self.hook.api_version),
                    client_login=self.login,
                )
            )
            tx.upsert_objects(CAMPAIGNS, self.login, campaigns, self.clock())
            self._add(upserted, tx.upserted)
        campaign_ids = sorted(campaigns.ids)
        if campaigns.archived:
            result.notes.append(f"{len(campaigns.archived)} archived campaigns: their keywords are kept as they were")

        pending = [c for c in campaign_ids if c not in done]
        chunks = iter(chunked(pending, SNAPSHOT_CAMPAIGN_CHUNK))
        price = _ChunkPrice(self.hook.units.spent)
        with Prefetcher(self.max_concurrency, buffer=1) as prefetch:
            # Chunks are read ahead by up to ``max_concurrency`` requests, and committed in order.
            ahead: deque[tuple[list[int], list[int], list[tuple[ObjectTable, Stream[dict[str, Any]]]]]] = deque()

            def read_ahead(uncommitted: int) -> None:
                """Open chunks up to the request limit and, with a budget, up to what it affords."""
                while len(ahead) + uncommitted < self.max_concurrency and self._affords_chunk(
                    price, len(ahead) + uncommitted + 1
                ):
                    following = next(chunks, None)
                    if following is None:
                        return
                    ahead.append(self._open_children(prefetch, following, campaigns.archived))

            read_ahead(0)
            while ahead:
                chunk, readable, streams = ahead.popleft()
                read_ahead(1)  # the next chunks are read while this one is written
                with self.warehouse.transaction() as tx:
                    now = self.clock()
                    for table, pages in streams:
                        key = RESULT_KEYS[table.service]
                        tx.upsert_objects(table, self.login, (o for page in pages for o in page.get(key) or ()), now)
                    # Whatever these campaigns had before this snapshot and did not return now is gone;
                    # keywords only where the API shows them.
                    for table, parents in ((AD_GROUPS, chunk), (ADS, chunk), (KEYWORDS, readable)):
                        if parents:
                            tx.soft_delete(table, self.login, now, campaign_ids=parents, unseen_since=began)
                    done.update(chunk)
                    state.snapshot_done_campaigns = sorted(done)
                    tx.write_state(state)
                self._add(upserted, tx.upserted)
                self._add(deleted, tx.deleted)
                price.committed(self.hook.units.spent)
                self._checkpoint(state, len(done), len(campaign_ids), complete=False)
                read_ahead(0)

        left = sum(1 for c in pending if c not in done)
        if left:  # the budget stopped it: the checkpoint keeps what is done, the next run resumes
            result.status = "partial"
            result.notes.append(
                f"units budget reached: {left} of {len(campaign_ids)} campaigns wait for the next run "
                "(the full snapshot resumes from its checkpoint)"
            )
            result.upserted, result.deleted = upserted, deleted
            return result

        with self.warehouse.transaction() as tx:
            now = self.clock()
            for table in OBJECT_TABLES:  # absent from the snapshot: campaigns and any orphaned children
                tx.soft_delete(table, self.login, now, unseen_since=began, keep_archived=table is KEYWORDS)
            state.watermark = state.snapshot_watermark
            state.last_full_snapshot_at = began
            state.last_reconcile_at = began
            state.snapshot_started_at = None
            state.snapshot_watermark = None
            state.snapshot_done_campaigns = []
            tx.write_state(state)
            self._add(deleted, tx.deleted)
            result.watermark_to = state.watermark
            result.upserted, result.deleted = upserted, deleted
            self._log_run(tx, result, began)
        self._checkpoint(state, len(done), len(campaign_ids), complete=True, began=began)
        return result

    def _checkpoint(
        self, state: SyncState, done: int, total: int, *, complete: bool, began: dt.datetime | None = None
    ) -> None:
        """Report the committed checkpoint (counts only: the campaign list stays in the warehouse)."""
        if self.on_checkpoint is None:
            return
        started = began or state.snapshot_started_at
        self.on_checkpoint(
            {
                "login": self.login,
                "started_at": started.isoformat() if isinstance(started, dt.datetime) else started,
                "campaigns_done": done,
                "campaigns_total": total,
                "complete": complete,
                "watermark": state.watermark if complete else state.snapshot_watermark,
            }
        )

    def _affords_chunk(self, price: _ChunkPrice, in_flight: int) -> bool:
        """Whether a chunk fits the budget when ``in_flight`` chunks (it included) are uncommitted."""
        remaining = None if self.budget is None else self.budget.remaining()
        if remaining is None:
            return True
        estimate = price.estimate()
        if estimate is None:  # no chunk priced yet: one at a time until one is
            return in_flight <= 1
        return remaining - (in_flight - 1) * estimate >= estimate

    def _open_children(
        self, prefetch: Prefetcher, chunk: list[int], archived: set[int]
    ) -> tuple[list[int], list[int], list[tuple[ObjectTable, Stream[dict[str, Any]]]]]:
        """Start reading the groups and ads of ``chunk`` and the keywords of its not archived campaigns."""
        readable = [c for c in chunk if c not in archived]
        login, h = self.login, self.hook

        def pages(service: str, campaigns: list[int], fields: list[str], extra: dict[str, Any] | None = None) -> Any:
            return lambda: h.iter_pages(
                service, {"CampaignIds": campaigns}, fields, extra_params=extra, client_login=login
            )

        streams = [
            (
                AD_GROUPS,
                prefetch.stream(pages("adgroups", chunk, AD_GROUP_FIELDS, ad_group_extra_params(h.api_version))),
            ),
            (ADS, prefetch.stream(pages("ads", chunk, AD_FIELDS, ad_extra_params(h.api_version)))),
        ]
        if readable:
            streams.append((KEYWORDS, prefetch.stream(pages("keywords", readable, KEYWORD_FIELDS))))
        return chunk, readable, streams

    # ------------------------------------------------------------------ incremental

    def _incremental(self, state: SyncState) -> SyncResult:
        assert state.watermark is not None
        result = SyncResult(self.login, "incremental", watermark_from=state.watermark)
        since = state.watermark
        h = self.hook
        login = self.login
        answer = h.check_campaigns(since, client_login=login)
        known = set(self.warehouse.live_ids(CAMPAIGNS, login))
        archived = set(self.warehouse.live_ids(CAMPAIGNS, login, state=ARCHIVED))

        with self.warehouse.transaction() as tx:
            now = self.clock()
            refetch = [c.CampaignId for c in answer.Campaigns if ChangeKind.SELF in c.ChangesIn]
            gone_campaigns: set[int] = set()
            if self._reconcile_due(state, now):
                listing = {
                    c["Id"] for c in h.iter_objects("campaigns", {}, CAMPAIGN_LISTING_FIELDS, client_login=login)
                }
                refetch.extend(sorted(listing - known))
                gone_campaigns |= known - listing
                state.last_reconcile_at = now
                result.notes.append(
                    f"campaign list reconciled: {len(listing - known)} new, {len(known - listing)} gone"
                )
            refetched = self._refetch_campaigns(tx, refetch, now)
            fetched = refetched.ids
            # An unarchived campaign's keywords are visible again: read them whole, as a snapshot does.
            unarchived = sorted((archived & fetched) - refetched.archived)
            archived = (archived - fetched) | refetched.archived
            self._reread_keywords(tx, unarchived, now)
            # SELF but not returned: deleted if we had it; otherwise a campaign the API cannot read.
            gone_campaigns |= (set(refetch) - fetched) & known
            unreadable = set(refetch) - fetched - known

            readable = (known | fetched) - gone_campaigns
            plan = plan_campaigns(answer, readable)
            skipped = sorted(unreadable | set(plan.unknown_children))
            if skipped:
                log.warning(
                    "Skipping %d campaigns the API does not return (e.g. smart banners): %s", len(skipped), skipped[:20]
                )
            result.skipped_campaigns = skipped

            if plan.check_children:
                changes = plan_children(
                    h.check(since, plan.check_field_names, campaign_ids=plan.check_children, client_login=login)
                )
                gone_campaigns |= set(changes.deleted_campaigns)
                self._apply_group_changes(tx, changes.ad_groups, archived, now)
                self._apply_ad_changes(tx, changes.ads, now)
                tx.record_restatements(login, changes.stats, now)

            if gone_campaigns:
                ids = sorted(gone_campaigns)
                tx.soft_delete(CAMPAIGNS, login, now, ids=ids)
                for table in (AD_GROUPS, ADS, KEYWORDS):
                    tx.soft_delete(table, login, now, campaign_ids=ids)

            state.watermark = answer.Timestamp
            tx.write_state(state)
            result.watermark_to = state.watermark
            result.upserted, result.deleted = dict(tx.upserted), dict(tx.deleted)
            self._log_run(tx, result, now)
        return result

    def _reconcile_due(self, state: SyncState, now: dt.datetime) -> bool:
        last = state.last_reconcile_at
        return last is None or now - last >= self.reconcile_every

    def _refetch_campaigns(self, tx: WarehouseTransaction, ids: Sequence[int], now: dt.datetime) -> _Tracked:
        tracked = _Tracked(
            self.hook.iter_objects(
                "campaigns",
                {"Ids": list(ids)},
                CAMPAIGN_FIELDS,
                extra_params=campaign_extra_params(self.hook.api_version),
                client_login=self.login,
            )
            if ids
            else ()
        )
        tx.upsert_objects(CAMPAIGNS, self.login, tracked, now)
        return tracked

    def _reread_keywords(self, tx: WarehouseTransaction, campaign_ids: Sequence[int], now: dt.datetime) -> None:
        """Every keyword of these campaigns; those they no longer return are deleted."""
        for chunk in chunked(list(campaign_ids), SNAPSHOT_CAMPAIGN_CHUNK):
            keywords = self.hook.iter_objects(
                "keywords", {"CampaignIds": chunk}, KEYWORD_FIELDS, client_login=self.login
            )
            tx.upsert_objects(KEYWORDS, self.login, keywords, now)
            tx.soft_delete(KEYWORDS, self.login, now, campaign_ids=chunk, unseen_since=now)

    def _apply_group_changes(
        self, tx: WarehouseTransaction, group_ids: Sequence[int], archived: set[int], now: dt.datetime
    ) -> None:
        if not group_ids:
            return
        login = self.login
        parents: dict[int, int] = {}
        groups = _Tracked(
            _remember_parents(
                self.hook.iter_objects(
                    "adgroups",
                    {"Ids": list(group_ids)},
                    AD_GROUP_FIELDS,
                    extra_params=ad_group_extra_params(self.hook.api_version),
                    client_login=login,
                ),
                parents,
            )
        )
        tx.upsert_objects(AD_GROUPS, login, groups, now)
        gone = sorted(set(group_ids) - groups.ids)
        if gone:
            tx.soft_delete(AD_GROUPS, login, now, ids=gone)
            tx.soft_delete(ADS, login, now, ad_group_ids=gone)
            tx.soft_delete(KEYWORDS, login, now, ad_group_ids=gone)
        # Groups of archived campaigns keep their keywords as they were: the API would return none.
        live = sorted(g for g in groups.ids if parents.get(g) not in archived)
        if live:
            # Keyword changes are reported as group changes: re-read the groups' keywords whole,
            # and what they no longer return is deleted.
            keywords = self.hook.iter_objects("keywords", {"AdGroupIds": live}, KEYWORD_FIELDS, client_login=login)
            tx.upsert_objects(KEYWORDS, login, keywords, now)
            tx.soft_delete(KEYWORDS, login, now, ad_group_ids=live, unseen_since=now)

    def _apply_ad_changes(self, tx: WarehouseTransaction, ad_ids: Sequence[int], now: dt.datetime) -> None:
        if not ad_ids:
            return
        ads = _Tracked(
            self.hook.iter_objects(
                "ads",
                {"Ids": list(ad_ids)},
                AD_FIELDS,
                extra_params=ad_extra_params(self.hook.api_version),
                client_login=self.login,
            )
        )
        tx.upsert_objects(ADS, self.login, ads, now)
        gone = sorted(set(ad_ids) - ads.ids)
        if gone:
            tx.soft_delete(ADS, self.login, now, ids=gone)

    # ------------------------------------------------------------------ bookkeeping

    @staticmethod
    def _add(total: dict[str, int], part: dict[str, int]) -> None:
        for key, value in part.items():
            total[key] = total.get(key, 0) + value

    def _log_run(self, tx: WarehouseTransaction, result: SyncResult, started_at: dt.datetime) -> None:
        finished = self.clock()
        tx.log_run(
            {
                **result.as_dict(),
                "started_at": started_at,
                "finished_at": finished,
                "duration_seconds": (finished - started_at).total_seconds(),
                "units_spent": self.hook.units.spent - self._units_before,
                "units_rest": self.hook.units.rest,
                "units_limit": self.hook.units.limit,
            }
        )
