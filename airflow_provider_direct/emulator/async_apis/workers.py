"""The "workers" task API (seed 002): a Django REST framework service for data-processing tasks.

Create, list (page-number pagination capped at 100 per page, filters by status and task type),
details, cancel (DELETE, only while pending or processing) and a light status endpoint. Users see
only their own tasks: another user's id answers 404 exactly like a missing one. Field validation
messages are DRF's English ones inside the service's ``{"error": {...}}`` envelope.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from airflow_provider_direct.emulator.async_apis.hub import AsyncWorld, async_world
from airflow_provider_direct.emulator.async_apis.jobs import Job
from airflow_provider_direct.emulator.async_apis.wire import format_iso_z, json_response, parse_iso

API = "workers"
TASK_TYPES = (
    "bookings_export",
    "payments_export",
    "users_export",
    "services_export",
    "data_cleanup",
    "data_analysis",
    "report_generation",
)
STATUSES = ("pending", "processing", "completed", "failed", "cancelled")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 10_000
DATETIME_FORMAT_ERROR = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
MSG_FAILED = "Ошибка обработки данных: превышено время ожидания ответа базы данных"

router = APIRouter(prefix="/api/v1/workers", include_in_schema=False)


def _error(status: int, code: str, message: str, details: dict[str, list[str]] | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if status == 401 else None
    return json_response({"error": body}, status, headers)


def _invalid(details: dict[str, list[str]]) -> Response:
    return _error(400, "validation_error", "Ошибка валидации данных запроса", details)


def _not_found(message: str = "Задача не найдена.") -> Response:
    return _error(404, "not_found", message)


def _user(world: AsyncWorld, request: Request) -> str | Response:
    header = request.headers.get("authorization")
    user = world.user(header)
    if user is not None:
        return user
    message = "Invalid token." if header else "Authentication credentials were not provided."
    return _error(401, "not_authenticated", message)


def _task(world: AsyncWorld, user: str, raw_id: str) -> Job | None:
    """The caller's live task: unknown, foreign and purged (admin-expired) tasks do not exist."""
    if not raw_id.isdigit():
        return None
    job = world.stores[API].owned(user, str(int(raw_id)))
    return None if job is None or job.is_expired(world.now()) else job


def _rows(job: Job) -> list[dict[str, Any]]:
    kind = job.payload["request"]["task_type"]
    count = job.plan.result_rows or 0
    base = job.payload["date_from_epoch"] if job.payload["date_from_epoch"] is not None else job.created
    rows: list[dict[str, Any]] = []
    for index in range(count):
        moment = format_iso_z(int(base) + index * 3_600)
        row: dict[str, Any]
        if kind == "bookings_export":
            row = {
                "id": index + 1,
                "status": ("confirmed", "cancelled")[index % 2],
                "date": moment,
                "amount": f"{1_500 + index:.2f}",
            }
        elif kind == "payments_export":
            row = {"id": index + 1, "booking_id": 1_000 + index, "amount": f"{990 + index:.2f}", "paid_at": moment}
        elif kind == "users_export":
            row = {"id": index + 1, "email": f"user{index + 1}@example.com", "date_joined": moment}
        elif kind == "services_export":
            row = {"id": index + 1, "name": f"Услуга {index + 1}", "price": f"{500 + 10 * index:.2f}"}
        elif kind == "data_cleanup":
            row = {"table": ("bookings", "payments", "sessions")[index % 3], "deleted": 10 * (index + 1)}
        elif kind == "data_analysis":
            row = {"metric": f"metric_{index + 1}", "value": round(0.5 + index * 0.25, 2)}
        else:
            row = {"section": f"Раздел {index + 1}", "rows": 5 * (index + 1)}
        rows.append(row)
    return rows


def task_view(job: Job, now: float) -> dict[str, Any]:
    phase = job.phase(now)
    request = job.payload["request"]
    return {
        "id": int(job.id),
        "task_type": request["task_type"],
        "status": job.label(now),
        "progress": job.progress(now),
        "batch_size": request["batch_size"],
        "filters": request["filters"],
        "date_from": request["date_from"],
        "date_to": request["date_to"],
        "created_at": format_iso_z(job.created),
        "updated_at": format_iso_z(job.updated(now)),
        "result": {"rows": _rows(job), "total": job.plan.result_rows or 0} if phase == "success" else None,
        "error": (job.plan.error_message or MSG_FAILED) if phase == "failure" else None,
    }


def _validate(fields: dict[str, Any]) -> tuple[dict[str, Any], float | None, dict[str, list[str]]]:
    """DRF-like serializer: the cleaned request, ``date_from`` as epoch, and field errors."""
    problems: dict[str, list[str]] = {}
    task_type = fields.get("task_type")
    if task_type is None or task_type == "":
        problems["task_type"] = ["This field is required."]
    elif not isinstance(task_type, str) or task_type not in TASK_TYPES:
        problems["task_type"] = [f'"{task_type}" is not a valid choice.']
    batch_size = fields.get("batch_size", DEFAULT_BATCH_SIZE)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        problems["batch_size"] = ["A valid integer is required."]
    elif batch_size < 1:
        problems["batch_size"] = ["Ensure this value is greater than or equal to 1."]
    elif batch_size > MAX_BATCH_SIZE:
        problems["batch_size"] = [f"Ensure this value is less than or equal to {MAX_BATCH_SIZE}."]
    filters = fields.get("filters", {})
    if filters is None:
        filters = {}
    if not isinstance(filters, dict):
        problems["filters"] = [f'Expected a dictionary of items but got type "{type(filters).__name__}".']
    moments: dict[str, float | None] = {}
    rendered: dict[str, str | None] = {}
    for name in ("date_from", "date_to"):
        value = fields.get(name)
        moment = parse_iso(value) if isinstance(value, str) else None
        if value is not None and moment is None:
            problems[name] = [DATETIME_FORMAT_ERROR]
        moments[name] = moment
        rendered[name] = format_iso_z(moment) if moment is not None else None
    date_from, date_to = moments["date_from"], moments["date_to"]
    if date_from is not None and date_to is not None and date_from > date_to:
        problems.setdefault("non_field_errors", []).append("date_from must be earlier than date_to.")
    request = {
        "task_type": task_type,
        "batch_size": batch_size,
        "filters": filters,
        "date_from": rendered["date_from"],
        "date_to": rendered["date_to"],
    }
    return request, date_from, problems


