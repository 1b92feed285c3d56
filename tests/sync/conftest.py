"""Fixtures of the sync tests against the emulator and the warehouses (SQLite, PostgreSQL, ClickHouse)."""

from __future__ import annotations

import pytest

from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.warehouse.store import DirectWarehouse


@pytest.fixture
def hook(emulator_conn: str) -> DirectHook:
    """A hook on the module's emulator with fast retries."""
    return DirectHook(emulator_conn, retry_min_wait=0.01, retry_max_wait=0.05)


@pytest.fixture
def warehouse(any_warehouse_conn: tuple[str, str | None]) -> DirectWarehouse:
    """An empty warehouse: a SQLite file, a fresh PostgreSQL schema or a fresh ClickHouse database."""
    conn_id, schema = any_warehouse_conn
    return DirectWarehouse.from_conn_id(conn_id, schema=schema)
