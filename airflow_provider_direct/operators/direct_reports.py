"""Deferrable operator for the Direct Reports service, loading statistics straight into the warehouse."""

from __future__ import annotations

import asyncio
import codecs
import datetime as dt
import queue
import threading
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

from airflow.sdk import Asset

from airflow_provider_direct.async_task.sinks import ResultSummary, deliver
from airflow_provider_direct.async_task.status import TaskState, TaskStatus
from airflow_provider_direct.hooks.direct import DirectHook
from airflow_provider_direct.hooks.direct_reports import DirectReportsProtocol
from airflow_provider_direct.models.report_fields import OFFLINE_ONLY
from airflow_provider_direct.models.report_spec import ReportSpec
from airflow_provider_direct.operators.async_task import AsyncTaskOperator
from airflow_provider_direct.warehouse.report_loader import ReportLoader
from airflow_provider_direct.warehouse.report_table import ReportTable
from airflow_provider_direct.warehouse.schema import AD_STATS, CAMPAIGN_STATS
from airflow_provider_direct.warehouse.statistics import StatsLoader
from airflow_provider_direct.warehouse.store import DEFAULT_WAREHOUSE_CONN_ID, DirectWarehouse

if TYPE_CHECKING:
    from airflow.sdk import Context

#: Fields of a campaign statistics pull when the caller names none.
DEFAULT_CAMPAIGN_FIELDS = ["Date", "CampaignId", "CampaignName", "Impressions", "Clicks", "Cost", "Conversions"]


#: XCom key of a split report's plan: the parts still to load, and what the loaded ones changed.
PLAN_KEY = "report_parts"


def _plan(context: Context) -> dict[str, Any] | None:
    ti = context["ti"]
    value = ti.xcom_pull(task_ids=ti.task_id, key=PLAN_KEY, map_indexes=getattr(ti, "map_index", None))
    return value if isinstance(value, dict) else None


