"""``POST /json/v5/reports``: one Reports call from faults and identity to a streamed TSV.

Same identity rules, error envelope and ``RequestId`` as the other services, but errors come with HTTP
400 (500 for server-side codes) instead of 200, and no ``Units`` are charged: whether Reports calls
cost points is not documented (reference section 4.4, unverified), so the emulator charges none.
The 506 concurrency gate is not applied either; the Reports limits are the 20-per-10-s window (56)
and the offline queue (9000).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from starlette.responses import Response, StreamingResponse

from airflow_provider_direct.emulator.auth import authenticate, authorize
from airflow_provider_direct.emulator.errors import ApiError, language
from airflow_provider_direct.emulator.faults import FaultSpec
from airflow_provider_direct.emulator.reports.definition import (
    OFFLINE_ONLY,
    ReportDefinition,
    ReportOptions,
    parse_definition,
    parse_options,
    resolve_dates,
)
from airflow_provider_direct.emulator.reports.queue import StoredReport
from airflow_provider_direct.emulator.reports.segments import SLICES
from airflow_provider_direct.emulator.reports.stats import ReportScope, iter_stats, today
from airflow_provider_direct.emulator.reports.tsv import columns, gzipped, render, report_title
from airflow_provider_direct.emulator.responses import (
    JSON,
    DropConnection,
    accepts_gzip,
    error_body,
    transport_fault_response,
)

if TYPE_CHECKING:
    from airflow_provider_direct.emulator.world import World

SERVICE = "reports"
OPERATION = "reports.get"
TSV = "text/tab-separated-values; charset=utf-8"
SERVER_ERROR_CODES = frozenset({52, 1000, 1001, 1002, 1020})
# Injected HTTP failures with the API's JSON body: the Reports texts for 500 and 502.
HTTP_FAULT_DETAILS = {500: "report_server_error", 502: "report_timeout"}


def reports_call(world: World, headers: Mapping[str, str], body: bytes) -> Response:
    """Entry point of the route; counts the call in ``/admin/stats`` like the gateway does."""
    call = ReportsCall(world, headers, body)
    world.stats.begin()
    status = 0
    try:
        response = call.run()
        status = 0 if isinstance(response, DropConnection) else response.status_code
        return response
    finally:
        world.stats.end(OPERATION, status, call.error_code)


class ReportsCall:
    """State of one Reports request."""

    def __init__(self, world: World, headers: Mapping[str, str], body: bytes) -> None:
        self.world = world
        self.headers = headers
        self.body = body
        self.request_id = world.next_request_id()
        self.lang = language(headers.get("accept-language"))
        self.error_code: int | None = None

    def run(self) -> Response:
        fault = self.world.faults.pick(SERVICE, None)
        if fault is not None:
            wire = self._wire_fault(fault)
            if wire is not None:
                return wire
        try:
            return self._call(fault)
        except ApiError as error:
            status = 500 if error.code in SERVER_ERROR_CODES else 400
            return self._error(error, status)

    def _wire_fault(self, fault: FaultSpec) -> Response | None:
        broken = transport_fault_response(fault.kind, fault.status, self.request_id)
        if broken is not None:
            return broken
        if fault.kind == "api_http":
            status = fault.status or 500
            detail = HTTP_FAULT_DETAILS.get(status, "report_server_error")
            return self._error(ApiError(fault.code or 1000, detail), status)
        return None

    def _error(self, error: ApiError, status: int) -> Response:
        self.error_code = error.code
        # The docs say int, but the Reports service is seen sending string codes: emulate what it sends.
        body = error_body(self.request_id, error, self.lang, string_code=True)
        return Response(content=body, status_code=status, media_type=JSON, headers={"RequestId": self.request_id})

    def _call(self, fault: FaultSpec | None) -> Response:
        world = self.world
        config = world.config
        identity = authenticate(config, self.headers.get("authorization"))
        caller = authorize(config, identity, self.headers, SERVICE)
        login = caller.client_login or caller.operator
        if fault is not None and fault.kind == "error":
            raise ApiError(fault.code or 1000, "injected")
        now = world.clock.now()
        if not world.report_rate.allow(login, now):
            window = f"{config.reports_rate_window:g}"
            raise ApiError(56, "report_rate_limit", limit=config.reports_rate_limit, window=window)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds or 0)
        options = parse_options(self.headers)
        definition = parse_definition(self.body, options)
        login_index = world.state.login_index(login)
        if login_index is None:
            raise ApiError(513, "login_unknown", login=login)
        report = self._submit(login, login_index, definition, options, now)
        limit = config.reports_time_limit_rows
        if limit and report.rows > limit:  # every poll of it: the time limit is the report's, not the call's
            return self._error(ApiError(1000, "report_timeout"), 502)
        if report.state(now, config.reports_ttl) != "ready":
            return self._pending(report, now)
        return self._stream(report, login_index, options, fault)

    def _submit(
        self, login: str, login_index: int, definition: ReportDefinition, options: ReportOptions, now: float
    ) -> StoredReport:
        """Poll the report with this name, or accept a new one online or into the offline queue."""
        world = self.world
        config = world.config
        registry = world.reports
        with registry.lock:
            report = registry.existing(login, definition, now)
            if report is not None:
                report.polls += 1
                return report
        state = world.state
        current = today(state)
        version, border = self._pending_corrections(login, login_index)
        date_from, date_to = resolve_dates(definition, current, border)
        scope = ReportScope(state, login_index, definition.ids)
        days = max(0, (min(date_to, current) - date_from).days + 1)
        rows = scope.estimate(definition.level, days) if days else 0
        if definition.dims:  # every ad-day splits into at most SLICES segment rows
            rows *= SLICES
        mode = options.mode
        too_big = rows > config.reports_online_max_rows
        if mode == "online" and too_big:
            raise ApiError(9001, "report_too_big", rows=rows, limit=config.reports_online_max_rows)
        if mode == "auto":
            mode = "offline" if too_big or definition.report_type in OFFLINE_ONLY else "online"
        report = StoredReport(
            login=login,
            definition=definition,
            date_from=date_from,
            date_to=date_to,
            rows=rows,
            mode=mode,
            created=now,
            started=now,
            ready_at=now,
            auto_version=version if definition.date_range == "AUTO" else None,
        )
        with registry.lock:
            existing = registry.existing(login, definition, now)  # a concurrent twin may have won
            if existing is not None:
                existing.polls += 1
                return existing
            return registry.add(report, now)

    def _pending_corrections(self, login: str, login_index: int) -> tuple[int, dt.date | None]:
        """State version now, and the earliest date corrected since the last delivered AUTO report."""
        state = self.world.state
        cursor = self.world.reports.auto_cursor(login)
        with state.lock:
            version = state.version
            dates = [date for seen, date in state.stat_corrections.get(login_index, ()) if seen > cursor]
        return version, (dt.date.fromisoformat(min(dates)) if dates else None)

    def _pending(self, report: StoredReport, now: float) -> Response:
        """201 for the request that queued the report, 202 for later polls while it builds."""
        registry = self.world.reports
        with registry.lock:
            in_queue = registry.in_queue(report.login, now)
        headers = {
            "RequestId": self.request_id,
            "retryIn": str(report.retry_in(now)),
            "reportsInQueue": str(in_queue),
        }
        return Response(status_code=201 if report.polls == 0 else 202, headers=headers)

    def _stream(
        self, report: StoredReport, login_index: int, options: ReportOptions, fault: FaultSpec | None
    ) -> Response:
        world = self.world
        definition = report.definition
        state = world.state
        scope = ReportScope(state, login_index, definition.ids)
        last = min(report.date_to, today(state))
        days = range(report.date_from.toordinal(), last.toordinal() + 1)
        rows: Iterator[Any] = iter_stats(
            world.report_stats,
            scope,
            definition.level,
            days,
            by_date=definition.by_date,
            include_vat=definition.include_vat,
            dims=definition.dims,
            search_only=definition.search_only,
        )
        rows = _page(rows, definition.offset, definition.limit)

        @lru_cache(maxsize=4096)
        def campaign(campaign_id: int) -> dict[str, Any]:
            with state.lock:
                return state.get(campaign_id)

        cols = columns(
            definition.fields, options.money_in_micros, campaign, definition.goals, definition.models, definition.dims
        )
        title = None if options.skip_report_header else report_title(definition.name, report.date_from, report.date_to)
        header = None if options.skip_column_header else definition.columns
        stop_after = max(1, report.rows // 2) if fault is not None and fault.kind == "truncate" else None
        chunks = render(rows, cols, title=title, header=header, summary=not options.skip_summary, stop_after=stop_after)
        world.reports.delivered(report)
        out_headers = {"RequestId": self.request_id}
        if accepts_gzip(self.headers.get("accept-encoding")):
            chunks = gzipped(chunks, world.config.gzip_level)
            out_headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        return StreamingResponse(chunks, media_type=TSV, headers=out_headers)


def _page(rows: Iterator[Any], offset: int, limit: int | None) -> Iterator[Any]:
    for position, row in enumerate(rows):
        if position < offset:
            continue
        if limit is not None and position >= offset + limit:
            return
        yield row
