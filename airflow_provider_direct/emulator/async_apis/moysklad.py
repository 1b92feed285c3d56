"""MoySklad JSON API 1.2 asynchronous exchange (seed 001, completed from the official docs).

``GET report/...?async=true`` (or one of the few async-capable entity lists) answers 202 with two
absolute URLs in headers (result and state). A task waits in the account's queue (PENDING) until one of
``moysklad_max_concurrent`` slots is free, then is PROCESSING until DONE / ERROR / API_ERROR; ``PUT
/async/{id}/cancel`` turns a PENDING or PROCESSING task into CANCEL (204), any other one answers 61007.
At most 4 tasks per account are in the queue (PENDING or PROCESSING): the next start is error 61002.
The result endpoint redirects (302) to a signed link on another host that is valid 5 minutes, while
the result itself lives one hour (``deletionDate``, in Moscow time like every MoySklad date); a result
that is not there answers 61003-61006. Webhooks with ``entityType=async, action=PROCESSED`` announce
finished tasks. Admin levers add the request window (429, 1049, ``X-RateLimit-*``) and faults (1073,
61008): see ``moysklad_limits``.

Docs: https://dev.moysklad.ru/doc/api/remap/1.2/#/async#2-asinhronnyj-obmen and
https://dev.moysklad.ru/doc/api/remap/1.2/#/errors#3-kody-oshibok-dlya-asinhronnogo-obmena.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_plus

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from airflow_provider_direct.emulator.async_apis.callbacks import Notification, deliver
from airflow_provider_direct.emulator.async_apis.hub import AsyncHub, AsyncWorld, async_world
from airflow_provider_direct.emulator.async_apis.jobs import Job, LimitExceeded
from airflow_provider_direct.emulator.async_apis.moysklad_files import REMAP, result_link
from airflow_provider_direct.emulator.async_apis.moysklad_limits import ERROR_TEXTS, error_status, weight
from airflow_provider_direct.emulator.async_apis.wire import (
    MSK,
    base_url,
    empty_response,
    format_space,
    format_space_millis,
    json_response,
    read_fields,
)

API = "moysklad"
MEDIA = "application/json"
LIST_LIMIT = 1_000
LIST_WINDOW_SECONDS = 7 * 86_400  # the task list covers the last week
WEBHOOK_ATTEMPTS = 4  # one delivery plus three immediate retries on a non-200/204 answer
WEBHOOK_TIMEOUT = 1.5

#: Tasks of one account in the queue (PENDING or PROCESSING) before a start is refused with 61002
#: ("не более 4 асинхронных задач в очереди на аккаунт"); a config running more at once raises it.
MAX_QUEUED = 4
#: Requests the docs list as async-capable: these report families, and two entity lists.
ASYNC_REPORTS = re.compile(
    r"^(stock/.+|profit/.+|money/.+|sales/plotseries|orders/plotseries|counterparty|dashboard/.+)$"
)
ASYNC_ENTITIES = frozenset({"counterparty", "assortment"})

ERR_AUTH = "Ошибка аутентификации: Неправильный пароль или имя пользователя или ключ авторизации"
ERR_FORBIDDEN = "Доступ запрещен: у вас нет прав на просмотр данного объекта"

FILTER_CONDITION = re.compile(r"^(state|deletionDate|request)(<=|>=|!=|=|<|>)(.*)$", re.DOTALL)

router = APIRouter(prefix=REMAP, include_in_schema=False)


def errors(status: int, message: str, code: int) -> Response:
    return json_response({"errors": [{"error": message, "code": code}]}, status)


def documented_error(code: int) -> Response:
    """One of the async exchange's errors, with its documented text."""
    return errors(error_status(code), ERROR_TEXTS[code], code)


Handler = Callable[..., Awaitable[Response]]


