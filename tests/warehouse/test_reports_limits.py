"""The Reports limits shared through the warehouse: the window and the slots on SQLite and PostgreSQL, and
two separate processes polling one login against the emulator, which answers error 56 past the limit.

https://yandex.com/dev/direct/doc/en/restrictions: "a maximum of 20 requests in 10 seconds to the Reports
service for each user" and "a maximum of 5 offline reports at once per user". The emulator is set to 4
requests per 2 s here, and the limits to the same, so the test takes seconds, not minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from airflow_provider_direct.warehouse.reports_limits import SLOT_TTL_SECONDS, ReportsLimits
from airflow_provider_direct.warehouse.store import DirectWarehouse


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def warehouse(warehouse_conn: tuple[str, str | None]) -> DirectWarehouse:
    conn_id, schema = warehouse_conn
    return DirectWarehouse.from_conn_id(conn_id, schema=schema)


def test_a_window_of_calls_per_login(warehouse: DirectWarehouse) -> None:
    clock = Clock()
    limits = ReportsLimits(warehouse, calls=3, window=10.0, clock=clock)  # each call kept 10.5 s (margin)
    assert [limits.take_call("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limits.take_call("a") == pytest.approx(10.5)
    assert limits.take_call("b") == 0.0, "another login has its own window"
    clock.now += 4
    assert limits.take_call("a") == pytest.approx(6.5)
    clock.now += 6.5
    assert limits.take_call("a") == 0.0


def test_offline_slots_per_login(warehouse: DirectWarehouse) -> None:
    clock = Clock()
    limits = ReportsLimits(warehouse, offline=2, clock=clock)
    assert limits.take_slot("a", "r1") and limits.take_slot("a", "r2")
    assert limits.take_slot("a", "r1"), "a report that holds a slot keeps it"
    assert not limits.take_slot("a", "r3")
    assert limits.take_slot("b", "r3")
    limits.release_slot("a", "r1")
    assert limits.take_slot("a", "r3")
    clock.now += SLOT_TTL_SECONDS + 1  # holders that died: their slots free themselves
    assert limits.take_slot("a", "r4") and limits.take_slot("a", "r5")


POLLER = textwrap.dedent(
    """
    import asyncio, json, sys
    from airflow_provider_direct.async_task.errors import AsyncTaskTransientError
    from airflow_provider_direct.hooks.async_task import AsyncTaskHook

    handle = json.loads(sys.argv[1])
    polls = int(sys.argv[2])

    async def main():
        hook = AsyncTaskHook("direct_reports", "limits_direct")
        refused = 0
        async with await hook.aclient() as client:
            for _ in range(polls):
                try:
                    await hook.protocol.poll(client, handle)
                except AsyncTaskTransientError as exc:
                    refused += "56" in str(exc)
        print(json.dumps({"refused": refused}))

    asyncio.run(main())
    """
)


def run_pollers(handle: dict[str, Any], env: dict[str, str], tmp_path: Path, processes: int = 2, polls: int = 8) -> int:
    """Poll one login's report from several processes at once (as several triggerers do); the 56s they got."""
    script = tmp_path / "poller.py"
    script.write_text(POLLER)
    children = [
        subprocess.Popen(
            [sys.executable, str(script), json.dumps(handle), str(polls)], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    refused = 0
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        refused += json.loads(out.strip().splitlines()[-1])["refused"]
    return refused


@pytest.mark.integration
def test_two_processes_share_the_login_limit(
    emulator: EmulatorServer, emulator_admin: EmulatorAdmin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator_admin.reset(reports_rate_limit=4, reports_rate_window=2.0)
    env = {
        **os.environ,
        "AIRFLOW_CONN_LIMITS_DIRECT": json.dumps(
            {"conn_type": "yandex_direct", "host": emulator.url, "password": "agency-token", "login": "client-1"}
        ),
        "AIRFLOW_CONN_LIMITS_WH": json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "limits.db")}),
    }
    definition = {
        "SelectionCriteria": {"DateFrom": "2026-01-01", "DateTo": "2026-01-02"},
        "FieldNames": ["Date", "CampaignId", "Clicks"],
        "ReportName": "limits-test",
        "ReportType": "CAMPAIGN_PERFORMANCE_REPORT",
        "DateRangeType": "CUSTOM_DATE",
        "Format": "TSV",
        "IncludeVAT": "YES",
    }
    handle = {"definition": definition, "headers": {"processingMode": "online"}, "client_login": "client-1"}
    # Without the shared limits each process keeps its own window of 20: together they pass the login's 4.
    assert run_pollers(handle, env, tmp_path) > 0
    emulator_admin.reset(reports_rate_limit=4, reports_rate_window=2.0)
    shared = {**handle, "limits": {"conn_id": "limits_wh", "calls": 4, "window": 2.0}}
    assert run_pollers(shared, env, tmp_path) == 0, "counted in the warehouse, 16 calls never pass 4 per 2 s"
