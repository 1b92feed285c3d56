"""Operator for the myTarget async API (seed 003)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_direct.hooks.mytarget import MyTargetProtocol
from airflow_provider_direct.operators.async_task import AsyncTaskOperator


class MyTargetAsyncRequestOperator(AsyncTaskOperator):
    """
    Send a myTarget API call through the async API and deliver the stored response.

    :param path: the ordinary API path, e.g. ``/api/v2/statistics/banners/day.json``.
    :param method: HTTP method of the call.
    :param body: JSON body of the call.
    :param query: query-string parameters of the call.
    :param callback_url: optional ``X-Callback-Location`` myTarget calls when the request is done.
    :param callback_method: ``POST`` (default) or ``GET`` for the callback.
    """

    template_fields: Sequence[str] = (*AsyncTaskOperator.template_fields, "path", "body", "query", "callback_url")

    def __init__(
        self,
        *,
        path: str,
        method: str = "GET",
        body: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        callback_url: str | None = None,
        callback_method: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(protocol=MyTargetProtocol.name, **kwargs)
        self.path = path
        self.method = method
        self.body = body
        self.query = query
        self.callback_url = callback_url
        self.callback_method = callback_method

    def build_request(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "method": self.method,
            "body": self.body,
            "query": self.query,
            "callback_url": self.callback_url,
            "callback_method": self.callback_method,
        }
