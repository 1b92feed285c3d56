"""Deadline alert callbacks (Airflow 3 ``DeadlineAlert``): run in the triggerer when a run is late.

The statistics DAG's example: "yesterday's statistics loaded by 09:00". When a run misses it, the callback
says which logins the warehouse already has yesterday's rows loaded for, so whoever reads the alert knows
what is missing without opening the task logs.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from asgiref.sync import sync_to_async

from airflow_provider_direct.warehouse.schema import CAMPAIGN_STATS
from airflow_provider_direct.warehouse.store import DEFAULT_WAREHOUSE_CONN_ID, DirectWarehouse, as_datetime

log = logging.getLogger(__name__)


def logins_loaded(warehouse_conn_id: str, schema: str | None, table: str, day: dt.date) -> list[str]:
    """Logins whose loads of ``table`` covered ``day`` (the warehouse's load log)."""
    return DirectWarehouse.from_conn_id(warehouse_conn_id, schema=schema).logins_loaded(table, day.isoformat())


async def statistics_late(
    context: dict[str, Any],
    warehouse_conn_id: str = DEFAULT_WAREHOUSE_CONN_ID,
    warehouse_schema: str | None = None,
    table: str = CAMPAIGN_STATS,
) -> dict[str, Any]:
    """The statistics run missed its deadline: log it with the logins whose yesterday is already loaded."""
    run = context.get("dag_run") or {}
    deadline = as_datetime((context.get("deadline") or {}).get("deadline_time"))
    logical = as_datetime(run.get("logical_date")) or deadline or dt.datetime.now(dt.timezone.utc)
    day = logical.date() - dt.timedelta(days=1)
    try:
        loaded = await sync_to_async(logins_loaded)(warehouse_conn_id, warehouse_schema, table, day)
        known = f"loaded so far for {', '.join(loaded) or 'no login'}"
    except Exception as exc:  # the alert itself must go out even when the warehouse cannot be read
        loaded, known = [], f"the warehouse could not be read ({type(exc).__name__}: {exc})"
    log.error(
        "Yandex Direct statistics of %s missed their deadline %s (run %s of %s, %s): %s in %s",
        day,
        deadline.isoformat() if deadline else "?",
        run.get("dag_run_id") or run.get("run_id"),
        run.get("dag_id"),
        run.get("state"),
        known,
        table,
    )
    return {"day": day.isoformat(), "loaded": loaded, "deadline": deadline.isoformat() if deadline else None}
