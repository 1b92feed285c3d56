"""Operator for the myTarget async API (seed 003)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import conf
from airflow.sdk.log import mask_secret

from airflow_provider_direct.hooks.mytarget import MyTargetProtocol
from airflow_provider_direct.operators.async_task import AsyncTaskOperator
from airflow_provider_direct.utils.callback_tokens import SECTION, CallbackTarget, callback_url, sign

if TYPE_CHECKING:
    from airflow.sdk import Context


class MyTargetAsyncRequestOperator(AsyncTaskOperator):
    """
    Send a myTarget API call through the async API and deliver the stored response.

    Deferred, it is woken by myTarget's callback when the deployment has a callback route: with
    ``[yandex_direct] callback_base_url`` (the api-server's external URL) and ``callback_secret`` set, the
    request carries a signed ``X-Callback-Location`` of this task, and the trigger polls only every
    ``callback_poll_interval`` seconds, as a fallback for a callback that never comes.

    :param path: the ordinary API path, e.g. ``/api/v2/statistics/banners/day.json``.
    :param method: HTTP method of the call.
    :param body: JSON body of the call.
    :param query: query-string parameters of the call.
    :param callback_url: your own ``X-Callback-Location`` (then no signed one is made).
    :param callback_method: ``POST`` (default) or ``GET`` for the callback.
    :param callback_events: use the signed callback when the deployment has one configured.
    :param callback_poll_interval: the fallback poll interval while a callback is expected.
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
        callback_events: bool = True,
        callback_poll_interval: float = 300.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(protocol=MyTargetProtocol.name, **kwargs)
        self.path = path
        self.method = method
        self.body = body
        self.query = query
        self.callback_url = callback_url
        self.callback_method = callback_method
        self.callback_events = callback_events
        self.callback_poll_interval = callback_poll_interval
        self._signed_callback: str | None = None

    def submit_job(self, context: Context) -> dict[str, Any]:
        self._signed_callback = self._sign_callback(context)
        return super().submit_job(context)

    def _sign_callback(self, context: Context) -> str | None:
        """This task instance's signed callback URL, when callbacks are wanted and configured."""
        base = conf.get(SECTION, "callback_base_url", fallback=None)
        secret = conf.get(SECTION, "callback_secret", fallback=None)
        if not (self.callback_events and self.deferrable and not self.callback_url and base and secret):
            return None
        ti = context["ti"]
        target = CallbackTarget.new(
            ti.dag_id, ti.run_id, ti.task_id, getattr(ti, "map_index", -1), self.timeout.total_seconds()
        )
        token = sign(target, secret)
        mask_secret(token)  # the URL is this task's credential: never in a log
        self.callback_nonce = target.nonce
        return callback_url(base, "mytarget", token)

    def _trigger_poll_interval(self) -> float:
        return max(self.poll_interval, self.callback_poll_interval) if self.callback_nonce else self.poll_interval

    def build_request(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "method": self.method,
            "body": self.body,
            "query": self.query,
            "callback_url": self._signed_callback or self.callback_url,
            "callback_method": self.callback_method,
        }
