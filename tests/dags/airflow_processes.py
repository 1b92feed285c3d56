"""A real Airflow on one machine for a test: dag-processor, scheduler, triggerer and api-server processes.

Its own AIRFLOW_HOME (SQLite metadata DB, LocalExecutor), a DAGs folder holding only the DAGs a test copies
in, and every port on 127.0.0.1. Used where only the real components show the behaviour: asset watchers
in the triggerer, runs the scheduler creates from their events, tasks executed through the execution API.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

COMPONENTS = ("dag-processor", "scheduler", "triggerer", "api-server")


class AirflowProcesses:
    """Started and stopped as a context manager (or :meth:`start` / :meth:`stop`); :meth:`query` reads the DB."""

    def __init__(
        self,
        home: Path,
        dags: Iterable[Path],
        env: dict[str, str],
        api_port: int,
        triggerer_args: Iterable[str] = (),
    ) -> None:
        self.home = home
        self.dags = home / "dags"
        self.dags.mkdir(parents=True, exist_ok=True)
        for dag in dags:
            shutil.copy(dag, self.dags / dag.name)
        self.api_port = api_port
        self.triggerer_args = list(triggerer_args)
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
            **env,
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.airflow = str(Path(sys.executable).with_name("airflow"))

    def __enter__(self) -> AirflowProcesses:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        subprocess.run([self.airflow, "db", "migrate"], check=True, capture_output=True, env=self.env)
        for name in COMPONENTS:
            args = [self.airflow, name]
            args += ["--port", str(self.api_port)] if name == "api-server" else []
            args += self.triggerer_args if name == "triggerer" else []
            with open(self.home / f"{name}.log", "wb") as log:
                self.processes[name] = subprocess.Popen(
                    args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def run_cli(self, *args: str) -> str:
        """An ``airflow`` CLI command against this deployment; its output."""
        done = subprocess.run([self.airflow, *args], env=self.env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise AssertionError(f"airflow {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.home / "airflow.db", timeout=30) as db:
            return db.execute(sql, args).fetchall()

    def logs(self, tail: int = 3000) -> str:
        """The tail of every component's log, for an assertion message."""
        parts = []
        for name in COMPONENTS:
            path = self.home / f"{name}.log"
            text = path.read_text(errors="replace") if path.exists() else ""
            parts.append(f"--- {name} ---\n{text[-tail:]}")
        return "\n".join(parts)

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = 120) -> Any:
        """Poll ``check`` until it returns something truthy; fail with the logs after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise AssertionError(f"the {name} exited ({process.returncode})\n{self.logs()}")
            try:
                value = check()
            except sqlite3.OperationalError:  # not migrated or locked yet
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")
            time.sleep(0.5)
