"""Direct fetch processes of all four types for every account, results into a warehouse table.

Each (account, client) pair from the run's params gets one mapped task per type (history, settings,
strategy_study, account_goals). The waits run in the triggerer; the rows land in the
``direct_fetch_results`` table of the warehouse (one JSON row per result row, keyed by task).
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import DAG, Param, task

from airflow_provider_direct.hooks.direct_fetch import FETCH_TYPES
from airflow_provider_direct.operators.direct_fetch import DirectFetchProcessOperator

CONN_ID = os.environ.get("DIRECT_FETCH_CONN_ID", "direct_fetch_default")
WAREHOUSE_CONN_ID = os.environ.get("DIRECT_WAREHOUSE_CONN_ID", "direct_warehouse_default")

with DAG(
    dag_id="direct_fetch_processes",
    description="Direct fetch processes (history, settings, strategy_study, account_goals) per account",
    schedule=None,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    tags=["yandex-direct", "async-task"],
    params={
        "accounts": Param(
            [{"account": "myaccount", "client": "myclient"}],
            type="array",
            items={"type": "object"},
            description='[{"account": ..., "client": ...}, ...]',
        ),
        "types": Param(list(FETCH_TYPES), type="array", items={"type": "string", "enum": list(FETCH_TYPES)}),
    },
) as dag:

    @task
    def fetch_requests(**context: object) -> list[dict[str, str]]:
        """Every (account, client, type) to run, decided at run time from the params."""
        params = context["params"]
        return [
            {"account": a["account"], "client": a["client"], "fetch_type": t}
            for a in params["accounts"]  # type: ignore[index]
            for t in params["types"]  # type: ignore[index]
        ]

    DirectFetchProcessOperator.partial(
        task_id="fetch",
        http_conn_id=CONN_ID,
        result_table="direct_fetch_results",
        warehouse_conn_id=WAREHOUSE_CONN_ID,
        poll_interval=float(os.environ.get("ASYNC_TASK_POLL_INTERVAL", "10")),
        map_index_template="{{ task.account }}/{{ task.client }}/{{ task.fetch_type }}",
    ).expand_kwargs(fetch_requests())
