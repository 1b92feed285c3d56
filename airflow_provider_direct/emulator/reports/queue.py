"""Registry of a world's reports: the offline queue, built reports and their expiry.

A report is identified by (login, ReportName). Builds of one login run one after another (a later
report starts when the previous one is built), so ``retryIn`` grows with the queue like on the real
service. Only metadata is kept; the TSV itself is rendered at download time from the statistics,
which never costs memory but means a correction made after the build shows up in a re-download.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass
from typing import Any

from airflow_provider_direct.emulator.clock import format_timestamp
from airflow_provider_direct.emulator.config import EmulatorConfig
from airflow_provider_direct.emulator.errors import ApiError
from airflow_provider_direct.emulator.reports.definition import ReportDefinition

ACTIVE_STATES = ("queued", "building")


@dataclass
class StoredReport:
    """One report's lifecycle; ``date_from``/``date_to`` are fixed when it is accepted."""

    login: str
    definition: ReportDefinition
    date_from: dt.date
    date_to: dt.date
    rows: int  # estimated
    mode: str  # how it was built: online or offline
    created: float
    started: float
    ready_at: float
    auto_version: int | None  # AUTO reports: corrections up to this state version are covered
    expired: bool = False
    polls: int = 0
    downloads: int = 0

    @property
    def name(self) -> str:
        return self.definition.name

    def state(self, now: float, ttl: float) -> str:
        if self.expired or now >= self.ready_at + ttl:
            return "expired"
        if now >= self.ready_at:
            return "ready"
        return "building" if now >= self.started else "queued"

    def retry_in(self, now: float) -> int:
        return max(1, math.ceil(self.ready_at - now))

    def describe(self, now: float, ttl: float) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state(now, ttl),
            "mode": self.mode,
            "report_type": self.definition.report_type,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "rows": self.rows,
            "created": format_timestamp(self.created),
            "started": format_timestamp(self.started),
            "ready": format_timestamp(self.ready_at),
            "expires": format_timestamp(self.ready_at + ttl),
            "polls": self.polls,
            "downloads": self.downloads,
        }


class ReportRegistry:
    """Thread-safe per-login report table plus the AUTO cursor (corrections already reported)."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        self._reports: dict[tuple[str, str], StoredReport] = {}
        self._auto_cursor: dict[str, int] = {}

    def in_queue(self, login: str, now: float) -> int:
        return len(self._active(login, now))

    def _active(self, login: str, now: float) -> list[StoredReport]:
        ttl = self.config.reports_ttl
        return [r for (owner, _), r in self._reports.items() if owner == login and r.state(now, ttl) in ACTIVE_STATES]

    def existing(self, login: str, definition: ReportDefinition, now: float) -> StoredReport | None:
        """The live report with this name; error 4000 if it was defined differently. Caller holds ``lock``."""
        report = self._reports.get((login, definition.name))
        if report is None or report.state(now, self.config.reports_ttl) == "expired":
            return None
        if report.definition.fingerprint != definition.fingerprint:
            raise ApiError(4000, "report_name_taken", name=definition.name)
        return report

    def add(self, report: StoredReport, now: float) -> StoredReport:
        """Register a new report; offline ones join the login's queue (error 9000 when it is full)."""
        config = self.config
        if report.mode == "offline":
            queued = self.in_queue(report.login, now)
            if queued >= config.reports_max_queue:
                raise ApiError(9000, "report_queue_full", limit=config.reports_max_queue, login=report.login)
            report.started = max([now, *(r.ready_at for r in self._active(report.login, now))])
            report.ready_at = (
                report.started
                + config.reports_build_seconds_base
                + (report.rows * config.reports_build_seconds_per_row)
            )
        self._reports[(report.login, report.name)] = report
        return report

    def auto_cursor(self, login: str) -> int:
        with self.lock:
            return self._auto_cursor.get(login, -1)

    def delivered(self, report: StoredReport) -> None:
        """A report went out with 200: AUTO reports consume the corrections they covered."""
        with self.lock:
            report.downloads += 1
            if report.auto_version is not None:
                self._auto_cursor[report.login] = max(self._auto_cursor.get(report.login, -1), report.auto_version)

    def expire(self, login: str, name: str) -> bool:
        with self.lock:
            report = self._reports.get((login, name))
            if report is None:
                return False
            report.expired = True
            return True

    def describe(self, login: str, now: float) -> list[dict[str, Any]]:
        with self.lock:
            ttl = self.config.reports_ttl
            reports = sorted((r for (owner, _), r in self._reports.items() if owner == login), key=lambda r: r.created)
            return [r.describe(now, ttl) for r in reports]
