"""A workers-API bookings export for the run's data interval; rows into the ``workers_bookings_export`` table."""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import DAG

from airflow_provider_direct.operators.workers import WorkersTaskOperator

with DAG(
    dag_id="workers_export",
    description="workers API bookings_export over the data interval, into the warehouse",
    schedule=os.environ.get("WORKERS_EXPORT_SCHEDULE") or None,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    tags=["workers", "async-task"],
) as dag:
    WorkersTaskOperator(
        task_id="bookings_export",
        http_conn_id=os.environ.get("WORKERS_CONN_ID", "workers_default"),
        worker_task_type="bookings_export",
        batch_size=100,
        filters={"status": "confirmed"},
        date_from="{{ (data_interval_start or logical_date).strftime('%Y-%m-%dT%H:%M:%SZ') }}",
        date_to="{{ (data_interval_end or logical_date).strftime('%Y-%m-%dT%H:%M:%SZ') }}",
        result_table="workers_bookings_export",
        warehouse_conn_id=os.environ.get("DIRECT_WAREHOUSE_CONN_ID", "direct_warehouse_default"),
        poll_interval=float(os.environ.get("ASYNC_TASK_POLL_INTERVAL", "10")),
    )
