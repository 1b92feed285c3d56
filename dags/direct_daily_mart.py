"""A downstream model rebuilt only for the days whose statistics changed.

Every statistics load adds one partition (``YYYY-MM-DD``) to the ``direct_campaign_stats`` Asset per day
whose rows changed, restated days included (Airflow 3.3 partitioned asset events). This DAG is scheduled
on those partitions, so the scheduler creates one run per changed day, and each run rebuilds that day of
``direct_campaign_daily_mart`` (totals per login and day) and nothing else. ``built_at`` shows when
each day was last rebuilt. A manual run can name the day in ``partition_key``.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import DAG, Param, PartitionedAssetTimetable, task

from airflow_provider_direct.operators.direct_reports import report_asset
from airflow_provider_direct.warehouse.schema import CAMPAIGN_STATS

WAREHOUSE_CONN_ID = os.environ.get("DIRECT_WAREHOUSE_CONN_ID", "direct_warehouse_default")
MART = "direct_campaign_daily_mart"

with DAG(
    dag_id="direct_daily_mart",
    description="Daily campaign totals, rebuilt for exactly the days the statistics loads changed",
    schedule=PartitionedAssetTimetable(assets=report_asset(WAREHOUSE_CONN_ID, CAMPAIGN_STATS)),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    tags=["yandex-direct", "example"],
    params={"partition_key": Param(None, type=["null", "string"], format="date", description="Manual run: the day")},
) as dag:

    @task
    def rebuild_day(**context: object) -> dict[str, object]:
        """Replace one day of the mart with the totals of ``direct_campaign_stats`` for that day."""
        from airflow_provider_direct.warehouse.store import DirectWarehouse, utcnow

        dag_run = context["dag_run"]
        day = getattr(dag_run, "partition_key", None) or context["params"].get("partition_key")  # type: ignore[attr-defined]
        if not day:
            raise ValueError("no day: this DAG runs per statistics partition, or with params.partition_key")
        dt.date.fromisoformat(str(day))  # a partition key of this asset is a date
        warehouse = DirectWarehouse.from_conn_id(WAREHOUSE_CONN_ID)
        d = warehouse.dialect
        p = d.param
        mart, stats = d.qualify(MART), d.qualify(CAMPAIGN_STATS)
        warehouse.create_table(
            f"CREATE TABLE IF NOT EXISTS {mart} (client_login TEXT NOT NULL, date DATE NOT NULL, "
            f"impressions {d.types.bigint}, clicks {d.types.bigint}, cost {d.types.bigint}, "
            f"conversions {d.types.bigint}, built_at {d.types.ts} NOT NULL, PRIMARY KEY (client_login, date))"
        )
        with warehouse.transaction() as tx:
            tx.cursor.execute(f"DELETE FROM {mart} WHERE date = {p}", (day,))
            tx.cursor.execute(
                f"INSERT INTO {mart} (client_login, date, impressions, clicks, cost, conversions, built_at) "
                f"SELECT client_login, date, SUM(impressions), SUM(clicks), SUM(cost), SUM(conversions), {p} "
                f"FROM {stats} WHERE date = {p} GROUP BY client_login, date",
                (d.ts(utcnow()), day),
            )
            logins = max(tx.cursor.rowcount, 0)
        return {"day": day, "logins": logins}

    rebuild_day()
