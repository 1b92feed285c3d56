"""Shared async-job machinery: scenario queue, config defaults, admin views, resets, and 1000+ pollers."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from tests.emulator.async_support import Caller

pytestmark = pytest.mark.integration

WORKERS = "/api/v1/workers/"
TASK = {"task_type": "data_analysis"}


@pytest.fixture
def api(server: EmulatorServer, admin: EmulatorAdmin) -> Caller:
    return Caller(server.url)


def create_worker(api: Caller) -> int:
    response = api.post(WORKERS, json=TASK)
    assert response.status_code == 201, response.text
    task_id: int = response.json()["id"]
    return task_id


def test_scenarios_are_consumed_fifo_then_defaults_apply(api: Caller, admin: EmulatorAdmin) -> None:
    queued = admin.async_scenario("workers", {"duration": 7}, {"outcome": "failure", "result_rows": None})
    assert queued == [{"duration": 7.0}, {"outcome": "failure", "result_rows": None}]
    for _ in range(3):
        create_worker(api)
    plans = [job["plan"] for job in admin.async_jobs("workers")]
    assert [plan["duration"] for plan in plans] == [7.0, 3.0, 3.0]  # config default: 3 s
    assert [plan["outcome"] for plan in plans] == ["success", "failure", "success"]
    assert [plan["result_rows"] for plan in plans] == [10, None, 10]
    assert plans[2] == {
        "duration": 3.0,
        "queue_seconds": 0.5,
        "progress_steps": 4,
        "outcome": "success",
        "result_rows": 10,
        "status_override": None,
        "error_http_code": None,
        "error_message": None,
        "error_code": None,
    }
    assert admin.async_scenario("workers", {"duration": 1}, clear=True) == [{"duration": 1.0}]
    assert admin.async_scenario("workers", clear=True) == []


@pytest.mark.parametrize(
    "body",
    [
        {"api": "workers", "next": [{"outcome": "api_error"}]},  # MoySklad only
        {"api": "moysklad", "next": [{"outcome": "unknown"}]},  # myTarget only
        {"api": "workers", "next": [{"outcome": "cancelled"}]},  # MoySklad only (CANCEL without a cancel)
        {"api": "nowhere", "next": []},
        {"api": "workers", "next": [{"duraton": 1}]},
        {"api": "workers", "next": [{"progress_steps": 0}]},
    ],
)
def test_scenarios_are_validated(server: EmulatorServer, admin: EmulatorAdmin, body: dict[str, Any]) -> None:
    response = requests.post(f"{server.url}/admin/async/scenario", json=body, timeout=30)
    assert response.status_code == 422


def test_config_defaults_and_tokens(api: Caller, admin: EmulatorAdmin) -> None:
    config = admin.reset(
        async_jobs={"workers": {"duration": 0, "queue_seconds": 0, "result_rows": 2}},
        async_tokens={"robot-token": "robot"},
    )
    assert config["async_jobs"]["mytarget"]["duration"] == 3.0  # other APIs keep their defaults
    assert api.post(WORKERS, json=TASK).status_code == 401  # the default tokens were replaced
    robot = Caller(api.url, token="robot-token")
    task = robot.post(WORKERS, json=TASK).json()
    assert robot.get(f"{WORKERS}{task['id']}/").json()["status"] == "completed"
    assert admin.async_jobs("workers")[0]["user"] == "robot"
    with pytest.raises(requests.HTTPError):
        admin.reset(async_jobs={"workers": {"outcome": "unknown"}})


def test_admin_jobs_view_expire_and_resets(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("workers", {"queue_seconds": 0, "duration": 5}, {"outcome": "stuck"})
    done_id = create_worker(api)
    stuck_id = create_worker(api)
    Caller(api.url).post("/async_api/v2/campaigns.json")
    admin.advance_clock(6)
    job = admin.async_job("workers", done_id)
    assert job["api"] == "workers" and job["user"] == "user-1" and job["state"] == "completed"
    assert job["finished"] == pytest.approx(job["created"] + 5)
    assert job["stop_requests"] == [] and job["callbacks"] == [] and job["expired"] is False
    assert job["request"]["task_type"] == "data_analysis"
    assert {job["api"] for job in admin.async_jobs()} == {"workers", "mytarget"}
    with pytest.raises(requests.HTTPError) as error:
        admin.async_expire("workers", stuck_id)
    assert error.value.response is not None and error.value.response.status_code == 409
    with pytest.raises(requests.HTTPError) as error:
        admin.async_expire("workers", 424242)
    assert error.value.response is not None and error.value.response.status_code == 404
    assert admin.async_expire("workers", done_id)["expired"] is True

    offset = admin.clock()["offset_seconds"]
    admin.async_scenario("workers", {"duration": 99})
    assert admin.async_reset() == {"cleared": 3}
    assert admin.async_jobs() == [] and admin.clock()["offset_seconds"] == offset
    create_worker(api)
    assert admin.async_jobs("workers")[0]["plan"]["duration"] == 3.0  # the scenario queue was cleared too
    admin.reset()
    assert admin.async_jobs() == []  # /admin/reset also clears async jobs
    assert create_worker(api) == 1  # ids start over in a fresh world


def test_info_reports_the_file_host(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    info = admin.async_info()
    assert info["file_url"] == server.file_url and info["file_url"] != server.url
    assert set(info["defaults"]) == {"direct_fetch", "moysklad", "workers", "mytarget"}


def test_a_thousand_jobs_polled_concurrently_stay_cheap(server: EmulatorServer, admin: EmulatorAdmin) -> None:
    admin.reset(async_jobs={"mytarget": {"queue_seconds": 0, "duration": 30}})
    sessions = [Caller(server.url) for _ in range(16)]

    def start(index: int) -> str:
        response = sessions[index % 16].post("/async_api/v2/campaigns.json")
        assert response.status_code == 202
        location: str = response.headers["Location"]
        return location

    def poll(index_location: tuple[int, str]) -> int:
        index, location = index_location
        return sessions[index % 16].get(location).status_code

    with ThreadPoolExecutor(16) as pool:
        locations = list(pool.map(start, range(1000)))
        started = time.perf_counter()
        first = list(pool.map(poll, enumerate(locations)))
        elapsed = time.perf_counter() - started
        admin.advance_clock(31)
        second = list(pool.map(poll, enumerate(locations)))
    assert set(first) == {200} and second.count(303) == 1000
    assert elapsed < 10, f"1000 polls took {elapsed:.1f}s"
