"""Per-job scenarios: how the next jobs of one async API will behave.

Tests queue exact behaviours ("the next job fails after 2 s") instead of relying on timing or
randomness; fields a scenario leaves out fall back to the API's defaults from the config, and a
scenario consumed by a job is gone (FIFO), so every test states what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from airflow_provider_direct.emulator.config import ASYNC_OUTCOMES, AsyncJobDefaults

# Fields where an explicit null is a value; for the others null just means "use the default".
NULLABLE_FIELDS = frozenset({"result_rows", "status_override", "error_http_code", "error_message", "error_code"})

AsyncApi = Literal["direct_fetch", "moysklad", "workers", "mytarget"]
Outcome = Literal["success", "failure", "api_error", "unknown", "stuck", "cancelled"]
#: Outcomes only a scenario can ask for, on top of the config's (never a default): a MoySklad task can
#: end in CANCEL without this client's cancel (cancelled by someone else), so tests can queue that.
SCENARIO_OUTCOMES: dict[str, frozenset[str]] = {"moysklad": frozenset({"cancelled"})}


class JobScenario(BaseModel):
    """One queued job behaviour; omitted fields keep the API default (``result_rows: null`` is a value)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    duration: float | None = Field(default=None, ge=0)
    queue_seconds: float | None = Field(default=None, ge=0)
    progress_steps: int | None = Field(default=None, ge=1)
    outcome: Outcome | None = None
    result_rows: int | None = Field(default=None, ge=0)
    status_override: str | None = Field(default=None, min_length=1)
    error_http_code: int | None = Field(default=None, ge=400, le=599)
    error_message: str | None = None
    error_code: int | None = Field(default=None, ge=0, description="the API's own error code (MoySklad API_ERROR)")


class ScenarioRequest(BaseModel):
    """Body of ``POST /admin/async/scenario``."""

    model_config = ConfigDict(extra="forbid")

    api: AsyncApi
    next: list[JobScenario] = Field(default_factory=list)
    clear: bool = False

    @model_validator(mode="after")
    def _outcomes_fit_the_api(self) -> ScenarioRequest:
        allowed = ASYNC_OUTCOMES[self.api] | SCENARIO_OUTCOMES.get(self.api, frozenset())
        for position, scenario in enumerate(self.next):
            if scenario.outcome is not None and scenario.outcome not in allowed:
                raise ValueError(f"next[{position}].outcome: {self.api} supports {sorted(allowed)}")
        return self


@dataclass(frozen=True, slots=True)
class JobPlan:
    """A scenario resolved against the defaults: everything a job needs to compute its own state."""

    duration: float
    queue_seconds: float
    progress_steps: int
    outcome: str
    result_rows: int | None
    status_override: str | None = None
    error_http_code: int | None = None
    error_message: str | None = None
    error_code: int | None = None

    @classmethod
    def resolve(cls, defaults: AsyncJobDefaults, scenario: JobScenario | None) -> JobPlan:
        values: dict[str, Any] = defaults.model_dump()
        if scenario is not None:
            # Only fields the scenario actually set override: ``result_rows: null`` means "no results".
            for name in scenario.model_fields_set:
                value = getattr(scenario, name)
                if value is not None or name in NULLABLE_FIELDS:
                    values[name] = value
        return cls(**values)

    def describe(self) -> dict[str, Any]:
        return {
            "duration": self.duration,
            "queue_seconds": self.queue_seconds,
            "progress_steps": self.progress_steps,
            "outcome": self.outcome,
            "result_rows": self.result_rows,
            "status_override": self.status_override,
            "error_http_code": self.error_http_code,
            "error_message": self.error_message,
            "error_code": self.error_code,
        }
