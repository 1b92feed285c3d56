"""Unit tests of the wait loop (a scripted protocol and a fake clock: no HTTP, no real sleeping)."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import MagicMock, call

import pytest

from airflow_provider_direct.async_task.client import AsyncTaskClient
from airflow_provider_direct.async_task.errors import (
    AsyncTaskProtocolError,
    AsyncTaskRequestError,
    AsyncTaskTimeout,
    AsyncTaskTransientError,
)
from airflow_provider_direct.async_task.protocol import AsyncTaskProtocol
from airflow_provider_direct.async_task.status import TaskState, TaskStatus
from airflow_provider_direct.async_task.waiter import MIN_SLEEP, ProgressLog, wait_for_terminal
from tests.async_task import make_client

RUNNING = TaskStatus(TaskState.RUNNING, progress=50.0, stage="work")
QUEUED = TaskStatus(TaskState.QUEUED)
DONE = TaskStatus(TaskState.SUCCEEDED, progress=100.0)


class Scripted(AsyncTaskProtocol):
    """A protocol whose polls answer (or raise) from a script; the last entry repeats."""

    name = "scripted"

    def __init__(self, *outcomes: TaskStatus | BaseException) -> None:
        self.outcomes = list(outcomes)
        self.polls = 0

    async def start(self, client: AsyncTaskClient, request: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    async def poll(self, client: AsyncTaskClient, handle: dict[str, Any]) -> TaskStatus:
        self.polls += 1
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def fetch(self, client: AsyncTaskClient, handle: dict[str, Any]) -> Any:
        raise NotImplementedError


class Clock:
    """Wall clock that only moves when the loop sleeps."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float, result: Any = None) -> Any:
        self.sleeps.append(delay)
        self.now += delay
        return result


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(asyncio, "sleep", fake.sleep)
    return fake


def transient(retry_after: float | None = None) -> AsyncTaskTransientError:
    error = AsyncTaskTransientError("HTTP 503", api="scripted", http_status=503)
    if retry_after is not None:
        error.retry_after = retry_after  # type: ignore[attr-defined]
    return error


async def wait(protocol: Scripted, clock: Clock, *, timeout: float = 3600.0, **kwargs: Any) -> TaskStatus:
    kwargs.setdefault("poll_interval", 1.0)
    return await wait_for_terminal(
        protocol, make_client(), {"id": 1}, deadline=clock.now + timeout, clock=clock, **kwargs
    )


class TestTerminal:
    @pytest.mark.asyncio
    async def test_terminal_at_first_poll_returns_without_sleeping(self, clock: Clock) -> None:
        protocol = Scripted(DONE)
        assert await wait(protocol, clock) is DONE
        assert (protocol.polls, clock.sleeps) == (1, [])

    @pytest.mark.parametrize("state", [TaskState.FAILED, TaskState.CANCELLED, TaskState.EXPIRED, TaskState.SUCCEEDED])
    @pytest.mark.asyncio
    async def test_every_terminal_state_ends_the_wait(self, clock: Clock, state: TaskState) -> None:
        final = TaskStatus(state, message="the API's words")
        assert await wait(Scripted(QUEUED, RUNNING, final), clock) is final

    @pytest.mark.asyncio
    async def test_polls_every_interval_and_reports_each_status(self, clock: Clock) -> None:
        seen: list[TaskStatus] = []
        protocol = Scripted(QUEUED, RUNNING, DONE)
        assert await wait(protocol, clock, poll_interval=5.0, on_status=seen.append) is DONE
        assert seen == [QUEUED, RUNNING, DONE]
        assert clock.sleeps == [5.0, 5.0]

    @pytest.mark.asyncio
    async def test_status_retry_after_sets_the_next_poll(self, clock: Clock) -> None:
        hinted = TaskStatus(TaskState.RUNNING, retry_after=30.0)
        await wait(Scripted(hinted, DONE), clock, poll_interval=1.0)
        assert clock.sleeps == [30.0]

    @pytest.mark.asyncio
    async def test_sleep_never_goes_below_the_minimum(self, clock: Clock) -> None:
        await wait(Scripted(TaskStatus(TaskState.RUNNING, retry_after=0.0), RUNNING, DONE), clock, poll_interval=0.001)
        assert clock.sleeps == [MIN_SLEEP, MIN_SLEEP]


class TestTransientPolls:
    @pytest.mark.asyncio
    async def test_one_failed_poll_does_not_end_the_wait(self, clock: Clock) -> None:
        protocol = Scripted(transient(), DONE)
        assert await wait(protocol, clock) is DONE
        assert protocol.polls == 2

    @pytest.mark.asyncio
    async def test_failures_up_to_the_bound_are_tolerated(self, clock: Clock) -> None:
        protocol = Scripted(transient(), transient(), transient(), DONE)
        assert await wait(protocol, clock, max_poll_failures=3) is DONE
        assert protocol.polls == 4

    @pytest.mark.asyncio
    async def test_one_failure_past_the_bound_is_re_raised(self, clock: Clock) -> None:
        last = transient()
        protocol = Scripted(transient(), transient(), last, DONE)
        with pytest.raises(AsyncTaskTransientError) as info:
            await wait(protocol, clock, max_poll_failures=2)
        assert info.value is last
        assert protocol.polls == 3

    @pytest.mark.asyncio
    async def test_a_good_poll_resets_the_failure_count(self, clock: Clock) -> None:
        protocol = Scripted(transient(), transient(), RUNNING, transient(), transient(), DONE)
        assert await wait(protocol, clock, max_poll_failures=2) is DONE
        assert protocol.polls == 6

    @pytest.mark.asyncio
    async def test_backoff_grows_with_consecutive_failures(self, clock: Clock) -> None:
        await wait(Scripted(transient(), transient(), transient(), DONE), clock, poll_interval=1.0)
        first, second, third = clock.sleeps
        # poll_interval * 2**failures, times a jitter in [0.5, 1]
        assert 1.0 <= first <= 2.0
        assert 2.0 <= second <= 4.0
        assert 4.0 <= third <= 8.0

    @pytest.mark.asyncio
    async def test_retry_after_of_a_failed_poll_is_honoured(self, clock: Clock) -> None:
        await wait(Scripted(transient(retry_after=20.0), DONE), clock, poll_interval=0.01)
        assert clock.sleeps == [20.0]

    @pytest.mark.asyncio
    async def test_failed_poll_wait_is_capped_by_the_deadline(self, clock: Clock) -> None:
        protocol = Scripted(transient(retry_after=500.0), DONE)
        with pytest.raises(AsyncTaskTimeout):
            await wait(protocol, clock, timeout=7.0)
        assert (protocol.polls, clock.sleeps) == (1, [7.0])

    @pytest.mark.parametrize("error", [AsyncTaskRequestError("gone"), AsyncTaskProtocolError("junk"), KeyError("x")])
    @pytest.mark.asyncio
    async def test_permanent_errors_end_the_wait_at_once(self, clock: Clock, error: Exception) -> None:
        protocol = Scripted(error, DONE)
        with pytest.raises(type(error)):
            await wait(protocol, clock)
        assert (protocol.polls, clock.sleeps) == (1, [])


