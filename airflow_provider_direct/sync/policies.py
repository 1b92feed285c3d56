"""Refresh policies: which reads keep one account-service table current, and in what priority.

The Changes service reports only campaigns, groups (keywords included), ads and statistics. Every
other service needs its own answer to "what may have changed since the last run", and that answer is
its policy:

- :class:`Referenced`: objects that ads point at (sitelink sets, vCards, images, callouts, turbo
  pages, businesses, creatives). New ids seen in the ads this run upserted are read at once; a
  periodic listing reconciles the rest.
- :class:`PerParent`: objects under campaigns or groups (bids, bid modifiers, audience targets). The
  parents this run's Changes-driven reads touched are re-read first, and rows under deleted parents are
  swept with no call; then a rolling window walks every other parent, because strategies change bids
  without Changes reporting it.
- :class:`Listing`: small account-level lists (retargeting lists, shared negative keywords, feeds,
  strategies, the client's settings), re-read whole when due.
- :class:`Dictionary`: read when ``Changes.checkDictionaries`` says it changed (or for the first
  time, or when it has no change flag and is older than its period).

A policy plans :class:`Read` objects by :class:`Phase`; the runner spends the units budget phase by
phase across all services (Changes-driven first, then references and listings, then the rolling
refresh), so a short budget always cuts the least urgent reads.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from airflow_provider_direct.warehouse.schema import AD_GROUPS, ADS, ARCHIVED, CAMPAIGNS, ObjectTable
from airflow_provider_direct.warehouse.store import DirectWarehouse, TableState
from airflow_provider_direct.warehouse.table import ServiceTable


class Phase(enum.IntEnum):
    """Spending order of the units budget."""

    CHANGES = 1  # what this run's Changes-driven reads touched
    REFERENCES = 2  # new referenced objects, due listings and dictionaries
    ROLLING = 3  # the rolling refresh and periodic reconciles


@dataclass
class Read:
    """One selection of one service, read whole (every page) unless the budget cuts it.

    :param criteria: the ``SelectionCriteria``.
    :param scope: ``(column, values)`` whose rows this read re-reads completely: rows in scope it
        does not return are soft-deleted. ``(None, ())`` is the whole table (a listing); None: no deletes.
    :param on_done: the policy's bookkeeping once the read is committed (cursor, freshness).
    :param params: whole ``params`` of a call that is not a paged ``get`` (Dictionaries.get).
    """

    phase: Phase
    criteria: dict[str, Any]
    scope: tuple[str | None, Sequence[Any]] | None = None
    on_done: Callable[[TableState, dt.datetime], None] | None = None
    params: dict[str, Any] | None = None
    label: str = ""
    sweep: bool = False  # no call: every row in ``scope`` is gone (its parent was deleted)

    @property
    def bookkeeping(self) -> bool:
        """A step that sends nothing (a rolling cycle ended, a sweep): it costs no units."""
        return self.sweep or (self.params is None and not self.criteria and self.scope is None)


@dataclass
class PlanContext:
    """What a policy may look at to plan one run."""

    warehouse: DirectWarehouse
    login: str
    run_started: dt.datetime  # this run's object sync upserted what it touched at or after this time
    now: dt.datetime
    check_dictionaries: Callable[[str | None], dict[str, Any]]
    table: ServiceTable | None = None
    _archived_groups: set[int] | None = field(default=None, repr=False)

    def known_keys(self) -> set[Any]:
        """Keys of the live rows of the table being planned."""
        assert self.table is not None
        return self.warehouse.live_keys(self.table, self.login)

    def archived_campaigns(self) -> set[int]:
        return set(self.warehouse.live_ids(CAMPAIGNS, self.login, state=ARCHIVED))

    def archived_groups(self) -> set[int]:
        if self._archived_groups is None:
            campaigns = sorted(self.archived_campaigns())
            # live_ids without parents means every group: no archived campaign, no hidden group.
            self._archived_groups = (
                set(self.warehouse.live_ids(AD_GROUPS, self.login, campaign_ids=campaigns)) if campaigns else set()
            )
        return self._archived_groups


class RefreshPolicy(Protocol):
    def plan(self, ctx: PlanContext, state: TableState, phase: Phase) -> Iterator[Read]:
        """The reads of ``phase``, lazily: the runner stops asking when the budget is gone."""
        ...

    def describe(self) -> str:
        """One line for the README table and the run summary."""
        ...


def _chunks(values: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _due(last: dt.datetime | None, every: dt.timedelta, now: dt.datetime) -> bool:
    return last is None or now - last >= every


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).isoformat()


def _parse_iso(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _mark_refreshed(at: dt.datetime) -> Callable[[TableState, dt.datetime], None]:
    def done(state: TableState, now: dt.datetime) -> None:
        state.refreshed_at = at

    return done


# ---------------------------------------------------------------------------------------- referenced


@dataclass(frozen=True)
class Referenced:
    """Objects ads point at: new references at once, a complete listing every ``reconcile_every``.

    :param paths: where ads hold the reference (``("TextAd", "SitelinkSetId")``); a path through a
        list (``("TextAd", "AdExtensions", "AdExtensionId")``) collects every item's value.
    :param criterion: the ``SelectionCriteria`` key of these ids, capped at ``cap`` per call.
    """

    paths: tuple[tuple[str, ...], ...]
    criterion: str
    cap: int = 10_000
    reconcile_every: dt.timedelta = dt.timedelta(days=1)
    source: ObjectTable = ADS

    def references(self, ads: Iterable[dict[str, Any]]) -> set[Any]:
        found: set[Any] = set()
        for ad in ads:
            for path in self.paths:
                found.update(_walk(ad, path))
        return found

    def plan(self, ctx: PlanContext, state: TableState, phase: Phase) -> Iterator[Read]:
        if phase is Phase.REFERENCES and state.refreshed_at is not None:
            # Ads upserted since the last pass (this run's and any a cut run left) may point at new ids.
            since = _parse_iso(state.cursor) or state.refreshed_at
            seen = self.references(ctx.warehouse.iter_payloads(self.source, ctx.login, synced_since=since))
            missing = sorted(seen - ctx.known_keys(), key=str) if seen else []
            chunks = list(_chunks(missing, self.cap))
            for i, chunk in enumerate(chunks):
                last = i == len(chunks) - 1
                yield Read(
                    Phase.REFERENCES,
                    {self.criterion: chunk},
                    on_done=_advance_cursor(ctx.run_started) if last else None,
                    label=f"{len(chunk)} new references",
                )
            if not chunks:
                state.cursor = _iso(ctx.run_started)
        if phase is Phase.ROLLING and _due(state.refreshed_at, self.reconcile_every, ctx.now):
            yield Read(
                Phase.ROLLING,
                {},
                scope=(None, ()),
                on_done=_listing_done(ctx.now, ctx.run_started),
                label="reconcile: complete listing",
            )

    def describe(self) -> str:
        refs = ", ".join(".".join(p) for p in self.paths)
        return f"new ids referenced by ads ({refs}) each run; complete listing every {self.reconcile_every}"


def _walk(obj: Any, path: Sequence[str]) -> Iterator[Any]:
    if not path:
        if obj is not None:
            yield obj
        return
    if isinstance(obj, list):
        for item in obj:
            yield from _walk(item, path)
    elif isinstance(obj, dict):
        yield from _walk(obj.get(path[0]), path[1:])


def _advance_cursor(to: dt.datetime) -> Callable[[TableState, dt.datetime], None]:
    def done(state: TableState, now: dt.datetime) -> None:
        state.cursor = _iso(to)

    return done


def _listing_done(started: dt.datetime, run_started: dt.datetime) -> Callable[[TableState, dt.datetime], None]:
    def done(state: TableState, now: dt.datetime) -> None:
        state.refreshed_at = started
        state.cursor = _iso(run_started)

    return done


# ---------------------------------------------------------------------------------------- per parent


@dataclass(frozen=True)
class PerParent:
    """Objects under campaigns or groups: touched parents first, then a rolling window over the rest.

    :param parent: the object table whose ids select (``AD_GROUPS`` or ``CAMPAIGNS``).
    :param criterion: ``AdGroupIds`` / ``CampaignIds``, capped at ``cap`` per call.
    :param column: this table's column holding the parent id (the scope of a complete re-read).
    :param cycle_runs: the rolling window covers every parent within this many runs (budget allowing).
    :param fixed: criteria every call carries (BidModifiers' required ``Levels``).
    :param skip_archived: parents in ARCHIVED campaigns are not read (the API shows nothing of
        them: keeping their rows as they were is not a deletion).
    :param sizing: ``(table, column)`` whose live rows per parent foretell this table's (keywords
        per group for keyword bids): a read then takes parents up to ``per_read`` expected objects,
        one page, so reads run side by side instead of paging one after another.
    :param parent_types: only parents of these ``Type`` values hold such objects (webpages live in
        dynamic text groups only): the others are never read, so they cost nothing.
    """

    parent: ObjectTable
    criterion: str
    cap: int
    column: str
    cycle_runs: int = 24
    fixed: tuple[tuple[str, Any], ...] = ()
    skip_archived: bool = False
    sizing: tuple[ObjectTable, str] | None = None
    per_read: int = 2000
    parent_types: tuple[str, ...] = ()

    def _read(self, phase: Phase, parents: list[int], label: str, on_done: Any = None) -> Read:
        return Read(
            phase,
            {self.criterion: parents, **dict(self.fixed)},
            scope=(self.column, parents),
            on_done=on_done,
            label=label,
        )

    def _readable(self, ctx: PlanContext, ids: Iterable[int]) -> list[int]:
        if not self.skip_archived:
            return list(ids)
        hidden = ctx.archived_groups() if self.parent is AD_GROUPS else ctx.archived_campaigns()
        return [i for i in ids if i not in hidden]

    def _sized(self, ctx: PlanContext, parents: list[int]) -> Iterator[list[int]]:
        """Chunks of at most ``cap`` parents and, with ``sizing``, about ``per_read`` expected objects."""
        if self.sizing is None:
            yield from _chunks(parents, self.cap)
            return
        table, column = self.sizing
        chunk: list[int] = []
        expected = 0
        for start in range(0, len(parents), self.cap):
            part = parents[start : start + self.cap]
            counts = ctx.warehouse.live_counts(table, ctx.login, column, part)
            for parent in part:
                size = counts.get(parent, 0)
                if chunk and (len(chunk) >= self.cap or expected + size > self.per_read):
                    yield chunk
                    chunk, expected = [], 0
                chunk.append(parent)
                expected += size
        if chunk:
            yield chunk

    def changed_parents(self, ctx: PlanContext) -> list[int]:
        """Parents this run's object sync upserted: new, changed, or (groups) whose keywords changed."""
        ids = set(ctx.warehouse.synced_ids(self.parent, ctx.login, ctx.run_started, types=self.parent_types))
        if self.parent is CAMPAIGNS:
            ids.update(ctx.warehouse.synced_ids(AD_GROUPS, ctx.login, ctx.run_started, column="campaign_id"))
        return sorted(ids)

    def plan(self, ctx: PlanContext, state: TableState, phase: Phase) -> Iterator[Read]:
        if phase is Phase.CHANGES:
            assert ctx.table is not None
            # The API returns nothing under a deleted parent: its rows are gone, with no call.
            for chunk in _chunks(ctx.warehouse.orphaned(ctx.table, ctx.login, self.column, self.parent), 1000):
                yield Read(
                    Phase.CHANGES, {}, scope=(self.column, chunk), sweep=True, label=f"{len(chunk)} deleted parents"
                )
            if state.refreshed_at is None and state.cursor is None:
                return  # the first run's rolling cycle reads everything anyway
            for chunk in self._sized(ctx, self._readable(ctx, self.changed_parents(ctx))):
                yield self._read(Phase.CHANGES, chunk, f"{len(chunk)} changed {self.parent.service}")
        if phase is not Phase.ROLLING:
            return
        total = len(ctx.warehouse.live_ids(self.parent, ctx.login, types=self.parent_types))
        first_cycle = state.refreshed_at is None
        quota = total if first_cycle else math.ceil(total / self.cycle_runs)
        after = int(state.cursor or 0)
        cycle_started = _parse_iso(state.details.get("cycle_started_at")) or ctx.now
        if after == 0:
            cycle_started = ctx.now
        taken = 0
        while taken < quota:
            window = ctx.warehouse.ids_after(
                self.parent, ctx.login, after, min(self.cap, quota - taken), types=self.parent_types
            )
            if not window:
                break
            window = next(self._sized(ctx, window))  # the first read's worth; the rest next turn
            after = window[-1]
            taken += len(window)
            readable = self._readable(ctx, window)
            label = f"rolling {len(readable)} {self.parent.service} after id {window[0] - 1}"
            yield Read(
                Phase.ROLLING,
                {self.criterion: readable, **dict(self.fixed)} if readable else {},
                scope=(self.column, readable) if readable else None,
                on_done=_window_done(after, cycle_started),
                label=label,
            )
        if not ctx.warehouse.ids_after(self.parent, ctx.login, after, 1, types=self.parent_types):
            yield Read(Phase.ROLLING, {}, on_done=_cycle_done(cycle_started), label="cycle complete")

    def describe(self) -> str:
        parents = f"{' / '.join(self.parent_types)} {self.parent.service}" if self.parent_types else self.parent.service
        return (
            f"{parents} the object sync touched, each run; the rest by a rolling window "
            f"covering every one within {self.cycle_runs} runs"
        )


