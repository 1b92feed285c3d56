"""The units and freshness dashboard's figures: one model for the page and its JSON endpoint.

Every figure is aggregated by the warehouse (``warehouse.dashboard``) or Airflow's metadata database
(``plugins.failing_logins``); these models only carry the results, a few hundred rows at most.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel


class LoginSummary(BaseModel):
    """One login: its watermark's lag, its last run, and its units over the last 24 hours."""

    client_login: str
    watermark: str | None = None
    #: Seconds between the Changes watermark and now: how far the warehouse is behind the API.
    watermark_lag_seconds: float | None = None
    last_run_status: str | None = None
    last_run_mode: str | None = None
    last_run_finished_at: dt.datetime | None = None
    last_run_upserted: int | None = None
    last_run_deleted: int | None = None
    last_run_units: int | None = None
    #: The ``Units`` header's balance and daily limit after the last run's last call.
    units_rest: int | None = None
    units_limit: int | None = None
    #: Units are refilled by 1/24 of the limit each hour, so the last 24 hours are what compares to the limit.
    units_24h: int = 0
    runs_24h: int = 0


class UnitsDay(BaseModel):
    """Units one login spent on one UTC day, beside its daily limit then."""

    day: str
    units_spent: int
    daily_limit: int | None = None
    runs: int
    changes: int


class RunPoint(BaseModel):
    """One run of the selected login."""

    started_at: dt.datetime
    mode: str
    status: str
    units_spent: int
    units_rest: int | None = None
    units_limit: int | None = None
    upserted: int
    deleted: int
    duration_seconds: float


class TableFreshness(BaseModel):
    """One warehouse table: its rows and how old its stalest login's data is."""

    table: str
    kind: Literal["objects", "service", "statistics"]
    live_rows: int
    deleted_rows: int
    last_write_at: dt.datetime | None = None
    #: The login whose data in this table is oldest, and as of when it is current.
    stalest_login: str | None = None
    fresh_as_of: dt.datetime | None = None


class PendingRestatement(BaseModel):
    """A statistics correction the API announced (``Changes`` STAT) that no load has settled yet."""

    client_login: str
    campaign_id: int
    border_date: str
    detected_at: dt.datetime


class Restatements(BaseModel):
    pending: int
    logins: int
    oldest: list[PendingRestatement]


class FailingLogin(BaseModel):
    """A login whose latest finished sync attempt failed, with the task instance that says why."""

    client_login: str
    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    #: ``failed``, or ``up_for_retry`` while Airflow still has tries left.
    state: str
    try_number: int
    failed_at: dt.datetime | None = None
    url: str


class Dashboard(BaseModel):
    """Everything the page shows; also what ``GET .../api/figures`` returns."""

    generated_at: dt.datetime
    #: The login both charts are about: the one asked for, else the one that spent most in 24 hours
    #: (units belong to each advertiser, so a limit is only ever compared with one login's spending).
    login: str | None = None
    days: int
    logins: list[LoginSummary]
    units_by_day: list[UnitsDay]
    runs: list[RunPoint]
    tables: list[TableFreshness]
    restatements: Restatements
    failing: list[FailingLogin]
    #: How long the warehouse and metadata queries took, for whoever wonders why the page is slow.
    query_seconds: float
