"""The sync against the emulator into real SQLite and PostgreSQL: the warehouse must equal the ground truth."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_direct.emulator import EmulatorAdmin
from airflow_provider_direct.emulator.truth import archived_campaign_ids, visible_objects
from airflow_provider_direct.exceptions import DirectUnitsExhaustedError
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.sync.engine import DirectIncrementalSync
from airflow_provider_direct.sync.fields import (
    AD_FIELDS,
    AD_GROUP_FIELDS,
    CAMPAIGN_FIELDS,
    KEYWORD_FIELDS,
    ad_extra_params,
    ad_group_extra_params,
    campaign_extra_params,
)
from airflow_provider_direct.warehouse.schema import AD_GROUPS, ADS, CAMPAIGNS, KEYWORDS, ObjectTable
from airflow_provider_direct.warehouse.store import DirectWarehouse

pytestmark = pytest.mark.integration

LOGIN = "client-2"
TRUTH = [
    (CAMPAIGNS, "campaigns", CAMPAIGN_FIELDS),
    (AD_GROUPS, "ad_groups", AD_GROUP_FIELDS),
    (ADS, "ads", AD_FIELDS),
    (KEYWORDS, "keywords", KEYWORD_FIELDS),
]


BLOCKS = {
    CAMPAIGNS: campaign_extra_params("v501"),
    AD_GROUPS: ad_group_extra_params("v501"),
    ADS: ad_extra_params("v501"),
}


def project(obj: dict[str, Any], fields: list[str], table: ObjectTable) -> dict[str, Any]:
    """What the sync asks the API for, cut from the emulator's full object: its fields, and the block
    of its type (``TextCampaign``, ``TextAd``...) cut to that block's requested fields."""
    out = {name: obj.get(name) for name in fields}
    for param, names in BLOCKS.get(table, {}).items():
        block = obj.get(param.removesuffix("FieldNames"))
        if isinstance(block, dict):
            out[param.removesuffix("FieldNames")] = {name: block.get(name) for name in names}
    return out


def assert_matches_truth(warehouse: DirectWarehouse, admin: EmulatorAdmin, login: str = LOGIN) -> None:
    """Every table equals the truth the API shows; keywords of archived campaigns are left out on both sides."""
    archived = archived_campaign_ids(admin, login)
    for table, kind, fields in TRUTH:
        truth = {o["Id"]: project(o, fields, table) for o in visible_objects(admin, login, kind, archived)}
        live = {
            o["Id"]: o
            for o in warehouse.live_objects(table, login)
            if table is not KEYWORDS or o["CampaignId"] not in archived
        }
        assert live.keys() == truth.keys(), f"{table.table}: ids differ"
        assert live == truth, f"{table.table}: contents differ"


def test_full_then_incremental_converge(
    hook: DirectHook, warehouse: DirectWarehouse, emulator_admin: EmulatorAdmin
) -> None:
    sync = DirectIncrementalSync(hook, warehouse, LOGIN)
    first = sync.run()
    assert first.mode == "full"
    assert first.notes[0] == "no watermark yet"
    assert first.skipped_campaigns == []
    assert_matches_truth(warehouse, emulator_admin)

    applied = emulator_admin.random_mutations(40, login=LOGIN, seed=5)
    assert {m["type"] for m in applied} >= {"campaign", "ad_group", "ad", "keyword"}
    # Change times are whole seconds and reported inclusively (false positives, never gaps): step past
    # the mutations' second so the next watermark is strictly newer than them.
    emulator_admin.advance_clock(2)
    second = sync.run()
    assert second.mode == "incremental"
    assert second.watermark_from == first.watermark_to
    assert sum(second.deleted.values()) > 0
    assert 0 < second.units_spent < first.units_spent
    assert_matches_truth(warehouse, emulator_admin)

    third = sync.run()  # nothing changed since: only the Changes call is paid
    assert sum(third.upserted.values()) == 0
    assert third.units_spent <= 10 + 20
    assert_matches_truth(warehouse, emulator_admin)

    # Other logins of the agency are untouched.
    assert warehouse.counts("client-1")["direct_keywords"] == {"live": 0, "deleted": 0}


def test_full_refresh_soft_deletes_what_vanished_and_revives_what_returns(
    hook: DirectHook, warehouse: DirectWarehouse, emulator_admin: EmulatorAdmin
) -> None:
    sync = DirectIncrementalSync(hook, warehouse, LOGIN)
    sync.run()
    campaign = next(emulator_admin.snapshot(LOGIN, "campaigns"))
    emulator_admin.mutate({"op": "delete", "type": "campaign", "id": campaign["Id"]})
    result = sync.run(full_refresh=True)
    assert result.mode == "full"
    assert result.deleted["direct_campaigns"] == 1
    assert result.deleted["direct_keywords"] == 5 * 12
    assert_matches_truth(warehouse, emulator_admin)
    counts = warehouse.counts(LOGIN)
    assert counts["direct_campaigns"]["deleted"] == 1


