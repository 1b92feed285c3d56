"""Incremental sync of Yandex Direct account structure into the warehouse, one mapped task per client login.

Scheduled hourly by default (``DIRECT_SYNC_SCHEDULE`` overrides it; ``none`` disables). A manual run
from the UI can name the logins and ask for a full refresh. Logins come from the run's params, else
from the connection's login, else from AgencyClients.get for agency tokens (whose whole answer is kept in
``direct_agency_clients``). Every mapped task takes a slot of the ``yandex_direct_api`` pool, which caps
concurrent API work at the documented limit of 5 simultaneous requests; one login's failure does not stop
the others.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import DAG, Param, task

from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.operators.direct import DirectIncrementalSyncOperator
from airflow_provider_direct.utils.logins import resolve_client_logins

DIRECT_CONN_ID = os.environ.get("DIRECT_CONN_ID", DirectHook.default_conn_name)
# The structure sync may write elsewhere than the statistics (a ClickHouse warehouse takes only the sync so far).
WAREHOUSE_CONN_ID = os.environ.get("DIRECT_SYNC_WAREHOUSE_CONN_ID") or os.environ.get(
    "DIRECT_WAREHOUSE_CONN_ID", "direct_warehouse_default"
)
API_POOL = os.environ.get("DIRECT_API_POOL", "yandex_direct_api")
SCHEDULE = os.environ.get("DIRECT_SYNC_SCHEDULE", "@hourly")

with DAG(
    dag_id="direct_incremental_sync",
    description="Yandex Direct account -> warehouse: objects via the Changes service, the other services "
    "by their refresh policies, within a units budget",
    schedule=None if SCHEDULE.lower() == "none" else SCHEDULE,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    # The compose demo starts it unpaused, so it runs on its schedule with no click.
    is_paused_upon_creation=os.environ.get("DIRECT_SYNC_PAUSED_UPON_CREATION", "true").lower() == "true",
    tags=["yandex-direct"],
    params={
        "client_logins": Param(
            [],
            type="array",
            items={"type": "string"},
            description="Advertiser logins to sync; empty = the connection's login or every agency client.",
        ),
        "full_refresh": Param(False, type="boolean", description="Re-read whole accounts instead of changes."),
        "units_budget": Param(
            os.environ.get("DIRECT_UNITS_BUDGET") or None,
            type=["null", "integer", "string"],
            description="Units one run may spend per login: a number, or a share of the daily limit "
            "such as 20%. Empty: no budget beyond the API's own limit.",
        ),
    },
    default_args={
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=5),
        # Dedicated triggerers for the Direct waits ([triggerer] queues_enabled; README, "Triggerer queues").
        "trigger_queue": os.environ.get("DIRECT_TRIGGER_QUEUE") or None,
    },
) as dag:

    @task
    def client_logins(**context: object) -> list[str]:
        """Logins to sync, decided at run time (never at parse time); an agency's client list is kept too."""
        chosen = context["params"].get("client_logins")  # type: ignore[attr-defined]
        return resolve_client_logins(DIRECT_CONN_ID, chosen, warehouse_conn_id=WAREHOUSE_CONN_ID)

    DirectIncrementalSyncOperator.partial(
        task_id="sync",
        direct_conn_id=DIRECT_CONN_ID,
        warehouse_conn_id=WAREHOUSE_CONN_ID,
        full_refresh="{{ params.full_refresh }}",
        units_budget="{{ params.units_budget }}",
        pool=API_POOL,
        map_index_template="{{ task.client_login }}",
    ).expand(client_login=client_logins())
