"""Yandex Direct "fetch process" webhooks (seed 000): start, status, results, stop.

The quirk clients must survive is in the bodies: status and results answers carry the key
``status`` twice, first the envelope's ``"ok"`` and later the process state, so a JSON parser that
keeps the last duplicate (Python's does) sees the state while a strict one may object. Bodies are
therefore written from key/value pairs, never from a dict.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from airflow_provider_direct.emulator.async_apis.hub import AsyncWorld, async_world
from airflow_provider_direct.emulator.async_apis.jobs import Job
from airflow_provider_direct.emulator.async_apis.wire import JSON, format_space, pairs_json, read_fields

API = "direct_fetch"
PROCESS_PREFIX = "YandexDirectDataFetchProcess_"

# typeLabel as the seed's answers print it (its table says "... изменений кампаний" for history,
# but the status example, i.e. the wire, says "Получение истории изменений").
TYPE_LABELS = {
    "history": "Получение истории изменений",
    "settings": "Получение настроек и стратегий кампаний",
    "strategy_study": "Получение данных обучения стратегий",
    "account_goals": "Получение целей и конверсий аккаунта",
}
RESULT_MESSAGES = {"strategy_study": "Данные обучения стратегий получены"}

MSG_STARTED = "Процесс успешно запущен"
MSG_STOPPED = "Процесс успешно остановлен"
MSG_RUNNING = "Начало получения данных из Яндекс.Директ"
MSG_QUEUED = "Процесс создан и ожидает запуска"
MSG_CANCELLED = "Процесс остановлен пользователем"
MSG_FAILED = "Ошибка получения данных из Яндекс.Директ: превышен лимит баллов API (код 152)"
ERR_NO_PROCESS_ID = "Не указан параметр processId"
ERR_NOT_FINISHED = "Процесс еще не завершен или завершен с ошибкой"
ERR_NO_RESULTS = "Результаты процесса не найдены"
ERR_NOT_RUNNING = "Процесс не выполняется"
ERR_BAD_BODY = "Некорректное тело запроса: ожидается JSON-объект"
ERR_UNAUTHORIZED = "Unauthorized"

# (progress below which, stage) while running; the seed shows "Обработка данных" at 60 %.
RUNNING_STAGES = ((25, "Инициализация"), (50, "Получение данных"), (100, "Обработка данных"))

router = APIRouter(prefix="/webHooks", include_in_schema=False)


class UniqId:
    """PHP ``uniqid()``: 8 hex digits of seconds and 5 of microseconds, strictly increasing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self, now: float) -> str:
        with self._lock:
            micros = max(int(now * 1_000_000), self._last + 1)
            self._last = micros
        seconds, fraction = divmod(micros, 1_000_000)
        return f"{seconds:08x}{fraction:05x}"


_UNIQID = UniqId()


def _answer(pairs: Iterable[tuple[str, Any]], status: int = 200) -> Response:
    return Response(content=pairs_json(pairs), status_code=status, media_type=JSON)


def _error(status: int, message: str) -> Response:
    return _answer([("status", "error"), ("success", False), ("message", message)], status)


def _not_found(process_id: str) -> Response:
    return _error(404, f"Процесс с ID {process_id} не найден")


def _identity(job: Job) -> list[tuple[str, Any]]:
    request = job.payload["request"]
    return [
        ("processId", job.id),
        ("account", request["account"]),
        ("client", request["client"]),
        ("type", request["type"]),
    ]


def _stage_and_message(job: Job, phase: str, progress: int) -> tuple[str, str]:
    if phase == "queued":
        return "Ожидание запуска", MSG_QUEUED
    if phase == "running":
        stage = next(name for bound, name in RUNNING_STAGES if progress < bound)
        return stage, MSG_RUNNING
    if phase == "success":
        return "Завершение", f"Процесс успешно завершен за {job.plan.duration:.2f}s"
    if phase == "cancelled":
        return "Остановлен", MSG_CANCELLED
    return "Ошибка", job.plan.error_message or MSG_FAILED


def _rows(job: Job) -> list[dict[str, Any]]:
    """Deterministic rows shaped per type, as many as the plan's ``result_rows``."""
    kind = job.payload["request"]["type"]
    count = job.plan.result_rows or 0
    params = job.payload["request"].get("params") or {}
    given = [cid for cid in params.get("campaign_ids", []) if isinstance(cid, int)] if isinstance(params, dict) else []
    rows: list[dict[str, Any]] = []
    for index in range(count):
        cid = given[index % len(given)] if given else 10_000_000 + index * 1_111
        if kind == "history":
            old = 10 + (index % 7) * 5
            rows.append(
                {
                    "cid": cid,
                    "datetime": format_space(job.created - 3_600 * (index + 1)),
                    "change": ("Изменение ставки", "Изменение дневного бюджета", "Изменение стратегии")[index % 3],
                    "old_value": f"{old:.2f}",
                    "new_value": f"{old + 5:.2f}",
                }
            )
        elif kind == "settings":
            rows.append(
                {
                    "cid": cid,
                    "name": f"Кампания {cid}",
                    "strategy": ("WB_MAXIMUM_CONVERSION_RATE", "AVERAGE_CPC", "HIGHEST_POSITION")[index % 3],
                    "daily_budget": f"{1_000 + index * 100:.2f}",
                }
            )
        elif kind == "strategy_study":
            learning = index % 3
            rows.append(
                {
                    "campaign_id": cid,
                    "status": None if learning == 0 else ("Обучение завершено", "Идет обучение")[learning - 1],
                    "conv_per_week": None if learning == 0 else 15 + index,
                }
            )
        else:
            rows.append({"goal_id": 30_000_000 + index, "name": f"Цель {index + 1}", "conversions": 3 * index})
    return rows