def guarded(route: str) -> Callable[[Handler], Handler]:
    """Run a MoySklad endpoint behind the request window and the arranged faults of its route.

    Unauthenticated requests go straight to the endpoint (its 401); the others may be refused (429,
    a fault) and, while a window is set, every answer carries its ``X-RateLimit-*`` headers.
    """

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def run(request: Request, **params: str) -> Response:
            world = async_world(request)
            user = world.user(request.headers.get("authorization"))
            if user is None:
                return await handler(request, **params)
            refusal, headers = world.moysklad_gate.admit(user, route, weight(route, params.get("report")), world.now())
            response = (
                json_response(refusal.body, refusal.status) if refusal is not None else await handler(request, **params)
            )
            response.headers.update(headers)
            return response

        return run

    return wrap


def _not_found(kind: str, object_id: str) -> Response:
    return errors(404, f"Объект с типом '{kind}' и идентификатором '{object_id}' не найден", 1021)


def _unauthorized() -> Response:
    return errors(401, ERR_AUTH, 1056)


def _account_id(user: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"moysklad-account:{user}"))


def _employee_id(user: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"moysklad-employee:{user}"))


def _task_href(job: Job) -> str:
    return f"{job.payload['base']}{REMAP}/async/{job.id}"


def _meta(href: str, kind: str) -> dict[str, str]:
    return {"href": href, "type": kind, "mediaType": MEDIA}


def _owner(base: str, user: str) -> dict[str, Any]:
    employee = _employee_id(user)
    return {
        "meta": {
            "href": f"{base}{REMAP}/entity/employee/{employee}",
            "metadataHref": f"{base}{REMAP}/entity/employee/metadata",
            "type": "employee",
            "mediaType": MEDIA,
            "uuidHref": f"https://online.moysklad.ru/app/#employee/edit?id={employee}",
        }
    }


def _api_error(job: Job) -> tuple[int, dict[str, Any]]:
    """The stored error of an API_ERROR task: its HTTP code and the synchronous call's body (1016 unless set)."""
    code = job.plan.error_code if job.plan.error_code is not None else 1016
    return job.plan.error_http_code or 403, {
        "errors": [{"error": job.plan.error_message or ERR_FORBIDDEN, "code": code}]
    }


def task_view(job: Job, now: float, *, listed: bool = False) -> dict[str, Any]:
    """A task as the state endpoint (or, with ``listed``, the task list) renders it.

    As in the docs' examples: no ``meta`` while PENDING / PROCESSING or on API_ERROR (always in the
    list), ``resultUrl`` and ``deletionDate`` only when DONE, ``errors`` only on API_ERROR; the list
    prints ``deletionDate`` with milliseconds, the single task without; both in Moscow time (MSK).
    """
    state = job.label(now)
    view: dict[str, Any] = {}
    if listed or state not in ("PENDING", "PROCESSING", "API_ERROR"):
        view["meta"] = _meta(_task_href(job), "async")
    view.update(
        {
            "id": job.id,
            "accountId": _account_id(job.user),
            "owner": _owner(job.payload["base"], job.user),
            "state": state,
            "request": job.payload["request"],
        }
    )
    expires = job.expires()
    if state == "DONE" and expires is not None:
        view["resultUrl"] = f"{_task_href(job)}/result"
        view["deletionDate"] = (format_space_millis if listed else format_space)(expires, MSK)
    if state == "API_ERROR":
        view["errors"] = _api_error(job)[1]["errors"]
    return view


def _fire_webhooks(world: AsyncWorld) -> Callable[[Job], None]:
    """Deliver ``PROCESSED`` to the user's async webhooks; looked up when the task finishes."""

    def fire(job: Job) -> None:
        store = world.stores[API]
        with store.lock:
            hooks = [hook for hook in store.subscriptions.get(job.user, {}).values() if hook["enabled"]]
        base = job.payload["base"]
        for hook in hooks:
            body = {
                "auditContext": {
                    "meta": {"type": "audit", "href": f"{base}{REMAP}/audit/{uuid.uuid4()}"},
                    "moment": format_space(world.now(), MSK),
                    "uid": f"{job.user}@emulator",
                },
                "events": [
                    {
                        "meta": {"type": "async", "href": _task_href(job)},
                        "action": "PROCESSED",
                        "accountId": _account_id(job.user),
                    }
                ],
            }
            separator = "&" if "?" in hook["url"] else "?"
            note = Notification("webhook", f"{hook['url']}{separator}requestId={uuid.uuid4()}", "POST", json_body=body)
            for attempt in range(1, WEBHOOK_ATTEMPTS + 1):
                record = deliver(note, min(WEBHOOK_TIMEOUT, world.config.callback_timeout))
                record.update({"at": world.now(), "attempt": attempt})
                store.record_callback(job, record)
                if record["refused"] or record["status"] in (200, 204):
                    break

    return fire


