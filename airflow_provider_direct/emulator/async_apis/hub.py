"""The async APIs' share of the emulated world: job stores, notifications, the file-link secret.

It follows the emulator's current ``World`` rather than living inside it: when ``/admin/reset``
swaps the world, the next async request notices and starts from an empty state on the new clock,
so a reset clears async jobs too without the Direct world knowing about them.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

from starlette.requests import Request

from airflow_provider_direct.emulator.async_apis.callbacks import CallbackDispatcher
from airflow_provider_direct.emulator.async_apis.jobs import ACTIVE_PHASES, Job, JobStore, slot_schedule
from airflow_provider_direct.emulator.async_apis.moysklad_limits import RequestGate
from airflow_provider_direct.emulator.async_apis.states import STATE_LABELS
from airflow_provider_direct.emulator.config import ASYNC_APIS
from airflow_provider_direct.emulator.world import Emulator, World


class AsyncWorld:
    """Async state bound to one ``World`` (its config and clock)."""

    def __init__(self, world: World, alive: Callable[[AsyncWorld], bool]) -> None:
        self.world = world
        self.config = world.config
        self.clock = world.clock
        ttls = {"moysklad": self.config.moysklad_result_ttl, "mytarget": self.config.mytarget_ttl}
        self.stores = {
            api: JobStore(api, self.config.async_jobs[api], STATE_LABELS[api], ttls.get(api)) for api in ASYNC_APIS
        }
        # MoySklad runs a few tasks per account at once; the others wait in its queue (PENDING).
        self.stores["moysklad"].scheduler = slot_schedule(self.config.moysklad_max_concurrent)
        self.moysklad_gate = RequestGate()  # MoySklad's request window and arranged faults
        self.dispatcher = CallbackDispatcher(self.clock.now, lambda: alive(self))
        self.link_secret = secrets.token_bytes(16)  # signs MoySklad file links; dies with the world
        self._lock = threading.Lock()
        self.file_requests = 0
        self.file_authorization_requests = 0

    def now(self) -> float:
        return self.clock.now()

    def user(self, authorization: str | None) -> str | None:
        """The user behind ``Authorization: Bearer <token>``, or None (every API answers 401)."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.config.async_tokens.get(token.strip())

    def notify_when_finished(self, job: Job, fire: Callable[[Job], None]) -> None:
        """Call ``fire(job)`` once on the delivery pool when the job's plan ends (never for stuck jobs).

        A job re-planned later (it waited for a slot) is checked again at its new end; call this again
        after re-planning a job earlier. Either way it fires at most once.
        """
        due = job.planned_end
        if due is None:
            return
        store = self.stores[job.api]

        def run() -> None:
            # A job cleared by /admin/async/reset or stopped before its end notifies nobody.
            if store.get(job.id) is not job:
                return
            phase = job.phase(self.now())
            if phase in ACTIVE_PHASES:
                self.notify_when_finished(job, fire)
            elif phase != "cancelled" and store.claim_notification(job):
                fire(job)

        self.dispatcher.schedule(due, run)

    def record_file_request(self, job: Job | None, with_authorization: bool) -> None:
        with self._lock:
            self.file_requests += 1
            self.file_authorization_requests += int(with_authorization)
        if job is not None:
            self.stores[job.api].record_file_request(job, with_authorization)

    def file_host_view(self) -> dict[str, int | bool]:
        with self._lock:
            return {
                "requests": self.file_requests,
                "authorization_requests": self.file_authorization_requests,
                "authorization_seen": self.file_authorization_requests > 0,
            }

    def reset(self) -> None:
        for store in self.stores.values():
            store.clear()
        self.moysklad_gate.reset()
        with self._lock:
            self.file_requests = self.file_authorization_requests = 0

    def close(self) -> None:
        self.dispatcher.close()


class AsyncHub:
    """Holder of the current ``AsyncWorld``; shared by the API app and the file host."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._lock = threading.Lock()
        self._state = AsyncWorld(emulator.world, self._is_current)
        self.file_url = ""  # set by whoever starts the file listener

    def _is_current(self, state: AsyncWorld) -> bool:
        return self._state is state and self._emulator.world is state.world

    def current(self) -> AsyncWorld:
        state = self._state
        world = self._emulator.world
        if state.world is world:
            return state
        with self._lock:
            if self._state.world is not world:
                self._state.close()
                self._state = AsyncWorld(world, self._is_current)
            return self._state

    def close(self) -> None:
        self._state.close()


def async_world(request: Request) -> AsyncWorld:
    hub: AsyncHub = request.app.state.async_hub
    return hub.current()
