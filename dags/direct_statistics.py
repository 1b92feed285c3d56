"""Daily Yandex Direct statistics that restate themselves, one mapped report per client login.

Runs daily and after every incremental sync (through the warehouse's campaigns Asset). Each login's
pull covers yesterday plus the restatement window: from the earliest pending BorderDate recorded by
the sync (those rows are marked done in the load's transaction), else the last 3 days. Params allow
``DateRangeType: AUTO`` instead, and a backfill: a manual run with a date range is split into
report-sized periods. Reports wait in the triggerer; ``yandex_direct_reports`` (create it with 5 slots
and include_deferred) caps the offline reports in flight. Every load adds one partition per day whose
rows changed to its table's Asset (``direct_daily_mart`` rebuilds exactly those days). The ``reports``
param adds standard reports (``sync.standard_reports``: campaign, ad group, ad, criteria, search queries,
regions, demographics, placements), each into its own typed table over the same periods.

With ``DIRECT_STATISTICS_DEADLINE_MINUTES`` set, each scheduled run carries a ``DeadlineAlert``: loaded by
its logical date plus that many minutes (180 with the default 06:00 cron: "yesterday's statistics by
09:00"), else the triggerer runs ``statistics_late``, which logs the miss and the logins already loaded.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import (
    DAG,
    AssetOrTimeSchedule,
    AsyncCallback,
    CronTriggerTimetable,
    DeadlineAlert,
    DeadlineReference,
    Param,
    task,
)

from airflow_provider_direct.models.report_fields import OFFLINE_ONLY
from airflow_provider_direct.operators.direct import warehouse_assets
from airflow_provider_direct.operators.direct_reports import STATS_TABLES, DirectReportOperator, report_asset
from airflow_provider_direct.sync.standard_reports import STANDARD_REPORTS
from airflow_provider_direct.sync.statistics import restatement_window, split_period
from airflow_provider_direct.utils.deadlines import statistics_late
from airflow_provider_direct.utils.logins import resolve_client_logins

DIRECT_CONN_ID = os.environ.get("DIRECT_CONN_ID", "yandex_direct_default")
WAREHOUSE_CONN_ID = os.environ.get("DIRECT_WAREHOUSE_CONN_ID", "direct_warehouse_default")
# Where the shared Reports limits are counted, if not in the warehouse (needed when it is ClickHouse).
LIMITS_CONN_ID = os.environ.get("DIRECT_REPORTS_LIMITS_CONN_ID") or None
REPORTS_POOL = os.environ.get("DIRECT_REPORTS_POOL", "yandex_direct_reports")
CRON = os.environ.get("DIRECT_STATISTICS_CRON", "0 6 * * *")
#: Standard reports a scheduled run loads (comma-separated names; the UI's params can change it per run).
STANDARD_DEFAULT = [n for n in os.environ.get("DIRECT_STANDARD_REPORTS", "").split(",") if n]
# Off by default: Airflow 3.3.2's dag.test() (and `airflow dags test`) fails a successful run of a DAG with a
# deadline (apache/airflow#73428); the scheduler path works. deploy/airflow.env sets it.
DEADLINE_MINUTES = os.environ.get("DIRECT_STATISTICS_DEADLINE_MINUTES", "").strip()
DEADLINE = (
    DeadlineAlert(
        # Asset-triggered runs have no logical date, so only the clock's runs carry the deadline.
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=dt.timedelta(minutes=int(DEADLINE_MINUTES)),
        callback=AsyncCallback(statistics_late, kwargs={"warehouse_conn_id": WAREHOUSE_CONN_ID}),
    )
    if DEADLINE_MINUTES
    else None
)

with DAG(
    dag_id="direct_statistics",
    description="Yandex Direct campaign statistics with CampaignsStat / BorderDate restatements, into the warehouse",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(CRON, timezone="UTC"), assets=warehouse_assets(WAREHOUSE_CONN_ID)[0]
    ),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    deadline=DEADLINE,
    tags=["yandex-direct"],
    params={
        "client_logins": Param([], type="array", items={"type": "string"}),
        "date_from": Param(None, type=["null", "string"], format="date", description="Backfill: first day"),
        "date_to": Param(None, type=["null", "string"], format="date", description="Backfill: last day"),
        "auto_range": Param(False, type="boolean", description="Let the API choose the period (DateRangeType AUTO)"),
        "stats_level": Param("campaign", enum=["campaign", "ad"]),
        "reports": Param(
            STANDARD_DEFAULT,
            type="array",
            items={"type": "string", "enum": list(STANDARD_REPORTS)},
            description="Standard reports to load too, each into its typed table, over the same periods",
        ),
    },
    default_args={
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=10),
        # Dedicated triggerers for the Direct waits ([triggerer] queues_enabled; README, "Triggerer queues").
        "trigger_queue": os.environ.get("DIRECT_TRIGGER_QUEUE") or None,
    },
) as dag:

    @task
    def plan_pulls(**context: object) -> list[dict[str, object]]:
        """One report per (login, period): a backfill's periods, AUTO, or yesterday + pending restatements."""
        from airflow_provider_direct.warehouse.statistics import pending_restatements
        from airflow_provider_direct.warehouse.store import DirectWarehouse

        params = context["params"]
        logins = resolve_client_logins(DIRECT_CONN_ID, params.get("client_logins"))  # type: ignore[attr-defined]
        level = params["stats_level"]  # type: ignore[index]
        if params.get("date_from") and params.get("date_to"):  # type: ignore[attr-defined]
            periods = split_period(params["date_from"], params["date_to"])  # type: ignore[index]
            return [{"client_login": login, "stats_level": level, **p} for login in logins for p in periods]
        if params.get("auto_range"):  # type: ignore[attr-defined]
            return [{"client_login": login, "stats_level": level, "date_range_type": "AUTO"} for login in logins]
        warehouse = DirectWarehouse.from_conn_id(WAREHOUSE_CONN_ID)
        yesterday = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
        return [
            {
                "client_login": login,
                "stats_level": level,
                **restatement_window(pending_restatements(warehouse, login), yesterday),
            }
            for login in logins
        ]

    @task
    def plan_report(name: str, pulls: list[dict[str, object]], **context: object) -> list[dict[str, object]]:
        """The standard report's pulls: the same logins and periods, when the run asks for that report."""
        if name not in (context["params"].get("reports") or ()):  # type: ignore[attr-defined]
            return []
        from airflow_provider_direct.warehouse.statistics import pending_restatements
        from airflow_provider_direct.warehouse.store import DirectWarehouse

        report = STANDARD_REPORTS[name]
        warehouse = DirectWarehouse.from_conn_id(WAREHOUSE_CONN_ID)
        yesterday = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
        oldest = None
        if report.days_back is not None:  # e.g. search queries: the service keeps 180 days
            oldest = (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=report.days_back - 1)).isoformat()
        out = []
        for pull in pulls:
            period = {k: v for k, v in pull.items() if k in ("client_login", "date_from", "date_to", "date_range_type")}
            if "restatement_campaigns" in pull:  # the daily pull: from this table's own pending restatements
                pending = pending_restatements(warehouse, str(pull["client_login"]), report.table.table)
                window = restatement_window(pending, yesterday)
                period.update(date_from=window["date_from"], date_to=window["date_to"])
            if oldest is not None and period.get("date_from") is not None:
                if str(period["date_to"]) < oldest:
                    continue
                period["date_from"] = max(str(period["date_from"]), oldest)
            out.append(period)
        return out

    pulls = plan_pulls()
    for name, report in STANDARD_REPORTS.items():
        spec = report.spec
        DirectReportOperator.partial(
            task_id=f"report_{name}",
            direct_conn_id=DIRECT_CONN_ID,
            warehouse_conn_id=WAREHOUSE_CONN_ID,
            limits_conn_id=LIMITS_CONN_ID,
            report_type=spec.report_type,
            field_names=list(spec.field_names),
            table=report.table.table,
            processing_mode="offline" if spec.report_type in OFFLINE_ONLY else "auto",
            pool=REPORTS_POOL,
            poll_interval=float(os.environ.get("ASYNC_TASK_POLL_INTERVAL", "10")),
            outlets=[report_asset(WAREHOUSE_CONN_ID, report.table.table)],
            map_index_template="{{ task.client_login }}",
        ).expand_kwargs(plan_report.override(task_id=f"plan_{name}")(name, pulls))

    DirectReportOperator.partial(
        task_id="report",
        direct_conn_id=DIRECT_CONN_ID,
        warehouse_conn_id=WAREHOUSE_CONN_ID,
        limits_conn_id=LIMITS_CONN_ID,
        pool=REPORTS_POOL,
        poll_interval=float(os.environ.get("ASYNC_TASK_POLL_INTERVAL", "10")),
        # Declared here, where the scheduler sees them: each load adds a partition per changed day to the
        # Asset of the table it loaded (direct_daily_mart is scheduled on the campaign one).
        outlets=[report_asset(WAREHOUSE_CONN_ID, table) for table in STATS_TABLES.values()],
        map_index_template="{{ task.client_login }}",
    ).expand_kwargs(pulls)
