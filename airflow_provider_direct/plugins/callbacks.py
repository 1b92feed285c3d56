"""The api-server route myTarget calls back: a signed callback wakes its deferred task at once.

Mounted by the provider's plugin at ``/direct-callbacks``. The signed URL is the credential (see
``utils.callback_tokens``); the route then hands the waiting task an event the way the triggerer does
(``Trigger.submit_event``), so the task resumes without waiting for its trigger's next poll. The task still
asks the API for the result itself: a callback only says "look now". Anything else is refused: no or a
forged signature (401/403), an expired token (410), a task no longer waiting on that trigger, which is what
a replayed callback finds (409), or a callback naming another request (409).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airflow_provider_direct.utils.callback_tokens import SECTION, CallbackRefused, CallbackTarget, verify

log = logging.getLogger(__name__)

app = FastAPI(title="Yandex Direct provider: callbacks of async APIs", docs_url=None, redoc_url=None)


def _secret() -> str | None:
    from airflow.configuration import conf

    return conf.get(SECTION, "callback_secret", fallback=None) or None


def _request_id(handle: dict[str, Any]) -> str:
    """The myTarget request a handle polls: ``.../v2/requests/<id>.json``."""
    url = str(handle.get("status_url") or "")
    return url.rsplit("/", 1)[-1].removesuffix(".json")


def wake(target: CallbackTarget, response_id: str, code: str | None) -> None:
    """Resume the deferred task the callback is for, in one transaction (a replay then finds it resumed)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.triggers.base import TriggerEvent
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    with create_session() as session:
        ti = session.scalar(
            select(TaskInstance)
            .where(
                TaskInstance.dag_id == target.dag_id,
                TaskInstance.run_id == target.run_id,
                TaskInstance.task_id == target.task_id,
                TaskInstance.map_index == target.map_index,
            )
            .with_for_update()
        )
        if ti is None:
            raise CallbackRefused(404, "no such task instance")
        trigger = session.get(Trigger, ti.trigger_id) if ti.trigger_id is not None else None
        if ti.state != TaskInstanceState.DEFERRED or trigger is None:
            raise CallbackRefused(409, "the task is not waiting for a callback (already resumed, or a replay)")
        kwargs = trigger.kwargs
        if kwargs.get("callback_nonce") != target.nonce:
            raise CallbackRefused(409, "the task waits on another request now (a replay of an older callback)")
        handle = kwargs.get("handle") or {}
        if not response_id or response_id != _request_id(handle):
            raise CallbackRefused(409, "the callback names another request than the task's")
        event = {
            "status": "callback",
            "handle": handle,
            "deadline": kwargs.get("deadline"),
            "callback_nonce": target.nonce,
            "response_id": response_id,
            "response_http_code": code,
        }
        Trigger.submit_event(trigger.id, TriggerEvent(event), session=session)
        log.info("myTarget callback for request %s resumed %s", response_id, ti)


@app.api_route("/mytarget/{token}", methods=["GET", "POST"])
async def mytarget_callback(token: str, request: Request) -> JSONResponse:
    """myTarget's ``X-Callback-Location``: ``response_id`` and ``response_http_code`` in the query or the form."""
    secret = _secret()
    if secret is None:
        return JSONResponse({"detail": "callbacks are not configured here"}, status_code=404)
    params: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        params.update(await request.form())
    try:
        target = verify(token, secret)
        await run_in_threadpool(wake, target, str(params.get("response_id") or ""), params.get("response_http_code"))
    except CallbackRefused as refused:
        log.warning("Refused a myTarget callback: %s", refused.reason)
        return JSONResponse({"detail": refused.reason}, status_code=refused.status)
    return JSONResponse({"detail": "the task resumes"}, status_code=202)
