"""myTarget async API (seed 003): relative Location, 303 to the stored response, unknown, callbacks, 24 h."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from tests.emulator.async_support import TOKEN_2, CallbackSink, Caller, wait_for

pytestmark = pytest.mark.integration

CAMPAIGNS = "/async_api/v2/campaigns.json"
SLOW = {"queue_seconds": 10, "duration": 40}
FAST = {"queue_seconds": 0, "duration": 5}
MOMENT = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


@pytest.fixture
def api(server: EmulatorServer, admin: EmulatorAdmin) -> Caller:
    return Caller(server.url)


def enqueue(api: Caller, path: str = CAMPAIGNS, method: str = "POST", **kwargs: object) -> str:
    response = api.request(method, path, json={"name": "x"}, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 202, response.text
    location: str = response.headers["Location"]
    return location


def test_accepted_with_a_relative_location(api: Caller) -> None:
    response = api.post(CAMPAIGNS, json={"name": "x"})
    assert response.status_code == 202 and response.content == b""
    assert re.fullmatch(r"/async_api/v2/requests/\d+\.json", response.headers["Location"])
    assert enqueue(api, "/async_api/v2/statistics/banners/day.json?id=1", method="GET") != response.headers["Location"]
    assert api.post("/async_api/v2/campaigns").status_code == 404  # not an API path
    response = api.post(CAMPAIGNS, headers={"X-Callback-Method": "PUT", "X-Callback-Location": "http://127.0.0.1/"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


def test_enqueued_started_then_303_to_the_stored_response(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("mytarget", {**SLOW, "result_rows": 3})
    location = enqueue(api)
    request_id = location.rsplit("/", 1)[1].removesuffix(".json")
    response = api.get(location)
    assert response.status_code == 200
    body = response.json()
    assert body == {"id": request_id, "status": "enqueued", "created": body["created"]}
    assert re.fullmatch(MOMENT, body["created"])
    admin.advance_clock(11)
    assert api.get(location).json()["status"] == "started"
    admin.advance_clock(40)
    response = api.get(location)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/async_api/v2/responses/{request_id}.json"
    body = response.json()
    assert list(body) == ["id", "status", "response_http_code", "response_url", "started", "exec_time", "created"]
    assert (body["status"], body["response_http_code"], body["exec_time"]) == ("done", 200, 40)
    assert body["response_url"] == response.headers["Location"]
    stored = api.get(response.headers["Location"])
    assert stored.status_code == 200 and stored.headers["X-Target-Original"] == "1"
    assert stored.headers["Content-Type"] == "application/json"
    assert stored.json()["count"] == 3 and len(stored.json()["items"]) == 3
    followed = api.get(location, allow_redirects=True)  # a client following the 303 lands on the response
    assert followed.status_code == 200 and followed.json() == stored.json()


def test_done_request_keeps_the_original_400(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("mytarget", {**FAST, "outcome": "failure"})
    location = enqueue(api)
    admin.advance_clock(6)
    status = api.get(location)
    assert status.status_code == 303 and status.json()["response_http_code"] == 400
    stored = api.get(status.headers["Location"])
    assert stored.status_code == 400
    assert stored.headers["Content-Type"] == "application/json" and stored.headers["X-Target-Original"] == "1"
    error = stored.json()["error"]
    assert error["code"] == "bad_request" and error["message"]


def test_unknown_after_a_crash(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("mytarget", {**FAST, "outcome": "unknown"})
    with CallbackSink() as sink:
        location = enqueue(api, headers={"X-Callback-Location": f"{sink.url}/cb"})
        admin.advance_clock(6)
        response = api.get(location)
        assert response.status_code == 200 and response.json()["status"] == "unknown"
        request_id = response.json()["id"]
        assert api.get(f"/async_api/v2/responses/{request_id}.json").status_code == 404
        assert sink.wait(1, timeout=0.5) == []  # nobody is told about a lost response


def test_status_override_and_missing_requests(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("mytarget", {**FAST, "status_override": "failed_over"})
    location = enqueue(api)
    admin.advance_clock(6)
    response = api.get(location)
    assert response.status_code == 200 and response.json()["status"] == "failed_over"
    assert api.get("/async_api/v2/requests/987654.json").status_code == 404
    assert api.get(location, token=TOKEN_2).status_code == 404
    for token in (None, "wrong"):
        response = api.get(location, token=token)
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"


def test_callbacks_post_and_get_are_delivered_and_recorded(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("mytarget", FAST, {**FAST, "outcome": "failure"}, FAST)
    with CallbackSink() as sink:
        post = enqueue(api, headers={"X-Callback-Location": f"{sink.url}/done"})
        get = enqueue(api, headers={"X-Callback-Location": f"{sink.url}/done?x=1", "X-Callback-Method": "GET"})
        enqueue(api, headers={"X-Callback-Location": "http://example.com/callback"})
        assert sink.received == []
        admin.advance_clock(6)
        received = sorted(sink.wait(2), key=lambda item: item.method)
        assert [item.method for item in received] == ["GET", "POST"]
        post_id = post.rsplit("/", 1)[1].removesuffix(".json")
        get_id = get.rsplit("/", 1)[1].removesuffix(".json")
        assert received[1].form() == {
            "response_id": post_id,
            "response_url": f"/async_api/v2/responses/{post_id}.json",
            "response_http_code": "200",
        }
        assert received[0].query == {
            "x": "1",
            "response_id": get_id,
            "response_url": f"/async_api/v2/responses/{get_id}.json",
            "response_http_code": "400",
        }
        jobs = wait_for(
            lambda: all(job["callbacks"] for job in admin.async_jobs("mytarget")) and admin.async_jobs("mytarget")
        )
    callbacks = [job["callbacks"][0] for job in jobs]
    assert [(record["method"], record["status"], record["refused"]) for record in callbacks] == [
        ("POST", 200, False),
        ("GET", 200, False),
        ("POST", None, True),  # only loopback addresses are ever called
    ]
    assert callbacks[0]["params"]["response_id"] == post_id and callbacks[0]["url"] == f"{sink.url}/done"


def test_done_requests_are_kept_for_a_day(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("mytarget", FAST)
    location = enqueue(api)
    admin.advance_clock(6 + 86_400 - 60)
    status = api.get(location)
    assert status.status_code == 303
    assert api.get(status.headers["Location"]).status_code == 200
    admin.advance_clock(61)
    assert api.get(location).status_code == 404
    assert api.get(status.headers["Location"]).status_code == 404


def test_not_rate_limited(api: Caller, admin: EmulatorAdmin) -> None:
    codes = {api.post(CAMPAIGNS, json={}).status_code for _ in range(200)}
    assert codes == {202}
    assert len(admin.async_jobs("mytarget")) == 200


def test_dates_are_moscow_time(api: Caller, admin: EmulatorAdmin) -> None:
    """Every myTarget date is Europe/Moscow unless said otherwise (the API overview's basic data types)."""
    admin.async_scenario("mytarget", {"queue_seconds": 0, "duration": 0})
    location = enqueue(api)
    now = admin.clock()["now_epoch"]
    body = api.get(location).json()
    msk = dt.timezone(dt.timedelta(hours=3))
    for name in ("created", "started"):
        moment = dt.datetime.strptime(body[name], "%Y-%m-%d %H:%M:%S").replace(tzinfo=msk).timestamp()
        assert abs(moment - now) < 5, (name, body[name])
