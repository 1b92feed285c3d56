"""The event-driven sync DAG on a real Airflow: the triggerer watches, the scheduler runs, the sync lands.

No change, no run; one change, one run (which syncs the changed login). Runs dag-processor, scheduler,
triggerer and api-server processes against the emulator, all on 127.0.0.1.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from tests.conftest import free_port
from tests.dags.airflow_processes import AirflowProcesses
from tests.dags.helpers import DAGS

pytestmark = pytest.mark.integration

LOGIN = "client-1"
CAMPAIGN = 1_000_000
POLL_SECONDS = 1.0


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.db"


@pytest.fixture
def airflow(
    tmp_path: Path, warehouse: Path, emulator: EmulatorServer, emulator_admin: EmulatorAdmin
) -> Iterator[AirflowProcesses]:
    env = {
        "DIRECT_WATCH_LOGINS": LOGIN,
        "DIRECT_WATCH_POLL_SECONDS": str(POLL_SECONDS),
        "DIRECT_API_POOL": "default_pool",
        "AIRFLOW_CONN_YANDEX_DIRECT_DEFAULT": json.dumps(
            {"conn_type": "yandex_direct", "host": emulator.url, "password": "agency-token"}
        ),
        "AIRFLOW_CONN_DIRECT_WAREHOUSE_DEFAULT": json.dumps({"conn_type": "sqlite", "host": str(warehouse)}),
    }
    with AirflowProcesses(tmp_path / "airflow", [DAGS / "direct_sync_on_changes.py"], env, free_port()) as processes:
        yield processes


def test_no_change_no_run_then_one_change_one_run(
    airflow: AirflowProcesses, emulator_admin: EmulatorAdmin, warehouse: Path
) -> None:
    def cursor() -> str | None:
        rows = airflow.query("SELECT value FROM asset_state_store WHERE key = ?", f"changes_cursor/{LOGIN}")
        return json.loads(rows[0][0]) if rows else None

    started = airflow.wait_for("the watcher's first poll", cursor)
    # No change: polls go by (the cursor moves on with the server's time), and no run.
    airflow.wait_for("the cursor to move on", lambda: (cursor() or "") > started)
    time.sleep(5 * POLL_SECONDS)
    assert airflow.query("SELECT COUNT(*) FROM dag_run") == [(0,)], airflow.logs()
    assert airflow.query("SELECT COUNT(*) FROM asset_event") == [(0,)]

    emulator_admin.mutate({"op": "update", "type": "campaign", "id": CAMPAIGN, "fields": {"Name": "Watched"}})
    airflow.wait_for(
        "the run the change started to succeed",
        lambda: airflow.query("SELECT state FROM dag_run WHERE dag_id = 'direct_sync_on_changes'") == [("success",)],
        timeout=180,
    )
    time.sleep(5 * POLL_SECONDS)  # more polls: the same change starts nothing more
    runs = airflow.query("SELECT run_type, state FROM dag_run")
    assert runs == [("asset_triggered", "success")], airflow.logs()
    events = airflow.query("SELECT extra FROM asset_event")
    assert len(events) == 1
    payload = json.loads(events[0][0])["payload"]
    assert (payload["client_login"], payload["campaign_ids"], payload["changes_in"]) == (LOGIN, [CAMPAIGN], ["SELF"])
    mapped = airflow.query("SELECT map_index, state, rendered_map_index FROM task_instance WHERE task_id = 'sync'")
    assert mapped == [(0, "success", LOGIN)], airflow.logs()
    with sqlite3.connect(warehouse) as db:
        names = db.execute("SELECT name FROM direct_campaigns WHERE id = ?", (CAMPAIGN,)).fetchall()
    assert names == [("Watched",)]
