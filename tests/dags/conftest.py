"""What the DAG tests share: a migrated metadata DB, and the emulator wired in as the connections."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from airflow_provider_direct.emulator import EmulatorServer


@pytest.fixture(scope="module")
def metadata_db() -> Iterator[None]:
    """dag.test() needs a migrated metadata DB: the tests' own SQLite one under AIRFLOW_HOME."""
    airflow_bin = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow_bin, "db", "migrate"], check=True, capture_output=True, env=os.environ.copy())
    yield


@pytest.fixture
def emulated_airflow(
    metadata_db: None,
    emulator: EmulatorServer,
    make_connection: Callable[..., str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The default Direct connection on the emulator's agency token, a SQLite warehouse, fast report polls."""
    monkeypatch.setenv("ASYNC_TASK_POLL_INTERVAL", "0.2")
    make_connection(host=emulator.url, password="agency-token")
    make_connection("direct_warehouse_default", conn_type="sqlite", host=str(tmp_path / "wh.db"))
