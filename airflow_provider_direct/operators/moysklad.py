"""Operator for the MoySklad async exchange (seed 001)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_direct.hooks.moysklad import MoySkladProtocol
from airflow_provider_direct.operators.async_task import AsyncTaskOperator


class MoySkladAsyncTaskOperator(AsyncTaskOperator):
    """
    Run a MoySklad request with ``async=true`` (e.g. ``report/stock/bystore``) and deliver its result.

    The result file is fetched from its own host without the token; a 61002 answer (too many async
    tasks) is waited out before starting.

    :param path: request path under the connection's base URL (``https://api.moysklad.ru/api/remap/1.2``).
    :param query: extra query-string parameters (``async=true`` is added).
    :param busy_wait_seconds: how long to keep re-trying a start refused with 61002.
    """

    template_fields: Sequence[str] = (*AsyncTaskOperator.template_fields, "path", "query")

    def __init__(
        self,
        *,
        path: str,
        query: dict[str, Any] | None = None,
        busy_wait_seconds: float = MoySkladProtocol.busy_wait_seconds,
        **kwargs: Any,
    ) -> None:
        super().__init__(protocol=MoySkladProtocol.name, **kwargs)
        self.path = path
        self.query = query
        self.busy_wait_seconds = busy_wait_seconds

    def build_request(self) -> dict[str, Any]:
        return {"path": self.path, "params": self.query or {}, "busy_wait_seconds": self.busy_wait_seconds}
