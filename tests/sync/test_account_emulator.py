"""Every account service against the emulator into real SQLite and PostgreSQL: the warehouse must equal
the ground truth, the units budget must hold, and the rolling refresh must cover every group."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig
from airflow_provider_direct.emulator.truth import service_items
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.sync.account import AccountServicesSync, AccountSyncResult
from airflow_provider_direct.sync.budget import UnitsBudget
from airflow_provider_direct.sync.catalog import CATALOG, AccountService
from airflow_provider_direct.sync.engine import DirectIncrementalSync, SyncResult
from airflow_provider_direct.sync.policies import PerParent
from airflow_provider_direct.warehouse.account_tables import KEYWORD_BIDS
from airflow_provider_direct.warehouse.schema import AD_GROUPS, ARCHIVED, CAMPAIGNS
from airflow_provider_direct.warehouse.store import DirectWarehouse, utcnow
from tests.conftest import EMULATOR_SHAPE
from tests.sync.test_engine_emulator import LOGIN, assert_matches_truth

pytestmark = pytest.mark.integration

CYCLE = 3  # runs in which the rolling refresh must cover every parent (24 in production)
#: The module's shape plus a dynamic text and a smart campaign per login: webpages and smart-ad targets.
ACCOUNT_SHAPE = {**EMULATOR_SHAPE, "dynamic_campaigns": 1, "performance_campaigns": 1}


def short_cycle(services: tuple[AccountService, ...] = CATALOG) -> list[AccountService]:
    """The catalogue with a rolling cycle of ``CYCLE`` runs, so a test sees whole cycles."""
    return [
        dataclasses.replace(s, policy=dataclasses.replace(s.policy, cycle_runs=CYCLE))
        if isinstance(s.policy, PerParent)
        else s
        for s in services
    ]


def truth_of(admin: EmulatorAdmin, service: AccountService, login: str = LOGIN) -> dict[Any, dict[str, Any]]:
    """The service's objects as a complete read through the API returns them, by natural key."""
    table = service.table
    return {table.key_of(o): o for o in service_items(admin, login, table.service, table.result_key)}


def assert_services_match_truth(
    warehouse: DirectWarehouse, admin: EmulatorAdmin, services: list[AccountService] | None = None
) -> None:
    for service in services or CATALOG:
        truth = truth_of(admin, service)
        live = {service.table.key_of(o): o for o in warehouse.live_objects(service.table, LOGIN)}
        assert live.keys() == truth.keys(), f"{service.name}: keys differ"
        assert live == truth, f"{service.name}: contents differ"


class Runner:
    """One operator-equivalent run per call: the object sync, then every account service, on one hook."""

    def __init__(self, hook: DirectHook, warehouse: DirectWarehouse, services: list[AccountService]) -> None:
        self.hook = hook
        self.warehouse = warehouse
        self.services = services
        self.offset = dt.timedelta(0)  # the test's clock runs ahead of the wall clock by this much

    def clock(self) -> dt.datetime:
        return utcnow() + self.offset

    def __call__(
        self, budget: int | None = None, *, full_refresh: bool = False
    ) -> tuple[SyncResult, AccountSyncResult, int]:
        start, run_started = self.hook.units.spent, utcnow()
        units = UnitsBudget(limit=budget, ledger=self.hook.units, start=start)
        core = DirectIncrementalSync(self.hook, self.warehouse, LOGIN, budget=units).run(full_refresh=full_refresh)
        account = AccountSyncResult(LOGIN, budget)
        if core.status != "partial":  # as the operator: services wait for an unfinished snapshot
            account = AccountServicesSync(
                self.hook, self.warehouse, LOGIN, budget=units, services=self.services, clock=self.clock
            ).run(run_started, full_refresh=core.mode == "full")
        return core, account, self.hook.units.spent - start


@pytest.fixture
def account_admin(emulator_admin: EmulatorAdmin) -> EmulatorAdmin:
    """The module's emulator, reset with random batches that also touch every account service."""
    emulator_admin.reset(**EmulatorConfig(**ACCOUNT_SHAPE, account_services_mutations=True).model_dump(mode="json"))
    return emulator_admin


@pytest.fixture
def run(hook: DirectHook, warehouse: DirectWarehouse, account_admin: EmulatorAdmin) -> Runner:
    return Runner(hook, warehouse, short_cycle())


def test_first_run_reads_every_service_whole(
    run: Runner, warehouse: DirectWarehouse, account_admin: EmulatorAdmin
) -> None:
    core, account, _ = run()
    assert core.mode == "full"
    assert account.left_for_next_run == []
    assert set(account.freshness) == {s.name for s in CATALOG}
    assert all(account.freshness.values()), "every table is fresh after a whole first run"
    assert all(truth_of(account_admin, s) for s in CATALOG), "the emulator has objects of every service"
    assert_matches_truth(warehouse, account_admin)
    assert_services_match_truth(warehouse, account_admin)
    # The table's age is in the warehouse for users, per login and table.
    states = warehouse.read_table_states(LOGIN)
    assert {name for name, s in states.items() if s.refreshed_at is not None} == {s.name for s in CATALOG}


