"""Async-task results as rows of a warehouse table, through the same warehouse layer as the sync.

One row per result row: ``(task_key, row_no, payload, loaded_at)``. A re-run of the same task
replaces its rows in one transaction, so loads are idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from airflow_provider_direct.warehouse.schema import validate_identifier
from airflow_provider_direct.warehouse.store import BATCH_ROWS, DirectWarehouse, utcnow


class ResultTableLoader:
    """Callable loading an iterator of rows into ``table`` under ``task_key``; returns the row count."""

    def __init__(self, warehouse: DirectWarehouse, table: str, task_key: str) -> None:
        warehouse.require_transactions("Async-task result tables")
        self.warehouse = warehouse
        self.table = validate_identifier(table)
        self.task_key = task_key

    def __call__(self, rows: Iterable[Any]) -> int:
        d = self.warehouse.dialect
        target, p = d.qualify(self.table), d.param
        loaded_at = d.ts(utcnow())
        count = 0
        # Its own short transaction: mapped tasks finishing together create the table once, then load in parallel.
        self.warehouse.create_table(
            f"CREATE TABLE IF NOT EXISTS {target} (task_key TEXT NOT NULL, row_no {d.types.bigint} NOT NULL, "
            f"payload {d.types.json} NOT NULL, loaded_at {d.types.ts} NOT NULL, PRIMARY KEY (task_key, row_no))"
        )
        with self.warehouse.transaction() as tx:
            tx.cursor.execute(f"DELETE FROM {target} WHERE task_key = {p}", (self.task_key,))
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append((self.task_key, count, json.dumps(row, ensure_ascii=False), loaded_at))
                count += 1
                if len(batch) >= BATCH_ROWS:
                    self._insert(tx.cursor, target, batch)
            self._insert(tx.cursor, target, batch)
        return count

    def _insert(self, cursor: Any, target: str, batch: list[tuple[Any, ...]]) -> None:
        if not batch:
            return
        d = self.warehouse.dialect
        cursor.executemany(
            f"INSERT INTO {target} (task_key, row_no, payload, loaded_at) "
            f"VALUES ({d.param}, {d.param}, {d.json_param()}, {d.param})",
            batch,
        )
        batch.clear()
