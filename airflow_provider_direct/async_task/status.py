"""The normalized status every protocol reports, whatever its API calls its states."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class TaskState(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self not in (TaskState.QUEUED, TaskState.RUNNING)


@dataclass
class TaskStatus:
    """One poll's answer: the normalized state plus what the API said, in its own words.

    ``retry_after`` is the server's hint for the next poll (seconds); ``expires_at`` (epoch seconds)
    is when a finished result stops being available.
    """

    state: TaskState
    progress: float | None = None
    stage: str | None = None
    message: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None
    expires_at: float | None = None

    def to_event(self) -> dict[str, Any]:
        """JSON-safe form for trigger events (``raw`` included, so nothing the API said is lost)."""
        data = asdict(self)
        data["state"] = self.state.value
        return data

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> TaskStatus:
        return cls(**{**data, "state": TaskState(data["state"])})

    def describe(self) -> str:
        parts = [self.state.value]
        if self.progress is not None:
            parts.append(f"{self.progress:g}%")
        if self.stage:
            parts.append(self.stage)
        if self.message:
            parts.append(self.message)
        return " | ".join(parts)
