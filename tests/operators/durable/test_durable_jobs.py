"""A worker that dies mid-wait, and its retry: with the task state store, one remote job, not two.

The DAG runs in its own processes under a throw-away AIRFLOW_HOME with a migrated metadata DB; the
emulator (in this process, over 127.0.0.1) counts the jobs started.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer

pytestmark = pytest.mark.integration

DAG_FILE = Path(__file__).with_name("durable_job_dag.py")
JOB_SECONDS = 3600.0


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An AIRFLOW_HOME of its own, migrated, whose DAGs folder holds only the test's DAG."""
    home = tmp_path_factory.mktemp("durable-airflow")
    dags = home / "dags"
    dags.mkdir()
    shutil.copy(DAG_FILE, dags / DAG_FILE.name)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[3]), os.environ.get("PYTHONPATH")])),
    }
    airflow_bin = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow_bin, "db", "migrate"], check=True, capture_output=True, env=env)
    return env


def _jobs(admin: EmulatorAdmin) -> list[dict[str, Any]]:
    return admin.async_jobs("workers")


def _kill_mid_wait(env: dict[str, str], admin: EmulatorAdmin, dag_file: Path) -> None:
    """Start the DAG and SIGKILL its process (the worker) once its job runs remotely."""
    process = subprocess.Popen(
        [sys.executable, str(dag_file), "start"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not any(j["phase"] == "running" for j in _jobs(admin)):
            assert process.poll() is None, process.communicate()[0].decode(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.1)
        time.sleep(0.5)  # a few polls into the wait
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _retry(env: dict[str, str], admin: EmulatorAdmin, dag_file: Path, durable: bool) -> str:
    """The next try; once it has found the job still running, the emulator's clock lets that job finish."""
    process = subprocess.Popen(
        [sys.executable, str(dag_file), "retry"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if ("Reconnecting to existing job" in line) or (not durable and "Started workers job" in line):
                admin.advance_clock(JOB_SECONDS)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    output = "".join(lines)
    assert process.returncode == 0, output[-4000:]
    return output


@pytest.mark.parametrize("durable", [True, False], ids=["durable", "not-durable"])
def test_a_retry_after_a_dead_worker_reattaches_to_the_running_job(
    durable: bool,
    airflow_env: dict[str, str],
    emulator: EmulatorServer,
    emulator_admin: EmulatorAdmin,
) -> None:
    emulator_admin.async_reset()
    # Jobs run an hour of the emulator's clock: they end only when the test moves that clock on.
    job = {"duration": JOB_SECONDS, "queue_seconds": 0.1, "result_rows": 42}
    emulator_admin.async_scenario("workers", job, job, clear=True)
    conn = {"conn_type": "http", "host": emulator.url, "password": "async-token"}
    env = {**airflow_env, "AIRFLOW_CONN_WORKERS_DURABLE": json.dumps(conn), "DURABLE_CONN_ID": "workers_durable"}
    env["DURABLE"] = "1" if durable else "0"
    dag_file = Path(airflow_env["AIRFLOW__CORE__DAGS_FOLDER"]) / DAG_FILE.name

    _kill_mid_wait(env, emulator_admin, dag_file)
    first = _jobs(emulator_admin)
    assert [j["phase"] for j in first] == ["running"]  # killed hard: nothing cancelled it

    output = _retry(env, emulator_admin, dag_file, durable)
    result = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    assert (result["state"], result["try_number"]) == ("success", 2), output[-4000:]
    value = result["return_value"]
    value = json.loads(value) if isinstance(value, str) else value
    jobs = _jobs(emulator_admin)
    if durable:
        assert len(jobs) == 1, jobs  # the retry waited for the job the dead worker started
        assert "of an earlier try: running" in output, output[-4000:]
        assert str(value["handle"]["task_id"]) == str(first[0]["id"])
    else:
        assert len(jobs) == 2, jobs  # without the store: a duplicate job
    assert value["rows"] == 42
