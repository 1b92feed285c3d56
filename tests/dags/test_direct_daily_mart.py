"""Restated statistics days reach a downstream DAG as partitioned asset events (Airflow 3.3), end to end:
the statistics DAG (dag.test) loads a window, the scheduler's own partition step creates one run of
``direct_daily_mart`` per changed day, and those runs rebuild exactly those days of the mart."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin
from airflow_provider_direct.warehouse.store import DirectWarehouse
from tests.dags.helpers import load_dagbag

pytestmark = pytest.mark.integration
LOGIN = "client-2"


def partition_runs() -> dict[str, str]:
    """Run the scheduler's step that turns pending partition events into Dag runs; the new runs' keys."""
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        before = set(session.scalars(select(DagRun.run_id).where(DagRun.dag_id == "direct_daily_mart")))
        SchedulerJobRunner(job=Job(), executors=[])._create_dagruns_for_partitioned_asset_dags(session)
        session.flush()
        runs = session.scalars(select(DagRun).where(DagRun.dag_id == "direct_daily_mart")).all()
        return {run.partition_key: run.run_id for run in runs if run.run_id not in before}


def mart_built_at(store: DirectWarehouse) -> dict[str, Any]:
    return {str(d): b for d, b in store._fetch("SELECT date, built_at FROM direct_campaign_daily_mart")}


def test_restated_days_reach_the_daily_mart_as_partitions(
    emulated_airflow: None, emulator_admin: EmulatorAdmin
) -> None:
    from airflow.utils.state import DagRunState

    # What the DAG processor does: both DAGs serialized, so the scheduler knows who listens to the asset.
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "dags", "reserialize"], check=True, capture_output=True, env=os.environ.copy())
    dagbag = load_dagbag()
    today = dt.date.today()
    start, end = (today - dt.timedelta(days=7)).isoformat(), (today - dt.timedelta(days=1)).isoformat()
    window = {"client_logins": [LOGIN], "date_from": start, "date_to": end}

    assert dagbag.get_dag("direct_statistics").test(run_conf=window).state == DagRunState.SUCCESS
    days = sorted({r["Date"] for r in emulator_admin.stats_truth(LOGIN, start, end) if r["Impressions"]})
    first = partition_runs()
    assert sorted(first) == days, "a first load changes every day of the window"
    mart = dagbag.get_dag("direct_daily_mart")
    for day in first:  # the runs the scheduler made, executed with their partition key
        assert mart.test(run_conf={"partition_key": day}).state == DagRunState.SUCCESS
    store = DirectWarehouse.from_conn_id("direct_warehouse_default")
    built = mart_built_at(store)
    assert sorted(built) == days

    # The same window again restates nothing: no partition, no run. Then one past day is corrected.
    assert load_dagbag().get_dag("direct_statistics").test(run_conf=window).state == DagRunState.SUCCESS
    assert partition_runs() == {}
    corrected = (today - dt.timedelta(days=4)).isoformat()
    campaign = next(emulator_admin.snapshot(LOGIN, "campaigns"))["Id"]
    emulator_admin.correct_stats(LOGIN, campaign, corrected, 0.5)
    assert load_dagbag().get_dag("direct_statistics").test(run_conf=window).state == DagRunState.SUCCESS
    restated = partition_runs()
    assert sorted(restated) == [corrected]
    assert load_dagbag().get_dag("direct_daily_mart").test(run_conf={"partition_key": corrected}).state == (
        DagRunState.SUCCESS
    )
    after = mart_built_at(store)
    assert after[corrected] > built[corrected]
    assert all(after[d] == built[d] for d in days if d != corrected), "the other days were not rebuilt"
    clicks = dict(store._fetch(f"SELECT date, clicks FROM direct_campaign_daily_mart WHERE client_login = '{LOGIN}'"))
    stats = dict(store._fetch("SELECT date, SUM(clicks) FROM direct_campaign_stats GROUP BY date"))
    assert clicks == stats
