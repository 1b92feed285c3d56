"""A myTarget statistics call through the async API; the stored response's items into ``mytarget_banner_stats``."""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import DAG

from airflow_provider_direct.operators.mytarget import MyTargetAsyncRequestOperator

with DAG(
    dag_id="mytarget_async_request",
    description="myTarget /api/v2/statistics/banners/day.json via /async_api/, into the warehouse",
    schedule=os.environ.get("MYTARGET_SCHEDULE") or None,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    tags=["mytarget", "async-task"],
) as dag:
    MyTargetAsyncRequestOperator(
        task_id="banner_stats",
        http_conn_id=os.environ.get("MYTARGET_CONN_ID", "mytarget_default"),
        path="/api/v2/statistics/banners/day.json",
        query={"date_from": "{{ ds }}", "date_to": "{{ ds }}", "metrics": "base"},
        result_table="mytarget_banner_stats",
        warehouse_conn_id=os.environ.get("DIRECT_WAREHOUSE_CONN_ID", "direct_warehouse_default"),
        poll_interval=float(os.environ.get("ASYNC_TASK_POLL_INTERVAL", "10")),
    )
