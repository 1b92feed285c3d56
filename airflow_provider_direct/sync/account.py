"""Keep the account services beyond the four Changes-driven object types current, within a units budget.

Runs after the object sync of the same login (``sync.engine``), whose upserts tell the policies what
changed. Each phase (``policies.Phase``) is planned across every service before the next phase
starts, so the budget goes to Changes-driven reads first, then references and listings, then the
rolling refresh. Reads run on up to five threads: the API allows five simultaneous requests per
advertiser ("A maximum of five simultaneous API requests are allowed per advertiser",
https://yandex.com/dev/direct/doc/en/concepts/units), and never more. Pages stream to the calling
thread, which writes each read in one transaction, in planning order, so a policy's cursor only ever
moves past reads that are committed and memory holds a few pages, never a table.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

from airflow_provider_direct.hooks.direct import MAX_CONCURRENT_REQUESTS, DirectHook
from airflow_provider_direct.sync.budget import Price, UnitsBudget
from airflow_provider_direct.sync.catalog import CATALOG, AccountService
from airflow_provider_direct.sync.policies import Phase, PlanContext, Read
from airflow_provider_direct.sync.prefetch import Prefetcher, Stream
from airflow_provider_direct.warehouse.store import DirectWarehouse, TableState, utcnow

log = logging.getLogger(__name__)

#: Reads planned ahead of the oldest uncommitted one, per request slot: the five slots stay busy
#: while a long read is committed, and what waits is at most two pages per read.
READS_AHEAD = 2
#: Where a table's state keeps the price its reads were last seen to cost: ``[base, per object]``.
PRICE_KEY = "price"


@dataclass
class Page:
    """One page of a read; the ``last`` one says whether the budget let the read finish."""

    objects: list[dict[str, Any]]
    last: bool = False
    complete: bool = False
    units: int = 0  # what the call cost (the Units header)


@dataclass
class AccountSyncResult:
    """Summary of one run of the account services (JSON-safe)."""

    client_login: str
    budget: int | None
    units_spent: int = 0
    upserted: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    reads: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    left_for_next_run: list[str] = field(default_factory=list)
    freshness: dict[str, str | None] = field(default_factory=dict)
    duration_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class AccountServicesSync:
    """
    Refresh every catalogued account service of one login.

    :param hook: the DirectHook of the object sync (its ledger is what the budget counts).
    :param warehouse: the target warehouse.
    :param client_login: the advertiser (Client-Login).
    :param budget: the run's units budget; its ``start`` is the run's beginning, so the object
        sync's spending is already counted.
    :param services: which catalogued services to keep (all by default).
    :param max_concurrency: simultaneous requests, at most the API's five.
    """

    def __init__(
        self,
        hook: DirectHook,
        warehouse: DirectWarehouse,
        client_login: str,
        *,
        budget: UnitsBudget | None = None,
        services: Sequence[AccountService] = CATALOG,
        max_concurrency: int = MAX_CONCURRENT_REQUESTS,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        if not 1 <= max_concurrency <= MAX_CONCURRENT_REQUESTS:
            raise ValueError(
                f"max_concurrency must be within 1..{MAX_CONCURRENT_REQUESTS}: the API allows "
                f"{MAX_CONCURRENT_REQUESTS} simultaneous requests per advertiser"
            )
        self.hook = hook
        self.warehouse = warehouse
        self.login = client_login
        self.budget = budget or UnitsBudget.starting_now(None, hook.units)
        self.services = list(services)
        self.max_concurrency = max_concurrency
        self.clock = clock
        self._dictionary_answers: dict[str | None, dict[str, Any]] = {}

    # ------------------------------------------------------------------ entry point

    def run(self, run_started: dt.datetime, *, full_refresh: bool = False) -> AccountSyncResult:
        """Refresh the services; ``run_started`` is when this run's object sync began.

        ``full_refresh`` plans every table as on its first run: complete listings, every parent's
        bids, every dictionary (rows the API no longer returns are soft-deleted).
        """
        started = time.monotonic()
        units_before = self.hook.units.spent
        result = AccountSyncResult(self.login, self.budget.limit)
        stored = self.warehouse.read_table_states(self.login)
        for service in self.services:  # what earlier runs paid per call and per object
            learned = stored[service.name].details.get(PRICE_KEY) if service.name in stored else None
            if learned:
                self.budget.learn(service.name, Price(*learned))
        if full_refresh:
            stored = {}
        states = {s.name: stored.get(s.name) or TableState(self.login, s.name) for s in self.services}
        cut: set[str] = set()
        # A buffer of two holds a one-page read whole (its page and its end), so the worker moves on to
        # the next read while the commits, which keep plan order, catch up.
        with Prefetcher(self.max_concurrency, buffer=2) as prefetch:
            for phase in Phase:
                self._run_phase(phase, prefetch, states, cut, run_started, result)
        for service in self.services:
            refreshed = states[service.name].refreshed_at
            result.freshness[service.name] = refreshed.isoformat() if refreshed else None
        result.units_spent = self.hook.units.spent - units_before
        result.duration_seconds = round(time.monotonic() - started, 3)
        return result

    def _run_phase(
        self,
        phase: Phase,
        prefetch: Prefetcher,
        states: dict[str, TableState],
        cut: set[str],
        run_started: dt.datetime,
        result: AccountSyncResult,
    ) -> None:
        ahead: deque[tuple[AccountService, Read, Stream[Page]]] = deque()
        for service in self.services:
            if service.name in cut:
                continue
            state = states[service.name]
            ctx = PlanContext(
                self.warehouse, self.login, run_started, self.clock(), self._check_dictionaries, service.table
            )
            planned = 0
            for read in service.policy.plan(ctx, state, phase):
                if not read.bookkeeping and not self._affordable(service):
                    cut.add(service.name)
                    result.left_for_next_run.append(f"{service.name}: {phase.name.lower()} reads from {read.label}")
                    break
                planned += 1
                expected = self._expected(service, read)
                ahead.append((service, read, prefetch.stream(partial(self._pages, service, read, expected))))
                while len(ahead) >= READS_AHEAD * self.max_concurrency:
                    self._commit(*ahead.popleft(), states, cut, result)
            if not planned:
                # The policy may have moved its cursor past nothing new: keep that, and the check time.
                with self.warehouse.transaction() as tx:
                    state.checked_at = self.clock()
                    tx.write_table_state(state)
        while ahead:
            self._commit(*ahead.popleft(), states, cut, result)

    def _affordable(self, service: AccountService) -> bool:
        remaining = self.budget.remaining()
        if remaining is None:
            return True
        price = self.budget.price(service.name, service.prior)
        if remaining < price.estimate(1):
            self.budget.short_of.add(service.name)
            return False
        return True

    def _expected(self, service: AccountService, read: Read) -> int | None:
        """How many objects a read will likely return: what the table holds in its scope, or the ids asked.

        A page reserves the units of its whole ``Page.Limit`` (that is what a hard budget needs), so
        sizing pages to what is expected keeps one read from holding the budget five reads could share.
        """
        if read.scope is not None:
            column, values = read.scope
            if column is not None and not values:
                return None
            held = self.warehouse.live_keys(service.table, self.login, column=column, values=values)
            return len(held) or None
        lists = [v for v in read.criteria.values() if isinstance(v, list)]
        return len(lists[0]) if len(lists) == 1 else None

    def _page_size(self, service: AccountService, expected: int | None) -> int:
        """``Page.Limit`` to ask for: the expected objects with slack, else a fair share of what is left."""
        limit = min(self.hook.page_limit, service.page_limit or self.hook.page_limit)
        if expected is not None:
            return max(1, min(limit, expected + max(10, expected // 10)))
        remaining = self.budget.remaining()
        price = self.budget.price(service.name, service.prior)
        if remaining is None or price.per_object <= 0:
            return limit
        share = remaining / self.max_concurrency
        return max(1, min(limit, math.floor((share - price.base) / price.per_object)))

    # ------------------------------------------------------------------ one read (worker thread)

    def _pages(self, service: AccountService, read: Read, expected: int | None) -> Iterator[Page]:
        """The pages of one read, then a last empty page that says whether the read is complete."""
        if read.bookkeeping:
            yield Page([], last=True, complete=True)  # a step of the policy (a cycle ended, a sweep): no call
            return
        if not service.paged:
            yield self._page_once(service, read)
            return
        held: list[int] = []
        stopped = False

        def page_limit() -> int:
            nonlocal stopped
            count, units = self.budget.reserve_page(service.name, self._page_size(service, expected), service.prior)
            if count == 0:
                stopped = True
            held.append(units)
            return count

        criteria: dict[str, Any] | None = read.criteria if read.criteria or service.listing is None else service.listing
        if not read.criteria and service.listing is None:
            criteria = None
        try:
            for page, reading in self.hook.iter_metered_pages(
                service.table.service,
                criteria,
                service.field_names,
                extra_params=dict(service.extra_params),
                client_login=self.login,
                id_caps=service.id_caps,
                version=service.version,
                page_limit=page_limit,
            ):
                self.budget.release(held.pop())
                found = page.get(service.table.result_key) or []
                if reading is not None:
                    self.budget.observe(service.name, reading.spent, len(found))
                yield Page(found, units=reading.spent if reading else 0)
        finally:
            for units in held:
                self.budget.release(units)
        yield Page([], last=True, complete=not stopped)

    def _page_once(self, service: AccountService, read: Read) -> Page:
        """A method without ``Page`` (Clients.get, Dictionaries.get): one call, reserved whole."""
        params = dict(read.params or {})
        if service.field_names:
            params["FieldNames"] = list(service.field_names)
        params.update(service.extra_params)
        estimate = self.budget.price(service.name, service.prior).estimate(1)
        if not self.budget.reserve(service.name, estimate):
            return Page([], last=True, complete=False)
        try:
            answer, reading = self.hook.call_metered(
                service.table.service, "get", params, client_login=self.login, version=service.version
            )
        finally:
            self.budget.release(estimate)
        objects = answer.get(service.table.result_key) or []
        if reading is not None:
            self.budget.observe(service.name, reading.spent, len(objects))
        return Page(list(objects), last=True, complete=True, units=reading.spent if reading else 0)

    # ------------------------------------------------------------------ commit (calling thread)

    def _commit(
        self,
        service: AccountService,
        read: Read,
        pages: Stream[Page],
        states: dict[str, TableState],
        cut: set[str],
        result: AccountSyncResult,
    ) -> None:
        """Write one read's pages as they arrive, in one transaction with the policy's bookkeeping."""
        state = states[service.name]
        broken = service.name in cut
        complete = False
        units = 0
        with self.warehouse.transaction() as tx:
            now = self.clock()
            for page in pages:
                units += page.units
                if page.objects:
                    tx.upsert_rows(service.table, self.login, page.objects, now)
                if page.last:
                    complete = page.complete
            if complete and not broken:
                if read.scope is not None:
                    column, values = read.scope
                    if column is None or values:
                        tx.soft_delete_rows(
                            service.table, self.login, now, column=column, values=values, unseen_since=now
                        )
                if read.on_done is not None:
                    read.on_done(state, now)
            state.checked_at = now
            price = self.budget.price(service.name, service.prior)
            state.details[PRICE_KEY] = [price.base, price.per_object]
            tx.write_table_state(state)
        name = service.name
        result.upserted[name] = result.upserted.get(name, 0) + tx.upserted.get(name, 0)
        result.deleted[name] = result.deleted.get(name, 0) + tx.deleted.get(name, 0)
        if not read.bookkeeping:
            result.reads[name] = result.reads.get(name, 0) + 1
            result.units[name] = result.units.get(name, 0) + units
        if not complete and not broken:
            cut.add(name)
            result.left_for_next_run.append(f"{name}: {read.phase.name.lower()} read of {read.label} cut by budget")
            log.info("Units budget reached during %s (%s): the rest waits for the next run", name, read.label)

    def _check_dictionaries(self, timestamp: str | None) -> dict[str, Any]:
        """One ``Changes.checkDictionaries`` per Timestamp per run, shared by the dictionary policies."""
        if timestamp not in self._dictionary_answers:
            answer = self.hook.check_dictionaries(timestamp, client_login=self.login)
            self._dictionary_answers[timestamp] = answer.model_dump(exclude_none=True)
        return self._dictionary_answers[timestamp]
