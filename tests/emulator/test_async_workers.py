"""Workers task API (seed 002): create, lifecycle, cancel rules, per-user visibility, pagination."""

from __future__ import annotations

import re
from typing import Any

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from tests.emulator.async_support import TOKEN_2, Caller

pytestmark = pytest.mark.integration

ROOT = "/api/v1/workers/"
SLOW = {"queue_seconds": 10, "duration": 40, "progress_steps": 4}
FAST = {"queue_seconds": 0, "duration": 0}
TASK = {
    "task_type": "bookings_export",
    "batch_size": 100,
    "filters": {"status": "confirmed"},
    "date_from": "2024-01-01T00:00:00Z",
    "date_to": "2024-12-31T23:59:59Z",
}
ISO_Z = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z"


@pytest.fixture
def api(server: EmulatorServer, admin: EmulatorAdmin) -> Caller:
    return Caller(server.url)


def create(api: Caller, token: str = "", **changes: Any) -> dict[str, Any]:
    response = api.post(ROOT, json={**TASK, **changes}, token=token)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def test_create_returns_the_pending_task(api: Caller) -> None:
    task = create(api)
    assert isinstance(task["id"], int)
    assert re.fullmatch(ISO_Z, task["created_at"]) and task["updated_at"] == task["created_at"]
    assert task == {
        "id": task["id"],
        "task_type": "bookings_export",
        "status": "pending",
        "progress": 0,
        "batch_size": 100,
        "filters": {"status": "confirmed"},
        "date_from": "2024-01-01T00:00:00Z",
        "date_to": "2024-12-31T23:59:59Z",
        "created_at": task["created_at"],
        "updated_at": task["updated_at"],
        "result": None,
        "error": None,
    }
    assert create(api)["id"] == task["id"] + 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"task_type": None}, "task_type", "This field is required."),
        ({"task_type": "mining"}, "task_type", '"mining" is not a valid choice.'),
        ({"batch_size": 0}, "batch_size", "Ensure this value is greater than or equal to 1."),
        ({"batch_size": "many"}, "batch_size", "A valid integer is required."),
        ({"filters": [1]}, "filters", 'Expected a dictionary of items but got type "list".'),
        ({"date_from": "01.01.2024"}, "date_from", "Datetime has wrong format."),
        ({"date_from": "2025-01-01T00:00:00Z"}, "non_field_errors", "date_from must be earlier than date_to."),
    ],
)
def test_create_validation(api: Caller, changes: dict[str, Any], field: str, message: str) -> None:
    response = api.post(ROOT, json={**TASK, **changes})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["message"]
    assert error["details"][field][0].startswith(message)


def test_create_rejects_bodies_that_are_not_objects(api: Caller) -> None:
    response = api.post(ROOT, data=b"{oops", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"
    response = api.post(ROOT, json=[TASK])
    assert response.status_code == 400 and "non_field_errors" in response.json()["error"]["details"]


def test_lifecycle_to_completed_with_result(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("workers", {**SLOW, "result_rows": 8})
    task_id = create(api)["id"]
    status_url = f"{ROOT}{task_id}/status/"
    seen = []
    for advance in (0, 11, 10, 10, 10, 10):
        admin.advance_clock(advance)
        status = api.get(status_url).json()
        seen.append((status["status"], status["progress"], status["processed"], status["total"]))
        assert set(status) == {"id", "status", "progress", "processed", "total", "updated_at"}
    assert seen == [
        ("pending", 0, 0, 8),
        ("processing", 0, 0, 8),
        ("processing", 25, 2, 8),
        ("processing", 50, 4, 8),
        ("processing", 75, 6, 8),
        ("completed", 100, 8, 8),
    ]
    task = api.get(f"{ROOT}{task_id}/").json()
    assert task["status"] == "completed" and task["error"] is None
    assert task["result"]["total"] == 8 and len(task["result"]["rows"]) == 8
    assert set(task["result"]["rows"][0]) == {"id", "status", "date", "amount"}
    assert task["updated_at"] > task["created_at"]


def test_failed_task_explains_itself(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("workers", {**FAST, "outcome": "failure", "error_message": "disk full"})
    task = api.get(f"{ROOT}{create(api)['id']}/").json()
    assert (task["status"], task["result"], task["error"]) == ("failed", None, "disk full")


def test_cancel_only_while_pending_or_processing(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("workers", SLOW, SLOW, FAST)
    pending, processing, completed = (create(api)["id"] for _ in range(3))
    response = api.delete(f"{ROOT}{pending}/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    admin.advance_clock(21)
    response = api.delete(f"{ROOT}{processing}/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["progress"] == 25
    for task_id in (pending, completed):
        response = api.delete(f"{ROOT}{task_id}/")
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_status"
    admin.advance_clock(1000)
    assert api.get(f"{ROOT}{processing}/status/").json()["status"] == "cancelled"
    job = admin.async_job("workers", pending)
    assert [request["accepted"] for request in job["stop_requests"]] == [True, False]


def test_users_see_only_their_own_tasks(api: Caller) -> None:
    mine = create(api)["id"]
    theirs = create(api, token=TOKEN_2)["id"]
    for path in (f"{ROOT}{theirs}/", f"{ROOT}{theirs}/status/"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api.delete(f"{ROOT}{theirs}/").status_code == 404
    assert [task["id"] for task in api.get(ROOT).json()["results"]] == [mine]
    assert [task["id"] for task in api.get(ROOT, token=TOKEN_2).json()["results"]] == [theirs]
    assert api.get(f"{ROOT}999999/").status_code == 404


def test_pagination_filters_and_page_size_cap(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("workers", *([FAST] * 5))
    for index in range(25):
        create(api, task_type="users_export" if index % 5 == 0 else "bookings_export")
    first = api.get(ROOT, params={"page_size": 10}).json()
    assert first["count"] == 25 and len(first["results"]) == 10 and first["previous"] is None
    assert first["results"][0]["id"] > first["results"][-1]["id"]  # newest first
    second = api.get(first["next"]).json()
    assert "page=2" in first["next"] and "page_size=10" in first["next"]
    assert second["previous"] is not None and "page=" not in second["previous"]  # DRF drops page=1
    third = api.get(second["next"]).json()
    assert len(third["results"]) == 5 and third["next"] is None
    response = api.get(ROOT, params={"page": 4, "page_size": 10})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = api.get(ROOT, params={"page_size": 101})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"page_size": ["Ensure this value is less than or equal to 100."]}
    assert len(api.get(ROOT, params={"page_size": 100}).json()["results"]) == 25
    completed = api.get(ROOT, params={"status": "completed", "page_size": 100}).json()
    assert completed["count"] == 5 and {task["status"] for task in completed["results"]} == {"completed"}
    assert api.get(ROOT, params={"task_type": "users_export"}).json()["count"] == 5
    assert api.get(ROOT, params={"status": "sleeping"}).status_code == 400


def test_authentication_and_admin_expiry(api: Caller, admin: EmulatorAdmin) -> None:
    for token in (None, "wrong"):
        response = api.get(ROOT, token=token)
        assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    admin.async_scenario("workers", FAST)
    task_id = create(api)["id"]
    admin.async_expire("workers", task_id)
    assert api.get(f"{ROOT}{task_id}/").status_code == 404  # purged
    assert api.get(ROOT).json()["count"] == 0
