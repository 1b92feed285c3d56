"""The example DAGs parse, and the sync DAG runs end to end (dag.test) against the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from airflow_provider_direct.emulator.truth import visible_objects
from airflow_provider_direct.warehouse.schema import KEYWORDS
from airflow_provider_direct.warehouse.store import DirectWarehouse
from tests.dags.helpers import load_dagbag, without_retries


def test_dags_import_without_errors(metadata_db: None) -> None:
    dagbag = load_dagbag()
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {
        "direct_incremental_sync",
        "direct_fetch_processes",
        "moysklad_stock_report",
        "workers_export",
        "mytarget_async_request",
        "direct_statistics",
        "direct_daily_mart",
        "direct_sync_on_changes",
    }
    dag = dagbag.get_dag("direct_incremental_sync")
    assert {t.task_id for t in dag.tasks} == {"client_logins", "sync"}
    sync = dag.get_task("sync")
    assert sync.pool == "yandex_direct_api"
    assert sync.map_index_template == "{{ task.client_login }}"
    assert set(dag.params) == {"client_logins", "full_refresh", "units_budget"}


@pytest.mark.integration
def test_three_logins_one_failing(
    metadata_db: None,
    emulator: EmulatorServer,
    emulator_admin: EmulatorAdmin,
    make_connection: Any,
    tmp_path: Path,
) -> None:
    from airflow.utils.state import DagRunState, TaskInstanceState

    make_connection(host=emulator.url, password="agency-token", extra={"max_retries": 1})
    make_connection("direct_warehouse_default", conn_type="sqlite", host=str(tmp_path / "wh.db"))
    dag = without_retries(load_dagbag().get_dag("direct_incremental_sync"))
    run = dag.test(run_conf={"client_logins": ["client-1", "no-such-login", "client-3"]})

    states = {ti.map_index: ti.state for ti in run.get_task_instances() if ti.task_id == "sync"}
    assert states == {0: TaskInstanceState.SUCCESS, 1: TaskInstanceState.FAILED, 2: TaskInstanceState.SUCCESS}
    assert run.state == DagRunState.FAILED

    warehouse = DirectWarehouse.from_conn_id("direct_warehouse_default")
    for login in ("client-1", "client-3"):
        truth = {k["Id"] for k in visible_objects(emulator_admin, login, "keywords")}
        assert {k["Id"] for k in warehouse.live_objects(KEYWORDS, login)} == truth


@pytest.mark.integration
def test_direct_fetch_processes_dag_end_to_end(
    metadata_db: None,
    emulator: EmulatorServer,
    emulator_admin: EmulatorAdmin,
    make_connection: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deferred mapped tasks run through their triggers (dag.test runs them inline) and land rows in the table."""
    from airflow.utils.state import DagRunState

    monkeypatch.setenv("ASYNC_TASK_POLL_INTERVAL", "0.2")
    make_connection("direct_fetch_default", conn_type="http", host=emulator.url, password="async-token")
    make_connection("direct_warehouse_default", conn_type="sqlite", host=str(tmp_path / "wh.db"))
    jobs = [{"duration": 0.3, "queue_seconds": 0, "result_rows": 5}] * 8
    emulator_admin.async_scenario("direct_fetch", *jobs)
    dag = load_dagbag().get_dag("direct_fetch_processes")
    accounts = [{"account": "acc", "client": "c1"}, {"account": "acc", "client": "c2"}]
    run = dag.test(run_conf={"accounts": accounts})
    assert run.state == DagRunState.SUCCESS
    rows = DirectWarehouse.from_conn_id("direct_warehouse_default")._fetch(
        "SELECT COUNT(DISTINCT task_key), COUNT(*) FROM direct_fetch_results"
    )
    assert rows == [(8, 40)]  # 2 accounts x 4 types, 5 rows each