def test_smart_banners_are_skipped_without_failing(
    hook: DirectHook, warehouse: DirectWarehouse, emulator_admin: EmulatorAdmin
) -> None:
    sync = DirectIncrementalSync(hook, warehouse, LOGIN)
    sync.run()
    smart = [
        c for c in emulator_admin.snapshot(LOGIN, "campaigns", include_smart=True) if c["Type"] == "SMART_CAMPAIGN"
    ]
    group = next(
        g for g in emulator_admin.snapshot(LOGIN, "ad_groups", include_smart=True) if g["CampaignId"] == smart[0]["Id"]
    )
    emulator_admin.mutate(
        {"op": "update", "type": "campaign", "id": smart[0]["Id"], "fields": {"Name": "smart renamed"}},
        {"op": "update", "type": "ad_group", "id": group["Id"], "fields": {"Name": "smart group renamed"}},
    )
    result = sync.run()
    assert result.status == "success"
    assert result.skipped_campaigns == [smart[0]["Id"]]
    assert_matches_truth(warehouse, emulator_admin)


def test_campaign_list_is_reconciled_daily(
    hook: DirectHook, warehouse: DirectWarehouse, emulator_admin: EmulatorAdmin
) -> None:
    clock = [dt.datetime.now(dt.timezone.utc)]
    sync = DirectIncrementalSync(hook, warehouse, LOGIN, clock=lambda: clock[0])
    sync.run()
    # A campaign row the warehouse lost (or Changes never reported) comes back with the daily listing.
    campaigns = warehouse.dialect.qualify("direct_campaigns")
    with warehouse.transaction() as tx:
        tx.cursor.execute(f"DELETE FROM {campaigns} WHERE id = (SELECT MIN(id) FROM {campaigns})")
    assert sync.run().notes == []
    clock[0] += dt.timedelta(days=1, minutes=1)
    result = sync.run()
    assert result.notes == ["campaign list reconciled: 1 new, 0 gone"]
    assert_matches_truth(warehouse, emulator_admin)


def test_units_exhaustion_mid_snapshot_resumes_from_the_checkpoint(
    hook: DirectHook, warehouse: DirectWarehouse, emulator_admin: EmulatorAdmin
) -> None:
    full_cost = DirectIncrementalSync(DirectHook(hook.direct_conn_id), warehouse, "client-3").run().units_spent
    # Enough for checkDictionaries (1) and Campaigns.get (10 + 1 a campaign), and 5 short of the base price
    # (15) of any chunk read. Chunk reads run concurrently, and each passes the API's balance check on its
    # own, so only a balance below every one of them makes the run stop at the same point every time.
    campaigns = sum(1 for _ in emulator_admin.snapshot(LOGIN, "campaigns"))
    emulator_admin.set_units(LOGIN, rest=1 + 10 + campaigns + 10)
    sync = DirectIncrementalSync(hook, warehouse, LOGIN)
    with pytest.raises(DirectUnitsExhaustedError):
        sync.run()
    state = warehouse.read_state(LOGIN)
    assert state is not None and state.watermark is None  # never a watermark without its data
    assert state.snapshot_started_at is not None
    emulator_admin.set_units(LOGIN, rest=10**6)
    resumed = DirectIncrementalSync(DirectHook(hook.direct_conn_id), warehouse, LOGIN).run()
    assert resumed.notes[0] == "resuming an unfinished full snapshot"
    assert resumed.units_spent < full_cost
    assert_matches_truth(warehouse, emulator_admin)


def empty_tables(warehouse: DirectWarehouse, tables: list[str]) -> None:
    with warehouse.transaction() as tx:
        for table in tables:
            name = warehouse.dialect.qualify(table)
            if warehouse.dialect.name == "clickhouse":
                warehouse.dialect.client(tx.cursor).command(f"TRUNCATE TABLE {name}")
            else:
                tx.cursor.execute(f"DELETE FROM {name}")


class Interrupt(BaseException):
    """Stands for a killed worker: not an Exception, so nothing may swallow it."""