class TestDeadline:
    @pytest.mark.asyncio
    async def test_past_deadline_times_out_without_polling(self, clock: Clock) -> None:
        protocol = Scripted(DONE)
        with pytest.raises(AsyncTaskTimeout) as info:
            await wait(protocol, clock, timeout=0.0)
        assert protocol.polls == 0
        assert str(info.value) == "scripted: no terminal state before the deadline (handle {'id': 1})"

    @pytest.mark.asyncio
    async def test_deadline_reached_while_running(self, clock: Clock) -> None:
        protocol = Scripted(RUNNING)
        with pytest.raises(AsyncTaskTimeout):
            await wait(protocol, clock, timeout=25.0, poll_interval=10.0)
        assert protocol.polls == 3
        assert clock.sleeps == [10.0, 10.0, 5.0]  # the last sleep ends exactly at the deadline

    @pytest.mark.asyncio
    async def test_deadline_caps_a_long_server_hint(self, clock: Clock) -> None:
        with pytest.raises(AsyncTaskTimeout):
            await wait(Scripted(TaskStatus(TaskState.RUNNING, retry_after=3600.0)), clock, timeout=60.0)
        assert clock.sleeps == [60.0]

    @pytest.mark.asyncio
    async def test_deadline_wins_over_tolerated_failures(self, clock: Clock) -> None:
        with pytest.raises(AsyncTaskTimeout):
            await wait(Scripted(transient()), clock, timeout=10.0, poll_interval=4.0, max_poll_failures=100)
        assert sum(clock.sleeps) == pytest.approx(10.0)

    @pytest.mark.asyncio
    async def test_real_clock_default(self) -> None:
        # no fake clock: a deadline already past on time.time() times out at once
        with pytest.raises(AsyncTaskTimeout):
            await wait_for_terminal(Scripted(DONE), make_client(), {}, deadline=0.0, poll_interval=1.0)


class TestProgressLog:
    def test_logs_only_when_state_progress_or_stage_change(self) -> None:
        log = MagicMock()
        progress = ProgressLog(log, "demo")
        for status in (
            TaskStatus(TaskState.QUEUED),
            TaskStatus(TaskState.QUEUED),
            TaskStatus(TaskState.RUNNING, progress=10, stage="Загрузка"),
            TaskStatus(TaskState.RUNNING, progress=10, stage="Загрузка", message="only the message moved"),
            TaskStatus(TaskState.RUNNING, progress=60, stage="Загрузка"),
            TaskStatus(TaskState.RUNNING, progress=60, stage="Обработка данных", message="m"),
            TaskStatus(TaskState.SUCCEEDED, progress=100, stage="Обработка данных"),
        ):
            progress(status)
        assert log.info.call_args_list == [
            call("%s job: %s", "demo", "queued"),
            call("%s job: %s", "demo", "running | 10% | Загрузка"),
            call("%s job: %s", "demo", "running | 60% | Загрузка"),
            call("%s job: %s", "demo", "running | 60% | Обработка данных | m"),
            call("%s job: %s", "demo", "succeeded | 100% | Обработка данных"),
        ]

    @pytest.mark.asyncio
    async def test_the_wait_loop_feeds_it(self, clock: Clock) -> None:
        log = MagicMock()
        await wait(Scripted(RUNNING, RUNNING, RUNNING, DONE), clock, on_status=ProgressLog(log, "demo"))
        assert [c.args[2] for c in log.info.call_args_list] == ["running | 50% | work", "succeeded | 100%"]


class TestStatus:
    def test_terminal_states(self) -> None:
        assert {s for s in TaskState if s.is_terminal} == {
            TaskState.SUCCEEDED,
            TaskState.FAILED,
            TaskState.CANCELLED,
            TaskState.EXPIRED,
        }

    def test_event_round_trip_is_plain_json(self) -> None:
        import json

        status = TaskStatus(
            TaskState.FAILED, progress=12.5, stage="s", message="m", raw={"k": [1]}, retry_after=3, expires_at=9.0
        )
        event = status.to_event()
        assert event == {
            "state": "failed",
            "progress": 12.5,
            "stage": "s",
            "message": "m",
            "raw": {"k": [1]},
            "retry_after": 3,
            "expires_at": 9.0,
        }
        assert TaskStatus.from_event(json.loads(json.dumps(event))) == status
