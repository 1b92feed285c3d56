"""myTarget asynchronous API (seed 003): any ``/api/`` call replayed under ``/async_api/``.

A request is answered ``202 Accepted`` with a RELATIVE ``Location`` to its status; the status is
``enqueued`` / ``started`` (200) until it is ``done``, which answers ``303 See Other`` to the stored
response, and that response keeps the ORIGINAL HTTP code and headers: a done request may well hold
a 400. ``unknown`` means the service crashed after sending the request (no response, never a
callback). Optional ``X-Callback-Location`` / ``X-Callback-Method`` make the emulator call back when
the request is done. Done requests are kept for a day; the async API is not rate limited. Dates are
``YYYY-MM-DD HH:MM:SS`` in Moscow time, like every myTarget API date
(https://target.my.com/help/advertisers/api_arrangement/en, "Basic data types").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from airflow_provider_direct.emulator.async_apis.callbacks import Notification, deliver
from airflow_provider_direct.emulator.async_apis.hub import AsyncWorld, async_world
from airflow_provider_direct.emulator.async_apis.jobs import Job
from airflow_provider_direct.emulator.async_apis.wire import MSK, empty_response, format_space, json_response
from airflow_provider_direct.emulator.encoding import dumps

API = "mytarget"
PREFIX = "/async_api"
ASYNC_PATH = re.compile(r"v\d+/.+\.json")
RESERVED = ("v2/requests/", "v2/responses/")
BODY_ECHO_LIMIT = 2_000  # characters of the original body kept for /admin/async/jobs
MSG_BAD_REQUEST = "Invalid request: field 'name' is required"

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _error(status: int, code: str, message: str) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status)


def _user(world: AsyncWorld, request: Request) -> str | Response:
    user = world.user(request.headers.get("authorization"))
    if user is None:
        return _error(401, "invalid_token", "Access token is missing, invalid or expired")
    return user


def _response_url(job: Job) -> str:
    return f"{PREFIX}/v2/responses/{job.id}.json"


def _items(job: Job) -> list[dict[str, Any]]:
    path = job.payload["request"]["path"]
    count = job.plan.result_rows or 0
    if "/statistics/" in path:
        return [
            {
                "id": 1_000 + index,
                "rows": [
                    {
                        "date": format_space(job.created - 86_400, MSK)[:10],
                        "base": {
                            "shows": 100 * (index + 1),
                            "clicks": 3 * (index + 1),
                            "spent": f"{12.5 * (index + 1):.2f}",
                        },
                    }
                ],
                "total": {"base": {"shows": 100 * (index + 1), "clicks": 3 * (index + 1)}},
            }
            for index in range(count)
        ]
    resource = path.rsplit("/", 1)[-1].removesuffix(".json")
    return [{"id": 1_000 + index, "name": f"{resource} #{index + 1}", "status": "active"} for index in range(count)]


def stored_response(job: Job) -> tuple[int, dict[str, str], bytes]:
    """What the original API answered: status, headers and body (success or an error kept as is)."""
    headers = {"Content-Type": "application/json", "X-Target-Original": "1"}
    if job.plan.outcome == "success":
        items = _items(job)
        return 200, headers, dumps({"items": items, "count": len(items)}).encode()
    body = {"error": {"code": "bad_request", "message": job.plan.error_message or MSG_BAD_REQUEST}}
    return job.plan.error_http_code or 400, headers, dumps(body).encode()


def _live(world: AsyncWorld, user: str, request_id: str) -> Job | None:
    """The caller's request unless unknown, foreign or deleted after ``mytarget_ttl``."""
    job = world.stores[API].owned(user, request_id)
    return None if job is None or job.is_expired(world.now()) else job


def _callback(world: AsyncWorld) -> Callable[[Job], None]:
    def fire(job: Job) -> None:
        if job.phase(world.now()) not in ("success", "failure"):
            return  # "unknown": the service lost the response, so nobody is told
        callback = job.payload["callback"]
        status = stored_response(job)[0]
        params = {"response_id": job.id, "response_url": _response_url(job), "response_http_code": str(status)}
        record = deliver(
            Notification("callback", callback["url"], callback["method"], params=params), world.config.callback_timeout
        )
        record["at"] = world.now()
        world.stores[API].record_callback(job, record)

    return fire


async def enqueue(request: Request, path: str) -> Response:
    world = async_world(request)
    user = _user(world, request)
    if isinstance(user, Response):
        return user
    if path.startswith(RESERVED):
        return _error(405, "method_not_allowed", f"Method {request.method} is not allowed here")
    if not ASYNC_PATH.fullmatch(path):
        return _error(404, "not_found", f"Unknown resource: {PREFIX}/{path}")
    callback_url = request.headers.get("x-callback-location")
    callback_method = (request.headers.get("x-callback-method") or "POST").strip().upper()
    if callback_method not in ("GET", "POST"):
        return _error(400, "bad_request", "X-Callback-Method must be GET or POST")
    body = (await request.body()).decode("utf-8", "replace")
    payload = {
        "request": {
            "method": request.method,
            "path": f"/api/{path}",
            "query": request.url.query,
            "body": body[:BODY_ECHO_LIMIT],
        },
        "callback": {"url": callback_url, "method": callback_method} if callback_url else None,
    }
    store = world.stores[API]
    job = store.create(user, world.now(), payload, lambda: str(next(store.sequence)))
    if callback_url:
        world.notify_when_finished(job, _callback(world))
    return empty_response(202, {"Location": f"{PREFIX}/v2/requests/{job.id}.json"})


async def request_status(request: Request, request_id: str) -> Response:
    world = async_world(request)
    user = _user(world, request)
    if isinstance(user, Response):
        return user
    job = _live(world, user, request_id)
    if job is None:
        return _error(404, "not_found", f"Request {request_id} not found")
    now = world.now()
    phase = job.phase(now)
    label = job.label(now)
    if phase in ("success", "failure") and label == "done":
        status = stored_response(job)[0]
        body = {
            "id": job.id,
            "status": "done",
            "response_http_code": status,
            "response_url": _response_url(job),
            "started": format_space(job.started, MSK),
            "exec_time": round(job.plan.duration),
            "created": format_space(job.created, MSK),
        }
        return json_response(body, 303, {"Location": _response_url(job)})
    body = {"id": job.id, "status": label, "created": format_space(job.created, MSK)}
    if phase != "queued":
        body["started"] = format_space(job.started, MSK)
    return json_response(body)


async def stored(request: Request, request_id: str) -> Response:
    world = async_world(request)
    user = _user(world, request)
    if isinstance(user, Response):
        return user
    job = _live(world, user, request_id)
    if job is None:
        return _error(404, "not_found", f"Response {request_id} not found")
    if job.phase(world.now()) not in ("success", "failure"):
        return _error(404, "not_found", f"Response {request_id} is not ready")
    status, headers, content = stored_response(job)
    return Response(content=content, status_code=status, headers=headers)


router.add_api_route("/v2/requests/{request_id}.json", request_status, methods=["GET"])
router.add_api_route("/v2/responses/{request_id}.json", stored, methods=["GET"])
router.add_api_route("/{path:path}", enqueue, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
