"""Deferrable operator for any async-task protocol: start → wait (triggerer) → fetch → deliver; cancel on kill.

On the worker (``deferrable=False``) the job is durable: its handle is kept in the task state store, so
a retry after a dead worker reattaches to the running job instead of starting a second one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator, ResumableJobMixin, conf

from airflow_provider_direct.async_task.errors import (
    AsyncTaskCancelled,
    AsyncTaskError,
    AsyncTaskExpired,
    AsyncTaskFailed,
    AsyncTaskTimeout,
    error_class_named,
)
from airflow_provider_direct.async_task.protocol import protocol_path
from airflow_provider_direct.async_task.sinks import ResultSummary, deliver, spool_result
from airflow_provider_direct.async_task.status import TaskState, TaskStatus
from airflow_provider_direct.async_task.waiter import ProgressLog, wait_for_terminal
from airflow_provider_direct.hooks.async_task import AsyncTaskHook
from airflow_provider_direct.operators.trigger_queue import TriggerQueueMixin
from airflow_provider_direct.triggers.async_task import AsyncTaskTrigger
from airflow_provider_direct.warehouse.store import DEFAULT_WAREHOUSE_CONN_ID

if TYPE_CHECKING:
    from airflow.sdk import Context

DEFAULT_XCOM_MAX_BYTES = 256 * 1024


def default_deferrable() -> bool:
    """``[operators] default_deferrable`` when the deployment sets it; otherwise True for these operators.

    Waiting on a remote job is exactly what deferral is for, so this provider defaults to it.
    """
    if "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE" in os.environ:
        return conf.getboolean("operators", "default_deferrable", fallback=True)
    configured = conf.getboolean("operators", "default_deferrable", fallback=True)
    default = str(conf.get_default_value("operators", "default_deferrable", fallback="False")).lower() == "true"
    # Equal to Airflow's own default: nobody chose, so this provider's default (True) applies.
    return True if configured == default else configured


class AsyncTaskOperator(ResumableJobMixin, TriggerQueueMixin, BaseOperator):
    """
    Run one job of an async-task API: start it, wait without a worker slot, fetch and deliver the result.

    The result goes to XCom when it is under ``xcom_max_bytes``; otherwise it is streamed to
    ``result_path`` (local path or object-storage URL) or into ``result_table`` of the warehouse,
    and XCom gets the location and row count. The remote job is cancelled when the task is killed
    (trigger ``on_kill`` while deferred, operator ``on_kill`` on the worker) or times out.

    :param protocol: ``direct_fetch``, ``moysklad``, ``workers``, ``mytarget`` or another registered name.
    :param http_conn_id: ``http`` connection: host = API base URL, password = bearer token.
    :param request: what the protocol's ``start`` takes (see the named operators).
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``, else True).
    :param poll_interval: seconds between status polls (server hints take precedence).
    :param timeout: the job must end within this time from the start (absolute deadline).
    :param max_poll_failures: consecutive failed polls tolerated with backoff.
    :param xcom_max_bytes: the largest result pushed to XCom itself.
    :param result_path: where to stream a result (``/data/x.json``, ``s3://bucket/key.json`` ...).
    :param result_table: warehouse table receiving the result rows (one JSON row each).
    :param warehouse_conn_id: the warehouse connection for ``result_table``.
    :param cancel_on_kill: stop the remote job when the task is killed.
    :param trigger_queue: the triggerer queue of the waits (with ``[triggerer] queues_enabled``; triggerers
        started with ``--queues``); the task's ``queue`` still picks its workers.
    :param durable: on the worker (``deferrable=False``), keep the job's handle in the task state store
        (key ``async_task_job``) so a retry reattaches to it: a running job is waited for, a finished one
        fetched, and only a failed one started again.
    """

    #: The task state store key of the remote job (its handle and absolute deadline). Renaming it would
    #: strand the jobs of tasks retrying across an upgrade.
    external_id_key = "async_task_job"

    template_fields: Sequence[str] = ("request", "http_conn_id", "result_path", "result_table")
    template_fields_renderers = {"request": "json"}
    ui_color = "#e8f7ff"

    def __init__(
        self,
        *,
        protocol: str,
        http_conn_id: str = AsyncTaskHook.default_conn_name,
        request: dict[str, Any] | None = None,
        deferrable: bool | None = None,
        poll_interval: float = 10.0,
        timeout: dt.timedelta = dt.timedelta(hours=6),
        max_poll_failures: int = 10,
        xcom_max_bytes: int = DEFAULT_XCOM_MAX_BYTES,
        result_path: str | None = None,
        result_table: str | None = None,
        warehouse_conn_id: str = DEFAULT_WAREHOUSE_CONN_ID,
        warehouse_schema: str | None = None,
        cancel_on_kill: bool = True,
        request_timeout: float = 60.0,
        trigger_queue: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trigger_queue = trigger_queue
        self.protocol = protocol
        self.http_conn_id = http_conn_id
        self.request = request or {}
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.max_poll_failures = max_poll_failures
        self.xcom_max_bytes = xcom_max_bytes
        self.result_path = result_path
        self.result_table = result_table
        self.warehouse_conn_id = warehouse_conn_id
        self.warehouse_schema = warehouse_schema
        self.cancel_on_kill = cancel_on_kill
        self.request_timeout = request_timeout
        self.handle: dict[str, Any] | None = None
        #: Set when the job was started with a signed callback URL (see the myTarget operator).
        self.callback_nonce: str | None = None
        self._deadline = 0.0
        self._last_status: TaskStatus | None = None
        self._result: dict[str, Any] | None = None
        self._finished = False

    @property
    def hook(self) -> AsyncTaskHook:
        return AsyncTaskHook(self.protocol, self.http_conn_id, timeout=self.request_timeout)

    def build_request(self) -> dict[str, Any]:
        """The start request; named operators assemble it from their own (templated) arguments."""
        return dict(self.request)

    # ------------------------------------------------------------------ lifecycle

    def execute(self, context: Context) -> dict[str, Any]:
        if not self.deferrable:
            return self.execute_resumable(context)  # type: ignore[no-any-return]
        return self._complete_or_defer(context, self.submit_job(context))

    def _complete_or_defer(self, context: Context, job: dict[str, Any]) -> dict[str, Any]:
        """Poll the job once: complete it when it has ended, else wait for it in the triggerer."""
        status = self.hook.poll(job["handle"])
        ProgressLog(self.log, self.protocol)(status)
        if status.state.is_terminal:
            return self._complete(context, status)
        self.defer(trigger=self._trigger(job), method_name="execute_complete")

    def _trigger(self, job: dict[str, Any]) -> AsyncTaskTrigger:
        """The wait in the triggerer for a job record (``handle`` and absolute ``deadline``)."""
        return AsyncTaskTrigger(
            protocol=protocol_path(self.hook.protocol),  # resolvable in a triggerer that never imported it
            http_conn_id=self.http_conn_id,
            handle=job["handle"],
            deadline=job["deadline"],
            poll_interval=self._trigger_poll_interval(),
            max_poll_failures=self.max_poll_failures,
            cancel_on_kill=self.cancel_on_kill,
            request_timeout=self.request_timeout,
            callback_nonce=self.callback_nonce,
        )

    def _trigger_poll_interval(self) -> float:
        """How often the trigger polls; an operator whose job calls back polls only as a fallback."""
        return self.poll_interval

    # ------------------------------------------------------------------ the durable wait on a worker

    def submit_job(self, context: Context) -> dict[str, Any]:
        """Start the remote job: its handle and absolute deadline are what a retry needs to reattach."""
        self.handle = self.hook.start(self.build_request())
        self._deadline = time.time() + self.timeout.total_seconds()
        context["ti"].xcom_push(key="handle", value=self.handle)
        self.log.info("Started %s job %s", self.protocol, self.handle)
        self._last_status, self._result = None, None
        return {"handle": self.handle, "deadline": self._deadline}

    def _adopt(self, job: Any, context: Context) -> None:
        """Take over the job a task state store record names (this try's or an earlier one's)."""
        self.handle, self._deadline = job["handle"], float(job["deadline"])

    def get_job_status(self, external_id: Any, context: Context) -> str:
        self._adopt(external_id, context)
        self._last_status = self.hook.poll(self.handle)  # type: ignore[arg-type]
        self.log.info("Found %s job %s of an earlier try: %s", self.protocol, self.handle, self._last_status.describe())
        return self._last_status.state.value

    def is_job_active(self, status: str) -> bool:
        return not TaskState(status).is_terminal

    def is_job_succeeded(self, status: str) -> bool:
        return TaskState(status) is TaskState.SUCCEEDED

    def poll_until_complete(self, external_id: Any, context: Context) -> dict[str, Any]:  # type: ignore[override]
        """Wait, then fetch and deliver: the mixin returns this directly when it reattaches to a running job."""
        self._adopt(external_id, context)
        self._result = self._complete(context, self._wait_on_worker(self.hook, self._deadline))
        return self._result

    def get_job_result(self, external_id: Any, context: Context) -> dict[str, Any]:
        """The delivered result; a job that had finished before this try is fetched now."""
        self._adopt(external_id, context)
        if self._result is None:
            status = self._last_status or self.hook.poll(self.handle)  # type: ignore[arg-type]
            self._result = self._complete(context, status)
        return self._result

    def _wait_on_worker(self, hook: AsyncTaskHook, deadline: float) -> TaskStatus:
        """The non-deferrable wait: the very loop the trigger runs, on this worker."""
        assert self.handle is not None

        async def wait() -> TaskStatus:
            async with hook.client() as client:
                return await wait_for_terminal(
                    hook.protocol,
                    client,
                    self.handle,  # type: ignore[arg-type]
                    deadline=deadline,
                    poll_interval=self.poll_interval,
                    max_poll_failures=self.max_poll_failures,
                    on_status=ProgressLog(self.log, self.protocol),
                )

        try:
            return asyncio.run(wait())
        except AsyncTaskTimeout:
            self._cancel_quietly("deadline passed")
            raise

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Back from the triggerer: the event is the only state carried across."""
        self.handle = event.get("handle") or self.handle
        if event.get("status") == "callback":
            return self._after_callback(context, event)
        if event.get("status") == "terminal":
            return self._complete(context, TaskStatus.from_event(event["task_status"]))
        if event.get("status") == "timeout":
            self._cancel_quietly("deadline passed")
            raise AsyncTaskTimeout(str(event.get("message")), api=self.protocol)
        # The error type named in the event (protocol-specific ones included); the base type otherwise.
        error_type = error_class_named(str(event.get("error_type"))) or AsyncTaskError
        raise error_type(str(event.get("message")), api=self.protocol, http_status=event.get("http_status"))

    def _after_callback(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """The API called back: ask it for the job's state now (a callback only says "look"), wait again if early."""
        self.log.info("%s called back", self.protocol)
        self.callback_nonce = event.get("callback_nonce")
        job = {"handle": self.handle, "deadline": float(event.get("deadline") or time.time() + 60)}
        return self._complete_or_defer(context, job)

    def _complete(self, context: Context, status: TaskStatus) -> dict[str, Any]:
        self._finished = True
        detail = status.message or status.describe()
        if status.state is TaskState.FAILED:
            raise AsyncTaskFailed(detail, api=self.protocol, body=status.raw)
        if status.state is TaskState.CANCELLED:
            raise AsyncTaskCancelled(detail, api=self.protocol)
        if status.state is TaskState.EXPIRED:
            raise AsyncTaskExpired(detail, api=self.protocol)
        summary = self._fetch(context)
        self._lineage_summary = summary
        self.log.info(
            "%s result: %s bytes, %s rows -> %s",
            self.protocol,
            summary.bytes,
            summary.rows,
            summary.path or summary.table or "XCom",
        )
        return {**summary.as_dict(), "handle": self.handle}

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the API the job ran on, where its result went (a warehouse table or a file), its rows."""
        from airflow_provider_direct.utils.lineage import operator_lineage, warehouse_outputs

        summary: ResultSummary | None = getattr(self, "_lineage_summary", None)
        if summary is None:  # nothing completed in this process
            return None
        outputs: list[tuple[str, str]] = []
        if summary.table:
            outputs = warehouse_outputs(self.warehouse_conn_id, self.warehouse_schema, [summary.table])
        elif summary.path:
            outputs = [("file", summary.path)]
        return operator_lineage([self._lineage_input()], outputs, rows=summary.rows)

    def _lineage_input(self) -> tuple[str, str]:
        """The API as an OpenLineage dataset: its host, and the protocol's name."""
        from airflow_provider_direct.utils.lineage import api_dataset

        hook = self.hook
        return api_dataset(getattr(hook, "base_url", None) or hook.protocol.default_base_url, None, self.protocol)

    def _download(self) -> tuple[Any, int, Any]:
        """Stream the finished job's result into a spool file: ``(spool, size, stream)``."""
        hook = self.hook
        assert self.handle is not None
        handle = self.handle

        async def download() -> tuple[Any, int, Any]:
            async with hook.client() as client, hook.protocol.fetch(client, handle) as stream:
                spool, size = await spool_result(stream, self.xcom_max_bytes)
                return spool, size, stream

        return asyncio.run(download())

    def _fetch(self, context: Context) -> ResultSummary:
        spool, size, stream = self._download()
        try:
            return deliver(
                spool,
                size,
                stream,
                xcom_max_bytes=self.xcom_max_bytes,
                result_path=self.result_path,
                table_loader=self._table_loader(context),
            )
        finally:
            spool.close()

    def _table_loader(self, context: Context) -> Any:
        if not self.result_table:
            return None
        from airflow_provider_direct.warehouse.results import ResultTableLoader
        from airflow_provider_direct.warehouse.store import DirectWarehouse

        ti = context["ti"]
        key = f"{ti.dag_id}/{ti.task_id}/{ti.run_id}/{getattr(ti, 'map_index', -1)}"
        warehouse = DirectWarehouse.from_conn_id(self.warehouse_conn_id, schema=self.warehouse_schema)
        return ResultTableLoader(warehouse, self.result_table, key)

    # ------------------------------------------------------------------ cancellation

    def on_kill(self) -> None:
        """Killed while running on the worker (start, non-deferrable wait, fetch): stop the remote job."""
        if not self._finished:
            self._cancel_quietly("task killed")

    def _cancel_quietly(self, why: str) -> None:
        if not (self.cancel_on_kill and self.handle):
            return
        hook = self.hook
        if not hook.protocol.supports_cancel:
            self.log.info("%s has no cancel; the remote job keeps running (%s)", self.protocol, why)
            return
        try:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                stopped = hook.cancel(self.handle)
            else:
                # on_kill can arrive (SIGTERM) while the worker-side wait's loop runs: cancel from a thread.
                with ThreadPoolExecutor(1) as pool:
                    stopped = pool.submit(hook.cancel, self.handle).result(timeout=60)
            self.log.info("Cancelled %s job %s (%s): %s", self.protocol, self.handle, why, stopped)
        except Exception as exc:  # best effort
            self.log.warning("Could not cancel %s job %s: %s", self.protocol, self.handle, exc)
