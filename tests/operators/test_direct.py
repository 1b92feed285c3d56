"""DirectIncrementalSyncOperator against the emulator: summary, asset extras, deferral on units exhaustion."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.standard.triggers.temporal import TimeDeltaTrigger
from airflow.sdk.exceptions import TaskDeferred

from airflow_provider_direct.emulator import EmulatorAdmin
from airflow_provider_direct.emulator.truth import visible_objects
from airflow_provider_direct.exceptions import DirectUnitsExhaustedError
from airflow_provider_direct.operators.direct import DirectIncrementalSyncOperator, warehouse_assets
from airflow_provider_direct.sync.catalog import CATALOG
from airflow_provider_direct.warehouse.store import DirectWarehouse

pytestmark = pytest.mark.integration


class _Event:
    extra: dict[str, Any] | None = None


@pytest.fixture
def warehouse_id(make_connection: Any, tmp_path: Path) -> str:
    return make_connection("op_wh", conn_type="sqlite", host=str(tmp_path / "wh.db"))


def operator(emulator_conn: str, warehouse_id: str, **kwargs: Any) -> DirectIncrementalSyncOperator:
    return DirectIncrementalSyncOperator(
        task_id="sync",
        direct_conn_id=emulator_conn,
        warehouse_conn_id=warehouse_id,
        client_login="client-1",
        units_retry_delay=dt.timedelta(seconds=5),
        **kwargs,
    )


def test_returns_a_summary_and_sets_asset_extras(
    emulator_conn: str, warehouse_id: str, emulator_admin: EmulatorAdmin
) -> None:
    keywords = sum(1 for _ in visible_objects(emulator_admin, "client-1", "keywords"))
    assert 0 < keywords < 4 * 5 * 12  # one of client-1's four text campaigns is archived: its keywords are hidden
    op = operator(emulator_conn, warehouse_id)
    assert [a.name for a in op.outlets] == [a.name for a in warehouse_assets(warehouse_id, CATALOG)]
    assert len(op.outlets) == 4 + len(CATALOG)  # the four object tables and every account service
    events: defaultdict[Any, _Event] = defaultdict(_Event)
    summary = op.execute({"outlet_events": events})  # type: ignore[arg-type]
    assert summary["mode"] == "full"
    assert summary["upserted"]["direct_keywords"] == keywords
    assert summary["units_spent"] > 0
    assert summary["units"]["spent"] == summary["units_spent"]
    assert summary["watermark_to"]
    extra = events[op.outlets[3]].extra
    assert extra == {
        "client_login": "client-1",
        "mode": "full",
        "watermark": summary["watermark_to"],
        "upserted": keywords,
        "deleted": 0,
        "units_spent": summary["units_spent"],
    }
    assert summary["account"]["left_for_next_run"] == []
    assert 0 < summary["account"]["units_spent"] < summary["units_spent"]  # the total counts both parts
    vcards = next(a for a in op.outlets if a.name == "yandex_direct.direct_vcards")
    assert events[vcards].extra["upserted"] == summary["account"]["upserted"]["direct_vcards"] > 0
    assert "agency-token" not in repr(summary)


def test_full_refresh_is_templated_text(emulator_conn: str, warehouse_id: str) -> None:
    operator(emulator_conn, warehouse_id).execute({})
    op = operator(emulator_conn, warehouse_id, full_refresh="True")
    assert op.execute({})["mode"] == "full"
    op = operator(emulator_conn, warehouse_id, full_refresh="False")
    assert op.execute({})["mode"] == "incremental"


def test_defers_on_units_exhaustion_then_resumes(
    emulator_conn: str, warehouse_id: str, emulator_admin: EmulatorAdmin
) -> None:
    emulator_admin.set_units("client-1", rest=60)  # enough for the campaigns, not the children
    op = operator(emulator_conn, warehouse_id)
    with pytest.raises(TaskDeferred) as deferred:
        op.execute({})
    assert isinstance(deferred.value.trigger, TimeDeltaTrigger)
    assert deferred.value.method_name == "resume_after_units_refill"
    assert deferred.value.kwargs == {"waits": 1}
    state = DirectWarehouse.from_conn_id(warehouse_id).read_state("client-1")
    assert state is not None and state.watermark is None  # nothing claims to be synced

    emulator_admin.set_units("client-1", rest=100_000)
    summary = op.resume_after_units_refill({}, event=None, waits=1)
    assert summary["mode"] == "full"
    assert summary["notes"][0] == "resuming an unfinished full snapshot"
    visible = sum(1 for _ in visible_objects(emulator_admin, "client-1", "keywords"))
    assert DirectWarehouse.from_conn_id(warehouse_id).counts("client-1")["direct_keywords"]["live"] == visible


class _StateStore(dict):  # type: ignore[type-arg]
    """The task state store's ``set``, recording every value written (what the UI would have shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.history: list[tuple[str, Any]] = []

    def set(self, key: str, value: Any) -> None:
        self[key] = value
        self.history.append((key, value))


