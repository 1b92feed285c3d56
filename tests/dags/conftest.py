"""What the DAG tests share: a migrated metadata DB, and the emulator wired in as the connections."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from airflow_provider_direct.emulator import EmulatorServer


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
