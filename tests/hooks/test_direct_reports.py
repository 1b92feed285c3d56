"""The Reports protocol on faked HTTP: identical re-sends, every status code, retryIn, deterministic names."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_direct.async_task.errors import (
    AsyncTaskAuthError,
    AsyncTaskFailed,
    AsyncTaskRequestError,
    AsyncTaskTransientError,
)
from airflow_provider_direct.async_task.status import TaskState
from airflow_provider_direct.hooks.direct_reports import DirectReportsProtocol, report_name
from tests.async_task import BASE, TOKEN, calls, fake_http, make_client

URL = f"{BASE}/json/v5/reports"
DEFINITION = {
    "SelectionCriteria": {"DateFrom": "2026-01-01", "DateTo": "2026-01-07"},
    "FieldNames": ["Date", "CampaignId", "Clicks"],
    "ReportType": "CAMPAIGN_PERFORMANCE_REPORT",
    "DateRangeType": "CUSTOM_DATE",
}


def error(code: int | str, text: str, detail: str = "") -> str:
    return json.dumps({"error": {"error_code": code, "error_string": text, "error_detail": detail, "request_id": "r1"}})


def xml_error(code: int, text: str, detail: str = "") -> str:
    """The XML error body the Reports service documents (https://yandex.ru/dev/direct/doc/ru/codes)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<reports:reportDownloadError xmlns:reports="http://api.direct.yandex.com/v5/reports">'
        "<reports:ApiError><reports:requestId>r1</reports:requestId>"
        f"<reports:errorCode>{code}</reports:errorCode><reports:errorMessage>{text}</reports:errorMessage>"
        f"<reports:errorDetail>{detail}</reports:errorDetail></reports:ApiError></reports:reportDownloadError>"
    )


# The Reports service sends ``error_code`` as a JSON string in practice, though its docs say int
# (https://yandex.ru/dev/direct/doc/ru/codes); every code must mean the same in either form.
CODE_FORMS = [pytest.param(int, id="int"), pytest.param(str, id="string"), pytest.param("xml", id="xml")]


def coded_error(form: Any, code: int, text: str, detail: str = "") -> str:
    return xml_error(code, text, detail) if form == "xml" else error(form(code), text, detail)


async def handle_for(protocol: DirectReportsProtocol, **request: Any) -> dict[str, Any]:
    async with make_client() as client:
        return await protocol.start(client, {"definition": DEFINITION, "client_login": "client-1", **request})


async def poll_once(protocol: DirectReportsProtocol, handle: dict[str, Any], **response: Any) -> Any:
    with fake_http() as http:
        http.post(URL, **response)
        async with make_client() as client:
            status = await protocol.poll(client, handle)
        return status, calls(http, "POST", URL)


class TestNames:
    def test_same_definition_same_name(self) -> None:
        a = report_name(DEFINITION, "client-1", {"processingMode": "auto"})
        assert a == report_name(dict(reversed(list(DEFINITION.items()))), "client-1", {"processingMode": "offline"})
        assert a.startswith("airflow_")

    @pytest.mark.parametrize(
        "change",
        [
            {"login": "client-2"},
            {"definition": {**DEFINITION, "FieldNames": ["Date", "CampaignId"]}},
            {"headers": {"returnMoneyInMicros": "false"}},
        ],
    )
    def test_anything_that_changes_the_report_changes_the_name(self, change: dict[str, Any]) -> None:
        base = report_name(DEFINITION, "client-1", {})
        other = report_name(
            change.get("definition", DEFINITION), change.get("login", "client-1"), change.get("headers", {})
        )
        assert other != base


class TestStart:
    @pytest.mark.asyncio
    async def test_start_builds_an_identical_request_handle(self) -> None:
        protocol = DirectReportsProtocol()
        handle = await handle_for(protocol, headers={"processingMode": "offline"})
        assert handle["client_login"] == "client-1"
        assert handle["headers"] == {"processingMode": "offline"}
        assert handle["definition"]["ReportName"] == report_name(handle["definition"], "client-1", {})
        again = await handle_for(protocol, headers={"processingMode": "online"})  # a restarted task
        assert again["definition"]["ReportName"] == handle["definition"]["ReportName"]
        assert (handle["definition"]["Format"], handle["definition"]["IncludeVAT"]) == ("TSV", "NO")
        assert TOKEN not in json.dumps(handle)

    @pytest.mark.asyncio
    async def test_a_definition_needs_its_required_parts(self) -> None:
        with pytest.raises(AsyncTaskRequestError, match="needs ReportType"):
            await handle_for(DirectReportsProtocol(), definition={"FieldNames": ["Date"], "DateRangeType": "AUTO"})


