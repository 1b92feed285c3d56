"""The statistics deadline: the callback's report, and the alert on a real scheduler and triggerer."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_direct.utils.deadlines import statistics_late
from airflow_provider_direct.warehouse.schema import CAMPAIGN_STATS
from airflow_provider_direct.warehouse.store import DirectWarehouse
from tests.conftest import free_port
from tests.dags.airflow_processes import AirflowProcesses
from tests.dags.helpers import DAGS

LOGICAL = dt.datetime(2026, 12, 4, 6, 0, tzinfo=dt.timezone.utc)


def context(logical: dt.datetime = LOGICAL) -> dict[str, Any]:
    """What Airflow's Deadline.handle_miss passes an AsyncCallback (its "simple context")."""
    return {
        "dag_run": {
            "dag_id": "direct_statistics",
            "dag_run_id": "scheduled__x",
            "logical_date": logical.isoformat(),
            "state": "running",
        },
        "deadline": {"id": "d-1", "deadline_time": (logical + dt.timedelta(hours=3)).isoformat()},
    }


def record_loads(warehouse: DirectWarehouse, *loads: tuple[str, str, str, str]) -> None:
    with warehouse.transaction() as tx:
        for login, table, date_from, date_to in loads:
            tx.record_load(login, table, date_from, date_to, dt.datetime.now(dt.timezone.utc))


def test_the_callback_names_the_logins_already_loaded(
    warehouse_conn: tuple[str, str | None], caplog: pytest.LogCaptureFixture
) -> None:
    conn_id, schema = warehouse_conn
    warehouse = DirectWarehouse.from_conn_id(conn_id, schema=schema)
    record_loads(
        warehouse,
        ("client-1", CAMPAIGN_STATS, "2026-12-01", "2026-12-03"),  # covers yesterday (the 3rd)
        ("client-2", CAMPAIGN_STATS, "2026-12-01", "2026-12-02"),  # does not
        ("client-3", "direct_ad_stats", "2026-12-03", "2026-12-03"),  # another table
    )
    result = asyncio.run(statistics_late(context(), warehouse_conn_id=conn_id, warehouse_schema=schema))
    assert result == {"day": "2026-12-03", "loaded": ["client-1"], "deadline": "2026-12-04T09:00:00+00:00"}
    line = next(r.getMessage() for r in caplog.records if "missed their deadline" in r.getMessage())
    assert "2026-12-03" in line and "loaded so far for client-1" in line and "scheduled__x" in line


def test_the_alert_goes_out_even_when_the_warehouse_cannot_be_read(
    make_connection: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    conn_id = make_connection("broken_wh", conn_type="sqlite", host=str(tmp_path / "missing" / "dir" / "wh.db"))
    result = asyncio.run(statistics_late(context(), warehouse_conn_id=conn_id))
    assert result["loaded"] == []
    assert any("the warehouse could not be read" in r.getMessage() for r in caplog.records)


@pytest.fixture
def airflow(tmp_path: Path, make_connection: Any) -> Iterator[AirflowProcesses]:
    warehouse = tmp_path / "warehouse.db"
    conn_id = make_connection("deadline_wh", conn_type="sqlite", host=str(warehouse))
    record_loads(DirectWarehouse.from_conn_id(conn_id), ("client-1", CAMPAIGN_STATS, "2026-12-03", "2026-12-03"))
    env = {
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",  # no run of its own: only the late one below
        "DIRECT_STATISTICS_DEADLINE_MINUTES": "180",
        "AIRFLOW_CONN_DIRECT_WAREHOUSE_DEFAULT": json.dumps({"conn_type": "sqlite", "host": str(warehouse)}),
    }
    with AirflowProcesses(tmp_path / "airflow", [DAGS / "direct_statistics.py"], env, free_port()) as processes:
        yield processes


@pytest.mark.integration
def test_a_late_run_fires_the_alert_in_the_triggerer(airflow: AirflowProcesses) -> None:
    """A run of the 4th's 06:00 that has not loaded by 09:00 (it never starts: the DAG is paused)."""
    airflow.wait_for("the DAG", lambda: airflow.query("SELECT 1 FROM dag WHERE dag_id = 'direct_statistics'"))
    airflow.run_cli("dags", "trigger", "direct_statistics", "--logical-date", LOGICAL.isoformat())
    deadlines = airflow.query("SELECT deadline_time FROM deadline")
    assert len(deadlines) == 1 and str(deadlines[0][0]).startswith("2026-12-04 09:00:00"), deadlines
    log = airflow.home / "triggerer.log"
    line = airflow.wait_for(
        "the deadline callback in the triggerer",
        lambda: next((x for x in log.read_text(errors="replace").splitlines() if "missed their deadline" in x), None),
        timeout=120,
    )
    assert "statistics of 2026-12-03" in line and "loaded so far for client-1" in line, line
    assert airflow.query("SELECT missed FROM deadline") == [(1,)]
