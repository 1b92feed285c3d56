"""Async-task result tables: concurrent first loads into a fresh warehouse must not race on the DDL."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from airflow_provider_direct.warehouse.results import ResultTableLoader
from airflow_provider_direct.warehouse.store import DirectWarehouse

LOADERS = 6


@pytest.mark.parametrize("migrated", [False, True], ids=["fresh", "migrated"])
def test_concurrent_first_loads_create_the_table_once(
    any_warehouse_conn: tuple[str, str | None], migrated: bool
) -> None:
    """Mapped fetch tasks finish together and each loads into a table nobody has created yet.

    On PostgreSQL, concurrent ``CREATE SCHEMA IF NOT EXISTS`` or ``CREATE TABLE IF NOT EXISTS`` of one
    name can fail with a unique violation on the catalog (pg_namespace, pg_type): the cause of the
    topology test's flake. ``migrated`` races only the result table's DDL.
    """
    conn_id, schema = any_warehouse_conn
    warehouses = [DirectWarehouse.from_conn_id(conn_id, schema=schema) for _ in range(LOADERS)]
    if migrated:
        for warehouse in warehouses:
            warehouse.migrate()
    start = threading.Barrier(LOADERS)
    errors: list[BaseException] = []

    def load(index: int) -> None:
        try:
            start.wait()
            loader = ResultTableLoader(warehouses[index], "async_results", f"task-{index}")
            assert loader([{"row": index, "n": n} for n in range(3)]) == 3
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(LOADERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    rows = warehouses[0].hook.get_records(
        f"SELECT task_key, COUNT(*) FROM {warehouses[0].dialect.qualify('async_results')} GROUP BY task_key"
    )
    assert sorted(rows) == sorted((f"task-{i}", 3) for i in range(LOADERS))


@pytest.mark.parametrize("rerun", [1, 2])
def test_a_rerun_replaces_its_own_rows(any_warehouse_conn: tuple[str, str | None], rerun: int) -> None:
    conn_id, schema = any_warehouse_conn
    warehouse = DirectWarehouse.from_conn_id(conn_id, schema=schema)
    ResultTableLoader(warehouse, "async_results", "other")([{"x": 1}])
    for _ in range(rerun + 1):
        assert ResultTableLoader(warehouse, "async_results", "mine")([{"x": 1}, {"x": 2}]) == 2
    rows = warehouse.hook.get_records(
        f"SELECT task_key, COUNT(*) FROM {warehouse.dialect.qualify('async_results')} GROUP BY task_key"
    )
    assert sorted(rows) == [("mine", 2), ("other", 1)]


def test_a_failed_rerun_keeps_the_old_rows_and_an_empty_one_clears_them(
    any_warehouse_conn: tuple[str, str | None],
) -> None:
    """A load is all or nothing on every engine (a transaction, or ClickHouse's staged partition swap)."""
    conn_id, schema = any_warehouse_conn
    warehouse = DirectWarehouse.from_conn_id(conn_id, schema=schema)
    table = warehouse.dialect.qualify("async_results")
    assert ResultTableLoader(warehouse, "async_results", "mine")([{"x": n} for n in range(5)]) == 5

    def dies_midway() -> Iterator[dict[str, int]]:
        yield {"x": 100}
        raise RuntimeError("the download broke")

    with pytest.raises(RuntimeError, match="download broke"):
        ResultTableLoader(warehouse, "async_results", "mine")(dies_midway())
    assert warehouse.hook.get_records(f"SELECT COUNT(*) FROM {table} WHERE task_key = 'mine'") == [(5,)]
    assert ResultTableLoader(warehouse, "async_results", "mine")([{"x": 1}, {"x": 2}]) == 2
    assert sorted(warehouse.hook.get_records(f"SELECT row_no FROM {table}")) == [(0,), (1,)]
    assert ResultTableLoader(warehouse, "async_results", "mine")([]) == 0
    assert warehouse.hook.get_records(f"SELECT COUNT(*) FROM {table}") == [(0,)]
    if warehouse.dialect.name == "clickhouse":  # no staging table is left behind, even by the failed load
        tables = warehouse.hook.get_records(f"SELECT name FROM system.tables WHERE database = '{schema}'")
        assert not [name for (name,) in tables if name.startswith("_stage_")]
