"""Failing logins from real task instances: the sync DAG run by ``dag.test`` on the tests' metadata DB."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_direct.emulator import EmulatorServer
from airflow_provider_direct.plugins.failing_logins import failing_logins, task_instance_url
from tests.dags.helpers import run_dag

pytestmark = pytest.mark.integration


def sync(logins: list[str]) -> Any:
    return run_dag("direct_incremental_sync", {"client_logins": logins})


def failing_now(since: dt.datetime) -> dict[str, Any]:
    from airflow.utils.session import create_session

    with create_session() as session:
        return {f.client_login: f for f in failing_logins(session, since, root="/airflow/")}


def test_a_login_fails_until_its_latest_attempt_succeeds(
    metadata_db: None, emulator: EmulatorServer, make_connection: Any, tmp_path: Path
) -> None:
    since = dt.datetime.now(dt.timezone.utc)
    make_connection(host=emulator.url, password="agency-token", extra={"max_retries": 1})
    # A warehouse SQLite cannot open (a folder): every login's sync fails.
    make_connection("direct_warehouse_default", conn_type="sqlite", host=str(tmp_path))
    broken = sync(["client-1", "client-2"])
    assert set(failing_now(since)) == {"client-1", "client-2"}
    failed = failing_now(since)["client-2"]
    assert (failed.dag_id, failed.run_id, failed.task_id, failed.state) == (
        "direct_incremental_sync",
        broken.run_id,
        "sync",
        "failed",
    )
    assert failed.url == task_instance_url("/airflow/", "direct_incremental_sync", broken.run_id, "sync", 1)
    assert failed.url.startswith("/airflow/dags/direct_incremental_sync/runs/manual__") and "%2B00%3A00" in failed.url

    make_connection("direct_warehouse_default", conn_type="sqlite", host=str(tmp_path / "wh.db"))
    sync(["client-1"])  # client-1 recovers; client-2 was not retried
    assert set(failing_now(since)) == {"client-2"}
    assert failing_now(dt.datetime.now(dt.timezone.utc)) == {}  # failures before the window are history


def test_unmapped_task_instances_link_without_a_map_index() -> None:
    assert task_instance_url("/", "d", "r 1", "t", -1) == "/dags/d/runs/r%201/tasks/t"
