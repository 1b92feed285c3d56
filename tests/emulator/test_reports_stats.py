"""Statistics corrections through Changes and AUTO, and a large report streamed with flat memory."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import requests

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer
from tests.emulator.helpers import Api
from tests.emulator.test_reports_service import definition, lines, post, today, week


def _rows(response: requests.Response) -> dict[tuple[str, str], list[str]]:
    return {(r[0], r[1]): r for r in (line.split("\t") for line in lines(response)[2:-1])}


def test_correction_changes_numbers_changes_and_auto(server: EmulatorServer, admin: EmulatorAdmin, api: Api) -> None:
    start, end = week(admin)
    before = _rows(post(server, definition("before", start, end)))
    timestamp = api.result("changes", "checkDictionaries")["Timestamp"]
    day = start + dt.timedelta(days=1)
    campaign = int(next(key[1] for key in before if key[0] == day.isoformat()))
    admin.advance_clock(1)
    record = admin.correct_stats("client-1", campaign, day.isoformat(), 0.5)
    assert record["op"] == "stat_correction" and record["factor"] == 0.5
    after = _rows(post(server, definition("after", start, end)))
    key = (day.isoformat(), str(campaign))
    assert int(after[key][3]) < int(before[key][3])  # clicks
    assert int(after[key][4]) < int(before[key][4])  # cost
    assert after[key][2] == before[key][2]  # impressions are not restated
    assert {k: v for k, v in after.items() if k != key} == {k: v for k, v in before.items() if k != key}
    truth = admin.stats_truth("client-1", day.isoformat(), day.isoformat())
    assert next(t for t in truth if t["CampaignId"] == campaign)["Clicks"] == int(after[key][3])

    changed = api.result("changes", "checkCampaigns", {"Timestamp": timestamp})["Campaigns"]
    assert {"CampaignId": campaign, "ChangesIn": ["STAT"]} in changed
    check = api.result(
        "changes", "check", {"CampaignIds": [campaign], "Timestamp": timestamp, "FieldNames": ["CampaignsStat"]}
    )
    assert check["Modified"]["CampaignsStat"] == [{"CampaignId": campaign, "BorderDate": day.isoformat()}]

    auto = definition("auto", start, end, DateRangeType="AUTO", SelectionCriteria={})
    yesterday = today(admin) - dt.timedelta(days=1)
    assert lines(post(server, auto))[0] == f'"auto ({day} - {yesterday})"'
    # Delivered: the correction is no longer pending, so the next AUTO report covers the last 3 days.
    auto2 = {**auto, "ReportName": "auto2"}
    assert lines(post(server, auto2))[0] == f'"auto2 ({today(admin) - dt.timedelta(days=3)} - {yesterday})"'


def test_random_stat_corrections_change_numbers(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    admin.reset(seed=7, campaigns=60, groups=2, ads=2, keywords=2)
    end = today(admin)
    start = end - dt.timedelta(days=25)
    before = admin.stats_truth("client-1", start.isoformat(), end.isoformat())
    applied = admin.random_mutations(60, login="client-1", seed=3)
    stat = [m for m in applied if m["op"] == "stat_correction"]
    assert stat and all(0.7 <= m["factor"] <= 0.95 for m in stat)
    # Campaigns whose ads or groups changed have other numbers for other reasons; judge the rest.
    other = {m["campaign_id"] for m in applied if m["op"] != "stat_correction"}
    corrected = {(m["border_date"], m["campaign_id"]) for m in stat if m["campaign_id"] not in other}
    after = {(t["Date"], t["CampaignId"]): t for t in admin.stats_truth("client-1", start.isoformat(), end.isoformat())}
    judged = 0
    for row in before:
        key = (row["Date"], row["CampaignId"])
        if row["CampaignId"] in other:
            continue
        if key in corrected:
            assert after[key]["Clicks"] < row["Clicks"] and after[key]["Impressions"] == row["Impressions"]
            judged += 1
        else:
            assert after[key] == row
    assert judged


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_large_report_streams_with_bounded_memory() -> None:
    """200 000 ad rows in CI (set ROWS to 2 000 000 for the benchmark): counted, never held in memory."""
    days = 20
    config = EmulatorConfig(
        logins=["client-1"], campaigns=20, smart_campaigns=0, groups=50, ads=10, keywords=0, reports_rate_limit=100
    )
    with EmulatorServer(config, mode="process") as srv:
        assert srv.pid is not None
        end = dt.datetime.fromtimestamp(time.time(), dt.timezone.utc).date() - dt.timedelta(days=1)
        start = end - dt.timedelta(days=days - 1)
        params = definition(
            "big",
            start,
            end,
            FieldNames=["Date", "CampaignId", "AdId", "Impressions", "Clicks", "Cost"],
            ReportType="AD_PERFORMANCE_REPORT",
        )
        one_day = {**params, "ReportName": "warm", "SelectionCriteria": {"DateFrom": str(end), "DateTo": str(end)}}
        warm = post(srv, one_day, processingMode="online")
        assert warm.status_code == 200
        baseline = _rss_kb(srv.pid)
        first = post(srv, params, processingMode="offline")
        assert first.status_code == 201
        requests.post(f"{srv.url}/admin/clock/advance", json={"seconds": 10}, timeout=10).raise_for_status()
        peak = baseline
        rows = 0
        last = ""
        with requests.post(
            f"{srv.url}/json/v5/reports",
            json={"params": params},
            headers={"Authorization": "Bearer client-1-token", "processingMode": "offline"},
            stream=True,
            timeout=120,
        ) as response:
            assert response.status_code == 200
            for index, line in enumerate(response.iter_lines(chunk_size=1 << 16)):
                if index >= 2 and not line.startswith(b"Total rows"):
                    rows += 1
                last = line.decode()
                if index % 50_000 == 0:
                    peak = max(peak, _rss_kb(srv.pid))
        peak = max(peak, _rss_kb(srv.pid))
    assert 7 * rows >= 200_000 * 6  # about 1 ad-day in 8 has no impressions and is omitted
    assert last == f"Total rows: {rows}"
    assert peak - baseline < 40_000, (baseline, peak)  # KiB; the TSV alone is ~10 MB