def _is_async_capable(kind: str, name: str) -> bool:
    if kind == "report":
        return ASYNC_REPORTS.match(name.strip("/")) is not None
    return name.strip("/") in ASYNC_ENTITIES


async def _create(request: Request, kind: str, name: str) -> Response:
    """Create a task for ``report/<name>`` or ``entity/<name>``, refusing what the docs refuse."""
    world = async_world(request)
    user = world.user(request.headers.get("authorization"))
    if user is None:
        return _unauthorized()
    params = request.query_params
    if params.get("async", "").lower() != "true":
        return errors(400, f"Неопознанный путь: {request.url.path} (эмулятор строит отчеты только с async=true)", 1002)
    if not _is_async_capable(kind, name):
        return documented_error(61000)
    if "offset" in params or "limit" in params:
        return documented_error(61001)
    base = base_url(request)
    payload = {"request": str(request.url), "report": name, "base": base}
    limit = max(MAX_QUEUED, world.config.moysklad_max_concurrent)
    try:
        job = world.stores[API].create(user, world.now(), payload, lambda: str(uuid.uuid4()), limit=limit)
    except LimitExceeded:
        return documented_error(61002)
    world.notify_when_finished(job, _fire_webhooks(world))
    return empty_response(
        202, {"Location": f"{base}{REMAP}/async/{job.id}/result", "Content-Location": f"{base}{REMAP}/async/{job.id}"}
    )


@guarded("start")
async def create_task(request: Request, report: str) -> Response:
    return await _create(request, "report", report)


@guarded("start")
async def create_entity_task(request: Request, entity: str) -> Response:
    return await _create(request, "entity", entity)


def _task_for(request: Request, task_id: str) -> tuple[AsyncWorld, Job] | Response:
    """The caller's own async task, or the API's error answer (401, 404)."""
    world = async_world(request)
    user = world.user(request.headers.get("authorization"))
    if user is None:
        return _unauthorized()
    job = world.stores[API].owned(user, task_id)
    if job is None:
        return _not_found("async", task_id)
    return world, job


@guarded("state")
async def task_state(request: Request, task_id: str) -> Response:
    found = _task_for(request, task_id)
    if isinstance(found, Response):
        return found
    world, job = found
    return json_response(task_view(job, world.now()))


@guarded("result")
async def task_result(request: Request, task_id: str) -> Response:
    """The 302 to the file, or why there is none: 61006 not ready, API_ERROR's error, 61003/61004/61005."""
    found = _task_for(request, task_id)
    if isinstance(found, Response):
        return found
    world, job = found
    now = world.now()
    phase, state = job.phase(now), job.label(now)
    if phase in ("queued", "running"):
        return documented_error(61006)
    if phase == "api_error":
        # Also behind a DONE label (status_override): the seed's "marked as done, the result is an error".
        status, body = _api_error(job)
        return json_response(body, status)
    if phase == "success" and state == "DONE":
        if job.is_expired(now):
            return documented_error(61003)
        hub: AsyncHub = request.app.state.async_hub
        return empty_response(302, {"Location": result_link(world, hub.file_url, job, now)})
    if phase == "cancelled" or state in ("CANCEL", "CANCELLED"):
        return documented_error(61005)
    return documented_error(61004)  # ERROR, or a state the docs do not define (status_override)


