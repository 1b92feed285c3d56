"""Async-task results as rows of a warehouse table, through the same warehouse layer as the sync.

One row per result row: ``(task_key, row_no, payload, loaded_at)``. A re-run of the same task
replaces its rows in one transaction, so loads are idempotent. ClickHouse has no transaction: there
each task key is a partition, the rows go to a staging table first, and one ``REPLACE PARTITION``
swaps them in at once (readers see the old rows or the new ones, never a part).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from airflow_provider_direct.warehouse.dialects import ClickHouseDialect
from airflow_provider_direct.warehouse.schema import validate_identifier
from airflow_provider_direct.warehouse.store import BATCH_ROWS, DirectWarehouse, utcnow

COLUMNS = ("task_key", "row_no", "payload", "loaded_at")


class ResultTableLoader:
    """Callable loading an iterator of rows into ``table`` under ``task_key``; returns the row count."""

    def __init__(self, warehouse: DirectWarehouse, table: str, task_key: str) -> None:
        self.warehouse = warehouse
        self.table = validate_identifier(table)
        self.task_key = task_key

    def __call__(self, rows: Iterable[Any]) -> int:
        d = self.warehouse.dialect
        loaded_at = d.ts(utcnow())
        # Its own short transaction: mapped tasks finishing together create the table once, then load in parallel.
        self.warehouse.create_table(d.result_table_ddl(self.table))
        with self.warehouse.transaction() as tx:
            if d.transactional:
                tx.cursor.execute(f"DELETE FROM {d.qualify(self.table)} WHERE task_key = {d.param}", (self.task_key,))
                return self._write(tx.cursor, self.table, rows, loaded_at)
            if not isinstance(d, ClickHouseDialect):
                raise TypeError(f"a staged partition swap is ClickHouse's load path, not {d.name}'s")
            # No transaction: load a staging copy of the table, then swap the task's partition in.
            stage = validate_identifier(f"_stage_{self.table}_{uuid.uuid4().hex[:8]}")
            tx.cursor.execute(f"CREATE TABLE {d.qualify(stage)} AS {d.qualify(self.table)}")
            try:
                count = self._write(tx.cursor, stage, rows, loaded_at)
                d.replace_partition(tx.cursor, self.table, stage, self.task_key, empty=count == 0)
            finally:
                tx.cursor.execute(f"DROP TABLE IF EXISTS {d.qualify(stage)}")
                d.forget(stage)
            return count

    def _write(self, cursor: Any, table: str, rows: Iterable[Any], loaded_at: Any) -> int:
        """Insert the rows into ``table`` in batches, numbered from 0; returns how many."""
        d = self.warehouse.dialect
        count = 0
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append((self.task_key, count, json.dumps(row, ensure_ascii=False), loaded_at))
            count += 1
            if len(batch) >= BATCH_ROWS:
                d.insert(cursor, table, COLUMNS, batch, json_columns=("payload",))
                batch.clear()
        d.insert(cursor, table, COLUMNS, batch, json_columns=("payload",))
        return count
