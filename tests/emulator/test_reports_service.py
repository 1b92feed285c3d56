"""Reports service: online TSV, headers, filters, levels, offline queue, limits, faults, gzip."""

from __future__ import annotations

import datetime as dt
import gzip
from typing import Any

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer

FIELDS = ["Date", "CampaignId", "Impressions", "Clicks", "Cost", "Conversions", "Revenue", "Bounces"]


def today(admin: EmulatorAdmin) -> dt.date:
    return dt.datetime.fromtimestamp(admin.clock()["now_epoch"], dt.timezone.utc).date()


def definition(name: str, date_from: dt.date, date_to: dt.date, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "SelectionCriteria": {"DateFrom": date_from.isoformat(), "DateTo": date_to.isoformat()},
        "FieldNames": FIELDS,
        "ReportName": name,
        "ReportType": "CAMPAIGN_PERFORMANCE_REPORT",
        "DateRangeType": "CUSTOM_DATE",
        "Format": "TSV",
        "IncludeVAT": "YES",
    }
    params.update(extra)
    return params


def post(
    server: EmulatorServer, params: dict[str, Any], token: str = "client-1-token", **headers: str
) -> requests.Response:
    merged = {key.replace("_", "-") if key != "processingMode" else key: value for key, value in headers.items()}
    merged["Authorization"] = f"Bearer {token}"
    return requests.post(f"{server.url}/json/v5/reports", json={"params": params}, headers=merged, timeout=60)


