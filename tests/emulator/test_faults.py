"""Fault injection as seen on the wire, and the 506 concurrency limit."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from airflow_provider_direct.emulator import EmulatorAdmin
from tests.emulator.helpers import Api

pytestmark = pytest.mark.integration  # every test here talks HTTP over 127.0.0.1

PARAMS = {"SelectionCriteria": {"CampaignIds": [1_000_000]}, "FieldNames": ["Id", "Keyword"]}


def post(api: Api, **headers: str) -> requests.Response:
    return requests.post(
        f"{api.url}/json/v5/keywords",
        json={"method": "get", "params": PARAMS},
        headers={"Authorization": "Bearer client-1-token", **headers},
        timeout=30,
    )


@pytest.mark.parametrize("code", [52, 506, 1000, 1001, 1002, 1020])
def test_queued_api_errors(api: Api, admin: EmulatorAdmin, code: int) -> None:
    admin.set_faults(next=[{"kind": "error", "code": code}])
    response = post(api)
    assert response.status_code == 200
    assert response.json()["error"]["error_code"] == code
    assert response.headers["Units-Used-Login"] == "client-1"
    assert "result" in post(api).json()  # one-shot


@pytest.mark.parametrize("status", [500, 502, 503])
def test_http_errors_have_html_bodies(api: Api, admin: EmulatorAdmin, status: int) -> None:
    admin.set_faults(next=[{"kind": "http", "status": status}])
    response = post(api)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert f"<h1>{status}" in response.text and "nginx" in response.text
    assert "RequestId" in response.headers


def test_drop_closes_the_connection_without_a_response(api: Api, admin: EmulatorAdmin) -> None:
    admin.set_faults(next=[{"kind": "drop"}])
    with pytest.raises(requests.ConnectionError):
        post(api)
    assert "result" in post(api).json()
    assert admin.stats()["by_http_status"].get("0") == 1


def test_truncated_body_is_invalid_json_with_matching_length(api: Api, admin: EmulatorAdmin) -> None:
    full = post(api, Accept_Encoding="identity").content
    admin.set_faults(next=[{"kind": "truncate"}])
    response = post(api)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content) == len(full) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_non_json_body(api: Api, admin: EmulatorAdmin) -> None:
    admin.set_faults(next=[{"kind": "non_json"}])
    response = post(api)
    assert response.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_slow_answers(api: Api, admin: EmulatorAdmin) -> None:
    admin.set_faults(next=[{"kind": "slow", "seconds": 0.5}])
    started = time.perf_counter()
    assert "result" in post(api).json()
    assert time.perf_counter() - started >= 0.5


def test_queued_faults_can_target_a_method(api: Api, admin: EmulatorAdmin) -> None:
    admin.set_faults(next=[{"kind": "error", "code": 1000, "service": "changes", "method": "check"}])
    assert "result" in post(api).json()
    assert "result" in api.post("changes", "checkDictionaries").json()
    error = api.error(
        "changes", "check", {"CampaignIds": [1], "FieldNames": ["AdIds"], "Timestamp": "2025-01-01T00:00:00Z"}
    )
    assert error["error_code"] == 1000
    assert admin.faults()["next"] == []


def test_rates_are_seeded_and_deterministic(api: Api, admin: EmulatorAdmin) -> None:
    def run() -> list[int]:
        admin.set_faults(clear=True, seed=11, rates={"error_1000": 0.3, "http_502": 0.2})
        codes = []
        for _ in range(30):
            response = api.post("changes", "checkDictionaries")
            codes.append(
                response.status_code
                if response.status_code != 200
                else response.json().get("error", {}).get("error_code", 200)
            )
        return codes

    first, second = run(), run()
    assert first == second
    assert {200, 1000, 502} == set(first)


def test_admin_routes_are_never_faulted(api: Api, admin: EmulatorAdmin) -> None:
    admin.set_faults(rates={"http_503": 1.0})
    assert admin.health() == {"status": "ok"}
    assert post(api).status_code == 503


def test_invalid_fault_settings_are_rejected(admin: EmulatorAdmin) -> None:
    for body in ({"rates": {"error_9": 0.1}}, {"rates": {"drop": 0.8, "slow": 0.5}}, {"next": [{"kind": "http"}]}):
        with pytest.raises(requests.HTTPError):
            admin.set_faults(**body)


def test_sixth_concurrent_request_gets_506(api: Api, admin: EmulatorAdmin) -> None:
    admin.set_faults(next=[{"kind": "slow", "seconds": 1.0}] * 8)

    def call(_: int) -> int:
        response = requests.post(
            f"{api.url}/json/v5/changes",
            json={"method": "checkDictionaries", "params": {}},
            headers={"Authorization": "Bearer client-1-token"},
            timeout=30,
        )
        payload = response.json()
        return payload["error"]["error_code"] if "error" in payload else 0

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(call, range(8)))
    assert codes == [0] * 5 + [506] * 3
    stats = admin.stats()
    assert stats["max_in_flight_by_login"]["client-1"] == 5
    # Another advertiser is unaffected by client-1's limit.
    assert "result" in api.post("changes", "checkDictionaries", token="client-2-token").json()