def _window_done(after: int, cycle_started: dt.datetime) -> Callable[[TableState, dt.datetime], None]:
    def done(state: TableState, now: dt.datetime) -> None:
        state.cursor = str(after)
        state.details["cycle_started_at"] = _iso(cycle_started)

    return done


def _cycle_done(cycle_started: dt.datetime) -> Callable[[TableState, dt.datetime], None]:
    def done(state: TableState, now: dt.datetime) -> None:
        # Every parent was re-read at or after the cycle began: that is the table's age.
        state.refreshed_at = cycle_started
        state.cursor = None
        state.details.pop("cycle_started_at", None)

    return done


# ---------------------------------------------------------------------------------------- listings


@dataclass(frozen=True)
class Listing:
    """A small account-level list, re-read whole every ``every`` (each run by default)."""

    every: dt.timedelta = dt.timedelta(0)
    criteria: tuple[tuple[str, Any], ...] = ()

    def plan(self, ctx: PlanContext, state: TableState, phase: Phase) -> Iterator[Read]:
        if phase is Phase.REFERENCES and _due(state.refreshed_at, self.every, ctx.now):
            yield Read(
                Phase.REFERENCES,
                dict(self.criteria),
                scope=(None, ()),
                on_done=_mark_refreshed(ctx.now),
                label="complete listing",
            )

    def describe(self) -> str:
        return "complete listing each run" if not self.every else f"complete listing every {self.every}"