@pytest.mark.integration
def test_direct_statistics_dag_backfill(
    emulated_airflow: None,
    emulator: EmulatorServer,
    emulator_admin: EmulatorAdmin,
) -> None:
    """A manual backfill run splits the range into report-sized periods and loads every one."""
    from airflow.utils.state import DagRunState

    dag = without_retries(load_dagbag().get_dag("direct_statistics"))
    run = dag.test(run_conf={"client_logins": ["client-2"], "date_from": "2026-08-01", "date_to": "2026-09-15"})
    assert run.state == DagRunState.SUCCESS
    reports = [ti for ti in run.get_task_instances() if ti.task_id == "report"]
    assert len(reports) == 2  # 31 + 15 days
    truth = emulator_admin.stats_truth("client-2", "2026-08-01", "2026-09-15")
    store = DirectWarehouse.from_conn_id("direct_warehouse_default")
    assert store._fetch("SELECT COUNT(*), SUM(clicks) FROM direct_campaign_stats") == [
        (sum(1 for r in truth if r["Impressions"]), sum(r["Clicks"] for r in truth))
    ]


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["sqlite", "clickhouse"])
def test_restatement_through_the_sync_and_statistics_dags(
    emulated_airflow: None,
    emulator: EmulatorServer,
    emulator_admin: EmulatorAdmin,
    backend: str,
    request: pytest.FixtureRequest,
    make_connection: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Sync + stats DAGs; a past day is corrected; the next runs restate it, and earlier days are not re-pulled.

    On ClickHouse too: the default warehouse connection is a ``clickhouse`` one, and the shared Reports limits
    are counted in a SQLite file (``DIRECT_REPORTS_LIMITS_CONN_ID``)."""
    import datetime as dt

    from airflow.utils.state import DagRunState

    if backend == "clickhouse":
        from airflow.providers.clickhousedb.hooks.clickhouse import ClickHouseHook

        conn_id, database = request.getfixturevalue("clickhouse_conn")
        client = ClickHouseHook(clickhouse_conn_id=conn_id).get_client()
        client.command(f"CREATE DATABASE IF NOT EXISTS {database}")
        client.close()
        extra = {
            "client_kwargs": {"interface": "chdb", "dsn": f"chdb://{request.getfixturevalue('clickhouse_engine')}"}
        }
        make_connection(
            "direct_warehouse_default", conn_type="clickhouse", host="localhost", schema=database, extra=extra
        )
        make_connection("reports_limits", conn_type="sqlite", host=str(tmp_path / "limits.db"))
        monkeypatch.setenv("DIRECT_REPORTS_LIMITS_CONN_ID", "reports_limits")

    dagbag = load_dagbag()
    sync_dag, stats_dag = dagbag.get_dag("direct_incremental_sync"), dagbag.get_dag("direct_statistics")
    logins = {"client_logins": ["client-3"], "reports": ["geo_day"]}
    day = dt.date.today()
    start, end = (day - dt.timedelta(days=14)).isoformat(), (day - dt.timedelta(days=1)).isoformat()

    assert sync_dag.test(run_conf=logins).state == DagRunState.SUCCESS
    assert stats_dag.test(run_conf={**logins, "date_from": start, "date_to": end}).state == DagRunState.SUCCESS
    store = DirectWarehouse.from_conn_id("direct_warehouse_default")
    assert store.dialect.name == backend
    before = dict(store._fetch("SELECT date, MAX(loaded_at) FROM direct_campaign_stats GROUP BY date"))
    geo_before = dict(store._fetch("SELECT date, MAX(loaded_at) FROM direct_stats_geo_day GROUP BY date"))

    corrected = (day - dt.timedelta(days=6)).isoformat()
    campaign = next(emulator_admin.snapshot("client-3", "campaigns"))["Id"]
    emulator_admin.correct_stats("client-3", campaign, corrected, 0.5)
    emulator_admin.advance_clock(2)
    assert sync_dag.test(run_conf=logins).state == DagRunState.SUCCESS  # records the BorderDate
    # A fresh parse: dag.test() leaves the previous run's conf in the DAG object's params.
    stats_dag = load_dagbag().get_dag("direct_statistics")
    assert stats_dag.test(run_conf=logins).state == DagRunState.SUCCESS  # pulls from the BorderDate

    truth = {
        (r["CampaignId"], r["Date"]): r["Clicks"]
        for r in emulator_admin.stats_truth("client-3", start, end)
        if r["Impressions"]
    }
    loaded = {(c, str(d)): k for c, d, k in store._fetch("SELECT campaign_id, date, clicks FROM direct_campaign_stats")}
    assert loaded == truth
    after = dict(store._fetch("SELECT date, MAX(loaded_at) FROM direct_campaign_stats GROUP BY date"))
    earlier = [d for d in before if str(d) < corrected]
    assert earlier and all(after[d] == before[d] for d in earlier)
    assert all(after[d] > before[d] for d in before if str(d) >= corrected)
    restatements = store.dialect.source("direct_stat_restatements")
    assert store._fetch(f"SELECT COUNT(*) FROM {restatements} WHERE done_at IS NULL") == [(0,)]
    # The geo table restated on its own pending rows: the corrected day onwards, nothing before it.
    from airflow_provider_direct.warehouse.statistics import pending_restatements

    geo_after = dict(store._fetch("SELECT date, MAX(loaded_at) FROM direct_stats_geo_day GROUP BY date"))
    assert all(geo_after[d] == geo_before[d] for d in geo_before if str(d) < corrected)
    assert all(geo_after[d] > geo_before[d] for d in geo_before if str(d) >= corrected)
    assert pending_restatements(store, "client-3", "direct_stats_geo_day") == {}
    geo_clicks = dict(store._fetch("SELECT date, SUM(clicks) FROM direct_stats_geo_day GROUP BY date"))
    campaign_clicks = dict(store._fetch("SELECT date, SUM(clicks) FROM direct_campaign_stats GROUP BY date"))
    assert geo_clicks == campaign_clicks, "the regions add up to the campaigns, the corrected day included"


@pytest.mark.integration
def test_direct_statistics_dag_loads_the_chosen_standard_reports(
    emulated_airflow: None,
    emulator: EmulatorServer,
    emulator_admin: EmulatorAdmin,
) -> None:
    """The ``reports`` param adds standard reports over the same periods; the others are not pulled."""
    import datetime as dt

    from airflow.utils.state import DagRunState, TaskInstanceState

    dag = without_retries(load_dagbag().get_dag("direct_statistics"))
    day = dt.date.today()
    start, end = (day - dt.timedelta(days=5)).isoformat(), (day - dt.timedelta(days=1)).isoformat()
    conf = {"client_logins": ["client-2"], "date_from": start, "date_to": end, "reports": ["geo_day", "search_queries"]}
    run = dag.test(run_conf=conf)
    assert run.state == DagRunState.SUCCESS
    states = {ti.task_id: ti.state for ti in run.get_task_instances() if ti.task_id.startswith("report_")}
    assert states["report_geo_day"] == states["report_search_queries"] == TaskInstanceState.SUCCESS
    assert states["report_ad_day"] == TaskInstanceState.SKIPPED  # not asked for: no mapped instance
    store = DirectWarehouse.from_conn_id("direct_warehouse_default")
    geo = emulator_admin.stats_truth(
        "client-2",
        start,
        end,
        dims=["LocationOfPresenceId", "LocationOfPresenceName", "TargetingLocationId", "TargetingLocationName"],
    )
    assert store._fetch("SELECT COUNT(*), SUM(clicks) FROM direct_stats_geo_day") == [
        (len(geo), sum(r["Clicks"] for r in geo))
    ]
    queries = store._fetch("SELECT COUNT(*), SUM(impressions) FROM direct_stats_search_queries")[0]
    campaign_totals = store._fetch("SELECT SUM(impressions) FROM direct_campaign_stats")[0][0]
    assert queries[0] > 0 and 0 < queries[1] < campaign_totals  # search traffic only, a share of the whole


@pytest.mark.integration
def test_openlineage_events_name_what_the_sync_read_and_wrote(emulated_airflow: None, tmp_path: Path) -> None:
    """The sync DAG under the OpenLineage provider's file transport (in a fresh process, which reads the
    transport at start): the sync task's COMPLETE event has the login's API services as inputs, the
    warehouse tables as outputs, and the units spent and rows in the provider's run facet."""
    import json
    import os
    import subprocess
    import sys

    events = tmp_path / "openlineage.jsonl"
    env = {
        **os.environ,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps({"type": "file", "log_file_path": str(events), "append": True}),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "direct-tests",
    }
    code = (
        "from tests.dags.helpers import load_dagbag\n"
        "dag = load_dagbag().get_dag('direct_incremental_sync')\n"
        "print('DAG RUN', dag.test(run_conf={'client_logins': ['client-1']}).state)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root)
    assert done.returncode == 0 and "DAG RUN success" in done.stdout.splitlines(), done.stderr[-3000:]

    sent = [json.loads(line) for line in events.read_text().splitlines()]
    complete = [e for e in sent if e["eventType"] == "COMPLETE" and e["job"]["name"].endswith(".sync")]
    assert len(complete) == 1
    event = complete[0]
    inputs = {(d["namespace"], d["name"]) for d in event["inputs"]}
    outputs = {d["name"] for d in event["outputs"]}
    assert {name for _, name in inputs} >= {"client-1/changes", "client-1/keywords", "client-1/sitelinks"}
    assert all(namespace.startswith("http://127.0.0.1:") for namespace, _ in inputs)
    assert {"direct_campaigns", "direct_keywords", "direct_sitelink_sets"} <= outputs
    facet = event["run"]["facets"]["yandex_direct"]
    assert facet["units_spent"] > 0 and facet["rows"] > 0