async def create_task(request: Request) -> Response:
    world = async_world(request)
    user = _user(world, request)
    if isinstance(user, Response):
        return user
    raw = await request.body()
    try:
        fields = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError) as error:
        return _error(400, "parse_error", f"JSON parse error - {error}")
    if not isinstance(fields, dict):
        kind = type(fields).__name__
        return _invalid({"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]})
    cleaned, date_from, problems = _validate(fields)
    if problems:
        return _invalid(problems)
    store = world.stores[API]
    job = store.create(
        user, world.now(), {"request": cleaned, "date_from_epoch": date_from}, lambda: str(next(store.sequence))
    )
    return json_response(task_view(job, world.now()), 201)


def _page_url(request: Request, page: int | None) -> str | None:
    if page is None:
        return None
    if page == 1:
        return str(request.url.remove_query_params("page"))  # DRF drops ``page`` for the first page
    return str(request.url.include_query_params(page=page))


async def list_tasks(request: Request) -> Response:
    world = async_world(request)
    user = _user(world, request)
    if isinstance(user, Response):
        return user
    params = request.query_params
    problems: dict[str, list[str]] = {}
    status = params.get("status") or None
    if status is not None and status not in STATUSES:
        problems["status"] = [f"Select a valid choice. {status} is not one of the available choices."]
    task_type = params.get("task_type") or None
    if task_type is not None and task_type not in TASK_TYPES:
        problems["task_type"] = [f"Select a valid choice. {task_type} is not one of the available choices."]
    page_size = DEFAULT_PAGE_SIZE
    raw_size = params.get("page_size")
    if raw_size is not None:
        if not raw_size.lstrip("-").isdigit():
            problems["page_size"] = ["A valid integer is required."]
        elif int(raw_size) > MAX_PAGE_SIZE:
            problems["page_size"] = [f"Ensure this value is less than or equal to {MAX_PAGE_SIZE}."]
        elif int(raw_size) < 1:
            problems["page_size"] = ["Ensure this value is greater than or equal to 1."]
        else:
            page_size = int(raw_size)
    if problems:
        return _invalid(problems)
    now = world.now()
    tasks = [
        job
        for job in reversed(world.stores[API].of_user(user))  # newest first, like ordering=-created_at
        if not job.is_expired(now)
        and (status is None or job.label(now) == status)
        and (task_type is None or job.payload["request"]["task_type"] == task_type)
    ]
    pages = max(1, math.ceil(len(tasks) / page_size))
    raw_page = params.get("page", "1")
    if raw_page == "last":
        raw_page = str(pages)
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= pages:
        return _not_found("Invalid page.")
    page = int(raw_page)
    chunk = tasks[(page - 1) * page_size : page * page_size]
    return json_response(
        {
            "count": len(tasks),
            "next": _page_url(request, page + 1 if page < pages else None),
            "previous": _page_url(request, page - 1 if page > 1 else None),
            "results": [task_view(job, now) for job in chunk],
        }
    )


def _task_for(request: Request, task_id: str) -> tuple[AsyncWorld, Job] | Response:
    """The caller's own task ``task_id`` (another user's is 404), or the API's error answer."""
    world = async_world(request)
    user = _user(world, request)
    if isinstance(user, Response):
        return user
    job = _task(world, user, task_id)
    if job is None:
        return _not_found()
    return world, job


async def task_detail(request: Request, task_id: str) -> Response:
    found = _task_for(request, task_id)
    if isinstance(found, Response):
        return found
    world, job = found
    return json_response(task_view(job, world.now()))


async def cancel_task(request: Request, task_id: str) -> Response:
    found = _task_for(request, task_id)
    if isinstance(found, Response):
        return found
    world, job = found
    now = world.now()
    if not world.stores[API].stop(job, now):
        return _error(
            400,
            "invalid_status",
            f"Нельзя отменить задачу в статусе '{job.label(now)}': отменить можно только задачи в статусах "
            "pending и processing",
        )
    return json_response(task_view(job, now))


async def task_status(request: Request, task_id: str) -> Response:
    found = _task_for(request, task_id)
    if isinstance(found, Response):
        return found
    world, job = found
    now = world.now()
    total = job.plan.result_rows or 0
    progress = job.progress(now)
    return json_response(
        {
            "id": int(job.id),
            "status": job.label(now),
            "progress": progress,
            "processed": total if job.phase(now) == "success" else total * progress // 100,
            "total": total,
            "updated_at": format_iso_z(job.updated(now)),
        }
    )


router.add_api_route("/", list_tasks, methods=["GET"])
router.add_api_route("/", create_task, methods=["POST"])
router.add_api_route("/{task_id}/", task_detail, methods=["GET"])
router.add_api_route("/{task_id}/", cancel_task, methods=["DELETE"])
router.add_api_route("/{task_id}/status/", task_status, methods=["GET"])