def test_random_mutations_of_every_type_converge(
    run: Runner, warehouse: DirectWarehouse, account_admin: EmulatorAdmin
) -> None:
    run()
    kinds: set[str] = set()
    for seed in range(4):
        applied = account_admin.random_mutations(120, login=LOGIN, seed=100 + seed)
        kinds.update(m["type"] for m in applied)
        account_admin.advance_clock(2)
        core, account, _ = run()
        assert core.mode == "incremental"
        assert account.left_for_next_run == []
        assert_matches_truth(warehouse, account_admin)
        # Current every run: the listings, the dictionaries, and every object an ad points at.
        every_run = [s for s in run.services if s.name in CURRENT_EVERY_RUN]
        assert_services_match_truth(warehouse, account_admin, every_run)
        assert_references_present(warehouse)
    assert kinds >= {
        "campaign",
        "ad_group",
        "ad",
        "keyword",
        "keyword_bid",
        "sitelink_set",
        "vcard",
        "ad_image",
        "callout",
        "retargeting_list",
        "negative_keyword_shared_set",
        "client",
        "dictionary",
        "bid_modifier",
        "webpage",
        "smart_ad_target",
    }
    # Deletions of unreferenced objects wait for the daily reconcile, silent bid moves for the rolling
    # cycle: a day later, one whole cycle of runs brings every table to the truth.
    run.offset = dt.timedelta(days=1, minutes=1)
    for _ in range(CYCLE):
        account_admin.advance_clock(2)
        run()
    assert_matches_truth(warehouse, account_admin)
    assert_services_match_truth(warehouse, account_admin)


CURRENT_EVERY_RUN = {
    "direct_retargeting_lists",
    "direct_negative_keyword_shared_sets",
    "direct_clients",
    "direct_dict_geo_regions",
    "direct_dict_time_zones",
    "direct_dict_currencies",
}


def assert_references_present(warehouse: DirectWarehouse) -> None:
    """Every sitelink set, vCard, image and callout a live ad points at is a live row."""
    from airflow_provider_direct.sync.policies import Referenced
    from airflow_provider_direct.warehouse.schema import ADS

    ads = list(warehouse.iter_payloads(ADS, LOGIN))
    for service in CATALOG:
        if isinstance(service.policy, Referenced):
            wanted = service.policy.references(ads)
            missing = wanted - warehouse.live_keys(service.table, LOGIN)
            assert not missing, f"{service.name}: ads point at {sorted(missing, key=str)[:5]} not in the table"


def test_a_full_refresh_brings_every_table_to_the_truth_at_once(
    run: Runner, warehouse: DirectWarehouse, account_admin: EmulatorAdmin
) -> None:
    run()
    applied = account_admin.random_mutations(150, login=LOGIN, seed=7)
    assert {"keyword_bid", "sitelink_set", "bid_modifier"} <= {m["type"] for m in applied}
    account_admin.advance_clock(2)
    core, account, _ = run(full_refresh=True)
    assert core.mode == "full"
    assert account.reads["direct_keyword_bids"] >= 1
    assert_matches_truth(warehouse, account_admin)
    assert_services_match_truth(warehouse, account_admin)


