"""Admin API (``/admin``): the test harness's levers and the ground truth.

Unauthenticated and never subject to fault injection or units, because it stands in for "the world"
rather than for Yandex: it mutates the account, moves the clock, sets balances and arms faults.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from airflow_provider_direct.emulator.account_snapshot import ACCOUNT_SNAPSHOT_TYPES, iter_account_snapshot
from airflow_provider_direct.emulator.clock import format_timestamp, parse_timestamp
from airflow_provider_direct.emulator.faults import FaultSettings
from airflow_provider_direct.emulator.ids import Kind
from airflow_provider_direct.emulator.minimum import minimum_units
from airflow_provider_direct.emulator.mutations import MutationSpec, RandomMutator, apply_mutation
from airflow_provider_direct.emulator.reports.stats import truth_rows
from airflow_provider_direct.emulator.snapshot import SNAPSHOT_TYPES, describe_login, iter_snapshot
from airflow_provider_direct.emulator.state import StateError
from airflow_provider_direct.emulator.world import Emulator, World

router = APIRouter(prefix="/admin", tags=["admin"])


class RandomMutationsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=10, ge=0, le=100_000)
    login: str | None = None
    seed: int | None = None


class MutationsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mutations: list[MutationSpec]


class ClockAdvanceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(ge=0)


class UnitsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str
    rest: int | None = Field(default=None, ge=0)
    limit: int | None = Field(default=None, gt=0)


class StatCorrectionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str
    campaign_id: int
    date: dt.date
    factor: float = Field(ge=0, le=10)


class ReportExpireRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str
    name: str


def _emulator(request: Request) -> Emulator:
    return request.app.state.emulator  # type: ignore[no-any-return]


def _world(request: Request) -> World:
    return _emulator(request).world


def _login_index(world: World, login: str) -> int:
    index = world.state.login_index(login)
    if index is None:
        raise HTTPException(status_code=404, detail=f"unknown login {login!r}")
    return index


def _account(world: World, login: str) -> str:
    login = login.strip().lower()
    if login != world.config.agency_login and world.state.login_index(login) is None:
        raise HTTPException(status_code=404, detail=f"unknown login {login!r}")
    return login


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/config")
def get_config(request: Request) -> dict[str, Any]:
    return _world(request).config.model_dump(mode="json")


@router.post("/reset")
def reset(request: Request, changes: Annotated[dict[str, Any] | None, Body()] = None) -> dict[str, Any]:
    """Fresh world; the body may replace config fields (seed, logins, scales, ...)."""
    try:
        config = _emulator(request).reset(changes)
    except ValidationError as error:
        raise HTTPException(status_code=422, detail=error.errors(include_url=False)) from None
    return config.model_dump(mode="json")


@router.post("/mutations/random")
def random_mutations(request: Request, body: RandomMutationsRequest) -> dict[str, Any]:
    world = _world(request)
    login_index = _login_index(world, body.login) if body.login else None
    # Without an explicit seed successive batches differ, yet replay identically for one config seed.
    seed: int | str = body.seed if body.seed is not None else f"{world.config.seed}:{world.state.version}"
    applied = RandomMutator(world.state, random.Random(seed), login_index).run(body.count)
    return {"applied": applied}


@router.post("/mutations")
def mutations(request: Request, body: MutationsRequest) -> dict[str, Any]:
    state = _world(request).state
    applied: list[dict[str, Any]] = []
    for position, spec in enumerate(body.mutations):
        try:
            applied.append(apply_mutation(state, spec))
        except StateError as error:
            raise HTTPException(
                status_code=400, detail={"error": str(error), "index": position, "applied": applied}
            ) from None
    return {"applied": applied}


SNAPSHOT_PATTERN = "^(" + "|".join([*SNAPSHOT_TYPES, *ACCOUNT_SNAPSHOT_TYPES]) + ")$"


@router.get("/snapshot")
def snapshot(
    request: Request,
    login: str,
    kind: Annotated[str, Query(alias="type", pattern=SNAPSHOT_PATTERN)],
    include_smart: bool = False,
) -> StreamingResponse:
    """Live objects of one login as NDJSON, streamed; smart-banner objects only on request.

    ``type`` is an object type (campaigns, ad_groups, ads, keywords) or an account-level service's
    name (sitelinks, vcards, adimages, adextensions, bidmodifiers, keywordbids, retargetinglists,
    negativekeywordsharedsets, clients, dictionaries, feeds, turbopages, businesses, creatives,
    strategies, audiencetargets, dynamictextadtargets, smartadtargets; see ``account_snapshot``)."""
    world = _world(request)
    login_index = _login_index(world, login)
    if kind in ACCOUNT_SNAPSHOT_TYPES:
        chunks = iter_account_snapshot(world.state, login_index, kind)
    else:
        chunks = iter_snapshot(world.state, [login_index], SNAPSHOT_TYPES[kind], include_smart)
    return StreamingResponse(chunks, media_type="application/x-ndjson")


@router.get("/counts")
def counts(request: Request, login: str | None = None) -> dict[str, Any]:
    world = _world(request)
    indexes = [_login_index(world, login)] if login else range(len(world.config.logins))
    return {"logins": [describe_login(world.state, index) for index in indexes]}


def _clock_view(world: World) -> dict[str, Any]:
    clock = world.clock
    return {
        "now": format_timestamp(clock.now()),
        "now_epoch": clock.now(),
        "offset_seconds": clock.offset,
        "started": format_timestamp(clock.start),
        "emulated_hour": world.ledger.emulated_hour(),
        "time_scale": world.config.time_scale,
    }


@router.get("/clock")
def get_clock(request: Request) -> dict[str, Any]:
    return _clock_view(_world(request))


@router.post("/clock/advance")
def advance_clock(request: Request, body: ClockAdvanceRequest) -> dict[str, Any]:
    world = _world(request)
    world.clock.advance(body.seconds)
    return _clock_view(world)


@router.get("/minimum-units")
def get_minimum_units(
    request: Request, login: str, since: str, cycle_runs: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    """The floor of units any client must spend to catch up on the changes since ``since``; with
    ``cycle_runs``, the account-level services too (bids re-read within that many runs)."""
    world = _world(request)
    try:
        second = parse_timestamp(since)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=f"since: {exc}") from exc
    return minimum_units(world.state, world.config, _login_index(world, login), second, cycle_runs)


@router.get("/units")
def get_units(request: Request, login: str) -> dict[str, Any]:
    world = _world(request)
    return world.ledger.view(_account(world, login))


@router.post("/units")
def set_units(request: Request, body: UnitsRequest) -> dict[str, Any]:
    world = _world(request)
    return world.ledger.set(_account(world, body.login), rest=body.rest, limit=body.limit)


@router.get("/faults")
def get_faults(request: Request) -> dict[str, Any]:
    return _world(request).faults.describe()


@router.post("/faults")
def set_faults(request: Request, body: FaultSettings) -> dict[str, Any]:
    return _world(request).faults.configure(body)


@router.get("/stats")
def stats(request: Request) -> dict[str, Any]:
    world = _world(request)
    return {
        **world.stats.snapshot(),
        "max_in_flight_by_login": dict(world.gate.max_by_login),
        "faults_injected": dict(world.faults.injected),
    }


# -- Reports: statistics corrections, ground truth and the report registry --------------------------


@router.post("/stats/correct")
def correct_stats(request: Request, body: StatCorrectionRequest) -> dict[str, Any]:
    """Restate one campaign-day (factors compound); the same ``stat_correction`` mutation random batches use,
    so Changes reports STAT / CampaignsStat and AUTO reports reach back to ``date``."""
    world = _world(request)
    state = world.state
    login_index = _login_index(world, body.login)
    with state.lock:
        if state.kind_of(body.campaign_id) is not Kind.CAMPAIGN or state.login_of(body.campaign_id) != login_index:
            detail = f"campaign {body.campaign_id} does not belong to {body.login!r}"
            raise HTTPException(status_code=404, detail=detail)
    spec = MutationSpec(op="stat_correction", id=body.campaign_id, border_date=body.date, factor=body.factor)
    try:
        record = apply_mutation(state, spec)
    except StateError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    record["total_factor"] = state.stat_factors[(body.campaign_id, body.date.toordinal())]
    return record


@router.get("/stats/truth")
def stats_truth(
    request: Request,
    login: str,
    date_from: dt.date,
    date_to: dt.date,
    level: Literal["account", "campaign", "ad_group", "ad"] = "campaign",
    goals: str = "",
    models: str = "",
    dims: str = "",
    search_only: bool = False,
) -> list[dict[str, Any]]:
    """Per-day rows exactly as a Reports TSV carries them (money in micros, VAT included, empty rows omitted);
    ``goals`` and ``models`` (comma-separated) add the per-goal conversion and revenue columns, ``dims``
    (comma-separated dimension fields) groups by them, ``search_only`` keeps search traffic (search queries)."""
    world = _world(request)
    login_index = _login_index(world, login)
    goal_ids, model_names, dim_names = ([v for v in text.split(",") if v] for text in (goals, models, dims))
    rows = truth_rows(
        world.report_stats,
        world.state,
        login_index,
        date_from,
        date_to,
        level,
        goal_ids,
        model_names,
        dim_names,
        search_only,
    )
    return list(rows)


@router.get("/reports")
def list_reports(request: Request, login: str) -> dict[str, Any]:
    world = _world(request)
    _login_index(world, login)
    login = login.strip().lower()
    return {"login": login, "reports": world.reports.describe(login, world.clock.now())}


@router.post("/reports/expire")
def expire_report(request: Request, body: ReportExpireRequest) -> dict[str, Any]:
    """Drop a report as if its 5 hours had passed: the name is free and the identical request queues anew."""
    world = _world(request)
    login = body.login.strip().lower()
    if not world.reports.expire(login, body.name):
        raise HTTPException(status_code=404, detail=f"no report {body.name!r} for {login!r}")
    return {"login": login, "name": body.name, "expired": True}
