"""Async jobs whose state is a pure function of their timestamps and the clock.

Nothing ticks: a job stores when it was created, its plan and the few events that interrupt a plan
(stop, admin expiry, the start a scheduler gives a job that waits for a slot), and every read computes
phase, progress and "last updated" from the emulator clock. That makes 1000+ jobs polled every second
cost one dict lookup each, and lets ``/admin/clock/advance`` fast-forward every job at once.
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_direct.emulator.async_apis.scenario import JobPlan, JobScenario
from airflow_provider_direct.emulator.config import AsyncJobDefaults

# Generic phases; each API renders them with its own words (see ``states``). Terminal phases other
# than "cancelled" are the plan's outcome names.
ACTIVE_PHASES = frozenset({"queued", "running"})


class LimitExceeded(Exception):
    """The user already has the maximum number of active jobs of this API."""


#: Re-plans one user's jobs after an admission or a stop (``jobs`` oldest first, ``now``); runs under the
#: store lock. An API whose jobs wait for a free slot (MoySklad's queue) installs one.
Scheduler = Callable[[list["Job"], float], None]


@dataclass(eq=False, slots=True)
class Job:
    """One async job; ``payload`` holds what the API needs to answer about it (request echo, URLs)."""

    api: str
    id: str
    user: str
    created: float
    plan: JobPlan
    labels: Mapping[str, str]
    payload: dict[str, Any]
    ttl: float | None = None  # seconds a finished result is kept; None keeps it until expired by admin
    start_at: float | None = None  # set by a scheduler when the job waits for a slot (math.inf: no slot yet)
    stopped_at: float | None = None
    expired_at: float | None = None
    stop_requests: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    file_requests: int = 0
    file_authorization_requests: int = 0
    notified: bool = False  # its completion notification went out (it is sent once)

    @property
    def ready(self) -> float:
        """When the job's own queueing time is over (it may still wait for a slot)."""
        return self.created + self.plan.queue_seconds

    @property
    def started(self) -> float:
        return self.start_at if self.start_at is not None else self.ready

    @property
    def planned_end(self) -> float | None:
        """When the plan reaches its outcome; a stuck job, or one no slot will ever free up for, never does."""
        if self.plan.outcome == "stuck" or math.isinf(self.started):
            return None
        return self.started + self.plan.duration

    @property
    def finished(self) -> float | None:
        return self.stopped_at if self.stopped_at is not None else self.planned_end

    def phase(self, now: float) -> str:
        if self.stopped_at is not None:
            return "cancelled"
        if now < self.started:
            return "queued"
        end = self.planned_end
        if end is None or now < end:
            return "running"
        return self.plan.outcome

    def is_active(self, now: float) -> bool:
        return self.phase(now) in ACTIVE_PHASES

    def label(self, now: float) -> str:
        """The API's word for the current phase; a scenario's override replaces the final one."""
        phase = self.phase(now)
        if self.plan.status_override is not None and phase not in ACTIVE_PHASES:
            return self.plan.status_override
        return self.labels[phase]

    def _step(self, at: float) -> int:
        """Completed progress steps at ``at``; the last step is only reached by finishing."""
        if at < self.started:
            return 0
        steps = self.plan.progress_steps
        duration = self.plan.duration
        fraction = (at - self.started) / duration if duration > 0 else 1.0
        return min(int(fraction * steps), steps - 1)

    def progress(self, now: float) -> int:
        """0..100 in ``progress_steps`` equal steps; 100 only on success."""
        if self.phase(now) == "success":
            return 100
        at = now if self.stopped_at is None else min(now, self.stopped_at)
        return self._step(at) * 100 // self.plan.progress_steps

    def updated(self, now: float) -> float:
        """Time of the last visible change (creation, start, a progress step, the end)."""
        finished = self.finished
        if finished is not None and now >= finished:
            return finished
        if now < self.started:
            return self.created
        return self.started + self._step(now) * self.plan.duration / self.plan.progress_steps

    def finished_by(self, now: float) -> float | None:
        finished = self.finished
        return finished if finished is not None and finished <= now else None

    def expires(self) -> float | None:
        """When the result stops being served: the TTL after the end, or an admin expiry."""
        candidates = [self.expired_at] if self.expired_at is not None else []
        finished = self.finished
        if finished is not None and self.ttl is not None:
            candidates.append(finished + self.ttl)
        return min(candidates) if candidates else None

    def is_expired(self, now: float) -> bool:
        expires = self.expires()
        return expires is not None and now >= expires

    def describe(self, now: float) -> dict[str, Any]:
        """Ground truth for ``GET /admin/async/jobs``."""
        view: dict[str, Any] = {
            "api": self.api,
            "id": self.id,
            "user": self.user,
            "state": self.label(now),
            "phase": self.phase(now),
            "progress": self.progress(now),
            "created": self.created,
            "started": self.started if self.started <= min(now, self.finished or now) else None,
            "finished": self.finished_by(now),
            "expires": self.expires(),
            "expired": self.is_expired(now),
            "plan": self.plan.describe(),
            "request": self.payload.get("request"),
            "stopped_at": self.stopped_at,
            "stop_requests": list(self.stop_requests),
            "callbacks": list(self.callbacks),
        }
        if self.api == "moysklad":
            view["file_host"] = {
                "requests": self.file_requests,
                "authorization_requests": self.file_authorization_requests,
                "authorization_seen": self.file_authorization_requests > 0,
            }
        return view