def test_silent_bid_changes_are_caught_within_one_cycle(
    run: Runner, warehouse: DirectWarehouse, account_admin: EmulatorAdmin
) -> None:
    run()
    archived = set(warehouse.live_ids(CAMPAIGNS, LOGIN, state=ARCHIVED))
    keywords = [k for k in account_admin.snapshot(LOGIN, "keywords") if k["CampaignId"] not in archived]
    moved = keywords[:: max(1, len(keywords) // 12)]
    account_admin.mutate(
        *({"op": "update", "type": "keyword_bid", "id": k["Id"], "fields": {"SearchBid": 7_770_000}} for k in moved)
    )
    account_admin.advance_clock(2)
    changed_groups: list[set[int]] = []
    for _ in range(CYCLE):
        core, _, _ = run()
        assert sum(core.upserted.values()) == 0, "Changes reports no bid move"
        bids = {o["KeywordId"]: o for o in warehouse.live_objects(KEYWORD_BIDS, LOGIN)}
        changed_groups.append(
            {bids[k["Id"]]["AdGroupId"] for k in moved if bids[k["Id"]]["Search"]["Bid"] == 7_770_000}
        )
    groups_moved = {k["AdGroupId"] for k in moved}
    assert changed_groups[0] < groups_moved, "one run's window is a share of the groups, not all of them"
    assert changed_groups[-1] == groups_moved, f"every group is re-read within {CYCLE} runs"
    assert_services_match_truth(warehouse, account_admin)


def test_rolling_refresh_covers_every_group_within_the_cycle(
    run: Runner, warehouse: DirectWarehouse, account_admin: EmulatorAdmin
) -> None:
    """Every group holding keyword bids, audience targets, webpages or smart-ad targets is re-read
    within the cycle, and a table's age moves only when its cycle completes."""
    run()
    per_group = [s for s in run.services if isinstance(s.policy, PerParent) and s.policy.parent is AD_GROUPS]
    assert {s.name for s in per_group} >= {
        KEYWORD_BIDS.table,
        "direct_audience_targets",
        "direct_dynamic_text_ad_targets",
        "direct_smart_ad_targets",
    }
    expected = {s.name: {o["AdGroupId"] for o in truth_of(account_admin, s).values()} for s in per_group}
    assert all(expected.values()), "every per-group service has objects in some group"
    first_states = warehouse.read_table_states(LOGIN)
    seen: dict[str, set[int]] = {s.name: set() for s in per_group}
    for i in range(CYCLE):
        before = utcnow()
        run()
        states = warehouse.read_table_states(LOGIN)
        for service in per_group:
            seen[service.name].update(_groups_synced_since(warehouse, service, before))
            if i < CYCLE - 1:
                assert states[service.name].refreshed_at == first_states[service.name].refreshed_at, service.name
    assert seen == expected
    for service in per_group:
        assert states[service.name].refreshed_at > first_states[service.name].refreshed_at, "a cycle moves the age"


def _groups_synced_since(warehouse: DirectWarehouse, service: AccountService, since: dt.datetime) -> set[int]:
    p = warehouse.dialect.param
    rows = warehouse._fetch(
        f"SELECT DISTINCT ad_group_id FROM {warehouse.dialect.qualify(service.table.table)} "
        f"WHERE client_login = {p} AND synced_at >= {p}",
        (LOGIN, warehouse.dialect.ts(since)),
    )
    return {r[0] for r in rows}


@pytest.mark.parametrize("budget", [300, 400])
def test_the_budget_is_never_exceeded_and_the_rest_waits(
    run: Runner, warehouse: DirectWarehouse, account_admin: EmulatorAdmin, budget: int
) -> None:
    spent_by_run: list[int] = []
    left: list[list[str]] = []
    for _ in range(12):  # measured: caught up by the 3rd to 5th run, by the order five threads finish in
        account_admin.advance_clock(2)
        _, account, spent = run(budget)
        spent_by_run.append(spent)
        left.append(account.left_for_next_run)
        assert spent <= budget, f"a run spent {spent} units of a {budget} budget"
        assert account.budget == budget
    assert left[0], "a first run of the whole account does not fit the budget"
    assert not left[-1], f"runs after it catch up: spent {spent_by_run}, left {left}"
    # What the reads cost is kept for the next run: keyword bids are priced per block, not per bid.
    base, per_bid = warehouse.read_table_states(LOGIN)[KEYWORD_BIDS.table].details["price"]
    assert base == 20 and per_bid < 0.5  # the prior says 1 a bid; a page of 120 bids costs 15
    run.offset = dt.timedelta(days=1, minutes=1)
    for _ in range(CYCLE + 1):
        _, _, spent = run(budget)
        assert spent <= budget
    assert_services_match_truth(warehouse, account_admin)


def test_a_first_snapshot_over_budget_stops_at_a_chunk_and_resumes(
    hook: DirectHook, warehouse: DirectWarehouse, emulator_admin: EmulatorAdmin
) -> None:
    """A first run of a large account spends at most the budget: the snapshot resumes run after run."""
    shape = {**EMULATOR_SHAPE, "campaigns": 35, "account_services_mutations": True}
    emulator_admin.reset(**EmulatorConfig(**shape).model_dump(mode="json"))
    run = Runner(hook, warehouse, short_cycle())
    budget = 400  # a chunk of 10 campaigns costs about 250 units here
    modes: list[tuple[str, str]] = []
    for _ in range(12):
        core, account, spent = run(budget)
        modes.append((core.mode, core.status))
        assert spent <= budget, f"a run spent {spent} units of a {budget} budget"
        if core.status == "partial":
            assert any("wait for the next run" in n for n in core.notes)
            assert account.reads == {}
        if core.mode == "incremental":
            break
    assert modes[0] == ("full", "partial")
    assert modes[-2:] == [("full", "success"), ("incremental", "success")], "the snapshot finished, then Changes"
    assert_matches_truth(warehouse, emulator_admin)


def test_budget_counts_what_threads_spend_together(
    hook: DirectHook, warehouse: DirectWarehouse, account_admin: EmulatorAdmin
) -> None:
    """Five reads in flight reserve before they send: their sum stays under the budget."""
    start, run_started = hook.units.spent, utcnow()
    DirectIncrementalSync(hook, warehouse, LOGIN).run()
    core_spent = hook.units.spent - start
    limit = core_spent + 120
    result = AccountServicesSync(
        hook, warehouse, LOGIN, budget=UnitsBudget(limit=limit, ledger=hook.units, start=start)
    ).run(run_started)
    assert hook.units.spent - start <= limit
    assert result.left_for_next_run