@pytest.mark.parametrize("phase", ["api", "write", "delete", "commit"])
@pytest.mark.parametrize("at", [1, 3, 7, 15])
def test_interrupted_syncs_converge(
    hook: DirectHook,
    warehouse: DirectWarehouse,
    emulator_admin: EmulatorAdmin,
    monkeypatch: pytest.MonkeyPatch,
    phase: str,
    at: int,
) -> None:
    """Kill a sync at the ``at``-th API call / row write / soft delete / state write, of a full and an
    incremental run. On ClickHouse, where each write lands at once, this is every write point."""
    from airflow_provider_direct.warehouse.store import WarehouseTransaction

    targets = {
        "api": (DirectHook, "_post"),
        "write": (WarehouseTransaction, "_flush"),
        "delete": (WarehouseTransaction, "_mark_deleted"),
        "commit": (WarehouseTransaction, "write_state"),
    }
    owner, name = targets[phase]
    original = getattr(owner, name)
    calls = {"n": 0}

    def dying(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == at:
            raise Interrupt(f"killed at {phase} #{at}")
        return original(*args, **kwargs)

    for mutate_first in (False, True):
        if mutate_first:
            emulator_admin.random_mutations(25, login=LOGIN, seed=at)
        calls["n"] = 0
        monkeypatch.setattr(owner, name, dying)
        with contextlib.suppress(Interrupt):
            DirectIncrementalSync(hook, warehouse, LOGIN).run()
        monkeypatch.setattr(owner, name, original)
        DirectIncrementalSync(DirectHook(hook.direct_conn_id), warehouse, LOGIN).run()
        assert_matches_truth(warehouse, emulator_admin)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(st.tuples(st.integers(1, 30), st.integers(0, 10_000)), min_size=1, max_size=4))
def test_random_mutation_sequences_converge(
    hook: DirectHook,
    any_warehouse_conn: tuple[str, str | None],
    emulator_admin: EmulatorAdmin,
    rounds: list[tuple[int, int]],
) -> None:
    """Property: after every sync, the warehouse's live rows equal the emulator's ground truth."""
    emulator_admin.reset()
    conn_id, schema = any_warehouse_conn
    warehouse = DirectWarehouse.from_conn_id(conn_id, schema=schema)
    login = f"client-{1 + len(rounds) % 3}"
    warehouse.migrate()
    # Every example starts from an empty warehouse.
    empty_tables(warehouse, [t.table for t in (CAMPAIGNS, AD_GROUPS, ADS, KEYWORDS)] + ["direct_sync_state"])
    sync = DirectIncrementalSync(hook, warehouse, login)
    sync.run()
    assert_matches_truth(warehouse, emulator_admin, login)
    for count, seed in rounds:
        emulator_admin.random_mutations(count, login=login, seed=seed)
        sync.run()
        assert_matches_truth(warehouse, emulator_admin, login)


@pytest.mark.parametrize("api_version", ["v501", "v5"])
def test_unified_campaigns_arrive_through_v501(
    emulator_conn: str, warehouse: DirectWarehouse, emulator_admin: EmulatorAdmin, api_version: str
) -> None:
    """Unified campaigns (what text campaigns are being upgraded to) are served only at /json/v501/
    (https://yandex.com/dev/direct/doc/en/campaigns/get-unified-campaign): the default address syncs
    them; v5 cannot see them at all."""
    from tests.conftest import EMULATOR_SHAPE

    emulator_admin.reset(**{**EMULATOR_SHAPE, "unified_campaigns": 2})
    hook = DirectHook(emulator_conn, retry_min_wait=0.01, retry_max_wait=0.05, api_version=api_version)
    DirectIncrementalSync(hook, warehouse, LOGIN).run()
    unified = {c["Id"] for c in emulator_admin.snapshot(LOGIN, "campaigns") if c["Type"] == "UNIFIED_CAMPAIGN"}
    assert len(unified) == 2
    synced = set(warehouse.live_ids(CAMPAIGNS, LOGIN))
    if api_version == "v501":
        assert unified <= synced
        assert_matches_truth(warehouse, emulator_admin)
    else:
        assert not unified & synced


def test_each_run_records_the_units_balance_the_api_reported(hook: DirectHook, warehouse: DirectWarehouse) -> None:
    """The dashboard's balance and daily limit are the ``Units`` header's, as of the run's last call."""
    from airflow_provider_direct.warehouse.dashboard import DashboardReader

    result = DirectIncrementalSync(hook, warehouse, LOGIN).run()
    [run] = DashboardReader(warehouse).runs(LOGIN)
    assert run.units_spent == result.units_spent > 0
    assert (run.units_rest, run.units_limit) == (hook.units.rest, hook.units.limit)
    assert 0 < run.units_rest < run.units_limit