class JobStore:
    """All jobs of one API in one world, plus its queue of scenarios.

    The lock guards the indexes and the few mutable job fields; it is never held across I/O.
    """

    def __init__(
        self, api: str, defaults: AsyncJobDefaults, labels: Mapping[str, str], ttl: float | None = None
    ) -> None:
        self.api = api
        self.defaults = defaults
        self.labels = labels
        self.ttl = ttl
        self.lock = threading.Lock()
        self.scenarios: deque[JobScenario] = deque()
        self.sequence = itertools.count(1)  # for APIs with numeric ids (database-like autoincrement)
        # Per-user subscriptions to completion events (MoySklad webhooks), keyed by their id.
        self.subscriptions: dict[str, dict[str, dict[str, Any]]] = {}
        self.scheduler: Scheduler | None = None
        self._jobs: dict[str, Job] = {}
        self._by_user: dict[str, list[Job]] = {}
        self._active: dict[str, list[Job]] = {}

    def create(
        self,
        user: str,
        now: float,
        payload: dict[str, Any],
        new_id: Callable[[], str],
        limit: int | None = None,
    ) -> Job:
        """Admit a job under the optional per-user limit of active jobs, consuming one scenario."""
        with self.lock:
            active: list[Job] | None = None
            if limit is not None:
                # Pruned on every admission, so the list holds at most ``limit`` jobs plus the finished.
                active = [job for job in self._active.get(user, ()) if job.is_active(now)]
                self._active[user] = active
                if len(active) >= limit:
                    raise LimitExceeded(f"{len(active)} active {self.api} jobs for {user}")
            scenario = self.scenarios.popleft() if self.scenarios else None
            job_id = new_id()
            while job_id in self._jobs:
                job_id = new_id()
            job = Job(
                api=self.api,
                id=job_id,
                user=user,
                created=now,
                plan=JobPlan.resolve(self.defaults, scenario),
                labels=self.labels,
                payload=payload,
                ttl=self.ttl,
            )
            self._jobs[job_id] = job
            self._by_user.setdefault(user, []).append(job)
            if active is not None:
                active.append(job)
            self._reschedule(user, now)
            return job

    def _reschedule(self, user: str, now: float) -> None:
        """Let the scheduler re-plan the user's unfinished jobs (caller holds the lock).

        Jobs admitted under a limit are all in the short ``_active`` list; others need the full history.
        """
        if self.scheduler is not None:
            candidates = self._active.get(user)
            if candidates is None:
                candidates = self._by_user.get(user, [])
            self.scheduler([job for job in candidates if job.finished_by(now) is None], now)

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def owned(self, user: str, job_id: str) -> Job | None:
        """The job if it belongs to ``user``: other users' jobs do not exist for them."""
        job = self._jobs.get(job_id)
        return job if job is not None and job.user == user else None

    def of_user(self, user: str) -> list[Job]:
        with self.lock:
            return list(self._by_user.get(user, ()))

    def all(self) -> list[Job]:
        with self.lock:
            return list(self._jobs.values())

    def stop(self, job: Job, now: float, accepted_phases: frozenset[str] = ACTIVE_PHASES) -> bool:
        """Record a stop/cancel request; applies it only while the job is in ``accepted_phases``."""
        with self.lock:
            phase = job.phase(now)
            accepted = phase in accepted_phases
            job.stop_requests.append({"at": now, "accepted": accepted, "phase": phase})
            if accepted:
                job.stopped_at = now
                self._reschedule(job.user, now)  # a freed slot may start a waiting job now
            return accepted

    def expire(self, job: Job, now: float) -> None:
        with self.lock:
            job.expired_at = now if job.expired_at is None else min(job.expired_at, now)

    def claim_notification(self, job: Job) -> bool:
        """True once per job: the caller sends its completion notification."""
        with self.lock:
            if job.notified:
                return False
            job.notified = True
            return True

    def record_callback(self, job: Job, record: dict[str, Any]) -> None:
        with self.lock:
            job.callbacks.append(record)

    def record_file_request(self, job: Job, with_authorization: bool) -> None:
        with self.lock:
            job.file_requests += 1
            job.file_authorization_requests += int(with_authorization)

    def enqueue(self, scenarios: list[JobScenario], clear: bool = False) -> list[dict[str, Any]]:
        with self.lock:
            if clear:
                self.scenarios.clear()
            self.scenarios.extend(scenarios)
            return [scenario.model_dump(exclude_unset=True) for scenario in self.scenarios]

    def clear(self) -> None:
        with self.lock:
            self._jobs.clear()
            self._by_user.clear()
            self._active.clear()
            self.scenarios.clear()
            self.subscriptions.clear()
            self.sequence = itertools.count(1)


def slot_schedule(slots: int) -> Scheduler:
    """A scheduler giving each user ``slots`` running jobs at most; the others wait their turn.

    Jobs that have started keep their start; the waiting ones, in the order their own queueing time
    ends (then of creation), start once it has and a slot is free, the earliest-ending running job
    giving up its slot first. A slot held by a stuck job is never freed, so a job behind it waits for
    ever (``start_at = inf``) unless a stop frees one.
    """

    def schedule(jobs: list[Job], now: float) -> None:
        ends: list[float] = []  # when each held slot frees up
        waiting: list[Job] = []
        for job in jobs:
            if job.stopped_at is not None:
                continue  # stopped: holds no slot any more
            if job.start_at is not None and job.start_at <= now:  # planned before, and started since
                end = job.planned_end
                ends.append(end if end is not None else math.inf)
            else:
                waiting.append(job)
        heapq.heapify(ends)
        for job in sorted(waiting, key=lambda item: (max(item.ready, now), item.created)):
            ready = max(job.ready, now)
            while ends and ends[0] <= ready:
                heapq.heappop(ends)
            start = ready if len(ends) < slots else heapq.heappop(ends)
            job.start_at = start
            end = job.planned_end
            heapq.heappush(ends, end if end is not None else math.inf)

    return schedule