def lines(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return response.text.rstrip("\n").split("\n")


def week(admin: EmulatorAdmin) -> tuple[dt.date, dt.date]:
    end = today(admin) - dt.timedelta(days=1)
    return end - dt.timedelta(days=6), end


def test_online_tsv_layout_and_money(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    start, end = week(admin)
    response = post(server, definition("r1", start, end), processingMode="online")
    assert response.headers["RequestId"]
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    out = lines(response)
    assert out[0] == f'"r1 ({start} - {end})"'  # quoted, as real reports carry the title
    assert out[1].split("\t") == FIELDS
    rows = [line.split("\t") for line in out[2:-1]]
    assert out[-1] == f"Total rows: {len(rows)}"
    assert rows == sorted(rows, key=lambda r: (r[0], int(r[1])))
    assert len(rows) > 20
    for row in rows:
        impressions, clicks, cost, conversions = int(row[2]), int(row[3]), int(row[4]), int(row[5])
        assert conversions <= clicks <= impressions
        assert cost % 10_000 == 0
    truth = admin.stats_truth("client-1", start.isoformat(), end.isoformat())
    assert [[str(t[f]) for f in FIELDS] for t in truth] == rows

    plain = lines(post(server, definition("r2", start, end), returnMoneyInMicros="false"))
    plain_rows = [line.split("\t") for line in plain[2:-1]]
    assert [r[4] for r in plain_rows] == [
        f"{int(r[4]) // 1_000_000}.{int(r[4]) % 1_000_000 // 10_000:02d}" for r in rows
    ]


def test_location_of_presence_splits_the_campaign_rows(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    """The official example's FieldNames (Date, CampaignName, LocationOfPresenceName, ...) are accepted; the
    traffic comes from several regions, and per campaign-day the regions add up to the campaign row."""
    start, end = week(admin)
    fields = ["Date", "CampaignName", "LocationOfPresenceName", "Impressions", "Clicks", "Cost"]
    out = lines(post(server, definition("geo", start, end, FieldNames=fields), skipReportHeader="true"))
    assert out[0].split("\t") == fields
    rows = [line.split("\t") for line in out[1:-1]]
    assert {row[2] for row in rows} == {"Москва", "Санкт-Петербург", "Екатеринбург", "Новосибирск"}
    sums: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        total = sums.setdefault((row[0], row[1]), [0, 0, 0])
        for i in range(3):
            total[i] += int(row[3 + i])
    plain = lines(post(server, definition("plain", start, end), skipReportHeader="true"))
    assert sorted(sums.values()) == sorted([int(v) for v in line.split("\t")[2:5]] for line in plain[1:-1])


def test_skip_headers_and_filter(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    start, end = week(admin)
    full = lines(post(server, definition("f0", start, end)))
    skipped = lines(
        post(
            server,
            definition("f1", start, end),
            skipReportHeader="true",
            skipColumnHeader="true",
            skipReportSummary="true",
        )
    )
    assert skipped == full[2:-1]
    campaign = full[2].split("\t")[1]
    params = definition("f2", start, end)
    params["SelectionCriteria"]["Filter"] = [{"Field": "CampaignId", "Operator": "IN", "Values": [campaign]}]
    filtered = lines(post(server, params))
    assert filtered[2:-1] == [line for line in full[2:-1] if line.split("\t")[1] == campaign]
    params = definition("f3", start, end)
    params["SelectionCriteria"]["Filter"] = [{"Field": "CampaignId", "Operator": "EQUALS", "Values": [campaign]}]
    assert lines(post(server, params))[2:-1] == filtered[2:-1]


def test_ad_rows_sum_to_campaign_rows(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    start, end = week(admin)
    campaigns = lines(post(server, definition("c", start, end), skipReportHeader="true"))
    ad_fields = ["Date", "CampaignId", "AdGroupId", "AdId", *FIELDS[2:]]
    ads = lines(
        post(
            server,
            definition("a", start, end, FieldNames=ad_fields, ReportType="AD_PERFORMANCE_REPORT"),
            skipReportHeader="true",
        )
    )
    sums: dict[tuple[str, str], list[int]] = {}
    for line in ads[1:-1]:
        row = line.split("\t")
        total = sums.setdefault((row[0], row[1]), [0] * 6)
        for i in range(6):
            total[i] += int(row[4 + i])
    expected = {(r[0], r[1]): [int(v) for v in r[2:]] for r in (line.split("\t") for line in campaigns[1:-1])}
    assert sums == expected
    truth = admin.stats_truth("client-1", start.isoformat(), end.isoformat(), level="ad")
    assert len(truth) == len(ads) - 2


def test_validation_errors(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    start, end = week(admin)
    for bad, field in (
        ({"ReportName": None}, "ReportName"),
        ({"FieldNames": ["Date", "Nope"]}, "FieldNames"),
        ({"ReportType": "REACH_AND_FREQUENCY_PERFORMANCE_REPORT"}, "ReportType"),  # not emulated
        # https://yandex.com/dev/direct/doc/en/fields-list: AdId is not a CAMPAIGN_PERFORMANCE_REPORT field.
        ({"FieldNames": ["Date", "CampaignId", "AdId", "Clicks"]}, "AdId is not available"),
        ({"Format": "CSV"}, "Format"),
        ({"IncludeVAT": None}, "IncludeVAT"),
    ):
        params = {k: v for k, v in {**definition("v", start, end), **bad}.items() if v is not None}
        response = post(server, params)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["error_code"] == "8000" and field in error["error_detail"], error
        assert error["request_id"] == response.headers["RequestId"]
    response = requests.post(
        f"{server.url}/json/v5/reports",
        json={"params": definition("v", start, end)},
        headers={"Authorization": "Bearer nope"},
        timeout=10,
    )
    assert response.status_code == 400 and response.json()["error"]["error_code"] == "53"


def test_offline_lifecycle(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    start, end = week(admin)
    params = definition("off", start, end)
    first = post(server, params, processingMode="offline")
    assert first.status_code == 201 and first.content == b""
    assert int(first.headers["retryIn"]) >= 1 and first.headers["reportsInQueue"] == "1"
    second = post(server, params, processingMode="offline")
    assert second.status_code == 202
    assert int(second.headers["retryIn"]) >= 1
    # Offline reports poll from the same registry entry and the name is bound to its parameters.
    other = post(server, definition("off", start - dt.timedelta(days=1), end), processingMode="offline")
    assert other.status_code == 400 and other.json()["error"]["error_code"] == "4000"
    other = post(server, params, processingMode="offline", returnMoneyInMicros="false")
    assert other.status_code == 400 and other.json()["error"]["error_code"] == "4000"
    [entry] = admin.reports("client-1")
    assert entry["name"] == "off" and entry["state"] in ("queued", "building") and entry["polls"] == 1
    admin.advance_clock(3)
    done = post(server, params, processingMode="offline")
    assert lines(done)[0] == f'"off ({start} - {end})"'
    assert admin.reports("client-1")[0]["state"] == "ready"
    assert post(server, params).status_code == 200  # identical request: the same built report
    admin.advance_clock(5 * 3600)
    assert admin.reports("client-1")[0]["state"] == "expired"
    assert post(server, params, processingMode="offline").status_code == 201  # the name is free again
    admin.expire_report("client-1", "off")
    assert post(server, definition("off", start, start), processingMode="offline").status_code == 201


def test_retry_in_shrinks_and_auto_goes_offline(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    admin.reset(seed=7, reports_online_max_rows=10, reports_build_seconds_base=10)
    start, end = week(admin)
    params = definition("big", start, end)
    assert post(server, params).status_code == 201  # auto: more than 10 rows, so offline
    assert post(server, definition("x", start, end), processingMode="online").json()["error"]["error_code"] == "9001"
    first = int(post(server, params).headers["retryIn"])
    admin.advance_clock(6)
    later = post(server, params)
    assert later.status_code == 202 and int(later.headers["retryIn"]) < first


def test_queue_limit(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    start, end = week(admin)
    for i in range(5):
        response = post(server, definition(f"q{i}", start, end), processingMode="offline")
        assert response.status_code == 201 and response.headers["reportsInQueue"] == str(i + 1)
    sixth = post(server, definition("q5", start, end), processingMode="offline")
    assert sixth.status_code == 400
    assert sixth.json()["error"]["error_code"] == "9000"
    assert len(admin.reports("client-1")) == 5
    assert post(server, definition("q0", start, end), processingMode="offline").status_code == 202  # polls still fine


def test_rate_limit(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    start, end = week(admin)
    params = definition("rl", start, end, FieldNames=["Date", "Impressions"], ReportType="ACCOUNT_PERFORMANCE_REPORT")
    for _ in range(20):
        assert post(server, params).status_code == 200
    refused = post(server, params)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["error_code"] == "56" and "20" in error["error_detail"] and "10" in error["error_detail"]
    assert post(server, params, token="client-2-token").status_code == 200  # per login
    admin.advance_clock(10)
    assert post(server, params).status_code == 200


@pytest.mark.parametrize(("status", "text"), [(500, "building the report"), (502, "time limit")])
def test_fault_bodies(server: EmulatorServer, admin: EmulatorAdmin, status: int, text: str) -> None:
    start, end = week(admin)
    admin.set_faults(next=[{"kind": "api_http", "status": status, "service": "reports"}])
    response = post(server, definition("fault", start, end))
    assert response.status_code == status
    error = response.json()["error"]
    assert error["error_code"] == "1000" and text in error["error_detail"]
    assert post(server, definition("fault", start, end)).status_code == 200


def test_gzip(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    start, end = week(admin)
    params = definition("gz", start, end)
    raw = requests.post(
        f"{server.url}/json/v5/reports",
        json={"params": params},
        headers={"Authorization": "Bearer client-1-token", "Accept-Encoding": "gzip"},
        timeout=30,
        stream=True,
    )
    assert raw.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(raw.raw.read(decode_content=False)).decode()
    assert body == post(server, params).text
