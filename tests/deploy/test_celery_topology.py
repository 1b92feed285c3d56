"""The docker-compose topology, run natively: separate processes on loopback, configured from deploy/airflow.env.

PostgreSQL (metadata and warehouse) and Redis (Celery broker) are this machine's servers; the api-server,
scheduler, dag-processor, triggerer and a Celery worker are real Airflow processes. The test triggers the
sync DAG for three logins and the Direct fetch DAG through the REST API, then proves from the metadata DB
and the logs that Celery ran the tasks and the triggerer held the deferred waits, and that the warehouse
equals the emulator's truth. Everything it starts is stopped, also on failure.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer
from airflow_provider_direct.emulator.truth import visible_objects
from tests.conftest import PG_HOST, PG_PORT, PG_USER, free_port, require_postgres
from tests.deploy import DEPLOY, read_env

pytestmark = [pytest.mark.integration, pytest.mark.topology]

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
LOGINS = ["client-1", "client-2", "client-3"]
RUN_TIMEOUT = 420.0


def require_redis() -> None:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return
    except OSError:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("Redis is not reachable at 127.0.0.1:6379 and CI forbids skipping")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")


def psql(sql: str, database: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database, autocommit=True) as conn:
        conn.execute(sql)


def query(database: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database) as conn:
        return list(conn.execute(sql).fetchall())


class Topology:
    """The processes of one native Airflow deployment, and the REST client to drive it."""

    def __init__(self, home: Path, env: dict[str, str], api_port: int) -> None:
        self.home = home
        self.env = env
        self.api = f"http://127.0.0.1:{api_port}"
        self.api_port = api_port
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.session = requests.Session()

    def run(self, *args: str) -> None:
        done = subprocess.run([AIRFLOW, *args], env=self.env, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()[-3000:]

    def start(self, name: str, *args: str) -> None:
        log = (self.home / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [AIRFLOW, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self, name: str) -> str:
        return (self.home / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def wait_for(self, what: str, check: Any, timeout: float = 180.0) -> Any:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                assert process.poll() is None, f"{name} exited:\n{self.log(name)[-3000:]}"
            try:
                last = check()
                if last:
                    return last
            except requests.RequestException as exc:
                last = exc
            time.sleep(1)
        raise AssertionError(f"timed out waiting for {what}: {last}")

    def login(self) -> None:
        token = self.session.get(f"{self.api}/auth/token", timeout=10).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> str:
        self.wait_for(f"{dag_id} parsed", lambda: self.session.get(f"{self.api}/api/v2/dags/{dag_id}").ok)
        assert self.session.patch(f"{self.api}/api/v2/dags/{dag_id}", json={"is_paused": False}).ok
        response = self.session.post(
            f"{self.api}/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf}
        )
        assert response.ok, response.text
        return str(response.json()["dag_run_id"])

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        state = self.session.get(f"{self.api}/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
        return state if state in ("success", "failed") else None


def failure_report(deploy: Topology, metadata_db: str, run_ids: list[str]) -> str:
    """Every task instance that did not succeed, with its own task and trigger logs, then the process logs."""
    runs = ", ".join(f"'{r}'" for r in run_ids)
    failed = query(
        metadata_db,
        "SELECT dag_id, run_id, task_id, map_index, state, try_number FROM task_instance "
        f"WHERE run_id IN ({runs}) AND state IS DISTINCT FROM 'success' ORDER BY 1, 3, 4",
    )
    parts = []
    for dag_id, run_id, task_id, map_index, state, try_number in failed:
        folder = deploy.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        if map_index >= 0:
            folder /= f"map_index={map_index}"
        logs = sorted(folder.glob("*.log")) if folder.is_dir() else []
        texts = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-6000:]}" for log in logs)
        parts.append(f"=== {dag_id}.{task_id}[{map_index}] {state} (try {try_number})\n{texts or '(no log file)'}")
    processes = "\n".join(f"=== {name}.log\n{deploy.log(name)[-2000:]}" for name in deploy.processes)
    return "\n".join([*parts, processes])


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[tuple[Topology, EmulatorAdmin, str, str]]:
    require_postgres()
    require_redis()
    suffix = uuid.uuid4().hex[:10]
    metadata_db, warehouse_db = f"airflow_topology_{suffix}", f"warehouse_topology_{suffix}"
    psql(f"CREATE DATABASE {metadata_db}")
    psql(f"CREATE DATABASE {warehouse_db}")
    api_port = free_port()
    config = EmulatorConfig(logins=LOGINS, campaigns=3, smart_campaigns=1, groups=4, ads=2, keywords=10, seed=6)
    topology: Topology | None = None
    try:
        with EmulatorServer(config, mode="process") as emulator:
            admin = EmulatorAdmin(emulator.url)
            admin.async_scenario("direct_fetch", *([{"duration": 3, "queue_seconds": 1, "result_rows": 4}] * 2))
            # The compose settings verbatim; only the addresses differ (compose-addresses.env inside compose).
            pg = f"{PG_USER}@{PG_HOST}:{PG_PORT}"
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))},
                **read_env(DEPLOY / "airflow.env"),
                "AIRFLOW_HOME": str(tmp_path),
                "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(tmp_path / "logs"),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{pg}/{metadata_db}",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{pg}/{metadata_db}",
                "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:6379/{int(suffix, 16) % 15 + 1}",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
                "AIRFLOW_CONN_YANDEX_DIRECT_DEFAULT": json.dumps(
                    {"conn_type": "yandex_direct", "host": emulator.url, "password": "agency-token"}
                ),
                "AIRFLOW_CONN_DIRECT_FETCH_DEFAULT": json.dumps(
                    {"conn_type": "http", "host": emulator.url, "password": "async-token"}
                ),
                "AIRFLOW_CONN_DIRECT_WAREHOUSE_DEFAULT": json.dumps(
                    {
                        "conn_type": "postgres",
                        "host": PG_HOST,
                        "port": PG_PORT,
                        "schema": warehouse_db,
                        "login": PG_USER,
                    }
                ),
            }
            topology = Topology(tmp_path, env, api_port)
            topology.run("db", "migrate")
            topology.run("pools", "set", env["DIRECT_API_POOL"], env["DIRECT_API_POOL_SLOTS"], "API requests")
            topology.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(api_port), "--workers", "1")
            topology.start("scheduler", "scheduler")
            topology.start("dag-processor", "dag-processor")
            topology.start("triggerer", "triggerer")
            topology.start("worker", "celery", "worker", "--concurrency", "4")
            topology.wait_for(
                "the api-server", lambda: topology.session.get(f"{topology.api}/api/v2/monitor/health", timeout=5).ok
            )
            topology.login()
            yield topology, admin, metadata_db, warehouse_db
    finally:
        if topology is not None:
            topology.stop()
        for database in (metadata_db, warehouse_db):
            psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def test_sync_and_async_dags_on_celery_with_a_triggerer(topology: tuple[Topology, EmulatorAdmin, str, str]) -> None:
    deploy, admin, metadata_db, warehouse_db = topology
    sync_run = deploy.trigger("direct_incremental_sync", {"client_logins": LOGINS})
    fetch_run = deploy.trigger(
        "direct_fetch_processes", {"accounts": [{"account": "acc", "client": "cli"}], "types": ["history", "settings"]}
    )
    states = {
        dag_id: deploy.wait_for(f"{dag_id} to finish", lambda d=dag_id, r=run: deploy.run_state(d, r), RUN_TIMEOUT)
        for dag_id, run in (("direct_incremental_sync", sync_run), ("direct_fetch_processes", fetch_run))
    }
    assert states == {"direct_incremental_sync": "success", "direct_fetch_processes": "success"}, failure_report(
        deploy, metadata_db, [sync_run, fetch_run]
    )

    tis = query(
        metadata_db,
        "SELECT dag_id, task_id, map_index, state, rendered_map_index, hostname FROM task_instance "
        f"WHERE run_id IN ('{sync_run}', '{fetch_run}') ORDER BY 1, 2, 3",
    )
    sync = [t for t in tis if t[0] == "direct_incremental_sync" and t[1] == "sync"]
    assert sorted(t[4] for t in sync) == LOGINS  # one mapped task per login, labelled with it
    assert all(t[3] == "success" for t in tis)
    # Celery ran them: every task went through the broker and left its result in the result backend.
    celery = query(metadata_db, "SELECT status, COUNT(*) FROM celery_taskmeta GROUP BY status")
    assert dict(celery).get("SUCCESS", 0) >= len(tis)
    assert "celery@" in deploy.log("worker") and "succeeded" in deploy.log("worker")
    # The deferred waits were held by the triggerer process, not by a worker slot: each fetch task has a
    # trigger log written by a TriggererJob, with the job's progress and the fired event.
    fetched = [t for t in tis if t[0] == "direct_fetch_processes" and t[1] == "fetch"]
    assert len(fetched) == 2
    triggerer_jobs = {str(r[0]) for r in query(metadata_db, "SELECT id FROM job WHERE job_type = 'TriggererJob'")}
    for map_index in (0, 1):
        logs = list(
            (deploy.home / "logs").glob(
                f"dag_id=direct_fetch_processes/run_id=*/task_id=fetch/map_index={map_index}/*.trigger.*.log"
            )
        )
        assert len(logs) == 1, logs
        assert logs[0].name.rsplit(".", 2)[-2] in triggerer_jobs
        text = logs[0].read_text()
        assert "direct_fetch job: succeeded | 100%" in text and "Trigger fired event" in text

    # The warehouse equals the emulator's truth for every login.
    for login in LOGINS:
        truth = sorted(k["Id"] for k in visible_objects(admin, login, "keywords"))
        live = query(
            warehouse_db,
            f"SELECT id FROM direct_keywords WHERE client_login = '{login}' AND deleted_at IS NULL ORDER BY id",
        )
        assert [r[0] for r in live] == truth
    rows = query(warehouse_db, "SELECT COUNT(*) FROM direct_fetch_results")
    assert rows == [(8,)]  # two fetch processes, 4 rows each

    # The dashboard, in the same api-server, reads the PostgreSQL warehouse the Celery workers wrote.
    answer = deploy.session.get(f"{deploy.api}/direct-dashboard/api/figures", timeout=60)
    assert answer.status_code == 200, answer.text
    logins = answer.json()["logins"]
    assert sorted(s["client_login"] for s in logins) == LOGINS
    # The DAG is unpaused on its hourly schedule here, so a scheduled run may come beside the triggered one.
    assert all(s["last_run_status"] == "success" and s["units_limit"] > 0 for s in logins), logins
    assert all(1 <= s["runs_24h"] <= 2 for s in logins), logins
