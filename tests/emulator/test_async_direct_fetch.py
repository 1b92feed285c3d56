"""Direct fetch processes (seed 000): start, status with a duplicated ``status`` key, results, stop."""

from __future__ import annotations

import re

import pytest

from airflow_provider_direct.emulator import EmulatorAdmin, EmulatorServer
from tests.emulator.async_support import TOKEN_2, Caller, pairs
from tests.wire.corpus import Entry, load_entries, shape_differences
from tests.wire.test_corpus_emulator import prepare, send

pytestmark = pytest.mark.integration

START = "/webHooks/startYandexDirectFetch"
STATUS = "/webHooks/getYandexDirectFetchStatus"
RESULTS = "/webHooks/getYandexDirectFetchResults"
STOP = "/webHooks/stopYandexDirectFetch"
# queued 10 s, then 40 s of running in four 10-second steps: wide margins against real time passing.
SLOW = {"queue_seconds": 10, "duration": 40, "progress_steps": 4}


@pytest.fixture
def api(server: EmulatorServer, admin: EmulatorAdmin) -> Caller:
    return Caller(server.url)


def start(api: Caller, kind: str = "history", **extra: object) -> str:
    response = api.post(START, json={"account": "myaccount", "client": "myclient", "type": kind, **extra})
    assert response.status_code == 200, response.text
    process_id: str = response.json()["processId"]
    return process_id


def status_pairs(api: Caller, process_id: str) -> list[tuple[str, object]]:
    response = api.get(STATUS, params={"processId": process_id})
    assert response.status_code == 200, response.text
    return pairs(response.text)


def test_start_answers_like_the_seed(api: Caller) -> None:
    labels = {
        "history": "Получение истории изменений",
        "settings": "Получение настроек и стратегий кампаний",
        "strategy_study": "Получение данных обучения стратегий",
        "account_goals": "Получение целей и конверсий аккаунта",
    }
    for kind, label in labels.items():
        response = api.post(START, json={"account": "myaccount", "client": "myclient", "type": kind})
        assert response.status_code == 200
        body = response.json()
        assert re.fullmatch(r"YandexDirectDataFetchProcess_[0-9a-f]{13}", body["processId"])
        assert body == {
            "status": "ok",
            "success": True,
            "processId": body["processId"],
            "message": "Процесс успешно запущен",
            "account": "myaccount",
            "client": "myclient",
            "type": kind,
            "typeLabel": label,
        }


