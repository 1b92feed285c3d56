"""``trigger_queue``: a deferred wait goes to the triggerers of its own queue (Airflow 3.2+ triggerer queues)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.exceptions import TaskDeferred
from airflow.sdk.execution_time.task_runner import _defer_task

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from airflow_provider_direct.operators.direct import DirectIncrementalSyncOperator
from airflow_provider_direct.operators.workers import WorkersTaskOperator
from airflow_provider_direct.triggers.async_task import AsyncTaskTrigger
from airflow_provider_direct.triggers.direct_changes import DirectChangesTrigger
from tests.conftest import free_port
from tests.dags.airflow_processes import AirflowProcesses

QUEUE = "yandex_direct"


def deferred_message(op: Any, trigger: Any) -> Any:
    """What the task runner sends when ``op`` defers: Airflow's own ``_defer_task`` decides the queue."""
    with pytest.raises(TaskDeferred) as deferred:
        op.defer(trigger=trigger, method_name="execute_complete")
    ti = SimpleNamespace(dag_id="d", task_id=op.task_id, run_id="r", task=op)
    message, _state = _defer_task(deferred.value, ti, op.log)  # type: ignore[arg-type]
    return message


@pytest.fixture
def queues_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__TRIGGERER__QUEUES_ENABLED", "True")


def test_the_wait_goes_to_the_trigger_queue_and_the_worker_queue_stays(queues_enabled: None) -> None:
    op = WorkersTaskOperator(task_id="w", worker_task_type="t", queue="celery_io", trigger_queue=QUEUE)
    trigger = AsyncTaskTrigger("workers", "workers_default", {"task_id": 1}, deadline=0.0)
    assert deferred_message(op, trigger).queue == QUEUE
    plain = WorkersTaskOperator(task_id="p", worker_task_type="t", queue="celery_io")
    assert deferred_message(plain, trigger).queue == "celery_io"  # Airflow's default: the task's queue
    sync = DirectIncrementalSyncOperator(task_id="s", trigger_queue=QUEUE)
    assert deferred_message(sync, trigger).queue == QUEUE  # the units wait


def test_without_queues_enabled_it_is_ignored_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__TRIGGERER__QUEUES_ENABLED", "False")
    op = WorkersTaskOperator(task_id="w", worker_task_type="t", trigger_queue=QUEUE)
    trigger = AsyncTaskTrigger("workers", "workers_default", {"task_id": 1}, deadline=0.0)
    assert deferred_message(op, trigger).queue is None
    assert op.queue == "default"


def test_a_trigger_that_takes_no_queue_keeps_none(queues_enabled: None) -> None:
    op = WorkersTaskOperator(task_id="w", worker_task_type="t", trigger_queue=QUEUE)
    assert DirectChangesTrigger.supports_triggerer_queue is False  # event triggers run on unqueued triggerers
    assert deferred_message(op, DirectChangesTrigger("client-1")).queue is None


DAG_SOURCE = """
import datetime as dt
from airflow.sdk import DAG
from airflow_provider_direct.operators.workers import WorkersTaskOperator

with DAG("trigger_queue", schedule=None, start_date=dt.datetime(2026, 1, 1), catchup=False):
    WorkersTaskOperator(
        task_id="export", http_conn_id="workers_queue", worker_task_type="bookings_export",
        deferrable=True, poll_interval=0.2, trigger_queue="yandex_direct",
    )
"""


@pytest.fixture
def airflow(tmp_path: Path, emulator: EmulatorServer, emulator_admin: EmulatorAdmin) -> Iterator[AirflowProcesses]:
    dag = tmp_path / "trigger_queue_dag.py"
    dag.write_text(DAG_SOURCE)
    conn = {"conn_type": "http", "host": emulator.url, "password": "async-token"}
    env = {"AIRFLOW_CONN_WORKERS_QUEUE": json.dumps(conn), "AIRFLOW__TRIGGERER__QUEUES_ENABLED": "True"}
    # The only triggerer consumes the Direct queue alone: a wait on any other queue would never end.
    only_direct = ["--queues", QUEUE]
    with AirflowProcesses(tmp_path / "airflow", [dag], env, free_port(), triggerer_args=only_direct) as processes:
        yield processes


@pytest.mark.integration
def test_a_real_triggerer_of_that_queue_runs_the_wait(airflow: AirflowProcesses, emulator_admin: EmulatorAdmin) -> None:
    emulator_admin.async_scenario("workers", {"duration": 2.0, "queue_seconds": 0.1, "result_rows": 3}, clear=True)
    airflow.wait_for("the DAG to be parsed", lambda: airflow.query("SELECT 1 FROM dag WHERE dag_id = 'trigger_queue'"))
    airflow.run_cli("dags", "trigger", "trigger_queue")
    airflow.wait_for(
        "the task to defer on the queue",
        lambda: airflow.query("SELECT queue FROM trigger") == [(QUEUE,)],
    )
    airflow.wait_for(
        "the task to succeed",
        lambda: airflow.query("SELECT state FROM task_instance WHERE task_id = 'export'") == [("success",)],
        timeout=120,
    )
    assert [j["phase"] for j in emulator_admin.async_jobs("workers")] == ["success"]
