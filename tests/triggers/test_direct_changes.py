"""DirectChangesTrigger against the emulator over 127.0.0.1: no change, no event; one change, one event."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.triggers.direct_changes import DirectChangesTrigger

LOGIN = "client-1"
CAMPAIGN = 1_000_000  # client-1's first campaign


class AssetStore:
    """The watched asset's state store as the triggerer injects it (``aget`` / ``aset``), kept in a dict."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def aget(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        self.values[key] = value


async def watch(
    trigger: DirectChangesTrigger, polls: int, between: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """Run the trigger for ``polls`` of its polls and return its events; ``between(n)`` runs after poll n."""
    events: list[dict[str, Any]] = []
    done = asyncio.Event()
    count = 0
    original = DirectHook.acheck_campaigns

    async def counted(self: DirectHook, *args: Any, **kwargs: Any) -> Any:
        nonlocal count
        answer = await original(self, *args, **kwargs)
        count += 1
        if between is not None:
            await asyncio.to_thread(between, count)
        if count >= polls:
            done.set()
        return answer

    DirectHook.acheck_campaigns = counted  # type: ignore[method-assign]
    try:

        async def consume() -> None:
            async for event in trigger.run():
                events.append(event.payload)

        task = asyncio.create_task(consume())
        await asyncio.wait_for(done.wait(), timeout=60)
        await asyncio.sleep(0.05)  # the last answer's event, if any, is yielded
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        DirectHook.acheck_campaigns = original  # type: ignore[method-assign]
    return events


def test_kwargs_are_plain_json_without_the_token(emulator_conn: str) -> None:
    trigger = DirectChangesTrigger(LOGIN, emulator_conn, poll_interval=60, since="2026-01-01T00:00:00Z")
    path, kwargs = trigger.serialize()
    assert path == "airflow_provider_direct.triggers.direct_changes.DirectChangesTrigger"
    assert json.loads(json.dumps(kwargs)) == {
        "client_login": LOGIN,
        "direct_conn_id": emulator_conn,
        "poll_interval": 60,
        "change_kinds": ["SELF", "CHILDREN"],
        "since": "2026-01-01T00:00:00Z",
    }
    assert "agency-token" not in json.dumps(kwargs)
    assert DirectChangesTrigger(**kwargs).serialize() == (path, kwargs)
    with pytest.raises(ValueError, match="NOTHING"):
        DirectChangesTrigger(LOGIN, change_kinds=["NOTHING"])


@pytest.mark.integration
def test_no_change_no_event(emulator_conn: str, emulator_admin: EmulatorAdmin) -> None:
    store = AssetStore()
    trigger = DirectChangesTrigger(LOGIN, emulator_conn, poll_interval=0.05)
    trigger.asset_state_store = store  # type: ignore[assignment]
    assert asyncio.run(watch(trigger, polls=20)) == []
    assert store.values[f"changes_cursor/{LOGIN}"]  # the server's time, where the watch goes on from


@pytest.mark.integration
def test_one_change_one_event(emulator_conn: str, emulator_admin: EmulatorAdmin) -> None:
    store = AssetStore()
    trigger = DirectChangesTrigger(LOGIN, emulator_conn, poll_interval=0.05)
    trigger.asset_state_store = store  # type: ignore[assignment]

    def rename_at_poll_3(poll: int) -> None:
        if poll == 3:
            emulator_admin.mutate({"op": "update", "type": "campaign", "id": CAMPAIGN, "fields": {"Name": "New"}})

    # 25 polls over about a second: the inclusive Timestamp reports the change again, once reported is enough.
    events = asyncio.run(watch(trigger, polls=25, between=rename_at_poll_3))
    assert len(events) == 1, events
    event = events[0]
    assert (event["client_login"], event["campaign_ids"], event["changes_in"]) == (LOGIN, [CAMPAIGN], ["SELF"])
    assert event["since"] <= event["until"]
    # Another login's change, or a statistics-only one, is not this watch's business.
    emulator_admin.mutate({"op": "stat_correction", "id": CAMPAIGN, "border_date": "2025-03-01"})
    resumed = DirectChangesTrigger(LOGIN, emulator_conn, poll_interval=0.05)
    resumed.asset_state_store = store  # type: ignore[assignment]  # a restarted triggerer: the stored cursor
    assert asyncio.run(watch(resumed, polls=5)) == []


@pytest.mark.integration
def test_a_change_before_a_restart_is_not_lost(emulator_conn: str, emulator_admin: EmulatorAdmin) -> None:
    """The cursor lives in the asset's state store: a change made while no triggerer ran is still reported."""
    store = AssetStore()
    first = DirectChangesTrigger(LOGIN, emulator_conn, poll_interval=0.05)
    first.asset_state_store = store  # type: ignore[assignment]
    assert asyncio.run(watch(first, polls=2)) == []
    emulator_admin.mutate({"op": "create", "type": "ad_group", "parent_id": CAMPAIGN + 1, "fields": {"Name": "N"}})
    second = DirectChangesTrigger(LOGIN, emulator_conn, poll_interval=0.05)
    second.asset_state_store = store  # type: ignore[assignment]
    events = asyncio.run(watch(second, polls=3))
    assert [(e["campaign_ids"], e["changes_in"]) for e in events] == [([CAMPAIGN + 1], ["CHILDREN"])]


@pytest.mark.integration
def test_each_poll_logs_its_units(
    emulator_conn: str, emulator_admin: EmulatorAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    trigger = DirectChangesTrigger(LOGIN, emulator_conn, poll_interval=0.05)
    asyncio.run(watch(trigger, polls=2))
    logged = capsys.readouterr().out  # the task SDK's structured log
    lines = [line for line in logged.splitlines() if "Changes.checkCampaigns [client-1]" in line]
    assert len(lines) == 2 and all(" units (rest " in line for line in lines), lines
