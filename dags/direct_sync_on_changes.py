"""Event-driven sync: a run only when a watched login's campaigns changed, instead of every hour.

One ``DirectChangesTrigger`` per login in ``DIRECT_WATCH_LOGINS`` (comma-separated) polls
``Changes.checkCampaigns`` in the triggerer every ``DIRECT_WATCH_POLL_SECONDS`` (300 by default; each poll
costs a few units, logged). Its events land on the ``yandex_direct.changes`` asset through an
``AssetWatcher``, and each asset event starts (or queues) a run that syncs the logins that changed. The sync
reads everything since its own watermark, so changes that arrive while a run is going are not lost: the
next event's run takes them. With no logins configured the DAG has no watcher and never runs.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import DAG, Asset, AssetWatcher, task

from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.operators.direct import DirectIncrementalSyncOperator
from airflow_provider_direct.triggers.direct_changes import DirectChangesTrigger

DIRECT_CONN_ID = os.environ.get("DIRECT_CONN_ID", DirectHook.default_conn_name)
WAREHOUSE_CONN_ID = os.environ.get("DIRECT_SYNC_WAREHOUSE_CONN_ID") or os.environ.get(
    "DIRECT_WAREHOUSE_CONN_ID", "direct_warehouse_default"
)
API_POOL = os.environ.get("DIRECT_API_POOL", "yandex_direct_api")
LOGINS = [login.strip() for login in os.environ.get("DIRECT_WATCH_LOGINS", "").split(",") if login.strip()]
POLL_SECONDS = float(os.environ.get("DIRECT_WATCH_POLL_SECONDS", "300"))

changes = Asset(
    name="yandex_direct.changes",
    uri=f"x-yandex-direct://{DIRECT_CONN_ID}/changes",
    watchers=[
        AssetWatcher(
            name=f"direct_changes_{login}",
            trigger=DirectChangesTrigger(client_login=login, direct_conn_id=DIRECT_CONN_ID, poll_interval=POLL_SECONDS),
        )
        for login in LOGINS
    ],
)

with DAG(
    dag_id="direct_sync_on_changes",
    description="Yandex Direct -> warehouse, run by the Changes service instead of a clock",
    schedule=[changes],
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["yandex-direct", "event-driven"],
    default_args={
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=5),
        # Dedicated triggerers for the Direct waits ([triggerer] queues_enabled; README, "Triggerer queues").
        "trigger_queue": os.environ.get("DIRECT_TRIGGER_QUEUE") or None,
    },
) as dag:

    @task
    def changed_logins(**context: object) -> list[str]:
        """The logins named by the events that started this run (queued events are merged into it)."""
        events = context["triggering_asset_events"][changes]  # type: ignore[index]
        logins = {((event.extra or {}).get("payload") or {}).get("client_login") for event in events}
        return sorted(login for login in logins if login)

    DirectIncrementalSyncOperator.partial(
        task_id="sync",
        direct_conn_id=DIRECT_CONN_ID,
        warehouse_conn_id=WAREHOUSE_CONN_ID,
        pool=API_POOL,
        map_index_template="{{ task.client_login }}",
    ).expand(client_login=changed_logins())
