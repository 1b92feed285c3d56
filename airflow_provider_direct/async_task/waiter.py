"""The wait loop, shared by the trigger (triggerer) and the non-deferrable path (worker).

One network blip never fails a wait: failed polls are retried with backoff up to a bound of
consecutive failures. The deadline is absolute wall-clock time, so a resumed wait keeps it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Any

from airflow_provider_direct.async_task.client import AsyncTaskClient
from airflow_provider_direct.async_task.errors import AsyncTaskTimeout, AsyncTaskTransientError
from airflow_provider_direct.async_task.protocol import AsyncTaskProtocol
from airflow_provider_direct.async_task.status import TaskStatus

MIN_SLEEP = 0.05


async def wait_for_terminal(
    protocol: AsyncTaskProtocol,
    client: AsyncTaskClient,
    handle: dict[str, Any],
    *,
    deadline: float,
    poll_interval: float,
    max_poll_failures: int = 10,
    on_status: Callable[[TaskStatus], None] | None = None,
    clock: Callable[[], float] = time.time,
) -> TaskStatus:
    """Poll until the job reaches a terminal state; raise :class:`AsyncTaskTimeout` at ``deadline``."""
    failures = 0
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            raise AsyncTaskTimeout(f"no terminal state before the deadline (handle {handle})", api=protocol.name)
        try:
            status = await protocol.poll(client, handle)
        except AsyncTaskTransientError as exc:
            failures += 1
            if failures > max_poll_failures:
                raise
            hint = getattr(exc, "retry_after", None)
            backoff = min(poll_interval * 2 ** min(failures, 6), 300.0) * (0.5 + random.random() / 2)
            await asyncio.sleep(max(MIN_SLEEP, min(max(backoff, hint or 0.0), remaining)))
            continue
        failures = 0
        if on_status is not None:
            on_status(status)
        if status.state.is_terminal:
            return status
        delay = status.retry_after if status.retry_after is not None else poll_interval
        await asyncio.sleep(max(MIN_SLEEP, min(delay, deadline - clock())))


class ProgressLog:
    """Logs a status only when it changed (state, progress or stage), so task logs show progress."""

    def __init__(self, log: Any, api: str) -> None:
        self._log = log
        self._api = api
        self._last: tuple[Any, ...] | None = None

    def __call__(self, status: TaskStatus) -> None:
        key = (status.state, status.progress, status.stage)
        if key != self._last:
            self._last = key
            self._log.info("%s job: %s", self._api, status.describe())
