"""MoySklad stock by store, built with the async exchange; rows into the ``moysklad_stock_by_store`` table."""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import DAG

from airflow_provider_direct.operators.moysklad import MoySkladAsyncTaskOperator

with DAG(
    dag_id="moysklad_stock_report",
    description="MoySklad report/stock/bystore via async=true, into the warehouse",
    schedule=os.environ.get("MOYSKLAD_STOCK_SCHEDULE") or None,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    tags=["moysklad", "async-task"],
) as dag:
    MoySkladAsyncTaskOperator(
        task_id="stock_by_store",
        http_conn_id=os.environ.get("MOYSKLAD_CONN_ID", "moysklad_default"),
        path="report/stock/bystore",
        result_table="moysklad_stock_by_store",
        warehouse_conn_id=os.environ.get("DIRECT_WAREHOUSE_CONN_ID", "direct_warehouse_default"),
        poll_interval=float(os.environ.get("ASYNC_TASK_POLL_INTERVAL", "10")),
    )