# ---------------------------------------------------------------------------------------- dictionaries


@dataclass(frozen=True)
class Dictionary:
    """One dictionary of Dictionaries.get, read when ``Changes.checkDictionaries`` reports it changed.

    :param name: the ``DictionaryNames`` value (also the result key).
    :param flag: its ``checkDictionaries`` flag (``RegionsChanged``...); None for dictionaries the
        service does not track, which are re-read every ``every`` instead.
    """

    name: str
    flag: str | None
    every: dt.timedelta = dt.timedelta(days=7)

    def plan(self, ctx: PlanContext, state: TableState, phase: Phase) -> Iterator[Read]:
        if phase is not Phase.REFERENCES:
            return
        if state.refreshed_at is None or (self.flag is not None and state.cursor is None):
            due = True
            answer = ctx.check_dictionaries(None) if self.flag else {}
        elif self.flag is None:
            due = _due(state.refreshed_at, self.every, ctx.now)
            answer = {}
        else:
            answer = ctx.check_dictionaries(state.cursor)
            due = answer.get(self.flag) == "YES"
        # The server time of the check, taken BEFORE the read: a change during the read shows next run.
        timestamp = answer.get("Timestamp")
        if not due:
            if timestamp:
                state.cursor = timestamp
            return
        yield Read(
            Phase.REFERENCES,
            {},
            scope=(None, ()),
            params={"DictionaryNames": [self.name]},
            on_done=_dictionary_done(ctx.now, timestamp),
            label=f"{self.name}" + (f" ({self.flag})" if self.flag else ""),
        )

    def describe(self) -> str:
        if self.flag:
            return f"when Changes.checkDictionaries reports {self.flag}"
        return f"every {self.every} (no change flag)"


def _dictionary_done(at: dt.datetime, timestamp: str | None) -> Callable[[TableState, dt.datetime], None]:
    def done(state: TableState, now: dt.datetime) -> None:
        state.refreshed_at = at
        state.cursor = timestamp

    return done