@guarded("cancel")
async def cancel_task(request: Request, task_id: str) -> Response:
    """``PUT /async/{id}/cancel``: 204 for a PENDING or PROCESSING task, 61007 once it has ended."""
    found = _task_for(request, task_id)
    if isinstance(found, Response):
        return found
    world, job = found
    store = world.stores[API]
    if not store.stop(job, world.now()):
        return documented_error(61007)
    # The freed slot may start a waiting task sooner: its webhook must be due sooner too.
    fire = _fire_webhooks(world)
    for other in store.of_user(job.user):
        if other is not job and other.is_active(world.now()):
            world.notify_when_finished(other, fire)
    return Response(status_code=204)


def _parse_moment(value: str) -> float | None:
    """A filter's date-time, read in Moscow time; minutes-only precision is allowed for filters."""
    for pattern in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value.strip(), pattern).replace(tzinfo=MSK).timestamp()
        except ValueError:
            continue
    return None


def _conditions(raw_query: str) -> list[tuple[str, str, str]] | Response:
    """Filter conditions from ``filter=a=b;c<d``, plus the seed's bare ``&deletionDate<...`` form."""
    texts: list[str] = []
    for part in raw_query.split("&"):
        key, _, value = part.partition("=")
        if unquote_plus(key) == "filter":
            texts.extend(text for text in unquote_plus(value).split(";") if text)
        elif unquote_plus(part).startswith("deletionDate"):
            texts.append(unquote_plus(part))
    conditions: list[tuple[str, str, str]] = []
    for text in texts:
        match = FILTER_CONDITION.match(text)
        if match is None:
            return errors(400, f"Неверное значение '{text}' параметра фильтрации 'filter'", 1014)
        field, operator, value = match.groups()
        if field == "deletionDate" and _parse_moment(value) is None:
            return errors(400, f"Неверное значение '{value}' параметра фильтрации 'deletionDate'", 1014)
        if field != "deletionDate" and operator not in ("=", "!="):
            return errors(400, f"Неверное значение '{text}' параметра фильтрации '{field}'", 1014)
        conditions.append((field, operator, value))
    return conditions


def _matches(job: Job, now: float, conditions: list[tuple[str, str, str]]) -> bool:
    for field, operator, value in conditions:
        if field == "deletionDate":
            expires = job.expires()
            moment = _parse_moment(value)
            if expires is None or job.label(now) != "DONE" or moment is None:
                return False
            # Compare at the millisecond resolution the list prints.
            left, right = round(expires, 3), round(moment, 3)
            ok = {
                "=": left == right,
                "!=": left != right,
                "<": left < right,
                ">": left > right,
                "<=": left <= right,
                ">=": left >= right,
            }[operator]
        else:
            actual = job.label(now) if field == "state" else job.payload["request"]
            equal = actual.lower() == value.lower() if field == "state" else actual == value
            ok = equal if operator == "=" else not equal
        if not ok:
            return False
    return True


