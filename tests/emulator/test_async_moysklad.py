"""MoySklad async exchange (seed 001 and the official docs): 202 headers, the queue (PENDING, 61002), states,
cancel (204 / 61007), API_ERROR, result errors 61003-61006, 302 to the file host, expiry, 429 and faults."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from tests.emulator.async_support import TOKEN_2, CallbackSink, Caller, wait_for

pytestmark = pytest.mark.integration

REMAP = "/api/remap/1.2"
STOCK = f"{REMAP}/report/stock/bystore?async=true"
SLOW = {"queue_seconds": 5, "duration": 50}
FAST = {"queue_seconds": 0, "duration": 10}
STUCK = {"queue_seconds": 0, "outcome": "stuck"}


@pytest.fixture
def api(server: EmulatorServer, admin: EmulatorAdmin) -> Caller:
    return Caller(server.url)


def create(api: Caller, path: str = STOCK, token: str = "") -> tuple[str, str]:
    response = api.get(path, token=token)
    assert response.status_code == 202, response.text
    return response.headers["Content-Location"], response.headers["Location"]


def moscow(text: str) -> float:
    """MoySklad dates carry no zone: they are Moscow time (UTC+3)."""
    msk = dt.timezone(dt.timedelta(hours=3))
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=msk).timestamp()


def test_create_answers_202_with_absolute_location_headers(api: Caller, server: EmulatorServer) -> None:
    response = api.get(STOCK)
    assert response.status_code == 202 and response.content == b""
    state_url = response.headers["Content-Location"]
    assert re.fullmatch(rf"{re.escape(server.url)}{REMAP}/async/[0-9a-f-]{{36}}", state_url)
    assert response.headers["Location"] == f"{state_url}/result"
    assert api.get(f"{REMAP}/report/stock/all?async=true").status_code == 202
    assert api.get(f"{REMAP}/report/stock/bystore").status_code == 400  # only the async mode is emulated
    response = api.get(f"{REMAP}/report/stock/bystore?async=true&limit=10")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 61001


def test_state_pending_then_processing_then_done_with_result_url_and_deletion_date(
    api: Caller, admin: EmulatorAdmin, server: EmulatorServer
) -> None:
    admin.async_scenario("moysklad", SLOW)
    state_url, result_url = create(api)
    task = api.get(state_url).json()
    assert task["state"] == "PENDING" and "meta" not in task and "resultUrl" not in task  # in the queue
    assert set(task) == {"id", "accountId", "owner", "state", "request"}
    assert api.get(result_url).json()["errors"][0]["code"] == 61006
    admin.advance_clock(5)
    task = api.get(state_url).json()
    assert task["state"] == "PROCESSING" and "meta" not in task and "resultUrl" not in task
    assert task["request"] == f"{server.url}{STOCK}"
    assert task["owner"]["meta"]["type"] == "employee" and task["id"] in state_url
    assert set(task) == {"id", "accountId", "owner", "state", "request"}
    admin.advance_clock(25)
    assert api.get(state_url).json()["state"] == "PROCESSING"
    response = api.get(result_url)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"error": "Ошибка при запросе результата асинхронной задачи: результат еще не готов", "code": 61006}
    ]
    admin.advance_clock(30)
    task = api.get(state_url).json()
    assert task["state"] == "DONE"
    assert task["meta"] == {"href": state_url, "type": "async", "mediaType": "application/json"}
    assert task["resultUrl"] == result_url
    finished = admin.async_job("moysklad", task["id"])["finished"]
    assert moscow(task["deletionDate"]) == int(finished + 3600)


def test_three_run_at_once_and_four_are_queued_then_61002(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("moysklad", STUCK, STUCK, FAST, FAST)
    running = [create(api) for _ in range(3)]
    waiting, _ = create(api)  # a fourth task waits for a slot
    assert [api.get(state).json()["state"] for state, _ in running] == ["PROCESSING"] * 3
    assert api.get(waiting).json()["state"] == "PENDING"
    response = api.get(STOCK)
    assert response.status_code == 429
    assert response.json() == {
        "errors": [
            {
                "error": "Ошибка при создании асинхронной задачи: превышено ограничение на количество одновременно "
                "выполняемых асинхронных операций.",
                "code": 61002,
            }
        ]
    }
    create(api, token=TOKEN_2)  # the queue is per account
    admin.advance_clock(11)  # the third (FAST) task is DONE: its slot goes to the waiting one
    assert api.get(running[2][0]).json()["state"] == "DONE"
    assert api.get(waiting).json()["state"] == "PROCESSING"
    job = admin.async_job("moysklad", waiting.rsplit("/", 1)[1])
    assert job["started"] == pytest.approx(job["created"] + 10, abs=0.5)  # when the slot freed, not at once
    create(api)  # three in the queue again: a fourth is admitted
    assert api.get(STOCK).status_code == 429
    assert len(admin.async_jobs("moysklad")) == 6  # refused requests create no task


def test_slots_come_from_the_config(api: Caller, admin: EmulatorAdmin) -> None:
    admin.reset(moysklad_max_concurrent=1)
    admin.async_scenario("moysklad", FAST, FAST)
    first, _ = create(api)
    second, _ = create(api)
    assert [api.get(first).json()["state"], api.get(second).json()["state"]] == ["PROCESSING", "PENDING"]
    admin.advance_clock(11)
    assert [api.get(first).json()["state"], api.get(second).json()["state"]] == ["DONE", "PROCESSING"]
    admin.advance_clock(10)
    assert api.get(second).json()["state"] == "DONE"
    admin.reset(moysklad_max_concurrent=6)  # more slots than the documented queue of 4 raise the queue too
    admin.async_scenario("moysklad", *([STUCK] * 6))
    for _ in range(6):
        create(api)
    assert api.get(STOCK).status_code == 429


def test_cancel_a_pending_or_processing_task(api: Caller, admin: EmulatorAdmin) -> None:
    admin.reset(moysklad_max_concurrent=1)
    admin.async_scenario("moysklad", STUCK, FAST, FAST)
    running, running_result = create(api)
    waiting, waiting_result = create(api)
    third, _ = create(api)
    response = api.request("PUT", f"{waiting}/cancel")  # PENDING
    assert response.status_code == 204 and response.content == b""
    assert api.get(waiting).json()["state"] == "CANCEL"
    assert api.request("PUT", f"{running}/cancel").status_code == 204  # PROCESSING
    task = api.get(running).json()
    assert task["state"] == "CANCEL" and "resultUrl" not in task and "deletionDate" not in task
    for result in (running_result, waiting_result):
        response = api.get(result)
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"error": "Ошибка при запросе результата асинхронной задачи: задача была отменена", "code": 61005}
        ]
    assert api.get(third).json()["state"] == "PROCESSING"  # the freed slot starts the next task now
    response = api.request("PUT", f"{running}/cancel")  # already ended
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"error": "Ошибка при отмене асинхронной задачи: задача уже завершена", "code": 61007}
    ]
    job = admin.async_job("moysklad", running.rsplit("/", 1)[1])
    assert job["state"] == "CANCEL" and job["phase"] == "cancelled"
    assert job["stopped_at"] == job["finished"] is not None
    assert [(s["accepted"], s["phase"]) for s in job["stop_requests"]] == [(True, "running"), (False, "cancelled")]
    pending = admin.async_job("moysklad", waiting.rsplit("/", 1)[1])
    assert [(s["accepted"], s["phase"]) for s in pending["stop_requests"]] == [(True, "queued")]
    admin.advance_clock(11)
    assert api.get(third).json()["state"] == "DONE"
    assert api.request("PUT", f"{third}/cancel").json()["errors"][0]["code"] == 61007
    assert api.request("PUT", f"{REMAP}/async/00000000-0000-0000-0000-000000000000/cancel").status_code == 404
    assert api.request("PUT", f"{third}/cancel", token=TOKEN_2).status_code == 404  # not their task


def test_error_and_cancel_outcomes_of_a_scenario(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("moysklad", {**FAST, "outcome": "failure"}, {**FAST, "outcome": "cancelled"})
    failed, failed_result = create(api)
    cancelled, cancelled_result = create(api)
    admin.advance_clock(11)
    assert [api.get(failed).json()["state"], api.get(cancelled).json()["state"]] == ["ERROR", "CANCEL"]
    assert api.get(failed_result).json()["errors"] == [
        {"error": "Ошибка при запросе результата асинхронной задачи: задача завершилась ошибкой", "code": 61004}
    ]
    assert api.get(cancelled_result).json()["errors"][0]["code"] == 61005
    assert api.request("PUT", f"{cancelled}/cancel").json()["errors"][0]["code"] == 61007


def test_only_the_documented_requests_run_async(api: Caller) -> None:
    for path in ("report/stock/all", "report/profit/byproduct", "report/dashboard/day", "entity/counterparty"):
        assert api.get(f"{REMAP}/{path}?async=true").status_code == 202, path
    for path in ("report/turnover/all", "entity/product"):
        response = api.get(f"{REMAP}/{path}?async=true")
        assert response.status_code == 400, path
        assert response.json()["errors"] == [
            {
                "error": "Ошибка при создании асинхронной задачи: эндпоинт не поддерживает асинхронный обмен",
                "code": 61000,
            }
        ]


def test_api_error_result_carries_the_stored_error(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario(
        "moysklad",
        {**FAST, "outcome": "api_error"},
        {
            **FAST,
            "outcome": "api_error",
            "error_http_code": 412,
            "error_message": "Ошибка: не указан momentTo.",
            "error_code": 39000,
        },
    )
    default_state, default_result = create(api)
    custom_state, custom_result = create(api)
    admin.advance_clock(11)
    task = api.get(default_state).json()
    assert task["state"] == "API_ERROR" and "resultUrl" not in task
    forbidden = {"errors": [{"error": "Доступ запрещен: у вас нет прав на просмотр данного объекта", "code": 1016}]}
    assert task["errors"] == forbidden["errors"]
    response = api.get(default_result)
    assert response.status_code == 403 and response.json() == forbidden
    response = api.get(custom_result)
    custom = [{"error": "Ошибка: не указан momentTo.", "code": 39000}]
    assert response.status_code == 412 and response.json()["errors"] == custom
    task = api.get(custom_state).json()
    assert task["state"] == "API_ERROR" and task["errors"] == custom  # the status carries the same errors
    assert "meta" not in task  # as in the docs' API_ERROR example


def test_failure_and_states_the_client_does_not_know(api: Caller, admin: EmulatorAdmin) -> None:
    admin.reset(moysklad_max_concurrent=4)  # four slots: none of them waits
    admin.async_scenario(
        "moysklad",
        {**FAST, "outcome": "failure"},
        {**FAST, "status_override": "WEIRD"},
        {**FAST, "status_override": "CANCELLED"},
        {**FAST, "outcome": "api_error", "status_override": "DONE"},  # "marked done, the result is an error"
    )
    created = [create(api) for _ in range(4)]
    for state_url, _ in created:
        assert api.get(state_url).json()["state"] == "PROCESSING"  # overrides apply to the final state
    admin.advance_clock(11)
    states = [api.get(state_url).json()["state"] for state_url, _ in created]
    assert states == ["ERROR", "WEIRD", "CANCELLED", "DONE"]
    codes = [api.get(result_url).json()["errors"][0]["code"] for _, result_url in created]
    assert codes == [61004, 61004, 61005, 1016]


def test_result_redirects_to_another_host_and_link_expires(
    api: Caller, admin: EmulatorAdmin, server: EmulatorServer
) -> None:
    admin.async_scenario("moysklad", {**FAST, "result_rows": 3})
    state_url, result_url = create(api)
    admin.advance_clock(11)
    response = api.get(result_url)
    assert response.status_code == 302 and response.content == b""
    link = response.headers["Location"]
    parts = urlsplit(link)
    assert parts.netloc != urlsplit(server.url).netloc and link.startswith(server.file_url)
    task_id = state_url.rsplit("/", 1)[1]
    assert parts.path == f"/files/{task_id}/result.json"
    query = parse_qs(parts.query)
    assert re.fullmatch(r"[0-9a-f]{40}", query["temp_url_sig"][0])
    assert int(query["temp_url_expires"][0]) == pytest.approx(admin.clock()["now_epoch"] + 300, abs=2)
    assert query["filename"] == [f"asynctask_{task_id}_result.json"]

    report = api.session.get(link, timeout=30)  # no Authorization: the file host needs none
    assert report.status_code == 200
    body = report.json()
    assert body["meta"]["type"] == "stockbystore" and body["meta"]["size"] == 3 and len(body["rows"]) == 3
    assert "limit" not in body["meta"] and "href" in body["context"]["employee"]
    row = body["rows"][0]
    assert row["meta"]["type"] == "product"
    assert [store["name"] for store in row["stockByStore"]] == ["Не основной склад", "Основной склад"]
    assert set(row["stockByStore"][0]) == {"meta", "name", "stock", "reserve", "inTransit"}
    followed = api.get(result_url, allow_redirects=True)  # requests drops Authorization across hosts
    assert followed.status_code == 200 and followed.json()["meta"]["size"] == 3
    file_host = admin.async_job("moysklad", task_id)["file_host"]
    assert file_host == {"requests": 2, "authorization_requests": 0, "authorization_seen": False}

    tampered = link.replace(query["temp_url_sig"][0], "0" * 40)
    assert api.session.get(tampered, timeout=30).status_code == 403
    admin.advance_clock(301)
    assert api.session.get(link, timeout=30).status_code == 403  # the link lived 5 minutes
    assert api.get(result_url).status_code == 302  # a fresh link is issued while the result lives


def test_file_host_records_a_leaked_authorization_header(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("moysklad", FAST)
    state_url, result_url = create(api)
    admin.advance_clock(11)
    link = api.get(result_url).headers["Location"]
    assert api.get(link).status_code == 200  # Caller sends the bearer token: a client bug to be caught
    job = admin.async_job("moysklad", state_url.rsplit("/", 1)[1])
    assert job["file_host"]["authorization_seen"] is True


def test_result_is_deleted_after_deletion_date_or_admin_expiry(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("moysklad", FAST)
    first_state, first_result = create(api)
    admin.advance_clock(11)
    early_link = api.get(first_result).headers["Location"]
    admin.advance_clock(3600)
    response = api.get(first_result)
    assert response.status_code == 410
    assert response.json()["errors"][0] == {
        "error": "Ошибка при запросе результата асинхронной задачи: результат задачи был удален",
        "code": 61003,
    }
    assert api.get(first_state).json()["state"] == "DONE"  # the task is still listed, its result is gone
    assert api.session.get(early_link, timeout=30).status_code in (403, 404)
    admin.reset()
    admin.async_scenario("moysklad", FAST)
    state_url, result_url = create(api)
    admin.advance_clock(11)
    admin.async_expire("moysklad", state_url.rsplit("/", 1)[1])
    assert api.get(result_url).status_code == 410
    deletion = moscow(api.get(state_url).json()["deletionDate"])
    assert deletion <= admin.clock()["now_epoch"]


def test_task_list_filters_on_state_and_deletion_date(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("moysklad", FAST, FAST, SLOW)
    created = [create(api) for _ in range(3)]
    create(api, token=TOKEN_2)
    admin.advance_clock(11)
    listing = api.get(f"{REMAP}/async").json()
    assert listing["meta"]["size"] == 3 and listing["meta"]["limit"] == 1000 and listing["meta"]["offset"] == 0
    assert "meta" in listing["context"]["employee"]
    assert all("meta" in row for row in listing["rows"])
    done = api.get(f"{REMAP}/async", params={"filter": "state=done"}).json()
    assert {row["state"] for row in done["rows"]} == {"DONE"} and done["meta"]["size"] == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", done["rows"][0]["deletionDate"])
    far = "2999-01-01 00:00:00"
    both = api.get(f"{REMAP}/async", params={"filter": f"state=done;deletionDate<{far}"}).json()
    assert both["meta"]["size"] == 2
    none = api.get(f"{REMAP}/async", params={"filter": "state=done;deletionDate<2000-01-01 00:00:00"}).json()
    assert none["meta"]["size"] == 0 and none["rows"] == []
    seed_form = api.get(f"{REMAP}/async?filter=state=done&deletionDate<{far}").json()  # as the seed's curl
    assert seed_form["meta"]["size"] == 2
    processing = api.get(f"{REMAP}/async", params={"filter": "state=PROCESSING"}).json()
    assert [row["id"] for row in processing["rows"]] == [created[2][0].rsplit("/", 1)[1]]
    page = api.get(f"{REMAP}/async", params={"limit": 1, "offset": 1}).json()
    assert len(page["rows"]) == 1 and page["meta"]["size"] == 3
    assert api.get(f"{REMAP}/async", params={"filter": "colour=red"}).status_code == 400


def test_unknown_task_foreign_task_and_auth(api: Caller) -> None:
    state_url, _ = create(api)
    response = api.get(f"{REMAP}/async/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == 1021
    assert api.get(state_url, token=TOKEN_2).status_code == 404
    for token in (None, "wrong"):
        response = api.get(STOCK, token=token)
        assert response.status_code == 401 and response.json()["errors"][0]["code"] == 1056


def test_request_window_answers_429_with_its_headers(api: Caller, admin: EmulatorAdmin) -> None:
    assert "X-RateLimit-Limit" not in api.get(f"{REMAP}/async").headers  # no window unless an admin sets one
    limits = api.session.post(f"{api.url}/admin/async/limits", json={"limit": 6, "interval_ms": 3000}, timeout=30)
    assert limits.json()["rate"] == {"api": "moysklad", "limit": 6, "interval_ms": 3000}
    response = api.get(STOCK)  # a stock report weighs 5 units
    assert response.status_code == 202
    assert response.headers["X-RateLimit-Limit"] == "6" and response.headers["X-RateLimit-Remaining"] == "1"
    assert response.headers["X-Lognex-Retry-TimeInterval"] == "3000"
    assert 0 < int(response.headers["X-Lognex-Reset"]) <= 3000
    state_url = response.headers["Content-Location"]
    assert api.get(state_url).headers["X-RateLimit-Remaining"] == "0"
    refused = api.get(state_url)
    assert refused.status_code == 429
    assert refused.json() == {
        "errors": [{"error": "Превышено ограничение на количество запросов в единицу времени", "code": 1049}]
    }
    assert 0 < int(refused.headers["X-Lognex-Retry-After"]) <= 3000
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert api.get(STOCK, token=TOKEN_2).status_code == 202  # the window is per user
    admin.advance_clock(3)
    assert api.get(state_url).status_code == 200  # a new window
    assert api.get(state_url, token=None).status_code == 401  # no user, no window
    view = api.session.get(f"{api.url}/admin/async/limits", timeout=30).json()
    assert [r["code"] for r in view["refusals"]] == [1049]
    api.session.post(f"{api.url}/admin/async/limits", json={"limit": None}, timeout=30)
    assert "X-RateLimit-Limit" not in api.get(state_url).headers


def test_arranged_faults(api: Caller, admin: EmulatorAdmin) -> None:
    body = {"next": [{"code": 61008, "route": "start"}, {"code": 1073, "count": 2}]}
    assert api.session.post(f"{api.url}/admin/async/faults", json=body, timeout=30).status_code == 200
    listing = api.get(f"{REMAP}/async")  # the first fault waits for a start; 1073 hits any request
    assert listing.status_code == 429
    assert listing.json()["errors"] == [
        {"error": "Превышено ограничение на одновременное количество запросов", "code": 1073}
    ]
    start = api.get(STOCK)
    assert start.status_code == 500
    assert start.json()["errors"] == [
        {"error": "Ошибка при отправке асинхронной задачи: внутренняя ошибка", "code": 61008}
    ]
    assert api.get(f"{REMAP}/async").status_code == 429  # the second 1073
    assert api.get(STOCK).status_code == 202
    assert len(admin.async_jobs("moysklad")) == 1  # refused starts create no task
    admin.async_reset()
    assert api.session.get(f"{api.url}/admin/async/limits", timeout=30).json()["faults"] == []


def test_processed_webhook_is_delivered(api: Caller, admin: EmulatorAdmin) -> None:
    with CallbackSink() as sink:
        response = api.post(
            f"{REMAP}/entity/webhook", json={"url": f"{sink.url}/hook", "action": "PROCESSED", "entityType": "async"}
        )
        assert response.status_code == 200
        hook = response.json()
        assert (hook["entityType"], hook["action"], hook["method"], hook["enabled"]) == (
            "async",
            "PROCESSED",
            "POST",
            True,
        )
        assert api.get(f"{REMAP}/entity/webhook").json()["meta"]["size"] == 1
        admin.async_scenario("moysklad", FAST)
        state_url, _ = create(api)
        admin.advance_clock(11)
        received = sink.wait(1)
        assert len(received) == 1 and received[0].path == "/hook" and "requestId" in received[0].query
        event = received[0].json()["events"][0]
        assert event == {
            "meta": {"type": "async", "href": state_url},
            "action": "PROCESSED",
            "accountId": event["accountId"],
        }
        task_id = state_url.rsplit("/", 1)[1]
        job = wait_for(lambda: admin.async_job("moysklad", task_id)["callbacks"] or None)
        assert job[0]["kind"] == "webhook" and job[0]["status"] == 200
        assert api.delete(f"{REMAP}/entity/webhook/{hook['id']}").status_code == 200
        bad = api.post(f"{REMAP}/entity/webhook", json={"action": "PROCESSED", "entityType": "async"})
        assert bad.status_code == 412 and bad.json()["errors"][0]["code"] == 3000


def test_webhook_of_a_task_that_waited_for_a_slot(api: Caller, admin: EmulatorAdmin) -> None:
    admin.reset(moysklad_max_concurrent=1)
    with CallbackSink() as sink:
        hook = {"url": f"{sink.url}/hook", "action": "PROCESSED", "entityType": "async"}
        assert api.post(f"{REMAP}/entity/webhook", json=hook).status_code == 200
        admin.async_scenario("moysklad", STUCK, FAST, FAST)
        stuck, _ = create(api)
        second, _ = create(api)  # waits behind the stuck task: no end is planned yet
        third, _ = create(api)
        admin.advance_clock(30)
        assert sink.wait(1, timeout=0.5) == []
        assert api.request("PUT", f"{stuck}/cancel").status_code == 204  # frees the slot: second starts now
        admin.advance_clock(11)
        assert api.get(second).json()["state"] == "DONE" and api.get(third).json()["state"] == "PROCESSING"
        received = sink.wait(1)
        assert [r.json()["events"][0]["meta"]["href"] for r in received] == [second]
        admin.advance_clock(10)
        received = sink.wait(2)
        assert [r.json()["events"][0]["meta"]["href"] for r in received] == [second, third]  # each once
        wait_for(lambda: admin.async_info()["pending_notifications"] == 0)  # nothing left armed