def test_status_walks_new_pending_done_with_status_key_twice(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("direct_fetch", SLOW)
    process_id = start(api)
    seen = status_pairs(api, process_id)
    keys = [key for key, _ in seen]
    assert keys == [
        "status",
        "success",
        "processId",
        "account",
        "client",
        "type",
        "typeLabel",
        "status",
        "progress",
        "stage",
        "message",
    ]
    body = dict(seen)  # last duplicate wins, as in Python's json
    assert [value for key, value in seen if key == "status"] == ["ok", "new"]
    assert body["progress"] == 0

    stages = []
    for advance, progress in ((11, 0), (10, 25), (10, 50), (10, 75)):
        admin.advance_clock(advance)
        raw = api.get(STATUS, params={"processId": process_id}).text
        assert raw.index('"status": "ok"') < raw.index('"status": "pending"')  # literally, in this order
        body = dict(pairs(raw))
        assert body["status"] == "pending" and body["progress"] == progress
        assert body["message"] == "Начало получения данных из Яндекс.Директ"
        stages.append(body["stage"])
    assert stages == ["Инициализация", "Получение данных", "Обработка данных", "Обработка данных"]

    admin.advance_clock(10)
    done = status_pairs(api, process_id)
    assert [value for key, value in done if key == "status"] == ["ok", "done"]
    body = dict(done)
    assert body["progress"] == 100 and body["stage"] == "Завершение"
    assert body["message"] == "Процесс успешно завершен за 40.00s"
    assert (body["resultsCount"], body["hasResults"], body["dataType"]) == (10, True, "history")


def test_results_per_type(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("direct_fetch", {"duration": 0, "queue_seconds": 0, "result_rows": 4})
    admin.async_scenario("direct_fetch", {"duration": 0, "queue_seconds": 0, "result_rows": 3})
    history = start(api, "history")
    study = start(api, "strategy_study")
    response = api.get(RESULTS, params={"processId": history})
    assert response.status_code == 200
    raw_pairs = pairs(response.text)
    assert [key for key, _ in raw_pairs] == [
        "status",
        "success",
        "processId",
        "account",
        "client",
        "type",
        "data",
        "timestamp",
        "status",
        "dataCount",
    ]
    assert [value for key, value in raw_pairs if key == "status"] == ["ok", "done"]
    body = dict(raw_pairs)
    rows = body["data"]["data"]
    assert body["dataCount"] == len(rows) == 4 and isinstance(body["timestamp"], int)
    assert set(rows[0]) == {"cid", "datetime", "change", "old_value", "new_value"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[0]["datetime"])
    assert re.fullmatch(r"\d+\.\d\d", rows[0]["old_value"])

    body = api.get(RESULTS, params={"processId": study}).json()
    assert body["data"]["message"] == "Данные обучения стратегий получены"
    rows = body["data"]["data"]
    assert rows[0] == {"campaign_id": rows[0]["campaign_id"], "status": None, "conv_per_week": None}
    assert rows[1]["status"] == "Обучение завершено" and rows[1]["conv_per_week"] == 16
    assert body["dataCount"] == 3


def test_results_errors_use_the_seed_strings(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("direct_fetch", SLOW, {"duration": 0, "queue_seconds": 0, "result_rows": None})
    running = start(api)
    empty = start(api)
    response = api.get(RESULTS, params={"processId": running})
    assert response.status_code == 409
    assert response.json() == {
        "status": "error",
        "success": False,
        "message": "Процесс еще не завершен или завершен с ошибкой",
    }
    response = api.get(RESULTS, params={"processId": empty})
    assert response.status_code == 404 and response.json()["message"] == "Результаты процесса не найдены"
    assert dict(status_pairs(api, empty))["hasResults"] is False
    response = api.get(RESULTS, params={"processId": "YandexDirectDataFetchProcess_0000000000000"})
    assert response.status_code == 404
    assert response.json()["message"] == "Процесс с ID YandexDirectDataFetchProcess_0000000000000 не найден"
    for path in (RESULTS, STATUS):
        response = api.get(path)
        assert response.status_code == 400 and response.json()["message"] == "Не указан параметр processId"


def test_failure_reports_error_state_and_message(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario(
        "direct_fetch", {"duration": 2, "queue_seconds": 0, "outcome": "failure", "error_message": "Нет доступа"}
    )
    process_id = start(api, "settings")
    admin.advance_clock(3)
    body = status_pairs(api, process_id)
    assert [value for key, value in body if key == "status"] == ["ok", "error"]
    assert dict(body)["message"] == "Нет доступа" and dict(body)["stage"] == "Ошибка"
    assert api.get(RESULTS, params={"processId": process_id}).status_code == 409


def test_admin_expiry_makes_results_not_found(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("direct_fetch", {"duration": 0, "queue_seconds": 0})
    process_id = start(api, "account_goals")
    assert api.get(RESULTS, params={"processId": process_id}).status_code == 200
    admin.async_expire("direct_fetch", process_id)
    response = api.get(RESULTS, params={"processId": process_id})
    assert response.status_code == 404 and response.json()["message"] == "Результаты процесса не найдены"


def test_stop_rules(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("direct_fetch", SLOW, {"duration": 0, "queue_seconds": 0})
    running = start(api)
    finished = start(api)
    admin.advance_clock(21)
    response = api.post(STOP, json={"processId": running})
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "success": True,
        "message": "Процесс успешно остановлен",
        "processId": running,
        "account": "myaccount",
        "client": "myclient",
        "type": "history",
    }
    admin.advance_clock(100)
    body = dict(status_pairs(api, running))
    assert body["status"] == "stopped" and body["progress"] == 25  # frozen where it was stopped
    for process_id in (running, finished):
        response = api.post(STOP, json={"processId": process_id})
        assert response.status_code == 409 and response.json()["message"] == "Процесс не выполняется"
    assert api.post(STOP, json={}).json()["message"] == "Не указан параметр processId"
    assert api.post(STOP, json={"processId": "nope"}).status_code == 404
    job = admin.async_job("direct_fetch", running)
    assert [request["accepted"] for request in job["stop_requests"]] == [True, False]
    assert job["state"] == "stopped" and job["finished"] is not None


def test_validation_auth_and_ownership(api: Caller) -> None:
    for missing in ("account", "client", "type"):
        payload = {"account": "a", "client": "c", "type": "history"}
        del payload[missing]
        response = api.post(START, json=payload)
        assert response.status_code == 400
        assert response.json() == {"status": "error", "success": False, "message": f"Не указан параметр {missing}"}
    response = api.post(START, json={"account": "a", "client": "c", "type": "bogus"})
    assert response.status_code == 400 and "bogus" in response.json()["message"]
    assert api.post(START, data=b"[1]", headers={"Content-Type": "application/json"}).status_code == 400
    unauthorized = {"status": "error", "success": False, "message": "Unauthorized"}
    for token in (None, "wrong"):
        response = api.post(START, json={"account": "a", "client": "c", "type": "history"}, token=token)
        assert response.status_code == 401 and response.json() == unauthorized
    process_id = start(api)
    response = api.get(STATUS, params={"processId": process_id}, token=TOKEN_2)
    assert response.status_code == 404  # another user's process does not exist for them


def test_stuck_never_finishes(api: Caller, admin: EmulatorAdmin) -> None:
    admin.async_scenario("direct_fetch", {"outcome": "stuck", "duration": 4, "queue_seconds": 0})
    process_id = start(api)
    admin.advance_clock(1_000_000)
    body = dict(status_pairs(api, process_id))
    assert body["status"] == "pending" and body["progress"] == 75


TEXT_ENTRIES = [e for e in load_entries() if e.api == "direct_fetch" and "text" in e.response]


@pytest.mark.parametrize("entry", TEXT_ENTRIES, ids=lambda e: e.id)
def test_duplicate_key_bodies_of_the_corpus_keep_their_keys_in_order(server: EmulatorServer, entry: Entry) -> None:
    """The corpus can only keep these bodies as text; here they are compared key by key, duplicates included."""
    request, variables = prepare(server, entry)
    answer = send(server, entry, request, variables)
    documented, actual = pairs(entry.response["text"]), pairs(answer["text"])
    assert [key for key, _ in actual] == [key for key, _ in documented], answer["text"]
    for (key, doc_value), (_, value) in zip(documented, actual, strict=True):
        assert not shape_differences(doc_value, value, path=key), (key, doc_value, value)
