"""Admin levers of the async APIs (``/admin/async``): scenarios, ground truth, expiry, MoySklad faults and
request window, reset.

Like the rest of ``/admin`` it is unauthenticated and never faulted: it stands in for the world
(how the next jobs behave, what really happened) rather than for any of the emulated services.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict

from airflow_provider_direct.emulator.async_apis.hub import AsyncHub, AsyncWorld, async_world
from airflow_provider_direct.emulator.async_apis.moysklad_limits import FaultsRequest, RateLimit
from airflow_provider_direct.emulator.async_apis.scenario import AsyncApi, ScenarioRequest
from airflow_provider_direct.emulator.config import ASYNC_APIS

router = APIRouter(prefix="/admin/async", tags=["admin"])


class ExpireRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api: AsyncApi
    id: str | int


def _apis(api: AsyncApi | None) -> tuple[str, ...]:
    return (api,) if api is not None else ASYNC_APIS


@router.post("/scenario")
def set_scenario(request: Request, body: ScenarioRequest) -> dict[str, Any]:
    """Queue behaviours for the next jobs of one API (FIFO); ``clear`` empties the queue first."""
    queued = async_world(request).stores[body.api].enqueue(body.next, clear=body.clear)
    return {"api": body.api, "queued": queued}


@router.get("/scenario")
def get_scenario(request: Request, api: AsyncApi) -> dict[str, Any]:
    return {"api": api, "queued": async_world(request).stores[api].enqueue([])}


@router.get("/jobs")
def jobs(request: Request, api: AsyncApi | None = None) -> dict[str, Any]:
    """Every job with its true state, stop requests, callbacks and file-host requests."""
    world = async_world(request)
    now = world.now()
    described = [job.describe(now) for name in _apis(api) for job in world.stores[name].all()]
    described.sort(key=lambda job: job["created"])
    return {"now": now, "jobs": described, "file_host": world.file_host_view()}


@router.post("/expire")
def expire(request: Request, body: ExpireRequest) -> dict[str, Any]:
    """Make a finished job's result expired now (deleted / past deletionDate / purged)."""
    world: AsyncWorld = async_world(request)
    store = world.stores[body.api]
    job = store.get(str(body.id))
    if job is None:
        raise HTTPException(status_code=404, detail=f"unknown {body.api} job {body.id!r}")
    now = world.now()
    if job.finished_by(now) is None:
        raise HTTPException(status_code=409, detail=f"{body.api} job {body.id!r} has not finished")
    store.expire(job, now)
    return job.describe(now)


@router.post("/faults")
def set_faults(request: Request, body: FaultsRequest) -> dict[str, Any]:
    """Arrange error answers for the next MoySklad requests (1073, 61008, ...), FIFO per route."""
    queued = async_world(request).moysklad_gate.add_faults(body.next, clear=body.clear)
    return {"api": body.api, "queued": queued}


@router.post("/limits")
def set_limits(request: Request, body: RateLimit) -> dict[str, Any]:
    """Set (or, with ``limit: null``, lift) MoySklad's per-user request window: past it, 429 / 1049."""
    gate = async_world(request).moysklad_gate
    gate.set_rate(body)
    return gate.view()


@router.get("/limits")
def get_limits(request: Request) -> dict[str, Any]:
    """The window, the faults still queued, and every request the gate refused."""
    return async_world(request).moysklad_gate.view()


@router.post("/reset")
def reset(request: Request) -> dict[str, Any]:
    """Forget every async job, queued scenario, webhook, fault and request window; config and clock stay."""
    world = async_world(request)
    cleared = sum(len(store.all()) for store in world.stores.values())
    world.reset()
    return {"cleared": cleared}


@router.get("/info")
def info(request: Request) -> dict[str, Any]:
    """Where the MoySklad file host listens, and the defaults jobs start from."""
    hub: AsyncHub = request.app.state.async_hub
    world = hub.current()
    config = world.config
    return {
        "file_url": hub.file_url,
        "now": world.now(),
        "defaults": {api: defaults.model_dump() for api, defaults in config.async_jobs.items()},
        "tokens": dict(config.async_tokens),
        "pending_notifications": world.dispatcher.pending(),
    }