def _halves(period: tuple[str, str]) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two consecutive periods covering ``period`` (at least two days)."""
    start, end = dt.date.fromisoformat(period[0]), dt.date.fromisoformat(period[1])
    middle = start + dt.timedelta(days=(end - start).days // 2)
    return (start.isoformat(), middle.isoformat()), ((middle + dt.timedelta(days=1)).isoformat(), end.isoformat())


#: The statistics table of each ``stats_level``.
STATS_TABLES = {"campaign": CAMPAIGN_STATS, "ad": AD_STATS}


def report_asset(warehouse_conn_id: str, table: str) -> Asset:
    """The Asset of one statistics table; each load adds a partition per day whose rows changed."""
    return Asset(name=f"yandex_direct.{table}", uri=f"x-yandex-direct://{warehouse_conn_id}/{table}")


def _templated(*values: Any) -> bool:
    """Whether any value is still a Jinja template (checked again once rendered)."""
    return any(isinstance(v, str) and "{{" in v for v in values) or any(
        isinstance(v, (list, tuple)) and any(isinstance(i, str) and "{{" in i for i in v) for v in values
    )


def _lines(spool: IO[bytes]) -> Iterator[str]:
    """Decode the spooled TSV line by line (UTF-8, split multi-byte characters handled)."""
    spool.seek(0)
    yield from codecs.getreader("utf-8")(spool)


class _LineStream:
    """The report's lines while it downloads: a thread runs the async download into a bounded queue.

    Download and database writes overlap, and at most ``depth`` chunks are ever in memory.
    """

    def __init__(self, hook: Any, handle: dict[str, Any], depth: int = 16) -> None:
        self._hook = hook
        self._handle = handle
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self.bytes = 0
        self.status = 0
        self.content_type = "text/tab-separated-values"

    def _produce(self) -> None:
        async def download() -> None:
            hook, handle = self._hook, self._handle
            async with hook.client() as client, hook.protocol.fetch(client, handle) as stream:
                self.status, self.content_type = stream.status, stream.content_type
                async for chunk in stream.chunks:
                    self.bytes += len(chunk)
                    if not self._put(chunk):
                        return

        try:
            asyncio.run(download())
            self._put(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(exc)

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[str]:
        thread = threading.Thread(target=self._produce, name="report-download", daemon=True)
        thread.start()
        decoder = codecs.getincrementaldecoder("utf-8")()
        pending = ""
        try:
            while (item := self._queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                lines = (pending + decoder.decode(item)).split("\n")
                pending = lines.pop()
                yield from lines
            tail = pending + decoder.decode(b"", final=True)
            if tail:
                yield tail
        finally:
            self._stop.set()
            thread.join(timeout=30)


class DirectReportOperator(AsyncTaskOperator):
    """
    Build a Direct report (online or offline), wait for it in the triggerer, and load it.

    The identical request is re-sent until the report is ready, honouring ``retryIn``; the
    ``ReportName`` is derived from the definition and client login, so a retried task finds the
    same offline report. With ``stats_level`` the TSV streams into ``direct_campaign_stats`` (or
    ``direct_ad_stats``), replacing the (login, period) partition in one transaction, and the row
    count must match the report's summary line. Otherwise the TSV goes to XCom / ``result_path``.

    :param direct_conn_id: ``yandex_direct`` connection.
    :param client_login: Client-Login of the advertiser (default: the connection's login).
    :param report_definition: the ReportDefinition (``FieldNames``, ``ReportType``, ...). Built from
        ``date_from`` / ``date_to`` / ``date_range_type`` when omitted.
    :param date_from: first day (``CUSTOM_DATE``).
    :param date_to: last day (``CUSTOM_DATE``).
    :param date_range_type: ``CUSTOM_DATE`` (default when dates are given) or e.g. ``AUTO``.
    :param processing_mode: ``auto`` / ``online`` / ``offline``.
    :param return_money_in_micros: money as integer micros (default) rather than currency units.
    :param stats_level: ``campaign`` or ``ad`` to load the statistics tables; None to keep the TSV.
    :param restatement_campaigns: campaigns whose pending restatements this pull settles.
    :param report_type: with ``table``: the ReportType (``CUSTOM_REPORT`` by default).
    :param field_names: with ``table``: the FieldNames, checked against the report type's documented
        fields before any call; ``Date`` is required (the table is restated day by day).
    :param goals: with ``table``: Yandex Metrica goal ids; per-goal fields get one column per goal and model.
    :param attribution_models: with ``goals``: the models (``LC``, ``LSCCD``...).
    :param table: load the report into this typed table (created and grown as the definition needs);
        its Asset gets a partition event per day whose rows changed.
    :param shared_limits: count the Reports limits (20 calls per 10 s, 5 offline reports per login) in
        the warehouse, so every worker and triggerer of the deployment shares them; False keeps a
        per-process limiter.
    :param limits_conn_id: where the shared limits are counted, if not in the warehouse: a SQLite or
        PostgreSQL connection (they take a lock per login). Needed with a ClickHouse warehouse.
    :param split_on_time_limit: when the service answers 502 (its processing time limit: "shorten the
        period"), load the period in two halves instead, and halve again as needed, one report after the
        other in this task (loads into the statistics or typed tables only; a one-day report still fails).
    """

    template_fields: Sequence[str] = (
        *AsyncTaskOperator.template_fields,
        "client_login",
        "report_definition",
        "date_from",
        "date_to",
        "date_range_type",
        "report_type",
        "field_names",
        "goals",
        "attribution_models",
        "table",
    )

    def __init__(
        self,
        *,
        direct_conn_id: str = DirectHook.default_conn_name,
        client_login: str | None = None,
        report_definition: dict[str, Any] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        date_range_type: str | None = None,
        processing_mode: str = "auto",
        return_money_in_micros: bool = True,
        include_vat: bool = True,
        stats_level: str | None = "campaign",
        restatement_campaigns: list[int] | None = None,
        report_type: str | None = None,
        field_names: Sequence[str] | None = None,
        goals: Sequence[str | int] | None = None,
        attribution_models: Sequence[str] | None = None,
        table: str | None = None,
        shared_limits: bool = True,
        limits_conn_id: str | None = None,
        split_on_time_limit: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("poll_interval", 5.0)
        if table is not None:
            if not field_names:
                raise ValueError("a report table needs field_names")
            if not _templated(report_type, field_names, goals, attribution_models, table):
                # Refused at DAG parse time, before any call: the error names the field and what the type allows.
                ReportTable(
                    table,
                    ReportSpec(
                        report_type or "CUSTOM_REPORT",
                        tuple(field_names),
                        tuple(str(g) for g in goals or ()),
                        tuple(attribution_models or ()),
                    ),
                )
            stats_level = None
            if "{{" not in table:
                warehouse = kwargs.get("warehouse_conn_id", DEFAULT_WAREHOUSE_CONN_ID)
                kwargs.setdefault("outlets", [report_asset(warehouse, table)])
        elif stats_level in STATS_TABLES:
            warehouse = kwargs.get("warehouse_conn_id", DEFAULT_WAREHOUSE_CONN_ID)
            kwargs.setdefault("outlets", [report_asset(warehouse, STATS_TABLES[stats_level])])
        super().__init__(protocol=DirectReportsProtocol.name, http_conn_id=direct_conn_id, **kwargs)
        self.direct_conn_id = direct_conn_id
        self.client_login = client_login
        self.report_definition = report_definition
        self.date_from = date_from
        self.date_to = date_to
        self.date_range_type = date_range_type
        self.processing_mode = processing_mode
        self.return_money_in_micros = return_money_in_micros
        self.include_vat = include_vat
        self.stats_level = stats_level
        self.restatement_campaigns = restatement_campaigns
        self.report_type = report_type
        self.field_names = list(field_names) if field_names else None
        self.goals = [str(g) for g in goals] if goals else []
        self.attribution_models = list(attribution_models) if attribution_models else []
        self.table = table
        self.shared_limits = shared_limits
        self.limits_conn_id = limits_conn_id
        self.split_on_time_limit = split_on_time_limit

    def _report_table(self) -> ReportTable | None:
        """The typed table and its validated definition (None: the campaign/ad tables or raw TSV)."""
        if self.table is None:
            return None
        spec = ReportSpec(
            self.report_type or "CUSTOM_REPORT",
            tuple(self.field_names or ()),
            tuple(self.goals),
            tuple(self.attribution_models),
        )
        return ReportTable(self.table, spec)

    def _login(self) -> str | None:
        return self.client_login or DirectHook(self.direct_conn_id).connection.login or None

    def _range_type(self) -> str:
        return self.date_range_type or ("CUSTOM_DATE" if self.date_from else "AUTO")

    def build_request(self) -> dict[str, Any]:
        table = self._report_table()  # validated here too, once templates are rendered, before any call
        definition = dict(self.report_definition or {})
        processing_mode = self.processing_mode
        if table is not None:
            definition.update(table.spec.definition())
            if table.spec.report_type in OFFLINE_ONLY:
                if processing_mode == "online":
                    raise ValueError(f"{table.spec.report_type} is built offline only: processing_mode='online'")
                processing_mode = "offline"
        if "SelectionCriteria" not in definition:
            criteria: dict[str, Any] = {}
            if self._range_type() == "CUSTOM_DATE":
                criteria = {"DateFrom": self.date_from, "DateTo": self.date_to}
            definition["SelectionCriteria"] = criteria
        definition.setdefault("FieldNames", list(DEFAULT_CAMPAIGN_FIELDS))
        definition.setdefault(
            "ReportType", "AD_PERFORMANCE_REPORT" if self.stats_level == "ad" else "CAMPAIGN_PERFORMANCE_REPORT"
        )
        definition.setdefault("DateRangeType", self._range_type())
        definition.setdefault("Format", "TSV")
        definition.setdefault("IncludeVAT", "YES" if self.include_vat else "NO")
        headers = {
            "processingMode": processing_mode,
            # The title line tells the period the server chose (AUTO); the summary line checks the count.
            "skipReportHeader": "false",
            "skipReportSummary": "false",
        }
        if not self.return_money_in_micros:
            headers["returnMoneyInMicros"] = "false"
        request: dict[str, Any] = {"definition": definition, "headers": headers, "client_login": self._login()}
        if self.shared_limits:
            request["limits"] = self._limits_store()
        return request

    def _lineage_input(self) -> tuple[str, str]:
        """The Reports service of the login the report was built for."""
        from airflow_provider_direct.utils.lineage import api_dataset

        hook = self.hook
        base = getattr(hook, "base_url", None) or hook.protocol.default_base_url
        return api_dataset(base, (self.handle or {}).get("client_login") or self.client_login, "reports")

    def _limits_store(self) -> dict[str, Any]:
        """Where the shared limits are counted (a conn id and schema, never a secret), checked before any call."""
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException

        if self.limits_conn_id:
            return {"conn_id": self.limits_conn_id, "schema": None}
        try:
            conn_type = BaseHook.get_connection(self.warehouse_conn_id).conn_type
        except AirflowNotFoundException:  # the default id: a SQLite file under AIRFLOW_HOME
            conn_type = None
        if conn_type == "clickhouse":
            raise ValueError(
                "the shared Reports limits take a lock per login, which ClickHouse has not: pass limits_conn_id= "
                "(a SQLite or PostgreSQL connection) or shared_limits=False"
            )
        return {"conn_id": self.warehouse_conn_id, "schema": self.warehouse_schema}

    # ------------------------------------------------------------------ periods too long for the service

    def _complete(self, context: Context, status: TaskStatus) -> dict[str, Any]:
        """Load the report; a 502 on a splittable period starts its first half instead, and a part that
        loads starts the next one, until the whole period is in (the parts' plan rides in XCom)."""
        plan = _plan(context)
        period = self._handle_period()
        loads_table = self.table is not None or bool(self.stats_level)
        if (
            status.state is TaskState.FAILED
            and status.stage == "time limit"
            and self.split_on_time_limit
            and loads_table
            and period is not None
            and period[0] < period[1]
        ):
            first, second = _halves(period)
            plan = plan or {"pending": [], "changed_days": [], "rows": 0, "parts": 0}
            plan["pending"].insert(0, list(second))
            self.log.warning(
                "%s..%s exceeds the service's processing time limit: loading %s..%s and %s..%s separately",
                *period,
                *first,
                *second,
            )
            return self._start_part(context, first, plan)
        result = super()._complete(context, status)
        if plan is None:
            return result
        plan["changed_days"] = sorted(set(plan["changed_days"]) | set(result.get("changed_days") or ()))
        plan["rows"] += int(result.get("rows") or 0)
        plan["parts"] += 1
        if plan["pending"]:
            return self._start_part(context, tuple(plan["pending"].pop(0)), plan)
        # The last part: every part's changed days go on the Asset of this (final) run of the task.
        table = self.table or STATS_TABLES[str(self.stats_level)]
        self._add_partitions(context, table, str(self._login() or ""), plan["rows"], plan["changed_days"])
        return {**result, "rows": plan["rows"], "changed_days": plan["changed_days"], "parts": plan["parts"]}

    def _handle_period(self) -> tuple[str, str] | None:
        criteria = ((self.handle or {}).get("definition") or {}).get("SelectionCriteria") or {}
        if criteria.get("DateFrom") and criteria.get("DateTo"):
            return str(criteria["DateFrom"]), str(criteria["DateTo"])
        return None

    def _start_part(self, context: Context, period: tuple[str, str], plan: dict[str, Any]) -> dict[str, Any]:
        """Start the report of one part of the period (it may defer: the plan is in XCom for the return)."""
        context["ti"].xcom_push(key=PLAN_KEY, value=plan)
        self.date_from, self.date_to = period
        self.date_range_type = "CUSTOM_DATE"
        if self.report_definition and "SelectionCriteria" in self.report_definition:
            criteria = {**self.report_definition["SelectionCriteria"], "DateFrom": period[0], "DateTo": period[1]}
            self.report_definition = {**self.report_definition, "SelectionCriteria": criteria}
        if self.deferrable:
            return self.execute(context)
        # On the worker the part is a new job, never the finished one the store holds: it replaces it there.
        job = self.submit_job(context)
        store = context.get("task_state_store")
        if self.durable and store is not None:
            store.set(self.external_id_key, job)
        return self.poll_until_complete(job, context)

    # ------------------------------------------------------------------ durable parts

    def submit_job(self, context: Context) -> dict[str, Any]:
        """The job record also carries a split report's plan: a retry that reattaches finishes every part."""
        job = super().submit_job(context)
        if (plan := _plan(context)) is not None:
            job["plan"] = plan
        return job

    def _adopt(self, job: Any, context: Context) -> None:
        super()._adopt(job, context)
        if job.get("plan") is not None and _plan(context) is None:  # a new try: its XCom starts empty
            context["ti"].xcom_push(key=PLAN_KEY, value=job["plan"])

    def _fetch(self, context: Context) -> ResultSummary:
        if self.table is not None:
            return self._fetch_into_table(context)
        if not self.stats_level:
            return super()._fetch(context)
        assert self.handle is not None
        handle = self.handle
        criteria = handle["definition"].get("SelectionCriteria") or {}
        loader = StatsLoader(
            DirectWarehouse.from_conn_id(self.warehouse_conn_id, schema=self.warehouse_schema),
            handle.get("client_login") or "",
            criteria.get("DateFrom"),
            criteria.get("DateTo"),
            level=self.stats_level,
            done_campaigns=self.restatement_campaigns,
            require_summary=True,  # build_request asks for it (skipReportSummary: false)
        )
        if self.result_path:  # keep the raw TSV too: spool it, then load from the spool
            spool, size, stream = self._download()
            try:
                load = loader.load(_lines(spool))
                deliver(spool, size, stream, xcom_max_bytes=self.xcom_max_bytes, result_path=self.result_path)
                status, content_type = stream.status, stream.content_type
            finally:
                spool.close()
        else:
            lines = _LineStream(self.hook, handle)
            load = loader.load(lines)
            size, status, content_type = lines.bytes, lines.status, lines.content_type
        self.log.info(
            "Loaded %d rows into %s for %s, %s..%s (%d restatements settled)",
            load.rows,
            loader.table,
            loader.login,
            load.replaced_from,
            load.replaced_to,
            load.restatements_done,
        )
        self._add_partitions(context, loader.table, loader.login, load.rows, load.changed_days)
        summary = ResultSummary(
            bytes=size,
            http_status=status,
            content_type=content_type,
            rows=load.rows,
            table=loader.table,
            changed_days=load.changed_days,
        )
        summary.path = self.result_path
        return summary

    def _fetch_into_table(self, context: Context) -> ResultSummary:
        """Stream the report into its typed table; the days whose rows changed become asset partitions."""
        table = self._report_table()
        assert table is not None and self.handle is not None
        criteria = self.handle["definition"].get("SelectionCriteria") or {}
        loader = ReportLoader(
            DirectWarehouse.from_conn_id(self.warehouse_conn_id, schema=self.warehouse_schema),
            table,
            self.handle.get("client_login") or "",
            criteria.get("DateFrom"),
            criteria.get("DateTo"),
            require_summary=True,
        )
        lines = _LineStream(self.hook, self.handle)
        load = loader.load(lines)
        self.log.info(
            "Loaded %d rows into %s for %s, %s..%s; days changed: %s",
            load.rows,
            table.table,
            loader.login,
            load.replaced_from,
            load.replaced_to,
            ", ".join(load.changed_days) or "none",
        )
        self._add_partitions(context, table.table, loader.login, load.rows, load.changed_days)
        summary = ResultSummary(
            bytes=lines.bytes,
            http_status=lines.status,
            content_type=lines.content_type,
            rows=load.rows,
            table=table.table,
            changed_days=load.changed_days,
        )
        return summary

    def _add_partitions(self, context: Context, table: str, login: str, rows: int, days: list[str]) -> None:
        """One partition (``YYYY-MM-DD``) per changed day on the table's Asset, when it is an outlet."""
        outlet_events = context.get("outlet_events")
        if outlet_events is None or not days:
            return
        asset = report_asset(self.warehouse_conn_id, table)
        if any(getattr(o, "uri", None) == asset.uri for o in self.outlets):
            outlet_events[asset].add_partitions(days)
            outlet_events[asset].extra = {"client_login": login, "rows": rows}
