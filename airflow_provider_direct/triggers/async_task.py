"""The trigger that waits on any async-task protocol in the triggerer, holding no worker slot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_direct.async_task.errors import AsyncTaskError, AsyncTaskTimeout
from airflow_provider_direct.async_task.waiter import ProgressLog, wait_for_terminal
from airflow_provider_direct.hooks.async_task import AsyncTaskHook


class AsyncTaskTrigger(BaseTrigger):
    """
    Poll a remote job until it ends, then yield exactly one event.

    Kwargs are plain JSON (protocol, connection id, the job's handle, numbers): never a token.

    :param protocol: the protocol's import path (what operators pass) or registry name.
    :param http_conn_id: the ``http`` connection; fetched the async way inside ``run``.
    :param handle: what the protocol's ``start`` returned.
    :param deadline: absolute wall-clock time (epoch seconds) after which the wait times out.
    :param poll_interval: seconds between polls unless the server hints otherwise.
    :param max_poll_failures: consecutive failed polls tolerated (with backoff) before giving up.
    :param cancel_on_kill: stop the remote job when a user marks the task failed / success or clears it.
    :param callback_nonce: the nonce of the signed callback URL the job was started with, if any: the
        api-server's callback route wakes the task only while it waits on a trigger holding it (not a secret).
    """

    def __init__(
        self,
        protocol: str,
        http_conn_id: str,
        handle: dict[str, Any],
        deadline: float,
        poll_interval: float = 10.0,
        max_poll_failures: int = 10,
        cancel_on_kill: bool = True,
        request_timeout: float = 60.0,
        callback_nonce: str | None = None,
    ) -> None:
        super().__init__()
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        self.protocol = protocol
        self.http_conn_id = http_conn_id
        self.handle = handle
        self.deadline = deadline
        self.poll_interval = poll_interval
        self.max_poll_failures = max_poll_failures
        self.cancel_on_kill = cancel_on_kill
        self.request_timeout = request_timeout
        self.callback_nonce = callback_nonce

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "protocol": self.protocol,
                "http_conn_id": self.http_conn_id,
                "handle": self.handle,
                "deadline": self.deadline,
                "poll_interval": self.poll_interval,
                "max_poll_failures": self.max_poll_failures,
                "cancel_on_kill": self.cancel_on_kill,
                "request_timeout": self.request_timeout,
                "callback_nonce": self.callback_nonce,
            },
        )

    def _hook(self) -> AsyncTaskHook:
        return AsyncTaskHook(self.protocol, self.http_conn_id, timeout=self.request_timeout)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        base = {"handle": self.handle, "protocol": self.protocol}
        try:
            hook = self._hook()  # inside the try: an unknown protocol still ends in one error event
            async with await hook.aclient() as client:
                status = await wait_for_terminal(
                    hook.protocol,
                    client,
                    self.handle,
                    deadline=self.deadline,
                    poll_interval=self.poll_interval,
                    max_poll_failures=self.max_poll_failures,
                    on_status=ProgressLog(self.log, hook.protocol.name),
                )
        except AsyncTaskTimeout as exc:
            yield TriggerEvent({**base, "status": "timeout", "message": str(exc)})
            return
        except AsyncTaskError as exc:
            yield TriggerEvent(
                {
                    **base,
                    "status": "error",
                    "error_type": type(exc).__name__,
                    "message": exc.message,
                    "http_status": exc.http_status,
                }
            )
            return
        except Exception as exc:  # anything else still ends the wait with one clear event
            yield TriggerEvent({**base, "status": "error", "error_type": type(exc).__name__, "message": str(exc)})
            return
        yield TriggerEvent({**base, "status": "terminal", "task_status": status.to_event()})

    async def on_kill(self) -> None:
        """A user killed the deferred task (never called on a triggerer restart): stop the remote job."""
        if not self.cancel_on_kill:
            return
        try:
            hook = self._hook()
            if not hook.protocol.supports_cancel:
                self.log.info("%s has no cancel operation; the remote job keeps running", hook.protocol.name)
                return
            stopped = await hook.acancel(self.handle)
            self.log.info("Cancelled %s job %s: %s", hook.protocol.name, self.handle, stopped)
        except Exception as exc:  # best effort: the kill itself must go through
            self.log.warning("Could not cancel %s job %s: %s", self.protocol, self.handle, exc)
