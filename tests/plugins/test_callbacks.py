"""myTarget callbacks as events, on a real Airflow: the signed callback wakes the deferred task at once.

The trigger polls every 10 minutes here, so a task that ends within a minute was woken by the callback.
Then the same callback again (a replay), a forged one and an unsigned one are refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from tests.conftest import free_port
from tests.dags.airflow_processes import AirflowProcesses

pytestmark = pytest.mark.integration

DAG_SOURCE = """
import datetime as dt
from airflow.sdk import DAG
from airflow_provider_direct.operators.mytarget import MyTargetAsyncRequestOperator

with DAG("mytarget_callback", schedule=None, start_date=dt.datetime(2026, 1, 1), catchup=False):
    MyTargetAsyncRequestOperator(
        task_id="banners", http_conn_id="mytarget_cb", path="/api/v2/banners.json",
        deferrable=True, poll_interval=600, callback_poll_interval=600,
    )
"""


@pytest.fixture
def airflow(tmp_path: Path, emulator: EmulatorServer, emulator_admin: EmulatorAdmin) -> Iterator[AirflowProcesses]:
    dag = tmp_path / "mytarget_callback_dag.py"
    dag.write_text(DAG_SOURCE)
    port = free_port()
    env = {
        "AIRFLOW_CONN_MYTARGET_CB": json.dumps({"conn_type": "http", "host": emulator.url, "password": "async-token"}),
        "AIRFLOW__YANDEX_DIRECT__CALLBACK_BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__YANDEX_DIRECT__CALLBACK_SECRET": "test-callback-secret-7c1e",
    }
    with AirflowProcesses(tmp_path / "airflow", [dag], env, port) as processes:
        yield processes


def test_the_callback_wakes_the_task_and_a_replay_is_refused(
    airflow: AirflowProcesses, emulator_admin: EmulatorAdmin
) -> None:
    emulator_admin.async_scenario("mytarget", {"duration": 3.0, "queue_seconds": 0.1}, clear=True)
    airflow.wait_for("the DAG", lambda: airflow.query("SELECT 1 FROM dag WHERE dag_id = 'mytarget_callback'"))
    airflow.run_cli("dags", "trigger", "mytarget_callback")
    airflow.wait_for(
        "the task to succeed (woken by the callback: the next poll is 10 minutes away)",
        lambda: airflow.query("SELECT state FROM task_instance WHERE task_id = 'banners'") == [("success",)],
        timeout=90,
    )
    (job,) = emulator_admin.async_jobs("mytarget")
    (callback,) = job["callbacks"]
    assert callback["status"] == 202, callback
    url = callback["url"]
    assert url.startswith(f"http://127.0.0.1:{airflow.api_port}/direct-callbacks/mytarget/")
    assert "test-callback-secret" not in url
    tries = airflow.query("SELECT try_number FROM task_instance WHERE task_id = 'banners'")
    assert tries == [(1,)]  # resumed from the deferral, not retried

    params = {"response_id": job["id"], "response_url": "x", "response_http_code": "200"}
    replay = requests.post(url, data=params, timeout=30)
    assert (replay.status_code, "not waiting" in replay.json()["detail"]) == (409, True)
    token = url.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    forged = requests.post(url.replace(token, f"{payload}.{signature[:-3]}AAA"), data=params, timeout=30)
    assert forged.status_code == 403
    unsigned = requests.post(url.replace(token, payload), data=params, timeout=30)
    assert unsigned.status_code == 401