def test_the_full_snapshot_checkpoint_shows_in_the_task_state_store(
    emulator_conn: str, warehouse_id: str, emulator_admin: EmulatorAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A units wait leaves the checkpoint visible; the resumed snapshot moves it on and marks it complete."""
    monkeypatch.setattr("airflow_provider_direct.sync.engine.SNAPSHOT_CAMPAIGN_CHUNK", 1)  # 4 checkpoints
    emulator_admin.set_units("client-1", rest=150)  # the campaigns and some campaigns' children, not all
    store = _StateStore()
    op = operator(emulator_conn, warehouse_id, account_services=False)
    with pytest.raises(TaskDeferred):
        op.execute({"task_state_store": store})  # type: ignore[typeddict-item]
    waiting = store["full_snapshot/client-1"]
    state = DirectWarehouse.from_conn_id(warehouse_id).read_state("client-1")
    assert state is not None
    assert waiting["campaigns_done"] == len(state.snapshot_done_campaigns) > 0  # the warehouse's checkpoint
    assert waiting["campaigns_done"] < waiting["campaigns_total"] and waiting["complete"] is False
    assert waiting["watermark"] == state.snapshot_watermark

    emulator_admin.set_units("client-1", rest=100_000)
    summary = op.resume_after_units_refill({"task_state_store": store}, event=None, waits=1)  # type: ignore[arg-type]
    done = store["full_snapshot/client-1"]
    assert done["complete"] is True and done["campaigns_done"] == done["campaigns_total"] == waiting["campaigns_total"]
    assert done["watermark"] == summary["watermark_to"]
    progress = [v["campaigns_done"] for _, v in store.history]
    assert progress == sorted(progress), "the checkpoint only moves forward"


class _BrokenStore:
    def set(self, key: str, value: Any) -> None:
        raise RuntimeError("the API server is away")


def test_a_task_state_store_that_cannot_be_written_never_stops_the_sync(emulator_conn: str, warehouse_id: str) -> None:
    summary = operator(emulator_conn, warehouse_id, account_services=False).execute(
        {"task_state_store": _BrokenStore()}  # type: ignore[typeddict-item]
    )
    assert summary["mode"] == "full" and summary["watermark_to"]


def test_gives_up_after_max_waits(emulator_conn: str, warehouse_id: str, emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.set_units("client-1", rest=0)
    op = operator(emulator_conn, warehouse_id, max_units_waits=2)
    with pytest.raises(DirectUnitsExhaustedError):
        op.resume_after_units_refill({}, waits=2)


def test_needs_a_client_login(make_connection: Any, emulator_conn: str, warehouse_id: str) -> None:
    op = DirectIncrementalSyncOperator(task_id="s", direct_conn_id=emulator_conn, warehouse_conn_id=warehouse_id)
    with pytest.raises(ValueError, match="No client login"):
        op.execute({})


def test_units_budget_as_a_share_of_the_daily_limit(emulator_conn: str, warehouse_id: str) -> None:
    """``"0.5%"`` is read against the daily limit the Units header reports; the run stays within it."""
    summary = operator(emulator_conn, warehouse_id, units_budget="0.5%").execute({})
    limit = summary["units"]["limit"]
    assert summary["account"]["budget"] == limit // 200
    assert summary["units_spent"] <= limit // 200
    assert summary["account"]["left_for_next_run"], "a whole first run does not fit 1% of the day"


def test_a_bad_units_budget_fails_before_any_read(emulator_conn: str, warehouse_id: str) -> None:
    with pytest.raises(ValueError, match="units_budget"):
        operator(emulator_conn, warehouse_id, units_budget="lots").execute({})
