"""Operator for the workers task API (seed 002)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_direct.hooks.workers import WorkersProtocol
from airflow_provider_direct.operators.async_task import AsyncTaskOperator


class WorkersTaskOperator(AsyncTaskOperator):
    """
    Create a workers task (export, cleanup, analysis, report), wait for it, deliver its result.

    :param worker_task_type: the API's ``task_type``, e.g. ``bookings_export``, ``report_generation``
        (renamed: ``task_type`` is a BaseOperator property).
    :param batch_size: the API's ``batch_size``.
    :param filters: the API's ``filters`` object.
    :param date_from: ISO 8601 start of the data range.
    :param date_to: ISO 8601 end of the data range.
    """

    template_fields: Sequence[str] = (
        *AsyncTaskOperator.template_fields,
        "worker_task_type",
        "filters",
        "date_from",
        "date_to",
    )

    def __init__(
        self,
        *,
        worker_task_type: str,
        batch_size: int = 100,
        filters: dict[str, Any] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(protocol=WorkersProtocol.name, **kwargs)
        self.worker_task_type = worker_task_type
        self.batch_size = batch_size
        self.filters = filters
        self.date_from = date_from
        self.date_to = date_to

    def build_request(self) -> dict[str, Any]:
        request: dict[str, Any] = {
            "task_type": self.worker_task_type,
            "batch_size": self.batch_size,
            "filters": self.filters or {},
        }
        request.update({k: v for k, v in (("date_from", self.date_from), ("date_to", self.date_to)) if v})
        return request