def _owned(world: AsyncWorld, user: str, process_id: str) -> Job | None:
    return world.stores[API].owned(user, process_id)


def _job_for(request: Request, raw_id: object) -> tuple[AsyncWorld, Job] | Response:
    """The caller's process named by ``raw_id``, or the API's error answer (401, 400, 404)."""
    world = async_world(request)
    user = world.user(request.headers.get("authorization"))
    if user is None:
        return _error(401, ERR_UNAUTHORIZED)
    process_id = raw_id.strip() if isinstance(raw_id, str) else ""
    if not process_id:
        return _error(400, ERR_NO_PROCESS_ID)
    job = _owned(world, user, process_id)
    if job is None:
        return _not_found(process_id)
    return world, job


async def start(request: Request) -> Response:
    world = async_world(request)
    user = world.user(request.headers.get("authorization"))
    if user is None:
        return _error(401, ERR_UNAUTHORIZED)
    fields = await read_fields(request)
    if fields is None:
        return _error(400, ERR_BAD_BODY)
    for name in ("account", "client", "type"):
        value = fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return _error(400, f"Не указан параметр {name}")
        if not isinstance(value, str):
            return _error(400, f"Параметр {name} должен быть строкой")
    kind = fields["type"]
    if kind not in TYPE_LABELS:
        return _error(400, f"Неизвестный тип операции: {kind}. Допустимые типы: {', '.join(TYPE_LABELS)}")
    params = fields.get("params")
    if params is not None and not isinstance(params, dict):
        return _error(400, "Параметр params должен быть объектом")
    now = world.now()
    payload = {"request": {"account": fields["account"], "client": fields["client"], "type": kind, "params": params}}
    job = world.stores[API].create(user, now, payload, lambda: PROCESS_PREFIX + _UNIQID.next(now))
    return _answer(
        [
            ("status", "ok"),
            ("success", True),
            ("processId", job.id),
            ("message", MSG_STARTED),
            *_identity(job)[1:],
            ("typeLabel", TYPE_LABELS[kind]),
        ]
    )


async def status(request: Request) -> Response:
    found = _job_for(request, request.query_params.get("processId"))
    if isinstance(found, Response):
        return found
    world, job = found
    now = world.now()
    phase = job.phase(now)
    progress = job.progress(now)
    stage, message = _stage_and_message(job, phase, progress)
    kind = job.payload["request"]["type"]
    pairs: list[tuple[str, Any]] = [
        ("status", "ok"),
        ("success", True),
        *_identity(job),
        ("typeLabel", TYPE_LABELS[kind]),
        ("status", job.label(now)),
        ("progress", progress),
        ("stage", stage),
        ("message", message),
    ]
    if phase == "success":
        count = job.plan.result_rows or 0
        pairs += [("resultsCount", count), ("hasResults", count > 0), ("dataType", kind)]
    return _answer(pairs)


async def results(request: Request) -> Response:
    found = _job_for(request, request.query_params.get("processId"))
    if isinstance(found, Response):
        return found
    world, job = found
    now = world.now()
    if job.phase(now) != "success":
        return _error(409, ERR_NOT_FINISHED)
    if job.plan.result_rows is None or job.is_expired(now):
        return _error(404, ERR_NO_RESULTS)
    kind = job.payload["request"]["type"]
    rows = _rows(job)
    data: dict[str, Any] = {"data": rows}
    if kind in RESULT_MESSAGES:
        data["message"] = RESULT_MESSAGES[kind]
    finished = job.finished if job.finished is not None else now
    return _answer(
        [
            ("status", "ok"),
            ("success", True),
            *_identity(job),
            ("data", data),
            ("timestamp", int(finished)),
            ("status", job.label(now)),
            ("dataCount", len(rows)),
        ]
    )


async def stop(request: Request) -> Response:
    if async_world(request).user(request.headers.get("authorization")) is None:
        return _error(401, ERR_UNAUTHORIZED)  # before reading the body, as for the other endpoints
    fields = await read_fields(request)
    if fields is None:
        return _error(400, ERR_BAD_BODY)
    found = _job_for(request, fields.get("processId", request.query_params.get("processId")))
    if isinstance(found, Response):
        return found
    world, job = found
    if not world.stores[API].stop(job, world.now()):
        return _error(409, ERR_NOT_RUNNING)
    return _answer([("status", "ok"), ("success", True), ("message", MSG_STOPPED), *_identity(job)])


router.add_api_route("/startYandexDirectFetch", start, methods=["POST"])
router.add_api_route("/getYandexDirectFetchStatus", status, methods=["GET"])
router.add_api_route("/getYandexDirectFetchResults", results, methods=["GET"])
router.add_api_route("/stopYandexDirectFetch", stop, methods=["POST"])