class TestPoll:
    @pytest.mark.asyncio
    async def test_every_poll_resends_the_identical_request(self) -> None:
        protocol = DirectReportsProtocol()
        handle = await handle_for(protocol)
        status, sent = await poll_once(protocol, handle, status=201, headers={"retryIn": "7", "reportsInQueue": "2"})
        assert (status.state, status.retry_after, status.message) == (
            TaskState.QUEUED,
            7.0,
            "2 reports in the offline queue",
        )
        request = sent[0].kwargs
        assert request["json"] == {"params": handle["definition"]}
        assert "method" not in request["json"]
        assert request["headers"]["Client-Login"] == "client-1"
        assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
        assert request["headers"]["processingMode"] == "auto"

    @pytest.mark.asyncio
    async def test_retry_in_is_reread_on_every_answer(self) -> None:
        protocol = DirectReportsProtocol()
        handle = await handle_for(protocol)
        first, _ = await poll_once(protocol, handle, status=202, headers={"retryIn": "10"})
        second, _ = await poll_once(protocol, handle, status=202, headers={"retryIn": "3"})
        assert (first.state, first.retry_after, second.retry_after) == (TaskState.RUNNING, 10.0, 3.0)

    @pytest.mark.asyncio
    async def test_ready_is_not_downloaded_by_the_poll(self) -> None:
        protocol = DirectReportsProtocol()
        handle = await handle_for(protocol)
        status, _ = await poll_once(protocol, handle, status=200, body="Date\tCampaignId\n")
        assert status.state is TaskState.SUCCEEDED

    @pytest.mark.parametrize("form", CODE_FORMS)
    @pytest.mark.asyncio
    async def test_full_offline_queue_waits_for_a_slot(self, form: Any) -> None:
        protocol = DirectReportsProtocol()
        handle = await handle_for(protocol)
        status, _ = await poll_once(
            protocol, handle, status=400, body=coded_error(form, 9000, "Offline report queue limit exceeded")
        )
        assert (status.state, status.stage) == (TaskState.QUEUED, "waiting for a queue slot")
        assert "error 9000: Offline report queue limit exceeded" in (status.message or "")

    @pytest.mark.parametrize(
        ("status_code", "match"),
        [(502, "shorten the period"), (500, "error 1000: Server error while building the report")],
    )
    @pytest.mark.asyncio
    async def test_500_and_502_fail_with_the_api_text(self, status_code: int, match: str) -> None:
        protocol = DirectReportsProtocol()
        handle = await handle_for(protocol)
        body = error(1000, "Server error while building the report")
        status, _ = await poll_once(protocol, handle, status=status_code, body=body)
        assert status.state is TaskState.FAILED
        assert match in (status.message or "")

    @pytest.mark.parametrize("form", CODE_FORMS)
    @pytest.mark.parametrize(
        ("code", "text", "error_type"),
        [
            (56, "Request limit exceeded", AsyncTaskTransientError),
            (1000, "Server temporarily unavailable", AsyncTaskTransientError),
            (53, "Authorization error", AsyncTaskAuthError),
            (8000, "Invalid request", AsyncTaskRequestError),
        ],
    )
    @pytest.mark.asyncio
    async def test_other_400s_are_typed(self, form: Any, code: int, text: str, error_type: type[Exception]) -> None:
        protocol = DirectReportsProtocol()
        handle = await handle_for(protocol)
        with pytest.raises(error_type, match=f"error {code}: {text}: the detail"):
            await poll_once(protocol, handle, status=400, body=coded_error(form, code, text, "the detail"))

    @pytest.mark.asyncio
    async def test_a_400_without_an_error_body_is_a_request_error(self) -> None:
        protocol = DirectReportsProtocol()
        handle = await handle_for(protocol)
        with pytest.raises(AsyncTaskRequestError, match="Bad Request"):
            await poll_once(protocol, handle, status=400, body="<html>Bad Request</html>")


class TestFetch:
    @pytest.mark.asyncio
    async def test_fetch_streams_the_tsv(self) -> None:
        protocol = DirectReportsProtocol()
        handle = await handle_for(protocol)
        tsv = "r (2026-01-01 - 2026-01-07)\nDate\tCampaignId\tClicks\n2026-01-01\t1\t5\nTotal rows: 1\n"
        with fake_http() as http:
            http.post(URL, status=200, body=tsv, headers={"Content-Type": "text/tab-separated-values"})
            async with make_client() as client, protocol.fetch(client, handle) as stream:
                body = b"".join([chunk async for chunk in stream.chunks])
        assert body.decode() == tsv
        assert stream.content_type == "text/tab-separated-values"

    @pytest.mark.asyncio
    async def test_fetch_of_a_failed_report_raises(self) -> None:
        protocol = DirectReportsProtocol()
        handle = await handle_for(protocol)
        with fake_http() as http:
            http.post(URL, status=500, body=error(1000, "Server error"))
            async with make_client() as client:
                with pytest.raises(AsyncTaskFailed, match="Server error"):
                    async with protocol.fetch(client, handle):
                        pass