def _int_param(request: Request, name: str, default: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def _context(base: str) -> dict[str, Any]:
    return {
        "employee": {
            "meta": {
                "href": f"{base}{REMAP}/context/employee",
                "metadataHref": f"{base}{REMAP}/entity/employee/metadata",
                "type": "employee",
                "mediaType": MEDIA,
            }
        }
    }


@guarded("list")
async def list_tasks(request: Request) -> Response:
    world = async_world(request)
    user = world.user(request.headers.get("authorization"))
    if user is None:
        return _unauthorized()
    conditions = _conditions(request.url.query)
    if isinstance(conditions, Response):
        return conditions
    limit = _int_param(request, "limit", LIST_LIMIT)
    offset = _int_param(request, "offset", 0)
    if limit is None or offset is None or limit > LIST_LIMIT:
        return errors(400, f"Неверное значение параметра 'limit' или 'offset' (limit не более {LIST_LIMIT})", 1014)
    now = world.now()
    jobs = [
        job
        for job in reversed(world.stores[API].of_user(user))
        if job.created >= now - LIST_WINDOW_SECONDS and _matches(job, now, conditions)
    ]
    base = base_url(request)
    return json_response(
        {
            "context": _context(base),
            "meta": {**_meta(str(request.url), "async"), "size": len(jobs), "limit": limit, "offset": offset},
            "rows": [task_view(job, now, listed=True) for job in jobs[offset : offset + limit]],
        }
    )


def _webhook_view(base: str, user: str, hook: dict[str, Any]) -> dict[str, Any]:
    return {
        "meta": {
            "href": f"{base}{REMAP}/entity/webhook/{hook['id']}",
            "metadataHref": f"{base}{REMAP}/entity/webhook/metadata",
            "type": "webhook",
            "mediaType": MEDIA,
        },
        "id": hook["id"],
        "accountId": _account_id(user),
        "entityType": hook["entityType"],
        "url": hook["url"],
        "method": "POST",
        "enabled": hook["enabled"],
        "action": hook["action"],
    }


@guarded("webhook")
async def create_webhook(request: Request) -> Response:
    world = async_world(request)
    user = world.user(request.headers.get("authorization"))
    if user is None:
        return _unauthorized()
    fields = await read_fields(request)
    if fields is None:
        return errors(400, "Ошибка формата: входящий запрос не соответствует формату JSON", 2001)
    for name in ("url", "action", "entityType"):
        if not isinstance(fields.get(name), str) or not fields[name].strip():
            return errors(412, f"Ошибка сохранения объекта: поле '{name}' не может быть пустым или отсутствовать", 3000)
    if len(fields["url"]) > 255:
        return errors(412, "Ошибка сохранения объекта: длина поля 'url' превышает 255 символов", 3000)
    if fields["entityType"] != "async" or fields["action"] != "PROCESSED":
        # Webhooks on other entities exist in MoySklad; this emulator only has async tasks.
        return errors(412, "Эмулятор поддерживает только вебхуки entityType=async, action=PROCESSED", 3000)
    hook = {
        "id": str(uuid.uuid4()),
        "url": fields["url"],
        "action": fields["action"],
        "entityType": fields["entityType"],
        "enabled": fields.get("enabled", True) is not False,
    }
    store = world.stores[API]
    with store.lock:
        store.subscriptions.setdefault(user, {})[hook["id"]] = hook
    return json_response(_webhook_view(base_url(request), user, hook))


@guarded("webhook")
async def list_webhooks(request: Request) -> Response:
    world = async_world(request)
    user = world.user(request.headers.get("authorization"))
    if user is None:
        return _unauthorized()
    store = world.stores[API]
    with store.lock:
        hooks = list(store.subscriptions.get(user, {}).values())
    base = base_url(request)
    return json_response(
        {
            "context": _context(base),
            "meta": {**_meta(str(request.url), "webhook"), "size": len(hooks), "limit": LIST_LIMIT, "offset": 0},
            "rows": [_webhook_view(base, user, hook) for hook in hooks],
        }
    )


@guarded("webhook")
async def delete_webhook(request: Request, webhook_id: str) -> Response:
    world = async_world(request)
    user = world.user(request.headers.get("authorization"))
    if user is None:
        return _unauthorized()
    store = world.stores[API]
    with store.lock:
        removed = store.subscriptions.get(user, {}).pop(webhook_id, None)
    if removed is None:
        return _not_found("webhook", webhook_id)
    return Response(status_code=200)


router.add_api_route("/report/{report:path}", create_task, methods=["GET"])
router.add_api_route("/async", list_tasks, methods=["GET"])
router.add_api_route("/async/", list_tasks, methods=["GET"])
router.add_api_route("/async/{task_id}", task_state, methods=["GET"])
router.add_api_route("/async/{task_id}/result", task_result, methods=["GET"])
router.add_api_route("/async/{task_id}/cancel", cancel_task, methods=["PUT"])
router.add_api_route("/entity/webhook", create_webhook, methods=["POST"])
router.add_api_route("/entity/webhook", list_webhooks, methods=["GET"])
router.add_api_route("/entity/webhook/{webhook_id}", delete_webhook, methods=["DELETE"])
router.add_api_route("/entity/{entity}", create_entity_task, methods=["GET"])
