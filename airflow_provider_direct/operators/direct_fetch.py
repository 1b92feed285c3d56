"""Operator for Direct fetch processes (seed 000)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_direct.hooks.direct_fetch import DirectFetchProtocol
from airflow_provider_direct.operators.async_task import AsyncTaskOperator


class DirectFetchProcessOperator(AsyncTaskOperator):
    """
    Start a Direct fetch process, wait for it in the triggerer, and deliver its results.

    :param account: account login (``account``).
    :param client: client login (``client``).
    :param fetch_type: ``history``, ``settings``, ``strategy_study`` or ``account_goals`` (the API's ``type``).
    :param fetch_params: the API's optional ``params`` object (named so it does not shadow ``BaseOperator.params``).
    """

    template_fields: Sequence[str] = (
        *AsyncTaskOperator.template_fields,
        "account",
        "client",
        "fetch_type",
        "fetch_params",
    )

    def __init__(
        self,
        *,
        account: str,
        client: str,
        fetch_type: str,
        fetch_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(protocol=DirectFetchProtocol.name, **kwargs)
        self.account = account
        self.client = client
        self.fetch_type = fetch_type
        self.fetch_params = fetch_params

    def build_request(self) -> dict[str, Any]:
        request: dict[str, Any] = {"account": self.account, "client": self.client, "type": self.fetch_type}
        if self.fetch_params:
            request["params"] = self.fetch_params
        return request
