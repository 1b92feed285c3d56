"""Running the emulator: the CLI contract, process mode, and flat memory at scale."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil
import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorConfig, EmulatorServer
from airflow_provider_direct.emulator.cli import config_from_args

pytestmark = pytest.mark.integration  # every test here talks HTTP over 127.0.0.1


def test_cli_flags_map_onto_the_config() -> None:
    config = config_from_args(
        [
            "--port",
            "0",
            "--seed",
            "9",
            "--logins",
            "a,b",
            "--campaigns",
            "3",
            "--smart-campaigns",
            "0",
            "--groups",
            "2",
            "--ads",
            "1",
            "--keywords",
            "4",
            "--daily-units",
            "500",
            "--time-scale",
            "60",
            "--gzip-level",
            "6",
        ]
    )
    assert config.logins == ["a", "b"] and config.seed == 9 and config.campaigns == 3
    assert config.smart_campaigns == 0 and config.daily_units == 500 and config.time_scale == 60
    assert config.gzip_level == 6 and set(config.tokens) == {"agency-token", "a-token", "b-token"}
    base = EmulatorConfig(logins=["x"], keywords=3).model_dump_json()
    assert config_from_args(["--config-json", base, "--keywords", "5"]).keywords == 5


def test_cli_announces_exactly_one_url_line() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_provider_direct.emulator",
            "--port",
            "0",
            "--logins",
            "solo",
            "--campaigns",
            "1",
            "--groups",
            "1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("EMULATOR_URL=http://127.0.0.1:")
        url = line.strip().split("=", 1)[1]
        assert EmulatorAdmin(url).config()["logins"] == ["solo"]  # accepting connections already
        response = requests.post(
            f"{url}/json/v5/campaigns",
            json={"method": "get", "params": {"SelectionCriteria": {}, "FieldNames": ["Id"]}},
            headers={"Authorization": "Bearer solo-token"},
            timeout=30,
        )
        assert response.json()["result"]["Campaigns"] == [{"Id": 1_000_000}]
    finally:
        process.terminate()
        remaining, _ = process.communicate(timeout=15)
    assert remaining == ""  # nothing but the URL line ever goes to stdout
    assert process.returncode == 0


def test_process_mode_starts_and_stops_cleanly() -> None:
    with EmulatorServer(EmulatorConfig(logins=["p"], campaigns=1), mode="process") as srv:
        assert srv.pid is not None and psutil.pid_exists(srv.pid)
        assert EmulatorAdmin(srv.url).health() == {"status": "ok"}
        pid = srv.pid
    deadline = time.monotonic() + 10
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_thread_mode_exposes_the_app() -> None:
    with EmulatorServer(EmulatorConfig(logins=["t"]), mode="thread") as srv:
        assert srv.app is not None and srv.app.state.emulator.world.config.logins == ["t"]
        url = srv.url
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/admin/health", timeout=2)


def test_paging_200k_keywords_keeps_memory_flat() -> None:
    """CI-sized version of the 1M benchmark: 20 pages of 10 000 keywords from a separate process."""
    # Seed 3: neither campaign is ARCHIVED (Keywords.get hides an archived campaign's keywords).
    config = EmulatorConfig(logins=["big"], campaigns=2, smart_campaigns=0, groups=1000, ads=1, keywords=100, seed=3)
    fields = ["Id", "Keyword", "State", "Status", "AdGroupId", "CampaignId", "Bid", "ContextBid"]
    with EmulatorServer(config, mode="process") as srv:
        process = psutil.Process(srv.pid)
        session = requests.Session()
        offset, total, rss = 0, 0, []
        started = time.perf_counter()
        while True:
            response = session.post(
                f"{srv.url}/json/v5/keywords",
                json={
                    "method": "get",
                    "params": {
                        "SelectionCriteria": {"CampaignIds": [1_000_000, 1_000_001]},
                        "FieldNames": fields,
                        "Page": {"Offset": offset},
                    },
                },
                headers={"Authorization": "Bearer big-token"},
                timeout=60,
            )
            result = response.json()["result"]
            total += len(result["Keywords"])
            rss.append(process.memory_info().rss)
            if "LimitedBy" not in result:
                break
            offset = result["LimitedBy"]
        elapsed = time.perf_counter() - started
    assert total == 200_000 and len(rss) == 20
    assert max(rss) < 300 * 2**20
    assert max(rss[2:]) - rss[2] < 30 * 2**20, [r // 2**20 for r in rss]  # no growth with the offset
    assert elapsed < 30
